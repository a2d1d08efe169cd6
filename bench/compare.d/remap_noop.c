/* bench/compare.d/remap_noop.c: a remap plugin that does nothing (TSRemapDoRemap returns
 * TSREMAP_NO_REMAP): bench/instructions REMAP_PLUGIN=noop measures what a remap plugin costs a
 * request when it does no work of its own. */
#include <ts/ts.h>
#include <ts/remap.h>

TSReturnCode
TSRemapInit(TSRemapInterface *api_info, char *errbuf, int errbuf_size)
{
  (void)api_info, (void)errbuf, (void)errbuf_size;
  return TS_SUCCESS;
}

TSRemapStatus
TSRemapDoRemap(void *ih, TSHttpTxn txn, TSRemapRequestInfo *rri)
{
  (void)ih, (void)txn, (void)rri;
  return TSREMAP_NO_REMAP;
}

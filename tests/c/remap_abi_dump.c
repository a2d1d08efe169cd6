/* tests/c/remap_abi_dump.c: prints the ABI-relevant facts of <ts/remap.h>, one per line, so that
 * tests/abi.rs can compare tshost's generated include/ts/remap.h with Debian's (the same file is
 * compiled once against each; the outputs must be identical). It also defines every entry point
 * a remap plugin implements with the signature it must have: a prototype of the header that
 * differs is a compile error ("conflicting types"). */
#include <ts/ts.h>
#include <ts/remap.h>

#include <stddef.h>
#include <stdio.h>

#define SIZE(T) printf("sizeof(" #T ") = %zu, align %zu\n", sizeof(T), _Alignof(T))
#define FIELD(T, f) printf("offsetof(" #T ", " #f ") = %zu, size %zu\n", offsetof(T, f), sizeof(((T *)0)->f))
#define VALUE(v) printf(#v " = %lld\n", (long long)(v))
#define SAME(a, b) printf("compatible(" #a ", " #b ") = %d\n", __builtin_types_compatible_p(a, b))

TSReturnCode
TSRemapInit(TSRemapInterface *api_info, char *errbuf, int errbuf_size)
{
  (void)api_info, (void)errbuf, (void)errbuf_size;
  return TS_SUCCESS;
}
void
TSRemapPreConfigReload(void)
{
}
void
TSRemapPostConfigReload(TSRemapReloadStatus reloadStatus)
{
  (void)reloadStatus;
}
TSRemapStatus
TSRemapDoRemap(void *ih, TSHttpTxn rh, TSRemapRequestInfo *rri)
{
  (void)ih, (void)rh, (void)rri;
  return TSREMAP_NO_REMAP;
}
void
TSRemapDone(void)
{
}
TSReturnCode
TSRemapNewInstance(int argc, char *argv[], void **ih, char *errbuf, int errbuf_size)
{
  (void)argc, (void)argv, (void)ih, (void)errbuf, (void)errbuf_size;
  return TS_SUCCESS;
}
void
TSRemapDeleteInstance(void *ih)
{
  (void)ih;
}
void
TSRemapOSResponse(void *ih, TSHttpTxn rh, int os_response_type)
{
  (void)ih, (void)rh, (void)os_response_type;
}

int
main(void)
{
  VALUE(TSREMAP_VMAJOR);
  VALUE(TSREMAP_VMINOR);
  VALUE(TSREMAP_VERSION);
  SIZE(TSRemapInterface);
  FIELD(TSRemapInterface, size);
  FIELD(TSRemapInterface, tsremap_version);
  SAME(__typeof__(((TSRemapInterface *)0)->size), unsigned long);
  SAME(__typeof__(((TSRemapInterface *)0)->tsremap_version), unsigned long);
  SIZE(TSRemapRequestInfo);
  FIELD(TSRemapRequestInfo, mapFromUrl);
  FIELD(TSRemapRequestInfo, mapToUrl);
  FIELD(TSRemapRequestInfo, requestUrl);
  FIELD(TSRemapRequestInfo, requestBufp);
  FIELD(TSRemapRequestInfo, requestHdrp);
  FIELD(TSRemapRequestInfo, redirect);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->mapFromUrl), TSMLoc);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->mapToUrl), TSMLoc);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->requestUrl), TSMLoc);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->requestBufp), TSMBuffer);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->requestHdrp), TSMLoc);
  SAME(__typeof__(((TSRemapRequestInfo *)0)->redirect), int);
  SIZE(TSRemapStatus);
  VALUE(TSREMAP_NO_REMAP);
  VALUE(TSREMAP_DID_REMAP);
  VALUE(TSREMAP_NO_REMAP_STOP);
  VALUE(TSREMAP_DID_REMAP_STOP);
  VALUE(TSREMAP_ERROR);
  SIZE(TSRemapReloadStatus);
  VALUE(TSREMAP_CONFIG_RELOAD_FAILURE);
  VALUE(TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_USED);
  VALUE(TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_UNUSED);
  return 0;
}

/* Holds READ_REQUEST_HDR for argv[1] milliseconds (reenabled from a continuation scheduled on
 * the net pool) and reenables SEND_RESPONSE_HDR at once: what the per-plugin hook times should
 * show. Registers as "hold_hook". */
#include <stdint.h>
#include <stdlib.h>

#include <ts/ts.h>

static int hold_ms = 50;

static int
release(TSCont contp, TSEvent event, void *edata)
{
  (void)event;
  (void)edata;
  TSHttpTxn txnp = TSContDataGet(contp);
  TSContDestroy(contp);
  TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

static int
on_hook(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txnp = edata;
  if (event == TS_EVENT_HTTP_READ_REQUEST_HDR) {
    TSCont later = TSContCreate(release, TSMutexCreate());
    TSContDataSet(later, txnp);
    TSContScheduleOnPool(later, hold_ms, TS_THREAD_POOL_NET);
    return 0;
  }
  TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"hold_hook", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[hold_hook] registration failed");
    return;
  }
  if (argc > 1) {
    hold_ms = atoi(argv[1]);
  }
  TSCont c = TSContCreate(on_hook, NULL);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, c);
}

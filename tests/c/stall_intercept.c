/* tests/c/stall_intercept.c: an intercept (TSHttpTxnIntercept) that reads the request and never
 * answers, for tests/intercepts.rs: every request with `X-Stall: 1` is intercepted so. The
 * VConnection is closed when the transaction lets go of it (EOS). */
#include <ts/ts.h>

#include <stdlib.h>

static int
on_vc(TSCont contp, TSEvent event, void *edata)
{
  switch (event) {
  case TS_EVENT_NET_ACCEPT: {
    TSVConn vc = edata;
    TSContDataSet(contp, vc);
    TSIOBuffer in = TSIOBufferCreate();
    TSVConnRead(vc, contp, in, INT64_MAX);
    break;
  }
  case TS_EVENT_VCONN_READ_READY: {
    TSVIO vio = edata;
    TSIOBufferReader r = TSVIOReaderGet(vio);
    if (r) {
      TSIOBufferReaderConsume(r, TSIOBufferReaderAvail(r));
    }
    break;
  }
  case TS_EVENT_VCONN_EOS:
  case TS_EVENT_ERROR: {
    TSError("[stall_intercept] %s", event == TS_EVENT_VCONN_EOS ? "EOS" : "ERROR");
    TSVConn vc = TSContDataGet(contp);
    if (vc) {
      TSVConnClose(vc);
    }
    TSContDestroy(contp);
    break;
  }
  default:
    break;
  }
  return 0;
}

static int
on_request(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  (void)ev;
  TSHttpTxn txn = edata;
  TSMBuffer b;
  TSMLoc h;
  if (TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    TSMLoc f = TSMimeHdrFieldFind(b, h, "X-Stall", 7);
    if (f) {
      TSHttpTxnIntercept(TSContCreate(on_vc, TSMutexCreate()), txn);
      TSHandleMLocRelease(b, h, f);
    }
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"stall_intercept", "tshost", "dev@tshost"};
  TSPluginRegister(&info);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_request, NULL));
}

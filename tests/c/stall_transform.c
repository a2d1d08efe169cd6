/* tests/c/stall_transform.c: transforms that take their input and never give output, for
 * tests/transforms.rs: a request with `X-Stall: resp` gets such a response transform, one with
 * `X-Stall: req` such a request transform. */
#include <ts/ts.h>

#include <string.h>

static int
black_hole(TSCont contp, TSEvent event, void *edata)
{
  (void)event;
  (void)edata;
  if (TSVConnClosedGet(contp)) {
    TSContDestroy(contp);
    return 0;
  }
  TSVIO in = TSVConnWriteVIOGet(contp);
  if (in && TSVIOBufferGet(in)) {
    TSIOBufferReader r = TSVIOReaderGet(in);
    int64_t n          = TSIOBufferReaderAvail(r);
    if (n > 0) {
      TSIOBufferReaderConsume(r, n);
      TSVIONDoneSet(in, TSVIONDoneGet(in) + n);
      TSContCall(TSVIOContGet(in), TS_EVENT_VCONN_WRITE_READY, in);
    }
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
      int len;
      const char *v = TSMimeHdrFieldValueStringGet(b, h, f, 0, &len);
      TSHttpHookID hook = (v && len == 4 && memcmp(v, "resp", 4) == 0) ? TS_HTTP_RESPONSE_TRANSFORM_HOOK : TS_HTTP_REQUEST_TRANSFORM_HOOK;
      TSHttpTxnHookAdd(txn, hook, TSTransformCreate(black_hole, txn));
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
  TSPluginRegistrationInfo info = {"stall_transform", "tshost", "dev@tshost"};
  TSPluginRegister(&info);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_request, NULL));
}

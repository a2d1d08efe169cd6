/* A response transform that writes down, per transaction, when its VConnection is closed (and
 * how: TSVConnClosedGet 1 normal, -1 abort) and when TXN_CLOSE comes, so a test can check that a
 * transform is closed and told before TXN_CLOSE, once, and aborted when the body cannot be whole.
 * It passes the body through as ATS's null_transform does. On `tshost ctl plugin msg live`, it
 * writes tshost's live object counts (tshost_live_objects) to the file too.
 *
 * Argument: the file to write to. Lines: "closed <txn> <how>", "txn_close <txn>",
 * "live vio=N vconn=N iobuffer=N reader=N cont=N mutex=N txn=N".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <ts/ts.h>
#include <tshost.h>

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void
say(const char *fmt, long long a, long long b)
{
  pthread_mutex_lock(&out_lock);
  fprintf(out, fmt, a, b);
  fflush(out);
  pthread_mutex_unlock(&out_lock);
}

typedef struct {
  long long txn;
  TSVIO output_vio;
  TSIOBuffer output_buffer;
  TSIOBufferReader output_reader;
} Data;

static void
pass_through(TSCont contp, Data *d)
{
  TSVIO input = TSVConnWriteVIOGet(contp);
  if (!d->output_buffer) {
    d->output_buffer = TSIOBufferCreate();
    d->output_reader = TSIOBufferReaderAlloc(d->output_buffer);
    d->output_vio    = TSVConnWrite(TSTransformOutputVConnGet(contp), contp, d->output_reader, INT64_MAX);
  }
  if (!TSVIOBufferGet(input)) {
    TSVIONBytesSet(d->output_vio, TSVIONDoneGet(input));
    TSVIOReenable(d->output_vio);
    return;
  }
  int64_t todo = TSVIONTodoGet(input);
  if (todo > 0) {
    int64_t avail = TSIOBufferReaderAvail(TSVIOReaderGet(input));
    if (avail > todo) {
      avail = todo;
    }
    if (avail > 0) {
      TSIOBufferCopy(d->output_buffer, TSVIOReaderGet(input), avail, 0);
      TSIOBufferReaderConsume(TSVIOReaderGet(input), avail);
      TSVIONDoneSet(input, TSVIONDoneGet(input) + avail);
    }
  }
  if (TSVIONTodoGet(input) > 0) {
    if (todo > 0) {
      TSVIOReenable(d->output_vio);
      TSContCall(TSVIOContGet(input), TS_EVENT_VCONN_WRITE_READY, input);
    }
  } else {
    TSVIONBytesSet(d->output_vio, TSVIONDoneGet(input));
    TSVIOReenable(d->output_vio);
    TSContCall(TSVIOContGet(input), TS_EVENT_VCONN_WRITE_COMPLETE, input);
  }
}

static int
transform(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  Data *d = TSContDataGet(contp);
  int closed = TSVConnClosedGet(contp);
  if (closed) {
    say("closed %lld %lld\n", d->txn, closed);
    if (d->output_buffer) {
      TSIOBufferReaderFree(d->output_reader);
      TSIOBufferDestroy(d->output_buffer);
    }
    TSfree(d);
    TSContDestroy(contp);
    return 0;
  }
  switch (event) {
  case TS_EVENT_ERROR: {
    TSVIO input = TSVConnWriteVIOGet(contp);
    TSContCall(TSVIOContGet(input), TS_EVENT_ERROR, input);
    break;
  }
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    TSVConnShutdown(TSTransformOutputVConnGet(contp), 0, 1);
    break;
  default:
    pass_through(contp, d);
    break;
  }
  return 0;
}

static int
global(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  if (event == TS_EVENT_LIFECYCLE_MSG) {
    TSPluginMsg *m = edata;
    if (m->data_size >= 4 && memcmp(m->data, "live", 4) == 0) {
      pthread_mutex_lock(&out_lock);
      fprintf(out, "live vio=%lld vconn=%lld iobuffer=%lld reader=%lld cont=%lld mutex=%lld txn=%lld\n",
              (long long)tshost_live_objects("vio"), (long long)tshost_live_objects("vconn"),
              (long long)tshost_live_objects("iobuffer"), (long long)tshost_live_objects("reader"),
              (long long)tshost_live_objects("cont"), (long long)tshost_live_objects("mutex"),
              (long long)tshost_live_objects("txn"));
      fflush(out);
      pthread_mutex_unlock(&out_lock);
    }
    return 0;
  }
  TSHttpTxn txnp = edata;
  long long id   = (long long)TSHttpTxnIdGet(txnp);
  if (event == TS_EVENT_HTTP_READ_RESPONSE_HDR) {
    TSVConn t = TSTransformCreate(transform, txnp);
    Data *d   = TSmalloc(sizeof(Data));
    memset(d, 0, sizeof(*d));
    d->txn = id;
    TSContDataSet(t, d);
    TSHttpTxnHookAdd(txnp, TS_HTTP_RESPONSE_TRANSFORM_HOOK, t);
  } else if (event == TS_EVENT_HTTP_TXN_CLOSE) {
    say("txn_close %lld\n", id, 0);
  }
  TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"transform_lifecycle", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2 || !(out = fopen(argv[1], "a"))) {
    TSError("[transform_lifecycle] registration failed or no file");
    return;
  }
  TSCont c = TSContCreate(global, NULL);
  TSHttpHookAdd(TS_HTTP_READ_RESPONSE_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
  TSLifecycleHookAdd(TS_LIFECYCLE_MSG_HOOK, c);
}

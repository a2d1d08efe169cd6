/* tests/c/req_transform.c: a request transform (TS_HTTP_REQUEST_TRANSFORM_HOOK) written as ATS's
 * null_transform example is, for tests/transforms.rs: on every POST (READ_REQUEST_HDR) it adds a
 * transform that upper-cases the body's ASCII letters and appends "!" at its end (the length
 * changes). */
#include <ts/ts.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  TSVIO output_vio;
  TSIOBuffer output_buffer;
  TSIOBufferReader output_reader;
  int64_t written;
  int done;
} Data;

static void
finish(TSCont contp, Data *data, TSVIO input_vio)
{
  /* Once: the transform hears more events after its input is done (its output's progress). */
  if (data->done) {
    return;
  }
  data->done = 1;
  TSIOBufferWrite(data->output_buffer, "!", 1);
  data->written += 1;
  TSVIONBytesSet(data->output_vio, data->written);
  TSVIOReenable(data->output_vio);
  TSContCall(TSVIOContGet(input_vio), TS_EVENT_VCONN_WRITE_COMPLETE, input_vio);
  (void)contp;
}

static void
handle_transform(TSCont contp)
{
  TSVConn output_conn = TSTransformOutputVConnGet(contp);
  TSVIO input_vio     = TSVConnWriteVIOGet(contp);
  Data *data          = TSContDataGet(contp);
  if (!data->output_buffer) {
    data->output_buffer = TSIOBufferCreate();
    data->output_reader = TSIOBufferReaderAlloc(data->output_buffer);
    data->output_vio    = TSVConnWrite(output_conn, contp, data->output_reader, INT64_MAX);
  }
  if (!TSVIOBufferGet(input_vio)) {
    TSVIONBytesSet(data->output_vio, data->written);
    TSVIOReenable(data->output_vio);
    return;
  }
  int64_t towrite = TSVIONTodoGet(input_vio);
  if (towrite > 0) {
    TSIOBufferReader in = TSVIOReaderGet(input_vio);
    int64_t avail       = TSIOBufferReaderAvail(in);
    if (towrite > avail) {
      towrite = avail;
    }
    int64_t left = towrite;
    char tmp[4096];
    while (left > 0) {
      int64_t n = left < (int64_t)sizeof tmp ? left : (int64_t)sizeof tmp;
      n         = TSIOBufferReaderCopy(in, tmp, n);
      for (int64_t i = 0; i < n; i++) {
        tmp[i] = (char)toupper((unsigned char)tmp[i]);
      }
      TSIOBufferWrite(data->output_buffer, tmp, n);
      TSIOBufferReaderConsume(in, n);
      data->written += n;
      left -= n;
    }
    TSVIONDoneSet(input_vio, TSVIONDoneGet(input_vio) + towrite);
  }
  if (TSVIONTodoGet(input_vio) > 0) {
    if (towrite > 0) {
      TSVIOReenable(data->output_vio);
      TSContCall(TSVIOContGet(input_vio), TS_EVENT_VCONN_WRITE_READY, input_vio);
    }
  } else {
    finish(contp, data, input_vio);
  }
}

static int
transform(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  if (TSVConnClosedGet(contp)) {
    Data *data = TSContDataGet(contp);
    if (data) {
      if (data->output_buffer) {
        TSIOBufferDestroy(data->output_buffer);
      }
      free(data);
    }
    TSContDestroy(contp);
    return 0;
  }
  switch (event) {
  case TS_EVENT_ERROR: {
    TSVIO input_vio = TSVConnWriteVIOGet(contp);
    TSContCall(TSVIOContGet(input_vio), TS_EVENT_ERROR, input_vio);
    break;
  }
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    TSVConnShutdown(TSTransformOutputVConnGet(contp), 0, 1);
    break;
  default:
    handle_transform(contp);
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
    int len;
    const char *m = TSHttpHdrMethodGet(b, h, &len);
    if (m && len == TS_HTTP_LEN_POST && memcmp(m, TS_HTTP_METHOD_POST, len) == 0) {
      TSVConn t = TSTransformCreate(transform, txn);
      TSContDataSet(t, calloc(1, sizeof(Data)));
      TSHttpTxnHookAdd(txn, TS_HTTP_REQUEST_TRANSFORM_HOOK, t);
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
  TSPluginRegistrationInfo info = {"req_transform", "tshost", "dev@tshost"};
  TSPluginRegister(&info);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_request, NULL));
}

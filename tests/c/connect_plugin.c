/* tests/c/connect_plugin.c: a global plugin that makes requests itself (TSHttpConnect), for
 * tests/connect.rs. `tshost ctl plugin msg connect_test.fetch PATH` connects (from 10.1.2.3:4567,
 * tag "connect_test", id 7), writes `GET PATH` for example.com, reads the response to its end
 * (TS_EVENT_VCONN_EOS) and appends `fetched BYTES: FIRST-LINE` to the log file (argv[1]). Its
 * READ_REQUEST_HDR hook appends `txn internal=N tag=TAG` for every transaction.
 * `connect_test.fetchurl PATH` does the same with TSFetchUrl (AFTER_BODY): `fetchurl head STATUS`
 * and `fetchurl LEN: FIRST-LINE` from TSFetchPageRespGet and TSFetchRespGet;
 * `connect_test.fetchhead PATH` with AFTER_HEADER (two callbacks). */
#include <ts/ts.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_path[512];

static void
note(const char *line)
{
  FILE *f = fopen(log_path, "a");
  if (f) {
    fprintf(f, "%s\n", line);
    fclose(f);
  }
}

struct fetch {
  TSVConn vc;
  TSIOBuffer req, resp;
  TSIOBufferReader req_r, resp_r;
  char first[128];
  long got;
};

static int
on_io(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  struct fetch *f = TSContDataGet(contp);
  switch (event) {
  case TS_EVENT_VCONN_WRITE_READY:
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    return 0;
  case TS_EVENT_VCONN_READ_READY: {
    int64_t avail = TSIOBufferReaderAvail(f->resp_r);
    if (f->got == 0 && avail > 0) {
      char head[128] = {0};
      int64_t n = avail < 127 ? avail : 127;
      TSIOBufferReaderCopy(f->resp_r, head, n);
      char *eol = strstr(head, "\r\n");
      if (eol) {
        *eol = 0;
      }
      snprintf(f->first, sizeof f->first, "%s", head);
    }
    f->got += avail;
    TSIOBufferReaderConsume(f->resp_r, avail);
    TSVIOReenable(TSVConnReadVIOGet(f->vc));
    return 0;
  }
  case TS_EVENT_VCONN_EOS:
  case TS_EVENT_VCONN_READ_COMPLETE:
  case TS_EVENT_ERROR: {
    int64_t avail = TSIOBufferReaderAvail(f->resp_r);
    f->got += avail;
    char line[256];
    snprintf(line, sizeof line, "fetched %ld: %s (event %d)", f->got, f->first, (int)event);
    note(line);
    TSVConnClose(f->vc);
    TSIOBufferDestroy(f->req);
    TSIOBufferDestroy(f->resp);
    free(f);
    TSContDestroy(contp);
    return 0;
  }
  default:
    return 0;
  }
}

static void
fetch(const char *path)
{
  struct sockaddr_in from;
  memset(&from, 0, sizeof from);
  from.sin_family = AF_INET;
  from.sin_port   = htons(4567);
  inet_pton(AF_INET, "10.1.2.3", &from.sin_addr);
  struct fetch *f = calloc(1, sizeof *f);
  f->vc           = TSHttpConnectWithPluginId((struct sockaddr *)&from, "connect_test", 7);
  if (!f->vc) {
    note("TSHttpConnect failed");
    free(f);
    return;
  }
  TSCont c = TSContCreate(on_io, TSMutexCreate());
  TSContDataSet(c, f);
  f->req    = TSIOBufferCreate();
  f->req_r  = TSIOBufferReaderAlloc(f->req);
  f->resp   = TSIOBufferCreate();
  f->resp_r = TSIOBufferReaderAlloc(f->resp);
  char req[512];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", path);
  TSIOBufferWrite(f->req, req, n);
  TSVConnWrite(f->vc, c, f->req_r, n);
  TSVConnRead(f->vc, c, f->resp, INT64_MAX);
}

#define FETCH_OK 40000
#define FETCH_FAIL 40001

static int
on_fetched(TSCont contp, TSEvent ev, void *edata)
{
  char line[300];
  if ((int)ev == FETCH_OK) {
    TSMBuffer b;
    TSMLoc h;
    if (TSFetchPageRespGet(edata, &b, &h) == TS_SUCCESS) {
      snprintf(line, sizeof line, "fetchurl head %d", (int)TSHttpHdrStatusGet(b, h));
      note(line);
    }
    int len      = 0;
    const char *r = TSFetchRespGet(edata, &len);
    const char *eol = r ? strstr(r, "\r\n") : NULL;
    snprintf(line, sizeof line, "fetchurl %d: %.*s", len, eol ? (int)(eol - r) : 0, r ? r : "");
    note(line);
  } else {
    snprintf(line, sizeof line, "fetchurl failed (event %d, edata %s)", (int)ev, edata ? "set" : "NULL");
    note(line);
  }
  (void)contp;
  return 0;
}

static void
fetch_url(const char *path, int after_header)
{
  struct sockaddr_in from;
  memset(&from, 0, sizeof from);
  from.sin_family = AF_INET;
  inet_pton(AF_INET, "10.1.2.3", &from.sin_addr);
  char req[512];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: example.com\r\n\r\n", path);
  TSFetchEvent events = {FETCH_OK, FETCH_FAIL, FETCH_FAIL + 1};
  TSCont c            = TSContCreate(on_fetched, TSMutexCreate());
  if (!TSFetchUrl(req, n, (struct sockaddr *)&from, c, after_header ? AFTER_HEADER : AFTER_BODY, events)) {
    note("TSFetchUrl failed");
  }
}

static int
on_msg(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  TSPluginMsg *m = edata;
  if (ev == TS_EVENT_LIFECYCLE_MSG && strcmp(m->tag, "connect_test.fetch") == 0 && m->data) {
    fetch(m->data);
  }
  if (ev == TS_EVENT_LIFECYCLE_MSG && strcmp(m->tag, "connect_test.fetchurl") == 0 && m->data) {
    fetch_url(m->data, 0);
  }
  if (ev == TS_EVENT_LIFECYCLE_MSG && strcmp(m->tag, "connect_test.fetchhead") == 0 && m->data) {
    fetch_url(m->data, 1);
  }
  return 0;
}

static int
on_txn(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  (void)ev;
  TSHttpTxn txn = edata;
  const char *tag = TSHttpTxnPluginTagGet(txn);
  char line[128];
  snprintf(line, sizeof line, "txn internal=%d tag=%s", TSHttpTxnIsInternal(txn), tag ? tag : "(null)");
  note(line);
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"connect_test", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    return;
  }
  snprintf(log_path, sizeof log_path, "%s", argv[1]);
  TSLifecycleHookAdd(TS_LIFECYCLE_MSG_HOOK, TSContCreate(on_msg, NULL));
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_txn, NULL));
}

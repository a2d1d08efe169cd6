/* tests/c/intercept_lifecycle.c: a server intercept (TSHttpTxnServerIntercept) for every request,
 * answering `GET /N` with N bytes (written as the write VIO asks, 64 KiB at a time) and writing
 * down, per transaction, when it hears its VConnection's end (VCONN_EOS or ERROR: "end <txn>
 * <event>") and when TXN_CLOSE comes ("txn_close <txn>"), so a test can check the plugin is told
 * before TXN_CLOSE. It never closes the VConnection before it hears that end.
 *
 * Argument: the file to write to. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ts/ts.h>

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void
say(const char *what, long long txn, int event)
{
  pthread_mutex_lock(&out_lock);
  fprintf(out, "%s %lld %d\n", what, txn, event);
  fflush(out);
  pthread_mutex_unlock(&out_lock);
}

typedef struct {
  long long txn;
  TSVConn vc;
  TSIOBuffer in, resp;
  TSIOBufferReader in_r, resp_r;
  TSVIO write;
  long long body_left;
  int answered, ended;
} State;

static char chunk[65536];

static void
fill(State *s)
{
  /* Keep at most 64 KiB waiting in the response buffer. */
  while (s->body_left > 0 && TSIOBufferReaderAvail(s->resp_r) < (int64_t)sizeof(chunk)) {
    long long n = s->body_left < (long long)sizeof(chunk) ? s->body_left : (long long)sizeof(chunk);
    TSIOBufferWrite(s->resp, chunk, n);
    s->body_left -= n;
  }
}

static void
answer(TSCont contp, State *s, const char *head, int64_t len)
{
  long long n = 0;
  const char *sp = memchr(head, ' ', len);
  if (sp && sp[1] == '/') {
    n = atoll(sp + 2);
  }
  char h[128];
  int hl = snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n\r\n", n);
  s->resp   = TSIOBufferCreate();
  s->resp_r = TSIOBufferReaderAlloc(s->resp);
  TSIOBufferWrite(s->resp, h, hl);
  s->body_left = n;
  fill(s);
  s->write    = TSVConnWrite(s->vc, contp, s->resp_r, hl + n);
  s->answered = 1;
}

static int
on_vc(TSCont contp, TSEvent event, void *edata)
{
  State *s = TSContDataGet(contp);
  switch (event) {
  case TS_EVENT_NET_ACCEPT:
    s->vc   = edata;
    s->in   = TSIOBufferCreate();
    s->in_r = TSIOBufferReaderAlloc(s->in);
    TSVConnRead(s->vc, contp, s->in, INT64_MAX);
    break;
  case TS_EVENT_VCONN_READ_READY: {
    int64_t avail = TSIOBufferReaderAvail(s->in_r);
    if (!s->answered && avail > 0) {
      char head[4096];
      int64_t n = TSIOBufferReaderCopy(s->in_r, head, avail < 4095 ? avail : 4095);
      head[n]   = 0;
      if (strstr(head, "\r\n\r\n")) {
        TSIOBufferReaderConsume(s->in_r, avail);
        answer(contp, s, head, n);
      }
    } else {
      TSIOBufferReaderConsume(s->in_r, avail);
    }
    break;
  }
  case TS_EVENT_VCONN_WRITE_READY:
    fill(s);
    TSVIOReenable(s->write);
    break;
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    break;
  case TS_EVENT_VCONN_EOS:
  case TS_EVENT_ERROR:
  case TS_EVENT_VCONN_INACTIVITY_TIMEOUT:
  case TS_EVENT_VCONN_ACTIVE_TIMEOUT:
    if (!s->ended) {
      s->ended = 1;
      say("end", s->txn, event);
      TSVConnClose(s->vc);
      TSIOBufferReaderFree(s->in_r);
      TSIOBufferDestroy(s->in);
      if (s->resp) {
        TSIOBufferReaderFree(s->resp_r);
        TSIOBufferDestroy(s->resp);
      }
      TSfree(s);
      TSContDestroy(contp);
    }
    break;
  default:
    break;
  }
  return 0;
}

static int
on_txn(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  TSHttpTxn txn = edata;
  long long id  = (long long)TSHttpTxnIdGet(txn);
  if (ev == TS_EVENT_HTTP_READ_REQUEST_HDR) {
    State *s = TSmalloc(sizeof(State));
    memset(s, 0, sizeof(*s));
    s->txn    = id;
    TSCont vc = TSContCreate(on_vc, TSMutexCreate());
    TSContDataSet(vc, s);
    TSHttpTxnServerIntercept(vc, txn);
  } else if (ev == TS_EVENT_HTTP_TXN_CLOSE) {
    say("txn_close", id, 0);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"intercept_lifecycle", "tshost", "dev@tshost"};
  memset(chunk, 'x', sizeof(chunk));
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2 || !(out = fopen(argv[1], "a"))) {
    TSError("[intercept_lifecycle] registration failed or no file");
    return;
  }
  TSCont c = TSContCreate(on_txn, NULL);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
}

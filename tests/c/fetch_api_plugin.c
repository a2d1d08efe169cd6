/* tests/c/fetch_api_plugin.c: a global plugin exercising the fetch API and TSNetConnect, for
 * tests/fetch_api.rs. Commands come as `tshost ctl plugin msg fetch_api.CMD ARG`; results are
 * lines appended to the log file (argv[1]):
 *   pages "P1 P2"      TSFetchPages with two entries (AFTER_BODY): per fetch
 *                      `pages ID status=S len=L body=B fnv=H`
 *   stream "F PATH"    TSFetchCreate GET PATH with flags F: `stream F PATH head=S done
 *                      bytes=N fnv=H ready=K user=OK` (K: BODY_READY events), or `stream F PATH
 *                      event E` for any other event
 *   stream "F PATH METHOD" the same with another method (HEAD)
 *   stream "F PATH GET early" the same, TSFetchDestroy at the first BODY_READY: `stream F
 *                      PATH destroyed after N bytes`; an event after it logs `... after
 *                      TSFetchDestroy`
 *   url "PATH"         TSFetchUrl (HTTP/1.1, AFTER_BODY) with TSFetchFlagSet(DECHUNK) and user
 *                      data: `url status=S body=N fnv=H user=U`
 *   post "N"           TSFetchCreate POST /echo with an N-byte body (the origin's pattern), in
 *                      two TSFetchWriteData calls: `post head=S body=...` (CRs dropped,
 *                      newlines as '|')
 *   connect "PORT"     TSNetConnect to 127.0.0.1:PORT, GET /size/10, read to EOS:
 *                      `connect got N: FIRST-LINE` or `connect failed errno=E`
 *   transparent "PORT" TSNetConnectTransparent from 127.0.0.1 to 127.0.0.1:PORT, the same:
 *                      `transparent got ...` or `transparent failed errno=E`
 *   cancel "PORT"      TSNetConnect then TSActionCancel at once: `cancel issued: action
 *                      returned`, and no callback (it would log `cancelled ...`)
 *   badargs ""         bad arguments get error values: `badargs ok` or `badargs FAILED: what`
 * Its READ_REQUEST_HDR hook appends `txn internal=N tag=TAG path=PATH`. */
#include <ts/ts.h>
#include <ts/experimental.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_path[512];

static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
static void
note(const char *fmt, ...)
{
  FILE *f = fopen(log_path, "a");
  if (f) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
  }
}

static uint64_t
fnv(const unsigned char *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static struct sockaddr_in
addr_of(const char *ip, int port)
{
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port   = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

/* ---- TSFetchPages ---- */

#define PAGE_OK 41000
#define PAGE_FAIL 41001

static int
on_page(TSCont contp, TSEvent ev, void *edata)
{
  int id = (int)(intptr_t)TSContDataGet(contp);
  if ((int)ev != PAGE_OK) {
    note("pages %d failed event %d", id, (int)ev);
    return 0;
  }
  int len       = 0;
  const char *r = TSFetchRespGet(edata, &len);
  TSMBuffer b;
  TSMLoc h;
  int status = 0;
  if (TSFetchPageRespGet(edata, &b, &h) == TS_SUCCESS) {
    status = TSHttpHdrStatusGet(b, h);
  }
  const char *body = r ? strstr(r, "\r\n\r\n") : NULL;
  size_t blen      = body ? (size_t)(r + len - (body + 4)) : 0;
  note("pages %d status=%d len=%d body=%zu fnv=%016llx", id, status, len, blen,
       body ? (unsigned long long)fnv((const unsigned char *)body + 4, blen) : 0ULL);
  return 0;
}

static void
pages(const char *arg)
{
  char p1[200] = "", p2[200] = "";
  if (sscanf(arg, "%199s %199s", p1, p2) != 2) {
    note("pages: bad argument");
    return;
  }
  static char req[2][512];
  TSFetchUrlParams_t params[2];
  memset(params, 0, sizeof params);
  const char *paths[2] = {p1, p2};
  for (int i = 0; i < 2; i++) {
    snprintf(req[i], sizeof req[i], "GET %s HTTP/1.0\r\nHost: example.com\r\n\r\n", paths[i]);
    struct sockaddr_in a = addr_of("10.9.8.7", 1234);
    memcpy(&params[i].ip, &a, sizeof a);
    params[i].request     = req[i];
    params[i].request_len = i == 0 ? (int)strlen(req[i]) : -1; /* -1: up to the NUL */
    params[i].contp       = TSContCreate(on_page, TSMutexCreate());
    TSContDataSet(params[i].contp, (void *)(intptr_t)(i + 1));
    params[i].events.success_event_id = PAGE_OK;
    params[i].events.failure_event_id = PAGE_FAIL;
    params[i].options                 = AFTER_BODY;
    params[i].next                    = i == 0 ? &params[1] : NULL;
  }
  TSFetchPages(params);
}

/* ---- TSFetchUrl with TSFetchFlagSet(DECHUNK) and user data ---- */

#define URL_OK 42000
#define URL_FAIL 42001

static int
on_url(TSCont contp, TSEvent ev, void *edata)
{
  (void)contp;
  if ((int)ev != URL_OK) {
    note("url failed event %d", (int)ev);
    return 0;
  }
  int len         = 0;
  const char *r   = TSFetchRespGet(edata, &len);
  const char *b   = r ? strstr(r, "\r\n\r\n") : NULL;
  size_t blen     = b ? (size_t)(r + len - (b + 4)) : 0;
  const char *ud  = TSFetchUserDataGet(edata);
  TSMBuffer mb    = TSFetchRespHdrMBufGet(edata);
  TSMLoc ml       = TSFetchRespHdrMLocGet(edata);
  int status      = mb && ml ? (int)TSHttpHdrStatusGet(mb, ml) : -1;
  note("url status=%d body=%zu fnv=%016llx user=%s", status, blen,
       b ? (unsigned long long)fnv((const unsigned char *)b + 4, blen) : 0ULL, ud ? ud : "(null)");
  return 0;
}

static void
url_dechunk(const char *path)
{
  static char req[512];
  static char user[] = "mine";
  struct sockaddr_in a = addr_of("10.9.8.7", 1234);
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", path);
  TSFetchEvent events = {URL_OK, URL_FAIL, URL_FAIL + 1};
  TSFetchSM f = TSFetchUrl(req, n, (struct sockaddr *)&a, TSContCreate(on_url, TSMutexCreate()), AFTER_BODY, events);
  if (!f) {
    note("url: TSFetchUrl failed");
    return;
  }
  TSFetchFlagSet(f, TS_FETCH_FLAGS_DECHUNK);
  TSFetchUserDataSet(f, user);
}

/* ---- TSFetchCreate: streaming ---- */

struct stream {
  TSFetchSM fsm;
  int flags, status, ready, user_ok;
  char path[200];
  unsigned char *body;
  size_t len, cap;
  int post;
  int early;     /* destroy the fetch at its first BODY_READY */
  int destroyed; /* ... and did: any later event is a bug */
};

static void
drain(struct stream *s)
{
  for (int guard = 0; guard < 100000; guard++) {
    if (s->cap - s->len < 4096) {
      s->cap  = s->cap ? s->cap * 2 : 65536;
      s->body = realloc(s->body, s->cap);
    }
    ssize_t n = TSFetchReadData(s->fsm, s->body + s->len, s->cap - s->len);
    if (n <= 0) {
      return;
    }
    s->len += (size_t)n;
  }
}

static int
on_stream(TSCont contp, TSEvent ev, void *edata)
{
  struct stream *s = TSContDataGet(contp);
  int event        = (int)ev;
  if (s->destroyed) {
    note("stream %d %s event %d after TSFetchDestroy", s->flags, s->path, event);
    return 0;
  }
  if (edata != s->fsm) {
    note("stream %d %s edata is not the fetch", s->flags, s->path);
  }
  if (TSFetchUserDataGet(s->fsm) != s) {
    s->user_ok = 0;
  }
  switch (event) {
  case TS_FETCH_EVENT_EXT_HEAD_DONE: {
    TSMBuffer b = TSFetchRespHdrMBufGet(s->fsm);
    TSMLoc h    = TSFetchRespHdrMLocGet(s->fsm);
    s->status   = b && h ? (int)TSHttpHdrStatusGet(b, h) : -1;
    return 0;
  }
  case TS_FETCH_EVENT_EXT_BODY_READY:
    s->ready++;
    drain(s);
    if (s->early) {
      /* The struct and continuation stay (leaked on purpose) to catch a late event. */
      TSFetchDestroy(s->fsm);
      s->destroyed = 1;
      note("stream %d %s destroyed after %zu bytes", s->flags, s->path, s->len);
    }
    return 0;
  case TS_FETCH_EVENT_EXT_BODY_DONE:
    drain(s);
    if (s->post) {
      size_t k = 0;
      for (size_t i = 0; i < s->len; i++) {
        if (s->body[i] != '\r') {
          s->body[k++] = s->body[i] == '\n' ? '|' : s->body[i];
        }
      }
      s->len = k;
      note("post head=%d body=%.*s", s->status, (int)s->len, s->body ? (char *)s->body : "");
    } else {
      note("stream %d %s head=%d done bytes=%zu fnv=%016llx ready=%d user=%s", s->flags, s->path, s->status, s->len,
           (unsigned long long)fnv(s->body, s->len), s->ready, s->user_ok ? "OK" : "BAD");
      if (s->len >= 16 && !(s->flags & TS_FETCH_FLAGS_DECHUNK)) {
        note("stream %d %s raw-start=%.*s raw-end=%s", s->flags, s->path, 4, s->body,
             memcmp(s->body + s->len - 5, "0\r\n\r\n", 5) == 0 ? "last-chunk" : "other");
      }
    }
    break;
  default:
    note("stream %d %s event %d", s->flags, s->path, event);
    break;
  }
  TSFetchDestroy(s->fsm);
  free(s->body);
  free(s);
  TSContDestroy(contp);
  return 0;
}

static struct stream *
stream_start(const char *method, const char *path, int flags)
{
  struct stream *s = calloc(1, sizeof *s);
  snprintf(s->path, sizeof s->path, "%s", path);
  s->flags             = flags;
  s->user_ok           = 1;
  TSCont c             = TSContCreate(on_stream, TSMutexCreate());
  struct sockaddr_in a = addr_of("10.9.8.7", 1234);
  TSContDataSet(c, s);
  s->fsm = TSFetchCreate(c, method, path, "HTTP/1.1", (struct sockaddr *)&a, flags);
  if (!s->fsm) {
    note("stream %d %s: TSFetchCreate failed", flags, path);
    free(s);
    TSContDestroy(c);
    return NULL;
  }
  TSFetchUserDataSet(s->fsm, s);
  TSFetchHeaderAdd(s->fsm, "Host", 4, "example.com", 11);
  return s;
}

static void
stream(const char *arg)
{
  int flags = 0;
  char path[200], method[16] = "GET", early[16] = "";
  if (sscanf(arg, "%d %199s %15s %15s", &flags, path, method, early) < 2) {
    note("stream: bad argument");
    return;
  }
  struct stream *s = stream_start(method, path, flags);
  if (s) {
    s->early = strcmp(early, "early") == 0;
    TSFetchLaunch(s->fsm);
  }
}

static void
post(const char *arg)
{
  int n = atoi(arg);
  if (n <= 0 || n > 10000000) {
    note("post: bad argument");
    return;
  }
  struct stream *s = stream_start("POST", "/echo", TS_FETCH_FLAGS_DECHUNK);
  if (!s) {
    return;
  }
  s->post = 1;
  char cl[32];
  int cl_len = snprintf(cl, sizeof cl, "%d", n);
  TSFetchHeaderAdd(s->fsm, TS_MIME_FIELD_CONTENT_LENGTH, TS_MIME_LEN_CONTENT_LENGTH, cl, cl_len);
  TSFetchLaunch(s->fsm);
  unsigned char *body = malloc(n);
  for (int i = 0; i < n; i++) {
    body[i] = (unsigned char)(((long)i * 31 + 7) % 251);
  }
  /* In two parts; the second after the launch, as ts_lua does it in one. */
  TSFetchWriteData(s->fsm, body, n / 2);
  TSFetchWriteData(s->fsm, body + n / 2, n - n / 2);
  free(body);
}

/* ---- TSNetConnect ---- */

struct conn {
  TSVConn vc;
  TSIOBuffer req, resp;
  TSIOBufferReader req_r, resp_r;
  char first[128];
  long got;
  const char *name;
};

static int
on_conn_io(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  struct conn *c = TSContDataGet(contp);
  switch (event) {
  case TS_EVENT_VCONN_WRITE_READY:
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    return 0;
  case TS_EVENT_VCONN_READ_READY: {
    int64_t avail = TSIOBufferReaderAvail(c->resp_r);
    if (c->got == 0 && avail > 0) {
      char head[128] = {0};
      TSIOBufferReaderCopy(c->resp_r, head, avail < 127 ? avail : 127);
      char *eol = strstr(head, "\r\n");
      if (eol) {
        *eol = 0;
      }
      snprintf(c->first, sizeof c->first, "%s", head);
    }
    c->got += avail;
    TSIOBufferReaderConsume(c->resp_r, avail);
    TSVIOReenable(TSVConnReadVIOGet(c->vc));
    return 0;
  }
  default:
    note("%s got %ld: %s (event %d)", c->name, c->got, c->first, (int)event);
    TSVConnClose(c->vc);
    TSIOBufferDestroy(c->req);
    TSIOBufferDestroy(c->resp);
    free(c);
    TSContDestroy(contp);
    return 0;
  }
}

static int
on_connect(TSCont contp, TSEvent ev, void *edata)
{
  const char *name = TSContDataGet(contp);
  TSContDestroy(contp);
  if (ev == TS_EVENT_NET_CONNECT_FAILED) {
    note("%s failed errno=%d", name, (int)-(intptr_t)edata);
    return 0;
  }
  if (ev != TS_EVENT_NET_CONNECT) {
    note("%s unexpected event %d", name, (int)ev);
    return 0;
  }
  struct conn *c = calloc(1, sizeof *c);
  c->name        = name;
  c->vc          = edata;
  TSCont io      = TSContCreate(on_conn_io, TSMutexCreate());
  TSContDataSet(io, c);
  c->req    = TSIOBufferCreate();
  c->req_r  = TSIOBufferReaderAlloc(c->req);
  c->resp   = TSIOBufferCreate();
  c->resp_r = TSIOBufferReaderAlloc(c->resp);
  const char *req = "GET /size/10 HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n";
  TSIOBufferWrite(c->req, req, strlen(req));
  TSVConnWrite(c->vc, io, c->req_r, strlen(req));
  TSVConnRead(c->vc, io, c->resp, INT64_MAX);
  return 0;
}

static void
net_connect(const char *arg, int transparent)
{
  struct sockaddr_in to   = addr_of("127.0.0.1", atoi(arg));
  struct sockaddr_in from = addr_of("127.0.0.1", 0);
  static const char *names[3] = {"connect", "transparent", "cancelled"};
  if (transparent == 2) {
    TSCont c = TSContCreate(on_connect, TSMutexCreate());
    TSContDataSet(c, (void *)names[2]);
    TSAction a = TSNetConnect(c, (struct sockaddr *)&to);
    TSActionCancel(a);
    note("cancel issued: action %s", a ? "returned" : "NULL");
    return;
  }
  TSCont c                    = TSContCreate(on_connect, TSMutexCreate());
  TSContDataSet(c, (void *)names[transparent]);
  TSAction a = transparent ? TSNetConnectTransparent(c, (struct sockaddr *)&from, (struct sockaddr *)&to)
                           : TSNetConnect(c, (struct sockaddr *)&to);
  if (!a) {
    note("%s: no action", names[transparent]);
  }
}

/* ---- bad arguments ---- */

static int
on_nothing(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  (void)ev;
  (void)edata;
  return 0;
}

static void
badargs(void)
{
  struct sockaddr_in a  = addr_of("127.0.0.1", 1);
  struct sockaddr_in6 b = {0};
  b.sin6_family         = AF_INET6;
  TSCont c              = TSContCreate(on_nothing, TSMutexCreate());
  char buf[16];
  const char *bad = NULL;
  if (TSFetchCreate(c, NULL, "/", "HTTP/1.1", (struct sockaddr *)&a, 0)) {
    bad = "TSFetchCreate NULL method";
  } else if (TSFetchCreate(c, "GET", "/", "HTTP/1.1", NULL, 0)) {
    bad = "TSFetchCreate NULL address";
  } else if (TSFetchCreate(c, "GET", "/", "HTTP/1.1", (struct sockaddr *)&a, 1 << 9)) {
    bad = "TSFetchCreate unknown flag";
  } else if (TSFetchCreate(NULL, "GET", "/", "HTTP/1.1", (struct sockaddr *)&a, 0)) {
    bad = "TSFetchCreate NULL continuation";
  } else if (TSFetchReadData((TSFetchSM)buf, buf, sizeof buf) != -1) {
    bad = "TSFetchReadData on a foreign handle";
  } else if (TSFetchReadData(NULL, buf, sizeof buf) != -1) {
    bad = "TSFetchReadData NULL";
  } else if (TSFetchRespHdrMBufGet((TSFetchSM)buf) != NULL || TSFetchUserDataGet(NULL) != NULL) {
    bad = "TSFetchRespHdrMBufGet/TSFetchUserDataGet on bad handles";
  } else if (TSNetConnect(c, NULL)) {
    bad = "TSNetConnect NULL address";
  } else if (TSNetConnect(NULL, (struct sockaddr *)&a)) {
    bad = "TSNetConnect NULL continuation";
  } else if (TSNetConnectTransparent(c, (struct sockaddr *)&b, (struct sockaddr *)&a)) {
    bad = "TSNetConnectTransparent mixed families";
  }
  /* Ignored, logged, no crash. */
  TSFetchDestroy((TSFetchSM)buf);
  TSFetchLaunch(NULL);
  TSFetchHeaderAdd(NULL, "a", 1, "b", 1);
  TSFetchWriteData((TSFetchSM)buf, "x", 1);
  TSFetchFlagSet(NULL, TS_FETCH_FLAGS_DECHUNK);
  TSFetchPages(NULL);
  /* A fetch not launched: data and a second launch are refused; destroyed before any event. */
  TSFetchSM f = TSFetchCreate(c, "GET", "/", "HTTP/1.1", (struct sockaddr *)&a, TS_FETCH_FLAGS_NEWLOCK);
  if (!bad && !f) {
    bad = "TSFetchCreate with valid arguments";
  }
  if (f) {
    TSFetchWriteData(f, "x", 1);
    if (TSFetchReadData(f, buf, sizeof buf) != 0) {
      bad = "TSFetchReadData before the head";
    }
    if (TSFetchRespHdrMBufGet(f) != NULL || TSFetchRespHdrMLocGet(f) != TS_NULL_MLOC) {
      bad = "a response head before the launch";
    }
    TSFetchDestroy(f);
    if (TSFetchUserDataGet(f) != NULL || TSFetchReadData(f, buf, sizeof buf) != -1) {
      bad = "a destroyed fetch still answers";
    }
  }
  TSContDestroy(c);
  if (bad) {
    note("badargs FAILED: %s", bad);
  } else {
    note("badargs ok");
  }
}

static int
on_msg(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  TSPluginMsg *m = edata;
  if (ev != TS_EVENT_LIFECYCLE_MSG || strncmp(m->tag, "fetch_api.", 10) != 0) {
    return 0;
  }
  const char *cmd = m->tag + 10;
  char arg[512]   = "";
  if (m->data && m->data_size < sizeof arg) {
    memcpy(arg, m->data, m->data_size);
    arg[m->data_size] = 0;
  }
  if (strcmp(cmd, "pages") == 0) {
    pages(arg);
  } else if (strcmp(cmd, "stream") == 0) {
    stream(arg);
  } else if (strcmp(cmd, "url") == 0) {
    url_dechunk(arg);
  } else if (strcmp(cmd, "post") == 0) {
    post(arg);
  } else if (strcmp(cmd, "connect") == 0) {
    net_connect(arg, 0);
  } else if (strcmp(cmd, "transparent") == 0) {
    net_connect(arg, 1);
  } else if (strcmp(cmd, "cancel") == 0) {
    net_connect(arg, 2);
  } else if (strcmp(cmd, "badargs") == 0) {
    badargs();
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
  TSMBuffer b;
  TSMLoc h;
  int plen         = 0;
  const char *path = "";
  if (TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    TSMLoc url;
    if (TSHttpHdrUrlGet(b, h, &url) == TS_SUCCESS) {
      path = TSUrlPathGet(b, url, &plen);
    }
  }
  note("txn internal=%d tag=%s path=/%.*s", TSHttpTxnIsInternal(txn), tag ? tag : "(null)", plen, path ? path : "");
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"fetch_api_test", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    return;
  }
  snprintf(log_path, sizeof log_path, "%s", argv[1]);
  TSLifecycleHookAdd(TS_LIFECYCLE_MSG_HOOK, TSContCreate(on_msg, NULL));
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_txn, NULL));
}

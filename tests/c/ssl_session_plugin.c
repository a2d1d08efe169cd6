/* ssl_session_plugin.c: watches TS_SSL_SESSION_HOOK and uses the TSSslSession* API, for
 * tests/tls_session.rs. argv[1]: log file. argv[2] (optional) mode:
 *   keep    (default) log events; on NEW, read the session back with TSSslSessionGetBuffer.
 *   forget  on NEW, remove the session again (TSSslSessionRemove): resumption then fails.
 *   thread  on NEW, copy the session out, remove it, and re-insert it 100 ms later from a plain
 *           pthread with TSSslSessionInsert(id, session, NULL): resumption works again.
 *   stale   on NEW, replace the session with a copy made an hour older (past its timeout), as
 *           a plugin inserting an expired session from a peer would: OpenSSL refuses to resume
 *           it and removes it (REMOVE). */
#include <ts/ts.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From OpenSSL: a TSSslSession is an SSL_SESSION *. */
typedef struct ssl_session_st SSL_SESSION;
extern SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length);
extern void SSL_SESSION_free(SSL_SESSION *s);
extern long SSL_SESSION_get_time(const SSL_SESSION *s);
extern long SSL_SESSION_set_time(SSL_SESSION *s, long t);
extern SSL_SESSION *SSL_SESSION_new(void);

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *mode = "keep";

static void
logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logf_(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&out_lock);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  fflush(out);
  pthread_mutex_unlock(&out_lock);
  va_end(ap);
}

struct later {
  TSSslSessionID id;
  char der[8192];
  int len;
};

static void *
reinsert(void *p)
{
  struct later *l = p;
  usleep(100 * 1000);
  const unsigned char *q = (const unsigned char *)l->der;
  SSL_SESSION *s = d2i_SSL_SESSION(NULL, &q, l->len);
  TSReturnCode rc = TSSslSessionInsert(&l->id, (TSSslSession)s, NULL);
  SSL_SESSION_free(s);
  logf_("REINSERT rc=%d", rc);
  free(l);
  return NULL;
}

static int
on_session(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  const TSSslSessionID *id = edata;
  const char *name = event == TS_EVENT_SSL_SESSION_NEW ? "NEW" : event == TS_EVENT_SSL_SESSION_GET ? "GET" : event == TS_EVENT_SSL_SESSION_REMOVE ? "REMOVE" : "OTHER";
  if (event != TS_EVENT_SSL_SESSION_NEW) {
    logf_("%s len=%zu", name, id->len);
    return 0;
  }
  char buf[8192];
  int len = 0;
  int size = TSSslSessionGetBuffer(id, buf, &len); /* size query: copies nothing */
  int nulllen = 77;
  int null_ret = TSSslSessionGetBuffer(id, NULL, &nulllen);
  int small = 8;
  int small_ret = TSSslSessionGetBuffer(id, buf, &small);
  int full = sizeof buf;
  int full_ret = TSSslSessionGetBuffer(id, buf, &full);
  TSSslSession s = TSSslSessionGet(id);
  logf_("NEW len=%zu size=%d query_len=%d null=%d/%d small=%d/%d full=%d/%d der0=%02x get=%s", id->len, size, len, null_ret,
        nulllen, small_ret, small, full_ret, full, (unsigned char)buf[0], s ? "yes" : "no");
  if (s)
    SSL_SESSION_free((SSL_SESSION *)s);
  if (strcmp(mode, "forget") == 0) {
    logf_("REMOVE-API rc=%d", TSSslSessionRemove(id));
  } else if (strcmp(mode, "stale") == 0) {
    SSL_SESSION *old = (SSL_SESSION *)TSSslSessionGet(id);
    if (old != NULL) {
      SSL_SESSION_set_time(old, SSL_SESSION_get_time(old) - 3600);
      logf_("STALE rc=%d", TSSslSessionInsert(id, (TSSslSession)old, NULL));
      SSL_SESSION_free(old);
    }
  } else if (strcmp(mode, "thread") == 0) {
    struct later *l = malloc(sizeof *l);
    l->id = *id;
    l->len = sizeof l->der;
    TSSslSessionGetBuffer(id, l->der, &l->len);
    TSSslSessionRemove(id);
    pthread_t t;
    pthread_create(&t, NULL, reinsert, l);
    pthread_detach(t);
  }
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"ssl_session_probe", "tshost", "dev@tshost.invalid"};
  TSPluginRegister(&info);
  if (argc < 2 || !(out = fopen(argv[1], "a"))) {
    TSError("ssl_session_probe: need a log file");
    return;
  }
  if (argc > 2)
    mode = strdup(argv[2]);
  /* Bad arguments are errors, not crashes. */
  TSSslSessionID big = {.len = 33};
  logf_("INIT bad_id=%d null_id=%d null_get=%s", TSSslSessionRemove(&big), TSSslSessionInsert(NULL, NULL, NULL),
        TSSslSessionGet(NULL) ? "yes" : "no");
  /* The API with a valid id, outside any hook: works in mode 2 only (NULL/0/TS_ERROR otherwise). */
  TSSslSessionID ok = {.len = 32};
  memset(ok.bytes, 0x5a, sizeof ok.bytes);
  SSL_SESSION *fresh = SSL_SESSION_new();
  int ins = TSSslSessionInsert(&ok, (TSSslSession)fresh, NULL);
  SSL_SESSION_free(fresh);
  TSSslSession got = TSSslSessionGet(&ok);
  char buf[4096];
  int blen = sizeof buf;
  int size = TSSslSessionGetBuffer(&ok, buf, &blen);
  logf_("API insert=%d get=%s buffer=%d remove=%d", ins, got ? "yes" : "no", size, TSSslSessionRemove(&ok));
  if (got)
    SSL_SESSION_free((SSL_SESSION *)got);
  TSHttpHookAdd(TS_SSL_SESSION_HOOK, TSContCreate(on_session, TSMutexCreate()));
}

/* tests/c/textlog_plugin.c: a global plugin for tests/textlog.rs, the text log API
 * (TSTextLogObject*) as ATS plugins use it. argv[1] picks what TSPluginInit does; it ends with a
 * NOTE "textlog: SCENARIO done ..." once every line it wrote is flushed.
 *
 *   threads  log "threads" with a header; 4 threads write 1000 lines each ("tN NNNN")
 *   names    logs "stamped.txt" (TS_LOG_MODE_ADD_TIMESTAMP), "plain", "dotted.", "twice" twice,
 *            "twice" again with TS_LOG_MODE_DO_NOT_RENAME, "quirk" (TS_LOG_MODE_DO_NOT_RENAME
 *            alone); one line each
 *   bad      bad arguments and a destroyed handle; the NOTE lists each return code
 *   roll     log "rolling" with a header, rolling on size at 10 MB, 11 MiB of 1 KiB lines
 *
 * The last log it made stays the current one (not in "bad"): each request's path is written to
 * it at READ_REQUEST_HDR ("request /PATH"), and a request for /flush flushes it. */
#include <ts/ts.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define PER_THREAD 1000

static TSTextLogObject current;

static void *
writer(void *arg)
{
  int t = (int)(long)arg;
  long refused = 0;
  for (int i = 0; i < PER_THREAD; i++) {
    if (TSTextLogObjectWrite(current, "t%d %04d", t, i) != TS_SUCCESS)
      refused++;
  }
  return (void *)refused;
}

static void
threads(void)
{
  if (TSTextLogObjectCreate("threads", 0, &current) != TS_SUCCESS) {
    TSError("textlog: threads: create failed");
    return;
  }
  TSTextLogObjectHeaderSet(current, "# threads header");
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    pthread_create(&th[t], NULL, writer, (void *)t);
  long refused = 0;
  for (int t = 0; t < THREADS; t++) {
    void *r;
    pthread_join(th[t], &r);
    refused += (long)r;
  }
  TSTextLogObjectFlush(current);
  TSNote("textlog: threads done, %ld refused", refused);
}

static void
names(void)
{
  TSTextLogObject a, b, c, d, e, f, g;
  int rc[7];
  rc[0] = TSTextLogObjectCreate("stamped.txt", TS_LOG_MODE_ADD_TIMESTAMP, &a);
  rc[1] = TSTextLogObjectCreate("plain", 0, &b);
  rc[2] = TSTextLogObjectCreate("dotted.", 0, &c);
  rc[3] = TSTextLogObjectCreate("twice", 0, &d);
  rc[4] = TSTextLogObjectCreate("twice", 0, &e);
  rc[5] = TSTextLogObjectCreate("twice", TS_LOG_MODE_DO_NOT_RENAME, &f);
  rc[6] = TSTextLogObjectCreate("quirk", TS_LOG_MODE_DO_NOT_RENAME, &g);
  TSTextLogObjectWrite(a, "hello %d", 42);
  TSTextLogObjectWrite(b, "plain %s", "line");
  TSTextLogObjectWrite(c, "dotted");
  TSTextLogObjectWrite(d, "first twice");
  TSTextLogObjectWrite(e, "second twice");
  TSTextLogObjectWrite(g, "quirk");
  TSTextLogObjectFlush(a);
  current = b;
  TSNote("textlog: names done, rc=%d,%d,%d,%d,%d,%d,%d f=%s", rc[0], rc[1], rc[2], rc[3], rc[4], rc[5], rc[6],
         f == NULL ? "NULL" : "set");
}

static void
bad(void)
{
  TSTextLogObject log = (TSTextLogObject)1, dead;
  const char *volatile no_format = NULL;
  int create_null   = TSTextLogObjectCreate(NULL, 0, &log);
  int log_nulled    = log == NULL;
  int create_mode4  = TSTextLogObjectCreate("badmode", 4, &log);
  int create_neg    = TSTextLogObjectCreate("badmode", -1, &log);
  int create_nowhere = TSTextLogObjectCreate("badmode", 0, NULL);
  int write_null_obj = TSTextLogObjectWrite(NULL, "x");
  TSTextLogObjectCreate("bad", 0, &dead);
  int write_null_fmt = TSTextLogObjectWrite(dead, no_format, 1);
  int write_empty    = TSTextLogObjectWrite(dead, "%s", "");
  int enabled9       = TSTextLogObjectRollingEnabledSet(dead, 9);
  TSTextLogObjectRollingIntervalSecSet(dead, 5);
  int write_live = TSTextLogObjectWrite(dead, "before destroy");
  int destroy    = TSTextLogObjectDestroy(dead);
  int write_dead = TSTextLogObjectWrite(dead, "after destroy");
  TSTextLogObjectFlush(dead);
  TSTextLogObjectHeaderSet(dead, "never");
  TSTextLogObjectRollingSizeMbSet(dead, 20);
  int enabled_dead = TSTextLogObjectRollingEnabledSet(dead, 1);
  int destroy_dead = TSTextLogObjectDestroy(dead);
  int destroy_null = TSTextLogObjectDestroy(NULL);
  int foreign      = TSTextLogObjectWrite((TSTextLogObject)&log, "foreign");
  TSNote("textlog: bad done, create_null=%d log_nulled=%d create_mode4=%d create_neg=%d create_nowhere=%d "
         "write_null_obj=%d write_null_fmt=%d write_empty=%d enabled9=%d write_live=%d destroy=%d write_dead=%d "
         "enabled_dead=%d destroy_dead=%d destroy_null=%d foreign=%d",
         create_null, log_nulled, create_mode4, create_neg, create_nowhere, write_null_obj, write_null_fmt, write_empty,
         enabled9, write_live, destroy, write_dead, enabled_dead, destroy_dead, destroy_null, foreign);
}

static void
roll(void)
{
  if (TSTextLogObjectCreate("rolling", 0, &current) != TS_SUCCESS) {
    TSError("textlog: roll: create failed");
    return;
  }
  TSTextLogObjectHeaderSet(current, "# rolling header");
  int enabled = TSTextLogObjectRollingEnabledSet(current, 2);
  TSTextLogObjectRollingSizeMbSet(current, 10);
  static char line[1024];
  memset(line, 'r', sizeof(line) - 1);
  long refused = 0;
  for (int i = 0; i < 11 * 1024; i++) {
    /* 1018 bytes of r, the number: 1023 bytes, 1 KiB with the newline. */
    if (TSTextLogObjectWrite(current, "%.1018s%05d", line, i) != TS_SUCCESS)
      refused++;
  }
  TSTextLogObjectFlush(current);
  TSNote("textlog: roll done, enabled=%d refused=%ld", enabled, refused);
}

static int
on_request(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  TSHttpTxn txn = edata;
  TSMBuffer buf;
  TSMLoc hdr, url;
  if (current != NULL && TSHttpTxnClientReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
    if (TSHttpHdrUrlGet(buf, hdr, &url) == TS_SUCCESS) {
      int len;
      const char *path = TSUrlPathGet(buf, url, &len);
      TSTextLogObjectWrite(current, "request /%.*s", len, path ? path : "");
      if (path != NULL && len == 5 && memcmp(path, "flush", 5) == 0)
        TSTextLogObjectFlush(current);
      TSHandleMLocRelease(buf, hdr, url);
    }
    TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"textlog_plugin", "tshost", "tshost@example.com"};
  TSPluginRegister(&info);
  const char *scenario = argc > 1 ? argv[1] : "";
  if (strcmp(scenario, "threads") == 0)
    threads();
  else if (strcmp(scenario, "names") == 0)
    names();
  else if (strcmp(scenario, "bad") == 0)
    bad();
  else if (strcmp(scenario, "roll") == 0)
    roll();
  else
    TSError("textlog: unknown scenario '%s'", scenario);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_request, NULL));
}

/* tests/c/lifecycle_probe.c: a global plugin that adds one continuation to every lifecycle hook
 * (TSLifecycleHookAdd) and appends each event it gets to the file named by its argument, one line
 * each: the event's name, and for the SSL_CTX events whether edata is set ("ctx"). "init" is
 * written at TSPluginInit. */
#include <ts/ts.h>

#include <stdio.h>
#include <string.h>

static char log_path[512];

static void
note(const char *what, const char *extra)
{
  FILE *f = fopen(log_path, "a");
  if (!f)
    return;
  fprintf(f, "%s%s%s\n", what, extra ? " " : "", extra ? extra : "");
  fclose(f);
}

static int
handler(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  switch (ev) {
  case TS_EVENT_LIFECYCLE_PORTS_INITIALIZED:
    note("PORTS_INITIALIZED", NULL);
    break;
  case TS_EVENT_LIFECYCLE_PORTS_READY:
    note("PORTS_READY", NULL);
    break;
  case TS_EVENT_LIFECYCLE_CACHE_READY:
    note("CACHE_READY", NULL);
    break;
  case TS_EVENT_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED:
    note("SERVER_SSL_CTX_INITIALIZED", edata ? "ctx" : "null");
    break;
  case TS_EVENT_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED:
    note("CLIENT_SSL_CTX_INITIALIZED", edata ? "ctx" : "null");
    break;
  case TS_EVENT_LIFECYCLE_MSG: {
    TSPluginMsg *m = edata;
    char extra[300];
    snprintf(extra, sizeof extra, "%s %zu %.*s", m && m->tag ? m->tag : "?", m ? m->data_size : 0,
             m && m->data ? (int)m->data_size : 0, m && m->data ? (const char *)m->data : "");
    note("MSG", extra);
    break;
  }
  case TS_EVENT_LIFECYCLE_TASK_THREADS_READY:
    note("TASK_THREADS_READY", NULL);
    break;
  case TS_EVENT_LIFECYCLE_SHUTDOWN:
    note("SHUTDOWN", NULL);
    break;
  default: {
    char n[32];
    snprintf(n, sizeof n, "%d", (int)ev);
    note("UNEXPECTED", n);
  }
  }
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"lifecycle_probe", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2)
    return;
  snprintf(log_path, sizeof log_path, "%s", argv[1]);
  note("init", NULL);
  TSCont c = TSContCreate(handler, TSMutexCreate());
  for (int h = TS_LIFECYCLE_PORTS_INITIALIZED_HOOK; h <= TS_LIFECYCLE_SHUTDOWN_HOOK; h++)
    TSLifecycleHookAdd((TSLifecycleHookID)h, c);
}

/* hook_count: a global plugin for bench/compare, built against ATS's own <ts/ts.h> (Debian's
 * trafficserver-dev) and loaded, the same .so, in ATS 9.2 and in tshost.
 *
 *   plugin.config:  /abs/path/hook_count.so /abs/path/counts.txt
 *
 * One continuation on TS_HTTP_SSN_START_HOOK, TS_HTTP_TXN_START_HOOK, TS_HTTP_TXN_CLOSE_HOOK and
 * TS_HTTP_SSN_CLOSE_HOOK counts each event (atomics) and reenables with TS_EVENT_HTTP_CONTINUE.
 * TSPluginInit writes "loaded" to the counts file; every SSN_CLOSE rewrites it with the current
 * counts (one pwrite under a mutex, so the file always holds a complete, newest line).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ts/ts.h>

#define PLUGIN_NAME "hook_count"

static unsigned long ssn_start, txn_start, txn_close, ssn_close;
static int out_fd = -1;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_counts(void) {
  char line[200];
  pthread_mutex_lock(&out_lock);
  int n = snprintf(line, sizeof line, "ssn_start=%lu txn_start=%lu txn_close=%lu ssn_close=%lu\n",
                   __atomic_load_n(&ssn_start, __ATOMIC_RELAXED),
                   __atomic_load_n(&txn_start, __ATOMIC_RELAXED),
                   __atomic_load_n(&txn_close, __ATOMIC_RELAXED),
                   __atomic_load_n(&ssn_close, __ATOMIC_RELAXED));
  if (out_fd >= 0 && n > 0) {
    if (pwrite(out_fd, line, (size_t)n, 0) == n) {
      if (ftruncate(out_fd, n) != 0) {
        /* the file keeps a longer, older tail; the first line is still the newest */
      }
    }
  }
  pthread_mutex_unlock(&out_lock);
}

static int handler(TSCont contp, TSEvent event, void *edata) {
  (void)contp;
  switch (event) {
  case TS_EVENT_HTTP_SSN_START:
    __atomic_add_fetch(&ssn_start, 1, __ATOMIC_RELAXED);
    TSHttpSsnReenable((TSHttpSsn)edata, TS_EVENT_HTTP_CONTINUE);
    break;
  case TS_EVENT_HTTP_TXN_START:
    __atomic_add_fetch(&txn_start, 1, __ATOMIC_RELAXED);
    TSHttpTxnReenable((TSHttpTxn)edata, TS_EVENT_HTTP_CONTINUE);
    break;
  case TS_EVENT_HTTP_TXN_CLOSE:
    __atomic_add_fetch(&txn_close, 1, __ATOMIC_RELAXED);
    TSHttpTxnReenable((TSHttpTxn)edata, TS_EVENT_HTTP_CONTINUE);
    break;
  case TS_EVENT_HTTP_SSN_CLOSE:
    __atomic_add_fetch(&ssn_close, 1, __ATOMIC_RELAXED);
    write_counts();
    TSHttpSsnReenable((TSHttpSsn)edata, TS_EVENT_HTTP_CONTINUE);
    break;
  default:
    TSError("[%s] unexpected event %d", PLUGIN_NAME, (int)event);
    break;
  }
  return 0;
}

void TSPluginInit(int argc, const char *argv[]) {
  TSPluginRegistrationInfo info;
  info.plugin_name = PLUGIN_NAME;
  info.vendor_name = "tshost";
  info.support_email = "none";
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", PLUGIN_NAME);
    return;
  }
  if (argc > 1) {
    out_fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      TSError("[%s] cannot open %s", PLUGIN_NAME, argv[1]);
    } else {
      static const char loaded[] = "loaded\n";
      if (write(out_fd, loaded, sizeof loaded - 1) < 0) {
        TSError("[%s] cannot write %s", PLUGIN_NAME, argv[1]);
      }
    }
  }
  TSCont cont = TSContCreate(handler, NULL);
  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, cont);
  TSHttpHookAdd(TS_HTTP_TXN_START_HOOK, cont);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, cont);
  TSHttpHookAdd(TS_HTTP_SSN_CLOSE_HOOK, cont);
  TSNote("[%s] loaded: counting SSN_START, TXN_START, TXN_CLOSE, SSN_CLOSE", PLUGIN_NAME);
}

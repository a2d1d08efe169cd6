/* harness_test.c: the dispatcher's tests, written in C against tshost.h as a plugin author would.
 *
 * Usage: harness_test SCENARIO PLUGIN.so [LOG]
 * Each scenario loads probe_plugin.so in a mode, drives synthetic sessions and transactions
 * through tshost's real dispatcher, and checks the trace of hook calls. Prints "ok ..." per check,
 * "PASS" at the end; exits 1 at the first failed check. Output contains no handle values, so
 * runs with the plugin built against either ts.h print the same text. */
#include <tshost.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *plugin_path;

static void
fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
  exit(1);
}

#define CHECK(cond, ...)       \
  do {                         \
    if (!(cond))               \
      fail(__VA_ARGS__);       \
    printf("ok ");             \
    printf(__VA_ARGS__);       \
    printf("\n");              \
  } while (0)

static double
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Load the plugin with one argument. With HARNESS_CONFIG_DIR set, through a plugin.config in that
 * directory and tshost_start, as an operator would; otherwise with tshost_plugin_load. */
static void
load(const char *mode)
{
  const char *dir = getenv("HARNESS_CONFIG_DIR");
  if (dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/plugin.config", dir);
    FILE *f = fopen(path, "w");
    if (!f)
      fail("cannot write %s", path);
    fprintf(f, "# written by harness_test\n%s %s\n", plugin_path, mode);
    fclose(f);
    if (tshost_start(dir) != 0)
      fail("tshost_start(%s): %s", dir, tshost_last_error());
    return;
  }
  const char *argv[] = {plugin_path, mode};
  if (tshost_plugin_load(2, argv) != 0)
    fail("loading %s %s: %s", plugin_path, mode, tshost_last_error());
}

static void *
global_arg(const char *name)
{
  int idx;
  if (TSUserArgIndexNameLookup(TS_USER_ARGS_GLB, name, &idx, NULL) != TS_SUCCESS)
    fail("no global arg %s", name);
  return TSUserArgGet(NULL, idx);
}

static int64_t
stat_value(const char *name)
{
  int id;
  if (TSStatFindName(name, &id) != TS_SUCCESS)
    fail("no stat %s", name);
  return TSStatIntGet(id);
}

/* Wait (up to 2 s) until the probe has held n hooks (its "probe.held" counter). */
static void
wait_held_n(int64_t n)
{
  double t0 = now_ms();
  while (stat_value("probe.held") < n && now_ms() - t0 < 2000)
    usleep(1000);
}

static void
wait_held(void)
{
  wait_held_n(1);
}

/* ---- trace helpers: entries rendered as "HOOK:NAME" with the continuation's probe name ---- */

static const char *
short_hook(int hook)
{
  switch (hook) {
  case TS_HTTP_SSN_START_HOOK: return "SSN_START";
  case TS_HTTP_SSN_CLOSE_HOOK: return "SSN_CLOSE";
  case TS_HTTP_TXN_START_HOOK: return "TXN_START";
  case TS_HTTP_TXN_CLOSE_HOOK: return "TXN_CLOSE";
  case TS_HTTP_READ_REQUEST_HDR_HOOK: return "READ_REQUEST_HDR";
  case TS_HTTP_PRE_REMAP_HOOK: return "PRE_REMAP";
  case TS_HTTP_POST_REMAP_HOOK: return "POST_REMAP";
  case TS_HTTP_OS_DNS_HOOK: return "OS_DNS";
  case TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK: return "CACHE_LOOKUP_COMPLETE";
  case TS_HTTP_SEND_REQUEST_HDR_HOOK: return "SEND_REQUEST_HDR";
  case TS_HTTP_READ_RESPONSE_HDR_HOOK: return "READ_RESPONSE_HDR";
  case TS_HTTP_SEND_RESPONSE_HDR_HOOK: return "SEND_RESPONSE_HDR";
  default: return "?";
  }
}

static const char *
cont_name(TSCont c)
{
  static const char *names[] = {"G1", "G2", "G3", "S1", "T1"};
  char key[32];
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(key, sizeof key, "probe.%s", names[i]);
    if (global_arg(key) == (void *)c)
      return names[i];
  }
  return "??";
}

static const char *scope_names[] = {"g", "s", "t"};

/* The trace from entry `from` as "HOOK:CONT/scope ..." (txn entries only for txn_id if >= 0). */
static char *
render(int from, int64_t txn_id)
{
  static char buf[16384];
  buf[0] = 0;
  for (int i = from; i < tshost_trace_count(); i++) {
    tshost_trace_entry e;
    tshost_trace_get(i, &e);
    if (txn_id >= 0 && e.txn_id != txn_id)
      continue;
    char item[96];
    snprintf(item, sizeof item, "%s%s:%s/%s", buf[0] ? " " : "", short_hook(e.hook), cont_name(e.cont), scope_names[e.scope]);
    strncat(buf, item, sizeof(buf) - strlen(buf) - 1);
  }
  return buf;
}

static void
expect_trace(int from, int64_t txn_id, const char *expected, const char *what)
{
  const char *got = render(from, txn_id);
  if (strcmp(got, expected) != 0)
    fail("%s:\n  expected: %s\n  got:      %s", what, expected, got);
  printf("ok %s\n", what);
}

static TSHttpSsn
open_ssn(void)
{
  TSHttpSsn ssn = NULL;
  int rc = tshost_ssn_open(NULL, &ssn);
  if (rc != 0)
    fail("tshost_ssn_open returned %d", rc);
  return ssn;
}

#define ALLG(h) h ":G1/g " h ":G2/g"

/* ---- scenarios ---- */

static void
scenario_order(void)
{
  load("order");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  CHECK(TSHttpSsnTransactionCount(ssn) == 0, "TSHttpSsnTransactionCount is 0 during/after SSN_START");
  tshost_txn_result r1, r2;
  tshost_txn_run(ssn, NULL, &r1);
  tshost_txn_run(ssn, NULL, &r2);
  CHECK(r1.status == 200 && r2.status == 200, "both transactions answered 200");
  CHECK(r2.txn_id == r1.txn_id + 1, "transaction ids increase by one");
  CHECK(TSHttpSsnTransactionCount(ssn) == 2, "TSHttpSsnTransactionCount counts both transactions");
  tshost_ssn_close(ssn);

  const char *txn_part = "TXN_START:G1/g TXN_START:G2/g TXN_START:S1/s TXN_START:T1/t "
                         "READ_REQUEST_HDR:G1/g READ_REQUEST_HDR:G2/g READ_REQUEST_HDR:G3/g READ_REQUEST_HDR:S1/s READ_REQUEST_HDR:T1/t " ALLG(
                           "PRE_REMAP") " " ALLG("POST_REMAP") " " ALLG("OS_DNS") " " ALLG("CACHE_LOOKUP_COMPLETE") " " ALLG("SEND_REQUEST_HDR") " " ALLG("READ_RESPONSE_HDR") " " ALLG("SEND_RESPONSE_HDR") " "
                         "TXN_CLOSE:G1/g TXN_CLOSE:G2/g TXN_CLOSE:S1/s TXN_CLOSE:T1/t";
  char expected[8192];
  snprintf(expected, sizeof expected, "SSN_START:G1/g SSN_START:G2/g SSN_START:S1/s %s %s SSN_CLOSE:G1/g SSN_CLOSE:G2/g SSN_CLOSE:S1/s",
           txn_part, txn_part);
  expect_trace(0, -1,
               expected,
               "order: global, then session, then transaction hooks, each in add order; hooks added during a pass run in it; "
               "TSHttpTxnHookAdd dedupes; txn-level SSN_CLOSE never fires");

  /* Every hook was reenabled inline on the dispatching thread. */
  int n = tshost_trace_count(), inl = 0;
  for (int i = 0; i < n; i++) {
    tshost_trace_entry e;
    tshost_trace_get(i, &e);
    if (e.reenable_event == TS_EVENT_HTTP_CONTINUE && e.reenabled_inline && !e.reenabled_from_other_thread)
      inl++;
    if (strcmp(e.plugin, "probe") != 0)
      fail("trace entry %d names plugin '%s'", i, e.plugin);
  }
  CHECK(inl == n, "all %d hook calls reenabled inline with CONTINUE, attributed to plugin probe", n);
}

static void
scenario_cross(void)
{
  load("cross");
  TSHttpSsn a = open_ssn(), b = open_ssn();
  tshost_txn_options o = {0};
  tshost_job *job = tshost_txn_spawn(a, &o);
  wait_held();
  CHECK(stat_value("probe.held") == 1, "the plugin holds the first transaction's READ_REQUEST_HDR");
  tshost_txn_result r1, r2;
  tshost_txn_run(b, NULL, &r2);
  CHECK(r2.status == 200, "the second transaction, which reenabled the first from its callback, completed");
  CHECK(tshost_job_wait(job, 2000, &r1) == 0 && r1.status == 200,
        "the first transaction, reenabled from inside another transaction's callback, completed");
  tshost_job_free(job);
  tshost_ssn_close(a);
  tshost_ssn_close(b);
}

/* Reenables the first held hook, from a thread of its own. */
static void *
reenable_first_held(void *unused)
{
  (void)unused;
  wait_held();
  TSHttpTxnReenable(global_arg("probe.held"), TS_EVENT_HTTP_CONTINUE);
  return NULL;
}

/* A transaction handle is reused once its 2 s quarantine has passed. A reenable of the new
 * transaction, outside any callback, from the thread that ran the old one's callbacks, reaches the
 * new transaction (not the old one's finished hook, which the thread must have forgotten). */
static void
scenario_reuse(void)
{
  load("hold=0"); /* READ_REQUEST_HDR */
  TSHttpSsn ssn = open_ssn();
  pthread_t th;
  pthread_create(&th, NULL, reenable_first_held, NULL);
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r); /* its callbacks run on this thread */
  pthread_join(th, NULL);
  CHECK(r.status == 200, "the first transaction, run on the main thread and reenabled from another, completed");
  TSHttpTxn first = global_arg("probe.held");
  usleep(2200 * 1000); /* past the quarantine (2 s) */
  tshost_txn_options o = {0};
  tshost_job *job = tshost_txn_spawn(ssn, &o);
  wait_held_n(2);
  CHECK(stat_value("probe.held") == 2, "the plugin holds the second transaction's READ_REQUEST_HDR");
  TSHttpTxn second = global_arg("probe.held");
  CHECK(second == first, "the second transaction has the first one's handle, reused after its quarantine");
  TSHttpTxnReenable(second, TS_EVENT_HTTP_CONTINUE); /* from the main thread, outside any callback */
  CHECK(tshost_job_wait(job, 2000, &r) == 0 && r.status == 200,
        "the reenable reached the second transaction, which completed");
  tshost_job_free(job);
  tshost_ssn_close(ssn);
}

static void
scenario_sparse(void)
{
  load("sparse");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  CHECK(r.status == 200, "transaction answered 200");
  tshost_ssn_close(ssn);
  expect_trace(0, -1,
               "SSN_START:G1/g TXN_START:G1/g READ_REQUEST_HDR:S1/s SEND_RESPONSE_HDR:T1/t TXN_CLOSE:T1/t SSN_CLOSE:S1/s",
               "a hook point with no global hook still runs its session's and its transaction's hooks");
}

static void
scenario_delay(void)
{
  load("delay=40");
  /* Each hook is reenabled 40 ms late, well within the watchdog's 400 ms: it reports none of
   * them (tests/harness.rs checks stderr), though the first ones' watchdogs fire during the run. */
  tshost_hook_timeout_set(400);
  tshost_trace_enable(1);
  double t0 = now_ms();
  TSHttpSsn ssn = open_ssn();
  double t1 = now_ms();
  CHECK(t1 - t0 >= 40, "SSN_START waited for TSHttpSsnReenable from a plain pthread (%.0f ms)", t1 - t0 >= 40 ? 40.0 : t1 - t0);
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  double t2 = now_ms();
  CHECK(r.status == 200, "transaction completed after delayed reenables");
  CHECK(t2 - t1 >= 10 * 40, "each of the 10 transaction hooks waited for its reenable (>= 400 ms)");
  tshost_ssn_close(ssn);
  CHECK(now_ms() - t2 >= 40, "SSN_CLOSE waited for its reenable");
  int n = tshost_trace_count(), other = 0;
  for (int i = 0; i < n; i++) {
    tshost_trace_entry e;
    tshost_trace_get(i, &e);
    if (e.reenable_event == TS_EVENT_HTTP_CONTINUE && !e.reenabled_inline && e.reenabled_from_other_thread)
      other++;
  }
  CHECK(n == 12 && other == 12, "12 hook calls, all reenabled later from another thread");
  expect_trace(0, -1,
               "SSN_START:G1/g TXN_START:G1/g READ_REQUEST_HDR:G1/g PRE_REMAP:G1/g POST_REMAP:G1/g OS_DNS:G1/g "
               "CACHE_LOOKUP_COMPLETE:G1/g SEND_REQUEST_HDR:G1/g READ_RESPONSE_HDR:G1/g SEND_RESPONSE_HDR:G1/g TXN_CLOSE:G1/g SSN_CLOSE:G1/g",
               "delayed reenables keep ATS's hook order");
  CHECK(stat_value("probe.violations") == 0, "no hook of a transaction ran while another was outstanding");
}

/* Many transactions of one session at once, each hook reenabled later from a pthread. */
static void
scenario_concurrent(void)
{
  load("delay=5");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  enum { N = 8 };
  tshost_job *jobs[N];
  for (int i = 0; i < N; i++)
    jobs[i] = tshost_txn_spawn(ssn, NULL);
  /* Close while transactions still run: SSN_CLOSE must wait for all their TXN_CLOSEs. */
  tshost_ssn_close(ssn);
  for (int i = 0; i < N; i++) {
    tshost_txn_result r;
    if (tshost_job_wait(jobs[i], 0, &r) != 0)
      fail("transaction %d still running after the session closed", i);
    if (r.status != 200)
      fail("transaction %d status %d", i, r.status);
    tshost_job_free(jobs[i]);
  }
  int n = tshost_trace_count(), starts = 0, closes = 0, last_txn_close = -1, ssn_close = -1;
  for (int i = 0; i < n; i++) {
    tshost_trace_entry e;
    tshost_trace_get(i, &e);
    if (e.hook == TS_HTTP_TXN_START_HOOK)
      starts++;
    if (e.hook == TS_HTTP_TXN_CLOSE_HOOK) {
      closes++;
      last_txn_close = i;
    }
    if (e.hook == TS_HTTP_SSN_CLOSE_HOOK)
      ssn_close = i;
  }
  CHECK(starts == N && closes == N, "%d TXN_STARTs and %d TXN_CLOSEs", N, N);
  CHECK(ssn_close > last_txn_close && ssn_close == n - 1, "SSN_CLOSE came once, after every TXN_CLOSE");
  CHECK(stat_value("probe.violations") == 0, "no hook of a transaction ran while another of its hooks was outstanding");
}

static void
scenario_mutex(void)
{
  load("mutex");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_run(ssn, NULL, NULL);
  tshost_ssn_close(ssn);
  TSMutex m = global_arg("probe.M");
  CHECK(TSMutexLockTry(m) == TS_SUCCESS, "the continuation mutex is free after the callbacks");
  TSMutexUnlock(m);
  CHECK(stat_value("probe.checks") == 12 * 3, "36 mutex checks ran in 12 callbacks");
  CHECK(stat_value("probe.violations") == 0, "the continuation's mutex was held around every callback");
}

static void
scenario_error(const char *mode, int hook, const char *expected, int expect_status, const char *what)
{
  load(mode);
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  int from = tshost_trace_count();
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  expect_trace(from, (int64_t)r.txn_id, expected, what);
  CHECK(r.status == expect_status, "ERROR at %s answers %d (got %d)", short_hook(hook), expect_status, r.status);
  tshost_txn_result r2;
  tshost_txn_run(ssn, NULL, &r2);
  CHECK(r2.txn_id == r.txn_id + 1, "the session goes on after the error");
  tshost_ssn_close(ssn);
  CHECK(!tshost_ssn_is_live(ssn), "the session is closed");
}

static void
scenario_ssn_error(void)
{
  load("error=11"); /* SSN_START */
  tshost_trace_enable(1);
  TSHttpSsn ssn = (TSHttpSsn)1;
  int rc = tshost_ssn_open(NULL, &ssn);
  CHECK(rc == 1 && ssn == NULL, "ERROR at SSN_START rejects the session");
  expect_trace(0, -1, "SSN_START:G1/g SSN_CLOSE:G1/g SSN_CLOSE:G2/g", "ERROR at SSN_START skips G2 and still runs SSN_CLOSE");
}

static void
scenario_double(void)
{
  load("double");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  tshost_ssn_close(ssn);
  CHECK(r.status == 200, "a second reenable for one event is ignored; the transaction completes");
  CHECK(tshost_trace_count() == 12, "each hook ran exactly once (12 calls)");
}

static void
scenario_invalid(void)
{
  load("invalid");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  tshost_ssn_close(ssn);
  CHECK(r.status == 200 && tshost_trace_count() == 12, "reenable with TS_EVENT_CONTINUE (invalid) is logged and does not hang");
  tshost_trace_entry e;
  tshost_trace_get(0, &e);
  CHECK(e.reenable_event == TS_EVENT_CONTINUE, "the trace records the invalid event the plugin passed");
  /* Bad handles and values from C are errors, not crashes. */
  TSHttpTxnReenable(NULL, TS_EVENT_HTTP_CONTINUE);
  TSHttpTxnReenable((TSHttpTxn)0x1234, TS_EVENT_HTTP_CONTINUE);
  TSHttpSsnReenable((TSHttpSsn)ssn, TS_EVENT_HTTP_CONTINUE); /* closed session */
  TSHttpHookAdd((TSHttpHookID)999, global_arg("probe.G2"));
  TSHttpHookAdd(TS_HTTP_TXN_START_HOOK, NULL);
  CHECK(1, "NULL, foreign and dead handles and an unknown hook id are refused without a crash");
}

static void
scenario_args(void)
{
  load("args");
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_run(ssn, NULL, NULL);
  tshost_txn_run(ssn, NULL, NULL);
  tshost_ssn_close(ssn);
  CHECK(stat_value("probe.checks") == 1 + 2 * 6 + 1, "args checks ran (ssn start, 2 txns, ssn close)");
  CHECK(stat_value("probe.violations") == 0, "txn, ssn and global user args behave as in ATS");
  int idx = -1;
  const char *desc = NULL;
  CHECK(TSUserArgIndexNameLookup(TS_USER_ARGS_TXN, "probe.txn", &idx, &desc) == TS_SUCCESS && idx == 1000 &&
          strcmp(desc, "txn slot") == 0,
        "TSUserArgIndexNameLookup finds probe.txn at 1000");
  const char *name = NULL;
  CHECK(TSUserArgIndexLookup(TS_USER_ARGS_SSN, 2000, &name, NULL) == TS_SUCCESS && strcmp(name, "probe.ssn") == 0,
        "TSUserArgIndexLookup(SSN, 2000) is probe.ssn");
  CHECK(TSUserArgIndexReserve((TSUserArgType)7, "x", NULL, &idx) == TS_ERROR, "an unknown TSUserArgType is refused");
  int n = 0;
  for (int i = 0; i < 20; i++) {
    char nm[32];
    snprintf(nm, sizeof nm, "fill.%d", i);
    if (TSUserArgIndexReserve(TS_USER_ARGS_TXN, nm, NULL, &idx) == TS_SUCCESS)
      n++;
  }
  CHECK(n == 14, "16 TXN slots in all: 14 more after probe.txn and probe.busy");
}

static void
scenario_hold(int abort)
{
  load("hold=0"); /* READ_REQUEST_HDR */
  tshost_hook_timeout_set(100);
  tshost_trace_enable(1);
  TSHttpSsn ssn = open_ssn();
  tshost_txn_options o = {0};
  if (abort) {
    o.abort = 1;
    o.abort_after_hook = TS_HTTP_READ_REQUEST_HDR_HOOK;
  }
  tshost_job *job = tshost_txn_spawn(ssn, &o);
  wait_held();
  CHECK(stat_value("probe.held") == 1, "the plugin holds READ_REQUEST_HDR");
  usleep(300 * 1000);
  tshost_txn_result r;
  CHECK(tshost_job_wait(job, 0, &r) == 1, "the transaction waits while the hook is held (300 ms)");
  expect_trace(0, -1, "SSN_START:G1/g TXN_START:G1/g READ_REQUEST_HDR:G1/g", "nothing after the held hook ran");
  tshost_trace_entry e;
  tshost_trace_get(2, &e);
  CHECK(e.reenable_event == -1, "the held hook is outstanding in the trace");
  TSHttpTxn txn = global_arg("probe.held");
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE); /* from the test's main thread */
  CHECK(tshost_job_wait(job, 2000, &r) == 0, "the reenable from another thread resumed the transaction");
  tshost_job_free(job);
  if (abort) {
    CHECK(r.aborted && r.status == 0, "the client was gone: no response");
    expect_trace(0, -1, "SSN_START:G1/g TXN_START:G1/g READ_REQUEST_HDR:G1/g TXN_CLOSE:G1/g",
                 "client abort while the hook was held: TXN_CLOSE right after the reenable, once");
  } else {
    CHECK(r.status == 200, "the transaction completed");
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE); /* after TXN_CLOSE: logged, ignored */
  tshost_ssn_close(ssn);
  tshost_trace_get(tshost_trace_count() - 1, &e);
  CHECK(e.hook == TS_HTTP_SSN_CLOSE_HOOK, "SSN_CLOSE last");
}

/* plugins-c/session_count.so: session hooks added at SSN_START, TSStat counters. */
static void
scenario_session_count(void)
{
  const char *argv[] = {plugin_path};
  if (tshost_plugin_load(1, argv) != 0)
    fail("loading %s: %s", plugin_path, tshost_last_error());
  tshost_trace_enable(1);
  for (int s = 0; s < 3; s++) {
    TSHttpSsn ssn = open_ssn();
    CHECK(stat_value("session_count.sessions.active") == 1, "session %d active", s);
    tshost_txn_run(ssn, NULL, NULL);
    tshost_txn_run(ssn, NULL, NULL);
    tshost_ssn_close(ssn);
  }
  CHECK(stat_value("session_count.sessions.started") == 3, "3 sessions started");
  CHECK(stat_value("session_count.sessions.closed") == 3, "3 sessions closed");
  CHECK(stat_value("session_count.txns.started") == 6, "6 transactions started");
  CHECK(stat_value("session_count.txns.closed") == 6, "6 transactions closed");
  CHECK(stat_value("session_count.sessions.active") == 0, "no session active");
  int scoped = 0;
  for (int i = 0; i < tshost_trace_count(); i++) {
    tshost_trace_entry e;
    tshost_trace_get(i, &e);
    if (e.scope == 1)
      scoped++;
  }
  CHECK(scoped == 3 * (2 * 2 + 1), "session-level hooks ran: TXN_START and TXN_CLOSE per transaction, SSN_CLOSE per session");
}

/* plugins-c/hook_trace.so: every event, with ids, to the file given as its argument. */
static void
scenario_hook_trace(const char *log)
{
  const char *argv[] = {plugin_path, log, "--mark=harness"};
  if (tshost_plugin_load(3, argv) != 0)
    fail("loading %s: %s", plugin_path, tshost_last_error());
  TSHttpSsn ssn = open_ssn();
  tshost_txn_result r;
  tshost_txn_run(ssn, NULL, &r);
  tshost_ssn_close(ssn);
  FILE *f = fopen(log, "r");
  CHECK(f != NULL, "hook_trace wrote its log");
  char line[512], names[2048] = "";
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    n++;
    if (!strstr(line, "mark=harness"))
      fail("line without the mark: %s", line);
    char first[64];
    sscanf(line, "%63s", first);
    strncat(names, first, sizeof(names) - strlen(names) - 2);
    strcat(names, " ");
  }
  fclose(f);
  CHECK(n == 12, "12 events logged");
  CHECK(strcmp(names, "SSN_START TXN_START READ_REQUEST_HDR PRE_REMAP POST_REMAP OS_DNS CACHE_LOOKUP_COMPLETE SEND_REQUEST_HDR "
                      "READ_RESPONSE_HDR SEND_RESPONSE_HDR TXN_CLOSE SSN_CLOSE ") == 0,
        "events logged in ATS's order");
}

int
main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s SCENARIO PLUGIN.so\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  plugin_path = argv[2];
  const char *s = argv[1];
  if (!strcmp(s, "order"))
    scenario_order();
  else if (!strcmp(s, "delay"))
    scenario_delay();
  else if (!strcmp(s, "concurrent"))
    scenario_concurrent();
  else if (!strcmp(s, "mutex"))
    scenario_mutex();
  else if (!strcmp(s, "error_read_request"))
    scenario_error("error=0", TS_HTTP_READ_REQUEST_HDR_HOOK,
                   "TXN_START:G1/g TXN_START:G2/g READ_REQUEST_HDR:G1/g SEND_RESPONSE_HDR:G1/g SEND_RESPONSE_HDR:G2/g TXN_CLOSE:G1/g TXN_CLOSE:G2/g",
                   500, "ERROR at READ_REQUEST_HDR skips G2 there, then SEND_RESPONSE_HDR and TXN_CLOSE");
  else if (!strcmp(s, "error_status"))
    scenario_error("error=14,status=403", TS_HTTP_PRE_REMAP_HOOK,
                   "TXN_START:G1/g TXN_START:G2/g READ_REQUEST_HDR:G1/g READ_REQUEST_HDR:G2/g PRE_REMAP:G1/g "
                   "SEND_RESPONSE_HDR:G1/g SEND_RESPONSE_HDR:G2/g TXN_CLOSE:G1/g TXN_CLOSE:G2/g",
                   403, "ERROR at PRE_REMAP after TSHttpTxnStatusSet(403)");
  else if (!strcmp(s, "error_send_response"))
    scenario_error("error=5", TS_HTTP_SEND_RESPONSE_HDR_HOOK,
                   "TXN_START:G1/g TXN_START:G2/g READ_REQUEST_HDR:G1/g READ_REQUEST_HDR:G2/g " ALLG("PRE_REMAP") " " ALLG(
                     "POST_REMAP") " " ALLG("OS_DNS") " " ALLG("CACHE_LOOKUP_COMPLETE") " " ALLG("SEND_REQUEST_HDR") " " ALLG("READ_RESPONSE_HDR") " "
                                                                                                                      "SEND_RESPONSE_HDR:G1/g TXN_CLOSE:G1/g TXN_CLOSE:G2/g",
                   500, "ERROR at SEND_RESPONSE_HDR: not re-run, then TXN_CLOSE");
  else if (!strcmp(s, "error_txn_close"))
    scenario_error("error=10", TS_HTTP_TXN_CLOSE_HOOK,
                   "TXN_START:G1/g TXN_START:G2/g READ_REQUEST_HDR:G1/g READ_REQUEST_HDR:G2/g " ALLG("PRE_REMAP") " " ALLG(
                     "POST_REMAP") " " ALLG("OS_DNS") " " ALLG("CACHE_LOOKUP_COMPLETE") " " ALLG("SEND_REQUEST_HDR") " " ALLG("READ_RESPONSE_HDR") " " ALLG("SEND_RESPONSE_HDR") " " ALLG("TXN_CLOSE"),
                   200, "ERROR at TXN_CLOSE counts as CONTINUE");
  else if (!strcmp(s, "error_ssn_start"))
    scenario_ssn_error();
  else if (!strcmp(s, "double"))
    scenario_double();
  else if (!strcmp(s, "invalid"))
    scenario_invalid();
  else if (!strcmp(s, "args"))
    scenario_args();
  else if (!strcmp(s, "cross"))
    scenario_cross();
  else if (!strcmp(s, "sparse"))
    scenario_sparse();
  else if (!strcmp(s, "reuse"))
    scenario_reuse();
  else if (!strcmp(s, "hold"))
    scenario_hold(0);
  else if (!strcmp(s, "hold_abort"))
    scenario_hold(1);
  else if (!strcmp(s, "session_count"))
    scenario_session_count();
  else if (!strcmp(s, "hook_trace") && argc > 3)
    scenario_hook_trace(argv[3]);
  else if (!strcmp(s, "error_status_n") && argc > 4) {
    /* ERROR at PRE_REMAP after TSHttpTxnStatusSet(argv[3]); argv[4]: the status expected. */
    char mode[64];
    snprintf(mode, sizeof mode, "error=14,status=%s", argv[3]);
    scenario_error(mode, TS_HTTP_PRE_REMAP_HOOK,
                   "TXN_START:G1/g TXN_START:G2/g READ_REQUEST_HDR:G1/g READ_REQUEST_HDR:G2/g PRE_REMAP:G1/g "
                   "SEND_RESPONSE_HDR:G1/g SEND_RESPONSE_HDR:G2/g TXN_CLOSE:G1/g TXN_CLOSE:G2/g",
                   atoi(argv[4]), "ERROR at PRE_REMAP after TSHttpTxnStatusSet(N)");
  }
  else {
    fprintf(stderr, "unknown scenario %s\n", s);
    return 2;
  }
  printf("PASS\n");
  return 0;
}

/* probe_plugin.c: the plugin the dispatcher tests drive through the C harness (harness_test.c).
 *
 * Written against the public ts.h only; the tests build it twice, against tshost's include/ts/ts.h
 * and against Debian's trafficserver-dev <ts/ts.h>, and expect the same results.
 *
 * argv[1] selects the behaviour:
 *   order        G1 and G2 on every hook; G1 adds session hooks (S1) at SSN_START and transaction
 *                hooks (T1) at TXN_START; G2, the last global one, adds a global hook (G3) during the
 *                first READ_REQUEST_HDR.
 *   inline       G1 on every hook, reenabled inside the callback.
 *   delay=MS     G1 on every hook, reenabled MS ms later from a plain pthread the plugin makes.
 *   mutex        G1 (with a mutex) checks that its mutex is held during every callback.
 *   error=HOOK[,status=N]  G1 reenables HOOK with TS_EVENT_HTTP_ERROR (after TSHttpTxnStatusSet
 *                when N is given); G2 runs after G1 everywhere.
 *   double       G1 reenables every hook twice (the second must be ignored).
 *   invalid      G1 reenables every hook with TS_EVENT_CONTINUE (4), which is not an HTTP event.
 *   args         G1 checks user argument slots of transactions, sessions and the global table.
 *   hold=HOOK    G1 does not reenable HOOK; it publishes the transaction in global arg
 *                "probe.held" and the test reenables it.
 *   cross        G1 holds the first transaction's READ_REQUEST_HDR (published as in hold); in the
 *                next transaction's READ_REQUEST_HDR callback it reenables the held one, then its own.
 *   sparse       G1 on SSN_START and TXN_START only; it adds S1 on READ_REQUEST_HDR and SSN_CLOSE
 *                (session) and T1 on SEND_RESPONSE_HDR and TXN_CLOSE (transaction): points where
 *                no global hook is, each reached only through its session's or its transaction's
 *                list.
 * Continuation handles are published in global user args "probe.G1", "probe.G2", ... so the test
 * can name them in the trace. Counters are TSStats "probe.*". */
#include <ts/ts.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum mode { M_ORDER, M_INLINE, M_DELAY, M_MUTEX, M_ERROR, M_DOUBLE, M_INVALID, M_ARGS, M_HOLD, M_SPARSE, M_CROSS };
static enum mode mode;
static int delay_ms, error_hook = -1, error_status, hold_hook = -1;
static TSCont G1, G2, G3, S1, T1;
static TSMutex M;
static int st_calls, st_violations, st_checks, st_held;
static int txn_arg = -1, ssn_arg = -1, glb_arg = -1, held_arg = -1, busy_arg = -1;
static volatile int g3_added;

static const TSHttpHookID all_hooks[] = {
  TS_HTTP_SSN_START_HOOK,        TS_HTTP_TXN_START_HOOK,  TS_HTTP_READ_REQUEST_HDR_HOOK,  TS_HTTP_PRE_REMAP_HOOK,
  TS_HTTP_POST_REMAP_HOOK,       TS_HTTP_OS_DNS_HOOK,     TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK, TS_HTTP_SEND_REQUEST_HDR_HOOK,
  TS_HTTP_READ_RESPONSE_HDR_HOOK, TS_HTTP_SEND_RESPONSE_HDR_HOOK, TS_HTTP_TXN_CLOSE_HOOK, TS_HTTP_SSN_CLOSE_HOOK,
};

static void
violation(const char *what)
{
  TSError("probe violation: %s", what);
  TSStatIntIncrement(st_violations, 1);
}

static void
check(int ok, const char *what)
{
  TSStatIntIncrement(st_checks, 1);
  if (!ok)
    violation(what);
}

static int
is_ssn_event(TSEvent ev)
{
  return ev == TS_EVENT_HTTP_SSN_START || ev == TS_EVENT_HTTP_SSN_CLOSE;
}

static void
reenable(TSEvent ev, void *edata, TSEvent with)
{
  if (is_ssn_event(ev))
    TSHttpSsnReenable((TSHttpSsn)edata, with);
  else
    TSHttpTxnReenable((TSHttpTxn)edata, with);
}

struct later {
  TSEvent ev;
  void *edata;
};

static void *
reenable_later(void *p)
{
  struct later *l = p;
  usleep((useconds_t)delay_ms * 1000);
  if (!is_ssn_event(l->ev))
    TSUserArgSet(l->edata, busy_arg, NULL); /* this transaction's hook is about to end */
  reenable(l->ev, l->edata, TS_EVENT_HTTP_CONTINUE);
  free(l);
  return NULL;
}

struct trylock {
  TSMutex m;
  TSReturnCode rc;
};

static void *
try_from_other_thread(void *p)
{
  struct trylock *t = p;
  t->rc = TSMutexLockTry(t->m);
  if (t->rc == TS_SUCCESS)
    TSMutexUnlock(t->m);
  return NULL;
}

static void
do_args(TSEvent ev, void *edata)
{
  switch (ev) {
  case TS_EVENT_HTTP_SSN_START:
    TSUserArgSet(edata, ssn_arg, (void *)(intptr_t)(TSHttpSsnIdGet(edata) + 100));
    check(TSHttpSsnArgGet(edata, ssn_arg) == (void *)(intptr_t)(TSHttpSsnIdGet(edata) + 100), "deprecated ssn arg get");
    break;
  case TS_EVENT_HTTP_SSN_CLOSE:
    check(TSUserArgGet(edata, ssn_arg) == (void *)(intptr_t)(TSHttpSsnIdGet(edata) + 100), "ssn arg kept until SSN_CLOSE");
    break;
  case TS_EVENT_HTTP_TXN_START:
    check(TSUserArgGet(edata, txn_arg) == NULL, "txn arg starts NULL");
    TSUserArgSet(edata, txn_arg, (void *)(intptr_t)(TSHttpTxnIdGet(edata) + 7));
    check(TSUserArgGet(TSHttpTxnSsnGet(edata), ssn_arg) != NULL, "ssn arg visible from txn");
    break;
  case TS_EVENT_HTTP_TXN_CLOSE:
    check(TSUserArgGet(edata, txn_arg) == (void *)(intptr_t)(TSHttpTxnIdGet(edata) + 7), "txn arg kept until TXN_CLOSE");
    check(TSHttpTxnArgGet(edata, txn_arg) == TSUserArgGet(edata, txn_arg), "deprecated txn arg get");
    check(TSUserArgGet(edata, ssn_arg) == NULL, "ssn index on a txn is refused");
    check(TSUserArgGet(NULL, glb_arg) == (void *)&mode, "global arg");
    break;
  default:
    break;
  }
}

static int
handler(TSCont contp, TSEvent ev, void *edata)
{
  TSStatIntIncrement(st_calls, 1);
  int hook_of_event = (int)ev - TS_EVENT_HTTP_READ_REQUEST_HDR;

  if (contp == G1 && mode == M_ORDER) {
    if (ev == TS_EVENT_HTTP_SSN_START) {
      TSHttpSsnHookAdd(edata, TS_HTTP_SSN_START_HOOK, S1); /* same hook, during its pass: runs now */
      TSHttpSsnHookAdd(edata, TS_HTTP_TXN_START_HOOK, S1);
      TSHttpSsnHookAdd(edata, TS_HTTP_READ_REQUEST_HDR_HOOK, S1);
      TSHttpSsnHookAdd(edata, TS_HTTP_TXN_CLOSE_HOOK, S1);
      TSHttpSsnHookAdd(edata, TS_HTTP_SSN_CLOSE_HOOK, S1);
    } else if (ev == TS_EVENT_HTTP_TXN_START) {
      TSHttpTxnHookAdd(edata, TS_HTTP_TXN_START_HOOK, T1); /* same hook, during its pass: runs now */
      TSHttpTxnHookAdd(edata, TS_HTTP_READ_REQUEST_HDR_HOOK, T1);
      TSHttpTxnHookAdd(edata, TS_HTTP_READ_REQUEST_HDR_HOOK, T1); /* duplicate: ignored */
      TSHttpTxnHookAdd(edata, TS_HTTP_TXN_CLOSE_HOOK, T1);
      TSHttpTxnHookAdd(edata, TS_HTTP_SSN_CLOSE_HOOK, T1); /* txn-level SSN_CLOSE never fires */
    }
  }
  if (contp == G2 && mode == M_ORDER && ev == TS_EVENT_HTTP_READ_REQUEST_HDR && !g3_added) {
    /* Added by the last global continuation of the pass (G2), during it: runs now, after G2. */
    g3_added = 1;
    TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, G3);
  }

  if (contp == G1 && mode == M_CROSS && ev == TS_EVENT_HTTP_READ_REQUEST_HDR) {
    void *held = TSUserArgGet(NULL, held_arg);
    if (held == NULL) {
      TSUserArgSet(NULL, held_arg, edata);
      TSStatIntIncrement(st_held, 1);
      return 0;
    }
    TSUserArgSet(NULL, held_arg, NULL);
    TSHttpTxnReenable(held, TS_EVENT_HTTP_CONTINUE); /* another transaction's hook, from inside this callback */
    reenable(ev, edata, TS_EVENT_HTTP_CONTINUE);
    return 0;
  }

  if (contp == G1 && mode == M_SPARSE) {
    if (ev == TS_EVENT_HTTP_SSN_START) {
      TSHttpSsnHookAdd(edata, TS_HTTP_READ_REQUEST_HDR_HOOK, S1);
      TSHttpSsnHookAdd(edata, TS_HTTP_SSN_CLOSE_HOOK, S1);
    } else if (ev == TS_EVENT_HTTP_TXN_START) {
      TSHttpTxnHookAdd(edata, TS_HTTP_SEND_RESPONSE_HDR_HOOK, T1);
      TSHttpTxnHookAdd(edata, TS_HTTP_TXN_CLOSE_HOOK, T1);
    }
  }

  if (contp == G1 && mode == M_MUTEX) {
    check(TSContMutexGet(contp) == M, "TSContMutexGet");
    struct trylock t = {M, TS_SUCCESS};
    pthread_t th;
    pthread_create(&th, NULL, try_from_other_thread, &t);
    pthread_join(th, NULL);
    check(t.rc == TS_ERROR, "continuation mutex held by the dispatching thread during the callback");
    check(TSMutexLockTry(M) == TS_SUCCESS, "recursive TSMutexLockTry on the callback thread");
    TSMutexUnlock(M);
  }

  if (contp == G1 && mode == M_ARGS)
    do_args(ev, edata);

  if (contp == G1 && mode == M_DELAY) {
    if (!is_ssn_event(ev)) {
      check(TSUserArgGet(edata, busy_arg) == NULL, "no hook of a transaction runs while another is outstanding");
      TSUserArgSet(edata, busy_arg, (void *)1);
    }
    struct later *l = malloc(sizeof(*l));
    l->ev = ev;
    l->edata = edata;
    pthread_t th;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&th, &a, reenable_later, l);
    pthread_attr_destroy(&a);
    return 0;
  }

  if (contp == G1 && mode == M_ERROR && hook_of_event == error_hook) {
    if (error_status && !is_ssn_event(ev))
      TSHttpTxnStatusSet(edata, (TSHttpStatus)error_status);
    reenable(ev, edata, TS_EVENT_HTTP_ERROR);
    return 0;
  }

  if (contp == G1 && mode == M_HOLD && hook_of_event == hold_hook) {
    TSUserArgSet(NULL, held_arg, edata);
    TSStatIntIncrement(st_held, 1);
    return 0; /* the test reenables it */
  }

  if (contp == G1 && mode == M_INVALID) {
    reenable(ev, edata, TS_EVENT_CONTINUE);
    return 0;
  }

  reenable(ev, edata, TS_EVENT_HTTP_CONTINUE);
  if (contp == G1 && mode == M_DOUBLE)
    reenable(ev, edata, TS_EVENT_HTTP_CONTINUE); /* ignored (logged) */
  return 0;
}

static void
publish(const char *name, void *value)
{
  int idx;
  if (TSUserArgIndexReserve(TS_USER_ARGS_GLB, name, "probe handle", &idx) != TS_SUCCESS) {
    TSError("probe: cannot reserve %s", name);
    return;
  }
  TSUserArgSet(NULL, idx, value);
}

static int
stat(const char *name)
{
  int id;
  if (TSStatFindName(name, &id) == TS_SUCCESS)
    return id;
  return TSStatCreate(name, TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"probe", "tshost", "dev@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("probe: registration failed");
    return;
  }
  const char *m = argc > 1 ? argv[1] : "inline";
  if (strcmp(m, "order") == 0)
    mode = M_ORDER;
  else if (strcmp(m, "inline") == 0)
    mode = M_INLINE;
  else if (sscanf(m, "delay=%d", &delay_ms) == 1)
    mode = M_DELAY;
  else if (strcmp(m, "mutex") == 0)
    mode = M_MUTEX;
  else if (sscanf(m, "error=%d,status=%d", &error_hook, &error_status) >= 1)
    mode = M_ERROR;
  else if (strcmp(m, "double") == 0)
    mode = M_DOUBLE;
  else if (strcmp(m, "invalid") == 0)
    mode = M_INVALID;
  else if (strcmp(m, "args") == 0)
    mode = M_ARGS;
  else if (sscanf(m, "hold=%d", &hold_hook) == 1)
    mode = M_HOLD;
  else if (strcmp(m, "sparse") == 0)
    mode = M_SPARSE;
  else if (strcmp(m, "cross") == 0)
    mode = M_CROSS;
  else {
    TSError("probe: unknown mode %s", m);
    return;
  }

  if (mode == M_ARGS) {
    int again = -1;
    /* Reserved first, so the offset indices are the first of each type. */
    TSUserArgIndexReserve(TS_USER_ARGS_TXN, "probe.txn", "txn slot", &txn_arg);
    TSUserArgIndexReserve(TS_USER_ARGS_TXN, "probe.txn", "txn slot", &again);
    TSUserArgIndexReserve(TS_USER_ARGS_SSN, "probe.ssn", "ssn slot", &ssn_arg);
    TSUserArgIndexReserve(TS_USER_ARGS_GLB, "probe.glb", "global slot", &glb_arg);
    TSUserArgSet(NULL, glb_arg, (void *)&mode);
    printf("probe: arg indices txn=%d again=%d ssn=%d glb=%d\n", txn_arg, again, ssn_arg, glb_arg);
    fflush(stdout);
  }
  TSUserArgIndexReserve(TS_USER_ARGS_TXN, "probe.busy", "outstanding hook flag", &busy_arg);
  TSUserArgIndexReserve(TS_USER_ARGS_GLB, "probe.held", "held transaction", &held_arg);

  st_calls = stat("probe.calls");
  st_violations = stat("probe.violations");
  st_checks = stat("probe.checks");
  st_held = stat("probe.held");

  M = TSMutexCreate();
  G1 = TSContCreate(handler, mode == M_MUTEX ? M : TSMutexCreate());
  G2 = TSContCreate(handler, NULL);
  G3 = TSContCreate(handler, NULL);
  S1 = TSContCreate(handler, TSMutexCreate());
  T1 = TSContCreate(handler, NULL);
  publish("probe.G1", G1);
  publish("probe.G2", G2);
  publish("probe.G3", G3);
  publish("probe.S1", S1);
  publish("probe.T1", T1);
  publish("probe.M", M);

  if (mode == M_SPARSE) {
    TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, G1);
    TSHttpHookAdd(TS_HTTP_TXN_START_HOOK, G1);
    return;
  }
  for (size_t i = 0; i < sizeof(all_hooks) / sizeof(all_hooks[0]); i++) {
    TSHttpHookAdd(all_hooks[i], G1);
    if (mode == M_ORDER || mode == M_ERROR)
      TSHttpHookAdd(all_hooks[i], G2);
  }
}

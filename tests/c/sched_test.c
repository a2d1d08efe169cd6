/*
 * sched_test.c - a C program that links libtshost.so and calls the ATS plugin API directly:
 * continuations, mutexes, scheduling, actions, threads, memory, stats, version and names
 * (ATS 9.2 semantics, docs/ts-api-semantics.md sections 2 and 8).
 *
 * Build (tests/sched.rs does this):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -I<crate>/include sched_test.c -o sched_test \
 *       -L<dir of libtshost.so> -ltshost -Wl,-rpath,<that dir> -lpthread
 *
 * Prints "ok N - <what>" for every passed check and exits 0 at the end; stops at the first failed
 * check with "FAIL ..." and exit status 1. Every wait is bounded (a 60 s alarm is the last resort).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ts/ts.h>

static int checks;

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      printf("FAIL (%s:%d, `%s`): ", __FILE__, __LINE__, #cond);             \
      printf(__VA_ARGS__);                                                   \
      putchar('\n');                                                         \
      fflush(stdout);                                                        \
      exit(1);                                                               \
    }                                                                        \
    printf("ok %d - ", ++checks);                                            \
    printf(__VA_ARGS__);                                                     \
    putchar('\n');                                                           \
    fflush(stdout);                                                          \
  } while (0)

static int64_t
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until *v >= target, at most `ms` milliseconds. 1 if reached. */
static int
wait_for(atomic_int *v, int target, int ms)
{
  int64_t end = now_ms() + ms;
  while (atomic_load(v) < target) {
    if (now_ms() > end) {
      return 0;
    }
    usleep(1000);
  }
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* TSMutexLockTry from another thread (a pthread made a tshost thread with TSThreadInit, as ATS
 * requires for mutex use). Unlocks again if it got the mutex. */

struct trylock_arg {
  TSMutex m;
  TSReturnCode result;
};

static void *
trylock_thread(void *p)
{
  struct trylock_arg *a = p;
  TSThreadInit();
  a->result = TSMutexLockTry(a->m);
  if (a->result == TS_SUCCESS) {
    TSMutexUnlock(a->m);
  }
  return NULL;
}

static TSReturnCode
trylock_elsewhere(TSMutex m)
{
  pthread_t t;
  struct trylock_arg a = {m, (TSReturnCode)99};
  if (pthread_create(&t, NULL, trylock_thread, &a) != 0) {
    printf("FAIL: pthread_create\n");
    exit(1);
  }
  pthread_join(t, NULL);
  return a.result;
}

/* ------------------------------------------------------------------------------------------ */
/* A probe continuation: records what it was called with (its data is a struct probe). */

struct probe {
  atomic_int calls;
  atomic_int last_event;
  void *_Atomic last_edata;
  atomic_int self_nonnull;
  atomic_int mutex_held_elsewhere; /* 1: another thread's TSMutexLockTry failed during the call */
  atomic_int all_events_ok;        /* every call had event == expect_event and edata == expect_edata */
  _Atomic int64_t first_ms;
  int check_mutex;
  int ret;
  int expect_event;
  void *expect_edata;
};

static int
probe_handler(TSCont contp, TSEvent event, void *edata)
{
  struct probe *p = TSContDataGet(contp);
  if (p == NULL) {
    printf("FAIL: probe continuation called without data\n");
    exit(1);
  }
  atomic_store(&p->last_event, (int)event);
  atomic_store(&p->last_edata, edata);
  atomic_store(&p->self_nonnull, TSThreadSelf() != NULL);
  if (p->check_mutex) {
    atomic_store(&p->mutex_held_elsewhere, trylock_elsewhere(TSContMutexGet(contp)) == TS_ERROR);
  }
  if ((p->expect_event && (int)event != p->expect_event) || (p->expect_edata && edata != p->expect_edata)) {
    atomic_store(&p->all_events_ok, 0);
  }
  if (atomic_load(&p->calls) == 0) {
    atomic_store(&p->first_ms, now_ms());
  }
  atomic_fetch_add(&p->calls, 1); /* last: publishes the fields above */
  return p->ret;
}

static TSCont
probe_cont(struct probe *p, TSMutex m)
{
  memset(p, 0, sizeof(*p));
  atomic_store(&p->all_events_ok, 1);
  TSCont c = TSContCreate(probe_handler, m);
  if (c == NULL) {
    printf("FAIL: TSContCreate returned NULL\n");
    exit(1);
  }
  TSContDataSet(c, p);
  return c;
}

static void *
untag(TSAction a)
{
  return (void *)((uintptr_t)a & ~(uintptr_t)1);
}

/* ------------------------------------------------------------------------------------------ */

static void
test_version_and_names(void)
{
  CHECK(strcmp(TSTrafficServerVersionGet(), "9.2.9") == 0, "TSTrafficServerVersionGet() is \"9.2.9\" (got \"%s\")",
        TSTrafficServerVersionGet());
  CHECK(TSTrafficServerVersionGetMajor() == 9 && TSTrafficServerVersionGetMinor() == 2 && TSTrafficServerVersionGetPatch() == 9,
        "TSTrafficServerVersionGetMajor/Minor/Patch are 9/2/9 (got %d/%d/%d)", TSTrafficServerVersionGetMajor(),
        TSTrafficServerVersionGetMinor(), TSTrafficServerVersionGetPatch());
  const char *n = TSHttpEventNameLookup(TS_EVENT_CONTINUE);
  CHECK(n != NULL && strcmp(n, "unknown event") == 0, "TSHttpEventNameLookup(TS_EVENT_CONTINUE) is \"unknown event\" (got \"%s\")",
        n ? n : "(null)");
}

static void
test_memory(void)
{
  CHECK(TSmalloc(0) == NULL, "TSmalloc(0) is NULL");

  char *d = TSstrdup("hello world");
  CHECK(d != NULL && strcmp(d, "hello world") == 0, "TSstrdup copies the string");
  TSfree(d);

  d = TSstrndup("hello", 3);
  CHECK(d != NULL && strcmp(d, "hel") == 0, "TSstrndup(\"hello\", 3) stops at n: \"%s\"", d ? d : "(null)");
  TSfree(d);

  static const char with_nul[] = {'a', 'b', '\0', 'c', 'd', '\0'};
  d = TSstrndup(with_nul, 5);
  CHECK(d != NULL && strcmp(d, "ab") == 0, "TSstrndup stops at an embedded NUL: \"%s\"", d ? d : "(null)");
  TSfree(d);

  d = TSstrndup("xyz", 10);
  CHECK(d != NULL && strcmp(d, "xyz") == 0, "TSstrndup with n beyond the end copies the whole string");
  TSfree(d);

  CHECK(TSstrdup(NULL) == NULL, "TSstrdup(NULL) is NULL");
  TSfree(NULL);
  CHECK(1, "TSfree(NULL) is harmless");

  char *m = TSmalloc(64);
  CHECK(m != NULL, "TSmalloc(64) returns memory");
  memset(m, 'x', 64);
  m = TSrealloc(m, 4096);
  CHECK(m != NULL && m[63] == 'x', "TSrealloc keeps the contents");
  free(m); /* TSmalloc'ed memory goes back with libc free() */
  CHECK(1, "memory from TSmalloc is released with free()");

  m = malloc(32);
  strcpy(m, "from malloc");
  TSfree(m); /* and malloc'ed memory with TSfree */
  CHECK(1, "memory from malloc() is released with TSfree");

  char buf[8];
  size_t r = TSstrlcpy(buf, "hello world", sizeof(buf));
  CHECK(r == 11 && strcmp(buf, "hello w") == 0, "TSstrlcpy truncates, terminates and returns strlen(src) (r=%zu buf=\"%s\")",
        r, buf);
  r = TSstrlcpy(buf, "hi", sizeof(buf));
  CHECK(r == 2 && strcmp(buf, "hi") == 0, "TSstrlcpy copies a short string");
  memcpy(buf, "zzzz", 5);
  r = TSstrlcpy(buf, "abc", 0);
  CHECK(r == 3 && strcmp(buf, "zzzz") == 0, "TSstrlcpy with size 0 writes nothing and returns strlen(src)");

  strcpy(buf, "ab");
  r = TSstrlcat(buf, "cd", sizeof(buf));
  CHECK(r == 4 && strcmp(buf, "abcd") == 0, "TSstrlcat appends (r=%zu buf=\"%s\")", r, buf);
  r = TSstrlcat(buf, "efghij", sizeof(buf));
  CHECK(r == 10 && strcmp(buf, "abcdefg") == 0, "TSstrlcat truncates and returns the length it tried to create (r=%zu buf=\"%s\")",
        r, buf);
  strcpy(buf, "abcdef");
  r = TSstrlcat(buf, "xyz", 3);
  CHECK(r == 6 && strcmp(buf, "abcdef") == 0, "TSstrlcat with size <= strlen(dst) returns size + strlen(src) (r=%zu)", r);
}

static void
test_stats(void)
{
  int id = TSStatCreate("sched_test.counter", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  CHECK(id == 0, "the first TSStatCreate returns id 0 (got %d)", id);
  int id2 = TSStatCreate("sched_test.other", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_COUNT);
  CHECK(id2 == 1, "the second TSStatCreate returns id 1 (got %d)", id2);
  CHECK(TSStatIntGet(id) == 0, "a new stat is 0");
  TSStatIntIncrement(id, 5);
  TSStatIntDecrement(id, 2);
  CHECK(TSStatIntGet(id) == 3, "increment 5, decrement 2 gives 3 (got %lld)", (long long)TSStatIntGet(id));
  TSStatIntSet(id, 42);
  CHECK(TSStatIntGet(id) == 42, "TSStatIntSet(42) then TSStatIntGet is 42 (got %lld)", (long long)TSStatIntGet(id));
  int found = -7;
  CHECK(TSStatFindName("sched_test.counter", &found) == TS_SUCCESS && found == id, "TSStatFindName finds the stat (id %d)",
        found);
  found = -7;
  CHECK(TSStatFindName("sched_test.no_such_stat", &found) == TS_ERROR && found == -7,
        "TSStatFindName of an unknown name is TS_ERROR and leaves the id alone");
  int dup = TSStatCreate("sched_test.counter", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  CHECK(dup == TS_ERROR, "creating the same stat name twice returns TS_ERROR (got %d)", dup);
  TSStatIntIncrement(9999, 1);
  TSStatIntDecrement(-3, 1);
  TSStatIntSet(12345, 1);
  (void)TSStatIntGet(-1);
  CHECK(TSStatIntGet(id) == 42, "bad stat ids do not crash and do not touch other stats");
}

/* ------------------------------------------------------------------------------------------ */

struct self_arg {
  TSThread before, init, after;
};

static void *
plain_thread(void *p)
{
  struct self_arg *a = p;
  a->before = TSThreadSelf();
  a->init = TSThreadInit();
  a->after = TSThreadSelf();
  return NULL;
}

static void
test_thread_init(void)
{
  struct self_arg a = {(TSThread)1, NULL, NULL};
  pthread_t t;
  CHECK(pthread_create(&t, NULL, plain_thread, &a) == 0, "pthread_create");
  pthread_join(t, NULL);
  CHECK(a.before == NULL, "TSThreadSelf() is NULL on a plain pthread");
  CHECK(a.init != NULL && a.after == a.init, "TSThreadInit on a plain pthread makes TSThreadSelf() return it");

  /* The main thread becomes a tshost thread too (ATS requires an EThread for TSContSchedule). */
  TSThread me = TSThreadInit();
  CHECK(me != NULL && TSThreadSelf() == me, "TSThreadInit on the main thread");
}

static atomic_int thr_done;
static TSThread _Atomic thr_self;

static void *
thread_func(void *data)
{
  atomic_store(&thr_self, TSThreadSelf());
  usleep(100 * 1000);
  *(int *)data = 7;
  atomic_store(&thr_done, 1);
  return NULL;
}

static void
test_thread_create(void)
{
  static int value;
  TSThread t = TSThreadCreate(thread_func, &value);
  CHECK(t != NULL, "TSThreadCreate returns a thread");
  TSThreadWait(t);
  CHECK(atomic_load(&thr_done) == 1 && value == 7, "TSThreadWait returns after the thread function returned");
  CHECK(atomic_load(&thr_self) == t, "TSThreadSelf() inside the thread is the TSThread TSThreadCreate returned");
  TSThreadDestroy(t);
  CHECK(1, "TSThreadDestroy after TSThreadWait");
}

/* ------------------------------------------------------------------------------------------ */

static void
test_cont_and_mutex(void)
{
  static struct probe p;
  TSMutex m = TSMutexCreate();
  CHECK(m != NULL, "TSMutexCreate");
  TSCont c = probe_cont(&p, m);
  CHECK(TSContDataGet(c) == &p, "TSContDataSet/TSContDataGet round-trip");
  int x = 5;
  TSContDataSet(c, &x);
  CHECK(TSContDataGet(c) == &x, "TSContDataSet replaces the data");
  TSContDataSet(c, &p);
  CHECK(TSContMutexGet(c) == m, "TSContMutexGet returns the mutex given to TSContCreate");

  /* Recursive locking on one thread, exclusion of others. */
  TSMutexLock(m);
  TSMutexLock(m);
  CHECK(trylock_elsewhere(m) == TS_ERROR, "TSMutexLockTry from another thread while the mutex is held is TS_ERROR");
  CHECK(TSMutexLockTry(m) == TS_SUCCESS, "recursive TSMutexLockTry on the holding thread is TS_SUCCESS");
  TSMutexUnlock(m);
  TSMutexUnlock(m);
  CHECK(trylock_elsewhere(m) == TS_ERROR, "after 3 locks and 2 unlocks the mutex is still held");
  TSMutexUnlock(m);
  CHECK(trylock_elsewhere(m) == TS_SUCCESS, "TSMutexLock x2 (+LockTry) then as many unlocks leaves the mutex free");
  TSMutexUnlock(m); /* unlocking a free mutex is a no-op */
  CHECK(trylock_elsewhere(m) == TS_SUCCESS, "unlocking a free mutex is harmless");

  /* TSContCall. */
  p.check_mutex = 1;
  p.ret = 4242;
  int edata_obj;
  int r = TSContCall(c, (TSEvent)12345, &edata_obj);
  CHECK(r == 4242, "TSContCall returns the handler's value (got %d)", r);
  CHECK(atomic_load(&p.calls) == 1 && atomic_load(&p.last_event) == 12345 && atomic_load(&p.last_edata) == &edata_obj,
        "TSContCall passes event and edata synchronously");
  CHECK(atomic_load(&p.mutex_held_elsewhere) == 1, "TSContCall holds the continuation's mutex during the call");
  CHECK(trylock_elsewhere(m) == TS_SUCCESS, "TSContCall releases the mutex afterwards");

  /* A continuation without a mutex can be called, not scheduled. */
  static struct probe q;
  TSCont nm = probe_cont(&q, NULL);
  q.ret = 17;
  CHECK(TSContCall(nm, TS_EVENT_IMMEDIATE, NULL) == 17, "TSContCall on a continuation without a mutex");
  CHECK(TSContMutexGet(nm) == NULL, "TSContMutexGet of a continuation without a mutex is NULL");
  TSAction a = TSContSchedule(nm, 0);
  CHECK(a == NULL, "TSContSchedule on a continuation without a mutex returns NULL");
  a = TSContScheduleOnPool(nm, 10, TS_THREAD_POOL_NET);
  CHECK(a == NULL, "TSContScheduleOnPool on a continuation without a mutex returns NULL");
  a = TSContScheduleEvery(nm, 10);
  CHECK(a == NULL, "TSContScheduleEvery on a continuation without a mutex returns NULL");
  usleep(100 * 1000);
  CHECK(atomic_load(&q.calls) == 1, "...and nothing is delivered to it");
  TSContDestroy(nm);
  TSContDestroy(c);
}

static void
test_schedule_immediate(void)
{
  static struct probe p;
  TSMutex m = TSMutexCreate();
  TSCont c = probe_cont(&p, m);
  p.check_mutex = 1;
  TSAction a = TSContSchedule(c, 0);
  CHECK(a != NULL, "TSContSchedule(c, 0) returns an action");
  CHECK(((uintptr_t)a & 1) == 1, "the action has bit 0 set");
  CHECK(TSActionDone(a) == 0, "TSActionDone(action) is 0");
  CHECK(wait_for(&p.calls, 1, 2000), "TSContSchedule(c, 0) delivers");
  CHECK(atomic_load(&p.last_event) == TS_EVENT_IMMEDIATE, "the event is TS_EVENT_IMMEDIATE (got %d)", atomic_load(&p.last_event));
  CHECK(atomic_load(&p.last_edata) == untag(a), "edata is the action with bit 0 cleared (edata %p, action %p)",
        atomic_load(&p.last_edata), (void *)a);
  CHECK(atomic_load(&p.self_nonnull) == 1, "TSThreadSelf() is not NULL in a scheduled callback");
  CHECK(atomic_load(&p.mutex_held_elsewhere) == 1, "the continuation's mutex is held during a scheduled callback");
  usleep(50 * 1000);
  CHECK(atomic_load(&p.calls) == 1, "a one-shot event is delivered once");
  CHECK(trylock_elsewhere(m) == TS_SUCCESS, "the mutex is released after the scheduled callback");
  /* The event has fired: cancelling its action must be harmless. */
  TSActionCancel(a);
  usleep(20 * 1000);
  CHECK(atomic_load(&p.calls) == 1, "TSActionCancel on an action whose event already fired is harmless");
  TSActionCancel(NULL);
  CHECK(1, "TSActionCancel(NULL) is a no-op");
  TSContDestroy(c);
}

static void
test_schedule_timeout(void)
{
  static struct probe p;
  TSCont c = probe_cont(&p, TSMutexCreate());
  int64_t t0 = now_ms();
  TSAction a = TSContSchedule(c, 50);
  CHECK(a != NULL, "TSContSchedule(c, 50) returns an action");
  CHECK(wait_for(&p.calls, 1, 2000), "TSContSchedule(c, 50) delivers");
  int64_t waited = atomic_load(&p.first_ms) - t0;
  CHECK(waited >= 50, "the event comes after >= 50 ms (%lld ms)", (long long)waited);
  CHECK(atomic_load(&p.last_event) == TS_EVENT_TIMEOUT, "a delayed event is TS_EVENT_TIMEOUT (got %d)", atomic_load(&p.last_event));
  CHECK(atomic_load(&p.last_edata) == untag(a), "edata is the action with bit 0 cleared");
  TSContDestroy(c);
}

static void
test_schedule_on_pool(void)
{
  static struct probe p, q;
  TSCont c = probe_cont(&p, TSMutexCreate());
  TSAction a = TSContScheduleOnPool(c, 0, TS_THREAD_POOL_TASK);
  CHECK(a != NULL, "TSContScheduleOnPool(c, 0, TS_THREAD_POOL_TASK) returns an action");
  CHECK(wait_for(&p.calls, 1, 2000), "TSContScheduleOnPool(TASK) runs the continuation");
  CHECK(atomic_load(&p.last_event) == TS_EVENT_IMMEDIATE && atomic_load(&p.self_nonnull) == 1,
        "on the TASK pool: TS_EVENT_IMMEDIATE, on a tshost thread");

  TSCont d = probe_cont(&q, TSMutexCreate());
  a = TSContScheduleOnPool(d, 20, TS_THREAD_POOL_NET);
  CHECK(a != NULL && wait_for(&q.calls, 1, 2000), "TSContScheduleOnPool(c, 20, TS_THREAD_POOL_NET) runs the continuation");
  CHECK(atomic_load(&q.last_event) == TS_EVENT_TIMEOUT, "on the NET pool after 20 ms: TS_EVENT_TIMEOUT");
  TSContDestroy(c);
  TSContDestroy(d);
}

static void
test_schedule_every(void)
{
  static struct probe p;
  TSMutex m = TSMutexCreate();
  TSCont c = probe_cont(&p, m);
  int64_t t0 = now_ms();
  TSAction a = TSContScheduleEvery(c, 20);
  CHECK(a != NULL, "TSContScheduleEvery(c, 20) returns an action");
  p.expect_event = TS_EVENT_TIMEOUT;
  p.expect_edata = untag(a);
  CHECK(wait_for(&p.calls, 3, 2000), "TSContScheduleEvery(c, 20) fires repeatedly (%d calls)", atomic_load(&p.calls));
  int64_t took = now_ms() - t0;
  CHECK(took >= 55, "3 periodic deliveries every 20 ms take >= 60 ms (took %lld ms)", (long long)took);
  CHECK(atomic_load(&p.all_events_ok) == 1, "every periodic delivery is TS_EVENT_TIMEOUT with the same edata");
  /* Cancel with the mutex held, so no callback is in progress (as ATS plugins do). */
  TSMutexLock(m);
  TSActionCancel(a);
  int n = atomic_load(&p.calls);
  TSMutexUnlock(m);
  usleep(150 * 1000);
  CHECK(atomic_load(&p.calls) == n, "TSActionCancel stops a periodic event (%d calls at cancel, %d now)", n,
        atomic_load(&p.calls));
  TSContDestroy(c);
}

static void
test_cancel_before_delivery(void)
{
  static struct probe p, q;
  TSCont c = probe_cont(&p, TSMutexCreate());
  TSAction a = TSContSchedule(c, 100);
  CHECK(a != NULL, "TSContSchedule(c, 100)");
  TSActionCancel(a);
  TSCont d = probe_cont(&q, TSMutexCreate());
  TSAction b = TSContScheduleOnPool(d, 30, TS_THREAD_POOL_TASK);
  TSActionCancel(b);
  usleep(300 * 1000);
  CHECK(atomic_load(&p.calls) == 0 && atomic_load(&q.calls) == 0, "TSActionCancel before delivery prevents delivery");
  TSContDestroy(c);
  TSContDestroy(d);
}

static atomic_int destroyed_calls;

static int
destroyed_handler(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  (void)edata;
  atomic_fetch_add(&destroyed_calls, 1);
  return 0;
}

static void
test_destroy_pending(void)
{
  TSCont c = TSContCreate(destroyed_handler, TSMutexCreate());
  TSAction a = TSContSchedule(c, 100);
  TSAction b = TSContScheduleEvery(c, 30);
  TSCont d = TSContCreate(destroyed_handler, TSMutexCreate());
  TSAction e = TSContScheduleOnPool(d, 50, TS_THREAD_POOL_TASK);
  CHECK(a != NULL && b != NULL && e != NULL, "scheduled three events");
  TSContDestroy(c);
  TSContDestroy(d);
  usleep(300 * 1000);
  CHECK(atomic_load(&destroyed_calls) == 0, "after TSContDestroy pending scheduled events are never delivered (%d calls)",
        atomic_load(&destroyed_calls));
  TSActionCancel(a); /* the event was swallowed: cancelling it now must be harmless too */
  CHECK(1, "TSActionCancel of a swallowed event is harmless");
}

static void
test_bad_arguments(void)
{
  CHECK(TSContDataGet(NULL) == NULL, "TSContDataGet(NULL) returns NULL");
  TSContDataSet(NULL, &checks);
  CHECK(1, "TSContDataSet(NULL, ...) survives");
  CHECK(TSContCall((TSCont)0x1234, TS_EVENT_IMMEDIATE, NULL) == 0, "TSContCall((TSCont)0x1234, ...) returns 0");
  CHECK(TSContDataGet((TSCont)0x1234) == NULL, "TSContDataGet((TSCont)0x1234) returns NULL");
  CHECK(TSContMutexGet(NULL) == NULL, "TSContMutexGet(NULL) returns NULL");
  CHECK(TSContSchedule(NULL, 0) == NULL, "TSContSchedule(NULL, 0) returns NULL");
  CHECK(TSContSchedule((TSCont)0x1234, 0) == NULL, "TSContSchedule((TSCont)0x1234, 0) returns NULL");
  TSContDestroy(NULL);
  TSContDestroy((TSCont)0x1234);
  CHECK(1, "TSContDestroy(NULL) and of a garbage pointer survive");

  static struct probe p;
  TSCont c = probe_cont(&p, TSMutexCreate());
  TSAction a = TSContScheduleOnPool(c, 0, (TSThreadPool)99);
  CHECK(a == NULL, "TSContScheduleOnPool with unknown TSThreadPool 99 returns NULL");
  a = TSContScheduleEveryOnPool(c, 10, (TSThreadPool)99);
  CHECK(a == NULL, "TSContScheduleEveryOnPool with unknown TSThreadPool 99 returns NULL");
  a = TSContSchedule(c, -5);
  CHECK(a == NULL, "TSContSchedule with a negative timeout returns NULL");
  usleep(50 * 1000);
  CHECK(atomic_load(&p.calls) == 0, "...and nothing is delivered");

  TSMutexLock(NULL);
  TSMutexUnlock(NULL);
  CHECK(TSMutexLockTry(NULL) == TS_ERROR, "TSMutexLock/Unlock(NULL) survive, TSMutexLockTry(NULL) is TS_ERROR");
  TSMutexLock((TSMutex)0x1234);
  CHECK(TSMutexLockTry((TSMutex)0x1234) == TS_ERROR, "a garbage TSMutex is refused");
  TSActionCancel((TSAction)0x1235);
  CHECK(1, "TSActionCancel of a garbage action survives");
  TSThreadWait(NULL);
  TSThreadDestroy(NULL);
  CHECK(1, "TSThreadWait(NULL) and TSThreadDestroy(NULL) survive");
  CHECK(TSThreadCreate(NULL, NULL) == NULL, "TSThreadCreate(NULL, ...) returns NULL");
  TSContDestroy(c);
}

int
main(void)
{
  alarm(60); /* the last resort against a hang */
  setvbuf(stdout, NULL, _IOLBF, 0);

  test_version_and_names();
  test_memory();

  /* TShrtime (experimental.h): nanoseconds of the wall clock, as ATS's ink_get_hrtime. */
  {
    TSHRTime h   = TShrtime();
    int64_t wall = (int64_t)time(NULL) * 1000000000LL;
    CHECK(h > wall - 2000000000LL && h < wall + 2000000000LL, "TShrtime is the wall clock in ns");
    CHECK(TShrtime() >= h, "TShrtime does not go back between two calls");
  }
  test_stats();
  test_thread_init();
  test_thread_create();
  test_cont_and_mutex();
  test_schedule_immediate();
  test_schedule_timeout();
  test_schedule_on_pool();
  test_schedule_every();
  test_cancel_before_delivery();
  test_destroy_pending();
  test_bad_arguments();

  printf("all %d checks passed\n", checks);
  return 0;
}

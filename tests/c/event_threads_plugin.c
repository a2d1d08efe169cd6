/* Event threads (tests/event_threads.rs): TSEventThreadSelf, TSContScheduleOnThread, thread
 * affinity and TSHttpSchedule. Every result is a line on stderr: "event_threads: NAME ok" or
 * "event_threads: NAME FAIL ...". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ts/ts.h>

static void __attribute__((format(printf, 3, 4)))
CHECK(const char *name, int cond, const char *fmt, ...)
{
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof(why), fmt, ap);
  va_end(ap);
  fprintf(stderr, cond ? "event_threads: %s ok\n" : "event_threads: %s FAIL %s\n", name, why);
}

static TSEventThread task_thread, hook_thread;
static int on_thread_runs;
static struct timespec scheduled_at;

static long
ms_since(const struct timespec *t)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Scheduled twice on the TASK thread that ran TASK_THREADS_READY. */
static int
on_thread(TSCont contp, TSEvent event, void *edata)
{
  (void)contp, (void)edata;
  TSEventThread self = TSEventThreadSelf();
  on_thread_runs++;
  CHECK(on_thread_runs == 1 ? "on_thread_first" : "on_thread_second", self == task_thread && event == TS_EVENT_IMMEDIATE,
        "(self %p, task thread %p, event %d)", (void *)self, (void *)task_thread, event);
  return 0;
}

/* Its affinity is the TASK thread; TSContSchedule sends it there. */
static int
affine(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  CHECK("affinity_honoured", TSEventThreadSelf() == task_thread && event == TS_EVENT_TIMEOUT, "(self %p, task thread %p)",
        (void *)TSEventThreadSelf(), (void *)task_thread);
  CHECK("affinity_get", TSContThreadAffinityGet(contp) == task_thread, "(%p)", (void *)TSContThreadAffinityGet(contp));
  TSContThreadAffinityClear(contp);
  CHECK("affinity_clear", TSContThreadAffinityGet(contp) == NULL, "(%p)", (void *)TSContThreadAffinityGet(contp));
  return 0;
}

static void *
plain_thread(void *arg)
{
  (void)arg;
  CHECK("plain_thread_is_no_event_thread", TSEventThreadSelf() == NULL, "(%p)", (void *)TSEventThreadSelf());
  return NULL;
}

static int
task_threads_ready(TSCont contp, TSEvent event, void *edata)
{
  (void)contp, (void)event, (void)edata;
  task_thread = TSEventThreadSelf();
  CHECK("task_thread_self", task_thread != NULL && (void *)task_thread == (void *)TSThreadSelf(), "(%p, %p)",
        (void *)task_thread, (void *)TSThreadSelf());
  TSCont c = TSContCreate(on_thread, TSMutexCreate());
  CHECK("schedule_on_thread", TSContScheduleOnThread(c, 0, task_thread) != NULL, "%s", "");
  TSContScheduleOnThread(c, 0, task_thread);
  CHECK("on_thread_sets_affinity", TSContThreadAffinityGet(c) == task_thread, "(%p)", (void *)TSContThreadAffinityGet(c));

  TSCont a = TSContCreate(affine, TSMutexCreate());
  CHECK("affinity_set", TSContThreadAffinitySet(a, task_thread) == TS_SUCCESS, "%s", "");
  CHECK("affinity_set_null", TSContThreadAffinitySet(a, NULL) == TS_ERROR, "%s", "");
  CHECK("affinity_set_unknown", TSContThreadAffinitySet(a, (TSEventThread)&task_thread) == TS_ERROR, "%s", "");
  CHECK("on_unknown_thread", TSContScheduleOnThread(a, 0, (TSEventThread)&task_thread) == NULL, "%s", "");
  TSContSchedule(a, 20);

  TSThreadWait(TSThreadCreate(plain_thread, NULL));
  return 0;
}

/* Scheduled from the hook on the hook's own (network) thread. */
static int
on_hook_thread(TSCont contp, TSEvent event, void *edata)
{
  (void)edata, (void)event;
  CHECK("on_network_thread", TSEventThreadSelf() == hook_thread, "(self %p, hook thread %p)", (void *)TSEventThreadSelf(),
        (void *)hook_thread);
  TSContDestroy(contp);
  return 0;
}

/* TSHttpSchedule's continuation: the transaction goes on when it reenables. */
static int
scheduled_txn(TSCont contp, TSEvent event, void *edata)
{
  long waited = ms_since(&scheduled_at);
  CHECK("http_schedule", event == TS_EVENT_TIMEOUT && waited >= 200, "(event %d, waited %ld ms)", event, waited);
  CHECK("http_schedule_edata", edata == TSContDataGet(contp), "(%p)", edata);
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer buf;
  TSMLoc hdr;
  if (TSHttpTxnClientReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
    TSMLoc f;
    TSMimeHdrFieldCreateNamed(buf, hdr, "X-Scheduled", 11, &f);
    TSMimeHdrFieldValueStringSet(buf, hdr, f, -1, "yes", 3);
    TSMimeHdrFieldAppend(buf, hdr, f);
    TSHandleMLocRelease(buf, hdr, f);
    TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
  }
  TSContDestroy(contp);
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

static int
read_request(TSCont contp, TSEvent event, void *edata)
{
  (void)contp, (void)event;
  TSHttpTxn txn = (TSHttpTxn)edata;
  hook_thread   = TSEventThreadSelf();
  CHECK("hook_thread_self", hook_thread != NULL, "%s", "");
  TSContScheduleOnThread(TSContCreate(on_hook_thread, TSMutexCreate()), 0, hook_thread);
  CHECK("http_schedule_bad_txn", TSHttpSchedule(TSContCreate(scheduled_txn, TSMutexCreate()), NULL, 0) == NULL, "%s", "");
  TSCont s = TSContCreate(scheduled_txn, TSMutexCreate());
  TSContDataSet(s, txn);
  clock_gettime(CLOCK_MONOTONIC, &scheduled_at);
  CHECK("http_schedule_action", TSHttpSchedule(s, txn, 200) != NULL, "%s", "");
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc, (void)argv;
  TSPluginRegistrationInfo info = {"event_threads", "tshost", "none"};
  TSPluginRegister(&info);
  CHECK("init_is_no_event_thread", TSEventThreadSelf() == NULL, "(%p)", (void *)TSEventThreadSelf());
  TSLifecycleHookAdd(TS_LIFECYCLE_TASK_THREADS_READY_HOOK, TSContCreate(task_threads_ready, TSMutexCreate()));
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(read_request, NULL));
}

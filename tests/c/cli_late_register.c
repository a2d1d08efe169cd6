/*
 * cli_late_register.c - test plugin for tests/cli.rs: TSPluginRegister outside TSPluginInit.
 *
 * plugin.config: <path>/cli_late_register.so <output-file>
 *
 * TSPluginInit calls TSPluginRegister (must be TS_SUCCESS) and arranges three later calls, each
 * made after TSPluginInit has returned: from a continuation scheduled on the NET pool, from a
 * TSThreadCreate thread and from a plain pthread. Each appends "<where>=<result>" to the output
 * file: init=0, then event=-1, thread=-1 and pthread=-1 are expected (TS_ERROR outside init).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ts/ts.h>

static char *out_path;
static atomic_int init_returned;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static TSPluginRegistrationInfo info = {"cli_late_register", "tshost tests", "tests@tshost.invalid"};

static void
record(const char *where, TSReturnCode r)
{
  pthread_mutex_lock(&out_lock);
  FILE *f = fopen(out_path, "a");
  if (f != NULL) {
    fprintf(f, "%s=%d\n", where, (int)r);
    fclose(f);
  }
  pthread_mutex_unlock(&out_lock);
}

/* Wait (at most 2 s) until TSPluginInit has set its flag, then a little more so it has returned. */
static void
wait_for_init_return(void)
{
  for (int i = 0; i < 2000 && !atomic_load(&init_returned); ++i) {
    usleep(1000);
  }
  usleep(100 * 1000);
}

static int
late_event(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  (void)edata;
  wait_for_init_return();
  record("event", TSPluginRegister(&info));
  return 0;
}

static void *
late_thread(void *data)
{
  wait_for_init_return();
  record((const char *)data, TSPluginRegister(&info));
  return NULL;
}

void
TSPluginInit(int argc, const char *argv[])
{
  pthread_t t;
  if (argc < 2) {
    TSError("cli_late_register: usage: cli_late_register.so <output-file>");
    return;
  }
  out_path = strdup(argv[1]);
  record("init", TSPluginRegister(&info));
  TSContScheduleOnPool(TSContCreate(late_event, TSMutexCreate()), 100, TS_THREAD_POOL_NET);
  TSThreadCreate(late_thread, "thread");
  if (pthread_create(&t, NULL, late_thread, "pthread") == 0) {
    pthread_detach(t);
  }
  atomic_store(&init_returned, 1);
}

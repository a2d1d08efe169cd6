/* tests/c/vconn_timeout_test.c: TSVConnActiveTimeoutSet/Cancel and TSVConnInactivityTimeoutSet/
 * Cancel on a plugin's VConnection, over libtshost (tests/vconn_io.rs). A VConnection that never
 * moves data is read from; its read VIO's continuation records the timeout events it gets and
 * their edata. Exits 0 when every check held, else prints the failed one and exits 1. Every wait
 * is bounded. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ts/ts.h>

#define CHECK(c)                                                   \
  do {                                                             \
    if (!(c)) {                                                    \
      printf("FAIL (line %d): %s\n", __LINE__, #c);                \
      fflush(stdout);                                              \
      exit(1);                                                     \
    }                                                              \
  } while (0)

static atomic_int active, inactive, other;
static _Atomic(void *) last_edata;

static int
idle_vconn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  (void)edata;
  return 0;
}

static int
reader(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  atomic_store(&last_edata, edata);
  if (event == TS_EVENT_VCONN_ACTIVE_TIMEOUT) {
    atomic_fetch_add(&active, 1);
  } else if (event == TS_EVENT_VCONN_INACTIVITY_TIMEOUT) {
    atomic_fetch_add(&inactive, 1);
  } else {
    atomic_fetch_add(&other, 1);
  }
  return 0;
}

static int
wait_for(atomic_int *v, int target)
{
  for (int i = 0; i < 5000; i++) {
    if (atomic_load(v) >= target) {
      return 1;
    }
    usleep(1000);
  }
  return 0;
}

int
main(void)
{
  alarm(60);
  TSVConn vc = TSVConnCreate(idle_vconn, TSMutexCreate());
  TSCont rd  = TSContCreate(reader, TSMutexCreate());
  TSIOBuffer buf = TSIOBufferCreate();
  TSVIO vio = TSVConnRead(vc, rd, buf, 100);
  CHECK(vio != NULL);

  /* Active: fires once, with the read VIO, 50 ms on. */
  TSVConnActiveTimeoutSet(vc, 50 * 1000000LL);
  CHECK(wait_for(&active, 1));
  CHECK(atomic_load(&last_edata) == (void *)vio);
  usleep(150000);
  CHECK(atomic_load(&active) == 1);

  /* Cancelled, or replaced by a later setting: nothing. */
  TSVConnActiveTimeoutSet(vc, 50 * 1000000LL);
  TSVConnActiveTimeoutCancel(vc);
  TSVConnActiveTimeoutSet(vc, 60 * 1000000LL);
  TSVConnActiveTimeoutSet(vc, 0);
  usleep(200000);
  CHECK(atomic_load(&active) == 1);

  /* Inactivity: I/O (TSVIOReenable) every 20 ms keeps it off; once it stops, it fires once. */
  TSVConnInactivityTimeoutSet(vc, 80 * 1000000LL);
  for (int i = 0; i < 10; i++) {
    usleep(20000);
    TSVIOReenable(vio);
  }
  CHECK(atomic_load(&inactive) == 0);
  CHECK(wait_for(&inactive, 1));
  usleep(200000);
  CHECK(atomic_load(&inactive) == 1);

  TSVConnInactivityTimeoutSet(vc, 50 * 1000000LL);
  TSVConnInactivityTimeoutCancel(vc);
  usleep(150000);
  CHECK(atomic_load(&inactive) == 1);

  /* Closed: nothing any more. */
  TSVConnActiveTimeoutSet(vc, 20 * 1000000LL);
  TSVConnClose(vc);
  usleep(150000);
  CHECK(atomic_load(&active) == 1);
  CHECK(atomic_load(&other) == 0);

  /* Bad handles are refused without a crash. */
  TSVConnActiveTimeoutSet(NULL, 1);
  TSVConnInactivityTimeoutCancel((TSVConn)0x1234);
  printf("all passed\n");
  return 0;
}

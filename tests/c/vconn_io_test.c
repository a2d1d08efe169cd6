/* tests/c/vconn_io_test.c: a plugin's own VConnection (TSVConnCreate) and its VIOs, called in this
 * process over libtshost (tests/vconn_io.rs). The VConnection is a pass-through, written as ATS's
 * null_transform example is: woken with TS_EVENT_IMMEDIATE, it moves what its write VIO's reader
 * has into its read VIO's buffer and tells both VIOs' continuations (WRITE_READY/READ_READY, then
 * WRITE_COMPLETE/READ_COMPLETE), and destroys itself once closed. Exits 0 when every check held,
 * else prints the failed one and exits 1. Every wait is bounded. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static atomic_int write_ready, write_complete, read_ready, read_complete, closed_seen, closed_value,
  immediates;

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

static int
pass_through(TSCont contp, TSEvent event, void *edata)
{
  (void)edata;
  if (event != TS_EVENT_IMMEDIATE) {
    return 0;
  }
  atomic_fetch_add(&immediates, 1);
  int closed = TSVConnClosedGet(contp);
  if (closed) {
    atomic_store(&closed_value, closed);
    atomic_fetch_add(&closed_seen, 1);
    TSContDestroy(contp);
    return 0;
  }
  TSVIO in  = TSVConnWriteVIOGet(contp);
  TSVIO out = TSVConnReadVIOGet(contp);
  TSIOBufferReader r = TSVIOReaderGet(in);
  TSIOBuffer ob      = TSVIOBufferGet(out);
  if (!r || !ob) {
    return 0;
  }
  int64_t n = TSVIONTodoGet(in);
  if (n > TSIOBufferReaderAvail(r)) {
    n = TSIOBufferReaderAvail(r);
  }
  if (n > 0) {
    TSIOBufferCopy(ob, r, n, 0);
    TSIOBufferReaderConsume(r, n);
    TSVIONDoneSet(in, TSVIONDoneGet(in) + n);
    TSVIONDoneSet(out, TSVIONDoneGet(out) + n);
  }
  if (TSVIONTodoGet(in) > 0) {
    if (n > 0) {
      TSContCall(TSVIOContGet(in), TS_EVENT_VCONN_WRITE_READY, in);
      TSContCall(TSVIOContGet(out), TS_EVENT_VCONN_READ_READY, out);
    }
  } else {
    TSContCall(TSVIOContGet(in), TS_EVENT_VCONN_WRITE_COMPLETE, in);
    TSContCall(TSVIOContGet(out), TS_EVENT_VCONN_READ_COMPLETE, out);
  }
  return 0;
}

static int
user(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)edata;
  switch (event) {
  case TS_EVENT_VCONN_WRITE_READY:
    atomic_fetch_add(&write_ready, 1);
    break;
  case TS_EVENT_VCONN_WRITE_COMPLETE:
    atomic_fetch_add(&write_complete, 1);
    break;
  case TS_EVENT_VCONN_READ_READY:
    atomic_fetch_add(&read_ready, 1);
    break;
  case TS_EVENT_VCONN_READ_COMPLETE:
    atomic_fetch_add(&read_complete, 1);
    break;
  default:
    break;
  }
  return 0;
}

int
main(void)
{
  alarm(60);
  static char data[10000], got[10000];
  for (int i = 0; i < (int)sizeof(data); i++) {
    data[i] = (char)(i * 13);
  }
  TSMutex um = TSMutexCreate();
  TSCont u   = TSContCreate(user, um);
  TSVConn vc = TSVConnCreate(pass_through, NULL);
  CHECK(vc != NULL && u != NULL);
  int marker = 7;
  TSContDataSet((TSCont)vc, &marker);
  CHECK(TSContDataGet((TSCont)vc) == &marker);
  CHECK(TSVConnClosedGet(vc) == 0);
  TSVIO rv0 = TSVConnReadVIOGet(vc);
  CHECK(rv0 != NULL && TSVIOContGet(rv0) == NULL && TSVIOVConnGet(rv0) == vc);
  CHECK(TSVIOBufferGet(rv0) == NULL && TSVIONBytesGet(rv0) == 0);

  TSIOBuffer in = TSIOBufferCreate(), out = TSIOBufferCreate();
  TSIOBufferReader in_r = TSIOBufferReaderAlloc(in), out_r = TSIOBufferReaderAlloc(out);

  /* Read from it: the read VIO names the buffer, the continuation, its mutex. */
  TSVIO rv = TSVConnRead(vc, u, out, sizeof(data));
  CHECK(rv == rv0 && TSVIOBufferGet(rv) == out && TSVIONBytesGet(rv) == (int64_t)sizeof(data));
  CHECK(TSVIOContGet(rv) == u && TSVIOMutexGet(rv) == um && TSVIONDoneGet(rv) == 0);

  /* Write 6000 of 10000: the VConnection is woken (its reader has data), moves them, says READY. */
  TSIOBufferWrite(in, data, 6000);
  TSVIO wv = TSVConnWrite(vc, u, in_r, sizeof(data));
  CHECK(wv == TSVConnWriteVIOGet(vc) && TSVIOReaderGet(wv) == in_r && TSVIOBufferGet(wv) == in);
  CHECK(wait_for(&write_ready, 1) && wait_for(&read_ready, 1));
  CHECK(TSIOBufferReaderAvail(out_r) == 6000);
  CHECK(TSVIONDoneGet(wv) == 6000 && TSVIONTodoGet(wv) == 4000);
  CHECK(atomic_load(&write_complete) == 0);

  /* The rest, and a reenable of the write VIO: COMPLETE both ways. */
  TSIOBufferWrite(in, data + 6000, 4000);
  TSVIOReenable(wv);
  CHECK(wait_for(&write_complete, 1) && wait_for(&read_complete, 1));
  CHECK(TSIOBufferReaderAvail(out_r) == (int64_t)sizeof(data));
  CHECK(TSIOBufferReaderCopy(out_r, got, sizeof(got)) == (int64_t)sizeof(got));
  CHECK(memcmp(got, data, sizeof(data)) == 0);
  CHECK(TSVIONTodoGet(rv) == 0);

  /* Close: the VConnection sees 1 and destroys itself; its handle and VIOs are dead then. */
  TSVConnClose(vc);
  CHECK(wait_for(&closed_seen, 1) && atomic_load(&closed_value) == 1);
  usleep(20000);
  CHECK(TSVConnClosedGet(vc) == -1);
  CHECK(TSVIONBytesGet(rv) == -1);

  /* Abort: -1 (TS_VC_CLOSE_ABORT). */
  TSVConn vc2 = TSVConnCreate(pass_through, TSMutexCreate());
  TSVConnAbort(vc2, 5);
  CHECK(wait_for(&closed_seen, 2) && atomic_load(&closed_value) == -1);

  /* Shutdown of the read side: the read VIO names no buffer any more. */
  TSVConn vc3 = TSVConnCreate(pass_through, NULL);
  TSVIO rv3   = TSVConnRead(vc3, u, out, 10);
  TSVConnShutdown(vc3, 1, 0);
  CHECK(TSVIOBufferGet(rv3) == NULL);
  int seen = atomic_load(&immediates);
  TSVConnClose(vc3);
  CHECK(wait_for(&closed_seen, 3) && atomic_load(&immediates) > seen);

  /* Bad arguments: errors, never a crash. */
  CHECK(TSVConnCreate(NULL, NULL) == NULL);
  CHECK(TSVConnRead(NULL, u, out, 1) == NULL);
  CHECK(TSVConnRead(vc, u, out, 1) == NULL); /* destroyed */
  CHECK(TSVConnWrite((TSVConn)u, u, in_r, 1) == NULL); /* a plain continuation */
  CHECK(TSVIONTodoGet(NULL) == -1);
  TSVIOReenable(NULL);
  printf("all passed\n");
  return 0;
}

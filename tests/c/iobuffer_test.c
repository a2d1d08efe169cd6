/* tests/c/iobuffer_test.c: the IOBuffer API as plugins use it, called in this process over
 * libtshost (tests/iobuffer.rs). Exits 0 when every check held, else the line of the first one
 * that did not (and prints it). */
#include <stdio.h>
#include <string.h>
#include <ts/ts.h>

#define CHECK(c)                                         \
  do {                                                   \
    if (!(c)) {                                          \
      fprintf(stderr, "line %d: %s\n", __LINE__, #c);  \
      return __LINE__ % 250 + 1;                         \
    }                                                    \
  } while (0)

/* Read everything `r` has by walking its blocks, as a transform does, into `out`. */
static int64_t
drain(TSIOBufferReader r, char *out, int64_t cap)
{
  int64_t got = 0;
  TSIOBufferBlock b = TSIOBufferReaderStart(r);
  while (b) {
    int64_t avail       = 0;
    const char *p       = TSIOBufferBlockReadStart(b, r, &avail);
    if (avail > cap - got) {
      avail = cap - got;
    }
    memcpy(out + got, p, avail);
    got += avail;
    b = TSIOBufferBlockNext(b);
  }
  TSIOBufferReaderConsume(r, got);
  return got;
}

int
main(void)
{
  static char data[100000], out[100000];
  for (int i = 0; i < (int)sizeof(data); i++) {
    data[i] = (char)(i * 7);
  }

  /* Write across 4 KiB blocks; a reader reads it all, block by block. */
  TSIOBuffer buf = TSIOBufferSizedCreate(TS_IOBUFFER_SIZE_INDEX_4K);
  CHECK(buf != NULL);
  TSIOBufferReader r = TSIOBufferReaderAlloc(buf);
  CHECK(r != NULL);
  CHECK(TSIOBufferReaderAvail(r) == 0);
  CHECK(TSIOBufferWrite(buf, data, sizeof(data)) == (int64_t)sizeof(data));
  CHECK(TSIOBufferReaderAvail(r) == (int64_t)sizeof(data));
  TSIOBufferBlock first = TSIOBufferReaderStart(r);
  CHECK(first != NULL && TSIOBufferBlockReadAvail(first, r) == 4096);
  CHECK(TSIOBufferBlockNext(first) != NULL);

  /* A clone, and a copy out without consuming. */
  TSIOBufferReader c = TSIOBufferReaderClone(r);
  CHECK(c != NULL);
  CHECK(TSIOBufferReaderCopy(r, out, 10) == 10 && memcmp(out, data, 10) == 0);
  CHECK(TSIOBufferReaderAvail(r) == (int64_t)sizeof(data));

  /* Consume part of a block: ReadStart starts past it for this reader only. */
  TSIOBufferReaderConsume(r, 100);
  int64_t avail = 0;
  const char *p = TSIOBufferBlockReadStart(TSIOBufferReaderStart(r), r, &avail);
  CHECK(avail == 4096 - 100 && memcmp(p, data + 100, 16) == 0);
  CHECK(TSIOBufferBlockReadAvail(TSIOBufferReaderStart(c), c) == 4096);

  /* Copy what `c` has into a second buffer (shared blocks), then drain it. */
  TSIOBuffer out_buf = TSIOBufferCreate();
  TSIOBufferReader out_r = TSIOBufferReaderAlloc(out_buf);
  CHECK(TSIOBufferCopy(out_buf, c, TSIOBufferReaderAvail(c), 0) == (int64_t)sizeof(data));
  TSIOBufferReaderConsume(c, sizeof(data));
  CHECK(TSIOBufferReaderAvail(c) == 0);
  memset(out, 0, sizeof(out));
  CHECK(drain(out_r, out, sizeof(out)) == (int64_t)sizeof(data));
  CHECK(memcmp(out, data, sizeof(data)) == 0);
  CHECK(TSIOBufferReaderAvail(out_r) == 0);

  /* Write in place: Start, WriteStart, Produce. */
  TSIOBufferBlock w = TSIOBufferStart(out_buf);
  int64_t room = 0;
  char *dst = TSIOBufferBlockWriteStart(w, &room);
  CHECK(dst != NULL && room > 5 && TSIOBufferBlockWriteAvail(w) == room);
  memcpy(dst, "hello", 5);
  CHECK(TSIOBufferReaderAvail(out_r) == 0);
  TSIOBufferProduce(out_buf, 5);
  CHECK(TSIOBufferReaderAvail(out_r) == 5);
  CHECK(TSIOBufferReaderCopy(out_r, out, 100) == 5 && memcmp(out, "hello", 5) == 0);

  /* Water marks. */
  CHECK(TSIOBufferWaterMarkGet(buf) == 0);
  TSIOBufferWaterMarkSet(buf, 1234);
  CHECK(TSIOBufferWaterMarkGet(buf) == 1234);

  /* Five readers at most. */
  TSIOBufferReader more[3];
  for (int i = 0; i < 3; i++) {
    more[i] = TSIOBufferReaderAlloc(buf);
    CHECK(more[i] != NULL);
  }
  CHECK(TSIOBufferReaderAlloc(buf) == NULL);
  TSIOBufferReaderFree(more[0]);
  CHECK(TSIOBufferReaderAvail(more[0]) == -1);
  CHECK((more[0] = TSIOBufferReaderAlloc(buf)) != NULL);

  /* Bad arguments: an error value, never a crash. */
  CHECK(TSIOBufferSizedCreate((TSIOBufferSizeIndex)15) == NULL);
  CHECK(TSIOBufferSizedCreate((TSIOBufferSizeIndex)-1) == NULL);
  CHECK(TSIOBufferWrite(NULL, data, 1) == -1);
  CHECK(TSIOBufferWrite(buf, NULL, 1) == -1);
  CHECK(TSIOBufferWrite(buf, data, -1) == -1);
  CHECK(TSIOBufferReaderAvail((TSIOBufferReader)data) == -1);
  CHECK(TSIOBufferBlockNext(NULL) == NULL);
  CHECK(TSIOBufferBlockReadStart((TSIOBufferBlock)data, r, &avail) == NULL);
  CHECK(TSIOBufferCopy(buf, NULL, 1, 0) == -1);

  /* A head in pieces: TSHttpHdrParseReq, then printed into an IOBuffer. */
  {
    TSMBuffer mb      = TSMBufferCreate();
    TSMLoc h          = TSHttpHdrCreate(mb);
    TSHttpParser hp   = TSHttpParserCreate();
    const char *p1    = "GET /a?b HTTP/1.1\r\nHo";
    const char *start = p1;
    CHECK(TSHttpHdrParseReq(hp, mb, h, &start, p1 + strlen(p1)) == TS_PARSE_CONT);
    CHECK(start == p1 + strlen(p1));
    const char *p2 = "st: x\r\n\r\nBODY";
    start          = p2;
    CHECK(TSHttpHdrParseReq(hp, mb, h, &start, p2 + strlen(p2)) == TS_PARSE_DONE);
    CHECK(strcmp(start, "BODY") == 0);
    int len        = 0;
    const char *m  = TSHttpHdrMethodGet(mb, h, &len);
    CHECK(len == 3 && memcmp(m, "GET", 3) == 0);
    TSIOBuffer pb  = TSIOBufferCreate();
    TSIOBufferReader pr = TSIOBufferReaderAlloc(pb);
    TSHttpHdrPrint(mb, h, pb);
    const char *want = "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(TSIOBufferReaderAvail(pr) == (int64_t)strlen(want));
    CHECK(TSHttpHdrLengthGet(mb, h) == (int)strlen(want));
    memset(out, 0, 100);
    TSIOBufferReaderCopy(pr, out, 100);
    CHECK(strcmp(out, want) == 0);
    TSIOBufferReaderConsume(pr, TSIOBufferReaderAvail(pr));

    /* A response; its fields alone with TSMimeHdrPrint. */
    TSMLoc rh       = TSHttpHdrCreate(mb);
    const char *rs  = "HTTP/1.1 404 Nope\r\nA: b\r\n\r\n";
    start           = rs;
    CHECK(TSHttpHdrParseResp(hp, mb, rh, &start, rs + strlen(rs)) == TS_PARSE_DONE);
    CHECK(TSHttpHdrStatusGet(mb, rh) == 404);
    TSMimeHdrPrint(mb, rh, pb);
    memset(out, 0, 100);
    TSIOBufferReaderCopy(pr, out, 100);
    CHECK(strcmp(out, "A: b\r\n\r\n") == 0);

    /* A MIME header of its own, parsed in pieces, cloned, copied, printed. */
    TSMLoc mh;
    CHECK(TSMimeHdrCreate(mb, &mh) == TS_SUCCESS);
    TSMimeParser mp = TSMimeParserCreate();
    const char *f1  = "X-One: 1\r\nX-Tw";
    start           = f1;
    CHECK(TSMimeHdrParse(mp, mb, mh, &start, f1 + strlen(f1)) == TS_PARSE_CONT);
    const char *f2 = "o: 2\r\n\r\nrest";
    start          = f2;
    CHECK(TSMimeHdrParse(mp, mb, mh, &start, f2 + strlen(f2)) == TS_PARSE_DONE);
    CHECK(strcmp(start, "rest") == 0);
    CHECK(TSMimeHdrFieldsCount(mb, mh) == 2);
    TSMLoc mc;
    CHECK(TSMimeHdrClone(mb, mb, rh, &mc) == TS_SUCCESS);
    CHECK(TSMimeHdrFieldsCount(mb, mc) == 1);
    CHECK(TSMimeHdrCopy(mb, mc, mb, mh) == TS_SUCCESS);
    CHECK(TSMimeHdrFieldsCount(mb, mc) == 2);
    TSMimeHdrPrint(mb, mc, pb);
    memset(out, 0, 100);
    TSIOBufferReaderCopy(pr, out, 100);
    CHECK(strcmp(out, "A: b\r\n\r\nX-One: 1\r\nX-Two: 2\r\n\r\n") == 0);
    CHECK(TSMimeHdrDestroy(mb, mc) == TS_SUCCESS);
    CHECK(TSMimeHdrCreate(mb, NULL) == TS_ERROR);
    TSMimeParserClear(mp);
    TSMimeParserDestroy(mp);

    /* Malformed, and bad arguments. */
    const char *bad = "NOT A HEAD\r\n\r\n";
    start           = bad;
    CHECK(TSHttpHdrParseReq(hp, mb, h, &start, bad + strlen(bad)) == TS_PARSE_ERROR);
    CHECK(TSHttpHdrParseReq(NULL, mb, h, &start, bad) == TS_PARSE_ERROR);
    CHECK(TSHttpHdrParseReq(hp, mb, h, NULL, bad) == TS_PARSE_ERROR);
    TSHttpParserClear(hp);
    TSHttpParserDestroy(hp);
    TSHttpParserDestroy(hp); /* logged */
    TSIOBufferDestroy(pb);
    TSHandleMLocRelease(mb, TS_NULL_MLOC, rh);
    TSHandleMLocRelease(mb, TS_NULL_MLOC, h);
    TSMBufferDestroy(mb);
  }

  /* Destroying a buffer ends its readers. */
  TSIOBufferDestroy(buf);
  CHECK(TSIOBufferReaderAvail(r) == -1);
  CHECK(TSIOBufferReaderAvail(c) == -1);
  CHECK(TSIOBufferWaterMarkGet(buf) == -1);
  TSIOBufferDestroy(buf); /* logged, nothing else */
  TSIOBufferReaderFree(out_r);
  TSIOBufferDestroy(out_buf);
  return 0;
}

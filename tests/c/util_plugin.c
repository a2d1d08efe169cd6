/* util_plugin.c: the utility API from a plugin, with ATS 9.2's semantics (InkAPI.cc, ink_base64.cc,
 * LogUtils.cc, URL.cc, ink_uuid.cc): TSBase64Encode/Decode, TSStringPercentEncode/Decode,
 * TSUrlPercentEncode, TSfopen & co, the UUID calls and TSClientRequestUuidGet. Driven by
 * hdrs_test.c's "util" scenario.
 *
 * Written against the public ts.h only; the tests build it against tshost's include/ts/ts.h and
 * against Debian's trafficserver-dev <ts/ts.h> and expect the same output.
 *
 * TSPluginInit runs the checks that need no transaction; READ_REQUEST_HDR checks
 * TSClientRequestUuidGet and TSUrlPercentEncode on the transaction's URL. Every check prints
 * "plugin ok: ..." or "plugin FAIL: ..." and failures count in the stat "util.failures". Nothing
 * printed depends on handle values, random bytes or the transaction id. */
#include <ts/ts.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int st_failures;

#define EXPECT(cond, ...)                     \
  do {                                        \
    if (cond) {                               \
      printf("plugin ok: ");                  \
    } else {                                  \
      printf("plugin FAIL: ");                \
      TSStatIntIncrement(st_failures, 1);     \
    }                                         \
    printf(__VA_ARGS__);                      \
    printf("\n");                             \
  } while (0)

/* The process UUID's string as TSPluginInit saw it. */
static char process_uuid[TS_UUID_STRING_LEN + 1];

static void
base64(void)
{
  char e[16];
  unsigned char d[16];
  size_t n = 99;

  memset(e, 'Z', sizeof e);
  EXPECT(TSBase64Encode("foobar", 6, e, 8, &n) == TS_ERROR && n == 99 && e[0] == 'Z',
         "encode: 6 bytes need 9, 8 refused, nothing written");
  EXPECT(TSBase64Encode("foobar", 6, e, 9, &n) == TS_SUCCESS && n == 8 && !strcmp(e, "Zm9vYmFy"),
         "encode: 6 bytes into exactly 9");
  EXPECT(TSBase64Encode("fooba", 5, e, 9, &n) == TS_SUCCESS && !strcmp(e, "Zm9vYmE=") && n == 8, "encode: one '='");
  EXPECT(TSBase64Encode("f", 1, e, 5, NULL) == TS_SUCCESS && !strcmp(e, "Zg=="), "encode: two '=', NULL length");
  EXPECT(TSBase64Encode("\xff\xfe", 2, e, 5, &n) == TS_SUCCESS && !strcmp(e, "//4="), "encode: high bytes, standard alphabet");
  EXPECT(TSBase64Encode("", 0, e, 1, &n) == TS_SUCCESS && n == 0 && e[0] == 0, "encode: nothing into 1 byte");
  EXPECT(TSBase64Encode(NULL, 0, e, 1, &n) == TS_ERROR, "encode: NULL str refused");

  EXPECT(TSBase64Decode("Zm9vYmFy", 8, d, 6, &n) == TS_ERROR, "decode: 8 characters need 7, 6 refused");
  EXPECT(TSBase64Decode("Zm9vYmFy", 8, d, 7, &n) == TS_SUCCESS && n == 6 && !memcmp(d, "foobar", 7),
         "decode: into exactly 7, NUL-terminated");
  EXPECT(TSBase64Decode("Zg==", 4, d, 3, &n) == TS_ERROR, "decode: the size comes from the input length, not the result");
  EXPECT(TSBase64Decode("Zg==", 4, d, 4, &n) == TS_SUCCESS && n == 1 && d[0] == 'f' && d[1] == 0, "decode: stops at '='");
  EXPECT(TSBase64Decode("-_-_", 4, d, 4, &n) == TS_SUCCESS && n == 3 && d[0] == 0xfb && d[1] == 0xff && d[2] == 0xbf,
         "decode: '-' and '_' are 62 and 63");
  EXPECT(TSBase64Decode("+/+/", 4, d, 4, &n) == TS_SUCCESS && n == 3 && d[0] == 0xfb && d[2] == 0xbf, "decode: '+' and '/' too");
  EXPECT(TSBase64Decode("Zm9v.YmFy", 9, d, 10, &n) == TS_SUCCESS && n == 3 && !strcmp((char *)d, "foo"),
         "decode: stops at the first undecodable character");
  EXPECT(TSBase64Decode("Zm9vY", 5, d, 7, &n) == TS_SUCCESS && n == 4 && !strcmp((char *)d, "food"),
         "decode: 1 character left over at the end gives 1 byte (3 - 2), from its 6 bits");
  memset(d, 0xAA, sizeof d);
  EXPECT(TSBase64Decode("QUJDR=A", 7, d, 7, &n) == TS_SUCCESS && n == 5 && !memcmp(d, "ABCD\0\0", 6),
         "decode: 1 left over, then '=' and a decodable character: 2 bytes (3 - 1), the second from '='");
  memset(d, 0xAA, sizeof d);
  EXPECT(TSBase64Decode("QQ=B", 4, d, 4, &n) == TS_SUCCESS && n == 1 && d[0] == 'A' && d[1] == 0 && d[2] == 1 && d[3] == 0xAA,
         "decode: the group's last byte is written past the NUL, as ATS writes it");
  EXPECT(TSBase64Decode("QUI", 3, d, 4, &n) == TS_SUCCESS && n == 2 && !strcmp((char *)d, "AB"), "decode: 3 left over give 2 bytes");
  EXPECT(TSBase64Decode(NULL, 0, d, 4, &n) == TS_ERROR && TSBase64Decode("QQ", 2, NULL, 4, &n) == TS_ERROR,
         "decode: NULL str or dst refused");
}

static void
percent(void)
{
  char d[64];
  size_t n = 99;
  /* 'a' only. */
  unsigned char map[32] = {0};
  map['a' / 8]          = 1 << (7 - 'a' % 8);

  EXPECT(TSStringPercentEncode("a b~", -1, d, 9, &n, NULL) == TS_SUCCESS && n == 8 && !strcmp(d, "a%20b%7E"),
         "encode: default map, upper-case hex, into exactly 9");
  n = 99;
  EXPECT(TSStringPercentEncode("a b~", -1, d, 8, &n, NULL) == TS_ERROR && n == 0, "encode: one byte short: TS_ERROR, length 0");
  n = 99;
  EXPECT(TSStringPercentEncode("abcd", 4, d, 4, &n, NULL) == TS_ERROR && n == 0,
         "encode: dst not larger than the string refused (ATS asserts)");
  EXPECT(TSStringPercentEncode("abcd", 4, d, 5, &n, NULL) == TS_SUCCESS && n == 4 && !strcmp(d, "abcd"),
         "encode: nothing to escape, copied into exactly 5");
  EXPECT(TSStringPercentEncode("\"#%<>[\\]^`{|}\x7f\x01", -1, d, sizeof d, &n, NULL) == TS_SUCCESS &&
           !strcmp(d, "%22%23%25%3C%3E%5B%5C%5D%5E%60%7B%7C%7D%7F%01"),
         "encode: the default map's characters");
  EXPECT(TSStringPercentEncode("!$&'()*+,/:;=?@\xc3\xa9", -1, d, sizeof d, &n, NULL) == TS_SUCCESS &&
           !strcmp(d, "!$&'()*+,/:;=?@\xc3\xa9"),
         "encode: reserved characters and bytes above 0x7F stay");
  EXPECT(TSStringPercentEncode("a b", 3, d, sizeof d, &n, map) == TS_SUCCESS && n == 5 && !strcmp(d, "%61 b"),
         "encode: a map of one's own");
  EXPECT(TSStringPercentEncode("a b c", 3, d, sizeof d, &n, NULL) == TS_SUCCESS && n == 5 && !strcmp(d, "a%20b"),
         "encode: str_len bytes only");

  EXPECT(TSStringPercentDecode("a%20b%7e%7E", 0, d, sizeof d, &n) == TS_SUCCESS && n == 5 && !strcmp(d, "a b~~"),
         "decode: both cases, str_len 0 meaning strlen");
  EXPECT(TSStringPercentDecode("%zz%4g%%41", 10, d, sizeof d, &n) == TS_SUCCESS && n == 8 && !strcmp(d, "%zz%4g%A"),
         "decode: a '%%' without two hex digits is kept");
  EXPECT(TSStringPercentDecode("ab%4", 4, d, sizeof d, &n) == TS_SUCCESS && n == 2 && !strcmp(d, "ab"),
         "decode: '%%X' at the end is dropped");
  EXPECT(TSStringPercentDecode("ab%", 3, d, sizeof d, &n) == TS_SUCCESS && n == 2 && !strcmp(d, "ab"), "decode: '%%' at the end is dropped");
  EXPECT(TSStringPercentDecode("%41%42%43", 9, d, 3, &n) == TS_SUCCESS && n == 2 && !strcmp(d, "AB"),
         "decode: a full dst is cut for the NUL");
  EXPECT(TSStringPercentDecode("%41%42%43", 9, d, 4, &n) == TS_SUCCESS && n == 3 && !strcmp(d, "ABC"), "decode: into exactly 4");
  char inplace[] = "x%2Fy%2fz";
  EXPECT(TSStringPercentDecode(inplace, 0, inplace, sizeof inplace, &n) == TS_SUCCESS && n == 5 && !strcmp(inplace, "x/y/z"),
         "decode: in place");
  EXPECT(TSStringPercentDecode("x", 1, d, 0, &n) == TS_ERROR && TSStringPercentDecode(NULL, 1, d, 4, &n) == TS_ERROR,
         "decode: dst_size 0 or NULL str refused");
}

/* The whole file. */
static size_t
slurp(const char *path, char *out, size_t size)
{
  FILE *f  = fopen(path, "r");
  size_t n = f ? fread(out, 1, size - 1, f) : 0;
  if (f)
    fclose(f);
  out[n] = 0;
  return n;
}

static void
files(void)
{
  char dir[] = "/tmp/tshost-util-XXXXXX";
  if (!mkdtemp(dir)) {
    EXPECT(0, "mkdtemp");
    return;
  }
  char path[64], buf[4096];
  snprintf(path, sizeof path, "%s/f", dir);
  struct stat st;

  EXPECT(TSfopen(path, "r") == NULL, "fopen \"r\" of a missing file: NULL");
  EXPECT(TSfopen(path, "rb") == NULL && TSfopen(path, "r+") == NULL && TSfopen(path, "") == NULL && TSfopen(path, "x") == NULL,
         "fopen: only \"r\", \"w\", \"a\"");
  EXPECT(stat(path, &st) != 0, "no file made by a refused mode");

  TSFile f = TSfopen(path, "w");
  EXPECT(f != NULL, "fopen \"w\" creates");
  EXPECT(TSfread(f, buf, 4) == -1 && TSfgets(f, buf, 4) == NULL, "reading a file open for writing: -1, NULL");
  EXPECT(TSfwrite(f, "hello\nworld\n", 12) == 12, "fwrite: 12 bytes taken");
  EXPECT(stat(path, &st) == 0 && st.st_size == 0, "fwrite: buffered, nothing in the file yet");
  buf[0] = 'x';
  EXPECT(TSfgets(f, buf, 4) == buf && buf[0] == 0,
         "fgets with 3 bytes waiting to be written: buf, as ATS (which leaves it as it was; tshost empties it)");
  TSfflush(f);
  EXPECT(stat(path, &st) == 0 && st.st_size == 12, "fflush writes it out");
  mode_t mask = umask(0);
  umask(mask);
  EXPECT((st.st_mode & 0777) == (0644 & ~mask), "created with mode 0644 (less the umask)");
  TSfclose(f);

  f = TSfopen(path, "w");
  EXPECT(TSfwrite(f, "HE", 2) == 2, "fwrite 2 bytes");
  TSfclose(f);
  slurp(path, buf, sizeof buf);
  EXPECT(!strcmp(buf, "HEllo\nworld\n"), "\"w\" does not truncate; fclose flushes");

  f = TSfopen(path, "a");
  EXPECT(TSfwrite(f, "tail", 4) == 4 && TSfwrite(f, NULL, 0) == 0, "\"a\": fwrite; 0 bytes from NULL is 0");
  TSfclose(f);

  f = TSfopen(path, "r");
  EXPECT(f != NULL, "fopen \"r\"");
  EXPECT(TSfwrite(f, "x", 1) == -1, "writing a file open for reading: -1");
  EXPECT(TSfgets(f, buf, 64) == buf && !strcmp(buf, "HEllo\n"), "fgets: the line with its '\\n'");
  EXPECT(TSfgets(f, buf, 4) == buf && !strcmp(buf, "wor"), "fgets: a line longer than length - 1 is cut");
  EXPECT(TSfgets(f, buf, 64) == buf && !strcmp(buf, "ld\n"), "fgets: its rest comes next");
  EXPECT(TSfgets(f, buf, 1) == buf && buf[0] == 0, "fgets: length 1 gives an empty string");
  EXPECT(TSfgets(f, buf, 0) == NULL, "fgets: length 0 gives NULL");
  EXPECT(TSfgets(f, buf, 64) == buf && !strcmp(buf, "tail"), "fgets: the last line without '\\n'");
  EXPECT(TSfgets(f, buf, 64) == NULL, "fgets at the end of the file: NULL");
  EXPECT(TSfread(f, buf, 64) == 0, "fread at the end of the file: 0");
  TSfclose(f);

  /* A long line, then fread. */
  f = TSfopen(path, "w");
  char big[3001];
  memset(big, 'x', 3000);
  big[3000] = '\n';
  EXPECT(TSfwrite(f, big, 3001) == 3001, "fwrite 3001 bytes (more than the 1024-byte buffer)");
  EXPECT(stat(path, &st) == 0 && st.st_size == 2048, "the full buffer went out twice, 953 bytes wait");
  TSfclose(f);
  f             = TSfopen(path, "r");
  size_t total  = 0;
  int pieces    = 0, cut_ok = 1;
  while (TSfgets(f, buf, 1000) != NULL) {
    size_t l = strlen(buf);
    total += l;
    pieces++;
    if (l != 999 && !(l == 4 && !strcmp(buf, "xxx\n")))
      cut_ok = 0;
  }
  EXPECT(total == 3001 && pieces == 4 && cut_ok, "fgets: a 3001-byte line in pieces of 999 then \"xxx\\n\"");
  TSfclose(f);
  f = TSfopen(path, "r");
  EXPECT(TSfread(f, NULL, 10) == 1024, "fread with NULL buf: one read of at least 1024 bytes, what is held");
  EXPECT(TSfread(f, buf, 2000) == 2000, "fread: 2000 bytes");
  EXPECT(TSfread(f, buf, 2000) == 1001, "fread: the last 1001 bytes");
  EXPECT(TSfread(f, buf, 2000) == 0, "fread: 0 at the end");

  /* Dead and foreign handles. */
  TSfclose(f);
  EXPECT(TSfread(f, buf, 4) == -1 && TSfwrite(f, "x", 1) == -1 && TSfgets(f, buf, 4) == NULL,
         "a closed TSFile: -1, -1, NULL (logged)");
  TSfflush(f);
  TSfclose(f);
  TSFile foreign = (TSFile)buf;
  EXPECT(TSfread(foreign, buf, 4) == -1 && TSfgets(NULL, buf, 4) == NULL, "a foreign or NULL TSFile: refused (logged)");
  EXPECT(TSfopen(NULL, "r") == NULL && TSfopen(path, NULL) == NULL, "fopen: NULL name or mode refused");

  unlink(path);
  rmdir(dir);
}

static int
is_v4_string(const char *s)
{
  if (s == NULL || strlen(s) != TS_UUID_STRING_LEN)
    return 0;
  for (int i = 0; i < TS_UUID_STRING_LEN; i++) {
    int dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-'))
      return 0;
    if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  }
  return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

static void
uuids(void)
{
  TSUuid u = TSUuidCreate(), c = TSUuidCreate();
  EXPECT(u != NULL && TSUuidStringGet(u) == NULL && TSUuidVersionGet(u) == TS_UUID_UNDEFINED,
         "a new UUID: no string, TS_UUID_UNDEFINED");
  EXPECT(TSUuidCopy(c, u) == TS_ERROR, "copying an invalid UUID: TS_ERROR");

  EXPECT(TSUuidInitialize(u, TS_UUID_V4) == TS_SUCCESS && TSUuidVersionGet(u) == TS_UUID_V4, "initialize V4");
  char first[TS_UUID_STRING_LEN + 1];
  snprintf(first, sizeof first, "%s", TSUuidStringGet(u));
  EXPECT(is_v4_string(first), "V4: lower-case 8-4-4-4-12, version 4, variant 10xx");
  EXPECT(TSUuidInitialize(u, TS_UUID_V4) == TS_SUCCESS && strcmp(first, TSUuidStringGet(u)) != 0, "initialize again: another UUID");
  EXPECT(TSUuidStringGet(u) == TSUuidStringGet(u), "the string is owned by the UUID");
  EXPECT(TSUuidInitialize(u, TS_UUID_UNDEFINED) == TS_ERROR && TSUuidInitialize(u, (TSUuidVersion)9) == TS_ERROR &&
           TSUuidVersionGet(u) == TS_UUID_V4,
         "initialize to UNDEFINED or 9: refused, unchanged");

  EXPECT(TSUuidCopy(c, u) == TS_SUCCESS && !strcmp(TSUuidStringGet(c), TSUuidStringGet(u)) && TSUuidVersionGet(c) == TS_UUID_V4,
         "copy");
  EXPECT(TSUuidInitialize(c, TS_UUID_V1) == TS_SUCCESS && !strcmp(TSUuidStringGet(c), "00000000-0000-0000-0000-000000000000") &&
           TSUuidVersionGet(c) == TS_UUID_V1,
         "V1 (not implemented in ATS): the nil UUID, version V1");

  EXPECT(TSUuidStringParse(c, "A1B2C3D4-E5F6-4789-8ABC-DEF012345678") == TS_SUCCESS &&
           !strcmp(TSUuidStringGet(c), "a1b2c3d4-e5f6-4789-8abc-def012345678") && TSUuidVersionGet(c) == TS_UUID_V4,
         "parse: upper case in, lower case out, version from the string");
  EXPECT(TSUuidStringParse(c, "1-2-3004-0506-0708090a0b0c") == TS_SUCCESS &&
           !strcmp(TSUuidStringGet(c), "00000001-0002-3004-0506-0708090a0b0c") && TSUuidVersionGet(c) == TS_UUID_V3,
         "parse: short fields, as sscanf reads them");
  EXPECT(TSUuidStringParse(c, "a1b2c3d4-e5f6-0789-8abc-def012345678") == TS_ERROR && TSUuidStringGet(c) == NULL &&
           TSUuidVersionGet(c) == TS_UUID_UNDEFINED,
         "parse: version 0 refused, the UUID left invalid (as ATS)");
  EXPECT(TSUuidStringParse(c, "not a uuid") == TS_ERROR && TSUuidStringParse(c, NULL) == TS_ERROR, "parse: garbage, NULL refused");

  /* The process UUID. */
  TSUuid p = TSProcessUuidGet();
  EXPECT(p != NULL && p == TSProcessUuidGet() && TSUuidVersionGet(p) == TS_UUID_V4 && is_v4_string(TSUuidStringGet(p)),
         "the process UUID: one handle, a v4 UUID");
  snprintf(process_uuid, sizeof process_uuid, "%s", TSUuidStringGet(p));
  EXPECT(TSUuidInitialize(p, TS_UUID_V4) == TS_ERROR && TSUuidCopy(p, u) == TS_ERROR &&
           TSUuidStringParse(p, "a1b2c3d4-e5f6-4789-8abc-def012345678") == TS_ERROR,
         "the process UUID cannot be changed (logged)");
  TSUuidDestroy(p);
  EXPECT(!strcmp(TSUuidStringGet(TSProcessUuidGet()), process_uuid), "nor destroyed: still the same");
  EXPECT(TSUuidCopy(c, p) == TS_SUCCESS && !strcmp(TSUuidStringGet(c), process_uuid), "it can be copied from");

  /* Dead and foreign handles. */
  TSUuidDestroy(u);
  EXPECT(TSUuidStringGet(u) == NULL && TSUuidVersionGet(u) == TS_UUID_UNDEFINED && TSUuidInitialize(u, TS_UUID_V4) == TS_ERROR &&
           TSUuidCopy(c, u) == TS_ERROR,
         "a destroyed TSUuid: refused (logged)");
  TSUuidDestroy(u);
  char junk[64];
  EXPECT(TSUuidStringGet((TSUuid)junk) == NULL && TSUuidStringGet(NULL) == NULL, "a foreign or NULL TSUuid: refused (logged)");
  TSUuidDestroy(c);
}

static int
on_txn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  TSHttpTxn txn = edata;
  char s[TS_CRUUID_STRING_LEN + 1], want[TS_CRUUID_STRING_LEN + 16];

  EXPECT(TSClientRequestUuidGet(txn, s) == TS_SUCCESS, "TSClientRequestUuidGet");
  snprintf(want, sizeof want, "%s-%" PRId64, process_uuid, (int64_t)TSHttpTxnIdGet(txn));
  EXPECT(!strcmp(s, want), "\"<process uuid>-<transaction id>\"");
  EXPECT(!strcmp(TSUuidStringGet(TSProcessUuidGet()), process_uuid), "the process UUID is the one TSPluginInit saw");
  EXPECT(TSClientRequestUuidGet(txn, NULL) == TS_ERROR && TSClientRequestUuidGet(NULL, s) == TS_ERROR,
         "TSClientRequestUuidGet: NULL buffer or transaction refused");

  TSMBuffer b;
  TSMLoc h, u;
  char d[128];
  size_t n = 0;
  int len  = 0;
  if (TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS && TSHttpHdrUrlGet(b, h, &u) == TS_SUCCESS) {
    char *str = TSUrlStringGet(b, u, &len);
    EXPECT(TSUrlPercentEncode(b, u, d, sizeof d, &n, NULL) == TS_SUCCESS && !strcmp(d, "http:///%7Euser/x%2541%5E") &&
             n == strlen(d),
           "TSUrlPercentEncode of the client request's URL");
    char e[128];
    size_t m = 0;
    EXPECT(TSStringPercentEncode(str, len, e, sizeof e, &m, NULL) == TS_SUCCESS && m == n && !strcmp(d, e),
           "the same as TSStringPercentEncode of TSUrlStringGet");
    n = 99;
    EXPECT(TSUrlPercentEncode(b, u, d, (size_t)len + 1, &n, NULL) == TS_ERROR && n == 0,
           "TSUrlPercentEncode: no room for the escapes: TS_ERROR, length 0");
    EXPECT(TSUrlPercentEncode(b, u, d, (size_t)len, &n, NULL) == TS_ERROR, "TSUrlPercentEncode: dst not larger than the URL refused");
    EXPECT(TSUrlPercentEncode(NULL, u, d, sizeof d, &n, NULL) == TS_ERROR, "TSUrlPercentEncode: NULL TSMBuffer refused");
    TSfree(str);
    TSHandleMLocRelease(b, h, u);
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  } else {
    EXPECT(0, "the client request's URL");
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"util_plugin", "tshost tests", "tests@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[util_plugin] registration failed");
    return;
  }
  st_failures = TSStatCreate("util.failures", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  base64();
  percent();
  files();
  uuids();
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_txn, TSMutexCreate()));
}

/* hdrs_plugin.c: a plugin that reads and edits the transaction's headers through the TSMBuffer /
 * TSMLoc API (ATS 9.2 semantics, ts-api-semantics.md section 5), driven by hdrs_test.c.
 *
 * Written against the public ts.h only; the tests build it against tshost's include/ts/ts.h and
 * against Debian's trafficserver-dev <ts/ts.h> and expect the same output.
 *
 * argv[1] selects the behaviour:
 *   edit   TXN_START: the client request is there and empty, the others are not.
 *          READ_REQUEST_HDR: reads method, URL and fields of hdrs_test.c's request, checks the
 *          "must hold" rules, then edits: adds X-Added, changes User-Agent and X-Count, destroys
 *          X-Remove-Me and the first X-Dup, extends Accept, inserts into X-List, sets path and
 *          query. Also exercises a heap of its own and bad handles.
 *          SEND_REQUEST_HDR: adds X-Server-Req. READ_RESPONSE_HDR: sets Server, adds X-Resp.
 *          SEND_RESPONSE_HDR: status 201 "Made Here", adds X-Client.
 *   error  READ_REQUEST_HDR: TSHttpTxnStatusSet(403), an error body, TS_EVENT_HTTP_ERROR.
 *          SEND_RESPONSE_HDR: checks the generated response, adds X-Error-Seen.
 *   none   no hooks.
 * Every check prints "plugin ok: ..." or "plugin FAIL: ..." and failures count in the stat
 * "hdrs.failures". Nothing printed depends on handle values. */
#include <ts/ts.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* (p, len) holds exactly s. */
static int
eq(const char *p, int len, const char *s)
{
  return p != NULL && len == (int)strlen(s) && memcmp(p, s, len) == 0;
}

/* A field's value (whole, idx -1) equals s. */
static int
value_is(TSMBuffer b, TSMLoc h, TSMLoc f, int idx, const char *s)
{
  int len = -1;
  const char *v = TSMimeHdrFieldValueStringGet(b, h, f, idx, &len);
  return eq(v, len, s);
}

/* The value of the first field named `name`, compared with s. */
static int
field_is(TSMBuffer b, TSMLoc h, const char *name, const char *s)
{
  TSMLoc f = TSMimeHdrFieldFind(b, h, name, -1);
  int r    = f != TS_NULL_MLOC && value_is(b, h, f, -1, s);
  TSHandleMLocRelease(b, h, f);
  return r;
}

/* Add a field at the end, as plugins do. */
static void
add_field(TSMBuffer b, TSMLoc h, const char *name, const char *value)
{
  TSMLoc f;
  EXPECT(TSMimeHdrFieldCreateNamed(b, h, name, -1, &f) == TS_SUCCESS, "create %s", name);
  EXPECT(TSMimeHdrFieldValueStringSet(b, h, f, -1, value, -1) == TS_SUCCESS, "set %s", name);
  EXPECT(TSMimeHdrFieldAppend(b, h, f) == TS_SUCCESS, "append %s", name);
  EXPECT(TSHandleMLocRelease(b, h, f) == TS_SUCCESS, "release %s", name);
}

static void
constants(void)
{
  EXPECT(TS_URL_SCHEME_TUNNEL == NULL, "TS_URL_SCHEME_TUNNEL is NULL");
  EXPECT(TS_URL_SCHEME_MMST == NULL && TS_URL_SCHEME_RTSP == NULL, "TS_URL_SCHEME_MMST and _RTSP are NULL");
  EXPECT(!strcmp(TS_HTTP_VALUE_BROTLI, "br") && TS_HTTP_LEN_BROTLI == 2, "TS_HTTP_VALUE_BROTLI is \"br\"");
  EXPECT(!strcmp(TS_MIME_FIELD_WWW_AUTHENTICATE, "Www-Authenticate") && TS_MIME_LEN_WWW_AUTHENTICATE == 16,
         "TS_MIME_FIELD_WWW_AUTHENTICATE is \"Www-Authenticate\"");
  EXPECT(!strcmp(TS_MIME_FIELD_CLIENT_IP, "Client-ip") && !strcmp(TS_MIME_FIELD_ETAG, "Etag"), "Client-ip, Etag");
  EXPECT(!strcmp(TS_MIME_FIELD_HOST, "Host") && TS_MIME_LEN_HOST == 4, "TS_MIME_FIELD_HOST");
  EXPECT(!strcmp(TS_HTTP_METHOD_GET, "GET") && TS_HTTP_LEN_GET == 3 && !strcmp(TS_HTTP_METHOD_PUSH, "PUSH"), "methods");
  EXPECT(!strcmp(TS_URL_SCHEME_HTTPS, "https") && TS_URL_LEN_HTTPS == 5 && TS_URL_LEN_WSS == 3, "schemes");
  EXPECT(!strcmp(TS_HTTP_VALUE_CHUNKED, "chunked") && TS_HTTP_LEN_MUST_REVALIDATE == 15, "values");
  const char *r = TSHttpHdrReasonLookup(TS_HTTP_STATUS_NON_AUTHORITATIVE_INFORMATION);
  EXPECT(r && !strcmp(r, "Non - Authoritative Information"), "TSHttpHdrReasonLookup(203)");
  EXPECT(TSHttpHdrReasonLookup(TS_HTTP_STATUS_IM_USED) == NULL, "TSHttpHdrReasonLookup(TS_HTTP_STATUS_IM_USED) is NULL");
  r = TSHttpHdrReasonLookup((TSHttpStatus)226);
  EXPECT(r && !strcmp(r, "IM Used"), "TSHttpHdrReasonLookup(226)");
  r = TSHttpHdrReasonLookup(TS_HTTP_STATUS_REQUEST_URI_TOO_LONG);
  EXPECT(r && !strcmp(r, "Request - URI Too Long"), "TSHttpHdrReasonLookup(414)");
  EXPECT(TSHttpHdrReasonLookup(TS_HTTP_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS) == NULL, "TSHttpHdrReasonLookup(451) is NULL");
}

/* TXN_START: only the client request, and it is empty. */
static void
at_txn_start(TSHttpTxn txn)
{
  TSMBuffer b;
  TSMLoc h;
  EXPECT(TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS, "TXN_START: client request there");
  int len = -1;
  EXPECT(TSHttpHdrMethodGet(b, h, &len) == NULL && len == 0, "TXN_START: no method yet");
  EXPECT(TSHttpHdrVersionGet(b, h) == TS_HTTP_VERSION(1, 0), "TXN_START: version 1.0");
  EXPECT(TSMimeHdrFieldsCount(b, h) == 0, "TXN_START: no fields");
  EXPECT(TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_REQUEST, "TXN_START: a request");
  EXPECT(TSHttpTxnServerReqGet(txn, &b, &h) == TS_ERROR, "TXN_START: no server request");
  EXPECT(TSHttpTxnServerRespGet(txn, &b, &h) == TS_ERROR, "TXN_START: no server response");
  EXPECT(TSHttpTxnClientRespGet(txn, &b, &h) == TS_ERROR, "TXN_START: no client response");
  EXPECT(TSHttpTxnClientReqGet(txn, NULL, &h) == TS_ERROR, "NULL bufp: TS_ERROR");
}

/* A heap of the plugin's own, and handles that are wrong. */
static void
own_heap(TSMBuffer txn_buf, TSMLoc txn_hdr)
{
  TSMBuffer b = TSMBufferCreate();
  TSMLoc h    = TSHttpHdrCreate(b);
  EXPECT(TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_UNKNOWN, "new header: unknown type");
  EXPECT(TSHttpHdrTypeSet(b, h, TS_HTTP_TYPE_REQUEST) == TS_SUCCESS, "type set to request");
  EXPECT(TSHttpHdrTypeSet(b, h, TS_HTTP_TYPE_RESPONSE) == TS_SUCCESS && TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_REQUEST,
         "a typed header keeps its type");
  EXPECT(TSHttpHdrMethodSet(b, h, "PURGE", -1) == TS_SUCCESS, "method set");
  int len;
  const char *m = TSHttpHdrMethodGet(b, h, &len);
  EXPECT(m == TS_HTTP_METHOD_PURGE && len == 5, "PURGE reads as the interned TS_HTTP_METHOD_PURGE");
  TSHttpHdrMethodSet(b, h, "purge", 5);
  m = TSHttpHdrMethodGet(b, h, &len);
  EXPECT(m != TS_HTTP_METHOD_PURGE && eq(m, len, "purge"), "methods are case-sensitive");

  TSMLoc u;
  EXPECT(TSUrlCreate(b, &u) == TS_SUCCESS, "TSUrlCreate");
  const char *text = "https://user:pw@Host.Example:8443//x/y;p?z=1#frag", *start = text;
  EXPECT(TSUrlParse(b, u, &start, text + strlen(text)) == TS_PARSE_DONE && start == text + strlen(text), "TSUrlParse");
  const char *s = TSUrlSchemeGet(b, u, &len);
  EXPECT(s == TS_URL_SCHEME_HTTPS && len == 5, "scheme interned: TS_URL_SCHEME_HTTPS");
  s = TSUrlHostGet(b, u, &len);
  EXPECT(eq(s, len, "Host.Example"), "host");
  EXPECT(TSUrlPortGet(b, u) == 8443, "port 8443");
  s = TSUrlPathGet(b, u, &len);
  EXPECT(eq(s, len, "x/y"), "path without its leading slashes");
  s = TSUrlUserGet(b, u, &len);
  EXPECT(eq(s, len, "user"), "user");
  s = TSUrlPasswordGet(b, u, &len);
  EXPECT(eq(s, len, "pw"), "password");
  s = TSUrlHttpParamsGet(b, u, &len);
  EXPECT(eq(s, len, "p"), "params");
  s = TSUrlHttpFragmentGet(b, u, &len);
  EXPECT(eq(s, len, "frag"), "fragment");
  char *str = TSUrlStringGet(b, u, &len);
  EXPECT(str && !strcmp(str, "https://user:pw@Host.Example:8443/x/y;p?z=1#frag") && len == (int)strlen(str),
         "TSUrlStringGet: %s", str ? str : "(null)");
  TSfree(str);
  EXPECT(TSUrlPortSet(b, u, 0) == TS_SUCCESS && TSUrlPortGet(b, u) == 443, "no port: the scheme's default");
  EXPECT(TSUrlPortSet(b, u, -1) == TS_ERROR, "negative port: TS_ERROR");
  text  = "http://a b/";
  start = text;
  EXPECT(TSUrlParse(b, u, &start, text + strlen(text)) == TS_PARSE_ERROR, "TSUrlParse of a bad URL");

  start = "http://h.example/p";
  TSUrlParse(b, u, &start, start + strlen(start));
  EXPECT(TSHttpHdrUrlSet(b, h, u) == TS_SUCCESS, "TSHttpHdrUrlSet");
  TSMLoc hu;
  EXPECT(TSHttpHdrUrlGet(b, h, &hu) == TS_SUCCESS, "TSHttpHdrUrlGet");
  s = TSUrlHostGet(b, hu, &len);
  EXPECT(eq(s, len, "h.example"), "the header has the URL");
  TSUrlHostSet(b, u, "changed.example", -1);
  s = TSUrlHostGet(b, hu, &len);
  EXPECT(eq(s, len, "changed.example"), "the URL handle is the header's URL after TSHttpHdrUrlSet");
  EXPECT(TSHandleMLocRelease(b, h, hu) == TS_SUCCESS && TSHandleMLocRelease(b, TS_NULL_MLOC, u) == TS_SUCCESS,
         "releasing URLs is a no-op");

  /* Created but not appended: invisible. */
  TSMLoc f1, f2;
  EXPECT(TSMimeHdrFieldCreate(b, h, &f1) == TS_SUCCESS, "TSMimeHdrFieldCreate");
  EXPECT(TSMimeHdrFieldCreateNamed(b, h, "X-A", 3, &f2) == TS_SUCCESS, "TSMimeHdrFieldCreateNamed");
  EXPECT(TSMimeHdrFieldsCount(b, h) == 0, "created fields are not counted");
  EXPECT(TSMimeHdrFieldFind(b, h, "X-A", -1) == TS_NULL_MLOC, "nor found");
  TSMimeHdrFieldNameSet(b, h, f1, "X-First", -1);
  TSMimeHdrFieldValueStringSet(b, h, f1, -1, "1", 1);
  TSMimeHdrFieldValueStringSet(b, h, f2, -1, "2", 1);
  TSMimeHdrFieldAppend(b, h, f2);
  TSMimeHdrFieldAppend(b, h, f1);
  TSMLoc g = TSMimeHdrFieldGet(b, h, 0);
  s        = TSMimeHdrFieldNameGet(b, h, g, &len);
  EXPECT(eq(s, len, "X-First"), "a field takes the slot it was created in");
  TSHandleMLocRelease(b, h, g);
  EXPECT(TSMimeHdrFieldRemove(b, h, f1) == TS_SUCCESS && TSMimeHdrFieldsCount(b, h) == 1, "TSMimeHdrFieldRemove");
  EXPECT(TSMimeHdrFieldAppend(b, h, f1) == TS_SUCCESS && TSMimeHdrFieldsCount(b, h) == 2, "appended again");
  EXPECT(TSHttpHdrLengthGet(b, h) == (int)strlen("purge http://changed.example/p HTTP/1.0\r\nX-First: 1\r\nX-A: 2\r\n\r\n"),
         "TSHttpHdrLengthGet");

  /* Cloning into the transaction's heap and back. */
  TSMLoc clone;
  EXPECT(TSHttpHdrClone(b, txn_buf, txn_hdr, &clone) == TS_SUCCESS, "TSHttpHdrClone");
  EXPECT(TSMimeHdrFieldsCount(b, clone) == TSMimeHdrFieldsCount(txn_buf, txn_hdr), "clone has the fields");

  /* Wrong handles are errors, not crashes. */
  EXPECT(TSHandleMLocRelease(b, h, f1) == TS_SUCCESS && TSHandleMLocRelease(b, h, f2) == TS_SUCCESS, "release fields");
  EXPECT(TSMimeHdrFieldNameGet(b, h, f1, &len) == NULL, "a released field handle is refused");
  EXPECT(TSHandleMLocRelease(b, h, f1) == TS_ERROR, "released twice: TS_ERROR");
  EXPECT(TSHttpHdrMethodGet(b, u, &len) == NULL, "a URL is not a header");
  EXPECT(TSMimeHdrFieldsCount(b, txn_hdr) == 0, "a TSMLoc of another heap is refused");
  EXPECT(TSMimeHdrFieldsCount((TSMBuffer)&len, h) == 0, "a pointer that is no TSMBuffer is refused");
  EXPECT(TSUrlHostGet(b, (TSMLoc)&len, &len) == NULL, "a pointer that is no TSMLoc is refused");
  EXPECT(TSMBufferDestroy(b) == TS_SUCCESS, "TSMBufferDestroy");
  EXPECT(TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_UNKNOWN && TSMimeHdrFieldsCount(b, h) == 0, "a destroyed heap is refused");
  EXPECT(TSMBufferDestroy(b) == TS_ERROR, "destroyed twice: TS_ERROR");
  EXPECT(TSMBufferDestroy(txn_buf) == TS_ERROR, "a transaction's heap cannot be destroyed");
}

static void
at_read_request(TSHttpTxn txn)
{
  TSMBuffer b;
  TSMLoc h, u, f, g;
  int len;
  const char *s;
  EXPECT(TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS, "READ_REQUEST_HDR: client request");
  s = TSHttpHdrMethodGet(b, h, &len);
  EXPECT(s == TS_HTTP_METHOD_GET && len == TS_HTTP_LEN_GET, "method GET is the interned TS_HTTP_METHOD_GET");
  EXPECT(TSHttpHdrVersionGet(b, h) == TS_HTTP_VERSION(1, 1), "version 1.1");

  /* The URL of an origin-form request. */
  EXPECT(TSHttpHdrUrlGet(b, h, &u) == TS_SUCCESS, "TSHttpHdrUrlGet");
  s = TSUrlHostGet(b, u, &len);
  EXPECT(len == 0, "no host in an origin-form URL before remap");
  s = TSUrlPathGet(b, u, &len);
  EXPECT(eq(s, len, "a/b"), "path \"a/b\": leading slashes stripped");
  s = TSUrlHttpParamsGet(b, u, &len);
  EXPECT(eq(s, len, "p=1"), "params");
  s = TSUrlHttpQueryGet(b, u, &len);
  EXPECT(eq(s, len, "x=1"), "query");
  EXPECT(TSUrlPortGet(b, u) == 80, "port: 80 (the scheme's default)");
  s = TSUrlSchemeGet(b, u, &len);
  EXPECT(s == TS_URL_SCHEME_HTTP && len == 4, "scheme: the interned TS_URL_SCHEME_HTTP");
  char *str = TSUrlStringGet(NULL, u, &len);
  EXPECT(str && !strcmp(str, "http:///a/b;p=1?x=1"), "TSUrlStringGet: %s", str ? str : "(null)");
  TSfree(str);

  /* Fields. */
  EXPECT(TSMimeHdrFieldsCount(b, h) == 9, "9 fields, duplicates counted");
  f = TSMimeHdrFieldFind(b, h, "HOST", -1);
  s = TSMimeHdrFieldNameGet(b, h, f, &len);
  EXPECT(s == TS_MIME_FIELD_HOST && len == 4, "a field named \"host\" reads as the TS_MIME_FIELD_HOST pointer");
  EXPECT(value_is(b, h, f, -1, "example.com"), "Host value");
  EXPECT(TSHandleMLocRelease(b, h, f) == TS_SUCCESS, "release Host");

  char names[512] = "";
  int released     = 1;
  for (f = TSMimeHdrFieldGet(b, h, 0); f != TS_NULL_MLOC; f = g) {
    s = TSMimeHdrFieldNameGet(b, h, f, &len);
    strncat(names, s, len);
    strcat(names, " ");
    g = TSMimeHdrFieldNext(b, h, f);
    released &= TSHandleMLocRelease(b, h, f) == TS_SUCCESS;
  }
  EXPECT(released, "release from TSMimeHdrFieldGet/Next");
  EXPECT(!strcmp(names, "Host User-Agent X-List X-Dup Date X-Dup X-Remove-Me Accept X-Count "),
         "fields in wire order, well-known names canonical: %s", names);

  f = TSMimeHdrFieldFind(b, h, "x-list", -1);
  EXPECT(TSMimeHdrFieldValuesCount(b, h, f) == 3, "X-List has 3 elements");
  EXPECT(value_is(b, h, f, 1, "b,c"), "element 1 of `a, \"b,c\" , d` is `b,c`");
  EXPECT(value_is(b, h, f, 2, "d") && value_is(b, h, f, 0, "a"), "elements 0 and 2");
  EXPECT(TSMimeHdrFieldValueStringGet(b, h, f, 3, &len) == NULL && len == 0, "element 3: NULL");
  EXPECT(TSMimeHdrFieldValueStringInsert(b, h, f, -1, "e", 1) == TS_SUCCESS, "insert at the end");
  EXPECT(value_is(b, h, f, -1, "a, \"b,c\", d, e"), "re-joined with \", \"");
  TSHandleMLocRelease(b, h, f);

  f = TSMimeHdrFieldFind(b, h, "Date", 4);
  EXPECT(TSMimeHdrFieldValueStringGet(b, h, f, 1, &len) == NULL, "Date element 1: NULL (not a list)");
  EXPECT(value_is(b, h, f, 0, "Tue, 01 Jan 2030 00:00:00 GMT") && TSMimeHdrFieldValuesCount(b, h, f) == 1,
         "Date is one element");
  TSHandleMLocRelease(b, h, f);

  f = TSMimeHdrFieldFind(b, h, "Accept", -1);
  EXPECT(TSMimeHdrFieldValueAppend(b, h, f, 0, "+x", 2) == TS_SUCCESS, "TSMimeHdrFieldValueAppend");
  EXPECT(value_is(b, h, f, -1, "text/html+x, text/plain") && TSMimeHdrFieldValuesCount(b, h, f) == 2,
         "append extends element 0 and adds none");
  TSHandleMLocRelease(b, h, f);

  f = TSMimeHdrFieldFind(b, h, "X-Count", -1);
  EXPECT(TSMimeHdrFieldValueIntGet(b, h, f, -1) == 7 && TSMimeHdrFieldValueInt64Get(b, h, f, 0) == 7, "X-Count is 7");
  EXPECT(TSMimeHdrFieldValueIntSet(b, h, f, -1, 8) == TS_SUCCESS && TSMimeHdrFieldValueUintGet(b, h, f, -1) == 8,
         "X-Count set to 8");
  EXPECT(TSMimeHdrFieldLengthGet(b, h, f) == (int)strlen("X-Count: 8\r\n"), "TSMimeHdrFieldLengthGet");
  /* Dates (ATS's mime_format_date / mime_parse_date); a value that is no date reads 0. */
  EXPECT(TSMimeHdrFieldValueDateGet(b, h, f) == 0, "8 is no date");
  EXPECT(TSMimeHdrFieldValueDateSet(b, h, f, 784111777) == TS_SUCCESS &&
           value_is(b, h, f, -1, "Sun, 06 Nov 1994 08:49:37 GMT") && TSMimeHdrFieldValueDateGet(b, h, f) == 784111777,
         "TSMimeHdrFieldValueDateSet writes the IMF-fixdate and DateGet reads it");
  EXPECT(TSMimeHdrFieldValueStringSet(b, h, f, -1, "Sunday, 06-Nov-94 08:49:37 GMT", -1) == TS_SUCCESS &&
           TSMimeHdrFieldValueDateGet(b, h, f) == 784111777,
         "DateGet reads an RFC 850 date");
  EXPECT(TSMimeHdrFieldValueStringSet(b, h, f, -1, "a, b, c", -1) == TS_SUCCESS &&
           TSMimeHdrFieldValueDateInsert(b, h, f, 0) == TS_SUCCESS && value_is(b, h, f, -1, "Thu, 01 Jan 1970 00:00:00 GMT"),
         "TSMimeHdrFieldValueDateInsert replaces the values");
  EXPECT(TSMimeHdrFieldValueIntSet(b, h, f, -1, 8) == TS_SUCCESS, "X-Count back to 8");
  TSHandleMLocRelease(b, h, f);

  /* Duplicates: NextDup, and destroying the first leaves the second. */
  f = TSMimeHdrFieldFind(b, h, "X-Dup", -1);
  g = TSMimeHdrFieldNextDup(b, h, f);
  EXPECT(value_is(b, h, f, -1, "one") && value_is(b, h, g, -1, "two"), "X-Dup: one, then two");
  TSMLoc none = TSMimeHdrFieldNextDup(b, h, g);
  EXPECT(none == TS_NULL_MLOC, "no third X-Dup");
  EXPECT(TSHandleMLocRelease(b, h, none) == TS_SUCCESS, "releasing TS_NULL_MLOC succeeds");
  EXPECT(TSHandleMLocRelease(NULL, NULL, TS_NULL_MLOC) == TS_SUCCESS, "even with no buffer");
  EXPECT(TSHandleMLocRelease(b, u, g) == TS_ERROR, "a field released against another parent: TS_ERROR");
  EXPECT(TSMimeHdrFieldDestroy(b, h, f) == TS_SUCCESS, "destroy the first X-Dup");
  EXPECT(field_is(b, h, "X-Dup", "two"), "the second X-Dup stays");
  EXPECT(TSHandleMLocRelease(b, h, f) == TS_SUCCESS && TSHandleMLocRelease(b, h, g) == TS_SUCCESS,
         "handles of a destroyed field are still released");

  /* Created but not appended fields are not counted. */
  TSMLoc c1, c2;
  TSMimeHdrFieldCreate(b, h, &c1);
  TSMimeHdrFieldCreateNamed(b, h, "X-Pending", -1, &c2);
  EXPECT(TSMimeHdrFieldsCount(b, h) == 8, "8 fields: created ones not counted");
  EXPECT(TSHandleMLocRelease(b, h, c1) == TS_SUCCESS && TSHandleMLocRelease(b, h, c2) == TS_SUCCESS,
         "created handles are released");

  /* Edits. */
  add_field(b, h, "X-Added", "yes");
  f = TSMimeHdrFieldFind(b, h, TS_MIME_FIELD_USER_AGENT, TS_MIME_LEN_USER_AGENT);
  EXPECT(TSMimeHdrFieldValueStringSet(b, h, f, -1, "plugin/2.0", -1) == TS_SUCCESS, "User-Agent changed");
  TSHandleMLocRelease(b, h, f);
  f = TSMimeHdrFieldFind(b, h, "X-Remove-Me", -1);
  EXPECT(TSMimeHdrFieldDestroy(b, h, f) == TS_SUCCESS, "X-Remove-Me destroyed");
  TSHandleMLocRelease(b, h, f);
  EXPECT(TSMimeHdrFieldsCount(b, h) == 8, "8 fields after the edits");
  EXPECT(TSUrlPathSet(b, u, "/new/path", -1) == TS_SUCCESS, "path set");
  s = TSUrlPathGet(b, u, &len);
  EXPECT(eq(s, len, "new/path"), "the path reads without a leading slash");
  EXPECT(TSUrlHttpQuerySet(b, u, "q=2", 3) == TS_SUCCESS, "query set");
  EXPECT(TSHandleMLocRelease(b, h, u) == TS_SUCCESS && TSHandleMLocRelease(b, TS_NULL_MLOC, h) == TS_SUCCESS,
         "releasing the URL and the header is a no-op");

  own_heap(b, h);
}

static void
at_send_request(TSHttpTxn txn)
{
  TSMBuffer b, cb;
  TSMLoc h, ch, u;
  int len;
  EXPECT(TSHttpTxnServerReqGet(txn, &b, &h) == TS_SUCCESS, "SEND_REQUEST_HDR: server request");
  EXPECT(TSHttpTxnClientReqGet(txn, &cb, &ch) == TS_SUCCESS && cb != b, "a heap of its own");
  EXPECT(field_is(b, h, "X-Added", "yes"), "copied from the edited client request");
  TSHttpHdrUrlGet(b, h, &u);
  const char *s = TSUrlHostGet(b, u, &len);
  EXPECT(len == 0, "no host in the server request URL");
  s = TSUrlPathGet(b, u, &len);
  EXPECT(eq(s, len, "new/path"), "server request path");
  add_field(b, h, "X-Server-Req", "1");
  EXPECT(TSHttpTxnServerRespGet(txn, &b, &h) == TS_ERROR, "no server response yet");
}

static void
at_read_response(TSHttpTxn txn)
{
  TSMBuffer b;
  TSMLoc h, u, f;
  int len;
  EXPECT(TSHttpTxnServerRespGet(txn, &b, &h) == TS_SUCCESS, "READ_RESPONSE_HDR: server response");
  EXPECT(TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_RESPONSE, "a response");
  EXPECT(TSHttpHdrStatusGet(b, h) == TS_HTTP_STATUS_OK, "status 200");
  const char *s = TSHttpHdrReasonGet(b, h, &len);
  EXPECT(eq(s, len, "OK"), "reason OK");
  EXPECT(TSHttpHdrUrlGet(b, h, &u) == TS_ERROR, "a response has no URL");
  f = TSMimeHdrFieldFind(b, h, "set-cookie", -1);
  EXPECT(TSMimeHdrFieldValuesCount(b, h, f) == 1 && value_is(b, h, f, 0, "a=1, b=2"), "Set-Cookie is not a list");
  TSHandleMLocRelease(b, h, f);
  f = TSMimeHdrFieldFind(b, h, TS_MIME_FIELD_SERVER, TS_MIME_LEN_SERVER);
  TSMimeHdrFieldValueStringSet(b, h, f, -1, "tshost-test", -1);
  TSHandleMLocRelease(b, h, f);
  add_field(b, h, "X-Resp", "1");
  EXPECT(TSHttpTxnClientRespGet(txn, &b, &h) == TS_ERROR, "no client response yet");
}

static void
at_send_response(TSHttpTxn txn)
{
  TSMBuffer b;
  TSMLoc h;
  int len;
  EXPECT(TSHttpTxnClientRespGet(txn, &b, &h) == TS_SUCCESS, "SEND_RESPONSE_HDR: client response");
  EXPECT(field_is(b, h, "X-Resp", "1") && field_is(b, h, "Server", "tshost-test"), "copied from the server response");
  EXPECT(TSHttpHdrStatusSet(b, h, TS_HTTP_STATUS_CREATED) == TS_SUCCESS, "status set to 201");
  const char *s = TSHttpHdrReasonGet(b, h, &len);
  EXPECT(eq(s, len, "OK"), "the reason stays");
  EXPECT(TSHttpHdrReasonSet(b, h, "Made Here", -1) == TS_SUCCESS, "reason set");
  add_field(b, h, "X-Client", "1");
}

static void
at_txn_close(TSHttpTxn txn)
{
  TSMBuffer b;
  TSMLoc h;
  EXPECT(TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS && TSHttpTxnServerReqGet(txn, &b, &h) == TS_SUCCESS &&
           TSHttpTxnServerRespGet(txn, &b, &h) == TS_SUCCESS && TSHttpTxnClientRespGet(txn, &b, &h) == TS_SUCCESS,
         "TXN_CLOSE: all four headers still there");
}

static int
on_edit(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = edata;
  switch (event) {
  case TS_EVENT_HTTP_TXN_START:
    at_txn_start(txn);
    break;
  case TS_EVENT_HTTP_READ_REQUEST_HDR:
    at_read_request(txn);
    break;
  case TS_EVENT_HTTP_SEND_REQUEST_HDR:
    at_send_request(txn);
    break;
  case TS_EVENT_HTTP_READ_RESPONSE_HDR:
    at_read_response(txn);
    break;
  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    at_send_response(txn);
    break;
  case TS_EVENT_HTTP_TXN_CLOSE:
    at_txn_close(txn);
    break;
  default:
    break;
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

static int
on_error(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = edata;
  TSMBuffer b;
  TSMLoc h;
  int len;
  if (event == TS_EVENT_HTTP_READ_REQUEST_HDR) {
    TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_FORBIDDEN);
    TSHttpTxnErrorBodySet(txn, TSstrdup("denied"), 6, TSstrdup("text/plain"));
    TSHttpTxnReenable(txn, TS_EVENT_HTTP_ERROR);
    return 0;
  }
  if (event == TS_EVENT_HTTP_SEND_RESPONSE_HDR) {
    EXPECT(TSHttpTxnServerReqGet(txn, &b, &h) == TS_ERROR, "ERROR at READ_REQUEST_HDR: no server request");
    EXPECT(TSHttpTxnServerRespGet(txn, &b, &h) == TS_ERROR, "no server response");
    EXPECT(TSHttpTxnClientRespGet(txn, &b, &h) == TS_SUCCESS, "a client response tshost made");
    EXPECT(TSHttpHdrStatusGet(b, h) == TS_HTTP_STATUS_FORBIDDEN, "status 403 from TSHttpTxnStatusSet");
    const char *s = TSHttpHdrReasonGet(b, h, &len);
    EXPECT(eq(s, len, "Forbidden"), "reason from TSHttpHdrReasonLookup");
    EXPECT(field_is(b, h, "Content-Type", "text/plain") && field_is(b, h, "Content-Length", "6"),
           "Content-Type and -Length of the error body");
    add_field(b, h, "X-Error-Seen", "1");
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"hdrs_plugin", "tshost tests", "tests@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[hdrs_plugin] registration failed");
    return;
  }
  st_failures   = TSStatCreate("hdrs.failures", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  const char *m = argc > 1 ? argv[1] : "none";
  if (!strcmp(m, "edit")) {
    constants();
    TSCont c = TSContCreate(on_edit, TSMutexCreate());
    TSHttpHookID hooks[] = {TS_HTTP_TXN_START_HOOK,         TS_HTTP_READ_REQUEST_HDR_HOOK,  TS_HTTP_SEND_REQUEST_HDR_HOOK,
                            TS_HTTP_READ_RESPONSE_HDR_HOOK, TS_HTTP_SEND_RESPONSE_HDR_HOOK, TS_HTTP_TXN_CLOSE_HOOK};
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
      TSHttpHookAdd(hooks[i], c);
  } else if (!strcmp(m, "error")) {
    TSCont c = TSContCreate(on_error, TSMutexCreate());
    TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
    TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, c);
  }
}

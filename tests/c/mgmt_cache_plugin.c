/* tests/c/mgmt_cache_plugin.c: a global plugin for tests/mgmt_cache.rs, run the same way on
 * tshost and on Debian's ATS 9.2.9 (with proxy.config.http.cache.http 0).
 *
 * In TSPluginInit it reads records with TSMgmt*Get / TSMgmtSourceGet / TSMgmtDataTypeGet, walks
 * TSRecordDump, calls TSPluginDSOReloadEnable and registers for TS_EVENT_MGMT_UPDATE; what it
 * found is a text it adds to every client response (X-Records, X-Dump, X-Dso). The number of
 * TS_EVENT_MGMT_UPDATE events so far (and whether edata was NULL) is X-Mgmt-Updates.
 *
 * Per transaction it reads the cache lookup status and the cache key URL at READ_REQUEST_HDR,
 * POST_REMAP, CACHE_LOOKUP_COMPLETE and SEND_RESPONSE_HDR, and the parent selection URL at
 * SEND_RESPONSE_HDR, and answers with them in X-Cache ("rrh=STATUS|URL post=... clc=... srh=...",
 * E for TS_ERROR), X-Parent (URL or E) and X-Misc (TSHttpTxnIsCacheable, TSHttpTxnCachedRespGet,
 * TSHttpTxnCacheDiskPathGet, TSHttpTxnCacheLookupCountGet, a TSPluginDSOReloadEnable outside
 * TSPluginInit, and TSHttpTxnConfigIntGet of TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MATCH) and X-Info
 * (TSHttpTxnInfoIntGet of keys -1 to 6: "KEY=RC:VALUE"), and X-Stat: its stat mgmt_cache.responses (counted up by one per response) as
 * TSMgmtIntGet, TSMgmtDataTypeGet and TSRecordDump(TS_RECORDTYPE_PLUGIN) read it. Request fields
 * drive it:
 *   X-Cache-Key: K     at READ_REQUEST_HDR, TSCacheUrlSet(K) twice (X-Set: "first,second" rc)
 *   X-Lookup-Url: U    at POST_REMAP, TSHttpTxnCacheLookupUrlSet(U parsed), then TSCacheUrlSet
 *                      (X-Set: "lookupset,cacheurlset" rc)
 *   X-Status-Set: N    at CACHE_LOOKUP_COMPLETE, TSHttpTxnCacheLookupStatusSet(N) (X-Status-Set
 *                      in the response: its rc)
 * Each rc is 0 (TS_SUCCESS) or -1 (TS_ERROR). */
#include <ts/ts.h>
#include <ts/experimental.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char records[2048];
static char dump[512];
static char dso[64];
static char created[1024];
static int updates;
static int updates_null_edata = 1;
static int txn_arg;
static int stat_id = -1;
static char stat_dump[128];

typedef struct {
  char cache[1024];
  char set[64];
  char status_set[32];
} State;

static void
addf(char *buf, size_t size, const char *fmt, ...)
{
  size_t n = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, size - n, fmt, ap);
  va_end(ap);
}

static void
read_records(void)
{
  static const char *ints[] = {"proxy.config.http.cache.http", "proxy.config.http.send_100_continue_response",
                               "proxy.config.http.insert_squid_x_forwarded_for", "proxy.config.mgmt_test.unknown",
                               "proxy.config.http.server_ports", "no.such.record"};
  for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
    TSMgmtInt v = -99;
    TSMgmtSource src = -1;
    TSRecordDataType t = -1;
    int rc = TSMgmtIntGet(ints[i], &v);
    int src_rc = TSMgmtSourceGet(ints[i], &src);
    int t_rc = TSMgmtDataTypeGet(ints[i], &t);
    addf(records, sizeof(records), "int %s=%d:%lld src=%d:%d type=%d:%d;", ints[i], rc, (long long)v, src_rc, (int)src, t_rc,
         (int)t);
  }
  static const char *strs[] = {"proxy.config.diags.output.note", "proxy.config.diags.debug.client_ip",
                               "proxy.config.http.cache.http"};
  for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
    TSMgmtString s = NULL;
    int rc = TSMgmtStringGet(strs[i], &s);
    addf(records, sizeof(records), "str %s=%d:%s;", strs[i], rc, s ? s : "(null)");
    TSfree(s);
  }
  TSMgmtFloat f = -1;
  int rc = TSMgmtFloatGet("proxy.config.http2.min_avg_window_update", &f);
  addf(records, sizeof(records), "float=%d:%f;", rc, (double)f);
  f = -1;
  rc = TSMgmtFloatGet("proxy.config.http.cache.http", &f);
  addf(records, sizeof(records), "float-of-int=%d:%f;", rc, (double)f);
  TSMgmtCounter c = -99;
  rc = TSMgmtCounterGet("proxy.config.http.cache.http", &c);
  addf(records, sizeof(records), "counter-of-int=%d:%lld;", rc, (long long)c);
  TSMgmtSource src = -1;
  rc = TSMgmtSourceGet("proxy.config.diags.output.note", &src);
  addf(records, sizeof(records), "src-default=%d:%d", rc, (int)src);
}

static int dump_config, dump_seen_cache_http, dump_seen_unknown;

static void
dump_cb(TSRecordType rec_type, void *edata, int registered, const char *name, TSRecordDataType data_type, TSRecordData *datum)
{
  (void)edata;
  dump_config++;
  if (strcmp(name, "proxy.config.http.cache.http") == 0) {
    dump_seen_cache_http++;
    addf(dump, sizeof(dump), "cache.http type=%d reg=%d dt=%d v=%lld;", (int)rec_type, registered, (int)data_type,
         (long long)datum->rec_int);
  }
  if (strcmp(name, "proxy.config.mgmt_test.unknown") == 0) {
    dump_seen_unknown++;
    addf(dump, sizeof(dump), "unknown type=%d reg=%d dt=%d v=%lld;", (int)rec_type, registered, (int)data_type,
         (long long)datum->rec_int);
  }
  if (strcmp(name, "proxy.config.diags.debug.client_ip") == 0) {
    addf(dump, sizeof(dump), "client_ip type=%d reg=%d dt=%d null=%d;", (int)rec_type, registered, (int)data_type,
         datum->rec_string == NULL);
  }
  if (strcmp(name, "proxy.config.diags.output.note") == 0) {
    addf(dump, sizeof(dump), "note dt=%d s=%s;", (int)data_type, datum->rec_string ? datum->rec_string : "(null)");
  }
}

static int
on_update(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  if (event == TS_EVENT_MGMT_UPDATE) {
    __atomic_add_fetch(&updates, 1, __ATOMIC_SEQ_CST);
    if (edata != NULL) {
      updates_null_edata = 0;
    }
  }
  return 0;
}

static void
stat_cb(TSRecordType rec_type, void *edata, int registered, const char *name, TSRecordDataType data_type, TSRecordData *datum)
{
  (void)edata;
  if (strcmp(name, "mgmt_cache.responses") == 0) {
    addf(stat_dump, sizeof(stat_dump), "type=%d reg=%d dt=%d v=%lld", (int)rec_type, registered, (int)data_type,
         (long long)datum->rec_int);
  }
}

static void
created_cb(TSRecordType rec_type, void *edata, int registered, const char *name, TSRecordDataType data_type,
           TSRecordData *datum)
{
  (void)edata;
  if (strcmp(name, "proxy.config.mgmt_test.unknown") == 0 || strcmp(name, "plugin.mgmt_test.new") == 0) {
    addf(created, sizeof(created), "dump %s type=%d reg=%d dt=%d v=%lld;", name, (int)rec_type, registered, (int)data_type,
         (long long)datum->rec_int);
  }
}

/* TSMgmtIntCreate / TSMgmtStringCreate, then what the getters say. */
static void
create_records(void)
{
  int c1 = TSMgmtIntCreate(TS_RECORDTYPE_CONFIG, "proxy.config.mgmt_test.unknown", 5, TS_RECORDUPDATE_DYNAMIC, TS_RECORDCHECK_NULL,
                           NULL, TS_RECORDACCESS_NULL);
  int c2 = TSMgmtIntCreate(TS_RECORDTYPE_CONFIG, "plugin.mgmt_test.new", 11, TS_RECORDUPDATE_DYNAMIC, TS_RECORDCHECK_NULL, NULL,
                           TS_RECORDACCESS_NULL);
  int c3 = TSMgmtStringCreate(TS_RECORDTYPE_CONFIG, "plugin.mgmt_test.str", "abc", TS_RECORDUPDATE_DYNAMIC, TS_RECORDCHECK_NULL,
                              NULL, TS_RECORDACCESS_NULL);
  int c4 = TSMgmtIntCreate(TS_RECORDTYPE_CONFIG, "plugin.mgmt_test.bad", 1, TS_RECORDUPDATE_DYNAMIC, TS_RECORDCHECK_INT, NULL,
                           TS_RECORDACCESS_NULL);
  int c5 = TSMgmtIntCreate(TS_RECORDTYPE_CONFIG, "plugin.mgmt_test.new", 99, TS_RECORDUPDATE_DYNAMIC, TS_RECORDCHECK_NULL, NULL,
                           TS_RECORDACCESS_NULL);
  int c6 = TSMgmtConfigFileAdd("records.config", "mgmt_test.config");
  addf(created, sizeof(created), "rc=%d,%d,%d,%d,%d,%d;", c1, c2, c3, c4, c5, c6);
  static const char *ints[] = {"proxy.config.mgmt_test.unknown", "plugin.mgmt_test.new", "plugin.mgmt_test.bad"};
  for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
    TSMgmtInt v = -99;
    TSMgmtSource src = -1;
    TSRecordDataType t = -1;
    int rc = TSMgmtIntGet(ints[i], &v);
    int src_rc = TSMgmtSourceGet(ints[i], &src);
    int t_rc = TSMgmtDataTypeGet(ints[i], &t);
    addf(created, sizeof(created), "%s=%d:%lld src=%d:%d type=%d:%d;", ints[i], rc, (long long)v, src_rc, (int)src, t_rc, (int)t);
  }
  TSMgmtString str = NULL;
  TSMgmtSource src = -1;
  int rc = TSMgmtStringGet("plugin.mgmt_test.str", &str);
  int src_rc = TSMgmtSourceGet("plugin.mgmt_test.str", &src);
  addf(created, sizeof(created), "str=%d:%s src=%d:%d;", rc, str ? str : "(null)", src_rc, (int)src);
  TSfree(str);
  TSRecordDump(TS_RECORDTYPE_CONFIG, created_cb, NULL);
}

static void
url_text(TSMBuffer buf, TSMLoc url, char *out, size_t size)
{
  int len = 0;
  char *s = TSUrlStringGet(buf, url, &len);
  snprintf(out, size, "%.*s", s ? len : 1, s ? s : "?");
  TSfree(s);
}

/* "STATUS|URL" of the cache lookup now. */
static void
snapshot(TSHttpTxn txn, State *st, const char *point)
{
  int status = -7;
  char st_s[16], url_s[512];
  if (TSHttpTxnCacheLookupStatusGet(txn, &status) == TS_SUCCESS) {
    snprintf(st_s, sizeof(st_s), "%d", status);
  } else {
    snprintf(st_s, sizeof(st_s), "E");
  }
  TSMBuffer buf = TSMBufferCreate();
  TSMLoc url;
  TSUrlCreate(buf, &url);
  if (TSHttpTxnCacheLookupUrlGet(txn, buf, url) == TS_SUCCESS) {
    url_text(buf, url, url_s, sizeof(url_s));
  } else {
    snprintf(url_s, sizeof(url_s), "E");
  }
  TSHandleMLocRelease(buf, TS_NULL_MLOC, url);
  TSMBufferDestroy(buf);
  addf(st->cache, sizeof(st->cache), "%s%s=%s|%s", st->cache[0] ? " " : "", point, st_s, url_s);
}

/* The value of request field `name` into out (NUL-terminated); 0 if absent. */
static int
req_field(TSHttpTxn txn, const char *name, char *out, size_t size)
{
  TSMBuffer buf;
  TSMLoc hdr;
  int found = 0;
  if (TSHttpTxnClientReqGet(txn, &buf, &hdr) != TS_SUCCESS) {
    return 0;
  }
  TSMLoc f = TSMimeHdrFieldFind(buf, hdr, name, -1);
  if (f != TS_NULL_MLOC) {
    int len = 0;
    const char *v = TSMimeHdrFieldValueStringGet(buf, hdr, f, -1, &len);
    snprintf(out, size, "%.*s", len, v ? v : "");
    found = 1;
    TSHandleMLocRelease(buf, hdr, f);
  }
  TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
  return found;
}

static void
add_field(TSMBuffer buf, TSMLoc hdr, const char *name, const char *value)
{
  TSMLoc f;
  TSMimeHdrFieldCreateNamed(buf, hdr, name, -1, &f);
  TSMimeHdrFieldValueStringSet(buf, hdr, f, -1, value, -1);
  TSMimeHdrFieldAppend(buf, hdr, f);
  TSHandleMLocRelease(buf, hdr, f);
}

static int
on_txn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = (TSHttpTxn)edata;
  State *st = TSUserArgGet(txn, txn_arg);
  char v[512];
  switch (event) {
  case TS_EVENT_HTTP_READ_REQUEST_HDR:
    st = TSmalloc(sizeof(State));
    memset(st, 0, sizeof(*st));
    TSUserArgSet(txn, txn_arg, st);
    snapshot(txn, st, "rrh");
    if (req_field(txn, "X-Cache-Key", v, sizeof(v))) {
      int a = TSCacheUrlSet(txn, v, -1);
      int b = TSCacheUrlSet(txn, "http://second.example/", -1);
      snprintf(st->set, sizeof(st->set), "%d,%d", a, b);
    }
    break;
  case TS_EVENT_HTTP_POST_REMAP:
    if (st) {
      snapshot(txn, st, "post");
      if (req_field(txn, "X-Lookup-Url", v, sizeof(v))) {
        TSMBuffer buf = TSMBufferCreate();
        TSMLoc url;
        TSUrlCreate(buf, &url);
        const char *start = v;
        TSUrlParse(buf, url, &start, v + strlen(v));
        int a = TSHttpTxnCacheLookupUrlSet(txn, buf, url);
        TSHandleMLocRelease(buf, TS_NULL_MLOC, url);
        TSMBufferDestroy(buf);
        int b = TSCacheUrlSet(txn, "http://after.example/", -1);
        snprintf(st->set, sizeof(st->set), "%d,%d", a, b);
      }
    }
    break;
  case TS_EVENT_HTTP_CACHE_LOOKUP_COMPLETE:
    if (st) {
      snapshot(txn, st, "clc");
      if (req_field(txn, "X-Status-Set", v, sizeof(v))) {
        snprintf(st->status_set, sizeof(st->status_set), "%d", TSHttpTxnCacheLookupStatusSet(txn, atoi(v)));
        snapshot(txn, st, "clc2");
      }
    }
    break;
  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    if (st) {
      snapshot(txn, st, "srh");
      TSMBuffer buf;
      TSMLoc hdr;
      if (TSHttpTxnClientRespGet(txn, &buf, &hdr) == TS_SUCCESS) {
        add_field(buf, hdr, "X-Cache", st->cache);
        if (st->set[0]) {
          add_field(buf, hdr, "X-Set", st->set);
        }
        if (st->status_set[0]) {
          add_field(buf, hdr, "X-Status-Set", st->status_set);
        }
        TSMBuffer ubuf = TSMBufferCreate();
        TSMLoc url;
        TSUrlCreate(ubuf, &url);
        if (TSHttpTxnParentSelectionUrlGet(txn, ubuf, url) == TS_SUCCESS) {
          url_text(ubuf, url, v, sizeof(v));
        } else {
          snprintf(v, sizeof(v), "E");
        }
        TSHandleMLocRelease(ubuf, TS_NULL_MLOC, url);
        TSMBufferDestroy(ubuf);
        add_field(buf, hdr, "X-Parent", v);
        TSMBuffer cbuf = NULL;
        TSMLoc cloc = NULL;
        int disk_len = -5, count = -5;
        const char *disk = TSHttpTxnCacheDiskPathGet(txn, &disk_len);
        int count_rc = TSHttpTxnCacheLookupCountGet(txn, &count);
        TSMgmtInt match = -9;
        int match_rc = TSHttpTxnConfigIntGet(txn, TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MATCH, &match);
        snprintf(v, sizeof(v), "cacheable=%d cached=%d disk=%s:%d count=%d:%d dso=%d match=%d:%lld",
                 TSHttpTxnIsCacheable(txn, NULL, NULL), TSHttpTxnCachedRespGet(txn, &cbuf, &cloc), disk ? disk : "NULL", disk_len,
                 count_rc, count, TSPluginDSOReloadEnable(0), match_rc, (long long)match);
        add_field(buf, hdr, "X-Misc", v);
        v[0] = 0;
        for (int k = -1; k <= 6; k++) {
          TSMgmtInt iv = -9;
          int irc = TSHttpTxnInfoIntGet(txn, (TSHttpTxnInfoKey)k, &iv);
          addf(v, sizeof(v), "%s%d=%d:%lld", k == -1 ? "" : " ", k, irc, (long long)iv);
        }
        add_field(buf, hdr, "X-Info", v);
        add_field(buf, hdr, "X-Records", records);
        add_field(buf, hdr, "X-Dump", dump);
        add_field(buf, hdr, "X-Dso", dso);
        add_field(buf, hdr, "X-Created", created);
        snprintf(v, sizeof(v), "%d null=%d", __atomic_load_n(&updates, __ATOMIC_SEQ_CST), updates_null_edata);
        add_field(buf, hdr, "X-Mgmt-Updates", v);
        /* The plugin's stat as a record: counted up by one per response, then read. */
        TSStatIntIncrement(stat_id, 1);
        TSMgmtInt sv = -1;
        int s_rc = TSMgmtIntGet("mgmt_cache.responses", &sv);
        TSRecordDataType s_t = -1;
        int t_rc = TSMgmtDataTypeGet("mgmt_cache.responses", &s_t);
        stat_dump[0] = 0;
        TSRecordDump(TS_RECORDTYPE_PLUGIN, stat_cb, NULL);
        snprintf(v, sizeof(v), "get=%d:%lld type=%d:%d dump=%s", s_rc, (long long)sv, t_rc, (int)s_t, stat_dump);
        add_field(buf, hdr, "X-Stat", v);
        TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
      }
    }
    break;
  case TS_EVENT_HTTP_TXN_CLOSE:
    TSfree(st);
    TSUserArgSet(txn, txn_arg, NULL);
    break;
  default:
    break;
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"mgmt_cache", "tshost", "dev@tshost"};
  TSPluginRegister(&info);
  read_records();
  TSRecordDump(TS_RECORDTYPE_CONFIG, dump_cb, NULL);
  addf(dump, sizeof(dump), "seen=%d,%d many=%d", dump_seen_cache_http, dump_seen_unknown, dump_config > 100);
  snprintf(dso, sizeof(dso), "%d,%d", TSPluginDSOReloadEnable(1), TSPluginDSOReloadEnable(0));
  create_records();
  TSCont u = TSContCreate(on_update, TSMutexCreate());
  TSMgmtUpdateRegister(u, "mgmt_cache");
  /* A second continuation under the same name is ignored (ATS keeps the first). */
  TSMgmtUpdateRegister(TSContCreate(on_update, TSMutexCreate()), "mgmt_cache");
  stat_id = TSStatCreate("mgmt_cache.responses", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_COUNT);
  TSUserArgIndexReserve(TS_USER_ARGS_TXN, "mgmt_cache", "state", &txn_arg);
  TSCont c = TSContCreate(on_txn, NULL);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_POST_REMAP_HOOK, c);
  TSHttpHookAdd(TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK, c);
  TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
}

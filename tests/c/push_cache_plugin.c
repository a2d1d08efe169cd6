/* tests/server_push.rs and tests/esi.rs: TSHttpTxnServerPush and the cache key API with bad and
 * good arguments.
 *
 * At init: the cache key calls (create, digest from a NULL and from a real URL, TSCacheRemove's
 * callback and action, destroy twice) and TSHttpTxnServerPush on a NULL transaction, reported in
 * one TSError line "push_cache init: ...".
 * At SEND_RESPONSE_HDR, for a request with `X-Push: URL`: TSHttpTxnServerPush(URL, -1) (the
 * NUL-terminated length), the same again (the connection's diary), with a NULL url, and with a
 * URL without a host; the four return codes go back in the response header `X-Push-Result`.
 * Built with -DATS_REF (for Debian's ATS, which aborts on them), the bad arguments are skipped
 * and reported as 9. */
#include <stdio.h>
#include <string.h>
#include <ts/ts.h>

static int remove_event = -1;
static int remove_edata_null = -1;

static int
removed(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  remove_event      = (int)event;
  remove_edata_null = edata == NULL;
  return 0;
}

static void
cache_keys(void)
{
  TSCacheKey key   = TSCacheKeyCreate();
#ifdef ATS_REF
#define BAD(call) 9
#else
#define BAD(call) (call)
#endif
  int digest_null  = BAD(TSCacheKeyDigestFromUrlSet(key, NULL));
  TSMBuffer buf    = TSMBufferCreate();
  TSMLoc url       = NULL;
  const char *text = "http://example.com/a/b?c";
  const char *p    = text;
  TSUrlCreate(buf, &url);
  TSUrlParse(buf, url, &p, text + strlen(text));
  int digest_url  = TSCacheKeyDigestFromUrlSet(key, url);
  TSCont cont     = TSContCreate(removed, TSMutexCreate());
  TSAction action = TSCacheRemove(cont, key);
  int done        = TSActionDone(action);
#ifdef ATS_REF
  TSAction bad = NULL;
#else
  TSAction bad = TSCacheRemove(cont, NULL);
#endif
  int destroy     = TSCacheKeyDestroy(key);
  int again       = BAD(TSCacheKeyDestroy(key));
  int digest_dead = BAD(TSCacheKeyDigestFromUrlSet(key, url));
  int push_null   = BAD(TSHttpTxnServerPush(NULL, "https://example.com/x", 21));
  TSError("push_cache init: key=%d digest_null=%d digest_url=%d remove_event=%d edata_null=%d done=%d "
          "bad_remove=%s destroy=%d destroy_again=%d digest_dead=%d push_null_txn=%d",
          key != NULL, digest_null, digest_url, remove_event, remove_edata_null, done, bad == NULL ? "NULL" : "action",
          destroy, again, digest_dead, push_null);
  TSHandleMLocRelease(buf, TS_NULL_MLOC, url);
  TSMBufferDestroy(buf);
  TSContDestroy(cont);
}

static int
on_response(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer req, resp;
  TSMLoc rh, sh, f;
  char url[512] = "";
  if (TSHttpTxnClientReqGet(txn, &req, &rh) == TS_SUCCESS) {
    if ((f = TSMimeHdrFieldFind(req, rh, "X-Push", 6)) != TS_NULL_MLOC) {
      int len       = 0;
      const char *v = TSMimeHdrFieldValueStringGet(req, rh, f, -1, &len);
      if (v && len < (int)sizeof(url)) {
        memcpy(url, v, len);
        url[len] = 0;
      }
      TSHandleMLocRelease(req, rh, f);
    }
    TSHandleMLocRelease(req, TS_NULL_MLOC, rh);
  }
  if (url[0] && TSHttpTxnClientRespGet(txn, &resp, &sh) == TS_SUCCESS) {
    int first  = TSHttpTxnServerPush(txn, url, -1);
    int again  = TSHttpTxnServerPush(txn, url, strlen(url));
    int null   = BAD(TSHttpTxnServerPush(txn, NULL, 5));
    int nohost = TSHttpTxnServerPush(txn, "/nohost", 7);
    char result[64];
    int n = snprintf(result, sizeof(result), "%d %d %d %d", first, again, null, nohost);
    if (TSMimeHdrFieldCreateNamed(resp, sh, "X-Push-Result", 13, &f) == TS_SUCCESS) {
      TSMimeHdrFieldValueStringSet(resp, sh, f, -1, result, n);
      TSMimeHdrFieldAppend(resp, sh, f);
      TSHandleMLocRelease(resp, sh, f);
    }
    TSHandleMLocRelease(resp, TS_NULL_MLOC, sh);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"push_cache", "tshost", "tshost"};
  TSPluginRegister(&info);
  cache_keys();
  TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, TSContCreate(on_response, NULL));
}

/* tests/resp_bytes.rs: the transaction's byte counts (both directions, both sides) at
 * READ_RESPONSE_HDR, SEND_RESPONSE_HDR and TXN_CLOSE; the cached request and the alternate-info
 * getters (TS_ERROR without a cache); TSHttpTxnClientIncomingPortSet with a port out of range.
 * Built against Debian's ts.h. Everything goes to stderr, one line per check. */
#include <stdio.h>
#include <ts/ts.h>

static void
counts(TSHttpTxn txn, const char *at)
{
  fprintf(stderr,
          "bytes %s: creq_hdr=%d creq_body=%lld sreq_hdr=%d sreq_body=%lld sresp_hdr=%d sresp_body=%lld cresp_hdr=%d "
          "cresp_body=%lld\n",
          at, TSHttpTxnClientReqHdrBytesGet(txn), (long long)TSHttpTxnClientReqBodyBytesGet(txn),
          TSHttpTxnServerReqHdrBytesGet(txn), (long long)TSHttpTxnServerReqBodyBytesGet(txn),
          TSHttpTxnServerRespHdrBytesGet(txn), (long long)TSHttpTxnServerRespBodyBytesGet(txn),
          TSHttpTxnClientRespHdrBytesGet(txn), (long long)TSHttpTxnClientRespBodyBytesGet(txn));
}

static const char *
rc(TSReturnCode r)
{
  return r == TS_SUCCESS ? "success" : "error";
}

static int
handler(TSCont contp __attribute__((unused)), TSEvent event, void *edata)
{
  TSHttpTxn txn = (TSHttpTxn)edata;
  if (event == TS_EVENT_HTTP_READ_RESPONSE_HDR) {
    counts(txn, "read_response_hdr");
  } else if (event == TS_EVENT_HTTP_SEND_RESPONSE_HDR) {
    TSMBuffer buf = NULL;
    TSMLoc loc    = NULL;
    fprintf(stderr, "cached_req: %s\n", rc(TSHttpTxnCachedReqGet(txn, &buf, &loc)));
    counts(txn, "send_response_hdr");
  } else if (event == TS_EVENT_HTTP_TXN_CLOSE) {
    counts(txn, "txn_close");
    TSHttpTxnClientIncomingPortSet(txn, 70000);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc __attribute__((unused)), const char *argv[] __attribute__((unused)))
{
  TSPluginRegistrationInfo info = {"resp_bytes", "tshost", "none"};
  TSMBuffer buf                 = NULL;
  TSMLoc loc                    = NULL;
  int not_alt_info;
  TSPluginRegister(&info);
  /* No TS_HTTP_SELECT_ALT_HOOK ever fires in tshost: no handle is an alternate info. */
  fprintf(stderr, "alt client_req: %s\n", rc(TSHttpAltInfoClientReqGet((TSHttpAltInfo)&not_alt_info, &buf, &loc)));
  fprintf(stderr, "alt cached_req: %s\n", rc(TSHttpAltInfoCachedReqGet((TSHttpAltInfo)&not_alt_info, &buf, &loc)));
  fprintf(stderr, "alt cached_resp: %s\n", rc(TSHttpAltInfoCachedRespGet(NULL, &buf, &loc)));
  TSCont c = TSContCreate(handler, NULL);
  TSHttpHookAdd(TS_HTTP_READ_RESPONSE_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
}

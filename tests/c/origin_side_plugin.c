/* origin_side_plugin.c: the plugin tests/origin_side.rs loads into tshost to steer and read a
 * transaction's origin side through the C API (TSHttpTxnServerAddrSet, TSHttpTxnOutgoingAddrSet,
 * the getters, TSHttpTxnCntlGet/Set, TSHttpTxnRedirectUrlGet) and report what it read in
 * response fields.
 *
 * POST_REMAP: a client field "X-Server: PORT" sends the transaction to 127.0.0.1:PORT
 * (TSHttpTxnServerAddrSet); "X-Bind: IP" binds the server connection to IP, any port
 * (TSHttpTxnOutgoingAddrSet). It also records what the getters say before the origin is found.
 * SEND_RESPONSE_HDR: "X-Outgoing" (TSHttpTxnOutgoingAddrGet's address), "X-Server-Addr"
 * (TSHttpTxnServerAddrGet's address:port), "X-Next-Hop" (name:port), "X-Before" (at POST_REMAP:
 * the server address's family, the next hop name NULL or not, its port, the outgoing address NULL
 * or not), "X-Cntl" (logging and skip-remap controls, then TSHttpTxnCntlSet's return for an
 * unknown control and a NULL address's TSHttpTxnServerAddrSet), "X-Redirect-Pending" (the length
 * TSHttpTxnRedirectUrlGet gives), "X-Rule" (TSRemapFromUrlGet and TSRemapToUrlGet's URLs, read with
 * the client request's buffer) and, when the client sent "X-Null", "X-Rule-Null" (TSRemapFromUrlGet with a NULL out pointer:
 * ATS aborts).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ts/ts.h>

static int before_arg = -1;

static const char *
field(TSMBuffer b, TSMLoc h, const char *name, int *len)
{
  TSMLoc f = TSMimeHdrFieldFind(b, h, name, -1);
  if (f == TS_NULL_MLOC) {
    return NULL;
  }
  const char *v = TSMimeHdrFieldValueStringGet(b, h, f, -1, len);
  TSHandleMLocRelease(b, h, f);
  return v;
}

static void
set_field(TSMBuffer b, TSMLoc h, const char *name, const char *value)
{
  TSMLoc f;
  if (TSMimeHdrFieldCreateNamed(b, h, name, -1, &f) == TS_SUCCESS) {
    TSMimeHdrFieldValueStringSet(b, h, f, -1, value, -1);
    TSMimeHdrFieldAppend(b, h, f);
    TSHandleMLocRelease(b, h, f);
  }
}

static void
addr_text(const struct sockaddr *a, char *out, size_t n, int with_port)
{
  if (a == NULL) {
    snprintf(out, n, "null");
  } else if (a->sa_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
    if (with_port) {
      snprintf(out, n, "%s:%d", ip, ntohs(v4->sin_port));
    } else {
      snprintf(out, n, "%s", ip);
    }
  } else {
    snprintf(out, n, "family-%d", a->sa_family);
  }
}

static int
handler(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer b;
  TSMLoc h;
  int len;
  char buf[512];

  if (event == TS_EVENT_HTTP_POST_REMAP && TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    const struct sockaddr *s = TSHttpTxnServerAddrGet(txn);
    snprintf(buf, sizeof(buf), "family=%d name=%s port=%d outgoing=%s", s ? s->sa_family : -1,
             TSHttpTxnNextHopNameGet(txn) ? "set" : "null", TSHttpTxnNextHopPortGet(txn),
             TSHttpTxnOutgoingAddrGet(txn) ? "set" : "null");
    TSUserArgSet(txn, before_arg, TSstrdup(buf));
    const char *v = field(b, h, "X-Server", &len);
    if (v != NULL) {
      struct sockaddr_in a = {0};
      a.sin_family         = AF_INET;
      a.sin_port           = htons((unsigned short)atoi(v));
      a.sin_addr.s_addr    = htonl(INADDR_LOOPBACK);
      TSHttpTxnServerAddrSet(txn, (struct sockaddr *)&a);
    }
    v = field(b, h, "X-Bind", &len);
    if (v != NULL) {
      char ip[64];
      snprintf(ip, sizeof(ip), "%.*s", len, v);
      struct sockaddr_in a = {0};
      a.sin_family         = AF_INET;
      inet_pton(AF_INET, ip, &a.sin_addr);
      TSHttpTxnOutgoingAddrSet(txn, (struct sockaddr *)&a);
    }
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  } else if (event == TS_EVENT_HTTP_SEND_RESPONSE_HDR && TSHttpTxnClientRespGet(txn, &b, &h) == TS_SUCCESS) {
    addr_text(TSHttpTxnOutgoingAddrGet(txn), buf, sizeof(buf), 0);
    set_field(b, h, "X-Outgoing", buf);
    addr_text(TSHttpTxnServerAddrGet(txn), buf, sizeof(buf), 1);
    set_field(b, h, "X-Server-Addr", buf);
    const char *name = TSHttpTxnNextHopNameGet(txn);
    snprintf(buf, sizeof(buf), "%s:%d", name ? name : "null", TSHttpTxnNextHopPortGet(txn));
    set_field(b, h, "X-Next-Hop", buf);
    char *before = TSUserArgGet(txn, before_arg);
    set_field(b, h, "X-Before", before ? before : "none");
    TSfree(before);
    snprintf(buf, sizeof(buf), "logging=%d skip=%d unknown=%d null-addr=%d", TSHttpTxnCntlGet(txn, TS_HTTP_CNTL_LOGGING_MODE),
             TSHttpTxnCntlGet(txn, TS_HTTP_CNTL_SKIP_REMAPPING), TSHttpTxnCntlSet(txn, (TSHttpCntlType)99, true),
             TSHttpTxnServerAddrSet(txn, NULL));
    set_field(b, h, "X-Cntl", buf);
    /* The rule's FROM and TO URLs, read with the client request's buffer. */
    TSMBuffer rb;
    TSMLoc rh, from, to;
    if (TSHttpTxnClientReqGet(txn, &rb, &rh) == TS_SUCCESS) {
      if (TSRemapFromUrlGet(txn, &from) == TS_SUCCESS && TSRemapToUrlGet(txn, &to) == TS_SUCCESS) {
        int fl, tl;
        char *fs = TSUrlStringGet(rb, from, &fl), *ts = TSUrlStringGet(rb, to, &tl);
        snprintf(buf, sizeof(buf), "%.*s -> %.*s", fl, fs ? fs : "", tl, ts ? ts : "");
        TSfree(fs);
        TSfree(ts);
      } else {
        snprintf(buf, sizeof(buf), "none");
      }
      set_field(b, h, "X-Rule", buf);
      int nl;
      if (field(rb, rh, "X-Null", &nl) != NULL) {
        /* ATS 9.2.9 aborts here (sdk_assert); tshost refuses the call. */
        snprintf(buf, sizeof(buf), "%d", TSRemapFromUrlGet(txn, NULL));
        set_field(b, h, "X-Rule-Null", buf);
      }
      TSHandleMLocRelease(rb, TS_NULL_MLOC, rh);
    }
    int rlen = -7;
    TSHttpTxnRedirectUrlGet(txn, &rlen);
    snprintf(buf, sizeof(buf), "%d", rlen);
    set_field(b, h, "X-Redirect-Pending", buf);
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"origin_side", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[origin_side] registration failed");
    return;
  }
  TSUserArgIndexReserve(TS_USER_ARGS_TXN, "origin_side", "what the getters said at POST_REMAP", &before_arg);
  TSCont c = TSContCreate(handler, NULL);
  TSHttpHookAdd(TS_HTTP_POST_REMAP_HOOK, c);
  TSHttpHookAdd(TS_HTTP_SEND_RESPONSE_HDR_HOOK, c);
}

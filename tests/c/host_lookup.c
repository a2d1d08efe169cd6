/* TSHostLookup, TSIpStringToAddr and TSHttpTxnServerFdGet after the response (tests/tslua.rs).
 * A request with `X-Lookup: NAME` waits at READ_REQUEST_HDR for the lookup of NAME; its callback
 * adds `X-Found: ADDRESS` (or `none`) to the request and reenables it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <ts/ts.h>
#include <ts/experimental.h>

static void
set_found(TSHttpTxn txn, const char *v)
{
  TSMBuffer b;
  TSMLoc h, f;
  if (TSHttpTxnClientReqGet(txn, &b, &h) != TS_SUCCESS) {
    return;
  }
  if (TSMimeHdrFieldCreateNamed(b, h, "X-Found", 7, &f) == TS_SUCCESS) {
    TSMimeHdrFieldValueStringSet(b, h, f, -1, v, strlen(v));
    TSMimeHdrFieldAppend(b, h, f);
    TSHandleMLocRelease(b, h, f);
  }
  TSHandleMLocRelease(b, TS_NULL_MLOC, h);
}

static int
on_lookup(TSCont contp, TSEvent event, void *edata)
{
  TSHttpTxn txn = TSContDataGet(contp);
  char ip[INET6_ADDRSTRLEN] = "none";
  if (event != TS_EVENT_HOST_LOOKUP) {
    snprintf(ip, sizeof ip, "event-%d", (int)event);
  } else if (edata) {
    const struct sockaddr *a = TSHostLookupResultAddrGet((TSHostLookupResult)edata);
    if (a && a->sa_family == AF_INET) {
      inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof ip);
    } else if (a && a->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, sizeof ip);
    }
  }
  set_found(txn, ip);
  TSContDestroy(contp);
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

static int
on_txn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = edata;
  if (event == TS_EVENT_HTTP_TXN_CLOSE) {
    int fd = 7;
    TSReturnCode r = TSHttpTxnServerFdGet(txn, &fd);
    fprintf(stderr, "txn_close fd: %s %d\n", r == TS_SUCCESS ? "success" : "error", fd);
    fflush(stderr);
    TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
    return 0;
  }
  TSMBuffer b;
  TSMLoc h, f;
  char name[256] = "";
  if (TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    if ((f = TSMimeHdrFieldFind(b, h, "X-Lookup", 8)) != TS_NULL_MLOC) {
      int len = 0;
      const char *v = TSMimeHdrFieldValueStringGet(b, h, f, -1, &len);
      if (v && len > 0 && len < (int)sizeof name) {
        memcpy(name, v, len);
        name[len] = 0;
      }
      TSHandleMLocRelease(b, h, f);
    }
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  if (name[0]) {
    TSCont c = TSContCreate(on_lookup, TSMutexCreate());
    TSContDataSet(c, txn);
    if (TSHostLookup(c, name, strlen(name)) != NULL) {
      return 0;
    }
    TSContDestroy(c);
    set_found(txn, "error");
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {"host_lookup", "tshost", "tshost@example.com"};
  TSPluginRegister(&info);
  struct sockaddr_storage ss;
  struct sockaddr *sa = (struct sockaddr *)&ss;
  int ok = TSIpStringToAddr("127.0.0.1:33333", 15, sa) == TS_SUCCESS && sa->sa_family == AF_INET &&
           ntohs(((struct sockaddr_in *)sa)->sin_port) == 33333;
  ok = ok && TSIpStringToAddr("[::1]:80", 8, sa) == TS_SUCCESS && sa->sa_family == AF_INET6 &&
       ntohs(((struct sockaddr_in6 *)sa)->sin6_port) == 80;
  ok = ok && TSIpStringToAddr("not an address", 14, sa) == TS_ERROR && sa->sa_family == AF_UNSPEC;
  fprintf(stderr, "ip_string: %s\n", ok ? "ok" : "WRONG");
  fflush(stderr);
  TSCont c = TSContCreate(on_txn, NULL);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
}

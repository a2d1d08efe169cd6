/* ssn_plugin.c: the session/transaction accessor tests' plugin (driven by ssn_test.c).
 *
 * Written against the public ts.h only; tests/ssn_accessors.rs builds it against tshost's
 * include/ts/ts.h and against Debian's trafficserver-dev <ts/ts.h> and expects the same output.
 *
 * At SSN_START, TXN_START, READ_REQUEST_HDR, TXN_CLOSE and SSN_CLOSE it prints (to stdout) what the
 * accessors report: client and incoming addresses, the client fd, IsInternal, the protocol stacks
 * (each tag printed as the name of the TS_PROTO_TAG_* / TS_ALPN_PROTOCOL_* variable it is
 * pointer-equal to), ProtocolStackContains for a set of prefixes, and TSHttpTxnAborted at
 * TXN_CLOSE. Lines start with the hook name. At the first SSN_START it also calls every accessor
 * with NULL and garbage handles, and at every SSN_START with the handle of the previous (dead)
 * session. */
#include <ts/ts.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN "ssn_probe"

static TSHttpSsn current_ssn, dead_ssn;
static int bad_checked;
static long garbage[8];

/* The name of the exported variable pointer-equal to `p`. */
static const char *
name_of(const char *p)
{
  struct {
    const char *const *var;
    const char *name;
  } vars[] = {
    {&TS_PROTO_TAG_HTTP_1_0, "HTTP_1_0"},           {&TS_PROTO_TAG_HTTP_1_1, "HTTP_1_1"},
    {&TS_PROTO_TAG_HTTP_2_0, "HTTP_2_0"},           {&TS_PROTO_TAG_HTTP_3, "HTTP_3"},
    {&TS_PROTO_TAG_HTTP_QUIC, "HTTP_QUIC"},         {&TS_PROTO_TAG_TLS_1_3, "TLS_1_3"},
    {&TS_PROTO_TAG_TLS_1_2, "TLS_1_2"},             {&TS_PROTO_TAG_TLS_1_1, "TLS_1_1"},
    {&TS_PROTO_TAG_TLS_1_0, "TLS_1_0"},             {&TS_PROTO_TAG_TCP, "TCP"},
    {&TS_PROTO_TAG_UDP, "UDP"},                     {&TS_PROTO_TAG_IPV4, "IPV4"},
    {&TS_PROTO_TAG_IPV6, "IPV6"},                   {&TS_ALPN_PROTOCOL_HTTP_0_9, "ALPN_HTTP_0_9"},
    {&TS_ALPN_PROTOCOL_HTTP_3_D27, "ALPN_HTTP_3_D27"}, {&TS_ALPN_PROTOCOL_HTTP_QUIC_D27, "ALPN_HTTP_QUIC_D27"},
  };
  if (p == NULL)
    return "NULL";
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (*vars[i].var == p)
      return vars[i].name;
  return "NOT-A-TAG-VARIABLE";
}

static void
addr_str(const struct sockaddr *sa, char *out, size_t n)
{
  char ip[INET6_ADDRSTRLEN];
  if (sa == NULL) {
    snprintf(out, n, "NULL");
  } else if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
    snprintf(out, n, "%s:%u", ip, ntohs(in->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
    snprintf(out, n, "[%s]:%u", ip, ntohs(in6->sin6_port));
  } else {
    snprintf(out, n, "family%d", sa->sa_family);
  }
}

/* "TS_SUCCESS:N" or "TS_ERROR" (with "(untouched)" when *fdp kept its sentinel). */
static void
fd_str(TSReturnCode rc, int fd, char *out, size_t n)
{
  if (rc == TS_SUCCESS)
    snprintf(out, n, "ok:%d", fd);
  else
    snprintf(out, n, "TS_ERROR%s", fd == -77 ? "(untouched)" : "(CHANGED)");
}

static void
print_stack(const char *hook, const char *what, TSReturnCode rc, const char **tags, int actual)
{
  printf("%s %s rc=%s actual=%d [", hook, what, rc == TS_SUCCESS ? "ok" : "TS_ERROR", actual);
  for (int i = 0; i < actual; i++) {
    /* Every tag is the canonical pointer: TSNormalizedProtocolTag of a copy gives it back
     * (http/0.9 excepted: ATS does not register it). */
    char copy[32];
    snprintf(copy, sizeof copy, "%s", tags[i]);
    const char *norm = TSNormalizedProtocolTag(copy);
    printf("%s%s=%s%s", i ? " " : "", tags[i], name_of(tags[i]), norm == tags[i] ? "" : "(not-normalized)");
  }
  printf("]\n");
}

static const char *prefixes[] = {"", "h", "h2", "H2", "tls", "TLS", "tls/1.3", "tls/1.2x", "http", "http/1.1", "HTTP",
                                 "tc", "TCP", "Udp", "IPv", "ipv6", "x"};

static void
report_ssn(const char *hook, TSHttpSsn ssn)
{
  char a[80], b[80], f[40];
  addr_str(TSHttpSsnClientAddrGet(ssn), a, sizeof a);
  addr_str(TSHttpSsnIncomingAddrGet(ssn), b, sizeof b);
  int fd         = -77;
  TSReturnCode r = TSHttpSsnClientFdGet(ssn, &fd);
  fd_str(r, fd, f, sizeof f);
  printf("%s ssn client=%s incoming=%s fd=%s internal=%d\n", hook, a, b, f, TSHttpSsnIsInternal(ssn));

  const char *tags[10];
  int actual = -1;
  r          = TSHttpSsnClientProtocolStackGet(ssn, 10, tags, &actual);
  print_stack(hook, "ssn_stack(10)", r, tags, actual);
  actual = -1;
  r      = TSHttpSsnClientProtocolStackGet(ssn, 1, tags, &actual);
  print_stack(hook, "ssn_stack(1)", r, tags, actual);
  actual = -1;
  r      = TSHttpSsnClientProtocolStackGet(ssn, 0, NULL, &actual);
  printf("%s ssn_stack(0,NULL) rc=%s actual=%d\n", hook, r == TS_SUCCESS ? "ok" : "TS_ERROR", actual);

  printf("%s ssn_contains", hook);
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    printf(" '%s'=%s", prefixes[i], name_of(TSHttpSsnClientProtocolStackContains(ssn, prefixes[i])));
  printf("\n");
}

static void
report_txn(const char *hook, TSHttpTxn txn)
{
  TSHttpSsn ssn = TSHttpTxnSsnGet(txn);
  char a[80], b[80], f[40];
  addr_str(TSHttpTxnClientAddrGet(txn), a, sizeof a);
  addr_str(TSHttpTxnIncomingAddrGet(txn), b, sizeof b);
  int fd         = -77;
  TSReturnCode r = TSHttpTxnClientFdGet(txn, &fd);
  fd_str(r, fd, f, sizeof f);
  printf("%s txn same_ssn=%d same_addr_ptrs=%d client=%s incoming=%s fd=%s internal=%d\n", hook, ssn == current_ssn,
         TSHttpTxnClientAddrGet(txn) == TSHttpSsnClientAddrGet(ssn) &&
           TSHttpTxnIncomingAddrGet(txn) == TSHttpSsnIncomingAddrGet(ssn),
         a, b, f, TSHttpTxnIsInternal(txn));

  const char *tags[10];
  int actual = -1;
  r          = TSHttpTxnClientProtocolStackGet(txn, 10, tags, &actual);
  print_stack(hook, "txn_stack(10)", r, tags, actual);
  actual = -1;
  r      = TSHttpTxnClientProtocolStackGet(txn, 2, tags, &actual);
  print_stack(hook, "txn_stack(2)", r, tags, actual);

  printf("%s txn_contains", hook);
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    printf(" '%s'=%s", prefixes[i], name_of(TSHttpTxnClientProtocolStackContains(txn, prefixes[i])));
  printf("\n");
}

/* Every accessor with a NULL, a garbage and a dead handle: no crash, error values. */
static void
bad_handles(const char *label, TSHttpSsn ssn, TSHttpTxn txn)
{
  int fd = -77, actual = -77;
  const char *tags[4];
  int bad = 0;
  bad += TSHttpSsnClientAddrGet(ssn) != NULL;
  bad += TSHttpSsnIncomingAddrGet(ssn) != NULL;
  bad += TSHttpSsnClientFdGet(ssn, &fd) != TS_ERROR || fd != -77;
  bad += TSHttpSsnIsInternal(ssn) != 0;
  bad += TSHttpSsnClientProtocolStackGet(ssn, 4, tags, &actual) != TS_ERROR;
  bad += TSHttpSsnClientProtocolStackContains(ssn, "tcp") != NULL;
  bad += TSHttpTxnClientAddrGet(txn) != NULL;
  bad += TSHttpTxnIncomingAddrGet(txn) != NULL;
  bad += TSHttpTxnClientFdGet(txn, &fd) != TS_ERROR || fd != -77;
  bad += TSHttpTxnIsInternal(txn) != 0;
  bad += TSHttpTxnClientProtocolStackGet(txn, 4, tags, &actual) != TS_ERROR;
  bad += TSHttpTxnClientProtocolStackContains(txn, "tcp") != NULL;
  bad += TSHttpTxnAborted(txn) != TS_ERROR;
  printf("bad handles (%s): %s\n", label, bad == 0 ? "all refused" : "SOME ACCEPTED");
}

static int
on_event(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  switch (event) {
  case TS_EVENT_HTTP_SSN_START: {
    TSHttpSsn ssn = (TSHttpSsn)edata;
    current_ssn   = ssn;
    if (!bad_checked) {
      bad_checked = 1;
      bad_handles("NULL", NULL, NULL);
      bad_handles("garbage", (TSHttpSsn)(void *)garbage, (TSHttpTxn)(void *)&garbage[4]);
      bad_handles("small int", (TSHttpSsn)(void *)0x10, (TSHttpTxn)(void *)0x18);
    }
    if (dead_ssn)
      bad_handles("previous session", dead_ssn, (TSHttpTxn)dead_ssn);
    /* Arguments ATS aborts on: refused with an error value. */
    const char *tags[2];
    int actual = -77;
    printf("SSN_START misuse: fdp=NULL %s, result=NULL %s actual=%d, tag=NULL %s, register=%s\n",
           TSHttpSsnClientFdGet(ssn, NULL) == TS_ERROR ? "TS_ERROR" : "ok",
           TSHttpSsnClientProtocolStackGet(ssn, 2, NULL, &actual) == TS_ERROR ? "TS_ERROR" : "ok", actual,
           name_of(TSHttpSsnClientProtocolStackContains(ssn, NULL)), name_of(TSRegisterProtocolTag("foo/1")));
    (void)tags;
    report_ssn("SSN_START", ssn);
    TSHttpSsnReenable(ssn, TS_EVENT_HTTP_CONTINUE);
    return 0;
  }
  case TS_EVENT_HTTP_SSN_CLOSE: {
    TSHttpSsn ssn = (TSHttpSsn)edata;
    report_ssn("SSN_CLOSE", ssn);
    dead_ssn = ssn;
    TSHttpSsnReenable(ssn, TS_EVENT_HTTP_CONTINUE);
    return 0;
  }
  case TS_EVENT_HTTP_TXN_START:
  case TS_EVENT_HTTP_READ_REQUEST_HDR:
  case TS_EVENT_HTTP_TXN_CLOSE: {
    TSHttpTxn txn    = (TSHttpTxn)edata;
    const char *hook = event == TS_EVENT_HTTP_TXN_START ? "TXN_START" :
                       event == TS_EVENT_HTTP_TXN_CLOSE ? "TXN_CLOSE" :
                                                          "READ_REQUEST_HDR";
    report_txn(hook, txn);
    if (event == TS_EVENT_HTTP_TXN_CLOSE) {
      int fd = -77;
      printf("TXN_CLOSE aborted=%s fdp=NULL %s\n", TSHttpTxnAborted(txn) == TS_SUCCESS ? "TS_SUCCESS" : "TS_ERROR",
             TSHttpTxnClientFdGet(txn, NULL) == TS_ERROR ? "TS_ERROR" : "ok");
      (void)fd;
    }
    TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
    return 0;
  }
  default:
    return 0;
  }
}

void
TSPluginInit(int argc, const char *argv[])
{
  (void)argc;
  (void)argv;
  TSPluginRegistrationInfo info = {PLUGIN, "tshost", "dev@example.com"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", PLUGIN);
    return;
  }
  printf("init: TS_PROTO_TAG_HTTP_3=%s TS_PROTO_TAG_HTTP_QUIC=%s D27=%s,%s groups=%s,%s same_1_1=%d same_2_0=%d\n",
         TS_PROTO_TAG_HTTP_3, TS_PROTO_TAG_HTTP_QUIC, TS_ALPN_PROTOCOL_HTTP_3_D27, TS_ALPN_PROTOCOL_HTTP_QUIC_D27,
         TS_ALPN_PROTOCOL_GROUP_HTTP, TS_ALPN_PROTOCOL_GROUP_HTTP2, TS_PROTO_TAG_HTTP_1_1 == TS_ALPN_PROTOCOL_HTTP_1_1,
         TS_PROTO_TAG_HTTP_2_0 == TS_ALPN_PROTOCOL_HTTP_2_0);
  printf("init: indices %d %d %d %d %d %d\n", TS_ALPN_PROTOCOL_INDEX_HTTP_0_9, TS_ALPN_PROTOCOL_INDEX_HTTP_1_0,
         TS_ALPN_PROTOCOL_INDEX_HTTP_1_1, TS_ALPN_PROTOCOL_INDEX_HTTP_2_0, TS_ALPN_PROTOCOL_INDEX_HTTP_3,
         TS_ALPN_PROTOCOL_INDEX_HTTP_QUIC);
  printf("init: normalized tls/1.2=%s h2=%s H2=%s http/0.9=%s h3-27=%s tcp=%s\n", name_of(TSNormalizedProtocolTag("tls/1.2")),
         name_of(TSNormalizedProtocolTag("h2")), name_of(TSNormalizedProtocolTag("H2")),
         name_of(TSNormalizedProtocolTag("http/0.9")), name_of(TSNormalizedProtocolTag("h3-27")),
         name_of(TSNormalizedProtocolTag("tcp")));
  TSCont c = TSContCreate(on_event, NULL);
  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_START_HOOK, c);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, c);
  TSHttpHookAdd(TS_HTTP_TXN_CLOSE_HOOK, c);
  TSHttpHookAdd(TS_HTTP_SSN_CLOSE_HOOK, c);
  fflush(stdout);
}

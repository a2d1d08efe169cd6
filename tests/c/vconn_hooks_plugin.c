/* A plugin on every client connection hook (tests/vconn_hooks.rs), built against Debian's ts.h.
 *
 * plugin.config: vconn_hooks_plugin.so LOGFILE [hold=HOOK,...] [fail=HOOK] [noh2=SNI]
 *                [cert=SNI:NAME] [ms=N]
 *   hold=  hooks to hold (VCONN_START, CLIENT_HELLO, CERT, SERVERNAME): the callback returns
 *          without reenabling and a new pthread reenables after N ms (default 200)
 *   fail=  the hook whose callback reenables with TS_EVENT_ERROR
 *   noh2=  at SERVERNAME, when the SNI is this name: TSVConnProtocolDisable(vc, "h2")
 *   cert=  at CERT, when the SNI is SNI: switch the connection to TSSslContextFindByName(NAME)
 *   outbound  also trace the origin side: OUT_START, VERIFY_SERVER, OUT_CLOSE (hold= and fail=
 *          take those names too)
 *
 * Writes one line per event to LOGFILE: "<EVENT> vc=<ptr> ..." (see the callbacks).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ts/ts.h>

static FILE *logf;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char hold[256];
static char fail[64];
static char noh2[128];
static char cert_sni[128];
static char cert_name[128];
static int hold_ms = 200;
static int outbound;
static int arg_idx = -1;

static void
logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logline(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&log_lock);
  vfprintf(logf, fmt, ap);
  fputc('\n', logf);
  fflush(logf);
  pthread_mutex_unlock(&log_lock);
  va_end(ap);
}

static const char *
hook_name(TSEvent e)
{
  switch (e) {
  case TS_EVENT_VCONN_START:
    return "VCONN_START";
  case TS_EVENT_SSL_CLIENT_HELLO:
    return "CLIENT_HELLO";
  case TS_EVENT_SSL_SERVERNAME:
    return "SERVERNAME";
  case TS_EVENT_SSL_CERT:
    return "CERT";
  case TS_EVENT_VCONN_CLOSE:
    return "VCONN_CLOSE";
  case TS_EVENT_VCONN_OUTBOUND_START:
    return "OUT_START";
  case TS_EVENT_VCONN_OUTBOUND_CLOSE:
    return "OUT_CLOSE";
  case TS_EVENT_SSL_VERIFY_SERVER:
    return "VERIFY_SERVER";
  default:
    return "OTHER";
  }
}

static int
listed(const char *list, const char *name)
{
  size_t n = strlen(name);
  const char *p = list;
  while ((p = strstr(p, name)) != NULL) {
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) {
      return 1;
    }
    p += n;
  }
  return 0;
}

struct later {
  TSVConn vc;
  const char *hook;
};

static void *
reenable_later(void *arg)
{
  struct later *l = arg;
  struct timespec ts = {hold_ms / 1000, (long)(hold_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  logline("REENABLE %s vc=%p from=thread", l->hook, (void *)l->vc);
  TSVConnReenable(l->vc);
  free(l);
  return NULL;
}

static const char *
sni_of(TSVConn vc)
{
  SSL *ssl = (SSL *)TSVConnSslConnectionGet(vc);
  const char *s = ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) : NULL;
  return s ? s : "";
}

static int
on_conn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSVConn vc = (TSVConn)edata;
  const char *name = hook_name(event);
  char peer[64] = "-";
  const struct sockaddr *ra = TSNetVConnRemoteAddrGet(vc);
  if (ra && ra->sa_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ra)->sin_addr, peer, sizeof(peer));
  }
  const struct sockaddr *la = TSNetVConnLocalAddrGet(vc);
  int lport = (la && la->sa_family == AF_INET) ? ntohs(((const struct sockaddr_in *)la)->sin_port) : 0;
  logline("%s vc=%p ssl=%d fd=%d peer=%s lport=%d sni=%s", name, (void *)vc, TSVConnIsSsl(vc), TSVConnFdGet(vc), peer, lport,
          sni_of(vc));

  if (event == TS_EVENT_VCONN_START) {
    TSUserArgSet(vc, arg_idx, (void *)vc);
  }
  if (event == TS_EVENT_SSL_SERVERNAME && noh2[0] && strcmp(sni_of(vc), noh2) == 0) {
    TSReturnCode rc = TSVConnProtocolDisable(vc, TS_ALPN_PROTOCOL_HTTP_2_0);
    logline("DISABLE h2 vc=%p rc=%d", (void *)vc, rc == TS_SUCCESS);
  }
  if (event == TS_EVENT_SSL_CERT && cert_sni[0] && strcmp(sni_of(vc), cert_sni) == 0) {
    SSL_CTX *ctx = (SSL_CTX *)TSSslContextFindByName(cert_name);
    logline("SWITCH vc=%p to=%s found=%d", (void *)vc, cert_name, ctx != NULL);
    if (ctx) {
      SSL_set_SSL_CTX((SSL *)TSVConnSslConnectionGet(vc), ctx);
    }
  }
  if (event == TS_EVENT_SSL_VERIFY_SERVER) {
    int len = -1;
    const char *sni = TSVConnSslSniGet(vc, &len);
    logline("VERIFY_CTX vc=%p ctx=%d sni=%.*s", (void *)vc, TSVConnSslVerifyCTXGet(vc) != NULL, len > 0 ? len : 0, sni ? sni : "");
  }
  int closing = event == TS_EVENT_VCONN_CLOSE || event == TS_EVENT_VCONN_OUTBOUND_CLOSE;
  if (!closing && strcmp(fail, name) == 0) {
    logline("FAIL %s vc=%p", name, (void *)vc);
    TSVConnReenableEx(vc, TS_EVENT_ERROR);
    return 0;
  }
  if (!closing && listed(hold, name)) {
    struct later *l = malloc(sizeof(*l));
    l->vc = vc;
    l->hook = name;
    pthread_t t;
    pthread_create(&t, NULL, reenable_later, l);
    pthread_detach(t);
    return 0;
  }
  TSVConnReenable(vc);
  return 0;
}

static int
on_ssn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpSsn ssn = (TSHttpSsn)edata;
  TSVConn vc = TSHttpSsnClientVConnGet(ssn);
  if (event == TS_EVENT_HTTP_SSN_START) {
    const char *proto = TSVConnSslProtocolGet(vc);
    const char *cipher = TSVConnSslCipherGet(vc);
    const char *curve = TSVConnSslCurveGet(vc);
    int len = -1;
    const char *sni = TSVConnSslSniGet(vc, &len);
    logline("SSN_START vc=%p ssl=%d arg=%d proto=%s cipher=%s curve=%s sni=%s len=%d reused=%d", (void *)vc, TSVConnIsSsl(vc),
            TSUserArgGet(vc, arg_idx) == (void *)vc, proto ? proto : "-", cipher ? cipher : "-", curve ? curve : "-",
            sni ? sni : "(null)", len, TSVConnIsSslReused(vc));
    if (!TSVConnIsSsl(vc)) {
      TSUserArgSet(vc, arg_idx, (void *)ssn);
      logline("PLAIN vc=%p arg=%d fd_ok=%d", (void *)vc, TSUserArgGet(vc, arg_idx) == (void *)ssn, TSVConnFdGet(vc) >= 0);
    }
  } else {
    logline("SSN_CLOSE vc=%p", (void *)vc);
  }
  TSHttpSsnReenable(ssn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"vconn_hooks_plugin", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    TSError("[vconn_hooks_plugin] registration failed or no log file");
    return;
  }
  logf = fopen(argv[1], "a");
  if (!logf) {
    TSError("[vconn_hooks_plugin] cannot open %s", argv[1]);
    return;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "hold=", 5) == 0) {
      snprintf(hold, sizeof(hold), "%s", a + 5);
    } else if (strncmp(a, "fail=", 5) == 0) {
      snprintf(fail, sizeof(fail), "%s", a + 5);
    } else if (strncmp(a, "noh2=", 5) == 0) {
      snprintf(noh2, sizeof(noh2), "%s", a + 5);
    } else if (strcmp(a, "outbound") == 0) {
      outbound = 1;
    } else if (strncmp(a, "ms=", 3) == 0) {
      hold_ms = atoi(a + 3);
    } else if (strncmp(a, "cert=", 5) == 0) {
      const char *c = strchr(a + 5, ':');
      if (c) {
        snprintf(cert_sni, sizeof(cert_sni), "%.*s", (int)(c - (a + 5)), a + 5);
        snprintf(cert_name, sizeof(cert_name), "%s", c + 1);
      }
    }
  }
  if (TSUserArgIndexReserve(TS_USER_ARGS_VCONN, "vconn_hooks_plugin", "the connection itself", &arg_idx) != TS_SUCCESS) {
    TSError("[vconn_hooks_plugin] no VCONN argument slot");
  }
  TSCont conn = TSContCreate(on_conn, TSMutexCreate());
  TSHttpHookAdd(TS_VCONN_START_HOOK, conn);
  TSHttpHookAdd(TS_SSL_CLIENT_HELLO_HOOK, conn);
  TSHttpHookAdd(TS_SSL_SERVERNAME_HOOK, conn);
  TSHttpHookAdd(TS_SSL_CERT_HOOK, conn);
  TSHttpHookAdd(TS_VCONN_CLOSE_HOOK, conn);
  if (outbound) {
    TSHttpHookAdd(TS_VCONN_OUTBOUND_START_HOOK, conn);
    TSHttpHookAdd(TS_SSL_VERIFY_SERVER_HOOK, conn);
    TSHttpHookAdd(TS_VCONN_OUTBOUND_CLOSE_HOOK, conn);
  }
  TSCont ssn = TSContCreate(on_ssn, NULL);
  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, ssn);
  TSHttpHookAdd(TS_HTTP_SSN_CLOSE_HOOK, ssn);
}

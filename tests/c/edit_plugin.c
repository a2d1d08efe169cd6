/* edit_plugin.c: the plugin tests/proxy_plugins.rs loads into the real tshost binary, next to
 * hook_trace, to check what plugins change on the wire and how the state machine reacts.
 *
 * Written against the public ts.h only; the tests build it against tshost's include/ts/ts.h and
 * against Debian's trafficserver-dev <ts/ts.h> and expect the same results.
 *
 * One global continuation (with a mutex) on every session and transaction hook. The arguments
 * switch features on (any combination):
 *   edit      READ_REQUEST_HDR: client request gets "X-Added: yes", "X-Replace" is set to
 *             "replaced", every "X-Remove" goes, path "echo/orig" becomes "echo/new" with query
 *             "from=plugin". SEND_REQUEST_HDR: server request gets "X-Server-Req: sent", loses
 *             "X-Strip-Upstream". POST_REMAP of a path starting "echo/post": the client request
 *             gets "X-Post-Remap-Url" (TSUrlStringGet of its URL, also logged: TSDebug
 *             "post-remap url=...") and "X-Post-Remap-Host" (its
 *             Host), and path "echo/post-remap" becomes "echo/after-remap"; with a request field
 *             "X-Redirect-To: HOST:PORT", the URL's host and port become those. If the client sent "X-Test-Resp" containing "read":
 *             READ_RESPONSE_HDR makes the server response "201 Created By Plugin", adds
 *             "X-Read-Resp: 1", removes "Server"; containing "send": SEND_RESPONSE_HDR makes the
 *             client response "202 Accepted By Plugin", adds "X-Send-Resp: 1", sets Content-Type
 *             "text/x-plugin".
 *   deny      ERROR at READ_REQUEST_HDR for path "deny" (status 403, body "denied\n" text/plain)
 *             and "deny-plain" (no status, no body); at SEND_REQUEST_HDR for "echo/deny-send-req"
 *             (status 451); at READ_RESPONSE_HDR for "echo/deny-response" (status 502, body
 *             "bad origin answer\n" text/plain); at SEND_RESPONSE_HDR for "echo/deny-late"
 *             (status 403) and "echo/deny-late-body" (status 403, body "late\n", no type);
 *             "deny-twice": ERROR at READ_REQUEST_HDR (no status), then at the SEND_RESPONSE_HDR
 *             of that error response status 429 and ERROR again.
 *   deny-start  every TXN_START: status 503 and ERROR.
 *   status    PRE_REMAP, path "pre-remap/N[/body]": TSHttpTxnStatusSet(N) (and an error body
 *             "set at pre-remap\n" text/plain), then CONTINUE. READ_RESPONSE_HDR, path
 *             "echo/late-status": TSHttpTxnStatusSet(404), CONTINUE (no effect in ATS).
 *   error-at  path "echo/error-at-HOOK" (HOOK: READ_REQUEST_HDR ... TXN_CLOSE, as in ts.h without
 *             TS_HTTP_ and _HOOK): ERROR, no status and no body, at that hook.
 *   error-ssn-start  ERROR at every SSN_START.
 *   twice     every reenable made in the callback (not a delayed one) is made twice in a row:
 *             the second must be logged and ignored.
 *   slow=MS   every hook (session and transaction) is reenabled MS ms later from a new plain
 *             pthread.
 *   hold=MS   READ_REQUEST_HDR of path "hold" is reenabled MS ms later from a plain pthread;
 *             TSDebug "hold released txn=N" just before.
 *   probe     the client connection as plugins see it: SEND_RESPONSE_HDR adds X-Probe-Stack
 *             (TSHttpTxnClientProtocolStackGet, comma-joined), X-Probe-Start-Stack (the same at
 *             TXN_START), X-Probe-Read-Scheme (TSUrlSchemeGet of the client request's URL at
 *             READ_REQUEST_HDR), X-Probe-Ssn-Stack, X-Probe-Client / X-Probe-Incoming (ip:port),
 *             X-Probe-Fd ("peer-match" when getpeername(TSHttpTxnClientFdGet) is the client
 *             address), X-Probe-Tls (TSHttpTxnClientProtocolStackContains(txn, "tls") and whether
 *             it is the TS_PROTO_TAG_* pointer), X-Probe-Unterminated ("B of N": how many of
 *             the N strings of the client request and the server response are not followed by
 *             a NUL). SSN_START and SSN_CLOSE log (TSDebug) "probe
 *             <HOOK> ssn=N addr=<ip:port|NULL> fd=<ok|TS_ERROR> stack=<count>".
 * Debug tag: edit_plugin. */
#include <ts/ts.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define TAG "edit_plugin"

static int f_edit, f_deny, f_deny_start, f_status, f_probe, f_twice, f_error_at, f_error_ssn, slow_ms, hold_ms;
static int start_stack_arg = -1;
static int read_scheme_arg = -1;

static const TSHttpHookID all_hooks[] = {
  TS_HTTP_SSN_START_HOOK,         TS_HTTP_TXN_START_HOOK,         TS_HTTP_READ_REQUEST_HDR_HOOK,
  TS_HTTP_PRE_REMAP_HOOK,         TS_HTTP_POST_REMAP_HOOK,        TS_HTTP_OS_DNS_HOOK,
  TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK, TS_HTTP_SEND_REQUEST_HDR_HOOK, TS_HTTP_READ_RESPONSE_HDR_HOOK,
  TS_HTTP_SEND_RESPONSE_HDR_HOOK, TS_HTTP_TXN_CLOSE_HOOK,         TS_HTTP_SSN_CLOSE_HOOK,
};

/* ---- header helpers ---- */

static void
add_field(TSMBuffer buf, TSMLoc hdr, const char *name, const char *value)
{
  TSMLoc f = TS_NULL_MLOC;
  if (TSMimeHdrFieldCreateNamed(buf, hdr, name, -1, &f) != TS_SUCCESS) {
    TSError("[%s] create %s failed", TAG, name);
    return;
  }
  TSMimeHdrFieldValueStringSet(buf, hdr, f, -1, value, -1);
  TSMimeHdrFieldAppend(buf, hdr, f);
  TSHandleMLocRelease(buf, hdr, f);
}

static void
remove_fields(TSMBuffer buf, TSMLoc hdr, const char *name)
{
  TSMLoc f;
  while ((f = TSMimeHdrFieldFind(buf, hdr, name, -1)) != TS_NULL_MLOC) {
    TSMimeHdrFieldDestroy(buf, hdr, f);
    TSHandleMLocRelease(buf, hdr, f);
  }
}

/* Replace the value of the first field `name` (dropping its duplicates), or add it. */
static void
set_field(TSMBuffer buf, TSMLoc hdr, const char *name, const char *value)
{
  TSMLoc f = TSMimeHdrFieldFind(buf, hdr, name, -1);
  if (f == TS_NULL_MLOC) {
    add_field(buf, hdr, name, value);
    return;
  }
  TSMimeHdrFieldValueStringSet(buf, hdr, f, -1, value, -1);
  TSMLoc dup;
  while ((dup = TSMimeHdrFieldNextDup(buf, hdr, f)) != TS_NULL_MLOC) {
    TSMimeHdrFieldDestroy(buf, hdr, dup);
    TSHandleMLocRelease(buf, hdr, dup);
  }
  TSHandleMLocRelease(buf, hdr, f);
}

/* Does field `name` of the client request contain `word`? */
static int
client_field_contains(TSHttpTxn txn, const char *name, const char *word)
{
  TSMBuffer buf;
  TSMLoc hdr, f;
  int found = 0;
  if (TSHttpTxnClientReqGet(txn, &buf, &hdr) != TS_SUCCESS) {
    return 0;
  }
  if ((f = TSMimeHdrFieldFind(buf, hdr, name, -1)) != TS_NULL_MLOC) {
    int len       = 0;
    const char *v = TSMimeHdrFieldValueStringGet(buf, hdr, f, -1, &len);
    char tmp[256];
    if (v != NULL && len > 0 && len < (int)sizeof(tmp)) {
      memcpy(tmp, v, len);
      tmp[len] = '\0';
      found    = strstr(tmp, word) != NULL;
    }
    TSHandleMLocRelease(buf, hdr, f);
  }
  TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
  return found;
}

/* The client request's path (no leading '/') copied into out. */
static void
client_path(TSHttpTxn txn, char *out, size_t size)
{
  TSMBuffer buf;
  TSMLoc hdr, url;
  out[0] = '\0';
  if (TSHttpTxnClientReqGet(txn, &buf, &hdr) != TS_SUCCESS) {
    return;
  }
  if (TSHttpHdrUrlGet(buf, hdr, &url) == TS_SUCCESS) {
    int len       = 0;
    const char *p = TSUrlPathGet(buf, url, &len);
    if (p != NULL && len > 0) {
      snprintf(out, size, "%.*s", len, p);
    }
    TSHandleMLocRelease(buf, hdr, url);
  }
  TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
}

/* ---- reenabling, now or later from a plain pthread ---- */

struct later {
  void *obj;
  int is_ssn;
  int ms;
  TSEvent event;
  char note[64];
};

static void *
later_main(void *arg)
{
  struct later *l = arg;
  struct timespec ts;
  ts.tv_sec  = l->ms / 1000;
  ts.tv_nsec = (long)(l->ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0) {
  }
  if (l->note[0] != '\0') {
    TSDebug(TAG, "%s", l->note);
  }
  if (l->is_ssn) {
    TSHttpSsnReenable((TSHttpSsn)l->obj, l->event);
  } else {
    TSHttpTxnReenable((TSHttpTxn)l->obj, l->event);
  }
  free(l);
  return NULL;
}

static void
reenable(void *obj, int is_ssn, TSEvent event, int ms, const char *note)
{
  if (ms > 0) {
    struct later *l = calloc(1, sizeof(*l));
    pthread_attr_t attr;
    pthread_t tid;
    l->obj    = obj;
    l->is_ssn = is_ssn;
    l->ms     = ms;
    l->event  = event;
    if (note != NULL) {
      snprintf(l->note, sizeof(l->note), "%s", note);
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, later_main, l) == 0) {
      pthread_attr_destroy(&attr);
      return;
    }
    pthread_attr_destroy(&attr);
    free(l);
    TSError("[%s] pthread_create failed; reenabling now", TAG);
  }
  /* `twice`: a reenable made in the callback is made a second time right after the first. */
  for (int n = f_twice ? 2 : 1; n > 0; --n) {
    if (is_ssn) {
      TSHttpSsnReenable((TSHttpSsn)obj, event);
    } else {
      TSHttpTxnReenable((TSHttpTxn)obj, event);
    }
  }
}

/* ---- probe ---- */

static void
addr_str(const struct sockaddr *sa, char *out, size_t size)
{
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa == NULL) {
    snprintf(out, size, "NULL");
  } else if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    snprintf(out, size, "%s:%u", ip, (unsigned)ntohs(in->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    snprintf(out, size, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
  } else {
    snprintf(out, size, "family-%d", (int)sa->sa_family);
  }
}

static void
join_stack(const char **tags, int n, char *out, size_t size)
{
  size_t used = 0;
  out[0]      = '\0';
  for (int i = 0; i < n && used < size; ++i) {
    used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "," : "", tags[i]);
  }
}

static void
txn_stack(TSHttpTxn txn, char *out, size_t size)
{
  const char *tags[10];
  int n = 0;
  TSHttpTxnClientProtocolStackGet(txn, 10, tags, &n);
  join_stack(tags, n, out, size);
}

static void
probe_session(TSHttpSsn ssn, const char *hook)
{
  char addr[96];
  const char *tags[10];
  int fd = -1, n = 0;
  TSReturnCode fd_rc = TSHttpSsnClientFdGet(ssn, &fd);
  addr_str(TSHttpSsnClientAddrGet(ssn), addr, sizeof(addr));
  TSHttpSsnClientProtocolStackGet(ssn, 10, tags, &n);
  TSDebug(TAG, "probe %s ssn=%" PRId64 " addr=%s fd=%s stack=%d", hook, TSHttpSsnIdGet(ssn), addr,
          fd_rc == TS_SUCCESS && fd >= 0 ? "ok" : "TS_ERROR", n);
}

static int
same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
  if (a == NULL || b == NULL || a->sa_family != b->sa_family) {
    return 0;
  }
  if (a->sa_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->sa_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
  }
  return 0;
}

/* How many of a header's strings (method or reason, every field's name and value) are not
 * followed by a NUL, and how many were checked (ATS does not promise the NUL; tshost does, for
 * plugins that wrongly read them as C strings). */
static void
count_unterminated(TSMBuffer b, TSMLoc h, int *bad, int *checked)
{
  int len = 0;
  const char *p = TSHttpHdrTypeGet(b, h) == TS_HTTP_TYPE_REQUEST ? TSHttpHdrMethodGet(b, h, &len)
                                                                  : TSHttpHdrReasonGet(b, h, &len);
  if (p != NULL) {
    *checked += 1;
    *bad += p[len] != '\0';
  }
  for (TSMLoc f = TSMimeHdrFieldGet(b, h, 0); f != TS_NULL_MLOC;) {
    p = TSMimeHdrFieldNameGet(b, h, f, &len);
    if (p != NULL) {
      *checked += 1;
      *bad += p[len] != '\0';
    }
    p = TSMimeHdrFieldValueStringGet(b, h, f, -1, &len);
    if (p != NULL) {
      *checked += 1;
      *bad += p[len] != '\0';
    }
    TSMLoc next = TSMimeHdrFieldNext(b, h, f);
    TSHandleMLocRelease(b, h, f);
    f = next;
  }
}

static void
probe_response(TSHttpTxn txn, TSMBuffer buf, TSMLoc hdr)
{
  char s[256], addr[96];
  const char *tags[10];
  int n = 0, fd = -1;

  txn_stack(txn, s, sizeof(s));
  add_field(buf, hdr, "X-Probe-Stack", s);
  const char *start = TSUserArgGet(txn, start_stack_arg);
  add_field(buf, hdr, "X-Probe-Start-Stack", start ? start : "none");
  const char *scheme = TSUserArgGet(txn, read_scheme_arg);
  add_field(buf, hdr, "X-Probe-Read-Scheme", scheme ? scheme : "none");
  TSHttpSsnClientProtocolStackGet(TSHttpTxnSsnGet(txn), 10, tags, &n);
  join_stack(tags, n, s, sizeof(s));
  add_field(buf, hdr, "X-Probe-Ssn-Stack", s);

  const struct sockaddr *client = TSHttpTxnClientAddrGet(txn);
  addr_str(client, addr, sizeof(addr));
  add_field(buf, hdr, "X-Probe-Client", addr);
  addr_str(TSHttpTxnIncomingAddrGet(txn), addr, sizeof(addr));
  add_field(buf, hdr, "X-Probe-Incoming", addr);

  const char *fd_result = "TS_ERROR";
  if (TSHttpTxnClientFdGet(txn, &fd) == TS_SUCCESS) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof(peer);
    if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0) {
      fd_result = "getpeername-failed";
    } else {
      fd_result = same_addr((struct sockaddr *)&peer, client) ? "peer-match" : "peer-mismatch";
    }
  }
  add_field(buf, hdr, "X-Probe-Fd", fd_result);

  /* The parsed client request and server response: their strings end with a NUL. */
  int bad = 0, checked = 0;
  TSMBuffer b;
  TSMLoc h;
  if (TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    count_unterminated(b, h, &bad, &checked);
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  if (TSHttpTxnServerRespGet(txn, &b, &h) == TS_SUCCESS) {
    count_unterminated(b, h, &bad, &checked);
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  snprintf(s, sizeof(s), "%d of %d", bad, checked);
  add_field(buf, hdr, "X-Probe-Unterminated", s);

  const char *tls = TSHttpTxnClientProtocolStackContains(txn, "tls");
  if (tls == NULL) {
    add_field(buf, hdr, "X-Probe-Tls", "none");
  } else {
    int canonical = tls == TS_PROTO_TAG_TLS_1_3 || tls == TS_PROTO_TAG_TLS_1_2;
    snprintf(s, sizeof(s), "%s %s", tls, canonical ? "same-pointer" : "other-pointer");
    add_field(buf, hdr, "X-Probe-Tls", s);
  }
}

/* ---- the hooks ---- */

/* The transaction hook an event is for, as the paths of `error-at` spell it. */
static const char *
txn_hook_name(TSEvent event)
{
  switch (event) {
  case TS_EVENT_HTTP_READ_REQUEST_HDR:
    return "READ_REQUEST_HDR";
  case TS_EVENT_HTTP_PRE_REMAP:
    return "PRE_REMAP";
  case TS_EVENT_HTTP_POST_REMAP:
    return "POST_REMAP";
  case TS_EVENT_HTTP_OS_DNS:
    return "OS_DNS";
  case TS_EVENT_HTTP_CACHE_LOOKUP_COMPLETE:
    return "CACHE_LOOKUP_COMPLETE";
  case TS_EVENT_HTTP_SEND_REQUEST_HDR:
    return "SEND_REQUEST_HDR";
  case TS_EVENT_HTTP_READ_RESPONSE_HDR:
    return "READ_RESPONSE_HDR";
  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    return "SEND_RESPONSE_HDR";
  case TS_EVENT_HTTP_TXN_CLOSE:
    return "TXN_CLOSE";
  default:
    return "";
  }
}

static TSEvent
on_txn(TSHttpTxn txn, TSEvent event, int *delay, char *note, size_t note_size)
{
  char path[256];
  TSMBuffer buf;
  TSMLoc hdr, url;

  client_path(txn, path, sizeof(path));
  if (f_error_at && strncmp(path, "echo/error-at-", 14) == 0 && strcmp(path + 14, txn_hook_name(event)) == 0) {
    return TS_EVENT_HTTP_ERROR;
  }
  switch (event) {
  case TS_EVENT_HTTP_TXN_START:
    if (f_deny_start) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_SERVICE_UNAVAILABLE);
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_probe) {
      char s[256];
      txn_stack(txn, s, sizeof(s));
      TSUserArgSet(txn, start_stack_arg, TSstrdup(s));
    }
    break;

  case TS_EVENT_HTTP_READ_REQUEST_HDR:
    if (f_deny && strcmp(path, "deny") == 0) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_FORBIDDEN);
      TSHttpTxnErrorBodySet(txn, TSstrdup("denied\n"), 7, TSstrdup("text/plain"));
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_deny && (strcmp(path, "deny-plain") == 0 || strcmp(path, "deny-twice") == 0)) {
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_probe && TSHttpTxnClientReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
      if (TSHttpHdrUrlGet(buf, hdr, &url) == TS_SUCCESS) {
        int len       = 0;
        const char *s = TSUrlSchemeGet(buf, url, &len);
        TSUserArgSet(txn, read_scheme_arg, s ? TSstrndup(s, len) : NULL);
        TSHandleMLocRelease(buf, hdr, url);
      }
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    if (hold_ms > 0 && strcmp(path, "hold") == 0) {
      *delay = hold_ms;
      snprintf(note, note_size, "hold released txn=%" PRIu64, TSHttpTxnIdGet(txn));
    }
    if (f_edit && TSHttpTxnClientReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
      add_field(buf, hdr, "X-Added", "yes");
      TSMLoc f = TSMimeHdrFieldFind(buf, hdr, "X-Replace", -1);
      if (f != TS_NULL_MLOC) {
        TSHandleMLocRelease(buf, hdr, f);
        set_field(buf, hdr, "X-Replace", "replaced");
      }
      remove_fields(buf, hdr, "X-Remove");
      if (strcmp(path, "echo/orig") == 0 && TSHttpHdrUrlGet(buf, hdr, &url) == TS_SUCCESS) {
        TSUrlPathSet(buf, url, "echo/new", -1);
        TSUrlHttpQuerySet(buf, url, "from=plugin", -1);
        TSHandleMLocRelease(buf, hdr, url);
      }
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    break;

  case TS_EVENT_HTTP_PRE_REMAP:
    if (f_status && strncmp(path, "pre-remap/", 10) == 0) {
      int status = atoi(path + 10);
      TSHttpTxnStatusSet(txn, (TSHttpStatus)status);
      if (strstr(path + 10, "/body") != NULL) {
        TSHttpTxnErrorBodySet(txn, TSstrdup("set at pre-remap\n"), 17, TSstrdup("text/plain"));
      }
    }
    break;

  case TS_EVENT_HTTP_POST_REMAP:
    if (f_edit && strncmp(path, "echo/post", 9) == 0 && TSHttpTxnClientReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
      if (TSHttpHdrUrlGet(buf, hdr, &url) == TS_SUCCESS) {
        int len   = 0;
        char *str = TSUrlStringGet(buf, url, &len);
        add_field(buf, hdr, "X-Post-Remap-Url", str ? str : "NULL");
        TSDebug(TAG, "post-remap url=%s", str ? str : "NULL");
        TSfree(str);
        if (strcmp(path, "echo/post-remap") == 0) {
          TSUrlPathSet(buf, url, "echo/after-remap", -1);
        }
        /* "X-Redirect-To: HOST:PORT": the request goes there instead. */
        TSMLoc r = TSMimeHdrFieldFind(buf, hdr, "X-Redirect-To", -1);
        if (r != TS_NULL_MLOC) {
          int rlen       = 0;
          const char *rv = TSMimeHdrFieldValueStringGet(buf, hdr, r, -1, &rlen);
          char to[128];
          snprintf(to, sizeof(to), "%.*s", rlen, rv ? rv : "");
          char *colon = strrchr(to, ':');
          if (colon != NULL) {
            *colon = '\0';
            TSUrlHostSet(buf, url, to, -1);
            TSUrlPortSet(buf, url, atoi(colon + 1));
          }
          TSHandleMLocRelease(buf, hdr, r);
        }
        TSHandleMLocRelease(buf, hdr, url);
      }
      TSMLoc f = TSMimeHdrFieldFind(buf, hdr, "Host", -1);
      char host[128] = "none";
      if (f != TS_NULL_MLOC) {
        int len       = 0;
        const char *v = TSMimeHdrFieldValueStringGet(buf, hdr, f, -1, &len);
        snprintf(host, sizeof(host), "%.*s", len, v ? v : "");
        TSHandleMLocRelease(buf, hdr, f);
      }
      add_field(buf, hdr, "X-Post-Remap-Host", host);
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    break;

  case TS_EVENT_HTTP_SEND_REQUEST_HDR:
    if (f_deny && strcmp(path, "echo/deny-send-req") == 0) {
      TSHttpTxnStatusSet(txn, (TSHttpStatus)451);
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_edit && TSHttpTxnServerReqGet(txn, &buf, &hdr) == TS_SUCCESS) {
      add_field(buf, hdr, "X-Server-Req", "sent");
      remove_fields(buf, hdr, "X-Strip-Upstream");
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    break;

  case TS_EVENT_HTTP_READ_RESPONSE_HDR:
    if (f_deny && strcmp(path, "echo/deny-response") == 0) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_BAD_GATEWAY);
      TSHttpTxnErrorBodySet(txn, TSstrdup("bad origin answer\n"), 18, TSstrdup("text/plain"));
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_status && strcmp(path, "echo/late-status") == 0) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_NOT_FOUND);
    }
    if (f_edit && client_field_contains(txn, "X-Test-Resp", "read") &&
        TSHttpTxnServerRespGet(txn, &buf, &hdr) == TS_SUCCESS) {
      TSHttpHdrStatusSet(buf, hdr, TS_HTTP_STATUS_CREATED);
      TSHttpHdrReasonSet(buf, hdr, "Created By Plugin", -1);
      add_field(buf, hdr, "X-Read-Resp", "1");
      remove_fields(buf, hdr, "Server");
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    break;

  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    if (f_deny && strcmp(path, "deny-twice") == 0) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_TOO_MANY_REQUESTS);
      return TS_EVENT_HTTP_ERROR;
    }
    if (f_deny && strncmp(path, "echo/deny-late", 14) == 0) {
      TSHttpTxnStatusSet(txn, TS_HTTP_STATUS_FORBIDDEN);
      if (strcmp(path, "echo/deny-late-body") == 0) {
        TSHttpTxnErrorBodySet(txn, TSstrdup("late\n"), 5, NULL);
      }
      return TS_EVENT_HTTP_ERROR;
    }
    if (TSHttpTxnClientRespGet(txn, &buf, &hdr) == TS_SUCCESS) {
      if (f_edit && client_field_contains(txn, "X-Test-Resp", "send")) {
        TSHttpHdrStatusSet(buf, hdr, TS_HTTP_STATUS_ACCEPTED);
        TSHttpHdrReasonSet(buf, hdr, "Accepted By Plugin", -1);
        add_field(buf, hdr, "X-Send-Resp", "1");
        set_field(buf, hdr, "Content-Type", "text/x-plugin");
      }
      if (f_probe) {
        probe_response(txn, buf, hdr);
      }
      TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
    }
    break;

  case TS_EVENT_HTTP_TXN_CLOSE:
    if (f_probe) {
      TSfree(TSUserArgGet(txn, start_stack_arg));
      TSUserArgSet(txn, start_stack_arg, NULL);
      TSfree(TSUserArgGet(txn, read_scheme_arg));
      TSUserArgSet(txn, read_scheme_arg, NULL);
    }
    break;

  default:
    break;
  }
  return TS_EVENT_HTTP_CONTINUE;
}

static int
on_event(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  if (event == TS_EVENT_HTTP_SSN_START || event == TS_EVENT_HTTP_SSN_CLOSE) {
    TSHttpSsn ssn = (TSHttpSsn)edata;
    if (f_probe) {
      probe_session(ssn, event == TS_EVENT_HTTP_SSN_START ? "SSN_START" : "SSN_CLOSE");
    }
    reenable(ssn, 1, f_error_ssn && event == TS_EVENT_HTTP_SSN_START ? TS_EVENT_HTTP_ERROR : TS_EVENT_HTTP_CONTINUE,
             slow_ms, NULL);
    return 0;
  }
  TSHttpTxn txn = (TSHttpTxn)edata;
  int delay     = slow_ms;
  char note[64] = "";
  TSEvent result = on_txn(txn, event, &delay, note, sizeof(note));
  reenable(txn, 0, result, delay, note);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {TAG, "tshost tests", "dev@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", TAG);
    return;
  }
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "edit") == 0) {
      f_edit = 1;
    } else if (strcmp(argv[i], "deny") == 0) {
      f_deny = 1;
    } else if (strcmp(argv[i], "deny-start") == 0) {
      f_deny_start = 1;
    } else if (strcmp(argv[i], "status") == 0) {
      f_status = 1;
    } else if (strcmp(argv[i], "probe") == 0) {
      f_probe = 1;
    } else if (strcmp(argv[i], "twice") == 0) {
      f_twice = 1;
    } else if (strcmp(argv[i], "error-at") == 0) {
      f_error_at = 1;
    } else if (strcmp(argv[i], "error-ssn-start") == 0) {
      f_error_ssn = 1;
    } else if (strncmp(argv[i], "slow=", 5) == 0) {
      slow_ms = atoi(argv[i] + 5);
    } else if (strncmp(argv[i], "hold=", 5) == 0) {
      hold_ms = atoi(argv[i] + 5);
    } else {
      TSError("[%s] unknown argument '%s'", TAG, argv[i]);
    }
  }
  if (TSUserArgIndexReserve(TS_USER_ARGS_TXN, "edit_plugin.start_stack", "stack at TXN_START", &start_stack_arg) !=
        TS_SUCCESS ||
      TSUserArgIndexReserve(TS_USER_ARGS_TXN, "edit_plugin.read_scheme", "URL scheme at READ_REQUEST_HDR",
                            &read_scheme_arg) != TS_SUCCESS) {
    TSError("[%s] no transaction argument slot", TAG);
    f_probe = 0;
  }
  TSCont cont = TSContCreate(on_event, TSMutexCreate());
  for (size_t i = 0; i < sizeof(all_hooks) / sizeof(all_hooks[0]); ++i) {
    TSHttpHookAdd(all_hooks[i], cont);
  }
}

/*
 * session_peer.c - example global plugin: share TLS 1.2 session-ID sessions between proxies
 * through a directory (a shared file system), with the TS_SSL_SESSION_HOOK and TSSslSession* API.
 *
 * What it shows
 * -------------
 * The session cache API that ATS's own example plugins drive with Redis (ssl_session_reuse), without
 * Redis: every proxy of a farm that loads this plugin with the same directory (an NFS mount, a
 * shared volume) resumes the TLS sessions the others made, so a client that a layer-4 balancer sends
 * to another box still gets an abbreviated handshake.
 *
 *   TS_EVENT_SSL_SESSION_NEW     a full handshake made a session with an id (TLS <= 1.2, client
 *                                without tickets). The session is already in the proxy's cache:
 *                                TSSslSessionGetBuffer copies its DER bytes out (size query first:
 *                                a non-NULL buffer with *len == 0 returns the size), and the plugin
 *                                writes them to <dir>/<hex of the id>, atomically (a temporary file
 *                                in the same directory, then rename), so a reader never sees half a
 *                                session.
 *   TS_EVENT_SSL_SESSION_GET     a client offers a session id. The event comes *before* the proxy
 *                                looks the id up in its cache: if the cache misses
 *                                (TSSslSessionGetBuffer returns 0) and <dir>/<hex of the id> exists
 *                                (written by another proxy), the plugin turns it back into a session
 *                                with OpenSSL's d2i_SSL_SESSION and TSSslSessionInsert(id, session,
 *                                NULL): the lookup that follows the event finds it and the client
 *                                resumes.
 *   TS_EVENT_SSL_SESSION_REMOVE  OpenSSL invalidated the session (e.g. a fatal alert on a connection
 *                                that used it): the plugin deletes the file, so no peer resumes it.
 *
 * TSSslSessionInsert and TSSslSessionRemove fire no hook, so a session taken from the directory is
 * not written back (no echo between peers). Sessions carry their own creation time and lifetime
 * (proxy.config.ssl.session_cache.timeout); OpenSSL refuses an expired one, so old files are
 * harmless, but nothing deletes them: clean the directory from cron, e.g.
 * `find <dir> -type f -mmin +60 -delete`.
 *
 * Requirements: proxy.config.ssl.session_cache 2 (the default; in modes 0 and 1 no event fires),
 * the same certificate on every proxy (a session resumes only under the certificate that made it),
 * and clients that resume by session id (TLS 1.2 without tickets). Tickets are shared differently:
 * give every proxy the same proxy.config.ssl.server.ticket_key.filename. The directory must be
 * writable by the proxy and trusted: a session file is a secret (it holds the master key).
 *
 * How to load it (plugin.config, one line; the argument is the directory, which must exist)
 * ------------------------------------------------------------------------------------------
 *   session_peer.so /var/cache/tshost/sessions
 *
 * Debug output: proxy.config.diags.debug.enabled=1 and proxy.config.diags.debug.tags=session_peer.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -o session_peer.so session_peer.c
 * Only the public ts.h API and two OpenSSL functions (resolved from the proxy at load time).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ts/ts.h>

#define PLUGIN_NAME "session_peer"
/* Larger files are not sessions this plugin wrote. */
#define MAX_SESSION_SIZE (64 * 1024)

/* From OpenSSL (the proxy links it): a TSSslSession is an SSL_SESSION *. */
typedef struct ssl_session_st SSL_SESSION;
extern SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length);
extern void SSL_SESSION_free(SSL_SESSION *s);

static char *dir;
static unsigned long tmp_counter;

/* <dir>/<hex of the id> into path; 0 if the id is unusable. */
static int
session_path(const TSSslSessionID *id, char *path, size_t size)
{
  if (id->len == 0 || id->len > TS_SSL_MAX_SSL_SESSION_ID_LENGTH) {
    return 0;
  }
  char hex[2 * TS_SSL_MAX_SSL_SESSION_ID_LENGTH + 1];
  for (size_t i = 0; i < id->len; i++) {
    snprintf(hex + 2 * i, 3, "%02x", (unsigned char)id->bytes[i]);
  }
  int n = snprintf(path, size, "%s/%s", dir, hex);
  return n > 0 && (size_t)n < size;
}

static int
write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return 0;
    }
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

static void
on_new(const TSSslSessionID *id)
{
  char path[PATH_MAX], tmp[PATH_MAX];
  if (!session_path(id, path, sizeof path)) {
    return;
  }
  char probe[1];
  int len = 0;
  int size = TSSslSessionGetBuffer(id, probe, &len); /* size query: copies nothing */
  if (size <= 0 || size > MAX_SESSION_SIZE) {
    return;
  }
  char *der = TSmalloc(size);
  len = size;
  if (TSSslSessionGetBuffer(id, der, &len) != size || len != size) {
    TSfree(der); /* replaced or removed meanwhile */
    return;
  }
  unsigned long n = __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED);
  snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%lu", dir, (long)getpid(), n);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    TSError("[%s] %s: %s", PLUGIN_NAME, tmp, strerror(errno));
    TSfree(der);
    return;
  }
  int ok = write_all(fd, der, (size_t)size);
  ok = close(fd) == 0 && ok;
  TSfree(der);
  if (!ok || rename(tmp, path) != 0) {
    TSError("[%s] cannot write %s: %s", PLUGIN_NAME, path, strerror(errno));
    unlink(tmp);
    return;
  }
  TSDebug(PLUGIN_NAME, "stored %s (%d bytes)", path, size);
}

static void
on_get(const TSSslSessionID *id)
{
  char probe[1];
  int len = 0;
  if (TSSslSessionGetBuffer(id, probe, &len) > 0) {
    return; /* this proxy has it */
  }
  char path[PATH_MAX];
  if (!session_path(id, path, sizeof path)) {
    return;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return; /* nobody has it: full handshake */
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > MAX_SESSION_SIZE) {
    close(fd);
    return;
  }
  unsigned char *der = TSmalloc(st.st_size);
  ssize_t got = 0;
  while (got < st.st_size) {
    ssize_t r = read(fd, der + got, st.st_size - got);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      break;
    }
    got += r;
  }
  close(fd);
  const unsigned char *p = der;
  SSL_SESSION *s = got == st.st_size ? d2i_SSL_SESSION(NULL, &p, (long)got) : NULL;
  TSfree(der);
  if (!s) {
    TSDebug(PLUGIN_NAME, "%s: not a session", path);
    return;
  }
  TSReturnCode rc = TSSslSessionInsert(id, (TSSslSession)s, NULL);
  SSL_SESSION_free(s); /* the cache keeps its own copy */
  TSDebug(PLUGIN_NAME, "loaded %s: %s", path, rc == TS_SUCCESS ? "inserted" : "insert failed");
}

static int
on_session(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  const TSSslSessionID *id = edata;
  char path[PATH_MAX];
  switch (event) {
  case TS_EVENT_SSL_SESSION_NEW:
    on_new(id);
    break;
  case TS_EVENT_SSL_SESSION_GET:
    on_get(id);
    break;
  case TS_EVENT_SSL_SESSION_REMOVE:
    if (session_path(id, path, sizeof path)) {
      unlink(path);
    }
    break;
  default:
    break;
  }
  return 0; /* the return value is ignored; no reenable is expected */
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {PLUGIN_NAME, "tshost", "dev@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", PLUGIN_NAME);
    return;
  }
  struct stat st;
  if (argc < 2 || stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode)) {
    TSError("[%s] usage: %s.so <directory> (an existing directory)", PLUGIN_NAME, PLUGIN_NAME);
    return;
  }
  dir = TSstrdup(argv[1]);
  /* No mutex: the plugin keeps no state but the directory, and the session events arrive on
   * several threads at once. */
  TSHttpHookAdd(TS_SSL_SESSION_HOOK, TSContCreate(on_session, NULL));
  TSDebug(PLUGIN_NAME, "sharing sessions through %s", dir);
}

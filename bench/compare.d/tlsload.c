/* tlsload: a TLS handshake-per-request load generator for bench/compare.
 *
 *   tlsload HOST PORT PATH BODY_BYTES SECONDS THREADS full|resume
 *
 * THREADS threads (one connection in flight each) loop for SECONDS: TCP connect, TLS 1.3
 * handshake, `GET PATH HTTP/1.1` with `Connection: close`, read the whole response (status line
 * must be 200 and the body BODY_BYTES long), wait for the server to close, close.
 *
 * full:   every handshake is a full one (no session offered).
 * resume: each thread makes one full handshake first (not counted) to get a session, then offers
 *         the newest session ticket it holds on every connection (TLS 1.3 stateless tickets:
 *         the server sends its NewSessionTicket messages after the handshake, so the client
 *         reads the response before taking the session, which then carries the ticket). A
 *         connection that resumes and receives a fresh ticket hands that one on, as browsers do.
 *
 * The latency of a request is from the start of connect() to the last byte of the body.
 * Output (one line, key=value): requests (completed without error), errors, handshakes,
 * reused (handshakes with SSL_session_reused() == 1), rps, p50_us, p99_us, mean_us, seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *g_host;
static int g_port;
static const char *g_path;
static long g_body;
static double g_seconds;
static int g_resume;
static SSL_CTX *g_ctx;
static struct sockaddr_in g_addr;
static char g_request[1024];
static size_t g_request_len;
static atomic_int g_stop;

struct worker {
  pthread_t tid;
  uint32_t *lat; /* microseconds */
  size_t n, cap;
  long errors, handshakes, reused;
  char first_error[256];
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_error(struct worker *w, const char *what) {
  w->errors++;
  if (!w->first_error[0]) {
    unsigned long e = ERR_peek_error();
    char buf[160] = "";
    if (e)
      ERR_error_string_n(e, buf, sizeof buf);
    snprintf(w->first_error, sizeof w->first_error, "%s%s%s", what, buf[0] ? ": " : "", buf);
  }
  ERR_clear_error();
}

/* Checks a complete response held in buf[0..len): 200 and a body of g_body bytes.
 * Returns 1 when complete and right, 0 when more bytes are needed, -1 when wrong. */
static int check_response(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end)
    return 0;
  size_t hdr = (size_t)(end - buf) + 4;
  if (len < 12 || strncmp(buf, "HTTP/1.1 200", 12) != 0)
    return -1;
  size_t body = len - hdr;
  if ((long)body < g_body)
    return 0;
  return (long)body == g_body ? 1 : -1;
}

/* One request on a new connection. Returns 0 on success. *sess is the session to offer (may be
 * NULL); on success with resumption on, it is replaced by the newest resumable session. */
static int one_request(struct worker *w, SSL_SESSION **sess, int counted) {
  double t0 = now_s();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    note_error(w, "socket");
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) != 0) {
    char m[64];
    snprintf(m, sizeof m, "connect: %s", strerror(errno));
    note_error(w, m);
    close(fd);
    return -1;
  }
  SSL *ssl = SSL_new(g_ctx);
  SSL_set_fd(ssl, fd);
  if (*sess)
    SSL_set_session(ssl, *sess);
  int rc = -1;
  if (SSL_connect(ssl) != 1) {
    note_error(w, "handshake failed");
    goto out;
  }
  if (counted) {
    w->handshakes++;
    if (SSL_session_reused(ssl))
      w->reused++;
  }
  if (SSL_write(ssl, g_request, (int)g_request_len) != (int)g_request_len) {
    note_error(w, "write failed");
    goto out;
  }
  char buf[65536];
  size_t len = 0;
  int state = 0;
  double t_done = 0;
  for (;;) {
    if (len == sizeof buf) {
      note_error(w, "response too large");
      goto out;
    }
    int r = SSL_read(ssl, buf + len, (int)(sizeof buf - len));
    if (r <= 0) {
      int e = SSL_get_error(ssl, r);
      if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) {
        ERR_clear_error();
        break; /* the server closed (Connection: close) */
      }
      note_error(w, "read failed");
      goto out;
    }
    len += (size_t)r;
    if (state == 0) {
      state = check_response(buf, len);
      if (state == 1)
        t_done = now_s();
    } else if (state == 1) {
      state = -1; /* bytes after the body */
    }
    if (state == -1)
      break;
  }
  if (state != 1) {
    char m[200];
    char *eol = memchr(buf, '\r', len < 80 ? len : 80);
    int sl = eol ? (int)(eol - buf) : (int)(len < 80 ? len : 80);
    snprintf(m, sizeof m, "bad response (%zu bytes): %.*s", len, sl, buf);
    note_error(w, m);
    goto out;
  }
  if (g_resume) {
    SSL_SESSION *s = SSL_get1_session(ssl);
    if (s && SSL_SESSION_is_resumable(s)) {
      if (*sess)
        SSL_SESSION_free(*sess);
      *sess = s;
    } else if (s) {
      SSL_SESSION_free(s);
    }
  }
  if (counted) {
    if (w->n == w->cap) {
      w->cap = w->cap ? w->cap * 2 : 65536;
      w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
      if (!w->lat) {
        perror("realloc");
        exit(2);
      }
    }
    double us = (t_done - t0) * 1e6;
    w->lat[w->n++] = us > 4e9 ? 4000000000u : (uint32_t)us;
  }
  rc = 0;
out:
  SSL_shutdown(ssl);
  SSL_free(ssl);
  close(fd);
  return rc;
}

static void *run(void *arg) {
  struct worker *w = arg;
  SSL_SESSION *sess = NULL;
  if (g_resume) {
    /* The priming handshake: full, not counted. */
    for (int i = 0; i < 5 && !sess; i++) {
      one_request(w, &sess, 0);
    }
    if (!sess) {
      note_error(w, "no resumable session after the first handshake");
      return NULL;
    }
  }
  while (!atomic_load(&g_stop)) {
    SSL_SESSION *offer = g_resume ? sess : NULL;
    one_request(w, g_resume ? &sess : &offer, 1);
    if (!g_resume && offer)
      SSL_SESSION_free(offer);
  }
  if (sess)
    SSL_SESSION_free(sess);
  return NULL;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s HOST PORT PATH BODY_BYTES SECONDS THREADS full|resume\n", argv[0]);
    return 2;
  }
  g_host = argv[1];
  g_port = atoi(argv[2]);
  g_path = argv[3];
  g_body = atol(argv[4]);
  g_seconds = atof(argv[5]);
  int nthreads = atoi(argv[6]);
  if (strcmp(argv[7], "full") == 0)
    g_resume = 0;
  else if (strcmp(argv[7], "resume") == 0)
    g_resume = 1;
  else {
    fprintf(stderr, "mode must be full or resume\n");
    return 2;
  }
  if (nthreads < 1 || g_seconds <= 0 || g_port <= 0) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  memset(&g_addr, 0, sizeof g_addr);
  g_addr.sin_family = AF_INET;
  g_addr.sin_port = htons((uint16_t)g_port);
  if (inet_pton(AF_INET, g_host, &g_addr.sin_addr) != 1) {
    fprintf(stderr, "HOST must be an IPv4 address\n");
    return 2;
  }
  g_request_len = (size_t)snprintf(g_request, sizeof g_request,
                                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: tlsload\r\n"
                                   "Connection: close\r\n\r\n",
                                   g_path, g_host, g_port);

  g_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(g_ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(g_ctx, TLS1_3_VERSION);
  SSL_CTX_set_verify(g_ctx, SSL_VERIFY_NONE, NULL);
  /* Sessions are handed on by hand (SSL_get1_session), not through a client cache. */
  SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  SSL_CTX_set_options(g_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  static const unsigned char alpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(g_ctx, alpn, sizeof alpn - 1);

  struct worker *ws = calloc((size_t)nthreads, sizeof *ws);
  double t0 = now_s();
  for (int i = 0; i < nthreads; i++)
    pthread_create(&ws[i].tid, NULL, run, &ws[i]);
  struct timespec d = {(time_t)g_seconds, (long)((g_seconds - (double)(time_t)g_seconds) * 1e9)};
  nanosleep(&d, NULL);
  atomic_store(&g_stop, 1);
  for (int i = 0; i < nthreads; i++)
    pthread_join(ws[i].tid, NULL);
  double elapsed = now_s() - t0;

  size_t total = 0;
  long errors = 0, handshakes = 0, reused = 0;
  const char *first_error = "";
  for (int i = 0; i < nthreads; i++) {
    total += ws[i].n;
    errors += ws[i].errors;
    handshakes += ws[i].handshakes;
    reused += ws[i].reused;
    if (!first_error[0] && ws[i].first_error[0])
      first_error = ws[i].first_error;
  }
  uint32_t *all = malloc((total ? total : 1) * sizeof *all);
  size_t k = 0;
  double sum = 0;
  for (int i = 0; i < nthreads; i++) {
    memcpy(all + k, ws[i].lat, ws[i].n * sizeof *all);
    k += ws[i].n;
  }
  qsort(all, total, sizeof *all, cmp_u32);
  for (size_t i = 0; i < total; i++)
    sum += all[i];
  uint32_t p50 = total ? all[(size_t)((double)(total - 1) * 0.50)] : 0;
  uint32_t p99 = total ? all[(size_t)((double)(total - 1) * 0.99)] : 0;
  printf("requests=%zu errors=%ld handshakes=%ld reused=%ld rps=%.1f p50_us=%u p99_us=%u "
         "mean_us=%.0f seconds=%.2f\n",
         total, errors, handshakes, reused, (double)total / elapsed, p50, p99,
         total ? sum / (double)total : 0.0, elapsed);
  if (first_error[0])
    fprintf(stderr, "tlsload: first error: %s\n", first_error);
  return 0;
}

/*
 * ssl_session_share.c - global plugin: a farm of proxies resumes each other's TLS session-id
 * sessions and session tickets through Redis (hiredis): sessions are shared, and the ticket keys
 * (STEK) are made by one master and rotated on every box; everything sent is encrypted and
 * authenticated with a pre-shared AES-256-GCM key.
 * The Redis version of session_peer.c; the idea of ATS's former ssl_session_reuse plugin.
 * One file, as ATS plugins ship (over 800 lines by design: a plugin is one translation unit that
 * operators build with a single tsxs/gcc line).
 *
 * Design
 * ------
 *   TS_EVENT_SSL_SESSION_NEW     the hook copies the session's DER bytes (TSSslSessionGetBuffer)
 *                                into a bounded queue (full: the oldest entry is dropped and
 *                                counted) and returns: a handshake never waits for Redis. A worker
 *                                thread (TSThreadCreate) seals each entry and does
 *                                  SET tshost:<cluster>:sess:<hex id> <message> EX <session_ttl>
 *                                  PUBLISH tshost:<cluster>:sessions <message>
 *                                If Redis is unreachable the worker keeps the queue and retries
 *                                with backoff (the queue bound still applies).
 *   TS_EVENT_SSL_SESSION_REMOVE  queued too: the worker DELs the key and publishes a removal.
 *   subscriber thread            its own connection, SUBSCRIBE to the channel, reconnect with
 *                                backoff (50 ms doubling to 400 ms, counted). A peer's message is
 *                                verified and decrypted (failure: dropped, auth_failures++); a
 *                                session is TSSslSessionInsert'ed (d2i_SSL_SESSION, then
 *                                SSL_SESSION_free), a removal TSSslSessionRemove'd. Messages carry
 *                                the sender's random box id: a box skips its own. A session or
 *                                removal must also be fresh (see Replays below; else replays++).
 *   TS_SSL_CLIENT_HELLO_HOOK     (lookup async, the default) the ids the handshake will look up
 *                                (a TLS 1.2 session id, or TLS 1.3 stateful tickets' PSK
 *                                identities) are read from the ClientHello; if the local cache
 *                                lacks one, the hook holds the handshake and hands the GET to a
 *                                lookup worker thread (its own Redis connection), which inserts
 *                                what it finds and TSVConnReenable's the connection: after a hit,
 *                                a miss, an error, or get_timeout_ms after the hook at the latest.
 *                                No network thread waits for Redis (see "the async lookup" below).
 *                                This covers a box that started late, a message still in flight
 *                                and a farm that does not publish (publish no).
 *   TS_EVENT_SSL_SESSION_GET     (lookup sync) if the local cache misses (TSSslSessionGetBuffer
 *                                returns 0), one GET of the key and, if it is there and authentic,
 *                                an insert: the lookup that follows finds it. It runs on a network
 *                                thread, so it has a hard budget (get_timeout_ms, connect and AUTH
 *                                included: a non-blocking socket of that thread's own, polled
 *                                against one deadline); while Redis is down a reconnect is tried at
 *                                most every 500 ms. After breaker_failures lookups in a row took
 *                                the whole budget (a hung Redis: its sockets open, no answer) a
 *                                circuit breaker opens: no lookup for breaker_cooldown_ms, then a
 *                                single probe closes it (or opens it again). Opening is logged
 *                                with TSWarning, closing with TSNote, once per transition. The
 *                                async workers use the same budget and breaker. Nothing else on a
 *                                network thread talks to Redis: NEW and REMOVE only
 *                                queue, and endpoint names are resolved at start.
 *   Insert/Remove fire no hook, so nothing echoes between boxes.
 *
 * Ticket keys (stek_interval > 0)
 * -------------------------------
 *   master thread                (stek_master yes or auto) every stek_interval/4 seconds: with
 *                                auto, SET tshost:<cluster>:stek:master <box id hex> NX EX
 *                                <3*interval>, or, if the key holds this box's id, EXPIRE it (the
 *                                renewal): a dead master is replaced within 3 intervals. With yes
 *                                the box is master unconditionally (configure one such box). A
 *                                master without a ring first GETs the stored one and continues it.
 *                                Once the installed ring is stek_interval old, the master rotates:
 *                                  [cur, pending, old...] -> [pending, new, cur, old...]
 *                                (the pending key becomes record 0, the encryption key; a new
 *                                random 48-byte key is pending, decrypt-only; at most stek_overlap
 *                                old keys are kept). The first ring of a cluster is one key.
 *                                The ring is sealed (op 'K', id = its 8-byte generation) and
 *                                  SET tshost:<cluster>:stek:ring <message>
 *                                  PUBLISH tshost:<cluster>:stek <message>
 *                                then installed on the master itself. Two phases, so a key
 *                                encrypts only an interval after every box received it: no box
 *                                issues a ticket another cannot read.
 *   every box                    the subscriber thread also subscribes to tshost:<cluster>:stek
 *                                and, after each (re)subscription, GETs the stored ring (a box
 *                                that starts late or reconnects catches up). A ring is installed
 *                                with TSSslTicketKeyUpdate (record 0 encrypts, all decrypt; a
 *                                ticket under another record is renewed under record 0) if its
 *                                generation is newer than the installed one; never from a
 *                                handshake. Until the first ring arrives a box uses the proxy's
 *                                own key (or ticket_key.filename).
 *   Split brain: two masters at once (two `yes` boxes, or a partition under auto) may publish
 *   rings of the same generation. Every box then keeps the one made by the greater box id (the
 *   sender id is authenticated), so the farm converges within one delivery; the pending keys
 *   differ, the encryption key does not (both rings continue the same ring). A box whose installed
 *   ring is replaced by one that lacks its encryption key (after a partition heals) keeps that
 *   key, decrypt-only, so its own tickets still resume on it. Each box publishes its generation
 *   as the stat stek_generation.
 *
 * Message (the same bytes are stored and published):
 *   "TS" | version 3 | op ('N' new, 'R' remove, 'K' keys) | box id (8) |
 *   timestamp (8: the sender's clock, us since the epoch, big-endian) | id length (1) | id |
 *   nonce (12, random) | AES-256-GCM ciphertext of the DER session (empty for a removal) | tag (16)
 *   A 'K' message's id is the ring's generation (8 bytes, big-endian) and its plaintext is
 *   pending flag (1: record 1 is decrypt-only) | N records of 48 bytes (name | HMAC | AES).
 *   AAD = cluster name | everything before the nonce (so the id, op, box id and timestamp are
 *   authenticated). A message with a stale or wrong key, a different cluster or a tampered byte
 *   fails the tag. Messages of other versions (1: no timestamp, 2: in ms) are rejected as malformed
 *   (auth_failures).
 *
 * Replays
 * -------
 *   pub/sub ('N', 'R')           an authentic peer message is rejected and counted (replays; not
 *                                received) if its timestamp is more than replay_window seconds old
 *                                or more than 5 s in the future (the boxes' clocks must agree to a
 *                                few seconds: a message rejected for skew still resumes through the
 *                                GET fallback), or if its (box id, nonce) was accepted before. The
 *                                subscriber remembers the pairs of the last 4096 accepted messages
 *                                (a ring buffer and a hash table, per box); once a pair is
 *                                forgotten, nothing with a timestamp as old as its message is
 *                                accepted any more, so the memory is bounded without a gap (under
 *                                more than 4096 messages per window the window shrinks instead).
 *   GET fallback                 stored messages are legitimately older than the window and read
 *                                many times (by every box that misses): only authenticity, the
 *                                session id the key names, and the key's TTL (session_ttl, set by
 *                                Redis EX) apply. Not covered: whoever can write to Redis can
 *                                store a captured message again (a removed session comes back; its
 *                                own timeout, inside the DER, still bounds it).
 *   ticket rings ('K')           not checked by time or nonce: a ring is installed only if its
 *                                generation is newer than the installed one, so an old ring
 *                                re-published is ignored whatever its age.
 *
 * Config file (the plugin's argument): `key value` lines, `#` starts a comment
 *   redis        host:port       one per line; several lines are a failover list, tried in order
 *   cluster      name            keys and channel are tshost:<cluster>:...   (default: default)
 *   key_file     path            32 raw bytes, the AES-256-GCM key, the same on every box (required;
 *                                relative paths are relative to the config file's directory)
 *   auth_file    path            optional: a Redis AUTH password (first line of the file)
 *   session_ttl  seconds         EX of the stored sessions (default 300, the session timeout)
 *   queue_max    entries         bound of the publish queue (default 10000)
 *   lookup       async|sync      how a local miss is looked up in Redis: async (default) holds the
 *                                handshake at TS_SSL_CLIENT_HELLO_HOOK while a worker thread does
 *                                the GET; sync does the GET inside TS_EVENT_SSL_SESSION_GET on the
 *                                network thread (every other connection of that thread waits)
 *   lookup_workers  n            threads of the async lookup, each with its own Redis connection
 *                                (1..64, default 2)
 *   publish      yes|no          whether new sessions and removals are also PUBLISHed (default
 *                                yes); with no, peers find sessions only by GET (async lookup)
 *   get_timeout_ms  ms           hard budget of one GET lookup, connect and AUTH included
 *                                (1..10000, default 5); async: a held handshake goes on at most
 *                                this long after its ClientHello, queueing included
 *   breaker_failures  n          lookups in a row over the budget that open the circuit breaker
 *                                (1..1000, default 3)
 *   breaker_cooldown_ms  ms      how long an open breaker makes no lookup before its probe
 *                                (10..3600000, default 5000)
 *   stek_interval   seconds      ticket-key rotation period; 0 (default): ticket keys are not
 *                                shared (each box keeps the proxy's own)
 *   stek_overlap    keys         old keys kept for decryption after their rotation (0..64,
 *                                default 2): a ticket resumes for at least overlap+1 intervals
 *   stek_master     yes|no|auto  whether this box makes the keys; auto (default) elects one
 *   replay_window   seconds      pub/sub messages older than this are replays (1..86400,
 *                                default 30)
 * A bad line is reported with TSError as `<file>:<line>: <reason>`; the plugin then stays
 * registered but disabled (no hook).
 *
 * plugin.config line:
 *   ssl_session_share.so /etc/tshost/ssl_session_share.conf
 *
 * Stats (TSStat, created once, guarded by TSStatFindName): ssl_session_share.published, .received
 * (peers' messages, rings included), .inserted, .dropped (queue overflow, undecodable sessions),
 * .auth_failures, .reconnects, .stek_updates (rings installed), .stek_master (1 while this box is
 * the ticket-key master), .replays (authentic pub/sub messages rejected as stale or seen before),
 * .stek_generation (of the installed ring), .propagation_us (the last peer session: the sender's
 * NEW hook to this box's subscriber, by the two clocks) and .propagation_us_avg (its moving
 * average, weight 1/16), .get_timeouts (GET fallback lookups that took the whole budget),
 * .get_skipped (misses not looked up: the circuit breaker open, or a reconnect to Redis waiting
 * its 500 ms after a failed one) and .get_errors (lookups that failed at once: refused, broken),
 * .held (handshakes held at TS_SSL_CLIENT_HELLO_HOOK for an async lookup).
 * Debug tag: ssl_session_share.
 *
 * Requirements as for session_peer.c: proxy.config.ssl.session_cache 2, the same certificate on
 * every box, clients resuming by session id (TLS 1.2 without tickets, or TLS 1.3 with
 * proxy.config.ssl.session_cache.tls13 1). Tickets (TLS 1.2 and 1.3) need stek_interval > 0 and
 * the same certificate.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -Iinclude -o ssl_session_share.so \
 *          plugins-c/ssl_session_share.c -lhiredis -lcrypto -lpthread
 * (libssl's d2i_SSL_SESSION/SSL_SESSION_free resolve from the proxy at load time.)
 */

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <ts/ts.h>

#define PLUGIN_NAME "ssl_session_share"
#define MAX_SESSION_SIZE (64 * 1024)
#define MAX_ENDPOINTS 8
#define BOX_ID_LEN 8
#define NONCE_LEN 12
#define TAG_LEN 16
#define MSG_VERSION 3
#define TS_LEN 8                /* sender timestamp, us since the epoch, big-endian */
#define FIXED_LEN (2 + 1 + 1 + BOX_ID_LEN + TS_LEN + 1) /* up to and including the id length */
#define FUTURE_SLACK_MS 5000    /* clock skew tolerated for a message from the future */
#define SEEN_MAX 4096           /* nonces remembered (the pub/sub replay check) */
#define SEEN_BUCKETS 8192
#define OP_NEW 'N'
#define OP_REMOVE 'R'
#define OP_KEYS 'K'
#define STEK_RECORD 48
#define MAX_OVERLAP 64
#define MAX_RING (2 + MAX_OVERLAP)
#define MAX_BACKOFF_MS 400 /* reconnect backoff cap: Redis back -> serving again well within 1 s */

/* libssl's functions (d2i_SSL_SESSION, SSL_client_hello_get0_*, ...) resolve from the proxy,
 * which links it: a TSSslSession is an SSL_SESSION *, a TSSslConnection an SSL *. */

typedef struct {
  char host[256];
  int port;
  char addr[256]; /* host resolved at start: the GET fallback never resolves names */
} endpoint;

static struct {
  endpoint ep[MAX_ENDPOINTS];
  int n_ep;
  char cluster[128];
  unsigned char key[32];
  char *password;
  int session_ttl;
  int queue_max;
  int get_timeout_ms;      /* the budget of one GET fallback lookup, connect and AUTH included */
  int breaker_failures;    /* lookups in a row over the budget that open the circuit breaker */
  int breaker_cooldown_ms; /* how long an open breaker makes no lookup */
  int stek_interval; /* seconds; 0: no ticket keys through Redis */
  int stek_overlap;  /* old keys kept for decryption */
  int stek_master;   /* STEK_NO, STEK_YES, STEK_AUTO */
  int replay_window; /* seconds: older pub/sub messages are rejected */
  int lookup;         /* LOOKUP_MODE_ASYNC (ClientHello hook, workers) or _SYNC (session hook) */
  int lookup_workers; /* threads of the async lookup */
  int publish;        /* 0: sessions are stored, not published (peers find them by GET) */
} cfg;

enum { LOOKUP_MODE_ASYNC, LOOKUP_MODE_SYNC };

enum { STEK_NO, STEK_YES, STEK_AUTO };

static unsigned char box_id[BOX_ID_LEN];
static char box_hex[2 * BOX_ID_LEN + 1];
static char channel[192], stek_channel[192], stek_ring_key[192], stek_master_key[192];

enum {
  ST_PUBLISHED,
  ST_RECEIVED,
  ST_INSERTED,
  ST_DROPPED,
  ST_AUTH_FAILURES,
  ST_RECONNECTS,
  ST_STEK_UPDATES,
  ST_STEK_MASTER,
  ST_REPLAYS,
  ST_PROPAGATION_US,
  ST_PROPAGATION_US_AVG,
  ST_STEK_GENERATION,
  ST_GET_TIMEOUTS,
  ST_GET_SKIPPED,
  ST_GET_ERRORS,
  ST_HELD,
  ST_N
};
static const char *stat_names[ST_N] = {"published",      "received",        "inserted",       "dropped",
                                       "auth_failures",  "reconnects",      "stek_updates",   "stek_master",
                                       "replays",        "propagation_us",  "propagation_us_avg", "stek_generation",
                                       "get_timeouts",   "get_skipped",     "get_errors",
                                       "held"};
static int stats[ST_N];

static void
count(int which)
{
  TSStatIntIncrement(stats[which], 1);
}

/* ---- the publish queue ---- */

typedef struct {
  char op;
  TSSslSessionID id;
  char *der; /* NULL for a removal */
  int der_len;
} item;

static item *queue;
static int q_head, q_len;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond  = PTHREAD_COND_INITIALIZER;

static void
enqueue(char op, const TSSslSessionID *id, char *der, int der_len)
{
  pthread_mutex_lock(&q_lock);
  if (q_len == cfg.queue_max) {
    TSfree(queue[q_head].der); /* drop the oldest */
    q_head = (q_head + 1) % cfg.queue_max;
    q_len--;
    count(ST_DROPPED);
  }
  item *it   = &queue[(q_head + q_len) % cfg.queue_max];
  it->op     = op;
  it->id     = *id;
  it->der    = der;
  it->der_len = der_len;
  q_len++;
  pthread_cond_signal(&q_cond);
  pthread_mutex_unlock(&q_lock);
}

/* ---- messages ---- */

static void
hex_id(const TSSslSessionID *id, char *out)
{
  for (size_t i = 0; i < id->len; i++) {
    snprintf(out + 2 * i, 3, "%02x", (unsigned char)id->bytes[i]);
  }
  out[2 * id->len] = 0;
}

static void
redis_key(const TSSslSessionID *id, char *out, size_t size)
{
  char hex[2 * TS_SSL_MAX_SSL_SESSION_ID_LENGTH + 1];
  hex_id(id, hex);
  snprintf(out, size, "tshost:%s:sess:%s", cfg.cluster, hex);
}

/* Microseconds since the epoch (CLOCK_REALTIME). */
static int64_t
now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Milliseconds since the epoch (CLOCK_REALTIME). */
static int64_t
now_ms(void)
{
  return now_us() / 1000;
}

/* Seals op/id/der into a new message (TSfree it); NULL on a crypto failure. */
static unsigned char *
seal(char op, const TSSslSessionID *id, const char *der, int der_len, size_t *out_len)
{
  size_t head_len = FIXED_LEN + id->len;
  size_t total    = head_len + NONCE_LEN + (size_t)der_len + TAG_LEN;
  unsigned char *m = TSmalloc(total), *p = m;
  *p++ = 'T';
  *p++ = 'S';
  *p++ = MSG_VERSION;
  *p++ = (unsigned char)op;
  memcpy(p, box_id, BOX_ID_LEN);
  p += BOX_ID_LEN;
  uint64_t ts = (uint64_t)now_us();
  for (int i = 0; i < TS_LEN; i++) {
    *p++ = (unsigned char)(ts >> (56 - 8 * i));
  }
  *p++ = (unsigned char)id->len;
  memcpy(p, id->bytes, id->len);
  p += id->len;
  unsigned char *nonce = p, *ct = p + NONCE_LEN, *tag = ct + der_len;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n, ok = c && RAND_bytes(nonce, NONCE_LEN) == 1 && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
              EVP_EncryptInit_ex(c, NULL, NULL, cfg.key, nonce) == 1 &&
              EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)cfg.cluster, (int)strlen(cfg.cluster)) == 1 &&
              EVP_EncryptUpdate(c, NULL, &n, m, (int)head_len) == 1 &&
              (der_len == 0 || EVP_EncryptUpdate(c, ct, &n, (const unsigned char *)der, der_len) == 1) &&
              EVP_EncryptFinal_ex(c, ct + der_len, &n) == 1 && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) {
    TSfree(m);
    return NULL;
  }
  *out_len = total;
  return m;
}

/* An opened message: op, id, and the DER session (TSfree it; NULL for a removal). */
typedef struct {
  char op;
  TSSslSessionID id;
  unsigned char *der;
  int der_len;
  int own;                         /* this box sent it (nothing else is set) */
  unsigned char sender[BOX_ID_LEN]; /* the sender's box id */
  int64_t sent_us;                 /* the sender's timestamp */
  int64_t sent_ms;                 /* the same in ms */
  unsigned char nonce[NONCE_LEN];
} opened;

/* 1 if authentic (or own), 0 if malformed or failing authentication. */
static int
open_msg(const unsigned char *m, size_t len, opened *o)
{
  memset(o, 0, sizeof *o);
  size_t fixed = FIXED_LEN;
  if (len < fixed || m[0] != 'T' || m[1] != 'S' || m[2] != MSG_VERSION ||
      (m[3] != OP_NEW && m[3] != OP_REMOVE && m[3] != OP_KEYS)) {
    return 0;
  }
  size_t id_len = m[fixed - 1];
  if (id_len == 0 || id_len > TS_SSL_MAX_SSL_SESSION_ID_LENGTH || len < fixed + id_len + NONCE_LEN + TAG_LEN) {
    return 0;
  }
  if (memcmp(m + 4, box_id, BOX_ID_LEN) == 0) {
    o->own = 1;
    return 1;
  }
  size_t head_len        = fixed + id_len;
  const unsigned char *nonce = m + head_len, *ct = nonce + NONCE_LEN;
  int ct_len             = (int)(len - head_len - NONCE_LEN - TAG_LEN);
  if (ct_len > MAX_SESSION_SIZE || (m[3] == OP_REMOVE && ct_len != 0) ||
      (m[3] == OP_KEYS &&
       (id_len != 8 || ct_len < 1 + STEK_RECORD || (ct_len - 1) % STEK_RECORD != 0 || ct_len > 1 + MAX_RING * STEK_RECORD))) {
    return 0;
  }
  unsigned char *pt = TSmalloc(ct_len > 0 ? ct_len : 1);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n, ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
              EVP_DecryptInit_ex(c, NULL, NULL, cfg.key, nonce) == 1 &&
              EVP_DecryptUpdate(c, NULL, &n, (const unsigned char *)cfg.cluster, (int)strlen(cfg.cluster)) == 1 &&
              EVP_DecryptUpdate(c, NULL, &n, m, (int)head_len) == 1 &&
              (ct_len == 0 || EVP_DecryptUpdate(c, pt, &n, ct, ct_len) == 1) &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(ct + ct_len)) == 1 &&
              EVP_DecryptFinal_ex(c, pt + ct_len, &n) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) {
    TSfree(pt);
    return 0;
  }
  o->op     = (char)m[3];
  memcpy(o->sender, m + 4, BOX_ID_LEN);
  uint64_t ts = 0;
  for (int i = 0; i < TS_LEN; i++) {
    ts = ts << 8 | m[4 + BOX_ID_LEN + i];
  }
  o->sent_us = (int64_t)ts;
  o->sent_ms = o->sent_us / 1000;
  memcpy(o->nonce, nonce, NONCE_LEN);
  o->id.len = id_len;
  memcpy(o->id.bytes, m + fixed, id_len);
  if (o->op == OP_NEW || o->op == OP_KEYS) {
    o->der     = pt;
    o->der_len = ct_len;
  } else {
    TSfree(pt);
  }
  return 1;
}

/* ---- replay protection (the pub/sub path only) ---- */

/* The (sender, nonce) pairs of the last SEEN_MAX accepted pub/sub messages: a ring buffer in
 * arrival order, chained in a hash table. Used by the subscriber thread alone: no lock. */
typedef struct {
  unsigned char sender[BOX_ID_LEN];
  unsigned char nonce[NONCE_LEN];
  int64_t sent_ms;
  int next; /* the next entry of its bucket, -1: none */
} seen_entry;

static seen_entry seen[SEEN_MAX];
static int seen_bucket[SEEN_BUCKETS];
static int seen_next, seen_n;
static int64_t seen_floor = INT64_MIN; /* the newest timestamp evicted from the ring */

static unsigned
seen_hash(const unsigned char *sender, const unsigned char *nonce)
{
  uint32_t h = 2166136261u; /* FNV-1a: nonces are random, authentic messages cannot choose them */
  for (int i = 0; i < BOX_ID_LEN; i++) {
    h = (h ^ sender[i]) * 16777619u;
  }
  for (int i = 0; i < NONCE_LEN; i++) {
    h = (h ^ nonce[i]) * 16777619u;
  }
  return h % SEEN_BUCKETS;
}

static void
seen_init(void)
{
  for (int i = 0; i < SEEN_BUCKETS; i++) {
    seen_bucket[i] = -1;
  }
}

/* 1 if an authentic peer message from the subscription is fresh and new (its nonce is then
 * remembered); 0 if it is a replay: older than replay_window, more than FUTURE_SLACK_MS in the
 * future, not newer than a timestamp the bounded memory has forgotten, or a (sender, nonce) seen
 * before. */
static int
fresh_msg(const opened *o)
{
  int64_t now = now_ms();
  if (o->sent_ms < now - (int64_t)cfg.replay_window * 1000 || o->sent_ms > now + FUTURE_SLACK_MS || o->sent_ms <= seen_floor) {
    return 0;
  }
  unsigned h = seen_hash(o->sender, o->nonce);
  for (int i = seen_bucket[h]; i >= 0; i = seen[i].next) {
    if (memcmp(seen[i].nonce, o->nonce, NONCE_LEN) == 0 && memcmp(seen[i].sender, o->sender, BOX_ID_LEN) == 0) {
      return 0;
    }
  }
  seen_entry *e = &seen[seen_next];
  if (seen_n == SEEN_MAX) {
    /* Forget the oldest entry; from now on nothing as old as it is accepted. */
    unsigned eh = seen_hash(e->sender, e->nonce);
    int *link   = &seen_bucket[eh];
    while (*link != seen_next) {
      link = &seen[*link].next;
    }
    *link = e->next;
    if (e->sent_ms > seen_floor) {
      seen_floor = e->sent_ms;
    }
  } else {
    seen_n++;
  }
  memcpy(e->sender, o->sender, BOX_ID_LEN);
  memcpy(e->nonce, o->nonce, NONCE_LEN);
  e->sent_ms     = o->sent_ms;
  e->next        = seen_bucket[h];
  seen_bucket[h] = seen_next;
  seen_next      = (seen_next + 1) % SEEN_MAX;
  return 1;
}

/* ---- the ticket-key ring ---- */

/* The ring this box installed: records of 48 bytes, record 0 encrypts; if `pending`, record 1 is a
 * new key that decrypts only (it encrypts from the next rotation); the rest are older keys. */
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ring_gen; /* 0: none installed yet (the proxy's own random key) */
static int ring_pending, ring_n;
static unsigned char ring_keys[MAX_RING * STEK_RECORD];
static struct timespec ring_installed_at; /* CLOCK_MONOTONIC */
static unsigned char ring_sender[BOX_ID_LEN]; /* the box that made the installed ring */

/* Installs a ring newer than the installed one (TSSslTicketKeyUpdate); 1 if installed.
 * Split brain (two masters: two `yes` boxes, or a partition under auto): rings can collide. Of two
 * rings of the same generation the one from the greater box id wins on every box, so the farm
 * converges on one ring. And a box never forgets the key it was encrypting with: if the ring that
 * replaces its own lacks the installed record 0, that key is kept at the end, decrypt-only, so
 * the tickets this box issued still resume here (and, once the next ring built on this one
 * spreads, everywhere). */
static int
ring_install(uint64_t gen, const unsigned char *sender, int pending, const unsigned char *keys, int n)
{
  if (n < 1 || n > MAX_RING || (pending && n < 2)) {
    return 0;
  }
  pthread_mutex_lock(&ring_lock);
  int cmp = ring_gen == 0 ? 1 : gen != ring_gen ? (gen > ring_gen ? 1 : -1) : memcmp(sender, ring_sender, BOX_ID_LEN);
  int ok  = cmp > 0;
  if (ok) {
    unsigned char merged[MAX_RING * STEK_RECORD];
    memcpy(merged, keys, (size_t)n * STEK_RECORD);
    int kept = 0;
    if (ring_gen != 0 && n < MAX_RING) {
      int found = 0;
      for (int i = 0; i < n && !found; i++) {
        found = memcmp(merged + (size_t)i * STEK_RECORD, ring_keys, STEK_RECORD) == 0;
      }
      if (!found) {
        memcpy(merged + (size_t)n++ * STEK_RECORD, ring_keys, STEK_RECORD);
        kept = 1;
      }
    }
    memcpy(ring_keys, merged, (size_t)n * STEK_RECORD);
    ok = TSSslTicketKeyUpdate((char *)ring_keys, n * STEK_RECORD) == TS_SUCCESS;
    if (ok) {
      ring_gen     = gen;
      ring_pending = pending;
      ring_n       = n;
      memcpy(ring_sender, sender, BOX_ID_LEN);
      clock_gettime(CLOCK_MONOTONIC, &ring_installed_at);
      count(ST_STEK_UPDATES);
      TSStatIntSet(stats[ST_STEK_GENERATION], (int64_t)gen);
      TSDebug(PLUGIN_NAME, "installed ticket-key ring %llu: %d key(s)%s%s", (unsigned long long)gen, n,
              pending ? ", the second one decrypt-only" : "", kept ? ", the replaced encryption key kept to decrypt" : "");
    }
  }
  pthread_mutex_unlock(&ring_lock);
  return ok;
}

/* Installs the ring of an opened OP_KEYS message (the id is the generation, big-endian). */
static void
ring_apply(const opened *o)
{
  uint64_t gen = 0;
  for (int i = 0; i < 8; i++) {
    gen = gen << 8 | o->id.bytes[i];
  }
  ring_install(gen, o->sender, o->der[0] == 1, o->der + 1, (o->der_len - 1) / STEK_RECORD);
}

/* Applies an authentic peer message (id checked against `expect` if given); 1 if a session was
 * inserted. */
static int
apply(opened *o, const TSSslSessionID *expect)
{
  int inserted = 0;
  if (expect && (expect->len != o->id.len || memcmp(expect->bytes, o->id.bytes, o->id.len) != 0)) {
    count(ST_AUTH_FAILURES); /* an authentic message under the wrong key: moved, not made here */
  } else if (o->op == OP_REMOVE) {
    TSSslSessionRemove(&o->id);
  } else if (o->op == OP_KEYS) {
    if (cfg.stek_interval > 0) {
      ring_apply(o);
    }
  } else {
    const unsigned char *p = o->der;
    SSL_SESSION *s         = d2i_SSL_SESSION(NULL, &p, o->der_len);
    if (!s) {
      count(ST_DROPPED);
    } else {
      if (TSSslSessionInsert(&o->id, (TSSslSession)s, NULL) == TS_SUCCESS) {
        count(ST_INSERTED);
        inserted = 1;
      }
      SSL_SESSION_free(s); /* the cache keeps its own copy */
    }
  }
  TSfree(o->der);
  o->der = NULL;
  return inserted;
}

/* ---- Redis connections ---- */

/* A connection to the first endpoint that answers (and accepts AUTH); NULL if none. */
static redisContext *
connect_any(int timeout_ms)
{
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  for (int i = 0; i < cfg.n_ep; i++) {
    redisContext *c = redisConnectWithTimeout(cfg.ep[i].host, cfg.ep[i].port, tv);
    if (!c || c->err) {
      if (c) {
        TSDebug(PLUGIN_NAME, "%s:%d: %s", cfg.ep[i].host, cfg.ep[i].port, c->errstr);
        redisFree(c);
      }
      continue;
    }
    if (cfg.password) {
      redisReply *r = redisCommand(c, "AUTH %s", cfg.password);
      int ok        = r && r->type != REDIS_REPLY_ERROR;
      if (r) {
        freeReplyObject(r);
      }
      if (!ok) {
        TSError("[%s] %s:%d: AUTH failed", PLUGIN_NAME, cfg.ep[i].host, cfg.ep[i].port);
        redisFree(c);
        continue;
      }
    }
    return c;
  }
  return NULL;
}

static void
sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* The worker: seals and publishes the queue. */
static void *
publisher(void *arg)
{
  (void)arg;
  redisContext *c = NULL;
  int backoff = 50, ever = 0;
  for (;;) {
    pthread_mutex_lock(&q_lock);
    while (q_len == 0) {
      pthread_cond_wait(&q_cond, &q_lock);
    }
    pthread_mutex_unlock(&q_lock);
    if (!c) {
      c = connect_any(1000);
      if (!c) {
        sleep_ms(backoff);
        backoff = backoff < MAX_BACKOFF_MS ? backoff * 2 : MAX_BACKOFF_MS;
        continue;
      }
      if (ever) {
        count(ST_RECONNECTS);
      }
      ever    = 1;
      backoff = 50;
      struct timeval tv = {1, 0};
      redisSetTimeout(c, tv);
    }
    /* Take the oldest entry; it goes back to the front if Redis fails. */
    pthread_mutex_lock(&q_lock);
    if (q_len == 0) {
      pthread_mutex_unlock(&q_lock);
      continue;
    }
    item it = queue[q_head];
    q_head  = (q_head + 1) % cfg.queue_max;
    q_len--;
    pthread_mutex_unlock(&q_lock);

    size_t len;
    unsigned char *m = seal(it.op, &it.id, it.der, it.der_len, &len);
    if (!m) {
      TSError("[%s] cannot seal a message", PLUGIN_NAME);
      TSfree(it.der);
      count(ST_DROPPED);
      continue;
    }
    char key[256];
    redis_key(&it.id, key, sizeof key);
    if (it.op == OP_NEW) {
      redisAppendCommand(c, "SET %s %b EX %d", key, m, len, cfg.session_ttl);
    } else {
      redisAppendCommand(c, "DEL %s", key);
    }
    if (cfg.publish) {
      redisAppendCommand(c, "PUBLISH %s %b", channel, m, len);
    }
    TSfree(m);
    int ok = 1;
    for (int i = 0; i < 1 + cfg.publish; i++) {
      redisReply *r = NULL;
      if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
        ok = 0;
        break;
      }
      if (r->type == REDIS_REPLY_ERROR) {
        TSError("[%s] redis: %s", PLUGIN_NAME, r->str);
      }
      freeReplyObject(r);
    }
    if (ok) {
      count(ST_PUBLISHED);
      TSDebug(PLUGIN_NAME, "published %s (%c)", key, it.op);
      TSfree(it.der);
      continue;
    }
    TSDebug(PLUGIN_NAME, "redis lost while publishing: %s", c->errstr);
    redisFree(c);
    c = NULL;
    /* Put the entry back at the front, unless newer entries filled the queue meanwhile. */
    pthread_mutex_lock(&q_lock);
    if (q_len < cfg.queue_max) {
      q_head        = (q_head + cfg.queue_max - 1) % cfg.queue_max;
      queue[q_head] = it;
      q_len++;
    } else {
      TSfree(it.der);
      count(ST_DROPPED);
    }
    pthread_mutex_unlock(&q_lock);
  }
  return NULL;
}

/* Propagation latency of a peer's new session (its NEW hook -> here, by the two boxes' clocks):
 * the last one, and a moving average (weight 1/16), in microseconds. Subscriber thread only. */
static void
note_propagation(int64_t us)
{
  static int64_t avg_us = -1;
  us                    = us < 0 ? 0 : us;
  avg_us                = avg_us < 0 ? us : avg_us + (us - avg_us) / 16;
  TSStatIntSet(stats[ST_PROPAGATION_US], us);
  TSStatIntSet(stats[ST_PROPAGATION_US_AVG], avg_us);
}

/* Loads the stored ring (GET) and installs it if it is newer; 0 if the connection failed. */
static int
ring_load(redisContext *c)
{
  redisReply *r = redisCommand(c, "GET %s", stek_ring_key);
  if (!r) {
    return 0;
  }
  if (r->type == REDIS_REPLY_STRING) {
    opened o;
    if (!open_msg((const unsigned char *)r->str, r->len, &o) || (!o.own && o.op != OP_KEYS)) {
      count(ST_AUTH_FAILURES);
      TSfree(o.der);
    } else if (!o.own) {
      ring_apply(&o);
      TSfree(o.der);
    }
  }
  freeReplyObject(r);
  return 1;
}

/* The subscriber: applies peers' messages. */
static void *
subscriber(void *arg)
{
  (void)arg;
  int backoff = 50, ever = 0;
  for (;;) {
    redisContext *c = connect_any(1000);
    if (!c) {
      sleep_ms(backoff);
      backoff = backoff < MAX_BACKOFF_MS ? backoff * 2 : MAX_BACKOFF_MS;
      continue;
    }
    redisEnableKeepAlive(c);
    redisReply *r = cfg.stek_interval > 0 ? redisCommand(c, "SUBSCRIBE %s %s", channel, stek_channel)
                                          : redisCommand(c, "SUBSCRIBE %s", channel);
    if (!r) {
      redisFree(c);
      continue;
    }
    freeReplyObject(r);
    if (cfg.stek_interval > 0) {
      /* Subscribed first, then the stored ring: nothing published meanwhile is missed. */
      redisContext *g = connect_any(1000);
      if (g) {
        struct timeval tv = {1, 0};
        redisSetTimeout(g, tv);
        ring_load(g);
        redisFree(g);
      }
    }
    if (ever) {
      count(ST_RECONNECTS);
    }
    ever    = 1;
    backoff = 50;
    TSDebug(PLUGIN_NAME, "subscribed to %s", channel);
    while (redisGetReply(c, (void **)&r) == REDIS_OK && r) {
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[2]->type == REDIS_REPLY_STRING) {
        opened o;
        const redisReply *payload = r->element[2];
        if (!open_msg((const unsigned char *)payload->str, payload->len, &o)) {
          count(ST_AUTH_FAILURES);
          TSDebug(PLUGIN_NAME, "dropped a message that failed authentication (%zu bytes)", (size_t)payload->len);
        } else if (!o.own && o.op != OP_KEYS && !fresh_msg(&o)) {
          count(ST_REPLAYS);
          TSDebug(PLUGIN_NAME, "dropped a replayed or stale message (sent %lld ms ago)", (long long)(now_ms() - o.sent_ms));
          TSfree(o.der);
        } else if (!o.own) {
          count(ST_RECEIVED);
          if (o.op == OP_NEW) {
            note_propagation(now_us() - o.sent_us);
          }
          apply(&o, NULL);
        }
      }
      freeReplyObject(r);
    }
    TSDebug(PLUGIN_NAME, "subscription lost: %s", c->errstr);
    redisFree(c);
  }
  return NULL;
}

/* ---- the ticket-key master ---- */

static int
elapsed_ms(const struct timespec *since)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int)((now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000);
}

/* 1 if this box is (or has just become) the master: SET NX EX, or renewal of its own key. -1 if the
 * connection failed. */
static int
elect(redisContext *c)
{
  int ttl       = 3 * cfg.stek_interval;
  redisReply *r = redisCommand(c, "SET %s %s NX EX %d", stek_master_key, box_hex, ttl);
  if (!r) {
    return -1;
  }
  int master = r->type == REDIS_REPLY_STATUS;
  freeReplyObject(r);
  if (master) {
    return 1;
  }
  r = redisCommand(c, "GET %s", stek_master_key);
  if (!r) {
    return -1;
  }
  master = r->type == REDIS_REPLY_STRING && r->len == strlen(box_hex) && memcmp(r->str, box_hex, r->len) == 0;
  freeReplyObject(r);
  if (master) {
    r = redisCommand(c, "EXPIRE %s %d", stek_master_key, ttl);
    if (!r) {
      return -1;
    }
    freeReplyObject(r);
  }
  return master;
}

/* The master's rotation: the pending key (if any) becomes record 0, the old record 0 an old key, a
 * new random key is pending, at most stek_overlap old keys stay. Stored, published, installed.
 * 0 if the connection failed. */
static int
rotate(redisContext *c)
{
  unsigned char plain[1 + MAX_RING * STEK_RECORD], *keys = plain + 1;
  int n = 0, pending = 0;
  uint64_t gen;
  pthread_mutex_lock(&ring_lock);
  gen = ring_gen + 1;
  if (ring_gen == 0) {
    /* The first ring of the cluster: no shared tickets exist yet, its key encrypts at once. */
    n = 1;
  } else {
    const unsigned char *cur = ring_keys, *pend = ring_pending ? ring_keys + STEK_RECORD : NULL;
    const unsigned char *old = ring_keys + (ring_pending ? 2 : 1) * STEK_RECORD;
    int n_old                = ring_n - (ring_pending ? 2 : 1);
    if (pend) {
      memcpy(keys, pend, STEK_RECORD); /* every box has had it for an interval */
      n = 2;                           /* record 1: the new pending key, below */
      if (cfg.stek_overlap > 0) {
        memcpy(keys + 2 * STEK_RECORD, cur, STEK_RECORD);
        n++;
      }
      for (int i = 0; i < n_old && n < 2 + cfg.stek_overlap; i++) {
        memcpy(keys + (size_t)n++ * STEK_RECORD, old + (size_t)i * STEK_RECORD, STEK_RECORD);
      }
    } else {
      memcpy(keys, cur, STEK_RECORD);
      n = 2;
      for (int i = 0; i < n_old && n < 2 + cfg.stek_overlap; i++) {
        memcpy(keys + (size_t)n++ * STEK_RECORD, old + (size_t)i * STEK_RECORD, STEK_RECORD);
      }
    }
    pending = 1;
  }
  pthread_mutex_unlock(&ring_lock);
  if (RAND_bytes(keys + (pending ? STEK_RECORD : 0), STEK_RECORD) != 1) {
    TSError("[%s] no random ticket key", PLUGIN_NAME);
    return 1;
  }
  plain[0] = (unsigned char)pending;
  TSSslSessionID id;
  memset(&id, 0, sizeof id);
  id.len = 8;
  for (int i = 0; i < 8; i++) {
    id.bytes[i] = (char)(gen >> (56 - 8 * i));
  }
  size_t len;
  unsigned char *m = seal(OP_KEYS, &id, (const char *)plain, 1 + n * STEK_RECORD, &len);
  if (!m) {
    TSError("[%s] cannot seal the ticket-key ring", PLUGIN_NAME);
    return 1;
  }
  redisAppendCommand(c, "SET %s %b", stek_ring_key, m, len);
  redisAppendCommand(c, "PUBLISH %s %b", stek_channel, m, len);
  TSfree(m);
  for (int i = 0; i < 2; i++) {
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
      return 0; /* not installed either: the next master tick tries again */
    }
    freeReplyObject(r);
  }
  ring_install(gen, box_id, pending, keys, n);
  return 1;
}

/* The master thread (stek_master yes or auto): elects itself (auto) and rotates. */
static void *
stek_thread(void *arg)
{
  (void)arg;
  redisContext *c = NULL;
  int tick_ms     = cfg.stek_interval * 1000 / 4, was_master = 0;
  for (;; sleep_ms(tick_ms)) {
    if (!c) {
      c = connect_any(1000);
      if (!c) {
        continue;
      }
      struct timeval tv = {1, 0};
      redisSetTimeout(c, tv);
    }
    int master = cfg.stek_master == STEK_YES ? 1 : elect(c);
    pthread_mutex_lock(&ring_lock);
    int none = ring_gen == 0;
    pthread_mutex_unlock(&ring_lock);
    if (master > 0 && none) {
      master = ring_load(c) ? 1 : -1; /* continue the cluster's ring, if there is one */
    }
    if (master < 0) {
      redisFree(c);
      c = NULL;
      continue;
    }
    if (master != was_master) {
      TSDebug(PLUGIN_NAME, "%s the ticket-key master", master ? "now" : "no longer");
      TSStatIntSet(stats[ST_STEK_MASTER], master);
      was_master = master;
    }
    pthread_mutex_lock(&ring_lock);
    int due = ring_gen == 0 || elapsed_ms(&ring_installed_at) >= cfg.stek_interval * 1000;
    pthread_mutex_unlock(&ring_lock);
    if (master && due && !rotate(c)) {
      redisFree(c);
      c = NULL;
    }
  }
  return NULL;
}

/* ---- the GET fallback ----
 * It runs inside the session hook, on a network thread, in the middle of a handshake, with every
 * other connection of that thread waiting: each lookup (connect and AUTH included) has a hard
 * budget of get_timeout_ms, kept with a non-blocking socket and poll() against one deadline. A
 * Redis that is down fails fast (and is reconnected to at most every 500 ms); a hung one (the
 * process stopped, its sockets open) would cost the budget on every handshake that misses, so
 * after breaker_failures lookups in a row hit the budget a circuit breaker opens: no lookup for
 * breaker_cooldown_ms, then one lookup (the probe; the other threads still skip) closes it if it
 * does not time out, or opens it again. The transitions are logged once each. */

/* Each network thread has a connection of its own: no lock, no waiting for another's lookup. */
static __thread redisContext *get_conn;
static __thread int get_ep; /* the endpoint that thread connects to first */

static int breaker_fails;          /* lookups in a row that hit the budget */
static int64_t breaker_until;      /* 0: closed; else open, no lookup before (monotonic us) */
static int breaker_probing;        /* 1 while the probe after a cooldown runs */
static int64_t get_next_connect;   /* Redis down: no connection attempt before (monotonic us) */

enum { LOOKUP_OK, LOOKUP_TIMEOUT, LOOKUP_ERROR, LOOKUP_SKIPPED };

/* Microseconds of CLOCK_MONOTONIC. */
static int64_t
mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Waits until `fd` is ready for `events`: 1, or 0 once `deadline` (monotonic us) has passed. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
  for (;;) {
    int64_t left = deadline - mono_us();
    if (left <= 0) {
      return 0;
    }
    struct pollfd p = {fd, events, 0};
    int n           = poll(&p, 1, (int)((left + 999) / 1000));
    if (n > 0 || (n < 0 && errno != EINTR)) {
      return 1; /* ready, or an error the next read or write reports */
    }
  }
}

/* Writes what the context has buffered and reads `n` replies before `deadline`; the last one in
 * *out (an error reply among the earlier ones, AUTH's, is LOOKUP_ERROR). */
static int
roundtrip(redisContext *c, int n, int64_t deadline, redisReply **out)
{
  int done = 0;
  while (!done) {
    if (redisBufferWrite(c, &done) != REDIS_OK) {
      return LOOKUP_ERROR;
    }
    if (!done && !wait_fd(c->fd, POLLOUT, deadline)) {
      return LOOKUP_TIMEOUT;
    }
  }
  for (int i = 0; i < n; i++) {
    void *r = NULL;
    for (;;) {
      if (redisGetReplyFromReader(c, &r) != REDIS_OK) {
        return LOOKUP_ERROR;
      }
      if (r) {
        break;
      }
      if (!wait_fd(c->fd, POLLIN, deadline)) {
        return LOOKUP_TIMEOUT;
      }
      if (redisBufferRead(c) != REDIS_OK) {
        return LOOKUP_ERROR;
      }
    }
    if (i + 1 == n) {
      *out = r;
    } else {
      int refused = ((redisReply *)r)->type == REDIS_REPLY_ERROR;
      freeReplyObject(r);
      if (refused) {
        TSDebug(PLUGIN_NAME, "GET fallback: AUTH failed"); /* the publisher reports it */
        return LOOKUP_ERROR;
      }
    }
  }
  return LOOKUP_OK;
}

/* GET of the session's key on this thread's connection (made first if needed), all of it before
 * `deadline`. */
static int
lookup(const TSSslSessionID *id, int64_t deadline, redisReply **out)
{
  int replies = 1, fresh = !get_conn;
  int64_t now = mono_us();
  if (fresh) {
    if (now < __atomic_load_n(&get_next_connect, __ATOMIC_RELAXED)) {
      return LOOKUP_SKIPPED;
    }
    /* Non-blocking: a refused connection fails here, one in progress completes in roundtrip(). */
    for (int i = 0; i < cfg.n_ep && !get_conn; i++) {
      int e            = (get_ep + i) % cfg.n_ep;
      redisContext *c  = redisConnectNonBlock(cfg.ep[e].addr, cfg.ep[e].port);
      if (c && !c->err) {
        get_conn = c;
        get_ep   = e;
      } else if (c) {
        TSDebug(PLUGIN_NAME, "%s:%d: %s", cfg.ep[e].host, cfg.ep[e].port, c->errstr);
        redisFree(c);
      }
    }
    if (!get_conn) {
      __atomic_store_n(&get_next_connect, now + 500000, __ATOMIC_RELAXED);
      return LOOKUP_ERROR;
    }
    if (cfg.password) {
      redisAppendCommand(get_conn, "AUTH %s", cfg.password);
      replies = 2;
    }
  }
  char key[256];
  redis_key(id, key, sizeof key);
  redisAppendCommand(get_conn, "GET %s", key);
  int res = roundtrip(get_conn, replies, deadline, out);
  if (res != LOOKUP_OK) {
    /* A reply may still come: this connection is done. The next endpoint is tried first next. */
    TSDebug(PLUGIN_NAME, "GET fallback: %s", res == LOOKUP_TIMEOUT ? "budget exceeded" : get_conn->errstr);
    redisFree(get_conn);
    get_conn = NULL;
    if (res == LOOKUP_ERROR) {
      get_ep = (get_ep + 1) % cfg.n_ep;
      if (fresh) {
        __atomic_store_n(&get_next_connect, now + 500000, __ATOMIC_RELAXED);
      }
    }
  }
  return res;
}

/* The lookup (done before `deadline`, monotonic us), unless the breaker is open; keeps the
 * breaker. */
static void
get_fallback(const TSSslSessionID *id, int64_t deadline)
{
  int64_t start = mono_us();
  int probe     = 0;
  if (__atomic_load_n(&breaker_until, __ATOMIC_ACQUIRE) != 0) {
    int idle = 0;
    if (start < __atomic_load_n(&breaker_until, __ATOMIC_ACQUIRE) ||
        !__atomic_compare_exchange_n(&breaker_probing, &idle, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      count(ST_GET_SKIPPED);
      return;
    }
    probe = 1;
  }
  redisReply *r = NULL;
  int res       = start < deadline ? lookup(id, deadline, &r) : LOOKUP_TIMEOUT;
  if (res == LOOKUP_TIMEOUT) {
    count(ST_GET_TIMEOUTS);
    int n          = __atomic_add_fetch(&breaker_fails, 1, __ATOMIC_ACQ_REL);
    int64_t reopen = mono_us() + (int64_t)cfg.breaker_cooldown_ms * 1000;
    int64_t closed = 0;
    if (probe) {
      __atomic_store_n(&breaker_until, reopen, __ATOMIC_RELEASE);
      TSDebug(PLUGIN_NAME, "probe timed out: circuit breaker stays open");
    } else if (n >= cfg.breaker_failures &&
               __atomic_compare_exchange_n(&breaker_until, &closed, reopen, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      TSWarning("[%s] redis: %d lookups in a row took the whole budget (get_timeout_ms %d): circuit breaker open, "
                "no lookups for %d ms, then one probe",
                PLUGIN_NAME, n, cfg.get_timeout_ms, cfg.breaker_cooldown_ms);
    }
  } else if (res == LOOKUP_SKIPPED) {
    count(ST_GET_SKIPPED);
  } else {
    if (res == LOOKUP_ERROR) {
      count(ST_GET_ERRORS);
    }
    __atomic_store_n(&breaker_fails, 0, __ATOMIC_RELEASE);
    if (probe) {
      __atomic_store_n(&breaker_until, 0, __ATOMIC_RELEASE);
      TSNote("[%s] redis: a probe lookup %s within the budget: circuit breaker closed", PLUGIN_NAME,
             res == LOOKUP_OK ? "was answered" : "failed fast");
    }
  }
  if (probe) {
    __atomic_store_n(&breaker_probing, 0, __ATOMIC_RELEASE);
  }
  if (!r) {
    return;
  }
  if (r->type == REDIS_REPLY_STRING) {
    opened o;
    if (!open_msg((const unsigned char *)r->str, r->len, &o)) {
      count(ST_AUTH_FAILURES);
    } else if (!o.own && o.op == OP_NEW) {
      count(ST_RECEIVED);
      if (apply(&o, id)) {
        TSDebug(PLUGIN_NAME, "GET fallback inserted a session");
      }
    } else {
      TSfree(o.der);
    }
  }
  freeReplyObject(r);
}

/* ---- the async lookup (lookup async, the default) ----
 * TS_SSL_CLIENT_HELLO_HOOK is called inside OpenSSL's ClientHello callback, before OpenSSL looks
 * the offered session up, and a plugin may hold the handshake there. The hook reads from the
 * ClientHello the ids that lookup (and TS_EVENT_SSL_SESSION_GET) will ask for (hello_ids); those
 * the local cache lacks (TSSslSessionGetBuffer returns 0) it queues with the connection and a
 * deadline (now + get_timeout_ms) and returns without reenabling: the handshake waits, the network
 * thread goes on with its other connections. A lookup worker (lookup_workers threads, each with its
 * own Redis connection) GETs each id before that deadline (the same lookup and circuit breaker as
 * the sync mode), inserts what is authentic, and TSVConnReenable's the connection: after a hit, a
 * miss, an error or at the deadline. The queue is first in, first out and every deadline is the
 * hook's time plus the same budget, so a request that waited behind a hung lookup starts before
 * its own deadline and ends at it: a hung Redis costs a handshake at most get_timeout_ms (then it
 * goes on to a full handshake), and no network thread ever waits for Redis. A full queue
 * (LOOKUP_QUEUE_MAX) or an open breaker: the handshake goes on at once (get_skipped).
 *
 * A request is shared by its worker and its connection (a VCONN user argument points to it): the
 * connection's TS_VCONN_CLOSE_HOOK marks it closed, and the worker then does not reenable it (a
 * TSVConn is not to be used after it closed: ATS recycles it, tshost after a quarantine). tshost
 * keeps a held connection until it is reenabled, even if the client gave up (tests/farm.rs), so
 * this guards hosts that close one earlier. The worker reenables under the queue lock, so the
 * close hook cannot run in between. Whichever of the two lets go last frees the request.
 *
 * ATS 9.2 has the same hook and lets a plugin hold it, but calls a held callee a second time when
 * the handshake goes on (OpenSSL calls its ClientHello callback again and ATS walks its hooks
 * again; tests/vconn_hooks.rs): the user argument still points to the request then, and the
 * second call lets it go and reenables at once. tshost calls each callee once. */

#define LOOKUP_QUEUE_MAX 4096
#define MAX_HELLO_IDS 4

typedef struct {
  TSVConn vc;
  int n;
  TSSslSessionID ids[MAX_HELLO_IDS];
  int64_t deadline; /* monotonic us */
  int closed;       /* the connection closed (under lq_lock) */
  int refs;         /* the worker's and the connection's (under lq_lock) */
} hello_req;

static hello_req **lq;
static int lq_head, lq_len;
static pthread_mutex_t lq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lq_cond  = PTHREAD_COND_INITIALIZER;
static int hello_arg; /* the VCONN user argument: the request of a connection this hook held */

/* Lets go of a request (the caller holds lq_lock): 1 if it was the last reference (free it). */
static int
req_release(hello_req *r)
{
  return --r->refs == 0;
}

/* A big-endian 16-bit length at p. */
static size_t
be16(const unsigned char *p)
{
  return (size_t)p[0] << 8 | p[1];
}

/* Whether the client offers TLS 1.3 (supported_versions) and this connection may negotiate it. */
static int
hello_tls13(SSL *ssl)
{
  const unsigned char *p;
  size_t len;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p, &len) != 1 || len < 1 ||
      (size_t)p[0] + 1 > len) {
    return 0;
  }
  long max = SSL_get_max_proto_version(ssl);
  if (max != 0 && max < TLS1_3_VERSION) {
    return 0;
  }
  for (size_t i = 1; i + 1 <= (size_t)p[0]; i += 2) {
    if (p[i] == 3 && p[i + 1] == 4) {
      return 1;
    }
  }
  return 0;
}

/* The ids OpenSSL will look up in the session cache for this ClientHello (at most MAX_HELLO_IDS):
 *   TLS 1.3 with stateful tickets (SSL_OP_NO_TICKET on the connection, as tshost sets with
 *     proxy.config.ssl.session_cache.tls13 1): each PSK identity of the pre_shared_key extension
 *     of at most 32 bytes (a stateful ticket is the session id). The legacy session id of a
 *     TLS 1.3 ClientHello is random (middlebox compatibility) and never looked up.
 *   TLS 1.3 with stateless tickets: none (a ticket needs no lookup).
 *   TLS 1.2: the session id, unless the client sends a non-empty session ticket and the connection
 *     has tickets on (OpenSSL then decrypts the ticket and does not look the id up). */
static int
hello_ids(SSL *ssl, TSSslSessionID *ids)
{
  const unsigned char *p;
  size_t len;
  int n         = 0;
  uint64_t opts = SSL_get_options(ssl);
  if (hello_tls13(ssl)) {
    if (!(opts & SSL_OP_NO_TICKET) || SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_psk, &p, &len) != 1 || len < 2 ||
        be16(p) + 2 > len) {
      return 0;
    }
    size_t end = 2 + be16(p);
    for (size_t i = 2; i + 2 <= end && n < MAX_HELLO_IDS;) {
      size_t il = be16(p + i);
      if (i + 2 + il + 4 > end) {
        break; /* malformed: OpenSSL rejects it */
      }
      if (il > 0 && il <= TS_SSL_MAX_SSL_SESSION_ID_LENGTH) {
        ids[n].len = il;
        memcpy(ids[n].bytes, p + i + 2, il);
        n++;
      }
      i += 2 + il + 4; /* identity, obfuscated_ticket_age */
    }
    return n;
  }
  if (!(opts & SSL_OP_NO_TICKET) && SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_session_ticket, &p, &len) == 1 &&
      len > 0) {
    return 0;
  }
  len = SSL_client_hello_get0_session_id(ssl, &p);
  if (len == 0 || len > TS_SSL_MAX_SSL_SESSION_ID_LENGTH) {
    return 0;
  }
  ids[0].len = len;
  memcpy(ids[0].bytes, p, len);
  return 1;
}

/* Whether the breaker is open and its cooldown not over (no lookup would be made). */
static int
breaker_skips(void)
{
  int64_t until = __atomic_load_n(&breaker_until, __ATOMIC_ACQUIRE);
  return until != 0 && mono_us() < until;
}

/* A lookup worker: the queue's requests in order, each connection reenabled once. */
static void *
lookup_worker(void *arg)
{
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&lq_lock);
    while (lq_len == 0) {
      pthread_cond_wait(&lq_cond, &lq_lock);
    }
    hello_req *r = lq[lq_head];
    lq_head      = (lq_head + 1) % LOOKUP_QUEUE_MAX;
    lq_len--;
    int closed = r->closed;
    pthread_mutex_unlock(&lq_lock);
    char probe[1];
    for (int i = 0; !closed && i < r->n; i++) {
      int len = 0;
      if (TSSslSessionGetBuffer(&r->ids[i], probe, &len) == 0) { /* a push may have come meanwhile */
        get_fallback(&r->ids[i], r->deadline);
      }
    }
    pthread_mutex_lock(&lq_lock);
    if (!r->closed) {
      TSVConnReenable(r->vc); /* only schedules the handshake: nothing calls back in here */
    } else {
      TSDebug(PLUGIN_NAME, "a held connection closed before its lookup ended: not reenabled");
    }
    int last = req_release(r);
    pthread_mutex_unlock(&lq_lock);
    if (last) {
      TSfree(r);
    }
  }
  return NULL;
}

/* TS_SSL_CLIENT_HELLO_HOOK and TS_VCONN_CLOSE_HOOK. */
static int
on_client_hello(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSVConn vc     = edata;
  hello_req *own = TSUserArgGet(vc, hello_arg);
  if (own) { /* the connection closes, or (ATS) the second call of a callee it held */
    TSUserArgSet(vc, hello_arg, NULL);
    pthread_mutex_lock(&lq_lock);
    own->closed |= event == TS_EVENT_VCONN_CLOSE;
    int last = req_release(own);
    pthread_mutex_unlock(&lq_lock);
    if (last) {
      TSfree(own);
    }
  }
  if (own || event == TS_EVENT_VCONN_CLOSE) {
    TSVConnReenable(vc);
    return 0;
  }
  SSL *ssl      = (SSL *)TSVConnSslConnectionGet(vc);
  hello_req req = {.vc = vc, .refs = 2};
  if (ssl) {
    TSSslSessionID ids[MAX_HELLO_IDS];
    int n = hello_ids(ssl, ids);
    char probe[1];
    for (int i = 0; i < n; i++) {
      int len = 0;
      if (TSSslSessionGetBuffer(&ids[i], probe, &len) == 0) {
        req.ids[req.n++] = ids[i];
      }
    }
  }
  if (req.n == 0) {
    TSVConnReenable(vc);
    return 0;
  }
  if (breaker_skips()) {
    count(ST_GET_SKIPPED);
    TSVConnReenable(vc);
    return 0;
  }
  req.deadline = mono_us() + (int64_t)cfg.get_timeout_ms * 1000;
  hello_req *r = TSmalloc(sizeof *r);
  *r           = req;
  TSUserArgSet(vc, hello_arg, r); /* before a worker can reenable it */
  pthread_mutex_lock(&lq_lock);
  int queued = lq_len < LOOKUP_QUEUE_MAX;
  if (queued) {
    lq[(lq_head + lq_len) % LOOKUP_QUEUE_MAX] = r;
    lq_len++;
    pthread_cond_signal(&lq_cond);
  }
  pthread_mutex_unlock(&lq_lock);
  if (!queued) {
    TSUserArgSet(vc, hello_arg, NULL);
    TSfree(r);
    count(ST_GET_SKIPPED);
    TSVConnReenable(vc);
    return 0;
  }
  count(ST_HELD);
  return 0; /* held: a worker reenables */
}

/* ---- the hook ---- */

static int
on_session(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  const TSSslSessionID *id = edata;
  if (!id || id->len == 0 || id->len > TS_SSL_MAX_SSL_SESSION_ID_LENGTH) {
    return 0;
  }
  char probe[1];
  int len = 0;
  switch (event) {
  case TS_EVENT_SSL_SESSION_NEW: {
    int size = TSSslSessionGetBuffer(id, probe, &len); /* size query */
    if (size <= 0 || size > MAX_SESSION_SIZE) {
      break;
    }
    char *der = TSmalloc(size);
    len       = size;
    if (TSSslSessionGetBuffer(id, der, &len) != size || len != size) {
      TSfree(der);
      break;
    }
    enqueue(OP_NEW, id, der, size);
    break;
  }
  case TS_EVENT_SSL_SESSION_GET:
    /* In async mode the ClientHello hook looked the id up already (off the network thread). */
    if (cfg.lookup == LOOKUP_MODE_SYNC && TSSslSessionGetBuffer(id, probe, &len) == 0) {
      get_fallback(id, mono_us() + (int64_t)cfg.get_timeout_ms * 1000);
    }
    break;
  case TS_EVENT_SSL_SESSION_REMOVE:
    enqueue(OP_REMOVE, id, NULL, 0);
    break;
  default:
    break;
  }
  return 0;
}

/* ---- configuration ---- */

static int
read_key(const char *path, char *err, size_t err_size)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, err_size, "key_file %s: %s", path, strerror(errno));
    return 0;
  }
  unsigned char extra;
  size_t n = fread(cfg.key, 1, sizeof cfg.key, f);
  int more = fread(&extra, 1, 1, f) == 1;
  fclose(f);
  if (n != sizeof cfg.key || more) {
    snprintf(err, err_size, "key_file %s: must hold exactly 32 bytes", path);
    return 0;
  }
  return 1;
}

static void
resolve(const char *conf, const char *value, char *out, size_t size)
{
  const char *slash = strrchr(conf, '/');
  if (value[0] == '/' || !slash) {
    snprintf(out, size, "%s", value);
  } else {
    snprintf(out, size, "%.*s/%s", (int)(slash - conf), conf, value);
  }
}

static int
parse_int(const char *v, int min, int max, int *out)
{
  char *end;
  errno  = 0;
  long n = strtol(v, &end, 10);
  if (errno || *end || end == v || n < min || n > max) {
    return 0;
  }
  *out = (int)n;
  return 1;
}

/* Each endpoint's address, resolved once here: a name lookup must not happen on a network thread.
 * (The worker threads connect by name, so they follow DNS changes.) */
static void
resolve_endpoints(void)
{
  for (int i = 0; i < cfg.n_ep; i++) {
    endpoint *e              = &cfg.ep[i];
    struct addrinfo hints    = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai      = NULL;
    const void *a            = NULL;
    if (getaddrinfo(e->host, NULL, &hints, &ai) == 0 && ai) {
      a = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                   : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
    }
    if (!a || !inet_ntop(ai->ai_family, a, e->addr, sizeof e->addr)) {
      TSWarning("[%s] redis %s: cannot resolve it now; the GET fallback will resolve it on a network thread", PLUGIN_NAME,
                e->host);
      memcpy(e->addr, e->host, sizeof e->addr); /* both 256 bytes, NUL-terminated */
    }
    if (ai) {
      freeaddrinfo(ai);
    }
  }
}

/* 1 if the file is valid; otherwise 0 with `<file>:<line>: reason` logged. */
static int
load_config(const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    TSError("[%s] %s: %s", PLUGIN_NAME, path, strerror(errno));
    return 0;
  }
  snprintf(cfg.cluster, sizeof cfg.cluster, "default");
  cfg.session_ttl    = 300;
  cfg.queue_max      = 10000;
  cfg.get_timeout_ms = 5;
  cfg.breaker_failures    = 3;
  cfg.breaker_cooldown_ms = 5000;
  cfg.stek_interval  = 0;
  cfg.stek_overlap   = 2;
  cfg.stek_master    = STEK_AUTO;
  cfg.replay_window  = 30;
  cfg.lookup         = LOOKUP_MODE_ASYNC;
  cfg.lookup_workers = 2;
  cfg.publish        = 1;
  char line[1024], err[PATH_MAX + 128] = "", file[PATH_MAX];
  int lineno = 0, have_key = 0;
  while (!err[0] && fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) {
      *hash = 0;
    }
    char key[64], value[PATH_MAX], rest[2];
    int n = sscanf(line, "%63s %4095s %1s", key, value, rest);
    if (n <= 0) {
      continue;
    }
    if (n != 2) {
      snprintf(err, sizeof err, "expected `key value`");
    } else if (strcmp(key, "redis") == 0) {
      char *colon = strrchr(value, ':');
      int port;
      if (!colon || colon == value || (size_t)(colon - value) >= sizeof cfg.ep[0].host || !parse_int(colon + 1, 1, 65535, &port)) {
        snprintf(err, sizeof err, "redis: expected host:port, not %s", value);
      } else if (cfg.n_ep == MAX_ENDPOINTS) {
        snprintf(err, sizeof err, "redis: at most %d endpoints", MAX_ENDPOINTS);
      } else {
        snprintf(cfg.ep[cfg.n_ep].host, sizeof cfg.ep[0].host, "%.*s", (int)(colon - value), value);
        cfg.ep[cfg.n_ep++].port = port;
      }
    } else if (strcmp(key, "cluster") == 0) {
      if (strlen(value) >= sizeof cfg.cluster) {
        snprintf(err, sizeof err, "cluster: name too long");
      } else {
        memcpy(cfg.cluster, value, strlen(value) + 1);
      }
    } else if (strcmp(key, "key_file") == 0) {
      resolve(path, value, file, sizeof file);
      have_key = read_key(file, err, sizeof err);
    } else if (strcmp(key, "auth_file") == 0) {
      resolve(path, value, file, sizeof file);
      FILE *a = fopen(file, "r");
      char pw[512];
      if (!a || !fgets(pw, sizeof pw, a)) {
        snprintf(err, sizeof err, "auth_file %s: cannot read", file);
      } else {
        pw[strcspn(pw, "\r\n")] = 0;
        TSfree(cfg.password);
        cfg.password = TSstrdup(pw);
      }
      if (a) {
        fclose(a);
      }
    } else if (strcmp(key, "session_ttl") == 0) {
      if (!parse_int(value, 1, 86400 * 7, &cfg.session_ttl)) {
        snprintf(err, sizeof err, "session_ttl: expected seconds (1..604800), not %s", value);
      }
    } else if (strcmp(key, "queue_max") == 0) {
      if (!parse_int(value, 1, 10000000, &cfg.queue_max)) {
        snprintf(err, sizeof err, "queue_max: expected 1..10000000, not %s", value);
      }
    } else if (strcmp(key, "get_timeout_ms") == 0) {
      if (!parse_int(value, 1, 10000, &cfg.get_timeout_ms)) {
        snprintf(err, sizeof err, "get_timeout_ms: expected 1..10000, not %s", value);
      }
    } else if (strcmp(key, "breaker_failures") == 0) {
      if (!parse_int(value, 1, 1000, &cfg.breaker_failures)) {
        snprintf(err, sizeof err, "breaker_failures: expected 1..1000, not %s", value);
      }
    } else if (strcmp(key, "breaker_cooldown_ms") == 0) {
      if (!parse_int(value, 10, 3600000, &cfg.breaker_cooldown_ms)) {
        snprintf(err, sizeof err, "breaker_cooldown_ms: expected 10..3600000, not %s", value);
      }
    } else if (strcmp(key, "stek_interval") == 0) {
      if (!parse_int(value, 0, 86400 * 7, &cfg.stek_interval)) {
        snprintf(err, sizeof err, "stek_interval: expected seconds (0..604800), not %s", value);
      }
    } else if (strcmp(key, "stek_overlap") == 0) {
      if (!parse_int(value, 0, MAX_OVERLAP, &cfg.stek_overlap)) {
        snprintf(err, sizeof err, "stek_overlap: expected 0..%d, not %s", MAX_OVERLAP, value);
      }
    } else if (strcmp(key, "replay_window") == 0) {
      if (!parse_int(value, 1, 86400, &cfg.replay_window)) {
        snprintf(err, sizeof err, "replay_window: expected seconds (1..86400), not %s", value);
      }
    } else if (strcmp(key, "lookup") == 0) {
      if (strcmp(value, "async") == 0) {
        cfg.lookup = LOOKUP_MODE_ASYNC;
      } else if (strcmp(value, "sync") == 0) {
        cfg.lookup = LOOKUP_MODE_SYNC;
      } else {
        snprintf(err, sizeof err, "lookup: expected async or sync, not %s", value);
      }
    } else if (strcmp(key, "lookup_workers") == 0) {
      if (!parse_int(value, 1, 64, &cfg.lookup_workers)) {
        snprintf(err, sizeof err, "lookup_workers: expected 1..64, not %s", value);
      }
    } else if (strcmp(key, "publish") == 0) {
      if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
        cfg.publish = value[0] == 'y';
      } else {
        snprintf(err, sizeof err, "publish: expected yes or no, not %s", value);
      }
    } else if (strcmp(key, "stek_master") == 0) {
      if (strcmp(value, "yes") == 0) {
        cfg.stek_master = STEK_YES;
      } else if (strcmp(value, "no") == 0) {
        cfg.stek_master = STEK_NO;
      } else if (strcmp(value, "auto") == 0) {
        cfg.stek_master = STEK_AUTO;
      } else {
        snprintf(err, sizeof err, "stek_master: expected yes, no or auto, not %s", value);
      }
    } else {
      snprintf(err, sizeof err, "unknown key %s", key);
    }
  }
  fclose(f);
  if (err[0]) {
    TSError("[%s] %s:%d: %s; plugin disabled", PLUGIN_NAME, path, lineno, err);
    return 0;
  }
  if (cfg.n_ep == 0 || !have_key) {
    TSError("[%s] %s: `redis` and `key_file` are required; plugin disabled", PLUGIN_NAME, path);
    return 0;
  }
  return 1;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {PLUGIN_NAME, "tshost", "dev@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", PLUGIN_NAME);
    return;
  }
  if (argc < 2) {
    TSError("[%s] usage: %s.so <config file>; plugin disabled", PLUGIN_NAME, PLUGIN_NAME);
    return;
  }
  if (!load_config(argv[1])) {
    return;
  }
  if (RAND_bytes(box_id, sizeof box_id) != 1) {
    TSError("[%s] no random box id; plugin disabled", PLUGIN_NAME);
    return;
  }
  snprintf(channel, sizeof channel, "tshost:%s:sessions", cfg.cluster);
  snprintf(stek_channel, sizeof stek_channel, "tshost:%s:stek", cfg.cluster);
  snprintf(stek_ring_key, sizeof stek_ring_key, "tshost:%s:stek:ring", cfg.cluster);
  snprintf(stek_master_key, sizeof stek_master_key, "tshost:%s:stek:master", cfg.cluster);
  for (int i = 0; i < BOX_ID_LEN; i++) {
    snprintf(box_hex + 2 * i, 3, "%02x", box_id[i]);
  }
  for (int i = 0; i < ST_N; i++) {
    char name[128];
    snprintf(name, sizeof name, "%s.%s", PLUGIN_NAME, stat_names[i]);
    if (TSStatFindName(name, &stats[i]) != TS_SUCCESS) {
      stats[i] = TSStatCreate(name, TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
    }
  }
  resolve_endpoints();
  queue = TSmalloc((size_t)cfg.queue_max * sizeof(item));
  seen_init();
  int async = cfg.lookup == LOOKUP_MODE_ASYNC;
  if (async && TSUserArgIndexReserve(TS_USER_ARGS_VCONN, PLUGIN_NAME, "held at CLIENT_HELLO", &hello_arg) != TS_SUCCESS) {
    TSError("[%s] no VCONN user argument slot; plugin disabled", PLUGIN_NAME);
    return;
  }
  if (async) {
    lq = TSmalloc(LOOKUP_QUEUE_MAX * sizeof(hello_req *));
  }
  int threads_ok = TSThreadCreate(publisher, NULL) && TSThreadCreate(subscriber, NULL) &&
                   !(cfg.stek_interval > 0 && cfg.stek_master != STEK_NO && !TSThreadCreate(stek_thread, NULL));
  for (int i = 0; async && threads_ok && i < cfg.lookup_workers; i++) {
    threads_ok = TSThreadCreate(lookup_worker, NULL) != NULL;
  }
  if (!threads_ok) {
    TSError("[%s] cannot start threads; plugin disabled", PLUGIN_NAME);
    return;
  }
  /* No mutex: events arrive on several threads at once; the plugin's state has its own locks. */
  TSHttpHookAdd(TS_SSL_SESSION_HOOK, TSContCreate(on_session, NULL));
  if (async) {
    TSCont hello = TSContCreate(on_client_hello, NULL);
    TSHttpHookAdd(TS_SSL_CLIENT_HELLO_HOOK, hello);
    TSHttpHookAdd(TS_VCONN_CLOSE_HOOK, hello);
  }
  TSDebug(PLUGIN_NAME, "cluster %s, %d endpoint(s), queue %d, ttl %d s, replay window %d s, lookup %s (%d ms), ticket keys every %d s (overlap %d, master %s)",
          cfg.cluster, cfg.n_ep, cfg.queue_max, cfg.session_ttl, cfg.replay_window, async ? "async" : "sync", cfg.get_timeout_ms,
          cfg.stek_interval, cfg.stek_overlap,
          cfg.stek_master == STEK_YES ? "yes" : cfg.stek_master == STEK_NO ? "no" : "auto");
}

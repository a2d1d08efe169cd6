/* ssn_test.c: drives ssn_plugin.so through synthetic sessions with chosen addresses, fds and
 * protocol stacks (tshost.h), for tests/ssn_accessors.rs.
 *
 * Usage: ssn_test PLUGIN.so
 * Prints "== scenario" before each session; the plugin prints what it sees at each hook. Ends with
 * "PASS". The output holds no handle values, so both builds of the plugin print the same text. */
#include <tshost.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
fail(const char *what)
{
  printf("FAIL: %s: %s\n", what, tshost_last_error());
  fflush(stdout);
  exit(1);
}

static struct sockaddr_in
v4(const char *ip, int port)
{
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port   = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static struct sockaddr_in6
v6(const char *ip, int port)
{
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_port   = htons(port);
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

/* One session with one transaction per entry of `versions` (0 ends the list). */
static void
session(const char *name, const tshost_ssn_options *o, const int *versions, int abort_after_read)
{
  printf("== %s\n", name);
  fflush(stdout);
  TSHttpSsn ssn;
  if (tshost_ssn_open(o, &ssn) != 0)
    fail(name);
  for (int i = 0; versions[i] >= 0; i++) {
    tshost_txn_options t;
    memset(&t, 0, sizeof t);
    t.request_version = versions[i];
    if (abort_after_read && i == 0) {
      t.abort            = 1;
      t.abort_after_hook = TS_HTTP_READ_REQUEST_HDR_HOOK;
    }
    tshost_txn_result r;
    if (tshost_txn_run(ssn, &t, &r) != 0)
      fail(name);
    printf("-- txn status=%d aborted=%d\n", r.status, r.aborted);
  }
  if (tshost_ssn_close(ssn) != 0)
    fail(name);
  fflush(stdout);
}

int
main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: ssn_test PLUGIN.so\n");
    return 2;
  }
  const char *load_argv[] = {argv[1]};
  if (tshost_plugin_load(1, load_argv) != 0)
    fail("load");

  /* A real socket, at a fixed fd number so that the output does not depend on the process. */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || dup2(s, 100) != 100)
    fail("socket");

  const int one_1_1[] = {0, -1};
  const int one_1_0[] = {TS_HTTP_VERSION(1, 0), -1};
  const int odd[]     = {TS_HTTP_VERSION(0, 9), TS_HTTP_VERSION(3, 0), -1};
  const int two[]     = {0, 0, -1};

  struct sockaddr_in c4 = v4("192.0.2.10", 51000), l4 = v4("198.51.100.1", 8080);
  tshost_ssn_options o;

  memset(&o, 0, sizeof o);
  o.client_addr = (const struct sockaddr *)&c4;
  o.local_addr  = (const struct sockaddr *)&l4;
  o.fd          = 100;
  session("http1 tcp ipv4", &o, one_1_1, 0);

  const char *tls_stack[] = {"tls/1.3", "tcp", "ipv4"};
  o.protocol_stack        = tls_stack;
  o.protocol_stack_len    = 3;
  session("http1 tls/1.3 tcp ipv4, request HTTP/1.0", &o, one_1_0, 0);

  struct sockaddr_in6 c6 = v6("2001:db8::5", 40001), l6 = v6("2001:db8::1", 443);
  const char *v6_stack[] = {"tls/1.2", "tcp", "ipv6"};
  memset(&o, 0, sizeof o);
  o.client_addr        = (const struct sockaddr *)&c6;
  o.local_addr         = (const struct sockaddr *)&l6;
  o.protocol_stack     = v6_stack;
  o.protocol_stack_len = 3;
  o.fd                 = 100;
  session("http1 tls/1.2 tcp ipv6", &o, one_1_1, 0);

  const char *h2_stack[] = {"h2", "tls/1.3", "tcp", "ipv4"};
  memset(&o, 0, sizeof o);
  o.protocol_stack     = h2_stack;
  o.protocol_stack_len = 4;
  o.fd                 = 100;
  session("h2 tls/1.3 tcp ipv4", &o, two, 0);

  memset(&o, 0, sizeof o);
  o.internal = 1;
  session("internal", &o, one_1_1, 0);

  session("defaults (no socket)", NULL, odd, 0);

  memset(&o, 0, sizeof o);
  o.fd = 100;
  session("client aborts the first transaction", &o, two, 1);

  const char *bad_stack[] = {"tls/9.9"};
  memset(&o, 0, sizeof o);
  o.protocol_stack     = bad_stack;
  o.protocol_stack_len = 1;
  TSHttpSsn ssn;
  printf("unknown tag in stack: %d\n", tshost_ssn_open(&o, &ssn));

  close(100);
  close(s);
  printf("PASS\n");
  return 0;
}

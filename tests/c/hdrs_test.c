/* hdrs_test.c: the header tests, driving hdrs_plugin.so through the harness of tshost.h with real
 * request and response text, and checking the wire bytes tshost would send; and the utility API
 * tests, driving util_plugin.so ("util" scenario).
 *
 * Usage: hdrs_test SCENARIO PLUGIN.so
 * Prints "ok ..." per check (the plugin prints "plugin ok: ..."), "PASS" at the end; exits 1 at
 * the first failed check. Output contains no handle values. */
#include <tshost.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
  exit(1);
}

#define CHECK(cond, ...)  \
  do {                    \
    if (!(cond))          \
      fail(__VA_ARGS__);  \
    printf("ok ");        \
    printf(__VA_ARGS__);  \
    printf("\n");         \
  } while (0)

/* Compare wire bytes, showing both on a mismatch. */
static void
check_bytes(const char *got, const char *want, const char *what)
{
  if (got == NULL && want == NULL) {
    printf("ok %s: none\n", what);
    return;
  }
  if (got == NULL || want == NULL || strcmp(got, want) != 0)
    fail("%s:\n--- got\n%s\n--- want\n%s\n---", what, got ? got : "(NULL)", want ? want : "(NULL)");
  printf("ok %s\n", what);
}

static void
load(const char *plugin, const char *mode)
{
  const char *argv[] = {plugin, mode};
  if (tshost_plugin_load(2, argv) != 0)
    fail("loading %s %s: %s", plugin, mode, tshost_last_error());
}

static void
no_plugin_failures(void)
{
  int id;
  CHECK(TSStatFindName("hdrs.failures", &id) == TS_SUCCESS, "the plugin's failure counter exists");
  CHECK(TSStatIntGet(id) == 0, "the plugin saw no failure");
}

static TSHttpSsn
open_ssn(void)
{
  TSHttpSsn ssn;
  if (tshost_ssn_open(NULL, &ssn) != 0)
    fail("tshost_ssn_open: %s", tshost_last_error());
  return ssn;
}

static const char *REQUEST = "GET //a/b;p=1?x=1 HTTP/1.1\r\n"
                             "host: example.com\r\n"
                             "User-Agent: test/1.0\r\n"
                             "X-List: a, \"b,c\" , d\r\n"
                             "X-Dup: one\r\n"
                             "Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n"
                             "X-Dup: two\r\n"
                             "X-Remove-Me: bye\r\n"
                             "Accept: text/html, text/plain\r\n"
                             "X-Count: 7\r\n"
                             "\r\n";

static const char *RESPONSE = "HTTP/1.1 200 OK\r\n"
                              "Content-Length: 0\r\n"
                              "Server: origin\r\n"
                              "Set-Cookie: a=1, b=2\r\n"
                              "\r\n";

static void
scenario_edit(const char *plugin)
{
  load(plugin, "edit");
  TSHttpSsn ssn        = open_ssn();
  tshost_txn_options o = {.request = REQUEST, .response = RESPONSE};
  tshost_txn_result r;
  CHECK(tshost_txn_run(ssn, &o, &r) == 0, "transaction ran");
  check_bytes(r.server_request,
              "GET /new/path;p=1?q=2 HTTP/1.1\r\n"
              "host: example.com\r\n"
              "User-Agent: plugin/2.0\r\n"
              "X-List: a, \"b,c\", d, e\r\n"
              "Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n"
              "X-Dup: two\r\n"
              "Accept: text/html+x, text/plain\r\n"
              "X-Count: 8\r\n"
              "X-Added: yes\r\n"
              "X-Server-Req: 1\r\n"
              "\r\n",
              "the origin gets the request as the plugin edited it");
  check_bytes(r.client_response,
              "HTTP/1.1 201 Made Here\r\n"
              "Content-Length: 0\r\n"
              "Server: tshost-test\r\n"
              "Set-Cookie: a=1, b=2\r\n"
              "X-Resp: 1\r\n"
              "X-Client: 1\r\n"
              "\r\n",
              "the client gets the response as the plugin edited it");
  CHECK(r.status == 201 && !r.error_response, "status 201, not an error response");
  free(r.server_request);
  TSfree(r.client_response);
  tshost_ssn_close(ssn);
  no_plugin_failures();
}

static void
scenario_error(const char *plugin)
{
  load(plugin, "error");
  TSHttpSsn ssn        = open_ssn();
  tshost_txn_options o = {0};
  tshost_txn_result r;
  CHECK(tshost_txn_run(ssn, &o, &r) == 0, "transaction ran");
  check_bytes(r.server_request, NULL, "nothing went to the origin");
  check_bytes(r.client_response,
              "HTTP/1.1 403 Forbidden\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Length: 6\r\n"
              "X-Error-Seen: 1\r\n"
              "\r\n"
              "denied",
              "403 with the plugin's body and its SEND_RESPONSE_HDR edit");
  CHECK(r.status == 403 && r.error_response, "status 403, an error response");
  free(r.client_response);
  tshost_ssn_close(ssn);
  no_plugin_failures();
}

static void
scenario_defaults(const char *plugin)
{
  load(plugin, "none");
  TSHttpSsn ssn = open_ssn();
  tshost_txn_result r;
  CHECK(tshost_txn_run(ssn, NULL, &r) == 0, "transaction with no options");
  check_bytes(r.server_request, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "default request");
  check_bytes(r.client_response, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "default response");
  free(r.server_request);
  free(r.client_response);

  tshost_txn_options o = {.request = "GET http://origin.example:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", .origin_status = 404};
  CHECK(tshost_txn_run(ssn, &o, &r) == 0, "absolute-form request");
  check_bytes(r.server_request, "GET /p?q HTTP/1.1\r\nHost: origin.example:8080\r\n\r\n",
              "origin-form to the origin; Host set from the URL (as ATS)");
  check_bytes(r.client_response, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "origin_status replaces the status");
  CHECK(r.status == 404, "status 404");
  free(r.server_request);
  free(r.client_response);

  tshost_txn_options f = {.origin_fails = 1};
  CHECK(tshost_txn_run(ssn, &f, &r) == 0, "origin fails");
  check_bytes(r.server_request, NULL, "no request sent");
  check_bytes(r.client_response, "HTTP/1.1 502 Connection Failed\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n",
              "502 made by tshost");
  free(r.client_response);

  tshost_txn_options a = {.abort = 1, .abort_after_hook = TS_HTTP_READ_REQUEST_HDR_HOOK};
  CHECK(tshost_txn_run(ssn, &a, &r) == 0 && r.aborted, "client gone after READ_REQUEST_HDR");
  check_bytes(r.server_request, NULL, "no request sent");
  check_bytes(r.client_response, NULL, "no response sent");

  tshost_txn_options v = {.request = "GET / HTTP/1.0\r\n\r\n"};
  CHECK(tshost_txn_run(ssn, &v, &r) == 0, "HTTP/1.0 request");
  check_bytes(r.server_request, "GET / HTTP/1.0\r\n\r\n", "sent as HTTP/1.0");
  free(r.server_request);
  free(r.client_response);

  tshost_txn_options bad = {.request = "this is not HTTP\r\n\r\n"};
  CHECK(tshost_txn_run(ssn, &bad, &r) == -1, "a request that does not parse is refused: %s", tshost_last_error());
  tshost_txn_options bad2 = {.response = "HTTP/1.1 200 OK\r\n"};
  CHECK(tshost_txn_run(ssn, &bad2, &r) == -1, "an incomplete response head is refused");

  tshost_job *job = tshost_txn_spawn(ssn, NULL);
  CHECK(job != NULL, "spawned");
  CHECK(tshost_job_wait(job, -1, &r) == 0 && r.server_request && r.client_response, "the first wait gets the wire bytes");
  free(r.server_request);
  free(r.client_response);
  CHECK(tshost_job_wait(job, -1, &r) == 0 && !r.server_request && !r.client_response && r.status == 200,
        "a second wait gets the result without them");
  tshost_job_free(job);
  tshost_ssn_close(ssn);
}

/* util_plugin.so: the utility API (base64, percent coding, TSfopen & co, UUIDs) at TSPluginInit,
 * TSClientRequestUuidGet and TSUrlPercentEncode in two transactions. */
static void
scenario_util(const char *plugin)
{
  load(plugin, "util");
  TSHttpSsn ssn        = open_ssn();
  tshost_txn_options o = {.request = "GET /~user/x%41^ HTTP/1.1\r\nHost: example.com\r\n\r\n"};
  tshost_txn_result r;
  uint64_t first;
  CHECK(tshost_txn_run(ssn, &o, &r) == 0, "transaction ran");
  first = r.txn_id;
  free(r.server_request);
  free(r.client_response);
  CHECK(tshost_txn_run(ssn, &o, &r) == 0 && r.txn_id != first, "a second transaction, another id");
  free(r.server_request);
  free(r.client_response);
  tshost_ssn_close(ssn);
  int id;
  CHECK(TSStatFindName("util.failures", &id) == TS_SUCCESS, "the plugin's failure counter exists");
  CHECK(TSStatIntGet(id) == 0, "the plugin saw no failure");
}

int
main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s SCENARIO PLUGIN.so\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *s = argv[1];
  if (!strcmp(s, "edit"))
    scenario_edit(argv[2]);
  else if (!strcmp(s, "error"))
    scenario_error(argv[2]);
  else if (!strcmp(s, "defaults"))
    scenario_defaults(argv[2]);
  else if (!strcmp(s, "util"))
    scenario_util(argv[2]);
  else {
    fprintf(stderr, "unknown scenario %s\n", s);
    return 2;
  }
  printf("PASS\n");
  return 0;
}

/*
 * hook_trace.c - example global plugin: log every HTTP session/transaction hook event.
 *
 * What it does
 * ------------
 * TSPluginInit registers the plugin ("hook_trace", vendor "tshost") and adds ONE continuation
 * (serialised by a TSMutexCreate mutex) with TSHttpHookAdd for every session and transaction hook
 * that ATS delivers globally:
 *
 *   SSN_START, TXN_START, READ_REQUEST_HDR, PRE_REMAP, POST_REMAP, OS_DNS, CACHE_LOOKUP_COMPLETE,
 *   READ_CACHE_HDR, SEND_REQUEST_HDR, READ_RESPONSE_HDR, SEND_RESPONSE_HDR, TXN_CLOSE, SSN_CLOSE
 *
 * Every event it receives is appended as one line to the trace file (fflush after each line; the
 * FILE* is guarded by a pthread mutex because callbacks can run on several ET_NET threads) and is
 * also sent to TSDebug with the tag "hook_trace". Then the event is reenabled with
 * TS_EVENT_HTTP_CONTINUE (TSHttpSsnReenable for SSN_START/SSN_CLOSE, TSHttpTxnReenable otherwise),
 * so the plugin never changes what the proxy does.
 *
 * Line format (fields are separated by one space, always in this order):
 *
 *   <SHORT> event=<TSHttpEventNameLookup(event)> id=<event number> ssn=<TSHttpSsnIdGet> txn=<TSHttpTxnIdGet>[ aborted=<0|1>][ mark=<text>]
 *
 *   <SHORT>  the TS_EVENT_HTTP_* enumerator without its prefix (SSN_START, TXN_START, ...);
 *   ssn=     for transaction events the session comes from TSHttpTxnSsnGet; "-" if there is none;
 *   txn=     "-" for the session events SSN_START and SSN_CLOSE;
 *   aborted= TXN_CLOSE only: 1 when TSHttpTxnAborted says the transaction was aborted, else 0;
 *   mark=    only present when --mark=<text> was given.
 *
 * With --vconn it also traces the connection hooks TS_VCONN_START_HOOK and TS_VCONN_CLOSE_HOOK
 * (TLS connections; reenabled with TSVConnReenable), their lines ending in " vc=<TSVConn>", and
 * SSN_START's line gets " vc=<TSHttpSsnClientVConnGet>" too, so that a reader can check that a
 * session lives inside its connection's VCONN_START/VCONN_CLOSE:
 *   VCONN_START event=TS_EVENT_VCONN_START id=107 ssn=- txn=- vc=0x7f0a2c0
 *
 * Example:
 *   SSN_START event=TS_EVENT_HTTP_SSN_START id=60013 ssn=3 txn=-
 *   TXN_START event=TS_EVENT_HTTP_TXN_START id=60011 ssn=3 txn=7
 *
 * How to load it (plugin.config, one line)
 * ----------------------------------------
 *   hook_trace.so /var/tmp/hook_trace.log
 *   hook_trace.so /var/tmp/hook_trace.log --mark=edge-1
 *
 * Arguments: the first argument (argv[1]) is the trace file, opened in append mode. The optional
 * --mark=<text> option (parsed with getopt_long; ATS resets optind/opterr/optarg before calling
 * TSPluginInit) adds " mark=<text>" to every line. If the file argument is missing, an option is
 * unknown, or the file cannot be opened, the plugin logs a TSError naming the problem and returns
 * without registering itself or any hook. (ATS 9.2 then stops start-up with
 * "Fatal: plugin not registered by calling TSPluginRegister", exit status 70.)
 *
 * Debug output: set proxy.config.diags.debug.enabled=1 and proxy.config.diags.debug.tags=hook_trace.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -o hook_trace.so hook_trace.c -lpthread
 * Only the public ts.h API is used.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ts/ts.h>

#define PLUGIN_NAME "hook_trace"

static FILE *trace_file               = NULL;
static char *trace_mark               = NULL; /* NULL: no --mark given */
static int trace_vconn                = 0;    /* --vconn */
static pthread_mutex_t trace_file_mtx = PTHREAD_MUTEX_INITIALIZER;

/* The hooks ATS honours when added globally for sessions and transactions. */
static const TSHttpHookID traced_hooks[] = {
  TS_HTTP_SSN_START_HOOK,
  TS_HTTP_TXN_START_HOOK,
  TS_HTTP_READ_REQUEST_HDR_HOOK,
  TS_HTTP_PRE_REMAP_HOOK,
  TS_HTTP_POST_REMAP_HOOK,
  TS_HTTP_OS_DNS_HOOK,
  TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK,
  TS_HTTP_READ_CACHE_HDR_HOOK,
  TS_HTTP_SEND_REQUEST_HDR_HOOK,
  TS_HTTP_READ_RESPONSE_HDR_HOOK,
  TS_HTTP_SEND_RESPONSE_HDR_HOOK,
  TS_HTTP_TXN_CLOSE_HOOK,
  TS_HTTP_SSN_CLOSE_HOOK,
};

/* TS_EVENT_HTTP_<X> -> "<X>"; NULL for events this plugin does not expect. */
static const char *
short_event_name(TSEvent event)
{
  switch (event) {
  case TS_EVENT_HTTP_SSN_START:
    return "SSN_START";
  case TS_EVENT_HTTP_TXN_START:
    return "TXN_START";
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
  case TS_EVENT_HTTP_READ_CACHE_HDR:
    return "READ_CACHE_HDR";
  case TS_EVENT_HTTP_SEND_REQUEST_HDR:
    return "SEND_REQUEST_HDR";
  case TS_EVENT_HTTP_READ_RESPONSE_HDR:
    return "READ_RESPONSE_HDR";
  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    return "SEND_RESPONSE_HDR";
  case TS_EVENT_HTTP_TXN_CLOSE:
    return "TXN_CLOSE";
  case TS_EVENT_HTTP_SSN_CLOSE:
    return "SSN_CLOSE";
  case TS_EVENT_VCONN_START:
    return "VCONN_START";
  case TS_EVENT_VCONN_CLOSE:
    return "VCONN_CLOSE";
  default:
    return NULL;
  }
}

static void
write_line(const char *short_name, TSEvent event, const char *ssn_str, const char *txn_str, const char *extra)
{
  const char *long_name = TSHttpEventNameLookup(event);

  pthread_mutex_lock(&trace_file_mtx);
  fprintf(trace_file, "%s event=%s id=%d ssn=%s txn=%s%s%s%s\n", short_name, long_name, (int)event, ssn_str, txn_str,
          extra, trace_mark ? " mark=" : "", trace_mark ? trace_mark : "");
  fflush(trace_file);
  pthread_mutex_unlock(&trace_file_mtx);

  TSDebug(PLUGIN_NAME, "%s event=%s id=%d ssn=%s txn=%s%s%s%s", short_name, long_name, (int)event, ssn_str, txn_str,
          extra, trace_mark ? " mark=" : "", trace_mark ? trace_mark : "");
}

static int
trace_event(TSCont contp, TSEvent event, void *edata)
{
  char ssn_str[32] = "-";
  char txn_str[32] = "-";
  const char *short_name;
  const char *extra = "";

  (void)contp;

  short_name = short_event_name(event);
  if (short_name == NULL) {
    /* Not one of the hooks registered above: log it, but there is nothing sensible to reenable. */
    write_line("UNKNOWN", event, ssn_str, txn_str, "");
    TSError("[%s] unexpected event %d (%s)", PLUGIN_NAME, (int)event, TSHttpEventNameLookup(event));
    return 0;
  }

  if (event == TS_EVENT_VCONN_START || event == TS_EVENT_VCONN_CLOSE) {
    char vc_str[40];
    snprintf(vc_str, sizeof(vc_str), " vc=%p", edata);
    write_line(short_name, event, ssn_str, txn_str, vc_str);
    TSVConnReenable((TSVConn)edata);
  } else if (event == TS_EVENT_HTTP_SSN_START || event == TS_EVENT_HTTP_SSN_CLOSE) {
    TSHttpSsn ssnp = (TSHttpSsn)edata;
    char vc_str[40] = "";

    if (trace_vconn && event == TS_EVENT_HTTP_SSN_START) {
      snprintf(vc_str, sizeof(vc_str), " vc=%p", (void *)TSHttpSsnClientVConnGet(ssnp));
    }
    snprintf(ssn_str, sizeof(ssn_str), "%" PRId64, TSHttpSsnIdGet(ssnp));
    write_line(short_name, event, ssn_str, txn_str, vc_str);
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
  } else {
    TSHttpTxn txnp = (TSHttpTxn)edata;
    TSHttpSsn ssnp = TSHttpTxnSsnGet(txnp);

    if (ssnp != NULL) {
      snprintf(ssn_str, sizeof(ssn_str), "%" PRId64, TSHttpSsnIdGet(ssnp));
    }
    snprintf(txn_str, sizeof(txn_str), "%" PRIu64, TSHttpTxnIdGet(txnp));
    if (event == TS_EVENT_HTTP_TXN_CLOSE) {
      extra = TSHttpTxnAborted(txnp) == TS_SUCCESS ? " aborted=1" : " aborted=0";
    }
    write_line(short_name, event, ssn_str, txn_str, extra);
    TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
  }

  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  static const struct option longopts[] = {
    {"mark", required_argument, NULL, 'm'},
    {"vconn", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
  };
  TSPluginRegistrationInfo info;
  const char *path = NULL;
  const char *mark = NULL;
  char **args;
  TSCont contp;
  size_t i;
  int opt;

  /* getopt_long may permute argv; work on a private copy of the pointer array. */
  args = malloc(sizeof(char *) * ((size_t)argc + 1));
  if (args == NULL) {
    TSError("[%s] out of memory while parsing arguments; plugin not registered", PLUGIN_NAME);
    return;
  }
  for (i = 0; i < (size_t)argc; ++i) {
    args[i] = (char *)argv[i];
  }
  args[argc] = NULL;

  while ((opt = getopt_long(argc, args, "", longopts, NULL)) != -1) {
    switch (opt) {
    case 'm':
      mark = optarg;
      break;
    case 'v':
      trace_vconn = 1;
      break;
    default:
      TSError("[%s] unknown or incomplete option in plugin arguments (usage: %s <trace-file> [--mark=<text>] [--vconn]);"
              " plugin not registered",
              PLUGIN_NAME, PLUGIN_NAME);
      free(args);
      return;
    }
  }

  if (optind >= argc) {
    TSError("[%s] missing argument: the trace file path (usage: %s <trace-file> [--mark=<text>] [--vconn]); plugin not registered",
            PLUGIN_NAME, PLUGIN_NAME);
    free(args);
    return;
  }
  path = args[optind];
  if (optind + 1 < argc) {
    TSError("[%s] unexpected extra argument '%s' (usage: %s <trace-file> [--mark=<text>] [--vconn]); plugin not registered",
            PLUGIN_NAME, args[optind + 1], PLUGIN_NAME);
    free(args);
    return;
  }

  trace_file = fopen(path, "a");
  if (trace_file == NULL) {
    TSError("[%s] cannot open trace file '%s': %s; plugin not registered", PLUGIN_NAME, path, strerror(errno));
    free(args);
    return;
  }
  if (mark != NULL) {
    trace_mark = TSstrdup(mark);
  }
  free(args);

  info.plugin_name   = PLUGIN_NAME;
  info.vendor_name   = "tshost";
  info.support_email = "dev@tshost.invalid";
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] plugin registration failed", PLUGIN_NAME);
    fclose(trace_file);
    trace_file = NULL;
    TSfree(trace_mark);
    trace_mark = NULL;
    return;
  }

  contp = TSContCreate(trace_event, TSMutexCreate());
  for (i = 0; i < sizeof(traced_hooks) / sizeof(traced_hooks[0]); ++i) {
    TSHttpHookAdd(traced_hooks[i], contp);
  }
  if (trace_vconn) {
    TSHttpHookAdd(TS_VCONN_START_HOOK, contp);
    TSHttpHookAdd(TS_VCONN_CLOSE_HOOK, contp);
  }

  TSDebug(PLUGIN_NAME, "tracing %zu hooks to %s%s%s", sizeof(traced_hooks) / sizeof(traced_hooks[0]), path,
          trace_mark ? " with mark=" : "", trace_mark ? trace_mark : "");
}

/*
 * session_count.c - example global plugin: count sessions and transactions with TSStat counters.
 *
 * What it does
 * ------------
 * TSPluginInit registers the plugin ("session_count", vendor "tshost") and creates five INT stats
 * (non-persistent, sync SUM), each only if TSStatFindName does not find it already:
 *
 *   session_count.sessions.started   +1 at every SSN_START
 *   session_count.sessions.closed    +1 at every SSN_CLOSE
 *   session_count.sessions.active    +1 at SSN_START, -1 at SSN_CLOSE
 *   session_count.txns.started       +1 at every TXN_START
 *   session_count.txns.closed        +1 at every TXN_CLOSE
 *
 * It adds a single continuation globally for TS_HTTP_SSN_START_HOOK only. At SSN_START that
 * continuation adds itself with TSHttpSsnHookAdd as a *session-level* hook for
 * TS_HTTP_TXN_START_HOOK, TS_HTTP_TXN_CLOSE_HOOK and TS_HTTP_SSN_CLOSE_HOOK, so the transaction and
 * close events arrive through the session hook lists, not the global ones. At SSN_CLOSE it reports
 * TSHttpSsnTransactionCount through TSDebug (tag "session_count"). Every event is reenabled with
 * TS_EVENT_HTTP_CONTINUE; the plugin never changes what the proxy does.
 *
 * The continuation has no mutex: it keeps no state of its own (TSStat increments are per-thread and
 * safe without locking), so ATS may call it concurrently for sessions on different threads.
 *
 * The values are visible as records, e.g. `traffic_ctl metric get session_count.sessions.active`
 * or TSMgmtIntGet("session_count.sessions.active", ...) (updated by the periodic stat sync).
 *
 * How to load it (plugin.config, one line; no arguments)
 * -------------------------------------------------------
 *   session_count.so
 *
 * Debug output: set proxy.config.diags.debug.enabled=1 and proxy.config.diags.debug.tags=session_count.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -o session_count.so session_count.c
 * Only the public ts.h API is used.
 */

#include <inttypes.h>
#include <stdint.h>

#include <ts/ts.h>

#define PLUGIN_NAME "session_count"

static int stat_sessions_started = -1;
static int stat_sessions_closed  = -1;
static int stat_sessions_active  = -1;
static int stat_txns_started     = -1;
static int stat_txns_closed      = -1;

/* Find or create an INT stat; returns its id, or -1 (after a TSError) on failure. */
static int
find_or_create_stat(const char *name)
{
  int id = -1;

  if (TSStatFindName(name, &id) == TS_SUCCESS) {
    return id;
  }
  id = TSStatCreate(name, TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  if (id == TS_ERROR) {
    TSError("[%s] failed to create stat %s", PLUGIN_NAME, name);
    return -1;
  }
  return id;
}

static int
count_event(TSCont contp, TSEvent event, void *edata)
{
  switch (event) {
  case TS_EVENT_HTTP_SSN_START: {
    TSHttpSsn ssnp = (TSHttpSsn)edata;

    TSStatIntIncrement(stat_sessions_started, 1);
    TSStatIntIncrement(stat_sessions_active, 1);
    TSHttpSsnHookAdd(ssnp, TS_HTTP_TXN_START_HOOK, contp);
    TSHttpSsnHookAdd(ssnp, TS_HTTP_TXN_CLOSE_HOOK, contp);
    TSHttpSsnHookAdd(ssnp, TS_HTTP_SSN_CLOSE_HOOK, contp);
    TSDebug(PLUGIN_NAME, "session %" PRId64 " started", TSHttpSsnIdGet(ssnp));
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }

  case TS_EVENT_HTTP_TXN_START: {
    TSHttpTxn txnp = (TSHttpTxn)edata;

    TSStatIntIncrement(stat_txns_started, 1);
    TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }

  case TS_EVENT_HTTP_TXN_CLOSE: {
    TSHttpTxn txnp = (TSHttpTxn)edata;

    TSStatIntIncrement(stat_txns_closed, 1);
    TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }

  case TS_EVENT_HTTP_SSN_CLOSE: {
    TSHttpSsn ssnp = (TSHttpSsn)edata;

    TSStatIntIncrement(stat_sessions_closed, 1);
    TSStatIntDecrement(stat_sessions_active, 1);
    TSDebug(PLUGIN_NAME, "session %" PRId64 " closed after %d transaction(s)", TSHttpSsnIdGet(ssnp),
            TSHttpSsnTransactionCount(ssnp));
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }

  default:
    TSError("[%s] unexpected event %d (%s)", PLUGIN_NAME, (int)event, TSHttpEventNameLookup(event));
    break;
  }

  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info;

  (void)argc;
  (void)argv;

  info.plugin_name   = PLUGIN_NAME;
  info.vendor_name   = "tshost";
  info.support_email = "dev@tshost.invalid";
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] plugin registration failed", PLUGIN_NAME);
    return;
  }

  stat_sessions_started = find_or_create_stat(PLUGIN_NAME ".sessions.started");
  stat_sessions_closed  = find_or_create_stat(PLUGIN_NAME ".sessions.closed");
  stat_txns_started     = find_or_create_stat(PLUGIN_NAME ".txns.started");
  stat_txns_closed      = find_or_create_stat(PLUGIN_NAME ".txns.closed");
  stat_sessions_active  = find_or_create_stat(PLUGIN_NAME ".sessions.active");
  if (stat_sessions_started < 0 || stat_sessions_closed < 0 || stat_txns_started < 0 || stat_txns_closed < 0 ||
      stat_sessions_active < 0) {
    TSError("[%s] stats unavailable; no hooks added", PLUGIN_NAME);
    return;
  }

  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, TSContCreate(count_event, NULL));
  TSDebug(PLUGIN_NAME, "counting sessions and transactions");
}

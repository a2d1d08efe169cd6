/* tests/c/plugin_compile.c: a small but realistic ATS 9.2 global plugin, used by tests/abi.rs
 * to check that plugin source compiles unchanged (gcc -Wall -Werror, as C and as C++) against
 * both tshost's include/ts/ts.h and Debian's trafficserver-dev <ts/ts.h>.
 *
 * It counts transactions per session and logs hook events. It only uses API functions that
 * tshost declares (see the list in tests/abi.rs); it is never linked or run. */
#include <ts/ts.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PLUGIN_NAME "plugin_compile"

typedef struct {
  TSMutex lock;
  int64_t sessions;
  int64_t transactions;
  int stat_txns;
  int txn_arg;
} PluginState;

typedef struct {
  uint64_t txn_id;
  char *note;
} TxnData;

static PluginState *state;

static void
count_session(PluginState *ps)
{
  TSMutexLock(ps->lock);
  ps->sessions++;
  TSMutexUnlock(ps->lock);
}

static int
txn_handler(TSCont contp, TSEvent event, void *edata)
{
  TSHttpTxn txnp    = (TSHttpTxn)edata;
  PluginState *ps   = (PluginState *)TSContDataGet(contp);
  TSEvent reenable  = TS_EVENT_HTTP_CONTINUE;
  TxnData *txn_data = NULL;

  TSReleaseAssert(ps != NULL);

  switch (event) {
  case TS_EVENT_HTTP_READ_REQUEST_HDR:
    txn_data         = (TxnData *)TSmalloc(sizeof(TxnData));
    txn_data->txn_id = TSHttpTxnIdGet(txnp);
    txn_data->note   = TSstrdup("seen");
    TSUserArgSet(txnp, ps->txn_arg, txn_data);
    TSDebug(PLUGIN_NAME, "txn %" PRIu64 " in session %" PRId64 ": %s", txn_data->txn_id,
            TSHttpSsnIdGet(TSHttpTxnSsnGet(txnp)), TSHttpEventNameLookup(event));
    break;
  case TS_EVENT_HTTP_SEND_RESPONSE_HDR:
    TSStatIntIncrement(ps->stat_txns, 1);
    break;
  case TS_EVENT_HTTP_TXN_CLOSE:
    txn_data = (TxnData *)TSUserArgGet(txnp, ps->txn_arg);
    if (txn_data != NULL) {
      TSUserArgSet(txnp, ps->txn_arg, NULL);
      TSfree(txn_data->note);
      TSfree(txn_data);
    }
    TSMutexLock(ps->lock);
    ps->transactions++;
    TSMutexUnlock(ps->lock);
    TSContDestroy(contp);
    break;
  case TS_EVENT_HTTP_ERROR:
    reenable = TS_EVENT_HTTP_ERROR;
    break;
  default:
    TSError("[%s] unexpected event %d (%s)", PLUGIN_NAME, (int)event, TSHttpEventNameLookup(event));
    break;
  }
  TSHttpTxnReenable(txnp, reenable);
  return 0;
}

static int
global_handler(TSCont contp, TSEvent event, void *edata)
{
  PluginState *ps = (PluginState *)TSContDataGet(contp);
  TSHttpSsn ssnp;
  TSHttpTxn txnp;
  TSCont txn_cont;

  switch (event) {
  case TS_EVENT_HTTP_SSN_START:
    ssnp = (TSHttpSsn)edata;
    count_session(ps);
    TSHttpSsnHookAdd(ssnp, TS_HTTP_SSN_CLOSE_HOOK, contp);
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
    return 0;
  case TS_EVENT_HTTP_TXN_START:
    txnp     = (TSHttpTxn)edata;
    txn_cont = TSContCreate(txn_handler, NULL);
    TSContDataSet(txn_cont, ps);
    TSHttpTxnHookAdd(txnp, TS_HTTP_READ_REQUEST_HDR_HOOK, txn_cont);
    TSHttpTxnHookAdd(txnp, TS_HTTP_SEND_RESPONSE_HDR_HOOK, txn_cont);
    TSHttpTxnHookAdd(txnp, TS_HTTP_TXN_CLOSE_HOOK, txn_cont);
    TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
    return 0;
  case TS_EVENT_HTTP_SSN_CLOSE:
    ssnp = (TSHttpSsn)edata;
    TSDebug(PLUGIN_NAME, "session %" PRId64 " closed", TSHttpSsnIdGet(ssnp));
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
    return 0;
  default:
    TSError("[%s] unexpected global event %d", PLUGIN_NAME, (int)event);
    return 0;
  }
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info;
  TSEventFunc handler = global_handler;
  TSCont global_cont;
  int stat_id = -1;
  int i;

  info.plugin_name   = PLUGIN_NAME;
  info.vendor_name   = "Apache Software Foundation";
  info.support_email = "dev@trafficserver.apache.org";

  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] plugin registration failed", PLUGIN_NAME);
    return;
  }
  for (i = 1; i < argc; i++) {
    TSDebug(PLUGIN_NAME, "argv[%d] = %s", i, argv[i]);
  }

  state = (PluginState *)TSmalloc(sizeof(PluginState));
  memset(state, 0, sizeof(*state));
  state->lock = TSMutexCreate();

  if (TSUserArgIndexReserve(TS_USER_ARGS_TXN, PLUGIN_NAME, "per-transaction data", &state->txn_arg) != TS_SUCCESS) {
    TSError("[%s] could not reserve a transaction argument", PLUGIN_NAME);
    return;
  }
  if (TSStatFindName(PLUGIN_NAME ".transactions", &stat_id) == TS_ERROR) {
    stat_id = TSStatCreate(PLUGIN_NAME ".transactions", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  }
  TSReleaseAssert(stat_id >= 0);
  state->stat_txns = stat_id;

  global_cont = TSContCreate(handler, TSMutexCreate());
  TSContDataSet(global_cont, state);
  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, global_cont);
  TSHttpHookAdd(TS_HTTP_TXN_START_HOOK, global_cont);

  TSDebug(PLUGIN_NAME, "initialised (%s)", TS_VERSION_STRING);
}

/*
 * cli_unfired_hook.c - test plugin for tests/cli.rs: adds continuations for hooks tshost never
 * fires, more than once and from every add entry point, and for hooks it does fire.
 *
 * plugin.config: <path>/cli_unfired_hook.so <output-file>
 *
 * TSPluginInit: TSHttpHookAdd(TS_HTTP_SELECT_ALT_HOOK) twice (never fired: no cache), TSHttpHookAdd
 * (TS_HTTP_SSN_START_HOOK) once (fired).
 * At SSN_START: TSHttpSsnHookAdd(TS_SSL_CERT_HOOK) (never fired: connection hooks are global
 * only, as in ATS) and TSHttpSsnHookAdd
 * (TS_HTTP_TXN_START_HOOK) (fired).
 * At TXN_START: TSHttpTxnHookAdd(TS_HTTP_READ_CACHE_HDR_HOOK) (never fired, tshost has no cache),
 * then appends "txn" to <output-file>.
 */
#include <stdio.h>

#include <ts/ts.h>

static const char *out_path;

static int
on_event(TSCont contp, TSEvent event, void *edata)
{
  switch (event) {
  case TS_EVENT_HTTP_SSN_START: {
    TSHttpSsn ssnp = (TSHttpSsn)edata;
    TSHttpSsnHookAdd(ssnp, TS_SSL_CERT_HOOK, contp);
    TSHttpSsnHookAdd(ssnp, TS_HTTP_TXN_START_HOOK, contp);
    TSHttpSsnReenable(ssnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }
  case TS_EVENT_HTTP_TXN_START: {
    TSHttpTxn txnp = (TSHttpTxn)edata;
    TSHttpTxnHookAdd(txnp, TS_HTTP_READ_CACHE_HDR_HOOK, contp);
    FILE *f = fopen(out_path, "a");
    if (f) {
      fputs("txn\n", f);
      fclose(f);
    }
    TSHttpTxnReenable(txnp, TS_EVENT_HTTP_CONTINUE);
    break;
  }
  default:
    break;
  }
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"cli_unfired_hook", "tshost tests", "tests@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    TSError("cli_unfired_hook: usage: cli_unfired_hook.so <output-file>");
    return;
  }
  out_path      = TSstrdup(argv[1]);
  TSCont contp  = TSContCreate(on_event, NULL);
  TSCont second = TSContCreate(on_event, NULL);
  TSHttpHookAdd(TS_HTTP_SELECT_ALT_HOOK, contp);
  TSHttpHookAdd(TS_HTTP_SELECT_ALT_HOOK, second);
  TSHttpHookAdd(TS_HTTP_SSN_START_HOOK, contp);
}

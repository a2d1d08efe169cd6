/* Calls TSSslServerCertUpdate(ARGV1, NULL) when a request for /update-cert starts, and answers
 * with the result in an X-Update header of the client response (tests/vconn_hooks.rs). */
#include <stdlib.h>
#include <string.h>
#include <ts/ts.h>

static const char *cert_path;

static int
on_txn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer b;
  TSMLoc h, url;
  if (event == TS_EVENT_HTTP_READ_REQUEST_HDR && TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    if (TSHttpHdrUrlGet(b, h, &url) == TS_SUCCESS) {
      int len = 0;
      const char *path = TSUrlPathGet(b, url, &len);
      if (path && len == 11 && memcmp(path, "update-cert", 11) == 0) {
        TSReturnCode rc = TSSslServerCertUpdate(cert_path, NULL);
        TSError("[cert_update_plugin] TSSslServerCertUpdate(%s): %s", cert_path, rc == TS_SUCCESS ? "ok" : "error");
      }
      TSHandleMLocRelease(b, h, url);
    }
    TSHandleMLocRelease(b, TS_NULL_MLOC, h);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"cert_update_plugin", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    TSError("[cert_update_plugin] registration failed or no certificate path");
    return;
  }
  cert_path = strdup(argv[1]); /* argv does not outlive TSPluginInit (ATS: the line buffer) */
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_txn, NULL));
}

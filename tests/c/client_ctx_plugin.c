/* The client (origin) TLS contexts through the API (tests/origin_tls_client.rs): a request for
 * /client-ctx logs every context's two names (TSSslClientContextsNamesGet) and whether
 * TSSslClientContextFindByName finds it, and makes and frees a server context
 * (TSSslServerContextCreate/TSSslContextDestroy); /client-cert-update calls
 * TSSslClientCertUpdate(ARGV1, ARGV2). Each result is a TSError line "[client_ctx] ...". */
#include <stdlib.h>
#include <string.h>
#include <ts/ts.h>

static const char *cert_path, *key_path;

static void
dump(void)
{
  int count = -1;
  if (TSSslClientContextsNamesGet(0, NULL, &count) != TS_SUCCESS || count < 0) {
    TSError("[client_ctx] count failed");
    return;
  }
  const char **names = calloc(count + 1, sizeof(char *));
  int again          = -1;
  TSSslClientContextsNamesGet(count, names, &again);
  TSError("[client_ctx] count=%d again=%d", count, again);
  for (int i = 0; i + 1 < count; i += 2) {
    TSSslContext ctx = TSSslClientContextFindByName(names[i], names[i + 1]);
    TSError("[client_ctx] name ca=<%s> cert=<%s> found=%d", names[i], names[i + 1], ctx != NULL);
    if (ctx) {
      TSSslContextDestroy(ctx);
    }
  }
  free(names);
  TSError("[client_ctx] bad args: find(NULL)=%d find(\"\")=%d update(NULL)=%d",
          TSSslClientContextFindByName(NULL, "x") != NULL, TSSslClientContextFindByName("", "") != NULL,
          TSSslClientCertUpdate(NULL, NULL) == TS_SUCCESS);
  TSSslContext server = TSSslServerContextCreate(NULL, NULL, NULL);
  TSError("[client_ctx] server context=%d", server != NULL);
  TSSslContextDestroy(server);
}

static int
on_txn(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer b;
  TSMLoc h, url;
  if (event == TS_EVENT_HTTP_READ_REQUEST_HDR && TSHttpTxnClientReqGet(txn, &b, &h) == TS_SUCCESS) {
    if (TSHttpHdrUrlGet(b, h, &url) == TS_SUCCESS) {
      int len          = 0;
      const char *path = TSUrlPathGet(b, url, &len);
      if (path && len == 10 && memcmp(path, "client-ctx", 10) == 0) {
        dump();
      } else if (path && len == 18 && memcmp(path, "client-cert-update", 18) == 0) {
        TSReturnCode rc = TSSslClientCertUpdate(cert_path, key_path);
        TSError("[client_ctx] update: %s", rc == TS_SUCCESS ? "ok" : "error");
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
  TSPluginRegistrationInfo info = {"client_ctx_plugin", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 3) {
    TSError("[client_ctx] registration failed or no certificate and key paths");
    return;
  }
  cert_path = strdup(argv[1]);
  key_path  = strdup(argv[2]);
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(on_txn, NULL));
}

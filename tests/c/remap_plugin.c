/* tests/c/remap_plugin.c: a remap plugin for tests/remap_plugins.rs, driven by its @pparams.
 *
 * Every call it gets is appended as one line to the log file named by the first pparam
 * "log=PATH" (a rule without one logs nothing):
 *   init size=N version=V          TSRemapInit (once per library)
 *   new NAME argc=N argv=A|B|...   TSRemapNewInstance
 *   doremap NAME path=P to=H       TSRemapDoRemap (the request URL's path as it found it, and the
 *                                  rule's TO host, read with the request's TSMBuffer as ATS allows)
 *   os NAME TYPE                   TSRemapOSResponse
 *   delete NAME                    TSRemapDeleteInstance
 *   done                           TSRemapDone
 *   pre / post STATUS              TSRemapPreConfigReload / TSRemapPostConfigReload
 * Other pparams: name=NAME, path=P (set the request URL's path), status=N (TSRemapDoRemap's
 * return value), redirect=HOST (set the URL's host to HOST and ask for a redirect), hdr=NAME
 * (add the request field NAME: NAME-of-instance), txnstatus=N (TSHttpTxnStatusSet), fail (refuse
 * the instance with "told to fail"). */
#include <ts/ts.h>
#include <ts/remap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char init_line[128];

typedef struct {
  char name[64];
  char log[512];
  char path[256];
  char redirect[256];
  char hdr[64];
  int status;
  int txnstatus;
} Inst;

static void
logf_(const char *log, const char *fmt, const char *a, const char *b)
{
  if (!log || !*log)
    return;
  FILE *f = fopen(log, "a");
  if (!f)
    return;
  fprintf(f, fmt, a, b);
  fputc('\n', f);
  fclose(f);
}

/* The log of the last instance made (TSRemapInit and TSRemapDone have no instance). */
static char last_log[512];

TSReturnCode
TSRemapInit(TSRemapInterface *api_info, char *errbuf, int errbuf_size)
{
  if (!api_info || api_info->size < sizeof(TSRemapInterface) || api_info->tsremap_version < TSREMAP_VERSION) {
    snprintf(errbuf, errbuf_size, "bad remap interface");
    return TS_ERROR;
  }
  snprintf(init_line, sizeof init_line, "init size=%lu version=%lu", api_info->size, api_info->tsremap_version);
  return TS_SUCCESS;
}

TSReturnCode
TSRemapNewInstance(int argc, char *argv[], void **ih, char *errbuf, int errbuf_size)
{
  Inst *in = calloc(1, sizeof *in);
  strcpy(in->name, "anon");
  char args[1024] = "";
  for (int i = 0; i < argc; i++) {
    strncat(args, argv[i], sizeof args - strlen(args) - 2);
    if (i + 1 < argc)
      strcat(args, "|");
  }
  if (argv[argc] != NULL) {
    snprintf(errbuf, errbuf_size, "argv[argc] is not NULL");
    free(in);
    return TS_ERROR;
  }
  int fail = 0;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strncmp(a, "log=", 4))
      snprintf(in->log, sizeof in->log, "%s", a + 4);
    else if (!strncmp(a, "name=", 5))
      snprintf(in->name, sizeof in->name, "%s", a + 5);
    else if (!strncmp(a, "path=", 5))
      snprintf(in->path, sizeof in->path, "%s", a + 5);
    else if (!strncmp(a, "redirect=", 9))
      snprintf(in->redirect, sizeof in->redirect, "%s", a + 9);
    else if (!strncmp(a, "hdr=", 4))
      snprintf(in->hdr, sizeof in->hdr, "%s", a + 4);
    else if (!strncmp(a, "status=", 7))
      in->status = atoi(a + 7);
    else if (!strncmp(a, "txnstatus=", 10))
      in->txnstatus = atoi(a + 10);
    else if (!strcmp(a, "fail"))
      fail = 1;
  }
  if (in->log[0] && init_line[0]) {
    logf_(in->log, "%s%s", init_line, "");
    init_line[0] = 0;
  }
  char line[1200];
  snprintf(line, sizeof line, "new %s argc=%d argv=%s", in->name, argc, args);
  logf_(in->log, "%s%s", line, "");
  if (fail) {
    snprintf(errbuf, errbuf_size, "told to fail");
    free(in);
    return TS_ERROR;
  }
  snprintf(last_log, sizeof last_log, "%s", in->log);
  *ih = in;
  return TS_SUCCESS;
}

TSRemapStatus
TSRemapDoRemap(void *ih, TSHttpTxn txn, TSRemapRequestInfo *rri)
{
  Inst *in = ih;
  int len   = 0;
  const char *p = TSUrlPathGet(rri->requestBufp, rri->requestUrl, &len);
  char path[512];
  snprintf(path, sizeof path, "%.*s", p ? len : 0, p ? p : "");
  int tlen       = 0;
  const char *to = TSUrlHostGet(rri->requestBufp, rri->mapToUrl, &tlen);
  char line[800];
  snprintf(line, sizeof line, "doremap %s path=%s to=%.*s", in->name, path, to ? tlen : 0, to ? to : "");
  logf_(in->log, "%s%s", line, "");
  if (in->path[0])
    TSUrlPathSet(rri->requestBufp, rri->requestUrl, in->path, strlen(in->path));
  if (in->hdr[0]) {
    TSMLoc f;
    if (TSMimeHdrFieldCreateNamed(rri->requestBufp, rri->requestHdrp, in->hdr, strlen(in->hdr), &f) == TS_SUCCESS) {
      TSMimeHdrFieldValueStringSet(rri->requestBufp, rri->requestHdrp, f, -1, in->name, strlen(in->name));
      TSMimeHdrFieldAppend(rri->requestBufp, rri->requestHdrp, f);
      TSHandleMLocRelease(rri->requestBufp, rri->requestHdrp, f);
    }
  }
  if (in->txnstatus)
    TSHttpTxnStatusSet(txn, (TSHttpStatus)in->txnstatus);
  if (in->redirect[0]) {
    TSUrlHostSet(rri->requestBufp, rri->requestUrl, in->redirect, strlen(in->redirect));
    rri->redirect = 1;
  }
  return (TSRemapStatus)in->status;
}

void
TSRemapOSResponse(void *ih, TSHttpTxn txn, int type)
{
  (void)txn;
  Inst *in = ih;
  char t[16];
  snprintf(t, sizeof t, "%d", type);
  logf_(in->log, "os %s %s", in->name, t);
}

void
TSRemapDeleteInstance(void *ih)
{
  Inst *in = ih;
  logf_(in->log, "delete %s%s", in->name, "");
  free(in);
}

void
TSRemapDone(void)
{
  logf_(last_log, "done%s%s", "", "");
}

void
TSRemapPreConfigReload(void)
{
  logf_(last_log, "pre%s%s", "", "");
}

void
TSRemapPostConfigReload(TSRemapReloadStatus status)
{
  char n[16];
  snprintf(n, sizeof n, "%d", (int)status);
  logf_(last_log, "post %s%s", n, "");
}

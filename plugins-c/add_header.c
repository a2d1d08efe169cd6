/*
 * add_header.c - global plugin: add fixed header fields to every client response (or, with
 * --request, to every request sent to the origin).
 *
 * Usage (plugin.config, one line; quote an argument that contains spaces):
 *
 *   add_header.so "X-Served-By: tshost" "X-Other: v"
 *   add_header.so --request "X-Forwarded-Proto: http" "X-Edge: 1"
 *
 * Each argument "Name: value" becomes one field appended to the header: to the client response at
 * TS_HTTP_SEND_RESPONSE_HDR_HOOK (default), or to the server request at
 * TS_HTTP_SEND_REQUEST_HDR_HOOK when the --request flag is given (anywhere among the arguments).
 * Fields are appended, never replaced: a field of the same name already in the header stays, and
 * the new one follows it. Fields are added in argument order. Leading and trailing blanks of the
 * value are dropped; an empty value is allowed ("X-Empty:").
 *
 * A bad argument (no ':', an empty name, a name with characters other than RFC 9110 token
 * characters, a value with a CR or LF, an unknown --option) is reported with TSError and
 * skipped; the plugin still registers and adds the valid fields, so one typo does not stop the
 * proxy from starting. Without any valid field the plugin registers but adds no hook.
 *
 * Debug output: proxy.config.diags.debug.tags matching "add_header".
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -o add_header.so add_header.c
 * (against tshost's include/ts/ts.h or ATS 9.2's <ts/ts.h>; only the public API is used).
 */

#include <stdlib.h>
#include <string.h>

#include <ts/ts.h>

#define PLUGIN_NAME "add_header"

struct field {
  char *name;
  int name_len;
  char *value;
  int value_len;
};

static struct field *fields = NULL;
static int nfields          = 0;
static int to_request       = 0;

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return 1;
  }
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* Parse "Name: value" into fields[nfields]; 0 on success, else a message for TSError. */
static const char *
parse_field(const char *arg)
{
  const char *colon = strchr(arg, ':');
  const char *v, *end;
  struct field *f;
  int i;

  if (colon == NULL) {
    return "no ':' between name and value";
  }
  if (colon == arg) {
    return "empty field name";
  }
  for (i = 0; arg + i < colon; ++i) {
    if (!is_tchar((unsigned char)arg[i])) {
      return "field name with a character that is not allowed in a name";
    }
  }
  v = colon + 1;
  while (is_blank(*v)) {
    ++v;
  }
  end = v + strlen(v);
  while (end > v && is_blank(end[-1])) {
    --end;
  }
  if (strpbrk(v, "\r\n") != NULL) {
    return "value with a CR or LF";
  }

  f            = &fields[nfields];
  f->name_len  = (int)(colon - arg);
  f->name      = TSstrndup(arg, f->name_len);
  f->value_len = (int)(end - v);
  f->value     = TSstrndup(v, f->value_len);
  ++nfields;
  return NULL;
}

static void
append_fields(TSMBuffer buf, TSMLoc hdr)
{
  int i;

  for (i = 0; i < nfields; ++i) {
    TSMLoc field = TS_NULL_MLOC;

    if (TSMimeHdrFieldCreateNamed(buf, hdr, fields[i].name, fields[i].name_len, &field) != TS_SUCCESS) {
      TSError("[%s] cannot create field %.*s", PLUGIN_NAME, fields[i].name_len, fields[i].name);
      continue;
    }
    if (TSMimeHdrFieldValueStringSet(buf, hdr, field, -1, fields[i].value, fields[i].value_len) != TS_SUCCESS ||
        TSMimeHdrFieldAppend(buf, hdr, field) != TS_SUCCESS) {
      TSError("[%s] cannot add field %.*s", PLUGIN_NAME, fields[i].name_len, fields[i].name);
    } else {
      TSDebug(PLUGIN_NAME, "added %.*s: %.*s", fields[i].name_len, fields[i].name, fields[i].value_len, fields[i].value);
    }
    TSHandleMLocRelease(buf, hdr, field);
  }
}

static int
on_hook(TSCont contp, TSEvent event, void *edata)
{
  TSHttpTxn txn = (TSHttpTxn)edata;
  TSMBuffer buf;
  TSMLoc hdr;
  TSReturnCode got;

  (void)contp;
  if (event == TS_EVENT_HTTP_SEND_REQUEST_HDR) {
    got = TSHttpTxnServerReqGet(txn, &buf, &hdr);
  } else {
    got = TSHttpTxnClientRespGet(txn, &buf, &hdr);
  }
  if (got == TS_SUCCESS) {
    append_fields(buf, hdr);
    TSHandleMLocRelease(buf, TS_NULL_MLOC, hdr);
  } else {
    TSError("[%s] no %s header for event %d", PLUGIN_NAME, to_request ? "server request" : "client response", (int)event);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info;
  const char *why;
  int i;

  info.plugin_name   = PLUGIN_NAME;
  info.vendor_name   = "tshost";
  info.support_email = "dev@tshost.invalid";
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] plugin registration failed", PLUGIN_NAME);
    return;
  }

  fields = TSmalloc(sizeof(*fields) * (argc > 0 ? (size_t)argc : 1));
  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--request") == 0) {
      to_request = 1;
    } else if (strncmp(argv[i], "--", 2) == 0) {
      TSError("[%s] unknown option '%s' skipped (usage: %s [--request] \"Name: value\"...)", PLUGIN_NAME, argv[i],
              PLUGIN_NAME);
    } else if ((why = parse_field(argv[i])) != NULL) {
      TSError("[%s] argument %d '%s' skipped: %s (expected \"Name: value\")", PLUGIN_NAME, i, argv[i], why);
    }
  }

  if (nfields == 0) {
    TSError("[%s] no valid \"Name: value\" argument: nothing to add", PLUGIN_NAME);
    return;
  }
  TSHttpHookAdd(to_request ? TS_HTTP_SEND_REQUEST_HDR_HOOK : TS_HTTP_SEND_RESPONSE_HDR_HOOK, TSContCreate(on_hook, NULL));
  TSDebug(PLUGIN_NAME, "adding %d field(s) to every %s", nfields, to_request ? "server request" : "client response");
}

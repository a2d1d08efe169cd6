/* ATS's variadic functions: the diagnostics and TSTextLogObjectWrite. Stable Rust cannot define
 * C variadic functions, so they live here: each formats its text with vsnprintf and hands it to
 * Rust (src/api/log.rs, src/api/textlog.rs), which decides where it goes. Declared in ts.h
 * through cbindgen.toml. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Levels, in ATS's order (DiagsLevel). Keep in sync with src/diags.rs. */
enum { L_DIAG = 0, L_DEBUG, L_STATUS, L_NOTE, L_WARNING, L_ERROR, L_FATAL, L_ALERT, L_EMERGENCY };

extern int __tshost_debug_tag_enabled(const char *tag);
extern int __tshost_debug_enabled(void);
extern void __tshost_diag_emit(int level, const char *tag, const char *msg);

static void emit(int level, const char *tag, const char *fmt, va_list ap)
{
  char stackbuf[1024];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(stackbuf, sizeof(stackbuf), fmt ? fmt : "(null)", ap);
  if (n < 0) {
    va_end(ap2);
    __tshost_diag_emit(level, tag, "(unformattable message)");
    return;
  }
  if ((size_t)n < sizeof(stackbuf)) {
    va_end(ap2);
    __tshost_diag_emit(level, tag, stackbuf);
    return;
  }
  char *heap = malloc((size_t)n + 1);
  if (heap == NULL) {
    va_end(ap2);
    __tshost_diag_emit(level, tag, stackbuf);
    return;
  }
  vsnprintf(heap, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  __tshost_diag_emit(level, tag, heap);
  free(heap);
}

#define LEVEL_FN(name, level)              \
  void name(const char *fmt, ...)          \
  {                                        \
    va_list ap;                            \
    va_start(ap, fmt);                     \
    emit(level, NULL, fmt, ap);            \
    va_end(ap);                            \
  }

LEVEL_FN(TSStatus, L_STATUS)
LEVEL_FN(TSNote, L_NOTE)
LEVEL_FN(TSWarning, L_WARNING)
LEVEL_FN(TSError, L_ERROR)
/* FATAL, ALERT and EMERGENCY end the process inside __tshost_diag_emit (exit 70, 70, 33). */
LEVEL_FN(TSFatal, L_FATAL)
LEVEL_FN(TSAlert, L_ALERT)
LEVEL_FN(TSEmergency, L_EMERGENCY)

void TSDebug(const char *tag, const char *fmt, ...)
{
  if (!__tshost_debug_tag_enabled(tag))
    return;
  va_list ap;
  va_start(ap, fmt);
  emit(L_DIAG, tag, fmt, ap);
  va_end(ap);
}

void TSDebugSpecific(int debug_flag, const char *tag, const char *fmt, ...)
{
  if (!((debug_flag && __tshost_debug_enabled()) || __tshost_debug_tag_enabled(tag)))
    return;
  va_list ap;
  va_start(ap, fmt);
  emit(L_DIAG, tag, fmt, ap);
  va_end(ap);
}

/* TSTextLogObjectWrite: one line of a text log, formatted as ATS's TextLogObject::va_write does,
 * into a 16 KiB buffer (longer text is cut; Rust cuts it again to leave room for a timestamp).
 * TSReturnCode is an int-sized enum: TS_SUCCESS 0, TS_ERROR -1. */
extern int __tshost_textlog_write(void *log, const char *text, size_t len);

int TSTextLogObjectWrite(void *the_object, const char *format, ...)
{
  char entry[16 * 1024];
  if (format == NULL)
    return __tshost_textlog_write(the_object, NULL, 0);
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(entry, sizeof(entry), format, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  size_t len = (size_t)n < sizeof(entry) ? (size_t)n : sizeof(entry) - 1;
  return __tshost_textlog_write(the_object, entry, len);
}

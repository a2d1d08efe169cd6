/* tests/c/ctl_plugin.c: a global plugin for `tshost ctl` (tests/ctl.rs). It creates two stats,
 * `ctl_test.msgs` (plugin messages received) and `ctl_test.value` (the number the message
 * `ctl_test.set N` carries), and appends every message to the file named by its argument:
 * `MSG TAG SIZE DATA` (SIZE as the TSPluginMsg says, DATA up to its NUL). */
#include <ts/ts.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char log_path[512];
static int msgs_stat = -1;
static int value_stat = -1;

static int
on_msg(TSCont c, TSEvent ev, void *edata)
{
  (void)c;
  if (ev != TS_EVENT_LIFECYCLE_MSG) {
    return 0;
  }
  TSPluginMsg *m = edata;
  FILE *f = fopen(log_path, "a");
  if (f) {
    fprintf(f, "MSG %s %zu %s\n", m->tag, m->data_size, m->data ? (const char *)m->data : "(null)");
    fclose(f);
  }
  TSStatIntIncrement(msgs_stat, 1);
  if (strcmp(m->tag, "ctl_test.set") == 0 && m->data) {
    TSStatIntSet(value_stat, atoll(m->data));
  }
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"ctl_plugin", "tshost", "dev@tshost"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    TSError("ctl_plugin: usage: ctl_plugin.so LOGFILE");
    return;
  }
  snprintf(log_path, sizeof log_path, "%s", argv[1]);
  msgs_stat  = TSStatCreate("ctl_test.msgs", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  value_stat = TSStatCreate("ctl_test.value", TS_RECORDDATATYPE_INT, TS_STAT_NON_PERSISTENT, TS_STAT_SYNC_SUM);
  TSLifecycleHookAdd(TS_LIFECYCLE_MSG_HOOK, TSContCreate(on_msg, NULL));
}

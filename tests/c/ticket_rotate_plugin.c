/* ticket_rotate_plugin.c: installs session ticket keys with TSSslTicketKeyUpdate when asked, for
 * tests/tls_resumption.rs. argv[1]: trigger file. Every 20 ms (TSContScheduleEveryOnPool, task
 * threads) the plugin looks for the trigger file; when it exists, its bytes (N x 48-byte records)
 * are installed, "<trigger>.done" is written with the return code, and the trigger is deleted. */
#include <ts/ts.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char trigger[4096];

static int
poll_trigger(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  (void)edata;
  FILE *f = fopen(trigger, "rb");
  if (!f)
    return 0;
  char keys[48 * 16];
  size_t n = fread(keys, 1, sizeof keys, f);
  fclose(f);
  int rc = TSSslTicketKeyUpdate(keys, (int)n);
  unlink(trigger);
  char done[4200];
  snprintf(done, sizeof done, "%s.done", trigger);
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.tmp", done);
  FILE *d = fopen(tmp, "w");
  if (d) {
    fprintf(d, "rc=%d len=%zu\n", rc, n);
    fclose(d);
    rename(tmp, done);
  }
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"ticket_rotate_probe", "tshost", "dev@tshost.invalid"};
  TSPluginRegister(&info);
  if (argc < 2 || strlen(argv[1]) >= sizeof trigger) {
    TSError("ticket_rotate_probe: need a trigger file");
    return;
  }
  strcpy(trigger, argv[1]);
  TSContScheduleEveryOnPool(TSContCreate(poll_trigger, TSMutexCreate()), 20, TS_THREAD_POOL_TASK);
}

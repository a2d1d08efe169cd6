/* ticket_key_plugin.c: TSSslTicketKeyUpdate's return codes, for tests/tls_tickets.rs.
 * argv[1]: log file. */
#include <ts/ts.h>

#include <stdio.h>
#include <string.h>

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"ticket_key_probe", "tshost", "dev@tshost.invalid"};
  TSPluginRegister(&info);
  FILE *f = argc > 1 ? fopen(argv[1], "w") : NULL;
  if (!f) {
    TSError("ticket_key_probe: need a log file");
    return;
  }
  char keys[96];
  memset(keys, 'k', sizeof keys);
  int r47 = TSSslTicketKeyUpdate(keys, 47);
  int r48 = TSSslTicketKeyUpdate(keys, 48);
  int r96 = TSSslTicketKeyUpdate(keys, 96);
  int rnull = TSSslTicketKeyUpdate(NULL, 0);
  fprintf(f, "47=%d 48=%d 96=%d null=%d\n", r47, r48, r96, rnull);
  fclose(f);
}

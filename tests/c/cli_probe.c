/*
 * cli_probe.c - test plugin for tests/cli.rs: records how TSPluginInit was called.
 *
 * plugin.config: <path>/cli_probe.so <output-file> [more arguments...]
 *
 * Appends to <output-file> (one block per TSPluginInit call):
 *   init <n> argv0=<argv[0]> optind=<optind at entry> argc=<argc>
 *   arg[<i>]=<argv[i]>            for i >= 2, each between < and >
 *   argv[argc]=NULL|set
 *   register=<TSPluginRegister result>
 * <n> counts the TSPluginInit calls in this DSO (a plugin listed twice shares its statics).
 * It sets optind to 5 before returning: the host must reset it for the next plugin.
 */
#include <stdio.h>
#include <unistd.h>

#include <ts/ts.h>

static int inits;

void
TSPluginInit(int argc, const char *argv[])
{
  int optind_at_entry = optind;
  FILE *f;
  int i;
  TSPluginRegistrationInfo info = {"cli_probe", "tshost tests", "tests@tshost.invalid"};

  ++inits;
  if (argc < 2) {
    TSError("cli_probe: usage: cli_probe.so <output-file> [arguments...]");
    return;
  }
  f = fopen(argv[1], "a");
  if (f == NULL) {
    TSError("cli_probe: cannot open %s", argv[1]);
    return;
  }
  fprintf(f, "init %d argv0=%s optind=%d argc=%d\n", inits, argv[0], optind_at_entry, argc);
  for (i = 2; i < argc; ++i) {
    fprintf(f, "arg[%d]=<%s>\n", i, argv[i]);
  }
  fprintf(f, "argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "set");
  fprintf(f, "register=%d\n", (int)TSPluginRegister(&info));
  fclose(f);
  optind = 5;
}

/*
 * cli_no_register.c - test plugin for tests/cli.rs: TSPluginInit returns without calling
 * TSPluginRegister (as healthchecks.so does on bad arguments). It writes "init ran" to argv[1].
 */
#include <stdio.h>

#include <ts/ts.h>

void
TSPluginInit(int argc, const char *argv[])
{
  if (argc > 1) {
    FILE *f = fopen(argv[1], "a");
    if (f != NULL) {
      fputs("init ran\n", f);
      fclose(f);
    }
  }
}

/*
 * cli_diag.c - test plugin for tests/cli.rs: diagnostics from TSPluginInit.
 *
 * Registers, then:
 *   TSDebug("probe_x", "debug line for probe_x")
 *   TSDebug("xprobe", "debug line for xprobe")
 *   TSError("error line from cli_diag")
 * and, when argv[1] is "fatal", TSFatal("fatal line from cli_diag") (which must end the process
 * with status 70), or when it is "emergency", TSEmergency("emergency line from cli_diag")
 * (status 33), followed by a TSError that must never appear.
 */
#include <string.h>

#include <ts/ts.h>

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"cli_diag", "tshost tests", "tests@tshost.invalid"};
  TSPluginRegister(&info);
  TSDebug("probe_x", "debug line for %s", "probe_x");
  TSDebug("xprobe", "debug line for %s", "xprobe");
  TSError("error line from %s", "cli_diag");
  if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
    TSFatal("fatal line from %s", "cli_diag");
    TSError("cli_diag: still running after TSFatal");
  }
  if (argc > 1 && strcmp(argv[1], "emergency") == 0) {
    TSEmergency("emergency line from %s", "cli_diag");
    TSError("cli_diag: still running after TSEmergency");
  }
}

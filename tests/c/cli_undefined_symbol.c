/*
 * cli_undefined_symbol.c - test plugin for tests/cli.rs: needs a function nobody defines, so
 * dlopen(RTLD_NOW) fails with "undefined symbol: cli_no_such_function_anywhere".
 */
#include <ts/ts.h>

extern void cli_no_such_function_anywhere(void);

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"cli_undefined_symbol", "tshost tests", "tests@tshost.invalid"};
  (void)argc;
  (void)argv;
  TSPluginRegister(&info);
  cli_no_such_function_anywhere();
}

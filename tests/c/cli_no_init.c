/* cli_no_init.c - test plugin for tests/cli.rs: a shared object without TSPluginInit. */
int cli_no_init_present(void);

int
cli_no_init_present(void)
{
  return 1;
}

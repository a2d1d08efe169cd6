/*
 * cli_remap.c - test plugin for tests/cli.rs: a remap plugin's entry points, for
 * `traffic_server -C 'verify_remap_plugin PATH'` (which checks they are there and calls none).
 * Declared with plain pointers: only the names matter to the verifier.
 *
 * Built as is: TSRemapInit, TSRemapDoRemap, TSRemapNewInstance and TSRemapDeleteInstance.
 * With -DCLI_REMAP_NEW_ONLY: TSRemapDeleteInstance is left out (ATS requires the pair).
 */
#include <stdio.h>

int TSRemapInit(void *api, char *errbuf, int errbuf_size);
int TSRemapDoRemap(void *ih, void *txn, void *rri);
int TSRemapNewInstance(int argc, char *argv[], void **ih, char *errbuf, int errbuf_size);
void TSRemapDeleteInstance(void *ih);

int
TSRemapInit(void *api, char *errbuf, int errbuf_size)
{
  (void)api;
  snprintf(errbuf, errbuf_size, "cli_remap: TSRemapInit must not be called when verifying");
  return -1;
}

int
TSRemapDoRemap(void *ih, void *txn, void *rri)
{
  (void)ih;
  (void)txn;
  (void)rri;
  return 0;
}

int
TSRemapNewInstance(int argc, char *argv[], void **ih, char *errbuf, int errbuf_size)
{
  (void)argc;
  (void)argv;
  (void)errbuf;
  (void)errbuf_size;
  *ih = NULL;
  return 0;
}

#ifndef CLI_REMAP_NEW_ONLY
void
TSRemapDeleteInstance(void *ih)
{
  (void)ih;
}
#endif

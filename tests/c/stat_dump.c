/* stat_dump.c: for tests/farm.rs. argv[1]: output file; argv[2..]: stat names. A thread writes
 * `name value` lines for those stats (TSStatFindName + TSStatIntGet; missing: -1) to the file
 * every 20 ms, atomically (temporary file, then rename). */
#include <ts/ts.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *path;
static int n_names;
static const char **names;

static void *
dump(void *arg)
{
  (void)arg;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  for (;;) {
    FILE *f = fopen(tmp, "w");
    if (f) {
      for (int i = 0; i < n_names; i++) {
        int id;
        long long v = TSStatFindName(names[i], &id) == TS_SUCCESS ? (long long)TSStatIntGet(id) : -1;
        fprintf(f, "%s %lld\n", names[i], v);
      }
      fclose(f);
      rename(tmp, path);
    }
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"stat_dump", "tshost", "dev@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS || argc < 2) {
    TSError("[stat_dump] usage: stat_dump.so <file> <stat>...");
    return;
  }
  path    = TSstrdup(argv[1]);
  n_names = argc - 2;
  names   = TSmalloc(sizeof(char *) * (n_names > 0 ? n_names : 1));
  for (int i = 0; i < n_names; i++) {
    names[i] = TSstrdup(argv[i + 2]);
  }
  TSThreadCreate(dump, NULL);
}

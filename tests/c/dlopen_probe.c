/* tests/c/dlopen_probe.c: a program over libtshost that opens each plugin library named on its
 * command line as tshost would (RTLD_NOW, after the system libraries tshost opens for plugins),
 * without calling it, and prints `NAME loads` or `NAME fails: REASON` (tests/plugin_check.rs
 * compares this with `tshost plugin-check`). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <tshost.h>

int
main(int argc, char **argv)
{
  /* Keep a reference to libtshost, whose exports the plugins resolve against. */
  (void)tshost_last_error();
  dlopen("libpcre.so.3", RTLD_NOW | RTLD_GLOBAL);
  dlopen("libz.so.1", RTLD_NOW | RTLD_GLOBAL);
  for (int i = 1; i < argc; i++) {
    const char *name = strrchr(argv[i], '/');
    name             = name ? name + 1 : argv[i];
    void *h          = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    if (h) {
      printf("%s loads\n", name);
    } else {
      printf("%s fails: %s\n", name, dlerror());
    }
  }
  return 0;
}

/* tests/c/lifecycle_msg.c: loads tests/c/lifecycle_probe.c (argv[1], logging to argv[2]) into
 * this process with libtshost and delivers plugin messages with tshost_plugin_msg, as ATS's
 * `traffic_ctl plugin msg` would: exits 0 when every call returned what it should. */
#include <stdio.h>
#include <tshost.h>

int
main(int argc, char **argv)
{
  if (argc < 3) {
    return 10;
  }
  const char *pargv[] = {argv[1], argv[2]};
  if (tshost_plugin_load(2, pargv) != 0) {
    fprintf(stderr, "load: %s\n", tshost_last_error());
    return 1;
  }
  if (tshost_plugin_msg("probe", "hello", 5) != 0) {
    return 2;
  }
  if (tshost_plugin_msg("empty", NULL, 0) != 0) {
    return 3;
  }
  if (tshost_plugin_msg(NULL, NULL, 0) != -1 || tshost_plugin_msg("x", NULL, 3) != -1) {
    return 4;
  }
  return 0;
}

#include "config.h"

#include "outpost-cli.h"

static const char *const verbs[] = { "account", "sync", "record", "status", NULL };

gboolean
outpost_cli_handles (int argc, char **argv)
{
  return argc > 1 && g_strv_contains (verbs, argv[1]);
}

int
outpost_cli_run (int argc, char **argv)
{
  g_printerr ("outpost %s: not available yet\n", argv[1]);
  return 2;
}

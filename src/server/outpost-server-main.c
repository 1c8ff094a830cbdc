#include "config.h"

#include <glib.h>

int
main (int argc, char **argv)
{
  g_printerr ("outpost-server: not built yet\n");
  return 1;
}

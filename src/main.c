/* main.c: `outpost` is the desktop application; with a command-line verb (account, sync,
 * record, status) it does that job without opening a window. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "outpost-application.h"
#include "outpost-cli.h"
#include "outpost-renderer.h"

int
main (int argc, char **argv)
{
  g_autoptr(OutpostApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (outpost_cli_handles (argc, argv))
    return outpost_cli_run (argc, argv);

  outpost_renderer_choose ();
  app = outpost_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}

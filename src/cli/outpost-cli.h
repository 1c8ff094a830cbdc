/* outpost-cli.h: `outpost account|sync|record|status ...` without a window. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when argv names a command-line verb (so main() need not start GTK). */
gboolean outpost_cli_handles (int argc, char **argv);
/* Runs the verb; returns the process exit status. */
int      outpost_cli_run     (int argc, char **argv);

G_END_DECLS

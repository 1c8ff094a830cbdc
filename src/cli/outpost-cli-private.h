/* outpost-cli-private.h: shared pieces of the `outpost` command line. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "outpost-auth.h"
#include "outpost-sync-engine.h"
#include "outpost-account.h"
#include "outpost-store.h"

G_BEGIN_DECLS

/* Exit statuses: 0 success, 1 the job failed (sync error, validation), 2 usage error. */
#define OUTPOST_CLI_EXIT_FAILED 1
#define OUTPOST_CLI_EXIT_USAGE  2

int             outpost_cli_account  (int argc, char **argv);
int             outpost_cli_sync     (int argc, char **argv);
int             outpost_cli_record   (int argc, char **argv);
int             outpost_cli_status   (int argc, char **argv);

/* @name NULL: the only account, else an error naming the choices. */
OutpostAccount *outpost_cli_find_account (const char *name, GError **error);
/* Parses FIELD=VALUE arguments against the entity's field types. */
JsonObject     *outpost_cli_parse_assignments (OutpostEntity *entity, char **assignments,
                                              GError **error);
/* Prints "outpost: message" on stderr; returns @status. */
int             outpost_cli_fail     (int status, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Parses options; on a usage error prints it with the help text and returns FALSE. */
gboolean        outpost_cli_parse_options (GOptionContext *context, int *argc, char ***argv);
void            outpost_cli_print_json (JsonNode *node);
/* A password from standard input: asked for on the terminal without echo ("Password: " on
 * stderr), else the first line. NULL at end of input. Free with outpost_secrets_free. */
char           *outpost_cli_read_password (void);
/* The application's settings when its schema is installed (client id, tenant), else NULL. */
GSettings      *outpost_cli_settings (void);

G_END_DECLS

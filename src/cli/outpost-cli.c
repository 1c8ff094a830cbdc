/* outpost-cli.c: `outpost VERB ...` dispatch and the helpers the verbs share. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "outpost-cli.h"
#include "outpost-cli-private.h"

typedef struct {
  const char *verb;
  int (*run) (int argc, char **argv);
} OutpostCliVerb;

static const OutpostCliVerb verbs[] = {
  { "account", outpost_cli_account },
  { "sync", outpost_cli_sync },
  { "record", outpost_cli_record },
  { "status", outpost_cli_status },
};

gboolean
outpost_cli_handles (int argc, char **argv)
{
  if (argc < 2)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (argv[1], verbs[i].verb))
      return TRUE;
  return FALSE;
}

int
outpost_cli_run (int argc, char **argv)
{
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (argv[1], verbs[i].verb))
      return verbs[i].run (argc - 1, argv + 1);
  return OUTPOST_CLI_EXIT_USAGE;
}

int
outpost_cli_fail (int status, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("outpost: %s\n", message);
  return status;
}

gboolean
outpost_cli_parse_options (GOptionContext *context, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse (context, argc, argv, &error))
    return TRUE;
  g_printerr ("outpost: %s\n\n", error->message);
  {
    g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
    g_printerr ("%s", help);
  }
  return FALSE;
}

OutpostAccount *
outpost_cli_find_account (const char *name, GError **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GString) names = NULL;

  if (name != NULL)
    return outpost_account_load (name, error);
  accounts = outpost_account_list (error);
  if (accounts == NULL)
    return NULL;
  if (accounts->len == 1)
    return g_object_ref (g_ptr_array_index (accounts, 0));
  if (accounts->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No account is configured: add one with “outpost account add NAME --url URL”"));
      return NULL;
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < accounts->len; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "",
                            outpost_account_get_name (g_ptr_array_index (accounts, i)));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("There are several accounts (%s): choose one with --account"), names->str);
  return NULL;
}

void
outpost_cli_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* outpost-cli-record.c: `outpost record list|new|set|delete` on the local store. Changes are
 * journaled like the window's and go to the server at the next sync. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-cli-private.h"

typedef struct {
  OutpostAccount *account;
  OutpostStore   *store;
  OutpostEntity  *entity;
} RecordTarget;

static void
record_target_clear (RecordTarget *target)
{
  g_clear_object (&target->store);
  g_clear_object (&target->account);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RecordTarget, record_target_clear)

static void
on_busy (OutpostStore *store, gpointer user_data)
{
  g_printerr ("%s\n", _("Synchronization is writing; your change will be saved as soon as it is done…"));
}

/* Opens the account's store and finds @name as a logical name or an entity set name. */
static gboolean
record_target_open (RecordTarget *target, const char *account, const char *name, GError **error)
{
  OutpostProfile *profile;

  target->account = outpost_cli_find_account (account, error);
  if (target->account == NULL)
    return FALSE;
  target->store = outpost_account_open_store (target->account, error);
  if (target->store == NULL)
    return FALSE;
  outpost_store_set_busy_func (target->store, on_busy, NULL);
  profile = outpost_store_get_profile (target->store);
  target->entity = outpost_profile_lookup_entity (profile, name);
  if (target->entity == NULL)
    target->entity = outpost_profile_lookup_entity_set (profile, name);
  if (target->entity != NULL)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("“%s” is not an entity of this account's profile"), name);
  return FALSE;
}

static void
print_record_line (OutpostEntity *entity, OutpostRecord *record)
{
  g_autoptr(GString) line = g_string_new (record->id);

  for (guint i = 0; entity->list_columns != NULL && entity->list_columns[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (record->values, entity->list_columns[i]);
      g_autofree char *text = NULL;

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        text = json_node_get_value_type (node) == G_TYPE_STRING
               ? g_strdup (json_node_get_string (node))
               : json_to_string (node, FALSE);
      g_string_append_c (line, '\t');
      g_string_append (line, text ? text : "");
    }
  if (record->state != OUTPOST_ROW_SYNCED)
    g_string_append_printf (line, "\t[%s]", outpost_row_state_to_string (record->state));
  g_print ("%s\n", line->str);
}

static JsonNode *
record_to_json (OutpostRecord *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, record->id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, outpost_row_state_to_string (record->state));
  json_builder_set_member_name (builder, "values");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), record->values));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Pages through the query with the keyset cursor, never the whole table at once. */
static gboolean
list_records (RecordTarget *target, const char *search, gboolean json, gint limit, GError **error)
{
  OutpostQuery query = { .search = search, .limit = 500 };
  g_autoptr(JsonArray) all = json ? json_array_new () : NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *after_id = NULL;
  gint printed = 0;

  for (;;)
    {
      g_autoptr(GPtrArray) page = outpost_store_query (target->store, target->entity->logical_name,
                                                       &query, error);
      OutpostRecord *last;
      const char *sort;

      if (page == NULL)
        return FALSE;
      for (guint i = 0; i < page->len && (limit <= 0 || printed < limit); i++, printed++)
        {
          if (json)
            json_array_add_element (all, record_to_json (g_ptr_array_index (page, i)));
          else
            print_record_line (target->entity, g_ptr_array_index (page, i));
        }
      if (page->len < query.limit || (limit > 0 && printed >= limit))
        break;
      last = g_ptr_array_index (page, page->len - 1);
      sort = target->entity->list_columns ? target->entity->list_columns[0] : target->entity->primary_name;
      g_clear_pointer (&after, json_node_unref);
      after = json_object_get_member (last->values, sort)
              ? json_node_copy (json_object_get_member (last->values, sort))
              : json_node_new (JSON_NODE_NULL);
      g_free (after_id);
      after_id = g_strdup (last->id);
      query.after_value = after;
      query.after_id = after_id;
    }
  if (json)
    {
      g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), all);
      outpost_cli_print_json (root);
    }
  return TRUE;
}

static int
record_list (RecordTarget *target, int argc, char **argv, const char *account)
{
  g_autofree char *search = NULL;
  gboolean json = FALSE;
  gint limit = 0;
  GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("Full-text search"), "TEXT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N records"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ENTITY — list records"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  if (argc != 2)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost record list ENTITY [--search TEXT] [--json]"));
  if (!record_target_open (target, account, argv[1], &error) ||
      !list_records (target, search, json, limit, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  return 0;
}

static int
record_write (RecordTarget *target, const char *verb, int argc, char **argv, const char *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) values = NULL;
  gboolean is_new = g_str_equal (verb, "new");
  guint first_assignment = is_new ? 2 : 3;
  g_autofree char *id = NULL;

  if ((guint) argc < first_assignment || (g_str_equal (verb, "delete") && argc != 3))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost record new ENTITY FIELD=VALUE… | set ENTITY ID FIELD=VALUE… | delete ENTITY ID"));
  if (!record_target_open (target, account, argv[1], &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  if (g_str_equal (verb, "delete"))
    {
      if (!outpost_store_delete (target->store, target->entity->logical_name, argv[2], &error))
        return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
      return 0;
    }
  values = outpost_cli_parse_assignments (target->entity, argv + first_assignment, &error);
  if (values == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", error->message);
  if (is_new)
    {
      id = outpost_store_create (target->store, target->entity->logical_name, values, &error);
      if (id == NULL)
        return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
      g_print ("%s\n", id);
      return 0;
    }
  if (!outpost_store_update (target->store, target->entity->logical_name, argv[2], values, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  return 0;
}

int
outpost_cli_record (int argc, char **argv)
{
  g_autofree char *account = NULL;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account, N_("Account"), "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("list|new|set|delete ENTITY …"));
  g_auto(RecordTarget) target = { NULL };
  const char *verb;

  /* Only --account is parsed here; the verb's own options are left for it. */
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  verb = argc >= 2 ? argv[1] : "";
  if (g_str_equal (verb, "list"))
    return record_list (&target, argc - 1, argv + 1, account);
  if (g_str_equal (verb, "new") || g_str_equal (verb, "set") || g_str_equal (verb, "delete"))
    return record_write (&target, verb, argc - 1, argv + 1, account);
  return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost record list|new|set|delete ENTITY …"));
}

/* outpost-cli-status.c: `outpost status` — last sync per table, unsynced changes, errors,
 * conflicts and the last runs, as text or JSON. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "outpost-cli-private.h"
#include "outpost-store-sync.h"

/* One "name": value member; keeps the builders below one line per member. */
static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder, const char *name, gboolean value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_object (JsonBuilder *builder, const char *name, JsonObject *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), value));
}

static void
add_tables (JsonBuilder *builder, OutpostStore *store)
{
  OutpostProfile *profile = outpost_store_get_profile (store);

  json_builder_set_member_name (builder, "tables");
  json_builder_begin_array (builder);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);
      g_autoptr(OutpostTableState) state = outpost_store_get_table_state (store, entity->logical_name, NULL);
      gint64 unsynced = outpost_store_count_unsynced (store, entity->logical_name, NULL);

      json_builder_begin_object (builder);
      add_string (builder, "entity", entity->logical_name);
      add_int (builder, "records", outpost_store_count (store, entity->logical_name, NULL, NULL));
      add_int (builder, "unsynced", MAX (unsynced, 0));
      add_string (builder, "last_sync", state ? state->last_sync : NULL);
      add_bool (builder, "full_sync_owed", state ? state->full_sync_owed : TRUE);
      add_bool (builder, "full_sync_in_progress", state && state->checkpoint != NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_errors (JsonBuilder *builder, OutpostStore *store)
{
  g_autoptr(GPtrArray) errors = outpost_store_list_errors (store, NULL);

  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    {
      OutpostSyncErrorRow *row = g_ptr_array_index (errors, i);
      json_builder_begin_object (builder);
      add_int (builder, "id", row->id);
      add_string (builder, "entity", row->entity);
      add_string (builder, "record", row->record_id);
      add_string (builder, "message", row->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_conflicts (JsonBuilder *builder, OutpostStore *store)
{
  g_autoptr(GPtrArray) conflicts = outpost_store_list_conflicts (store, NULL);

  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      OutpostConflict *conflict = g_ptr_array_index (conflicts, i);
      json_builder_begin_object (builder);
      add_int (builder, "id", conflict->id);
      add_string (builder, "entity", conflict->entity);
      add_string (builder, "record", conflict->record_id);
      add_object (builder, "local", conflict->local);
      add_object (builder, "server", conflict->server);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_runs (JsonBuilder *builder, OutpostStore *store)
{
  g_autoptr(GPtrArray) runs = outpost_store_list_runs (store, 5, NULL);

  json_builder_set_member_name (builder, "runs");
  json_builder_begin_array (builder);
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      OutpostSyncRun *run = g_ptr_array_index (runs, i);
      json_builder_begin_object (builder);
      add_string (builder, "kind", run->kind);
      add_string (builder, "status", run->status);
      add_int (builder, "started", run->started);
      add_int (builder, "ended", run->ended);
      add_int (builder, "downloaded", run->downloaded);
      add_int (builder, "uploaded", run->uploaded);
      add_int (builder, "conflicts", run->conflicts);
      add_int (builder, "errors", run->errors);
      add_string (builder, "message", run->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static JsonNode *
build_status (OutpostAccount *account, OutpostStore *store)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "account", outpost_account_get_name (account));
  add_string (builder, "url", outpost_account_get_url (account));
  add_int (builder, "unsynced", MAX (outpost_store_count_unsynced (store, NULL, NULL), 0));
  add_tables (builder, store);
  add_errors (builder, store);
  add_conflicts (builder, store);
  add_runs (builder, store);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
print_text (JsonObject *status)
{
  JsonArray *tables = json_object_get_array_member (status, "tables");
  JsonArray *runs = json_object_get_array_member (status, "runs");

  g_print (_("Account %s (%s): %" PRId64 " records with unsynced changes, %u sync errors, %u conflicts\n"),
           json_object_get_string_member (status, "account"),
           json_object_get_string_member (status, "url"),
           json_object_get_int_member (status, "unsynced"),
           json_array_get_length (json_object_get_array_member (status, "errors")),
           json_array_get_length (json_object_get_array_member (status, "conflicts")));
  for (guint i = 0; i < json_array_get_length (tables); i++)
    {
      JsonObject *t = json_array_get_object_element (tables, i);
      const char *last = json_object_get_string_member (t, "last_sync");
      g_print ("  %-12s %8" G_GINT64_FORMAT " records  %5" G_GINT64_FORMAT " unsynced  last sync %s%s\n",
               json_object_get_string_member (t, "entity"),
               json_object_get_int_member (t, "records"),
               json_object_get_int_member (t, "unsynced"),
               last ? last : _("never"),
               json_object_get_boolean_member (t, "full_sync_owed") ? _(" (full sync owed)") : "");
    }
  if (json_array_get_length (runs) > 0)
    {
      JsonObject *r = json_array_get_object_element (runs, 0);
      const char *message = json_object_get_string_member (r, "message");
      g_print (_("Last sync: %s %s%s%s\n"), json_object_get_string_member (r, "kind"),
               json_object_get_string_member (r, "status"), message ? " — " : "", message ? message : "");
    }
}

int
outpost_cli_status (int argc, char **argv)
{
  g_autofree char *name = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &name, N_("Account"), "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— show the synchronization state"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(OutpostStore) store = NULL;
  g_autoptr(JsonNode) status = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  account = outpost_cli_find_account (name, &error);
  if (account == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  store = outpost_account_open_store (account, &error);
  if (store == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  status = build_status (account, store);
  if (json)
    outpost_cli_print_json (status);
  else
    print_text (json_node_get_object (status));
  return 0;
}

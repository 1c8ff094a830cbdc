/* outpost-store-state.c: rebasing after a merge, conflicts, sync errors, per-table sync state
 * and the sync log. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

static gboolean
step_text2 (OutpostStore *self, const char *sql, const char *a, const char *b, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

/* UPDATE t SET <values>, <extra> WHERE __id = id; @extra may use :arg (= @text_arg) */
static gboolean
write_columns (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *values,
               const char *extra, const char *text_arg, GError **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  sqlite3_stmt *stmt;

  g_string_printf (sql, "UPDATE %s SET __rowid = __rowid", t->table);
  if (values != NULL)
    outpost_table_change_columns (t, values, sql, binds);
  g_string_append_printf (sql, ", %s WHERE __id = :id", extra);
  if ((stmt = outpost_store_prepare (self, sql->str, error)) == NULL)
    return FALSE;
  outpost_bind_all (stmt, binds);
  if (sqlite3_bind_parameter_index (stmt, ":arg") > 0)
    sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":arg"), text_arg, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":id"), id, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

/* ---- rebase -------------------------------------------------------------------------------------- */

static JsonObject *
rebase_base (JsonObject *server, JsonObject *old_base, OutpostRecord *current, JsonObject *local)
{
  JsonObject *base = json_object_new ();
  g_autoptr(GList) keys = json_object_get_members (local);

  for (GList *l = keys; l; l = l->next)
    {
      JsonObject *from = json_object_has_member (server, l->data) ? server
                         : (old_base && json_object_has_member (old_base, l->data)) ? old_base
                         : current->values;
      JsonNode *v = json_object_has_member (from, l->data) ? json_object_get_member (from, l->data) : NULL;
      json_object_set_member (base, l->data, v ? json_node_copy (v) : json_node_new (JSON_NODE_NULL));
    }
  return base;
}

static gboolean
do_rebase (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *server,
           const char *etag, JsonObject *local, GError **error)
{
  const char *e = t->entity->logical_name;
  g_autoptr(JsonObject) old_base = outpost_store_get_base (self, e, id, NULL);
  g_autoptr(OutpostRecord) current = outpost_store_get (self, e, id, error);
  g_autoptr(JsonObject) base = NULL;
  g_autofree char *base_json = NULL;
  gboolean has_local = local != NULL && json_object_get_size (local) > 0;

  if (current == NULL ||
      !write_columns (self, t, id, server, "__etag = :arg", etag, error) ||
      !step_text2 (self, "DELETE FROM outpost_sync_error WHERE journal_seq IN (SELECT seq FROM"
                   " outpost_journal WHERE entity = ?1 AND record_id = ?2 AND op = 1)", e, id, error) ||
      !step_text2 (self, "DELETE FROM outpost_journal WHERE entity = ?1 AND record_id = ?2 AND op = 1",
                   e, id, error))
    return FALSE;
  if (!has_local)
    return write_columns (self, t, id, NULL, "__state = 0, __base = :arg", NULL, error) &&
           outpost_store_set_issue_flags (self, e, id, error);
  base = rebase_base (server, old_base, current, local);
  base_json = outpost_json_object_to_string (base);
  return write_columns (self, t, id, local, "__state = 2, __base = :arg", base_json, error) &&
         outpost_journal_append (self, OUTPOST_JOURNAL_UPDATE, e, id, local, NULL, NULL, NULL, error) >= 0 &&
         outpost_store_set_issue_flags (self, e, id, error);
}

gboolean
outpost_store_rebase (OutpostStore *self, const char *entity, const char *id,
                      JsonObject *server_values, const char *etag, JsonObject *local_changes,
                      GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  gboolean ok;

  if (t == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = do_rebase (self, t, lid, server_values, etag, local_changes, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

/* outpost-store-email.c: see the header. The table is local-only and created on first use,
 * so databases of any schema version get it without a migration. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-email.h"
#include "outpost-store-private.h"

static gboolean
ensure_table (OutpostStore *store, GError **error)
{
  return outpost_store_exec (store, "CREATE TABLE IF NOT EXISTS outpost_email_send ("
                                    " id TEXT PRIMARY KEY, marked INTEGER NOT NULL)", error);
}

static gboolean
run_with_id (OutpostStore *store, const char *sql, const char *id, GError **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_table (store, error) || (stmt = outpost_store_prepare (store, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, outpost_store_now ());
  return outpost_store_step_done (store, stmt, error);
}

gboolean
outpost_store_email_mark_send (OutpostStore *store, const char *id, GError **error)
{
  g_autoptr(OutpostRecord) record = outpost_store_get (store, "email", id, error);

  if (record == NULL)
    return FALSE;
  if (record->state == OUTPOST_ROW_LOCALLY_DELETED)
    {
      g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
                   _("The email %s was deleted"), id);
      return FALSE;
    }
  return run_with_id (store, "INSERT INTO outpost_email_send (id, marked) VALUES (?1, ?2)"
                             " ON CONFLICT (id) DO NOTHING", id, error);
}

gboolean
outpost_store_email_unmark_send (OutpostStore *store, const char *id, GError **error)
{
  return run_with_id (store, "DELETE FROM outpost_email_send WHERE id = ?1", id, error);
}

gboolean
outpost_store_email_sent (OutpostStore *store, const char *id, GError **error)
{
  return outpost_store_email_unmark_send (store, id, error);
}

GPtrArray *
outpost_store_email_list_marked (OutpostStore *store, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_table (store, error) ||
      (stmt = outpost_store_prepare (store, "SELECT id FROM outpost_email_send ORDER BY marked, rowid",
                                     error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return (outpost_store_sqlite_error (store, error, _("Could not read the emails to send")), NULL);
  return g_steal_pointer (&ids);
}

gboolean
outpost_store_email_is_marked (OutpostStore *store, const char *id)
{
  g_autoptr(GPtrArray) ids = outpost_store_email_list_marked (store, NULL);

  for (guint i = 0; ids && i < ids->len; i++)
    if (g_str_equal (g_ptr_array_index (ids, i), id))
      return TRUE;
  return FALSE;
}

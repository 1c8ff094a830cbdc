/* outpost-store-journal.c: writing the change journal, with coalescing.
 *
 * Coalescing rule: a user update merges into the record's LAST journal entry when that entry
 * is a PENDING create or update (so order relative to other entries of the record is kept).
 * IN_FLIGHT, FAILED and IGNORED entries are never touched: they may already be on the server. */
#include "config.h"

#include "outpost-store-private.h"

#define APPEND_SQL \
  "INSERT INTO outpost_journal (op, status, entity, record_id, fields, relationship," \
  " related_entity, related_id, created) VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"

/* One entry per user write: the statement is kept on the store (no lookup of its text), every
 * parameter bound each time, strings without a copy (they outlive the step). */
gint64
outpost_journal_append (OutpostStore *self, OutpostJournalOp op, const char *entity,
                        const char *record_id, JsonObject *fields, const char *relationship,
                        const char *related_entity, const char *related_id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare_cached (self, &self->journal_stmt, APPEND_SQL, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int (stmt, 1, op);
  sqlite3_bind_text (stmt, 2, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, record_id, -1, SQLITE_STATIC);
  if (fields != NULL)
    sqlite3_bind_text (stmt, 4, outpost_json_object_to_string (fields), -1, g_free);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_text (stmt, 5, relationship, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, related_entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, related_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, outpost_store_now ());
  if (!outpost_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_last_insert_rowid (self->db);
}

static gboolean
merge_into (OutpostStore *self, gint64 seq, const char *old_fields, JsonObject *changes,
            GError **error)
{
  g_autoptr(JsonObject) merged = outpost_json_object_from_string (old_fields);
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;
  sqlite3_stmt *stmt;

  if (merged == NULL)
    merged = json_object_new ();
  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &key, &node))
    json_object_set_member (merged, key, json_node_copy (node));
  stmt = outpost_store_prepare (self, "UPDATE outpost_journal SET fields = ?2 WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, outpost_json_object_to_string (merged), -1, g_free);
  return outpost_store_step_done (self, stmt, error);
}

gboolean
outpost_journal_record_update (OutpostStore *self, const char *entity, const char *record_id,
                               JsonObject *changes, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT seq, op, status, fields FROM outpost_journal WHERE entity = ?1 AND record_id = ?2"
    " ORDER BY seq DESC LIMIT 1", error);
  g_autofree char *fields = NULL;
  gint64 seq = -1;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, record_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_int (stmt, 2) == OUTPOST_JOURNAL_PENDING &&
      (sqlite3_column_int (stmt, 1) == OUTPOST_JOURNAL_CREATE ||
       sqlite3_column_int (stmt, 1) == OUTPOST_JOURNAL_UPDATE))
    {
      seq = sqlite3_column_int64 (stmt, 0);
      fields = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);
  if (seq >= 0)
    return merge_into (self, seq, fields, changes, error);
  return outpost_journal_append (self, OUTPOST_JOURNAL_UPDATE, entity, record_id, changes,
                                 NULL, NULL, NULL, error) >= 0;
}

/* Recomputes the row's __issues bits from the sync error and conflict tables. */
gboolean
outpost_store_set_issue_flags (OutpostStore *self, const char *entity, const char *record_id,
                               GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, NULL);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  if (t == NULL)
    return TRUE;
  sql = g_strdup_printf (
    "UPDATE %s SET __issues ="
    " (EXISTS (SELECT 1 FROM outpost_sync_error WHERE entity = ?1 AND record_id = ?2)) |"
    " (EXISTS (SELECT 1 FROM outpost_conflict WHERE entity = ?1 AND record_id = ?2) << 1)"
    " WHERE __id = ?2", t->table);
  stmt = outpost_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, record_id, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

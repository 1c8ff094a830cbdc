/* outpost-store-fts.c: inserting entity rows together with their full-text index entry.
 *
 * Every insert into an entity table goes through outpost_table_insert_row(): the row, then
 * its FTS row with the same values, both plain single-row INSERT ... VALUES statements. Such
 * statements need no statement savepoint, so FTS5 keeps the new terms in memory until the
 * transaction commits and writes them as one segment (an AFTER INSERT trigger would force a
 * savepoint, and with it a segment, per row). Readers see the row and its index entry in the
 * same commit. Updates and deletes are followed by triggers (outpost-schema.c). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

/* The FTS columns: the searchable fields, or the primary name when none is marked (the same
 * choice as the schema's fts_columns()). */
void
outpost_table_init_fts (OutpostTable *t)
{
  OutpostEntity *e = t->entity;
  g_autoptr(GString) cols = g_string_new (NULL);
  g_autoptr(GString) marks = g_string_new ("?1");

  t->fts_fields = g_ptr_array_new ();
  for (guint i = 0; i < e->fields->len; i++)
    if (((OutpostField *) e->fields->pdata[i])->searchable)
      g_ptr_array_add (t->fts_fields, e->fields->pdata[i]);
  if (t->fts_fields->len == 0)
    g_ptr_array_add (t->fts_fields, outpost_entity_lookup_field (e, e->primary_name));
  for (guint i = 0; i < t->fts_fields->len; i++)
    {
      g_string_append_printf (cols, ", \"%s\"", ((OutpostField *) t->fts_fields->pdata[i])->name);
      g_string_append_printf (marks, ", ?%u", i + 2);
    }
  t->fts_insert_sql = g_strdup_printf ("INSERT INTO %s (rowid%s) VALUES (%s)", t->fts,
                                       cols->str, marks->str);
}

sqlite3_stmt *
outpost_store_prepare_cached (OutpostStore *self, sqlite3_stmt **slot, const char *sql,
                              GError **error)
{
  /* kept on the table: no hashing of the long SQL text per row */
  if (*slot == NULL)
    *slot = outpost_store_prepare (self, sql, error);
  return *slot;
}

void
outpost_table_bind_row (OutpostTable *t, sqlite3_stmt *stmt, const char *id, const char *etag,
                        OutpostRowState state, gint64 generation, JsonObject *values)
{
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, etag, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, state);
  sqlite3_bind_int (stmt, 4, 0);
  sqlite3_bind_int64 (stmt, 5, generation);
  sqlite3_bind_null (stmt, 6);
  outpost_bind_row_values (t, stmt, OUTPOST_COL_FIRST_FIELD + 1, values);
}

static gint
step_insert (OutpostStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      outpost_store_sqlite_error (self, error, _("Could not write to the database"));
      return -1;
    }
  return sqlite3_changes (self->db) > 0 ? 1 : 0;
}

static gboolean
insert_fts (OutpostStore *self, OutpostTable *t, gint64 rowid, JsonObject *values, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare_cached (self, &t->fts_stmt, t->fts_insert_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  for (guint i = 0; i < t->fts_fields->len; i++)
    outpost_bind_json_static (stmt, (int) i + 2,
                              json_object_get_member (values, ((OutpostField *) t->fts_fields->pdata[i])->name));
  return step_insert (self, stmt, error) >= 0;
}

static gint
insert_both (OutpostStore *self, OutpostTable *t, const char *id, const char *etag,
             OutpostRowState state, gint64 generation, JsonObject *values, gboolean if_new,
             GError **error)
{
  sqlite3_stmt *stmt = if_new ? outpost_store_prepare_cached (self, &t->apply_stmt, t->apply_sql, error)
                              : outpost_store_prepare (self, t->insert_sql, error);
  gint inserted;

  if (stmt == NULL)
    return -1;
  outpost_table_bind_row (t, stmt, id, etag, state, generation, values);
  if ((inserted = step_insert (self, stmt, error)) <= 0)
    return inserted;
  if (!insert_fts (self, t, sqlite3_last_insert_rowid (self->db), values, error))
    {
      /* the row is in, its index entry is not: the transaction must not commit */
      self->broken_depth = self->tx_depth;
      return -1;
    }
  return 1;
}

gint
outpost_table_insert_row (OutpostStore *self, OutpostTable *t, const char *id, const char *etag,
                          OutpostRowState state, gint64 generation, JsonObject *values,
                          gboolean if_new, GError **error)
{
  gint inserted;

  /* inside the caller's transaction (the sync's page, a user write): no savepoint of our own,
   * it would make FTS5 flush; a failure halfway marks the transaction broken instead */
  if (self->tx_depth > 0)
    return insert_both (self, t, id, etag, state, generation, values, if_new, error);
  if (!outpost_store_tx_begin (self, error))
    return -1;
  inserted = insert_both (self, t, id, etag, state, generation, values, if_new, error);
  if (!outpost_store_tx_end (self, inserted >= 0, inserted >= 0 ? error : NULL))
    return -1;
  return inserted;
}

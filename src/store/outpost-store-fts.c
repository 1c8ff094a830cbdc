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

/* UPDATE of a server row that leaves the FTS columns out, in replace_sql's binding layout:
 * without them the update trigger is not part of the statement, so no statement savepoint and
 * no FTS5 flush per row (measured 14k -> 380k updates/CPU-s). */
static void
init_replace_keep_fts (OutpostTable *t)
{
  OutpostEntity *e = t->entity;
  g_autoptr(GString) sql = g_string_new (NULL);
  guint n = OUTPOST_COL_FIRST_FIELD;

  g_string_printf (sql, "UPDATE %s SET __etag = ?2, __state = ?3, __issues = ?4, __generation = ?5,"
                   " __base = ?6", t->table);
  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = e->fields->pdata[i];
      n++;
      if (!g_ptr_array_find (t->fts_fields, f, NULL))
        g_string_append_printf (sql, ", \"%s\" = ?%u", f->name, n);
    }
  for (guint i = 0; i < t->lookups->len; i++)
    g_string_append_printf (sql, ", \"__target_%s\" = ?%u",
                            ((OutpostField *) t->lookups->pdata[i])->name, ++n);
  g_string_append (sql, " WHERE __id = ?1");
  t->replace_keep_fts_sql = g_strdup (sql->str);
}

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
  t->fts_select_sql = g_strdup_printf ("SELECT %s FROM %s WHERE __id = ?1", cols->str + 2, t->table);
  init_replace_keep_fts (t);
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
                        OutpostRowState state, gint64 generation, JsonObject *values,
                        JsonNode **nodes)
{
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, etag, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, state);
  sqlite3_bind_int (stmt, 4, 0);
  sqlite3_bind_int64 (stmt, 5, generation);
  sqlite3_bind_null (stmt, 6);
  outpost_bind_row_values (t, stmt, OUTPOST_COL_FIRST_FIELD + 1, values, nodes);
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

/* @nodes: the row's values by column, as outpost_table_bind_row found them */
static gboolean
insert_fts (OutpostStore *self, OutpostTable *t, gint64 rowid, JsonNode **nodes, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare_cached (self, &t->fts_stmt, t->fts_insert_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  for (guint i = 0; i < t->fts_fields->len; i++)
    outpost_bind_json_static (stmt, (int) i + 2, nodes[t->fts_cols[i]]);
  return step_insert (self, stmt, error) >= 0;
}

static gint
insert_both (OutpostStore *self, OutpostTable *t, const char *id, const char *etag,
             OutpostRowState state, gint64 generation, JsonObject *values, gboolean if_new,
             GError **error)
{
  sqlite3_stmt *stmt = if_new ? outpost_store_prepare_cached (self, &t->apply_stmt, t->apply_sql, error)
                              : outpost_store_prepare_cached (self, &t->insert_stmt, t->insert_sql, error);
  JsonNode **nodes = g_newa (JsonNode *, t->n_values);
  gint inserted;

  if (stmt == NULL)
    return -1;
  outpost_table_bind_row (t, stmt, id, etag, state, generation, values, nodes);
  if ((inserted = step_insert (self, stmt, error)) <= 0)
    return inserted;
  if (!insert_fts (self, t, sqlite3_last_insert_rowid (self->db), nodes, error))
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

static gboolean
same_text (sqlite3_stmt *stmt, int col, JsonNode *v)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return v == NULL || JSON_NODE_HOLDS_NULL (v);
  /* anything but text on either side counts as changed: the trigger then does it right */
  return v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING &&
         sqlite3_column_type (stmt, col) == SQLITE_TEXT &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, col), json_node_get_string (v)) == 0;
}

gboolean
outpost_table_fts_unchanged (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *values)
{
  sqlite3_stmt *stmt = outpost_store_prepare_cached (self, &t->fts_select_stmt, t->fts_select_sql, NULL);
  gboolean same = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      same = TRUE;
      for (guint i = 0; same && i < t->fts_fields->len; i++)
        same = same_text (stmt, (int) i,
                          json_object_get_member (values, ((OutpostField *) t->fts_fields->pdata[i])->name));
    }
  sqlite3_reset (stmt);
  return same;
}

/* outpost-store-bulk.c: loading a full sync into an entity that has no synced rows yet.
 *
 * Row by row, every insert updates the GUID index, the sort and lookup indexes and the FTS
 * index at random places. A first full sync instead writes the server's rows into a staging
 * table "b_<entity>" without any index, committed page by page like any download (the sync's
 * page checkpoint stays consistent with it, so an interrupted load resumes). Readers never see
 * the staging table. outpost_store_end_bulk() then, in ONE transaction, builds the GUID's unique
 * index, moves the rows the user created meanwhile over, swaps the tables, builds each other
 * index with one sort and fills the FTS index in one pass: readers see either the table before
 * or the complete table with every index in step, never a half-loaded one.
 *
 * Local changes still win: a server row whose id has local changes in the entity table is not
 * staged (OUTPOST_APPLY_LOCAL_CHANGES, as in the row-by-row path), and at the end a local row
 * with changes keeps its version. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

static gint
staging_exists (OutpostStore *self, OutpostTable *t, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'b_' || ?1", error);
  gint n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, t->entity->logical_name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  else
    outpost_store_sqlite_error (self, error, _("Could not read the schema"));
  sqlite3_reset (stmt);
  return n;
}

static gint
has_synced_rows (OutpostStore *self, OutpostTable *t, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT EXISTS (SELECT 1 FROM %s WHERE __state = 0)",
                                          t->table);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  gint n = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  else
    outpost_store_sqlite_error (self, error, _("Could not read records"));
  sqlite3_reset (stmt);
  return n;
}

/* Decides and, if so, creates the staging table. */
static gboolean
start (OutpostStore *self, OutpostTable *t, gboolean *active, GError **error)
{
  gint staged = staging_exists (self, t, error);
  gint synced;
  g_autofree char *sql = NULL;

  if (staged < 0)
    return FALSE;
  if (staged > 0)  /* an interrupted load: carry on */
    return (*active = TRUE);
  if ((synced = has_synced_rows (self, t, error)) < 0)
    return FALSE;
  if (synced > 0)
    return TRUE;
  sql = outpost_schema_create_table_sql (t, t->staging, FALSE);
  return (*active = outpost_store_exec (self, sql, error));
}

/* The connection's memory while a bulk load runs. The store's defaults (a 64 MB page cache,
 * up to 256 MB of the file mapped, temporary data in memory) suit a reader; the load's index
 * and FTS builds at end_bulk sort the whole table, and with those defaults the sort, the
 * mapped file and the cache all counted in the process's memory: 1M rows peaked at 521 MB.
 * With a small cache, no mapping and temporary files on disk, the sorts spill to a temporary
 * file instead. Set here, outside a transaction (temp_store cannot change inside one), they
 * stay for the rest of the connection: the sync opens its own for each run, and the sweep
 * right after end_bulk reads the whole table (mapped, that was the file's size again). */
#define BULK_LIMITS "PRAGMA temp_store=FILE; PRAGMA cache_size=-16384; PRAGMA mmap_size=0"

gboolean
outpost_store_begin_bulk (OutpostStore *self, const char *entity, gboolean *active,
                          GError **error)
{
  OutpostTable *t;
  gboolean on = FALSE, ok;

  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  if (active != NULL)
    *active = FALSE;
  if ((t = outpost_store_table (self, entity, error)) == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = start (self, t, &on, error);
  if (!outpost_store_tx_end (self, ok, ok ? error : NULL))
    return FALSE;
  t->bulk = on;
  if (active != NULL)
    *active = on;
  if (on && self->tx_depth == 0)
    return outpost_store_exec (self, BULK_LIMITS, error);
  return TRUE;
}

OutpostApplyResult
outpost_bulk_apply (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *values,
                    const char *etag, gint64 generation, GError **error)
{
  gint state = outpost_server_row_state (self, t, id, NULL, error);
  sqlite3_stmt *stmt;
  int rc;

  if (state == -2)
    return OUTPOST_APPLY_UNCHANGED;
  if (state > 0)
    return OUTPOST_APPLY_LOCAL_CHANGES;
  if ((stmt = outpost_store_prepare_cached (self, &t->bulk_stmt, t->bulk_sql, error)) == NULL)
    return OUTPOST_APPLY_UNCHANGED;
  outpost_table_bind_row (t, stmt, id, etag, OUTPOST_ROW_SYNCED, generation, values, NULL);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      outpost_store_sqlite_error (self, error, _("Could not write to the database"));
      return OUTPOST_APPLY_UNCHANGED;
    }
  return OUTPOST_APPLY_WRITTEN;
}

/* TRUE when @sql failed on a constraint (the error is dropped then), FALSE on success or any
 * other error (in @error). */
static gboolean
refused (OutpostStore *self, const char *sql, gboolean *failed, GError **error)
{
  g_autoptr(GError) local = NULL;

  *failed = FALSE;
  if (outpost_store_exec (self, sql, &local))
    return FALSE;
  if ((sqlite3_extended_errcode (self->db) & 0xff) == SQLITE_CONSTRAINT)
    return TRUE;
  *failed = TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* The staging table's unique index on __id, built with one sort at the end: indexing every
 * row's GUID as it came cost the load about as much as the row itself, the GUIDs landing at
 * random places in the index (1M rows: bulk load 0.6x -> 0.7x a bare INSERT). A row staged
 * twice (a page again after a resume, a row on two pages) makes the unique index refuse: then
 * every copy but the last staged goes, as an upsert would have done. A staging table of an
 * older version has its unique __id already (an autoindex, sql NULL): nothing to build. The
 * entity table of an earlier bulk load has an index of that name: it goes with its table. */
static gboolean
index_staged_ids (OutpostStore *self, OutpostTable *t, GError **error)
{
  const char *n = t->entity->logical_name;
  g_autofree char *has_sql = g_strdup_printf (
    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'b_%s' AND sql IS NULL", n);
  g_autofree char *create = g_strdup_printf (
    "DROP INDEX IF EXISTS \"e_%s__id\"; CREATE UNIQUE INDEX \"e_%s__id\" ON %s (__id)", n, n, t->staging);
  g_autofree char *dedupe = g_strdup_printf (
    "DELETE FROM %s WHERE __rowid NOT IN (SELECT max(__rowid) FROM %s GROUP BY __id)",
    t->staging, t->staging);
  sqlite3_stmt *stmt = outpost_store_prepare (self, has_sql, error);
  gboolean failed, has_unique;

  if (stmt == NULL)
    return FALSE;
  has_unique = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) > 0;
  sqlite3_reset (stmt);
  if (has_unique)
    return TRUE;
  if (!refused (self, create, &failed, error))
    return !failed;
  return outpost_store_exec (self, dedupe, error) && outpost_store_exec (self, create, error);
}

/* Rows of the entity table that stay: those with local changes (they win over the staged
 * server version) and any other row the server did not send. Then the swap. */
static gboolean
swap_tables (OutpostStore *self, OutpostTable *t, GError **error)
{
  const char *n = t->entity->logical_name;
  g_autofree char *sql = g_strdup_printf (
    "DELETE FROM %s WHERE __id IN (SELECT __id FROM %s WHERE __state != 0);"
    "INSERT INTO %s (%s) SELECT %s FROM %s WHERE __id NOT IN (SELECT __id FROM %s);"
    "DROP TABLE %s; DROP TABLE IF EXISTS %s;"
    "ALTER TABLE %s RENAME TO \"e_%s\";"
    "DELETE FROM outpost_meta WHERE key = 'fts:%s';",
    t->staging, t->table,
    t->staging, t->select_list, t->select_list, t->table, t->staging,
    t->table, t->fts,
    t->staging, n,
    n);

  return outpost_store_exec (self, sql, error);
}

gboolean
outpost_store_end_bulk (OutpostStore *self, const char *entity, GError **error)
{
  OutpostTable *t;
  gint staged;
  gboolean ok;

  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  if ((t = outpost_store_table (self, entity, error)) == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = (staged = staging_exists (self, t, error)) >= 0;
  if (ok && staged > 0)
    ok = index_staged_ids (self, t, error) &&
         swap_tables (self, t, error) &&
         outpost_schema_create_indexes (self, t, error) &&
         outpost_schema_create_fts (self, t, error);
  if (!outpost_store_tx_end (self, ok, ok ? error : NULL))
    return FALSE;
  t->bulk = FALSE;
  return TRUE;
}

gboolean
outpost_store_cancel_bulk (OutpostStore *self, const char *entity, GError **error)
{
  OutpostTable *t;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  if ((t = outpost_store_table (self, entity, error)) == NULL)
    return FALSE;
  sql = g_strdup_printf ("DROP TABLE IF EXISTS %s", t->staging);
  if (!outpost_store_exec (self, sql, error))
    return FALSE;
  t->bulk = FALSE;
  return TRUE;
}

/* outpost-schema.c: the layout of the store's file.
 *
 * Store tables (versioned with PRAGMA user_version, one migration step per version):
 *   outpost_meta          key/value (the profile JSON the entity tables were built from)
 *   outpost_journal       seq, op, status, entity, record_id, fields (JSON), relationship,
 *                         related_entity, related_id, attempts, created
 *   outpost_table_state   per entity: delta link, last sync, full sync owed, checkpoint, generation
 *   outpost_sync_run / outpost_sync_message / outpost_sync_error     the sync log and errors
 *   outpost_conflict      conflicts waiting for the user (v2)
 *   outpost_association   N:N links, state 0 synced / 1 added here / 2 removed here (v2)
 *
 * Entity tables follow the profile and are brought in line on every open:
 *   "e_<entity>"  __rowid INTEGER PRIMARY KEY, __id TEXT UNIQUE (the GUID), __etag, __state
 *                 (OutpostRowState), __issues (error/conflict bits), __generation (full-sync
 *                 stamp), __base (JSON: server values of locally changed fields), one typed
 *                 column per profile field, and __target_<f> per lookup (target entity).
 *                 A rowid table with the GUID as a UNIQUE column: inserts append to the b-tree
 *                 instead of landing at random places as a TEXT PRIMARY KEY WITHOUT ROWID would.
 *                 A table that came from a bulk load has its unique index on __id under the
 *                 name "e_<entity>__id" instead (built with one sort, outpost-store-bulk.c).
 *   "f_<entity>"  FTS5 over the searchable fields (external content = e_<entity>). Inserts
 *                 add their FTS row in the same transaction through outpost_table_insert_row(),
 *                 the only way the store inserts entity rows; updates and deletes are followed
 *                 by triggers. (An AFTER INSERT trigger makes every INSERT a multi-write
 *                 statement with a statement savepoint, and FTS5 in SQLite 3.40 flushes its
 *                 pending terms to a new segment at every savepoint release: one segment per
 *                 row, measured 14.6k rows/s with the trigger vs 35k without.)
 *   indexes       "e_<entity>__by_<col>" per sort column (OutpostEntity.sort_columns: the
 *                 profile chooses them) on (col) (keyset on col, __rowid); those of columns no
 *                 longer sortable are dropped on open,
 *                 "e_<entity>__ref_<f>" per lookup (partial: IS NOT NULL), partial indexes on
 *                 __state and __issues (only rows with local changes / issues).
 *   "b_<entity>"  only while a bulk load is pending: staging table of the same shape, but
 *                 without an index on __id (outpost-store-bulk.c), swapped in by
 *                 outpost_store_end_bulk().
 * Every name is validated by the profile (^[a-z_][a-z0-9_]*$) and quoted; field names cannot
 * start with "__", so the store's own columns never collide with the profile's. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

static const char *const migrations[] = {
  /* 1: journal, sync state, log, errors */
  "CREATE TABLE outpost_meta (key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE outpost_journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, op INTEGER NOT NULL,"
  "  status INTEGER NOT NULL DEFAULT 0, entity TEXT NOT NULL, record_id TEXT NOT NULL,"
  "  fields TEXT, relationship TEXT, related_entity TEXT, related_id TEXT,"
  "  attempts INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
  "CREATE INDEX outpost_journal_record ON outpost_journal (entity, record_id, seq);"
  "CREATE TABLE outpost_table_state (entity TEXT PRIMARY KEY, delta_link TEXT, last_sync TEXT,"
  "  full_sync_owed INTEGER NOT NULL DEFAULT 1, checkpoint TEXT,"
  "  generation INTEGER NOT NULL DEFAULT 0, profile_version INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE outpost_sync_run (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
  "  started INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,"
  "  downloaded INTEGER NOT NULL DEFAULT 0, uploaded INTEGER NOT NULL DEFAULT 0,"
  "  conflicts INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, message TEXT);"
  "CREATE TABLE outpost_sync_message (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,"
  "  entity TEXT, record_id TEXT, message TEXT NOT NULL, at INTEGER NOT NULL);"
  "CREATE INDEX outpost_sync_message_run ON outpost_sync_message (run_id);"
  "CREATE TABLE outpost_sync_error (id INTEGER PRIMARY KEY, journal_seq INTEGER,"
  "  entity TEXT NOT NULL, record_id TEXT NOT NULL, message TEXT, at INTEGER NOT NULL);",
  /* 2: conflicts and N:N associations */
  "CREATE TABLE outpost_conflict (id INTEGER PRIMARY KEY, entity TEXT NOT NULL,"
  "  record_id TEXT NOT NULL, local TEXT, server TEXT, base TEXT, server_etag TEXT,"
  "  at INTEGER NOT NULL);"
  "CREATE INDEX outpost_conflict_record ON outpost_conflict (entity, record_id);"
  "CREATE TABLE outpost_association (relationship TEXT NOT NULL, entity TEXT NOT NULL,"
  "  record_id TEXT NOT NULL, related_entity TEXT NOT NULL, related_id TEXT NOT NULL,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (relationship, entity, record_id, related_entity, related_id));"
  "CREATE INDEX outpost_association_related ON outpost_association"
  "  (relationship, related_entity, related_id);",
  /* 3: each upload completion deletes a journal entry's error and checks a record's errors; without
   * these indexes both scanned the whole table, slowing every completion when many errors stay */
  "CREATE INDEX outpost_sync_error_journal ON outpost_sync_error (journal_seq);"
  "CREATE INDEX outpost_sync_error_record ON outpost_sync_error (entity, record_id);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == OUTPOST_SCHEMA_VERSION);

static gboolean
db_error (sqlite3 *db, GError **error, const char *what)
{
  int code = sqlite3_errcode (db);

  g_set_error (error, OUTPOST_STORE_ERROR,
               (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) ? OUTPOST_STORE_ERROR_CORRUPT
                                                                 : OUTPOST_STORE_ERROR_FAILED,
               "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* Runs steps current+1 .. target, each in its own transaction with its version bump. */
gboolean
outpost_schema_migrate_core (sqlite3 *db, int target, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int current;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return db_error (db, error, _("Could not read the database version"));
    }
  current = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  for (int v = current + 1; v <= target; v++)
    {
      g_autofree char *sql = g_strdup_printf ("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                                              migrations[v - 1], v);
      if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
        {
          db_error (db, error, _("Could not upgrade the database"));
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- per-entity SQL ------------------------------------------------------------------------- */

char *
outpost_quote_ident (const char *prefix, const char *name)
{
  /* names are validated identifiers: quoting is for keywords, not for escaping */
  g_assert (outpost_identifier_is_valid (name));
  return g_strdup_printf ("\"%s%s\"", prefix, name);
}

static const char *
column_type (OutpostField *field)
{
  switch (field->type)
    {
    case OUTPOST_FIELD_STRING:
    case OUTPOST_FIELD_MEMO:
      return "TEXT COLLATE NOCASE";
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
    case OUTPOST_FIELD_BOOLEAN:
    case OUTPOST_FIELD_PICKLIST:
    case OUTPOST_FIELD_STATE:
    case OUTPOST_FIELD_STATUS:
      return "INTEGER";
    case OUTPOST_FIELD_DECIMAL:
    case OUTPOST_FIELD_DOUBLE:
    case OUTPOST_FIELD_MONEY:
      return "REAL";
    case OUTPOST_FIELD_DATETIME:
    case OUTPOST_FIELD_MULTI_PICKLIST:
    case OUTPOST_FIELD_LOOKUP:
    case OUTPOST_FIELD_UNIQUEIDENTIFIER:
    default:
      return "TEXT";
    }
}

OutpostTable *
outpost_table_new (OutpostEntity *entity)
{
  OutpostTable *t = g_new0 (OutpostTable, 1);
  g_autoptr(GString) cols = g_string_new ("__id, __etag, __state, __issues, __generation, __base");
  g_autoptr(GString) marks = g_string_new ("?1, ?2, ?3, ?4, ?5, ?6");
  g_autoptr(GString) sets = g_string_new ("__etag = ?2, __state = ?3, __issues = ?4, "
                                          "__generation = ?5, __base = ?6");
  guint n = OUTPOST_COL_FIRST_FIELD;

  t->entity = entity;
  t->table = outpost_quote_ident ("e_", entity->logical_name);
  t->fts = outpost_quote_ident ("f_", entity->logical_name);
  t->staging = outpost_quote_ident ("b_", entity->logical_name);
  t->lookups = g_ptr_array_new ();
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *f = entity->fields->pdata[i];
      g_string_append_printf (cols, ", \"%s\"", f->name);
      g_string_append_printf (marks, ", ?%u", ++n);
      g_string_append_printf (sets, ", \"%s\" = ?%u", f->name, n);
      if (f->type == OUTPOST_FIELD_LOOKUP)
        g_ptr_array_add (t->lookups, f);
    }
  t->target_keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < t->lookups->len; i++)
    {
      OutpostField *f = t->lookups->pdata[i];
      g_ptr_array_add (t->target_keys, g_strdup_printf ("%s@target", f->name));
      g_string_append_printf (cols, ", \"__target_%s\"", f->name);
      g_string_append_printf (marks, ", ?%u", ++n);
      g_string_append_printf (sets, ", \"__target_%s\" = ?%u", f->name, n);
    }
  outpost_table_init_fts (t);
  outpost_table_init_slots (t);
  t->select_list = g_strdup (cols->str);
  t->insert_sql = g_strdup_printf ("INSERT INTO %s (%s) VALUES (%s)", t->table, cols->str, marks->str);
  t->state_sql = g_strdup_printf ("SELECT __state, __etag FROM %s WHERE __id = ?1", t->table);
  t->apply_sql = g_strdup_printf ("%s ON CONFLICT (__id) DO NOTHING", t->insert_sql);
  /* REPLACE: the staging table of an older version had __id UNIQUE (a repeated row replaces
   * the staged one); the current one has no index on __id (repeats are dropped at the end) */
  t->bulk_sql = g_strdup_printf ("INSERT OR REPLACE INTO %s (%s) VALUES (%s)",
                                 t->staging, cols->str, marks->str);
  t->replace_sql = g_strdup_printf ("UPDATE %s SET %s WHERE __id = ?1", t->table, sets->str);
  return t;
}

void
outpost_table_free (OutpostTable *t)
{
  g_free (t->table);
  g_free (t->fts);
  g_free (t->staging);
  g_free (t->bulk_sql);
  g_free (t->state_sql);
  g_free (t->select_list);
  g_free (t->insert_sql);
  g_free (t->replace_sql);
  g_free (t->apply_sql);
  g_free (t->fts_insert_sql);
  g_free (t->fts_select_sql);
  g_free (t->replace_keep_fts_sql);
  g_ptr_array_unref (t->fts_fields);
  g_ptr_array_unref (t->lookups);
  g_ptr_array_unref (t->target_keys);
  outpost_table_free_slots (t);
  g_free (t);
}

/* ---- bringing entity tables in line with the profile ------------------------------------------ */

static GHashTable *
existing_columns (OutpostStore *self, const char *table, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA table_info(%s)", table);
  g_autoptr(GHashTable) cols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return outpost_store_sqlite_error (self, error, _("Could not read the schema")), NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (cols, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return outpost_store_sqlite_error (self, error, _("Could not read the schema")), NULL;
  return g_steal_pointer (&cols);
}

/* @name: the quoted table name (the entity table, or its bulk-load staging table);
 * @unique_id: __id is UNIQUE (the staging table gets its unique index at the end instead) */
char *
outpost_schema_create_table_sql (OutpostTable *t, const char *name, gboolean unique_id)
{
  GString *sql = g_string_new (NULL);
  OutpostEntity *e = t->entity;

  g_string_append_printf (sql, "CREATE TABLE %s (__rowid INTEGER PRIMARY KEY,"
                          " __id TEXT NOT NULL%s, __etag TEXT, __state INTEGER NOT NULL DEFAULT 0,"
                          " __issues INTEGER NOT NULL DEFAULT 0, __generation INTEGER NOT NULL DEFAULT 0,"
                          " __base TEXT", name, unique_id ? " UNIQUE" : "");
  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = e->fields->pdata[i];
      g_string_append_printf (sql, ", \"%s\" %s", f->name, column_type (f));
    }
  for (guint i = 0; i < t->lookups->len; i++)
    g_string_append_printf (sql, ", \"__target_%s\" TEXT",
                            ((OutpostField *) t->lookups->pdata[i])->name);
  g_string_append (sql, ")");
  return g_string_free (sql, FALSE);
}

static gboolean
add_missing_columns (OutpostStore *self, OutpostTable *t, const char *table, GHashTable *have,
                     gboolean *added, GError **error)
{
  OutpostEntity *e = t->entity;

  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = e->fields->pdata[i];
      g_autofree char *sql = NULL;
      g_autofree char *target = g_strdup_printf ("__target_%s", f->name);

      if (!g_hash_table_contains (have, f->name))
        {
          sql = g_strdup_printf ("ALTER TABLE %s ADD COLUMN \"%s\" %s", table, f->name,
                                 column_type (f));
          if (!outpost_store_exec (self, sql, error))
            return FALSE;
          *added = TRUE;
        }
      if (f->type == OUTPOST_FIELD_LOOKUP && !g_hash_table_contains (have, target))
        {
          g_free (sql);
          sql = g_strdup_printf ("ALTER TABLE %s ADD COLUMN \"%s\" TEXT", table, target);
          if (!outpost_store_exec (self, sql, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Sort indexes ("e_<entity>__by_<col>") of columns the profile no longer sorts by, and any
 * left of the older "e_<entity>__sort_<col>" form: a store written under an older profile (or
 * before sort columns were chosen, when every list column had one) stops paying for them on
 * the next open. */
static gboolean
drop_unsorted_indexes (OutpostStore *self, OutpostTable *t, const char *kind, GError **error)
{
  g_autofree char *prefix = g_strdup_printf ("e_%s__%s_", t->entity->logical_name, kind);
  gboolean keep_sortable = g_str_equal (kind, "by");
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT substr(name, length(?1) + 1) FROM sqlite_master"
    " WHERE type = 'index' AND tbl_name = 'e_' || ?2 AND substr(name, 1, length(?1)) = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, t->entity->logical_name, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *col = (const char *) sqlite3_column_text (stmt, 0);
      if (outpost_identifier_is_valid (col) &&
          !(keep_sortable && outpost_entity_is_sortable (t->entity, col)))
        g_ptr_array_add (stale, g_strdup (col));
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < stale->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("DROP INDEX \"%s%s\"", prefix, (char *) stale->pdata[i]);
      if (!outpost_store_exec (self, sql, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
outpost_schema_create_indexes (OutpostStore *self, OutpostTable *t, GError **error)
{
  OutpostEntity *e = t->entity;
  const char *name = e->logical_name;
  g_autofree char *sql = g_strdup_printf (
    "CREATE INDEX IF NOT EXISTS \"e_%s__state\" ON %s (__state) WHERE __state != 0;"
    "CREATE INDEX IF NOT EXISTS \"e_%s__issues\" ON %s (__issues) WHERE __issues != 0;",
    name, t->table, name, t->table);

  if (!outpost_store_exec (self, sql, error))
    return FALSE;
  /* one index per sort column: sorting and keyset paging without a scan. The index is on the
   * column alone, so its key is (column, __rowid): ties are ordered by row number. An index on
   * (column, __id) would carry the 36-byte GUID in every entry and cost 2.6x as much per insert
   * (measured: 21 vs 8 us per row for the four list columns of account). Older files had
   * "e_<entity>__sort_<column>" on (column, __id): replaced here. Only the columns the profile
   * lets lists sort by: each index costs every row written 5-7 us (1M rows). */
  if (!drop_unsorted_indexes (self, t, "by", error) ||
      !drop_unsorted_indexes (self, t, "sort", error))
    return FALSE;
  for (guint i = 0; e->sort_columns[i]; i++)
    {
      g_free (sql);
      sql = g_strdup_printf ("CREATE INDEX IF NOT EXISTS \"e_%s__by_%s\" ON %s (\"%s\")",
                             name, e->sort_columns[i], t->table, e->sort_columns[i]);
      if (!outpost_store_exec (self, sql, error))
        return FALSE;
    }
  /* lookups: related lists ("contacts of this account") filter on them with "f = ?", which
   * implies "f IS NOT NULL": a partial index serves them and rows without the link (often
   * most of them) cost nothing to insert. Older files had a full "e_<entity>__lk_<f>". */
  for (guint i = 0; i < t->lookups->len; i++)
    {
      OutpostField *f = t->lookups->pdata[i];
      g_free (sql);
      sql = g_strdup_printf ("DROP INDEX IF EXISTS \"e_%s__lk_%s\";"
                             "CREATE INDEX IF NOT EXISTS \"e_%s__ref_%s\" ON %s (\"%s\")"
                             " WHERE \"%s\" IS NOT NULL",
                             name, f->name, name, f->name, t->table, f->name, f->name);
      if (!outpost_store_exec (self, sql, error))
        return FALSE;
    }
  return TRUE;
}

/* The FTS columns: the searchable fields, or the primary name when none is marked. */
static GString *
fts_columns (OutpostEntity *e, const char *prefix)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = e->fields->pdata[i];
      if (f->searchable)
        g_string_append_printf (s, "%s%s\"%s\"", s->len ? ", " : "", prefix, f->name);
    }
  if (s->len == 0)
    g_string_append_printf (s, "%s\"%s\"", prefix, e->primary_name);
  return s;
}

static gboolean
fts_is_current (OutpostStore *self, OutpostTable *t, const char *cols, GError **error)
{
  g_autofree char *key = g_strdup_printf ("fts:%s", t->entity->logical_name);
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT value FROM outpost_meta WHERE key = ?1", error);
  gboolean same;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  same = sqlite3_step (stmt) == SQLITE_ROW &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), cols) == 0;
  sqlite3_reset (stmt);
  return same;
}

/* Stored with the column list: a file with another layout gets its index rebuilt on open.
 * Layout 2: no AFTER INSERT trigger (the store's row inserts add the FTS row themselves, see
 * outpost-store-fts.c) and columnsize=0 (no per-row size record: nothing ranks by bm25).
 * Layout 3: prefix='3', an index of 3-character word beginnings, so that a search for "com"
 * need not merge every term starting with it (30 ms -> under 1 ms on 1M rows; costs about 3 us
 * per row written). Search terms are prefixes from 3 characters on (outpost-store-records.c).
 * Layout 5: detail=column, the index keeps which rows and columns hold a term, no positions.
 * The store's searches are terms and prefixes joined by AND, never phrases, NEAR or column
 * filters (outpost-store-records.c splits words with punctuation into their terms), so nothing
 * is lost; the index is smaller and cheaper per row written (measured on 200k rows: FTS insert
 * 8.1 -> 6.6 us CPU per row, searches as fast or faster). Layout 4 (detail=none, briefly) was
 * cheaper still to write but made searches 1.5-3x slower ("oslo"* 1.5 -> 5.0 ms). */
#define FTS_LAYOUT " (layout 5)"

/* FTS5 writes its pending terms out as a new segment whenever they fill 1 MB, and every later
 * search walks each segment a term has entries in. A rebuild (the end of a bulk load, a new
 * layout) left 11-13 segments for 1M accounts; 'optimize' merges them into one (1M rows: 0.5-0.8 s
 * CPU more, 24 MB peak; a two-word search 11.5 -> 7.5 ms CPU). A larger pending buffer (64 MB:
 * two segments, same CPU) cost 150 MB more memory at the peak. */

gboolean
outpost_schema_create_fts (OutpostStore *self, OutpostTable *t, GError **error)
{
  const char *n = t->entity->logical_name;
  g_autoptr(GString) cols = fts_columns (t->entity, "");
  g_autoptr(GString) newc = fts_columns (t->entity, "new.");
  g_autoptr(GString) oldc = fts_columns (t->entity, "old.");
  g_autofree char *key = g_strdup_printf ("fts:%s", n);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  g_autofree char *layout = g_strdup_printf ("%s" FTS_LAYOUT, cols->str);

  if (fts_is_current (self, t, layout, NULL))
    return TRUE;
  sql = g_strdup_printf (
    "DROP TRIGGER IF EXISTS \"f_%s_ai\"; DROP TRIGGER IF EXISTS \"f_%s_ad\";"
    "DROP TRIGGER IF EXISTS \"f_%s_au\"; DROP TABLE IF EXISTS %s;"
    "CREATE VIRTUAL TABLE %s USING fts5 (%s, content=%s, content_rowid='__rowid',"
    "  columnsize=0, detail=column, prefix='3', tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER \"f_%s_ad\" AFTER DELETE ON %s BEGIN"
    "  INSERT INTO %s (%s, rowid, %s) VALUES ('delete', old.__rowid, %s); END;"
    "CREATE TRIGGER \"f_%s_au\" AFTER UPDATE OF %s ON %s BEGIN"
    "  INSERT INTO %s (%s, rowid, %s) VALUES ('delete', old.__rowid, %s);"
    "  INSERT INTO %s (rowid, %s) VALUES (new.__rowid, %s); END;"
    "INSERT INTO %s (%s) VALUES ('rebuild');"
    "INSERT INTO %s (%s) VALUES ('optimize');",
    n, n, n, t->fts,
    t->fts, cols->str, t->table,
    n, t->table, t->fts, t->fts, cols->str, oldc->str,
    n, cols->str, t->table, t->fts, t->fts, cols->str, oldc->str, t->fts, cols->str, newc->str,
    t->fts, t->fts, t->fts, t->fts);
  if (!outpost_store_exec (self, sql, error))
    return FALSE;
  stmt = outpost_store_prepare (self,
    "INSERT OR REPLACE INTO outpost_meta (key, value) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, layout, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
owe_full_sync (OutpostStore *self, const char *entity, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "INSERT INTO outpost_table_state (entity, full_sync_owed) VALUES (?1, 1)"
    " ON CONFLICT (entity) DO UPDATE SET full_sync_owed = 1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
sync_table (OutpostStore *self, OutpostTable *t, GError **error)
{
  g_autoptr(GHashTable) have = existing_columns (self, t->table, error);
  g_autoptr(GHashTable) staged = NULL;
  gboolean changed = FALSE, ignored = FALSE;

  if (have == NULL)
    return FALSE;
  if (g_hash_table_size (have) == 0)
    {
      g_autofree char *sql = outpost_schema_create_table_sql (t, t->table, TRUE);
      if (!outpost_store_exec (self, sql, error))
        return FALSE;
      changed = TRUE;
    }
  else if (!add_missing_columns (self, t, t->table, have, &changed, error))
    return FALSE;
  /* a bulk load in progress (outpost-store-bulk.c) resumes into a staging table of the same
   * shape; its rows came from the server, so new columns there change nothing else */
  if ((staged = existing_columns (self, t->staging, error)) == NULL)
    return FALSE;
  if (g_hash_table_size (staged) > 0 &&
      !add_missing_columns (self, t, t->staging, staged, &ignored, error))
    return FALSE;
  /* new columns are empty until the server fills them: a full sync is owed */
  if (changed && !owe_full_sync (self, t->entity->logical_name, error))
    return FALSE;
  return outpost_schema_create_indexes (self, t, error) && outpost_schema_create_fts (self, t, error);
}

gboolean
outpost_schema_sync_entities (OutpostStore *self, GError **error)
{
  OutpostProfile *profile = self->profile;

  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
      if (!sync_table (self, g_hash_table_lookup (self->tables, e->logical_name), error))
        return FALSE;
    }
  return TRUE;
}

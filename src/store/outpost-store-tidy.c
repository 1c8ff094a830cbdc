/* outpost-store-tidy.c: merging the full-text index's segments at idle time.
 *
 * FTS5 writes the terms of each transaction as a new segment and merges segments itself only
 * when 'automerge' (4) of them pile up at one level, so a store filled by many transactions
 * (row by row, sync page by sync page) keeps a dozen segments, and every search walks each of
 * them (1M rows: two-word search 15.7 ms median, 34 ms p95 CPU; one segment: about 7.5 ms).
 * A negative 'merge' is an incremental 'optimize': it merges every segment into one, at most
 * -N leaf pages per call, and the next call carries on where the last stopped. Each step runs
 * in its own short transaction, so a user's save waits at most one step behind it.
 *
 * Why not a lower 'automerge' or 'usermerge' instead: they make FTS5 merge during the writes,
 * in the sync's (or the user's) write transaction, and still leave a segment per level. A
 * higher 'automerge' (16: fewer merges while writing, the tidy merges afterwards) was measured
 * on bench-store's floor (bare INSERTs into this schema, 100k+100k rows): 3% fewer instructions
 * in all (22% fewer in the commits), 5-15% more rows per CPU-second in noisy runs, but up to 15
 * segments per level between tidies (the user's own saves are never tidied by a sync that
 * downloads nothing), so searches would walk more of them: not taken.
 *
 * A merge into one segment rewrites the whole index (1M accounts: 1.4 s CPU in 83 steps of 128
 * pages), so a table is only taken on when it has more than TIDY_START_SEGMENTS: a small sync
 * adds one small segment, cheap for searches to walk, and FTS5's own automerge (4 per level)
 * folds such small ones together. Once begun, a table is merged down to one (the flag lives on
 * this connection: a merge cut short by a cancel is taken up again by a later call only when
 * the table again has more than TIDY_START_SEGMENTS). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-store-private.h"

/* FTS5's %_data row holding the index structure (fts5Int.h: FTS5_STRUCTURE_ROWID) */
#define STRUCTURE_ROWID 10
#define TIDY_START_SEGMENTS 4

/* SQLite's varint, as FTS5 writes it (at most 9 bytes; the 9th holds 8 bits). */
static gsize
get_varint (const guchar *p, gsize len, guint64 *v)
{
  *v = 0;
  for (gsize i = 0; i < len && i < 9; i++)
    {
      if (i == 8)
        return *v = (*v << 8) | p[i], 9;
      *v = (*v << 7) | (p[i] & 0x7f);
      if ((p[i] & 0x80) == 0)
        return i + 1;
    }
  return 0;
}

/* Segments in a structure record: a 4-byte cookie, then (since SQLite 3.43) an optional V2
 * marker, then the level count and the segment count. */
static gint
segments_in_structure (const guchar *data, gsize len)
{
  static const guchar v2[4] = { 0xff, 0x00, 0x00, 0x01 };
  gsize i = 4, n;
  guint64 levels, segments;

  if (len < 6)
    return -1;
  if (len > 8 && memcmp (data + 4, v2, 4) == 0)
    i += 4;
  if ((n = get_varint (data + i, len - i, &levels)) == 0)
    return -1;
  i += n;
  if (get_varint (data + i, len - i, &segments) == 0)
    return -1;
  return (gint) MIN (segments, G_MAXINT);
}

gint
outpost_table_fts_segments (OutpostStore *self, OutpostTable *t, GError **error)
{
  g_autofree char *bare = g_strndup (t->fts + 1, strlen (t->fts) - 2);  /* "f_x" -> f_x */
  g_autofree char *sql = g_strdup_printf ("SELECT block FROM \"%s_data\" WHERE id = %d", bare,
                                          STRUCTURE_ROWID);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  gint n = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    n = segments_in_structure (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
  else if (rc != SQLITE_DONE)
    n = -1;
  sqlite3_reset (stmt);
  if (n < 0)
    g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_CORRUPT,
                 _("The search index of %s cannot be read"), t->entity->logical_name);
  return n;
}

gint
outpost_store_search_segments (OutpostStore *self, const char *entity, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);

  return t == NULL ? -1 : outpost_table_fts_segments (self, t, error);
}

/* One merge step on one table; *@worked: it merged something (FTS5's documented test: a merge
 * that did work changes sqlite3_total_changes() by 2 or more). */
static gboolean
merge_step (OutpostStore *self, OutpostTable *t, gint budget, gboolean *worked, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO %s (%s, rank) VALUES ('merge', ?1)",
                                          t->fts, t->fts);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  gint64 before = sqlite3_total_changes64 (self->db);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, -budget);   /* negative: toward one segment, not per level */
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  *worked = sqlite3_total_changes64 (self->db) - before >= 2;
  return TRUE;
}

/* One step on @t, which has more than one segment. */
static gboolean
tidy_table (OutpostStore *self, OutpostTable *t, gint budget, gboolean *more, GError **error)
{
  gboolean worked = FALSE, ok;

  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = merge_step (self, t, budget, &worked, error);
  if (!outpost_store_tx_end (self, ok, ok ? error : NULL))
    return FALSE;
  /* a step that merged nothing ends it, whatever the count says: no endless loop */
  *more = worked && outpost_table_fts_segments (self, t, NULL) > 1;
  t->tidying = *more;
  return TRUE;
}

/* The tables to tidy: @entity, or all of the profile's. */
static GPtrArray *
tables_of (OutpostStore *self, const char *entity, GError **error)
{
  GPtrArray *tables = g_ptr_array_new ();

  for (guint i = 0; i < outpost_profile_get_n_entities (self->profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (self->profile, i);
      if (entity == NULL || g_str_equal (entity, e->logical_name))
        g_ptr_array_add (tables, g_hash_table_lookup (self->tables, e->logical_name));
    }
  if (tables->len == 0)
    g_clear_pointer (&tables, g_ptr_array_unref);
  return tables != NULL ? tables : (outpost_store_table (self, entity, error), NULL);
}

gboolean
outpost_store_tidy_search_index (OutpostStore *self, const char *entity, gint budget_pages,
                                 gboolean *more, GError **error)
{
  g_autoptr(GPtrArray) tables = NULL;
  gboolean stepped = FALSE;

  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->tx_depth == 0, FALSE);  /* its own short transaction, see above */
  g_return_val_if_fail (more != NULL, FALSE);
  *more = FALSE;
  if ((tables = tables_of (self, entity, error)) == NULL)
    return FALSE;
  budget_pages = MAX (budget_pages, 1);
  /* one step on the first table with work, so that a call stays one bounded step; more: that
   * table or a later one still has work */
  for (guint i = 0; i < tables->len && !*more; i++)
    {
      OutpostTable *t = tables->pdata[i];
      gint segments = outpost_table_fts_segments (self, t, error);

      if (segments < 0)
        return FALSE;
      t->tidying = segments > TIDY_START_SEGMENTS || (t->tidying && segments > 1);
      if (!t->tidying)
        continue;
      if (stepped)
        *more = TRUE;
      else if (!tidy_table (self, t, budget_pages, more, error))
        return FALSE;
      stepped = TRUE;
    }
  return TRUE;
}

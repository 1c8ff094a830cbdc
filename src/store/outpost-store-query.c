/* outpost-store-query.c: reading lists of records: query with filter, sort and keyset paging,
 * full-text search (FTS5) and counts. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-store-private.h"

/* Characters the FTS tokenizer (unicode61) keeps inside a term: letters, numbers, private use
 * and combining marks (folded away with remove_diacritics); everything else separates terms. */
static gboolean
is_term_char (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER: case G_UNICODE_MODIFIER_LETTER: case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER: case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_DECIMAL_NUMBER: case G_UNICODE_LETTER_NUMBER: case G_UNICODE_OTHER_NUMBER:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SPACING_MARK: case G_UNICODE_ENCLOSING_MARK: case G_UNICODE_NON_SPACING_MARK:
      return TRUE;
    default:
      return FALSE;
    }
}

static const char *
skip_separators (const char *p)
{
  while (*p && !is_term_char (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);
  return p;
}

/* Appends the terms of one typed word: "info@fabri" is "info" and "fabri"*. The last one is a
 * prefix when the typed word has 3 characters or more (as when it was one phrase); words of one
 * or two characters match whole words only (as a prefix they match a large part of the table,
 * which only costs time and helps nobody). */
static void
append_terms (GString *q, const char *word)
{
  const char *p = skip_separators (word);
  gboolean prefix = g_utf8_strlen (word, -1) >= 3;

  while (*p)
    {
      const char *start = p;

      while (*p && is_term_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      g_string_append_printf (q, "%s\"%.*s\"", q->len ? " " : "", (int) (p - start), start);
      if (*(p = skip_separators (p)) == '\0' && prefix)
        g_string_append_c (q, '*');
    }
}

/* User text -> an FTS5 query of quoted terms, all required ("acme"* "ber"*): no FTS syntax
 * reaches the engine from the user, and typing part of a word (3 characters or more) finds it.
 * Never a phrase: the index has no positions (detail=column, outpost-schema.c). Text with words
 * but no term characters ("@@") matches nothing, as an empty phrase; blank text is no search. */
static char *
fts_query (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);  /* the walk below trusts UTF-8 */
  g_auto(GStrv) words = g_strsplit_set (valid, " \t\n\r", -1);
  GString *q = g_string_new (NULL);
  gboolean any = FALSE;

  for (guint i = 0; words[i]; i++)
    {
      any |= *words[i] != '\0';
      append_terms (q, words[i]);
    }
  if (q->len == 0 && any)
    g_string_append (q, "\"\"");
  return g_string_free (q, q->len == 0);
}

typedef struct {
  GString   *sql;
  GPtrArray *binds;   /* JsonNode* */
} QueryBuilder;

void
outpost_bind_all (sqlite3_stmt *stmt, GPtrArray *binds)
{
  for (guint i = 0; i < binds->len; i++)
    outpost_bind_json (stmt, (int) i + 1, binds->pdata[i]);
}

static JsonNode *
string_node (const char *s)
{
  return json_node_init_string (json_node_alloc (), s);
}

/* @with_match: also the FTS condition of q->search */
static gboolean
add_filters (OutpostTable *t, const OutpostQuery *q, QueryBuilder *b, gboolean with_match,
             GError **error)
{
  OutpostQueryFlags flags = q ? q->flags : 0;
  g_autofree char *match = (with_match && q && q->search) ? fts_query (q->search) : NULL;

  g_string_append (b->sql, " WHERE 1");
  if (!(flags & OUTPOST_QUERY_INCLUDE_DELETED))
    g_string_append (b->sql, " AND __state != 3");
  if (flags & OUTPOST_QUERY_CHANGED_HERE)
    g_string_append (b->sql, " AND __state != 0");
  if (flags & OUTPOST_QUERY_WITH_ISSUES)
    g_string_append (b->sql, " AND __issues != 0");
  if (q && q->where_field)
    {
      if (!outpost_entity_lookup_field (t->entity, q->where_field))
        return outpost_store_not_found (error, t->entity->logical_name, q->where_field);
      g_string_append_printf (b->sql, " AND \"%s\" = ?%u", q->where_field, b->binds->len + 1);
      g_ptr_array_add (b->binds, q->where_value ? json_node_copy (q->where_value)
                                                : json_node_new (JSON_NODE_NULL));
    }
  if (match != NULL)
    {
      g_string_append_printf (b->sql, " AND __rowid IN (SELECT rowid FROM %s WHERE %s MATCH ?%u)",
                              t->fts, t->fts, b->binds->len + 1);
      g_ptr_array_add (b->binds, string_node (match));
    }
  return TRUE;
}

/* Keyset: rows strictly after (after_value, the row of after_id) in (sort, __rowid) order: the
 * sort indexes are on the column alone, so ties are ordered by row number. NULLs sort first
 * ascending (last descending), which the explicit IS NULL branches follow. When the cursor's
 * row has gone meanwhile, the page restarts at the first row with after_value (a tied row may
 * show twice; none is skipped). */
static void
add_keyset (OutpostTable *t, const OutpostQuery *q, const char *col, QueryBuilder *b)
{
  gboolean after_null = q->after_value == NULL || JSON_NODE_HOLDS_NULL (q->after_value);
  guint n = b->binds->len;
  guint k = after_null ? n + 1 : n + 2;
  g_autofree char *row = g_strdup_printf ("coalesce((SELECT __rowid FROM %s WHERE __id = ?%u), %s)",
                                          t->table, k, q->descending ? "9223372036854775807" : "0");

  if (!q->descending && !after_null)
    g_string_append_printf (b->sql, " AND (%s, __rowid) > (?%u, %s)", col, n + 1, row);
  else if (!q->descending)
    g_string_append_printf (b->sql, " AND ((%s IS NULL AND __rowid > %s) OR %s IS NOT NULL)",
                            col, row, col);
  else if (!after_null)
    g_string_append_printf (b->sql, " AND ((%s, __rowid) < (?%u, %s) OR %s IS NULL)",
                            col, n + 1, row, col);
  else
    g_string_append_printf (b->sql, " AND %s IS NULL AND __rowid < %s", col, row);
  if (!after_null)
    g_ptr_array_add (b->binds, json_node_copy (q->after_value));
  g_ptr_array_add (b->binds, string_node (q->after_id));
}

static GPtrArray *
run_query (OutpostStore *self, OutpostTable *t, const char *sql, GPtrArray *binds, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
  int rc;

  if (stmt == NULL)
    return NULL;
  outpost_bind_all (stmt, binds);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, outpost_record_from_stmt (t, stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return outpost_store_sqlite_error (self, error, _("Could not read records")), NULL;
  return g_steal_pointer (&rows);
}

/* ---- search ---------------------------------------------------------------------------------------
 *
 * Sorting every match by the list's column costs time in proportion to the matches (a common
 * word: tens of thousands of rows fetched and sorted). So: up to SEARCH_SORTED_MAX matches come
 * in the query's sort order, complete; beyond that the newest rows (highest __rowid) come first,
 * which FTS5 delivers in index order and stops after one page. Both cost a bounded amount. */
#define SEARCH_SORTED_MAX 1000

/* Up to @max matching rowids, newest first, as a JSON array; *@n = how many. */
static char *
fts_rowids (OutpostStore *self, OutpostTable *t, const char *match, guint max, guint *n,
            GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rowid FROM %s WHERE %s MATCH ?1"
                                          " ORDER BY rowid DESC LIMIT ?2", t->fts, t->fts);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  g_autoptr(GString) ids = g_string_new ("[");
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, (int) max);
  for (*n = 0; (rc = sqlite3_step (stmt)) == SQLITE_ROW; (*n)++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, *n ? "," : "", (gint64) sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return outpost_store_sqlite_error (self, error, _("Could not search records")), NULL;
  g_string_append_c (ids, ']');
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* Rows among @ids (a JSON array), in sort order (@col) or newest first (@col NULL). */
static GPtrArray *
query_among (OutpostStore *self, OutpostTable *t, const OutpostQuery *q, const char *col,
             const char *ids, GError **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b = { sql, binds };
  const char *dir = (col == NULL || q->descending) ? "DESC" : "ASC";

  g_string_printf (sql, "SELECT %s FROM %s", t->select_list, t->table);
  if (!add_filters (t, q, &b, FALSE, error))
    return NULL;
  g_string_append_printf (sql, " AND __rowid IN (SELECT value FROM json_each(?%u))", binds->len + 1);
  g_ptr_array_add (binds, string_node (ids));
  if (col != NULL && q->after_id != NULL)
    add_keyset (t, q, col, &b);
  if (col != NULL)
    g_string_append_printf (sql, " ORDER BY %s %s,", col, dir);
  else
    g_string_append (sql, " ORDER BY");
  g_string_append_printf (sql, " __rowid %s LIMIT %u", dir, q->limit ? q->limit : 100);
  return run_query (self, t, sql->str, binds, error);
}

/* Newest matches first, after the cursor's row: FTS5 walks its index backwards and the
 * join stops at a page. */
static GPtrArray *
query_newest (OutpostStore *self, OutpostTable *t, const OutpostQuery *q, const char *match,
              GError **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b = { sql, binds };

  g_string_printf (sql, "WITH m(r) AS (SELECT rowid FROM %s WHERE %s MATCH ?1)"
                   " SELECT %s FROM m CROSS JOIN %s ON __rowid = m.r",
                   t->fts, t->fts, t->select_list, t->table);
  g_ptr_array_add (binds, string_node (match));
  if (!add_filters (t, q, &b, FALSE, error))
    return NULL;
  if (q->after_id != NULL)
    {
      g_string_append_printf (sql, " AND m.r < coalesce((SELECT __rowid FROM %s WHERE __id = ?%u),"
                              " 9223372036854775807)", t->table, binds->len + 1);
      g_ptr_array_add (binds, string_node (q->after_id));
    }
  g_string_append_printf (sql, " ORDER BY m.r DESC LIMIT %u", q->limit ? q->limit : 100);
  return run_query (self, t, sql->str, binds, error);
}

static GPtrArray *
search_query (OutpostStore *self, OutpostTable *t, const OutpostQuery *q, const char *col,
              const char *match, GError **error)
{
  guint n = 0;
  g_autofree char *ids = fts_rowids (self, t, match, SEARCH_SORTED_MAX + 1, &n, error);
  g_autoptr(GPtrArray) page = NULL;

  if (ids == NULL)
    return NULL;
  if (n <= SEARCH_SORTED_MAX)
    return query_among (self, t, q, col, ids, error);
  /* a first page is usually among the newest matches already fetched */
  if (q->after_id == NULL)
    {
      if ((page = query_among (self, t, q, NULL, ids, error)) == NULL)
        return NULL;
      if (page->len >= (q->limit ? q->limit : 100))
        return g_steal_pointer (&page);
    }
  return query_newest (self, t, q, match, error);
}

GPtrArray *
outpost_store_query (OutpostStore *self, const char *entity, const OutpostQuery *q, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  static const OutpostQuery none = { 0 };
  g_autoptr(GString) sql = NULL;
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b;
  g_autofree char *col = NULL;
  g_autofree char *match = NULL;
  const char *sort;

  if (t == NULL)
    return NULL;
  q = q ? q : &none;
  sort = q->sort_field ? q->sort_field : t->entity->list_columns[0];
  if (outpost_entity_lookup_field (t->entity, sort) == NULL)
    return outpost_store_not_found (error, entity, sort), NULL;
  col = g_strdup_printf ("\"%s\"", sort);
  if (q->search != NULL && (match = fts_query (q->search)) != NULL)
    return search_query (self, t, q, col, match, error);
  sql = g_string_new (NULL);
  g_string_printf (sql, "SELECT %s FROM %s", t->select_list, t->table);
  b.sql = sql;
  b.binds = binds;
  if (!add_filters (t, q, &b, FALSE, error))
    return NULL;
  if (q->after_id != NULL)
    add_keyset (t, q, col, &b);
  g_string_append_printf (sql, " ORDER BY %s %s, __rowid %s LIMIT %u", col,
                          q->descending ? "DESC" : "ASC", q->descending ? "DESC" : "ASC",
                          q->limit ? q->limit : 100);
  return run_query (self, t, sql->str, binds, error);
}

static gint64
count_sql (OutpostStore *self, const char *sql, GPtrArray *binds, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (binds != NULL)
    outpost_bind_all (stmt, binds);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    outpost_store_sqlite_error (self, error, _("Could not count records"));
  sqlite3_reset (stmt);
  return n;
}

gint64
outpost_store_count (OutpostStore *self, const char *entity, const OutpostQuery *q, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autoptr(GString) sql = NULL;
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b;

  if (t == NULL)
    return -1;
  sql = g_string_new (NULL);
  g_string_printf (sql, "SELECT count(*) FROM %s", t->table);
  b.sql = sql;
  b.binds = binds;
  if (!add_filters (t, q, &b, TRUE, error))
    return -1;
  return count_sql (self, sql->str, binds, error);
}

gint64
outpost_store_count_unsynced (OutpostStore *self, const char *entity, GError **error)
{
  OutpostProfile *p = self->profile;
  gint64 total = 0, n_links;

  for (guint i = 0; i < outpost_profile_get_n_entities (p); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (p, i);
      OutpostTable *t = g_hash_table_lookup (self->tables, e->logical_name);
      g_autofree char *sql = NULL;
      gint64 n;

      if (entity != NULL && !g_str_equal (entity, e->logical_name))
        continue;
      sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE __state != 0", t->table);
      if ((n = count_sql (self, sql, NULL, error)) < 0)
        return -1;
      total += n;
    }
  if (entity != NULL && outpost_store_table (self, entity, error) == NULL)
    return -1;
  /* N:N links changed here are unsynced changes too */
  n_links = outpost_store_count_pending_associations (self, entity, error);
  return n_links < 0 ? -1 : total + n_links;
}

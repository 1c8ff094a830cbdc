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

/* ---- the FTS query -------------------------------------------------------------------------
 *
 * A prefix the index has no prefix entries for ("fabr"*; the index keeps 3-character ones,
 * outpost-schema.c) makes FTS5 merge the whole doclist of every term it begins, before the
 * first row: ~20-45 ms on 1M rows for a common word, at every keystroke and every page. Such a
 * prefix is expanded here into the terms it begins, read from the index's vocabulary ("fabr"
 * -> ("fabrikam")), which FTS5 reads incrementally and stops at a page. Only ASCII prefixes:
 * their folding is plain lower case, exactly the tokenizer's; others keep the prefix form,
 * as do prefixes of more than PREFIX_TERMS_MAX terms (FTS5 merges them as before). The limit
 * was 16: a word of a company name is often the start of 20-40 terms (the same word glued into
 * e-mail domains, web addresses), and two such words ("alpine harbor") then made FTS5 merge
 * both prefixes in full; as ORs of their terms it reads only as far as the page needs (two
 * words on 1M rows: 21 -> 16 ms CPU median; a seek in the vocabulary costs 25-100 us). */
#define PREFIX_INDEXED 3
#define PREFIX_TERMS_MAX 64

typedef struct {
  OutpostStore *store;   /* NULL: no expansion */
  OutpostTable *table;
  gboolean      none;    /* a required prefix begins no term: nothing matches */
} Expansion;

static gboolean
is_ascii (const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if ((guchar) s[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* The connection's own (temp) fts5vocab table over the entity's index: one row per term
 * instance, so a seek to a term reads one entry, never a doclist. */
static sqlite3_stmt *
vocab_stmt (OutpostStore *self, OutpostTable *t)
{
  g_autofree char *vocab = outpost_quote_ident ("v_", t->entity->logical_name);
  g_autofree char *create = g_strdup_printf ("CREATE VIRTUAL TABLE IF NOT EXISTS temp.%s"
                                             " USING fts5vocab(main, %s, instance)", vocab, t->fts);
  g_autofree char *sql = g_strdup_printf ("SELECT term FROM temp.%s WHERE term >= ?1 LIMIT 1", vocab);

  if (!g_hash_table_contains (self->stmts, sql)
      && sqlite3_exec (self->db, create, NULL, NULL, NULL) != SQLITE_OK)
    return NULL;
  return outpost_store_prepare (self, sql, NULL);
}

/* Terms beginning with @prefix (lower case ASCII), at most PREFIX_TERMS_MAX + 1; NULL when
 * the vocabulary cannot be read. */
static GPtrArray *
prefix_terms (OutpostStore *self, OutpostTable *t, const char *prefix)
{
  sqlite3_stmt *stmt = vocab_stmt (self, t);
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *from = g_strdup (prefix);

  if (stmt == NULL)
    return NULL;
  while (terms->len <= PREFIX_TERMS_MAX)
    {
      g_autofree char *term = NULL;
      int rc;

      sqlite3_bind_text (stmt, 1, from, -1, SQLITE_TRANSIENT);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        term = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return NULL;
      if (term == NULL || !g_str_has_prefix (term, prefix))
        break;
      /* the next term: the smallest string after this one ("\x01" is a separator, never
       * inside a term); "term > ?" would walk all of this term's instances */
      g_free (from);
      from = g_strconcat (term, "\x01", NULL);
      g_ptr_array_add (terms, g_steal_pointer (&term));
    }
  return g_steal_pointer (&terms);
}

/* Expansions are kept while the vocabulary cannot have changed: a search typed a letter at a
 * time and every page of a search expand the same prefixes again, and each term found costs a
 * seek in every segment of the index (25-150 us; "alpine harbor" needs 64 of them). A new term
 * needs a write: by this connection (total_changes counts it, triggers included) or by another
 * (data_version changes). A rollback only removes terms, and an OR with a term that has no rows
 * left still finds the same rows. */
#define PREFIX_CACHE_MAX 256

static void
prefix_cache_check (OutpostStore *self)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "PRAGMA data_version", NULL);
  gint64 version = -1, changes = sqlite3_total_changes64 (self->db);

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  if (version < 0 || version != self->prefix_data_version ||
      changes != self->prefix_total_changes ||
      g_hash_table_size (self->prefix_cache) >= PREFIX_CACHE_MAX)
    g_hash_table_remove_all (self->prefix_cache);
  self->prefix_data_version = version;
  self->prefix_total_changes = changes;
}

/* prefix_terms() through the cache; the caller owns a reference. */
static GPtrArray *
prefix_terms_cached (OutpostStore *self, OutpostTable *t, const char *prefix)
{
  g_autofree char *key = g_strconcat (t->entity->logical_name, "\x1f", prefix, NULL);
  GPtrArray *terms = g_hash_table_lookup (self->prefix_cache, key);

  if (terms != NULL)
    return g_ptr_array_ref (terms);
  if ((terms = prefix_terms (self, t, prefix)) != NULL)
    g_hash_table_insert (self->prefix_cache, g_steal_pointer (&key), g_ptr_array_ref (terms));
  return terms;
}

/* Appends one required term: "t", "t"*, or ("t1" OR "t2") for an expanded prefix. */
static void
append_term (GString *q, Expansion *x, const char *term, gsize n, gboolean prefix)
{
  g_autofree char *folded = NULL;
  g_autoptr(GPtrArray) terms = NULL;

  if (q->len > 0)
    g_string_append (q, " AND ");
  if (prefix && x->store != NULL && n > PREFIX_INDEXED && is_ascii (term, n))
    {
      folded = g_ascii_strdown (term, (gssize) n);
      terms = prefix_terms_cached (x->store, x->table, folded);
    }
  if (terms != NULL && terms->len == 0)
    x->none = TRUE;
  if (terms == NULL || terms->len == 0 || terms->len > PREFIX_TERMS_MAX)
    {
      g_string_append_printf (q, "\"%.*s\"%s", (int) n, term, prefix ? "*" : "");
      return;
    }
  g_string_append_c (q, '(');
  for (guint i = 0; i < terms->len; i++)
    g_string_append_printf (q, "%s\"%s\"", i ? " OR " : "", (char *) terms->pdata[i]);
  g_string_append_c (q, ')');
}

/* Appends the terms of one typed word: "info@fabri" is "info" and "fabri"*. The last one is a
 * prefix when the typed word has 3 characters or more (as when it was one phrase); words of one
 * or two characters match whole words only (as a prefix they match a large part of the table,
 * which only costs time and helps nobody). */
static void
append_terms (GString *q, Expansion *x, const char *word)
{
  const char *p = skip_separators (word);
  gboolean prefix = g_utf8_strlen (word, -1) >= 3;

  while (*p)
    {
      const char *start = p, *end;

      while (*p && is_term_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      end = p;
      p = skip_separators (p);
      append_term (q, x, start, (gsize) (end - start), *p == '\0' && prefix);
    }
}

/* User text -> an FTS5 query of quoted terms, all required ("acme"* AND "ber"*): no FTS syntax
 * reaches the engine from the user, and typing part of a word (3 characters or more) finds it.
 * Never a phrase: the index has no positions (detail=column, outpost-schema.c). Text with words
 * but no term characters ("@@") matches nothing, as an empty phrase; blank text is no search.
 * @self: the store whose vocabulary expands prefixes (NULL: none). */
static char *
fts_match (OutpostStore *self, OutpostTable *t, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);  /* the walk below trusts UTF-8 */
  g_auto(GStrv) words = g_strsplit_set (valid, " \t\n\r", -1);
  GString *q = g_string_new (NULL);
  Expansion x = { self, t, FALSE };
  gboolean any = FALSE;

  if (self != NULL)
    prefix_cache_check (self);
  for (guint i = 0; words[i]; i++)
    {
      any |= *words[i] != '\0';
      append_terms (q, &x, words[i]);
    }
  if ((q->len == 0 && any) || x.none)
    g_string_assign (q, "\"\"");
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

/* @match: also this FTS condition (NULL: none) */
static gboolean
add_filters (OutpostTable *t, const OutpostQuery *q, QueryBuilder *b, const char *match,
             GError **error)
{
  OutpostQueryFlags flags = q ? q->flags : 0;

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
  if (!add_filters (t, q, &b, NULL, error))
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
  if (!add_filters (t, q, &b, NULL, error))
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
  if (q->search != NULL && (match = fts_match (self, t, q->search)) != NULL)
    return search_query (self, t, q, col, match, error);
  sql = g_string_new (NULL);
  g_string_printf (sql, "SELECT %s FROM %s", t->select_list, t->table);
  b.sql = sql;
  b.binds = binds;
  if (!add_filters (t, q, &b, NULL, error))
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

/* A whole table's count(*) walks its smallest index (SQLite's count optimization: 1M rows in
 * ~10 ms), where "WHERE __state != 3" reads every row (~80-250 ms); the locally deleted rows
 * come from the partial index on __state (state != 0, outpost-schema.c). The other flags
 * select through their partial indexes already. NULL: not a plain count. */
static const char *
plain_count_sql (OutpostTable *t, const OutpostQuery *q, char **sql)
{
  OutpostQueryFlags flags = q ? q->flags : 0;

  if (q != NULL && (q->where_field != NULL || q->search != NULL))
    return NULL;
  if (flags == OUTPOST_QUERY_INCLUDE_DELETED)
    return *sql = g_strdup_printf ("SELECT count(*) FROM %s", t->table);
  if (flags == 0)
    return *sql = g_strdup_printf ("SELECT (SELECT count(*) FROM %s) - (SELECT count(*) FROM %s"
                                   " WHERE __state != 0 AND __state = 3)", t->table, t->table);
  return NULL;
}

gint64
outpost_store_count (OutpostStore *self, const char *entity, const OutpostQuery *q, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autoptr(GString) sql = NULL;
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autofree char *plain = NULL;
  g_autofree char *match = NULL;
  QueryBuilder b;

  if (t == NULL)
    return -1;
  if (plain_count_sql (t, q, &plain) != NULL)
    return count_sql (self, plain, NULL, error);
  if (q != NULL && q->search != NULL)
    match = fts_match (self, t, q->search);
  sql = g_string_new (NULL);
  g_string_printf (sql, "SELECT count(*) FROM %s", t->table);
  b.sql = sql;
  b.binds = binds;
  if (!add_filters (t, q, &b, match, error))
    return -1;
  return count_sql (self, sql->str, binds, error);
}

gint64
outpost_store_count_capped (OutpostStore *self, const char *entity, const OutpostQuery *q,
                            gint64 cap, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b = { sql, binds };
  g_autofree char *match = NULL;

  if (t == NULL)
    return -1;
  if (q != NULL && q->search != NULL)
    match = fts_match (self, t, q->search);
  /* FTS first (its matches in index order, each row checked against the filters), stopping
   * at cap + 1: never all matches of a common word */
  if (match != NULL)
    {
      g_string_printf (sql, "WITH m(r) AS (SELECT rowid FROM %s WHERE %s MATCH ?1)"
                       " SELECT count(*) FROM (SELECT 1 FROM m CROSS JOIN %s ON __rowid = m.r",
                       t->fts, t->fts, t->table);
      g_ptr_array_add (binds, string_node (match));
    }
  else
    g_string_printf (sql, "SELECT count(*) FROM (SELECT 1 FROM %s", t->table);
  if (!add_filters (t, q, &b, NULL, error))
    return -1;
  g_string_append_printf (sql, " LIMIT %" G_GINT64_FORMAT ")", MAX (cap, 0) + 1);
  return count_sql (self, sql->str, binds, error);
}

/* The key of the @stride-th row after q's cursor, or NULL at the end (*@error unset). OFFSET
 * is fine here: it skips index entries without building result rows. */
static OutpostRecord *
key_after (OutpostStore *self, OutpostTable *t, const OutpostQuery *q, OutpostField *field,
           guint stride, GError **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  QueryBuilder b = { sql, binds };
  g_autofree char *col = g_strdup_printf ("\"%s\"", field->name);
  const char *dir = q->descending ? "DESC" : "ASC";
  OutpostRecord *key = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_string_printf (sql, "SELECT %s, __id FROM %s", col, t->table);
  if (!add_filters (t, q, &b, NULL, error))
    return NULL;
  if (q->after_id != NULL)
    add_keyset (t, q, col, &b);
  g_string_append_printf (sql, " ORDER BY %s %s, __rowid %s LIMIT 1 OFFSET %u", col, dir, dir,
                          stride - 1);
  if ((stmt = outpost_store_prepare (self, sql->str, error)) == NULL)
    return NULL;
  outpost_bind_all (stmt, binds);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      key = outpost_record_new (t->entity->logical_name, (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_member (key->values, field->name, outpost_column_json (stmt, 0, field));
    }
  else if (rc != SQLITE_DONE)
    outpost_store_sqlite_error (self, error, _("Could not read records"));
  sqlite3_reset (stmt);
  return key;
}

/* Searches page through their own plans (search_query): the last row of each stride. */
static OutpostRecord *
search_key_after (OutpostStore *self, const char *entity, const OutpostQuery *q, guint stride,
                  GError **error)
{
  OutpostQuery page = *q;
  g_autoptr(GPtrArray) rows = NULL;

  page.limit = stride;
  if ((rows = outpost_store_query (self, entity, &page, error)) == NULL || rows->len < stride)
    return NULL;
  return outpost_record_ref (g_ptr_array_index (rows, rows->len - 1));
}

GPtrArray *
outpost_store_query_keys (OutpostStore *self, const char *entity, const OutpostQuery *q,
                          guint stride, guint n_keys, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
  g_autofree char *match = NULL;
  OutpostQuery cur;
  OutpostField *field;
  const char *sort;

  g_return_val_if_fail (q != NULL && stride > 0, NULL);
  cur = *q;
  match = q->search != NULL && t != NULL ? fts_match (self, t, q->search) : NULL;
  if (t == NULL)
    return NULL;
  sort = q->sort_field ? q->sort_field : t->entity->list_columns[0];
  if ((field = outpost_entity_lookup_field (t->entity, sort)) == NULL)
    return outpost_store_not_found (error, entity, sort), NULL;
  while (keys->len < n_keys)
    {
      GError *local = NULL;
      OutpostRecord *key = match != NULL ? search_key_after (self, entity, &cur, stride, &local)
                                         : key_after (self, t, &cur, field, stride, &local);

      if (local != NULL)
        return g_propagate_error (error, local), NULL;
      if (key == NULL)
        break;
      g_ptr_array_add (keys, key);
      cur.after_value = json_object_get_member (key->values, sort);
      cur.after_id = key->id;
    }
  return g_steal_pointer (&keys);
}

static int
progress_cancelled (void *cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

void
outpost_store_set_cancellable (OutpostStore *self, GCancellable *cancellable)
{
  g_return_if_fail (OUTPOST_IS_STORE (self));
  /* every 1000 virtual machine steps: a few microseconds */
  if (cancellable != NULL)
    sqlite3_progress_handler (self->db, 1000, progress_cancelled, cancellable);
  else
    sqlite3_progress_handler (self->db, 0, NULL, NULL);
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

/* test-store-search: the store's search gives the same records as the FTS5 index with full
 * detail (positions) it replaced, and a file with the older index layout is rebuilt on open.
 *
 * The reference is an independent FTS5 table with detail=full over the same rows, in the same
 * file, queried with the phrase-style query the store used to build (every typed word one quoted
 * phrase, a prefix from 3 characters on). For words without punctuation the id sets must be
 * equal; a word with punctuation ("info@cedar") now counts as its terms in any order, so the
 * store's set must contain the reference's and every extra row must hold all terms. */
#include "config.h"

#include "store-fixture.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
#define N_ROWS 3000

static const char *const words[] = {
  "alpine", "harbor", "cedar", "summit", "river", "granite", "meadow", "falcon", "willow", "orbit",
  "Zürich", "Ångström", "café", "naïve",
};
static const char *const cities[] = { "Oslo", "Bern", "Lyon", "Porto", "São Paulo", "Köln" };

/* the account's searchable fields in data/profile.json: the reference indexes the same ones */
#define FTS_COLS "name, accountnumber, telephone1, emailaddress1, address1_city"

static void
fill (Fixture *f)
{
  g_assert_true (outpost_store_begin (f->store, NULL));
  for (guint i = 0; i < N_ROWS; i++)
    {
      const char *w1 = words[(i * 5) % G_N_ELEMENTS (words)], *w2 = words[(i / 14) % G_N_ELEMENTS (words)];
      g_autofree char *id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      g_autofree char *json = g_strdup_printf (
        "{\"name\":\"%s %s %u Ltd\",\"accountnumber\":\"AC-%u\",\"telephone1\":\"+47 555 %04u\","
        "\"emailaddress1\":\"info@%s-%s.com\",\"address1_city\":\"%s\"}",
        w1, w2, i, i % 97, i % 50, w2, w1, cities[i % G_N_ELEMENTS (cities)]);
      g_autoptr(JsonObject) v = obj (json);
      g_assert_cmpint (outpost_store_apply_server_row (f->store, "account", id, v, "W/\"1\"", 1, NULL),
                       ==, OUTPOST_APPLY_WRITTEN);
    }
  g_assert_true (outpost_store_commit (f->store, NULL));
}

/* the store's query text before detail=column: one phrase per typed word */
static char *
phrase_query (const char *text)
{
  g_auto(GStrv) w = g_strsplit_set (text, " ", -1);
  GString *q = g_string_new (NULL);

  for (guint i = 0; w[i]; i++)
    if (*w[i])
      g_string_append_printf (q, "%s\"%s\"%s", q->len ? " " : "", w[i],
                              g_utf8_strlen (w[i], -1) >= 3 ? "*" : "");
  return g_string_free (q, FALSE);
}

static GHashTable *
reference_ids (sqlite3 *db, const char *text)
{
  g_autofree char *match = phrase_query (text);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT e.__id FROM temp.ref JOIN e_account e"
                                       " ON e.__rowid = ref.rowid WHERE ref MATCH ?1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return ids;
}

static GHashTable *
store_ids (Fixture *f, const char *text)
{
  OutpostQuery q = { .search = text, .limit = 2 * N_ROWS };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, &error);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, <, 2 * N_ROWS);  /* the whole set, not a page of it */
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_add (ids, g_strdup (((OutpostRecord *) rows->pdata[i])->id));
  return ids;
}

static sqlite3 *
open_reference (Fixture *f)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
    "CREATE VIRTUAL TABLE temp.ref USING fts5 (" FTS_COLS ", detail=full, prefix='3',"
    "  tokenize='unicode61 remove_diacritics 2');"
    "INSERT INTO temp.ref (rowid, " FTS_COLS ") SELECT __rowid, " FTS_COLS " FROM e_account",
    NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static void
test_same_results (Fixture *f, gconstpointer data)
{
  static const char *const plain[] = {
    "cedar", "oslo", "ltd", "harbor cedar", "summ", "gra", "zurich", "angstrom", "CAFÉ", "naive",
    "sao", "koln", "47", "555", "a", "ac", "1234", "12", "willow falcon 7", "orbit nomatch", "zzz",
    "Ltd", "alp riv", "com",
  };
  static const char *const punctuated[] = { "info@cedar", "ac-12", "cedar-alpine.com", "são-pau" };
  sqlite3 *db;
  guint nonempty = 0;

  fill (f);
  db = open_reference (f);
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      g_autoptr(GHashTable) want = reference_ids (db, plain[i]);
      g_autoptr(GHashTable) got = store_ids (f, plain[i]);
      GHashTableIter it;
      gpointer id;

      g_test_message ("'%s': %u records", plain[i], g_hash_table_size (want));
      g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
      g_hash_table_iter_init (&it, want);
      while (g_hash_table_iter_next (&it, &id, NULL))
        g_assert_true (g_hash_table_contains (got, id));
      nonempty += g_hash_table_size (want) > 0;
    }
  g_assert_cmpuint (nonempty, >=, 18);  /* the set really tests something */
  for (guint i = 0; i < G_N_ELEMENTS (punctuated); i++)
    {
      g_autoptr(GHashTable) want = reference_ids (db, punctuated[i]);
      g_autoptr(GHashTable) got = store_ids (f, punctuated[i]);
      GHashTableIter it;
      gpointer id;

      g_test_message ("'%s': %u records, %u before", punctuated[i], g_hash_table_size (got),
                      g_hash_table_size (want));
      g_assert_cmpuint (g_hash_table_size (want), >, 0);
      g_hash_table_iter_init (&it, want);
      while (g_hash_table_iter_next (&it, &id, NULL))
        g_assert_true (g_hash_table_contains (got, id));
    }
  sqlite3_close (db);
}

/* the terms of a word with punctuation are all required, in any order or field */
static void
test_punctuation (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr(JsonObject) v1 = obj ("{\"name\":\"Fabrikam\",\"emailaddress1\":\"sales@contoso.com\"}");
  g_autoptr(JsonObject) v2 = obj ("{\"name\":\"Contoso Sales\"}");
  static const struct { const char *text; guint n; } cases[] = {
    { "sales@contoso.com", 1 }, { "fabrikam,contoso", 1 }, { "contoso.co", 2 }, { "@@ --", 0 },
    { "\"\" OR * NEAR(", 0 }, { "sales@co", 2 }, { "fab@xy", 0 }, { "fabrikam@sa", 1 }, { "Contoso@@", 2 },
  };

  a = outpost_store_create (f->store, "account", v1, NULL);
  b = outpost_store_create (f->store, "account", v2, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GHashTable) got = store_ids (f, cases[i].text);
      g_test_message ("'%s'", cases[i].text);
      g_assert_cmpuint (g_hash_table_size (got), ==, cases[i].n);
    }
}

static char *
fts_sql (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *sql = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master WHERE name = 'f_account'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    sql = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return sql;
}

/* A file written with the previous index (layout 3: detail=full) gets the new one on open,
 * with every row in it. */
static void
test_layout_migration (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GHashTable) ids = NULL;

  fill (f);
  g_clear_object (&f->store);
  raw_exec (f->path,
    "DROP TABLE f_account;"
    "CREATE VIRTUAL TABLE f_account USING fts5 (" FTS_COLS ", content=\"e_account\","
    "  content_rowid='__rowid', columnsize=0, prefix='3', tokenize='unicode61 remove_diacritics 2');"
    "INSERT INTO f_account (f_account) VALUES ('rebuild');"
    "UPDATE outpost_meta SET value = replace(value, '(layout 5)', '(layout 3)') WHERE key = 'fts:account'");
  before = fts_sql (f->path);
  g_assert_null (strstr (before, "detail"));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM f_account WHERE f_account MATCH '\"harbor cedar\"'"), >, 0);

  f->store = outpost_store_open (f->path, f->profile, &error);
  g_assert_no_error (error);
  after = fts_sql (f->path);
  g_assert_nonnull (strstr (after, "detail=column"));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_meta WHERE key = 'fts:account'"
                                     " AND value LIKE '%(layout 5)'"), ==, 1);
  /* every row is in the rebuilt index, and it matches its content table */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM f_account WHERE f_account MATCH 'ltd'"), ==, N_ROWS);
  raw_exec (f->path, "INSERT INTO f_account (f_account, rank) VALUES ('integrity-check', 1)");
  ids = store_ids (f, "harbor cedar");
  g_assert_cmpuint (g_hash_table_size (ids), >, 0);
}

static void
apply_name (OutpostStore *store, const char *id, const char *name)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", name);
  g_autoptr(JsonObject) v = obj (json);

  g_assert_cmpint (outpost_store_apply_server_row (store, "account", id, v, "W/\"1\"", 1, NULL),
                   ==, OUTPOST_APPLY_WRITTEN);
}

/* Prefixes are expanded into terms once and kept: a term written afterwards, by this store or
 * by another connection to the file, is found all the same; one removed is not. */
static void
test_prefix_cache (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) other = NULL;
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(JsonObject) rename = obj ("{\"name\":\"Granite Works\"}");
  g_autoptr(JsonObject) again = obj ("{\"name\":\"Alpinewood\"}");
  g_autofree char *local = NULL;

  apply_name (f->store, "00000000-0000-4000-8000-000000000001", "Alpine Harbor");
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpi harb"))), ==, 1);
  g_clear_pointer (&ids, g_hash_table_unref);
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpini"))), ==, 0);
  g_clear_pointer (&ids, g_hash_table_unref);
  /* a new term under the same prefixes, written here: by the sync's path and the user's */
  apply_name (f->store, "00000000-0000-4000-8000-000000000002", "Alpinist Harbour");
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpi harb"))), ==, 2);
  g_clear_pointer (&ids, g_hash_table_unref);
  local = outpost_store_create (f->store, "account", rename, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "grani"))), ==, 1);
  g_clear_pointer (&ids, g_hash_table_unref);
  /* written by another connection */
  other = outpost_store_open (f->path, f->profile, &error);
  g_assert_no_error (error);
  apply_name (other, "00000000-0000-4000-8000-000000000003", "Alpinia Harbinger");
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpi harb"))), ==, 3);
  g_clear_pointer (&ids, g_hash_table_unref);
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpini"))), ==, 2);  /* alpinist, alpinia */
  g_clear_pointer (&ids, g_hash_table_unref);
  /* an update through a trigger changes the terms too */
  g_assert_true (outpost_store_update (f->store, "account", local, again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "alpi"))), ==, 4);
  g_clear_pointer (&ids, g_hash_table_unref);
  g_assert_cmpuint (g_hash_table_size ((ids = store_ids (f, "grani"))), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  TEST ("/store/search/same-results", test_same_results);
  TEST ("/store/search/punctuation", test_punctuation);
  TEST ("/store/search/layout-migration", test_layout_migration);
  TEST ("/store/search/prefix-cache", test_prefix_cache);
  return g_test_run ();
}

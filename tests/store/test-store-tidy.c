/* test-store-tidy: outpost_store_tidy_search_index merges the full-text index of a store written
 * by many transactions into one segment, in bounded steps, without changing what searches find;
 * and FTS5's 'merge' reports work through sqlite3_total_changes as its documentation says
 * (the step's "more" rests on it). */
#include "config.h"

#include <string.h>

#include "store-fixture.h"
#include "outpost-store-private.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
#define N_TX 60
#define ROWS_PER_TX 50

static const char *const words[] = {
  "alpine", "harbor", "cedar", "summit", "river", "granite", "meadow", "falcon", "willow", "orbit",
};
static const char *const queries[] = { "cedar", "oslo", "harbor cedar", "gra", "ltd", "47", "com" };

static void
put_row (Fixture *f, guint i)
{
  g_autofree char *id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
  g_autofree char *json = g_strdup_printf (
    "{\"name\":\"%s %s %u Ltd\",\"accountnumber\":\"AC-%u\",\"telephone1\":\"+47 555 %04u\","
    "\"emailaddress1\":\"info@%s%s.com\",\"address1_city\":\"%s\"}",
    words[i % 10], words[(i / 10) % 10], i, i, i % 1000, words[(i / 7) % 10], words[i % 10],
    i % 3 ? "Oslo" : "Bern");
  g_autoptr(JsonObject) v = obj (json);

  g_assert_cmpint (outpost_store_apply_server_row (f->store, "account", id, v, "W/\"1\"", 1, NULL),
                   ==, OUTPOST_APPLY_WRITTEN);
}

/* Rows in many transactions, as a sync writes them page by page: many segments. */
static void
fill (Fixture *f)
{
  for (guint t = 0; t < N_TX; t++)
    {
      g_assert_true (outpost_store_begin (f->store, NULL));
      for (guint k = 0; k < ROWS_PER_TX; k++)
        put_row (f, t * ROWS_PER_TX + k);
      g_assert_true (outpost_store_commit (f->store, NULL));
    }
}

static gint
segments (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint n = outpost_store_search_segments (f->store, "account", &error);

  g_assert_no_error (error);
  return n;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* every query's ids, sorted: one line each with their count and checksum */
static char *
results (Fixture *f)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      OutpostQuery q = { .search = queries[i], .limit = 10 * N_TX * ROWS_PER_TX };
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, &error);
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      g_autoptr(GString) all = g_string_new (NULL);
      g_autofree char *sum = NULL;

      g_assert_no_error (error);
      for (guint k = 0; k < rows->len; k++)
        g_ptr_array_add (ids, ((OutpostRecord *) rows->pdata[k])->id);
      g_ptr_array_sort (ids, cmp_str);
      for (guint k = 0; k < ids->len; k++)
        g_string_append_printf (all, "%s ", (const char *) ids->pdata[k]);
      sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, all->str, -1);
      g_string_append_printf (s, "%s: %u %s\n", queries[i], ids->len, sum);
    }
  return g_string_free (s, FALSE);
}

static guint
tidy_to_end (Fixture *f, gint budget)
{
  gboolean more = TRUE;
  guint steps = 0;

  while (more)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (outpost_store_tidy_search_index (f->store, NULL, budget, &more, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (++steps, <, 10000);
    }
  return steps;
}

static void
test_merges_to_one (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL, *after = NULL;
  gboolean more = TRUE;

  fill (f);
  g_assert_cmpint (segments (f), >, 2);
  before = results (f);
  g_assert_nonnull (strstr (before, "harbor cedar: "));
  g_assert_null (strstr (before, "harbor cedar: 0\n"));
  g_assert_cmpuint (tidy_to_end (f, 1000000), >=, 1);
  g_assert_cmpint (segments (f), ==, 1);
  after = results (f);
  g_assert_cmpstr (after, ==, before);
  /* nothing left: no work, no transaction */
  g_assert_true (outpost_store_tidy_search_index (f->store, "account", 100, &more, NULL));
  g_assert_false (more);
}

/* a small budget: one call is one short step, and more says so */
static void
test_bounded_steps (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL, *after = NULL;
  gboolean more = FALSE;
  gint n;

  fill (f);
  n = segments (f);
  before = results (f);
  g_assert_true (outpost_store_tidy_search_index (f->store, "account", 1, &more, NULL));
  g_assert_true (more);
  g_assert_cmpint (segments (f), >, 1);
  g_test_message ("%d segments; %u more steps of 1 page", n, tidy_to_end (f, 1));
  g_assert_cmpint (segments (f), ==, 1);
  after = results (f);
  g_assert_cmpstr (after, ==, before);
}

static guint
count_of (Fixture *f, const char *text)
{
  OutpostQuery q = { .search = text, .limit = 1000 };
  g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, NULL);

  g_assert_nonnull (rows);
  return rows->len;
}

/* writes between steps (a user's save, the next sync page) are found, and merged in too */
static void
test_writes_between_steps (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) v = obj ("{\"name\":\"Quokkaworks Ltd\",\"address1_city\":\"Narvik\"}");
  g_autoptr(JsonObject) change = obj ("{\"name\":\"Wombatworks Ltd\"}");
  g_autofree char *id = NULL;
  gboolean more = FALSE;
  guint n7;

  fill (f);
  n7 = count_of (f, "AC-7");   /* row 7, and 70-79, 700-799 etc. (a prefix from 3 characters) */
  g_assert_true (outpost_store_tidy_search_index (f->store, "account", 1, &more, NULL));
  g_assert_true (more);
  id = outpost_store_create (f->store, "account", v, NULL);
  g_assert_nonnull (id);
  g_assert_cmpuint (count_of (f, "quokka"), ==, 1);
  g_assert_true (outpost_store_tidy_search_index (f->store, "account", 1, &more, NULL));
  g_assert_true (outpost_store_update (f->store, "account", id, change, NULL));
  g_assert_true (outpost_store_delete (f->store, "account", "00000000-0000-4000-8000-000000000007", NULL));
  tidy_to_end (f, 4);
  g_assert_cmpint (segments (f), ==, 1);
  g_assert_cmpuint (count_of (f, "quokka"), ==, 0);
  g_assert_cmpuint (count_of (f, "wombat"), ==, 1);
  g_assert_cmpuint (count_of (f, "narvik"), ==, 1);
  g_assert_cmpuint (count_of (f, "AC-7"), ==, n7 - 1);   /* the deleted row */
  g_assert_cmpuint (count_of (f, "AC-8"), ==, n7);
}

/* up to 4 segments (a few small syncs after a tidy): left alone, merging would rewrite it all */
static void
test_few_segments_left (Fixture *f, gconstpointer data)
{
  gboolean more = TRUE;
  gint n;

  fill (f);
  tidy_to_end (f, 1000);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (outpost_store_begin (f->store, NULL));
      put_row (f, 100000 + i);
      g_assert_true (outpost_store_commit (f->store, NULL));
    }
  n = segments (f);
  g_assert_cmpint (n, >, 1);
  g_assert_cmpint (n, <=, 4);
  g_assert_true (outpost_store_tidy_search_index (f->store, NULL, 1000, &more, NULL));
  g_assert_false (more);
  g_assert_cmpint (segments (f), ==, n);
  put_row (f, 100010);   /* its own transaction: one more segment */
  put_row (f, 100011);
  g_assert_cmpint (segments (f), >, 4);
  tidy_to_end (f, 1000);
  g_assert_cmpint (segments (f), ==, 1);
}

static void
test_unknown_entity (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;

  g_assert_false (outpost_store_tidy_search_index (f->store, "no_such", 10, &more, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_assert_false (more);
}

/* The FTS5 documentation: a 'merge' that did work changes sqlite3_total_changes() by 2 or more,
 * one that found nothing to merge by less. Checked here on the SQLite this is built with. */
static void
test_fts5_merge_changes (void)
{
  sqlite3 *db = NULL;
  sqlite3_int64 before;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE VIRTUAL TABLE t USING fts5 (x);"
                                 "INSERT INTO t VALUES ('alpha beta'); INSERT INTO t VALUES ('gamma');"
                                 "INSERT INTO t VALUES ('delta alpha')", NULL, NULL, NULL), ==, SQLITE_OK);
  before = sqlite3_total_changes64 (db);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO t (t, rank) VALUES ('merge', -100)", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_total_changes64 (db) - before, >=, 2);
  before = sqlite3_total_changes64 (db);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO t (t, rank) VALUES ('merge', -100)", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_total_changes64 (db) - before, <, 2);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  TEST ("/store/tidy/merges-to-one", test_merges_to_one);
  TEST ("/store/tidy/bounded-steps", test_bounded_steps);
  TEST ("/store/tidy/writes-between-steps", test_writes_between_steps);
  TEST ("/store/tidy/few-segments-left", test_few_segments_left);
  TEST ("/store/tidy/unknown-entity", test_unknown_entity);
  g_test_add_func ("/store/tidy/fts5-merge-changes", test_fts5_merge_changes);
  return g_test_run ();
}

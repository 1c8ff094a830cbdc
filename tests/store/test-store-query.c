/* test-store-query: the store's list reads that the desktop list pages with.
 *
 * - outpost_store_count of a whole table (counted from indexes) equals a plain SQL count, with
 *   locally deleted and changed rows, for each flag;
 * - outpost_store_count_capped is exact up to the cap and cap + 1 beyond, with search and flags;
 * - outpost_store_query_keys gives the key of every stride-th row of the same order
 *   outpost_store_query pages through (ascending, descending, NULL sort values, from a cursor,
 *   a short end, a search);
 * - prefixes the index has no prefix entries for are expanded into the index's terms: the same
 *   records as the prefix itself (many terms, one, none, upper case, non-ASCII);
 * - a cancelled cancellable stops a read; without one reads work again. */
#include "config.h"

#include "store-fixture.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
#define N_ROWS 600

static const char *const cities[] = { "Oslo", "Bern", NULL, "Lyon", "Porto" };

static char *
row_id (guint i)
{
  return g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
}

/* Row i: "Account <i> <word>" with word "term<i % 20>" (20 terms beginning "term"), every 7th
 * also "Zürichsee"; a city or none (NULL sort values). */
static void
fill (Fixture *f)
{
  g_assert_true (outpost_store_begin (f->store, NULL));
  for (guint i = 0; i < N_ROWS; i++)
    {
      g_autofree char *id = row_id (i);
      g_autofree char *name = g_strdup_printf ("Account %04u term%02u%s", i, i % 20,
                                               i % 7 == 0 ? " Zürichsee" : "");
      g_autoptr(JsonObject) v = json_object_new ();
      const char *city = cities[i % G_N_ELEMENTS (cities)];

      json_object_set_string_member (v, "name", name);
      if (city != NULL)
        json_object_set_string_member (v, "address1_city", city);
      else
        json_object_set_null_member (v, "address1_city");
      g_assert_cmpint (outpost_store_apply_server_row (f->store, "account", id, v, "W/\"1\"", 1, NULL),
                       ==, OUTPOST_APPLY_WRITTEN);
    }
  g_assert_true (outpost_store_commit (f->store, NULL));
}

/* Local changes: 10 rows deleted here (state 3), 15 changed here (state 2). */
static void
change_some (Fixture *f)
{
  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *id = row_id (i * 11);
      g_autoptr(GError) error = NULL;

      if (i < 10)
        g_assert_true (outpost_store_delete (f->store, "account", id, &error));
      else
        {
          g_autoptr(JsonObject) v = obj ("{\"telephone1\":\"+1 555 0100\"}");
          g_assert_true (outpost_store_update (f->store, "account", id, v, &error));
        }
      g_assert_no_error (error);
    }
}

static void
test_count (Fixture *f, gconstpointer data)
{
  static const struct { OutpostQueryFlags flags; const char *where; } cases[] = {
    { OUTPOST_QUERY_ALL, "__state != 3" },
    { OUTPOST_QUERY_INCLUDE_DELETED, "1" },
    { OUTPOST_QUERY_CHANGED_HERE, "__state != 3 AND __state != 0" },
    { OUTPOST_QUERY_CHANGED_HERE | OUTPOST_QUERY_INCLUDE_DELETED, "__state != 0" },
  };

  fill (f);
  change_some (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      OutpostQuery q = { .flags = cases[i].flags };
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM e_account WHERE %s", cases[i].where);
      gint64 want = raw_int (f->path, sql);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (outpost_store_count (f->store, "account", &q, &error), ==, want);
      g_assert_no_error (error);
    }
  g_assert_cmpint (outpost_store_count (f->store, "account", NULL, NULL), ==, N_ROWS - 10);
}

static void
test_count_capped (Fixture *f, gconstpointer data)
{
  OutpostQuery all = { 0 }, term = { .search = "term03" }, changed = { .flags = OUTPOST_QUERY_CHANGED_HERE };
  OutpostQuery zurich = { .search = "zurichsee", .flags = OUTPOST_QUERY_CHANGED_HERE };
  g_autoptr(GError) error = NULL;

  fill (f);
  change_some (f);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &all, 100, &error), ==, 101);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &all, 10000, &error), ==, N_ROWS - 10);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", NULL, 5, &error), ==, 6);
  /* term03: rows 3, 23, ... (30 rows, 0 of them deleted: deleted are multiples of 11 below 100) */
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &term, 10, &error), ==, 11);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &term, 1000, &error), ==,
                   outpost_store_count (f->store, "account", &term, NULL));
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &changed, 1000, &error), ==, 15);
  /* changed here and with Zürichsee: multiples of 77 among rows 110..264 changed: 154, 231 */
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &zurich, 1000, &error), ==, 2);
  g_assert_no_error (error);
}

/* Every row of @q's order (no limit), as ids. */
static GPtrArray *
all_rows (Fixture *f, const OutpostQuery *q)
{
  OutpostQuery page = *q;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  page.limit = 10 * N_ROWS;
  rows = outpost_store_query (f->store, "account", &page, &error);
  g_assert_no_error (error);
  return rows;
}

static void
check_keys (Fixture *f, const OutpostQuery *q, guint stride, guint n_keys, guint expect)
{
  g_autoptr(GPtrArray) rows = all_rows (f, q);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = outpost_store_query_keys (f->store, "account", q, stride, n_keys, &error);
  const char *sort = q->sort_field ? q->sort_field : "name";

  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, expect);
  for (guint i = 0; i < keys->len; i++)
    {
      OutpostRecord *key = keys->pdata[i], *row = rows->pdata[(i + 1) * stride - 1];
      JsonNode *a = json_object_get_member (key->values, sort);
      JsonNode *b = json_object_get_member (row->values, sort);

      g_assert_cmpstr (key->id, ==, row->id);
      g_assert_nonnull (a);
      g_assert_true (json_node_equal (a, b));
    }
}

static void
test_keys (Fixture *f, gconstpointer data)
{
  OutpostQuery by_name = { 0 }, by_city = { .sort_field = "address1_city" };
  OutpostQuery by_city_desc = { .sort_field = "address1_city", .descending = TRUE };
  OutpostQuery search = { .search = "term1" };   /* 10 terms, 300 rows */
  g_autoptr(GPtrArray) rows = NULL;
  OutpostQuery after;

  fill (f);
  change_some (f);
  check_keys (f, &by_name, 7, 5, 5);
  check_keys (f, &by_name, 100, 10, 5);            /* 590 rows: 5 full strides, then the end */
  check_keys (f, &by_city, 50, 11, 11);            /* NULL cities first ascending */
  check_keys (f, &by_city_desc, 50, 11, 11);       /* ... last descending */
  check_keys (f, &search, 40, 10, 7);
  /* from a cursor in the middle of equal sort values (cities repeat) */
  rows = all_rows (f, &by_city);
  after = by_city;
  after.after_id = ((OutpostRecord *) rows->pdata[133])->id;
  after.after_value = json_object_get_member (((OutpostRecord *) rows->pdata[133])->values, "address1_city");
  {
    g_autoptr(GPtrArray) keys = outpost_store_query_keys (f->store, "account", &after, 10, 3, NULL);

    g_assert_cmpuint (keys->len, ==, 3);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpstr (((OutpostRecord *) keys->pdata[i])->id, ==,
                       ((OutpostRecord *) rows->pdata[133 + (i + 1) * 10])->id);
  }
}

static guint
n_found (Fixture *f, const char *text)
{
  OutpostQuery q = { .search = text, .limit = 10 * N_ROWS };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, &error);

  g_assert_no_error (error);
  g_assert_cmpint (outpost_store_count (f->store, "account", &q, NULL), ==, rows->len);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &q, 10000, NULL), ==, rows->len);
  return rows->len;
}

static void
test_prefix_expansion (Fixture *f, gconstpointer data)
{
  static const struct { const char *text; guint n; } cases[] = {
    { "term", 600 },            /* 20 terms: more than the expansion takes, FTS5's prefix */
    { "term1", 300 },           /* 10 terms */
    { "term07", 30 },           /* one term */
    { "TERM07", 30 },
    { "term0", 300 },
    { "termx", 0 },             /* no term: nothing */
    { "account term07", 30 },   /* "account" expands to one term, AND-ed */
    { "acco term07 zuri", 5 },  /* rows 7, 147, 287, 427, 567: multiples of 7 ending in 07 */
    { "züri", 86 },             /* not ASCII: FTS5's own prefix */
    { "zurichsee", 86 },
    { "zurichseex", 0 },
    { "0123", 1 },
    { "012", 10 },              /* the index's own 3-character prefix */
  };

  fill (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("'%s'", cases[i].text);
      g_assert_cmpuint (n_found (f, cases[i].text), ==, cases[i].n);
    }
}

static void
test_cancellable (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OutpostQuery q = { .sort_field = "address1_city", .limit = N_ROWS };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  fill (f);
  outpost_store_set_cancellable (f->store, cancellable);
  rows = outpost_store_query (f->store, "account", &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, N_ROWS);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_cancellable_cancel (cancellable);
  rows = outpost_store_query (f->store, "account", &q, &error);
  g_assert_null (rows);
  g_assert_nonnull (error);
  g_clear_error (&error);
  q.search = "account";   /* 600 matches: many steps (a plain count is one) */
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &q, 10000, &error), ==, -1);
  g_assert_nonnull (error);
  g_clear_error (&error);
  outpost_store_set_cancellable (f->store, NULL);
  g_assert_cmpint (outpost_store_count_capped (f->store, "account", &q, 10000, &error), ==, N_ROWS);
  q.search = NULL;
  rows = outpost_store_query (f->store, "account", &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, N_ROWS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  TEST ("/store-query/count", test_count);
  TEST ("/store-query/count-capped", test_count_capped);
  TEST ("/store-query/keys", test_keys);
  TEST ("/store-query/prefix-expansion", test_prefix_expansion);
  TEST ("/store-query/cancellable", test_cancellable);
  return g_test_run ();
}

/* bench-store: N account rows of the default profile's shape through the store API
 * (apply_server_row, as sync does, and the user create API), against a bare prepared INSERT of
 * the same rows into a plain table in the same run; then FTS search and keyset paging.
 * Usage: bench-store [rows] (default 1000000). Not part of the test suite. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "outpost-store.h"
#include "outpost-store-sync.h"

#define BATCH 5000

static const char *const words[] = {
  "alpine", "harbor", "cedar", "summit", "river", "granite", "meadow", "falcon", "willow", "orbit",
  "prairie", "beacon", "canyon", "delta", "ember", "fjord", "glacier", "horizon", "island", "juniper",
  "kestrel", "lagoon", "mesa", "nimbus", "oasis", "pioneer", "quartz", "redwood", "sierra", "tundra",
};
static const char *const cities[] = { "Oslo", "Bern", "Lyon", "Porto", "Graz", "Turku", "Ghent", "Cork" };

/* Deterministic row i: "<word> <word> <n> Ltd" names (~900 distinct word pairs) */
static JsonObject *
make_row (guint i, char **id)
{
  JsonObject *o = json_object_new ();
  guint32 h = g_int_hash (&i) * 2654435761u;
  g_autofree char *name = g_strdup_printf ("%s %s %u Ltd", words[h % 30], words[(h / 30) % 30], i);

  *id = g_strdup_printf ("%08x-%04x-4%03x-8%03x-%012x", h, i & 0xffff, (i >> 4) & 0xfff, h & 0xfff, i);
  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "accountnumber", *id + 24);
  json_object_set_string_member (o, "telephone1", "+47 555 0100");
  json_object_set_string_member (o, "emailaddress1", "info@example.com");
  json_object_set_string_member (o, "websiteurl", "https://example.com");
  json_object_set_string_member (o, "address1_line1", "Main Street 1");
  json_object_set_string_member (o, "address1_city", cities[h % 8]);
  json_object_set_string_member (o, "address1_postalcode", "0150");
  json_object_set_string_member (o, "address1_country", "Norway");
  json_object_set_int_member (o, "industrycode", 7);
  json_object_set_double_member (o, "revenue", (h % 100000) * 10.5);
  json_object_set_int_member (o, "numberofemployees", h % 5000);
  json_object_set_string_member (o, "description", "A customer of long standing.");
  json_object_set_boolean_member (o, "creditonhold", FALSE);
  json_object_set_int_member (o, "statecode", 0);
  json_object_set_int_member (o, "statuscode", 1);
  json_object_set_string_member (o, "modifiedon", "2024-05-01T10:00:00Z");
  return o;
}

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* The bare baseline: same columns, TEXT primary key, one prepared INSERT, same batching. */
static gdouble
bare_insert (const char *path, guint n, GPtrArray *rows, GPtrArray *ids)
{
  static const char *const cols[] = { "name", "accountnumber", "telephone1", "emailaddress1",
    "websiteurl", "address1_line1", "address1_city", "address1_postalcode", "address1_country",
    "industrycode", "revenue", "numberofemployees", "description", "creditonhold", "statecode",
    "statuscode", "modifiedon" };
  sqlite3 *db;
  sqlite3_stmt *st;
  gdouble t0;

  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                "CREATE TABLE plain (id TEXT PRIMARY KEY, name TEXT, accountnumber TEXT, telephone1 TEXT,"
                " emailaddress1 TEXT, websiteurl TEXT, address1_line1 TEXT, address1_city TEXT,"
                " address1_postalcode TEXT, address1_country TEXT, industrycode INTEGER, revenue REAL,"
                " numberofemployees INTEGER, description TEXT, creditonhold INTEGER, statecode INTEGER,"
                " statuscode INTEGER, modifiedon TEXT)", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO plain VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
  t0 = now_s ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = rows->pdata[i % rows->len];
      if (i % BATCH == 0)
        sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      sqlite3_bind_text (st, 1, ids->pdata[i], -1, SQLITE_STATIC);
      for (guint c = 0; c < G_N_ELEMENTS (cols); c++)
        {
          JsonNode *v = json_object_get_member (o, cols[c]);
          GType t = json_node_get_value_type (v);
          if (t == G_TYPE_STRING)
            sqlite3_bind_text (st, (int) c + 2, json_node_get_string (v), -1, SQLITE_STATIC);
          else if (t == G_TYPE_DOUBLE)
            sqlite3_bind_double (st, (int) c + 2, json_node_get_double (v));
          else if (t == G_TYPE_BOOLEAN)
            sqlite3_bind_int (st, (int) c + 2, json_node_get_boolean (v));
          else
            sqlite3_bind_int64 (st, (int) c + 2, json_node_get_int (v));
        }
      sqlite3_step (st);
      sqlite3_reset (st);
      if (i % BATCH == BATCH - 1 || i == n - 1)
        sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  t0 = now_s () - t0;
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n / t0;
}

static gdouble
api_insert (OutpostStore *store, guint n, GPtrArray *rows, GPtrArray *ids, gboolean user)
{
  g_autoptr(GError) error = NULL;
  gdouble t0 = now_s ();

  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = rows->pdata[i];
      if (i % BATCH == 0 && !outpost_store_begin (store, &error))
        g_error ("%s", error->message);
      if (user)
        {
          g_autofree char *id = outpost_store_create (store, "account", o, &error);
          if (id == NULL)
            g_error ("%s", error->message);
        }
      else if (outpost_store_apply_server_row (store, "account", ids->pdata[i], o, "W/\"1\"", 1,
                                               &error) != OUTPOST_APPLY_WRITTEN)
        g_error ("apply: %s", error ? error->message : "not written");
      if ((i % BATCH == BATCH - 1 || i == n - 1) && !outpost_store_commit (store, &error))
        g_error ("%s", error->message);
    }
  return n / (now_s () - t0);
}

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static void
stats (const char *what, GArray *ms)
{
  g_array_sort (ms, cmp_double);
  g_print ("| %-34s | %8.2f ms | %8.2f ms |\n", what, g_array_index (ms, gdouble, ms->len / 2),
           g_array_index (ms, gdouble, (ms->len * 95) / 100));
}

static void
bench_search (OutpostStore *store)
{
  static const char *const queries[] = { "alpine harbor", "cedar", "summ", "river granite",
    "falcon 12345", "oslo willow", "orbit", "prairie beacon", "canyon", "ember fj", "nomatch",
    "juniper kes", "lagoon", "mesa nimbus", "oasis", "quartz redwood", "sierra", "tundra alp",
    "bern", "glacier horizon" };
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint r = 0; r < 3; r++)
    for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
      {
        OutpostQuery q = { .search = queries[i], .limit = 100 };
        gdouble t0 = now_s (), d;
        g_autoptr(GPtrArray) rows = outpost_store_query (store, "account", &q, NULL);
        d = (now_s () - t0) * 1000;
        g_array_append_val (ms, d);
        if (r == 0 && i < 3)
          g_printerr ("  search '%s': %u rows on first page\n", queries[i], rows->len);
      }
  stats ("search, first page of 100", ms);
}

static void
bench_paging (OutpostStore *store, const char *sort)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *after_id = NULL;
  g_autofree char *label = g_strdup_printf ("page of 100, keyset, by %s", sort);

  for (guint p = 0; p < 200; p++)
    {
      OutpostQuery q = { .limit = 100, .sort_field = sort, .after_value = after, .after_id = after_id };
      gdouble t0 = now_s (), d;
      g_autoptr(GPtrArray) rows = outpost_store_query (store, "account", &q, NULL);
      OutpostRecord *last;

      d = (now_s () - t0) * 1000;
      g_array_append_val (ms, d);
      if (rows->len == 0)
        break;
      last = rows->pdata[rows->len - 1];
      g_clear_pointer (&after, json_node_unref);
      after = json_node_copy (json_object_get_member (last->values, sort));
      g_free (after_id);
      after_id = g_strdup (last->id);
      /* jump into the middle every 50 pages, as a scrolled list does */
      if (p % 50 == 49)
        {
          g_clear_pointer (&after, json_node_unref);
          after = json_node_init_string (json_node_alloc (), words[p % 30]);
        }
    }
  stats (label, ms);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-bench-XXXXXX", &error);
  g_autofree char *bare = g_build_filename (dir, "bare.db", NULL);
  g_autofree char *api = g_build_filename (dir, "api.db", NULL);
  g_autofree char *user = g_build_filename (dir, "user.db", NULL);
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (&error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(OutpostStore) store = NULL;
  gdouble r_bare, r_api, r_user = 0;
  guint n_user = MIN (n, 200000);

  for (guint i = 0; i < n; i++)
    {
      char *id;
      g_ptr_array_add (rows, make_row (i, &id));
      g_ptr_array_add (ids, id);
    }
  r_bare = bare_insert (bare, n, rows, ids);
  store = outpost_store_open (api, profile, &error);
  g_assert_no_error (error);
  r_api = api_insert (store, n, rows, ids, FALSE);
  {
    g_autoptr(OutpostStore) ustore = outpost_store_open (user, profile, &error);
    g_autoptr(GPtrArray) urows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
    g_assert_no_error (error);
    /* users cannot set read-only fields */
    for (guint i = 0; i < n_user; i++)
      {
        char *id;
        JsonObject *o = make_row (i, &id);
        json_object_remove_member (o, "modifiedon");
        json_object_remove_member (o, "statecode");
        g_ptr_array_add (urows, o);
        g_free (id);
      }
    r_user = api_insert (ustore, n_user, urows, ids, TRUE);
  }
  g_print ("\n%u account rows (SQLite %s, batches of %d rows per transaction)\n\n", n,
           sqlite3_libversion (), BATCH);
  g_print ("| %-34s | %13s | %8s |\n", "insert", "rows/s", "vs bare");
  g_print ("|------------------------------------|---------------|----------|\n");
  g_print ("| %-34s | %13.0f | %8s |\n", "bare prepared INSERT (plain table)", r_bare, "1.00");
  g_print ("| %-34s | %13.0f | %8.2f |\n", "store apply_server_row (sync path)", r_api, r_api / r_bare);
  g_print ("| %-34s | %13.0f | %8.2f |\n", "store create (user path, +journal)", r_user, r_user / r_bare);
  g_print ("  (user path measured on %u rows)\n\n", n_user);
  g_print ("| %-34s | %11s | %11s |\n", "query", "median", "p95");
  g_print ("|------------------------------------|-------------|-------------|\n");
  bench_search (store);
  bench_paging (store, "name");
  bench_paging (store, "address1_city");
  g_clear_object (&store);
  for (const char *const *f = (const char *const[]) { "bare.db", "bare.db-wal", "bare.db-shm", "api.db",
                                                      "api.db-wal", "api.db-shm", "user.db", "user.db-wal",
                                                      "user.db-shm", NULL }; *f; f++)
    {
      g_autofree char *p = g_build_filename (dir, *f, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
  return 0;
}

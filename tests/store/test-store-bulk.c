/* test-store-bulk: the bulk load of a first full sync (staging table, one-transaction swap,
 * indexes and FTS built at the end), and the FTS index staying in step with the store's own
 * row inserts: a write that fails halfway commits nothing. Real SQLite files; a second raw
 * connection plays the UI reading meanwhile. */
#include "config.h"

#include <string.h>

#include "store-fixture.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
#define ID1 "bbbbbbbb-0000-0000-0000-000000000001"
#define ID2 "bbbbbbbb-0000-0000-0000-000000000002"
#define ID3 "bbbbbbbb-0000-0000-0000-000000000003"

static OutpostApplyResult
apply (Fixture *f, const char *id, const char *json)
{
  g_autoptr(JsonObject) v = obj (json);
  g_autoptr(GError) error = NULL;
  OutpostApplyResult r = outpost_store_apply_server_row (f->store, "account", id, v, "W/\"1\"", 1, &error);

  g_assert_no_error (error);
  return r;
}

static OutpostApplyResult
apply_v (Fixture *f, const char *id, const char *json, const char *etag, gint64 generation)
{
  g_autoptr(JsonObject) v = obj (json);
  g_autoptr(GError) error = NULL;
  OutpostApplyResult r = outpost_store_apply_server_row (f->store, "account", id, v, etag, generation, &error);

  g_assert_no_error (error);
  return r;
}

static guint
search_count (Fixture *f, const char *text)
{
  OutpostQuery q = { .search = text, .limit = 1000 };
  g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, NULL);

  g_assert_nonnull (rows);
  return rows->len;
}

static char *
create (Fixture *f, const char *json)
{
  g_autoptr(JsonObject) v = obj (json);
  g_autoptr(GError) error = NULL;
  char *id = outpost_store_create (f->store, "account", v, &error);

  g_assert_no_error (error);
  return id;
}

/* FTS5's own check that the index matches the content table exactly. */
static void
assert_fts_consistent (Fixture *f)
{
  raw_exec (f->path, "INSERT INTO f_account (f_account) VALUES ('integrity-check')");
}

static gboolean
begin_bulk (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gboolean active = -1;

  g_assert_true (outpost_store_begin_bulk (f->store, "account", &active, &error));
  g_assert_no_error (error);
  return active;
}

static void
test_bulk_load (Fixture *f, gconstpointer data)
{
  g_autofree char *local = create (f, "{\"name\":\"Local Fabrikam\"}");
  g_autofree char *during = NULL;
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(JsonObject) rename = obj ("{\"name\":\"Renamed Cedar\"}");
  g_autoptr(GError) error = NULL;

  /* only a local row: no synced rows, so the first full sync loads in bulk */
  g_assert_true (begin_bulk (f));
  g_assert_true (outpost_store_begin (f->store, NULL));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\",\"address1_city\":\"Oslo\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two v2\"}"), ==, OUTPOST_APPLY_WRITTEN);
  /* the id of a row with local changes: never overwritten, same answer as row by row */
  g_assert_cmpint (apply (f, local, "{\"name\":\"Server Fabrikam\"}"), ==, OUTPOST_APPLY_LOCAL_CHANGES);
  g_assert_true (outpost_store_commit (f->store, NULL));
  /* committed, yet no reader sees half a load: neither rows nor index entries */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM f_account WHERE f_account MATCH 'alpine'"), ==, 0);
  g_assert_cmpuint (search_count (f, "alpine"), ==, 0);
  /* the user keeps working meanwhile */
  during = create (f, "{\"name\":\"During Load\"}");
  g_assert_cmpuint (search_count (f, "during"), ==, 1);

  g_assert_true (outpost_store_end_bulk (f->store, "account", &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 4);
  g_assert_cmpuint (search_count (f, "alpine"), ==, 1);
  g_assert_cmpuint (search_count (f, "oslo"), ==, 1);
  g_assert_cmpuint (search_count (f, "v2"), ==, 1);
  g_assert_cmpuint (search_count (f, "fabrikam"), ==, 1);
  g_assert_cmpuint (search_count (f, "server"), ==, 0);
  rec = outpost_store_get (f->store, "account", local, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "Local Fabrikam");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_LOCALLY_CREATED);
  g_clear_pointer (&rec, outpost_record_unref);
  rec = outpost_store_get (f->store, "account", ID2, NULL);
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, "account", NULL), ==, 2);
  /* the table is whole again: staging gone, indexes and triggers back */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'b_account'"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                            " ('e_account__by_name', 'e_account__ref_parentaccountid', 'e_account__state',"
                            "  'f_account_ad', 'f_account_au')"), ==, 5);
  assert_fts_consistent (f);
  /* and the triggers follow later writes */
  g_assert_true (outpost_store_update (f->store, "account", ID1, rename, NULL));
  g_assert_cmpuint (search_count (f, "alpine"), ==, 0);
  g_assert_cmpuint (search_count (f, "cedar"), ==, 1);
  g_assert_true (outpost_store_remove_server_row (f->store, "account", ID2, NULL));
  g_assert_cmpuint (search_count (f, "bern"), ==, 0);
  assert_fts_consistent (f);
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));  /* nothing pending: no-op */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 3);
}

static void
test_bulk_not_when_synced (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_false (begin_bulk (f));
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two\"}"), ==, OUTPOST_APPLY_WRITTEN);
  /* the normal path: visible at once */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 2);
  g_assert_cmpuint (search_count (f, "bern"), ==, 1);
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 2);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = outpost_store_open (f->path, f->profile, &error);
  g_assert_no_error (error);
}

static void
test_bulk_resume_and_cancel (Fixture *f, gconstpointer data)
{
  g_assert_true (begin_bulk (f));
  g_assert_true (outpost_store_begin (f->store, NULL));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_true (outpost_store_commit (f->store, NULL));
  /* a page that never commits leaves nothing */
  g_assert_true (outpost_store_begin (f->store, NULL));
  g_assert_cmpint (apply (f, ID3, "{\"name\":\"Lost Page\"}"), ==, OUTPOST_APPLY_WRITTEN);
  outpost_store_rollback (f->store);
  /* the program stops and starts again: the load carries on */
  reopen (f);
  g_assert_true (begin_bulk (f));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One again\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 2);
  g_assert_cmpuint (search_count (f, "again"), ==, 1);
  g_assert_cmpuint (search_count (f, "lost"), ==, 0);
  assert_fts_consistent (f);
  /* cancel: another entity's load is dropped without a trace */
  {
    gboolean active = FALSE;
    g_autoptr(JsonObject) v = obj ("{\"fullname\":\"Ann Smith\",\"lastname\":\"Smith\"}");
    g_assert_true (outpost_store_begin_bulk (f->store, "contact", &active, NULL));
    g_assert_true (active);
    g_assert_cmpint (outpost_store_apply_server_row (f->store, "contact", ID3, v, NULL, 1, NULL), ==,
                     OUTPOST_APPLY_WRITTEN);
    g_assert_true (outpost_store_cancel_bulk (f->store, "contact", NULL));
    g_assert_true (outpost_store_end_bulk (f->store, "contact", NULL));
    g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_contact"), ==, 0);
    g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'b_contact'"), ==, 0);
  }
}

/* The staging table has no index on __id; end_bulk builds the unique one. After a load the
 * table has exactly one unique index on __id, and a second load (the first one's index name is
 * taken) works the same. */
static void
test_bulk_unique_ids (Fixture *f, gconstpointer data)
{
  static const char *const idx_sql =
    "SELECT count(*) FROM pragma_index_list('e_account') WHERE \"unique\" = 1";

  g_assert_true (begin_bulk (f));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_index_list('b_account')"), ==, 0);
  g_assert_true (outpost_store_begin (f->store, NULL));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_true (outpost_store_commit (f->store, NULL));
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_assert_cmpint (raw_int (f->path, idx_sql), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_account__id'"), ==, 1);
  /* the index refuses a second row with the same id, and upserts find it */
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_UNCHANGED);
  g_assert_cmpint (apply_v (f, ID1, "{\"name\":\"Alpine Renamed\"}", "W/\"2\"", 1), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 2);

  /* the server dropped everything: the next full sync loads in bulk again */
  g_assert_true (outpost_store_remove_server_row (f->store, "account", ID1, NULL));
  g_assert_true (outpost_store_remove_server_row (f->store, "account", ID2, NULL));
  g_assert_true (begin_bulk (f));
  g_assert_cmpint (apply (f, ID3, "{\"name\":\"Cedar Three\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID3, "{\"name\":\"Cedar Three again\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 1);
  g_assert_cmpuint (search_count (f, "again"), ==, 1);
  g_assert_cmpint (raw_int (f->path, idx_sql), ==, 1);
  assert_fts_consistent (f);
}

/* A load interrupted under an older version left a staging table with __id UNIQUE: it
 * resumes, a repeated row replaces the staged one, and the table keeps that one unique index. */
static void
test_bulk_resume_old_staging (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  /* the staging table as the older version created it: the entity table's own CREATE */
  {
    g_autofree char *sql = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master WHERE name = 'e_account'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    sql = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_assert_nonnull (strstr (sql, "__id TEXT NOT NULL UNIQUE"));
    g_assert_true (g_str_has_prefix (sql, "CREATE TABLE \"e_account\""));
    memcpy (sql + strlen ("CREATE TABLE \""), "b", 1);
    raw_exec (f->path, sql);
  }
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_index_list('b_account')"), ==, 1);
  reopen (f);
  g_assert_true (begin_bulk (f));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One again\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Bern Two\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM b_account"), ==, 2);
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 2);
  g_assert_cmpuint (search_count (f, "again"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_index_list('e_account')"
                            " WHERE \"unique\" = 1"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_account__id'"), ==, 0);
  assert_fts_consistent (f);
}

/* The row goes in, its index entry cannot: the transaction must not commit either. */
static void
test_half_write_commits_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) v = obj ("{\"name\":\"Alpine One\"}");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Before\"}"), ==, OUTPOST_APPLY_WRITTEN);
  /* break the index under the store's feet (another program did it, say) */
  raw_exec (f->path, "DROP TABLE f_account; DELETE FROM outpost_meta WHERE key = 'fts:account'");
  g_assert_true (outpost_store_begin (f->store, NULL));
  outpost_store_apply_server_row (f->store, "account", ID2, v, "W/\"1\"", 1, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (outpost_store_commit (f->store, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_FAILED);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 1);
  /* outside a transaction the same failure leaves nothing either */
  g_clear_error (&error);
  outpost_store_apply_server_row (f->store, "account", ID2, v, "W/\"1\"", 1, &error);
  g_assert_nonnull (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 1);
  /* the next open rebuilds the index from the rows */
  reopen (f);
  g_assert_cmpuint (search_count (f, "before"), ==, 1);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Alpine One\"}"), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpuint (search_count (f, "alpine"), ==, 1);
  assert_fts_consistent (f);
}

/* Up to 1000 matches come in sort order; more come newest first, and paging with the last
 * row as cursor walks all of them once. Words of 1-2 characters match whole words only. */
static void
test_search_modes (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *after_id = NULL;
  g_autofree char *first = NULL;
  char gone[40];

  g_assert_true (begin_bulk (f));
  g_assert_true (outpost_store_begin (f->store, NULL));
  for (guint i = 0; i < 1500; i++)
    {
      g_autofree char *id = g_strdup_printf ("cccccccc-0000-0000-0000-%012u", i);
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Alpine %04u %s\"}", i,
                                               i % 100 == 0 ? "Harbor" : "Meadow");
      g_assert_cmpint (apply (f, id, json), ==, OUTPOST_APPLY_WRITTEN);
    }
  g_assert_true (outpost_store_commit (f->store, NULL));
  g_assert_true (outpost_store_end_bulk (f->store, "account", NULL));
  g_snprintf (gone, sizeof gone, "cccccccc-0000-0000-0000-%012u", 1498);
  g_assert_true (outpost_store_delete (f->store, "account", gone, NULL));

  /* few matches: in name order (descending asked) */
  {
    OutpostQuery q = { .search = "harb", .descending = TRUE };
    g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, NULL);
    g_assert_cmpuint (rows->len, ==, 15);
    g_assert_cmpstr (outpost_record_get_string (rows->pdata[0], "name"), ==, "Alpine 1400 Harbor");
    g_assert_cmpstr (outpost_record_get_string (rows->pdata[14], "name"), ==, "Alpine 0000 Harbor");
  }
  /* many matches: newest first, the locally deleted row hidden, each exactly once */
  for (;;)
    {
      OutpostQuery q = { .search = "alpine", .limit = 100, .after_value = after, .after_id = after_id };
      g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &q, NULL);
      OutpostRecord *last;

      g_assert_nonnull (rows);
      if (rows->len == 0)
        break;
      if (first == NULL)
        first = g_strdup (outpost_record_get_string (rows->pdata[0], "name"));
      for (guint i = 0; i < rows->len; i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (((OutpostRecord *) rows->pdata[i])->id)));
      last = rows->pdata[rows->len - 1];
      g_clear_pointer (&after, json_node_unref);
      after = json_node_copy (json_object_get_member (last->values, "name"));
      g_free (after_id);
      after_id = g_strdup (last->id);
    }
  g_assert_cmpstr (first, ==, "Alpine 1499 Meadow");
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1499);
  g_assert_false (g_hash_table_contains (seen, gone));
  /* short words: whole words only */
  g_assert_cmpuint (search_count (f, "al"), ==, 0);
  g_assert_cmpuint (search_count (f, "alp harbor"), ==, 15);
  assert_fts_consistent (f);
}

/* A server change that leaves the searchable text alone skips the FTS trigger; one that
 * changes it goes through it. Either way the index stays exact. */
static void
test_server_updates (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"Alpine One\",\"address1_city\":\"Oslo\",\"revenue\":5}"), ==,
                   OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply_v (f, ID1, "{\"name\":\"Alpine One\",\"address1_city\":\"Oslo\",\"revenue\":7}", "W/\"2\"", 2), ==, OUTPOST_APPLY_WRITTEN);
  assert_fts_consistent (f);
  g_assert_cmpuint (search_count (f, "oslo"), ==, 1);
  {
    g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "account", ID1, NULL);
    g_assert_cmpfloat (json_object_get_double_member (rec->values, "revenue"), ==, 7);
    g_assert_cmpstr (rec->etag, ==, "W/\"2\"");
  }
  /* the city changes, and a searchable field goes missing (= NULL) */
  g_assert_cmpint (apply_v (f, ID1, "{\"name\":\"Alpine One\",\"address1_city\":\"Bern\"}", "W/\"3\"", 3), ==, OUTPOST_APPLY_WRITTEN);
  assert_fts_consistent (f);
  g_assert_cmpuint (search_count (f, "oslo"), ==, 0);
  g_assert_cmpuint (search_count (f, "bern alpine"), ==, 1);
  g_assert_cmpint (apply_v (f, ID1, "{\"name\":\"Alpine One\"}", "W/\"4\"", 4), ==, OUTPOST_APPLY_WRITTEN);
  assert_fts_consistent (f);
  g_assert_cmpuint (search_count (f, "bern"), ==, 0);
  g_assert_cmpuint (search_count (f, "alpine"), ==, 1);
}

/* PRAGMA integrity_check on a fresh raw connection: "ok" or the first problem. */
static void
assert_integrity (Fixture *f)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  assert_fts_consistent (f);
}

static void
stage_page (OutpostStore *store, guint first, guint n)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (outpost_store_begin (store, &error));
  g_assert_no_error (error);
  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("dddddddd-0000-0000-0000-%012u", i);
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Staged %06u\",\"address1_city\":\"Lyon\"}", i);
      g_autoptr(JsonObject) v = obj (json);
      g_assert_cmpint (outpost_store_apply_server_row (store, "account", id, v, "W/\"1\"", 1, &error),
                       ==, OUTPOST_APPLY_WRITTEN);
      g_assert_no_error (error);
    }
  g_assert_true (outpost_store_commit (store, &error));
  g_assert_no_error (error);
}

/* A second connection opens the store (schema sync, meta write), reads and writes. */
static void
other_connection_works (Fixture *f, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) b = outpost_store_open (f->path, f->profile, &error);
  g_autoptr(JsonObject) v = NULL;
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", name);
  g_autofree char *id = NULL;
  OutpostQuery q = { .search = name, .limit = 10 };
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (b);
  v = obj (json);
  id = outpost_store_create (b, "account", v, &error);
  g_assert_no_error (error);
  rows = outpost_store_query (b, "account", &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (outpost_store_count (b, "account", NULL, &error), >=, 1);
  g_assert_no_error (error);
}

/* The child: a separate program that opens the file, reads, checks and closes it. */
static int
child_read (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int ok = sqlite3_open (path, &db) == SQLITE_OK &&
           sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
           sqlite3_step (stmt) == SQLITE_ROW &&
           g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;

  if (!ok)
    g_printerr ("child: %s\n", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);  /* the last connection to close checkpoints and deletes the WAL */
  return ok ? 0 : 1;
}

/* Another program (this test re-run as a child: fork alone would inherit SQLite's in-process
 * lock bookkeeping) opens the file, reads and closes it. When it closes, it deletes the WAL if
 * it gets the file's EXCLUSIVE lock, which it must not while this process has a connection. */
static void
other_process_reads (Fixture *f)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self_path, "--child-read", f->path, NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
}

/* Connection A bulk-loads page by page while connection B opens, reads and writes. */
static void
test_bulk_concurrent_open (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (begin_bulk (f));
  stage_page (f->store, 0, 200);
  other_connection_works (f, "Zulu");
  assert_integrity (f);
  stage_page (f->store, 200, 200);
  other_connection_works (f, "Yankee");
  other_process_reads (f);
  stage_page (f->store, 400, 200);
  assert_integrity (f);
  g_assert_true (outpost_store_end_bulk (f->store, "account", &error));
  g_assert_no_error (error);
  assert_integrity (f);
  other_connection_works (f, "Xray");
  g_assert_cmpuint (search_count (f, "staged"), ==, 600);
  g_assert_cmpuint (search_count (f, "zulu"), ==, 1);
  g_assert_cmpuint (search_count (f, "xray"), ==, 1);
  assert_integrity (f);
}

typedef struct {
  Fixture  *f;
  gint      stop;
  guint     opens;
  GError   *error;
} Opener;

/* Opens, writes, reads and closes the store in a loop until told to stop. */
static gpointer
opener_thread (gpointer data)
{
  Opener *o = data;

  while (!g_atomic_int_get (&o->stop) && o->error == NULL)
    {
      g_autoptr(OutpostStore) b = outpost_store_open (o->f->path, o->f->profile, &o->error);
      g_autoptr(JsonObject) v = obj ("{\"name\":\"Thread Writer\"}");
      g_autofree char *id = NULL;
      OutpostQuery q = { .search = "lyon", .limit = 5 };
      g_autoptr(GPtrArray) rows = NULL;

      if (b == NULL)
        break;
      if ((id = outpost_store_create (b, "account", v, &o->error)) == NULL)
        break;
      if ((rows = outpost_store_query (b, "account", &q, &o->error)) == NULL)
        break;
      o->opens++;
    }
  return NULL;
}

/* B opens again and again while A stages pages and runs end_bulk. */
static void
test_bulk_open_during_end (Fixture *f, gconstpointer data)
{
  Opener o = { f, 0, 0, NULL };
  g_autoptr(GError) error = NULL;
  GThread *thread;

  g_assert_true (begin_bulk (f));
  thread = g_thread_new ("opener", opener_thread, &o);
  for (guint p = 0; p < 10; p++)
    stage_page (f->store, p * 2000, 2000);
  g_assert_true (outpost_store_end_bulk (f->store, "account", &error));
  g_assert_no_error (error);
  stage_page (f->store, 50000, 10);
  g_usleep (100 * 1000);
  g_atomic_int_set (&o.stop, 1);
  g_thread_join (thread);
  g_assert_no_error (o.error);
  g_test_message ("%u opens meanwhile", o.opens);
  g_assert_cmpuint (o.opens, >, 0);
  g_assert_cmpuint (search_count (f, "staged"), ==, 1000);
  assert_integrity (f);
}

/* A second store opened in this process (the sync engine keeps a log connection and a job
 * connection), then another program reads and closes: this process's commits must stay in
 * the file. Before the fix, the second open's close() of its own descriptor dropped the
 * process's locks, the other program deleted the WAL and the next read here failed with
 * SQLITE_IOERR "disk I/O error". */
static void
test_second_open_keeps_locks (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) kept = NULL;

  g_assert_true (begin_bulk (f));
  stage_page (f->store, 0, 100);
  other_connection_works (f, "Zulu");   /* opened and closed */
  other_process_reads (f);
  stage_page (f->store, 100, 100);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM b_account"), ==, 200);
  kept = outpost_store_open (f->path, f->profile, &error);  /* stays open */
  g_assert_no_error (error);
  other_process_reads (f);
  stage_page (f->store, 200, 100);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM b_account"), ==, 300);
  assert_integrity (f);
  g_assert_true (outpost_store_end_bulk (f->store, "account", &error));
  g_assert_no_error (error);
  other_process_reads (f);
  g_assert_cmpuint (search_count (f, "staged"), ==, 300);
  g_assert_cmpint (outpost_store_count (kept, "account", NULL, &error), ==, 301);
  g_assert_no_error (error);
  g_clear_object (&kept);
  g_clear_object (&f->store);
  other_process_reads (f);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account WHERE name LIKE 'staged%'"), ==, 300);
  assert_integrity (f);
}

int
main (int argc, char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--child-read"))
    return child_read (argv[2]);
  g_test_init (&argc, &argv, NULL);
  TEST ("/store-bulk/load", test_bulk_load);
  TEST ("/store-bulk/not-when-synced", test_bulk_not_when_synced);
  TEST ("/store-bulk/resume-and-cancel", test_bulk_resume_and_cancel);
  TEST ("/store-bulk/unique-ids", test_bulk_unique_ids);
  TEST ("/store-bulk/resume-old-staging", test_bulk_resume_old_staging);
  TEST ("/store-bulk/half-write-commits-nothing", test_half_write_commits_nothing);
  TEST ("/store-search/modes", test_search_modes);
  TEST ("/store-search/server-updates", test_server_updates);
  TEST ("/store-bulk/concurrent-open", test_bulk_concurrent_open);
  TEST ("/store-bulk/open-during-end", test_bulk_open_during_end);
  TEST ("/store-bulk/second-open-keeps-locks", test_second_open_keeps_locks);
  return g_test_run ();
}

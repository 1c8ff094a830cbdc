/* test-store: opening, schema and migrations, the record API, journal atomicity and
 * coalescing, validation, full-text search, file modes. Real SQLite files in a temp folder. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "outpost-store-private.h"
#include "store-fixture.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

static gint64
journal_count (Fixture *f)
{
  g_autoptr(GPtrArray) list = outpost_store_journal_list (f->store, NULL);
  return list->len;
}

static char *
create_account (Fixture *f, const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) values = obj (json);
  char *id = outpost_store_create (f->store, "account", values, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
test_schema (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, OUTPOST_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_account'"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'f_annotation'"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_table_info('e_account')"
                            " WHERE name IN ('__etag','__state','__base','__generation','revenue','__target_primarycontactid')"), ==, 6);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_table_state WHERE full_sync_owed = 1"), ==, 9);
  {
    sqlite3 *db;
    sqlite3_stmt *st;
    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &st, NULL);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "wal");
    sqlite3_finalize (st);
    sqlite3_close (db);
  }
}

static void
test_modes (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  GStatBuf st;
  g_autofree char *xdg = g_build_filename (f->dir, "xdg", NULL);
  g_autofree char *acct = NULL;

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  /* g_get_user_data_dir() caches; the account folder must be under it and 0700 */
  acct = outpost_store_dir_for_account ("someone@example.com");
  g_assert_true (g_str_has_suffix (acct, "someone%40example.com"));
  g_assert_cmpint (g_stat (acct, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  rm_rf (acct);
  {
    g_autofree char *evil = outpost_store_dir_for_account ("../../etc");
    g_assert_null (strstr (evil + strlen (g_get_user_data_dir ()), "/../"));
    rm_rf (evil);
  }
}

static void
test_crud (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_account (f, "{\"name\":\"Contoso\",\"revenue\":1500.5,"
    "\"numberofemployees\":12,\"creditonhold\":true,\"industrycode\":7,"
    "\"primarycontactid\":\"6f1e8a52-0d0e-4c7e-9b8e-2b7f4f1e0a11\"}");
  g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "account", id, &error);
  g_autoptr(JsonObject) changes = obj ("{\"telephone1\":\"555 0100\",\"name\":\"Contoso Ltd\"}");
  g_autoptr(OutpostRecord) rec2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "Contoso");
  g_assert_cmpfloat (outpost_record_get_double (rec, "revenue"), ==, 1500.5);
  g_assert_cmpint (outpost_record_get_int (rec, "numberofemployees"), ==, 12);
  g_assert_true (outpost_record_get_boolean (rec, "creditonhold"));
  g_assert_true (outpost_record_is_null (rec, "telephone1"));
  g_assert_cmpstr (outpost_record_get_string (rec, "primarycontactid@target"), ==, "contact");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_LOCALLY_CREATED);
  g_assert_null (rec->etag);
  g_assert_true (outpost_store_update (f->store, "account", id, changes, &error));
  g_assert_no_error (error);
  rec2 = outpost_store_get (f->store, "account", id, &error);
  g_assert_cmpstr (outpost_record_get_string (rec2, "name"), ==, "Contoso Ltd");
  g_assert_cmpstr (outpost_record_get_string (rec2, "telephone1"), ==, "555 0100");
  g_assert_cmpint (outpost_store_count_unsynced (f->store, "account", NULL), ==, 1);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, NULL), ==, 1);
  g_assert_true (outpost_store_delete (f->store, "account", id, &error));
  g_assert_no_error (error);
  g_assert_null (outpost_store_get (f->store, "account", id, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  /* never uploaded: the row and all its journal entries are gone */
  g_assert_cmpint (journal_count (f), ==, 0);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, NULL), ==, 0);
}

static void
test_coalescing (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_account (f, "{\"name\":\"A\"}");
  g_autoptr(JsonObject) c1 = obj ("{\"telephone1\":\"1\"}");
  g_autoptr(JsonObject) c2 = obj ("{\"telephone1\":\"2\",\"fax\":\"3\"}");
  g_autoptr(GPtrArray) list = NULL;
  OutpostJournalEntry *e;

  g_assert_true (outpost_store_update (f->store, "account", id, c1, NULL));
  list = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (list->len, ==, 1);  /* merged into the pending CREATE */
  e = list->pdata[0];
  g_assert_cmpint (e->op, ==, OUTPOST_JOURNAL_CREATE);
  g_assert_cmpstr (json_object_get_string_member (e->fields, "telephone1"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (e->fields, "name"), ==, "A");
  /* once in flight, a later edit gets its own entry */
  g_assert_true (outpost_store_journal_mark_in_flight (f->store, e->seq, NULL));
  g_assert_true (outpost_store_update (f->store, "account", id, c2, NULL));
  g_assert_true (outpost_store_update (f->store, "account", id, c1, NULL));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (list->len, ==, 2);
  e = list->pdata[1];
  g_assert_cmpint (e->op, ==, OUTPOST_JOURNAL_UPDATE);
  g_assert_cmpstr (json_object_get_string_member (e->fields, "telephone1"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (e->fields, "fax"), ==, "3");
  g_assert_cmpint (((OutpostJournalEntry *) list->pdata[0])->status, ==, OUTPOST_JOURNAL_IN_FLIGHT);
  /* delete after the create went out: a DELETE entry, the pending update is dropped */
  g_assert_true (outpost_store_delete (f->store, "account", id, NULL));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((OutpostJournalEntry *) list->pdata[1])->op, ==, OUTPOST_JOURNAL_DELETE);
}

static void
test_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) values = obj ("{\"name\":\"Doomed\"}");
  g_autofree char *id = NULL;
  g_autofree char *ok_id = create_account (f, "{\"name\":\"Kept\"}");
  g_autoptr(JsonObject) change = obj ("{\"name\":\"Changed\"}");
  g_autoptr(OutpostRecord) rec = NULL;

  /* make the journal insert fail from another connection */
  raw_exec (f->path, "CREATE TRIGGER boom BEFORE INSERT ON outpost_journal BEGIN"
                     " SELECT RAISE(ABORT, 'journal refused'); END;"
                     "CREATE TRIGGER boom2 BEFORE UPDATE ON outpost_journal BEGIN"
                     " SELECT RAISE(ABORT, 'journal refused'); END;");
  id = outpost_store_create (f->store, "account", values, &error);
  g_assert_null (id);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_FAILED);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account WHERE name = 'Doomed'"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM f_account WHERE f_account MATCH 'doomed'"), ==, 0);
  g_clear_error (&error);
  g_assert_false (outpost_store_update (f->store, "account", ok_id, change, &error));
  g_assert_nonnull (error);
  rec = outpost_store_get (f->store, "account", ok_id, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "Kept");
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, 1);
  raw_exec (f->path, "DROP TRIGGER boom; DROP TRIGGER boom2;");
  g_clear_error (&error);
  g_assert_true (outpost_store_update (f->store, "account", ok_id, change, &error));
  g_assert_no_error (error);
}

static void
expect_invalid (Fixture *f, const char *entity, const char *json, gboolean create, const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) values = obj (json);
  g_autofree char *id = NULL;
  gint64 before = raw_int (f->path, "SELECT count(*) FROM outpost_journal");

  g_assert_false (outpost_store_validate (f->store, entity, values, create, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION);
  if (strstr (error->message, part) == NULL)
    g_error ("expected '%s' in '%s'", part, error->message);
  g_clear_error (&error);
  if (create)
    {
      id = outpost_store_create (f->store, entity, values, &error);
      g_assert_null (id);
      g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION);
      g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, before);
    }
}

static void
test_validation (Fixture *f, gconstpointer data)
{
  g_autofree char *long_name = g_strnfill (161, 'x');
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", long_name);

  expect_invalid (f, "account", "{\"telephone1\":\"1\"}", TRUE, "Account Name (name): is required");
  expect_invalid (f, "account", "{\"name\":null}", FALSE, "Account Name");
  expect_invalid (f, "account", json, TRUE, "Account Name (name): is 161 characters long");
  expect_invalid (f, "account", "{\"name\":\"a\",\"numberofemployees\":\"ten\"}", TRUE, "numberofemployees");
  expect_invalid (f, "account", "{\"name\":\"a\",\"numberofemployees\":-1}", TRUE, "must be between");
  expect_invalid (f, "account", "{\"name\":\"a\",\"revenue\":-5}", TRUE, "Annual Revenue");
  expect_invalid (f, "account", "{\"name\":\"a\",\"industrycode\":999}", TRUE, "Industry (industrycode): 999 is not one");
  expect_invalid (f, "account", "{\"name\":\"a\",\"creditonhold\":1}", TRUE, "Credit Hold");
  expect_invalid (f, "account", "{\"name\":\"a\",\"modifiedon\":\"2024-01-01T00:00:00Z\"}", TRUE, "read-only");
  expect_invalid (f, "account", "{\"name\":\"a\",\"nosuch\":1}", TRUE, "nosuch: no such field");
  expect_invalid (f, "account", "{\"name\":\"a\",\"primarycontactid\":\"not-a-guid\"}", TRUE, "Primary Contact");
  expect_invalid (f, "contact", "{\"lastname\":\"a\",\"parentcustomerid\":\"6f1e8a52-0d0e-4c7e-9b8e-2b7f4f1e0a11\","
                  "\"parentcustomerid@target\":\"lead\"}", TRUE, "cannot point");
  expect_invalid (f, "contact", "{\"lastname\":\"a\",\"birthdate\":\"yesterday\"}", TRUE, "Birthday");
  expect_invalid (f, "contact", "{\"lastname\":\"a\",\"new_interests\":\"100000000,5\"}", TRUE, "Interests");
  expect_invalid (f, "account", "{\"name\":\"a; DROP TABLE e_account\",\"x\\\"y\":1}", TRUE, "no such field");
  expect_invalid (f, "account", "{\"name\":\"a\",\"accountid\":\"nope\"}", TRUE, "accountid: not a valid identifier");
  expect_invalid (f, "account", "{\"name\":\"a\",\"ownerid@target\":\"account\"}", TRUE, "cannot point");
  expect_invalid (f, "account", "{\"name\":\"a\",\"nosuch@target\":\"account\"}", TRUE, "unknown lookup");
  {
    /* the length limit counts characters, not bytes: 20 two-byte characters fit in 20 */
    g_autoptr(JsonObject) fits = obj ("{\"name\":\"ø\",\"accountnumber\":\"øøøøøøøøøøøøøøøøøøøø\"}");
    g_autoptr(JsonObject) over = obj ("{\"name\":\"ø\",\"accountnumber\":\"øøøøøøøøøøøøøøøøøøøøø\"}");
    g_autoptr(GError) error = NULL;

    g_assert_true (outpost_store_validate (f->store, "account", fits, TRUE, &error));
    g_assert_no_error (error);
    g_assert_false (outpost_store_validate (f->store, "account", over, TRUE, &error));
    g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION);
    g_assert_nonnull (strstr (error->message, "is 21 characters long"));
  }
  {
    g_autoptr(JsonObject) good = obj ("{\"lastname\":\"Ng\",\"birthdate\":\"1990-04-01\","
                                      "\"new_interests\":\"100000000,100000003\"}");
    g_autoptr(GError) error = NULL;
    g_autofree char *id = outpost_store_create (f->store, "contact", good, &error);
    g_assert_no_error (error);
    g_assert_nonnull (id);
  }
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_account'"), ==, 1);
}

static guint
search_count (Fixture *f, const char *entity, const char *text)
{
  OutpostQuery q = { .search = text, .limit = 1000 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_store_query (f->store, entity, &q, &error);

  g_assert_no_error (error);
  g_assert_cmpint (outpost_store_count (f->store, entity, &q, NULL), ==, rows->len);
  return rows->len;
}

static void
test_fts (Fixture *f, gconstpointer data)
{
  g_autofree char *id = create_account (f, "{\"name\":\"Fabrikam Zürich\",\"address1_city\":\"Bern\"}");
  g_autofree char *id2 = create_account (f, "{\"name\":\"Northwind\"}");
  g_autoptr(JsonObject) change = obj ("{\"name\":\"Tailspin\"}");
  g_autoptr(JsonObject) server = obj ("{\"name\":\"Server Row Adatum\"}");

  g_assert_cmpuint (search_count (f, "account", "fabri"), ==, 1);
  g_assert_cmpuint (search_count (f, "account", "zurich"), ==, 1);  /* diacritics folded */
  g_assert_cmpuint (search_count (f, "account", "bern fab"), ==, 1);
  g_assert_cmpuint (search_count (f, "account", "bern north"), ==, 0);
  g_assert_cmpuint (search_count (f, "account", "\"\" OR * NEAR("), ==, 0);  /* no FTS syntax injection */
  g_assert_true (outpost_store_update (f->store, "account", id, change, NULL));
  g_assert_cmpuint (search_count (f, "account", "fabrikam"), ==, 0);
  g_assert_cmpuint (search_count (f, "account", "tailspin"), ==, 1);
  g_assert_cmpint (outpost_store_apply_server_row (f->store, "account",
                   "11111111-2222-3333-4444-555555555555", server, "W/\"1\"", 1, NULL), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpuint (search_count (f, "account", "adatum"), ==, 1);
  g_assert_true (outpost_store_remove_server_row (f->store, "account", "11111111-2222-3333-4444-555555555555", NULL));
  g_assert_cmpuint (search_count (f, "account", "adatum"), ==, 0);
  g_assert_true (outpost_store_delete (f->store, "account", id2, NULL));
  g_assert_cmpuint (search_count (f, "account", "northwind"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM f_account WHERE f_account MATCH 'northwind'"), ==, 0);
}

static void
test_query_paging (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  OutpostQuery q = { .limit = 7 };
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *after_id = NULL;

  g_assert_true (outpost_store_begin (f->store, NULL));
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *json = i % 10 == 0 ? g_strdup ("{\"name\":\"same\"}")
                                          : g_strdup_printf ("{\"name\":\"acc %02u\",\"address1_city\":\"%s\"}",
                                                             (i * 37) % 50, i % 2 ? "Oslo" : "Rome");
      g_autoptr(JsonObject) v = obj (json);
      g_autofree char *id = g_strdup_printf ("00000000-0000-0000-0000-0000000000%02u", i);
      outpost_store_apply_server_row (f->store, "account", id, v, "W/\"1\"", 1, NULL);
    }
  g_assert_true (outpost_store_commit (f->store, NULL));
  for (;;)
    {
      g_autoptr(GPtrArray) page = NULL;
      q.after_value = after;
      q.after_id = after_id;
      page = outpost_store_query (f->store, "account", &q, NULL);
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          OutpostRecord *r = page->pdata[i];
          g_ptr_array_add (seen, g_strdup_printf ("%s|%s", outpost_record_get_string (r, "name"), r->id));
        }
      {
        OutpostRecord *last = page->pdata[page->len - 1];
        g_clear_pointer (&after, json_node_unref);
        after = json_node_copy (json_object_get_member (last->values, "name"));
        g_free (after_id);
        after_id = g_strdup (last->id);
      }
    }
  g_assert_cmpuint (seen->len, ==, 50);
  for (guint i = 1; i < seen->len; i++)
    g_assert_cmpint (g_ascii_strcasecmp (seen->pdata[i - 1], seen->pdata[i]), <, 0);
  {
    g_autoptr(JsonNode) oslo = json_node_init_string (json_node_alloc (), "Oslo");
    OutpostQuery w = { .where_field = "address1_city", .where_value = oslo, .limit = 100,
                       .sort_field = "name", .descending = TRUE };
    g_autoptr(GPtrArray) rows = outpost_store_query (f->store, "account", &w, NULL);
    g_assert_cmpuint (rows->len, ==, 25);
    for (guint i = 1; i < rows->len; i++)
      g_assert_cmpint (g_ascii_strcasecmp (outpost_record_get_string (rows->pdata[i - 1], "name"),
                                           outpost_record_get_string (rows->pdata[i], "name")), >=, 0);
    OutpostQuery changed = { .flags = OUTPOST_QUERY_CHANGED_HERE };
    g_assert_cmpint (outpost_store_count (f->store, "account", &changed, NULL), ==, 0);
  }
  {
    g_autoptr(GError) error = NULL;
    OutpostQuery bad = { .sort_field = "name; DROP TABLE e_account" };
    g_assert_null (outpost_store_query (f->store, "account", &bad, &error));
    g_assert_nonnull (error);
  }
}

static void
test_too_new (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) again = NULL;

  g_clear_object (&f->store);
  raw_exec (f->path, "PRAGMA user_version = 99");
  again = outpost_store_open (f->path, f->profile, &error);
  g_assert_null (again);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_TOO_NEW);
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, 99);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_account'"), ==, 1);
}

static void
test_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = g_build_filename (f->dir, "bad.db", NULL);
  g_autofree char *junk = g_strnfill (8192, 'J');
  g_autofree char *after = NULL;
  gsize len = 0;
  g_autoptr(OutpostStore) store = NULL;

  g_assert_true (g_file_set_contents (bad, junk, 8192, NULL));
  store = outpost_store_open (bad, f->profile, &error);
  g_assert_null (store);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_CORRUPT);
  g_assert_true (g_file_get_contents (bad, &after, &len, NULL));
  g_assert_cmpuint (len, ==, 8192);
  g_assert_cmpmem (after, len, junk, 8192);
}

static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autofree char *old = g_build_filename (f->dir, "old.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  g_autoptr(OutpostStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;

  /* a version-1 file with a queued change */
  g_assert_cmpint (sqlite3_open (old, &db), ==, SQLITE_OK);
  g_assert_true (outpost_schema_migrate_core (db, 1, &error));
  g_assert_no_error (error);
  sqlite3_exec (db, "INSERT INTO outpost_journal (op, entity, record_id, fields, created)"
                    " VALUES (1, 'account', 'abc', '{\"name\":\"x\"}', 0)", NULL, NULL, NULL);
  sqlite3_close (db);
  g_assert_cmpint (raw_int (old, "PRAGMA user_version"), ==, 1);
  store = outpost_store_open (old, f->profile, &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (old, "PRAGMA user_version"), ==, OUTPOST_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (old, "SELECT count(*) FROM sqlite_master WHERE name = 'outpost_conflict'"), ==, 1);
  /* step 3: the sync errors' lookups use their indexes */
  g_assert_cmpint (raw_int (old, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
                                 " ('outpost_sync_error_journal', 'outpost_sync_error_record')"), ==, 2);
  list = outpost_store_journal_list (store, &error);
  g_assert_cmpuint (list->len, ==, 1);
}

/* The journal keeps the fields as JSON written by the store itself: every value comes back
 * with its type, also text that needs escaping, and doubles that look like integers. */
static void
test_journal_json (Fixture *f, gconstpointer data)
{
  static const char *const json =
    "{\"name\":\"Quote \\\" back\\\\slash \\n\\t\\r\\b\\f \\u0001 \\u001f / Z\\u00fcrich \\u2713\","
    "\"revenue\":5.0,\"numberofemployees\":42,\"creditonhold\":true,\"address1_line2\":null,"
    "\"description\":\"\\u007f\\ud83d\\ude00\",\"industrycode\":1}";
  static const double doubles[] = { 5.0, 0.1, 1e20, 123456789.125, 2.5e-7, 0 };
  static const gint64 ints[] = { 0, 7, -1, 10, -10, 1234567890123, G_MAXINT64, G_MININT64 };
  g_autoptr(JsonObject) values = obj (json);
  g_autofree char *id = create_account (f, json);
  g_autoptr(GPtrArray) list = outpost_store_journal_list (f->store, NULL);
  OutpostJournalEntry *e = list->pdata[0];
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpuint (json_object_get_size (e->fields), ==, json_object_get_size (values));
  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &key, &node))
    {
      JsonNode *back = json_object_get_member (e->fields, key);
      g_assert_nonnull (back);
      g_assert_cmpint (json_node_get_node_type (back), ==, json_node_get_node_type (node));
      if (JSON_NODE_HOLDS_VALUE (node))
        g_assert_true (json_node_get_value_type (back) == json_node_get_value_type (node));
      g_assert_true (json_node_equal (back, node));
    }
  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(JsonObject) d = json_object_new ();
      g_autofree char *text = NULL;
      g_autoptr(JsonObject) parsed = NULL;

      json_object_set_double_member (d, "revenue", doubles[i]);
      text = outpost_json_object_to_string (d);
      parsed = obj (text);
      g_assert_true (json_node_get_value_type (json_object_get_member (parsed, "revenue")) == G_TYPE_DOUBLE);
      g_assert_cmpfloat (json_object_get_double_member (parsed, "revenue"), ==, doubles[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_autoptr(JsonObject) d = json_object_new ();
      g_autofree char *text = NULL;
      g_autoptr(JsonObject) parsed = NULL;

      json_object_set_int_member (d, "n", ints[i]);
      text = outpost_json_object_to_string (d);
      parsed = obj (text);
      g_assert_true (json_node_get_value_type (json_object_get_member (parsed, "n")) == G_TYPE_INT64);
      g_assert_cmpint (json_object_get_int_member (parsed, "n"), ==, ints[i]);
    }
}

static gint64
sort_index_count (const char *path, const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                          " AND name = 'e_account__by_%s'", column);
  return raw_int (path, sql);
}

/* A store written before sort columns were chosen had a sort index on every list column; on
 * open with a profile that sorts accounts by name only, the others go (each cost every insert),
 * the rows stay, sorting by name still pages through the index. Going back to a profile
 * without marks brings them back. */
static void
test_sort_index_upgrade (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = outpost_profile_to_json (f->profile);
  g_autoptr(GString) s = g_string_new (json);
  g_autoptr(OutpostProfile) unmarked = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  OutpostQuery q = { .sort_field = "name", .limit = 10 };
  g_autofree char *b = NULL, *a = NULL;

  g_string_replace (s, "\"sortable\":true,", "", 0);
  g_string_replace (s, ",\"sortable\":true", "", 0);
  unmarked = outpost_profile_new_from_data (s->str, -1, &error);
  g_assert_no_error (error);
  g_clear_object (&f->store);
  f->store = outpost_store_open (f->path, unmarked, &error);
  g_assert_no_error (error);
  b = create_account (f, "{\"name\":\"Beta\",\"address1_city\":\"Oslo\"}");
  a = create_account (f, "{\"name\":\"alpha\",\"address1_city\":\"Bern\"}");
  g_clear_object (&f->store);
  for (const char *const *c = (const char *const[]) { "name", "address1_city", "telephone1", "emailaddress1", NULL }; *c; c++)
    g_assert_cmpint (sort_index_count (f->path, *c), ==, 1);
  /* and one of the older form, on (column, __id) */
  raw_exec (f->path, "CREATE INDEX \"e_account__sort_address1_city\" ON e_account (address1_city, __id)");

  f->store = outpost_store_open (f->path, f->profile, &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, OUTPOST_SCHEMA_VERSION);
  g_assert_cmpint (sort_index_count (f->path, "name"), ==, 1);
  g_assert_cmpint (sort_index_count (f->path, "address1_city"), ==, 0);
  g_assert_cmpint (sort_index_count (f->path, "telephone1"), ==, 0);
  g_assert_cmpint (sort_index_count (f->path, "emailaddress1"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'e_account__sort%'"), ==, 0);
  /* other entities keep the index of their own sort columns */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_task__by_scheduledend'"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'e_task__by_regardingobjectid'"), ==, 0);
  rows = outpost_store_query (f->store, "account", &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((OutpostRecord *) rows->pdata[0])->id, ==, a);
  g_assert_cmpstr (((OutpostRecord *) rows->pdata[1])->id, ==, b);
  g_assert_cmpint (journal_count (f), ==, 2);

  g_clear_object (&f->store);
  f->store = outpost_store_open (f->path, unmarked, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sort_index_count (f->path, "address1_city"), ==, 1);
}

static void
test_profile_adds_field (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = create_account (f, "{\"name\":\"Before\"}");
  g_autofree char *json = outpost_profile_to_json (f->profile);
  g_autoptr(GString) s = g_string_new (json);
  g_autoptr(OutpostProfile) p2 = NULL;
  g_autoptr(OutpostStore) store = NULL;
  g_autoptr(JsonObject) v = obj ("{\"name\":\"After\",\"new_region\":\"North\"}");
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(OutpostTableState) state = NULL;
  OutpostTableState reset = { .entity = (char *) "account" };

  g_assert_true (outpost_store_set_table_state (f->store, &reset, NULL));
  g_clear_object (&f->store);
  /* add a searchable field to account (the first entity's field list) */
  g_string_replace (s, "\"fields\":[", "\"fields\":[{\"name\":\"new_region\",\"type\":\"string\",\"searchable\":true},", 1);
  p2 = outpost_profile_new_from_data (s->str, -1, &error);
  g_assert_no_error (error);
  store = outpost_store_open (f->path, p2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_table_info('e_account') WHERE name = 'new_region'"), ==, 1);
  rec = outpost_store_get (store, "account", id, &error);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "Before");
  g_assert_true (outpost_record_is_null (rec, "new_region"));
  g_assert_true (outpost_store_update (store, "account", id, v, &error));
  g_assert_no_error (error);
  {
    OutpostQuery q = { .search = "north" };
    g_assert_cmpint (outpost_store_count (store, "account", &q, NULL), ==, 1);
  }
  state = outpost_store_get_table_state (store, "account", NULL);
  g_assert_true (state->full_sync_owed);
}

static void
busy_cb (OutpostStore *store, gpointer data)
{
  (*(int *) data)++;
}

static gpointer
release_later (gpointer data)
{
  sqlite3 *db = data;
  g_usleep (400 * 1000);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  return NULL;
}

static void
test_busy (Fixture *f, gconstpointer data)
{
  sqlite3 *other = NULL;
  int calls = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) v = obj ("{\"name\":\"Waited\"}");
  GThread *thread;

  g_assert_cmpint (sqlite3_open (f->path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  outpost_store_set_busy_func (f->store, busy_cb, &calls);
  thread = g_thread_new ("holder", release_later, other);
  id = outpost_store_create (f->store, "account", v, &error);
  g_thread_join (thread);
  sqlite3_close (other);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpint (calls, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  TEST ("/store/schema", test_schema);
  TEST ("/store/file-modes", test_modes);
  TEST ("/store/crud", test_crud);
  TEST ("/store/coalescing", test_coalescing);
  TEST ("/store/atomic-write", test_atomic);
  TEST ("/store/validation", test_validation);
  TEST ("/store/fts", test_fts);
  TEST ("/store/query-paging", test_query_paging);
  TEST ("/store/too-new", test_too_new);
  TEST ("/store/corrupt", test_corrupt);
  TEST ("/store/migration", test_migration);
  TEST ("/store/sort-index-upgrade", test_sort_index_upgrade);
  TEST ("/store/journal-json", test_journal_json);
  TEST ("/store/profile-adds-field", test_profile_adds_field);
  TEST ("/store/busy-waits", test_busy);
  return g_test_run ();
}

/* test-sync-conflicts.c: a local change meets a server change since its base. Three-way merge
 * of non-overlapping fields, then each entity policy for the overlapping ones. */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "outpost-store-sync.h"
#include "outpost-test-server.h"

typedef OutpostSyncFixture Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_setup (f, OUTPOST_SYNC_FULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_teardown (f);
}

static void
local_set (Fixture *f, const char *entity, const char *id, const char *field, const char *value)
{
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (changes, field, value);
  g_assert_true (outpost_store_update (f->store, entity, id, changes, &error));
  g_assert_no_error (error);
}

/* "another user" changes the row on the server */
static void
server_set (Fixture *f, const char *set, const char *id, const char *json)
{
  g_autofree char *path = g_strdup_printf ("%s(%s)", set, id);
  guint status = 0;
  g_autoptr(JsonNode) n = outpost_test_server_api (f->srv, "PATCH", path, json, &status);

  g_assert_cmpuint (status, ==, 204);
}

static char *
server_get (Fixture *f, const char *set, const char *id, const char *field)
{
  g_autofree char *path = g_strdup_printf ("%s(%s)", set, id);
  guint status = 0;
  g_autoptr(JsonNode) n = outpost_test_server_api (f->srv, "GET", path, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (n), field, NULL));
}

static char *
local_get (Fixture *f, const char *entity, const char *id, const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) r = outpost_store_get (f->store, entity, id, &error);

  g_assert_no_error (error);
  return g_strdup (outpost_record_get_string (r, field));
}

static char *
first_id (Fixture *f, const char *set, const char *pk)
{
  g_auto(GStrv) ids = outpost_test_server_ids (f->srv, set, pk, "statecode eq 0", 1);
  return g_strdup (ids[0]);
}

#define ASSERT_BOTH(set, entity, id, field, value) G_STMT_START { \
    g_autofree char *s_ = server_get (f, set, id, field); \
    g_autofree char *l_ = local_get (f, entity, id, field); \
    g_assert_cmpstr (s_, ==, value); \
    g_assert_cmpstr (l_, ==, value); \
  } G_STMT_END

/* Different fields on each side: both survive, no conflict. */
static void
test_three_way_merge (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "accounts", "accountid");
  g_autoptr(OutpostSyncResult) r = NULL;

  local_set (f, "account", id, "telephone1", "+1 555 0101");
  server_set (f, "accounts", id, "{\"fax\":\"+1 555 0202\"}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->conflicts, ==, 0);
  g_assert_cmpint (r->errors, ==, 0);
  ASSERT_BOTH ("accounts", "account", id, "telephone1", "+1 555 0101");
  ASSERT_BOTH ("accounts", "account", id, "fax", "+1 555 0202");
}

/* account: ClientWinsChangedFields — the local field wins, the server's other change stays. */
static void
test_client_wins_changed_fields (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "accounts", "accountid");
  g_autoptr(OutpostSyncResult) r = NULL;

  local_set (f, "account", id, "telephone1", "local phone");
  server_set (f, "accounts", id, "{\"telephone1\":\"server phone\",\"fax\":\"server fax\"}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->conflicts, ==, 1);
  ASSERT_BOTH ("accounts", "account", id, "telephone1", "local phone");
  ASSERT_BOTH ("accounts", "account", id, "fax", "server fax");
}

/* task: ClientWinsFull — the whole local version wins, the server's other change is undone. */
static void
test_client_wins_full (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "tasks", "activityid");
  g_autofree char *before = local_get (f, "task", id, "description");
  g_autoptr(OutpostSyncResult) r = NULL;

  local_set (f, "task", id, "subject", "local subject");
  server_set (f, "tasks", id, "{\"subject\":\"server subject\",\"description\":\"server description\"}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->conflicts, ==, 1);
  ASSERT_BOTH ("tasks", "task", id, "subject", "local subject");
  ASSERT_BOTH ("tasks", "task", id, "description", before);
}

/* email: ServerWins — the server's value stays; the lost local value is in the sync log. */
static void
test_server_wins (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) ids = outpost_test_server_ids (f->srv, "emails", "activityid", NULL, 1);
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  gboolean logged = FALSE;

  local_set (f, "email", ids[0], "subject", "my lost subject");
  server_set (f, "emails", ids[0], "{\"subject\":\"server subject\"}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->conflicts, ==, 1);
  ASSERT_BOTH ("emails", "email", ids[0], "subject", "server subject");
  messages = outpost_store_list_run_messages (f->store, r->run_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++)
    logged |= strstr (g_ptr_array_index (messages, i), "my lost subject") != NULL;
  g_assert_true (logged);
}

/* lead: Manual — stored with local, server and base values; nothing overwritten on either side
 * until the user resolves; then the chosen value goes up. */
static void
test_manual (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "leads", "leadid");
  g_autofree char *base = local_get (f, "lead", id, "jobtitle");
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  OutpostConflict *c;
  g_autoptr(JsonObject) chosen = json_object_new ();

  local_set (f, "lead", id, "jobtitle", "Local Title");
  server_set (f, "leads", id, "{\"jobtitle\":\"Server Title\",\"companyname\":\"Server Co\"}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->conflicts, ==, 1);
  g_assert_cmpint (r->manual_conflicts, ==, 1);
  conflicts = outpost_store_list_conflicts (f->store, &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  c = g_ptr_array_index (conflicts, 0);
  g_assert_cmpstr (json_object_get_string_member (c->local, "jobtitle"), ==, "Local Title");
  g_assert_cmpstr (json_object_get_string_member (c->server, "jobtitle"), ==, "Server Title");
  g_assert_cmpstr (json_object_get_string_member_with_default (c->base, "jobtitle", NULL), ==, base);
  {
    g_autofree char *s = server_get (f, "leads", id, "jobtitle");
    g_autofree char *l = local_get (f, "lead", id, "jobtitle");
    g_assert_cmpstr (s, ==, "Server Title");   /* not uploaded while unresolved */
    g_assert_cmpstr (l, ==, "Local Title");    /* not overwritten either */
  }
  ASSERT_BOTH ("leads", "lead", id, "companyname", "Server Co");   /* the non-overlapping part merged */

  /* the next sync leaves it alone */
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  {
    g_autofree char *s = server_get (f, "leads", id, "jobtitle");
    g_assert_cmpstr (s, ==, "Server Title");
  }
  json_object_set_string_member (chosen, "jobtitle", "Agreed Title");
  g_assert_true (outpost_store_resolve_conflict (f->store, c->id, chosen, &error));
  g_assert_no_error (error);
  g_clear_pointer (&again, outpost_sync_result_free);
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  ASSERT_BOTH ("leads", "lead", id, "jobtitle", "Agreed Title");
  ASSERT_BOTH ("leads", "lead", id, "companyname", "Server Co");
}

/* ---- a record someone deleted on the server ----------------------------------------------------- */

static void
server_delete (Fixture *f, const char *set, const char *id)
{
  g_autofree char *admin = g_strdup_printf ("records/%s/%s", set, id);

  g_assert_cmpuint (outpost_test_server_admin (f->srv, "DELETE", admin, NULL, NULL), ==, 204);
}

/* Journal entries of the record in any status (failed ones included), read from the file. */
static gint64
journal_entries_of (Fixture *f, const char *id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_open_v2 (f->srv->db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      (sqlite3_busy_timeout (db, 2000), TRUE) &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM outpost_journal WHERE record_id = ?1", -1,
                          &stmt, NULL) == SQLITE_OK &&
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* An edit here of a record deleted there: the update's 404 is a "deleted on the server" issue
 * named after the record, the edit stays until the user chooses; Take Server Version removes
 * the record here (and its journal), and the next sync has nothing left to do. */
static void
test_update_of_deleted (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "accounts", "accountid");
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostSyncResult) again = NULL;
  g_autoptr(OutpostSyncResult) after = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(OutpostRecord) gone = NULL;
  g_autofree char *kept = NULL;
  OutpostSyncErrorRow *row;
  gint64 before = outpost_store_count (f->store, "account", NULL, NULL);

  g_assert_cmpint (before, >, 1);
  local_set (f, "account", id, "name", "Edited Here");
  server_delete (f, "accounts", id);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->errors, ==, 1);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (errors->len, ==, 1);
  row = g_ptr_array_index (errors, 0);
  g_assert_cmpstr (row->record_id, ==, id);
  g_assert_nonnull (strstr (row->message, "Deleted on the server by someone else"));
  g_assert_nonnull (strstr (row->message, "Edited Here"));
  g_assert_null (strstr (row->message, "Does Not Exist"));
  /* the edit is kept while the issue waits, also through another sync */
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  kept = local_get (f, "account", id, "name");
  g_assert_cmpstr (kept, ==, "Edited Here");
  g_assert_cmpint (journal_entries_of (f, id), ==, 1);

  g_assert_true (outpost_store_error_take_server (f->store, row->id, &error));
  g_assert_no_error (error);
  gone = outpost_store_get (f->store, "account", id, &error);
  g_assert_null (gone);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (journal_entries_of (f, id), ==, 0);
  g_clear_pointer (&errors, g_ptr_array_unref);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_cmpuint (errors->len, ==, 0);

  after = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (after->errors, ==, 0);
  /* no ghost: one record fewer than before, as on the server */
  g_assert_cmpint (outpost_store_count (f->store, "account", NULL, &error), ==, before - 1);
}

/* A delete here of a record deleted there: the 404 is the effect the user asked for. */
static void
test_delete_of_deleted (Fixture *f, gconstpointer data)
{
  g_autofree char *id = first_id (f, "accounts", "accountid");
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(OutpostRecord) gone = NULL;

  g_assert_true (outpost_store_delete (f->store, "account", id, &error));
  g_assert_no_error (error);
  server_delete (f, "accounts", id);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (r->uploaded, ==, 1);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_cmpuint (errors->len, ==, 0);
  g_assert_cmpint (journal_entries_of (f, id), ==, 0);
  gone = outpost_store_get (f->store, "account", id, &error);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

/* Raw SQL on the client's file, to recreate what an older "Take Server Version" left. */
static void
raw_exec (Fixture *f, const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->srv->db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 2000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Rows whose local change "Take Server Version" dropped (synced, no ETag) are read again by
 * the next sync: a ghost whose deletion went by while it had local changes goes, and a row
 * with outdated values gets the server's. */
static void
test_stale_rows_refreshed (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) ids = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 2);
  g_autofree char *ghost_sql = NULL, *stale_sql = NULL, *server_name = NULL, *name = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;
  g_autoptr(OutpostRecord) gone = NULL;
  g_autoptr(OutpostRecord) kept = NULL;
  gint64 before = outpost_store_count (f->store, "account", NULL, NULL);

  /* the ghost: deleted on the server while it had local changes (the delta's removal kept it) */
  ghost_sql = g_strdup_printf ("UPDATE e_account SET __state = 2 WHERE __id = '%s'", ids[0]);
  raw_exec (f, ghost_sql);
  server_delete (f, "accounts", ids[0]);
  r1 = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  kept = outpost_store_get (f->store, "account", ids[0], NULL);
  g_assert_nonnull (kept);
  /* then its change dropped as the old Take Server Version did; and another row outdated */
  server_name = server_get (f, "accounts", ids[1], "name");
  stale_sql = g_strdup_printf ("UPDATE e_account SET __state = 0, __etag = NULL WHERE __id = '%s';"
                               "UPDATE e_account SET __etag = NULL, name = 'Outdated' WHERE __id = '%s'",
                               ids[0], ids[1]);
  raw_exec (f, stale_sql);

  r2 = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r2->errors, ==, 0);
  gone = outpost_store_get (f->store, "account", ids[0], &error);
  g_assert_null (gone);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  name = local_get (f, "account", ids[1], "name");
  g_assert_cmpstr (name, ==, server_name);
  g_assert_cmpint (outpost_store_count (f->store, "account", NULL, NULL), ==, before - 1);
  {
    g_autoptr(GPtrArray) stale = outpost_store_list_stale (f->store, "account", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stale->len, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/conflicts/three-way-merge", Fixture, NULL, setup, test_three_way_merge, teardown);
  g_test_add ("/sync/conflicts/client-wins-changed-fields", Fixture, NULL, setup, test_client_wins_changed_fields, teardown);
  g_test_add ("/sync/conflicts/client-wins-full", Fixture, NULL, setup, test_client_wins_full, teardown);
  g_test_add ("/sync/conflicts/server-wins", Fixture, NULL, setup, test_server_wins, teardown);
  g_test_add ("/sync/conflicts/manual", Fixture, NULL, setup, test_manual, teardown);
  g_test_add ("/sync/conflicts/update-of-deleted", Fixture, NULL, setup, test_update_of_deleted, teardown);
  g_test_add ("/sync/conflicts/delete-of-deleted", Fixture, NULL, setup, test_delete_of_deleted, teardown);
  g_test_add ("/sync/conflicts/stale-rows-refreshed", Fixture, NULL, setup, test_stale_rows_refreshed, teardown);
  return g_test_run ();
}

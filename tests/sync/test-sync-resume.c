/* test-sync-resume.c: a full sync killed (SIGKILL) in the middle resumes at its checkpoint:
 * the pages already committed are not fetched again, and the result is complete. While it ran,
 * another process could not sync the account; its run ends in the log as "interrupted". */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>

#include "outpost-store-sync.h"
#include "outpost-sync-metadata.h"
#include "outpost-test-server.h"

#define N_ACCOUNTS 4000
#define PAGE 100

/* The child: a full sync with small pages, to be killed. */
static int
child_main (const char *url, const char *db)
{
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_sync_engine_new ("child", url, NULL, profile, db);
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL, NULL, 1, PAGE, 0 };
  g_autoptr(OutpostSyncResult) r = outpost_sync_engine_run (engine, &options, NULL, NULL);

  return r != NULL ? 0 : 1;
}

/* Rows a first full sync has committed but not yet published: the store's bulk load stages
 * them in "b_account" (read-only, so the peek never writes to the child's database). */
static gint64
staged_rows (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      (sqlite3_busy_timeout (db, 2000), TRUE) &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM b_account", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* *count: the accounts the sync has committed, visible or staged. */
static OutpostTableState *
peek_state (OutpostTestServer *srv, OutpostProfile *base, gint64 *count)
{
  g_autoptr(OutpostProfile) refined = outpost_sync_metadata_load (srv->db_path, base, NULL, FALSE);
  g_autoptr(OutpostStore) store = NULL;
  OutpostTableState *state;

  if (refined == NULL || !g_file_test (srv->db_path, G_FILE_TEST_EXISTS))
    return NULL;
  store = outpost_store_open (srv->db_path, refined, NULL);
  if (store == NULL)
    return NULL;
  state = outpost_store_get_table_state (store, "account", NULL);
  {
    g_autoptr(GError) error = NULL;
    *count = outpost_store_count (store, "account", NULL, &error);
    if (error != NULL)
      g_test_message ("count: %s", error->message);
    *count += staged_rows (srv->db_path);
  }
  return state;
}

static gint64
account_gets (OutpostTestServer *srv)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *counts;

  g_assert_cmpuint (outpost_test_server_admin (srv, "GET", "requests", NULL, &node), ==, 200);
  counts = json_object_get_object_member (json_node_get_object (node), "counts");
  return json_object_get_int_member_with_default (counts, "GET /api/data/v9.2/accounts", 0);
}

/* While the child syncs, a sync of the same account from this process is refused (BUSY):
 * one sync per account across processes. */
static void
assert_busy_while_child_syncs (OutpostTestServer *srv, OutpostProfile *profile)
{
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  OutpostSyncOptions options = { OUTPOST_SYNC_UPLOAD_ONLY };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = outpost_sync_engine_run (engine, &options, NULL, &error);

  g_assert_null (r);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_BUSY);
}

/* The killed child's run ends as "interrupted" when the next sync starts; that one succeeds. */
static void
assert_killed_run_interrupted (OutpostTestServer *srv, OutpostProfile *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) store = outpost_store_open (srv->db_path, profile, &error);
  g_autoptr(GPtrArray) runs = NULL;
  OutpostSyncRun *resumed, *killed;

  g_assert_no_error (error);
  runs = outpost_store_list_runs (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  resumed = g_ptr_array_index (runs, 0);
  killed = g_ptr_array_index (runs, 1);
  g_assert_cmpstr (resumed->status, ==, "succeeded");
  g_assert_cmpstr (killed->status, ==, "interrupted");
  g_assert_cmpint (killed->ended, >=, killed->started);
  g_assert_nonnull (killed->message);
}

static void
test_resume_after_kill (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("accounts=4000", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostTableState) killed = NULL;
  gint64 count = 0, before_kill = 0, pages_after;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);

  g_assert_cmpuint (outpost_test_server_admin (srv, "POST", "faults",
      "{\"kind\":\"latency\",\"path_prefix\":\"/api/data/v9.2/accounts\",\"method\":\"GET\",\"ms\":400}", NULL), ==, 200);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--child", srv->base_url,
                            srv->db_path, NULL);
  g_assert_no_error (error);
  /* wait until some pages of the filtered full download are committed */
  for (guint i = 0; i < 600 && killed == NULL; i++)
    {
      g_autoptr(OutpostTableState) s = peek_state (srv, profile, &count);

      if (i % 20 == 0)
        g_test_message ("poll %u: state %s, checkpoint %s, %" G_GINT64_FORMAT " accounts", i,
                        s ? "yes" : "no", s && s->checkpoint ? "yes" : "no", count);
      if (s != NULL && s->checkpoint != NULL && count >= 5 * PAGE)
        {
          assert_busy_while_child_syncs (srv, profile);
          g_subprocess_force_exit (child);   /* SIGKILL: no chance to clean up */
          g_subprocess_wait (child, NULL, NULL);
          killed = peek_state (srv, profile, &before_kill);
        }
      else
        g_usleep (50000);
    }
  g_assert_nonnull (killed);
  g_assert_nonnull (killed->checkpoint);
  g_assert_true (killed->full_sync_owed);
  g_assert_cmpint (before_kill, <, N_ACCOUNTS);
  /* a first full sync goes through the store's bulk load: the killed one left staged rows
   * (invisible until the load ends) that the resumed sync must continue from */
  g_assert_cmpint (staged_rows (srv->db_path), ==, before_kill);
  g_test_message ("killed with %" G_GINT64_FORMAT " accounts and checkpoint %s", before_kill, killed->checkpoint);

  g_assert_cmpuint (outpost_test_server_admin (srv, "DELETE", "faults", NULL, NULL), ==, 200);
  g_assert_cmpuint (outpost_test_server_admin (srv, "DELETE", "requests", NULL, NULL), ==, 200);
  {
    g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
    OutpostSyncOptions options = { OUTPOST_SYNC_INCREMENTAL, NULL, 1, PAGE, 0 };
    g_autoptr(OutpostSyncResult) r = outpost_sync_engine_run (engine, &options, NULL, &error);
    g_autoptr(OutpostTableState) after = NULL;

    g_assert_no_error (error);
    after = peek_state (srv, profile, &count);
    pages_after = account_gets (srv);
    g_test_message ("resumed: %" G_GINT64_FORMAT " account requests, %" G_GINT64_FORMAT " accounts",
                    pages_after, count);
    g_assert_null (after->checkpoint);
    g_assert_false (after->full_sync_owed);
    g_assert_nonnull (after->delta_link);
    g_assert_cmpint (after->generation, ==, killed->generation);   /* the same full sync */
  }
  assert_killed_run_interrupted (srv, profile);
  {
    g_autofree char *q = g_uri_escape_string ("accounts?$filter=statecode eq 0", "?=$/", FALSE);
    g_assert_cmpint (count, ==, outpost_test_server_count (srv, q));
  }
  /* only the pages not yet committed were fetched again (plus at most the one in flight) */
  g_assert_cmpint (pages_after, <=, (N_ACCOUNTS - before_kill) / PAGE + 2);
}

/* The connector reads the pages of a full sync ahead (the next link taken from the end of the
 * raw page): still exactly one request per page, every row once, nothing fetched twice. */
static void
test_read_ahead_pages (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("accounts=4000", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL, NULL, 1, PAGE, 0 };
  g_autofree char *q = g_uri_escape_string ("accounts?$filter=statecode eq 0", "?=$/", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostTableState) state = NULL;
  gint64 expected = outpost_test_server_count (srv, q), count = 0;

  g_assert_cmpuint (outpost_test_server_admin (srv, "DELETE", "requests", NULL, NULL), ==, 200);
  r = outpost_sync_engine_run (engine, &options, NULL, &error);
  g_assert_no_error (error);
  state = peek_state (srv, profile, &count);
  g_assert_cmpint (expected, >, 10 * PAGE);
  g_assert_cmpint (count, ==, expected);
  g_assert_null (state->checkpoint);
  g_assert_cmpint (staged_rows (srv->db_path), ==, 0);   /* the bulk load ended */
  /* the filtered tracked table: its delta link from an ids-only read, then the rows: each
   * walks the pages once */
  g_assert_cmpint (account_gets (srv), ==, 2 * ((expected + PAGE - 1) / PAGE));
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2], argv[3]);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/resume/after-kill", test_resume_after_kill);
  g_test_add_func ("/sync/resume/read-ahead-pages", test_read_ahead_pages);
  return g_test_run ();
}

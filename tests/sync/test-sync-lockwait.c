/* test-sync-lockwait.c: a user's save made while a background sync writes (audit4 #15; issue
 * 5's promise "the user is told and the save waits — then lands"). Each page transaction is
 * kept open PAGE_MS (OUTPOST_TEST_SLOW_PAGE_WRITE_MS, a slow disk); between two pages the
 * sync's writer used to take the write lock again at once and the waiting save landed only
 * when the whole sync ended. Now it gives way (outpost_store_give_way): the save lands after
 * the page in progress, well before the sync ends. */
#include "config.h"

#include "outpost-store-sync.h"
#include "outpost-test-server.h"

#define PAGE_MS   400
#define PAGE_SIZE 200
#define SEED      "accounts=3000"   /* 15 pages of accounts: the sync writes for >= 6 s */

typedef struct {
  OutpostSyncEngine *engine;
  gint64             ended;        /* monotonic, when the sync returned */
  gint               done;         /* atomic */
  OutpostSyncResult *result;
  GError            *error;
} SyncRun;

static gpointer
sync_thread (gpointer data)
{
  SyncRun *run = data;
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL, .page_size = PAGE_SIZE, .background = TRUE };

  run->result = outpost_sync_engine_run (run->engine, &options, NULL, &run->error);
  run->ended = g_get_monotonic_time ();
  g_atomic_int_set (&run->done, 1);
  return NULL;
}

static void
busy_cb (OutpostStore *store, gpointer user_data)
{
  gint64 *noticed = user_data;

  if (*noticed == 0)
    *noticed = g_get_monotonic_time ();
}

/* The sync is writing account pages once the first one's checkpoint is committed. */
static void
wait_for_pages (OutpostStore *store, SyncRun *run)
{
  for (guint i = 0; i < 600 && !g_atomic_int_get (&run->done); i++)
    {
      g_autoptr(OutpostTableState) state = outpost_store_get_table_state (store, "account", NULL);

      if (state != NULL && state->checkpoint != NULL)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("the sync wrote no page of accounts");
}

/* One save; TRUE when it met the sync's lock (the user was told). Its wait after the notice
 * is added to *after_notice_max. */
static gboolean
save_once (OutpostStore *store, SyncRun *run, gint64 *noticed, gint64 *after_notice_max,
           gint64 *landed)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(OutpostRecord) saved = NULL;
  gint64 started;

  *noticed = 0;
  json_object_set_string_member (values, "name", "Saved during the sync");
  started = g_get_monotonic_time ();
  id = outpost_store_create (store, "account", values, &error);
  *landed = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_assert_false (g_atomic_int_get (&run->done));   /* it landed during the sync */
  saved = outpost_store_get (store, "account", id, NULL);
  g_assert_nonnull (saved);
  if (*noticed == 0)
    return FALSE;
  g_test_message ("save: noticed after %.0f ms, landed %.0f ms after the notice",
                  (*noticed - started) / 1e3, (*landed - *noticed) / 1e3);
  *after_notice_max = MAX (*after_notice_max, *landed - *noticed);
  return TRUE;
}

static void
test_save_during_sync (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start (SEED, NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostStore) store = outpost_test_open_store (srv, profile);
  SyncRun run = { outpost_test_engine (srv, profile) };
  gint64 noticed = 0, landed = 0, after_notice_max = 0;
  guint met = 0;
  GThread *thread;

  outpost_store_set_busy_func (store, busy_cb, &noticed);
  thread = g_thread_new ("sync", sync_thread, &run);
  wait_for_pages (store, &run);
  /* the sync holds the lock nearly all the time: three saves that meet it (a save that
   * happens to fall between two pages does not count) */
  for (guint attempt = 0; attempt < 10 && met < 3; attempt++)
    {
      g_usleep (PAGE_MS * 1000 / 3);
      met += save_once (store, &run, &noticed, &after_notice_max, &landed);
    }
  g_thread_join (thread);
  g_assert_no_error (run.error);
  g_assert_nonnull (run.result);
  g_test_message ("%u saves met the lock; the longest landed %.0f ms after its notice; the "
                  "sync ended %.0f ms after the last save (%.1f s in all)", met,
                  after_notice_max / 1e3, (run.ended - landed) / 1e3, run.result->seconds);
  g_assert_cmpuint (met, ==, 3);                                /* the user was told */
  g_assert_cmpint (after_notice_max, <, 2 * PAGE_MS * 1000);    /* after one page at most */
  g_assert_cmpint (run.ended - landed, >, 2 * PAGE_MS * 1000);  /* well before the end */
  g_clear_pointer (&run.result, outpost_sync_result_free);
  g_object_unref (run.engine);
}

int
main (int argc, char **argv)
{
  /* read once, at the first page written: set before any sync */
  g_setenv ("OUTPOST_TEST_SLOW_PAGE_WRITE_MS", G_STRINGIFY (PAGE_MS), TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/lockwait/save-during-sync", test_save_during_sync);
  return g_test_run ();
}

/* test-sync-download.c: full and incremental download against the real outpost-server. */
#include "config.h"

#include "outpost-store-sync.h"
#include "outpost-test-server.h"

static gint64
local_count (OutpostTestServer *srv, OutpostProfile *profile, const char *entity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) store = outpost_store_open (srv->db_path, profile, &error);
  gint64 n;

  g_assert_no_error (error);
  n = outpost_store_count (store, entity, NULL, &error);
  g_assert_no_error (error);
  return n;
}

/* Every profile entity arrives, with the profile's filter applied, lookups mapped. */
static void
test_full_sync (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) result = outpost_test_sync (engine, OUTPOST_SYNC_FULL);

  g_assert_cmpint (result->downloaded, >, 0);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
      g_autofree char *q = e->filter ? g_strdup_printf ("%s?$filter=%s", e->entity_set, e->filter)
                                     : g_strdup (e->entity_set);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

      g_test_message ("%s: server %" G_GINT64_FORMAT ", local %" G_GINT64_FORMAT, e->logical_name,
                      outpost_test_server_count (srv, escaped), local_count (srv, profile, e->logical_name));
      g_assert_cmpint (outpost_test_server_count (srv, escaped), ==, local_count (srv, profile, e->logical_name));
    }
}

typedef struct {
  guint      progress;
  guint      downloads;
  GPtrArray *changed;
  guint      running_notifies;
  GThread   *main_thread;
  gboolean   done;
  OutpostSyncResult *result;
  GError    *error;
} Events;

static void
on_progress (OutpostSyncEngine *engine, const OutpostSyncProgress *p, Events *ev)
{
  g_assert_true (g_thread_self () == ev->main_thread);   /* delivered on the caller's context */
  ev->progress++;
  if (p->phase == OUTPOST_SYNC_PHASE_DOWNLOAD && p->entity != NULL)
    ev->downloads++;
}

static void
on_changed (OutpostSyncEngine *engine, const char *entity, Events *ev)
{
  g_assert_true (g_thread_self () == ev->main_thread);
  g_ptr_array_add (ev->changed, g_strdup (entity));
}

static void
on_running (GObject *engine, GParamSpec *pspec, Events *ev)
{
  ev->running_notifies++;
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Events *ev = data;
  ev->result = outpost_sync_engine_run_finish (OUTPOST_SYNC_ENGINE (source), res, &ev->error);
  ev->done = TRUE;
}

static void
busy_done (GObject *source, GAsyncResult *res, gpointer data)
{
  GError **error = data;
  g_assert_null (outpost_sync_engine_run_finish (OUTPOST_SYNC_ENGINE (source), res, error));
}

/* The engine API as the UI uses it: run_async, signals on the main context, "running", a
 * second run refused while one runs, and the run in the sync log. */
static void
test_engine_api (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  Events ev = { 0 };
  g_autoptr(GError) busy = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  OutpostSyncRun *run;
  g_autoptr(OutpostStore) store = NULL;

  ev.changed = g_ptr_array_new_with_free_func (g_free);
  ev.main_thread = g_thread_self ();
  g_signal_connect (engine, "progress", G_CALLBACK (on_progress), &ev);
  g_signal_connect (engine, "records-changed", G_CALLBACK (on_changed), &ev);
  g_signal_connect (engine, "notify::running", G_CALLBACK (on_running), &ev);
  outpost_sync_engine_run_async (engine, NULL, NULL, run_done, &ev);
  g_assert_true (outpost_sync_engine_get_running (engine));
  outpost_sync_engine_run_async (engine, NULL, NULL, busy_done, &busy);
  while (!ev.done || busy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (busy, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_BUSY);
  g_assert_no_error (ev.error);
  g_assert_false (outpost_sync_engine_get_running (engine));
  g_assert_cmpuint (ev.running_notifies, ==, 2);
  g_assert_cmpuint (ev.downloads, >=, outpost_profile_get_n_entities (profile));
  g_assert_cmpuint (ev.changed->len, ==, outpost_profile_get_n_entities (profile));
  g_assert_cmpuint (ev.result->entities->len, ==, outpost_profile_get_n_entities (profile));

  store = outpost_store_open (srv->db_path, profile, NULL);
  runs = outpost_store_list_runs (store, 5, NULL);
  g_assert_cmpuint (runs->len, ==, 1);
  run = g_ptr_array_index (runs, 0);
  g_assert_cmpstr (run->status, ==, "succeeded");
  /* the account's first sync: no table had synced, so it downloaded everything */
  g_assert_cmpstr (run->kind, ==, "full");
  g_assert_cmpint (run->downloaded, ==, ev.result->downloaded);
  g_assert_cmpint (run->ended, >=, run->started);
  {
    g_autoptr(OutpostSyncResult) again = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
    g_autoptr(GPtrArray) later = outpost_store_list_runs (store, 5, NULL);

    g_assert_cmpuint (later->len, ==, 2);
    g_assert_cmpstr (((OutpostSyncRun *) g_ptr_array_index (later, 0))->kind, ==, "incremental");
  }
  g_ptr_array_unref (ev.changed);
  outpost_sync_result_free (ev.result);
}

/* Signals reach the caller's thread even while nothing iterates its main context (a caller busy
 * with something else): the handlers assert the thread, so an emission from the sync thread
 * fails here. */
static void
test_signals_while_not_iterated (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  Events ev = { 0 };

  ev.changed = g_ptr_array_new_with_free_func (g_free);
  ev.main_thread = g_thread_self ();
  g_signal_connect (engine, "progress", G_CALLBACK (on_progress), &ev);
  g_signal_connect (engine, "records-changed", G_CALLBACK (on_changed), &ev);
  outpost_sync_engine_run_async (engine, NULL, NULL, run_done, &ev);
  g_usleep (2 * G_USEC_PER_SEC);   /* the sync runs meanwhile and emits progress */
  g_assert_cmpuint (ev.downloads, ==, 0);
  while (!ev.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (ev.error);
  g_assert_cmpuint (ev.downloads, >=, outpost_profile_get_n_entities (profile));
  g_assert_cmpuint (ev.changed->len, ==, outpost_profile_get_n_entities (profile));
  g_ptr_array_unref (ev.changed);
  outpost_sync_result_free (ev.result);
}

/* The nice value of each of this process's threads whose name starts with "outpost-"
 * (Linux: /proc/self/task/TID/comm and field 19 of .../stat), added to @seen as name=nice. */
static void
sample_thread_nice (GHashTable *seen)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL, *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_has_prefix (comm, "outpost-") ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL) || (after_name = strrchr (stat, ')')) == NULL)
        continue;
      g_strstrip (comm);
      fields = g_strsplit (after_name + 2, " ", -1);   /* fields[0] is field 3 (state) */
      if (g_strv_length (fields) > 16)
        g_hash_table_add (seen, g_strdup_printf ("%s=%s", comm, fields[16]));
    }
}

static GHashTable *
threads_of_sync (gboolean background)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("accounts=3000", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL };
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Events ev = { 0 };

  options.background = background;
  options.page_size = 100;   /* many pages: the download threads live long enough to be seen */
  outpost_sync_engine_run_async (engine, &options, NULL, run_done, &ev);
  while (!ev.done)
    {
      sample_thread_nice (seen);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_assert_no_error (ev.error);
  outpost_sync_result_free (ev.result);
  return seen;
}

/* A background sync's threads run at the lowest priority (the window's threads get the CPU
 * first); a foreground one's at the normal priority. */
static void
test_background_priority (void)
{
  g_autoptr(GHashTable) bg = threads_of_sync (TRUE);
  g_autoptr(GHashTable) fg = threads_of_sync (FALSE);

  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, bg);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_test_message ("background sync thread: %s", (char *) key);
  g_hash_table_iter_init (&it, fg);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_test_message ("foreground sync thread: %s", (char *) key);
  /* the sync's own thread, and the download's reaper it starts; no sync thread at 0 */
  g_assert_true (g_hash_table_contains (bg, "outpost-sync=19"));
  g_assert_true (g_hash_table_contains (bg, "outpost-reaper=19"));
  g_hash_table_iter_init (&it, bg);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_assert_true (g_str_has_suffix (key, "=19"));
  g_assert_true (g_hash_table_contains (fg, "outpost-reaper=0"));
  g_assert_false (g_hash_table_contains (fg, "outpost-sync=19"));
  g_assert_false (g_hash_table_contains (fg, "outpost-reaper=19"));
}

/* Cancelling at once leaves a consistent store and a "cancelled" run in the log. */
static void
test_cancel (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL };

  g_cancellable_cancel (cancellable);
  r = outpost_sync_engine_run (engine, &options, cancellable, &error);
  g_assert_null (r);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED);
  g_clear_error (&error);
  r = outpost_sync_engine_run (engine, &options, NULL, &error);   /* and the next one works */
  g_assert_no_error (error);
  g_assert_cmpint (r->downloaded, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/download/full", test_full_sync);
  g_test_add_func ("/sync/engine/api", test_engine_api);
  g_test_add_func ("/sync/engine/signals-while-not-iterated", test_signals_while_not_iterated);
  g_test_add_func ("/sync/engine/cancel", test_cancel);
#ifdef __linux__
  g_test_add_func ("/sync/engine/background-priority", test_background_priority);
#endif
  return g_test_run ();
}

/* bench-ui: the desktop list's figures for issue 5 (a program, not a test). Run it in a display
 * session, e.g. tests/gui/gui-session build/tests/bench/bench-ui, with OUTPOST_SERVER set:
 *
 *   1. a store with 1M accounts (written with apply_server_row in big transactions, or reused
 *      from $OUTPOST_BENCH_CACHE/bench-ui-1m.db): time from giving a GtkColumnView the list model
 *      until the first page is painted;
 *   2. a search keystroke (set_search) until the model has its new rows;
 *   3. scrolling to the end and back: pages fetched (never the whole table);
 *   4. a background full sync of 100k accounts from outpost-server into a second account, shown
 *      in the application's own window (its list, counts and progress follow the engine's
 *      signals; OUTPOST_BENCH_SYNC_VIEW=model: the earlier stand-in, the 1M list refreshed every
 *      400 ms; =window-quiet: the window with progress shown at most 4 times a second and no
 *      pulsing bar): the main loop's lateness, measured by a 1 ms timeout that checks how late it
 *      fires (max and p99), split per probe interval into the main thread's own CPU time (what
 *      our code blocked it for), its wait for a CPU (schedstat) and the rest, time it slept on
 *      something (a lock, I/O, the X server, the renderer's threads).
 *      Beside it: each stall over 50 ms matched with the window's frames (before-paint to
 *      after-paint), the longest frame with the main thread's CPU and run-queue wait in it, and
 *      the CPU time of the process's threads by name (llvmpipe-N, pool, ...) and of the local
 *      server. Knobs for finding what a stall waits on: OUTPOST_BENCH_STALLS, _STALL_BT=MS,
 *      _STALL_STATE=1|stack, _NICE_WORKERS=N (an experiment), and GSK_RENDERER=cairo or
 *      LP_NUM_THREADS=0 (Mesa's llvmpipe rasterizing in the main thread) to compare renderers.
 * 1 and 2 run OUTPOST_BENCH_REPEAT times (default 5): medians (min-max), with the process's CPU
 * time (all threads) beside the wall time, which on a loaded machine is mostly waiting.
 * Prints a table. Uses the application's own context, store client and list model. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "outpost-context.h"
#include "outpost-record-list-model.h"
#include "outpost-renderer.h"
#include "outpost-row-item.h"
#include "outpost-store-sync.h"
#include "outpost-window-private.h"

#include "bench-ui-diag.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define N_ROWS 1000000
#define N_SYNC 100000

typedef struct {
  GtkWidget              *window;
  GtkColumnView          *view;
  OutpostRecordListModel *model;
  OutpostStoreClient     *client;
  gint64                  t0;
  gdouble                 shown_ms;
  gint64                  cpu0;
  gdouble                 shown_cpu;   /* process CPU time until shown, ms */
  GArray                 *lateness;   /* gdouble ms */
  GArray                 *busy;       /* gdouble ms: main-thread CPU time between two ticks */
  gint64                  expected;
  gint64                  cpu_last;
  gboolean                probing;
  GArray                 *waiting;    /* gdouble ms: main thread runnable but not running */
  GArray                 *blocked;    /* gdouble ms: lateness neither CPU nor run queue (locks, I/O) */
  int                     schedstat;  /* /proc/self/task/<main>/schedstat, or -1 */
  gint64                  wait_last;
  GMainLoop              *loop;
} Bench;

static void
wait_until (gboolean (*pred) (gpointer), gpointer data, gdouble timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (!pred (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

/* The application's own way to open an account: the store opens in the client's worker. */
typedef struct {
  OutpostContext *context;
  GError         *error;
  gboolean        done;
} Opening;

static void
context_opened (GObject *source, GAsyncResult *result, gpointer data)
{
  Opening *o = data;

  o->context = outpost_context_new_finish (result, &o->error);
  o->done = TRUE;
}

static gboolean
opened (gpointer data)
{
  return ((Opening *) data)->done;
}

static OutpostContext *
open_context (OutpostAccount *account, GSettings *settings, GError **error)
{
  Opening o = { 0 };

  outpost_context_new_async (account, settings, NULL, NULL, context_opened, &o);
  wait_until (opened, &o, 600);
  if (o.context == NULL)
    g_propagate_error (error, o.error);
  return o.context;
}

/* ---- the 1M store -------------------------------------------------------------------------- */

static gboolean
fill_store (OutpostAccount *account, GError **error)
{
  g_autoptr(OutpostStore) store = outpost_account_open_store (account, error);
  gboolean bulk = FALSE;

  if (store == NULL || !outpost_store_begin_bulk (store, "account", &bulk, error))
    return FALSE;
  for (gint i = 0; i < N_ROWS; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08x-0000-4000-8000-%012x", 0xacc, i);
      g_autofree char *name = g_strdup_printf ("Account %07d %s", i, i % 3 ? "Fabrikam" : "Contoso");
      g_autoptr(JsonObject) v = json_object_new ();

      if (i % 50000 == 0 && !outpost_store_begin (store, error))
        return FALSE;
      json_object_set_string_member (v, "name", name);
      json_object_set_string_member (v, "address1_city", i % 2 ? "Lisbon" : "Oslo");
      json_object_set_string_member (v, "telephone1", "+1 555 0100");
      outpost_store_apply_server_row (store, "account", id, v, "W/\"1\"", 1, error);
      if (error != NULL && *error != NULL)
        return FALSE;
      if ((i + 1) % 50000 == 0 && !outpost_store_commit (store, error))
        return FALSE;
    }
  return outpost_store_end_bulk (store, "account", error);
}

static OutpostAccount *
million_account (const char *data_home, GError **error)
{
  g_autoptr(OutpostAccount) account = outpost_account_new ("million", "http://127.0.0.1:9/",
                                                           OUTPOST_AUTH_KIND_NONE, NULL, NULL, NULL);
  g_autofree char *db = g_build_filename (data_home, "outpost", "million", "outpost.db", NULL);
  const char *cache = g_getenv ("OUTPOST_BENCH_CACHE");
  g_autofree char *cached = cache != NULL ? g_build_filename (cache, "bench-ui-1m.db", NULL) : NULL;
  gint64 t = g_get_monotonic_time ();

  if (!outpost_account_save (account, FALSE, error))
    return NULL;
  if (cached != NULL && g_file_test (cached, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GFile) from = g_file_new_for_path (cached);
      g_autoptr(GFile) to = g_file_new_for_path (db);

      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
        return NULL;
      g_print ("# reused %s\n", cached);
      return g_steal_pointer (&account);
    }
  if (!fill_store (account, error))
    return NULL;
  g_print ("# filled %d accounts in %.1f s\n", N_ROWS, (g_get_monotonic_time () - t) / 1e6);
  if (cached != NULL)
    {
      g_autoptr(GFile) from = g_file_new_for_path (db);
      g_autoptr(GFile) to = g_file_new_for_path (cached);

      g_mkdir_with_parents (cache, 0700);
      g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL);
    }
  return g_steal_pointer (&account);
}

static gint64 process_cpu_us (void);
static gint64 thread_cpu_us (void);

/* ---- the list ------------------------------------------------------------------------------ */

static void
cell_setup (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  gtk_list_item_set_child (item, gtk_inscription_new (NULL));
}

static void
cell_update (GtkListItem *item)
{
  OutpostRowItem *row = gtk_list_item_get_item (item);
  OutpostRecord *record = row != NULL ? outpost_row_item_get_record (row) : NULL;
  const char *name = record != NULL && record->values != NULL
                     ? json_object_get_string_member_with_default (record->values, "name", "") : "…";

  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_list_item_get_child (item)), name);
}

static void
cell_bind (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  g_signal_connect_object (gtk_list_item_get_item (item), "notify::record",
                           G_CALLBACK (cell_update), item, G_CONNECT_SWAPPED);
  cell_update (item);
}

static void
cell_unbind (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), cell_update, item);
}

static GtkColumnView *
column_view_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  g_autoptr(GtkColumnViewColumn) column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);
  column = gtk_column_view_column_new ("Account Name", factory);
  gtk_column_view_column_set_expand (column, TRUE);
  gtk_column_view_append_column (view, column);
  return view;
}

static gboolean
first_row_loaded (gpointer data)
{
  Bench *b = data;
  g_autoptr(OutpostRowItem) item = NULL;

  if (g_list_model_get_n_items (G_LIST_MODEL (b->model)) == 0)
    return FALSE;
  item = g_list_model_get_item (G_LIST_MODEL (b->model), 0);
  return outpost_row_item_get_record (item) != NULL;
}

static void
after_paint (GdkFrameClock *clock, Bench *b)
{
  if (b->shown_ms < 0 && first_row_loaded (b))
    {
      b->shown_ms = (g_get_monotonic_time () - b->t0) / 1000.0;
      b->shown_cpu = (process_cpu_us () - b->cpu0) / 1000.0;
    }
}

static gboolean
shown (gpointer data)
{
  return ((Bench *) data)->shown_ms >= 0;
}

static gboolean
not_loading (gpointer data)
{
  Bench *b = data;

  return !outpost_record_list_model_get_loading (b->model) && first_row_loaded (b);
}

static gboolean
client_idle (gpointer data)
{
  Bench *b = data;

  return outpost_store_client_get_pending (b->client) == 0;
}

/* CPU time of the whole process (all threads: worker, GTK, renderer), µs. On a loaded machine
 * the wall time is mostly waiting for a CPU; this is what the work itself costs. */
static gint64
process_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* One keystroke: the time until the new results are in the model (the rows the view asked
 * for, loaded), then the time until the worker is idle again (the capped count behind it);
 * *@cpu: the process's CPU time until the results. The keystroke starts from an idle worker,
 * as after a user's pause; back-to-back keystrokes are measured by measure_typing. */
static gdouble
measure_search (Bench *b, const char *text, gdouble *settled, gdouble *cpu)
{
  gint64 t, c, m;
  gdouble ms;

  wait_until (client_idle, b, 30);
  t = g_get_monotonic_time ();
  c = process_cpu_us ();
  m = thread_cpu_us ();
  outpost_record_list_model_set_search (b->model, text);
  wait_until (not_loading, b, 10);
  ms = (g_get_monotonic_time () - t) / 1000.0;
  if (cpu != NULL)
    {
      cpu[0] = (process_cpu_us () - c) / 1000.0;
      cpu[1] = (thread_cpu_us () - m) / 1000.0;
    }
  wait_until (client_idle, b, 30);
  if (settled != NULL)
    *settled = (g_get_monotonic_time () - t) / 1000.0;
  return ms;
}

/* Keystrokes 120 ms apart (a fast typist), "C", "Co", ... "Contoso": the time from the last
 * keystroke until its results are in the model; *@cpu: the process's CPU time over the whole
 * word. */
static gdouble
measure_typing (Bench *b, const char *word, gdouble *cpu)
{
  gint64 t = 0, c;

  wait_until (client_idle, b, 30);
  c = process_cpu_us ();
  for (gsize n = 1; n <= strlen (word); n++)
    {
      g_autofree char *prefix = g_strndup (word, n);
      gint64 until = g_get_monotonic_time () + 120000;

      t = g_get_monotonic_time ();
      outpost_record_list_model_set_search (b->model, prefix);
      if (n < strlen (word))
        while (g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, FALSE);
    }
  wait_until (not_loading, b, 10);
  *cpu = (process_cpu_us () - c) / 1000.0;
  return (g_get_monotonic_time () - t) / 1000.0;
}

static void
scroll_through (Bench *b)
{
  GtkScrolledWindow *sw = GTK_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (b->view)));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (sw);

  /* A user dragging the scrollbar: 200 positions from top to bottom and back. */
  for (gint pass = 0; pass < 2; pass++)
    for (gint i = 0; i <= 100; i++)
      {
        gdouble f = pass == 0 ? i / 100.0 : 1.0 - i / 100.0;
        gint64 until = g_get_monotonic_time () + 10000;

        gtk_adjustment_set_value (adj, f * (gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj)));
        while (g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, FALSE);
      }
  wait_until (not_loading, b, 10);
}

/* ---- the latency probe ---------------------------------------------------------------------- */

/* CPU time of the calling thread, µs */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Time the main thread spent runnable, waiting for a CPU (schedstat's second field), µs. */
static gint64
runqueue_wait_us (Bench *b)
{
  char buf[128] = { 0 };
  unsigned long long run, wait;

  if (b->schedstat < 0 || pread (b->schedstat, buf, sizeof buf - 1, 0) <= 0
      || sscanf (buf, "%llu %llu", &run, &wait) != 2)
    return 0;
  return (gint64) (wait / 1000);
}

/* Lateness is what the user feels; on a loaded machine most of it is waiting for a CPU. The
 * main thread's own CPU time between two ticks is what our code blocked it for. */
static void frame_watch_stall (gint64 due, gdouble late);

static gboolean
probe_tick (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  gint64 wait = runqueue_wait_us (b);
  gdouble busy = b->cpu_last > 0 ? (cpu - b->cpu_last) / 1000.0 : 0;
  gdouble waited = b->cpu_last > 0 ? (wait - b->wait_last) / 1000.0 : 0;

  diag_beat (now);
  gdouble late = MAX (0, (now - b->expected) / 1000.0);

  /* OUTPOST_BENCH_STALLS=1: each stall over 20 ms with its CLOCK_MONOTONIC window (µs), to
   * match with `perf record -k CLOCK_MONOTONIC` samples of the main thread */
  if (late > 20 && g_getenv ("OUTPOST_BENCH_STALLS") != NULL)
    g_printerr ("# stall %.1f ms: %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", late, b->expected, now);
  frame_watch_stall (b->expected, late);
  if (b->lateness->len % 100 == 0)
    diag_nice_workers ();
  g_array_append_val (b->lateness, late);
  g_array_append_val (b->busy, busy);
  g_array_append_val (b->waiting, waited);
  {
    /* lateness that is neither our CPU time nor the run queue's wait: the main thread slept
     * on something (a lock, I/O, the X server) */
    gdouble blocked = MAX (0, late - busy - waited);

    g_array_append_val (b->blocked, blocked);
  }
  b->cpu_last = cpu;
  b->wait_last = wait;
  b->expected = now + 1000;
  if (!b->probing && b->loop != NULL)
    g_main_loop_quit (b->loop);
  return b->probing;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* The local outpost-server stands in for the organization's server, which on a user's machine
 * runs elsewhere and takes none of its CPU. Here it shares the two cores with the window, as an
 * equal by default. OUTPOST_BENCH_SERVER_PRIORITY=low runs it at nice 19 (set before exec, so
 * all its threads have it): it then takes only CPU time the window and the sync leave. */
static gboolean
server_at_low_priority (void)
{
  return g_strcmp0 (g_getenv ("OUTPOST_BENCH_SERVER_PRIORITY"), "low") == 0;
}

static void
server_nice (gpointer data)
{
  setpriority (PRIO_PROCESS, 0, 19);
}

static char *
start_server (const char *dir, GSubprocess **out, GError **error)
{
  const char *program = g_getenv ("OUTPOST_SERVER");
  g_autofree char *seed = g_strdup_printf ("accounts=%d", N_SYNC);
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  GSubprocess *p;

  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "set OUTPOST_SERVER");
      return NULL;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  if (server_at_low_priority ())
    g_subprocess_launcher_set_child_setup (launcher, server_nice, NULL, NULL);
  p = g_subprocess_launcher_spawn (launcher, error, program, "--listen", "127.0.0.1:0",
                                   "--data", dir, "--seed", seed, NULL);
  if (p == NULL)
    return NULL;
  *out = p;
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  return g_strstrip (g_data_input_stream_read_line_utf8 (in, NULL, NULL, error));
}

static void
sync_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Bench *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) result = outpost_sync_engine_run_finish (OUTPOST_SYNC_ENGINE (source), res, &error);

  if (result == NULL)
    g_printerr ("sync failed: %s\n", error->message);
  else
    g_print ("# synced: %" G_GINT64_FORMAT " downloaded; done at %" G_GINT64_FORMAT "\n", result->downloaded,
             g_get_monotonic_time ());
  b->probing = FALSE;
  diag_beat (0); /* the watchers look at the sync only */
  if (b->loop != NULL)
    g_main_loop_quit (b->loop);
}

static gboolean
refresh_list (gpointer data)
{
  Bench *b = data;

  /* What the window does while a sync changes rows: re-read the visible page. */
  outpost_record_list_model_refresh (b->model);
  return b->probing;
}

typedef struct {
  guint   n, progress, changed, frames, pulses;
  gdouble late_max, late_p99, busy_max, busy_p99, wait_max, wait_p99, blocked_max, blocked_p99;
  gdouble main_cpu_ms, wall_ms;
} SyncFigures;

static void
max_p99 (GArray *a, gdouble *max, gdouble *p99)
{
  g_array_sort (a, cmp_double);
  *max = a->len > 0 ? g_array_index (a, gdouble, a->len - 1) : 0;
  *p99 = a->len > 0 ? g_array_index (a, gdouble, (guint) (a->len * 0.99)) : 0;
}

/* The real window on the account being synced (OUTPOST_BENCH_SYNC_VIEW=model: the earlier
 * stand-in, the 1M list refreshed every 400 ms): its list, sidebar counts and progress bar
 * follow the engine's signals as they do for the user. */
/* OUTPOST_BENCH_SYNC_VIEW=window-quiet: the window, but its progress handler replaced by one
 * that shows the latest progress at most 4 times a second and never pulses the bar (a pulsing
 * GtkProgressBar animates every frame): what progress costs the main loop, A/B. */
typedef struct {
  OutpostWindow       *window;
  OutpostSyncProgress  last;
  guint                source;
} QuietProgress;

static QuietProgress quiet;

static gboolean
quiet_apply (gpointer data)
{
  QuietProgress *q = data;
  g_autofree char *text = g_strdup_printf ("Downloading: %" G_GINT64_FORMAT, q->last.done);

  q->source = 0;
  gtk_label_set_text (q->window->progress_label, text);
  if (q->last.total > 0)
    gtk_progress_bar_set_fraction (q->window->progress_bar,
                                   CLAMP ((gdouble) q->last.done / (gdouble) q->last.total, 0.0, 1.0));
  return G_SOURCE_REMOVE;
}

static void
quiet_progress (OutpostSyncEngine *engine, const OutpostSyncProgress *p, QuietProgress *q)
{
  q->last = *p;
  q->last.entity = NULL;
  if (q->source == 0)
    q->source = g_timeout_add (250, quiet_apply, q);
}

static GtkWidget *
sync_view (Bench *b, OutpostContext *context)
{
  GtkWidget *window;

  if (g_strcmp0 (g_getenv ("OUTPOST_BENCH_SYNC_VIEW"), "model") == 0)
    {
      g_timeout_add (400, refresh_list, b);
      return NULL;
    }
  window = g_object_new (OUTPOST_TYPE_WINDOW, "context", context, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  if (g_strcmp0 (g_getenv ("OUTPOST_BENCH_SYNC_VIEW"), "window-quiet") == 0)
    {
      OutpostSyncEngine *engine = outpost_context_get_engine (context);

      quiet.window = OUTPOST_WINDOW (window);
      g_signal_handlers_disconnect_matched (engine, G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA,
                                            g_signal_lookup ("progress", OUTPOST_TYPE_SYNC_ENGINE),
                                            0, NULL, NULL, window);
      g_signal_connect (engine, "progress", G_CALLBACK (quiet_progress), &quiet);
    }
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
count_signal (gpointer instance, gpointer arg, guint *counter)
{
  (*counter)++;
}

/* Progress without a total makes the window's bar pulse (GtkProgressBar's activity mode). */
static void
count_pulse (OutpostSyncEngine *engine, const OutpostSyncProgress *p, guint *counter)
{
  if (p->total <= 0)
    (*counter)++;
}

/* OUTPOST_BENCH_FRAMES=1: frames per second of the sync, to see what keeps drawing */
static guint frames_per_s[600];
static gint64 frames_t0;

static void
count_frame (GdkFrameClock *clock, guint *counter)
{
  gint64 s = (g_get_monotonic_time () - frames_t0) / G_USEC_PER_SEC;

  (*counter)++;
  if (s >= 0 && s < 600)
    frames_per_s[s]++;
}

/* Each frame of the window (before-paint to after-paint: layout, snapshot and the renderer's
 * draw and swap) with the main thread's CPU time and run-queue wait in it; the rest of a
 * frame's wall time the main thread slept inside it (with the GL renderer: waiting for its
 * rasterizer threads). A stall that overlaps a frame is the frame's, when the frame ends
 * after the tick was due. */
typedef struct {
  gint64  start, end, cpu0, wait0;
  gdouble worst_ms, worst_cpu, worst_wait;
  guint   stalls, stalls_in_frame;
  gdouble stalled_ms, stalled_in_frame_ms;
} FrameWatch;

static FrameWatch frame_watch;

static void
frame_begins (GdkFrameClock *clock, Bench *b)
{
  frame_watch.start = g_get_monotonic_time ();
  frame_watch.cpu0 = thread_cpu_us ();
  frame_watch.wait0 = runqueue_wait_us (b);
}

static void
frame_ends (GdkFrameClock *clock, Bench *b)
{
  gdouble ms;

  frame_watch.end = g_get_monotonic_time ();
  ms = (frame_watch.end - frame_watch.start) / 1000.0;
  if (ms > frame_watch.worst_ms)
    {
      frame_watch.worst_ms = ms;
      frame_watch.worst_cpu = (thread_cpu_us () - frame_watch.cpu0) / 1000.0;
      frame_watch.worst_wait = (runqueue_wait_us (b) - frame_watch.wait0) / 1000.0;
    }
}

/* called by the probe for a tick late by LATE ms that was due at DUE */
static void
frame_watch_stall (gint64 due, gdouble late)
{
  if (late <= 50)
    return;
  frame_watch.stalls++;
  frame_watch.stalled_ms += late;
  if (frame_watch.end > due && frame_watch.start != 0)
    {
      frame_watch.stalls_in_frame++;
      frame_watch.stalled_in_frame_ms += (frame_watch.end - MAX (frame_watch.start, due)) / 1000.0;
    }
}

static void
measure_sync (Bench *b, const char *server_dir, GSettings *settings, SyncFigures *f)
{
  g_autoptr(GHashTable) by_thread = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autofree char *url = start_server (server_dir, &server, &error);
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(OutpostContext) context = NULL;
  OutpostSyncOptions options = { 0 };
  g_autofree char *stat = g_strdup_printf ("/proc/self/task/%ld/schedstat", (long) syscall (SYS_gettid));
  GtkWidget *window;
  gint64 cpu0, t0;
  gdouble server_cpu;

  if (url == NULL)
    g_error ("server: %s", error->message);
  account = outpost_account_new ("synced", url, OUTPOST_AUTH_KIND_NONE, NULL, NULL, NULL);
  if (!outpost_account_save (account, FALSE, &error)
      || (context = open_context (account, settings, &error)) == NULL)
    g_error ("account: %s", error->message);
  window = sync_view (b, context);
  if (window != NULL)
    {
      /* the probe measures the sync, not the window's first frames (the renderer's start-up) */
      guint painted = 0;
      gint64 settle = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (count_frame), &painted);
      while (painted < 2 && g_get_monotonic_time () < settle)
        g_main_context_iteration (NULL, TRUE);
      g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), count_frame, &painted);
      settle = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
      while (g_get_monotonic_time () < settle)
        g_main_context_iteration (NULL, FALSE);
    }
  g_signal_connect (outpost_context_get_engine (context), "progress", G_CALLBACK (count_signal), &f->progress);
  g_signal_connect (outpost_context_get_engine (context), "records-changed", G_CALLBACK (count_signal), &f->changed);
  g_signal_connect (outpost_context_get_engine (context), "progress", G_CALLBACK (count_pulse), &f->pulses);
  for (gint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  options.kind = OUTPOST_SYNC_INCREMENTAL;
  options.max_connections = 4;
  options.batch_size = 100;
  /* as the window runs a background sync; OUTPOST_BENCH_SYNC_PRIORITY=normal for comparison */
  options.background = g_strcmp0 (g_getenv ("OUTPOST_BENCH_SYNC_PRIORITY"), "normal") != 0;
  b->schedstat = open (stat, O_RDONLY | O_CLOEXEC);
  b->probing = TRUE;
  b->expected = g_get_monotonic_time () + 1000;
  g_array_set_size (b->lateness, 0);
  g_array_set_size (b->busy, 0);
  g_array_set_size (b->waiting, 0);
  g_array_set_size (b->blocked, 0);
  b->cpu_last = 0;
  g_timeout_add (1, probe_tick, b);
  diag_start_watchers ();
  diag_threads_cpu (by_thread, -1);
  server_cpu = diag_process_cpu_ms (g_subprocess_get_identifier (server));
  cpu0 = thread_cpu_us ();
  t0 = g_get_monotonic_time ();
  frames_t0 = t0;
  if (window != NULL)
    {
      g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (count_frame), &f->frames);
      g_signal_connect (gtk_widget_get_frame_clock (window), "before-paint", G_CALLBACK (frame_begins), b);
      g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (frame_ends), b);
    }
  outpost_sync_engine_run_async (outpost_context_get_engine (context), &options, NULL, sync_done, b);
  /* the engine's signals come through idle sources on this context: run a loop for them */
  b->loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (b->loop);
  g_clear_pointer (&b->loop, g_main_loop_unref);
  f->main_cpu_ms = (thread_cpu_us () - cpu0) / 1000.0;
  diag_threads_cpu (by_thread, 1);
  diag_print_threads_cpu (by_thread);
  g_print ("# CPU during the sync, outpost-server (another process): %.0f ms\n",
           diag_process_cpu_ms (g_subprocess_get_identifier (server)) - server_cpu);
  if (g_getenv ("OUTPOST_BENCH_FRAMES") != NULL)
    for (guint i = 0; i < 600 && i * 1000.0 < (g_get_monotonic_time () - t0) / 1000.0; i++)
      g_printerr ("# frames in second %u: %u\n", i, frames_per_s[i]);
  f->wall_ms = (g_get_monotonic_time () - t0) / 1000.0;
  f->n = b->lateness->len;
  max_p99 (b->lateness, &f->late_max, &f->late_p99);
  max_p99 (b->busy, &f->busy_max, &f->busy_p99);
  max_p99 (b->waiting, &f->wait_max, &f->wait_p99);
  max_p99 (b->blocked, &f->blocked_max, &f->blocked_p99);
  if (b->schedstat >= 0)
    close (b->schedstat);
  if (window != NULL)
    {
      g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), count_frame, &f->frames);
      g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), frame_begins, b);
      g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), frame_ends, b);
      g_signal_handlers_disconnect_by_func (outpost_context_get_engine (context), quiet_progress, &quiet);
      g_clear_handle_id (&quiet.source, g_source_remove);
      gtk_window_destroy (GTK_WINDOW (window));
    }
  g_signal_handlers_disconnect_by_func (outpost_context_get_engine (context), count_signal, &f->progress);
  g_signal_handlers_disconnect_by_func (outpost_context_get_engine (context), count_signal, &f->changed);
  g_signal_handlers_disconnect_by_func (outpost_context_get_engine (context), count_pulse, &f->pulses);
  for (gint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  outpost_context_shutdown (context);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
}

/* ---- repeated figures: median (min-max) ------------------------------------------------------ */

static GArray *
series_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (gdouble));
}

static void
add (GArray *series, gdouble v)
{
  g_array_append_val (series, v);
}

static gdouble
median (GArray *series)
{
  g_autoptr(GArray) sorted = g_array_copy (series);

  g_array_sort (sorted, cmp_double);
  return sorted->len == 0 ? -1 : sorted->len % 2 ? g_array_index (sorted, gdouble, sorted->len / 2)
         : (g_array_index (sorted, gdouble, sorted->len / 2 - 1) + g_array_index (sorted, gdouble, sorted->len / 2)) / 2;
}

static char *
series_text (GArray *series)
{
  gdouble lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

  if (series->len == 0)
    return g_strdup ("-");
  for (guint i = 0; i < series->len; i++)
    {
      lo = MIN (lo, g_array_index (series, gdouble, i));
      hi = MAX (hi, g_array_index (series, gdouble, i));
    }
  return g_strdup_printf ("%.1f ms (%.1f-%.1f)", median (series), lo, hi);
}

static void
print_row (const char *what, GArray *series, GArray *then, const char *target)
{
  g_autofree char *a = series_text (series);
  g_autofree char *b = then != NULL ? series_text (then) : NULL;

  g_print ("| %s | %s%s%s | %s |\n", what, a, b ? "; then " : "", b ? b : "", target);
}

/* OUTPOST_BENCH_ONLY=search,scroll,sync runs only those parts (the list is always shown);
 * unset: all of them. For profiling one part at a time. */
static gboolean
phase (const char *name)
{
  const char *only = g_getenv ("OUTPOST_BENCH_ONLY");
  g_auto(GStrv) names = only != NULL ? g_strsplit (only, ",", -1) : NULL;

  return names == NULL || g_strv_contains ((const char * const *) names, name);
}

/* the rows of part 4, the main loop during a background sync */
static void
print_sync_rows (const SyncFigures *f)
{
  g_print ("| main loop blocked during a %dk background sync (%s, sync threads at %s priority, local server at %s priority): max | %.1f ms | <= 50 ms |\n",
           N_SYNC / 1000,
           g_getenv ("OUTPOST_BENCH_SYNC_VIEW") != NULL ? g_getenv ("OUTPOST_BENCH_SYNC_VIEW") : "window",
           g_strcmp0 (g_getenv ("OUTPOST_BENCH_SYNC_PRIORITY"), "normal") != 0 ? "background" : "normal",
           server_at_low_priority () ? "low" : "normal", f->late_max);
  g_print ("| main loop blocked during the sync: p99 (%u probes) | %.1f ms | |\n", f->n, f->late_p99);
  g_print ("| main thread's own CPU time between two probes: max, p99 | %.1f ms, %.1f ms | |\n", f->busy_max, f->busy_p99);
  g_print ("| main thread waiting for a CPU between two probes: max, p99 | %.1f ms, %.1f ms | |\n", f->wait_max, f->wait_p99);
  g_print ("| main thread asleep (locks, I/O) beyond that: max, p99 | %.1f ms, %.1f ms | |\n", f->blocked_max, f->blocked_p99);
  g_print ("| main thread CPU during the sync / its wall time | %.0f ms / %.0f ms | |\n", f->main_cpu_ms, f->wall_ms);
  g_print ("| progress signals (of them without a total), records-changed signals, window frames during the sync | %u (%u), %u, %u | |\n",
           f->progress, f->pulses, f->changed, f->frames);
  g_print ("| stalls over 50 ms, of them during a frame of the window; their time, of it inside frames | %u, %u; %.0f ms, %.0f ms | |\n",
           frame_watch.stalls, frame_watch.stalls_in_frame, frame_watch.stalled_ms, frame_watch.stalled_in_frame_ms);
  g_print ("| longest frame (layout, snapshot, render, swap): wall; main thread's CPU, run-queue wait in it | %.1f ms; %.1f ms, %.1f ms | |\n",
           frame_watch.worst_ms, frame_watch.worst_cpu, frame_watch.worst_wait);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("bench-ui-XXXXXX", NULL);
  g_autofree char *data_home = g_build_filename (tmp, "data", NULL);
  g_autofree char *server_dir = g_build_filename (tmp, "server", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(OutpostContext) context = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *rm = NULL;
  Bench b = { .shown_ms = -1, .lateness = g_array_new (FALSE, FALSE, sizeof (gdouble)),
              .busy = g_array_new (FALSE, FALSE, sizeof (gdouble)),
              .waiting = g_array_new (FALSE, FALSE, sizeof (gdouble)),
              .blocked = g_array_new (FALSE, FALSE, sizeof (gdouble)), .schedstat = -1 };
  SyncFigures sf = { 0 };
  GtkWidget *sw;
  g_autoptr(GArray) shown_series = series_new (), search1 = series_new (), settled1 = series_new ();
  g_autoptr(GArray) search2 = series_new (), settled2 = series_new (), search3 = series_new ();
  g_autoptr(GArray) settled3 = series_new (), typing = series_new (), cpu1 = series_new ();
  g_autoptr(GArray) cpu2 = series_new (), cpu3 = series_new (), cpu_typing = series_new ();
  g_autoptr(GArray) shown_cpu = series_new (), main1 = series_new (), main2 = series_new ();
  g_autoptr(GArray) main3 = series_new ();
  const char *repeat_env = g_getenv ("OUTPOST_BENCH_REPEAT");
  guint repeats = repeat_env != NULL ? (guint) MAX (1, atoi (repeat_env)) : 5;
  g_autofree char *load = NULL;
  guint pages_before, pages_after;

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  outpost_renderer_choose ();  /* as the application does: cairo where OpenGL would be software */
  adw_init ();
  settings = g_settings_new (APPLICATION_ID);
  account = million_account (data_home, &error);
  {
    gint64 t = g_get_monotonic_time (), c = process_cpu_us (), main_c = thread_cpu_us ();

    if (account == NULL || (context = open_context (account, settings, &error)) == NULL)
      g_error ("%s", error->message);
    g_print ("# context (the store opened in the client's worker) in %.1f ms, CPU %.1f ms, of it the main thread's %.1f ms\n",
             (g_get_monotonic_time () - t) / 1000.0, (process_cpu_us () - c) / 1000.0,
             (thread_cpu_us () - main_c) / 1000.0);
  }

  /* 1. the list shown, a few times (a new model each time, from an idle worker) */
  b.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (b.window), 800, 700);
  b.view = column_view_new ();
  sw = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), GTK_WIDGET (b.view));
  gtk_window_set_child (GTK_WINDOW (b.window), sw);
  gtk_window_present (GTK_WINDOW (b.window));
  for (gint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_signal_connect (gtk_widget_get_frame_clock (b.window), "after-paint", G_CALLBACK (after_paint), &b);
  b.client = outpost_context_get_client (context);
  for (guint r = 0; r < repeats; r++)
    {
      if (b.model != NULL)
        {
          gtk_column_view_set_model (b.view, NULL);
          g_clear_object (&b.model);
          wait_until (client_idle, &b, 30);
        }
      b.shown_ms = -1;
      b.cpu0 = process_cpu_us ();
      b.t0 = g_get_monotonic_time ();
      b.model = outpost_record_list_model_new (b.client, "account");
      gtk_column_view_set_model (b.view, GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (b.model)))));
      wait_until (shown, &b, 30);
      add (shown_series, b.shown_ms);
      add (shown_cpu, b.shown_cpu);
    }

  /* 2. search keystrokes: "fab", "fabr", then a unique account, then typing; each round from
   * the whole list */
  for (guint r = 0; phase ("search") && r < repeats; r++)
    {
      gdouble settled, cpu[2];

      add (search1, measure_search (&b, "Fab", &settled, cpu));
      add (settled1, settled);
      add (cpu1, cpu[0]);
      add (main1, cpu[1]);
      add (search2, measure_search (&b, "Fabr", &settled, cpu));
      add (settled2, settled);
      add (cpu2, cpu[0]);
      add (main2, cpu[1]);
      add (search3, measure_search (&b, "Account 0777777", &settled, cpu));
      add (settled3, settled);
      add (cpu3, cpu[0]);
      add (main3, cpu[1]);
      add (typing, measure_typing (&b, "Contoso", cpu));
      add (cpu_typing, cpu[0]);
      measure_search (&b, "", NULL, NULL);
    }

  /* 3. scrolling */
  pages_before = outpost_record_list_model_get_pages_fetched (b.model);
  if (phase ("scroll"))
    scroll_through (&b);
  pages_after = outpost_record_list_model_get_pages_fetched (b.model);

  /* 4. the main loop during a background sync */
  if (phase ("sync"))
    measure_sync (&b, server_dir, settings, &sf);

  g_print ("\n# medians of %u (min-max); load average %s", repeats, load);
  g_print ("| measure | result | target |\n|---|---|---|\n");
  print_row ("list shown after selecting the entity (1M accounts)", shown_series, NULL, "<= 150 ms");
  print_row ("... process CPU time until shown", shown_cpu, NULL, "");
  print_row ("search keystroke \"Fab\" to updated results (then: until its capped count is done)", search1, settled1, "<= 50 ms");
  print_row ("... process CPU time until the results; then: of it the main thread's", cpu1, main1, "");
  print_row ("search keystroke \"Fabr\" to updated results (then: count done)", search2, settled2, "<= 50 ms");
  print_row ("... process CPU time until the results; then: of it the main thread's", cpu2, main2, "");
  print_row ("search \"Account 0777777\" to updated results (then: count done)", search3, settled3, "<= 50 ms");
  print_row ("... process CPU time until the results; then: of it the main thread's", cpu3, main3, "");
  print_row ("typing \"Contoso\" 120 ms per key: last keystroke to results", typing, NULL, "<= 50 ms");
  print_row ("... process CPU time for the 7 keystrokes", cpu_typing, NULL, "");
  g_print ("| pages fetched scrolling top→bottom→top (%u rows) | %u pages (%u checkpoints) | never the table |\n",
           g_list_model_get_n_items (G_LIST_MODEL (b.model)), pages_after - pages_before,
           outpost_record_list_model_get_n_checkpoints (b.model));
  if (phase ("sync"))
    print_sync_rows (&sf);
  g_print ("# renderer: %s (GSK_RENDERER=%s)\n",
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (b.window))),
           g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "unset");
  g_print ("# main thread CPU during the bench: %.0f ms\n", thread_cpu_us () / 1000.0);

  gtk_column_view_set_model (b.view, NULL);
  g_clear_object (&b.model);
  outpost_context_shutdown (context);
  gtk_window_destroy (GTK_WINDOW (b.window));
  rm = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (rm) != 0)
    g_printerr ("could not remove %s\n", tmp);
  return 0;
}

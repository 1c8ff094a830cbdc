/* bench-ui: the desktop list's figures for issue 5 (a program, not a test). Run it in a display
 * session, e.g. tests/gui/gui-session build/tests/bench/bench-ui, with OUTPOST_SERVER set:
 *
 *   1. a store with 1M accounts (written with apply_server_row in big transactions, or reused
 *      from $OUTPOST_BENCH_CACHE/bench-ui-1m.db): time from giving a GtkColumnView the list model
 *      until the first page is painted;
 *   2. a search keystroke (set_search) until the model has its new rows;
 *   3. scrolling to the end and back: pages fetched (never the whole table);
 *   4. a background full sync of 100k accounts from outpost-server into a second account while
 *      the list refreshes as the window does: the main loop's lateness, measured by a 1 ms timeout
 *      that checks how late it fires (max and p99), and the main thread's own CPU time between
 *      two ticks (what our code blocked it for; the rest of the lateness is waiting for a CPU).
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
#include "outpost-row-item.h"
#include "outpost-store-sync.h"

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

/* OUTPOST_BENCH_STALL_BT=1: a watchdog thread prints the main thread's stack (gdb) the first
 * times the main loop is late by more than 200 ms, to find what blocks it. */
static gint64 heartbeat;

static gpointer
watchdog (gpointer data)
{
  guint dumps = 0;

  while (dumps < 3)
    {
      gint64 beat = g_atomic_pointer_get ((gpointer *) &heartbeat) != NULL ? heartbeat : 0;

      g_usleep (50000);
      if (beat != 0 && beat == heartbeat && g_get_monotonic_time () - beat > 200000)
        {
          g_autofree char *cmd = g_strdup_printf ("gdb -batch -p %d -ex 'thread 1' -ex 'bt 30'", getpid ());
          g_autofree char *out = NULL;

          g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
          g_printerr ("# main loop stalled; main thread:\n%s\n", out != NULL ? out : "");
          dumps++;
          g_usleep (2000000);
        }
    }
  return NULL;
}

/* CPU time of the calling thread, µs */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Lateness is what the user feels; on a loaded machine most of it is waiting for a CPU. The
 * main thread's own CPU time between two ticks is what our code blocked it for. */
static gboolean
probe_tick (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  gdouble busy = b->cpu_last > 0 ? (cpu - b->cpu_last) / 1000.0 : 0;

  heartbeat = now;
  gdouble late = MAX (0, (now - b->expected) / 1000.0);

  /* OUTPOST_BENCH_STALLS=1: each stall over 20 ms with its CLOCK_MONOTONIC window (µs), to
   * match with `perf record -k CLOCK_MONOTONIC` samples of the main thread */
  if (late > 20 && g_getenv ("OUTPOST_BENCH_STALLS") != NULL)
    g_printerr ("# stall %.1f ms: %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", late, b->expected, now);
  g_array_append_val (b->lateness, late);
  g_array_append_val (b->busy, busy);
  b->cpu_last = cpu;
  b->expected = now + 1000;
  return b->probing;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static char *
start_server (const char *dir, GSubprocess **out, GError **error)
{
  const char *program = g_getenv ("OUTPOST_SERVER");
  g_autofree char *seed = g_strdup_printf ("accounts=%d", N_SYNC);
  g_autoptr(GDataInputStream) in = NULL;
  GSubprocess *p;

  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "set OUTPOST_SERVER");
      return NULL;
    }
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, program, "--listen", "127.0.0.1:0",
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
    g_print ("# synced: %" G_GINT64_FORMAT " downloaded\n", result->downloaded);
  b->probing = FALSE;
}

static gboolean
probe_stopped (gpointer data)
{
  return !((Bench *) data)->probing;
}

static gboolean
refresh_list (gpointer data)
{
  Bench *b = data;

  /* What the window does while a sync changes rows: re-read the visible page. */
  outpost_record_list_model_refresh (b->model);
  return b->probing;
}

static void
measure_sync (Bench *b, const char *server_dir, GSettings *settings, gdouble *max, gdouble *p99, guint *n,
              gdouble *busy_max, gdouble *busy_p99)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autofree char *url = start_server (server_dir, &server, &error);
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(OutpostContext) context = NULL;
  OutpostSyncOptions options = { 0 };

  if (url == NULL)
    g_error ("server: %s", error->message);
  account = outpost_account_new ("synced", url, OUTPOST_AUTH_KIND_NONE, NULL, NULL, NULL);
  if (!outpost_account_save (account, FALSE, &error)
      || (context = open_context (account, settings, &error)) == NULL)
    g_error ("account: %s", error->message);
  options.kind = OUTPOST_SYNC_INCREMENTAL;
  options.max_connections = 4;
  options.batch_size = 100;
  b->probing = TRUE;
  b->expected = g_get_monotonic_time () + 1000;
  g_array_set_size (b->lateness, 0);
  g_array_set_size (b->busy, 0);
  b->cpu_last = 0;
  g_timeout_add (1, probe_tick, b);
  if (g_getenv ("OUTPOST_BENCH_STALL_BT") != NULL)
    g_thread_unref (g_thread_new ("watchdog", watchdog, NULL));
  g_timeout_add (400, refresh_list, b);
  outpost_sync_engine_run_async (outpost_context_get_engine (context), &options, NULL, sync_done, b);
  wait_until (probe_stopped, b, 600);
  g_array_sort (b->lateness, cmp_double);
  *n = b->lateness->len;
  *max = *n > 0 ? g_array_index (b->lateness, gdouble, *n - 1) : 0;
  *p99 = *n > 0 ? g_array_index (b->lateness, gdouble, (guint) (*n * 0.99)) : 0;
  g_array_sort (b->busy, cmp_double);
  *busy_max = *n > 0 ? g_array_index (b->busy, gdouble, *n - 1) : 0;
  *busy_p99 = *n > 0 ? g_array_index (b->busy, gdouble, (guint) (*n * 0.99)) : 0;
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
              .busy = g_array_new (FALSE, FALSE, sizeof (gdouble)) };
  GtkWidget *sw;
  gdouble max, p99, busy_max = -1, busy_p99 = -1;
  g_autoptr(GArray) shown_series = series_new (), search1 = series_new (), settled1 = series_new ();
  g_autoptr(GArray) search2 = series_new (), settled2 = series_new (), search3 = series_new ();
  g_autoptr(GArray) settled3 = series_new (), typing = series_new (), cpu1 = series_new ();
  g_autoptr(GArray) cpu2 = series_new (), cpu3 = series_new (), cpu_typing = series_new ();
  g_autoptr(GArray) shown_cpu = series_new (), main1 = series_new (), main2 = series_new ();
  g_autoptr(GArray) main3 = series_new ();
  const char *repeat_env = g_getenv ("OUTPOST_BENCH_REPEAT");
  guint repeats = repeat_env != NULL ? (guint) MAX (1, atoi (repeat_env)) : 5;
  g_autofree char *load = NULL;
  guint pages_before, pages_after, n_probes;

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
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
  max = p99 = -1;
  n_probes = 0;
  if (phase ("sync"))
    measure_sync (&b, server_dir, settings, &max, &p99, &n_probes, &busy_max, &busy_p99);

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
  g_print ("| main loop blocked during a %dk background sync: max | %.1f ms | <= 50 ms |\n", N_SYNC / 1000, max);
  g_print ("| main loop blocked during the sync: p99 (%u probes) | %.1f ms | |\n", n_probes, p99);
  g_print ("| main thread's own CPU time between two probes: max, p99 | %.1f ms, %.1f ms | |\n", busy_max, busy_p99);
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

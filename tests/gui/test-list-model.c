/* test-list-model: OutpostRecordListModel on a real store (no display needed).
 *
 * 2,600 accounts ("Account 000000".."Account 002599"; every other one is a "Fabrikam", every
 * 13th a "Nimbus"): the first page comes before the count; the count makes the size exact;
 * a jump to the end waits for checkpoints instead of reading thousands of rows and shows the
 * right rows; a search with at most 1000 matches is counted exactly; one with more is capped
 * (open-ended) and grows as items near its end are asked for, every row distinct; a refresh
 * keeps the items handed out; items asked for after their page arrived are filled; a new
 * query's first page is read once even when a view asks for its rows at once; results of a
 * superseded search never reach the list.
 *
 * Opening an account (outpost_context_new_async) runs no SQL on the main thread: a guard sees
 * every statement of every connection (outpost_store_client_guard_thread) and counts those on
 * the main thread; it does count an open made on the main thread. A database newer than the
 * program and a corrupt file come back as the store's errors, with the worker stopped. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "outpost-account.h"
#include "outpost-context.h"
#include "outpost-record-list-model.h"
#include "outpost-row-item.h"
#include "outpost-store-sync.h"

#define N_ROWS 2600

static char *data_home;   /* XDG_DATA_HOME, set before any thread starts */

typedef struct {
  char                   *tmp;
  OutpostStoreClient     *client;
  OutpostRecordListModel *model;
} Fixture;

static void
fill (OutpostStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (outpost_store_begin (store, &error));
  for (gint i = 0; i < N_ROWS; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08x-0000-4000-8000-%012x", 0xacc, i);
      g_autofree char *name = g_strdup_printf ("Account %06d %s", i,
                                               i % 13 == 0 ? "Nimbus" : i % 2 ? "Fabrikam" : "Contoso");
      g_autoptr(JsonObject) v = json_object_new ();

      json_object_set_string_member (v, "name", name);
      outpost_store_apply_server_row (store, "account", id, v, "W/\"1\"", 1, &error);
      g_assert_no_error (error);
    }
  g_assert_true (outpost_store_commit (store, &error));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  OutpostStore *store;

  static guint serial;
  g_autofree char *name = g_strdup_printf ("model%u", serial++);

  f->tmp = g_build_filename (data_home, "outpost", name, NULL);
  account = outpost_account_new (name, "http://127.0.0.1:9/", OUTPOST_AUTH_KIND_NONE, NULL, NULL, NULL);
  g_assert_true (outpost_account_save (account, FALSE, &error));
  store = outpost_account_open_store (account, &error);
  g_assert_no_error (error);
  fill (store);
  f->client = outpost_store_client_new (store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);

  g_clear_object (&f->model);
  outpost_store_client_shutdown (f->client);
  g_clear_object (&f->client);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->tmp);
}

static gboolean
idle (Fixture *f)
{
  return outpost_store_client_get_pending (f->client) == 0;
}

static void
run_until_idle (Fixture *f)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      if (idle (f) && !g_main_context_pending (NULL))
        return;
      g_usleep (1000);
    }
  g_assert_not_reached ();
}

/* The record of item @i (filled after the loop ran), or NULL. */
static const char *
name_at (Fixture *f, guint i)
{
  g_autoptr(OutpostRowItem) item = g_list_model_get_item (G_LIST_MODEL (f->model), i);
  OutpostRecord *record;

  run_until_idle (f);
  record = item != NULL ? outpost_row_item_get_record (item) : NULL;
  return record != NULL ? outpost_record_get_string (record, "name") : NULL;
}

static void
test_first_page_then_count (Fixture *f, gconstpointer data)
{
  gboolean seen_provisional = FALSE;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  f->model = outpost_record_list_model_new (f->client, "account");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 0);
  while (!outpost_record_list_model_get_exact (f->model) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, TRUE);
      if (!outpost_record_list_model_get_exact (f->model)
          && g_list_model_get_n_items (G_LIST_MODEL (f->model)) == OUTPOST_LIST_FIRST_READ)
        seen_provisional = TRUE;
    }
  g_assert_true (seen_provisional);   /* the first page was there before the count */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, N_ROWS);
  g_assert_cmpstr (name_at (f, 0), ==, "Account 000000 Nimbus");
  g_assert_cmpstr (name_at (f, 1), ==, "Account 000001 Fabrikam");
}

static void
test_jump_to_end (Fixture *f, gconstpointer data)
{
  f->model = outpost_record_list_model_new (f->client, "account");
  run_until_idle (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, N_ROWS);
  /* the last rows and a page in the middle, with no page in between ever read */
  g_assert_cmpstr (name_at (f, N_ROWS - 1), ==, "Account 002599 Fabrikam");
  g_assert_cmpstr (name_at (f, 1777), ==, "Account 001777 Fabrikam");
  g_assert_cmpuint (outpost_record_list_model_get_pages_fetched (f->model), <=, 4);
  g_assert_cmpuint (outpost_record_list_model_get_n_checkpoints (f->model), >=, N_ROWS / OUTPOST_LIST_CHECKPOINT_STRIDE);
}

static void
test_search_counted (Fixture *f, gconstpointer data)
{
  f->model = outpost_record_list_model_new (f->client, "account");
  outpost_record_list_model_set_search (f->model, "nimbus");
  run_until_idle (f);
  g_assert_true (outpost_record_list_model_get_exact (f->model));
  g_assert_false (outpost_record_list_model_get_capped (f->model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, (N_ROWS + 12) / 13);
  g_assert_cmpstr (name_at (f, 1), ==, "Account 000013 Nimbus");
}

static void
test_search_capped_grows (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint expected = 0;

  for (gint i = 0; i < N_ROWS; i++)
    expected += i % 13 != 0 && i % 2 == 1;
  f->model = outpost_record_list_model_new (f->client, "account");
  outpost_record_list_model_set_search (f->model, "fabrikam");
  run_until_idle (f);
  g_assert_true (outpost_record_list_model_get_capped (f->model));
  g_assert_false (outpost_record_list_model_get_exact (f->model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), <, expected);
  /* a user scrolling down: each item near the end grows the list, until it ends */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->model)); i++)
    {
      const char *name = name_at (f, i);

      g_assert_nonnull (name);
      g_assert_true (g_str_has_suffix (name, " Fabrikam"));
      g_assert_true (g_hash_table_add (seen, g_strdup (name)));   /* never twice */
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, expected);
  g_assert_true (outpost_record_list_model_get_exact (f->model));
}

static void
test_refresh_keeps_items (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostRowItem) item = NULL;
  g_autoptr(OutpostRowItem) late = NULL;

  f->model = outpost_record_list_model_new (f->client, "account");
  run_until_idle (f);
  item = g_list_model_get_item (G_LIST_MODEL (f->model), 5);
  run_until_idle (f);
  g_assert_nonnull (outpost_row_item_get_record (item));
  outpost_record_list_model_refresh (f->model);
  run_until_idle (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, N_ROWS);
  late = g_list_model_get_item (G_LIST_MODEL (f->model), 5);
  g_assert_true (late == item);
  /* an item of a page that already arrived is filled at once */
  g_clear_object (&late);
  late = g_list_model_get_item (G_LIST_MODEL (f->model), 6);
  g_assert_nonnull (outpost_row_item_get_record (late));
}

/* A refresh reads again the rows a view holds items of, not every cached page. */
static void
test_refresh_reads_rows_in_view (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostRowItem) held = NULL;
  guint before;

  f->model = outpost_record_list_model_new (f->client, "account");
  run_until_idle (f);
  for (guint i = 0; i < N_ROWS; i += 50)   /* scrolled through: 26 pages cached */
    g_assert_nonnull (name_at (f, i));
  held = g_list_model_get_item (G_LIST_MODEL (f->model), 1750);
  run_until_idle (f);
  before = outpost_record_list_model_get_pages_fetched (f->model);
  outpost_record_list_model_refresh (f->model);
  run_until_idle (f);
  /* the first rows (one job) and the page of the held item */
  g_assert_cmpuint (outpost_record_list_model_get_pages_fetched (f->model) - before, ==, 2);
  g_assert_cmpstr (outpost_record_get_string (outpost_row_item_get_record (held), "name"), ==,
                   "Account 001750 Contoso");
  g_assert_cmpstr (name_at (f, 2200), ==, "Account 002200 Contoso");   /* read again when asked */
}

/* A view: on every change it asks for the first rows, as a GtkColumnView does at once. */
typedef struct {
  Fixture    *f;
  const char *want;     /* every loaded row's name must end with it (NULL: no check) */
  guint       checked;
} View;

static void
view_items_changed (GListModel *model, guint position, guint removed, guint added, View *v)
{
  for (guint i = 0; i < MIN (30u, g_list_model_get_n_items (model)); i++)
    {
      g_autoptr(OutpostRowItem) item = g_list_model_get_item (model, i);
      OutpostRecord *record = outpost_row_item_get_record (item);

      if (record == NULL || v->want == NULL)
        continue;
      g_assert_true (g_str_has_suffix (outpost_record_get_string (record, "name"), v->want));
      v->checked++;
    }
}

/* The rows of a new query are in place when the view hears of them: it asks for no page again. */
static void
test_first_page_fetched_once (Fixture *f, gconstpointer data)
{
  View v = { f, NULL, 0 };
  guint before;

  f->model = outpost_record_list_model_new (f->client, "account");
  g_signal_connect (f->model, "items-changed", G_CALLBACK (view_items_changed), &v);
  run_until_idle (f);
  g_assert_cmpuint (outpost_record_list_model_get_pages_fetched (f->model), ==, 1);
  before = outpost_record_list_model_get_pages_fetched (f->model);
  outpost_record_list_model_set_search (f->model, "fabrikam");
  run_until_idle (f);
  g_assert_cmpuint (outpost_record_list_model_get_pages_fetched (f->model) - before, ==, 1);
  g_assert_cmpstr (name_at (f, 0), ==, "Account 002599 Fabrikam");   /* > 1000 matches: newest first */
}

/* Keystrokes faster than the worker: results of a superseded search never reach the list,
 * whether its job was still queued, running, or done with its result on the way. */
static void
test_superseded_search (Fixture *f, gconstpointer data)
{
  static const char *const typed[][2] = {
    { "fabrikam", " Fabrikam" }, { "nimbus", " Nimbus" }, { "contoso", " Contoso" },
    { "nimbus", " Nimbus" }, { "fabrikam", " Fabrikam" }, { "contoso", " Contoso" },
  };
  View v = { f, NULL, 0 };

  f->model = outpost_record_list_model_new (f->client, "account");
  g_signal_connect (f->model, "items-changed", G_CALLBACK (view_items_changed), &v);
  run_until_idle (f);
  for (guint round = 0; round < 12; round++)
    {
      const char *const *old = typed[round % G_N_ELEMENTS (typed)];
      const char *const *cur = typed[(round + 1) % G_N_ELEMENTS (typed)];

      v.want = NULL;
      outpost_record_list_model_set_search (f->model, old[0]);
      /* round 0: superseded while queued; then later and later: running, done, delivered */
      g_usleep (round * 1500);
      if (round % 3 == 2)
        g_main_context_iteration (NULL, FALSE);
      outpost_record_list_model_set_search (f->model, cur[0]);
      v.want = cur[1];
      run_until_idle (f);
      for (guint i = 0; i < MIN (150u, g_list_model_get_n_items (G_LIST_MODEL (f->model))); i++)
        {
          const char *name = name_at (f, i);

          g_assert_nonnull (name);
          g_assert_true (g_str_has_suffix (name, cur[1]));
        }
    }
  g_assert_cmpuint (v.checked, >, 0);
  outpost_record_list_model_set_search (f->model, "nimbus");
  v.want = " Nimbus";
  run_until_idle (f);
  g_assert_true (outpost_record_list_model_get_exact (f->model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, (N_ROWS + 12) / 13);
}

static void
count_notify (GObject *object, GParamSpec *pspec, guint *n)
{
  (*n)++;
}

static void
record_changes (GListModel *model, guint position, guint removed, guint added, GArray *changes)
{
  guint change[3] = { position, removed, added };

  g_array_append_vals (changes, change, 3);
}

/* A new query replaces every item in one items-changed, but the row items handed out before
 * are given the new rows (a view keeps their widgets): same object, new record, notified. */
static void
test_reset_reuses_items (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostRowItem) first = NULL;
  g_autoptr(OutpostRowItem) again = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (guint));
  guint notified = 0;

  f->model = outpost_record_list_model_new (f->client, "account");
  run_until_idle (f);
  first = g_list_model_get_item (G_LIST_MODEL (f->model), 1);
  run_until_idle (f);
  g_assert_cmpstr (outpost_record_get_string (outpost_row_item_get_record (first), "name"), ==,
                   "Account 000001 Fabrikam");
  g_signal_connect (first, "notify::record", G_CALLBACK (count_notify), &notified);
  g_signal_connect (f->model, "items-changed", G_CALLBACK (record_changes), changes);
  outpost_record_list_model_set_search (f->model, "nimbus");
  run_until_idle (f);
  g_assert_cmpuint (changes->len, ==, 3);
  g_assert_cmpuint (g_array_index (changes, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (changes, guint, 1), ==, N_ROWS);
  g_assert_cmpuint (g_array_index (changes, guint, 2), ==, (N_ROWS + 12) / 13);
  again = g_list_model_get_item (G_LIST_MODEL (f->model), 1);
  g_assert_true (again == first);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (outpost_record_get_string (outpost_row_item_get_record (first), "name"), ==,
                   "Account 000013 Nimbus");
  g_assert_cmpstr (name_at (f, 199), ==, "Account 002587 Nimbus");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (f->model), 200));
  g_signal_handlers_disconnect_by_func (first, count_notify, &notified);
}

/* ---- the store client under it ---------------------------------------------------------- */

typedef struct {
  guint    done;
  guint    idle;
  GThread *main_thread;
} ClientCount;

static gpointer
tiny_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  return g_strdup ("x");
}

static void
tiny_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ClientCount *c = user_data;
  g_autofree char *x = outpost_store_client_run_finish (OUTPOST_STORE_CLIENT (source), result, NULL);

  g_assert_true (g_thread_self () == c->main_thread);
  g_assert_cmpstr (x, ==, "x");
  c->done++;
}

static void
client_idle (OutpostStoreClient *client, ClientCount *c)
{
  g_assert_true (g_thread_self () == c->main_thread);
  c->idle++;
}

/* "pending" reaches 0 (and "idle" comes, in the main thread) only after every job's result
 * was delivered, also when jobs finish while the main thread is between two iterations (the
 * worker must never run main-thread code then). */
static void
test_client_idle_after_results (Fixture *f, gconstpointer data)
{
  ClientCount c = { 0, 0, g_thread_self () };
  guint submitted = 0;

  g_signal_connect (f->client, "idle", G_CALLBACK (client_idle), &c);
  for (guint round = 0; round < 400; round++)
    {
      for (guint i = 0; i < round % 3; i++, submitted++)
        outpost_store_client_run_async (f->client, OUTPOST_JOB_PRIORITY_DEFAULT, tiny_job, NULL,
                                        NULL, g_free, NULL, tiny_done, &c);
      g_usleep (round % 5 * 100);
      g_main_context_iteration (NULL, FALSE);
      if (outpost_store_client_get_pending (f->client) == 0)
        g_assert_cmpuint (c.done, ==, submitted);
    }
  run_until_idle (f);
  g_assert_cmpuint (c.done, ==, submitted);
  g_assert_cmpuint (c.idle, >, 0);
  g_signal_handlers_disconnect_by_func (f->client, client_idle, &c);
}

/* ---- opening an account off the main thread ---------------------------------------------------- */

typedef struct {
  OutpostContext *context;
  GError         *error;
  gboolean        done;
  guint           iterations;   /* main loop iterations while the open was running */
} Opening;

static void
context_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Opening *o = user_data;

  o->context = outpost_context_new_finish (result, &o->error);
  o->done = TRUE;
}

static void
open_context (OutpostAccount *account, Opening *o)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  outpost_context_new_async (account, settings, NULL, NULL, context_opened, o);
  g_assert_false (o->done);   /* never completed from inside the call */
  while (!o->done && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, TRUE);
      o->iterations++;
    }
  g_assert_true (o->done);
}

static OutpostAccount *
new_account (const char *name, char **db_path)
{
  g_autoptr(GError) error = NULL;
  OutpostAccount *account = outpost_account_new (name, "http://127.0.0.1:9/", OUTPOST_AUTH_KIND_NONE,
                                                 NULL, NULL, NULL);

  g_assert_true (outpost_account_save (account, FALSE, &error));
  *db_path = outpost_account_get_db_path (account);
  return account;
}

static void
test_open_off_main_thread (Fixture *f, gconstpointer data)
{
  g_autofree char *db = NULL;
  g_autoptr(OutpostAccount) account = new_account ("opened", &db);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) direct = NULL;
  Opening o = { 0 };
  guint before = outpost_store_client_guard_violations ();

  /* the fixture's account has 2,600 rows; this one is created by the open (schema, indexes) */
  open_context (account, &o);
  g_assert_no_error (o.error);
  g_assert_nonnull (o.context);
  g_assert_cmpuint (outpost_store_client_guard_violations (), ==, before);
  g_assert_nonnull (outpost_context_get_profile (o.context));
  g_assert_cmpstr (outpost_store_client_get_path (outpost_context_get_client (o.context)), ==, db);

  /* the list on the new context: pages and counts in the worker too */
  f->model = outpost_record_list_model_new (outpost_context_get_client (o.context), "account");
  while (outpost_store_client_get_pending (outpost_context_get_client (o.context)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, 0);
  g_clear_object (&f->model);
  outpost_context_shutdown (o.context);
  g_assert_cmpuint (outpost_store_client_guard_violations (), ==, before);

  /* the guard can fail: the same open on the main thread is seen */
  direct = outpost_account_open_store (account, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outpost_store_client_guard_violations (), >, before);
  g_clear_object (&o.context);
}

static void
set_user_version (const char *db, int version)
{
  sqlite3 *conn = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);

  g_assert_cmpint (sqlite3_open (db, &conn), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (conn, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (conn);
}

static void
test_open_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *db = NULL;
  g_autoptr(OutpostAccount) account = new_account ("newer", &db);
  g_autofree char *db2 = NULL;
  g_autoptr(OutpostAccount) corrupt = new_account ("corrupt", &db2);
  g_autoptr(GError) error = NULL;
  Opening o = { 0 }, o2 = { 0 };
  g_autoptr(OutpostStore) store = outpost_account_open_store (account, &error);

  g_assert_no_error (error);
  g_clear_object (&store);
  set_user_version (db, 9999);
  open_context (account, &o);
  g_assert_null (o.context);
  g_assert_error (o.error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_TOO_NEW);
  g_clear_error (&o.error);

  g_assert_true (g_file_set_contents (db2, "this is not an SQLite database, it is some text; "
                                      "long enough to fill a header page, surely", -1, &error));
  open_context (corrupt, &o2);
  g_assert_null (o2.context);
  g_assert_error (o2.error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_CORRUPT);
  g_clear_error (&o2.error);
}

int
main (int argc, char **argv)
{
  g_autofree char *rm = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  data_home = g_dir_make_tmp ("test-list-model-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  outpost_store_client_guard_thread (FALSE);
  g_test_add ("/list-model/first-page-then-count", Fixture, NULL, fixture_setup, test_first_page_then_count, fixture_teardown);
  g_test_add ("/list-model/jump-to-end", Fixture, NULL, fixture_setup, test_jump_to_end, fixture_teardown);
  g_test_add ("/list-model/search-counted", Fixture, NULL, fixture_setup, test_search_counted, fixture_teardown);
  g_test_add ("/list-model/search-capped-grows", Fixture, NULL, fixture_setup, test_search_capped_grows, fixture_teardown);
  g_test_add ("/list-model/refresh-keeps-items", Fixture, NULL, fixture_setup, test_refresh_keeps_items, fixture_teardown);
  g_test_add ("/list-model/refresh-reads-rows-in-view", Fixture, NULL, fixture_setup, test_refresh_reads_rows_in_view, fixture_teardown);
  g_test_add ("/list-model/first-page-fetched-once", Fixture, NULL, fixture_setup, test_first_page_fetched_once, fixture_teardown);
  g_test_add ("/list-model/superseded-search", Fixture, NULL, fixture_setup, test_superseded_search, fixture_teardown);
  g_test_add ("/list-model/reset-reuses-items", Fixture, NULL, fixture_setup, test_reset_reuses_items, fixture_teardown);
  g_test_add ("/list-model/client-idle-after-results", Fixture, NULL, fixture_setup, test_client_idle_after_results, fixture_teardown);
  g_test_add ("/list-model/open-off-main-thread", Fixture, NULL, fixture_setup, test_open_off_main_thread, fixture_teardown);
  g_test_add ("/list-model/open-errors", Fixture, NULL, fixture_setup, test_open_errors, fixture_teardown);
  ret = g_test_run ();
  rm = g_strdup_printf ("rm -rf '%s'", data_home);
  if (system (rm) != 0)
    ret = 1;
  g_free (data_home);
  return ret;
}

/* test-concurrency.c: user saves while synchronizations run back to back (issue 7).
 *
 * A "store worker" thread makes 10,000 saves through its own OutpostStore connection, as the
 * window's store worker does (outpost_store_create / outpost_store_update on the account's
 * database), while a "sync" thread runs OutpostSyncEngine full and incremental syncs back to
 * back against the real outpost-server, seeded large enough that each sync writes for a while.
 * Checks: no save fails, none is lost (every saved value is in the store at the end and on the
 * server after a final sync), no deadlock (a watchdog aborts when no save completes for 30 s),
 * and the busy func ran (saves did meet the sync's write lock). Prints the save wait figures. */
#include "config.h"

#include "outpost-store.h"
#include "outpost-test-server.h"

#define N_SAVES        n_saves  /* 10,000; OUTPOST_CONCURRENCY_SAVES overrides (tsan.sh: 2,000) */
static guint n_saves = 10000;
#define N_TARGETS      300      /* seeded accounts the updates cycle over */
#define CREATE_EVERY   5        /* every 5th save creates an account (2,000 creates) */
#define WATCHDOG_USEC  (30 * G_USEC_PER_SEC)
#define SEED           "accounts=12000,contacts=12000"  /* a full sync writes for ~6 s */
#define PAUSE_USEC     3000     /* between saves: ~40 s of saves, so several syncs overlap them */

typedef struct {
  OutpostTestServer *srv;
  OutpostProfile    *profile;
  GStrv              targets;      /* seeded account ids */
  GHashTable        *expected;     /* account id -> last description saved (owned) */
  GPtrArray         *created;      /* ids created by the saves */
  gint64            *durations;    /* usec per save */
  gint               saves_done;   /* atomic */
  gint64             t0;           /* monotonic start */
  gint               last_save_ms; /* atomic: ms after t0 of the last completed save */
  gint               busy_calls;   /* atomic */
  gint               saves_busy;   /* saves during which the busy func ran */
  gint               stop_sync;    /* atomic */
  gint               sync_done;    /* atomic */
  guint              syncs_ok;
  guint              syncs_failed;
  GString           *sync_errors;
  gint64             conflicts;
} Ctx;

static void
busy_cb (OutpostStore *store, gpointer user_data)
{
  Ctx *ctx = user_data;

  g_atomic_int_inc (&ctx->busy_calls);
}

static char *
save_one (Ctx *ctx, OutpostStore *store, guint i, GError **error)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autofree char *desc = g_strdup_printf ("conc-save-%05u", i);
  const char *target;

  json_object_set_string_member (values, "description", desc);
  if (i % CREATE_EVERY == 0)
    {
      g_autofree char *name = g_strdup_printf ("Concurrency %05u", i);
      char *id;

      json_object_set_string_member (values, "name", name);
      id = outpost_store_create (store, "account", values, error);
      if (id != NULL)
        {
          g_hash_table_replace (ctx->expected, g_strdup (id), g_steal_pointer (&desc));
          g_ptr_array_add (ctx->created, g_strdup (id));
        }
      return id;
    }
  /* Mostly seeded rows; every third update hits one of the latest creates, whose create may
   * still be pending or in flight in the sync's upload. */
  if (i % 3 == 0 && ctx->created->len > 0)
    target = g_ptr_array_index (ctx->created, ctx->created->len - 1 - (i / 3) % MIN (ctx->created->len, 40));
  else
    target = ctx->targets[i % N_TARGETS];
  if (!outpost_store_update (store, "account", target, values, error))
    return NULL;
  g_hash_table_replace (ctx->expected, g_strdup (target), g_steal_pointer (&desc));
  return g_strdup (target);
}

static gpointer
saver_main (gpointer data)
{
  Ctx *ctx = data;
  g_autoptr(OutpostStore) store = outpost_test_open_store (ctx->srv, ctx->profile);

  outpost_store_set_busy_func (store, busy_cb, ctx);
  for (guint i = 0; i < N_SAVES; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = NULL;
      gint busy_before = g_atomic_int_get (&ctx->busy_calls);
      gint64 start = g_get_monotonic_time ();

      id = save_one (ctx, store, i, &error);
      if (id == NULL)
        g_error ("save %u failed: %s", i, error ? error->message : "?");
      ctx->durations[i] = g_get_monotonic_time () - start;
      if (g_atomic_int_get (&ctx->busy_calls) != busy_before)
        ctx->saves_busy++;
      g_atomic_int_set (&ctx->saves_done, i + 1);
      g_atomic_int_set (&ctx->last_save_ms, (gint) ((g_get_monotonic_time () - ctx->t0) / 1000));
      g_usleep (PAUSE_USEC);
    }
  return NULL;
}

static gpointer
syncer_main (gpointer data)
{
  Ctx *ctx = data;
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (ctx->srv, ctx->profile);

  for (guint n = 0; !g_atomic_int_get (&ctx->stop_sync); n++)
    {
      OutpostSyncOptions options = { n % 2 == 0 ? OUTPOST_SYNC_FULL : OUTPOST_SYNC_INCREMENTAL };
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostSyncResult) r = outpost_sync_engine_run (engine, &options, NULL, &error);

      if (r == NULL)
        {
          ctx->syncs_failed++;
          g_string_append_printf (ctx->sync_errors, "  %s sync: %s\n",
                                  outpost_sync_kind_to_string (options.kind), error->message);
          continue;
        }
      ctx->syncs_ok++;
      ctx->conflicts += r->conflicts;
      g_test_message ("%s sync %u: %.2f s, %" G_GINT64_FORMAT " downloaded, %" G_GINT64_FORMAT
                      " uploaded, %u saves so far", outpost_sync_kind_to_string (options.kind), n,
                      r->seconds, r->downloaded, r->uploaded,
                      (guint) g_atomic_int_get (&ctx->saves_done));
    }
  g_atomic_int_set (&ctx->sync_done, 1);
  return NULL;
}

/* Waits for @done while saves keep coming; aborts (a failed test) on a stall. */
static void
watch (Ctx *ctx, gint *done, const char *what, gint64 limit_usec, gboolean saves)
{
  gint64 since = g_get_monotonic_time ();

  while (!g_atomic_int_get (done))
    {
      gint64 now = g_get_monotonic_time ();
      gint64 last = saves ? ctx->t0 + (gint64) g_atomic_int_get (&ctx->last_save_ms) * 1000 : since;

      if (now - MAX (last, since) > limit_usec)
        g_error ("deadlock? %s: nothing for %" G_GINT64_FORMAT " s (saves done: %d)", what,
                 (now - MAX (last, since)) / G_USEC_PER_SEC, g_atomic_int_get (&ctx->saves_done));
      g_usleep (100 * 1000);
    }
}

typedef struct { Ctx *ctx; gint done; } SaverRun;

static gpointer
saver_run (gpointer data)
{
  SaverRun *run = data;

  saver_main (run->ctx);
  g_atomic_int_set (&run->done, 1);
  return NULL;
}

static int
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
print_waits (Ctx *ctx)
{
  g_autofree gint64 *sorted = g_memdup2 (ctx->durations, sizeof (gint64) * N_SAVES);
  guint over_10ms = 0;

  qsort (sorted, N_SAVES, sizeof (gint64), cmp_gint64);
  for (guint i = 0; i < N_SAVES; i++)
    over_10ms += sorted[i] > 10000;
  g_print ("# save time: p50 %.2f ms, p99 %.2f ms, max %.1f ms; %u saves took > 10 ms; "
           "%d saves met the sync's lock for >= 150 ms (busy func: %d calls)\n",
           sorted[N_SAVES / 2] / 1000.0, sorted[N_SAVES * 99 / 100] / 1000.0,
           sorted[N_SAVES - 1] / 1000.0, over_10ms, ctx->saves_busy,
           g_atomic_int_get (&ctx->busy_calls));
  g_print ("# syncs during the saves: %u ok, %u failed, %" G_GINT64_FORMAT " conflicts\n",
           ctx->syncs_ok, ctx->syncs_failed, ctx->conflicts);
}

static void
check_store (Ctx *ctx, OutpostStore *store)
{
  GHashTableIter iter;
  gpointer id, desc;
  guint lost = 0;

  g_hash_table_iter_init (&iter, ctx->expected);
  while (g_hash_table_iter_next (&iter, &id, &desc))
    {
      g_autoptr(GError) error = NULL;
      OutpostRecord *r = outpost_store_get (store, "account", id, &error);
      const char *have = r ? outpost_record_get_string (r, "description") : NULL;

      if (g_strcmp0 (have, desc) != 0 && lost++ < 10)
        g_test_message ("store: account %s has %s, saved %s (%s)", (char *) id, have,
                        (char *) desc, error ? error->message : "");
      g_clear_pointer (&r, outpost_record_unref);
    }
  g_assert_cmpuint (lost, ==, 0);
}

/* The admin endpoint lists at most 10,000 rows: ask for each saved account by id. */
static void
check_server (Ctx *ctx)
{
  GHashTableIter iter;
  gpointer id, desc;
  guint lost = 0;

  g_hash_table_iter_init (&iter, ctx->expected);
  while (g_hash_table_iter_next (&iter, &id, &desc))
    {
      g_autofree char *path = g_strdup_printf ("records/accounts/%s", (char *) id);
      g_autoptr(JsonNode) row = NULL;
      guint status = outpost_test_server_admin (ctx->srv, "GET", path, NULL, &row);
      const char *have = NULL;

      if (status == 200 && row != NULL && JSON_NODE_HOLDS_OBJECT (row))
        have = json_object_get_string_member_with_default (json_node_get_object (row), "description", NULL);
      if (g_strcmp0 (have, desc) != 0 && lost++ < 10)
        g_test_message ("server: account %s (HTTP %u) has %s, saved %s", (char *) id, status,
                        have, (char *) desc);
    }
  g_assert_cmpuint (lost, ==, 0);
}

/* Every create is on the server exactly once (no duplicate from a retried create). */
static void
check_no_duplicates (Ctx *ctx, gint64 seeded)
{
  g_assert_cmpint (outpost_test_server_count (ctx->srv, "accounts"), ==, seeded + ctx->created->len);
  for (guint i = 0; i < ctx->created->len; i += 97)
    {
      g_autofree char *name = g_strdup_printf ("Concurrency %05u", i * CREATE_EVERY);
      g_autofree char *q = g_strdup_printf ("accounts?$filter=name eq '%s'", name);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

      g_assert_cmpint (outpost_test_server_count (ctx->srv, escaped), ==, 1);
    }
}

static void
test_saves_during_sync (void)
{
  Ctx ctx = { 0 };
  SaverRun run = { &ctx, 0 };
  g_autoptr(OutpostSyncEngine) engine = NULL;
  g_autoptr(OutpostSyncResult) first = NULL, last = NULL;
  g_autoptr(OutpostStore) store = NULL;
  GThread *saver, *syncer;
  gint64 seeded;

  ctx.srv = outpost_test_server_start (SEED, NULL);
  ctx.profile = outpost_test_profile ();
  ctx.targets = outpost_test_server_ids (ctx.srv, "accounts", "accountid", "statecode eq 0", N_TARGETS);
  g_assert_cmpuint (g_strv_length (ctx.targets), ==, N_TARGETS);
  seeded = outpost_test_server_count (ctx.srv, "accounts");
  ctx.expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ctx.created = g_ptr_array_new_with_free_func (g_free);
  ctx.durations = g_new0 (gint64, N_SAVES);
  ctx.sync_errors = g_string_new (NULL);
  engine = outpost_test_engine (ctx.srv, ctx.profile);
  first = outpost_test_sync (engine, OUTPOST_SYNC_FULL);
  g_print ("# first full sync: %" G_GINT64_FORMAT " rows in %.2f s\n", first->downloaded, first->seconds);

  ctx.t0 = g_get_monotonic_time ();
  syncer = g_thread_new ("sync", syncer_main, &ctx);
  saver = g_thread_new ("store-worker", saver_run, &run);
  watch (&ctx, &run.done, "saves", WATCHDOG_USEC, TRUE);
  g_thread_join (saver);
  g_atomic_int_set (&ctx.stop_sync, 1);
  watch (&ctx, &ctx.sync_done, "the last background sync", 120 * G_USEC_PER_SEC, FALSE);
  g_thread_join (syncer);
  print_waits (&ctx);
  if (ctx.syncs_failed > 0)
    g_test_message ("sync errors:\n%s", ctx.sync_errors->str);

  store = outpost_test_open_store (ctx.srv, ctx.profile);
  check_store (&ctx, store);
  last = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (outpost_store_count_unsynced (store, NULL, NULL), ==, 0);
  check_store (&ctx, store);
  check_server (&ctx);
  check_no_duplicates (&ctx, seeded);
  g_assert_cmpint (g_atomic_int_get (&ctx.busy_calls), >, 0);
  g_assert_cmpuint (ctx.syncs_failed, ==, 0);
  g_assert_cmpuint (ctx.syncs_ok, >=, 2);

  g_clear_object (&store);
  g_clear_object (&engine);
  g_strfreev (ctx.targets);
  g_hash_table_unref (ctx.expected);
  g_ptr_array_unref (ctx.created);
  g_free (ctx.durations);
  g_string_free (ctx.sync_errors, TRUE);
  outpost_profile_unref (ctx.profile);
  outpost_test_server_free (ctx.srv);
}

int
main (int argc, char **argv)
{
  const char *saves = g_getenv ("OUTPOST_CONCURRENCY_SAVES");

  g_test_init (&argc, &argv, NULL);
  if (saves != NULL && g_ascii_strtoull (saves, NULL, 10) >= 100)
    n_saves = (guint) g_ascii_strtoull (saves, NULL, 10);
  g_test_add_func ("/concurrency/saves-during-sync", test_saves_during_sync);
  return g_test_run ();
}

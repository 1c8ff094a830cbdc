/* test-scheduler.c: the automatic synchronization rules, with a fake clock and a fake network
 * monitor so every timing is exact. */
#include <locale.h>
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "outpost-fake-clock.h"
#include "outpost-fake-monitor.h"
#include "outpost-scheduler.h"
#include "outpost-sync-error.h"

typedef struct {
  int kind;
  int trigger;
} Request;

typedef struct {
  GSettingsBackend    *backend;
  GSettings           *settings;
  OutpostFakeClock    *clock;
  OutpostFakeMonitor  *monitor;
  OutpostConnectivity *connectivity;
  OutpostScheduler    *scheduler;
  GArray              *requests;   /* Request */
  GArray              *asks;       /* gboolean going_online */
} Fixture;

static void
sync_requested_cb (OutpostScheduler *scheduler,
                   int               kind,
                   int               trigger,
                   Fixture          *f)
{
  Request r = { kind, trigger };

  /* Emitted with "running" already TRUE: only one sync is outstanding at any time. */
  g_assert_true (outpost_scheduler_get_running (scheduler));
  g_array_append_val (f->requests, r);
}

static void
ask_cb (OutpostScheduler *scheduler,
        gboolean          going_online,
        Fixture          *f)
{
  g_array_append_val (f->asks, going_online);
}

static void
create_scheduler (Fixture *f)
{
  f->connectivity = outpost_connectivity_new (G_NETWORK_MONITOR (f->monitor),
                                              "https://crm.example.com/");
  outpost_test_drain_main_context ();
  f->scheduler = outpost_scheduler_new (f->settings, OUTPOST_CLOCK (f->clock), f->connectivity);
  outpost_scheduler_set_credentials_saved (f->scheduler, TRUE);
  g_signal_connect (f->scheduler, "sync-requested", G_CALLBACK (sync_requested_cb), f);
  g_signal_connect (f->scheduler, "ask-user-to-sync", G_CALLBACK (ask_cb), f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->backend = g_memory_settings_backend_new ();
  f->settings = g_settings_new_with_backend ("io.github.outpostcrm.Outpost", f->backend);
  /* Each test turns on what it checks. */
  g_settings_set_int (f->settings, "auto-sync-after-start", -1);
  g_settings_set_int (f->settings, "auto-sync-delay", -1);
  g_settings_set_int (f->settings, "auto-sync-after-change", 300);
  g_settings_set_enum (f->settings, "going-online-mode", OUTPOST_CONNECTIVITY_MODE_NO_ACTION);
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_NO_ACTION);
  f->clock = outpost_fake_clock_new ();
  f->monitor = outpost_fake_monitor_new (TRUE, TRUE);
  f->requests = g_array_new (FALSE, FALSE, sizeof (Request));
  f->asks = g_array_new (FALSE, FALSE, sizeof (gboolean));
  create_scheduler (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->scheduler);
  g_assert_finalize_object (f->connectivity);
  g_clear_object (&f->monitor);
  g_assert_cmpuint (outpost_fake_clock_pending (f->clock), ==, 0);
  g_clear_object (&f->clock);
  g_clear_object (&f->settings);
  g_clear_object (&f->backend);
  g_array_unref (f->requests);
  g_array_unref (f->asks);
  outpost_test_drain_main_context ();
}

static Request
request_at (Fixture *f,
            guint    i)
{
  g_assert_cmpuint (i, <, f->requests->len);
  return g_array_index (f->requests, Request, i);
}

static void
assert_request (Fixture           *f,
                guint              i,
                OutpostSyncKind    kind,
                OutpostSyncTrigger trigger)
{
  Request r = request_at (f, i);

  g_assert_cmpstr (outpost_sync_trigger_to_string (r.trigger), ==,
                   outpost_sync_trigger_to_string (trigger));
  g_assert_cmpstr (outpost_sync_kind_to_string (r.kind), ==, outpost_sync_kind_to_string (kind));
}

/* Runs a sync the scheduler requested (or a manual one): started, then finished. */
static void
run_sync (Fixture      *f,
          const GError *error)
{
  outpost_scheduler_sync_started (f->scheduler);
  g_assert_true (outpost_scheduler_get_running (f->scheduler));
  outpost_scheduler_sync_finished (f->scheduler, NULL, error);
}

static void
set_network (Fixture *f,
             gboolean available,
             gboolean reachable)
{
  outpost_fake_monitor_set (f->monitor, available, reachable);
  outpost_test_drain_main_context ();
}

/* ---- triggers -------------------------------------------------------------------------- */

static void
test_after_start (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-after-start", 30);
  outpost_fake_clock_advance (f->clock, 100);
  g_assert_cmpuint (f->requests->len, ==, 0);   /* nothing before start() */
  outpost_scheduler_start (f->scheduler);
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, 30);
  outpost_fake_clock_advance (f->clock, 29);
  g_assert_cmpuint (f->requests->len, ==, 0);
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_START);
  run_sync (f, NULL);
  outpost_fake_clock_advance (f->clock, 100000);
  g_assert_cmpuint (f->requests->len, ==, 1);   /* once only, and periodic is off */
}

static void
test_after_start_off (Fixture *f, gconstpointer data)
{
  outpost_scheduler_start (f->scheduler);
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, -1);
  outpost_fake_clock_advance (f->clock, 100000);
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_periodic (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-delay", 600);
  outpost_scheduler_start (f->scheduler);
  outpost_fake_clock_advance (f->clock, 599);
  g_assert_cmpuint (f->requests->len, ==, 0);
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_PERIODIC);
  /* The sync takes 50 s: the next one counts from its end. */
  outpost_scheduler_sync_started (f->scheduler);
  outpost_fake_clock_advance (f->clock, 50);
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  outpost_fake_clock_advance (f->clock, 599);
  g_assert_cmpuint (f->requests->len, ==, 1);
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_PERIODIC);
  run_sync (f, NULL);
}

static void
test_periodic_last_sync (Fixture *f, gconstpointer data)
{
  OutpostClock *clock = OUTPOST_CLOCK (f->clock);

  g_settings_set_int (f->settings, "auto-sync-delay", 600);
  outpost_scheduler_start (f->scheduler);
  /* The sync log says the last sync ended 400 s ago: 200 s left. */
  outpost_scheduler_set_last_sync (f->scheduler, outpost_clock_get_real (clock) - G_GINT64_CONSTANT (400) * G_USEC_PER_SEC);
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, 200);
  outpost_fake_clock_advance (f->clock, 199);
  g_assert_cmpuint (f->requests->len, ==, 0);
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 1);
  run_sync (f, NULL);
  /* Long overdue: at once. */
  outpost_scheduler_set_last_sync (f->scheduler, outpost_clock_get_real (clock) - G_GINT64_CONSTANT (9000) * G_USEC_PER_SEC);
  outpost_fake_clock_advance (f->clock, 0);
  g_assert_cmpuint (f->requests->len, ==, 2);
  run_sync (f, NULL);
  /* Changing the delay re-arms the timer. */
  g_settings_set_int (f->settings, "auto-sync-delay", 60);
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, 60);
  g_settings_set_int (f->settings, "auto-sync-delay", -1);
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, -1);
}

static void
test_after_change_debounce (Fixture *f, gconstpointer data)
{
  /* Delay 300: each change restarts the wait, capped at 600 s after the first change. */
  outpost_scheduler_record_changed (f->scheduler);               /* t=0: due 300 */
  outpost_fake_clock_advance (f->clock, 200);
  outpost_scheduler_record_changed (f->scheduler);               /* t=200: due 500 */
  outpost_fake_clock_advance (f->clock, 299);
  g_assert_cmpuint (f->requests->len, ==, 0);                    /* t=499 */
  outpost_scheduler_record_changed (f->scheduler);               /* due min(799, 600) */
  g_assert_cmpint (outpost_scheduler_get_next_due (f->scheduler), ==, 101);
  outpost_fake_clock_advance (f->clock, 100);
  g_assert_cmpuint (f->requests->len, ==, 0);                    /* t=599 */
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 1);                    /* t=600 */
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE);
  run_sync (f, NULL);
  /* A quiet change after that: its own 300 s. */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 299);
  g_assert_cmpuint (f->requests->len, ==, 1);
  outpost_fake_clock_advance (f->clock, 1);
  g_assert_cmpuint (f->requests->len, ==, 2);
  run_sync (f, NULL);
}

static void
test_editing_all_day (Fixture *f, gconstpointer data)
{
  /* A save every minute for two hours: a sync at least every 600 s of editing. */
  for (guint minute = 0; minute < 120; minute++)
    {
      guint before = f->requests->len;

      outpost_scheduler_record_changed (f->scheduler);
      outpost_fake_clock_advance (f->clock, 60);
      if (f->requests->len > before)
        run_sync (f, NULL);
    }
  /* Synced at 600, 1200, ... 7200 s: every 2 × 300 s although the wait restarted each time. */
  g_assert_cmpuint (f->requests->len, ==, 12);
  outpost_fake_clock_advance (f->clock, 1000);
  g_assert_cmpuint (f->requests->len, ==, 12);
}

static void
test_after_change_off (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-after-change", -1);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 100000);
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_change_during_sync (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-after-change", 0);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 0);
  g_assert_cmpuint (f->requests->len, ==, 1);
  outpost_scheduler_sync_started (f->scheduler);
  /* Many changes (saves, an N:N associate) while the sync runs: no second sync at once. */
  for (int i = 0; i < 5; i++)
    {
      outpost_scheduler_record_changed (f->scheduler);
      outpost_fake_clock_advance (f->clock, 3);
    }
  g_assert_cmpuint (f->requests->len, ==, 1);
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  /* Exactly one follow-up, at once. */
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_FOLLOW_UP);
  run_sync (f, NULL);
  outpost_fake_clock_advance (f->clock, 100000);
  g_assert_cmpuint (f->requests->len, ==, 2);
}

static void
test_change_before_sync_covered (Fixture *f, gconstpointer data)
{
  /* A change made before a manual sync starts is uploaded by it: no sync afterwards. */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 10);
  run_sync (f, NULL);
  outpost_fake_clock_advance (f->clock, 100000);
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_requested_not_started (Fixture *f, gconstpointer data)
{
  /* Between "sync-requested" and sync_started the scheduler already counts a sync as
   * running: a second trigger becomes the follow-up, never a second request. */
  g_settings_set_int (f->settings, "auto-sync-after-change", 0);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 0);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 0);
  g_assert_cmpuint (f->requests->len, ==, 1);
  run_sync (f, NULL);
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_FOLLOW_UP);
  run_sync (f, NULL);
}

static void
test_email_sent (Fixture *f, gconstpointer data)
{
  outpost_scheduler_email_sent (f->scheduler);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_EMAIL_ONLY, OUTPOST_SYNC_TRIGGER_EMAIL_SENT);
  run_sync (f, NULL);
  /* A sync is already scheduled (after a change): it carries the email. */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  g_assert_cmpuint (f->requests->len, ==, 1);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE);
  /* During a sync: an email-only follow-up. */
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  g_assert_cmpuint (f->requests->len, ==, 3);
  assert_request (f, 2, OUTPOST_SYNC_EMAIL_ONLY, OUTPOST_SYNC_TRIGGER_FOLLOW_UP);
  run_sync (f, NULL);
  /* Off: nothing. */
  g_settings_set_boolean (f->settings, "sync-email-on-send", FALSE);
  outpost_scheduler_email_sent (f->scheduler);
  g_assert_cmpuint (f->requests->len, ==, 3);
}

static void
test_email_and_change_during_sync (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-after-change", 0);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 0);
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  g_assert_cmpuint (f->requests->len, ==, 2);
  /* The incremental follow-up covers the email too. */
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_FOLLOW_UP);
  run_sync (f, NULL);
}

static void
test_after_start_covers_email (Fixture *f, gconstpointer data)
{
  g_settings_set_int (f->settings, "auto-sync-after-start", 30);
  outpost_scheduler_start (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  g_assert_cmpuint (f->requests->len, ==, 0);
  outpost_fake_clock_advance (f->clock, 30);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_START);
  run_sync (f, NULL);
}

/* ---- conditions ------------------------------------------------------------------------ */

static void
test_failed_sync_pauses (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_SERVER,
                                                 "Internal server error");

  g_settings_set_int (f->settings, "auto-sync-delay", 600);
  outpost_scheduler_start (f->scheduler);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 1);
  run_sync (f, error);
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync paused: the last sync failed — sync manually to resume");
  /* Neither changes, nor the period, nor an email start a sync now. */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_fake_clock_advance (f->clock, 5000);
  g_assert_cmpuint (f->requests->len, ==, 1);
  /* A successful manual sync resumes. */
  run_sync (f, NULL);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 2);
  run_sync (f, NULL);
}

static void
test_refused_records_pause (Fixture *f, gconstpointer data)
{
  OutpostSyncResult result = { 0 };

  result.errors = 2;   /* the server refused two journal entries */
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_sync_finished (f->scheduler, &result, NULL);
  /* the run finished: the reason says it left errors, not that it failed */
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync paused: the last sync left sync errors — resolve them or sync "
                   "manually to resume");
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 0);
  result.errors = 0;
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_sync_finished (f->scheduler, &result, NULL);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
}

static void
test_network_error_does_not_pause (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK,
                                                 "Connection refused");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Cancelled");

  run_sync (f, error);
  run_sync (f, cancelled);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 1);
  run_sync (f, NULL);
}

static void
test_failed_drops_followup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH,
                                                 "Refused");

  g_settings_set_int (f->settings, "auto-sync-after-change", 0);
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 0);
  outpost_scheduler_sync_finished (f->scheduler, NULL, error);
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_sync_login (Fixture *f, gconstpointer data)
{
  g_assert_false (outpost_scheduler_get_foreground (f->scheduler));
  g_settings_set_boolean (f->settings, "sync-login", TRUE);
  g_assert_true (outpost_scheduler_get_foreground (f->scheduler));
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync is off because you are asked to sign in at every sync — "
                   "turn off “Ask for credentials at every synchronization” in Preferences to "
                   "turn it on");
  outpost_scheduler_record_changed (f->scheduler);
  outpost_scheduler_email_sent (f->scheduler);
  outpost_fake_clock_advance (f->clock, 5000);
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_settings_set_boolean (f->settings, "sync-login", FALSE);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 1);
  run_sync (f, NULL);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_foreground (Fixture *f, gconstpointer data)
{
  guint notified = 0;

  g_signal_connect (f->scheduler, "notify::foreground", G_CALLBACK (count_notify), &notified);
  g_assert_false (outpost_scheduler_get_foreground (f->scheduler));
  g_settings_set_boolean (f->settings, "background-sync", FALSE);
  g_assert_true (outpost_scheduler_get_foreground (f->scheduler));
  g_settings_set_int (f->settings, "auto-sync-delay", 5);   /* notifies nothing here */
  g_settings_set_boolean (f->settings, "background-sync", TRUE);
  g_assert_false (outpost_scheduler_get_foreground (f->scheduler));
  g_assert_cmpuint (notified, ==, 2);
  /* background-sync never blocks automatic sync. */
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
}

static void
test_credentials_not_saved (Fixture *f, gconstpointer data)
{
  outpost_scheduler_set_credentials_saved (f->scheduler, FALSE);
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync is off because the password is not saved — Sync asks for "
                   "it; tick “Remember password” there to turn automatic sync on");
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 5000);
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_object_set (f->scheduler, "credentials-saved", TRUE, NULL);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
}

/* The window asks for the password before a sync it was requested to run (here: the user's
 * "sync" answer going offline, which is not subject to the blocking conditions); the user
 * cancels the prompt: the window reports a cancelled sync (it never started). Nothing pauses,
 * the next request is possible, and once the password is remembered automatic sync runs. */
static void
test_password_prompt_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  const char *reason;

  outpost_scheduler_set_credentials_saved (f->scheduler, FALSE);
  reason = outpost_scheduler_get_blocked_reason (f->scheduler);
  g_assert_nonnull (strstr (reason, "password is not saved"));
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  outpost_scheduler_reply (f->scheduler, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);
  g_assert_true (outpost_scheduler_get_running (f->scheduler));
  /* the prompt was cancelled: the sync never started */
  outpost_scheduler_sync_finished (f->scheduler, NULL, cancelled);
  g_assert_false (outpost_scheduler_get_running (f->scheduler));
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  /* still only the password: the cancelled prompt did not pause automatic sync */
  g_assert_nonnull (strstr (outpost_scheduler_get_blocked_reason (f->scheduler), "password is not saved"));
  g_settings_set_boolean (f->settings, "work-offline", FALSE);
  outpost_scheduler_set_credentials_saved (f->scheduler, TRUE);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_set_credentials_saved (f->scheduler, FALSE);
  g_assert_nonnull (strstr (outpost_scheduler_get_blocked_reason (f->scheduler), "password is not saved"));
  /* a change does not sync while the password must be asked for */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 1000);
  g_assert_cmpuint (f->requests->len, ==, 1);
  /* a manual sync with a wrong password: the window asks again without reporting the first
   * run; then the right one, remembered */
  outpost_scheduler_sync_started (f->scheduler);
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  outpost_scheduler_set_credentials_saved (f->scheduler, TRUE);
  g_assert_null (outpost_scheduler_get_blocked_reason (f->scheduler));
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE);
  run_sync (f, NULL);
}

/* ---- online and offline ---------------------------------------------------------------- */

static void
test_offline_trigger_owed (Fixture *f, gconstpointer data)
{
  set_network (f, FALSE, FALSE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync is waiting for the server — it resumes when the connection "
                   "returns");
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 0);
  /* The network is back but the server does not answer: still owed. */
  set_network (f, TRUE, FALSE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_cmpuint (f->requests->len, ==, 0);
  set_network (f, TRUE, TRUE);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  g_assert_cmpuint (f->requests->len, ==, 1);   /* going-online-mode is no-action */
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE);
  run_sync (f, NULL);
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);   /* nothing owed this time */
}

static void
test_going_online_no_action (Fixture *f, gconstpointer data)
{
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_assert_cmpuint (f->asks->len, ==, 0);
  g_assert_false (outpost_scheduler_get_sync_needed_warning (f->scheduler));
}

static void
test_going_online_ask (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-online-mode", OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC);
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->asks->len, ==, 1);
  g_assert_true (g_array_index (f->asks, gboolean, 0));
  g_assert_cmpuint (f->requests->len, ==, 0);
  outpost_scheduler_reply (f->scheduler, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_USER);
  run_sync (f, NULL);
  /* "Not now": nothing; a second reply is ignored. */
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->asks->len, ==, 2);
  outpost_scheduler_reply (f->scheduler, FALSE);
  outpost_scheduler_reply (f->scheduler, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);
}

static void
test_going_online_warn (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-online-mode", OUTPOST_CONNECTIVITY_MODE_WARN_USER_MUST_SYNC);
  set_network (f, FALSE, FALSE);
  g_assert_false (outpost_scheduler_get_sync_needed_warning (f->scheduler));
  set_network (f, TRUE, TRUE);
  g_assert_true (outpost_scheduler_get_sync_needed_warning (f->scheduler));
  g_assert_cmpuint (f->requests->len, ==, 0);
  /* A failed sync leaves the warning; a successful one clears it. */
  {
    g_autoptr(GError) error = g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK, "x");
    run_sync (f, error);
  }
  g_assert_true (outpost_scheduler_get_sync_needed_warning (f->scheduler));
  run_sync (f, NULL);
  g_assert_false (outpost_scheduler_get_sync_needed_warning (f->scheduler));
}

static void
test_going_online_force (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-online-mode", OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC);
  set_network (f, FALSE, FALSE);
  g_assert_cmpuint (f->requests->len, ==, 0);   /* going offline (lost network): no mode */
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_GOING_ONLINE);
  run_sync (f, NULL);
  /* Turning work-offline off is going online too. */
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_settings_set_boolean (f->settings, "work-offline", FALSE);
  g_assert_cmpuint (f->requests->len, ==, 2);
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_GOING_ONLINE);
  run_sync (f, NULL);
  /* Forced but blocked (sign-in at every sync): a warning instead. */
  g_settings_set_boolean (f->settings, "sync-login", TRUE);
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 2);
  g_assert_true (outpost_scheduler_get_sync_needed_warning (f->scheduler));
}

static void
test_going_offline_no_action (Fixture *f, gconstpointer data)
{
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_false (outpost_connectivity_get_online (f->connectivity));
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_assert_false (outpost_scheduler_get_sync_needed_warning (f->scheduler));
}

static void
test_going_offline_warn (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_WARN_USER_MUST_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_true (outpost_scheduler_get_sync_needed_warning (f->scheduler));
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_going_offline_force (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_false (outpost_connectivity_get_online (f->connectivity));
  /* The sync runs first; until it ends the application stays online. */
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_GOING_OFFLINE);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  outpost_scheduler_sync_started (f->scheduler);
  outpost_fake_clock_advance (f->clock, 20);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  outpost_scheduler_sync_finished (f->scheduler, NULL, NULL);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_cmpstr (outpost_scheduler_get_blocked_reason (f->scheduler), ==,
                   "Automatic sync is paused while you work offline — turn off “Work Offline” "
                   "to resume");
  /* Offline by choice: triggers are owed, not run. */
  outpost_scheduler_record_changed (f->scheduler);
  outpost_fake_clock_advance (f->clock, 300);
  g_assert_cmpuint (f->requests->len, ==, 1);
  g_settings_set_enum (f->settings, "going-online-mode", OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", FALSE);
  g_assert_cmpuint (f->requests->len, ==, 2);   /* the owed change, no question */
  assert_request (f, 1, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE);
  g_assert_cmpuint (f->asks->len, ==, 0);
  run_sync (f, NULL);
}

static void
test_going_offline_force_blocked (Fixture *f, gconstpointer data)
{
  outpost_scheduler_set_credentials_saved (f->scheduler, FALSE);
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_cmpuint (f->requests->len, ==, 0);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_true (outpost_scheduler_get_sync_needed_warning (f->scheduler));
}

static void
test_going_offline_ask (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_cmpuint (f->asks->len, ==, 1);
  g_assert_false (g_array_index (f->asks, gboolean, 0));
  g_assert_true (outpost_scheduler_get_online (f->scheduler));   /* until the answer */
  outpost_scheduler_reply (f->scheduler, TRUE);
  g_assert_cmpuint (f->requests->len, ==, 1);
  assert_request (f, 0, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_USER);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  run_sync (f, NULL);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  /* "Not now": offline at once. */
  g_settings_set_boolean (f->settings, "work-offline", FALSE);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_cmpuint (f->asks->len, ==, 2);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  outpost_scheduler_reply (f->scheduler, FALSE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  g_assert_cmpuint (f->requests->len, ==, 1);
}

static void
test_lost_network_while_holding (Fixture *f, gconstpointer data)
{
  g_settings_set_enum (f->settings, "going-offline-mode", OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC);
  g_settings_set_boolean (f->settings, "work-offline", TRUE);
  g_assert_true (outpost_scheduler_get_online (f->scheduler));
  set_network (f, FALSE, FALSE);
  g_assert_false (outpost_scheduler_get_online (f->scheduler));
  outpost_scheduler_reply (f->scheduler, TRUE);   /* the question is moot */
  g_assert_cmpuint (f->requests->len, ==, 0);
}

static void
test_online_notify (Fixture *f, gconstpointer data)
{
  guint count = 0;

  g_signal_connect (f->scheduler, "notify::online", G_CALLBACK (count_notify), &count);
  set_network (f, FALSE, FALSE);
  set_network (f, FALSE, FALSE);
  set_network (f, TRUE, TRUE);
  g_assert_cmpuint (count, ==, 2);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/auto/scheduler/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("after-start", test_after_start);
  ADD ("after-start-off", test_after_start_off);
  ADD ("periodic", test_periodic);
  ADD ("periodic-last-sync", test_periodic_last_sync);
  ADD ("after-change-debounce", test_after_change_debounce);
  ADD ("editing-all-day", test_editing_all_day);
  ADD ("after-change-off", test_after_change_off);
  ADD ("change-during-sync", test_change_during_sync);
  ADD ("change-before-sync-covered", test_change_before_sync_covered);
  ADD ("requested-not-started", test_requested_not_started);
  ADD ("email-sent", test_email_sent);
  ADD ("email-and-change-during-sync", test_email_and_change_during_sync);
  ADD ("after-start-covers-email", test_after_start_covers_email);
  ADD ("failed-sync-pauses", test_failed_sync_pauses);
  ADD ("refused-records-pause", test_refused_records_pause);
  ADD ("network-error-does-not-pause", test_network_error_does_not_pause);
  ADD ("failed-drops-follow-up", test_failed_drops_followup);
  ADD ("sync-login", test_sync_login);
  ADD ("foreground", test_foreground);
  ADD ("credentials-not-saved", test_credentials_not_saved);
  ADD ("password-prompt-cancelled", test_password_prompt_cancelled);
  ADD ("offline-trigger-owed", test_offline_trigger_owed);
  ADD ("going-online-no-action", test_going_online_no_action);
  ADD ("going-online-ask", test_going_online_ask);
  ADD ("going-online-warn", test_going_online_warn);
  ADD ("going-online-force", test_going_online_force);
  ADD ("going-offline-no-action", test_going_offline_no_action);
  ADD ("going-offline-warn", test_going_offline_warn);
  ADD ("going-offline-force", test_going_offline_force);
  ADD ("going-offline-force-blocked", test_going_offline_force_blocked);
  ADD ("going-offline-ask", test_going_offline_ask);
  ADD ("lost-network-while-holding", test_lost_network_while_holding);
  ADD ("online-notify", test_online_notify);
#undef ADD
  return g_test_run ();
}

/* outpost-scheduler-rules.c: the automatic synchronization rules (see outpost-scheduler.h). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-scheduler-private.h"
#include "outpost-sync-error.h"

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)

static OutpostSyncKind
merge_kind (OutpostSyncKind a,
            OutpostSyncKind b)
{
  /* An incremental sync also uploads and downloads emails, so it covers an email-only one. */
  if (a == OUTPOST_SYNC_EMAIL_ONLY && b == OUTPOST_SYNC_EMAIL_ONLY)
    return OUTPOST_SYNC_EMAIL_ONLY;
  return OUTPOST_SYNC_INCREMENTAL;
}

static gboolean
busy (OutpostScheduler *self)
{
  return self->requested || self->running;
}

/* Whole seconds until @due_us (monotonic), rounded up so a timer never fires early. */
static guint
seconds_until (OutpostScheduler *self,
               gint64            due_us)
{
  gint64 left = due_us - outpost_clock_get_monotonic (self->clock);

  if (left <= 0)
    return 0;
  return (guint) MIN ((left + USEC_PER_SEC - 1) / USEC_PER_SEC, G_MAXUINT);
}

gboolean
outpost_scheduler_conditions_ok (OutpostScheduler *self)
{
  return !g_settings_get_boolean (self->settings, "sync-login")
         && self->credentials_saved
         && !self->failed;
}

const char *
outpost_scheduler_compute_blocked (OutpostScheduler *self)
{
  if (g_settings_get_boolean (self->settings, "sync-login"))
    return _("Automatic sync is off because you are asked to sign in at every sync — turn off "
             "“Ask for credentials at every synchronization” in Preferences to turn it on");
  if (!self->credentials_saved)
    return _("Automatic sync is off because the password is not saved — Sync asks for it; "
             "tick “Remember password” there to turn automatic sync on");
  if (self->failed && self->left_errors)
    return _("Automatic sync paused: the last sync left sync errors — resolve them or sync "
             "manually to resume");
  if (self->failed)
    return _("Automatic sync paused: the last sync failed — sync manually to resume");
  if (!self->online && outpost_connectivity_get_work_offline (self->connectivity))
    return _("Automatic sync is paused while you work offline — turn off “Work Offline” to "
             "resume");
  if (!self->online)
    return _("Automatic sync is waiting for the server — it resumes when the connection "
             "returns");
  return NULL;
}

/* Requests a sync now, or marks the follow-up or the owed sync. @automatic: subject to the
 * blocking conditions (the user's own answer is not). */
static void
request (OutpostScheduler  *self,
         OutpostSyncKind    kind,
         OutpostSyncTrigger trigger,
         gboolean           automatic)
{
  if (automatic && !outpost_scheduler_conditions_ok (self))
    return;
  if (busy (self))
    {
      self->followup_kind = self->followup ? merge_kind (self->followup_kind, kind) : kind;
      self->followup = TRUE;
      return;
    }
  if (!self->conn_online && !self->holding_online)
    {
      if (!self->owed)
        self->owed_trigger = trigger;
      self->owed_kind = self->owed ? merge_kind (self->owed_kind, kind) : kind;
      self->owed = TRUE;
      return;
    }
  self->requested = TRUE;
  outpost_scheduler_update_state (self);
  outpost_scheduler_emit_request (self, kind, trigger);
}

/* ---- timers ---------------------------------------------------------------------------- */

static void
periodic_fire (gpointer user_data)
{
  OutpostScheduler *self = user_data;

  self->periodic_id = 0;
  /* When blocked, the period counts again from now, so clearing the condition does not fire
   * a sync that was due long ago all at once. */
  self->periodic_base = outpost_clock_get_real (self->clock);
  request (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_PERIODIC, TRUE);
  outpost_scheduler_arm_periodic (self);
}

void
outpost_scheduler_arm_periodic (OutpostScheduler *self)
{
  int delay = g_settings_get_int (self->settings, "auto-sync-delay");
  gint64 left;

  outpost_clock_clear_timeout (self->clock, &self->periodic_id);
  if (!self->started || delay < 0 || busy (self))
    return;
  left = self->periodic_base + delay * USEC_PER_SEC - outpost_clock_get_real (self->clock);
  self->periodic_due = outpost_clock_get_monotonic (self->clock) + MAX (left, 0);
  self->periodic_id = outpost_clock_add_timeout (self->clock,
                                                 seconds_until (self, self->periodic_due),
                                                 periodic_fire, self, NULL);
}

static void
start_fire (gpointer user_data)
{
  OutpostScheduler *self = user_data;

  self->start_id = 0;
  request (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_START, TRUE);
}

void
outpost_scheduler_arm_start (OutpostScheduler *self)
{
  int delay = g_settings_get_int (self->settings, "auto-sync-after-start");

  outpost_clock_clear_timeout (self->clock, &self->start_id);
  if (delay < 0)
    return;
  self->start_due = outpost_clock_get_monotonic (self->clock) + delay * USEC_PER_SEC;
  self->start_id = outpost_clock_add_timeout (self->clock, (guint) delay, start_fire, self, NULL);
}

static void
change_fire (gpointer user_data)
{
  OutpostScheduler *self = user_data;

  self->change_id = 0;
  self->first_change = 0;
  request (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_AFTER_CHANGE, TRUE);
}

void
outpost_scheduler_on_change (OutpostScheduler *self)
{
  int delay = g_settings_get_int (self->settings, "auto-sync-after-change");
  gint64 now = outpost_clock_get_monotonic (self->clock);

  if (delay < 0)
    return;
  if (self->first_change == 0)
    self->first_change = now;
  /* Restart the wait, capped at twice the delay after the first unsynced change. */
  self->change_due = MIN (now + delay * USEC_PER_SEC, self->first_change + 2 * delay * USEC_PER_SEC);
  outpost_clock_clear_timeout (self->clock, &self->change_id);
  self->change_id = outpost_clock_add_timeout (self->clock, seconds_until (self, self->change_due),
                                               change_fire, self, NULL);
}

void
outpost_scheduler_on_email (OutpostScheduler *self)
{
  if (!g_settings_get_boolean (self->settings, "sync-email-on-send"))
    return;
  if (self->start_id != 0 || self->change_id != 0)
    return;   /* that sync uploads the email */
  request (self, OUTPOST_SYNC_EMAIL_ONLY, OUTPOST_SYNC_TRIGGER_EMAIL_SENT, TRUE);
}

/* ---- sync start and end ---------------------------------------------------------------- */

void
outpost_scheduler_on_started (OutpostScheduler *self)
{
  /* This sync uploads every change made so far: the pending triggers are covered. */
  self->requested = FALSE;
  self->running = TRUE;
  self->owed = FALSE;
  self->first_change = 0;
  outpost_clock_clear_timeout (self->clock, &self->start_id);
  outpost_clock_clear_timeout (self->clock, &self->change_id);
  outpost_clock_clear_timeout (self->clock, &self->periodic_id);
  outpost_scheduler_update_state (self);
}

/* Network failures and cancels say nothing about the account: they do not pause. */
static gboolean
error_pauses (const GError *error)
{
  return !g_error_matches (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK)
         && !g_error_matches (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED)
         && !g_error_matches (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_BUSY)
         && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

void
outpost_scheduler_on_finished (OutpostScheduler        *self,
                               const OutpostSyncResult *result,
                               const GError            *error)
{
  gboolean success = error == NULL && (result == NULL || result->errors == 0);

  self->requested = FALSE;
  self->running = FALSE;
  if (success)
    self->failed = self->warning = self->left_errors = FALSE;
  else if (error == NULL || error_pauses (error))
    {
      /* a run that finished with record errors did not fail: the reason says which */
      self->failed = TRUE;
      self->left_errors = error == NULL;
    }
  self->periodic_base = outpost_clock_get_real (self->clock);
  if (self->followup && outpost_scheduler_conditions_ok (self))
    {
      /* Going offline waits for the follow-up too: it may carry the last changes. */
      self->followup = FALSE;
      outpost_scheduler_update_state (self);
      request (self, self->followup_kind, OUTPOST_SYNC_TRIGGER_FOLLOW_UP, TRUE);
    }
  self->followup = FALSE;
  if (!busy (self) && !self->awaiting_reply)
    self->holding_online = FALSE;
  outpost_scheduler_update_state (self);
  outpost_scheduler_arm_periodic (self);
}

/* ---- online and offline ---------------------------------------------------------------- */

static OutpostConnectivityMode
mode (OutpostScheduler *self,
      const char       *key)
{
  return (OutpostConnectivityMode) g_settings_get_enum (self->settings, key);
}

/* force-sync (or an owed trigger) when a condition blocks automatic sync: warn instead. */
static gboolean
force (OutpostScheduler  *self,
       OutpostSyncKind    kind,
       OutpostSyncTrigger trigger)
{
  if (!outpost_scheduler_conditions_ok (self))
    {
      self->warning = TRUE;
      return FALSE;
    }
  request (self, kind, trigger, TRUE);
  return TRUE;
}

static void
going_online (OutpostScheduler *self)
{
  OutpostConnectivityMode m = mode (self, "going-online-mode");

  if (self->owed)
    {
      OutpostSyncKind kind = self->owed_kind;

      self->owed = FALSE;
      if (m == OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC)
        kind = OUTPOST_SYNC_INCREMENTAL;
      force (self, kind, self->owed_trigger);
    }
  else if (m == OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC)
    force (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_GOING_ONLINE);
  else if (m == OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC)
    {
      self->awaiting_reply = TRUE;
      self->reply_going_online = TRUE;
      outpost_scheduler_update_state (self);
      outpost_scheduler_emit_ask (self, TRUE);
    }
  else if (m == OUTPOST_CONNECTIVITY_MODE_WARN_USER_MUST_SYNC)
    self->warning = TRUE;
}

static void
going_offline_by_choice (OutpostScheduler *self)
{
  OutpostConnectivityMode m = mode (self, "going-offline-mode");

  if (m == OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC)
    {
      self->holding_online = TRUE;
      if (!force (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_GOING_OFFLINE))
        self->holding_online = FALSE;
    }
  else if (m == OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC)
    {
      self->holding_online = TRUE;
      self->awaiting_reply = TRUE;
      self->reply_going_online = FALSE;
      outpost_scheduler_update_state (self);   /* "online" stays TRUE before the dialog shows */
      outpost_scheduler_emit_ask (self, FALSE);
    }
  else if (m == OUTPOST_CONNECTIVITY_MODE_WARN_USER_MUST_SYNC)
    self->warning = TRUE;
}

void
outpost_scheduler_on_connectivity (OutpostScheduler *self)
{
  gboolean now = outpost_connectivity_get_online (self->connectivity);

  if (!outpost_connectivity_get_network_online (self->connectivity) && self->holding_online)
    {
      /* Offline by choice, waiting for a sync or an answer, and now the network is gone too:
       * nothing can sync any more. */
      self->holding_online = FALSE;
      self->awaiting_reply = FALSE;
      outpost_scheduler_update_state (self);
    }
  if (now == self->conn_online)
    return;
  self->conn_online = now;
  /* A transition ends whatever the previous one waited for: a question not answered yet is
   * moot, and holding on to "online" only makes sense while the network is still there. */
  self->holding_online = FALSE;
  self->awaiting_reply = FALSE;
  if (now)
    going_online (self);
  else if (outpost_connectivity_get_network_online (self->connectivity))
    going_offline_by_choice (self);
  outpost_scheduler_update_state (self);
}

void
outpost_scheduler_on_reply (OutpostScheduler *self,
                            gboolean          sync_now)
{
  if (!self->awaiting_reply)
    return;
  self->awaiting_reply = FALSE;
  if (sync_now)
    request (self, OUTPOST_SYNC_INCREMENTAL, OUTPOST_SYNC_TRIGGER_USER, FALSE);
  if (!busy (self))
    self->holding_online = FALSE;
  outpost_scheduler_update_state (self);
}

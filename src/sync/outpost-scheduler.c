/* outpost-scheduler.c: the scheduler object — properties, signals and settings. The rules
 * themselves are in outpost-scheduler-rules.c. */
#include "config.h"

#include "outpost-scheduler-private.h"

G_DEFINE_FINAL_TYPE (OutpostScheduler, outpost_scheduler, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_CLOCK,
  PROP_CONNECTIVITY,
  PROP_CREDENTIALS_SAVED,
  PROP_ONLINE,
  PROP_RUNNING,
  PROP_SYNC_NEEDED_WARNING,
  PROP_BLOCKED_REASON,
  PROP_FOREGROUND,
  N_PROPS
};

enum { SIGNAL_SYNC_REQUESTED, SIGNAL_ASK_USER_TO_SYNC, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

const char *
outpost_sync_trigger_to_string (OutpostSyncTrigger trigger)
{
  static const char * const names[] = {
    "after-start", "periodic", "after-change", "email-sent",
    "going-online", "going-offline", "follow-up", "user",
  };

  g_return_val_if_fail ((guint) trigger < G_N_ELEMENTS (names), NULL);
  return names[trigger];
}

static void
publish (OutpostScheduler *self,
         gboolean         *was,
         gboolean          now,
         guint             prop)
{
  if (*was == now)
    return;
  *was = now;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
outpost_scheduler_update_state (OutpostScheduler *self)
{
  const char *reason;

  g_object_freeze_notify (G_OBJECT (self));
  publish (self, &self->online, self->conn_online || self->holding_online, PROP_ONLINE);
  publish (self, &self->foreground, g_settings_get_boolean (self->settings, "sync-login")
           || !g_settings_get_boolean (self->settings, "background-sync"), PROP_FOREGROUND);
  publish (self, &self->pub_running, self->requested || self->running, PROP_RUNNING);
  publish (self, &self->pub_warning, self->warning, PROP_SYNC_NEEDED_WARNING);
  reason = outpost_scheduler_compute_blocked (self);
  if (g_strcmp0 (reason, self->blocked_reason) != 0)
    {
      g_free (self->blocked_reason);
      self->blocked_reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCKED_REASON]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
outpost_scheduler_emit_request (OutpostScheduler  *self,
                                OutpostSyncKind    kind,
                                OutpostSyncTrigger trigger)
{
  g_debug ("Automatic sync requested: %s (%s)", outpost_sync_kind_to_string (kind),
           outpost_sync_trigger_to_string (trigger));
  g_signal_emit (self, signals[SIGNAL_SYNC_REQUESTED], 0, (int) kind, (int) trigger);
}

void
outpost_scheduler_emit_ask (OutpostScheduler *self,
                            gboolean          going_online)
{
  g_signal_emit (self, signals[SIGNAL_ASK_USER_TO_SYNC], 0, going_online);
}

/* ---- settings and connectivity ---------------------------------------------------------- */

static void
settings_changed_cb (GSettings        *settings,
                     const char       *key,
                     OutpostScheduler *self)
{
  if (g_str_equal (key, "auto-sync-delay"))
    outpost_scheduler_arm_periodic (self);
  outpost_scheduler_update_state (self);
}

static void
connectivity_changed_cb (OutpostConnectivity *connectivity,
                         OutpostScheduler    *self)
{
  outpost_scheduler_on_connectivity (self);
}

static void
outpost_scheduler_constructed (GObject *object)
{
  OutpostScheduler *self = OUTPOST_SCHEDULER (object);

  G_OBJECT_CLASS (outpost_scheduler_parent_class)->constructed (object);
  g_return_if_fail (G_IS_SETTINGS (self->settings));
  if (self->clock == NULL)
    self->clock = outpost_clock_get_system ();
  if (self->connectivity == NULL)
    self->connectivity = outpost_connectivity_new (NULL, NULL);
  g_settings_bind (self->settings, "work-offline", self->connectivity, "work-offline",
                   G_SETTINGS_BIND_GET);
  self->conn_online = outpost_connectivity_get_online (self->connectivity);
  self->periodic_base = outpost_clock_get_real (self->clock);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  g_signal_connect_object (self->connectivity, "changed",
                           G_CALLBACK (connectivity_changed_cb), self, 0);
  outpost_scheduler_update_state (self);
}

static void
outpost_scheduler_dispose (GObject *object)
{
  OutpostScheduler *self = OUTPOST_SCHEDULER (object);

  if (self->clock != NULL)
    {
      outpost_clock_clear_timeout (self->clock, &self->start_id);
      outpost_clock_clear_timeout (self->clock, &self->periodic_id);
      outpost_clock_clear_timeout (self->clock, &self->change_id);
    }
  if (self->settings != NULL && self->connectivity != NULL)
    g_settings_unbind (self->connectivity, "work-offline");
  g_clear_object (&self->connectivity);
  g_clear_object (&self->clock);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (outpost_scheduler_parent_class)->dispose (object);
}

static void
outpost_scheduler_finalize (GObject *object)
{
  OutpostScheduler *self = OUTPOST_SCHEDULER (object);

  g_free (self->blocked_reason);
  G_OBJECT_CLASS (outpost_scheduler_parent_class)->finalize (object);
}

static void
outpost_scheduler_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OutpostScheduler *self = OUTPOST_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS: g_value_set_object (value, self->settings); break;
    case PROP_CLOCK: g_value_set_object (value, self->clock); break;
    case PROP_CONNECTIVITY: g_value_set_object (value, self->connectivity); break;
    case PROP_CREDENTIALS_SAVED: g_value_set_boolean (value, self->credentials_saved); break;
    case PROP_ONLINE: g_value_set_boolean (value, self->online); break;
    case PROP_RUNNING: g_value_set_boolean (value, outpost_scheduler_get_running (self)); break;
    case PROP_SYNC_NEEDED_WARNING: g_value_set_boolean (value, self->pub_warning); break;
    case PROP_BLOCKED_REASON: g_value_set_string (value, self->blocked_reason); break;
    case PROP_FOREGROUND: g_value_set_boolean (value, self->foreground); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_scheduler_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OutpostScheduler *self = OUTPOST_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS: self->settings = g_value_dup_object (value); break;
    case PROP_CLOCK: self->clock = g_value_dup_object (value); break;
    case PROP_CONNECTIVITY: self->connectivity = g_value_dup_object (value); break;
    case PROP_CREDENTIALS_SAVED:
      outpost_scheduler_set_credentials_saved (self, g_value_get_boolean (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define CONSTRUCT (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)

static void
outpost_scheduler_class_init (OutpostSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = outpost_scheduler_constructed;
  object_class->dispose = outpost_scheduler_dispose;
  object_class->finalize = outpost_scheduler_finalize;
  object_class->get_property = outpost_scheduler_get_property;
  object_class->set_property = outpost_scheduler_set_property;

  properties[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS, CONSTRUCT);
  properties[PROP_CLOCK] = g_param_spec_object ("clock", NULL, NULL, OUTPOST_TYPE_CLOCK, CONSTRUCT);
  properties[PROP_CONNECTIVITY] =
    g_param_spec_object ("connectivity", NULL, NULL, OUTPOST_TYPE_CONNECTIVITY, CONSTRUCT);
  properties[PROP_CREDENTIALS_SAVED] =
    g_param_spec_boolean ("credentials-saved", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, FALSE, RO);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, RO);
  properties[PROP_SYNC_NEEDED_WARNING] =
    g_param_spec_boolean ("sync-needed-warning", NULL, NULL, FALSE, RO);
  properties[PROP_BLOCKED_REASON] = g_param_spec_string ("blocked-reason", NULL, NULL, NULL, RO);
  properties[PROP_FOREGROUND] = g_param_spec_boolean ("foreground", NULL, NULL, FALSE, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SYNC_REQUESTED] =
    g_signal_new ("sync-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  signals[SIGNAL_ASK_USER_TO_SYNC] =
    g_signal_new ("ask-user-to-sync", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
outpost_scheduler_init (OutpostScheduler *self)
{
}

OutpostScheduler *
outpost_scheduler_new (GSettings           *settings,
                       OutpostClock        *clock,
                       OutpostConnectivity *connectivity)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  return g_object_new (OUTPOST_TYPE_SCHEDULER, "settings", settings, "clock", clock,
                       "connectivity", connectivity, NULL);
}

/* ---- public API ------------------------------------------------------------------------ */

void
outpost_scheduler_start (OutpostScheduler *self)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  if (self->started)
    return;
  self->started = TRUE;
  outpost_scheduler_arm_start (self);
  outpost_scheduler_arm_periodic (self);
}

void
outpost_scheduler_set_last_sync (OutpostScheduler *self,
                                 gint64            real_time_us)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  self->periodic_base = real_time_us > 0 ? real_time_us : outpost_clock_get_real (self->clock);
  outpost_scheduler_arm_periodic (self);
}

void
outpost_scheduler_record_changed (OutpostScheduler *self)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  outpost_scheduler_on_change (self);
}

void
outpost_scheduler_email_sent (OutpostScheduler *self)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  outpost_scheduler_on_email (self);
}

void
outpost_scheduler_sync_started (OutpostScheduler *self)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  outpost_scheduler_on_started (self);
}

void
outpost_scheduler_sync_finished (OutpostScheduler        *self,
                                 const OutpostSyncResult *result,
                                 const GError            *error)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  outpost_scheduler_on_finished (self, result, error);
}

void
outpost_scheduler_reply (OutpostScheduler *self,
                         gboolean          sync_now)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  outpost_scheduler_on_reply (self, sync_now);
}

void
outpost_scheduler_set_credentials_saved (OutpostScheduler *self,
                                         gboolean          saved)
{
  g_return_if_fail (OUTPOST_IS_SCHEDULER (self));
  saved = !!saved;
  if (self->credentials_saved == saved)
    return;
  self->credentials_saved = saved;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREDENTIALS_SAVED]);
  if (self->settings != NULL)   /* not during construction */
    outpost_scheduler_update_state (self);
}

gboolean
outpost_scheduler_get_credentials_saved (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), FALSE);
  return self->credentials_saved;
}

gboolean
outpost_scheduler_get_online (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), FALSE);
  return self->online;
}

gboolean
outpost_scheduler_get_running (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), FALSE);
  return self->requested || self->running;
}

gboolean
outpost_scheduler_get_sync_needed_warning (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), FALSE);
  return self->pub_warning;
}

const char *
outpost_scheduler_get_blocked_reason (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), NULL);
  return self->blocked_reason;
}

gboolean
outpost_scheduler_get_foreground (OutpostScheduler *self)
{
  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), FALSE);
  return self->foreground;
}

gint64
outpost_scheduler_get_next_due (OutpostScheduler *self)
{
  gint64 due = G_MAXINT64, now;

  g_return_val_if_fail (OUTPOST_IS_SCHEDULER (self), -1);
  if (self->start_id != 0)
    due = MIN (due, self->start_due);
  if (self->change_id != 0)
    due = MIN (due, self->change_due);
  if (self->periodic_id != 0)
    due = MIN (due, self->periodic_due);
  if (due == G_MAXINT64)
    return -1;
  now = outpost_clock_get_monotonic (self->clock);
  return due <= now ? 0 : (due - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

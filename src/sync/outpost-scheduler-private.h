/* outpost-scheduler-private.h: the scheduler's state, shared by outpost-scheduler.c (the
 * object: properties, signals, settings) and outpost-scheduler-rules.c (the rules). */
#pragma once

#include "outpost-scheduler.h"

G_BEGIN_DECLS

struct _OutpostScheduler
{
  GObject              parent_instance;
  GSettings           *settings;
  OutpostClock        *clock;
  OutpostConnectivity *connectivity;

  gboolean  credentials_saved;
  gboolean  started;
  gboolean  requested;        /* "sync-requested" emitted, sync not finished yet */
  gboolean  running;          /* sync_started seen, sync_finished not yet */
  gboolean  failed;           /* the last sync ended with errors: automatic sync paused */
  gboolean  left_errors;      /* ...because it finished but left record errors */
  gboolean  warning;          /* "sync-needed-warning" (published by update_state) */
  gboolean  pub_warning;      /* the values last notified */
  gboolean  pub_running;
  gboolean  followup;         /* one sync to request when the current one finishes */
  OutpostSyncKind    followup_kind;
  gboolean  owed;             /* a trigger came due while offline */
  OutpostSyncKind    owed_kind;
  OutpostSyncTrigger owed_trigger;
  gboolean  conn_online;      /* the connectivity's "online" as last seen */
  gboolean  holding_online;   /* going offline: stay online until the sync / the reply */
  gboolean  awaiting_reply;   /* "ask-user-to-sync" emitted, no reply yet */
  gboolean  reply_going_online;
  gboolean  online;           /* the "online" property */
  gboolean  foreground;
  char     *blocked_reason;

  guint     start_id;         /* clock timeouts; 0 = not armed */
  guint     periodic_id;
  guint     change_id;
  gint64    start_due;        /* monotonic µs when each armed timer fires */
  gint64    periodic_due;
  gint64    change_due;
  gint64    first_change;     /* monotonic µs of the first change not yet synced; 0 = none */
  gint64    periodic_base;    /* wall-clock µs the periodic delay counts from */
};

/* outpost-scheduler.c: property changes (each notifies only on change). */
void outpost_scheduler_update_state (OutpostScheduler *self);
void outpost_scheduler_emit_request (OutpostScheduler  *self,
                                     OutpostSyncKind    kind,
                                     OutpostSyncTrigger trigger);
void outpost_scheduler_emit_ask     (OutpostScheduler *self,
                                     gboolean          going_online);

/* outpost-scheduler-rules.c */
gboolean    outpost_scheduler_conditions_ok   (OutpostScheduler *self);
const char *outpost_scheduler_compute_blocked (OutpostScheduler *self);
void        outpost_scheduler_arm_periodic    (OutpostScheduler *self);
void        outpost_scheduler_arm_start       (OutpostScheduler *self);
void        outpost_scheduler_on_change       (OutpostScheduler *self);
void        outpost_scheduler_on_email        (OutpostScheduler *self);
void        outpost_scheduler_on_started      (OutpostScheduler *self);
void        outpost_scheduler_on_finished     (OutpostScheduler        *self,
                                               const OutpostSyncResult *result,
                                               const GError            *error);
void        outpost_scheduler_on_connectivity (OutpostScheduler *self);
void        outpost_scheduler_on_reply        (OutpostScheduler *self,
                                               gboolean          sync_now);

G_END_DECLS

/* outpost-scheduler.h: when synchronization runs by itself (issue 6).
 *
 * The scheduler never runs a sync: it emits "sync-requested" and the owner of the engine runs
 * it, reporting back with outpost_scheduler_sync_started / _sync_finished (also for syncs the
 * user started by hand). Inputs: the GSettings of io.github.outpostcrm.Outpost, a clock, an
 * OutpostConnectivity, the "credentials-saved" property and the app's notifications.
 *
 * Rules (all times from the settings, in seconds; -1 turns a trigger off):
 * - After start: outpost_scheduler_start arms a timer of auto-sync-after-start.
 * - Periodic: auto-sync-delay after the end of the last sync (or after start when no sync
 *   has run; outpost_scheduler_set_last_sync gives the end of the last one from the sync log).
 * - After a change (record created/changed/deleted, N:N associate/disassociate): the first
 *   change arms a timer of auto-sync-after-change; each further change restarts the wait, but
 *   never beyond twice the delay after the first unsynced change, so someone editing all day
 *   still syncs at least every 2 × auto-sync-after-change.
 * - Email sent (sync-email-on-send): an EMAIL_ONLY sync at once, unless a sync is already
 *   scheduled (the after-start or after-change timer armed, or a sync requested or running):
 *   that sync uploads the email too.
 * - Two syncs never run at once: a trigger while a sync is requested or running marks one
 *   follow-up (INCREMENTAL wins over EMAIL_ONLY), requested right after the sync finishes;
 *   any number of triggers during one sync give exactly one follow-up.
 * - A sync that starts (automatic or manual) covers every change made before it: it disarms
 *   the after-start and after-change timers; the periodic timer restarts when it finishes.
 * - Automatic sync runs only when sync-login is off, credentials are saved, the last sync had
 *   no errors (an error other than a network failure or a cancel, or records the server
 *   refused; any successful sync, e.g. a manual one, clears it) and the app is online. A
 *   trigger that comes due while offline is owed: it runs on going online. "blocked-reason"
 *   says which condition blocks, and how to clear it.
 * - Going online (network back, server reachable, or work-offline turned off): an owed
 *   trigger or going-online-mode force-sync requests a sync; otherwise ask-user-to-sync emits
 *   "ask-user-to-sync" and warn-user-must-sync sets "sync-needed-warning".
 * - Going offline by choice (work-offline turned on; losing the network cannot sync, so no
 *   mode applies then): going-offline-mode force-sync requests a sync and the scheduler stays
 *   "online" until it finishes; ask-user-to-sync emits "ask-user-to-sync" and stays online
 *   until outpost_scheduler_reply; warn-user-must-sync sets "sync-needed-warning".
 * - When force-sync or an owed trigger meets a blocking condition (e.g. sync-login), the
 *   scheduler sets "sync-needed-warning" instead. A successful sync clears the warning. */
#pragma once

#include <gio/gio.h>

#include "outpost-clock.h"
#include "outpost-connectivity.h"
#include "outpost-sync-engine.h"

G_BEGIN_DECLS

/* Why a sync was requested. */
typedef enum {
  OUTPOST_SYNC_TRIGGER_AFTER_START,
  OUTPOST_SYNC_TRIGGER_PERIODIC,
  OUTPOST_SYNC_TRIGGER_AFTER_CHANGE,
  OUTPOST_SYNC_TRIGGER_EMAIL_SENT,
  OUTPOST_SYNC_TRIGGER_GOING_ONLINE,
  OUTPOST_SYNC_TRIGGER_GOING_OFFLINE,
  OUTPOST_SYNC_TRIGGER_FOLLOW_UP,
  OUTPOST_SYNC_TRIGGER_USER,        /* the user answered "sync" to ask-user-to-sync */
} OutpostSyncTrigger;

/* GSettings enum io.github.outpostcrm.Outpost.ConnectivityMode. */
typedef enum {
  OUTPOST_CONNECTIVITY_MODE_NO_ACTION,
  OUTPOST_CONNECTIVITY_MODE_ASK_USER_TO_SYNC,
  OUTPOST_CONNECTIVITY_MODE_WARN_USER_MUST_SYNC,
  OUTPOST_CONNECTIVITY_MODE_FORCE_SYNC,
} OutpostConnectivityMode;

const char *outpost_sync_trigger_to_string (OutpostSyncTrigger trigger);

#define OUTPOST_TYPE_SCHEDULER (outpost_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (OutpostScheduler, outpost_scheduler, OUTPOST, SCHEDULER, GObject)

/* @settings: io.github.outpostcrm.Outpost; @clock NULL = the system clock; @connectivity NULL =
 * a new one on the default network monitor without a server URL. The scheduler binds the
 * "work-offline" key to the connectivity's "work-offline" property. */
OutpostScheduler *outpost_scheduler_new (GSettings           *settings,
                                         OutpostClock        *clock,
                                         OutpostConnectivity *connectivity);

/* Arms the after-start and periodic timers (call once the window shows). */
void        outpost_scheduler_start            (OutpostScheduler *self);
/* End of the last sync (wall-clock µs, from the sync log); 0 = none. Re-arms the periodic timer. */
void        outpost_scheduler_set_last_sync    (OutpostScheduler *self,
                                                gint64            real_time_us);

/* Notifications from the app. */
void        outpost_scheduler_record_changed   (OutpostScheduler *self);
void        outpost_scheduler_email_sent       (OutpostScheduler *self);
void        outpost_scheduler_sync_started     (OutpostScheduler *self);
/* @result NULL when @error is set; @error NULL = success (unless @result->errors > 0). */
void        outpost_scheduler_sync_finished    (OutpostScheduler        *self,
                                                const OutpostSyncResult *result,
                                                const GError            *error);
/* The answer to "ask-user-to-sync": TRUE = sync now. Going offline, the scheduler stays online
 * until that sync finished (or at once with FALSE). */
void        outpost_scheduler_reply            (OutpostScheduler *self,
                                                gboolean          sync_now);

void        outpost_scheduler_set_credentials_saved (OutpostScheduler *self,
                                                gboolean          saved);
gboolean    outpost_scheduler_get_credentials_saved (OutpostScheduler *self);
gboolean    outpost_scheduler_get_online       (OutpostScheduler *self);
gboolean    outpost_scheduler_get_running      (OutpostScheduler *self);
gboolean    outpost_scheduler_get_sync_needed_warning (OutpostScheduler *self);
/* Translated, user-facing; NULL when automatic sync is not blocked. */
const char *outpost_scheduler_get_blocked_reason (OutpostScheduler *self);
/* sync-login on or background-sync off: show the sync in the foreground (a progress dialog). */
gboolean    outpost_scheduler_get_foreground   (OutpostScheduler *self);
/* Seconds until the next automatic sync (-1 = none armed); for the status line and tests. */
gint64      outpost_scheduler_get_next_due     (OutpostScheduler *self);

/* Properties: "settings", "clock", "connectivity" (construct-only); "credentials-saved"
 * (read-write); "online", "running", "sync-needed-warning", "blocked-reason", "foreground"
 * (read-only, notify on change).
 * Signals:
 *   "sync-requested"   (gint kind: OutpostSyncKind, gint trigger: OutpostSyncTrigger)
 *   "ask-user-to-sync" (gboolean going_online)  show a dialog; answer with outpost_scheduler_reply */

G_END_DECLS

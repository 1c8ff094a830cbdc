/* outpost-sync-engine.h: runs a synchronization of one account.
 *
 * One run at a time, in one worker thread (GTask) with its own store connection and its own
 * HTTP sessions. A run: connect (server metadata refines the profile), upload the journal
 * (creates before their dependents, $batch change sets), download (full / incremental per
 * table, entities in parallel over up to N connections, ONE writer committing each page with
 * its checkpoint in a short transaction), resolve conflicts by policy. Progress and
 * "records-changed" are emitted on the main context of the thread that called run_async.
 *
 * A second run_async while one runs fails at once with OUTPOST_SYNC_ERROR_BUSY (it is not
 * queued: the caller, e.g. a scheduler, decides whether to try later). Cancelling leaves a
 * consistent store: every page and every batch result is committed whole or not at all. */
#pragma once

#include <gio/gio.h>

#include "outpost-auth.h"
#include "outpost-connector.h"
#include "outpost-profile.h"
#include "outpost-sync-error.h"

G_BEGIN_DECLS

typedef enum {
  OUTPOST_SYNC_INCREMENTAL,   /* upload, then per table delta / modified-since (full where owed) */
  OUTPOST_SYNC_FULL,          /* upload, then a full download of every entity */
  OUTPOST_SYNC_ENTITIES,      /* upload, then a forced full download of the named entities */
  OUTPOST_SYNC_EMAIL_ONLY,    /* upload, then incremental download of email/activity tables */
  OUTPOST_SYNC_UPLOAD_ONLY,   /* upload only */
} OutpostSyncKind;

typedef struct {
  OutpostSyncKind     kind;
  const char * const *entities;         /* ENTITIES: logical names (NULL-terminated) */
  guint               max_connections;  /* parallel downloads; 0 = 4 */
  guint               page_size;        /* odata.maxpagesize; 0 = 5000 */
  guint               batch_size;       /* operations per $batch change set; 0 = 100, max 1000 */
  gboolean            background;       /* the user keeps working: the sync's threads yield the
                                         * CPU to the window's (nice 19, Linux) */
} OutpostSyncOptions;

typedef enum {
  OUTPOST_SYNC_PHASE_CONNECT,
  OUTPOST_SYNC_PHASE_UPLOAD,
  OUTPOST_SYNC_PHASE_DOWNLOAD,
  OUTPOST_SYNC_PHASE_DONE,
} OutpostSyncPhase;

typedef struct {
  OutpostSyncPhase  phase;
  const char       *entity;   /* NULL when not about one entity */
  gint64            done;     /* records (download: of this entity; upload: of all) */
  gint64            total;    /* -1 when unknown */
  guint64           bytes;    /* bytes downloaded so far in this run */
} OutpostSyncProgress;

typedef struct {
  char    *entity;
  gboolean full;          /* a full download ran (or resumed) */
  gint64   downloaded;    /* rows written */
  gint64   removed;       /* rows removed (deleted on the server, swept, left the filter) */
  gint64   kept;          /* server deletes not applied because of local changes */
} OutpostSyncEntityResult;

typedef struct {
  gint64     run_id;        /* row in the sync log */
  gint64     downloaded;
  gint64     removed;
  gint64     uploaded;
  gint64     conflicts;     /* conflicts met (auto-merged or by policy or stored for Manual) */
  gint64     manual_conflicts; /* stored for the user */
  gint64     errors;        /* journal entries refused by the server in this run */
  guint64    requests;      /* HTTP requests sent */
  guint64    bytes;         /* bytes downloaded */
  gdouble    seconds;
  GPtrArray *entities;      /* OutpostSyncEntityResult* */
  gint64     links_added;   /* N:N links the server made that came down (not in downloaded) */
  gint64     links_removed; /* N:N links the server dropped, removed here (not in removed) */
} OutpostSyncResult;

#define OUTPOST_TYPE_SYNC_RESULT (outpost_sync_result_get_type ())
GType              outpost_sync_result_get_type (void) G_GNUC_CONST;
OutpostSyncResult *outpost_sync_result_copy     (const OutpostSyncResult *result);
void               outpost_sync_result_free     (OutpostSyncResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostSyncResult, outpost_sync_result_free)

#define OUTPOST_TYPE_SYNC_PROGRESS (outpost_sync_progress_get_type ())
GType              outpost_sync_progress_get_type (void) G_GNUC_CONST;

const char        *outpost_sync_kind_to_string  (OutpostSyncKind kind);
const char        *outpost_sync_phase_to_string (OutpostSyncPhase phase);

#define OUTPOST_TYPE_SYNC_ENGINE (outpost_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSyncEngine, outpost_sync_engine, OUTPOST, SYNC_ENGINE, GObject)

/* @name: account name (for messages); @url: org URL; @auth: NULL = none; @profile: the sync
 * profile (the engine refines a private copy from server metadata); @db_path: the account's
 * database (outpost_store_open). */
OutpostSyncEngine *outpost_sync_engine_new        (const char          *name,
                                                   const char          *url,
                                                   OutpostAuthProvider *auth,
                                                   OutpostProfile      *profile,
                                                   const char          *db_path);
/* Use another connector (default: OutpostDataverseConnector for @url). */
void               outpost_sync_engine_set_connector (OutpostSyncEngine *self,
                                                   OutpostConnector  *connector);
OutpostConnector  *outpost_sync_engine_get_connector (OutpostSyncEngine *self);
void               outpost_sync_engine_set_api_version (OutpostSyncEngine *self,
                                                   const char        *api_version);
gboolean           outpost_sync_engine_get_running (OutpostSyncEngine *self);
const char        *outpost_sync_engine_get_name    (OutpostSyncEngine *self);

void               outpost_sync_engine_run_async  (OutpostSyncEngine        *self,
                                                   const OutpostSyncOptions *options,
                                                   GCancellable             *cancellable,
                                                   GAsyncReadyCallback       callback,
                                                   gpointer                  user_data);
OutpostSyncResult *outpost_sync_engine_run_finish (OutpostSyncEngine  *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);
/* Blocking convenience for the CLI and tests: runs the worker in the calling thread's
 * context (iterating a private main context so signals are still delivered). */
OutpostSyncResult *outpost_sync_engine_run        (OutpostSyncEngine        *self,
                                                   const OutpostSyncOptions *options,
                                                   GCancellable             *cancellable,
                                                   GError                  **error);

/* The sync profile may be published on the server as the web resource named
 * OUTPOST_PUBLISHED_PROFILE (content: the profile JSON, Base64). A newer version replaces the
 * account's profile and forces a full sync of only the entities it changed. Full syncs always
 * look for it; other runs at most every @seconds (default 3600; 0 = every run). */
#define OUTPOST_PUBLISHED_PROFILE "outpost_profile.json"
void               outpost_sync_engine_set_profile_check_interval (OutpostSyncEngine *self,
                                                   guint              seconds);
/* The profile the account's data follows: the published one stored by a sync when it is newer
 * than @base, else @base (a new reference). The UI and the CLI open the store with it. */
OutpostProfile    *outpost_sync_effective_profile  (const char        *db_path,
                                                   OutpostProfile    *base);

/* Signals (emitted on the main context of the run_async caller):
 *   "progress"        (const OutpostSyncProgress *progress)
 *   "records-changed" (const char *entity)       after the entity's rows changed
 * Property: "running" (gboolean, read-only, notify on change). */

G_END_DECLS

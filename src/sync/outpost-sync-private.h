/* outpost-sync-private.h: what the engine's files share: one run ("job") of a sync. */
#pragma once

#include "outpost-connector.h"
#include "outpost-store-sync.h"
#include "outpost-sync-engine.h"
#include "outpost-sync-error.h"

G_BEGIN_DECLS

typedef struct {
  OutpostSyncEngine  *engine;
  OutpostSyncOptions  options;        /* entities deep-copied */
  OutpostStore       *store;          /* the worker's own connection */
  OutpostProfile     *profile;        /* refined from server metadata */
  OutpostConnector   *connector;
  GCancellable       *cancellable;
  GMainContext       *context;        /* where signals are emitted */
  gint64              run_id;
  OutpostSyncResult  *result;
  GMutex              lock;           /* result counters touched by downloader threads */
  gint64              upload_total;
  JsonObject         *entity_versions; /* published profile: entity -> version that changed it
                                          (NULL when no published profile is in use) */
} OutpostSyncJob;

/* engine -> main context */
void     outpost_sync_job_progress        (OutpostSyncJob *job, OutpostSyncPhase phase,
                                           const char *entity, gint64 done, gint64 total);
void     outpost_sync_job_records_changed (OutpostSyncJob *job, const char *entity);
void     outpost_sync_job_log             (OutpostSyncJob *job, const char *entity,
                                           const char *record_id, const char *format, ...)
                                           G_GNUC_PRINTF (4, 5);
OutpostSyncEntityResult *outpost_sync_job_entity_result (OutpostSyncJob *job, const char *entity);

/* phases */
gboolean outpost_sync_upload   (OutpostSyncJob *job, GError **error);
/* SendEmail for the emails marked for sending (outpost-store-email.h) once they are uploaded. */
gboolean outpost_sync_send_emails (OutpostSyncJob *job, GError **error);
gboolean outpost_sync_download (OutpostSyncJob *job, GPtrArray *entities /* OutpostEntity* */,
                                GError **error);

/* conflicts: a row with local changes whose server version moved on. Merges field by field,
 * then applies the entity's policy to overlapping fields. */
gboolean outpost_sync_merge_row (OutpostSyncJob *job, OutpostEntity *entity, const char *id,
                                 JsonObject *server_values, const char *server_etag,
                                 GError **error);

/* the published profile (outpost-sync-published.c): the profile to use for this run (a
 * newer published one, else @base); owes_full says whether a table needs a full sync for it */
OutpostProfile *outpost_sync_published_apply (OutpostSyncJob *job, const char *db_path,
                                              OutpostProfile *base, guint check_interval,
                                              GError **error);
gboolean outpost_sync_published_owes_full (OutpostSyncJob *job, OutpostEntity *entity,
                                           gint64 table_profile_version);

/* helpers */
/* Primary ids of the entity's local rows (char*, every state), for ID reconciliation. */
GPtrArray *outpost_sync_list_ids (OutpostStore *store, OutpostEntity *entity, GError **error);
gboolean outpost_sync_json_equal (JsonNode *a, JsonNode *b);
char    *outpost_sync_now_iso    (void);

G_END_DECLS

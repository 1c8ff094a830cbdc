/* outpost-store-jobs.h: the UI's reads and writes, each run in the store client's worker.
 *
 * Every function starts a job and calls back on the main context; its _finish returns the
 * result or NULL/FALSE with an error. Records read for display carry, for each lookup field,
 * the target's primary name as "<field>@display" (resolved in the worker). */
#pragma once

#include "outpost-store-client.h"
#include "outpost-store-sync.h"

G_BEGIN_DECLS

typedef struct {
  char   *entity;
  gint64  count;
  gint64  unsynced;
} OutpostEntityCount;

/* Fills "<field>@display" for @record's lookups (worker side; also used by the list model). */
void        outpost_jobs_resolve_lookups   (OutpostStore *store,
                                            OutpostRecord *record,
                                            gboolean       list_columns_only);

void        outpost_jobs_get_record        (OutpostStoreClient *client, const char *entity,
                                            const char *id, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* Saves: @id NULL creates (returns the new id); otherwise @values are the changed fields. */
void        outpost_jobs_save              (OutpostStoreClient *client, const char *entity,
                                            const char *id, JsonObject *values,
                                            GAsyncReadyCallback callback, gpointer user_data);
void        outpost_jobs_delete            (OutpostStoreClient *client, const char *entity,
                                            const char *id,
                                            GAsyncReadyCallback callback, gpointer user_data);
void        outpost_jobs_validate          (OutpostStoreClient *client, const char *entity,
                                            JsonObject *values, gboolean is_create,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* Records of @entity whose @field equals @value (related records), or matching @search when
 * @field is NULL (lookup pickers); at most @limit. */
void        outpost_jobs_query             (OutpostStoreClient *client, const char *entity,
                                            const char *field, const char *value,
                                            const char *search, guint limit,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* OutpostEntityCount* for every profile entity, in profile order. */
void        outpost_jobs_count_entities    (OutpostStoreClient *client,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* Sync issues: GPtrArray of OutpostSyncErrorRow* then OutpostConflict* (two arrays). */
void        outpost_jobs_list_issues       (OutpostStoreClient *client,
                                            GAsyncReadyCallback callback, gpointer user_data);
void        outpost_jobs_list_runs         (OutpostStoreClient *client, guint limit,
                                            GAsyncReadyCallback callback, gpointer user_data);

typedef enum {
  OUTPOST_ISSUE_RETRY,
  OUTPOST_ISSUE_IGNORE,
  OUTPOST_ISSUE_TAKE_SERVER,
  OUTPOST_ISSUE_RESOLVE,     /* a conflict, with the chosen values */
  OUTPOST_ISSUE_OWE_FULL_SYNC,
} OutpostIssueAction;

/* Acts on a sync error (or conflict for RESOLVE; entity name for OWE_FULL_SYNC). */
void        outpost_jobs_issue_action      (OutpostStoreClient *client, OutpostIssueAction action,
                                            gint64 id, const char *entity, JsonObject *chosen,
                                            GAsyncReadyCallback callback, gpointer user_data);

/* The generic finish: a pointer result (record, id, array...) or NULL with @error. Jobs whose
 * result is only success return GINT_TO_POINTER (1). */
gpointer    outpost_jobs_finish            (GAsyncResult *result, GError **error);

void        outpost_entity_count_free      (OutpostEntityCount *count);

G_END_DECLS

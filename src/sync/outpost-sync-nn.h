/* outpost-sync-nn.h: downloading N:N links (outpost-sync-nn.c). */
#pragma once

#include "outpost-sync-private.h"

G_BEGIN_DECLS

/* After the records: reads the link set of each profile relationship whose two entities were
 * in this download (@entities: OutpostEntity*) and reconciles the store with it (one request
 * per relationship while its links fit in a page); the links added and removed are counted in
 * the run's result (links_added, links_removed) and written to its sync log. A relationship the
 * server does not have (its metadata, or a 404 on the intersect set) is skipped with a line in
 * the sync log. */
gboolean outpost_sync_nn_download (OutpostSyncJob *job, GPtrArray *entities, GError **error);

typedef enum {
  OUTPOST_SYNC_NN_METADATA,  /* named by the server's relationship metadata */
  OUTPOST_SYNC_NN_ABSENT,    /* the metadata was read and has no such relationship */
  OUTPOST_SYNC_NN_GUESSED,   /* the metadata says nothing: the system tables' naming pattern */
} OutpostSyncNnSource;

/* The intersect entity set and the two id attributes the link query uses for @relationship
 * (entity1's id, entity2's id), from @metadata (what outpost_connector_save_metadata()
 * returns: its "relationships" member) or the fallback; interned strings, NULL when unknown.
 * Not validated: the caller checks them before they go into a URL. */
OutpostSyncNnSource outpost_sync_nn_intersect (const OutpostRelationship *relationship,
                                               OutpostProfile *profile, JsonObject *metadata,
                                               const char **entity_set, const char **id1,
                                               const char **id2);

G_END_DECLS

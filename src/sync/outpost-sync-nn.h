/* outpost-sync-nn.h: downloading N:N links (outpost-sync-nn.c). */
#pragma once

#include "outpost-sync-private.h"

G_BEGIN_DECLS

/* After the records: reads the link set of each profile relationship whose two entities were
 * in this download (@entities: OutpostEntity*) and reconciles the store with it (one request
 * per relationship while its links fit in a page). A relationship the server does not expose
 * under the expected intersect entity set is skipped with a line in the sync log. */
gboolean outpost_sync_nn_download (OutpostSyncJob *job, GPtrArray *entities, GError **error);

/* The intersect entity set and the two id attributes the link query uses for @relationship
 * (entity1's id, entity2's id); also used by tests. */
void     outpost_sync_nn_intersect (const OutpostRelationship *relationship, OutpostProfile *profile,
                                    const char **entity_set, const char **id1, const char **id2);

G_END_DECLS

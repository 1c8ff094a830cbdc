/* outpost-sync-metadata.h: the profile refined by server metadata, cached beside the database
 * (<db>.metadata.json) so that a routine sync sends no metadata requests. The cache is used
 * only while the base profile is unchanged; a full sync refreshes it. */
#pragma once

#include "outpost-connector.h"

G_BEGIN_DECLS

/* The cached refined profile, restoring @connector's metadata too (when not NULL); NULL when
 * there is no valid cache or @force. */
OutpostProfile *outpost_sync_metadata_load  (const char       *db_path,
                                             OutpostProfile   *base,
                                             OutpostConnector *connector,
                                             gboolean          force);
/* Reads the server's metadata into a copy of @base and caches it. */
OutpostProfile *outpost_sync_metadata_fetch (const char       *db_path,
                                             OutpostProfile   *base,
                                             OutpostConnector *connector,
                                             GCancellable     *cancellable,
                                             GError          **error);

G_END_DECLS

/* outpost-store-assoc.h: N:N links as the server has them (the sync's download side; the
 * local associate/disassociate API is in outpost-store.h).
 *
 * Intersect tables have no change tracking, so a sync reads a relationship's whole link set
 * and reconciles:
 *   outpost_store_server_links_begin (store, "accountleads_association", &error);
 *   for each page: outpost_store_server_links_add (store, rel, account_ids, lead_ids, n, &error);
 *   outpost_store_server_links_end (store, rel, &added, &removed, &error);
 * Pairs are given in the relationship's order (entity1's id first). The end adds the links
 * whose two records are both in the store (a link to a record that is not here arrives with
 * the sync that brings the record) and removes synced links the server no longer has. Links
 * with a change made here and not yet uploaded (a pending associate or disassociate) are
 * never touched. Nothing is reconciled unless _end is called: an interrupted download leaves
 * the links as they were. */
#pragma once

#include "outpost-store.h"

G_BEGIN_DECLS

gboolean outpost_store_server_links_begin (OutpostStore *self, const char *relationship,
                                           GError **error);
gboolean outpost_store_server_links_add   (OutpostStore *self, const char *relationship,
                                           const char *const *ids1, const char *const *ids2,
                                           guint n, GError **error);
gboolean outpost_store_server_links_end   (OutpostStore *self, const char *relationship,
                                           gint64 *added, gint64 *removed, GError **error);

G_END_DECLS

/* outpost-connectivity.h: is the CRM server usable right now?
 *
 * Online = the network monitor reports a network AND the account's server is reachable
 * (g_network_monitor_can_reach_async on its host, re-checked whenever the monitor reports a
 * change) AND the user has not chosen to work offline. Until the first reachability check
 * answers, the server counts as reachable when the network is available, so starting the
 * application is not mistaken for "going online". */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_CONNECTIVITY (outpost_connectivity_get_type ())
G_DECLARE_FINAL_TYPE (OutpostConnectivity, outpost_connectivity, OUTPOST, CONNECTIVITY, GObject)

/* @monitor: NULL = g_network_monitor_get_default (); @url: the server (an http(s) URL), NULL =
 * the network being available is enough. */
OutpostConnectivity *outpost_connectivity_new (GNetworkMonitor *monitor,
                                               const char      *url);

gboolean outpost_connectivity_get_online            (OutpostConnectivity *self);
/* Network available and server reachable, whatever the work-offline toggle says. */
gboolean outpost_connectivity_get_network_online    (OutpostConnectivity *self);
gboolean outpost_connectivity_get_network_available (OutpostConnectivity *self);
gboolean outpost_connectivity_get_server_reachable  (OutpostConnectivity *self);
gboolean outpost_connectivity_get_work_offline      (OutpostConnectivity *self);
void     outpost_connectivity_set_work_offline      (OutpostConnectivity *self,
                                                     gboolean             work_offline);
/* Checks reachability again now (e.g. after a sync failed with a network error). */
void     outpost_connectivity_recheck               (OutpostConnectivity *self);

/* Properties: "network-monitor" (construct-only), "url" (construct-only), "work-offline"
 * (read-write), "online", "network-online", "network-available", "server-reachable" (read-only,
 * notify on change).
 * Signal: "changed" () — emitted once after any of them changed, after the notifies. */

G_END_DECLS

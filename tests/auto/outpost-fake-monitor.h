/* outpost-fake-monitor.h: a GNetworkMonitor for tests; the test decides whether the network
 * is available and whether hosts are reachable. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_FAKE_MONITOR (outpost_fake_monitor_get_type ())
G_DECLARE_FINAL_TYPE (OutpostFakeMonitor, outpost_fake_monitor, OUTPOST, FAKE_MONITOR, GObject)

OutpostFakeMonitor *outpost_fake_monitor_new (gboolean available,
                                              gboolean reachable);
/* Changes the state and emits "network-changed" like a real monitor. */
void                outpost_fake_monitor_set (OutpostFakeMonitor *self,
                                              gboolean            available,
                                              gboolean            reachable);
guint               outpost_fake_monitor_get_reach_calls (OutpostFakeMonitor *self);

/* Runs the default main context until nothing is pending (reachability answers arrive). */
void                outpost_test_drain_main_context (void);

G_END_DECLS

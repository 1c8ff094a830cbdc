/* test-connectivity.c: network monitor + reachability + work offline, with a fake monitor;
 * and the system clock on a real main loop. */
#include <locale.h>

#include "outpost-clock.h"
#include "outpost-connectivity.h"
#include "outpost-fake-monitor.h"

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_reachability (void)
{
  g_autoptr(OutpostFakeMonitor) monitor = outpost_fake_monitor_new (TRUE, FALSE);
  g_autoptr(OutpostConnectivity) c = outpost_connectivity_new (G_NETWORK_MONITOR (monitor),
                                                               "https://crm.example.com/");
  guint changed = 0;

  g_signal_connect (c, "changed", G_CALLBACK (count_cb), &changed);
  /* Until the check answers, an available network counts as online. */
  g_assert_true (outpost_connectivity_get_online (c));
  outpost_test_drain_main_context ();
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 1);
  g_assert_true (outpost_connectivity_get_network_available (c));
  g_assert_false (outpost_connectivity_get_server_reachable (c));
  g_assert_false (outpost_connectivity_get_online (c));
  g_assert_cmpuint (changed, ==, 1);
  /* The monitor reports a change: checked again. */
  outpost_fake_monitor_set (monitor, TRUE, TRUE);
  outpost_test_drain_main_context ();
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 2);
  g_assert_true (outpost_connectivity_get_online (c));
  g_assert_cmpuint (changed, ==, 2);
  /* Network gone: offline at once, no check needed. */
  outpost_fake_monitor_set (monitor, FALSE, FALSE);
  g_assert_false (outpost_connectivity_get_online (c));
  g_assert_false (outpost_connectivity_get_server_reachable (c));
  outpost_test_drain_main_context ();
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 2);
  g_assert_cmpuint (changed, ==, 3);
  /* An unchanged state emits nothing. */
  outpost_fake_monitor_set (monitor, FALSE, FALSE);
  outpost_test_drain_main_context ();
  g_assert_cmpuint (changed, ==, 3);
}

static void
test_work_offline (void)
{
  g_autoptr(OutpostFakeMonitor) monitor = outpost_fake_monitor_new (TRUE, TRUE);
  g_autoptr(OutpostConnectivity) c = outpost_connectivity_new (G_NETWORK_MONITOR (monitor),
                                                               "http://127.0.0.1:8080/");
  guint changed = 0, notified = 0;

  outpost_test_drain_main_context ();
  g_signal_connect (c, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (c, "notify::online", G_CALLBACK (count_notify), &notified);
  g_assert_true (outpost_connectivity_get_online (c));
  g_object_set (c, "work-offline", TRUE, NULL);
  g_assert_false (outpost_connectivity_get_online (c));
  g_assert_true (outpost_connectivity_get_network_online (c));
  g_assert_true (outpost_connectivity_get_work_offline (c));
  outpost_connectivity_set_work_offline (c, TRUE);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (notified, ==, 1);
  /* The network comes and goes while working offline: never online. */
  outpost_fake_monitor_set (monitor, FALSE, FALSE);
  outpost_fake_monitor_set (monitor, TRUE, TRUE);
  outpost_test_drain_main_context ();
  g_assert_false (outpost_connectivity_get_online (c));
  outpost_connectivity_set_work_offline (c, FALSE);
  g_assert_true (outpost_connectivity_get_online (c));
  g_assert_cmpuint (notified, ==, 2);
}

static void
test_no_url (void)
{
  g_autoptr(OutpostFakeMonitor) monitor = outpost_fake_monitor_new (TRUE, FALSE);
  g_autoptr(OutpostConnectivity) c = outpost_connectivity_new (G_NETWORK_MONITOR (monitor), NULL);

  outpost_test_drain_main_context ();
  /* Without a server, the network being there is enough; no reachability checks. */
  g_assert_true (outpost_connectivity_get_online (c));
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 0);
  outpost_fake_monitor_set (monitor, FALSE, FALSE);
  g_assert_false (outpost_connectivity_get_online (c));
}

static void
test_recheck (void)
{
  g_autoptr(OutpostFakeMonitor) monitor = outpost_fake_monitor_new (TRUE, TRUE);
  g_autoptr(OutpostConnectivity) c = outpost_connectivity_new (G_NETWORK_MONITOR (monitor),
                                                               "https://crm.example.com:8443/");

  outpost_test_drain_main_context ();
  g_assert_true (outpost_connectivity_get_online (c));
  /* The server went away without the monitor noticing; a sync failed and asks again. */
  outpost_fake_monitor_set (monitor, TRUE, FALSE);
  outpost_test_drain_main_context ();
  g_assert_false (outpost_connectivity_get_online (c));
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 2);
  outpost_connectivity_recheck (c);
  outpost_test_drain_main_context ();
  g_assert_cmpuint (outpost_fake_monitor_get_reach_calls (monitor), ==, 3);
}

static void
test_default_monitor (void)
{
  g_autoptr(OutpostConnectivity) c = outpost_connectivity_new (NULL, NULL);
  g_autoptr(GNetworkMonitor) monitor = NULL;

  g_object_get (c, "network-monitor", &monitor, NULL);
  g_assert_true (monitor == g_network_monitor_get_default ());
}

/* ---- the system clock ------------------------------------------------------------------ */

static void
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
}

static void
never_cb (gpointer user_data)
{
  g_assert_not_reached ();
}

static void
test_system_clock (void)
{
  g_autoptr(OutpostClock) clock = outpost_clock_get_system ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 start = outpost_clock_get_monotonic (clock), elapsed;
  guint id, removed;

  g_assert_cmpint (ABS (outpost_clock_get_real (clock) - g_get_real_time ()), <, G_USEC_PER_SEC);
  removed = outpost_clock_add_timeout (clock, 0, never_cb, NULL, NULL);
  outpost_clock_clear_timeout (clock, &removed);
  g_assert_cmpuint (removed, ==, 0);
  id = outpost_clock_add_timeout (clock, 1, quit_cb, loop, NULL);
  g_assert_cmpuint (id, >, 0);
  g_main_loop_run (loop);
  elapsed = outpost_clock_get_monotonic (clock) - start;
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
  /* A fired id is gone: removing it is a no-op, not a warning. */
  outpost_clock_remove_timeout (clock, id);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auto/connectivity/reachability", test_reachability);
  g_test_add_func ("/auto/connectivity/work-offline", test_work_offline);
  g_test_add_func ("/auto/connectivity/no-url", test_no_url);
  g_test_add_func ("/auto/connectivity/recheck", test_recheck);
  g_test_add_func ("/auto/connectivity/default-monitor", test_default_monitor);
  g_test_add_func ("/auto/clock/system", test_system_clock);
  return g_test_run ();
}

/* outpost-fake-monitor.c: GNetworkMonitor + GInitable whose answers the test controls. */
#include "outpost-fake-monitor.h"

struct _OutpostFakeMonitor
{
  GObject  parent_instance;
  gboolean available;
  gboolean reachable;
  guint    reach_calls;
};

enum { PROP_0, PROP_NETWORK_AVAILABLE, PROP_NETWORK_METERED, PROP_CONNECTIVITY };

static void fake_monitor_iface_init  (GNetworkMonitorInterface *iface);
static void fake_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostFakeMonitor, outpost_fake_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      fake_monitor_iface_init))

static gboolean
fake_can_reach (GNetworkMonitor     *monitor,
                GSocketConnectable  *connectable,
                GCancellable        *cancellable,
                GError             **error)
{
  OutpostFakeMonitor *self = OUTPOST_FAKE_MONITOR (monitor);

  self->reach_calls++;
  if (self->available && self->reachable)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE, "Host unreachable");
  return FALSE;
}

/* Answers from an idle, as a real monitor answers later, after a D-Bus or DNS round trip. */
static void
fake_can_reach_async (GNetworkMonitor     *monitor,
                      GSocketConnectable  *connectable,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (monitor, cancellable, callback, user_data);
  GError *error = NULL;

  if (fake_can_reach (monitor, connectable, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
fake_can_reach_finish (GNetworkMonitor  *monitor,
                       GAsyncResult     *result,
                       GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
fake_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = fake_can_reach;
  iface->can_reach_async = fake_can_reach_async;
  iface->can_reach_finish = fake_can_reach_finish;
}

static gboolean
fake_initable_init (GInitable     *initable,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return TRUE;
}

static void
fake_initable_iface_init (GInitableIface *iface)
{
  iface->init = fake_initable_init;
}

static void
fake_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  OutpostFakeMonitor *self = OUTPOST_FAKE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_NETWORK_AVAILABLE: g_value_set_boolean (value, self->available); break;
    case PROP_NETWORK_METERED: g_value_set_boolean (value, FALSE); break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_fake_monitor_class_init (OutpostFakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_get_property;
  g_object_class_override_property (object_class, PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
outpost_fake_monitor_init (OutpostFakeMonitor *self)
{
}

OutpostFakeMonitor *
outpost_fake_monitor_new (gboolean available,
                          gboolean reachable)
{
  OutpostFakeMonitor *self = g_object_new (OUTPOST_TYPE_FAKE_MONITOR, NULL);

  self->available = available;
  self->reachable = reachable;
  return self;
}

void
outpost_fake_monitor_set (OutpostFakeMonitor *self,
                          gboolean            available,
                          gboolean            reachable)
{
  gboolean was = self->available;

  self->available = available;
  self->reachable = reachable;
  if (was != available)
    g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
}

guint
outpost_fake_monitor_get_reach_calls (OutpostFakeMonitor *self)
{
  return self->reach_calls;
}

void
outpost_test_drain_main_context (void)
{
  /* A few rounds: a finished check may queue another idle. */
  for (int round = 0; round < 5; round++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

/* outpost-connectivity.c: network monitor + server reachability + the work-offline toggle. */
#include "config.h"

#include "outpost-connectivity.h"

struct _OutpostConnectivity
{
  GObject          parent_instance;
  GNetworkMonitor *monitor;
  char            *url;
  GSocketConnectable *server;      /* NULL without a URL */
  GCancellable    *check;          /* the reachability check in flight */
  gboolean         network_available;
  gboolean         server_reachable;
  gboolean         work_offline;
  gboolean         online;
  gboolean         network_online;
};

G_DEFINE_FINAL_TYPE (OutpostConnectivity, outpost_connectivity, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NETWORK_MONITOR,
  PROP_URL,
  PROP_WORK_OFFLINE,
  PROP_ONLINE,
  PROP_NETWORK_ONLINE,
  PROP_NETWORK_AVAILABLE,
  PROP_SERVER_REACHABLE,
  N_PROPS
};

enum { SIGNAL_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_flag (OutpostConnectivity *self,
          gboolean            *field,
          gboolean             value,
          guint                prop,
          gboolean            *changed)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  *changed = TRUE;
}

/* Recomputes the derived flags; emits "changed" once when anything moved. */
static void
update (OutpostConnectivity *self,
        gboolean             changed)
{
  gboolean network_online = self->network_available && self->server_reachable;

  g_object_freeze_notify (G_OBJECT (self));
  set_flag (self, &self->network_online, network_online, PROP_NETWORK_ONLINE, &changed);
  set_flag (self, &self->online, network_online && !self->work_offline, PROP_ONLINE, &changed);
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
reach_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OutpostConnectivity) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean reachable, changed = FALSE;

  reachable = g_network_monitor_can_reach_finish (G_NETWORK_MONITOR (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer check replaced this one */
  g_clear_object (&self->check);
  if (error != NULL)
    g_debug ("Server not reachable: %s", error->message);
  set_flag (self, &self->server_reachable, reachable, PROP_SERVER_REACHABLE, &changed);
  update (self, changed);
}

static void
start_check (OutpostConnectivity *self)
{
  if (self->check != NULL)
    g_cancellable_cancel (self->check);
  g_clear_object (&self->check);
  if (self->server == NULL || !self->network_available)
    return;
  self->check = g_cancellable_new ();
  g_network_monitor_can_reach_async (self->monitor, self->server, self->check,
                                     reach_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor     *monitor,
                    gboolean             available,
                    OutpostConnectivity *self)
{
  gboolean changed = FALSE;

  /* The signal's argument can be stale when several changes queue up: ask the monitor. */
  available = g_network_monitor_get_network_available (monitor);
  set_flag (self, &self->network_available, available, PROP_NETWORK_AVAILABLE, &changed);
  if (!available || self->server == NULL)
    set_flag (self, &self->server_reachable, available, PROP_SERVER_REACHABLE, &changed);
  update (self, changed);
  start_check (self);
}

static void
outpost_connectivity_constructed (GObject *object)
{
  OutpostConnectivity *self = OUTPOST_CONNECTIVITY (object);

  G_OBJECT_CLASS (outpost_connectivity_parent_class)->constructed (object);
  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  if (self->url != NULL && *self->url != '\0')
    {
      g_autoptr(GError) error = NULL;

      self->server = g_network_address_parse_uri (self->url, 443, &error);
      if (self->server == NULL)
        g_warning ("Cannot check whether %s is reachable: %s", self->url, error->message);
    }
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  self->server_reachable = self->network_available;
  self->network_online = self->network_available;
  self->online = self->network_online && !self->work_offline;
  g_signal_connect_object (self->monitor, "network-changed",
                           G_CALLBACK (network_changed_cb), self, 0);
  start_check (self);
}

static void
outpost_connectivity_dispose (GObject *object)
{
  OutpostConnectivity *self = OUTPOST_CONNECTIVITY (object);

  if (self->check != NULL)
    g_cancellable_cancel (self->check);
  g_clear_object (&self->check);
  g_clear_object (&self->server);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (outpost_connectivity_parent_class)->dispose (object);
}

static void
outpost_connectivity_finalize (GObject *object)
{
  OutpostConnectivity *self = OUTPOST_CONNECTIVITY (object);

  g_free (self->url);
  G_OBJECT_CLASS (outpost_connectivity_parent_class)->finalize (object);
}

static void
outpost_connectivity_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OutpostConnectivity *self = OUTPOST_CONNECTIVITY (object);

  switch (prop_id)
    {
    case PROP_NETWORK_MONITOR: g_value_set_object (value, self->monitor); break;
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_WORK_OFFLINE: g_value_set_boolean (value, self->work_offline); break;
    case PROP_ONLINE: g_value_set_boolean (value, self->online); break;
    case PROP_NETWORK_ONLINE: g_value_set_boolean (value, self->network_online); break;
    case PROP_NETWORK_AVAILABLE: g_value_set_boolean (value, self->network_available); break;
    case PROP_SERVER_REACHABLE: g_value_set_boolean (value, self->server_reachable); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_connectivity_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  OutpostConnectivity *self = OUTPOST_CONNECTIVITY (object);

  switch (prop_id)
    {
    case PROP_NETWORK_MONITOR: self->monitor = g_value_dup_object (value); break;
    case PROP_URL: self->url = g_value_dup_string (value); break;
    case PROP_WORK_OFFLINE:
      outpost_connectivity_set_work_offline (self, g_value_get_boolean (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
ro_boolean (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
outpost_connectivity_class_init (OutpostConnectivityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = outpost_connectivity_constructed;
  object_class->dispose = outpost_connectivity_dispose;
  object_class->finalize = outpost_connectivity_finalize;
  object_class->get_property = outpost_connectivity_get_property;
  object_class->set_property = outpost_connectivity_set_property;

  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORK_OFFLINE] =
    g_param_spec_boolean ("work-offline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLINE] = ro_boolean ("online");
  properties[PROP_NETWORK_ONLINE] = ro_boolean ("network-online");
  properties[PROP_NETWORK_AVAILABLE] = ro_boolean ("network-available");
  properties[PROP_SERVER_REACHABLE] = ro_boolean ("server-reachable");
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
outpost_connectivity_init (OutpostConnectivity *self)
{
}

OutpostConnectivity *
outpost_connectivity_new (GNetworkMonitor *monitor,
                          const char      *url)
{
  return g_object_new (OUTPOST_TYPE_CONNECTIVITY, "network-monitor", monitor, "url", url, NULL);
}

gboolean
outpost_connectivity_get_online (OutpostConnectivity *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONNECTIVITY (self), FALSE);
  return self->online;
}

gboolean
outpost_connectivity_get_network_online (OutpostConnectivity *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONNECTIVITY (self), FALSE);
  return self->network_online;
}

gboolean
outpost_connectivity_get_network_available (OutpostConnectivity *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONNECTIVITY (self), FALSE);
  return self->network_available;
}

gboolean
outpost_connectivity_get_server_reachable (OutpostConnectivity *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONNECTIVITY (self), FALSE);
  return self->server_reachable;
}

gboolean
outpost_connectivity_get_work_offline (OutpostConnectivity *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONNECTIVITY (self), FALSE);
  return self->work_offline;
}

void
outpost_connectivity_set_work_offline (OutpostConnectivity *self,
                                       gboolean             work_offline)
{
  gboolean changed = FALSE;

  g_return_if_fail (OUTPOST_IS_CONNECTIVITY (self));
  set_flag (self, &self->work_offline, !!work_offline, PROP_WORK_OFFLINE, &changed);
  if (self->monitor != NULL)   /* during construction, constructed() computes the rest */
    update (self, changed);
}

void
outpost_connectivity_recheck (OutpostConnectivity *self)
{
  g_return_if_fail (OUTPOST_IS_CONNECTIVITY (self));
  start_check (self);
}

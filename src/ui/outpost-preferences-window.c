/* outpost-preferences-window.c: every control is bound to its GSettings key, so a change is
 * saved at once and a change made elsewhere (gsettings, another window) shows here. */
#include "config.h"

#include "outpost-preferences-window.h"

struct _OutpostPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
  GSettings *settings;
  GtkWidget *background_switch, *sync_login_switch, *offline_switch, *email_switch;
  GtkWidget *after_start_spin, *periodic_spin, *after_change_spin;
  GtkWidget *after_start_switch, *periodic_switch, *after_change_switch;
  GtkWidget *online_row, *offline_row;
  GtkWidget *connections_spin, *batch_spin;
};

G_DEFINE_FINAL_TYPE (OutpostPreferencesWindow, outpost_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- delays: a switch (off = -1) and a spin button in seconds or minutes ------------------ */

typedef struct {
  GtkSpinButton *spin;
  int            unit;   /* seconds per unit shown */
} Delay;

/* Off (-1) leaves the spin button at its last value, so switching on again restores it. */
static gboolean
seconds_to_spin (GValue *value, GVariant *variant, gpointer user_data)
{
  Delay *delay = user_data;
  gint32 seconds = g_variant_get_int32 (variant);

  if (seconds < 0)
    return FALSE;
  g_value_set_double (value, MAX (1, (seconds + delay->unit - 1) / delay->unit));
  return TRUE;
}

static GVariant *
spin_to_seconds (const GValue *value, const GVariantType *type, gpointer user_data)
{
  Delay *delay = user_data;

  return g_variant_new_int32 ((gint32) g_value_get_double (value) * delay->unit);
}

static gboolean
seconds_to_active (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_boolean (value, g_variant_get_int32 (variant) >= 0);
  return TRUE;
}

static GVariant *
active_to_seconds (const GValue *value, const GVariantType *type, gpointer user_data)
{
  Delay *delay = user_data;

  if (!g_value_get_boolean (value))
    return g_variant_new_int32 (-1);
  return g_variant_new_int32 ((gint32) gtk_spin_button_get_value (delay->spin) * delay->unit);
}

static void
bind_delay (GSettings *settings, const char *key, GtkWidget *toggle, GtkWidget *spin, int unit)
{
  Delay *delay = g_new0 (Delay, 1);
  g_autoptr(GVariant) fallback = g_settings_get_default_value (settings, key);

  delay->spin = GTK_SPIN_BUTTON (spin);
  delay->unit = unit;
  /* while the delay is off, switching it on offers the default */
  if (g_variant_get_int32 (fallback) > 0)
    gtk_spin_button_set_value (delay->spin, MAX (1, (g_variant_get_int32 (fallback) + unit - 1) / unit));
  /* the spin first, so switching on writes the value it shows */
  g_settings_bind_with_mapping (settings, key, gtk_spin_button_get_adjustment (delay->spin), "value",
                                G_SETTINGS_BIND_DEFAULT, seconds_to_spin, spin_to_seconds, delay, NULL);
  g_settings_bind_with_mapping (settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT,
                                seconds_to_active, active_to_seconds, delay, g_free);
  g_object_bind_property (toggle, "active", spin, "sensitive", G_BINDING_SYNC_CREATE);
}

/* ---- connectivity modes: combo row position = enum value (see the schema) ------------------ */

static void
mode_changed (GSettings *settings, const char *key, AdwComboRow *row)
{
  guint selected = (guint) g_settings_get_enum (settings, key);

  if (adw_combo_row_get_selected (row) != selected)
    adw_combo_row_set_selected (row, selected);
}

static void
mode_selected (AdwComboRow *row, GParamSpec *pspec, GSettings *settings)
{
  const char *key = g_object_get_data (G_OBJECT (row), "settings-key");
  guint selected = adw_combo_row_get_selected (row);

  if (selected != GTK_INVALID_LIST_POSITION && (guint) g_settings_get_enum (settings, key) != selected)
    g_settings_set_enum (settings, key, (int) selected);
}

static void
bind_mode (OutpostPreferencesWindow *self, const char *key, GtkWidget *row)
{
  g_autofree char *signal = g_strconcat ("changed::", key, NULL);

  g_object_set_data_full (G_OBJECT (row), "settings-key", g_strdup (key), g_free);
  mode_changed (self->settings, key, ADW_COMBO_ROW (row));
  g_signal_connect_object (self->settings, signal, G_CALLBACK (mode_changed), row, 0);
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (mode_selected), self->settings, 0);
}

static void
bind_all (OutpostPreferencesWindow *self)
{
  GSettings *s = self->settings;

  g_settings_bind (s, "background-sync", self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "sync-login", self->sync_login_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "work-offline", self->offline_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "sync-email-on-send", self->email_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* Asking for credentials forces the foreground: the background switch does not apply. */
  g_settings_bind (s, "sync-login", self->background_switch, "sensitive",
                   G_SETTINGS_BIND_GET | G_SETTINGS_BIND_INVERT_BOOLEAN);
  bind_delay (s, "auto-sync-after-start", self->after_start_switch, self->after_start_spin, 1);
  bind_delay (s, "auto-sync-delay", self->periodic_switch, self->periodic_spin, 60);
  bind_delay (s, "auto-sync-after-change", self->after_change_switch, self->after_change_spin, 60);
  bind_mode (self, "going-online-mode", self->online_row);
  bind_mode (self, "going-offline-mode", self->offline_row);
  g_settings_bind (s, "download-connections", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->connections_spin)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "upload-batch-size", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->batch_spin)),
                   "value", G_SETTINGS_BIND_DEFAULT);
}

static void
outpost_preferences_window_dispose (GObject *object)
{
  OutpostPreferencesWindow *self = OUTPOST_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (outpost_preferences_window_parent_class)->dispose (object);
}

static void
outpost_preferences_window_class_init (OutpostPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-preferences-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OutpostPreferencesWindow, name)
  BIND (background_switch); BIND (sync_login_switch); BIND (offline_switch); BIND (email_switch);
  BIND (after_start_spin); BIND (periodic_spin); BIND (after_change_spin);
  BIND (after_start_switch); BIND (periodic_switch); BIND (after_change_switch);
  BIND (online_row); BIND (offline_row);
  BIND (connections_spin); BIND (batch_spin);
#undef BIND
}

static void
outpost_preferences_window_init (OutpostPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
outpost_preferences_window_new (GSettings *settings)
{
  OutpostPreferencesWindow *self = g_object_new (OUTPOST_TYPE_PREFERENCES_WINDOW, NULL);

  self->settings = g_object_ref (settings);
  bind_all (self);
  return GTK_WINDOW (self);
}

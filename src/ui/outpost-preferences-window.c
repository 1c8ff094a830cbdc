/* outpost-preferences-window.c: every control is bound to its GSettings key. */
#include "config.h"

#include "outpost-preferences-window.h"

struct _OutpostPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
  GSettings *settings;
  GtkWidget *background_switch, *sync_login_switch, *offline_switch;
  GtkWidget *after_start_spin, *periodic_spin, *after_change_spin;
  GtkWidget *connections_spin, *batch_spin;
};

G_DEFINE_FINAL_TYPE (OutpostPreferencesWindow, outpost_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The keys hold seconds with -1 for "off"; the window shows minutes with 0 for "off". */
static gboolean
seconds_to_minutes (GValue *value, GVariant *variant, gpointer user_data)
{
  gint32 seconds = g_variant_get_int32 (variant);

  g_value_set_double (value, seconds < 0 ? 0 : (seconds + 59) / 60);
  return TRUE;
}

static GVariant *
minutes_to_seconds (const GValue *value, const GVariantType *type, gpointer user_data)
{
  gint minutes = (gint) g_value_get_double (value);

  return g_variant_new_int32 (minutes <= 0 ? -1 : minutes * 60);
}

static void
bind_minutes (GSettings *settings, const char *key, GtkWidget *spin)
{
  g_settings_bind_with_mapping (settings, key, gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin)),
                                "value", G_SETTINGS_BIND_DEFAULT,
                                seconds_to_minutes, minutes_to_seconds, NULL, NULL);
}

static void
bind_all (OutpostPreferencesWindow *self)
{
  GSettings *s = self->settings;

  g_settings_bind (s, "background-sync", self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "sync-login", self->sync_login_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "work-offline", self->offline_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* Asking for credentials forces the foreground: the background switch does not apply. */
  g_settings_bind (s, "sync-login", self->background_switch, "sensitive",
                   G_SETTINGS_BIND_GET | G_SETTINGS_BIND_INVERT_BOOLEAN);
  bind_minutes (s, "auto-sync-after-start", self->after_start_spin);
  bind_minutes (s, "auto-sync-delay", self->periodic_spin);
  bind_minutes (s, "auto-sync-after-change", self->after_change_spin);
  g_settings_bind (s, "download-connections", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->connections_spin)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "upload-batch-size", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->batch_spin)),
                   "value", G_SETTINGS_BIND_DEFAULT);
}

static void
outpost_preferences_window_dispose (GObject *object)
{
  OutpostPreferencesWindow *self = OUTPOST_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_PREFERENCES_WINDOW);
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
  BIND (background_switch); BIND (sync_login_switch); BIND (offline_switch);
  BIND (after_start_spin); BIND (periodic_spin); BIND (after_change_spin);
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

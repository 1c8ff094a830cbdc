/* outpost-log-window.c: the sync log. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "outpost-log-window.h"
#include "outpost-store-jobs.h"

struct _OutpostLogWindow
{
  AdwWindow           parent_instance;
  AdwToastOverlay    *toast_overlay;
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  OutpostContext     *context;
};

#define MAX_RUNS 100

G_DEFINE_FINAL_TYPE (OutpostLogWindow, outpost_log_window, ADW_TYPE_WINDOW)

/* The log stores keywords (outpost_sync_kind_to_string, the engine's statuses): shown in words. */
static const char *
kind_label (const char *kind, gboolean first)
{
  /* The account's first run downloads every table whatever kind it was started as (the engine
   * may log it as "incremental": see log_kind in outpost-sync-engine.c). */
  if (first)
    return _("First synchronization");
  if (g_strcmp0 (kind, "incremental") == 0)
    return _("Changes since the last sync");
  if (g_strcmp0 (kind, "full") == 0)
    return _("Full download");
  if (g_strcmp0 (kind, "entities") == 0)
    return _("Download again of chosen tables");
  if (g_strcmp0 (kind, "email") == 0)
    return _("Email only");
  if (g_strcmp0 (kind, "upload") == 0)
    return _("Upload only");
  return kind;
}

static const char *
status_label (const char *status)
{
  if (g_strcmp0 (status, "succeeded") == 0)
    return _("Succeeded");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  if (g_strcmp0 (status, "running") == 0)
    return _("Running");
  if (g_strcmp0 (status, "interrupted") == 0)
    return _("Interrupted");
  return status;
}

/* @first: the account's first run (the oldest of a log that is listed whole). */
static GtkWidget *
run_row (OutpostSyncRun *run, gboolean first)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (run->started);
  g_autofree char *date = g_date_time_format (when, "%x %X");
  g_autofree char *title = g_strdup_printf ("%s — %s — %s", date, kind_label (run->kind, first),
                                            status_label (run->status));
  g_autofree char *counts = g_strdup_printf (_("%" PRId64 " downloaded, %" PRId64
                                               " uploaded, %" PRId64 " conflicts, %"
                                               PRId64 " errors"),
                                             run->downloaded, run->uploaded, run->conflicts, run->errors);
  g_autofree char *subtitle = run->message != NULL ? g_strdup_printf ("%s\n%s", counts, run->message)
                                                   : g_strdup (counts);

  /* Messages come from the server: plain text. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static gint64
oldest_id (GPtrArray *runs)
{
  gint64 oldest = G_MAXINT64;

  for (guint i = 0; i < runs->len; i++)
    oldest = MIN (oldest, ((OutpostSyncRun *) g_ptr_array_index (runs, i))->id);
  return oldest;
}

static void
runs_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostLogWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = outpost_jobs_finish (result, &error);
  gint64 first_id;

  if (runs == NULL)
    {
      adw_preferences_group_set_description (self->group, error->message);
      return;
    }
  if (runs->len == 0)
    adw_preferences_group_set_description (self->group, _("No synchronization has run yet."));
  first_id = runs->len < MAX_RUNS ? oldest_id (runs) : -1;
  for (guint i = 0; i < runs->len; i++)
    {
      OutpostSyncRun *run = g_ptr_array_index (runs, i);
      gboolean first = run->id == first_id;

      adw_preferences_group_add (self->group, run_row (run, first));
    }
}

static void
outpost_log_window_dispose (GObject *object)
{
  g_clear_object (&OUTPOST_LOG_WINDOW (object)->context);
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_LOG_WINDOW);
  G_OBJECT_CLASS (outpost_log_window_parent_class)->dispose (object);
}

static void
outpost_log_window_class_init (OutpostLogWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_log_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outpostcrm/Outpost/outpost-log-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OutpostLogWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OutpostLogWindow, page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
outpost_log_window_init (OutpostLogWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->group, _("Past Synchronizations"));
  adw_preferences_page_add (self->page, self->group);
}

GtkWidget *
outpost_log_window_new (GtkWindow *parent, OutpostContext *context)
{
  OutpostLogWindow *self = g_object_new (OUTPOST_TYPE_LOG_WINDOW, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  outpost_jobs_list_runs (outpost_context_get_client (context), MAX_RUNS, runs_ready, g_object_ref (self));
  return GTK_WIDGET (self);
}

/* outpost-setup-window.c: the account's setup page. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-secrets.h"
#include "outpost-setup-window.h"
#include "outpost-store-jobs.h"

struct _OutpostSetupWindow
{
  AdwWindow           parent_instance;
  AdwToastOverlay    *toast_overlay;
  AdwPreferencesPage *page;
  OutpostWindow      *main_window;   /* weak */
  OutpostContext     *context;
  GPtrArray          *entity_checks; /* GtkCheckButton*, data "entity" */
};

G_DEFINE_FINAL_TYPE (OutpostSetupWindow, outpost_setup_window, ADW_TYPE_WINDOW)

static GtkWidget *
detail_row (const char *title, const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_text (GTK_LABEL (label), value != NULL ? value : "—");
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

/* The sign-in method as the welcome page names it (not the account file's keyword). */
static const char *
auth_label (OutpostAuthKind kind)
{
  switch (kind)
    {
    case OUTPOST_AUTH_KIND_NONE:
      return _("No sign-in (demo server)");
    case OUTPOST_AUTH_KIND_BASIC:
      return _("User name and password (on-premises)");
    case OUTPOST_AUTH_KIND_DEVICE_CODE:
      return _("Microsoft account");
    default:
      return outpost_auth_kind_to_string (kind);
    }
}

static void
add_details (OutpostSetupWindow *self)
{
  OutpostAccount *account = outpost_context_get_account (self->context);
  GtkWidget *group = adw_preferences_group_new ();
  const char *auth = auth_label (outpost_account_get_auth_kind (account));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Account"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), detail_row (_("Name"), outpost_account_get_name (account)));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), detail_row (_("Organization Address"), outpost_account_get_url (account)));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), detail_row (_("Sign-in Method"), auth));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), detail_row (_("User Name"), outpost_account_get_user (account)));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), detail_row (_("Local Data"), outpost_store_client_get_path (outpost_context_get_client (self->context))));
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
}

/* ---- forced full sync ---------------------------------------------------------------------- */

static void
full_sync_clicked (OutpostSetupWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) entities = NULL;

  for (guint i = 0; i < self->entity_checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->entity_checks, i);

      if (gtk_check_button_get_active (check))
        g_strv_builder_add (builder, g_object_get_data (G_OBJECT (check), "entity"));
    }
  entities = g_strv_builder_end (builder);
  if (entities[0] == NULL || self->main_window == NULL)
    return;
  outpost_window_sync (self->main_window, (const char * const *) entities);
  gtk_window_close (GTK_WINDOW (self));
}

static void
add_full_sync (OutpostSetupWindow *self)
{
  OutpostProfile *profile = outpost_context_get_profile (self->context);
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Download Again"));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Full Synchronization"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("Download the chosen record types again in full."));
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entity->display_plural);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, entity->display_plural, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_object_set_data_full (G_OBJECT (check), "entity", g_strdup (entity->logical_name), g_free);
      g_ptr_array_add (self->entity_checks, check);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (full_sync_clicked), self);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), button);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
}

/* ---- delete data / sign out --------------------------------------------------------------- */

static void
clear_secrets_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (outpost_secrets_clear (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
secrets_cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  OutpostWindow *window = user_data;   /* a reference, or NULL */

  if (!g_task_propagate_boolean (G_TASK (result), &error) && window != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The sign-in could not be removed from the keyring: %s"),
                                              error->message);
      outpost_window_toast (window, msg);
    }
  g_clear_object (&window);
}

/* Signing out forgets the password or tokens (Secret Service calls block: a worker thread). */
static void
clear_secrets (OutpostWindow *window, const char *name)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, secrets_cleared, window ? g_object_ref (window) : NULL);

  g_task_set_task_data (task, g_strdup (name), g_free);
  g_task_run_in_thread (task, clear_secrets_thread);
}

static void
remove_account (OutpostSetupWindow *self)
{
  g_autofree char *name = g_strdup (outpost_account_get_name (outpost_context_get_account (self->context)));
  g_autoptr(GError) error = NULL;
  OutpostWindow *window = self->main_window;

  /* Release every reference to the store before its files go. */
  g_clear_object (&self->context);
  gtk_window_destroy (GTK_WINDOW (self));
  if (window != NULL)
    outpost_window_set_context (window, NULL);
  if (!outpost_account_remove (name, &error) && window != NULL)
    outpost_window_toast (window, error->message);
  clear_secrets (window, name);
}

static void
delete_response (AdwMessageDialog *dialog, const char *response, OutpostSetupWindow *self)
{
  if (g_strcmp0 (response, "sync") == 0 && self->main_window != NULL)
    {
      outpost_window_sync (self->main_window, NULL);
      gtk_window_close (GTK_WINDOW (self));
    }
  else if (g_strcmp0 (response, "delete") == 0)
    {
      /* the dialog outlives this window by a moment: it must not point at it when it goes */
      gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
      remove_account (self);
    }
}

static void
unsynced_counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) counts = outpost_jobs_finish (result, &error);
  gint64 unsynced = 0;
  GtkWidget *dialog;

  if (counts == NULL || self->context == NULL)
    return;
  for (guint i = 0; i < counts->len; i++)
    unsynced += ((OutpostEntityCount *) g_ptr_array_index (counts, i))->unsynced;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Delete Local Data?"), NULL);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (unsynced > 0)
    {
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
        g_dngettext (GETTEXT_PACKAGE,
                     "%" G_GINT64_FORMAT " record has changes that are not on the server yet. Synchronize first, or they are lost.",
                     "%" G_GINT64_FORMAT " records have changes that are not on the server yet. Synchronize first, or they are lost.",
                     (gulong) unsynced), unsynced);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "sync", _("_Synchronize First"));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "delete", _("_Discard Changes and Delete"));
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sync");
    }
  else
    {
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                   _("The records on this computer and the account are removed. The server keeps its records."));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "delete", _("_Delete"));
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
    }
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_clicked (OutpostSetupWindow *self)
{
  outpost_jobs_count_entities (outpost_context_get_client (self->context), unsynced_counted,
                               g_object_ref (self));
}

static void
add_danger (OutpostSetupWindow *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Delete Data and Sign Out…"));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Sign Out"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Remove this account and its records from this computer"));
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (delete_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
}

static void
outpost_setup_window_dispose (GObject *object)
{
  OutpostSetupWindow *self = OUTPOST_SETUP_WINDOW (object);

  g_clear_object (&self->context);
  g_clear_weak_pointer (&self->main_window);
  g_clear_pointer (&self->entity_checks, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_SETUP_WINDOW);
  G_OBJECT_CLASS (outpost_setup_window_parent_class)->dispose (object);
}

static void
outpost_setup_window_class_init (OutpostSetupWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_setup_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outpostcrm/Outpost/outpost-setup-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OutpostSetupWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OutpostSetupWindow, page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
outpost_setup_window_init (OutpostSetupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->entity_checks = g_ptr_array_new ();
}

GtkWidget *
outpost_setup_window_new (OutpostWindow *parent, OutpostContext *context)
{
  OutpostSetupWindow *self = g_object_new (OUTPOST_TYPE_SETUP_WINDOW, "transient-for", parent,
                                           "modal", TRUE, NULL);

  g_set_weak_pointer (&self->main_window, parent);
  self->context = g_object_ref (context);
  add_details (self);
  add_full_sync (self);
  add_danger (self);
  return GTK_WIDGET (self);
}

/* outpost-window-auto.c: the window's side of automatic synchronization (issue 6).
 *
 * The context's OutpostScheduler decides when a sync is due; the window runs the syncs it
 * requests, tells it about saves, shows why automatic sync is blocked (or that a sync is
 * needed) under the sync state in the sidebar, binds the "Work Offline" toggle to the
 * work-offline setting and asks the user when the scheduler wants an answer. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-window-private.h"

static void
update_auto_status (OutpostWindow *self)
{
  const char *reason = outpost_scheduler_get_blocked_reason (self->scheduler);
  gboolean warn = outpost_scheduler_get_sync_needed_warning (self->scheduler);
  g_autofree char *text = NULL;

  /* the warning (a sync is due and cannot run by itself) first, then why */
  if (warn && reason != NULL)
    text = g_strdup_printf ("%s\n%s", _("Please synchronize: a synchronization is due."), reason);
  else if (warn)
    text = g_strdup (_("Please synchronize: a synchronization is due."));
  else if (reason != NULL)
    text = g_strdup (reason);
  gtk_label_set_text (self->auto_status_label, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->auto_status_label), text);
  gtk_widget_set_visible (GTK_WIDGET (self->auto_status_label), text != NULL);
}

static void
sync_requested (OutpostScheduler *scheduler, gint kind, gint trigger, OutpostWindow *self)
{
  g_debug ("automatic sync (%s)", outpost_sync_trigger_to_string ((OutpostSyncTrigger) trigger));
  outpost_window_sync_kind (self, (OutpostSyncKind) kind, NULL, FALSE);
}

static void
ask_response (AdwMessageDialog *dialog, const char *response, OutpostWindow *self)
{
  self->ask_dialog = NULL;
  if (self->scheduler != NULL)
    outpost_scheduler_reply (self->scheduler, g_strcmp0 (response, "sync") == 0);
}

static void
ask_user_to_sync (OutpostScheduler *scheduler, gboolean going_online, OutpostWindow *self)
{
  GtkWidget *dialog;

  if (self->ask_dialog != NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   going_online ? _("Back Online") : _("Going Offline"),
                                   going_online
                                   ? _("The server can be reached again. Synchronize your changes now?")
                                   : _("Synchronize your changes before working offline?"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "later", _("_Not Now"),
                                    "sync", _("_Synchronize"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sync",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sync");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");
  g_signal_connect_object (dialog, "response", G_CALLBACK (ask_response), self, 0);
  self->ask_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
outpost_window_auto_attach (OutpostWindow *self)
{
  GSettings *settings = outpost_context_get_settings (self->context);

  OutpostAccount *account = outpost_context_get_account (self->context);

  self->scheduler = g_object_ref (outpost_context_get_scheduler (self->context));
  /* a password typed at sign-in is for the first sync only: automatic sync needs a saved one
   * (a sync without one asks for it, see outpost-window-sync.c) */
  outpost_scheduler_set_credentials_saved (self->scheduler,
                                           outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_BASIC
                                           || outpost_account_get_password_saved (account));
  g_signal_connect_object (self->scheduler, "sync-requested", G_CALLBACK (sync_requested), self, 0);
  g_signal_connect_object (self->scheduler, "ask-user-to-sync", G_CALLBACK (ask_user_to_sync), self, 0);
  g_signal_connect_object (self->scheduler, "notify::blocked-reason",
                           G_CALLBACK (update_auto_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scheduler, "notify::sync-needed-warning",
                           G_CALLBACK (update_auto_status), self, G_CONNECT_SWAPPED);
  g_settings_bind (settings, "work-offline", self->work_offline_button, "active", G_SETTINGS_BIND_DEFAULT);
  update_auto_status (self);
  outpost_scheduler_start (self->scheduler);
}

void
outpost_window_auto_detach (OutpostWindow *self)
{
  if (self->scheduler == NULL)
    return;
  g_settings_unbind (self->work_offline_button, "active");
  g_signal_handlers_disconnect_by_data (self->scheduler, self);
  if (self->ask_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->ask_dialog));
  self->ask_dialog = NULL;
  g_clear_object (&self->scheduler);
}

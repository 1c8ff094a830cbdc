/* outpost-window-sync.c: synchronization as the window shows it: the Sync button, progress
 * in the header or in a modal dialog (foreground mode), the sync state indicator, refreshes
 * when the sync changed rows, and notifications when the window is not looked at. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "outpost-issues-window.h"
#include "outpost-log-window.h"
#include "outpost-password-prompt.h"
#include "outpost-secrets.h"
#include "outpost-setup-window.h"
#include "outpost-sign-in-prompt.h"
#include "outpost-store-jobs.h"
#include "outpost-sync-error.h"
#include "outpost-window-private.h"

void outpost_window_class_init_sync (GtkWidgetClass *widget_class);

#define PROMPT_KEY "outpost-password-prompt"
/* The device code whose sign-in a sync used already (sync-login: each sync signs in anew). */
#define USED_CODE_KEY "outpost-sign-in-used"

static gboolean
engine_running (OutpostWindow *self)
{
  return self->context != NULL && outpost_sync_engine_get_running (outpost_context_get_engine (self->context));
}

/* The sidebar's one line about the account's sync: what is true now, most urgent first (audit
 * 4 #9: it said "All changes synced" after failed syncs and never named conflicts). The line is
 * short (the sidebar keeps its width); the tooltip and accessible label hold the whole story. */
static char *
issues_text (OutpostWindow *self)
{
  gint64 all = self->conflicts + self->sync_errors;

  if (self->sync_errors == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " conflict to resolve",
                                         "%" PRId64 " conflicts to resolve", (gulong) all), all);
  if (self->conflicts == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " sync error to resolve",
                                         "%" PRId64 " sync errors to resolve", (gulong) all), all);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " sync issue to resolve",
                                       "%" PRId64 " sync issues to resolve", (gulong) all), all);
}

static char *
unsynced_text (OutpostWindow *self)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " unsynced change",
                                       "%" PRId64 " unsynced changes", (gulong) self->unsynced),
                          self->unsynced);
}

void
outpost_window_update_sync_state (OutpostWindow *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) tip = g_string_new (NULL);
  const char *icon = "emblem-ok-symbolic";

  if (engine_running (self))
    {
      text = g_strdup (_("Synchronizing…"));
      icon = "emblem-synchronizing-symbolic";
    }
  else if (self->last_sync_error != NULL)
    {
      text = g_strdup (_("Last sync failed"));
      g_string_append_printf (tip, _("The last synchronization failed: %s"), self->last_sync_error);
      icon = "dialog-warning-symbolic";
    }
  else if (self->conflicts + self->sync_errors > 0)
    {
      text = issues_text (self);
      icon = "dialog-warning-symbolic";
    }
  else if (self->unsynced > 0)
    {
      text = unsynced_text (self);
      icon = "document-edit-symbolic";
    }
  else
    text = g_strdup (_("All changes synced"));
  if (tip->len == 0)
    g_string_append (tip, text);
  if (self->conflicts + self->sync_errors > 0 && self->last_sync_error != NULL)
    {
      g_autofree char *issues = issues_text (self);

      g_string_append_printf (tip, "\n%s", issues);
    }
  if (self->unsynced > 0 && (self->last_sync_error != NULL || self->conflicts + self->sync_errors > 0))
    {
      g_autofree char *unsynced = unsynced_text (self);

      g_string_append_printf (tip, "\n%s", unsynced);
    }
  gtk_label_set_text (self->sync_state_label, text);
  gtk_image_set_from_icon_name (self->sync_state_icon, icon);
  gtk_widget_set_tooltip_text (self->sync_state_button, tip->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_state_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip->str, -1);
}

static void
issues_counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = outpost_jobs_finish (result, &error);

  if (lists == NULL)
    {
      g_warning ("Could not count sync issues: %s", error->message);
      return;
    }
  if (self->context == NULL || lists->len < 2)
    return;
  self->sync_errors = ((GPtrArray *) g_ptr_array_index (lists, 0))->len;
  self->conflicts = ((GPtrArray *) g_ptr_array_index (lists, 1))->len;
  outpost_window_update_sync_state (self);
}

/* Conflicts and sync errors, counted with the records (after saves and syncs). */
void
outpost_window_count_issues (OutpostWindow *self)
{
  if (self->context == NULL)
    return;
  outpost_jobs_list_issues (outpost_context_get_client (self->context), issues_counted, g_object_ref (self));
}

/* ---- progress ------------------------------------------------------------------------------ */

static char *
progress_text (OutpostWindow *self, const OutpostSyncProgress *p)
{
  OutpostEntity *entity = p->entity != NULL
                          ? outpost_profile_lookup_entity (outpost_context_get_profile (self->context), p->entity)
                          : NULL;
  const char *name = entity != NULL ? entity->display_plural : p->entity;

  switch (p->phase)
    {
    case OUTPOST_SYNC_PHASE_CONNECT:
      return g_strdup (_("Connecting…"));
    case OUTPOST_SYNC_PHASE_UPLOAD:
      return g_strdup_printf (_("Uploading changes: %" PRId64 " of %" PRId64),
                              p->done, MAX (p->total, p->done));
    case OUTPOST_SYNC_PHASE_DOWNLOAD:
      /* the engine may report a download before it names the entity or counts a record
       * (audit 4 #15 saw "Downloading : 0") */
      if (name == NULL || *name == '\0')
        return p->done > 0
          ? g_strdup_printf (_("Downloading records: %" PRId64), p->done)
          : g_strdup (_("Downloading records…"));
      if (p->total > 0)
        return g_strdup_printf (_("Downloading %s: %" PRId64 " of %" PRId64), name, p->done, p->total);
      if (p->done > 0)
        return g_strdup_printf (_("Downloading %s: %" PRId64), name, p->done);
      /* TRANSLATORS: %s is the plural display name, e.g. "Downloading Accounts…" */
      return g_strdup_printf (_("Downloading %s…"), name);
    case OUTPOST_SYNC_PHASE_DONE:
    default:
      return g_strdup (_("Finishing…"));
    }
}

/* Without a total, only the foreground dialog (the user waits and watches it) pulses: a pulsing
 * bar is redrawn every frame, and during a background sync those redraws compete with the user's
 * own work (a bench-ui A/B without the pulse drew 54 frames instead of 164 during a 100k sync).
 * The header bar's bar keeps its fraction and the label says what is happening. */
static void
set_progress (GtkProgressBar *bar, const OutpostSyncProgress *p, gboolean may_pulse)
{
  if (p->total > 0)
    gtk_progress_bar_set_fraction (bar, CLAMP ((gdouble) p->done / (gdouble) p->total, 0.0, 1.0));
  else if (may_pulse)
    gtk_progress_bar_pulse (bar);
}

static void
engine_progress (OutpostSyncEngine *engine, const OutpostSyncProgress *p, OutpostWindow *self)
{
  g_autofree char *text = progress_text (self, p);

  gtk_label_set_text (self->progress_label, text);
  set_progress (self->progress_bar, p, FALSE);
  if (self->sync_dialog != NULL)
    {
      gtk_label_set_text (self->sync_dialog_label, text);
      set_progress (self->sync_dialog_bar, p, TRUE);
    }
}

static gboolean
refresh_timeout (gpointer data)
{
  OutpostWindow *self = data;

  self->refresh_source = 0;
  outpost_window_refresh_list (self);
  if (self->form != NULL)
    outpost_record_form_reload (self->form);
  return G_SOURCE_REMOVE;
}

/* Many pages arrive in a second: refresh at most a few times a second. */
static void
engine_records_changed (OutpostSyncEngine *engine, const char *entity, OutpostWindow *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (400, refresh_timeout, self);
}

static void
engine_running_changed (OutpostWindow *self)
{
  gboolean running = engine_running (self);

  gtk_revealer_set_reveal_child (self->progress_revealer, running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-sync", running);
  if (running)
    {
      gtk_label_set_text (self->progress_label, _("Connecting…"));
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
    }
  outpost_window_update_sync_state (self);
}

void
outpost_window_sync_attach (OutpostWindow *self)
{
  OutpostSyncEngine *engine = outpost_context_get_engine (self->context);

  self->engine_handlers[0] = g_signal_connect (engine, "progress", G_CALLBACK (engine_progress), self);
  self->engine_handlers[1] = g_signal_connect (engine, "records-changed",
                                               G_CALLBACK (engine_records_changed), self);
  self->engine_handlers[2] = g_signal_connect_swapped (engine, "notify::running",
                                                       G_CALLBACK (engine_running_changed), self);
  engine_running_changed (self);
}

void
outpost_window_sync_detach (OutpostWindow *self)
{
  OutpostSyncEngine *engine = outpost_context_get_engine (self->context);

  for (guint i = 0; i < G_N_ELEMENTS (self->engine_handlers); i++)
    g_clear_signal_handler (&self->engine_handlers[i], engine);
  g_cancellable_cancel (self->sync_cancellable);
  /* another account (or none) from now on: its password prompt goes with it */
  g_object_set_data (G_OBJECT (self), PROMPT_KEY, NULL);
  g_object_set_data (G_OBJECT (self), USED_CODE_KEY, NULL);
}

/* ---- foreground dialog -------------------------------------------------------------------- */

static void
sync_dialog_response (AdwMessageDialog *dialog, const char *response, OutpostWindow *self)
{
  if (g_strcmp0 (response, "cancel") == 0)
    g_cancellable_cancel (self->sync_cancellable);
}

static void
open_sync_dialog (OutpostWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Synchronizing"),
                                              _("Your records are being synchronized with the server."));

  self->sync_dialog_label = GTK_LABEL (gtk_label_new (_("Connecting…")));
  gtk_label_set_ellipsize (self->sync_dialog_label, PANGO_ELLIPSIZE_END);
  self->sync_dialog_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_dialog_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Synchronization Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sync_dialog_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sync_dialog_bar));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (sync_dialog_response), self);
  self->sync_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->sync_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_sync_dialog (OutpostWindow *self)
{
  if (self->sync_dialog == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->sync_dialog, sync_dialog_response, self);
  gtk_window_destroy (GTK_WINDOW (self->sync_dialog));
}

/* ---- the password asked for at a sync ------------------------------------------------------ */

/* What the running sync is, for asking for the password and running it again. */
#define RUN_KEY "outpost-sync-run"

typedef struct {
  OutpostSyncKind kind;
  char          **entities;
} SyncRun;

static void
sync_run_free (SyncRun *run)
{
  g_strfreev (run->entities);
  g_free (run);
}


/* A sync that needed the password (basic sign-in, with sync-login on or no remembered
 * password): what to run, from the prompt until the run is over. Kept as window data
 * (PROMPT_KEY). */

typedef struct {
  OutpostWindow   *window;
  OutpostSyncKind  kind;
  char           **entities;
  GtkWidget       *dialog;     /* the prompt shown now, or NULL while the sync runs */
  char            *password;   /* typed at this sync; kept until the run ends (to remember it) */
  gboolean         remember;
  gboolean         running;    /* the sync with the typed password runs */
} PromptedSync;

static void
prompted_sync_free (PromptedSync *p)
{
  if (p->dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (p->dialog), (gpointer *) &p->dialog);
      gtk_window_destroy (GTK_WINDOW (p->dialog));
    }
  g_strfreev (p->entities);
  outpost_secrets_free (p->password);
  g_free (p);
}

static PromptedSync *
prompted_sync (OutpostWindow *self)
{
  return g_object_get_data (G_OBJECT (self), PROMPT_KEY);
}

static OutpostAuthProvider *
account_auth (OutpostWindow *self)
{
  return outpost_account_get_auth (outpost_context_get_account (self->context));
}

/* The password must be asked for when the account asks for it at every sync (or has none
 * saved) and none is held for this run, e.g. the one typed at sign-in for the first sync. */
static gboolean
needs_password (OutpostWindow *self)
{
  OutpostAccount *account = outpost_context_get_account (self->context);

  return outpost_account_asks_password (account, outpost_context_get_settings (self->context))
         && account_auth (self) != NULL && !outpost_auth_basic_has_password (account_auth (self));
}

static void run_sync (OutpostWindow *self, OutpostSyncKind kind, const char * const *entities,
                      gboolean foreground);
static gboolean foreground_mode (OutpostWindow *self);

static void
prompt_answered (const char *password, gboolean remember, gpointer user_data)
{
  PromptedSync *p = user_data;
  OutpostWindow *self = p->window;
  g_autoptr(GError) cancelled = NULL;

  if (p->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (p->dialog), (gpointer *) &p->dialog);
  p->dialog = NULL;   /* it goes once answered */
  if (password == NULL)
    {
      /* nothing ran (or the run ended): the scheduler sees a cancel, which pauses nothing */
      cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      outpost_scheduler_sync_finished (outpost_context_get_scheduler (self->context), NULL, cancelled);
      outpost_window_toast (self, _("Synchronization cancelled"));
      g_object_set_data (G_OBJECT (self), PROMPT_KEY, NULL);
      return;
    }
  outpost_secrets_free (p->password);
  p->password = g_strdup (password);
  p->remember = remember;
  p->running = TRUE;
  outpost_auth_basic_set_password (account_auth (self), password);
  run_sync (self, p->kind, (const char * const *) p->entities, TRUE);
}

static void
ask_password (OutpostWindow *self, PromptedSync *p, const char *problem)
{
  OutpostAccount *account = outpost_context_get_account (self->context);

  p->running = FALSE;
  p->dialog = outpost_password_prompt_show (GTK_WINDOW (self), outpost_account_get_name (account),
                                            outpost_account_get_user (account),
                                            outpost_account_get_url (account), problem,
                                            p->remember, prompt_answered, p);
  g_object_add_weak_pointer (G_OBJECT (p->dialog), (gpointer *) &p->dialog);
}

static PromptedSync *
new_prompted (OutpostWindow *self, OutpostSyncKind kind, const char * const *entities)
{
  PromptedSync *p = g_new0 (PromptedSync, 1);

  p->window = self;
  p->kind = kind;
  p->entities = g_strdupv ((char **) entities);
  /* a remembered password the server refused: the new one is remembered too unless unticked */
  p->remember = outpost_account_get_password_saved (outpost_context_get_account (self->context));
  g_object_set_data_full (G_OBJECT (self), PROMPT_KEY, p, (GDestroyNotify) prompted_sync_free);
  return p;
}

static gboolean
refused (const GError *error)
{
  return g_error_matches (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH)
         || g_error_matches (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_REFUSED)
         || g_error_matches (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_NEEDS_PASSWORD);
}

/* After a run of a basic account: the server refused the password (or none was there) —
 * ask (again), saying so; TRUE when the window asks and the run's end is not reported yet. */
static gboolean
ask_again_if_refused (OutpostWindow *self, const GError *error)
{
  OutpostAccount *account = outpost_context_get_account (self->context);
  PromptedSync *p = prompted_sync (self);
  SyncRun *run = g_object_get_data (G_OBJECT (self), RUN_KEY);
  g_autofree char *problem = NULL;

  if (outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_BASIC || !refused (error))
    return FALSE;
  outpost_auth_basic_set_password (account_auth (self), NULL);
  if (p == NULL)
    p = new_prompted (self, run != NULL ? run->kind : OUTPOST_SYNC_INCREMENTAL,
                      run != NULL ? (const char * const *) run->entities : NULL);
  if (g_error_matches (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_NEEDS_PASSWORD))
    problem = g_strdup (_("No password is saved for this account."));
  else if (p->password != NULL)
    problem = g_strdup (_("The server did not accept the password. Check it and try again."));
  else
    problem = g_strdup (_("The server did not accept the saved password. Enter the current one."));
  ask_password (self, p, problem);
  return TRUE;
}

/* ---- the Microsoft sign-in asked for at a sync (sync-login) --------------------------------- */

/* With sync-login on, a device code account signs in before each sync: "credentials are asked
 * for at every sync". The sign-in made just before (the welcome page's) counts for the first. */
static gboolean
needs_sign_in (OutpostWindow *self)
{
  OutpostAccount *account = outpost_context_get_account (self->context);
  OutpostAuthProvider *auth = account_auth (self);
  const char *code;

  if (outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_DEVICE_CODE
      || !g_settings_get_boolean (outpost_context_get_settings (self->context), "sync-login")
      || auth == NULL || !OUTPOST_IS_DEVICE_CODE (auth))
    return FALSE;
  code = outpost_device_code_get_user_code (OUTPOST_DEVICE_CODE (auth));
  return code == NULL || g_strcmp0 (code, g_object_get_data (G_OBJECT (self), USED_CODE_KEY)) == 0;
}

static void
note_sign_in_used (OutpostWindow *self)
{
  OutpostAuthProvider *auth = account_auth (self);

  if (auth != NULL && OUTPOST_IS_DEVICE_CODE (auth))
    g_object_set_data_full (G_OBJECT (self), USED_CODE_KEY,
                            g_strdup (outpost_device_code_get_user_code (OUTPOST_DEVICE_CODE (auth))), g_free);
}

static void
signed_in_for_sync (const GError *error, gpointer user_data)
{
  PromptedSync *p = user_data;
  OutpostWindow *self = p->window;
  g_autoptr(GError) cancelled = NULL;
  g_autofree char *msg = NULL;

  if (p->dialog != NULL)   /* the prompt destroyed its window already */
    g_object_remove_weak_pointer (G_OBJECT (p->dialog), (gpointer *) &p->dialog);
  p->dialog = NULL;
  if (error == NULL)
    {
      p->running = TRUE;
      run_sync (self, p->kind, (const char * const *) p->entities, TRUE);
      return;
    }
  /* not signed in: no sync ran, so nothing pauses automatic sync */
  cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  outpost_scheduler_sync_finished (outpost_context_get_scheduler (self->context), NULL, cancelled);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    outpost_window_toast (self, _("Synchronization cancelled"));
  else
    {
      msg = g_strdup_printf (_("Not synchronized: %s"), error->message);
      outpost_window_toast (self, msg);
    }
  g_object_set_data (G_OBJECT (self), PROMPT_KEY, NULL);
}

static void
sign_in_for_sync (OutpostWindow *self, PromptedSync *p)
{
  OutpostAccount *account = outpost_context_get_account (self->context);

  p->dialog = outpost_sign_in_prompt_show (GTK_WINDOW (self), outpost_account_get_name (account),
                                           OUTPOST_DEVICE_CODE (account_auth (self)),
                                           signed_in_for_sync, p);
  g_object_add_weak_pointer (G_OBJECT (p->dialog), (gpointer *) &p->dialog);
}

/* Saved in the keyring: the account says so (never the password) and automatic sync may use it. */
static void
remembered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostWindow *self = OUTPOST_WINDOW (source);
  g_autoptr(OutpostContext) context = user_data;
  OutpostAccount *account = outpost_context_get_account (context);
  g_autoptr(GError) error = NULL;

  if (!outpost_secrets_store_finish (result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("The password could not be saved in the keyring: %s"),
                                              error->message);
      outpost_window_toast (self, msg);
      return;
    }
  outpost_account_set_password_saved (account, TRUE);
  if (!outpost_account_save (account, FALSE, &error))
    outpost_window_toast (self, error->message);
  outpost_scheduler_set_credentials_saved (outpost_context_get_scheduler (context), TRUE);
}

static void
remember_password (OutpostWindow *self, const char *password)
{
  /* the context travels with the call: the window may get another one meanwhile */
  outpost_secrets_store_async (self, outpost_account_get_name (outpost_context_get_account (self->context)),
                               OUTPOST_SECRET_PASSWORD, password, NULL, remembered,
                               g_object_ref (self->context));
}

/* The run is over (not refused): remember the password when asked to, and forget it here
 * when each sync asks for it. */
static void
end_prompted (OutpostWindow *self, gboolean succeeded)
{
  PromptedSync *p = prompted_sync (self);

  if (p != NULL && p->remember && p->password != NULL && succeeded)
    remember_password (self, p->password);
  if (outpost_account_asks_password (outpost_context_get_account (self->context),
                                     outpost_context_get_settings (self->context)))
    outpost_auth_basic_set_password (account_auth (self), NULL);
  g_object_set_data (G_OBJECT (self), PROMPT_KEY, NULL);
}

/* ---- running ------------------------------------------------------------------------------ */

static void
notify_user (OutpostWindow *self, const char *id, const char *title, const char *body)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (app, id, notification);
}

/* The records' counts, then ", 2 links added" / ", 1 link removed" when some N:N links changed
 * (links are not records: the counts leave them out, and a sync that only linked a contact to
 * an account would read "0 downloaded"). */
static char *
result_summary (OutpostSyncResult *result)
{
  /* TRANSLATORS: between the parts of "Synchronized: 0 downloaded, 0 uploaded, 2 links added" */
  const char *separator = C_("sync summary", ", ");
  GString *text = g_string_new (NULL);

  g_string_printf (text, _("Synchronized: %" PRId64 " downloaded, %" PRId64 " uploaded"),
                   result->downloaded, result->uploaded);
  if (result->links_added > 0)
    {
      g_string_append (text, separator);
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " link added",
                                                 "%" PRId64 " links added", (gulong) result->links_added),
                              result->links_added);
    }
  if (result->links_removed > 0)
    {
      g_string_append (text, separator);
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " link removed",
                                                 "%" PRId64 " links removed", (gulong) result->links_removed),
                              result->links_removed);
    }
  return g_string_free (text, FALSE);
}

static void
report_result (OutpostWindow *self, OutpostSyncResult *result)
{
  g_autofree char *text = NULL;

  if (result->manual_conflicts > 0 || result->errors > 0)
    {
      /* two plurals: "1 conflict and 3 errors" */
      g_autofree char *conflicts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " conflict",
                                                                 "%" PRId64 " conflicts",
                                                                 (gulong) result->manual_conflicts),
                                                    result->manual_conflicts);
      g_autofree char *errors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " error",
                                                              "%" PRId64 " errors", (gulong) result->errors),
                                                 result->errors);
      /* TRANSLATORS: the first %s is "N conflicts", the second "N errors" */
      text = g_strdup_printf (_("Synchronized with %s and %s"), conflicts, errors);
      notify_user (self, "sync-issues", _("Synchronization needs your attention"), text);
    }
  else
    {
      text = result_summary (result);
      notify_user (self, "sync-done", _("Synchronization finished"), text);
    }
  outpost_window_toast_result (self, text);
}

/* The engine reports a cancel as OUTPOST_SYNC_ERROR_CANCELLED ("Synchronization was
 * cancelled"); a GIO cancel may still come from a step before it. Both read as a cancel, not a
 * failure (audit 4 #12). */
static gboolean
is_cancel (const GError *error)
{
  return g_error_matches (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
sync_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(OutpostWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) result = outpost_sync_engine_run_finish (OUTPOST_SYNC_ENGINE (source),
                                                                        res, &error);

  close_sync_dialog (self);
  g_clear_object (&self->sync_cancellable);
  if (self->context != NULL && result == NULL
      && ask_again_if_refused (self, error))
    return;   /* the run ends when the password is accepted or the prompt cancelled */
  if (self->context != NULL)
    {
      end_prompted (self, result != NULL);
      outpost_scheduler_sync_finished (outpost_context_get_scheduler (self->context), result, error);
    }
  if (result != NULL || !is_cancel (error))
    {
      g_free (self->last_sync_error);
      self->last_sync_error = result == NULL ? g_strdup (error->message) : NULL;
    }
  if (result == NULL)
    {
      if (is_cancel (error))
        outpost_window_toast (self, _("Synchronization cancelled"));
      else
        {
          g_autofree char *msg = g_strdup_printf (_("Synchronization failed: %s"), error->message);

          outpost_window_toast (self, msg);
          notify_user (self, "sync-failed", _("Synchronization failed"), error->message);
        }
    }
  else
    report_result (self, result);
  if (self->context != NULL)
    {
      g_clear_handle_id (&self->refresh_source, g_source_remove);
      refresh_timeout (self);
    }
}

static gboolean
foreground_mode (OutpostWindow *self)
{
  GSettings *settings = outpost_context_get_settings (self->context);

  return g_settings_get_boolean (settings, "sync-login")
         || !g_settings_get_boolean (settings, "background-sync");
}

void
outpost_window_sync (OutpostWindow *self, const char * const *entities)
{
  outpost_window_sync_full (self, entities, FALSE);
}

void
outpost_window_sync_full (OutpostWindow *self, const char * const *entities, gboolean foreground)
{
  outpost_window_sync_kind (self, entities != NULL ? OUTPOST_SYNC_ENTITIES : OUTPOST_SYNC_INCREMENTAL,
                            entities, foreground);
}

static void
run_sync (OutpostWindow *self, OutpostSyncKind kind, const char * const *entities, gboolean foreground)
{
  GSettings *settings = outpost_context_get_settings (self->context);
  OutpostSyncOptions options = { 0 };
  SyncRun *run = g_new0 (SyncRun, 1);

  run->kind = kind;
  run->entities = g_strdupv ((char **) entities);
  g_object_set_data_full (G_OBJECT (self), RUN_KEY, run, (GDestroyNotify) sync_run_free);
  note_sign_in_used (self);
  options.kind = kind;
  options.entities = (const char * const *) run->entities;
  options.max_connections = (guint) g_settings_get_int (settings, "download-connections");
  options.batch_size = (guint) g_settings_get_int (settings, "upload-batch-size");
  self->sync_cancellable = g_cancellable_new ();
  if (foreground || foreground_mode (self))
    open_sync_dialog (self);
  else
    options.background = TRUE;
  outpost_sync_engine_run_async (outpost_context_get_engine (self->context), &options,
                                 self->sync_cancellable, sync_done, g_object_ref (self));
  /* manual or automatic, the scheduler counts it (it disarms its timers) */
  outpost_scheduler_sync_started (outpost_context_get_scheduler (self->context));
}

void
outpost_window_sync_kind (OutpostWindow *self, OutpostSyncKind kind, const char * const *entities,
                          gboolean foreground)
{
  PromptedSync *p;

  g_return_if_fail (OUTPOST_IS_WINDOW (self));
  if (self->context == NULL || engine_running (self))
    return;
  if ((p = prompted_sync (self)) != NULL)
    {
      /* already asking: one prompt, one sync */
      if (p->dialog != NULL)
        gtk_window_present (GTK_WINDOW (p->dialog));
      return;
    }
  if (needs_password (self) || needs_sign_in (self))
    {
      /* the scheduler counts the sync from the prompt on: nothing else starts meanwhile */
      outpost_scheduler_sync_started (outpost_context_get_scheduler (self->context));
      p = new_prompted (self, kind, entities);
      if (needs_sign_in (self))
        sign_in_for_sync (self, p);
      else
        ask_password (self, p, NULL);
      return;
    }
  run_sync (self, kind, entities, foreground);
}

/* ---- actions ------------------------------------------------------------------------------ */

static void
cancel_sync_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_cancellable_cancel (OUTPOST_WINDOW (widget)->sync_cancellable);
}

static void
show_issues_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  GtkWidget *issues;

  if (self->context == NULL)
    return;
  issues = outpost_issues_window_new (GTK_WINDOW (self), self->context);
  /* what was resolved there (a record taken from the server, removed when the server had it no
   * more) shows in the list, the sidebar's sync state and counts once it closes */
  g_signal_connect_object (issues, "destroy", G_CALLBACK (outpost_window_refresh_list), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (issues));
}

static void
show_log_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  if (self->context != NULL)
    gtk_window_present (GTK_WINDOW (outpost_log_window_new (GTK_WINDOW (self), self->context)));
}

static void
show_setup_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  if (self->context != NULL)
    gtk_window_present (GTK_WINDOW (outpost_setup_window_new (self, self->context)));
}

void
outpost_window_class_init_sync (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.cancel-sync", NULL, cancel_sync_action);
  gtk_widget_class_install_action (widget_class, "win.show-issues", NULL, show_issues_action);
  gtk_widget_class_install_action (widget_class, "win.show-log", NULL, show_log_action);
  gtk_widget_class_install_action (widget_class, "win.show-setup", NULL, show_setup_action);
}

/* outpost-password-prompt.c: the password dialog of a sync (see the header). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "outpost-password-prompt.h"

typedef struct {
  OutpostPasswordPromptDone done;
  gpointer                  user_data;
  GtkEditable              *entry;
  GtkCheckButton           *remember;
} Prompt;

static void
entry_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "sync", *gtk_editable_get_text (entry) != '\0');
}

static void
entry_activated (GtkEditable *entry, AdwMessageDialog *dialog)
{
  /* as the Synchronize button would: answer, then go (a response emitted by hand does not
   * close the dialog) */
  if (*gtk_editable_get_text (entry) != '\0')
    {
      adw_message_dialog_response (dialog, "sync");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

static void
prompt_response (AdwMessageDialog *dialog, const char *response, Prompt *prompt)
{
  char *password = NULL;

  if (g_strcmp0 (response, "sync") == 0)
    password = g_strdup (gtk_editable_get_text (prompt->entry));
  /* the entry's own buffer is non-pageable and wiped when cleared */
  gtk_editable_set_text (prompt->entry, "");
  prompt->done (password, gtk_check_button_get_active (prompt->remember), prompt->user_data);
  if (password != NULL)
    {
      explicit_bzero (password, strlen (password));
      g_free (password);
    }
}

static GtkWidget *
prompt_body (Prompt *prompt, const char *problem, gboolean remember)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *entry = gtk_password_entry_new ();
  GtkWidget *check = gtk_check_button_new_with_mnemonic (_("_Remember Password"));

  if (problem != NULL)
    {
      GtkWidget *label = gtk_label_new (problem);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
      gtk_widget_add_css_class (label, "error");
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Password"), -1);
  gtk_widget_set_tooltip_text (check, _("Keep the password in the keyring so that automatic "
                                        "synchronization can use it"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), remember);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), check);
  prompt->entry = GTK_EDITABLE (entry);
  prompt->remember = GTK_CHECK_BUTTON (check);
  return box;
}

GtkWidget *
outpost_password_prompt_show (GtkWindow *parent, const char *account, const char *user,
                              const char *server, const char *problem, gboolean remember,
                              OutpostPasswordPromptDone done, gpointer user_data)
{
  Prompt *prompt = g_new0 (Prompt, 1);
  g_autofree char *heading = g_strdup_printf (_("Password for “%s”"), account);
  g_autofree char *body = g_strdup_printf (_("Synchronizing needs the password of %s on %s. "
                                             "It is used for this synchronization only unless "
                                             "you choose to remember it."),
                                           user != NULL ? user : "", server);
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  prompt->done = done;
  prompt->user_data = user_data;
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), prompt_body (prompt, problem, remember));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sync", _("_Synchronize"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sync", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sync");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "sync", FALSE);
  g_signal_connect (prompt->entry, "changed", G_CALLBACK (entry_changed), dialog);
  g_signal_connect (prompt->entry, "activate", G_CALLBACK (entry_activated), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (prompt_response), prompt,
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (prompt->entry));
  return dialog;
}

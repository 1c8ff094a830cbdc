/* outpost-sign-in-prompt.c: the Microsoft sign-in of a sync (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-sign-in-code.h"
#include "outpost-sign-in-prompt.h"

/* Lives until the flow's callback, which always comes (cancelled or not). */
typedef struct {
  OutpostSignInPromptDone done;
  gpointer                user_data;
  GtkWidget              *window;      /* NULL once destroyed */
  OutpostSignInCode      *code;
  OutpostDeviceCode      *device_code;
  GCancellable           *cancellable;
  gulong                  user_code_id;
} Prompt;

static void
prompt_free (Prompt *p)
{
  g_clear_signal_handler (&p->user_code_id, p->device_code);
  g_object_unref (p->device_code);
  g_object_unref (p->cancellable);
  g_free (p);
}

static void
user_code (OutpostDeviceCode *dc, const char *code, const char *uri, const char *message,
           int expires_in, Prompt *p)
{
  if (p->window != NULL)
    outpost_sign_in_code_show (p->code, code, uri, expires_in);
}

static void
window_destroyed (GtkWidget *window, Prompt *p)
{
  p->window = NULL;
  g_cancellable_cancel (p->cancellable);
}

static gboolean
close_requested (GtkWindow *window, Prompt *p)
{
  g_cancellable_cancel (p->cancellable);   /* the callback closes it */
  return TRUE;
}

static void
code_cancelled (Prompt *p)
{
  g_cancellable_cancel (p->cancellable);
}

static void
signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Prompt *p = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *window = p->window;

  outpost_device_code_sign_in_finish (OUTPOST_DEVICE_CODE (source), result, &error);
  if (window != NULL)
    {
      if (error == NULL && g_cancellable_is_cancelled (p->cancellable))
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      g_signal_handlers_disconnect_by_data (window, p);
      gtk_window_destroy (GTK_WINDOW (window));
      p->done (error, p->user_data);
    }
  prompt_free (p);
}

static GtkWidget *
prompt_window (GtkWindow *parent, const char *account, Prompt *p)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  g_autofree char *subtitle = g_strdup_printf (_("“%s” asks for your sign-in at every synchronization"),
                                               account);

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (_("Sign In to Synchronize"), subtitle));
  p->code = OUTPOST_SIGN_IN_CODE (outpost_sign_in_code_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (p->code), TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (p->code));
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), _("Sign In to Synchronize"));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 560);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  return window;
}

GtkWidget *
outpost_sign_in_prompt_show (GtkWindow *parent, const char *account, OutpostDeviceCode *device_code,
                             OutpostSignInPromptDone done, gpointer user_data)
{
  Prompt *p = g_new0 (Prompt, 1);

  p->done = done;
  p->user_data = user_data;
  p->device_code = g_object_ref (device_code);
  p->cancellable = g_cancellable_new ();
  p->window = prompt_window (parent, account, p);
  g_signal_connect (p->window, "destroy", G_CALLBACK (window_destroyed), p);
  g_signal_connect (p->window, "close-request", G_CALLBACK (close_requested), p);
  g_signal_connect_swapped (p->code, "cancel", G_CALLBACK (code_cancelled), p);
  p->user_code_id = g_signal_connect (device_code, "user-code", G_CALLBACK (user_code), p);
  outpost_sign_in_code_reset (p->code);
  gtk_window_present (GTK_WINDOW (p->window));
  outpost_device_code_sign_in_async (device_code, p->cancellable, signed_in, p);
  return p->window;
}

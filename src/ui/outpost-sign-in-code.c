/* outpost-sign-in-code.c: shows the device code while the sign-in flow polls on its thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-sign-in-code.h"

struct _OutpostSignInCode
{
  GtkBox         parent_instance;
  GtkLabel      *waiting_label;
  GtkWidget     *code_box;
  GtkLinkButton *uri_button;
  GtkLabel      *code_label;
  GtkLabel      *expiry_label;
  GtkLabel      *status_label;
  GtkWidget     *copy_button;
  GtkWidget     *cancel_button;
  gint64         expires;        /* monotonic µs */
  guint          tick;
};

enum { SIGNAL_CANCEL, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostSignInCode, outpost_sign_in_code, GTK_TYPE_BOX)

static void
copy_clicked (OutpostSignInCode *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  gdk_clipboard_set_text (clipboard, gtk_label_get_text (self->code_label));
}

static void
cancel_clicked (OutpostSignInCode *self)
{
  g_signal_emit (self, signals[SIGNAL_CANCEL], 0);
}

/* A countdown once a second instead of a spinner: a spinner redraws the window every frame,
 * which on a software-rendered display starved the main loop (and the accessibility bus). */
static gboolean
update_expiry (gpointer user_data)
{
  OutpostSignInCode *self = user_data;
  gint64 left = (self->expires - g_get_monotonic_time ()) / G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  if (left <= 0)
    {
      gtk_label_set_text (self->expiry_label, _("The code has expired."));
      self->tick = 0;
      return G_SOURCE_REMOVE;
    }
  text = g_strdup_printf (_("The code expires in %d:%02d."), (int) (left / 60), (int) (left % 60));
  gtk_label_set_text (self->expiry_label, text);
  return G_SOURCE_CONTINUE;
}

void
outpost_sign_in_code_reset (OutpostSignInCode *self)
{
  g_clear_handle_id (&self->tick, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), TRUE);
  gtk_widget_set_visible (self->code_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  gtk_label_set_text (self->code_label, "");
  gtk_widget_set_tooltip_text (self->copy_button, _("Copy the Code"));
}

void
outpost_sign_in_code_show (OutpostSignInCode *self, const char *user_code,
                           const char *verification_uri, int expires_in)
{
  gtk_label_set_text (self->code_label, user_code);
  gtk_link_button_set_uri (self->uri_button, verification_uri);
  gtk_button_set_label (GTK_BUTTON (self->uri_button), verification_uri);
  self->expires = g_get_monotonic_time () + (gint64) expires_in * G_USEC_PER_SEC;
  g_clear_handle_id (&self->tick, g_source_remove);
  update_expiry (self);
  self->tick = g_timeout_add_seconds (1, update_expiry, self);
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), FALSE);
  gtk_widget_set_visible (self->code_box, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
  gtk_widget_grab_focus (self->copy_button);
}

static void
outpost_sign_in_code_dispose (GObject *object)
{
  g_clear_handle_id (&OUTPOST_SIGN_IN_CODE (object)->tick, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_SIGN_IN_CODE);
  G_OBJECT_CLASS (outpost_sign_in_code_parent_class)->dispose (object);
}

static void
outpost_sign_in_code_class_init (OutpostSignInCodeClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_sign_in_code_dispose;
  signals[SIGNAL_CANCEL] = g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-sign-in-code.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OutpostSignInCode, name)
  BIND (waiting_label); BIND (code_box); BIND (uri_button); BIND (code_label);
  BIND (expiry_label); BIND (status_label); BIND (copy_button); BIND (cancel_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked);
}

static void
outpost_sign_in_code_init (OutpostSignInCode *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
outpost_sign_in_code_new (void)
{
  return g_object_new (OUTPOST_TYPE_SIGN_IN_CODE, NULL);
}

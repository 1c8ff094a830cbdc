/* outpost-welcome-page.c: first run. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-welcome-page.h"

struct _OutpostWelcomePage
{
  GtkBox        parent_instance;
  GtkWidget    *back_button;
  GtkStack     *stack;
  AdwEntryRow  *url_row;
  AdwEntryRow  *name_row;
  AdwComboRow  *auth_row;
  GtkWidget    *password_group;
  GtkWidget    *device_group;
  AdwEntryRow  *user_row;
  GtkEditable  *password_row;
  GtkLabel     *error_label;
  GtkWidget    *connect_button;
};

enum { SIGNAL_DEMO, SIGNAL_SIGN_IN, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostWelcomePage, outpost_welcome_page, GTK_TYPE_BOX)

static gboolean
uses_password (OutpostWelcomePage *self)
{
  return adw_combo_row_get_selected (self->auth_row) == 1;
}

static void
inputs_changed (OutpostWelcomePage *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  gboolean ok = g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://");

  ok = ok && outpost_account_name_is_valid (name);
  if (uses_password (self))
    ok = ok && *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) != '\0';
  gtk_widget_set_visible (self->password_group, uses_password (self));
  gtk_widget_set_visible (self->device_group, !uses_password (self));
  gtk_widget_set_sensitive (self->connect_button, ok);
}

static void
show_sign_in (OutpostWelcomePage *self)
{
  gtk_stack_set_visible_child_name (self->stack, "sign-in");
  gtk_widget_set_visible (self->back_button, TRUE);
  inputs_changed (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
}

static void
back_clicked (OutpostWelcomePage *self)
{
  outpost_welcome_page_reset (self);
}

static void
demo_clicked (OutpostWelcomePage *self)
{
  g_signal_emit (self, signals[SIGNAL_DEMO], 0);
}

static void
connect_clicked (OutpostWelcomePage *self)
{
  OutpostAuthKind kind = uses_password (self) ? OUTPOST_AUTH_KIND_BASIC : OUTPOST_AUTH_KIND_DEVICE_CODE;

  outpost_welcome_page_set_error (self, NULL);
  g_signal_emit (self, signals[SIGNAL_SIGN_IN], 0,
                 gtk_editable_get_text (GTK_EDITABLE (self->name_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->url_row)), (gint) kind,
                 gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                 gtk_editable_get_text (self->password_row));
}

void
outpost_welcome_page_set_error (OutpostWelcomePage *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
outpost_welcome_page_reset (OutpostWelcomePage *self)
{
  gtk_stack_set_visible_child_name (self->stack, "start");
  gtk_widget_set_visible (self->back_button, FALSE);
  gtk_editable_set_text (self->password_row, "");
  outpost_welcome_page_set_error (self, NULL);
}

static void
outpost_welcome_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_WELCOME_PAGE);
  G_OBJECT_CLASS (outpost_welcome_page_parent_class)->dispose (object);
}

static void
outpost_welcome_page_class_init (OutpostWelcomePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_welcome_page_dispose;
  signals[SIGNAL_DEMO] = g_signal_new ("demo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SIGN_IN] = g_signal_new ("sign-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING,
                                          G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, stack);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, url_row);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, auth_row);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, password_group);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, device_group);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, user_row);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, connect_button);
  gtk_widget_class_bind_template_callback (widget_class, show_sign_in);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed);
}

static void
outpost_welcome_page_init (OutpostWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  inputs_changed (self);
}

/* outpost-welcome-page.c: first run: try the demo, or sign in to an organization (the address
 * checked as it is typed; a Microsoft account through the device code flow, shown on the code
 * page while the sign-in flow polls on its thread; or a user name and password). */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-sign-in-code.h"
#include "outpost-sign-in-flow.h"
#include "outpost-welcome-page.h"

struct _OutpostWelcomePage
{
  GtkBox             parent_instance;
  GtkWidget         *back_button;
  GtkStack          *stack;
  AdwEntryRow       *url_row;
  AdwEntryRow       *name_row;
  AdwComboRow       *auth_row;
  GtkWidget         *password_group;
  GtkWidget         *device_group;
  AdwEntryRow       *user_row;
  GtkEditable       *password_row;
  GtkCheckButton    *remember_check;
  GtkLabel          *error_label;
  GtkWidget         *connect_button;
  OutpostSignInCode *code_view;
  OutpostSignInFlow *flow;          /* NULL until settings are given */
};

enum { SIGNAL_DEMO, SIGNAL_SIGNED_IN, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostWelcomePage, outpost_welcome_page, GTK_TYPE_BOX)

static gboolean
uses_password (OutpostWelcomePage *self)
{
  return adw_combo_row_get_selected (self->auth_row) == 1;
}

/* The address is checked as it is typed; the reason shows once something was typed. */
static void
inputs_changed (OutpostWelcomePage *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  g_autofree char *why = NULL;
  gboolean url_ok = outpost_sign_in_flow_check_url (url, &why);
  gboolean ok = url_ok && outpost_account_name_is_valid (name);

  if (uses_password (self))
    ok = ok && *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) != '\0';
  if (url_ok || *url == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");
  outpost_welcome_page_set_error (self, url_ok || *url == '\0' ? NULL : why);
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
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "code") == 0)
    {
      if (self->flow != NULL)
        outpost_sign_in_flow_cancel (self->flow);
      show_sign_in (self);
      return;
    }
  outpost_welcome_page_reset (self);
}

static void
code_cancelled (OutpostWelcomePage *self)
{
  back_clicked (self);
}

static void
demo_clicked (OutpostWelcomePage *self)
{
  g_signal_emit (self, signals[SIGNAL_DEMO], 0);
}

/* ---- the sign-in flow ------------------------------------------------------------------------ */

static void
flow_user_code (OutpostWelcomePage *self, const char *code, const char *uri, int expires_in)
{
  outpost_sign_in_code_show (self->code_view, code, uri, expires_in);
}

/* While the user name and password are tried on the server, Connect says so. */
static void
set_checking (OutpostWelcomePage *self, gboolean checking)
{
  gtk_button_set_label (GTK_BUTTON (self->connect_button), checking ? _("Checking…") : _("_Connect"));
}

static void
flow_signed_in (OutpostWelcomePage *self, OutpostAccount *account, const char *password)
{
  set_checking (self, FALSE);
  /* the page is shown again after a sign-out: it starts afresh, without the old code */
  outpost_sign_in_code_reset (self->code_view);
  outpost_welcome_page_reset (self);
  gtk_widget_set_sensitive (self->connect_button, TRUE);
  g_signal_emit (self, signals[SIGNAL_SIGNED_IN], 0, account, password);
}

static void
flow_failed (OutpostWelcomePage *self, const char *message)
{
  set_checking (self, FALSE);
  show_sign_in (self);
  outpost_welcome_page_set_error (self, message);
}

static void
connect_clicked (OutpostWelcomePage *self)
{
  OutpostAuthKind kind = uses_password (self) ? OUTPOST_AUTH_KIND_BASIC : OUTPOST_AUTH_KIND_DEVICE_CODE;

  g_return_if_fail (self->flow != NULL);
  outpost_welcome_page_set_error (self, NULL);
  if (kind == OUTPOST_AUTH_KIND_DEVICE_CODE)
    {
      outpost_sign_in_code_reset (self->code_view);
      gtk_stack_set_visible_child_name (self->stack, "code");
    }
  else
    {
      gtk_widget_set_sensitive (self->connect_button, FALSE);
      set_checking (self, TRUE);
    }
  outpost_sign_in_flow_start (self->flow,
                              gtk_editable_get_text (GTK_EDITABLE (self->name_row)),
                              gtk_editable_get_text (GTK_EDITABLE (self->url_row)), kind,
                              gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                              gtk_editable_get_text (self->password_row),
                              gtk_check_button_get_active (self->remember_check));
  gtk_editable_set_text (self->password_row, "");
}

void
outpost_welcome_page_set_settings (OutpostWelcomePage *self, GSettings *settings)
{
  g_return_if_fail (OUTPOST_IS_WELCOME_PAGE (self));
  if (self->flow != NULL)
    {
      outpost_sign_in_flow_cancel (self->flow);
      g_signal_handlers_disconnect_by_data (self->flow, self);
      g_clear_object (&self->flow);
    }
  self->flow = outpost_sign_in_flow_new (settings);
  g_signal_connect_swapped (self->flow, "user-code", G_CALLBACK (flow_user_code), self);
  g_signal_connect_swapped (self->flow, "signed-in", G_CALLBACK (flow_signed_in), self);
  g_signal_connect_swapped (self->flow, "failed", G_CALLBACK (flow_failed), self);
}

void
outpost_welcome_page_set_error (OutpostWelcomePage *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
outpost_welcome_page_show_sign_in (OutpostWelcomePage *self)
{
  g_return_if_fail (OUTPOST_IS_WELCOME_PAGE (self));
  show_sign_in (self);
}

void
outpost_welcome_page_reset (OutpostWelcomePage *self)
{
  if (self->flow != NULL)
    outpost_sign_in_flow_cancel (self->flow);
  gtk_stack_set_visible_child_name (self->stack, "start");
  gtk_widget_set_visible (self->back_button, FALSE);
  set_checking (self, FALSE);
  gtk_editable_set_text (self->password_row, "");
  outpost_welcome_page_set_error (self, NULL);
}

static void
outpost_welcome_page_dispose (GObject *object)
{
  OutpostWelcomePage *self = OUTPOST_WELCOME_PAGE (object);

  if (self->flow != NULL)
    {
      outpost_sign_in_flow_cancel (self->flow);
      g_signal_handlers_disconnect_by_data (self->flow, self);
      g_clear_object (&self->flow);
    }
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
  signals[SIGNAL_SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                            OUTPOST_TYPE_ACCOUNT, G_TYPE_STRING);
  g_type_ensure (OUTPOST_TYPE_SIGN_IN_CODE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-welcome-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OutpostWelcomePage, name)
  BIND (back_button); BIND (stack); BIND (url_row); BIND (name_row); BIND (auth_row);
  BIND (password_group); BIND (device_group); BIND (user_row); BIND (password_row);
  BIND (remember_check); BIND (error_label); BIND (connect_button); BIND (code_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, show_sign_in);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed);
  gtk_widget_class_bind_template_callback (widget_class, code_cancelled);
}

static void
outpost_welcome_page_init (OutpostWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  inputs_changed (self);
}

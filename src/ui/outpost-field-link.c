/* outpost-field-link.c: see the header. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "outpost-field-link.h"
#include "outpost-links.h"

#define URI_KEY "outpost-link-uri"
#define FIELD_KEY "outpost-link-field"

typedef struct {
  OutpostLinkFailedFunc failed;
  gpointer              user_data;
} LinkReport;

gboolean
outpost_field_link_applies (OutpostField *field)
{
  return field->format == OUTPOST_FIELD_FORMAT_URL || field->format == OUTPOST_FIELD_FORMAT_EMAIL ||
         field->format == OUTPOST_FIELD_FORMAT_PHONE;
}

static const char *
field_label (OutpostField *field)
{
  return field->label != NULL ? field->label : field->name;
}

/* Adwaita 43's mail-send looks like an upload tray and its legacy web-browser icon is hard to
 * read: an envelope, and libadwaita's own external-link icon (shipped in its resources). */
static const char *
icon_for (OutpostField *field)
{
  switch (field->format)
    {
    case OUTPOST_FIELD_FORMAT_EMAIL:
      return "mail-unread-symbolic";
    case OUTPOST_FIELD_FORMAT_PHONE:
      return "call-start-symbolic";
    default:
      return "adw-external-link-symbolic";
    }
}

static char *
accessible_name (OutpostField *field)
{
  switch (field->format)
    {
    case OUTPOST_FIELD_FORMAT_EMAIL:
      /* Translators: a button that writes an e-mail to the field's address, e.g. "Write e-mail to Email" */
      return g_strdup_printf (_("Write e-mail to %s"), field_label (field));
    case OUTPOST_FIELD_FORMAT_PHONE:
      /* Translators: a button that calls the field's number, e.g. "Call Main Phone" */
      return g_strdup_printf (_("Call %s"), field_label (field));
    default:
      /* Translators: a button that opens the field's web site, e.g. "Open Website" */
      return g_strdup_printf (_("Open %s"), field_label (field));
    }
}

static void
launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GtkWidget) button = user_data;   /* a reference held while the desktop launched */
  g_autoptr(GError) error = NULL;
  LinkReport *report = g_object_get_data (G_OBJECT (button), "outpost-link-report");

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (report != NULL && report->failed != NULL && gtk_widget_get_root (button) != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the address: %s"), error->message);
      report->failed (report->user_data, message);
    }
}

static void
clicked (GtkButton *button)
{
  const char *uri = g_object_get_data (G_OBJECT (button), URI_KEY);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));

  if (uri == NULL || !GTK_IS_WINDOW (root))
    return;   /* insensitive buttons are not clicked, but a stale click must not open anything */
  gtk_show_uri_full (GTK_WINDOW (root), uri, GDK_CURRENT_TIME, NULL, launched, g_object_ref (button));
}

GtkWidget *
outpost_field_link_new (OutpostField *field, OutpostLinkFailedFunc failed, gpointer user_data)
{
  GtkWidget *button;
  g_autofree char *name = NULL;
  LinkReport *report;

  g_return_val_if_fail (outpost_field_link_applies (field), NULL);
  button = gtk_button_new_from_icon_name (icon_for (field));
  name = accessible_name (field);
  report = g_new0 (LinkReport, 1);
  report->failed = failed;
  report->user_data = user_data;
  g_object_set_data_full (G_OBJECT (button), "outpost-link-report", report, g_free);
  g_object_set_data (G_OBJECT (button), FIELD_KEY, field);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect (button, "clicked", G_CALLBACK (clicked), NULL);
  outpost_field_link_update (button, NULL);
  return button;
}

#define TIP_URI_MAX 160   /* a 2 kB address in a tooltip would cover the window */

static char *
describe (OutpostField *field, const char *full_uri)
{
  /* the URI is plain ASCII (outpost-links encodes the rest): cutting bytes is safe */
  g_autofree char *uri = strlen (full_uri) > TIP_URI_MAX
                         ? g_strdup_printf ("%.*s…", TIP_URI_MAX, full_uri) : g_strdup (full_uri);

  switch (field->format)
    {
    case OUTPOST_FIELD_FORMAT_EMAIL:
      return g_strdup_printf (_("Write to %s"), uri + strlen ("mailto:"));
    case OUTPOST_FIELD_FORMAT_PHONE:
      return g_strdup_printf (_("Call %s"), uri + strlen ("tel:"));
    default:
      return g_strdup_printf (_("Open %s"), uri);
    }
}

void
outpost_field_link_update (GtkWidget *button, const char *value)
{
  OutpostField *field = g_object_get_data (G_OBJECT (button), FIELD_KEY);
  g_autoptr(GError) error = NULL;
  char *uri = outpost_link_uri_for_value (field->format, value, &error);
  g_autofree char *tip = uri != NULL ? describe (field, uri) : g_strdup (error->message);

  g_object_set_data_full (G_OBJECT (button), URI_KEY, uri, g_free);
  gtk_widget_set_sensitive (button, uri != NULL);
  /* plain text, never markup: the value is the server's */
  gtk_widget_set_tooltip_text (button, tip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip, -1);
}

const char *
outpost_field_link_get_uri (GtkWidget *button)
{
  return g_object_get_data (G_OBJECT (button), URI_KEY);
}

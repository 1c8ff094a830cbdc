/* outpost-field-link.h: the "open" button beside a web site, e-mail or phone field (the
 * profile's "format"). The field's value comes from the server, so the button opens only what
 * outpost_link_uri_for_value() allows (http(s), mailto, tel); for anything else it is
 * insensitive and its tooltip (and accessible description) says why. */
#pragma once

#include <gtk/gtk.h>

#include "outpost-profile.h"

G_BEGIN_DECLS

typedef void (*OutpostLinkFailedFunc) (gpointer    user_data,
                                       const char *message);

/* TRUE for url, email and phone fields. */
gboolean   outpost_field_link_applies (OutpostField          *field);
/* The button (accessible name "Open <label>", "Write e-mail to <label>", "Call <label>");
 * @failed reports a launch that failed (e.g. no program for the address), with @user_data,
 * which must outlive the button. */
GtkWidget *outpost_field_link_new     (OutpostField          *field,
                                       OutpostLinkFailedFunc  failed,
                                       gpointer               user_data);
/* Follows the field's current @value (NULL or "" = nothing to open). */
void       outpost_field_link_update  (GtkWidget             *button,
                                       const char            *value);
/* The address the button opens, or NULL when it is insensitive. */
const char *outpost_field_link_get_uri (GtkWidget            *button);

G_END_DECLS

/* outpost-sync-upload-email.h: what an email needs on its way to Dataverse (issue 6).
 *
 * Recipients: Dataverse sends an email to its activity parties (email_activity_parties,
 * participationtypemask 1 Sender, 2 To, 3 Cc, 4 Bcc), not to the text field torecipients.
 * The upload turns the email's To text into To parties: an address that is the email address
 * of the contact (or account) the email regards becomes a party bound to that record, any
 * other typed address a party with only addressused.
 *
 * Body: Dataverse's email description is HTML. The compose window takes plain text and
 * stores it as escaped HTML; a body from the server is shown as text (tags dropped, entities
 * decoded), never rendered. */
#pragma once

#include <json-glib/json-glib.h>

#include "outpost-store.h"

G_BEGIN_DECLS

/* The member of an email's upload fields that carries its parties: a JSON array of objects
 * {"participationtypemask":2, "partyid":"<guid>", "partyid@target":"contact"} or
 * {"participationtypemask":2, "addressused":"someone@example.com"}. */
#define OUTPOST_EMAIL_PARTIES_MEMBER "email_activity_parties"

/* The addresses of a To/Cc text ("a@x.org; b@y.org, c@z.org"), trimmed, empty ones dropped. */
GStrv       outpost_email_split_addresses (const char *text);
/* The To parties of @to_text (see above); @store is read for the regarding record's address
 * (@regarding_entity/@regarding_id may be NULL). Never NULL; empty when there is no address. */
JsonArray  *outpost_email_to_parties      (OutpostStore *store, const char *to_text,
                                           const char *regarding_entity, const char *regarding_id);

/* Plain text as HTML: special characters escaped, blank-line separated paragraphs as <p>,
 * single line breaks as <br>. outpost_email_html_to_text gives the text back unchanged. */
char       *outpost_email_text_to_html    (const char *text);
/* The text of an HTML body: tags and comments removed (script and style with their content),
 * <br>, paragraphs and blocks as line breaks, runs of white space as one space, character
 * references decoded (a numeric one that is no printable character is dropped; an unknown
 * name stays as written). Text with neither '<' nor '&' is plain text and comes back as it is. */
char       *outpost_email_html_to_text    (const char *html);

G_END_DECLS

/* outpost-email-compose.h: writing an email, offline (issue 6 "Email").
 *
 * A window with To, Subject and the message. The email is an ordinary local "email" record:
 * Save Draft stores it (created the first time, updated after); Send stores it and marks it
 * for sending (outpost-store-email.h), so the next synchronization creates it on the server and
 * calls SendEmail. Send tells the scheduler (sync-email-on-send: an email-only sync at once when
 * online); a draft save counts as a change (auto-sync-after-change). Closing the window with
 * unsaved text saves it as a draft first: nothing typed is lost. All store access goes through
 * the context's store client (the worker). */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_EMAIL_COMPOSE (outpost_email_compose_get_type ())
G_DECLARE_FINAL_TYPE (OutpostEmailCompose, outpost_email_compose, OUTPOST, EMAIL_COMPOSE, AdwWindow)

/* @entity/@id: "email" and an email's id continues that draft; another entity (e.g. "contact")
 * starts a new email to that record (To from its emailaddress1, Regarding the record);
 * NULL or "" starts an empty email. */
GtkWidget *outpost_email_compose_new (OutpostContext *context,
                                      const char     *entity,
                                      const char     *id);

/* Signals: "saved" (id) the draft was stored; "sent" (id) the email was marked for sending. */

G_END_DECLS

/* outpost-store-email.h: emails marked for sending (issue 6, "Send marks it for sending").
 *
 * An email composed offline is an ordinary local record of the "email" entity (created and
 * edited through outpost-store.h, journaled like any other). Send marks it: the mark lives in a
 * local-only table (never uploaded). The sync engine's upload creates/updates the email first
 * and then calls the SendEmail action for every marked email whose row is synced; the mark is
 * removed when the server accepted it. A mark on an email the server refused stays, so the
 * next sync tries again. */
#pragma once

#include "outpost-store.h"

G_BEGIN_DECLS

/* Marks the local email @id for sending. OUTPOST_STORE_ERROR_NOT_FOUND when there is no such
 * email (or it is deleted locally). Marking twice is harmless. */
gboolean   outpost_store_email_mark_send  (OutpostStore *store, const char *id, GError **error);
/* Takes the mark away again (e.g. the user cancels the send before the sync). */
gboolean   outpost_store_email_unmark_send (OutpostStore *store, const char *id, GError **error);
gboolean   outpost_store_email_is_marked  (OutpostStore *store, const char *id);
/* The ids (char*) of the emails marked for sending, oldest mark first. */
GPtrArray *outpost_store_email_list_marked (OutpostStore *store, GError **error);
/* The server sent @id: its mark goes. */
gboolean   outpost_store_email_sent       (OutpostStore *store, const char *id, GError **error);

G_END_DECLS

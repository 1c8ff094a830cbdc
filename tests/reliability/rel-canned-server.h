/* rel-canned-server.h: a tiny HTTP server of the test's own (SoupServer on 127.0.0.1, port 0,
 * in its own thread) whose answers the test writes: hostile pages, metadata and $batch
 * answers for the reliability tests and the fuzz harnesses. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _RelCannedServer RelCannedServer;

/* Called in the server thread for every request. */
typedef void (*RelCannedHandler) (SoupServerMessage *msg, const char *path, gpointer user_data);

RelCannedServer *rel_canned_server_new     (RelCannedHandler handler, gpointer user_data);
/* "http://127.0.0.1:PORT/" */
const char      *rel_canned_server_get_url (RelCannedServer *self);
GMainContext    *rel_canned_server_get_context (RelCannedServer *self);
void             rel_canned_server_free    (RelCannedServer *self);

/* Answers with @status, @content_type and @body (copied). */
void             rel_canned_reply          (SoupServerMessage *msg, guint status,
                                            const char *content_type, const char *body,
                                            gsize length);
/* Streams chunks forever (until the client goes away): a response that never ends. */
void             rel_canned_reply_endless  (RelCannedServer *self, SoupServerMessage *msg);

G_END_DECLS

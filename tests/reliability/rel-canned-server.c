/* rel-canned-server.c: see the header. */
#include "rel-canned-server.h"

#include <string.h>

struct _RelCannedServer {
  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  SoupServer       *server;
  char             *url;
  RelCannedHandler  handler;
  gpointer          user_data;
  GMutex            lock;
  GCond             ready;
  gboolean          started;
};

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  RelCannedServer *self = user_data;

  self->handler (msg, path, self->user_data);
}

static gpointer
server_thread (gpointer data)
{
  RelCannedServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "canned/1", NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("canned server: %s", error->message);
  uris = soup_server_get_uris (self->server);
  self->url = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);
  g_main_loop_run (self->loop);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

RelCannedServer *
rel_canned_server_new (RelCannedHandler handler, gpointer user_data)
{
  RelCannedServer *self = g_new0 (RelCannedServer, 1);

  self->handler = handler;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->thread = g_thread_new ("canned-server", server_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

const char *
rel_canned_server_get_url (RelCannedServer *self)
{
  return self->url;
}

GMainContext *
rel_canned_server_get_context (RelCannedServer *self)
{
  return self->context;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
rel_canned_server_free (RelCannedServer *self)
{
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self->url);
  g_free (self);
}

void
rel_canned_reply (SoupServerMessage *msg, guint status, const char *content_type,
                  const char *body, gsize length)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "OData-Version", "4.0");
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, length);
}

/* ---- a body that never ends ------------------------------------------------------------- */

typedef struct {
  SoupServerMessage *msg;
  GSource           *source;
  gboolean           finished;
} Endless;

static gboolean
endless_tick (gpointer data)
{
  Endless *e = data;
  static char chunk[64 * 1024];

  if (e->finished)
    return G_SOURCE_REMOVE;
  if (chunk[0] == '\0')
    memset (chunk, ' ', sizeof chunk);
  soup_message_body_append (soup_server_message_get_response_body (e->msg), SOUP_MEMORY_STATIC,
                            chunk, sizeof chunk);
  soup_server_message_unpause (e->msg);
  return G_SOURCE_CONTINUE;
}

static void
endless_finished (SoupServerMessage *msg, gpointer data)
{
  Endless *e = data;

  e->finished = TRUE;
}

static void
endless_free (gpointer data)
{
  Endless *e = data;

  g_object_unref (e->msg);
  g_free (e);
}

void
rel_canned_reply_endless (RelCannedServer *self, SoupServerMessage *msg)
{
  Endless *e = g_new0 (Endless, 1);
  static const char start[] = "{\"value\":[{\"accountid\":\"00000000-0000-0000-0000-000000000001\",\"name\":\"";

  e->msg = g_object_ref (msg);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg), SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg), "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, start, strlen (start));
  g_signal_connect (msg, "finished", G_CALLBACK (endless_finished), e);
  g_signal_connect (msg, "disconnected", G_CALLBACK (endless_finished), e);
  e->source = g_timeout_source_new (2);
  g_source_set_callback (e->source, endless_tick, e, endless_free);
  g_source_attach (e->source, self->context);
  g_source_unref (e->source);
}

/* outpost-server-http.c: the SoupServer handler. It routes /_admin/ (tests), the Entra ID-like
 * sign-in endpoints (--auth oauth) and the Web API under /api/data/v9.2/, applies auth, request
 * limits and injected faults, and turns an OsResponse into the HTTP response. Every non-GET API
 * request runs in one SQLite transaction. */
#include "config.h"

#include "outpost-server-http.h"

#include <string.h>

static void
log_request (OsServer *server, const char *method, const char *path, guint status)
{
  g_autofree char *key = g_strdup_printf ("%s %s", method, path);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (server->request_counts, key));

  server->request_count++;
  g_hash_table_replace (server->request_counts, g_strdup (key), GUINT_TO_POINTER (count + 1));
  if (server->request_log->len >= 20000)
    g_ptr_array_remove_range (server->request_log, 0, 10000);
  g_ptr_array_add (server->request_log, g_strdup_printf ("%s %s %u", method, path, status));
}

void
os_http_send (SoupServerMessage *msg, OsResponse *resp)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, resp->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (out, name, value);
  soup_message_headers_replace (out, "OData-Version", "4.0");
  soup_server_message_set_status (msg, resp->status, resp->status == 429 ? "Too Many Requests" : NULL);
  if (resp->status == 204 || resp->status == 304)
    return;
  soup_server_message_set_response (msg, resp->content_type ? resp->content_type : "application/json",
                                    SOUP_MEMORY_COPY, resp->body->str, resp->body->len);
}

static GBytes *
request_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  return soup_message_body_flatten (body);
}

static gboolean
is_write (const char *method)
{
  return strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0;
}

static void
api_request (OsServer *server, SoupServerMessage *msg, const char *path)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = request_body (msg);
  g_autofree char *rel = g_uri_unescape_string (path + strlen (OS_API_PREFIX), NULL);
  g_autoptr(OsRequest) req = NULL;
  g_autoptr(OsResponse) resp = os_response_new ();
  const char *user_id = OS_DEMO_USER_ID;
  gboolean write = is_write (method) && strcmp (path, OS_API_PREFIX "$batch") != 0;

  if (!os_auth_check (server, msg, &user_id))
    return;
  if (os_limits_check (server, msg) || os_faults_before (server, msg, path))
    return;
  if (g_bytes_get_size (body) > server->max_body)
    {
      os_response_error (resp, 413, "0x8004f0ff", "The request body exceeds the maximum allowed size of %"
                         G_GSIZE_FORMAT " bytes.", server->max_body);
      os_http_send (msg, resp);
      return;
    }
  if (rel == NULL)
    {
      os_response_error (resp, 400, "0x80060888", "Bad Request - the URL is not valid.");
      os_http_send (msg, resp);
      return;
    }
  req = os_request_new (server, method, rel, g_uri_get_query (uri),
                        soup_server_message_get_request_headers (msg), body);
  req->user_id = user_id;
  if (write)
    os_sql_exec (server->db, "BEGIN IMMEDIATE", NULL);
  os_api_dispatch (req, resp);
  if (write)
    os_sql_exec (server->db, resp->status < 400 ? "COMMIT" : "ROLLBACK", NULL);
  os_http_send (msg, resp);
  os_faults_after (server, msg, path, resp);
}

static void
server_callback (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  OsServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (g_str_has_prefix (path, "/_admin/"))
    os_admin_handle (server, msg, path);
  else if (os_auth_handle (server, msg, path))
    ;
  else if (g_str_has_prefix (path, OS_API_PREFIX) || strcmp (path, "/api/data/v9.2") == 0)
    {
      if (strcmp (path, "/api/data/v9.2") == 0)
        path = OS_API_PREFIX;
      api_request (server, msg, path);
    }
  else
    {
      g_autoptr(OsResponse) resp = os_response_new ();
      os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", path);
      os_http_send (msg, resp);
    }
  log_request (server, method, path, soup_server_message_get_status (msg));
}

/* Rejects an oversized body from its Content-Length before libsoup reads it. */
static void
early_callback (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  OsServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > (goffset) server->max_body)
    {
      g_autoptr(OsResponse) resp = os_response_new ();
      os_response_error (resp, 413, "0x8004f0ff", "The request body exceeds the maximum allowed size of %"
                         G_GSIZE_FORMAT " bytes.", server->max_body);
      soup_message_headers_replace (resp->headers, "Connection", "close");
      os_http_send (msg, resp);
      log_request (server, soup_server_message_get_method (msg), path, 413);
    }
}

void
os_http_install (OsServer *server)
{
  soup_server_add_early_handler (server->soup, NULL, early_callback, server, NULL);
  soup_server_add_handler (server->soup, NULL, server_callback, server, NULL);
}

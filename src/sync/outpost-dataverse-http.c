/* outpost-dataverse-http.c: one Web API request with the documented headers, authentication
 * and the retry rules: 401 -> one refresh; 429 -> wait Retry-After; 5xx, timeouts, dropped
 * connections -> capped exponential backoff; then an error that says why. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-dataverse-private.h"

void
outpost_dv_response_free (OutpostDvResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

static SoupSession *
take_session (OutpostDataverseConnector *self)
{
  SoupSession *session = g_async_queue_try_pop (self->sessions);

  if (session != NULL)
    return session;
  /* Default TLS database, and no accept-certificate handler: invalid certificates fail. */
  return soup_session_new_with_options ("timeout", self->timeout,
                                        "idle-timeout", 60,
                                        "max-conns-per-host", 1,
                                        "user-agent", "Outpost/" PACKAGE_VERSION,
                                        NULL);
}

static gboolean
wait_ms (guint ms, GCancellable *cancellable, GError **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_usleep (MIN (20000, MAX (0, end - g_get_monotonic_time ())));
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static SoupMessage *
build_message (OutpostDataverseConnector *self, const OutpostDvRequest *request,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *authorization = NULL;
  SoupMessageHeaders *h;
  g_autoptr(GUri) uri = g_uri_parse (request->url, SOUP_HTTP_URI_FLAGS, NULL);

  if (uri == NULL)
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("Invalid address “%s”"), request->url);
      return NULL;
    }
  msg = soup_message_new_from_uri (request->method, uri);
  h = soup_message_get_request_headers (msg);
  soup_message_headers_replace (h, "Accept", "application/json");
  soup_message_headers_replace (h, "OData-MaxVersion", "4.0");
  soup_message_headers_replace (h, "OData-Version", "4.0");
  soup_message_headers_replace (h, "If-None-Match",
                                request->if_none_match ? request->if_none_match : "null");
  if (request->if_match != NULL)
    soup_message_headers_replace (h, "If-Match", request->if_match);
  if (request->prefer != NULL)
    soup_message_headers_replace (h, "Prefer", request->prefer);
  authorization = outpost_auth_provider_get_authorization (self->auth, cancellable, error);
  if (authorization == NULL && error != NULL && *error != NULL)
    return NULL;
  if (authorization != NULL)
    soup_message_headers_replace (h, "Authorization", authorization);
  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (msg, request->content_type, request->body);
  return g_steal_pointer (&msg);
}

static guint
retry_after_ms (SoupMessage *msg, guint attempt)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
    return (guint) seconds * 1000;
  return 1000u << MIN (attempt, 5u);   /* the documented 2^n fallback */
}

static guint
backoff_ms (OutpostDataverseConnector *self, guint attempt)
{
  guint64 ms = 250ull << MIN (attempt, 16u);

  return (guint) MIN (ms, (guint64) self->max_backoff_ms);
}

typedef enum { SEND_DONE, SEND_RETRY, SEND_FAILED } SendOutcome;

static SendOutcome
classify_transport_error (OutpostDataverseConnector *self, const OutpostDvRequest *request,
                          GError *local, guint attempt, GCancellable *cancellable, GError **error)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED,
                           _("Synchronization was cancelled"));
      return SEND_FAILED;
    }
  if (local->domain == G_TLS_ERROR)
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_TLS,
                   _("The server’s certificate is not trusted: %s"), local->message);
      return SEND_FAILED;
    }
  if (!request->not_idempotent && attempt < self->max_retries &&
      wait_ms (backoff_ms (self, attempt), cancellable, NULL))
    return SEND_RETRY;
  if (g_cancellable_is_cancelled (cancellable))
    g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED,
                         _("Synchronization was cancelled"));
  else
    g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK,
                 _("Could not reach the server after %u attempts: %s"), attempt + 1,
                 local->message);
  return SEND_FAILED;
}

/* One attempt; decides whether to retry. */
static SendOutcome
send_once (OutpostDataverseConnector *self, const OutpostDvRequest *request, guint attempt,
           gboolean *refreshed, OutpostDvResponse **out, GCancellable *cancellable,
           GError **error)
{
  g_autoptr(SoupMessage) msg = build_message (self, request, cancellable, error);
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupSession *session;
  guint status, serial = self->auth_serial;

  if (msg == NULL)
    return SEND_FAILED;
  session = take_session (self);
  g_atomic_int_inc ((gint *) &self->requests);
  body = soup_session_send_and_read (session, msg, cancellable, &local);
  g_async_queue_push (self->sessions, session);
  if (body == NULL)
    return classify_transport_error (self, request, local, attempt, cancellable, error);

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED && !*refreshed)
    {
      *refreshed = TRUE;
      g_mutex_lock (&self->auth_lock);
      /* another thread may have refreshed while this request was in flight */
      if (serial == self->auth_serial &&
          !outpost_auth_provider_refresh (self->auth, cancellable, &local))
        {
          g_mutex_unlock (&self->auth_lock);
          g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH,
                       _("Sign-in expired and could not be renewed: %s"), local->message);
          return SEND_FAILED;
        }
      self->auth_serial++;
      g_mutex_unlock (&self->auth_lock);
      return SEND_RETRY;
    }
  if (status == 429)
    {
      if (attempt < self->max_retries * 2 &&
          wait_ms (retry_after_ms (msg, attempt), cancellable, error))
        return SEND_RETRY;
      if (g_cancellable_is_cancelled (cancellable))
        return SEND_FAILED;
      *error = outpost_dv_error_from_body (status, body);
      return SEND_FAILED;
    }
  if (status >= 500 && attempt < self->max_retries)
    return wait_ms (backoff_ms (self, attempt), cancellable, error) ? SEND_RETRY : SEND_FAILED;
  if (status >= 400 && (!request->keep_error_body || status == 401 || status >= 500))
    {
      *error = outpost_dv_error_from_body (status, body);
      return SEND_FAILED;
    }
  *out = g_new0 (OutpostDvResponse, 1);
  (*out)->status = status;
  (*out)->body = g_steal_pointer (&body);
  (*out)->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return SEND_DONE;
}

OutpostDvResponse *
outpost_dv_send (OutpostDataverseConnector *self, const OutpostDvRequest *request,
                 GCancellable *cancellable, GError **error)
{
  gboolean refreshed = FALSE;

  for (guint attempt = 0;; attempt++)
    {
      OutpostDvResponse *response = NULL;

      switch (send_once (self, request, attempt, &refreshed, &response, cancellable, error))
        {
        case SEND_DONE:
          return response;
        case SEND_FAILED:
          return NULL;
        case SEND_RETRY:
          break;
        }
    }
}

static OutpostSyncError
code_for_status (guint status, const char *code)
{
  if (code != NULL && g_ascii_strcasecmp (code, "0x80044352") == 0)
    return OUTPOST_SYNC_ERROR_EXPIRED_TOKEN;
  switch (status)
    {
    case 401: case 403: return OUTPOST_SYNC_ERROR_AUTH;
    case 404: return OUTPOST_SYNC_ERROR_NOT_FOUND;
    case 412: return OUTPOST_SYNC_ERROR_PRECONDITION;
    case 429: return OUTPOST_SYNC_ERROR_THROTTLED;
    default: return status >= 500 ? OUTPOST_SYNC_ERROR_SERVER : OUTPOST_SYNC_ERROR_FAILED;
    }
}

GError *
outpost_dv_error_from_body (guint status, GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  const char *code = NULL, *message = NULL;
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;

  if (data != NULL && len > 0 && json_parser_load_from_data (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      JsonObject *err = json_object_get_object_member (root, "error");

      if (err != NULL)
        {
          code = json_object_get_string_member_with_default (err, "code", NULL);
          message = json_object_get_string_member_with_default (err, "message", NULL);
        }
    }
  if (message != NULL && *message != '\0')
    return g_error_new_literal (OUTPOST_SYNC_ERROR, code_for_status (status, code), message);
  return g_error_new (OUTPOST_SYNC_ERROR, code_for_status (status, code),
                      _("The server answered %u %s"), status, soup_status_get_phrase (status));
}

JsonObject *
outpost_dv_parse_object (GBytes *body, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();   /* mutable: rows get lookup members */
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  if (data == NULL || len == 0)
    return json_object_new ();   /* "an empty response if no table changes have occurred" */
  if (!json_parser_load_from_data (parser, data, len, &local) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server sent a malformed or incomplete response (%zu bytes): %s"),
                   len, local ? local->message : _("not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

char *
outpost_dv_escape_literal (const char *value)
{
  GString *s = g_string_new (NULL);

  for (const char *p = value; *p; p++)
    {
      if (*p == '\'')
        g_string_append_c (s, '\'');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

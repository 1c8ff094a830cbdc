/* outpost-dataverse-http.c: one Web API request with the documented headers, authentication
 * and the retry rules: 401 -> one refresh; 429 -> wait Retry-After; 5xx, timeouts, dropped
 * connections -> capped exponential backoff; then an error that says why. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-dataverse-private.h"
#include "outpost-tls-trust.h"

void
outpost_dv_response_free (OutpostDvResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

void
outpost_dataverse_connector_set_trusted_certificate (OutpostDataverseConnector *self,
                                                     const char                *fingerprint)
{
  g_free (self->trusted_certificate);
  self->trusted_certificate = g_strdup (fingerprint);
}

/* Only reached when the system's verification failed: the certificate passes only if it is
 * exactly the one the user chose to trust. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate,
                       GTlsCertificateFlags errors, OutpostDataverseConnector *self)
{
  return outpost_tls_pin_matches (self->trusted_certificate, certificate);
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
  if (self->trusted_certificate != NULL)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
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

static char *
format_limit (gsize bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* The body, read in bounded steps: libsoup's timeout only notices a silent server, so a
 * server that never stops sending is cut off here by size and by total time. A limit hit
 * sets @limit (a PROTOCOL or NETWORK error that must not be retried); a transport failure
 * sets @error. */
static GBytes *
read_body (OutpostDataverseConnector *self, SoupSession *session, SoupMessage *msg,
           const OutpostDvRequest *request, GCancellable *cancellable, GError **error,
           GError **limit)
{
  gsize max = request->max_bytes ? request->max_bytes : self->max_answer_bytes;
  gint64 deadline = g_get_monotonic_time () + (gint64) self->max_request_seconds * G_USEC_PER_SEC;
  g_autoptr(GInputStream) in = soup_session_send (session, msg, cancellable, error);
  SoupMessageHeaders *h;
  g_autoptr(GByteArray) buf = NULL;
  gsize len = 0;

  if (in == NULL)
    return NULL;
  h = soup_message_get_response_headers (msg);
  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (h) > max)
    {
      g_autofree char *size = format_limit (max);
      g_set_error (limit, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server’s answer is larger than the limit of %s"), size);
      g_input_stream_close (in, NULL, NULL);
      return NULL;
    }
  buf = g_byte_array_sized_new (16384);
  for (;;)
    {
      gssize n;

      g_byte_array_set_size (buf, len + 65536);
      n = g_input_stream_read (in, buf->data + len, 65536, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      len += n;
      if (len > max)
        {
          g_autofree char *size = format_limit (max);
          g_set_error (limit, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                       _("The server’s answer was cut off: it is larger than the limit of %s"), size);
          g_input_stream_close (in, NULL, NULL);
          return NULL;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (limit, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK,
                       _("The server’s answer was cut off: it took longer than %u seconds"),
                       self->max_request_seconds);
          g_input_stream_close (in, NULL, NULL);
          return NULL;
        }
    }
  g_input_stream_close (in, NULL, NULL);
  g_byte_array_set_size (buf, len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
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
                 g_dngettext (GETTEXT_PACKAGE, "Could not reach the server after %u attempt: %s",
                              "Could not reach the server after %u attempts: %s", attempt + 1),
                 attempt + 1, local->message);
  return SEND_FAILED;
}

/* A request the server kept refusing, in words that say what happened before the server's own
 * text (which is often only "Internal error"): the user must see that the server failed or is
 * throttling, not the sync, and what to do. */
static GError *
request_failed (guint status, GBytes *body, guint attempt)
{
  g_autoptr(GError) server = outpost_dv_error_from_body (status, body);
  guint attempts = attempt + 1;

  if (status == 429)
    return g_error_new (OUTPOST_SYNC_ERROR, server->code,
                        g_dngettext (GETTEXT_PACKAGE,
                                     "The server is limiting requests (429 Too Many Requests) and "
                                     "still refused after %u attempt; try again later. It said: %s",
                                     "The server is limiting requests (429 Too Many Requests) and "
                                     "still refused after %u attempts; try again later. It said: %s",
                                     attempts),
                        attempts, server->message);
  return g_error_new (OUTPOST_SYNC_ERROR, server->code,
                      g_dngettext (GETTEXT_PACKAGE,
                                   "The server failed (%u %s) after %u attempt; nothing was lost, "
                                   "try again later. It said: %s",
                                   "The server failed (%u %s) after %u attempts; nothing was lost, "
                                   "try again later. It said: %s",
                                   attempts),
                      status, soup_status_get_phrase (status), attempts, server->message);
}

/* One attempt; decides whether to retry. */
static SendOutcome
send_once (OutpostDataverseConnector *self, const OutpostDvRequest *request, guint attempt,
           gboolean *refreshed, OutpostDvResponse **out, GCancellable *cancellable,
           GError **error)
{
  g_autoptr(SoupMessage) msg = build_message (self, request, cancellable, error);
  g_autoptr(GError) local = NULL, limit = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupSession *session;
  guint status, serial = (guint) g_atomic_int_get (&self->auth_serial);   /* written under auth_lock */

  if (msg == NULL)
    return SEND_FAILED;
  session = take_session (self);
  g_atomic_int_inc ((gint *) &self->requests);
  body = read_body (self, session, msg, request, cancellable, &local, &limit);
  g_async_queue_push (self->sessions, session);
  if (limit != NULL)   /* an answer over a limit is not retried: it would be again */
    return (g_propagate_error (error, g_steal_pointer (&limit)), SEND_FAILED);
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
          /* a user name and password the server refused (or none to try) says so itself;
           * "expired" is about a token the provider could not renew */
          if (local->domain == OUTPOST_AUTH_ERROR)
            g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH, local->message);
          else
            g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH,
                         _("Sign-in expired and could not be renewed: %s"), local->message);
          return SEND_FAILED;
        }
      g_atomic_int_inc (&self->auth_serial);
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
      *error = request_failed (status, body, attempt);
      return SEND_FAILED;
    }
  if (status >= 500 && attempt < self->max_retries)
    return wait_ms (backoff_ms (self, attempt), cancellable, error) ? SEND_RETRY : SEND_FAILED;
  if (status >= 400 && (!request->keep_error_body || status == 401 || status >= 500))
    {
      *error = status >= 500 ? request_failed (status, body, attempt)
                             : outpost_dv_error_from_body (status, body);
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

  if (data != NULL && len > 0 && outpost_dv_json_depth_ok (data, len, OUTPOST_DV_MAX_DEPTH) &&
      json_parser_load_from_data (parser, data, len, NULL) &&
      json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      JsonObject *err = outpost_dv_get_object (root, "error");

      if (err != NULL)
        {
          code = outpost_dv_get_string (err, "code");
          message = outpost_dv_get_string (err, "message");
        }
    }
  if (message != NULL && *message != '\0')
    return g_error_new_literal (OUTPOST_SYNC_ERROR, code_for_status (status, code), message);
  return g_error_new (OUTPOST_SYNC_ERROR, code_for_status (status, code),
                      _("The server answered %u %s"), status, soup_status_get_phrase (status));
}

/* json-glib's parser recurses once per level: a hostile document nested 200,000 deep
 * overflows the stack. This scan counts brackets outside strings (escapes skipped) first. */
gboolean
outpost_dv_json_depth_ok (const char *data, gsize len, guint max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

static gboolean
is_blank (const char *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

JsonObject *
outpost_dv_parse_object (GBytes *body, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();   /* mutable: rows get lookup members */
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  JsonNode *root;

  if (data == NULL || is_blank (data, len))
    return json_object_new ();   /* "an empty response if no table changes have occurred" */
  if (!outpost_dv_json_depth_ok (data, len, OUTPOST_DV_MAX_DEPTH))
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server sent a response nested deeper than %u levels (%zu bytes)"),
                   (guint) OUTPOST_DV_MAX_DEPTH, len);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, len, &local) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server sent a malformed or incomplete response (%zu bytes): %s"),
                   len, local ? local->message : _("not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* Typed member access that never hands json-glib a wrong shape (its getters only
 * g_return_if_fail, a critical). NULL when absent or of another type. */
JsonObject *
outpost_dv_get_object (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
outpost_dv_get_array (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
outpost_dv_get_string (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

JsonObject *
outpost_dv_array_object (JsonArray *array, guint index)
{
  JsonNode *node = json_array_get_element (array, index);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
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

/* outpost-server-auth.c: sign-in for the Web API.
 *
 * --auth oauth imitates Entra ID's device code flow (v2-oauth2-device-code):
 *   POST /{tenant}/oauth2/v2.0/devicecode  client_id, scope  -> device_code, user_code,
 *        verification_uri (<base>devicelogin), expires_in, interval, message
 *   POST /{tenant}/oauth2/v2.0/token  grant_type=urn:ietf:params:oauth:grant-type:device_code
 *        -> 400 authorization_pending [70016] | authorization_declined | expired_token |
 *           bad_verification_code, or 200 {token_type, expires_in, access_token, refresh_token}
 *        grant_type=refresh_token -> new tokens, or 400 invalid_grant
 *   GET/POST /devicelogin  a small page where a person enters the user code (demo mode).
 * The refresh token is only returned when scope has offline_access, as Entra does. Tokens are
 * opaque random strings kept in memory only (a restart signs everyone out). API calls then need
 * "Authorization: Bearer ..." and get 401 with WWW-Authenticate when it is missing or expired.
 * --auth basic checks "Authorization: Basic" against --basic-user/--basic-password. */
#include "config.h"

#include "outpost-server-http.h"

#include <string.h>

typedef enum { DEVICE_PENDING, DEVICE_APPROVED, DEVICE_DECLINED, DEVICE_REDEEMED } DeviceState;

typedef struct {
  char        *device_code;
  char        *user_code;
  gint64       expires;   /* real time, µs */
  DeviceState  state;
  gboolean     offline;
} Device;

struct _OsAuth {
  OsServer   *server;
  int         token_lifetime;
  int         device_interval;
  int         device_lifetime;
  char       *basic_user;
  char       *basic_password;
  GHashTable *devices;   /* device_code -> Device */
  GHashTable *access;    /* access token -> expiry (gint64 *) */
  GHashTable *refresh;   /* refresh token -> "1" */
  char       *latest_user_code;
};

static void
device_free (Device *d)
{
  g_free (d->device_code);
  g_free (d->user_code);
  g_free (d);
}

OsAuth *
os_auth_new (OsServer *server, int token_lifetime, int device_interval, int device_lifetime,
             const char *basic_user, const char *basic_password)
{
  OsAuth *auth = g_new0 (OsAuth, 1);
  auth->server = server;
  auth->token_lifetime = token_lifetime;
  auth->device_interval = device_interval;
  auth->device_lifetime = device_lifetime;
  auth->basic_user = g_strdup (basic_user);
  auth->basic_password = g_strdup (basic_password);
  auth->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) device_free);
  auth->access = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  auth->refresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return auth;
}

void
os_auth_free (OsAuth *auth)
{
  if (auth == NULL)
    return;
  g_hash_table_unref (auth->devices);
  g_hash_table_unref (auth->access);
  g_hash_table_unref (auth->refresh);
  g_free (auth->basic_user);
  g_free (auth->basic_password);
  g_free (auth->latest_user_code);
  g_free (auth);
}

static char *
random_token (guint bytes)
{
  g_autofree guchar *raw = g_malloc (bytes);
  char *b64;
  for (guint i = 0; i < bytes; i++)
    raw[i] = (guchar) g_random_int_range (0, 256);
  b64 = g_base64_encode (raw, bytes);
  for (char *p = b64; *p; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
    else if (*p == '=')
      *p = '\0';
  return b64;
}

static char *
user_code (void)
{
  static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  char *code = g_malloc0 (10);
  for (int i = 0; i < 9; i++)
    code[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  return code;
}

static void
send_oauth (SoupServerMessage *msg, guint status, GString *body)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  os_response_json (resp, status, body);
  os_response_set_content_type (resp, "application/json; charset=utf-8");
  soup_message_headers_replace (resp->headers, "Cache-Control", "no-store, no-cache");
  os_http_send (msg, resp);
}

static void
oauth_error (SoupServerMessage *msg, const char *error, int code, const char *description)
{
  g_autoptr(GString) out = g_string_new ("{\"error\":");
  g_autofree char *desc = g_strdup_printf ("AADSTS%d: %s", code, description);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%SZ");
  g_autofree char *trace = os_new_guid ();

  os_json_string (out, error);
  g_string_append (out, ",\"error_description\":");
  os_json_string (out, desc);
  g_string_append_printf (out, ",\"error_codes\":[%d],\"timestamp\":\"%s\",\"trace_id\":\"%s\","
                          "\"correlation_id\":\"%s\"}", code, stamp, trace, trace);
  send_oauth (msg, 400, out);
}

static GHashTable *
form (SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return soup_form_decode (text);
}

static void
device_code (OsAuth *auth, SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = form (msg);
  const char *scope = g_hash_table_lookup (params, "scope");
  Device *d;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *uri = g_strconcat (auth->server->base_url, "devicelogin", NULL);
  g_autofree char *message = NULL;

  if (g_hash_table_lookup (params, "client_id") == NULL)
    {
      oauth_error (msg, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
      return;
    }
  d = g_new0 (Device, 1);
  d->device_code = random_token (48);
  d->user_code = user_code ();
  d->expires = g_get_real_time () + (gint64) auth->device_lifetime * G_USEC_PER_SEC;
  d->offline = scope && strstr (scope, "offline_access") != NULL;
  g_hash_table_replace (auth->devices, d->device_code, d);
  g_free (auth->latest_user_code);
  auth->latest_user_code = g_strdup (d->user_code);
  message = g_strdup_printf ("To sign in, use a web browser to open the page %s and enter the code %s to "
                             "authenticate.", uri, d->user_code);
  g_string_append_printf (out, "{\"user_code\":\"%s\",\"device_code\":\"%s\",\"verification_uri\":",
                          d->user_code, d->device_code);
  os_json_string (out, uri);
  g_string_append_printf (out, ",\"expires_in\":%d,\"interval\":%d,\"message\":", auth->device_lifetime,
                          auth->device_interval);
  os_json_string (out, message);
  g_string_append (out, "}");
  send_oauth (msg, 200, out);
}

static void
issue_tokens (OsAuth *auth, SoupServerMessage *msg, gboolean offline, const char *scope)
{
  char *access = random_token (48);
  gint64 *expires = g_new (gint64, 1);
  g_autoptr(GString) out = g_string_new ("{\"token_type\":\"Bearer\",\"scope\":");

  *expires = g_get_real_time () + (gint64) auth->token_lifetime * G_USEC_PER_SEC;
  g_hash_table_replace (auth->access, access, expires);
  os_json_string (out, scope ? scope : "user_impersonation");
  g_string_append_printf (out, ",\"expires_in\":%d,\"ext_expires_in\":%d,\"access_token\":\"%s\"",
                          auth->token_lifetime, auth->token_lifetime, access);
  if (offline)
    {
      char *refresh = random_token (64);
      g_hash_table_replace (auth->refresh, refresh, GINT_TO_POINTER (1));
      g_string_append_printf (out, ",\"refresh_token\":\"%s\"", refresh);
    }
  g_string_append (out, "}");
  send_oauth (msg, 200, out);
}

static void
token (OsAuth *auth, SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = form (msg);
  const char *grant = g_hash_table_lookup (params, "grant_type");

  if (g_strcmp0 (grant, "urn:ietf:params:oauth:grant-type:device_code") == 0)
    {
      const char *code = g_hash_table_lookup (params, "device_code");
      Device *d = code ? g_hash_table_lookup (auth->devices, code) : NULL;
      if (d == NULL || d->state == DEVICE_REDEEMED)
        oauth_error (msg, d ? "invalid_grant" : "bad_verification_code", 70000,
                     "The provided value for the input parameter 'device_code' is not valid.");
      else if (g_get_real_time () > d->expires)
        oauth_error (msg, "expired_token", 70019, "Verification code expired.");
      else if (d->state == DEVICE_DECLINED)
        oauth_error (msg, "authorization_declined", 70000, "The user declined the authorization request.");
      else if (d->state == DEVICE_PENDING)
        oauth_error (msg, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is "
                     "pending. Continue polling.");
      else
        {
          d->state = DEVICE_REDEEMED;
          issue_tokens (auth, msg, d->offline, g_hash_table_lookup (params, "scope"));
        }
    }
  else if (g_strcmp0 (grant, "refresh_token") == 0)
    {
      const char *refresh = g_hash_table_lookup (params, "refresh_token");
      if (refresh == NULL || !g_hash_table_contains (auth->refresh, refresh))
        oauth_error (msg, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
      else
        issue_tokens (auth, msg, TRUE, g_hash_table_lookup (params, "scope"));
    }
  else
    oauth_error (msg, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
}

static Device *
find_device (OsAuth *auth, const char *code)
{
  GHashTableIter iter;
  gpointer value;
  g_autofree char *upper = code ? g_ascii_strup (code, -1) : NULL;

  g_hash_table_iter_init (&iter, auth->devices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Device *d = value;
      if (g_strcmp0 (d->user_code, upper ? upper : auth->latest_user_code) == 0)
        return d;
    }
  return NULL;
}

static void
device_login_page (OsAuth *auth, SoupServerMessage *msg)
{
  const char *result = "";
  g_autofree char *page = NULL;

  if (strcmp (soup_server_message_get_method (msg), "POST") == 0)
    {
      g_autoptr(GHashTable) params = form (msg);
      const char *code = g_hash_table_lookup (params, "user_code");
      Device *d = code && *code ? find_device (auth, code) : NULL;
      if (d && d->state == DEVICE_PENDING)
        {
          d->state = g_hash_table_contains (params, "decline") ? DEVICE_DECLINED : DEVICE_APPROVED;
          result = d->state == DEVICE_APPROVED ? "<p>You have signed in. You can close this window.</p>"
                                               : "<p>Sign-in declined.</p>";
        }
      else
        result = "<p>That code was not recognised.</p>";
    }
  page = g_strdup_printf ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Outpost demo sign-in"
                          "</title></head><body><h1>Sign in to the Outpost demo server</h1>%s"
                          "<form method=\"post\"><label>Code <input name=\"user_code\" autofocus></label>"
                          "<button type=\"submit\">Continue</button> <button name=\"decline\" value=\"1\">"
                          "Decline</button></form></body></html>", result);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, page, strlen (page));
}

gboolean
os_auth_handle (OsServer *server, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);
  const char *slash;

  if (server->auth_mode != OS_AUTH_OAUTH)
    return FALSE;
  if (strcmp (path, "/devicelogin") == 0)
    {
      device_login_page (server->auth, msg);
      return TRUE;
    }
  slash = path[0] == '/' ? strchr (path + 1, '/') : NULL;
  if (slash == NULL || strcmp (method, "POST") != 0)
    return FALSE;
  if (strcmp (slash, "/oauth2/v2.0/devicecode") == 0)
    device_code (server->auth, msg);
  else if (strcmp (slash, "/oauth2/v2.0/token") == 0)
    token (server->auth, msg);
  else
    return FALSE;
  return TRUE;
}

static void
unauthorized (OsServer *server, SoupServerMessage *msg, const char *challenge)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  resp->status = 401;
  soup_message_headers_replace (resp->headers, "WWW-Authenticate", challenge);
  /* Dataverse answers 401 with an empty body */
  os_response_set_content_type (resp, "text/plain");
  os_http_send (msg, resp);
}

gboolean
os_auth_check (OsServer *server, SoupServerMessage *msg, const char **user_id)
{
  OsAuth *auth = server->auth;
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  *user_id = OS_DEMO_USER_ID;
  if (server->auth_mode == OS_AUTH_NONE)
    return TRUE;
  if (server->auth_mode == OS_AUTH_OAUTH)
    {
      gint64 *expires = header && g_str_has_prefix (header, "Bearer ")
                          ? g_hash_table_lookup (auth->access, header + 7) : NULL;
      g_autofree char *challenge = NULL;
      if (expires && *expires > g_get_real_time ())
        return TRUE;
      challenge = g_strdup_printf ("Bearer authorization_uri=\"%sorganizations/oauth2/authorize\", "
                                   "resource_id=\"%s\"", server->base_url, server->base_url);
      unauthorized (server, msg, challenge);
      return FALSE;
    }
  if (header && g_str_has_prefix (header, "Basic "))
    {
      gsize len = 0;
      g_autofree guchar *raw = g_base64_decode (header + 6, &len);
      g_autofree char *text = g_strndup ((const char *) raw, len);
      g_autofree char *expected = g_strconcat (auth->basic_user, ":", auth->basic_password, NULL);
      if (strcmp (text, expected) == 0)
        return TRUE;
    }
  unauthorized (server, msg, "Basic realm=\"outpost-server\"");
  return FALSE;
}

void
os_auth_admin (OsServer *server, const char *action, JsonObject *body, OsResponse *resp)
{
  OsAuth *auth = server->auth;

  if (strcmp (action, "expire-access-tokens") == 0)
    g_hash_table_remove_all (auth->access);
  else if (strcmp (action, "device/approve") == 0 || strcmp (action, "device/decline") == 0)
    {
      Device *d = find_device (auth, json_object_get_string_member_with_default (body, "user_code", NULL));
      if (d == NULL || d->state != DEVICE_PENDING)
        {
          os_response_error (resp, 404, "", "no pending device code with that user code");
          return;
        }
      d->state = strcmp (action, "device/approve") == 0 ? DEVICE_APPROVED : DEVICE_DECLINED;
    }
  else
    {
      os_response_error (resp, 404, "", "unknown admin endpoint");
      return;
    }
  resp->status = 200;
  g_string_assign (resp->body, "{\"ok\":true}");
  os_response_set_content_type (resp, "application/json");
}

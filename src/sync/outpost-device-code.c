/* outpost-device-code.c: the Entra ID device code flow and the token-refreshing auth provider.
 * Tokens never reach a log: messages name the step, never the value. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "outpost-device-code.h"
#include "outpost-secrets.h"

#define DEVICE_CODE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
/* Refresh a little before the token runs out, so a long download does not meet a 401. */
#define EXPIRY_MARGIN_US (60 * G_USEC_PER_SEC)

G_DEFINE_QUARK (outpost-device-code-error-quark, outpost_device_code_error)

struct _OutpostDeviceCode
{
  GObject  parent_instance;
  char    *account;
  char    *client_id;
  char    *tenant;
  char    *authority;         /* no trailing slash */
  char    *scope;
  /* Main thread only. */
  char    *user_code;
  char    *verification_uri;
  /* Shared with the engine's threads. */
  GMutex   lock;
  char    *access_token;      /* NULL = none yet */
  gint64   access_expires;    /* monotonic µs */
  guint    generation;        /* +1 per new access token */
  GMutex   refresh_lock;      /* one refresh at a time */
  guint    polls;             /* atomic */
};

static void outpost_device_code_auth_init (OutpostAuthProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostDeviceCode, outpost_device_code, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_AUTH_PROVIDER,
                                                      outpost_device_code_auth_init))

enum { PROP_0, PROP_USER_CODE, PROP_VERIFICATION_URI, N_PROPS };
enum { SIGNAL_USER_CODE, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- HTTP ------------------------------------------------------------------------------ */

static char *
endpoint (OutpostDeviceCode *self,
          const char        *what)
{
  g_autofree char *tenant = g_uri_escape_string (self->tenant, NULL, FALSE);

  return g_strdup_printf ("%s/%s/oauth2/v2.0/%s", self->authority, tenant, what);
}

/* POSTs a form; returns the JSON object of the answer (2xx or an OAuth error body) and the
 * status in @status. */
static JsonObject *
post_form (OutpostDeviceCode *self,
           const char        *what,
           GHashTable        *form,
           guint             *status,
           GCancellable      *cancellable,
           GError           **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *url = endpoint (self, what);
  JsonNode *root;

  /* Default TLS database and no accept-certificate handler: invalid certificates fail. */
  session = soup_session_new_with_options ("timeout", 30, "user-agent", "Outpost/" PACKAGE_VERSION,
                                           NULL);
  msg = soup_message_new_from_encoded_form ("POST", url, soup_form_encode_hash (form));
  if (msg == NULL)
    {
      g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_FAILED,
                   _("The sign-in address “%s” is not valid"), url);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  body = soup_session_send_and_read (session, msg, cancellable, &local);
  if (body == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NETWORK,
                     _("Could not reach the Microsoft sign-in service: %s"), local->message);
      return NULL;
    }
  *status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   (gssize) g_bytes_get_size (body), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,
                   _("The Microsoft sign-in service sent an unexpected answer (HTTP %u)"), *status);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* An OAuth error answer as a GError the user can act on. */
static void
set_oauth_error (GError    **error,
                 JsonObject *answer,
                 guint       status)
{
  const char *code = member_string (answer, "error");
  const char *description = member_string (answer, "error_description");

  if (g_strcmp0 (code, "authorization_declined") == 0)
    g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_DECLINED,
                         _("The sign-in was declined. Start again and approve the request to "
                           "sign in."));
  else if (g_strcmp0 (code, "expired_token") == 0)
    g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_EXPIRED,
                         _("The sign-in code expired before it was used. Start again to get a "
                           "new code."));
  else if (g_strcmp0 (code, "bad_verification_code") == 0)
    g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_BAD_CODE,
                         _("The sign-in service did not recognise the sign-in code. Start again "
                           "to get a new code."));
  else if (g_strcmp0 (code, "invalid_grant") == 0)
    g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN,
                         _("Your Microsoft sign-in is no longer valid. Sign in again."));
  else
    g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_FAILED,
                 _("Microsoft sign-in failed (HTTP %u): %s"), status,
                 description ? description : code ? code : _("no details"));
}

/* Keeps the access token in memory and the refresh token (when sent) in the Secret Service. */
static gboolean
take_tokens (OutpostDeviceCode *self,
             JsonObject        *answer,
             GCancellable      *cancellable,
             GError           **error)
{
  const char *access = member_string (answer, "access_token");
  const char *refresh = member_string (answer, "refresh_token");
  gint64 expires_in = json_object_get_int_member_with_default (answer, "expires_in", 3599);

  if (access == NULL || *access == '\0')
    {
      g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,
                           _("The Microsoft sign-in service sent no access token"));
      return FALSE;
    }
  if (refresh != NULL
      && !outpost_secrets_store (self->account, OUTPOST_SECRET_REFRESH_TOKEN, refresh,
                                 cancellable, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  g_free (self->access_token);
  self->access_token = g_strdup (access);
  self->access_expires = g_get_monotonic_time () + expires_in * G_USEC_PER_SEC;
  self->generation++;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ---- sign-in --------------------------------------------------------------------------- */

typedef struct {
  OutpostDeviceCode *self;
  char              *user_code;
  char              *verification_uri;
  char              *message;
  int                expires_in;
} UserCode;

static void
user_code_free (gpointer data)
{
  UserCode *uc = data;

  g_object_unref (uc->self);
  g_free (uc->user_code);
  g_free (uc->verification_uri);
  g_free (uc->message);
  g_free (uc);
}

static gboolean
emit_user_code (gpointer data)
{
  UserCode *uc = data;
  OutpostDeviceCode *self = uc->self;

  g_free (self->user_code);
  self->user_code = g_strdup (uc->user_code);
  g_free (self->verification_uri);
  self->verification_uri = g_strdup (uc->verification_uri);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_CODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFICATION_URI]);
  g_signal_emit (self, signals[SIGNAL_USER_CODE], 0, uc->user_code, uc->verification_uri,
                 uc->message, uc->expires_in);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_seconds (gint64 seconds, GCancellable *cancellable, GError **error)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_usleep (MIN (50000, MAX (0, end - g_get_monotonic_time ())));
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Polls the token endpoint until a final answer: TRUE once signed in. */
static gboolean
poll_token (OutpostDeviceCode *self,
            const char        *device_code,
            gint64             interval,
            gint64             deadline,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (form, (char *) "grant_type", (char *) DEVICE_CODE_GRANT);
  g_hash_table_insert (form, (char *) "client_id", self->client_id);
  g_hash_table_insert (form, (char *) "device_code", (char *) device_code);
  for (;;)
    {
      g_autoptr(JsonObject) answer = NULL;
      const char *code;
      guint status = 0;

      if (!wait_seconds (interval, cancellable, error))
        return FALSE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_EXPIRED,
                               _("The sign-in code expired before it was used. Start again to "
                                 "get a new code."));
          return FALSE;
        }
      g_atomic_int_inc (&self->polls);
      answer = post_form (self, "token", form, &status, cancellable, error);
      if (answer == NULL)
        return FALSE;
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        return take_tokens (self, answer, cancellable, error);
      code = member_string (answer, "error");
      if (g_strcmp0 (code, "authorization_pending") == 0)
        continue;
      if (g_strcmp0 (code, "slow_down") == 0)
        {
          interval += 5;   /* RFC 8628 §3.5 */
          continue;
        }
      set_oauth_error (error, answer, status);
      return FALSE;
    }
}

static void
sign_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OutpostDeviceCode *self = source;
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) answer = NULL;
  GError *error = NULL;
  const char *device_code;
  g_autoptr(GSource) idle = NULL;
  UserCode *uc;
  gint64 interval, expires_in;
  guint status = 0;

  g_hash_table_insert (form, (char *) "client_id", self->client_id);
  g_hash_table_insert (form, (char *) "scope", self->scope);
  answer = post_form (self, "devicecode", form, &status, cancellable, &error);
  if (answer != NULL && !SOUP_STATUS_IS_SUCCESSFUL (status))
    set_oauth_error (&error, answer, status);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  device_code = member_string (answer, "device_code");
  if (device_code == NULL || member_string (answer, "user_code") == NULL
      || member_string (answer, "verification_uri") == NULL)
    {
      g_task_return_new_error (task, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,
                               _("The Microsoft sign-in service sent no sign-in code"));
      return;
    }
  interval = CLAMP (json_object_get_int_member_with_default (answer, "interval", 5), 1, 60);
  expires_in = CLAMP (json_object_get_int_member_with_default (answer, "expires_in", 900), 1, 3600);
  uc = g_new0 (UserCode, 1);
  uc->self = g_object_ref (self);
  uc->user_code = g_strdup (member_string (answer, "user_code"));
  uc->verification_uri = g_strdup (member_string (answer, "verification_uri"));
  uc->message = g_strdup (member_string (answer, "message"));
  uc->expires_in = (int) expires_in;
  /* an idle source, not g_main_context_invoke(): that runs the callback in this thread when
   * nothing iterates the caller's context at the moment */
  idle = g_idle_source_new ();
  g_source_set_callback (idle, emit_user_code, uc, user_code_free);
  g_source_attach (idle, g_task_get_context (task));
  /* The server says expired_token when the code ran out; the local deadline (with some
   * slack for clock and network delays) only ends polling when it never says so. */
  if (poll_token (self, device_code, interval,
                  g_get_monotonic_time () + (expires_in + 2 * interval) * G_USEC_PER_SEC,
                  cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
outpost_device_code_sign_in_async (OutpostDeviceCode   *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OUTPOST_IS_DEVICE_CODE (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, outpost_device_code_sign_in_async);
  g_task_run_in_thread (task, sign_in_thread);
}

gboolean
outpost_device_code_sign_in_finish (OutpostDeviceCode  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
outpost_device_code_sign_out (OutpostDeviceCode  *self,
                              GCancellable       *cancellable,
                              GError            **error)
{
  g_return_val_if_fail (OUTPOST_IS_DEVICE_CODE (self), FALSE);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->access_token, g_free);
  self->generation++;
  g_mutex_unlock (&self->lock);
  return outpost_secrets_clear (self->account, cancellable, error);
}

/* ---- the auth provider ----------------------------------------------------------------- */

static gboolean
refresh_now (OutpostDeviceCode  *self,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) answer = NULL;
  char *refresh;
  guint status = 0;

  refresh = outpost_secrets_lookup (self->account, OUTPOST_SECRET_REFRESH_TOKEN, cancellable, error);
  if (refresh == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR,
                             OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN,
                             _("You are not signed in with a Microsoft account. Sign in to "
                               "synchronize."));
      return FALSE;
    }
  g_hash_table_insert (form, (char *) "grant_type", (char *) "refresh_token");
  g_hash_table_insert (form, (char *) "client_id", self->client_id);
  g_hash_table_insert (form, (char *) "scope", self->scope);
  g_hash_table_insert (form, (char *) "refresh_token", refresh);
  answer = post_form (self, "token", form, &status, cancellable, error);
  g_hash_table_remove_all (form);
  outpost_secrets_free (refresh);
  if (answer == NULL)
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      set_oauth_error (error, answer, status);
      return FALSE;
    }
  return take_tokens (self, answer, cancellable, error);
}

/* Refreshes unless another thread got a newer token since @seen_generation. */
static gboolean
refresh_if_stale (OutpostDeviceCode  *self,
                  guint               seen_generation,
                  GCancellable       *cancellable,
                  GError            **error)
{
  gboolean ok = TRUE, newer;

  g_mutex_lock (&self->refresh_lock);
  g_mutex_lock (&self->lock);
  newer = self->generation != seen_generation && self->access_token != NULL;
  g_mutex_unlock (&self->lock);
  if (!newer)
    ok = refresh_now (self, cancellable, error);
  g_mutex_unlock (&self->refresh_lock);
  return ok;
}

static char *
current_header (OutpostDeviceCode *self,
                guint             *generation)
{
  char *header = NULL;

  g_mutex_lock (&self->lock);
  *generation = self->generation;
  if (self->access_token != NULL
      && g_get_monotonic_time () < self->access_expires - EXPIRY_MARGIN_US)
    header = g_strconcat ("Bearer ", self->access_token, NULL);
  g_mutex_unlock (&self->lock);
  return header;
}

static char *
device_code_get_authorization (OutpostAuthProvider  *provider,
                               GCancellable         *cancellable,
                               GError              **error)
{
  OutpostDeviceCode *self = OUTPOST_DEVICE_CODE (provider);
  guint generation;
  char *header = current_header (self, &generation);

  if (header != NULL)
    return header;
  if (!refresh_if_stale (self, generation, cancellable, error))
    return NULL;
  header = current_header (self, &generation);
  if (header == NULL)
    g_set_error_literal (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,
                         _("The Microsoft sign-in service sent a token that has already expired"));
  return header;
}

static gboolean
device_code_refresh (OutpostAuthProvider  *provider,
                     GCancellable         *cancellable,
                     GError              **error)
{
  OutpostDeviceCode *self = OUTPOST_DEVICE_CODE (provider);
  guint generation;
  g_autofree char *header = NULL;

  /* The token in use was refused: drop it, then get a new one (once for all threads). */
  g_mutex_lock (&self->lock);
  generation = self->generation;
  g_mutex_unlock (&self->lock);
  g_mutex_lock (&self->refresh_lock);
  g_mutex_lock (&self->lock);
  if (self->generation == generation)
    g_clear_pointer (&self->access_token, g_free);
  g_mutex_unlock (&self->lock);
  g_mutex_unlock (&self->refresh_lock);
  header = device_code_get_authorization (provider, cancellable, error);
  return header != NULL;
}

static void
outpost_device_code_auth_init (OutpostAuthProviderInterface *iface)
{
  iface->get_authorization = device_code_get_authorization;
  iface->refresh = device_code_refresh;
}

/* ---- object ---------------------------------------------------------------------------- */

static void
outpost_device_code_finalize (GObject *object)
{
  OutpostDeviceCode *self = OUTPOST_DEVICE_CODE (object);

  g_free (self->account);
  g_free (self->client_id);
  g_free (self->tenant);
  g_free (self->authority);
  g_free (self->scope);
  g_free (self->user_code);
  g_free (self->verification_uri);
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_free (self->access_token);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->refresh_lock);
  G_OBJECT_CLASS (outpost_device_code_parent_class)->finalize (object);
}

static void
outpost_device_code_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OutpostDeviceCode *self = OUTPOST_DEVICE_CODE (object);

  switch (prop_id)
    {
    case PROP_USER_CODE: g_value_set_string (value, self->user_code); break;
    case PROP_VERIFICATION_URI: g_value_set_string (value, self->verification_uri); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_device_code_class_init (OutpostDeviceCodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = outpost_device_code_finalize;
  object_class->get_property = outpost_device_code_get_property;
  properties[PROP_USER_CODE] =
    g_param_spec_string ("user-code", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFICATION_URI] =
    g_param_spec_string ("verification-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_USER_CODE] =
    g_signal_new ("user-code", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT);
}

static void
outpost_device_code_init (OutpostDeviceCode *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->refresh_lock);
}

static char *
strip_slashes (const char *url)
{
  char *copy = g_strdup (url);
  gsize len = strlen (copy);

  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';
  return copy;
}

OutpostDeviceCode *
outpost_device_code_new (const char *account,
                         const char *org_url,
                         const char *client_id,
                         const char *tenant,
                         const char *authority)
{
  OutpostDeviceCode *self;
  g_autofree char *org = NULL;

  g_return_val_if_fail (account != NULL && org_url != NULL && client_id != NULL, NULL);
  self = g_object_new (OUTPOST_TYPE_DEVICE_CODE, NULL);
  org = strip_slashes (org_url);
  self->account = g_strdup (account);
  self->client_id = g_strdup (client_id);
  self->tenant = g_strdup (tenant != NULL && *tenant != '\0' ? tenant : "organizations");
  self->authority = strip_slashes (authority != NULL ? authority : OUTPOST_DEVICE_CODE_AUTHORITY);
  self->scope = g_strdup_printf ("%s/user_impersonation offline_access", org);
  return self;
}

OutpostDeviceCode *
outpost_device_code_new_from_settings (const char *account,
                                       const char *org_url,
                                       GSettings  *settings,
                                       const char *authority)
{
  g_autofree char *client_id = g_settings_get_string (settings, "dataverse-client-id");
  g_autofree char *tenant = g_settings_get_string (settings, "dataverse-tenant");

  return outpost_device_code_new (account, org_url, client_id, tenant, authority);
}

const char *
outpost_device_code_get_user_code (OutpostDeviceCode *self)
{
  g_return_val_if_fail (OUTPOST_IS_DEVICE_CODE (self), NULL);
  return self->user_code;
}

const char *
outpost_device_code_get_verification_uri (OutpostDeviceCode *self)
{
  g_return_val_if_fail (OUTPOST_IS_DEVICE_CODE (self), NULL);
  return self->verification_uri;
}

const char *
outpost_device_code_get_scope (OutpostDeviceCode *self)
{
  g_return_val_if_fail (OUTPOST_IS_DEVICE_CODE (self), NULL);
  return self->scope;
}

guint
outpost_device_code_get_polls (OutpostDeviceCode *self)
{
  g_return_val_if_fail (OUTPOST_IS_DEVICE_CODE (self), 0);
  return (guint) g_atomic_int_get (&self->polls);
}

/* ---- authority discovery --------------------------------------------------------------- */

gboolean
outpost_device_code_url_is_allowed (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme, *host;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  return g_ascii_strcasecmp (scheme, "http") == 0
         && (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1")
             || g_ascii_strcasecmp (host, "localhost") == 0);
}

/* The value of authorization_uri in a Bearer challenge (quoted or not), or NULL. */
static char *
challenge_authorization_uri (const char *challenge)
{
  const char *p;
  gsize len;

  if (challenge == NULL || g_ascii_strncasecmp (challenge, "Bearer", 6) != 0)
    return NULL;
  p = strstr (challenge, "authorization_uri=");
  if (p == NULL)
    return NULL;
  p += strlen ("authorization_uri=");
  if (*p == '"')
    len = strcspn (++p, "\"");
  else
    len = strcspn (p, ", \t");
  return len > 0 ? g_strndup (p, len) : NULL;
}

/* "https://login.microsoftonline.com/<tenant>/oauth2/authorize" -> "https://login.microsoftonline.com" */
static char *
authority_from_authorize_uri (const char *authorize, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (authorize, G_URI_FLAGS_NONE, NULL);
  g_autofree char *prefix = NULL;
  const char *path, *oauth2;
  char *slash;

  if (uri == NULL || !outpost_device_code_url_is_allowed (authorize)
      || (path = g_uri_get_path (uri)) == NULL || (oauth2 = strstr (path, "/oauth2/")) == NULL)
    {
      g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,
                   _("The server names a sign-in service that is not a secure (https) address: %s"),
                   authorize);
      return NULL;
    }
  prefix = g_strndup (path, (gsize) (oauth2 - path));
  slash = strrchr (prefix, '/');   /* drop the tenant segment */
  if (slash != NULL)
    *slash = '\0';
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), prefix, NULL, NULL);
}

char *
outpost_device_code_discover_authority (const char    *org_url,
                                        const char    *api_version,
                                        GCancellable  *cancellable,
                                        GError       **error)
{
  g_autofree char *org = strip_slashes (org_url);
  g_autofree char *url = g_strdup_printf ("%s/api/data/%s/", org, api_version ? api_version : "v9.2");
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *authorize = NULL;

  if (!outpost_device_code_url_is_allowed (org_url) || (msg = soup_message_new ("GET", url)) == NULL)
    {
      g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_FAILED,
                   _("“%s” is not an https:// address (plain http is allowed only for this computer)"),
                   org_url);
      return NULL;
    }
  session = soup_session_new_with_options ("timeout", 30, "user-agent", "Outpost/" PACKAGE_VERSION, NULL);
  body = soup_session_send_and_read (session, msg, cancellable, &local);
  if (body == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NETWORK,
                     _("Could not reach the organization at %s: %s"), org_url, local->message);
      return NULL;
    }
  if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED)
    authorize = challenge_authorization_uri (
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "WWW-Authenticate"));
  if (authorize == NULL)
    return g_strdup (OUTPOST_DEVICE_CODE_AUTHORITY);
  return authority_from_authorize_uri (authorize, error);
}

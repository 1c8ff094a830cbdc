/* outpost-auth.c: the auth provider interface and the stock providers (none, basic, bearer). */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include <libsoup/soup.h>

#include "outpost-auth.h"
#include "outpost-secrets.h"
#include "outpost-tls-trust.h"

G_DEFINE_QUARK (outpost-auth-error-quark, outpost_auth_error)

G_DEFINE_INTERFACE (OutpostAuthProvider, outpost_auth_provider, G_TYPE_OBJECT)

static void
outpost_auth_provider_default_init (OutpostAuthProviderInterface *iface)
{
}

char *
outpost_auth_provider_get_authorization (OutpostAuthProvider *self,
                                         GCancellable        *cancellable,
                                         GError             **error)
{
  g_return_val_if_fail (OUTPOST_IS_AUTH_PROVIDER (self), NULL);
  return OUTPOST_AUTH_PROVIDER_GET_IFACE (self)->get_authorization (self, cancellable, error);
}

gboolean
outpost_auth_provider_refresh (OutpostAuthProvider *self,
                               GCancellable        *cancellable,
                               GError             **error)
{
  g_return_val_if_fail (OUTPOST_IS_AUTH_PROVIDER (self), FALSE);
  return OUTPOST_AUTH_PROVIDER_GET_IFACE (self)->refresh (self, cancellable, error);
}

/* ---- the stock provider: one class, three kinds ---------------------------------------- */

#define OUTPOST_TYPE_SIMPLE_AUTH (outpost_simple_auth_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSimpleAuth, outpost_simple_auth, OUTPOST, SIMPLE_AUTH, GObject)

struct _OutpostSimpleAuth
{
  GObject                 parent_instance;
  GMutex                  lock;      /* downloader threads read the token while one refreshes */
  char                   *header;    /* NULL = no Authorization header */
  OutpostTokenRefreshFunc refresh;
  gpointer                refresh_data;
  GDestroyNotify          refresh_destroy;
};

static char *
simple_get_authorization (OutpostAuthProvider *provider,
                          GCancellable        *cancellable,
                          GError             **error)
{
  OutpostSimpleAuth *self = OUTPOST_SIMPLE_AUTH (provider);
  char *copy;

  g_mutex_lock (&self->lock);
  copy = g_strdup (self->header);
  g_mutex_unlock (&self->lock);
  return copy;
}

static gboolean
simple_refresh (OutpostAuthProvider *provider,
                GCancellable        *cancellable,
                GError             **error)
{
  OutpostSimpleAuth *self = OUTPOST_SIMPLE_AUTH (provider);
  g_autofree char *token = NULL;

  if (self->refresh == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "The server refused the credentials");
      return FALSE;
    }
  token = self->refresh (self->refresh_data, cancellable, error);
  if (token == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  g_free (self->header);
  self->header = g_strdup_printf ("Bearer %s", token);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
simple_auth_iface_init (OutpostAuthProviderInterface *iface)
{
  iface->get_authorization = simple_get_authorization;
  iface->refresh = simple_refresh;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostSimpleAuth, outpost_simple_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_AUTH_PROVIDER,
                                                      simple_auth_iface_init))

static void
outpost_simple_auth_finalize (GObject *object)
{
  OutpostSimpleAuth *self = OUTPOST_SIMPLE_AUTH (object);

  if (self->header != NULL)
    memset (self->header, 0, strlen (self->header)); /* don't leave the secret in freed memory */
  g_free (self->header);
  if (self->refresh_destroy != NULL)
    self->refresh_destroy (self->refresh_data);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (outpost_simple_auth_parent_class)->finalize (object);
}

static void
outpost_simple_auth_class_init (OutpostSimpleAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_simple_auth_finalize;
}

static void
outpost_simple_auth_init (OutpostSimpleAuth *self)
{
  g_mutex_init (&self->lock);
}

OutpostAuthProvider *
outpost_auth_none_new (void)
{
  return g_object_new (OUTPOST_TYPE_SIMPLE_AUTH, NULL);
}

OutpostAuthProvider *
outpost_auth_basic_new (const char *user,
                        const char *password)
{
  OutpostSimpleAuth *self = g_object_new (OUTPOST_TYPE_SIMPLE_AUTH, NULL);
  g_autofree char *pair = g_strdup_printf ("%s:%s", user ? user : "", password ? password : "");
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  self->header = g_strdup_printf ("Basic %s", encoded);
  memset (pair, 0, strlen (pair));
  return OUTPOST_AUTH_PROVIDER (self);
}

OutpostAuthProvider *
outpost_auth_bearer_new (const char              *access_token,
                         OutpostTokenRefreshFunc  refresh,
                         gpointer                 user_data,
                         GDestroyNotify           destroy)
{
  OutpostSimpleAuth *self = g_object_new (OUTPOST_TYPE_SIMPLE_AUTH, NULL);

  if (access_token != NULL)
    self->header = g_strdup_printf ("Bearer %s", access_token);
  self->refresh = refresh;
  self->refresh_data = user_data;
  self->refresh_destroy = destroy;
  return OUTPOST_AUTH_PROVIDER (self);
}

/* ---- basic with the password from the Secret Service ----------------------------------- */

#define OUTPOST_TYPE_SAVED_BASIC_AUTH (outpost_saved_basic_auth_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSavedBasicAuth, outpost_saved_basic_auth, OUTPOST, SAVED_BASIC_AUTH, GObject)

struct _OutpostSavedBasicAuth
{
  GObject  parent_instance;
  GMutex   lock;
  char    *account;
  char    *user;
  char    *header;    /* NULL until the password was read */
};

/* Called with the lock held. */
static void
saved_basic_take_password (OutpostSavedBasicAuth *self, const char *password)
{
  g_autoptr(OutpostAuthProvider) basic = outpost_auth_basic_new (self->user, password);

  if (self->header != NULL)
    explicit_bzero (self->header, strlen (self->header));
  g_free (self->header);
  self->header = outpost_auth_provider_get_authorization (basic, NULL, NULL);
}

static char *
saved_basic_get_authorization (OutpostAuthProvider *provider,
                               GCancellable        *cancellable,
                               GError             **error)
{
  OutpostSavedBasicAuth *self = OUTPOST_SAVED_BASIC_AUTH (provider);
  char *copy = NULL;

  g_mutex_lock (&self->lock);
  if (self->header == NULL)
    {
      GError *local = NULL;
      char *password = outpost_secrets_lookup (self->account, OUTPOST_SECRET_PASSWORD,
                                               cancellable, &local);

      if (password != NULL)
        {
          saved_basic_take_password (self, password);
          outpost_secrets_free (password);
        }
      else if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_NEEDS_PASSWORD,
                     _("No password is saved for “%s”: sign in again and choose to remember "
                       "the password"), self->account);
    }
  copy = g_strdup (self->header);
  g_mutex_unlock (&self->lock);
  return copy;
}

static gboolean
saved_basic_refresh (OutpostAuthProvider *provider,
                     GCancellable        *cancellable,
                     GError             **error)
{
  OutpostSavedBasicAuth *self = OUTPOST_SAVED_BASIC_AUTH (provider);

  g_set_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_REFUSED,
               _("The server did not accept the user name or password of “%s”"), self->account);
  return FALSE;
}

static void
saved_basic_iface_init (OutpostAuthProviderInterface *iface)
{
  iface->get_authorization = saved_basic_get_authorization;
  iface->refresh = saved_basic_refresh;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostSavedBasicAuth, outpost_saved_basic_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_AUTH_PROVIDER,
                                                      saved_basic_iface_init))

static void
outpost_saved_basic_auth_finalize (GObject *object)
{
  OutpostSavedBasicAuth *self = OUTPOST_SAVED_BASIC_AUTH (object);

  if (self->header != NULL)
    memset (self->header, 0, strlen (self->header));
  g_free (self->header);
  g_free (self->account);
  g_free (self->user);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (outpost_saved_basic_auth_parent_class)->finalize (object);
}

static void
outpost_saved_basic_auth_class_init (OutpostSavedBasicAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_saved_basic_auth_finalize;
}

static void
outpost_saved_basic_auth_init (OutpostSavedBasicAuth *self)
{
  g_mutex_init (&self->lock);
}

OutpostAuthProvider *
outpost_auth_basic_saved_new (const char *account,
                              const char *user)
{
  OutpostSavedBasicAuth *self;

  g_return_val_if_fail (account != NULL, NULL);
  self = g_object_new (OUTPOST_TYPE_SAVED_BASIC_AUTH, NULL);
  self->account = g_strdup (account);
  self->user = g_strdup (user);
  return OUTPOST_AUTH_PROVIDER (self);
}

gboolean
outpost_auth_basic_set_password (OutpostAuthProvider *provider,
                                 const char          *password)
{
  OutpostSavedBasicAuth *self;

  if (!G_TYPE_CHECK_INSTANCE_TYPE (provider, OUTPOST_TYPE_SAVED_BASIC_AUTH))
    return FALSE;
  self = OUTPOST_SAVED_BASIC_AUTH (provider);
  g_mutex_lock (&self->lock);
  if (password != NULL)
    saved_basic_take_password (self, password);
  else if (self->header != NULL)
    {
      explicit_bzero (self->header, strlen (self->header));
      g_clear_pointer (&self->header, g_free);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
outpost_auth_basic_has_password (OutpostAuthProvider *provider)
{
  OutpostSavedBasicAuth *self;
  gboolean has;

  if (!G_TYPE_CHECK_INSTANCE_TYPE (provider, OUTPOST_TYPE_SAVED_BASIC_AUTH))
    return FALSE;
  self = OUTPOST_SAVED_BASIC_AUTH (provider);
  g_mutex_lock (&self->lock);
  has = self->header != NULL;
  g_mutex_unlock (&self->lock);
  return has;
}

/* ---- checking a password before the account is saved ---------------------------------- */

static gboolean
accept_pinned (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
               gpointer pinned)
{
  return outpost_tls_pin_matches (pinned, certificate);
}

static SoupMessage *
whoami_message (const char *url, const char *api_version, const char *user,
                const char *password, GError **error)
{
  g_autofree char *base = g_strdup (url);
  g_autofree char *address = NULL;
  g_autofree char *header = NULL;
  g_autoptr(OutpostAuthProvider) basic = NULL;
  SoupMessage *msg;

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  address = g_strdup_printf ("%s/api/data/%s/WhoAmI", base, api_version ? api_version : "v9.2");
  msg = soup_message_new ("GET", address);
  if (msg == NULL)
    {
      g_set_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_FAILED,
                   _("“%s” is not a valid address"), url);
      return NULL;
    }
  basic = outpost_auth_basic_new (user, password);
  header = outpost_auth_provider_get_authorization (basic, NULL, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  explicit_bzero (header, strlen (header));
  return msg;
}

gboolean
outpost_auth_check_basic (const char    *url,
                          const char    *api_version,
                          const char    *user,
                          const char    *password,
                          const char    *trusted_certificate,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = whoami_message (url, api_version, user, password, error);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local = NULL;
  guint status;

  if (msg == NULL)
    return FALSE;
  if (trusted_certificate != NULL)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_pinned),
                      (gpointer) trusted_certificate);
  session = soup_session_new_with_options ("timeout", 30, "user-agent", "Outpost/" PACKAGE_VERSION, NULL);
  body = soup_session_send_and_read (session, msg, cancellable, &local);
  if (body == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_FAILED,
                     _("The server could not be reached: %s"), local->message);
      return FALSE;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      g_set_error_literal (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_REFUSED,
                           _("The server did not accept this user name and password"));
      return FALSE;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_set_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_FAILED,
                   _("The server answered the sign-in with %u %s"), status,
                   soup_status_get_phrase (status));
      return FALSE;
    }
  return TRUE;
}

/* outpost-auth.c: the auth provider interface and the stock providers (none, basic, bearer). */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "outpost-auth.h"
#include "outpost-secrets.h"

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
          g_autoptr(OutpostAuthProvider) basic = outpost_auth_basic_new (self->user, password);

          outpost_secrets_free (password);
          self->header = outpost_auth_provider_get_authorization (basic, NULL, NULL);
        }
      else if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
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

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _("The server refused the user name or password saved for “%s”"), self->account);
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

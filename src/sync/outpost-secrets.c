#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "outpost-secrets.h"

/* One schema for every Outpost secret: which account, and what the secret is for. */
static const SecretSchema *
outpost_secret_schema (void)
{
  static const SecretSchema schema = {
    "io.github.outpostcrm.Outpost.Secret", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };
  return &schema;
}

gboolean
outpost_secrets_store (const char    *account,
                       const char    *kind,
                       const char    *secret,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *label = g_strdup_printf ("Outpost %s (%s)", kind, account);

  g_return_val_if_fail (account != NULL && kind != NULL && secret != NULL, FALSE);
  return secret_password_store_sync (outpost_secret_schema (), SECRET_COLLECTION_DEFAULT,
                                     label, secret, cancellable, error,
                                     "account", account, "kind", kind, NULL);
}

char *
outpost_secrets_lookup (const char    *account,
                        const char    *kind,
                        GCancellable  *cancellable,
                        GError       **error)
{
  char *secret;

  g_return_val_if_fail (account != NULL && kind != NULL, NULL);
  secret = secret_password_lookup_nonpageable_sync (outpost_secret_schema (), cancellable, error,
                                                    "account", account, "kind", kind, NULL);
  if (secret == NULL)
    return NULL;
  /* Hand out ordinary memory so callers need not know about libsecret's allocator. */
  {
    char *copy = g_strdup (secret);
    secret_password_free (secret);
    return copy;
  }
}

gboolean
outpost_secrets_clear (const char    *account,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (account != NULL, FALSE);
  /* FALSE without an error only means there was nothing to remove. */
  if (!secret_password_clear_sync (outpost_secret_schema (), cancellable, &local_error,
                                   "account", account, NULL) && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
outpost_secrets_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

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

typedef struct {
  char *account;
  char *kind;
  char *secret;
} StoreJob;

static void
store_job_free (gpointer data)
{
  StoreJob *job = data;

  g_free (job->account);
  g_free (job->kind);
  outpost_secrets_free (job->secret);
  g_free (job);
}

static void
store_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  StoreJob *job = task_data;
  GError *error = NULL;

  if (outpost_secrets_store (job->account, job->kind, job->secret, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
outpost_secrets_store_async (gpointer             source_object,
                             const char          *account,
                             const char          *kind,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, cancellable, callback, user_data);
  StoreJob *job = g_new0 (StoreJob, 1);

  job->account = g_strdup (account);
  job->kind = g_strdup (kind);
  job->secret = g_strdup (secret);
  g_task_set_source_tag (task, outpost_secrets_store_async);
  g_task_set_task_data (task, job, store_job_free);
  g_task_run_in_thread (task, store_thread);
}

gboolean
outpost_secrets_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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

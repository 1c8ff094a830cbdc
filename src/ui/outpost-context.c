/* outpost-context.c: the service container. */
#include "config.h"

#include "outpost-context.h"

struct _OutpostContext
{
  GObject             parent_instance;
  OutpostAccount     *account;
  OutpostStoreClient *client;
  OutpostSyncEngine  *engine;
  GSettings          *settings;
  gboolean            credentials_saved;
  OutpostConnectivity *connectivity;   /* created with the scheduler, on first use */
  OutpostScheduler   *scheduler;
};

G_DEFINE_FINAL_TYPE (OutpostContext, outpost_context, G_TYPE_OBJECT)

static void
outpost_context_finalize (GObject *object)
{
  OutpostContext *self = OUTPOST_CONTEXT (object);

  g_clear_object (&self->scheduler);
  g_clear_object (&self->connectivity);
  g_clear_object (&self->engine);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  G_OBJECT_CLASS (outpost_context_parent_class)->finalize (object);
}

static void
outpost_context_class_init (OutpostContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_context_finalize;
}

static void
outpost_context_init (OutpostContext *self)
{
}

/* Secrets are read from the Secret Service by the provider on the sync's thread, never here. */
static OutpostAuthProvider *
make_auth (OutpostAccount *account, GSettings *settings, const char *password)
{
  return outpost_account_create_auth (account, settings, password);
}

static OutpostStore *
open_account_store (gpointer account, GError **error)
{
  return outpost_account_open_store (account, error);
}

static void
store_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OutpostContext *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->client = outpost_store_client_open_finish (result, &error);
  if (self->client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

/* The engine is made here (it only reads the profile's file: no SQL; it opens the database in
 * its own thread when a sync runs); the store is opened by the client's worker. */
void
outpost_context_new_async (OutpostAccount *account, GSettings *settings, const char *password,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(OutpostContext) self = g_object_new (OUTPOST_TYPE_CONTEXT, NULL);
  g_autoptr(OutpostAuthProvider) auth = make_auth (account, settings, password);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, outpost_context_new_async);
  self->account = g_object_ref (account);
  self->settings = g_object_ref (settings);
  /* automatic sync needs credentials it can use without asking: none needed, a password
   * given at sign-in or remembered in the keyring, or a Microsoft sign-in (its refresh token
   * is in the keyring) */
  self->credentials_saved = outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_BASIC
                            || password != NULL || outpost_account_get_password_saved (account);
  self->engine = outpost_account_create_engine (account, auth, &error);
  if (self->engine == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  outpost_store_client_open_async (open_account_store, g_object_ref (account), g_object_unref,
                                   cancellable, store_opened, g_steal_pointer (&task));
}

OutpostContext *
outpost_context_new_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == outpost_context_new_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

OutpostAccount *
outpost_context_get_account (OutpostContext *self)
{
  return self->account;
}

OutpostStoreClient *
outpost_context_get_client (OutpostContext *self)
{
  return self->client;
}

OutpostSyncEngine *
outpost_context_get_engine (OutpostContext *self)
{
  return self->engine;
}

GSettings *
outpost_context_get_settings (OutpostContext *self)
{
  return self->settings;
}

OutpostProfile *
outpost_context_get_profile (OutpostContext *self)
{
  return outpost_store_client_get_profile (self->client);
}

OutpostScheduler *
outpost_context_get_scheduler (OutpostContext *self)
{
  g_return_val_if_fail (OUTPOST_IS_CONTEXT (self), NULL);
  if (self->scheduler == NULL)
    {
      self->connectivity = outpost_connectivity_new (NULL, outpost_account_get_url (self->account));
      self->scheduler = outpost_scheduler_new (self->settings, NULL, self->connectivity);
      outpost_scheduler_set_credentials_saved (self->scheduler, self->credentials_saved);
    }
  return self->scheduler;
}

OutpostConnectivity *
outpost_context_get_connectivity (OutpostContext *self)
{
  outpost_context_get_scheduler (self);
  return self->connectivity;
}

void
outpost_context_shutdown (OutpostContext *self)
{
  if (self->client != NULL)
    outpost_store_client_shutdown (self->client);
}

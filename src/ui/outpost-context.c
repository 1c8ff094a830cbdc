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

OutpostContext *
outpost_context_new (OutpostAccount *account, GSettings *settings, const char *password,
                     GError **error)
{
  g_autoptr(OutpostContext) self = g_object_new (OUTPOST_TYPE_CONTEXT, NULL);
  g_autoptr(OutpostAuthProvider) auth = make_auth (account, settings, password);
  OutpostStore *store;

  store = outpost_account_open_store (account, error);
  if (store == NULL)
    return NULL;
  self->engine = outpost_account_create_engine (account, auth, error);
  if (self->engine == NULL)
    {
      g_object_unref (store);
      return NULL;
    }
  self->account = g_object_ref (account);
  self->settings = g_object_ref (settings);
  self->client = outpost_store_client_new (store);
  /* automatic sync needs credentials it can use without asking: none needed, a password
   * given at sign-in or remembered in the keyring, or a Microsoft sign-in (its refresh token
   * is in the keyring) */
  self->credentials_saved = outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_BASIC
                            || password != NULL || outpost_account_get_password_saved (account);
  return g_steal_pointer (&self);
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
  outpost_store_client_shutdown (self->client);
}

/* outpost-sign-in-flow.c: the window's sign-in, every network and keyring call on a worker
 * thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-auth.h"
#include "outpost-device-code.h"
#include "outpost-secrets.h"
#include "outpost-sign-in-flow.h"

struct _OutpostSignInFlow
{
  GObject            parent_instance;
  GSettings         *settings;
  GCancellable      *cancellable;   /* NULL when idle */
  OutpostAccount    *account;       /* not saved until signed in */
  char              *password;      /* basic, this session only */
  OutpostDeviceCode *device_code;
};

enum { SIGNAL_USER_CODE, SIGNAL_SIGNED_IN, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostSignInFlow, outpost_sign_in_flow, G_TYPE_OBJECT)

gboolean
outpost_sign_in_flow_check_url (const char *url, char **message)
{
  if (url == NULL || *url == '\0')
    {
      *message = g_strdup (_("Enter the address of your organization"));
      return FALSE;
    }
  if (outpost_device_code_url_is_allowed (url))
    return TRUE;
  if (g_str_has_prefix (url, "http://"))
    *message = g_strdup (_("The address must start with https:// (plain http is allowed only for this computer)"));
  else
    *message = g_strdup (_("Enter a full address such as https://contoso.crm.dynamics.com"));
  return FALSE;
}

/* ---- ending -------------------------------------------------------------------------------- */

static void
finish (OutpostSignInFlow *self)
{
  g_clear_object (&self->cancellable);
  g_clear_object (&self->device_code);
}

static void
fail (OutpostSignInFlow *self, GError *error)
{
  finish (self);
  g_clear_object (&self->account);
  g_clear_pointer (&self->password, outpost_secrets_free);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
}

/* A result of a sign-in the user cancelled (or replaced by a new one) changes nothing. */
static gboolean
stale (GAsyncResult *result)
{
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));

  return cancellable != NULL && g_cancellable_is_cancelled (cancellable);
}

/* The account file is written only now: a failed sign-in leaves nothing behind. */
static void
succeed (OutpostSignInFlow *self)
{
  g_autoptr(OutpostAccount) account = g_steal_pointer (&self->account);
  g_autoptr(GError) error = NULL;
  char *password = g_steal_pointer (&self->password);

  finish (self);
  if (!outpost_account_save (account, TRUE, &error))
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
  else
    g_signal_emit (self, signals[SIGNAL_SIGNED_IN], 0, account, password);
  outpost_secrets_free (password);
}

/* ---- Microsoft account: authority, then the device code flow ------------------------------ */

static void
discover_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OutpostAccount *account = task_data;
  GError *error = NULL;
  char *authority = outpost_device_code_discover_authority (outpost_account_get_url (account),
                                                            outpost_account_get_api_version (account),
                                                            cancellable, &error);

  if (authority != NULL)
    g_task_return_pointer (task, authority, g_free);
  else
    g_task_return_error (task, error);
}

static void
user_code (OutpostDeviceCode *dc, const char *code, const char *uri, const char *message,
           int expires_in, OutpostSignInFlow *self)
{
  g_signal_emit (self, signals[SIGNAL_USER_CODE], 0, code, uri, expires_in);
}

static void
device_code_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostSignInFlow) self = user_data;
  GError *error = NULL;

  if (stale (result))
    return;
  if (outpost_device_code_sign_in_finish (OUTPOST_DEVICE_CODE (source), result, &error))
    succeed (self);
  else
    {
      fail (self, error);
      g_error_free (error);
    }
}

static void
discovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostSignInFlow) self = user_data;
  GError *error = NULL;
  g_autofree char *authority = NULL;

  if (stale (result))
    return;
  authority = g_task_propagate_pointer (G_TASK (result), &error);
  if (authority == NULL)
    {
      fail (self, error);
      g_error_free (error);
      return;
    }
  if (g_strcmp0 (authority, OUTPOST_DEVICE_CODE_AUTHORITY) != 0)
    outpost_account_set_authority (self->account, authority);
  self->device_code = OUTPOST_DEVICE_CODE (outpost_account_create_auth (self->account, self->settings, NULL));
  g_signal_connect_object (self->device_code, "user-code", G_CALLBACK (user_code), self, 0);
  outpost_device_code_sign_in_async (self->device_code, self->cancellable, device_code_done,
                                     g_object_ref (self));
}

static void
start_device_code (OutpostSignInFlow *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, discovered, g_object_ref (self));

  g_task_set_task_data (task, g_object_ref (self->account), g_object_unref);
  g_task_run_in_thread (task, discover_thread);
}

/* ---- user name and password ---------------------------------------------------------------- */

static void
stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostSignInFlow) self = user_data;
  GError *error = NULL;

  if (stale (result))
    return;
  if (outpost_secrets_store_finish (result, &error))
    succeed (self);
  else
    {
      g_prefix_error (&error, "%s", _("The password could not be saved in the keyring: "));
      fail (self, error);
      g_error_free (error);
    }
}

static void
save_password (OutpostSignInFlow *self)
{
  outpost_secrets_store_async (self, outpost_account_get_name (self->account), OUTPOST_SECRET_PASSWORD,
                               self->password, self->cancellable, stored, g_object_ref (self));
}

/* The server accepted the password: remember it, or keep it for this session's first sync
 * (each later sync asks for it). */
static void
checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostSignInFlow) self = user_data;
  GError *error = NULL;

  if (stale (result))
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail (self, error);
      g_error_free (error);
      return;
    }
  if (outpost_account_get_password_saved (self->account))
    {
      save_password (self);
      return;
    }
  /* not kept: the password is asked for at every synchronization */
  g_settings_set_boolean (self->settings, "sync-login", TRUE);
  succeed (self);
}

typedef struct {
  char *url;
  char *api_version;
  char *user;
  char *password;
} CheckJob;

static void
check_job_free (gpointer data)
{
  CheckJob *job = data;

  g_free (job->url);
  g_free (job->api_version);
  g_free (job->user);
  outpost_secrets_free (job->password);
  g_free (job);
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckJob *job = task_data;
  GError *error = NULL;

  if (outpost_auth_check_basic (job->url, job->api_version, job->user, job->password, NULL,
                                cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The user name and password are tried on the server (WhoAmI) before anything is saved, so a
 * wrong password is said here and not by a failed first sync. */
static void
start_basic (OutpostSignInFlow *self, gboolean remember)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, checked, g_object_ref (self));
  CheckJob *job = g_new0 (CheckJob, 1);

  outpost_account_set_password_saved (self->account, remember);
  job->url = g_strdup (outpost_account_get_url (self->account));
  job->api_version = g_strdup (outpost_account_get_api_version (self->account));
  job->user = g_strdup (outpost_account_get_user (self->account));
  job->password = g_strdup (self->password);
  g_task_set_task_data (task, job, check_job_free);
  g_task_run_in_thread (task, check_thread);
}

/* ---- public -------------------------------------------------------------------------------- */

void
outpost_sign_in_flow_start (OutpostSignInFlow *self, const char *name, const char *url,
                            OutpostAuthKind kind, const char *user, const char *password,
                            gboolean remember)
{
  g_autofree char *api = g_settings_get_string (self->settings, "web-api-version");
  g_autofree char *message = NULL;
  g_autoptr(OutpostAccount) existing = NULL;

  outpost_sign_in_flow_cancel (self);
  if (!outpost_sign_in_flow_check_url (url, &message))
    {
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, message);
      return;
    }
  if ((existing = outpost_account_load (name, NULL)) != NULL)
    {
      message = g_strdup_printf (_("An account named “%s” already exists"), name);
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, message);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->account = outpost_account_new (name, url, kind, user, NULL, api);
  if (kind == OUTPOST_AUTH_KIND_DEVICE_CODE)
    start_device_code (self);
  else
    {
      self->password = g_strdup (password);
      start_basic (self, remember);
    }
}

void
outpost_sign_in_flow_cancel (OutpostSignInFlow *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->device_code != NULL)
    g_signal_handlers_disconnect_by_data (self->device_code, self);
  g_clear_object (&self->device_code);
  g_clear_object (&self->account);
  g_clear_pointer (&self->password, outpost_secrets_free);
}

gboolean
outpost_sign_in_flow_is_running (OutpostSignInFlow *self)
{
  return self->cancellable != NULL;
}

static void
outpost_sign_in_flow_dispose (GObject *object)
{
  OutpostSignInFlow *self = OUTPOST_SIGN_IN_FLOW (object);

  outpost_sign_in_flow_cancel (self);
  g_clear_object (&self->device_code);
  g_clear_object (&self->account);
  g_clear_pointer (&self->password, outpost_secrets_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (outpost_sign_in_flow_parent_class)->dispose (object);
}

static void
outpost_sign_in_flow_class_init (OutpostSignInFlowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = outpost_sign_in_flow_dispose;
  signals[SIGNAL_USER_CODE] =
    g_signal_new ("user-code", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT);
  signals[SIGNAL_SIGNED_IN] =
    g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, OUTPOST_TYPE_ACCOUNT, G_TYPE_STRING);
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
outpost_sign_in_flow_init (OutpostSignInFlow *self)
{
}

OutpostSignInFlow *
outpost_sign_in_flow_new (GSettings *settings)
{
  OutpostSignInFlow *self = g_object_new (OUTPOST_TYPE_SIGN_IN_FLOW, NULL);

  self->settings = g_object_ref (settings);
  return self;
}

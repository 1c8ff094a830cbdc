/* outpost-account.c: accounts in $XDG_DATA_HOME/outpost/<name>/account.ini, without secrets. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "outpost-account.h"
#include "outpost-dataverse-connector.h"
#include "outpost-device-code.h"
#include "outpost-store.h"
#include "outpost-sync-engine.h"
#include "outpost-sync-metadata.h"

#define GROUP "Account"

struct _OutpostAccount
{
  GObject          parent_instance;
  char            *name;
  char            *url;
  OutpostAuthKind  auth_kind;
  char            *user;
  char            *profile_path;
  char            *api_version;
  char            *trusted_certificate;  /* fingerprint the user explicitly trusted, or NULL */
  char            *authority;            /* device code sign-in authority, NULL = Microsoft's */
  gboolean         password_saved;
  OutpostAuthProvider *auth;             /* the last one create_auth made (the window's sync) */
};

G_DEFINE_FINAL_TYPE (OutpostAccount, outpost_account, G_TYPE_OBJECT)

static const char *const auth_names[] = { "none", "basic", "device-code" };

const char *
outpost_auth_kind_to_string (OutpostAuthKind kind)
{
  return kind < G_N_ELEMENTS (auth_names) ? auth_names[kind] : "none";
}

gboolean
outpost_auth_kind_from_string (const char *str, OutpostAuthKind *kind)
{
  for (guint i = 0; str && i < G_N_ELEMENTS (auth_names); i++)
    if (g_str_equal (str, auth_names[i]))
      return (*kind = (OutpostAuthKind) i, TRUE);
  return FALSE;
}

static void
outpost_account_finalize (GObject *object)
{
  OutpostAccount *self = OUTPOST_ACCOUNT (object);

  g_free (self->name);
  g_free (self->url);
  g_free (self->user);
  g_free (self->profile_path);
  g_free (self->api_version);
  g_free (self->trusted_certificate);
  g_free (self->authority);
  g_clear_object (&self->auth);
  G_OBJECT_CLASS (outpost_account_parent_class)->finalize (object);
}

static void
outpost_account_class_init (OutpostAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_account_finalize;
}

static void
outpost_account_init (OutpostAccount *self)
{
}

gboolean
outpost_account_name_is_valid (const char *name)
{
  gsize len = name ? strlen (name) : 0;

  if (len == 0 || len > 64 || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

OutpostAccount *
outpost_account_new (const char *name, const char *url, OutpostAuthKind auth_kind,
                     const char *user, const char *profile_path, const char *api_version)
{
  OutpostAccount *self;

  g_return_val_if_fail (outpost_account_name_is_valid (name), NULL);
  self = g_object_new (OUTPOST_TYPE_ACCOUNT, NULL);
  self->name = g_strdup (name);
  self->url = g_strdup (url);
  self->auth_kind = auth_kind;
  self->user = user && *user ? g_strdup (user) : NULL;
  self->profile_path = profile_path && *profile_path ? g_strdup (profile_path) : NULL;
  self->api_version = g_strdup (api_version && *api_version ? api_version : "v9.2");
  return self;
}

const char *outpost_account_get_name (OutpostAccount *self) { return self->name; }
const char *outpost_account_get_url (OutpostAccount *self) { return self->url; }
OutpostAuthKind outpost_account_get_auth_kind (OutpostAccount *self) { return self->auth_kind; }
const char *outpost_account_get_user (OutpostAccount *self) { return self->user; }
const char *outpost_account_get_profile_path (OutpostAccount *self) { return self->profile_path; }
const char *outpost_account_get_api_version (OutpostAccount *self) { return self->api_version; }
const char *outpost_account_get_trusted_certificate (OutpostAccount *self) { return self->trusted_certificate; }

void
outpost_account_set_trusted_certificate (OutpostAccount *self, const char *fingerprint)
{
  g_free (self->trusted_certificate);
  self->trusted_certificate = g_strdup (fingerprint);
}

const char *outpost_account_get_authority (OutpostAccount *self) { return self->authority; }
gboolean outpost_account_get_password_saved (OutpostAccount *self) { return self->password_saved; }

void
outpost_account_set_authority (OutpostAccount *self, const char *authority)
{
  g_free (self->authority);
  self->authority = authority && *authority ? g_strdup (authority) : NULL;
}

void
outpost_account_set_password_saved (OutpostAccount *self, gboolean saved)
{
  self->password_saved = saved;
}

/* The default client id and tenant when no settings are at hand (the schema's defaults). */
static OutpostAuthProvider *
device_code_auth (OutpostAccount *self, GSettings *settings)
{
  if (settings != NULL)
    return OUTPOST_AUTH_PROVIDER (outpost_device_code_new_from_settings (self->name, self->url,
                                                                         settings, self->authority));
  return OUTPOST_AUTH_PROVIDER (outpost_device_code_new (self->name, self->url,
                                                         "51f81489-12ee-4a9e-aaae-a2591f45987d",
                                                         NULL, self->authority));
}

static OutpostAuthProvider *
make_auth (OutpostAccount *self, GSettings *settings, const char *password)
{
  OutpostAuthProvider *auth;

  switch (self->auth_kind)
    {
    case OUTPOST_AUTH_KIND_BASIC:
      /* one provider whose password can be given for a run (asked for at that sync) */
      auth = outpost_auth_basic_saved_new (self->name, self->user);
      if (password != NULL)
        outpost_auth_basic_set_password (auth, password);
      return auth;
    case OUTPOST_AUTH_KIND_DEVICE_CODE:
      /* the provider that signed in (the sign-in flow made it for this account object) keeps
       * its fresh access token for the first sync */
      if (self->auth != NULL && OUTPOST_IS_DEVICE_CODE (self->auth))
        return g_object_ref (self->auth);
      return device_code_auth (self, settings);
    case OUTPOST_AUTH_KIND_NONE:
    default:
      return outpost_auth_none_new ();
    }
}

OutpostAuthProvider *
outpost_account_create_auth (OutpostAccount *self, GSettings *settings, const char *password)
{
  OutpostAuthProvider *auth = make_auth (self, settings, password);

  g_set_object (&self->auth, auth);
  return auth;
}

OutpostAuthProvider *
outpost_account_get_auth (OutpostAccount *self)
{
  g_return_val_if_fail (OUTPOST_IS_ACCOUNT (self), NULL);
  return self->auth;
}

gboolean
outpost_account_asks_password (OutpostAccount *self, GSettings *settings)
{
  g_return_val_if_fail (OUTPOST_IS_ACCOUNT (self), FALSE);
  if (self->auth_kind != OUTPOST_AUTH_KIND_BASIC)
    return FALSE;
  return !self->password_saved
         || (settings != NULL && g_settings_get_boolean (settings, "sync-login"));
}

char *
outpost_account_get_db_path (OutpostAccount *self)
{
  g_autofree char *dir = outpost_store_dir_for_account (self->name);

  return g_build_filename (dir, "outpost.db", NULL);
}

static char *
ini_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "outpost", name, "account.ini", NULL);
}

gboolean
outpost_account_save (OutpostAccount *self, gboolean fail_if_exists, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = ini_path (self->name);
  g_autofree char *dir = g_path_get_dirname (path);

  if (fail_if_exists && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("An account named “%s” already exists"),
                   self->name);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("Could not create %s: %s"),
                   dir, g_strerror (e));
      return FALSE;
    }
  g_key_file_set_string (kf, GROUP, "Name", self->name);
  g_key_file_set_string (kf, GROUP, "Url", self->url ? self->url : "");
  g_key_file_set_string (kf, GROUP, "Auth", outpost_auth_kind_to_string (self->auth_kind));
  if (self->user)
    g_key_file_set_string (kf, GROUP, "User", self->user);
  if (self->profile_path)
    g_key_file_set_string (kf, GROUP, "Profile", self->profile_path);
  g_key_file_set_string (kf, GROUP, "ApiVersion", self->api_version);
  if (self->trusted_certificate != NULL)
    g_key_file_set_string (kf, GROUP, "TrustedCertificate", self->trusted_certificate);
  if (self->authority != NULL)
    g_key_file_set_string (kf, GROUP, "Authority", self->authority);
  if (self->password_saved)
    g_key_file_set_boolean (kf, GROUP, "PasswordSaved", TRUE);
  {
    gsize len;
    g_autofree char *data = g_key_file_to_data (kf, &len, NULL);
    return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  }
}

OutpostAccount *
outpost_account_load (const char *name, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = NULL;
  g_autofree char *url = NULL, *auth = NULL, *user = NULL, *profile = NULL, *api = NULL;
  OutpostAuthKind kind = OUTPOST_AUTH_KIND_NONE;

  if (!outpost_account_name_is_valid (name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a valid account name"),
                   name ? name : "");
      return NULL;
    }
  path = ini_path (name);
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No account named “%s”"), name);
      return NULL;
    }
  url = g_key_file_get_string (kf, GROUP, "Url", NULL);
  auth = g_key_file_get_string (kf, GROUP, "Auth", NULL);
  user = g_key_file_get_string (kf, GROUP, "User", NULL);
  profile = g_key_file_get_string (kf, GROUP, "Profile", NULL);
  api = g_key_file_get_string (kf, GROUP, "ApiVersion", NULL);
  if (auth != NULL && !outpost_auth_kind_from_string (auth, &kind))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Account “%s” has an unknown sign-in kind “%s”"),
                   name, auth);
      return NULL;
    }
  {
    OutpostAccount *account = outpost_account_new (name, url, kind, user, profile, api);
    account->trusted_certificate = g_key_file_get_string (kf, GROUP, "TrustedCertificate", NULL);
    account->authority = g_key_file_get_string (kf, GROUP, "Authority", NULL);
    account->password_saved = g_key_file_get_boolean (kf, GROUP, "PasswordSaved", NULL);
    return account;
  }
}

static gint
compare_accounts (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(OutpostAccount **) a)->name, (*(OutpostAccount **) b)->name);
}

GPtrArray *
outpost_account_list (GError **error)
{
  g_autofree char *root = g_build_filename (g_get_user_data_dir (), "outpost", NULL);
  g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = ini_path (name);
      OutpostAccount *account;

      if (outpost_account_name_is_valid (name) && g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          (account = outpost_account_load (name, NULL)) != NULL)
        g_ptr_array_add (list, account);
    }
  g_ptr_array_sort (list, compare_accounts);
  return list;
}

gboolean
outpost_account_remove (const char *name, GError **error)
{
  static const char *const files[] = { "account.ini", "outpost.db", "outpost.db-wal",
                                       "outpost.db-shm", "outpost.db.metadata.json" };
  g_autofree char *ini = NULL, *dir = NULL;

  if (!outpost_account_name_is_valid (name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a valid account name"), name);
      return FALSE;
    }
  ini = ini_path (name);
  if (!g_file_test (ini, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No account named “%s”"), name);
      return FALSE;
    }
  dir = g_path_get_dirname (ini);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (dir, files[i], NULL);
      if (g_unlink (p) != 0 && errno != ENOENT)
        {
          int e = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("Could not remove %s: %s"),
                       p, g_strerror (e));
          return FALSE;
        }
    }
  g_rmdir (dir);   /* only when empty: other files there are not ours to delete */
  return TRUE;
}

/* The profile the account was set up with: its file, or the default one. */
static OutpostProfile *
load_base_profile (OutpostAccount *self, GError **error)
{
  if (self->profile_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->profile_path);
      return outpost_profile_new_from_file (file, error);
    }
  return outpost_profile_new_default (error);
}

OutpostProfile *
outpost_account_load_profile (OutpostAccount *self, GError **error)
{
  g_autoptr(OutpostProfile) base = load_base_profile (self, error);
  g_autoptr(OutpostProfile) effective = NULL;
  g_autofree char *db = outpost_account_get_db_path (self);
  OutpostProfile *refined;

  if (base == NULL)
    return NULL;
  /* a newer profile published on the server replaces the account's own once a sync read it,
   * and the server's metadata refines it: the store must follow what the sync wrote */
  effective = outpost_sync_effective_profile (db, base);
  refined = outpost_sync_metadata_load (db, effective, NULL, FALSE);
  return refined ? refined : g_steal_pointer (&effective);
}

OutpostStore *
outpost_account_open_store (OutpostAccount *self, GError **error)
{
  g_autoptr(OutpostProfile) profile = outpost_account_load_profile (self, error);
  g_autofree char *db = outpost_account_get_db_path (self);

  return profile ? outpost_store_open (db, profile, error) : NULL;
}

OutpostSyncEngine *
outpost_account_create_engine (OutpostAccount *self, OutpostAuthProvider *auth, GError **error)
{
  g_autoptr(OutpostProfile) base = load_base_profile (self, error);
  g_autofree char *db = outpost_account_get_db_path (self);
  OutpostSyncEngine *engine;

  if (base == NULL)
    return NULL;
  engine = outpost_sync_engine_new (self->name, self->url, auth, base, db);
  outpost_sync_engine_set_api_version (engine, self->api_version);
  if (self->trusted_certificate != NULL)
    outpost_dataverse_connector_set_trusted_certificate (
      OUTPOST_DATAVERSE_CONNECTOR (outpost_sync_engine_get_connector (engine)), self->trusted_certificate);
  return engine;
}

/* outpost-account.h: a configured CRM account, stored without secrets in
 * $XDG_DATA_HOME/outpost/<name>/account.ini (a GKeyFile, group [Account]). */
#pragma once

#include <gio/gio.h>

#include "outpost-auth.h"
#include "outpost-profile.h"

typedef struct _OutpostStore OutpostStore;
typedef struct _OutpostSyncEngine OutpostSyncEngine;

G_BEGIN_DECLS

typedef enum {
  OUTPOST_AUTH_KIND_NONE,
  OUTPOST_AUTH_KIND_BASIC,
  OUTPOST_AUTH_KIND_DEVICE_CODE,
} OutpostAuthKind;

const char *outpost_auth_kind_to_string   (OutpostAuthKind kind);
gboolean    outpost_auth_kind_from_string (const char *str, OutpostAuthKind *kind);

#define OUTPOST_TYPE_ACCOUNT (outpost_account_get_type ())
G_DECLARE_FINAL_TYPE (OutpostAccount, outpost_account, OUTPOST, ACCOUNT, GObject)

/* Account names: 1-64 of [A-Za-z0-9._-], not starting with '.'. */
gboolean        outpost_account_name_is_valid (const char *name);

/* @api_version NULL = "v9.2"; @user and @profile_path may be NULL (profile NULL = default). */
OutpostAccount *outpost_account_new          (const char      *name,
                                              const char      *url,
                                              OutpostAuthKind  auth_kind,
                                              const char      *user,
                                              const char      *profile_path,
                                              const char      *api_version);
const char     *outpost_account_get_name     (OutpostAccount *self);
const char     *outpost_account_get_url      (OutpostAccount *self);
OutpostAuthKind outpost_account_get_auth_kind (OutpostAccount *self);
const char     *outpost_account_get_user     (OutpostAccount *self);
const char     *outpost_account_get_profile_path (OutpostAccount *self);
const char     *outpost_account_get_api_version (OutpostAccount *self);
/* The SHA-256 fingerprint ("SHA256:AB:…") of a server certificate the user explicitly
 * trusted although the system does not (outpost-tls-trust.h), or NULL. Saved with the account. */
const char     *outpost_account_get_trusted_certificate (OutpostAccount *self);
void            outpost_account_set_trusted_certificate (OutpostAccount *self,
                                              const char     *fingerprint);
/* Device code sign-in: the authority found at sign-in (outpost_device_code_discover_authority),
 * NULL = Microsoft's. Saved with the account; it is no secret. */
const char     *outpost_account_get_authority (OutpostAccount *self);
void            outpost_account_set_authority (OutpostAccount *self,
                                              const char     *authority);
/* Basic sign-in: whether the password was saved in the Secret Service ("Remember password").
 * Only this flag is saved with the account, never the password. */
gboolean        outpost_account_get_password_saved (OutpostAccount *self);
void            outpost_account_set_password_saved (OutpostAccount *self,
                                              gboolean        saved);
/* The auth provider for a sync: none; basic with @password (kept in memory), else with the
 * saved password (read from the Secret Service on the sync's thread); or the device code
 * provider (refresh token from the Secret Service; client id and tenant from @settings, which
 * may be NULL for the defaults). Never blocks. */
OutpostAuthProvider *outpost_account_create_auth (OutpostAccount *self,
                                              GSettings      *settings,
                                              const char     *password);
/* The provider create_auth made last (the one the account's sync engine uses), or NULL. For a
 * basic account the window gives it the password asked for at a sync
 * (outpost_auth_basic_set_password) and forgets it afterwards. A device code account gets
 * the same provider from every create_auth of this account object (the one that signed in
 * keeps its tokens for the first sync; the window signs in on it again at a sync). */
OutpostAuthProvider *outpost_account_get_auth (OutpostAccount *self);
/* Whether a sync must ask for the password: a basic account whose password is not saved, or
 * any basic account when the "sync-login" setting is on (@settings may be NULL: not on). */
gboolean        outpost_account_asks_password (OutpostAccount *self,
                                              GSettings      *settings);

/* <dir>/outpost.db (see outpost_store_dir_for_account). */
char           *outpost_account_get_db_path  (OutpostAccount *self);

/* Writes account.ini (fails with G_IO_ERROR_EXISTS when @fail_if_exists and it exists). */
gboolean        outpost_account_save         (OutpostAccount  *self,
                                              gboolean         fail_if_exists,
                                              GError         **error);
OutpostAccount *outpost_account_load         (const char      *name,
                                              GError         **error);
/* Every account with an account.ini, sorted by name (OutpostAccount*). */
GPtrArray      *outpost_account_list         (GError         **error);
/* Removes account.ini and the account's database files (and the directory when empty). */
gboolean        outpost_account_remove       (const char      *name,
                                              GError         **error);

/* The account's profile (the file, or the default profile). */
OutpostProfile *outpost_account_load_profile (OutpostAccount  *self,
                                              GError         **error);
/* Opens the account's store with its profile. */
OutpostStore   *outpost_account_open_store (OutpostAccount *self,
                                              GError         **error);
/* An OutpostSyncEngine for the account; @auth NULL = none. */
OutpostSyncEngine *outpost_account_create_engine (OutpostAccount *self,
                                              OutpostAuthProvider *auth,
                                              GError         **error);

G_END_DECLS

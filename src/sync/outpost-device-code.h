/* outpost-device-code.h: Microsoft sign-in for Dataverse online — the OAuth 2.0 device code
 * flow of Entra ID (v2-oauth2-device-code), and an OutpostAuthProvider using its tokens.
 *
 * Sign-in: POST {authority}/{tenant}/oauth2/v2.0/devicecode (client_id, scope
 * "<org URL>/user_impersonation offline_access"); "user-code" tells the caller what to show
 * (open verification_uri, enter user_code); then POST .../token with the device_code grant every
 * `interval` seconds until the user approved (or declined, or the code expired).
 * The refresh token goes ONLY to the Secret Service (outpost_secrets_store, kind
 * OUTPOST_SECRET_REFRESH_TOKEN); the access token stays in memory. As an auth provider, the
 * object refreshes the access token with the refresh_token grant when it is missing, about to
 * expire, or refused with 401. Thread-safe: the engine's downloader threads call it. */
#pragma once

#include <gio/gio.h>

#include "outpost-auth.h"

G_BEGIN_DECLS

#define OUTPOST_DEVICE_CODE_AUTHORITY "https://login.microsoftonline.com"
#define OUTPOST_DEVICE_CODE_ERROR (outpost_device_code_error_quark ())

typedef enum {
  OUTPOST_DEVICE_CODE_ERROR_FAILED,
  OUTPOST_DEVICE_CODE_ERROR_DECLINED,       /* authorization_declined */
  OUTPOST_DEVICE_CODE_ERROR_EXPIRED,        /* expired_token, or expires_in passed */
  OUTPOST_DEVICE_CODE_ERROR_BAD_CODE,       /* bad_verification_code */
  OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN,  /* no refresh token saved, or it was refused */
  OUTPOST_DEVICE_CODE_ERROR_NETWORK,
  OUTPOST_DEVICE_CODE_ERROR_PROTOCOL,       /* not the documented response */
} OutpostDeviceCodeError;

GQuark outpost_device_code_error_quark (void);

#define OUTPOST_TYPE_DEVICE_CODE (outpost_device_code_get_type ())
G_DECLARE_FINAL_TYPE (OutpostDeviceCode, outpost_device_code, OUTPOST, DEVICE_CODE, GObject)

/* @account: the account name (the key of its secrets); @org_url: e.g.
 * "https://contoso.crm.dynamics.com"; @client_id: the Entra application id; @tenant NULL =
 * "organizations"; @authority NULL = OUTPOST_DEVICE_CODE_AUTHORITY (tests and the demo server
 * pass outpost-server's base URL). */
OutpostDeviceCode *outpost_device_code_new      (const char *account,
                                                 const char *org_url,
                                                 const char *client_id,
                                                 const char *tenant,
                                                 const char *authority);
/* Client id and tenant from the keys dataverse-client-id and dataverse-tenant. */
OutpostDeviceCode *outpost_device_code_new_from_settings (const char *account,
                                                 const char *org_url,
                                                 GSettings  *settings,
                                                 const char *authority);

/* Runs the whole flow in a worker thread; "user-code" is emitted on the calling thread's main
 * context once the code is known. Cancel @cancellable when the user closes the dialog. */
void      outpost_device_code_sign_in_async  (OutpostDeviceCode   *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean  outpost_device_code_sign_in_finish (OutpostDeviceCode   *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* Forgets the access token and removes the account's secrets (blocks on D-Bus). */
gboolean  outpost_device_code_sign_out       (OutpostDeviceCode   *self,
                                              GCancellable        *cancellable,
                                              GError             **error);

const char *outpost_device_code_get_user_code        (OutpostDeviceCode *self);
const char *outpost_device_code_get_verification_uri (OutpostDeviceCode *self);
const char *outpost_device_code_get_scope            (OutpostDeviceCode *self);
/* Token requests sent during sign-in so far (polls), for tests and a progress hint. */
guint       outpost_device_code_get_polls            (OutpostDeviceCode *self);

/* Finds the sign-in authority of a Dataverse organization the documented way: an anonymous
 * GET of {org_url}/api/data/{api_version}/ answers 401 with
 * `WWW-Authenticate: Bearer authorization_uri="https://login.microsoftonline.com/<tenant>/oauth2/authorize"`.
 * Returns the authority ("https://login.microsoftonline.com", no tenant, no trailing slash), or
 * OUTPOST_DEVICE_CODE_AUTHORITY when the server sends no Bearer challenge. An authority must be
 * https (plain http only on this computer, for the demo and test servers). Blocks: call it from
 * a worker thread or the command line. @api_version NULL = "v9.2". */
char       *outpost_device_code_discover_authority   (const char    *org_url,
                                                      const char    *api_version,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
/* TRUE for https://, or http:// to 127.0.0.1, ::1 or localhost. */
gboolean    outpost_device_code_url_is_allowed       (const char    *url);

/* Signal "user-code" (const char *user_code, const char *verification_uri,
 *                     const char *message, int expires_in_seconds).
 * Properties "user-code", "verification-uri" (read-only, notify). */

G_END_DECLS

/* outpost-sign-in-flow.h: signing in to an organization from the window, without a blocking
 * call on the main thread. Microsoft account: finds the organization's sign-in service (its
 * 401 challenge), runs the device code flow on a worker thread ("user-code" tells what to show)
 * and keeps the refresh token in the Secret Service only. User name and password: tried on the
 * server first (an authenticated WhoAmI, outpost_auth_check_basic), so a wrong password is
 * said on the sign-in page; then saved in the Secret Service when it is to be remembered,
 * otherwise it is handed on for the first synchronization only and each later one asks for it
 * (sync-login is turned on). The account file is written only once the sign-in succeeded. */
#pragma once

#include <gio/gio.h>

#include "outpost-account.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_SIGN_IN_FLOW (outpost_sign_in_flow_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSignInFlow, outpost_sign_in_flow, OUTPOST, SIGN_IN_FLOW, GObject)

OutpostSignInFlow *outpost_sign_in_flow_new    (GSettings       *settings);
/* TRUE when @url may be used (https://, or http:// only on this computer); else FALSE and
 * @message (free it) says why. */
gboolean           outpost_sign_in_flow_check_url (const char    *url,
                                                   char         **message);
/* Starts signing in; ends with "signed-in" (OutpostAccount *account, const char *password or
 * NULL) or "failed" (const char *message). @password, @remember: basic only. */
void               outpost_sign_in_flow_start  (OutpostSignInFlow *self,
                                                const char        *name,
                                                const char        *url,
                                                OutpostAuthKind    kind,
                                                const char        *user,
                                                const char        *password,
                                                gboolean           remember);
/* Stops polling; "failed" is not emitted for a cancelled sign-in. */
void               outpost_sign_in_flow_cancel (OutpostSignInFlow *self);
gboolean           outpost_sign_in_flow_is_running (OutpostSignInFlow *self);

/* Signal "user-code" (const char *user_code, const char *verification_uri, int expires_in). */

G_END_DECLS

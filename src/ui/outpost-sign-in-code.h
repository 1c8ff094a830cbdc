/* outpost-sign-in-code.h: the device code step of signing in: the address to open, the code to
 * enter there (with Copy), a spinner while the sign-in service is asked, and Cancel. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_SIGN_IN_CODE (outpost_sign_in_code_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSignInCode, outpost_sign_in_code, OUTPOST, SIGN_IN_CODE, GtkBox)

GtkWidget *outpost_sign_in_code_new   (void);
/* Back to "contacting the sign-in service", no code shown. */
void       outpost_sign_in_code_reset (OutpostSignInCode *self);
void       outpost_sign_in_code_show  (OutpostSignInCode *self,
                                       const char        *user_code,
                                       const char        *verification_uri,
                                       int                expires_in);

/* Signal "cancel" (): the user gave up. */

G_END_DECLS

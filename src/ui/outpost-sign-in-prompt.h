/* outpost-sign-in-prompt.h: the Microsoft sign-in asked for at a sync. With "Ask for
 * credentials at every synchronization" (sync-login) on, a device code account signs in again
 * before each sync: a modal window shows the code and the address (OutpostSignInCode) while
 * the device code flow polls on its thread; the sync runs once the user approved. The new
 * refresh token replaces the saved one in the Secret Service (outpost-device-code.h), as at
 * any Microsoft sign-in: a sync that lasts longer than the access token still needs it. */
#pragma once

#include <adwaita.h>

#include "outpost-device-code.h"

G_BEGIN_DECLS

/* @error NULL: signed in. G_IO_ERROR_CANCELLED: the user cancelled (the window was closed);
 * else why the sign-in failed (declined, expired, unreachable). */
typedef void (*OutpostSignInPromptDone) (const GError *error,
                                         gpointer      user_data);

/* Shows the window, modal for @parent, and starts the flow on @device_code (the account's
 * provider, the one its sync engine uses). @done is called once, unless the returned window is
 * destroyed first (then the flow is cancelled silently). */
GtkWidget *outpost_sign_in_prompt_show (GtkWindow               *parent,
                                        const char              *account,
                                        OutpostDeviceCode       *device_code,
                                        OutpostSignInPromptDone  done,
                                        gpointer                 user_data);

G_END_DECLS

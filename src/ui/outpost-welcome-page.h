/* outpost-welcome-page.h: the first-run page: sign in to an organization, or try the demo. */
#pragma once

#include <adwaita.h>

#include "outpost-account.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_WELCOME_PAGE (outpost_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (OutpostWelcomePage, outpost_welcome_page, OUTPOST, WELCOME_PAGE, GtkBox)

/* Signals: "demo" (); "signed-in" (OutpostAccount *account, const char *password): the account
 * was saved after a successful sign-in; @password is the basic password for this session (NULL
 * for a Microsoft account, whose tokens are in the Secret Service). */
/* The settings the sign-in uses (client id, tenant, Web API version, sync-login). Required
 * before the user can connect. */
void outpost_welcome_page_set_settings (OutpostWelcomePage *self,
                                        GSettings          *settings);
void outpost_welcome_page_set_error (OutpostWelcomePage *self,
                                     const char         *message);
void outpost_welcome_page_reset     (OutpostWelcomePage *self);
/* Goes straight to the sign-in form (adding another account). */
void outpost_welcome_page_show_sign_in (OutpostWelcomePage *self);

G_END_DECLS

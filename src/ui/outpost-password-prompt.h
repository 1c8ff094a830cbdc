/* outpost-password-prompt.h: the dialog that asks for an account's password when a sync
 * starts (basic sign-in with "Ask for credentials at every synchronization" on, or without a
 * remembered password). It names the account, the user and the server; it can say why it asks
 * again (the server did not accept the last password). The password is handed to @done and
 * wiped from the entry: the dialog keeps no copy. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* @password: what was typed (valid during the call only; copy it if needed), NULL when the
 * user cancelled. @remember: "Remember password" was ticked. */
typedef void (*OutpostPasswordPromptDone) (const char *password,
                                           gboolean    remember,
                                           gpointer    user_data);

/* Shows the dialog, modal for @parent; @problem (may be NULL) is shown in the dialog as the
 * reason it asks again. Returns the dialog (owned by GTK: it is destroyed once answered). */
GtkWidget *outpost_password_prompt_show (GtkWindow                *parent,
                                         const char               *account,
                                         const char               *user,
                                         const char               *server,
                                         const char               *problem,
                                         gboolean                  remember,
                                         OutpostPasswordPromptDone done,
                                         gpointer                  user_data);

G_END_DECLS

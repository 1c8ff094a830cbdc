/* outpost-account-menu.h: the main menu's Accounts section: one item per configured account,
 * each running app.open-account with the account's name (the window already showing it comes
 * forward, else the account opens in a new window). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The attribute that marks the section of a window's primary menu the accounts go into
 * (outpost-window.ui: <attribute name="x-outpost-accounts">yes</attribute>). */
#define OUTPOST_ACCOUNT_MENU_MARK "x-outpost-accounts"

/* Fills @menu with the accounts configured now (outpost_account_list), sorted by name; leaves
 * it untouched when the names are the same (an open popover keeps its items). TRUE if changed. */
gboolean outpost_account_menu_refresh (GMenu     *menu);
/* Links @accounts as the section marked OUTPOST_ACCOUNT_MENU_MARK in the menu of @window's
 * primary menu button (the window's template builds its own menu: each window is linked
 * once). FALSE if the window has no such menu. */
gboolean outpost_account_menu_attach  (GtkWidget  *window,
                                       GMenuModel *accounts);

G_END_DECLS

/* outpost-setup-window.h: account details, a forced full sync of chosen entities, Delete Data
 * (which never discards unsynced changes unless the user chooses so after being offered a
 * sync) and sign out. */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"
#include "outpost-window.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_SETUP_WINDOW (outpost_setup_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSetupWindow, outpost_setup_window, OUTPOST, SETUP_WINDOW, AdwWindow)

GtkWidget *outpost_setup_window_new (OutpostWindow *parent, OutpostContext *context);

G_END_DECLS

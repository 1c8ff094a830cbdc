/* outpost-preferences-window.h: the sync settings, bound to GSettings. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_PREFERENCES_WINDOW (outpost_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostPreferencesWindow, outpost_preferences_window, OUTPOST, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *outpost_preferences_window_new (GSettings *settings);

G_END_DECLS

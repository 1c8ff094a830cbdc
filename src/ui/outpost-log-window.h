/* outpost-log-window.h: past synchronizations with their counts and messages. */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_LOG_WINDOW (outpost_log_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostLogWindow, outpost_log_window, OUTPOST, LOG_WINDOW, AdwWindow)

GtkWidget *outpost_log_window_new (GtkWindow *parent, OutpostContext *context);

G_END_DECLS

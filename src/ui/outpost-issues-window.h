/* outpost-issues-window.h: sync errors (Retry, Ignore, Take server version) and conflicts
 * (Take server version, or a side-by-side field merge). */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_ISSUES_WINDOW (outpost_issues_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostIssuesWindow, outpost_issues_window, OUTPOST, ISSUES_WINDOW, AdwWindow)

GtkWidget *outpost_issues_window_new (GtkWindow *parent, OutpostContext *context);

G_END_DECLS

#pragma once

#include <adwaita.h>

#include "outpost-application.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_WINDOW (outpost_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostWindow, outpost_window, OUTPOST, WINDOW, AdwApplicationWindow)

OutpostWindow *outpost_window_new (OutpostApplication *application);

G_END_DECLS

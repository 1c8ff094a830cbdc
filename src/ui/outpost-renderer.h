/* outpost-renderer.h: which GTK renderer draws the windows on this machine */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *outpost_renderer_for_machine (const char *dri_dir);
void        outpost_renderer_choose      (void);

G_END_DECLS

/* outpost-renderer.c: on a machine without a GPU, draw with GTK's cairo renderer.
 *
 * GTK 4 draws with OpenGL by default. Without a GPU that OpenGL is Mesa's llvmpipe, a software
 * rasterizer that redraws the whole window every frame in its own threads: measured with
 * bench-ui on the 2-core test machine (Xvfb, no /dev/dri), about 16 ms of CPU per frame of the
 * main window, and while a background sync kept both cores busy the main thread waited for
 * those threads for 60-150 ms inside a frame. The cairo renderer redraws only what changed, in
 * the main thread (under 5 ms per frame in the same run). With a GPU nothing changes. A
 * GSK_RENDERER the user set always wins. */
#include "config.h"

#include "outpost-renderer.h"

static gboolean
has_render_node (const char *dri_dir)
{
  g_autoptr(GDir) dir = g_dir_open (dri_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return TRUE;
  return FALSE;
}

/* "cairo" when OpenGL here would be software: no GPU render node under @dri_dir (normally
 * /dev/dri; a Flatpak sees it through --device=dri), or Mesa told to rasterize in software.
 * NULL: leave GTK's own choice. */
const char *
outpost_renderer_for_machine (const char *dri_dir)
{
  if (g_strcmp0 (g_getenv ("LIBGL_ALWAYS_SOFTWARE"), "1") == 0 ||
      g_strcmp0 (g_getenv ("LIBGL_ALWAYS_SOFTWARE"), "true") == 0)
    return "cairo";
  return has_render_node (dri_dir) ? NULL : "cairo";
}

/* Before the first window is realized: GTK reads GSK_RENDERER when it makes a surface's renderer. */
void
outpost_renderer_choose (void)
{
  const char *renderer;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  renderer = outpost_renderer_for_machine ("/dev/dri");
  if (renderer == NULL)
    return;
  g_debug ("no GPU render node: windows are drawn with the %s renderer", renderer);
  g_setenv ("GSK_RENDERER", renderer, FALSE);
}

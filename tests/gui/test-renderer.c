/* test-renderer: the renderer choice made before the first window (outpost-renderer.c) */
#include "config.h"

#include <glib/gstdio.h>

#include "outpost-renderer.h"

typedef struct {
  char *dri;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dri = g_dir_make_tmp ("outpost-dri-XXXXXX", &error);
  g_assert_no_error (error);
  g_unsetenv ("LIBGL_ALWAYS_SOFTWARE");
}

static void
touch (Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->dri, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dri, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dri, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dri);
  g_free (f->dri);
}

/* no render node (an empty /dev/dri, or none at all): OpenGL would be llvmpipe */
static void
test_no_gpu (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dri, "missing", NULL);

  g_assert_cmpstr (outpost_renderer_for_machine (f->dri), ==, "cairo");
  g_assert_cmpstr (outpost_renderer_for_machine (missing), ==, "cairo");
  /* a display node alone (card0) draws nothing for an unprivileged client */
  touch (f, "card0");
  g_assert_cmpstr (outpost_renderer_for_machine (f->dri), ==, "cairo");
}

static void
test_gpu (Fixture *f, gconstpointer data)
{
  touch (f, "card0");
  touch (f, "renderD128");
  g_assert_null (outpost_renderer_for_machine (f->dri));
}

static void
test_software_asked (Fixture *f, gconstpointer data)
{
  touch (f, "renderD128");
  g_setenv ("LIBGL_ALWAYS_SOFTWARE", "1", TRUE);
  g_assert_cmpstr (outpost_renderer_for_machine (f->dri), ==, "cairo");
  g_setenv ("LIBGL_ALWAYS_SOFTWARE", "0", TRUE);
  g_assert_null (outpost_renderer_for_machine (f->dri));
}

/* a renderer the user chose is kept; otherwise the machine's choice is set for GTK */
static void
test_choose (Fixture *f, gconstpointer data)
{
  const char *machine = outpost_renderer_for_machine ("/dev/dri");

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  outpost_renderer_choose ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_unsetenv ("GSK_RENDERER");
  outpost_renderer_choose ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, machine);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/renderer/no-gpu", Fixture, NULL, fixture_set_up, test_no_gpu, fixture_tear_down);
  g_test_add ("/renderer/gpu", Fixture, NULL, fixture_set_up, test_gpu, fixture_tear_down);
  g_test_add ("/renderer/software-asked", Fixture, NULL, fixture_set_up, test_software_asked,
              fixture_tear_down);
  g_test_add ("/renderer/choose", Fixture, NULL, fixture_set_up, test_choose, fixture_tear_down);
  return g_test_run ();
}

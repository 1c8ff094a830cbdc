/* outpost-test-files.c: see outpost-test-files.h. */
#include "outpost-test-files.h"

gboolean
outpost_test_found_in_files (const char *dir, const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        {
          if (outpost_test_found_in_files (path, needle))
            return TRUE;
        }
      else if (g_file_get_contents (path, &contents, &length, NULL)
               && g_strstr_len (contents, (gssize) length, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static GString *all_logs;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      g_string_append_printf (all_logs, "%s\n", (const char *) fields[i].value);
  return g_log_writer_default (level, fields, n_fields, data);
}

void
outpost_test_capture_logs (void)
{
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
}

const char *
outpost_test_captured_logs (void)
{
  g_assert (all_logs != NULL);
  return all_logs->str;
}

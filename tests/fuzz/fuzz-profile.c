/* fuzz-profile.c: libFuzzer harness for the sync profile parser (outpost_profile_new_from_data).
 * A profile that parses must serialize and parse again to the same JSON, and every identifier
 * in it must be valid (nothing unsafe may reach SQL). */
#include <stdlib.h>

#include "outpost-profile.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A critical or an error is a finding: abort() so libFuzzer saves the input (GLib's own
 * fatal path raises SIGTRAP, which libFuzzer does not catch). */
static GLogWriterOutput
abort_on_critical (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = NULL;

  static gboolean once;

  if (!once)
    g_log_set_writer_func (abort_on_critical, NULL, NULL);
  once = TRUE;
  profile = outpost_profile_new_from_data ((const char *) data, (gssize) size, &error);
  g_assert ((profile == NULL) == (error != NULL));
  if (profile != NULL)
    {
      g_autofree char *json = outpost_profile_to_json (profile);
      g_autoptr(GError) again_error = NULL;
      g_autoptr(OutpostProfile) again = outpost_profile_new_from_data (json, -1, &again_error);
      g_autofree char *json2 = NULL;

      g_assert_no_error (again_error);
      json2 = outpost_profile_to_json (again);
      g_assert_cmpstr (json, ==, json2);
      for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
        {
          OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
          g_assert (outpost_identifier_is_valid (e->logical_name));
          g_assert (outpost_identifier_is_valid (e->primary_id));
          for (guint j = 0; j < e->fields->len; j++)
            g_assert (outpost_identifier_is_valid (((OutpostField *) g_ptr_array_index (e->fields, j))->name));
        }
    }
  return 0;
}

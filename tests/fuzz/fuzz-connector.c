/* fuzz-connector.c: libFuzzer harness for what the Dataverse connector does with a server's
 * answer, through the parser hooks of src/sync/outpost-dataverse-fuzz.h (no HTTP, so each
 * input costs microseconds). Built three times: FUZZ_PAGE (the page parser, in full and delta
 * mode), FUZZ_BATCH (the $batch answer parser; the first line of the input is the multipart
 * boundary), FUZZ_METADATA (entity definitions and every attribute mapper on one body).
 * Criticals are fatal, so a g_return_if_fail hit is a finding too. */
#include <stdlib.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-sync-error.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static OutpostProfile *profile;

/* A critical or an error is a finding: abort() so libFuzzer saves the input (GLib's own
 * fatal path raises SIGTRAP, which libFuzzer does not catch). */
static GLogWriterOutput
abort_on_critical (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

static void
setup (void)
{
  g_log_set_writer_func (abort_on_critical, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
  profile = outpost_profile_new_default (NULL);
  g_assert (profile != NULL);
}

#if defined(FUZZ_PAGE)
static void
one (GBytes *body)
{
  OutpostEntity *entity = outpost_profile_lookup_entity (profile, "contact");
  const OutpostDownloadMode modes[] = { OUTPOST_DOWNLOAD_FULL, OUTPOST_DOWNLOAD_DELTA };

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostPage) page = outpost_dv_parse_page (entity, modes[m], body, &error);

      g_assert ((page == NULL) == (error != NULL));
      g_assert (error == NULL || error->domain == OUTPOST_SYNC_ERROR);
      for (guint i = 0; page && i < page->rows->len; i++)
        {
          OutpostServerRow *row = g_ptr_array_index (page->rows, i);
          g_autoptr(GList) members = NULL;

          g_assert (row->id != NULL && g_uuid_string_is_valid (row->id));
          g_assert (row->deleted || row->values != NULL);
          members = row->values ? json_object_get_members (row->values) : NULL;
          /* nothing but profile fields (and "<lookup>@target") leaves the parser */
          for (GList *l = members; l; l = l->next)
            {
              g_autofree char *base = g_strdup (l->data);
              char *at = strchr (base, '@');
              JsonNode *value = json_object_get_member (row->values, l->data);

              if (at != NULL)
                *at = '\0';
              g_assert (outpost_entity_lookup_field (entity, base) != NULL);
              g_assert (JSON_NODE_HOLDS_VALUE (value) || JSON_NODE_HOLDS_NULL (value));
            }
        }
    }
}
#elif defined(FUZZ_BATCH)
static void
one (GBytes *input)
{
  gsize len;
  const char *d = g_bytes_get_data (input, &len);
  const char *nl = len ? memchr (d, '\n', len) : NULL;
  g_autofree char *ct = nl ? g_strdup_printf ("multipart/mixed; boundary=%.*s", (int) MIN (nl - d, 70), d)
                           : g_strdup ("multipart/mixed; boundary=b");
  /* the body in its own allocation of exactly its size, so ASan sees any over-read */
  gsize body_len = nl ? len - (nl + 1 - d) : len;
  g_autoptr(GBytes) body = g_bytes_new_take (g_memdup2 (nl ? nl + 1 : d, body_len), body_len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parts = outpost_dv_parse_batch_answer (ct, body, &error);

  g_assert ((parts == NULL) == (error != NULL));
  for (guint i = 0; parts && i < parts->len; i++)
    {
      OutpostUploadResult *r = g_ptr_array_index (parts, i);
      g_assert (r != NULL);
      g_assert (r->error != NULL || (r->status >= 100 && r->status < 400));
    }
}
#elif defined(FUZZ_METADATA)
static void
one (GBytes *body)
{
  g_autofree char *json = outpost_profile_to_json (profile);
  g_autoptr(OutpostProfile) copy = outpost_profile_new_from_data (json, -1, NULL);
  g_autoptr(OutpostDataverseConnector) c = outpost_dataverse_connector_new ("http://127.0.0.1:1/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *refined = NULL;
  g_autoptr(GError) reparse = NULL;
  g_autoptr(OutpostProfile) again = NULL;

  if (!outpost_dv_map_entity_definitions (c, copy, body, &error))
    g_assert (error != NULL);
  g_clear_error (&error);
  for (guint i = 0; i < outpost_profile_get_n_entities (copy); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (copy, i);

      for (guint k = 0; k < 3; k++)
        {
          gboolean ok = outpost_dv_map_attributes (e, body, k == 1, k == 2, &error);
          g_assert (ok == (error == NULL));
          g_clear_error (&error);
        }
    }
  /* whatever the server said, the refined profile must still be valid and safe */
  refined = outpost_profile_to_json (copy);
  again = outpost_profile_new_from_data (refined, -1, &reparse);
  g_assert (again != NULL);
  g_assert_no_error (reparse);
}
#else
#error define FUZZ_PAGE, FUZZ_BATCH or FUZZ_METADATA
#endif

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* exactly @size bytes, no NUL after them */
  g_autoptr(GBytes) input = g_bytes_new_take (g_memdup2 (data, size), size);

  if (profile == NULL)
    setup ();
  one (input);
  return 0;
}

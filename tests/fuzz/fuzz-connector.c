/* fuzz-connector.c: libFuzzer harness for what the Dataverse connector does with a server's
 * answer. The parsers (page mapper, $batch answer, metadata mapper) are static in
 * src/sync/outpost-dataverse-*.c, so the input goes through the real connector API: a canned
 * HTTP server on 127.0.0.1 (tests/reliability/rel-canned-server.c) answers with the fuzz input.
 * Built three times: FUZZ_PAGE (download_page), FUZZ_BATCH (upload_batch; the first line of
 * the input is the multipart boundary), FUZZ_METADATA (connect: the same body answers every
 * metadata request). Criticals are fatal, so a g_return_if_fail hit is a finding too. */
#include <stdlib.h>
#include <string.h>

#include "outpost-dataverse-connector.h"
#include "outpost-sync-error.h"
#include "rel-canned-server.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static RelCannedServer   *server;
static OutpostConnector  *connector;
static OutpostProfile    *profile;
static GBytes            *current;   /* set before each call, read in the server thread */
static GMutex             lock;

static void
handler (SoupServerMessage *msg, const char *path, gpointer user_data)
{
  g_autoptr(GBytes) body = NULL;
  gsize len;
  const char *d;

  g_mutex_lock (&lock);
  body = g_bytes_ref (current);
  g_mutex_unlock (&lock);
  d = g_bytes_get_data (body, &len);
#ifdef FUZZ_BATCH
  {
    const char *nl = len ? memchr (d, '\n', len) : NULL;
    g_autofree char *ct = NULL;

    if (nl == NULL)
      {
        rel_canned_reply (msg, 200, "multipart/mixed; boundary=b", d, len);
        return;
      }
    ct = g_strdup_printf ("multipart/mixed; boundary=%.*s", (int) MIN (nl - d, 70), d);
    rel_canned_reply (msg, 200, ct, nl + 1, len - (nl + 1 - d));
  }
#else
  rel_canned_reply (msg, 200, "application/json; odata.metadata=minimal", d, len);
#endif
}

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

static void
setup (void)
{

  g_log_set_writer_func (abort_on_critical, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
  current = g_bytes_new_static ("", 0);
  server = rel_canned_server_new (handler, NULL);
  profile = outpost_profile_new_default (NULL);
  g_assert (profile != NULL);
  connector = OUTPOST_CONNECTOR (outpost_dataverse_connector_new (rel_canned_server_get_url (server), NULL, NULL));
  outpost_dataverse_connector_set_retry (OUTPOST_DATAVERSE_CONNECTOR (connector), 0, 1);
  outpost_dataverse_connector_set_timeout (OUTPOST_DATAVERSE_CONNECTOR (connector), 5);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    setup ();
  g_mutex_lock (&lock);
  g_bytes_unref (current);
  current = g_bytes_new (data, size);
  g_mutex_unlock (&lock);
#if defined(FUZZ_PAGE)
  {
    OutpostEntity *entity = outpost_profile_lookup_entity (profile, "contact");
    OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, TRUE, TRUE, NULL, NULL, 0 };
    g_autoptr(OutpostPage) page = outpost_connector_download_page (connector, entity, &req, NULL, &error);

    g_assert ((page == NULL) == (error != NULL));
    for (guint i = 0; page && i < page->rows->len; i++)
      {
        OutpostServerRow *row = g_ptr_array_index (page->rows, i);
        g_assert (row->id != NULL);
        g_assert (row->deleted || row->values != NULL);
      }
  }
#elif defined(FUZZ_BATCH)
  {
    OutpostEntity *entity = outpost_profile_lookup_entity (profile, "account");
    g_autoptr(JsonObject) fields = json_object_new ();
    OutpostUploadOp ops[2] = {
      { OUTPOST_UPLOAD_CREATE, entity, "00000000-0000-0000-0000-000000000001", fields },
      { OUTPOST_UPLOAD_UPDATE, entity, "00000000-0000-0000-0000-000000000002", fields, "W/\"1\"" },
    };
    g_autoptr(GPtrArray) arr = g_ptr_array_new ();
    g_autoptr(GPtrArray) results = NULL;

    json_object_set_string_member (fields, "name", "x");
    g_ptr_array_add (arr, &ops[0]);
    g_ptr_array_add (arr, &ops[1]);
    results = outpost_connector_upload_batch (connector, arr, NULL, &error);
    g_assert ((results == NULL) == (error != NULL));
    if (results != NULL)
      {
        g_assert_cmpuint (results->len, ==, 2);
        for (guint i = 0; i < results->len; i++)
          g_assert (g_ptr_array_index (results, i) != NULL);
        g_ptr_array_set_free_func (results, (GDestroyNotify) outpost_upload_result_free);
      }
  }
#elif defined(FUZZ_METADATA)
  {
    g_autofree char *json = outpost_profile_to_json (profile);
    g_autoptr(OutpostProfile) copy = outpost_profile_new_from_data (json, -1, NULL);
    gboolean ok = outpost_connector_connect (connector, copy, NULL, &error);

    g_assert (ok == (error == NULL));
    if (ok)
      {
        /* whatever the server said, the refined profile must still be valid and safe */
        g_autofree char *refined = outpost_profile_to_json (copy);
        g_autoptr(GError) reparse = NULL;
        g_autoptr(OutpostProfile) again = outpost_profile_new_from_data (refined, -1, &reparse);

        g_assert (again != NULL);
        g_assert_no_error (reparse);
      }
  }
#else
#error define FUZZ_PAGE, FUZZ_BATCH or FUZZ_METADATA
#endif
  return 0;
}

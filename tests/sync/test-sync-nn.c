/* test-sync-nn.c: N:N links made or removed on the server come down (accountleads_association
 * against the real outpost-server): full and incremental syncs, paging of the intersect set,
 * links of deleted records, and local associate/disassociate made while a download runs are
 * never undone by it; the links added and removed are counted in the result. The intersect
 * set comes from the relationship metadata: outpost-server's custom relationship
 * new_account_contact keeps its links in new_account_contactset, which no naming rule gives. */
#include "config.h"

#include <string.h>

#include "outpost-store-private.h"   /* outpost_store_count_pending_associations */
#include "outpost-store-sync.h"
#include "outpost-test-server.h"

#define REL "accountleads_association"

typedef OutpostSyncFixture Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_setup (f, OUTPOST_SYNC_INCREMENTAL);   /* the first sync is full */
}

static void
teardown (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_teardown (f);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void
api (Fixture *f, const char *method, const char *path, const char *body, guint expect)
{
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, method, path, body, &status);

  if (status != expect && node != NULL)
    g_test_message ("%s %s: %s", method, path, json_to_string (node, FALSE));
  g_assert_cmpuint (status, ==, expect);
}

/* Another user links or unlinks on the server. */
static void
server_link (Fixture *f, const char *account, const char *lead)
{
  g_autofree char *path = g_strdup_printf ("accounts(%s)/" REL "/$ref", account);
  g_autofree char *body = g_strdup_printf ("{\"@odata.id\":\"%sleads(%s)\"}", f->srv->api_root, lead);

  api (f, "POST", path, body, 204);
}

static void
server_unlink (Fixture *f, const char *account, const char *lead)
{
  g_autofree char *path = g_strdup_printf ("accounts(%s)/" REL "(%s)/$ref", account, lead);

  api (f, "DELETE", path, NULL, 204);
}

/* The server's links as "account|lead" strings (one request, no paging: the demo has few). */
static GHashTable *
server_links (Fixture *f)
{
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, "GET", "accountleadscollection?$select=accountid,leadid",
                                                      NULL, &status);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *rows;

  g_assert_cmpuint (status, ==, 200);
  rows = json_object_get_array_member (json_node_get_object (node), "value");
  g_assert_false (json_object_has_member (json_node_get_object (node), "@odata.nextLink"));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *o = json_array_get_object_element (rows, i);
      g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "accountleadid")));
      g_hash_table_add (set, g_strdup_printf ("%s|%s", json_object_get_string_member (o, "accountid"),
                                              json_object_get_string_member (o, "leadid")));
    }
  return set;
}

static gboolean
has (GPtrArray *ids, const char *id)
{
  for (guint i = 0; ids && i < ids->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (ids, i), id) == 0)
      return TRUE;
  return FALSE;
}

/* Is the link shown locally, looked at from both sides (as the two forms show it)? */
static gboolean
local_link (Fixture *f, const char *account, const char *lead)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leads = outpost_store_list_associated (f->store, REL, "account", account, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = outpost_store_list_associated (f->store, REL, "lead", lead, &error);
  g_assert_no_error (error);
  g_assert_cmpint (has (leads, lead), ==, has (accounts, account));
  return has (leads, lead);
}

/* All local links (every account), as "account|lead". */
static GHashTable *
local_links (Fixture *f)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", NULL, 1000);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; accounts[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) leads = outpost_store_list_associated (f->store, REL, "account", accounts[i], &error);

      g_assert_no_error (error);
      for (guint j = 0; j < leads->len; j++)
        g_hash_table_add (set, g_strdup_printf ("%s|%s", accounts[i], (char *) g_ptr_array_index (leads, j)));
    }
  return set;
}

static void
assert_same_links (Fixture *f)
{
  g_autoptr(GHashTable) server = server_links (f);
  g_autoptr(GHashTable) local = local_links (f);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, server);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (local, key))
      g_error ("server link %s is not in the store", (char *) key);
  g_assert_cmpuint (g_hash_table_size (local), ==, g_hash_table_size (server));
}

/* A pair the server does not link yet (the n-th account and lead without a link). */
static void
unlinked_pair (Fixture *f, guint n, char **account, char **lead)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", NULL, 50);
  g_auto(GStrv) leads = outpost_test_server_ids (f->srv, "leads", "leadid", NULL, 50);
  g_autoptr(GHashTable) links = server_links (f);

  for (guint i = 0; accounts[i]; i++)
    for (guint j = 0; leads[j]; j++)
      {
        g_autofree char *key = g_strdup_printf ("%s|%s", accounts[i], leads[j]);
        if (g_hash_table_contains (links, key) || n-- > 0)
          continue;
        *account = g_strdup (accounts[i]);
        *lead = g_strdup (leads[j]);
        return;
      }
  g_assert_not_reached ();
}

/* The first link the server has (seeded by the demo). */
static void
seeded_pair (Fixture *f, char **account, char **lead)
{
  g_autoptr(GHashTable) links = server_links (f);
  GHashTableIter iter;
  gpointer key;
  g_auto(GStrv) parts = NULL;

  g_hash_table_iter_init (&iter, links);
  g_assert_true (g_hash_table_iter_next (&iter, &key, NULL));
  parts = g_strsplit (key, "|", 2);
  *account = g_strdup (parts[0]);
  *lead = g_strdup (parts[1]);
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static OutpostSyncResult *
sync_with (Fixture *f, OutpostSyncKind kind, guint page_size)
{
  OutpostSyncOptions options = { kind };
  g_autoptr(GError) error = NULL;
  OutpostSyncResult *r;

  options.page_size = page_size;
  r = outpost_sync_engine_run (f->engine, &options, NULL, &error);
  g_assert_no_error (error);
  return r;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* The first (full) sync brought the demo's links: the store has exactly the server's. */
static void
test_initial (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) server = server_links (f);

  g_assert_cmpuint (g_hash_table_size (server), >, 0);
  assert_same_links (f);
}

/* A link made on the server appears after an incremental sync, and after a full one. */
static void
test_server_link (Fixture *f, gconstpointer data)
{
  g_autofree char *a1 = NULL, *l1 = NULL, *a2 = NULL, *l2 = NULL;
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;

  unlinked_pair (f, 0, &a1, &l1);
  unlinked_pair (f, 1, &a2, &l2);
  server_link (f, a1, l1);
  g_assert_false (local_link (f, a1, l1));
  r1 = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  g_assert_true (local_link (f, a1, l1));
  g_assert_cmpint (outpost_store_count_pending_associations (f->store, NULL, NULL), ==, 0);
  /* only a link changed: counted as a link, not as a record */
  g_assert_cmpint (r1->links_added, ==, 1);
  g_assert_cmpint (r1->links_removed, ==, 0);
  g_assert_cmpint (r1->downloaded, ==, 0);

  server_link (f, a2, l2);
  r2 = sync_with (f, OUTPOST_SYNC_FULL, 0);
  g_assert_true (local_link (f, a2, l2));
  g_assert_true (local_link (f, a1, l1));
  g_assert_cmpint (r2->links_added, ==, 1);
  g_assert_cmpint (r2->links_removed, ==, 0);
  assert_same_links (f);
}

/* A link removed on the server disappears (incremental), and stays away on a full sync. */
static void
test_server_unlink (Fixture *f, gconstpointer data)
{
  g_autofree char *account = NULL, *lead = NULL;
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;

  seeded_pair (f, &account, &lead);
  g_assert_true (local_link (f, account, lead));
  server_unlink (f, account, lead);
  r1 = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  g_assert_false (local_link (f, account, lead));
  g_assert_cmpint (r1->links_removed, ==, 1);
  g_assert_cmpint (r1->links_added, ==, 0);
  r2 = sync_with (f, OUTPOST_SYNC_FULL, 0);
  g_assert_false (local_link (f, account, lead));
  g_assert_cmpint (r2->links_removed, ==, 0);
  assert_same_links (f);
}

/* The intersect set read in pages of 2: every page followed, every link there. */
static void
test_paging (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) server = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  guint before, pages;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *account = NULL, *lead = NULL;
      unlinked_pair (f, 0, &account, &lead);
      server_link (f, account, lead);
    }
  server = server_links (f);
  before = outpost_test_server_logged (f->srv, "GET /api/data/v9.2/accountleadscollection", "200");
  r = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 2);
  pages = outpost_test_server_logged (f->srv, "GET /api/data/v9.2/accountleadscollection", "200") - before;
  g_test_message ("%u links in %u pages", g_hash_table_size (server), pages);
  g_assert_cmpuint (pages, ==, (g_hash_table_size (server) + 1) / 2);
  assert_same_links (f);
}

/* A lead deleted on the server: the lead and its links are gone here. */
static void
test_deleted_record (Fixture *f, gconstpointer data)
{
  g_autofree char *account = NULL, *lead = NULL, *path = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) rec = NULL;

  seeded_pair (f, &account, &lead);
  g_assert_true (local_link (f, account, lead));
  path = g_strdup_printf ("leads(%s)", lead);
  api (f, "DELETE", path, NULL, 204);
  r = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  rec = outpost_store_get (f->store, "lead", lead, &error);
  g_assert_null (rec);
  g_assert_false (local_link (f, account, lead));
  assert_same_links (f);
}

/* A linked lead leaves the sync filter (qualified: statecode 1): it is removed here and so is
 * its link, although the server keeps the link; it comes back when the lead does. */
static void
test_left_filter (Fixture *f, gconstpointer data)
{
  g_autofree char *account = NULL, *lead = NULL, *admin = NULL;
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;
  g_autoptr(GHashTable) server = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) rec = NULL;

  seeded_pair (f, &account, &lead);
  admin = g_strdup_printf ("records/leads/%s", lead);
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "PATCH", admin, "{\"statecode\":1}", NULL), <, 300);
  r1 = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  rec = outpost_store_get (f->store, "lead", lead, &error);
  g_assert_null (rec);
  g_clear_error (&error);
  key = g_strdup_printf ("%s|%s", account, lead);
  server = server_links (f);
  g_assert_true (g_hash_table_contains (server, key));
  g_assert_false (local_link (f, account, lead));

  g_assert_cmpuint (outpost_test_server_admin (f->srv, "PATCH", admin, "{\"statecode\":0}", NULL), <, 300);
  r2 = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  g_assert_true (local_link (f, account, lead));
  assert_same_links (f);
}

/* Local changes made while the link set is being read (the request held 1.5 s on the
 * server): a removal and an addition made here are pending, and the download must neither
 * bring the removed link back nor drop the added one. The final upload of that sync is made
 * to fail (400 on $batch: two sync errors), so what the download left is what the store shows,
 * also after a full sync; after Retry the next sync uploads both. */
static void
test_pending_local (Fixture *f, gconstpointer data)
{
  g_autofree char *gone_a = NULL, *gone_l = NULL, *new_a = NULL, *new_l = NULL;
  OutpostSyncOptions options = { OUTPOST_SYNC_INCREMENTAL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;
  g_autoptr(GHashTable) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *gone_key = NULL, *new_key = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  GMainContext *ctx = g_main_context_default ();

  seeded_pair (f, &gone_a, &gone_l);
  unlinked_pair (f, 0, &new_a, &new_l);
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"latency\",\"path_prefix\":\"/api/data/v9.2/accountleadscollection\","
                                         "\"ms\":1500,\"count\":1}");
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"status\",\"status\":400,\"path_prefix\":\"/api/data/v9.2/$batch\"}");
  outpost_sync_engine_run_async (f->engine, &options, NULL, got_result, &result);
  /* the sync is now inside the link request (the latency fault fired) */
  while (outpost_test_server_faults_fired (f->srv) < 1)
    {
      g_main_context_iteration (ctx, FALSE);
      g_usleep (20000);
    }
  g_assert_true (outpost_store_disassociate (f->store, REL, "account", gone_a, "lead", gone_l, &error));
  g_assert_no_error (error);
  g_assert_true (outpost_store_associate (f->store, REL, "lead", new_l, "account", new_a, &error));
  g_assert_no_error (error);
  while (result == NULL)
    g_main_context_iteration (ctx, TRUE);
  r = outpost_sync_engine_run_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->errors, ==, 2);   /* the final upload was refused: both are sync errors */
  g_assert_false (local_link (f, gone_a, gone_l));
  g_assert_true (local_link (f, new_a, new_l));
  g_assert_cmpint (outpost_store_count_pending_associations (f->store, NULL, NULL), ==, 2);

  /* another sync while they wait for Retry: still not undone */
  r2 = sync_with (f, OUTPOST_SYNC_FULL, 0);
  g_assert_false (local_link (f, gone_a, gone_l));
  g_assert_true (local_link (f, new_a, new_l));
  g_clear_pointer (&r2, outpost_sync_result_free);

  errors = outpost_store_list_errors (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (errors->len, ==, 2);
  for (guint i = 0; i < errors->len; i++)
    {
      g_assert_true (outpost_store_error_retry (f->store, ((OutpostSyncErrorRow *) g_ptr_array_index (errors, i))->id,
                                                &error));
      g_assert_no_error (error);
    }
  outpost_test_server_clear_faults (f->srv);
  r2 = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  server = server_links (f);
  gone_key = g_strdup_printf ("%s|%s", gone_a, gone_l);
  new_key = g_strdup_printf ("%s|%s", new_a, new_l);
  g_assert_false (g_hash_table_contains (server, gone_key));
  g_assert_true (g_hash_table_contains (server, new_key));
  g_assert_cmpint (outpost_store_count_pending_associations (f->store, NULL, NULL), ==, 0);
  assert_same_links (f);
}

/* Nothing changed: the links cost one request per relationship, nothing is written, and the
 * relationship metadata (read by the first, full sync) is not asked for again. */
static void
test_nothing_changed (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = NULL;
  guint before = outpost_test_server_logged (f->srv, "GET /api/data/v9.2/accountleadscollection", "200");
  guint n_rel = outpost_profile_get_relationships (f->profile)->len;
  guint m2m = outpost_test_server_logged (f->srv, "/ManyToManyRelationships 200", "200");

  g_assert_cmpuint (m2m, ==, 1);   /* the first sync's: account's relationships */
  r = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  g_assert_cmpuint (outpost_test_server_logged (f->srv, "/ManyToManyRelationships 200", "200"), ==, m2m);
  g_assert_cmpint (r->links_added, ==, 0);
  g_assert_cmpint (r->links_removed, ==, 0);
  g_test_message ("requests %" G_GUINT64_FORMAT " for %u entities and %u relationships",
                  r->requests, outpost_profile_get_n_entities (f->profile), n_rel);
  g_assert_cmpuint (outpost_test_server_logged (f->srv, "GET /api/data/v9.2/accountleadscollection", "200") - before,
                    ==, 1);
  g_assert_cmpint (r->downloaded, ==, 0);
  g_assert_cmpuint (r->requests, <=, outpost_profile_get_n_entities (f->profile) + n_rel);
  assert_same_links (f);
}

/* The default profile plus one relationship (JSON). */
static OutpostProfile *
profile_with (const char *relationship)
{
  g_autofree char *path = g_build_filename (g_getenv ("OUTPOST_SOURCE_DIR"), "data", "profile.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *extra = json_from_string (relationship, &error);
  g_autofree char *json = NULL;
  OutpostProfile *profile;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  json_array_add_element (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                        "relationships"), extra);
  json = json_to_string (json_parser_get_root (parser), FALSE);
  profile = outpost_profile_new_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outpost_profile_get_relationships (profile)->len, ==, 2);
  return profile;
}

/* Does the run's sync log have a line naming @what? */
static gboolean
logged (OutpostStore *store, gint64 run_id, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = outpost_store_list_run_messages (store, run_id, &error);
  gboolean said = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++)
    if (strstr (g_ptr_array_index (messages, i), what) != NULL)
      {
        g_test_message ("sync log: %s", (char *) g_ptr_array_index (messages, i));
        said = TRUE;
      }
  return said;
}

/* A profile relationship the server does not have (outpost-server has no contactleads): its
 * metadata says so, no link request is sent for it (the old naming guess would have asked
 * contactleadscollection), the sync succeeds and says so in its log, and the other
 * relationship's links come down as usual. */
static void
test_missing_intersect (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = profile_with ("{\"name\":\"contactleads_association\","
                                                    "\"entity1\":\"contact\",\"entity2\":\"lead\"}");
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) r = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_autoptr(OutpostStore) store = outpost_test_open_store (srv, profile);
  Fixture f = { srv };

  g_assert_cmpuint (outpost_test_server_logged (srv, "contactleadscollection", ""), ==, 0);
  g_assert_cmpuint (outpost_test_server_logged (srv, "EntityDefinitions(LogicalName='contact')/"
                                                "ManyToManyRelationships 200", "200"), ==, 1);
  g_assert_true (logged (store, r->run_id, "contactleads_association"));
  f.store = store;
  assert_same_links (&f);
}

static void
custom_link (OutpostTestServer *srv, const char *method, const char *account, const char *contact)
{
  g_autofree char *path = g_str_equal (method, "POST")
    ? g_strdup_printf ("accounts(%s)/new_account_contact/$ref", account)
    : g_strdup_printf ("accounts(%s)/new_account_contact(%s)/$ref", account, contact);
  g_autofree char *body = g_strdup_printf ("{\"@odata.id\":\"%scontacts(%s)\"}", srv->api_root, contact);
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (srv, method, path, g_str_equal (method, "POST") ? body : NULL,
                                                      &status);

  g_assert_cmpuint (status, ==, 204);
}

static gboolean
custom_linked (OutpostStore *store, const char *account, const char *contact)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = outpost_store_list_associated (store, "new_account_contact", "account",
                                                                 account, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = outpost_store_list_associated (store, "new_account_contact", "contact", contact, &error);
  g_assert_no_error (error);
  g_assert_cmpint (has (contacts, contact), ==, has (accounts, account));
  return has (contacts, contact);
}

/* outpost-server's custom relationship new_account_contact keeps its links in the intersect
 * entity new_account_contact, entity set new_account_contactset: only the relationship
 * metadata names it (the system pattern would ask new_account_contactcollection). The profile
 * names the entities the other way round (contact first), so the metadata's attributes are
 * swapped to match. Links made and removed on the server come down and are counted. */
static void
test_custom_relationship (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = profile_with ("{\"name\":\"new_account_contact\","
                                                    "\"entity1\":\"contact\",\"entity2\":\"account\"}");
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) r0 = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;
  g_autoptr(OutpostSyncResult) r3 = NULL;
  g_auto(GStrv) accounts = outpost_test_server_ids (srv, "accounts", "accountid", NULL, 2);
  g_auto(GStrv) contacts = outpost_test_server_ids (srv, "contacts", "contactid", NULL, 2);
  g_autoptr(OutpostStore) store = outpost_test_open_store (srv, profile);
  guint reads;

  g_assert_cmpint (r0->links_added, >, 0);   /* the demo's accountleads */
  g_assert_cmpuint (outpost_test_server_logged (srv, "GET /api/data/v9.2/new_account_contactset 200", "200"), ==, 1);
  custom_link (srv, "POST", accounts[0], contacts[0]);
  custom_link (srv, "POST", accounts[1], contacts[0]);
  custom_link (srv, "POST", accounts[0], contacts[1]);
  g_assert_false (custom_linked (store, accounts[0], contacts[0]));

  r1 = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r1->links_added, ==, 3);
  g_assert_cmpint (r1->links_removed, ==, 0);
  g_assert_cmpint (r1->downloaded, ==, 0);
  g_assert_true (custom_linked (store, accounts[0], contacts[0]));
  g_assert_true (custom_linked (store, accounts[1], contacts[0]));
  g_assert_true (custom_linked (store, accounts[0], contacts[1]));
  g_assert_false (custom_linked (store, accounts[1], contacts[1]));
  g_assert_true (logged (store, r1->run_id, "new_account_contact"));

  custom_link (srv, "DELETE", accounts[1], contacts[0]);
  r2 = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r2->links_added, ==, 0);
  g_assert_cmpint (r2->links_removed, ==, 1);
  g_assert_false (custom_linked (store, accounts[1], contacts[0]));
  g_assert_true (custom_linked (store, accounts[0], contacts[0]));

  /* a full sync re-reads the metadata (both first entities) and changes nothing */
  reads = outpost_test_server_logged (srv, "/ManyToManyRelationships 200", "200");
  r3 = outpost_test_sync (engine, OUTPOST_SYNC_FULL);
  g_assert_cmpuint (outpost_test_server_logged (srv, "/ManyToManyRelationships 200", "200") - reads, ==, 2);
  g_assert_cmpint (r3->links_added + r3->links_removed, ==, 0);
  g_assert_true (custom_linked (store, accounts[0], contacts[1]));
  g_assert_cmpuint (outpost_test_server_logged (srv, "new_account_contactcollection", ""), ==, 0);
  g_assert_cmpuint (outpost_test_server_logged (srv, "GET /api/data/v9.2/new_account_contactset 200", "200"), ==, 4);
}

/* Drops what the metadata cache knows of relationships, as a cache written before they were
 * read looks. */
static void
forget_relationships (OutpostTestServer *srv)
{
  g_autofree char *path = g_strconcat (srv->db_path, ".metadata.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *connector;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  connector = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "connector");
  g_assert_true (json_object_has_member (connector, "relationships"));
  json_object_remove_member (connector, "relationships");
  text = json_to_string (json_parser_get_root (parser), FALSE);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

/* The fallback: a metadata cache from before relationships were read. accountleads still
 * comes down (known by name), the custom relationship's guessed set answers 404 (skipped, in
 * the sync log, the sync succeeds); the next full sync reads the metadata again and its links
 * come down. */
static void
test_old_cache_fallback (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", NULL);
  g_autoptr(OutpostProfile) profile = profile_with ("{\"name\":\"new_account_contact\","
                                                    "\"entity1\":\"account\",\"entity2\":\"contact\"}");
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) r0 = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_autoptr(OutpostSyncResult) r1 = NULL;
  g_autoptr(OutpostSyncResult) r2 = NULL;
  g_auto(GStrv) accounts = outpost_test_server_ids (srv, "accounts", "accountid", NULL, 1);
  g_auto(GStrv) contacts = outpost_test_server_ids (srv, "contacts", "contactid", NULL, 1);
  g_autoptr(OutpostStore) store = outpost_test_open_store (srv, profile);
  guint leads_reads = outpost_test_server_logged (srv, "GET /api/data/v9.2/accountleadscollection", "200");
  Fixture f = { srv, .store = store };

  forget_relationships (srv);
  custom_link (srv, "POST", accounts[0], contacts[0]);
  r1 = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpuint (outpost_test_server_logged (srv, "GET /api/data/v9.2/new_account_contactcollection", "404"), ==, 1);
  g_assert_cmpuint (outpost_test_server_logged (srv, "GET /api/data/v9.2/accountleadscollection", "200"), ==,
                    leads_reads + 1);
  g_assert_true (logged (store, r1->run_id, "new_account_contact"));
  g_assert_false (custom_linked (store, accounts[0], contacts[0]));
  assert_same_links (&f);

  r2 = outpost_test_sync (engine, OUTPOST_SYNC_FULL);
  g_assert_cmpint (r2->links_added, ==, 1);
  g_assert_true (custom_linked (store, accounts[0], contacts[0]));
}

/* Another user made the same link first: the server answers the upload's associate with 412
 * "duplicate key". The link exists, which is all the user asked for: no sync error, nothing
 * left to upload, and the link shown once. */
static void
test_same_link_both_sides (Fixture *f, gconstpointer data)
{
  g_autofree char *account = NULL, *lead = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GPtrArray) errors = NULL;

  unlinked_pair (f, 0, &account, &lead);
  g_assert_true (outpost_store_associate (f->store, REL, "account", account, "lead", lead, &error));
  g_assert_no_error (error);
  server_link (f, account, lead);
  r = sync_with (f, OUTPOST_SYNC_INCREMENTAL, 0);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (errors->len, ==, 0);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (outpost_store_count_pending_associations (f->store, NULL, NULL), ==, 0);
  g_assert_true (local_link (f, account, lead));
  assert_same_links (f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/sync/nn/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("initial", test_initial);
  ADD ("server-link", test_server_link);
  ADD ("server-unlink", test_server_unlink);
  ADD ("paging", test_paging);
  ADD ("deleted-record", test_deleted_record);
  ADD ("left-filter", test_left_filter);
  ADD ("pending-local", test_pending_local);
  ADD ("nothing-changed", test_nothing_changed);
  ADD ("same-link-both-sides", test_same_link_both_sides);
  g_test_add_func ("/sync/nn/missing-intersect", test_missing_intersect);
  g_test_add_func ("/sync/nn/custom-relationship", test_custom_relationship);
  g_test_add_func ("/sync/nn/old-cache-fallback", test_old_cache_fallback);
  return g_test_run ();
}

/* test-sync-incremental.c: incremental download: change tracking with deletes, nothing
 * changed, an expired delta token, ID reconciliation (no change tracking) and sync filters. */
#include "config.h"

#include "outpost-store-private.h"   /* outpost_store_search_segments */
#include "outpost-test-server.h"

typedef struct {
  OutpostTestServer *srv;
  OutpostProfile    *profile;
  OutpostSyncEngine *engine;
  OutpostStore      *store;    /* the "UI's" connection */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = NULL;

  f->srv = outpost_test_server_start ("demo", NULL);
  f->profile = outpost_test_profile ();
  f->engine = outpost_test_engine (f->srv, f->profile);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);   /* the first sync is full */
  g_assert_cmpint (r->downloaded, >, 0);
  f->store = outpost_test_open_store (f->srv, f->profile);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->engine);
  g_clear_pointer (&f->profile, outpost_profile_unref);
  g_clear_pointer (&f->srv, outpost_test_server_free);
}

static OutpostRecord *
get (Fixture *f, const char *entity, const char *id)
{
  g_autoptr(GError) error = NULL;
  OutpostRecord *r = outpost_store_get (f->store, entity, id, &error);

  if (r == NULL)
    g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  return r;
}

static void
api (Fixture *f, const char *method, const char *path, const char *body, guint expect)
{
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, method, path, body, &status);

  if (status != expect && node != NULL)
    g_test_message ("%s %s: %s", method, path, json_to_string (node, FALSE));
  g_assert_cmpuint (status, ==, expect);
}

static void
local_update (Fixture *f, const char *entity, const char *id, const char *field, const char *value)
{
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (changes, field, value);
  g_assert_true (outpost_store_update (f->store, entity, id, changes, &error));
  g_assert_no_error (error);
}

/* Another user changes, creates and deletes; the delta link brings all three. */
static void
test_delta_with_deletes (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 2);
  g_auto(GStrv) contacts = outpost_test_server_ids (f->srv, "contacts", "contactid", "statecode eq 0", 1);
  g_autofree char *patch = g_strdup_printf ("accounts(%s)", accounts[0]);
  g_autofree char *del = g_strdup_printf ("contacts(%s)", contacts[0]);
  const char *new_id = "0d5c8f6e-1111-4a2b-9c3d-000000000001";
  g_autofree char *create = g_strdup_printf ("{\"accountid\":\"%s\",\"name\":\"Delta Newcomer\"}", new_id);
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostRecord) changed = NULL, gone = NULL, added = NULL;

  {
    g_autoptr(OutpostRecord) first = get (f, "contact", contacts[0]);
    g_assert_nonnull (first);
  }
  api (f, "PATCH", patch, "{\"telephone1\":\"+1 555 0199\"}", 204);
  api (f, "DELETE", del, NULL, 204);
  api (f, "POST", "accounts", create, 204);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  changed = get (f, "account", accounts[0]);
  gone = get (f, "contact", contacts[0]);
  added = get (f, "account", new_id);
  g_assert_nonnull (changed);
  g_assert_cmpstr (outpost_record_get_string (changed, "telephone1"), ==, "+1 555 0199");
  g_assert_null (gone);
  g_assert_nonnull (added);
  g_assert_cmpstr (outpost_record_get_string (added, "name"), ==, "Delta Newcomer");
  g_assert_cmpint (r->removed, >=, 1);
  g_assert_cmpint (r->downloaded, >=, 2);
}

/* Nothing changed: at most one request per entity (plus one per N:N relationship: intersect
 * tables have no change tracking, so their link set is read each time), nothing written. */
static void
test_nothing_changed (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);

  g_test_message ("requests %" G_GUINT64_FORMAT ", %.3f s", r->requests, r->seconds);
  g_assert_cmpint (r->downloaded, ==, 0);
  g_assert_cmpint (r->removed, ==, 0);
  g_assert_cmpuint (r->requests, <=, outpost_profile_get_n_entities (f->profile) +
                                     outpost_profile_get_relationships (f->profile)->len);
}

/* Expired delta tokens (ExpiredVersionStamp): a full sync of those tables; local changes kept. */
static void
test_expired_token (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contacts = outpost_test_server_ids (f->srv, "contacts", "contactid", "statecode eq 0", 2);
  g_autofree char *del = g_strdup_printf ("contacts(%s)", contacts[1]);
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostRecord) mine = NULL;
  g_autoptr(OutpostTableState) before = outpost_store_get_table_state (f->store, "contact", &error);
  gboolean contact_full = FALSE;

  g_assert_nonnull (before->delta_link);
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "POST", "expire-delta-tokens", "{}", NULL), ==, 200);
  local_update (f, "contact", contacts[0], "jobtitle", "Kept through the resync");
  api (f, "DELETE", del, NULL, 204);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  for (guint i = 0; i < r->entities->len; i++)
    {
      OutpostSyncEntityResult *e = g_ptr_array_index (r->entities, i);
      if (g_str_equal (e->entity, "contact"))
        contact_full = e->full;
    }
  g_assert_true (contact_full);
  mine = get (f, "contact", contacts[0]);
  g_assert_cmpstr (outpost_record_get_string (mine, "jobtitle"), ==, "Kept through the resync");
  g_assert_null (get (f, "contact", contacts[1]));   /* swept by the full sync */
  {
    g_autoptr(OutpostTableState) after = outpost_store_get_table_state (f->store, "contact", &error);
    g_assert_nonnull (after->delta_link);
    g_assert_cmpstr (after->delta_link, !=, before->delta_link);
    g_assert_null (after->checkpoint);
    g_assert_false (after->full_sync_owed);
  }
  /* and the new token works: the next incremental sync is not full */
  {
    g_autoptr(OutpostSyncResult) again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
    for (guint i = 0; i < again->entities->len; i++)
      g_assert_false (((OutpostSyncEntityResult *) g_ptr_array_index (again->entities, i))->full &&
                      g_str_equal (((OutpostSyncEntityResult *) g_ptr_array_index (again->entities, i))->entity, "contact"));
  }
}

/* annotation has no change tracking: modifiedon + ID reconciliation removes server deletes,
 * never a row with local changes. */
static void
test_id_reconciliation (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) notes = outpost_test_server_ids (f->srv, "annotations", "annotationid", NULL, 3);
  g_autofree char *del0 = g_strdup_printf ("annotations(%s)", notes[0]);
  g_autofree char *del1 = g_strdup_printf ("annotations(%s)", notes[1]);
  g_autofree char *patch2 = g_strdup_printf ("annotations(%s)", notes[2]);
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostRecord) kept = NULL, changed = NULL;

  local_update (f, "annotation", notes[1], "subject", "Edited offline");
  api (f, "DELETE", del0, NULL, 204);
  api (f, "DELETE", del1, NULL, 204);
  g_usleep (1100 * 1000);   /* modifiedon has second precision */
  api (f, "PATCH", patch2, "{\"subject\":\"Changed by a colleague\"}", 204);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_null (get (f, "annotation", notes[0]));
  kept = get (f, "annotation", notes[1]);
  g_assert_nonnull (kept);   /* the local change is never dropped by a server delete */
  changed = get (f, "annotation", notes[2]);
  g_assert_cmpstr (outpost_record_get_string (changed, "subject"), ==, "Changed by a colleague");
}

/* Rows that leave the profile's filter (statecode eq 0) are removed, unless changed here. */
static void
test_filter (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 2);
  g_autofree char *p0 = g_strdup_printf ("accounts(%s)", accounts[0]);
  g_autofree char *p1 = g_strdup_printf ("accounts(%s)", accounts[1]);
  g_autoptr(OutpostSyncResult) r = NULL;

  /* a local change the server refuses (a parent that does not exist) stays local */
  local_update (f, "account", accounts[1], "telephone2", "+1 555 0142");
  local_update (f, "account", accounts[1], "parentaccountid", "0d5c8f6e-2222-4a2b-9c3d-00000000dead");
  api (f, "PATCH", p0, "{\"statecode\":1,\"statuscode\":2}", 204);
  api (f, "PATCH", p1, "{\"statecode\":1,\"statuscode\":2}", 204);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->errors, ==, 1);
  g_assert_null (get (f, "account", accounts[0]));
  {
    g_autoptr(OutpostRecord) kept = get (f, "account", accounts[1]);
    g_assert_nonnull (kept);
    g_assert_cmpstr (outpost_record_get_string (kept, "telephone2"), ==, "+1 555 0142");
  }
}

/* Bug: filtered tracked tables read an ids-only delta link, and a remote change then left the
 * local row with every field NULL but modifiedon. Every profile field must equal the server's
 * value after another user's PATCH (account has the filter statecode eq 0). */
static void
assert_same_value (const char *field, JsonNode *local, JsonNode *server)
{
  if (server == NULL || JSON_NODE_HOLDS_NULL (server))
    {
      if (local != NULL && !JSON_NODE_HOLDS_NULL (local))
        g_error ("%s: local %s, server null", field, json_to_string (local, FALSE));
      return;
    }
  if (local == NULL || JSON_NODE_HOLDS_NULL (local))
    g_error ("%s: local null, server %s", field, json_to_string (server, FALSE));
  switch (json_node_get_value_type (server))
    {
    case G_TYPE_STRING:
      g_assert_cmpstr (json_node_get_string (local), ==, json_node_get_string (server));
      break;
    case G_TYPE_BOOLEAN:
      g_assert_cmpint (json_node_get_boolean (local), ==, json_node_get_boolean (server));
      break;
    default:
      g_assert_cmpfloat_with_epsilon (json_node_get_double (local), json_node_get_double (server), 1e-6);
    }
}

static void
test_filtered_remote_change (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 1);
  g_autofree char *admin = g_strdup_printf ("records/accounts/%s", accounts[0]);
  OutpostEntity *account = outpost_profile_lookup_entity (f->profile, "account");
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostRecord) local = NULL;
  g_autoptr(JsonNode) server = NULL;
  JsonObject *srow;
  guint checked = 0;

  g_assert_nonnull (account->filter);
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "PATCH", admin,
                    "{\"name\":\"Other\",\"telephone1\":\"+49 30 1234\"}", NULL), <, 300);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->downloaded, ==, 1);
  local = get (f, "account", accounts[0]);
  g_assert_nonnull (local);
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "GET", admin, NULL, &server), ==, 200);
  srow = json_node_get_object (server);
  g_assert_cmpstr (outpost_record_get_string (local, "name"), ==, "Other");
  for (guint i = 0; i < account->fields->len; i++)
    {
      OutpostField *field = g_ptr_array_index (account->fields, i);
      g_autofree char *key = field->type == OUTPOST_FIELD_LOOKUP
                             ? g_strdup_printf ("_%s_value", field->name) : g_strdup (field->name);

      if (!json_object_has_member (srow, key))
        continue;
      assert_same_value (field->name, json_object_get_member (local->values, field->name),
                         json_object_get_member (srow, key));
      checked++;
    }
  g_test_message ("%u fields compared", checked);
  g_assert_cmpuint (checked, >=, 15);
}

/* Local saves, one transaction each, leave the account search index in many segments; a sync
 * that downloads rows merges them into one afterwards (the engine's tidy_search_index), and
 * the saved records are still found. */
static void
test_search_index_tidied (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 1);
  g_autofree char *admin = g_strdup_printf ("records/accounts/%s", accounts[0]);
  g_autoptr(OutpostSyncResult) r = NULL;
  OutpostQuery q = { .search = "quokkaworks" };
  g_autoptr(GPtrArray) found = NULL;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Quokkaworks %u\"}", i);
      g_autoptr(JsonNode) node = json_from_string (json, NULL);
      g_autofree char *id = outpost_store_create (f->store, "account", json_node_get_object (node), NULL);
      g_assert_nonnull (id);
    }
  g_assert_cmpint (outpost_store_search_segments (f->store, "account", NULL), >, 1);
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "PATCH", admin, "{\"name\":\"Other\"}", NULL), <, 300);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->downloaded, >=, 1);
  g_assert_cmpint (outpost_store_search_segments (f->store, "account", NULL), ==, 1);
  found = outpost_store_query (f->store, "account", &q, NULL);
  g_assert_cmpuint (found->len, ==, 12);
}

static gboolean
entity_was_full (OutpostSyncResult *r, const char *entity)
{
  for (guint i = 0; i < r->entities->len; i++)
    {
      OutpostSyncEntityResult *e = g_ptr_array_index (r->entities, i);
      if (g_str_equal (e->entity, entity))
        return e->full;
    }
  g_error ("%s not in the sync result", entity);
  return FALSE;
}

static void
set_delta_link (Fixture *f, const char *entity, const char *link)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostTableState) state = outpost_store_get_table_state (f->store, entity, &error);

  g_assert_no_error (error);
  g_free (state->delta_link);
  state->delta_link = g_strdup (link);
  g_assert_true (outpost_store_set_table_state (f->store, state, &error));
  g_assert_no_error (error);
}

/* Audit #1: the demo server listens on a new port at each start and the account's URL follows
 * it. Kept delta links are relative to the service root, and an absolute one (as older
 * versions kept) is rebased onto the account's current root: the incremental sync after the
 * restart uses the delta links and downloads nothing again. */
static void
test_new_service_root (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostTableState) contact = outpost_store_get_table_state (f->store, "contact", &error);
  g_autofree char *old_root = g_strdup (f->srv->api_root);
  g_autofree char *absolute = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  g_assert_nonnull (contact->delta_link);
  g_assert_false (g_str_has_prefix (contact->delta_link, "http"));   /* kept relative */
  absolute = g_strconcat (old_root, contact->delta_link, NULL);
  set_delta_link (f, "contact", absolute);
  outpost_test_server_restart (f->srv);   /* same data, a new port */
  g_test_message ("%s -> %s", old_root, f->srv->api_root);
  g_assert_cmpstr (f->srv->api_root, !=, old_root);
  g_clear_object (&f->engine);
  f->engine = outpost_test_engine (f->srv, f->profile);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (r->downloaded, ==, 0);
  g_assert_false (entity_was_full (r, "contact"));
  g_assert_false (entity_was_full (r, "account"));
  {
    g_autoptr(OutpostTableState) after = outpost_store_get_table_state (f->store, "contact", &error);
    g_assert_false (g_str_has_prefix (after->delta_link, "http"));
  }
}

/* A kept link naming another host is never followed there (it would carry our token): it is
 * rebased onto the account's root. One outside the service root is not followed at all: that
 * table syncs in full, the others are not affected. */
static void
test_link_to_other_host (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) host = g_inet_address_new_from_string ("127.0.0.2");
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (host, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) came = NULL;
  g_autoptr(OutpostTableState) contact = outpost_store_get_table_state (f->store, "contact", &error);
  g_autoptr(OutpostTableState) account = outpost_store_get_table_state (f->store, "account", &error);
  g_autofree char *evil = NULL, *outside = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (other, any, TRUE, &error) && g_socket_listen (other, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (other, &error);
  evil = g_strdup_printf ("http://127.0.0.2:%u/api/data/v9.2/%s",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)),
                          contact->delta_link);
  outside = g_strdup_printf ("%selsewhere/%s", f->srv->base_url, account->delta_link);
  set_delta_link (f, "contact", evil);
  set_delta_link (f, "account", outside);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_socket_set_blocking (other, FALSE);
  came = g_socket_accept (other, NULL, &error);
  g_assert_null (came);   /* nobody connected to the other host */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_false (entity_was_full (r, "contact"));
  g_assert_true (entity_was_full (r, "account"));
  g_assert_cmpint (outpost_test_server_logged (f->srv, "/elsewhere/", ""), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/incremental/delta-with-deletes", Fixture, NULL, setup, test_delta_with_deletes, teardown);
  g_test_add ("/sync/incremental/nothing-changed", Fixture, NULL, setup, test_nothing_changed, teardown);
  g_test_add ("/sync/incremental/expired-token", Fixture, NULL, setup, test_expired_token, teardown);
  g_test_add ("/sync/incremental/id-reconciliation", Fixture, NULL, setup, test_id_reconciliation, teardown);
  g_test_add ("/sync/incremental/filter", Fixture, NULL, setup, test_filter, teardown);
  g_test_add ("/sync/incremental/search-index-tidied", Fixture, NULL, setup, test_search_index_tidied,
              teardown);
  g_test_add ("/sync/incremental/filtered-remote-change", Fixture, NULL, setup,
              test_filtered_remote_change, teardown);
  g_test_add ("/sync/incremental/new-service-root", Fixture, NULL, setup, test_new_service_root,
              teardown);
  g_test_add ("/sync/incremental/link-to-other-host", Fixture, NULL, setup,
              test_link_to_other_host, teardown);
  return g_test_run ();
}

/* test-sync-faults.c: fault injection through outpost-server's admin endpoint: 500s, 429 with
 * Retry-After, a dropped connection mid-page, truncated JSON, 5xx beyond the retry budget and
 * an expired access token. After every fault the next sync converges and no local change is
 * lost or duplicated. */
#include "config.h"

#include <libsoup/soup.h>

#include "outpost-dataverse-connector.h"
#include "outpost-store-sync.h"
#include "outpost-test-server.h"

typedef struct {
  OutpostTestServer *srv;
  OutpostProfile    *profile;
  OutpostSyncEngine *engine;
  OutpostStore      *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->srv = outpost_test_server_start ("demo", NULL);
  f->profile = outpost_test_profile ();
  f->engine = outpost_test_engine (f->srv, f->profile);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->engine);
  g_clear_pointer (&f->profile, outpost_profile_unref);
  g_clear_pointer (&f->srv, outpost_test_server_free);
}

/* Every table matches the server, and the marker account exists exactly once. */
static void
assert_converged (Fixture *f, const char *marker)
{
  g_autoptr(GError) error = NULL;

  if (f->store == NULL)
    f->store = outpost_test_open_store (f->srv, f->profile);
  for (guint i = 0; i < outpost_profile_get_n_entities (f->profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (f->profile, i);
      g_autofree char *q = e->filter ? g_strdup_printf ("%s?$filter=%s", e->entity_set, e->filter)
                                     : g_strdup (e->entity_set);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

      g_assert_cmpint (outpost_store_count (f->store, e->logical_name, NULL, &error), ==,
                       outpost_test_server_count (f->srv, escaped));
    }
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
  if (marker != NULL)
    {
      g_autofree char *q = g_strdup_printf ("accounts?$filter=name eq '%s'", marker);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);
      g_assert_cmpint (outpost_test_server_count (f->srv, escaped), ==, 1);
    }
}

static void
local_marker (Fixture *f, const char *name)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (f->store == NULL)
    f->store = outpost_test_open_store (f->srv, f->profile);
  json_object_set_string_member (values, "name", name);
  id = outpost_store_create (f->store, "account", values, &error);
  g_assert_no_error (error);
}

static OutpostSyncResult *
try_sync (Fixture *f, OutpostSyncKind kind, GError **error)
{
  OutpostSyncOptions options = { kind };
  return outpost_sync_engine_run (f->engine, &options, NULL, error);
}

static void
test_server_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = NULL;

  outpost_test_server_add_fault (f->srv, "{\"kind\":\"status\",\"status\":500,\"path_prefix\":\"/api/data/v9.2/accounts\",\"every\":1,\"count\":3}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_FULL);
  g_assert_cmpint (outpost_test_server_faults_fired (f->srv), ==, 3);
  assert_converged (f, NULL);
}

static void
test_throttled (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = NULL;
  gint64 start = g_get_monotonic_time ();

  outpost_test_server_add_fault (f->srv, "{\"kind\":\"throttle\",\"retry_after\":1,\"path_prefix\":\"/api/data/v9.2/contacts\",\"count\":2}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_FULL);
  g_assert_cmpint (outpost_test_server_faults_fired (f->srv), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);   /* Retry-After honoured */
  assert_converged (f, NULL);
}

static void
test_dropped_mid_page (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostSyncResult) r = NULL;

  outpost_test_server_add_fault (f->srv, "{\"kind\":\"drop\",\"bytes\":2000,\"method\":\"GET\",\"path_prefix\":\"/api/data/v9.2/contacts\",\"count\":1}");
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_FULL);
  g_assert_cmpint (outpost_test_server_faults_fired (f->srv), ==, 1);
  assert_converged (f, NULL);
}

static void
test_truncated_json (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;

  local_marker (f, "Truncation Survivor");
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"truncate\",\"bytes\":700,\"method\":\"GET\",\"path_prefix\":\"/api/data/v9.2/contacts\",\"count\":1}");
  r = try_sync (f, OUTPOST_SYNC_INCREMENTAL, &error);
  g_assert_null (r);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  g_test_message ("%s", error->message);
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  assert_converged (f, "Truncation Survivor");
}

static void
test_beyond_retry_budget (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_FULL);
  g_clear_pointer (&r, outpost_sync_result_free);
  local_marker (f, "Outage Survivor");
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"status\",\"status\":503}");
  r = try_sync (f, OUTPOST_SYNC_INCREMENTAL, &error);
  g_assert_null (r);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_SERVER);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, NULL), ==, 1);   /* kept */
  {
    g_autoptr(GPtrArray) runs = outpost_store_list_runs (f->store, 1, NULL);
    OutpostSyncRun *run = g_ptr_array_index (runs, 0);
    g_assert_cmpstr (run->status, ==, "failed");
    g_assert_nonnull (run->message);
  }
  outpost_test_server_clear_faults (f->srv);
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  assert_converged (f, "Outage Survivor");
}

/* ---- an expired access token: the device-code flow of the server, refreshed once -------- */

static JsonObject *
form_post (const char *url, const char *form)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_nonnull (answer);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

typedef struct {
  char  *token_url;
  char  *refresh;
  guint  refreshes;
} Tokens;

static char *
refresh_token (gpointer data, GCancellable *cancellable, GError **error)
{
  Tokens *t = data;
  g_autofree char *form = g_strdup_printf ("grant_type=refresh_token&client_id=outpost-test&refresh_token=%s", t->refresh);
  g_autoptr(JsonObject) answer = form_post (t->token_url, form);

  t->refreshes++;
  g_free (t->refresh);
  t->refresh = g_strdup (json_object_get_string_member (answer, "refresh_token"));
  return g_strdup (json_object_get_string_member (answer, "access_token"));
}

static void
test_expired_access_token (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("demo", "oauth");
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autofree char *dc_url = g_strconcat (srv->base_url, "organizations/oauth2/v2.0/devicecode", NULL);
  Tokens t = { g_strconcat (srv->base_url, "organizations/oauth2/v2.0/token", NULL), NULL, 0 };
  g_autoptr(JsonObject) dc = form_post (dc_url, "client_id=outpost-test&scope=x%2Fuser_impersonation%20offline_access");
  g_autofree char *grant = g_strdup_printf ("grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=outpost-test&device_code=%s",
                                            json_object_get_string_member (dc, "device_code"));
  g_autoptr(JsonObject) tokens = NULL;
  g_autoptr(OutpostAuthProvider) auth = NULL;
  g_autoptr(OutpostSyncEngine) engine = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;

  g_assert_cmpuint (outpost_test_server_admin (srv, "POST", "device/approve", "{}", NULL), ==, 200);
  tokens = form_post (t.token_url, grant);
  g_assert_true (json_object_has_member (tokens, "access_token"));
  t.refresh = g_strdup (json_object_get_string_member (tokens, "refresh_token"));
  auth = outpost_auth_bearer_new (json_object_get_string_member (tokens, "access_token"), refresh_token, &t, NULL);
  engine = outpost_sync_engine_new ("oauth", srv->base_url, auth, profile, srv->db_path);
  r = outpost_test_sync (engine, OUTPOST_SYNC_FULL);
  g_assert_cmpuint (t.refreshes, ==, 0);
  g_assert_cmpuint (outpost_test_server_admin (srv, "POST", "expire-access-tokens", "{}", NULL), ==, 200);
  again = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpuint (t.refreshes, ==, 1);   /* one refresh serves every parallel connection */
  g_free (t.token_url);
  g_free (t.refresh);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/faults/server-errors", Fixture, NULL, setup, test_server_errors, teardown);
  g_test_add ("/sync/faults/throttled-retry-after", Fixture, NULL, setup, test_throttled, teardown);
  g_test_add ("/sync/faults/dropped-connection-mid-page", Fixture, NULL, setup, test_dropped_mid_page, teardown);
  g_test_add ("/sync/faults/truncated-json", Fixture, NULL, setup, test_truncated_json, teardown);
  g_test_add ("/sync/faults/beyond-retry-budget", Fixture, NULL, setup, test_beyond_retry_budget, teardown);
  g_test_add_func ("/sync/faults/expired-access-token", test_expired_access_token);
  return g_test_run ();
}

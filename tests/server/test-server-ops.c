/* test-server-ops.c: outpost-server as a process and a service: the device code flow, basic
 * auth, service protection (429), injected faults, persistence across a restart and a clean
 * stop on SIGTERM. */
#include "server-helper.h"

#include <string.h>
#include <glib/gstdio.h>

static const char * const demo[] = { "--seed", "demo", NULL };

static TestResponse *
form_post (TestServer *s, const char *path, const char *form)
{
  return test_request (s, "POST", path, NULL, "application/x-www-form-urlencoded", form);
}

static char *
bearer (const char *token)
{
  return g_strdup_printf ("Authorization: Bearer %s", token);
}

static void
test_device_code_flow (void)
{
  const char * const args[] = { "--seed", "demo", "--auth", "oauth", "--device-interval", "1", NULL };
  TestServer *s = test_server_start (NULL, args);
  const char *grant = "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=51f81489-12ee-4a9e-aaae-a2591f45987d&device_code=";
  g_autoptr(TestResponse) anon = test_get (s, "accounts?$select=name");
  g_autoptr(TestResponse) dc = form_post (s, "/organizations/oauth2/v2.0/devicecode",
                                          "client_id=51f81489-12ee-4a9e-aaae-a2591f45987d&scope=https%3A%2F%2Forg%2Fuser_impersonation%20offline_access");
  JsonObject *d = test_response_object (dc);
  g_autofree char *poll = g_strconcat (grant, json_object_get_string_member (d, "device_code"), NULL);
  g_autoptr(TestResponse) pending = form_post (s, "/organizations/oauth2/v2.0/token", poll);
  g_autofree char *approve = g_strdup_printf ("{\"user_code\":\"%s\"}", json_object_get_string_member (d, "user_code"));
  g_autoptr(TestResponse) ok = test_admin (s, "POST", "device/approve", approve);
  g_autoptr(TestResponse) tokens = form_post (s, "/organizations/oauth2/v2.0/token", poll);
  JsonObject *t = test_response_object (tokens);
  g_autofree char *auth = bearer (json_object_get_string_member (t, "access_token"));
  const char *headers[] = { auth, NULL };
  g_autoptr(TestResponse) api = test_request (s, "GET", "accounts?$select=name&$top=1", headers, NULL, NULL);
  g_autoptr(TestResponse) reuse = form_post (s, "/organizations/oauth2/v2.0/token", poll);

  g_assert_cmpuint (anon->status, ==, 401);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (anon->headers, "WWW-Authenticate"), "Bearer"));
  g_assert_cmpuint (dc->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (d, "interval"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (d, "expires_in"), ==, 900);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (d, "verification_uri"), s->base_url));
  g_assert_nonnull (strstr (json_object_get_string_member (d, "message"), json_object_get_string_member (d, "user_code")));
  g_assert_cmpuint (pending->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (test_response_object (pending), "error"), ==, "authorization_pending");
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (test_response_object (pending), "error_codes"), 0),
                   ==, 70016);
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpuint (tokens->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (t, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (t, "expires_in"), >, 0);
  g_assert_true (json_object_has_member (t, "refresh_token"));
  g_assert_cmpuint (api->status, ==, 200);
  g_assert_cmpuint (reuse->status, ==, 400);
  {
    /* expired access token -> 401; the refresh token gives a new one */
    g_autoptr(TestResponse) exp = test_admin (s, "POST", "expire-access-tokens", "{}");
    g_autoptr(TestResponse) denied = test_request (s, "GET", "accounts?$select=name&$top=1", headers, NULL, NULL);
    g_autofree char *refresh = g_strdup_printf ("grant_type=refresh_token&client_id=x&refresh_token=%s",
                                                json_object_get_string_member (t, "refresh_token"));
    g_autoptr(TestResponse) renewed = form_post (s, "/organizations/oauth2/v2.0/token", refresh);
    g_autofree char *auth2 = bearer (json_object_get_string_member (test_response_object (renewed), "access_token"));
    const char *headers2[] = { auth2, NULL };
    g_autoptr(TestResponse) again = test_request (s, "GET", "accounts?$select=name&$top=1", headers2, NULL, NULL);
    g_autoptr(TestResponse) bad = form_post (s, "/organizations/oauth2/v2.0/token",
                                             "grant_type=refresh_token&client_id=x&refresh_token=nope");
    g_assert_cmpuint (exp->status, ==, 200);
    g_assert_cmpuint (denied->status, ==, 401);
    g_assert_nonnull (soup_message_headers_get_one (denied->headers, "WWW-Authenticate"));
    g_assert_cmpuint (renewed->status, ==, 200);
    g_assert_cmpuint (again->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (test_response_object (bad), "error"), ==, "invalid_grant");
  }
  {
    /* declined, and an unknown device code */
    g_autoptr(TestResponse) dc2 = form_post (s, "/common/oauth2/v2.0/devicecode", "client_id=x&scope=y");
    g_autofree char *poll2 = g_strconcat (grant, json_object_get_string_member (test_response_object (dc2), "device_code"), NULL);
    g_autoptr(TestResponse) decline = test_admin (s, "POST", "device/decline", "{}");
    g_autoptr(TestResponse) declined = form_post (s, "/common/oauth2/v2.0/token", poll2);
    g_autoptr(TestResponse) unknown = form_post (s, "/common/oauth2/v2.0/token", "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=x&device_code=zzz");
    g_assert_cmpuint (decline->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (test_response_object (declined), "error"), ==, "authorization_declined");
    g_assert_cmpstr (json_object_get_string_member (test_response_object (unknown), "error"), ==, "bad_verification_code");
  }
  test_server_free (s);
}

static void
test_device_code_expiry (void)
{
  const char * const args[] = { "--auth", "oauth", "--device-lifetime", "1", NULL };
  TestServer *s = test_server_start (NULL, args);
  g_autoptr(TestResponse) dc = form_post (s, "/organizations/oauth2/v2.0/devicecode", "client_id=x&scope=y");
  g_autofree char *poll = g_strconcat ("grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=x&device_code=",
                                       json_object_get_string_member (test_response_object (dc), "device_code"), NULL);
  g_autoptr(TestResponse) expired = NULL;

  g_usleep (1500 * 1000);
  expired = form_post (s, "/organizations/oauth2/v2.0/token", poll);
  g_assert_cmpuint (expired->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (test_response_object (expired), "error"), ==, "expired_token");
  test_server_free (s);
}

static void
test_basic_auth (void)
{
  const char * const args[] = { "--auth", "basic", "--basic-user", "alice", "--basic-password", "s3cret", NULL };
  TestServer *s = test_server_start (NULL, args);
  g_autofree char *good = g_base64_encode ((const guchar *) "alice:s3cret", 12);
  g_autofree char *good_h = g_strdup_printf ("Authorization: Basic %s", good);
  const char *ok_headers[] = { good_h, NULL };
  const char *bad_headers[] = { "Authorization: Basic YWxpY2U6d3Jvbmc=", NULL };
  g_autoptr(TestResponse) ok = test_request (s, "GET", "WhoAmI", ok_headers, NULL, NULL);
  g_autoptr(TestResponse) bad = test_request (s, "GET", "WhoAmI", bad_headers, NULL, NULL);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (json_object_has_member (test_response_object (ok), "UserId"));
  g_assert_cmpuint (bad->status, ==, 401);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (bad->headers, "WWW-Authenticate"), "Basic"));
  test_server_free (s);
}

static void
test_throttling (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) set = test_admin (s, "POST", "limits", "{\"max_requests\":3,\"window_seconds\":2}");
  guint throttled = 0;
  g_autoptr(TestResponse) last = NULL;

  g_assert_cmpuint (set->status, ==, 200);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr(TestResponse) r = test_get (s, "WhoAmI");
      if (r->status == 429)
        {
          const char *retry = soup_message_headers_get_one (r->headers, "Retry-After");
          throttled++;
          g_assert_nonnull (retry);
          g_assert_cmpint (atoi (retry), >=, 1);
          g_assert_cmpint (atoi (retry), <=, 2);
          g_assert_cmpstr (test_error_code (r), ==, "0x80072322");
          g_assert_cmpstr (test_error_message (r), ==,
                           "Number of requests exceeded the limit of 3 over time window of 2 seconds.");
        }
      else
        g_assert_cmpuint (r->status, ==, 200);
    }
  g_assert_cmpuint (throttled, ==, 2);
  g_usleep (2100 * 1000);
  last = test_get (s, "WhoAmI");
  g_assert_cmpuint (last->status, ==, 200);
  {
    g_autoptr(TestResponse) f = test_admin (s, "POST", "faults", "{\"kind\":\"throttle\",\"limit\":\"concurrency\",\"count\":1,"
                                            "\"retry_after\":3}");
    g_autoptr(TestResponse) off = test_admin (s, "POST", "limits", "{\"max_requests\":0}");
    g_autoptr(TestResponse) r = test_get (s, "WhoAmI");
    g_assert_cmpuint (r->status, ==, 429);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, "3");
    g_assert_cmpstr (test_error_code (r), ==, "0x80072326");
  }
  test_server_free (s);
}

static void
test_faults (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) f1 = test_admin (s, "POST", "faults",
                                           "{\"kind\":\"status\",\"status\":503,\"path_prefix\":\"/api/data/v9.2/contacts\","
                                           "\"method\":\"GET\",\"every\":2,\"count\":1}");
  g_autoptr(TestResponse) c1 = test_get (s, "contacts?$select=fullname&$top=1");
  g_autoptr(TestResponse) a1 = test_get (s, "accounts?$select=name&$top=1");
  g_autoptr(TestResponse) c2 = test_get (s, "contacts?$select=fullname&$top=1");
  g_autoptr(TestResponse) c3 = test_get (s, "contacts?$select=fullname&$top=1");
  g_autoptr(TestResponse) c4 = test_get (s, "contacts?$select=fullname&$top=1");

  g_assert_cmpuint (f1->status, ==, 200);
  g_assert_cmpuint (c1->status, ==, 200);
  g_assert_cmpuint (a1->status, ==, 200);   /* other paths are not affected */
  g_assert_cmpuint (c2->status, ==, 503);   /* the 2nd matching request */
  g_assert_cmpuint (c3->status, ==, 200);
  g_assert_cmpuint (c4->status, ==, 200);   /* count: 1 */
  {
    g_autoptr(TestResponse) f = test_admin (s, "POST", "faults", "{\"kind\":\"truncate\",\"bytes\":30,\"count\":1}");
    g_autoptr(TestResponse) r = test_get (s, "accounts?$select=name&$top=3");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 30);
    g_assert_null (r->json);
  }
  {
    g_autoptr(TestResponse) f = test_admin (s, "POST", "faults", "{\"kind\":\"drop\",\"bytes\":10,\"count\":1}");
    g_autofree char *url = g_strconcat (s->api, "accounts?$select=name", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = soup_session_send_and_read (s->session, msg, NULL, &error);
    g_assert_nonnull (error);  /* the connection closed mid-body */
  }
  {
    g_autoptr(TestResponse) f = test_admin (s, "POST", "faults", "{\"kind\":\"latency\",\"ms\":400,\"count\":1}");
    gint64 start = g_get_monotonic_time ();
    g_autoptr(TestResponse) r = test_get (s, "WhoAmI");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  }
  {
    g_autoptr(TestResponse) list = test_admin (s, "GET", "faults", NULL);
    g_autoptr(TestResponse) clear = test_admin (s, "DELETE", "faults", NULL);
    g_autoptr(TestResponse) empty = test_admin (s, "GET", "faults", NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_response_object (list), "value")), ==, 4);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_response_object (empty), "value")), ==, 0);
  }
  {
    g_autoptr(TestResponse) counts = test_admin (s, "GET", "requests", NULL);
    JsonObject *c = json_object_get_object_member (test_response_object (counts), "counts");
    g_assert_cmpint (json_object_get_int_member (c, "GET /api/data/v9.2/contacts"), ==, 4);
  }
  test_server_free (s);
}

static void
test_other_user_edits (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) created = test_admin (s, "POST", "records/accounts", "{\"name\":\"Remote Co\"}");
  const char *id = json_object_get_string_member (test_response_object (created), "id");
  g_autofree char *path = g_strdup_printf ("records/accounts/%s", id);
  g_autoptr(TestResponse) got = test_admin (s, "GET", path, NULL);
  g_autoptr(TestResponse) list = test_admin (s, "GET", "records/accounts?name=Remote%20Co", NULL);

  g_assert_cmpuint (created->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (test_response_object (got), "_modifiedby_value"), ==,
                   "8d2b6f4e-1c3a-4e5b-9f70-3a1b2c4d5e02");
  g_assert_cmpint (json_object_get_int_member (test_response_object (list), "count"), ==, 1);
  test_server_free (s);
}

static void
test_persistence_and_sigterm (void)
{
  TestServer *s = test_server_start (NULL, demo);
  const char *track[] = { "Prefer: odata.track-changes", NULL };
  g_autoptr(TestResponse) created = test_request (s, "POST", "accounts", NULL, NULL,
                                                  "{\"name\":\"Kept\",\"accountid\":\"7e7e7e7e-0000-4000-8000-000000000001\"}");
  g_autoptr(TestResponse) initial = test_request (s, "GET", "accounts?$select=name", track, NULL, NULL);
  g_autofree char *delta = g_strdup (json_object_get_string_member (test_response_object (initial), "@odata.deltaLink"));
  g_autofree char *old_base = g_strdup (s->base_url);

  g_assert_cmpuint (created->status, ==, 204);
  g_assert_cmpint (test_server_stop (s), ==, 0);   /* SIGTERM: clean exit */
  {
    /* restart on the same data directory; --seed does not reseed a non-empty directory */
    g_autoptr(GError) error = NULL;
    TestServer *again = test_server_start (s->data_dir, demo);
    g_autoptr(TestResponse) kept = test_get (again, "accounts(7e7e7e7e-0000-4000-8000-000000000001)?$select=name");
    g_autoptr(TestResponse) count = test_get (again, "accounts/$count");
    g_autofree char *token = g_strdup (strstr (delta, "$deltatoken="));
    g_autofree char *delta_path = g_strconcat ("accounts?$select=name&", token, NULL);
    g_autoptr(TestResponse) d = NULL;
    g_autoptr(TestResponse) edit = test_request (again, "PATCH", "accounts(7e7e7e7e-0000-4000-8000-000000000001)", NULL,
                                                 NULL, "{\"name\":\"Kept and edited\"}");
    d = test_get (again, delta_path);
    g_assert_cmpuint (kept->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (test_response_object (kept), "name"), ==, "Kept");
    g_assert_cmpstr (g_bytes_get_data (count->body, NULL), ==, "25");
    g_assert_cmpuint (d->status, ==, 200);   /* a delta token survives a restart */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_response_object (d), "value")), ==, 1);
    g_assert_no_error (error);
    g_assert_cmpint (test_server_stop (again), ==, 0);
    test_server_free (again);
  }
  (void) old_base;
  test_server_free (s);
}

static void
test_tls (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-tls-XXXXXX", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  const char *openssl[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1", NULL };
  int status = -1;
  TestServer *s;

  if (!g_spawn_sync (NULL, (char **) openssl, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) || status != 0)
    {
      g_test_skip ("openssl is needed to make a test certificate");
      return;
    }
  {
    const char * const args[] = { "--seed", "demo", "--tls-cert", cert, "--tls-key", key, NULL };
    s = test_server_start (NULL, args);
  }
  g_assert_true (g_str_has_prefix (s->base_url, "https://127.0.0.1:"));
  {
    g_autoptr(TestResponse) r = test_get (s, "WhoAmI");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (test_response_object (r), "@odata.context"), "https://"));
  }
  test_server_free (s);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

static void
test_webresource_profile (void)
{
  TestServer *s = test_server_start (NULL, NULL);
  g_autofree char *content = g_base64_encode ((const guchar *) "{\"version\":2}", 13);
  g_autofree char *body = g_strdup_printf ("{\"name\":\"outpost_/profile.json\",\"webresourcetype\":4,\"content\":\"%s\"}",
                                           content);
  g_autoptr(TestResponse) created = test_request (s, "POST", "webresourceset?$select=name,content,modifiedon",
                                                  (const char *[]) { "Prefer: return=representation", NULL }, NULL, body);
  g_autoptr(TestResponse) found = test_get (s, "webresourceset?$select=name,content,modifiedon&"
                                               "$filter=name%20eq%20%27outpost_%2Fprofile.json%27");
  JsonArray *rows = json_object_get_array_member (test_response_object (found), "value");

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "content"), ==, content);
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (rows, 0), "modifiedon"));
  test_server_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/ops/device-code-flow", test_device_code_flow);
  g_test_add_func ("/server/ops/device-code-expiry", test_device_code_expiry);
  g_test_add_func ("/server/ops/basic-auth", test_basic_auth);
  g_test_add_func ("/server/ops/throttling", test_throttling);
  g_test_add_func ("/server/ops/faults", test_faults);
  g_test_add_func ("/server/ops/other-user-edits", test_other_user_edits);
  g_test_add_func ("/server/ops/persistence-and-sigterm", test_persistence_and_sigterm);
  g_test_add_func ("/server/ops/tls", test_tls);
  g_test_add_func ("/server/ops/webresource-profile", test_webresource_profile);
  return g_test_run ();
}

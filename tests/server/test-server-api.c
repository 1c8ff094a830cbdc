/* test-server-api.c: outpost-server's Web API against the documented Dataverse payloads:
 * queries and paging (also across concurrent writes), change tracking (delta after deletes,
 * rejections, expired tokens), writes with concurrency (412), validation and bad requests,
 * metadata, lookups, N:N, SendEmail and $batch. Each test starts the real server binary. */
#include "server-helper.h"

#include <string.h>

static const char * const demo[] = { "--seed", "demo", NULL };

static JsonArray *
value_array (TestResponse *resp)
{
  return json_object_get_array_member (test_response_object (resp), "value");
}

static const char *
next_link (TestResponse *resp)
{
  return json_object_get_string_member_with_default (test_response_object (resp), "@odata.nextLink", NULL);
}

static char *
query_path (const char *set, const char *query)
{
  g_autoptr(GString) path = g_string_new (set);
  g_auto(GStrv) parts = g_strsplit (query, "&", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      g_autofree char *value = test_escape (eq + 1);
      *eq = '\0';
      g_string_append_printf (path, "%c%s=%s", i ? '&' : '?', parts[i], value);
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

static void
test_query_basics (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *path = query_path ("accounts", "$select=name,revenue,_primarycontactid_value&"
                                      "$filter=revenue gt 1000000 and (contains(name,'o') or not startswith(name,'Z'))&"
                                      "$orderby=revenue desc&$top=5&$count=true");
  g_autoptr(TestResponse) r = test_get (s, path);
  JsonArray *rows;
  double last = G_MAXDOUBLE;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "OData-Version"), ==, "4.0");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (test_response_object (r), "@odata.context"),
                                   "$metadata#accounts(name,revenue,_primarycontactid_value)"));
  g_assert_cmpint (json_object_get_int_member (test_response_object (r), "@odata.count"), >, 5);
  rows = value_array (r);
  g_assert_cmpuint (json_array_get_length (rows), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *etag = json_object_get_string_member (row, "@odata.etag");
      g_assert_true (g_str_has_prefix (etag, "W/\"") && g_str_has_suffix (etag, "\""));
      g_assert_true (json_object_has_member (row, "accountid"));
      g_assert_true (json_object_has_member (row, "_primarycontactid_value"));
      g_assert_false (json_object_has_member (row, "telephone1"));
      g_assert_cmpfloat (json_object_get_double_member (row, "revenue"), <=, last);
      g_assert_cmpfloat (json_object_get_double_member (row, "revenue"), >, 1000000);
      last = json_object_get_double_member (row, "revenue");
    }
  g_assert_null (next_link (r));
  test_server_free (s);
}

static void
test_filter_literals (void)
{
  TestServer *s = test_server_start (NULL, demo);
  const char *ok[] = {
    "$filter=createdon ge 2024-01-01T00:00:00Z and _parentaccountid_value eq null",
    "$filter=creditonhold eq false or numberofemployees lt 100",
    "$filter=accountid ne 00000000-0000-0000-0000-000000000000",
    "$filter=not (statecode eq 1) and name ne 'It''s'",
    "$filter=endswith(name,'Ltd') or startswith(address1_city,'S')",
  };
  const char *bad[] = {
    "$filter=name eq", "$filter=(name eq 'a'", "$filter=nosuchfield eq 1", "$filter=numberofemployees eq 'x'",
    "$filter=name eq 'unterminated", "$filter=createdon gt 2024-13-45",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autofree char *path = query_path ("accounts", ok[i]);
      g_autoptr(TestResponse) r = test_get (s, path);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpuint (json_array_get_length (value_array (r)), >, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = query_path ("accounts", bad[i]);
      g_autoptr(TestResponse) r = test_get (s, path);
      g_assert_cmpuint (r->status, ==, 400);
      g_assert_cmpstr (test_error_code (r), ==, "0x80060888");
    }
  test_server_free (s);
}

/* Keyset paging: rows inserted and deleted between pages neither shift nor repeat rows. */
static void
test_paging_concurrent_writes (void)
{
  const char * const args[] = { "--seed", "accounts=95", NULL };
  TestServer *s = test_server_start (NULL, args);
  const char *prefer[] = { "Prefer: odata.maxpagesize=10", NULL };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TestResponse) first = test_request (s, "GET", "accounts?$select=name", prefer, NULL, NULL);
  g_autofree char *link = g_strdup (next_link (first));
  g_autofree char *deleted = NULL;
  guint pages = 1, total;

  g_assert_cmpstr (soup_message_headers_get_one (first->headers, "Preference-Applied"), ==, "odata.maxpagesize=10");
  g_assert_cmpuint (json_array_get_length (value_array (first)), ==, 10);
  for (guint i = 0; i < 10; i++)
    g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (value_array (first), i),
                                                                       "accountid")));
  /* another user creates rows at both ends of the key order and deletes one not yet seen */
  {
    g_autoptr(TestResponse) a = test_request (s, "POST", "accounts", NULL, NULL,
                                              "{\"name\":\"Early\",\"accountid\":\"00000000-0000-4000-8000-000000000001\"}");
    g_autoptr(TestResponse) b = test_request (s, "POST", "accounts", NULL, NULL,
                                              "{\"name\":\"Late\",\"accountid\":\"ffffffff-0000-4000-8000-000000000001\"}");
    g_autoptr(TestResponse) all = test_get (s, "accounts?$select=name&$orderby=accountid desc&$top=1");
    g_assert_cmpuint (a->status, ==, 204);
    g_assert_cmpuint (b->status, ==, 204);
    deleted = g_strdup (json_object_get_string_member (json_array_get_object_element (value_array (all), 0), "accountid"));
    g_assert_cmpstr (deleted, ==, "ffffffff-0000-4000-8000-000000000001");
    {
      g_autofree char *p = g_strdup_printf ("accounts(%s)", deleted);
      g_autoptr(TestResponse) d = test_request (s, "DELETE", p, NULL, NULL, NULL);
      g_assert_cmpuint (d->status, ==, 204);
    }
  }
  while (link)
    {
      g_autoptr(TestResponse) page = test_request (s, "GET", link, prefer, NULL, NULL);
      JsonArray *rows = value_array (page);
      g_assert_cmpuint (page->status, ==, 200);
      g_assert_cmpuint (json_array_get_length (rows), <=, 10);
      for (guint i = 0; i < json_array_get_length (rows); i++)
        {
          const char *id = json_object_get_string_member (json_array_get_object_element (rows, i), "accountid");
          g_assert_false (g_hash_table_contains (seen, id));  /* no duplicates */
          g_hash_table_add (seen, g_strdup (id));
        }
      g_free (link);
      link = g_strdup (next_link (page));
      pages++;
    }
  total = g_hash_table_size (seen);
  /* 95 seeded, all seen once; "Early" sorts before page 1's last key so is not returned; "Late" was deleted */
  g_assert_cmpuint (total, ==, 95);
  g_assert_false (g_hash_table_contains (seen, "00000000-0000-4000-8000-000000000001"));
  g_assert_cmpuint (pages, ==, 10);
  test_server_free (s);
}

static char *
initial_delta (TestServer *s, const char *set)
{
  const char *prefer[] = { "Prefer: odata.track-changes, odata.maxpagesize=5000", NULL };
  g_autofree char *path = g_strdup_printf ("%s?$select=%s", set, strcmp (set, "contacts") == 0 ? "fullname" : "name");
  g_autoptr(TestResponse) r = test_request (s, "GET", path, prefer, NULL, NULL);
  const char *applied = soup_message_headers_get_one (r->headers, "Preference-Applied");

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (strstr (applied, "odata.track-changes"));
  g_assert_null (next_link (r));
  g_assert_true (json_object_has_member (test_response_object (r), "@odata.deltaLink"));
  return g_strdup (json_object_get_string_member (test_response_object (r), "@odata.deltaLink"));
}

static void
test_delta_after_deletes (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *link = initial_delta (s, "accounts");
  g_autoptr(TestResponse) all = test_get (s, "accounts?$select=name&$top=2");
  const char *a = json_object_get_string_member (json_array_get_object_element (value_array (all), 0), "accountid");
  const char *b = json_object_get_string_member (json_array_get_object_element (value_array (all), 1), "accountid");
  g_autofree char *patch_path = g_strdup_printf ("records/accounts/%s", a);
  g_autofree char *delete_path = g_strdup_printf ("records/accounts/%s", b);
  g_autoptr(TestResponse) r1 = test_admin (s, "PATCH", patch_path, "{\"name\":\"Changed elsewhere\"}");
  g_autoptr(TestResponse) r2 = test_admin (s, "DELETE", delete_path, NULL);
  g_autoptr(TestResponse) r3 = test_request (s, "POST", "accounts", NULL, NULL, "{\"name\":\"Brand new\"}");
  g_autoptr(TestResponse) delta = test_get (s, link);
  JsonArray *rows;
  JsonObject *last;

  g_assert_cmpuint (r1->status, ==, 200);
  g_assert_cmpuint (r2->status, ==, 204);
  g_assert_cmpuint (r3->status, ==, 204);
  g_assert_cmpuint (delta->status, ==, 200);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (test_response_object (delta), "@odata.context"),
                                   "$metadata#accounts(name)/$delta"));
  rows = value_array (delta);
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  /* changed rows first, then deletions */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "name"), ==,
                   "Changed elsewhere");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "name"), ==, "Brand new");
  last = json_array_get_object_element (rows, 2);
  g_assert_cmpstr (json_object_get_string_member (last, "id"), ==, b);
  g_assert_cmpstr (json_object_get_string_member (last, "reason"), ==, "deleted");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (last, "@odata.context"), "$metadata#accounts/$deletedEntity"));
  {
    const char *next = json_object_get_string_member (test_response_object (delta), "@odata.deltaLink");
    g_autoptr(TestResponse) empty = test_get (s, next);
    g_assert_cmpuint (empty->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (value_array (empty)), ==, 0);
  }
  test_server_free (s);
}

static void
test_delta_paged_and_rejections (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *link = initial_delta (s, "contacts");
  const char *prefer[] = { "Prefer: odata.maxpagesize=2", NULL };
  const char *track[] = { "Prefer: odata.track-changes", NULL };
  g_autoptr(TestResponse) ids = test_get (s, "contacts?$select=fullname&$top=4");
  guint rows = 0, deletes = 0, pages = 0;
  g_autofree char *url = g_strdup (link);

  for (guint i = 0; i < 4; i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (value_array (ids), i), "contactid");
      g_autofree char *p = g_strdup_printf ("contacts(%s)", id);
      g_autoptr(TestResponse) r = i < 2 ? test_request (s, "PATCH", p, NULL, NULL, "{\"jobtitle\":\"CTO\"}")
                                        : test_request (s, "DELETE", p, NULL, NULL, NULL);
      g_assert_cmpuint (r->status, ==, 204);
    }
  while (url)
    {
      g_autoptr(TestResponse) r = test_request (s, "GET", url, prefer, NULL, NULL);
      JsonArray *v = value_array (r);
      g_assert_cmpuint (json_array_get_length (v), <=, 2);
      for (guint i = 0; i < json_array_get_length (v); i++)
        if (json_object_has_member (json_array_get_object_element (v, i), "reason"))
          deletes++;
        else
          {
            g_assert_cmpuint (deletes, ==, 0);
            rows++;
          }
      g_free (url);
      url = g_strdup (next_link (r));
      if (url == NULL)
        g_assert_true (json_object_has_member (test_response_object (r), "@odata.deltaLink"));
      pages++;
    }
  g_assert_cmpuint (rows, ==, 2);
  g_assert_cmpuint (deletes, ==, 2);
  g_assert_cmpuint (pages, >=, 2);
  {
    const char *options[] = { "$filter=statecode eq 0", "$orderby=fullname", "$top=3", "$expand=x" };
    for (guint i = 0; i < G_N_ELEMENTS (options); i++)
      {
        g_autofree char *path = query_path ("contacts", options[i]);
        g_autoptr(TestResponse) r = test_request (s, "GET", path, track, NULL, NULL);
        g_autofree char *name = g_strndup (options[i], strchr (options[i], '=') - options[i]);
        g_autofree char *expected = g_strdup_printf ("The \"%s\" query parameter isn't supported when Change "
                                                     "Tracking is enabled.", name);
        g_assert_cmpuint (r->status, ==, 400);
        if (strcmp (name, "$expand") != 0)
          g_assert_cmpstr (test_error_message (r), ==, expected);
      }
  }
  test_server_free (s);
}

static void
test_delta_expired (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *link = initial_delta (s, "accounts");
  g_autoptr(TestResponse) ok = test_get (s, link);
  g_autoptr(TestResponse) exp = test_admin (s, "POST", "expire-delta-tokens", "{}");
  g_autoptr(TestResponse) expired = test_get (s, link);
  g_autoptr(TestResponse) unknown = test_get (s, "accounts?$select=name&$deltatoken=garbage");

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpuint (exp->status, ==, 200);
  g_assert_cmpuint (expired->status, ==, 400);
  g_assert_cmpstr (test_error_code (expired), ==, "0x80044352");
  g_assert_cmpstr (test_error_message (expired), ==,
                   "Version stamp associated with the client has expired. Please perform a full sync.");
  g_assert_cmpuint (unknown->status, ==, 400);
  g_assert_cmpstr (test_error_code (unknown), ==, "0x80044352");
  g_free (link);
  link = initial_delta (s, "accounts");  /* a full sync gives a working token again */
  {
    g_autoptr(TestResponse) again = test_get (s, link);
    g_assert_cmpuint (again->status, ==, 200);
  }
  test_server_free (s);
}

static void
test_change_tracking_metadata (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *path = query_path ("EntityDefinitions", "$select=LogicalName&$filter=ChangeTrackingEnabled eq true");
  g_autoptr(TestResponse) r = test_get (s, path);
  const char *track[] = { "Prefer: odata.track-changes", NULL };
  g_autoptr(TestResponse) notes = test_request (s, "GET", "annotations?$select=subject", track, NULL, NULL);
  gboolean account = FALSE;

  for (guint i = 0; i < json_array_get_length (value_array (r)); i++)
    {
      const char *name = json_object_get_string_member (json_array_get_object_element (value_array (r), i), "LogicalName");
      g_assert_cmpstr (name, !=, "annotation");
      g_assert_cmpstr (name, !=, "appointment");
      account |= strcmp (name, "account") == 0;
    }
  g_assert_true (account);
  /* tracking is not applied to a table that has it disabled */
  g_assert_cmpuint (notes->status, ==, 200);
  g_assert_false (json_object_has_member (test_response_object (notes), "@odata.deltaLink"));
  g_assert_null (soup_message_headers_get_one (notes->headers, "Preference-Applied"));
  test_server_free (s);
}

static void
test_writes_and_412 (void)
{
  TestServer *s = test_server_start (NULL, demo);
  const char *id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  g_autofree char *path = g_strdup_printf ("accounts(%s)", id);
  g_autofree char *body = g_strdup_printf ("{\"accountid\":\"%s\",\"name\":\"Sample Account\",\"creditonhold\":false,"
                                           "\"revenue\":5000000,\"accountcategorycode\":1}", id);
  const char *repr[] = { "Prefer: return=representation", NULL };
  g_autoptr(TestResponse) created = test_request (s, "POST", "accounts?$select=name,revenue", repr, NULL, body);
  g_autoptr(TestResponse) dup = test_request (s, "POST", "accounts", NULL, NULL, body);
  JsonObject *o = test_response_object (created);
  g_autofree char *etag = g_strdup (json_object_get_string_member (o, "@odata.etag"));
  g_autofree char *wrong = g_strdup ("If-Match: W/\"1\"");
  const char *bad_match[] = { wrong, NULL };
  g_autofree char *right = g_strdup_printf ("If-Match: %s", etag);
  const char *good_match[] = { right, NULL };
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *not_modified[] = { inm, NULL };
  const char *none_star[] = { "If-None-Match: *", NULL };
  const char *match_star[] = { "If-Match: *", NULL };

  g_assert_cmpuint (created->status, ==, 201);
  g_assert_null (soup_message_headers_get_one (created->headers, "OData-EntityId"));
  g_assert_cmpstr (json_object_get_string_member (o, "accountid"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Sample Account");
  g_assert_cmpuint (dup->status, ==, 412);
  g_assert_cmpstr (test_error_code (dup), ==, "0x80040237");
  {
    g_autoptr(TestResponse) r = test_request (s, "PATCH", path, bad_match, NULL, "{\"name\":\"X\"}");
    g_assert_cmpuint (r->status, ==, 412);
    g_assert_cmpstr (g_bytes_get_data (r->body, NULL), ==, "{\"error\":{\"code\":\"\",\"message\":\"The version of "
                     "the existing record doesn't match the RowVersion property provided.\"}}");
  }
  {
    g_autoptr(TestResponse) r = test_request (s, "DELETE", path, bad_match, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 412);
  }
  {
    g_autoptr(TestResponse) r = test_request (s, "GET", path, not_modified, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 304);
  }
  {
    g_autoptr(TestResponse) r = test_request (s, "PATCH", path, none_star, NULL, "{\"name\":\"X\"}");
    g_assert_cmpuint (r->status, ==, 412);
    g_assert_cmpstr (test_error_message (r), ==, "A record with matching key values already exists.");
  }
  {
    g_autoptr(TestResponse) r = test_request (s, "PATCH", path, good_match, NULL, "{\"name\":\"Renamed\"}");
    g_autoptr(TestResponse) after = test_get (s, path);
    JsonObject *a = test_response_object (after);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_nonnull (soup_message_headers_get_one (r->headers, "OData-EntityId"));
    g_assert_cmpstr (json_object_get_string_member (a, "name"), ==, "Renamed");
    g_assert_cmpstr (json_object_get_string_member (a, "@odata.etag"), !=, etag);
    g_assert_cmpstr (json_object_get_string_member (a, "_modifiedby_value"), ==, "8d2b6f4e-1c3a-4e5b-9f70-3a1b2c4d5e01");
    g_assert_true (json_object_get_boolean_member (a, "creditonhold") == FALSE);
  }
  {
    /* upsert: If-Match: * on a missing row is 404, a plain PATCH creates it */
    const char *missing = "accounts(3f2504e0-4f89-41d3-9a0c-0305e82c3399)";
    g_autoptr(TestResponse) r404 = test_request (s, "PATCH", missing, match_star, NULL, "{\"name\":\"U\"}");
    g_autoptr(TestResponse) up = test_request (s, "PATCH", missing, NULL, NULL, "{\"name\":\"Upserted\"}");
    g_autoptr(TestResponse) got = test_get (s, missing);
    g_autoptr(TestResponse) del = test_request (s, "DELETE", missing, NULL, NULL, NULL);
    g_autoptr(TestResponse) gone = test_request (s, "DELETE", missing, NULL, NULL, NULL);
    g_assert_cmpuint (r404->status, ==, 404);
    g_assert_cmpstr (test_error_message (r404), ==, "account With Id = 3f2504e0-4f89-41d3-9a0c-0305e82c3399 Does Not Exist");
    g_assert_cmpuint (up->status, ==, 204);
    g_assert_cmpuint (got->status, ==, 200);
    g_assert_cmpuint (del->status, ==, 204);
    g_assert_cmpuint (gone->status, ==, 404);
  }
  {
    g_autoptr(TestResponse) plain = test_request (s, "POST", "accounts", NULL, NULL, "{\"name\":\"No id\"}");
    const char *entity_id = soup_message_headers_get_one (plain->headers, "OData-EntityId");
    g_assert_cmpuint (plain->status, ==, 204);
    g_assert_true (g_str_has_prefix (entity_id, s->api));
    g_assert_nonnull (strstr (entity_id, "accounts("));
  }
  test_server_free (s);
}

static void
assert_error (TestResponse *r, guint status, const char *code)
{
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (test_error_code (r), ==, code);
  g_assert_cmpuint (strlen (test_error_message (r)), >, 0);
}

static void
test_bad_requests (void)
{
  const char * const args[] = { "--seed", "demo", "--max-body", "4096", NULL };
  TestServer *s = test_server_start (NULL, args);
  g_autofree char *big = g_strnfill (8000, 'a');
  g_autofree char *big_body = g_strdup_printf ("{\"name\":\"%s\"}", big);
  g_autofree char *long_name = g_strnfill (161, 'n');
  g_autofree char *long_body = g_strdup_printf ("{\"name\":\"%s\"}", long_name);
  struct { const char *method, *path, *body; guint status; const char *code; } cases[] = {
    { "POST", "accounts", "{\"name\":", 400, "0x80048d19" },               /* malformed JSON */
    { "POST", "accounts", "[1,2]", 400, "0x80048d19" },                    /* not an object */
    { "GET", "foos", NULL, 404, "0x80060888" },                            /* unknown entity set */
    { "GET", "accounts(not-a-guid)", NULL, 400, "0x80060888" },            /* invalid GUID */
    { "POST", "accounts", big_body, 413, "0x8004f0ff" },                   /* oversize body */
    { "POST", "accounts", "{\"nosuch\":1,\"name\":\"a\"}", 400, "0x80048d19" },  /* unknown field */
    { "POST", "accounts", "{\"name\":5}", 400, "0x80048d19" },             /* wrong type */
    { "POST", "accounts", long_body, 400, "0x80044331" },                  /* too long */
    { "POST", "contacts", "{\"firstname\":\"A\"}", 400, "0x80040203" },    /* missing required */
    { "POST", "accounts", "{\"name\":\"a\",\"industrycode\":999}", 400, "0x80044331" },
    { "GET", "accounts?$select=nosuch", NULL, 400, "0x80060888" },
    { "POST", "accounts", "{\"name\":\"a\",\"primarycontactid@odata.bind\":\"/contacts(00000000-0000-0000-0000-000000000009)\"}",
      404, "0x80040217" },
    { "POST", "accounts", "{\"name\":\"a\",\"primarycontactid@odata.bind\":\"/leads(00000000-0000-0000-0000-000000000009)\"}",
      400, "0x80048d19" },
    { "PUT", "accounts", "{}", 405, "0x80060888" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestResponse) r = test_request (s, cases[i].method, cases[i].path, NULL, NULL, cases[i].body);
      assert_error (r, cases[i].status, cases[i].code);
    }
  {
    /* still alive and nothing was written */
    g_autoptr(TestResponse) r = test_get (s, "accounts/$count");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (g_bytes_get_data (r->body, NULL), ==, "24");
  }
  test_server_free (s);
}

static void
test_lookups_and_annotations (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) c = test_get (s, "contacts?$select=fullname&$top=1");
  const char *contact = json_object_get_string_member (json_array_get_object_element (value_array (c), 0), "contactid");
  g_autofree char *body = g_strdup_printf ("{\"name\":\"Lookup Co\",\"accountid\":\"5e0d0d0d-0000-4000-8000-000000000001\","
                                           "\"primarycontactid@odata.bind\":\"/contacts(%s)\"}", contact);
  const char *ann[] = { "Prefer: odata.include-annotations=\"*\"", NULL };
  const char *path = "accounts(5e0d0d0d-0000-4000-8000-000000000001)?$select=name,_primarycontactid_value,industrycode";
  g_autoptr(TestResponse) created = test_request (s, "POST", "accounts", NULL, NULL, body);
  g_autoptr(TestResponse) got = test_request (s, "GET", path, ann, NULL, NULL);
  g_autoptr(TestResponse) plain = test_get (s, path);
  JsonObject *o = test_response_object (got);

  g_assert_cmpuint (created->status, ==, 204);
  g_assert_cmpstr (json_object_get_string_member (o, "_primarycontactid_value"), ==, contact);
  g_assert_cmpstr (json_object_get_string_member (o, "_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname"),
                   ==, "contact");
  g_assert_false (json_object_has_member (test_response_object (plain),
                                          "_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname"));
  {
    g_autoptr(TestResponse) clear = test_request (s, "PATCH", "accounts(5e0d0d0d-0000-4000-8000-000000000001)", NULL, NULL,
                                                  "{\"primarycontactid@odata.bind\":null}");
    g_autoptr(TestResponse) after = test_get (s, path);
    g_assert_cmpuint (clear->status, ==, 204);
    g_assert_true (json_object_get_null_member (test_response_object (after), "_primarycontactid_value"));
  }
  {
    /* polymorphic lookup with the x_entity form */
    g_autofree char *task = g_strdup ("{\"subject\":\"Call back\",\"regardingobjectid_account_task@odata.bind\":"
                                      "\"accounts(5e0d0d0d-0000-4000-8000-000000000001)\"}");
    g_autoptr(TestResponse) t = test_request (s, "POST", "tasks?$select=subject,_regardingobjectid_value",
                                              (const char *[]) { "Prefer: return=representation", "Prefer: odata.include-annotations=\"*\"", NULL },
                                              NULL, task);
    JsonObject *to = test_response_object (t);
    g_assert_cmpuint (t->status, ==, 201);
    g_assert_cmpstr (json_object_get_string_member (to, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname"),
                     ==, "account");
    g_assert_true (json_object_has_member (to, "activityid"));
  }
  test_server_free (s);
}

static void
test_metadata (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) e = test_get (s, "EntityDefinitions(LogicalName='account')?$select=EntitySetName,PrimaryIdAttribute");
  g_autoptr(TestResponse) attrs = test_get (s, "EntityDefinitions(LogicalName='contact')/Attributes");
  g_autoptr(TestResponse) pick = test_get (s, "EntityDefinitions(LogicalName='account')/Attributes/"
                                              "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet");
  g_autoptr(TestResponse) csdl = test_get (s, "$metadata");
  gboolean found = FALSE;

  g_assert_cmpstr (json_object_get_string_member (test_response_object (e), "EntitySetName"), ==, "accounts");
  g_assert_cmpstr (json_object_get_string_member (test_response_object (e), "PrimaryIdAttribute"), ==, "accountid");
  g_assert_true (json_object_get_boolean_member (test_response_object (e), "IsOptimisticConcurrencyEnabled"));
  for (guint i = 0; i < json_array_get_length (value_array (attrs)); i++)
    {
      JsonObject *a = json_array_get_object_element (value_array (attrs), i);
      if (strcmp (json_object_get_string_member (a, "LogicalName"), "parentcustomerid") != 0)
        continue;
      found = TRUE;
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (a, "AttributeTypeName"), "Value"),
                       ==, "CustomerType");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a, "Targets")), ==, 2);
      g_assert_true (json_object_get_boolean_member (a, "IsValidForCreate"));
    }
  g_assert_true (found);
  for (guint i = 0; i < json_array_get_length (value_array (pick)); i++)
    {
      JsonObject *a = json_array_get_object_element (value_array (pick), i);
      JsonObject *os = json_object_get_object_member (a, "OptionSet");
      JsonObject *first = json_array_get_object_element (json_object_get_array_member (os, "Options"), 0);
      g_assert_true (json_object_has_member (first, "Value"));
      g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (
        json_object_get_object_member (first, "Label"), "UserLocalizedLabel"), "Label"));
    }
  g_assert_cmpuint (json_array_get_length (value_array (pick)), ==, 2);
  g_assert_cmpuint (csdl->status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (csdl->body, NULL), "<EntitySet Name=\"accounts\""));
  test_server_free (s);
}

static void
test_nn_and_send_email (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autofree char *apath = query_path ("accounts", "$select=name&$top=1&$filter=name eq 'Coho Winery'");
  g_autoptr(TestResponse) a = test_get (s, apath);
  g_autoptr(TestResponse) l = test_get (s, "leads?$select=fullname&$top=1");
  const char *account = json_object_get_string_member (json_array_get_object_element (value_array (a), 0), "accountid");
  const char *lead = json_object_get_string_member (json_array_get_object_element (value_array (l), 0), "leadid");
  g_autofree char *ref = g_strdup_printf ("accounts(%s)/accountleads_association/$ref", account);
  g_autofree char *body = g_strdup_printf ("{\"@odata.id\":\"%sleads(%s)\"}", s->api, lead);
  g_autofree char *list = g_strdup_printf ("accounts(%s)/accountleads_association?$select=fullname", account);
  g_autofree char *del = g_strdup_printf ("accounts(%s)/accountleads_association(%s)/$ref", account, lead);
  g_autoptr(TestResponse) assoc = test_request (s, "POST", ref, NULL, NULL, body);
  g_autoptr(TestResponse) again = test_request (s, "POST", ref, NULL, NULL, body);
  g_autoptr(TestResponse) related = test_get (s, list);
  g_autoptr(TestResponse) dis = test_request (s, "DELETE", del, NULL, NULL, NULL);
  g_autoptr(TestResponse) after = test_get (s, list);
  gboolean linked = FALSE;

  g_assert_cmpuint (assoc->status, ==, 204);
  g_assert_cmpuint (again->status, ==, 412);
  for (guint i = 0; i < json_array_get_length (value_array (related)); i++)
    linked |= strcmp (json_object_get_string_member (json_array_get_object_element (value_array (related), i), "leadid"),
                      lead) == 0;
  g_assert_true (linked);
  g_assert_cmpuint (dis->status, ==, 204);
  for (guint i = 0; i < json_array_get_length (value_array (after)); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (value_array (after), i), "leadid"),
                     !=, lead);
  {
    g_autoptr(TestResponse) e = test_get (s, "emails?$select=subject,statecode&$top=1");
    const char *email = json_object_get_string_member (json_array_get_object_element (value_array (e), 0), "activityid");
    g_autofree char *send = g_strdup_printf ("emails(%s)/Microsoft.Dynamics.CRM.SendEmail", email);
    g_autofree char *get = g_strdup_printf ("emails(%s)?$select=statecode,statuscode", email);
    g_autoptr(TestResponse) sent = test_request (s, "POST", send, NULL, NULL, "{\"IssueSend\":true}");
    g_autoptr(TestResponse) now = test_get (s, get);
    g_assert_cmpuint (sent->status, ==, 200);
    g_assert_true (json_object_has_member (test_response_object (sent), "Subject"));
    g_assert_cmpint (json_object_get_int_member (test_response_object (now), "statecode"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (test_response_object (now), "statuscode"), ==, 3);
  }
  test_server_free (s);
}

static char *
batch_body (const char *account_name, int priority)
{
  return g_strdup_printf (
    "--batch_AAA\r\nContent-Type: multipart/mixed; boundary=\"changeset_BBB\"\r\n\r\n"
    "--changeset_BBB\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n"
    "POST /api/data/v9.2/accounts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n"
    "{\"name\":\"%s\"}\r\n"
    "--changeset_BBB\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n"
    "POST /api/data/v9.2/tasks HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n"
    "{\"subject\":\"Task 1\",\"prioritycode\":%d,\"regardingobjectid_account_task@odata.bind\":\"$1\"}\r\n"
    "--changeset_BBB--\r\n"
    "--batch_AAA\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    "GET /api/data/v9.2/accounts?$select=name&$top=1 HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n"
    "--batch_AAA--\r\n", account_name, priority);
}

static guint
count_named (TestServer *s, const char *name)
{
  g_autofree char *filter = g_strdup_printf ("$filter=name eq '%s'", name);
  g_autofree char *path = query_path ("accounts/$count", filter);
  g_autoptr(TestResponse) r = test_get (s, path);
  return (guint) g_ascii_strtoull (g_bytes_get_data (r->body, NULL), NULL, 10);
}

static void
test_batch (void)
{
  TestServer *s = test_server_start (NULL, demo);
  const char *ct = "multipart/mixed; boundary=\"batch_AAA\"";
  g_autofree char *good = batch_body ("Batch Good", 1);
  g_autofree char *bad = batch_body ("Batch Bad", 99);
  g_autoptr(TestResponse) ok = test_request (s, "POST", "$batch", NULL, ct, good);
  g_autoptr(TestResponse) fail = test_request (s, "POST", "$batch", NULL, ct, bad);
  const char *coe[] = { "Prefer: odata.continue-on-error", NULL };
  g_autoptr(TestResponse) cont = test_request (s, "POST", "$batch", coe, ct, bad);
  const char *text = g_bytes_get_data (ok->body, NULL);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (ok->headers, NULL), "multipart/mixed"));
  g_assert_nonnull (strstr (text, "--batchresponse_"));
  g_assert_nonnull (strstr (text, "--changesetresponse_"));
  g_assert_nonnull (strstr (text, "HTTP/1.1 204 No Content"));
  g_assert_nonnull (strstr (text, "OData-EntityId: "));
  g_assert_nonnull (strstr (text, "HTTP/1.1 200 OK"));
  g_assert_cmpuint (count_named (s, "Batch Good"), ==, 1);
  {
    /* the task of the change set points at the account created by Content-ID 1 */
    g_autofree char *f = query_path ("tasks", "$filter=subject eq 'Task 1'&$select=_regardingobjectid_value");
    g_autoptr(TestResponse) t = test_get (s, f);
    g_assert_cmpuint (json_array_get_length (value_array (t)), ==, 1);
  }
  /* rollback: the account of the failed change set is gone */
  g_assert_cmpuint (fail->status, ==, 400);
  g_assert_nonnull (strstr (g_bytes_get_data (fail->body, NULL), "0x80044331"));
  g_assert_null (strstr (g_bytes_get_data (fail->body, NULL), "HTTP/1.1 200 OK"));  /* stopped */
  g_assert_cmpuint (cont->status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (cont->body, NULL), "HTTP/1.1 200 OK"));  /* continued */
  g_assert_cmpuint (count_named (s, "Batch Bad"), ==, 0);
  {
    GString *many = g_string_new (NULL);
    g_autoptr(TestResponse) r = NULL;
    for (int i = 0; i < 1001; i++)
      g_string_append (many, "--batch_AAA\r\nContent-Type: application/http\r\n\r\nGET /api/data/v9.2/WhoAmI HTTP/1.1\r\n\r\n\r\n");
    g_string_append (many, "--batch_AAA--\r\n");
    r = test_request (s, "POST", "$batch", NULL, ct, many->str);
    g_assert_cmpuint (r->status, ==, 400);
    g_string_free (many, TRUE);
  }
  test_server_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/api/query-basics", test_query_basics);
  g_test_add_func ("/server/api/filter-literals", test_filter_literals);
  g_test_add_func ("/server/api/paging-concurrent-writes", test_paging_concurrent_writes);
  g_test_add_func ("/server/api/delta-after-deletes", test_delta_after_deletes);
  g_test_add_func ("/server/api/delta-paged-and-rejections", test_delta_paged_and_rejections);
  g_test_add_func ("/server/api/delta-expired", test_delta_expired);
  g_test_add_func ("/server/api/change-tracking-metadata", test_change_tracking_metadata);
  g_test_add_func ("/server/api/writes-and-412", test_writes_and_412);
  g_test_add_func ("/server/api/bad-requests", test_bad_requests);
  g_test_add_func ("/server/api/lookups-and-annotations", test_lookups_and_annotations);
  g_test_add_func ("/server/api/metadata", test_metadata);
  g_test_add_func ("/server/api/nn-and-send-email", test_nn_and_send_email);
  g_test_add_func ("/server/api/batch", test_batch);
  return g_test_run ();
}

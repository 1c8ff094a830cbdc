/* test-sync-parsers.c: the Dataverse connector's parsers on hostile and documented answers,
 * through the hooks in outpost-dataverse-fuzz.h (no HTTP): deep nesting, wrong JSON types,
 * unsafe member names, blank bodies, both $batch answer forms (A9) and the fuzz findings.
 * Criticals are fatal here (g_test_init), so a json-glib getter handed a wrong shape fails. */
#include "config.h"

#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-sync-error.h"

#define CID "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

static OutpostProfile *
profile (void)
{
  g_autoptr(GError) error = NULL;
  OutpostProfile *p = outpost_profile_new_default (&error);

  g_assert_no_error (error);
  return p;
}

static OutpostPage *
page (OutpostDownloadMode mode, const char *body, gsize len, GError **error)
{
  g_autoptr(OutpostProfile) p = profile ();
  g_autoptr(GBytes) bytes = g_bytes_new (body, len == 0 ? strlen (body) : len);
  OutpostPage *result = outpost_dv_parse_page (outpost_profile_lookup_entity (p, "contact"), mode,
                                               bytes, error);

  g_assert_true ((result == NULL) != (*error == NULL));
  return result;
}

static void
expect_protocol (const char *body, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostPage) pg = page (OUTPOST_DOWNLOAD_FULL, body, 0, &error);

  g_test_message ("%.60s -> %s", body, error ? error->message : "accepted");
  g_assert_null (pg);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_deep_nesting (void)
{
  GString *s = g_string_new ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":");
  g_autofree char *body = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < 200000; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "}]}");
  body = g_string_free (s, FALSE);
  expect_protocol (body, "nested deeper than 64");
  /* brackets inside strings (with escaped quotes) do not count */
  {
    GString *t = g_string_new ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"\\\"");
    g_autofree char *ok = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(OutpostPage) pg = NULL;

    for (guint i = 0; i < 1000; i++)
      g_string_append (t, "[{");
    g_string_append (t, "\"}]}");
    ok = g_string_free (t, FALSE);
    pg = page (OUTPOST_DOWNLOAD_FULL, ok, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pg->rows->len, ==, 1);
  }
}

static void
test_wrong_types (void)
{
  expect_protocol ("{\"value\":[{\"contactid\":{\"a\":1}}]}", "no valid id");
  expect_protocol ("{\"value\":[{\"contactid\":5}]}", "no valid id");
  expect_protocol ("{\"value\":[{\"contactid\":\"not-a-guid\"}]}", "no valid id");
  expect_protocol ("{\"value\":[1]}", "not an object");
  expect_protocol ("{\"value\":{}}", "not a list");
  expect_protocol ("[]", "not a JSON object");
  expect_protocol ("{\"value\":[],\"@odata.nextLink\":5}", "@odata.nextLink");
  expect_protocol ("{\"value\":[],\"@odata.deltaLink\":[\"x\"]}", "@odata.deltaLink");
  expect_protocol ("{\"value\":[{\"contactid\":\"" CID "\",\"@odata.etag\":7}]}", "ETag");
  expect_protocol ("{\"value\":[{\"@odata.context\":\"x/$deletedEntity\",\"id\":9}]}", "deletion");
  expect_protocol ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":{\"a\":1}}]}", "lastname");
  /* a single space (fuzz finding page-1.bin) and an empty object are no full page... */
  expect_protocol (" ", "without “value”");
  expect_protocol ("{}", "without “value”");
  /* ...but "an empty JSON response" is a delta without changes */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OutpostPage) pg = page (OUTPOST_DOWNLOAD_DELTA, " \n", 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (pg->rows->len, ==, 0);
    g_assert_null (pg->delta_link);
  }
}

/* Only profile fields come out; lookups are mapped with their target. */
static void
test_unknown_members (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostPage) pg = page (OUTPOST_DOWNLOAD_FULL,
      "{\"value\":[{\"@odata.etag\":\"W/\\\"7\\\"\",\"contactid\":\"3F2504E0-4F89-11D3-9A0C-0305E82C3301\","
      "\"lastname\":\"Known\",\"new_field\":\"x\",\"'; DROP TABLE contact; --\":1,\"_evil_value\":\"y\","
      "\"lastname@odata.bind\":\"z\",\"_parentcustomerid_value\":\"" CID "\","
      "\"_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname\":\"account\","
      "\"_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname\":\"bad name; --\"}]}", 0, &error);
  OutpostServerRow *row;
  g_autoptr(GList) members = NULL;

  g_assert_no_error (error);
  row = g_ptr_array_index (pg->rows, 0);
  g_assert_cmpstr (row->id, ==, CID);
  g_assert_cmpstr (row->etag, ==, "W/\"7\"");
  g_assert_cmpstr (json_object_get_string_member (row->values, "lastname"), ==, "Known");
  g_assert_cmpstr (json_object_get_string_member (row->values, "parentcustomerid"), ==, CID);
  g_assert_cmpstr (json_object_get_string_member (row->values, "parentcustomerid@target"), ==, "account");
  g_assert_false (json_object_has_member (row->values, "ownerid@target"));
  members = json_object_get_members (row->values);
  g_assert_cmpuint (g_list_length (members), ==, 3);
}

static GPtrArray *
batch (const char *content_type, const char *body, GError **error)
{
  /* no NUL after the body: the parser must not read past it (run under ASan to see) */
  gsize len = strlen (body);
  char *copy = g_memdup2 (body, len);
  g_autoptr(GBytes) bytes = g_bytes_new_take (copy, len);

  return outpost_dv_parse_batch_answer (content_type, bytes, error);
}

#define PART_201 "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n" \
  "HTTP/1.1 201 Created\r\nOData-Version: 4.0\r\nContent-Type: application/json; odata.metadata=minimal\r\n\r\n" \
  "{\"@odata.etag\":\"W/\\\"10\\\"\",\"accountid\":\"" CID "\"}\r\n"
#define PART_204 "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n" \
  "HTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\nETag: W/\"11\"\r\n" \
  "OData-EntityId: http://x/api/data/v9.2/accounts(" CID ")\r\n"

/* A9: --batchresponse_ with a nested --changesetresponse_ (the documented form, and what
 * outpost-server sends), then the same parts directly in the batch (a failed change set). */
static void
test_batch_forms (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nested = batch ("multipart/mixed; boundary=batchresponse_1",
      "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n"
      "--changesetresponse_1\r\n" PART_201 "--changesetresponse_1\r\n" PART_204 "\r\n"
      "--changesetresponse_1--\r\n--batchresponse_1--\r\n", &error);
  g_autoptr(GPtrArray) flat = NULL;
  OutpostUploadResult *r;

  g_assert_no_error (error);
  g_assert_cmpuint (nested->len, ==, 2);
  r = g_ptr_array_index (nested, 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_null (r->error);
  g_assert_cmpstr (r->etag, ==, "W/\"10\"");
  r = g_ptr_array_index (nested, 1);
  g_assert_cmpuint (r->status, ==, 204);
  g_assert_cmpstr (r->etag, ==, "W/\"11\"");

  /* quoted boundary, a part without the blank line after its headers, an error part */
  flat = batch ("multipart/mixed; boundary=\"batchresponse_2\"",
      "--batchresponse_2\r\n" PART_204 "--batchresponse_2\r\n"
      "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
      "HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n"
      "{\"error\":{\"code\":\"\",\"message\":\"The version of the existing record doesn't match\"}}\r\n"
      "--batchresponse_2--\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (flat->len, ==, 2);
  r = g_ptr_array_index (flat, 1);
  g_assert_cmpuint (r->status, ==, 412);
  g_assert_error (r->error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PRECONDITION);
  g_assert_nonnull (strstr (r->error->message, "version of the existing record"));
}

static void
test_batch_malformed (void)
{
  static const char *const bodies[] = {
    "", "--x--\r\n", "garbage", "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) parts = batch ("multipart/mixed; boundary=batchresponse_1", bodies[i], &error);

      g_test_message ("%s -> %s", bodies[i], error ? error->message : "parsed");
      g_assert_true ((parts == NULL) == (error != NULL));
      if (error != NULL)
        g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
    }
  /* three levels of nesting are not A9 */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parts = batch ("multipart/mixed; boundary=a",
        "--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
        "--c\r\n" PART_204 "\r\n--c--\r\n--b--\r\n--a--\r\n", &error);
    g_assert_null (parts);
    g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  }
}

/* The fuzz findings, replayed through the hooks they were found with (tests/fuzz/findings). */
static void
test_findings (void)
{
  const char *dir = g_getenv ("OUTPOST_SOURCE_DIR");
  g_autofree char *page_path = NULL, *meta_path = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (dir == NULL)
    {
      g_test_skip ("OUTPOST_SOURCE_DIR is not set");
      return;
    }
  page_path = g_build_filename (dir, "tests", "fuzz", "findings", "page-1.bin", NULL);
  meta_path = g_build_filename (dir, "tests", "fuzz", "findings", "metadata-1.bin", NULL);
  for (guint k = 1; k <= 2; k++)
    {
      g_autofree char *name = g_strdup_printf ("batch-%u.bin", k);
      g_autofree char *path = g_build_filename (dir, "tests", "fuzz", "findings", name, NULL);
      const char *nl;
      g_autofree char *ct = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) parts = NULL;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      nl = memchr (data, '\n', len);
      ct = g_strdup_printf ("multipart/mixed; boundary=%.*s", (int) (nl - data), data);
      body = g_bytes_new (nl + 1, len - (nl + 1 - data));
      parts = outpost_dv_parse_batch_answer (ct, body, &error);
      g_assert_true ((parts == NULL) == (error != NULL));
      for (guint i = 0; parts && i < parts->len; i++)
        g_assert_nonnull (g_ptr_array_index (parts, i));
      g_clear_pointer (&data, g_free);
    }
  g_assert_true (g_file_get_contents (page_path, &data, &len, NULL));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OutpostPage) pg = page (OUTPOST_DOWNLOAD_FULL, data, len, &error);
    g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  }
  g_clear_pointer (&data, g_free);
  g_assert_true (g_file_get_contents (meta_path, &data, &len, NULL));
  {
    g_autoptr(OutpostProfile) p = profile ();
    g_autoptr(GBytes) body = g_bytes_new (data, len);
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < outpost_profile_get_n_entities (p); i++)
      {
        OutpostEntity *e = outpost_profile_get_entity_at (p, i);
        gboolean ok = outpost_dv_map_attributes (e, body, TRUE, FALSE, &error) &&
                      outpost_dv_map_attributes (e, body, FALSE, FALSE, &error);
        g_assert_true (ok == (error == NULL));
        g_clear_error (&error);
      }
  }
}

static void
test_metadata_shapes (void)
{
  g_autoptr(OutpostProfile) p = profile ();
  OutpostEntity *account = outpost_profile_lookup_entity (p, "account");
  OutpostField *industry = outpost_entity_lookup_field (account, "industrycode");
  g_autoptr(OutpostDataverseConnector) c = outpost_dataverse_connector_new ("http://127.0.0.1:1/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  guint before = industry->options ? industry->options->len : 0;
  static const char *const attr_bodies[] = {
    "{\"value\":[{\"LogicalName\":\"industrycode\"}]}",                          /* no OptionSet */
    "{\"value\":[{\"LogicalName\":\"industrycode\",\"OptionSet\":[1]}]}",
    "{\"value\":[{\"LogicalName\":\"industrycode\",\"OptionSet\":{\"Options\":{}}}]}",
    "{\"value\":[{\"LogicalName\":{}},1,\"x\",null]}",
  };
  g_autoptr(GBytes) defs = g_bytes_new_static ("{\"value\":[1]}", 13);

  for (guint i = 0; i < G_N_ELEMENTS (attr_bodies); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_static (attr_bodies[i], strlen (attr_bodies[i]));
      g_assert_true (outpost_dv_map_attributes (account, body, TRUE, FALSE, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (industry->options ? industry->options->len : 0, ==, before);
  /* options with a wrong Value type are skipped, good ones kept */
  {
    const char *good = "{\"value\":[{\"LogicalName\":\"industrycode\",\"OptionSet\":{\"Options\":["
                       "{\"Value\":\"x\"},{\"Value\":7,\"Label\":{\"UserLocalizedLabel\":{\"Label\":\"Seven\"}}},"
                       "{\"Value\":8,\"Label\":[1]}]}}]}";
    g_autoptr(GBytes) body = g_bytes_new_static (good, strlen (good));

    g_assert_true (outpost_dv_map_attributes (account, body, TRUE, FALSE, &error));
    g_assert_cmpuint (industry->options->len, ==, 2);
    g_assert_cmpstr (g_array_index (industry->options, OutpostOption, 0).label, ==, "Seven");
    g_assert_cmpstr (g_array_index (industry->options, OutpostOption, 1).label, ==, "8");
  }
  g_assert_false (outpost_dv_map_entity_definitions (c, p, defs, &error));
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "not an object"));
}

/* Audit #5: the server's IsValidForCreate/IsValidForUpdate may make a field read-only, never
 * writable when the profile says read_only (Owner is valid for update on the server). */
static void
test_metadata_read_only (void)
{
  g_autoptr(OutpostProfile) p = profile ();
  OutpostEntity *account = outpost_profile_lookup_entity (p, "account");
  OutpostField *owner = outpost_entity_lookup_field (account, "ownerid");
  OutpostField *phone = outpost_entity_lookup_field (account, "telephone1");
  OutpostField *fax = outpost_entity_lookup_field (account, "fax");
  const char *attrs = "{\"value\":["
    "{\"LogicalName\":\"ownerid\",\"IsValidForCreate\":true,\"IsValidForUpdate\":true},"
    "{\"LogicalName\":\"telephone1\",\"IsValidForCreate\":false,\"IsValidForUpdate\":false},"
    "{\"LogicalName\":\"fax\",\"IsValidForCreate\":true,\"IsValidForUpdate\":false}]}";
  g_autoptr(GBytes) body = g_bytes_new_static (attrs, strlen (attrs));
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (owner);
  g_assert_nonnull (phone);
  g_assert_nonnull (fax);
  g_assert_true (owner->read_only);
  g_assert_false (phone->read_only);
  g_assert_false (fax->read_only);
  g_assert_true (outpost_dv_map_attributes (account, body, FALSE, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (owner->read_only);    /* the profile's read_only wins */
  g_assert_true (phone->read_only);    /* the server's wins too */
  g_assert_false (fax->read_only);     /* valid for create: writable */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR);
  g_test_add_func ("/sync/parsers/deep-nesting", test_deep_nesting);
  g_test_add_func ("/sync/parsers/wrong-types", test_wrong_types);
  g_test_add_func ("/sync/parsers/unknown-members", test_unknown_members);
  g_test_add_func ("/sync/parsers/batch-forms", test_batch_forms);
  g_test_add_func ("/sync/parsers/batch-malformed", test_batch_malformed);
  g_test_add_func ("/sync/parsers/metadata-shapes", test_metadata_shapes);
  g_test_add_func ("/sync/parsers/metadata-read-only", test_metadata_read_only);
  g_test_add_func ("/sync/parsers/fuzz-findings", test_findings);
  return g_test_run ();
}

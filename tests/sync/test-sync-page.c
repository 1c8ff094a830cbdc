/* test-sync-page.c: the connector's own page reader (src/sync/outpost-dataverse-page.c), which
 * maps a raw OData page straight into rows without a json-glib tree.
 *
 * - round trip: random rows (escapes, every Unicode plane, numbers, nulls, unknown members with
 *   nested values) written by json-glib's generator come back with exactly the values written;
 * - every proper prefix of a valid page (a truncated answer) is rejected, the whole accepted;
 * - strict JSON: the malformed forms json-glib also refuses are refused, with a clear error;
 * - deletions, the count, links, nesting limits, invalid UTF-8, \u0000 and lone surrogates;
 * - values shared between rows (equal strings in a row after row, null, true, false).
 * Criticals are fatal (g_test_init). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-sync-error.h"

#define CID "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
#define MAX_DEPTH 64   /* OUTPOST_DV_MAX_DEPTH */

static OutpostProfile *profile;

static OutpostEntity *
contact (void)
{
  return outpost_profile_lookup_entity (profile, "contact");
}

static OutpostPage *
parse (OutpostDownloadMode mode, const char *body, gsize len, GError **error)
{
  /* an exact-size copy: a read past the end shows under ASan */
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_memdup2 (body, len), len);
  OutpostPage *page = outpost_dv_parse_page (contact (), mode, bytes, error);

  g_assert_true ((page == NULL) != (*error == NULL));
  return page;
}

static void
expect_rejected (const char *body, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostPage) page = parse (OUTPOST_DOWNLOAD_FULL, body, strlen (body), &error);
  g_autofree char *shown = g_strescape (body, NULL);   /* TAP output stays UTF-8 */

  g_test_message ("%.70s -> %s", shown, error ? error->message : "accepted");
  g_assert_null (page);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
}

static OutpostPage *
expect_accepted (const char *body)
{
  g_autoptr(GError) error = NULL;
  OutpostPage *page = parse (OUTPOST_DOWNLOAD_FULL, body, strlen (body), &error);

  g_assert_no_error (error);
  return page;
}

/* ---- round trip --------------------------------------------------------------------------- */

static char *
random_text (GRand *rand)
{
  static const gunichar specials[] = { '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', 0x01, 0x1f,
                                       0x7f, 0xe9, 0x20ac, 0xfeff, 0x1f600, 0x10ffff, ' ' };
  GString *s = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 0, 40);

  for (guint i = 0; i < n; i++)
    {
      if (g_rand_int_range (rand, 0, 4) == 0)
        g_string_append_unichar (s, specials[g_rand_int_range (rand, 0, G_N_ELEMENTS (specials))]);
      else
        g_string_append_c (s, (char) g_rand_int_range (rand, 'a', 'z' + 1));
    }
  return g_string_free (s, FALSE);
}

static JsonNode *
random_scalar (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:
      return json_node_init_null (json_node_alloc ());
    case 1:
      return json_node_init_int (json_node_alloc (), (gint64) g_rand_int_range (rand, -2000000000, 2000000000) * 1000003);
    case 2:
      return json_node_init_double (json_node_alloc (), g_rand_double_range (rand, -1e6, 1e6));
    case 3:
      return json_node_init_boolean (json_node_alloc (), g_rand_boolean (rand));
    default:
      {
        g_autofree char *t = random_text (rand);
        return json_node_init_string (json_node_alloc (), t);
      }
    }
}

/* A row as the server writes it; @expected gets the values the connector must pass on. */
static JsonObject *
random_row (GRand *rand, guint index, JsonObject *expected)
{
  OutpostEntity *e = contact ();
  JsonObject *row = json_object_new ();
  g_autofree char *id = g_strdup_printf ("%08x-0000-4000-8000-%012x", index, g_rand_int (rand));
  g_autofree char *etag = g_strdup_printf ("W/\"%u\"", g_rand_int (rand));
  JsonObject *nested = json_object_new ();
  JsonArray *list = json_array_new ();

  json_object_set_string_member (row, "@odata.etag", etag);
  json_object_set_string_member (row, e->primary_id, id);
  json_array_add_string_element (list, "ignored");
  json_object_set_array_member (nested, "list", list);
  json_object_set_object_member (row, "unknown_nested", nested);
  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = g_ptr_array_index (e->fields, i);
      JsonNode *v;

      if (g_rand_int_range (rand, 0, 5) == 0)
        continue;   /* absent */
      v = random_scalar (rand);
      if (f->type == OUTPOST_FIELD_LOOKUP)
        {
          g_autofree char *web = g_strdup_printf ("_%s_value", f->name);
          g_autofree char *ann = g_strdup_printf ("_%s_value@Microsoft.Dynamics.CRM.lookuplogicalname", f->name);
          g_autofree char *target = g_strdup_printf ("%s@target", f->name);

          json_object_set_member (expected, f->name, json_node_copy (v));
          json_object_set_member (row, web, v);
          json_object_set_string_member (row, ann, "account");
          json_object_set_string_member (expected, target, "account");
        }
      else
        {
          json_object_set_member (expected, f->name, json_node_copy (v));
          json_object_set_member (row, f->name, v);
        }
    }
  json_object_set_member (row, "new_unknown", random_scalar (rand));
  return row;
}

static void
assert_same_values (JsonObject *expected, JsonObject *got)
{
  g_autoptr(GList) names = json_object_get_members (expected);

  g_assert_cmpuint (json_object_get_size (got), ==, json_object_get_size (expected));
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *a = json_object_get_member (expected, l->data);
      JsonNode *b = json_object_get_member (got, l->data);

      g_assert_nonnull (b);
      if (JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_DOUBLE)
        {
          /* json-glib writes doubles with 17 significant digits */
          g_assert_cmpint (json_node_get_value_type (b), ==, G_TYPE_DOUBLE);
          g_assert_cmpfloat_with_epsilon (json_node_get_double (a), json_node_get_double (b),
                                          fabs (json_node_get_double (a)) * 1e-15);
        }
      else if (!json_node_equal (a, b))
        {
          g_autofree char *sa = json_to_string (a, FALSE), *sb = json_to_string (b, FALSE);
          g_error ("%s: expected %s, got %s", (const char *) l->data, sa, sb);
        }
    }
}

static void
test_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      JsonArray *rows = json_array_new ();
      g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *body = NULL;
      g_autoptr(OutpostPage) page = NULL;
      guint n = g_rand_int_range (rand, 0, 60);

      json_object_set_string_member (root, "@odata.context", "x/$metadata#contacts(fullname)");
      for (guint i = 0; i < n; i++)
        {
          JsonObject *want = json_object_new ();
          json_array_add_object_element (rows, random_row (rand, i, want));
          g_ptr_array_add (expected, want);
        }
      json_object_set_array_member (root, "value", rows);
      json_object_set_string_member (root, "@odata.nextLink", "http://h/api/data/v9.2/contacts?$skiptoken=%3Ccookie%20a=%22%C3%A9%22/%3E");
      json_object_set_int_member (root, "@odata.count", 1234);
      node = json_node_init_object (json_node_alloc (), root);
      body = json_to_string (node, round % 2 == 0);   /* pretty-printed every other round */
      page = expect_accepted (body);
      g_assert_cmpuint (page->rows->len, ==, n);
      g_assert_cmpstr (page->next_link, ==, "http://h/api/data/v9.2/contacts?$skiptoken=%3Ccookie%20a=%22%C3%A9%22/%3E");
      g_assert_null (page->delta_link);
      g_assert_cmpint (page->count, ==, 1234);
      g_assert_cmpuint (page->bytes, ==, strlen (body));
      for (guint i = 0; i < n; i++)
        {
          OutpostServerRow *row = g_ptr_array_index (page->rows, i);
          JsonObject *src = json_array_get_object_element (rows, i);

          g_assert_false (row->deleted);
          g_assert_cmpstr (row->id, ==, json_object_get_string_member (src, "contactid"));
          g_assert_cmpstr (row->etag, ==, json_object_get_string_member (src, "@odata.etag"));
          assert_same_values (g_ptr_array_index (expected, i), row->values);
        }
    }
}

/* ---- truncation and malformed text ---------------------------------------------------------- */

#define ROW "{\"@odata.etag\":\"W/\\\"1\\\"\",\"contactid\":\"" CID "\",\"lastname\":\"Br\\u00e9e \\ud83d\\ude00\"," \
            "\"gendercode\":2,\"donotemail\":false,\"description\":null,\"x\":{\"a\":[1,2.5e3,{}]}}"
#define PAGE "{\"@odata.context\":\"c\",\"value\":[" ROW "," ROW "],\"@odata.nextLink\":\"http://h/n\"}"

static void
test_every_prefix_rejected (void)
{
  const char *body = PAGE;
  gsize len = strlen (body);
  g_autoptr(OutpostPage) whole = expect_accepted (body);

  g_assert_cmpuint (whole->rows->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (((OutpostServerRow *) whole->rows->pdata[0])->values, "lastname"),
                   ==, "Br\xc3\xa9" "e \xf0\x9f\x98\x80");
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostPage) page = parse (OUTPOST_DOWNLOAD_FULL, body, n, &error);

      if (page != NULL)
        g_error ("a page cut after %zu of %zu bytes was accepted", n, len);
      g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
    }
}

static void
test_malformed (void)
{
  g_autoptr(OutpostPage) bom = NULL;

  expect_rejected ("{\"value\":[" ROW ",]}", "malformed");            /* trailing comma */
  expect_rejected ("{\"value\":[" ROW "],}", "malformed");
  expect_rejected ("{\"value\":[]} x", "text after the end");
  expect_rejected ("{\"value\":[]}{}", "text after the end");
  expect_rejected ("{\"value\":[] /* c */}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"gendercode\":01}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"gendercode\":1.}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"gendercode\":NaN}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"gendercode\":+1}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":'x'}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"\\x41\"}]}", "escape");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"\\u00g1\"}]}", "escape");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":tru}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\" \"lastname\":1}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",lastname:1}]}", "member without a name");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"x\":{\"a\" 1}}]}", "colon");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"x\":[1 2]}]}", "malformed");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"x\":[1,]}]}", "malformed");
  /* a syntax error after a bad row still reads as a malformed answer */
  expect_rejected ("{\"value\":[{\"contactid\":5},{]}", "malformed");
  /* invalid UTF-8, raw, in a value, in an unknown member and in a member name */
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"Bad \xff\xfe here\"}]}", "UTF-8");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"x\":[\"\xc3\"]}]}", "UTF-8");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"last\xedname\":1}]}", "UTF-8");
  expect_rejected ("{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"\xed\xa0\x80\"}]}", "UTF-8");
  /* a byte order mark is skipped, but only at the very start */
  expect_rejected (" \xef\xbb\xbf{\"value\":[]}", "malformed");
  g_clear_pointer (&bom, outpost_page_free);
  bom = expect_accepted ("\xef\xbb\xbf{\"value\":[]}");
  g_assert_cmpuint (bom->rows->len, ==, 0);
  /* two lists of rows */
  expect_rejected ("{\"value\":[],\"value\":[]}", "two lists");
}

static void
test_escapes (void)
{
  g_autoptr(OutpostPage) page = expect_accepted (
      "{\"value\":[{\"contactid\":\"" CID "\",\"lastname\":\"a\\u0000b\","
      "\"firstname\":\"\\ud800x\",\"jobtitle\":\"\\udc00\",\"fullname\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\","
      "\"\\u0064escription\":\"by escaped name\"}]}");
  JsonObject *v = ((OutpostServerRow *) page->rows->pdata[0])->values;

  /* U+0000 would cut the value short in C: it becomes U+FFFD, as do lone surrogates */
  g_assert_cmpstr (json_object_get_string_member (v, "lastname"), ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpstr (json_object_get_string_member (v, "firstname"), ==, "\xef\xbf\xbdx");
  g_assert_cmpstr (json_object_get_string_member (v, "jobtitle"), ==, "\xef\xbf\xbd");
  g_assert_cmpstr (json_object_get_string_member (v, "fullname"), ==, "\"\\/\b\f\n\r\t");
  g_assert_cmpstr (json_object_get_string_member (v, "description"), ==, "by escaped name");
}

static void
test_numbers (void)
{
  g_autoptr(OutpostPage) page = expect_accepted (
      "{\"value\":[{\"contactid\":\"" CID "\",\"gendercode\":-0,\"statecode\":9223372036854775807,"
      "\"statuscode\":9223372036854775808,\"preferredcontactmethodcode\":-1.5E-3,\"fullname\":1e2}]}");
  JsonObject *v = ((OutpostServerRow *) page->rows->pdata[0])->values;

  g_assert_cmpint (json_node_get_value_type (json_object_get_member (v, "gendercode")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (v, "gendercode"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (v, "statecode"), ==, G_MAXINT64);
  /* beyond 64 bits: a double, as json-glib does */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (v, "statuscode")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (v, "preferredcontactmethodcode"), ==, -1.5e-3);
  g_assert_cmpfloat (json_object_get_double_member (v, "fullname"), ==, 100.0);
}

static void
test_deletions_and_links (void)
{
  g_autoptr(GError) error = NULL;
  const char *body =
    "{\"@odata.context\":\"x/$metadata#contacts/$delta\",\"value\":["
    "{\"@odata.context\":\"x/$metadata#contacts/$deletedEntity\",\"id\":\"3F2504E0-4F89-11D3-9A0C-0305E82C3301\",\"reason\":\"deleted\"},"
    "{\"id\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3302\",\"reason\":\"deleted\",\"lastname\":{\"ignored\":1}},"
    "{\"contactid\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3303\",\"reason\":\"a field of that name\"}],"
    "\"@odata.deltaLink\":\"http://h/d?$deltatoken=1%212\",\"@odata.count\":5,"
    "\"@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded\":true}";
  g_autoptr(OutpostPage) page = parse (OUTPOST_DOWNLOAD_DELTA, body, strlen (body), &error);
  OutpostServerRow *r;

  g_assert_no_error (error);
  g_assert_cmpuint (page->rows->len, ==, 3);
  r = page->rows->pdata[0];
  g_assert_true (r->deleted);
  g_assert_cmpstr (r->id, ==, CID);
  g_assert_null (r->values);
  r = page->rows->pdata[1];
  g_assert_true (r->deleted);
  r = page->rows->pdata[2];
  g_assert_false (r->deleted);
  g_assert_nonnull (r->values);
  g_assert_cmpstr (page->delta_link, ==, "http://h/d?$deltatoken=1%212");
  g_assert_null (page->next_link);
  g_assert_cmpint (page->count, ==, -1);   /* capped: no count */
  expect_rejected ("{\"value\":[{\"@odata.context\":\"x/$deletedEntity\",\"id\":\"nope\"}]}", "deletion");
  expect_rejected ("{\"value\":[{\"reason\":\"deleted\"}]}", "deletion");
}

/* Nesting counts from the page itself: 64 levels pass, 65 do not, strings do not count. */
static void
test_nesting_limit (void)
{
  for (guint extra = 61; extra <= 62; extra++)   /* page + list + row = 3 levels */
    {
      GString *s = g_string_new ("{\"value\":[{\"contactid\":\"" CID "\",\"x\":");
      g_autofree char *body = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostPage) page = NULL;

      for (guint i = 0; i < extra; i++)
        g_string_append (s, i % 2 ? "{\"k\":" : "[");
      g_string_append (s, "\"[[[{{{\"");
      for (guint i = extra; i-- > 0;)
        g_string_append (s, i % 2 ? "}" : "]");
      g_string_append (s, "}]}");
      body = g_string_free (s, FALSE);
      page = parse (OUTPOST_DOWNLOAD_FULL, body, strlen (body), &error);
      g_test_message ("%u levels: %s", extra + 3, error ? error->message : "accepted");
      if (extra + 3 <= MAX_DEPTH)
        g_assert_no_error (error);
      else
        g_assert_nonnull (strstr (error->message, "nested deeper than 64"));
    }
}

/* Equal values in consecutive rows share one node (and null/true/false one per page): each
 * row still reads its own value, and freeing one page leaves nothing behind (ASan/LSan). */
static void
test_repeated_values (void)
{
  g_autoptr(OutpostPage) page = expect_accepted (
      "{\"value\":["
      "{\"contactid\":\"" CID "\",\"lastname\":\"Same\",\"donotemail\":true,\"jobtitle\":null},"
      "{\"contactid\":\"" CID "\",\"lastname\":\"Same\",\"donotemail\":false,\"jobtitle\":null},"
      "{\"contactid\":\"" CID "\",\"lastname\":\"Other\",\"donotemail\":true,\"jobtitle\":\"Same\"},"
      "{\"contactid\":\"" CID "\",\"lastname\":\"Same\",\"donotemail\":true,\"jobtitle\":\"Same\"}]}");
  static const char *const names[] = { "Same", "Same", "Other", "Same" };
  static const gboolean flags[] = { TRUE, FALSE, TRUE, TRUE };

  g_assert_cmpuint (page->rows->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *v = ((OutpostServerRow *) page->rows->pdata[i])->values;

      g_assert_cmpstr (json_object_get_string_member (v, "lastname"), ==, names[i]);
      g_assert_cmpint (json_object_get_boolean_member (v, "donotemail"), ==, flags[i]);
      g_assert_true (i < 2 ? json_object_get_null_member (v, "jobtitle")
                           : g_str_equal (json_object_get_string_member (v, "jobtitle"), "Same"));
    }
}

/* A 20 MB string value: read once, bounded memory, exact content. */
static void
test_huge_string (void)
{
  gsize n = 20 * 1024 * 1024;
  GString *s = g_string_sized_new (n + 200);
  g_autofree char *body = NULL;
  g_autoptr(OutpostPage) page = NULL;
  const char *got;

  g_string_append (s, "{\"value\":[{\"contactid\":\"" CID "\",\"description\":\"");
  for (gsize i = 0; i < n; i += 16)
    g_string_append (s, "AAAAAAAAAAAAAA\\\\");   /* 14 letters and an escaped backslash */
  g_string_append (s, "\"}]}");
  body = g_string_free (s, FALSE);
  page = expect_accepted (body);
  got = json_object_get_string_member (((OutpostServerRow *) page->rows->pdata[0])->values, "description");
  g_assert_cmpuint (strlen (got), ==, n / 16 * 15);
  g_assert_cmpint (got[14], ==, '\\');
  g_assert_cmpint (got[15], ==, 'A');
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  profile = outpost_profile_new_default (NULL);
  g_test_add_func ("/sync/page/round-trip", test_round_trip);
  g_test_add_func ("/sync/page/every-prefix-rejected", test_every_prefix_rejected);
  g_test_add_func ("/sync/page/malformed", test_malformed);
  g_test_add_func ("/sync/page/escapes", test_escapes);
  g_test_add_func ("/sync/page/numbers", test_numbers);
  g_test_add_func ("/sync/page/deletions-and-links", test_deletions_and_links);
  g_test_add_func ("/sync/page/nesting-limit", test_nesting_limit);
  g_test_add_func ("/sync/page/repeated-values", test_repeated_values);
  g_test_add_func ("/sync/page/huge-string", test_huge_string);
  rc = g_test_run ();
  outpost_profile_unref (profile);
  return rc;
}

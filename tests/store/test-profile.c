/* test-profile: parsing the sync profile, the default profile, and malformed documents. */
#include "config.h"

#include <string.h>

#include "outpost-profile.h"
#include "outpost-store-error.h"

/* A minimal valid profile with a placeholder for a field and extra entity keys. */
#define MINI(FIELD) \
  "{\"version\":1,\"entities\":[{\"logical_name\":\"account\",\"entity_set\":\"accounts\"," \
  "\"primary_id\":\"accountid\",\"primary_name\":\"name\",\"fields\":[" \
  "{\"name\":\"name\",\"type\":\"string\"}" FIELD "]}]}"

static void
expect_error (const char *json, const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = outpost_profile_new_from_data (json, -1, &error);

  g_assert_null (profile);
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_PROFILE);
  if (strstr (error->message, message_part) == NULL)
    g_error ("expected '%s' in '%s'", message_part, error->message);
}

static void
test_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (&error);
  static const char *const names[] = { "account", "contact", "lead", "opportunity", "task",
                                       "phonecall", "appointment", "email", "annotation" };
  OutpostEntity *account, *contact;
  OutpostField *f;
  guint searchable = 0, multi = 0;

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  g_assert_cmpint (outpost_profile_get_version (profile), >=, 1);
  g_assert_cmpuint (outpost_profile_get_n_entities (profile), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_nonnull (outpost_profile_lookup_entity (profile, names[i]));
  account = outpost_profile_lookup_entity_set (profile, "accounts");
  g_assert_cmpstr (account->logical_name, ==, "account");
  g_assert_cmpstr (account->primary_id, ==, "accountid");
  f = outpost_entity_lookup_field (account, "industrycode");
  g_assert_cmpint (f->type, ==, OUTPOST_FIELD_PICKLIST);
  g_assert_cmpstr (outpost_option_label (f, 1), ==, "Accounting");
  g_assert_null (outpost_option_label (f, 999));
  f = outpost_entity_lookup_field (account, "primarycontactid");
  g_assert_cmpint (f->type, ==, OUTPOST_FIELD_LOOKUP);
  g_assert_cmpstr (f->targets[0], ==, "contact");
  g_assert_true (outpost_entity_lookup_field (account, "modifiedon")->read_only);
  contact = outpost_profile_lookup_entity (profile, "contact");
  g_assert_cmpint (outpost_entity_lookup_field (contact, "birthdate")->datetime_behavior, ==,
                   OUTPOST_DATETIME_DATE_ONLY);
  g_assert_cmpuint (g_strv_length (outpost_entity_lookup_field (contact, "parentcustomerid")->targets), ==, 2);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
      for (guint j = 0; j < e->fields->len; j++)
        {
          OutpostField *ff = e->fields->pdata[j];
          searchable += ff->searchable;
          multi += ff->type == OUTPOST_FIELD_MULTI_PICKLIST;
        }
    }
  g_assert_cmpuint (searchable, >, 9);
  g_assert_cmpuint (multi, >=, 1);
  g_assert_cmpuint (outpost_profile_get_relationships (profile)->len, >=, 1);
}

static void
test_round_trip (void)
{
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (NULL);
  g_autofree char *json1 = outpost_profile_to_json (profile);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) again = outpost_profile_new_from_data (json1, -1, &error);
  g_autofree char *json2 = NULL;

  g_assert_no_error (error);
  json2 = outpost_profile_to_json (again);
  g_assert_cmpstr (json1, ==, json2);
  g_assert_cmpuint (outpost_profile_get_n_entities (again), ==,
                    outpost_profile_get_n_entities (profile));
}

static void
test_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) p = outpost_profile_new_from_data (
    MINI (",{\"name\":\"n\",\"type\":\"integer\",\"min\":0,\"max\":10}"), -1, &error);
  OutpostEntity *e;

  g_assert_no_error (error);
  e = outpost_profile_get_entity_at (p, 0);
  g_assert_cmpstr (e->list_columns[0], ==, "name");
  g_assert_cmpint (e->conflict_policy, ==, OUTPOST_CONFLICT_SERVER_WINS);
  g_assert_cmpfloat (outpost_entity_lookup_field (e, "n")->max_value, ==, 10);
  g_assert_cmpfloat (outpost_entity_lookup_field (e, "name")->min_value, >,
                     outpost_entity_lookup_field (e, "name")->max_value);
}

static void
test_malformed (void)
{
  expect_error ("{\"version\":1,", "not valid JSON");
  expect_error ("[]", "must be a JSON object");
  expect_error ("{\"entities\":[]}", "version: required key is missing");
  expect_error ("{\"version\":\"1\",\"entities\":[]}", "version: expected an integer");
  expect_error ("{\"version\":1}", "entities: required key is missing");
  expect_error ("{\"version\":1,\"entities\":{}}", "entities: expected an array");
  expect_error ("{\"version\":1,\"entities\":[]}", "entities: at least one");
  expect_error ("{\"version\":1,\"entities\":[5]}", "entities[0]: expected an object");
  expect_error ("{\"version\":1,\"colour\":2,\"entities\":[]}", "(root): unknown key 'colour'");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"strng\"}"),
                "entities[0].fields[1].type: unknown type 'strng'");
  expect_error (MINI (",{\"name\":\"x\"}"), "entities[0].fields[1].type: required key is missing");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"required\":\"yes\"}"),
                "entities[0].fields[1].required: expected true or false");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"serchable\":true}"),
                "entities[0].fields[1]: unknown key 'serchable'");
  expect_error (MINI (",{\"name\":\"name\",\"type\":\"string\"}"), "duplicate field 'name'");
  expect_error (MINI (",{\"name\":\"accountid\",\"type\":\"uniqueidentifier\"}"), "primary id");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"lookup\"}"), "fields[1].targets: a lookup needs");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"options\":[]}"), "options are only");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"picklist\",\"options\":[{\"label\":\"a\"}]}"),
                "fields[1].options[0].value: required key is missing");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"integer\",\"min\":5,\"max\":1}"), "min is greater");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"behavior\":\"date_only\"}"),
                "only datetime");
  expect_error (MINI (",{\"name\":\"__etag\",\"type\":\"string\"}"), "reserved");
}

static void
test_hostile_identifiers (void)
{
  expect_error (MINI (",{\"name\":\"name; DROP TABLE x\",\"type\":\"string\"}"),
                "entities[0].fields[1].name: 'name; DROP TABLE x' is not a valid identifier");
  expect_error (MINI (",{\"name\":\"a\\\"b\",\"type\":\"string\"}"), "not a valid identifier");
  expect_error (MINI (",{\"name\":\"Name\",\"type\":\"string\"}"), "not a valid identifier");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"lookup\",\"targets\":[\"a b\"]}"),
                "fields[1].targets[0]");
  expect_error ("{\"version\":1,\"entities\":[{\"logical_name\":\"acc\\\"ount\",\"entity_set\":\"a\","
                "\"primary_id\":\"i\",\"primary_name\":\"n\",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}]}]}",
                "entities[0].logical_name");
  expect_error ("{\"version\":1,\"entities\":[{\"logical_name\":\"a\",\"entity_set\":\"x') --\","
                "\"primary_id\":\"i\",\"primary_name\":\"n\",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}]}]}",
                "entities[0].entity_set");
  g_assert_true (outpost_identifier_is_valid ("address1_line1"));
  g_assert_true (outpost_identifier_is_valid ("_x"));
  g_assert_false (outpost_identifier_is_valid ("1abc"));
  g_assert_false (outpost_identifier_is_valid (""));
  g_assert_false (outpost_identifier_is_valid ("\xc3\xa9t\xc3\xa9"));
  g_assert_false (outpost_identifier_is_valid (
    "a1234567890123456789012345678901234567890123456789012345678901234"));
  g_assert_true (outpost_identifier_is_valid (
    "a123456789012345678901234567890123456789012345678901234567890123"));
}

/* Sort columns: the default sort and primary name always, then the marked fields; without
 * marks the list columns that can be ordered. */
#define ENTITY(LIST, FIELDS) \
  "{\"version\":1,\"entities\":[{\"logical_name\":\"a\",\"entity_set\":\"as\",\"primary_id\":\"i\"," \
  "\"primary_name\":\"n\",\"list_columns\":" LIST ",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}," \
  "{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"due\",\"type\":\"datetime\"}," \
  "{\"name\":\"parent\",\"type\":\"lookup\",\"targets\":[\"a\"]}" FIELDS "]}]}"

static void
assert_sort_columns (const char *json, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) p = outpost_profile_new_from_data (json, -1, &error);
  g_autofree char *got = NULL;
  g_autofree char *again_json = NULL;
  g_autoptr(OutpostProfile) again = NULL;
  OutpostEntity *e;

  g_assert_no_error (error);
  e = outpost_profile_get_entity_at (p, 0);
  got = g_strjoinv (",", e->sort_columns);
  g_assert_cmpstr (got, ==, expected);
  /* the marks survive a round trip (the store keeps the profile as JSON) */
  again_json = outpost_profile_to_json (p);
  again = outpost_profile_new_from_data (again_json, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, g_free);
  got = g_strjoinv (",", outpost_profile_get_entity_at (again, 0)->sort_columns);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_sortable (void)
{
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (NULL);
  OutpostEntity *account = outpost_profile_lookup_entity (profile, "account");
  OutpostEntity *task = outpost_profile_lookup_entity (profile, "task");

  /* unmarked: every list column that has an order (not the lookup) */
  assert_sort_columns (ENTITY ("[\"city\",\"parent\",\"due\"]", ""), "city,n,due");
  /* marked: only those, after the default sort and the primary name */
  assert_sort_columns (ENTITY ("[\"city\",\"due\"]",
                               ",{\"name\":\"x\",\"type\":\"integer\",\"sortable\":true}"), "city,n,x");
  assert_sort_columns (ENTITY ("[\"n\",\"city\",\"due\"]",
                               ",{\"name\":\"x\",\"type\":\"money\",\"sortable\":false}"), "n,city,due");
  /* the default profile sorts accounts by name only: each sort column is an index that every
   * row written pays for */
  g_assert_cmpuint (g_strv_length (account->sort_columns), ==, 1);
  g_assert_true (outpost_entity_is_sortable (account, "name"));
  g_assert_false (outpost_entity_is_sortable (account, "address1_city"));
  g_assert_false (outpost_entity_is_sortable (account, "nosuchfield"));
  g_assert_false (outpost_entity_is_sortable (account, NULL));
  g_assert_true (outpost_entity_is_sortable (task, "scheduledend"));
  g_assert_false (outpost_entity_is_sortable (task, "regardingobjectid"));

  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"sortable\":\"yes\"}"),
                "entities[0].fields[1].sortable: expected true or false");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"sortable\":1}"),
                "entities[0].fields[1].sortable: expected true or false");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"lookup\",\"targets\":[\"account\"],\"sortable\":true}"),
                "entities[0].fields[1].sortable: lists cannot be sorted by a field of type lookup");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"memo\",\"sortable\":true}"),
                "entities[0].fields[1].sortable: lists cannot be sorted by a field of type memo");
  expect_error (MINI (",{\"name\":\"x\",\"type\":\"string\",\"sortabel\":true}"),
                "entities[0].fields[1]: unknown key 'sortabel'");
}

static void
test_relationships (void)
{
  expect_error (MINI ("") "x", "not valid JSON");
  expect_error ("{\"version\":1,\"entities\":[{\"logical_name\":\"a\",\"entity_set\":\"as\","
                "\"primary_id\":\"i\",\"primary_name\":\"n\",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}]}],"
                "\"relationships\":[{\"name\":\"r\",\"entity1\":\"a\",\"entity2\":\"b\"}]}",
                "relationships[0]: entity2 'b' is not in the profile");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/profile/default", test_default);
  g_test_add_func ("/profile/round-trip", test_round_trip);
  g_test_add_func ("/profile/minimal", test_minimal);
  g_test_add_func ("/profile/malformed", test_malformed);
  g_test_add_func ("/profile/hostile-identifiers", test_hostile_identifiers);
  g_test_add_func ("/profile/relationships", test_relationships);
  g_test_add_func ("/profile/sortable", test_sortable);
  return g_test_run ();
}

/* test-server-schema.c: outpost-server's schema against the client's default sync profile
 * (data/profile.json): every entity and field the profile names exists in the server's
 * EntityDefinitions/Attributes with a compatible AttributeTypeName, and every option value it
 * lists is in the server's OptionSet. Also multi-select choices (metadata, wire format,
 * validation), statecode's IsValidForCreate, ApplicationRequired business fields, the seeded
 * values of the newer columns, a data directory made before those columns existed, and the
 * N:N relationship metadata (ManyToManyRelationships, the intersect entities and their sets). */
#include "server-helper.h"

#include <sqlite3.h>
#include <string.h>

static const char * const demo[] = { "--seed", "demo", NULL };
static const char * const casts[] = { "PicklistAttributeMetadata", "StateAttributeMetadata",
                                      "StatusAttributeMetadata", "MultiSelectPicklistAttributeMetadata" };

static JsonArray *
value_array (TestResponse *resp)
{
  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_get_array_member (test_response_object (resp), "value");
}

static JsonParser *
load_profile (void)
{
  const char *src = g_getenv ("OUTPOST_SOURCE_DIR");
  g_autofree char *path = NULL;
  JsonParser *parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (src);
  path = g_build_filename (src, "data", "profile.json", NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return parser;
}

/* The AttributeTypeName values a profile field type may be served as. */
static gboolean
type_compatible (const char *profile_type, const char *server_type)
{
  static const struct { const char *profile, *server; } map[] = {
    { "string", "StringType" }, { "memo", "MemoType" }, { "integer", "IntegerType" },
    { "bigint", "BigIntType" }, { "decimal", "DecimalType" }, { "double", "DoubleType" },
    { "money", "MoneyType" }, { "boolean", "BooleanType" }, { "datetime", "DateTimeType" },
    { "picklist", "PicklistType" }, { "multipicklist", "MultiSelectPicklistType" },
    { "lookup", "LookupType" }, { "lookup", "CustomerType" }, { "lookup", "OwnerType" },
    { "uniqueidentifier", "UniqueidentifierType" }, { "state", "StateType" }, { "status", "StatusType" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strcmp (map[i].profile, profile_type) == 0 && g_strcmp0 (map[i].server, server_type) == 0)
      return TRUE;
  return FALSE;
}

static const char *
type_name (JsonObject *attr)
{
  return json_object_get_string_member (json_object_get_object_member (attr, "AttributeTypeName"), "Value");
}

/* LogicalName -> attribute object, for one entity (the response stays alive in *keep). */
static GHashTable *
server_attributes (TestServer *s, const char *entity, const char *cast, GPtrArray *keep)
{
  g_autofree char *path = cast ? g_strdup_printf ("EntityDefinitions(LogicalName='%s')/Attributes/"
                                                  "Microsoft.Dynamics.CRM.%s?$expand=OptionSet", entity, cast)
                               : g_strdup_printf ("EntityDefinitions(LogicalName='%s')/Attributes", entity);
  TestResponse *r = test_get (s, path);
  GHashTable *map = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *attrs = value_array (r);

  g_ptr_array_add (keep, r);
  for (guint i = 0; i < json_array_get_length (attrs); i++)
    {
      JsonObject *a = json_array_get_object_element (attrs, i);
      g_hash_table_insert (map, (gpointer) json_object_get_string_member (a, "LogicalName"), a);
    }
  return map;
}

static gboolean
option_set_has (JsonObject *attr, gint64 value)
{
  JsonArray *options = json_object_get_array_member (json_object_get_object_member (attr, "OptionSet"), "Options");
  for (guint i = 0; i < json_array_get_length (options); i++)
    if (json_object_get_int_member (json_array_get_object_element (options, i), "Value") == value)
      return TRUE;
  return FALSE;
}

static void
check_options (const char *entity, JsonObject *field, GHashTable *optioned, GPtrArray *problems)
{
  const char *name = json_object_get_string_member (field, "name");
  JsonArray *options = json_object_get_array_member (field, "options");
  JsonObject *attr = g_hash_table_lookup (optioned, name);

  if (attr == NULL)
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s.%s: no option set in the server's metadata", entity, name));
      return;
    }
  for (guint i = 0; i < json_array_get_length (options); i++)
    {
      gint64 v = json_object_get_int_member (json_array_get_object_element (options, i), "value");
      if (!option_set_has (attr, v))
        g_ptr_array_add (problems, g_strdup_printf ("%s.%s: option %" G_GINT64_FORMAT " missing from the "
                                                    "server's OptionSet", entity, name, v));
    }
}

static void
check_targets (TestServer *s, const char *entity, JsonObject *field, JsonObject *attr, GPtrArray *problems)
{
  JsonArray *targets = json_object_get_array_member (field, "targets");
  JsonArray *served = json_object_get_array_member (attr, "Targets");

  for (guint i = 0; targets && i < json_array_get_length (targets); i++)
    {
      const char *t = json_array_get_string_element (targets, i);
      g_autofree char *path = g_strdup_printf ("EntityDefinitions(LogicalName='%s')", t);
      g_autoptr(TestResponse) exists = test_get (s, path);
      gboolean found = FALSE;
      if (exists->status == 404)
        continue;  /* e.g. team: a table this demo org does not have */
      for (guint j = 0; served && j < json_array_get_length (served); j++)
        found |= g_strcmp0 (json_array_get_string_element (served, j), t) == 0;
      if (!found)
        g_ptr_array_add (problems, g_strdup_printf ("%s.%s: target %s is a served table but not in Targets",
                                                    entity, json_object_get_string_member (field, "name"), t));
    }
}

/* Compares one profile entity with the server's metadata; each mismatch is added to problems. */
static guint
check_entity (TestServer *s, JsonObject *pe, GPtrArray *problems)
{
  const char *entity = json_object_get_string_member (pe, "logical_name");
  JsonArray *fields = json_object_get_array_member (pe, "fields");
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) test_response_free);
  g_autofree char *epath = g_strdup_printf ("EntityDefinitions(LogicalName='%s')", entity);
  g_autoptr(TestResponse) def = test_get (s, epath);
  g_autoptr(GHashTable) attrs = NULL;
  g_autoptr(GHashTable) optioned = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *d;

  g_assert_cmpuint (def->status, ==, 200);
  d = test_response_object (def);
  g_assert_cmpstr (json_object_get_string_member (d, "EntitySetName"), ==, json_object_get_string_member (pe, "entity_set"));
  g_assert_cmpstr (json_object_get_string_member (d, "PrimaryIdAttribute"), ==, json_object_get_string_member (pe, "primary_id"));
  g_assert_cmpstr (json_object_get_string_member (d, "PrimaryNameAttribute"), ==, json_object_get_string_member (pe, "primary_name"));
  attrs = server_attributes (s, entity, NULL, keep);
  for (guint i = 0; i < G_N_ELEMENTS (casts); i++)
    {
      g_autoptr(GHashTable) one = server_attributes (s, entity, casts[i], keep);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, one);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (optioned, k, v);
    }
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *name = json_object_get_string_member (field, "name");
      const char *type = json_object_get_string_member (field, "type");
      JsonObject *attr = g_hash_table_lookup (attrs, name);
      gint64 max = json_object_get_int_member_with_default (field, "max_length", 0);

      if (attr == NULL)
        {
          g_ptr_array_add (problems, g_strdup_printf ("%s.%s: the server has no such attribute", entity, name));
          continue;
        }
      if (!type_compatible (type, type_name (attr)))
        g_ptr_array_add (problems, g_strdup_printf ("%s.%s: profile type %s, server AttributeTypeName %s",
                                                    entity, name, type, type_name (attr)));
      if (max > 0 && json_object_has_member (attr, "MaxLength") &&
          json_object_get_int_member (attr, "MaxLength") < max)
        g_ptr_array_add (problems, g_strdup_printf ("%s.%s: profile max_length %" G_GINT64_FORMAT " > server "
                                                    "MaxLength %" G_GINT64_FORMAT, entity, name, max,
                                                    json_object_get_int_member (attr, "MaxLength")));
      if (json_object_has_member (field, "options"))
        check_options (entity, field, optioned, problems);
      if (strcmp (type, "lookup") == 0)
        check_targets (s, entity, field, attr, problems);
    }
  return json_array_get_length (fields);
}

static void
test_profile_fields (void)
{
  g_autoptr(JsonParser) parser = load_profile ();
  JsonArray *entities = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "entities");
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  guint checked = 0;

  g_assert_cmpuint (json_array_get_length (entities), >=, 9);
  for (guint i = 0; i < json_array_get_length (entities); i++)
    checked += check_entity (s, json_array_get_object_element (entities, i), problems);
  g_test_message ("%u profile fields checked against the server's metadata", checked);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("mismatch: %s", (const char *) g_ptr_array_index (problems, i));
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (checked, >, 100);  /* the default profile names about 150 */
  test_server_free (s);
}

/* The comparison must be able to fail: a field the server lacks, a wrong type, a missing option,
 * a served table missing from a lookup's Targets. */
static void
test_profile_check_fails (void)
{
  TestServer *s = test_server_start (NULL, NULL);
  const char *cases[][2] = {
    { "{\"logical_name\":\"account\",\"entity_set\":\"accounts\",\"primary_id\":\"accountid\",\"primary_name\":\"name\","
      "\"fields\":[{\"name\":\"address2_city\",\"type\":\"string\"}]}", "*account.address2_city: the server has no*" },
    { "{\"logical_name\":\"contact\",\"entity_set\":\"contacts\",\"primary_id\":\"contactid\",\"primary_name\":\"fullname\","
      "\"fields\":[{\"name\":\"new_interests\",\"type\":\"picklist\"}]}", "*MultiSelectPicklistType*" },
    { "{\"logical_name\":\"lead\",\"entity_set\":\"leads\",\"primary_id\":\"leadid\",\"primary_name\":\"fullname\","
      "\"fields\":[{\"name\":\"statuscode\",\"type\":\"status\",\"options\":[{\"value\":99,\"label\":\"x\"}]}]}",
      "*option 99 missing*" },
    { "{\"logical_name\":\"account\",\"entity_set\":\"accounts\",\"primary_id\":\"accountid\",\"primary_name\":\"name\","
      "\"fields\":[{\"name\":\"telephone1\",\"type\":\"string\",\"max_length\":51}]}", "*max_length 51 > server MaxLength 50*" },
    { "{\"logical_name\":\"account\",\"entity_set\":\"accounts\",\"primary_id\":\"accountid\",\"primary_name\":\"name\","
      "\"fields\":[{\"name\":\"parentaccountid\",\"type\":\"lookup\",\"targets\":[\"lead\"]}]}", "*target lead*" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;
      json_parser_load_from_data (parser, cases[i][0], -1, &error);
      g_assert_no_error (error);
      check_entity (s, json_node_get_object (json_parser_get_root (parser)), problems);
      g_assert_cmpuint (problems->len, ==, 1);
      if (!g_pattern_match_simple (cases[i][1], g_ptr_array_index (problems, 0)))
        g_error ("case %u: '%s' does not match '%s'", i, (const char *) g_ptr_array_index (problems, 0), cases[i][1]);
    }
  test_server_free (s);
}

static TestResponse *
send_json (TestServer *s, const char *method, const char *path, const char *body)
{
  const char *prefer[] = { "Prefer: return=representation,odata.include-annotations=\"*\"", NULL };
  return test_request (s, method, path, prefer, "application/json", body);
}

static void
assert_error (TestResponse *r, guint status, const char *code)
{
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (test_error_code (r), ==, code);
  g_assert_nonnull (test_error_message (r));
}

static void
test_multi_select (void)
{
  TestServer *s = test_server_start (NULL, NULL);
  g_autoptr(TestResponse) meta = test_get (s, "EntityDefinitions(LogicalName='contact')/Attributes/"
                                              "Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet");
  g_autoptr(TestResponse) plain = test_get (s, "EntityDefinitions(LogicalName='contact')/Attributes/"
                                               "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet");
  g_autoptr(TestResponse) created = send_json (s, "POST", "contacts?$select=new_interests",
                                               "{\"lastname\":\"Okafor\",\"new_interests\":\"100000002,100000000,100000002\"}");
  g_autoptr(TestResponse) csdl = test_get (s, "$metadata");
  JsonObject *a, *c;
  const char *id;
  g_autofree char *path = NULL;

  g_assert_cmpuint (json_array_get_length (value_array (meta)), ==, 1);
  a = json_array_get_object_element (value_array (meta), 0);
  g_assert_cmpstr (json_object_get_string_member (a, "@odata.type"), ==, "#Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata");
  g_assert_cmpstr (json_object_get_string_member (a, "LogicalName"), ==, "new_interests");
  g_assert_cmpstr (json_object_get_string_member (a, "AttributeType"), ==, "Virtual");
  g_assert_cmpstr (type_name (a), ==, "MultiSelectPicklistType");
  g_assert_true (option_set_has (a, 100000003));
  g_assert_false (option_set_has (a, 1));
  /* the exact cast: a multi-select choice is not a PicklistAttributeMetadata */
  for (guint i = 0; i < json_array_get_length (value_array (plain)); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (value_array (plain), i), "LogicalName"),
                     !=, "new_interests");
  g_assert_nonnull (strstr (g_bytes_get_data (csdl->body, NULL), "<Property Name=\"new_interests\" Type=\"Edm.String\"/>"));

  g_assert_cmpuint (created->status, ==, 201);
  c = test_response_object (created);
  g_assert_cmpstr (json_object_get_string_member (c, "new_interests"), ==, "100000000,100000002");
  g_assert_cmpstr (json_object_get_string_member (c, "new_interests@OData.Community.Display.V1.FormattedValue"),
                   ==, "Hardware; Services");
  id = json_object_get_string_member (c, "contactid");
  path = g_strdup_printf ("contacts(%s)?$select=new_interests", id);
  {
    g_autoptr(TestResponse) unknown = send_json (s, "PATCH", path, "{\"new_interests\":\"100000000,5\"}");
    g_autoptr(TestResponse) garbage = send_json (s, "PATCH", path, "{\"new_interests\":\"Hardware\"}");
    g_autoptr(TestResponse) number = send_json (s, "PATCH", path, "{\"new_interests\":100000000}");
    g_autoptr(TestResponse) array = send_json (s, "PATCH", path, "{\"new_interests\":[100000000]}");
    g_autoptr(TestResponse) kept = test_get (s, path);
    assert_error (unknown, 400, "0x80044331");
    g_assert_nonnull (strstr (test_error_message (unknown), "new_interests"));
    assert_error (garbage, 400, "0x80044331");
    assert_error (number, 400, "0x80048d19");
    assert_error (array, 400, "0x80048d19");
    g_assert_cmpstr (json_object_get_string_member (test_response_object (kept), "new_interests"), ==, "100000000,100000002");
  }
  {
    g_autoptr(TestResponse) one = send_json (s, "PATCH", path, "{\"new_interests\":\" 100000003 \"}");
    g_autoptr(TestResponse) cleared = NULL;
    g_assert_cmpuint (one->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (test_response_object (one), "new_interests"), ==, "100000003");
    cleared = send_json (s, "PATCH", path, "{\"new_interests\":null}");
    g_assert_cmpuint (cleared->status, ==, 200);
    g_assert_true (json_object_get_null_member (test_response_object (cleared), "new_interests"));
  }
  {
    g_autofree char *contain = test_escape ("Microsoft.Dynamics.CRM.ContainValues(PropertyName='new_interests',"
                                            "PropertyValues=['100000000'])");
    g_autofree char *q1 = g_strdup_printf ("contacts?$select=fullname&$filter=%s", contain);
    g_autofree char *eqnull = test_escape ("new_interests eq null");
    g_autofree char *q2 = g_strdup_printf ("contacts?$select=fullname&$filter=%s", eqnull);
    g_autofree char *eqint = test_escape ("new_interests eq 100000000");
    g_autofree char *q3 = g_strdup_printf ("contacts?$select=fullname&$filter=%s", eqint);
    g_autoptr(TestResponse) r1 = test_get (s, q1);
    g_autoptr(TestResponse) r2 = test_get (s, q2);
    g_autoptr(TestResponse) r3 = test_get (s, q3);
    assert_error (r1, 400, "0x80060888");
    g_assert_cmpuint (json_array_get_length (value_array (r2)), ==, 1);
    assert_error (r3, 400, "0x80060888");
  }
  test_server_free (s);
}

static JsonObject *
attribute (TestServer *s, const char *entity, const char *name, TestResponse **keep)
{
  g_autofree char *path = g_strdup_printf ("EntityDefinitions(LogicalName='%s')/Attributes(LogicalName='%s')",
                                           entity, name);
  *keep = test_get (s, path);
  g_assert_cmpuint ((*keep)->status, ==, 200);
  return test_response_object (*keep);
}

static const char *
required_level (JsonObject *attr)
{
  return json_object_get_string_member (json_object_get_object_member (attr, "RequiredLevel"), "Value");
}

static void
test_statecode_and_required (void)
{
  TestServer *s = test_server_start (NULL, NULL);
  const char *entities[] = { "account", "contact", "lead", "opportunity", "task", "phonecall", "appointment", "email" };
  const char *business[][2] = {
    { "account", "name" }, { "contact", "lastname" }, { "lead", "lastname" }, { "opportunity", "name" },
    { "task", "subject" }, { "phonecall", "subject" }, { "appointment", "subject" }, { "email", "subject" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      g_autoptr(TestResponse) keep = NULL;
      JsonObject *a = attribute (s, entities[i], "statecode", &keep);
      g_assert_false (json_object_get_boolean_member (a, "IsValidForCreate"));
      g_assert_true (json_object_get_boolean_member (a, "IsValidForUpdate"));
      g_assert_cmpstr (required_level (a), ==, "SystemRequired");
    }
  for (guint i = 0; i < G_N_ELEMENTS (business); i++)
    {
      g_autoptr(TestResponse) keep = NULL;
      JsonObject *a = attribute (s, business[i][0], business[i][1], &keep);
      g_assert_cmpstr (required_level (a), ==, "ApplicationRequired");
      g_assert_true (json_object_get_boolean_member (a, "IsValidForCreate"));
    }
  {
    g_autoptr(TestResponse) keep = NULL;
    g_assert_cmpstr (required_level (attribute (s, "account", "ownerid", &keep)), ==, "SystemRequired");
  }
  {
    /* statecode in a create body is still accepted (protocols.md documents no rejection) */
    g_autoptr(TestResponse) inactive = send_json (s, "POST", "accounts?$select=statecode,statuscode",
                                                  "{\"name\":\"Dormant Holdings\",\"statecode\":1,\"statuscode\":2}");
    g_autoptr(TestResponse) fresh = send_json (s, "POST", "accounts?$select=statecode,statuscode", "{\"name\":\"Fresh Start\"}");
    g_autoptr(TestResponse) reopened = NULL;
    g_autofree char *path = NULL;
    g_assert_cmpuint (inactive->status, ==, 201);
    g_assert_cmpint (json_object_get_int_member (test_response_object (inactive), "statecode"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (test_response_object (fresh), "statecode"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (test_response_object (fresh), "statuscode"), ==, 1);
    path = g_strdup_printf ("accounts(%s)?$select=statecode",
                            json_object_get_string_member (test_response_object (inactive), "accountid"));
    reopened = send_json (s, "PATCH", path, "{\"statecode\":0,\"statuscode\":1}");
    g_assert_cmpuint (reopened->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (test_response_object (reopened), "statecode"), ==, 0);
  }
  {
    /* the business-required fields are still enforced on create, and cannot be cleared */
    g_autoptr(TestResponse) no_name = send_json (s, "POST", "accounts", "{\"telephone1\":\"+1 206 555 0100\"}");
    g_autoptr(TestResponse) no_last = send_json (s, "POST", "contacts", "{\"firstname\":\"Ada\"}");
    g_autoptr(TestResponse) no_subject = send_json (s, "POST", "tasks", "{\"description\":\"x\"}");
    g_autoptr(TestResponse) ok = send_json (s, "POST", "opportunities?$select=name", "{\"name\":\"12 units of Optics\"}");
    g_autoptr(TestResponse) cleared = NULL;
    g_autofree char *path = NULL;
    assert_error (no_name, 400, "0x80040203");
    g_assert_nonnull (strstr (test_error_message (no_name), "'name'"));
    assert_error (no_last, 400, "0x80040203");
    assert_error (no_subject, 400, "0x80040203");
    g_assert_cmpuint (ok->status, ==, 201);
    path = g_strdup_printf ("opportunities(%s)", json_object_get_string_member (test_response_object (ok), "opportunityid"));
    cleared = send_json (s, "PATCH", path, "{\"name\":null}");
    assert_error (cleared, 400, "0x80040203");
  }
  test_server_free (s);
}

static gint64
count_where (TestServer *s, const char *set, const char *filter)
{
  g_autofree char *f = test_escape (filter);
  g_autofree char *path = g_strdup_printf ("%s?$select=createdon&$count=true&$filter=%s", set, f);
  g_autoptr(TestResponse) r = test_get (s, path);
  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (test_response_object (r), "@odata.count");
}

/* The newer columns have values in both seeds, and some are left empty (realistic data). */
static void
test_seeded_values (void)
{
  const char * const bulk[] = { "--seed", "accounts=60,contacts=120,leads=40,opportunities=40,tasks=40,"
                                "phonecalls=30,appointments=40,emails=30", NULL };
  const char * const * seeds[] = { demo, bulk };
  const char *present[][2] = {
    { "accounts", "address1_stateorprovince ne null" }, { "accounts", "address1_line2 ne null" },
    { "accounts", "telephone2 ne null" }, { "contacts", "donotemail eq true" },
    { "contacts", "preferredcontactmethodcode eq 2" }, { "contacts", "address1_postalcode ne null" },
    { "contacts", "address1_line1 ne null" }, { "contacts", "new_interests ne null" },
    { "leads", "numberofemployees gt 0" }, { "leads", "revenue gt 0" }, { "leads", "mobilephone ne null" },
    { "opportunities", "salesstagecode eq 3" }, { "tasks", "actualdurationminutes gt 0" },
    { "phonecalls", "actualdurationminutes gt 0" }, { "appointments", "isalldayevent eq true" },
    { "emails", "actualend ne null and statuscode eq 3" },
  };
  const char *partly[][2] = {
    { "accounts", "address1_line2 eq null" }, { "contacts", "new_interests eq null" },
    { "appointments", "isalldayevent eq false" }, { "emails", "actualend eq null" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (seeds); k++)
    {
      TestServer *s = test_server_start (NULL, seeds[k]);
      for (guint i = 0; i < G_N_ELEMENTS (present); i++)
        if (count_where (s, present[i][0], present[i][1]) == 0)
          g_error ("seed %u: no %s with %s", k, present[i][0], present[i][1]);
      for (guint i = 0; i < G_N_ELEMENTS (partly); i++)
        g_assert_cmpint (count_where (s, partly[i][0], partly[i][1]), >, 0);
      test_server_free (s);
    }
}

/* A data directory written before the newer columns existed keeps its rows and gains them. */
static void
test_older_data_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-server-old-XXXXXX", &error);
  g_autofree char *db_path = g_build_filename (dir, "outpost-server.db", NULL);
  sqlite3 *db = NULL;
  TestServer *s;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE account (accountid TEXT PRIMARY KEY NOT NULL, name TEXT, "
                                 "statecode INTEGER, versionnumber INTEGER);"
                                 "INSERT INTO account VALUES ('0b8c2a4e-1d3f-4a5b-9c6d-7e8f9a0b1c2d', 'Old Row Ltd', 0, 1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  s = test_server_start (dir, NULL);
  s->own_data_dir = TRUE;  /* test_server_free removes the directory */
  {
    g_autoptr(TestResponse) r = test_get (s, "accounts?$select=name,telephone2,address1_stateorprovince");
    g_autoptr(TestResponse) patched = send_json (s, "PATCH", "accounts(0b8c2a4e-1d3f-4a5b-9c6d-7e8f9a0b1c2d)?$select=telephone2",
                                                 "{\"telephone2\":\"+44 20 555 0199\"}");
    JsonObject *row = json_array_get_object_element (value_array (r), 0);
    g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, "Old Row Ltd");
    g_assert_true (json_object_get_null_member (row, "telephone2"));
    g_assert_cmpuint (patched->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (test_response_object (patched), "telephone2"), ==, "+44 20 555 0199");
  }
  test_server_free (s);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* The relationship named @schema in a ManyToManyRelationships answer, or NULL. */
static JsonObject *
find_m2m (JsonArray *value, const char *schema)
{
  for (guint i = 0; i < json_array_get_length (value); i++)
    {
      JsonObject *o = json_array_get_object_element (value, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "SchemaName", NULL), schema) == 0)
        return o;
    }
  return NULL;
}

/* EntityDefinitions(LogicalName='account')/ManyToManyRelationships?$select=... answers like
 * Dataverse: the selected ManyToManyRelationshipMetadata properties plus MetadataId, an unknown
 * property is a 400; the intersect entities are in EntityDefinitions (IsIntersect) with the
 * EntitySetName their links are read from; the custom relationship's set takes $ref links. */
static void
test_relationship_metadata (void)
{
  TestServer *s = test_server_start (NULL, demo);
  g_autoptr(TestResponse) acc = test_get (s, "EntityDefinitions(LogicalName='account')/ManyToManyRelationships?"
                                             "$select=SchemaName,IntersectEntityName,Entity1LogicalName,"
                                             "Entity1IntersectAttribute,Entity2LogicalName,Entity2IntersectAttribute");
  g_autoptr(TestResponse) con = test_get (s, "EntityDefinitions(LogicalName='contact')/ManyToManyRelationships");
  g_autoptr(TestResponse) bad = test_get (s, "EntityDefinitions(LogicalName='account')/ManyToManyRelationships?"
                                             "$select=SchemaName,NoSuchProperty");
  g_autoptr(TestResponse) list = test_get (s, "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute");
  g_autoptr(TestResponse) one = test_get (s, "EntityDefinitions(LogicalName='new_account_contact')?$select=EntitySetName");
  g_autoptr(TestResponse) tracked = test_get (s, "EntityDefinitions?$select=LogicalName&$filter=ChangeTrackingEnabled eq true");
  g_autoptr(TestResponse) csdl = test_get (s, "$metadata");
  g_autoptr(TestResponse) accounts = test_get (s, "accounts?$select=accountid&$top=1");
  g_autoptr(TestResponse) contacts = test_get (s, "contacts?$select=contactid&$top=1");
  g_autoptr(TestResponse) linked = NULL, links = NULL, related = NULL, guessed = NULL;
  g_autofree char *account = NULL, *contact = NULL, *ref_path = NULL, *ref_body = NULL, *rel_path = NULL;
  JsonObject *al, *ac, *o;
  JsonArray *defs;
  gboolean seen_intersect = FALSE;

  g_assert_cmpuint (json_array_get_length (value_array (acc)), ==, 2);
  al = find_m2m (value_array (acc), "accountleads_association");
  ac = find_m2m (value_array (acc), "new_account_contact");
  g_assert_nonnull (al);
  g_assert_nonnull (ac);
  g_assert_cmpstr (json_object_get_string_member (al, "IntersectEntityName"), ==, "accountleads");
  g_assert_cmpstr (json_object_get_string_member (al, "Entity1LogicalName"), ==, "account");
  g_assert_cmpstr (json_object_get_string_member (al, "Entity1IntersectAttribute"), ==, "accountid");
  g_assert_cmpstr (json_object_get_string_member (al, "Entity2LogicalName"), ==, "lead");
  g_assert_cmpstr (json_object_get_string_member (al, "Entity2IntersectAttribute"), ==, "leadid");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (al, "MetadataId")));
  g_assert_false (json_object_has_member (al, "IsCustomRelationship"));   /* not selected */
  g_assert_cmpuint (json_object_get_size (al), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (ac, "IntersectEntityName"), ==, "new_account_contact");
  g_assert_cmpstr (json_object_get_string_member (ac, "Entity2IntersectAttribute"), ==, "contactid");
  g_assert_nonnull (strstr (json_object_get_string_member (test_response_object (acc), "@odata.context"),
                            "/ManyToManyRelationships"));
  /* contact takes part only in the custom one; without $select every property comes */
  g_assert_cmpuint (json_array_get_length (value_array (con)), ==, 1);
  o = json_array_get_object_element (value_array (con), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "SchemaName"), ==, "new_account_contact");
  g_assert_true (json_object_get_boolean_member (o, "IsCustomRelationship"));
  g_assert_cmpstr (json_object_get_string_member (o, "Entity2NavigationPropertyName"), ==, "new_account_contact");
  assert_error (bad, 400, "0x80060888");

  defs = value_array (list);
  for (guint i = 0; i < json_array_get_length (defs); i++)
    {
      JsonObject *d = json_array_get_object_element (defs, i);
      if (strcmp (json_object_get_string_member (d, "LogicalName"), "accountleads") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (d, "EntitySetName"), ==, "accountleadscollection");
          g_assert_cmpstr (json_object_get_string_member (d, "PrimaryIdAttribute"), ==, "accountleadid");
          g_assert_true (json_object_get_boolean_member (d, "IsIntersect"));
          seen_intersect = TRUE;
        }
    }
  g_assert_true (seen_intersect);
  g_assert_cmpuint (one->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (test_response_object (one), "EntitySetName"), ==,
                   "new_account_contactset");
  for (guint i = 0; i < json_array_get_length (value_array (tracked)); i++)
    g_assert_false (json_object_get_boolean_member_with_default (json_array_get_object_element (value_array (tracked), i),
                                                                 "IsIntersect", FALSE));
  g_assert_nonnull (strstr (g_bytes_get_data (csdl->body, NULL), "<NavigationProperty Name=\"new_account_contact\""));

  /* a custom link through $ref, read back from the intersect set and the navigation property */
  account = g_strdup (json_object_get_string_member (json_array_get_object_element (value_array (accounts), 0), "accountid"));
  contact = g_strdup (json_object_get_string_member (json_array_get_object_element (value_array (contacts), 0), "contactid"));
  ref_path = g_strdup_printf ("contacts(%s)/new_account_contact/$ref", contact);
  ref_body = g_strdup_printf ("{\"@odata.id\":\"%saccounts(%s)\"}", s->api, account);
  linked = test_request (s, "POST", ref_path, NULL, "application/json", ref_body);
  g_assert_cmpuint (linked->status, ==, 204);
  links = test_get (s, "new_account_contactset?$select=accountid,contactid");
  g_assert_cmpuint (json_array_get_length (value_array (links)), ==, 1);
  o = json_array_get_object_element (value_array (links), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "accountid"), ==, account);
  g_assert_cmpstr (json_object_get_string_member (o, "contactid"), ==, contact);
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "new_account_contactid")));
  rel_path = g_strdup_printf ("accounts(%s)/new_account_contact?$select=fullname", account);
  related = test_get (s, rel_path);
  g_assert_cmpuint (json_array_get_length (value_array (related)), ==, 1);
  guessed = test_get (s, "new_account_contactcollection");
  g_assert_cmpuint (guessed->status, ==, 404);
  test_server_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/schema/profile-fields", test_profile_fields);
  g_test_add_func ("/server/schema/profile-check-fails", test_profile_check_fails);
  g_test_add_func ("/server/schema/multi-select", test_multi_select);
  g_test_add_func ("/server/schema/statecode-and-required", test_statecode_and_required);
  g_test_add_func ("/server/schema/seeded-values", test_seeded_values);
  g_test_add_func ("/server/schema/older-data-dir", test_older_data_dir);
  g_test_add_func ("/server/schema/relationship-metadata", test_relationship_metadata);
  return g_test_run ();
}

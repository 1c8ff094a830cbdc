/* outpost-server-metadata.c: EntityDefinitions, their Attributes (with the typed cast forms
 * such as .../Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet),
 * their ManyToManyRelationships, and a minimal $metadata CSDL. Shapes follow Dataverse:
 * AttributeTypeName and RequiredLevel are complex values ({"Value":"StringType"}), labels are
 * {"UserLocalizedLabel":{...}}. Metadata is not paged. Only a small $filter subset is understood
 * here: "Prop eq value" joined by "and". The EntityDefinitions list includes the intersect
 * entities of the N:N relationships (IsIntersect true), as Dataverse's does. */
#include "config.h"

#include "outpost-server-nn.h"

#include <string.h>

static const char *
attribute_type (OsType type)
{
  static const char *names[] = {
    "String", "Memo", "Integer", "BigInt", "Decimal", "Money", "Boolean", "DateTime", "DateTime",
    "Picklist", "State", "Status", "Lookup", "Customer", "Owner", "Uniqueidentifier",
    "Virtual",  /* the older AttributeType shows multi-select choices as Virtual */
  };
  return names[type];
}

static const char *
metadata_type (OsType type)
{
  switch (type)
    {
    case OS_TYPE_STRING: return "StringAttributeMetadata";
    case OS_TYPE_MEMO: return "MemoAttributeMetadata";
    case OS_TYPE_INTEGER: return "IntegerAttributeMetadata";
    case OS_TYPE_BIGINT: return "BigIntAttributeMetadata";
    case OS_TYPE_DECIMAL: return "DecimalAttributeMetadata";
    case OS_TYPE_MONEY: return "MoneyAttributeMetadata";
    case OS_TYPE_BOOLEAN: return "BooleanAttributeMetadata";
    case OS_TYPE_DATETIME: case OS_TYPE_DATEONLY: return "DateTimeAttributeMetadata";
    case OS_TYPE_PICKLIST: return "PicklistAttributeMetadata";
    case OS_TYPE_STATE: return "StateAttributeMetadata";
    case OS_TYPE_STATUS: return "StatusAttributeMetadata";
    case OS_TYPE_LOOKUP: case OS_TYPE_CUSTOMER: case OS_TYPE_OWNER: return "LookupAttributeMetadata";
    case OS_TYPE_MULTIPICKLIST: return "MultiSelectPicklistAttributeMetadata";
    default: return "UniqueIdentifierAttributeMetadata";
    }
}

static void
label (GString *out, const char *key, const char *text)
{
  g_string_append_printf (out, ",\"%s\":{\"LocalizedLabels\":[{\"Label\":", key);
  os_json_string (out, text);
  g_string_append (out, ",\"LanguageCode\":1033}],\"UserLocalizedLabel\":{\"Label\":");
  os_json_string (out, text);
  g_string_append (out, ",\"LanguageCode\":1033}}");
}

static char *
display_name (const char *logical)
{
  g_autofree char *name = g_strdup (logical);
  name[0] = g_ascii_toupper (name[0]);
  return g_steal_pointer (&name);
}

/* A stable GUID for an attribute, derived from its names. */
static char *
attribute_id (const OsEntity *e, const OsAttribute *a)
{
  g_autofree char *key = g_strconcat (e->logical_name, ".", a->name, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_MD5, key, -1);
  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", sum, sum + 8, sum + 12, sum + 16, sum + 20);
}

static void
option_set (GString *out, const OsAttribute *a)
{
  g_string_append (out, ",\"OptionSet\":{\"Options\":[");
  for (const OsOption *o = a->options; o && o->label; o++)
    {
      g_string_append_printf (out, "%s{\"Value\":%d", o == a->options ? "" : ",", o->value);
      label (out, "Label", o->label);
      if (a->type == OS_TYPE_STATUS)
        g_string_append_printf (out, ",\"State\":%d", o->state);
      g_string_append (out, "}");
    }
  /* a multi-select choice uses a plain Picklist option set */
  g_string_append_printf (out, "],\"Name\":\"%s\",\"IsGlobal\":false,\"OptionSetType\":\"%s\"}", a->name,
                          a->type == OS_TYPE_MULTIPICKLIST ? "Picklist" : attribute_type (a->type));
}

static void
write_attribute (GString *out, const OsEntity *e, const OsAttribute *a, gboolean cast)
{
  g_autofree char *id = attribute_id (e, a);
  g_autofree char *display = display_name (a->name);
  gboolean ro = (a->flags & OS_ATTR_READONLY) != 0;
  gboolean no_create = ro || (a->flags & OS_ATTR_NO_CREATE) != 0;

  g_string_append_printf (out, "{\"@odata.type\":\"#Microsoft.Dynamics.CRM.%s\",\"MetadataId\":\"%s\","
                          "\"LogicalName\":\"%s\",\"SchemaName\":\"%s\",\"EntityLogicalName\":\"%s\","
                          "\"AttributeType\":\"%s\",\"AttributeTypeName\":{\"Value\":\"%s\"},"
                          "\"RequiredLevel\":{\"Value\":\"%s\",\"CanBeChanged\":true,"
                          "\"ManagedPropertyLogicalName\":\"canmodifyrequirementlevelsettings\"},"
                          "\"IsValidForCreate\":%s,\"IsValidForUpdate\":%s,\"IsValidForRead\":true,"
                          "\"IsPrimaryId\":%s,\"IsPrimaryName\":%s,\"IsCustomAttribute\":%s",
                          metadata_type (a->type), id, a->name, display, e->logical_name,
                          attribute_type (a->type), os_type_name (a->type), a->required,
                          no_create ? "false" : "true", ro || a == e->attrs ? "false" : "true",
                          a == e->attrs ? "true" : "false",
                          strcmp (a->name, e->primary_name) == 0 ? "true" : "false",
                          g_str_has_prefix (a->name, "new_") ? "true" : "false");  /* a publisher prefix */
  label (out, "DisplayName", display);
  if (a->type == OS_TYPE_STRING || a->type == OS_TYPE_MEMO)
    g_string_append_printf (out, ",\"MaxLength\":%d,\"Format\":\"%s\"", a->max_length,
                            a->type == OS_TYPE_MEMO ? "TextArea" : "Text");
  if (a->type == OS_TYPE_MONEY || a->type == OS_TYPE_DECIMAL)
    g_string_append (out, ",\"Precision\":2,\"MinValue\":-922337203685477,\"MaxValue\":922337203685477");
  if (a->type == OS_TYPE_INTEGER)
    g_string_append (out, ",\"MinValue\":-2147483648,\"MaxValue\":2147483647,\"Format\":\"None\"");
  if (a->type == OS_TYPE_DATETIME || a->type == OS_TYPE_DATEONLY)
    g_string_append_printf (out, ",\"Format\":\"%s\",\"DateTimeBehavior\":{\"Value\":\"%s\"}",
                            a->type == OS_TYPE_DATEONLY ? "DateOnly" : "DateAndTime",
                            a->type == OS_TYPE_DATEONLY ? "DateOnly" : "UserLocal");
  if (os_type_is_lookup (a->type))
    {
      g_auto(GStrv) targets = g_strsplit (a->targets, ",", -1);
      g_string_append (out, ",\"Targets\":[");
      for (guint i = 0; targets[i]; i++)
        g_string_append_printf (out, "%s\"%s\"", i ? "," : "", targets[i]);
      g_string_append (out, "]");
    }
  if (cast && os_attr_has_options (a))
    option_set (out, a);
  g_string_append (out, "}");
}

static void
write_entity (GString *out, const OsEntity *e)
{
  g_autofree char *display = display_name (e->logical_name);
  g_string_append_printf (out, "{\"MetadataId\":\"%s\",\"LogicalName\":\"%s\",\"SchemaName\":\"%s\","
                          "\"EntitySetName\":\"%s\",\"LogicalCollectionName\":\"%ss\","
                          "\"PrimaryIdAttribute\":\"%s\",\"PrimaryNameAttribute\":\"%s\","
                          "\"ChangeTrackingEnabled\":%s,\"IsOptimisticConcurrencyEnabled\":true,"
                          "\"IsActivity\":%s,\"IsIntersect\":false,\"IsCustomEntity\":false",
                          e->metadata_id, e->logical_name, display, e->set_name, e->logical_name,
                          e->primary_id, e->primary_name, e->change_tracking ? "true" : "false",
                          strcmp (e->primary_id, "activityid") == 0 ? "true" : "false");
  label (out, "DisplayName", display);
  g_string_append (out, "}");
}

/* An intersect entity: read-only, no change tracking, no primary name (AccountLeads reference:
 * EntitySetName accountleadscollection, PrimaryIdAttribute accountleadid). */
static void
write_intersect (GString *out, const OsNnRelationship *r)
{
  g_autofree char *display = display_name (r->intersect);
  g_string_append_printf (out, "{\"MetadataId\":\"%s\",\"LogicalName\":\"%s\",\"SchemaName\":\"%s\","
                          "\"EntitySetName\":\"%s\",\"LogicalCollectionName\":null,"
                          "\"PrimaryIdAttribute\":\"%s\",\"PrimaryNameAttribute\":null,"
                          "\"ChangeTrackingEnabled\":false,\"IsOptimisticConcurrencyEnabled\":false,"
                          "\"IsActivity\":false,\"IsIntersect\":true,\"IsCustomEntity\":%s",
                          r->intersect_metadata_id, r->intersect, display, r->set_name, r->primary_id,
                          r->custom ? "true" : "false");
  label (out, "DisplayName", display);
  g_string_append (out, "}");
}

/* Matches "Prop eq value [and ...]" against a few entity properties. */
static gboolean
entity_matches (const OsEntity *e, const char *filter)
{
  g_auto(GStrv) terms = NULL;

  if (filter == NULL)
    return TRUE;
  terms = g_strsplit (filter, " and ", -1);
  for (guint i = 0; terms[i]; i++)
    {
      g_auto(GStrv) w = g_strsplit (g_strstrip (terms[i]), " ", 3);
      g_autofree char *value = NULL;
      const char *actual = NULL;
      if (g_strv_length (w) != 3 || strcmp (w[1], "eq") != 0)
        return FALSE;
      value = g_strdup (w[2]);
      if (value[0] == '\'')
        {
          value[strlen (value) - 1] = '\0';
          memmove (value, value + 1, strlen (value));
        }
      if (strcmp (w[0], "ChangeTrackingEnabled") == 0)
        actual = e->change_tracking ? "true" : "false";
      else if (strcmp (w[0], "IsIntersect") == 0)
        actual = os_nn_by_intersect (e->logical_name) ? "true" : "false";
      else if (strcmp (w[0], "LogicalName") == 0)
        actual = e->logical_name;
      else if (strcmp (w[0], "EntitySetName") == 0)
        actual = e->set_name;
      else if (strcmp (w[0], "IsActivity") == 0)
        actual = strcmp (e->primary_id, "activityid") == 0 ? "true" : "false";
      if (g_strcmp0 (actual, value) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
context (GString *out, OsRequest *req, const char *suffix)
{
  g_autofree char *ctx = g_strconcat (req->server->api_base, "$metadata#", suffix, NULL);
  g_string_append (out, "{\"@odata.context\":");
  os_json_string (out, ctx);
}

static void
list_entities (OsRequest *req, OsResponse *resp)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *filter = g_hash_table_lookup (req->query, "$filter");
  guint n, written = 0;
  const OsEntity *entities = os_schema_entities (&n);
  const OsNnRelationship *rels;

  context (out, req, "EntityDefinitions");
  g_string_append (out, ",\"value\":[");
  for (guint i = 0; i < n; i++)
    {
      if (!entity_matches (&entities[i], filter))
        continue;
      if (written++)
        g_string_append_c (out, ',');
      write_entity (out, &entities[i]);
    }
  rels = os_nn_relationships (&n);
  for (guint i = 0; i < n; i++)
    {
      /* enough of an entity for the filter: intersect tables have no change tracking */
      OsEntity as_entity = { .logical_name = rels[i].intersect, .set_name = rels[i].set_name,
                             .primary_id = rels[i].primary_id };
      if (!entity_matches (&as_entity, filter))
        continue;
      if (written++)
        g_string_append_c (out, ',');
      write_intersect (out, &rels[i]);
    }
  g_string_append (out, "]}");
  os_response_json (resp, 200, out);
}

static const OsEntity *
entity_from_key (const char *key)
{
  guint n;
  const OsEntity *entities = os_schema_entities (&n);

  if (g_str_has_prefix (key, "LogicalName='") && g_str_has_suffix (key, "'"))
    {
      g_autofree char *name = g_strndup (key + 13, strlen (key) - 14);
      return os_schema_by_logical (name);
    }
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (entities[i].metadata_id, key) == 0)
      return &entities[i];
  return NULL;
}

/* "Microsoft.Dynamics.CRM.PicklistAttributeMetadata" (or mscrm./bare) names exactly one
 * metadata type: a suffix match would let MultiSelectPicklist... also match Picklist... */
static gboolean
cast_matches (const char *cast, const OsAttribute *a)
{
  const char *dot = strrchr (cast, '.');  /* Microsoft.Dynamics.CRM. or the mscrm. alias */
  return strcmp (dot ? dot + 1 : cast, metadata_type (a->type)) == 0;
}

static void
list_attributes (OsRequest *req, OsResponse *resp, const OsEntity *e, const char *cast, const char *key)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *suffix = NULL;
  g_autofree char *name = NULL;
  guint written = 0;

  if (key)
    {
      if (!g_str_has_prefix (key, "LogicalName='") || !g_str_has_suffix (key, "'"))
        {
          os_response_error (resp, 400, "0x80060888", "Bad Request - Error in query syntax.");
          return;
        }
      name = g_strndup (key + 13, strlen (key) - 14);
    }
  suffix = g_strdup_printf ("EntityDefinitions('%s')/Attributes%s%s", e->metadata_id, cast ? "/" : "",
                            cast ? cast : "");
  context (out, req, suffix);
  g_string_append (out, name ? "," : ",\"value\":[");
  for (const OsAttribute *a = e->attrs; a->name; a++)
    {
      if (cast && !cast_matches (cast, a))
        continue;
      if (name && strcmp (name, a->name) != 0)
        continue;
      if (written++)
        g_string_append_c (out, ',');
      if (name)
        {
          g_autoptr(GString) one = g_string_new (NULL);
          write_attribute (one, e, a, TRUE);
          g_string_append (out, one->str + 1);
          os_response_json (resp, 200, out);
          return;
        }
      write_attribute (out, e, a, cast != NULL);
    }
  if (name)
    {
      os_response_error (resp, 404, "0x80040217", "Could not find attribute '%s' of entity '%s'.", name,
                         e->logical_name);
      return;
    }
  g_string_append (out, "]}");
  os_response_json (resp, 200, out);
}

/* ---- ManyToManyRelationships --------------------------------------------------------------
 * EntityDefinitions(LogicalName='account')/ManyToManyRelationships[?$select=...]: the N:N
 * relationships the entity takes part in, with the ManyToManyRelationshipMetadata properties
 * (webapi/query-metadata-web-api.md, "Querying relationship metadata"); $select as on
 * Dataverse: the named properties plus MetadataId, an unknown name is a 400. */

static const char *const m2m_properties[] = {
  "SchemaName", "IntersectEntityName", "Entity1LogicalName", "Entity1IntersectAttribute",
  "Entity1NavigationPropertyName", "Entity2LogicalName", "Entity2IntersectAttribute",
  "Entity2NavigationPropertyName", "IsCustomRelationship", "RelationshipType", NULL
};

static const char *
m2m_value (const OsNnRelationship *r, guint i)
{
  const char *values[] = { r->schema_name, r->intersect, r->entity1, r->attribute1, r->schema_name,
                           r->entity2, r->attribute2, r->schema_name, NULL, "ManyToManyRelationship" };
  return values[i];
}

static void
write_m2m (GString *out, const OsNnRelationship *r, const gboolean *want)
{
  g_string_append_c (out, '{');
  for (guint i = 0; m2m_properties[i]; i++)
    {
      if (!want[i])
        continue;
      os_json_key (out, m2m_properties[i]);
      if (m2m_value (r, i) != NULL)
        os_json_string (out, m2m_value (r, i));
      else
        g_string_append (out, r->custom ? "true" : "false");
      g_string_append_c (out, ',');
    }
  g_string_append_printf (out, "\"MetadataId\":\"%s\"}", r->metadata_id);
}

static gboolean
m2m_select (OsRequest *req, OsResponse *resp, gboolean *want)
{
  const char *select = g_hash_table_lookup (req->query, "$select");
  g_auto(GStrv) names = select ? g_strsplit (select, ",", -1) : NULL;

  for (guint i = 0; m2m_properties[i]; i++)
    want[i] = select == NULL;
  for (guint i = 0; names && names[i]; i++)
    {
      const char *name = g_strstrip (names[i]);
      guint j = 0;

      while (m2m_properties[j] && strcmp (m2m_properties[j], name) != 0)
        j++;
      if (m2m_properties[j] != NULL)
        want[j] = TRUE;
      else if (strcmp (name, "MetadataId") != 0)
        {
          os_response_error (resp, 400, "0x80060888", "Could not find a property named '%s' on type "
                             "'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata'.", name);
          return FALSE;
        }
    }
  return TRUE;
}

static void
list_m2m (OsRequest *req, OsResponse *resp, const OsEntity *e)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *suffix = g_strdup_printf ("EntityDefinitions('%s')/ManyToManyRelationships", e->metadata_id);
  gboolean want[G_N_ELEMENTS (m2m_properties)];
  guint n, written = 0;
  const OsNnRelationship *rels = os_nn_relationships (&n);

  if (!m2m_select (req, resp, want))
    return;
  context (out, req, suffix);
  g_string_append (out, ",\"value\":[");
  for (guint i = 0; i < n; i++)
    if (strcmp (rels[i].entity1, e->logical_name) == 0 || strcmp (rels[i].entity2, e->logical_name) == 0)
      {
        if (written++)
          g_string_append_c (out, ',');
        write_m2m (out, &rels[i], want);
      }
  g_string_append (out, "]}");
  os_response_json (resp, 200, out);
}

/* EntityDefinitions(LogicalName='<intersect>'): the intersect entity alone. */
static gboolean
get_intersect (OsRequest *req, OsResponse *resp, const char *key, char **segs)
{
  g_autofree char *name = g_str_has_prefix (key, "LogicalName='") && g_str_has_suffix (key, "'")
                          ? g_strndup (key + 13, strlen (key) - 14) : NULL;
  const OsNnRelationship *r = name ? os_nn_by_intersect (name) : NULL;
  g_autoptr(GString) out = NULL, one = NULL;

  if (r == NULL)
    return FALSE;
  if (segs[1] != NULL)
    {
      os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", segs[1]);
      return TRUE;
    }
  out = g_string_new (NULL);
  one = g_string_new (NULL);
  context (out, req, "EntityDefinitions/$entity");
  g_string_append_c (out, ',');
  write_intersect (one, r);
  g_string_append (out, one->str + 1);
  os_response_json (resp, 200, out);
  return TRUE;
}

void
os_metadata_dispatch (OsRequest *req, OsResponse *resp, const char *path)
{
  g_auto(GStrv) segs = g_strsplit (path, "/", -1);
  const char *open = strchr (segs[0], '(');
  g_autofree char *key = NULL;
  const OsEntity *e;

  if (strcmp (req->method, "GET") != 0)
    {
      os_response_error (resp, 405, "0x80060888", "Metadata is read-only on this server.");
      return;
    }
  if (open == NULL)
    {
      list_entities (req, resp);
      return;
    }
  key = g_strndup (open + 1, strlen (open + 1) - 1);
  e = entity_from_key (key);
  if (e == NULL && get_intersect (req, resp, key, segs))
    return;
  if (e == NULL)
    {
      os_response_error (resp, 404, "0x80040217", "Could not find an entity with key %s.", key);
      return;
    }
  if (segs[1] == NULL)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      context (out, req, "EntityDefinitions/$entity");
      g_string_append_c (out, ',');
      {
        g_autoptr(GString) one = g_string_new (NULL);
        write_entity (one, e);
        g_string_append (out, one->str + 1);
      }
      os_response_json (resp, 200, out);
      return;
    }
  if (g_str_has_prefix (segs[1], "Attributes"))
    {
      const char *akey = strchr (segs[1], '(');
      g_autofree char *k = akey ? g_strndup (akey + 1, strlen (akey + 1) - 1) : NULL;
      list_attributes (req, resp, e, segs[2], k);
      return;
    }
  if (strcmp (segs[1], "ManyToManyRelationships") == 0 && segs[2] == NULL)
    {
      list_m2m (req, resp, e);
      return;
    }
  os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", segs[1]);
}

static const char *
csdl_type (OsType type)
{
  return os_type_is_lookup (type) ? "Edm.Guid" : os_type_edm (type);
}

void
os_metadata_csdl (OsRequest *req, OsResponse *resp)
{
  GString *x = resp->body;
  guint n;
  const OsEntity *entities = os_schema_entities (&n);
  guint n_rels;
  const OsNnRelationship *rels = os_nn_relationships (&n_rels);
  gboolean annotations = g_strcmp0 (g_hash_table_lookup (req->query, "annotations"), "true") == 0;

  g_string_assign (x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                   "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n"
                   "<edmx:DataServices>\n<Schema Namespace=\"Microsoft.Dynamics.CRM\" Alias=\"mscrm\" "
                   "xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n");
  for (guint i = 0; i < n; i++)
    {
      const OsEntity *e = &entities[i];
      g_string_append_printf (x, "<EntityType Name=\"%s\"><Key><PropertyRef Name=\"%s\"/></Key>\n",
                              e->logical_name, e->primary_id);
      for (const OsAttribute *a = e->attrs; a->name; a++)
        {
          if (os_type_is_lookup (a->type))
            g_string_append_printf (x, "<Property Name=\"_%s_value\" Type=\"Edm.Guid\"/>\n", a->name);
          else
            g_string_append_printf (x, "<Property Name=\"%s\" Type=\"%s\"/>\n", a->name, csdl_type (a->type));
        }
      for (guint j = 0; j < n_rels; j++)
        if (strcmp (rels[j].entity1, e->logical_name) == 0 || strcmp (rels[j].entity2, e->logical_name) == 0)
          g_string_append_printf (x, "<NavigationProperty Name=\"%s\" Type=\"Collection(mscrm.%s)\"/>\n",
                                  rels[j].schema_name, strcmp (rels[j].entity1, e->logical_name) == 0
                                  ? rels[j].entity2 : rels[j].entity1);
      g_string_append (x, "</EntityType>\n");
    }
  g_string_append (x, "<EntityContainer Name=\"System\">\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (x, "<EntitySet Name=\"%s\" EntityType=\"Microsoft.Dynamics.CRM.%s\">",
                              entities[i].set_name, entities[i].logical_name);
      if (annotations && entities[i].change_tracking)
        g_string_append (x, "<Annotation Term=\"Org.OData.Capabilities.V1.ChangeTracking\"><Record>"
                         "<PropertyValue Property=\"Supported\" Bool=\"true\"/></Record></Annotation>");
      g_string_append (x, "</EntitySet>\n");
    }
  g_string_append (x, "</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n");
  resp->status = 200;
  os_response_set_content_type (resp, "application/xml");
}

/* outpost-dataverse-metadata.c: server metadata refines the profile, so the local schema
 * follows the org: EntityDefinitions (entity sets, change tracking) and, per profile entity,
 * Attributes (type, required level, validity) plus the documented type casts for string
 * lengths, lookup targets and option sets; and for the profile's N:N relationships, where
 * their links are kept (the intersect table's entity set and its two id columns). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-dataverse-private.h"

static JsonObject *
get_json (OutpostDataverseConnector *self, const char *path, gboolean tolerate_4xx,
          GCancellable *cancellable, GError **error)
{
  g_autofree char *url = g_strconcat (self->api_root, path, NULL);
  OutpostDvRequest r = { .method = "GET", .url = url, .keep_error_body = tolerate_4xx };
  g_autoptr(OutpostDvResponse) response = outpost_dv_send (self, &r, cancellable, error);

  if (response == NULL)
    return NULL;
  if (response->status >= 400)   /* an optional cast the server does not know: no refinement */
    return json_object_new ();
  return outpost_dv_parse_object (response->body, error);
}

static JsonArray *
value_of (JsonObject *obj)
{
  return outpost_dv_get_array (obj, "value");
}

static gboolean
apply_entity_definitions (OutpostDataverseConnector *self, OutpostProfile *profile,
                          JsonObject *root, GError **error)
{
  JsonArray *value = value_of (root);

  if (value == NULL)
    {
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                           _("The server sent no entity definitions"));
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (value); i++)
    {
      JsonObject *def = outpost_dv_array_object (value, i);
      const char *name = outpost_dv_get_string (def, "LogicalName");
      const char *set = outpost_dv_get_string (def, "EntitySetName");
      JsonNode *tracking = def ? json_object_get_member (def, "ChangeTrackingEnabled") : NULL;
      OutpostEntity *entity;

      if (def == NULL)
        {
          g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                       _("The server sent an entity definition that is not an object (item %u)"), i);
          return FALSE;
        }
      if (name == NULL || set == NULL || !outpost_identifier_is_valid (name))
        continue;
      g_hash_table_replace (self->entity_sets, g_strdup (name), g_strdup (set));
      if (tracking != NULL && JSON_NODE_HOLDS_VALUE (tracking) &&
          json_node_get_value_type (tracking) == G_TYPE_BOOLEAN && json_node_get_boolean (tracking))
        g_hash_table_add (self->tracking, g_strdup (name));
      if ((entity = outpost_profile_lookup_entity (profile, name)) != NULL &&
          outpost_identifier_is_valid (set))
        {
          g_free (entity->entity_set);
          entity->entity_set = g_strdup (set);   /* A1: build URLs from EntitySetName */
        }
    }
  return TRUE;
}

static gboolean
read_entity_definitions (OutpostDataverseConnector *self, OutpostProfile *profile,
                         GCancellable *cancellable, GError **error)
{
  g_autoptr(JsonObject) root = get_json (self,
      "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute,"
      "PrimaryNameAttribute,ChangeTrackingEnabled,IsOptimisticConcurrencyEnabled",
      FALSE, cancellable, error);

  return root != NULL && apply_entity_definitions (self, profile, root, error);
}

gboolean
outpost_dv_map_entity_definitions (OutpostDataverseConnector *self, OutpostProfile *profile,
                                   GBytes *body, GError **error)
{
  g_autoptr(JsonObject) root = outpost_dv_parse_object (body, error);

  return root != NULL && apply_entity_definitions (self, profile, root, error);
}

/* A boolean member, or @fallback when absent or not a boolean. */
static gboolean
get_boolean (JsonObject *obj, const char *member, gboolean fallback)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN
         ? json_node_get_boolean (node) : fallback;
}

static gboolean
is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
type_from_metadata (const char *name, OutpostFieldType *type)
{
  static const struct { const char *name; OutpostFieldType type; } map[] = {
    { "StringType", OUTPOST_FIELD_STRING }, { "MemoType", OUTPOST_FIELD_MEMO },
    { "IntegerType", OUTPOST_FIELD_INTEGER }, { "BigIntType", OUTPOST_FIELD_BIGINT },
    { "DecimalType", OUTPOST_FIELD_DECIMAL }, { "DoubleType", OUTPOST_FIELD_DOUBLE },
    { "MoneyType", OUTPOST_FIELD_MONEY }, { "BooleanType", OUTPOST_FIELD_BOOLEAN },
    { "DateTimeType", OUTPOST_FIELD_DATETIME }, { "PicklistType", OUTPOST_FIELD_PICKLIST },
    { "MultiSelectPicklistType", OUTPOST_FIELD_MULTI_PICKLIST },
    { "LookupType", OUTPOST_FIELD_LOOKUP }, { "CustomerType", OUTPOST_FIELD_LOOKUP },
    { "OwnerType", OUTPOST_FIELD_LOOKUP }, { "UniqueidentifierType", OUTPOST_FIELD_UNIQUEIDENTIFIER },
    { "StateType", OUTPOST_FIELD_STATE }, { "StatusType", OUTPOST_FIELD_STATUS },
  };
  for (guint i = 0; name && i < G_N_ELEMENTS (map); i++)
    if (strcmp (map[i].name, name) == 0)
      return (*type = map[i].type, TRUE);
  return FALSE;
}

static void
refine_targets (OutpostField *field, JsonObject *attr)
{
  JsonNode *node = json_object_get_member (attr, "Targets");
  JsonArray *targets;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  targets = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (targets); i++)
    {
      JsonNode *n = json_array_get_element (targets, i);
      const char *t = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                      ? json_node_get_string (n) : NULL;
      if (t != NULL && outpost_identifier_is_valid (t))
        g_strv_builder_add (b, t);
    }
  if (json_array_get_length (targets) > 0)
    {
      g_strfreev (field->targets);
      field->targets = g_strv_builder_end (b);
    }
}

/* Dataverse sends some properties as {"Value": "..."} (AttributeTypeName, RequiredLevel). */
static const char *
value_string (JsonObject *obj, const char *key)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return outpost_dv_get_string (json_node_get_object (node), "Value");
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static void
refine_field (OutpostField *field, JsonObject *attr)
{
  OutpostFieldType type;
  const char *level = value_string (attr, "RequiredLevel");
  JsonNode *ml = json_object_get_member (attr, "MaxLength");
  gint64 max_length = is_integer (ml) ? json_node_get_int (ml) : 0;

  /* the profile may narrow a type (a multi-select picklist shows as Virtual): only take the
   * server's type when it is one we know and does not turn a lookup into a plain value */
  if (type_from_metadata (value_string (attr, "AttributeTypeName"), &type) &&
      (type == OUTPOST_FIELD_LOOKUP) == (field->type == OUTPOST_FIELD_LOOKUP))
    field->type = type;
  /* ApplicationRequired is the business rule a user must follow. SystemRequired fields
   * (ownerid, statecode, ...) the platform fills itself when a create leaves them out, so
   * only the profile's own flag can make those required of the user. */
  if (level != NULL && g_str_equal (level, "ApplicationRequired") &&
      get_boolean (attr, "IsValidForCreate", TRUE))
    field->required = TRUE;
  /* read-only when either says so: the profile's read_only is the organisation's decision
   * (Owner is valid for update on the server, yet the profile keeps it out of users' hands) */
  if (json_object_has_member (attr, "IsValidForCreate") || json_object_has_member (attr, "IsValidForUpdate"))
    field->read_only = field->read_only || (!get_boolean (attr, "IsValidForCreate", FALSE) &&
                                            !get_boolean (attr, "IsValidForUpdate", FALSE));
  if (max_length > 0 && max_length <= G_MAXINT)
    field->max_length = (gint) max_length;
  refine_targets (field, attr);
}

static void
refine_options (OutpostField *field, JsonObject *attr)
{
  JsonObject *set = outpost_dv_get_object (attr, "OptionSet");
  JsonArray *options = outpost_dv_get_array (set, "Options");
  GArray *array;

  if (options == NULL)
    return;
  array = g_array_new (FALSE, TRUE, sizeof (OutpostOption));
  g_array_set_clear_func (array, outpost_dv_option_clear);
  for (guint i = 0; i < json_array_get_length (options); i++)
    {
      JsonObject *o = outpost_dv_array_object (options, i);
      JsonObject *label = outpost_dv_get_object (o, "Label");
      JsonObject *user = outpost_dv_get_object (label, "UserLocalizedLabel");
      JsonNode *v = o ? json_object_get_member (o, "Value") : NULL;
      OutpostOption opt = { 0, NULL };

      if (!is_integer (v) || json_node_get_int (v) < G_MININT || json_node_get_int (v) > G_MAXINT)
        continue;
      opt.value = (gint) json_node_get_int (v);
      opt.label = g_strdup (outpost_dv_get_string (user, "Label"));
      if (opt.label == NULL)
        opt.label = g_strdup_printf ("%d", opt.value);
      g_array_append_val (array, opt);
    }
  g_clear_pointer (&field->options, g_array_unref);
  field->options = array;
}

void
outpost_dv_option_clear (gpointer data)
{
  g_free (((OutpostOption *) data)->label);
}

static void
apply_attributes (OutpostEntity *entity, JsonObject *root, gboolean options)
{
  JsonArray *value = root ? value_of (root) : NULL;

  for (guint i = 0; value && i < json_array_get_length (value); i++)
    {
      JsonObject *attr = outpost_dv_array_object (value, i);
      const char *name = outpost_dv_get_string (attr, "LogicalName");
      OutpostField *field = name ? outpost_entity_lookup_field (entity, name) : NULL;

      if (field == NULL)
        continue;
      if (options)
        refine_options (field, attr);
      else
        refine_field (field, attr);
    }
}

/* A dropped field must leave the list columns too, or the refined profile no longer parses. */
static void
drop_list_column (OutpostEntity *entity, const char *name)
{
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();

  if (entity->list_columns == NULL || !g_strv_contains ((const char * const *) entity->list_columns, name))
    return;
  for (guint i = 0; entity->list_columns[i] != NULL; i++)
    if (!g_str_equal (entity->list_columns[i], name))
      g_strv_builder_add (kept, entity->list_columns[i]);
  g_strfreev (entity->list_columns);
  entity->list_columns = g_strv_builder_end (kept);
}

/* Fields the server does not have would break every $select: drop them, loudly. */
static void
drop_unknown_fields (OutpostEntity *entity, JsonObject *root)
{
  JsonArray *value = value_of (root);
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; value && i < json_array_get_length (value); i++)
    {
      JsonObject *attr = outpost_dv_array_object (value, i);
      const char *name = outpost_dv_get_string (attr, "LogicalName");
      if (name != NULL)
        g_hash_table_add (known, (gpointer) name);
    }
  if (g_hash_table_size (known) == 0)
    return;
  for (guint i = entity->fields->len; i-- > 0;)
    {
      OutpostField *f = g_ptr_array_index (entity->fields, i);

      if (!g_hash_table_contains (known, f->name) && !g_str_equal (f->name, entity->primary_name))
        {
          /* the engine writes this to the run's sync log (it compares the profiles) */
          g_debug ("The server has no field %s.%s: it is not synchronized", entity->logical_name, f->name);
          drop_list_column (entity, f->name);
          g_ptr_array_remove_index (entity->fields, i);
        }
    }
}

static gboolean
read_attributes (OutpostDataverseConnector *self, OutpostEntity *entity,
                 GCancellable *cancellable, GError **error)
{
  static const char *const casts[] = {
    "Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength",
    "Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=LogicalName,MaxLength",
    "Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets",
  };
  static const char *const option_casts[] = {
    "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet",
    "Microsoft.Dynamics.CRM.StateAttributeMetadata?$select=LogicalName&$expand=OptionSet",
    "Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet",
  };
  g_autofree char *base = g_strdup_printf ("EntityDefinitions(LogicalName='%s')/Attributes",
                                           entity->logical_name);
  g_autofree char *path = g_strconcat (base, "?$select=LogicalName,AttributeTypeName,RequiredLevel,"
                                       "IsValidForCreate,IsValidForUpdate", NULL);
  g_autoptr(JsonObject) root = get_json (self, path, FALSE, cancellable, error);

  if (root == NULL)
    return FALSE;
  drop_unknown_fields (entity, root);
  apply_attributes (entity, root, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (casts) + G_N_ELEMENTS (option_casts); i++)
    {
      gboolean opt = i >= G_N_ELEMENTS (casts);
      g_autofree char *cast = g_strconcat (base, "/", opt ? option_casts[i - G_N_ELEMENTS (casts)]
                                                          : casts[i], NULL);
      g_autoptr(JsonObject) part = get_json (self, cast, TRUE, cancellable, error);

      if (part == NULL)
        return FALSE;
      apply_attributes (entity, part, opt);
    }
  return TRUE;
}

gboolean
outpost_dv_map_attributes (OutpostEntity *entity, GBytes *body, gboolean options,
                           gboolean drop_unknown, GError **error)
{
  g_autoptr(JsonObject) root = outpost_dv_parse_object (body, error);

  if (root == NULL)
    return FALSE;
  if (drop_unknown)
    drop_unknown_fields (entity, root);
  apply_attributes (entity, root, options);
  return TRUE;
}

/* ---- N:N relationships --------------------------------------------------------------------
 * The links of an N:N relationship live in its intersect table, named by the relationship's
 * metadata ("Querying relationship metadata" in webapi/query-metadata-web-api.md; properties
 * from the ManyToManyRelationshipMetadata EntityType reference):
 *   GET EntityDefinitions(LogicalName='account')/ManyToManyRelationships?$select=SchemaName,
 *       IntersectEntityName,Entity1LogicalName,Entity1IntersectAttribute,Entity2LogicalName,
 *       Entity2IntersectAttribute
 *   -> {"value":[{"SchemaName":"accountleads_association","IntersectEntityName":"accountleads",
 *       "Entity1LogicalName":"account","Entity1IntersectAttribute":"accountid",
 *       "Entity2LogicalName":"lead","Entity2IntersectAttribute":"leadid","MetadataId":"..."}]}
 * One request per distinct first entity of the profile's relationships. The intersect
 * table's EntitySetName comes from the EntityDefinitions list already read (it lists
 * intersect tables too), else from EntityDefinitions(LogicalName='<intersect>')?$select=
 * EntitySetName. What is learnt is kept as self->relationships, saved with the rest of the
 * metadata (so an incremental sync asks nothing):
 *   { "<profile relationship>": {"intersect":..,"entity_set":..,"attribute1":..,"attribute2":..} }
 * attribute1 is the column holding the profile's entity1 id (the metadata may name the two
 * entities the other way round). An empty object means the server has no such relationship;
 * a relationship missing from the object was not read (the server refused the query), and
 * the link download falls back to the system tables' naming pattern (outpost-sync-nn.c).
 * The names are used as sent; the link download validates them before they go into a URL. */

#define M2M_SELECT "SchemaName,IntersectEntityName,Entity1LogicalName,Entity1IntersectAttribute," \
                   "Entity2LogicalName,Entity2IntersectAttribute"

static JsonObject *
find_relationship (JsonArray *value, const char *name)
{
  for (guint i = 0; i < json_array_get_length (value); i++)
    {
      JsonObject *rel = outpost_dv_array_object (value, i);
      const char *schema = outpost_dv_get_string (rel, "SchemaName");

      /* SchemaName keeps the publisher's case (new_Account_Project); profile names are lower */
      if (schema != NULL && g_ascii_strcasecmp (schema, name) == 0)
        return rel;
    }
  return NULL;
}

/* The intersect table's entity set, or NULL when the server does not name one. */
static gboolean
intersect_set (OutpostDataverseConnector *self, const char *intersect, char **set,
               GCancellable *cancellable, GError **error)
{
  const char *known = g_hash_table_lookup (self->entity_sets, intersect);
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) def = NULL;

  *set = g_strdup (known);
  if (known != NULL || !outpost_identifier_is_valid (intersect))
    return TRUE;
  path = g_strdup_printf ("EntityDefinitions(LogicalName='%s')?$select=EntitySetName", intersect);
  if ((def = get_json (self, path, TRUE, cancellable, error)) == NULL)
    return FALSE;
  *set = g_strdup (outpost_dv_get_string (def, "EntitySetName"));
  if (*set != NULL)
    g_hash_table_replace (self->entity_sets, g_strdup (intersect), g_strdup (*set));
  return TRUE;
}

/* Fills @out from the relationship's metadata (left empty when it does not fit the profile). */
static gboolean
describe_relationship (OutpostDataverseConnector *self, const OutpostRelationship *r,
                       JsonObject *meta, JsonObject *out, GCancellable *cancellable, GError **error)
{
  const char *e1 = outpost_dv_get_string (meta, "Entity1LogicalName");
  const char *e2 = outpost_dv_get_string (meta, "Entity2LogicalName");
  const char *a1 = outpost_dv_get_string (meta, "Entity1IntersectAttribute");
  const char *a2 = outpost_dv_get_string (meta, "Entity2IntersectAttribute");
  const char *intersect = outpost_dv_get_string (meta, "IntersectEntityName");
  g_autofree char *set = NULL;

  if (g_strcmp0 (e1, r->entity2) == 0 && g_strcmp0 (e2, r->entity1) == 0 &&
      g_strcmp0 (e1, e2) != 0)
    {
      const char *t = a1;
      a1 = a2;
      a2 = t;
    }
  else if (g_strcmp0 (e1, r->entity1) != 0 || g_strcmp0 (e2, r->entity2) != 0)
    {
      g_debug ("The server's %s relates %s and %s, not %s and %s", r->name, e1, e2, r->entity1, r->entity2);
      return TRUE;
    }
  if (intersect == NULL || a1 == NULL || a2 == NULL)
    return TRUE;
  if (!intersect_set (self, intersect, &set, cancellable, error))
    return FALSE;
  if (set == NULL)
    return TRUE;
  json_object_set_string_member (out, "intersect", intersect);
  json_object_set_string_member (out, "entity_set", set);
  json_object_set_string_member (out, "attribute1", a1);
  json_object_set_string_member (out, "attribute2", a2);
  return TRUE;
}

static gboolean
read_relationships (OutpostDataverseConnector *self, OutpostProfile *profile,
                    GCancellable *cancellable, GError **error)
{
  GPtrArray *rels = outpost_profile_get_relationships (profile);
  g_autoptr(JsonObject) learnt = json_object_new ();
  g_autoptr(GHashTable) answers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) json_object_unref);

  for (guint i = 0; i < rels->len; i++)
    {
      const OutpostRelationship *r = g_ptr_array_index (rels, i);
      JsonObject *answer = g_hash_table_lookup (answers, r->entity1);
      JsonObject *meta, *out;

      if (answer == NULL)
        {
          g_autofree char *path = g_strdup_printf ("EntityDefinitions(LogicalName='%s')/"
                                                   "ManyToManyRelationships?$select=" M2M_SELECT,
                                                   r->entity1);
          if ((answer = get_json (self, path, TRUE, cancellable, error)) == NULL)
            return FALSE;
          g_hash_table_insert (answers, r->entity1, answer);
        }
      if (value_of (answer) == NULL)
        continue;   /* refused (4xx): not known */
      out = json_object_new ();
      json_object_set_object_member (learnt, r->name, out);
      meta = find_relationship (value_of (answer), r->name);
      if (meta != NULL && !describe_relationship (self, r, meta, out, cancellable, error))
        return FALSE;
    }
  g_clear_pointer (&self->relationships, json_object_unref);
  self->relationships = g_steal_pointer (&learnt);
  return TRUE;
}

void
outpost_dv_save_relationships (OutpostDataverseConnector *self, JsonObject *out)
{
  if (self->relationships != NULL)
    json_object_set_object_member (out, "relationships", json_object_ref (self->relationships));
}

void
outpost_dv_restore_relationships (OutpostDataverseConnector *self, JsonObject *metadata)
{
  JsonObject *rels = outpost_dv_get_object (metadata, "relationships");

  /* an older cache has none: the link download falls back until the next full sync */
  g_clear_pointer (&self->relationships, json_object_unref);
  if (rels != NULL)
    self->relationships = json_object_ref (rels);
}

gboolean
outpost_dv_read_metadata (OutpostDataverseConnector *self, OutpostProfile *profile,
                          GCancellable *cancellable, GError **error)
{
  if (!read_entity_definitions (self, profile, cancellable, error))
    return FALSE;
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);

      if (!g_hash_table_contains (self->entity_sets, entity->logical_name))
        {
          g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NOT_FOUND,
                       _("The server has no table “%s” that the sync profile names"),
                       entity->logical_name);
          return FALSE;
        }
      if (!read_attributes (self, entity, cancellable, error))
        return FALSE;
    }
  return read_relationships (self, profile, cancellable, error);
}

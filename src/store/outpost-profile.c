/* outpost-profile.c: the sync profile, parsed from JSON.
 *
 * Format (every key not listed is an error, so a typo never passes silently):
 *
 *   {
 *     "name": "Default",                      optional string
 *     "version": 3,                           required integer >= 1
 *     "entities": [ {                         required, at least one
 *       "logical_name": "account",            required identifier, unique
 *       "entity_set": "accounts",             required identifier, unique
 *       "display_name": "Account",            optional (default: logical_name)
 *       "display_plural": "Accounts",         optional (default: entity_set)
 *       "primary_id": "accountid",            required identifier; NOT listed in "fields"
 *       "primary_name": "name",               required; must be one of "fields"
 *       "filter": "statecode eq 0",           optional OData $filter
 *       "conflict_policy": "ServerWins",      optional: ServerWins | ClientWinsChangedFields |
 *                                             ClientWinsFull | Manual (default ServerWins)
 *       "always_full_sync": false,            optional
 *       "list_columns": ["name", ...],        optional field names; first = default sort
 *                                             (default: [primary_name])
 *                                             Lists sort by list_columns[0], primary_name and
 *                                             the fields marked "sortable" (when none is: the
 *                                             list columns that are not lookups, multi-select
 *                                             picklists, identifiers or memos)
 *       "fields": [ {                         required, at least one
 *         "name": "revenue",                  required identifier, unique, not "__..." (reserved
 *                                             by the store for its own columns)
 *         "label": "Annual Revenue",          optional
 *         "type": "money",                    required: string memo integer bigint decimal double
 *                                             money boolean datetime picklist multipicklist
 *                                             lookup uniqueidentifier state status
 *         "required": false, "read_only": false, "searchable": false,   optional booleans
 *         "sortable": false,                  optional boolean: lists may sort by it (the store
 *                                             indexes it); not on lookups, multi-select
 *                                             picklists, identifiers and memos
 *         "max_length": 100,                  optional integer >= 0 (strings, memos)
 *         "precision": 2,                     optional integer >= 0 (decimal, money)
 *         "min": 0, "max": 1000000,           optional numbers (absent = unbounded)
 *         "behavior": "date_only",            datetime only: user_local (default) | date_only |
 *                                             time_zone_independent
 *         "options": [ {"value": 1, "label": "Hot"} ],   picklist, multipicklist, state, status
 *         "targets": ["account", "contact"]   lookup only, required for lookups
 *         "format": "url"                     optional: text (default); url | email | phone
 *                                             (strings); attachment (memos: a Base64 file body)
 *       } ]
 *     } ],
 *     "relationships": [ {                    optional N:N relationships
 *       "name": "accountleads_association", "entity1": "account", "entity2": "lead",
 *       "navigation1": "accountleads_association"
 *     } ]
 *   }
 *
 * Errors name the path of the offending key, e.g.
 * "entities[2].fields[5].type: unknown type 'strng'". A profile is built completely or not at
 * all: the parse works on a private object that is only returned when everything passed. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-profile.h"
#include "outpost-profile-private.h"
#include "outpost-store-error.h"

struct _OutpostProfile {
  gint       ref_count;
  char      *name;
  gint64     version;
  GPtrArray *entities;       /* OutpostEntity* */
  GPtrArray *relationships;  /* OutpostRelationship* */
};

G_DEFINE_BOXED_TYPE (OutpostProfile, outpost_profile, outpost_profile_ref, outpost_profile_unref)

static const char *const field_type_names[] = {
  "string", "memo", "integer", "bigint", "decimal", "double", "money", "boolean", "datetime",
  "picklist", "multipicklist", "lookup", "uniqueidentifier", "state", "status",
};

static const char *const policy_names[] = {
  "ServerWins", "ClientWinsChangedFields", "ClientWinsFull", "Manual",
};

static const char *const behavior_names[] = {
  "user_local", "date_only", "time_zone_independent",
};

static const char *const format_names[] = {
  "text", "url", "email", "phone", "attachment", "html",
};

/* ---- small public helpers ---------------------------------------------------------------- */

const char *
outpost_datetime_behavior_to_string (OutpostDateTimeBehavior behavior)
{
  return behavior_names[behavior];
}

const char *
outpost_field_format_to_string (OutpostFieldFormat format)
{
  return format_names[format];
}

gboolean
outpost_identifier_is_valid (const char *name)
{
  gsize len;

  if (name == NULL || name[0] == '\0')
    return FALSE;
  len = strlen (name);
  if (len > 64)
    return FALSE;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    {
      char c = name[i];
      if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        return FALSE;
    }
  return TRUE;
}

const char *
outpost_field_type_to_string (OutpostFieldType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (field_type_names), NULL);
  return field_type_names[type];
}

gboolean
outpost_field_type_from_string (const char *str, OutpostFieldType *type)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (field_type_names); i++)
    if (g_str_equal (str, field_type_names[i]))
      {
        *type = (OutpostFieldType) i;
        return TRUE;
      }
  return FALSE;
}

const char *
outpost_conflict_policy_to_string (OutpostConflictPolicy policy)
{
  g_return_val_if_fail ((guint) policy < G_N_ELEMENTS (policy_names), NULL);
  return policy_names[policy];
}

static gboolean
lookup_name (const char *const *names, guint n, const char *str, gint *out)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (str, names[i]))
      {
        *out = (gint) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- freeing ----------------------------------------------------------------------------- */

static void
field_free (OutpostField *field)
{
  if (field == NULL)
    return;
  g_free (field->name);
  g_free (field->label);
  g_clear_pointer (&field->options, g_array_unref);
  g_strfreev (field->targets);
  g_free (field);
}

static void
option_clear (gpointer data)
{
  OutpostOption *option = data;
  g_free (option->label);
}

static void
entity_free (OutpostEntity *entity)
{
  if (entity == NULL)
    return;
  g_free (entity->logical_name);
  g_free (entity->entity_set);
  g_free (entity->display_name);
  g_free (entity->display_plural);
  g_free (entity->primary_id);
  g_free (entity->primary_name);
  g_clear_pointer (&entity->fields, g_ptr_array_unref);
  g_free (entity->filter);
  g_strfreev (entity->list_columns);
  g_strfreev (entity->sort_columns);
  g_free (entity);
}

static void
relationship_free (OutpostRelationship *rel)
{
  if (rel == NULL)
    return;
  g_free (rel->name);
  g_free (rel->entity1);
  g_free (rel->entity2);
  g_free (rel->navigation1);
  g_free (rel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostField, field_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostEntity, entity_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostRelationship, relationship_free)

OutpostProfile *
outpost_profile_ref (OutpostProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
outpost_profile_unref (OutpostProfile *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->name);
  g_ptr_array_unref (self->entities);
  g_ptr_array_unref (self->relationships);
  g_free (self);
}

static OutpostProfile *
profile_alloc (void)
{
  OutpostProfile *self = g_new0 (OutpostProfile, 1);
  self->ref_count = 1;
  self->entities = g_ptr_array_new_with_free_func ((GDestroyNotify) entity_free);
  self->relationships = g_ptr_array_new_with_free_func ((GDestroyNotify) relationship_free);
  return self;
}

/* ---- parsing helpers: each names the path on error ---------------------------------------- */

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, const char *path, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_PROFILE, "%s: %s",
               (path && *path) ? path : "(root)", msg);
  return FALSE;
}

static char *
sub_path (const char *path, const char *key)
{
  return (path && *path) ? g_strdup_printf ("%s.%s", path, key) : g_strdup (key);
}

static gboolean
check_keys (JsonObject *obj, const char *path, const char *const *allowed, GError **error)
{
  g_autoptr(GList) members = json_object_get_members (obj);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return fail (error, path, _("unknown key '%s'"), (const char *) l->data);
  return TRUE;
}

static JsonNode *
member (JsonObject *obj, const char *key)
{
  return json_object_has_member (obj, key) ? json_object_get_member (obj, key) : NULL;
}

static gboolean
get_string (JsonObject *obj, const char *path, const char *key, gboolean required,
            gboolean identifier, char **out, GError **error)
{
  JsonNode *node = member (obj, key);
  g_autofree char *p = sub_path (path, key);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? fail (error, p, _("required key is missing")) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, p, _("expected a string"));
  value = json_node_get_string (node);
  if (identifier && !outpost_identifier_is_valid (value))
    return fail (error, p, _("'%s' is not a valid identifier (lower-case letters, digits and "
                             "'_', at most 64 characters)"), value);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj, const char *path, const char *key, gboolean *out, GError **error)
{
  JsonNode *node = member (obj, key);
  g_autofree char *p = sub_path (path, key);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (error, p, _("expected true or false"));
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_int (JsonObject *obj, const char *path, const char *key, gint64 min, gint64 *out,
         GError **error)
{
  JsonNode *node = member (obj, key);
  g_autofree char *p = sub_path (path, key);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, p, _("expected an integer"));
  *out = json_node_get_int (node);
  if (*out < min)
    return fail (error, p, _("must be at least %" PRId64), min);
  return TRUE;
}

static gboolean
get_number (JsonObject *obj, const char *path, const char *key, gboolean *present,
            gdouble *out, GError **error)
{
  JsonNode *node = member (obj, key);
  g_autofree char *p = sub_path (path, key);
  GType t;

  *present = FALSE;
  if (node == NULL)
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return fail (error, p, _("expected a number"));
  *out = json_node_get_double (node);
  *present = TRUE;
  return TRUE;
}

static JsonArray *
get_array (JsonObject *obj, const char *path, const char *key, gboolean required,
           gboolean *failed, GError **error)
{
  JsonNode *node = member (obj, key);
  g_autofree char *p = sub_path (path, key);

  *failed = FALSE;
  if (node == NULL)
    {
      if (required)
        *failed = !fail (error, p, _("required key is missing"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *failed = !fail (error, p, _("expected an array"));
      return NULL;
    }
  return json_node_get_array (node);
}

static JsonObject *
array_object (JsonArray *array, guint i, const char *path, const char *key, char **item_path,
              GError **error)
{
  JsonNode *node = json_array_get_element (array, i);

  *item_path = (path && *path) ? g_strdup_printf ("%s.%s[%u]", path, key, i)
                               : g_strdup_printf ("%s[%u]", key, i);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, *item_path, _("expected an object"));
      return NULL;
    }
  return json_node_get_object (node);
}

/* An array of identifiers, e.g. targets or list_columns. */
static gboolean
get_ident_list (JsonObject *obj, const char *path, const char *key, GStrv *out, GError **error)
{
  gboolean failed;
  JsonArray *array = get_array (obj, path, key, FALSE, &failed, error);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (array == NULL)
    return !failed;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *p = g_strdup_printf ("%s%s%s[%u]", path, *path ? "." : "", key, i);
      const char *s;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return fail (error, p, _("expected a string"));
      s = json_node_get_string (node);
      if (!outpost_identifier_is_valid (s))
        return fail (error, p, _("'%s' is not a valid identifier"), s);
      g_strv_builder_add (builder, s);
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* ---- fields ------------------------------------------------------------------------------ */

static gboolean
parse_options (JsonObject *obj, const char *path, OutpostField *field, GError **error)
{
  static const char *const keys[] = { "value", "label", NULL };
  gboolean failed;
  JsonArray *array = get_array (obj, path, "options", FALSE, &failed, error);

  if (array == NULL)
    return !failed;
  if (field->type != OUTPOST_FIELD_PICKLIST && field->type != OUTPOST_FIELD_MULTI_PICKLIST &&
      field->type != OUTPOST_FIELD_STATE && field->type != OUTPOST_FIELD_STATUS)
    return fail (error, path, _("options are only allowed on picklist, multipicklist, state and "
                                "status fields"));
  field->options = g_array_new (FALSE, TRUE, sizeof (OutpostOption));
  g_array_set_clear_func (field->options, option_clear);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = array_object (array, i, path, "options", &p, error);
      OutpostOption option = { 0, NULL };
      gint64 value = G_MININT64;

      if (o == NULL || !check_keys (o, p, keys, error))
        return FALSE;
      if (!member (o, "value"))
        {
          g_autofree char *vp = sub_path (p, "value");
          return fail (error, vp, _("required key is missing"));
        }
      if (!get_int (o, p, "value", G_MININT32, &value, error) ||
          !get_string (o, p, "label", TRUE, FALSE, &option.label, error))
        return FALSE;
      option.value = (gint) value;
      g_array_append_val (field->options, option);
    }
  return TRUE;
}

static gboolean
parse_field_numbers (JsonObject *obj, const char *path, OutpostField *field, GError **error)
{
  gint64 max_length = 0, precision = 0;
  gboolean has_min, has_max;
  gdouble min = 0, max = 0;

  if (!get_int (obj, path, "max_length", 0, &max_length, error) ||
      !get_int (obj, path, "precision", 0, &precision, error) ||
      !get_number (obj, path, "min", &has_min, &min, error) ||
      !get_number (obj, path, "max", &has_max, &max, error))
    return FALSE;
  if (max_length > G_MAXINT || precision > 10)
    return fail (error, path, _("max_length or precision out of range"));
  field->max_length = (gint) max_length;
  field->precision = (gint) precision;
  if (has_min && has_max && min > max)
    return fail (error, path, _("min is greater than max"));
  /* min > max encodes "unbounded" in OutpostField */
  field->min_value = has_min ? min : (has_max ? -G_MAXDOUBLE : 1);
  field->max_value = has_max ? max : (has_min ? G_MAXDOUBLE : 0);
  return TRUE;
}

static gboolean
parse_field_type (JsonObject *obj, const char *path, OutpostField *field, GError **error)
{
  g_autofree char *type = NULL;
  g_autofree char *behavior = NULL;
  g_autofree char *tp = sub_path (path, "type");
  g_autofree char *bp = sub_path (path, "behavior");
  gint b = 0;

  if (!get_string (obj, path, "type", TRUE, FALSE, &type, error))
    return FALSE;
  if (!outpost_field_type_from_string (type, &field->type))
    return fail (error, tp, _("unknown type '%s'"), type);
  if (!get_string (obj, path, "behavior", FALSE, FALSE, &behavior, error))
    return FALSE;
  if (behavior != NULL && field->type != OUTPOST_FIELD_DATETIME)
    return fail (error, bp, _("only datetime fields have a behavior"));
  if (behavior != NULL && !lookup_name (behavior_names, G_N_ELEMENTS (behavior_names), behavior, &b))
    return fail (error, bp, _("unknown behavior '%s'"), behavior);
  field->datetime_behavior = (OutpostDateTimeBehavior) b;
  return TRUE;
}

static gboolean
parse_field_format (JsonObject *obj, const char *path, OutpostField *field, GError **error)
{
  g_autofree char *format = NULL;
  g_autofree char *fp = sub_path (path, "format");
  gint f = 0;

  if (!get_string (obj, path, "format", FALSE, FALSE, &format, error))
    return FALSE;
  if (format != NULL && !lookup_name (format_names, G_N_ELEMENTS (format_names), format, &f))
    return fail (error, fp, _("unknown format '%s'"), format);
  field->format = (OutpostFieldFormat) f;
  if (field->format == OUTPOST_FIELD_FORMAT_ATTACHMENT && field->type != OUTPOST_FIELD_MEMO)
    return fail (error, fp, _("only memo fields hold an attachment"));
  if (field->format == OUTPOST_FIELD_FORMAT_HTML && field->type != OUTPOST_FIELD_MEMO)
    return fail (error, fp, _("only memo fields hold HTML"));
  if (field->format != OUTPOST_FIELD_FORMAT_TEXT && field->format != OUTPOST_FIELD_FORMAT_ATTACHMENT &&
      field->format != OUTPOST_FIELD_FORMAT_HTML && field->type != OUTPOST_FIELD_STRING)
    return fail (error, fp, _("only string fields are web sites, e-mail addresses or phone numbers"));
  return TRUE;
}

/* Sorting by a GUID, a list of values or a long text means nothing to a user. */
static gboolean
can_sort (OutpostField *field)
{
  return field->type != OUTPOST_FIELD_LOOKUP && field->type != OUTPOST_FIELD_MULTI_PICKLIST &&
         field->type != OUTPOST_FIELD_UNIQUEIDENTIFIER && field->type != OUTPOST_FIELD_MEMO;
}

static OutpostField *
parse_field (JsonObject *obj, const char *path, GError **error)
{
  static const char *const keys[] = {
    "name", "label", "type", "required", "read_only", "searchable", "sortable", "max_length", "precision",
    "min", "max", "behavior", "options", "targets", "format", NULL
  };
  g_autoptr(OutpostField) field = g_new0 (OutpostField, 1);
  g_autofree char *tp = sub_path (path, "targets");
  g_autofree char *np = sub_path (path, "name");
  g_autofree char *sp = sub_path (path, "sortable");

  if (!check_keys (obj, path, keys, error) ||
      !get_string (obj, path, "name", TRUE, TRUE, &field->name, error) ||
      !get_string (obj, path, "label", FALSE, FALSE, &field->label, error) ||
      !parse_field_type (obj, path, field, error) ||
      !get_bool (obj, path, "required", &field->required, error) ||
      !get_bool (obj, path, "read_only", &field->read_only, error) ||
      !get_bool (obj, path, "searchable", &field->searchable, error) ||
      !get_bool (obj, path, "sortable", &field->sortable, error) ||
      !parse_field_numbers (obj, path, field, error) ||
      !parse_options (obj, path, field, error) ||
      !get_ident_list (obj, path, "targets", &field->targets, error) ||
      !parse_field_format (obj, path, field, error))
    return NULL;
  if (g_str_has_prefix (field->name, "__"))
    return fail (error, np, _("names starting with '__' are reserved")), NULL;
  if (field->type == OUTPOST_FIELD_LOOKUP && (field->targets == NULL || field->targets[0] == NULL))
    return fail (error, tp, _("a lookup needs at least one target")), NULL;
  if (field->type != OUTPOST_FIELD_LOOKUP && field->targets != NULL)
    return fail (error, tp, _("only lookups have targets")), NULL;
  if (field->sortable && !can_sort (field))
    return fail (error, sp, _("lists cannot be sorted by a field of type %s"),
                 outpost_field_type_to_string (field->type)), NULL;
  return g_steal_pointer (&field);
}


/* ---- entities ---------------------------------------------------------------------------- */

static gboolean
parse_fields (JsonObject *obj, const char *path, OutpostEntity *entity, GError **error)
{
  gboolean failed;
  JsonArray *array = get_array (obj, path, "fields", TRUE, &failed, error);
  g_autofree char *fp = sub_path (path, "fields");

  if (array == NULL)
    return FALSE;
  if (json_array_get_length (array) == 0)
    return fail (error, fp, _("at least one field is needed"));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = array_object (array, i, path, "fields", &p, error);
      OutpostField *field;
      g_autofree char *np = NULL;

      if (o == NULL || (field = parse_field (o, p, error)) == NULL)
        return FALSE;
      g_ptr_array_add (entity->fields, field);
      np = sub_path (p, "name");
      if (outpost_entity_lookup_field (entity, field->name) != field)
        return fail (error, np, _("duplicate field '%s'"), field->name);
      if (g_str_equal (field->name, entity->primary_id))
        return fail (error, np, _("the primary id '%s' is implicit and must not be listed"),
                     field->name);
    }
  return TRUE;
}

static void
add_unique (GPtrArray *names, const char *name)
{
  if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
    g_ptr_array_add (names, g_strdup (name));
}

/* See OutpostEntity.sort_columns. */
static GStrv
sort_columns (OutpostEntity *entity)
{
  GPtrArray *names = g_ptr_array_new ();
  gboolean marked = FALSE;

  add_unique (names, entity->list_columns[0]);
  add_unique (names, entity->primary_name);
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *f = entity->fields->pdata[i];
      marked |= f->sortable;
      if (f->sortable)
        add_unique (names, f->name);
    }
  for (guint i = 0; !marked && entity->list_columns[i]; i++)
    if (can_sort (outpost_entity_lookup_field (entity, entity->list_columns[i])))
      add_unique (names, entity->list_columns[i]);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static gboolean
check_entity_refs (OutpostEntity *entity, const char *path, GError **error)
{
  g_autofree char *pp = sub_path (path, "primary_name");
  g_autofree char *lp = sub_path (path, "list_columns");

  if (outpost_entity_lookup_field (entity, entity->primary_name) == NULL)
    return fail (error, pp, _("'%s' is not one of the entity's fields"), entity->primary_name);
  if (entity->list_columns == NULL)
    {
      entity->list_columns = g_new0 (char *, 2);
      entity->list_columns[0] = g_strdup (entity->primary_name);
    }
  for (guint i = 0; entity->list_columns[i]; i++)
    if (outpost_entity_lookup_field (entity, entity->list_columns[i]) == NULL)
      return fail (error, lp, _("'%s' is not one of the entity's fields"),
                   entity->list_columns[i]);
  if (entity->list_columns[0] == NULL)
    return fail (error, lp, _("at least one column is needed"));
  entity->sort_columns = sort_columns (entity);
  return TRUE;
}

static gboolean
parse_policy (JsonObject *obj, const char *path, OutpostEntity *entity, GError **error)
{
  g_autofree char *policy = NULL;
  g_autofree char *p = sub_path (path, "conflict_policy");
  gint v = 0;

  if (!get_string (obj, path, "conflict_policy", FALSE, FALSE, &policy, error))
    return FALSE;
  if (policy != NULL && !lookup_name (policy_names, G_N_ELEMENTS (policy_names), policy, &v))
    return fail (error, p, _("unknown conflict policy '%s'"), policy);
  entity->conflict_policy = (OutpostConflictPolicy) v;
  return TRUE;
}

static OutpostEntity *
parse_entity (JsonObject *obj, const char *path, GError **error)
{
  static const char *const keys[] = {
    "logical_name", "entity_set", "display_name", "display_plural", "primary_id",
    "primary_name", "filter", "conflict_policy", "always_full_sync", "list_columns", "fields",
    NULL
  };
  g_autoptr(OutpostEntity) entity = g_new0 (OutpostEntity, 1);

  entity->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  if (!check_keys (obj, path, keys, error) ||
      !get_string (obj, path, "logical_name", TRUE, TRUE, &entity->logical_name, error) ||
      !get_string (obj, path, "entity_set", TRUE, TRUE, &entity->entity_set, error) ||
      !get_string (obj, path, "display_name", FALSE, FALSE, &entity->display_name, error) ||
      !get_string (obj, path, "display_plural", FALSE, FALSE, &entity->display_plural, error) ||
      !get_string (obj, path, "primary_id", TRUE, TRUE, &entity->primary_id, error) ||
      !get_string (obj, path, "primary_name", TRUE, TRUE, &entity->primary_name, error) ||
      !get_string (obj, path, "filter", FALSE, FALSE, &entity->filter, error) ||
      !parse_policy (obj, path, entity, error) ||
      !get_bool (obj, path, "always_full_sync", &entity->always_full_sync, error) ||
      !get_ident_list (obj, path, "list_columns", &entity->list_columns, error) ||
      !parse_fields (obj, path, entity, error) ||
      !check_entity_refs (entity, path, error))
    return NULL;
  if (entity->display_name == NULL)
    entity->display_name = g_strdup (entity->logical_name);
  if (entity->display_plural == NULL)
    entity->display_plural = g_strdup (entity->entity_set);
  return g_steal_pointer (&entity);
}

static gboolean
parse_entities (JsonObject *root, OutpostProfile *profile, GError **error)
{
  gboolean failed;
  JsonArray *array = get_array (root, "", "entities", TRUE, &failed, error);

  if (array == NULL)
    return FALSE;
  if (json_array_get_length (array) == 0)
    return fail (error, "entities", _("at least one entity is needed"));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = array_object (array, i, "", "entities", &p, error);
      OutpostEntity *entity;

      if (o == NULL || (entity = parse_entity (o, p, error)) == NULL)
        return FALSE;
      g_ptr_array_add (profile->entities, entity);
      if (outpost_profile_lookup_entity (profile, entity->logical_name) != entity ||
          outpost_profile_lookup_entity_set (profile, entity->entity_set) != entity)
        return fail (error, p, _("duplicate entity '%s'"), entity->logical_name);
    }
  return TRUE;
}

static OutpostRelationship *
parse_relationship (OutpostProfile *profile, JsonObject *obj, const char *path, GError **error)
{
  static const char *const keys[] = { "name", "entity1", "entity2", "navigation1", NULL };
  g_autoptr(OutpostRelationship) rel = g_new0 (OutpostRelationship, 1);

  if (!check_keys (obj, path, keys, error) ||
      !get_string (obj, path, "name", TRUE, TRUE, &rel->name, error) ||
      !get_string (obj, path, "entity1", TRUE, TRUE, &rel->entity1, error) ||
      !get_string (obj, path, "entity2", TRUE, TRUE, &rel->entity2, error) ||
      !get_string (obj, path, "navigation1", FALSE, TRUE, &rel->navigation1, error))
    return NULL;
  if (outpost_profile_lookup_entity (profile, rel->entity1) == NULL)
    return fail (error, path, _("entity1 '%s' is not in the profile"), rel->entity1), NULL;
  if (outpost_profile_lookup_entity (profile, rel->entity2) == NULL)
    return fail (error, path, _("entity2 '%s' is not in the profile"), rel->entity2), NULL;
  if (rel->navigation1 == NULL)
    rel->navigation1 = g_strdup (rel->name);
  return g_steal_pointer (&rel);
}

static gboolean
parse_relationships (JsonObject *root, OutpostProfile *profile, GError **error)
{
  gboolean failed;
  JsonArray *array = get_array (root, "", "relationships", FALSE, &failed, error);

  if (array == NULL)
    return !failed;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = array_object (array, i, "", "relationships", &p, error);
      OutpostRelationship *rel;

      if (o == NULL || (rel = parse_relationship (profile, o, p, error)) == NULL)
        return FALSE;
      for (guint j = 0; j < profile->relationships->len; j++)
        if (g_str_equal (((OutpostRelationship *) profile->relationships->pdata[j])->name,
                         rel->name))
          {
            relationship_free (rel);
            return fail (error, p, _("duplicate relationship"));
          }
      g_ptr_array_add (profile->relationships, rel);
    }
  return TRUE;
}

static OutpostProfile *
parse_root (JsonNode *node, GError **error)
{
  static const char *const keys[] = { "name", "version", "entities", "relationships", NULL };
  g_autoptr(OutpostProfile) profile = profile_alloc ();
  JsonObject *root;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, "", _("the profile must be a JSON object")), NULL;
  root = json_node_get_object (node);
  profile->version = 0;
  if (!check_keys (root, "", keys, error) ||
      !get_string (root, "", "name", FALSE, FALSE, &profile->name, error))
    return NULL;
  if (!member (root, "version"))
    return fail (error, "version", _("required key is missing")), NULL;
  if (!get_int (root, "", "version", 1, &profile->version, error) ||
      !parse_entities (root, profile, error) ||
      !parse_relationships (root, profile, error))
    return NULL;
  if (profile->name == NULL)
    profile->name = g_strdup ("profile");
  return g_steal_pointer (&profile);
}

OutpostProfile *
outpost_profile_new_from_data (const char *json, gssize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (json != NULL, NULL);
  if (!json_parser_load_from_data (parser, json, length, &local))
    {
      g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_PROFILE,
                   _("The profile is not valid JSON: %s"), local->message);
      return NULL;
    }
  return parse_root (json_parser_get_root (parser), error);
}

OutpostProfile *
outpost_profile_new_from_file (GFile *file, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
    return NULL;
  return outpost_profile_new_from_data (data, (gssize) len, error);
}

GResource *outpost_store_get_resource (void);

OutpostProfile *
outpost_profile_new_default (GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  const char *data;

  /* Looked up in the compiled-in resource directly (not the global registry) so the object
   * holding it is always linked from the static library. */
  bytes = g_resource_lookup_data (outpost_store_get_resource (),
                                  "/io/github/outpostcrm/Outpost/core/profile.json",
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return outpost_profile_new_from_data (data, (gssize) len, error);
}

/* ---- accessors ----------------------------------------------------------------------------- */

const char *
outpost_profile_get_name (OutpostProfile *self)
{
  return self->name;
}

gint64
outpost_profile_get_version (OutpostProfile *self)
{
  return self->version;
}

guint
outpost_profile_get_n_entities (OutpostProfile *self)
{
  return self->entities->len;
}

OutpostEntity *
outpost_profile_get_entity_at (OutpostProfile *self, guint index)
{
  g_return_val_if_fail (index < self->entities->len, NULL);
  return self->entities->pdata[index];
}

OutpostEntity *
outpost_profile_lookup_entity (OutpostProfile *self, const char *logical_name)
{
  for (guint i = 0; logical_name != NULL && i < self->entities->len; i++)
    {
      OutpostEntity *e = self->entities->pdata[i];
      if (g_str_equal (e->logical_name, logical_name))
        return e;
    }
  return NULL;
}

OutpostEntity *
outpost_profile_lookup_entity_set (OutpostProfile *self, const char *entity_set)
{
  for (guint i = 0; entity_set != NULL && i < self->entities->len; i++)
    {
      OutpostEntity *e = self->entities->pdata[i];
      if (g_str_equal (e->entity_set, entity_set))
        return e;
    }
  return NULL;
}

GPtrArray *
outpost_profile_get_relationships (OutpostProfile *self)
{
  return self->relationships;
}

gboolean
outpost_entity_is_sortable (OutpostEntity *entity, const char *name)
{
  return name != NULL && entity->sort_columns != NULL &&
         g_strv_contains ((const char *const *) entity->sort_columns, name);
}

OutpostField *
outpost_entity_lookup_field (OutpostEntity *entity, const char *name)
{
  for (guint i = 0; name != NULL && i < entity->fields->len; i++)
    {
      OutpostField *f = entity->fields->pdata[i];
      if (g_str_equal (f->name, name))
        return f;
    }
  return NULL;
}

const char *
outpost_option_label (OutpostField *field, gint value)
{
  for (guint i = 0; field->options != NULL && i < field->options->len; i++)
    {
      OutpostOption *o = &g_array_index (field->options, OutpostOption, i);
      if (o->value == value)
        return o->label;
    }
  return NULL;
}

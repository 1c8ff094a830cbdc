/* outpost-profile-json.c: a parsed profile written back as JSON (the store keeps the profile its
 * entity tables were built from). Only keys with non-default values are written, so the result
 * parses back to the same profile (outpost-profile.c). */
#include "config.h"

#include "outpost-profile.h"
#include "outpost-profile-private.h"

static void
add_strv (JsonBuilder *b, const char *key, GStrv strv)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; strv[i]; i++)
    json_builder_add_string_value (b, strv[i]);
  json_builder_end_array (b);
}

static void
add_string (JsonBuilder *b, const char *key, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static void
add_bool (JsonBuilder *b, const char *key, gboolean value)
{
  if (!value)
    return;
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, TRUE);
}

static void
add_options (JsonBuilder *b, GArray *options)
{
  json_builder_set_member_name (b, "options");
  json_builder_begin_array (b);
  for (guint i = 0; i < options->len; i++)
    {
      OutpostOption *o = &g_array_index (options, OutpostOption, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "value");
      json_builder_add_int_value (b, o->value);
      add_string (b, "label", o->label);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_field (JsonBuilder *b, OutpostField *f)
{
  json_builder_begin_object (b);
  add_string (b, "name", f->name);
  add_string (b, "label", f->label);
  add_string (b, "type", outpost_field_type_to_string (f->type));
  add_bool (b, "required", f->required);
  add_bool (b, "read_only", f->read_only);
  add_bool (b, "searchable", f->searchable);
  add_bool (b, "sortable", f->sortable);
  if (f->max_length > 0)
    json_builder_set_member_name (b, "max_length"), json_builder_add_int_value (b, f->max_length);
  if (f->precision > 0)
    json_builder_set_member_name (b, "precision"), json_builder_add_int_value (b, f->precision);
  if (f->min_value <= f->max_value && f->min_value > -G_MAXDOUBLE)
    json_builder_set_member_name (b, "min"), json_builder_add_double_value (b, f->min_value);
  if (f->min_value <= f->max_value && f->max_value < G_MAXDOUBLE)
    json_builder_set_member_name (b, "max"), json_builder_add_double_value (b, f->max_value);
  if (f->type == OUTPOST_FIELD_DATETIME && f->datetime_behavior != OUTPOST_DATETIME_USER_LOCAL)
    add_string (b, "behavior", outpost_datetime_behavior_to_string (f->datetime_behavior));
  if (f->options != NULL)
    add_options (b, f->options);
  if (f->targets != NULL)
    add_strv (b, "targets", f->targets);
  if (f->format != OUTPOST_FIELD_FORMAT_TEXT)
    add_string (b, "format", outpost_field_format_to_string (f->format));
  json_builder_end_object (b);
}

static void
add_entity (JsonBuilder *b, OutpostEntity *e)
{
  json_builder_begin_object (b);
  add_string (b, "logical_name", e->logical_name);
  add_string (b, "entity_set", e->entity_set);
  add_string (b, "display_name", e->display_name);
  add_string (b, "display_plural", e->display_plural);
  add_string (b, "primary_id", e->primary_id);
  add_string (b, "primary_name", e->primary_name);
  add_string (b, "filter", e->filter);
  add_string (b, "conflict_policy", outpost_conflict_policy_to_string (e->conflict_policy));
  add_bool (b, "always_full_sync", e->always_full_sync);
  add_strv (b, "list_columns", e->list_columns);
  json_builder_set_member_name (b, "fields");
  json_builder_begin_array (b);
  for (guint i = 0; i < e->fields->len; i++)
    add_field (b, e->fields->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_relationships (JsonBuilder *b, GPtrArray *rels)
{
  json_builder_set_member_name (b, "relationships");
  json_builder_begin_array (b);
  for (guint i = 0; i < rels->len; i++)
    {
      OutpostRelationship *r = rels->pdata[i];
      json_builder_begin_object (b);
      add_string (b, "name", r->name);
      add_string (b, "entity1", r->entity1);
      add_string (b, "entity2", r->entity2);
      add_string (b, "navigation1", r->navigation1);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

char *
outpost_profile_to_json (OutpostProfile *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_string (b, "name", outpost_profile_get_name (self));
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, outpost_profile_get_version (self));
  json_builder_set_member_name (b, "entities");
  json_builder_begin_array (b);
  for (guint i = 0; i < outpost_profile_get_n_entities (self); i++)
    add_entity (b, outpost_profile_get_entity_at (self, i));
  json_builder_end_array (b);
  add_relationships (b, outpost_profile_get_relationships (self));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

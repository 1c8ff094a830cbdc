/* outpost-cli-values.c: FIELD=VALUE arguments turned into typed JSON values. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "outpost-cli-private.h"

static gboolean
parse_int (const char *text, gint64 *out)
{
  char *end = NULL;

  *out = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0';
}

static gboolean
parse_double (const char *text, gdouble *out)
{
  char *end = NULL;

  *out = g_ascii_strtod (text, &end);
  return end != text && *end == '\0';
}

static gboolean
parse_option (OutpostField *field, const char *text, gint64 *out)
{
  if (parse_int (text, out))
    return TRUE;
  for (guint i = 0; field->options != NULL && i < field->options->len; i++)
    {
      OutpostOption *option = &g_array_index (field->options, OutpostOption, i);
      if (option->label != NULL && g_ascii_strcasecmp (option->label, text) == 0)
        {
          *out = option->value;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
parse_boolean (const char *text, gboolean *out)
{
  static const char *const yes[] = { "true", "yes", "1", "on", NULL };
  static const char *const no[] = { "false", "no", "0", "off", NULL };
  g_autofree char *lower = g_ascii_strdown (text, -1);

  *out = g_strv_contains (yes, lower);
  return *out || g_strv_contains (no, lower);
}

/* "entity:guid" names a lookup's target too; a bare GUID leaves it to the field's only target. */
static void
set_lookup (JsonObject *values, OutpostField *field, const char *text)
{
  const char *colon = strchr (text, ':');

  if (colon == NULL)
    {
      json_object_set_string_member (values, field->name, text);
      return;
    }
  {
    g_autofree char *target = g_strndup (text, colon - text);
    g_autofree char *key = g_strconcat (field->name, "@target", NULL);
    json_object_set_string_member (values, field->name, colon + 1);
    json_object_set_string_member (values, key, target);
  }
}

static gboolean
set_value (JsonObject *values, OutpostField *field, const char *text, GError **error)
{
  gint64 i;
  gdouble d;
  gboolean b;

  if (*text == '\0')
    {
      json_object_set_null_member (values, field->name);
      return TRUE;
    }
  switch (field->type)
    {
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
      if (!parse_int (text, &i))
        break;
      json_object_set_int_member (values, field->name, i);
      return TRUE;
    case OUTPOST_FIELD_PICKLIST:
    case OUTPOST_FIELD_STATE:
    case OUTPOST_FIELD_STATUS:
      if (!parse_option (field, text, &i))
        break;
      json_object_set_int_member (values, field->name, i);
      return TRUE;
    case OUTPOST_FIELD_DECIMAL:
    case OUTPOST_FIELD_DOUBLE:
    case OUTPOST_FIELD_MONEY:
      if (!parse_double (text, &d))
        break;
      json_object_set_double_member (values, field->name, d);
      return TRUE;
    case OUTPOST_FIELD_BOOLEAN:
      if (!parse_boolean (text, &b))
        break;
      json_object_set_boolean_member (values, field->name, b);
      return TRUE;
    case OUTPOST_FIELD_LOOKUP:
      set_lookup (values, field, text);
      return TRUE;
    default:
      json_object_set_string_member (values, field->name, text);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("%s: “%s” is not a valid %s value"), field->name, text,
               outpost_field_type_to_string (field->type));
  return FALSE;
}

JsonObject *
outpost_cli_parse_assignments (OutpostEntity *entity, char **assignments, GError **error)
{
  g_autoptr(JsonObject) values = json_object_new ();

  for (guint n = 0; assignments != NULL && assignments[n] != NULL; n++)
    {
      const char *eq = strchr (assignments[n], '=');
      g_autofree char *name = NULL;
      OutpostField *field;

      if (eq == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not FIELD=VALUE"), assignments[n]);
          return NULL;
        }
      name = g_strndup (assignments[n], eq - assignments[n]);
      field = outpost_entity_lookup_field (entity, name);
      if (field == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("%s has no field “%s”"), entity->logical_name, name);
          return NULL;
        }
      if (!set_value (values, field, eq + 1, error))
        return NULL;
    }
  return g_steal_pointer (&values);
}

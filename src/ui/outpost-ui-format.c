/* outpost-ui-format.c: display and parsing of field values. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpost-ui-format.h"

static gboolean
node_is_empty (JsonNode *value)
{
  return value == NULL || JSON_NODE_HOLDS_NULL (value);
}

static gint
field_decimals (OutpostField *field)
{
  switch (field->type)
    {
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
      return 0;
    case OUTPOST_FIELD_MONEY:
    case OUTPOST_FIELD_DECIMAL:
      return field->precision > 0 ? field->precision : 2;
    default:
      return field->precision > 0 ? field->precision : -1;
    }
}

char *
outpost_format_number (OutpostField *field, gdouble value)
{
  gint decimals = field_decimals (field);

  /* %' groups thousands and the decimal point follows LC_NUMERIC. */
  if (decimals < 0)
    return g_strdup_printf ("%'g", value);
  return g_strdup_printf ("%'.*f", decimals, value);
}

static char *
strip_grouping (const char *text)
{
  const char *sep = localeconv ()->thousands_sep;
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (sep != NULL && *sep != '\0' && g_str_has_prefix (p, sep))
        {
          p += strlen (sep) - 1;
          continue;
        }
      if (*p != ' ')
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gboolean
outpost_parse_number (OutpostField *field, const char *text, JsonNode **out)
{
  g_autofree char *plain = NULL;
  char *end = NULL;
  gdouble value;

  if (text == NULL || *g_strstrip (plain = g_strdup (text)) == '\0')
    {
      *out = json_node_new (JSON_NODE_NULL);
      return TRUE;
    }
  g_free (plain);
  plain = strip_grouping (text);
  value = strtod (plain, &end);   /* locale-aware on purpose: the user types "1,5" in de_DE */
  if (end == plain || *end != '\0')
    return FALSE;
  *out = json_node_new (JSON_NODE_VALUE);
  if (field->type == OUTPOST_FIELD_INTEGER || field->type == OUTPOST_FIELD_BIGINT)
    {
      if (value != (gdouble) (gint64) value)
        {
          g_clear_pointer (out, json_node_unref);
          return FALSE;
        }
      json_node_set_int (*out, (gint64) value);
    }
  else
    json_node_set_double (*out, value);
  return TRUE;
}

GDateTime *
outpost_parse_iso_datetime (const char *text)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) utc = NULL;
  int y, m, d;

  if (text == NULL || *text == '\0')
    return NULL;
  if (strlen (text) == 10 && sscanf (text, "%d-%d-%d", &y, &m, &d) == 3)
    return g_date_time_new (local, y, m, d, 0, 0, 0);
  utc = g_date_time_new_from_iso8601 (text, NULL);
  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

char *
outpost_format_datetime (OutpostField *field, const char *iso)
{
  g_autoptr(GDateTime) dt = outpost_parse_iso_datetime (iso);

  if (dt == NULL)
    return g_strdup (iso != NULL ? iso : "");
  if (field->datetime_behavior == OUTPOST_DATETIME_DATE_ONLY || strlen (iso) == 10)
    return g_date_time_format (dt, "%x");
  return g_date_time_format (dt, "%x %H:%M");
}

static char *
format_multi (OutpostField *field, const char *csv)
{
  g_auto(GStrv) parts = g_strsplit (csv, ",", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *label = outpost_option_label (field, (gint) g_ascii_strtoll (parts[i], NULL, 10));

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, label != NULL ? label : parts[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
format_option (OutpostField *field, JsonNode *value)
{
  gint64 v = json_node_get_value_type (value) == G_TYPE_STRING
             ? g_ascii_strtoll (json_node_get_string (value), NULL, 10)
             : json_node_get_int (value);
  const char *label = outpost_option_label (field, (gint) v);

  return label != NULL ? g_strdup (label) : g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static gdouble
node_double (JsonNode *value)
{
  GType t = json_node_get_value_type (value);

  if (t == G_TYPE_STRING)
    return g_ascii_strtod (json_node_get_string (value), NULL);
  if (t == G_TYPE_INT64)
    return (gdouble) json_node_get_int (value);
  return json_node_get_double (value);
}

char *
outpost_format_field (OutpostField *field, JsonNode *value)
{
  if (node_is_empty (value) || !JSON_NODE_HOLDS_VALUE (value))
    return g_strdup ("");
  switch (field->type)
    {
    case OUTPOST_FIELD_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? _("Yes") : _("No"));
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
    case OUTPOST_FIELD_DECIMAL:
    case OUTPOST_FIELD_DOUBLE:
    case OUTPOST_FIELD_MONEY:
      return outpost_format_number (field, node_double (value));
    case OUTPOST_FIELD_DATETIME:
      return outpost_format_datetime (field, json_node_get_string (value));
    case OUTPOST_FIELD_PICKLIST:
    case OUTPOST_FIELD_STATE:
    case OUTPOST_FIELD_STATUS:
      return format_option (field, value);
    case OUTPOST_FIELD_MULTI_PICKLIST:
      return format_multi (field, json_node_get_string (value));
    default:
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (value));
      return json_to_string (value, FALSE);
    }
}

gboolean
outpost_field_is_composed_name (OutpostField *field)
{
  return field != NULL && field->read_only && g_strcmp0 (field->name, "fullname") == 0;
}

char *
outpost_compose_full_name (const char *first, const char *last)
{
  /* Dataverse's default order ("First Last"); the server may be set to another and says so
   * with its own value at the next sync. */
  g_autofree char *whole = g_strdup_printf ("%s %s", first != NULL ? first : "", last != NULL ? last : "");

  return g_strdup (g_strstrip (whole));
}

/* The full name composed from the record's parts, when the server's value is missing or may be
 * stale (a change here); NULL when the server's value stands. */
static char *
composed_name (OutpostRecord *record, OutpostField *field)
{
  const char *stored;

  if (!outpost_field_is_composed_name (field)
      || (!json_object_has_member (record->values, "firstname") && !json_object_has_member (record->values, "lastname")))
    return NULL;
  stored = outpost_record_get_string (record, field->name);
  if (record->state == OUTPOST_ROW_SYNCED && stored != NULL && *stored != '\0')
    return NULL;
  return outpost_compose_full_name (outpost_record_get_string (record, "firstname"),
                                    outpost_record_get_string (record, "lastname"));
}

char *
outpost_format_record_field (OutpostRecord *record, OutpostField *field)
{
  JsonNode *value;
  char *composed;

  if (record == NULL || record->values == NULL || field == NULL)
    return g_strdup ("");
  if (field->type == OUTPOST_FIELD_LOOKUP)
    {
      g_autofree char *key = g_strconcat (field->name, "@display", NULL);
      const char *display = json_object_get_string_member_with_default (record->values, key, NULL);

      if (display != NULL)
        return g_strdup (display);
    }
  if ((composed = composed_name (record, field)) != NULL)
    return composed;
  value = json_object_get_member (record->values, field->name);
  return outpost_format_field (field, value);
}

char *
outpost_record_title (OutpostRecord *record, OutpostEntity *entity)
{
  g_autofree char *name = outpost_format_record_field (record, outpost_entity_lookup_field (entity, entity->primary_name));

  if (*name != '\0')
    return g_steal_pointer (&name);
  /* No name at all: the first list column with text. */
  for (guint i = 0; entity->list_columns != NULL && entity->list_columns[i] != NULL; i++)
    {
      const char *text = outpost_record_get_string (record, entity->list_columns[i]);

      if (text != NULL && *text != '\0')
        return g_strdup (text);
    }
  return g_strdup (_("(no name)"));
}

const char *
outpost_row_state_label (OutpostRecord *record)
{
  if (record->has_conflict)
    return _("Conflict");
  if (record->has_error)
    return _("Sync error");
  switch (record->state)
    {
    case OUTPOST_ROW_LOCALLY_CREATED:
      return _("Created here");
    case OUTPOST_ROW_LOCALLY_MODIFIED:
      return _("Changed here");
    case OUTPOST_ROW_LOCALLY_DELETED:
      return _("Deleted here");
    case OUTPOST_ROW_SYNCED:
    default:
      return _("Synced");
    }
}

const char *
outpost_row_state_icon (OutpostRecord *record)
{
  if (record->has_conflict || record->has_error)
    return "dialog-warning-symbolic";
  if (record->state != OUTPOST_ROW_SYNCED)
    return "document-edit-symbolic";
  return NULL;
}

gboolean
outpost_ui_value_equal (JsonNode *a, JsonNode *b)
{
  if (node_is_empty (a) || node_is_empty (b))
    return node_is_empty (a) == node_is_empty (b);
  return json_node_equal (a, b);
}

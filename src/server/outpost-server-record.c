/* outpost-server-record.c: one row as OData JSON, written directly into a GString.
 * Lookups come out as "_name_value" with, when odata.include-annotations asks, the
 * Microsoft.Dynamics.CRM.lookuplogicalname and associatednavigationproperty annotations;
 * option sets and booleans get OData.Community.Display.V1.FormattedValue. */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

#define ANN_LOGICAL "Microsoft.Dynamics.CRM.lookuplogicalname"
#define ANN_NAV "Microsoft.Dynamics.CRM.associatednavigationproperty"
#define ANN_FORMATTED "OData.Community.Display.V1.FormattedValue"

const char *
os_nav_name (const OsEntity *entity, const OsAttribute *attr, const char *target)
{
  g_autofree char *name = NULL;

  if (strchr (attr->targets, ',') == NULL)
    return attr->name;
  if (strcmp (attr->name, "regardingobjectid") == 0)
    name = g_strdup_printf ("%s_%s_%s", attr->name, target, entity->logical_name);
  else
    name = g_strdup_printf ("%s_%s", attr->name, target);
  return g_intern_string (name);
}

static const char *
option_label (const OsAttribute *attr, int value)
{
  for (const OsOption *o = attr->options; o && o->label; o++)
    if (o->value == value)
      return o->label;
  return NULL;
}

static void
annotation (GString *out, const char *prop, const char *name, const char *value)
{
  g_string_append_c (out, ',');
  g_string_append_c (out, '"');
  g_string_append (out, prop);
  g_string_append_c (out, '@');
  g_string_append (out, name);
  g_string_append (out, "\":");
  os_json_string (out, value);
}

static int
write_lookup (GString *out, const OsEntity *entity, const OsAttribute *a, sqlite3_stmt *stmt, int col,
              const OsPrefer *prefer)
{
  const char *id = (const char *) sqlite3_column_text (stmt, col);
  const char *target = (const char *) sqlite3_column_text (stmt, col + 1);
  g_autofree char *prop = g_strdup_printf ("_%s_value", a->name);

  g_string_append (out, ",\"");
  g_string_append (out, prop);
  g_string_append (out, "\":");
  os_json_string (out, id);
  if (id && target && os_prefer_annotation (prefer, ANN_LOGICAL))
    annotation (out, prop, ANN_LOGICAL, target);
  if (id && target && os_prefer_annotation (prefer, ANN_NAV))
    annotation (out, prop, ANN_NAV, os_nav_name (entity, a, target));
  return 2;
}

/* Dataverse formats a multi-select choice as its labels joined by "; ". */
static void
write_multi_formatted (GString *out, const OsAttribute *a, const char *values)
{
  g_auto(GStrv) parts = g_strsplit (values, ",", -1);
  g_autoptr(GString) labels = g_string_new (NULL);

  for (guint i = 0; parts[i]; i++)
    {
      const char *l = option_label (a, (int) g_ascii_strtoll (parts[i], NULL, 10));
      if (l)
        g_string_append_printf (labels, "%s%s", labels->len ? "; " : "", l);
    }
  annotation (out, a->name, ANN_FORMATTED, labels->str);
}

static void
write_formatted (GString *out, const OsAttribute *a, sqlite3_stmt *stmt, int col, const OsPrefer *prefer)
{
  const char *label = NULL;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL || !os_prefer_annotation (prefer, ANN_FORMATTED))
    return;
  if (a->type == OS_TYPE_MULTIPICKLIST)
    {
      write_multi_formatted (out, a, (const char *) sqlite3_column_text (stmt, col));
      return;
    }
  if (a->type == OS_TYPE_BOOLEAN)
    label = sqlite3_column_int (stmt, col) ? "Yes" : "No";
  else
    label = option_label (a, sqlite3_column_int (stmt, col));
  if (label)
    annotation (out, a->name, ANN_FORMATTED, label);
}

void
os_write_record (OsServer *server, GString *out, const OsEntity *entity, GPtrArray *attrs,
                 sqlite3_stmt *stmt, const OsPrefer *prefer)
{
  int col = 2;

  g_string_append_printf (out, "{\"@odata.etag\":\"W/\\\"%lld\\\"\",\"%s\":",
                          (long long) sqlite3_column_int64 (stmt, 0), entity->primary_id);
  os_json_string (out, (const char *) sqlite3_column_text (stmt, 1));
  for (guint i = 0; i < attrs->len; i++)
    {
      const OsAttribute *a = g_ptr_array_index (attrs, i);
      int type = sqlite3_column_type (stmt, col);

      if (os_type_is_lookup (a->type))
        {
          col += write_lookup (out, entity, a, stmt, col, prefer);
          continue;
        }
      g_string_append (out, ",\"");
      g_string_append (out, a->name);
      g_string_append (out, "\":");
      if (type == SQLITE_NULL)
        g_string_append (out, "null");
      else
        switch (a->type)
          {
          case OS_TYPE_INTEGER: case OS_TYPE_BIGINT: case OS_TYPE_PICKLIST:
          case OS_TYPE_STATE: case OS_TYPE_STATUS:
            g_string_append_printf (out, "%lld", (long long) sqlite3_column_int64 (stmt, col));
            break;
          case OS_TYPE_DECIMAL: case OS_TYPE_MONEY:
            os_json_double (out, sqlite3_column_double (stmt, col));
            break;
          case OS_TYPE_BOOLEAN:
            g_string_append (out, sqlite3_column_int (stmt, col) ? "true" : "false");
            break;
          default:
            os_json_string (out, (const char *) sqlite3_column_text (stmt, col));
          }
      if (a->type == OS_TYPE_BOOLEAN || os_attr_has_options (a))
        write_formatted (out, a, stmt, col, prefer);
      col++;
    }
  g_string_append_c (out, '}');
}

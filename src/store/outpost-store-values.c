/* outpost-store-values.c: JSON values <-> SQLite columns, and validation of user values. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "outpost-store-private.h"

/* ---- JSON helpers ---------------------------------------------------------------------------- */

static void
append_json_string (GString *s, const char *text)
{
  const char *run = text;   /* characters that need no escape are copied a run at a time */

  const char *p = text;

  g_string_append_c (s, '"');
  for (; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c != '"' && c != '\\' && c >= 0x20)
        continue;
      g_string_append_len (s, run, p - run);
      run = p + 1;
      if (c == '"' || c == '\\')
        g_string_append_c (s, '\\'), g_string_append_c (s, (char) c);
      else
        g_string_append_printf (s, "\\u%04x", c);
    }
  g_string_append_len (s, run, p - run);
  g_string_append_c (s, '"');
}

/* An integer in decimal, without printf (a third of the journal's JSON cost went to it) */
static void
append_int (GString *s, gint64 v)
{
  char buf[24], *p = buf + sizeof buf;
  guint64 u = v < 0 ? (guint64) 0 - (guint64) v : (guint64) v;

  do
    *--p = (char) ('0' + u % 10);
  while ((u /= 10) > 0);
  if (v < 0)
    *--p = '-';
  g_string_append_len (s, p, buf + sizeof buf - p);
}

/* One scalar member value; FALSE for anything else (arrays, objects, non-finite numbers). */
static gboolean
append_json_scalar (GString *s, JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  GType type;

  if (JSON_NODE_HOLDS_NULL (node))
    return g_string_append (s, "null"), TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    append_json_string (s, json_node_get_string (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (s, json_node_get_boolean (node) ? "true" : "false");
  else if (type == G_TYPE_INT64)
    append_int (s, json_node_get_int (node));
  else if (type == G_TYPE_DOUBLE && isfinite (json_node_get_double (node)))
    {
      /* shortest text that reads back as the same double, and as a double (not an integer) */
      g_string_append (s, g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      if (strpbrk (buf, ".eE") == NULL)
        g_string_append (s, ".0");
    }
  else
    return FALSE;
  return TRUE;
}

/* Journal entries and row bases are flat objects of scalars, written once per user save: built
 * directly (json-glib's generator was 7% of a create); anything else goes through json-glib. */
char *
outpost_json_object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;
  GString *s = g_string_sized_new (256);
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  g_string_append_c (s, '{');
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (s->len > 1)
        g_string_append_c (s, ',');
      append_json_string (s, key);
      g_string_append_c (s, ':');
      if (!append_json_scalar (s, value))
        {
          g_string_free (s, TRUE);
          node = json_node_init_object (json_node_alloc (), object);
          return json_to_string (node, FALSE);
        }
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

JsonObject *
outpost_json_object_from_string (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

gboolean
outpost_json_equal (JsonNode *a, JsonNode *b)
{
  gboolean a_null = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_null = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_null || b_null)
    return a_null == b_null;
  /* numbers compare by value: 5 and 5.0 are the same money amount */
  if (JSON_NODE_HOLDS_VALUE (a) && JSON_NODE_HOLDS_VALUE (b) &&
      json_node_get_value_type (a) != G_TYPE_STRING && json_node_get_value_type (b) != G_TYPE_STRING &&
      json_node_get_value_type (a) != G_TYPE_BOOLEAN && json_node_get_value_type (b) != G_TYPE_BOOLEAN)
    return json_node_get_double (a) == json_node_get_double (b);
  return json_node_equal (a, b);
}

/* ---- binding and reading --------------------------------------------------------------------- */

static char *
join_array (JsonArray *array)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            json_array_get_int_element (array, i));
  return g_string_free (s, FALSE);
}

/* @text_destructor: SQLITE_TRANSIENT, or SQLITE_STATIC when @node outlives the statement's
 * next step (saves a copy per string). */
static void
bind_json (sqlite3_stmt *stmt, int idx, JsonNode *node, sqlite3_destructor_type text_destructor)
{
  GType type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      sqlite3_bind_null (stmt, idx);
      return;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))   /* a multi-select picklist as [1,3] */
    {
      sqlite3_bind_text (stmt, idx, join_array (json_node_get_array (node)), -1, g_free);
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    {
      sqlite3_bind_text (stmt, idx, json_to_string (node, FALSE), -1, g_free);
      return;
    }
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    sqlite3_bind_text (stmt, idx, json_node_get_string (node), -1, text_destructor);
  else if (type == G_TYPE_BOOLEAN)
    sqlite3_bind_int (stmt, idx, json_node_get_boolean (node));
  else if (type == G_TYPE_DOUBLE)
    sqlite3_bind_double (stmt, idx, json_node_get_double (node));
  else
    sqlite3_bind_int64 (stmt, idx, json_node_get_int (node));
}

void
outpost_bind_json (sqlite3_stmt *stmt, int idx, JsonNode *node)
{
  bind_json (stmt, idx, node, SQLITE_TRANSIENT);
}

void
outpost_bind_json_static (sqlite3_stmt *stmt, int idx, JsonNode *node)
{
  bind_json (stmt, idx, node, SQLITE_STATIC);
}

JsonNode *
outpost_column_json (sqlite3_stmt *stmt, int col, OutpostField *field)
{
  switch (sqlite3_column_type (stmt, col))
    {
    case SQLITE_NULL:
      return json_node_new (JSON_NODE_NULL);
    case SQLITE_INTEGER:
      if (field != NULL && field->type == OUTPOST_FIELD_BOOLEAN)
        return json_node_init_boolean (json_node_alloc (), sqlite3_column_int (stmt, col) != 0);
      return json_node_init_int (json_node_alloc (), sqlite3_column_int64 (stmt, col));
    case SQLITE_FLOAT:
      return json_node_init_double (json_node_alloc (), sqlite3_column_double (stmt, col));
    default:
      return json_node_init_string (json_node_alloc (),
                                    (const char *) sqlite3_column_text (stmt, col));
    }
}

void
outpost_table_init_slots (OutpostTable *t)
{
  OutpostEntity *e = t->entity;

  t->n_fields = e->fields->len;
  t->n_values = t->n_fields + t->lookups->len;
  t->slots = g_hash_table_new (g_str_hash, g_str_equal);
  t->lookup_cols = g_new0 (guint, MAX (t->lookups->len, 1));
  t->fts_cols = g_new0 (guint, MAX (t->fts_fields->len, 1));
  for (guint i = 0; i < t->n_fields; i++)
    {
      OutpostField *f = e->fields->pdata[i];
      g_hash_table_insert (t->slots, f->name, GUINT_TO_POINTER (i + 1));
      for (guint j = 0; j < t->lookups->len; j++)
        if (t->lookups->pdata[j] == f)
          t->lookup_cols[j] = i;
      for (guint j = 0; j < t->fts_fields->len; j++)
        if (t->fts_fields->pdata[j] == f)
          t->fts_cols[j] = i;
    }
  for (guint j = 0; j < t->lookups->len; j++)
    g_hash_table_insert (t->slots, t->target_keys->pdata[j], GUINT_TO_POINTER (t->n_fields + j + 1));
}

void
outpost_table_free_slots (OutpostTable *t)
{
  g_clear_pointer (&t->slots, g_hash_table_unref);
  g_clear_pointer (&t->lookup_cols, g_free);
  g_clear_pointer (&t->fts_cols, g_free);
}

OutpostField *
outpost_table_field (OutpostTable *t, const char *name)
{
  guint col = GPOINTER_TO_UINT (g_hash_table_lookup (t->slots, name));

  return col >= 1 && col <= t->n_fields ? t->entity->fields->pdata[col - 1] : NULL;
}

/* One pass over @values' members (a hash lookup each) instead of a lookup in @values per
 * column (json-glib's lookups were a quarter of a synced row's own cost); columns without a
 * member are bound NULL, a lookup's target column the lookup's only target when it has a value.
 * The strings are bound without a copy: @values must stay alive until the statement has been
 * stepped (every caller steps right after binding). */
void
outpost_bind_row_values (OutpostTable *t, sqlite3_stmt *stmt, int first, JsonObject *values,
                         JsonNode **nodes)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (nodes == NULL)
    nodes = g_newa (JsonNode *, t->n_values);
  memset (nodes, 0, sizeof (JsonNode *) * t->n_values);
  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &key, &node))
    {
      guint col = GPOINTER_TO_UINT (g_hash_table_lookup (t->slots, key));
      if (col > 0)
        nodes[col - 1] = node;
    }
  for (guint i = 0; i < t->n_values; i++)
    {
      guint lookup = i - t->n_fields;
      JsonNode *value = i >= t->n_fields ? nodes[t->lookup_cols[lookup]] : NULL;
      OutpostField *f = i >= t->n_fields ? t->lookups->pdata[lookup] : NULL;

      /* a single-target lookup always knows its target */
      if (nodes[i] == NULL && value != NULL && !JSON_NODE_HOLDS_NULL (value) && f->targets[1] == NULL)
        sqlite3_bind_text (stmt, first + (int) i, f->targets[0], -1, SQLITE_STATIC);
      else
        bind_json (stmt, first + (int) i, nodes[i], SQLITE_STATIC);
    }
}

OutpostRecord *
outpost_record_from_stmt (OutpostTable *table, sqlite3_stmt *stmt)
{
  OutpostEntity *e = table->entity;
  OutpostRecord *r = outpost_record_new (e->logical_name,
                                         (const char *) sqlite3_column_text (stmt, OUTPOST_COL_ID));
  gint issues = sqlite3_column_int (stmt, OUTPOST_COL_ISSUES);
  int col = OUTPOST_COL_FIRST_FIELD;

  r->etag = g_strdup ((const char *) sqlite3_column_text (stmt, OUTPOST_COL_ETAG));
  r->state = (OutpostRowState) sqlite3_column_int (stmt, OUTPOST_COL_STATE);
  r->has_error = (issues & OUTPOST_ISSUE_ERROR) != 0;
  r->has_conflict = (issues & OUTPOST_ISSUE_CONFLICT) != 0;
  for (guint i = 0; i < e->fields->len; i++, col++)
    {
      OutpostField *f = e->fields->pdata[i];
      json_object_set_member (r->values, f->name, outpost_column_json (stmt, col, f));
    }
  for (guint i = 0; i < table->lookups->len; i++, col++)
    if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
      {
        OutpostField *f = table->lookups->pdata[i];
        g_autofree char *key = g_strdup_printf ("%s@target", f->name);
        json_object_set_string_member (r->values, key, (const char *) sqlite3_column_text (stmt, col));
      }
  return r;
}

/* ---- validation ------------------------------------------------------------------------------ */

static const char *
label_of (OutpostField *f)
{
  return f->label ? f->label : f->name;
}

static gboolean G_GNUC_PRINTF (3, 4)
invalid (GError **error, OutpostField *f, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  /* the message starts with the label (for the form) and names the field (for logs) */
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION, "%s (%s): %s",
               label_of (f), f->name, msg);
  return FALSE;
}

static GType
value_type (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
}

static gboolean
is_date_only (const char *s)
{
  return strlen (s) == 10 && g_ascii_isdigit (s[0]) && s[4] == '-' && s[7] == '-' &&
         g_ascii_isdigit (s[5]) && g_ascii_isdigit (s[8]);
}

static gboolean
check_string (OutpostField *f, const char *s, GError **error)
{
  gsize bytes = strlen (s);
  glong len;

  if (!g_utf8_validate_len (s, bytes, NULL))
    return invalid (error, f, _("is not valid text"));
  /* characters are counted only when the bytes could be too many: a character is 1-4 bytes */
  if (f->max_length > 0 && bytes > (gsize) f->max_length &&
      (len = g_utf8_strlen (s, (gssize) bytes)) > f->max_length)
    return invalid (error, f, _("is %ld characters long; at most %d are allowed"), len, f->max_length);
  if ((f->type == OUTPOST_FIELD_LOOKUP || f->type == OUTPOST_FIELD_UNIQUEIDENTIFIER) &&
      !g_uuid_string_is_valid (s))
    return invalid (error, f, _("'%s' is not a valid identifier"), s);
  if (f->type == OUTPOST_FIELD_DATETIME)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (s, NULL);
      if (dt == NULL && !(f->datetime_behavior == OUTPOST_DATETIME_DATE_ONLY && is_date_only (s)))
        return invalid (error, f, _("'%s' is not a valid date"), s);
    }
  return TRUE;
}

static gboolean
check_range (OutpostField *f, gdouble v, GError **error)
{
  if (f->min_value <= f->max_value && (v < f->min_value || v > f->max_value))
    return invalid (error, f, _("must be between %g and %g"), f->min_value, f->max_value);
  return TRUE;
}

static gboolean
check_option (OutpostField *f, gint64 v, GError **error)
{
  if (f->options != NULL && f->options->len > 0 &&
      (v < G_MININT || v > G_MAXINT || outpost_option_label (f, (gint) v) == NULL))
    return invalid (error, f, _("%" PRId64 " is not one of the allowed values"), v);
  return TRUE;
}

static gboolean
check_multi (OutpostField *f, JsonNode *node, GError **error)
{
  g_auto(GStrv) parts = NULL;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *el = json_array_get_element (a, i);
          if (value_type (el) != G_TYPE_INT64)
            return invalid (error, f, _("expects a list of numbers"));
          if (!check_option (f, json_node_get_int (el), error))
            return FALSE;
        }
      return TRUE;
    }
  if (value_type (node) != G_TYPE_STRING)
    return invalid (error, f, _("expects a list of values"));
  parts = g_strsplit (json_node_get_string (node), ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      gint64 v;
      if (!g_ascii_string_to_signed (g_strstrip (parts[i]), 10, G_MININT, G_MAXINT, &v, NULL))
        return invalid (error, f, _("'%s' is not a number"), parts[i]);
      if (!check_option (f, v, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_value (OutpostField *f, JsonNode *node, GError **error)
{
  /* the node's type once: json-glib's type getters check their argument on every call */
  JsonNodeType nt = node != NULL ? json_node_get_node_type (node) : JSON_NODE_NULL;
  GType t = nt == JSON_NODE_VALUE ? json_node_get_value_type (node) : G_TYPE_INVALID;

  if (nt == JSON_NODE_NULL)
    return f->required ? invalid (error, f, _("is required")) : TRUE;
  switch (f->type)
    {
    case OUTPOST_FIELD_STRING: case OUTPOST_FIELD_MEMO: case OUTPOST_FIELD_DATETIME:
    case OUTPOST_FIELD_LOOKUP: case OUTPOST_FIELD_UNIQUEIDENTIFIER:
      if (t != G_TYPE_STRING)
        return invalid (error, f, _("expects text"));
      if (f->required && *json_node_get_string (node) == '\0')
        return invalid (error, f, _("is required"));
      return check_string (f, json_node_get_string (node), error);
    case OUTPOST_FIELD_INTEGER: case OUTPOST_FIELD_BIGINT:
      if (t != G_TYPE_INT64)
        return invalid (error, f, _("expects a whole number"));
      if (f->type == OUTPOST_FIELD_INTEGER &&
          (json_node_get_int (node) > G_MAXINT32 || json_node_get_int (node) < G_MININT32))
        return invalid (error, f, _("is too large"));
      return check_range (f, (gdouble) json_node_get_int (node), error);
    case OUTPOST_FIELD_DECIMAL: case OUTPOST_FIELD_DOUBLE: case OUTPOST_FIELD_MONEY:
      if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
        return invalid (error, f, _("expects a number"));
      return check_range (f, json_node_get_double (node), error);
    case OUTPOST_FIELD_BOOLEAN:
      return t == G_TYPE_BOOLEAN ? TRUE : invalid (error, f, _("expects yes or no"));
    case OUTPOST_FIELD_PICKLIST: case OUTPOST_FIELD_STATE: case OUTPOST_FIELD_STATUS:
      if (t != G_TYPE_INT64)
        return invalid (error, f, _("expects one of its values"));
      return check_option (f, json_node_get_int (node), error);
    case OUTPOST_FIELD_MULTI_PICKLIST:
      return check_multi (f, node, error);
    default:
      return TRUE;
    }
}

static gboolean
validate_target (OutpostTable *t, const char *key, JsonNode *node, GError **error)
{
  g_autofree char *name = g_strndup (key, strlen (key) - strlen ("@target"));
  OutpostField *f = outpost_table_field (t, name);

  if (f == NULL || f->type != OUTPOST_FIELD_LOOKUP)
    {
      g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION,
                   _("%s: unknown lookup field"), key);
      return FALSE;
    }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (value_type (node) != G_TYPE_STRING ||
      !g_strv_contains ((const char *const *) f->targets, json_node_get_string (node)))
    return invalid (error, f, _("cannot point to that kind of record"));
  return TRUE;
}

static gboolean
validate_member (OutpostTable *t, const char *key, JsonNode *node, gboolean is_create,
                 GError **error)
{
  OutpostEntity *e = t->entity;
  /* a field first (by far the most members): names are identifiers, never "x@target" or the
   * primary id (the profile refuses both) */
  OutpostField *f = outpost_table_field (t, key);

  if (f != NULL)
    return f->read_only ? invalid (error, f, _("is read-only")) : validate_value (f, node, error);
  if (g_str_has_suffix (key, "@target"))
    return validate_target (t, key, node, error);
  if (is_create && g_str_equal (key, e->primary_id))
    {
      if (value_type (node) != G_TYPE_STRING || !g_uuid_string_is_valid (json_node_get_string (node)))
        {
          g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION,
                       _("%s: not a valid identifier"), key);
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_VALIDATION,
               _("%s: no such field in %s"), key, e->logical_name);
  return FALSE;
}

gboolean
outpost_validate_values (OutpostTable *t, JsonObject *values, gboolean is_create, GError **error)
{
  OutpostEntity *entity = t->entity;
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &key, &node))
    if (!validate_member (t, key, node, is_create, error))
      return FALSE;
  for (guint i = 0; is_create && i < entity->fields->len; i++)
    {
      OutpostField *f = entity->fields->pdata[i];
      if (f->required && !f->read_only && !json_object_has_member (values, f->name))
        return invalid (error, f, _("is required"));
    }
  return TRUE;
}

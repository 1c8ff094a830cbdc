/* outpost-server-filter.c: a recursive-descent parser for OData $filter, producing a SQL
 * WHERE fragment with '?' placeholders and the values to bind. Property names are resolved
 * against the static schema (never copied from the request into SQL), literals are always bound.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | func '(' property ',' string ')' | operand op operand
 *   operand := property | 'string' | number | true | false | null | datetime | date | guid
 *   op      := eq | ne | gt | ge | lt | le
 *   func    := contains | startswith | endswith
 */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

typedef enum {
  TOK_END, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_STRING, TOK_ATOM,
} TokKind;

typedef struct {
  TokKind  kind;
  char    *text;   /* unquoted for strings */
  gsize    pos;
} Token;

typedef struct {
  const OsEntity *entity;
  const char     *src;
  gsize           pos;
  Token           tok;
  OsFilter       *out;
  GError        **error;
} Parser;

typedef struct {
  const OsAttribute *attr;   /* set for a property */
  OsValue           *value;  /* set for a literal (NULL kind for null) */
  const char        *edm;    /* the literal's type name, for messages */
} Operand;

OsValue *
os_value_text (const char *s)
{
  OsValue *v = g_new0 (OsValue, 1);
  v->kind = OS_VALUE_TEXT;
  v->s = g_strdup (s);
  return v;
}

OsValue *
os_value_int (gint64 i)
{
  OsValue *v = g_new0 (OsValue, 1);
  v->kind = OS_VALUE_INT;
  v->i = i;
  return v;
}

void
os_value_free (OsValue *v)
{
  if (v == NULL)
    return;
  g_free (v->s);
  g_free (v);
}

void
os_bind_values (sqlite3_stmt *stmt, GPtrArray *values, int first)
{
  for (guint i = 0; values && i < values->len; i++)
    {
      OsValue *v = g_ptr_array_index (values, i);
      int n = first + (int) i;
      switch (v->kind)
        {
        case OS_VALUE_NULL: sqlite3_bind_null (stmt, n); break;
        case OS_VALUE_INT: sqlite3_bind_int64 (stmt, n, v->i); break;
        case OS_VALUE_REAL: sqlite3_bind_double (stmt, n, v->d); break;
        case OS_VALUE_TEXT: sqlite3_bind_text (stmt, n, v->s, -1, SQLITE_TRANSIENT); break;
        }
    }
}

void
os_filter_clear (OsFilter *filter)
{
  if (filter->sql)
    g_string_free (filter->sql, TRUE);
  if (filter->values)
    g_ptr_array_unref (filter->values);
  filter->sql = NULL;
  filter->values = NULL;
}

const OsAttribute *
os_resolve_property (const OsEntity *entity, const char *name)
{
  const OsAttribute *attr;
  gsize len = strlen (name);

  /* lookups are exposed as _name_value, as Dataverse does */
  if (len > 7 && name[0] == '_' && g_str_has_suffix (name, "_value"))
    {
      g_autofree char *inner = g_strndup (name + 1, len - 7);
      attr = os_schema_attr (entity, inner);
      return attr && os_type_is_lookup (attr->type) ? attr : NULL;
    }
  attr = os_schema_attr (entity, name);
  if (attr && os_type_is_lookup (attr->type))
    return NULL;
  return attr;
}

static gboolean fail (Parser *p, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Parser *p, const char *fmt, ...)
{
  if (p->error && *p->error == NULL)
    {
      va_list args;
      g_autofree char *msg = NULL;
      va_start (args, fmt);
      msg = g_strdup_vprintf (fmt, args);
      va_end (args);
      g_set_error (p->error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", msg);
    }
  return FALSE;
}

static gboolean
is_atom_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '+' || c == '/';
}

static gboolean
next (Parser *p)
{
  const char *s = p->src;

  g_clear_pointer (&p->tok.text, g_free);
  while (s[p->pos] == ' ' || s[p->pos] == '\t')
    p->pos++;
  p->tok.pos = p->pos;
  switch (s[p->pos])
    {
    case '\0': p->tok.kind = TOK_END; return TRUE;
    case '(': p->tok.kind = TOK_LPAREN; p->pos++; return TRUE;
    case ')': p->tok.kind = TOK_RPAREN; p->pos++; return TRUE;
    case ',': p->tok.kind = TOK_COMMA; p->pos++; return TRUE;
    case '\'':
      {
        GString *str = g_string_new (NULL);
        p->pos++;
        for (;;)
          {
            char c = s[p->pos];
            if (c == '\0')
              {
                g_string_free (str, TRUE);
                return fail (p, "Syntax error: unterminated string literal at position %s.", "end");
              }
            p->pos++;
            if (c == '\'')
              {
                if (s[p->pos] != '\'')
                  break;
                p->pos++;  /* '' is an escaped quote */
              }
            g_string_append_c (str, c);
          }
        p->tok.kind = TOK_STRING;
        p->tok.text = g_string_free (str, FALSE);
        return TRUE;
      }
    default:
      {
        gsize start = p->pos;
        while (is_atom_char (s[p->pos]))
          p->pos++;
        if (p->pos == start)
          {
            char bad[2] = { s[p->pos], 0 };
            return fail (p, "Syntax error: character '%s' is not valid in $filter.", bad);
          }
        p->tok.kind = TOK_ATOM;
        p->tok.text = g_strndup (s + start, p->pos - start);
        return TRUE;
      }
    }
}

static gboolean
tok_is (Parser *p, const char *word)
{
  return p->tok.kind == TOK_ATOM && strcmp (p->tok.text, word) == 0;
}

static gboolean parse_or (Parser *p);

static gboolean
is_number (const char *t, gboolean *is_int)
{
  char *end = NULL;
  if (!(g_ascii_isdigit (t[0]) || ((t[0] == '-' || t[0] == '+') && g_ascii_isdigit (t[1]))))
    return FALSE;
  g_ascii_strtod (t, &end);
  if (end == NULL || *end != '\0')
    {
      /* 12.5m / 3L suffixes of OData v3 */
      if (end && (strcmp (end, "m") == 0 || strcmp (end, "M") == 0 || strcmp (end, "L") == 0))
        *end = '\0';
      else
        return FALSE;
    }
  *is_int = strchr (t, '.') == NULL && strchr (t, 'e') == NULL && strchr (t, 'E') == NULL;
  return TRUE;
}

/* Normalizes a datetime literal to the stored form (UTC, "YYYY-MM-DDTHH:MM:SSZ"). */
static char *
normalize_datetime (const char *text, gboolean *date_only)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  *date_only = FALSE;
  if (strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    {
      g_autofree char *full = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (full, utc);
      *date_only = dt != NULL;
    }
  else
    dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    return NULL;
  {
    g_autoptr(GDateTime) u = g_date_time_to_utc (dt);
    return g_date_time_format (u, *date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ");
  }
}

static gboolean
parse_operand (Parser *p, Operand *op)
{
  gboolean is_int;
  const char *t = p->tok.text;

  memset (op, 0, sizeof *op);
  if (p->tok.kind == TOK_STRING)
    {
      op->value = os_value_text (t);
      op->edm = "Edm.String";
      return next (p);
    }
  if (p->tok.kind != TOK_ATOM)
    return fail (p, "Syntax error: expected a property or a literal at '%s'.", t ? t : "end");
  if (strcmp (t, "null") == 0)
    {
      op->value = g_new0 (OsValue, 1);
      op->edm = "null";
    }
  else if (strcmp (t, "true") == 0 || strcmp (t, "false") == 0)
    {
      op->value = os_value_int (t[0] == 't');
      op->edm = "Edm.Boolean";
    }
  else if (os_is_guid (t))
    {
      g_autofree char *lower = g_ascii_strdown (t, -1);
      op->value = os_value_text (lower);
      op->edm = "Edm.Guid";
    }
  else if (g_ascii_isdigit (t[0]) && strlen (t) >= 10 && t[4] == '-' && t[7] == '-')
    {
      gboolean date_only;
      g_autofree char *norm = normalize_datetime (t, &date_only);
      if (norm == NULL)
        return fail (p, "Syntax error: '%s' is not a valid DateTimeOffset literal.", t);
      op->value = os_value_text (norm);
      op->edm = date_only ? "Edm.Date" : "Edm.DateTimeOffset";
    }
  else if (is_number (p->tok.text, &is_int))
    {
      op->value = g_new0 (OsValue, 1);
      if (is_int)
        {
          op->value->kind = OS_VALUE_INT;
          op->value->i = g_ascii_strtoll (p->tok.text, NULL, 10);
          op->edm = "Edm.Int32";
        }
      else
        {
          op->value->kind = OS_VALUE_REAL;
          op->value->d = g_ascii_strtod (p->tok.text, NULL);
          op->edm = "Edm.Decimal";
        }
    }
  else
    {
      op->attr = os_resolve_property (p->entity, t);
      if (op->attr == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("Could not find a property named '%s' on type "
                                                  "'Microsoft.Dynamics.CRM.%s'.", t,
                                                  p->entity->logical_name);
          return fail (p, "%s", msg);
        }
    }
  return next (p);
}

static gboolean
compatible (const OsAttribute *attr, Operand *lit)
{
  OsValue *v = lit->value;
  if (v->kind == OS_VALUE_NULL)
    return TRUE;
  switch (attr->type)
    {
    case OS_TYPE_STRING: case OS_TYPE_MEMO:
      return strcmp (lit->edm, "Edm.String") == 0;
    case OS_TYPE_GUID: case OS_TYPE_LOOKUP: case OS_TYPE_CUSTOMER: case OS_TYPE_OWNER:
      return strcmp (lit->edm, "Edm.Guid") == 0;
    case OS_TYPE_BOOLEAN:
      return strcmp (lit->edm, "Edm.Boolean") == 0;
    case OS_TYPE_DATETIME:
      if (strcmp (lit->edm, "Edm.Date") == 0)
        {
          /* a date against a datetime column means midnight UTC */
          char *full = g_strconcat (v->s, "T00:00:00Z", NULL);
          g_free (v->s);
          v->s = full;
          return TRUE;
        }
      return strcmp (lit->edm, "Edm.DateTimeOffset") == 0;
    case OS_TYPE_DATEONLY:
      if (strcmp (lit->edm, "Edm.DateTimeOffset") == 0)
        {
          v->s[10] = '\0';
          return TRUE;
        }
      return strcmp (lit->edm, "Edm.Date") == 0;
    case OS_TYPE_MULTIPICKLIST:
      return FALSE;  /* only eq/ne null; Dataverse filters these with ContainValues (not served) */
    case OS_TYPE_DECIMAL: case OS_TYPE_MONEY:
      if (v->kind == OS_VALUE_INT)
        {
          v->kind = OS_VALUE_REAL;
          v->d = (double) v->i;
        }
      return v->kind == OS_VALUE_REAL;
    default:
      return v->kind == OS_VALUE_INT;
    }
}

static const char *
sql_op (const char *op, gboolean swapped)
{
  static const char *names[] = { "eq", "ne", "gt", "ge", "lt", "le" };
  static const char *sql[] = { "=", "<>", ">", ">=", "<", "<=" };
  static const char *swapped_sql[] = { "=", "<>", "<", "<=", ">", ">=" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (op, names[i]) == 0)
      return swapped ? swapped_sql[i] : sql[i];
  return NULL;
}

static void
emit_column (Parser *p, const OsAttribute *attr)
{
  os_sql_ident (p->out->sql, attr->name);
}

static gboolean
emit_comparison (Parser *p, Operand *left, const char *op, Operand *right)
{
  const char *sop = sql_op (op, FALSE);
  Operand *prop = left, *lit = right;

  if (left->attr == NULL)
    {
      prop = right;
      lit = left;
      sop = sql_op (op, TRUE);
    }
  if (prop->attr == NULL || lit->attr != NULL)
    return fail (p, "The $filter comparison '%s' must compare a property with a literal.", op);
  if (!compatible (prop->attr, lit))
    {
      g_autofree char *msg = g_strdup_printf ("A binary operator with incompatible types was detected. "
                                              "Found operand types '%s' and '%s' for operator kind '%s'.",
                                              os_type_edm (prop->attr->type), lit->edm, op);
      return fail (p, "%s", msg);
    }
  emit_column (p, prop->attr);
  if (lit->value->kind == OS_VALUE_NULL)
    {
      if (strcmp (op, "eq") == 0 || strcmp (op, "ne") == 0)
        {
          g_string_append (p->out->sql, strcmp (op, "eq") == 0 ? " IS NULL" : " IS NOT NULL");
          return TRUE;
        }
      return fail (p, "The operator '%s' cannot compare with null.", op);
    }
  g_string_append_printf (p->out->sql, " %s ?", sop);
  if (prop->attr->type == OS_TYPE_STRING || prop->attr->type == OS_TYPE_MEMO)
    g_string_append (p->out->sql, " COLLATE NOCASE");  /* Dataverse compares case-insensitively */
  if (strcmp (op, "ne") == 0)
    {
      /* OData: ne also matches null values */
      GString *sql = p->out->sql;
      g_string_append (sql, " OR ");
      emit_column (p, prop->attr);
      g_string_append (sql, " IS NULL");
    }
  g_ptr_array_add (p->out->values, g_steal_pointer (&lit->value));
  return TRUE;
}

static char *
like_pattern (const char *text, gboolean lead, gboolean trail)
{
  GString *s = g_string_new (lead ? "%" : "");
  for (const char *c = text; *c; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *c);
    }
  if (trail)
    g_string_append_c (s, '%');
  return g_string_free (s, FALSE);
}

static gboolean
parse_function (Parser *p, const char *name)
{
  const OsAttribute *attr;
  g_autofree char *prop = NULL;
  g_autofree char *pattern = NULL;

  if (!next (p) || !next (p))  /* name, '(' */
    return FALSE;
  if (p->tok.kind != TOK_ATOM)
    return fail (p, "Syntax error: %s() expects a property name.", name);
  prop = g_strdup (p->tok.text);
  attr = os_resolve_property (p->entity, prop);
  if (attr == NULL)
    return fail (p, "Could not find a property named '%s' on this entity type.", prop);
  if (attr->type != OS_TYPE_STRING && attr->type != OS_TYPE_MEMO)
    return fail (p, "The function %s() is only supported on string properties.", name);
  if (!next (p) || p->tok.kind != TOK_COMMA || !next (p) || p->tok.kind != TOK_STRING)
    return fail (p, "Syntax error: %s() expects a property and a string literal.", name);
  pattern = like_pattern (p->tok.text, strcmp (name, "startswith") != 0, strcmp (name, "endswith") != 0);
  if (!next (p) || p->tok.kind != TOK_RPAREN)
    return fail (p, "Syntax error: ')' expected after the arguments of %s().", name);
  emit_column (p, attr);
  g_string_append (p->out->sql, " LIKE ? ESCAPE '\\'");
  g_ptr_array_add (p->out->values, os_value_text (pattern));
  return next (p);
}

static gboolean
parse_primary (Parser *p)
{
  Operand left, right;
  g_autofree char *op = NULL;
  gboolean ok;

  if (p->tok.kind == TOK_LPAREN)
    {
      g_string_append_c (p->out->sql, '(');
      if (!next (p) || !parse_or (p))
        return FALSE;
      if (p->tok.kind != TOK_RPAREN)
        return fail (p, "Syntax error: ')' expected at position %s.", "end");
      g_string_append_c (p->out->sql, ')');
      return next (p);
    }
  if (p->tok.kind == TOK_ATOM && (tok_is (p, "contains") || tok_is (p, "startswith") || tok_is (p, "endswith")))
    {
      gsize save = p->pos;
      while (p->src[save] == ' ')
        save++;
      if (p->src[save] == '(')
        {
          g_autofree char *fname = g_strdup (p->tok.text);
          return parse_function (p, fname);
        }
    }
  if (p->tok.kind == TOK_ATOM && strchr (p->tok.text, '.') && p->src[p->pos] == '(')
    return fail (p, "The function '%s' is not supported by this server.", p->tok.text);
  if (!parse_operand (p, &left))
    return FALSE;
  if (p->tok.kind != TOK_ATOM || sql_op (p->tok.text, FALSE) == NULL)
    {
      os_value_free (left.value);
      return fail (p, "Syntax error: a comparison operator (eq, ne, gt, ge, lt, le) was expected at '%s'.",
                   p->tok.text ? p->tok.text : "end");
    }
  op = g_strdup (p->tok.text);
  if (!next (p) || !parse_operand (p, &right))
    {
      os_value_free (left.value);
      return FALSE;
    }
  g_string_append_c (p->out->sql, '(');
  ok = emit_comparison (p, &left, op, &right);
  g_string_append_c (p->out->sql, ')');
  os_value_free (left.value);
  os_value_free (right.value);
  return ok;
}

static gboolean
parse_unary (Parser *p)
{
  if (tok_is (p, "not"))
    {
      g_string_append (p->out->sql, "NOT (");
      if (!next (p) || !parse_unary (p))
        return FALSE;
      g_string_append_c (p->out->sql, ')');
      return TRUE;
    }
  return parse_primary (p);
}

static gboolean
parse_and (Parser *p)
{
  if (!parse_unary (p))
    return FALSE;
  while (tok_is (p, "and"))
    {
      g_string_append (p->out->sql, " AND ");
      if (!next (p) || !parse_unary (p))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_or (Parser *p)
{
  if (!parse_and (p))
    return FALSE;
  while (tok_is (p, "or"))
    {
      g_string_append (p->out->sql, " OR ");
      if (!next (p) || !parse_and (p))
        return FALSE;
    }
  return TRUE;
}

gboolean
os_filter_parse (const OsEntity *entity, const char *text, OsFilter *out, GError **error)
{
  Parser p = { entity, text, 0, { TOK_END, NULL, 0 }, out, error };
  gboolean ok;

  out->sql = g_string_new (NULL);
  out->values = g_ptr_array_new_with_free_func ((GDestroyNotify) os_value_free);
  ok = next (&p) && parse_or (&p);
  if (ok && p.tok.kind != TOK_END)
    ok = fail (&p, "Syntax error at '%s': the end of the $filter expression was expected.",
               p.tok.text ? p.tok.text : ")");
  g_free (p.tok.text);
  if (!ok)
    os_filter_clear (out);
  return ok;
}

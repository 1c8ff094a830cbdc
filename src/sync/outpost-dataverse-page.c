/* outpost-dataverse-page.c: a page of rows (A3/A4) read straight from the raw body into
 * OutpostServerRow values, in one pass and without a json-glib tree of the page.
 *
 * json-glib's parser builds every member of every row (and its tokenizer is slow) before the
 * connector threw most of them away again: for a 5000-row page that was most of the CPU of a
 * full sync. This reader is a strict JSON parser (RFC 8259: no trailing commas, comments,
 * NaN or leading zeros; valid UTF-8; escapes and surrogate pairs checked) that keeps only what
 * the connector passes on: each row's profile fields as a JsonObject, its id and ETag,
 * deletions, and the page's links and count. Members it does not keep are still read and
 * checked. Raw control characters in strings pass, as json-glib's parser let them (its own
 * generator writes U+001F unescaped); U+0000 and lone surrogates become U+FFFD. Nesting is
 * bounded (OUTPOST_DV_MAX_DEPTH) without recursion. Anything malformed or truncated rejects
 * the page whole: a syntax error anywhere wins over a wrong type or a bad row, as it did when
 * the whole text was parsed first. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-dataverse-private.h"

#define LOOKUP_ANNOTATION "@Microsoft.Dynamics.CRM.lookuplogicalname"

typedef enum { MEMBER_DROP, MEMBER_ETAG, MEMBER_VALUE, MEMBER_LOOKUP, MEMBER_TARGET } MemberKind;
/* Members read for the row itself (a name may also be a field). */
typedef enum { SPECIAL_NONE, SPECIAL_PRIMARY, SPECIAL_ID, SPECIAL_REASON, SPECIAL_CONTEXT } Special;

/* What a row member becomes: its kind and the name it goes on under. */
typedef struct {
  MemberKind  kind;
  Special     special;
  char       *out;
  JsonNode   *last;   /* the value this member had in the previous row (shared if equal) */
} Member;

typedef enum { V_NULL, V_STRING, V_INT, V_DOUBLE, V_BOOL, V_OBJECT, V_ARRAY } ValueType;

typedef struct {
  const char    *start;
  const char    *p;
  const char    *end;
  guint          depth;
  GString       *text;      /* the last string read, decoded (NUL-terminated) */
  GString       *key;       /* the last member name read, decoded */
  GError        *syntax;    /* the first syntax error: ends the read */
  GError        *semantic;  /* the first wrong type or bad row: reported if the syntax is fine */
  OutpostEntity *entity;
  GHashTable    *members;   /* Web API member name -> Member* */
  JsonNode      *shared[3]; /* null, false, true: one node each per page, see read_value */
} Reader;

/* ---- errors ---------------------------------------------------------------------------- */

/* @what is untranslated (N_): translated only when the error is made, not on every call. */
static gboolean
syntax_error (Reader *r, const char *what)
{
  if (r->syntax == NULL)
    r->syntax = g_error_new (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                             _("The server sent a malformed or incomplete response (%zu bytes): %s at byte %zu"),
                             (gsize) (r->end - r->start), _(what), (gsize) (r->p - r->start));
  return FALSE;
}

static void
semantic_error (Reader *r, GError *error)
{
  if (r->semantic == NULL)
    r->semantic = error;
  else
    g_error_free (error);
}

static void
bad_row (Reader *r, const char *what)
{
  semantic_error (r, g_error_new (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                  _("The server sent a %s row with %s"),
                                  r->entity->logical_name, what));
}

/* ---- lexing ---------------------------------------------------------------------------- */

static inline void
skip_ws (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

/* The next non-blank character, or 0 at the end. */
static inline char
peek (Reader *r)
{
  skip_ws (r);
  return r->p < r->end ? *r->p : 0;
}

static gboolean
expect (Reader *r, char c, const char *what)
{
  if (peek (r) != c)
    return syntax_error (r, r->p >= r->end ? N_("the text ends early") : what);
  r->p++;
  return TRUE;
}

static gint
hex4 (const char *p)
{
  gint v = 0;

  for (guint i = 0; i < 4; i++)
    {
      gint d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* \uXXXX (and its low surrogate); r->p is on the 'u'. Lone surrogates and U+0000 (which would
 * cut the C string short) become U+FFFD. */
static gboolean
read_unicode_escape (Reader *r, GString *out)
{
  gint c;

  if (r->end - r->p < 5 || (c = hex4 (r->p + 1)) < 0)
    return syntax_error (r, N_("a bad \\u escape"));
  r->p += 5;
  if (c >= 0xD800 && c <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u')
    {
      gint lo = hex4 (r->p + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF)
        {
          c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
          r->p += 6;
        }
    }
  if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
    c = 0xFFFD;
  if (out != NULL)
    g_string_append_unichar (out, c);
  return TRUE;
}

static gboolean
read_escape (Reader *r, GString *out)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *hit;

  r->p++;   /* the backslash */
  if (r->p >= r->end)
    return syntax_error (r, N_("the text ends early"));
  if (*r->p == 'u')
    return read_unicode_escape (r, out);
  if (*r->p == '\0' || (hit = strchr (from, *r->p)) == NULL)
    return syntax_error (r, N_("a bad escape"));
  if (out != NULL)
    g_string_append_c (out, to[hit - from]);
  r->p++;
  return TRUE;
}

/* A string; r->p is on the opening quote. Decoded into @out (NULL: only checked). */
static gboolean
read_string (Reader *r, GString *out)
{
  if (out != NULL)
    g_string_truncate (out, 0);
  r->p++;
  for (;;)
    {
      const char *run = r->p, *bad = NULL;

      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && *r->p != '\0')
        r->p++;
      if (!g_utf8_validate_len (run, r->p - run, &bad))
        {
          r->p = bad;   /* the error names where */
          return syntax_error (r, N_("text that is not valid UTF-8"));
        }
      if (out != NULL)
        g_string_append_len (out, run, r->p - run);
      if (r->p >= r->end)
        return syntax_error (r, N_("the text ends early"));
      if (*r->p == '"')
        {
          r->p++;
          return TRUE;
        }
      if (*r->p == '\0')
        {
          /* a raw U+0000 would cut the C string short */
          if (out != NULL)
            g_string_append (out, "\xef\xbf\xbd");
          r->p++;
        }
      else if (!read_escape (r, out))
        return FALSE;
    }
}

static inline gboolean
is_digit (const char *p, const char *end)
{
  return p < end && g_ascii_isdigit (*p);
}

/* A number (RFC 8259 grammar): an integer that fits in 64 bits, else a double. */
static gboolean
read_number (Reader *r, ValueType *type, gint64 *i, double *d)
{
  const char *s = r->p;
  gboolean integral = TRUE;

  if (r->p < r->end && *r->p == '-')
    r->p++;
  if (!is_digit (r->p, r->end))
    return syntax_error (r, N_("an unexpected character"));
  if (*r->p == '0')
    r->p++;
  else
    while (is_digit (r->p, r->end))
      r->p++;
  if (r->p < r->end && *r->p == '.')
    {
      integral = FALSE;
      if (!is_digit (++r->p, r->end))
        return syntax_error (r, N_("a bad number"));
      while (is_digit (r->p, r->end))
        r->p++;
    }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      integral = FALSE;
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (!is_digit (r->p, r->end))
        return syntax_error (r, N_("a bad number"));
      while (is_digit (r->p, r->end))
        r->p++;
    }
  g_string_truncate (r->text, 0);
  g_string_append_len (r->text, s, r->p - s);
  if (integral)
    {
      char *stop = NULL;
      errno = 0;
      *i = g_ascii_strtoll (r->text->str, &stop, 10);
      if (errno == 0 && stop == r->text->str + r->text->len)
        return (*type = V_INT, TRUE);
    }
  *d = g_ascii_strtod (r->text->str, NULL);
  *type = V_DOUBLE;
  return TRUE;
}

static gboolean
read_word (Reader *r, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (r->end - r->p) < n || memcmp (r->p, word, n) != 0)
    return syntax_error (r, r->end - r->p < (gssize) n ? N_("the text ends early")
                                                       : N_("an unexpected character"));
  r->p += n;
  return TRUE;
}

static gboolean
enter (Reader *r)
{
  if (++r->depth > OUTPOST_DV_MAX_DEPTH && r->syntax == NULL)
    r->syntax = g_error_new (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                             _("The server sent a response nested deeper than %u levels (%zu bytes)"),
                             (guint) OUTPOST_DV_MAX_DEPTH, (gsize) (r->end - r->start));
  return r->syntax == NULL;
}

/* A member name and its colon, inside an object being skipped or read. */
static gboolean
read_key (Reader *r, GString *out)
{
  if (peek (r) != '"')
    return syntax_error (r, r->p >= r->end ? N_("the text ends early") : N_("a member without a name"));
  return read_string (r, out) && expect (r, ':', N_("a missing colon"));
}

static gboolean
skip_scalar (Reader *r)
{
  char c = peek (r);
  ValueType t;
  gint64 i;
  double d;

  if (c == '"')
    return read_string (r, NULL);
  if (c == 't' || c == 'f' || c == 'n')
    return read_word (r, c == 't' ? "true" : c == 'f' ? "false" : "null");
  if (c == 0)
    return syntax_error (r, N_("the text ends early"));
  return read_number (r, &t, &i, &d);
}

/* An object or a list (r->p on its bracket), checked and skipped without recursion: a stack
 * of the open brackets (bounded by the depth limit) says what closes and whether a member
 * name comes next. */
static gboolean
skip_nested (Reader *r)
{
  char open[OUTPOST_DV_MAX_DEPTH + 1];
  guint n = 0;

  for (;;)
    {
      char c = peek (r);
      gboolean value_done = FALSE;

      if (c == '{' || c == '[')
        {
          char close = c == '{' ? '}' : ']';

          if (!enter (r))
            return FALSE;
          open[n++] = close;
          r->p++;
          if (peek (r) == close)
            {
              r->p++;
              r->depth--;
              if (--n == 0)
                return TRUE;
              value_done = TRUE;
            }
          else if (close == '}' && !read_key (r, NULL))
            return FALSE;
        }
      else if (!skip_scalar (r))
        return FALSE;
      else
        value_done = TRUE;
      while (value_done)   /* after a value: a comma, or the innermost container closes */
        {
          c = peek (r);
          if (c == ',')
            {
              r->p++;
              if (open[n - 1] == '}' && !read_key (r, NULL))
                return FALSE;
              value_done = FALSE;
            }
          else if (c == open[n - 1])
            {
              r->p++;
              r->depth--;
              if (--n == 0)
                return TRUE;
            }
          else
            return syntax_error (r, c == 0 ? N_("the text ends early") : N_("a missing comma or bracket"));
        }
    }
}

/* One node for every null, false and true of a page, and a string equal to the same
 * member's value in the previous row (an owner, a currency, a country) reuses that node:
 * each saves three allocations and their frees. Row values are only read after the parse
 * (nothing in the sync or the store changes a node in place), and a page's nodes are never
 * shared with another page. */
static JsonNode *
shared_node (Reader *r, ValueType type, gboolean truth)
{
  guint k = type == V_NULL ? 0 : truth ? 2 : 1;

  if (r->shared[k] == NULL)
    r->shared[k] = k == 0 ? json_node_init_null (json_node_alloc ())
                          : json_node_init_boolean (json_node_alloc (), truth);
  return json_node_ref (r->shared[k]);
}

static JsonNode *
string_node (Reader *r, Member *m)
{
  JsonNode *node;

  if (m != NULL && m->last != NULL && strcmp (json_node_get_string (m->last), r->text->str) == 0)
    return json_node_ref (m->last);
  node = json_node_init_string (json_node_alloc (), r->text->str);
  if (m != NULL)
    {
      g_clear_pointer (&m->last, json_node_unref);
      m->last = json_node_ref (node);
    }
  return node;
}

/* Any value. Scalars come back as a JsonNode in *@node (when @node is not NULL; strings
 * shared through @m, which may be NULL); objects and lists are checked and skipped
 * (*@node NULL). */
static gboolean
read_value (Reader *r, ValueType *type, JsonNode **node, Member *m)
{
  char c = peek (r);
  gint64 i = 0;
  double d = 0;

  if (node != NULL)
    *node = NULL;
  switch (c)
    {
    case '{': case '[':
      *type = c == '{' ? V_OBJECT : V_ARRAY;
      return skip_nested (r);
    case '"':
      *type = V_STRING;
      if (!read_string (r, r->text))
        return FALSE;
      if (node != NULL)
        *node = string_node (r, m);
      return TRUE;
    case 't': case 'f':
      *type = V_BOOL;
      if (!read_word (r, c == 't' ? "true" : "false"))
        return FALSE;
      if (node != NULL)
        *node = shared_node (r, V_BOOL, c == 't');
      return TRUE;
    case 'n':
      *type = V_NULL;
      if (!read_word (r, "null"))
        return FALSE;
      if (node != NULL)
        *node = shared_node (r, V_NULL, FALSE);
      return TRUE;
    case 0:
      return syntax_error (r, N_("the text ends early"));
    default:
      if (!read_number (r, type, &i, &d))
        return FALSE;
      if (node != NULL)
        *node = *type == V_INT ? json_node_init_int (json_node_alloc (), i)
                               : json_node_init_double (json_node_alloc (), d);
      return TRUE;
    }
}

/* ---- rows -------------------------------------------------------------------------------- */

static void
member_free (Member *m)
{
  g_free (m->out);
  g_clear_pointer (&m->last, json_node_unref);
  g_free (m);
}

static void
add_member (GHashTable *members, char *web, MemberKind kind, char *out)
{
  Member *m = g_new0 (Member, 1);

  m->kind = kind;
  m->out = out;
  g_hash_table_insert (members, web, m);
}

static void
add_special (GHashTable *members, const char *name, Special special)
{
  Member *m = g_hash_table_lookup (members, name);

  if (m == NULL)
    {
      m = g_new0 (Member, 1);   /* MEMBER_DROP: read, not passed on */
      g_hash_table_insert (members, g_strdup (name), m);
    }
  if (m->special == SPECIAL_NONE)   /* the primary id wins over a field named "id" */
    m->special = special;
}

/* The members a row may carry: "@odata.etag", the profile's fields by their Web API names
 * ("_<lookup>_value" for lookups, passed on as "<lookup>") and a lookup's lookuplogicalname
 * annotation (passed on as "<lookup>@target"). Any other member is dropped (unknown columns,
 * hostile names). */
static GHashTable *
allowed_members (OutpostEntity *entity)
{
  GHashTable *members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) member_free);

  add_member (members, g_strdup ("@odata.etag"), MEMBER_ETAG, NULL);
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *f = g_ptr_array_index (entity->fields, i);

      if (f->type != OUTPOST_FIELD_LOOKUP)
        {
          add_member (members, g_strdup (f->name), MEMBER_VALUE, g_strdup (f->name));
          continue;
        }
      add_member (members, g_strdup_printf ("_%s_value", f->name), MEMBER_LOOKUP, g_strdup (f->name));
      add_member (members, g_strdup_printf ("_%s_value" LOOKUP_ANNOTATION, f->name), MEMBER_TARGET,
                  g_strconcat (f->name, "@target", NULL));
    }
  add_special (members, entity->primary_id, SPECIAL_PRIMARY);
  add_special (members, "id", SPECIAL_ID);
  add_special (members, "reason", SPECIAL_REASON);
  add_special (members, "@odata.context", SPECIAL_CONTEXT);
  return members;
}

typedef struct {
  JsonObject *values;
  char       *primary;         /* the primary id member when it is text */
  gboolean    has_primary;
  char       *deleted_id;      /* "id" when it is text */
  gboolean    has_reason;
  gboolean    context_deleted; /* "@odata.context" ends with $deletedEntity */
  char       *etag;
  gboolean    etag_bad;
  char       *bad_value;       /* the first field whose value is an object or a list */
} RowState;

static void
row_state_clear (RowState *s)
{
  g_clear_pointer (&s->values, json_object_unref);
  g_free (s->primary);
  g_free (s->deleted_id);
  g_free (s->etag);
  g_free (s->bad_value);
}

static char *
text_of (ValueType type, JsonNode *node)
{
  return type == V_STRING ? g_strdup (json_node_get_string (node)) : NULL;
}

/* One member of a row: r->key is its name, the value is next. */
static gboolean
row_member (Reader *r, RowState *s)
{
  const char *name = r->key->str;
  Member *m = g_hash_table_lookup (r->members, name);
  ValueType type;
  JsonNode *node = NULL;

  if (!read_value (r, &type, &node, m != NULL && m->kind > MEMBER_ETAG ? m : NULL))
    return FALSE;
  switch (m != NULL ? m->special : SPECIAL_NONE)
    {
    case SPECIAL_PRIMARY:
      s->has_primary = TRUE;
      g_free (s->primary);
      s->primary = text_of (type, node);
      break;
    case SPECIAL_ID:
      g_free (s->deleted_id);
      s->deleted_id = text_of (type, node);
      break;
    case SPECIAL_REASON:
      s->has_reason = TRUE;
      break;
    case SPECIAL_CONTEXT:
      s->context_deleted = type == V_STRING && g_str_has_suffix (json_node_get_string (node), "$deletedEntity");
      break;
    case SPECIAL_NONE:
      break;
    }
  if (m == NULL || m->kind == MEMBER_DROP || node == NULL)
    {
      if (m != NULL && (m->kind == MEMBER_VALUE || m->kind == MEMBER_LOOKUP) && s->bad_value == NULL)
        s->bad_value = g_strdup (name);   /* an object or a list is no column value */
      if (m != NULL && m->kind == MEMBER_ETAG)
        s->etag_bad = TRUE;
      g_clear_pointer (&node, json_node_unref);
      return TRUE;
    }
  switch (m->kind)
    {
    case MEMBER_DROP:
      break;
    case MEMBER_ETAG:
      g_free (s->etag);
      s->etag = text_of (type, node);
      s->etag_bad = type != V_STRING && type != V_NULL;
      json_node_unref (node);
      break;
    case MEMBER_VALUE:
    case MEMBER_LOOKUP:
      json_object_set_member (s->values, m->out, node);
      break;
    case MEMBER_TARGET:
      if (type == V_STRING && outpost_identifier_is_valid (json_node_get_string (node)))
        json_object_set_member (s->values, m->out, node);
      else
        json_node_unref (node);
      break;
    }
  return TRUE;
}

static gboolean
valid_id (const char *id)
{
  return id != NULL && g_uuid_string_is_valid (id);
}

/* The row read into @s, as the connector passes it on (NULL: a semantic error was noted). */
static OutpostServerRow *
finish_row (Reader *r, RowState *s)
{
  OutpostServerRow *row;

  if (s->context_deleted || (s->has_reason && !s->has_primary))
    {
      if (!valid_id (s->deleted_id))
        return (bad_row (r, _("a deletion without a valid id")), NULL);
      row = g_new0 (OutpostServerRow, 1);
      row->id = g_ascii_strdown (s->deleted_id, -1);
      row->deleted = TRUE;
      return row;
    }
  if (!valid_id (s->primary))
    return (bad_row (r, _("no valid id")), NULL);
  if (s->etag_bad)
    return (bad_row (r, _("an ETag that is not text")), NULL);
  if (s->bad_value != NULL)
    {
      semantic_error (r, g_error_new (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                      _("The server sent a %s row with an object or a list as the value of “%s”"),
                                      r->entity->logical_name, s->bad_value));
      return NULL;
    }
  row = g_new0 (OutpostServerRow, 1);
  row->id = g_ascii_strdown (s->primary, -1);
  row->etag = g_steal_pointer (&s->etag);
  row->values = g_steal_pointer (&s->values);
  return row;
}

/* A row object; r->p is on '{'. Appended to @rows unless an error was noted. */
static gboolean
read_row (Reader *r, GPtrArray *rows)
{
  RowState s = { 0 };
  gboolean ok = FALSE;
  OutpostServerRow *row;

  if (!enter (r))
    return FALSE;
  r->p++;
  s.values = json_object_new ();
  if (peek (r) != '}')
    for (;;)
      {
        if (!read_key (r, r->key) || !row_member (r, &s))
          goto out;
        if (peek (r) != ',')
          break;
        r->p++;
      }
  if (!expect (r, '}', N_("a missing comma or brace")))
    goto out;
  r->depth--;
  ok = TRUE;
  if (r->semantic == NULL && (row = finish_row (r, &s)) != NULL)
    g_ptr_array_add (rows, row);
out:
  row_state_clear (&s);
  return ok;
}

/* "value": the list of rows; r->p is on '['. */
static gboolean
read_rows (Reader *r, GPtrArray *rows)
{
  if (!enter (r))
    return FALSE;
  r->p++;
  if (peek (r) == ']')
    {
      r->p++;
      r->depth--;
      return TRUE;
    }
  for (;;)
    {
      if (peek (r) == '{')
        {
          if (!read_row (r, rows))
            return FALSE;
        }
      else
        {
          ValueType type;
          if (!read_value (r, &type, NULL, NULL))
            return FALSE;
          semantic_error (r, g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                                  _("The server sent a row that is not an object")));
        }
      if (peek (r) != ',')
        break;
      r->p++;
    }
  if (!expect (r, ']', N_("a missing comma or bracket")))
    return FALSE;
  r->depth--;
  return TRUE;
}

/* ---- the page ------------------------------------------------------------------------------ */

typedef struct {
  gboolean has_value;
  gboolean has_members;
  gboolean capped;
} PageState;

static gboolean
read_link (Reader *r, const char *member, char **out)
{
  ValueType type;
  JsonNode *node;

  if (!read_value (r, &type, &node, NULL))
    return FALSE;
  if (type == V_STRING)
    {
      g_free (*out);
      *out = g_strdup (json_node_get_string (node));
    }
  else if (type != V_NULL)
    semantic_error (r, g_error_new (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                    _("The server sent a page whose “%s” is not text"), member));
  g_clear_pointer (&node, json_node_unref);
  return TRUE;
}

static gboolean
page_member (Reader *r, OutpostPage *page, PageState *ps)
{
  const char *name = r->key->str;
  ValueType type;
  JsonNode *node = NULL;
  gboolean ok;

  ps->has_members = TRUE;
  if (strcmp (name, "value") == 0)
    {
      if (ps->has_value)   /* a second list would silently replace or add to the first */
        semantic_error (r, g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                                _("The server sent a page with two lists of rows")));
      ps->has_value = TRUE;
      if (peek (r) == '[')
        return read_rows (r, page->rows);
      if (!read_value (r, &type, NULL, NULL))
        return FALSE;
      semantic_error (r, g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                              _("The server sent a page whose “value” is not a list")));
      return TRUE;
    }
  if (strcmp (name, "@odata.nextLink") == 0 || strcmp (name, "@odata.deltaLink") == 0)
    return read_link (r, name, name[7] == 'n' ? &page->next_link : &page->delta_link);
  ok = read_value (r, &type, &node, NULL);
  if (ok && strcmp (name, "@odata.count") == 0)
    page->count = type == V_INT ? MAX (json_node_get_int (node), -1) : -1;
  else if (ok && strcmp (name, "@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded") == 0)
    ps->capped = type == V_BOOL && json_node_get_boolean (node);
  g_clear_pointer (&node, json_node_unref);
  return ok;
}

static gboolean
read_page (Reader *r, OutpostPage *page, PageState *ps)
{
  char c = peek (r);

  if (c == 0)   /* "an empty JSON response if no table changes have occurred" */
    return TRUE;
  if (c != '{')
    {
      ValueType type;
      if (read_value (r, &type, NULL, NULL))
        semantic_error (r, g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                                _("The server sent a response that is not a JSON object")));
      return r->syntax == NULL && (peek (r) == 0 || syntax_error (r, N_("text after the end")));
    }
  if (!enter (r))
    return FALSE;
  r->p++;
  if (peek (r) != '}')
    for (;;)
      {
        if (!read_key (r, r->key) || !page_member (r, page, ps))
          return FALSE;
        if (peek (r) != ',')
          break;
        r->p++;
      }
  if (!expect (r, '}', N_("a missing comma or brace")))
    return FALSE;
  r->depth--;
  return peek (r) == 0 || syntax_error (r, N_("text after the end"));
}

OutpostPage *
outpost_dv_parse_page (OutpostEntity *entity, OutpostDownloadMode mode, GBytes *body,
                       GError **error)
{
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  Reader r = { 0 };
  g_autoptr(OutpostPage) page = g_new0 (OutpostPage, 1);
  PageState ps = { FALSE, FALSE, FALSE };

  page->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_server_row_free);
  page->bytes = len;
  page->count = -1;
  if (data == NULL)   /* an empty GBytes may have no data at all */
    data = "", len = 0;
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)   /* a UTF-8 byte order mark */
    data += 3, len -= 3;
  r.start = r.p = data;
  r.end = data + len;
  r.entity = entity;
  r.members = allowed_members (entity);
  r.text = g_string_sized_new (256);
  r.key = g_string_sized_new (64);
  read_page (&r, page, &ps);
  g_hash_table_unref (r.members);
  for (guint i = 0; i < G_N_ELEMENTS (r.shared); i++)
    g_clear_pointer (&r.shared[i], json_node_unref);
  g_string_free (r.text, TRUE);
  g_string_free (r.key, TRUE);
  if (r.syntax != NULL)
    {
      g_clear_error (&r.semantic);
      g_propagate_error (error, r.syntax);
      return NULL;
    }
  if (r.semantic != NULL)
    {
      g_propagate_error (error, r.semantic);
      return NULL;
    }
  if (ps.capped)
    page->count = -1;
  /* Only a delta may come back empty: an empty answer to a full read would sweep every
   * local row. */
  if (!ps.has_value && !(mode == OUTPOST_DOWNLOAD_DELTA && !ps.has_members))
    {
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                           _("The server sent a page without “value”"));
      return NULL;
    }
  return g_steal_pointer (&page);
}

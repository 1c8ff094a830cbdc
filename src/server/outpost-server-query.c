/* outpost-server-query.c: GET of collections and single records: $select, $filter, $orderby,
 * $top, $count, server-driven paging and change tracking (delta links).
 *
 * Paging is keyset based, never offsets: the opaque $skiptoken carries the sort key of the last
 * row sent (the $orderby values plus the primary key), so a page boundary stays right when rows
 * are inserted or deleted between pages. The cookie looks like Dataverse's
 * (<cookie pagenumber="2" pagingcookie="..." istracking="False" />); its pagingcookie is base64
 * JSON that only this server reads.
 *
 * Change tracking: every write takes the next value of one org-wide counter as the row's
 * versionnumber, deletes leave a tombstone with their own version. A delta token is
 * "<version>!<timestamp>"; a delta returns rows with version in (token, snapshot] ordered by
 * version, then tombstones in that range, paged the same way. The snapshot is fixed on the first
 * page, so anything written while a client pages shows up in the next delta instead. */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

typedef struct {
  const OsEntity *entity;
  OsPrefer        prefer;
  GPtrArray      *attrs;       /* selected const OsAttribute* */
  char           *select_text; /* for @odata.context, NULL when no $select */
  OsFilter        filter;
  GPtrArray      *order;       /* OsOrder */
  gint64          top;         /* -1 = none */
  int             page_size;
  gboolean        tracking;    /* track-changes applies */
  gboolean        delta;       /* a delta request (has a token) */
  gint64          from_version;
  gint64          snapshot;
  int             phase;       /* delta: 0 changed rows, 1 tombstones */
  int             page_number;
  gint64          returned;    /* rows sent on earlier pages ($top) */
  JsonArray      *keyset;      /* last key of the previous page, NULL on page 1 */
} Query;

typedef struct {
  const OsAttribute *attr;
  gboolean           desc;
} OsOrder;

static void
query_clear (Query *q)
{
  os_prefer_clear (&q->prefer);
  g_clear_pointer (&q->attrs, g_ptr_array_unref);
  g_clear_pointer (&q->select_text, g_free);
  os_filter_clear (&q->filter);
  g_clear_pointer (&q->order, g_ptr_array_unref);
  g_clear_pointer (&q->keyset, json_array_unref);
}

gboolean
os_parse_select (const OsEntity *entity, const char *text, GPtrArray *attrs, OsResponse *resp)
{
  g_auto(GStrv) names = NULL;

  if (text == NULL)
    {
      for (const OsAttribute *a = entity->attrs + 1; a->name; a++)
        g_ptr_array_add (attrs, (gpointer) a);
      return TRUE;
    }
  names = g_strsplit (text, ",", -1);
  for (guint i = 0; names[i]; i++)
    {
      const char *name = g_strstrip (names[i]);
      const OsAttribute *a = os_resolve_property (entity, name);
      if (a == NULL)
        {
          os_response_error (resp, 400, "0x80060888",
                             "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'.",
                             name, entity->logical_name);
          return FALSE;
        }
      if (a != entity->attrs && !g_ptr_array_find (attrs, a, NULL))
        g_ptr_array_add (attrs, (gpointer) a);
    }
  return TRUE;
}

static gboolean
parse_orderby (Query *q, const char *text, OsResponse *resp)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i]; i++)
    {
      g_auto(GStrv) words = g_strsplit (g_strstrip (items[i]), " ", -1);
      OsOrder *o = g_new0 (OsOrder, 1);
      g_ptr_array_add (q->order, o);
      o->attr = os_resolve_property (q->entity, words[0] ? words[0] : "");
      if (o->attr == NULL)
        {
          os_response_error (resp, 400, "0x80060888",
                             "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'.",
                             words[0] ? words[0] : "", q->entity->logical_name);
          return FALSE;
        }
      for (guint j = 1; words[j]; j++)
        if (g_ascii_strcasecmp (words[j], "desc") == 0)
          o->desc = TRUE;
    }
  return TRUE;
}

static gboolean
reject_with_tracking (Query *q, OsRequest *req, OsResponse *resp)
{
  static const char *options[] = { "$filter", "$orderby", "$expand", "$top" };
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_hash_table_contains (req->query, options[i]))
      {
        os_response_error (resp, 400, "0x80060888",
                           "The \"%s\" query parameter isn't supported when Change Tracking is enabled.",
                           options[i]);
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_delta_token (OsServer *server, const char *token, gint64 *version)
{
  char *end = NULL;
  gint64 v;

  if (token == NULL || !g_ascii_isdigit (token[0]))
    return FALSE;
  v = g_ascii_strtoll (token, &end, 10);
  if (end == NULL || *end != '!')
    return FALSE;
  if (v < server->min_delta_version || v > server->version)
    return FALSE;
  *version = v;
  return TRUE;
}

/* Decodes our $skiptoken cookie. */
static gboolean
parse_skiptoken (Query *q, const char *token)
{
  const char *start = strstr (token, "pagingcookie=\"");
  const char *end;
  g_autofree char *b64 = NULL;
  g_autofree guchar *raw = NULL;
  gsize len = 0;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (start == NULL)
    return FALSE;
  start += strlen ("pagingcookie=\"");
  end = strchr (start, '"');
  if (end == NULL)
    return FALSE;
  b64 = g_strndup (start, end - start);
  raw = g_base64_decode (b64, &len);
  if (raw == NULL || !json_parser_load_from_data (parser, (const char *) raw, len, NULL))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  o = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (o, "k") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "k")))
    return FALSE;
  q->keyset = json_array_ref (json_object_get_array_member (o, "k"));
  q->snapshot = json_object_get_int_member_with_default (o, "s", 0);
  q->from_version = json_object_get_int_member_with_default (o, "t", 0);
  q->phase = (int) json_object_get_int_member_with_default (o, "p", 0);
  q->page_number = (int) json_object_get_int_member_with_default (o, "n", 1);
  q->returned = json_object_get_int_member_with_default (o, "r", 0);
  q->tracking = json_object_get_boolean_member_with_default (o, "c", FALSE);
  q->delta = json_object_get_boolean_member_with_default (o, "d", FALSE);
  return TRUE;
}

static gboolean
query_parse (Query *q, OsRequest *req, OsResponse *resp)
{
  const char *select = g_hash_table_lookup (req->query, "$select");
  const char *filter = g_hash_table_lookup (req->query, "$filter");
  const char *orderby = g_hash_table_lookup (req->query, "$orderby");
  const char *top = g_hash_table_lookup (req->query, "$top");
  const char *skiptoken = g_hash_table_lookup (req->query, "$skiptoken");
  const char *deltatoken = g_hash_table_lookup (req->query, "$deltatoken");
  g_autoptr(GError) error = NULL;

  os_prefer_parse (req->headers, &q->prefer);
  q->attrs = g_ptr_array_new ();
  q->order = g_ptr_array_new_with_free_func (g_free);
  q->top = -1;
  q->page_number = 1;
  if (g_hash_table_contains (req->query, "$expand"))
    {
      os_response_error (resp, 400, "0x80060888", "The $expand query option is not supported by this server.");
      return FALSE;
    }
  if (g_hash_table_contains (req->query, "$skip"))
    {
      os_response_error (resp, 400, "0x80060888", "The query parameter '$skip' is not supported.");
      return FALSE;
    }
  if (!os_parse_select (q->entity, select, q->attrs, resp))
    return FALSE;
  q->select_text = select ? g_strdup (select) : NULL;
  if (skiptoken)
    {
      if (!parse_skiptoken (q, skiptoken))
        {
          os_response_error (resp, 400, "0x80060888", "The $skiptoken value is not valid.");
          return FALSE;
        }
    }
  else if (deltatoken || (q->prefer.track_changes && q->entity->change_tracking))
    {
      if (!q->entity->change_tracking)
        {
          os_response_error (resp, 400, "0x80060888",
                             "Change tracking is not enabled for the entity '%s'.", q->entity->logical_name);
          return FALSE;
        }
      q->tracking = TRUE;
      q->snapshot = req->server->version;
      if (deltatoken)
        {
          q->delta = TRUE;
          if (!parse_delta_token (req->server, deltatoken, &q->from_version))
            {
              os_response_error (resp, 400, "0x80044352",
                                 "Version stamp associated with the client has expired. Please perform a full sync.");
              return FALSE;
            }
        }
    }
  if (q->tracking && reject_with_tracking (q, req, resp))
    return FALSE;
  if (filter && !os_filter_parse (q->entity, filter, &q->filter, &error))
    {
      os_response_error (resp, 400, "0x80060888", "%s", error->message);
      return FALSE;
    }
  if (orderby && !parse_orderby (q, orderby, resp))
    return FALSE;
  if (top)
    {
      char *end = NULL;
      q->top = g_ascii_strtoll (top, &end, 10);
      if (end == top || *end != '\0' || q->top < 0)
        {
          os_response_error (resp, 400, "0x80060888", "Invalid value '%s' for $top.", top);
          return FALSE;
        }
    }
  q->page_size = OS_MAX_PAGE_SIZE;
  if (q->prefer.max_page_size > 0)
    {
      q->page_size = MIN (q->prefer.max_page_size, OS_MAX_PAGE_SIZE);
      q->top = -1;  /* $top is ignored together with odata.maxpagesize */
    }
  return TRUE;
}

static void
append_column_list (GString *sql, const OsEntity *entity, GPtrArray *attrs)
{
  g_string_append (sql, "versionnumber, ");
  os_sql_ident (sql, entity->primary_id);
  for (guint i = 0; i < attrs->len; i++)
    {
      const OsAttribute *a = g_ptr_array_index (attrs, i);
      g_string_append (sql, ", ");
      os_sql_ident (sql, a->name);
      if (os_type_is_lookup (a->type))
        {
          g_autofree char *t = g_strconcat (a->name, "_t", NULL);
          g_string_append (sql, ", ");
          os_sql_ident (sql, t);
        }
    }
}

static OsValue *
value_from_json (JsonNode *node)
{
  OsValue *v = g_new0 (OsValue, 1);
  if (JSON_NODE_HOLDS_NULL (node))
    return v;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64: v->kind = OS_VALUE_INT; v->i = json_node_get_int (node); break;
    case G_TYPE_DOUBLE: v->kind = OS_VALUE_REAL; v->d = json_node_get_double (node); break;
    case G_TYPE_BOOLEAN: v->kind = OS_VALUE_INT; v->i = json_node_get_boolean (node); break;
    default: v->kind = OS_VALUE_TEXT; v->s = g_strdup (json_node_get_string (node)); break;
    }
  return v;
}

/* Appends "(k1 > v1) OR (k1 = v1 AND k2 > v2) ..." for the keyset columns. NULL sorts first
 * ascending and last descending in SQLite, and the condition follows that. */
static void
append_keyset (GString *sql, GPtrArray *values, const char **cols, const gboolean *desc, guint n,
               JsonArray *keyset)
{
  g_string_append (sql, "(");
  for (guint k = 0; k < n; k++)
    {
      JsonNode *vk = json_array_get_element (keyset, k);
      g_string_append (sql, k ? " OR (" : "(");
      for (guint j = 0; j < k; j++)
        {
          JsonNode *vj = json_array_get_element (keyset, j);
          os_sql_ident (sql, cols[j]);
          if (JSON_NODE_HOLDS_NULL (vj))
            g_string_append (sql, " IS NULL AND ");
          else
            {
              g_string_append (sql, " = ? AND ");
              g_ptr_array_add (values, value_from_json (vj));
            }
        }
      if (JSON_NODE_HOLDS_NULL (vk))
        {
          if (desc[k])
            g_string_append (sql, "0");
          else
            {
              os_sql_ident (sql, cols[k]);
              g_string_append (sql, " IS NOT NULL");
            }
        }
      else
        {
          g_string_append (sql, "(");
          os_sql_ident (sql, cols[k]);
          g_string_append (sql, desc[k] ? " < ?" : " > ?");
          g_ptr_array_add (values, value_from_json (vk));
          if (desc[k])
            {
              g_string_append (sql, " OR ");
              os_sql_ident (sql, cols[k]);
              g_string_append (sql, " IS NULL");
            }
          g_string_append (sql, ")");
        }
      g_string_append (sql, ")");
    }
  g_string_append (sql, ")");
}

static void
key_columns (Query *q, GPtrArray *cols, GArray *desc)
{
  gboolean f = FALSE;
  if (q->delta)
    {
      g_ptr_array_add (cols, (gpointer) "versionnumber");
      g_array_append_val (desc, f);
    }
  for (guint i = 0; i < q->order->len; i++)
    {
      OsOrder *o = g_ptr_array_index (q->order, i);
      g_ptr_array_add (cols, (gpointer) o->attr->name);
      g_array_append_val (desc, o->desc);
    }
  g_ptr_array_add (cols, (gpointer) q->entity->primary_id);
  g_array_append_val (desc, f);
}

static char *
build_rows_sql (Query *q, GPtrArray *values, GPtrArray *cols, GArray *desc, int limit)
{
  GString *sql = g_string_new ("SELECT ");
  gboolean where = FALSE;

  append_column_list (sql, q->entity, q->attrs);
  for (guint i = 0; i < cols->len; i++)
    {
      g_string_append (sql, ", ");
      os_sql_ident (sql, g_ptr_array_index (cols, i));
    }
  g_string_append (sql, " FROM ");
  os_sql_ident (sql, q->entity->logical_name);
  if (q->filter.sql)
    {
      g_string_append_printf (sql, " WHERE (%s)", q->filter.sql->str);
      for (guint i = 0; i < q->filter.values->len; i++)
        {
          OsValue *v = g_ptr_array_index (q->filter.values, i);
          OsValue *c = g_memdup2 (v, sizeof *v);
          c->s = g_strdup (v->s);
          g_ptr_array_add (values, c);
        }
      where = TRUE;
    }
  if (q->delta)
    {
      g_string_append_printf (sql, " %s versionnumber > %" G_GINT64_FORMAT " AND versionnumber <= %"
                              G_GINT64_FORMAT, where ? "AND" : "WHERE", q->from_version, q->snapshot);
      where = TRUE;
    }
  if (q->keyset && q->phase == 0)
    {
      g_string_append (sql, where ? " AND " : " WHERE ");
      append_keyset (sql, values, (const char **) cols->pdata, (gboolean *) desc->data, cols->len, q->keyset);
    }
  g_string_append (sql, " ORDER BY ");
  for (guint i = 0; i < cols->len; i++)
    {
      os_sql_ident (sql, g_ptr_array_index (cols, i));
      g_string_append (sql, g_array_index (desc, gboolean, i) ? " DESC, " : " ASC, ");
    }
  g_string_truncate (sql, sql->len - 2);
  g_string_append_printf (sql, " LIMIT %d", limit);
  return g_string_free (sql, FALSE);
}

static void
append_context (GString *out, OsServer *server, const OsEntity *entity, const char *select,
                const char *suffix)
{
  g_autofree char *ctx = NULL;
  if (select)
    ctx = g_strdup_printf ("%s$metadata#%s(%s)%s", server->api_base, entity->set_name, select, suffix);
  else
    ctx = g_strdup_printf ("%s$metadata#%s%s", server->api_base, entity->set_name, suffix);
  os_json_key (out, "@odata.context");
  os_json_string (out, ctx);
}

/* Serializes the key of the current row into the cookie JSON. */
static void
append_key_json (GString *json, sqlite3_stmt *stmt, int first, guint n)
{
  g_string_append (json, "[");
  for (guint i = 0; i < n; i++)
    {
      int col = first + (int) i;
      if (i)
        g_string_append_c (json, ',');
      switch (sqlite3_column_type (stmt, col))
        {
        case SQLITE_NULL: g_string_append (json, "null"); break;
        case SQLITE_INTEGER: g_string_append_printf (json, "%lld", (long long) sqlite3_column_int64 (stmt, col)); break;
        case SQLITE_FLOAT: os_json_double (json, sqlite3_column_double (stmt, col)); break;
        default: os_json_string (json, (const char *) sqlite3_column_text (stmt, col)); break;
        }
    }
  g_string_append (json, "]");
}

static char *
make_skiptoken (Query *q, const char *key_json, int phase, gint64 returned)
{
  g_autofree char *json = g_strdup_printf ("{\"k\":%s,\"s\":%" G_GINT64_FORMAT ",\"t\":%" G_GINT64_FORMAT
                                           ",\"p\":%d,\"n\":%d,\"r\":%" G_GINT64_FORMAT ",\"c\":%s,\"d\":%s}",
                                           key_json, q->snapshot, q->from_version, phase,
                                           q->page_number + 1, returned,
                                           q->tracking ? "true" : "false", q->delta ? "true" : "false");
  g_autofree char *b64 = g_base64_encode ((const guchar *) json, strlen (json));
  return g_strdup_printf ("<cookie pagenumber=\"%d\" pagingcookie=\"%s\" istracking=\"%s\" />",
                          q->page_number + 1, b64, q->tracking ? "True" : "False");
}

/* The link to the next page: the request's own query, less any old $skiptoken/$deltatoken. */
static char *
make_link (OsRequest *req, const char *name, const char *value)
{
  GString *link = g_string_new (req->server->api_base);
  g_auto(GStrv) pairs = g_strsplit (req->raw_query ? req->raw_query : "", "&", -1);
  gboolean first = TRUE;
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append (link, req->path);
  for (guint i = 0; pairs[i]; i++)
    {
      if (pairs[i][0] == '\0' || g_str_has_prefix (pairs[i], "$skiptoken=") ||
          g_str_has_prefix (pairs[i], "%24skiptoken=") || g_str_has_prefix (pairs[i], "$deltatoken=") ||
          g_str_has_prefix (pairs[i], "%24deltatoken="))
        continue;
      g_string_append_c (link, first ? '?' : '&');
      g_string_append (link, pairs[i]);
      first = FALSE;
    }
  g_string_append_printf (link, "%c%s=%s", first ? '?' : '&', name, escaped);
  return g_string_free (link, FALSE);
}

static char *
make_delta_token (gint64 version)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%m/%d/%Y %H:%M:%S");
  return g_strdup_printf ("%" G_GINT64_FORMAT "!%s", version, stamp);
}

/* Writes up to `room` rows; returns how many, and the key JSON of the last one. */
static int
write_rows (Query *q, OsRequest *req, GString *out, int room, gboolean *more, char **last_key,
            OsResponse *resp)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) os_value_free);
  g_autoptr(GPtrArray) cols = g_ptr_array_new ();
  g_autoptr(GArray) desc = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = 0, rc, key_first;

  key_columns (q, cols, desc);
  sql = build_rows_sql (q, values, cols, desc, room + 1);
  if (sqlite3_prepare_v2 (req->server->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      os_response_error (resp, 500, "0x80040216", "Query failed: %s", sqlite3_errmsg (req->server->db));
      return -1;
    }
  os_bind_values (stmt, values, 1);
  key_first = sqlite3_column_count (stmt) - (int) cols->len;
  *more = FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n == room)
        {
          *more = TRUE;
          break;
        }
      if (out->str[out->len - 1] != '[')
        g_string_append_c (out, ',');
      os_write_record (req->server, out, q->entity, q->attrs, stmt, &q->prefer);
      g_free (*last_key);
      {
        GString *k = g_string_new (NULL);
        append_key_json (k, stmt, key_first, cols->len);
        *last_key = g_string_free (k, FALSE);
      }
      n++;
    }
  sqlite3_finalize (stmt);
  return n;
}

static int
write_tombstones (Query *q, OsRequest *req, GString *out, int room, gboolean *more, char **last_key)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *ctx = g_strdup_printf ("%s$metadata#%s/$deletedEntity", req->server->api_base,
                                          q->entity->set_name);
  int n = 0;
  gint64 after_version = 0;
  const char *after_id = "";

  if (q->phase == 1 && q->keyset && json_array_get_length (q->keyset) == 2)
    {
      after_version = json_array_get_int_element (q->keyset, 0);
      after_id = json_array_get_string_element (q->keyset, 1);
    }
  sqlite3_prepare_v2 (req->server->db,
                      "SELECT id, versionnumber FROM os_deleted WHERE entity = ? AND versionnumber > ? "
                      "AND versionnumber <= ? AND (versionnumber > ? OR (versionnumber = ? AND id > ?)) "
                      "ORDER BY versionnumber, id LIMIT ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, q->entity->logical_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, q->from_version);
  sqlite3_bind_int64 (stmt, 3, q->snapshot);
  sqlite3_bind_int64 (stmt, 4, after_version);
  sqlite3_bind_int64 (stmt, 5, after_version);
  sqlite3_bind_text (stmt, 6, after_id ? after_id : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 7, room + 1);
  *more = FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      if (n == room)
        {
          *more = TRUE;
          break;
        }
      if (out->str[out->len - 1] != '[')
        g_string_append_c (out, ',');
      g_string_append (out, "{");
      os_json_key (out, "@odata.context");
      os_json_string (out, ctx);
      g_string_append (out, ",\"id\":");
      os_json_string (out, id);
      g_string_append (out, ",\"reason\":\"deleted\"}");
      g_free (*last_key);
      *last_key = g_strdup_printf ("[%lld,\"%s\"]", (long long) sqlite3_column_int64 (stmt, 1), id);
      n++;
    }
  sqlite3_finalize (stmt);
  return n;
}

static void
add_preference_applied (Query *q, OsResponse *resp)
{
  GString *applied = g_string_new (NULL);
  if (q->prefer.max_page_size > 0)
    g_string_append_printf (applied, "odata.maxpagesize=%d", q->page_size);
  if (q->tracking)
    g_string_append_printf (applied, "%sodata.track-changes", applied->len ? "," : "");
  if (q->prefer.include_annotations)
    g_string_append_printf (applied, "%sodata.include-annotations=\"%s\"", applied->len ? "," : "",
                            q->prefer.include_annotations);
  if (applied->len)
    soup_message_headers_replace (resp->headers, "Preference-Applied", applied->str);
  g_string_free (applied, TRUE);
}

static gint64
count_rows (Query *q, OsServer *server)
{
  GString *sql = g_string_new ("SELECT count(*) FROM ");
  sqlite3_stmt *stmt = NULL;
  gint64 count = 0;

  os_sql_ident (sql, q->entity->logical_name);
  if (q->filter.sql)
    g_string_append_printf (sql, " WHERE (%s)", q->filter.sql->str);
  if (q->delta)
    g_string_append_printf (sql, " %s versionnumber > %" G_GINT64_FORMAT,
                            q->filter.sql ? "AND" : "WHERE", q->from_version);
  if (sqlite3_prepare_v2 (server->db, sql->str, -1, &stmt, NULL) == SQLITE_OK)
    {
      os_bind_values (stmt, q->filter.values, 1);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        count = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  g_string_free (sql, TRUE);
  if (q->delta)
    {
      sqlite3_prepare_v2 (server->db, "SELECT count(*) FROM os_deleted WHERE entity = ? AND versionnumber > ?",
                          -1, &stmt, NULL);
      sqlite3_bind_text (stmt, 1, q->entity->logical_name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, q->from_version);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        count += sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  return count;
}

static void
finish_page (Query *q, OsRequest *req, GString *out, gboolean more, const char *last_key, int phase,
             gint64 returned)
{
  g_string_append (out, "]");
  if (more)
    {
      g_autofree char *token = make_skiptoken (q, last_key ? last_key : "[]", phase, returned);
      g_autofree char *link = make_link (req, "$skiptoken", token);
      g_string_append (out, ",\"@odata.nextLink\":");
      os_json_string (out, link);
    }
  else if (q->tracking)
    {
      g_autofree char *token = make_delta_token (q->snapshot);
      g_autofree char *link = make_link (req, "$deltatoken", token);
      g_string_append (out, ",\"@odata.deltaLink\":");
      os_json_string (out, link);
    }
  g_string_append (out, "}");
}

void
os_entity_query (OsRequest *req, OsResponse *resp, const OsEntity *entity, gboolean count_only)
{
  Query q = { .entity = entity };
  g_autoptr(GString) out = g_string_sized_new (65536);
  g_autofree char *last_key = NULL;
  gboolean more = FALSE;
  int room, n = 0, phase;
  const char *count = g_hash_table_lookup (req->query, "$count");

  if (!query_parse (&q, req, resp))
    goto out;
  if (count_only)
    {
      resp->status = 200;
      g_string_printf (resp->body, "%" G_GINT64_FORMAT, count_rows (&q, req->server));
      os_response_set_content_type (resp, "text/plain");
      goto out;
    }
  g_string_append (out, "{");
  append_context (out, req->server, entity, q.select_text, q.delta ? "/$delta" : "");
  if (g_strcmp0 (count, "true") == 0)
    g_string_append_printf (out, ",\"@odata.count\":%" G_GINT64_FORMAT, count_rows (&q, req->server));
  g_string_append (out, ",\"value\":[");
  room = q.page_size;
  if (q.top >= 0)
    room = (int) MIN ((gint64) room, MAX (q.top - q.returned, 0));
  phase = q.phase;
  if (phase == 0)
    {
      n = write_rows (&q, req, out, room, &more, &last_key, resp);
      if (n < 0)
        goto out;
      if (!more && q.delta && n < room)
        {
          /* changed rows are done: continue with tombstones on the same page */
          phase = 1;
          g_clear_pointer (&last_key, g_free);
          g_clear_pointer (&q.keyset, json_array_unref);
          q.phase = 1;
        }
      else if (!more && q.delta)
        {
          more = TRUE;  /* the page is full; tombstones follow on the next one */
          phase = 1;
          g_clear_pointer (&last_key, g_free);
        }
    }
  if (phase == 1 && n < room)
    n += write_tombstones (&q, req, out, room - n, &more, &last_key);
  if (q.top >= 0 && q.returned + n >= q.top)
    more = FALSE;
  finish_page (&q, req, out, more, last_key, phase, q.returned + n);
  add_preference_applied (&q, resp);
  os_response_json (resp, 200, out);
out:
  query_clear (&q);
}

static const char *
if_none_match (OsRequest *req)
{
  const char *v = soup_message_headers_get_one (req->headers, "If-None-Match");
  return v && strcmp (v, "null") != 0 ? v : NULL;
}

static void
write_property (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id,
                const char *property, sqlite3_stmt *stmt, const OsAttribute *attr)
{
  if (g_str_has_suffix (property, "/$value"))
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 2);
      resp->status = text ? 200 : 204;
      g_string_assign (resp->body, text ? text : "");
      os_response_set_content_type (resp, "text/plain");
      return;
    }
  {
    g_autoptr(GString) out = g_string_new ("{");
    g_autoptr(GPtrArray) one = g_ptr_array_new ();
    g_autoptr(GString) rec = g_string_new (NULL);
    g_autofree char *ctx = g_strdup_printf ("%s$metadata#%s(%s)/%s", req->server->api_base,
                                            entity->set_name, id, attr->name);
    OsPrefer none = { 0 };
    const char *colon;

    g_ptr_array_add (one, (gpointer) attr);
    os_write_record (req->server, rec, entity, one, stmt, &none);
    os_json_key (out, "@odata.context");
    os_json_string (out, ctx);
    /* the record is {"@odata.etag":..,"<pk>":..,"<name>":value}: keep the value only */
    colon = strrchr (rec->str, ':');
    g_string_append (out, ",\"value\":");
    g_string_append_len (out, colon + 1, rec->str + rec->len - 1 - (colon + 1));
    g_string_append (out, "}");
    os_response_json (resp, 200, out);
  }
}

void
os_entity_get (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id,
               const char *property)
{
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT ");
  g_autoptr(GString) out = NULL;
  const char *select = g_hash_table_lookup (req->query, "$select");
  const char *inm = if_none_match (req);
  OsPrefer prefer;
  sqlite3_stmt *stmt = NULL;

  if (property)
    {
      g_autofree char *name = g_strdup (property);
      char *slash = strchr (name, '/');
      if (slash)
        *slash = '\0';
      if (os_resolve_property (entity, name) == NULL)
        {
          os_response_error (resp, 400, "0x80060888", "Could not find a property named '%s' on type "
                             "'Microsoft.Dynamics.CRM.%s'.", name, entity->logical_name);
          return;
        }
      g_ptr_array_add (attrs, (gpointer) os_resolve_property (entity, name));
    }
  else if (!os_parse_select (entity, select, attrs, resp))
    return;
  append_column_list (sql, entity, attrs);
  g_string_append (sql, " FROM ");
  os_sql_ident (sql, entity->logical_name);
  g_string_append (sql, " WHERE ");
  os_sql_ident (sql, entity->primary_id);
  g_string_append (sql, " = ?");
  sqlite3_prepare_v2 (req->server->db, sql->str, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return;
    }
  if (property)
    {
      write_property (req, resp, entity, id, property, stmt, g_ptr_array_index (attrs, 0));
      sqlite3_finalize (stmt);
      return;
    }
  if (inm)
    {
      g_autofree char *etag = g_strdup_printf ("W/\"%lld\"", (long long) sqlite3_column_int64 (stmt, 0));
      if (strcmp (inm, etag) == 0 || strcmp (inm, "*") == 0)
        {
          sqlite3_finalize (stmt);
          resp->status = 304;
          return;
        }
    }
  os_prefer_parse (req->headers, &prefer);
  out = os_record_document (req->server, entity, attrs, stmt, &prefer, select);
  sqlite3_finalize (stmt);
  if (prefer.include_annotations)
    {
      g_autofree char *applied = g_strdup_printf ("odata.include-annotations=\"%s\"", prefer.include_annotations);
      soup_message_headers_replace (resp->headers, "Preference-Applied", applied);
    }
  os_prefer_clear (&prefer);
  os_response_json (resp, 200, out);
}

/* A single record as a document: {"@odata.context":"...$entity", ...fields}. */
GString *
os_record_document (OsServer *server, const OsEntity *entity, GPtrArray *attrs, sqlite3_stmt *stmt,
                    const OsPrefer *prefer, const char *select)
{
  GString *out = g_string_new ("{");
  g_autoptr(GString) rec = g_string_new (NULL);

  append_context (out, server, entity, select, "/$entity");
  os_write_record (server, rec, entity, attrs, stmt, prefer);
  g_string_append_c (out, ',');
  g_string_append_len (out, rec->str + 1, rec->len - 1);
  return out;
}

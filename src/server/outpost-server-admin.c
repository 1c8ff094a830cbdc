/* outpost-server-admin.c: the test endpoint under /_admin/ (outside the Web API, never behind
 * auth), fault injection and service protection limits. JSON in, JSON out.
 *
 *   GET    /_admin/status                       {"version","min_delta_version","requests","auth"}
 *   GET    /_admin/records/SET[?field=value...] {"count":N,"value":[records]}   (equality filters)
 *   GET    /_admin/records/SET/ID               the record (all fields) or 404
 *   POST   /_admin/records/SET                  create as another user, body = Web API payload
 *   PATCH  /_admin/records/SET/ID               update (or create) as another user
 *   DELETE /_admin/records/SET/ID               delete as another user (leaves a tombstone)
 *          (?user=<systemuserid> picks the user; default "Other User" 8d2b6f4e-...-3a1b2c4d5e02)
 *   POST   /_admin/faults                       add a fault, answers {"id":N}; body:
 *          {"kind":"status|throttle|latency|drop|truncate", "path_prefix":"/api/data/v9.2/accounts",
 *           "method":"GET", "skip":0, "every":1, "count":0, "status":503, "ms":500, "bytes":100,
 *           "retry_after":2, "limit":"requests|time|concurrency"}
 *          A fault matches requests whose path starts with path_prefix (default: all API paths) and
 *          whose method is method (default: any). Of the matching requests it lets the first
 *          `skip` pass, then fires on every `every`-th one, at most `count` times (0 = no limit).
 *          status: answer with that status (500/503) and the error shape;
 *          throttle: 429 with Retry-After and the service protection error of `limit`;
 *          latency: delay the response by ms; truncate: cut the JSON body to `bytes` bytes;
 *          drop: send the headers and `bytes` bytes of the body, then close the connection.
 *   GET    /_admin/faults                       {"value":[faults with "fired" counts]}
 *   DELETE /_admin/faults                       remove all faults
 *   POST   /_admin/limits                       {"max_requests":N,"window_seconds":S,"retry_after":S,
 *                                                "kind":"requests|time|concurrency"}; 0 = unlimited
 *   POST   /_admin/expire-delta-tokens          every delta token issued so far becomes expired
 *   POST   /_admin/expire-access-tokens         every OAuth access token issued so far expires
 *   POST   /_admin/device/approve               {"user_code":"..."} (omitted: the latest pending)
 *   POST   /_admin/device/decline               same
 *   GET    /_admin/requests                     {"total":N,"counts":{"METHOD /path":N},"log":[...]}
 *   DELETE /_admin/requests                     reset the request log and counts */
#include "config.h"

#include "outpost-server-http.h"

#include <string.h>

typedef enum { FAULT_STATUS, FAULT_THROTTLE, FAULT_LATENCY, FAULT_DROP, FAULT_TRUNCATE } FaultKind;

struct _OsFault {
  guint      id;
  FaultKind  kind;
  char      *path_prefix;
  char      *method;
  guint      skip, every, count, status, ms, bytes, retry_after;
  char      *limit;
  guint      seen, fired;
};

static const char *fault_names[] = { "status", "throttle", "latency", "drop", "truncate" };

void
os_fault_free (OsFault *fault)
{
  g_free (fault->path_prefix);
  g_free (fault->method);
  g_free (fault->limit);
  g_free (fault);
}

static void
send_json (SoupServerMessage *msg, guint status, GString *body)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  os_response_json (resp, status, body);
  os_response_set_content_type (resp, "application/json");
  os_http_send (msg, resp);
}

static void
send_error (SoupServerMessage *msg, guint status, const char *message)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  os_response_error (resp, status, "", "%s", message);
  os_http_send (msg, resp);
}

static void
send_ok (SoupServerMessage *msg)
{
  g_autoptr(GString) out = g_string_new ("{\"ok\":true}");
  send_json (msg, 200, out);
}

static JsonObject *
body_object (SoupServerMessage *msg)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (len == 0)
    return json_object_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static guint
uint_member (JsonObject *o, const char *name, guint fallback)
{
  return (guint) json_object_get_int_member_with_default (o, name, fallback);
}

/* ---- faults ---------------------------------------------------------------------------- */

static void
add_fault (OsServer *server, SoupServerMessage *msg, JsonObject *body)
{
  static guint next_id = 1;
  const char *kind = json_object_get_string_member_with_default (body, "kind", "");
  OsFault *f = g_new0 (OsFault, 1);
  g_autoptr(GString) out = g_string_new (NULL);

  f->kind = G_N_ELEMENTS (fault_names);
  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    if (strcmp (kind, fault_names[i]) == 0)
      f->kind = i;
  if ((guint) f->kind == G_N_ELEMENTS (fault_names))
    {
      g_free (f);
      send_error (msg, 400, "kind must be status, throttle, latency, drop or truncate");
      return;
    }
  f->id = next_id++;
  f->path_prefix = g_strdup (json_object_get_string_member_with_default (body, "path_prefix", OS_API_PREFIX));
  f->method = g_strdup (json_object_get_string_member_with_default (body, "method", NULL));
  f->skip = uint_member (body, "skip", 0);
  f->every = MAX (uint_member (body, "every", 1), 1);
  f->count = uint_member (body, "count", 0);
  f->status = uint_member (body, "status", 503);
  f->ms = uint_member (body, "ms", 1000);
  f->bytes = uint_member (body, "bytes", 0);
  f->retry_after = uint_member (body, "retry_after", 1);
  f->limit = g_strdup (json_object_get_string_member_with_default (body, "limit", "requests"));
  g_ptr_array_add (server->faults, f);
  g_string_printf (out, "{\"id\":%u}", f->id);
  send_json (msg, 200, out);
}

static void
list_faults (OsServer *server, SoupServerMessage *msg)
{
  g_autoptr(GString) out = g_string_new ("{\"value\":[");
  for (guint i = 0; i < server->faults->len; i++)
    {
      OsFault *f = g_ptr_array_index (server->faults, i);
      g_string_append_printf (out, "%s{\"id\":%u,\"kind\":\"%s\",\"path_prefix\":", i ? "," : "", f->id,
                              fault_names[f->kind]);
      os_json_string (out, f->path_prefix);
      g_string_append (out, ",\"method\":");
      os_json_string (out, f->method);
      g_string_append_printf (out, ",\"seen\":%u,\"fired\":%u}", f->seen, f->fired);
    }
  g_string_append (out, "]}");
  send_json (msg, 200, out);
}

static OsFault *
match_fault (OsServer *server, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);

  for (guint i = 0; i < server->faults->len; i++)
    {
      OsFault *f = g_ptr_array_index (server->faults, i);
      if (!g_str_has_prefix (path, f->path_prefix) || (f->method && strcmp (f->method, method) != 0))
        continue;
      f->seen++;
      if (f->seen <= f->skip || (f->seen - f->skip) % f->every != 0 || (f->count && f->fired >= f->count))
        continue;
      f->fired++;
      return f;
    }
  return NULL;
}

static void
send_throttled (SoupServerMessage *msg, const char *kind, guint limit, guint window, guint retry_after)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  g_autofree char *retry = g_strdup_printf ("%u", MAX (retry_after, 1));

  if (g_strcmp0 (kind, "time") == 0)
    os_response_error (resp, 429, "0x80072321", "Combined execution time of incoming requests exceeded limit "
                       "of 1,200,000 milliseconds over time window of 300 seconds. Decrease number of concurrent "
                       "requests or reduce the duration of requests and try again later.");
  else if (g_strcmp0 (kind, "concurrency") == 0)
    os_response_error (resp, 429, "0x80072326", "Number of concurrent requests exceeded the limit of 52.");
  else
    os_response_error (resp, 429, "0x80072322", "Number of requests exceeded the limit of %u over time window "
                       "of %u seconds.", limit, window);
  soup_message_headers_replace (resp->headers, "Retry-After", retry);
  os_http_send (msg, resp);
}

gboolean
os_faults_before (OsServer *server, SoupServerMessage *msg, const char *path)
{
  OsFault *f = match_fault (server, msg, path);

  if (f == NULL)
    return FALSE;
  if (f->kind == FAULT_STATUS)
    {
      g_autoptr(OsResponse) resp = os_response_new ();
      os_response_error (resp, f->status, "0x80040216", "An unexpected error occurred (injected fault %u).", f->id);
      if (f->status == 503)
        {
          g_autofree char *retry = g_strdup_printf ("%u", f->retry_after);
          soup_message_headers_replace (resp->headers, "Retry-After", retry);
        }
      os_http_send (msg, resp);
      return TRUE;
    }
  if (f->kind == FAULT_THROTTLE)
    {
      send_throttled (msg, f->limit, 6000, 300, f->retry_after);
      return TRUE;
    }
  g_object_set_data (G_OBJECT (msg), "os-fault", f);
  return FALSE;
}

static gboolean
unpause_cb (gpointer data)
{
  SoupServerMessage *msg = data;
  soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

/* Writes the status line, the headers and the first `bytes` of the body, then closes. */
static void
drop_connection (SoupServerMessage *msg, OsResponse *resp, guint bytes)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr(GString) head = g_string_new (NULL);
  GOutputStream *out;

  if (stream == NULL)
    return;
  out = g_io_stream_get_output_stream (stream);
  g_string_printf (head, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nOData-Version: 4.0\r\nContent-Length: %"
                   G_GSIZE_FORMAT "\r\n\r\n", resp->status, soup_status_get_phrase (resp->status),
                   resp->content_type ? resp->content_type : "application/json", resp->body->len);
  g_output_stream_write_all (out, head->str, head->len, NULL, NULL, NULL);
  g_output_stream_write_all (out, resp->body->str, MIN (bytes, resp->body->len), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

void
os_faults_after (OsServer *server, SoupServerMessage *msg, const char *path, OsResponse *resp)
{
  OsFault *f = g_object_get_data (G_OBJECT (msg), "os-fault");

  if (f == NULL)
    return;
  g_object_set_data (G_OBJECT (msg), "os-fault", NULL);
  switch (f->kind)
    {
    case FAULT_LATENCY:
      soup_server_message_pause (msg);
      g_timeout_add (f->ms, unpause_cb, g_object_ref (msg));
      break;
    case FAULT_TRUNCATE:
      /* set_response appends to a body already set */
      soup_message_body_truncate (soup_server_message_get_response_body (msg));
      soup_server_message_set_response (msg, resp->content_type ? resp->content_type : "application/json",
                                        SOUP_MEMORY_COPY, resp->body->str, MIN (f->bytes, resp->body->len));
      break;
    case FAULT_DROP:
      drop_connection (msg, resp, f->bytes);
      break;
    default:
      break;
    }
}

/* ---- service protection ---------------------------------------------------------------- */

gboolean
os_limits_check (OsServer *server, SoupServerMessage *msg)
{
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) server->limit_window * G_USEC_PER_SEC;

  if (server->limit_requests == 0)
    return FALSE;
  while (!g_queue_is_empty (&server->limit_times) &&
         *(gint64 *) g_queue_peek_head (&server->limit_times) <= now - window)
    g_free (g_queue_pop_head (&server->limit_times));
  if (g_queue_get_length (&server->limit_times) >= server->limit_requests)
    {
      gint64 oldest = *(gint64 *) g_queue_peek_head (&server->limit_times);
      guint retry = (guint) ((oldest + window - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
      send_throttled (msg, server->limit_kind, server->limit_requests, server->limit_window,
                      MAX (retry, server->limit_retry_after));
      return TRUE;
    }
  g_queue_push_tail (&server->limit_times, g_memdup2 (&now, sizeof now));
  return FALSE;
}

static void
set_limits (OsServer *server, SoupServerMessage *msg, JsonObject *body)
{
  server->limit_requests = uint_member (body, "max_requests", 0);
  server->limit_window = MAX (uint_member (body, "window_seconds", 300), 1);
  server->limit_retry_after = uint_member (body, "retry_after", 1);
  g_free (server->limit_kind);
  server->limit_kind = g_strdup (json_object_get_string_member_with_default (body, "kind", "requests"));
  g_queue_clear_full (&server->limit_times, g_free);
  send_ok (msg);
}

/* ---- records as another user -------------------------------------------------------- */

static void
write_full_record (OsServer *server, GString *out, const OsEntity *e, const char *where_id, GHashTable *query,
                   guint *count)
{
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT versionnumber, ");
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) os_value_free);
  OsPrefer prefer = { .include_annotations = (char *) "*" };
  GHashTableIter iter;
  gpointer k, v;
  sqlite3_stmt *stmt = NULL;

  os_parse_select (e, NULL, attrs, NULL);
  os_sql_ident (sql, e->primary_id);
  for (guint i = 0; i < attrs->len; i++)
    {
      const OsAttribute *a = g_ptr_array_index (attrs, i);
      g_string_append_printf (sql, ", \"%s\"", a->name);
      if (os_type_is_lookup (a->type))
        g_string_append_printf (sql, ", \"%s_t\"", a->name);
    }
  g_string_append_printf (sql, " FROM \"%s\" WHERE 1", e->logical_name);
  if (where_id)
    {
      g_string_append_printf (sql, " AND \"%s\" = ?", e->primary_id);
      g_ptr_array_add (values, os_value_text (where_id));
    }
  if (query)
    g_hash_table_iter_init (&iter, query);
  while (query && g_hash_table_iter_next (&iter, &k, &v))
    {
      const OsAttribute *a = os_schema_attr (e, k);
      if (a == NULL || strcmp (k, "user") == 0)
        continue;
      g_string_append_printf (sql, " AND \"%s\" = ?", a->name);
      g_ptr_array_add (values, os_value_text (v));
    }
  g_string_append (sql, " ORDER BY 2 LIMIT 10000");
  sqlite3_prepare_v2 (server->db, sql->str, -1, &stmt, NULL);
  os_bind_values (stmt, values, 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if ((*count)++)
        g_string_append_c (out, ',');
      os_write_record (server, out, e, attrs, stmt, &prefer);
    }
  sqlite3_finalize (stmt);
}

static void
records (OsServer *server, SoupServerMessage *msg, char **segs, GHashTable *query)
{
  const char *method = soup_server_message_get_method (msg);
  const OsEntity *e = segs[0] ? os_schema_by_set (segs[0]) : NULL;
  const char *user = query && g_hash_table_lookup (query, "user") ? g_hash_table_lookup (query, "user")
                                                                  : OS_OTHER_USER_ID;
  g_autofree char *id = segs[0] && segs[1] ? g_ascii_strdown (segs[1], -1) : NULL;
  g_autoptr(OsResponse) resp = os_response_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  guint count = 0;

  if (e == NULL || (id && !os_is_guid (id)))
    {
      send_error (msg, 404, "unknown entity set or invalid id");
      return;
    }
  if (strcmp (method, "GET") == 0)
    {
      write_full_record (server, out, e, id, id ? NULL : query, &count);
      if (id && count == 0)
        send_error (msg, 404, "no such record");
      else if (id)
        send_json (msg, 200, out);
      else
        {
          g_string_printf (resp->body, "{\"count\":%u,\"value\":[%s]}", count, out->str);
          send_json (msg, 200, resp->body);
        }
      return;
    }
  os_sql_exec (server->db, "BEGIN IMMEDIATE", NULL);
  if (strcmp (method, "DELETE") == 0 && id)
    {
      if (os_store_delete (server, e, id, resp))
        resp->status = 204;
    }
  else if (strcmp (method, "POST") == 0 || strcmp (method, "PATCH") == 0)
    {
      g_autoptr(JsonObject) body = body_object (msg);
      g_autofree char *new_id = id ? g_strdup (id) : os_new_guid ();
      gboolean create = os_store_row_version (server, e, new_id) < 0;
      if (body == NULL)
        os_response_error (resp, 400, "", "body must be a JSON object");
      else if (json_object_has_member (body, e->primary_id))
        json_object_remove_member (body, e->primary_id);
      if (body && os_store_apply (server, e, new_id, body, user, create, resp))
        {
          g_string_printf (resp->body, "{\"id\":\"%s\",\"version\":%" G_GINT64_FORMAT "}", new_id,
                           os_store_row_version (server, e, new_id));
          resp->status = 200;
          os_response_set_content_type (resp, "application/json");
        }
    }
  else
    os_response_error (resp, 405, "", "method not allowed");
  os_sql_exec (server->db, resp->status < 400 ? "COMMIT" : "ROLLBACK", NULL);
  os_http_send (msg, resp);
}

/* ---- misc ------------------------------------------------------------------------------ */

static void
requests (OsServer *server, SoupServerMessage *msg)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer k, v;
  gboolean first = TRUE;

  if (strcmp (soup_server_message_get_method (msg), "DELETE") == 0)
    {
      server->request_count = 0;
      g_hash_table_remove_all (server->request_counts);
      g_ptr_array_set_size (server->request_log, 0);
      send_ok (msg);
      return;
    }
  g_string_printf (out, "{\"total\":%" G_GUINT64_FORMAT ",\"counts\":{", server->request_count);
  g_hash_table_iter_init (&iter, server->request_counts);
  while (g_hash_table_iter_next (&iter, &k, &v))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      os_json_key (out, k);
      g_string_append_printf (out, "%u", GPOINTER_TO_UINT (v));
    }
  g_string_append (out, "},\"log\":[");
  for (guint i = 0; i < server->request_log->len; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      os_json_string (out, g_ptr_array_index (server->request_log, i));
    }
  g_string_append (out, "]}");
  send_json (msg, 200, out);
}

static void
expire_delta_tokens (OsServer *server, SoupServerMessage *msg)
{
  sqlite3_stmt *stmt = NULL;
  /* a token equal to the current version is expired too: bump the counter past it */
  server->min_delta_version = os_next_version (server);
  sqlite3_prepare_v2 (server->db, "INSERT OR REPLACE INTO os_settings (key, value) VALUES ('min_delta_version', ?)",
                      -1, &stmt, NULL);
  sqlite3_bind_int64 (stmt, 1, server->min_delta_version);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  send_ok (msg);
}

static void
status (OsServer *server, SoupServerMessage *msg)
{
  static const char *modes[] = { "none", "oauth", "basic" };
  g_autoptr(GString) out = g_string_new (NULL);
  g_string_printf (out, "{\"version\":%" G_GINT64_FORMAT ",\"min_delta_version\":%" G_GINT64_FORMAT
                   ",\"requests\":%" G_GUINT64_FORMAT ",\"auth\":\"%s\"}", server->version,
                   server->min_delta_version, server->request_count, modes[server->auth_mode]);
  send_json (msg, 200, out);
}

void
os_admin_handle (OsServer *server, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);
  const char *rest = path + strlen ("/_admin/");
  g_autoptr(GHashTable) query = os_parse_query (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_autoptr(JsonObject) body = NULL;

  if (strcmp (method, "POST") == 0 && (body = body_object (msg)) == NULL)
    {
      send_error (msg, 400, "body must be a JSON object");
      return;
    }
  if (g_str_has_prefix (rest, "records/"))
    {
      g_auto(GStrv) segs = g_strsplit (rest + strlen ("records/"), "/", 3);
      records (server, msg, segs, query);
    }
  else if (strcmp (rest, "faults") == 0 && strcmp (method, "POST") == 0)
    add_fault (server, msg, body);
  else if (strcmp (rest, "faults") == 0 && strcmp (method, "DELETE") == 0)
    {
      g_ptr_array_set_size (server->faults, 0);
      send_ok (msg);
    }
  else if (strcmp (rest, "faults") == 0)
    list_faults (server, msg);
  else if (strcmp (rest, "limits") == 0 && body)
    set_limits (server, msg, body);
  else if (strcmp (rest, "expire-delta-tokens") == 0 && body)
    expire_delta_tokens (server, msg);
  else if (strcmp (rest, "requests") == 0)
    requests (server, msg);
  else if (strcmp (rest, "status") == 0)
    status (server, msg);
  else if ((strcmp (rest, "expire-access-tokens") == 0 || g_str_has_prefix (rest, "device/")) && body)
    {
      g_autoptr(OsResponse) resp = os_response_new ();
      os_auth_admin (server, rest, body, resp);
      os_http_send (msg, resp);
    }
  else
    send_error (msg, 404, "unknown admin endpoint");
}

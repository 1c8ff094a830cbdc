/* outpost-server-batch.c: POST $batch with multipart/mixed bodies (the only documented form).
 * Parts are application/http requests; a nested multipart/mixed part is a change set, executed
 * atomically in one SQLite transaction (no GET allowed inside). A Content-ID names a part's
 * result so later parts of the same change set can use "$1" as a URL prefix or in
 * "x@odata.bind". At most 1000 requests. Without Prefer: odata.continue-on-error the batch stops
 * at the first failure and answers 400; with it, every part runs and the batch answers 200.
 * Each part outside a change set commits on its own, so work before a failure is kept. */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

#define MAX_OPERATIONS 1000

typedef struct {
  OsRequest *outer;
  GString   *out;
  char      *boundary;
  gboolean   continue_on_error;
  gboolean   failed;
  guint      operations;
} Batch;

typedef struct {
  char               *method;
  char               *path;
  char               *query;
  SoupMessageHeaders *headers;
  GBytes             *body;
  char               *content_id;
} Part;

static void
part_free (Part *p)
{
  g_free (p->method);
  g_free (p->path);
  g_free (p->query);
  if (p->headers)
    soup_message_headers_unref (p->headers);
  if (p->body)
    g_bytes_unref (p->body);
  g_free (p->content_id);
  g_free (p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Part, part_free)

/* Reduces a part's URL to a path relative to the API root, resolving "$n" references. */
static gboolean
normalize_url (OsServer *server, const char *url, char **path, char **query)
{
  g_autofree char *resolved = NULL;
  const char *p = url;
  const char *q;

  if (p[0] == '$' && g_ascii_isdigit (p[1]) && server->content_ids)
    {
      const char *end = p + 1;
      const char *target;
      g_autofree char *id = NULL;
      while (g_ascii_isdigit (*end))
        end++;
      id = g_strndup (p + 1, end - p - 1);
      target = g_hash_table_lookup (server->content_ids, id);
      if (target == NULL)
        return FALSE;
      resolved = g_strconcat (target, end, NULL);
      p = resolved;
    }
  if (g_str_has_prefix (p, "http://") || g_str_has_prefix (p, "https://"))
    {
      p = strchr (p + strlen ("https://"), '/');
      if (p == NULL)
        return FALSE;
    }
  if (g_str_has_prefix (p, OS_API_PREFIX))
    p += strlen (OS_API_PREFIX);
  else if (p[0] == '/')
    return FALSE;
  q = strchr (p, '?');
  {
    g_autofree char *raw = q ? g_strndup (p, q - p) : g_strdup (p);
    *path = g_uri_unescape_string (raw, NULL);
  }
  *query = q ? g_strdup (q + 1) : NULL;
  return *path != NULL;
}

/* Parses "METHOD URL HTTP/1.1", header lines, a blank line and the body. */
static Part *
parse_part (OsServer *server, SoupMessageHeaders *mime, GBytes *bytes, char **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *text = g_strndup (data, len);
  g_auto(GStrv) request_line = NULL;
  g_autoptr(Part) part = g_new0 (Part, 1);
  char *line = text, *next;

  while (*line == '\r' || *line == '\n')
    line++;
  next = strchr (line, '\n');
  if (next)
    *next++ = '\0';
  g_strchomp (line);
  request_line = g_strsplit (line, " ", 3);
  if (g_strv_length (request_line) < 2)
    {
      *error = g_strdup ("A batch part is not a valid HTTP request.");
      return NULL;
    }
  part->method = g_strdup (request_line[0]);
  part->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  while (next && *next)
    {
      char *colon;
      line = next;
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      g_strchomp (line);
      if (*line == '\0')
        break;
      colon = strchr (line, ':');
      if (colon)
        {
          *colon = '\0';
          soup_message_headers_append (part->headers, g_strstrip (line), g_strstrip (colon + 1));
        }
    }
  {
    const char *body = next ? next : "";
    gsize body_len = strlen (body);
    while (body_len > 0 && (body[body_len - 1] == '\n' || body[body_len - 1] == '\r'))
      body_len--;
    part->body = g_bytes_new (body, body_len);
  }
  part->content_id = g_strdup (soup_message_headers_get_one (mime, "Content-ID"));
  if (part->content_id == NULL)
    part->content_id = g_strdup (soup_message_headers_get_one (part->headers, "Content-ID"));
  if (!normalize_url (server, request_line[1], &part->path, &part->query))
    {
      *error = g_strdup_printf ("The URL '%s' of a batch part is not valid.", request_line[1]);
      return NULL;
    }
  return g_steal_pointer (&part);
}

static void
write_response (Batch *b, GString *out, OsResponse *resp, const char *content_id)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_string_append (out, "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
  if (content_id)
    g_string_append_printf (out, "Content-ID: %s\r\n", content_id);
  g_string_append_printf (out, "\r\nHTTP/1.1 %u %s\r\nOData-Version: 4.0\r\n", resp->status,
                          soup_status_get_phrase (resp->status));
  soup_message_headers_iter_init (&iter, resp->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_string_append_printf (out, "%s: %s\r\n", name, value);
      if (g_ascii_strcasecmp (name, "OData-EntityId") == 0)
        g_string_append_printf (out, "Location: %s\r\n", value);
    }
  if (resp->status != 204 && resp->body->len > 0)
    g_string_append_printf (out, "Content-Type: %s\r\n\r\n%s\r\n",
                            resp->content_type ? resp->content_type : "application/json", resp->body->str);
  else
    g_string_append (out, "\r\n");
}

/* The parties of an email write, for the request log: " email_activity_parties[2:contacts(<id>),
 * 2:someone@example.com]" (participationtypemask, then the bound record or the address). */
static char *
parties_summary (Part *part)
{
  gsize len;
  const char *data = g_bytes_get_data (part->body, &len);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonArray *parties;
  GString *out;

  if (len == 0 || !g_str_has_prefix (part->path, "emails") ||
      g_strstr_len (data, len, "email_activity_parties") == NULL ||
      !json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "email_activity_parties") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "email_activity_parties")))
    return g_strdup ("");
  parties = json_object_get_array_member (json_node_get_object (root), "email_activity_parties");
  out = g_string_new (" email_activity_parties[");
  for (guint i = 0; i < json_array_get_length (parties); i++)
    {
      JsonNode *item = json_array_get_element (parties, i);
      JsonObject *party = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *what = "?";
      g_autoptr(GList) names = party ? json_object_get_members (party) : NULL;

      for (GList *l = names; l; l = l->next)
        {
          JsonNode *v = json_object_get_member (party, l->data);
          if ((g_str_has_suffix (l->data, "@odata.bind") || g_str_equal (l->data, "addressused")) &&
              JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
            what = json_node_get_string (v);
        }
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT ":%s", i ? "," : "",
                              party ? json_object_get_int_member_with_default (party, "participationtypemask", 0) : 0,
                              what[0] == '/' ? what + 1 : what);
    }
  g_string_append (out, "]");
  return g_string_free (out, FALSE);
}

/* Each part of a batch in the request log too ("batch part: POST emails ... 204"), so a test
 * sees what the change sets did. */
static void
log_part (Batch *b, Part *part, OsResponse *resp)
{
  OsServer *server = b->outer->server;
  g_autofree char *parties = parties_summary (part);

  if (server->request_log->len >= 20000)
    g_ptr_array_remove_range (server->request_log, 0, 10000);
  g_ptr_array_add (server->request_log, g_strdup_printf ("batch part: %s %s%s %u", part->method, part->path,
                                                         parties, resp->status));
}

static OsResponse *
run_part (Batch *b, Part *part)
{
  g_autoptr(OsRequest) req = os_request_new (b->outer->server, part->method, part->path, part->query,
                                             part->headers, part->body);
  OsResponse *resp = os_response_new ();

  req->user_id = b->outer->user_id;
  if (strcmp (part->path, "$batch") == 0)
    os_response_error (resp, 400, "0x80060888", "A $batch request cannot contain another $batch.");
  else
    os_api_dispatch (req, resp);
  log_part (b, part, resp);
  return resp;
}

static void
error_part (Batch *b, const char *message)
{
  g_autoptr(OsResponse) resp = os_response_new ();
  os_response_error (resp, 400, "0x80060888", "%s", message);
  g_string_append_printf (b->out, "--%s\r\n", b->boundary);
  write_response (b, b->out, resp, NULL);
  b->failed = TRUE;
}

static void
run_single (Batch *b, SoupMessageHeaders *mime, GBytes *body)
{
  g_autofree char *error = NULL;
  g_autoptr(Part) part = parse_part (b->outer->server, mime, body, &error);
  g_autoptr(OsResponse) resp = NULL;
  gboolean write;

  if (part == NULL)
    {
      error_part (b, error);
      return;
    }
  write = strcmp (part->method, "GET") != 0;
  if (write)
    os_sql_exec (b->outer->server->db, "BEGIN IMMEDIATE", NULL);
  resp = run_part (b, part);
  if (write)
    os_sql_exec (b->outer->server->db, resp->status < 400 ? "COMMIT" : "ROLLBACK", NULL);
  g_string_append_printf (b->out, "--%s\r\n", b->boundary);
  write_response (b, b->out, resp, part->content_id);
  if (resp->status >= 400)
    b->failed = TRUE;
}

static char *
entity_url_of (OsResponse *resp)
{
  const char *url = soup_message_headers_get_one (resp->headers, "OData-EntityId");
  return g_strdup (url ? url : resp->entity_url);
}

static void
run_changeset (Batch *b, SoupMultipart *cs)
{
  OsServer *server = b->outer->server;
  g_autofree char *guid = g_uuid_string_random ();
  g_autofree char *boundary = g_strdup_printf ("changesetresponse_%s", guid);
  g_autoptr(GString) parts = g_string_new (NULL);
  g_autoptr(OsResponse) failure = NULL;
  g_autofree char *failure_id = NULL;
  int n = soup_multipart_get_length (cs);

  server->content_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  os_sql_exec (server->db, "BEGIN IMMEDIATE", NULL);
  for (int i = 0; i < n && failure == NULL; i++)
    {
      SoupMessageHeaders *mime;
      GBytes *body;
      g_autofree char *error = NULL;
      g_autoptr(Part) part = NULL;
      OsResponse *resp;
      char *url;

      soup_multipart_get_part (cs, i, &mime, &body);
      part = parse_part (server, mime, body, &error);
      if (part == NULL || strcmp (part->method, "GET") == 0)
        {
          failure = os_response_new ();
          os_response_error (failure, 400, "0x80060888", "%s",
                             error ? error : "A change set cannot contain a GET request.");
          break;
        }
      resp = run_part (b, part);
      if (resp->status >= 400)
        {
          failure = resp;
          failure_id = g_strdup (part->content_id);
          break;
        }
      if (part->content_id && (url = entity_url_of (resp)) != NULL)
        g_hash_table_replace (server->content_ids, g_strdup (part->content_id), url);
      g_string_append_printf (parts, "--%s\r\n", boundary);
      write_response (b, parts, resp, part->content_id);
      os_response_free (resp);
    }
  os_sql_exec (server->db, failure ? "ROLLBACK" : "COMMIT", NULL);
  g_clear_pointer (&server->content_ids, g_hash_table_unref);
  g_string_append_printf (b->out, "--%s\r\n", b->boundary);
  if (failure)
    {
      /* the change set is rolled back: only the failing request's response is returned */
      write_response (b, b->out, failure, failure_id);
      b->failed = TRUE;
      return;
    }
  g_string_append_printf (b->out, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n%s--%s--\r\n",
                          boundary, parts->str, boundary);
}

/* A change set nested in a batch part. libsoup strips the CRLF before the outer boundary, and its
 * parser wants one after the closing delimiter, so put it back. */
static SoupMultipart *
nested_multipart (SoupMessageHeaders *mime, GBytes *body)
{
  const char *type = soup_message_headers_get_content_type (mime, NULL);
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GBytes) fixed = NULL;

  if (type == NULL || !g_str_has_prefix (type, "multipart/"))
    return NULL;
  data = g_byte_array_new ();
  g_byte_array_append (data, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_byte_array_append (data, (const guint8 *) "\r\n", 2);
  fixed = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  return soup_multipart_new_from_message (mime, fixed);
}

static guint
count_operations (SoupMultipart *mp)
{
  guint count = 0;
  for (int i = 0; i < soup_multipart_get_length (mp); i++)
    {
      SoupMessageHeaders *mime;
      GBytes *body;
      SoupMultipart *cs;
      soup_multipart_get_part (mp, i, &mime, &body);
      cs = nested_multipart (mime, body);
      count += cs ? (guint) soup_multipart_get_length (cs) : 1;
      if (cs)
        soup_multipart_free (cs);
    }
  return count;
}

void
os_batch_execute (OsRequest *req, OsResponse *resp)
{
  SoupMultipart *mp = soup_multipart_new_from_message (req->headers, req->body);
  OsPrefer prefer;
  g_autofree char *guid = g_uuid_string_random ();
  Batch b = { req, NULL, g_strdup_printf ("batchresponse_%s", guid), FALSE, FALSE, 0 };

  if (mp == NULL)
    {
      os_response_error (resp, 400, "0x80060888", "The batch request must be multipart/mixed with a boundary.");
      g_free (b.boundary);
      return;
    }
  if (count_operations (mp) > MAX_OPERATIONS)
    {
      os_response_error (resp, 400, "0x80060888", "Number of requests in a batch exceeded the limit of %d.",
                         MAX_OPERATIONS);
      soup_multipart_free (mp);
      g_free (b.boundary);
      return;
    }
  os_prefer_parse (req->headers, &prefer);
  b.continue_on_error = prefer.continue_on_error;
  b.out = resp->body;
  g_string_truncate (b.out, 0);
  for (int i = 0; i < soup_multipart_get_length (mp) && (!b.failed || b.continue_on_error); i++)
    {
      SoupMessageHeaders *mime;
      GBytes *body;
      SoupMultipart *cs;
      soup_multipart_get_part (mp, i, &mime, &body);
      cs = nested_multipart (mime, body);
      if (cs)
        {
          run_changeset (&b, cs);
          soup_multipart_free (cs);
        }
      else
        run_single (&b, mime, body);
    }
  g_string_append_printf (b.out, "--%s--\r\n", b.boundary);
  resp->status = b.failed && !b.continue_on_error ? 400 : 200;
  {
    g_autofree char *type = g_strdup_printf ("multipart/mixed; boundary=%s", b.boundary);
    os_response_set_content_type (resp, type);
  }
  if (b.continue_on_error)
    soup_message_headers_replace (resp->headers, "Preference-Applied", "odata.continue-on-error");
  soup_multipart_free (mp);
  os_prefer_clear (&prefer);
  g_free (b.boundary);
}

/* outpost-server-util.c: requests, responses, the Prefer header and hand-written JSON output.
 * JSON is written straight into a GString: building json-glib trees per row would cost more than
 * the whole query for large pages. */
#include "config.h"

#include "outpost-server-private.h"

#include <stdio.h>
#include <string.h>

OsResponse *
os_response_new (void)
{
  OsResponse *resp = g_new0 (OsResponse, 1);
  resp->status = 200;
  resp->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  resp->body = g_string_new (NULL);
  return resp;
}

void
os_response_set_content_type (OsResponse *resp, const char *type)
{
  g_free (resp->content_type);
  resp->content_type = g_strdup (type);
}

void
os_response_free (OsResponse *resp)
{
  if (resp == NULL)
    return;
  soup_message_headers_unref (resp->headers);
  g_string_free (resp->body, TRUE);
  g_free (resp->content_type);
  g_free (resp->entity_url);
  g_free (resp);
}

void
os_response_error (OsResponse *resp, guint status, const char *code, const char *fmt, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, fmt);
  message = g_strdup_vprintf (fmt, args);
  va_end (args);

  resp->status = status;
  g_string_truncate (resp->body, 0);
  g_string_append (resp->body, "{\"error\":{\"code\":");
  os_json_string (resp->body, code);
  g_string_append (resp->body, ",\"message\":");
  os_json_string (resp->body, message);
  g_string_append (resp->body, "}}");
  os_response_set_content_type (resp, "application/json; odata.metadata=minimal");
}

void
os_response_json (OsResponse *resp, guint status, GString *body)
{
  resp->status = status;
  g_string_truncate (resp->body, 0);
  g_string_append_len (resp->body, body->str, body->len);
  os_response_set_content_type (resp, "application/json; odata.metadata=minimal");
}

GHashTable *
os_parse_query (const char *raw_query)
{
  GHashTable *query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) pairs = NULL;

  if (raw_query == NULL || *raw_query == '\0')
    return query;
  pairs = g_strsplit (raw_query, "&", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *name = NULL;
      char *value;

      if (pairs[i][0] == '\0')
        continue;
      /* like ASP.NET (and so Dataverse), '+' in a query means a space; a plus is %2B */
      for (char *c = pairs[i]; *c; c++)
        if (*c == '+')
          *c = ' ';
      eq = strchr (pairs[i], '=');
      name = g_uri_unescape_segment (pairs[i], eq, NULL);
      value = eq ? g_uri_unescape_string (eq + 1, NULL) : g_strdup ("");
      if (name == NULL || value == NULL)
        {
          g_free (value);
          continue;
        }
      g_hash_table_replace (query, g_steal_pointer (&name), value);
    }
  return query;
}

OsRequest *
os_request_new (OsServer *server, const char *method, const char *path, const char *raw_query,
                SoupMessageHeaders *headers, GBytes *body)
{
  OsRequest *req = g_new0 (OsRequest, 1);
  req->server = server;
  req->method = g_intern_string (method);
  req->path = g_strdup (path);
  req->raw_query = g_strdup (raw_query);
  req->query = os_parse_query (raw_query);
  req->headers = soup_message_headers_ref (headers);
  req->body = body ? g_bytes_ref (body) : g_bytes_new (NULL, 0);
  req->user_id = OS_DEMO_USER_ID;
  return req;
}

void
os_request_free (OsRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->path);
  g_free (req->raw_query);
  g_hash_table_unref (req->query);
  soup_message_headers_unref (req->headers);
  g_bytes_unref (req->body);
  g_free (req);
}

static void
prefer_one (OsPrefer *prefer, const char *item)
{
  g_autofree char *p = g_strstrip (g_strdup (item));
  char *eq = strchr (p, '=');
  char *value = NULL;

  if (eq)
    {
      *eq = '\0';
      value = g_strstrip (eq + 1);
      g_strstrip (p);
      if (*value == '"' && strlen (value) >= 2 && value[strlen (value) - 1] == '"')
        {
          value[strlen (value) - 1] = '\0';
          value++;
        }
    }
  if (g_ascii_strcasecmp (p, "return") == 0 && g_strcmp0 (value, "representation") == 0)
    prefer->return_representation = TRUE;
  else if (g_ascii_strcasecmp (p, "odata.track-changes") == 0)
    prefer->track_changes = TRUE;
  else if (g_ascii_strcasecmp (p, "odata.continue-on-error") == 0)
    prefer->continue_on_error = TRUE;
  else if (g_ascii_strcasecmp (p, "odata.maxpagesize") == 0 && value)
    prefer->max_page_size = (int) g_ascii_strtoll (value, NULL, 10);
  else if (g_ascii_strcasecmp (p, "odata.include-annotations") == 0 && value)
    {
      g_free (prefer->include_annotations);
      prefer->include_annotations = g_strdup (value);
    }
}

void
os_prefer_parse (SoupMessageHeaders *headers, OsPrefer *prefer)
{
  /* soup_message_headers_get_list joins repeated headers with ", " */
  const char *value = soup_message_headers_get_list (headers, "Prefer");
  gboolean in_quotes = FALSE;
  const char *start;

  memset (prefer, 0, sizeof *prefer);
  if (value == NULL)
    return;
  /* split on commas outside quotes: include-annotations may list several names */
  start = value;
  for (const char *p = value;; p++)
    {
      if (*p == '"')
        in_quotes = !in_quotes;
      if (*p == '\0' || (*p == ',' && !in_quotes))
        {
          g_autofree char *item = g_strndup (start, p - start);
          prefer_one (prefer, item);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
}

void
os_prefer_clear (OsPrefer *prefer)
{
  g_clear_pointer (&prefer->include_annotations, g_free);
}

gboolean
os_prefer_annotation (const OsPrefer *prefer, const char *name)
{
  g_auto(GStrv) patterns = NULL;

  if (prefer->include_annotations == NULL)
    return FALSE;
  patterns = g_strsplit (prefer->include_annotations, ",", -1);
  for (guint i = 0; patterns[i]; i++)
    {
      const char *p = g_strstrip (patterns[i]);
      gsize len = strlen (p);
      if (strcmp (p, "*") == 0 || strcmp (p, name) == 0)
        return TRUE;
      if (len > 1 && p[len - 1] == '*' && strncmp (p, name, len - 1) == 0)
        return TRUE;
    }
  return FALSE;
}

void
os_json_string (GString *out, const char *value)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) value;
  const unsigned char *run;

  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  run = p;
  for (; *p; p++)
    {
      if (*p >= 0x20 && *p != '"' && *p != '\\')
        continue;
      g_string_append_len (out, (const char *) run, p - run);
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
      run = p + 1;
    }
  g_string_append_len (out, (const char *) run, p - run);
  g_string_append_c (out, '"');
}

void
os_json_key (GString *out, const char *key)
{
  os_json_string (out, key);
  g_string_append_c (out, ':');
}

void
os_json_double (GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == (double) (gint64) value && value < 1e15 && value > -1e15)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g", value));
}

gboolean
os_is_guid (const char *text)
{
  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

char *
os_new_guid (void)
{
  return g_uuid_string_random ();
}

char *
os_now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

gint64
os_next_version (OsServer *server)
{
  return ++server->version;
}

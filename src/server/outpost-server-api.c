/* outpost-server-api.c: routing of Web API paths (relative to /api/data/v9.2/) and the write
 * operations as HTTP sees them: status codes, ETags and conditional headers, OData-EntityId. */
#include "config.h"

#include "outpost-server-nn.h"

#include <string.h>

static void
method_not_allowed (OsRequest *req, OsResponse *resp)
{
  os_response_error (resp, 405, "0x80060888", "The requested resource does not support http method '%s'.",
                     req->method);
}

static char *
entity_url (OsServer *server, const OsEntity *entity, const char *id)
{
  return g_strdup_printf ("%s%s(%s)", server->api_base, entity->set_name, id);
}

static const char *
header (OsRequest *req, const char *name)
{
  const char *v = soup_message_headers_get_one (req->headers, name);
  return v && strcmp (v, "null") != 0 ? v : NULL;
}

/* Parses the request body as a JSON object; answers 400 when it is not one. */
static JsonObject *
body_object (OsRequest *req, OsResponse *resp, const OsEntity *entity)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);

  if (len == 0 || !json_parser_load_from_data (parser, data, (gssize) len, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      os_response_error (resp, 400, "0x80048d19",
                         "Error identified in Payload provided by the user for Entity :'%s', For more "
                         "information on this error please follow this help link "
                         "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
                         "Microsoft.OData.ODataException: %s", entity ? entity->set_name : "",
                         error ? error->message : "The request body must be a JSON object.");
      return NULL;
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
respond_record (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id, guint status)
{
  g_autoptr(OsRequest) get = os_request_new (req->server, "GET", req->path, req->raw_query, req->headers, NULL);
  OsResponse *inner = os_response_new ();

  g_hash_table_remove (get->query, "$expand");
  soup_message_headers_remove (get->headers, "If-None-Match");
  os_entity_get (get, inner, entity, id, NULL);
  resp->status = inner->status == 200 ? status : inner->status;
  g_string_assign (resp->body, inner->body->str);
  os_response_set_content_type (resp, inner->content_type);
  soup_message_headers_replace (resp->headers, "Preference-Applied", "return=representation");
  os_response_free (inner);
}

static void
respond_written (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id,
                 gboolean created)
{
  OsPrefer prefer;
  g_autofree char *url = entity_url (req->server, entity, id);
  g_autofree char *etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"",
                                           os_store_row_version (req->server, entity, id));

  os_prefer_parse (req->headers, &prefer);
  g_free (resp->entity_url);
  resp->entity_url = g_strdup (url);
  if (prefer.return_representation)
    respond_record (req, resp, entity, id, created ? 201 : 200);
  else
    {
      resp->status = 204;
      soup_message_headers_replace (resp->headers, "OData-EntityId", url);
    }
  soup_message_headers_replace (resp->headers, "ETag", etag);
  os_prefer_clear (&prefer);
}

void
os_entity_create (OsRequest *req, OsResponse *resp, const OsEntity *entity)
{
  g_autoptr(JsonObject) body = body_object (req, resp, entity);
  g_autofree char *id = NULL;
  JsonNode *pk;

  if (body == NULL)
    return;
  pk = json_object_get_member (body, entity->primary_id);
  if (pk && JSON_NODE_HOLDS_VALUE (pk) && json_node_get_value_type (pk) == G_TYPE_STRING)
    {
      if (!os_is_guid (json_node_get_string (pk)))
        {
          os_response_error (resp, 400, "0x80048d19", "Error identified in Payload provided by the user for "
                             "Entity :'%s': '%s' is not a valid Guid.", entity->set_name, json_node_get_string (pk));
          return;
        }
      id = g_ascii_strdown (json_node_get_string (pk), -1);
      json_object_set_string_member (body, entity->primary_id, id);
    }
  else
    id = os_new_guid ();
  if (os_store_row_version (req->server, entity, id) >= 0)
    {
      os_response_error (resp, 412, "0x80040237", "A record with matching key values already exists.");
      return;
    }
  if (os_store_apply (req->server, entity, id, body, req->user_id, TRUE, resp))
    respond_written (req, resp, entity, id, TRUE);
}

static gboolean
etag_matches (const char *condition, gint64 version)
{
  g_autofree char *etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"", version);
  g_auto(GStrv) items = g_strsplit (condition, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      const char *item = g_strstrip (items[i]);
      if (strcmp (item, "*") == 0 || strcmp (item, etag) == 0 || (item[0] == '"' && strcmp (item, etag + 2) == 0))
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_conditions (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id, gint64 version)
{
  const char *if_match = header (req, "If-Match");
  const char *if_none_match = header (req, "If-None-Match");

  if (if_match && version < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return FALSE;
    }
  if (if_match && !etag_matches (if_match, version))
    {
      os_response_error (resp, 412, "", "The version of the existing record doesn't match the RowVersion "
                         "property provided.");
      return FALSE;
    }
  if (if_none_match && strcmp (if_none_match, "*") == 0 && version >= 0)
    {
      os_response_error (resp, 412, "0x80040237", "A record with matching key values already exists.");
      return FALSE;
    }
  return TRUE;
}

void
os_entity_update (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id)
{
  g_autoptr(JsonObject) body = body_object (req, resp, entity);
  gint64 version;

  if (body == NULL)
    return;
  version = os_store_row_version (req->server, entity, id);
  if (!check_conditions (req, resp, entity, id, version))
    return;
  if (os_store_apply (req->server, entity, id, body, req->user_id, version < 0, resp))
    respond_written (req, resp, entity, id, version < 0);
}

void
os_entity_delete (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id)
{
  gint64 version = os_store_row_version (req->server, entity, id);

  if (version < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return;
    }
  if (!check_conditions (req, resp, entity, id, version))
    return;
  if (os_store_delete (req->server, entity, id, resp))
    resp->status = 204;
}

static gint64
to_parties (OsServer *server, const char *email_id)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  sqlite3_prepare_v2 (server->db, "SELECT count(*) FROM activityparty WHERE activityid = ? AND"
                      " participationtypemask = 2", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, email_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

void
os_entity_send_email (OsRequest *req, OsResponse *resp, const char *id)
{
  const OsEntity *email = os_schema_by_logical ("email");
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  g_autofree char *ctx = g_strdup_printf ("%s$metadata#Microsoft.Dynamics.CRM.SendEmailResponse",
                                          req->server->api_base);
  sqlite3_stmt *stmt = NULL;

  if (g_bytes_get_size (req->body) > 0 && (body = body_object (req, resp, email)) == NULL)
    return;
  if (os_store_row_version (req->server, email, id) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "email With Id = %s Does Not Exist", id);
      return;
    }
  /* Dataverse sends to the email's To parties, not to the torecipients text */
  if (to_parties (req->server, id) == 0)
    {
      os_response_error (resp, 400, "0x80040203", "The email must have at least one recipient before it can "
                         "be sent. Add a To recipient (email_activity_parties with participationtypemask 2).");
      return;
    }
  json_object_set_int_member (fields, "statecode", 1);
  json_object_set_int_member (fields, "statuscode", 3);
  json_object_set_boolean_member (fields, "directioncode", TRUE);
  if (!os_store_apply (req->server, email, id, fields, req->user_id, FALSE, resp))
    return;
  os_json_key (out, "@odata.context");
  os_json_string (out, ctx);
  sqlite3_prepare_v2 (req->server->db, "SELECT subject FROM email WHERE activityid = ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  g_string_append (out, ",\"Subject\":");
  os_json_string (out, sqlite3_step (stmt) == SQLITE_ROW ? (const char *) sqlite3_column_text (stmt, 0) : NULL);
  sqlite3_finalize (stmt);
  g_string_append (out, "}");
  os_response_json (resp, 200, out);
}

static void
service_document (OsRequest *req, OsResponse *resp)
{
  g_autoptr(GString) out = g_string_new ("{\"@odata.context\":");
  g_autofree char *ctx = g_strconcat (req->server->api_base, "$metadata", NULL);
  guint n;
  const OsEntity *entities = os_schema_entities (&n);

  os_json_string (out, ctx);
  g_string_append (out, ",\"value\":[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s{\"name\":\"%s\",\"kind\":\"EntitySet\",\"url\":\"%s\"}", i ? "," : "",
                            entities[i].set_name, entities[i].set_name);
  g_string_append (out, "]}");
  os_response_json (resp, 200, out);
}

static void
who_am_i (OsRequest *req, OsResponse *resp)
{
  g_autoptr(GString) out = g_string_new ("{\"@odata.context\":");
  g_autofree char *ctx = g_strconcat (req->server->api_base, "$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", NULL);
  os_json_string (out, ctx);
  g_string_append_printf (out, ",\"BusinessUnitId\":\"%s\",\"UserId\":\"%s\",\"OrganizationId\":\"%s\"}",
                          OS_BU_ID, req->user_id, OS_ORG_ID);
  os_response_json (resp, 200, out);
}

/* Splits "set(key)" into set and key; key is NULL when there are no parentheses. */
static gboolean
split_key (const char *segment, char **name, char **key)
{
  const char *open = strchr (segment, '(');
  gsize len = strlen (segment);

  *key = NULL;
  if (open == NULL)
    {
      *name = g_strdup (segment);
      return TRUE;
    }
  if (segment[len - 1] != ')')
    return FALSE;
  *name = g_strndup (segment, open - segment);
  *key = g_strndup (open + 1, segment + len - 1 - (open + 1));
  return TRUE;
}

static gboolean
valid_key (OsResponse *resp, char *key)
{
  if (!os_is_guid (key))
    {
      os_response_error (resp, 400, "0x80060888", "Bad Request - Error in query syntax: '%s' is not a valid "
                         "Guid key.", key);
      return FALSE;
    }
  for (char *p = key; *p; p++)
    *p = g_ascii_tolower (*p);
  return TRUE;
}

static void
record_route (OsRequest *req, OsResponse *resp, const OsEntity *entity, char *id, char **segs)
{
  const char *m = req->method;

  if (segs[0] == NULL)
    {
      if (strcmp (m, "GET") == 0)
        os_entity_get (req, resp, entity, id, NULL);
      else if (strcmp (m, "PATCH") == 0)
        os_entity_update (req, resp, entity, id);
      else if (strcmp (m, "DELETE") == 0)
        os_entity_delete (req, resp, entity, id);
      else
        method_not_allowed (req, resp);
      return;
    }
  if (g_str_has_suffix (segs[0], "SendEmail") && strcmp (entity->logical_name, "email") == 0)
    {
      if (strcmp (m, "POST") == 0)
        os_entity_send_email (req, resp, id);
      else
        method_not_allowed (req, resp);
      return;
    }
  if (os_nn_navigation (entity, segs[0]) != NULL)
    {
      g_autofree char *nav = NULL;
      g_autofree char *other = NULL;
      gboolean is_ref = segs[1] && strcmp (segs[1], "$ref") == 0;
      if (!split_key (segs[0], &nav, &other) || strcmp (nav, os_nn_navigation (entity, segs[0])) != 0 ||
          (other && !valid_key (resp, other)))
        {
          if (resp->status < 400)
            os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", segs[0]);
          return;
        }
      os_entity_nn (req, resp, entity, id, nav, other, is_ref);
      return;
    }
  if (strcmp (m, "GET") != 0)
    {
      method_not_allowed (req, resp);
      return;
    }
  {
    g_autofree char *prop = segs[1] ? g_strconcat (segs[0], "/", segs[1], NULL) : g_strdup (segs[0]);
    os_entity_get (req, resp, entity, id, prop);
  }
}

static void
entity_route (OsRequest *req, OsResponse *resp, char **segs)
{
  g_autofree char *set = NULL;
  g_autofree char *key = NULL;
  const OsEntity *entity;

  if (!split_key (segs[0], &set, &key) || (entity = os_schema_by_set (set)) == NULL)
    {
      os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", segs[0]);
      return;
    }
  if (key)
    {
      if (valid_key (resp, key))
        record_route (req, resp, entity, key, segs + 1);
      return;
    }
  if (segs[1] && strcmp (segs[1], "$count") == 0 && strcmp (req->method, "GET") == 0)
    os_entity_query (req, resp, entity, TRUE);
  else if (segs[1])
    os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", segs[1]);
  else if (strcmp (req->method, "GET") == 0)
    os_entity_query (req, resp, entity, FALSE);
  else if (strcmp (req->method, "POST") == 0)
    os_entity_create (req, resp, entity);
  else
    method_not_allowed (req, resp);
}

void
os_api_dispatch (OsRequest *req, OsResponse *resp)
{
  g_auto(GStrv) segs = NULL;
  const char *path = req->path;

  if (path[0] == '\0')
    service_document (req, resp);
  else if (strcmp (path, "$metadata") == 0)
    os_metadata_csdl (req, resp);
  else if (strcmp (path, "$batch") == 0)
    {
      if (strcmp (req->method, "POST") == 0)
        os_batch_execute (req, resp);
      else
        method_not_allowed (req, resp);
    }
  else if (strcmp (path, "WhoAmI") == 0 || strcmp (path, "WhoAmI()") == 0)
    who_am_i (req, resp);
  else if (g_str_has_prefix (path, "EntityDefinitions"))
    os_metadata_dispatch (req, resp, path);
  else if (os_nn_is_intersect_set (path))
    os_nn_collection (req, resp);
  else
    {
      segs = g_strsplit (path, "/", -1);
      entity_route (req, resp, segs);
    }
}

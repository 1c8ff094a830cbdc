/* outpost-server-nn.c: the N:N relationship accountleads_association between account and lead
 * (navigation property of the same name on both sides), through $ref:
 *   POST   accounts(<id>)/accountleads_association/$ref {"@odata.id":".../leads(<id>)"}
 *   DELETE accounts(<id>)/accountleads_association(<id>)/$ref  or  .../$ref?$id=<url>
 *   GET    accounts(<id>)/accountleads_association  (the related records)
 * Associating a pair twice answers 412 DuplicateRecord, as Dataverse does. */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

static void
link_ids (const OsEntity *entity, const char *id, const char *other, const char **account, const char **lead)
{
  gboolean is_account = strcmp (entity->logical_name, "account") == 0;
  *account = is_account ? id : other;
  *lead = is_account ? other : id;
}

static gboolean
ref_target (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *ref, char **other)
{
  const OsEntity *target = NULL;

  if (ref == NULL || !os_parse_entity_ref (req->server, ref, &target, other) ||
      strcmp (target->logical_name, entity->nn_target) != 0)
    {
      os_response_error (resp, 400, "0x80048d19", "The @odata.id value '%s' is not a reference to a %s.",
                         ref ? ref : "", entity->nn_target);
      return FALSE;
    }
  if (os_store_row_version (req->server, target, *other) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", target->logical_name, *other);
      return FALSE;
    }
  return TRUE;
}

static void
associate (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *other = NULL;
  const char *ref = NULL, *account, *lead;
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (len > 0 && json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    ref = json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                      "@odata.id", NULL);
  if (!ref_target (req, resp, entity, ref, &other))
    return;
  link_ids (entity, id, other, &account, &lead);
  sqlite3_prepare_v2 (req->server->db, "INSERT INTO accountleads (accountid, leadid) VALUES (?, ?)", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, lead, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_CONSTRAINT)
    os_response_error (resp, 412, "0x80040237", "Cannot insert duplicate key.");
  else
    resp->status = 204;
}

static void
disassociate (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id, const char *other_key)
{
  g_autofree char *other = other_key ? g_strdup (other_key) : NULL;
  const char *account, *lead;
  sqlite3_stmt *stmt = NULL;

  if (other == NULL && !ref_target (req, resp, entity, g_hash_table_lookup (req->query, "$id"), &other))
    return;
  link_ids (entity, id, other, &account, &lead);
  sqlite3_prepare_v2 (req->server->db, "DELETE FROM accountleads WHERE accountid = ? AND leadid = ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, account, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, lead, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  resp->status = 204;
}

static void
list_related (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id)
{
  const OsEntity *target = os_schema_by_logical (entity->nn_target);
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT versionnumber, ");
  g_autoptr(GString) out = g_string_new ("{\"@odata.context\":");
  g_autofree char *ctx = g_strdup_printf ("%s$metadata#%s", req->server->api_base, target->set_name);
  gboolean is_account = strcmp (entity->logical_name, "account") == 0;
  OsPrefer prefer;
  sqlite3_stmt *stmt = NULL;

  if (!os_parse_select (target, g_hash_table_lookup (req->query, "$select"), attrs, resp))
    return;
  os_sql_ident (sql, target->primary_id);
  for (guint i = 0; i < attrs->len; i++)
    {
      const OsAttribute *a = g_ptr_array_index (attrs, i);
      g_string_append_printf (sql, ", \"%s\"", a->name);
      if (os_type_is_lookup (a->type))
        g_string_append_printf (sql, ", \"%s_t\"", a->name);
    }
  g_string_append_printf (sql, " FROM \"%s\" WHERE \"%s\" IN (SELECT %s FROM accountleads WHERE %s = ?) ORDER BY 2",
                          target->logical_name, target->primary_id, is_account ? "leadid" : "accountid",
                          is_account ? "accountid" : "leadid");
  os_prefer_parse (req->headers, &prefer);
  os_json_string (out, ctx);
  g_string_append (out, ",\"value\":[");
  sqlite3_prepare_v2 (req->server->db, sql->str, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (out->str[out->len - 1] != '[')
        g_string_append_c (out, ',');
      os_write_record (req->server, out, target, attrs, stmt, &prefer);
    }
  sqlite3_finalize (stmt);
  os_prefer_clear (&prefer);
  g_string_append (out, "]}");
  os_response_json (resp, 200, out);
}

void
os_entity_nn (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id, const char *nav,
              const char *other_id, gboolean is_ref)
{
  const char *m = req->method;

  if (os_store_row_version (req->server, entity, id) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return;
    }
  if (is_ref && strcmp (m, "POST") == 0 && other_id == NULL)
    associate (req, resp, entity, id);
  else if (strcmp (m, "DELETE") == 0 && (is_ref || other_id))
    disassociate (req, resp, entity, id, other_id);
  else if (!is_ref && other_id == NULL && strcmp (m, "GET") == 0)
    list_related (req, resp, entity, id);
  else
    os_response_error (resp, 405, "0x80060888", "The requested resource does not support http method '%s'.", m);
}

/* outpost-server-nn.c: N:N relationships, through $ref on the navigation property named like
 * the relationship (on both sides):
 *   POST   accounts(<id>)/accountleads_association/$ref {"@odata.id":".../leads(<id>)"}
 *   DELETE accounts(<id>)/accountleads_association(<id>)/$ref  or  .../$ref?$id=<url>
 *   GET    accounts(<id>)/accountleads_association  (the related records)
 *   GET    accountleadscollection?$select=accountid,leadid  (the intersect table, paged)
 * Associating a pair twice answers 412 DuplicateRecord, as Dataverse does.
 *
 * Two relationships: the system accountleads_association (account-lead; intersect entity
 * accountleads, EntitySetName accountleadscollection, as in the Dataverse table reference) and
 * a custom one, new_account_contact (account-contact; intersect entity new_account_contact,
 * entity set new_account_contactset) whose intersect set does not follow the system tables'
 * "<name>collection" pattern, so a client must read the relationship metadata
 * (EntityDefinitions(...)/ManyToManyRelationships, outpost-server-metadata.c) to find it. */
#include "config.h"

#include "outpost-server-nn.h"

#include <string.h>

static const OsNnRelationship relationships[] = {
  { "accountleads_association", "accountleads", "accountleadscollection", "accountleadid",
    "account", "accountid", "lead", "leadid",
    "3a5b9e4e-0c1d-4f6a-9b7c-1d2e3f405161", "3a5b9e4e-0c1d-4f6a-9b7c-1d2e3f405162", FALSE },
  { "new_account_contact", "new_account_contact", "new_account_contactset", "new_account_contactid",
    "account", "accountid", "contact", "contactid",
    "3a5b9e4e-0c1d-4f6a-9b7c-1d2e3f405163", "3a5b9e4e-0c1d-4f6a-9b7c-1d2e3f405164", TRUE },
};

const OsNnRelationship *
os_nn_relationships (guint *n)
{
  *n = G_N_ELEMENTS (relationships);
  return relationships;
}

const OsNnRelationship *
os_nn_by_intersect (const char *logical_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (relationships); i++)
    if (strcmp (relationships[i].intersect, logical_name) == 0)
      return &relationships[i];
  return NULL;
}

static const OsNnRelationship *
by_navigation (const OsEntity *entity, const char *nav)
{
  for (guint i = 0; i < G_N_ELEMENTS (relationships); i++)
    if (strcmp (relationships[i].schema_name, nav) == 0 &&
        (strcmp (relationships[i].entity1, entity->logical_name) == 0 ||
         strcmp (relationships[i].entity2, entity->logical_name) == 0))
      return &relationships[i];
  return NULL;
}

const char *
os_nn_navigation (const OsEntity *entity, const char *segment)
{
  for (guint i = 0; i < G_N_ELEMENTS (relationships); i++)
    {
      const OsNnRelationship *r = &relationships[i];
      gsize len = strlen (r->schema_name);

      if (strncmp (segment, r->schema_name, len) == 0 && (segment[len] == '\0' || segment[len] == '(') &&
          by_navigation (entity, r->schema_name) == r)
        return r->schema_name;
    }
  return NULL;
}

static const OsNnRelationship *
by_set (const char *set)
{
  for (guint i = 0; i < G_N_ELEMENTS (relationships); i++)
    if (strcmp (relationships[i].set_name, set) == 0)
      return &relationships[i];
  return NULL;
}

gboolean
os_nn_is_intersect_set (const char *path)
{
  return by_set (path) != NULL;
}

/* accountleads is created with the schema; the custom relationship's table (and the cascade
 * a record delete has on its links) is made here, on first use. */
static void
ensure_table (OsServer *server, const OsNnRelationship *r)
{
  g_autofree char *sql = NULL;

  if (!r->custom)
    return;
  sql = g_strdup_printf ("CREATE TABLE IF NOT EXISTS \"%s\" (\"%s\" TEXT NOT NULL, \"%s\" TEXT NOT NULL, "
                         "PRIMARY KEY (\"%s\", \"%s\"));\n"
                         "CREATE TRIGGER IF NOT EXISTS \"%s_del1\" AFTER DELETE ON \"%s\" BEGIN "
                         "DELETE FROM \"%s\" WHERE \"%s\" = old.\"%s\"; END;\n"
                         "CREATE TRIGGER IF NOT EXISTS \"%s_del2\" AFTER DELETE ON \"%s\" BEGIN "
                         "DELETE FROM \"%s\" WHERE \"%s\" = old.\"%s\"; END;",
                         r->intersect, r->attribute1, r->attribute2, r->attribute1, r->attribute2,
                         r->intersect, r->entity1, r->intersect, r->attribute1,
                         os_schema_by_logical (r->entity1)->primary_id,
                         r->intersect, r->entity2, r->intersect, r->attribute2,
                         os_schema_by_logical (r->entity2)->primary_id);
  sqlite3_exec (server->db, sql, NULL, NULL, NULL);
}

/* The other end of @r seen from @entity. */
static const char *
other_end (const OsNnRelationship *r, const OsEntity *entity)
{
  return strcmp (entity->logical_name, r->entity1) == 0 ? r->entity2 : r->entity1;
}

static void
link_ids (const OsNnRelationship *r, const OsEntity *entity, const char *id, const char *other,
          const char **id1, const char **id2)
{
  gboolean first = strcmp (entity->logical_name, r->entity1) == 0;
  *id1 = first ? id : other;
  *id2 = first ? other : id;
}

static gboolean
ref_target (OsRequest *req, OsResponse *resp, const OsNnRelationship *r, const OsEntity *entity,
            const char *ref, char **other)
{
  const OsEntity *target = NULL;
  const char *want = other_end (r, entity);

  if (ref == NULL || !os_parse_entity_ref (req->server, ref, &target, other) ||
      strcmp (target->logical_name, want) != 0)
    {
      os_response_error (resp, 400, "0x80048d19", "The @odata.id value '%s' is not a reference to a %s.",
                         ref ? ref : "", want);
      return FALSE;
    }
  if (os_store_row_version (req->server, target, *other) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", target->logical_name, *other);
      return FALSE;
    }
  return TRUE;
}

/* INSERT or DELETE of one pair; the SQLite result code. */
static int
pair_sql (OsServer *server, const OsNnRelationship *r, gboolean insert, const char *id1, const char *id2)
{
  g_autofree char *sql = insert
    ? g_strdup_printf ("INSERT INTO \"%s\" (\"%s\", \"%s\") VALUES (?, ?)", r->intersect, r->attribute1,
                       r->attribute2)
    : g_strdup_printf ("DELETE FROM \"%s\" WHERE \"%s\" = ? AND \"%s\" = ?", r->intersect, r->attribute1,
                       r->attribute2);
  sqlite3_stmt *stmt = NULL;
  int rc;

  ensure_table (server, r);
  sqlite3_prepare_v2 (server->db, sql, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id2, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc;
}

static void
associate (OsRequest *req, OsResponse *resp, const OsNnRelationship *r, const OsEntity *entity,
           const char *id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *other = NULL;
  const char *ref = NULL, *id1, *id2;
  gsize len;
  const char *data = g_bytes_get_data (req->body, &len);

  if (len > 0 && json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    ref = json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                      "@odata.id", NULL);
  if (!ref_target (req, resp, r, entity, ref, &other))
    return;
  link_ids (r, entity, id, other, &id1, &id2);
  if (pair_sql (req->server, r, TRUE, id1, id2) == SQLITE_CONSTRAINT)
    os_response_error (resp, 412, "0x80040237", "Cannot insert duplicate key.");
  else
    resp->status = 204;
}

static void
disassociate (OsRequest *req, OsResponse *resp, const OsNnRelationship *r, const OsEntity *entity,
              const char *id, const char *other_key)
{
  g_autofree char *other = other_key ? g_strdup (other_key) : NULL;
  const char *id1, *id2;

  if (other == NULL && !ref_target (req, resp, r, entity, g_hash_table_lookup (req->query, "$id"), &other))
    return;
  link_ids (r, entity, id, other, &id1, &id2);
  pair_sql (req->server, r, FALSE, id1, id2);
  resp->status = 204;
}

static void
list_related (OsRequest *req, OsResponse *resp, const OsNnRelationship *r, const OsEntity *entity,
              const char *id)
{
  const OsEntity *target = os_schema_by_logical (other_end (r, entity));
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();
  g_autoptr(GString) sql = g_string_new ("SELECT versionnumber, ");
  g_autoptr(GString) out = g_string_new ("{\"@odata.context\":");
  g_autofree char *ctx = g_strdup_printf ("%s$metadata#%s", req->server->api_base, target->set_name);
  gboolean first = strcmp (entity->logical_name, r->entity1) == 0;
  OsPrefer prefer;
  sqlite3_stmt *stmt = NULL;

  if (!os_parse_select (target, g_hash_table_lookup (req->query, "$select"), attrs, resp))
    return;
  ensure_table (req->server, r);
  os_sql_ident (sql, target->primary_id);
  for (guint i = 0; i < attrs->len; i++)
    {
      const OsAttribute *a = g_ptr_array_index (attrs, i);
      g_string_append_printf (sql, ", \"%s\"", a->name);
      if (os_type_is_lookup (a->type))
        g_string_append_printf (sql, ", \"%s_t\"", a->name);
    }
  g_string_append_printf (sql, " FROM \"%s\" WHERE \"%s\" IN (SELECT \"%s\" FROM \"%s\" WHERE \"%s\" = ?) ORDER BY 2",
                          target->logical_name, target->primary_id, first ? r->attribute2 : r->attribute1,
                          r->intersect, first ? r->attribute1 : r->attribute2);
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
  const OsNnRelationship *r = by_navigation (entity, nav);
  const char *m = req->method;

  if (os_store_row_version (req->server, entity, id) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return;
    }
  if (r == NULL)
    os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", nav);
  else if (is_ref && strcmp (m, "POST") == 0 && other_id == NULL)
    associate (req, resp, r, entity, id);
  else if (strcmp (m, "DELETE") == 0 && (is_ref || other_id))
    disassociate (req, resp, r, entity, id, other_id);
  else if (!is_ref && other_id == NULL && strcmp (m, "GET") == 0)
    list_related (req, resp, r, entity, id);
  else
    os_response_error (resp, 405, "0x80060888", "The requested resource does not support http method '%s'.", m);
}

/* ---- the intersect table ------------------------------------------------------------------
 * Dataverse exposes it as a read-only table (AccountLeads: EntitySetName accountleadscollection,
 * PrimaryIdAttribute accountleadid, columns accountid and leadid; RetrieveMultiple is
 * "GET /accountleadscollection"); the custom relationship's the same way. Supported here:
 * $select and paging (Prefer: odata.maxpagesize, @odata.nextLink with a $skiptoken cookie,
 * keyset-based like the other sets). Intersect tables have no change tracking:
 * odata.track-changes is not applied. The server keeps no id or version per link, so the
 * primary id (accountleadid) is a name-based UUID of the pair (stable while the link exists)
 * and rows carry no @odata.etag. */

/* The three columns: primary id, entity1's id, entity2's id. */
static void
link_columns (const OsNnRelationship *r, const char *columns[3])
{
  columns[0] = r->primary_id;
  columns[1] = r->attribute1;
  columns[2] = r->attribute2;
}

/* A version-5 style UUID from SHA-1 of the pair: the same link always has the same id. */
static char *
link_id (const char *account, const char *lead)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 d[20];
  gsize len = sizeof d;

  g_checksum_update (sum, (const guchar *) account, -1);
  g_checksum_update (sum, (const guchar *) "|", 1);
  g_checksum_update (sum, (const guchar *) lead, -1);
  g_checksum_get_digest (sum, d, &len);
  d[6] = (d[6] & 0x0f) | 0x50;
  d[8] = (d[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9],
                          d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* $select: which of the three columns (all when absent). FALSE with resp set on a bad name. */
static gboolean
link_select (OsRequest *req, OsResponse *resp, const OsNnRelationship *r, gboolean want[3])
{
  const char *cols[3];
  const char *select = g_hash_table_lookup (req->query, "$select");
  g_auto(GStrv) names = select ? g_strsplit (select, ",", -1) : NULL;

  for (guint i = 0; i < 3; i++)
    want[i] = select == NULL;
  for (guint i = 0; names && names[i]; i++)
    {
      char *name = g_strstrip (names[i]);
      guint j = 0;
      link_columns (r, cols);
      while (j < 3 && strcmp (cols[j], name) != 0)
        j++;
      if (j == 3)
        {
          os_response_error (resp, 400, "0x80060888", "Could not find a property named '%s' on type "
                             "'Microsoft.Dynamics.CRM.%s'.", name, r->intersect);
          return FALSE;
        }
      want[j] = TRUE;
    }
  want[0] = TRUE;   /* the primary id always comes back, as on Dataverse */
  return TRUE;
}

/* Our $skiptoken: <cookie pagenumber="N" pagingcookie="BASE64(account|lead)" istracking="False" /> */
static gboolean
link_parse_skiptoken (const char *token, char **account, char **lead, int *page)
{
  const char *p = token ? strstr (token, "pagingcookie=\"") : NULL;
  const char *n = token ? strstr (token, "pagenumber=\"") : NULL;
  g_autofree char *b64 = NULL;
  g_autofree guchar *raw = NULL;
  g_auto(GStrv) parts = NULL;
  gsize len = 0;
  const char *end;

  if (p == NULL || n == NULL || (end = strchr (p + 14, '"')) == NULL)
    return FALSE;
  *page = atoi (n + 12);
  b64 = g_strndup (p + 14, end - (p + 14));
  raw = g_base64_decode (b64, &len);
  raw = g_realloc (raw, len + 1);
  raw[len] = '\0';
  parts = g_strsplit ((const char *) raw, "|", 3);
  if (g_strv_length (parts) != 2 || !os_is_guid (parts[0]) || !os_is_guid (parts[1]))
    return FALSE;
  *account = g_strdup (parts[0]);
  *lead = g_strdup (parts[1]);
  return TRUE;
}

/* The next page's link: this request's own query, its old $skiptoken replaced. */
static char *
link_next (OsRequest *req, const OsNnRelationship *r, const char *account, const char *lead, int page)
{
  g_autofree char *pair = g_strdup_printf ("%s|%s", account, lead);
  g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *cookie = g_strdup_printf ("<cookie pagenumber=\"%d\" pagingcookie=\"%s\" "
                                             "istracking=\"False\" />", page, b64);
  g_autofree char *escaped = g_uri_escape_string (cookie, NULL, FALSE);
  g_auto(GStrv) pairs = g_strsplit (req->raw_query ? req->raw_query : "", "&", -1);
  GString *link = g_string_new (req->server->api_base);
  char sep = '?';

  g_string_append (link, r->set_name);
  for (guint i = 0; pairs[i]; i++)
    if (pairs[i][0] != '\0' && !g_str_has_prefix (pairs[i], "$skiptoken=") &&
        !g_str_has_prefix (pairs[i], "%24skiptoken="))
      {
        g_string_append_printf (link, "%c%s", sep, pairs[i]);
        sep = '&';
      }
  g_string_append_printf (link, "%c$skiptoken=%s", sep, escaped);
  return g_string_free (link, FALSE);
}

static gboolean
link_check_options (OsRequest *req, OsResponse *resp, const OsNnRelationship *r)
{
  static const char *const unsupported[] = { "$filter", "$orderby", "$expand", "$top", "$count",
                                             "$apply", "fetchXml", NULL };

  for (guint i = 0; unsupported[i]; i++)
    if (g_hash_table_contains (req->query, unsupported[i]))
      {
        /* honest about the test server's limits rather than answering something else */
        os_response_error (resp, 501, "0x80060888", "outpost-server does not implement %s on %s.",
                           unsupported[i], r->set_name);
        return FALSE;
      }
  return TRUE;
}

static void
link_write_row (GString *out, const OsNnRelationship *r, const gboolean want[3], const char *account,
                const char *lead)
{
  const char *cols[3];
  g_autofree char *id = link_id (account, lead);
  const char *values[3] = { id, account, lead };
  gboolean first = TRUE;

  link_columns (r, cols);
  g_string_append_c (out, '{');
  for (guint i = 0; i < 3; i++)
    {
      if (!want[i])
        continue;
      if (!first)
        g_string_append_c (out, ',');
      os_json_key (out, cols[i]);
      os_json_string (out, values[i]);
      first = FALSE;
    }
  g_string_append_c (out, '}');
}

static void
link_context (OsRequest *req, GString *out, const OsNnRelationship *r, const gboolean want[3])
{
  const char *cols[3];
  const char *select = g_hash_table_lookup (req->query, "$select");
  g_autoptr(GString) ctx = g_string_new (req->server->api_base);

  link_columns (r, cols);
  g_string_append_printf (ctx, "$metadata#%s", r->set_name);
  if (select != NULL)
    {
      gboolean first = TRUE;
      g_string_append_c (ctx, '(');
      for (guint i = 1; i < 3; i++)
        if (want[i])
          {
            g_string_append_printf (ctx, "%s%s", first ? "" : ",", cols[i]);
            first = FALSE;
          }
      g_string_append_c (ctx, ')');
    }
  os_json_key (out, "@odata.context");
  os_json_string (out, ctx->str);
}

static void
link_query (OsRequest *req, OsResponse *resp, const OsNnRelationship *r)
{
  g_autofree char *sql = g_strdup_printf ("SELECT \"%s\", \"%s\" FROM \"%s\" WHERE ?1 IS NULL OR"
                                          " (\"%s\", \"%s\") > (?1, ?2) ORDER BY 1, 2 LIMIT ?3",
                                          r->attribute1, r->attribute2, r->intersect, r->attribute1,
                                          r->attribute2);
  g_autofree char *after_account = NULL, *after_lead = NULL, *last_account = NULL, *last_lead = NULL;
  const char *token = g_hash_table_lookup (req->query, "$skiptoken");
  g_autoptr(GString) out = g_string_new ("{");
  gboolean want[3];
  OsPrefer prefer;
  sqlite3_stmt *stmt = NULL;
  int page = 1, size, n = 0;
  gboolean more = FALSE;

  if (!link_check_options (req, resp, r) || !link_select (req, resp, r, want))
    return;
  if (token && !link_parse_skiptoken (token, &after_account, &after_lead, &page))
    {
      os_response_error (resp, 400, "0x80060888", "The $skiptoken value is not valid.");
      return;
    }
  os_prefer_parse (req->headers, &prefer);
  size = prefer.max_page_size > 0 ? MIN (prefer.max_page_size, OS_MAX_PAGE_SIZE) : OS_MAX_PAGE_SIZE;
  if (prefer.max_page_size > 0)
    {
      g_autofree char *applied = g_strdup_printf ("odata.maxpagesize=%d", size);
      soup_message_headers_replace (resp->headers, "Preference-Applied", applied);
    }
  os_prefer_clear (&prefer);
  link_context (req, out, r, want);
  g_string_append (out, ",\"value\":[");
  ensure_table (req->server, r);
  sqlite3_prepare_v2 (req->server->db, sql, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, after_account, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, after_lead, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, size + 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (n == size)
        {
          more = TRUE;
          break;
        }
      if (n++ > 0)
        g_string_append_c (out, ',');
      g_free (last_account);
      g_free (last_lead);
      last_account = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      last_lead = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      link_write_row (out, r, want, last_account, last_lead);
    }
  sqlite3_finalize (stmt);
  g_string_append_c (out, ']');
  if (more)
    {
      g_autofree char *next = link_next (req, r, last_account, last_lead, page + 1);
      g_string_append (out, ",\"@odata.nextLink\":");
      os_json_string (out, next);
    }
  g_string_append_c (out, '}');
  os_response_json (resp, 200, out);
}

void
os_nn_collection (OsRequest *req, OsResponse *resp)
{
  const OsNnRelationship *r = by_set (req->path);

  if (r == NULL)
    os_response_error (resp, 404, "0x80060888", "Resource not found for the segment '%s'.", req->path);
  else if (strcmp (req->method, "GET") == 0)
    link_query (req, resp, r);
  else
    os_response_error (resp, 405, "0x80060888", "The requested resource does not support http method '%s'.",
                       req->method);
}

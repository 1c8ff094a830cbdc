/* outpost-server-write.c: validation and storage of creates, updates and deletes. Shared by the
 * Web API (POST/PATCH/DELETE, $batch) and the admin endpoint (another user's edits).
 *
 * Error choices (Dataverse codes where the docs give them):
 *  - payload not JSON / wrong JSON type / unknown property: 400 0x80048d19
 *  - string too long, option value out of range:           400 0x80044331 (validation error)
 *    (also an unknown or malformed value in a multi-select choice)
 *  - required attribute missing or null:                   400 0x80040203
 *  - lookup target missing:                                404 0x80040217
 *  - documentbody over 5 MB of Base64:                     400 0x80044a02 */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

typedef struct {
  const OsAttribute *attr;
  OsValue           *value;
  char              *target;  /* lookups: target logical name */
} Change;

static void
change_free (Change *c)
{
  os_value_free (c->value);
  g_free (c->target);
  g_free (c);
}

/* The write path's statements are prepared once and kept (as a real server caches its query
 * plans): a $batch of a thousand updates no longer parses the same SQL a thousand times. The
 * server is single-threaded with one database connection. The cache is bounded (the UPDATE
 * text depends on which columns change). */
#define MAX_CACHED_STATEMENTS 256

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static sqlite3_stmt *
cached_statement (OsServer *server, const char *sql)
{
  static GHashTable *cache;
  sqlite3_stmt *stmt;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  stmt = g_hash_table_lookup (cache, sql);
  if (stmt != NULL && sqlite3_db_handle (stmt) == server->db)
    return stmt;
  if (g_hash_table_size (cache) >= MAX_CACHED_STATEMENTS)
    g_hash_table_remove_all (cache);
  if (sqlite3_prepare_v3 (server->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    return NULL;
  g_hash_table_replace (cache, g_strdup (sql), stmt);
  return stmt;
}

static void
statement_done (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gint64
os_store_row_version (OsServer *server, const OsEntity *entity, const char *id)
{
  g_autoptr(GString) sql = g_string_new ("SELECT versionnumber FROM ");
  sqlite3_stmt *stmt;
  gint64 version = -1;

  os_sql_ident (sql, entity->logical_name);
  g_string_append (sql, " WHERE ");
  os_sql_ident (sql, entity->primary_id);
  g_string_append (sql, " = ?");
  if ((stmt = cached_statement (server, sql->str)) == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  statement_done (stmt);
  return version;
}

/* "/accounts(<guid>)", "accounts(<guid>)", "<api base>accounts(<guid>)" or "$1" in a $batch. */
gboolean
os_parse_entity_ref (OsServer *server, const char *ref, const OsEntity **entity, char **id)
{
  const char *p = ref;
  const char *open, *close;
  g_autofree char *set = NULL;
  g_autofree char *resolved = NULL;

  if (ref[0] == '$' && server->content_ids)
    {
      const char *url = g_hash_table_lookup (server->content_ids, ref + 1);
      if (url == NULL)
        return FALSE;
      resolved = g_strdup (url);
      p = resolved;
    }
  if (g_str_has_prefix (p, "http://") || g_str_has_prefix (p, "https://"))
    {
      const char *api = strstr (p, "/api/data/v");
      if (api == NULL || (api = strchr (api + strlen ("/api/data/v"), '/')) == NULL)
        return FALSE;
      p = api;
    }
  while (*p == '/')
    p++;
  open = strchr (p, '(');
  close = open ? strchr (open, ')') : NULL;
  if (open == NULL || close == NULL || close[1] != '\0')
    return FALSE;
  set = g_strndup (p, open - p);
  *entity = os_schema_by_set (set);
  *id = g_ascii_strdown (open + 1, close - open - 1);
  if (*entity == NULL || !os_is_guid (*id))
    {
      g_clear_pointer (id, g_free);
      return FALSE;
    }
  return TRUE;
}

/* Resolves "x", "x_target" or "x_target_entity" to a lookup attribute. */
static const OsAttribute *
resolve_nav (const OsEntity *entity, const char *nav, const char **implied_target)
{
  *implied_target = NULL;
  for (const OsAttribute *a = entity->attrs; a->name; a++)
    {
      gsize len = strlen (a->name);
      g_auto(GStrv) targets = NULL;
      if (!os_type_is_lookup (a->type) || strncmp (nav, a->name, len) != 0)
        continue;
      if (nav[len] == '\0')
        return a;
      if (nav[len] != '_')
        continue;
      targets = g_strsplit (a->targets, ",", -1);
      for (guint i = 0; targets[i]; i++)
        if (strcmp (nav + len + 1, targets[i]) == 0 ||
            (g_str_has_prefix (nav + len + 1, targets[i]) && nav[len + 1 + strlen (targets[i])] == '_' &&
             strcmp (nav + len + 2 + strlen (targets[i]), entity->logical_name) == 0))
          {
            *implied_target = g_intern_string (targets[i]);
            return a;
          }
    }
  return NULL;
}

static gboolean
payload_error (OsResponse *resp, const OsEntity *entity, const char *detail)
{
  os_response_error (resp, 400, "0x80048d19",
                     "Error identified in Payload provided by the user for Entity :'%s', For more "
                     "information on this error please follow this help link "
                     "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
                     "Microsoft.OData.ODataException: %s", entity->set_name, detail);
  return FALSE;
}

static gboolean
parse_bind (OsServer *server, const OsEntity *entity, const char *key, JsonNode *node, GPtrArray *changes,
            OsResponse *resp)
{
  g_autofree char *nav = g_strndup (key, strlen (key) - strlen ("@odata.bind"));
  const char *implied = NULL;
  const OsAttribute *attr = resolve_nav (entity, nav, &implied);
  Change *c;
  const OsEntity *target = NULL;
  g_autofree char *id = NULL;

  if (attr == NULL || (attr->flags & OS_ATTR_READONLY))
    {
      g_autofree char *d = g_strdup_printf ("An undeclared property '%s' which only has property annotations "
                                            "in the payload but no property value was found in the payload.", nav);
      return payload_error (resp, entity, d);
    }
  c = g_new0 (Change, 1);
  c->attr = attr;
  c->value = g_new0 (OsValue, 1);
  g_ptr_array_add (changes, c);
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      !os_parse_entity_ref (server, json_node_get_string (node), &target, &id))
    {
      g_autofree char *d = g_strdup_printf ("The value of '%s' is not a valid entity reference.", key);
      return payload_error (resp, entity, d);
    }
  if ((implied && strcmp (implied, target->logical_name) != 0) || !os_lookup_has_target (attr, target->logical_name))
    {
      g_autofree char *d = g_strdup_printf ("The entity '%s' is not a valid target of '%s'.",
                                            target->logical_name, nav);
      return payload_error (resp, entity, d);
    }
  if (os_store_row_version (server, target, id) < 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", target->logical_name, id);
      return FALSE;
    }
  c->value->kind = OS_VALUE_TEXT;
  c->value->s = g_steal_pointer (&id);
  c->target = g_strdup (target->logical_name);
  return TRUE;
}

static gboolean
check_options (const OsEntity *entity, const OsAttribute *attr, gint64 value, OsResponse *resp)
{
  for (const OsOption *o = attr->options; o && o->label; o++)
    if (o->value == value)
      return TRUE;
  os_response_error (resp, 400, "0x80044331",
                     "A validation error occurred. The value %" G_GINT64_FORMAT " of '%s' on record of type "
                     "'%s' is outside the valid range.", value, attr->name, entity->logical_name);
  return FALSE;
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* A multi-select choice travels as "100000000,100000002" (Dataverse's Web API form). Each
 * value must be one of the options; stored sorted and without duplicates, "" is null. */
static gboolean
convert_multi (const OsEntity *entity, const OsAttribute *attr, char *text, OsValue *v, OsResponse *resp)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  GString *out;

  if (*g_strstrip (text) == '\0')
    return TRUE;
  for (guint i = 0; parts[i]; i++)
    {
      char *end = NULL;
      const char *p = g_strstrip (parts[i]);
      gint64 n = g_ascii_strtoll (p, &end, 10);
      if (*p == '\0' || end == NULL || *end != '\0' || !g_ascii_isdigit (*p))
        {
          os_response_error (resp, 400, "0x80044331", "A validation error occurred. The value '%s' of '%s' on "
                             "record of type '%s' is not a valid list of option values.", text, attr->name,
                             entity->logical_name);
          return FALSE;
        }
      if (!check_options (entity, attr, n, resp))
        return FALSE;
      g_array_append_val (values, n);
    }
  g_array_sort (values, compare_ints);
  out = g_string_new (NULL);
  for (guint i = 0; i < values->len; i++)
    if (i == 0 || g_array_index (values, gint64, i) != g_array_index (values, gint64, i - 1))
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT, out->len ? "," : "", g_array_index (values, gint64, i));
  v->kind = OS_VALUE_TEXT;
  v->s = g_string_free (out, FALSE);
  return TRUE;
}

static gboolean
convert_value (const OsEntity *entity, const OsAttribute *attr, JsonNode *node, OsValue *v, OsResponse *resp)
{
  GType t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  g_autofree char *detail = g_strdup_printf ("Cannot convert the literal to the expected type '%s' of "
                                             "property '%s'.", os_type_edm (attr->type), attr->name);

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  switch (attr->type)
    {
    case OS_TYPE_STRING: case OS_TYPE_MEMO:
      if (t != G_TYPE_STRING)
        return payload_error (resp, entity, detail);
      if (attr->max_length > 0 && g_utf8_strlen (json_node_get_string (node), -1) > attr->max_length)
        {
          if (strcmp (attr->name, "documentbody") == 0)
            {
              os_response_error (resp, 400, "0x80044a02", "Attachment file size is too big.");
              return FALSE;
            }
          os_response_error (resp, 400, "0x80044331", "A validation error occurred. The length of the '%s' "
                             "attribute of the '%s' entity exceeded the maximum allowed length of '%d'.",
                             attr->name, entity->logical_name, attr->max_length);
          return FALSE;
        }
      v->kind = OS_VALUE_TEXT;
      v->s = g_strdup (json_node_get_string (node));
      return TRUE;
    case OS_TYPE_INTEGER: case OS_TYPE_BIGINT: case OS_TYPE_PICKLIST: case OS_TYPE_STATE: case OS_TYPE_STATUS:
      if (t != G_TYPE_INT64)
        return payload_error (resp, entity, detail);
      v->kind = OS_VALUE_INT;
      v->i = json_node_get_int (node);
      if (attr->type == OS_TYPE_INTEGER && (v->i > G_MAXINT32 || v->i < G_MININT32))
        return payload_error (resp, entity, detail);
      return !os_type_is_option (attr->type) || check_options (entity, attr, v->i, resp);
    case OS_TYPE_MULTIPICKLIST:
      if (t != G_TYPE_STRING)
        return payload_error (resp, entity, detail);
      {
        g_autofree char *text = g_strdup (json_node_get_string (node));
        return convert_multi (entity, attr, text, v, resp);
      }
    case OS_TYPE_DECIMAL: case OS_TYPE_MONEY:
      if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
        return payload_error (resp, entity, detail);
      v->kind = OS_VALUE_REAL;
      v->d = json_node_get_double (node);
      return TRUE;
    case OS_TYPE_BOOLEAN:
      if (t != G_TYPE_BOOLEAN)
        return payload_error (resp, entity, detail);
      v->kind = OS_VALUE_INT;
      v->i = json_node_get_boolean (node);
      return TRUE;
    case OS_TYPE_DATETIME: case OS_TYPE_DATEONLY:
      {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
        g_autoptr(GDateTime) dt = NULL;
        const char *s = t == G_TYPE_STRING ? json_node_get_string (node) : NULL;
        if (s && strlen (s) == 10)
          {
            g_autofree char *full = g_strconcat (s, "T00:00:00Z", NULL);
            dt = g_date_time_new_from_iso8601 (full, utc);
          }
        else if (s)
          dt = g_date_time_new_from_iso8601 (s, utc);
        if (dt == NULL)
          return payload_error (resp, entity, detail);
        {
          g_autoptr(GDateTime) u = g_date_time_to_utc (dt);
          v->kind = OS_VALUE_TEXT;
          v->s = g_date_time_format (u, attr->type == OS_TYPE_DATEONLY ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ");
        }
        return TRUE;
      }
    default:
      return payload_error (resp, entity, detail);
    }
}

static gboolean
collect_changes (OsServer *server, const OsEntity *entity, const char *id, JsonObject *fields,
                 GPtrArray *changes, OsResponse *resp)
{
  g_autoptr(GList) members = json_object_get_members (fields);

  for (GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (fields, key);
      const OsAttribute *attr;
      Change *c;

      if (strcmp (key, "email_activity_parties") == 0 && strcmp (entity->logical_name, "email") == 0)
        continue;  /* the deep insert of the parties: store_parties */
      if (g_str_has_suffix (key, "@odata.bind"))
        {
          if (!parse_bind (server, entity, key, node, changes, resp))
            return FALSE;
          continue;
        }
      if (strchr (key, '@'))
        continue;  /* instance annotations (@odata.type, @odata.etag, ...) are not data */
      attr = os_schema_attr (entity, key);
      if (attr == NULL || os_type_is_lookup (attr->type))
        {
          g_autofree char *d = g_strdup_printf ("The property '%s' does not exist on type "
                                                "'Microsoft.Dynamics.CRM.%s'. Make sure to only use property "
                                                "names that are defined by the type or mark the type as open type.",
                                                key, entity->logical_name);
          return payload_error (resp, entity, d);
        }
      if (attr == entity->attrs)
        {
          const char *given = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
          if (given == NULL || g_ascii_strcasecmp (given, id) != 0)
            return payload_error (resp, entity, "The primary key in the payload does not match the record's id.");
          continue;
        }
      if (attr->flags & OS_ATTR_READONLY)
        continue;  /* like Dataverse, read-only columns in a payload are ignored */
      c = g_new0 (Change, 1);
      c->attr = attr;
      c->value = g_new0 (OsValue, 1);
      g_ptr_array_add (changes, c);
      if (!convert_value (entity, attr, node, c->value, resp))
        return FALSE;
    }
  return TRUE;
}

static Change *
find_change (GPtrArray *changes, const char *name)
{
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      if (strcmp (c->attr->name, name) == 0)
        return c;
    }
  return NULL;
}

static void
add_change (GPtrArray *changes, const OsEntity *entity, const char *name, OsValue *value, const char *target)
{
  Change *c = g_new0 (Change, 1);
  c->attr = os_schema_attr (entity, name);
  c->value = value;
  c->target = g_strdup (target);
  g_assert (c->attr != NULL);
  g_ptr_array_add (changes, c);
}

/* System columns, defaults and the required check. */
static gboolean
complete_changes (const OsEntity *entity, GPtrArray *changes, const char *user_id, gboolean create,
                  gint64 version, OsResponse *resp)
{
  g_autofree char *now = os_now_iso ();

  for (const OsAttribute *a = entity->attrs + 1; a->name; a++)
    {
      Change *c = find_change (changes, a->name);
      gboolean missing = c == NULL || c->value->kind == OS_VALUE_NULL;
      if (!os_attr_is_required (a) || (a->flags & OS_ATTR_READONLY) || !missing)
        continue;
      if (strcmp (a->name, "statecode") == 0 || strcmp (a->name, "ownerid") == 0)
        continue;  /* defaulted below */
      if (create || c != NULL)
        {
          os_response_error (resp, 400, "0x80040203", "A value for the required attribute '%s' of entity "
                             "'%s' is missing.", a->name, entity->logical_name);
          return FALSE;
        }
    }
  if (os_schema_attr (entity, "modifiedon"))
    {
      add_change (changes, entity, "modifiedon", os_value_text (now), NULL);
      if (os_schema_attr (entity, "modifiedby"))
        add_change (changes, entity, "modifiedby", os_value_text (user_id), "systemuser");
    }
  add_change (changes, entity, "versionnumber", os_value_int (version), NULL);
  if (!create)
    return TRUE;
  add_change (changes, entity, "createdon", os_value_text (now), NULL);
  if (os_schema_attr (entity, "createdby"))
    add_change (changes, entity, "createdby", os_value_text (user_id), "systemuser");
  if (os_schema_attr (entity, "ownerid") && !find_change (changes, "ownerid"))
    add_change (changes, entity, "ownerid", os_value_text (user_id), "systemuser");
  if (os_schema_attr (entity, "statecode") && !find_change (changes, "statecode"))
    add_change (changes, entity, "statecode", os_value_int (0), NULL);
  if (os_schema_attr (entity, "statuscode") && !find_change (changes, "statuscode"))
    add_change (changes, entity, "statuscode",
                os_value_int (os_schema_attr (entity, "statuscode")->options[0].value), NULL);
  return TRUE;
}

static char *
write_sql (const OsEntity *entity, GPtrArray *changes, gboolean create)
{
  GString *sql = g_string_new (create ? "INSERT INTO " : "UPDATE ");
  os_sql_ident (sql, entity->logical_name);
  g_string_append (sql, create ? " (" : " SET ");
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      os_sql_ident (sql, c->attr->name);
      g_string_append (sql, create ? ", " : " = ?, ");
      if (os_type_is_lookup (c->attr->type))
        {
          g_autofree char *t = g_strconcat (c->attr->name, "_t", NULL);
          os_sql_ident (sql, t);
          g_string_append (sql, create ? ", " : " = ?, ");
        }
    }
  if (create)
    {
      guint n = 1;
      os_sql_ident (sql, entity->primary_id);
      g_string_append (sql, ") VALUES (");
      for (guint i = 0; i < changes->len; i++)
        n += os_type_is_lookup (((Change *) g_ptr_array_index (changes, i))->attr->type) ? 2 : 1;
      for (guint i = 0; i < n; i++)
        g_string_append (sql, i ? ", ?" : "?");
      g_string_append (sql, ")");
    }
  else
    {
      g_string_truncate (sql, sql->len - 2);
      g_string_append (sql, " WHERE ");
      os_sql_ident (sql, entity->primary_id);
      g_string_append (sql, " = ?");
    }
  return g_string_free (sql, FALSE);
}

static gboolean
run_write (OsServer *server, const OsEntity *entity, const char *id, GPtrArray *changes, gboolean create,
           OsResponse *resp)
{
  g_autofree char *sql = write_sql (entity, changes, create);
  sqlite3_stmt *stmt = cached_statement (server, sql);
  int n = 1, rc;

  if (stmt == NULL)
    {
      os_response_error (resp, 500, "0x80040216", "An unexpected error occurred: %s", sqlite3_errmsg (server->db));
      return FALSE;
    }
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, c->value);
      os_bind_values (stmt, one, n++);
      if (os_type_is_lookup (c->attr->type))
        {
          if (c->value->kind == OS_VALUE_NULL || c->target == NULL)
            sqlite3_bind_null (stmt, n++);
          else
            sqlite3_bind_text (stmt, n++, c->target, -1, SQLITE_TRANSIENT);
        }
    }
  sqlite3_bind_text (stmt, n, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  statement_done (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      os_response_error (resp, 412, "0x80040237", "A record with matching key values already exists.");
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      os_response_error (resp, 500, "0x80040216", "An unexpected error occurred: %s", sqlite3_errmsg (server->db));
      return FALSE;
    }
  return TRUE;
}

/* Computed columns: fullname, and the size and kind of a note's attachment. */
static void
update_computed (OsServer *server, const OsEntity *entity, const char *id)
{
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) sql = g_string_new ("UPDATE ");
  os_sql_ident (sql, entity->logical_name);
  if (os_schema_attr (entity, "fullname") && (os_schema_attr (entity, "fullname")->flags & OS_ATTR_COMPUTED))
    g_string_append (sql, " SET fullname = trim(coalesce(firstname, '') || ' ' || coalesce(lastname, ''))");
  else if (strcmp (entity->logical_name, "annotation") == 0)
    g_string_append (sql, " SET isdocument = (coalesce(documentbody, '') <> ''), filesize = "
                     "CASE WHEN documentbody IS NULL THEN NULL ELSE length(documentbody) / 4 * 3 - "
                     "(CASE WHEN documentbody LIKE '%==' THEN 2 WHEN documentbody LIKE '%=' THEN 1 ELSE 0 END) END");
  else
    return;
  g_string_append (sql, " WHERE ");
  os_sql_ident (sql, entity->primary_id);
  g_string_append (sql, " = ?");
  sqlite3_prepare_v2 (server->db, sql->str, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

static void
forget_tombstone (OsServer *server, const OsEntity *entity, const char *id)
{
  sqlite3_stmt *stmt = NULL;
  /* a record re-created with the id of a deleted one must not come back as deleted */
  sqlite3_prepare_v2 (server->db, "DELETE FROM os_deleted WHERE entity = ? AND id = ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, entity->logical_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

static gboolean
exec_bound (OsServer *server, const char *sql, const char *id)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  sqlite3_prepare_v2 (server->db, sql, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

/* Like Dataverse: a party bound to a record uses that record's address; torecipients is the
 * To parties' addresses joined by ';'. */
static void
resolve_parties (OsServer *server, const char *email_id)
{
  exec_bound (server, "UPDATE activityparty SET addressused = CASE partyid_t"
              " WHEN 'contact' THEN (SELECT emailaddress1 FROM contact WHERE contactid = partyid)"
              " WHEN 'account' THEN (SELECT emailaddress1 FROM account WHERE accountid = partyid)"
              " WHEN 'lead' THEN (SELECT emailaddress1 FROM lead WHERE leadid = partyid)"
              " WHEN 'systemuser' THEN (SELECT internalemailaddress FROM systemuser WHERE systemuserid = partyid)"
              " END WHERE activityid = ?1 AND partyid IS NOT NULL AND coalesce(addressused, '') = ''", email_id);
  exec_bound (server, "UPDATE email SET torecipients = (SELECT group_concat(addressused, ';') FROM"
              " (SELECT addressused FROM activityparty WHERE activityid = ?1 AND participationtypemask = 2"
              " AND coalesce(addressused, '') <> '' ORDER BY rowid)) WHERE activityid = ?1", email_id);
}

static gboolean
party_error (OsResponse *resp, const char *detail)
{
  os_response_error (resp, 400, "0x80048d19", "Error identified in Payload provided by the user for Entity "
                     ":'activityparties' ---->  InnerException : Microsoft.OData.ODataException: %s", detail);
  return FALSE;
}

/* One party of the deep insert: a record (partyid_<target>@odata.bind) or an address. */
static gboolean
store_party (OsServer *server, const char *email_id, JsonNode *node, const char *user_id, OsResponse *resp)
{
  const OsEntity *party = os_schema_by_logical ("activityparty");
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *id = os_new_guid ();
  g_autofree char *bind = g_strdup_printf ("/emails(%s)", email_id);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean has_party = FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return party_error (resp, "Each item of 'email_activity_parties' must be an activityparty object.");
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (strcmp (name, "activityid@odata.bind") == 0 || strcmp (name, "activitypartyid") == 0)
        continue;   /* the party belongs to this email */
      has_party |= g_str_has_prefix (name, "partyid") ||
                   (strcmp (name, "addressused") == 0 && JSON_NODE_HOLDS_VALUE (member));
      json_object_set_member (fields, name, json_node_copy (member));
    }
  if (!has_party)
    return party_error (resp, "An activity party needs a partyid or an addressused.");
  json_object_set_string_member (fields, "activityid@odata.bind", bind);
  return os_store_apply (server, party, id, fields, user_id, TRUE, resp);
}

/* The email's parties: the deep insert on create, or a replacement on update (as Dataverse
 * does for an activity's party list). Without a Sender the calling user is the sender. */
static gboolean
store_parties (OsServer *server, const char *email_id, JsonNode *node, const char *user_id, OsResponse *resp)
{
  JsonArray *parties;
  gboolean sender = FALSE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return party_error (resp, "The value of 'email_activity_parties' must be a collection.");
  parties = json_node_get_array (node);
  exec_bound (server, "DELETE FROM activityparty WHERE activityid = ?1", email_id);
  for (guint i = 0; i < json_array_get_length (parties); i++)
    {
      JsonNode *item = json_array_get_element (parties, i);
      if (!store_party (server, email_id, item, user_id, resp))
        return FALSE;
      sender |= json_object_get_int_member_with_default (json_node_get_object (item), "participationtypemask", 0) == 1;
    }
  if (!sender && os_store_row_version (server, os_schema_by_logical ("systemuser"), user_id) >= 0)
    {
      g_autofree char *me = g_strdup_printf ("{\"participationtypemask\":1,\"partyid_systemuser@odata.bind\":"
                                             "\"/systemusers(%s)\"}", user_id);
      g_autoptr(JsonNode) self = json_from_string (me, NULL);
      if (self != NULL && !store_party (server, email_id, self, user_id, resp))
        return FALSE;
    }
  resolve_parties (server, email_id);
  return TRUE;
}

static gboolean
apply_once (OsServer *server, const OsEntity *entity, const char *id, JsonObject *fields,
            const char *user_id, gboolean create, OsResponse *resp)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  JsonNode *parties = strcmp (entity->logical_name, "email") == 0
                      ? json_object_get_member (fields, "email_activity_parties") : NULL;

  if (!collect_changes (server, entity, id, fields, changes, resp))
    return FALSE;
  if (!complete_changes (entity, changes, user_id, create, server->version + 1, resp))
    return FALSE;
  os_next_version (server);
  if (!run_write (server, entity, id, changes, create, resp))
    return FALSE;
  update_computed (server, entity, id);
  if (create)
    forget_tombstone (server, entity, id);
  return parties == NULL || store_parties (server, id, parties, user_id, resp);
}

/* An email with parties is all or nothing, also outside a $batch change set (an email whose
 * party fails is not kept). */
gboolean
os_store_apply (OsServer *server, const OsEntity *entity, const char *id, JsonObject *fields,
                const char *user_id, gboolean create, OsResponse *resp)
{
  gboolean ok;

  if (strcmp (entity->logical_name, "email") != 0 || !json_object_has_member (fields, "email_activity_parties"))
    return apply_once (server, entity, id, fields, user_id, create, resp);
  os_sql_exec (server->db, "SAVEPOINT os_apply", NULL);
  ok = apply_once (server, entity, id, fields, user_id, create, resp);
  if (!ok)
    os_sql_exec (server->db, "ROLLBACK TO os_apply", NULL);
  os_sql_exec (server->db, "RELEASE os_apply", NULL);
  return ok;
}

gboolean
os_store_delete (OsServer *server, const OsEntity *entity, const char *id, OsResponse *resp)
{
  g_autoptr(GString) sql = g_string_new ("DELETE FROM ");
  sqlite3_stmt *stmt = NULL;

  os_sql_ident (sql, entity->logical_name);
  g_string_append (sql, " WHERE ");
  os_sql_ident (sql, entity->primary_id);
  g_string_append (sql, " = ?");
  sqlite3_prepare_v2 (server->db, sql->str, -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (sqlite3_changes (server->db) == 0)
    {
      os_response_error (resp, 404, "0x80040217", "%s With Id = %s Does Not Exist", entity->logical_name, id);
      return FALSE;
    }
  sqlite3_prepare_v2 (server->db, "INSERT INTO os_deleted (entity, id, versionnumber) VALUES (?, ?, ?)",
                      -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, entity->logical_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, os_next_version (server));
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (entity->nn_nav)
    {
      g_autofree char *del = g_strdup_printf ("DELETE FROM accountleads WHERE %s = ?",
                                              strcmp (entity->logical_name, "account") == 0 ? "accountid" : "leadid");
      sqlite3_prepare_v2 (server->db, del, -1, &stmt, NULL);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_step (stmt);
      sqlite3_finalize (stmt);
    }
  return TRUE;
}

/* outpost-store-records.c: the record API: get and the user's writes (row + journal in one
 * transaction, validated first). Lists, search and counts are in outpost-store-query.c. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-store-private.h"

/* Always FALSE, so callers can return it. */
gboolean
outpost_store_not_found (GError **error, const char *entity, const char *id)
{
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No %s with id %s"), entity, id ? id : "(null)");
  return FALSE;
}

OutpostRecord *
outpost_store_get (OutpostStore *self, const char *entity, const char *id, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *sql = NULL;
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  sqlite3_stmt *stmt;
  OutpostRecord *record = NULL;
  int rc;

  if (t == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT %s FROM %s WHERE __id = ?1", t->select_list, t->table);
  if ((stmt = outpost_store_prepare (self, sql, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, lid, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    record = outpost_record_from_stmt (t, stmt);
  else if (rc == SQLITE_DONE)
    outpost_store_not_found (error, entity, id);
  else
    outpost_store_sqlite_error (self, error, _("Could not read a record"));
  sqlite3_reset (stmt);
  return record;
}

static JsonNode *
string_node (const char *s)
{
  return json_node_init_string (json_node_alloc (), s);
}

/* ---- user writes ------------------------------------------------------------------------------ */

gboolean
outpost_store_validate (OutpostStore *self, const char *entity, JsonObject *values,
                        gboolean is_create, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);

  return t != NULL && outpost_validate_values (t, values, is_create, error);
}

/* A random (version 4) UUID in lower case, as g_uuid_string_random() makes it, without its
 * printf (5% of a create). */
static char *
random_uuid (void)
{
  static const char hex[] = "0123456789abcdef";
  guint8 b[16];
  char *s = g_malloc (37), *p = s;

  for (guint i = 0; i < 16; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (b + i, &r, 4);
    }
  b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
  b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *p++ = '-';
      *p++ = hex[b[i] >> 4];
      *p++ = hex[b[i] & 0xf];
    }
  *p = '\0';
  return s;
}

static char *
new_id (OutpostEntity *e, JsonObject *values)
{
  if (json_object_has_member (values, e->primary_id))
    return g_ascii_strdown (json_object_get_string_member (values, e->primary_id), -1);
  return random_uuid ();
}

static gboolean
insert_created (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *values,
                GError **error)
{
  return outpost_table_insert_row (self, t, id, NULL, OUTPOST_ROW_LOCALLY_CREATED, 0, values,
                                   FALSE, error) > 0;
}

char *
outpost_store_create (OutpostStore *self, const char *entity, JsonObject *values, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) fields = NULL;
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;
  gboolean ok;

  if (t == NULL || !outpost_validate_values (t, values, TRUE, error))
    return NULL;
  id = new_id (t->entity, values);
  /* the journal entry and the row take the values without the id: a copy only when it is there */
  if (!json_object_has_member (values, t->entity->primary_id))
    fields = json_object_ref (values);
  else
    {
      fields = json_object_new ();
      json_object_iter_init (&iter, values);
      while (json_object_iter_next (&iter, &key, &node))
        if (!g_str_equal (key, t->entity->primary_id))
          json_object_set_member (fields, key, json_node_copy (node));
    }
  /* Inside the caller's transaction (a batch of creates) no savepoint: each would make FTS5
   * write a segment (see outpost-store-fts.c). A failure after the row went in marks the
   * transaction broken instead, so the caller's commit fails and nothing is half-written. */
  if (self->tx_depth > 0)
    {
      if (!insert_created (self, t, id, fields, error))
        return NULL;
      if (outpost_journal_append (self, OUTPOST_JOURNAL_CREATE, entity, id, fields,
                                  NULL, NULL, NULL, error) < 0)
        return (self->broken_depth = self->tx_depth), NULL;
      return g_steal_pointer (&id);
    }
  if (!outpost_store_tx_begin (self, error))
    return NULL;
  ok = insert_created (self, t, id, fields, error) &&
       outpost_journal_append (self, OUTPOST_JOURNAL_CREATE, entity, id, fields,
                               NULL, NULL, NULL, error) >= 0;
  if (!outpost_store_tx_end (self, ok, ok ? error : NULL))
    return NULL;
  return g_steal_pointer (&id);
}

/* State and base of a row; FALSE with NOT_FOUND when absent or locally deleted. */
static gboolean
row_state (OutpostStore *self, OutpostTable *t, const char *id, OutpostRowState *state,
           JsonObject **base, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT __state, __base FROM %s WHERE __id = ?1", t->table);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      *state = (OutpostRowState) sqlite3_column_int (stmt, 0);
      if (base != NULL)
        *base = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (!found || *state == OUTPOST_ROW_LOCALLY_DELETED)
    return outpost_store_not_found (error, t->entity->logical_name, id);
  return TRUE;
}

/* Base = the server's values of changed fields, remembered at the first local change. */
static JsonObject *
extend_base (OutpostRecord *current, JsonObject *base, JsonObject *changes)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (base == NULL)
    base = json_object_new ();
  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &key, &node))
    if (!json_object_has_member (base, key))
      {
        JsonNode *old = json_object_has_member (current->values, key)
                        ? json_object_get_member (current->values, key) : NULL;
        json_object_set_member (base, key, old ? json_node_copy (old) : json_node_new (JSON_NODE_NULL));
      }
  return base;
}

/* Column assignments for @changes: fields, plus the lookup target columns they imply. */
void
outpost_table_change_columns (OutpostTable *t, JsonObject *changes, GString *sql, GPtrArray *binds)
{
  for (guint i = 0; i < t->entity->fields->len; i++)
    {
      OutpostField *f = t->entity->fields->pdata[i];
      g_autofree char *tk = g_strdup_printf ("%s@target", f->name);
      JsonNode *v = json_object_has_member (changes, f->name) ? json_object_get_member (changes, f->name) : NULL;
      JsonNode *target;

      if (v == NULL)
        continue;
      g_string_append_printf (sql, ", \"%s\" = ?%u", f->name, binds->len + 1);
      g_ptr_array_add (binds, json_node_copy (v));
      if (f->type != OUTPOST_FIELD_LOOKUP)
        continue;
      target = json_object_has_member (changes, tk) ? json_node_copy (json_object_get_member (changes, tk))
               : (!JSON_NODE_HOLDS_NULL (v) && f->targets[1] == NULL) ? string_node (f->targets[0])
               : json_node_new (JSON_NODE_NULL);
      g_string_append_printf (sql, ", \"__target_%s\" = ?%u", f->name, binds->len + 1);
      g_ptr_array_add (binds, target);
    }
}

static gboolean
write_update (OutpostStore *self, OutpostTable *t, const char *id, JsonObject *changes,
              GError **error)
{
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(OutpostRecord) current = NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  OutpostRowState state;
  sqlite3_stmt *stmt;

  if (!row_state (self, t, id, &state, &base, error) ||
      (current = outpost_store_get (self, t->entity->logical_name, id, error)) == NULL)
    return FALSE;
  if (state != OUTPOST_ROW_LOCALLY_CREATED)
    base = extend_base (current, g_steal_pointer (&base), changes);
  g_string_printf (sql, "UPDATE %s SET __state = %d", t->table,
                   state == OUTPOST_ROW_LOCALLY_CREATED ? OUTPOST_ROW_LOCALLY_CREATED
                                                        : OUTPOST_ROW_LOCALLY_MODIFIED);
  outpost_table_change_columns (t, changes, sql, binds);
  g_string_append_printf (sql, ", __base = ?%u WHERE __id = ?%u", binds->len + 1, binds->len + 2);
  if ((stmt = outpost_store_prepare (self, sql->str, error)) == NULL)
    return FALSE;
  outpost_bind_all (stmt, binds);
  if (base != NULL)
    sqlite3_bind_text (stmt, (int) binds->len + 1, outpost_json_object_to_string (base), -1, g_free);
  sqlite3_bind_text (stmt, (int) binds->len + 2, id, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error) &&
         outpost_journal_record_update (self, t->entity->logical_name, id, changes, error);
}

gboolean
outpost_store_update (OutpostStore *self, const char *entity, const char *id,
                      JsonObject *changes, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  gboolean ok;

  if (t == NULL || !outpost_validate_values (t, changes, FALSE, error))
    return FALSE;
  if (json_object_get_size (changes) == 0)
    return TRUE;
  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = write_update (self, t, lid, changes, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

static gboolean
exec_bound (OutpostStore *self, const char *sql, const char *a, const char *b, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

static gint64
count_sent (OutpostStore *self, const char *entity, const char *id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT count(*) FROM outpost_journal WHERE entity = ?1 AND record_id = ?2 AND status != 0", error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* A record that never left this machine: forget it and everything queued for it. */
static gboolean
forget_local (OutpostStore *self, OutpostTable *t, const char *id, GError **error)
{
  const char *e = t->entity->logical_name;
  g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE __id = ?1", t->table);
  sqlite3_stmt *stmt;

  if (!exec_bound (self, sql, id, NULL, error) ||
      !exec_bound (self, "DELETE FROM outpost_sync_error WHERE entity = ?1 AND record_id = ?2", e, id, error) ||
      !exec_bound (self, "DELETE FROM outpost_conflict WHERE entity = ?1 AND record_id = ?2", e, id, error))
    return FALSE;
  stmt = outpost_store_prepare (self,
    "DELETE FROM outpost_journal WHERE (entity = ?1 AND record_id = ?2)"
    " OR (related_entity = ?1 AND related_id = ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, e, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  return exec_bound (self, "DELETE FROM outpost_association WHERE (entity = ?1 AND record_id = ?2)"
                     " OR (related_entity = ?1 AND related_id = ?2)", e, id, error);
}

static gboolean
write_delete (OutpostStore *self, OutpostTable *t, const char *id, GError **error)
{
  const char *e = t->entity->logical_name;
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET __state = 3 WHERE __id = ?1", t->table);
  OutpostRowState state;
  gint64 sent;

  if (!row_state (self, t, id, &state, NULL, error))
    return FALSE;
  if (state == OUTPOST_ROW_LOCALLY_CREATED)
    {
      if ((sent = count_sent (self, e, id, error)) < 0)
        return FALSE;
      if (sent == 0)
        return forget_local (self, t, id, error);
    }
  /* pending updates are moot once the record goes */
  return exec_bound (self, "DELETE FROM outpost_journal WHERE entity = ?1 AND record_id = ?2"
                     " AND status = 0 AND op = 1", e, id, error) &&
         exec_bound (self, sql, id, NULL, error) &&
         outpost_journal_append (self, OUTPOST_JOURNAL_DELETE, e, id, NULL, NULL, NULL, NULL, error) >= 0;
}

gboolean
outpost_store_delete (OutpostStore *self, const char *entity, const char *id, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  gboolean ok;

  if (t == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = write_delete (self, t, lid, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

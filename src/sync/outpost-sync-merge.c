/* outpost-sync-merge.c: conflicts. A row has local changes and the server's version moved on
 * (a 412 on upload, or a downloaded row whose etag differs from the row's base etag).
 *
 * Field-level three-way merge against the base (the last server values of the locally
 * changed fields): a field only the server changed takes the server value; a field only the
 * client changed stays a local change; a field both changed to the same value is settled.
 * Fields both changed differently follow the entity's policy:
 *   ServerWins              the server value; the lost local value goes to the sync log
 *   ClientWinsChangedFields the local value (uploaded next with the new etag)
 *   ClientWinsFull          the whole local version: every field that differs from the server,
 *                           including the server's other changes, is uploaded
 *   Manual                  stored as a conflict (local/server/base); the row keeps the local
 *                           values but is not uploaded until the user resolves it */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-sync-private.h"

static gboolean
is_number (JsonNode *n)
{
  GType t = json_node_get_value_type (n);

  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

gboolean
outpost_sync_json_equal (JsonNode *a, JsonNode *b)
{
  gboolean a_null = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_null = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_null || b_null)
    return a_null == b_null;
  if (JSON_NODE_HOLDS_VALUE (a) && JSON_NODE_HOLDS_VALUE (b) && is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);
  return json_node_equal (a, b);
}

static char *
node_text (JsonNode *n)
{
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return g_strdup ("(empty)");
  return json_to_string (n, FALSE);
}

typedef struct {
  JsonObject *keep;      /* local changes that stay */
  JsonObject *local;     /* overlapping fields: local, server and base values */
  JsonObject *server;
  JsonObject *base;
} Merge;

static void
merge_field (Merge *m, const char *f, JsonNode *L, JsonNode *B, JsonNode *S)
{
  if (S == NULL || outpost_sync_json_equal (S, B))
    json_object_set_member (m->keep, f, L ? json_node_copy (L) : json_node_new (JSON_NODE_NULL));
  else if (outpost_sync_json_equal (S, L))
    ;   /* both made the same change */
  else
    {
      json_object_set_member (m->local, f, L ? json_node_copy (L) : json_node_new (JSON_NODE_NULL));
      json_object_set_member (m->server, f, json_node_copy (S));
      json_object_set_member (m->base, f, B ? json_node_copy (B) : json_node_new (JSON_NODE_NULL));
    }
}

static void
apply_policy (OutpostSyncJob *job, OutpostEntity *entity, OutpostRecord *rec, Merge *m,
              JsonObject *server_values)
{
  g_autoptr(GList) fields = json_object_get_members (m->local);

  for (GList *l = fields; l; l = l->next)
    {
      JsonNode *L = json_object_get_member (m->local, l->data);
      g_autofree char *lt = node_text (L);
      g_autofree char *st = node_text (json_object_get_member (m->server, l->data));

      switch (entity->conflict_policy)
        {
        case OUTPOST_CONFLICT_SERVER_WINS:
          outpost_sync_job_log (job, entity->logical_name, rec->id,
                                "Conflict on %s: the server's value %s replaced the local value %s",
                                (char *) l->data, st, lt);
          break;
        case OUTPOST_CONFLICT_CLIENT_WINS_CHANGED_FIELDS:
        case OUTPOST_CONFLICT_CLIENT_WINS_FULL:
        case OUTPOST_CONFLICT_MANUAL:
          json_object_set_member (m->keep, l->data, json_node_copy (L));
          break;
        }
    }
  if (entity->conflict_policy == OUTPOST_CONFLICT_CLIENT_WINS_FULL)
    {
      g_autoptr(GList) all = json_object_get_members (rec->values);

      for (GList *l = all; l; l = l->next)
        {
          OutpostField *f = outpost_entity_lookup_field (entity, l->data);
          JsonNode *mine = json_object_get_member (rec->values, l->data);

          if (f != NULL && !f->read_only && json_object_has_member (server_values, l->data) &&
              !outpost_sync_json_equal (mine, json_object_get_member (server_values, l->data)))
            json_object_set_member (m->keep, l->data, json_node_copy (mine));
        }
    }
}

static gboolean
store_manual (OutpostSyncJob *job, OutpostEntity *entity, OutpostRecord *rec, Merge *m,
              const char *server_etag, GError **error)
{
  OutpostConflict c = { 0 };

  c.entity = entity->logical_name;
  c.record_id = rec->id;
  c.local = m->local;
  c.server = m->server;
  c.base = m->base;
  c.server_etag = (char *) server_etag;
  job->result->manual_conflicts++;
  return outpost_store_add_conflict (job->store, &c, error);
}

gboolean
outpost_sync_merge_row (OutpostSyncJob *job, OutpostEntity *entity, const char *id,
                        JsonObject *server_values, const char *server_etag, GError **error)
{
  g_autoptr(OutpostRecord) rec = outpost_store_get (job->store, entity->logical_name, id, NULL);
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(GList) changed = NULL;
  Merge m = { json_object_new (), json_object_new (), json_object_new (), json_object_new () };
  gboolean ok = TRUE, overlap;

  /* deletes and creates are settled by the upload (412 / an existing row of our own id) */
  if (rec == NULL || rec->state != OUTPOST_ROW_LOCALLY_MODIFIED || rec->has_conflict ||
      (rec->etag != NULL && server_etag != NULL && strcmp (rec->etag, server_etag) == 0))
    goto out;
  base = outpost_store_get_base (job->store, entity->logical_name, id, NULL);
  changed = base ? json_object_get_members (base) : NULL;
  for (GList *l = changed; l; l = l->next)
    merge_field (&m, l->data, json_object_get_member (rec->values, l->data),
                 json_object_get_member (base, l->data),
                 json_object_get_member (server_values, l->data));
  overlap = json_object_get_size (m.local) > 0;
  if (overlap)
    {
      job->result->conflicts++;
      apply_policy (job, entity, rec, &m, server_values);
    }
  else
    outpost_sync_job_log (job, entity->logical_name, id,
                          "Merged the server's changes with %u local change(s)",
                          json_object_get_size (m.keep));
  ok = outpost_store_rebase (job->store, entity->logical_name, id, server_values, server_etag,
                             m.keep, error) &&
       (!overlap || entity->conflict_policy != OUTPOST_CONFLICT_MANUAL ||
        store_manual (job, entity, rec, &m, server_etag, error));

out:
  json_object_unref (m.keep);
  json_object_unref (m.local);
  json_object_unref (m.server);
  json_object_unref (m.base);
  return ok;
}

GPtrArray *
outpost_sync_list_ids (OutpostStore *store, OutpostEntity *entity, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(OutpostRecord) last = NULL;

  for (;;)
    {
      OutpostQuery q = { 0 };
      g_autoptr(GPtrArray) page = NULL;

      q.sort_field = entity->primary_name;
      q.flags = OUTPOST_QUERY_INCLUDE_DELETED;
      q.limit = 2000;
      if (last != NULL)
        {
          q.after_value = json_object_get_member (last->values, entity->primary_name);
          q.after_id = last->id;
        }
      if ((page = outpost_store_query (store, entity->logical_name, &q, error)) == NULL)
        return NULL;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (ids, g_strdup (((OutpostRecord *) g_ptr_array_index (page, i))->id));
      if (page->len < q.limit)
        return g_steal_pointer (&ids);
      g_clear_pointer (&last, outpost_record_unref);
      last = outpost_record_ref (g_ptr_array_index (page, page->len - 1));
    }
}

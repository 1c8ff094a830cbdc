/* outpost-sync-nn.c: N:N links made on the server come down.
 *
 * Dataverse keeps the links of an N:N relationship in its intersect table, which can be read
 * like any table (the AccountLeads reference lists "RetrieveMultiple: GET /accountleadscollection"):
 *   GET accountleadscollection?$select=accountid,leadid   with Prefer: odata.maxpagesize=N
 * Intersect tables have no change tracking, so every sync reads the relationship's whole link
 * set (a few rows per record, one request while they fit in a page) and the store reconciles
 * (outpost-store-assoc.h): new links added, links the server dropped removed, links with an
 * associate or disassociate made here and not yet uploaded left alone.
 *
 * The query goes through the connector's ordinary paged download with a small stand-in
 * entity: entity set = the intersect set, "primary id" = entity1's id attribute, one field =
 * entity2's id attribute, so the connector asks for exactly $select=<id1>,<id2> and follows
 * @odata.nextLink unchanged.
 *
 * Which intersect set: the relationship metadata names it (IntersectEntityName and its
 * EntitySetName, Entity1IntersectAttribute, Entity2IntersectAttribute). The connector reads it
 * with the rest of the metadata, when the schema is (re)built, and keeps it in the metadata it
 * saves ("relationships", see outpost-dataverse-metadata.c), so a routine sync asks nothing
 * more. A relationship the server's metadata does not have is skipped with a line in the sync
 * log. Fallback, only when the metadata says nothing about the relationship (a metadata cache
 * written before relationships were read, or a server that refused the relationship query):
 * accountleads_association by name (Dataverse table reference: EntitySetName
 * accountleadscollection), any other by the pattern of the system relationships
 * ("<name without _association>collection", the two entities' primary ids), which custom
 * relationships do not follow; a server without that set answers 404 and the relationship is
 * skipped with a line in the sync log. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-store-assoc.h"
#include "outpost-sync-nn.h"

typedef struct {
  const char *relationship, *entity_set, *id1, *id2;
} KnownIntersect;

/* From the Dataverse table reference (AccountLeads: EntitySetName accountleadscollection). */
static const KnownIntersect known[] = {
  { "accountleads_association", "accountleadscollection", "accountid", "leadid" },
};

static OutpostSyncNnSource
guess_intersect (const OutpostRelationship *relationship, OutpostProfile *profile,
                 const char **entity_set, const char **id1, const char **id2)
{
  OutpostEntity *e1 = outpost_profile_lookup_entity (profile, relationship->entity1);
  OutpostEntity *e2 = outpost_profile_lookup_entity (profile, relationship->entity2);
  g_autofree char *set = NULL;
  gsize len = strlen (relationship->name);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_str_equal (known[i].relationship, relationship->name))
      {
        *entity_set = known[i].entity_set;
        *id1 = known[i].id1;
        *id2 = known[i].id2;
        return OUTPOST_SYNC_NN_GUESSED;
      }
  if (g_str_has_suffix (relationship->name, "_association"))
    len -= strlen ("_association");
  set = g_strdup_printf ("%.*scollection", (int) len, relationship->name);
  *entity_set = g_intern_string (set);   /* interned: outlives the run, like the stand-ins */
  *id1 = e1 ? e1->primary_id : NULL;
  *id2 = e2 ? e2->primary_id : NULL;
  return OUTPOST_SYNC_NN_GUESSED;
}

static const char *
string_member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? g_intern_string (json_node_get_string (node)) : NULL;
}

OutpostSyncNnSource
outpost_sync_nn_intersect (const OutpostRelationship *relationship, OutpostProfile *profile,
                           JsonObject *metadata, const char **entity_set, const char **id1,
                           const char **id2)
{
  JsonObject *rels = NULL, *rel = NULL;
  JsonNode *node;

  *entity_set = *id1 = *id2 = NULL;
  if (metadata != NULL && (node = json_object_get_member (metadata, "relationships")) != NULL &&
      JSON_NODE_HOLDS_OBJECT (node))
    rels = json_node_get_object (node);
  if (rels != NULL && (node = json_object_get_member (rels, relationship->name)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (node))
    rel = json_node_get_object (node);
  if (rel == NULL)
    return guess_intersect (relationship, profile, entity_set, id1, id2);
  /* interned: the names outlive the metadata object, like the stand-ins that hold them */
  *entity_set = string_member (rel, "entity_set");
  *id1 = string_member (rel, "attribute1");
  *id2 = string_member (rel, "attribute2");
  return *entity_set != NULL && *id1 != NULL && *id2 != NULL
         ? OUTPOST_SYNC_NN_METADATA : OUTPOST_SYNC_NN_ABSENT;
}

/* The stand-in entity the connector reads the link set with. Kept for the process's lifetime:
 * the connector's read-ahead may hold on to the entity of an unfinished page chain. */
static OutpostEntity *
stand_in (const OutpostRelationship *r, const char *set, const char *id1, const char *id2)
{
  static GMutex lock;
  static GHashTable *cache;
  g_autofree char *key = g_strjoin ("|", r->name, set, id1, id2, NULL);
  OutpostEntity *e;

  g_mutex_lock (&lock);
  if (cache == NULL)
    cache = g_hash_table_new (g_str_hash, g_str_equal);
  e = g_hash_table_lookup (cache, key);
  if (e == NULL)
    {
      OutpostField *f = g_new0 (OutpostField, 1);

      f->name = g_strdup (id2);
      f->type = OUTPOST_FIELD_UNIQUEIDENTIFIER;
      e = g_new0 (OutpostEntity, 1);
      e->logical_name = g_strdup (r->name);
      e->entity_set = g_strdup (set);
      e->display_name = g_strdup (r->name);
      e->primary_id = g_strdup (id1);
      e->fields = g_ptr_array_new ();
      g_ptr_array_add (e->fields, f);
      g_hash_table_insert (cache, g_steal_pointer (&key), e);
    }
  g_mutex_unlock (&lock);
  return e;
}

static gboolean
in_download (GPtrArray *entities, const char *logical_name)
{
  for (guint i = 0; i < entities->len; i++)
    if (g_str_equal (((OutpostEntity *) g_ptr_array_index (entities, i))->logical_name, logical_name))
      return TRUE;
  return FALSE;
}

/* One page's pairs into the store's temporary link set. */
static gboolean
add_page (OutpostSyncJob *job, const OutpostRelationship *r, OutpostEntity *e, OutpostPage *page,
          GError **error)
{
  const char *id2_name = ((OutpostField *) g_ptr_array_index (e->fields, 0))->name;
  g_autoptr(GPtrArray) ids1 = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids2 = g_ptr_array_new ();

  for (guint i = 0; i < page->rows->len; i++)
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, i);
      const char *other = row->values
        ? json_object_get_string_member_with_default (row->values, id2_name, NULL) : NULL;

      if (row->deleted || other == NULL || !g_uuid_string_is_valid (other))
        continue;
      g_ptr_array_add (ids1, row->id);
      g_ptr_array_add (ids2, (gpointer) other);
    }
  g_mutex_lock (&job->lock);
  job->result->bytes += page->bytes;
  g_mutex_unlock (&job->lock);
  return outpost_store_server_links_add (job->store, r->name, (const char *const *) ids1->pdata,
                                         (const char *const *) ids2->pdata, ids1->len, error);
}

/* Every page of the link set, following @odata.nextLink unchanged. */
static gboolean
read_links (OutpostSyncJob *job, const OutpostRelationship *r, OutpostEntity *e, GError **error)
{
  g_autofree char *link = NULL;

  do
    {
      OutpostDownloadRequest request = { OUTPOST_DOWNLOAD_FULL, .link = link,
                                         .page_size = job->options.page_size };
      g_autoptr(OutpostPage) page = outpost_connector_download_page (job->connector, e, &request,
                                                                     job->cancellable, error);

      if (page == NULL || !add_page (job, r, e, page, error))
        return FALSE;
      g_free (link);
      link = g_strdup (page->next_link);
    }
  while (link != NULL);
  return TRUE;
}

static gboolean
sync_relationship (OutpostSyncJob *job, const OutpostRelationship *r, JsonObject *metadata,
                   GError **error)
{
  const char *set = NULL, *id1 = NULL, *id2 = NULL;
  g_autoptr(GError) local = NULL;
  gint64 added = 0, removed = 0;
  OutpostEntity *e;

  if (outpost_sync_nn_intersect (r, job->profile, metadata, &set, &id1, &id2) == OUTPOST_SYNC_NN_ABSENT)
    {
      outpost_sync_job_log (job, r->entity1, NULL,
                            _("The links of %s are not read: the server has no such relationship"), r->name);
      return TRUE;
    }
  /* the names go into a URL: they come from the server (metadata, a published profile) */
  if (set == NULL || id1 == NULL || id2 == NULL || !outpost_identifier_is_valid (set) ||
      !outpost_identifier_is_valid (id1) || !outpost_identifier_is_valid (id2))
    {
      outpost_sync_job_log (job, r->entity1, NULL, _("The links of %s are not read: not a valid name"),
                            r->name);
      return TRUE;
    }
  e = stand_in (r, set, id1, id2);
  if (!outpost_store_server_links_begin (job->store, r->name, error))
    return FALSE;
  if (!read_links (job, r, e, &local))
    {
      /* an org without that intersect set: the other tables' sync is still good */
      if (!g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NOT_FOUND))
        return (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
      outpost_sync_job_log (job, r->entity1, NULL, _("The links of %s could not be read: %s"),
                            r->name, local->message);
      return TRUE;
    }
  if (!outpost_store_server_links_end (job->store, r->name, &added, &removed, error))
    return FALSE;
  /* no records-changed signal: no record changed, and the window reloads the list and the
   * open form (its related sections) when a sync ends */
  g_mutex_lock (&job->lock);
  job->result->links_added += added;
  job->result->links_removed += removed;
  g_mutex_unlock (&job->lock);
  if (added > 0 || removed > 0)
    outpost_sync_job_log (job, r->entity1, NULL,
                          _("Links of %s: %" PRId64 " added, %" PRId64 " removed"),
                          r->name, added, removed);
  return TRUE;
}

gboolean
outpost_sync_nn_download (OutpostSyncJob *job, GPtrArray *entities, GError **error)
{
  GPtrArray *rels = outpost_profile_get_relationships (job->profile);
  g_autoptr(JsonObject) metadata = NULL;

  for (guint i = 0; i < rels->len; i++)
    {
      const OutpostRelationship *r = g_ptr_array_index (rels, i);

      if (!in_download (entities, r->entity1) || !in_download (entities, r->entity2))
        continue;
      /* what connect() (or the metadata cache) told the connector, relationships included */
      if (metadata == NULL)
        metadata = outpost_connector_save_metadata (job->connector);
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error) ||
          !sync_relationship (job, r, metadata, error))
        return FALSE;
    }
  return TRUE;
}

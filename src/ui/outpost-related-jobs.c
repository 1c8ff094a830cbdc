/* outpost-related-jobs.c: see the header. Runs in the store client's worker. */
#include "config.h"

#include "outpost-related-jobs.h"
#include "outpost-store-email.h"
#include "outpost-store-jobs.h"

typedef struct {
  char       *relationship;
  char       *entity;
  char       *id;
  char       *other_entity;
  char       *other_id;
  JsonObject *values;
  gboolean    flag;
} LinkArgs;

static void
link_args_free (gpointer data)
{
  LinkArgs *a = data;

  g_free (a->relationship);
  g_free (a->entity);
  g_free (a->id);
  g_free (a->other_entity);
  g_free (a->other_id);
  g_clear_pointer (&a->values, json_object_unref);
  g_free (a);
}

static LinkArgs *
link_args_new (const char *relationship, const char *entity, const char *id,
               const char *other_entity, const char *other_id)
{
  LinkArgs *a = g_new0 (LinkArgs, 1);

  a->relationship = g_strdup (relationship);
  a->entity = g_strdup (entity);
  a->id = g_strdup (id);
  a->other_entity = g_strdup (other_entity);
  a->other_id = g_strdup (other_id);
  return a;
}

static int
compare_titles (gconstpointer a, gconstpointer b, gpointer user_data)
{
  OutpostEntity *entity = user_data;
  const char *x = outpost_record_get_string (*(OutpostRecord **) a, entity->primary_name);
  const char *y = outpost_record_get_string (*(OutpostRecord **) b, entity->primary_name);

  return g_utf8_collate (x != NULL ? x : "", y != NULL ? y : "");
}

static gpointer
list_linked_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  LinkArgs *a = data;
  OutpostEntity *other = outpost_profile_lookup_entity (outpost_store_get_profile (store), a->other_entity);
  g_autoptr(GPtrArray) ids = outpost_store_list_associated (store, a->relationship, a->entity, a->id, error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);

  if (ids == NULL || other == NULL)
    return ids == NULL ? NULL : g_steal_pointer (&rows);
  for (guint i = 0; i < ids->len && !g_cancellable_is_cancelled (c); i++)
    {
      /* a link to a record this computer does not keep (outside the sync filter) is skipped */
      OutpostRecord *record = outpost_store_get (store, a->other_entity, ids->pdata[i], NULL);

      if (record != NULL)
        g_ptr_array_add (rows, record);
    }
  g_ptr_array_sort_with_data (rows, compare_titles, other);
  return g_steal_pointer (&rows);
}

void
outpost_related_jobs_list_linked (OutpostStoreClient *client, const char *relationship,
                                  const char *entity, const char *id, const char *other_entity,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  outpost_store_client_run_async (client, OUTPOST_JOB_PRIORITY_HIGH, list_linked_job,
                                  link_args_new (relationship, entity, id, other_entity, NULL),
                                  link_args_free, (GDestroyNotify) g_ptr_array_unref,
                                  cancellable, callback, user_data);
}

static gpointer
link_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  LinkArgs *a = data;
  gboolean ok = a->flag
    ? outpost_store_associate (store, a->relationship, a->entity, a->id, a->other_entity, a->other_id, error)
    : outpost_store_disassociate (store, a->relationship, a->entity, a->id, a->other_entity, a->other_id, error);

  return ok ? GINT_TO_POINTER (1) : NULL;
}

void
outpost_related_jobs_link (OutpostStoreClient *client, gboolean add, const char *relationship,
                           const char *entity, const char *id, const char *other_entity,
                           const char *other_id, GAsyncReadyCallback callback, gpointer user_data)
{
  LinkArgs *a = link_args_new (relationship, entity, id, other_entity, other_id);

  a->flag = add;
  outpost_store_client_run_async (client, OUTPOST_JOB_PRIORITY_HIGH, link_job, a, link_args_free,
                                  NULL, NULL, callback, user_data);
}

static gpointer
marked_emails_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  g_autoptr(GPtrArray) ids = outpost_store_email_list_marked (store, error);
  GHashTable *set;

  if (ids == NULL)
    return NULL;
  set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (set, g_strdup (ids->pdata[i]));
  return set;
}

void
outpost_related_jobs_marked_emails (OutpostStoreClient *client, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  outpost_store_client_run_async (client, OUTPOST_JOB_PRIORITY_DEFAULT, marked_emails_job,
                                  link_args_new (NULL, NULL, NULL, NULL, NULL), link_args_free,
                                  (GDestroyNotify) g_hash_table_unref, cancellable, callback, user_data);
}

static gpointer
save_email_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  LinkArgs *a = data;
  g_autofree char *id = NULL;

  if (a->id == NULL)
    id = outpost_store_create (store, "email", a->values, error);
  else if (outpost_store_update (store, "email", a->id, a->values, error))
    id = g_strdup (a->id);
  if (id == NULL)
    return NULL;
  if (a->flag && !outpost_store_email_mark_send (store, id, error))
    return NULL;
  return g_steal_pointer (&id);
}

/* A deep copy through text: json_node_copy() shares the object (json-glib 1.6), and the worker
 * must not share JSON nodes with the main thread. */
static JsonObject *
object_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) copy = json_from_string (text, NULL);

  return json_object_ref (json_node_get_object (copy));
}

void
outpost_related_jobs_save_email (OutpostStoreClient *client, const char *id, JsonObject *values,
                                 gboolean send, GAsyncReadyCallback callback, gpointer user_data)
{
  LinkArgs *a = link_args_new (NULL, NULL, id, NULL, NULL);

  a->values = object_copy (values);
  a->flag = send;
  outpost_store_client_run_async (client, OUTPOST_JOB_PRIORITY_HIGH, save_email_job, a,
                                  link_args_free, g_free, NULL, callback, user_data);
}

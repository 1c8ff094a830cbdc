/* outpost-store-jobs.c: worker-side reads and writes of the UI. */
#include "config.h"

#include "outpost-store-jobs.h"

typedef struct {
  char              *entity;
  char              *id;
  char              *field;
  char              *value;
  char              *search;
  JsonObject        *values;
  gint64             number;
  guint              limit;
  gboolean           flag;
  OutpostIssueAction action;
} JobArgs;

static void
job_args_free (gpointer data)
{
  JobArgs *a = data;

  g_free (a->entity);
  g_free (a->id);
  g_free (a->field);
  g_free (a->value);
  g_free (a->search);
  g_clear_pointer (&a->values, json_object_unref);
  g_free (a);
}

static JobArgs *
job_args_new (const char *entity, const char *id)
{
  JobArgs *a = g_new0 (JobArgs, 1);

  a->entity = g_strdup (entity);
  a->id = g_strdup (id);
  return a;
}

static JsonNode *node_deep_copy (JsonNode *node);

/* A scalar in a node of its own: json_node_copy () would share the node's JsonValue. */
static JsonNode *
value_copy (JsonNode *node)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_init_int (json_node_alloc (), json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return json_node_init_double (json_node_alloc (), json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), json_node_get_boolean (node));
    default:
      return json_node_init_string (json_node_alloc (), json_node_get_string (node));
    }
}

static JsonObject *
object_deep_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, node_deep_copy (member));
  return copy;
}

static JsonNode *
node_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, object_deep_copy (json_node_get_object (node)));
      return copy;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        JsonArray *elements = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (elements, node_deep_copy (json_array_get_element (array, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, elements);
        return copy;
      }
    case JSON_NODE_NULL:
      return json_node_init_null (json_node_alloc ());
    default:
      return value_copy (node);
    }
}

/* The worker must not share JSON with the main thread: json-glib's nodes are not thread-safe,
 * and json_node_copy () shares a node's object, array or value instead of copying it. */
static JsonObject *
object_copy (JsonObject *object)
{
  return object != NULL ? object_deep_copy (object) : NULL;
}

void
outpost_entity_count_free (OutpostEntityCount *count)
{
  g_free (count->entity);
  g_free (count);
}

gpointer
outpost_jobs_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
run (OutpostStoreClient *client, OutpostJobPriority priority, OutpostStoreJobFunc func,
     JobArgs *args, GDestroyNotify result_free, GCancellable *cancellable,
     GAsyncReadyCallback callback, gpointer user_data)
{
  outpost_store_client_run_async (client, priority, func, args, job_args_free, result_free,
                                  cancellable, callback, user_data);
}

/* ---- lookups ----------------------------------------------------------------------------- */

static const char *
lookup_target (OutpostRecord *record, OutpostField *field)
{
  g_autofree char *key = g_strconcat (field->name, "@target", NULL);
  const char *target = json_object_get_string_member_with_default (record->values, key, NULL);

  if (target != NULL)
    return target;
  return field->targets != NULL ? field->targets[0] : NULL;
}

static gboolean
is_list_column (OutpostEntity *entity, const char *name)
{
  return entity->list_columns != NULL && g_strv_contains ((const char * const *) entity->list_columns, name);
}

static void
resolve_one (OutpostStore *store, OutpostRecord *record, OutpostField *field)
{
  OutpostProfile *profile = outpost_store_get_profile (store);
  const char *id = outpost_record_get_string (record, field->name);
  const char *target = id != NULL ? lookup_target (record, field) : NULL;
  OutpostEntity *tentity = target != NULL ? outpost_profile_lookup_entity (profile, target) : NULL;
  g_autoptr(OutpostRecord) other = NULL;
  g_autofree char *key = NULL;

  if (tentity == NULL)
    return;
  other = outpost_store_get (store, target, id, NULL);
  if (other == NULL)
    return;
  key = g_strconcat (field->name, "@display", NULL);
  json_object_set_string_member (record->values, key,
                                 outpost_record_get_string (other, tentity->primary_name) ?: "");
}

void
outpost_jobs_resolve_lookups (OutpostStore *store, OutpostRecord *record, gboolean list_columns_only)
{
  OutpostProfile *profile = outpost_store_get_profile (store);
  OutpostEntity *entity = outpost_profile_lookup_entity (profile, record->entity);

  if (entity == NULL || record->values == NULL)
    return;
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *field = g_ptr_array_index (entity->fields, i);

      if (field->type != OUTPOST_FIELD_LOOKUP)
        continue;
      if (list_columns_only && !is_list_column (entity, field->name))
        continue;
      resolve_one (store, record, field);
    }
}

/* ---- records ----------------------------------------------------------------------------- */

static gpointer
get_record_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;
  OutpostRecord *record = outpost_store_get (store, a->entity, a->id, error);

  if (record != NULL)
    outpost_jobs_resolve_lookups (store, record, FALSE);
  return record;
}

void
outpost_jobs_get_record (OutpostStoreClient *client, const char *entity, const char *id,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  run (client, OUTPOST_JOB_PRIORITY_HIGH, get_record_job, job_args_new (entity, id),
       (GDestroyNotify) outpost_record_unref, cancellable, callback, user_data);
}

static gpointer
save_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;

  if (a->id == NULL)
    return outpost_store_create (store, a->entity, a->values, error);
  if (!outpost_store_update (store, a->entity, a->id, a->values, error))
    return NULL;
  return g_strdup (a->id);
}

void
outpost_jobs_save (OutpostStoreClient *client, const char *entity, const char *id,
                   JsonObject *values, GAsyncReadyCallback callback, gpointer user_data)
{
  JobArgs *a = job_args_new (entity, id);

  a->values = object_copy (values);
  /* No cancellable: a save the user asked for always lands. */
  run (client, OUTPOST_JOB_PRIORITY_HIGH, save_job, a, g_free, NULL, callback, user_data);
}

static gpointer
delete_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;

  return outpost_store_delete (store, a->entity, a->id, error) ? GINT_TO_POINTER (1) : NULL;
}

void
outpost_jobs_delete (OutpostStoreClient *client, const char *entity, const char *id,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  run (client, OUTPOST_JOB_PRIORITY_HIGH, delete_job, job_args_new (entity, id), NULL, NULL,
       callback, user_data);
}

static gpointer
validate_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;

  return outpost_store_validate (store, a->entity, a->values, a->flag, error)
         ? GINT_TO_POINTER (1) : NULL;
}

void
outpost_jobs_validate (OutpostStoreClient *client, const char *entity, JsonObject *values,
                       gboolean is_create, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  JobArgs *a = job_args_new (entity, NULL);

  a->values = object_copy (values);
  a->flag = is_create;
  run (client, OUTPOST_JOB_PRIORITY_HIGH, validate_job, a, NULL, cancellable, callback, user_data);
}

static gpointer
query_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;
  g_autoptr(JsonNode) where = NULL;
  OutpostQuery q = { 0 };
  GPtrArray *rows;

  q.search = a->search;
  q.limit = a->limit;
  if (a->field != NULL)
    {
      where = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (where, a->value);
      q.where_field = a->field;
      q.where_value = where;
    }
  rows = outpost_store_query (store, a->entity, &q, error);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    outpost_jobs_resolve_lookups (store, g_ptr_array_index (rows, i), TRUE);
  return rows;
}

void
outpost_jobs_query (OutpostStoreClient *client, const char *entity, const char *field,
                    const char *value, const char *search, guint limit,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  JobArgs *a = job_args_new (entity, NULL);

  a->field = g_strdup (field);
  a->value = g_strdup (value);
  a->search = g_strdup (search != NULL && *search != '\0' ? search : NULL);
  a->limit = limit;
  run (client, OUTPOST_JOB_PRIORITY_HIGH, query_job, a, (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

static gpointer
count_entities_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  OutpostProfile *profile = outpost_store_get_profile (store);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_entity_count_free);

  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);
      OutpostEntityCount *count = g_new0 (OutpostEntityCount, 1);

      count->entity = g_strdup (entity->logical_name);
      g_ptr_array_add (out, count);
      count->count = outpost_store_count (store, entity->logical_name, NULL, error);
      if (count->count < 0)
        return NULL;
      count->unsynced = outpost_store_count_unsynced (store, entity->logical_name, error);
      if (count->unsynced < 0)
        return NULL;
    }
  return g_steal_pointer (&out);
}

void
outpost_jobs_count_entities (OutpostStoreClient *client, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  run (client, OUTPOST_JOB_PRIORITY_DEFAULT, count_entities_job, job_args_new (NULL, NULL),
       (GDestroyNotify) g_ptr_array_unref, NULL, callback, user_data);
}

/* ---- sync issues and the log ------------------------------------------------------------- */

static gpointer
list_issues_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *errors = outpost_store_list_errors (store, error);
  GPtrArray *conflicts;

  if (errors == NULL)
    return NULL;
  g_ptr_array_add (out, errors);
  conflicts = outpost_store_list_conflicts (store, error);
  if (conflicts == NULL)
    return NULL;
  g_ptr_array_add (out, conflicts);
  return g_steal_pointer (&out);
}

void
outpost_jobs_list_issues (OutpostStoreClient *client, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  run (client, OUTPOST_JOB_PRIORITY_DEFAULT, list_issues_job, job_args_new (NULL, NULL),
       (GDestroyNotify) g_ptr_array_unref, NULL, callback, user_data);
}

static gpointer
list_runs_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;

  return outpost_store_list_runs (store, a->limit, error);
}

void
outpost_jobs_list_runs (OutpostStoreClient *client, guint limit, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  JobArgs *a = job_args_new (NULL, NULL);

  a->limit = limit;
  run (client, OUTPOST_JOB_PRIORITY_DEFAULT, list_runs_job, a,
       (GDestroyNotify) g_ptr_array_unref, NULL, callback, user_data);
}

static gpointer
issue_action_job (OutpostStore *store, gpointer data, GCancellable *c, GError **error)
{
  JobArgs *a = data;
  gboolean ok = FALSE;

  switch (a->action)
    {
    case OUTPOST_ISSUE_RETRY:
      ok = outpost_store_error_retry (store, a->number, error);
      break;
    case OUTPOST_ISSUE_IGNORE:
      ok = outpost_store_error_ignore (store, a->number, error);
      break;
    case OUTPOST_ISSUE_TAKE_SERVER:
      ok = outpost_store_error_take_server (store, a->number, error);
      break;
    case OUTPOST_ISSUE_RESOLVE:
      ok = outpost_store_resolve_conflict (store, a->number, a->values, error);
      break;
    case OUTPOST_ISSUE_OWE_FULL_SYNC:
      ok = outpost_store_owe_full_sync (store, a->entity, error);
      break;
    default:
      g_assert_not_reached ();
    }
  return ok ? GINT_TO_POINTER (1) : NULL;
}

void
outpost_jobs_issue_action (OutpostStoreClient *client, OutpostIssueAction action, gint64 id,
                           const char *entity, JsonObject *chosen,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  JobArgs *a = job_args_new (entity, NULL);

  a->action = action;
  a->number = id;
  a->values = object_copy (chosen);
  run (client, OUTPOST_JOB_PRIORITY_HIGH, issue_action_job, a, NULL, NULL, callback, user_data);
}

/* outpost-sync-engine.c: the engine object: one run at a time in a GTask worker thread,
 * signals marshalled to the caller's main context, every run in the sync log. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif
#ifdef G_OS_UNIX
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

#include "outpost-dataverse-connector.h"
#include "outpost-sync-metadata.h"
#include "outpost-sync-nn.h"
#include "outpost-sync-private.h"

struct _OutpostSyncEngine
{
  GObject              parent_instance;
  char                *name;
  char                *url;
  char                *api_version;
  char                *db_path;
  OutpostAuthProvider *auth;
  OutpostProfile      *profile;
  OutpostConnector    *connector;
  gboolean             running;
  guint                profile_check_interval;
};

G_DEFINE_FINAL_TYPE (OutpostSyncEngine, outpost_sync_engine, G_TYPE_OBJECT)

enum { PROP_0, PROP_RUNNING, N_PROPS };
enum { SIGNAL_PROGRESS, SIGNAL_RECORDS_CHANGED, N_SIGNALS };
static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- boxed types ------------------------------------------------------------------------- */

static OutpostSyncEntityResult *
entity_result_copy (const OutpostSyncEntityResult *r)
{
  OutpostSyncEntityResult *copy = g_memdup2 (r, sizeof *r);

  copy->entity = g_strdup (r->entity);
  return copy;
}

static void
entity_result_free (OutpostSyncEntityResult *r)
{
  g_free (r->entity);
  g_free (r);
}

OutpostSyncResult *
outpost_sync_result_copy (const OutpostSyncResult *result)
{
  OutpostSyncResult *copy = g_memdup2 (result, sizeof *result);

  copy->entities = g_ptr_array_new_with_free_func ((GDestroyNotify) entity_result_free);
  for (guint i = 0; result->entities && i < result->entities->len; i++)
    g_ptr_array_add (copy->entities, entity_result_copy (g_ptr_array_index (result->entities, i)));
  return copy;
}

void
outpost_sync_result_free (OutpostSyncResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->entities, g_ptr_array_unref);
  g_free (result);
}

G_DEFINE_BOXED_TYPE (OutpostSyncResult, outpost_sync_result, outpost_sync_result_copy,
                     outpost_sync_result_free)

static OutpostSyncProgress *
progress_copy (const OutpostSyncProgress *p)
{
  OutpostSyncProgress *copy = g_memdup2 (p, sizeof *p);

  copy->entity = g_intern_string (p->entity);  /* interned: outlives the run */
  return copy;
}

G_DEFINE_BOXED_TYPE (OutpostSyncProgress, outpost_sync_progress, progress_copy, g_free)

const char *
outpost_sync_kind_to_string (OutpostSyncKind kind)
{
  static const char *const names[] = { "incremental", "full", "entities", "email", "upload" };

  return kind < G_N_ELEMENTS (names) ? names[kind] : "incremental";
}

const char *
outpost_sync_phase_to_string (OutpostSyncPhase phase)
{
  static const char *const names[] = { "connect", "upload", "download", "done" };

  return phase < G_N_ELEMENTS (names) ? names[phase] : "done";
}

/* ---- the object -------------------------------------------------------------------------- */

static void
outpost_sync_engine_finalize (GObject *object)
{
  OutpostSyncEngine *self = OUTPOST_SYNC_ENGINE (object);

  g_free (self->name);
  g_free (self->url);
  g_free (self->api_version);
  g_free (self->db_path);
  g_clear_object (&self->auth);
  g_clear_pointer (&self->profile, outpost_profile_unref);
  g_clear_object (&self->connector);
  G_OBJECT_CLASS (outpost_sync_engine_parent_class)->finalize (object);
}

static void
outpost_sync_engine_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OutpostSyncEngine *self = OUTPOST_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_sync_engine_class_init (OutpostSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = outpost_sync_engine_finalize;
  object_class->get_property = outpost_sync_engine_get_property;
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                           OUTPOST_TYPE_SYNC_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_RECORDS_CHANGED] = g_signal_new ("records-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
outpost_sync_engine_init (OutpostSyncEngine *self)
{
  self->profile_check_interval = 3600;
}

void
outpost_sync_engine_set_profile_check_interval (OutpostSyncEngine *self, guint seconds)
{
  self->profile_check_interval = seconds;
}

OutpostSyncEngine *
outpost_sync_engine_new (const char *name, const char *url, OutpostAuthProvider *auth,
                         OutpostProfile *profile, const char *db_path)
{
  OutpostSyncEngine *self = g_object_new (OUTPOST_TYPE_SYNC_ENGINE, NULL);

  g_return_val_if_fail (url != NULL && profile != NULL && db_path != NULL, NULL);
  self->name = g_strdup (name ? name : "default");
  self->url = g_strdup (url);
  self->db_path = g_strdup (db_path);
  self->auth = auth ? g_object_ref (auth) : outpost_auth_none_new ();
  self->profile = outpost_profile_ref (profile);
  return self;
}

void
outpost_sync_engine_set_connector (OutpostSyncEngine *self, OutpostConnector *connector)
{
  g_return_if_fail (!self->running);
  g_set_object (&self->connector, connector);
}

OutpostConnector *
outpost_sync_engine_get_connector (OutpostSyncEngine *self)
{
  if (self->connector == NULL)
    self->connector = OUTPOST_CONNECTOR (outpost_dataverse_connector_new (self->url, self->api_version,
                                                                          self->auth));
  return self->connector;
}

void
outpost_sync_engine_set_api_version (OutpostSyncEngine *self, const char *api_version)
{
  g_return_if_fail (!self->running);
  g_free (self->api_version);
  self->api_version = g_strdup (api_version);
  g_clear_object (&self->connector);
}

gboolean
outpost_sync_engine_get_running (OutpostSyncEngine *self)
{
  return self->running;
}

const char *
outpost_sync_engine_get_name (OutpostSyncEngine *self)
{
  return self->name;
}

static void
set_running (OutpostSyncEngine *self, gboolean running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* ---- signals from the worker ------------------------------------------------------------- */

typedef struct {
  OutpostSyncEngine  *engine;
  OutpostSyncProgress progress;
  char               *entity;
  gboolean            is_progress;
} SignalData;

static void
signal_data_free (SignalData *data)
{
  g_object_unref (data->engine);
  g_free (data->entity);
  g_free (data);
}

static gboolean
emit_in_main (gpointer user_data)
{
  SignalData *data = user_data;

  if (data->is_progress)
    {
      data->progress.entity = data->entity;
      g_signal_emit (data->engine, signals[SIGNAL_PROGRESS], 0, &data->progress);
    }
  else
    g_signal_emit (data->engine, signals[SIGNAL_RECORDS_CHANGED], 0, data->entity);
  return G_SOURCE_REMOVE;
}

/* Signals are emitted in the engine's caller's context, never in the sync thread: an idle source
 * attached there, because g_main_context_invoke() runs the callback in the calling thread
 * whenever that thread can acquire the context (no main loop running it at that moment). */
static void
emit_later (OutpostSyncJob *job, SignalData *data)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_in_main, data, (GDestroyNotify) signal_data_free);
  g_source_set_static_name (source, "[outpost] sync signal");
  g_source_attach (source, job->context);
}

void
outpost_sync_job_progress (OutpostSyncJob *job, OutpostSyncPhase phase, const char *entity,
                           gint64 done, gint64 total)
{
  SignalData *data = g_new0 (SignalData, 1);

  data->engine = g_object_ref (job->engine);
  data->is_progress = TRUE;
  data->entity = g_strdup (entity);
  data->progress.phase = phase;
  data->progress.done = done;
  data->progress.total = total;
  g_mutex_lock (&job->lock);
  data->progress.bytes = job->result->bytes;
  g_mutex_unlock (&job->lock);
  emit_later (job, data);
}

void
outpost_sync_job_records_changed (OutpostSyncJob *job, const char *entity)
{
  SignalData *data = g_new0 (SignalData, 1);

  data->engine = g_object_ref (job->engine);
  data->entity = g_strdup (entity);
  emit_later (job, data);
}

void
outpost_sync_job_log (OutpostSyncJob *job, const char *entity, const char *record_id,
                      const char *format, ...)
{
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (!outpost_store_log_message (job->store, job->run_id, entity, record_id, message, &error))
    g_warning ("Could not write to the sync log: %s", error->message);
}

OutpostSyncEntityResult *
outpost_sync_job_entity_result (OutpostSyncJob *job, const char *entity)
{
  OutpostSyncEntityResult *r;

  for (guint i = 0; i < job->result->entities->len; i++)
    if (g_str_equal (((OutpostSyncEntityResult *) g_ptr_array_index (job->result->entities, i))->entity, entity))
      return g_ptr_array_index (job->result->entities, i);
  r = g_new0 (OutpostSyncEntityResult, 1);
  r->entity = g_strdup (entity);
  g_ptr_array_add (job->result->entities, r);
  return r;
}

/* ---- the run ----------------------------------------------------------------------------- */

static void
job_free (OutpostSyncJob *job)
{
  g_clear_object (&job->engine);
  g_strfreev ((char **) job->options.entities);
  g_clear_object (&job->store);
  g_clear_pointer (&job->profile, outpost_profile_unref);
  g_clear_object (&job->connector);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_pointer (&job->result, outpost_sync_result_free);
  g_clear_pointer (&job->entity_versions, json_object_unref);
  g_mutex_clear (&job->lock);
  g_free (job);
}

static gboolean
entity_selected (OutpostSyncJob *job, OutpostEntity *entity)
{
  switch (job->options.kind)
    {
    case OUTPOST_SYNC_ENTITIES:
      return job->options.entities != NULL &&
             g_strv_contains (job->options.entities, entity->logical_name);
    case OUTPOST_SYNC_EMAIL_ONLY:
      return g_str_equal (entity->logical_name, "email");
    case OUTPOST_SYNC_UPLOAD_ONLY:
      return FALSE;
    case OUTPOST_SYNC_INCREMENTAL:
    case OUTPOST_SYNC_FULL:
    default:
      return TRUE;
    }
}

/* Profile fields the server does not have were dropped from the refined profile: say so in
 * this run's sync log (where a user or admin looks), not on the terminal. */
static void
log_dropped_fields (OutpostSyncJob *job, OutpostProfile *base)
{
  for (guint i = 0; i < outpost_profile_get_n_entities (base); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (base, i);
      OutpostEntity *refined = outpost_profile_lookup_entity (job->profile, entity->logical_name);

      for (guint j = 0; refined && j < entity->fields->len; j++)
        {
          OutpostField *f = g_ptr_array_index (entity->fields, j);

          if (outpost_entity_lookup_field (refined, f->name) != NULL)
            continue;
          g_debug ("The server has no field %s.%s", entity->logical_name, f->name);
          outpost_sync_job_log (job, entity->logical_name, NULL,
                                _("The server has no field %s.%s: it is not synchronized"),
                                entity->logical_name, f->name);
        }
    }
}

/* Connects (or restores cached metadata) and opens the store with the refined profile. */
static gboolean
job_prepare (OutpostSyncJob *job, GError **error)
{
  OutpostSyncEngine *self = job->engine;
  gboolean force = job->options.kind == OUTPOST_SYNC_FULL;
  g_autoptr(OutpostProfile) base = NULL;

  base = outpost_sync_published_apply (job, self->db_path, self->profile,
                                       self->profile_check_interval, error);
  if (base == NULL)
    return FALSE;
  job->profile = outpost_sync_metadata_load (self->db_path, base, job->connector, force);
  if (job->profile == NULL)
    {
      outpost_sync_job_progress (job, OUTPOST_SYNC_PHASE_CONNECT, NULL, 0, -1);
      job->profile = outpost_sync_metadata_fetch (self->db_path, base, job->connector,
                                                  job->cancellable, error);
      if (job->profile == NULL)
        return FALSE;
      log_dropped_fields (job, base);
    }
  g_clear_object (&job->store);
  job->store = outpost_store_open (self->db_path, job->profile, error);
  return job->store != NULL;
}

/* Each page the download wrote left a segment in the full-text index, and every search walks
 * them all: merged now (when more than a few), in steps of 128 pages (bench-store, 1M accounts:
 * 83 steps, 17 ms CPU each on average, the longest 92 ms at load 4). Between steps the write
 * lock is free for longer than a waiting save polls for it (outpost-store.c's busy handler:
 * every 2-10 ms), and a cancel is seen. Failing to tidy does not fail the sync: searches only
 * stay slower. */
#define TIDY_BUDGET_PAGES 128
#define TIDY_PAUSE_USEC (12 * 1000)

static void
tidy_search_index (OutpostSyncJob *job)
{
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;

  while (more && !g_cancellable_is_cancelled (job->cancellable))
    {
      if (!outpost_store_tidy_search_index (job->store, NULL, TIDY_BUDGET_PAGES, &more, &error))
        {
          g_debug ("sync: the search index was not tidied: %s", error->message);
          return;
        }
      if (more)
        g_usleep (TIDY_PAUSE_USEC);
    }
}

/* ---- rows whose local change was dropped ---------------------------------------------------- */

/* "Take Server Version" on a sync error drops the local change and leaves the row with its
 * last server values and no ETag (outpost_store_list_stale): the server may have changed or
 * deleted it since, and the delta that said so went by while the row had local changes. Each
 * such row is read again by id: written as the server has it now, or removed when the server
 * (within the profile's filter) no longer has it. */
#define STALE_CHUNK 20

static gboolean
refresh_chunk (OutpostSyncJob *job, OutpostEntity *entity, const char * const *ids,
               gint64 generation, GError **error)
{
  OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, TRUE, NULL, ids, 0 };
  g_autoptr(OutpostPage) page = outpost_connector_download_page (job->connector, entity, &req,
                                                                 job->cancellable, error);
  g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);
  OutpostSyncEntityResult *r = outpost_sync_job_entity_result (job, entity->logical_name);
  gboolean ok = TRUE;

  if (page == NULL || !outpost_store_begin (job->store, error))
    return FALSE;
  for (guint i = 0; ok && i < page->rows->len; i++)
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, i);
      g_autoptr(GError) local = NULL;
      OutpostApplyResult applied;

      if (row->deleted || row->values == NULL)
        continue;
      g_hash_table_add (found, row->id);
      /* a row edited again meanwhile keeps its edit (LOCAL_CHANGES): its upload decides */
      applied = outpost_store_apply_server_row (job->store, entity->logical_name, row->id, row->values,
                                                row->etag, generation, &local);
      if (local != NULL)
        ok = (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
      else if (applied == OUTPOST_APPLY_WRITTEN)
        r->downloaded++, job->result->downloaded++;
    }
  for (guint i = 0; ok && ids[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;

      if (g_hash_table_contains (found, ids[i]))
        continue;
      if (outpost_store_remove_server_row (job->store, entity->logical_name, ids[i], &local))
        r->removed++;
      else if (local != NULL && !g_error_matches (local, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND))
        ok = (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
    }
  if (!ok)
    return (outpost_store_rollback (job->store), FALSE);
  return outpost_store_commit (job->store, error) || (outpost_store_rollback (job->store), FALSE);
}

static gboolean
refresh_stale (OutpostSyncJob *job, OutpostEntity *entity, GError **error)
{
  g_autoptr(GPtrArray) ids = outpost_store_list_stale (job->store, entity->logical_name, error);
  g_autoptr(OutpostTableState) state = NULL;

  if (ids == NULL)
    return FALSE;
  if (ids->len == 0)
    return TRUE;
  if ((state = outpost_store_get_table_state (job->store, entity->logical_name, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i += STALE_CHUNK)
    {
      g_autofree const char **chunk = g_new0 (const char *, STALE_CHUNK + 1);

      for (guint j = 0; j < STALE_CHUNK && i + j < ids->len; j++)
        chunk[j] = g_ptr_array_index (ids, i + j);
      if (!refresh_chunk (job, entity, chunk, state->generation, error))
        return FALSE;
    }
  g_debug ("sync: %u %s rows read again after Take Server Version", ids->len, entity->logical_name);
  outpost_sync_job_records_changed (job, entity->logical_name);
  return TRUE;
}

static gboolean
refresh_stale_rows (OutpostSyncJob *job, GPtrArray *entities, GError **error)
{
  for (guint i = 0; i < entities->len; i++)
    if (!refresh_stale (job, g_ptr_array_index (entities, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
job_body (OutpostSyncJob *job, GError **error)
{
  g_autoptr(GPtrArray) entities = g_ptr_array_new ();

  if (!job_prepare (job, error))
    return FALSE;
  if (!outpost_sync_upload (job, error) || !outpost_sync_send_emails (job, error))
    return FALSE;
  for (guint i = 0; i < outpost_profile_get_n_entities (job->profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (job->profile, i);
      if (entity_selected (job, entity))
        g_ptr_array_add (entities, entity);
    }
  if (entities->len > 0 && (!outpost_sync_download (job, entities, error) ||
                            !outpost_sync_nn_download (job, entities, error) ||
                            !refresh_stale_rows (job, entities, error)))
    return FALSE;
  /* edits made by the user while the download ran go up now rather than at the next sync */
  if (job->options.kind != OUTPOST_SYNC_UPLOAD_ONLY && !outpost_sync_upload (job, error))
    return FALSE;
  if (job->result->downloaded > 0)
    tidy_search_index (job);
  return TRUE;
}

static void
job_log_end (OutpostSyncJob *job, OutpostStore *log_store, const GError *failure)
{
  OutpostSyncRun run = { 0 };
  g_autoptr(GError) error = NULL;

  run.id = job->run_id;
  run.ended = g_get_real_time () / G_USEC_PER_SEC;
  run.status = failure == NULL ? (char *) "succeeded"
             : g_error_matches (failure, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED)
               ? (char *) "cancelled" : (char *) "failed";
  run.kind = (char *) outpost_sync_kind_to_string (job->options.kind);
  run.downloaded = job->result->downloaded;
  run.uploaded = job->result->uploaded;
  run.conflicts = job->result->conflicts;
  run.errors = job->result->errors;
  run.message = failure ? failure->message : NULL;
  if (!outpost_store_log_end (log_store, &run, &error))
    g_warning ("Could not finish the sync log entry: %s", error->message);
}

static void
normalize_error (GError **error)
{
  if (*error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (error);
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED,
                           _("Synchronization was cancelled"));
    }
}

static void run_job (GTask *task, OutpostSyncJob *job);

/* A background sync runs in a thread of its own at the lowest priority, and the threads it
 * starts (downloads, the reaper, read-ahead and parsers, the upload's sender) inherit it. On a
 * 2-core machine the sync's threads at normal priority kept GTK's renderer threads from a CPU
 * and held frames for up to ~200 ms (bench-ui). Not a shared pool thread: an unprivileged
 * process cannot raise a thread's priority back, and the pool reuses its threads. */
static gpointer
background_thread (gpointer data)
{
  GTask *task = data;

#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 19) != 0)
    g_debug ("sync: could not lower the background sync's priority: %s", g_strerror (errno));
#endif
  run_job (task, g_task_get_task_data (task));
  return NULL;
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OutpostSyncJob *job = task_data;

  if (job->options.background)
    g_thread_join (g_thread_new ("outpost-sync", background_thread, task));
  else
    run_job (task, job);
}

/* One sync of an account at a time, across processes too (the app, `outpost sync`): the run
 * holds an flock on the account's directory (not on the database: closing any other descriptor
 * of the database file would drop SQLite's POSIX locks). The kernel releases it when the
 * process dies, so a run the log still shows "running" while we hold it was cut off.
 * Returns the descriptor to close at the end, or -1 with no error when locks are not
 * available here (the run goes on unguarded), or -1 with BUSY. */
static int
lock_account (OutpostSyncEngine *self, GError **error)
{
#ifdef G_OS_UNIX
  g_autofree char *dir = g_path_get_dirname (self->db_path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  if (flock (fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  if (errno == EWOULDBLOCK)
    g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_BUSY,
                 _("A synchronization of “%s” is already running"), self->name);
  close (fd);
#endif
  return -1;
}

static void
unlock_account (int fd)
{
#ifdef G_OS_UNIX
  if (fd >= 0)
    close (fd);   /* drops the flock */
#endif
}

/* The kind the log shows: an incremental sync downloads every table in full when each owes one
 * (no LastSync yet: the account's first sync; after "Download Again"; an interrupted full sync
 * resuming), as outpost-sync-download.c decides per table. That run is a "full" one. */
static const char *
log_kind (OutpostSyncJob *job, OutpostStore *store)
{
  OutpostProfile *profile = job->engine->profile;
  guint n = outpost_profile_get_n_entities (profile);

  if (job->options.kind != OUTPOST_SYNC_INCREMENTAL || n == 0)
    return outpost_sync_kind_to_string (job->options.kind);
  for (guint i = 0; i < n; i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);
      g_autoptr(OutpostTableState) state = outpost_store_get_table_state (store, entity->logical_name, NULL);

      if (state == NULL ||
          !(state->full_sync_owed || state->last_sync == NULL || state->checkpoint != NULL))
        return outpost_sync_kind_to_string (OUTPOST_SYNC_INCREMENTAL);
    }
  return outpost_sync_kind_to_string (OUTPOST_SYNC_FULL);
}

/* Opens the log connection and starts the run's log entry (ending those cut off before). */
static OutpostStore *
log_start (OutpostSyncJob *job, gboolean locked, GError **error)
{
  OutpostSyncEngine *self = job->engine;
  /* the log connection uses the profile as given: it exists before metadata is read */
  g_autoptr(OutpostStore) log_store = outpost_store_open (self->db_path, self->profile, error);
  g_autoptr(GError) local = NULL;

  if (log_store == NULL)
    return NULL;
  if (locked && outpost_store_log_interrupt_running (log_store, &local) < 0)
    g_warning ("Could not end the interrupted runs in the sync log: %s", local->message);
  job->run_id = outpost_store_log_begin (log_store, log_kind (job, log_store), error);
  return job->run_id < 0 ? NULL : g_steal_pointer (&log_store);
}

static void
run_job (GTask *task, OutpostSyncJob *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) log_store = NULL;
  gint64 start = g_get_monotonic_time ();
  guint64 requests_before = outpost_connector_get_request_count (job->connector);
  int lock_fd = lock_account (job->engine, &error);

  if (error != NULL || (log_store = log_start (job, lock_fd >= 0, &error)) == NULL)
    {
      unlock_account (lock_fd);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->result->run_id = job->run_id;
  job->store = g_object_ref (log_store);
  if (!job_body (job, &error))
    normalize_error (&error);
  job->result->requests = outpost_connector_get_request_count (job->connector) - requests_before;
  job->result->seconds = (g_get_monotonic_time () - start) / 1e6;
  g_clear_object (&job->store);
  job_log_end (job, log_store, error);
  unlock_account (lock_fd);
  outpost_sync_job_progress (job, OUTPOST_SYNC_PHASE_DONE, NULL, job->result->downloaded, -1);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, outpost_sync_result_copy (job->result),
                           (GDestroyNotify) outpost_sync_result_free);
}

static void
run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *outer = user_data;
  GError *error = NULL;
  OutpostSyncResult *r = g_task_propagate_pointer (G_TASK (result), &error);

  set_running (OUTPOST_SYNC_ENGINE (source), FALSE);
  if (error != NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, r, (GDestroyNotify) outpost_sync_result_free);
  g_object_unref (outer);
}

void
outpost_sync_engine_run_async (OutpostSyncEngine *self, const OutpostSyncOptions *options,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GTask *inner;
  OutpostSyncJob *job;
  OutpostSyncOptions defaults = { OUTPOST_SYNC_INCREMENTAL };

  g_task_set_source_tag (task, outpost_sync_engine_run_async);
  g_task_set_check_cancellable (task, FALSE);   /* the worker reports cancellation itself */
  if (self->running)
    {
      g_task_return_new_error (task, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_BUSY,
                               _("A synchronization of “%s” is already running"), self->name);
      return;
    }
  options = options ? options : &defaults;
  job = g_new0 (OutpostSyncJob, 1);
  g_mutex_init (&job->lock);
  job->engine = g_object_ref (self);
  job->options = *options;
  job->options.entities = (const char * const *) g_strdupv ((char **) options->entities);
  job->options.max_connections = options->max_connections ? MIN (options->max_connections, 16) : 4;
  job->options.page_size = options->page_size ? MIN (options->page_size, 5000) : 5000;
  job->options.batch_size = options->batch_size ? MIN (options->batch_size, 1000) : 100;
  job->connector = g_object_ref (outpost_sync_engine_get_connector (self));
  job->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  job->context = g_main_context_ref_thread_default ();
  job->result = g_new0 (OutpostSyncResult, 1);
  job->result->entities = g_ptr_array_new_with_free_func ((GDestroyNotify) entity_result_free);
  set_running (self, TRUE);
  /* the inner task owns the job; the outer one completes after "running" went back to FALSE */
  inner = g_task_new (self, job->cancellable, run_done, g_steal_pointer (&task));
  g_task_set_task_data (inner, job, (GDestroyNotify) job_free);
  g_task_set_return_on_cancel (inner, FALSE);
  g_task_set_check_cancellable (inner, FALSE);
  g_task_run_in_thread (inner, run_thread);
  g_object_unref (inner);
}

OutpostSyncResult *
outpost_sync_engine_run_finish (OutpostSyncEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  GAsyncResult *result;
} RunSyncData;

static void
run_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ((RunSyncData *) user_data)->result = g_object_ref (result);
}

OutpostSyncResult *
outpost_sync_engine_run (OutpostSyncEngine *self, const OutpostSyncOptions *options,
                         GCancellable *cancellable, GError **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  RunSyncData data = { NULL };
  OutpostSyncResult *result;

  g_main_context_push_thread_default (context);
  outpost_sync_engine_run_async (self, options, cancellable, run_sync_done, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);
  /* deliver the signals still queued */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  result = outpost_sync_engine_run_finish (self, data.result, error);
  g_object_unref (data.result);
  return result;
}

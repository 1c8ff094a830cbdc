/* outpost-store-client.c: one worker thread owns the UI's SQLite connection. */
#include "config.h"

#include "outpost-store-client.h"

#include <sqlite3.h>

struct _OutpostStoreClient
{
  GObject        parent_instance;
  OutpostStore  *store;          /* touched only by the worker after construction */
  OutpostProfile *profile;       /* immutable, shared */
  char          *path;
  GAsyncQueue   *queue;          /* Job*, sorted by priority then arrival */
  GThread       *worker;
  GMainContext  *main_context;
  guint64        next_seq;
  guint          pending;        /* main thread only */
};

typedef struct {
  OutpostJobPriority  priority;
  guint64             seq;
  OutpostStoreJobFunc func;
  GDestroyNotify      result_free;
  GTask              *task;      /* NULL: the stop marker */
} Job;

enum { SIGNAL_BUSY, SIGNAL_IDLE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostStoreClient, outpost_store_client, G_TYPE_OBJECT)

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_free (job);
}

static gint
job_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Job *ja = a, *jb = b;

  if (ja->priority != jb->priority)
    return ja->priority < jb->priority ? -1 : 1;
  return ja->seq < jb->seq ? -1 : (ja->seq > jb->seq ? 1 : 0);
}

static gboolean
emit_busy_idle (gpointer data)
{
  OutpostStoreClient *self = data;

  g_signal_emit (self, signals[SIGNAL_BUSY], 0);
  return G_SOURCE_REMOVE;
}

/* Runs @func on the main context, always from there. Not g_main_context_invoke_full: from the
 * worker that calls @func right away in the worker whenever it can acquire the context (the
 * default context, while the main thread is between two iterations), so "pending" raced the
 * main thread's increments (a lost update let "idle" come with a job still queued) and signals
 * were emitted in the wrong thread. @ref: a reference to @self, released on the main thread. */
static void
on_main_context (OutpostStoreClient *self, GSourceFunc func, gpointer ref)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, ref, g_object_unref);
  g_source_set_static_name (source, "[outpost] store client");
  g_source_attach (source, self->main_context);
  g_source_unref (source);
}

/* Runs in the worker, while the write waits on the lock: tell the main thread. */
static void
store_busy_cb (OutpostStore *store, gpointer user_data)
{
  on_main_context (user_data, emit_busy_idle, g_object_ref (user_data));
}

static gboolean
job_done_idle (gpointer data)
{
  OutpostStoreClient *self = data;

  g_assert (self->pending > 0);
  if (--self->pending == 0)
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  return G_SOURCE_REMOVE;
}

static void
run_job (OutpostStoreClient *self, Job *job)
{
  GCancellable *cancellable = g_task_get_cancellable (job->task);
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (job->task))
    return;
  result = job->func (self->store, g_task_get_task_data (job->task), cancellable, &error);
  if (error != NULL)
    g_task_return_error (job->task, error);
  else
    g_task_return_pointer (job->task, result, job->result_free);
}

static gpointer
worker_main (gpointer data)
{
  OutpostStoreClient *self = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);

      if (job->task == NULL)
        {
          job_free (job);
          /* closing may checkpoint the WAL: SQL, so here and not in finalize */
          g_clear_object (&self->store);
          break;
        }
      /* The ref handed to job_done_idle is taken before the task drops its own, so the
       * client's last reference is never released here (finalize joins this thread). The
       * task's callback is queued before job_done_idle (same priority, attached first), so
       * "idle" follows the results. */
      gpointer ref = g_object_ref (self);

      run_job (self, job);
      job_free (job);
      on_main_context (self, job_done_idle, ref);
    }
  return NULL;
}

void
outpost_store_client_shutdown (OutpostStoreClient *self)
{
  Job *stop;

  g_return_if_fail (OUTPOST_IS_STORE_CLIENT (self));
  if (self->worker == NULL)
    return;
  stop = g_new0 (Job, 1);
  stop->priority = G_MAXINT;
  stop->seq = G_MAXUINT64;
  g_async_queue_push_sorted (self->queue, stop, job_compare, NULL);
  g_thread_join (self->worker);
  self->worker = NULL;
}

static void
outpost_store_client_finalize (GObject *object)
{
  OutpostStoreClient *self = OUTPOST_STORE_CLIENT (object);

  /* The worker holds no reference of its own, so finalize never runs in it. */
  outpost_store_client_shutdown (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->profile, outpost_profile_unref);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_free (self->path);
  G_OBJECT_CLASS (outpost_store_client_parent_class)->finalize (object);
}

static void
outpost_store_client_class_init (OutpostStoreClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_store_client_finalize;

  /* A save waits for the synchronization's write lock; it will complete. */
  signals[SIGNAL_BUSY] = g_signal_new ("busy", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
outpost_store_client_init (OutpostStoreClient *self)
{
  self->queue = g_async_queue_new ();
  self->main_context = g_main_context_ref_thread_default ();
}

/* Runs in the worker. The main thread reads profile and path only once the client is handed
 * out (after the open job's result crossed to it), so no lock is needed. */
static void
adopt_store (OutpostStoreClient *self, OutpostStore *store)
{
  self->store = store;
  self->profile = outpost_profile_ref (outpost_store_get_profile (store));
  self->path = g_strdup (outpost_store_get_path (store));
  outpost_store_set_busy_func (store, store_busy_cb, self);
}

OutpostStoreClient *
outpost_store_client_new (OutpostStore *store)
{
  OutpostStoreClient *self;

  g_return_val_if_fail (OUTPOST_IS_STORE (store), NULL);
  self = g_object_new (OUTPOST_TYPE_STORE_CLIENT, NULL);
  adopt_store (self, store);
  self->worker = g_thread_new ("outpost-store", worker_main, self);
  return self;
}

/* ---- opening in the worker ---------------------------------------------------------------- */

typedef struct {
  OutpostStoreClient  *client;     /* not a reference: the outer task holds one */
  OutpostStoreOpenFunc func;
  gpointer             data;
  GDestroyNotify       data_free;
} OpenData;

static void
open_data_free (gpointer data)
{
  OpenData *od = data;

  if (od->data_free != NULL)
    od->data_free (od->data);
  g_free (od);
}

/* The worker's first job: schema check, migrations and index upkeep take ~1 s at 1M rows. */
static gpointer
open_job (OutpostStore *none, gpointer data, GCancellable *cancellable, GError **error)
{
  OpenData *od = data;
  OutpostStore *store = od->func (od->data, error);

  if (store == NULL)
    return NULL;
  adopt_store (od->client, store);
  return GINT_TO_POINTER (1);
}

static void
open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OutpostStoreClient *self = OUTPOST_STORE_CLIENT (source);
  GError *error = NULL;

  if (outpost_store_client_run_finish (self, result, &error) == NULL)
    {
      outpost_store_client_shutdown (self);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

void
outpost_store_client_open_async (OutpostStoreOpenFunc open_func,
                                 gpointer             data,
                                 GDestroyNotify       data_free,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(OutpostStoreClient) self = g_object_new (OUTPOST_TYPE_STORE_CLIENT, NULL);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  OpenData *od = g_new0 (OpenData, 1);

  g_task_set_source_tag (task, outpost_store_client_open_async);
  od->client = self;
  od->func = open_func;
  od->data = data;
  od->data_free = data_free;
  self->worker = g_thread_new ("outpost-store", worker_main, self);
  outpost_store_client_run_async (self, OUTPOST_JOB_PRIORITY_HIGH, open_job, od, open_data_free,
                                  NULL, cancellable, open_done, task);
}

OutpostStoreClient *
outpost_store_client_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == outpost_store_client_open_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the main-thread SQL guard -------------------------------------------------------------- */

static GThread *guarded_thread;
static gboolean guard_report;
static gint guard_violations;

static void
guard_violation (const char *what)
{
  g_atomic_int_inc (&guard_violations);
  if (guard_report)
    g_critical ("SQL on the main thread: %.200s", what);
}

static int
guard_trace (unsigned kind, void *ctx, void *stmt, void *sql)
{
  if (g_thread_self () == guarded_thread)
    guard_violation (sql != NULL ? (const char *) sql : "?");
  return 0;
}

/* Every connection the process opens from now on (sqlite3_auto_extension), in any module. */
static int
guard_connection (sqlite3 *db, char **errmsg, const void *api)
{
  if (g_thread_self () == guarded_thread)
    guard_violation ("(a connection opened)");
  sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, guard_trace, NULL);
  return SQLITE_OK;
}

void
outpost_store_client_guard_thread (gboolean report)
{
  guarded_thread = g_thread_self ();
  guard_report = report;
  sqlite3_auto_extension ((void (*) (void)) guard_connection);
}

guint
outpost_store_client_guard_violations (void)
{
  return (guint) g_atomic_int_get (&guard_violations);
}

OutpostProfile *
outpost_store_client_get_profile (OutpostStoreClient *self)
{
  g_return_val_if_fail (OUTPOST_IS_STORE_CLIENT (self), NULL);
  return self->profile;
}

const char *
outpost_store_client_get_path (OutpostStoreClient *self)
{
  g_return_val_if_fail (OUTPOST_IS_STORE_CLIENT (self), NULL);
  return self->path;
}

guint
outpost_store_client_get_pending (OutpostStoreClient *self)
{
  g_return_val_if_fail (OUTPOST_IS_STORE_CLIENT (self), 0);
  return self->pending;
}

void
outpost_store_client_run_async (OutpostStoreClient  *self,
                                OutpostJobPriority   priority,
                                OutpostStoreJobFunc  func,
                                gpointer             data,
                                GDestroyNotify       data_free,
                                GDestroyNotify       result_free,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Job *job;

  g_return_if_fail (OUTPOST_IS_STORE_CLIENT (self));
  g_return_if_fail (self->worker != NULL);
  job = g_new0 (Job, 1);
  job->priority = priority;
  job->seq = self->next_seq++;
  job->func = func;
  job->result_free = result_free;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, outpost_store_client_run_async);
  g_task_set_task_data (job->task, data, data_free);
  self->pending++;
  g_async_queue_push_sorted (self->queue, job, job_compare, NULL);
}

gpointer
outpost_store_client_run_finish (OutpostStoreClient  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gpointer
outpost_store_client_job_data (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_get_task_data (G_TASK (result));
}

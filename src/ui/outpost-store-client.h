/* outpost-store-client.h: the UI's own store connection, owned by one worker thread.
 *
 * The main thread never runs SQL that can wait on a lock: every read and save is a job that
 * runs in the worker with the client's OutpostStore and returns on the main context through
 * a GTask. Jobs run one at a time in priority order (visible rows first, background scans
 * last). When a save meets another connection's write lock, the store's busy func runs in
 * the worker; the client re-emits it on the main context as the "busy" signal. */
#pragma once

#include <gio/gio.h>

#include "outpost-store.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_STORE_CLIENT (outpost_store_client_get_type ())
G_DECLARE_FINAL_TYPE (OutpostStoreClient, outpost_store_client, OUTPOST, STORE_CLIENT, GObject)

typedef enum {
  OUTPOST_JOB_PRIORITY_HIGH,        /* saves, the record on screen */
  OUTPOST_JOB_PRIORITY_DEFAULT,     /* visible list pages, counts */
  OUTPOST_JOB_PRIORITY_LOW,         /* background scans (paging checkpoints) */
} OutpostJobPriority;

/* Runs in the worker thread; @data must not be shared with the main thread. Returns the job's result (freed with @result_free when nobody
 * takes it), or NULL with @error set. */
typedef gpointer (*OutpostStoreJobFunc) (OutpostStore  *store,
                                         gpointer       data,
                                         GCancellable  *cancellable,
                                         GError       **error);

/* Takes ownership of @store: from now on only the worker thread touches it. */
OutpostStoreClient *outpost_store_client_new        (OutpostStore        *store);

/* Runs in the worker thread; opens the store (e.g. outpost_account_open_store). */
typedef OutpostStore *(*OutpostStoreOpenFunc) (gpointer data, GError **error);
/* Starts a client whose worker opens the store as its first job: nothing of the open (schema
 * check, migrations, index upkeep) runs on the calling thread. _finish gives the client once
 * the store is open, or the open's error (the worker has stopped then). */
void                outpost_store_client_open_async  (OutpostStoreOpenFunc open_func,
                                                      gpointer             data,
                                                      GDestroyNotify       data_free,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
OutpostStoreClient *outpost_store_client_open_finish (GAsyncResult        *result,
                                                      GError             **error);

/* Debugging aid and test hook: from now on every SQL statement that runs on the calling thread
 * (the main thread), on any connection opened afterwards by any module, is counted, and with
 * @report said in a g_critical. The application turns it on when OUTPOST_DEBUG_MAIN_THREAD_SQL
 * is set. */
void                outpost_store_client_guard_thread     (gboolean report);
guint               outpost_store_client_guard_violations (void);
OutpostProfile     *outpost_store_client_get_profile (OutpostStoreClient *self);
const char         *outpost_store_client_get_path   (OutpostStoreClient  *self);

void                outpost_store_client_run_async  (OutpostStoreClient  *self,
                                                     OutpostJobPriority   priority,
                                                     OutpostStoreJobFunc  func,
                                                     gpointer             data,
                                                     GDestroyNotify       data_free,
                                                     GDestroyNotify       result_free,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gpointer            outpost_store_client_run_finish (OutpostStoreClient  *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* The @data a job was started with (owned by the result; valid in the callback). */
gpointer            outpost_store_client_job_data   (GAsyncResult        *result);
/* Jobs queued or running; "idle" is emitted when this drops to zero (tests, shutdown). */
guint               outpost_store_client_get_pending (OutpostStoreClient *self);
/* Stops the worker after the queued jobs ran (blocking; used at shutdown). */
void                outpost_store_client_shutdown   (OutpostStoreClient  *self);

G_END_DECLS

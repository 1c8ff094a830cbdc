/* build-aux/tsan-glib.c: LD_PRELOAD shim that lets ThreadSanitizer see GLib's synchronization
 * (build-aux/tsan.sh builds it; never part of Outpost).
 *
 * Debian's GLib is not built with -fsanitize=thread, and on Linux its GMutex/GCond are futex
 * based, so TSan sees neither a lock nor a hand-over: every value a mutex protects, every
 * pointer passed through a GAsyncQueue, a main-context callback or a GTask thread would be
 * reported as a race. This shim
 *   - implements GMutex, GRecMutex, GRWLock and GCond on pthreads (which TSan intercepts), the
 *     way GLib's own non-futex build does (the pthread object allocated on first use). Calls
 *     from Outpost, GIO, GObject, libsoup and json-glib reach it through the PLT; GLib's calls
 *     to its own locks stay native (libglib binds them internally), which is fine as long as no
 *     single lock is used from both sides: GLib keeps its internal locks private;
 *   - annotates hand-overs (__tsan_release before, __tsan_acquire after): g_async_queue push/
 *     pop, callbacks given to a main context (g_idle_add*, g_timeout_add*, g_main_context_invoke*;
 *     not g_source_set_callback: a source's callback may have another signature),
 *     g_task_run_in_thread*, a GTask's result (g_task_return_* before g_task_propagate_*) and
 *     GThreadPool (g_thread_pool_push before the pool function runs on the item).
 * In a process without TSan (python3, an uninstrumented outpost-server) the annotations are
 * weak NULLs and the locks are plain pthread locks. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <gio/gio.h>

extern void __tsan_acquire (void *addr) __attribute__ ((weak));
extern void __tsan_release (void *addr) __attribute__ ((weak));

static void
hb_release (void *addr)
{
  if (__tsan_release)
    __tsan_release (addr);
}

static void
hb_acquire (void *addr)
{
  if (__tsan_acquire)
    __tsan_acquire (addr);
}

#define REAL(name) \
  static __typeof__ (name) *real_##name; \
  if (real_##name == NULL) \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

/* ---- locks ------------------------------------------------------------------------------- */

static void *
impl_get (gpointer *slot, void *(*make) (void), void (*destroy) (void *))
{
  void *impl = __atomic_load_n (slot, __ATOMIC_ACQUIRE);
  void *expected = NULL;

  if (impl != NULL)
    {
      hb_acquire (slot);   /* this shim is not instrumented: TSan cannot see its atomics */
      return impl;
    }
  impl = make ();
  hb_release (slot);     /* before publishing: whoever sees the pointer acquires after this */
  if (!__atomic_compare_exchange_n (slot, &expected, impl, FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    {
      destroy (impl);
      impl = expected;
      hb_acquire (slot);
    }
  return impl;
}

static void *
mutex_make (void)
{
  pthread_mutex_t *m = malloc (sizeof *m);
  pthread_mutex_init (m, NULL);
  return m;
}

static void
mutex_destroy (void *m)
{
  pthread_mutex_destroy (m);
  free (m);
}

static void *
rec_mutex_make (void)
{
  pthread_mutexattr_t attr;
  pthread_mutex_t *m = malloc (sizeof *m);

  pthread_mutexattr_init (&attr);
  pthread_mutexattr_settype (&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init (m, &attr);
  pthread_mutexattr_destroy (&attr);
  return m;
}

static void *
rw_make (void)
{
  pthread_rwlock_t *l = malloc (sizeof *l);
  pthread_rwlock_init (l, NULL);
  return l;
}

static void
rw_destroy (void *l)
{
  pthread_rwlock_destroy (l);
  free (l);
}

static void *
cond_make (void)
{
  pthread_condattr_t attr;
  pthread_cond_t *c = malloc (sizeof *c);

  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);   /* g_cond_wait_until is monotonic */
  pthread_cond_init (c, &attr);
  pthread_condattr_destroy (&attr);
  return c;
}

static void
cond_destroy (void *c)
{
  pthread_cond_destroy (c);
  free (c);
}

#define MUTEX(m) ((pthread_mutex_t *) impl_get (&(m)->p, mutex_make, mutex_destroy))
#define REC(m)   ((pthread_mutex_t *) impl_get (&(m)->p, rec_mutex_make, mutex_destroy))
#define RW(l)    ((pthread_rwlock_t *) impl_get (&(l)->p, rw_make, rw_destroy))
#define COND(c)  ((pthread_cond_t *) impl_get (&(c)->p, cond_make, cond_destroy))

static void
slot_clear (gpointer *slot, void (*destroy) (void *))
{
  void *impl = __atomic_exchange_n (slot, NULL, __ATOMIC_ACQ_REL);
  if (impl)
    destroy (impl);
}

/* GLib's locks have no "destroyed while in use" rule: clearing one after another thread's last
 * unlock or signal is fine. Each unlock/signal releases on the GLib object and clear acquires
 * it, so TSan sees that order (a clear racing a later lock is still reported). */
void g_mutex_init (GMutex *m) { m->p = NULL; }
void g_mutex_clear (GMutex *m) { hb_acquire (m); slot_clear (&m->p, mutex_destroy); }
void g_mutex_lock (GMutex *m) { pthread_mutex_lock (MUTEX (m)); }
void g_mutex_unlock (GMutex *m) { pthread_mutex_unlock (MUTEX (m)); hb_release (m); }
gboolean g_mutex_trylock (GMutex *m) { return pthread_mutex_trylock (MUTEX (m)) == 0; }

void g_rec_mutex_init (GRecMutex *m) { m->p = NULL; }
void g_rec_mutex_clear (GRecMutex *m) { hb_acquire (m); slot_clear (&m->p, mutex_destroy); }
void g_rec_mutex_lock (GRecMutex *m) { pthread_mutex_lock (REC (m)); }
void g_rec_mutex_unlock (GRecMutex *m) { pthread_mutex_unlock (REC (m)); hb_release (m); }
gboolean g_rec_mutex_trylock (GRecMutex *m) { return pthread_mutex_trylock (REC (m)) == 0; }

void g_rw_lock_init (GRWLock *l) { l->p = NULL; }
void g_rw_lock_clear (GRWLock *l) { hb_acquire (l); slot_clear (&l->p, rw_destroy); }
void g_rw_lock_writer_lock (GRWLock *l) { pthread_rwlock_wrlock (RW (l)); }
gboolean g_rw_lock_writer_trylock (GRWLock *l) { return pthread_rwlock_trywrlock (RW (l)) == 0; }
void g_rw_lock_writer_unlock (GRWLock *l) { pthread_rwlock_unlock (RW (l)); hb_release (l); }
void g_rw_lock_reader_lock (GRWLock *l) { pthread_rwlock_rdlock (RW (l)); }
gboolean g_rw_lock_reader_trylock (GRWLock *l) { return pthread_rwlock_tryrdlock (RW (l)) == 0; }
void g_rw_lock_reader_unlock (GRWLock *l) { pthread_rwlock_unlock (RW (l)); hb_release (l); }

void g_cond_init (GCond *c) { c->p = NULL; }
void g_cond_clear (GCond *c) { hb_acquire (c); slot_clear (&c->p, cond_destroy); }
void g_cond_wait (GCond *c, GMutex *m) { pthread_cond_wait (COND (c), MUTEX (m)); }
void g_cond_signal (GCond *c) { pthread_cond_signal (COND (c)); hb_release (c); }
void g_cond_broadcast (GCond *c) { pthread_cond_broadcast (COND (c)); hb_release (c); }

gboolean
g_cond_wait_until (GCond *c, GMutex *m, gint64 end_time)
{
  struct timespec ts = { end_time / 1000000, (end_time % 1000000) * 1000 };
  return pthread_cond_timedwait (COND (c), MUTEX (m), &ts) != ETIMEDOUT;
}

/* ---- GAsyncQueue: a push happens before the pop that returns it ------------------------- */

void
g_async_queue_push (GAsyncQueue *q, gpointer data)
{
  REAL (g_async_queue_push);
  hb_release (q);
  real_g_async_queue_push (q, data);
}

void
g_async_queue_push_front (GAsyncQueue *q, gpointer data)
{
  REAL (g_async_queue_push_front);
  hb_release (q);
  real_g_async_queue_push_front (q, data);
}

void
g_async_queue_push_unlocked (GAsyncQueue *q, gpointer data)
{
  REAL (g_async_queue_push_unlocked);
  hb_release (q);
  real_g_async_queue_push_unlocked (q, data);
}

gpointer
g_async_queue_pop (GAsyncQueue *q)
{
  REAL (g_async_queue_pop);
  gpointer data = real_g_async_queue_pop (q);
  hb_acquire (q);
  return data;
}

gpointer
g_async_queue_try_pop (GAsyncQueue *q)
{
  REAL (g_async_queue_try_pop);
  gpointer data = real_g_async_queue_try_pop (q);
  if (data)
    hb_acquire (q);
  return data;
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue *q, guint64 timeout)
{
  REAL (g_async_queue_timeout_pop);
  gpointer data = real_g_async_queue_timeout_pop (q, timeout);
  if (data)
    hb_acquire (q);
  return data;
}

gpointer
g_async_queue_pop_unlocked (GAsyncQueue *q)
{
  REAL (g_async_queue_pop_unlocked);
  gpointer data = real_g_async_queue_pop_unlocked (q);
  hb_acquire (q);
  return data;
}

/* ---- callbacks given to a main context: adding happens before the dispatch ---------------- */

typedef struct {
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
} Hop;

static Hop *
hop_new (GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  Hop *h = malloc (sizeof *h);

  h->func = func;
  h->data = data;
  h->notify = notify;
  hb_release (h);
  return h;
}

static gboolean
hop_run (gpointer p)
{
  Hop *h = p;
  gboolean again;

  hb_acquire (h);
  again = h->func (h->data);
  hb_release (h);
  return again;
}

static void
hop_free (gpointer p)
{
  Hop *h = p;

  hb_acquire (h);
  if (h->notify)
    h->notify (h->data);
  free (h);
}

guint
g_idle_add_full (gint priority, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  REAL (g_idle_add_full);
  return real_g_idle_add_full (priority, hop_run, hop_new (func, data, notify), hop_free);
}

guint
g_idle_add (GSourceFunc func, gpointer data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, func, data, NULL);
}

guint
g_timeout_add_full (gint priority, guint interval, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  REAL (g_timeout_add_full);
  return real_g_timeout_add_full (priority, interval, hop_run, hop_new (func, data, notify), hop_free);
}

guint
g_timeout_add (guint interval, GSourceFunc func, gpointer data)
{
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval, func, data, NULL);
}

guint
g_timeout_add_seconds_full (gint priority, guint interval, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  REAL (g_timeout_add_seconds_full);
  return real_g_timeout_add_seconds_full (priority, interval, hop_run, hop_new (func, data, notify), hop_free);
}

guint
g_timeout_add_seconds (guint interval, GSourceFunc func, gpointer data)
{
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval, func, data, NULL);
}

void
g_main_context_invoke_full (GMainContext *context, gint priority, GSourceFunc func, gpointer data,
                            GDestroyNotify notify)
{
  REAL (g_main_context_invoke_full);
  real_g_main_context_invoke_full (context, priority, hop_run, hop_new (func, data, notify), hop_free);
}

void
g_main_context_invoke (GMainContext *context, GSourceFunc func, gpointer data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, func, data, NULL);
}

/* ---- GTask threads: starting the task happens before its thread function ----------------- */

static pthread_mutex_t tasks_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *tasks;   /* GTask* -> GTaskThreadFunc */

static void
task_remember (GTask *task, GTaskThreadFunc func)
{
  pthread_mutex_lock (&tasks_lock);
  if (tasks == NULL)
    tasks = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (tasks, task, (gpointer) func);
  pthread_mutex_unlock (&tasks_lock);
  hb_release (task);
}

static void
task_hop (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GTaskThreadFunc func;

  pthread_mutex_lock (&tasks_lock);
  func = (GTaskThreadFunc) g_hash_table_lookup (tasks, task);
  g_hash_table_remove (tasks, task);
  pthread_mutex_unlock (&tasks_lock);
  hb_acquire (task);
  func (task, source, data, cancellable);
}

void
g_task_run_in_thread (GTask *task, GTaskThreadFunc func)
{
  REAL (g_task_run_in_thread);
  task_remember (task, func);
  real_g_task_run_in_thread (task, task_hop);
}

void
g_task_run_in_thread_sync (GTask *task, GTaskThreadFunc func)
{
  REAL (g_task_run_in_thread_sync);
  task_remember (task, func);
  real_g_task_run_in_thread_sync (task, task_hop);
  hb_acquire (task);
}

/* ---- a GTask's result: returning happens before propagating ------------------------------ */

void
g_task_return_pointer (GTask *task, gpointer result, GDestroyNotify notify)
{
  REAL (g_task_return_pointer);
  hb_release (task);
  real_g_task_return_pointer (task, result, notify);
}

void
g_task_return_boolean (GTask *task, gboolean result)
{
  REAL (g_task_return_boolean);
  hb_release (task);
  real_g_task_return_boolean (task, result);
}

void
g_task_return_int (GTask *task, gssize result)
{
  REAL (g_task_return_int);
  hb_release (task);
  real_g_task_return_int (task, result);
}

void
g_task_return_error (GTask *task, GError *error)
{
  REAL (g_task_return_error);
  hb_release (task);
  real_g_task_return_error (task, error);
}

gpointer
g_task_propagate_pointer (GTask *task, GError **error)
{
  REAL (g_task_propagate_pointer);
  hb_acquire (task);
  return real_g_task_propagate_pointer (task, error);
}

gboolean
g_task_propagate_boolean (GTask *task, GError **error)
{
  REAL (g_task_propagate_boolean);
  hb_acquire (task);
  return real_g_task_propagate_boolean (task, error);
}

gssize
g_task_propagate_int (GTask *task, GError **error)
{
  REAL (g_task_propagate_int);
  hb_acquire (task);
  return real_g_task_propagate_int (task, error);
}

/* ---- GThreadPool: a push happens before the pool's function runs on that item ------------ */

typedef struct {
  GFunc        func;
  gpointer     user_data;
  GThreadPool *pool;
} PoolHop;

static GHashTable *pools;   /* GThreadPool* -> PoolHop*, under tasks_lock */

static void
pool_hop (gpointer item, gpointer data)
{
  PoolHop *h = data;

  hb_acquire (h);
  h->func (item, h->user_data);
}

GThreadPool *
g_thread_pool_new (GFunc func, gpointer user_data, gint max_threads, gboolean exclusive, GError **error)
{
  REAL (g_thread_pool_new);
  PoolHop *h = malloc (sizeof *h);
  GThreadPool *pool;

  h->func = func;
  h->user_data = user_data;
  pool = real_g_thread_pool_new (pool_hop, h, max_threads, exclusive, error);
  if (pool == NULL)
    return (free (h), NULL);
  h->pool = pool;
  pthread_mutex_lock (&tasks_lock);
  if (pools == NULL)
    pools = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (pools, pool, h);
  pthread_mutex_unlock (&tasks_lock);
  return pool;
}

gboolean
g_thread_pool_push (GThreadPool *pool, gpointer item, GError **error)
{
  REAL (g_thread_pool_push);
  PoolHop *h;

  pthread_mutex_lock (&tasks_lock);
  h = pools ? g_hash_table_lookup (pools, pool) : NULL;
  pthread_mutex_unlock (&tasks_lock);
  if (h)
    hb_release (h);
  return real_g_thread_pool_push (pool, item, error);
}

void
g_thread_pool_free (GThreadPool *pool, gboolean immediate, gboolean wait)
{
  REAL (g_thread_pool_free);
  PoolHop *h;

  pthread_mutex_lock (&tasks_lock);
  h = pools ? g_hash_table_lookup (pools, pool) : NULL;
  if (h)
    g_hash_table_remove (pools, pool);
  pthread_mutex_unlock (&tasks_lock);
  real_g_thread_pool_free (pool, immediate, wait);
  if (h)
    {
      if (wait)
        hb_acquire (h);   /* the pool's functions finished before this returns */
      free (h);
    }
}

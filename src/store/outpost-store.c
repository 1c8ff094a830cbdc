/* outpost-store.c: the store object: opening the file, migrations, statement cache,
 * transactions and lock waits. Rows live in outpost-store-records.c, the journal in
 * outpost-store-journal.c, the sync side in outpost-store-sync.c, the layout in outpost-schema.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outpost-store-private.h"

G_DEFINE_FINAL_TYPE (OutpostStore, outpost_store, G_TYPE_OBJECT)

/* A write waiting this long for another connection's lock is reported to the busy func. */
#define BUSY_NOTIFY_USEC (150 * 1000)

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void note_waiting (OutpostStore *self, gboolean waiting);

static void
outpost_store_finalize (GObject *object)
{
  OutpostStore *self = OUTPOST_STORE (object);

  note_waiting (self, FALSE);
  g_clear_pointer (&self->stmts, g_hash_table_unref);  /* finalizes statements first */
  g_clear_pointer (&self->tables, g_hash_table_unref);
  g_clear_pointer (&self->prefix_cache, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_clear_pointer (&self->profile, outpost_profile_unref);
  g_free (self->path);
  G_OBJECT_CLASS (outpost_store_parent_class)->finalize (object);
}

static void
outpost_store_class_init (OutpostStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_store_finalize;
}

static void
outpost_store_init (OutpostStore *self)
{
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       finalize_stmt);
  self->tables = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) outpost_table_free);
  self->prefix_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_ptr_array_unref);
  self->prefix_data_version = -1;
}

gint64
outpost_store_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- SQLite helpers ------------------------------------------------------------------------ */

gboolean
outpost_store_sqlite_error (OutpostStore *self, GError **error, const char *what)
{
  int code = sqlite3_extended_errcode (self->db) & 0xff;
  OutpostStoreError kind = OUTPOST_STORE_ERROR_FAILED;

  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    kind = OUTPOST_STORE_ERROR_CORRUPT;
  else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    kind = OUTPOST_STORE_ERROR_BUSY;
  g_set_error (error, OUTPOST_STORE_ERROR, kind, "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

sqlite3_stmt *
outpost_store_prepare (OutpostStore *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      outpost_store_sqlite_error (self, error, _("Could not prepare a database statement"));
      return NULL;
    }
  g_hash_table_insert (self->stmts, g_strdup (sql), stmt);
  return stmt;
}

gboolean
outpost_store_exec (OutpostStore *self, const char *sql, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return outpost_store_sqlite_error (self, error, _("Database error"));
  return TRUE;
}

gboolean
outpost_store_step_done (OutpostStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      outpost_store_sqlite_error (self, error, _("Could not write to the database"));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* ---- transactions ---------------------------------------------------------------------------- */

gboolean
outpost_store_tx_begin (OutpostStore *self, GError **error)
{
  g_autofree char *sql = NULL;

  /* IMMEDIATE: take the write lock up front, so the wait happens here (with the busy handler)
   * and never as an unrecoverable BUSY_SNAPSHOT halfway through. */
  if (self->tx_depth == 0)
    {
      gboolean ok = outpost_store_exec (self, "BEGIN IMMEDIATE", error);

      if (self->lock_waiting)   /* got the lock (or gave up): no longer in the sync's way */
        note_waiting (self, FALSE);
      if (!ok)
        return FALSE;
    }
  if (self->tx_depth > 0)
    {
      sql = g_strdup_printf ("SAVEPOINT sp%u", self->tx_depth);
      if (!outpost_store_exec (self, sql, error))
        return FALSE;
    }
  self->tx_depth++;
  return TRUE;
}

gboolean
outpost_store_tx_end (OutpostStore *self, gboolean ok, GError **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (self->tx_depth > 0, FALSE);
  self->tx_depth--;
  if (self->tx_depth == 0)
    {
      if (ok && self->broken_depth > 0)
        {
          g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_FAILED,
                       _("A write in this transaction failed halfway; nothing was saved"));
          ok = FALSE;
        }
      self->broken_depth = 0;
      if (ok && outpost_store_exec (self, "COMMIT", error))
        return TRUE;
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  /* a half-done write inside this savepoint is undone by its rollback, or belongs to the
   * enclosing level once the savepoint is released */
  if (self->broken_depth > self->tx_depth)
    self->broken_depth = ok ? self->tx_depth : 0;
  if (!ok)
    {
      sql = g_strdup_printf ("ROLLBACK TO sp%u", self->tx_depth);
      sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      g_free (sql);
    }
  sql = g_strdup_printf ("RELEASE sp%u", self->tx_depth);
  return outpost_store_exec (self, sql, ok ? error : NULL) && ok;
}

gboolean
outpost_store_begin (OutpostStore *self, GError **error)
{
  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  return outpost_store_tx_begin (self, error);
}

gboolean
outpost_store_commit (OutpostStore *self, GError **error)
{
  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  return outpost_store_tx_end (self, TRUE, error);
}

void
outpost_store_rollback (OutpostStore *self)
{
  g_return_if_fail (OUTPOST_IS_STORE (self));
  outpost_store_tx_end (self, FALSE, NULL);
}

/* ---- lock waits ------------------------------------------------------------------------------ */

/* Between two page transactions the sync's writer would take the write lock again at once,
 * and a user's save polling for it (every 2-10 ms) would rarely win: it landed only when the
 * whole sync ended. So connections with a busy func (the user's) count themselves as waiting
 * until their BEGIN gets the lock, and the sync's writer gives way while any is waiting. The
 * count is believed only while its waiters keep polling: a wait that ended elsewhere (a write
 * outside a transaction) cannot hold the sync up. */
#define WAITER_STALE_USEC (50 * 1000)

static GMutex waiting_lock;
static gint   waiting_writers;
static gint64 waiting_polled;   /* monotonic time of a waiting writer's last poll */

static void
note_waiting (OutpostStore *self, gboolean waiting)
{
  g_mutex_lock (&waiting_lock);
  if (waiting != self->lock_waiting)
    waiting_writers += waiting ? 1 : -1;
  self->lock_waiting = waiting;
  if (waiting)
    waiting_polled = g_get_monotonic_time ();
  g_mutex_unlock (&waiting_lock);
}

static gboolean
someone_waiting (void)
{
  gboolean waiting;

  g_mutex_lock (&waiting_lock);
  waiting = waiting_writers > 0 && g_get_monotonic_time () - waiting_polled < WAITER_STALE_USEC;
  g_mutex_unlock (&waiting_lock);
  return waiting;
}

gint64
outpost_store_give_way (guint max_ms)
{
  gint64 start = g_get_monotonic_time ();

  while (someone_waiting () && g_get_monotonic_time () - start < (gint64) max_ms * 1000)
    g_usleep (2000);
  return g_get_monotonic_time () - start;
}

static int
busy_handler (void *data, int count)
{
  OutpostStore *self = data;

  if (self->busy_func != NULL)
    note_waiting (self, TRUE);
  if (count == 0)
    {
      self->busy_started = g_get_monotonic_time ();
      self->busy_notified = FALSE;
    }
  else if (!self->busy_notified &&
           g_get_monotonic_time () - self->busy_started >= BUSY_NOTIFY_USEC)
    {
      self->busy_notified = TRUE;
      if (self->busy_func != NULL)
        self->busy_func (self, self->busy_data);
    }
  sqlite3_sleep (count < 20 ? 2 : 10);
  return 1;  /* keep waiting: a user's save is never dropped */
}

void
outpost_store_set_busy_func (OutpostStore *self, OutpostStoreBusyFunc func, gpointer user_data)
{
  g_return_if_fail (OUTPOST_IS_STORE (self));
  self->busy_func = func;
  self->busy_data = user_data;
}

/* ---- opening --------------------------------------------------------------------------------- */

char *
outpost_store_dir_for_account (const char *account)
{
  g_autofree char *safe = g_uri_escape_string (account, NULL, FALSE);
  char *dir = g_build_filename (g_get_user_data_dir (), "outpost", safe, NULL);

  /* '/' and '..' cannot escape: the escaped name has no '/' and "." / ".." are refused */
  if (g_str_equal (safe, ".") || g_str_equal (safe, ".."))
    {
      g_free (dir);
      dir = g_build_filename (g_get_user_data_dir (), "outpost", "_", NULL);
    }
  g_mkdir_with_parents (dir, 0700);
  g_chmod (dir, 0700);
  return dir;
}

/* Creates the folder (0700) and the empty file (0600) before SQLite sees it, so no moment
 * exists where the database is readable by others.
 *
 * An existing file is never opened here: POSIX advisory locks belong to the process, and
 * close() of ANY descriptor of the file drops every lock this process holds on it, including
 * the SHARED lock that each of our open WAL-mode connections keeps on the database. Without
 * it, another program's connection that closes (the CLI, a test, the UI while the sync runs
 * in another process) gets the EXCLUSIVE lock, believes it is the last user, checkpoints and
 * deletes the -wal and -shm files under our live connection: our later commits go to an
 * unlinked WAL (lost, or written back over newer pages on our close), and the next reader
 * gets SQLITE_IOERR "disk I/O error", SQLITE_CORRUPT "database disk image is malformed" or
 * SQLITE_NOTADB. A second store on an open file (the sync engine's log and job connections)
 * did exactly that. O_EXCL creates only a file nobody has open; the mutex keeps another
 * thread's open from taking locks on the new file before our close(). */
static gboolean
prepare_file (const char *path, GError **error)
{
  static GMutex lock;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        goto fail;
      g_chmod (dir, 0700);
    }
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  if (fd >= 0 || errno == EEXIST)
    return TRUE;

fail:
  {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 _("Could not create the database %s: %s"), path, g_strerror (saved));
    return FALSE;
  }
}

static gint
user_version (OutpostStore *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  sqlite3_stmt *stmt = outpost_store_prepare (self, "PRAGMA user_version", &local);
  gint v;

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        outpost_store_sqlite_error (self, error, _("Could not read the database"));
      return -1;
    }
  v = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return v;
}

static gboolean
corrupt (GError **error, const char *path, GError *cause)
{
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_CORRUPT,
               _("%s is not a usable Outpost database (%s). It was left untouched."), path,
               cause ? cause->message : "?");
  return FALSE;
}

static gboolean
check_and_migrate (OutpostStore *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  gint version = user_version (self, &local);

  if (version < 0)
    return local->code == OUTPOST_STORE_ERROR_CORRUPT
      ? corrupt (error, self->path, local)
      : (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
  if (version > OUTPOST_SCHEMA_VERSION)
    {
      g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_TOO_NEW,
                   _("%s was written by a newer version of Outpost (format %d, this version "
                     "reads up to %d)."), self->path, version, OUTPOST_SCHEMA_VERSION);
      return FALSE;
    }
  if (!outpost_store_exec (self, "PRAGMA journal_mode=WAL", &local))
    return local->code == OUTPOST_STORE_ERROR_CORRUPT
      ? corrupt (error, self->path, local)
      : (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
  return outpost_schema_migrate_core (self->db, OUTPOST_SCHEMA_VERSION, error);
}

static gboolean
store_meta (OutpostStore *self, GError **error)
{
  g_autofree char *json = outpost_profile_to_json (self->profile);
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "INSERT OR REPLACE INTO outpost_meta (key, value) VALUES ('profile', ?1)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
open_db (OutpostStore *self, GError **error)
{
  if (sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       NULL) != SQLITE_OK)
    return outpost_store_sqlite_error (self, error, _("Could not open the database"));
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_handler (self->db, busy_handler, self);
  if (!check_and_migrate (self, error) ||
      !outpost_store_exec (self, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; "
                           "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                           " PRAGMA mmap_size=268435456", error))
    return FALSE;
  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  return outpost_store_tx_end (self, outpost_schema_sync_entities (self, error) &&
                                     store_meta (self, error), error);
}

OutpostStore *
outpost_store_open (const char *path, OutpostProfile *profile, GError **error)
{
  g_autoptr(OutpostStore) self = NULL;

  g_return_val_if_fail (path != NULL && profile != NULL, NULL);
  if (!prepare_file (path, error))
    return NULL;
  self = g_object_new (OUTPOST_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->profile = outpost_profile_ref (profile);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (profile, i);
      g_hash_table_insert (self->tables, e->logical_name, outpost_table_new (e));
    }
  if (!open_db (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

OutpostProfile *
outpost_store_get_profile (OutpostStore *self)
{
  g_return_val_if_fail (OUTPOST_IS_STORE (self), NULL);
  return self->profile;
}

const char *
outpost_store_get_path (OutpostStore *self)
{
  g_return_val_if_fail (OUTPOST_IS_STORE (self), NULL);
  return self->path;
}

OutpostTable *
outpost_store_table (OutpostStore *self, const char *entity, GError **error)
{
  OutpostTable *table = entity ? g_hash_table_lookup (self->tables, entity) : NULL;

  if (table == NULL)
    g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
                 _("Unknown entity '%s'"), entity ? entity : "(null)");
  return table;
}

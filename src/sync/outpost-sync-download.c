/* outpost-sync-download.c: the download phase.
 *
 * Up to N downloader threads (each with its own HTTP connection) take entities from a queue,
 * fetch and parse their pages and hand them to ONE writer: the sync worker thread, which owns
 * the store connection and commits each page in its own short transaction together with the
 * table's checkpoint. A bounded hand-over queue keeps memory flat (a page is parsed while the
 * previous one is written, never the whole table at once).
 *
 * Per table:
 * - full: paged; change tracking requested when the table has it and no filter; the last page
 *   is committed with the sweep of rows not seen (never rows with local changes) and the new
 *   delta link, so a killed full sync resumes at its checkpoint with the same generation.
 *   Filtered tracked tables first read a delta link with an ids-only tracked query ($filter is
 *   rejected with change tracking), then download the filtered rows.
 * - delta (tracked): the stored delta link; $deletedEntity rows remove rows; for a filtered
 *   table the changed ids are checked against the filter and rows that left it are removed
 *   (unless they have local changes). An expired token turns into a full sync of that table.
 * - reconcile (no tracking): ids and modifiedon of the rows in the filter (one request per
 *   5000 rows); changed rows fetched with modifiedon gt LastSync; local rows the server no
 *   longer lists are removed unless they have local changes. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "outpost-sync-private.h"

#define MEMBERSHIP_CHUNK 50

typedef struct {
  OutpostEntity     *entity;
  OutpostTableState *state;        /* snapshot taken when the run planned the table */
  gboolean           full;
  gboolean           resume;       /* continue the full sync at state->checkpoint */
  gboolean           tracked;
  gboolean           filtered;
  gint64             generation;
  char              *max_modified; /* downloader: newest modifiedon seen */
  gint64             done;         /* writer: rows processed */
  gint64             total;        /* writer: rows of a full sync (@odata.count), -1 unknown */
  gboolean           bulk_checked; /* writer: begin_bulk was called for this full sync */
} EntityTask;

typedef enum {
  MSG_BEGIN_FULL,   /* a new full sync: persist its generation before any page */
  MSG_DELTA_LINK,   /* filtered tracked full: the delta link read before the rows */
  MSG_FULL_PAGE,    /* a page of a full sync; link = its nextLink (the new checkpoint) */
  MSG_CHANGES,      /* delta or modified rows */
  MSG_RECONCILE,    /* ids the server has (in the filter) */
  MSG_INCR_DONE,    /* link = new delta link (tracked), last = new LastSync */
  MSG_END,          /* the downloader is done with this table (error = why it failed) */
} MsgKind;

typedef struct {
  MsgKind      kind;
  EntityTask  *task;
  OutpostPage *page;
  char        *link;
  char        *last;
  GHashTable  *ids;
  GError      *error;
} Msg;

typedef struct {
  OutpostSyncJob *job;
  GAsyncQueue    *tasks;
  GAsyncQueue    *msgs;
  GMutex          lock;
  GCond           cond;
  guint           queued;
  guint           max_queued;
  gboolean        abort;
  gint64          write_us;     /* writer busy time (for the debug log) */
  gint64          fetch_us;     /* downloaders: request + parse time */
  gint64          gave_way_us;  /* writer: waited for the user's saves */
  GThread        *reaper;       /* frees written pages (see reaper_thread) */
  GAsyncQueue    *reap;         /* Msg* written, to free; the Download itself ends the reaper */
  guint           reaping;      /* messages handed to the reaper and not yet freed */
} Download;

static void
msg_free (Msg *msg)
{
  g_clear_pointer (&msg->page, outpost_page_free);
  g_free (msg->link);
  g_free (msg->last);
  g_clear_pointer (&msg->ids, g_hash_table_unref);
  g_clear_error (&msg->error);
  g_free (msg);
}

static void
task_free (EntityTask *task)
{
  outpost_table_state_free (task->state);
  g_free (task->max_modified);
  g_free (task);
}

char *
outpost_sync_now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* ---- downloader side ---------------------------------------------------------------------- */

/* Hands a message to the writer; blocks while the writer is behind. FALSE: stop. */
static gboolean
post (Download *d, Msg *msg)
{
  gboolean ok;

  g_mutex_lock (&d->lock);
  while (d->queued >= d->max_queued && !d->abort && msg->kind != MSG_END)
    g_cond_wait (&d->cond, &d->lock);
  ok = !d->abort || msg->kind == MSG_END;
  if (ok)
    d->queued++;
  g_mutex_unlock (&d->lock);
  if (ok)
    g_async_queue_push (d->msgs, msg);
  else
    msg_free (msg);
  return ok;
}

static gboolean
post_simple (Download *d, EntityTask *task, MsgKind kind, const char *link, const char *last)
{
  Msg *msg = g_new0 (Msg, 1);

  msg->kind = kind;
  msg->task = task;
  msg->link = g_strdup (link);
  msg->last = g_strdup (last);
  return post (d, msg);
}

static void
note_modified (EntityTask *task, OutpostPage *page)
{
  for (guint i = 0; i < page->rows->len; i++)
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, i);
      const char *m = row->values ? json_object_get_string_member_with_default (row->values, "modifiedon", NULL) : NULL;

      if (m != NULL && (task->max_modified == NULL || strcmp (m, task->max_modified) > 0))
        {
          g_free (task->max_modified);
          task->max_modified = g_strdup (m);
        }
    }
}

static OutpostPage *
fetch (Download *d, EntityTask *task, const OutpostDownloadRequest *req, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  OutpostPage *page = outpost_connector_download_page (d->job->connector, task->entity, req,
                                                       d->job->cancellable, error);
  if (page != NULL)
    {
      gint64 us = g_get_monotonic_time () - t0;

      g_mutex_lock (&d->job->lock);   /* several downloaders add up their time */
      d->fetch_us += us;
      d->job->result->bytes += page->bytes;
      g_mutex_unlock (&d->job->lock);
    }
  return page;
}

/* Filtered tracked tables: a delta link from an ids-only tracked read of the whole table. */
static char *
read_delta_link (Download *d, EntityTask *task, GError **error)
{
  g_autofree char *link = NULL;

  for (;;)
    {
      OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_IDS, link, TRUE, FALSE, NULL, NULL,
                                     d->job->options.page_size };
      g_autoptr(OutpostPage) page = fetch (d, task, &req, error);

      if (page == NULL)
        return NULL;
      if (page->next_link == NULL)
        {
          if (page->delta_link == NULL)
            g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                         _("The server sent no delta link for %s"), task->entity->logical_name);
          return g_steal_pointer (&page->delta_link);
        }
      g_free (link);
      link = g_steal_pointer (&page->next_link);
    }
}

static gboolean
download_full (Download *d, EntityTask *task, GError **error)
{
  g_autofree char *link = task->resume ? g_strdup (task->state->checkpoint) : NULL;

  if (!task->resume && !post_simple (d, task, MSG_BEGIN_FULL, NULL, NULL))
    return TRUE;
  if (task->tracked && task->filtered && !(task->resume && task->state->delta_link != NULL))
    {
      g_autofree char *delta = read_delta_link (d, task, error);
      if (delta == NULL || !post_simple (d, task, MSG_DELTA_LINK, delta, NULL))
        return delta != NULL;
    }
  for (;;)
    {
      OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, link, task->tracked && !task->filtered,
                                     task->filtered, NULL, NULL, d->job->options.page_size,
                                     link == NULL /* the count, for "1,200 of 24,000" */ };
      OutpostPage *page = fetch (d, task, &req, error);
      Msg *msg;

      if (page == NULL)
        return FALSE;
      note_modified (task, page);
      g_free (link);
      link = g_strdup (page->next_link);
      msg = g_new0 (Msg, 1);
      msg->kind = MSG_FULL_PAGE;
      msg->task = task;
      msg->page = page;
      msg->link = g_strdup (link);
      msg->last = g_strdup (task->max_modified);
      if (!post (d, msg) || link == NULL)
        return TRUE;
    }
}

/* Filtered tracked tables keep an ids-only delta link (their full sync reads it without
 * rows). The ids that changed are fetched again WITH the filter, by id: rows that come back
 * are the new versions, rows that do not have left the filter (or were deleted) and become
 * removals, which keep rows with local changes. */
static gboolean
fetch_changed_in_filter (Download *d, EntityTask *task, OutpostPage *page, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_server_row_free);
  guint i = 0;

  while (i < page->rows->len)
    {
      g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
      g_autoptr(GHashTable) fresh = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(OutpostPage) answer = NULL;
      guint first = i;

      for (; i < page->rows->len && chunk->len < MEMBERSHIP_CHUNK; i++)
        if (!((OutpostServerRow *) g_ptr_array_index (page->rows, i))->deleted)
          g_ptr_array_add (chunk, ((OutpostServerRow *) g_ptr_array_index (page->rows, i))->id);
      g_ptr_array_add (chunk, NULL);
      if (chunk->len > 1)
        {
          OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, TRUE, NULL,
                                         (const char * const *) chunk->pdata, 0 };
          if ((answer = fetch (d, task, &req, error)) == NULL)
            return FALSE;
          for (guint j = 0; j < answer->rows->len; j++)
            {
              OutpostServerRow *row = g_ptr_array_index (answer->rows, j);
              g_hash_table_insert (fresh, row->id, row);
            }
        }
      for (guint j = first; j < i; j++)
        {
          OutpostServerRow *row = g_ptr_array_index (page->rows, j);
          OutpostServerRow *now = row->deleted ? NULL : g_hash_table_lookup (fresh, row->id);
          OutpostServerRow *out = g_new0 (OutpostServerRow, 1);

          out->id = g_strdup (row->id);
          out->deleted = now == NULL;
          if (now != NULL)
            {
              out->etag = g_strdup (now->etag);
              out->values = json_object_ref (now->values);
            }
          g_ptr_array_add (rows, out);
        }
    }
  g_ptr_array_unref (page->rows);
  page->rows = g_steal_pointer (&rows);
  return TRUE;
}

static gboolean
download_delta (Download *d, EntityTask *task, GError **error)
{
  g_autofree char *link = g_strdup (task->state->delta_link);
  g_autofree char *now = outpost_sync_now_iso ();
  gboolean more = TRUE;

  while (more)
    {
      OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_DELTA, link, TRUE, FALSE, NULL, NULL,
                                     d->job->options.page_size };
      g_autoptr(GError) local = NULL;
      OutpostPage *page = fetch (d, task, &req, &local);
      Msg *msg;

      if (page == NULL && g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_EXPIRED_TOKEN))
        {
          /* "Please perform a full sync": of this table alone; local changes are kept */
          task->full = TRUE;
          task->resume = FALSE;
          task->generation = task->state->generation + 1;
          return download_full (d, task, error);
        }
      if (page == NULL)
        return (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
      if (task->filtered && !fetch_changed_in_filter (d, task, page, error))
        return (outpost_page_free (page), FALSE);
      more = page->next_link != NULL;
      /* an empty answer means "no changes": the old delta link stays valid */
      if (more || page->delta_link != NULL)
        {
          g_free (link);
          link = g_strdup (more ? page->next_link : page->delta_link);
        }
      msg = g_new0 (Msg, 1);
      msg->kind = MSG_CHANGES;
      msg->task = task;
      msg->page = page;
      if (!post (d, msg))
        return TRUE;
    }
  post_simple (d, task, MSG_INCR_DONE, link, now);
  return TRUE;
}

/* Tables without change tracking: ids (+ modifiedon) of the rows in the filter. */
static gboolean
download_reconcile (Download *d, EntityTask *task, GError **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *link = NULL;
  const char *since = task->state->last_sync;
  gboolean has_modified = outpost_entity_lookup_field (task->entity, "modifiedon") != NULL;
  gboolean changed = !has_modified || since == NULL;
  Msg *msg;

  do
    {
      OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_IDS, link, FALSE, TRUE, NULL, NULL,
                                     d->job->options.page_size };
      g_autoptr(OutpostPage) page = fetch (d, task, &req, error);

      if (page == NULL)
        return FALSE;
      note_modified (task, page);
      for (guint i = 0; i < page->rows->len; i++)
        {
          OutpostServerRow *row = g_ptr_array_index (page->rows, i);
          const char *m = row->values ? json_object_get_string_member_with_default (row->values, "modifiedon", NULL) : NULL;

          g_hash_table_add (ids, g_strdup (row->id));
          if (m != NULL && since != NULL && strcmp (m, since) > 0)
            changed = TRUE;
        }
      g_free (link);
      link = g_strdup (page->next_link);
    }
  while (link != NULL);

  while (changed)   /* one pass over the changed rows, paged */
    {
      OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, link, FALSE, TRUE,
                                     has_modified ? since : NULL, NULL, d->job->options.page_size };
      OutpostPage *page = fetch (d, task, &req, error);

      if (page == NULL)
        return FALSE;
      g_free (link);
      link = g_strdup (page->next_link);
      msg = g_new0 (Msg, 1);
      msg->kind = MSG_CHANGES;
      msg->task = task;
      msg->page = page;
      if (!post (d, msg))
        return TRUE;
      changed = link != NULL;
    }
  msg = g_new0 (Msg, 1);
  msg->kind = MSG_RECONCILE;
  msg->task = task;
  msg->ids = g_steal_pointer (&ids);
  if (!post (d, msg))
    return TRUE;
  post_simple (d, task, MSG_INCR_DONE, NULL, task->max_modified ? task->max_modified : since);
  return TRUE;
}

static gpointer
downloader_thread (gpointer data)
{
  Download *d = data;
  EntityTask *task;

  while ((task = g_async_queue_try_pop (d->tasks)) != NULL)
    {
      g_autoptr(GError) error = NULL;
      Msg *end = g_new0 (Msg, 1);
      gboolean ok;

      if (task->full)
        ok = download_full (d, task, &error);
      else if (task->tracked)
        ok = download_delta (d, task, &error);
      else
        ok = download_reconcile (d, task, &error);
      end->kind = MSG_END;
      end->task = task;
      if (!ok)
        end->error = g_steal_pointer (&error);
      post (d, end);
    }
  return NULL;
}

/* ---- writer side (the sync worker thread) ------------------------------------------------- */

typedef struct {
  char       *id;
  JsonObject *values;
  char       *etag;
} Pending;

static void
pending_free (Pending *p)
{
  g_free (p->id);
  g_clear_pointer (&p->values, json_object_unref);
  g_free (p->etag);
  g_free (p);
}

/* Applies the rows of a page; rows with local changes are collected for the merge. */
static gboolean
apply_rows (Download *d, EntityTask *task, OutpostPage *page, GPtrArray *pending, GError **error)
{
  OutpostSyncEntityResult *r = outpost_sync_job_entity_result (d->job, task->entity->logical_name);
  gint64 generation = task->full ? task->generation : task->state->generation;

  for (guint i = 0; i < page->rows->len; i++)
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, i);
      g_autoptr(GError) local = NULL;

      if (row->deleted)
        {
          if (outpost_store_remove_server_row (d->job->store, task->entity->logical_name, row->id, &local))
            r->removed++;
          else if (local == NULL)
            r->kept++;
          else if (!g_error_matches (local, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND))
            return (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
          continue;
        }
      switch (outpost_store_apply_server_row (d->job->store, task->entity->logical_name, row->id,
                                              row->values, row->etag, generation, &local))
        {
        case OUTPOST_APPLY_WRITTEN:
          r->downloaded++;
          break;
        case OUTPOST_APPLY_UNCHANGED:
          break;
        case OUTPOST_APPLY_LOCAL_CHANGES:
          {
            Pending *p = g_new0 (Pending, 1);
            p->id = g_strdup (row->id);
            p->values = json_object_ref (row->values);
            p->etag = g_strdup (row->etag);
            g_ptr_array_add (pending, p);
          }
          break;
        }
      if (local != NULL)
        return (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
    }
  task->done += page->rows->len;
  return TRUE;
}

/* CPU time of the calling thread (the writer), for the debug log. */
static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return -1;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A parsed page is tens of MB of small blocks, allocated on a parser thread and freed here:
 * glibc keeps such freed memory in its per-thread arenas, so after a few pages the process
 * holds (and the RSS shows) several pages' worth it never uses again, and the store's index
 * build at the end of a bulk load comes on top. Giving it back costs a few ms per page. */
static void
release_freed_memory (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

static void
state_reset_for_full (OutpostTableState *state, gint64 generation)
{
  state->full_sync_owed = TRUE;
  state->generation = generation;
  g_clear_pointer (&state->checkpoint, g_free);
  g_clear_pointer (&state->delta_link, g_free);
}

/* The last page of a full sync: rows, sweep and the new table state in one transaction. */
static gboolean
finish_full (Download *d, EntityTask *task, Msg *msg, GError **error)
{
  OutpostTableState *state = task->state;
  gint64 swept, t0 = g_get_monotonic_time ();
  double cpu0 = thread_cpu_seconds ();

  /* a bulk load (if one is pending) becomes visible in this page's transaction, before the
   * sweep: the staged rows carry this generation, the rows they replace do not. The pages
   * written before are freed first: the index build's memory comes on top of what is held. */
  g_mutex_lock (&d->lock);
  while (d->reaping > 0)
    g_cond_wait (&d->cond, &d->lock);
  g_mutex_unlock (&d->lock);
  release_freed_memory ();
  if (!outpost_store_end_bulk (d->job->store, task->entity->logical_name, error))
    return FALSE;
  g_debug ("%s: end of the bulk load (if any) %.3f s (CPU %.3f s)", task->entity->logical_name,
           (g_get_monotonic_time () - t0) / 1e6, thread_cpu_seconds () - cpu0);
  swept = outpost_store_sweep (d->job->store, task->entity->logical_name, task->generation, error);
  if (swept < 0)
    return FALSE;
  outpost_sync_job_entity_result (d->job, task->entity->logical_name)->removed += swept;
  state->full_sync_owed = FALSE;
  g_clear_pointer (&state->checkpoint, g_free);
  if (task->tracked && !task->filtered)
    {
      g_free (state->delta_link);
      state->delta_link = g_strdup (msg->page->delta_link);
    }
  g_free (state->last_sync);
  state->last_sync = msg->last ? g_strdup (msg->last) : outpost_sync_now_iso ();
  state->profile_version = outpost_profile_get_version (d->job->profile);
  return TRUE;
}

static gboolean
reconcile (Download *d, EntityTask *task, GHashTable *server_ids, GError **error)
{
  OutpostSyncEntityResult *r = outpost_sync_job_entity_result (d->job, task->entity->logical_name);
  g_autoptr(GPtrArray) local = outpost_sync_list_ids (d->job->store, task->entity, error);

  if (local == NULL)
    return FALSE;
  for (guint i = 0; i < local->len; i++)
    {
      const char *id = g_ptr_array_index (local, i);
      g_autoptr(GError) e = NULL;

      if (g_hash_table_contains (server_ids, id))
        continue;
      if (outpost_store_remove_server_row (d->job->store, task->entity->logical_name, id, &e))
        r->removed++;
      else if (e != NULL)
        return (g_propagate_error (error, g_steal_pointer (&e)), FALSE);
    }
  return TRUE;
}

static gboolean
write_msg (Download *d, Msg *msg, GPtrArray *pending, GError **error)
{
  EntityTask *task = msg->task;
  OutpostTableState *state = task->state;

  switch (msg->kind)
    {
    case MSG_BEGIN_FULL:
      state_reset_for_full (state, task->generation);
      break;
    case MSG_DELTA_LINK:
      g_free (state->delta_link);
      state->delta_link = g_strdup (msg->link);
      break;
    case MSG_FULL_PAGE:
      if (!apply_rows (d, task, msg->page, pending, error))
        return FALSE;
      if (msg->link == NULL)
        {
          if (!finish_full (d, task, msg, error))
            return FALSE;
        }
      else
        {
          g_free (state->checkpoint);
          state->checkpoint = g_strdup (msg->link);
        }
      break;
    case MSG_CHANGES:
      return apply_rows (d, task, msg->page, pending, error);
    case MSG_RECONCILE:
      return reconcile (d, task, msg->ids, error);
    case MSG_INCR_DONE:
      if (task->tracked && msg->link != NULL)
        {
          g_free (state->delta_link);
          state->delta_link = g_strdup (msg->link);
        }
      g_free (state->last_sync);
      state->last_sync = msg->last ? g_strdup (msg->last) : outpost_sync_now_iso ();
      break;
    case MSG_END:
      return TRUE;
    }
  return outpost_store_set_table_state (d->job->store, state, error);
}

/* A full sync into a table without synced rows (or resuming one that was) loads through the
 * store's staging table: pages commit without the sort and full-text indexes, which are built
 * once at the end. Outside the page transaction, before the first page this run writes. A
 * full sync that starts over drops rows a pending load staged for an older generation. */
static gboolean
maybe_begin_bulk (Download *d, Msg *msg, GError **error)
{
  EntityTask *task = msg->task;
  const char *name = task->entity->logical_name;
  gboolean active = FALSE;

  if (task->bulk_checked || (msg->kind != MSG_BEGIN_FULL && msg->kind != MSG_FULL_PAGE))
    return TRUE;
  task->bulk_checked = TRUE;
  if (msg->kind == MSG_BEGIN_FULL && !outpost_store_cancel_bulk (d->job->store, name, error))
    return FALSE;
  if (!outpost_store_begin_bulk (d->job->store, name, &active, error))
    return FALSE;
  g_debug ("%s: full sync %s", name, active ? "through a bulk load" : "row by row");
  return TRUE;
}

/* Fault injection for tests, like outpost-server's latency faults on the other side: a slow
 * disk. OUTPOST_TEST_SLOW_PAGE_WRITE_MS keeps each page's transaction open that much longer,
 * so a test can make a user's save meet the sync's write lock every time (the window's write
 * notice, issue 5) instead of only when the machine happens to be slow. Unset: no delay. */
static void
simulate_slow_disk (void)
{
  static gsize delay_us_init = 0;
  static gulong delay_us = 0;

  if (g_once_init_enter (&delay_us_init))
    {
      const char *ms = g_getenv ("OUTPOST_TEST_SLOW_PAGE_WRITE_MS");

      delay_us = ms != NULL ? (gulong) MIN (g_ascii_strtoull (ms, NULL, 10), 10000) * 1000 : 0;
      g_once_init_leave (&delay_us_init, 1);
    }
  if (delay_us > 0)
    g_usleep (delay_us);
}

/* One message, one transaction; then the merges of rows that had local changes. */
static gboolean
handle_msg (Download *d, Msg *msg, GError **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  const char *name = msg->task->entity->logical_name;

  if (msg->kind == MSG_END)
    return TRUE;
  /* a user's save waiting for the lock goes first: it lands after this page at most,
   * not when the whole sync ends (outpost_store_give_way) */
  d->gave_way_us += outpost_store_give_way (1000);
  gint64 t0 = g_get_monotonic_time ();

  if (!maybe_begin_bulk (d, msg, error) || !outpost_store_begin (d->job->store, error))
    return FALSE;
  if (!write_msg (d, msg, pending, error))
    {
      outpost_store_rollback (d->job->store);
      return FALSE;
    }
  simulate_slow_disk ();
  if (!outpost_store_commit (d->job->store, error))
    {
      outpost_store_rollback (d->job->store);
      return FALSE;
    }
  d->write_us += g_get_monotonic_time () - t0;
  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = g_ptr_array_index (pending, i);
      if (!outpost_sync_merge_row (d->job, msg->task->entity, p->id, p->values, p->etag, error))
        return FALSE;
    }
  if (msg->kind == MSG_FULL_PAGE && msg->page->count >= 0)
    msg->task->total = msg->page->count;
  if (msg->page != NULL)
    outpost_sync_job_progress (d->job, OUTPOST_SYNC_PHASE_DOWNLOAD, name, msg->task->done,
                               msg->kind == MSG_FULL_PAGE ? msg->task->total : -1);
  return TRUE;
}

/* ---- planning and the writer loop --------------------------------------------------------- */

static EntityTask *
plan_entity (OutpostSyncJob *job, OutpostEntity *entity, GError **error)
{
  g_autoptr(OutpostTableState) state = outpost_store_get_table_state (job->store, entity->logical_name, error);
  EntityTask *task;
  gboolean force;

  if (state == NULL)
    return NULL;
  task = g_new0 (EntityTask, 1);
  task->entity = entity;
  task->total = -1;
  task->tracked = outpost_connector_has_change_tracking (job->connector, entity);
  task->filtered = entity->filter != NULL && *entity->filter != '\0';
  force = job->options.kind == OUTPOST_SYNC_FULL || job->options.kind == OUTPOST_SYNC_ENTITIES ||
          entity->always_full_sync;
  if (state->checkpoint != NULL)
    {
      task->full = task->resume = TRUE;   /* an interrupted full sync continues where it stopped */
      task->generation = state->generation;
    }
  else if (force || state->full_sync_owed || state->last_sync == NULL ||
           outpost_sync_published_owes_full (job, entity, state->profile_version) ||
           (task->tracked && state->delta_link == NULL))
    {
      task->full = TRUE;
      task->generation = state->generation + 1;
    }
  task->state = g_steal_pointer (&state);
  return task;
}

static void
note_end (Download *d, Msg *msg, GError **first_error)
{
  EntityTask *task = msg->task;
  OutpostSyncEntityResult *r = outpost_sync_job_entity_result (d->job, task->entity->logical_name);

  r->full = task->full;
  if (r->downloaded > 0 || r->removed > 0)
    outpost_sync_job_records_changed (d->job, task->entity->logical_name);
  if (msg->error != NULL && *first_error == NULL)
    {
      *first_error = g_error_copy (msg->error);
      if (!g_error_matches (msg->error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED))
        g_prefix_error (first_error, "%s: ", task->entity->display_plural ? task->entity->display_plural
                                                                          : task->entity->logical_name);
    }
}

/* Freeing a written page (tens of thousands of json-glib nodes) and handing the memory back
 * to the system cost the single writer about a fifth of its time: a second thread does it
 * while the writer goes on with the next page. At most two pages wait for it, so memory stays
 * bounded as before. */
#define MAX_REAPING 2
/* malloc_trim consolidates every arena under its lock, the parser's included: every few pages
 * is enough (100k rows: 3 s less wall on a loaded machine, same CPU, RSS within 5 MB) */
#define TRIM_EVERY 4

static gpointer
reaper_thread (gpointer data)
{
  Download *d = data;
  Msg *msg;
  guint pages = 0;

  while ((msg = g_async_queue_pop (d->reap)) != (Msg *) d)
    {
      gboolean page = msg->kind == MSG_FULL_PAGE || msg->kind == MSG_CHANGES;

      msg_free (msg);
      if (page && ++pages % TRIM_EVERY == 0)
        release_freed_memory ();
      g_mutex_lock (&d->lock);
      d->reaping--;
      g_cond_broadcast (&d->cond);
      g_mutex_unlock (&d->lock);
    }
  return NULL;
}

static void
reap (Download *d, Msg *msg)
{
  g_mutex_lock (&d->lock);
  while (d->reaping >= MAX_REAPING)
    g_cond_wait (&d->cond, &d->lock);
  d->reaping++;
  g_mutex_unlock (&d->lock);
  g_async_queue_push (d->reap, msg);
}

static void
reaper_stop (Download *d)
{
  g_async_queue_push (d->reap, d);   /* the end marker */
  g_thread_join (d->reaper);
  g_async_queue_unref (d->reap);
}

static void
writer_loop (Download *d, guint n_tasks, GError **first_error)
{
  guint ends = 0;

  while (ends < n_tasks)
    {
      Msg *msg = g_async_queue_pop (d->msgs);
      g_autoptr(GError) error = NULL;

      g_mutex_lock (&d->lock);
      d->queued--;
      if (g_cancellable_is_cancelled (d->job->cancellable))
        d->abort = TRUE;   /* nothing more is written; what is committed is consistent */
      g_cond_broadcast (&d->cond);
      g_mutex_unlock (&d->lock);
      if (msg->kind == MSG_END)
        {
          ends++;
          note_end (d, msg, first_error);
        }
      else if (!d->abort && !handle_msg (d, msg, &error))
        {
          g_mutex_lock (&d->lock);
          d->abort = TRUE;
          g_cond_broadcast (&d->cond);
          g_mutex_unlock (&d->lock);
          if (*first_error == NULL)
            *first_error = g_steal_pointer (&error);
        }
      reap (d, msg);
    }
}

gboolean
outpost_sync_download (OutpostSyncJob *job, GPtrArray *entities, GError **error)
{
  Download d = { job };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) task_free);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autoptr(GError) first_error = NULL;
  guint n_threads;

  for (guint i = 0; i < entities->len; i++)
    {
      EntityTask *task = plan_entity (job, g_ptr_array_index (entities, i), error);
      if (task == NULL)
        return FALSE;
      g_ptr_array_add (tasks, task);
    }
  d.tasks = g_async_queue_new ();
  d.msgs = g_async_queue_new ();
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  n_threads = MIN (job->options.max_connections, tasks->len);
  /* a parsed page is ~8x its JSON: keep few in hand (the connector reads the next page ahead) */
  d.max_queued = n_threads;
  d.reap = g_async_queue_new ();
  d.reaper = g_thread_new ("outpost-reaper", reaper_thread, &d);
  for (guint i = 0; i < tasks->len; i++)
    g_async_queue_push (d.tasks, g_ptr_array_index (tasks, i));
  outpost_sync_job_progress (job, OUTPOST_SYNC_PHASE_DOWNLOAD, NULL, 0, -1);
  for (guint i = 0; i < n_threads; i++)
    g_ptr_array_add (threads, g_thread_new ("outpost-download", downloader_thread, &d));
  writer_loop (&d, tasks->len, &first_error);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  reaper_stop (&d);
  g_debug ("download: writer busy %.3f s (thread CPU %.3f s), gave way to saves %.3f s, "
           "downloaders busy %.3f s", d.write_us / 1e6, thread_cpu_seconds (),
           d.gave_way_us / 1e6, d.fetch_us / 1e6);
  g_async_queue_unref (d.tasks);
  g_async_queue_unref (d.msgs);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);

  for (guint i = 0; i < job->result->entities->len; i++)
    {
      OutpostSyncEntityResult *r = g_ptr_array_index (job->result->entities, i);
      job->result->downloaded += r->downloaded;
      job->result->removed += r->removed;
    }
  if (first_error == NULL && g_cancellable_is_cancelled (job->cancellable))
    g_set_error_literal (&first_error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED,
                         _("Synchronization was cancelled"));
  if (first_error != NULL)
    return (g_propagate_error (error, g_steal_pointer (&first_error)), FALSE);
  return TRUE;
}

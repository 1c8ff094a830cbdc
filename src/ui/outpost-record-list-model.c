/* outpost-record-list-model.c: keyset-paged list of records. */
#include "config.h"

#include "outpost-record-list-model.h"
#include "outpost-row-item.h"
#include "outpost-store-jobs.h"

#include <string.h>

#define MAX_CACHED_PAGES 64
/* Checkpoints per background job: the scan reads keys only (outpost_store_query_keys, ~0.1 ms
 * a stride on 1M rows), so a job stays short (a few ms) and visible pages interleave. */
#define SCAN_CHUNK_STRIDES 32
/* A search counts its matches only up to this many (the store's full count of a common word
 * costs ~90 ms per word at 1M rows); beyond it the list grows while the user scrolls. */
#define SEARCH_COUNT_CAP 1000

typedef struct {
  JsonNode *value;   /* sort value of the row at the key's position */
  char     *id;
} Cursor;

typedef struct {
  guint      index;
  GPtrArray *items;       /* OutpostRowItem*, PAGE_SIZE slots, NULL until handed out */
  GPtrArray *records;     /* OutpostRecord*, PAGE_SIZE slots: rows kept for items handed out later */
  gboolean   loaded;
  gboolean   requested;
  GList     *lru_link;
} Page;

/* Everything a job needs, copied: the worker never reads the model. */
typedef struct {
  char              *entity;
  char              *search;
  char              *sort_field;
  gboolean           descending;
  OutpostQueryFlags  flags;
  Cursor            *after;       /* NULL = from the start */
  guint              skip;
  guint              limit;
  guint              start;       /* position of the first row returned */
  guint              generation;
  gboolean           first;       /* the first page of a new query: it sets the provisional size */
} FetchData;

struct _OutpostRecordListModel
{
  GObject             parent_instance;
  OutpostStoreClient *client;
  char               *entity;
  char               *search;
  char               *sort_field;
  gboolean            descending;
  OutpostQueryFlags   flags;

  guint               n_items;
  guint               generation;
  guint               reset_generation;  /* bumped by new queries only, not by refreshes */
  gboolean            resetting;     /* a new query's first page is outstanding */
  gboolean            exact;         /* n_items is the number of matches (else it grows) */
  gboolean            capped;        /* a search with more than SEARCH_COUNT_CAP matches */
  GCancellable       *cancellable;
  GHashTable         *pages;         /* page index -> Page* */
  GQueue              lru;           /* Page*, most recent at the head */
  GTree              *cursors;       /* row position -> Cursor* */
  guint               scan_position; /* the checkpoint scan has covered rows below this */
  gboolean            scan_running;
  guint               outstanding;
  guint               pages_fetched;
  GPtrArray          *garbage;       /* OutpostRecord*: dropped rows for free_rows_later */
};

enum { PROP_0, PROP_LOADING, PROP_N_ITEMS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);
static void request_page (OutpostRecordListModel *self, Page *page);
static void start_scan (OutpostRecordListModel *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostRecordListModel, outpost_record_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* ---- small helpers --------------------------------------------------------------------- */

static Cursor *
cursor_new (JsonNode *value, const char *id)
{
  Cursor *c = g_new0 (Cursor, 1);

  c->value = value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL);
  c->id = g_strdup (id);
  return c;
}

static Cursor *
cursor_copy (const Cursor *c)
{
  return c != NULL ? cursor_new (c->value, c->id) : NULL;
}

static void
cursor_free (gpointer data)
{
  Cursor *c = data;

  if (c == NULL)
    return;
  json_node_unref (c->value);
  g_free (c->id);
  g_free (c);
}

static Cursor *
cursor_for_record (OutpostRecord *record, const char *sort_field)
{
  JsonNode *value = record->values != NULL
                    ? json_object_get_member (record->values, sort_field) : NULL;

  return cursor_new (value, record->id);
}

static void
fetch_data_free (gpointer data)
{
  FetchData *fd = data;

  g_free (fd->entity);
  g_free (fd->search);
  g_free (fd->sort_field);
  cursor_free (fd->after);
  g_free (fd);
}

/* Slots stay NULL until an item is handed out; GPtrArray calls its free func on those too. */
static void
item_unref_nullable (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static void
record_unref_nullable (gpointer record)
{
  if (record != NULL)
    outpost_record_unref (record);
}

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->items);
  g_ptr_array_unref (page->records);
  g_free (page);
}

/* Whether someone besides the page (a view) holds one of its items. */
static gboolean
page_in_use (Page *page)
{
  for (guint i = 0; i < page->items->len; i++)
    {
      GObject *item = g_ptr_array_index (page->items, i);

      if (item != NULL && g_atomic_int_get ((gint *) &item->ref_count) > 1)
        return TRUE;
    }
  return FALSE;
}

static gint
position_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  guint pa = GPOINTER_TO_UINT (a), pb = GPOINTER_TO_UINT (b);

  return pa < pb ? -1 : (pa > pb ? 1 : 0);
}

static const char *
effective_sort_field (OutpostRecordListModel *self)
{
  OutpostProfile *profile = outpost_store_client_get_profile (self->client);
  OutpostEntity *entity = outpost_profile_lookup_entity (profile, self->entity);

  if (self->sort_field != NULL)
    return self->sort_field;
  if (entity != NULL && entity->list_columns != NULL && entity->list_columns[0] != NULL)
    return entity->list_columns[0];
  return entity != NULL ? entity->primary_name : "name";
}

static void
add_outstanding (OutpostRecordListModel *self, gint delta)
{
  gboolean was = self->outstanding > 0;

  self->outstanding += delta;
  if (was != (self->outstanding > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static FetchData *
fetch_data_new (OutpostRecordListModel *self)
{
  FetchData *fd = g_new0 (FetchData, 1);

  fd->entity = g_strdup (self->entity);
  fd->search = g_strdup (self->search);
  fd->sort_field = g_strdup (effective_sort_field (self));
  fd->descending = self->descending;
  fd->flags = self->flags;
  fd->generation = self->generation;
  return fd;
}

static void
fill_query (OutpostQuery *q, FetchData *fd, const Cursor *after, guint limit)
{
  memset (q, 0, sizeof *q);
  q->search = fd->search;
  q->sort_field = fd->sort_field;
  q->descending = fd->descending;
  q->flags = fd->flags;
  q->after_value = after != NULL ? after->value : NULL;
  q->after_id = after != NULL ? after->id : NULL;
  q->limit = limit;
}

/* ---- cursors ----------------------------------------------------------------------------- */

static void
remember_cursor (OutpostRecordListModel *self, guint position, OutpostRecord *record)
{
  if (g_tree_lookup (self->cursors, GUINT_TO_POINTER (position)) != NULL)
    return;
  g_tree_insert (self->cursors, GUINT_TO_POINTER (position),
                 cursor_for_record (record, effective_sort_field (self)));
}

/* The known cursor closest below @position (the row before a page); -1 = the start. */
static gint
nearest_cursor (OutpostRecordListModel *self, gint position, Cursor **cursor)
{
  GTreeNode *node;

  *cursor = NULL;
  if (position < 0)
    return -1;
  node = g_tree_upper_bound (self->cursors, GUINT_TO_POINTER ((guint) position));
  node = node != NULL ? g_tree_node_previous (node) : g_tree_node_last (self->cursors);
  if (node == NULL)
    return -1;
  *cursor = g_tree_node_value (node);
  return (gint) GPOINTER_TO_UINT (g_tree_node_key (node));
}

/* ---- pages ------------------------------------------------------------------------------- */

static void
touch_page (OutpostRecordListModel *self, Page *page)
{
  if (page->lru_link != NULL)
    g_queue_unlink (&self->lru, page->lru_link);
  else
    page->lru_link = g_list_alloc ();
  page->lru_link->data = page;
  g_queue_push_head_link (&self->lru, page->lru_link);
  while (self->lru.length > MAX_CACHED_PAGES)
    {
      GList *last = g_queue_pop_tail_link (&self->lru);
      Page *old = last->data;

      g_list_free_1 (last);
      old->lru_link = NULL;
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (old->index));
    }
}

static Page *
ensure_page (OutpostRecordListModel *self, guint index)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));

  if (page == NULL)
    {
      page = g_new0 (Page, 1);
      page->index = index;
      page->items = g_ptr_array_new_full (OUTPOST_LIST_PAGE_SIZE, item_unref_nullable);
      g_ptr_array_set_size (page->items, OUTPOST_LIST_PAGE_SIZE);
      page->records = g_ptr_array_new_full (OUTPOST_LIST_PAGE_SIZE, record_unref_nullable);
      g_ptr_array_set_size (page->records, OUTPOST_LIST_PAGE_SIZE);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
    }
  touch_page (self, page);
  return page;
}

/* The page's rows after fd->after, past fd->skip rows: the skipped ones are stepped over in
 * the sort index (a key query), not read as records. */
static GPtrArray *
query_page (OutpostStore *store, FetchData *fd, GError **error)
{
  g_autoptr(GPtrArray) keys = NULL;
  Cursor *after = NULL;
  OutpostQuery q;
  GPtrArray *rows;

  if (fd->skip > 0)
    {
      fill_query (&q, fd, fd->after, 0);
      if ((keys = outpost_store_query_keys (store, fd->entity, &q, fd->skip, 1, error)) == NULL)
        return NULL;
      if (keys->len == 0)   /* the list got shorter meanwhile */
        return g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
      after = cursor_for_record (g_ptr_array_index (keys, 0), fd->sort_field);
    }
  fill_query (&q, fd, after != NULL ? after : fd->after, fd->limit);
  rows = outpost_store_query (store, fd->entity, &q, error);
  cursor_free (after);
  return rows;
}

/* A superseded query stops where it is (its cancellable interrupts the store's statement):
 * the worker is free for the newer one at once. */
static gpointer
fetch_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  FetchData *fd = data;
  GPtrArray *rows;

  outpost_store_set_cancellable (store, cancellable);
  rows = query_page (store, fd, error);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    outpost_jobs_resolve_lookups (store, g_ptr_array_index (rows, i), TRUE);
  outpost_store_set_cancellable (store, NULL);
  return rows;
}

static void
apply_rows (OutpostRecordListModel *self, FetchData *fd, GPtrArray *rows)
{
  guint first = fd->start;

  for (guint i = 0; i < rows->len; i++)
    {
      OutpostRecord *record = g_ptr_array_index (rows, i);
      guint pos = first + i;
      Page *page;
      OutpostRowItem *item;

      if ((pos + 1) % OUTPOST_LIST_PAGE_SIZE == 0 || i + 1 == rows->len)
        remember_cursor (self, pos, record);
      page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (pos / OUTPOST_LIST_PAGE_SIZE));
      if (page == NULL)
        continue;
      record_unref_nullable (g_ptr_array_index (page->records, pos % OUTPOST_LIST_PAGE_SIZE));
      g_ptr_array_index (page->records, pos % OUTPOST_LIST_PAGE_SIZE) = outpost_record_ref (record);
      item = g_ptr_array_index (page->items, pos % OUTPOST_LIST_PAGE_SIZE);
      if (item != NULL)
        outpost_row_item_set_record (item, record);
    }
}

static void apply_count (OutpostRecordListModel *self, guint n, gboolean replace_all);
static void drop_pages (OutpostRecordListModel *self);
static void keep_items (OutpostRecordListModel *self, guint n_pages, GPtrArray *kept);
static void start_count (OutpostRecordListModel *self);
static void retry_waiting_pages (OutpostRecordListModel *self);

/* The first rows of a new query are shown at once with a provisional size; the count follows
 * (a reset replaces the whole list here, in one items-changed). They are in place before the
 * view hears of them, so the view's get_item() finds their pages loaded and asks for no copy. */
static void
first_page_arrived (OutpostRecordListModel *self, FetchData *fd, GPtrArray *rows)
{
  gboolean reset = self->resetting;
  guint n_pages = MAX (1, (rows->len + OUTPOST_LIST_PAGE_SIZE - 1) / OUTPOST_LIST_PAGE_SIZE);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (item_unref_nullable);

  self->resetting = FALSE;
  if (reset)
    {
      keep_items (self, n_pages, kept);
      drop_pages (self);
    }
  for (guint i = 0; i < n_pages; i++)
    {
      Page *page = ensure_page (self, i);

      page->loaded = page->requested = TRUE;
      for (guint k = 0; k < OUTPOST_LIST_PAGE_SIZE && i * OUTPOST_LIST_PAGE_SIZE + k < MIN (kept->len, rows->len); k++)
        g_ptr_array_index (page->items, k) = g_steal_pointer (&g_ptr_array_index (kept, i * OUTPOST_LIST_PAGE_SIZE + k));
    }
  apply_rows (self, fd, rows);
  if (reset)
    apply_count (self, rows->len, TRUE);
  if (rows->len < OUTPOST_LIST_FIRST_READ)
    {
      self->exact = TRUE;
      apply_count (self, rows->len, FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  else
    start_count (self);
}

static void
fetch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostRecordListModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_store_client_run_finish (OUTPOST_STORE_CLIENT (source),
                                                               result, &error);
  FetchData *fd = outpost_store_client_job_data (result);
  Page *page;

  add_outstanding (self, -1);
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read %s: %s", self->entity, error->message);
      return;
    }
  if (fd->generation != self->generation)
    return;
  self->pages_fetched++;
  if (fd->first)
    {
      first_page_arrived (self, fd, rows);
      retry_waiting_pages (self);
      return;
    }
  if (!self->exact && fd->start == self->n_items)
    {
      /* open-ended list (count unknown): the page after the last grows it; a short page is
       * the end, so the size is now known */
      if (rows->len < OUTPOST_LIST_PAGE_SIZE)
        {
          self->exact = TRUE;
          self->capped = FALSE;
        }
      apply_count (self, self->n_items + rows->len, FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  apply_rows (self, fd, rows);
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (fd->start / OUTPOST_LIST_PAGE_SIZE));
  if (page != NULL)
    page->loaded = page->requested = TRUE;
}

static gboolean
fetch_data_ready (OutpostRecordListModel *self, Page *page, FetchData *fd)
{
  gint start = (gint) (page->index * OUTPOST_LIST_PAGE_SIZE);
  Cursor *cursor;
  gint at = nearest_cursor (self, start - 1, &cursor);
  guint skip = (guint) (start - 1 - at);

  /* Too far from any known key: wait for the checkpoint scan rather than read thousands
   * (the scan starts once the count is known and retries the waiting pages). */
  if (skip > 2 * OUTPOST_LIST_CHECKPOINT_STRIDE && self->n_items > 4 * OUTPOST_LIST_CHECKPOINT_STRIDE)
    {
      if (!self->scan_running && self->exact && self->scan_position + OUTPOST_LIST_CHECKPOINT_STRIDE <= (guint) start)
        start_scan (self);
      if (self->scan_running || !self->exact)
        return FALSE;
    }
  fd->after = cursor_copy (cursor);
  fd->skip = skip;
  fd->start = (guint) start;
  fd->limit = OUTPOST_LIST_PAGE_SIZE;
  return TRUE;
}

static void
request_page (OutpostRecordListModel *self, Page *page)
{
  FetchData *fd;

  if (page->requested || self->resetting)
    return;
  fd = fetch_data_new (self);
  if (!fetch_data_ready (self, page, fd))
    {
      fetch_data_free (fd);
      return;
    }
  page->requested = TRUE;
  add_outstanding (self, +1);
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_DEFAULT, fetch_job,
                                  fd, fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
                                  self->cancellable, fetch_done, g_object_ref (self));
}

/* ---- the checkpoint scan --------------------------------------------------------------- */

typedef struct {
  guint      position;   /* row position of the cursor */
  Cursor    *cursor;
} Checkpoint;

static void
checkpoint_free (gpointer data)
{
  Checkpoint *cp = data;

  cursor_free (cp->cursor);
  g_free (cp);
}

/* Keeps the key of every stride-th row after fd->after, SCAN_CHUNK_STRIDES of them. */
static gpointer
scan_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  FetchData *fd = data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (checkpoint_free);
  g_autoptr(GPtrArray) keys = NULL;
  OutpostQuery q;

  fill_query (&q, fd, fd->after, 0);
  outpost_store_set_cancellable (store, cancellable);
  keys = outpost_store_query_keys (store, fd->entity, &q, OUTPOST_LIST_CHECKPOINT_STRIDE,
                                   SCAN_CHUNK_STRIDES, error);
  outpost_store_set_cancellable (store, NULL);
  if (keys == NULL)
    return NULL;
  for (guint i = 0; i < keys->len; i++)
    {
      Checkpoint *cp = g_new0 (Checkpoint, 1);

      cp->position = fd->start + (i + 1) * OUTPOST_LIST_CHECKPOINT_STRIDE - 1;
      cp->cursor = cursor_for_record (g_ptr_array_index (keys, i), fd->sort_field);
      g_ptr_array_add (out, cp);
    }
  return g_steal_pointer (&out);
}

static void
retry_waiting_pages (OutpostRecordListModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Page *page = value;

      if (!page->requested)
        request_page (self, page);
    }
}

static void
scan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostRecordListModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cps = outpost_store_client_run_finish (OUTPOST_STORE_CLIENT (source),
                                                              result, &error);
  FetchData *fd = outpost_store_client_job_data (result);

  if (fd->generation != self->reset_generation)
    return;
  self->scan_running = FALSE;
  if (cps == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not scan %s: %s", self->entity, error->message);
      else if (self->exact)
        start_scan (self);   /* a refresh cancelled it: go on from where it was */
      retry_waiting_pages (self);
      return;
    }
  for (guint i = 0; i < cps->len; i++)
    {
      Checkpoint *cp = g_ptr_array_index (cps, i);

      if (g_tree_lookup (self->cursors, GUINT_TO_POINTER (cp->position)) == NULL)
        g_tree_insert (self->cursors, GUINT_TO_POINTER (cp->position), cursor_copy (cp->cursor));
      self->scan_position = cp->position + 1;
    }
  if (cps->len == SCAN_CHUNK_STRIDES && self->scan_position < self->n_items)
    start_scan (self);
  retry_waiting_pages (self);
}

static void
start_scan (OutpostRecordListModel *self)
{
  FetchData *fd;
  Cursor *cursor = NULL;

  if (self->scan_running || self->n_items <= 4 * OUTPOST_LIST_CHECKPOINT_STRIDE
      || self->scan_position >= self->n_items)
    return;
  fd = fetch_data_new (self);
  if (self->scan_position > 0)
    cursor = g_tree_lookup (self->cursors, GUINT_TO_POINTER (self->scan_position - 1));
  if (self->scan_position > 0 && cursor == NULL)
    {
      fetch_data_free (fd);
      return;
    }
  fd->after = cursor_copy (cursor);
  fd->start = self->scan_position;
  fd->generation = self->reset_generation;
  self->scan_running = TRUE;
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_LOW, scan_job,
                                  fd, fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
                                  self->cancellable, scan_done, g_object_ref (self));
}

/* ---- counting, resets -------------------------------------------------------------------- */

static gpointer
count_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  FetchData *fd = data;
  OutpostQuery q;
  gint64 n;

  fill_query (&q, fd, NULL, 0);
  outpost_store_set_cancellable (store, cancellable);
  /* Capped: past the cap a search page costs a bounded time, a full count does not. */
  if (fd->search == NULL)
    n = outpost_store_count (store, fd->entity, &q, error);
  else
    n = outpost_store_count_capped (store, fd->entity, &q, SEARCH_COUNT_CAP, error);
  outpost_store_set_cancellable (store, NULL);
  if (n < 0)
    return NULL;
  return g_memdup2 (&n, sizeof n);
}

/* The row items handed out for the first @n_pages pages, by position (NULL where none), into
 * @kept. A reset gives them the new rows: GtkListView (4.8) keeps the widgets of the items it
 * finds again after items-changed and only rebinds them ("record" changes), where new items
 * cost a new widget per cell and row (~30 ms for the 200 rows it keeps). */
static void
keep_items (OutpostRecordListModel *self, guint n_pages, GPtrArray *kept)
{
  g_ptr_array_set_size (kept, n_pages * OUTPOST_LIST_PAGE_SIZE);
  for (guint i = 0; i < n_pages; i++)
    {
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (i));

      for (guint k = 0; page != NULL && k < OUTPOST_LIST_PAGE_SIZE; k++)
        g_ptr_array_index (kept, i * OUTPOST_LIST_PAGE_SIZE + k) =
          g_steal_pointer (&g_ptr_array_index (page->items, k));
    }
}

/* Takes the rows of @page for free_rows_later (the page and its items go now). */
static void
retire_rows (OutpostRecordListModel *self, Page *page)
{
  for (guint i = 0; i < page->records->len; i++)
    if (g_ptr_array_index (page->records, i) != NULL)
      g_ptr_array_add (self->garbage, g_steal_pointer (&g_ptr_array_index (page->records, i)));
}

static gpointer
free_rows_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  g_ptr_array_set_size (data, 0);   /* the rows' last references, if nobody else holds them */
  return GINT_TO_POINTER (1);
}

/* Thousands of rows (64 cached pages) cost ~20-30 ms to free: the worker does it, at low
 * priority, not the main loop. */
static void
free_rows_later (OutpostRecordListModel *self)
{
  if (self->garbage->len == 0)
    return;
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_LOW, free_rows_job,
                                  g_steal_pointer (&self->garbage), (GDestroyNotify) g_ptr_array_unref,
                                  NULL, NULL, NULL, NULL);
  self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
}

static void
drop_pages (OutpostRecordListModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    retire_rows (self, value);
  g_hash_table_remove_all (self->pages);
  g_list_free (self->lru.head);
  g_queue_init (&self->lru);
  free_rows_later (self);
}

/* @replace_all: every item is new (the pages were dropped) */
static void
apply_count (OutpostRecordListModel *self, guint n, gboolean replace_all)
{
  guint old = self->n_items;

  self->n_items = n;
  if (replace_all)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, n);
  else if (n < old)
    g_list_model_items_changed (G_LIST_MODEL (self), n, old - n, 0);
  else if (n > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, n - old);
  if (n != old)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
count_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostRecordListModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *n = outpost_store_client_run_finish (OUTPOST_STORE_CLIENT (source),
                                                         result, &error);
  FetchData *fd = outpost_store_client_job_data (result);

  if (fd->generation != self->generation)
    return;
  if (n == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count %s: %s", self->entity, error->message);
      return;
    }
  if (fd->search != NULL && *n > SEARCH_COUNT_CAP)
    self->capped = TRUE;   /* stays open-ended: it grows as the user scrolls */
  else
    {
      self->exact = TRUE;
      apply_count (self, (guint) MIN (*n, (gint64) G_MAXUINT - 1), FALSE);
      start_scan (self);
    }
  /* "exact" and "capped" change the title too */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  retry_waiting_pages (self);
}

static void
start_count (OutpostRecordListModel *self)
{
  outpost_store_client_run_async (self->client,
                                  self->search != NULL ? OUTPOST_JOB_PRIORITY_LOW : OUTPOST_JOB_PRIORITY_DEFAULT,
                                  count_job, fetch_data_new (self), fetch_data_free, g_free,
                                  self->cancellable, count_done, g_object_ref (self));
}

static void
start_query (OutpostRecordListModel *self, gboolean resetting)
{
  FetchData *fd;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  self->resetting = resetting;
  self->exact = self->capped = FALSE;
  if (resetting)
    {
      self->reset_generation++;
      self->scan_running = FALSE;
      self->scan_position = 0;
      g_tree_remove_all (self->cursors);
    }
  /* the first rows first: they are what the user waits for; the count follows them. As many
   * as a view keeps around the visible rows (GtkListView: up to 200), so they arrive in one
   * job instead of page after page, each waiting for the one before to grow the list. */
  fd = fetch_data_new (self);
  fd->first = TRUE;
  fd->limit = OUTPOST_LIST_FIRST_READ;
  add_outstanding (self, +1);
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_DEFAULT, fetch_job,
                                  fd, fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
                                  self->cancellable, fetch_done, g_object_ref (self));
}

void
outpost_record_list_model_refresh (OutpostRecordListModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (OUTPOST_IS_RECORD_LIST_MODEL (self));
  /* Keep the items the view holds and read their rows again; cached pages nobody holds an item
   * of are dropped (read when asked for again): a refresh costs the rows in view, not the
   * whole cache (64 pages re-read at every refresh during a sync, before). */
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Page *page = value;

      page->requested = page->loaded = FALSE;
      if (page_in_use (page))
        continue;
      retire_rows (self, page);
      g_queue_delete_link (&self->lru, page->lru_link);
      g_hash_table_iter_remove (&iter);
    }
  free_rows_later (self);
  start_query (self, self->resetting);
}

/* ---- GListModel -------------------------------------------------------------------------- */

static GType
list_model_get_item_type (GListModel *model)
{
  return OUTPOST_TYPE_ROW_ITEM;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return OUTPOST_RECORD_LIST_MODEL (model)->n_items;
}

static gpointer
list_model_get_item (GListModel *model, guint position)
{
  OutpostRecordListModel *self = OUTPOST_RECORD_LIST_MODEL (model);
  Page *page;
  OutpostRowItem *item;

  if (position >= self->n_items)
    return NULL;
  page = ensure_page (self, position / OUTPOST_LIST_PAGE_SIZE);
  item = g_ptr_array_index (page->items, position % OUTPOST_LIST_PAGE_SIZE);
  if (item == NULL)
    {
      OutpostRecord *record = g_ptr_array_index (page->records, position % OUTPOST_LIST_PAGE_SIZE);

      item = outpost_row_item_new (position);
      if (record != NULL)
        outpost_row_item_set_record (item, record);
      g_ptr_array_index (page->items, position % OUTPOST_LIST_PAGE_SIZE) = item;
    }
  g_object_ref (item);
  if (!page->loaded)
    request_page (self, page);
  if (!self->exact && !self->resetting && self->n_items % OUTPOST_LIST_PAGE_SIZE == 0
      && position + OUTPOST_LIST_PAGE_SIZE / 2 >= self->n_items)
    request_page (self, ensure_page (self, self->n_items / OUTPOST_LIST_PAGE_SIZE));
  return item;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
outpost_record_list_model_dispose (GObject *object)
{
  OutpostRecordListModel *self = OUTPOST_RECORD_LIST_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (outpost_record_list_model_parent_class)->dispose (object);
}

static void
outpost_record_list_model_finalize (GObject *object)
{
  OutpostRecordListModel *self = OUTPOST_RECORD_LIST_MODEL (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_hash_table_unref (self->pages);
  g_ptr_array_unref (self->garbage);
  g_list_free (self->lru.head);
  g_tree_unref (self->cursors);
  g_free (self->entity);
  g_free (self->search);
  g_free (self->sort_field);
  G_OBJECT_CLASS (outpost_record_list_model_parent_class)->finalize (object);
}

static void
outpost_record_list_model_get_property (GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
  OutpostRecordListModel *self = OUTPOST_RECORD_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->outstanding > 0);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_record_list_model_class_init (OutpostRecordListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = outpost_record_list_model_dispose;
  object_class->finalize = outpost_record_list_model_finalize;
  object_class->get_property = outpost_record_list_model_get_property;
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
outpost_record_list_model_init (OutpostRecordListModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, page_free);
  self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
  self->cursors = g_tree_new_full (position_compare, NULL, NULL, cursor_free);
  g_queue_init (&self->lru);
}

OutpostRecordListModel *
outpost_record_list_model_new (OutpostStoreClient *client, const char *entity)
{
  OutpostRecordListModel *self;

  g_return_val_if_fail (OUTPOST_IS_STORE_CLIENT (client), NULL);
  self = g_object_new (OUTPOST_TYPE_RECORD_LIST_MODEL, NULL);
  self->client = g_object_ref (client);
  self->entity = g_strdup (entity);
  start_query (self, TRUE);
  return self;
}

const char *
outpost_record_list_model_get_entity (OutpostRecordListModel *self)
{
  return self->entity;
}

void
outpost_record_list_model_set_search (OutpostRecordListModel *self, const char *search)
{
  g_return_if_fail (OUTPOST_IS_RECORD_LIST_MODEL (self));
  if (search != NULL && *search == '\0')
    search = NULL;
  if (g_strcmp0 (self->search, search) == 0)
    return;
  g_free (self->search);
  self->search = g_strdup (search);
  start_query (self, TRUE);
}

void
outpost_record_list_model_set_sort (OutpostRecordListModel *self, const char *field,
                                    gboolean descending)
{
  g_return_if_fail (OUTPOST_IS_RECORD_LIST_MODEL (self));
  if (g_strcmp0 (self->sort_field, field) == 0 && self->descending == descending)
    return;
  g_free (self->sort_field);
  self->sort_field = g_strdup (field);
  self->descending = descending;
  start_query (self, TRUE);
}

void
outpost_record_list_model_set_flags (OutpostRecordListModel *self, OutpostQueryFlags flags)
{
  g_return_if_fail (OUTPOST_IS_RECORD_LIST_MODEL (self));
  if (self->flags == flags)
    return;
  self->flags = flags;
  start_query (self, TRUE);
}

gboolean
outpost_record_list_model_get_exact (OutpostRecordListModel *self)
{
  return self->exact;
}

gboolean
outpost_record_list_model_get_capped (OutpostRecordListModel *self)
{
  return self->capped;
}

gboolean
outpost_record_list_model_get_loading (OutpostRecordListModel *self)
{
  return self->outstanding > 0;
}

guint
outpost_record_list_model_get_pages_fetched (OutpostRecordListModel *self)
{
  return self->pages_fetched;
}

guint
outpost_record_list_model_get_n_checkpoints (OutpostRecordListModel *self)
{
  return g_tree_nnodes (self->cursors);
}

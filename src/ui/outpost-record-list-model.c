/* outpost-record-list-model.c: keyset-paged list of records. */
#include "config.h"

#include "outpost-record-list-model-private.h"
#include "outpost-store-jobs.h"

enum { PROP_0, PROP_LOADING, PROP_N_ITEMS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);
static void request_page (OutpostRecordListModel *self, Page *page);
static void start_scan (OutpostRecordListModel *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostRecordListModel, outpost_record_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* ---- helpers ---------------------------------------------------------------------------- */

static void
add_outstanding (OutpostRecordListModel *self, gint delta)
{
  gboolean was = self->outstanding > 0;

  self->outstanding += delta;
  if (was != (self->outstanding > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* ---- pages ------------------------------------------------------------------------------- */

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
        outpost_list_remember_cursor (self, pos, record);
      page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (pos / OUTPOST_LIST_PAGE_SIZE));
      if (page == NULL)
        continue;
      outpost_list_record_unref_nullable (g_ptr_array_index (page->records, pos % OUTPOST_LIST_PAGE_SIZE));
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
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (outpost_list_item_unref_nullable);

  self->resetting = FALSE;
  if (reset)
    {
      keep_items (self, n_pages, kept);
      drop_pages (self);
    }
  for (guint i = 0; i < n_pages; i++)
    {
      Page *page = outpost_list_ensure_page (self, i);

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
  gint at = outpost_list_nearest_cursor (self, start - 1, &cursor);
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
  fd->after = outpost_list_cursor_copy (cursor);
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
  fd = outpost_list_fetch_data_new (self);
  if (!fetch_data_ready (self, page, fd))
    {
      outpost_list_fetch_data_free (fd);
      return;
    }
  page->requested = TRUE;
  add_outstanding (self, +1);
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_DEFAULT, outpost_list_fetch_job,
                                  fd, outpost_list_fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
                                  self->cancellable, fetch_done, g_object_ref (self));
}

/* ---- the checkpoint scan --------------------------------------------------------------- */


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
        g_tree_insert (self->cursors, GUINT_TO_POINTER (cp->position), outpost_list_cursor_copy (cp->cursor));
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
  fd = outpost_list_fetch_data_new (self);
  if (self->scan_position > 0)
    cursor = g_tree_lookup (self->cursors, GUINT_TO_POINTER (self->scan_position - 1));
  if (self->scan_position > 0 && cursor == NULL)
    {
      outpost_list_fetch_data_free (fd);
      return;
    }
  fd->after = outpost_list_cursor_copy (cursor);
  fd->start = self->scan_position;
  fd->generation = self->reset_generation;
  self->scan_running = TRUE;
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_LOW, outpost_list_scan_job,
                                  fd, outpost_list_fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
                                  self->cancellable, scan_done, g_object_ref (self));
}

/* ---- counting, resets -------------------------------------------------------------------- */

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

/* Thousands of rows (64 cached pages) cost ~20-30 ms to free: the worker does it, at low
 * priority, not the main loop. */
static void
free_rows_later (OutpostRecordListModel *self)
{
  if (self->garbage->len == 0)
    return;
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_LOW, outpost_list_free_rows_job,
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
                                  outpost_list_count_job, outpost_list_fetch_data_new (self), outpost_list_fetch_data_free, g_free,
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
  fd = outpost_list_fetch_data_new (self);
  fd->first = TRUE;
  fd->limit = OUTPOST_LIST_FIRST_READ;
  add_outstanding (self, +1);
  outpost_store_client_run_async (self->client, OUTPOST_JOB_PRIORITY_DEFAULT, outpost_list_fetch_job,
                                  fd, outpost_list_fetch_data_free, (GDestroyNotify) g_ptr_array_unref,
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
      if (outpost_list_page_in_use (page))
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
  page = outpost_list_ensure_page (self, position / OUTPOST_LIST_PAGE_SIZE);
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
    request_page (self, outpost_list_ensure_page (self, self->n_items / OUTPOST_LIST_PAGE_SIZE));
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
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, outpost_list_page_free);
  self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_record_unref);
  self->cursors = g_tree_new_full (outpost_list_position_compare, NULL, NULL, outpost_list_cursor_free);
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

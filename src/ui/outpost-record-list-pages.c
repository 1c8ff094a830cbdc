/* outpost-record-list-pages.c: the list model's page cache, its cursors (the sort keys that
 * keyset paging starts from) and the jobs the store worker runs for it. */
#include "config.h"

#include "outpost-record-list-model-private.h"
#include "outpost-store-jobs.h"

#include <string.h>

#define MAX_CACHED_PAGES 64

Cursor *
outpost_list_cursor_new (JsonNode *value, const char *id)
{
  Cursor *c = g_new0 (Cursor, 1);

  c->value = value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL);
  c->id = g_strdup (id);
  return c;
}

Cursor *
outpost_list_cursor_copy (const Cursor *c)
{
  return c != NULL ? outpost_list_cursor_new (c->value, c->id) : NULL;
}

void
outpost_list_cursor_free (gpointer data)
{
  Cursor *c = data;

  if (c == NULL)
    return;
  json_node_unref (c->value);
  g_free (c->id);
  g_free (c);
}

Cursor *
outpost_list_cursor_for_record (OutpostRecord *record, const char *sort_field)
{
  JsonNode *value = record->values != NULL
                    ? json_object_get_member (record->values, sort_field) : NULL;

  return outpost_list_cursor_new (value, record->id);
}

void
outpost_list_fetch_data_free (gpointer data)
{
  FetchData *fd = data;

  g_free (fd->entity);
  g_free (fd->search);
  g_free (fd->sort_field);
  outpost_list_cursor_free (fd->after);
  g_free (fd);
}

/* Slots stay NULL until an item is handed out; GPtrArray calls its free func on those too. */
void
outpost_list_item_unref_nullable (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

void
outpost_list_record_unref_nullable (gpointer record)
{
  if (record != NULL)
    outpost_record_unref (record);
}

void
outpost_list_page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->items);
  g_ptr_array_unref (page->records);
  g_free (page);
}

/* Whether someone besides the page (a view) holds one of its items. */
gboolean
outpost_list_page_in_use (Page *page)
{
  for (guint i = 0; i < page->items->len; i++)
    {
      GObject *item = g_ptr_array_index (page->items, i);

      if (item != NULL && g_atomic_int_get ((gint *) &item->ref_count) > 1)
        return TRUE;
    }
  return FALSE;
}

gint
outpost_list_position_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  guint pa = GPOINTER_TO_UINT (a), pb = GPOINTER_TO_UINT (b);

  return pa < pb ? -1 : (pa > pb ? 1 : 0);
}

const char *
outpost_list_sort_field (OutpostRecordListModel *self)
{
  OutpostProfile *profile = outpost_store_client_get_profile (self->client);
  OutpostEntity *entity = outpost_profile_lookup_entity (profile, self->entity);

  if (self->sort_field != NULL)
    return self->sort_field;
  if (entity != NULL && entity->list_columns != NULL && entity->list_columns[0] != NULL)
    return entity->list_columns[0];
  return entity != NULL ? entity->primary_name : "name";
}

FetchData *
outpost_list_fetch_data_new (OutpostRecordListModel *self)
{
  FetchData *fd = g_new0 (FetchData, 1);

  fd->entity = g_strdup (self->entity);
  fd->search = g_strdup (self->search);
  fd->sort_field = g_strdup (outpost_list_sort_field (self));
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

void
outpost_list_remember_cursor (OutpostRecordListModel *self, guint position, OutpostRecord *record)
{
  if (g_tree_lookup (self->cursors, GUINT_TO_POINTER (position)) != NULL)
    return;
  g_tree_insert (self->cursors, GUINT_TO_POINTER (position),
                 outpost_list_cursor_for_record (record, outpost_list_sort_field (self)));
}

/* The known cursor closest below @position (the row before a page); -1 = the start. */
gint
outpost_list_nearest_cursor (OutpostRecordListModel *self, gint position, Cursor **cursor)
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

Page *
outpost_list_ensure_page (OutpostRecordListModel *self, guint index)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));

  if (page == NULL)
    {
      page = g_new0 (Page, 1);
      page->index = index;
      page->items = g_ptr_array_new_full (OUTPOST_LIST_PAGE_SIZE, outpost_list_item_unref_nullable);
      g_ptr_array_set_size (page->items, OUTPOST_LIST_PAGE_SIZE);
      page->records = g_ptr_array_new_full (OUTPOST_LIST_PAGE_SIZE, outpost_list_record_unref_nullable);
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
      after = outpost_list_cursor_for_record (g_ptr_array_index (keys, 0), fd->sort_field);
    }
  fill_query (&q, fd, after != NULL ? after : fd->after, fd->limit);
  rows = outpost_store_query (store, fd->entity, &q, error);
  outpost_list_cursor_free (after);
  return rows;
}

/* A superseded query stops where it is (its cancellable interrupts the store's statement):
 * the worker is free for the newer one at once. */
gpointer
outpost_list_fetch_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
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
checkpoint_free (gpointer data)
{
  Checkpoint *cp = data;

  outpost_list_cursor_free (cp->cursor);
  g_free (cp);
}

/* Keeps the key of every stride-th row after fd->after, SCAN_CHUNK_STRIDES of them. */
gpointer
outpost_list_scan_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
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
      cp->cursor = outpost_list_cursor_for_record (g_ptr_array_index (keys, i), fd->sort_field);
      g_ptr_array_add (out, cp);
    }
  return g_steal_pointer (&out);
}

gpointer
outpost_list_count_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
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

gpointer
outpost_list_free_rows_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  g_ptr_array_set_size (data, 0);   /* the rows' last references, if nobody else holds them */
  return GINT_TO_POINTER (1);
}

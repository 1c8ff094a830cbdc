/* outpost-record-list-model-private.h: what the list model (outpost-record-list-model.c: the
 * GListModel and its queries' state) shares with its page cache and worker jobs
 * (outpost-record-list-pages.c). Only those two files include it. */
#pragma once

#include "outpost-record-list-model.h"
#include "outpost-row-item.h"

G_BEGIN_DECLS

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

typedef struct {
  guint      position;   /* row position of the cursor */
  Cursor    *cursor;
} Checkpoint;

Cursor     *outpost_list_cursor_new            (JsonNode *value, const char *id);
Cursor     *outpost_list_cursor_copy           (const Cursor *c);
void        outpost_list_cursor_free           (gpointer data);
Cursor     *outpost_list_cursor_for_record     (OutpostRecord *record, const char *sort_field);
/* The model's query, copied for a job (the worker never reads the model). */
FetchData  *outpost_list_fetch_data_new        (OutpostRecordListModel *self);
void        outpost_list_fetch_data_free       (gpointer data);
void        outpost_list_item_unref_nullable   (gpointer item);
void        outpost_list_record_unref_nullable (gpointer record);
void        outpost_list_page_free             (gpointer data);
gboolean    outpost_list_page_in_use           (Page *page);
gint        outpost_list_position_compare      (gconstpointer a, gconstpointer b, gpointer user_data);
const char *outpost_list_sort_field            (OutpostRecordListModel *self);
void        outpost_list_remember_cursor       (OutpostRecordListModel *self, guint position,
                                                OutpostRecord *record);
gint        outpost_list_nearest_cursor        (OutpostRecordListModel *self, gint position,
                                                Cursor **cursor);
/* The page of index @index, cached (the least recently used beyond MAX_CACHED_PAGES go). */
Page       *outpost_list_ensure_page           (OutpostRecordListModel *self, guint index);

/* Worker jobs (OutpostStoreJobFunc): data is a FetchData (free_rows: a GPtrArray of rows). */
gpointer    outpost_list_fetch_job             (OutpostStore *store, gpointer data,
                                                GCancellable *cancellable, GError **error);
gpointer    outpost_list_scan_job              (OutpostStore *store, gpointer data,
                                                GCancellable *cancellable, GError **error);
gpointer    outpost_list_count_job             (OutpostStore *store, gpointer data,
                                                GCancellable *cancellable, GError **error);
gpointer    outpost_list_free_rows_job         (OutpostStore *store, gpointer data,
                                                GCancellable *cancellable, GError **error);

G_END_DECLS

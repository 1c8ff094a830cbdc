/* outpost-record-list-model.h: a GListModel of one entity's records that pages from SQLite.
 *
 * It never loads a table: the number of items comes from an asynchronous count, get_item()
 * returns an OutpostRowItem at once that fills itself when its page arrives, and pages are
 * fetched with keyset paging (WHERE (sort, id) > cursor, never OFFSET). A background scan at
 * low priority remembers the sort key of every CHECKPOINT_STRIDE-th row, so a jump to the
 * middle of a million rows reads at most one stride plus one page. */
#pragma once

#include <gio/gio.h>

#include "outpost-store-client.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_RECORD_LIST_MODEL (outpost_record_list_model_get_type ())
G_DECLARE_FINAL_TYPE (OutpostRecordListModel, outpost_record_list_model, OUTPOST, RECORD_LIST_MODEL, GObject)

#define OUTPOST_LIST_PAGE_SIZE 100
#define OUTPOST_LIST_CHECKPOINT_STRIDE 500
/* Rows read by a new query's first job (the provisional size until the count arrives). */
#define OUTPOST_LIST_FIRST_READ (3 * OUTPOST_LIST_PAGE_SIZE)

OutpostRecordListModel *outpost_record_list_model_new (OutpostStoreClient *client,
                                                       const char         *entity);
const char *outpost_record_list_model_get_entity      (OutpostRecordListModel *self);
/* Each setter starts a new query (the old results stay until the new count is known). */
void        outpost_record_list_model_set_search      (OutpostRecordListModel *self,
                                                       const char             *search);
void        outpost_record_list_model_set_sort        (OutpostRecordListModel *self,
                                                       const char             *field,
                                                       gboolean                descending);
void        outpost_record_list_model_set_flags       (OutpostRecordListModel *self,
                                                       OutpostQueryFlags       flags);
/* Same query, new data (a save or a sync changed rows): rows in view are re-read in place. */
void        outpost_record_list_model_refresh         (OutpostRecordListModel *self);
/* TRUE while a count or a page is outstanding. */
gboolean    outpost_record_list_model_get_loading     (OutpostRecordListModel *self);
/* FALSE while n-items is provisional (the first page is shown before the count arrives, and a
 * search with more than 1000 matches is never counted: it grows as the user scrolls). */
gboolean    outpost_record_list_model_get_exact       (OutpostRecordListModel *self);
/* TRUE when a search has more than 1000 matches (show "1000+"). */
gboolean    outpost_record_list_model_get_capped      (OutpostRecordListModel *self);
/* Pages read from the store since creation (tests and the benchmark check scrolling). */
guint       outpost_record_list_model_get_pages_fetched (OutpostRecordListModel *self);
guint       outpost_record_list_model_get_n_checkpoints (OutpostRecordListModel *self);

G_END_DECLS

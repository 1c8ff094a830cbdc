/* outpost-store.h: the local SQLite store of one account.
 *
 * One OutpostStore is one SQLite connection: use it from one thread at a time. The UI opens
 * its own (and calls it from GTask threads, never from the main thread where it could wait on
 * a lock); the sync worker opens another on the same file. WAL mode: readers never block.
 *
 * Layout of the file (owned by the store, described in src/store/outpost-schema.c):
 * one typed table per profile entity, a change journal, per-table sync state, sync log, sync
 * errors and conflicts. Every user write puts the row change and its journal entry in one
 * transaction. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "outpost-profile.h"
#include "outpost-record.h"
#include "outpost-store-error.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_STORE (outpost_store_get_type ())
G_DECLARE_FINAL_TYPE (OutpostStore, outpost_store, OUTPOST, STORE, GObject)

/* ---- opening ------------------------------------------------------------------------- */

/* $XDG_DATA_HOME/outpost/<account>/ (created 0700); the database is <dir>/outpost.db (0600). */
char          *outpost_store_dir_for_account (const char      *account);

/* Opens (creating if needed) the database at @path and brings its schema in line with
 * @profile (creating tables, adding columns; a profile change that removes fields keeps the
 * data until the next full sync). Fails with TOO_NEW when the file was written by a newer
 * Outpost and CORRUPT when it is not a database: it never recreates a file over user data. */
OutpostStore  *outpost_store_open            (const char      *path,
                                              OutpostProfile  *profile,
                                              GError         **error);
OutpostProfile *outpost_store_get_profile    (OutpostStore    *self);
const char    *outpost_store_get_path        (OutpostStore    *self);

/* Called (in the calling thread) when a write had to wait for another connection's write
 * lock longer than a moment, so the UI can say "synchronization is writing, your change will be
 * saved". The write then keeps waiting and completes; it is never dropped. */
typedef void (*OutpostStoreBusyFunc) (OutpostStore *store, gpointer user_data);
void           outpost_store_set_busy_func   (OutpostStore        *self,
                                              OutpostStoreBusyFunc func,
                                              gpointer             user_data);
/* For the sync's writer, before it takes the write lock again: while a user's write (a
 * connection with a busy func) waits for the lock, gives way to it, up to @max_ms.
 * Returns the time it waited, in microseconds. */
gint64         outpost_store_give_way        (guint                max_ms);

/* ---- reading ------------------------------------------------------------------------- */

typedef enum {
  OUTPOST_QUERY_ALL          = 0,
  OUTPOST_QUERY_CHANGED_HERE = 1 << 0,  /* state != SYNCED */
  OUTPOST_QUERY_WITH_ISSUES  = 1 << 1,  /* has a sync error or a conflict */
  OUTPOST_QUERY_INCLUDE_DELETED = 1 << 2, /* locally deleted rows are hidden otherwise */
} OutpostQueryFlags;

typedef struct {
  /* Full-text search over the searchable fields; NULL = none. Every word must match: words of
   * 3 characters or more match word beginnings ("fabri" finds Fabrikam), shorter words whole
   * words only; case and diacritics are ignored. A word with punctuation counts as its parts,
   * each required, in any order ("info@fabri" = "info" and "fabri...", the last part a prefix
   * when the typed word has 3 characters or more). Order of the results: when at most 1000
   * records match, the sort below (complete, like any list); when more match, the most
   * recently stored records first (sort_field and descending are then ignored; keep paging
   * with after_id as usual). Either way a page costs a bounded time (about 1-10 ms on 1M
   * rows) instead of sorting every match. */
  const char        *search;
  const char        *sort_field;    /* NULL = the entity's first list column */
  gboolean           descending;
  OutpostQueryFlags  flags;
  const char        *where_field;   /* optional equality filter, e.g. a lookup to a parent */
  JsonNode          *where_value;
  /* Keyset cursor: return rows strictly after the row @after_id, whose sort value is
   * @after_value (pass the last row of the previous page). Rows with equal sort values come in
   * the store's internal row order. NULL = from the start. */
  JsonNode          *after_value;
  const char        *after_id;
  guint              limit;         /* 0 = 100 */
} OutpostQuery;

OutpostRecord *outpost_store_get             (OutpostStore    *self,
                                              const char      *entity,
                                              const char      *id,
                                              GError         **error);
/* Returns OutpostRecord* in sort order. No OFFSET scans: page with after_value/after_id. */
GPtrArray     *outpost_store_query           (OutpostStore    *self,
                                              const char      *entity,
                                              const OutpostQuery *query,
                                              GError         **error);
gint64         outpost_store_count           (OutpostStore    *self,
                                              const char      *entity,
                                              const OutpostQuery *query, /* NULL = all */
                                              GError         **error);
/* Like outpost_store_count, but stops counting past @cap: returns the count when it is at most
 * @cap, else @cap + 1 ("more than @cap"). A search of a common word costs time in proportion to
 * @cap, not to its matches. */
gint64         outpost_store_count_capped    (OutpostStore    *self,
                                              const char      *entity,
                                              const OutpostQuery *query,
                                              gint64           cap,
                                              GError         **error);
/* Paging checkpoints: after @query's cursor (after_value/after_id), in its order, the key of
 * every @stride-th row, at most @n_keys of them: OutpostRecord* with only the id and the sort
 * field in values (the cursor for the next page). Walks the sort index and reads no other
 * column (about 0.1 ms per 500 rows on 1M rows, where building the records costs 100x that).
 * Fewer than @n_keys: the end of the list was reached. */
GPtrArray     *outpost_store_query_keys      (OutpostStore    *self,
                                              const char      *entity,
                                              const OutpostQuery *query,
                                              guint            stride,
                                              guint            n_keys,
                                              GError         **error);
/* While @cancellable (may be NULL: none) is set, a running read on this connection stops soon
 * after it is cancelled and fails (the caller reports G_IO_ERROR_CANCELLED): a superseded list
 * query does not hold the connection. Set it around reads only, never around writes. */
void           outpost_store_set_cancellable (OutpostStore    *self,
                                              GCancellable    *cancellable);
/* Records (not edits) with unsynced local changes, plus N:N links added or removed here and not
 * yet uploaded (counted on the relationship's first entity); entity NULL = all entities. */
gint64         outpost_store_count_unsynced  (OutpostStore    *self,
                                              const char      *entity,
                                              GError         **error);

/* ---- user writes (row + journal in one transaction; validated; nothing partial) -------- */

/* @values: field -> value. The primary id may be given (a GUID); otherwise one is generated.
 * Returns the new id. */
char          *outpost_store_create          (OutpostStore    *self,
                                              const char      *entity,
                                              JsonObject      *values,
                                              GError         **error);
/* @changes: only the changed fields. */
gboolean       outpost_store_update          (OutpostStore    *self,
                                              const char      *entity,
                                              const char      *id,
                                              JsonObject      *changes,
                                              GError         **error);
gboolean       outpost_store_delete          (OutpostStore    *self,
                                              const char      *entity,
                                              const char      *id,
                                              GError         **error);
gboolean       outpost_store_associate       (OutpostStore    *self,
                                              const char      *relationship,
                                              const char      *entity,
                                              const char      *id,
                                              const char      *related_entity,
                                              const char      *related_id,
                                              GError         **error);
gboolean       outpost_store_disassociate    (OutpostStore    *self,
                                              const char      *relationship,
                                              const char      *entity,
                                              const char      *id,
                                              const char      *related_entity,
                                              const char      *related_id,
                                              GError         **error);
/* Checks @values against the entity's fields without writing (for inline form validation).
 * The error names the field (g_error's message starts with the field label). */
gboolean       outpost_store_validate        (OutpostStore    *self,
                                              const char      *entity,
                                              JsonObject      *values,
                                              gboolean         is_create,
                                              GError         **error);

/* Added by the store: ids on the other side of an N:N @relationship from (@entity, @id),
 * excluding links removed here and not yet uploaded. Returns char*. */
GPtrArray     *outpost_store_list_associated (OutpostStore    *self,
                                              const char      *relationship,
                                              const char      *entity,
                                              const char      *id,
                                              GError         **error);

G_END_DECLS

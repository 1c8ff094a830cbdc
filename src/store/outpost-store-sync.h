/* outpost-store-sync.h: what the sync engine needs from the store: the change journal, server
 * rows, per-table sync state, the sync log, sync errors and conflicts. */
#pragma once

#include "outpost-store.h"

G_BEGIN_DECLS

/* ---- transactions: the sync commits in short transactions (one page, one batch) -------- */
/* Inside begin/commit, a row insert (apply_server_row, create) that fails after writing part
 * of its work (the row but not its full-text entry or journal entry) returns its error and
 * makes the commit fail with OUTPOST_STORE_ERROR_FAILED: roll back and redo the batch.
 * Failures that write nothing (validation, a duplicate id) leave the transaction usable. */
gboolean       outpost_store_begin           (OutpostStore *self, GError **error);
gboolean       outpost_store_commit          (OutpostStore *self, GError **error);
void           outpost_store_rollback        (OutpostStore *self);

/* ---- the change journal ------------------------------------------------------------------ */

typedef enum {
  OUTPOST_JOURNAL_CREATE,
  OUTPOST_JOURNAL_UPDATE,
  OUTPOST_JOURNAL_DELETE,
  OUTPOST_JOURNAL_ASSOCIATE,
  OUTPOST_JOURNAL_DISASSOCIATE,
} OutpostJournalOp;

typedef enum {
  OUTPOST_JOURNAL_PENDING,    /* waiting for upload; later user edits coalesce into it */
  OUTPOST_JOURNAL_IN_FLIGHT,  /* sent (or being sent): never coalesced into, re-sent after a crash */
  OUTPOST_JOURNAL_FAILED,     /* the server refused it: a sync error, retried only on Retry */
  OUTPOST_JOURNAL_IGNORED,    /* the user chose Ignore: local change kept, not retried */
} OutpostJournalStatus;

typedef struct {
  gint64                seq;
  OutpostJournalOp      op;
  OutpostJournalStatus  status;
  char                 *entity;
  char                 *record_id;
  JsonObject           *fields;        /* CREATE: all values; UPDATE: changed fields; else NULL */
  char                 *relationship;  /* ASSOCIATE / DISASSOCIATE */
  char                 *related_entity;
  char                 *related_id;
  gint                  attempts;
} OutpostJournalEntry;

void           outpost_journal_entry_free    (OutpostJournalEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostJournalEntry, outpost_journal_entry_free)

/* PENDING and IN_FLIGHT entries in seq order (OutpostJournalEntry*). */
GPtrArray     *outpost_store_journal_list    (OutpostStore *self, GError **error);
/* Marks entries IN_FLIGHT before they are sent. */
gboolean       outpost_store_journal_mark_in_flight (OutpostStore *self, gint64 seq, GError **error);
/* Marks the entry IN_FLIGHT and returns it as it is now, in one step (call it inside a
 * transaction, right before sending): a user save that coalesced into the entry after
 * journal_list goes up with it instead of being lost. NULL with NOT_FOUND when the entry is
 * gone (the user discarded the change meanwhile): skip it. */
OutpostJournalEntry *outpost_store_journal_claim (OutpostStore *self, gint64 seq, GError **error);
/* The server took the entry: remove it; when no other entry for the record remains the row
 * becomes SYNCED with @etag (may be NULL) and its base values are dropped. */
gboolean       outpost_store_journal_complete (OutpostStore *self, gint64 seq,
                                              const char *etag, GError **error);
/* One entry the server took, for outpost_store_journal_complete_many. */
typedef struct {
  gint64      seq;
  const char *etag;   /* the ETag the server returned, or NULL */
} OutpostJournalDone;

/* outpost_store_journal_complete for each of @done in order, in one transaction (a savepoint
 * inside the caller's), with cached statements: all of them land, or on an error (an entry
 * gone: NOT_FOUND) none does. */
gboolean       outpost_store_journal_complete_many (OutpostStore *self,
                                              const OutpostJournalDone *done, guint n,
                                              GError **error);
/* What the upload needs of a row, without reading its values: its ETag (NULL when it has
 * none) and whether it waits for a conflict resolution. FALSE with NOT_FOUND when absent. */
gboolean       outpost_store_get_sync_state  (OutpostStore *self, const char *entity,
                                              const char *id, char **etag,
                                              gboolean *has_conflict, GError **error);
/* The server refused the entry: it becomes FAILED and a sync error row is written. */
gboolean       outpost_store_journal_fail    (OutpostStore *self, gint64 seq,
                                              const char *message, GError **error);

/* The server answered an update of the entry's record with 404: someone deleted the record
 * there. The entry fails with @message (the local change stays until the user chooses) and the
 * row becomes LOCALLY_CREATED, as the server has no version of it: "Take Server Version"
 * (outpost_store_error_take_server) then removes it here, and a local delete forgets it.
 * (Added by issues4.) */
gboolean       outpost_store_journal_fail_gone (OutpostStore *self, gint64 seq,
                                              const char *message, GError **error);

/* ---- server rows ---------------------------------------------------------------------- */

typedef enum {
  OUTPOST_APPLY_WRITTEN,        /* row inserted or replaced */
  OUTPOST_APPLY_UNCHANGED,      /* same etag: only the generation was touched */
  OUTPOST_APPLY_LOCAL_CHANGES,  /* the row has unsynced local changes: not written */
} OutpostApplyResult;

/* Writes a row as the server has it (values already mapped to field names), stamping it with
 * @generation (see outpost_store_sweep). Never overwrites a row with local changes. */
OutpostApplyResult outpost_store_apply_server_row (OutpostStore *self, const char *entity,
                                              const char *id, JsonObject *values,
                                              const char *etag, gint64 generation,
                                              GError **error);
/* A row deleted on the server (or out of the filter): removed unless it has local changes.
 * Returns FALSE with no error when it was kept for that reason. */
gboolean       outpost_store_remove_server_row (OutpostStore *self, const char *entity,
                                              const char *id, GError **error);
/* After a complete full sync: removes synced rows not stamped with @generation. Returns the
 * number removed, or -1 on error. */
gint64         outpost_store_sweep           (OutpostStore *self, const char *entity,
                                              gint64 generation, GError **error);
/* The last server values of the locally changed fields (field -> value), or NULL. */
JsonObject    *outpost_store_get_base        (OutpostStore *self, const char *entity,
                                              const char *id, GError **error);
/* After a merge: the server's row becomes the new base (etag, values); @local_changes (may be
 * NULL or empty) stay as the row's unsynced changes with a pending UPDATE entry. */
gboolean       outpost_store_rebase          (OutpostStore *self, const char *entity,
                                              const char *id, JsonObject *server_values,
                                              const char *etag, JsonObject *local_changes,
                                              GError **error);

/* Added by the store: an N:N link as the server has it (state synced). A link removed here and
 * not yet uploaded is left as it is. */
gboolean       outpost_store_apply_server_association (OutpostStore *self, const char *relationship,
                                              const char *entity, const char *id,
                                              const char *related_entity, const char *related_id,
                                              GError **error);
/* Added by the store: synced rows without an etag, i.e. rows whose local change was dropped by
 * outpost_store_error_take_server(): fetch them individually (char* ids). */
GPtrArray     *outpost_store_list_stale      (OutpostStore *self, const char *entity, GError **error);

/* ---- bulk load: a first full sync (added by store-perf) ------------------------------------ */

/* Call before downloading a full sync of @entity, outside a page transaction. When the entity
 * has no synced rows yet (a first sync) or an interrupted bulk load is waiting, *@active becomes
 * TRUE and, until outpost_store_end_bulk(), outpost_store_apply_server_row() for @entity writes
 * into a staging table without the sort and full-text indexes (about 4x faster; commit pages with
 * outpost_store_begin/commit as usual; a restart resumes: call begin_bulk again and continue
 * from the page checkpoint). Readers see NONE of the loaded rows until end_bulk: the list
 * shows what it showed before (rows the user creates meanwhile included). Otherwise *@active is
 * FALSE and rows take the normal path. Results of apply_server_row are the same in both modes
 * (a row with local changes is never overwritten). */
gboolean       outpost_store_begin_bulk      (OutpostStore *self, const char *entity,
                                              gboolean *active, GError **error);
/* After the last page, before outpost_store_sweep(): in one transaction, the staged rows
 * replace the entity's rows without local changes, the indexes are built and the full-text
 * index is filled (a few seconds for 1M rows). Readers see the complete table at once. A no-op
 * when no bulk load is pending. */
gboolean       outpost_store_end_bulk        (OutpostStore *self, const char *entity,
                                              GError **error);
/* Abandons a bulk load (e.g. the full sync is restarted from the first page): the staged rows
 * are dropped. */
gboolean       outpost_store_cancel_bulk     (OutpostStore *self, const char *entity,
                                              GError **error);

/* ---- idle-time upkeep ------------------------------------------------------------------ */

/* One bounded step of merging the full-text index's segments, of @entity (NULL = the first
 * entity that has more than one segment), in a transaction of its own: at most about
 * @budget_pages index pages (4 KB each) are written, so a user's save waits at most that long.
 * A store written by many transactions (a sync, row by row) keeps many segments, and each
 * search walks every one of them. A table with more than 4 segments is merged down to one
 * (a few small ones are left: merging them rewrites the whole index). *@more: call again
 * (later is fine: writes in between are kept and merged too). Not inside
 * outpost_store_begin/commit. The sync engine calls it at the end of a sync run that wrote rows. */
gboolean       outpost_store_tidy_search_index (OutpostStore *self, const char *entity,
                                                gint budget_pages, gboolean *more,
                                                GError **error);

/* ---- per-table sync state --------------------------------------------------------------- */

typedef struct {
  char     *entity;
  char     *delta_link;       /* change tracking; NULL if none yet */
  char     *last_sync;        /* ISO 8601 UTC of the last completed download; NULL = never */
  gboolean  full_sync_owed;
  char     *checkpoint;       /* nextLink of a full sync in progress, NULL if none */
  gint64    generation;       /* generation of the full sync in progress / last completed */
  gint64    profile_version;  /* profile version of the last completed full sync */
} OutpostTableState;

void           outpost_table_state_free      (OutpostTableState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostTableState, outpost_table_state_free)

OutpostTableState *outpost_store_get_table_state (OutpostStore *self, const char *entity,
                                              GError **error);
gboolean       outpost_store_set_table_state (OutpostStore *self, const OutpostTableState *state,
                                              GError **error);
/* Forces a full sync of @entity (NULL = every entity) at the next sync. */
gboolean       outpost_store_owe_full_sync   (OutpostStore *self, const char *entity,
                                              GError **error);

/* ---- sync log, errors, conflicts -------------------------------------------------------- */

typedef struct {
  gint64  id;
  char   *kind;          /* "full", "incremental", "upload", "email", "entities" */
  gint64  started;       /* unix seconds */
  gint64  ended;         /* 0 while running */
  char   *status;        /* "running", "succeeded", "failed", "cancelled", "interrupted" (its
                          * process ended during the run) */
  gint64  downloaded;
  gint64  uploaded;
  gint64  conflicts;
  gint64  errors;
  char   *message;       /* why it failed, or NULL */
} OutpostSyncRun;

void           outpost_sync_run_free         (OutpostSyncRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostSyncRun, outpost_sync_run_free)

gint64         outpost_store_log_begin       (OutpostStore *self, const char *kind, GError **error);
gboolean       outpost_store_log_end         (OutpostStore *self, const OutpostSyncRun *run,
                                              GError **error);
/* Runs still marked "running" end as "interrupted" (their process died: call it only while
 * holding the account's sync lock, see outpost-sync-engine.c). Returns how many, or -1.
 * (Added by issues4.) */
gint64         outpost_store_log_interrupt_running (OutpostStore *self, GError **error);
/* A line in the run's log (e.g. the local values lost to ServerWins). */
gboolean       outpost_store_log_message     (OutpostStore *self, gint64 run_id,
                                              const char *entity, const char *record_id,
                                              const char *message, GError **error);
GPtrArray     *outpost_store_list_runs       (OutpostStore *self, guint limit, GError **error);
GPtrArray     *outpost_store_list_run_messages (OutpostStore *self, gint64 run_id, GError **error); /* char* */

typedef struct {
  gint64  id;
  gint64  journal_seq;
  char   *entity;
  char   *record_id;
  char   *message;       /* the server's message */
  gint64  when;
} OutpostSyncErrorRow;

void           outpost_sync_error_row_free   (OutpostSyncErrorRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostSyncErrorRow, outpost_sync_error_row_free)

GPtrArray     *outpost_store_list_errors     (OutpostStore *self, GError **error);
/* Retry: the entry becomes PENDING again. Ignore: IGNORED (local change kept, not retried).
 * Take server version: the local change is dropped and the row is marked for re-download. */
gboolean       outpost_store_error_retry     (OutpostStore *self, gint64 error_id, GError **error);
gboolean       outpost_store_error_ignore    (OutpostStore *self, gint64 error_id, GError **error);
gboolean       outpost_store_error_take_server (OutpostStore *self, gint64 error_id, GError **error);

typedef struct {
  gint64      id;
  char       *entity;
  char       *record_id;
  JsonObject *local;     /* conflicting fields: local values */
  JsonObject *server;    /* ... server values */
  JsonObject *base;      /* ... last common values */
  char       *server_etag;
  gint64      when;
} OutpostConflict;

void           outpost_conflict_free         (OutpostConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostConflict, outpost_conflict_free)

gboolean       outpost_store_add_conflict    (OutpostStore *self, const OutpostConflict *conflict,
                                              GError **error);
GPtrArray     *outpost_store_list_conflicts  (OutpostStore *self, GError **error);
/* @chosen: field -> value for every conflicting field. The server's values become the base,
 * fields where @chosen differs from the server stay local changes to upload. */
gboolean       outpost_store_resolve_conflict (OutpostStore *self, gint64 conflict_id,
                                              JsonObject *chosen, GError **error);

G_END_DECLS

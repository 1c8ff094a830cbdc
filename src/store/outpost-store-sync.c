/* outpost-store-sync.c: the sync engine's side of the store: journal progress, server rows,
 * sweeps and rebasing after a merge. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

static gboolean
bind2_step (OutpostStore *self, const char *sql, const char *a, const char *b, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

/* ---- journal ----------------------------------------------------------------------------------- */

void
outpost_journal_entry_free (OutpostJournalEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->entity);
  g_free (entry->record_id);
  g_clear_pointer (&entry->fields, json_object_unref);
  g_free (entry->relationship);
  g_free (entry->related_entity);
  g_free (entry->related_id);
  g_free (entry);
}

#define JOURNAL_COLS "seq, op, status, entity, record_id, fields, relationship, related_entity," \
                     " related_id, attempts"

static OutpostJournalEntry *
entry_from_stmt (sqlite3_stmt *stmt)
{
  OutpostJournalEntry *e = g_new0 (OutpostJournalEntry, 1);

  e->seq = sqlite3_column_int64 (stmt, 0);
  e->op = (OutpostJournalOp) sqlite3_column_int (stmt, 1);
  e->status = (OutpostJournalStatus) sqlite3_column_int (stmt, 2);
  e->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  e->record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  e->fields = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 5));
  e->relationship = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  e->related_entity = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  e->related_id = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  e->attempts = sqlite3_column_int (stmt, 9);
  return e;
}

GPtrArray *
outpost_store_journal_list (OutpostStore *self, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT " JOURNAL_COLS " FROM outpost_journal WHERE status IN (0, 1) ORDER BY seq", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_journal_entry_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, entry_from_stmt (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return outpost_store_sqlite_error (self, error, _("Could not read the journal")), NULL;
  return g_steal_pointer (&list);
}

/* the entry @seq is gone (completed, or never there) */
static void
no_journal_entry (gint64 seq, GError **error)
{
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No journal entry %" PRId64), seq);
}

static OutpostJournalEntry *
journal_get (OutpostStore *self, gint64 seq, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT " JOURNAL_COLS " FROM outpost_journal WHERE seq = ?1", error);
  OutpostJournalEntry *e = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    e = entry_from_stmt (stmt);
  else
    no_journal_entry (seq, error);
  sqlite3_reset (stmt);
  return e;
}

static gboolean
journal_set_status (OutpostStore *self, gint64 seq, OutpostJournalStatus status, gint attempts_add,
                    GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "UPDATE outpost_journal SET status = ?2, attempts = attempts + ?3 WHERE seq = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int (stmt, 2, status);
  sqlite3_bind_int (stmt, 3, attempts_add);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      no_journal_entry (seq, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
outpost_store_journal_mark_in_flight (OutpostStore *self, gint64 seq, GError **error)
{
  return journal_set_status (self, seq, OUTPOST_JOURNAL_IN_FLIGHT, 1, error);
}

OutpostJournalEntry *
outpost_store_journal_claim (OutpostStore *self, gint64 seq, GError **error)
{
  /* The UPDATE takes the write lock first, so the entry it returns has every save that
   * coalesced into it, and no save can slip in before the upload sends it. One statement
   * (RETURNING) instead of an UPDATE and a SELECT: the claim runs once per uploaded entry. */
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "UPDATE outpost_journal SET status = ?2, attempts = attempts + 1 WHERE seq = ?1"
    " RETURNING " JOURNAL_COLS, error);
  OutpostJournalEntry *e = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int (stmt, 2, OUTPOST_JOURNAL_IN_FLIGHT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    e = entry_from_stmt (stmt);
  else if (rc == SQLITE_DONE)
    no_journal_entry (seq, error);
  else
    outpost_store_sqlite_error (self, error, _("Could not write to the database"));
  sqlite3_reset (stmt);
  return e;
}

static gint64
remaining_entries (OutpostStore *self, const char *entity, const char *id)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT count(*) FROM outpost_journal WHERE entity = ?1 AND record_id = ?2", NULL);
  gint64 n = 0;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gboolean
complete_row (OutpostStore *self, OutpostJournalEntry *e, const char *etag, GError **error)
{
  OutpostTable *t = outpost_store_table (self, e->entity, NULL);
  g_autofree char *sql = NULL;
  gint64 left;

  if (t == NULL)
    return TRUE;
  if (e->op == OUTPOST_JOURNAL_DELETE)
    {
      sql = g_strdup_printf ("DELETE FROM %s WHERE __id = ?1", t->table);
      return bind2_step (self, sql, e->record_id, NULL, error);
    }
  left = remaining_entries (self, e->entity, e->record_id);
  /* the record now exists on the server: with nothing left it is SYNCED, else MODIFIED */
  sql = g_strdup_printf ("UPDATE %s SET __etag = coalesce(?2, __etag), __state = %s,"
                         " __base = %s WHERE __id = ?1", t->table,
                         left == 0 ? "0" : "CASE __state WHEN 1 THEN 2 ELSE __state END",
                         left == 0 ? "NULL" : "__base");
  return left >= 0 && bind2_step (self, sql, e->record_id, etag, error);
}

static gboolean
complete_assoc (OutpostStore *self, OutpostJournalEntry *e, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, e->op == OUTPOST_JOURNAL_ASSOCIATE
    ? "UPDATE outpost_association SET state = 0 WHERE relationship = ?1 AND entity = ?2"
      " AND record_id = ?3 AND related_entity = ?4 AND related_id = ?5"
    : "DELETE FROM outpost_association WHERE relationship = ?1 AND entity = ?2"
      " AND record_id = ?3 AND related_entity = ?4 AND related_id = ?5", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, e->relationship, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, e->entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, e->record_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, e->related_entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, e->related_id, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
do_complete (OutpostStore *self, gint64 seq, const char *etag, GError **error)
{
  g_autoptr(OutpostJournalEntry) e = journal_get (self, seq, error);
  sqlite3_stmt *stmt;

  if (e == NULL)
    return FALSE;
  stmt = outpost_store_prepare (self, "DELETE FROM outpost_journal WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  stmt = outpost_store_prepare (self, "DELETE FROM outpost_sync_error WHERE journal_seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  if (e->op == OUTPOST_JOURNAL_ASSOCIATE || e->op == OUTPOST_JOURNAL_DISASSOCIATE)
    return complete_assoc (self, e, error);
  return complete_row (self, e, etag, error) &&
         outpost_store_set_issue_flags (self, e->entity, e->record_id, error);
}

gboolean
outpost_store_journal_complete (OutpostStore *self, gint64 seq, const char *etag, GError **error)
{
  gboolean ok;

  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = do_complete (self, seq, etag, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

/* ---- many completions in one go ---------------------------------------------------------- */

/* The journal entry's row (the parts completing needs), removed in the same statement. */
static OutpostJournalEntry *
journal_take (OutpostStore *self, gint64 seq, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "DELETE FROM outpost_journal WHERE seq = ?1"
    " RETURNING op, entity, record_id, relationship, related_entity, related_id", error);
  OutpostJournalEntry *e = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      e = g_new0 (OutpostJournalEntry, 1);
      e->seq = seq;
      e->op = (OutpostJournalOp) sqlite3_column_int (stmt, 0);
      e->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      e->record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      e->relationship = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      e->related_entity = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      e->related_id = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
    }
  else if (rc == SQLITE_DONE)
    no_journal_entry (seq, error);
  else
    outpost_store_sqlite_error (self, error, _("Could not write to the database"));
  sqlite3_reset (stmt);
  return e;
}

/* complete_row and outpost_store_set_issue_flags in one cached UPDATE: with no entry left for
 * the record it becomes SYNCED without base values, else a created row becomes MODIFIED. */
static gboolean
complete_row_cached (OutpostStore *self, OutpostTable *t, OutpostJournalEntry *e,
                     const char *etag, GError **error)
{
  sqlite3_stmt *stmt = t->complete_stmt;

  if (stmt == NULL)
    {
      g_autofree char *sql = g_strdup_printf (
        "UPDATE %s SET __etag = coalesce(?2, __etag),"
        " __state = CASE WHEN EXISTS (SELECT 1 FROM outpost_journal WHERE entity = ?3 AND record_id = ?1)"
        "   THEN (CASE __state WHEN 1 THEN 2 ELSE __state END) ELSE 0 END,"
        " __base = CASE WHEN EXISTS (SELECT 1 FROM outpost_journal WHERE entity = ?3 AND record_id = ?1)"
        "   THEN __base ELSE NULL END,"
        " __issues = (EXISTS (SELECT 1 FROM outpost_sync_error WHERE entity = ?3 AND record_id = ?1)) |"
        "   (EXISTS (SELECT 1 FROM outpost_conflict WHERE entity = ?3 AND record_id = ?1) << 1)"
        " WHERE __id = ?1", t->table);
      if ((stmt = outpost_store_prepare_cached (self, &t->complete_stmt, sql, error)) == NULL)
        return FALSE;
    }
  sqlite3_bind_text (stmt, 1, e->record_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, etag, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, e->entity, -1, SQLITE_STATIC);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
complete_one (OutpostStore *self, const OutpostJournalDone *done, GError **error)
{
  g_autoptr(OutpostJournalEntry) e = journal_take (self, done->seq, error);
  sqlite3_stmt *stmt;
  OutpostTable *t;

  if (e == NULL)
    return FALSE;
  stmt = outpost_store_prepare (self, "DELETE FROM outpost_sync_error WHERE journal_seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, done->seq);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  if (e->op == OUTPOST_JOURNAL_ASSOCIATE || e->op == OUTPOST_JOURNAL_DISASSOCIATE)
    return complete_assoc (self, e, error);
  if ((t = outpost_store_table (self, e->entity, NULL)) == NULL)
    return TRUE;
  if (e->op == OUTPOST_JOURNAL_DELETE)
    return complete_row (self, e, NULL, error);
  return complete_row_cached (self, t, e, done->etag, error);
}

gboolean
outpost_store_journal_complete_many (OutpostStore *self, const OutpostJournalDone *done, guint n,
                                     GError **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (OUTPOST_IS_STORE (self), FALSE);
  if (n == 0)
    return TRUE;
  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  for (guint i = 0; ok && i < n; i++)
    ok = complete_one (self, &done[i], error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

gboolean
outpost_store_get_sync_state (OutpostStore *self, const char *entity, const char *id, char **etag,
                              gboolean *has_conflict, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  sqlite3_stmt *stmt;
  int rc;

  *etag = NULL;
  *has_conflict = FALSE;
  if (t == NULL)
    return FALSE;
  if ((stmt = t->sync_state_stmt) == NULL)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT __etag, __issues FROM %s WHERE __id = ?1", t->table);
      if ((stmt = outpost_store_prepare_cached (self, &t->sync_state_stmt, sql, error)) == NULL)
        return FALSE;
    }
  sqlite3_bind_text (stmt, 1, lid, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *etag = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *has_conflict = (sqlite3_column_int (stmt, 1) & OUTPOST_ISSUE_CONFLICT) != 0;
    }
  else if (rc == SQLITE_DONE)
    outpost_store_not_found (error, entity, id);
  else
    outpost_store_sqlite_error (self, error, _("Could not read a record"));
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

static gboolean
do_fail (OutpostStore *self, gint64 seq, const char *message, GError **error)
{
  g_autoptr(OutpostJournalEntry) e = journal_get (self, seq, error);
  sqlite3_stmt *stmt;

  if (e == NULL || !journal_set_status (self, seq, OUTPOST_JOURNAL_FAILED, 0, error))
    return FALSE;
  stmt = outpost_store_prepare (self, "INSERT INTO outpost_sync_error (journal_seq, entity,"
                                " record_id, message, at) VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, e->entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, e->record_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, outpost_store_now ());
  return outpost_store_step_done (self, stmt, error) &&
         outpost_store_set_issue_flags (self, e->entity, e->record_id, error);
}

gboolean
outpost_store_journal_fail (OutpostStore *self, gint64 seq, const char *message, GError **error)
{
  gboolean ok;

  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = do_fail (self, seq, message, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

/* ---- server rows --------------------------------------------------------------------------------- */

/* -1 absent, else the state; @etag gets the row's etag. */
gint
outpost_server_row_state (OutpostStore *self, OutpostTable *t, const char *id, char **etag, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare_cached (self, &t->state_stmt, t->state_sql, error);
  gint state = -1;
  int rc;

  if (stmt == NULL)
    return -2;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      state = sqlite3_column_int (stmt, 0);
      if (etag != NULL)
        *etag = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    state = -2, outpost_store_sqlite_error (self, error, _("Could not read a record"));
  sqlite3_reset (stmt);
  return state;
}

static gboolean
stamp_generation (OutpostStore *self, OutpostTable *t, const char *id, gint64 generation,
                  GError **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET __generation = ?2 WHERE __id = ?1", t->table);
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, generation);
  return outpost_store_step_done (self, stmt, error);
}

OutpostApplyResult
outpost_store_apply_server_row (OutpostStore *self, const char *entity, const char *id,
                                JsonObject *values, const char *etag, gint64 generation,
                                GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  g_autofree char *old_etag = NULL;
  sqlite3_stmt *stmt;
  gint state, inserted;

  if (t != NULL && lid != NULL && t->bulk)
    return outpost_bulk_apply (self, t, lid, values, etag, generation, error);
  if (t == NULL || lid == NULL ||
      (inserted = outpost_table_insert_row (self, t, lid, etag, OUTPOST_ROW_SYNCED, generation,
                                            values, TRUE, error)) < 0)
    return OUTPOST_APPLY_UNCHANGED;
  if (inserted)
    return OUTPOST_APPLY_WRITTEN;
  /* the row exists: local changes win, the same etag only moves the generation */
  if ((state = outpost_server_row_state (self, t, lid, &old_etag, error)) == -2)
    return OUTPOST_APPLY_UNCHANGED;
  if (state > 0)
    return OUTPOST_APPLY_LOCAL_CHANGES;
  if (state == 0 && etag != NULL && g_strcmp0 (etag, old_etag) == 0)
    return stamp_generation (self, t, lid, generation, error), OUTPOST_APPLY_UNCHANGED;
  if (state < 0)  /* gone since the insert above found it: cannot happen on one connection */
    return outpost_table_insert_row (self, t, lid, etag, OUTPOST_ROW_SYNCED, generation, values,
                                     TRUE, error) < 0 ? OUTPOST_APPLY_UNCHANGED : OUTPOST_APPLY_WRITTEN;
  /* most server changes leave the searchable text alone: then the FTS trigger stays out */
  stmt = outpost_store_prepare (self, outpost_table_fts_unchanged (self, t, lid, values)
                                      ? t->replace_keep_fts_sql : t->replace_sql, error);
  if (stmt == NULL)
    return OUTPOST_APPLY_UNCHANGED;
  sqlite3_bind_text (stmt, 1, lid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, etag, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, OUTPOST_ROW_SYNCED);
  sqlite3_bind_int (stmt, 4, 0);
  sqlite3_bind_int64 (stmt, 5, generation);
  sqlite3_bind_null (stmt, 6);
  outpost_bind_row_values (t, stmt, OUTPOST_COL_FIRST_FIELD + 1, values, NULL);
  if (!outpost_store_step_done (self, stmt, error))
    return OUTPOST_APPLY_UNCHANGED;
  return OUTPOST_APPLY_WRITTEN;
}

gboolean
outpost_store_remove_server_row (OutpostStore *self, const char *entity, const char *id,
                                 GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  g_autofree char *sql = NULL;
  gint state;

  if (t == NULL)
    return FALSE;
  /* a staged copy goes too: a scan (the staging table has no index on __id), for a deletion
   * on a full sync's page, which Dataverse does not send (removals come in delta pages, and a
   * delta follows a completed load) */
  if (t->bulk)
    {
      sql = g_strdup_printf ("DELETE FROM %s WHERE __id = ?1", t->staging);
      if (!bind2_step (self, sql, lid, NULL, error))
        return FALSE;
      g_clear_pointer (&sql, g_free);
    }
  if ((state = outpost_server_row_state (self, t, lid, NULL, error)) == -2)
    return FALSE;
  if (state < 0)
    return TRUE;
  if (state > 0)
    return FALSE;  /* local changes win over a server delete until the user decides */
  sql = g_strdup_printf ("DELETE FROM %s WHERE __id = ?1 AND __state = 0", t->table);
  return bind2_step (self, sql, lid, NULL, error);
}

gint64
outpost_store_sweep (OutpostStore *self, const char *entity, gint64 generation, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  if (t == NULL)
    return -1;
  sql = g_strdup_printf ("DELETE FROM %s WHERE __state = 0 AND __generation != ?1", t->table);
  if ((stmt = outpost_store_prepare (self, sql, error)) == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, generation);
  if (!outpost_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_changes (self->db);
}

JsonObject *
outpost_store_get_base (OutpostStore *self, const char *entity, const char *id, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *lid = id ? g_ascii_strdown (id, -1) : NULL;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  JsonObject *base = NULL;

  if (t == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT __base FROM %s WHERE __id = ?1", t->table);
  if ((stmt = outpost_store_prepare (self, sql, error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, lid, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    base = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 0));
  else
    g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
                 _("No %s with id %s"), entity, id);
  sqlite3_reset (stmt);
  return base;
}

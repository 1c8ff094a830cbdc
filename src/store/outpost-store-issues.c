/* outpost-store-issues.c: sync errors (retry / ignore / take server), conflicts, per-table
 * sync state and the sync log. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "outpost-store-private.h"

#define TEXT(stmt, i) g_strdup ((const char *) sqlite3_column_text ((stmt), (i)))

static gboolean
missing (GError **error, const char *what, gint64 id)
{
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No %s %" PRId64), what, id);
  return FALSE;
}

static gboolean
exec_id (OutpostStore *self, const char *sql, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return outpost_store_step_done (self, stmt, error);
}

static gboolean
exec_text2 (OutpostStore *self, const char *sql, const char *a, const char *b, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

/* ---- sync errors ------------------------------------------------------------------------------- */

void
outpost_sync_error_row_free (OutpostSyncErrorRow *row)
{
  if (row == NULL)
    return;
  g_free (row->entity);
  g_free (row->record_id);
  g_free (row->message);
  g_free (row);
}

static OutpostSyncErrorRow *
error_from_stmt (sqlite3_stmt *stmt)
{
  OutpostSyncErrorRow *r = g_new0 (OutpostSyncErrorRow, 1);

  r->id = sqlite3_column_int64 (stmt, 0);
  r->journal_seq = sqlite3_column_int64 (stmt, 1);
  r->entity = TEXT (stmt, 2);
  r->record_id = TEXT (stmt, 3);
  r->message = TEXT (stmt, 4);
  r->when = sqlite3_column_int64 (stmt, 5);
  return r;
}

GPtrArray *
outpost_store_list_errors (OutpostStore *self, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "SELECT id, journal_seq, entity, record_id,"
                                              " message, at FROM outpost_sync_error ORDER BY id", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_sync_error_row_free);

  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, error_from_stmt (stmt));
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}

static OutpostSyncErrorRow *
error_get (OutpostStore *self, gint64 id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "SELECT id, journal_seq, entity, record_id,"
                                              " message, at FROM outpost_sync_error WHERE id = ?1", error);
  OutpostSyncErrorRow *r = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    r = error_from_stmt (stmt);
  else
    missing (error, "sync error", id);
  sqlite3_reset (stmt);
  return r;
}

static gboolean
resolve_error (OutpostStore *self, gint64 error_id, OutpostJournalStatus status, GError **error)
{
  g_autoptr(OutpostSyncErrorRow) r = error_get (self, error_id, error);
  g_autofree char *sql = NULL;

  if (r == NULL)
    return FALSE;
  sql = g_strdup_printf ("UPDATE outpost_journal SET status = %d WHERE seq = ?1", status);
  return exec_id (self, sql, r->journal_seq, error) &&
         exec_id (self, "DELETE FROM outpost_sync_error WHERE id = ?1", error_id, error) &&
         outpost_store_set_issue_flags (self, r->entity, r->record_id, error);
}

static gboolean
in_tx_error (OutpostStore *self, gint64 error_id, OutpostJournalStatus status, GError **error)
{
  gboolean ok;

  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = resolve_error (self, error_id, status, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

gboolean
outpost_store_error_retry (OutpostStore *self, gint64 error_id, GError **error)
{
  return in_tx_error (self, error_id, OUTPOST_JOURNAL_PENDING, error);
}

gboolean
outpost_store_error_ignore (OutpostStore *self, gint64 error_id, GError **error)
{
  return in_tx_error (self, error_id, OUTPOST_JOURNAL_IGNORED, error);
}

/* Drops every local change of the record: restores the server's (base) values and clears the
 * etag so the next download writes the row whatever the server's etag is. */
static gboolean
take_server (OutpostStore *self, OutpostSyncErrorRow *r, GError **error)
{
  OutpostTable *t = outpost_store_table (self, r->entity, error);
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  sqlite3_stmt *stmt;

  if (t == NULL || (rec = outpost_store_get (self, r->entity, r->record_id, error)) == NULL)
    return FALSE;
  base = outpost_store_get_base (self, r->entity, r->record_id, NULL);
  if (!exec_text2 (self, "DELETE FROM outpost_journal WHERE entity = ?1 AND record_id = ?2",
                   r->entity, r->record_id, error) ||
      !exec_text2 (self, "DELETE FROM outpost_sync_error WHERE entity = ?1 AND record_id = ?2",
                   r->entity, r->record_id, error))
    return FALSE;
  if (rec->state == OUTPOST_ROW_LOCALLY_CREATED)
    {
      /* the server has no such row (never had, or deleted it: see outpost_store_journal_fail_gone) */
      if (!exec_text2 (self, "DELETE FROM outpost_association WHERE (entity = ?1 AND record_id = ?2)"
                       " OR (related_entity = ?1 AND related_id = ?2)", r->entity, r->record_id, error))
        return FALSE;
      g_string_printf (sql, "DELETE FROM %s", t->table);
    }
  else
    {
      g_string_printf (sql, "UPDATE %s SET __state = 0, __base = NULL, __etag = NULL", t->table);
      if (base != NULL)
        outpost_table_change_columns (t, base, sql, binds);
    }
  g_string_append_printf (sql, " WHERE __id = ?%u", binds->len + 1);
  if ((stmt = outpost_store_prepare (self, sql->str, error)) == NULL)
    return FALSE;
  outpost_bind_all (stmt, binds);
  sqlite3_bind_text (stmt, (int) binds->len + 1, r->record_id, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error) &&
         outpost_store_set_issue_flags (self, r->entity, r->record_id, error);
}

gboolean
outpost_store_error_take_server (OutpostStore *self, gint64 error_id, GError **error)
{
  g_autoptr(OutpostSyncErrorRow) r = error_get (self, error_id, error);
  gboolean ok;

  if (r == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = take_server (self, r, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

/* The entry's entity and record id. */
static gboolean
entry_record (OutpostStore *self, gint64 seq, char **entity, char **record_id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "SELECT entity, record_id FROM outpost_journal"
                                              " WHERE seq = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *entity = TEXT (stmt, 0);
      *record_id = TEXT (stmt, 1);
    }
  sqlite3_reset (stmt);
  return *entity != NULL || missing (error, "journal entry", seq);
}

/* The record is gone on the server: its row keeps the local values but the server has no
 * version of it any more, which is what a row created here is. */
static gboolean
fail_gone (OutpostStore *self, gint64 seq, const char *message, GError **error)
{
  g_autofree char *entity = NULL, *record_id = NULL, *sql = NULL;
  OutpostTable *t;

  if (!entry_record (self, seq, &entity, &record_id, error) ||
      (t = outpost_store_table (self, entity, error)) == NULL ||
      !outpost_store_journal_fail (self, seq, message, error))
    return FALSE;
  sql = g_strdup_printf ("UPDATE %s SET __state = %d, __base = NULL WHERE __id = ?1 AND __state = %d",
                         t->table, OUTPOST_ROW_LOCALLY_CREATED, OUTPOST_ROW_LOCALLY_MODIFIED);
  return exec_text2 (self, sql, record_id, NULL, error);
}

gboolean
outpost_store_journal_fail_gone (OutpostStore *self, gint64 seq, const char *message, GError **error)
{
  gboolean ok;

  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = fail_gone (self, seq, message, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

GPtrArray *
outpost_store_list_stale (OutpostStore *self, const char *entity, GError **error)
{
  OutpostTable *t = outpost_store_table (self, entity, error);
  g_autofree char *sql = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (t == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT __id FROM %s WHERE __state = 0 AND __etag IS NULL", t->table);
  if ((stmt = outpost_store_prepare (self, sql, error)) == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, TEXT (stmt, 0));
  sqlite3_reset (stmt);
  return g_steal_pointer (&ids);
}

/* ---- conflicts ----------------------------------------------------------------------------------- */

void
outpost_conflict_free (OutpostConflict *c)
{
  if (c == NULL)
    return;
  g_free (c->entity);
  g_free (c->record_id);
  g_clear_pointer (&c->local, json_object_unref);
  g_clear_pointer (&c->server, json_object_unref);
  g_clear_pointer (&c->base, json_object_unref);
  g_free (c->server_etag);
  g_free (c);
}

static void
bind_object (sqlite3_stmt *stmt, int idx, JsonObject *o)
{
  if (o != NULL)
    sqlite3_bind_text (stmt, idx, outpost_json_object_to_string (o), -1, g_free);
}

static gboolean
insert_conflict (OutpostStore *self, const OutpostConflict *c, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "INSERT INTO outpost_conflict (entity, record_id,"
    " local, server, base, server_etag, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, c->entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, c->record_id, -1, SQLITE_TRANSIENT);
  bind_object (stmt, 3, c->local);
  bind_object (stmt, 4, c->server);
  bind_object (stmt, 5, c->base);
  sqlite3_bind_text (stmt, 6, c->server_etag, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, c->when ? c->when : outpost_store_now ());
  return outpost_store_step_done (self, stmt, error) &&
         outpost_store_set_issue_flags (self, c->entity, c->record_id, error);
}

gboolean
outpost_store_add_conflict (OutpostStore *self, const OutpostConflict *c, GError **error)
{
  gboolean ok;

  if (outpost_store_table (self, c->entity, error) == NULL || !outpost_store_tx_begin (self, error))
    return FALSE;
  ok = insert_conflict (self, c, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

#define CONFLICT_COLS "id, entity, record_id, local, server, base, server_etag, at"

static OutpostConflict *
conflict_from_stmt (sqlite3_stmt *stmt)
{
  OutpostConflict *c = g_new0 (OutpostConflict, 1);

  c->id = sqlite3_column_int64 (stmt, 0);
  c->entity = TEXT (stmt, 1);
  c->record_id = TEXT (stmt, 2);
  c->local = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 3));
  c->server = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 4));
  c->base = outpost_json_object_from_string ((const char *) sqlite3_column_text (stmt, 5));
  c->server_etag = TEXT (stmt, 6);
  c->when = sqlite3_column_int64 (stmt, 7);
  return c;
}

GPtrArray *
outpost_store_list_conflicts (OutpostStore *self, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT " CONFLICT_COLS " FROM outpost_conflict ORDER BY id", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_conflict_free);

  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, conflict_from_stmt (stmt));
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}

/* Local changes after resolving: the row's other unsynced fields stay; each conflicting field
 * stays local only when the chosen value differs from the server's. */
static JsonObject *
local_after_choice (OutpostRecord *rec, JsonObject *base, JsonObject *server, JsonObject *chosen)
{
  JsonObject *local = json_object_new ();
  g_autoptr(GList) keys = base ? json_object_get_members (base) : NULL;
  g_autoptr(GList) ckeys = json_object_get_members (chosen);

  for (GList *l = keys; l; l = l->next)
    if (json_object_has_member (rec->values, l->data))
      json_object_set_member (local, l->data, json_node_copy (json_object_get_member (rec->values, l->data)));
  for (GList *l = ckeys; l; l = l->next)
    {
      JsonNode *c = json_object_get_member (chosen, l->data);
      JsonNode *s = server && json_object_has_member (server, l->data)
                    ? json_object_get_member (server, l->data) : NULL;
      if (outpost_json_equal (c, s))
        json_object_remove_member (local, l->data);
      else
        json_object_set_member (local, l->data, json_node_copy (c));
    }
  return local;
}

static gboolean
resolve (OutpostStore *self, OutpostConflict *c, JsonObject *chosen, GError **error)
{
  g_autoptr(OutpostRecord) rec = outpost_store_get (self, c->entity, c->record_id, error);
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) server = c->server ? json_object_ref (c->server) : json_object_new ();

  if (rec == NULL)
    return FALSE;
  base = outpost_store_get_base (self, c->entity, c->record_id, NULL);
  local = local_after_choice (rec, base, server, chosen);
  return exec_id (self, "DELETE FROM outpost_conflict WHERE id = ?1", c->id, error) &&
         outpost_store_rebase (self, c->entity, c->record_id, server, c->server_etag, local, error);
}

gboolean
outpost_store_resolve_conflict (OutpostStore *self, gint64 conflict_id, JsonObject *chosen,
                                GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT " CONFLICT_COLS " FROM outpost_conflict WHERE id = ?1", error);
  g_autoptr(OutpostConflict) c = NULL;
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conflict_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    c = conflict_from_stmt (stmt);
  sqlite3_reset (stmt);
  if (c == NULL)
    return missing (error, "conflict", conflict_id);
  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = resolve (self, c, chosen, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

/* ---- per-table sync state ------------------------------------------------------------------------ */

void
outpost_table_state_free (OutpostTableState *s)
{
  if (s == NULL)
    return;
  g_free (s->entity);
  g_free (s->delta_link);
  g_free (s->last_sync);
  g_free (s->checkpoint);
  g_free (s);
}

OutpostTableState *
outpost_store_get_table_state (OutpostStore *self, const char *entity, GError **error)
{
  sqlite3_stmt *stmt;
  OutpostTableState *s;

  if (outpost_store_table (self, entity, error) == NULL ||
      (stmt = outpost_store_prepare (self, "SELECT delta_link, last_sync, full_sync_owed, checkpoint,"
                                     " generation, profile_version FROM outpost_table_state"
                                     " WHERE entity = ?1", error)) == NULL)
    return NULL;
  s = g_new0 (OutpostTableState, 1);
  s->entity = g_strdup (entity);
  s->full_sync_owed = TRUE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      s->delta_link = TEXT (stmt, 0);
      s->last_sync = TEXT (stmt, 1);
      s->full_sync_owed = sqlite3_column_int (stmt, 2) != 0;
      s->checkpoint = TEXT (stmt, 3);
      s->generation = sqlite3_column_int64 (stmt, 4);
      s->profile_version = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  return s;
}

gboolean
outpost_store_set_table_state (OutpostStore *self, const OutpostTableState *s, GError **error)
{
  sqlite3_stmt *stmt;

  if (outpost_store_table (self, s->entity, error) == NULL ||
      (stmt = outpost_store_prepare (self, "INSERT OR REPLACE INTO outpost_table_state (entity,"
                                     " delta_link, last_sync, full_sync_owed, checkpoint, generation,"
                                     " profile_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, s->entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, s->delta_link, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, s->last_sync, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 4, s->full_sync_owed ? 1 : 0);
  sqlite3_bind_text (stmt, 5, s->checkpoint, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, s->generation);
  sqlite3_bind_int64 (stmt, 7, s->profile_version);
  return outpost_store_step_done (self, stmt, error);
}

gboolean
outpost_store_owe_full_sync (OutpostStore *self, const char *entity, GError **error)
{
  OutpostProfile *p = self->profile;

  if (entity != NULL && outpost_store_table (self, entity, error) == NULL)
    return FALSE;
  for (guint i = 0; i < outpost_profile_get_n_entities (p); i++)
    {
      const char *name = outpost_profile_get_entity_at (p, i)->logical_name;
      if (entity != NULL && !g_str_equal (entity, name))
        continue;
      if (!exec_text2 (self, "INSERT INTO outpost_table_state (entity, full_sync_owed) VALUES (?1, 1)"
                       " ON CONFLICT (entity) DO UPDATE SET full_sync_owed = 1",
                       name, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- sync log ------------------------------------------------------------------------------------ */

void
outpost_sync_run_free (OutpostSyncRun *run)
{
  if (run == NULL)
    return;
  g_free (run->kind);
  g_free (run->status);
  g_free (run->message);
  g_free (run);
}

gint64
outpost_store_log_begin (OutpostStore *self, const char *kind, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "INSERT INTO outpost_sync_run (kind, started,"
                                              " status) VALUES (?1, ?2, 'running')", error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, outpost_store_now ());
  if (!outpost_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
outpost_store_log_end (OutpostStore *self, const OutpostSyncRun *run, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "UPDATE outpost_sync_run SET ended = ?2,"
    " status = ?3, downloaded = ?4, uploaded = ?5, conflicts = ?6, errors = ?7, message = ?8"
    " WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run->id);
  sqlite3_bind_int64 (stmt, 2, run->ended ? run->ended : outpost_store_now ());
  sqlite3_bind_text (stmt, 3, run->status ? run->status : "succeeded", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, run->downloaded);
  sqlite3_bind_int64 (stmt, 5, run->uploaded);
  sqlite3_bind_int64 (stmt, 6, run->conflicts);
  sqlite3_bind_int64 (stmt, 7, run->errors);
  sqlite3_bind_text (stmt, 8, run->message, -1, SQLITE_TRANSIENT);
  if (!outpost_store_step_done (self, stmt, error))
    return FALSE;
  return sqlite3_changes (self->db) > 0 ? TRUE : missing (error, "sync run", run->id);
}

/* A run is "running" only while its process lives: called by a sync that holds the account's
 * sync lock, the runs still marked running were cut off (app killed, window closed mid-sync).
 * They end as "interrupted", at the time of their last log line (or their start). */
gint64
outpost_store_log_interrupt_running (OutpostStore *self, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "UPDATE outpost_sync_run SET status = 'interrupted',"
    " ended = max(started, coalesce((SELECT max(at) FROM outpost_sync_message m"
    " WHERE m.run_id = outpost_sync_run.id), 0)), message = ?1 WHERE status = 'running'", error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, _("The synchronization was interrupted: the application ended while it ran"),
                     -1, SQLITE_TRANSIENT);
  if (!outpost_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_changes (self->db);
}

gboolean
outpost_store_log_message (OutpostStore *self, gint64 run_id, const char *entity,
                           const char *record_id, const char *message, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "INSERT INTO outpost_sync_message (run_id,"
                                              " entity, record_id, message, at) VALUES (?1, ?2, ?3, ?4, ?5)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_text (stmt, 2, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, record_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, outpost_store_now ());
  return outpost_store_step_done (self, stmt, error);
}

GPtrArray *
outpost_store_list_runs (OutpostStore *self, guint limit, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "SELECT id, kind, started, ended, status,"
    " downloaded, uploaded, conflicts, errors, message FROM outpost_sync_run ORDER BY id DESC"
    " LIMIT ?1", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_sync_run_free);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit ? limit : G_MAXINT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      OutpostSyncRun *r = g_new0 (OutpostSyncRun, 1);
      r->id = sqlite3_column_int64 (stmt, 0);
      r->kind = TEXT (stmt, 1);
      r->started = sqlite3_column_int64 (stmt, 2);
      r->ended = sqlite3_column_int64 (stmt, 3);
      r->status = TEXT (stmt, 4);
      r->downloaded = sqlite3_column_int64 (stmt, 5);
      r->uploaded = sqlite3_column_int64 (stmt, 6);
      r->conflicts = sqlite3_column_int64 (stmt, 7);
      r->errors = sqlite3_column_int64 (stmt, 8);
      r->message = TEXT (stmt, 9);
      g_ptr_array_add (list, r);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}

GPtrArray *
outpost_store_list_run_messages (OutpostStore *self, gint64 run_id, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "SELECT message FROM outpost_sync_message"
                                              " WHERE run_id = ?1 ORDER BY id", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, TEXT (stmt, 0));
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}

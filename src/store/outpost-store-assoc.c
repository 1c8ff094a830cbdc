/* outpost-store-assoc.c: N:N associations (outpost_association) and their journal entries.
 * Pairs are stored in the relationship's own order (entity1 side first). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "outpost-store-assoc.h"
#include "outpost-store-private.h"

typedef struct {
  const char *rel, *e1, *id1, *e2, *id2;
} Pair;

static gboolean
make_pair (OutpostStore *self, const char *relationship, const char *entity, const char *id,
           const char *related_entity, const char *related_id, Pair *p, GError **error)
{
  GPtrArray *rels = outpost_profile_get_relationships (self->profile);

  for (guint i = 0; i < rels->len; i++)
    {
      OutpostRelationship *r = rels->pdata[i];
      if (!g_str_equal (r->name, relationship))
        continue;
      if (g_str_equal (r->entity1, entity) && g_str_equal (r->entity2, related_entity))
        *p = (Pair) { r->name, entity, id, related_entity, related_id };
      else if (g_str_equal (r->entity2, entity) && g_str_equal (r->entity1, related_entity))
        *p = (Pair) { r->name, related_entity, related_id, entity, id };
      else
        break;
      return TRUE;
    }
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No relationship %s between %s and %s"), relationship, entity, related_entity);
  return FALSE;
}

static sqlite3_stmt *
prepare_pair (OutpostStore *self, const char *sql, const Pair *p, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, p->rel, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, p->e1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, p->id1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, p->e2, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, p->id2, -1, SQLITE_TRANSIENT);
  return stmt;
}

/* Removes a PENDING entry of @op for the pair; TRUE in *cancelled when there was one. */
static gboolean
cancel_pending (OutpostStore *self, const Pair *p, OutpostJournalOp op, gboolean *cancelled,
                GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "DELETE FROM outpost_journal WHERE status = 0 AND op = %d AND relationship = ?1"
    " AND entity = ?2 AND record_id = ?3 AND related_entity = ?4 AND related_id = ?5", op);
  sqlite3_stmt *stmt = prepare_pair (self, sql, p, error);

  if (stmt == NULL || !outpost_store_step_done (self, stmt, error))
    return FALSE;
  *cancelled = sqlite3_changes (self->db) > 0;
  return TRUE;
}

static gboolean
set_state (OutpostStore *self, const Pair *p, gint state, GError **error)
{
  g_autofree char *sql = state < 0
    ? g_strdup ("DELETE FROM outpost_association WHERE relationship = ?1 AND entity = ?2"
                " AND record_id = ?3 AND related_entity = ?4 AND related_id = ?5")
    : g_strdup_printf ("INSERT INTO outpost_association VALUES (?1, ?2, ?3, ?4, ?5, %d)"
                       " ON CONFLICT DO UPDATE SET state = %d", state, state);
  sqlite3_stmt *stmt = prepare_pair (self, sql, p, error);

  return stmt != NULL && outpost_store_step_done (self, stmt, error);
}

static gboolean
write_assoc (OutpostStore *self, const Pair *p, gboolean add, GError **error)
{
  gboolean cancelled = FALSE;

  /* undoing a change that never left: both disappear */
  if (!cancel_pending (self, p, add ? OUTPOST_JOURNAL_DISASSOCIATE : OUTPOST_JOURNAL_ASSOCIATE,
                       &cancelled, error))
    return FALSE;
  if (cancelled)
    return set_state (self, p, add ? 0 : -1, error);
  return set_state (self, p, add ? 1 : 2, error) &&
         outpost_journal_append (self, add ? OUTPOST_JOURNAL_ASSOCIATE : OUTPOST_JOURNAL_DISASSOCIATE,
                                 p->e1, p->id1, NULL, p->rel, p->e2, p->id2, error) >= 0;
}

static gboolean
change (OutpostStore *self, gboolean add, const char *relationship, const char *entity,
        const char *id, const char *related_entity, const char *related_id, GError **error)
{
  g_autofree char *a = g_ascii_strdown (id, -1);
  g_autofree char *b = g_ascii_strdown (related_id, -1);
  g_autoptr(OutpostRecord) rec = NULL;
  Pair p;
  gboolean ok;

  if (!make_pair (self, relationship, entity, a, related_entity, b, &p, error) ||
      (rec = outpost_store_get (self, entity, a, error)) == NULL)
    return FALSE;
  if (!outpost_store_tx_begin (self, error))
    return FALSE;
  ok = write_assoc (self, &p, add, error);
  return outpost_store_tx_end (self, ok, ok ? error : NULL);
}

gboolean
outpost_store_associate (OutpostStore *self, const char *relationship, const char *entity,
                         const char *id, const char *related_entity, const char *related_id,
                         GError **error)
{
  return change (self, TRUE, relationship, entity, id, related_entity, related_id, error);
}

gboolean
outpost_store_disassociate (OutpostStore *self, const char *relationship, const char *entity,
                            const char *id, const char *related_entity, const char *related_id,
                            GError **error)
{
  return change (self, FALSE, relationship, entity, id, related_entity, related_id, error);
}

gboolean
outpost_store_apply_server_association (OutpostStore *self, const char *relationship,
                                        const char *entity, const char *id,
                                        const char *related_entity, const char *related_id,
                                        GError **error)
{
  g_autofree char *a = g_ascii_strdown (id, -1);
  g_autofree char *b = g_ascii_strdown (related_id, -1);
  sqlite3_stmt *stmt;
  Pair p;

  if (!make_pair (self, relationship, entity, a, related_entity, b, &p, error))
    return FALSE;
  /* a local removal waiting for upload wins until it is sent */
  stmt = prepare_pair (self, "INSERT INTO outpost_association VALUES (?1, ?2, ?3, ?4, ?5, 0)"
                       " ON CONFLICT DO NOTHING", &p, error);
  return stmt != NULL && outpost_store_step_done (self, stmt, error);
}

GPtrArray *
outpost_store_list_associated (OutpostStore *self, const char *relationship, const char *entity,
                               const char *id, GError **error)
{
  GPtrArray *rels = outpost_profile_get_relationships (self->profile);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *lid = g_ascii_strdown (id, -1);
  sqlite3_stmt *stmt;

  for (guint i = 0; i < rels->len; i++)
    {
      OutpostRelationship *r = rels->pdata[i];
      gboolean first = g_str_equal (r->entity1, entity);
      if (!g_str_equal (r->name, relationship) || (!first && !g_str_equal (r->entity2, entity)))
        continue;
      stmt = outpost_store_prepare (self, first
        ? "SELECT related_id FROM outpost_association WHERE relationship = ?1 AND entity = ?2"
          " AND record_id = ?3 AND state != 2 ORDER BY related_id"
        : "SELECT record_id FROM outpost_association WHERE relationship = ?1"
          " AND related_entity = ?2 AND related_id = ?3 AND state != 2 ORDER BY record_id", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, relationship, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, entity, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, lid, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);
      return g_steal_pointer (&ids);
    }
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No relationship %s on %s"), relationship, entity);
  return NULL;
}

/* Links added or removed here and not yet uploaded, counted on the relationship's first
 * entity (the side the journal entry is kept on), so the sidebar's unsynced count and the
 * sync state include N:N changes. @entity NULL = all. */
gint64
outpost_store_count_pending_associations (OutpostStore *self, const char *entity, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self,
    "SELECT count(*) FROM outpost_association WHERE state != 0 AND (?1 IS NULL OR entity = ?1)", error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    outpost_store_sqlite_error (self, error, _("Could not count the unsynced links"));
  sqlite3_reset (stmt);
  return n;
}

/* ---- download: the server's whole link set of a relationship -----------------------------
 * Intersect tables have no change tracking, so each sync reads the relationship's full link
 * set page by page into a TEMP table (this connection only; writing it takes no lock on the
 * main database) and then reconciles in one short transaction. */

static const OutpostRelationship *
find_relationship (OutpostStore *self, const char *relationship, GError **error)
{
  GPtrArray *rels = outpost_profile_get_relationships (self->profile);

  for (guint i = 0; i < rels->len; i++)
    if (g_str_equal (((OutpostRelationship *) rels->pdata[i])->name, relationship))
      return rels->pdata[i];
  g_set_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND,
               _("No relationship %s in the profile"), relationship);
  return NULL;
}

static gboolean
exec_rel (OutpostStore *self, const char *sql, const char *relationship, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, relationship, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

gboolean
outpost_store_server_links_begin (OutpostStore *self, const char *relationship, GError **error)
{
  if (find_relationship (self, relationship, error) == NULL ||
      !outpost_store_exec (self, "CREATE TEMP TABLE IF NOT EXISTS outpost_server_link"
                           " (relationship TEXT NOT NULL, id1 TEXT NOT NULL, id2 TEXT NOT NULL,"
                           " PRIMARY KEY (relationship, id1, id2)) WITHOUT ROWID", error))
    return FALSE;
  return exec_rel (self, "DELETE FROM temp.outpost_server_link WHERE relationship = ?1",
                   relationship, error);
}

static gboolean
add_link (OutpostStore *self, sqlite3_stmt *stmt, const char *relationship, const char *id1,
          const char *id2, GError **error)
{
  g_autofree char *a = g_ascii_strdown (id1, -1);
  g_autofree char *b = g_ascii_strdown (id2, -1);

  sqlite3_bind_text (stmt, 1, relationship, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, a, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, b, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error);
}

gboolean
outpost_store_server_links_add (OutpostStore *self, const char *relationship,
                                const char *const *ids1, const char *const *ids2, guint n,
                                GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, "INSERT OR IGNORE INTO temp.outpost_server_link"
                                              " VALUES (?1, ?2, ?3)", error);
  gboolean own = self->tx_depth == 0, ok = stmt != NULL;

  /* one deferred transaction per page: only the temp database is written */
  if (ok && own)
    ok = outpost_store_exec (self, "BEGIN", error);
  for (guint i = 0; ok && i < n; i++)
    ok = add_link (self, stmt, relationship, ids1[i], ids2[i], error);
  if (own && ok)
    return outpost_store_exec (self, "COMMIT", error);
  if (own && stmt != NULL)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

static gint64
reconcile_step (OutpostStore *self, const char *sql, const OutpostRelationship *r, GError **error)
{
  sqlite3_stmt *stmt = outpost_store_prepare (self, sql, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, r->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, r->entity1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, r->entity2, -1, SQLITE_TRANSIENT);
  return outpost_store_step_done (self, stmt, error) ? sqlite3_changes (self->db) : -1;
}

/* Links the server has and this store has not, when both records are here (not deleted
 * here): a link to a record outside the local data could not be shown, and it arrives at the
 * sync that brings the record. A link this store already has in any state is left alone: a
 * removal made here and not yet uploaded (state 2) wins until it is sent. */
static gint64
insert_new_links (OutpostStore *self, const OutpostRelationship *r, GError **error)
{
  OutpostTable *t1 = outpost_store_table (self, r->entity1, error);
  OutpostTable *t2 = t1 ? outpost_store_table (self, r->entity2, error) : NULL;
  g_autofree char *sql = NULL;

  if (t2 == NULL)
    return -1;
  sql = g_strdup_printf ("INSERT INTO outpost_association (relationship, entity, record_id,"
                         " related_entity, related_id, state)"
                         " SELECT s.relationship, ?2, s.id1, ?3, s.id2, 0 FROM temp.outpost_server_link s"
                         " WHERE s.relationship = ?1"
                         " AND EXISTS (SELECT 1 FROM %s a WHERE a.__id = s.id1 AND a.__state != 3)"
                         " AND EXISTS (SELECT 1 FROM %s b WHERE b.__id = s.id2 AND b.__state != 3)"
                         " ON CONFLICT DO NOTHING", t1->table, t2->table);
  return reconcile_step (self, sql, r, error);
}

/* Synced links (state 0) the server no longer has, or whose record is no longer here (it left
 * the sync filter; a link to a record that is not here cannot be shown). Links added here and
 * not yet uploaded (state 1) and removals waiting for upload (state 2) are never touched. */
#define GONE_LINK \
  "a.relationship = ?1 AND a.entity = ?2 AND a.related_entity = ?3 AND a.state = 0" \
  " AND (NOT EXISTS (SELECT 1 FROM temp.outpost_server_link s WHERE s.relationship = ?1" \
  "  AND s.id1 = a.record_id AND s.id2 = a.related_id)" \
  " OR NOT EXISTS (SELECT 1 FROM %s t WHERE t.__id = a.record_id)" \
  " OR NOT EXISTS (SELECT 1 FROM %s t WHERE t.__id = a.related_id))"

static gint64
delete_gone_links (OutpostStore *self, const OutpostRelationship *r, GError **error)
{
  OutpostTable *t1 = outpost_store_table (self, r->entity1, error);
  OutpostTable *t2 = t1 ? outpost_store_table (self, r->entity2, error) : NULL;
  g_autofree char *sql = NULL;

  if (t2 == NULL)
    return -1;
  sql = g_strdup_printf ("DELETE FROM outpost_association AS a WHERE " GONE_LINK, t1->table, t2->table);
  return reconcile_step (self, sql, r, error);
}

/* Whether the reconciliation would change anything: the usual answer is no, and finding that
 * out reads only, where the reconciliation takes the write lock and commits (a nothing-changed
 * sync stays cheap). 1 yes, 0 no, -1 error. */
static gint
links_differ (OutpostStore *self, const OutpostRelationship *r, GError **error)
{
  OutpostTable *t1 = outpost_store_table (self, r->entity1, error);
  OutpostTable *t2 = t1 ? outpost_store_table (self, r->entity2, error) : NULL;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  gint differ = -1;

  if (t2 == NULL)
    return -1;
  sql = g_strdup_printf ("SELECT EXISTS (SELECT 1 FROM temp.outpost_server_link s WHERE s.relationship = ?1"
                         "  AND NOT EXISTS (SELECT 1 FROM outpost_association a WHERE a.relationship = ?1"
                         "   AND a.entity = ?2 AND a.record_id = s.id1 AND a.related_entity = ?3"
                         "   AND a.related_id = s.id2)"
                         "  AND EXISTS (SELECT 1 FROM %s a WHERE a.__id = s.id1 AND a.__state != 3)"
                         "  AND EXISTS (SELECT 1 FROM %s b WHERE b.__id = s.id2 AND b.__state != 3))"
                         " OR EXISTS (SELECT 1 FROM outpost_association a WHERE " GONE_LINK ")",
                         t1->table, t2->table, t1->table, t2->table);
  if ((stmt = outpost_store_prepare (self, sql, error)) == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, r->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, r->entity1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, r->entity2, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    differ = sqlite3_column_int (stmt, 0) != 0;
  else
    outpost_store_sqlite_error (self, error, _("Could not compare the links with the server's"));
  sqlite3_reset (stmt);
  return differ;
}

gboolean
outpost_store_server_links_end (OutpostStore *self, const char *relationship, gint64 *added,
                                gint64 *removed, GError **error)
{
  const OutpostRelationship *r = find_relationship (self, relationship, error);
  gint64 n_added = 0, n_removed = 0;
  gint differ = r ? links_differ (self, r, error) : -1;
  gboolean ok;

  if (differ < 0)
    return FALSE;
  /* the check and the writes are not one transaction: a local change made in between has a
   * state other than 0 and a journal entry, which the writes leave alone anyway */
  if (differ > 0)
    {
      if (!outpost_store_tx_begin (self, error))
        return FALSE;
      ok = (n_added = insert_new_links (self, r, error)) >= 0 &&
           (n_removed = delete_gone_links (self, r, error)) >= 0;
      if (!outpost_store_tx_end (self, ok, ok ? error : NULL))
        return FALSE;
    }
  if (added != NULL)
    *added = n_added;
  if (removed != NULL)
    *removed = n_removed;
  return exec_rel (self, "DELETE FROM temp.outpost_server_link WHERE relationship = ?1",
                   relationship, error);
}

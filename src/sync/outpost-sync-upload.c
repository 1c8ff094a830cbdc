/* outpost-sync-upload.c: the upload phase: the journal replayed in $batch change sets.
 *
 * Creates go first, parents before children (the client sends its own GUIDs, so a child's
 * lookup to a locally created parent is valid once the parent exists); then updates, deletes,
 * associations in journal order. Entries are marked IN_FLIGHT (committed) before a batch is
 * sent. A create still IN_FLIGHT from an earlier attempt (its answer was lost: crash, dropped
 * connection) is re-sent as an upsert PATCH with If-None-Match: * — it can never create a
 * second row, and its 412 "already exists" means the first attempt arrived: success. Likewise
 * an associate's 412 "duplicate key" (the pair is linked already) and a delete's or
 * disassociate's 404 have the effect the user asked for, while an update's 404 means someone
 * deleted the record there (update_gone). A refused operation becomes a sync error
 * (journal_fail) and the rest goes on; a 412 on an update is a conflict: the server's row is fetched, merged (outpost-sync-merge.c) and what
 * remains local is uploaded in a second pass.
 *
 * Pipeline: the round trip of a $batch (build, send, server, parse) runs on a sender thread
 * while this (the writer) thread writes the previous batch's results and claims the next
 * batch, so the store work and the network overlap. One sender sends the batches one after
 * another in journal order, so the server sees exactly the order a sequential upload would
 * send (a parent's create reaches it before its child's). Three rules keep the rest safe:
 * a record's second operation starts a new batch, and a batch that touches a record of the
 * batch still in flight waits for that batch's results first (a record's operations are
 * prepared, sent and written in order, each with the ETag the previous one returned); and
 * after a batch could not be sent, the batches queued behind it are not sent: their entries
 * stay IN_FLIGHT and go again next time (creates as "create once"). Associations carry no
 * ETag and keep their place in the journal order, so they need neither rule. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <time.h>

#include "outpost-store-email.h"
#include "outpost-sync-private.h"
#include "outpost-sync-upload-email.h"

#define MAX_PASSES 3

/* A batch whose predecessor could not be sent is not sent either (see send_thread). */
#define NOT_SENT_CODE G_MAXINT

typedef struct {
  OutpostJournalEntry *entry;
  OutpostJournalEntry *claimed;    /* the entry as claimed right before sending */
  OutpostUploadOp      op;
  char                *etag;
  JsonObject          *fields;     /* the sent fields when they differ from the entry's (email) */
  gboolean             conflict;   /* 412 on update: merge after the batch */
  gboolean             skip;       /* waits for the user (unresolved conflict) */
} Item;

static void
item_free (Item *item)
{
  g_free (item->etag);
  g_clear_pointer (&item->fields, json_object_unref);
  g_clear_pointer (&item->claimed, outpost_journal_entry_free);
  g_free (item);
}

/* ---- ordering ------------------------------------------------------------------------------ */

static void
visit (GPtrArray *creates, GHashTable *by_id, GHashTable *done, OutpostJournalEntry *e,
       GPtrArray *out, guint depth)
{
  g_autoptr(GList) names = NULL;

  if (g_hash_table_contains (done, e) || depth > 64)
    return;
  g_hash_table_add (done, e);
  names = e->fields ? json_object_get_members (e->fields) : NULL;
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (e->fields, l->data);
      OutpostJournalEntry *parent;

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING &&
          (parent = g_hash_table_lookup (by_id, json_node_get_string (n))) != NULL && parent != e)
        visit (creates, by_id, done, parent, out, depth + 1);
    }
  g_ptr_array_add (out, e);
}

static GPtrArray *
order_entries (GPtrArray *entries)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) done = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      OutpostJournalEntry *e = g_ptr_array_index (entries, i);
      if (e->op == OUTPOST_JOURNAL_CREATE)
        g_hash_table_insert (by_id, e->record_id, e);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      OutpostJournalEntry *e = g_ptr_array_index (entries, i);
      if (e->op == OUTPOST_JOURNAL_CREATE)
        visit (entries, by_id, done, e, out, 0);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      OutpostJournalEntry *e = g_ptr_array_index (entries, i);
      if (e->op != OUTPOST_JOURNAL_CREATE)
        g_ptr_array_add (out, e);
    }
  return out;
}

/* ---- entries to operations ----------------------------------------------------------------- */

static gboolean
fill_association (OutpostSyncJob *job, OutpostJournalEntry *e, Item *item)
{
  GPtrArray *rels = outpost_profile_get_relationships (job->profile);

  for (guint i = 0; rels && i < rels->len; i++)
    {
      OutpostRelationship *rel = g_ptr_array_index (rels, i);
      gboolean forward = g_str_equal (e->entity, rel->entity1);

      if (!g_str_equal (rel->name, e->relationship))
        continue;
      /* N:N is symmetric: always send it from entity1, whose navigation property we know */
      item->op.entity = outpost_profile_lookup_entity (job->profile, rel->entity1);
      item->op.id = forward ? e->record_id : e->related_id;
      item->op.related_entity = forward ? e->related_entity : e->entity;
      item->op.related_id = forward ? e->related_id : e->record_id;
      item->op.navigation = rel->navigation1;
      return item->op.entity != NULL;
    }
  return FALSE;
}

static Item *
item_for (OutpostSyncJob *job, OutpostJournalEntry *e, GError **error)
{
  Item *item = g_new0 (Item, 1);
  gboolean found = FALSE, has_conflict = FALSE;

  item->entry = e;
  item->op.entity = outpost_profile_lookup_entity (job->profile, e->entity);
  item->op.id = e->record_id;
  item->op.fields = e->fields;
  if (e->op == OUTPOST_JOURNAL_ASSOCIATE || e->op == OUTPOST_JOURNAL_DISASSOCIATE)
    {
      item->op.kind = e->op == OUTPOST_JOURNAL_ASSOCIATE ? OUTPOST_UPLOAD_ASSOCIATE
                                                         : OUTPOST_UPLOAD_DISASSOCIATE;
      if (!fill_association (job, e, item))
        item->op.entity = NULL;
      return item;
    }
  /* only the ETag and the conflict mark: reading the whole record cost 13% of the upload */
  if (item->op.entity != NULL)
    found = outpost_store_get_sync_state (job->store, e->entity, e->record_id, &item->etag,
                                          &has_conflict, NULL);
  item->op.etag = item->etag;
  switch (e->op)
    {
    case OUTPOST_JOURNAL_CREATE:
      item->op.kind = e->status == OUTPOST_JOURNAL_IN_FLIGHT ? OUTPOST_UPLOAD_CREATE_ONCE
                                                             : OUTPOST_UPLOAD_CREATE;
      break;
    case OUTPOST_JOURNAL_UPDATE:
      item->op.kind = OUTPOST_UPLOAD_UPDATE;
      break;
    default:
      item->op.kind = OUTPOST_UPLOAD_DELETE;
      break;
    }
  if (found && has_conflict)
    item->skip = TRUE;   /* waits for the user's resolution (Manual policy) */
  return item;
}

/* ---- one batch ------------------------------------------------------------------------------- */

/* An email's create (or a change of its To) carries its To parties (see
 * outpost-sync-upload-email.h), built from the To text and the record it regards. */
static void
add_email_parties (OutpostSyncJob *job, Item *item)
{
  JsonObject *fields = item->op.fields;
  g_autoptr(OutpostRecord) email = NULL;
  const char *to, *regarding, *target;
  gboolean create = item->op.kind == OUTPOST_UPLOAD_CREATE || item->op.kind == OUTPOST_UPLOAD_CREATE_ONCE;

  if (fields == NULL || !g_str_equal (item->entry->entity, "email") ||
      !(create || (item->op.kind == OUTPOST_UPLOAD_UPDATE && json_object_has_member (fields, "torecipients"))))
    return;
  if ((email = outpost_store_get (job->store, "email", item->entry->record_id, NULL)) == NULL)
    return;   /* gone meanwhile: the server refuses or deletes it anyway */
  to = outpost_record_get_string (email, "torecipients");
  regarding = outpost_record_get_string (email, "regardingobjectid");
  target = outpost_record_get_string (email, "regardingobjectid@target");
  if (json_object_has_member (fields, "torecipients"))
    to = json_object_get_string_member_with_default (fields, "torecipients", NULL);
  g_clear_pointer (&item->fields, json_object_unref);
  item->fields = json_object_new ();
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init (&iter, fields);
    while (json_object_iter_next (&iter, &name, &member))
      json_object_set_member (item->fields, name, json_node_copy (member));
  }
  json_object_set_array_member (item->fields, OUTPOST_EMAIL_PARTIES_MEMBER,
                                outpost_email_to_parties (job->store, to, target, regarding));
  item->op.fields = item->fields;
}

/* Claims the items' entries (IN_FLIGHT) and sends their fields as they are now: a save that
 * coalesced into an entry since the journal was read goes up in this batch instead of being
 * lost, and an entry the user discarded meanwhile is dropped from the batch. */
static gboolean
claim_entries (OutpostSyncJob *job, GPtrArray *items, GError **error)
{
  if (!outpost_store_begin (job->store, error))
    return FALSE;
  for (guint i = items->len; i-- > 0;)
    {
      Item *item = g_ptr_array_index (items, i);
      g_autoptr(GError) local = NULL;
      OutpostJournalEntry *fresh = outpost_store_journal_claim (job->store, item->entry->seq, &local);

      if (fresh == NULL && g_error_matches (local, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND))
        {
          g_ptr_array_remove_index (items, i);
          continue;
        }
      if (fresh == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return (outpost_store_rollback (job->store), FALSE);
        }
      item->claimed = fresh;
      item->op.fields = fresh->fields;
      add_email_parties (job, item);
    }
  return outpost_store_commit (job->store, error) || (outpost_store_rollback (job->store), FALSE);
}

static gboolean
fail_entry (OutpostSyncJob *job, Item *item, const char *message, GError **error)
{
  job->result->errors++;
  return outpost_store_journal_fail (job->store, item->entry->seq, message, error);
}

/* A refused delete of a row the server changed: ServerWins restores the server's row. */
static gboolean
delete_conflict (OutpostSyncJob *job, Item *item, GError **error)
{
  g_autoptr(GPtrArray) errors = NULL;

  if (!fail_entry (job, item, _("The record was changed on the server after it was deleted here"), error))
    return FALSE;
  job->result->conflicts++;
  if (item->op.entity->conflict_policy != OUTPOST_CONFLICT_SERVER_WINS)
    return TRUE;
  errors = outpost_store_list_errors (job->store, error);
  for (guint i = 0; errors && i < errors->len; i++)
    {
      OutpostSyncErrorRow *row = g_ptr_array_index (errors, i);
      if (row->journal_seq == item->entry->seq)
        {
          job->result->errors--;
          return outpost_store_error_take_server (job->store, row->id, error);
        }
    }
  return errors != NULL;
}

/* The server took the operation (or has its effect already). */
static gboolean
is_done (Item *item, OutpostUploadResult *r)
{
  OutpostUploadKind kind = item->op.kind;

  return r->error == NULL ||
         (kind == OUTPOST_UPLOAD_CREATE_ONCE && r->status == 412) ||  /* the lost create arrived */
         (kind == OUTPOST_UPLOAD_ASSOCIATE && r->status == 412) ||     /* linked already ("duplicate key") */
         ((kind == OUTPOST_UPLOAD_DELETE || kind == OUTPOST_UPLOAD_DISASSOCIATE) && r->status == 404);
}

/* An update of a record someone deleted on the server (404, or a 412 whose row is gone):
 * not a sync error but an issue of its own, named after the record. The local edit stays
 * until the user chooses: "Take Server Version" removes the record here (the server's
 * version is: none); Retry asks the server again (and gets the same answer: nothing
 * re-creates the record behind the user's back). */
static gboolean
update_gone (OutpostSyncJob *job, Item *item, GError **error)
{
  g_autoptr(OutpostRecord) rec = outpost_store_get (job->store, item->entry->entity,
                                                    item->entry->record_id, NULL);
  const char *name = rec ? outpost_record_get_string (rec, item->op.entity->primary_name) : NULL;
  g_autofree char *message = NULL;

  if (name == NULL || *name == '\0')
    name = item->entry->record_id;
  message = g_strdup_printf (_("Deleted on the server by someone else: “%s”"), name);
  job->result->errors++;
  return outpost_store_journal_fail_gone (job->store, item->entry->seq, message, error);
}

/* A result that is not is_done: a conflict, or a sync error. */
static gboolean
handle_refusal (OutpostSyncJob *job, Item *item, OutpostUploadResult *r, GError **error)
{
  OutpostUploadKind kind = item->op.kind;

  if (kind == OUTPOST_UPLOAD_UPDATE && r->status == 412)
    {
      item->conflict = TRUE;
      return TRUE;
    }
  if (kind == OUTPOST_UPLOAD_UPDATE && r->status == 404)
    return update_gone (job, item, error);
  if (kind == OUTPOST_UPLOAD_DELETE && r->status == 412)
    return delete_conflict (job, item, error);
  return fail_entry (job, item, r->error->message, error);
}

/* 412 on an update: fetch the server's row and merge. */
static gboolean
resolve_update_conflict (OutpostSyncJob *job, Item *item, GError **error)
{
  const char *ids[] = { item->entry->record_id, NULL };
  OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, FALSE, NULL, ids, 0 };
  g_autoptr(OutpostPage) page = outpost_connector_download_page (job->connector, item->op.entity, &req,
                                                                 job->cancellable, error);
  OutpostServerRow *row;

  if (page == NULL)
    return FALSE;
  if (page->rows->len == 0)
    return outpost_store_begin (job->store, error) &&
           update_gone (job, item, error) &&
           outpost_store_commit (job->store, error);
  row = g_ptr_array_index (page->rows, 0);
  return outpost_sync_merge_row (job, item->op.entity, row->id, row->values, row->etag, error);
}

/* The batch may or may not have been executed when the connection dropped: re-send it with
 * creates as "create once", so nothing is created twice. */
static GPtrArray *
send_with_retries (OutpostSyncJob *job, GPtrArray *items, GPtrArray *ops, GError **error)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      GPtrArray *results = outpost_connector_upload_batch (job->connector, ops, job->cancellable, &local);

      if (results != NULL)
        return results;
      if (attempt >= 3 || !g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK))
        return (g_propagate_error (error, g_steal_pointer (&local)), NULL);
      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);
          if (item->op.kind == OUTPOST_UPLOAD_CREATE)
            item->op.kind = OUTPOST_UPLOAD_CREATE_ONCE;
        }
      g_usleep (G_USEC_PER_SEC / 4 << attempt);
    }
}

/* ---- the pipeline ----------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *items;     /* Item*, claimed */
  GPtrArray *results;   /* OutpostUploadResult*, in the order of items (set by the sender) */
  GError    *error;     /* set by the sender when the batch could not be sent */
  GHashTable *records;  /* record ids it touches (for the in-order rule) */
} Batch;

static void
batch_free (Batch *b)
{
  g_ptr_array_unref (b->items);
  g_clear_pointer (&b->results, g_ptr_array_unref);
  g_clear_error (&b->error);
  g_hash_table_unref (b->records);
  g_free (b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Batch, batch_free)

static Batch *
batch_new (void)
{
  Batch *b = g_new0 (Batch, 1);

  b->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  b->records = g_hash_table_new (g_str_hash, g_str_equal);   /* keys owned by the entries */
  return b;
}

static gboolean
is_association (OutpostJournalEntry *e)
{
  return e->op == OUTPOST_JOURNAL_ASSOCIATE || e->op == OUTPOST_JOURNAL_DISASSOCIATE;
}

static void
batch_add (Batch *b, Item *item)
{
  g_ptr_array_add (b->items, item);
  if (!is_association (item->entry))
    g_hash_table_add (b->records, item->entry->record_id);
}

static gboolean
batch_touches (Batch *b, OutpostJournalEntry *e)
{
  return b != NULL && !is_association (e) && g_hash_table_contains (b->records, e->record_id);
}

/* CPU seconds of the calling thread, for the debug log. */
static double
thread_cpu (void)
{
  struct timespec ts;

  return clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? ts.tv_sec + ts.tv_nsec / 1e9 : 0;
}

typedef struct {
  OutpostSyncJob *job;
  GAsyncQueue    *todo;     /* Batch* to send; the Sender itself means "stop" */
  GAsyncQueue    *done;     /* Batch* sent, or refused to send */
  GThread        *thread;
  gboolean        stopped;  /* sender thread only: a batch failed, send nothing more */
  gint            abort;    /* atomic: the writer failed, send nothing more */
  gint64          send_us;  /* sender thread only (read after the join) */
  double          cpu;      /* the sender thread's CPU seconds (read after the join) */
} Sender;

static gpointer
send_thread (gpointer data)
{
  Sender *s = data;
  gpointer next;

  while ((next = g_async_queue_pop (s->todo)) != s)
    {
      Batch *b = next;
      g_autoptr(GPtrArray) ops = g_ptr_array_new ();
      gint64 t0 = g_get_monotonic_time ();

      if (s->stopped || g_atomic_int_get (&s->abort))
        g_set_error_literal (&b->error, OUTPOST_SYNC_ERROR, NOT_SENT_CODE, "not sent");
      else
        {
          for (guint i = 0; i < b->items->len; i++)
            g_ptr_array_add (ops, &((Item *) g_ptr_array_index (b->items, i))->op);
          b->results = send_with_retries (s->job, b->items, ops, &b->error);
          s->stopped = b->results == NULL;
        }
      s->send_us += g_get_monotonic_time () - t0;
      g_async_queue_push (s->done, b);
    }
  s->cpu = thread_cpu ();
  return NULL;
}

/* The results in batch order (inside the caller's transaction): the completed entries in
 * runs of outpost_store_journal_complete_many (cached statements, one savepoint per run), a
 * refusal between them written where it falls. */
static gboolean
write_outcomes (OutpostSyncJob *job, Batch *b, GError **error)
{
  g_autoptr(GArray) done = g_array_sized_new (FALSE, FALSE, sizeof (OutpostJournalDone), b->items->len);

  for (guint i = 0; i < b->items->len; i++)
    {
      Item *item = g_ptr_array_index (b->items, i);
      OutpostUploadResult *r = g_ptr_array_index (b->results, i);
      OutpostJournalDone d = { item->entry->seq, r->error == NULL ? r->etag : NULL };

      if (is_done (item, r))
        {
          job->result->uploaded++;
          g_array_append_val (done, d);
          continue;
        }
      if (!outpost_store_journal_complete_many (job->store, (OutpostJournalDone *) done->data,
                                                done->len, error) ||
          !handle_refusal (job, item, r, error))
        return FALSE;
      g_array_set_size (done, 0);
    }
  return outpost_store_journal_complete_many (job->store, (OutpostJournalDone *) done->data,
                                              done->len, error);
}

/* Writes a sent batch's results, then resolves its update conflicts (412). */
static gboolean
write_results (OutpostSyncJob *job, Batch *b, guint *n_conflicts, GError **error)
{
  if (b->results == NULL)
    {
      /* entries stay IN_FLIGHT: the next sync cannot duplicate them either */
      g_propagate_error (error, g_steal_pointer (&b->error));
      return FALSE;
    }
  if (!outpost_store_begin (job->store, error))
    return FALSE;
  if (!write_outcomes (job, b, error))
    return (outpost_store_rollback (job->store), FALSE);
  if (!outpost_store_commit (job->store, error))
    return (outpost_store_rollback (job->store), FALSE);
  for (guint i = 0; i < b->items->len; i++)
    {
      Item *item = g_ptr_array_index (b->items, i);
      if (item->conflict && !(++*n_conflicts, resolve_update_conflict (job, item, error)))
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  OutpostSyncJob *job;
  Sender          sender;
  Batch          *in_flight;   /* handed to the sender, results not written yet */
  guint          *n_conflicts;
  gint64          done, total;
  gint64          write_us, wait_us;
  double          cpu0;        /* this thread's CPU seconds at the start */
} Pipe;

/* Waits for the batch in flight and writes its results. */
static gboolean
pipe_finish (Pipe *p, GError **error)
{
  g_autoptr(Batch) b = NULL;
  gint64 t0 = g_get_monotonic_time (), t1;
  gboolean ok;

  if (p->in_flight == NULL)
    return TRUE;
  b = g_async_queue_pop (p->sender.done);
  g_assert (b == p->in_flight);
  p->in_flight = NULL;
  t1 = g_get_monotonic_time ();
  ok = write_results (p->job, b, p->n_conflicts, error);
  p->wait_us += t1 - t0;
  p->write_us += g_get_monotonic_time () - t1;
  if (ok)
    {
      p->done += b->items->len;
      outpost_sync_job_progress (p->job, OUTPOST_SYNC_PHASE_UPLOAD, NULL, p->done, p->total);
    }
  return ok;
}

/* Claims @b, hands it to the sender, then writes the results of the batch before it (which
 * the sender is done with, or finishes while this thread waits). */
static gboolean
pipe_push (Pipe *p, Batch *b, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();

  if (!claim_entries (p->job, b->items, error))
    return (batch_free (b), FALSE);
  p->write_us += g_get_monotonic_time () - t0;
  if (b->items->len == 0)
    return (batch_free (b), TRUE);
  g_async_queue_push (p->sender.todo, b);
  if (!pipe_finish (p, error))
    {
      p->in_flight = b;   /* collected (not sent) by pipe_stop */
      return FALSE;
    }
  p->in_flight = b;
  return TRUE;
}

static void
pipe_start (Pipe *p, OutpostSyncJob *job, guint *n_conflicts, gint64 total)
{
  p->job = job;
  p->n_conflicts = n_conflicts;
  p->total = total;
  p->sender.job = job;
  p->sender.todo = g_async_queue_new ();
  p->sender.done = g_async_queue_new ();
  p->cpu0 = thread_cpu ();
  p->sender.thread = g_thread_new ("outpost-upload", send_thread, &p->sender);
}

/* Stops the sender; a batch still in flight after a failure is collected unwritten (its
 * entries stay IN_FLIGHT, as for a batch whose answer was lost). */
static void
pipe_stop (Pipe *p)
{
  g_async_queue_push (p->sender.todo, &p->sender);
  g_thread_join (p->sender.thread);
  if (p->in_flight != NULL)
    batch_free (g_async_queue_pop (p->sender.done));
  p->in_flight = NULL;
  g_async_queue_unref (p->sender.todo);
  g_async_queue_unref (p->sender.done);
  g_debug ("upload: %" G_GINT64_FORMAT " operations; writer busy %.3f s (thread CPU %.3f s), waited %.3f s "
           "for answers; sender busy %.3f s (thread CPU %.3f s)", p->done, p->write_us / 1e6,
           thread_cpu () - p->cpu0, p->wait_us / 1e6, p->sender.send_us / 1e6, p->sender.cpu);
}

/* ---- the phase ------------------------------------------------------------------------------ */

/* An entry outside the profile is refused here, without a round trip. */
static gboolean
refuse_unknown (OutpostSyncJob *job, Item *item, GError **error)
{
  gboolean ok = outpost_store_begin (job->store, error) &&
                fail_entry (job, item, _("Not part of the sync profile"), error) &&
                outpost_store_commit (job->store, error);

  item_free (item);
  return ok;
}

static gboolean
run_pass (Pipe *p, GPtrArray *ordered, GHashTable *touched, GError **error)
{
  OutpostSyncJob *job = p->job;
  g_autoptr(Batch) b = batch_new ();

  for (guint i = 0; i < ordered->len; i++)
    {
      OutpostJournalEntry *e = g_ptr_array_index (ordered, i);
      Item *item;

      /* a record's operations go one batch after the other, each with the ETag the previous
       * one returned (in one change set the second would carry a stale If-Match) */
      if (batch_touches (b, e))
        {
          if (!pipe_push (p, g_steal_pointer (&b), error))
            return FALSE;
          b = batch_new ();
        }
      if (batch_touches (p->in_flight, e) && !pipe_finish (p, error))
        return FALSE;
      item = item_for (job, e, error);
      if (item->skip)
        {
          item_free (item);
          continue;
        }
      if (item->op.entity == NULL)
        {
          if (!refuse_unknown (job, item, error))
            return FALSE;
          continue;
        }
      g_hash_table_add (touched, e->entity);
      batch_add (b, item);
      if (b->items->len == job->options.batch_size && !pipe_push (p, g_steal_pointer (&b), error))
        return FALSE;
      if (b == NULL)
        b = batch_new ();
    }
  if (b->items->len > 0 && !pipe_push (p, g_steal_pointer (&b), error))
    return FALSE;
  return pipe_finish (p, error);
}

static gboolean
upload_pass (OutpostSyncJob *job, GPtrArray *entries, guint *n_conflicts, GError **error)
{
  g_autoptr(GPtrArray) ordered = order_entries (entries);
  g_autoptr(GHashTable) touched = g_hash_table_new (g_str_hash, g_str_equal);
  Pipe p = { 0 };
  gboolean ok;
  GHashTableIter iter;
  gpointer key;

  pipe_start (&p, job, n_conflicts, ordered->len);
  ok = run_pass (&p, ordered, touched, error);
  if (!ok)
    g_atomic_int_set (&p.sender.abort, 1);
  pipe_stop (&p);
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    outpost_sync_job_records_changed (job, key);
  return ok;
}

gboolean
outpost_sync_upload (OutpostSyncJob *job, GError **error)
{
  for (guint pass = 0; pass < MAX_PASSES; pass++)
    {
      g_autoptr(GPtrArray) entries = outpost_store_journal_list (job->store, error);
      guint n_conflicts = 0;

      if (entries == NULL)
        return FALSE;
      if (entries->len == 0)
        return TRUE;
      if (pass == 0)
        outpost_sync_job_progress (job, OUTPOST_SYNC_PHASE_UPLOAD, NULL, 0, entries->len);
      if (!upload_pass (job, entries, &n_conflicts, error))
        return FALSE;
      if (n_conflicts == 0)
        return TRUE;   /* merged changes (if any) go up in the next pass */
    }
  return TRUE;
}

/* ---- emails marked for sending ----------------------------------------------------------- */

/* A send (or its check) that failed: no connection, cancelled or signed out fails the sync;
 * anything else is this email's refusal, in the sync log, and the mark stays for next time. */
static gboolean
email_failed (OutpostSyncJob *job, const char *id, GError *local, GError **error)
{
  if (g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED) ||
      g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK) ||
      g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH))
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  job->result->errors++;
  outpost_sync_job_log (job, "email", id, _("The email could not be sent: %s"), local->message);
  g_error_free (local);
  return TRUE;
}

/* An earlier SendEmail whose answer was lost (dropped, timed out, cut off) may have sent it:
 * @sent is TRUE when the server no longer has the email Open (statecode 0). */
static gboolean
sent_on_server (OutpostSyncJob *job, OutpostEntity *email, const char *id, gboolean *sent,
                GError **error)
{
  const char *ids[] = { id, NULL };
  OutpostDownloadRequest req = { .mode = OUTPOST_DOWNLOAD_FULL, .only_ids = ids };
  g_autoptr(OutpostPage) page = outpost_connector_download_page (job->connector, email, &req,
                                                                 job->cancellable, error);

  *sent = FALSE;
  if (page == NULL)
    return FALSE;
  for (guint i = 0; i < page->rows->len; i++)
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, i);
      if (!row->deleted && row->values != NULL &&
          json_object_get_int_member_with_default (row->values, "statecode", 0) != 0)
        *sent = TRUE;
    }
  return TRUE;
}

/* One marked email: once its row is on the server (synced), SendEmail (A11); the mark goes
 * when the server accepted it, or when the server already has it sent (an earlier send whose
 * answer was lost: sending again would send it twice). An email whose create is still pending
 * waits. */
static gboolean
send_one_email (OutpostSyncJob *job, OutpostEntity *email, const char *id, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(OutpostRecord) record = outpost_store_get (job->store, "email", id, &local);
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonNode) answer = NULL;
  gboolean sent = FALSE;

  if (record == NULL)
    {
      if (!g_error_matches (local, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND))
        return (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
      return outpost_store_email_sent (job->store, id, error);   /* gone: nothing to send */
    }
  if (record->state != OUTPOST_ROW_SYNCED)
    return TRUE;   /* not uploaded yet (refused or waiting): the next sync sends it */
  if (!sent_on_server (job, email, id, &sent, &local))
    return email_failed (job, id, g_steal_pointer (&local), error);
  if (sent)
    {
      outpost_sync_job_log (job, "email", id, "%s", _("Email sent"));
      return outpost_store_email_sent (job->store, id, error);
    }
  json_object_set_boolean_member (params, "IssueSend", TRUE);
  answer = outpost_connector_call_action (job->connector, email, id, "SendEmail", params,
                                          job->cancellable, &local);
  if (answer == NULL)
    return email_failed (job, id, g_steal_pointer (&local), error);
  job->result->uploaded++;
  outpost_sync_job_log (job, "email", id, "%s", _("Email sent"));
  return outpost_store_email_sent (job->store, id, error);
}

gboolean
outpost_sync_send_emails (OutpostSyncJob *job, GError **error)
{
  OutpostEntity *email = outpost_profile_lookup_entity (job->profile, "email");
  g_autoptr(GPtrArray) ids = NULL;

  if (email == NULL)
    return TRUE;
  if ((ids = outpost_store_email_list_marked (job->store, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (!send_one_email (job, email, g_ptr_array_index (ids, i), error))
      return FALSE;
  if (ids->len > 0)
    outpost_sync_job_records_changed (job, "email");
  return TRUE;
}

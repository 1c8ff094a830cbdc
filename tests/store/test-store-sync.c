/* test-store-sync: the sync engine's side of the store (journal progress, server rows, sweep,
 * base/rebase, table state, log, errors, conflicts, associations). */
#include "config.h"

#include <string.h>

#include "store-fixture.h"

#define TEST(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
#define ID1 "aaaaaaaa-0000-0000-0000-000000000001"
#define ID2 "aaaaaaaa-0000-0000-0000-000000000002"

static OutpostApplyResult
apply (Fixture *f, const char *id, const char *json, const char *etag, gint64 gen)
{
  g_autoptr(JsonObject) v = obj (json);
  g_autoptr(GError) error = NULL;
  OutpostApplyResult r = outpost_store_apply_server_row (f->store, "account", id, v, etag, gen, &error);

  g_assert_no_error (error);
  return r;
}

/* Facts about a record or the issue lists, without keeping what the store handed out. */
static gboolean
account_exists (Fixture *f, const char *id)
{
  g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "account", id, NULL);
  return rec != NULL;
}

static gboolean
account_flag (Fixture *f, const char *id, gboolean conflict)
{
  g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "account", id, NULL);
  g_assert_nonnull (rec);
  return conflict ? rec->has_conflict : rec->has_error;
}

static guint
n_listed (GPtrArray *list)
{
  guint n = list ? list->len : G_MAXUINT;
  g_clear_pointer (&list, g_ptr_array_unref);
  return n;
}

static OutpostJournalEntry *
only_entry (Fixture *f, GPtrArray **keep)
{
  *keep = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint ((*keep)->len, ==, 1);
  return (*keep)->pdata[0];
}

static void
test_server_rows (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) change = obj ("{\"name\":\"Mine\"}");
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(JsonObject) base = NULL;

  g_assert_cmpint (apply (f, ID1, "{\"name\":\"One\"}", "W/\"1\"", 1), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID2, "{\"name\":\"Two\"}", "W/\"1\"", 1), ==, OUTPOST_APPLY_WRITTEN);
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"One\"}", "W/\"1\"", 2), ==, OUTPOST_APPLY_UNCHANGED);
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"One v2\"}", "W/\"2\"", 2), ==, OUTPOST_APPLY_WRITTEN);
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "One v2");
  g_assert_cmpstr (rec->etag, ==, "W/\"2\"");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
  /* a local change: the server row does not overwrite it, nor does a server delete */
  g_assert_true (outpost_store_update (f->store, "account", ID1, change, NULL));
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"One v3\"}", "W/\"3\"", 3), ==, OUTPOST_APPLY_LOCAL_CHANGES);
  g_assert_false (outpost_store_remove_server_row (f->store, "account", ID1, NULL));
  g_clear_pointer (&rec, outpost_record_unref);
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "name"), ==, "Mine");
  base = outpost_store_get_base (f->store, "account", ID1, NULL);
  g_assert_cmpstr (json_object_get_string_member (base, "name"), ==, "One v2");
  /* sweep: ID2 was not seen in generation 2 and goes; ID1 has local changes and stays */
  g_assert_cmpint (outpost_store_sweep (f->store, "account", 2, NULL), ==, 1);
  g_assert_false (account_exists (f, ID2));
  g_assert_true (account_exists (f, ID1));
}

static void
test_journal_complete (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) v = obj ("{\"name\":\"New\"}");
  g_autofree char *id = outpost_store_create (f->store, "account", v, NULL);
  g_autoptr(GPtrArray) list = NULL;
  OutpostJournalEntry *e = only_entry (f, &list);
  g_autoptr(OutpostRecord) rec = NULL;

  g_assert_cmpint (e->op, ==, OUTPOST_JOURNAL_CREATE);
  g_assert_true (outpost_store_journal_mark_in_flight (f->store, e->seq, NULL));
  g_assert_true (outpost_store_journal_complete (f->store, e->seq, "W/\"7\"", NULL));
  rec = outpost_store_get (f->store, "account", id, NULL);
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
  g_assert_cmpstr (rec->etag, ==, "W/\"7\"");
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, NULL), ==, 0);
  /* delete and complete it: the row is gone */
  g_assert_true (outpost_store_delete (f->store, "account", id, NULL));
  g_clear_pointer (&list, g_ptr_array_unref);
  e = only_entry (f, &list);
  g_assert_cmpint (e->op, ==, OUTPOST_JOURNAL_DELETE);
  g_assert_true (outpost_store_journal_complete (f->store, e->seq, NULL, NULL));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account"), ==, 0);
}

static gint64
fail_one_update (Fixture *f)
{
  g_autoptr(JsonObject) c = obj ("{\"telephone1\":\"999\"}");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(OutpostRecord) rec = NULL;
  OutpostJournalEntry *e;

  apply (f, ID1, "{\"name\":\"One\",\"telephone1\":\"111\"}", "W/\"1\"", 1);
  g_assert_true (outpost_store_update (f->store, "account", ID1, c, NULL));
  e = only_entry (f, &list);
  g_assert_true (outpost_store_journal_mark_in_flight (f->store, e->seq, NULL));
  g_assert_true (outpost_store_journal_fail (f->store, e->seq, "Bad phone", NULL));
  errors = outpost_store_list_errors (f->store, NULL);
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (((OutpostSyncErrorRow *) errors->pdata[0])->message, ==, "Bad phone");
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_true (rec->has_error);
  {
    OutpostQuery q = { .flags = OUTPOST_QUERY_WITH_ISSUES };
    g_assert_cmpint (outpost_store_count (f->store, "account", &q, NULL), ==, 1);
  }
  return ((OutpostSyncErrorRow *) errors->pdata[0])->id;
}

static void
test_error_retry (Fixture *f, gconstpointer data)
{
  gint64 id = fail_one_update (f);
  g_autoptr(GPtrArray) list = NULL;

  g_assert_cmpuint (outpost_store_journal_list (f->store, NULL)->len, ==, 0);
  g_assert_true (outpost_store_error_retry (f->store, id, NULL));
  list = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((OutpostJournalEntry *) list->pdata[0])->status, ==, OUTPOST_JOURNAL_PENDING);
  g_assert_cmpuint (n_listed (outpost_store_list_errors (f->store, NULL)), ==, 0);
  g_assert_false (account_flag (f, ID1, FALSE));
}

static void
test_error_ignore (Fixture *f, gconstpointer data)
{
  gint64 id = fail_one_update (f);
  g_autoptr(OutpostRecord) rec = NULL;

  g_assert_true (outpost_store_error_ignore (f->store, id, NULL));
  g_assert_cmpuint (outpost_store_journal_list (f->store, NULL)->len, ==, 0);
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "telephone1"), ==, "999");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_LOCALLY_MODIFIED);
  g_assert_cmpint (raw_int (f->path, "SELECT status FROM outpost_journal"), ==, OUTPOST_JOURNAL_IGNORED);
}

static void
test_error_take_server (Fixture *f, gconstpointer data)
{
  gint64 id = fail_one_update (f);
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(GPtrArray) stale = NULL;

  g_assert_true (outpost_store_error_take_server (f->store, id, NULL));
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_cmpstr (outpost_record_get_string (rec, "telephone1"), ==, "111");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
  g_assert_false (rec->has_error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, 0);
  stale = outpost_store_list_stale (f->store, "account", NULL);
  g_assert_cmpuint (stale->len, ==, 1);
  /* the next download writes it even with the old etag */
  g_assert_cmpint (apply (f, ID1, "{\"name\":\"One\",\"telephone1\":\"222\"}", "W/\"1\"", 1), ==, OUTPOST_APPLY_WRITTEN);
}

static void
test_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) c = obj ("{\"telephone1\":\"local\",\"fax\":\"localfax\"}");
  OutpostConflict conflict = { 0 };
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) chosen = obj ("{\"telephone1\":\"local\"}");
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  OutpostJournalEntry *e;

  apply (f, ID1, "{\"name\":\"One\",\"telephone1\":\"base\"}", "W/\"1\"", 1);
  g_assert_true (outpost_store_update (f->store, "account", ID1, c, NULL));
  conflict.entity = (char *) "account";
  conflict.record_id = (char *) ID1;
  conflict.local = obj ("{\"telephone1\":\"local\"}");
  conflict.server = obj ("{\"telephone1\":\"server\"}");
  conflict.base = obj ("{\"telephone1\":\"base\"}");
  conflict.server_etag = (char *) "W/\"2\"";
  g_assert_true (outpost_store_add_conflict (f->store, &conflict, NULL));
  json_object_unref (conflict.local);
  json_object_unref (conflict.server);
  json_object_unref (conflict.base);
  list = outpost_store_list_conflicts (f->store, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (account_flag (f, ID1, TRUE));
  g_assert_true (outpost_store_resolve_conflict (f->store, ((OutpostConflict *) list->pdata[0])->id, chosen, NULL));
  g_assert_cmpuint (n_listed (outpost_store_list_conflicts (f->store, NULL)), ==, 0);
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_false (rec->has_conflict);
  g_assert_cmpstr (rec->etag, ==, "W/\"2\"");
  g_assert_cmpstr (outpost_record_get_string (rec, "telephone1"), ==, "local");
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_LOCALLY_MODIFIED);
  journal = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (journal->len, ==, 1);
  e = journal->pdata[0];
  g_assert_cmpstr (json_object_get_string_member (e->fields, "telephone1"), ==, "local");
  g_assert_cmpstr (json_object_get_string_member (e->fields, "fax"), ==, "localfax");
  g_assert_cmpstr (json_object_get_string_member (outpost_store_get_base (f->store, "account", ID1, NULL),
                                                  "telephone1"), ==, "server");
}

static void
test_rebase_no_local (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) c = obj ("{\"telephone1\":\"x\"}");
  g_autoptr(JsonObject) server = obj ("{\"telephone1\":\"y\"}");
  g_autoptr(OutpostRecord) rec = NULL;

  apply (f, ID1, "{\"name\":\"One\"}", "W/\"1\"", 1);
  g_assert_true (outpost_store_update (f->store, "account", ID1, c, NULL));
  g_assert_true (outpost_store_rebase (f->store, "account", ID1, server, "W/\"5\"", NULL, NULL));
  rec = outpost_store_get (f->store, "account", ID1, NULL);
  g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
  g_assert_cmpstr (outpost_record_get_string (rec, "telephone1"), ==, "y");
  g_assert_cmpuint (outpost_store_journal_list (f->store, NULL)->len, ==, 0);
}

static void
test_table_state_and_log (Fixture *f, gconstpointer data)
{
  OutpostTableState s = { .entity = (char *) "contact", .delta_link = (char *) "https://x/contacts?$deltatoken=1",
                          .last_sync = (char *) "2024-05-01T00:00:00Z", .checkpoint = NULL,
                          .generation = 4, .profile_version = 1 };
  g_autoptr(OutpostTableState) got = NULL;
  g_autoptr(OutpostTableState) owed = NULL;
  OutpostSyncRun run = { 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) msgs = NULL;

  g_assert_true (outpost_store_set_table_state (f->store, &s, NULL));
  got = outpost_store_get_table_state (f->store, "contact", NULL);
  g_assert_cmpstr (got->delta_link, ==, s.delta_link);
  g_assert_false (got->full_sync_owed);
  g_assert_cmpint (got->generation, ==, 4);
  g_assert_true (outpost_store_owe_full_sync (f->store, NULL, NULL));
  owed = outpost_store_get_table_state (f->store, "contact", NULL);
  g_assert_true (owed->full_sync_owed);
  g_assert_cmpstr (owed->delta_link, ==, s.delta_link);
  g_assert_null (outpost_store_get_table_state (f->store, "nosuch", NULL));

  run.id = outpost_store_log_begin (f->store, "full", NULL);
  g_assert_cmpint (run.id, >, 0);
  g_assert_true (outpost_store_log_message (f->store, run.id, "account", ID1, "lost: telephone1=1", NULL));
  run.status = (char *) "succeeded";
  run.downloaded = 10;
  g_assert_true (outpost_store_log_end (f->store, &run, NULL));
  runs = outpost_store_list_runs (f->store, 10, NULL);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpstr (((OutpostSyncRun *) runs->pdata[0])->status, ==, "succeeded");
  g_assert_cmpint (((OutpostSyncRun *) runs->pdata[0])->downloaded, ==, 10);
  g_assert_cmpint (((OutpostSyncRun *) runs->pdata[0])->ended, >, 0);
  msgs = outpost_store_list_run_messages (f->store, run.id, NULL);
  g_assert_cmpuint (msgs->len, ==, 1);
  g_assert_cmpstr (msgs->pdata[0], ==, "lost: telephone1=1");
}

/* Runs left "running" by a process that died end as "interrupted" at their last log line;
 * finished runs keep their status, and a second call finds nothing. */
static void
test_log_interrupted (Fixture *f, gconstpointer data)
{
  OutpostSyncRun done = { 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cut_off = outpost_store_log_begin (f->store, "incremental", NULL);
  g_autofree char *sql = g_strdup_printf ("UPDATE outpost_sync_message SET at = (SELECT started"
                                          " FROM outpost_sync_run WHERE id = run_id) + 5"
                                          " WHERE run_id = %" G_GINT64_FORMAT, cut_off);
  OutpostSyncRun *r;

  g_assert_cmpint (cut_off, >, 0);
  g_assert_true (outpost_store_log_message (f->store, cut_off, "account", ID1, "a line", NULL));
  raw_exec (f->path, sql);
  done.id = outpost_store_log_begin (f->store, "full", NULL);
  done.status = (char *) "succeeded";
  g_assert_true (outpost_store_log_end (f->store, &done, NULL));
  g_assert_cmpint (outpost_store_log_interrupt_running (f->store, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (outpost_store_log_interrupt_running (f->store, &error), ==, 0);
  runs = outpost_store_list_runs (f->store, 10, NULL);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpstr (((OutpostSyncRun *) runs->pdata[0])->status, ==, "succeeded");
  r = runs->pdata[1];
  g_assert_cmpint (r->id, ==, cut_off);
  g_assert_cmpstr (r->status, ==, "interrupted");
  g_assert_cmpint (r->ended, ==, r->started + 5);   /* its last line's time */
  g_assert_nonnull (r->message);
}

/* The seq of the record's last journal entry, whatever its status. */
static gint64
last_seq (Fixture *f, const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce(max(seq), -1) FROM outpost_journal"
                                          " WHERE record_id = '%s'", id);
  gint64 seq = raw_int (f->path, sql);

  g_assert_cmpint (seq, >=, 0);
  return seq;
}

/* A batch's results in one call: a create synced, a create with a later edit left modified
 * (base kept), a failed update's error cleared, a delete done. */
static void
test_complete_many (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) va = obj ("{\"name\":\"A\"}");
  g_autoptr(JsonObject) vb = obj ("{\"name\":\"B\"}");
  g_autoptr(JsonObject) edit = obj ("{\"name\":\"B2\"}");
  g_autoptr(JsonObject) phone = obj ("{\"telephone1\":\"5\"}");
  g_autofree char *a = outpost_store_create (f->store, "account", va, NULL);
  g_autofree char *b = outpost_store_create (f->store, "account", vb, NULL);
  g_autoptr(OutpostJournalEntry) claimed = NULL;
  g_autoptr(OutpostRecord) ra = NULL, rb = NULL;
  g_autoptr(GError) error = NULL;
  OutpostJournalDone done[4];
  gint64 seq_b;

  apply (f, ID1, "{\"name\":\"One\"}", "W/\"1\"", 1);
  apply (f, ID2, "{\"name\":\"Two\"}", "W/\"1\"", 1);
  g_assert_true (outpost_store_update (f->store, "account", ID1, phone, NULL));
  g_assert_true (outpost_store_journal_fail (f->store, last_seq (f, ID1), "Bad phone", NULL));
  g_assert_true (account_flag (f, ID1, FALSE));
  g_assert_true (outpost_store_delete (f->store, "account", ID2, NULL));
  /* the claim marks B's create IN_FLIGHT (one attempt) and returns it: the edit after it is
   * a new entry, not coalesced into the one being sent */
  seq_b = last_seq (f, b);
  claimed = outpost_store_journal_claim (f->store, seq_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (claimed->status, ==, OUTPOST_JOURNAL_IN_FLIGHT);
  g_assert_cmpint (claimed->attempts, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (claimed->fields, "name"), ==, "B");
  g_assert_true (outpost_store_update (f->store, "account", b, edit, NULL));

  done[0] = (OutpostJournalDone) { last_seq (f, a), "W/\"10\"" };
  done[1] = (OutpostJournalDone) { seq_b, "W/\"11\"" };
  done[2] = (OutpostJournalDone) { last_seq (f, ID1), NULL };
  done[3] = (OutpostJournalDone) { last_seq (f, ID2), NULL };
  g_assert_true (outpost_store_journal_complete_many (f->store, done, 4, &error));
  g_assert_no_error (error);

  ra = outpost_store_get (f->store, "account", a, NULL);
  g_assert_cmpint (ra->state, ==, OUTPOST_ROW_SYNCED);
  g_assert_cmpstr (ra->etag, ==, "W/\"10\"");
  rb = outpost_store_get (f->store, "account", b, NULL);
  g_assert_cmpint (rb->state, ==, OUTPOST_ROW_LOCALLY_MODIFIED);   /* the edit is still to go */
  g_assert_cmpstr (rb->etag, ==, "W/\"11\"");
  g_assert_cmpstr (outpost_record_get_string (rb, "name"), ==, "B2");
  g_assert_false (account_flag (f, ID1, FALSE));
  g_assert_cmpint (raw_int (f->path, "SELECT __state FROM e_account WHERE __id = '" ID1 "'"), ==, OUTPOST_ROW_SYNCED);
  g_assert_cmpint (raw_int (f->path, "SELECT __etag IS NULL FROM e_account WHERE __id = '" ID1 "'"), ==, 0);
  g_assert_cmpuint (n_listed (outpost_store_list_errors (f->store, NULL)), ==, 0);
  g_assert_false (account_exists (f, ID2));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, 1);
  g_assert_true (outpost_store_journal_complete_many (f->store, done, 0, NULL));
}

/* One entry of the batch is gone: nothing of the batch lands, and an enclosing transaction
 * stays usable. */
static void
test_complete_many_all_or_none (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) va = obj ("{\"name\":\"A\"}");
  g_autoptr(JsonObject) vb = obj ("{\"name\":\"B\"}");
  g_autofree char *a = outpost_store_create (f->store, "account", va, NULL);
  g_autofree char *b = outpost_store_create (f->store, "account", vb, NULL);
  g_autoptr(GError) error = NULL;
  OutpostJournalDone done[3];

  done[0] = (OutpostJournalDone) { last_seq (f, a), "W/\"1\"" };
  done[1] = (OutpostJournalDone) { 999999, "W/\"2\"" };
  done[2] = (OutpostJournalDone) { last_seq (f, b), "W/\"3\"" };
  g_assert_false (outpost_store_journal_complete_many (f->store, done, 3, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, 2);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account WHERE __state = 1 AND __etag IS NULL"), ==, 2);

  /* inside the caller's transaction: only the savepoint is undone */
  g_assert_true (outpost_store_begin (f->store, NULL));
  g_assert_false (outpost_store_journal_complete_many (f->store, done, 3, NULL));
  done[1] = done[2];
  g_assert_true (outpost_store_journal_complete_many (f->store, done, 2, &error));
  g_assert_no_error (error);
  g_assert_true (outpost_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM outpost_journal"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM e_account WHERE __state = 0"), ==, 2);
}

static void
test_sync_state (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) local = obj ("{\"name\":\"Mine\"}");
  g_autoptr(JsonObject) server = obj ("{\"name\":\"Theirs\"}");
  g_autoptr(JsonObject) base = obj ("{\"name\":\"One\"}");
  OutpostConflict c = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  gboolean conflict = TRUE;

  apply (f, ID1, "{\"name\":\"One\"}", "W/\"4\"", 1);
  g_assert_true (outpost_store_get_sync_state (f->store, "account", ID1, &etag, &conflict, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (etag, ==, "W/\"4\"");
  g_assert_false (conflict);
  g_clear_pointer (&etag, g_free);
  /* an unresolved conflict (Manual) marks the row */
  g_assert_true (outpost_store_update (f->store, "account", ID1, local, NULL));
  c.entity = (char *) "account";
  c.record_id = (char *) ID1;
  c.local = local;
  c.server = server;
  c.base = base;
  c.server_etag = (char *) "W/\"5\"";
  g_assert_true (outpost_store_add_conflict (f->store, &c, NULL));
  g_assert_true (outpost_store_get_sync_state (f->store, "account", ID1, &etag, &conflict, NULL));
  g_assert_true (conflict);
  g_clear_pointer (&etag, g_free);
  g_assert_false (outpost_store_get_sync_state (f->store, "account", ID2, &etag, &conflict, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_assert_null (etag);
  g_assert_false (conflict);
}

static void
test_associations (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) lead = obj ("{\"lastname\":\"Lee\"}");
  g_autofree char *lead_id = NULL;
  g_autoptr(GPtrArray) rel = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;

  apply (f, ID1, "{\"name\":\"One\"}", "W/\"1\"", 1);
  lead_id = outpost_store_create (f->store, "lead", lead, NULL);
  g_assert_true (outpost_store_associate (f->store, "accountleads_association", "lead", lead_id,
                                          "account", ID1, &error));
  g_assert_no_error (error);
  rel = outpost_store_list_associated (f->store, "accountleads_association", "account", ID1, NULL);
  g_assert_cmpuint (rel->len, ==, 1);
  g_assert_cmpstr (rel->pdata[0], ==, lead_id);
  journal = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (journal->len, ==, 2);
  g_assert_cmpint (((OutpostJournalEntry *) journal->pdata[1])->op, ==, OUTPOST_JOURNAL_ASSOCIATE);
  g_assert_cmpstr (((OutpostJournalEntry *) journal->pdata[1])->entity, ==, "account");  /* entity1 side */
  /* undone before upload: both entries vanish */
  g_assert_true (outpost_store_disassociate (f->store, "accountleads_association", "account", ID1,
                                             "lead", lead_id, NULL));
  g_clear_pointer (&journal, g_ptr_array_unref);
  journal = outpost_store_journal_list (f->store, NULL);
  g_assert_cmpuint (journal->len, ==, 1);
  g_assert_false (outpost_store_associate (f->store, "nosuch", "account", ID1, "lead", lead_id, &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  TEST ("/store-sync/server-rows", test_server_rows);
  TEST ("/store-sync/journal-complete", test_journal_complete);
  TEST ("/store-sync/error-retry", test_error_retry);
  TEST ("/store-sync/error-ignore", test_error_ignore);
  TEST ("/store-sync/error-take-server", test_error_take_server);
  TEST ("/store-sync/conflict", test_conflict);
  TEST ("/store-sync/rebase-no-local", test_rebase_no_local);
  TEST ("/store-sync/table-state-and-log", test_table_state_and_log);
  TEST ("/store-sync/associations", test_associations);
  TEST ("/store-sync/complete-many", test_complete_many);
  TEST ("/store-sync/complete-many-all-or-none", test_complete_many_all_or_none);
  TEST ("/store-sync/sync-state", test_sync_state);
  TEST ("/store-sync/log-interrupted", test_log_interrupted);
  return g_test_run ();
}

/* test-sync-upload.c: the journal goes up: creates in dependency order with client GUIDs,
 * updates and deletes; one bad record in a batch; a create whose answer was lost; the
 * pipelined upload (many small batches) keeps these guarantees, a record's operations in
 * order, and a cancelled upload converges on the next sync. Emails go up with their To
 * parties (email_activity_parties) and an HTML body; SendEmail needs a To party. */
#include "config.h"

#include <string.h>

#include "outpost-store-email.h"
#include "outpost-store-sync.h"
#include "outpost-sync-upload-email.h"
#include "outpost-test-server.h"

typedef OutpostSyncFixture Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_setup (f, OUTPOST_SYNC_FULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_teardown (f);
}

static JsonObject *
server_row (Fixture *f, const char *set, const char *id, guint *status)
{
  g_autofree char *path = g_strdup_printf ("%s(%s)", set, id);
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, "GET", path, NULL, status);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_object_ref (json_node_get_object (node)) : NULL;
}

static char *
create (Fixture *f, const char *entity, const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  char *id;

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  id = outpost_store_create (f->store, entity, json_node_get_object (json_parser_get_root (parser)), &error);
  g_assert_no_error (error);
  return id;
}

static gint64
count_named (Fixture *f, const char *set, const char *field, const char *value)
{
  g_autofree char *q = g_strdup_printf ("%s?$filter=%s eq '%s'", set, field, value);
  g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

  return outpost_test_server_count (f->srv, escaped);
}

/* A child created before its parent (the parent's GUID given up front): the upload creates the
 * parent first; an update sends only its field with If-Match; a delete removes the row. */
static void
test_create_update_delete (Fixture *f, gconstpointer data)
{
  const char *parent = "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
  g_autofree char *child_json = g_strdup_printf ("{\"firstname\":\"Ada\",\"lastname\":\"Child\","
                                                 "\"parentcustomerid\":\"%s\",\"parentcustomerid@target\":\"account\"}", parent);
  g_autofree char *parent_json = g_strdup_printf ("{\"accountid\":\"%s\",\"name\":\"Parent Works\"}", parent);
  g_autofree char *child = create (f, "contact", child_json);
  g_autofree char *made = create (f, "account", parent_json);
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 1);
  g_auto(GStrv) tasks = outpost_test_server_ids (f->srv, "tasks", "activityid", "statecode eq 0", 1);
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(JsonObject) c = NULL, a = NULL, t = NULL;
  guint status = 0;

  g_assert_cmpstr (made, ==, parent);
  json_object_set_string_member (changes, "telephone1", "+44 20 7946 0000");
  g_assert_true (outpost_store_update (f->store, "account", accounts[0], changes, &error));
  g_assert_true (outpost_store_delete (f->store, "task", tasks[0], &error));
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 4);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  {
    g_autoptr(GPtrArray) errs = outpost_store_list_errors (f->store, NULL);
    for (guint i = 0; errs && i < errs->len; i++)
      g_test_message ("error: %s", ((OutpostSyncErrorRow *) g_ptr_array_index (errs, i))->message);
  }
  g_assert_cmpint (r->uploaded, ==, 4);
  g_assert_cmpint (r->errors, ==, 0);
  c = server_row (f, "contacts", child, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (c, "_parentcustomerid_value"), ==, parent);
  a = server_row (f, "accounts", accounts[0], &status);
  g_assert_cmpstr (json_object_get_string_member (a, "telephone1"), ==, "+44 20 7946 0000");
  t = server_row (f, "tasks", tasks[0], &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
  {
    g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "contact", child, &error);
    g_assert_cmpint (rec->state, ==, OUTPOST_ROW_SYNCED);
    g_assert_nonnull (rec->etag);
  }
}

/* One record the server refuses: the others go through, it becomes a sync error with the
 * server's message, and it is not sent again (no duplicates) until Retry. */
static void
test_batch_one_bad (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  OutpostSyncErrorRow *row;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *json = i == 3
        ? g_strdup ("{\"name\":\"Batch Bad\",\"parentaccountid\":\"6a1f0c2e-0000-4e5f-8a9b-00000000dead\"}")
        : g_strdup_printf ("{\"name\":\"Batch Good %u\"}", i);
      g_ptr_array_add (ids, create (f, "account", json));
    }
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r->uploaded, ==, 6);
  g_assert_cmpint (r->errors, ==, 1);
  /* locally too: the results before and after the refused one in the batch all landed (they
   * are written in runs around it), the refused one waits with its error */
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(OutpostRecord) rec = outpost_store_get (f->store, "account", ids->pdata[i], &error);
      g_assert_no_error (error);
      g_assert_cmpint (rec->state, ==, i == 3 ? OUTPOST_ROW_LOCALLY_CREATED : OUTPOST_ROW_SYNCED);
      g_assert_cmpint (rec->has_error, ==, i == 3);
      if (i != 3)
        g_assert_nonnull (rec->etag);
    }
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 1);
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *name = g_strdup_printf ("Batch Good %u", i);
      g_assert_cmpint (count_named (f, "accounts", "name", name), ==, i == 3 ? 0 : 1);
    }
  g_assert_cmpint (count_named (f, "accounts", "name", "Batch Bad"), ==, 0);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_cmpuint (errors->len, ==, 1);
  row = g_ptr_array_index (errors, 0);
  g_test_message ("sync error: %s", row->message);
  g_assert_nonnull (strstr (row->message, "Does Not Exist"));

  again = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (again->uploaded, ==, 0);
  g_assert_cmpint (again->errors, ==, 0);
  /* Ignore keeps the local row and stops retrying */
  g_assert_true (outpost_store_error_ignore (f->store, row->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_named (f, "accounts", "name", "Batch Good 0"), ==, 1);
}

/* The create reached the server but its answer was lost (the entry is still IN_FLIGHT): the
 * retry must not create a second row nor report an error. */
static void
test_lost_create (Fixture *f, gconstpointer data)
{
  const char *id = "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a77";
  g_autofree char *json = g_strdup_printf ("{\"accountid\":\"%s\",\"name\":\"Lost Answer Ltd\"}", id);
  g_autofree char *made = create (f, "account", json);
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  guint status = 0;
  g_autoptr(JsonNode) posted = NULL;

  journal = outpost_store_journal_list (f->store, &error);
  g_assert_cmpuint (journal->len, ==, 1);
  g_assert_true (outpost_store_journal_mark_in_flight (f->store,
                 ((OutpostJournalEntry *) g_ptr_array_index (journal, 0))->seq, &error));
  /* what the first attempt did on the server before the connection dropped */
  posted = outpost_test_server_api (f->srv, "POST", "accounts", json, &status);
  g_assert_cmpuint (status, ==, 204);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (count_named (f, "accounts", "name", "Lost Answer Ltd"), ==, 1);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

/* The same, for real: the server executes the batch and drops the connection before the
 * answer; the client re-sends safely. */
static void
test_dropped_batch_answer (Fixture *f, gconstpointer data)
{
  g_autofree char *a = create (f, "account", "{\"name\":\"Dropped Answer One\"}");
  g_autofree char *b = create (f, "account", "{\"name\":\"Dropped Answer Two\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  g_assert_cmpuint (outpost_test_server_admin (f->srv, "POST", "faults",
      "{\"kind\":\"drop\",\"path_prefix\":\"/api/data/v9.2/$batch\",\"count\":1,\"bytes\":10}", NULL), ==, 200);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r->errors, ==, 0);
  {
    g_autoptr(JsonNode) faults = NULL;
    JsonArray *list;

    outpost_test_server_admin (f->srv, "GET", "faults", NULL, &faults);
    list = json_object_get_array_member (json_node_get_object (faults), "value");
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 0), "fired"), ==, 1);
  }
  g_assert_cmpint (count_named (f, "accounts", "name", "Dropped Answer One"), ==, 1);
  g_assert_cmpint (count_named (f, "accounts", "name", "Dropped Answer Two"), ==, 1);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

/* Bug: on a fresh server (--seed accounts=5) the first upload after the first full sync
 * reported "The server sent a malformed batch answer" although the server applied it. */
static void
test_first_upload (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("accounts=5", NULL);
  g_autoptr(OutpostProfile) profile = outpost_test_profile ();
  g_autoptr(OutpostSyncEngine) engine = outpost_test_engine (srv, profile);
  g_autoptr(OutpostSyncResult) first = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_autoptr(OutpostStore) store = outpost_test_open_store (srv, profile);
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autofree char *id = NULL;

  g_assert_cmpint (first->downloaded, ==, 5);
  json_object_set_string_member (values, "name", "Foo");
  id = outpost_store_create (store, "account", values, &error);
  g_assert_no_error (error);
  r = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_cmpint (r->uploaded, ==, 1);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (outpost_test_server_count (srv, "accounts?$filter=name%20eq%20'Foo'"), ==, 1);
  g_assert_cmpint (outpost_store_count_unsynced (store, NULL, &error), ==, 0);
}

/* An upload with @batch_size operations per change set (small: many pipelined batches). */
static OutpostSyncResult *
upload_in_batches (Fixture *f, guint batch_size, GCancellable *cancellable, GError **error)
{
  OutpostSyncOptions options = { OUTPOST_SYNC_UPLOAD_ONLY, .batch_size = batch_size };

  return outpost_sync_engine_run (f->engine, &options, cancellable, error);
}

static char *
create_child (Fixture *f, const char *parent, guint i)
{
  g_autofree char *json = g_strdup_printf ("{\"firstname\":\"Pipe\",\"lastname\":\"Child %u\","
                                           "\"parentcustomerid\":\"%s\",\"parentcustomerid@target\":\"account\"}",
                                           i, parent);
  return create (f, "contact", json);
}

/* Batches of 3: children created before their parents are sent after them although a child
 * and its parent land in different batches, one of them in flight while the next is
 * prepared; a bad record in the third batch is a sync error and the rest goes up; every row
 * exists once on the server. */
static void
test_pipelined_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (parents, g_strdup_printf ("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f5%03u", i));
  for (guint i = 0; i < 6; i++)
    g_free (create_child (f, g_ptr_array_index (parents, i), i));
  g_free (create (f, "account", "{\"name\":\"Pipe Bad\",\"parentaccountid\":\"6a1f0c2e-0000-4e5f-8a9b-00000000dead\"}"));
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"accountid\":\"%s\",\"name\":\"Pipe Parent %u\"}",
                                               (char *) g_ptr_array_index (parents, i), i);
      g_free (create (f, "account", json));
    }
  r = upload_in_batches (f, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->uploaded, ==, 12);
  g_assert_cmpint (r->errors, ==, 1);
  g_assert_cmpuint (r->requests, >=, 5);   /* 13 operations in batches of 3 */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("Pipe Parent %u", i);
      g_autofree char *last = g_strdup_printf ("Child %u", i);
      g_autofree char *filter = g_strdup_printf ("lastname eq 'Child %u'", i);
      g_auto(GStrv) child = outpost_test_server_ids (f->srv, "contacts", "contactid", filter, 2);
      g_autoptr(JsonObject) c = NULL;
      guint status = 0;

      g_assert_cmpint (count_named (f, "accounts", "name", name), ==, 1);
      g_assert_cmpint (count_named (f, "contacts", "lastname", last), ==, 1);
      c = server_row (f, "contacts", child[0], &status);
      g_assert_cmpstr (json_object_get_string_member (c, "_parentcustomerid_value"), ==,
                       g_ptr_array_index (parents, i));
    }
  g_assert_cmpint (count_named (f, "accounts", "name", "Pipe Bad"), ==, 0);
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 1);
}

/* A record with two journal entries (the first was in flight when the user saved again):
 * they go up in order, each with the ETag the previous one returned (no 412, no merge, no
 * second pass), and the server ends with the second value. With the default batch size both
 * would fit one change set, where the second would carry a stale If-Match. */
static void
test_record_updates_in_order (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 3);
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(JsonObject) a = NULL;
  guint status = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) changes = json_object_new ();
      json_object_set_string_member (changes, "telephone1", i == 0 ? "+1 555 0001" : "+1 555 0100");
      g_assert_true (outpost_store_update (f->store, "account", accounts[i], changes, &error));
    }
  journal = outpost_store_journal_list (f->store, &error);
  g_assert_cmpuint (journal->len, ==, 3);
  g_assert_true (outpost_store_journal_mark_in_flight (f->store,
                 ((OutpostJournalEntry *) g_ptr_array_index (journal, 0))->seq, &error));
  {
    g_autoptr(JsonObject) changes = json_object_new ();
    json_object_set_string_member (changes, "telephone1", "+1 555 0002");
    g_assert_true (outpost_store_update (f->store, "account", accounts[0], changes, &error));
  }
  g_clear_pointer (&journal, g_ptr_array_unref);
  journal = outpost_store_journal_list (f->store, &error);
  g_assert_cmpuint (journal->len, ==, 4);   /* the in-flight entry was not coalesced into */

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (r->conflicts, ==, 0);
  g_assert_cmpint (r->uploaded, ==, 4);
  a = server_row (f, "accounts", accounts[0], &status);
  g_assert_cmpstr (json_object_get_string_member (a, "telephone1"), ==, "+1 555 0002");
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
  /* [the first update, the two others], then [the second update]: two change sets, where a
   * stale If-Match would have cost a refused set, its halves, a fetch and a second pass */
  g_assert_cmpuint (outpost_test_server_logged (f->srv, "$batch", "200"), ==, 2);
}

/* Batches of 2 with the answer of the second batch dropped after the server executed it:
 * the pipeline re-sends that batch as "create once", later batches go on, nothing twice. */
static void
test_pipelined_dropped_answer (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Pipe Drop %u\"}", i);
      g_free (create (f, "account", json));
    }
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"drop\",\"path_prefix\":\"/api/data/v9.2/$batch\","
                                 "\"skip\":1,\"count\":1,\"bytes\":10}");
  r = upload_in_batches (f, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (outpost_test_server_faults_fired (f->srv), ==, 1);
  g_assert_cmpint (r->errors, ==, 0);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("Pipe Drop %u", i);
      g_assert_cmpint (count_named (f, "accounts", "name", name), ==, 1);
    }
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 2);
  g_cancellable_cancel (data);
  return NULL;
}

/* Cancelled while batches are in flight (each $batch answer held 250 ms): the run says it
 * was cancelled, and the next sync uploads the rest; every record exists exactly once. */
static void
test_pipelined_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;
  GThread *canceller;
  gint64 after_cancel = 0;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Pipe Cancel %u\"}", i);
      g_free (create (f, "account", json));
    }
  outpost_test_server_add_fault (f->srv, "{\"kind\":\"latency\",\"path_prefix\":\"/api/data/v9.2/$batch\",\"ms\":250}");
  canceller = g_thread_new ("cancel", cancel_later, cancellable);
  r = upload_in_batches (f, 2, cancellable, &error);
  g_thread_join (canceller);
  g_assert_null (r);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("Pipe Cancel %u", i);
      after_cancel += count_named (f, "accounts", "name", name);
    }
  g_test_message ("%" G_GINT64_FORMAT " of 12 on the server after the cancel", after_cancel);
  g_assert_cmpint (after_cancel, <, 12);
  outpost_test_server_clear_faults (f->srv);
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (again->errors, ==, 0);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("Pipe Cancel %u", i);
      g_assert_cmpint (count_named (f, "accounts", "name", name), ==, 1);
    }
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

/* ---- email: parties and body ------------------------------------------------------------------ */

/* The server's parties of @email as "mask:partyid-or-address" strings. */
static GPtrArray *
server_parties (Fixture *f, const char *email)
{
  g_autofree char *path = g_strdup_printf ("activityparties?$select=participationtypemask,addressused,_partyid_value"
                                           "&$filter=_activityid_value%%20eq%%20%s", email);
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, "GET", path, NULL, &status);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  JsonArray *value;

  g_assert_cmpuint (status, ==, 200);
  value = json_object_get_array_member (json_node_get_object (node), "value");
  for (guint i = 0; i < json_array_get_length (value); i++)
    {
      JsonObject *p = json_array_get_object_element (value, i);
      const char *party = json_object_get_string_member_with_default (p, "_partyid_value", NULL);
      char *s = g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%s", json_object_get_int_member (p, "participationtypemask"),
                                 party ? party : "-", json_object_get_string_member_with_default (p, "addressused", "-"));
      g_test_message ("server party: %s", s);
      g_ptr_array_add (out, s);
    }
  return out;
}

static gboolean
has_string (GPtrArray *list, const char *s)
{
  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (g_ptr_array_index (list, i), s))
      return TRUE;
  return FALSE;
}

/* An email composed to a contact (To prefilled with the contact's address, regarding it) with a
 * second, typed address: the create carries email_activity_parties (the server's request log
 * shows them), the server stores a To party bound to the contact, a To party with the typed
 * address and the user as Sender, computes torecipients from them, and SendEmail sends it. The
 * body goes as HTML. */
static void
test_email_parties (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) contacts = outpost_test_server_ids (f->srv, "contacts", "contactid", "emailaddress1 ne null", 1);
  g_autoptr(JsonObject) contact = NULL, sent = NULL;
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GPtrArray) parties = NULL;
  g_autofree char *html = outpost_email_text_to_html ("Hello <team> & friends,\n\nsee you Thursday.");
  g_autofree char *to = NULL, *id = NULL, *expected = NULL, *bound = NULL, *logged = NULL;
  const char *address;
  guint status = 0;

  contact = server_row (f, "contacts", contacts[0], &status);
  address = json_object_get_string_member (contact, "emailaddress1");
  to = g_strdup_printf ("%s; typed.person@example.org", address);
  json_object_set_string_member (values, "subject", "Parties test");
  json_object_set_string_member (values, "description", html);
  json_object_set_string_member (values, "torecipients", to);
  json_object_set_string_member (values, "regardingobjectid", contacts[0]);
  json_object_set_string_member (values, "regardingobjectid@target", "contact");
  json_object_set_boolean_member (values, "directioncode", TRUE);
  id = outpost_store_create (f->store, "email", values, &error);
  g_assert_no_error (error);
  g_assert_true (outpost_store_email_mark_send (f->store, id, &error));

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_EMAIL_ONLY);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (r->uploaded, ==, 2);   /* the create and the send */
  logged = g_strdup_printf ("batch part: POST emails email_activity_parties[2:contacts(%s),2:typed.person@example.org]",
                            contacts[0]);
  outpost_test_server_logged (f->srv, "batch part", "");
  g_assert_cmpuint (outpost_test_server_logged (f->srv, logged, " 201"), ==, 1);
  parties = server_parties (f, id);
  bound = g_strdup_printf ("2:%s:%s", contacts[0], address);
  g_assert_true (has_string (parties, bound));
  g_assert_true (has_string (parties, "2:-:typed.person@example.org"));
  g_assert_cmpuint (parties->len, ==, 3);   /* and the Sender */
  {
    g_autofree char *path = g_strdup_printf ("emails(%s)", id);
    g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, "GET", path, NULL, &status);
    sent = json_object_ref (json_node_get_object (node));
  }
  expected = g_strdup_printf ("%s;typed.person@example.org", address);
  g_assert_cmpstr (json_object_get_string_member (sent, "torecipients"), ==, expected);
  g_assert_cmpstr (json_object_get_string_member (sent, "description"), ==,
                   "<p>Hello &lt;team&gt; &amp; friends,</p><p>see you Thursday.</p>");
  g_assert_cmpint (json_object_get_int_member (sent, "statecode"), ==, 1);
  g_assert_false (outpost_store_email_is_marked (f->store, id));
}

/* An email without a To: the server refuses SendEmail ("must have at least one recipient"),
 * the sync log says so, the mark stays; once a To is added here, the update replaces the
 * parties and the next sync sends it. */
static void
test_email_needs_recipient (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL, again = NULL;
  g_autoptr(GPtrArray) parties = NULL;
  g_autofree char *id = NULL, *send = NULL;

  json_object_set_string_member (values, "subject", "Nobody to send to");
  id = outpost_store_create (f->store, "email", values, &error);
  g_assert_no_error (error);
  g_assert_true (outpost_store_email_mark_send (f->store, id, &error));
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_EMAIL_ONLY);
  g_assert_cmpint (r->errors, ==, 1);
  send = g_strdup_printf ("emails(%s)/Microsoft.Dynamics.CRM.SendEmail", id);
  g_assert_cmpuint (outpost_test_server_logged (f->srv, send, " 400"), ==, 1);
  g_assert_true (outpost_store_email_is_marked (f->store, id));
  {
    g_autoptr(GPtrArray) messages = outpost_store_list_run_messages (f->store, r->run_id, &error);
    gboolean said = FALSE;
    for (guint i = 0; messages && i < messages->len; i++)
      {
        g_test_message ("sync log: %s", (char *) g_ptr_array_index (messages, i));
        said |= strstr (g_ptr_array_index (messages, i), "at least one recipient") != NULL;
      }
    g_assert_true (said);
  }
  json_object_set_string_member (changes, "torecipients", "late.addition@example.org");
  g_assert_true (outpost_store_update (f->store, "email", id, changes, &error));
  again = outpost_test_sync (f->engine, OUTPOST_SYNC_EMAIL_ONLY);
  g_assert_cmpint (again->errors, ==, 0);
  g_assert_cmpuint (outpost_test_server_logged (f->srv, send, " 200"), ==, 1);
  parties = server_parties (f, id);
  g_assert_true (has_string (parties, "2:-:late.addition@example.org"));
  g_assert_false (outpost_store_email_is_marked (f->store, id));
}

/* Plain text to HTML and back is the same text; a server's HTML body reads as its text with
 * nothing of its markup or scripts left. */
static void
test_email_body (void)
{
  static const char *const texts[] = {
    "", "one line", "two\nlines", "a\n\nb", "a\n\n\nb", "\n", "  indented and  double  spaced ",
    "tab\there", "<b>not bold</b> & \"quoted\" 'text'", "trailing newline\n", "ünïcødé ✓",
  };
  static const struct { const char *html, *text; } downloaded[] = {
    { "<html><head><style>p{color:red}</style></head><body><p>Hi&nbsp;there,</p>\r\n<p>Line<br/>two</p></body></html>",
      "Hi there,\n\nLine\ntwo" },
    { "<div>A &amp; B &lt;ok&gt; &#8364;&#x41;</div><div>next</div>", "A & B <ok> \xe2\x82\xac""A\nnext" },
    { "<script>alert('x')</script>safe<!-- hidden --> text", "safe text" },
    { "<a href=\"x\" title='a>b'>link</a> &#0;&#xD800;&bogus; &", "link &bogus; &" },
    { "no markup at all\nkept as typed", "no markup at all\nkept as typed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *html = outpost_email_text_to_html (texts[i]);
      g_autofree char *back = outpost_email_html_to_text (html);

      g_test_message ("%s -> %s", texts[i], html);
      g_assert_null (strstr (html, "<b>"));
      g_assert_cmpstr (back, ==, texts[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (downloaded); i++)
    {
      g_autofree char *text = outpost_email_html_to_text (downloaded[i].html);
      g_assert_cmpstr (text, ==, downloaded[i].text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/upload/first-upload", test_first_upload);
  g_test_add ("/sync/upload/create-update-delete", Fixture, NULL, setup, test_create_update_delete, teardown);
  g_test_add ("/sync/upload/batch-one-bad-record", Fixture, NULL, setup, test_batch_one_bad, teardown);
  g_test_add ("/sync/upload/lost-create-answer", Fixture, NULL, setup, test_lost_create, teardown);
  g_test_add ("/sync/upload/dropped-batch-answer", Fixture, NULL, setup, test_dropped_batch_answer, teardown);
  g_test_add ("/sync/upload/pipelined-order", Fixture, NULL, setup, test_pipelined_order, teardown);
  g_test_add ("/sync/upload/record-updates-in-order", Fixture, NULL, setup, test_record_updates_in_order, teardown);
  g_test_add ("/sync/upload/pipelined-dropped-answer", Fixture, NULL, setup, test_pipelined_dropped_answer, teardown);
  g_test_add ("/sync/upload/pipelined-cancel", Fixture, NULL, setup, test_pipelined_cancel, teardown);
  g_test_add ("/sync/upload/email-parties", Fixture, NULL, setup, test_email_parties, teardown);
  g_test_add ("/sync/upload/email-needs-recipient", Fixture, NULL, setup, test_email_needs_recipient, teardown);
  g_test_add_func ("/sync/upload/email-body", test_email_body);
  return g_test_run ();
}

/* test-sync-features.c: against outpost-server: a profile published on the server (only the
 * entities it changed are synced in full), progress totals from @odata.count, an email marked
 * for sending (created, then SendEmail), N:N associate/disassociate over $ref, a delete the
 * server refuses with 412, and "no such field" in the run's sync log. */
#include "config.h"

#include <string.h>

#include "outpost-store-email.h"
#include "outpost-store-sync.h"
#include "outpost-test-server.h"

typedef OutpostSyncFixture Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_setup (f, OUTPOST_SYNC_INCREMENTAL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  outpost_sync_fixture_teardown (f);
}

static OutpostSyncEntityResult *
entity_result (OutpostSyncResult *r, const char *entity)
{
  for (guint i = 0; i < r->entities->len; i++)
    if (g_str_equal (((OutpostSyncEntityResult *) g_ptr_array_index (r->entities, i))->entity, entity))
      return g_ptr_array_index (r->entities, i);
  return NULL;
}

static JsonObject *
server_row (Fixture *f, const char *path)
{
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (f->srv, "GET", path, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return json_object_ref (json_node_get_object (node));
}

static gboolean
log_contains (Fixture *f, gint64 run_id, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = outpost_store_list_run_messages (f->store, run_id, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), fragment) != NULL)
      return TRUE;
  return FALSE;
}

/* ---- published profile -------------------------------------------------------------------- */

/* Version 2 of the default profile, published with account's fax dropped and a new label on
 * contact (a label needs no full sync). */
static char *
published_profile (void)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/io/github/outpostcrm/Outpost/core/profile.json", 0, NULL);
  g_autofree char *text = NULL;
  GString *s;
  char *fax;

  if (bytes == NULL)
    {
      g_autofree char *path = g_build_filename (g_getenv ("OUTPOST_SOURCE_DIR"), "data", "profile.json", NULL);
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    }
  else
    text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  s = g_string_new (text);
  g_assert_cmpint (g_string_replace (s, "\"version\": 1,", "\"version\": 2,", 1), ==, 1);
  fax = strstr (s->str, "{\"name\": \"fax\"");
  g_assert_nonnull (fax);
  g_string_erase (s, fax - s->str, strchr (fax, '\n') - fax + 1);
  g_assert_cmpint (g_string_replace (s, "\"label\": \"First Name\"", "\"label\": \"Given Name\"", 1), ==, 1);
  return g_string_free (s, FALSE);
}

static void
test_published_profile (Fixture *f, gconstpointer data)
{
  g_autofree char *profile = published_profile ();
  g_autofree char *b64 = g_base64_encode ((const guchar *) profile, strlen (profile));
  g_autofree char *body = g_strdup_printf ("{\"name\":\"%s\",\"content\":\"%s\"}", OUTPOST_PUBLISHED_PROFILE, b64);
  g_autoptr(OutpostSyncResult) quiet = NULL, r = NULL, after = NULL;
  g_autoptr(OutpostProfile) effective = NULL;
  guint status = 0;
  g_autoptr(JsonNode) created = NULL;

  /* nothing published: the check finds nothing and nothing is synced in full */
  outpost_sync_engine_set_profile_check_interval (f->engine, 0);
  quiet = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_false (entity_result (quiet, "account")->full);

  created = outpost_test_server_api (f->srv, "POST", "webresourceset", body, &status);
  g_assert_cmpuint (status, <, 300);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  for (guint i = 0; i < r->entities->len; i++)
    {
      OutpostSyncEntityResult *e = g_ptr_array_index (r->entities, i);
      OutpostEntity *entity = outpost_profile_lookup_entity (f->profile, e->entity);

      g_test_message ("%s: %s", e->entity, e->full ? "full" : "incremental");
      if (!entity->always_full_sync)   /* appointment is full every time by profile */
        g_assert_cmpint (e->full, ==, g_str_equal (e->entity, "account"));
    }
  g_assert_true (log_contains (f, r->run_id, "published sync profile version 2"));
  effective = outpost_sync_effective_profile (f->srv->db_path, f->profile);
  g_assert_cmpint (outpost_profile_get_version (effective), ==, 2);
  g_assert_null (outpost_entity_lookup_field (outpost_profile_lookup_entity (effective, "account"), "fax"));
  g_assert_cmpstr (outpost_entity_lookup_field (outpost_profile_lookup_entity (effective, "contact"),
                                                "firstname")->label, ==, "Given Name");
  /* applied once: the next run is incremental everywhere */
  after = outpost_test_sync (f->engine, OUTPOST_SYNC_INCREMENTAL);
  g_assert_false (entity_result (after, "account")->full);
}

/* ---- progress totals ------------------------------------------------------------------------ */

static void
on_progress (OutpostSyncEngine *engine, const OutpostSyncProgress *p, gpointer user_data)
{
  gint64 *seen = user_data;   /* [0] largest total for account, [1] done when total known */

  if (p->phase != OUTPOST_SYNC_PHASE_DOWNLOAD || g_strcmp0 (p->entity, "account") != 0)
    return;
  if (p->total >= 0)
    {
      g_assert_cmpint (p->done, <=, p->total);
      seen[0] = MAX (seen[0], p->total);
      seen[1] = MAX (seen[1], p->done);
    }
}

static void
test_progress_total (Fixture *f, gconstpointer data)
{
  gint64 seen[2] = { -1, -1 };
  gint64 on_server = outpost_test_server_count (f->srv, "accounts?$filter=statecode%20eq%200");
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL, NULL, 2, 5 /* small pages: several events */ };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;

  g_signal_connect (f->engine, "progress", G_CALLBACK (on_progress), seen);
  r = outpost_sync_engine_run (f->engine, &options, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("account total %" G_GINT64_FORMAT ", done %" G_GINT64_FORMAT ", server %" G_GINT64_FORMAT,
                  seen[0], seen[1], on_server);
  g_assert_cmpint (seen[0], ==, on_server);
  g_assert_cmpint (seen[1], ==, on_server);
}

/* ---- email send ---------------------------------------------------------------------------- */

static void
test_email_send (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL, *path = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(OutpostRecord) local = NULL;

  json_object_set_string_member (values, "subject", "Offer for next quarter");
  json_object_set_string_member (values, "description", "Composed offline");
  json_object_set_string_member (values, "torecipients", "someone@example.com");
  id = outpost_store_create (f->store, "email", values, &error);
  g_assert_no_error (error);
  g_assert_true (outpost_store_email_mark_send (f->store, id, &error));
  g_assert_true (outpost_store_email_is_marked (f->store, id));
  g_assert_false (outpost_store_email_mark_send (f->store, "0d5c8f6e-0000-4a2b-9c3d-00000000beef", &error));
  g_assert_error (error, OUTPOST_STORE_ERROR, OUTPOST_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  r = outpost_test_sync (f->engine, OUTPOST_SYNC_EMAIL_ONLY);
  g_assert_cmpint (r->errors, ==, 0);
  g_assert_cmpint (r->uploaded, ==, 2);   /* the create and the send */
  g_assert_nonnull (entity_result (r, "email"));
  g_assert_null (entity_result (r, "account"));   /* email only */
  path = g_strdup_printf ("emails(%s)", id);
  sent = server_row (f, path);
  g_assert_cmpint (json_object_get_int_member (sent, "statecode"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (sent, "statuscode"), ==, 3);
  g_assert_false (outpost_store_email_is_marked (f->store, id));
  /* the email-only download brought the sent state back */
  local = outpost_store_get (f->store, "email", id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (local->values, "statecode"), ==, 1);
}

/* ---- associate / disassociate, 412 on delete ----------------------------------------------- */

static gboolean
linked (Fixture *f, const char *account, const char *lead)
{
  g_autofree char *path = g_strdup_printf ("accounts(%s)/accountleads_association?$select=leadid", account);
  g_autoptr(JsonObject) obj = server_row (f, path);
  JsonArray *value = json_object_get_array_member (obj, "value");

  for (guint i = 0; i < json_array_get_length (value); i++)
    if (g_ascii_strcasecmp (json_object_get_string_member (json_array_get_object_element (value, i), "leadid"), lead) == 0)
      return TRUE;
  return FALSE;
}

static void
test_associate (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) accounts = outpost_test_server_ids (f->srv, "accounts", "accountid", "statecode eq 0", 1);
  g_auto(GStrv) leads = outpost_test_server_ids (f->srv, "leads", "leadid", "statecode eq 0", 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r1 = NULL, r2 = NULL;

  g_assert_false (linked (f, accounts[0], leads[0]));
  /* from either side: the store's N:N is symmetric, the upload sends it from account */
  g_assert_true (outpost_store_associate (f->store, "accountleads_association", "account", accounts[0],
                                          "lead", leads[0], &error));
  g_assert_true (outpost_store_associate (f->store, "accountleads_association", "lead", leads[1],
                                          "account", accounts[0], &error));
  g_assert_no_error (error);
  r1 = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r1->uploaded, ==, 2);
  g_assert_cmpint (r1->errors, ==, 0);
  g_assert_true (linked (f, accounts[0], leads[0]));
  g_assert_true (linked (f, accounts[0], leads[1]));

  g_assert_true (outpost_store_disassociate (f->store, "accountleads_association", "account", accounts[0],
                                             "lead", leads[0], &error));
  g_assert_no_error (error);
  r2 = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r2->uploaded, ==, 1);
  g_assert_cmpint (r2->errors, ==, 0);
  g_assert_false (linked (f, accounts[0], leads[0]));
  g_assert_true (linked (f, accounts[0], leads[1]));
  g_assert_cmpint (outpost_store_count_unsynced (f->store, NULL, &error), ==, 0);
}

/* A local delete of a row another user changed: the server answers 412 (If-Match), the
 * delete becomes a conflict; contact's policy is not ServerWins, so it waits as a sync error
 * and the server's row is untouched. */
static void
test_delete_412 (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) contacts = outpost_test_server_ids (f->srv, "contacts", "contactid", "statecode eq 0", 1);
  g_autofree char *admin = g_strdup_printf ("records/contacts/%s", contacts[0]);
  g_autofree char *path = g_strdup_printf ("contacts(%s)", contacts[0]);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(JsonObject) still = NULL;
  OutpostEntity *contact = outpost_profile_lookup_entity (f->profile, "contact");

  g_assert_cmpint (contact->conflict_policy, !=, OUTPOST_CONFLICT_SERVER_WINS);
  g_assert_true (outpost_store_delete (f->store, "contact", contacts[0], &error));
  g_assert_cmpuint (outpost_test_server_admin (f->srv, "PATCH", admin, "{\"jobtitle\":\"Changed elsewhere\"}", NULL), <, 300);
  r = outpost_test_sync (f->engine, OUTPOST_SYNC_UPLOAD_ONLY);
  g_assert_cmpint (r->errors, ==, 1);
  g_assert_cmpint (r->conflicts, ==, 1);
  errors = outpost_store_list_errors (f->store, &error);
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (((OutpostSyncErrorRow *) g_ptr_array_index (errors, 0))->record_id, ==, contacts[0]);
  still = server_row (f, path);
  g_assert_cmpstr (json_object_get_string_member (still, "jobtitle"), ==, "Changed elsewhere");
}

/* ---- a profile field the server lacks ----------------------------------------------------------- */

static void
test_missing_field_logged (void)
{
  g_autoptr(OutpostTestServer) srv = outpost_test_server_start ("accounts=3", NULL);
  g_autoptr(OutpostProfile) base = outpost_test_profile ();
  g_autofree char *json = outpost_profile_to_json (base);
  GString *s = g_string_new (json);
  g_autoptr(OutpostProfile) profile = NULL;
  g_autoptr(OutpostSyncEngine) engine = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autoptr(OutpostStore) store = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  const char *anchor = "{\"name\":\"accountnumber\"";

  g_assert_nonnull (strstr (s->str, anchor));
  g_string_replace (s, anchor, "{\"name\":\"new_nothere\",\"type\":\"string\",\"max_length\":10},{\"name\":\"accountnumber\"", 1);
  profile = outpost_profile_new_from_data (s->str, -1, &error);
  g_string_free (s, TRUE);
  g_assert_no_error (error);
  engine = outpost_test_engine (srv, profile);
  r = outpost_test_sync (engine, OUTPOST_SYNC_INCREMENTAL);
  store = outpost_test_open_store (srv, profile);
  lines = outpost_store_list_run_messages (store, r->run_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < lines->len; i++)
    found |= strstr (g_ptr_array_index (lines, i), "account.new_nothere") != NULL;
  g_assert_true (found);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/features/published-profile", Fixture, NULL, setup, test_published_profile, teardown);
  g_test_add ("/sync/features/progress-total", Fixture, NULL, setup, test_progress_total, teardown);
  g_test_add ("/sync/features/email-send", Fixture, NULL, setup, test_email_send, teardown);
  g_test_add ("/sync/features/associate-disassociate", Fixture, NULL, setup, test_associate, teardown);
  g_test_add ("/sync/features/delete-412", Fixture, NULL, setup, test_delete_412, teardown);
  g_test_add_func ("/sync/features/missing-field-logged", test_missing_field_logged);
  return g_test_run ();
}

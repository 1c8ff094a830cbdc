/* test-bad-input.c: a hostile server (the test's own SoupServer on 127.0.0.1) answers the
 * real Dataverse connector: invalid UTF-8, a 50 MB string, deep nesting, wrong JSON types,
 * unknown fields, metadata whose names attempt SQL injection, a response that never ends.
 * Each must give a clear error (or a safely mapped result), bounded memory, no crash. The
 * last case runs the real sync engine against the hostile server with a local edit pending:
 * the edit must survive. */
#include <glib/gstdio.h>
#include <string.h>

#include "outpost-dataverse-connector.h"
#include "outpost-store.h"
#include "outpost-store-sync.h"
#include "outpost-sync-engine.h"
#include "outpost-sync-error.h"
#include "rel-canned-server.h"

typedef struct {
  RelCannedServer *server;
  GMutex           lock;
  char            *body;      /* answer for API requests */
  gsize            length;
  gboolean         endless;
} Hostile;

static Hostile hostile;

static void
handler (SoupServerMessage *msg, const char *path, gpointer user_data)
{
  g_mutex_lock (&hostile.lock);
  if (hostile.endless)
    rel_canned_reply_endless (hostile.server, msg);
  else
    rel_canned_reply (msg, 200, "application/json; odata.metadata=minimal", hostile.body, hostile.length);
  g_mutex_unlock (&hostile.lock);
}

static void
answer (char *body, gsize length)
{
  g_mutex_lock (&hostile.lock);
  g_free (hostile.body);
  hostile.body = body;
  hostile.length = length;
  hostile.endless = FALSE;
  g_mutex_unlock (&hostile.lock);
}

static gsize
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + 6, NULL, 10);
}

static OutpostConnector *
new_connector (void)
{
  OutpostDataverseConnector *c = outpost_dataverse_connector_new (rel_canned_server_get_url (hostile.server), NULL, NULL);

  outpost_dataverse_connector_set_retry (c, 1, 50);
  outpost_dataverse_connector_set_timeout (c, 5);
  return OUTPOST_CONNECTOR (c);
}

static OutpostProfile *
profile (void)
{
  g_autoptr(GError) error = NULL;
  OutpostProfile *p = outpost_profile_new_default (&error);

  g_assert_no_error (error);
  return p;
}

/* Downloads one page of contacts with @body as the answer. Returns the page or NULL with
 * @error set; asserts exactly one of them. */
static OutpostPage *
page_for (char *body, gsize length, GError **error)
{
  g_autoptr(OutpostConnector) c = new_connector ();
  g_autoptr(OutpostProfile) p = profile ();
  OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, TRUE, NULL, NULL, 0 };
  OutpostPage *page;

  answer (body, length);
  page = outpost_connector_download_page (c, outpost_profile_lookup_entity (p, "contact"), &req, NULL, error);
  g_assert_true ((page == NULL) != (*error == NULL));
  return page;
}

#define ROW_START "{\"value\":[{\"contactid\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\",\"lastname\":"

static void
test_invalid_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  char *body = g_strdup (ROW_START "\"Bad \xff\xfe here\"}]}");
  g_autoptr(OutpostPage) page = page_for (body, strlen (body), &error);

  if (page != NULL)   /* accepted: then the value must be valid UTF-8 */
    {
      OutpostServerRow *row = g_ptr_array_index (page->rows, 0);
      const char *s = json_object_get_string_member (row->values, "lastname");
      g_assert_true (g_utf8_validate (s, -1, NULL));
    }
  else
    {
      g_test_message ("invalid UTF-8: %s", error->message);
      g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL);
    }
}

static void
test_huge_string (void)
{
  gsize n = 50 * 1024 * 1024;
  GString *s = g_string_sized_new (n + 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostPage) page = NULL;
  gsize before = rss_kb (), peak;

  g_string_append (s, ROW_START "\"");
  for (gsize i = 0; i < n; i += 16)
    g_string_append (s, "AAAAAAAAAAAAAAAA");
  g_string_append (s, "\"}]}");
  page = page_for (NULL, 0, &error);   /* reset */
  g_clear_pointer (&page, outpost_page_free);
  g_clear_error (&error);
  {
    gsize len = s->len;
    page = page_for (g_string_free (s, FALSE), len, &error);
  }
  peak = rss_kb ();
  g_test_message ("50 MB string: %s; RSS %zu -> %zu kB (+%zu MB)", page ? "accepted" : error->message,
                  before, peak, (peak - before) / 1024);
  g_print ("# 50 MB string: %s, RSS grew by %zu MB\n", page ? "accepted" : "refused", (peak - before) / 1024);
  /* body in the server (50) + body received (50) + parsed (50) + a copy: bounded by ~6x */
  g_assert_cmpuint ((peak - before) / 1024, <, 400);
  answer (g_strdup ("{}"), 2);
}

static void
test_deep_nesting (void)
{
  guint depth = 200000;
  GString *s = g_string_new (ROW_START);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostPage) page = NULL;

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "}]}");
  {
    gsize len = s->len;
    page = page_for (g_string_free (s, FALSE), len, &error);
  }
  g_test_message ("deep nesting: %s", page ? "accepted" : error->message);
  if (page != NULL)
    {
      /* a list is not a valid value for a string column: it must not pass as one */
      OutpostServerRow *row = g_ptr_array_index (page->rows, 0);
      JsonNode *node = json_object_get_member (row->values, "lastname");
      g_assert_true (node == NULL || !JSON_NODE_HOLDS_ARRAY (node));
    }
}

static void
test_wrong_types (void)
{
  static const char *const bodies[] = {
    "[]", "\"value\"", "{\"value\":{}}", "{\"value\":[1,2]}", "{\"value\":[{\"contactid\":5}]}",
    "{\"value\":[{\"contactid\":null}]}", "{\"value\":[{\"contactid\":{\"a\":1}}]}",
    "{\"value\":[],\"@odata.nextLink\":5}", "{\"value\":[],\"@odata.deltaLink\":[\"x\"]}",
    "{\"value\":[{\"contactid\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\",\"@odata.etag\":7}]}",
    "{\"value\":[{\"@odata.context\":\"x/$deletedEntity\",\"id\":9}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostPage) page = page_for (g_strdup (bodies[i]), strlen (bodies[i]), &error);

      g_test_message ("%s -> %s", bodies[i], page ? "accepted" : error->message);
      if (page != NULL)
        for (guint j = 0; j < page->rows->len; j++)
          g_assert_nonnull (((OutpostServerRow *) g_ptr_array_index (page->rows, j))->id);
    }
}

/* A value of the wrong type in a known field (an object where a string belongs): the
 * connector passes what it got, so the question is what the store does with it. */
static void
test_wrong_value_types (void)
{
  static const char *const bodies[] = {
    ROW_START "{\"nested\":1}}]}",
    ROW_START "[1,2,3]}]}",
    ROW_START "\"x\",\"birthdate\":{\"a\":1},\"gendercode\":\"not a number\"}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostPage) page = page_for (g_strdup (bodies[i]), strlen (bodies[i]), &error);
      JsonNode *node;

      g_test_message ("%s -> %s", bodies[i], page ? "accepted" : error->message);
      if (page == NULL)
        continue;
      node = json_object_get_member (((OutpostServerRow *) g_ptr_array_index (page->rows, 0))->values, "lastname");
      if (node != NULL && !JSON_NODE_HOLDS_VALUE (node))
        g_test_message ("  the connector passes a %s for a string field to the store",
                        json_node_type_name (node));
    }
}

static void
test_unknown_fields (void)
{
  g_autoptr(GError) error = NULL;
  char *body = g_strdup (ROW_START "\"Known\",\"new_field\":\"x\",\"'; DROP TABLE contact; --\":1,"
                         "\"_evil_value\":\"y\",\"lastname@odata.bind\":\"z\"}]}");
  g_autoptr(OutpostPage) page = page_for (body, strlen (body), &error);
  OutpostServerRow *row;
  g_autoptr(GList) members = NULL;

  g_assert_no_error (error);
  row = g_ptr_array_index (page->rows, 0);
  g_assert_cmpstr (json_object_get_string_member (row->values, "lastname"), ==, "Known");
  members = json_object_get_members (row->values);
  for (GList *l = members; l; l = l->next)
    {
      g_autofree char *base = g_strdup (l->data);
      char *at = strchr (base, '@');
      if (at)
        *at = '\0';
      if (!outpost_identifier_is_valid (base))
        g_test_message ("unsafe member name passed on: %s", (const char *) l->data);
      g_assert_true (outpost_identifier_is_valid (base));
    }
  g_assert_false (json_object_has_member (row->values, "new_field"));
}

/* Metadata whose names attempt SQL injection: the refined profile must stay valid, and a
 * store opened with it must keep its tables. */
static void
test_sql_injection_metadata (void)
{
  g_autoptr(OutpostConnector) c = new_connector ();
  g_autoptr(OutpostProfile) p = profile ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-badinput-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "outpost.db", NULL);
  const char *evil =
    "{\"value\":["
    "{\"LogicalName\":\"contact\",\"EntitySetName\":\"contacts; DROP TABLE contact; --\",\"ChangeTrackingEnabled\":true},"
    "{\"LogicalName\":\"account\\\"; DROP TABLE account; --\",\"EntitySetName\":\"accounts\"},"
    "{\"LogicalName\":\"lastname\\\" TEXT); DROP TABLE contact; --\",\"AttributeTypeName\":{\"Value\":\"StringType\"},\"MaxLength\":-5},"
    "{\"LogicalName\":\"lastname\",\"AttributeTypeName\":{\"Value\":\"StringType\"},\"MaxLength\":100,"
    " \"Targets\":[\"account'); DROP TABLE contact; --\"]}"
    "]}";
  gboolean ok;

  answer (g_strdup (evil), strlen (evil));
  ok = outpost_connector_connect (c, p, NULL, &error);
  g_test_message ("connect: %s", ok ? "ok" : error->message);
  /* every entity but contact is missing from this server: a clear error is expected */
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "account"));
  g_clear_error (&error);
  {
    OutpostEntity *contact = outpost_profile_lookup_entity (p, "contact");
    g_autofree char *json = outpost_profile_to_json (p);
    g_autoptr(GError) reparse = NULL;
    g_autoptr(OutpostProfile) again = outpost_profile_new_from_data (json, -1, &reparse);
    g_autoptr(OutpostStore) store = NULL;

    g_assert_cmpstr (contact->entity_set, ==, "contacts");
    g_assert_no_error (reparse);
    store = outpost_store_open (db, again, &error);
    g_assert_no_error (error);
    g_assert_cmpint (outpost_store_count (store, "contact", NULL, &error), ==, 0);
    g_assert_no_error (error);
  }
  g_unlink (db);
  g_remove (dir);
}

/* The watchdog: cancels the download after 60 s unless the test said it is done. It is only a
 * bound so a hung connector fails the test instead of hanging it; reading the 256 MiB limit
 * takes 2-4 s on an idle machine but once took 15.2 s at load 20, so the bound is generous. */
typedef struct {
  GCancellable *download;
  GCancellable *done;
} Watchdog;

static gpointer
cancel_later (gpointer data)
{
  Watchdog *w = data;
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!g_cancellable_is_cancelled (w->done) && g_get_monotonic_time () < end)
    g_usleep (G_USEC_PER_SEC / 10);
  if (!g_cancellable_is_cancelled (w->done))
    g_cancellable_cancel (w->download);
  return NULL;
}

static void
test_endless_response (void)
{
  g_autoptr(OutpostConnector) c = new_connector ();
  g_autoptr(OutpostProfile) p = profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, TRUE, NULL, NULL, 0 };
  g_autoptr(OutpostPage) page = NULL;
  gsize before = rss_kb (), after;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GCancellable) done = g_cancellable_new ();
  Watchdog w = { cancellable, done };
  GThread *watchdog = g_thread_new ("cancel", cancel_later, &w);

  g_mutex_lock (&hostile.lock);
  hostile.endless = TRUE;
  g_mutex_unlock (&hostile.lock);
  page = outpost_connector_download_page (c, outpost_profile_lookup_entity (p, "contact"), &req,
                                          cancellable, &error);
  after = rss_kb ();
  g_cancellable_cancel (done);
  g_thread_join (watchdog);
  g_print ("# endless response: %s after %.1f s, RSS grew by %zu MB\n",
           error ? error->message : "a page", (g_get_monotonic_time () - start) / 1e6,
           (after - before) / 1024);
  g_assert_null (page);
  g_assert_nonnull (error);
  /* the connector must give up by itself (its 5 s timeout or a size limit), before the
   * watchdog cancels it */
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  g_assert_cmpuint ((after - before) / 1024, <, 300);
}

/* The real engine against the hostile server with a local edit pending: the run fails with a
 * clear error and the edit is still there, still pending. */
static void
test_engine_keeps_edits (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-badinput-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "outpost.db", NULL);
  g_autoptr(OutpostProfile) p = profile ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  static const char *const bodies[] = { "{\"value\":[1]}", "not json", "{\"value\":[{\"LogicalName\":{}}]}" };

  {
    g_autoptr(OutpostStore) store = outpost_store_open (db, p, &error);
    g_autoptr(JsonObject) values = json_object_new ();

    g_assert_no_error (error);
    json_object_set_string_member (values, "lastname", "Pending edit");
    id = outpost_store_create (store, "contact", values, &error);
    g_assert_no_error (error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(OutpostSyncEngine) engine = outpost_sync_engine_new ("hostile", rel_canned_server_get_url (hostile.server),
                                                                     NULL, p, db);
      OutpostSyncOptions options = { OUTPOST_SYNC_INCREMENTAL };
      g_autoptr(OutpostSyncResult) result = NULL;
      g_autoptr(OutpostStore) store = NULL;
      g_autoptr(OutpostRecord) record = NULL;

      outpost_dataverse_connector_set_retry (OUTPOST_DATAVERSE_CONNECTOR (outpost_sync_engine_get_connector (engine)), 0, 10);
      answer (g_strdup (bodies[i]), strlen (bodies[i]));
      result = outpost_sync_engine_run (engine, &options, NULL, &error);
      g_test_message ("%s -> %s", bodies[i], error ? error->message : "succeeded");
      g_assert_null (result);
      g_assert_nonnull (error);
      g_clear_error (&error);
      store = outpost_store_open (db, p, &error);
      g_assert_no_error (error);
      record = outpost_store_get (store, "contact", id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (record->values, "lastname"), ==, "Pending edit");
      g_assert_cmpint (outpost_store_count_unsynced (store, NULL, &error), ==, 1);
    }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
  }
  g_remove (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_mutex_init (&hostile.lock);
  hostile.body = g_strdup ("{}");
  hostile.length = 2;
  hostile.server = rel_canned_server_new (handler, NULL);
  g_test_add_func ("/bad-input/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/bad-input/huge-string", test_huge_string);
  g_test_add_func ("/bad-input/deep-nesting", test_deep_nesting);
  g_test_add_func ("/bad-input/wrong-types", test_wrong_types);
  g_test_add_func ("/bad-input/wrong-value-types", test_wrong_value_types);
  g_test_add_func ("/bad-input/unknown-fields", test_unknown_fields);
  g_test_add_func ("/bad-input/sql-injection-metadata", test_sql_injection_metadata);
  g_test_add_func ("/bad-input/engine-keeps-edits", test_engine_keeps_edits);
  g_test_add_func ("/bad-input/endless-response", test_endless_response);
  status = g_test_run ();
  rel_canned_server_free (hostile.server);
  g_free (hostile.body);
  return status;
}

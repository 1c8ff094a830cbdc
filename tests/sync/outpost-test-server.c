/* outpost-test-server.c: see the header. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "outpost-dataverse-connector.h"
#include "outpost-store.h"
#include "outpost-test-server.h"

/* The server's stdout goes to a file (a pipe nobody drains could fill up and block it). */
static void
read_url (OutpostTestServer *self, const char *log_path)
{
  g_autofree char *contents = NULL;
  char *nl = NULL;

  for (guint i = 0; i < 400 && nl == NULL; i++)
    {
      g_clear_pointer (&contents, g_free);
      if (g_file_get_contents (log_path, &contents, NULL, NULL))
        nl = strchr (contents, '\n');
      if (nl == NULL)
        {
          g_assert_nonnull (g_subprocess_get_identifier (self->process));   /* still running */
          g_usleep (50000);
        }
    }
  g_assert_nonnull (nl);
  *nl = '\0';
  g_assert_true (g_str_has_prefix (contents, "http://127.0.0.1:"));
  g_free (self->base_url);
  g_free (self->api_root);
  self->base_url = g_str_has_suffix (contents, "/") ? g_strdup (contents) : g_strconcat (contents, "/", NULL);
  self->api_root = g_strconcat (self->base_url, "api/data/v9.2/", NULL);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
spawn (OutpostTestServer *self, gboolean with_seed)
{
  const char *server = g_getenv ("OUTPOST_SERVER");
  g_autofree char *data = g_build_filename (self->dir, "server", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (server);
  g_ptr_array_add (argv, (char *) server);
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) "127.0.0.1:0");
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, data);
  g_ptr_array_add (argv, (char *) "--auth");
  g_ptr_array_add (argv, self->auth);
  if (with_seed && self->seed != NULL)
    {
      g_ptr_array_add (argv, (char *) "--seed");
      g_ptr_array_add (argv, self->seed);
    }
  g_ptr_array_add (argv, NULL);
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_autofree char *log = g_strdup_printf ("%s/server-%u.log", self->dir, ++self->starts);

    g_subprocess_launcher_set_stdout_file_path (launcher, log);
    /* a test that aborts must not leave its server behind */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
    g_assert_no_error (error);
    read_url (self, log);
  }
}

OutpostTestServer *
outpost_test_server_start (const char *seed, const char *auth)
{
  OutpostTestServer *self = g_new0 (OutpostTestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *client = NULL;

  self->dir = g_dir_make_tmp ("outpost-sync-XXXXXX", &error);
  g_assert_no_error (error);
  client = g_build_filename (self->dir, "client", NULL);
  g_assert_cmpint (g_mkdir_with_parents (client, 0700), ==, 0);
  self->db_path = g_build_filename (client, "outpost.db", NULL);
  self->seed = g_strdup (seed);
  self->auth = g_strdup (auth ? auth : "none");
  spawn (self, TRUE);
  return self;
}

void
outpost_test_server_stop (OutpostTestServer *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_clear_object (&self->process);
}

void
outpost_test_server_restart (OutpostTestServer *self)
{
  outpost_test_server_stop (self);
  spawn (self, FALSE);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
outpost_test_server_free (OutpostTestServer *self)
{
  outpost_test_server_stop (self);
  if (self->dir != NULL && g_getenv ("OUTPOST_TEST_KEEP") == NULL)
    remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->base_url);
  g_free (self->api_root);
  g_free (self->db_path);
  g_free (self->seed);
  g_free (self->auth);
  g_free (self);
}

static JsonNode *
send (const char *method, const char *url, const char *body, const char *prefer, guint *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  SoupMessageHeaders *h;
  gsize len;
  const char *data;

  g_assert_nonnull (msg);
  h = soup_message_get_request_headers (msg);
  soup_message_headers_replace (h, "Accept", "application/json");
  soup_message_headers_replace (h, "OData-Version", "4.0");
  soup_message_headers_replace (h, "OData-MaxVersion", "4.0");
  if (prefer != NULL)
    soup_message_headers_replace (h, "Prefer", prefer);
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  data = g_bytes_get_data (response, &len);
  if (len == 0 || !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

JsonNode *
outpost_test_server_api (OutpostTestServer *self, const char *method, const char *path,
                         const char *body, guint *status)
{
  g_autofree char *url = g_strconcat (self->api_root, path, NULL);

  return send (method, url, body, "odata.include-annotations=\"*\"", status);
}

guint
outpost_test_server_admin (OutpostTestServer *self, const char *method, const char *path,
                           const char *body, JsonNode **out)
{
  g_autofree char *url = g_strconcat (self->base_url, "_admin/", path, NULL);
  g_autoptr(JsonNode) node = NULL;
  guint status = 0;

  node = send (method, url, body, NULL, &status);
  if (out != NULL)
    *out = g_steal_pointer (&node);
  return status;
}

void
outpost_test_server_add_fault (OutpostTestServer *self, const char *json)
{
  g_assert_cmpuint (outpost_test_server_admin (self, "POST", "faults", json, NULL), ==, 200);
}

void
outpost_test_server_clear_faults (OutpostTestServer *self)
{
  g_assert_cmpuint (outpost_test_server_admin (self, "DELETE", "faults", NULL, NULL), ==, 200);
}

gint64
outpost_test_server_faults_fired (OutpostTestServer *self)
{
  g_autoptr(JsonNode) node = NULL;
  JsonArray *list;
  gint64 n = 0;

  g_assert_cmpuint (outpost_test_server_admin (self, "GET", "faults", NULL, &node), ==, 200);
  list = json_object_get_array_member (json_node_get_object (node), "value");
  for (guint i = 0; i < json_array_get_length (list); i++)
    n += json_object_get_int_member (json_array_get_object_element (list, i), "fired");
  return n;
}

guint
outpost_test_server_logged (OutpostTestServer *self, const char *fragment, const char *status)
{
  g_autoptr(JsonNode) node = NULL;
  JsonArray *log;
  guint n = 0;

  g_assert_cmpuint (outpost_test_server_admin (self, "GET", "requests", NULL, &node), ==, 200);
  log = json_object_get_array_member (json_node_get_object (node), "log");
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      const char *line = json_array_get_string_element (log, i);
      if (strstr (line, fragment) != NULL && g_str_has_suffix (line, status))
        {
          g_test_message ("server log: %s", line);
          n++;
        }
    }
  return n;
}

gint64
outpost_test_server_count (OutpostTestServer *self, const char *query)
{
  g_autofree char *path = g_strconcat (query, strchr (query, '?') ? "&" : "?", "$count=true&$top=1", NULL);
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (self, "GET", path, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_get_int_member (json_node_get_object (node), "@odata.count");
}

OutpostProfile *
outpost_test_profile (void)
{
  g_autoptr(GError) error = NULL;
  OutpostProfile *profile = outpost_profile_new_default (&error);

  g_assert_no_error (error);
  return profile;
}

OutpostSyncEngine *
outpost_test_engine (OutpostTestServer *self, OutpostProfile *profile)
{
  OutpostSyncEngine *engine = outpost_sync_engine_new ("test", self->base_url, NULL, profile,
                                                       self->db_path);
  OutpostConnector *connector = outpost_sync_engine_get_connector (engine);

  /* keep fault tests quick: short backoff, same rules */
  outpost_dataverse_connector_set_retry (OUTPOST_DATAVERSE_CONNECTOR (connector), 4, 400);
  outpost_dataverse_connector_set_timeout (OUTPOST_DATAVERSE_CONNECTOR (connector), 10);
  return engine;
}

OutpostSyncResult *
outpost_test_sync (OutpostSyncEngine *engine, OutpostSyncKind kind)
{
  OutpostSyncOptions options = { kind };
  g_autoptr(GError) error = NULL;
  OutpostSyncResult *result = outpost_sync_engine_run (engine, &options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

GStrv
outpost_test_server_ids (OutpostTestServer *self, const char *entity_set, const char *primary_id,
                         const char *filter, guint n)
{
  g_autofree char *escaped = filter ? g_uri_escape_string (filter, NULL, FALSE) : NULL;
  g_autofree char *path = g_strdup_printf ("%s?$select=%s&$top=%u%s%s", entity_set, primary_id, n,
                                           escaped ? "&$filter=" : "", escaped ? escaped : "");
  guint status = 0;
  g_autoptr(JsonNode) node = outpost_test_server_api (self, "GET", path, NULL, &status);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  JsonArray *value;

  g_assert_cmpuint (status, ==, 200);
  value = json_object_get_array_member (json_node_get_object (node), "value");
  for (guint i = 0; i < json_array_get_length (value); i++)
    g_strv_builder_add (b, json_object_get_string_member (json_array_get_object_element (value, i), primary_id));
  return g_strv_builder_end (b);
}

OutpostStore *
outpost_test_open_store (OutpostTestServer *self, OutpostProfile *profile)
{
  g_autoptr(GError) error = NULL;
  OutpostStore *store = outpost_store_open (self->db_path, profile, &error);

  g_assert_no_error (error);
  return store;
}

void
outpost_sync_fixture_setup (OutpostSyncFixture *f, OutpostSyncKind first_sync)
{
  g_autoptr(OutpostSyncResult) r = NULL;

  f->srv = outpost_test_server_start ("demo", NULL);
  f->profile = outpost_test_profile ();
  f->engine = outpost_test_engine (f->srv, f->profile);
  r = outpost_test_sync (f->engine, first_sync);
  f->store = outpost_test_open_store (f->srv, f->profile);
}

void
outpost_sync_fixture_teardown (OutpostSyncFixture *f)
{
  g_clear_object (&f->store);
  g_clear_object (&f->engine);
  g_clear_pointer (&f->profile, outpost_profile_unref);
  g_clear_pointer (&f->srv, outpost_test_server_free);
}

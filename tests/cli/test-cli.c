/* test-cli.c: the `outpost` command line end to end — accounts, records, sync and status —
 * against the real outpost-server, with the real binary in a private XDG_DATA_HOME. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "outpost-test-server.h"

typedef struct {
  char *home;     /* XDG_DATA_HOME of the CLI runs */
  char *out;
  char *err;
} Cli;

static Cli *
cli_new (const char *dir)
{
  Cli *cli = g_new0 (Cli, 1);

  cli->home = g_build_filename (dir, "xdg", NULL);
  g_mkdir_with_parents (cli->home, 0700);
  return cli;
}

static void
cli_free (Cli *cli)
{
  g_free (cli->home);
  g_free (cli->out);
  g_free (cli->err);
  g_free (cli);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Cli, cli_free)

/* Runs `outpost ARGS…` (NULL-terminated) and returns its exit status; output in cli->out/err. */
static int
cli_run (Cli *cli, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("OUTPOST_BIN"));
  va_start (args, cli);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", cli->home, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_clear_pointer (&cli->out, g_free);
  g_clear_pointer (&cli->err, g_free);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &cli->out, &cli->err, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("$ outpost %s\n%s%s", (char *) argv->pdata[1], cli->out, cli->err);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static gint64
unsynced (Cli *cli)
{
  g_autoptr(JsonNode) status = NULL;

  g_assert_cmpint (cli_run (cli, "status", "--json", NULL), ==, 0);
  status = parse_json (cli->out);
  return json_object_get_int_member (json_node_get_object (status), "unsynced");
}

static void
add_account (Cli *cli, OutpostTestServer *server)
{
  g_assert_cmpint (cli_run (cli, "account", "add", "demo", "--url", server->base_url,
                            "--auth", "none", NULL), ==, 0);
}

static void
test_account_validation (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outpost-cli-XXXXXX", NULL);
  g_autoptr(Cli) cli = cli_new (dir);

  g_assert_cmpint (cli_run (cli, "account", "add", "../evil", "--url", "https://x.example/", NULL), ==, 2);
  g_assert_true (strstr (cli->err, "not a valid account name") != NULL);
  /* Anything that leaves this computer must use TLS. */
  g_assert_cmpint (cli_run (cli, "account", "add", "a", "--url", "http://crm.example.com/", NULL), ==, 2);
  g_assert_true (strstr (cli->err, "https://") != NULL);
  g_assert_cmpint (cli_run (cli, "account", "add", "a", "--url", "https://crm.example.com/", "--auth", "magic", NULL), ==, 2);
  g_assert_cmpint (cli_run (cli, "account", "add", "a", "--url", "https://crm.example.com/", "--auth", "basic", NULL), ==, 2);
  g_assert_true (strstr (cli->err, "--user") != NULL);
  g_assert_cmpint (cli_run (cli, "account", "list", NULL), ==, 0);
  g_assert_cmpstr (cli->out, ==, "");

  g_assert_cmpint (cli_run (cli, "account", "add", "org", "--url", "https://org.crm4.dynamics.com/", NULL), ==, 0);
  g_assert_cmpint (cli_run (cli, "account", "add", "org", "--url", "https://other.crm.dynamics.com/", NULL), !=, 0);
  g_assert_cmpint (cli_run (cli, "account", "list", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (cli->out, "org\thttps://org.crm4.dynamics.com/\tnone"));
  g_assert_cmpint (cli_run (cli, "account", "remove", "org", NULL), ==, 0);
  g_assert_cmpint (cli_run (cli, "account", "list", NULL), ==, 0);
  g_assert_cmpstr (cli->out, ==, "");
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 1);
  g_assert_true (strstr (cli->err, "No account is configured") != NULL);
  g_rmdir (cli->home);
  g_rmdir (dir);
}

static char *
new_account (Cli *cli, const char *name)
{
  g_autofree char *assignment = g_strconcat ("name=", name, NULL);

  g_assert_cmpint (cli_run (cli, "record", "new", "account", assignment, "telephone1=555-0100",
                            "revenue=1234.5", NULL), ==, 0);
  return g_strstrip (g_strdup (cli->out));
}

static char *
nth_account_id (Cli *cli, guint n)
{
  g_autoptr(JsonNode) list = NULL;
  JsonArray *array;

  g_assert_cmpint (cli_run (cli, "record", "list", "account", "--json", NULL), ==, 0);
  list = parse_json (cli->out);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), >, n);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (array, n), "id"));
}

static JsonObject *
server_account (OutpostTestServer *server, const char *id, guint *status)
{
  g_autofree char *path = g_strdup_printf ("accounts(%s)?$select=name,telephone1,revenue", id);
  g_autoptr(JsonNode) node = outpost_test_server_api (server, "GET", path, NULL, status);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_object_ref (json_node_get_object (node)) : NULL;
}

static void
test_records_and_sync (void)
{
  g_autoptr(OutpostTestServer) server = outpost_test_server_start ("demo", NULL);
  g_autoptr(Cli) cli = cli_new (server->dir);
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonObject) created = NULL, updated = NULL, deleted = NULL;
  g_autofree char *new_id = NULL, *edit_id = NULL, *gone_id = NULL;
  guint status = 0;

  add_account (cli, server);
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (cli->out, "Downloaded "));
  g_assert_true (strstr (cli->err, "Downloading account: ") != NULL);   /* progress goes to stderr */
  g_assert_cmpint (cli_run (cli, "record", "list", "account", "--json", NULL), ==, 0);
  list = parse_json (cli->out);
  g_assert_cmpint (json_array_get_length (json_node_get_array (list)), ==,
                   outpost_test_server_count (server, "accounts"));

  new_id = new_account (cli, "Northwind Field Office");
  g_assert_true (g_uuid_string_is_valid (new_id));
  edit_id = nth_account_id (cli, 0);
  gone_id = nth_account_id (cli, 1);
  g_assert_cmpint (cli_run (cli, "record", "set", "account", edit_id, "telephone1=+1 555 0199", NULL), ==, 0);
  g_assert_cmpint (cli_run (cli, "record", "delete", "account", gone_id, NULL), ==, 0);
  g_assert_cmpint (unsynced (cli), ==, 3);
  g_assert_cmpint (cli_run (cli, "record", "list", "account", "--search", "Northwind Field", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (cli->out, new_id));

  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 0);
  g_assert_cmpint (unsynced (cli), ==, 0);
  created = server_account (server, new_id, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (created, "name"), ==, "Northwind Field Office");
  g_assert_cmpfloat (json_object_get_double_member (created, "revenue"), ==, 1234.5);
  updated = server_account (server, edit_id, &status);
  g_assert_cmpstr (json_object_get_string_member (updated, "telephone1"), ==, "+1 555 0199");
  deleted = server_account (server, gone_id, &status);
  g_assert_cmpuint (status, ==, 404);
}

static void
test_bad_input_writes_nothing (void)
{
  g_autoptr(OutpostTestServer) server = outpost_test_server_start ("demo", NULL);
  g_autoptr(Cli) cli = cli_new (server->dir);

  add_account (cli, server);
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 0);
  /* The primary name is required: the error names the field, nothing is written. */
  g_assert_cmpint (cli_run (cli, "record", "new", "account", "telephone1=1", NULL), ==, 1);
  g_assert_true (strstr (cli->err, "name") != NULL);
  g_assert_cmpint (cli_run (cli, "record", "new", "account", "name=x", "nosuchfield=1", NULL), ==, 2);
  g_assert_true (strstr (cli->err, "nosuchfield") != NULL);
  g_assert_cmpint (cli_run (cli, "record", "new", "account", "name=x", "numberofemployees=many", NULL), ==, 2);
  g_assert_cmpint (cli_run (cli, "record", "new", "account", "name=x", "creditonhold=perhaps", NULL), ==, 2);
  g_assert_cmpint (cli_run (cli, "record", "new", "nosuchentity", "name=x", NULL), ==, 1);
  g_assert_cmpint (cli_run (cli, "record", "set", "account", "not-an-id", "name=x", NULL), ==, 1);
  g_assert_cmpint (unsynced (cli), ==, 0);
}

static void
test_failed_sync_keeps_edits (void)
{
  g_autoptr(OutpostTestServer) server = outpost_test_server_start ("demo", NULL);
  g_autoptr(Cli) cli = cli_new (server->dir);
  g_autofree char *id = NULL;
  gint64 before;

  add_account (cli, server);
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 0);
  id = new_account (cli, "Offline Edit");
  before = outpost_test_server_count (server, "accounts");
  /* Every Web API connection is cut: the network failing mid-sync. */
  g_assert_cmpuint (outpost_test_server_admin (server, "POST", "faults",
                                               "{\"kind\":\"drop\",\"path_prefix\":\"/api/\",\"bytes\":0,\"count\":100000}",
                                               NULL), ==, 200);
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 1);
  g_assert_true (strstr (cli->err, "Sync failed") != NULL);
  g_assert_cmpint (unsynced (cli), ==, 1);
  /* Removing the account now would lose the edit: refused unless asked for explicitly. */
  g_assert_cmpint (cli_run (cli, "account", "remove", "demo", NULL), ==, 1);
  g_assert_true (strstr (cli->err, "--discard-unsynced") != NULL);

  g_assert_cmpuint (outpost_test_server_admin (server, "DELETE", "faults", NULL, NULL), ==, 200);
  g_assert_cmpint (cli_run (cli, "sync", NULL), ==, 0);
  g_assert_cmpint (unsynced (cli), ==, 0);
  g_assert_cmpint (outpost_test_server_count (server, "accounts"), ==, before + 1);
  g_assert_cmpint (cli_run (cli, "account", "remove", "demo", NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/account-validation", test_account_validation);
  g_test_add_func ("/cli/records-and-sync", test_records_and_sync);
  g_test_add_func ("/cli/bad-input-writes-nothing", test_bad_input_writes_nothing);
  g_test_add_func ("/cli/failed-sync-keeps-edits", test_failed_sync_keeps_edits);
  return g_test_run ();
}

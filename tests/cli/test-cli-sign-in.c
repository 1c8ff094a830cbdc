/* test-cli-sign-in.c: `outpost account add --auth device-code|basic` end to end: the real binary
 * against outpost-server --auth oauth|basic, with a real Secret Service (gnome-keyring in a
 * private D-Bus session, tests/auto/run-with-keyring.sh), so nothing touches the user's keyring.
 * The test plays the user through the server's admin API (approve / decline a code). */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "outpost-secrets.h"
#include "outpost-test-files.h"

typedef struct {
  char        *dir;        /* temporary: server data, the CLI's XDG_DATA_HOME */
  char        *home;
  GSubprocess *server;
  char        *base_url;
  char        *out, *err;
} Fixture;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* @extra: NULL-terminated server options after --auth. */
static void
start_server (Fixture *f, const char *auth, const char *const *extra)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup (g_getenv ("OUTPOST_SERVER")));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup ("--data"));
  g_ptr_array_add (argv, g_build_filename (f->dir, "server", NULL));
  g_ptr_array_add (argv, g_strdup ("--seed"));
  g_ptr_array_add (argv, g_strdup ("accounts=5,contacts=3"));
  g_ptr_array_add (argv, g_strdup ("--auth"));
  g_ptr_array_add (argv, g_strdup (auth));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->server = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  f->base_url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (f->base_url, "http://127.0.0.1:"));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("outpost-cli-sign-in-XXXXXX", &error);
  g_assert_no_error (error);
  f->home = g_build_filename (f->dir, "xdg", NULL);
  g_mkdir_with_parents (f->home, 0700);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->server != NULL)
    {
      g_subprocess_send_signal (f->server, SIGTERM);
      g_subprocess_wait (f->server, NULL, NULL);
      g_clear_object (&f->server);
    }
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->home);
  g_free (f->base_url);
  g_free (f->out);
  g_free (f->err);
}

static GSubprocess *
cli_spawn (Fixture *f, GSubprocessFlags flags, const char *const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (gpointer) g_getenv ("OUTPOST_BIN"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", f->home, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Runs `outpost ARGS…` to its end with @input on stdin; output in f->out / f->err. */
static int
cli_run (Fixture *f, const char *input, const char *const *args)
{
  g_autoptr(GSubprocess) process = cli_spawn (f, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                 | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  g_subprocess_communicate_utf8 (process, input ? input : "", NULL, &f->out, &f->err, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("$ outpost %s %s\n%s%s", args[0], args[1] ? args[1] : "", f->out, f->err);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/* POSTs JSON to the admin endpoint; returns the status. */
static guint
admin_post (Fixture *f, const char *path, const char *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (f->base_url, "_admin/", path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

typedef struct {
  GSubprocess *process;
  char        *code;
  char        *address;
  GString     *stderr_text;
} AddRun;

/* Starts `outpost account add NAME --url … --auth device-code` and reads its stderr until it
 * shows the code and the address. */
static void
add_start (Fixture *f, AddRun *run, const char *name)
{
  const char *args[] = { "account", "add", name, "--url", f->base_url, "--auth", "device-code", NULL };
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;

  run->process = cli_spawn (f, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
  run->stderr_text = g_string_new (NULL);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (run->process));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (err), FALSE);
  while (run->code == NULL)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
      const char *open, *code;

      g_assert_no_error (error);
      g_assert_nonnull (line);   /* it ended before showing a code */
      g_string_append_printf (run->stderr_text, "%s\n", line);
      if ((open = strstr (line, "open ")) == NULL || (code = strstr (line, "enter the code ")) == NULL)
        continue;
      run->address = g_strndup (open + 5, (gsize) (strstr (open, " in a browser") - open - 5));
      run->code = g_strdup (code + strlen ("enter the code "));
    }
}

/* Waits for the end; returns the exit status, the rest of stderr appended to run->stderr_text. */
static int
add_finish (AddRun *run)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_communicate_utf8 (run->process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_string_append (run->stderr_text, err);
  if (g_test_verbose ())
    g_printerr ("$ outpost account add\n%s%s", out, run->stderr_text->str);
  status = g_subprocess_get_if_exited (run->process) ? g_subprocess_get_exit_status (run->process) : -1;
  g_clear_object (&run->process);
  return status;
}

static void
add_run_clear (AddRun *run)
{
  g_clear_object (&run->process);
  g_free (run->code);
  g_free (run->address);
  if (run->stderr_text != NULL)
    g_string_free (run->stderr_text, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AddRun, add_run_clear)

static char *
secret (const char *account, const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *value = outpost_secrets_lookup (account, kind, NULL, &error);

  g_assert_no_error (error);
  return value;
}

static void
assert_no_account (Fixture *f, const char *name)
{
  const char *list[] = { "account", "list", NULL };
  g_autofree char *refresh = secret (name, OUTPOST_SECRET_REFRESH_TOKEN);

  g_assert_cmpint (cli_run (f, NULL, list), ==, 0);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_null (refresh);
}

/* Approve: the code and the address on stderr, the refresh token in the Secret Service only,
 * a sync with it works, and removing the account removes the secret. */
static void
test_device_code_approved (Fixture *f, gconstpointer data)
{
  const char *interval[] = { "--device-interval", "1", NULL };
  const char *sync[] = { "sync", "--account", "org", NULL };
  const char *remove[] = { "account", "remove", "org", NULL };
  g_auto(AddRun) run = { 0 };
  g_autofree char *json = NULL, *verification = NULL, *refresh = NULL, *ini = NULL, *ini_text = NULL;
  g_autofree char *authority = NULL;

  start_server (f, "oauth", interval);
  add_start (f, &run, "org");
  verification = g_strconcat (f->base_url, "devicelogin", NULL);
  g_assert_cmpstr (run.address, ==, verification);
  g_assert_cmpuint (strlen (run.code), ==, 9);
  json = g_strdup_printf ("{\"user_code\":\"%s\"}", run.code);
  g_assert_cmpuint (admin_post (f, "device/approve", json), ==, 200);
  g_assert_cmpint (add_finish (&run), ==, 0);

  refresh = secret ("org", OUTPOST_SECRET_REFRESH_TOKEN);
  g_assert_nonnull (refresh);
  g_assert_cmpuint (strlen (refresh), >, 20);
  /* the authority was found through the server's 401 challenge and saved (it is no secret) */
  ini = g_build_filename (f->home, "outpost", "org", "account.ini", NULL);
  g_assert_true (g_file_get_contents (ini, &ini_text, NULL, NULL));
  authority = g_strndup (f->base_url, strlen (f->base_url) - 1);
  g_assert_nonnull (strstr (ini_text, "Auth=device-code"));
  g_assert_nonnull (strstr (ini_text, authority));

  g_assert_cmpint (cli_run (f, NULL, sync), ==, 0);
  g_assert_nonnull (strstr (f->out, "Downloaded 8"));
  g_assert_false (outpost_test_found_in_files (f->home, refresh));
  g_assert_false (g_strstr_len (run.stderr_text->str, -1, refresh) != NULL);
  /* an expired access token: the next sync refreshes it with the saved refresh token */
  g_assert_cmpuint (admin_post (f, "expire-access-tokens", "{}"), ==, 200);
  g_assert_cmpint (cli_run (f, NULL, sync), ==, 0);

  g_assert_cmpint (cli_run (f, NULL, remove), ==, 0);
  assert_no_account (f, "org");
}

static void
test_device_code_declined (Fixture *f, gconstpointer data)
{
  const char *interval[] = { "--device-interval", "1", NULL };
  g_auto(AddRun) run = { 0 };
  g_autofree char *json = NULL;

  start_server (f, "oauth", interval);
  add_start (f, &run, "org");
  json = g_strdup_printf ("{\"user_code\":\"%s\"}", run.code);
  g_assert_cmpuint (admin_post (f, "device/decline", json), ==, 200);
  g_assert_cmpint (add_finish (&run), ==, 1);
  g_assert_nonnull (strstr (run.stderr_text->str, "The sign-in was declined"));
  assert_no_account (f, "org");
}

static void
test_device_code_expired (Fixture *f, gconstpointer data)
{
  const char *options[] = { "--device-interval", "1", "--device-lifetime", "2", NULL };
  g_auto(AddRun) run = { 0 };

  start_server (f, "oauth", options);
  add_start (f, &run, "org");
  g_assert_cmpint (add_finish (&run), ==, 1);
  g_assert_nonnull (strstr (run.stderr_text->str, "The sign-in code expired"));
  assert_no_account (f, "org");
}

/* Basic: the password read from stdin (not a terminal) is tried on the server, then goes to
 * the Secret Service; the sync reads it from there; a wrong one saves no account. */
static void
test_basic (Fixture *f, gconstpointer data)
{
  const char *options[] = { "--basic-user", "ann", "--basic-password", "pa ss:w0rd", NULL };
  const char *add[] = { "account", "add", "onprem", "--url", NULL, "--auth", "basic", "--user", "ann", NULL };
  const char *add_wrong[] = { "account", "add", "wrong", "--url", NULL, "--auth", "basic", "--user", "ann", NULL };
  const char *sync[] = { "sync", "--account", "onprem", NULL };
  const char *sync_wrong[] = { "sync", "--account", "wrong", NULL };
  const char *remove[] = { "account", "remove", "onprem", NULL };
  g_autofree char *saved = NULL, *gone = NULL;

  start_server (f, "basic", options);
  add[4] = add_wrong[4] = f->base_url;
  g_assert_cmpint (cli_run (f, "pa ss:w0rd\n", add), ==, 0);
  saved = secret ("onprem", OUTPOST_SECRET_PASSWORD);
  g_assert_cmpstr (saved, ==, "pa ss:w0rd");
  g_assert_false (outpost_test_found_in_files (f->home, "pa ss:w0rd"));
  g_assert_cmpint (cli_run (f, NULL, sync), ==, 0);
  g_assert_nonnull (strstr (f->out, "Downloaded 8"));

  /* a wrong password is refused by the server before anything is saved */
  g_assert_cmpint (cli_run (f, "not it\n", add_wrong), ==, 1);
  g_assert_nonnull (strstr (f->err, "Sign-in failed: The server did not accept this user name and password"));
  {
    const char *list[] = { "account", "list", NULL };

    g_assert_cmpint (cli_run (f, NULL, list), ==, 0);
    g_assert_null (strstr (f->out, "wrong"));
  }
  g_assert_cmpint (cli_run (f, NULL, sync_wrong), ==, 1);
  g_assert_null (secret ("wrong", OUTPOST_SECRET_PASSWORD));

  g_assert_cmpint (cli_run (f, NULL, remove), ==, 0);
  gone = secret ("onprem", OUTPOST_SECRET_PASSWORD);
  g_assert_null (gone);
}

/* Basic without a saved password (--no-password): `outpost sync` reads it from stdin (not a
 * terminal; on one it asks without echo) for that run only; a wrong one is refused by the
 * server, none given fails before connecting; the keyring and the files never see it. */
static void
test_basic_asked_at_sync (Fixture *f, gconstpointer data)
{
  const char *options[] = { "--basic-user", "ann", "--basic-password", "pa ss:w0rd", NULL };
  const char *add[] = { "account", "add", "asked", "--url", NULL, "--auth", "basic", "--user", "ann",
                        "--no-password", NULL };
  const char *sync[] = { "sync", "--account", "asked", NULL };
  g_autofree char *saved = NULL;

  start_server (f, "basic", options);
  add[4] = f->base_url;
  g_assert_cmpint (cli_run (f, NULL, add), ==, 0);
  g_assert_cmpint (cli_run (f, "pa ss:w0rd\n", sync), ==, 0);
  g_assert_nonnull (strstr (f->out, "Downloaded 8"));
  g_assert_cmpint (cli_run (f, "not it\n", sync), ==, 1);
  g_assert_nonnull (strstr (f->err, "did not accept the user name or password of “asked”"));
  g_assert_cmpint (cli_run (f, "", sync), ==, 1);
  g_assert_nonnull (strstr (f->err, "No password given for “asked”"));
  saved = secret ("asked", OUTPOST_SECRET_PASSWORD);
  g_assert_null (saved);
  g_assert_false (outpost_test_found_in_files (f->home, "pa ss:w0rd"));
  g_assert_false (outpost_test_found_in_files (f->home, "not it"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/sign-in/device-code-approved", Fixture, NULL, fixture_setup,
              test_device_code_approved, fixture_teardown);
  g_test_add ("/cli/sign-in/device-code-declined", Fixture, NULL, fixture_setup,
              test_device_code_declined, fixture_teardown);
  g_test_add ("/cli/sign-in/device-code-expired", Fixture, NULL, fixture_setup,
              test_device_code_expired, fixture_teardown);
  g_test_add ("/cli/sign-in/basic", Fixture, NULL, fixture_setup, test_basic, fixture_teardown);
  g_test_add ("/cli/sign-in/basic-asked-at-sync", Fixture, NULL, fixture_setup, test_basic_asked_at_sync,
              fixture_teardown);
  return g_test_run ();
}

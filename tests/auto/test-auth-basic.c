/* test-auth-basic.c: user name and password sign-in against outpost-server --auth basic, with
 * a real Secret Service (run-with-keyring.sh): the check made before an account is saved
 * (WhoAmI), and the sync side of asking for the password at a sync — the password given for
 * one run is used, a wrong one fails as an authentication error, it is forgotten afterwards,
 * and it never reaches the keyring, the data folder or the logs. */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "outpost-account.h"
#include "outpost-auth.h"
#include "outpost-secrets.h"
#include "outpost-sync-engine.h"
#include "outpost-test-files.h"

#define USER "field.agent"
#define PASSWORD "Right-Horse-7431"
#define WRONG "wrong-battery-staple"

typedef struct {
  GSubprocess *server;
  char        *dir;
  char        *base_url;
} Fixture;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *data_dir = NULL;

  f->dir = g_dir_make_tmp ("outpost-auth-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (f->dir, "server", NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->server = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("OUTPOST_SERVER"),
                                           "--listen", "127.0.0.1:0", "--data", data_dir,
                                           "--seed", "accounts=5,contacts=2", "--auth", "basic",
                                           "--basic-user", USER, "--basic-password", PASSWORD, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  f->base_url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_subprocess_send_signal (f->server, SIGTERM);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->base_url);
}

/* The check made before a sign-in saves anything. */
static void
test_check (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (outpost_auth_check_basic (f->base_url, NULL, USER, PASSWORD, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (outpost_auth_check_basic (f->base_url, NULL, USER, WRONG, NULL, NULL, &error));
  g_assert_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "The server did not accept this user name and password");
  g_clear_error (&error);
  g_assert_false (outpost_auth_check_basic (f->base_url, NULL, "someone.else", PASSWORD, NULL, NULL, &error));
  g_assert_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_REFUSED);
  g_clear_error (&error);
  /* nothing listens on port 9 here: not a refusal of the password */
  g_assert_false (outpost_auth_check_basic ("http://127.0.0.1:9/", NULL, USER, PASSWORD, NULL, NULL, &error));
  g_assert_error (error, OUTPOST_AUTH_ERROR, OUTPOST_AUTH_ERROR_FAILED);
  g_assert_null (strstr (outpost_test_captured_logs (), PASSWORD));
}

static OutpostSyncResult *
run (OutpostAccount *account, GError **error)
{
  g_autoptr(OutpostSyncEngine) engine = outpost_account_create_engine (account,
                                                                        outpost_account_get_auth (account),
                                                                        error);
  OutpostSyncOptions options = { .kind = OUTPOST_SYNC_INCREMENTAL };

  g_assert_nonnull (engine);
  return outpost_sync_engine_run (engine, &options, NULL, error);
}

/* A basic account without a saved password: each sync gets the password for that run only. */
static void
test_prompted_sync (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GSettings) settings = g_settings_new_with_backend ("io.github.outpostcrm.Outpost", backend);
  g_autoptr(OutpostAccount) account = outpost_account_new ("prompted", f->base_url,
                                                           OUTPOST_AUTH_KIND_BASIC, USER, NULL, NULL);
  g_autoptr(OutpostSyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  OutpostAuthProvider *auth;

  outpost_account_set_password_saved (account, FALSE);
  g_assert_true (outpost_account_asks_password (account, settings));
  outpost_account_set_password_saved (account, TRUE);
  g_assert_false (outpost_account_asks_password (account, settings));
  g_settings_set_boolean (settings, "sync-login", TRUE);
  g_assert_true (outpost_account_asks_password (account, settings));
  outpost_account_set_password_saved (account, FALSE);
  g_assert_true (outpost_account_save (account, TRUE, &error));

  auth = outpost_account_create_auth (account, settings, NULL);
  g_assert_true (auth == outpost_account_get_auth (account));
  g_assert_false (outpost_auth_basic_has_password (auth));

  /* nothing given, nothing saved: the sync fails before sending a password */
  result = run (account, &error);
  g_assert_null (result);
  g_assert_nonnull (strstr (error->message, "No password is saved for “prompted”"));
  g_clear_error (&error);

  /* a wrong password asked for at this sync: the server's 401 is an authentication error */
  g_assert_true (outpost_auth_basic_set_password (auth, WRONG));
  g_assert_true (outpost_auth_basic_has_password (auth));
  result = run (account, &error);
  g_assert_null (result);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH);
  /* it says the password was refused, not that a sign-in "expired" */
  g_assert_nonnull (strstr (error->message, "did not accept the user name or password"));
  g_assert_null (strstr (error->message, "expired"));
  g_clear_error (&error);

  /* the right one: the sync runs */
  outpost_auth_basic_set_password (auth, PASSWORD);
  result = run (account, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->downloaded, >=, 5);

  /* forgotten after the run: the next sync would have to ask again */
  outpost_auth_basic_set_password (auth, NULL);
  g_assert_false (outpost_auth_basic_has_password (auth));
  g_clear_pointer (&result, outpost_sync_result_free);
  result = run (account, &error);
  g_assert_null (result);
  g_clear_error (&error);

  /* never saved, never written, never logged */
  saved = outpost_secrets_lookup ("prompted", OUTPOST_SECRET_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (saved);
  g_assert_false (outpost_test_found_in_files (g_get_user_data_dir (), PASSWORD));
  g_assert_false (outpost_test_found_in_files (g_get_user_data_dir (), WRONG));
  g_assert_null (strstr (outpost_test_captured_logs (), PASSWORD));
  g_assert_null (strstr (outpost_test_captured_logs (), WRONG));
  g_assert_true (outpost_account_remove ("prompted", &error));
}

/* A saved password is read from the keyring when none is given; a given one wins. */
static void
test_saved_password (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostAccount) account = outpost_account_new ("remembered", f->base_url,
                                                           OUTPOST_AUTH_KIND_BASIC, USER, NULL, NULL);
  g_autoptr(OutpostSyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OutpostAuthProvider *auth;

  outpost_account_set_password_saved (account, TRUE);
  g_assert_false (outpost_account_asks_password (account, NULL));
  g_assert_true (outpost_account_save (account, TRUE, &error));
  g_assert_true (outpost_secrets_store ("remembered", OUTPOST_SECRET_PASSWORD, PASSWORD, NULL, &error));
  auth = outpost_account_create_auth (account, NULL, NULL);
  result = run (account, &error);
  g_assert_no_error (error);
  g_assert_true (outpost_auth_basic_has_password (auth));
  g_clear_pointer (&result, outpost_sync_result_free);
  outpost_auth_basic_set_password (auth, WRONG);
  result = run (account, &error);
  g_assert_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_true (outpost_secrets_clear ("remembered", NULL, &error));
  g_assert_true (outpost_account_remove ("remembered", &error));
  /* only basic providers take a password */
  {
    g_autoptr(OutpostAuthProvider) none = outpost_auth_none_new ();

    g_assert_false (outpost_auth_basic_set_password (none, PASSWORD));
    g_assert_false (outpost_auth_basic_has_password (none));
  }
}

/* The engine of a device code account gets the provider that signed in (it holds the fresh
 * access token, and the window signs in on it again at a sync with sync-login); a basic
 * account gets a new one each time (its password is per run). */
static void
test_provider_kept (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostAccount) dc = outpost_account_new ("dc", f->base_url, OUTPOST_AUTH_KIND_DEVICE_CODE,
                                                      NULL, NULL, NULL);
  g_autoptr(OutpostAccount) basic = outpost_account_new ("b", f->base_url, OUTPOST_AUTH_KIND_BASIC,
                                                         USER, NULL, NULL);
  g_autoptr(OutpostAuthProvider) a = outpost_account_create_auth (dc, NULL, NULL);
  g_autoptr(OutpostAuthProvider) b = outpost_account_create_auth (dc, NULL, NULL);
  g_autoptr(OutpostAuthProvider) c = outpost_account_create_auth (basic, NULL, PASSWORD);
  g_autoptr(OutpostAuthProvider) d = outpost_account_create_auth (basic, NULL, NULL);

  g_assert_true (a == b);
  g_assert_true (outpost_account_get_auth (dc) == a);
  g_assert_true (c != d);
  g_assert_true (outpost_account_get_auth (basic) == d);
  g_assert_true (outpost_auth_basic_has_password (c));
  g_assert_false (outpost_auth_basic_has_password (d));
  g_assert_false (outpost_account_asks_password (dc, NULL));
}

static gboolean
fatal_log_cb (const char *log_domain, GLogLevelFlags level, const char *message, gpointer data)
{
  return !(level & G_LOG_LEVEL_WARNING);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_log_cb, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  outpost_test_capture_logs ();
#define ADD(path, func) \
  g_test_add ("/auto/auth-basic/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("check-before-saving", test_check);
  ADD ("password-for-one-sync", test_prompted_sync);
  ADD ("saved-password", test_saved_password);
  ADD ("provider-kept", test_provider_kept);
#undef ADD
  return g_test_run ();
}

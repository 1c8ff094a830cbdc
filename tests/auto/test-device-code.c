/* test-device-code.c: Microsoft device code sign-in against outpost-server --auth oauth (which
 * speaks Entra ID's device code protocol), with a real Secret Service (run-with-keyring.sh). */
#include <locale.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "outpost-dataverse-connector.h"
#include "outpost-device-code.h"
#include "outpost-secrets.h"
#include "outpost-test-files.h"

typedef struct {
  GSubprocess       *server;
  char              *dir;
  char              *base_url;
  char              *account;
  OutpostDeviceCode *dc;
  char              *user_code;
  char              *verification_uri;
  char              *message;
  guint              user_code_signals;
  GAsyncResult      *result;
} Fixture;

/* The server dies with the test, even when an assertion aborts it, so it never holds the test
 * harness's output pipe open. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_server (Fixture    *f,
              const char *lifetime)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *data = g_build_filename (f->dir, "server", NULL);

  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->server = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("OUTPOST_SERVER"),
                                           "--listen", "127.0.0.1:0", "--data", data,
                                           "--auth", "oauth", "--device-interval", "1",
                                           "--device-lifetime", lifetime, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  f->base_url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (f->base_url, "http://127.0.0.1:"));
}

static void
user_code_cb (OutpostDeviceCode *dc,
              const char        *user_code,
              const char        *verification_uri,
              const char        *message,
              int                expires_in,
              Fixture           *f)
{
  f->user_code_signals++;
  g_free (f->user_code);
  f->user_code = g_strdup (user_code);
  f->verification_uri = g_strdup (verification_uri);
  f->message = g_strdup (message);
  g_assert_cmpint (expires_in, >, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static guint n;
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("outpost-auto-XXXXXX", &error);
  g_assert_no_error (error);
  start_server (f, data != NULL ? data : "60");
  f->account = g_strdup_printf ("auto-device-code-%u-%u", (guint) getpid (), ++n);
  f->dc = outpost_device_code_new (f->account, f->base_url, "51f81489-12ee-4a9e-aaae-a2591f45987d",
                                   NULL, f->base_url);
  g_signal_connect (f->dc, "user-code", G_CALLBACK (user_code_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  outpost_secrets_clear (f->account, NULL, &error);
  g_assert_no_error (error);
  {
    /* The sign-in worker thread drops its reference just after the result arrives. */
    gpointer weak = f->dc;

    g_clear_object (&f->result);   /* the task holds its source object */
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    g_object_add_weak_pointer (weak, &weak);
    g_clear_object (&f->dc);
    while (weak != NULL && g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
    g_assert_null (weak);
  }
  g_subprocess_send_signal (f->server, SIGTERM);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  g_free (f->dir);
  g_free (f->base_url);
  g_free (f->account);
  g_free (f->user_code);
  g_free (f->verification_uri);
  g_free (f->message);
}

/* POST base_url + @path with a JSON body (the admin endpoint); returns the status. */
static guint
admin_post (Fixture    *f,
            const char *path,
            const char *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (f->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* How many requests of "METHOD /path STATUS" the server logged. */
static guint
logged (Fixture    *f,
        const char *line)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (f->base_url, "_admin/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_autofree char *text = NULL;
  guint count = 0;

  g_assert_nonnull (body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  for (const char *p = strstr (text, line); p != NULL; p = strstr (p + 1, line))
    count++;
  return count;
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until *@flag (or the sign-in result) is there; fails after 30 s. */
static void
wait_for (Fixture  *f,
          gboolean (*done) (Fixture *f))
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, tick_cb, NULL);

  while (!done (f))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
has_result (Fixture *f)
{
  return f->result != NULL;
}

static gboolean
pending_seen (Fixture *f)
{
  /* The code is shown and at least one poll was answered authorization_pending. */
  return f->user_code != NULL && outpost_device_code_get_polls (f->dc) >= 2;
}

static gboolean
sign_in (Fixture      *f,
         const char   *admin_action,
         GCancellable *cancellable,
         GError      **error)
{
  outpost_device_code_sign_in_async (f->dc, cancellable, finished_cb, f);
  if (admin_action != NULL)
    {
      g_autofree char *body = NULL;

      wait_for (f, pending_seen);
      body = g_strdup_printf ("{\"user_code\":\"%s\"}", f->user_code);
      g_assert_cmpuint (admin_post (f, admin_action, body), ==, 200);
    }
  wait_for (f, has_result);
  return outpost_device_code_sign_in_finish (f->dc, f->result, error);
}

static char *
saved_refresh_token (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *token = outpost_secrets_lookup (f->account, OUTPOST_SECRET_REFRESH_TOKEN, NULL, &error);

  g_assert_no_error (error);
  return token;
}

/* Connects a real Dataverse connector (metadata requests need the bearer token). */
static void
connect_api (Fixture *f)
{
  g_autoptr(OutpostDataverseConnector) connector =
    outpost_dataverse_connector_new (f->base_url, NULL, OUTPOST_AUTH_PROVIDER (f->dc));
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (profile);
  outpost_dataverse_connector_set_retry (connector, 0, 10);
  g_assert_true (outpost_connector_connect (OUTPOST_CONNECTOR (connector), profile, NULL, &error));
  g_assert_no_error (error);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
test_scope (Fixture *f, gconstpointer data)
{
  g_autoptr(OutpostDeviceCode) dc = outpost_device_code_new ("x", "https://contoso.crm.dynamics.com/",
                                                             "id", NULL, NULL);

  g_assert_cmpstr (outpost_device_code_get_scope (dc), ==,
                   "https://contoso.crm.dynamics.com/user_impersonation offline_access");
}

static void
test_approved (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  char *first, *second;
  guint refreshes;

  g_assert_true (sign_in (f, "_admin/device/approve", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->user_code_signals, ==, 1);
  g_assert_cmpstr (outpost_device_code_get_user_code (f->dc), ==, f->user_code);
  g_assert_cmpstr (f->verification_uri, ==, outpost_device_code_get_verification_uri (f->dc));
  g_assert_true (g_str_has_suffix (f->verification_uri, "/devicelogin"));
  g_assert_nonnull (strstr (f->message, f->user_code));
  /* The server answered authorization_pending at least once before the approval. */
  g_assert_cmpuint (logged (f, "POST /organizations/oauth2/v2.0/token 400"), >=, 1);
  g_assert_cmpuint (logged (f, "POST /organizations/oauth2/v2.0/token 200"), ==, 1);
  first = saved_refresh_token (f);
  g_assert_nonnull (first);
  /* The access token works for the Web API. */
  connect_api (f);
  refreshes = logged (f, "POST /organizations/oauth2/v2.0/token 200");
  g_assert_cmpuint (refreshes, ==, 1);
  g_assert_cmpuint (logged (f, " 401"), ==, 0);
  /* The server forgets every access token: the next request gets 401, the provider uses the
   * saved refresh token, the request is retried and succeeds. */
  g_assert_cmpuint (admin_post (f, "_admin/expire-access-tokens", "{}"), ==, 200);
  connect_api (f);
  g_assert_cmpuint (logged (f, " 401"), >=, 1);
  g_assert_cmpuint (logged (f, "POST /organizations/oauth2/v2.0/token 200"), ==, 2);
  second = saved_refresh_token (f);
  g_assert_nonnull (second);
  g_assert_cmpstr (first, !=, second);   /* the new refresh token replaced the old one */
  /* Neither token is in any log message or in any file the test's processes wrote. */
  {
    g_autofree char *header = outpost_auth_provider_get_authorization (OUTPOST_AUTH_PROVIDER (f->dc),
                                                                       NULL, NULL);
    const char *access = header + strlen ("Bearer ");

    g_assert_true (g_str_has_prefix (header, "Bearer "));
    g_assert_cmpuint (strlen (outpost_test_captured_logs ()), >, 0);   /* the capture works: the connector logged */
    g_assert_null (strstr (outpost_test_captured_logs (), access));
    g_assert_null (strstr (outpost_test_captured_logs (), first));
    g_assert_null (strstr (outpost_test_captured_logs (), second));
    g_assert_false (outpost_test_found_in_files (f->dir, access));
    g_assert_false (outpost_test_found_in_files (f->dir, second));
    g_assert_false (outpost_test_found_in_files (g_getenv ("HOME"), access));
  }
  outpost_secrets_free (first);
  outpost_secrets_free (second);
}

static void
test_declined (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sign_in (f, "_admin/device/decline", NULL, &error));
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_DECLINED);
  g_assert_cmpstr (error->message, ==,
                   "The sign-in was declined. Start again and approve the request to sign in.");
  g_assert_null (saved_refresh_token (f));
}

static void
test_expired (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* Nobody approves; the server's code lives 2 s. */
  g_assert_false (sign_in (f, NULL, NULL, &error));
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_EXPIRED);
  g_assert_cmpstr (error->message, ==,
                   "The sign-in code expired before it was used. Start again to get a new code.");
  g_assert_cmpuint (logged (f, "POST /organizations/oauth2/v2.0/token 400"), >=, 2);
  g_assert_null (saved_refresh_token (f));
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_timeout_add (1500, cancel_cb, cancellable);
  g_assert_false (sign_in (f, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_not_signed_in (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;

  header = outpost_auth_provider_get_authorization (OUTPOST_AUTH_PROVIDER (f->dc), NULL, &error);
  g_assert_null (header);
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN);
}

static void
test_refresh_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;

  outpost_secrets_store (f->account, OUTPOST_SECRET_REFRESH_TOKEN, "revoked-token", NULL, &error);
  g_assert_no_error (error);
  header = outpost_auth_provider_get_authorization (OUTPOST_AUTH_PROVIDER (f->dc), NULL, &error);
  g_assert_null (header);
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN);
  g_assert_cmpstr (error->message, ==, "Your Microsoft sign-in is no longer valid. Sign in again.");
}

static void
test_saved_token_after_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostDeviceCode) again = NULL;
  g_autofree char *header = NULL;

  g_assert_true (sign_in (f, "_admin/device/approve", NULL, &error));
  /* A new process has no access token, only the saved refresh token: enough to sync. */
  again = outpost_device_code_new (f->account, f->base_url, "51f81489-12ee-4a9e-aaae-a2591f45987d",
                                   NULL, f->base_url);
  header = outpost_auth_provider_get_authorization (OUTPOST_AUTH_PROVIDER (again), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (header, "Bearer "));
  /* Signing out removes it. */
  g_assert_true (outpost_device_code_sign_out (again, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (saved_refresh_token (f));
  g_clear_pointer (&header, g_free);
  header = outpost_auth_provider_get_authorization (OUTPOST_AUTH_PROVIDER (again), NULL, &error);
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NOT_SIGNED_IN);
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostDeviceCode) dc = outpost_device_code_new (f->account, "https://org.example.com",
                                                             "id", NULL, "http://127.0.0.1:1");
  g_autoptr(GAsyncResult) result = NULL;

  g_clear_object (&f->dc);
  f->dc = g_object_ref (dc);
  outpost_device_code_sign_in_async (dc, NULL, finished_cb, f);
  wait_for (f, has_result);
  g_assert_false (outpost_device_code_sign_in_finish (dc, f->result, &error));
  g_assert_error (error, OUTPOST_DEVICE_CODE_ERROR, OUTPOST_DEVICE_CODE_ERROR_NETWORK);
}

/* The connector warns about profile fields the test server lacks; that is not this test's
 * concern, every other warning still fails it. */
static gboolean
fatal_log_cb (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        data)
{
  return !((level & G_LOG_LEVEL_WARNING) && strstr (message, "it is not synchronized") != NULL);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_log_cb, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  outpost_test_capture_logs ();
#define ADD(path, func, lifetime) \
  g_test_add ("/auto/device-code/" path, Fixture, lifetime, fixture_setup, func, fixture_teardown)
  ADD ("scope", test_scope, NULL);
  ADD ("approved-then-refresh-after-401", test_approved, NULL);
  ADD ("declined", test_declined, NULL);
  ADD ("expired", test_expired, "2");
  ADD ("cancelled", test_cancelled, NULL);
  ADD ("not-signed-in", test_not_signed_in, NULL);
  ADD ("refresh-refused", test_refresh_refused, NULL);
  ADD ("saved-token-after-restart", test_saved_token_after_restart, NULL);
  ADD ("unreachable", test_unreachable, NULL);
#undef ADD
  return g_test_run ();
}

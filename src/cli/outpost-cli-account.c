/* outpost-cli-account.c: `outpost account add|list|remove`. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <signal.h>

#include "outpost-cli-private.h"
#include "outpost-device-code.h"
#include "outpost-secrets.h"
#include "outpost-tls-trust.h"

/* Plain http is accepted only for this computer (the demo and test servers); anything that
 * leaves the machine must use TLS. */
static gboolean
check_url (const char *url, GError **error)
{
  if (outpost_device_code_url_is_allowed (url))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("“%s” is not an https:// address (plain http is allowed only for this computer)"),
               url);
  return FALSE;
}

GSettings *
outpost_cli_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  return schema != NULL ? g_settings_new (APPLICATION_ID) : NULL;
}

/* ---- device code sign-in ---------------------------------------------------------------- */

typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  gboolean      ok;
  GError       *error;
} SignIn;

static void
show_code (OutpostDeviceCode *dc, const char *user_code, const char *uri, const char *message,
           int expires_in, gpointer user_data)
{
  g_printerr (_("To sign in, open %s in a browser and enter the code %s\n"), uri, user_code);
  g_printerr (ngettext ("The code is valid for %d minute. Waiting for you to sign in…\n",
                        "The code is valid for %d minutes. Waiting for you to sign in…\n",
                        (expires_in + 59) / 60), (expires_in + 59) / 60);
}

static void
signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SignIn *s = user_data;

  s->ok = outpost_device_code_sign_in_finish (OUTPOST_DEVICE_CODE (source), result, &s->error);
  g_main_loop_quit (s->loop);
}

static gboolean
cancel_sign_in (gpointer user_data)
{
  g_cancellable_cancel (((SignIn *) user_data)->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Finds the organization's sign-in service, shows the code and waits for the user; the refresh
 * token goes to the Secret Service. Ctrl+C cancels. */
static gboolean
device_code_sign_in (OutpostAccount *account, GError **error)
{
  g_autoptr(GSettings) settings = outpost_cli_settings ();
  g_autofree char *authority = NULL;
  g_autoptr(OutpostAuthProvider) auth = NULL;
  SignIn s = { 0 };
  guint sigint, sigterm;

  authority = outpost_device_code_discover_authority (outpost_account_get_url (account),
                                                      outpost_account_get_api_version (account),
                                                      NULL, error);
  if (authority == NULL)
    return FALSE;
  if (g_strcmp0 (authority, OUTPOST_DEVICE_CODE_AUTHORITY) != 0)
    outpost_account_set_authority (account, authority);
  auth = outpost_account_create_auth (account, settings, NULL);
  s.loop = g_main_loop_new (NULL, FALSE);
  s.cancellable = g_cancellable_new ();
  g_signal_connect (auth, "user-code", G_CALLBACK (show_code), NULL);
  sigint = g_unix_signal_add (SIGINT, cancel_sign_in, &s);
  sigterm = g_unix_signal_add (SIGTERM, cancel_sign_in, &s);
  outpost_device_code_sign_in_async (OUTPOST_DEVICE_CODE (auth), s.cancellable, signed_in, &s);
  g_main_loop_run (s.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (s.loop);
  g_object_unref (s.cancellable);
  if (!s.ok)
    g_propagate_error (error, s.error);
  return s.ok;
}

/* Reads a line from standard input, without echo when it is a terminal. */
char *
outpost_cli_read_password (void)
{
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char buffer[1024];
  char *line;

  if (tty)
    {
      g_printerr ("%s", _("Password: "));
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  line = fgets (buffer, sizeof buffer, stdin);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      g_printerr ("\n");
    }
  if (line == NULL)
    return NULL;
  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  explicit_bzero (buffer, sizeof buffer);
  return line;
}

static gboolean
check_profile (const char *path, GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(OutpostProfile) profile = NULL;

  if (path == NULL)
    return TRUE;
  file = g_file_new_for_commandline_arg (path);
  profile = outpost_profile_new_from_file (file, error);
  return profile != NULL;
}

/* The password is tried on the server (an authenticated WhoAmI) before it is kept, as the
 * window's sign-in does: a wrong one is said now, not by the first sync. */
static gboolean
save_password (OutpostAccount *account, GError **error)
{
  char *password = outpost_cli_read_password ();
  gboolean ok;

  if (password == NULL || *password == '\0')
    {
      outpost_secrets_free (password);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("No password given"));
      return FALSE;
    }
  ok = outpost_auth_check_basic (outpost_account_get_url (account), outpost_account_get_api_version (account),
                                 outpost_account_get_user (account), password,
                                 outpost_account_get_trusted_certificate (account), NULL, error)
       && outpost_secrets_store (outpost_account_get_name (account), OUTPOST_SECRET_PASSWORD, password,
                                 NULL, error);
  outpost_secrets_free (password);
  return ok;
}

static int
account_add (int argc, char **argv)
{
  g_autofree char *url = NULL, *auth = NULL, *user = NULL, *profile = NULL, *api = NULL;
  gboolean no_password = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, N_("Organization URL"), "URL" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, N_("none, basic or device-code"), "KIND" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("User name (basic)"), "USER" },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("Sync profile file"), "FILE" },
    { "api-version", 0, 0, G_OPTION_ARG_STRING, &api, N_("Web API version (v9.2)"), "VERSION" },
    { "no-password", 0, 0, G_OPTION_ARG_NONE, &no_password,
      N_("Do not ask for the password now (basic)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME — add an account"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  OutpostAuthKind kind = OUTPOST_AUTH_KIND_NONE;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  if (argc != 2 || url == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost account add NAME --url URL [--auth none|basic|device-code] [--user USER] [--profile FILE]"));
  if (!outpost_account_name_is_valid (argv[1]))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, _("“%s” is not a valid account name (letters, digits, . _ -)"), argv[1]);
  if (auth != NULL && !outpost_auth_kind_from_string (auth, &kind))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, _("Unknown sign-in kind “%s”: use none, basic or device-code"), auth);
  if (kind == OUTPOST_AUTH_KIND_BASIC && user == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("Basic sign-in needs --user"));
  if (!check_url (url, &error) || !check_profile (profile, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", error->message);

  account = outpost_account_new (argv[1], url, kind, user, profile, api);
  outpost_account_set_password_saved (account, kind == OUTPOST_AUTH_KIND_BASIC && !no_password);
  if (!outpost_account_save (account, TRUE, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  if (kind == OUTPOST_AUTH_KIND_BASIC && !no_password && !save_password (account, &error))
    {
      outpost_account_remove (argv[1], NULL);
      if (error->domain == OUTPOST_AUTH_ERROR || error->domain == G_IO_ERROR)
        return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("Sign-in failed: %s"), error->message);
      return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("The password could not be saved in the keyring: %s"), error->message);
    }
  /* the account exists only once signed in: a failed sign-in leaves nothing behind */
  if (kind == OUTPOST_AUTH_KIND_DEVICE_CODE &&
      (!device_code_sign_in (account, &error) || !outpost_account_save (account, FALSE, &error)))
    {
      outpost_secrets_clear (argv[1], NULL, NULL);
      outpost_account_remove (argv[1], NULL);
      return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("Sign-in failed: %s"), error->message);
    }
  g_print (_("Account “%s” added for %s\n"), argv[1], url);
  return 0;
}

static int
account_list (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = outpost_account_list (&error);

  if (accounts == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  for (guint i = 0; i < accounts->len; i++)
    {
      OutpostAccount *account = g_ptr_array_index (accounts, i);
      const char *user = outpost_account_get_user (account);
      g_print ("%s\t%s\t%s%s%s\n", outpost_account_get_name (account),
               outpost_account_get_url (account),
               outpost_auth_kind_to_string (outpost_account_get_auth_kind (account)),
               user ? "\t" : "", user ? user : "");
    }
  return 0;
}

/* Removing an account deletes its local data: refuse while edits are not on the server. */
static gboolean
check_nothing_unsynced (OutpostAccount *account, GError **error)
{
  g_autoptr(OutpostStore) store = outpost_account_open_store (account, error);
  gint64 unsynced;

  if (store == NULL)
    return FALSE;
  unsynced = outpost_store_count_unsynced (store, NULL, error);
  if (unsynced < 0)
    return FALSE;
  if (unsynced == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               g_dngettext (GETTEXT_PACKAGE,
                            "%" PRId64 " record has changes that are not on the server yet: sync first, or add --discard-unsynced to lose it",
                            "%" PRId64 " records have changes that are not on the server yet: sync first, or add --discard-unsynced to lose them",
                            unsynced), unsynced);
  return FALSE;
}

static int
account_remove (int argc, char **argv)
{
  gboolean discard = FALSE;
  GOptionEntry entries[] = {
    { "discard-unsynced", 0, 0, G_OPTION_ARG_NONE, &discard,
      N_("Remove even when local changes were not synchronized"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME — remove an account and its local data"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  if (argc != 2)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost account remove NAME [--discard-unsynced]"));
  account = outpost_account_load (argv[1], &error);
  if (account == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  if (!discard && !check_nothing_unsynced (account, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  if (outpost_account_get_auth_kind (account) != OUTPOST_AUTH_KIND_NONE &&
      !outpost_secrets_clear (argv[1], NULL, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("The account's secrets could not be removed from the keyring: %s"), error->message);
  if (!outpost_account_remove (argv[1], &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  g_print (_("Account “%s” removed\n"), argv[1]);
  return 0;
}

static void
print_certificate (OutpostAccount *account, GTlsCertificate *certificate,
                   GTlsCertificateFlags errors, const char *fingerprint)
{
  g_autofree char *subject = NULL, *issuer = NULL, *why = outpost_tls_describe_errors (errors);

  g_object_get (certificate, "subject-name", &subject, "issuer-name", &issuer, NULL);
  g_print (_("Server:      %s\n"), outpost_account_get_url (account));
  g_print (_("Subject:     %s\n"), subject ? subject : "?");
  g_print (_("Issuer:      %s\n"), issuer ? issuer : "?");
  g_print (_("Fingerprint: %s\n"), fingerprint);
  g_print (_("Not trusted: %s\n"), why);
}

/* Asks on the terminal; anything but yes is no. */
static gboolean
confirm_trust (void)
{
  char answer[16] = "";

  g_print ("%s", _("Trust this certificate for this account? Compare the fingerprint with the one your administrator gave you. [y/N] "));
  return fgets (answer, sizeof answer, stdin) != NULL && g_ascii_tolower (answer[0]) == 'y';
}

static int
account_trust (int argc, char **argv)
{
  g_autofree char *expected = NULL;
  GOptionEntry entries[] = {
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &expected,
      N_("Trust the certificate only if it has this SHA-256 fingerprint"), "SHA256:…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME — trust the server's own certificate"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  GTlsCertificateFlags errors = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  if (argc != 2)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost account trust NAME [--fingerprint SHA256:…]"));
  account = outpost_account_load (argv[1], &error);
  if (account == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  if (!g_str_has_prefix (outpost_account_get_url (account), "https://"))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("Only https:// servers have certificates"));
  certificate = outpost_tls_probe (outpost_account_get_url (account), &errors, NULL, &error);
  if (certificate == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("Could not read the server's certificate: %s"), error->message);
  if (errors == 0)
    {
      g_print ("%s\n", _("This computer already trusts the server's certificate: nothing to do."));
      return 0;
    }
  fingerprint = outpost_tls_fingerprint (certificate);
  print_certificate (account, certificate, errors, fingerprint);
  if (expected != NULL && g_ascii_strcasecmp (expected, fingerprint) != 0)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", _("The server's certificate does not have the fingerprint you gave: it is NOT trusted."));
  if (expected == NULL && !isatty (STDIN_FILENO))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, _("Not trusted. To trust it without a terminal, repeat with --fingerprint %s"), fingerprint);
  if (expected == NULL && !confirm_trust ())
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", _("Not trusted."));
  outpost_account_set_trusted_certificate (account, fingerprint);
  if (!outpost_account_save (account, FALSE, &error))
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  g_print (_("Account “%s” now accepts this certificate, and only this one.\n"), argv[1]);
  return 0;
}

int
outpost_cli_account (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "trust"))
    return account_trust (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "add"))
    return account_add (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "list"))
    return account_list (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "remove"))
    return account_remove (argc - 1, argv + 1);
  return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost account add|list|remove|trust ..."));
}

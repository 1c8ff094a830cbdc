/* outpost-cli-sync.c: `outpost sync` — progress on stderr, a summary on stdout, exit status 0
 * only when the sync succeeded and the server took every change. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <unistd.h>

#include "outpost-cli-private.h"
#include "outpost-secrets.h"
#include "outpost-sync-engine.h"
#include "outpost-sync-error.h"

typedef struct {
  GMainLoop         *loop;
  GCancellable      *cancellable;
  OutpostSyncResult *result;
  GError            *error;
  gint64             last_print;     /* monotonic µs of the last progress line */
  OutpostSyncPhase   last_phase;
  char              *last_entity;
} SyncRun;

static void
on_progress (OutpostSyncEngine *engine, const OutpostSyncProgress *progress, SyncRun *run)
{
  gint64 now = g_get_monotonic_time ();
  gboolean changed = progress->phase != run->last_phase ||
                     g_strcmp0 (progress->entity, run->last_entity) != 0;

  /* One line when the phase or entity changes, otherwise at most two a second. */
  if (!changed && now - run->last_print < G_USEC_PER_SEC / 2)
    return;
  run->last_print = now;
  run->last_phase = progress->phase;
  g_free (run->last_entity);
  run->last_entity = g_strdup (progress->entity);
  switch (progress->phase)
    {
    case OUTPOST_SYNC_PHASE_CONNECT:
      g_printerr ("%s\n", _("Connecting…"));
      break;
    case OUTPOST_SYNC_PHASE_UPLOAD:
      g_printerr (_("Uploading: %" PRId64 "/%" PRId64 "\n"), progress->done, progress->total);
      break;
    case OUTPOST_SYNC_PHASE_DOWNLOAD:
      if (progress->entity == NULL)
        g_printerr ("%s\n", _("Downloading…"));
      else if (progress->total >= 0)
        g_printerr (_("Downloading %s: %" PRId64 "/%" PRId64 "\n"),
                    progress->entity, progress->done, progress->total);
      else
        g_printerr (_("Downloading %s: %" PRId64 "\n"), progress->entity, progress->done);
      break;
    default:
      break;
    }
}

static void
on_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SyncRun *run = user_data;

  run->result = outpost_sync_engine_run_finish (OUTPOST_SYNC_ENGINE (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  SyncRun *run = user_data;

  g_printerr ("%s\n", _("Stopping the sync…"));
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

/* A basic account without a saved password (`account add --no-password`, or the keyring
 * lost it): the password is asked for now, as the window does at a sync, and used for this
 * run only. */
static gboolean
saved_password_missing (OutpostAccount *account)
{
  g_autoptr(GError) error = NULL;
  char *saved;

  if (!outpost_account_get_password_saved (account))
    return TRUE;
  saved = outpost_secrets_lookup (outpost_account_get_name (account), OUTPOST_SECRET_PASSWORD, NULL, &error);
  if (saved == NULL)
    return TRUE;
  outpost_secrets_free (saved);
  return FALSE;
}

/* Basic accounts read their saved password and device code accounts their refresh token from
 * the Secret Service on the sync's thread; a missing password is asked for. */
static OutpostAuthProvider *
auth_for_account (OutpostAccount *account, GError **error)
{
  g_autoptr(GSettings) settings = outpost_cli_settings ();
  char *password = NULL;
  OutpostAuthProvider *auth;

  if (outpost_account_get_auth_kind (account) == OUTPOST_AUTH_KIND_BASIC && saved_password_missing (account))
    {
      if (isatty (STDIN_FILENO))
        g_printerr (_("No password is saved for “%s” (%s on %s).\n"), outpost_account_get_name (account),
                    outpost_account_get_user (account) ? outpost_account_get_user (account) : "",
                    outpost_account_get_url (account));
      password = outpost_cli_read_password ();
      if (password == NULL || *password == '\0')
        {
          outpost_secrets_free (password);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("No password given for “%s”"), outpost_account_get_name (account));
          return NULL;
        }
    }
  auth = outpost_account_create_auth (account, settings, password);
  outpost_secrets_free (password);
  return auth;
}

static void
print_summary (OutpostSyncResult *result)
{
  /* links (N:N) are counted apart from records: a sync that only brought links is not empty */
  g_print (_("Downloaded %" PRId64 ", removed %" PRId64 ", uploaded %" PRId64
             ", links added %" PRId64 ", links removed %" PRId64
             ", conflicts %" PRId64 " (%" PRId64 " to resolve), errors %" PRId64
             ", %" PRIu64 " requests, %.2f s\n"),
           result->downloaded, result->removed, result->uploaded, result->links_added,
           result->links_removed, result->conflicts, result->manual_conflicts, result->errors,
           result->requests, result->seconds);
}

static int
run_sync (OutpostAccount *account, const OutpostSyncOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAuthProvider) auth = auth_for_account (account, &error);
  g_autoptr(OutpostSyncEngine) engine = NULL;
  SyncRun run = { .last_phase = -1 };
  guint sigint, sigterm;
  int status;

  if (auth == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  engine = outpost_account_create_engine (account, auth, &error);
  if (engine == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  run.loop = g_main_loop_new (NULL, FALSE);
  run.cancellable = g_cancellable_new ();
  g_signal_connect (engine, "progress", G_CALLBACK (on_progress), &run);
  sigint = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &run);
  outpost_sync_engine_run_async (engine, options, run.cancellable, on_finished, &run);
  g_main_loop_run (run.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (run.result == NULL)
    {
      status = outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, _("Sync failed: %s"), run.error->message);
      if (g_error_matches (run.error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_TLS))
        g_printerr (_("If your administrator confirms this server's certificate, trust it with “outpost account trust %s”.\n"),
                    outpost_account_get_name (account));
    }
  else
    {
      print_summary (run.result);
      status = run.result->errors > 0 ? OUTPOST_CLI_EXIT_FAILED : 0;
      if (status != 0)
        outpost_cli_fail (status, "%s", _("The server refused some changes: see “outpost status”"));
    }
  g_clear_pointer (&run.result, outpost_sync_result_free);
  g_clear_error (&run.error);
  g_free (run.last_entity);
  g_object_unref (run.cancellable);
  g_main_loop_unref (run.loop);
  return status;
}

int
outpost_cli_sync (int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_auto(GStrv) entities = NULL;
  gboolean full = FALSE, emails = FALSE, upload = FALSE;
  GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &name, N_("Account to synchronize"), "NAME" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, N_("Download everything again"), NULL },
    { "entity", 0, 0, G_OPTION_ARG_STRING_ARRAY, &entities, N_("Download this entity in full (repeatable)"), "ENTITY" },
    { "emails-only", 0, 0, G_OPTION_ARG_NONE, &emails, N_("Upload, then synchronize emails only"), NULL },
    { "upload-only", 0, 0, G_OPTION_ARG_NONE, &upload, N_("Only upload local changes"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— synchronize an account"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  OutpostSyncOptions options = { .kind = OUTPOST_SYNC_INCREMENTAL };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!outpost_cli_parse_options (context, &argc, &argv))
    return OUTPOST_CLI_EXIT_USAGE;
  if (argc != 1 || (full + emails + upload + (entities != NULL)) > 1)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_USAGE, "%s", _("usage: outpost sync [--account NAME] [--full | --entity E... | --emails-only | --upload-only]"));
  options.kind = full ? OUTPOST_SYNC_FULL : emails ? OUTPOST_SYNC_EMAIL_ONLY
               : upload ? OUTPOST_SYNC_UPLOAD_ONLY : entities ? OUTPOST_SYNC_ENTITIES
               : OUTPOST_SYNC_INCREMENTAL;
  options.entities = (const char * const *) entities;
  account = outpost_cli_find_account (name, &error);
  if (account == NULL)
    return outpost_cli_fail (OUTPOST_CLI_EXIT_FAILED, "%s", error->message);
  return run_sync (account, &options);
}

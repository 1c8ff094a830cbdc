/* outpost-server: a Dataverse-compatible Web API server over its own SQLite file, for the demo
 * mode and for tests.
 *
 *   outpost-server --listen 127.0.0.1:0 --data DIR [--seed demo | --seed accounts=N,contacts=N,...]
 *                  [--auth none|oauth|basic] [--tls-cert F --tls-key F]
 *
 * Prints its base URL ("http://127.0.0.1:PORT/") as the first line on stdout once it accepts
 * connections; the Web API lives under api/data/v9.2/. SIGTERM/SIGINT stop it cleanly. Data
 * persists in DIR/outpost-server.db; --seed only applies to a fresh data directory. */
#include "config.h"

#include "outpost-server-http.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char     *listen;
  char     *data;
  char     *seed;
  char     *auth;
  char     *tls_cert;
  char     *tls_key;
  char     *basic_user;
  char     *basic_password;
  int       max_requests;
  int       window;
  int       token_lifetime;
  int       device_interval;
  int       device_lifetime;
  gint64    max_body;
} Options;

static gboolean
parse_options (int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &o->listen, "Address to listen on (default 127.0.0.1:0)", "HOST:PORT" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &o->data, "Data directory (required)", "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed, "Seed a fresh data directory: demo, or "
      "accounts=N,contacts=N,leads=N,opportunities=N,tasks=N,phonecalls=N,appointments=N,emails=N,annotations=N",
      "SPEC" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &o->auth, "none (default), oauth (Entra ID device code imitation) or basic", "MODE" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &o->tls_cert, "PEM certificate: serve HTTPS", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &o->tls_key, "PEM private key for --tls-cert", "FILE" },
    { "basic-user", 0, 0, G_OPTION_ARG_STRING, &o->basic_user, "User name for --auth basic (default demo)", "NAME" },
    { "basic-password", 0, 0, G_OPTION_ARG_STRING, &o->basic_password, "Password for --auth basic (default: "
      "$OUTPOST_SERVER_BASIC_PASSWORD, else demo)", "PASSWORD" },
    { "max-requests", 0, 0, G_OPTION_ARG_INT, &o->max_requests, "Service protection: requests allowed per window "
      "(0 = unlimited); more get 429 with Retry-After", "N" },
    { "limit-window", 0, 0, G_OPTION_ARG_INT, &o->window, "Service protection window in seconds (default 300)", "S" },
    { "token-lifetime", 0, 0, G_OPTION_ARG_INT, &o->token_lifetime, "Access token lifetime in seconds (default 3599)", "S" },
    { "device-interval", 0, 0, G_OPTION_ARG_INT, &o->device_interval, "Device code polling interval (default 5)", "S" },
    { "device-lifetime", 0, 0, G_OPTION_ARG_INT, &o->device_lifetime, "Device code lifetime (default 900)", "S" },
    { "max-body", 0, 0, G_OPTION_ARG_INT64, &o->max_body, "Largest request body in bytes (default 67108864)", "BYTES" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Dataverse-compatible Web API server for Outpost");

  g_option_context_set_description (context,
    "The Web API is served under api/data/v9.2/. Test and fault-injection endpoints live under\n"
    "/_admin/ (see src/server/README.md). The first line on stdout is the base URL.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (o->data == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--data DIR is required");
      return FALSE;
    }
  return TRUE;
}

static gint64
settings_int (sqlite3 *db, const char *key)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;
  sqlite3_prepare_v2 (db, "SELECT value FROM os_settings WHERE key = ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The version counter is not stored on its own: it is the largest version any row or tombstone
 * carries, so it survives restarts without an extra write per request. */
static gint64
load_version (sqlite3 *db)
{
  guint n;
  const OsEntity *entities = os_schema_entities (&n);
  gint64 version = settings_int (db, "min_delta_version");

  for (guint i = 0; i <= n; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT max(versionnumber) FROM \"%s\"",
                                              i < n ? entities[i].logical_name : "os_deleted");
      sqlite3_stmt *stmt = NULL;
      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        version = MAX (version, sqlite3_column_int64 (stmt, 0));
      sqlite3_finalize (stmt);
    }
  return version;
}

static gboolean
open_database (OsServer *server, GError **error)
{
  g_autofree char *path = g_build_filename (server->data_dir, "outpost-server.db", NULL);

  if (g_mkdir_with_parents (server->data_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot create %s", server->data_dir);
      return FALSE;
    }
  if (sqlite3_open (path, &server->db) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot open %s: %s", path, sqlite3_errmsg (server->db));
      return FALSE;
    }
  sqlite3_busy_timeout (server->db, 5000);
  if (!os_sql_exec (server->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error) ||
      !os_schema_create_tables (server->db, error) || !os_seed_users (server, error))
    return FALSE;
  server->version = load_version (server->db);
  server->min_delta_version = settings_int (server->db, "min_delta_version");
  return TRUE;
}

static gboolean
start_listening (OsServer *server, Options *o, GError **error)
{
  g_autofree char *host = NULL;
  const char *listen = o->listen ? o->listen : "127.0.0.1:0";
  const char *colon = strrchr (listen, ':');
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  GSList *uris;
  guint port;

  if (colon == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--listen expects HOST:PORT");
      return FALSE;
    }
  host = g_strndup (listen, colon - listen);
  if (o->tls_cert && (cert = g_tls_certificate_new_from_files (o->tls_cert, o->tls_key ? o->tls_key : o->tls_cert,
                                                               error)) == NULL)
    return FALSE;
  server->soup = g_object_new (SOUP_TYPE_SERVER, "server-header", "outpost-server/" PACKAGE_VERSION,
                               "tls-certificate", cert, NULL);
  os_http_install (server);
  address = g_inet_socket_address_new_from_string (host, (guint) g_ascii_strtoull (colon + 1, NULL, 10));
  if (address == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "Invalid --listen address %s", listen);
      return FALSE;
    }
  if (!soup_server_listen (server->soup, address, cert ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (server->soup);
  port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  server->base_url = g_strdup_printf ("%s://%s:%u/", cert ? "https" : "http", host, port);
  server->api_base = g_strconcat (server->base_url, "api/data/v9.2/", NULL);
  return TRUE;
}

static gboolean
on_signal (gpointer user_data)
{
  OsServer *server = user_data;
  g_main_loop_quit (server->loop);
  return G_SOURCE_CONTINUE;
}

static OsAuthMode
auth_mode (const char *name, GError **error)
{
  if (name == NULL || strcmp (name, "none") == 0)
    return OS_AUTH_NONE;
  if (strcmp (name, "oauth") == 0)
    return OS_AUTH_OAUTH;
  if (strcmp (name, "basic") == 0)
    return OS_AUTH_BASIC;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--auth must be none, oauth or basic");
  return OS_AUTH_NONE;
}

static void
server_init (OsServer *server, Options *o, GError **error)
{
  const char *password = o->basic_password ? o->basic_password : g_getenv ("OUTPOST_SERVER_BASIC_PASSWORD");

  server->data_dir = g_strdup (o->data);
  server->max_body = o->max_body > 0 ? (gsize) o->max_body : 64 * 1024 * 1024;
  server->auth_mode = auth_mode (o->auth, error);
  server->faults = g_ptr_array_new_with_free_func ((GDestroyNotify) os_fault_free);
  server->request_log = g_ptr_array_new_with_free_func (g_free);
  server->request_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->limit_requests = (guint) MAX (o->max_requests, 0);
  server->limit_window = o->window > 0 ? (guint) o->window : 300;
  server->limit_retry_after = 2;
  server->limit_kind = g_strdup ("requests");
  g_queue_init (&server->limit_times);
  server->auth = os_auth_new (server, o->token_lifetime > 0 ? o->token_lifetime : 3599,
                              o->device_interval > 0 ? o->device_interval : 5,
                              o->device_lifetime > 0 ? o->device_lifetime : 900,
                              o->basic_user ? o->basic_user : "demo", password ? password : "demo");
}

static void
options_clear (Options *o)
{
  g_free (o->listen);
  g_free (o->data);
  g_free (o->seed);
  g_free (o->auth);
  g_free (o->tls_cert);
  g_free (o->tls_key);
  g_free (o->basic_user);
  g_free (o->basic_password);
}

/* Everything server_init, open_database and start_listening made (each may be unset when
 * start-up failed half way). */
static void
server_clear (OsServer *server)
{
  if (server->soup)
    soup_server_disconnect (server->soup);
  g_clear_object (&server->soup);
  if (server->db)
    sqlite3_close (server->db);
  g_clear_pointer (&server->loop, g_main_loop_unref);
  g_clear_pointer (&server->auth, os_auth_free);
  g_clear_pointer (&server->faults, g_ptr_array_unref);
  g_clear_pointer (&server->request_log, g_ptr_array_unref);
  g_clear_pointer (&server->request_counts, g_hash_table_unref);
  g_queue_clear_full (&server->limit_times, g_free);
  g_free (server->limit_kind);
  g_free (server->data_dir);
  g_free (server->base_url);
  g_free (server->api_base);
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  OsServer server = { 0 };
  g_autoptr(GError) error = NULL;

  if (!parse_options (&argc, &argv, &o, &error))
    goto fail;
  server_init (&server, &o, &error);
  if (error || !open_database (&server, &error))
    goto fail;
  if (o.seed && !os_seed (&server, o.seed, &error))
    goto fail;
  if (!start_listening (&server, &o, &error))
    goto fail;
  server.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, &server);
  g_unix_signal_add (SIGINT, on_signal, &server);
  printf ("%s\n", server.base_url);
  fflush (stdout);
  g_main_loop_run (server.loop);
  server_clear (&server);
  options_clear (&o);
  return 0;

fail:
  g_printerr ("outpost-server: %s\n", error ? error->message : "failed");
  server_clear (&server);
  options_clear (&o);
  return 1;
}

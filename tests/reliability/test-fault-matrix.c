/* test-fault-matrix.c: every fault outpost-server injects x every sync phase, through the real
 * sync engine and the real Dataverse connector (issue 7, "fault matrix"). fault-matrix.py does
 * the same through the `outpost` command line, which cannot set a timeout or sign in with
 * OAuth; this program can, so it covers all 7 x 5 cells.
 *
 * One outpost-server (--auth oauth: a real device-code sign-in, real token refreshes) for all
 * cells. Per cell: a fresh client database, one first sync (so the cell starts synced), then
 * local edits pending (a new account, its child contact by lookup, an update of an existing
 * contact, a new email marked for sending) and another user's edit of a second contact; the
 * fault is armed for the phase's requests with no count limit, i.e. beyond the connector's
 * retry budget (the expired token: one 401, which one refresh must absorb); one sync of the
 * phase's kind runs; the faults are cleared; syncs run until one succeeds. Pass =
 *   - the fault fired in that phase (or, for the expired delta token, the delta answered the
 *     server's "expired" 400),
 *   - every edit is on the server exactly once (the email sent exactly once: SendEmail applied
 *     once, counted in the server's request log),
 *   - the next sync converges: nothing unsynced, no email still marked, every table's row count
 *     equals the server's, the other user's edit in the store, PRAGMA integrity_check ok,
 *   - a failed sync's error is in OUTPOST_SYNC_ERROR with the code that names the fault
 *     (NETWORK / SERVER / THROTTLED / PROTOCOL), a message saying what happened, and the run in
 *     the sync log says "failed" with that message (what the window shows); a refused SendEmail
 *     is named in the sync log.
 * Prints the matrix as a table (what the user saw per cell). One TAP test point per cell. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "outpost-dataverse-connector.h"
#include "outpost-store-email.h"
#include "outpost-store-sync.h"
#include "outpost-test-server.h"

#define API "/api/data/v9.2/"
#define TIMEOUT_S 1   /* the connector's idle timeout during the faulted sync of a latency cell */
#define LATENCY_MS "2500"

typedef struct {
  const char *name;
  const char *path_prefix;   /* fault filter */
  const char *method;
  OutpostSyncKind kind;      /* the sync that meets the fault */
} Phase;

static const Phase phases[] = {
  { "metadata",     API "EntityDefinitions", "GET",  OUTPOST_SYNC_INCREMENTAL },
  { "full page",    API "contacts",          "GET",  OUTPOST_SYNC_FULL },
  { "delta page",   API "contacts",          "GET",  OUTPOST_SYNC_INCREMENTAL },
  { "upload batch", API "$batch",            "POST", OUTPOST_SYNC_INCREMENTAL },
  { "SendEmail",    API "emails(",           "POST", OUTPOST_SYNC_INCREMENTAL },
};

typedef struct {
  const char *name;
  const char *spec;          /* the fault's JSON members, NULL = admin action */
  int         error_code;    /* the code a failed sync must report */
  const char *says;          /* and a fragment of its message that names what happened */
} Fault;

static const Fault faults[] = {
  { "drop",                "\"kind\":\"drop\",\"bytes\":20",                    OUTPOST_SYNC_ERROR_NETWORK, "Could not reach the server" },
  { "500",                 "\"kind\":\"status\",\"status\":500",                OUTPOST_SYNC_ERROR_SERVER, "The server failed (500" },
  { "503",                 "\"kind\":\"status\",\"status\":503,\"retry_after\":0", OUTPOST_SYNC_ERROR_SERVER, "The server failed (503" },
  { "429",                 "\"kind\":\"throttle\",\"retry_after\":0",           OUTPOST_SYNC_ERROR_THROTTLED, "limiting requests" },
  { "truncated JSON",      "\"kind\":\"truncate\",\"bytes\":30",                OUTPOST_SYNC_ERROR_PROTOCOL, "malformed" },
  { "latency beyond timeout", "\"kind\":\"latency\",\"ms\":" LATENCY_MS,               OUTPOST_SYNC_ERROR_NETWORK, "timed out" },
  /* what the server answers an expired access token, at exactly this phase, once: the
   * connector must renew the token (one real refresh) and the user sees nothing */
  { "expired token",       "\"kind\":\"status\",\"status\":401,\"count\":1",  OUTPOST_SYNC_ERROR_AUTH, "Sign-in" },
  { "expired delta token", NULL,                                                OUTPOST_SYNC_ERROR_EXPIRED_TOKEN, "full sync" },
};

/* ---- sign-in: the server's device-code flow, refresh tokens through its token endpoint --- */

typedef struct {
  char  *token_url;
  char  *refresh;
  char  *access;
  guint  refreshes;
} Tokens;

static JsonObject *
form_post (const char *url, const char *form)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_nonnull (answer);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
refresh_token (gpointer data, GCancellable *cancellable, GError **error)
{
  Tokens *t = data;
  g_autofree char *form = g_strdup_printf ("grant_type=refresh_token&client_id=outpost-test&refresh_token=%s", t->refresh);
  g_autoptr(JsonObject) answer = form_post (t->token_url, form);

  t->refreshes++;
  g_free (t->refresh);
  t->refresh = g_strdup (json_object_get_string_member (answer, "refresh_token"));
  g_free (t->access);
  t->access = g_strdup (json_object_get_string_member (answer, "access_token"));
  return g_strdup (t->access);
}

static void
sign_in (OutpostTestServer *srv, Tokens *t)
{
  g_autofree char *dc_url = g_strconcat (srv->base_url, "organizations/oauth2/v2.0/devicecode", NULL);
  g_autoptr(JsonObject) dc = form_post (dc_url, "client_id=outpost-test&scope=x%2Fuser_impersonation%20offline_access");
  g_autofree char *grant = g_strdup_printf ("grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=outpost-test&device_code=%s",
                                            json_object_get_string_member (dc, "device_code"));
  g_autoptr(JsonObject) tokens = NULL;

  t->token_url = g_strconcat (srv->base_url, "organizations/oauth2/v2.0/token", NULL);
  g_assert_cmpuint (outpost_test_server_admin (srv, "POST", "device/approve", "{}", NULL), ==, 200);
  tokens = form_post (t->token_url, grant);
  t->access = g_strdup (json_object_get_string_member (tokens, "access_token"));
  t->refresh = g_strdup (json_object_get_string_member (tokens, "refresh_token"));
  g_assert_nonnull (t->access);
  g_assert_nonnull (t->refresh);
}

/* ---- one cell ------------------------------------------------------------------------------ */

typedef struct {
  OutpostTestServer *srv;
  OutpostProfile    *profile;
  Tokens             tokens;
  GString           *table;
  guint              n;
} Matrix;

/* A Web API GET as this user (bearer token), the parsed JSON object. */
static JsonObject *
api_get (Matrix *m, const char *path)
{
  g_autofree char *url = g_strconcat (m->srv->api_root, path, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *bearer = g_strconcat ("Bearer ", m->tokens.access, NULL);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* $count of an escaped query such as "accounts?$filter=..." */
static gint64
api_count (Matrix *m, const char *query)
{
  g_autofree char *path = g_strconcat (query, strchr (query, '?') ? "&" : "?", "$count=true&$top=1", NULL);
  g_autoptr(JsonObject) answer = api_get (m, path);

  return json_object_get_int_member (answer, "@odata.count");
}

/* The ids of the first @n active contacts. */
static GStrv
contact_ids (Matrix *m, guint n)
{
  g_autofree char *path = g_strdup_printf ("contacts?$select=contactid&$orderby=contactid&$top=%u&$filter=statecode%%20eq%%200", n);
  g_autoptr(JsonObject) answer = api_get (m, path);
  JsonArray *value = json_object_get_array_member (answer, "value");
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < json_array_get_length (value); i++)
    g_strv_builder_add (b, json_object_get_string_member (json_array_get_object_element (value, i), "contactid"));
  return g_strv_builder_end (b);
}

typedef struct {
  char              *db_path;
  OutpostSyncEngine *engine;
  OutpostStore      *store;
  char              *tag;
  char              *account, *contact, *email, *updated, *other;
  GPtrArray         *problems;   /* char*; empty = pass */
} Cell;

static void
cell_clear (Cell *c)
{
  g_clear_object (&c->store);
  g_clear_object (&c->engine);
  g_free (c->db_path);
  g_free (c->tag);
  g_free (c->account);
  g_free (c->contact);
  g_free (c->email);
  g_free (c->updated);
  g_free (c->other);
  g_ptr_array_unref (c->problems);
}

G_GNUC_PRINTF (2, 3) static void
problem (Cell *c, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (c->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

static OutpostSyncResult *
run_sync (Cell *c, OutpostSyncKind kind, GError **error)
{
  OutpostSyncOptions options = { kind };
  return outpost_sync_engine_run (c->engine, &options, NULL, error);
}

static char *
create (Cell *c, const char *entity, const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;
  char *id = outpost_store_create (c->store, entity, json_node_get_object (node), &error);

  g_assert_no_error (error);
  return id;
}

static void
update (Cell *c, const char *entity, const char *id, const char *field, const char *value)
{
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (changes, field, value);
  g_assert_true (outpost_store_update (c->store, entity, id, changes, &error));
  g_assert_no_error (error);
}

/* A new engine on the cell's database, as after a restart of the app. Its connector's sessions
 * take @timeout (a pooled session keeps the timeout it was made with, hence a new engine). */
static void
new_engine (Matrix *m, Cell *c, guint timeout)
{
  g_autoptr(OutpostAuthProvider) auth = outpost_auth_bearer_new (m->tokens.access, refresh_token, &m->tokens, NULL);
  OutpostDataverseConnector *connector;

  g_clear_object (&c->engine);
  c->engine = outpost_sync_engine_new (c->tag, m->srv->base_url, auth, m->profile, c->db_path);
  connector = OUTPOST_DATAVERSE_CONNECTOR (outpost_sync_engine_get_connector (c->engine));
  outpost_dataverse_connector_set_retry (connector, 2, 200);
  outpost_dataverse_connector_set_timeout (connector, timeout);
}

static void
cell_open (Matrix *m, Cell *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) first = NULL;

  c->problems = g_ptr_array_new_with_free_func (g_free);
  c->tag = g_strdup_printf ("fm%u", m->n);
  c->db_path = g_strdup_printf ("%s/client/%s.db", m->srv->dir, c->tag);
  new_engine (m, c, 20);
  first = run_sync (c, OUTPOST_SYNC_FULL, &error);
  g_assert_no_error (error);
  c->store = outpost_store_open (c->db_path, m->profile, &error);
  g_assert_no_error (error);
}

/* Local edits of every kind the phases carry, and another user's edit on the server. */
static void
cell_edit (Matrix *m, Cell *c)
{
  g_auto(GStrv) contacts = contact_ids (m, 2 + m->n);
  g_autofree char *json = NULL, *body = NULL, *path = NULL;

  g_assert_cmpuint (g_strv_length (contacts), ==, 2 + m->n);
  json = g_strdup_printf ("{\"name\":\"Matrix %s\",\"accountnumber\":\"%s\"}", c->tag, c->tag);
  c->account = create (c, "account", json);
  g_free (json);
  json = g_strdup_printf ("{\"lastname\":\"%s\",\"parentcustomerid\":\"%s\",\"parentcustomerid@target\":\"account\"}",
                          c->tag, c->account);
  c->contact = create (c, "contact", json);
  g_free (json);
  json = g_strdup_printf ("{\"subject\":\"Matrix %s\",\"description\":\"composed offline\","
                          "\"torecipients\":\"matrix@example.com\"}", c->tag);   /* SendEmail needs a To */
  c->email = create (c, "email", json);
  g_assert_true (outpost_store_email_mark_send (c->store, c->email, NULL));
  /* distinct rows per cell: a cell's edits never meet an earlier cell's */
  c->updated = g_strdup (contacts[m->n]);
  c->other = g_strdup (contacts[m->n + 1]);
  body = g_strdup_printf ("job %s", c->tag);
  update (c, "contact", c->updated, "jobtitle", body);
  g_free (body);
  body = g_strdup_printf ("{\"jobtitle\":\"other %s\"}", c->tag);
  path = g_strdup_printf ("records/contacts/%s", c->other);
  g_assert_cmpuint (outpost_test_server_admin (m->srv, "PATCH", path, body, NULL), ==, 200);
}

static gint64
server_count (Matrix *m, const char *set, const char *filter)
{
  g_autofree char *q = g_strdup_printf ("%s?$filter=%s", set, filter);
  g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);

  return api_count (m, escaped);
}

static JsonObject *
server_row (Matrix *m, const char *set, const char *id)
{
  g_autofree char *path = g_strdup_printf ("records/%s/%s", set, id);
  g_autoptr(JsonNode) node = NULL;

  if (outpost_test_server_admin (m->srv, "GET", path, NULL, &node) != 200 || node == NULL)
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static char *
integrity (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result ? result : g_strdup ("(could not run)");
}

/* Every edit on the server exactly once. */
static void
check_server (Matrix *m, Cell *c)
{
  g_autofree char *filter = g_strdup_printf ("accountnumber eq '%s'", c->tag);
  g_autofree char *cfilter = g_strdup_printf ("lastname eq '%s'", c->tag);
  g_autofree char *job = g_strdup_printf ("job %s", c->tag);
  g_autoptr(JsonObject) contact = server_row (m, "contacts", c->contact);
  g_autoptr(JsonObject) updated = server_row (m, "contacts", c->updated);
  g_autoptr(JsonObject) email = server_row (m, "emails", c->email);
  g_autofree char *send_path = g_strdup_printf ("emails(%s)/Microsoft.Dynamics.CRM.SendEmail", c->email);
  guint sends = outpost_test_server_logged (m->srv, send_path, " 200");
  gint64 n;

  if ((n = server_count (m, "accounts", filter)) != 1)
    problem (c, "account %s x%" G_GINT64_FORMAT " on the server", c->tag, n);
  if ((n = server_count (m, "contacts", cfilter)) != 1)
    problem (c, "contact %s x%" G_GINT64_FORMAT " on the server", c->tag, n);
  if (contact && g_strcmp0 (json_object_get_string_member_with_default (contact, "_parentcustomerid_value", NULL), c->account) != 0)
    problem (c, "contact %s lost its parent", c->tag);
  if (!updated || g_strcmp0 (json_object_get_string_member_with_default (updated, "jobtitle", NULL), job) != 0)
    problem (c, "the update of contact %s is lost", c->updated);
  if (!email || json_object_get_int_member_with_default (email, "statecode", 0) != 1)
    problem (c, "email %s not sent", c->email);
  if (sends != 1)
    problem (c, "email %s sent %u times (SendEmail applied by the server)", c->email, sends);
}

/* The store equals the server: nothing pending, every table's count, the other user's edit. */
static void
check_store (Matrix *m, Cell *c)
{
  g_autofree char *other = g_strdup_printf ("other %s", c->tag);
  g_autofree char *check = integrity (c->db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) rec = NULL;
  g_autoptr(GPtrArray) marked = outpost_store_email_list_marked (c->store, NULL);
  gint64 n;

  if ((n = outpost_store_count_unsynced (c->store, NULL, &error)) != 0)
    problem (c, "%" G_GINT64_FORMAT " rows unsynced", n);
  if (marked == NULL || marked->len != 0)
    problem (c, "%u emails still marked for sending", marked ? marked->len : 0);
  for (guint i = 0; i < outpost_profile_get_n_entities (m->profile); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (m->profile, i);
      g_autofree char *q = e->filter ? g_strdup_printf ("%s?$filter=%s", e->entity_set, e->filter)
                                     : g_strdup (e->entity_set);
      g_autofree char *escaped = g_uri_escape_string (q, "?=$/", FALSE);
      gint64 local = outpost_store_count (c->store, e->logical_name, NULL, NULL);
      gint64 remote = api_count (m, escaped);

      if (local != remote)
        problem (c, "%s: %" G_GINT64_FORMAT " in the store, %" G_GINT64_FORMAT " on the server",
                 e->logical_name, local, remote);
    }
  rec = outpost_store_get (c->store, "contact", c->other, NULL);
  if (!rec || g_strcmp0 (json_object_get_string_member_with_default (rec->values, "jobtitle", NULL), other) != 0)
    problem (c, "the other user's edit of contact %s is not in the store", c->other);
  if (g_strcmp0 (check, "ok") != 0)
    problem (c, "integrity_check: %s", check);
}

/* A sync that went on with a change refused (a SendEmail the server did not accept) says so in
 * its sync log, the list the window shows. */
static void
check_refused (Cell *c, OutpostSyncResult *r)
{
  g_autoptr(GPtrArray) lines = outpost_store_list_run_messages (c->store, r->run_id, NULL);
  gboolean found = FALSE;

  for (guint i = 0; lines && i < lines->len; i++)
    found |= strstr (g_ptr_array_index (lines, i), "could not be sent") != NULL;
  if (!found)
    problem (c, "%" G_GINT64_FORMAT " change(s) refused but the sync log does not say which", r->errors);
}

/* A failed sync says what happened: the fault's error code, a message, a failed run logged. */
static void
check_message (Cell *c, const Fault *fault, OutpostSyncResult *r, GError *error)
{
  g_autoptr(GPtrArray) runs = outpost_store_list_runs (c->store, 3, NULL);
  OutpostSyncRun *failed = NULL;

  if (r != NULL && r->errors > 0)
    check_refused (c, r);
  if (error == NULL)
    return;
  if (error->domain != OUTPOST_SYNC_ERROR || error->code != fault->error_code)
    problem (c, "error %s %d, expected code %d", g_quark_to_string (error->domain), error->code, fault->error_code);
  if (error->message == NULL || strstr (error->message, fault->says) == NULL)
    problem (c, "the message does not say \"%s\": %s", fault->says, error->message);
  for (guint i = 0; runs && i < runs->len && failed == NULL; i++)
    if (g_strcmp0 (((OutpostSyncRun *) g_ptr_array_index (runs, i))->status, "failed") == 0)
      failed = g_ptr_array_index (runs, i);
  if (failed == NULL || g_strcmp0 (failed->message, error->message) != 0)
    problem (c, "the sync log has no failed run with the message");
}

static void
arm (Matrix *m, const Fault *fault, const Phase *phase, Cell *c)
{
  g_autofree char *json = NULL;
  g_autofree char *metadata = g_strconcat (c->db_path, ".metadata.json", NULL);

  if (strcmp (phase->name, "metadata") == 0)
    g_unlink (metadata);   /* cached metadata would skip the phase */
  g_assert_cmpuint (outpost_test_server_admin (m->srv, "DELETE", "requests", NULL, NULL), ==, 200);
  if (fault->spec == NULL)
    {
      g_assert_cmpuint (outpost_test_server_admin (m->srv, "POST", "expire-delta-tokens", "{}", NULL), ==, 200);
      return;
    }
  json = g_strdup_printf ("{%s,\"path_prefix\":\"%s\",\"method\":\"%s\"}", fault->spec,
                          phase->path_prefix, phase->method);
  outpost_test_server_add_fault (m->srv, json);
}

/* The fault met the phase: it fired, or (expired delta token) a delta request got 410 and a
 * full download followed. */
static gint64
check_fired (Matrix *m, Cell *c, const Fault *fault, OutpostSyncResult *r)
{
  gint64 n;

  if (fault->spec != NULL)
    n = outpost_test_server_faults_fired (m->srv);
  else
    n = outpost_test_server_logged (m->srv, "GET " API "contacts", " 400");   /* "Version stamp ... expired" */
  if (n == 0)
    problem (c, "the fault never met the phase");
  return n;
}

static void
run_cell (Matrix *m, const Fault *fault, const Phase *phase)
{
  Cell c = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  g_autofree char *outcome = NULL;
  guint refreshes;
  gint64 n_fired;
  gboolean converged = FALSE;

  m->n++;
  cell_open (m, &c);
  cell_edit (m, &c);
  arm (m, fault, phase, &c);
  refreshes = m->tokens.refreshes;
  if (fault->spec && strstr (fault->spec, "latency"))
    new_engine (m, &c, TIMEOUT_S);
  r = run_sync (&c, phase->kind, &error);
  if (fault->spec && strstr (fault->spec, "latency"))
    new_engine (m, &c, 20);
  n_fired = check_fired (m, &c, fault, r);
  /* an expired token (access or delta) is the connector's and the engine's to absorb */
  if (error && (fault->spec == NULL || fault->error_code == OUTPOST_SYNC_ERROR_AUTH))
    problem (&c, "the sync failed instead of renewing: %s", error->message);
  check_message (&c, fault, r, error);
  if (fault->spec && strstr (fault->spec, "401") && m->tokens.refreshes != refreshes + 1)
    problem (&c, "%u token refreshes, expected 1", m->tokens.refreshes - refreshes);
  if (error)
    outcome = g_strdup_printf ("failed: %s", error->message);
  else if (r->errors)
    outcome = g_strdup_printf ("succeeded, %" G_GINT64_FORMAT " change(s) refused (in the sync log)", r->errors);
  else
    outcome = g_strdup ("succeeded");
  outpost_test_server_clear_faults (m->srv);
  for (guint i = 0; i < 4 && !converged; i++)
    {
      g_autoptr(GError) again_error = NULL;
      g_autoptr(OutpostSyncResult) again = run_sync (&c, OUTPOST_SYNC_INCREMENTAL, &again_error);
      converged = again != NULL;
      if (again_error)
        g_test_message ("retry sync failed: %s", again_error->message);
    }
  if (!converged)
    problem (&c, "no sync succeeded after the fault was cleared");
  check_server (m, &c);
  check_store (m, &c);
  for (guint i = 0; i < c.problems->len; i++)
    g_test_message ("%s during %s: %s", fault->name, phase->name, (char *) g_ptr_array_index (c.problems, i));
  g_string_append_printf (m->table, "| %-19s | %-12s | %-4s | %5" G_GINT64_FORMAT " | %s |\n", fault->name,
                          phase->name, c.problems->len ? "FAIL" : "pass", n_fired, outcome);
  if (c.problems->len)
    g_test_fail_printf ("%s during %s: %s", fault->name, phase->name, (char *) g_ptr_array_index (c.problems, 0));
  cell_clear (&c);
}

typedef struct {
  Matrix      *m;
  const Fault *fault;
  const Phase *phase;
} CellArgs;

static void
test_cell (gconstpointer data)
{
  const CellArgs *a = data;

  if (a->fault->spec == NULL && strcmp (a->phase->name, "delta page") != 0)
    {
      /* not a cell that can exist: only a delta request carries a delta token */
      g_string_append_printf (a->m->table, "| %-19s | %-12s | n/a  |     - | only a delta request carries a delta token |\n",
                              a->fault->name, a->phase->name);
      g_test_skip ("only a delta request carries a delta token");
      return;
    }
  run_cell (a->m, a->fault, a->phase);
}

int
main (int argc, char **argv)
{
  Matrix m = { 0 };
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_test_init (&argc, &argv, NULL);
  m.table = g_string_new (NULL);
  for (guint f = 0; f < G_N_ELEMENTS (faults); f++)
    for (guint p = 0; p < G_N_ELEMENTS (phases); p++)
      {
        CellArgs *a = g_new (CellArgs, 1);
        char *path = g_strdup_printf ("/fault-matrix/%s/%s", faults[f].name, phases[p].name);

        *a = (CellArgs) { &m, &faults[f], &phases[p] };
        g_strdelimit (path + 1, " ", '-');
        g_ptr_array_add (args, a);
        g_ptr_array_add (paths, path);
        g_test_add_data_func (path, a, test_cell);
      }
  m.srv = outpost_test_server_start ("accounts=30,contacts=120,emails=5", "oauth");
  m.profile = outpost_test_profile ();
  sign_in (m.srv, &m.tokens);
  status = g_test_run ();
  /* the matrix as a table: one row per cell, what the user saw when the first sync failed */
  g_print ("# | fault               | phase        | cell | fired | first sync (what the user sees) |\n");
  g_print ("# |---|---|---|---|---|\n");
  {
    g_auto(GStrv) rows = g_strsplit (m.table->str, "\n", -1);
    for (guint i = 0; rows[i] && *rows[i]; i++)
      g_print ("# %s\n", rows[i]);
  }
  g_string_free (m.table, TRUE);
  g_clear_pointer (&m.profile, outpost_profile_unref);
  g_clear_pointer (&m.srv, outpost_test_server_free);
  g_free (m.tokens.token_url);
  g_free (m.tokens.refresh);
  g_free (m.tokens.access);
  return status;
}

/* bench-sync.c: the sync engine's benchmark (issue 4), on loopback against outpost-server.
 *
 *   bench-sync [--accounts N] [--runs N] [--million]   (OUTPOST_SERVER must point at outpost-server)
 *   bench-sync --upload-runs N                         (only the upload row, N runs, each listed)
 *
 * Prints one table: full sync of N accounts x 20 fields (records/s end to end, peak RSS) with
 * the in-process floor (json-glib parse + prepared INSERT of the same pages) and the ratio;
 * nothing-changed incremental sync over the default profile's entities (wall time, requests);
 * upload of 10k local edits (records/s, requests); with --million, the peak RSS of a full sync
 * of 1M accounts. Each measurement runs in its own child process so peak RSS is its own.
 * CPU seconds of the client and of the server (which shares the machine) are shown apart;
 * --runs N repeats the full sync and the floor N times, alternating, and shows the medians. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "outpost-store-sync.h"
#include "outpost-sync-engine.h"

#define FIELDS 20

/* ---- helpers ------------------------------------------------------------------------------- */

static gint64
status_kb (const char *key)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (p = strstr (status, key)) == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

static gint64
peak_rss_kb (void)
{
  return status_kb ("VmHWM:");
}

/* CPU seconds (user + system) this process used so far. */
static double
self_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds (user + system) of another process (the server), from /proc. */
static double
process_cpu (GSubprocess *process)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (process));
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after = strrchr (stat, ')')) == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", 0);   /* fields[0] is field 3 (state) */
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

typedef struct {
  GSubprocess *process;
  char        *url;
  char        *dir;
} Server;

static Server *
server_start (const char *seed)
{
  Server *s = g_new0 (Server, 1);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *log = NULL, *data = NULL, *contents = NULL;
  g_autoptr(GError) error = NULL;
  char *nl = NULL;

  s->dir = g_dir_make_tmp ("outpost-bench-XXXXXX", &error);
  g_assert_no_error (error);
  log = g_build_filename (s->dir, "server.log", NULL);
  data = g_build_filename (s->dir, "server", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  s->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("OUTPOST_SERVER"),
                                            "--listen", "127.0.0.1:0", "--data", data,
                                            "--seed", seed, NULL);
  g_assert_no_error (error);
  while (nl == NULL)
    {
      g_clear_pointer (&contents, g_free);
      if (g_file_get_contents (log, &contents, NULL, NULL))
        nl = strchr (contents, '\n');
      if (nl == NULL)
        {
          g_assert_nonnull (g_subprocess_get_identifier (s->process));
          g_usleep (100000);
        }
    }
  *nl = '\0';
  s->url = g_strdup (contents);
  return s;
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
server_stop (Server *s)
{
  g_subprocess_send_signal (s->process, SIGTERM);
  g_subprocess_wait (s->process, NULL, NULL);
  g_object_unref (s->process);
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->url);
  g_free (s);
}

/* The account table with 20 fields and no filter, from the default profile. */
static OutpostProfile *
bench_profile (void)
{
  static const char *const skip[] = { "address1_stateorprovince", "telephone2", "address1_line2",
                                      "createdon", "modifiedon", "ownerid", NULL };
  g_autoptr(OutpostProfile) def = outpost_profile_new_default (NULL);
  g_autofree char *json = outpost_profile_to_json (def);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *account = NULL;
  JsonArray *entities, *fields, *kept = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *out = NULL;

  json_parser_load_from_data (parser, json, -1, NULL);
  root = json_node_get_object (json_parser_get_root (parser));
  entities = json_object_get_array_member (root, "entities");
  for (guint i = 0; i < json_array_get_length (entities); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (entities, i), "logical_name"), "account"))
      account = json_array_get_object_element (entities, i);
  fields = json_object_get_array_member (account, "fields");
  for (guint i = 0; i < json_array_get_length (fields) && json_array_get_length (kept) < FIELDS; i++)
    {
      JsonObject *fo = json_array_get_object_element (fields, i);
      if (!g_strv_contains (skip, json_object_get_string_member (fo, "name")))
        json_array_add_object_element (kept, json_object_ref (fo));
    }
  json_object_set_array_member (account, "fields", kept);
  json_object_remove_member (account, "filter");
  {
    JsonArray *only = json_array_new ();
    json_array_add_object_element (only, json_object_ref (account));
    json_object_set_array_member (root, "entities", only);
    json_object_set_array_member (root, "relationships", json_array_new ());
  }
  node = json_node_init_object (json_node_alloc (), root);
  out = json_to_string (node, FALSE);
  return outpost_profile_new_from_data (out, -1, NULL);
}

/* ---- the measurements (each in a child process) ------------------------------------------- */

static OutpostSyncEngine *
engine_for (const char *url, const char *db, OutpostProfile *profile)
{
  return outpost_sync_engine_new ("bench", url, NULL, profile, db);
}

static int
child_full (const char *url, const char *db)
{
  double cpu0 = self_cpu ();
  g_autoptr(OutpostProfile) profile = bench_profile ();
  g_autoptr(OutpostSyncEngine) engine = engine_for (url, db, profile);
  OutpostSyncOptions options = { OUTPOST_SYNC_FULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = outpost_sync_engine_run (engine, &options, NULL, &error);

  if (r == NULL)
    return g_printerr ("full sync failed: %s\n", error->message), 1;
  /* RssFile: pages of the database the store maps (mmap_size) — counted in RSS, but clean
   * file pages the kernel drops under pressure; RssAnon is the process's own memory */
  g_print ("records=%" G_GINT64_FORMAT " seconds=%.3f requests=%" G_GUINT64_FORMAT " rss=%" G_GINT64_FORMAT
           " bytes=%" G_GUINT64_FORMAT " anon=%" G_GINT64_FORMAT " file=%" G_GINT64_FORMAT " cpu=%.2f\n",
           r->downloaded, r->seconds, r->requests, peak_rss_kb (), r->bytes,
           status_kb ("RssAnon:"), status_kb ("RssFile:"), self_cpu () - cpu0);
  return 0;
}

static int
child_incremental (const char *url, const char *db)
{
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (NULL);
  g_autoptr(OutpostSyncEngine) engine = engine_for (url, db, profile);
  OutpostSyncOptions options = { OUTPOST_SYNC_INCREMENTAL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) first = outpost_sync_engine_run (engine, &options, NULL, &error);
  g_autoptr(OutpostSyncResult) r = NULL;
  gint64 start;
  double wall;

  if (first == NULL)
    return g_printerr ("first sync failed: %s\n", error->message), 1;
  start = g_get_monotonic_time ();
  r = outpost_sync_engine_run (engine, &options, NULL, &error);
  wall = (g_get_monotonic_time () - start) / 1e6;
  if (r == NULL)
    return g_printerr ("incremental sync failed: %s\n", error->message), 1;
  /* an N:N relationship's intersect table has no change tracking: its link set is one request
   * of its own each sync, so it counts as a table beside the entities */
  g_print ("seconds=%.4f requests=%" G_GUINT64_FORMAT " entities=%u relationships=%u downloaded=%" G_GINT64_FORMAT "\n",
           wall, r->requests, outpost_profile_get_n_entities (profile),
           outpost_profile_get_relationships (profile)->len, r->downloaded);
  return 0;
}

static int
child_upload (const char *url, const char *db, guint n)
{
  g_autoptr(OutpostProfile) profile = bench_profile ();
  g_autoptr(OutpostSyncEngine) engine = engine_for (url, db, profile);
  g_autoptr(OutpostStore) store = NULL;
  OutpostSyncOptions options = { OUTPOST_SYNC_UPLOAD_ONLY };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostSyncResult) r = NULL;
  OutpostQuery q = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  double cpu0;
  g_autoptr(OutpostProfile) refined = NULL;

  /* the store the engine uses was opened with the refined profile: use the same */
  {
    OutpostSyncOptions noop = { OUTPOST_SYNC_UPLOAD_ONLY };
    g_autoptr(OutpostSyncResult) warm = outpost_sync_engine_run (engine, &noop, NULL, &error);
    if (warm == NULL)
      return g_printerr ("connect failed: %s\n", error->message), 1;
  }
  store = outpost_store_open (db, profile, &error);
  if (store == NULL)
    return g_printerr ("%s\n", error->message), 1;
  q.limit = n;
  q.sort_field = "name";
  rows = outpost_store_query (store, "account", &q, &error);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autofree char *phone = g_strdup_printf ("+1 555 %06u", i);
      json_object_set_string_member (changes, "telephone1", phone);
      if (!outpost_store_update (store, "account", ((OutpostRecord *) g_ptr_array_index (rows, i))->id, changes, &error))
        return g_printerr ("%s\n", error->message), 1;
    }
  g_clear_object (&store);
  /* for profiling only the upload: the child stops itself until a profiler attached sends SIGCONT */
  if (g_getenv ("BENCH_UPLOAD_STOP") != NULL)
    raise (SIGSTOP);
  cpu0 = self_cpu ();
  r = outpost_sync_engine_run (engine, &options, NULL, &error);
  if (r == NULL)
    return g_printerr ("upload failed: %s\n", error->message), 1;
  g_print ("records=%" G_GINT64_FORMAT " seconds=%.3f requests=%" G_GUINT64_FORMAT " errors=%" G_GINT64_FORMAT " cpu=%.2f\n",
           r->uploaded, r->seconds, r->requests, r->errors, self_cpu () - cpu0);
  return 0;
}

/* The floor: the same pages fetched first (not timed), then json-glib parse + prepared
 * INSERT of the 20 columns, one transaction per page, in one thread. */
static int
child_floor (const char *url, const char *dir)
{
  g_autoptr(OutpostProfile) profile = bench_profile ();
  OutpostEntity *e = outpost_profile_lookup_entity (profile, "account");
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GString *select = g_string_new ("accountid");
  GString *sql = g_string_new ("CREATE TABLE t (id TEXT PRIMARY KEY");
  GString *ins = g_string_new ("INSERT OR REPLACE INTO t VALUES (?");
  g_autofree char *next = NULL, *db = g_build_filename (dir, "floor.db", NULL);
  sqlite3 *conn;
  sqlite3_stmt *stmt;
  gint64 rows = 0, start;
  double cpu0;

  for (guint i = 0; i < e->fields->len; i++)
    {
      OutpostField *f = g_ptr_array_index (e->fields, i);
      g_string_append_printf (select, f->type == OUTPOST_FIELD_LOOKUP ? ",_%s_value" : ",%s", f->name);
      g_string_append_printf (sql, ", c%u", i);
      g_string_append (ins, ", ?");
    }
  g_string_append (sql, ")");
  g_string_append (ins, ")");
  next = g_strdup_printf ("%sapi/data/v9.2/accounts?$select=%s", url, select->str);
  while (next != NULL)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", next);
      g_autoptr(JsonParser) p = json_parser_new ();
      GBytes *body;
      JsonObject *root;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Prefer",
          "odata.maxpagesize=5000,odata.include-annotations=\"Microsoft.Dynamics.CRM.lookuplogicalname\"");
      body = soup_session_send_and_read (session, msg, NULL, NULL);
      g_ptr_array_add (pages, body);
      json_parser_load_from_data (p, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
      root = json_node_get_object (json_parser_get_root (p));
      g_free (next);
      next = g_strdup (json_object_get_string_member_with_default (root, "@odata.nextLink", NULL));
    }
  sqlite3_open (db, &conn);
  sqlite3_exec (conn, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
  sqlite3_exec (conn, sql->str, NULL, NULL, NULL);
  sqlite3_prepare_v2 (conn, ins->str, -1, &stmt, NULL);
  start = g_get_monotonic_time ();
  cpu0 = self_cpu ();
  for (guint i = 0; i < pages->len; i++)
    {
      g_autoptr(JsonParser) p = json_parser_new_immutable ();
      GBytes *body = g_ptr_array_index (pages, i);
      JsonArray *value;

      json_parser_load_from_data (p, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
      value = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "value");
      sqlite3_exec (conn, "BEGIN", NULL, NULL, NULL);
      for (guint r = 0; r < json_array_get_length (value); r++)
        {
          JsonObject *o = json_array_get_object_element (value, r);
          sqlite3_bind_text (stmt, 1, json_object_get_string_member (o, "accountid"), -1, SQLITE_TRANSIENT);
          for (guint c = 0; c < e->fields->len; c++)
            {
              OutpostField *f = g_ptr_array_index (e->fields, c);
              g_autofree char *key = f->type == OUTPOST_FIELD_LOOKUP ? g_strdup_printf ("_%s_value", f->name) : g_strdup (f->name);
              JsonNode *n = json_object_get_member (o, key);
              if (n == NULL || JSON_NODE_HOLDS_NULL (n))
                sqlite3_bind_null (stmt, c + 2);
              else if (json_node_get_value_type (n) == G_TYPE_STRING)
                sqlite3_bind_text (stmt, c + 2, json_node_get_string (n), -1, SQLITE_TRANSIENT);
              else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
                sqlite3_bind_double (stmt, c + 2, json_node_get_double (n));
              else
                sqlite3_bind_int64 (stmt, c + 2, json_node_get_int (n));
            }
          sqlite3_step (stmt);
          sqlite3_reset (stmt);
          rows++;
        }
      sqlite3_exec (conn, "COMMIT", NULL, NULL, NULL);
    }
  g_print ("records=%" G_GINT64_FORMAT " seconds=%.3f cpu=%.2f\n", rows,
           (g_get_monotonic_time () - start) / 1e6, self_cpu () - cpu0);
  sqlite3_finalize (stmt);
  sqlite3_close (conn);
  g_string_free (select, TRUE);
  g_string_free (sql, TRUE);
  g_string_free (ins, TRUE);
  return 0;
}

/* ---- the parent: servers, children, the table ---------------------------------------------- */

static GHashTable *
run_child (const char *const *args)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *out = NULL;
  GHashTable *kv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) words = NULL;

  g_ptr_array_add (argv, self);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  child = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (child))
    g_error ("benchmark step %s failed", args[0]);
  words = g_strsplit_set (g_strstrip (out), " \n", -1);
  for (guint i = 0; words[i]; i++)
    {
      char *eq = strchr (words[i], '=');
      if (eq != NULL)
        g_hash_table_insert (kv, g_strndup (words[i], eq - words[i]), g_strdup (eq + 1));
    }
  return kv;
}

static double
num (GHashTable *kv, const char *key)
{
  const char *v = g_hash_table_lookup (kv, key);
  return v ? g_ascii_strtod (v, NULL) : -1;
}

/* Runs a child against @server and adds the server's CPU seconds meanwhile as "server_cpu". */
static GHashTable *
run_child_on (Server *server, const char *const *args)
{
  double before = process_cpu (server->process);
  GHashTable *kv = run_child (args);

  g_hash_table_insert (kv, g_strdup ("server_cpu"),
                       g_strdup_printf ("%.2f", process_cpu (server->process) - before));
  return kv;
}

static void
remove_db (const char *db)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db, suffixes[i], NULL);
      g_unlink (path);
    }
}

static double num (GHashTable *kv, const char *key);

static gint
by_rate (gconstpointer a, gconstpointer b)
{
  GHashTable *x = *(GHashTable **) a, *y = *(GHashTable **) b;
  double rx = num (x, "records") / num (x, "seconds"), ry = num (y, "records") / num (y, "seconds");

  return rx < ry ? -1 : rx > ry;
}

/* The run with the median rate (records / seconds) of @runs. */
static GHashTable *
median_run (GPtrArray *runs)
{
  g_ptr_array_sort (runs, by_rate);
  return g_hash_table_ref (g_ptr_array_index (runs, runs->len / 2));
}

static double
load_average (void)
{
  g_autofree char *text = NULL;

  return g_file_get_contents ("/proc/loadavg", &text, NULL, NULL) ? g_ascii_strtod (text, NULL) : -1;
}

static const char *
verdict (gboolean ok)
{
  return ok ? "PASS" : "FAIL";
}

/* Only the upload of 10k edits, @runs times (each on a fresh full sync of the same server, which
 * keeps the earlier runs' edits): every run on its own line, then the median. */
static int
upload_runs (guint runs)
{
  g_autoptr(GPtrArray) ups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_autofree char *dbdir = g_dir_make_tmp ("outpost-bench-client-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dbdir, "outpost.db", NULL);
  Server *server = server_start ("accounts=10000");
  GHashTable *up;

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GHashTable) full = NULL;

      remove_db (db);
      full = run_child ((const char *const[]) { "--child-full", server->url, db, NULL });
      up = run_child_on (server, (const char *const[]) { "--child-upload", server->url, db, "10000", NULL });
      g_print ("run %u: %.0f records/s (%.0f records, %.2f s, %.0f requests, %.0f errors; CPU client %.2f s, server %.2f s; load %.2f)\n",
               i + 1, num (up, "records") / num (up, "seconds"), num (up, "records"), num (up, "seconds"),
               num (up, "requests"), num (up, "errors"), num (up, "cpu"), num (up, "server_cpu"), load_average ());
      g_ptr_array_add (ups, up);
    }
  server_stop (server);
  rm_rf (dbdir);
  up = median_run (ups);
  g_print ("median of %u: %.0f records/s (%.2f s; CPU client %.2f s, server %.2f s)\n", runs,
           num (up, "records") / num (up, "seconds"), num (up, "seconds"), num (up, "cpu"), num (up, "server_cpu"));
  g_hash_table_unref (up);
  return 0;
}

int
main (int argc, char **argv)
{
  guint n = 100000, runs = 1;
  gboolean million = FALSE;
  g_autoptr(GPtrArray) fulls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_autoptr(GPtrArray) floors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  double load_start = load_average ();
  g_autofree char *dbdir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *n_str = NULL;
  Server *big, *demo;
  g_autoptr(GHashTable) full = NULL, floor_ = NULL, incr = NULL, up = NULL, mil = NULL;
  double rate, floor_rate;

  if (argc >= 4 && g_str_equal (argv[1], "--child-full"))
    return child_full (argv[2], argv[3]);
  if (argc >= 4 && g_str_equal (argv[1], "--child-incremental"))
    return child_incremental (argv[2], argv[3]);
  if (argc >= 5 && g_str_equal (argv[1], "--child-upload"))
    return child_upload (argv[2], argv[3], (guint) g_ascii_strtoull (argv[4], NULL, 10));
  if (argc >= 4 && g_str_equal (argv[1], "--child-floor"))
    return child_floor (argv[2], argv[3]);
  if (argc >= 3 && g_str_equal (argv[1], "--upload-runs"))
    return upload_runs (MAX (1, (guint) g_ascii_strtoull (argv[2], NULL, 10)));
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--accounts") && i + 1 < argc)
        n = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--million"))
        million = TRUE;
      else if (g_str_equal (argv[i], "--runs") && i + 1 < argc)
        {
          runs = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
          runs = MAX (runs, 1);
        }
    }
  if (g_getenv ("OUTPOST_SERVER") == NULL)
    g_error ("set OUTPOST_SERVER to the outpost-server binary");

  dbdir = g_dir_make_tmp ("outpost-bench-client-XXXXXX", NULL);
  db = g_build_filename (dbdir, "outpost.db", NULL);
  seed = g_strdup_printf ("accounts=%u", n);
  n_str = g_strdup_printf ("%u", MIN (n, 10000u));
  big = server_start (seed);
  /* full sync and floor alternate, so a change in the machine's load hits both alike */
  for (guint i = 0; i < runs; i++)
    {
      g_autofree char *floor_db = g_build_filename (dbdir, "floor.db", NULL);

      remove_db (db);
      remove_db (floor_db);
      g_ptr_array_add (fulls, run_child_on (big, (const char *const[]) { "--child-full", big->url, db, NULL }));
      g_ptr_array_add (floors, run_child_on (big, (const char *const[]) { "--child-floor", big->url, dbdir, NULL }));
    }
  full = median_run (fulls);
  floor_ = median_run (floors);
  up = run_child_on (big, (const char *const[]) { "--child-upload", big->url, db, n_str, NULL });
  server_stop (big);
  demo = server_start ("demo");
  {
    g_autofree char *db2 = g_build_filename (dbdir, "demo.db", NULL);
    incr = run_child ((const char *const[]) { "--child-incremental", demo->url, db2, NULL });
  }
  server_stop (demo);
  if (million)
    {
      g_autofree char *db3 = g_build_filename (dbdir, "million.db", NULL);
      Server *m = server_start ("accounts=1000000");
      mil = run_child_on (m, (const char *const[]) { "--child-full", m->url, db3, NULL });
      server_stop (m);
    }
  rm_rf (dbdir);

  rate = num (full, "records") / num (full, "seconds");
  floor_rate = num (floor_, "records") / num (floor_, "seconds");
  g_print ("load average (1 min) %.2f at the start, %.2f at the end; %u run(s) of the full sync and the floor, medians shown\n\n",
           load_start, load_average (), runs);
  g_print ("| measurement | value | target | result |\n|---|---|---|---|\n");
  g_print ("| full sync, %u accounts x %d fields: records/s end to end | %.0f (%.2f s, %.0f requests, %.1f MB; CPU: client %.2f s, server %.2f s) | >= 20000 | %s |\n",
           n, FIELDS, rate, num (full, "seconds"), num (full, "requests"), num (full, "bytes") / 1e6,
           num (full, "cpu"), num (full, "server_cpu"), verdict (rate >= 20000));
  g_print ("| floor: json-glib parse + prepared INSERT, same pages | %.0f records/s (%.2f s, CPU %.2f s) | | |\n",
           floor_rate, num (floor_, "seconds"), num (floor_, "cpu"));
  g_print ("| ratio sync / floor | %.2f | >= 0.8 | %s |\n", rate / floor_rate, verdict (rate / floor_rate >= 0.8));
  g_print ("| full sync peak RSS (%u accounts) | %.1f MB (at the end: %.1f MB anonymous, %.1f MB mapped database file) | | |\n",
           n, num (full, "rss") / 1024, num (full, "anon") / 1024, num (full, "file") / 1024);
  g_print ("| incremental, nothing changed, %.0f default-profile entities + %.0f N:N intersect table | %.1f ms, %.0f requests | <= 100 ms, <= 1/table | %s |\n",
           num (incr, "entities"), num (incr, "relationships"), num (incr, "seconds") * 1000,
           num (incr, "requests"),
           verdict (num (incr, "seconds") <= 0.1
                    && num (incr, "requests") <= num (incr, "entities") + num (incr, "relationships")));
  g_print ("| upload of %.0f local edits | %.0f records/s (%.2f s, %.0f requests, %.0f errors; CPU: client %.2f s, server %.2f s) | >= 5000 | %s |\n",
           num (up, "records"), num (up, "records") / num (up, "seconds"), num (up, "seconds"),
           num (up, "requests"), num (up, "errors"), num (up, "cpu"), num (up, "server_cpu"),
           verdict (num (up, "records") / num (up, "seconds") >= 5000));
  if (mil != NULL)
    g_print ("| full sync of 1M accounts: peak RSS | %.1f MB (%.0f records/s, CPU: client %.1f s, server %.1f s; at the end %.1f MB anonymous, %.1f MB mapped database file) | <= 200 MB | %s |\n",
             num (mil, "rss") / 1024, num (mil, "records") / num (mil, "seconds"), num (mil, "cpu"), num (mil, "server_cpu"),
             num (mil, "anon") / 1024, num (mil, "file") / 1024, verdict (num (mil, "rss") / 1024 <= 200));
  return 0;
}

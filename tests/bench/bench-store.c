/* bench-store: N account rows of the default profile's shape through the store API
 * (apply_server_row, as sync does, and the user create API), against a bare prepared INSERT of
 * the same rows in the same run; then FTS search and keyset paging on the synced store.
 *
 * Fairness of the bare baseline: a table with the same columns as the store's account table and
 * the GUID as PRIMARY KEY, one prepared INSERT, the same connection settings as the store (WAL,
 * synchronous=NORMAL, page cache, mmap), the same transaction size. Rows are generated
 * deterministically, one batch at a time, outside the timed sections (memory stays flat).
 *
 * Usage: bench-store [rows [phases]]: rows default 1000000; phases (for profiling one part) is a
 * comma list of bare,floor,sync,resync,bulk,user,read (default all); resync and read need sync;
 * "floor" is the second baseline (bare INSERTs into the store's own schema, see floor_insert).
 * "bulk" is apply_server_row between outpost_store_begin_bulk and end_bulk, end_bulk (index
 * builds) included in the time. Paging is
 * measured on each of the account's sort columns (OutpostEntity.sort_columns, from the
 * profile). Not part of the test suite.
 *
 * BENCH_KEEP_BULK / BENCH_KEEP_SYNC keep the bulk-loaded / synced store (their paths are printed);
 * BENCH_READ_DB=<kept store> with phases "read" measures search and paging on it without
 * loading one again. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "outpost-store-private.h"   /* outpost_store_search_segments */

#define BATCH 5000

static const char *const words[] = {
  "alpine", "harbor", "cedar", "summit", "river", "granite", "meadow", "falcon", "willow", "orbit",
  "prairie", "beacon", "canyon", "delta", "ember", "fjord", "glacier", "horizon", "island", "juniper",
  "kestrel", "lagoon", "mesa", "nimbus", "oasis", "pioneer", "quartz", "redwood", "sierra", "tundra",
};
static const char *const cities[] = { "Oslo", "Bern", "Lyon", "Porto", "Graz", "Turku", "Ghent", "Cork" };

/* Deterministic row i: "<word> <word> <i> Ltd" (900 word pairs), one of 8 cities, an e-mail
 * at one of 900 domains "<word><word>.com"; every row shares "com", "info", "ltd", "47", "555".
 * The number of distinct terms sharing a prefix matters to FTS5 (a prefix query merges all of
 * them): here about 31 per word, as for words of a natural vocabulary. (An earlier version gave
 * every row its own domain "<word><word><i % 977>", 29,000 terms per word prefix: 4+ character
 * prefix searches then took 20-130 ms on 1M rows.) */
static JsonObject *
make_row (guint i, char **id)
{
  JsonObject *o = json_object_new ();
  guint32 h = g_int_hash (&i) * 2654435761u;
  const char *w1 = words[h % 30], *w2 = words[(h / 30) % 30];
  g_autofree char *name = g_strdup_printf ("%s %s %u Ltd", w1, w2, i);
  g_autofree char *mail = g_strdup_printf ("info@%s%s.com", w1, w2);

  *id = g_strdup_printf ("%08x-%04x-4%03x-8%03x-%012x", h, i & 0xffff, (i >> 4) & 0xfff, h & 0xfff, i);
  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "accountnumber", *id + 24);
  json_object_set_string_member (o, "telephone1", "+47 555 0100");
  json_object_set_string_member (o, "emailaddress1", mail);
  json_object_set_string_member (o, "websiteurl", "https://example.com");
  json_object_set_string_member (o, "address1_line1", "Main Street 1");
  json_object_set_string_member (o, "address1_city", cities[h % 8]);
  json_object_set_string_member (o, "address1_postalcode", "0150");
  json_object_set_string_member (o, "address1_country", "Norway");
  json_object_set_int_member (o, "industrycode", 7);
  json_object_set_double_member (o, "revenue", (h % 100000) * 10.5);
  json_object_set_int_member (o, "numberofemployees", h % 5000);
  json_object_set_string_member (o, "description", "A customer of long standing.");
  json_object_set_boolean_member (o, "creditonhold", FALSE);
  json_object_set_int_member (o, "statecode", 0);
  json_object_set_int_member (o, "statuscode", 1);
  json_object_set_string_member (o, "modifiedon", "2024-05-01T10:00:00Z");
  return o;
}

typedef struct {
  guint       first;
  guint       n;
  JsonObject *rows[BATCH];
  char       *ids[BATCH];
} Batch;

/* Fills @b with rows first .. first+n-1; @user drops the fields a user cannot set. */
static void
batch_fill (Batch *b, guint first, guint n, gboolean user)
{
  b->first = first;
  b->n = n;
  for (guint k = 0; k < n; k++)
    {
      b->rows[k] = make_row (first + k, &b->ids[k]);
      if (user)
        {
          json_object_remove_member (b->rows[k], "modifiedon");
          json_object_remove_member (b->rows[k], "statecode");
        }
    }
}

static void
batch_clear (Batch *b)
{
  for (guint k = 0; k < b->n; k++)
    {
      json_object_unref (b->rows[k]);
      g_free (b->ids[k]);
    }
  b->n = 0;
}

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU seconds of this process: the machine may be shared, wall time then overstates costs */
static gdouble
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
  gdouble wall, cpu;   /* rows per second */
} Rate;

typedef struct {
  gdouble wall, cpu, wall0, cpu0;
} Spent;

static void
spent_start (Spent *s)
{
  s->wall0 = now_s ();
  s->cpu0 = cpu_s ();
}

static void
spent_stop (Spent *s)
{
  s->wall += now_s () - s->wall0;
  s->cpu += cpu_s () - s->cpu0;
}

static Rate
rate_of (guint n, Spent *s)
{
  return (Rate) { n / s->wall, n / s->cpu };
}

/* ---- bare baseline ------------------------------------------------------------------------------ */

static void
bare_bind (sqlite3_stmt *st, int idx, JsonNode *v)
{
  GType t;

  if (v == NULL)
    {
      sqlite3_bind_null (st, idx);
      return;
    }
  t = json_node_get_value_type (v);
  if (t == G_TYPE_STRING)
    sqlite3_bind_text (st, idx, json_node_get_string (v), -1, SQLITE_STATIC);
  else if (t == G_TYPE_DOUBLE)
    sqlite3_bind_double (st, idx, json_node_get_double (v));
  else if (t == G_TYPE_BOOLEAN)
    sqlite3_bind_int (st, idx, json_node_get_boolean (v));
  else
    sqlite3_bind_int64 (st, idx, json_node_get_int (v));
}

static sqlite3_stmt *
bare_open (const char *path, OutpostEntity *e, sqlite3 **db)
{
  g_autoptr(GString) sql = g_string_new ("CREATE TABLE plain (id TEXT PRIMARY KEY, etag TEXT,"
                                         " state INTEGER, issues INTEGER, generation INTEGER, base TEXT");
  g_autoptr(GString) ins = g_string_new ("INSERT INTO plain VALUES (?,?,?,?,?,?");
  sqlite3_stmt *st;

  for (guint c = 0; c < e->fields->len; c++)
    {
      OutpostField *f = e->fields->pdata[c];
      g_string_append_printf (sql, ", \"%s\"", f->name);
      g_string_append (ins, ",?");
      if (f->type == OUTPOST_FIELD_LOOKUP)
        {
          g_string_append_printf (sql, ", \"t_%s\"", f->name);
          g_string_append (ins, ",?");
        }
    }
  g_string_append (sql, ")");
  g_string_append (ins, ")");
  sqlite3_open (path, db);
  sqlite3_exec (*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456", NULL, NULL, NULL);
  if (sqlite3_exec (*db, sql->str, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (*db, ins->str, -1, &st, NULL) != SQLITE_OK)
    g_error ("bare: %s", sqlite3_errmsg (*db));
  return st;
}

static void
bare_batch (sqlite3 *db, sqlite3_stmt *st, OutpostEntity *e, Batch *b)
{
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (guint k = 0; k < b->n; k++)
    {
      JsonObject *o = b->rows[k];
      int idx = 7;

      sqlite3_bind_text (st, 1, b->ids[k], -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 2, "W/\"1\"", -1, SQLITE_STATIC);
      sqlite3_bind_int (st, 3, 0);
      sqlite3_bind_int (st, 4, 0);
      sqlite3_bind_int64 (st, 5, 1);
      sqlite3_bind_null (st, 6);
      for (guint c = 0; c < e->fields->len; c++)
        {
          OutpostField *f = e->fields->pdata[c];
          bare_bind (st, idx++, json_object_get_member (o, f->name));
          if (f->type == OUTPOST_FIELD_LOOKUP)
            sqlite3_bind_null (st, idx++);
        }
      if (sqlite3_step (st) != SQLITE_DONE)
        g_error ("bare: %s", sqlite3_errmsg (db));
      sqlite3_reset (st);
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
}

static Rate
bare_insert (const char *path, OutpostEntity *e, guint n)
{
  sqlite3 *db;
  sqlite3_stmt *st = bare_open (path, e, &db);
  Batch *b = g_new0 (Batch, 1);
  Spent spent = { 0 };

  for (guint i = 0; i < n; i += BATCH)
    {
      batch_fill (b, i, MIN (BATCH, n - i), FALSE);
      spent_start (&spent);
      bare_batch (db, st, e, b);
      spent_stop (&spent);
      batch_clear (b);
    }
  sqlite3_finalize (st);
  sqlite3_close (db);
  g_free (b);
  return rate_of (n, &spent);
}

/* ---- second floor: bare INSERTs into the store's own schema --------------------------------------- */

/* The store's tables, indexes and FTS5 table (created by outpost_store_open, then closed), filled
 * with plain prepared INSERTs on a raw connection with the store's settings, as many rows per
 * transaction: the row (ON CONFLICT DO NOTHING, as the sync path), its FTS row and, for the user
 * path, a journal row whose JSON is made outside the timing. What remains between this floor and
 * the API is the API's own cost; between it and the plain bare insert, the index and full-text
 * maintenance the issue asks for. */
typedef struct {
  sqlite3      *db;
  sqlite3_stmt *row, *fts, *journal;
  GPtrArray    *fts_fields;   /* OutpostField* */
} Floor;

static void
floor_prepare (Floor *fl, OutpostEntity *e, gboolean user)
{
  g_autoptr(GString) cols = g_string_new ("__id, __etag, __state, __issues, __generation, __base");
  g_autoptr(GString) marks = g_string_new ("?,?,?,?,?,?");
  g_autoptr(GString) fcols = g_string_new ("rowid");
  g_autoptr(GString) fmarks = g_string_new ("?");
  g_autofree char *row = NULL, *fts = NULL;

  fl->fts_fields = g_ptr_array_new ();
  for (guint c = 0; c < e->fields->len; c++)
    {
      OutpostField *f = e->fields->pdata[c];
      g_string_append_printf (cols, ", \"%s\"", f->name);
      g_string_append (marks, ",?");
      if (f->searchable)
        {
          g_ptr_array_add (fl->fts_fields, f);
          g_string_append_printf (fcols, ", \"%s\"", f->name);
          g_string_append (fmarks, ",?");
        }
    }
  for (guint c = 0; c < e->fields->len; c++)
    if (((OutpostField *) e->fields->pdata[c])->type == OUTPOST_FIELD_LOOKUP)
      {
        g_string_append_printf (cols, ", \"__target_%s\"", ((OutpostField *) e->fields->pdata[c])->name);
        g_string_append (marks, ",?");
      }
  g_assert_cmpuint (fl->fts_fields->len, >, 0);
  row = g_strdup_printf ("INSERT INTO \"e_%s\" (%s) VALUES (%s)%s", e->logical_name, cols->str,
                         marks->str, user ? "" : " ON CONFLICT (__id) DO NOTHING");
  fts = g_strdup_printf ("INSERT INTO \"f_%s\" (%s) VALUES (%s)", e->logical_name, fcols->str, fmarks->str);
  if (sqlite3_prepare_v2 (fl->db, row, -1, &fl->row, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (fl->db, fts, -1, &fl->fts, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (fl->db, "INSERT INTO outpost_journal (op, status, entity, record_id, fields,"
                          " relationship, related_entity, related_id, created)"
                          " VALUES (?1, 0, ?2, ?3, ?4, NULL, NULL, NULL, ?5)", -1, &fl->journal, NULL) != SQLITE_OK)
    g_error ("floor: %s", sqlite3_errmsg (fl->db));
}

static void
floor_row (Floor *fl, OutpostEntity *e, const char *id, JsonObject *o, const char *journal, gboolean user)
{
  int idx = 7;

  sqlite3_bind_text (fl->row, 1, id, -1, SQLITE_STATIC);
  if (user)
    sqlite3_bind_null (fl->row, 2);
  else
    sqlite3_bind_text (fl->row, 2, "W/\"1\"", -1, SQLITE_STATIC);
  sqlite3_bind_int (fl->row, 3, user ? OUTPOST_ROW_LOCALLY_CREATED : OUTPOST_ROW_SYNCED);
  sqlite3_bind_int (fl->row, 4, 0);
  sqlite3_bind_int64 (fl->row, 5, user ? 0 : 1);
  sqlite3_bind_null (fl->row, 6);
  for (guint c = 0; c < e->fields->len; c++)
    bare_bind (fl->row, idx++, json_object_get_member (o, ((OutpostField *) e->fields->pdata[c])->name));
  for (; idx <= sqlite3_bind_parameter_count (fl->row); idx++)
    sqlite3_bind_null (fl->row, idx);   /* lookup targets: no lookup values in these rows */
  if (sqlite3_step (fl->row) != SQLITE_DONE)
    g_error ("floor: %s", sqlite3_errmsg (fl->db));
  sqlite3_reset (fl->row);
  sqlite3_bind_int64 (fl->fts, 1, sqlite3_last_insert_rowid (fl->db));
  for (guint c = 0; c < fl->fts_fields->len; c++)
    bare_bind (fl->fts, (int) c + 2, json_object_get_member (o, ((OutpostField *) fl->fts_fields->pdata[c])->name));
  if (sqlite3_step (fl->fts) != SQLITE_DONE)
    g_error ("floor: %s", sqlite3_errmsg (fl->db));
  sqlite3_reset (fl->fts);
  if (!user)
    return;
  sqlite3_bind_int (fl->journal, 1, OUTPOST_JOURNAL_CREATE);
  sqlite3_bind_text (fl->journal, 2, e->logical_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (fl->journal, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (fl->journal, 4, journal, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (fl->journal, 5, g_get_real_time () / G_USEC_PER_SEC);
  if (sqlite3_step (fl->journal) != SQLITE_DONE)
    g_error ("floor: %s", sqlite3_errmsg (fl->db));
  sqlite3_reset (fl->journal);
}

static Rate
floor_insert (const char *path, OutpostProfile *profile, OutpostEntity *e, guint n, gboolean user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostStore) store = outpost_store_open (path, profile, &error);   /* the schema */
  Batch *b = g_new0 (Batch, 1);
  char **journal = g_new0 (char *, BATCH);
  Spent spent = { 0 };
  Floor fl = { 0 };

  g_assert_no_error (error);
  g_clear_object (&store);
  sqlite3_open (path, &fl.db);
  sqlite3_exec (fl.db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;"
                " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456", NULL, NULL, NULL);
  /* BENCH_FTS_AUTOMERGE=N: FTS5's 'automerge' for this floor (experiment; the store keeps 4) */
  if (g_getenv ("BENCH_FTS_AUTOMERGE"))
    {
      g_autofree char *am = g_strdup_printf ("INSERT INTO \"f_%s\" (\"f_%s\", rank) VALUES ('automerge', %d)",
                                             e->logical_name, e->logical_name,
                                             atoi (g_getenv ("BENCH_FTS_AUTOMERGE")));
      if (sqlite3_exec (fl.db, am, NULL, NULL, NULL) != SQLITE_OK)
        g_error ("floor: %s", sqlite3_errmsg (fl.db));
    }
  floor_prepare (&fl, e, user);
  for (guint i = 0; i < n; i += BATCH)
    {
      batch_fill (b, i, MIN (BATCH, n - i), user);
      for (guint k = 0; user && k < b->n; k++)
        journal[k] = outpost_json_object_to_string (b->rows[k]);
      spent_start (&spent);
      sqlite3_exec (fl.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      for (guint k = 0; k < b->n; k++)
        floor_row (&fl, e, b->ids[k], b->rows[k], journal[k], user);
      if (sqlite3_exec (fl.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        g_error ("floor: %s", sqlite3_errmsg (fl.db));
      spent_stop (&spent);
      for (guint k = 0; k < b->n; k++)
        g_clear_pointer (&journal[k], g_free);
      batch_clear (b);
    }
  sqlite3_finalize (fl.row);
  sqlite3_finalize (fl.fts);
  sqlite3_finalize (fl.journal);
  sqlite3_close (fl.db);
  g_ptr_array_unref (fl.fts_fields);
  g_free (journal);
  g_free (b);
  return rate_of (n, &spent);
}

/* ---- through the store ------------------------------------------------------------------------------ */

/* PATH_RESYNC: the rows again with a new etag and a changed revenue (an owed full sync, or an
 * incremental sync after a mass update on the server) */
typedef enum { PATH_SYNC, PATH_USER, PATH_BULK, PATH_RESYNC } InsertPath;

static void
api_batch (OutpostStore *store, Batch *b, InsertPath path)
{
  g_autoptr(GError) error = NULL;

  if (!outpost_store_begin (store, &error))
    g_error ("%s", error->message);
  for (guint k = 0; k < b->n; k++)
    {
      if (path == PATH_USER)
        {
          g_autofree char *id = outpost_store_create (store, "account", b->rows[k], &error);
          if (id == NULL)
            g_error ("%s", error->message);
        }
      else if (path == PATH_RESYNC)
        {
          json_object_set_double_member (b->rows[k], "revenue", 1.5 * k);
          if (outpost_store_apply_server_row (store, "account", b->ids[k], b->rows[k], "W/\"2\"", 2,
                                              &error) != OUTPOST_APPLY_WRITTEN)
            g_error ("apply: %s", error ? error->message : "not written");
        }
      else if (outpost_store_apply_server_row (store, "account", b->ids[k], b->rows[k], "W/\"1\"", 1,
                                               &error) != OUTPOST_APPLY_WRITTEN)
        g_error ("apply: %s", error ? error->message : "not written");
    }
  if (!outpost_store_commit (store, &error))
    g_error ("%s", error->message);
}

static Rate
api_insert (OutpostStore *store, guint n, InsertPath path)
{
  Batch *b = g_new0 (Batch, 1);
  Spent spent = { 0 };
  g_autoptr(GError) error = NULL;

  if (path == PATH_BULK)
    {
      gboolean active = FALSE;
      spent_start (&spent);
      if (!outpost_store_begin_bulk (store, "account", &active, &error) || !active)
        g_error ("bulk: %s", error ? error->message : "not active");
      spent_stop (&spent);
    }
  for (guint i = 0; i < n; i += BATCH)
    {
      gdouble t0;
      batch_fill (b, i, MIN (BATCH, n - i), path == PATH_USER);
      t0 = now_s ();
      spent_start (&spent);
      api_batch (store, b, path);
      spent_stop (&spent);
      if (g_getenv ("BENCH_VERBOSE") && (i / BATCH) % 10 == 0)
        g_printerr ("  %u rows: batch at %.0f rows/s\n", i, b->n / (now_s () - t0));
      batch_clear (b);
    }
  if (path == PATH_BULK)
    {
      gdouble t0 = now_s (), c0 = cpu_s ();
      spent_start (&spent);
      if (!outpost_store_end_bulk (store, "account", &error))
        g_error ("bulk: %s", error->message);
      spent_stop (&spent);
      g_printerr ("  end_bulk (indexes + FTS for %u rows): %.2f s (%.2f s CPU)\n", n,
                  now_s () - t0, cpu_s () - c0);
    }
  g_free (b);
  return rate_of (n, &spent);
}

/* ---- reading ------------------------------------------------------------------------------------------ */

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static gdouble
pct (GArray *ms, guint p)
{
  g_array_sort (ms, cmp_double);
  return g_array_index (ms, gdouble, MIN (ms->len - 1, (ms->len * p + 99) / 100));
}

/* wall and CPU milliseconds per query */
static void
stats (const char *what, GArray *ms, GArray *cpu)
{
  g_print ("| %-38s | %8.2f ms | %8.2f ms | %8.2f ms | %8.2f ms | %8.2f ms |\n", what,
           pct (ms, 50), pct (ms, 95), pct (ms, 100), pct (cpu, 50), pct (cpu, 95));
}

typedef struct {
  const char *kind;
  const char *queries[4];
} QuerySet;

static const QuerySet query_sets[] = {
  { "common word", { "cedar", "oslo", "ltd", "com" } },
  { "rare word", { "123457", "cedarharbor 4711", "nimbus 999999", NULL } },
  { "two words", { "alpine harbor", "oslo willow", "bern canyon", "quartz redwood" } },
  { "prefix (3+ characters)", { "summ", "gra", "kes", "ember fjo" } },
  { "short word (whole words)", { "a", "gr", "47", NULL } },
  { "no match", { "nomatch", "zzz", "oslo nomatch", NULL } },
};

static gdouble
time_search (OutpostStore *store, const char *text, guint *n_rows, gdouble *cpu)
{
  OutpostQuery q = { .search = text, .limit = 100 };
  gdouble t0 = now_s (), c0 = cpu_s (), d;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_store_query (store, "account", &q, &error);

  d = (now_s () - t0) * 1000;
  *cpu = (cpu_s () - c0) * 1000;
  g_assert_no_error (error);
  *n_rows = rows->len;
  return d;
}

static void
bench_search (OutpostStore *store)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) all_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint s = 0; s < G_N_ELEMENTS (query_sets); s++)
    {
      g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autofree char *label = g_strdup_printf ("search: %s", query_sets[s].kind);

      for (guint r = 0; r < 5; r++)
        for (guint i = 0; i < 4 && query_sets[s].queries[i]; i++)
          {
            guint n;
            gdouble c, d = time_search (store, query_sets[s].queries[i], &n, &c);
            g_array_append_val (ms, d);
            g_array_append_val (all, d);
            g_array_append_val (cpu, c);
            g_array_append_val (all_cpu, c);
            if (r == 0)
              g_printerr ("  search '%s': %u rows on the first page, %.2f ms (%.2f ms CPU)\n",
                          query_sets[s].queries[i], n, d, c);
          }
      stats (label, ms, cpu);
    }
  stats ("search: all of the above", all, all_cpu);
}

/* The two-word searches only (before the index is tidied: the same set, measured the same way) */
static void
bench_search_two (OutpostStore *store, const char *label)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint r = 0; r < 5; r++)
    for (guint i = 0; i < 4 && query_sets[2].queries[i]; i++)
      {
        guint n;
        gdouble c, d = time_search (store, query_sets[2].queries[i], &n, &c);
        g_array_append_val (ms, d);
        g_array_append_val (cpu, c);
      }
  stats (label, ms, cpu);
}

/* outpost_store_tidy_search_index to the end, as the sync engine runs it after a sync (same
 * budget per step, without its pauses); prints the steps' time and the index's segments before and after. */
#define TIDY_BUDGET 128

static void
bench_tidy (OutpostStore *store)
{
  g_autoptr(GError) error = NULL;
  gint before = outpost_store_search_segments (store, "account", &error), after;
  gdouble t0 = now_s (), c0 = cpu_s (), longest = 0, longest_cpu = 0;
  gboolean more = TRUE;
  guint steps = 0;

  g_assert_no_error (error);
  while (more)
    {
      gdouble s0 = now_s (), sc0 = cpu_s ();
      if (!outpost_store_tidy_search_index (store, "account", TIDY_BUDGET, &more, &error))
        g_error ("tidy: %s", error->message);
      longest = MAX (longest, now_s () - s0);
      longest_cpu = MAX (longest_cpu, cpu_s () - sc0);
      steps++;
    }
  after = outpost_store_search_segments (store, "account", &error);
  g_assert_no_error (error);
  g_print ("tidy_search_index (%d pages a step): %u steps, %.2f s (%.2f s CPU), longest step %.0f ms"
           " (%.0f ms CPU); FTS segments %d -> %d\n\n", TIDY_BUDGET, steps, now_s () - t0,
           cpu_s () - c0, longest * 1000, longest_cpu * 1000, before, after);
}

/* Three small syncs (100 new rows each, one transaction each) after the tidy: the few small
 * segments they add stay (outpost_store_tidy_search_index leaves up to 4); what they cost a
 * search. */
static void
bench_small_syncs (OutpostStore *store, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  Batch *b = g_new0 (Batch, 1);
  gboolean more = FALSE;

  for (guint s = 0; s < 3; s++)
    {
      batch_fill (b, n + s * 100, 100, FALSE);
      api_batch (store, b, PATH_SYNC);
      batch_clear (b);
    }
  g_free (b);
  if (!outpost_store_tidy_search_index (store, "account", TIDY_BUDGET, &more, &error))
    g_error ("tidy: %s", error->message);
  label = g_strdup_printf ("search: 2 words, %d segments (+3 syncs)",
                           outpost_store_search_segments (store, "account", NULL));
  bench_search_two (store, label);
}

/* The two-word searches once each on a store opened just before (not timed): no prefix
 * expansion kept from an earlier search, SQLite's page cache empty (the file's pages may still
 * be in the system's cache), as for the first search after the program starts. */
static void
bench_search_fresh (const char *path, OutpostProfile *profile)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  const QuerySet *two = &query_sets[2];

  g_assert_cmpstr (two->kind, ==, "two words");
  for (guint r = 0; r < 3; r++)
    for (guint i = 0; i < 4 && two->queries[i]; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(OutpostStore) fresh = outpost_store_open (path, profile, &error);
        guint n;
        gdouble c, d;

        g_assert_no_error (error);
        d = time_search (fresh, two->queries[i], &n, &c);
        g_array_append_val (ms, d);
        g_array_append_val (cpu, c);
      }
  stats ("search: two words, just opened store", ms, cpu);
}

static void
bench_paging (OutpostStore *store, const char *sort)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *after_id = NULL;
  g_autofree char *label = g_strdup_printf ("page of 100, keyset, by %s", sort);

  for (guint p = 0; p < 200; p++)
    {
      OutpostQuery q = { .limit = 100, .sort_field = sort, .after_value = after, .after_id = after_id };
      gdouble t0 = now_s (), c0 = cpu_s (), d, c;
      g_autoptr(GPtrArray) rows = outpost_store_query (store, "account", &q, NULL);
      OutpostRecord *last;

      d = (now_s () - t0) * 1000;
      c = (cpu_s () - c0) * 1000;
      g_array_append_val (ms, d);
      g_array_append_val (cpu, c);
      if (rows->len == 0)
        break;
      last = rows->pdata[rows->len - 1];
      g_clear_pointer (&after, json_node_unref);
      after = json_node_copy (json_object_get_member (last->values, sort));
      g_free (after_id);
      after_id = g_strdup (last->id);
      /* jump into the middle every 50 pages, as a scrolled list does */
      if (p % 50 == 49)
        {
          g_clear_pointer (&after, json_node_unref);
          after = json_node_init_string (json_node_alloc (), words[p % 30]);
        }
    }
  stats (label, ms, cpu);
}

/* ---- main ------------------------------------------------------------------------------------------------ */

static void
remove_db (const char *dir, const char *name)
{
  for (const char *const *ext = (const char *const[]) { "", "-wal", "-shm", NULL }; *ext; ext++)
    {
      g_autofree char *file = g_strdup_printf ("%s%s", name, *ext);
      g_autofree char *p = g_build_filename (dir, file, NULL);
      g_unlink (p);
    }
}

static gboolean
phase (const char *phases, const char *name)
{
  g_auto(GStrv) list = g_strsplit (phases, ",", -1);
  return g_strv_contains ((const char *const *) list, name);
}

static void
print_insert (const char *what, Rate rate, Rate bare)
{
  if (rate.wall > 0)
    g_print ("| %-38s | %13.0f | %8.2f | %13.0f | %8.2f |\n", what, rate.wall, rate.wall / bare.wall,
             rate.cpu, rate.cpu / bare.cpu);
}

/* @api's ratio to the floor: 1.00 = no overhead of the API's own */
static void
print_floor (const char *what, Rate fl, Rate api)
{
  if (fl.wall > 0)
    g_print ("| %-38s | %13.0f | %13.0f | %16.2f | %16.2f |\n", what, fl.wall, fl.cpu,
             api.wall > 0 ? api.wall / fl.wall : 0, api.cpu > 0 ? api.cpu / fl.cpu : 0);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000000;
  guint n_user = MIN (n, 200000);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-bench-XXXXXX", &error);
  g_autofree char *bare = g_build_filename (dir, "bare.db", NULL);
  g_autofree char *api = g_build_filename (dir, "api.db", NULL);
  g_autofree char *user = g_build_filename (dir, "user.db", NULL);
  g_autofree char *bulk = g_build_filename (dir, "bulk.db", NULL);
  g_autofree char *floor = g_build_filename (dir, "floor.db", NULL);
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (&error);
  g_autoptr(OutpostStore) store = NULL;
  OutpostEntity *account = outpost_profile_lookup_entity (profile, "account");
  const char *phases = argc > 2 ? argv[2] : "bare,floor,sync,resync,bulk,user,read";
  Rate r_bare = { 1, 1 }, r_api = { 0 }, r_user = { 0 }, r_bulk = { 0 }, r_resync = { 0 };
  Rate f_sync = { 0 }, f_user = { 0 };
  struct rusage ru;

  g_assert_no_error (error);
  if (phase (phases, "bare"))
    r_bare = bare_insert (bare, account, n);
  remove_db (dir, "bare.db");
  /* each floor runs right before its API path: the machine's state (load, disk) is closest */
  if (phase (phases, "floor"))
    {
      f_sync = floor_insert (floor, profile, account, n, FALSE);
      remove_db (dir, "floor.db");
    }
  /* BENCH_READ_DB: read from a store kept earlier (BENCH_KEEP_BULK) instead of syncing one */
  store = outpost_store_open (g_getenv ("BENCH_READ_DB") ? g_getenv ("BENCH_READ_DB") : api, profile, &error);
  g_assert_no_error (error);
  if (phase (phases, "sync") || (phase (phases, "read") && !g_getenv ("BENCH_READ_DB")) ||
      phase (phases, "resync"))
    r_api = api_insert (store, n, PATH_SYNC);
  if (phase (phases, "resync"))
    r_resync = api_insert (store, n_user, PATH_RESYNC);
  if (phase (phases, "bulk"))
    {
      g_autoptr(OutpostStore) bstore = outpost_store_open (bulk, profile, &error);
      g_assert_no_error (error);
      r_bulk = api_insert (bstore, n, PATH_BULK);
    }
  if (g_getenv ("BENCH_KEEP_BULK"))  /* for poking at the result with sqlite3 */
    g_printerr ("  kept %s\n", bulk);
  else
    remove_db (dir, "bulk.db");
  if (phase (phases, "floor"))
    {
      f_user = floor_insert (floor, profile, account, n_user, TRUE);
      remove_db (dir, "floor.db");
    }
  if (phase (phases, "user"))
    {
      g_autoptr(OutpostStore) ustore = outpost_store_open (user, profile, &error);
      g_assert_no_error (error);
      r_user = api_insert (ustore, n_user, PATH_USER);
    }
  remove_db (dir, "user.db");
  {
    g_autofree char *sorts = g_strjoinv (", ", account->sort_columns);
    g_print ("\n%u account rows (SQLite %s, %d rows per transaction; sort indexes: %s)\n\n", n,
             sqlite3_libversion (), BATCH, sorts);
  }
  g_print ("| %-38s | %13s | %8s | %13s | %8s |\n", "insert", "rows/s", "vs bare", "rows/CPU-s",
           "vs bare");
  g_print ("|----------------------------------------|---------------|----------|---------------|----------|\n");
  print_insert ("bare prepared INSERT (same columns)", r_bare, r_bare);
  print_insert ("store apply_server_row (sync path)", r_api, r_bare);
  print_insert ("store apply_server_row, bulk load", r_bulk, r_bare);
  print_insert ("store apply_server_row, changed rows", r_resync, r_bare);
  print_insert ("store create (user path, +journal)", r_user, r_bare);
  g_print ("  (changed rows and user path measured on %u rows)\n\n", n_user);
  if (f_sync.wall > 0)
    {
      g_print ("Second floor: bare prepared INSERTs into the store's own schema (same table, indexes and\n"
               "FTS5 table; user path: + journal row, its JSON made outside the timing), no store API:\n\n");
      g_print ("| %-38s | %13s | %13s | %16s | %16s |\n", "floor", "rows/s", "rows/CPU-s",
               "API/floor wall", "API/floor CPU");
      g_print ("|----------------------------------------|---------------|---------------|------------------|------------------|\n");
      print_floor ("schema floor: row + FTS row (sync)", f_sync, r_api);
      print_floor ("schema floor: + journal row (user)", f_user, r_user);
      g_print ("  (floor vs plain bare insert: sync %.2f wall / %.2f CPU)\n\n",
               f_sync.wall / r_bare.wall, f_sync.cpu / r_bare.cpu);
    }
  g_print ("| %-38s | %11s | %11s | %11s | %11s | %11s |\n", "query", "median", "p95", "max",
           "CPU median", "CPU p95");
  g_print ("|----------------------------------------|-------------|-------------|-------------|"
           "-------------|-------------|\n");
  if (phase (phases, "read"))
    {
      /* BENCH_NO_TIDY: search the index as the row-by-row writes left it */
      bench_search_two (store, "search: two words, before tidy");
      if (!g_getenv ("BENCH_NO_TIDY"))
        {
          bench_tidy (store);
          g_print ("| %-38s | %11s | %11s | %11s | %11s | %11s |\n", "query (after tidy)", "median",
                   "p95", "max", "CPU median", "CPU p95");
          g_print ("|----------------------------------------|-------------|-------------|-------------|"
                   "-------------|-------------|\n");
        }
      bench_search (store);
      bench_search_fresh (outpost_store_get_path (store), profile);
      /* the columns lists may sort by (the profile's sort columns: each has an index) */
      for (guint i = 0; account->sort_columns[i]; i++)
        bench_paging (store, account->sort_columns[i]);
      bench_small_syncs (store, n);
    }
  g_clear_object (&store);
  if (g_getenv ("BENCH_KEEP_SYNC"))  /* a synced store for BENCH_READ_DB */
    g_printerr ("  kept %s\n", api);
  else
    remove_db (dir, "api.db");
  g_rmdir (dir);  /* fails (harmlessly) when a database was kept */
  getrusage (RUSAGE_SELF, &ru);
  g_print ("\npeak RSS: %ld MB\n", ru.ru_maxrss / 1024);
  return 0;
}

/* outpost-server-seed.c: deterministic sample data. "demo" gives a small, pleasant org;
 * "accounts=N,contacts=N,..." gives bulk data for tests and benchmarks (one transaction and one
 * prepared statement per table, so a million accounts take seconds). The same seed always gives
 * the same rows, ids included. Seeding is skipped when the data directory already has records. */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>
#include <time.h>

typedef struct {
  OsServer       *server;
  GRand          *rand;
  GRand          *extra;     /* columns added later draw from here, so older columns keep their values */
  const OsEntity *entity;
  sqlite3_stmt   *stmt;
  GPtrArray      *ids[16];   /* per entity index: ids created so far */
  gboolean        demo;
  gint64          clock;     /* seconds since 2024-01-01, advanced per row */
  GHashTable     *params;    /* column name -> parameter index of stmt */
} Seeder;

static const char *demo_companies[] = {
  "Northwind Traders", "Contoso Pharmaceuticals", "Fabrikam Robotics", "Adventure Works Cycles",
  "Alpine Ski House", "Blue Yonder Airlines", "Coho Winery", "Fourth Coffee", "Litware Systems",
  "Lucerne Publishing", "Margie's Travel", "Proseware Analytics", "Tailspin Toys", "Wide World Importers",
  "Woodgrove Bank", "Graphic Design Institute", "Humongous Insurance", "Trey Research", "Wingtip Toys",
  "City Power & Light", "Consolidated Messenger", "School of Fine Art", "Southridge Video", "VanArsdel Ltd",
};
static const char *adjectives[] = {
  "Blue", "Silver", "Granite", "Harbor", "Summit", "Cedar", "Northern", "Golden", "Pioneer", "Coastal",
  "Evergreen", "Redwood", "Lakeside", "Prairie", "Ironwood", "Maple", "Crescent", "Sterling", "Aurora", "Beacon",
};
static const char *nouns[] = {
  "Logistics", "Foods", "Analytics", "Outfitters", "Engineering", "Textiles", "Hardware", "Motors", "Energy",
  "Pharma", "Media", "Builders", "Farms", "Instruments", "Labs", "Travel", "Bakery", "Dental", "Freight", "Optics",
};
static const char *suffixes[] = { "Inc.", "Ltd", "GmbH", "LLC", "S.A.", "Group", "& Co.", "AG", "Oy", "AB" };
static const char *first_names[] = {
  "Maria", "James", "Aiko", "Lars", "Fatima", "Diego", "Olivia", "Noah", "Chen", "Priya", "Lukas", "Sofia",
  "Mateo", "Emma", "Kwame", "Ingrid", "Hiro", "Amara", "Jonas", "Lucia", "Oskar", "Nadia", "Tomasz", "Elena",
  "Rahul", "Grace", "Pierre", "Yara", "Felix", "Hannah",
};
static const char *last_names[] = {
  "Garcia", "Smith", "Tanaka", "Nilsson", "Haddad", "Fernandez", "Brown", "Müller", "Wang", "Sharma",
  "Schneider", "Rossi", "López", "Dubois", "Mensah", "Berg", "Sato", "Okafor", "Weber", "Costa", "Nowak",
  "Ivanova", "Kowalski", "Papadopoulos", "Patel", "O'Brien", "Martin", "Haddad", "Fischer", "Johansson",
};
static const struct { const char *city, *country, *phone, *state; } cities[] = {
  { "Seattle", "United States", "+1 206", "WA" }, { "Toronto", "Canada", "+1 416", "ON" },
  { "London", "United Kingdom", "+44 20", "Greater London" }, { "Berlin", "Germany", "+49 30", "Berlin" },
  { "Munich", "Germany", "+49 89", "Bavaria" }, { "Paris", "France", "+33 1", "Île-de-France" },
  { "Lyon", "France", "+33 4", "Auvergne-Rhône-Alpes" }, { "Madrid", "Spain", "+34 91", "Community of Madrid" },
  { "Milan", "Italy", "+39 02", "Lombardy" }, { "Amsterdam", "Netherlands", "+31 20", "North Holland" },
  { "Stockholm", "Sweden", "+46 8", "Stockholm County" }, { "Helsinki", "Finland", "+358 9", "Uusimaa" },
  { "Warsaw", "Poland", "+48 22", "Masovia" }, { "Vienna", "Austria", "+43 1", "Vienna" },
  { "Zurich", "Switzerland", "+41 44", "Zurich" }, { "Dublin", "Ireland", "+353 1", "County Dublin" },
  { "Tokyo", "Japan", "+81 3", "Tokyo" }, { "Sydney", "Australia", "+61 2", "NSW" },
  { "São Paulo", "Brazil", "+55 11", "SP" }, { "Cape Town", "South Africa", "+27 21", "Western Cape" },
};
static const char *streets[] = {
  "Harbour Road", "Station Street", "Market Square", "Mill Lane", "Park Avenue", "Church Street", "Riverside Drive",
  "Oak Street", "High Street", "Industrial Way",
};
static const char *job_titles[] = {
  "Purchasing Manager", "CEO", "Head of Operations", "IT Director", "Office Manager", "Sales Director",
  "Procurement Lead", "CFO", "Project Manager", "Facilities Coordinator",
};
static const char *task_subjects[] = {
  "Follow up on proposal", "Send updated price list", "Prepare quarterly business review",
  "Confirm delivery dates", "Check credit application", "Draft service contract", "Schedule product demo",
  "Collect feedback on pilot", "Update contact details", "Review open invoices",
};
static const char *call_subjects[] = {
  "Discuss contract renewal", "Introductory call", "Support escalation", "Pricing questions",
  "Check-in after installation", "Reference call",
};
static const char *appointment_subjects[] = {
  "Site visit", "Product demo", "Quarterly review", "Contract negotiation", "Training session", "Lunch meeting",
};
static const char *email_subjects[] = {
  "Your quote", "Meeting summary", "Welcome aboard", "Invoice question", "New catalogue", "Thank you for your order",
};
static const char *note_subjects[] = {
  "Meeting notes", "Call summary", "Requirements", "Signed order form", "Site photos checklist",
};

#define PICK(r, array) (array[g_rand_int_range ((r), 0, G_N_ELEMENTS (array))])
#define CHANCE(s, n) (g_rand_int_range ((s)->extra, 0, (n)) == 0)

static void
phone_number (Seeder *s, guint city, char *buf, gsize len)
{
  g_snprintf (buf, len, "%s %03d %04d", cities[city].phone, g_rand_int_range (s->extra, 100, 999),
              g_rand_int_range (s->extra, 1000, 9999));
}

static char *
seed_guid (GRand *rand)
{
  guint32 a = g_rand_int (rand), b = g_rand_int (rand), c = g_rand_int (rand), d = g_rand_int (rand);
  return g_strdup_printf ("%08x-%04x-4%03x-%04x-%04x%08x", a, b >> 16, b & 0xfff, (c >> 16 & 0x3fff) | 0x8000,
                          c & 0xffff, d);
}

/* Plain gmtime arithmetic: GDateTime per row would dominate a million-row seed. */
static char *
seed_time (Seeder *s, gint64 offset)
{
  time_t t = (time_t) (1704096000 + s->clock + offset);  /* 2024-01-01T08:00:00Z */
  struct tm tm;
  char buf[32];
  gmtime_r (&t, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return g_strdup (buf);
}

static int
entity_index (const OsEntity *e)
{
  guint n;
  const OsEntity *all = os_schema_entities (&n);
  return (int) (e - all);
}

/* Prepares an INSERT naming every column; parameters are bound by name. */
static gboolean
begin_entity (Seeder *s, const char *logical)
{
  GString *cols = g_string_new (NULL), *vals = g_string_new (NULL);
  g_autofree char *sql = NULL;

  s->entity = os_schema_by_logical (logical);
  for (const OsAttribute *a = s->entity->attrs; a->name; a++)
    {
      g_string_append_printf (cols, "%s\"%s\"", cols->len ? ", " : "", a->name);
      g_string_append_printf (vals, "%s:%s", vals->len ? ", " : "", a->name);
      if (os_type_is_lookup (a->type))
        {
          g_string_append_printf (cols, ", \"%s_t\"", a->name);
          g_string_append_printf (vals, ", :%s_t", a->name);
        }
    }
  sql = g_strdup_printf ("INSERT INTO \"%s\" (%s) VALUES (%s)", logical, cols->str, vals->str);
  g_string_free (cols, TRUE);
  g_string_free (vals, TRUE);
  if (s->ids[entity_index (s->entity)] == NULL)
    s->ids[entity_index (s->entity)] = g_ptr_array_new_with_free_func (g_free);
  if (sqlite3_prepare_v2 (s->server->db, sql, -1, &s->stmt, NULL) != SQLITE_OK)
    return FALSE;
  g_clear_pointer (&s->params, g_hash_table_unref);
  s->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 1; i <= sqlite3_bind_parameter_count (s->stmt); i++)
    g_hash_table_insert (s->params, g_strdup (sqlite3_bind_parameter_name (s->stmt, i) + 1), GINT_TO_POINTER (i));
  return TRUE;
}

static void
end_entity (Seeder *s)
{
  sqlite3_finalize (s->stmt);
  s->stmt = NULL;
}

static int
param (Seeder *s, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (s->params, name));
}

static void
set_text (Seeder *s, const char *name, const char *value)
{
  sqlite3_bind_text (s->stmt, param (s, name), value, -1, SQLITE_TRANSIENT);
}

static void
set_int (Seeder *s, const char *name, gint64 value)
{
  sqlite3_bind_int64 (s->stmt, param (s, name), value);
}

static void
set_lookup (Seeder *s, const char *name, const char *target, const char *id)
{
  char t[80];
  if (id == NULL)
    return;
  g_snprintf (t, sizeof t, "%s_t", name);
  set_text (s, name, id);
  set_text (s, t, target);
}

static const char *
random_id (Seeder *s, const char *logical)
{
  GPtrArray *ids = s->ids[entity_index (os_schema_by_logical (logical))];
  if (ids == NULL || ids->len == 0)
    return NULL;
  return g_ptr_array_index (ids, g_rand_int_range (s->rand, 0, (gint32) ids->len));
}

/* Starts a row: primary id, version, system columns. Returns the new id (owned by the seeder). */
static const char *
begin_row (Seeder *s)
{
  char *id = seed_guid (s->rand);
  g_autofree char *created = seed_time (s, 0);
  g_autofree char *modified = seed_time (s, g_rand_int_range (s->rand, 0, 86400 * 30));

  sqlite3_reset (s->stmt);
  sqlite3_clear_bindings (s->stmt);
  set_text (s, s->entity->primary_id, id);
  set_int (s, "versionnumber", os_next_version (s->server));
  set_text (s, "createdon", created);
  set_text (s, "modifiedon", modified);
  set_lookup (s, "createdby", "systemuser", OS_DEMO_USER_ID);
  set_lookup (s, "modifiedby", "systemuser", OS_DEMO_USER_ID);
  set_lookup (s, "ownerid", "systemuser", OS_DEMO_USER_ID);
  set_int (s, "statecode", 0);
  if (os_schema_attr (s->entity, "statuscode"))
    set_int (s, "statuscode", os_schema_attr (s->entity, "statuscode")->options[0].value);
  s->clock += 37;
  g_ptr_array_add (s->ids[entity_index (s->entity)], id);
  return id;
}

static gboolean
end_row (Seeder *s, GError **error)
{
  if (sqlite3_step (s->stmt) != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Seeding %s failed: %s", s->entity->logical_name,
                   sqlite3_errmsg (s->server->db));
      return FALSE;
    }
  return TRUE;
}

static void
company_name (Seeder *s, guint i, char *buf, gsize len)
{
  if (s->demo && i < G_N_ELEMENTS (demo_companies))
    g_strlcpy (buf, demo_companies[i], len);
  else
    g_snprintf (buf, len, "%s %s %s", PICK (s->rand, adjectives), PICK (s->rand, nouns), PICK (s->rand, suffixes));
}

static gboolean
seed_accounts (Seeder *s, guint count, GError **error)
{
  char name[160], buf[256];
  for (guint i = 0; i < count; i++)
    {
      guint c = (guint) g_rand_int_range (s->rand, 0, G_N_ELEMENTS (cities));
      g_autofree char *slug = NULL;
      begin_row (s);
      company_name (s, i, name, sizeof name);
      set_text (s, "name", name);
      g_snprintf (buf, sizeof buf, "ACC-%06u", i + 1);
      set_text (s, "accountnumber", buf);
      g_snprintf (buf, sizeof buf, "%s %03d %04d", cities[c].phone, g_rand_int_range (s->rand, 100, 999),
                  g_rand_int_range (s->rand, 1000, 9999));
      set_text (s, "telephone1", buf);
      slug = g_ascii_strdown (name, -1);
      for (char *p = slug; *p; p++)
        if (!g_ascii_isalnum (*p))
          *p = '-';
      g_snprintf (buf, sizeof buf, "https://www.%.40s.example", slug);
      set_text (s, "websiteurl", buf);
      g_snprintf (buf, sizeof buf, "info@%.40s.example", slug);
      set_text (s, "emailaddress1", buf);
      g_snprintf (buf, sizeof buf, "%d %s Street", g_rand_int_range (s->rand, 1, 300), PICK (s->rand, adjectives));
      set_text (s, "address1_line1", buf);
      set_text (s, "address1_city", cities[c].city);
      g_snprintf (buf, sizeof buf, "%05d", g_rand_int_range (s->rand, 1000, 99999));
      set_text (s, "address1_postalcode", buf);
      set_text (s, "address1_country", cities[c].country);
      set_int (s, "industrycode", g_rand_int_range (s->rand, 1, 34));
      set_int (s, "accountcategorycode", g_rand_int_range (s->rand, 1, 3));
      sqlite3_bind_double (s->stmt, param (s, "revenue"), g_rand_int_range (s->rand, 50, 50000) * 1000.0);
      set_int (s, "numberofemployees", g_rand_int_range (s->rand, 5, 20000));
      set_int (s, "creditonhold", g_rand_int_range (s->rand, 0, 10) == 0);
      set_text (s, "description", s->demo ? "Key customer in the region; prefers quarterly reviews." : NULL);
      set_text (s, "address1_stateorprovince", cities[c].state);
      if (CHANCE (s, 3))
        {
          g_snprintf (buf, sizeof buf, "%s %d", CHANCE (s, 2) ? "Suite" : "Floor", g_rand_int_range (s->extra, 2, 40));
          set_text (s, "address1_line2", buf);
        }
      if (!CHANCE (s, 4))
        {
          phone_number (s, c, buf, sizeof buf);
          set_text (s, "telephone2", buf);
        }
      if (i > 3 && g_rand_int_range (s->rand, 0, 8) == 0)
        set_lookup (s, "parentaccountid", "account", random_id (s, "account"));
      if (!end_row (s, error))
        return FALSE;
    }
  return TRUE;
}

static void
person (Seeder *s, char *first, char *last, char *full, char *email)
{
  const char *f = PICK (s->rand, first_names), *l = PICK (s->rand, last_names);
  g_autofree char *lf = g_ascii_strdown (f, -1);
  g_autofree char *ll = g_ascii_strdown (l, -1);
  g_strlcpy (first, f, 50);
  g_strlcpy (last, l, 50);
  g_snprintf (full, 160, "%s %s", f, l);
  g_snprintf (email, 100, "%s.%s@example.com", lf, ll);
  for (char *p = email; *p; p++)
    if ((guchar) *p >= 0x80 || *p == '\'')
      *p = 'x';
}

/* A contact's street address, how to reach them and a few interests (a multi-select choice,
 * "v1,v2" sorted as the server stores it). */
static void
seed_contact_extra (Seeder *s)
{
  static const int weights[] = { 1, 2, 2, 2, 3, 3, 1, 5 };  /* mostly Email and Phone */
  char buf[256];
  GString *interests = g_string_new (NULL);

  g_snprintf (buf, sizeof buf, "%d %s", g_rand_int_range (s->extra, 1, 250), PICK (s->extra, streets));
  set_text (s, "address1_line1", buf);
  g_snprintf (buf, sizeof buf, "%05d", g_rand_int_range (s->extra, 1000, 99999));
  set_text (s, "address1_postalcode", buf);
  set_int (s, "donotemail", CHANCE (s, 6));
  if (!CHANCE (s, 5))
    set_int (s, "preferredcontactmethodcode", PICK (s->extra, weights));
  for (int v = 100000000; v <= 100000003; v++)
    if (CHANCE (s, 3))
      g_string_append_printf (interests, "%s%d", interests->len ? "," : "", v);
  if (interests->len)
    set_text (s, "new_interests", interests->str);
  g_string_free (interests, TRUE);
}

static void
seed_lead_extra (Seeder *s, guint city)
{
  char buf[64];

  g_snprintf (buf, sizeof buf, "%s %03d %04d", cities[city].phone, g_rand_int_range (s->extra, 600, 799),
              g_rand_int_range (s->extra, 1000, 9999));
  set_text (s, "mobilephone", buf);
  set_int (s, "numberofemployees", g_rand_int_range (s->extra, 3, 5000));
  sqlite3_bind_double (s->stmt, param (s, "revenue"), g_rand_int_range (s->extra, 100, 90000) * 1000.0);
}

static gboolean
seed_people (Seeder *s, const char *logical, guint count, GError **error)
{
  char first[50], last[50], full[160], email[100], phone[64];
  for (guint i = 0; i < count; i++)
    {
      guint c = (guint) g_rand_int_range (s->rand, 0, G_N_ELEMENTS (cities));
      begin_row (s);
      person (s, first, last, full, email);
      set_text (s, "firstname", first);
      set_text (s, "lastname", last);
      set_text (s, "fullname", full);
      set_text (s, "emailaddress1", email);
      set_text (s, "jobtitle", PICK (s->rand, job_titles));
      set_text (s, "address1_city", cities[c].city);
      g_snprintf (phone, sizeof phone, "%s %03d %04d", cities[c].phone, g_rand_int_range (s->rand, 100, 999),
                  g_rand_int_range (s->rand, 1000, 9999));
      set_text (s, "telephone1", phone);
      if (strcmp (logical, "contact") == 0)
        {
          char birth[16];
          g_snprintf (birth, sizeof birth, "%04d-%02d-%02d", g_rand_int_range (s->rand, 1955, 2001),
                      g_rand_int_range (s->rand, 1, 13), g_rand_int_range (s->rand, 1, 29));
          set_text (s, "birthdate", birth);
          set_text (s, "address1_country", cities[c].country);
          set_lookup (s, "parentcustomerid", "account", random_id (s, "account"));
          seed_contact_extra (s);
        }
      else
        {
          char company[160];
          company_name (s, (guint) g_rand_int_range (s->rand, 0, 1000), company, sizeof company);
          set_text (s, "companyname", company);
          g_snprintf (company, sizeof company, "Interested in %s", PICK (s->rand, nouns));
          set_text (s, "subject", company);
          set_int (s, "leadsourcecode", g_rand_int_range (s->rand, 1, 11));
          set_int (s, "leadqualitycode", g_rand_int_range (s->rand, 1, 4));
          sqlite3_bind_double (s->stmt, param (s, "estimatedvalue"), g_rand_int_range (s->rand, 1, 500) * 1000.0);
          seed_lead_extra (s, c);
        }
      if (!end_row (s, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
seed_opportunities (Seeder *s, guint count, GError **error)
{
  char name[300], date[16];
  for (guint i = 0; i < count; i++)
    {
      const char *account = random_id (s, "account");
      begin_row (s);
      g_snprintf (name, sizeof name, "%d units of %s", g_rand_int_range (s->rand, 5, 500), PICK (s->rand, nouns));
      set_text (s, "name", name);
      set_lookup (s, "customerid", "account", account);
      set_lookup (s, "parentaccountid", "account", account);
      sqlite3_bind_double (s->stmt, param (s, "estimatedvalue"), g_rand_int_range (s->rand, 5, 900) * 1000.0);
      g_snprintf (date, sizeof date, "2024-%02d-%02d", g_rand_int_range (s->rand, 1, 13), g_rand_int_range (s->rand, 1, 29));
      set_text (s, "estimatedclosedate", date);
      set_int (s, "closeprobability", g_rand_int_range (s->rand, 1, 10) * 10);
      set_int (s, "opportunityratingcode", g_rand_int_range (s->rand, 1, 4));
      set_int (s, "salesstagecode", g_rand_int_range (s->extra, 0, 4));
      if (!end_row (s, error))
        return FALSE;
    }
  return TRUE;
}

static const char *
regarding_target (Seeder *s, const char **id)
{
  static const char *targets[] = { "account", "contact", "opportunity" };
  const char *t = PICK (s->rand, targets);
  *id = random_id (s, t);
  if (*id == NULL)
    *id = random_id (s, t = "account");
  return t;
}

static gboolean
seed_activities (Seeder *s, const char *logical, guint count, GError **error)
{
  for (guint i = 0; i < count; i++)
    {
      const char *rid = NULL;
      const char *target = regarding_target (s, &rid);
      g_autofree char *due = seed_time (s, 86400 * g_rand_int_range (s->rand, 1, 60));
      begin_row (s);
      set_lookup (s, strcmp (logical, "annotation") == 0 ? "objectid" : "regardingobjectid", target, rid);
      if (strcmp (logical, "annotation") == 0)
        {
          static const char text[] = "Customer asked for a follow-up visit in spring.\nAction items: send "
                                     "brochure, confirm budget.\n";
          g_autofree char *b64 = g_base64_encode ((const guchar *) text, sizeof text - 1);
          set_text (s, "subject", PICK (s->rand, note_subjects));
          set_text (s, "notetext", "Summary of the last conversation.");
          set_text (s, "filename", "notes.txt");
          set_text (s, "mimetype", "text/plain");
          set_text (s, "documentbody", b64);
          set_int (s, "filesize", sizeof text - 1);
          set_int (s, "isdocument", 1);
          if (!end_row (s, error))
            return FALSE;
          continue;
        }
      set_text (s, "scheduledend", due);
      set_int (s, "prioritycode", g_rand_int_range (s->rand, 0, 3));
      set_text (s, "description", "Details are in the shared notes.");
      if (strcmp (logical, "task") == 0)
        {
          set_text (s, "subject", PICK (s->rand, task_subjects));
          if (!CHANCE (s, 3))
            set_int (s, "actualdurationminutes", 15 * g_rand_int_range (s->extra, 1, 9));
        }
      else if (strcmp (logical, "phonecall") == 0)
        {
          set_text (s, "subject", PICK (s->rand, call_subjects));
          set_text (s, "phonenumber", "+1 206 555 0100");
          set_int (s, "directioncode", 1);
          set_int (s, "actualdurationminutes", g_rand_int_range (s->extra, 3, 46));
        }
      else if (strcmp (logical, "appointment") == 0)
        {
          g_autofree char *start = seed_time (s, 86400 * g_rand_int_range (s->rand, 1, 60));
          set_text (s, "subject", PICK (s->rand, appointment_subjects));
          set_text (s, "scheduledstart", start);
          set_text (s, "location", cities[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (cities))].city);
          set_int (s, "isalldayevent", CHANCE (s, 6));
        }
      else
        {
          set_text (s, "subject", PICK (s->rand, email_subjects));
          set_text (s, "sender", "demo.user@outpost.example");
          set_text (s, "torecipients", "customer@example.com");
          set_int (s, "directioncode", 1);
          if (CHANCE (s, 3))
            {
              /* sent: completed with the time it went out */
              g_autofree char *sent = seed_time (s, g_rand_int_range (s->extra, 60, 86400));
              set_int (s, "statecode", 1);
              set_int (s, "statuscode", 3);
              set_text (s, "actualend", sent);
            }
        }
      if (!end_row (s, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
seed_links (Seeder *s, GError **error)
{
  GPtrArray *accounts = s->ids[entity_index (os_schema_by_logical ("account"))];
  GPtrArray *leads = s->ids[entity_index (os_schema_by_logical ("lead"))];
  sqlite3_stmt *stmt = NULL;

  if (accounts == NULL || leads == NULL || accounts->len == 0)
    return TRUE;
  sqlite3_prepare_v2 (s->server->db, "INSERT OR IGNORE INTO accountleads (accountid, leadid) VALUES (?, ?)",
                      -1, &stmt, NULL);
  for (guint i = 0; i < leads->len; i += 2)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (accounts, i % accounts->len), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, g_ptr_array_index (leads, i), -1, SQLITE_STATIC);
      sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
seed_users (OsServer *server, GError **error)
{
  return os_sql_exec (server->db,
                      "INSERT OR IGNORE INTO systemuser (systemuserid, fullname, domainname, internalemailaddress, "
                      "createdon, modifiedon, versionnumber) VALUES "
                      "('" OS_DEMO_USER_ID "', 'Demo User', 'demo.user@outpost.example', 'demo.user@outpost.example', "
                      "'2024-01-01T08:00:00Z', '2024-01-01T08:00:00Z', 1), "
                      "('" OS_OTHER_USER_ID "', 'Other User', 'other.user@outpost.example', "
                      "'other.user@outpost.example', '2024-01-01T08:00:00Z', '2024-01-01T08:00:00Z', 2)", error);
}

static gboolean
has_records (OsServer *server)
{
  sqlite3_stmt *stmt = NULL;
  gboolean any;
  sqlite3_prepare_v2 (server->db, "SELECT 1 FROM account UNION ALL SELECT 1 FROM contact LIMIT 1", -1, &stmt, NULL);
  any = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return any;
}

static gboolean
seed_one (Seeder *s, const char *set, guint count, GError **error)
{
  const OsEntity *e = os_schema_by_set (set);
  gboolean ok;

  if (e == NULL || strcmp (e->logical_name, "systemuser") == 0 || strcmp (e->logical_name, "webresource") == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--seed: unknown entity set '%s'", set);
      return FALSE;
    }
  if (!begin_entity (s, e->logical_name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "--seed: %s", sqlite3_errmsg (s->server->db));
      return FALSE;
    }
  if (strcmp (set, "accounts") == 0)
    ok = seed_accounts (s, count, error);
  else if (strcmp (set, "contacts") == 0 || strcmp (set, "leads") == 0)
    ok = seed_people (s, e->logical_name, count, error);
  else if (strcmp (set, "opportunities") == 0)
    ok = seed_opportunities (s, count, error);
  else
    ok = seed_activities (s, e->logical_name, count, error);
  end_entity (s);
  return ok;
}

gboolean
os_seed_users (OsServer *server, GError **error)
{
  return seed_users (server, error);
}

gboolean
os_seed (OsServer *server, const char *spec, GError **error)
{
  static const char *order[] = { "accounts", "contacts", "leads", "opportunities", "tasks", "phonecalls",
                                 "appointments", "emails", "annotations" };
  const char *demo = "accounts=24,contacts=60,leads=16,opportunities=20,tasks=40,phonecalls=24,"
                     "appointments=16,emails=24,annotations=20";
  Seeder s = { server, g_rand_new_with_seed (20240101), g_rand_new_with_seed (20250101), NULL, NULL, { NULL },
               FALSE, 0, NULL };
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) items = NULL;
  gboolean ok = TRUE;

  if (has_records (server))
    goto done;
  s.demo = strcmp (spec, "demo") == 0;
  items = g_strsplit (s.demo ? demo : spec, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (items[i], "=", 2);
      if (g_strv_length (kv) != 2 || !g_ascii_isdigit (kv[1][0]))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--seed: expected demo or set=N,..., "
                       "got '%s'", items[i]);
          ok = FALSE;
          goto done;
        }
      g_hash_table_insert (counts, g_strdup (kv[0]), GUINT_TO_POINTER ((guint) g_ascii_strtoull (kv[1], NULL, 10)));
    }
  os_sql_exec (server->db, "PRAGMA cache_size=-262144; BEGIN", NULL);
  for (guint i = 0; ok && i < G_N_ELEMENTS (order); i++)
    if (g_hash_table_contains (counts, order[i]))
      {
        ok = seed_one (&s, order[i], GPOINTER_TO_UINT (g_hash_table_lookup (counts, order[i])), error);
        g_hash_table_remove (counts, order[i]);
      }
  if (ok && g_hash_table_size (counts) > 0)
    {
      GList *keys = g_hash_table_get_keys (counts);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--seed: unknown entity set '%s'",
                   (const char *) keys->data);
      g_list_free (keys);
      ok = FALSE;
    }
  ok = ok && seed_links (&s, error);
  if (ok && s.demo)
    ok = os_sql_exec (server->db, "UPDATE account SET primarycontactid_t = 'contact', primarycontactid = "
                      "(SELECT contactid FROM contact WHERE parentcustomerid = account.accountid ORDER BY fullname LIMIT 1) "
                      "WHERE EXISTS (SELECT 1 FROM contact WHERE parentcustomerid = account.accountid)", error);
  ok = ok && os_schema_seed_parties (server->db, error);
  os_sql_exec (server->db, ok ? "COMMIT" : "ROLLBACK", NULL);
done:
  for (guint i = 0; i < G_N_ELEMENTS (s.ids); i++)
    g_clear_pointer (&s.ids[i], g_ptr_array_unref);
  g_rand_free (s.rand);
  g_rand_free (s.extra);
  g_clear_pointer (&s.params, g_hash_table_unref);
  return ok;
}

/* bench-server: how fast outpost-server serves a full paged read. Seeds 100,000 accounts
 * (--seed accounts=N, timed), then reads them all with $select of 20 fields and
 * Prefer: odata.maxpagesize=5000, following @odata.nextLink, and prints records/s and the
 * server's peak RSS (VmHWM). Run: OUTPOST_SERVER=<build>/src/server/outpost-server bench-server [N] */
#include "server-helper.h"

#include <stdio.h>
#include <string.h>

#define SELECT "name,accountnumber,telephone1,fax,emailaddress1,websiteurl,address1_line1,address1_city," \
               "address1_postalcode,address1_country,industrycode,accountcategorycode,revenue," \
               "numberofemployees,description,_primarycontactid_value,_parentaccountid_value,creditonhold," \
               "statecode,modifiedon"

static long
vm_hwm_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, "VmHWM:")) == NULL)
    return -1;
  return strtol (line + strlen ("VmHWM:"), NULL, 10);
}

/* One full read; returns the record count. parse: also parse each page with json-glib. */
static guint
full_read (TestServer *s, gboolean parse, gsize *bytes)
{
  const char *prefer[] = { "Prefer: odata.maxpagesize=5000", NULL };
  g_autofree char *link = g_strdup ("accounts?$select=" SELECT);
  guint records = 0;

  *bytes = 0;
  while (link)
    {
      g_autofree char *url = g_str_has_prefix (link, "http") ? g_strdup (link) : g_strconcat (s->api, link, NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = NULL;
      gsize len;
      const char *data;

      soup_message_headers_append (soup_message_get_request_headers (msg), "Prefer", prefer[0] + strlen ("Prefer: "));
      body = soup_session_send_and_read (s->session, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      data = g_bytes_get_data (body, &len);
      *bytes += len;
      g_free (link);
      link = NULL;
      if (parse)
        {
          g_autoptr(JsonParser) parser = json_parser_new ();
          JsonObject *o;
          g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, NULL));
          o = json_node_get_object (json_parser_get_root (parser));
          records += json_array_get_length (json_object_get_array_member (o, "value"));
          link = g_strdup (json_object_get_string_member_with_default (o, "@odata.nextLink", NULL));
        }
      else
        {
          /* count rows by their etags and take the link from the tail: measures the server */
          g_autofree char *text = g_strndup (data, len);
          const char *p = text, *next;
          while ((p = strstr (p, "\"@odata.etag\"")) != NULL)
            {
              records++;
              p++;
            }
          next = strstr (text + (len > 2000 ? len - 2000 : 0), "\"@odata.nextLink\":\"");
          if (next)
            {
              next += strlen ("\"@odata.nextLink\":\"");
              link = g_strndup (next, strchr (next, '"') - next);
            }
        }
    }
  return records;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  g_autofree char *spec = g_strdup_printf ("accounts=%u", n);
  const char *args[] = { "--seed", spec, NULL };
  gint64 t0 = g_get_monotonic_time ();
  TestServer *s = test_server_start (NULL, args);
  gint64 t1 = g_get_monotonic_time ();
  gsize bytes = 0;
  guint records;
  gint64 t2, t3;
  double secs;

  printf ("seed %u accounts: %.2f s (%.0f rows/s)\n", n, (t1 - t0) / 1e6, n / ((t1 - t0) / 1e6));
  for (int parse = 0; parse < 2; parse++)
    {
      t2 = g_get_monotonic_time ();
      records = full_read (s, parse, &bytes);
      t3 = g_get_monotonic_time ();
      secs = (t3 - t2) / 1e6;
      g_assert_cmpuint (records, ==, n);
      printf ("full paged read, $select of 20 fields, maxpagesize 5000, %s: %u records, %.1f MB in %.2f s = "
              "%.0f records/s (%.1f MB/s)\n", parse ? "client parses with json-glib" : "server only (no parse)",
              records, bytes / 1e6, secs, records / secs, bytes / 1e6 / secs);
    }
  printf ("server peak RSS (VmHWM): %.1f MB\n", vm_hwm_kb (s->pid) / 1024.0);
  test_server_free (s);
  return 0;
}

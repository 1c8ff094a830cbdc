/* outpost-fill-store: a test fixture (never installed, never part of the app): creates an
 * account whose server does not exist and writes N accounts and N contacts into its store as
 * if a sync had downloaded them, so the window can be tested offline and at scale.
 *
 *   outpost-fill-store ACCOUNT N */
#include "config.h"

#include <stdlib.h>

#include "outpost-account.h"
#include "outpost-store-sync.h"

static const char *cities[] = { "Lisbon", "Oslo", "Dakar", "Quito", "Hanoi", "Perth", "Accra", "Lima" };

static JsonObject *
account_values (gint i)
{
  JsonObject *v = json_object_new ();
  g_autofree char *name = g_strdup_printf ("Account %06d", i);
  g_autofree char *phone = g_strdup_printf ("+1 555 %04d", i % 10000);

  json_object_set_string_member (v, "name", name);
  json_object_set_string_member (v, "address1_city", cities[i % G_N_ELEMENTS (cities)]);
  json_object_set_string_member (v, "telephone1", phone);
  json_object_set_double_member (v, "revenue", 1000.5 * i);
  return v;
}

static JsonObject *
contact_values (gint i, const char *account_id)
{
  JsonObject *v = json_object_new ();
  g_autofree char *first = g_strdup_printf ("Pat%d", i);
  g_autofree char *full = g_strdup_printf ("Pat%d Doe", i);

  json_object_set_string_member (v, "firstname", first);
  json_object_set_string_member (v, "lastname", "Doe");
  json_object_set_string_member (v, "fullname", full);
  json_object_set_string_member (v, "parentcustomerid", account_id);
  json_object_set_string_member (v, "parentcustomerid@target", "account");
  return v;
}

static char *
guid (const char *kind, gint i)
{
  return g_strdup_printf ("%08x-0000-4000-8000-%012x", g_str_hash (kind) & 0xffffffu, i);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(OutpostStore) store = NULL;
  gint n;

  if (argc != 3)
    {
      g_printerr ("usage: outpost-fill-store ACCOUNT N\n");
      return 2;
    }
  n = atoi (argv[2]);
  account = outpost_account_new (argv[1], "http://127.0.0.1:9/", OUTPOST_AUTH_KIND_NONE, NULL, NULL, NULL);
  if (!outpost_account_save (account, FALSE, &error)
      || (store = outpost_account_open_store (account, &error)) == NULL
      || !outpost_store_begin (store, &error))
    goto fail;
  for (gint i = 0; i < n; i++)
    {
      g_autofree char *aid = guid ("account", i);
      g_autofree char *cid = guid ("contact", i);
      g_autoptr(JsonObject) a = account_values (i);
      g_autoptr(JsonObject) c = contact_values (i, aid);

      if (outpost_store_apply_server_row (store, "account", aid, a, "W/\"1\"", 1, &error) != OUTPOST_APPLY_WRITTEN && error != NULL)
        goto fail;
      if (outpost_store_apply_server_row (store, "contact", cid, c, "W/\"1\"", 1, &error) != OUTPOST_APPLY_WRITTEN && error != NULL)
        goto fail;
    }
  if (!outpost_store_commit (store, &error))
    goto fail;
  return 0;
fail:
  g_printerr ("outpost-fill-store: %s\n", error->message);
  return 1;
}

/* outpost-server-auth.c: placeholder. */
#include "config.h"

#include "outpost-server-private.h"

struct _OsAuth { int unused; };

OsAuth *
os_auth_new (OsServer *server, int token_lifetime, int device_interval, int device_lifetime,
             const char *basic_user, const char *basic_password)
{
  return g_new0 (OsAuth, 1);
}

void
os_auth_free (OsAuth *auth)
{
  g_free (auth);
}

gboolean
os_auth_handle (OsServer *server, SoupServerMessage *msg, const char *path)
{
  return FALSE;
}

gboolean
os_auth_check (OsServer *server, SoupServerMessage *msg, const char **user_id)
{
  return TRUE;
}

/* outpost-server-admin.c: placeholder. */
#include "config.h"

#include "outpost-server-http.h"

struct _OsFault { int unused; };

void
os_fault_free (OsFault *fault)
{
  g_free (fault);
}

void
os_admin_handle (OsServer *server, SoupServerMessage *msg, const char *path)
{
  soup_server_message_set_status (msg, 404, NULL);
}

gboolean
os_faults_before (OsServer *server, SoupServerMessage *msg, const char *path)
{
  return FALSE;
}

void
os_faults_after (OsServer *server, SoupServerMessage *msg, const char *path, OsResponse *resp)
{
}

gboolean
os_limits_check (OsServer *server, SoupServerMessage *msg)
{
  return FALSE;
}

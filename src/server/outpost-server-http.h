/* outpost-server-http.h: the SoupServer side of outpost-server. */
#pragma once

#include "outpost-server-private.h"

G_BEGIN_DECLS

void os_http_install (OsServer *server);
void os_http_send    (SoupServerMessage *msg, OsResponse *resp);

G_END_DECLS

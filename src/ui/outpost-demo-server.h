/* outpost-demo-server.h: the demo mode's server, outpost-server --seed demo on 127.0.0.1 with
 * its data under $XDG_DATA_HOME/outpost/demo-server, run as a child process of the app and
 * stopped when the app quits. */
#pragma once

#include <gio/gio.h>

#include "outpost-account.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_DEMO_SERVER (outpost_demo_server_get_type ())
G_DECLARE_FINAL_TYPE (OutpostDemoServer, outpost_demo_server, OUTPOST, DEMO_SERVER, GObject)

#define OUTPOST_DEMO_ACCOUNT "demo"

/* OUTPOST_SERVER from the environment, else the build tree beside the running binary
 * (<dir of outpost>/server/outpost-server), else LIBEXECDIR/outpost-server. */
char              *outpost_demo_server_find_program (void);

OutpostDemoServer *outpost_demo_server_new          (void);
/* Starts the server and waits for its first line (the base URL). */
void               outpost_demo_server_start_async  (OutpostDemoServer   *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean           outpost_demo_server_start_finish (OutpostDemoServer   *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
const char        *outpost_demo_server_get_url      (OutpostDemoServer   *self);
/* Creates or updates the "demo" account for the running server (no authentication). */
OutpostAccount    *outpost_demo_server_save_account (OutpostDemoServer   *self,
                                                     GError             **error);
/* Terminates the child and waits for it. */
void               outpost_demo_server_stop         (OutpostDemoServer   *self);

G_END_DECLS

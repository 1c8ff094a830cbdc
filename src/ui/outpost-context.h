/* outpost-context.h: the services a window works with (one account's store client and sync
 * engine, the settings, the profile), handed to widgets as a construct property instead of
 * being fetched from a global, so each widget can be built and tested on its own. */
#pragma once

#include <gio/gio.h>

#include "outpost-scheduler.h"

#include "outpost-account.h"
#include "outpost-store-client.h"
#include "outpost-sync-engine.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_CONTEXT (outpost_context_get_type ())
G_DECLARE_FINAL_TYPE (OutpostContext, outpost_context, OUTPOST, CONTEXT, GObject)

/* Opens the account's store (its own connection, owned by a worker thread) and makes its sync
 * engine. @password: for basic authentication (kept in memory only), else NULL. */
OutpostContext     *outpost_context_new          (OutpostAccount  *account,
                                                  GSettings       *settings,
                                                  const char      *password,
                                                  GError         **error);
OutpostAccount     *outpost_context_get_account  (OutpostContext  *self);
OutpostStoreClient *outpost_context_get_client   (OutpostContext  *self);
OutpostSyncEngine  *outpost_context_get_engine   (OutpostContext  *self);
GSettings          *outpost_context_get_settings (OutpostContext  *self);
OutpostProfile     *outpost_context_get_profile  (OutpostContext  *self);
/* Stops the store worker (after its queued jobs); the context is unusable afterwards. */
/* Automatic sync (issue 6): the scheduler and its connectivity, created on first use for the
 * account's server; the window runs the syncs it requests. */
OutpostScheduler   *outpost_context_get_scheduler    (OutpostContext *self);
OutpostConnectivity *outpost_context_get_connectivity (OutpostContext *self);
void                outpost_context_shutdown     (OutpostContext  *self);

G_END_DECLS

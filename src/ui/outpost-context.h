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

/* Makes the account's sync engine and opens its store in the store client's worker thread
 * (its own connection; nothing of the open runs on the main thread); the context comes when the
 * store is open, or the open's error (a database newer than the program, a corrupt file).
 * @password: for basic authentication (kept in memory only), else NULL. */
void                outpost_context_new_async    (OutpostAccount      *account,
                                                  GSettings           *settings,
                                                  const char          *password,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
OutpostContext     *outpost_context_new_finish   (GAsyncResult        *result,
                                                  GError             **error);
OutpostAccount     *outpost_context_get_account  (OutpostContext  *self);
OutpostStoreClient *outpost_context_get_client   (OutpostContext  *self);
OutpostSyncEngine  *outpost_context_get_engine   (OutpostContext  *self);
GSettings          *outpost_context_get_settings (OutpostContext  *self);
OutpostProfile     *outpost_context_get_profile  (OutpostContext  *self);
/* Automatic sync (issue 6): the scheduler and its connectivity, created on first use for the
 * account's server; the window runs the syncs it requests. */
OutpostScheduler   *outpost_context_get_scheduler    (OutpostContext *self);
OutpostConnectivity *outpost_context_get_connectivity (OutpostContext *self);
/* Stops the store worker (after its queued jobs); the context is unusable afterwards. */
void                outpost_context_shutdown     (OutpostContext  *self);

G_END_DECLS

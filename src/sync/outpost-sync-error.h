/* outpost-sync-error.h: the error domain of synchronization. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OUTPOST_SYNC_ERROR (outpost_sync_error_quark ())

typedef enum {
  OUTPOST_SYNC_ERROR_FAILED,
  OUTPOST_SYNC_ERROR_NETWORK,          /* connection refused, dropped, timed out */
  OUTPOST_SYNC_ERROR_AUTH,             /* 401 after a token refresh, declined sign-in */
  OUTPOST_SYNC_ERROR_THROTTLED,        /* 429 beyond the retry budget */
  OUTPOST_SYNC_ERROR_SERVER,           /* 5xx beyond the retry budget, or a server error body */
  OUTPOST_SYNC_ERROR_PROTOCOL,         /* malformed or truncated response */
  OUTPOST_SYNC_ERROR_EXPIRED_TOKEN,    /* change-tracking token expired: full sync needed */
  OUTPOST_SYNC_ERROR_PRECONDITION,     /* 412: the row changed on the server */
  OUTPOST_SYNC_ERROR_NOT_FOUND,
  OUTPOST_SYNC_ERROR_CANCELLED,
  OUTPOST_SYNC_ERROR_TLS,              /* certificate not trusted */
  OUTPOST_SYNC_ERROR_BUSY,             /* a sync of this account is already running */
} OutpostSyncError;

GQuark outpost_sync_error_quark (void);

G_END_DECLS

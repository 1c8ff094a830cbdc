/* outpost-store-error.h: the error domain of the local store. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OUTPOST_STORE_ERROR (outpost_store_error_quark ())

typedef enum {
  OUTPOST_STORE_ERROR_FAILED,          /* SQLite or I/O failure */
  OUTPOST_STORE_ERROR_PROFILE,         /* malformed sync profile */
  OUTPOST_STORE_ERROR_IDENTIFIER,      /* an entity or field name that is not a safe identifier */
  OUTPOST_STORE_ERROR_VALIDATION,      /* a value that breaks a field's rules */
  OUTPOST_STORE_ERROR_NOT_FOUND,       /* no such entity or record */
  OUTPOST_STORE_ERROR_TOO_NEW,         /* database written by a newer Outpost */
  OUTPOST_STORE_ERROR_CORRUPT,         /* not a database, or integrity check failed */
  OUTPOST_STORE_ERROR_BUSY,            /* another connection holds the write lock */
} OutpostStoreError;

GQuark outpost_store_error_quark (void);

G_END_DECLS

#include "outpost-sync-error.h"

G_DEFINE_QUARK (outpost-sync-error-quark, outpost_sync_error)

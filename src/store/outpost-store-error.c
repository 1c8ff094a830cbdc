#include "outpost-store-error.h"

G_DEFINE_QUARK (outpost-store-error-quark, outpost_store_error)

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_APPLICATION (outpost_application_get_type ())
G_DECLARE_FINAL_TYPE (OutpostApplication, outpost_application, OUTPOST, APPLICATION, AdwApplication)

OutpostApplication *outpost_application_new (void);

G_END_DECLS

/* outpost-profile-private.h: shared by outpost-profile.c (parsing) and outpost-profile-json.c
 * (serialization): the names of enum values as the profile's JSON spells them. */
#pragma once

#include "outpost-profile.h"

G_BEGIN_DECLS

const char *outpost_datetime_behavior_to_string (OutpostDateTimeBehavior behavior);
const char *outpost_field_format_to_string      (OutpostFieldFormat format);

G_END_DECLS

/* outpost-ui-format.h: field values shown to and read from the user, in the user's locale.
 * Values come from the server: they are returned as plain text, never as Pango markup. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "outpost-profile.h"
#include "outpost-record.h"

G_BEGIN_DECLS

/* A record's field as one line of text ("" when empty). Lookups show their GUID: callers
 * that can resolve names do so themselves. A composed name (below) of a record changed here,
 * or one the server has not named yet, is composed from its first and last name. */
char       *outpost_format_field       (OutpostField   *field,
                                        JsonNode       *value);
char       *outpost_format_record_field (OutpostRecord *record,
                                        OutpostField   *field);
/* Dataverse computes a contact's or lead's "fullname" on the server and refuses it in a create
 * or update: the store never holds one of ours. Until a sync brings the server's, the window
 * shows one composed as the server does by default, "First Last". */
gboolean    outpost_field_is_composed_name (OutpostField *field);
char       *outpost_compose_full_name  (const char     *first,
                                        const char     *last);
/* Numbers in the user's locale ("1,234.5" / "1.234,5"). */
char       *outpost_format_number      (OutpostField   *field,
                                        gdouble         value);
/* Parses user input for a numeric field; "" gives a JSON null. FALSE when it is no number. */
gboolean    outpost_parse_number       (OutpostField   *field,
                                        const char     *text,
                                        JsonNode      **out);
/* "2024-05-01T10:00:00Z" / "2024-05-01" to a GDateTime in local time (NULL when invalid). */
GDateTime  *outpost_parse_iso_datetime (const char     *text);
char       *outpost_format_datetime    (OutpostField   *field,
                                        const char     *iso);
/* The label of a record: its primary name, or "(no name)". */
char       *outpost_record_title       (OutpostRecord  *record,
                                        OutpostEntity  *entity);
const char *outpost_row_state_label    (OutpostRecord  *record);
const char *outpost_row_state_icon     (OutpostRecord  *record);
/* Equality of two values where a missing value equals JSON null. */
gboolean    outpost_ui_value_equal         (JsonNode       *a,
                                        JsonNode       *b);

G_END_DECLS

/* outpost-field-editor.h: the editor of one field, chosen from its metadata: single- and
 * multi-line text, numbers in the user's locale, yes/no, date and date-time with a calendar
 * popover, option sets, multi-select option sets, lookups with a search popover over the
 * target entity; read-only fields are shown read-only. A caption above names the field (with
 * a required marker) and an inline message below shows what is wrong with the value. */
#pragma once

#include <gtk/gtk.h>

#include "outpost-profile.h"
#include "outpost-record.h"
#include "outpost-store-client.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_FIELD_EDITOR (outpost_field_editor_get_type ())
G_DECLARE_FINAL_TYPE (OutpostFieldEditor, outpost_field_editor, OUTPOST, FIELD_EDITOR, GtkBox)

/* @field must outlive the editor (it belongs to the profile). */
GtkWidget    *outpost_field_editor_new        (OutpostField       *field,
                                               OutpostStoreClient *client);
OutpostField *outpost_field_editor_get_field  (OutpostFieldEditor *self);
/* Shows @record's value (NULL: empty). Does not emit "changed". */
void          outpost_field_editor_load       (OutpostFieldEditor *self,
                                               OutpostRecord      *record);
/* A read-only editor shows @text (a value the window computed; NULL or "" shows a dash). */
void          outpost_field_editor_show_text  (OutpostFieldEditor *self,
                                               const char         *text);
/* The value as typed; NULL (with @message set) when the input cannot be read. */
JsonNode     *outpost_field_editor_get_value  (OutpostFieldEditor *self,
                                               char              **message);
/* Extra members to save with the value (a lookup's "<field>@target"), or NULL. */
const char   *outpost_field_editor_get_target (OutpostFieldEditor *self);
void          outpost_field_editor_set_error  (OutpostFieldEditor *self,
                                               const char         *message);
gboolean      outpost_field_editor_is_editable (OutpostFieldEditor *self);
/* Moves the keyboard focus to the value's input (the form's first bad field after Save). */
void          outpost_field_editor_focus      (OutpostFieldEditor *self);

G_END_DECLS

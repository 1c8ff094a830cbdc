/* outpost-record-form.h: a record's form, generated from the profile's field metadata, with
 * save, revert and delete, inline validation, the record's sync state and its related records
 * (records of other entities whose lookups point at it, and N:N links). */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_RECORD_FORM (outpost_record_form_get_type ())
G_DECLARE_FINAL_TYPE (OutpostRecordForm, outpost_record_form, OUTPOST, RECORD_FORM, GtkBox)

GtkWidget  *outpost_record_form_new        (OutpostContext    *context);
/* Shows a stored record (read asynchronously). */
void        outpost_record_form_show       (OutpostRecordForm *self,
                                            const char        *entity,
                                            const char        *id);
/* An empty form for a new record; @preset (may be NULL) pre-fills fields (e.g. the parent). */
void        outpost_record_form_new_record (OutpostRecordForm *self,
                                            const char        *entity,
                                            OutpostRecord     *preset);
void        outpost_record_form_clear      (OutpostRecordForm *self);
const char *outpost_record_form_get_entity (OutpostRecordForm *self);
const char *outpost_record_form_get_id     (OutpostRecordForm *self);
gboolean    outpost_record_form_get_dirty  (OutpostRecordForm *self);
/* Reloads the record shown (after a sync changed it). With unsaved edits the editors keep
 * them and the form says the record changed underneath. */
void        outpost_record_form_reload     (OutpostRecordForm *self);
/* Reloads the record of every form (e.g. after a conflict was resolved in the Sync Issues
 * window). */
void        outpost_record_form_reload_all (void);
void        outpost_record_form_set_show_back (OutpostRecordForm *self,
                                            gboolean           show);

/* Signals: "saved" (entity, id) also when an N:N link of the record changed, "deleted" (entity,
 * id), "open-record" (entity, id), "back" (), "toast" (message: plain text).
 * A record an email can regard (it has emailaddress1) shows a "New Email" button that activates
 * "win.new-email" with the target ("entity", "id"). Related records: outpost-related-view.h. */

G_END_DECLS

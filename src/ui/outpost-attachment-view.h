/* outpost-attachment-view.h: a note's attachment on its form: the file name, type and size,
 * "Open Attachment" (writes the file to the account's cache folder through
 * outpost-attachment-file.h, which keeps the server's file name from escaping it, then hands
 * it to the desktop) and "Save Attachment As…" (a file chooser). Decoding and writing run in
 * a worker thread: a body can be megabytes. The field editor shows it for a memo whose
 * profile format is "attachment"; the record's "filename" and "mimetype" describe the file. */
#pragma once

#include <gtk/gtk.h>

#include "outpost-profile.h"
#include "outpost-record.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_ATTACHMENT_VIEW (outpost_attachment_view_get_type ())
G_DECLARE_FINAL_TYPE (OutpostAttachmentView, outpost_attachment_view, OUTPOST, ATTACHMENT_VIEW, GtkBox)

/* @field (the body, e.g. annotation.documentbody) must outlive the view; @account names the
 * cache folder ($XDG_CACHE_HOME/outpost/<account>/attachments). */
GtkWidget  *outpost_attachment_view_new      (OutpostField          *field,
                                              const char            *account);
/* Shows @record's attachment (NULL: none). */
void        outpost_attachment_view_load     (OutpostAttachmentView *self,
                                              OutpostRecord         *record);
/* The account name of a store at <data>/outpost/<account>/outpost.db, or NULL. */
char       *outpost_attachment_account_for_store_path (const char  *db_path);

G_END_DECLS

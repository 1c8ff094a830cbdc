/* outpost-related-view.h: the related records under a record's form: one section per lookup
 * of any entity that can point at the record (contacts of an account, activities regarding a
 * record...) and one per N:N relationship of the profile (see outpost-related-nn.h). Emails
 * marked for sending say so in their rows. */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_RELATED_VIEW (outpost_related_view_get_type ())
G_DECLARE_FINAL_TYPE (OutpostRelatedView, outpost_related_view, OUTPOST, RELATED_VIEW, GtkBox)

GtkWidget *outpost_related_view_new   (OutpostContext     *context);
/* Shows the related records of (@entity, @id), read through the worker. */
void       outpost_related_view_load  (OutpostRelatedView *self,
                                       OutpostEntity      *entity,
                                       const char         *id);
void       outpost_related_view_clear (OutpostRelatedView *self);

/* Signals: "open-record" (entity, id); "changed" () an N:N link of the record was changed. */

G_END_DECLS

/* outpost-related-nn.h: one N:N relationship of a record shown as a related section: the
 * linked records, "Add…" (a search popover over the other entity) and "Remove" per row with an
 * "Undo" toast. Every link change is stored through the worker (journaled; uploaded as a $ref
 * associate/disassociate by the next sync) and announced with "changed". */
#pragma once

#include <adwaita.h>

#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_RELATED_NN (outpost_related_nn_get_type ())
G_DECLARE_FINAL_TYPE (OutpostRelatedNn, outpost_related_nn, OUTPOST, RELATED_NN, GtkBox)

/* The section of (@entity, @id) for @relationship, which must name @entity on one side and an
 * entity of the profile on the other. */
GtkWidget *outpost_related_nn_new    (OutpostContext      *context,
                                      OutpostRelationship *relationship,
                                      OutpostEntity       *entity,
                                      const char          *id);
void       outpost_related_nn_reload (OutpostRelatedNn    *self);

/* Signals: "changed" () a link was added or removed (also by Undo);
 * "open-record" (entity, id) a linked record was activated. */

G_END_DECLS

/* outpost-row-item.h: one row of the record list. It exists before its data does: the list
 * model hands it out at once and fills it when its page arrives ("record" is NULL until
 * then, so the view shows a placeholder). */
#pragma once

#include <glib-object.h>

#include "outpost-record.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_ROW_ITEM (outpost_row_item_get_type ())
G_DECLARE_FINAL_TYPE (OutpostRowItem, outpost_row_item, OUTPOST, ROW_ITEM, GObject)

OutpostRowItem *outpost_row_item_new        (guint           position);
guint           outpost_row_item_get_position (OutpostRowItem *self);
OutpostRecord  *outpost_row_item_get_record (OutpostRowItem *self);
/* Notifies "record" when it changed. */
void            outpost_row_item_set_record (OutpostRowItem *self,
                                             OutpostRecord  *record);

G_END_DECLS

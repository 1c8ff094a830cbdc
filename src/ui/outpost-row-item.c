/* outpost-row-item.c: a lazily filled list row. */
#include "config.h"

#include "outpost-row-item.h"

struct _OutpostRowItem
{
  GObject        parent_instance;
  guint          position;
  OutpostRecord *record;
};

enum { PROP_0, PROP_RECORD, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OutpostRowItem, outpost_row_item, G_TYPE_OBJECT)

static void
outpost_row_item_finalize (GObject *object)
{
  OutpostRowItem *self = OUTPOST_ROW_ITEM (object);

  g_clear_pointer (&self->record, outpost_record_unref);
  G_OBJECT_CLASS (outpost_row_item_parent_class)->finalize (object);
}

static void
outpost_row_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OutpostRowItem *self = OUTPOST_ROW_ITEM (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      g_value_set_boxed (value, self->record);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_row_item_class_init (OutpostRowItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = outpost_row_item_finalize;
  object_class->get_property = outpost_row_item_get_property;
  properties[PROP_RECORD] =
    g_param_spec_boxed ("record", NULL, NULL, OUTPOST_TYPE_RECORD,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
outpost_row_item_init (OutpostRowItem *self)
{
}

OutpostRowItem *
outpost_row_item_new (guint position)
{
  OutpostRowItem *self = g_object_new (OUTPOST_TYPE_ROW_ITEM, NULL);

  self->position = position;
  return self;
}

guint
outpost_row_item_get_position (OutpostRowItem *self)
{
  g_return_val_if_fail (OUTPOST_IS_ROW_ITEM (self), 0);
  return self->position;
}

OutpostRecord *
outpost_row_item_get_record (OutpostRowItem *self)
{
  g_return_val_if_fail (OUTPOST_IS_ROW_ITEM (self), NULL);
  return self->record;
}

void
outpost_row_item_set_record (OutpostRowItem *self, OutpostRecord *record)
{
  g_return_if_fail (OUTPOST_IS_ROW_ITEM (self));
  if (self->record == record)
    return;
  g_clear_pointer (&self->record, outpost_record_unref);
  self->record = record != NULL ? outpost_record_ref (record) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}

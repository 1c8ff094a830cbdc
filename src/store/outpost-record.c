/* outpost-record.c: a refcounted row of an entity (values as a JsonObject). */
#include "config.h"

#include "outpost-record.h"

G_DEFINE_BOXED_TYPE (OutpostRecord, outpost_record, outpost_record_ref, outpost_record_unref)

OutpostRecord *
outpost_record_new (const char *entity, const char *id)
{
  OutpostRecord *self = g_new0 (OutpostRecord, 1);

  self->ref_count = 1;
  self->entity = g_strdup (entity);
  self->id = g_strdup (id);
  self->values = json_object_new ();
  self->state = OUTPOST_ROW_SYNCED;
  return self;
}

OutpostRecord *
outpost_record_ref (OutpostRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
outpost_record_unref (OutpostRecord *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->entity);
  g_free (self->id);
  g_clear_pointer (&self->values, json_object_unref);
  g_free (self->etag);
  g_free (self);
}

/* The value node when present and not null, else NULL. */
static JsonNode *
value_node (OutpostRecord *self, const char *field)
{
  JsonNode *node;

  if (self->values == NULL || !json_object_has_member (self->values, field))
    return NULL;
  node = json_object_get_member (self->values, field);
  return (node == NULL || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    ? NULL : node;
}

const char *
outpost_record_get_string (OutpostRecord *self, const char *field)
{
  JsonNode *node = value_node (self, field);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
outpost_record_get_int (OutpostRecord *self, const char *field)
{
  JsonNode *node = value_node (self, field);

  return node != NULL ? json_node_get_int (node) : 0;
}

gdouble
outpost_record_get_double (OutpostRecord *self, const char *field)
{
  JsonNode *node = value_node (self, field);

  return node != NULL ? json_node_get_double (node) : 0.0;
}

gboolean
outpost_record_get_boolean (OutpostRecord *self, const char *field)
{
  JsonNode *node = value_node (self, field);

  return node != NULL ? json_node_get_boolean (node) : FALSE;
}

gboolean
outpost_record_is_null (OutpostRecord *self, const char *field)
{
  return value_node (self, field) == NULL;
}

const char *
outpost_row_state_to_string (OutpostRowState state)
{
  switch (state)
    {
    case OUTPOST_ROW_SYNCED: return "synced";
    case OUTPOST_ROW_LOCALLY_CREATED: return "locally-created";
    case OUTPOST_ROW_LOCALLY_MODIFIED: return "locally-modified";
    case OUTPOST_ROW_LOCALLY_DELETED: return "locally-deleted";
    default: return "unknown";
    }
}

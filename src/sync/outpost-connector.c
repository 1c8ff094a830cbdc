/* outpost-connector.c: the connector interface and its plain data types. */
#include "config.h"

#include "outpost-connector.h"

G_DEFINE_INTERFACE (OutpostConnector, outpost_connector, G_TYPE_OBJECT)

static void
outpost_connector_default_init (OutpostConnectorInterface *iface)
{
}

void
outpost_server_row_free (OutpostServerRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->etag);
  g_clear_pointer (&row->values, json_object_unref);
  g_free (row);
}

void
outpost_page_free (OutpostPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->rows, g_ptr_array_unref);
  g_free (page->next_link);
  g_free (page->delta_link);
  g_free (page);
}

void
outpost_upload_result_free (OutpostUploadResult *result)
{
  if (result == NULL)
    return;
  g_free (result->etag);
  g_clear_error (&result->error);
  g_free (result);
}

gboolean
outpost_connector_connect (OutpostConnector *self, OutpostProfile *profile,
                           GCancellable *cancellable, GError **error)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->connect (self, profile, cancellable, error);
}

gboolean
outpost_connector_has_change_tracking (OutpostConnector *self, OutpostEntity *entity)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->has_change_tracking (self, entity);
}

OutpostPage *
outpost_connector_download_page (OutpostConnector *self, OutpostEntity *entity,
                                 const OutpostDownloadRequest *request,
                                 GCancellable *cancellable, GError **error)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->download_page (self, entity, request,
                                                             cancellable, error);
}

GPtrArray *
outpost_connector_upload_batch (OutpostConnector *self, GPtrArray *ops,
                                GCancellable *cancellable, GError **error)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->upload_batch (self, ops, cancellable, error);
}

JsonNode *
outpost_connector_call_action (OutpostConnector *self, OutpostEntity *entity, const char *id,
                               const char *action, JsonObject *params,
                               GCancellable *cancellable, GError **error)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->call_action (self, entity, id, action, params,
                                                           cancellable, error);
}

guint64
outpost_connector_get_request_count (OutpostConnector *self)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->get_request_count (self);
}

JsonObject *
outpost_connector_save_metadata (OutpostConnector *self)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->save_metadata (self);
}

gboolean
outpost_connector_restore_metadata (OutpostConnector *self, JsonObject *metadata)
{
  return OUTPOST_CONNECTOR_GET_IFACE (self)->restore_metadata (self, metadata);
}

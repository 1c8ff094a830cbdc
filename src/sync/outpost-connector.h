/* outpost-connector.h: what the sync engine needs from a CRM backend.
 *
 * A connector reads metadata (refining the profile's fields so the local schema comes from the
 * server), downloads pages of rows (full, change-tracked delta, modified-since, ids only),
 * uploads batches of journal operations and calls actions. Dataverse is the first
 * implementation (outpost-dataverse-connector.h). Every call blocks: the engine calls it from
 * its worker thread and from up to N downloader threads at once, so implementations must be
 * thread-safe for concurrent download_page calls. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "outpost-profile.h"

G_BEGIN_DECLS

/* ---- download ---------------------------------------------------------------------------- */

typedef enum {
  OUTPOST_DOWNLOAD_FULL,            /* rows (profile fields), optionally change-tracked so the
                                       last page carries a delta link */
  OUTPOST_DOWNLOAD_DELTA,           /* follow a stored delta link */
  OUTPOST_DOWNLOAD_IDS,             /* only primary ids (and modifiedon when the profile has it):
                                       ID reconciliation; values hold just modifiedon */
} OutpostDownloadMode;

typedef struct {
  OutpostDownloadMode  mode;
  const char          *link;          /* nextLink / deltaLink to follow unchanged; NULL = first */
  gboolean             track_changes; /* FULL/IDS: ask for change tracking (no filter allowed) */
  gboolean             apply_filter;  /* add the profile's filter */
  const char          *since;         /* add "modifiedon gt since" (ISO 8601 UTC) */
  const char * const  *only_ids;      /* restrict to these ids (NULL-terminated; keep it short) */
  guint                page_size;     /* 0 = 5000 */
  gboolean             count;         /* FULL, first page: ask for the row count (progress) */
} OutpostDownloadRequest;

typedef struct {
  char       *id;        /* lower-case GUID */
  char       *etag;      /* NULL for deleted rows */
  JsonObject *values;    /* field name -> value, lookups mapped to "<field>" + "<field>@target";
                            NULL for deleted rows and in IDS mode */
  gboolean    deleted;   /* a $deletedEntity row */
} OutpostServerRow;

typedef struct {
  GPtrArray *rows;        /* OutpostServerRow* */
  char      *next_link;   /* NULL on the last page */
  char      *delta_link;  /* on the last page of a tracked query */
  gsize      bytes;       /* response body size */
  gint64     count;       /* rows the whole query has (@odata.count), -1 when not sent */
} OutpostPage;

void         outpost_server_row_free (OutpostServerRow *row);
void         outpost_page_free       (OutpostPage      *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostPage, outpost_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostServerRow, outpost_server_row_free)

/* ---- upload ------------------------------------------------------------------------------ */

typedef enum {
  OUTPOST_UPLOAD_CREATE,          /* POST */
  OUTPOST_UPLOAD_CREATE_ONCE,     /* PATCH upsert with If-None-Match: * (re-sending a create
                                     whose answer was lost: 412 means it already exists) */
  OUTPOST_UPLOAD_UPDATE,          /* PATCH with If-Match */
  OUTPOST_UPLOAD_DELETE,          /* DELETE with If-Match */
  OUTPOST_UPLOAD_ASSOCIATE,       /* POST .../nav/$ref */
  OUTPOST_UPLOAD_DISASSOCIATE,    /* DELETE .../nav(id)/$ref */
} OutpostUploadKind;

typedef struct {
  OutpostUploadKind  kind;
  OutpostEntity     *entity;
  const char        *id;
  JsonObject        *fields;          /* CREATE/UPDATE: field name -> value (profile names) */
  const char        *etag;            /* If-Match for UPDATE/DELETE; NULL = "*" */
  const char        *navigation;      /* ASSOCIATE/DISASSOCIATE */
  const char        *related_entity;
  const char        *related_id;
} OutpostUploadOp;

typedef struct {
  guint   status;   /* HTTP status of this operation (0 when it was not executed) */
  char   *etag;     /* new ETag when the server sent one */
  GError *error;    /* NULL on success; OUTPOST_SYNC_ERROR_PRECONDITION on 412 */
} OutpostUploadResult;

void outpost_upload_result_free (OutpostUploadResult *result);

/* ---- the interface ---------------------------------------------------------------------- */

#define OUTPOST_TYPE_CONNECTOR (outpost_connector_get_type ())
G_DECLARE_INTERFACE (OutpostConnector, outpost_connector, OUTPOST, CONNECTOR, GObject)

struct _OutpostConnectorInterface
{
  GTypeInterface parent_iface;

  /* Reads the server's metadata for the profile's entities and refines @profile in place
   * (types, lengths, required, options, entity sets, change tracking). */
  gboolean      (*connect)         (OutpostConnector *self, OutpostProfile *profile,
                                    GCancellable *cancellable, GError **error);
  gboolean      (*has_change_tracking) (OutpostConnector *self, OutpostEntity *entity);
  OutpostPage  *(*download_page)   (OutpostConnector *self, OutpostEntity *entity,
                                    const OutpostDownloadRequest *request,
                                    GCancellable *cancellable, GError **error);
  /* One change set: results (OutpostUploadResult*) in the order of @ops. A failing operation
   * does not stop the others. FALSE only when the batch as a whole could not be sent. */
  GPtrArray    *(*upload_batch)    (OutpostConnector *self, GPtrArray *ops /* OutpostUploadOp* */,
                                    GCancellable *cancellable, GError **error);
  JsonNode     *(*call_action)     (OutpostConnector *self, OutpostEntity *entity,
                                    const char *id, const char *action, JsonObject *params,
                                    GCancellable *cancellable, GError **error);
  /* Requests sent so far (for the benchmark and tests). */
  guint64       (*get_request_count) (OutpostConnector *self);
  /* What connect() learnt, to cache it between runs (so a nothing-changed incremental sync
   * sends no metadata requests), and to restore it instead of calling connect(). */
  JsonObject   *(*save_metadata)   (OutpostConnector *self);
  gboolean      (*restore_metadata) (OutpostConnector *self, JsonObject *metadata);
};

gboolean     outpost_connector_connect        (OutpostConnector *self, OutpostProfile *profile,
                                               GCancellable *cancellable, GError **error);
gboolean     outpost_connector_has_change_tracking (OutpostConnector *self, OutpostEntity *entity);
OutpostPage *outpost_connector_download_page  (OutpostConnector *self, OutpostEntity *entity,
                                               const OutpostDownloadRequest *request,
                                               GCancellable *cancellable, GError **error);
GPtrArray   *outpost_connector_upload_batch   (OutpostConnector *self, GPtrArray *ops,
                                               GCancellable *cancellable, GError **error);
JsonNode    *outpost_connector_call_action    (OutpostConnector *self, OutpostEntity *entity,
                                               const char *id, const char *action,
                                               JsonObject *params, GCancellable *cancellable,
                                               GError **error);
guint64      outpost_connector_get_request_count (OutpostConnector *self);
JsonObject  *outpost_connector_save_metadata  (OutpostConnector *self);
gboolean     outpost_connector_restore_metadata (OutpostConnector *self, JsonObject *metadata);

G_END_DECLS

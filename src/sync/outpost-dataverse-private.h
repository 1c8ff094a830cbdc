/* outpost-dataverse-private.h: shared between the Dataverse connector's files. */
#pragma once

#include <libsoup/soup.h>

#include "outpost-dataverse-connector.h"
#include "outpost-sync-error.h"

G_BEGIN_DECLS

struct _OutpostDataverseConnector
{
  GObject              parent_instance;
  char                *org_url;       /* with a trailing slash */
  char                *api_root;      /* org_url + "api/data/v9.2/" */
  char                *api_path;      /* "/api/data/v9.2/" (or "/ORG/api/...") for $batch parts */
  OutpostAuthProvider *auth;
  GAsyncQueue         *sessions;      /* idle SoupSession*: one per concurrent caller */
  GMutex               auth_lock;     /* one token refresh at a time */
  guint                auth_serial;   /* bumped on every refresh */
  guint                max_retries;
  guint                max_backoff_ms;
  guint                timeout;       /* libsoup's idle timeout, seconds */
  guint                max_request_seconds; /* total time to read one answer */
  gsize                max_page_bytes;      /* a page of rows */
  gsize                max_answer_bytes;    /* metadata, $batch answers, actions */
  gint64               requests;      /* atomic */
  GHashTable          *tracking;      /* logical name -> GINT_TO_POINTER (1) when tracked */
  GHashTable          *entity_sets;   /* logical name -> entity set name (all server entities) */
  JsonObject          *relationships; /* profile N:N relationships' intersect tables, NULL = not
                                         read (outpost-dataverse-metadata.c) */
  char                *trusted_certificate; /* fingerprint the user explicitly trusted, or NULL */
  GPtrArray           *chains;        /* OutpostDvChain*: full downloads read ahead, per caller */
  GMutex               chains_lock;
};

typedef struct _OutpostDvChain OutpostDvChain;
void               outpost_dv_chain_free    (OutpostDvChain *chain);
/* The "@odata.nextLink" read from the end of a raw page (no parse), or NULL. */
char              *outpost_dv_tail_link     (GBytes *body);

typedef struct {
  const char *method;
  const char *url;
  const char *content_type;    /* with a body */
  GBytes     *body;
  const char *prefer;
  const char *if_match;
  const char *if_none_match;   /* NULL = "null", as A1 asks */
  gboolean    keep_error_body; /* 4xx (not 401/429) come back as a response, not an error */
  gboolean    not_idempotent;  /* a dropped connection may have executed it: never re-send */
  gsize       max_bytes;       /* 0 = the connector's max_answer_bytes */
} OutpostDvRequest;

/* Deeper JSON is refused before json-glib (which recurses per level) sees it. */
#define OUTPOST_DV_MAX_DEPTH 64

typedef struct {
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
} OutpostDvResponse;

void               outpost_dv_response_free (OutpostDvResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostDvResponse, outpost_dv_response_free)

/* Sends with the A1 headers, auth, one 401 refresh, 429 waits, 5xx/network backoff. */
OutpostDvResponse *outpost_dv_send         (OutpostDataverseConnector *self,
                                            const OutpostDvRequest    *request,
                                            GCancellable              *cancellable,
                                            GError                   **error);
/* An OData error body (or a bare status) as a GError in OUTPOST_SYNC_ERROR. */
GError            *outpost_dv_error_from_body (guint status, GBytes *body);
/* Parses a JSON object body; a malformed or truncated body is a PROTOCOL error. */
JsonObject        *outpost_dv_parse_object (GBytes *body, GError **error);
char              *outpost_dv_escape_literal (const char *value);
gboolean           outpost_dv_json_depth_ok (const char *data, gsize len, guint max_depth);
/* Typed getters: NULL when the member is absent or of another JSON type. */
JsonObject        *outpost_dv_get_object   (JsonObject *obj, const char *member);
JsonArray         *outpost_dv_get_array    (JsonObject *obj, const char *member);
const char        *outpost_dv_get_string   (JsonObject *obj, const char *member);
JsonObject        *outpost_dv_array_object (JsonArray *array, guint index);

GPtrArray         *outpost_dv_upload_batch (OutpostConnector *connector, GPtrArray *ops,
                                            GCancellable *cancellable, GError **error);
gboolean           outpost_dv_read_metadata (OutpostDataverseConnector *self,
                                            OutpostProfile *profile,
                                            GCancellable *cancellable, GError **error);
void               outpost_dv_option_clear (gpointer data);
/* The "relationships" member of the saved metadata (see outpost-dataverse-metadata.c). */
void               outpost_dv_save_relationships    (OutpostDataverseConnector *self, JsonObject *out);
void               outpost_dv_restore_relationships (OutpostDataverseConnector *self, JsonObject *metadata);
/* JSON body of a create/update: profile field values to Web API names (lookups as binds). */
JsonObject        *outpost_dv_body_for_fields (OutpostDataverseConnector *self,
                                            OutpostEntity *entity, JsonObject *fields);

G_END_DECLS

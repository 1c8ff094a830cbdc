/* outpost-server-private.h: shared types of outpost-server, the Dataverse-compatible Web API
 * server used by the demo mode and the tests. Nothing here is shared with the client on
 * purpose: the server has its own schema, its own JSON handling and its own query parser, so
 * that it catches the client's protocol mistakes instead of mirroring them. */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define OS_API_PREFIX "/api/data/v9.2/"
#define OS_MAX_PAGE_SIZE 5000
#define OS_DEMO_USER_ID "8d2b6f4e-1c3a-4e5b-9f70-3a1b2c4d5e01"
#define OS_OTHER_USER_ID "8d2b6f4e-1c3a-4e5b-9f70-3a1b2c4d5e02"
#define OS_ORG_ID "5c0f1e2d-7a6b-4c3d-8e9f-0a1b2c3d4e5f"
#define OS_BU_ID "5c0f1e2d-7a6b-4c3d-8e9f-0a1b2c3d4e60"

/* ---- schema ---------------------------------------------------------------------------- */

typedef enum {
  OS_TYPE_STRING,
  OS_TYPE_MEMO,
  OS_TYPE_INTEGER,
  OS_TYPE_BIGINT,
  OS_TYPE_DECIMAL,
  OS_TYPE_MONEY,
  OS_TYPE_BOOLEAN,
  OS_TYPE_DATETIME,
  OS_TYPE_DATEONLY,
  OS_TYPE_PICKLIST,
  OS_TYPE_STATE,
  OS_TYPE_STATUS,
  OS_TYPE_LOOKUP,
  OS_TYPE_CUSTOMER,
  OS_TYPE_OWNER,
  OS_TYPE_GUID,
  OS_TYPE_MULTIPICKLIST,  /* multi-select option set: "v1,v2" on the wire, stored sorted as text */
} OsType;

enum {
  OS_ATTR_READONLY = 1 << 0,  /* not valid for create or update (system maintained) */
  OS_ATTR_COMPUTED = 1 << 1,  /* computed from other columns (fullname) */
  OS_ATTR_NO_CREATE = 1 << 2, /* reported IsValidForCreate false (statecode), still accepted */
};

typedef struct {
  int         value;
  const char *label;
  int         state;   /* status reasons: the statecode they belong to */
} OsOption;

typedef struct {
  const char     *name;
  OsType          type;
  int             max_length;
  const char     *required;     /* None, SystemRequired, ApplicationRequired, Recommended */
  const char     *targets;      /* lookups: comma separated logical names */
  const OsOption *options;      /* picklist/state/status: terminated by label == NULL */
  unsigned        flags;
} OsAttribute;

typedef struct {
  const char        *logical_name;
  const char        *set_name;
  const char        *primary_id;
  const char        *primary_name;
  const char        *metadata_id;
  gboolean           change_tracking;
  const OsAttribute *attrs;     /* terminated by name == NULL; the first is the primary id */
  const char        *nn_nav;    /* N:N navigation property, or NULL */
  const char        *nn_target; /* logical name at the other end */
} OsEntity;

const OsEntity    *os_schema_entities        (guint *n_entities);
const OsEntity    *os_schema_by_set          (const char *set_name);
const OsEntity    *os_schema_by_logical      (const char *logical_name);
const OsAttribute *os_schema_attr            (const OsEntity *entity, const char *name);
const char        *os_type_name              (OsType type);
const char        *os_type_edm               (OsType type);
gboolean           os_type_is_lookup         (OsType type);
gboolean           os_type_is_option         (OsType type);
gboolean           os_attr_has_options       (const OsAttribute *attr);
gboolean           os_attr_is_required       (const OsAttribute *attr);
gboolean           os_lookup_has_target      (const OsAttribute *attr, const char *logical);
gboolean           os_schema_create_tables   (sqlite3 *db, GError **error);
gboolean           os_schema_seed_parties    (sqlite3 *db, GError **error);

/* ---- server state ---------------------------------------------------------------------- */

typedef enum { OS_AUTH_NONE, OS_AUTH_OAUTH, OS_AUTH_BASIC } OsAuthMode;

typedef struct _OsFault OsFault;
typedef struct _OsAuth OsAuth;

typedef struct {
  SoupServer  *soup;
  sqlite3     *db;
  char        *data_dir;
  char        *base_url;     /* http://127.0.0.1:PORT/ */
  char        *api_base;     /* http://127.0.0.1:PORT/api/data/v9.2/ */
  gint64       version;      /* org-wide row version counter (like Dataverse's versionnumber) */
  gint64       min_delta_version; /* delta tokens older than this are expired */
  gsize        max_body;
  OsAuthMode   auth_mode;
  OsAuth      *auth;
  GPtrArray   *faults;       /* OsFault */
  /* service protection */
  guint        limit_requests;   /* 0 = unlimited */
  guint        limit_window;     /* seconds */
  guint        limit_retry_after;
  char        *limit_kind;       /* requests | time | concurrency */
  GQueue       limit_times;      /* gint64 monotonic microseconds, boxed as GINT_TO_POINTER pairs */
  /* request log for tests */
  guint64      request_count;
  GPtrArray   *request_log;      /* char * "METHOD path status" */
  GHashTable  *request_counts;   /* "METHOD /path-without-query" -> count */
  GMainLoop   *loop;
  GHashTable  *content_ids;      /* set while a $batch change set runs: "1" -> entity URL */
} OsServer;

/* ---- requests and responses ------------------------------------------------------------- */

typedef struct {
  OsServer           *server;
  const char         *method;
  char               *path;        /* decoded, relative to the API prefix, no leading '/' */
  char               *raw_query;   /* still encoded, may be NULL */
  GHashTable         *query;       /* decoded name -> value */
  SoupMessageHeaders *headers;
  GBytes             *body;
  const char         *user_id;     /* the acting systemuser */
  GHashTable         *content_ids; /* $batch: "1" -> entity URL */
} OsRequest;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  char               *content_type;
  GString            *body;
  char               *entity_url;  /* set by creates and updates, for $batch Content-ID */
} OsResponse;

OsResponse *os_response_new        (void);
/* Replaces the Content-Type (freeing the one an earlier helper set). */
void        os_response_set_content_type (OsResponse *resp, const char *type);
void        os_response_free       (OsResponse *resp);
void        os_response_error      (OsResponse *resp, guint status, const char *code,
                                    const char *fmt, ...) G_GNUC_PRINTF (4, 5);
void        os_response_json       (OsResponse *resp, guint status, GString *body);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsResponse, os_response_free)

void        os_request_free        (OsRequest *req);
OsRequest  *os_request_new         (OsServer *server, const char *method, const char *path,
                                    const char *raw_query, SoupMessageHeaders *headers,
                                    GBytes *body);
GHashTable *os_parse_query         (const char *raw_query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsRequest, os_request_free)

/* Prefer header */
typedef struct {
  gboolean  return_representation;
  gboolean  track_changes;
  gboolean  continue_on_error;
  int       max_page_size;        /* 0 = not given */
  char     *include_annotations;  /* NULL = none */
} OsPrefer;

void      os_prefer_parse        (SoupMessageHeaders *headers, OsPrefer *prefer);
void      os_prefer_clear        (OsPrefer *prefer);
gboolean  os_prefer_annotation   (const OsPrefer *prefer, const char *name);

/* ---- JSON output ------------------------------------------------------------------------ */

void os_json_string (GString *out, const char *value);
void os_json_key    (GString *out, const char *key);
void os_json_double (GString *out, double value);

/* ---- dispatch ---------------------------------------------------------------------------- */

void os_api_dispatch     (OsRequest *req, OsResponse *resp);
void os_entity_query     (OsRequest *req, OsResponse *resp, const OsEntity *entity, gboolean count_only);
void os_entity_get       (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id,
                          const char *property);
void os_entity_create    (OsRequest *req, OsResponse *resp, const OsEntity *entity);
void os_entity_update    (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id);
void os_entity_delete    (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id);
void os_entity_nn        (OsRequest *req, OsResponse *resp, const OsEntity *entity, const char *id,
                          const char *nav, const char *other_id, gboolean is_ref);
void os_nn_collection    (OsRequest *req, OsResponse *resp);  /* GET accountleadscollection */
void os_entity_send_email (OsRequest *req, OsResponse *resp, const char *id);
void os_metadata_dispatch (OsRequest *req, OsResponse *resp, const char *path);
void os_metadata_csdl     (OsRequest *req, OsResponse *resp);
void os_batch_execute     (OsRequest *req, OsResponse *resp);

/* Writes shared with the admin endpoint (another user's edits). Returns FALSE with resp set. */
gboolean os_store_apply  (OsServer *server, const OsEntity *entity, const char *id,
                          JsonObject *fields, const char *user_id, gboolean create,
                          OsResponse *resp);
gboolean os_store_delete (OsServer *server, const OsEntity *entity, const char *id,
                          OsResponse *resp);
gint64   os_store_row_version (OsServer *server, const OsEntity *entity, const char *id);
gint64   os_next_version (OsServer *server);
gboolean os_parse_entity_ref (OsServer *server, const char *ref, const OsEntity **entity, char **id);
char    *os_now_iso      (void);
gboolean os_is_guid      (const char *text);
char    *os_new_guid     (void);

/* SQL helpers */
gboolean os_sql_exec     (sqlite3 *db, const char *sql, GError **error);
void     os_sql_ident    (GString *out, const char *ident);

/* ---- $filter / $orderby / $select -------------------------------------------------------- */

typedef struct {
  GString   *sql;     /* WHERE fragment with '?' placeholders */
  GPtrArray *values;  /* OsValue */
} OsFilter;

typedef enum { OS_VALUE_NULL, OS_VALUE_INT, OS_VALUE_REAL, OS_VALUE_TEXT } OsValueKind;
typedef struct {
  OsValueKind kind;
  gint64      i;
  double      d;
  char       *s;
} OsValue;

OsValue  *os_value_text   (const char *s);
OsValue  *os_value_int    (gint64 i);
void      os_value_free   (OsValue *v);
void      os_bind_values  (sqlite3_stmt *stmt, GPtrArray *values, int first);
gboolean  os_filter_parse (const OsEntity *entity, const char *text, OsFilter *out, GError **error);
void      os_filter_clear (OsFilter *filter);
const OsAttribute *os_resolve_property (const OsEntity *entity, const char *name);

/* Records: a statement whose columns are versionnumber, primary id, then each attribute of
 * attrs (lookups take two columns: the id and the target's logical name). */
void      os_write_record    (OsServer *server, GString *out, const OsEntity *entity, GPtrArray *attrs,
                              sqlite3_stmt *stmt, const OsPrefer *prefer);
GString  *os_record_document (OsServer *server, const OsEntity *entity, GPtrArray *attrs,
                              sqlite3_stmt *stmt, const OsPrefer *prefer, const char *select);
gboolean  os_parse_select    (const OsEntity *entity, const char *text, GPtrArray *attrs,
                              OsResponse *resp);
const char *os_nav_name      (const OsEntity *entity, const OsAttribute *attr, const char *target);

/* ---- auth, faults, admin --------------------------------------------------------------- */

OsAuth   *os_auth_new        (OsServer *server, int token_lifetime, int device_interval,
                              int device_lifetime, const char *basic_user,
                              const char *basic_password);
void      os_auth_free       (OsAuth *auth);
gboolean  os_auth_handle     (OsServer *server, SoupServerMessage *msg, const char *path);
gboolean  os_auth_check      (OsServer *server, SoupServerMessage *msg, const char **user_id);
void      os_auth_admin      (OsServer *server, const char *action, JsonObject *body,
                              OsResponse *resp);

void      os_admin_handle    (OsServer *server, SoupServerMessage *msg, const char *path);
void      os_fault_free      (OsFault *fault);
/* Applies faults that act before the request (status, throttling); TRUE = answered. */
gboolean  os_faults_before   (OsServer *server, SoupServerMessage *msg, const char *path);
/* Applies faults to a finished response (latency, truncation, dropped connection). */
void      os_faults_after    (OsServer *server, SoupServerMessage *msg, const char *path,
                              OsResponse *resp);
gboolean  os_limits_check    (OsServer *server, SoupServerMessage *msg);

/* ---- seed -------------------------------------------------------------------------------- */

gboolean  os_seed            (OsServer *server, const char *spec, GError **error);
gboolean  os_seed_users      (OsServer *server, GError **error);

G_END_DECLS

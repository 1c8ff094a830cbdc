/* outpost-record.h: one row of an entity as the store hands it out: values as JSON (the
 * natural shape for OData and cheap to copy), plus its sync bookkeeping. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  OUTPOST_ROW_SYNCED,
  OUTPOST_ROW_LOCALLY_CREATED,
  OUTPOST_ROW_LOCALLY_MODIFIED,
  OUTPOST_ROW_LOCALLY_DELETED,
} OutpostRowState;

typedef struct {
  char            *entity;       /* logical name */
  char            *id;           /* primary key GUID, lower case */
  JsonObject      *values;       /* field name -> value; JSON null for empty. Lookups: GUID string,
                                    and "<field>@target" -> target logical name when known */
  char            *etag;         /* server ETag, W/"n"; NULL if never on the server */
  OutpostRowState  state;
  gboolean         has_conflict;
  gboolean         has_error;
  /*< private >*/
  gint             ref_count;
} OutpostRecord;

#define OUTPOST_TYPE_RECORD (outpost_record_get_type ())
GType          outpost_record_get_type    (void) G_GNUC_CONST;
OutpostRecord *outpost_record_new         (const char    *entity,
                                           const char    *id);
OutpostRecord *outpost_record_ref         (OutpostRecord *self);
void           outpost_record_unref       (OutpostRecord *self);

/* Convenience accessors; NULL / 0 / FALSE when the value is null or absent. */
const char    *outpost_record_get_string  (OutpostRecord *self, const char *field);
gint64         outpost_record_get_int     (OutpostRecord *self, const char *field);
gdouble        outpost_record_get_double  (OutpostRecord *self, const char *field);
gboolean       outpost_record_get_boolean (OutpostRecord *self, const char *field);
gboolean       outpost_record_is_null     (OutpostRecord *self, const char *field);

const char    *outpost_row_state_to_string (OutpostRowState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostRecord, outpost_record_unref)

G_END_DECLS

/* outpost-profile.h: the sync profile ("customization"): which entities and fields are kept
 * offline, their types, filters and conflict policies. Parsed from JSON (data/profile.json is
 * the default); identifiers are validated here so nothing unsafe ever reaches SQL. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  OUTPOST_FIELD_STRING,
  OUTPOST_FIELD_MEMO,
  OUTPOST_FIELD_INTEGER,
  OUTPOST_FIELD_BIGINT,
  OUTPOST_FIELD_DECIMAL,
  OUTPOST_FIELD_DOUBLE,
  OUTPOST_FIELD_MONEY,
  OUTPOST_FIELD_BOOLEAN,
  OUTPOST_FIELD_DATETIME,
  OUTPOST_FIELD_PICKLIST,
  OUTPOST_FIELD_MULTI_PICKLIST,  /* Dataverse sends "1,3,5" */
  OUTPOST_FIELD_LOOKUP,          /* value is the target's GUID; the row also keeps the target entity */
  OUTPOST_FIELD_UNIQUEIDENTIFIER,
  OUTPOST_FIELD_STATE,
  OUTPOST_FIELD_STATUS,
} OutpostFieldType;

typedef enum {
  OUTPOST_DATETIME_USER_LOCAL,
  OUTPOST_DATETIME_DATE_ONLY,
  OUTPOST_DATETIME_TIME_ZONE_INDEPENDENT,
} OutpostDateTimeBehavior;

/* What a text field holds (Dataverse's StringAttributeMetadata.Format: Text, Url, Email,
 * Phone): the form offers to open web sites, e-mail addresses and phone numbers, and only as
 * http(s):, mailto: and tel: (outpost-links.h). An attachment is a memo with a file's Base64
 * body (a note's documentbody); the record's "filename" and "mimetype" describe it. */
typedef enum {
  OUTPOST_FIELD_FORMAT_TEXT,
  OUTPOST_FIELD_FORMAT_URL,
  OUTPOST_FIELD_FORMAT_EMAIL,
  OUTPOST_FIELD_FORMAT_PHONE,
  OUTPOST_FIELD_FORMAT_ATTACHMENT,
  OUTPOST_FIELD_FORMAT_HTML,        /* a memo holding HTML (an email's body): shown as its text */
} OutpostFieldFormat;

typedef enum {
  OUTPOST_CONFLICT_SERVER_WINS,
  OUTPOST_CONFLICT_CLIENT_WINS_CHANGED_FIELDS,
  OUTPOST_CONFLICT_CLIENT_WINS_FULL,
  OUTPOST_CONFLICT_MANUAL,
} OutpostConflictPolicy;

typedef struct {
  gint   value;
  char  *label;
} OutpostOption;

typedef struct {
  char                   *name;          /* logical name, validated identifier */
  char                   *label;         /* display label (may be NULL: name is used) */
  OutpostFieldType        type;
  gboolean                required;
  gboolean                read_only;     /* not valid for create/update on the server */
  gboolean                searchable;    /* part of the full-text index */
  gboolean                sortable;      /* the profile marks it: lists may be sorted by it */
  gint                    max_length;    /* strings and memos; 0 = no limit */
  gint                    precision;     /* decimals and money */
  gdouble                 min_value;     /* numbers; min > max means unbounded */
  gdouble                 max_value;
  OutpostDateTimeBehavior datetime_behavior;
  GArray                 *options;       /* OutpostOption, picklists/state/status; may be NULL */
  GStrv                   targets;       /* lookup target entity logical names; may be NULL */
  OutpostFieldFormat      format;        /* strings: url/email/phone; memos: attachment */
} OutpostField;

typedef struct {
  char                  *logical_name;   /* "account" */
  char                  *entity_set;     /* "accounts" */
  char                  *display_name;   /* "Account" */
  char                  *display_plural; /* "Accounts" */
  char                  *primary_id;     /* "accountid" */
  char                  *primary_name;   /* "name" */
  GPtrArray             *fields;         /* OutpostField*, in profile order; includes primary name */
  char                  *filter;         /* OData $filter for the sync, or NULL */
  OutpostConflictPolicy  conflict_policy;
  gboolean               always_full_sync;
  GStrv                  list_columns;   /* fields shown as list columns, first is the default sort */
  /* Fields a list can be sorted by; the store keeps an index for each (one index costs every
   * row written several microseconds). Always list_columns[0] and primary_name, then the
   * fields marked sortable, or, when none is, the list columns whose order means something
   * (not lookups, multi-select picklists, identifiers or memos). */
  GStrv                  sort_columns;
} OutpostEntity;

typedef struct {
  char  *name;          /* N:N relationship schema name, e.g. "accountleads_association" */
  char  *entity1;       /* logical names */
  char  *entity2;
  char  *navigation1;   /* navigation property on entity1 used with $ref */
} OutpostRelationship;

typedef struct _OutpostProfile OutpostProfile;

#define OUTPOST_TYPE_PROFILE (outpost_profile_get_type ())
GType               outpost_profile_get_type        (void) G_GNUC_CONST;

OutpostProfile     *outpost_profile_new_from_data   (const char      *json,
                                                     gssize           length,
                                                     GError         **error);
OutpostProfile     *outpost_profile_new_from_file   (GFile           *file,
                                                     GError         **error);
/* The default profile shipped in the gresource / data dir. */
OutpostProfile     *outpost_profile_new_default     (GError         **error);
OutpostProfile     *outpost_profile_ref             (OutpostProfile  *self);
void                outpost_profile_unref           (OutpostProfile  *self);

const char         *outpost_profile_get_name        (OutpostProfile  *self);
gint64              outpost_profile_get_version     (OutpostProfile  *self);
guint               outpost_profile_get_n_entities  (OutpostProfile  *self);
OutpostEntity      *outpost_profile_get_entity_at   (OutpostProfile  *self,
                                                     guint            index);
OutpostEntity      *outpost_profile_lookup_entity   (OutpostProfile  *self,
                                                     const char      *logical_name);
OutpostEntity      *outpost_profile_lookup_entity_set (OutpostProfile *self,
                                                     const char      *entity_set);
GPtrArray          *outpost_profile_get_relationships (OutpostProfile *self); /* OutpostRelationship* */
/* Serialize back to JSON (stored in the database so the schema can be compared later). */
char               *outpost_profile_to_json         (OutpostProfile  *self);

OutpostField       *outpost_entity_lookup_field     (OutpostEntity   *entity,
                                                     const char      *name);
/* TRUE when @name is one of the entity's sort_columns. */
gboolean            outpost_entity_is_sortable      (OutpostEntity   *entity,
                                                     const char      *name);
const char         *outpost_option_label            (OutpostField    *field,
                                                     gint             value);

/* ^[a-z_][a-z0-9_]*$ and at most 64 characters. */
gboolean            outpost_identifier_is_valid     (const char      *name);
const char         *outpost_field_type_to_string    (OutpostFieldType type);
gboolean            outpost_field_type_from_string  (const char      *str,
                                                     OutpostFieldType *type);
const char         *outpost_conflict_policy_to_string (OutpostConflictPolicy policy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostProfile, outpost_profile_unref)

G_END_DECLS

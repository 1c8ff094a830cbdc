/* outpost-store-private.h: shared by the store's .c files (and white-box tests). */
#pragma once

#include <sqlite3.h>

#include "outpost-store.h"
#include "outpost-store-sync.h"

G_BEGIN_DECLS

/* Version of the store's own tables (journal, sync state, ...). Entity tables follow the
 * profile instead and are brought in line on every open. */
#define OUTPOST_SCHEMA_VERSION 3

/* Precomputed SQL for one entity table. Column order of every row statement:
 * __id, __etag, __state, __issues, __generation, __base, then the fields in profile order,
 * then one __target_<f> per lookup field. */
typedef struct {
  OutpostEntity *entity;
  char          *table;        /* quoted "e_<logical>" */
  char          *fts;          /* quoted "f_<logical>" */
  char          *staging;      /* quoted "b_<logical>": bulk-load staging table */
  char          *bulk_sql;     /* INSERT OR REPLACE into the staging table, insert_sql's layout */
  sqlite3_stmt  *bulk_stmt;    /* borrowed from the store's statement cache */
  char          *state_sql;    /* SELECT __state, __etag by __id */
  sqlite3_stmt  *state_stmt;
  gboolean       bulk;         /* this connection is bulk-loading the entity */
  gboolean       tidying;      /* outpost-store-tidy.c: merging its FTS segments into one */
  char          *select_list;  /* the columns above */
  char          *insert_sql;   /* INSERT with all columns, ?1.. in column order */
  sqlite3_stmt  *insert_stmt;  /* borrowed from the store's statement cache */
  char          *replace_sql;  /* UPDATE ... WHERE __id = ?1 with the same binding layout */
  GPtrArray     *lookups;      /* OutpostField* of the lookup fields */
  GPtrArray     *target_keys;  /* "<lookup>@target" for each of them */
  char          *apply_sql;    /* insert_sql + ON CONFLICT (__id) DO NOTHING */
  sqlite3_stmt  *apply_stmt;   /* borrowed from the store's statement cache */
  GPtrArray     *fts_fields;   /* OutpostField* of the FTS columns, in FTS column order */
  char          *fts_insert_sql;
  char          *fts_select_sql;       /* the FTS columns of a row by __id */
  sqlite3_stmt  *fts_select_stmt;
  char          *replace_keep_fts_sql; /* replace_sql without the FTS columns */
  sqlite3_stmt  *fts_stmt;     /* borrowed from the store's statement cache */
  sqlite3_stmt  *complete_stmt;   /* outpost-store-sync.c: a completed entry's row update */
  sqlite3_stmt  *sync_state_stmt; /* outpost-store-sync.c: __etag, __issues by __id */
  /* outpost-store-values.c: the value columns (the fields, then one target per lookup), by
   * name: a row's members are bound in one pass over them, fields are validated by name */
  GHashTable    *slots;        /* field name or "<lookup>@target" -> its value column + 1 */
  guint          n_fields;
  guint          n_values;     /* n_fields + lookups */
  guint         *lookup_cols;  /* value column of each lookup field (t->lookups order) */
  guint         *fts_cols;     /* value column of each FTS field (t->fts_fields order) */
} OutpostTable;

#define OUTPOST_COL_ID 0
#define OUTPOST_COL_ETAG 1
#define OUTPOST_COL_STATE 2
#define OUTPOST_COL_ISSUES 3
#define OUTPOST_COL_GENERATION 4
#define OUTPOST_COL_BASE 5
#define OUTPOST_COL_FIRST_FIELD 6

#define OUTPOST_ISSUE_ERROR    (1 << 0)
#define OUTPOST_ISSUE_CONFLICT (1 << 1)

struct _OutpostStore {
  GObject               parent_instance;
  sqlite3              *db;
  char                 *path;
  OutpostProfile       *profile;
  GHashTable           *stmts;     /* SQL text -> sqlite3_stmt* (prepared once) */
  GHashTable           *tables;    /* logical name -> OutpostTable* */
  guint                 tx_depth;
  guint                 savepoint_seq;
  OutpostStoreBusyFunc  busy_func;
  gpointer              busy_data;
  gint64                busy_started;
  gboolean              busy_notified;
  gboolean              lock_waiting;  /* counted among the user's writers waiting for the
                                        * lock (outpost_store_give_way) */
  guint                 broken_depth;  /* a write failed halfway at this tx depth (0 = none):
                                        * its changes must not commit (see outpost_store_tx_end) */
  GHashTable           *prefix_cache;  /* "<entity>\x1f<prefix>" -> GPtrArray of its terms
                                        * (outpost-store-query.c), valid while these two stay: */
  gint64                prefix_data_version;
  gint64                prefix_total_changes;
  sqlite3_stmt         *journal_stmt;  /* outpost-store-journal.c, borrowed from stmts */
};

/* outpost-store.c */
sqlite3_stmt  *outpost_store_prepare         (OutpostStore *self, const char *sql, GError **error);
gboolean       outpost_store_exec            (OutpostStore *self, const char *sql, GError **error);
gboolean       outpost_store_step_done       (OutpostStore *self, sqlite3_stmt *stmt, GError **error);
gboolean       outpost_store_sqlite_error    (OutpostStore *self, GError **error, const char *what);
/* Nested-safe: the outermost is BEGIN IMMEDIATE, inner ones are savepoints. */
gboolean       outpost_store_tx_begin        (OutpostStore *self, GError **error);
gboolean       outpost_store_tx_end          (OutpostStore *self, gboolean ok, GError **error);
OutpostTable  *outpost_store_table           (OutpostStore *self, const char *entity, GError **error);
gint64         outpost_store_now             (void);

/* outpost-schema.c */
gboolean       outpost_schema_migrate_core   (sqlite3 *db, int target, GError **error);
gboolean       outpost_schema_sync_entities  (OutpostStore *self, GError **error);
char          *outpost_schema_create_table_sql (OutpostTable *table, const char *name,
                                                gboolean unique_id);
gboolean       outpost_schema_create_indexes (OutpostStore *self, OutpostTable *table, GError **error);
/* (Re)creates the FTS table and its triggers, filling it, unless outpost_meta says it is current. */
gboolean       outpost_schema_create_fts     (OutpostStore *self, OutpostTable *table, GError **error);
OutpostTable  *outpost_table_new             (OutpostEntity *entity);
void           outpost_table_free            (OutpostTable *table);
char          *outpost_quote_ident           (const char *prefix, const char *name);

/* outpost-store-values.c */
void           outpost_bind_json             (sqlite3_stmt *stmt, int idx, JsonNode *node);
JsonNode      *outpost_column_json           (sqlite3_stmt *stmt, int col, OutpostField *field);
gboolean       outpost_validate_values       (OutpostTable *table, JsonObject *values,
                                              gboolean is_create, GError **error);
/* Like outpost_bind_json, without copying strings: @node must outlive the next step. */
void           outpost_bind_json_static      (sqlite3_stmt *stmt, int idx, JsonNode *node);
/* Binds the value columns (fields + lookup targets) of @values from ?@first on. With @nodes
 * (table->n_values of them), each column's member of @values (or NULL) is stored there. */
void           outpost_bind_row_values       (OutpostTable *table, sqlite3_stmt *stmt, int first,
                                              JsonObject *values, JsonNode **nodes);
void           outpost_table_init_slots      (OutpostTable *table);
void           outpost_table_free_slots      (OutpostTable *table);
/* The field called @name, NULL when the entity has none (one hash lookup). */
OutpostField  *outpost_table_field           (OutpostTable *table, const char *name);
OutpostRecord *outpost_record_from_stmt      (OutpostTable *table, sqlite3_stmt *stmt);
char          *outpost_json_object_to_string (JsonObject *object);
JsonObject    *outpost_json_object_from_string (const char *text);
gboolean       outpost_json_equal            (JsonNode *a, JsonNode *b);

/* outpost-store-records.c */
void           outpost_bind_all              (sqlite3_stmt *stmt, GPtrArray *binds);
gboolean       outpost_store_not_found       (GError **error, const char *entity, const char *id);
/* Appends ", "f" = ?n" for each field in @changes (and the lookup targets they imply). */
void           outpost_table_change_columns  (OutpostTable *table, JsonObject *changes,
                                              GString *sql, GPtrArray *binds);

/* outpost-store-fts.c */
/* Prepares @sql once into *@slot (a statement borrowed from the store's cache). */
sqlite3_stmt  *outpost_store_prepare_cached  (OutpostStore *self, sqlite3_stmt **slot,
                                              const char *sql, GError **error);
/* Binds a whole row in insert_sql's layout; strings are not copied (step right away). */
void           outpost_table_bind_row        (OutpostTable *table, sqlite3_stmt *stmt,
                                              const char *id, const char *etag,
                                              OutpostRowState state, gint64 generation,
                                              JsonObject *values, JsonNode **nodes);
void           outpost_table_init_fts        (OutpostTable *table);
/* TRUE when @values has exactly the row's current text in every FTS column. */
gboolean       outpost_table_fts_unchanged   (OutpostStore *self, OutpostTable *table,
                                              const char *id, JsonObject *values);
/* INSERTs a row (binding layout of insert_sql) and its FTS row, in one transaction. With
 * @if_new, an existing __id is left alone. Returns 1 inserted, 0 id exists, -1 error. */
gint           outpost_table_insert_row      (OutpostStore *self, OutpostTable *table,
                                              const char *id, const char *etag,
                                              OutpostRowState state, gint64 generation,
                                              JsonObject *values, gboolean if_new,
                                              GError **error);

/* outpost-store-sync.c: the row's state (-1 absent, -2 error) and etag */
gint           outpost_server_row_state      (OutpostStore *self, OutpostTable *table,
                                              const char *id, char **etag, GError **error);

/* outpost-store-bulk.c */
OutpostApplyResult outpost_bulk_apply        (OutpostStore *self, OutpostTable *table,
                                              const char *id, JsonObject *values,
                                              const char *etag, gint64 generation,
                                              GError **error);

/* outpost-store-tidy.c: segments of the table's full-text index (-1 on error) */
gint           outpost_table_fts_segments    (OutpostStore *self, OutpostTable *table, GError **error);
gint           outpost_store_search_segments (OutpostStore *self, const char *entity, GError **error);

/* outpost-store-assoc.c: N:N links added/removed here, not yet uploaded (@entity NULL = all) */
gint64         outpost_store_count_pending_associations (OutpostStore *self, const char *entity,
                                              GError **error);

/* outpost-store-journal.c */
gint64         outpost_journal_append        (OutpostStore *self, OutpostJournalOp op,
                                              const char *entity, const char *record_id,
                                              JsonObject *fields, const char *relationship,
                                              const char *related_entity, const char *related_id,
                                              GError **error);
/* Merges @changes into the record's last journal entry when that is a PENDING create/update,
 * else appends an UPDATE. */
gboolean       outpost_journal_record_update (OutpostStore *self, const char *entity,
                                              const char *record_id, JsonObject *changes,
                                              GError **error);
gboolean       outpost_store_set_issue_flags (OutpostStore *self, const char *entity,
                                              const char *record_id, GError **error);

G_END_DECLS

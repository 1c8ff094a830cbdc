/* outpost-test-server.h: starts the real outpost-server for a test (port 0, a temporary data
 * directory) and talks to it as "another user" through its Web API and its admin endpoint. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "outpost-profile.h"
#include "outpost-sync-engine.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *process;
  char        *dir;        /* temporary directory: server data in dir/server, client in dir/client */
  char        *base_url;   /* http://127.0.0.1:PORT/ */
  char        *api_root;   /* base_url + api/data/v9.2/ */
  char        *db_path;    /* dir/client/outpost.db */
  char        *seed;
  char        *auth;
  guint        starts;
} OutpostTestServer;

/* @seed: "demo", "accounts=100", or NULL; @auth: NULL = "none". Aborts the test on failure. */
OutpostTestServer *outpost_test_server_start    (const char *seed, const char *auth);
/* Stops the server (SIGTERM) but keeps the data; start it again with _restart. */
void               outpost_test_server_stop     (OutpostTestServer *self);
void               outpost_test_server_restart  (OutpostTestServer *self);
/* Stops the server and removes the temporary directory. */
void               outpost_test_server_free     (OutpostTestServer *self);

/* A Web API call as another client: @path relative to the API root; @body JSON or NULL.
 * Returns the parsed JSON body (or NULL when empty) and the status in @status. */
JsonNode          *outpost_test_server_api      (OutpostTestServer *self, const char *method,
                                                 const char *path, const char *body,
                                                 guint *status);
/* A call to the admin endpoint (base_url + "_admin/" + @path) with a JSON body (or NULL);
 * returns the status, asserting nothing; @out (may be NULL) receives the parsed answer. */
guint              outpost_test_server_admin    (OutpostTestServer *self, const char *method,
                                                 const char *path, const char *body,
                                                 JsonNode **out);
/* Faults (the admin endpoint's "faults" list): add one (JSON as the server's README says),
 * remove them all, and how often they have fired in all. Each asserts the server agreed. */
void               outpost_test_server_add_fault    (OutpostTestServer *self, const char *json);
void               outpost_test_server_clear_faults (OutpostTestServer *self);
gint64             outpost_test_server_faults_fired (OutpostTestServer *self);
/* How many lines of the server's request log contain @fragment and end with @status
 * (each is printed as a test message, so a failing test shows what the server saw). */
guint              outpost_test_server_logged       (OutpostTestServer *self, const char *fragment,
                                                     const char *status);
/* The number of rows of an entity set on the server ($count). */
gint64             outpost_test_server_count    (OutpostTestServer *self, const char *query);

/* The default profile, and an engine for this server and the client database. */
OutpostProfile    *outpost_test_profile         (void);
OutpostSyncEngine *outpost_test_engine          (OutpostTestServer *self, OutpostProfile *profile);
/* Runs a sync of @kind and asserts it succeeded. */
OutpostSyncResult *outpost_test_sync            (OutpostSyncEngine *engine, OutpostSyncKind kind);

/* Ids of the first @n rows of a query (e.g. "accounts?$filter=statecode eq 0"), as a
 * NULL-terminated vector. */
GStrv              outpost_test_server_ids      (OutpostTestServer *self, const char *entity_set,
                                                 const char *primary_id, const char *filter,
                                                 guint n);
/* A second store connection on the client database (as the UI would have). */
struct _OutpostStore *outpost_test_open_store   (OutpostTestServer *self, OutpostProfile *profile);

/* The usual test fixture: the demo server, the default profile, an engine that has run one
 * sync of @first_sync, and a store on the client's database (as the window's worker has). */
typedef struct {
  OutpostTestServer        *srv;
  OutpostProfile           *profile;
  OutpostSyncEngine        *engine;
  struct _OutpostStore     *store;
} OutpostSyncFixture;

void               outpost_sync_fixture_setup   (OutpostSyncFixture *f, OutpostSyncKind first_sync);
void               outpost_sync_fixture_teardown (OutpostSyncFixture *f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OutpostTestServer, outpost_test_server_free)

G_END_DECLS

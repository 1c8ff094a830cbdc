/* server-helper.h: starts the real outpost-server binary ($OUTPOST_SERVER) on port 0 with a
 * temporary data directory, and small libsoup helpers to talk to it. Used by the server's tests;
 * other test areas may reuse it. */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  GPid         pid;
  char        *data_dir;
  gboolean     own_data_dir;
  char        *base_url;    /* http://127.0.0.1:PORT/ */
  char        *api;         /* base_url + api/data/v9.2/ */
  SoupSession *session;
  GStrv        args;        /* extra arguments, kept for restarts */
  int          stdout_fd;
} TestServer;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;   /* parsed body when it is JSON, else NULL */
} TestResponse;

/* extra: NULL-terminated extra arguments (e.g. "--seed", "demo"); data_dir NULL = a new temp dir */
TestServer   *test_server_start     (const char *data_dir, const char * const *extra);
/* Sends SIGTERM, waits, and returns the exit status (-1 when it did not exit cleanly). */
int           test_server_stop      (TestServer *server);
void          test_server_free      (TestServer *server);
/* Stops and starts again on the same data directory (a new port). */
void          test_server_restart   (TestServer *server);

/* path: relative to the API root unless it starts with "/" or "http"; headers: "Name: value"
 * strings, NULL-terminated, may be NULL; body may be NULL. */
TestResponse *test_request          (TestServer *server, const char *method, const char *path,
                                     const char * const *headers, const char *content_type,
                                     const char *body);
TestResponse *test_get              (TestServer *server, const char *path);
TestResponse *test_admin            (TestServer *server, const char *method, const char *path, const char *body);
void          test_response_free    (TestResponse *resp);
JsonObject   *test_response_object  (TestResponse *resp);
const char   *test_error_code       (TestResponse *resp);
const char   *test_error_message    (TestResponse *resp);
char         *test_escape           (const char *query_value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestResponse, test_response_free)

G_END_DECLS

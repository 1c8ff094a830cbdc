/* server-helper.c: see server-helper.h. */
#include "server-helper.h"

#include <gio/gunixinputstream.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* If the test dies (a failed assertion aborts it), the server must not outlive it. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
spawn (TestServer *server)
{
  const char *binary = g_getenv ("OUTPOST_SERVER");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  g_ptr_array_add (argv, (gpointer) "--data");
  g_ptr_array_add (argv, server->data_dir);
  for (guint i = 0; server->args && server->args[i]; i++)
    g_ptr_array_add (argv, server->args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                            &server->pid, NULL, &server->stdout_fd, NULL, &error);
  g_assert_no_error (error);
  raw = g_unix_input_stream_new (server->stdout_fd, FALSE);
  in = g_data_input_stream_new (raw);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (in), 1);  /* read no further */
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "http://") || g_str_has_prefix (line, "https://"));
  g_assert_true (g_str_has_suffix (line, "/"));
  g_free (server->base_url);
  g_free (server->api);
  server->base_url = g_strdup (line);
  server->api = g_strconcat (line, "api/data/v9.2/", NULL);
}

TestServer *
test_server_start (const char *data_dir, const char * const *extra)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;

  if (data_dir)
    server->data_dir = g_strdup (data_dir);
  else
    {
      server->data_dir = g_dir_make_tmp ("outpost-server-test-XXXXXX", &error);
      g_assert_no_error (error);
      server->own_data_dir = TRUE;
    }
  server->args = g_strdupv ((char **) extra);
  server->session = soup_session_new_with_options ("timeout", 60, NULL);
  spawn (server);
  return server;
}

int
test_server_stop (TestServer *server)
{
  int status = 0;
  pid_t done = 0;

  if (server->pid == 0)
    return -1;
  kill (server->pid, SIGTERM);
  for (int i = 0; i < 200 && done == 0; i++)
    {
      done = waitpid (server->pid, &status, WNOHANG);
      if (done == 0)
        g_usleep (50000);
    }
  if (done == 0)
    {
      kill (server->pid, SIGKILL);
      waitpid (server->pid, &status, 0);
      status = -1;
    }
  g_spawn_close_pid (server->pid);
  close (server->stdout_fd);
  server->pid = 0;
  if (status == -1 || !WIFEXITED (status))
    return -1;
  return WEXITSTATUS (status);
}

void
test_server_restart (TestServer *server)
{
  g_assert_cmpint (test_server_stop (server), ==, 0);
  spawn (server);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
test_server_free (TestServer *server)
{
  if (server->pid)
    test_server_stop (server);
  if (server->own_data_dir)
    remove_tree (server->data_dir);
  g_free (server->data_dir);
  g_free (server->base_url);
  g_free (server->api);
  g_strfreev (server->args);
  g_object_unref (server->session);
  g_free (server);
}

/* Only the tests' own self-signed certificate is ever served here. */
static gboolean
accept_test_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

TestResponse *
test_request (TestServer *server, const char *method, const char *path, const char * const *headers,
              const char *content_type, const char *body)
{
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  TestResponse *resp = g_new0 (TestResponse, 1);
  const char *ct;

  if (g_str_has_prefix (path, "http"))
    url = g_strdup (path);
  else if (path[0] == '/')
    url = g_strconcat (server->base_url, path + 1, NULL);
  else
    url = g_strconcat (server->api, path, NULL);
  msg = soup_message_new (method, url);
  g_assert_nonnull (msg);
  if (g_str_has_prefix (url, "https://"))
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_test_certificate), NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "OData-Version", "4.0");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "OData-MaxVersion", "4.0");
  for (guint i = 0; headers && headers[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (headers[i], ": ", 2);
      soup_message_headers_append (soup_message_get_request_headers (msg), kv[0], kv[1]);
    }
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/json", bytes);
    }
  resp->body = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  resp->status = soup_message_get_status (msg);
  resp->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  ct = soup_message_headers_get_content_type (resp->headers, NULL);
  if (ct && g_str_has_prefix (ct, "application/json") && g_bytes_get_size (resp->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      if (json_parser_load_from_data (parser, g_bytes_get_data (resp->body, NULL),
                                      (gssize) g_bytes_get_size (resp->body), NULL))
        resp->json = json_node_copy (json_parser_get_root (parser));
    }
  return resp;
}

TestResponse *
test_get (TestServer *server, const char *path)
{
  return test_request (server, "GET", path, NULL, NULL, NULL);
}

TestResponse *
test_admin (TestServer *server, const char *method, const char *path, const char *body)
{
  g_autofree char *full = g_strconcat ("/_admin/", path, NULL);
  return test_request (server, method, full, NULL, "application/json", body);
}

void
test_response_free (TestResponse *resp)
{
  if (resp == NULL)
    return;
  soup_message_headers_unref (resp->headers);
  g_bytes_unref (resp->body);
  if (resp->json)
    json_node_unref (resp->json);
  g_free (resp);
}

JsonObject *
test_response_object (TestResponse *resp)
{
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  return json_node_get_object (resp->json);
}

static JsonObject *
error_object (TestResponse *resp)
{
  JsonObject *o = test_response_object (resp);
  g_assert_true (json_object_has_member (o, "error"));
  return json_object_get_object_member (o, "error");
}

const char *
test_error_code (TestResponse *resp)
{
  return json_object_get_string_member (error_object (resp), "code");
}

const char *
test_error_message (TestResponse *resp)
{
  return json_object_get_string_member (error_object (resp), "message");
}

char *
test_escape (const char *query_value)
{
  return g_uri_escape_string (query_value, NULL, FALSE);
}

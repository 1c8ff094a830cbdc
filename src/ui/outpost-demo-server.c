/* outpost-demo-server.c: the demo server child process. */
#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <sys/prctl.h>

#include "outpost-demo-server.h"

struct _OutpostDemoServer
{
  GObject           parent_instance;
  GSubprocess      *process;
  GDataInputStream *stdout_stream;
  char             *url;
  char             *data_dir;
  guint             port;           /* asked for (the previous start's), 0 = any */
};

G_DEFINE_FINAL_TYPE (OutpostDemoServer, outpost_demo_server, G_TYPE_OBJECT)

static char *
build_tree_program (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;

  if (dir == NULL)
    return NULL;
  return g_build_filename (dir, "server", "outpost-server", NULL);
}

char *
outpost_demo_server_find_program (void)
{
  const char *env = g_getenv ("OUTPOST_SERVER");
  g_autofree char *built = build_tree_program ();

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (built != NULL && g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&built);
  return g_build_filename (LIBEXECDIR, "outpost-server", NULL);
}

static void
outpost_demo_server_finalize (GObject *object)
{
  OutpostDemoServer *self = OUTPOST_DEMO_SERVER (object);

  outpost_demo_server_stop (self);
  g_clear_object (&self->stdout_stream);
  g_free (self->url);
  g_free (self->data_dir);
  G_OBJECT_CLASS (outpost_demo_server_parent_class)->finalize (object);
}

static void
outpost_demo_server_class_init (OutpostDemoServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_demo_server_finalize;
}

static void
outpost_demo_server_init (OutpostDemoServer *self)
{
}

OutpostDemoServer *
outpost_demo_server_new (void)
{
  return g_object_new (OUTPOST_TYPE_DEMO_SERVER, NULL);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The port of the previous start: the account keeps its URL when the port is free again
 * (kept links no longer depend on it, but a stable URL is one thing less to change). */
static char *
port_file (OutpostDemoServer *self)
{
  return g_build_filename (self->data_dir, "last-port", NULL);
}

static guint
previous_port (OutpostDemoServer *self)
{
  g_autofree char *path = port_file (self);
  g_autofree char *text = NULL;
  guint64 port = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      !g_ascii_string_to_unsigned (g_strstrip (text), 10, 1024, 65535, &port, NULL))
    return 0;
  return (guint) port;
}

static void
remember_port (OutpostDemoServer *self)
{
  g_autoptr(GUri) uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *path = port_file (self);
  g_autofree char *text = uri && g_uri_get_port (uri) > 0
                          ? g_strdup_printf ("%d\n", g_uri_get_port (uri)) : NULL;

  if (text != NULL)
    g_file_set_contents (path, text, -1, NULL);   /* only a hint for the next start */
}

static void spawn (OutpostDemoServer *self, GTask *task);

static void
line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OutpostDemoServer *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);

  if (line == NULL)
    {
      outpost_demo_server_stop (self);
      g_clear_object (&self->stdout_stream);
      if (self->port != 0 && !g_task_return_error_if_cancelled (task))
        {
          self->port = 0;   /* the previous port is taken: any port */
          spawn (self, g_steal_pointer (&task));
          return;
        }
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     _("The demo server stopped before it was ready."));
      if (!g_task_had_error (task))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->url = g_strdup (g_strstrip (line));
  remember_port (self);
  g_task_return_boolean (task, TRUE);
}

/* Starts the server on self->port; takes @task. */
static void
spawn (OutpostDemoServer *self, GTask *task)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", self->port);
  g_autoptr(GError) error = NULL;
  g_autofree char *program = outpost_demo_server_find_program ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  /* Even if the app is killed, its demo server does not outlive it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* stdout is read for the URL; stderr stays the app's, for the server's own messages. */
  self->process = g_subprocess_launcher_spawn (launcher, &error, program,
                                               "--listen", listen, "--data", self->data_dir,
                                               "--seed", "demo", NULL);
  if (self->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  self->stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (self->stdout_stream, G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task), line_read, task);
}

void
outpost_demo_server_start_async (OutpostDemoServer *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_free (self->data_dir);
  self->data_dir = g_build_filename (g_get_user_data_dir (), "outpost", "demo-server", NULL);
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Could not create %s"), self->data_dir);
      g_object_unref (task);
      return;
    }
  self->port = previous_port (self);
  spawn (self, task);
}

gboolean
outpost_demo_server_start_finish (OutpostDemoServer *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
outpost_demo_server_get_url (OutpostDemoServer *self)
{
  return self->url;
}

OutpostAccount *
outpost_demo_server_save_account (OutpostDemoServer *self, GError **error)
{
  g_autoptr(OutpostAccount) account = NULL;

  g_return_val_if_fail (self->url != NULL, NULL);
  account = outpost_account_new (OUTPOST_DEMO_ACCOUNT, self->url, OUTPOST_AUTH_KIND_NONE,
                                 NULL, NULL, NULL);
  /* The port may change at a start (the previous one taken): the account follows it. */
  if (!outpost_account_save (account, FALSE, error))
    return NULL;
  return g_steal_pointer (&account);
}

void
outpost_demo_server_stop (OutpostDemoServer *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_clear_object (&self->process);
}

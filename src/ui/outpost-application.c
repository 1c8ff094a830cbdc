/* outpost-application.c: the application: accounts, the demo mode, app-wide actions
 * (sync, preferences, about, quit). `gapplication action io.github.outpostcrm.Outpost sync`
 * starts a synchronization in the running instance. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "outpost-account-menu.h"
#include "outpost-application.h"
#include "outpost-demo-server.h"
#include "outpost-preferences-window.h"
#include "outpost-welcome-page.h"
#include "outpost-window.h"

struct _OutpostApplication
{
  AdwApplication     parent_instance;
  GSettings         *settings;
  OutpostDemoServer *demo_server;
  gboolean           demo_requested;
  char              *password;     /* basic authentication, this session only */
  GCancellable      *opening;      /* the latest open of an account's store (in its worker) */
  gboolean           sync_after_open;
  GMenu             *accounts_menu; /* the main menus' Accounts section, shared by the windows */
};

G_DEFINE_FINAL_TYPE (OutpostApplication, outpost_application, ADW_TYPE_APPLICATION)

/* The window the user works in (the most recently focused: each added account has its own
 * window). */
static OutpostWindow *
main_window (OutpostApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (OUTPOST_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static OutpostWindow *
page_window (GtkWidget *page)
{
  GtkRoot *root = gtk_widget_get_root (page);

  return OUTPOST_IS_WINDOW (root) ? OUTPOST_WINDOW (root) : NULL;
}

static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

/* ---- accounts ----------------------------------------------------------------------------- */

/* What follows an account's open. */
typedef enum {
  OPEN_FIRST_SYNC = 1 << 0,   /* download everything, in the foreground */
  OPEN_DEMO       = 1 << 1,   /* errors say the demo could not start */
} OpenFlags;

typedef struct {
  OutpostApplication *app;
  OutpostAccount     *account;
  OpenFlags           flags;
  GWeakRef            window;     /* the window to open it in */
  GCancellable       *cancellable;
} OpenRequest;

static void
open_request_free (OpenRequest *req)
{
  g_object_unref (req->account);
  g_object_unref (req->cancellable);
  g_weak_ref_clear (&req->window);
  g_free (req);
}

/* What Try Again on the window's error page does: open @account again with @flags (NULL: start
 * the demo again). */
static void
remember_failed_open (OutpostWindow *window, OutpostAccount *account, OpenFlags flags)
{
  if (account != NULL)
    g_object_set_data_full (G_OBJECT (window), "failed-account", g_object_ref (account), g_object_unref);
  else
    g_object_set_data (G_OBJECT (window), "failed-account", NULL);
  g_object_set_data (G_OBJECT (window), "failed-flags", GINT_TO_POINTER (flags));
}

/* The store could not be opened (a newer format, a damaged file, ...): the window says so where
 * the user looks, with the store's message; the file stays as it is (issue 2). */
static void
open_failed (OutpostApplication *self, OpenRequest *req, OutpostWindow *window, GError *error)
{
  if (req->flags & OPEN_DEMO)
    g_clear_object (&self->demo_server);
  if (window == NULL)
    return;
  remember_failed_open (window, req->account, req->flags);
  outpost_window_show_open_error (window, (req->flags & OPEN_DEMO) ? _("The Demo Could Not Start") : NULL,
                                  error->message);
}

static void
account_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenRequest *req = user_data;
  OutpostApplication *self = req->app;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostContext) context = outpost_context_new_finish (result, &error);
  g_autoptr(OutpostWindow) window = g_weak_ref_get (&req->window);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (req->cancellable))
    {
      /* a newer open in its window replaced this one (it may have finished all the same), or
       * the application is quitting */
      open_request_free (req);
      g_application_release (G_APPLICATION (self));
      return;
    }
  if (self->opening == req->cancellable)
    g_clear_object (&self->opening);
  if (window != NULL)
    g_object_set_data (G_OBJECT (window), "opening", NULL);
  if (context == NULL)
    open_failed (self, req, window, error);
  else if (window != NULL)
    {
      /* The window owns the context: closing it or signing out releases the store. */
      g_settings_set_string (self->settings, "default-account", outpost_account_get_name (req->account));
      outpost_account_menu_refresh (self->accounts_menu);   /* a new account is listed at once */
      outpost_window_set_context (window, context);
      if (req->flags & OPEN_FIRST_SYNC)
        outpost_window_sync_full (window, NULL, TRUE);
      else if (self->sync_after_open)
        outpost_window_sync (window, NULL);
    }
  self->sync_after_open = FALSE;
  open_request_free (req);
  g_application_release (G_APPLICATION (self));
}

/* The store is opened in its worker thread (schema check, migrations and index upkeep take
 * ~1 s at 1M rows): the window shows that it is opening meanwhile, and gets the context, or
 * the welcome page with the error, when the open is done. */
static void
open_account (OutpostApplication *self, OutpostWindow *window, OutpostAccount *account, OpenFlags flags)
{
  OpenRequest *req = g_new0 (OpenRequest, 1);

  GCancellable *previous;

  req->app = self;
  req->account = g_object_ref (account);
  req->flags = flags;
  req->cancellable = g_cancellable_new ();
  if (window == NULL)
    window = main_window (self);
  g_weak_ref_init (&req->window, window);
  /* a newer open in the same window replaces the one under way; one in another window (an
   * account opened from the main menu) leaves it be */
  previous = window != NULL ? g_object_get_data (G_OBJECT (window), "opening") : self->opening;
  if (previous != NULL)
    g_cancellable_cancel (previous);
  if (window != NULL)
    g_object_set_data_full (G_OBJECT (window), "opening", g_object_ref (req->cancellable), g_object_unref);
  g_set_object (&self->opening, req->cancellable);
  if (window != NULL)
    outpost_window_show_busy (window, _("Opening Your Records"),
                              _("Reading the data stored on this computer."));
  g_application_hold (G_APPLICATION (self));
  outpost_context_new_async (account, self->settings, self->password, req->cancellable,
                             account_opened, req);
}

static OutpostAccount *
default_account (OutpostApplication *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "default-account");
  g_autoptr(GPtrArray) accounts = NULL;

  if (*name != '\0')
    {
      OutpostAccount *account = outpost_account_load (name, NULL);

      if (account != NULL)
        return account;
    }
  accounts = outpost_account_list (NULL);
  if (accounts == NULL || accounts->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (accounts, 0));
}

/* ---- demo --------------------------------------------------------------------------------- */

static void
demo_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostApplication *self = user_data;
  g_autoptr(OutpostWindow) window = g_weak_ref_get (g_object_get_data (source, "window"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostAccount) account = NULL;
  gboolean first_sync = GPOINTER_TO_INT (g_object_get_data (source, "first-sync"));

  if (!outpost_demo_server_start_finish (OUTPOST_DEMO_SERVER (source), result, &error)
      || (account = outpost_demo_server_save_account (OUTPOST_DEMO_SERVER (source), &error)) == NULL)
    {
      g_clear_object (&self->demo_server);
      if (window != NULL)
        {
          remember_failed_open (window, NULL, OPEN_DEMO | (first_sync ? OPEN_FIRST_SYNC : 0));
          outpost_window_show_open_error (window, _("The Demo Could Not Start"), error->message);
        }
      g_application_release (G_APPLICATION (self));
      return;
    }
  open_account (self, window, account, OPEN_DEMO | (first_sync ? OPEN_FIRST_SYNC : 0));
  g_application_release (G_APPLICATION (self));
}

/* @window: where the demo account opens (NULL = the main window). */
static void
start_demo (OutpostApplication *self, OutpostWindow *window, gboolean first_sync)
{
  if (window == NULL)
    window = main_window (self);
  if (self->demo_server != NULL)
    return;
  if (window != NULL)
    outpost_window_show_busy (window, _("Starting the Demo"),
                              _("A local server with sample data is starting on this computer."));
  self->demo_server = outpost_demo_server_new ();
  g_object_set_data (G_OBJECT (self->demo_server), "first-sync", GINT_TO_POINTER (first_sync));
  g_object_set_data_full (G_OBJECT (self->demo_server), "window", weak_ref_new (window),
                          (GDestroyNotify) weak_ref_free);
  g_application_hold (G_APPLICATION (self));
  outpost_demo_server_start_async (self->demo_server, NULL, demo_started, self);
}

static void
welcome_demo (GtkWidget *page, OutpostApplication *self)
{
  start_demo (self, page_window (page), TRUE);
}

/* The welcome page signed in and saved the account: open it (in the page's window: an added
 * account has its own) and download everything, in the foreground (there is nothing to work
 * on before). */
static void
welcome_signed_in (GtkWidget *page, OutpostAccount *account, const char *password,
                   OutpostApplication *self)
{
  g_clear_pointer (&self->password, g_free);
  self->password = g_strdup (password);
  open_account (self, page_window (page), account, OPEN_FIRST_SYNC);
}

/* ---- actions ------------------------------------------------------------------------------ */

/* The window focused last, else the first. */
static OutpostWindow *
active_window (OutpostApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  return OUTPOST_IS_WINDOW (active) ? OUTPOST_WINDOW (active) : main_window (self);
}

static void
sync_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  OutpostWindow *window = active_window (self);

  if (self->opening != NULL)
    self->sync_after_open = TRUE;   /* asked for while the store opens: run it once it is open */
  else if (window != NULL)
    outpost_window_sync (window, NULL);
}

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  GtkWindow *window = outpost_preferences_window_new (self->settings);

  gtk_window_set_transient_for (window, GTK_WINDOW (active_window (self)));
  gtk_window_present (window);
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  const char *developers[] = { _("The Outpost developers"), NULL };

  adw_show_about_window (GTK_WINDOW (main_window (self)),
                         "application-name", _("Outpost"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Your CRM records, offline"),
                         "developers", developers,
                         NULL);
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkWindow *window = GTK_WINDOW (main_window (user_data));

  if (window != NULL)
    gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (user_data));
}

static OutpostWindow *create_window (OutpostApplication *self);
static void connect_welcome (OutpostApplication *self, OutpostWindow *window);

/* Another account, in a window of its own next to the current one (each window has its
 * account's store and sync); the new window starts at the sign-in form. */
static void
add_account_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  OutpostWindow *window = create_window (self);
  GtkWidget *page = g_object_get_data (G_OBJECT (window), "welcome-page");

  connect_welcome (self, window);
  if (page != NULL)
    outpost_welcome_page_show_sign_in (OUTPOST_WELCOME_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
}

/* The window showing (or opening) the account @name, or NULL. */
static OutpostWindow *
account_window (OutpostApplication *self, const char *name)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      OutpostContext *context;
      const char *shown;

      if (!OUTPOST_IS_WINDOW (l->data))
        continue;
      context = outpost_window_get_context (l->data);
      shown = context != NULL ? outpost_account_get_name (outpost_context_get_account (context))
                              : g_object_get_data (l->data, "opening-account");
      if (g_strcmp0 (shown, name) == 0)
        return l->data;
    }
  return NULL;
}

/* Opens the configured account @name (the Accounts section of the main menu): the window
 * already showing it comes forward, else it opens in a window of its own. */
static void
open_account_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  const char *name = g_variant_get_string (parameter, NULL);
  OutpostWindow *window = account_window (self, name);
  g_autoptr(OutpostAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  if (window != NULL)
    {
      gtk_window_present (GTK_WINDOW (window));
      return;
    }
  account = outpost_account_load (name, &error);
  if (account == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The account “%s” could not be opened: %s"), name, error->message);

      if (active_window (self) != NULL)
        outpost_window_toast (active_window (self), msg);
      outpost_account_menu_refresh (self->accounts_menu);   /* removed meanwhile */
      return;
    }
  window = create_window (self);
  g_object_set_data_full (G_OBJECT (window), "opening-account", g_strdup (name), g_free);
  connect_welcome (self, window);
  /* the demo account needs its server: started again unless it still runs */
  if (g_strcmp0 (name, OUTPOST_DEMO_ACCOUNT) == 0 && self->demo_server == NULL)
    start_demo (self, window, FALSE);
  else
    open_account (self, window, account, 0);
  gtk_window_present (GTK_WINDOW (window));
}

/* Try Again on a window's "cannot be opened" page: the same open (or demo start) again. */
static void
retry_open_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  OutpostApplication *self = user_data;
  OutpostWindow *window = active_window (self);
  OutpostAccount *account;
  OpenFlags flags;

  if (window == NULL || outpost_window_get_context (window) != NULL)
    return;
  account = g_object_get_data (G_OBJECT (window), "failed-account");
  flags = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (window), "failed-flags"));
  if (account == NULL || ((flags & OPEN_DEMO) && self->demo_server == NULL))
    start_demo (self, window, (flags & OPEN_FIRST_SYNC) != 0);
  else
    open_account (self, window, account, flags);
}

static const GActionEntry app_actions[] = {
  { "retry-open", retry_open_action },
  { "sync", sync_action },
  { "add-account", add_account_action },
  { "open-account", open_account_action, "s" },
  { "preferences", preferences_action },
  { "about", about_action },
  { "quit", quit_action },
};

/* ---- GApplication -------------------------------------------------------------------------- */

static gboolean
window_state_save (GtkWindow *window, OutpostApplication *self)
{
  gint width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", MAX (width, 360));
  g_settings_set_int (self->settings, "window-height", MAX (height, 294));
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return FALSE;
}

static void
window_activated (OutpostApplication *self, GParamSpec *pspec, GtkWindow *window)
{
  if (gtk_window_is_active (window))
    outpost_account_menu_refresh (self->accounts_menu);
}

static OutpostWindow *
create_window (OutpostApplication *self)
{
  OutpostWindow *window = outpost_window_new (self, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (window));
  g_signal_connect (window, "close-request", G_CALLBACK (window_state_save), self);
  if (!outpost_account_menu_attach (GTK_WIDGET (window), G_MENU_MODEL (self->accounts_menu)))
    g_warning ("The main menu has no Accounts section");
  /* an account signed out or added in another window is (un)listed when the user comes back */
  g_signal_connect_swapped (window, "notify::is-active", G_CALLBACK (window_activated), self);
  return window;
}

static void
connect_welcome (OutpostApplication *self, OutpostWindow *window)
{
  GtkWidget *page = g_object_get_data (G_OBJECT (window), "welcome-page");

  if (page == NULL)
    return;
  outpost_welcome_page_set_settings (OUTPOST_WELCOME_PAGE (page), self->settings);
  g_signal_connect (page, "demo", G_CALLBACK (welcome_demo), self);
  g_signal_connect (page, "signed-in", G_CALLBACK (welcome_signed_in), self);
}

static void
outpost_application_activate (GApplication *app)
{
  OutpostApplication *self = OUTPOST_APPLICATION (app);
  OutpostWindow *window = main_window (self);
  g_autoptr(OutpostAccount) account = NULL;

  if (window != NULL)
    {
      gtk_window_present (GTK_WINDOW (window));
      return;
    }
  window = create_window (self);
  connect_welcome (self, window);
  account = self->demo_requested ? NULL : default_account (self);
  if (self->demo_requested)
    start_demo (self, window, TRUE);
  else if (account != NULL && g_strcmp0 (outpost_account_get_name (account), OUTPOST_DEMO_ACCOUNT) == 0)
    start_demo (self, window, FALSE);   /* the demo account needs its server again */
  else if (account != NULL)
    open_account (self, window, account, 0);
  /* presented once it shows the busy page: mapped, the stack would cross-fade from welcome */
  gtk_window_present (GTK_WINDOW (window));
}

static gint
outpost_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  OutpostApplication *self = OUTPOST_APPLICATION (app);

  if (g_variant_dict_contains (options, "demo"))
    self->demo_requested = TRUE;
  return -1;
}

/* SIGTERM and SIGINT quit cleanly, so the store is closed and the demo server stopped. */
static gboolean
quit_on_signal (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}

static void
outpost_application_startup (GApplication *app)
{
  OutpostApplication *self = OUTPOST_APPLICATION (app);
  static const char *sync_accels[] = { "F5", "<Control>r", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *pref_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (outpost_application_parent_class)->startup (app);
  g_unix_signal_add (SIGTERM, quit_on_signal, app);
  g_unix_signal_add (SIGINT, quit_on_signal, app);
  self->settings = g_settings_new (APPLICATION_ID);
  self->accounts_menu = g_menu_new ();
  outpost_account_menu_refresh (self->accounts_menu);
  if (g_getenv ("OUTPOST_DEBUG_MAIN_THREAD_SQL") != NULL)
    outpost_store_client_guard_thread (TRUE);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.sync", sync_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", pref_accels);
}

static void
outpost_application_shutdown (GApplication *app)
{
  OutpostApplication *self = OUTPOST_APPLICATION (app);
  GList *windows;

  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (g_object_get_data (l->data, "opening") != NULL)
      g_cancellable_cancel (g_object_get_data (l->data, "opening"));
  /* Closing the windows releases the store (its worker finishes queued saves first). */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  g_clear_object (&self->accounts_menu);
  /* The demo server is our child: it never outlives the app. */
  if (self->demo_server != NULL)
    outpost_demo_server_stop (self->demo_server);
  g_clear_object (&self->demo_server);
  G_APPLICATION_CLASS (outpost_application_parent_class)->shutdown (app);
}

static void
outpost_application_finalize (GObject *object)
{
  OutpostApplication *self = OUTPOST_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->opening);
  g_free (self->password);
  G_OBJECT_CLASS (outpost_application_parent_class)->finalize (object);
}

static void
outpost_application_class_init (OutpostApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = outpost_application_finalize;
  app_class->activate = outpost_application_activate;
  app_class->startup = outpost_application_startup;
  app_class->shutdown = outpost_application_shutdown;
  app_class->handle_local_options = outpost_application_handle_local_options;
}

static void
outpost_application_init (OutpostApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start the demo: a local server with sample data"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

OutpostApplication *
outpost_application_new (void)
{
  return g_object_new (OUTPOST_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

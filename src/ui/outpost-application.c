#include "config.h"

#include <glib/gi18n.h>

#include "outpost-application.h"
#include "outpost-window.h"

struct _OutpostApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (OutpostApplication, outpost_application, ADW_TYPE_APPLICATION)

static void
outpost_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (outpost_window_new (OUTPOST_APPLICATION (app)));
  gtk_window_present (window);
}

static void
outpost_application_class_init (OutpostApplicationClass *klass)
{
  G_APPLICATION_CLASS (klass)->activate = outpost_application_activate;
}

static void
outpost_application_init (OutpostApplication *self)
{
}

OutpostApplication *
outpost_application_new (void)
{
  return g_object_new (OUTPOST_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

#include "config.h"

#include <glib/gi18n.h>

#include "outpost-window.h"

struct _OutpostWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (OutpostWindow, outpost_window, ADW_TYPE_APPLICATION_WINDOW)

static void
outpost_window_class_init (OutpostWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-window.ui");
}

static void
outpost_window_init (OutpostWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

OutpostWindow *
outpost_window_new (OutpostApplication *application)
{
  return g_object_new (OUTPOST_TYPE_WINDOW, "application", application, NULL);
}

/* pd-window.c — the main window: Capture, Catalog and Verify views (filled in by later work). */
#define G_LOG_DOMAIN "pd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-window.h"

struct _PdWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwViewStack *stack;
};

G_DEFINE_FINAL_TYPE (PdWindow, pd_window, ADW_TYPE_APPLICATION_WINDOW)

static void
pd_window_class_init (PdWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/proofdesk/Proofdesk/pd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdWindow, stack);
}

static void
pd_window_init (PdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

PdWindow *
pd_window_new (PdApplication *app)
{
  return g_object_new (PD_TYPE_WINDOW, "application", app, NULL);
}

/* pd-window.c — the main window: Capture, Catalog and Verify views (filled in by later work). */
#define G_LOG_DOMAIN "pd-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-capture-page.h"
#include "pd-catalog-page.h"
#include "pd-export-wizard.h"
#include "pd-verify-page.h"
#include "pd-window.h"
#include "pd-resources.h"

struct _PdWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwViewStack    *stack;
  AdwToastOverlay *toast_overlay;
};

G_DEFINE_FINAL_TYPE (PdWindow, pd_window, ADW_TYPE_APPLICATION_WINDOW)

/* win.show-page("capture" | "catalog" | "verify"): <Alt>1…3 switch views. */
static void
on_show_page (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdWindow   *self = PD_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);

  if (adw_view_stack_get_child_by_name (self->stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->stack, name);
}

/* win.export(as): the Export wizard over this window, with these sessions (UUIDs) ticked. */
static void
on_export (GtkWidget *widget, const char *action_name, GVariant *param)
{
  g_autofree const char **uuids = param ? g_variant_get_strv (param, NULL) : NULL;

  gtk_window_present (GTK_WINDOW (pd_export_wizard_new (GTK_WINDOW (widget), uuids)));
}

static void
pd_window_class_init (PdWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pd_resources_ensure ();
  g_type_ensure (PD_TYPE_CAPTURE_PAGE);
  g_type_ensure (PD_TYPE_CATALOG_PAGE);
  g_type_ensure (PD_TYPE_VERIFY_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/proofdesk/Proofdesk/pd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, toast_overlay);

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", on_show_page);
  gtk_widget_class_install_action (widget_class, "win.export", "as", on_export);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "capture");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "catalog");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s", "verify");
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

/* The view stack, for tests and for code that adds pages. */
AdwViewStack *
pd_window_get_stack (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return self->stack;
}

/* Shows a toast for a background event (recovery, a late timestamp, an authority outage). */
void
pd_window_add_toast (PdWindow *self, AdwToast *toast)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

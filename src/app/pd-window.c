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

  /* Borrowed references */
  GtkWidget       *close_dialog;   /* weak: "Stop and seal / Keep recording" */

  gulong           sealed_handler; /* waiting for the recording to be sealed */
  gboolean         quit_after_seal;
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

/* ---- Never lose a recording to the window ---- */

PdCapturePage *
pd_window_get_capture_page (PdWindow *self)
{
  GtkWidget *page;

  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);
  page = adw_view_stack_get_child_by_name (self->stack, "capture");
  return PD_IS_CAPTURE_PAGE (page) ? PD_CAPTURE_PAGE (page) : NULL;
}

gboolean
pd_window_is_recording (PdWindow *self)
{
  PdCapturePage *page = pd_window_get_capture_page (self);

  return page != NULL && pd_capture_page_is_busy (page);
}

static gboolean
quit_when_idle (gpointer user_data)
{
  GApplication *app = user_data;

  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
on_page_sealed (PdCapturePage *page, PdWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean        others_busy = FALSE;

  g_clear_signal_handler (&self->sealed_handler, page);
  for (GList *l = app ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    if (l->data != (gpointer) self && PD_IS_WINDOW (l->data) && pd_window_is_recording (l->data))
      others_busy = TRUE;
  /* Quit only once every window's recording is sealed; the last one quits. */
  if (self->quit_after_seal && !others_busy && app != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, quit_when_idle, g_object_ref (app), g_object_unref);
  else
    gtk_window_destroy (GTK_WINDOW (self));
  if (app != NULL)
    g_application_release (G_APPLICATION (app));
}

/* Seals now, without asking; the window closes (or the app quits) once it is sealed. */
static void
seal_then_close (PdWindow *self, gboolean quit)
{
  PdCapturePage  *page = pd_window_get_capture_page (self);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  self->quit_after_seal = self->quit_after_seal || quit;
  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));
  if (page == NULL || self->sealed_handler != 0)
    return;
  /* The application stays up until the package is sealed, whatever else closes. */
  if (app != NULL)
    g_application_hold (G_APPLICATION (app));
  self->sealed_handler = g_signal_connect_object (page, "sealed", G_CALLBACK (on_page_sealed), self, 0);
  pd_capture_page_stop_and_seal (page);
}

static void
on_close_dialog_response (AdwMessageDialog *dialog, const char *response, PdWindow *self)
{
  if (g_strcmp0 (response, "seal") == 0)
    seal_then_close (self, self->quit_after_seal);
  else
    self->quit_after_seal = FALSE;
}

static void
ask_stop_and_seal (PdWindow *self)
{
  GtkWidget *dialog;

  if (self->close_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_dialog));
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("A Recording Is in Progress"), NULL);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Closing now would cut the recording. Stop it and seal the evidence package first, or keep recording."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("Keep recording"),
                                    "seal", _("Stop and seal"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "seal", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_dialog_response), self, 0);
  self->close_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->close_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
pd_window_close_after_seal (PdWindow *self, gboolean ask, gboolean quit)
{
  PdCapturePage *page;

  g_return_if_fail (PD_IS_WINDOW (self));
  page = pd_window_get_capture_page (self);
  if (page == NULL || !pd_capture_page_is_busy (page))
    {
      if (quit && gtk_window_get_application (GTK_WINDOW (self)) != NULL)
        g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
      else
        gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  /* Already sealing (or answered "Stop and seal"): only wait for it. */
  if (!ask || !pd_capture_page_is_recording (page) || self->sealed_handler != 0)
    {
      seal_then_close (self, quit);
      return;
    }
  self->quit_after_seal = quit;
  ask_stop_and_seal (self);
}

static gboolean
pd_window_close_request (GtkWindow *window)
{
  PdWindow *self = PD_WINDOW (window);

  if (pd_window_is_recording (self))
    {
      pd_window_close_after_seal (self, TRUE, FALSE);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (pd_window_parent_class)->close_request (window);
}

/* Opens `files` on the Verify page, as a drop would: `proofdesk FILE…`, "Open With" and paste. */
gboolean
pd_window_open_files (PdWindow *self, GFile **files, guint n_files)
{
  GtkWidget *page = adw_view_stack_get_child_by_name (self->stack, "verify");
  g_autoptr (GSList) list = NULL;
  gboolean ok;

  g_return_val_if_fail (PD_IS_WINDOW (self), FALSE);
  for (guint i = n_files; i > 0; i--)
    list = g_slist_prepend (list, files[i - 1]);
  adw_view_stack_set_visible_child_name (self->stack, "verify");
  /* A new set of files is a new question: what was waiting or shown before goes. */
  if (pd_verify_page_get_state (PD_VERIFY_PAGE (page)) != PD_VERIFY_PAGE_VERIFYING)
    pd_verify_page_reset (PD_VERIFY_PAGE (page));
  ok = pd_verify_page_add_files (PD_VERIFY_PAGE (page), list);
  return ok;
}

static void
on_clipboard_files (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  GSList *list;

  if (value == NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) ||
      (list = gdk_file_list_get_files (g_value_get_boxed (value))) == NULL)
    {
      pd_window_add_toast (self, adw_toast_new (_("Nothing to paste: copy a recording, its certificate or token, or a package folder in Files first")));
      return;
    }
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  pd_window_open_files (self, (GFile **) files->pdata, files->len);
  g_slist_free (list);
}

/* win.paste-files (Ctrl+V outside text fields): files copied in a file manager go to Verify. */
static void
on_paste_files (GtkWidget *widget, const char *action, GVariant *param)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);

  gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                  on_clipboard_files, g_object_ref (widget));
}

static void
pd_window_dispose (GObject *object)
{
  PdWindow *self = PD_WINDOW (object);

  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));
  G_OBJECT_CLASS (pd_window_parent_class)->dispose (object);
}

static void
pd_window_class_init (PdWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pd_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = pd_window_close_request;
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
  /* The window's own binding: a focused text field handles Ctrl+V first (pasting text). */
  gtk_widget_class_install_action (widget_class, "win.paste-files", NULL, on_paste_files);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste-files", NULL);
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

/* pd-verify-page.c — the Verify view: pairs dropped files, verifies in a worker, shows the verdict. */
#define G_LOG_DOMAIN "pd-verify-page"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "report/pd-certificate.h"
#include "evidence/pd-package.h"
#include "pd-verify-page-private.h"
#include "pd-resources.h"
#include "verify/pd-verify-report.h"
#include "util/pd-util.h"


enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (PdVerifyPageState, pd_verify_page_state,
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_VERIFYING, "verifying"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_RESULT, "result"))

G_DEFINE_FINAL_TYPE (PdVerifyPage, pd_verify_page, ADW_TYPE_BIN)

static const char page_css[] =
  ".pd-drop-zone {"
  "  border: 2px dashed alpha(currentColor, 0.18);"
  "  border-radius: 18px;"
  "  padding: 42px 24px 36px 24px;"
  "  transition: background-color 150ms, border-color 150ms;"
  "}"
  ".pd-drop-zone.drop-hover {"
  "  border-color: @accent_color;"
  "  background-color: alpha(@accent_bg_color, 0.08);"
  "}";

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

/* "12,345,678": grouping that does not depend on the locale's printf. */
char *
pd_verify_page_format_thousands (guint64 n)
{
  return pd_format_thousands (n);
}

char *
pd_verify_page_format_duration (double seconds)
{
  guint s = (guint) MAX (seconds + 0.5, 1);

  if (s < 60)
    /* Translators: a short duration in seconds. */
    return g_strdup_printf (_("%u s"), s);
  if (s < 3600)
    /* Translators: a duration in minutes and seconds. */
    return g_strdup_printf (_("%u min %u s"), s / 60, s % 60);
  /* Translators: a duration in hours and minutes. */
  return g_strdup_printf (_("%u h %u min"), s / 3600, s % 3600 / 60);
}

char *
pd_verify_page_file_display_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);

  return base ? g_filename_display_name (base) : g_strdup ("?");
}

void
pd_verify_page_set_message (PdVerifyPage *self, gboolean is_error, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  self->message_is_error = is_error;
}

void
pd_verify_page_set_row_value (AdwActionRow *row, const char *value)
{
  adw_action_row_set_subtitle (row, value && *value ? value : "—");
}

GtkWidget *
pd_verify_page_status_icon (PdCheckStatus status, gboolean trust_only)
{
  GtkWidget *image;

  switch (status)
    {
    case PD_CHECK_PASSED:
      image = gtk_image_new_from_icon_name ("object-select-symbolic");
      gtk_widget_add_css_class (image, "success");
      /* Translators: accessible name of a check mark. */
      gtk_widget_set_tooltip_text (image, _("Passed"));
      break;
    case PD_CHECK_FAILED:
      image = gtk_image_new_from_icon_name (trust_only ? "dialog-warning-symbolic"
                                                       : "window-close-symbolic");
      gtk_widget_add_css_class (image, trust_only ? "warning" : "error");
      gtk_widget_set_tooltip_text (image, _("Failed"));
      break;
    case PD_CHECK_GAP:
      image = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (image, "warning");
      /* Translators: accessible name of a check that names a gap in the real-time proof. */
      gtk_widget_set_tooltip_text (image, _("Gap"));
      break;
    case PD_CHECK_INFO:
    default:
      image = gtk_image_new_from_icon_name ("dialog-information-symbolic");
      gtk_widget_add_css_class (image, "dim-label");
      gtk_widget_set_tooltip_text (image, _("Note"));
      break;
    }
  return image;
}

/* ------------------------------------------------------------------------------------------ */
/* State                                                                                      */

static void
update_actions (PdVerifyPage *self)
{
  gboolean busy = self->state == PD_VERIFY_PAGE_VERIFYING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.open-files", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.open-folder", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.another", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.save-report",
                                 self->state == PD_VERIFY_PAGE_RESULT && self->result != NULL);
}

static void
update_drop_page (PdVerifyPage *self)
{
  GFile *waiting = self->pending_data ? self->pending_data : self->pending_token;

  gtk_widget_set_visible (GTK_WIDGET (self->waiting_list), waiting != NULL);
  if (waiting != NULL)
    {
      g_autofree char *name = pd_verify_page_file_display_name (waiting);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->waiting_row), name);
      adw_action_row_set_subtitle (self->waiting_row,
                                   self->pending_data
                                     ? _("Now drop its certificate or token")
                                     : _("Now drop the recording it belongs to"));
      gtk_image_set_from_icon_name (self->waiting_icon, self->pending_data
                                                          ? "video-x-generic-symbolic"
                                                          : "x-office-document-symbolic");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->drop_error),
                          self->message != NULL && self->message_is_error);
  gtk_label_set_text (self->drop_error, self->message_is_error && self->message ? self->message : "");
}

void
pd_verify_page_set_state (PdVerifyPage *self, PdVerifyPageState state)
{
  static const char *const pages[] = { "drop", "drop", "progress", "result" };

  self->state = state;
  if (state == PD_VERIFY_PAGE_EMPTY || state == PD_VERIFY_PAGE_WAITING)
    update_drop_page (self);
  gtk_stack_set_visible_child_name (self->stack, pages[state]);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
pd_verify_page_forget_pending (PdVerifyPage *self)
{
  g_clear_object (&self->pending_data);
  g_clear_object (&self->pending_token);
}

/* A refused drop: say why on the drop page; what was waiting stays waiting. */
static gboolean
refuse (PdVerifyPage *self, const char *message)
{
  g_clear_pointer (&self->result, pd_verify_result_unref);
  pd_verify_page_set_message (self, TRUE, message);
  pd_verify_page_set_state (self, self->pending_data || self->pending_token ? PD_VERIFY_PAGE_WAITING
                                                              : PD_VERIFY_PAGE_EMPTY);
  return FALSE;
}

void
pd_verify_page_stop_pulse (PdVerifyPage *self)
{
  if (self->pulse_id != 0)
    {
      g_source_remove (self->pulse_id);
      self->pulse_id = 0;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Pairing what was dropped                                                                   */

typedef enum {
  KIND_DATA,
  KIND_TOKEN,       /* .tsr */
  KIND_CERTIFICATE, /* .pdf: a certificate, unless a .tsr says it is the data */
  KIND_PACKAGE,
} Kind;

/* What a dropped file is. FALSE and a translated message when it cannot be used. */
static gboolean
classify (GFile *file, Kind *kind, GFile **package, char **message)
{
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = pd_verify_page_file_display_name (file);
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *lower = NULL;

  if (path == NULL)
    {
      *message = g_strdup_printf (_("“%s” is not on this computer; copy it here first."), name);
      return FALSE;
    }
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info == NULL)
    {
      /* Translators: the first %s is a file name, the second why it cannot be read. */
      *message = g_strdup_printf (_("Cannot read “%s”: %s"), name, error->message);
      return FALSE;
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr (GFile) manifest = g_file_get_child (file, PD_MANIFEST_NAME);

      if (g_file_query_file_type (manifest, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
        {
          *message = g_strdup_printf (_("“%s” is not an evidence folder: it has no manifest.json."), name);
          return FALSE;
        }
      *kind = KIND_PACKAGE;
      *package = g_object_ref (file);
      return TRUE;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      *message = g_strdup_printf (_("“%s” is not a regular file."), name);
      return FALSE;
    }
  if (g_file_info_get_size (info) == 0)
    {
      *message = g_strdup_printf (_("“%s” is empty (0 bytes): there is nothing to verify."), name);
      return FALSE;
    }
  lower = g_utf8_strdown (base, -1);
  if (g_str_equal (base, PD_MANIFEST_NAME))
    {
      *kind = KIND_PACKAGE;
      *package = g_file_get_parent (file);
      return TRUE;
    }
  if (g_str_has_suffix (lower, ".tsr"))
    *kind = KIND_TOKEN;
  else if (g_str_has_suffix (lower, ".pdf"))
    *kind = KIND_CERTIFICATE;
  else
    *kind = KIND_DATA;
  return TRUE;
}

/* Among several data files and tokens, the one pair whose names match ("x" and "x.tsr"). */
static gboolean
match_by_name (GPtrArray *data, GPtrArray *tokens, GFile **data_out, GFile **token_out)
{
  guint found = 0;

  for (guint t = 0; t < tokens->len; t++)
    {
      g_autofree char *tname = g_file_get_basename (tokens->pdata[t]);

      for (guint d = 0; d < data->len; d++)
        {
          g_autofree char *dname = g_file_get_basename (data->pdata[d]);
          g_autofree char *want = g_strconcat (dname, ".tsr", NULL);

          if (g_str_equal (tname, want))
            {
              *data_out = data->pdata[d];
              *token_out = tokens->pdata[t];
              found++;
            }
        }
    }
  return found == 1;
}

/* Sorts a drop into data files, tokens, certificates and at most one package; FALSE and the
 * sentence to show when the drop cannot be used. */
static gboolean
sort_dropped (GSList *files, GPtrArray *data, GPtrArray *tokens, GPtrArray *certificates,
              GFile **package, char **refusal)
{
  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *message = NULL;
      g_autoptr (GFile) pkg = NULL;
      Kind kind;

      if (!G_IS_FILE (l->data))
        continue;
      if (!classify (l->data, &kind, &pkg, &message))
        {
          *refusal = g_steal_pointer (&message);
          return FALSE;
        }
      switch (kind)
        {
        case KIND_PACKAGE:
          if (*package != NULL && !g_file_equal (*package, pkg))
            {
              *refusal = g_strdup (_("Drop one evidence folder at a time."));
              return FALSE;
            }
          g_set_object (package, pkg);
          break;
        case KIND_TOKEN:
          g_ptr_array_add (tokens, g_object_ref (l->data));
          break;
        case KIND_CERTIFICATE:
          g_ptr_array_add (certificates, g_object_ref (l->data));
          break;
        case KIND_DATA:
        default:
          g_ptr_array_add (data, g_object_ref (l->data));
          break;
        }
    }
  return TRUE;
}

/* A package: everything else dropped with it must be inside it (e.g. "select all"). */
static gboolean
start_dropped_package (PdVerifyPage *self, GFile *package, GPtrArray *data, GPtrArray *tokens,
                       GPtrArray *certificates)
{
  GPtrArray *lists[] = { data, tokens, certificates };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    for (guint j = 0; j < lists[i]->len; j++)
      if (!g_file_has_prefix (lists[i]->pdata[j], package))
        return refuse (self, _("Drop either an evidence folder or a file with its token, not both."));
  return pd_verify_page_start_package (self, package);
}

/* One half of a (file, token) pair: wait for the other. */
static gboolean
wait_for_other_half (PdVerifyPage *self, GPtrArray *data, GPtrArray *tokens)
{
  pd_verify_page_forget_pending (self);
  if (data->len == 1)
    {
      g_autofree char *name = pd_verify_page_file_display_name (data->pdata[0]);
      /* Translators: %s is a file name. */
      g_autofree char *message = g_strdup_printf (_("%s — now drop its certificate or token"), name);

      self->pending_data = g_object_ref (data->pdata[0]);
      pd_verify_page_set_message (self, FALSE, message);
    }
  else
    {
      g_autofree char *name = pd_verify_page_file_display_name (tokens->pdata[0]);
      /* Translators: %s is the name of a token or certificate. */
      g_autofree char *message = g_strdup_printf (_("%s — now drop the recording it belongs to"), name);

      self->pending_token = g_object_ref (tokens->pdata[0]);
      pd_verify_page_set_message (self, FALSE, message);
    }
  pd_verify_page_set_state (self, PD_VERIFY_PAGE_WAITING);
  return TRUE;
}

/* Data and tokens dropped now and waiting from before: a pair starts verifying, one half waits. */
static gboolean
pair_dropped (PdVerifyPage *self, GPtrArray *data, GPtrArray *tokens, GPtrArray *certificates)
{
  GFile *data_file = NULL, *token_file = NULL;

  /* With a .tsr in play a PDF is a document that was stamped, not a certificate. */
  if (tokens->len > 0 ||
      (certificates->len > 0 && data->len == 0 && self->pending_token != NULL &&
       self->pending_data == NULL))
    {
      for (guint i = 0; i < certificates->len; i++)
        g_ptr_array_add (data, g_object_ref (certificates->pdata[i]));
      g_ptr_array_set_size (certificates, 0);
    }
  else
    for (guint i = 0; i < certificates->len; i++)
      g_ptr_array_add (tokens, g_object_ref (certificates->pdata[i]));

  /* What this drop lacks comes from what is waiting. */
  if (data->len == 0 && self->pending_data != NULL)
    g_ptr_array_add (data, g_object_ref (self->pending_data));
  if (tokens->len == 0 && self->pending_token != NULL)
    g_ptr_array_add (tokens, g_object_ref (self->pending_token));

  if (data->len == 0 && tokens->len == 0)
    return refuse (self, _("Nothing usable was dropped."));

  if (data->len >= 1 && tokens->len >= 1)
    {
      if (data->len == 1 && tokens->len == 1)
        {
          data_file = data->pdata[0];
          token_file = tokens->pdata[0];
        }
      else if (!match_by_name (data, tokens, &data_file, &token_file))
        {
          pd_verify_page_forget_pending (self);
          return refuse (self, _("Drop one recording with one certificate or token at a time."));
        }
      return pd_verify_page_start_file (self, data_file, token_file);
    }

  if (data->len > 1 || tokens->len > 1)
    {
      pd_verify_page_forget_pending (self);
      return refuse (self, data->len > 1
                             ? _("Drop one recording at a time, with its certificate or token.")
                             : _("Drop one certificate or token at a time, with its recording."));
    }

  return wait_for_other_half (self, data, tokens);
}

gboolean
pd_verify_page_add_files (PdVerifyPage *self, GSList *files)
{
  g_autoptr (GPtrArray) data = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) certificates = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GFile) package = NULL;
  g_autofree char *refusal = NULL;

  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), FALSE);

  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return FALSE;
  if (files == NULL)
    return refuse (self, _("Nothing was dropped."));
  /* A new drop after a result starts over. */
  if (self->state == PD_VERIFY_PAGE_RESULT)
    {
      g_clear_pointer (&self->result, pd_verify_result_unref);
      pd_verify_page_forget_pending (self);
    }
  if (!sort_dropped (files, data, tokens, certificates, &package, &refusal))
    return refuse (self, refusal);
  if (package != NULL)
    return start_dropped_package (self, package, data, tokens, certificates);
  return pair_dropped (self, data, tokens, certificates);
}

/* ------------------------------------------------------------------------------------------ */
/* Drag and drop, file choosers, actions                                                      */

static GdkDragAction
on_drop_enter (GtkDropTarget *target, double x, double y, PdVerifyPage *self)
{
  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return 0;
  gtk_widget_add_css_class (self->drop_zone, "drop-hover");
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget *target, PdVerifyPage *self)
{
  gtk_widget_remove_css_class (self->drop_zone, "drop-hover");
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, PdVerifyPage *self)
{
  GSList *files;
  gboolean accepted;

  gtk_widget_remove_css_class (self->drop_zone, "drop-hover");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  accepted = pd_verify_page_add_files (self, files);
  g_slist_free (files);
  return accepted;
}

static void
on_open_response (GtkNativeDialog *dialog, int response, PdVerifyPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) model = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *files = NULL;

      for (guint i = g_list_model_get_n_items (model); i > 0; i--)
        files = g_slist_prepend (files, g_list_model_get_item (model, i - 1));
      pd_verify_page_add_files (self, files);
      g_slist_free_full (files, g_object_unref);
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static GtkWindow *
parent_window (PdVerifyPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
open_chooser (PdVerifyPage *self, GtkFileChooserAction action)
{
  gboolean folder = action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (folder ? _("Open Evidence Folder")
                                                      : _("Open a Recording and Its Certificate"),
                                               parent_window (self), action, _("_Open"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (!folder)
    gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_save_response (GtkNativeDialog *dialog, int response, PdVerifyPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path == NULL)
        adw_toast_overlay_add_toast (self->toasts,
                                     adw_toast_new (_("Reports can only be saved on this computer")));
      else if (!pd_verify_page_save_report (self, path, &error))
        {
          g_autofree char *escaped = g_markup_escape_text (error->message, -1);
          adw_toast_overlay_add_toast (self->toasts, adw_toast_new (escaped));
        }
      else
        adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Report saved")));
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
action_save_report (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (widget);

  if (self->result == NULL)
    return;
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Verification Report"), parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  /* Translators: the default file name of a saved report; keep it a valid file name. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), _("verification-report.pdf"));
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
action_open_files (GtkWidget *widget, const char *action_name, GVariant *param)
{
  open_chooser (PD_VERIFY_PAGE (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
action_open_folder (GtkWidget *widget, const char *action_name, GVariant *param)
{
  open_chooser (PD_VERIFY_PAGE (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
action_cancel (GtkWidget *widget, const char *action_name, GVariant *param)
{
  pd_verify_page_cancel (PD_VERIFY_PAGE (widget));
}

static void
action_another (GtkWidget *widget, const char *action_name, GVariant *param)
{
  pd_verify_page_reset (PD_VERIFY_PAGE (widget));
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                    */

static void
pd_verify_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_verify_page_dispose (GObject *object)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  pd_verify_page_stop_pulse (self);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->dynamic_rows, g_ptr_array_unref);
  pd_verify_page_forget_pending (self);
  g_clear_object (&self->package_dir);
  g_clear_pointer (&self->result, pd_verify_result_unref);

  G_OBJECT_CLASS (pd_verify_page_parent_class)->dispose (object);
}

static void
pd_verify_page_finalize (GObject *object)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  g_free (self->inputs);
  g_free (self->headline);
  g_free (self->message);

  G_OBJECT_CLASS (pd_verify_page_parent_class)->finalize (object);
}

static void
pd_verify_page_class_init (PdVerifyPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pd_verify_page_get_property;
  object_class->dispose = pd_verify_page_dispose;
  object_class->finalize = pd_verify_page_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, PD_TYPE_VERIFY_PAGE_STATE, PD_VERIFY_PAGE_EMPTY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-verify-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, drop_zone);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_list);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_icon);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, drop_error);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_status);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, result_scroll);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_title);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_summary);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_inputs);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tamper_list);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tamper_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, timestamp_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, time_local_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, time_utc_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tsa_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, serial_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, policy_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, digest_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, spans_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, checks_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, files_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, checkpoints_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, marks_group);

  gtk_widget_class_install_action (widget_class, "verify.open-files", NULL, action_open_files);
  gtk_widget_class_install_action (widget_class, "verify.open-folder", NULL, action_open_folder);
  gtk_widget_class_install_action (widget_class, "verify.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "verify.another", NULL, action_another);
  gtk_widget_class_install_action (widget_class, "verify.save-report", NULL, action_save_report);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "verify.open-files", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "verify.cancel", NULL);
}

static void
ensure_css (void)
{
  static GtkCssProvider *provider;
  GdkDisplay *display = gdk_display_get_default ();

  if (provider != NULL || display == NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, page_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
pd_verify_page_init (PdVerifyPage *self)
{
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));
  ensure_css ();
  self->dynamic_rows = g_ptr_array_new_with_free_func (g_object_unref);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "enter", G_CALLBACK (on_drop_enter), self);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  pd_verify_page_set_state (self, PD_VERIFY_PAGE_EMPTY);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */

PdVerifyPage *
pd_verify_page_new (void)
{
  return g_object_new (PD_TYPE_VERIFY_PAGE, NULL);
}

void
pd_verify_page_cancel (PdVerifyPage *self)
{
  g_return_if_fail (PD_IS_VERIFY_PAGE (self));

  if (self->state != PD_VERIFY_PAGE_VERIFYING)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  pd_verify_page_stop_pulse (self);
  g_clear_object (&self->package_dir);
  pd_verify_page_forget_pending (self);
  pd_verify_page_set_message (self, FALSE, _("Verification cancelled."));
  pd_verify_page_set_state (self, PD_VERIFY_PAGE_EMPTY);
}

void
pd_verify_page_reset (PdVerifyPage *self)
{
  g_return_if_fail (PD_IS_VERIFY_PAGE (self));

  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return;
  g_clear_pointer (&self->result, pd_verify_result_unref);
  g_clear_object (&self->package_dir);
  g_clear_pointer (&self->headline, g_free);
  pd_verify_page_forget_pending (self);
  pd_verify_page_clear_result_rows (self);
  pd_verify_page_set_message (self, FALSE, NULL);
  pd_verify_page_set_state (self, PD_VERIFY_PAGE_EMPTY);
}

gboolean
pd_verify_page_save_report (PdVerifyPage *self, const char *path, GError **error)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->result == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no result to save."));
      return FALSE;
    }
  return pd_verify_report_write_pdf (self->result, path, error);
}

PdVerifyPageState
pd_verify_page_get_state (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), PD_VERIFY_PAGE_EMPTY);
  return self->state;
}

PdVerifyResult *
pd_verify_page_get_result (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->result;
}

PdVerdict
pd_verify_page_get_verdict (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), PD_VERDICT_ERROR);
  return self->result ? pd_verify_result_get_verdict (self->result) : PD_VERDICT_ERROR;
}

const char *
pd_verify_page_get_headline (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->state == PD_VERIFY_PAGE_RESULT ? self->headline : NULL;
}

const char *
pd_verify_page_get_message (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->message;
}

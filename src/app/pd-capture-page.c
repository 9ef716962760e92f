/* pd-capture-page.c — the Capture view: choose a source, case and scenario; record with a live
 * preview and checklist; stop, seal and show the package. */
#define G_LOG_DOMAIN "pd-capture-page"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>
#include <string.h>

#include "pd-capture-page.h"
#include "pd-resources.h"
#include "pd-capture-source.h"
#include "sources/pd-portal.h"
#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "pd-checklist-panel.h"
#include "verify/pd-verify.h"
#include "checklist/pd-checklist.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

typedef enum {
  PAGE_IDLE,
  PAGE_RECORDING,
  PAGE_SEALING,
  PAGE_RESULT,
} PageState;

struct _PdCapturePage
{
  GtkWidget            parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toast_overlay;
  GtkRevealer         *practice_revealer;
  GtkRevealer         *disk_revealer;
  GtkLabel            *disk_warning_label;
  GtkStack            *main_stack;
  GtkListBox          *source_list;
  AdwComboRow         *case_row;
  GtkStringList       *case_model;
  GtkPopover          *new_case_popover;
  AdwEntryRow         *case_name_row;
  AdwEntryRow         *case_parties_row;
  AdwEntryRow         *case_type_row;
  GtkButton           *create_case_button;
  AdwComboRow         *scenario_row;
  GtkPicture          *preview;
  GtkLabel            *rec_label;
  GtkLabel            *elapsed_label;
  GtkLabel            *size_label;
  GtkLabel            *checkpoint_label;
  GtkLabel            *disk_label;
  GtkButton           *record_button;
  GtkLabel            *record_label;
  GtkStack            *record_icon_stack;
  GtkSpinner          *record_spinner;
  GtkImage            *result_icon;
  GtkLabel            *result_title;
  GtkLabel            *result_description;
  AdwActionRow        *result_folder_row;
  AdwActionRow        *result_sha_row;
  AdwActionRow        *result_stamp_row;
  AdwActionRow        *result_checklist_row;
  AdwActionRow        *result_check_row;
  AdwPreferencesGroup *warnings_group;
  PdChecklistPanel    *checklist_panel;

  /* Borrowed references */
  GtkEditable         *region_entry;     /* in the region source's row */
  GtkWidget           *stop_dialog;      /* weak: the "required items missing" question */
  AdwToast            *mark_toast;       /* weak: the newest "Marked …" toast */
  GtkImage            *stamp_icon;       /* in result_stamp_row */
  GActionMap          *exported_to;      /* the window holding win.record-toggle */

  /* Owned references */
  GSimpleAction       *record_action;    /* win.record-toggle */
  GListStore          *sources;          /* PdCaptureSource */
  PdCaptureSource     *source;           /* the selected one */
  GListStore          *scenarios;        /* PdChecklist */
  GSettings           *settings;         /* NULL when the schema is not installed */
  PdCatalog           *catalog;          /* NULL when it cannot be opened: cases in memory */
  PdCapture           *capture;
  PdPortalScreencast  *portal;           /* Wayland: the shared screen, while it is recorded */
  gboolean             asking_portal;
  PdPackage           *package;
  GPtrArray           *warning_rows;
  char                *digest;
  char                *decision;
  PageState            state;
  guint                preview_tick;
  guint                status_timeout;
  guint                disk_timeout;
  guint64              disk_threshold;
  guint                last_checkpoint;
  char                *last_checkpoint_text;
  guint64              result_duration;  /* ns, of the sealed recording */
  guint64              result_size;
  guint                stamps_failed;
  gboolean             stamp_failing;
  gboolean             first_stamp_told;
};

G_DEFINE_FINAL_TYPE (PdCapturePage, pd_capture_page, GTK_TYPE_WIDGET)

static void update_state (PdCapturePage *self);

static void
toast (PdCapturePage *self, const char *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 3);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
load_css_once (void)
{
  static gboolean loaded;
  g_autoptr (GtkCssProvider) provider = NULL;

  if (loaded || gdk_display_get_default () == NULL)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/proofdesk/Proofdesk/pd-capture-page.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ---- Free space and the practice authority ---- */

/* The evidence root may not exist yet: ask about its nearest existing ancestor. */
static gboolean
query_free_space (const char *path, guint64 *free_out)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  while (file != NULL)
    {
      g_autoptr (GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                                 NULL, NULL);
      GFile *parent;

      if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
        {
          *free_out = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
          return TRUE;
        }
      parent = g_file_get_parent (file);
      g_object_unref (file);
      file = parent;
    }
  return FALSE;
}

static void
update_disk (PdCapturePage *self)
{
  g_autofree char *root = pd_config_get_evidence_root ();
  guint64          free_bytes = 0;

  if (!query_free_space (root, &free_bytes))
    {
      gtk_label_set_label (self->disk_label, "");
      gtk_revealer_set_reveal_child (self->disk_revealer, FALSE);
      return;
    }
  {
    g_autofree char *size = g_format_size (free_bytes);
    /* Translators: %s is an amount of disk space such as "120 GB", then a folder. */
    g_autofree char *text = g_strdup_printf (_("%s free in %s"), size, root);

    gtk_label_set_label (self->disk_label, text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->disk_label), root);
    if (free_bytes < self->disk_threshold)
      {
        g_autofree char *warning =
          /* Translators: %s is an amount of disk space such as "1.2 GB". */
          g_strdup_printf (_("Only %s left for evidence. A recording stops when the disk is full; free some space or choose another evidence folder in Preferences."),
                           size);

        gtk_label_set_label (self->disk_warning_label, warning);
      }
    gtk_revealer_set_reveal_child (self->disk_revealer, free_bytes < self->disk_threshold);
  }
}

static gboolean
on_disk_timeout (gpointer user_data)
{
  update_disk (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_practice (PdCapturePage *self)
{
  g_autofree char *url = pd_config_get_tsa_url ();

  gtk_revealer_set_reveal_child (self->practice_revealer, g_strcmp0 (url, PD_TSA_LOCAL) == 0);
}

static void
on_settings_changed (PdCapturePage *self, const char *key, GSettings *settings)
{
  if (g_strcmp0 (key, "tsa-url") == 0)
    update_practice (self);
  else if (g_strcmp0 (key, "evidence-root") == 0)
    update_disk (self);
}

/* ---- Sources ---- */

static void
on_source_toggled (GtkCheckButton *check, PdCapturePage *self)
{
  PdCaptureSource *source = g_object_get_data (G_OBJECT (check), "pd-source");

  if (!gtk_check_button_get_active (check))
    return;
  g_set_object (&self->source, source);
  if (self->region_entry != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->region_entry), pd_capture_source_get_needs_region (source));
}

static void
on_region_changed (GtkEditable *editable, PdCapturePage *self)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("x11", NULL);
  const char *text = gtk_editable_get_text (editable);

  if (text[0] == '\0' || (spec != NULL && pd_source_spec_set_region (spec, text, NULL)))
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

static GtkWidget *
create_source_row (gpointer item, gpointer user_data)
{
  PdCapturePage   *self = user_data;
  PdCaptureSource *source = item;
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *check = gtk_check_button_new ();
  GtkWidget       *first = gtk_list_box_get_row_at_index (self->source_list, 0) != NULL
                           ? g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (self->source_list, 0)), "pd-check")
                           : NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pd_capture_source_get_title (source));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pd_capture_source_get_subtitle (source));
  if (pd_capture_source_get_icon_name (source) != NULL)
    adw_action_row_set_icon_name (ADW_ACTION_ROW (row), pd_capture_source_get_icon_name (source));
  /* A phone that has not allowed USB debugging yet: the subtitle says what to do. */
  if (!pd_capture_source_get_available (source))
    gtk_widget_set_sensitive (check, FALSE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  if (first != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), GTK_CHECK_BUTTON (first));
  g_object_set_data_full (G_OBJECT (check), "pd-source", g_object_ref (source), g_object_unref);
  g_signal_connect (check, "toggled", G_CALLBACK (on_source_toggled), self);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data (G_OBJECT (row), "pd-check", check);

  if (pd_capture_source_get_needs_region (source))
    {
      GtkWidget *entry = gtk_entry_new ();

      /* Translators: the format of a screen region; keep the letters, they are a hint. */
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("x,y,width,height"));
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 16);
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_widget_set_sensitive (entry, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Screen region"), -1);
      g_signal_connect (entry, "changed", G_CALLBACK (on_region_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
      self->region_entry = GTK_EDITABLE (entry);
    }
  if (first == NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  return row;
}

gboolean
pd_capture_page_select_source (PdCapturePage *self, const char *source_id, const char *region)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);
  g_return_val_if_fail (source_id != NULL, FALSE);

  for (int i = 0;; i++)
    {
      GtkListBoxRow   *row = gtk_list_box_get_row_at_index (self->source_list, i);
      GtkCheckButton  *check;
      PdCaptureSource *source;

      if (row == NULL)
        return FALSE;
      check = g_object_get_data (G_OBJECT (row), "pd-check");
      source = g_object_get_data (G_OBJECT (check), "pd-source");
      if (g_strcmp0 (pd_capture_source_get_id (source), source_id) != 0)
        continue;
      gtk_check_button_set_active (check, TRUE);
      if (region != NULL && self->region_entry != NULL && pd_capture_source_get_needs_region (source))
        gtk_editable_set_text (self->region_entry, region);
      return TRUE;
    }
}

/* Phones and video devices come and go (PdCaptureSource's list is live); a phone whose state
 * changes is replaced by a new entry with the same id: keep it chosen. */
static void
on_sources_changed (PdCapturePage *self)
{
  g_autofree char *id = NULL;

  if (self->source == NULL)
    return;
  id = g_strdup (pd_capture_source_get_id (self->source));
  if (!pd_capture_page_select_source (self, id, NULL))
    g_clear_object (&self->source);
}

/* ---- Cases ---- */

static void
load_cases (PdCapturePage *self)
{
  g_auto (GStrv) names = NULL;
  g_autoptr (GError) error = NULL;

  if (self->catalog == NULL)
    return;
  names = pd_catalog_list_cases (self->catalog, &error);
  if (names == NULL)
    {
      g_message ("Cannot list cases: %s", error->message);
      return;
    }
  gtk_string_list_splice (self->case_model, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->case_model)),
                          (const char * const *) names);
}

static guint
find_case (PdCapturePage *self, const char *name)
{
  GListModel *model = G_LIST_MODEL (self->case_model);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->case_model, i), name) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* Adds a case (to the catalog when there is one, otherwise only to this session's list). */
static gboolean
add_case (PdCapturePage *self, const char *name, const char *parties, const char *dispute_type,
          GError **error)
{
  guint position;

  if (self->catalog != NULL
      && pd_catalog_ensure_case (self->catalog, name, parties, dispute_type, error) < 0)
    return FALSE;
  position = find_case (self, name);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      gtk_string_list_append (self->case_model, name);
      position = g_list_model_get_n_items (G_LIST_MODEL (self->case_model)) - 1;
    }
  adw_combo_row_set_selected (self->case_row, position);
  return TRUE;
}

void
pd_capture_page_select_case (PdCapturePage *self, const char *case_name)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  g_return_if_fail (case_name != NULL);

  if (!add_case (self, case_name, NULL, NULL, &error))
    toast (self, error->message);
}

static void
on_case_name_changed (PdCapturePage *self, GtkEditable *editable)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_case_button), name[0] != '\0');
}

static void
on_create_case (PdCapturePage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_name_row))));
  g_autofree char *parties = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_parties_row))));
  g_autofree char *type = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_type_row))));
  g_autoptr (GError) error = NULL;

  if (name[0] == '\0')
    return;
  if (!add_case (self, name, parties[0] ? parties : NULL, type[0] ? type : NULL, &error))
    {
      toast (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->case_name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->case_parties_row), "");
  gtk_popover_popdown (self->new_case_popover);
}

static char *
selected_case (PdCapturePage *self)
{
  guint position = adw_combo_row_get_selected (self->case_row);

  if (position == GTK_INVALID_LIST_POSITION)
    return NULL;
  return g_strdup (gtk_string_list_get_string (self->case_model, position));
}

static void
update_case_subtitle (PdCapturePage *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->case_model)) == 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->case_row),
                                 _("No cases yet. Create one, or the recording is filed as “unfiled”."));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->case_row),
                                 _("The folder and catalog entry the recording is filed under"));
}

/* ---- Scenarios ---- */

static char *
scenario_title (PdChecklist *checklist)
{
  return g_strdup (checklist != NULL ? pd_checklist_get_display_title (checklist) : "");
}

static PdChecklist *
selected_scenario (PdCapturePage *self)
{
  return adw_combo_row_get_selected_item (self->scenario_row);
}

static void
on_scenario_selected (PdCapturePage *self)
{
  PdChecklist *checklist = selected_scenario (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->scenario_row),
                               checklist ? pd_checklist_get_display_description (checklist) : "");
  if (self->state == PAGE_IDLE || self->state == PAGE_RESULT)
    pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
}

static void
load_scenarios (PdCapturePage *self)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  list = pd_checklist_list_scenarios (NULL, &error);
  if (list == NULL)
    {
      g_message ("No checklist templates: %s", error->message);
      return;
    }
  g_list_store_splice (self->scenarios, 0, g_list_model_get_n_items (G_LIST_MODEL (self->scenarios)),
                       list->pdata, list->len);
}

gboolean
pd_capture_page_select_scenario (PdCapturePage *self, const char *scenario_id)
{
  GListModel *model;

  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);

  model = G_LIST_MODEL (self->scenarios);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (PdChecklist) checklist = g_list_model_get_item (model, i);

      if (g_strcmp0 (pd_checklist_get_id (checklist), scenario_id) == 0)
        {
          adw_combo_row_set_selected (self->scenario_row, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- Live preview ---- */

typedef struct
{
  GstBuffer  *buffer;
  GstMapInfo  map;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *frame = data;

  gst_buffer_unmap (frame->buffer, &frame->map);
  gst_buffer_unref (frame->buffer);
  g_free (frame);
}

/* Wraps a BGRA sample in a texture without copying: the texture holds the buffer mapped. */
static GdkTexture *
texture_from_sample (GstSample *sample)
{
  GstBuffer    *buffer = gst_sample_get_buffer (sample);
  GstCaps      *caps = gst_sample_get_caps (sample);
  GstVideoInfo  info;
  GstVideoMeta *meta;
  MappedFrame  *frame;
  gsize         offset, stride, needed;
  int           width, height;
  g_autoptr (GBytes) bytes = NULL;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps)
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_BGRA)
    return NULL;
  width = GST_VIDEO_INFO_WIDTH (&info);
  height = GST_VIDEO_INFO_HEIGHT (&info);
  meta = gst_buffer_get_video_meta (buffer);
  offset = meta != NULL ? meta->offset[0] : GST_VIDEO_INFO_PLANE_OFFSET (&info, 0);
  stride = meta != NULL ? (gsize) meta->stride[0] : (gsize) GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
  if (width <= 0 || height <= 0 || stride < (gsize) width * 4)
    return NULL;
  needed = offset + stride * (height - 1) + (gsize) width * 4;

  frame = g_new0 (MappedFrame, 1);
  frame->buffer = gst_buffer_ref (buffer);
  if (!gst_buffer_map (buffer, &frame->map, GST_MAP_READ))
    {
      gst_buffer_unref (frame->buffer);
      g_free (frame);
      return NULL;
    }
  if (frame->map.size < needed)
    {
      mapped_frame_free (frame);
      return NULL;
    }
  bytes = g_bytes_new_with_free_func (frame->map.data + offset, needed - offset, mapped_frame_free, frame);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8, bytes, stride);
}

static gboolean
on_preview_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  PdCapturePage *self = user_data;
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  if (self->capture == NULL)
    return G_SOURCE_CONTINUE;
  sample = pd_capture_pull_preview (self->capture);
  if (sample == NULL)
    return G_SOURCE_CONTINUE;
  texture = texture_from_sample (sample);
  if (texture != NULL)
    gtk_picture_set_paintable (self->preview, GDK_PAINTABLE (texture));
  return G_SOURCE_CONTINUE;
}

/* ---- Status while recording ---- */

static void
update_status (PdCapturePage *self)
{
  if (self->capture == NULL && self->state == PAGE_RESULT)
    {
      g_autofree char *elapsed = pd_format_stream_time (self->result_duration);
      g_autofree char *size = g_format_size (self->result_size);

      gtk_label_set_label (self->elapsed_label, elapsed);
      gtk_label_set_label (self->size_label, size);
      return;
    }
  if (self->capture == NULL)
    {
      gtk_label_set_label (self->elapsed_label, "00:00:00");
      gtk_label_set_label (self->size_label, self->state == PAGE_IDLE ? _("Ready to record") : "");
      gtk_label_set_label (self->checkpoint_label, "");
      return;
    }
  {
    g_autofree char *elapsed = pd_format_stream_time (pd_capture_get_running_time (self->capture));
    g_autofree char *size = g_format_size (pd_capture_get_bytes (self->capture));

    gtk_label_set_label (self->elapsed_label, elapsed);
    gtk_label_set_label (self->rec_label, elapsed);
    gtk_label_set_label (self->size_label, size);
    gtk_label_set_label (self->checkpoint_label,
                         self->last_checkpoint_text ? self->last_checkpoint_text : _("No checkpoint yet"));
  }
}

static gboolean
on_status_timeout (gpointer user_data)
{
  update_status (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_checkpoint (PdCapture *capture, guint index, guint64 offset, const char *sha256,
               guint64 running_time, PdCapturePage *self)
{
  g_autofree char *at = pd_format_stream_time (running_time);

  self->last_checkpoint = index;
  g_free (self->last_checkpoint_text);
  /* Translators: a checkpoint number and the time in the recording. */
  self->last_checkpoint_text = g_strdup_printf (_("Checkpoint %u at %s · waiting for its timestamp"), index, at);
  update_status (self);
}

static void
on_checkpoint_stamped (PdCapture *capture, guint index, const GError *error, PdCapturePage *self)
{
  g_autofree char *text = NULL;

  if (error != NULL)
    {
      self->stamps_failed++;
      if (index == self->last_checkpoint)
        {
          g_free (self->last_checkpoint_text);
          self->last_checkpoint_text = g_strdup_printf (_("Checkpoint %u · not timestamped: %s"), index,
                                                        error->message);
        }
      /* Say it once per outage, not every ten seconds. */
      if (!self->stamp_failing)
        {
          text = g_strdup_printf (_("The timestamp authority did not answer: %s. Recording continues; the package will be sealed and stamped later."),
                                  error->message);
          toast (self, text);
        }
      self->stamp_failing = TRUE;
      update_status (self);
      return;
    }
  if (self->stamp_failing)
    toast (self, _("The timestamp authority answers again"));
  else if (!self->first_stamp_told)
    {
      text = g_strdup_printf (_("Checkpoint %u timestamped"), index);
      toast (self, text);
    }
  self->first_stamp_told = TRUE;
  self->stamp_failing = FALSE;
  if (index == self->last_checkpoint)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");

      g_free (self->last_checkpoint_text);
      /* Translators: a checkpoint number and the local time its timestamp arrived. */
      self->last_checkpoint_text = g_strdup_printf (_("Checkpoint %u · timestamped at %s"), index, clock);
    }
  update_status (self);
}

/* ---- Result ---- */

/* "CN=Example TSA,O=Example" → "Example TSA"; a name that is not a DN is shown as it is. */
static char *
authority_display_name (JsonObject *authority)
{
  const char *name = pd_json_string (authority, "name");
  const char *cn;

  if (name == NULL)
    return g_strdup (pd_json_string (authority, "url") ? pd_json_string (authority, "url") : "?");
  cn = g_str_has_prefix (name, "CN=") ? name + 3 : strstr (name, ",CN=") ? strstr (name, ",CN=") + 4 : NULL;
  if (cn == NULL)
    return g_strdup (name);
  return g_strndup (cn, strcspn (cn, ","));
}

static void
clear_warning_rows (PdCapturePage *self)
{
  for (guint i = 0; i < self->warning_rows->len; i++)
    adw_preferences_group_remove (self->warnings_group, self->warning_rows->pdata[i]);
  g_ptr_array_set_size (self->warning_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_group), FALSE);
}

static void
add_warning_row (PdCapturePage *self, const char *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "dialog-warning-symbolic");
  adw_preferences_group_add (self->warnings_group, row);
  g_ptr_array_add (self->warning_rows, row);
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_group), TRUE);
}

static void
on_self_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapturePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdVerifyResult) r = pd_verify_package_finish (result, &error);
  g_autofree char *text = NULL;

  if (r == NULL)
    text = g_strdup (error->message);
  else
    text = g_strdup_printf ("%s — %s", pd_verdict_describe (pd_verify_result_get_verdict (r)),
                            pd_verify_result_get_summary (r));
  adw_action_row_set_subtitle (self->result_check_row, text);
}

/* The fresh package is verified by the same code anyone else will use on it. */
static void
start_self_check (PdCapturePage *self)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new_default (NULL);

  if (self->package == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->result_check_row), FALSE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->result_check_row), TRUE);
  adw_action_row_set_subtitle (self->result_check_row, _("Verifying the fresh package…"));
  pd_verify_package_async (pd_package_get_path (self->package), trust, NULL, NULL, NULL, NULL,
                           on_self_check_done, g_object_ref (self));
}

static void
show_result (PdCapturePage *self, PdCapture *capture, const GError *error)
{
  JsonObject *manifest = self->package ? pd_package_get_manifest (self->package) : NULL;
  JsonObject *recording = pd_json_object (manifest, "recording");
  JsonObject *timestamps = pd_json_object (manifest, "timestamps");
  JsonObject *authority = pd_json_object (timestamps, "authority");
  JsonObject *stamp = pd_json_object (recording, "timestamp");
  JsonObject *checklist = pd_json_object (manifest, "checklist");
  const char *state = pd_json_string (manifest, "state");
  gboolean    practice = authority != NULL && json_object_get_boolean_member_with_default (authority, "practice", FALSE);
  const char *const *warnings = pd_capture_get_warnings (capture);
  g_autofree char *stamp_text = NULL;
  g_autofree char *checklist_text = NULL;

  g_clear_pointer (&self->digest, g_free);
  self->digest = g_strdup (pd_json_string (recording, "sha256"));
  clear_warning_rows (self);

  if (error != NULL || g_strcmp0 (state, "failed") == 0)
    {
      gtk_image_set_from_icon_name (self->result_icon, "dialog-warning-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "error");
      gtk_label_set_label (self->result_title, _("Recording Stopped by an Error"));
      gtk_label_set_label (self->result_description,
                           error != NULL ? error->message
                           : pd_json_string (manifest, "failure") ? pd_json_string (manifest, "failure") : "");
    }
  else
    {
      gtk_image_set_from_icon_name (self->result_icon, "emblem-ok-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "success");
      gtk_label_set_label (self->result_title, _("Evidence Sealed"));
      gtk_label_set_label (self->result_description,
                           _("The recording and its manifest are hashed and written once. Keep a copy off this workstation."));
    }

  start_self_check (self);
  gtk_widget_set_visible (GTK_WIDGET (self->result_folder_row), self->package != NULL);
  if (self->package != NULL)
    adw_action_row_set_subtitle (self->result_folder_row, pd_package_get_path (self->package));
  gtk_widget_set_visible (GTK_WIDGET (self->result_sha_row), self->digest != NULL);
  adw_action_row_set_subtitle (self->result_sha_row, self->digest ? self->digest : "");

  if (stamp != NULL)
    {
      g_autoptr (GDateTime) utc = pd_json_string (stamp, "gen_time") ? pd_time_parse (pd_json_string (stamp, "gen_time")) : NULL;
      g_autoptr (GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;
      g_autofree char *when = local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
      g_autofree char *name = authority_display_name (authority);

      if (practice)
        /* Translators: %s is a date and time. */
        stamp_text = g_strdup_printf (_("Timestamped %s by the practice authority built into Proofdesk — not for court"), when);
      else
        /* Translators: a date and time, then the name of a timestamp authority. */
        stamp_text = g_strdup_printf (_("Timestamped %s by %s"), when, name);
    }
  else if (g_strcmp0 (state, "awaiting-stamp") == 0)
    stamp_text = g_strdup (_("Awaiting timestamp: the authority could not be reached. The package is sealed; stamp it later with “proofctl stamp --pending”."));
  else
    stamp_text = g_strdup (_("Not timestamped"));
  adw_action_row_set_subtitle (self->result_stamp_row, stamp_text);
  gtk_image_set_from_icon_name (self->stamp_icon, practice || stamp == NULL ? "dialog-warning-symbolic"
                                                                           : "emblem-ok-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->stamp_icon), practice || stamp == NULL ? "success" : "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->stamp_icon), practice || stamp == NULL ? "warning" : "success");
  self->result_duration = manifest != NULL
                          ? (guint64) (json_object_get_double_member_with_default (manifest, "duration_seconds", 0) * GST_SECOND)
                          : 0;
  self->result_size = recording != NULL ? (guint64) json_object_get_int_member_with_default (recording, "size", 0) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->result_checklist_row), checklist != NULL);
  if (checklist != NULL)
    {
      gint64 required = json_object_get_int_member_with_default (checklist, "required", 0);
      gint64 marked = json_object_get_int_member_with_default (checklist, "required_marked", 0);

      checklist_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u required item marked",
                                                     "%u of %u required items marked", (gulong) required),
                                        (guint) marked, (guint) required);
      if (g_strcmp0 (pd_json_string (checklist, "decision"), PD_CHECKLIST_DECISION_SEALED_ANYWAY) == 0)
        {
          g_autofree char *base = g_steal_pointer (&checklist_text);

          checklist_text = g_strdup_printf ("%s — %s", base, _("sealed with items missing"));
        }
      adw_action_row_set_subtitle (self->result_checklist_row, checklist_text);
    }

  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    add_warning_row (self, warnings[i]);
}

/* ---- Recording ---- */

static void
stop_preview (PdCapturePage *self)
{
  if (self->preview_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->preview), self->preview_tick);
  self->preview_tick = 0;
  g_clear_handle_id (&self->status_timeout, g_source_remove);
}

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PdCapturePage *self = user_data;   /* a reference held while sealing */
  PdCapture     *capture = PD_CAPTURE (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPackage) package = pd_capture_stop_finish (capture, result, &error);

  /* The page may have closed while sealing (the capture sealed anyway). */
  if (self->capture != capture || self->main_stack == NULL)
    {
      g_object_unref (self);
      return;
    }
  /* A failed capture is sealed too: show what was kept. */
  if (package == NULL && pd_capture_get_package (capture) != NULL)
    package = g_object_ref (pd_capture_get_package (capture));
  g_set_object (&self->package, package);
  show_result (self, capture, error);
  pd_checklist_panel_set_capture (self->checklist_panel, NULL);
  g_clear_object (&self->capture);
  g_clear_object (&self->portal);
  self->state = PAGE_RESULT;
  update_state (self);
  update_disk (self);
  if (error == NULL && package != NULL)
    toast (self, _("Evidence package sealed"));
  else if (error != NULL)
    toast (self, error->message);
  g_object_unref (self);
}

static void
stop_recording (PdCapturePage *self, const char *decision)
{
  PdChecklist *checklist = pd_checklist_panel_get_checklist (self->checklist_panel);

  if (self->state != PAGE_RECORDING || self->capture == NULL)
    return;
  g_free (self->decision);
  self->decision = g_strdup (decision);
  if (checklist != NULL)
    {
      g_autoptr (JsonObject) summary = pd_checklist_build_summary (checklist, decision);

      pd_capture_set_checklist_summary (self->capture, summary);
    }
  /* Suggestions are answered while recording only: stop reading the screen. */
  pd_checklist_panel_set_ocr_worker (self->checklist_panel, NULL);
  pd_capture_set_ocr (self->capture, NULL);
  self->state = PAGE_SEALING;
  update_state (self);
  pd_capture_stop_async (self->capture, NULL, on_stopped, g_object_ref (self));
}

static void
on_stop_dialog_response (AdwMessageDialog *dialog, const char *response, PdCapturePage *self)
{
  if (g_strcmp0 (response, "seal") == 0)
    stop_recording (self, PD_CHECKLIST_DECISION_SEALED_ANYWAY);
}

/* Stopping with required items unmarked asks first: the operator may still show them. */
static void
request_stop (PdCapturePage *self)
{
  PdChecklist *checklist = pd_checklist_panel_get_checklist (self->checklist_panel);
  g_autoptr (GPtrArray) missing = checklist ? pd_checklist_missing_required (checklist) : NULL;
  g_autoptr (GString) body = NULL;
  GtkRoot   *root;
  GtkWidget *dialog, *list;

  if (missing == NULL || missing->len == 0)
    {
      stop_recording (self, PD_CHECKLIST_DECISION_COMPLETE);
      return;
    }
  if (self->stop_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->stop_dialog));
      return;
    }
  body = g_string_new (NULL);
  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (body, "%s• %s", i ? "\n" : "", pd_checklist_item_get_display_title (missing->pdata[i]));
  list = gtk_label_new (body->str);
  gtk_label_set_xalign (GTK_LABEL (list), 0);
  gtk_label_set_wrap (GTK_LABEL (list), TRUE);
  gtk_widget_set_halign (list, GTK_ALIGN_CENTER);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Required Items Not Marked"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s",
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "This required item has not been marked. Keep recording to show it, or seal the package as it is: the missing item is written into the manifest.",
                                               "These required items have not been marked. Keep recording to show them, or seal the package as it is: the missing items are written into the manifest.",
                                               missing->len));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Recording"),
                                    "seal", _("_Seal Anyway"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "seal",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_stop_dialog_response), self, 0);
  self->stop_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->stop_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_capture_failed (PdCapture *capture, const GError *error, PdCapturePage *self)
{
  /* The capture already sealed what it had; collect the package. */
  if (self->stop_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->stop_dialog));
  toast (self, error->message);
  stop_recording (self, PD_CHECKLIST_DECISION_SEALED_ANYWAY);
}

/* One mark toast at a time: marks come quickly, and the newest is the one to undo. */
/* Gone from the screen (timed out, closed, or its button used): the next mark gets a new one. */
static void
on_mark_toast_dismissed (AdwToast *t, PdCapturePage *self)
{
  if (self->mark_toast == t)
    {
      g_object_remove_weak_pointer (G_OBJECT (t), (gpointer *) &self->mark_toast);
      self->mark_toast = NULL;
    }
}

static void
replace_mark_toast (PdCapturePage *self, AdwToast *t)
{
  if (self->mark_toast != NULL)
    {
      /* The toast on screen is changed in place, as libadwaita documents for undo toasts:
       * dismissing one still in its show animation (marks in quick succession) crashes
       * libadwaita 1.2 in adw_animation_skip. */
      AdwToast *shown = self->mark_toast;

      adw_toast_set_title (shown, adw_toast_get_title (t));
      adw_toast_set_button_label (shown, adw_toast_get_button_label (t));
      adw_toast_set_action_name (shown, adw_toast_get_action_name (t));
      adw_toast_set_action_target_value (shown, adw_toast_get_action_target_value (t));
      g_object_unref (t);
      return;
    }
  self->mark_toast = t;
  g_object_add_weak_pointer (G_OBJECT (t), (gpointer *) &self->mark_toast);
  g_signal_connect_object (t, "dismissed", G_CALLBACK (on_mark_toast_dismissed), self, 0);
  adw_toast_set_timeout (t, 3);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
on_marked (PdCapturePage *self, PdChecklistItem *item, guint mark_id, PdChecklistPanel *panel)
{
  /* Translators: %s is a checklist item's title. */
  g_autofree char *text = g_strdup_printf (_("Marked “%s”"), pd_checklist_item_get_display_title (item));
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_button_label (t, _("_Undo"));
  adw_toast_set_action_name (t, "capture.undo-mark");
  adw_toast_set_action_target_value (t, g_variant_new_uint32 (mark_id));
  replace_mark_toast (self, t);
}

static void
on_unmarked (PdCapturePage *self, PdChecklistItem *item, guint mark_id, PdChecklistPanel *panel)
{
  /* Translators: %s is a checklist item's title. */
  g_autofree char *text = g_strdup_printf (_("Mark on “%s” undone"), pd_checklist_item_get_display_title (item));

  replace_mark_toast (self, adw_toast_new (text));
}

static void
on_mark_failed (PdCapturePage *self, const GError *error, PdChecklistPanel *panel)
{
  toast (self, error->message);
}

/* OCR suggestions on the checklist: with a scenario, when Tesseract and its language data are
 * there, unless turned off in Preferences. The worker drops the frames it cannot read in time,
 * so the recording is never slowed; a missing OCR is no reason not to record. */
static void
start_ocr (PdCapturePage *self, PdChecklist *checklist)
{
  g_autoptr (PdOcrWorker) worker = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GError) error = NULL;

  if (self->settings != NULL)
    g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (checklist == NULL || self->capture == NULL
      || (schema != NULL && g_settings_schema_has_key (schema, "ocr-suggestions")
          && !g_settings_get_boolean (self->settings, "ocr-suggestions")))
    return;
  if (!pd_ocr_is_available (&error) || (worker = pd_ocr_worker_new (checklist, &error)) == NULL)
    {
      g_message ("Recording without OCR suggestions: %s", error->message);
      return;
    }
  pd_capture_set_ocr (self->capture, worker);
  pd_checklist_panel_set_ocr_worker (self->checklist_panel, worker);
}

/* The phone's environment report ticks the environment items it checked and flags the
 * ones that failed (before recording; the report after recording only goes to the manifest). */
static void
on_capture_environment (PdCapture *capture, const char *when, JsonObject *report,
                        PdCapturePage *self)
{
  PdChecklist *checklist = selected_scenario (self);

  if (checklist != NULL && g_strcmp0 (when, "before") == 0)
    pd_checklist_apply_environment (checklist, report);
}

static void start_recording (PdCapturePage *self);

static void
on_portal_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapturePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPortalScreencast) portal = pd_portal_screencast_new_finish (result, &error);

  self->asking_portal = FALSE;
  /* The page may have closed while the desktop was asking. */
  if (self->main_stack == NULL)
    return;
  if (portal == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  g_set_object (&self->portal, portal);
  start_recording (self);
}

static void
start_recording (PdCapturePage *self)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *root = pd_config_get_evidence_root ();
  g_autofree char *url = pd_config_get_tsa_url ();
  g_autofree char *case_name = selected_case (self);
  g_autofree char *operator_name = NULL;
  PdChecklist *checklist = selected_scenario (self);
  guint        interval = 10;

  if (self->source == NULL)
    {
      toast (self, _("Choose what to record first"));
      return;
    }
  if (pd_capture_source_get_needs_portal (self->source) && self->portal == NULL)
    {
      /* The desktop asks which screen to share; recording starts once it has answered. */
      if (!self->asking_portal)
        {
          self->asking_portal = TRUE;
          pd_portal_screencast_new_async (0, NULL, on_portal_ready, g_object_ref (self));
        }
      return;
    }
  if (self->portal != NULL && pd_capture_source_get_needs_portal (self->source))
    spec = pd_source_spec_copy (pd_portal_screencast_get_source (self->portal));
  else
    spec = pd_capture_source_build_spec (self->source,
                                         self->region_entry ? gtk_editable_get_text (self->region_entry) : NULL,
                                         &error);
  if (spec == NULL)
    {
      if (self->region_entry != NULL && pd_capture_source_get_needs_region (self->source))
        gtk_widget_add_css_class (GTK_WIDGET (self->region_entry), "error");
      toast (self, error->message);
      return;
    }
  tsa = pd_tsa_client_new (url, &error);
  if (tsa == NULL)
    {
      toast (self, error->message);
      return;
    }
  if (self->settings != NULL)
    {
      operator_name = g_settings_get_string (self->settings, "operator");
      interval = g_settings_get_uint (self->settings, "checkpoint-interval");
    }

  capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (capture, root);
  pd_capture_set_case (capture, case_name);
  pd_capture_set_scenario (capture, checklist ? pd_checklist_get_id (checklist) : NULL);
  if (operator_name != NULL && operator_name[0] != '\0')
    pd_capture_set_operator (capture, operator_name);
  pd_capture_set_checkpoint_interval (capture, (guint64) interval * GST_SECOND);
  if (self->settings != NULL)
    {
      g_autofree char *quality = g_settings_get_string (self->settings, "video-quality");

      pd_capture_set_quality (capture, g_strcmp0 (quality, "high") == 0 ? PD_QUALITY_HIGH
                                                                        : PD_QUALITY_STANDARD);
    }
  pd_capture_set_tsa (capture, tsa);
  if (self->catalog != NULL)
    {
      g_autofree char *parties = NULL;
      g_autofree char *dispute_type = NULL;

      pd_capture_set_catalog (capture, self->catalog);
      /* The case's parties and kind of dispute go into the manifest and onto the certificate. */
      if (case_name != NULL && case_name[0] != '\0' &&
          pd_catalog_get_case_details (self->catalog, case_name, &parties, &dispute_type, NULL))
        {
          pd_capture_set_parties (capture, parties);
          pd_capture_set_dispute_type (capture, dispute_type);
        }
    }
  g_signal_connect_object (capture, "checkpoint", G_CALLBACK (on_checkpoint), self, 0);
  g_signal_connect_object (capture, "checkpoint-stamped", G_CALLBACK (on_checkpoint_stamped), self, 0);
  g_signal_connect_object (capture, "failed", G_CALLBACK (on_capture_failed), self, 0);
  g_signal_connect_object (capture, "environment", G_CALLBACK (on_capture_environment), self, 0);
  /* Reset before starting: the environment report taken at start ticks items. */
  if (checklist != NULL)
    pd_checklist_reset (checklist);
  if (!pd_capture_start (capture, &error))
    {
      AdwToast *t = adw_toast_new (error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, t);
      return;
    }

  self->capture = g_steal_pointer (&capture);
  g_clear_object (&self->package);
  g_clear_pointer (&self->last_checkpoint_text, g_free);
  self->last_checkpoint = 0;
  self->stamps_failed = 0;
  self->stamp_failing = FALSE;
  self->first_stamp_told = FALSE;
  pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
  pd_checklist_panel_set_capture (self->checklist_panel, self->capture);
  start_ocr (self, checklist);
  gtk_picture_set_paintable (self->preview, NULL);
  self->preview_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->preview), on_preview_tick, self, NULL);
  self->status_timeout = g_timeout_add (250, on_status_timeout, self);
  self->state = PAGE_RECORDING;
  update_state (self);
  update_practice (self);
  /* Focus inside the page, so the number keys reach the checklist. */
  gtk_widget_grab_focus (GTK_WIDGET (self->record_button));
}

static void
record_toggle (PdCapturePage *self)
{
  switch (self->state)
    {
    case PAGE_IDLE:
    case PAGE_RESULT:
      /* Never start a recording the user cannot see (Ctrl+R from another view). */
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        start_recording (self);
      break;
    case PAGE_RECORDING:
      request_stop (self);
      break;
    case PAGE_SEALING:
      break;
    }
}

/* ---- State ---- */

static void
update_state (PdCapturePage *self)
{
  GtkWidget *button = GTK_WIDGET (self->record_button);
  gboolean   recording = self->state == PAGE_RECORDING;
  gboolean   sealing = self->state == PAGE_SEALING;

  switch (self->state)
    {
    case PAGE_IDLE:
      gtk_stack_set_visible_child_name (self->main_stack, "setup");
      break;
    case PAGE_RECORDING:
    case PAGE_SEALING:
      gtk_stack_set_visible_child_name (self->main_stack, "preview");
      break;
    case PAGE_RESULT:
      gtk_stack_set_visible_child_name (self->main_stack, "result");
      stop_preview (self);
      break;
    }
  if (!recording && !sealing)
    stop_preview (self);

  gtk_label_set_label (self->record_label, sealing ? _("Sealing…") : recording ? _("Stop") : _("Record"));
  gtk_stack_set_visible_child_name (self->record_icon_stack, sealing ? "spinner" : "icon");
  gtk_spinner_set_spinning (self->record_spinner, sealing);
  gtk_image_set_from_icon_name (GTK_IMAGE (gtk_stack_get_child_by_name (self->record_icon_stack, "icon")),
                                recording ? "media-playback-stop-symbolic" : "media-record-symbolic");
  if (recording || sealing)
    {
      gtk_widget_remove_css_class (button, "suggested-action");
      gtk_widget_add_css_class (button, "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (button, "destructive-action");
      gtk_widget_add_css_class (button, "suggested-action");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.record-toggle", !sealing);
  g_simple_action_set_enabled (self->record_action, !sealing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.open-folder", self->package != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.copy-digest", self->digest != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.new-recording", self->state == PAGE_RESULT);
  update_status (self);
}

/* ---- Actions ---- */

static void
action_record_toggle (GtkWidget *widget, const char *action_name, GVariant *param)
{
  record_toggle (PD_CAPTURE_PAGE (widget));
}

static void
action_open_folder (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  g_autoptr (GFile) folder = NULL;
  g_autofree char *uri = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkAppLaunchContext) context = NULL;

  if (self->package == NULL)
    return;
  folder = g_file_new_for_path (pd_package_get_path (self->package));
  uri = g_file_get_uri (folder);
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  if (!g_app_info_launch_default_for_uri (uri, G_APP_LAUNCH_CONTEXT (context), &error))
    toast (self, error->message);
}

static void
action_copy_digest (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->digest == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->digest);
  toast (self, _("SHA-256 copied"));
}

static void
action_new_recording (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  PdChecklist   *checklist = selected_scenario (self);

  if (self->state != PAGE_RESULT)
    return;
  if (checklist != NULL)
    pd_checklist_reset (checklist);
  pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
  gtk_picture_set_paintable (self->preview, NULL);
  self->state = PAGE_IDLE;
  update_state (self);
}

static void
action_undo_mark (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  g_autoptr (GError) error = NULL;

  if (!pd_checklist_panel_undo (self->checklist_panel, g_variant_get_uint32 (param), &error))
    toast (self, error->message);
}

static gboolean
on_record_shortcut (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->state == PAGE_SEALING || (self->state != PAGE_RECORDING && !gtk_widget_get_mapped (widget)))
    return FALSE;
  record_toggle (self);
  return TRUE;
}

/* ---- Object ---- */

static void
on_orphan_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPackage) package = pd_capture_stop_finish (PD_CAPTURE (source), result, &error);

  if (package == NULL)
    g_message ("Recording stopped when its page closed: %s", error->message);
  g_object_unref (source);
}

static void
pd_capture_page_dispose (GObject *object)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (object);

  /* Never lose a recording: a page closed while recording still seals it. */
  if (self->capture != NULL && self->state == PAGE_RECORDING)
    {
      JsonObject *summary = NULL;
      PdChecklist *checklist = pd_checklist_panel_get_checklist (self->checklist_panel);

      if (checklist != NULL)
        {
          summary = pd_checklist_build_summary (checklist, "closed-while-recording");
          pd_capture_set_checklist_summary (self->capture, summary);
          json_object_unref (summary);
        }
      g_signal_handlers_disconnect_by_data (self->capture, self);
      pd_capture_stop_async (self->capture, NULL, on_orphan_stopped, g_object_ref (self->capture));
    }
  if (self->stop_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->stop_dialog));
  if (self->mark_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->mark_toast), (gpointer *) &self->mark_toast);
  self->mark_toast = NULL;
  stop_preview (self);
  g_clear_handle_id (&self->disk_timeout, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_CAPTURE_PAGE);
  /* The template's top box is a direct child that is not bound: unparent what is left. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->capture);
  g_clear_object (&self->portal);
  g_clear_object (&self->package);
  g_clear_object (&self->source);
  g_clear_object (&self->sources);
  g_clear_object (&self->record_action);
  g_clear_object (&self->scenarios);
  g_clear_object (&self->settings);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->warning_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (pd_capture_page_parent_class)->dispose (object);
}

static void
pd_capture_page_finalize (GObject *object)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (object);

  g_free (self->digest);
  g_free (self->decision);
  g_free (self->last_checkpoint_text);
  G_OBJECT_CLASS (pd_capture_page_parent_class)->finalize (object);
}

static void
pd_capture_page_map (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->map (widget);
  update_practice (self);
  update_disk (self);
  if (self->disk_timeout == 0)
    self->disk_timeout = g_timeout_add_seconds (5, on_disk_timeout, self);
}

static void
pd_capture_page_unmap (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  /* While recording the disk keeps filling: keep watching it. */
  if (self->state != PAGE_RECORDING)
    g_clear_handle_id (&self->disk_timeout, g_source_remove);
  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->unmap (widget);
}

/* win.record-toggle: the window's menus, shortcuts window and accels can name it. */
static void
on_record_action (GSimpleAction *action, GVariant *param, PdCapturePage *self)
{
  record_toggle (self);
}

static void
pd_capture_page_root (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  GtkRoot       *root;

  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  if (G_IS_ACTION_MAP (root) && g_action_map_lookup_action (G_ACTION_MAP (root), "record-toggle") == NULL)
    {
      self->exported_to = G_ACTION_MAP (root);
      g_action_map_add_action (self->exported_to, G_ACTION (self->record_action));
    }
}

static void
pd_capture_page_unroot (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->exported_to != NULL)
    g_action_map_remove_action (self->exported_to, "record-toggle");
  self->exported_to = NULL;
  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->unroot (widget);
}

static void
pd_capture_page_class_init (PdCapturePageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_capture_page_dispose;
  object_class->finalize = pd_capture_page_finalize;
  widget_class->map = pd_capture_page_map;
  widget_class->unmap = pd_capture_page_unmap;
  widget_class->root = pd_capture_page_root;
  widget_class->unroot = pd_capture_page_unroot;

  g_type_ensure (PD_TYPE_CHECKLIST_PANEL);
  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/proofdesk/Proofdesk/pd-capture-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pd-capture-page");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PdCapturePage, name)
  BIND (toast_overlay);
  BIND (practice_revealer);
  BIND (disk_revealer);
  BIND (disk_warning_label);
  BIND (main_stack);
  BIND (source_list);
  BIND (case_row);
  BIND (case_model);
  BIND (new_case_popover);
  BIND (case_name_row);
  BIND (case_parties_row);
  BIND (case_type_row);
  BIND (create_case_button);
  BIND (scenario_row);
  BIND (preview);
  BIND (rec_label);
  BIND (elapsed_label);
  BIND (size_label);
  BIND (checkpoint_label);
  BIND (disk_label);
  BIND (record_button);
  BIND (record_label);
  BIND (record_icon_stack);
  BIND (record_spinner);
  BIND (result_icon);
  BIND (result_title);
  BIND (result_description);
  BIND (result_folder_row);
  BIND (result_sha_row);
  BIND (result_stamp_row);
  BIND (result_checklist_row);
  BIND (result_check_row);
  BIND (warnings_group);
  BIND (checklist_panel);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_case_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_case);

  gtk_widget_class_install_action (widget_class, "capture.record-toggle", NULL, action_record_toggle);
  gtk_widget_class_install_action (widget_class, "capture.open-folder", NULL, action_open_folder);
  gtk_widget_class_install_action (widget_class, "capture.copy-digest", NULL, action_copy_digest);
  gtk_widget_class_install_action (widget_class, "capture.new-recording", NULL, action_new_recording);
  gtk_widget_class_install_action (widget_class, "capture.undo-mark", "u", action_undo_mark);
}

static void
pd_capture_page_init (PdCapturePage *self)
{
  GSettingsSchemaSource *schemas = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = schemas ? g_settings_schema_source_lookup (schemas, APP_ID, TRUE) : NULL;
  g_autoptr (GError) error = NULL;
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css_once ();

  self->disk_threshold = PD_CAPTURE_PAGE_LOW_DISK_BYTES;
  self->stamp_icon = GTK_IMAGE (gtk_image_new ());
  adw_action_row_add_prefix (self->result_stamp_row, GTK_WIDGET (self->stamp_icon));
  self->warning_rows = g_ptr_array_new ();
  self->record_action = g_simple_action_new ("record-toggle", NULL);
  g_signal_connect_object (self->record_action, "activate", G_CALLBACK (on_record_action), self, 0);
  if (schema != NULL)
    {
      self->settings = g_settings_new (APP_ID);
      g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                               G_CONNECT_SWAPPED);
    }

  self->sources = pd_capture_source_list_new ();
  gtk_list_box_bind_model (self->source_list, G_LIST_MODEL (self->sources), create_source_row, self, NULL);
  g_signal_connect_object (self->sources, "items-changed", G_CALLBACK (on_sources_changed), self,
                           G_CONNECT_SWAPPED);

  self->catalog = pd_catalog_open (NULL, &error);
  if (self->catalog == NULL)
    g_message ("The catalog cannot be opened, cases are kept in memory: %s", error->message);
  load_cases (self);
  update_case_subtitle (self);
  g_signal_connect_object (self->case_model, "items-changed", G_CALLBACK (update_case_subtitle), self,
                           G_CONNECT_SWAPPED);

  self->scenarios = g_list_store_new (PD_TYPE_CHECKLIST);
  adw_combo_row_set_expression (self->scenario_row,
                                gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                             G_CALLBACK (scenario_title), NULL, NULL));
  adw_combo_row_set_model (self->scenario_row, G_LIST_MODEL (self->scenarios));
  g_signal_connect_object (self->scenario_row, "notify::selected-item", G_CALLBACK (on_scenario_selected),
                           self, G_CONNECT_SWAPPED);
  load_scenarios (self);
  on_scenario_selected (self);

  g_signal_connect_object (self->checklist_panel, "marked", G_CALLBACK (on_marked), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->checklist_panel, "unmarked", G_CALLBACK (on_unmarked), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->checklist_panel, "mark-failed", G_CALLBACK (on_mark_failed), self,
                           G_CONNECT_SWAPPED);

  /* Ctrl+R anywhere in the window; the handler refuses to start while the page is hidden. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_r, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (on_record_shortcut, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  self->state = PAGE_IDLE;
  update_state (self);
  update_practice (self);
}

GtkWidget *
pd_capture_page_new (void)
{
  return g_object_new (PD_TYPE_CAPTURE_PAGE, NULL);
}

gboolean
pd_capture_page_is_recording (PdCapturePage *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);
  return self->state == PAGE_RECORDING;
}

PdPackage *
pd_capture_page_get_package (PdCapturePage *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), NULL);
  return self->package;
}

void
pd_capture_page_set_low_disk_threshold (PdCapturePage *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  self->disk_threshold = bytes;
  update_disk (self);
}

/* pd-checklist-panel.c — the live checklist: sections of items, marked while recording by a click,
 * a number key or with a note, each mark undoable; OCR suggestions shown on their items' rows. */
#define G_LOG_DOMAIN "pd-checklist-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>

#include "pd-checklist-panel.h"
#include "pd-resources.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* What the panel keeps for one item's row; widgets are borrowed from the row. */
typedef struct
{
  PdChecklistPanel *panel;
  PdChecklistItem  *item;
  AdwActionRow     *row;
  GtkImage         *icon;
  GtkWidget        *note_button;
  GtkWidget        *undo_button;
  GtkWidget        *key_label;
  GtkWidget        *count_label;
  /* The OCR suggestion waiting for the operator, and its card (a row under this one, built
   * when the first suggestion arrives, owned by the list). */
  PdOcrSuggestion  *suggestion;
  GtkWidget        *card;
  GtkLabel         *badge;
  GtkPicture       *thumb;
} Row;

struct _PdChecklistPanel
{
  GtkWidget           parent_instance;

  /* Template widgets */
  GtkLabel           *title_label;
  GtkLabel           *progress_label;
  GtkProgressBar     *progress_bar;
  GtkLabel           *hint_label;
  GtkStack           *stack;
  GtkBox             *sections_box;

  /* Owned references */
  PdChecklist        *checklist;
  PdCapture          *capture;
  GPtrArray          *rows;         /* Row*, in item order */
  GHashTable         *mark_times;   /* mark id → stream time (ns) */
  gulong              changed_id;
  PdOcrWorker        *worker;
  gulong              suggestion_id;
  GPtrArray          *pending;      /* Row* with a suggestion, oldest first (borrowed) */
};

G_DEFINE_FINAL_TYPE (PdChecklistPanel, pd_checklist_panel, GTK_TYPE_WIDGET)

enum {
  SIGNAL_MARKED,
  SIGNAL_UNMARKED,
  SIGNAL_MARK_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void withdraw_suggestion (PdChecklistPanel *self, Row *row);

static gboolean
is_recording (PdChecklistPanel *self)
{
  return self->capture != NULL && pd_capture_is_recording (self->capture);
}

static Row *
find_row (PdChecklistPanel *self, PdChecklistItem *item)
{
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->item == item)
        return row;
    }
  return NULL;
}

static void
update_row (PdChecklistPanel *self, Row *row)
{
  guint       n = pd_checklist_item_get_n_marks (row->item);
  gboolean    recording = is_recording (self);
  const char *note = pd_checklist_item_get_last_note (row->item);
  g_autofree char *subtitle = NULL;

  gtk_image_set_from_icon_name (row->icon, n > 0 ? "checkbox-checked-symbolic" : "checkbox-symbolic");
  if (n > 0)
    {
      gpointer         value = g_hash_table_lookup (self->mark_times,
                                                    GUINT_TO_POINTER (pd_checklist_item_get_last_mark (row->item)));
      guint64          ns = value != NULL ? *(guint64 *) value : 0;
      g_autofree char *time = pd_format_stream_time (ns);

      gtk_widget_add_css_class (GTK_WIDGET (row->icon), "success");
      gtk_widget_add_css_class (GTK_WIDGET (row->row), "pd-marked");
      if (note != NULL)
        /* Translators: %s is a time in the recording (00:01:23), then the note the user typed. */
        subtitle = g_strdup_printf (_("Marked at %s · %s"), time, note);
      else
        /* Translators: %s is a time in the recording, such as 00:01:23. */
        subtitle = g_strdup_printf (_("Marked at %s"), time);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row->icon), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (row->row), "pd-marked");
      subtitle = g_strdup (pd_checklist_item_get_display_description (row->item));
    }

  /* The phone's environment report: a passed check ticks the item without a mark, a failed one
   * flags it until the operator shows the setting on screen and marks it. */
  gtk_widget_remove_css_class (GTK_WIDGET (row->icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (row->row), "pd-env-failed");
  if (n == 0)
    {
      const char *why = NULL;
      PdChecklistAutoCheck check = pd_checklist_item_get_auto_check (row->item, &why);

      g_clear_pointer (&subtitle, g_free);
      switch (check)
        {
        case PD_CHECKLIST_AUTO_PASSED:
          gtk_image_set_from_icon_name (row->icon, "checkbox-checked-symbolic");
          gtk_widget_add_css_class (GTK_WIDGET (row->icon), "success");
          gtk_widget_add_css_class (GTK_WIDGET (row->row), "pd-marked");
          /* Translators: the phone's environment report checked this item; then its message. */
          subtitle = g_strdup_printf (_("Checked on the phone · %s"), why ? why : "");
          break;
        case PD_CHECKLIST_AUTO_FAILED:
          gtk_image_set_from_icon_name (row->icon, "dialog-warning-symbolic");
          gtk_widget_add_css_class (GTK_WIDGET (row->icon), "warning");
          gtk_widget_add_css_class (GTK_WIDGET (row->row), "pd-env-failed");
          /* Translators: the phone's environment report found a problem; then what it found. */
          subtitle = g_strdup_printf (_("Problem found on the phone · %s"), why ? why : "");
          break;
        case PD_CHECKLIST_AUTO_UNKNOWN:
          /* Translators: the phone's environment report could not check this; show it on screen. */
          subtitle = g_strdup_printf (_("Could not be checked on the phone (%s) · show it on screen"),
                                      why ? why : "");
          break;
        case PD_CHECKLIST_AUTO_NONE:
        default:
          subtitle = g_strdup (pd_checklist_item_get_display_description (row->item));
          break;
        }
    }
  adw_action_row_set_subtitle (row->row, subtitle);

  if (n > 1)
    {
      g_autofree char *count = g_strdup_printf ("×%u", n);

      gtk_label_set_label (GTK_LABEL (row->count_label), count);
    }
  gtk_widget_set_visible (row->count_label, n > 1);
  gtk_widget_set_visible (row->undo_button, n > 0 && recording);
  gtk_widget_set_visible (row->note_button, recording);
  gtk_widget_set_sensitive (row->key_label, recording);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row->row), recording);
}

static void
update_progress (PdChecklistPanel *self)
{
  guint            marked = 0, required = 0;
  g_autofree char *text = NULL;

  if (self->checklist == NULL)
    {
      gtk_label_set_label (self->progress_label, "");
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      return;
    }
  pd_checklist_get_progress (self->checklist, &marked, &required);
  /* Translators: "7 of 9 required" — items of the checklist that must be marked. */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u required", "%u of %u required",
                                       required),
                          marked, required);
  gtk_label_set_label (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, required > 0 ? (double) marked / required : 1.0);
  if (required > 0 && marked == required)
    gtk_widget_add_css_class (GTK_WIDGET (self->progress_bar), "pd-complete");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->progress_bar), "pd-complete");
}

static void
update_all (PdChecklistPanel *self)
{
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    update_row (self, g_ptr_array_index (self->rows, i));
  update_progress (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "checklist.mark-number", is_recording (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "checklist.undo-last", is_recording (self));
}

static void
on_checklist_changed (PdChecklistPanel *self, PdChecklistItem *item, PdChecklist *checklist)
{
  Row *row = item != NULL ? find_row (self, item) : NULL;

  if (row != NULL)
    update_row (self, row);
  else
    update_all (self);
  update_progress (self);
  /* Marked some other way (a key, a click): the suggestion has nothing left to ask. */
  for (guint i = self->pending->len; i > 0; i--)
    {
      Row *r = g_ptr_array_index (self->pending, i - 1);

      if (pd_checklist_item_is_marked (r->item))
        withdraw_suggestion (self, r);
    }
}

/* ---- Marking ---- */

guint
pd_checklist_panel_mark (PdChecklistPanel *self, const char *item_id, const char *note,
                         GError **error)
{
  PdChecklistItem *item;
  g_autofree char *clean_note = NULL;
  guint64         *time;
  guint            mark_id;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), 0);
  g_return_val_if_fail (item_id != NULL, 0);

  if (!is_recording (self) || self->checklist == NULL)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Items can only be marked while recording."));
      return 0;
    }
  item = pd_checklist_lookup_item (self->checklist, item_id);
  if (item == NULL)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("The checklist has no item “%s”."), item_id);
      return 0;
    }
  if (note != NULL)
    {
      clean_note = g_strstrip (g_strdup (note));
      if (g_utf8_strlen (clean_note, -1) > PD_CHECKLIST_MAX_NOTE_LEN)
        {
          char *cut = g_utf8_substring (clean_note, 0, PD_CHECKLIST_MAX_NOTE_LEN);

          g_free (clean_note);
          clean_note = cut;
        }
    }
  /* The manifest keeps the title the operator saw, in their language; the id is the stable key. */
  mark_id = pd_capture_add_mark (self->capture, item_id, pd_checklist_item_get_display_title (item),
                                 clean_note, error);
  if (mark_id == 0)
    return 0;
  time = g_new (guint64, 1);
  *time = pd_capture_get_running_time (self->capture);
  g_hash_table_insert (self->mark_times, GUINT_TO_POINTER (mark_id), time);
  if (!pd_checklist_mark (self->checklist, item_id, mark_id, clean_note, error))
    return 0;
  g_signal_emit (self, signals[SIGNAL_MARKED], 0, item, mark_id);
  return mark_id;
}

gboolean
pd_checklist_panel_undo (PdChecklistPanel *self, guint mark_id, GError **error)
{
  PdChecklistItem *item;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), FALSE);

  if (!is_recording (self) || self->checklist == NULL)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Marks can only be undone while recording."));
      return FALSE;
    }
  if (mark_id == 0)
    mark_id = pd_checklist_get_last_mark (self->checklist);
  if (mark_id == 0)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("There is no mark to undo."));
      return FALSE;
    }
  /* The recording's record first: if it refuses, the checklist must not show the mark undone. */
  if (!pd_capture_undo_mark (self->capture, mark_id, error))
    return FALSE;
  item = pd_checklist_unmark (self->checklist, mark_id, error);
  if (item == NULL)
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_UNMARKED], 0, item, mark_id);
  return TRUE;
}

static void
mark_or_report (PdChecklistPanel *self, PdChecklistItem *item, const char *note)
{
  g_autoptr (GError) error = NULL;

  if (pd_checklist_panel_mark (self, pd_checklist_item_get_id (item), note, &error) == 0)
    g_signal_emit (self, signals[SIGNAL_MARK_FAILED], 0, error);
}

static void
on_row_activated (AdwActionRow *action_row, Row *row)
{
  mark_or_report (row->panel, row->item, NULL);
}

static void
on_undo_clicked (GtkButton *button, Row *row)
{
  g_autoptr (GError) error = NULL;

  if (!pd_checklist_panel_undo (row->panel, pd_checklist_item_get_last_mark (row->item), &error))
    g_signal_emit (row->panel, signals[SIGNAL_MARK_FAILED], 0, error);
}

static void
on_note_activate (GtkWidget *widget, Row *row)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (widget), "pd-note-entry");
  GtkWidget   *popover = gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER);

  if (entry == NULL)
    entry = GTK_EDITABLE (widget);
  mark_or_report (row->panel, row->item, gtk_editable_get_text (entry));
  gtk_editable_set_text (entry, "");
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

/* The note popover, built when first opened: most items are never marked with a note. */
static void
create_note_popover (GtkMenuButton *button, gpointer user_data)
{
  Row       *row = user_data;
  GtkWidget *popover, *box, *label, *entry, *mark;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  label = gtk_label_new (_("Mark with a Note"));
  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  entry = gtk_entry_new ();
  /* Translators: an example of a note on a mark: an amount or a date seen on screen. */
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("For example ¥50,000 or 2024-03-01"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), PD_CHECKLIST_MAX_NOTE_LEN);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 26);
  g_signal_connect (entry, "activate", G_CALLBACK (on_note_activate), row);
  gtk_box_append (GTK_BOX (box), entry);
  mark = gtk_button_new_with_mnemonic (_("_Mark Now"));
  gtk_widget_add_css_class (mark, "suggested-action");
  g_object_set_data (G_OBJECT (mark), "pd-note-entry", entry);
  g_signal_connect (mark, "clicked", G_CALLBACK (on_note_activate), row);
  gtk_box_append (GTK_BOX (box), mark);
  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_popover_set_default_widget (GTK_POPOVER (popover), mark);
  gtk_menu_button_set_popover (button, popover);
}

static GtkWidget *
make_row (PdChecklistPanel *self, PdChecklistItem *item)
{
  Row       *row = g_new0 (Row, 1);
  GtkWidget *widget = adw_action_row_new ();
  guint      number = pd_checklist_item_get_number (item);

  row->panel = self;
  row->item = item;
  row->row = ADW_ACTION_ROW (widget);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), pd_checklist_item_get_display_title (item));
  adw_action_row_set_subtitle_lines (row->row, 2);
  gtk_widget_set_tooltip_text (widget, pd_checklist_item_get_display_description (item));
  g_signal_connect (widget, "activated", G_CALLBACK (on_row_activated), row);

  row->icon = GTK_IMAGE (gtk_image_new_from_icon_name ("checkbox-symbolic"));
  gtk_widget_add_css_class (GTK_WIDGET (row->icon), "pd-check");
  adw_action_row_add_prefix (row->row, GTK_WIDGET (row->icon));

  if (!pd_checklist_item_get_required (item))
    {
      GtkWidget *optional = gtk_label_new (_("Optional"));

      gtk_widget_add_css_class (optional, "pd-tag");
      gtk_widget_set_valign (optional, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (row->row, optional);
    }
  row->count_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (row->count_label, "numeric");
  gtk_widget_add_css_class (row->count_label, "dim-label");
  adw_action_row_add_suffix (row->row, row->count_label);

  row->undo_button = gtk_button_new_from_icon_name ("edit-undo-symbolic");
  gtk_widget_set_tooltip_text (row->undo_button, _("Undo Mark"));
  gtk_widget_set_valign (row->undo_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (row->undo_button, "flat");
  g_signal_connect (row->undo_button, "clicked", G_CALLBACK (on_undo_clicked), row);
  adw_action_row_add_suffix (row->row, row->undo_button);

  row->note_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (row->note_button), "document-edit-symbolic");
  gtk_widget_set_tooltip_text (row->note_button, _("Mark with a Note…"));
  gtk_widget_set_valign (row->note_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (row->note_button, "flat");
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (row->note_button), create_note_popover,
                                         row, NULL);
  adw_action_row_add_suffix (row->row, row->note_button);

  if (number >= 1 && number <= 9)
    {
      char accel[2] = { (char) ('0' + number), '\0' };

      row->key_label = gtk_shortcut_label_new (accel);
      gtk_widget_set_valign (row->key_label, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (row->key_label, _("Press this key to mark the item"));
    }
  else
    row->key_label = gtk_label_new (NULL);
  adw_action_row_add_suffix (row->row, row->key_label);

  g_ptr_array_add (self->rows, row);
  return widget;
}

static void
rebuild (PdChecklistPanel *self)
{
  GtkWidget  *child;
  GListModel *sections;

  while (self->pending->len > 0)
    withdraw_suggestion (self, g_ptr_array_index (self->pending, self->pending->len - 1));
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sections_box))) != NULL)
    gtk_box_remove (self->sections_box, child);
  g_ptr_array_set_size (self->rows, 0);

  if (self->checklist == NULL)
    {
      gtk_label_set_label (self->title_label, _("Checklist"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_all (self);
      return;
    }
  gtk_label_set_label (self->title_label, pd_checklist_get_display_title (self->checklist));
  sections = pd_checklist_get_sections (self->checklist);
  for (guint i = 0; i < g_list_model_get_n_items (sections); i++)
    {
      g_autoptr (PdChecklistSection) section = g_list_model_get_item (sections, i);
      GListModel *items = pd_checklist_section_get_items (section);
      GtkWidget  *group = adw_preferences_group_new ();

      g_autofree char *title = g_markup_escape_text (pd_checklist_section_get_display_title (section), -1);

      /* A group's title is Pango markup; a template's section title is plain text. */
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
      if (pd_checklist_section_get_optional (section))
        adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                               _("Optional — mark what the case needs"));
      for (guint j = 0; j < g_list_model_get_n_items (items); j++)
        {
          g_autoptr (PdChecklistItem) item = g_list_model_get_item (items, j);

          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), make_row (self, item));
        }
      gtk_box_append (self->sections_box, group);
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
  update_all (self);
}

/* ---- OCR suggestions ---- */

static void
row_free (gpointer data)
{
  Row *row = data;

  g_clear_pointer (&row->suggestion, pd_ocr_suggestion_free);
  g_free (row);
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
  gtk_css_provider_load_from_data (provider,
                                   "row.pd-ocr-card { background-color: alpha(@accent_bg_color, 0.08); }\n"
                                   ".pd-ocr-badge { padding: 2px 10px; border-radius: 999px;"
                                   " background-color: alpha(@accent_bg_color, 0.18); font-weight: bold; }\n"
                                   ".pd-ocr-thumb { border-radius: 4px; }\n"
                                   "row.pd-env-failed { background-color: alpha(@warning_bg_color, 0.12); }\n",
                                   -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

#define THUMB_MAX_WIDTH  72
#define THUMB_MAX_HEIGHT 96

/* A small picture of the frame the text was read from, with the text's box drawn on it; NULL
 * when there is no frame or it is not BGRA/BGRx. */
static GdkTexture *
make_thumbnail (const PdOcrSuggestion *s)
{
  GstBuffer       *buffer = s->frame != NULL ? gst_sample_get_buffer (s->frame) : NULL;
  GstCaps         *caps = s->frame != NULL ? gst_sample_get_caps (s->frame) : NULL;
  GstVideoInfo     info;
  GstVideoFrame    frame;
  cairo_surface_t *source, *thumb;
  cairo_t         *cr;
  cairo_format_t   format;
  double           scale;
  int              width, height, tw, th;
  g_autoptr (GBytes) bytes = NULL;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;
  if (GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_BGRA)
    format = CAIRO_FORMAT_ARGB32;
  else if (GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_BGRx)
    format = CAIRO_FORMAT_RGB24;
  else
    return NULL;
  width = GST_VIDEO_INFO_WIDTH (&info);
  height = GST_VIDEO_INFO_HEIGHT (&info);
  if (width <= 0 || height <= 0 || !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return NULL;
  scale = MIN ((double) THUMB_MAX_WIDTH / width, (double) THUMB_MAX_HEIGHT / height);
  tw = MAX (1, (int) (width * scale + 0.5));
  th = MAX (1, (int) (height * scale + 0.5));

  /* Video is opaque, so its straight alpha is already premultiplied. */
  source = cairo_image_surface_create_for_data (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), format, width,
                                                height, GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
  thumb = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, tw, th);
  cr = cairo_create (thumb);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, source, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_identity_matrix (cr);
  if (s->width > 0 && s->height > 0)
    {
      /* At least a few pixels, so a short word still shows where it is. */
      double x = s->x * scale, y = s->y * scale, w = MAX (s->width * scale, 4), h = MAX (s->height * scale, 3);

      cairo_set_source_rgb (cr, 0.9, 0.1, 0.1);
      cairo_set_line_width (cr, 1.5);
      cairo_rectangle (cr, x - 1, y - 1, w + 2, h + 2);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (source);
  gst_video_frame_unmap (&frame);
  cairo_surface_flush (thumb);
  bytes = g_bytes_new (cairo_image_surface_get_data (thumb),
                       (gsize) cairo_image_surface_get_stride (thumb) * th);
  cairo_surface_destroy (thumb);
  return gdk_memory_texture_new (tw, th, GDK_MEMORY_DEFAULT, bytes,
                                 cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, tw));
}

static void
withdraw_suggestion (PdChecklistPanel *self, Row *row)
{
  g_ptr_array_remove (self->pending, row);
  g_clear_pointer (&row->suggestion, pd_ocr_suggestion_free);
  if (row->card != NULL)
    gtk_widget_set_visible (row->card, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (row->row), "pd-has-suggestion");
}

static Row *
find_row_by_id (PdChecklistPanel *self, const char *item_id)
{
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (g_strcmp0 (pd_checklist_item_get_id (row->item), item_id) == 0)
        return row;
    }
  return NULL;
}

/* The row whose suggestion to answer: `item_id`'s, or the newest. */
static Row *
pending_row (PdChecklistPanel *self, const char *item_id, GError **error)
{
  Row *row = NULL;

  if (item_id == NULL && self->pending->len > 0)
    row = g_ptr_array_index (self->pending, self->pending->len - 1);
  else if (item_id != NULL)
    row = find_row_by_id (self, item_id);
  if (row == NULL || row->suggestion == NULL)
    {
      g_set_error_literal (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                           _("There is no suggestion to answer."));
      return NULL;
    }
  return row;
}

guint
pd_checklist_panel_confirm_suggestion (PdChecklistPanel *self, const char *item_id, GError **error)
{
  g_autoptr (PdOcrSuggestion) suggestion = NULL;
  g_autoptr (GError) local_error = NULL;
  Row   *row;
  guint  mark_id;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), 0);

  if ((row = pending_row (self, item_id, error)) == NULL)
    return 0;
  /* Taken off the row first: the mark below changes the checklist, which withdraws it. */
  suggestion = g_steal_pointer (&row->suggestion);
  withdraw_suggestion (self, row);
  mark_id = pd_checklist_panel_mark (self, suggestion->item_id, suggestion->text, error);
  if (mark_id == 0)
    return 0;
  if (!pd_capture_record_suggestion (self->capture, suggestion, "confirmed", mark_id, &local_error))
    g_signal_emit (self, signals[SIGNAL_MARK_FAILED], 0, local_error);
  return mark_id;
}

gboolean
pd_checklist_panel_dismiss_suggestion (PdChecklistPanel *self, const char *item_id, GError **error)
{
  g_autoptr (PdOcrSuggestion) suggestion = NULL;
  Row *row;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), FALSE);

  if ((row = pending_row (self, item_id, error)) == NULL)
    return FALSE;
  suggestion = g_steal_pointer (&row->suggestion);
  withdraw_suggestion (self, row);
  if (!is_recording (self))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Suggestions can only be answered while recording."));
      return FALSE;
    }
  return pd_capture_record_suggestion (self->capture, suggestion, "dismissed", 0, error);
}

static void
on_confirm_clicked (GtkButton *button, Row *row)
{
  g_autoptr (GError) error = NULL;

  if (pd_checklist_panel_confirm_suggestion (row->panel, pd_checklist_item_get_id (row->item), &error) == 0)
    g_signal_emit (row->panel, signals[SIGNAL_MARK_FAILED], 0, error);
}

static void
on_dismiss_clicked (GtkButton *button, Row *row)
{
  g_autoptr (GError) error = NULL;

  if (!pd_checklist_panel_dismiss_suggestion (row->panel, pd_checklist_item_get_id (row->item), &error))
    g_signal_emit (row->panel, signals[SIGNAL_MARK_FAILED], 0, error);
}

/* The card under an item's row: thumbnail, the text found and when, Confirm and Dismiss. It is
 * a row of the same list so it reads as part of the item. */
static void
create_card (PdChecklistPanel *self, Row *row)
{
  GtkWidget *list = gtk_widget_get_parent (GTK_WIDGET (row->row));
  GtkWidget *card, *box, *texts, *caption, *confirm, *dismiss, *buttons;

  if (!GTK_IS_LIST_BOX (list))
    return;
  card = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (card), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (card), FALSE);
  gtk_widget_add_css_class (card, "pd-ocr-card");
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  row->thumb = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (row->thumb, FALSE);
  gtk_widget_set_valign (GTK_WIDGET (row->thumb), GTK_ALIGN_CENTER);
  gtk_widget_set_overflow (GTK_WIDGET (row->thumb), GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (GTK_WIDGET (row->thumb), "pd-ocr-thumb");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->thumb), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The frame the text was read from, with the text outlined"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->thumb));

  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  row->badge = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (row->badge, PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (row->badge, 0);
  gtk_widget_set_halign (GTK_WIDGET (row->badge), GTK_ALIGN_START);
  gtk_widget_add_css_class (GTK_WIDGET (row->badge), "pd-ocr-badge");
  gtk_widget_add_css_class (GTK_WIDGET (row->badge), "numeric");
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (row->badge));
  /* Translators: under a suggestion read from the screen by OCR, on a checklist item. */
  caption = gtk_label_new (_("Seen on screen — Enter confirms, Esc dismisses"));
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_box_append (GTK_BOX (texts), caption);
  gtk_box_append (GTK_BOX (box), texts);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  confirm = gtk_button_new_from_icon_name ("object-select-symbolic");
  gtk_widget_add_css_class (confirm, "suggested-action");
  gtk_widget_add_css_class (confirm, "circular");
  gtk_widget_set_tooltip_text (confirm, _("Confirm: mark the item with this text (Enter)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (confirm), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Confirm suggestion"), -1);
  g_signal_connect (confirm, "clicked", G_CALLBACK (on_confirm_clicked), row);
  gtk_box_append (GTK_BOX (buttons), confirm);
  dismiss = gtk_button_new_from_icon_name ("window-close-symbolic");
  gtk_widget_add_css_class (dismiss, "flat");
  gtk_widget_add_css_class (dismiss, "circular");
  gtk_widget_set_tooltip_text (dismiss, _("Dismiss the suggestion (Esc)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (dismiss), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Dismiss suggestion"), -1);
  g_signal_connect (dismiss, "clicked", G_CALLBACK (on_dismiss_clicked), row);
  gtk_box_append (GTK_BOX (buttons), dismiss);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (card), box);
  gtk_list_box_insert (GTK_LIST_BOX (list), card, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row->row)) + 1);
  row->card = card;
}

/* Scrolls the list so a new card is in view (the operator is watching the phone, not the list),
 * once the card has its place; a few frames at most. */
static gboolean
reveal_card_tick (GtkWidget *card, GdkFrameClock *clock, gpointer user_data)
{
  guint             *frames = user_data;
  GtkWidget         *scroller = gtk_widget_get_ancestor (card, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget         *content = scroller != NULL ? gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)) : NULL;
  graphene_rect_t    bounds;
  GtkAdjustment     *adjustment;
  double             value;

  GtkWidget         *panel = gtk_widget_get_ancestor (card, PD_TYPE_CHECKLIST_PANEL);
  GPtrArray         *pending = panel != NULL ? PD_CHECKLIST_PANEL (panel)->pending : NULL;

  /* Only the newest: it is the one Enter and Esc answer. */
  if (content == NULL || ++*frames > 10 || pending == NULL || pending->len == 0
      || ((Row *) g_ptr_array_index (pending, pending->len - 1))->card != card)
    return G_SOURCE_REMOVE;
  /* In the coordinates of what scrolls, not of the visible part. */
  if (GTK_IS_VIEWPORT (content) && gtk_viewport_get_child (GTK_VIEWPORT (content)) != NULL)
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  /* Ticks run before layout: a card added this frame has no place yet. */
  if (*frames < 2 || !gtk_widget_compute_bounds (card, content, &bounds) || bounds.size.height <= 10)
    return G_SOURCE_CONTINUE;
  /* Together with the item's row above it; again next frame until the list has grown to it. */
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  gtk_adjustment_clamp_page (adjustment, MAX (0, bounds.origin.y - 64), bounds.origin.y + bounds.size.height);
  value = gtk_adjustment_get_value (adjustment);
  return bounds.origin.y >= value
         && bounds.origin.y + bounds.size.height <= value + gtk_adjustment_get_page_size (adjustment)
         ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

gboolean
pd_checklist_panel_add_suggestion (PdChecklistPanel *self, const PdOcrSuggestion *suggestion)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *at = NULL;
  g_autofree char *badge = NULL;
  g_autofree char *label = NULL;
  Row *row;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), FALSE);
  g_return_val_if_fail (suggestion != NULL && suggestion->item_id != NULL, FALSE);

  row = find_row_by_id (self, suggestion->item_id);
  if (!is_recording (self) || row == NULL || pd_checklist_item_is_marked (row->item))
    return FALSE;
  if (row->card == NULL)
    create_card (self, row);
  if (row->card == NULL)
    return FALSE;

  g_clear_pointer (&row->suggestion, pd_ocr_suggestion_free);
  row->suggestion = pd_ocr_suggestion_copy (suggestion);
  texture = make_thumbnail (row->suggestion);
  /* The thumbnail is all the row needs of the frame: do not keep a full frame per item. */
  g_clear_pointer (&row->suggestion->frame, gst_sample_unref);
  gtk_picture_set_paintable (row->thumb, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (row->thumb), texture != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->thumb), suggestion->line);

  at = pd_format_stream_time (suggestion->stream_time);
  badge = g_strdup_printf ("%s · %s", suggestion->text ? suggestion->text : "", at);
  gtk_label_set_label (row->badge, badge);
  /* Translators: read aloud for a suggestion: the text OCR found, when, and the item's title. */
  label = g_strdup_printf (_("Suggested from the screen: “%s” at %s for “%s”"),
                           suggestion->text ? suggestion->text : "", at,
                           pd_checklist_item_get_display_title (row->item));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->card), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->badge), suggestion->line);
  gtk_widget_set_visible (row->card, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (row->row), "pd-has-suggestion");

  /* Newest last: Enter and Esc answer it. */
  g_ptr_array_remove (self->pending, row);
  g_ptr_array_add (self->pending, row);
  gtk_widget_add_tick_callback (row->card, reveal_card_tick, g_new0 (guint, 1), g_free);
  return TRUE;
}

static void
on_worker_suggestion (PdChecklistPanel *self, PdOcrSuggestion *suggestion, PdOcrWorker *worker)
{
  pd_checklist_panel_add_suggestion (self, suggestion);
}

void
pd_checklist_panel_set_ocr_worker (PdChecklistPanel *self, PdOcrWorker *worker)
{
  g_return_if_fail (PD_IS_CHECKLIST_PANEL (self));
  g_return_if_fail (worker == NULL || PD_IS_OCR_WORKER (worker));

  if (self->worker == worker)
    return;
  if (self->worker != NULL)
    g_clear_signal_handler (&self->suggestion_id, self->worker);
  g_set_object (&self->worker, worker);
  if (worker != NULL)
    self->suggestion_id = g_signal_connect_object (worker, "suggestion", G_CALLBACK (on_worker_suggestion),
                                                   self, G_CONNECT_SWAPPED);
}

guint
pd_checklist_panel_get_n_suggestions (PdChecklistPanel *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), 0);
  return self->pending->len;
}

const char *
pd_checklist_panel_get_suggestion_label (PdChecklistPanel *self, const char *item_id)
{
  Row *row;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), NULL);
  row = find_row_by_id (self, item_id);
  if (row == NULL || row->suggestion == NULL || row->card == NULL || !gtk_widget_get_visible (row->card))
    return NULL;
  return gtk_label_get_label (row->badge);
}

const char *
pd_checklist_panel_get_item_subtitle (PdChecklistPanel *self, const char *item_id)
{
  Row *row;

  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), NULL);
  row = find_row_by_id (self, item_id);
  return row != NULL ? adw_action_row_get_subtitle (row->row) : NULL;
}

/* Enter and Esc answer the newest suggestion wherever the focus is in the window, except where
 * those keys already mean something to the operator: text fields, popovers, and the buttons of
 * a suggestion card (Enter there presses that button). */
static gboolean
focus_wants_keys (PdChecklistPanel *self)
{
  GtkRoot   *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_EDITABLE (w) || GTK_IS_TEXT_VIEW (w) || GTK_IS_POPOVER (w)
        || gtk_widget_has_css_class (w, "pd-ocr-card"))
      return TRUE;
  return FALSE;
}

static gboolean
on_suggestion_key (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PdChecklistPanel *self = PD_CHECKLIST_PANEL (widget);
  gboolean          confirm = g_variant_get_boolean (args);
  g_autoptr (GError) error = NULL;
  gboolean          ok;

  if (!is_recording (self) || !gtk_widget_get_mapped (widget) || self->pending->len == 0
      || focus_wants_keys (self))
    return FALSE;
  if (confirm)
    ok = pd_checklist_panel_confirm_suggestion (self, NULL, &error) != 0;
  else
    ok = pd_checklist_panel_dismiss_suggestion (self, NULL, &error);
  if (!ok)
    g_signal_emit (self, signals[SIGNAL_MARK_FAILED], 0, error);
  return TRUE;
}

static void
add_suggestion_shortcuts (PdChecklistPanel *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  const struct { guint keyval; gboolean confirm; } keys[] = {
    { GDK_KEY_Return, TRUE }, { GDK_KEY_KP_Enter, TRUE }, { GDK_KEY_ISO_Enter, TRUE },
    { GDK_KEY_Escape, FALSE },
  };

  /* Managed, in the capture phase: before the focused widget (the Record button has the focus
   * while recording, and Enter on it would stop the recording). */
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keys[k].keyval, 0),
                                                gtk_callback_action_new (on_suggestion_key, NULL, NULL));

      gtk_shortcut_set_arguments (shortcut, g_variant_new_boolean (keys[k].confirm));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ---- Keyboard ---- */

/* 1–9 mark items 1–9. Only while recording and while the panel is on screen; otherwise the key
 * goes on to whoever else wants it. Entries consume digits before this (bubble phase). */
static gboolean
on_number_key (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PdChecklistPanel *self = PD_CHECKLIST_PANEL (widget);
  guint             number = g_variant_get_uint32 (args);
  PdChecklistItem  *item;

  if (!is_recording (self) || !gtk_widget_get_mapped (widget) || self->checklist == NULL)
    return FALSE;
  item = pd_checklist_get_item (self->checklist, number - 1);
  if (item == NULL)
    return FALSE;
  mark_or_report (self, item, NULL);
  return TRUE;
}

static gboolean
on_undo_key (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PdChecklistPanel *self = PD_CHECKLIST_PANEL (widget);
  g_autoptr (GError) error = NULL;

  if (!is_recording (self) || !gtk_widget_get_mapped (widget) || self->checklist == NULL)
    return FALSE;
  if (!pd_checklist_panel_undo (self, 0, &error))
    g_signal_emit (self, signals[SIGNAL_MARK_FAILED], 0, error);
  return TRUE;
}

static void
action_mark_number (GtkWidget *widget, const char *action_name, GVariant *param)
{
  on_number_key (widget, param, NULL);
}

static void
action_undo_last (GtkWidget *widget, const char *action_name, GVariant *param)
{
  on_undo_key (widget, NULL, NULL);
}

static void
add_shortcuts (PdChecklistPanel *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  /* Managed: the window runs these in the bubble phase, wherever the focus is in it. */
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_MANAGED);
  for (guint n = 1; n <= 9; n++)
    {
      guint keyvals[] = { GDK_KEY_0 + n, GDK_KEY_KP_0 + n };

      for (guint k = 0; k < G_N_ELEMENTS (keyvals); k++)
        {
          GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyvals[k], 0),
                                                    gtk_callback_action_new (on_number_key, NULL, NULL));

          gtk_shortcut_set_arguments (shortcut, g_variant_new_uint32 (n));
          gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
        }
    }
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_z, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (on_undo_key, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ---- Object ---- */

void
pd_checklist_panel_set_checklist (PdChecklistPanel *self, PdChecklist *checklist)
{
  g_return_if_fail (PD_IS_CHECKLIST_PANEL (self));
  g_return_if_fail (checklist == NULL || PD_IS_CHECKLIST (checklist));

  if (self->checklist == checklist)
    return;
  if (self->checklist != NULL)
    g_clear_signal_handler (&self->changed_id, self->checklist);
  g_set_object (&self->checklist, checklist);
  if (checklist != NULL)
    self->changed_id = g_signal_connect_object (checklist, "changed", G_CALLBACK (on_checklist_changed),
                                                self, G_CONNECT_SWAPPED);
  rebuild (self);
}

PdChecklist *
pd_checklist_panel_get_checklist (PdChecklistPanel *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_PANEL (self), NULL);
  return self->checklist;
}

void
pd_checklist_panel_set_capture (PdChecklistPanel *self, PdCapture *capture)
{
  g_return_if_fail (PD_IS_CHECKLIST_PANEL (self));
  g_return_if_fail (capture == NULL || PD_IS_CAPTURE (capture));

  if (g_set_object (&self->capture, capture) && capture != NULL)
    g_hash_table_remove_all (self->mark_times);
  /* A suggestion belongs to the recording it was read from. */
  while (self->pending->len > 0)
    withdraw_suggestion (self, g_ptr_array_index (self->pending, self->pending->len - 1));
  update_all (self);
}

static void
pd_checklist_panel_dispose (GObject *object)
{
  PdChecklistPanel *self = PD_CHECKLIST_PANEL (object);

  if (self->checklist != NULL)
    g_clear_signal_handler (&self->changed_id, self->checklist);
  if (self->worker != NULL)
    g_clear_signal_handler (&self->suggestion_id, self->worker);
  g_clear_object (&self->worker);
  if (self->pending != NULL)
    g_ptr_array_set_size (self->pending, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_CHECKLIST_PANEL);
  /* The template's top box is a direct child that is not bound: unparent what is left. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->checklist);
  g_clear_object (&self->capture);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->mark_times, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);

  G_OBJECT_CLASS (pd_checklist_panel_parent_class)->dispose (object);
}

static void
pd_checklist_panel_class_init (PdChecklistPanelClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_checklist_panel_dispose;

  /**
   * PdChecklistPanel::marked:
   * @item: the item
   * @mark_id: the capture's mark id
   */
  signals[SIGNAL_MARKED] =
    g_signal_new ("marked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PD_TYPE_CHECKLIST_ITEM, G_TYPE_UINT);
  signals[SIGNAL_UNMARKED] =
    g_signal_new ("unmarked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PD_TYPE_CHECKLIST_ITEM, G_TYPE_UINT);
  /**
   * PdChecklistPanel::mark-failed:
   * @error: why a mark or an undo the user asked for did not happen
   */
  signals[SIGNAL_MARK_FAILED] =
    g_signal_new ("mark-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-checklist-panel.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pd-checklist-panel");
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, progress_label);
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PdChecklistPanel, sections_box);

  gtk_widget_class_install_action (widget_class, "checklist.mark-number", "u", action_mark_number);
  gtk_widget_class_install_action (widget_class, "checklist.undo-last", NULL, action_undo_last);
}

static void
pd_checklist_panel_init (PdChecklistPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new_with_free_func (row_free);
  self->mark_times = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->pending = g_ptr_array_new ();
  add_shortcuts (self);
  add_suggestion_shortcuts (self);
  load_css_once ();
  update_all (self);
}

GtkWidget *
pd_checklist_panel_new (void)
{
  return g_object_new (PD_TYPE_CHECKLIST_PANEL, NULL);
}

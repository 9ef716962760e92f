/* pd-capture-page-recording.c — the Capture view while it records: live preview, status,
 * checkpoints, marks and OCR, stopping and sealing, and the result of a recording. */
#define G_LOG_DOMAIN "pd-capture-page"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>
#include <string.h>

#include "pd-capture-page-private.h"
#include "verify/pd-verify.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

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

void
pd_capture_page_update_status (PdCapturePage *self)
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
  pd_capture_page_update_status (user_data);
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
  pd_capture_page_update_status (self);
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
          pd_capture_page_toast (self, text);
        }
      self->stamp_failing = TRUE;
      pd_capture_page_show_stamp_failure (self, index, error->message);
      pd_capture_page_update_status (self);
      return;
    }
  if (self->stamp_failing)
    pd_capture_page_toast (self, _("The timestamp authority answers again"));
  else if (!self->first_stamp_told)
    {
      text = g_strdup_printf (_("Checkpoint %u timestamped"), index);
      pd_capture_page_toast (self, text);
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
  pd_capture_page_update_status (self);
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
  else if ((text = pd_capture_page_awaiting_check_text (self, r)) != NULL)
    ;
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

/* The result's timestamp row: who stamped the recording and when, or why it is not stamped. */
static void
show_stamp (PdCapturePage *self, JsonObject *stamp, JsonObject *authority, const char *state,
            gboolean practice)
{
  g_autofree char *stamp_text = NULL;

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
    stamp_text = g_strdup (_("Awaiting timestamp: the authority could not be reached. The package is sealed; Proofdesk asks again on its own, or now with Retry."));
  else
    stamp_text = g_strdup (_("Not timestamped"));
  adw_action_row_set_subtitle (self->result_stamp_row, stamp_text);
  gtk_image_set_from_icon_name (self->stamp_icon, practice || stamp == NULL ? "dialog-warning-symbolic"
                                                                           : "emblem-ok-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->stamp_icon), practice || stamp == NULL ? "success" : "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->stamp_icon), practice || stamp == NULL ? "warning" : "success");
}

/* Stamped after it was sealed: what the recording token says. */
static void
show_late_stamp (PdCapturePage *self, PdTsaToken *token)
{
  g_autoptr (GDateTime) local = g_date_time_to_local (pd_tsa_token_get_gen_time (token));
  g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  const char *name = pd_tsa_token_get_tsa_name (token);
  g_autofree char *text = NULL;

  if (pd_tsa_token_is_practice (token))
    text = g_strdup_printf (_("Timestamped %s by the practice authority built into Proofdesk — not for court"), when);
  else
    text = g_strdup_printf (_("Timestamped %s by %s"), when, name ? name : "?");
  adw_action_row_set_subtitle (self->result_stamp_row, text);
  gtk_image_set_from_icon_name (self->stamp_icon, pd_tsa_token_is_practice (token) ? "dialog-warning-symbolic"
                                                                                    : "emblem-ok-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->stamp_icon), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->stamp_icon), pd_tsa_token_is_practice (token) ? "warning" : "success");
}

void
pd_capture_page_show_result (PdCapturePage *self, PdCapture *capture, const GError *error)
{
  JsonObject *manifest = self->package ? pd_package_get_manifest (self->package) : NULL;
  JsonObject *recording = pd_json_object (manifest, "recording");
  JsonObject *timestamps = pd_json_object (manifest, "timestamps");
  JsonObject *authority = pd_json_object (timestamps, "authority");
  JsonObject *stamp = pd_json_object (recording, "timestamp");
  JsonObject *checklist = pd_json_object (manifest, "checklist");
  g_autoptr (PdTsaToken) late = NULL;
  const char *state = pd_capture_page_effective_state (self, &late);
  gboolean    practice = authority != NULL && json_object_get_boolean_member_with_default (authority, "practice", FALSE);
  const char *const *warnings = capture ? pd_capture_get_warnings (capture) : NULL;
  g_autofree char *checklist_text = NULL;

  g_clear_pointer (&self->digest, g_free);
  self->digest = g_strdup (pd_json_string (recording, "sha256"));
  /* Shown again after a late stamp (no capture then): the warnings of the recording stay. */
  if (capture != NULL)
    clear_warning_rows (self);
  pd_capture_page_set_retry_visible (self, error == NULL && g_strcmp0 (state, "awaiting-stamp") == 0);

  if (error != NULL || g_strcmp0 (state, "failed") == 0)
    {
      gtk_image_set_from_icon_name (self->result_icon, "dialog-warning-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "error");
      gtk_label_set_label (self->result_title, _("Recording Stopped by an Error"));
      gtk_label_set_label (self->result_description,
                           error != NULL ? error->message
                           : pd_json_string (manifest, "failure") ? pd_json_string (manifest, "failure") : "");
    }
  else if (g_strcmp0 (state, "awaiting-stamp") == 0)
    pd_capture_page_show_awaiting (self);
  else
    {
      gtk_image_set_from_icon_name (self->result_icon, "emblem-ok-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "warning");
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

  if (late != NULL)
    show_late_stamp (self, late);
  else
    show_stamp (self, stamp, authority, state, practice);
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

void
pd_capture_page_stop_preview (PdCapturePage *self)
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
  pd_capture_page_show_result (self, capture, error);
  pd_capture_page_hide_stamp_failure (self);
  pd_checklist_panel_set_capture (self->checklist_panel, NULL);
  g_clear_object (&self->capture);
  g_clear_object (&self->portal);
  self->state = PAGE_RESULT;
  pd_capture_page_update_state (self);
  pd_capture_page_update_disk (self);
  if (error == NULL && package != NULL)
    pd_capture_page_toast (self, _("Evidence package sealed"));
  else if (error != NULL)
    pd_capture_page_toast (self, error->message);
  /* The app's maintenance retries an awaiting stamp with back-off from now on. */
  if (g_strcmp0 (pd_capture_page_effective_state (self, NULL), "awaiting-stamp") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.retry-stamps", NULL);
  /* Whoever waits to close the window or quit (pd-window.c) goes on now. */
  g_signal_emit_by_name (self, "sealed");
  g_object_unref (self);
}

static void
stop_recording_with_reason (PdCapturePage *self, const char *decision, const char *reason)
{
  PdChecklist *checklist = pd_checklist_panel_get_checklist (self->checklist_panel);

  if (self->state != PAGE_RECORDING || self->capture == NULL)
    return;
  g_free (self->decision);
  self->decision = g_strdup (decision);
  if (checklist != NULL)
    {
      g_autoptr (JsonObject) summary = pd_checklist_build_summary (checklist, decision);
      g_autofree char *stripped = g_strstrip (g_strdup (reason ? reason : ""));

      /* The operator's own words on why it was sealed anyway: printed on the certificate. */
      if (*stripped)
        json_object_set_string_member (summary, "reason", stripped);
      pd_capture_set_checklist_summary (self->capture, summary);
    }
  /* Suggestions are answered while recording only: stop reading the screen. */
  pd_checklist_panel_set_ocr_worker (self->checklist_panel, NULL);
  pd_capture_set_ocr (self->capture, NULL);
  self->state = PAGE_SEALING;
  pd_capture_page_update_state (self);
  pd_capture_stop_async (self->capture, NULL, on_stopped, g_object_ref (self));
}

static void
stop_recording (PdCapturePage *self, const char *decision)
{
  stop_recording_with_reason (self, decision, NULL);
}

void
pd_capture_page_stop_recording (PdCapturePage *self, const char *decision)
{
  stop_recording (self, decision);
}

static void
on_stop_dialog_response (AdwMessageDialog *dialog, const char *response, PdCapturePage *self)
{
  GtkEditable *reason = g_object_get_data (G_OBJECT (dialog), "reason");

  if (g_strcmp0 (response, "seal") == 0)
    stop_recording_with_reason (self, PD_CHECKLIST_DECISION_SEALED_ANYWAY,
                                reason ? gtk_editable_get_text (reason) : NULL);
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
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
    GtkWidget *entry = gtk_entry_new ();

    gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason for sealing anyway (printed on the certificate)"));
    gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Reason for sealing anyway"), -1);
    gtk_entry_set_max_length (GTK_ENTRY (entry), 200);
    gtk_box_append (GTK_BOX (box), list);
    gtk_box_append (GTK_BOX (box), entry);
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
    g_object_set_data (G_OBJECT (dialog), "reason", entry);
  }
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
  pd_capture_page_toast (self, error->message);
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

void
pd_capture_page_on_marked (PdCapturePage *self, PdChecklistItem *item, guint mark_id, PdChecklistPanel *panel)
{
  /* Translators: %s is a checklist item's title. */
  g_autofree char *text = g_markup_printf_escaped (_("Marked “%s”"), pd_checklist_item_get_display_title (item));
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_button_label (t, _("_Undo"));
  adw_toast_set_action_name (t, "capture.undo-mark");
  adw_toast_set_action_target_value (t, g_variant_new_uint32 (mark_id));
  replace_mark_toast (self, t);
}

void
pd_capture_page_on_unmarked (PdCapturePage *self, PdChecklistItem *item, guint mark_id, PdChecklistPanel *panel)
{
  /* Translators: %s is a checklist item's title. */
  g_autofree char *text = g_markup_printf_escaped (_("Mark on “%s” undone"), pd_checklist_item_get_display_title (item));

  replace_mark_toast (self, adw_toast_new (text));
}

void
pd_capture_page_on_mark_failed (PdCapturePage *self, const GError *error, PdChecklistPanel *panel)
{
  pd_capture_page_toast (self, error->message);
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
  PdChecklist *checklist = pd_capture_page_selected_scenario (self);

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
        pd_capture_page_toast (self, error->message);
      return;
    }
  g_set_object (&self->portal, portal);
  start_recording (self);
}

/* The source to record: NULL (with a toast) when it cannot be built yet, or while the desktop
 * asks which screen to share. */
static PdSourceSpec *
build_source_spec (PdCapturePage *self)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (GError) error = NULL;

  if (self->source == NULL)
    {
      pd_capture_page_toast (self, _("Choose what to record first"));
      return NULL;
    }
  if (pd_capture_source_get_needs_portal (self->source) && self->portal == NULL)
    {
      /* The desktop asks which screen to share; recording starts once it has answered. */
      if (!self->asking_portal)
        {
          self->asking_portal = TRUE;
          pd_portal_screencast_new_async (0, NULL, on_portal_ready, g_object_ref (self));
        }
      return NULL;
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
      pd_capture_page_toast (self, error->message);
      return NULL;
    }
  return g_steal_pointer (&spec);
}

/* A capture of SPEC configured from Preferences, the chosen case and scenario. */
static PdCapture *
new_capture (PdCapturePage *self, PdSourceSpec *spec, PdTsaClient *tsa, const char *case_name,
             PdChecklist *checklist)
{
  g_autoptr (PdCapture) capture = NULL;
  g_autofree char *root = pd_config_get_evidence_root ();
  g_autofree char *operator_name = NULL;
  guint interval = 10;

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
  return g_steal_pointer (&capture);
}

static void
start_recording (PdCapturePage *self)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = pd_config_get_tsa_url ();
  g_autofree char *case_name = pd_capture_page_selected_case (self);
  PdChecklist *checklist = pd_capture_page_selected_scenario (self);

  spec = build_source_spec (self);
  if (spec == NULL)
    return;
  tsa = pd_tsa_client_new (url, &error);
  if (tsa == NULL)
    {
      pd_capture_page_toast (self, error->message);
      return;
    }
  capture = new_capture (self, spec, tsa, case_name, checklist);
  g_signal_connect_object (capture, "checkpoint", G_CALLBACK (on_checkpoint), self, 0);
  g_signal_connect_object (capture, "checkpoint-stamped", G_CALLBACK (on_checkpoint_stamped), self, 0);
  g_signal_connect_object (capture, "failed", G_CALLBACK (on_capture_failed), self, 0);
  g_signal_connect_object (capture, "environment", G_CALLBACK (on_capture_environment), self, 0);
  /* Reset before starting: the environment report taken at start ticks items. */
  if (checklist != NULL)
    pd_checklist_reset (checklist);
  if (!pd_capture_start (capture, &error))
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);
      AdwToast *t = adw_toast_new (escaped);

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
  pd_capture_page_hide_stamp_failure (self);
  pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
  pd_checklist_panel_set_capture (self->checklist_panel, self->capture);
  start_ocr (self, checklist);
  gtk_picture_set_paintable (self->preview, NULL);
  self->preview_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->preview), on_preview_tick, self, NULL);
  self->status_timeout = g_timeout_add (250, on_status_timeout, self);
  self->state = PAGE_RECORDING;
  pd_capture_page_update_state (self);
  pd_capture_page_update_practice (self);
  /* Focus inside the page, so the number keys reach the checklist. */
  gtk_widget_grab_focus (GTK_WIDGET (self->record_button));
}

void
pd_capture_page_record_toggle (PdCapturePage *self)
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

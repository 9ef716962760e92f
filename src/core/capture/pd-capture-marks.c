/* pd-capture-marks.c — the live preview, checklist marks with their still frames, and what the
 * operator decided about OCR suggestions. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <cairo.h>
#include <glib/gi18n-lib.h>
#include <gst/video/video.h>
#include <string.h>

#include "capture/pd-capture-private.h"
#include "evidence/pd-package.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- preview and marks */

void
pd_capture_set_preview_enabled (PdCapture *self, gboolean enabled)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (self->state == STATE_IDLE);
  self->preview_enabled = enabled;
}

GstSample *
pd_capture_pull_preview (PdCapture *self)
{
  GstSample *sample;

  g_return_val_if_fail (PD_IS_CAPTURE (self), NULL);
  if (self->preview_sink == NULL || self->state != STATE_RECORDING)
    return NULL;
  g_mutex_lock (&self->preview_lock);
  sample = g_steal_pointer (&self->pending_preview);
  g_mutex_unlock (&self->preview_lock);
  if (sample == NULL)
    return NULL;
  if (self->last_preview)
    gst_sample_unref (self->last_preview);
  self->last_preview = gst_sample_ref (sample);
  return sample;
}

static cairo_status_t
png_write (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* PNG of a BGRA preview sample (cairo's ARGB32 is BGRA in memory on little-endian, and
 * the alpha is opaque, so premultiplication changes nothing). */
static GBytes *
sample_to_png (GstSample *sample)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  GByteArray *png;
  cairo_surface_t *surface;
  cairo_status_t status;

  if (buf == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_BGRA ||
      !gst_video_frame_map (&frame, &info, buf, GST_MAP_READ))
    return NULL;
  surface = cairo_image_surface_create_for_data (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                                 CAIRO_FORMAT_ARGB32,
                                                 GST_VIDEO_INFO_WIDTH (&info),
                                                 GST_VIDEO_INFO_HEIGHT (&info),
                                                 GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
  png = g_byte_array_new ();
  status = cairo_surface_write_to_png_stream (surface, png_write, png);
  cairo_surface_destroy (surface);
  gst_video_frame_unmap (&frame);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_byte_array_unref (png);
      return NULL;
    }
  return g_byte_array_free_to_bytes (png);
}

guint
pd_capture_add_mark (PdCapture *self, const char *item_id, const char *item_title,
                     const char *note, GError **error)
{
  Mark mk = { 0 };
  g_autoptr (GstSample) fresh = NULL;
  JsonObject *e;

  g_return_val_if_fail (PD_IS_CAPTURE (self), 0);
  g_return_val_if_fail (item_id != NULL, 0);

  if (self->state != STATE_RECORDING)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Items can only be marked while recording."));
      return 0;
    }
  mk.id = self->marks->len + 1;
  mk.item_id = g_strdup (item_id);
  mk.title = g_strdup (item_title);
  mk.note = note && *note ? g_utf8_make_valid (note, MIN (strlen (note), 1024)) : NULL;
  mk.running_time = pd_capture_get_running_time (self);
  mk.wall_time_us = g_get_real_time ();

  /* The still is the frame on screen now: the newest preview frame. */
  fresh = pd_capture_pull_preview (self);
  if (self->last_preview != NULL)
    {
      g_autoptr (GBytes) png = sample_to_png (self->last_preview);
      g_autofree char *safe = pd_safe_component (item_id, "item");
      g_autofree char *name = g_strdup_printf ("stills/%04u-%s.png", mk.id, safe);
      g_autoptr (GError) local_error = NULL;

      if (png != NULL && pd_package_write_file (self->package, name, png, &local_error))
        mk.still = g_steal_pointer (&name);
      else if (local_error != NULL)
        pd_capture_add_warning (self, _("The still frame for “%s” could not be saved: %s"), item_id, local_error->message);
    }
  g_array_append_val (self->marks, mk);

  e = pd_capture_journal_event ("mark");
  json_object_set_int_member (e, "id", mk.id);
  json_object_set_string_member (e, "item", mk.item_id);
  if (mk.title)
    json_object_set_string_member (e, "title", mk.title);
  if (mk.note)
    json_object_set_string_member (e, "note", mk.note);
  json_object_set_int_member (e, "running_time_ns", (gint64) mk.running_time);
  json_object_set_int_member (e, "wall_time_us", mk.wall_time_us);
  if (mk.still)
    json_object_set_string_member (e, "still", mk.still);
  pd_capture_journal_append (self, e);
  return mk.id;
}

gboolean
pd_capture_undo_mark (PdCapture *self, guint mark_id, GError **error)
{
  Mark *mk;
  JsonObject *e;

  g_return_val_if_fail (PD_IS_CAPTURE (self), FALSE);

  if (self->state != STATE_RECORDING)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Marks can only be undone while recording."));
      return FALSE;
    }
  if (mark_id == 0 || mark_id > self->marks->len ||
      (mk = &g_array_index (self->marks, Mark, mark_id - 1))->undone_us != 0)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("There is no mark %u to undo."), mark_id);
      return FALSE;
    }
  mk->undone_us = g_get_real_time ();
  e = pd_capture_journal_event ("undo-mark");
  json_object_set_int_member (e, "id", mark_id);
  json_object_set_int_member (e, "wall_time_us", mk->undone_us);
  pd_capture_journal_append (self, e);
  return TRUE;
}

void
pd_capture_set_checklist_summary (PdCapture *self, JsonObject *summary)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_clear_pointer (&self->checklist_summary, json_object_unref);
  if (summary)
    self->checklist_summary = json_object_ref (summary);
}

/* ---------------------------------------------------------------- OCR suggestions */

void
pd_capture_set_ocr (PdCapture *self, PdOcrWorker *worker)
{
  PdOcrWorker *old;

  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (worker == NULL || PD_IS_OCR_WORKER (worker));

  g_mutex_lock (&self->preview_lock);
  old = self->ocr;
  self->ocr = worker ? g_object_ref (worker) : NULL;
  g_mutex_unlock (&self->preview_lock);
  /* Outside the lock: the last unref joins the worker's thread. */
  g_clear_object (&old);
}

gboolean
pd_capture_record_suggestion (PdCapture *self, const PdOcrSuggestion *suggestion,
                              const char *decision, guint mark_id, GError **error)
{
  JsonObject *o;
  JsonObject *e;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *decided_at = pd_time_format_utc (now);
  gboolean confirmed;

  g_return_val_if_fail (PD_IS_CAPTURE (self), FALSE);
  g_return_val_if_fail (suggestion != NULL && suggestion->item_id != NULL, FALSE);
  g_return_val_if_fail (decision != NULL, FALSE);

  if (self->state != STATE_RECORDING)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("Suggestions can only be confirmed or dismissed while recording."));
      return FALSE;
    }
  confirmed = g_str_equal (decision, "confirmed");
  if (!confirmed && !g_str_equal (decision, "dismissed"))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("“%s” is not a decision about a suggestion: use “confirmed” or “dismissed”."),
                   decision);
      return FALSE;
    }
  if (confirmed && (mark_id == 0 || mark_id > self->marks->len))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("A confirmed suggestion needs the mark it became, and there is no mark %u."),
                   mark_id);
      return FALSE;
    }
  if (!confirmed && mark_id != 0)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("A dismissed suggestion has no mark, but mark %u was given."), mark_id);
      return FALSE;
    }

  o = pd_ocr_suggestion_to_json (suggestion);
  json_object_set_string_member (o, "decision", decision);
  if (confirmed)
    json_object_set_int_member (o, "mark", mark_id);
  else
    json_object_set_null_member (o, "mark");
  json_object_set_string_member (o, "decided_at", decided_at);
  json_array_add_object_element (self->ocr_suggestions, json_object_ref (o));

  e = pd_capture_journal_event ("ocr-suggestion");
  json_object_set_object_member (e, "suggestion", o);
  pd_capture_journal_append (self, e);
  return TRUE;
}

/* pd-capture-pipeline.c — the recording pipeline of a capture: its source (test pattern, X11
 * screen, phone, V4L2 device, PipeWire stream), the encoder, the leaky preview branch and
 * proofhash ! filesink. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <X11/Xlib.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "capture/pd-capture-private.h"
#include "sources/pd-device.h"
#include "sources/pd-screenrecord.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- pipeline */

static GstElement *
make_element (const char *factory, const char *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL)
    g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_MISSING_ELEMENT,
                 _("The GStreamer element “%s” is not installed."), factory);
  return e;
}

static gboolean
factory_exists (const char *name)
{
  g_autoptr (GstElementFactory) f = gst_element_factory_find (name);
  return f != NULL;
}

static void
set_encoder_setting (PdCapture *self, GstElement *enc, const char *prop, const char *value)
{
  gst_util_set_object_arg (G_OBJECT (enc), prop, value);
  g_hash_table_replace (self->encoder_settings, g_strdup (prop), g_strdup (value));
}

/* Settings chosen so small screen text (chat bubbles, amounts) stays legible: constant quality
 * (CRF 20). In pass=qual x264enc still treats "bitrate" (default 2048 kbit/s) as a VBV ceiling,
 * which smeared 9 pt text in bench/capture-cpu, so the ceiling is lifted to 100 Mbit/s.
 * ultrafast + zerolatency measured cheapest per frame with readable text (bench/README.md).
 * One keyframe per second so every 1 s fragment starts with one and a truncated file decodes up
 * to its last complete fragment. 4:2:0 (I420) is forced upstream for players. */
static GstElement *
make_encoder (PdCapture *self, GError **error)
{
  gboolean want_x264 = self->encoder_choice != PD_ENCODER_OPENH264;
  g_autofree char *gop = g_strdup_printf ("%d", self->fps);
  GstElement *enc;

  if (want_x264 && factory_exists ("x264enc"))
    {
      enc = gst_element_factory_make ("x264enc", "encoder");
      gboolean high = self->quality == PD_QUALITY_HIGH;

      set_encoder_setting (self, enc, "speed-preset", high ? "superfast" : "ultrafast");
      set_encoder_setting (self, enc, "tune", "zerolatency");
      set_encoder_setting (self, enc, "pass", "qual");
      set_encoder_setting (self, enc, "quantizer", high ? "16" : "20");
      set_encoder_setting (self, enc, "bitrate", "100000");
      set_encoder_setting (self, enc, "key-int-max", gop);
      set_encoder_setting (self, enc, "bframes", "0");
      self->encoder_name = g_strdup ("x264enc");
      return enc;
    }
  if (self->encoder_choice == PD_ENCODER_X264)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_MISSING_ELEMENT,
                   _("The H.264 encoder x264enc is not installed (package gstreamer1.0-plugins-ugly)."));
      return NULL;
    }
  if (factory_exists ("openh264enc"))
    {
      enc = gst_element_factory_make ("openh264enc", "encoder");
      set_encoder_setting (self, enc, "rate-control", "quality");
      set_encoder_setting (self, enc, "bitrate", "8000000");
      set_encoder_setting (self, enc, "gop-size", gop);
      set_encoder_setting (self, enc, "complexity", "low");
      self->encoder_name = g_strdup ("openh264enc");
      return enc;
    }
  g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_MISSING_ELEMENT,
               _("No H.264 encoder is installed: install gstreamer1.0-plugins-ugly (x264enc) or gstreamer1.0-plugins-bad (openh264enc)."));
  return NULL;
}

static int
ignore_x_errors (Display *dpy, XErrorEvent *ev)
{
  return 0;
}

/* Opens the X display to check the source before anything is created: display reachable,
 * region inside the screen, window exists. Fills in the frame size. */
static gboolean
check_x11_source (PdCapture *self, GError **error)
{
  PdSourceSpec *src = self->source;
  const char *name = src->display ? src->display : g_getenv ("DISPLAY");
  Display *dpy;
  int sw, sh;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DISPLAY,
                   _("No X display: DISPLAY is not set and no display was given (use x11:DISPLAY)."));
      return FALSE;
    }
  dpy = XOpenDisplay (name);
  if (dpy == NULL)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DISPLAY,
                   _("Cannot open the X display “%s”."), name);
      return FALSE;
    }
  sw = DisplayWidth (dpy, DefaultScreen (dpy));
  sh = DisplayHeight (dpy, DefaultScreen (dpy));

  if (src->xid != 0)
    {
      XWindowAttributes attrs;
      XErrorHandler old = XSetErrorHandler (ignore_x_errors);
      Status ok = XGetWindowAttributes (dpy, (Window) src->xid, &attrs);

      XSync (dpy, False);
      XSetErrorHandler (old);
      if (!ok)
        {
          XCloseDisplay (dpy);
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE,
                       _("There is no window 0x%llx on display “%s”."),
                       (unsigned long long) src->xid, name);
          return FALSE;
        }
      self->width = attrs.width;
      self->height = attrs.height;
    }
  else if (src->has_region)
    {
      if (src->x + src->width > sw || src->y + src->height > sh)
        {
          XCloseDisplay (dpy);
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE,
                       _("The region %d,%d %d×%d does not fit on the %d×%d screen of “%s”."),
                       src->x, src->y, src->width, src->height, sw, sh, name);
          return FALSE;
        }
      self->width = src->width;
      self->height = src->height;
    }
  else
    {
      self->width = sw;
      self->height = sh;
    }
  XCloseDisplay (dpy);

  /* H.264 in 4:2:0 needs even sizes: crop the odd last column/row rather than rescale text. */
  self->crop_right = self->width % 2;
  self->crop_bottom = self->height % 2;
  self->width -= self->crop_right;
  self->height -= self->crop_bottom;
  return TRUE;
}

/* adb sources: screenrecord restarted at its time limit, so the recording has no frames
 * between `before` and `after`. Each gap is journalled and listed in the manifest's
 * source.gaps: a court must see that the recording is not continuous there. */
static void
on_screenrecord_gap (PdScreenrecord *rec, gint64 before_us, gint64 after_us, guint64 before_rt,
                     guint64 after_rt, guint run, int status, gpointer user_data)
{
  PdCapture *self = user_data;
  JsonObject *gap = json_object_new ();
  JsonObject *e = pd_capture_journal_event ("gap");
  g_autoptr (GDateTime) b0 = g_date_time_new_from_unix_utc (before_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) a0 = g_date_time_new_from_unix_utc (after_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) b = g_date_time_add (b0, before_us % G_USEC_PER_SEC);
  g_autoptr (GDateTime) a = g_date_time_add (a0, after_us % G_USEC_PER_SEC);
  g_autofree char *before = pd_time_format_utc (b);
  g_autofree char *after = pd_time_format_utc (a);

  json_object_set_string_member (gap, "reason", "screenrecord-restart");
  json_object_set_string_member (gap, "before", before);
  json_object_set_string_member (gap, "after", after);
  json_object_set_int_member (gap, "before_wall_us", before_us);
  json_object_set_int_member (gap, "after_wall_us", after_us);
  json_object_set_int_member (gap, "before_running_time_ns", (gint64) before_rt);
  json_object_set_int_member (gap, "after_running_time_ns", (gint64) after_rt);
  json_object_set_double_member (gap, "seconds", (after_us - before_us) / 1e6);
  json_object_set_int_member (gap, "run", run);
  json_object_set_int_member (gap, "adb_exit_status", status);
  g_message ("screenrecord restarted: no frames for %.2f s", (after_us - before_us) / 1e6);

  json_object_set_object_member (e, "gap", pd_capture_copy_object (gap));
  pd_capture_journal_append (self, e);
  if (self->source_json && json_object_has_member (self->source_json, "gaps"))
    json_array_add_object_element (json_object_get_array_member (self->source_json, "gaps"), gap);
  else
    json_object_unref (gap);
}

static void
subprocess_kill_and_unref (gpointer data)
{
  g_subprocess_force_exit (data);
  g_object_unref (data);
}

/* Reads the frame size a V4L2 device offers first, for the preview and the crop to even sizes;
 * left at 0 when the device does not say. */
static void
probe_v4l2_size (PdCapture *self, GstElement *src)
{
  g_autoptr (GstCaps) caps = NULL;
  GstPad *pad;
  int w = 0, h = 0;

  if (gst_element_set_state (src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE)
    return;
  pad = gst_element_get_static_pad (src, "src");
  caps = gst_pad_query_caps (pad, NULL);
  gst_object_unref (pad);
  gst_element_set_state (src, GST_STATE_NULL);
  for (guint i = 0; caps && i < gst_caps_get_size (caps); i++)
    {
      GstStructure *st = gst_caps_get_structure (caps, i);

      if (gst_structure_has_name (st, "video/x-raw") &&
          gst_structure_get_int (st, "width", &w) && gst_structure_get_int (st, "height", &h))
        break;
      w = h = 0;
    }
  self->crop_right = w % 2;
  self->crop_bottom = h % 2;
  self->width = w - self->crop_right;
  self->height = h - self->crop_bottom;
}

/* A phone's own H.264 from adb screenrecord. */
static GstElement *
make_adb_source (PdCapture *self, GstElement *bin, GError **error)
{
  g_autoptr (PdScreenrecord) rec = NULL;
  GstElement *src;

  if (!pd_adb_check_device (self->source->serial, NULL, error))
    return NULL;
  rec = pd_screenrecord_new (self->source->serial);
  src = pd_screenrecord_get_element (rec);
  gst_bin_add (GST_BIN (bin), src);
  g_signal_connect_object (rec, "gap", G_CALLBACK (on_screenrecord_gap), self, 0);
  /* The pump (and its adb child) lives exactly as long as the pipeline. */
  g_object_set_data_full (G_OBJECT (bin), "pd-screenrecord", g_steal_pointer (&rec), g_object_unref);
  g_object_set_data (G_OBJECT (bin), "pd-encoded", GINT_TO_POINTER (TRUE));
  return src;
}

/* Starts scrcpy for the phone, writing to a free v4l2loopback device; returns the device. */
static char *
start_scrcpy (PdCapture *self, GstElement *bin, GError **error)
{
  g_autofree char *scrcpy_device = NULL;
  GSubprocess *proc;

  if (!pd_adb_check_device (self->source->serial, NULL, error))
    return NULL;
  if (!(scrcpy_device = pd_v4l2loopback_find_free (error)))
    return NULL;
  if (!(proc = pd_scrcpy_spawn (self->source->serial, scrcpy_device, error)))
    return NULL;
  g_object_set_data_full (G_OBJECT (bin), "pd-scrcpy", proc, subprocess_kill_and_unref);
  /* scrcpy needs a moment to connect and start writing frames to the loopback device. */
  g_usleep (2 * G_USEC_PER_SEC);
  return g_steal_pointer (&scrcpy_device);
}

static GstElement *
make_v4l2_source (PdCapture *self, GstElement *bin, const char *device_path, GError **error)
{
  GstElement *src;
  GStatBuf st;

  if (g_stat (device_path, &st) != 0 || !S_ISCHR (st.st_mode))
    {
      g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_VIDEO_DEVICE,
                   _("There is no video device “%s”. Connect the capture card (or load "
                     "v4l2loopback for scrcpy); “proofctl devices” lists the video devices."),
                   device_path);
      return NULL;
    }
  if (!(src = make_element ("v4l2src", "v4l2src", error)))
    return NULL;
  g_object_set (src, "device", device_path, NULL);
  probe_v4l2_size (self, src);
  gst_bin_add (GST_BIN (bin), src);
  return src;
}

static GstElement *
make_pipewire_source (PdCapture *self, GstElement *bin, GError **error)
{
  PdSourceSpec *s = self->source;
  GstElement *src;

  if (!(src = make_element ("pipewiresrc", "pipewiresrc", error)))
    return NULL;
  /* Copy frames out of PipeWire's buffers: the queue holds them longer than PipeWire may.
   * A node id (what the portal gives) goes in "path"; a node name in "target-object". The
   * session manager links only a stream that says it is video. */
  {
    g_autoptr (GstStructure) props = gst_structure_new ("props", "media.type", G_TYPE_STRING, "Video",
                                                        "media.category", G_TYPE_STRING, "Capture",
                                                        "media.role", G_TYPE_STRING, "Screen", NULL);
    const char *p = s->pipewire_node;

    while (g_ascii_isdigit (*p))
      p++;
    /* Streams without timestamps (a pipewiresink test node, some compositors) get the
     * running time of arrival: mp4mux refuses buffers without one. */
    g_object_set (src, "always-copy", TRUE, "do-timestamp", TRUE, "stream-properties", props, NULL);
    if (*p != '\0' && g_object_class_find_property (G_OBJECT_GET_CLASS (src), "target-object"))
      g_object_set (src, "target-object", s->pipewire_node, NULL);
    else
      g_object_set (src, "path", s->pipewire_node, NULL);
  }
  if (s->pipewire_fd >= 0)
    g_object_set (src, "fd", s->pipewire_fd, NULL);
  gst_bin_add (GST_BIN (bin), src);
  return src;
}

/* Phones, V4L2 devices and PipeWire streams. The bin's "pd-encoded" data marks a source whose
 * output is already H.264 (pd_capture_build_pipeline then muxes it as it is). */
static GstElement *
make_device_source (PdCapture *self, GstElement *bin, GError **error)
{
  g_autofree char *scrcpy_device = NULL;

  switch (self->source->kind)
    {
    case PD_SOURCE_KIND_ADB:
      return make_adb_source (self, bin, error);
    case PD_SOURCE_KIND_SCRCPY:
      if (!(scrcpy_device = start_scrcpy (self, bin, error)))
        return NULL;
      return make_v4l2_source (self, bin, scrcpy_device, error);
    case PD_SOURCE_KIND_V4L2:
      return make_v4l2_source (self, bin, self->source->device_path, error);
    case PD_SOURCE_KIND_PIPEWIRE:
      return make_pipewire_source (self, bin, error);
    case PD_SOURCE_KIND_TEST:
    case PD_SOURCE_KIND_X11:
    default:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE, _("Unknown source."));
      return NULL;
    }
}

static GstElement *
make_source (PdCapture *self, GError **error)
{
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstElement *src, *filter, *last;
  GstPad *pad;

  bin = gst_object_ref_sink (gst_bin_new ("source"));
  if (self->source->kind == PD_SOURCE_KIND_TEST)
    {
      GstElement *overlay;

      if (!(src = make_element ("videotestsrc", "videotestsrc", error)))
        return NULL;
      if (!(overlay = make_element ("clockoverlay", "clock", error)))
        {
          gst_object_unref (src);
          return NULL;
        }
      g_object_set (src, "is-live", TRUE, "horizontal-speed", 4, NULL);
      g_object_set (overlay, "time-format", "%Y-%m-%d %H:%M:%S", "font-desc", "Sans 28", NULL);
      self->width = 1280;
      self->height = 720;
      caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, self->width,
                                  "height", G_TYPE_INT, self->height,
                                  "framerate", GST_TYPE_FRACTION, self->fps, 1, NULL);
      filter = gst_element_factory_make ("capsfilter", NULL);
      g_object_set (filter, "caps", caps, NULL);
      gst_bin_add_many (GST_BIN (bin), src, filter, overlay, NULL);
      gst_element_link_many (src, filter, overlay, NULL);
      last = overlay;
    }
  else if (self->source->kind != PD_SOURCE_KIND_X11)
    {
      if (!(last = make_device_source (self, bin, error)))
        return NULL;
    }
  else
    {
      PdSourceSpec *s = self->source;

      if (!check_x11_source (self, error))
        return NULL;
      if (!(src = make_element ("ximagesrc", "ximagesrc", error)))
        return NULL;
      g_object_set (src, "use-damage", FALSE, "show-pointer", TRUE, NULL);
      if (s->display)
        g_object_set (src, "display-name", s->display, NULL);
      if (s->xid != 0)
        g_object_set (src, "xid", (gulong) s->xid, NULL);
      else if (s->has_region)
        /* ximagesrc's end coordinates are inclusive. */
        g_object_set (src, "startx", (guint) s->x, "starty", (guint) s->y,
                      "endx", (guint) (s->x + s->width - 1), "endy", (guint) (s->y + s->height - 1),
                      NULL);
      caps = gst_caps_new_simple ("video/x-raw", "framerate", GST_TYPE_FRACTION, self->fps, 1, NULL);
      filter = gst_element_factory_make ("capsfilter", NULL);
      g_object_set (filter, "caps", caps, NULL);
      gst_bin_add_many (GST_BIN (bin), src, filter, NULL);
      gst_element_link (src, filter);
      last = filter;
    }

  pad = gst_element_get_static_pad (last, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  return g_steal_pointer (&bin);
}

static GstPadProbeReturn
count_frames_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  PdCapture *self = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    g_atomic_int_add (&self->frames, 1);
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_int_add (&self->frames, (gint) gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  return GST_PAD_PROBE_OK;
}

/* The stream time of a preview frame: its running time, the clock the marks use (the pipeline
 * goes to PLAYING when recording starts). */
static guint64
sample_running_time (GstAppSink *sink, GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  const GstSegment *segment = gst_sample_get_segment (sample);
  guint64 rt = GST_CLOCK_TIME_NONE;

  if (buf != NULL && segment != NULL && segment->format == GST_FORMAT_TIME &&
      GST_BUFFER_PTS_IS_VALID (buf))
    rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    rt = gst_element_get_current_running_time (GST_ELEMENT (sink));
  return GST_CLOCK_TIME_IS_VALID (rt) ? rt : 0;
}

static GstFlowReturn
on_preview_sample (GstAppSink *sink, gpointer user_data)
{
  PdCapture *self = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_OK;
  g_mutex_lock (&self->preview_lock);
  /* The OCR worker only swaps the frame into its slot under its own lock: never blocks. */
  if (self->ocr != NULL)
    pd_ocr_worker_offer (self->ocr, sample, sample_running_time (sink, sample));
  if (self->pending_preview)
    gst_sample_unref (self->pending_preview);
  self->pending_preview = sample;
  g_mutex_unlock (&self->preview_lock);
  return GST_FLOW_OK;
}

/* The frame size of an H.264 source is known only once its caps arrive: kept for the manifest. */
static GstPadProbeReturn
encoded_caps_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  PdCapture *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  int w, h;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (gst_caps_get_size (caps) > 0 &&
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &w) &&
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &h))
    {
      g_atomic_int_set (&self->width, w);
      g_atomic_int_set (&self->height, h);
    }
  return GST_PAD_PROBE_OK;
}

/* The preview of an H.264 source: a leaky copy decoded on the side. Returns the tee the
 * recording branch continues from. */
static GstElement *
link_encoded_preview (PdCapture *self, GstElement *pipeline, GstElement *source,
                      const char *decoder, GError **error)
{
  GstElement *tee, *pqueue, *pparse, *dec, *pconvert, *pscale, *pfilter, *appsink;
  g_autoptr (GstCaps) pcaps = gst_caps_from_string ("video/x-raw,format=BGRA,width=[2,1280],pixel-aspect-ratio=1/1");
  GstAppSinkCallbacks callbacks = { NULL, NULL, on_preview_sample };

  if (!(tee = make_element ("tee", "tee", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), tee), pqueue = make_element ("queue", "preview-queue", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pqueue), pparse = make_element ("h264parse", "preview-parse", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pparse), dec = make_element (decoder, "preview-decoder", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), dec), pconvert = make_element ("videoconvert", "preview-convert", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pconvert), pscale = make_element ("videoscale", "preview-scale", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pscale), pfilter = make_element ("capsfilter", "preview-caps", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pfilter), appsink = make_element ("appsink", "preview", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), appsink);
  /* Dropped compressed frames make the decoder complain until the next keyframe: that must
   * never become a pipeline error that stops the recording. */
  g_object_set (pqueue, "leaky", 2 /* downstream */, "max-size-buffers", 30, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (dec), "max-errors"))
    g_object_set (dec, "max-errors", -1, NULL);
  g_object_set (pfilter, "caps", pcaps, NULL);
  g_object_set (appsink, "drop", TRUE, "max-buffers", 1, "sync", FALSE, "async", FALSE,
                "emit-signals", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, self, NULL);
  if (!gst_element_link (source, tee) ||
      !gst_element_link_many (tee, pqueue, pparse, dec, pconvert, pscale, pfilter, appsink, NULL))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                   _("Could not connect the preview for this source."));
      return NULL;
    }
  self->preview_sink = appsink;
  return tee;
}

/* A source that is already H.264 (a phone's screenrecord): source ! queue ! h264parse ! mp4mux
 * ! proofhash ! filesink, never decoded or re-encoded on the recording path, so the file holds
 * the phone's own bitstream. The preview, if on, decodes a leaky copy. */
static GstElement *
link_encoded (PdCapture *self, GstElement *pipeline_in, GstElement *source, const char *location,
              GError **error)
{
  g_autoptr (GstElement) pipeline = pipeline_in;
  GstElement *queue, *parse, *mux, *hash, *sink;
  const char *decoder = factory_exists ("avdec_h264") ? "avdec_h264"
                        : factory_exists ("openh264dec") ? "openh264dec" : NULL;
  GstPad *pad;

  if (!(queue = make_element ("queue", "queue", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), queue), parse = make_element ("h264parse", "parse", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), parse), mux = make_element ("mp4mux", "mux", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), mux), hash = make_element ("proofhash", "proofhash", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), hash), sink = make_element ("filesink", "sink", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), sink);
  g_object_set (queue, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64) 3 * GST_SECOND, NULL);
  g_object_set (mux, "fragment-duration", 1000, "streamable", TRUE, NULL);
  g_object_set (hash, "checkpoint-interval", self->checkpoint_interval, NULL);
  g_object_set (sink, "location", location, "sync", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "buffer-mode", "unbuffered");
  g_clear_pointer (&self->encoder_name, g_free);
  self->encoder_name = g_strdup ("passthrough");
  g_hash_table_replace (self->encoder_settings, g_strdup ("input"),
                        g_strdup ("video/x-h264 from adb screenrecord, not re-encoded"));

  if (self->preview_enabled && decoder != NULL &&
      !(source = link_encoded_preview (self, pipeline, source, decoder, error)))
    return NULL;

  if (!gst_element_link_many (source, queue, parse, mux, hash, sink, NULL))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                   _("Could not connect the recording pipeline for this source."));
      return NULL;
    }
  pad = gst_element_get_static_pad (parse, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_frames_probe, self, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, encoded_caps_probe, self, NULL);
  gst_object_unref (pad);
  self->hasher = hash;
  return g_steal_pointer (&pipeline);
}

/* The preview of raw video: a leaky side branch, so preview frames may drop while the recording
 * branch never does. Returns the tee the recording branch continues from. */
static GstElement *
link_raw_preview (PdCapture *self, GstElement *pipeline, GstElement *source, GError **error)
{
  GstElement *tee, *pqueue, *pconvert, *pscale, *pfilter, *appsink;
  g_autoptr (GstCaps) pcaps = NULL;
  GstAppSinkCallbacks callbacks = { NULL, NULL, on_preview_sample };
  int pw = MIN (self->width, 1280), ph;

  ph = self->width > 0 ? (int) ((gint64) self->height * pw / self->width) & ~1 : 720;
  if (!(tee = make_element ("tee", "tee", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), tee), pqueue = make_element ("queue", "preview-queue", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pqueue), pconvert = make_element ("videoconvert", "preview-convert", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pconvert), pscale = make_element ("videoscale", "preview-scale", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pscale), pfilter = make_element ("capsfilter", "preview-caps", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), pfilter), appsink = make_element ("appsink", "preview", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), appsink);
  g_object_set (pqueue, "leaky", 2 /* downstream */, "max-size-buffers", 2, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  pcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "BGRA",
                               "width", G_TYPE_INT, MAX (pw, 2), "height", G_TYPE_INT, MAX (ph, 2),
                               "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (pfilter, "caps", pcaps, NULL);
  /* Pull every frame at once in the streaming thread and keep only the newest: the
   * appsink's queue never fills, so EOS is never held back waiting for the UI. */
  g_object_set (appsink, "drop", TRUE, "max-buffers", 1, "sync", FALSE, "async", FALSE,
                "emit-signals", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, self, NULL);
  if (!gst_element_link (source, tee) ||
      !gst_element_link_many (tee, pqueue, pconvert, pscale, pfilter, appsink, NULL))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                   _("Could not connect the preview for this source."));
      return NULL;
    }
  self->preview_sink = appsink;
  return tee;
}

GstElement *
pd_capture_build_pipeline (PdCapture *self, const char *location, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_object_ref_sink (gst_pipeline_new ("capture"));
  g_autoptr (GstCaps) raw_caps = NULL;
  GstElement *source, *queue, *convert, *crop, *rawfilter, *enc, *parse, *mux, *hash, *sink;
  GstPad *pad;

  if (!(source = make_source (self, error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), source);
  /* Raw video is encoded here; a source that is already H.264 goes to the muxer as it is. */
  if (g_object_get_data (G_OBJECT (source), "pd-encoded"))
    return link_encoded (self, g_steal_pointer (&pipeline), source, location, error);

  if (!(queue = make_element ("queue", "queue", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), queue), convert = make_element ("videoconvert", "convert", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), convert), crop = make_element ("videocrop", "crop", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), crop), rawfilter = make_element ("capsfilter", "rawcaps", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), rawfilter), enc = make_encoder (self, error)) ||
      !(gst_bin_add (GST_BIN (pipeline), enc), parse = make_element ("h264parse", "parse", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), parse), mux = make_element ("mp4mux", "mux", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), mux), hash = make_element ("proofhash", "proofhash", error)) ||
      !(gst_bin_add (GST_BIN (pipeline), hash), sink = make_element ("filesink", "sink", error)))
    return NULL;
  gst_bin_add (GST_BIN (pipeline), sink);

  /* Preview may drop frames one day; the recording path never does: a bounded, non-leaky queue
   * absorbs encoder hiccups and pushes back on the source otherwise. */
  g_object_set (queue, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64) 3 * GST_SECOND, NULL);
  /* Colour conversion of a full screen is the other big per-frame cost: use both cores. */
  g_object_set (convert, "n-threads", MIN (g_get_num_processors (), 4), NULL);
  g_object_set (crop, "right", self->crop_right, "bottom", self->crop_bottom, NULL);
  /* videoconvert ! x264enc would negotiate Y444, which many players cannot play: force I420. */
  raw_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", NULL);
  g_object_set (rawfilter, "caps", raw_caps, NULL);
  g_object_set (mux, "fragment-duration", 1000, "streamable", TRUE, NULL);
  g_object_set (hash, "checkpoint-interval", self->checkpoint_interval, NULL);
  g_object_set (sink, "location", location, "sync", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "buffer-mode", "unbuffered");

  if (self->preview_enabled && !(source = link_raw_preview (self, pipeline, source, error)))
    return NULL;

  if (!gst_element_link_many (source, queue, convert, crop, rawfilter, enc, parse, mux, hash, sink, NULL))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                   _("Could not connect the recording pipeline for this source."));
      return NULL;
    }

  pad = gst_element_get_static_pad (enc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_frames_probe, self, NULL);
  gst_object_unref (pad);

  self->hasher = hash;
  return g_steal_pointer (&pipeline);
}

/* pd-capture.c — one recording: builds the hashed pipeline for a source, follows its bus,
 * stops it with EOS and seals the evidence package. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <X11/Xlib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <cairo.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "sources/pd-device.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "pd-proofhash.h"
#include "sources/pd-screenrecord.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

#define EOS_TIMEOUT_SECONDS 30

/* ---------------------------------------------------------------- capture */

typedef enum {
  STATE_IDLE,
  STATE_RECORDING,
  STATE_STOPPING,
  STATE_SEALING,
  STATE_DONE,
} CaptureState;

typedef struct
{
  guint   index;
  guint64 offset;
  char   *sha256;
  guint64 running_time;
  gint64  wall_time_us;
  PdTsaToken *token;       /* NULL until stamped, or if stamping failed */
  char       *stamp_error;
} Checkpoint;

typedef struct
{
  guint   id;
  char   *item_id;
  char   *title;
  char   *note;
  guint64 running_time;
  gint64  wall_time_us;
  char   *still;           /* file name inside the package, or NULL */
  gint64  undone_us;       /* 0 = not undone */
} Mark;

static void
mark_clear (Mark *m)
{
  g_clear_pointer (&m->item_id, g_free);
  g_clear_pointer (&m->title, g_free);
  g_clear_pointer (&m->note, g_free);
  g_clear_pointer (&m->still, g_free);
}

struct _PdCapture
{
  GObject parent_instance;

  /* Owned references */
  PdSourceSpec *source;
  char         *evidence_root;
  char         *case_name;
  char         *parties;       /* "张三 v. 李四", NULL when not given */
  char         *dispute_type;  /* "private lending", NULL when not given */
  char         *scenario;
  char         *operator_name;
  char         *session_id;
  GstElement   *pipeline;
  GstElement   *hasher;           /* borrowed from pipeline */
  PdPackage    *package;
  GArray       *checkpoints;      /* of Checkpoint */
  GTask        *stop_task;
  GError       *failure;
  GDateTime    *started;
  GDateTime    *stopped;
  char         *encoder_name;
  GHashTable   *encoder_settings; /* char* → char* */

  guint64       checkpoint_interval;
  PdEncoderChoice encoder_choice;
  PdQuality     quality;
  int           fps;
  int           width, height;
  int           crop_right, crop_bottom;
  guint         bus_watch;
  guint         eos_timeout;
  CaptureState  state;
  gint          frames;           /* atomic: encoded frames */
  guint64       final_size;
  char         *final_sha256;

  /* Timestamping */
  PdTsaClient  *tsa;
  GCancellable *stamp_cancellable;
  guint         pending_stamps;
  guint         pending_timeout;
  gboolean      waiting_for_stamps;
  PdTsaToken   *recording_token;
  PdTsaToken   *manifest_token;

  /* Catalog (optional): session states before and after each step */
  PdCatalog    *catalog;
  char         *manifest_sha256;

  /* Preview, marks and checklist */
  gboolean      preview_enabled;
  GstElement   *preview_sink;     /* borrowed from pipeline */
  GstSample    *last_preview;
  GMutex        preview_lock;
  GstSample    *pending_preview;  /* guarded by preview_lock: newest frame from the streaming thread */
  PdOcrWorker  *ocr;              /* guarded by preview_lock: reads preview frames (optional) */
  GArray       *marks;            /* of Mark */
  JsonObject   *checklist_summary;
  JsonArray    *ocr_suggestions;  /* what the operator decided about OCR suggestions */

  /* Journal and recovery */
  JsonObject   *source_json;      /* built at start, or read back from the journal */
  JsonObject   *encoder_json;
  int           journal_fd;
  int           lock_fd;          /* recovery: holds the journal's lock */
  gboolean      recovered;
  char         *recovery_reason;
  JsonObject   *recovery_json;
  GPtrArray    *warnings;         /* of char*: things the user must know about the seal */
};

enum {
  SIGNAL_CHECKPOINT,
  SIGNAL_CHECKPOINT_STAMPED,
  SIGNAL_FAILED,
  SIGNAL_ENVIRONMENT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdCapture, pd_capture, G_TYPE_OBJECT)

static void        journal_append (PdCapture *self, JsonObject *event);
static JsonObject *journal_event  (const char *name);

/* Fault injection for the crash tests: PROOFDESK_CRASH_POINT=eos|stamping|manifest makes the
 * process kill itself there, exactly as a power cut would, so recovery is tested at each step
 * of sealing. Unset in normal use; it can only lose the process, never write anything. */
static void
crash_point (const char *name)
{
  const char *want = g_getenv ("PROOFDESK_CRASH_POINT");

  if (want != NULL && g_str_equal (want, name))
    raise (SIGKILL);
}

static void
checkpoint_clear (Checkpoint *cp)
{
  g_clear_pointer (&cp->sha256, g_free);
  g_clear_object (&cp->token);
  g_clear_pointer (&cp->stamp_error, g_free);
}

static void
pd_capture_dispose (GObject *object)
{
  PdCapture *self = PD_CAPTURE (object);

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_handle_id (&self->eos_timeout, g_source_remove);
  g_clear_handle_id (&self->pending_timeout, g_source_remove);
  if (self->stamp_cancellable)
    g_cancellable_cancel (self->stamp_cancellable);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_object (&self->pipeline);
  self->hasher = NULL;
  g_clear_object (&self->package);
  g_clear_object (&self->stop_task);
  g_clear_object (&self->tsa);
  g_clear_object (&self->catalog);
  g_clear_object (&self->stamp_cancellable);
  g_clear_object (&self->recording_token);
  g_clear_object (&self->manifest_token);
  G_OBJECT_CLASS (pd_capture_parent_class)->dispose (object);
}

static void
pd_capture_finalize (GObject *object)
{
  PdCapture *self = PD_CAPTURE (object);

  g_clear_pointer (&self->source, pd_source_spec_free);
  g_clear_pointer (&self->evidence_root, g_free);
  g_clear_pointer (&self->case_name, g_free);
  g_clear_pointer (&self->parties, g_free);
  g_clear_pointer (&self->dispute_type, g_free);
  g_clear_pointer (&self->scenario, g_free);
  g_clear_pointer (&self->operator_name, g_free);
  g_clear_pointer (&self->session_id, g_free);
  g_clear_pointer (&self->checkpoints, g_array_unref);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->stopped, g_date_time_unref);
  g_clear_pointer (&self->encoder_name, g_free);
  g_clear_pointer (&self->encoder_settings, g_hash_table_unref);
  g_clear_pointer (&self->final_sha256, g_free);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->source_json, json_object_unref);
  g_clear_pointer (&self->marks, g_array_unref);
  g_clear_pointer (&self->manifest_sha256, g_free);
  g_clear_pointer (&self->checklist_summary, json_object_unref);
  g_clear_pointer (&self->last_preview, gst_sample_unref);
  g_clear_pointer (&self->pending_preview, gst_sample_unref);
  g_clear_object (&self->ocr);
  g_clear_pointer (&self->ocr_suggestions, json_array_unref);
  g_mutex_clear (&self->preview_lock);
  g_clear_pointer (&self->encoder_json, json_object_unref);
  g_clear_pointer (&self->recovery_json, json_object_unref);
  g_clear_pointer (&self->recovery_reason, g_free);
  if (self->journal_fd >= 0)
    close (self->journal_fd);
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_clear_error (&self->failure);
  G_OBJECT_CLASS (pd_capture_parent_class)->finalize (object);
}

static void
pd_capture_class_init (PdCaptureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_capture_dispose;
  object_class->finalize = pd_capture_finalize;

  /**
   * PdCapture::checkpoint:
   * @index: 1-based checkpoint number
   * @offset: bytes [0, offset) of recording.mp4 are covered
   * @sha256: hex SHA-256 of that prefix
   * @running_time: nanoseconds since recording started
   */
  signals[SIGNAL_CHECKPOINT] =
    g_signal_new ("checkpoint", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_UINT64);
  /**
   * PdCapture::checkpoint-stamped:
   * @index: the checkpoint
   * @error: (nullable): why it could not be stamped; NULL when its token arrived
   *
   * Stamping runs while recording continues; a slow or dead TSA never stalls it.
   */
  signals[SIGNAL_CHECKPOINT_STAMPED] =
    g_signal_new ("checkpoint-stamped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_ERROR);
  /**
   * PdCapture::failed:
   * @error: why recording stopped on its own (device gone, disk full, encoder error)
   *
   * What was written is sealed as a failed package; stop_async() then reports the error.
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * PdCapture::environment:
   * @when: "before" (emitted from pd_capture_start) or "after" (when recording stops)
   * @report: the phone's environment report as written into the manifest
   *
   * Phones only (adb and scrcpy sources). The checklist applies the report's checks.
   */
  signals[SIGNAL_ENVIRONMENT] =
    g_signal_new ("environment", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
}

static void
pd_capture_init (PdCapture *self)
{
  self->checkpoints = g_array_new (FALSE, TRUE, sizeof (Checkpoint));
  g_array_set_clear_func (self->checkpoints, (GDestroyNotify) checkpoint_clear);
  self->encoder_settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->stamp_cancellable = g_cancellable_new ();
  self->journal_fd = -1;
  self->lock_fd = -1;
  self->preview_enabled = TRUE;
  g_mutex_init (&self->preview_lock);
  self->marks = g_array_new (FALSE, TRUE, sizeof (Mark));
  g_array_set_clear_func (self->marks, (GDestroyNotify) mark_clear);
  self->ocr_suggestions = json_array_new ();
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->checkpoint_interval = 10 * GST_SECOND;
  self->fps = 30;
}

PdCapture *
pd_capture_new (const PdSourceSpec *source)
{
  PdCapture *self;

  g_return_val_if_fail (source != NULL, NULL);

  self = g_object_new (PD_TYPE_CAPTURE, NULL);
  self->source = pd_source_spec_copy (source);
  return self;
}

#define SETTER(field)                                                   \
  g_return_if_fail (PD_IS_CAPTURE (self));                              \
  g_return_if_fail (self->state == STATE_IDLE);                         \
  g_free (self->field);                                                 \
  self->field = g_strdup (value)

void pd_capture_set_evidence_root (PdCapture *self, const char *value) { SETTER (evidence_root); }
void pd_capture_set_case (PdCapture *self, const char *value) { SETTER (case_name); }
void pd_capture_set_parties (PdCapture *self, const char *value) { SETTER (parties); }
void pd_capture_set_dispute_type (PdCapture *self, const char *value) { SETTER (dispute_type); }
void pd_capture_set_scenario (PdCapture *self, const char *value) { SETTER (scenario); }
void pd_capture_set_operator (PdCapture *self, const char *value) { SETTER (operator_name); }
#undef SETTER

void
pd_capture_set_checkpoint_interval (PdCapture *self, guint64 ns)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  self->checkpoint_interval = ns;
}

void
pd_capture_set_tsa (PdCapture *self, PdTsaClient *tsa)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (self->state == STATE_IDLE);
  g_set_object (&self->tsa, tsa);
}

void
pd_capture_set_catalog (PdCapture *self, PdCatalog *catalog)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_set_object (&self->catalog, catalog);
}

void
pd_capture_set_quality (PdCapture *self, PdQuality quality)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (self->state == STATE_IDLE);
  self->quality = quality;
}

void
pd_capture_set_encoder (PdCapture *self, PdEncoderChoice choice)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  self->encoder_choice = choice;
}

void
pd_capture_set_framerate (PdCapture *self, int fps)
{
  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (fps > 0 && fps <= 120);
  self->fps = fps;
}

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

static JsonObject *copy_object (JsonObject *o);

/* adb sources: screenrecord restarted at its time limit, so the recording has no frames
 * between `before` and `after`. Each gap is journalled and listed in the manifest's
 * source.gaps: a court must see that the recording is not continuous there. */
static void
on_screenrecord_gap (PdScreenrecord *rec, gint64 before_us, gint64 after_us, guint64 before_rt,
                     guint64 after_rt, guint run, int status, gpointer user_data)
{
  PdCapture *self = user_data;
  JsonObject *gap = json_object_new ();
  JsonObject *e = journal_event ("gap");
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

  json_object_set_object_member (e, "gap", copy_object (gap));
  journal_append (self, e);
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

/* Phones, V4L2 devices and PipeWire streams. The bin's "pd-encoded" data marks a source whose
 * output is already H.264 (build_pipeline then muxes it as it is). */
static GstElement *
make_device_source (PdCapture *self, GstElement *bin, GError **error)
{
  PdSourceSpec *s = self->source;
  g_autofree char *scrcpy_device = NULL;
  const char *device_path = s->device_path;
  GstElement *src;

  switch (s->kind)
    {
    case PD_SOURCE_KIND_ADB:
      {
        g_autoptr (PdScreenrecord) rec = NULL;

        if (!pd_adb_check_device (s->serial, NULL, error))
          return NULL;
        rec = pd_screenrecord_new (s->serial);
        src = pd_screenrecord_get_element (rec);
        gst_bin_add (GST_BIN (bin), src);
        g_signal_connect_object (rec, "gap", G_CALLBACK (on_screenrecord_gap), self, 0);
        /* The pump (and its adb child) lives exactly as long as the pipeline. */
        g_object_set_data_full (G_OBJECT (bin), "pd-screenrecord", g_steal_pointer (&rec), g_object_unref);
        g_object_set_data (G_OBJECT (bin), "pd-encoded", GINT_TO_POINTER (TRUE));
        return src;
      }
    case PD_SOURCE_KIND_SCRCPY:
      {
        GSubprocess *proc;

        if (!pd_adb_check_device (s->serial, NULL, error))
          return NULL;
        if (!(scrcpy_device = pd_v4l2loopback_find_free (error)))
          return NULL;
        if (!(proc = pd_scrcpy_spawn (s->serial, scrcpy_device, error)))
          return NULL;
        g_object_set_data_full (G_OBJECT (bin), "pd-scrcpy", proc, subprocess_kill_and_unref);
        /* scrcpy needs a moment to connect and start writing frames to the loopback device. */
        g_usleep (2 * G_USEC_PER_SEC);
        device_path = scrcpy_device;
      }
      G_GNUC_FALLTHROUGH;
    case PD_SOURCE_KIND_V4L2:
      {
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
    case PD_SOURCE_KIND_PIPEWIRE:
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

  if (self->preview_enabled && decoder != NULL)
    {
      GstElement *tee, *pqueue, *pparse, *dec, *pconvert, *pscale, *pfilter, *appsink;
      g_autoptr (GstCaps) pcaps = gst_caps_from_string ("video/x-raw,format=BGRA,width=[2,1280],pixel-aspect-ratio=1/1");

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
      {
        GstAppSinkCallbacks callbacks = { NULL, NULL, on_preview_sample };
        gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, self, NULL);
      }
      if (!gst_element_link (source, tee) ||
          !gst_element_link_many (tee, pqueue, pparse, dec, pconvert, pscale, pfilter, appsink, NULL))
        {
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                       _("Could not connect the preview for this source."));
          return NULL;
        }
      self->preview_sink = appsink;
      source = tee;
    }

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

static GstElement *
build_pipeline (PdCapture *self, const char *location, GError **error)
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

  if (self->preview_enabled)
    {
      /* A leaky side branch: preview frames may drop, the recording branch never does. */
      GstElement *tee, *pqueue, *pconvert, *pscale, *pfilter, *appsink;
      g_autoptr (GstCaps) pcaps = NULL;
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
      {
        GstAppSinkCallbacks callbacks = { NULL, NULL, on_preview_sample };
        gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, self, NULL);
      }
      if (!gst_element_link (source, tee) ||
          !gst_element_link_many (tee, pqueue, pconvert, pscale, pfilter, appsink, NULL))
        {
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                       _("Could not connect the preview for this source."));
          return NULL;
        }
      self->preview_sink = appsink;
      source = tee;
    }

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

/* ---------------------------------------------------------------- stamping while recording */

typedef struct
{
  PdCapture *self;
  guint      index;
} StampClosure;

static Checkpoint *
find_checkpoint (PdCapture *self, guint index)
{
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      if (cp->index == index)
        return cp;
    }
  return NULL;
}

static void continue_seal (PdCapture *self);

static void
on_checkpoint_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StampClosure *c = user_data;
  PdCapture *self = c->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  Checkpoint *cp = find_checkpoint (self, c->index);

  if (cp != NULL && token != NULL)
    {
      /* Written at once, so a crash keeps every token already received. */
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
      g_autoptr (GError) write_error = NULL;
      g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));

      if (pd_package_write_file (self->package, name, pd_tsa_token_get_response_der (token), &write_error))
        {
          JsonObject *e = journal_event ("stamped");

          cp->token = g_object_ref (token);
          json_object_set_int_member (e, "index", cp->index);
          json_object_set_string_member (e, "token", name);
          json_object_set_string_member (e, "gen_time", gen_time);
          journal_append (self, e);
        }
      else
        {
          cp->stamp_error = g_strdup (write_error->message);
          error = g_steal_pointer (&write_error);
        }
    }
  else if (cp != NULL)
    {
      JsonObject *e = journal_event ("stamp-failed");

      cp->stamp_error = g_strdup (error->message);
      json_object_set_int_member (e, "index", cp->index);
      json_object_set_string_member (e, "error", error->message);
      journal_append (self, e);
    }
  g_signal_emit (self, signals[SIGNAL_CHECKPOINT_STAMPED], 0, c->index, error);

  self->pending_stamps--;
  if (self->pending_stamps == 0 && self->waiting_for_stamps)
    {
      self->waiting_for_stamps = FALSE;
      g_clear_handle_id (&self->pending_timeout, g_source_remove);
      continue_seal (self);
    }
  g_object_unref (self);
  g_free (c);
}

static void
stamp_checkpoint (PdCapture *self, Checkpoint *cp)
{
  guint8 digest[PD_SHA256_LEN];
  StampClosure *c;

  if (!pd_hex_decode (cp->sha256, digest, sizeof digest))
    {
      cp->stamp_error = g_strdup ("bad digest");
      return;
    }
  c = g_new0 (StampClosure, 1);
  c->self = g_object_ref (self);
  c->index = cp->index;
  self->pending_stamps++;
  pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest,
                             self->stamp_cancellable, on_checkpoint_stamped, c);
}

/* ---------------------------------------------------------------- sealing */

static void
fsync_path (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static JsonObject *
source_to_json (PdCapture *self)
{
  JsonObject *o = json_object_new ();
  g_autofree char *desc = pd_source_spec_describe (self->source);
  PdSourceSpec *s = self->source;

  static const char * const kinds[] = { "test", "x11", "adb", "v4l2", "scrcpy", "pipewire" };

  json_object_set_string_member (o, "kind", kinds[s->kind]);
  json_object_set_string_member (o, "description", desc);
  if (s->kind == PD_SOURCE_KIND_X11)
    {
      const char *display = s->display ? s->display : g_getenv ("DISPLAY");

      json_object_set_string_member (o, "display", display ? display : "");
      if (s->xid != 0)
        {
          g_autofree char *xid = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", s->xid);
          json_object_set_string_member (o, "window", xid);
        }
      if (s->has_region)
        {
          JsonArray *r = json_array_new ();

          json_array_add_int_element (r, s->x);
          json_array_add_int_element (r, s->y);
          json_array_add_int_element (r, s->width);
          json_array_add_int_element (r, s->height);
          json_object_set_array_member (o, "region", r);
        }
    }
  if (s->serial)
    json_object_set_string_member (o, "serial", s->serial);
  if (s->device_path)
    json_object_set_string_member (o, "device", s->device_path);
  if (s->pipewire_node)
    json_object_set_string_member (o, "pipewire_node", s->pipewire_node);
  /* adb sources: screenrecord restarts (its 180 s limit) leave gaps, listed as they happen. */
  if (s->kind == PD_SOURCE_KIND_ADB)
    json_object_set_array_member (o, "gaps", json_array_new ());
  return o;
}

static JsonObject *
token_to_json (PdTsaToken *token, const char *file_name)
{
  JsonObject *o = json_object_new ();
  g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));

  json_object_set_string_member (o, "file", file_name);
  json_object_set_string_member (o, "gen_time", gen_time);
  json_object_set_string_member (o, "serial", pd_tsa_token_get_serial (token));
  return o;
}

static JsonObject *
copy_object (JsonObject *o)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) copy = NULL;

  if (o == NULL)
    return json_object_new ();
  node = json_node_init_object (json_node_alloc (), o);
  copy = json_node_copy (node);
  return json_object_ref (json_node_get_object (copy));
}

static JsonObject *
encoder_to_json (PdCapture *self)
{
  JsonObject *enc = json_object_new ();
  JsonObject *settings = json_object_new ();
  g_autofree char *framerate = g_strdup_printf ("%d/1", self->fps);
  GHashTableIter iter;
  gpointer key, value;

  json_object_set_string_member (enc, "element", self->encoder_name);
  g_hash_table_iter_init (&iter, self->encoder_settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_string_member (settings, key, value);
  json_object_set_object_member (enc, "settings", settings);
  json_object_set_string_member (enc, "muxer", "mp4mux");
  json_object_set_int_member (enc, "fragment_duration_ms", 1000);
  json_object_set_int_member (enc, "width", self->width);
  json_object_set_int_member (enc, "height", self->height);
  json_object_set_string_member (enc, "framerate", framerate);
  return enc;
}

/* ---------------------------------------------------------------- journal
 *
 * journal.jsonl is appended (and fsynced) while recording: the session's facts at start, each
 * checkpoint, each checkpoint token as it arrives (the token file is written at once), and the
 * stop. After a crash it is what recovery seals the package from; afterwards it stays in the
 * package, listed in the manifest, as the record of how the capture went. */

static void
journal_append (PdCapture *self, JsonObject *event)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), event);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *line = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = pd_time_format_utc (now);
  gsize len;

  json_object_unref (event);
  if (self->journal_fd < 0)
    return;
  json_object_set_string_member (json_node_get_object (node), "time", time);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  line = g_strconcat (text, "\n", NULL);
  len = strlen (line);
  if (write (self->journal_fd, line, len) != (ssize_t) len || fdatasync (self->journal_fd) != 0)
    g_debug ("journal write failed: %s", g_strerror (errno));
}

static JsonObject *
journal_event (const char *name)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "event", name);
  return o;
}

static gboolean
journal_open (PdCapture *self, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *started = pd_time_format_utc (self->started);
  JsonObject *e;

  path = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
  self->journal_fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->journal_fd < 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO, _("Cannot create “%s”: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }
  /* Held until the process ends: recovery skips a journal that is locked (still recording). */
  flock (self->journal_fd, LOCK_EX | LOCK_NB);
  e = journal_event ("start");
  json_object_set_string_member (e, "session", self->session_id);
  json_object_set_string_member (e, "case", self->case_name ? self->case_name : "");
  if (self->parties)
    json_object_set_string_member (e, "parties", self->parties);
  if (self->dispute_type)
    json_object_set_string_member (e, "dispute_type", self->dispute_type);
  json_object_set_string_member (e, "scenario", self->scenario ? self->scenario : "");
  json_object_set_string_member (e, "operator", self->operator_name ? self->operator_name : g_get_real_name ());
  json_object_set_string_member (e, "started", started);
  json_object_set_object_member (e, "source", copy_object (self->source_json));
  json_object_set_object_member (e, "encoder", copy_object (self->encoder_json));
  if (self->tsa)
    json_object_set_string_member (e, "tsa", pd_tsa_client_get_url (self->tsa));
  journal_append (self, e);
  return TRUE;
}

static void
journal_close (PdCapture *self)
{
  if (self->journal_fd < 0)
    return;
  journal_append (self, journal_event ("stop"));
  close (self->journal_fd);
  self->journal_fd = -1;
}

/* SHA-256 fingerprint (AA:BB:…) of the last certificate in a PEM chain: the root that
 * `-CAfile tsa-chain.pem` trusts, so VERIFY.txt can say which root to compare. */
static char *
chain_root_fingerprint (const char *pem)
{
  g_autoptr (BIO) bio = BIO_new_mem_buf (pem, -1);
  g_autoptr (X509) last = NULL;
  X509 *cert;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *out;

  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      g_clear_pointer (&last, X509_free);
      last = cert;
    }
  ERR_clear_error ();
  if (last == NULL || !X509_digest (last, EVP_sha256 (), md, &len))
    return NULL;
  out = g_string_new (NULL);
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (out, FALSE);
}

static const char *
manifest_state (PdCapture *self)
{
  if (self->failure)
    return "failed";
  if (self->recovered)
    return "recovered";
  /* No token yet (TSA down, or none chosen): `proofctl stamp --pending` can stamp it later. */
  if (self->recording_token == NULL)
    return "awaiting-stamp";
  return "stamped";
}

static void
fill_manifest (PdCapture *self, const char *digest_source)
{
  JsonObject *m = pd_package_get_manifest (self->package);
  JsonObject *app = json_object_new ();
  JsonObject *enc = copy_object (self->encoder_json);
  JsonObject *rec = json_object_new ();
  int width = g_atomic_int_get (&self->width), height = g_atomic_int_get (&self->height);
  JsonArray *cps = json_array_new ();
  g_autofree char *started = pd_time_format_utc (self->started);
  g_autofree char *stopped = pd_time_format_utc (self->stopped);

  /* A phone's own H.264 tells its size only once it flows (see encoded_caps_probe). */
  if (!self->recovered && width > 0 && height > 0 && json_object_get_int_member_with_default (enc, "width", 0) == 0)
    {
      json_object_set_int_member (enc, "width", width);
      json_object_set_int_member (enc, "height", height);
    }
  json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
  json_object_set_int_member (m, "format_version", PD_MANIFEST_FORMAT_VERSION);
  json_object_set_string_member (m, "session", self->session_id);
  json_object_set_string_member (m, "state", manifest_state (self));
  if (self->failure)
    json_object_set_string_member (m, "failure", self->failure->message);
  if (self->recovered)
    {
      json_object_set_boolean_member (m, "recovered", TRUE);
      json_object_set_object_member (m, "recovery", copy_object (self->recovery_json));
    }
  json_object_set_string_member (m, "case", self->case_name ? self->case_name : "");
  if (self->parties)
    json_object_set_string_member (m, "parties", self->parties);
  if (self->dispute_type)
    json_object_set_string_member (m, "dispute_type", self->dispute_type);
  json_object_set_string_member (m, "scenario", self->scenario ? self->scenario : "");
  json_object_set_string_member (m, "operator", self->operator_name ? self->operator_name : g_get_real_name ());
  json_object_set_string_member (m, "host", g_get_host_name ());
  json_object_set_string_member (app, "name", "Proofdesk");
  json_object_set_string_member (app, "version", PACKAGE_VERSION);
  json_object_set_object_member (m, "app", app);
  json_object_set_object_member (m, "source", copy_object (self->source_json));
  json_object_set_string_member (m, "started", started);
  json_object_set_string_member (m, "stopped", stopped);
  json_object_set_double_member (m, "duration_seconds",
                                 g_date_time_difference (self->stopped, self->started) / 1e6);

  json_object_set_int_member (enc, "frames", g_atomic_int_get (&self->frames));
  json_object_set_object_member (m, "encoder", enc);

  json_object_set_string_member (rec, "name", PD_RECORDING_NAME);
  json_object_set_int_member (rec, "size", (gint64) self->final_size);
  json_object_set_string_member (rec, "sha256", self->final_sha256);
  json_object_set_string_member (rec, "digest_source", digest_source);
  if (self->recording_token)
    {
      json_object_set_string_member (rec, "token", PD_RECORDING_TOKEN_NAME);
      json_object_set_object_member (rec, "timestamp",
                                     token_to_json (self->recording_token, PD_RECORDING_TOKEN_NAME));
    }
  json_object_set_object_member (m, "recording", rec);

  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      JsonObject *o = json_object_new ();
      g_autoptr (GDateTime) wall = pd_time_from_unix_usec (cp->wall_time_us);
      g_autofree char *wall_s = pd_time_format_utc (wall);
      g_autofree char *stream_s = pd_format_stream_time (cp->running_time);

      json_object_set_int_member (o, "index", cp->index);
      json_object_set_int_member (o, "offset", (gint64) cp->offset);
      json_object_set_string_member (o, "sha256", cp->sha256);
      json_object_set_int_member (o, "running_time_ns", (gint64) cp->running_time);
      json_object_set_string_member (o, "stream_time", stream_s);
      json_object_set_string_member (o, "wall_time", wall_s);
      if (cp->token)
        {
          g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
          g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (cp->token));

          json_object_set_string_member (o, "token", name);
          json_object_set_string_member (o, "gen_time", gen_time);
        }
      else if (self->tsa)
        json_object_set_string_member (o, "stamp_error", cp->stamp_error ? cp->stamp_error
                                                                         : "not stamped");
      json_array_add_object_element (cps, o);
    }
  json_object_set_array_member (m, "checkpoints", cps);
  {
    JsonArray *marks = json_array_new ();

    for (guint i = 0; i < self->marks->len; i++)
      {
        Mark *mk = &g_array_index (self->marks, Mark, i);
        JsonObject *o = json_object_new ();
        g_autoptr (GDateTime) wall = pd_time_from_unix_usec (mk->wall_time_us);
        g_autofree char *wall_s = pd_time_format_utc (wall);
        g_autofree char *stream_s = pd_format_stream_time (mk->running_time);

        json_object_set_int_member (o, "id", mk->id);
        json_object_set_string_member (o, "item", mk->item_id);
        json_object_set_string_member (o, "title", mk->title ? mk->title : mk->item_id);
        if (mk->note)
          json_object_set_string_member (o, "note", mk->note);
        json_object_set_string_member (o, "stream_time", stream_s);
        json_object_set_int_member (o, "running_time_ns", (gint64) mk->running_time);
        json_object_set_string_member (o, "wall_time", wall_s);
        if (mk->still)
          json_object_set_string_member (o, "still", mk->still);
        json_object_set_boolean_member (o, "undone", mk->undone_us != 0);
        if (mk->undone_us != 0)
          {
            g_autoptr (GDateTime) u = pd_time_from_unix_usec (mk->undone_us);
            g_autofree char *u_s = pd_time_format_utc (u);
            json_object_set_string_member (o, "undone_at", u_s);
          }
        json_array_add_object_element (marks, o);
      }
    json_object_set_array_member (m, "marks", marks);
    /* What the operator did with OCR suggestions: hints, never evidence by themselves. */
    if (json_array_get_length (self->ocr_suggestions) > 0)
      {
        JsonArray *ocr = json_array_new ();

        for (guint i = 0; i < json_array_get_length (self->ocr_suggestions); i++)
          json_array_add_object_element (
            ocr, copy_object (json_array_get_object_element (self->ocr_suggestions, i)));
        json_object_set_array_member (m, "ocr_suggestions", ocr);
      }
    if (self->checklist_summary)
      json_object_set_object_member (m, "checklist", copy_object (self->checklist_summary));
  }

  if (self->tsa)
    {
      JsonObject *ts = json_object_new ();
      JsonObject *auth = json_object_new ();
      PdTsaToken *any = self->recording_token;

      for (guint i = 0; any == NULL && i < self->checkpoints->len; i++)
        any = g_array_index (self->checkpoints, Checkpoint, i).token;
      json_object_set_string_member (auth, "url", pd_tsa_client_get_url (self->tsa));
      json_object_set_boolean_member (auth, "practice", pd_tsa_client_is_practice (self->tsa));
      if (any)
        {
          json_object_set_string_member (auth, "name", pd_tsa_token_get_tsa_name (any));
          if (pd_tsa_token_get_policy (any))
            json_object_set_string_member (auth, "policy", pd_tsa_token_get_policy (any));
        }
      if (pd_tsa_client_is_practice (self->tsa))
        json_object_set_string_member (auth, "notice",
                                       "Practice authority built into Proofdesk: not for court.");
      {
        g_autofree char *chain = pd_tsa_client_get_chain_pem (self->tsa);
        g_autofree char *fp = chain ? chain_root_fingerprint (chain) : NULL;

        if (fp)
          json_object_set_string_member (auth, "root_sha256_fingerprint", fp);
      }
      json_object_set_object_member (ts, "authority", auth);
      json_object_set_string_member (ts, "chain", PD_TSA_CHAIN_NAME);
      json_object_set_string_member (ts, "manifest_token", PD_MANIFEST_TOKEN_NAME);
      if (self->recording_token)
        {
          gint64 skew = pd_tsa_token_get_clock_skew (self->recording_token);
          json_object_set_double_member (ts, "clock_skew_seconds", skew / 1e6);
        }
      json_object_set_object_member (m, "timestamps", ts);
    }
}

static void
add_warning (PdCapture *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (PdCapture *self, const char *format, ...)
{
  va_list args;

  /* Drop the NULL terminator pd_capture_get_warnings() may have added. */
  if (self->warnings->len > 0 && g_ptr_array_index (self->warnings, self->warnings->len - 1) == NULL)
    g_ptr_array_set_size (self->warnings, self->warnings->len - 1);
  va_start (args, format);
  g_ptr_array_add (self->warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* The catalog never decides whether a recording survives: its failures become warnings. */
static void
catalog_state (PdCapture *self, const char *state, const char *reason)
{
  g_autoptr (GError) error = NULL;

  if (self->catalog == NULL || self->session_id == NULL)
    return;
  if (!pd_catalog_session_set_state (self->catalog, self->session_id, state, reason, &error))
    add_warning (self, _("The catalog could not record the session state: %s"), error->message);
}

static void return_result (PdCapture *self, GError *error);

typedef struct
{
  PdCapture *self;
  GError    *error;
} AuditWait;

static void
on_audit_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuditWait *w = user_data;
  g_autoptr (GError) error = NULL;

  if (!pd_catalog_audit_stamp_head_finish (PD_CATALOG (source), result, &error))
    g_debug ("audit head not stamped: %s", error->message);
  return_result (w->self, w->error);
  g_object_unref (w->self);
  g_free (w);
}

/* Returns TRUE when the audit head is being stamped and the result will follow from there. */
static gboolean
catalog_seal_done (PdCapture *self, GError *error)
{
  g_autoptr (GError) local_error = NULL;
  JsonObject *m;

  if (self->catalog == NULL || self->session_id == NULL)
    return FALSE;
  m = self->package ? pd_package_get_manifest (self->package) : NULL;
  if (error != NULL || m == NULL || self->manifest_sha256 == NULL)
    {
      catalog_state (self, PD_SESSION_STATE_FAILED,
                     error ? error->message : self->failure ? self->failure->message : NULL);
      return FALSE;
    }
  if (!pd_catalog_session_record_package (self->catalog, self->session_id, m, self->manifest_sha256,
                                          &local_error))
    add_warning (self, _("The catalog could not record the package: %s"), local_error->message);
  catalog_state (self, manifest_state (self) ,
                 self->failure ? self->failure->message
                 : self->recovered ? self->recovery_reason
                 : self->recording_token == NULL && self->tsa ? _("The timestamp authority could not be reached.")
                 : NULL);
  /* Each session's end fixes the audit log's head with the TSA too; the result waits for it,
   * so nothing is still in flight when the caller (or the process) moves on. */
  if (self->tsa)
    {
      AuditWait *w = g_new0 (AuditWait, 1);

      w->self = g_object_ref (self);
      w->error = error;
      pd_catalog_audit_stamp_head_async (self->catalog, self->tsa, NULL, on_audit_stamped, w);
      return TRUE;
    }
  return FALSE;
}

static void
seal_complete (PdCapture *self, GError *error)
{
  if (catalog_seal_done (self, error))
    return;
  return_result (self, error);
}

static void
return_result (PdCapture *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->stop_task);

  self->state = STATE_DONE;
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (self->failure != NULL)
    g_task_return_error (task, g_error_copy (self->failure));
  else
    g_task_return_pointer (task, g_object_ref (self->package), g_object_unref);
}

static void
on_manifest_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapture) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) write_error = NULL;

  self->manifest_token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (self->manifest_token == NULL)
    add_warning (self, _("The manifest could not be timestamped: %s"), error->message);
  else
    {
      g_autofree char *path = g_build_filename (pd_package_get_path (self->package),
                                                PD_MANIFEST_TOKEN_NAME, NULL);
      GBytes *der = pd_tsa_token_get_response_der (self->manifest_token);

      if (!pd_write_file_once (path, g_bytes_get_data (der, NULL), g_bytes_get_size (der), &write_error))
        {
          seal_complete (self, g_steal_pointer (&write_error));
          return;
        }
    }
  /* The certificate a person reads: written last, it embeds both tokens. */
  if (!pd_seal_write_certificate (self->package, self->recording_token, self->manifest_token, &write_error))
    add_warning (self, _("The certificate could not be written: %s"), write_error->message);
  seal_complete (self, NULL);
}

/* Everything is known: write the tokens, the chain, VERIFY.txt and the manifest, then stamp
 * the manifest. Files are written once; the manifest lists all of them but itself. */
static void
write_package (PdCapture *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) manifest = NULL;

  if (self->tsa)
    {
      g_autofree char *chain = pd_tsa_client_get_chain_pem (self->tsa);

      /* Checkpoint tokens were written as they arrived. */
      if (self->recording_token &&
          !pd_package_write_file (self->package, PD_RECORDING_TOKEN_NAME,
                                  pd_tsa_token_get_response_der (self->recording_token), &error))
        goto fail;
      if (chain != NULL)
        {
          g_autoptr (GBytes) b = g_bytes_new (chain, strlen (chain));
          if (!pd_package_write_file (self->package, PD_TSA_CHAIN_NAME, b, &error))
            goto fail;
        }
    }

  fill_manifest (self, json_object_get_string_member_with_default (
                         pd_package_get_manifest (self->package), "_digest_source", "inline"));
  json_object_remove_member (pd_package_get_manifest (self->package), "_digest_source");
  {
    g_autofree char *text = pd_package_build_verify_text (pd_package_get_manifest (self->package));
    g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));

    if (!pd_package_write_file (self->package, PD_VERIFY_TEXT_NAME, b, &error))
      goto fail;
  }

  manifest = pd_package_write_manifest (self->package, &error);
  if (manifest == NULL)
    goto fail;
  self->manifest_sha256 = pd_sha256_bytes (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest));
  crash_point ("manifest");

  if (self->tsa && self->recording_token)
    {
      guint8 digest[PD_SHA256_LEN];
      unsigned int len = 0;

      EVP_Digest (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest), digest, &len,
                  EVP_sha256 (), NULL);
      pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL,
                                 on_manifest_stamped, g_object_ref (self));
      return;
    }
  seal_complete (self, NULL);
  return;

fail:
  seal_complete (self, g_steal_pointer (&error));
}

static void
on_recording_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapture) self = user_data;
  g_autoptr (GError) error = NULL;

  self->recording_token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (self->recording_token == NULL)
    add_warning (self, _("The recording could not be timestamped (%s); it is sealed locally and waits for a timestamp."),
                 error->message);
  write_package (self);
}

/* Checkpoint stamps are all in (or given up on): stamp the recording's digest. */
static void
continue_seal (PdCapture *self)
{
  guint8 digest[PD_SHA256_LEN];
  guint missing = 0;

  for (guint i = 0; i < self->checkpoints->len; i++)
    if (g_array_index (self->checkpoints, Checkpoint, i).token == NULL)
      missing++;
  if (missing > 0)
    add_warning (self, ngettext ("%u checkpoint could not be timestamped.",
                                 "%u checkpoints could not be timestamped.", missing), missing);

  if (!pd_hex_decode (self->final_sha256, digest, sizeof digest))
    {
      write_package (self);
      return;
    }
  crash_point ("stamping");
  pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL,
                             on_recording_stamped, g_object_ref (self));
}

static gboolean
on_pending_timeout (gpointer user_data)
{
  PdCapture *self = user_data;

  /* A TSA that has not answered a checkpoint by now will not: seal without it. */
  self->pending_timeout = 0;
  g_cancellable_cancel (self->stamp_cancellable);
  return G_SOURCE_REMOVE;
}

/* Runs once, after the pipeline is in NULL: checks what is on disk, then seals it. */
static void
begin_seal (PdCapture *self)
{
  g_autofree char *rec_path = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  JsonObject *m = pd_package_get_manifest (self->package);
  GStatBuf st;

  if (self->stopped == NULL)
    self->stopped = g_date_time_new_now_utc ();
  journal_close (self);

  if (g_stat (rec_path, &st) != 0 || st.st_size == 0)
    {
      /* Nothing recorded: leave nothing that looks like a package. */
      g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);

      g_cancellable_cancel (self->stamp_cancellable);
      g_unlink (rec_path);
      g_unlink (journal);
      pd_package_discard_if_empty (self->package);
      seal_complete (self, g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE, "%s",
                                        self->failure ? self->failure->message
                                                      : _("Nothing was recorded.")));
      return;
    }
  fsync_path (rec_path);

  json_object_set_string_member (m, "_digest_source", self->recovered ? "read-back" : "inline");
  if (self->final_sha256 == NULL || self->final_size != (guint64) st.st_size)
    {
      /* The inline hash is missing (the pipeline failed) or does not cover the file: hash what
       * is on disk instead and say so; the package is marked failed. */
      g_autoptr (GError) error = NULL;

      g_clear_pointer (&self->final_sha256, g_free);
      self->final_sha256 = pd_sha256_file (rec_path, &self->final_size, NULL, &error);
      if (self->final_sha256 == NULL)
        {
          seal_complete (self, g_steal_pointer (&error));
          return;
        }
      json_object_set_string_member (m, "_digest_source", "read-back");
      if (self->failure == NULL)
        self->failure = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                                     _("The inline hash did not cover the whole file."));
    }
  pd_package_add_file_entry (self->package, PD_RECORDING_NAME, self->final_size, self->final_sha256);
  {
    g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
    g_autofree char *sha = NULL;
    guint64 size = 0;

    fsync_path (journal);
    sha = pd_sha256_file (journal, &size, NULL, NULL);
    if (sha != NULL)
      pd_package_add_file_entry (self->package, PD_JOURNAL_NAME, size, sha);
  }

  if (self->tsa == NULL)
    {
      write_package (self);
      return;
    }
  if (self->pending_stamps > 0)
    {
      guint timeout = PD_TSA_DEFAULT_TIMEOUT + 5;

      self->waiting_for_stamps = TRUE;
      self->pending_timeout = g_timeout_add_seconds (timeout, on_pending_timeout, self);
      return;
    }
  continue_seal (self);
}

/* Phone sources: the environment report (checklist items env.*) taken before recording
 * and after it, stored in the manifest as "environment": {"before": …, "after": …} and in
 * the journal. A report that cannot be taken is a warning, never a reason not to record.
 * Blocking: a few adb round trips. */
static void
capture_environment (PdCapture *self, const char *which)
{
  JsonObject *m = pd_package_get_manifest (self->package);
  g_autoptr (GError) error = NULL;
  JsonObject *report;
  JsonObject *env;
  JsonObject *e;

  if ((self->source->kind != PD_SOURCE_KIND_ADB && self->source->kind != PD_SOURCE_KIND_SCRCPY) ||
      self->recovered)
    return;
  report = pd_env_report_collect (self->source->serial, self->scenario, NULL, &error);
  if (report == NULL)
    {
      add_warning (self, _("The phone's environment report (%s recording) could not be taken: %s"),
                   g_str_equal (which, "before") ? _("before") : _("after"), error->message);
      report = json_object_new ();
      json_object_set_string_member (report, "error", error->message);
    }
  if (!json_object_has_member (m, "environment"))
    json_object_set_object_member (m, "environment", json_object_new ());
  env = json_object_get_object_member (m, "environment");
  e = journal_event ("environment");
  json_object_set_string_member (e, "when", which);
  json_object_set_object_member (e, "report", copy_object (report));
  journal_append (self, e);
  json_object_set_object_member (env, which, report);
  g_signal_emit (self, signals[SIGNAL_ENVIRONMENT], 0, which, report);
}

static void
finish_stop (PdCapture *self)
{
  crash_point ("eos");
  g_clear_handle_id (&self->eos_timeout, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  self->state = STATE_SEALING;
  catalog_state (self, PD_SESSION_STATE_SEALING, NULL);
  /* Hook: the phone's environment after recording (adb sources only). */
  capture_environment (self, "after");
  begin_seal (self);
}

static void
handle_failure (PdCapture *self, GError *error)
{
  if (self->failure == NULL)
    self->failure = g_error_copy (error);
  /* Seal what was written even if nobody asked to stop; stop_async() picks up the result. */
  finish_stop (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

static gboolean
on_eos_timeout (gpointer user_data)
{
  PdCapture *self = user_data;
  g_autoptr (GError) error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                                          _("The recording did not finish within %d seconds of stopping."),
                                          EOS_TIMEOUT_SECONDS);

  self->eos_timeout = 0;
  handle_failure (self, error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  PdCapture *self = user_data;

  switch (GST_MESSAGE_TYPE (msg))
    {
    case GST_MESSAGE_ELEMENT:
      {
        const GstStructure *s = gst_message_get_structure (msg);

        if (GST_MESSAGE_SRC (msg) != GST_OBJECT (self->hasher))
          break;
        if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_CHECKPOINT))
          {
            Checkpoint cp = { 0 };

            gst_structure_get_uint (s, "index", &cp.index);
            gst_structure_get_uint64 (s, "offset", &cp.offset);
            gst_structure_get_uint64 (s, "running-time", &cp.running_time);
            cp.sha256 = g_strdup (gst_structure_get_string (s, "sha256"));
            cp.wall_time_us = g_get_real_time ();
            g_array_append_val (self->checkpoints, cp);
            {
              JsonObject *e = journal_event ("checkpoint");

              json_object_set_int_member (e, "index", cp.index);
              json_object_set_int_member (e, "offset", (gint64) cp.offset);
              json_object_set_string_member (e, "sha256", cp.sha256);
              json_object_set_int_member (e, "running_time_ns", (gint64) cp.running_time);
              json_object_set_int_member (e, "wall_time_us", cp.wall_time_us);
              journal_append (self, e);
            }
            g_signal_emit (self, signals[SIGNAL_CHECKPOINT], 0, cp.index, cp.offset, cp.sha256,
                           cp.running_time);
            if (self->tsa != NULL)
              stamp_checkpoint (self, &g_array_index (self->checkpoints, Checkpoint,
                                                      self->checkpoints->len - 1));
          }
        else if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_FINAL))
          {
            gst_structure_get_uint64 (s, "size", &self->final_size);
            g_free (self->final_sha256);
            self->final_sha256 = g_strdup (gst_structure_get_string (s, "sha256"));
          }
        break;
      }
    case GST_MESSAGE_EOS:
      if (self->stopped == NULL)
        self->stopped = g_date_time_new_now_utc ();
      self->bus_watch = 0;
      finish_stop (self);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) gst_error = NULL;
        g_autofree char *debug = NULL;
        g_autoptr (GError) error = NULL;

        gst_message_parse_error (msg, &gst_error, &debug);
        g_debug ("pipeline error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
                 gst_error->message, debug ? debug : "");
        if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
          error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                               _("Recording stopped: the disk is full."));
        else if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE))
          {
            /* GStreamer puts the system's reason (e.g. "File too large") only in the debug text. */
            const char *why = debug ? strrchr (debug, ':') : NULL;
            g_autofree char *reason = why ? g_strstrip (g_strdup (why + 1)) : NULL;

            error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                                 _("Recording stopped: the recording could not be written (%s)."),
                                 reason && *reason ? reason : gst_error->message);
          }
        else
          error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                               _("Recording stopped: %s"), gst_error->message);
        if (self->stopped == NULL)
          self->stopped = g_date_time_new_now_utc ();
        self->bus_watch = 0;
        handle_failure (self, error);
        return G_SOURCE_REMOVE;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

gboolean
pd_capture_start (PdCapture *self, GError **error)
{
  g_autofree char *root = NULL;
  g_autofree char *location = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstStateChangeReturn ret;

  g_return_val_if_fail (PD_IS_CAPTURE (self), FALSE);

  if (self->state != STATE_IDLE)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("This capture has already been started."));
      return FALSE;
    }

  /* Build first: a bad source or missing encoder must fail before any folder exists. */
  pipeline = build_pipeline (self, "/dev/null", error);
  if (pipeline == NULL)
    return FALSE;

  root = self->evidence_root ? g_strdup (self->evidence_root) : pd_default_evidence_root ();
  self->started = g_date_time_new_now_utc ();
  self->package = pd_package_create (root, self->case_name, self->scenario, self->started, error);
  if (self->package == NULL)
    return FALSE;
  self->session_id = g_uuid_string_random ();
  self->source_json = source_to_json (self);
  self->encoder_json = encoder_to_json (self);
  location = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  /* filesink would create the file with the umask's mode: make it 0600 first. */
  if (!pd_write_file_once (location, "", 0, error))
    {
      pd_package_discard_if_empty (self->package);
      return FALSE;
    }
  if (!journal_open (self, error))
    {
      g_unlink (location);
      pd_package_discard_if_empty (self->package);
      return FALSE;
    }
  /* Hook: the phone's environment before recording (adb sources only). */
  capture_environment (self, "before");
  {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    g_object_set (sink, "location", location, NULL);
    gst_object_unref (sink);
  }

  if (self->catalog)
    {
      g_autoptr (GError) cat_error = NULL;
      g_autofree char *desc = pd_source_spec_describe (self->source);

      if (self->case_name && self->case_name[0] && (self->parties || self->dispute_type) &&
          pd_catalog_ensure_case (self->catalog, self->case_name, self->parties,
                                  self->dispute_type, &cat_error) < 0)
        {
          add_warning (self, _("The catalog could not record the case: %s"), cat_error->message);
          g_clear_error (&cat_error);
        }
      if (!pd_catalog_session_create (self->catalog, self->session_id, self->case_name, self->scenario,
                                      desc, pd_package_get_path (self->package), self->started,
                                      &cat_error))
        add_warning (self, _("The catalog could not record the session: %s"), cat_error->message);
    }

  self->pipeline = g_steal_pointer (&pipeline);
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  self->state = STATE_RECORDING;

  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_autoptr (GError) gst_error = NULL;

      if (msg)
        gst_message_parse_error (msg, &gst_error, NULL);
      /* pipewiresrc says nothing useful when nothing links it to the node. */
      if (self->source->kind == PD_SOURCE_KIND_PIPEWIRE)
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                     _("Could not start recording: the PipeWire stream “%s” could not be connected "
                       "(no such node, not a video source, or no session manager such as WirePlumber)."),
                     self->source->pipewire_node);
      else
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                     _("Could not start recording: %s"),
                     gst_error ? gst_error->message : _("the pipeline refused to start"));
      g_clear_handle_id (&self->bus_watch, g_source_remove);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      self->state = STATE_DONE;
      if (self->failure == NULL)
        self->failure = g_error_copy (*error);
      begin_seal (self);
      return FALSE;
    }
  catalog_state (self, PD_SESSION_STATE_RECORDING, NULL);
  return TRUE;
}

void
pd_capture_stop_async (PdCapture *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (PD_IS_CAPTURE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_capture_stop_async);

  if (self->state == STATE_DONE)
    {
      if (self->failure)
        g_task_return_error (task, g_error_copy (self->failure));
      else if (self->package)
        g_task_return_pointer (task, g_object_ref (self->package), g_object_unref);
      else
        g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                                 _("Nothing is being recorded."));
      return;
    }
  if (self->state == STATE_SEALING && self->stop_task == NULL)
    {
      /* Recording failed on its own and the package is being sealed: report when done. */
      self->stop_task = g_steal_pointer (&task);
      return;
    }
  if (self->state != STATE_RECORDING)
    {
      g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                               _("Nothing is being recorded."));
      return;
    }

  self->state = STATE_STOPPING;
  self->stop_task = g_steal_pointer (&task);
  self->stopped = g_date_time_new_now_utc ();
  /* Never tear down before the final digest: EOS flows through the muxer and proofhash. */
  gst_element_send_event (self->pipeline, gst_event_new_eos ());
  self->eos_timeout = g_timeout_add_seconds (EOS_TIMEOUT_SECONDS, on_eos_timeout, self);
}

PdPackage *
pd_capture_stop_finish (PdCapture *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
pd_capture_is_recording (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), FALSE);
  return self->state == STATE_RECORDING;
}

guint64
pd_capture_get_bytes (PdCapture *self)
{
  guint64 bytes = 0;

  g_return_val_if_fail (PD_IS_CAPTURE (self), 0);
  if (self->hasher)
    g_object_get (self->hasher, "bytes", &bytes, NULL);
  return bytes;
}

guint64
pd_capture_get_frames (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), 0);
  return (guint64) g_atomic_int_get (&self->frames);
}

guint64
pd_capture_get_running_time (PdCapture *self)
{
  GstClockTime now, base;
  g_autoptr (GstClock) clock = NULL;

  g_return_val_if_fail (PD_IS_CAPTURE (self), 0);
  if (self->pipeline == NULL || self->state != STATE_RECORDING)
    return 0;
  clock = gst_element_get_clock (self->pipeline);
  if (clock == NULL)
    return 0;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (self->pipeline);
  return now > base ? now - base : 0;
}

const char *
pd_capture_get_encoder_name (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), NULL);
  return self->encoder_name;
}

const char * const *
pd_capture_get_warnings (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), NULL);
  if (self->warnings->len == 0 || g_ptr_array_index (self->warnings, self->warnings->len - 1) != NULL)
    g_ptr_array_add (self->warnings, NULL);
  return (const char * const *) self->warnings->pdata;
}

GstElement *
pd_capture_get_pipeline (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), NULL);
  return self->pipeline;
}

PdPackage *
pd_capture_get_package (PdCapture *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE (self), NULL);
  return self->package;
}

/* ---------------------------------------------------------------- recovery */

static gint64
obj_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n) : fallback;
}

/* Reads the journal line by line; a line cut short by the crash is ignored. */
static gboolean
load_journal (PdCapture *self, GError **error)
{
  g_autofree char *path = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean have_start = FALSE;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *e;
      const char *event;

      if (*lines[i] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      e = json_node_get_object (json_parser_get_root (parser));
      event = pd_json_string (e, "event");
      if (event == NULL)
        continue;

      if (g_str_equal (event, "start") && !have_start)
        {
          const char *started = pd_json_string (e, "started");
          JsonNode *src = json_object_get_member (e, "source");
          JsonNode *enc = json_object_get_member (e, "encoder");

          have_start = TRUE;
          self->session_id = g_strdup (pd_json_string (e, "session"));
          self->case_name = g_strdup (pd_json_string (e, "case"));
          self->parties = g_strdup (pd_json_string (e, "parties"));
          self->dispute_type = g_strdup (pd_json_string (e, "dispute_type"));
          self->scenario = g_strdup (pd_json_string (e, "scenario"));
          self->operator_name = g_strdup (pd_json_string (e, "operator"));
          self->started = started ? pd_time_parse (started) : NULL;
          if (src && JSON_NODE_HOLDS_OBJECT (src))
            self->source_json = copy_object (json_node_get_object (src));
          if (enc && JSON_NODE_HOLDS_OBJECT (enc))
            self->encoder_json = copy_object (json_node_get_object (enc));
        }
      else if (g_str_equal (event, "checkpoint"))
        {
          Checkpoint cp = { 0 };
          const char *sha = pd_json_string (e, "sha256");
          guint8 check[PD_SHA256_LEN];

          cp.index = (guint) obj_int (e, "index", 0);
          cp.offset = (guint64) obj_int (e, "offset", 0);
          cp.running_time = (guint64) obj_int (e, "running_time_ns", 0);
          cp.wall_time_us = obj_int (e, "wall_time_us", 0);
          if (cp.index == 0 || find_checkpoint (self, cp.index) || !pd_hex_decode (sha, check, sizeof check))
            continue;
          cp.sha256 = g_strdup (sha);
          g_array_append_val (self->checkpoints, cp);
        }
      else if (g_str_equal (event, "mark"))
        {
          Mark mk = { 0 };
          const char *still = pd_json_string (e, "still");

          mk.id = (guint) obj_int (e, "id", 0);
          if (mk.id != self->marks->len + 1 || pd_json_string (e, "item") == NULL)
            continue;
          mk.item_id = g_strdup (pd_json_string (e, "item"));
          mk.title = g_strdup (pd_json_string (e, "title"));
          mk.note = g_strdup (pd_json_string (e, "note"));
          mk.running_time = (guint64) obj_int (e, "running_time_ns", 0);
          mk.wall_time_us = obj_int (e, "wall_time_us", 0);
          /* Only a still inside stills/ with a plain name is taken back. */
          if (still && g_str_has_prefix (still, "stills/") && strchr (still + 7, '/') == NULL &&
              strstr (still, "..") == NULL)
            mk.still = g_strdup (still);
          g_array_append_val (self->marks, mk);
        }
      else if (g_str_equal (event, "ocr-suggestion"))
        {
          JsonNode *n = json_object_get_member (e, "suggestion");
          JsonObject *o = n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
          const char *decision = o ? pd_json_string (o, "decision") : NULL;

          if (o != NULL && pd_json_string (o, "item") != NULL && decision != NULL &&
              (g_str_equal (decision, "confirmed") || g_str_equal (decision, "dismissed")))
            json_array_add_object_element (self->ocr_suggestions, copy_object (o));
        }
      else if (g_str_equal (event, "gap") && self->source_json != NULL && pd_json_object (e, "gap"))
        {
          /* A court must see the gaps of a recovered phone recording as well. */
          if (pd_json_array (self->source_json, "gaps") == NULL)
            json_object_set_array_member (self->source_json, "gaps", json_array_new ());
          json_array_add_object_element (pd_json_array (self->source_json, "gaps"),
                                         copy_object (pd_json_object (e, "gap")));
        }
      else if (g_str_equal (event, "environment") && pd_json_object (e, "report") &&
               (g_strcmp0 (pd_json_string (e, "when"), "before") == 0 ||
                g_strcmp0 (pd_json_string (e, "when"), "after") == 0))
        {
          JsonObject *m = pd_package_get_manifest (self->package);

          if (pd_json_object (m, "environment") == NULL)
            json_object_set_object_member (m, "environment", json_object_new ());
          json_object_set_object_member (pd_json_object (m, "environment"), pd_json_string (e, "when"),
                                         copy_object (pd_json_object (e, "report")));
        }
      else if (g_str_equal (event, "undo-mark"))
        {
          guint id = (guint) obj_int (e, "id", 0);

          if (id >= 1 && id <= self->marks->len)
            g_array_index (self->marks, Mark, id - 1).undone_us = obj_int (e, "wall_time_us", 1);
        }
      else if (g_str_equal (event, "stop"))
        {
          const char *t = pd_json_string (e, "time");
          g_clear_pointer (&self->stopped, g_date_time_unref);
          self->stopped = t ? pd_time_parse (t) : NULL;
        }
    }

  if (!have_start || self->session_id == NULL || self->started == NULL)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The capture journal of “%s” does not say how the recording started."),
                   pd_package_get_path (self->package));
      return FALSE;
    }
  if (self->source_json == NULL)
    self->source_json = json_object_new ();
  if (self->encoder_json == NULL)
    self->encoder_json = json_object_new ();
  return TRUE;
}

/* Checkpoint tokens already on disk are kept when they are over the digest the journal gives
 * for that checkpoint; they are listed in files[] as they are. */
static void
load_checkpoint_tokens (PdCapture *self)
{
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
      g_autofree char *path = g_build_filename (pd_package_get_path (self->package), name, NULL);
      g_autofree char *data = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (PdTsaToken) token = NULL;
      g_autofree char *sha = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_get_contents (path, &data, &len, NULL))
        continue;
      bytes = g_bytes_new_take (g_steal_pointer (&data), len);
      token = pd_tsa_token_new_from_der (bytes, NULL);
      sha = pd_sha256_bytes (g_bytes_get_data (bytes, NULL), len);
      pd_package_add_file_entry (self->package, name, len, sha);
      if (token == NULL || g_strcmp0 (pd_tsa_token_get_imprint_hex (token), cp->sha256) != 0)
        {
          cp->stamp_error = g_strdup (_("the token on disk is not over this checkpoint"));
          continue;
        }
      cp->token = g_steal_pointer (&token);
    }
}

PdCapture *
pd_capture_new_for_recovery (const char *package_dir, GError **error)
{
  g_autoptr (PdCapture) self = g_object_new (PD_TYPE_CAPTURE, NULL);
  g_autofree char *rec = NULL;

  g_return_val_if_fail (package_dir != NULL, NULL);

  self->package = pd_package_open_unsealed (package_dir, error);
  if (self->package == NULL)
    return NULL;
  rec = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  if (!g_file_test (rec, G_FILE_TEST_IS_REGULAR) || g_file_test (rec, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("“%s” has no recording to recover."), package_dir);
      return NULL;
    }
  {
    g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);

    self->lock_fd = g_open (journal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (self->lock_fd >= 0 && flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
      {
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                     _("“%s” is still being recorded by another process."), package_dir);
        return NULL;
      }
  }
  if (!load_journal (self, error))
    return NULL;
  self->source = g_new0 (PdSourceSpec, 1);
  self->recovered = TRUE;
  self->state = STATE_STOPPING;
  return g_steal_pointer (&self);
}

void
pd_capture_recover_async (PdCapture *self, PdTsaClient *tsa, const char *reason,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autofree char *rec = NULL;
  g_autofree guint64 *offsets = NULL;
  g_auto (GStrv) prefixes = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *r;
  Checkpoint *last = NULL;
  guint matching = 0;
  GStatBuf st;

  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (self->recovered && self->stop_task == NULL);

  self->stop_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->stop_task, pd_capture_recover_async);
  g_set_object (&self->tsa, tsa);
  self->recovery_reason = g_strdup (reason ? reason : _("The capture did not finish (crash or power loss)."));
  if (tsa)
    load_checkpoint_tokens (self);
  /* Stills written before the crash are listed as they are on disk. */
  for (guint i = 0; i < self->marks->len; i++)
    {
      Mark *mk = &g_array_index (self->marks, Mark, i);
      g_autofree char *path = NULL;
      g_autofree char *sha = NULL;
      guint64 size = 0;

      if (mk->still == NULL)
        continue;
      path = g_build_filename (pd_package_get_path (self->package), mk->still, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
          (sha = pd_sha256_file (path, &size, NULL, NULL)) != NULL)
        pd_package_add_file_entry (self->package, mk->still, size, sha);
      else
        g_clear_pointer (&mk->still, g_free);
    }

  /* Hash the file exactly as it is on disk, in one pass, checking each journalled checkpoint
   * against the same bytes. The recording is never modified or truncated. */
  rec = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  offsets = g_new0 (guint64, self->checkpoints->len + 1);
  for (guint i = 0; i < self->checkpoints->len; i++)
    offsets[i] = g_array_index (self->checkpoints, Checkpoint, i).offset;
  self->final_sha256 = pd_sha256_file_prefixes (rec, offsets, self->checkpoints->len, &prefixes,
                                                &self->final_size, cancellable, &error);
  if (self->final_sha256 == NULL)
    {
      seal_complete (self, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);

      if (g_strcmp0 (prefixes[i], cp->sha256) != 0)
        continue;
      matching++;
      if (cp->token != NULL)
        last = cp;
    }
  if (self->stopped == NULL)
    self->stopped = g_stat (rec, &st) == 0 ? g_date_time_new_from_unix_utc (st.st_mtime)
                                           : g_date_time_new_now_utc ();
  if (self->tsa == NULL)
    for (guint i = 0; i < self->checkpoints->len; i++)
      if (g_array_index (self->checkpoints, Checkpoint, i).stamp_error == NULL)
        g_array_index (self->checkpoints, Checkpoint, i).stamp_error = g_strdup (_("not stamped"));

  r = json_object_new ();
  {
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *now_s = pd_time_format_utc (now);

    json_object_set_string_member (r, "reason", self->recovery_reason);
    json_object_set_string_member (r, "recovered_at", now_s);
    json_object_set_int_member (r, "checkpoints_journalled", self->checkpoints->len);
    json_object_set_int_member (r, "checkpoints_matching_file", matching);
  }
  if (last != NULL)
    {
      JsonObject *l = json_object_new ();
      g_autofree char *stream = pd_format_stream_time (last->running_time);
      g_autofree char *gen = pd_time_format_utc (pd_tsa_token_get_gen_time (last->token));

      json_object_set_int_member (l, "index", last->index);
      json_object_set_int_member (l, "offset", (gint64) last->offset);
      json_object_set_string_member (l, "stream_time", stream);
      json_object_set_string_member (l, "gen_time", gen);
      json_object_set_object_member (r, "last_timestamped_checkpoint", l);
    }
  self->recovery_json = r;
  if (self->catalog)
    {
      g_autoptr (PdCatalogSession) known = pd_catalog_get_session (self->catalog, self->session_id, NULL);
      g_autoptr (GError) cat_error = NULL;
      g_autofree char *desc = g_strdup (pd_json_string (self->source_json, "description"));

      if (known == NULL &&
          !pd_catalog_session_create (self->catalog, self->session_id, self->case_name, self->scenario,
                                      desc, pd_package_get_path (self->package), self->started,
                                      &cat_error))
        add_warning (self, _("The catalog could not record the session: %s"), cat_error->message);
      catalog_state (self, PD_SESSION_STATE_SEALING, self->recovery_reason);
    }
  begin_seal (self);
}

PdPackage *
pd_capture_recover_finish (PdCapture *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
find_unsealed_in (const char *dir, guint depth, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *journal = g_build_filename (dir, PD_JOURNAL_NAME, NULL);
  g_autofree char *manifest = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  const char *name;

  if (g_file_test (journal, G_FILE_TEST_IS_REGULAR) && !g_file_test (manifest, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (out, g_strdup (dir));
      return;
    }
  if (d == NULL || depth == 0)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        find_unsealed_in (child, depth - 1, out);
    }
}

char **
pd_capture_find_unsealed (const char *evidence_root)
{
  GPtrArray *out = g_ptr_array_new ();

  /* <root>/<case>/<session>/ */
  find_unsealed_in (evidence_root, 2, out);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

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
        add_warning (self, _("The still frame for “%s” could not be saved: %s"), item_id, local_error->message);
    }
  g_array_append_val (self->marks, mk);

  e = journal_event ("mark");
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
  journal_append (self, e);
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
  e = journal_event ("undo-mark");
  json_object_set_int_member (e, "id", mark_id);
  json_object_set_int_member (e, "wall_time_us", mk->undone_us);
  journal_append (self, e);
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

  e = journal_event ("ocr-suggestion");
  json_object_set_object_member (e, "suggestion", o);
  journal_append (self, e);
  return TRUE;
}

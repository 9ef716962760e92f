/* pd-capture.c — one recording: the object and its settings, start, the bus and stop with EOS.
 * The pipeline, stamping, journal, manifest, sealing, recovery and marks are in pd-capture-*.c,
 * joined through pd-capture-private.h. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "capture/pd-capture-private.h"
#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "pd-proofhash.h"
#include "sources/pd-device.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

#define EOS_TIMEOUT_SECONDS 30

/* ---------------------------------------------------------------- capture */

guint pd_capture_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdCapture, pd_capture, G_TYPE_OBJECT)

/* Fault injection for the crash tests: PROOFDESK_CRASH_POINT=eos|stamping|manifest makes the
 * process kill itself there, exactly as a power cut would, so recovery is tested at each step
 * of sealing. Unset in normal use; it can only lose the process, never write anything. */
void
pd_capture_crash_point (const char *name)
{
  const char *want = g_getenv ("PROOFDESK_CRASH_POINT");

  if (want != NULL && g_str_equal (want, name))
    raise (SIGKILL);
}

static void
mark_clear (Mark *m)
{
  g_clear_pointer (&m->item_id, g_free);
  g_clear_pointer (&m->title, g_free);
  g_clear_pointer (&m->note, g_free);
  g_clear_pointer (&m->still, g_free);
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
  g_clear_pointer (&self->recording_stamp_error, g_free);
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
  pd_capture_signals[SIGNAL_CHECKPOINT] =
    g_signal_new ("checkpoint", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_UINT64);
  /**
   * PdCapture::checkpoint-stamped:
   * @index: the checkpoint
   * @error: (nullable): why it could not be stamped; NULL when its token arrived
   *
   * Stamping runs while recording continues; a slow or dead TSA never stalls it.
   */
  pd_capture_signals[SIGNAL_CHECKPOINT_STAMPED] =
    g_signal_new ("checkpoint-stamped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_ERROR);
  /**
   * PdCapture::failed:
   * @error: why recording stopped on its own (device gone, disk full, encoder error)
   *
   * What was written is sealed as a failed package; stop_async() then reports the error.
   */
  pd_capture_signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * PdCapture::environment:
   * @when: "before" (emitted from pd_capture_start) or "after" (when recording stops)
   * @report: the phone's environment report as written into the manifest
   *
   * Phones only (adb and scrcpy sources). The checklist applies the report's checks.
   */
  pd_capture_signals[SIGNAL_ENVIRONMENT] =
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

void
pd_capture_add_warning (PdCapture *self, const char *format, ...)
{
  va_list args;

  /* Drop the NULL terminator pd_capture_get_warnings() may have added. */
  if (self->warnings->len > 0 && g_ptr_array_index (self->warnings, self->warnings->len - 1) == NULL)
    g_ptr_array_set_size (self->warnings, self->warnings->len - 1);
  va_start (args, format);
  g_ptr_array_add (self->warnings, g_strdup_vprintf (format, args));
  va_end (args);
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
      pd_capture_add_warning (self, _("The phone's environment report (%s recording) could not be taken: %s"),
                              g_str_equal (which, "before") ? _("before") : _("after"), error->message);
      report = json_object_new ();
      json_object_set_string_member (report, "error", error->message);
    }
  if (!json_object_has_member (m, "environment"))
    json_object_set_object_member (m, "environment", json_object_new ());
  env = json_object_get_object_member (m, "environment");
  e = pd_capture_journal_event ("environment");
  json_object_set_string_member (e, "when", which);
  json_object_set_object_member (e, "report", pd_capture_copy_object (report));
  pd_capture_journal_append (self, e);
  json_object_set_object_member (env, which, report);
  g_signal_emit (self, pd_capture_signals[SIGNAL_ENVIRONMENT], 0, which, report);
}

/* ---------------------------------------------------------------- bus */

static void
finish_stop (PdCapture *self)
{
  pd_capture_crash_point ("eos");
  g_clear_handle_id (&self->eos_timeout, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  self->state = STATE_SEALING;
  pd_capture_catalog_state (self, PD_SESSION_STATE_SEALING, NULL);
  /* Hook: the phone's environment after recording (adb sources only). */
  capture_environment (self, "after");
  pd_capture_begin_seal (self);
}

static void
handle_failure (PdCapture *self, GError *error)
{
  if (self->failure == NULL)
    self->failure = g_error_copy (error);
  /* Seal what was written even if nobody asked to stop; stop_async() picks up the result. */
  finish_stop (self);
  g_signal_emit (self, pd_capture_signals[SIGNAL_FAILED], 0, error);
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

/* proofhash covered another stretch of the file: journalled, announced, and stamped while
 * recording goes on when there is an authority. */
static void
on_checkpoint (PdCapture *self, const GstStructure *s)
{
  Checkpoint cp = { 0 };
  JsonObject *e = pd_capture_journal_event ("checkpoint");

  gst_structure_get_uint (s, "index", &cp.index);
  gst_structure_get_uint64 (s, "offset", &cp.offset);
  gst_structure_get_uint64 (s, "running-time", &cp.running_time);
  cp.sha256 = g_strdup (gst_structure_get_string (s, "sha256"));
  cp.wall_time_us = g_get_real_time ();
  {
    guint64 prev = self->checkpoints->len > 0
                     ? g_array_index (self->checkpoints, Checkpoint, self->checkpoints->len - 1).running_time : 0;
    /* proofhash checkpoints on buffers: a source that sends nothing (adb on a still screen)
     * makes no checkpoint. Said here, so the verifier can tell it from a deleted one. */
    cp.no_data_before = self->checkpoint_interval > 0 && cp.running_time > prev &&
                        (cp.running_time - prev) / 1e9 >
                          PD_CHECKPOINT_MAX_SPACING (self->checkpoint_interval / 1e9, PD_FRAGMENT_DURATION_MS / 1e3);
  }
  g_array_append_val (self->checkpoints, cp);

  json_object_set_int_member (e, "index", cp.index);
  json_object_set_int_member (e, "offset", (gint64) cp.offset);
  json_object_set_string_member (e, "sha256", cp.sha256);
  json_object_set_int_member (e, "running_time_ns", (gint64) cp.running_time);
  json_object_set_int_member (e, "wall_time_us", cp.wall_time_us);
  if (cp.no_data_before)
    json_object_set_boolean_member (e, "no_data_before", TRUE);
  pd_capture_journal_append (self, e);

  g_signal_emit (self, pd_capture_signals[SIGNAL_CHECKPOINT], 0, cp.index, cp.offset, cp.sha256,
                 cp.running_time);
  if (self->tsa != NULL)
    pd_capture_stamp_checkpoint (self, &g_array_index (self->checkpoints, Checkpoint,
                                                       self->checkpoints->len - 1));
}

static void
on_hasher_message (PdCapture *self, const GstStructure *s)
{
  if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_CHECKPOINT))
    on_checkpoint (self, s);
  else if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_FINAL))
    {
      gst_structure_get_uint64 (s, "size", &self->final_size);
      g_free (self->final_sha256);
      self->final_sha256 = g_strdup (gst_structure_get_string (s, "sha256"));
    }
}

/* Why recording stopped, as the user is told it. */
static GError *
pipeline_error (GstMessage *msg)
{
  g_autoptr (GError) gst_error = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (msg, &gst_error, &debug);
  g_debug ("pipeline error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
           gst_error->message, debug ? debug : "");
  if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    return g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                        _("Recording stopped: the disk is full."));
  if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE))
    {
      /* GStreamer puts the system's reason (e.g. "File too large") only in the debug text. */
      const char *why = debug ? strrchr (debug, ':') : NULL;
      g_autofree char *reason = why ? g_strstrip (g_strdup (why + 1)) : NULL;

      return g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                          _("Recording stopped: the recording could not be written (%s)."),
                          reason && *reason ? reason : gst_error->message);
    }
  return g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                      _("Recording stopped: %s"), gst_error->message);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  PdCapture *self = user_data;

  switch (GST_MESSAGE_TYPE (msg))
    {
    case GST_MESSAGE_ELEMENT:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (self->hasher))
        on_hasher_message (self, gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_EOS:
      if (self->stopped == NULL)
        self->stopped = g_date_time_new_now_utc ();
      self->bus_watch = 0;
      finish_stop (self);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = pipeline_error (msg);

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

/* ---------------------------------------------------------------- start and stop */

/* The package folder, the empty recording (mode 0600) and the journal. Returns the recording's
 * path, or NULL with nothing left behind. */
static char *
create_package (PdCapture *self, GError **error)
{
  g_autofree char *root = NULL;
  g_autofree char *location = NULL;

  root = self->evidence_root ? g_strdup (self->evidence_root) : pd_default_evidence_root ();
  self->started = g_date_time_new_now_utc ();
  self->package = pd_package_create (root, self->case_name, self->scenario, self->started, error);
  if (self->package == NULL)
    return NULL;
  self->session_id = g_uuid_string_random ();
  self->source_json = pd_capture_source_to_json (self);
  self->encoder_json = pd_capture_encoder_to_json (self);
  location = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  /* filesink would create the file with the umask's mode: make it 0600 first. */
  if (!pd_write_file_once (location, "", 0, error))
    {
      pd_package_discard_if_empty (self->package);
      return NULL;
    }
  if (!pd_capture_journal_open (self, error))
    {
      g_unlink (location);
      pd_package_discard_if_empty (self->package);
      return NULL;
    }
  return g_steal_pointer (&location);
}

static void
catalog_session_start (PdCapture *self)
{
  g_autoptr (GError) cat_error = NULL;
  g_autofree char *desc = pd_source_spec_describe (self->source);

  if (self->case_name && self->case_name[0] && (self->parties || self->dispute_type) &&
      pd_catalog_ensure_case (self->catalog, self->case_name, self->parties,
                              self->dispute_type, &cat_error) < 0)
    {
      pd_capture_add_warning (self, _("The catalog could not record the case: %s"), cat_error->message);
      g_clear_error (&cat_error);
    }
  if (!pd_catalog_session_create (self->catalog, self->session_id, self->case_name, self->scenario,
                                  desc, pd_package_get_path (self->package), self->started,
                                  &cat_error))
    pd_capture_add_warning (self, _("The catalog could not record the session: %s"), cat_error->message);
}

/* The pipeline refused to go to PLAYING: say why, and seal whatever is there as failed. */
static void
start_failed (PdCapture *self, GstBus *bus, GError **error)
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
  pd_capture_begin_seal (self);
}

gboolean
pd_capture_start (PdCapture *self, GError **error)
{
  g_autofree char *location = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *sink;

  g_return_val_if_fail (PD_IS_CAPTURE (self), FALSE);

  if (self->state != STATE_IDLE)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                   _("This capture has already been started."));
      return FALSE;
    }

  /* Build first: a bad source or missing encoder must fail before any folder exists. */
  pipeline = pd_capture_build_pipeline (self, "/dev/null", error);
  if (pipeline == NULL)
    return FALSE;
  location = create_package (self, error);
  if (location == NULL)
    return FALSE;
  /* Hook: the phone's environment before recording (adb sources only). */
  capture_environment (self, "before");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (sink, "location", location, NULL);
  gst_object_unref (sink);

  if (self->catalog)
    catalog_session_start (self);

  self->pipeline = g_steal_pointer (&pipeline);
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  self->state = STATE_RECORDING;

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      start_failed (self, bus, error);
      return FALSE;
    }
  pd_capture_catalog_state (self, PD_SESSION_STATE_RECORDING, NULL);
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

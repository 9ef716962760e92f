/* pd-ocr-scan.c — the scan of a finished recording: decode it read-only, read one frame every
 * interval and suggest marks for the checklist items still missing (see pd-ocr.h). */
#define G_LOG_DOMAIN "pd-ocr-scan"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#include "ocr/pd-ocr.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "util/pd-util.h"

#define DEFAULT_INTERVAL   (2 * GST_SECOND)
/* A manifest larger than this is not one Proofdesk wrote. */
/* A decoder that gives no frame for this long is stuck on a broken file. */
#define PULL_TIMEOUT       (30 * GST_SECOND)

/* How frames are chosen. Recordings made by Proofdesk have a keyframe every second, so seeking
 * to the keyframe before each time decodes one frame per interval; a phone's own stream (adb)
 * may have keyframes far apart, where decoding everything and keeping one frame per interval
 * is the only way to honour the interval. $PROOFDESK_OCR_SCAN=seek|decode forces one (for the
 * measurements in the report; see pd_ocr_scan_package). */
typedef enum {
  SCAN_AUTO,
  SCAN_SEEK,
  SCAN_DECODE,
} ScanMode;

/* ---- The package ---- */

static JsonObject *
read_manifest (const char *package_dir, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (PdManifest) manifest = pd_manifest_load (package_dir, &local);

  if (manifest == NULL && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("“%s” is not an evidence package: it has no manifest.json."), package_dir);
      return NULL;
    }
  if (manifest == NULL)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("The manifest of “%s” cannot be read as JSON."), package_dir);
      return NULL;
    }
  if (!pd_manifest_is_proofdesk (manifest))
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("“%s” is not an evidence package: its manifest is not a Proofdesk manifest."),
                   package_dir);
      return NULL;
    }
  return json_object_ref (pd_manifest_get_object (manifest));
}

/* The recording's path: the name the manifest gives, if it is a plain file name in the folder. */
static char *
recording_path (const char *package_dir, JsonObject *manifest, GError **error)
{
  const char      *name = pd_json_string (pd_json_object (manifest, "recording"), "name");
  g_autofree char *path = NULL;
  GStatBuf         st;

  if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL
      || strchr (name, '\\') != NULL)
    name = PD_RECORDING_NAME;
  path = g_build_filename (package_dir, name, NULL);
  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size == 0)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("The package “%s” has no recording to read."), package_dir);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* The scenario named in the manifest, with the marks the manifest lists (not undone). */
static PdChecklist *
checklist_from_manifest (const char *package_dir, JsonObject *manifest, GError **error)
{
  const char *scenario = pd_json_string (manifest, "scenario");
  JsonArray  *marks = pd_json_array (manifest, "marks");
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GError) local_error = NULL;
  guint       id = 0;

  if (scenario == NULL || scenario[0] == '\0')
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("The package “%s” names no scenario: choose one to know which items to look for."),
                   package_dir);
      return NULL;
    }
  checklist = pd_checklist_load (NULL, scenario, &local_error);
  if (checklist == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  for (guint i = 0; marks != NULL && i < json_array_get_length (marks); i++)
    {
      JsonNode   *node = json_array_get_element (marks, i);
      JsonObject *mark;
      const char *item;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      mark = json_node_get_object (node);
      item = pd_json_string (mark, "item");
      if (item == NULL || json_object_get_boolean_member_with_default (mark, "undone", FALSE)
          || pd_checklist_lookup_item (checklist, item) == NULL)
        continue;
      /* Our own ids: the manifest's are data from disk and need not be unique. */
      pd_checklist_mark (checklist, item, ++id, NULL, NULL);
    }
  return g_steal_pointer (&checklist);
}

/* ---- Decoding ---- */

typedef struct
{
  guint64 interval;
  guint64 next_due;      /* only frames at or after this time go on to the converter */
  guint64 decoded;
} DecodeGate;

/* Decode mode: every frame is decoded (an H.264 stream cannot skip), but only one per interval
 * is converted to BGRA and read. Runs in the streaming thread, which alone touches the gate. */
static GstPadProbeReturn
gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  DecodeGate *gate = user_data;
  GstBuffer  *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64     pts = GST_BUFFER_PTS (buffer);

  gate->decoded++;
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  if (pts < gate->next_due)
    return GST_PAD_PROBE_DROP;
  gate->next_due = pts + gate->interval;
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  GstElement *pipeline;
  GstAppSink *sink;
  DecodeGate  gate;
  char       *package_dir;
} Decoder;

static void
decoder_free (Decoder *d)
{
  if (d->pipeline != NULL)
    gst_element_set_state (d->pipeline, GST_STATE_NULL);
  g_clear_object (&d->sink);
  g_clear_object (&d->pipeline);
  g_free (d->package_dir);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Decoder, decoder_free)

/* The decoder's own error (from the bus) when there is one, else `fallback`. */
static void
set_decode_error (Decoder *d, const char *fallback, GError **error)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (d->pipeline);
  /* The element that failed may still be posting its reason. */
  g_autoptr (GstMessage) msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_ERROR);
  g_autoptr (GError) gst_error = NULL;

  if (msg != NULL)
    gst_message_parse_error (msg, &gst_error, NULL);
  g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
               _("The recording of “%s” cannot be decoded: %s"), d->package_dir,
               gst_error != NULL ? gst_error->message : fallback);
}

static Decoder *
decoder_new (const char *package_dir, const char *path, guint64 interval, gboolean gated,
             GError **error)
{
  g_autoptr (Decoder) d = g_new0 (Decoder, 1);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) convert = NULL;

  d->package_dir = g_strdup (package_dir);
  d->gate.interval = interval;
  d->pipeline = gst_parse_launch ("filesrc name=src ! qtdemux ! h264parse ! avdec_h264 ! "
                                  "videoconvert name=convert ! video/x-raw,format=BGRA ! "
                                  "appsink name=sink sync=false max-buffers=2 enable-last-sample=false",
                                  &local_error);
  if (d->pipeline == NULL || local_error != NULL)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE,
                   _("The recording of “%s” cannot be decoded: %s"), package_dir,
                   local_error != NULL ? local_error->message : "?");
      return NULL;
    }
  gst_object_ref_sink (d->pipeline);
  src = gst_bin_get_by_name (GST_BIN (d->pipeline), "src");
  convert = gst_bin_get_by_name (GST_BIN (d->pipeline), "convert");
  d->sink = GST_APP_SINK (gst_bin_get_by_name (GST_BIN (d->pipeline), "sink"));
  g_object_set (src, "location", path, NULL);
  if (gated)
    {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (convert, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, gate_probe, &d->gate, NULL);
    }
  return g_steal_pointer (&d);
}

/* The stream time of a decoded frame: its position in the recording. */
static guint64
sample_stream_time (GstSample *sample)
{
  GstBuffer  *buffer = gst_sample_get_buffer (sample);
  GstSegment *segment = gst_sample_get_segment (sample);
  guint64     pts = buffer != NULL ? GST_BUFFER_PTS (buffer) : GST_CLOCK_TIME_NONE;
  guint64     st;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return 0;
  if (segment != NULL && segment->format == GST_FORMAT_TIME
      && GST_CLOCK_TIME_IS_VALID (st = gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts)))
    return st;
  return pts;
}

/* ---- Reading frames ---- */

typedef struct
{
  PdChecklist *checklist;
  PdOcrEngine *engine;
  GPtrArray   *found;       /* PdOcrSuggestion */
  GHashTable  *seen;        /* "item\nvalue" */
  guint        frames;
} Reader;

static gboolean
read_frame (Reader *r, GstSample *sample, GError **error)
{
  guint64 stream_time = sample_stream_time (sample);
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GPtrArray) suggestions = NULL;
  g_autoptr (GError) local_error = NULL;

  r->frames++;
  lines = pd_ocr_engine_recognize_sample (r->engine, sample, &local_error);
  if (lines == NULL)
    {
      /* One unreadable frame is not the end of the scan; a frame of a bad format is. */
      if (g_error_matches (local_error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Frame at %" G_GUINT64_FORMAT " ns not read: %s", stream_time, local_error->message);
      return TRUE;
    }
  suggestions = pd_ocr_detect (r->checklist, lines, stream_time, NULL);
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);
      char            *key = g_strdup_printf ("%s\n%s", s->item_id, s->value ? s->value : "");

      /* The same item and value on many frames is one place to jump to: its first. */
      if (!g_hash_table_add (r->seen, key))
        continue;
      g_ptr_array_add (r->found, pd_ocr_suggestion_copy (s));
    }
  return TRUE;
}

static gboolean
scan_decode (Reader *r, Decoder *d, GCancellable *cancellable, GError **error)
{
  if (gst_element_set_state (d->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      set_decode_error (d, _("the decoder did not start"), error);
      return FALSE;
    }
  for (;;)
    {
      g_autoptr (GstSample) sample = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      sample = gst_app_sink_try_pull_sample (d->sink, PULL_TIMEOUT);
      if (sample == NULL)
        {
          if (gst_app_sink_is_eos (d->sink))
            break;
          set_decode_error (d, _("no picture came out of it"), error);
          return FALSE;
        }
      if (!read_frame (r, sample, error))
        return FALSE;
    }
  if (r->frames == 0)
    {
      set_decode_error (d, _("it holds no video frame"), error);
      return FALSE;
    }
  return TRUE;
}

/* `unseekable` is set when the file cannot be searched by time (no length known): the caller
 * may decode it from the start instead. */
static gboolean
scan_seek (Reader *r, Decoder *d, guint64 interval, gboolean *unseekable, GCancellable *cancellable,
           GError **error)
{
  gint64  duration = -1;
  guint64 last_pts = GST_CLOCK_TIME_NONE;

  if (gst_element_set_state (d->pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE
      || gst_element_get_state (d->pipeline, NULL, NULL, PULL_TIMEOUT) != GST_STATE_CHANGE_SUCCESS)
    {
      set_decode_error (d, _("the decoder did not start"), error);
      return FALSE;
    }
  if (!gst_element_query_duration (d->pipeline, GST_FORMAT_TIME, &duration) || duration <= 0)
    {
      *unseekable = TRUE;
      set_decode_error (d, _("its length is unknown"), error);
      return FALSE;
    }
  for (guint64 t = 0; t < (guint64) duration; t += interval)
    {
      g_autoptr (GstSample) sample = NULL;
      GstBuffer *buffer;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      /* The keyframe at or before t: one frame decoded per seek. */
      if (t > 0 && !gst_element_seek_simple (d->pipeline, GST_FORMAT_TIME,
                                             GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT
                                             | GST_SEEK_FLAG_SNAP_BEFORE, (gint64) t))
        {
          set_decode_error (d, _("it cannot be searched"), error);
          return FALSE;
        }
      sample = gst_app_sink_try_pull_preroll (d->sink, PULL_TIMEOUT);
      if (sample == NULL)
        {
          if (gst_app_sink_is_eos (d->sink))
            break;
          set_decode_error (d, _("no picture came out of it"), error);
          return FALSE;
        }
      buffer = gst_sample_get_buffer (sample);
      /* Keyframes further apart than the interval: the same one again. */
      if (buffer != NULL && GST_CLOCK_TIME_IS_VALID (last_pts) && GST_BUFFER_PTS (buffer) <= last_pts)
        continue;
      last_pts = buffer != NULL ? GST_BUFFER_PTS (buffer) : last_pts;
      if (!read_frame (r, sample, error))
        return FALSE;
    }
  if (r->frames == 0)
    {
      set_decode_error (d, _("it holds no video frame"), error);
      return FALSE;
    }
  return TRUE;
}

static ScanMode
scan_mode (void)
{
  const char *mode = g_getenv ("PROOFDESK_OCR_SCAN");

  if (g_strcmp0 (mode, "seek") == 0)
    return SCAN_SEEK;
  if (g_strcmp0 (mode, "decode") == 0)
    return SCAN_DECODE;
  return SCAN_AUTO;
}

static gint
compare_stream_time (gconstpointer a, gconstpointer b)
{
  const PdOcrSuggestion *sa = *(PdOcrSuggestion *const *) a;
  const PdOcrSuggestion *sb = *(PdOcrSuggestion *const *) b;

  return sa->stream_time < sb->stream_time ? -1 : sa->stream_time > sb->stream_time;
}

/* scan_seek(), or, when the recording cannot be seeked before a frame was read, scan_decode()
 * with a new `*decoder` (`*mode` then SCAN_DECODE). */
static gboolean
scan_seek_or_decode (Reader *reader, Decoder **decoder, const char *package_dir, const char *path,
                     guint64 interval, ScanMode *mode, GCancellable *cancellable, GError **error)
{
  gboolean unseekable = FALSE;
  g_autoptr (GError) seek_error = NULL;
  gboolean ok;

  ok = scan_seek (reader, *decoder, interval, &unseekable, cancellable, &seek_error);
  if (!ok && unseekable && reader->frames == 0)
    {
      /* A recording cut short may not know its length: read it from the start. */
      g_debug ("%s: %s; decoding from the start", package_dir, seek_error->message);
      g_clear_pointer (decoder, decoder_free);
      *mode = SCAN_DECODE;
      if ((*decoder = decoder_new (package_dir, path, interval, TRUE, error)) == NULL)
        return FALSE;
      return scan_decode (reader, *decoder, cancellable, error);
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&seek_error));
  return ok;
}

GPtrArray *
pd_ocr_scan_package (const char *package_dir, PdChecklist *checklist, guint64 interval,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (JsonObject) manifest = NULL;
  g_autoptr (PdChecklist) own_checklist = NULL;
  g_autoptr (PdOcrEngine) engine = NULL;
  g_autoptr (Decoder) decoder = NULL;
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autofree char *path = NULL;
  ScanMode mode = scan_mode ();
  Reader   reader = { 0 };
  gint64   started = g_get_monotonic_time ();
  gboolean ok;

  g_return_val_if_fail (package_dir != NULL, NULL);
  g_return_val_if_fail (checklist == NULL || PD_IS_CHECKLIST (checklist), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (interval == 0)
    interval = DEFAULT_INTERVAL;
  if (!g_file_test (package_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE, _("“%s” is not a folder."), package_dir);
      return NULL;
    }
  if ((manifest = read_manifest (package_dir, error)) == NULL
      || (path = recording_path (package_dir, manifest, error)) == NULL)
    return NULL;
  if (checklist == NULL)
    {
      own_checklist = checklist_from_manifest (package_dir, manifest, error);
      if (own_checklist == NULL)
        return NULL;
      checklist = own_checklist;
    }
  if ((engine = pd_ocr_engine_new (NULL, error)) == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* Proofdesk's recordings have a keyframe every second: seek unless the interval is finer. */
  if (mode == SCAN_AUTO)
    mode = interval >= GST_SECOND ? SCAN_SEEK : SCAN_DECODE;
  decoder = decoder_new (package_dir, path, interval, mode == SCAN_DECODE, error);
  if (decoder == NULL)
    return NULL;

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_suggestion_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader.checklist = checklist;
  reader.engine = engine;
  reader.found = found;
  reader.seen = seen;
  if (mode == SCAN_SEEK)
    ok = scan_seek_or_decode (&reader, &decoder, package_dir, path, interval, &mode, cancellable,
                              error);
  else
    ok = scan_decode (&reader, decoder, cancellable, error);
  if (!ok)
    return NULL;
  g_debug ("Scanned %s (%s): %u frames read, %" G_GUINT64_FORMAT " decoded, %u suggestions in %.2f s",
           package_dir, mode == SCAN_SEEK ? "seek" : "decode", reader.frames, decoder->gate.decoded,
           found->len, (g_get_monotonic_time () - started) / 1e6);
  g_ptr_array_sort (found, compare_stream_time);
  return g_steal_pointer (&found);
}

/* ---- Async ---- */

typedef struct
{
  char        *package_dir;
  PdChecklist *checklist;
  guint64      interval;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_free (data->package_dir);
  g_clear_object (&data->checklist);
  g_free (data);
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ScanData  *data = task_data;
  GError    *error = NULL;
  GPtrArray *found = pd_ocr_scan_package (data->package_dir, data->checklist, data->interval,
                                          cancellable, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

void
pd_ocr_scan_package_async (const char *package_dir, PdChecklist *checklist, guint64 interval,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ScanData *data;

  g_return_if_fail (package_dir != NULL);
  g_return_if_fail (checklist == NULL || PD_IS_CHECKLIST (checklist));

  data = g_new0 (ScanData, 1);
  data->package_dir = g_strdup (package_dir);
  /* Read from the scan's thread: the caller must not mark it until the scan is finished. */
  data->checklist = checklist != NULL ? g_object_ref (checklist) : NULL;
  data->interval = interval;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_ocr_scan_package_async);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_thread);
}

GPtrArray *
pd_ocr_scan_package_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_ocr_scan_package_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* test-ocr-scan.c — the scan of a finished recording (pd_ocr_scan_package): a package whose
 * recording shows a chat with a transfer and a real-name page between screens of unrelated text,
 * encoded by a real GStreamer pipeline (cairo/pango frames ! x264enc ! mp4mux); the scan finds
 * the items where they are shown and nothing where nothing is; bad folders give clear errors. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "checklist/pd-checklist.h"
#include "pd-core.h"
#include "ocr/pd-ocr.h"
#include "evidence/pd-package.h"
#include "pd-test-frames.h"
#include "test-common.h"

#define WIDTH    720
#define HEIGHT   1600
#define FPS      5
#define INTERVAL (4 * GST_SECOND)

/* The recording, 8 s per screen: what is on screen when. */
static const struct {
  PdTestFrameKind kind;
  guint           seconds;
} timeline[] = {
  { PD_TEST_FRAME_UNRELATED, 8 },  /*  0–8  */
  { PD_TEST_FRAME_CHAT, 8 },       /*  8–16: transfer ¥50,000.00, 2025年6月30日 */
  { PD_TEST_FRAME_UNRELATED, 8 },  /* 16–24 */
  { PD_TEST_FRAME_REAL_NAME, 8 },  /* 24–32: 实名认证, 138****5678 */
  { PD_TEST_FRAME_UNRELATED, 4 },  /* 32–36 */
};

static char *package_dir;   /* made once: encoding is the slow part */

/* Encodes the timeline into `path` with the same kind of stream Proofdesk records: H.264 with a
 * keyframe every second in MP4. */
static void
encode_recording (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf (
    "appsrc name=src format=time caps=video/x-raw,format=BGRx,width=%d,height=%d,framerate=%d/1 "
    "! videoconvert ! x264enc speed-preset=ultrafast key-int-max=%d ! h264parse ! mp4mux "
    "! filesink name=sink", WIDTH, HEIGHT, FPS, FPS);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  guint64 frame = 0;

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (sink, "location", path, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < G_N_ELEMENTS (timeline); i++)
    {
      cairo_surface_t *surface = pd_test_frame_render (timeline[i].kind, WIDTH, HEIGHT, NULL);
      gsize            size = (gsize) cairo_image_surface_get_stride (surface) * HEIGHT;
      g_autoptr (GstBuffer) pixels = NULL;

      g_assert_cmpint (cairo_image_surface_get_stride (surface), ==, WIDTH * 4);
      cairo_surface_flush (surface);
      pixels = gst_buffer_new_memdup (cairo_image_surface_get_data (surface), size);
      cairo_surface_destroy (surface);
      for (guint n = 0; n < timeline[i].seconds * FPS; n++, frame++)
        {
          GstBuffer *buffer = gst_buffer_copy (pixels);

          GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (frame, GST_SECOND, FPS);
          GST_BUFFER_DURATION (buffer) = GST_SECOND / FPS;
          g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src), buffer), ==, GST_FLOW_OK);
        }
    }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A minimal sealed-looking package: the manifest names the scenario and one mark. */
static char *
make_package (void)
{
  g_autoptr (GError) error = NULL;
  char            *dir = g_dir_make_tmp ("pd-ocr-scan-XXXXXX", &error);
  g_autofree char *recording = NULL;

  g_assert_no_error (error);
  recording = g_build_filename (dir, PD_RECORDING_NAME, NULL);
  encode_recording (recording);
  write_text (dir, PD_MANIFEST_NAME,
              "{ \"format\": \"proofdesk-evidence-package\", \"format_version\": 1,"
              "  \"scenario\": \"wechat-chat\","
              "  \"recording\": { \"name\": \"recording.mp4\" },"
              "  \"marks\": [ { \"id\": 1, \"item\": \"party.identity\", \"undone\": false },"
              "               { \"id\": 2, \"item\": \"env.network\", \"undone\": true } ] }");
  return dir;
}

static const PdOcrSuggestion *
find (GPtrArray *found, const char *item_id)
{
  for (guint i = 0; i < found->len; i++)
    {
      const PdOcrSuggestion *s = g_ptr_array_index (found, i);

      if (g_strcmp0 (s->item_id, item_id) == 0)
        return s;
    }
  return NULL;
}

static void
log_found (GPtrArray *found)
{
  for (guint i = 0; i < found->len; i++)
    {
      const PdOcrSuggestion *s = g_ptr_array_index (found, i);

      g_test_message ("%5.1f s  %-18s %-14s “%s” (%.2f)", s->stream_time / 1e9, s->item_id,
                      pd_ocr_match_kind_to_string (s->kind), s->text, s->confidence);
    }
}

/* Every suggestion was read while text was on screen, and in time order. */
static void
assert_times_plausible (GPtrArray *found)
{
  for (guint i = 0; i < found->len; i++)
    {
      const PdOcrSuggestion *s = g_ptr_array_index (found, i);
      gboolean chat = s->stream_time >= 8 * GST_SECOND && s->stream_time < 16 * GST_SECOND;
      gboolean real_name = s->stream_time >= 24 * GST_SECOND && s->stream_time < 32 * GST_SECOND;

      g_assert_true (chat || real_name);
      g_assert_null (s->frame);
      if (i > 0)
        g_assert_cmpuint (s->stream_time, >=, ((PdOcrSuggestion *) g_ptr_array_index (found, i - 1))->stream_time);
    }
}

static gboolean
ensure_ocr (void)
{
  g_autoptr (GError) error = NULL;

  if (pd_ocr_is_available (&error))
    return TRUE;
  g_test_skip_printf ("OCR is not available in this build or its language data is missing: %s",
                      error->message);
  return FALSE;
}

static void
ensure_package (void)
{
  if (package_dir == NULL)
    package_dir = make_package ();
}

/* The manifest's scenario with its marks: party.identity is marked, so only the chat's items. */
static void
test_scan_manifest (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;
  const PdOcrSuggestion *transfer;
  gint64 started;

  if (!ensure_ocr ())
    return;
  ensure_package ();
  started = g_get_monotonic_time ();
  found = pd_ocr_scan_package (package_dir, NULL, INTERVAL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("36 s recording, one frame every 4 s: %.1f s", (g_get_monotonic_time () - started) / 1e6);
  log_found (found);
  assert_times_plausible (found);

  transfer = find (found, "chat.transfers");
  g_assert_nonnull (transfer);
  g_assert_cmpuint (transfer->stream_time, >=, 8 * GST_SECOND - INTERVAL);
  g_assert_cmpuint (transfer->stream_time, <, 16 * GST_SECOND);
  g_assert_true (transfer->text != NULL && transfer->text[0] != '\0');
  /* The amount was read right, on whichever item it was suggested for. */
  {
    gboolean amount = FALSE;

    for (guint i = 0; i < found->len; i++)
      {
        const PdOcrSuggestion *s = g_ptr_array_index (found, i);

        amount |= s->kind == PD_OCR_MATCH_AMOUNT && g_strcmp0 (s->value, "50000.00") == 0;
      }
    g_assert_true (amount);
  }
  /* Marked in the manifest: not missing. Undone: missing, but never on screen. */
  g_assert_null (find (found, "party.identity"));
  g_assert_null (find (found, "env.network"));
  g_assert_null (find (found, "chat.calls"));
  g_assert_null (find (found, "wrong.collection"));
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *found;
  GError    *error;
} AsyncRun;

static void
on_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncRun *run = user_data;

  run->found = pd_ocr_scan_package_finish (result, &run->error);
  g_main_loop_quit (run->loop);
}

/* A scenario given by the caller, none marked: the real-name page too, asynchronously. */
static void
test_scan_async_checklist (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncRun run = { loop, NULL, NULL };
  const PdOcrSuggestion *identity, *transfer;

  if (!ensure_ocr ())
    return;
  ensure_package ();
  checklist = pd_checklist_load (NULL, "wechat-chat", &error);
  g_assert_no_error (error);
  pd_ocr_scan_package_async (package_dir, checklist, INTERVAL, NULL, on_scanned, &run);
  g_main_loop_run (loop);
  g_assert_no_error (run.error);
  log_found (run.found);
  assert_times_plausible (run.found);
  identity = find (run.found, "party.identity");
  g_assert_nonnull (identity);
  g_assert_cmpuint (identity->stream_time, >=, 24 * GST_SECOND - INTERVAL);
  g_assert_cmpuint (identity->stream_time, <, 32 * GST_SECOND);
  transfer = find (run.found, "chat.transfers");
  g_assert_nonnull (transfer);
  g_assert_cmpuint (transfer->stream_time, <, identity->stream_time);
  g_assert_null (find (run.found, "chat.calls"));
  g_ptr_array_unref (run.found);
}

static void
test_scan_cancelled (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;

  if (!ensure_ocr ())
    return;
  ensure_package ();
  g_cancellable_cancel (cancellable);
  found = pd_ocr_scan_package (package_dir, NULL, INTERVAL, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
expect_package_error (const char *dir, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = pd_ocr_scan_package (dir, NULL, 0, NULL, &error);

  g_assert_null (found);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_PACKAGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_bad_folders (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pd-ocr-bad-XXXXXX", &error);
  g_autofree char *file = g_build_filename (dir, "plain.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "nowhere", NULL);
  g_autofree char *recording = g_build_filename (dir, PD_RECORDING_NAME, NULL);
  g_autofree char *manifest = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_assert_no_error (error);
  write_text (dir, "plain.txt", "hello");
  expect_package_error (missing, "not a folder");
  expect_package_error (file, "not a folder");
  expect_package_error (dir, "no manifest");
  write_text (dir, PD_MANIFEST_NAME, "{ \"format\": \"something else\" }");
  expect_package_error (dir, "not a Proofdesk manifest");
  g_unlink (manifest);
  write_text (dir, PD_MANIFEST_NAME, "[1, 2");
  expect_package_error (dir, "cannot be read");
  g_unlink (manifest);
  /* A recording named outside the folder is not followed: the default name is looked for. */
  write_text (dir, PD_MANIFEST_NAME,
              "{ \"format\": \"proofdesk-evidence-package\", \"scenario\": \"wechat-chat\","
              "  \"recording\": { \"name\": \"../../etc/passwd\" } }");
  expect_package_error (dir, "no recording");
  write_text (dir, PD_RECORDING_NAME, "this is not an MP4 file, whatever its name says");
  if (ensure_ocr ())
    expect_package_error (dir, "cannot be decoded");
  /* The scan never writes: the bad recording is as it was. */
  g_file_get_contents (recording, &before, NULL, NULL);
  g_assert_cmpstr (before, ==, "this is not an MP4 file, whatever its name says");
  g_unlink (manifest);
  write_text (dir, PD_MANIFEST_NAME, "{ \"format\": \"proofdesk-evidence-package\" }");
  expect_package_error (dir, "names no scenario");
  g_file_get_contents (recording, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, before);
  pd_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "en", TRUE);
  g_unsetenv ("PROOFDESK_CHECKLIST_DIR");
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

  g_test_add_func ("/core/ocr-scan/bad-folders", test_bad_folders);
  g_test_add_func ("/core/ocr-scan/manifest-scenario", test_scan_manifest);
  g_test_add_func ("/core/ocr-scan/async-checklist", test_scan_async_checklist);
  g_test_add_func ("/core/ocr-scan/cancelled", test_scan_cancelled);
  status = g_test_run ();
  if (package_dir != NULL)
    pd_test_rm_rf (package_dir);
  g_free (package_dir);
  return status;
}

/* test-capture.c — end to end: record from the test pattern and from X11 (Xvfb) into a package,
 * then check the manifest's digests against the file read back and decode the recording. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "capture/pd-capture.h"
#include "util/pd-error.h"
#include "pd-core.h"
#include "evidence/pd-package.h"
#include "util/pd-util.h"
#include "test-common.h"

typedef struct
{
  char      *root;
  GMainLoop *loop;
  PdPackage *package;
  GError    *error;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-capture-XXXXXX", &error);
  g_assert_no_error (error);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->package);
  g_clear_error (&f->error);
  g_main_loop_unref (f->loop);
  pd_test_rm_rf (f->root);
  g_free (f->root);
}

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  f->package = pd_capture_stop_finish (PD_CAPTURE (source), result, &f->error);
  g_main_loop_quit (f->loop);
}

typedef struct
{
  PdCapture *capture;
  guint64    until;
  guint64    stopped_at;
  Fixture   *f;
} StopWhen;

static gboolean
stop_when_due (gpointer user_data)
{
  StopWhen *w = user_data;

  w->stopped_at = pd_capture_get_running_time (w->capture);
  if (w->stopped_at < w->until)
    return G_SOURCE_CONTINUE;
  pd_capture_stop_async (w->capture, NULL, on_stopped, w->f);
  return G_SOURCE_REMOVE;
}

/* Records until `seconds` of running time, then stops; returns the sealed package's manifest
 * and the number of frames a 30 fps source produced before the stop was requested. */
static JsonObject *
record (Fixture *f, PdSourceSpec *spec, double seconds, guint64 checkpoint_ns, int *expected_frames)
{
  g_autoptr (PdCapture) capture = pd_capture_new (spec);
  g_autoptr (GError) error = NULL;
  StopWhen w;

  pd_capture_set_evidence_root (capture, f->root);
  pd_capture_set_case (capture, "Zhang v. Li 张三诉李四");
  pd_capture_set_scenario (capture, "wechat-chat");
  pd_capture_set_checkpoint_interval (capture, checkpoint_ns);
  g_assert_true (pd_capture_start (capture, &error));
  g_assert_no_error (error);

  w.capture = capture;
  w.until = (guint64) (seconds * GST_SECOND);
  w.f = f;
  g_timeout_add (5, stop_when_due, &w);
  g_main_loop_run (f->loop);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->package);
  /* Frames are stamped 0, 1/30 s, …: those before the stop time, rounded up. */
  *expected_frames = (int) ((w.stopped_at * 30 + GST_SECOND - 1) / GST_SECOND);
  return json_object_ref (pd_package_get_manifest (f->package));
}

static void
check_package (Fixture *f, JsonObject *m, int expected_frames)
{
  const char *dir = pd_package_get_path (f->package);
  g_autofree char *rec = g_build_filename (dir, PD_RECORDING_NAME, NULL);
  g_autofree char *manifest_path = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *file_sha = NULL;
  g_autofree guint8 *data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *on_disk, *recording;
  JsonArray *cps, *files;
  guint64 size = 0;
  gsize len = 0;
  GStatBuf st;
  int frames, encoded;

  /* The manifest on disk is the one we were handed. */
  g_assert_true (json_parser_load_from_file (parser, manifest_path, &error));
  g_assert_no_error (error);
  on_disk = json_node_get_object (json_parser_get_root (parser));
  /* No TSA in these captures: sealed, waiting for a timestamp. */
  g_assert_cmpstr (json_object_get_string_member (on_disk, "state"), ==, "awaiting-stamp");
  g_assert_cmpstr (json_object_get_string_member (on_disk, "format"), ==, PD_MANIFEST_FORMAT);
  g_assert_cmpstr (json_object_get_string_member (on_disk, "case"), ==, "Zhang v. Li 张三诉李四");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (on_disk, "session")));

  /* Inline digest == SHA-256 of the file read back. */
  file_sha = pd_sha256_file (rec, &size, NULL, &error);
  g_assert_no_error (error);
  recording = json_object_get_object_member (on_disk, "recording");
  g_assert_cmpstr (json_object_get_string_member (recording, "sha256"), ==, file_sha);
  g_assert_cmpstr (json_object_get_string_member (recording, "digest_source"), ==, "inline");
  g_assert_cmpint (json_object_get_int_member (recording, "size"), ==, (gint64) size);
  files = json_object_get_array_member (on_disk, "files");
  g_assert_cmpuint (json_array_get_length (files), >=, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (files, 0), "sha256"), ==, file_sha);

  /* Every checkpoint digest is the SHA-256 of its prefix of the file. */
  g_assert_true (g_file_get_contents (rec, (char **) &data, &len, &error));
  cps = json_object_get_array_member (on_disk, "checkpoints");
  g_assert_cmpuint (json_array_get_length (cps), >=, 1);
  for (guint i = 0; i < json_array_get_length (cps); i++)
    {
      JsonObject *cp = json_array_get_object_element (cps, i);
      gint64 offset = json_object_get_int_member (cp, "offset");
      g_autofree char *expected = NULL;

      g_assert_cmpint (offset, >, 0);
      g_assert_cmpint (offset, <=, (gint64) len);
      expected = pd_sha256_bytes (data, (gsize) offset);
      g_assert_cmpstr (json_object_get_string_member (cp, "sha256"), ==, expected);
    }

  /* Private: folder 0700, files 0600. */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (rec, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (manifest_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* It decodes, with the expected number of frames. */
  frames = pd_test_count_decoded_frames (rec, &error);
  g_assert_no_error (error);
  encoded = (int) json_object_get_int_member (json_object_get_object_member (on_disk, "encoder"), "frames");
  g_test_message ("decoded %d frames, encoder emitted %d, %d were due by the stop time",
                  frames, encoded, expected_frames);
  /* Every frame the encoder emitted is in the file and decodes. */
  g_assert_cmpint (ABS (frames - encoded), <=, 1);
  /* And the source kept up with real time: on an idle machine this is exact (±1); a loaded
   * machine (CI running other jobs) may deliver a live source's frames a little late. */
  g_assert_cmpint (frames, <=, expected_frames + 1);
  g_assert_cmpint (frames, >=, expected_frames * 85 / 100);
}

static void
test_capture_test_source (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  int expected;
  g_autoptr (JsonObject) m = record (f, spec, 3.0, GST_SECOND, &expected);

  check_package (f, m, expected);
}

static void
test_capture_x11 (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (JsonObject) m = NULL;
  int expected;

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("no X display: run under xvfb-run (./run test does)");
      return;
    }
  spec = pd_source_spec_parse ("x11", NULL);
  m = record (f, spec, 3.0, GST_SECOND, &expected);
  check_package (f, m, expected);
}

static void
test_capture_x11_region (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (JsonObject) m = NULL;
  JsonObject *enc;
  int expected;

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("no X display: run under xvfb-run (./run test does)");
      return;
    }
  spec = pd_source_spec_parse ("x11", NULL);
  /* Odd width: cropped to even for 4:2:0, never rescaled. */
  g_assert_true (pd_source_spec_set_region (spec, "10,20,321,240", NULL));
  m = record (f, spec, 2.0, GST_SECOND, &expected);
  enc = json_object_get_object_member (m, "encoder");
  g_assert_cmpint (json_object_get_int_member (enc, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (enc, "height"), ==, 240);
  check_package (f, m, expected);
}

static void
test_bad_region_creates_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("no X display: run under xvfb-run (./run test does)");
      return;
    }
  spec = pd_source_spec_parse ("x11", NULL);
  g_assert_true (pd_source_spec_set_region (spec, "0,0,60000,60000", NULL));
  capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (capture, f->root);
  g_assert_false (pd_capture_start (capture, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE);
  dir = g_dir_open (f->root, 0, NULL);
  g_assert_null (g_dir_read_name (dir));
}

typedef struct
{
  PdCapture *capture;
  Fixture   *f;
  guint      step;
  guint      first, second;
} MarkPlan;

static gboolean
mark_steps (gpointer user_data)
{
  MarkPlan *p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSample) s = pd_capture_pull_preview (p->capture);
  guint64 rt = pd_capture_get_running_time (p->capture);

  if (p->step == 0 && rt > GST_SECOND / 2)
    {
      p->first = pd_capture_add_mark (p->capture, "party.identity", "ID page", NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (p->first, ==, 1);
      p->step++;
    }
  else if (p->step == 1 && rt > GST_SECOND)
    {
      p->second = pd_capture_add_mark (p->capture, "loan.terms", "Loan terms", "¥50,000 due 2025-06-30", &error);
      g_assert_no_error (error);
      g_assert_true (pd_capture_undo_mark (p->capture, p->first, &error));
      g_assert_no_error (error);
      /* Undoing twice is refused. */
      g_assert_false (pd_capture_undo_mark (p->capture, p->first, &error));
      g_clear_error (&error);
      p->step++;
    }
  else if (p->step == 2 && rt > GST_SECOND * 3 / 2)
    {
      g_autoptr (JsonObject) summary = json_object_new ();

      json_object_set_string_member (summary, "decision", "sealed-anyway");
      pd_capture_set_checklist_summary (p->capture, summary);
      pd_capture_stop_async (p->capture, NULL, on_stopped, p->f);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_capture_marks_and_stills (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (PdCapture) capture = pd_capture_new (spec);
  g_autoptr (GError) error = NULL;
  MarkPlan plan = { capture, f, 0, 0, 0 };
  JsonObject *m;
  JsonArray *marks, *files;
  gboolean still_listed = FALSE;

  pd_capture_set_evidence_root (capture, f->root);
  g_assert_false (pd_capture_add_mark (capture, "x", NULL, NULL, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);
  g_assert_true (pd_capture_start (capture, &error));
  g_timeout_add (20, mark_steps, &plan);
  g_main_loop_run (f->loop);
  g_assert_no_error (f->error);

  m = pd_package_get_manifest (f->package);
  marks = json_object_get_array_member (m, "marks");
  g_assert_cmpuint (json_array_get_length (marks), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (marks, 0), "undone"));
  g_assert_true (json_object_has_member (json_array_get_object_element (marks, 0), "undone_at"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (marks, 1), "undone"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (marks, 1), "note"), ==,
                   "¥50,000 due 2025-06-30");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (m, "checklist"), "decision"),
                   ==, "sealed-anyway");

  files = json_object_get_array_member (m, "files");
  for (guint i = 0; i < json_array_get_length (marks); i++)
    {
      JsonObject *mk = json_array_get_object_element (marks, i);
      const char *still = json_object_get_string_member (mk, "still");
      g_autofree char *path = g_build_filename (pd_package_get_path (f->package), still, NULL);
      g_autofree char *sha = pd_sha256_file (path, NULL, NULL, &error);
      g_autofree char *head = NULL;

      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &head, NULL, NULL));
      g_assert_cmpmem (head, 8, "\x89PNG\r\n\x1a\n", 8);
      for (guint j = 0; j < json_array_get_length (files); j++)
        {
          JsonObject *fe = json_array_get_object_element (files, j);
          if (g_str_equal (json_object_get_string_member (fe, "name"), still))
            {
              g_assert_cmpstr (json_object_get_string_member (fe, "sha256"), ==, sha);
              still_listed = TRUE;
            }
        }
      g_assert_true (still_listed);
      still_listed = FALSE;
    }
}

static GstPadProbeReturn
slow_preview_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  /* A UI that never keeps up: 300 ms per preview frame, ten times slower than the source. */
  g_usleep (300 * 1000);
  (*(int *) user_data)++;
  return GST_PAD_PROBE_OK;
}

static void
test_blocked_preview_keeps_frames (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (PdCapture) capture = pd_capture_new (spec);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) preview = NULL;
  g_autoptr (GstPad) pad = NULL;
  StopWhen w;
  int previewed = 0, expected, frames, encoded;
  g_autofree char *rec = NULL;

  pd_capture_set_evidence_root (capture, f->root);
  pd_capture_set_checkpoint_interval (capture, 0);
  g_assert_true (pd_capture_start (capture, &error));
  g_assert_no_error (error);
  preview = gst_bin_get_by_name (GST_BIN (pd_capture_get_pipeline (capture)), "preview");
  g_assert_nonnull (preview);
  pad = gst_element_get_static_pad (preview, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, slow_preview_probe, &previewed, NULL);

  w.capture = capture;
  w.until = 3 * GST_SECOND;
  w.f = f;
  g_timeout_add (5, stop_when_due, &w);
  g_main_loop_run (f->loop);
  g_assert_no_error (f->error);

  expected = (int) ((w.stopped_at * 30 + GST_SECOND - 1) / GST_SECOND);
  rec = g_build_filename (pd_package_get_path (f->package), PD_RECORDING_NAME, NULL);
  frames = pd_test_count_decoded_frames (rec, &error);
  g_assert_no_error (error);
  encoded = (int) json_object_get_int_member (json_object_get_object_member (
                pd_package_get_manifest (f->package), "encoder"), "frames");
  g_test_message ("preview saw %d frames; recording decoded %d, encoded %d, due %d",
                  previewed, frames, encoded, expected);
  /* The preview dropped most frames; the recording kept every one of them. */
  g_assert_cmpint (previewed, <, expected / 2);
  g_assert_cmpint (ABS (frames - encoded), <=, 1);
  g_assert_cmpint (frames, >=, expected * 85 / 100);
  g_assert_cmpint (frames, <=, expected + 1);
}

static void
test_source_spec_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdSourceSpec) x = pd_source_spec_parse ("x11:99", &error);
  g_autoptr (PdSourceSpec) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (x->kind, ==, PD_SOURCE_KIND_X11);
  g_assert_cmpstr (x->display, ==, "99");
  bad = pd_source_spec_parse ("webcam", &error);
  g_assert_null (bad);
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE);
  g_clear_error (&error);
  g_assert_false (pd_source_spec_set_region (x, "1,2,3", &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE);
  g_clear_error (&error);
  g_assert_false (pd_source_spec_set_region (x, "1,2,0,5", &error));
  g_clear_error (&error);
  g_assert_false (pd_source_spec_set_region (x, "a,b,c,d", &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

  g_test_add_func ("/core/capture/source-spec", test_source_spec_parse);
  g_test_add ("/core/capture/test-source", Fixture, NULL, fixture_setup, test_capture_test_source, fixture_teardown);
  g_test_add ("/core/capture/blocked-preview-keeps-frames", Fixture, NULL, fixture_setup, test_blocked_preview_keeps_frames, fixture_teardown);
  g_test_add ("/core/capture/marks-and-stills", Fixture, NULL, fixture_setup, test_capture_marks_and_stills, fixture_teardown);
  g_test_add ("/core/capture/x11-screen", Fixture, NULL, fixture_setup, test_capture_x11, fixture_teardown);
  g_test_add ("/core/capture/x11-region", Fixture, NULL, fixture_setup, test_capture_x11_region, fixture_teardown);
  g_test_add ("/core/capture/bad-region-creates-nothing", Fixture, NULL, fixture_setup, test_bad_region_creates_nothing, fixture_teardown);
  return g_test_run ();
}

/* test-ocr.c — the OCR engine and live worker on phone screens drawn with pango (real Tesseract,
 * the shipped checklist templates), the worker under load during a real capture, and OCR
 * decisions in a sealed, verified package. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "capture/pd-capture.h"
#include "checklist/pd-checklist.h"
#include "pd-core.h"
#include "util/pd-error.h"
#include "ocr/pd-ocr.h"
#include "evidence/pd-package.h"
#include "pd-test-frames.h"
#include "timestamp/pd-tsa.h"
#include "verify/pd-verify.h"
#include "test-common.h"

static PdOcrEngine *engine;  /* one for the whole run: loading chi_sim takes most of a second */

static gboolean
ocr_available (void)
{
  g_autoptr (GError) error = NULL;

  if (pd_ocr_is_available (&error))
    return TRUE;
  {
    g_autofree char *why = g_strdup_printf ("text recognition unavailable: %s", error->message);
    g_test_skip (why);
  }
  return FALSE;
}

static PdOcrEngine *
shared_engine (void)
{
  g_autoptr (GError) error = NULL;

  if (engine == NULL)
    engine = pd_ocr_engine_new (NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (engine);
  return engine;
}

static PdChecklist *
load_checklist (const char *id)
{
  g_autofree char *dir = g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);
  g_autoptr (GError) error = NULL;
  PdChecklist *checklist = pd_checklist_load (dir, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (checklist);
  return checklist;
}

static void
log_lines (GPtrArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    {
      PdOcrLine *l = g_ptr_array_index (lines, i);
      g_test_message ("line [%d,%d %dx%d] %.2f “%s”", l->x, l->y, l->width, l->height,
                      l->confidence, l->text);
    }
}

static void
log_suggestions (GPtrArray *suggestions)
{
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);
      g_test_message ("suggestion %s (%s): “%s” = %s [%d,%d %dx%d] %.2f", s->item_id,
                      pd_ocr_match_kind_to_string (s->kind), s->text, s->value, s->x, s->y,
                      s->width, s->height, s->confidence);
    }
}

static PdOcrSuggestion *
find_suggestion (GPtrArray *suggestions, const char *item_id, const char *value)
{
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);

      if ((item_id == NULL || g_strcmp0 (s->item_id, item_id) == 0) &&
          (value == NULL || g_strcmp0 (s->value, value) == 0))
        return s;
    }
  return NULL;
}

/* Renders a frame, reads it and runs detection against `checklist`. */
static GPtrArray *
read_frame (PdChecklist *checklist, PdTestFrameKind kind, PdTestFrameBoxes *boxes,
            GstSample **sample_out)
{
  cairo_surface_t *surface = pd_test_frame_render (kind, 1080, 2400, boxes);
  g_autoptr (GstSample) sample = pd_test_frame_to_sample (surface);
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *suggestions;

  cairo_surface_destroy (surface);
  lines = pd_ocr_engine_recognize_sample (shared_engine (), sample, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lines);
  log_lines (lines);
  suggestions = pd_ocr_detect (checklist, lines, 42 * GST_SECOND, sample);
  g_assert_nonnull (suggestions);
  log_suggestions (suggestions);
  if (sample_out)
    *sample_out = g_steal_pointer (&sample);
  return suggestions;
}

static void
assert_plausible (const PdOcrSuggestion *s, const PdTestBox *expected, GstSample *frame)
{
  g_assert_true (pd_test_box_overlaps (expected, s->x, s->y, s->width, s->height));
  g_assert_cmpfloat (s->confidence, >, 0.3);
  g_assert_cmpfloat (s->confidence, <=, 1.0);
  g_assert_cmpuint (s->stream_time, ==, 42 * GST_SECOND);
  g_assert_true (s->frame == frame);
  g_assert_nonnull (s->line);
}

/* ---------------------------------------------------------------- engine + detection */

static void
test_chat_frame (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) suggestions = NULL;
  g_autoptr (GstSample) sample = NULL;
  PdTestFrameBoxes boxes;
  PdOcrSuggestion *amount, *date;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  suggestions = read_frame (checklist, PD_TEST_FRAME_CHAT, &boxes, &sample);

  /* The transfer card: "转账" on screen and ¥50,000.00. */
  amount = find_suggestion (suggestions, "chat.transfers", NULL);
  g_assert_nonnull (amount);
  g_assert_cmpint (amount->kind, ==, PD_OCR_MATCH_AMOUNT);
  g_assert_cmpstr (amount->value, ==, "50000.00");
  assert_plausible (amount, &boxes.amount, sample);
  /* The promise to repay by 2025年6月30日, for an item that asks for dates. */
  date = find_suggestion (suggestions, NULL, "2025-06-30");
  g_assert_nonnull (date);
  g_assert_cmpint (date->kind, ==, PD_OCR_MATCH_DATE);
  g_assert_nonnull (pd_checklist_item_get_hint (pd_checklist_lookup_item (checklist, date->item_id),
                                                "date_pattern"));
  assert_plausible (date, &boxes.date, sample);
  /* Nothing on a chat says who the parties are by real name. */
  g_assert_null (find_suggestion (suggestions, "party.identity", NULL));

  /* An item already marked is not suggested again. */
  g_assert_true (pd_checklist_mark (checklist, "chat.transfers", 1, NULL, NULL));
  g_clear_pointer (&suggestions, g_ptr_array_unref);
  suggestions = read_frame (checklist, PD_TEST_FRAME_CHAT, NULL, NULL);
  g_assert_null (find_suggestion (suggestions, "chat.transfers", NULL));
  g_assert_nonnull (find_suggestion (suggestions, NULL, "2025-06-30"));
}

static void
test_real_name_frame (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) suggestions = NULL;
  g_autoptr (GstSample) sample = NULL;
  PdTestFrameBoxes boxes;
  PdOcrSuggestion *id;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  suggestions = read_frame (checklist, PD_TEST_FRAME_REAL_NAME, &boxes, &sample);
  id = find_suggestion (suggestions, "party.identity", NULL);
  g_assert_nonnull (id);
  /* The value it found: the masked phone number, or the page's keyword. */
  if (id->kind == PD_OCR_MATCH_PHONE)
    {
      g_assert_cmpstr (id->value, ==, "138****5678");
      assert_plausible (id, &boxes.phone, sample);
    }
  else
    {
      g_assert_cmpint (id->kind, ==, PD_OCR_MATCH_KEYWORD);
      g_assert_true (g_str_equal (id->value, "实名认证") || g_str_equal (id->value, "已实名") ||
                     g_str_equal (id->value, "姓名") || g_str_equal (id->value, "手机号") ||
                     g_str_equal (id->value, "身份证"));
      g_assert_cmpuint (id->stream_time, ==, 42 * GST_SECOND);
    }
  /* No amount and no transfer on an ID page. */
  g_assert_null (find_suggestion (suggestions, "chat.transfers", NULL));
}

static void
test_unrelated_frame (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) suggestions = NULL;
  const char *ids[] = { "wechat-chat", "wechat-wallet", "alipay" };

  if (!ocr_available ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_clear_object (&checklist);
      g_clear_pointer (&suggestions, g_ptr_array_unref);
      checklist = load_checklist (ids[i]);
      suggestions = read_frame (checklist, PD_TEST_FRAME_UNRELATED, NULL, NULL);
      g_assert_cmpuint (suggestions->len, ==, 0);
    }
}

static void
test_bad_frames (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstBuffer) small = NULL;
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (PdOcrEngine) bad = NULL;
  guint8 pixels[16 * 16 * 4] = { 0 };

  if (!ocr_available ())
    return;
  /* Sizes and strides that cannot be a frame. */
  lines = pd_ocr_engine_recognize (shared_engine (), pixels, 16, 16, 8, &error);
  g_assert_null (lines);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT);
  g_clear_error (&error);
  lines = pd_ocr_engine_recognize (shared_engine (), pixels, 0, 16, 64, &error);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT);
  g_clear_error (&error);
  lines = pd_ocr_engine_recognize (shared_engine (), NULL, 16, 16, 64, &error);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT);
  g_clear_error (&error);
  /* A blank frame reads as no lines, not as an error. */
  lines = pd_ocr_engine_recognize (shared_engine (), pixels, 16, 16, 64, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lines);
  g_assert_cmpuint (lines->len, ==, 0);
  g_clear_pointer (&lines, g_ptr_array_unref);
  /* Not BGRA. */
  caps = gst_caps_from_string ("video/x-raw,format=I420,width=64,height=64,framerate=30/1");
  small = gst_buffer_new_allocate (NULL, 64 * 64 * 3 / 2, NULL);
  sample = gst_sample_new (small, caps, NULL, NULL);
  lines = pd_ocr_engine_recognize_sample (shared_engine (), sample, &error);
  g_assert_null (lines);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT);
  g_clear_error (&error);
  /* BGRA caps over a buffer too small for them. */
  gst_clear_caps (&caps);
  g_clear_pointer (&sample, gst_sample_unref);
  caps = gst_caps_from_string ("video/x-raw,format=BGRA,width=1080,height=2400,framerate=30/1");
  sample = gst_sample_new (small, caps, NULL, NULL);
  lines = pd_ocr_engine_recognize_sample (shared_engine (), sample, &error);
  g_assert_null (lines);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT);
  g_clear_error (&error);
  /* A language name that tries to leave the data folder. */
  bad = pd_ocr_engine_new ("../../etc/passwd", &error);
  g_assert_null (bad);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE);
}

static void
test_missing_data (void)
{
  g_autofree char *empty = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("TESSDATA_PREFIX"));
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (PdOcrWorker) worker = NULL;
  gboolean ok;

  if (!ocr_available ())
    return;
  empty = g_dir_make_tmp ("pd-tessdata-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("TESSDATA_PREFIX", empty, TRUE);
  ok = pd_ocr_is_available (&error);
  checklist = load_checklist ("wechat-chat");
  worker = pd_ocr_worker_new (checklist, error ? NULL : &error);
  if (saved)
    g_setenv ("TESSDATA_PREFIX", saved, TRUE);
  else
    g_unsetenv ("TESSDATA_PREFIX");
  g_rmdir (empty);
  g_assert_false (ok);
  g_assert_null (worker);
  g_assert_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, ".traineddata"));
}

/* ---------------------------------------------------------------- live worker */

static void
on_suggestion (PdOcrWorker *worker, PdOcrSuggestion *s, gpointer user_data)
{
  g_ptr_array_add (user_data, pd_ocr_suggestion_copy (s));
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (PdOcrWorker *worker, GPtrArray *got, guint64 want);

/* Runs the main context until `cond` holds, at most `seconds`. */
static gboolean
wait_for (Condition cond, PdOcrWorker *worker, GPtrArray *got, guint64 want, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, wake, NULL);
  gboolean ok;

  while (!(ok = cond (worker, got, want)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  /* Let deliveries already queued run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return ok;
}

static gboolean
has_read (PdOcrWorker *worker, GPtrArray *got, guint64 want)
{
  guint64 read;

  pd_ocr_worker_get_stats (worker, NULL, &read, NULL, NULL);
  return read >= want;
}

static gboolean
has_unchanged (PdOcrWorker *worker, GPtrArray *got, guint64 want)
{
  guint64 unchanged;

  pd_ocr_worker_get_stats (worker, NULL, NULL, &unchanged, NULL);
  return unchanged >= want;
}

static guint
count_item (GPtrArray *got, const char *item_id)
{
  guint n = 0;

  for (guint i = 0; i < got->len; i++)
    n += g_str_equal (((PdOcrSuggestion *) g_ptr_array_index (got, i))->item_id, item_id);
  return n;
}

static GstSample *
render_sample (PdTestFrameKind kind)
{
  cairo_surface_t *surface = pd_test_frame_render (kind, 1080, 2400, NULL);
  GstSample *sample = pd_test_frame_to_sample (surface);

  cairo_surface_destroy (surface);
  return sample;
}

static void
test_worker_suggests (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_suggestion_free);
  g_autoptr (GstSample) chat = NULL;
  g_autoptr (GstSample) id_page = NULL;
  g_autoptr (GError) error = NULL;
  PdOcrWorker *worker;
  PdOcrSuggestion *amount;
  guint64 offered, read, unchanged, dropped;
  guint n;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  chat = render_sample (PD_TEST_FRAME_CHAT);
  id_page = render_sample (PD_TEST_FRAME_REAL_NAME);
  worker = pd_ocr_worker_new (checklist, &error);
  g_assert_no_error (error);
  pd_ocr_worker_set_min_interval (worker, 50 * GST_MSECOND);
  g_signal_connect (worker, "suggestion", G_CALLBACK (on_suggestion), got);

  /* A chat frame: its suggestions arrive on this thread's main context. */
  pd_ocr_worker_offer (worker, chat, 7 * GST_SECOND);
  g_assert_true (wait_for (has_read, worker, got, 1, 60));
  amount = find_suggestion (got, "chat.transfers", "50000.00");
  g_assert_nonnull (amount);
  g_assert_cmpuint (amount->stream_time, ==, 7 * GST_SECOND);
  g_assert_nonnull (amount->frame);
  g_assert_nonnull (find_suggestion (got, NULL, "2025-06-30"));
  n = got->len;

  /* The same picture again: looked at, not read. */
  for (guint64 i = 1; i <= 3; i++)
    {
      pd_ocr_worker_offer (worker, chat, (7 + i) * GST_SECOND);
      g_assert_true (wait_for (has_unchanged, worker, got, i, 30));
    }
  pd_ocr_worker_get_stats (worker, NULL, &read, &unchanged, NULL);
  g_assert_cmpuint (read, ==, 1);
  g_assert_cmpuint (unchanged, ==, 3);
  g_assert_cmpuint (got->len, ==, n);

  /* Another page: read, new suggestions. */
  pd_ocr_worker_offer (worker, id_page, 20 * GST_SECOND);
  g_assert_true (wait_for (has_read, worker, got, 2, 60));
  g_assert_nonnull (find_suggestion (got, "party.identity", NULL));
  n = got->len;

  /* Back to the chat: read again (it changed), but nothing suggested twice. */
  pd_ocr_worker_offer (worker, chat, 30 * GST_SECOND);
  g_assert_true (wait_for (has_read, worker, got, 3, 60));
  g_assert_cmpuint (got->len, ==, n);
  g_assert_cmpuint (count_item (got, "chat.transfers"), ==, 1);

  pd_ocr_worker_get_stats (worker, &offered, &read, &unchanged, &dropped);
  g_assert_cmpuint (offered, ==, 6);
  g_assert_cmpuint (read, ==, 3);
  g_assert_cmpuint (unchanged, ==, 3);
  g_assert_cmpuint (dropped, ==, 0);

  /* Stopped: offers are counted and dropped, nothing is read or emitted. */
  pd_ocr_worker_stop (worker);
  pd_ocr_worker_offer (worker, id_page, 40 * GST_SECOND);
  pd_ocr_worker_stop (worker);
  pd_ocr_worker_get_stats (worker, &offered, &read, NULL, &dropped);
  g_assert_cmpuint (offered, ==, 7);
  g_assert_cmpuint (dropped, ==, 1);
  g_assert_cmpuint (read, ==, 3);
  g_assert_finalize_object (worker);
}

static void
test_worker_offer_never_blocks (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GstSample) chat = NULL;
  g_autoptr (GstSample) other = NULL;
  g_autoptr (GError) error = NULL;
  PdOcrWorker *worker;
  guint64 offered, read, dropped;
  gint64 t0, t1, t2;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  chat = render_sample (PD_TEST_FRAME_CHAT);
  other = render_sample (PD_TEST_FRAME_UNRELATED);
  worker = pd_ocr_worker_new (checklist, &error);
  g_assert_no_error (error);
  pd_ocr_worker_set_min_interval (worker, 0);
  /* An OCR far too slow for the frame rate. */
  pd_ocr_worker_set_extra_delay (worker, 3 * GST_SECOND);
  pd_ocr_worker_offer (worker, chat, 0);
  g_assert_true (wait_for (has_read, worker, NULL, 1, 60));

  /* The worker is now sleeping for 3 s: 1000 offers must all return meanwhile. */
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 1000; i++)
    pd_ocr_worker_offer (worker, (i & 1) ? chat : other, (i + 1) * GST_SECOND / 30);
  t1 = g_get_monotonic_time ();
  pd_ocr_worker_get_stats (worker, &offered, &read, NULL, &dropped);
  g_test_message ("1000 offers took %.3f ms", (t1 - t0) / 1000.0);
  g_assert_cmpuint (offered, ==, 1001);
  g_assert_cmpuint (read, ==, 1);        /* still busy with the first frame */
  g_assert_cmpuint (dropped, ==, 999);   /* one waits in the slot, the rest were replaced */

  /* Stopping does not wait out the artificial delay. */
  pd_ocr_worker_stop (worker);
  t2 = g_get_monotonic_time ();
  g_test_message ("stop took %.3f ms", (t2 - t1) / 1000.0);
  pd_ocr_worker_get_stats (worker, NULL, &read, NULL, NULL);
  g_assert_cmpuint (read, ==, 1);
  g_assert_finalize_object (worker);
}

/* ---------------------------------------------------------------- with a capture */

typedef struct
{
  char      *root;
  GMainLoop *loop;
  PdPackage *package;
  GError    *error;
  PdCapture *capture;
  guint64    until;
  guint64    stopped_at;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-ocr-XXXXXX", &error);
  g_assert_no_error (error);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->package);
  g_clear_object (&f->capture);
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

static void
on_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
stop_when_due (gpointer user_data)
{
  Fixture *f = user_data;

  f->stopped_at = pd_capture_get_running_time (f->capture);
  if (f->stopped_at < f->until)
    return G_SOURCE_CONTINUE;
  pd_capture_stop_async (f->capture, NULL, on_stopped, f);
  return G_SOURCE_REMOVE;
}

static gboolean
quit_when_due (gpointer user_data)
{
  Fixture *f = user_data;

  if (pd_capture_get_running_time (f->capture) < f->until)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

static void
test_capture_under_load (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (PdOcrWorker) worker = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *rec = NULL;
  guint64 offered, read, unchanged, dropped;
  int expected, frames, encoded;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  worker = pd_ocr_worker_new (checklist, &error);
  g_assert_no_error (error);
  /* Each read takes 3 s more than Tesseract needs: the worker falls far behind. */
  pd_ocr_worker_set_extra_delay (worker, 3 * GST_SECOND);

  f->capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (f->capture, f->root);
  pd_capture_set_scenario (f->capture, "wechat-chat");
  pd_capture_set_checkpoint_interval (f->capture, 0);
  pd_capture_set_ocr (f->capture, worker);
  g_assert_true (pd_capture_start (f->capture, &error));
  g_assert_no_error (error);
  f->until = 9 * GST_SECOND;
  g_timeout_add (5, stop_when_due, f);
  g_main_loop_run (f->loop);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->package);

  expected = (int) ((f->stopped_at * 30 + GST_SECOND - 1) / GST_SECOND);
  rec = g_build_filename (pd_package_get_path (f->package), PD_RECORDING_NAME, NULL);
  frames = pd_test_count_decoded_frames (rec, &error);
  g_assert_no_error (error);
  encoded = (int) json_object_get_int_member (json_object_get_object_member (
                pd_package_get_manifest (f->package), "encoder"), "frames");
  pd_ocr_worker_get_stats (worker, &offered, &read, &unchanged, &dropped);
  g_test_message ("recording decoded %d frames, encoded %d, due %d; OCR offered %" G_GUINT64_FORMAT
                  ", read %" G_GUINT64_FORMAT ", unchanged %" G_GUINT64_FORMAT
                  ", dropped %" G_GUINT64_FORMAT, frames, encoded, expected, offered, read,
                  unchanged, dropped);
  /* The recording kept every frame (the bounds test-capture.c uses) … */
  g_assert_cmpint (ABS (frames - encoded), <=, 1);
  g_assert_cmpint (frames, >=, expected * 85 / 100);
  g_assert_cmpint (frames, <=, expected + 1);
  /* … while OCR saw the preview, read a few frames and dropped the rest. */
  g_assert_cmpuint (offered, >=, (guint64) expected / 4);
  g_assert_cmpuint (read, >=, 1);
  g_assert_cmpuint (read, <=, 4);
  g_assert_cmpuint (dropped, >=, offered / 2);
  pd_capture_set_ocr (f->capture, NULL);
}

static void
test_record_suggestion (Fixture *f, gconstpointer data)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) suggestions = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdVerifyResult) verdict = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *manifest_path = NULL;
  PdOcrSuggestion *amount, *date;
  JsonArray *ocr;
  JsonObject *o;
  guint mark;

  if (!ocr_available ())
    return;
  checklist = load_checklist ("wechat-chat");
  suggestions = read_frame (checklist, PD_TEST_FRAME_CHAT, NULL, NULL);
  amount = find_suggestion (suggestions, "chat.transfers", "50000.00");
  date = find_suggestion (suggestions, NULL, "2025-06-30");
  g_assert_nonnull (amount);
  g_assert_nonnull (date);

  tsa = pd_tsa_client_new ("local", &error);
  g_assert_no_error (error);
  f->capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (f->capture, f->root);
  pd_capture_set_scenario (f->capture, "wechat-chat");
  pd_capture_set_tsa (f->capture, tsa);
  pd_capture_set_checkpoint_interval (f->capture, 0);

  /* Not while idle. */
  g_assert_false (pd_capture_record_suggestion (f->capture, amount, "dismissed", 0, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);

  g_assert_true (pd_capture_start (f->capture, &error));
  g_assert_no_error (error);
  f->until = GST_SECOND;
  g_timeout_add (5, quit_when_due, f);
  g_main_loop_run (f->loop);

  mark = pd_capture_add_mark (f->capture, amount->item_id, amount->item_title, amount->text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mark, ==, 1);
  g_assert_true (pd_capture_record_suggestion (f->capture, amount, "confirmed", mark, &error));
  g_assert_no_error (error);
  g_assert_true (pd_capture_record_suggestion (f->capture, date, "dismissed", 0, &error));
  g_assert_no_error (error);
  /* Decisions that do not fit are refused and leave nothing behind. */
  g_assert_false (pd_capture_record_suggestion (f->capture, date, "maybe", 0, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (pd_capture_record_suggestion (f->capture, date, "confirmed", 0, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (pd_capture_record_suggestion (f->capture, date, "confirmed", 9, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (pd_capture_record_suggestion (f->capture, date, "dismissed", 1, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);

  /* Journalled at once, for recovery after a crash. */
  journal_path = g_build_filename (pd_package_get_path (pd_capture_get_package (f->capture)),
                                   PD_JOURNAL_NAME, NULL);
  g_assert_true (g_file_get_contents (journal_path, &journal, NULL, NULL));
  {
    guint events = 0;

    for (const char *p = journal; (p = strstr (p, "\"event\":\"ocr-suggestion\"")) != NULL; p++)
      events++;
    g_assert_cmpuint (events, ==, 2);
  }

  pd_capture_stop_async (f->capture, NULL, on_stopped, f);
  g_main_loop_run (f->loop);
  g_assert_no_error (f->error);
  g_assert_nonnull (f->package);
  g_assert_false (pd_capture_record_suggestion (f->capture, amount, "dismissed", 0, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE);
  g_clear_error (&error);

  /* The manifest on disk has both decisions. */
  manifest_path = g_build_filename (pd_package_get_path (f->package), PD_MANIFEST_NAME, NULL);
  g_assert_true (json_parser_load_from_file (parser, manifest_path, &error));
  g_assert_no_error (error);
  ocr = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                      "ocr_suggestions");
  g_assert_nonnull (ocr);
  g_assert_cmpuint (json_array_get_length (ocr), ==, 2);
  o = json_array_get_object_element (ocr, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "chat.transfers");
  g_assert_cmpstr (json_object_get_string_member (o, "value"), ==, "50000.00");
  g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "confirmed");
  g_assert_cmpint (json_object_get_int_member (o, "mark"), ==, 1);
  g_assert_nonnull (json_object_get_string_member (o, "decided_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "box")), ==, 4);
  o = json_array_get_object_element (ocr, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, date->item_id);
  g_assert_cmpstr (json_object_get_string_member (o, "value"), ==, "2025-06-30");
  g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "dismissed");
  g_assert_true (json_object_get_null_member (o, "mark"));

  /* And the package still verifies. */
  trust = pd_trust_store_new ();
  g_assert_true (pd_trust_store_add_practice_root (trust, &error));
  g_assert_no_error (error);
  verdict = pd_verify_package (pd_package_get_path (f->package), trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("verify: %s", pd_verify_result_get_summary (verdict));
  for (guint i = 0; i < pd_verify_result_get_checks (verdict)->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (pd_verify_result_get_checks (verdict), i);

      if (c->status == PD_CHECK_FAILED)
        g_test_message ("failed: %s %s: %s (%s)", c->id, c->subject ? c->subject : "", c->message,
                        c->detail ? c->detail : "");
    }
  g_assert_cmpuint (pd_verify_result_count_failed (verdict), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (verdict), ==, PD_VERDICT_VALID_PRACTICE);

  /* Recovery of the same capture as if it had been killed (its recording and journal only)
   * brings the decisions back from the journal. */
  {
    g_autofree char *crashed = g_build_filename (f->root, "crashed", NULL);
    g_autofree char *rec_src = g_build_filename (pd_package_get_path (f->package), PD_RECORDING_NAME, NULL);
    g_autofree char *rec_dst = g_build_filename (crashed, PD_RECORDING_NAME, NULL);
    g_autofree char *journal_dst = g_build_filename (crashed, PD_JOURNAL_NAME, NULL);
    g_autofree char *journal_now = NULL;
    g_autofree char *rec = NULL;
    g_autoptr (PdCapture) recovery = NULL;
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (PdPackage) recovered = NULL;
    gsize jlen, rlen;

    g_assert_cmpint (g_mkdir (crashed, 0700), ==, 0);
    g_assert_true (g_file_get_contents (journal_path, &journal_now, &jlen, NULL));
    g_assert_true (g_file_set_contents (journal_dst, journal_now, jlen, NULL));
    g_assert_true (g_file_get_contents (rec_src, &rec, &rlen, NULL));
    g_assert_true (g_file_set_contents (rec_dst, rec, rlen, NULL));
    recovery = pd_capture_new_for_recovery (crashed, &error);
    g_assert_no_error (error);
    pd_capture_recover_async (recovery, NULL, "test", NULL, on_recovered, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    recovered = pd_capture_recover_finish (recovery, result, &error);
    g_assert_no_error (error);
    ocr = json_object_get_array_member (pd_package_get_manifest (recovered), "ocr_suggestions");
    g_assert_nonnull (ocr);
    g_assert_cmpuint (json_array_get_length (ocr), ==, 2);
    o = json_array_get_object_element (ocr, 0);
    g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "confirmed");
    g_assert_cmpint (json_object_get_int_member (o, "mark"), ==, 1);
    o = json_array_get_object_element (ocr, 1);
    g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "dismissed");
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

  g_test_add_func ("/core/ocr/chat-frame", test_chat_frame);
  g_test_add_func ("/core/ocr/real-name-frame", test_real_name_frame);
  g_test_add_func ("/core/ocr/unrelated-frame", test_unrelated_frame);
  g_test_add_func ("/core/ocr/bad-frames", test_bad_frames);
  g_test_add_func ("/core/ocr/missing-language-data", test_missing_data);
  g_test_add_func ("/core/ocr/worker-suggests", test_worker_suggests);
  g_test_add_func ("/core/ocr/worker-offer-never-blocks", test_worker_offer_never_blocks);
  g_test_add ("/core/ocr/capture-under-load", Fixture, NULL, fixture_setup,
              test_capture_under_load, fixture_teardown);
  g_test_add ("/core/ocr/record-suggestion", Fixture, NULL, fixture_setup,
              test_record_suggestion, fixture_teardown);
  ret = g_test_run ();
  g_clear_pointer (&engine, pd_ocr_engine_free);
  return ret;
}

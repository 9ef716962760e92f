/* test-screenrecord.c — a phone's own H.264 from `adb exec-out screenrecord`, through the fake
 * adb (tests/fake-adb) streaming a hand-made Annex-B file: split into access units byte for
 * byte, key frames marked, timestamps increasing across restarts, the "gap" signal, and the
 * errors for a phone that sends nothing and for a missing adb; stopping ends adb at once. */
#include "config.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>

#include "pd-core.h"
#include "sources/pd-screenrecord.h"
#include "test-common.h"

#define N_FRAMES 12

static char *fake_adb;

typedef struct
{
  char           *dir;
  char           *h264;
  GBytes         *stream;     /* what the fake phone sends */
  guint           n_keys;     /* key frames in it */
  PdScreenrecord *rec;
  GstElement     *pipeline;
  GstElement     *sink;
  GPtrArray      *buffers;    /* GstBuffer*, as received */
  guint           gaps;
  guint           gap_run;
  int             gap_status;
  gint64          gap_before_us, gap_after_us;
  guint64         gap_before_rt, gap_after_rt;
} Fixture;

/* ------------------------------------------------------------------------------------ stream */

static void
append_nal (GByteArray *out, const guint8 *nal, gsize len)
{
  static const guint8 start_code[] = { 0, 0, 0, 1 };

  g_byte_array_append (out, start_code, sizeof start_code);
  g_byte_array_append (out, nal, len);
}

/* A payload without zero bytes, so no start code can appear inside it. */
static void
append_slice (GByteArray *out, guint8 header, guint8 first_byte, guint frame, gsize len)
{
  g_autofree guint8 *nal = g_malloc (len);

  nal[0] = header;
  nal[1] = first_byte;
  for (gsize i = 2; i < len; i++)
    nal[i] = (guint8) (1 + (frame * 7 + i) % 250);
  append_nal (out, nal, len);
}

/* N_FRAMES access units: a key frame (SPS, PPS, IDR) every 4th, the others a non-IDR picture;
 * frame 2 has two slices (the second does not start at macroblock 0, so it belongs to the same
 * picture) and frame 5 starts with an access unit delimiter. Each frame is a few kB, so the
 * fake adb's small chunks cut NAL units apart. */
static GBytes *
make_stream (guint *n_keys)
{
  static const guint8 sps[] = { 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50 };
  static const guint8 pps[] = { 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0 };
  static const guint8 aud[] = { 0x09, 0xf0 };
  GByteArray *out = g_byte_array_new ();

  *n_keys = 0;
  for (guint f = 0; f < N_FRAMES; f++)
    {
      if (f == 5)
        append_nal (out, aud, sizeof aud);
      if (f % 4 == 0)
        {
          append_nal (out, sps, sizeof sps);
          append_nal (out, pps, sizeof pps);
          append_slice (out, 0x65, 0x88, f, 3000 + f * 11);
          (*n_keys)++;
        }
      else
        append_slice (out, 0x41, 0x9a, f, 1200 + f * 13);
      if (f == 2)
        append_slice (out, 0x41, 0x1a, f, 700);
    }
  return g_byte_array_free_to_bytes (out);
}

/* ------------------------------------------------------------------------------------ fixture */

static void
on_gap (PdScreenrecord *rec, gint64 before_us, gint64 after_us, guint64 before_rt,
        guint64 after_rt, guint run, int status, Fixture *f)
{
  if (f->gaps++ > 0)
    return;
  f->gap_before_us = before_us;
  f->gap_after_us = after_us;
  f->gap_before_rt = before_rt;
  f->gap_after_rt = after_rt;
  f->gap_run = run;
  f->gap_status = status;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("pd-test-screenrecord-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->h264 = g_build_filename (f->dir, "phone.h264", NULL);
  f->stream = make_stream (&f->n_keys);
  g_assert_true (g_file_set_contents (f->h264, g_bytes_get_data (f->stream, NULL),
                                      (gssize) g_bytes_get_size (f->stream), NULL));
  f->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  g_setenv ("PROOFDESK_ADB", fake_adb, TRUE);
  g_setenv ("FAKE_ADB_H264", f->h264, TRUE);
  g_setenv ("FAKE_ADB_TIME_LIMIT", "0.5", TRUE);
  g_unsetenv ("FAKE_ADB_DEVICES");
}

static void
stop_pipeline (Fixture *f)
{
  if (f->pipeline)
    gst_element_set_state (f->pipeline, GST_STATE_NULL);
  g_clear_object (&f->sink);
  g_clear_object (&f->pipeline);
  g_clear_object (&f->rec);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  stop_pipeline (f);
  g_ptr_array_unref (f->buffers);
  g_bytes_unref (f->stream);
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->h264);
  g_unsetenv ("FAKE_ADB_H264");
  g_unsetenv ("FAKE_ADB_TIME_LIMIT");
}

/* appsrc (the PdScreenrecord) ! appsink, playing. */
static void
start (Fixture *f, const char *serial)
{
  f->rec = pd_screenrecord_new (serial);
  g_signal_connect (f->rec, "gap", G_CALLBACK (on_gap), f);
  f->pipeline = gst_pipeline_new ("screenrecord-test");
  f->sink = gst_object_ref_sink (gst_element_factory_make ("appsink", "sink"));
  g_object_set (f->sink, "sync", FALSE, "max-buffers", 0, NULL);
  gst_bin_add_many (GST_BIN (f->pipeline), pd_screenrecord_get_element (f->rec), f->sink, NULL);
  g_assert_true (gst_element_link (pd_screenrecord_get_element (f->rec), f->sink));
  g_assert_cmpint (gst_element_set_state (f->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

/* Collects buffers and runs the main context (where "gap" arrives) until `done` or the
 * timeout. Returns the error posted on the bus, if any. */
static GError *
pump (Fixture *f, gboolean (*done) (Fixture *f), guint timeout_s)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (f->pipeline);
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline && !(done && done (f)))
    {
      GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (f->sink), 20 * GST_MSECOND);
      g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (sample)
        {
          g_ptr_array_add (f->buffers, gst_buffer_ref (gst_sample_get_buffer (sample)));
          gst_sample_unref (sample);
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (msg)
        {
          GError *error = NULL;

          gst_message_parse_error (msg, &error, NULL);
          return error;
        }
    }
  return NULL;
}

static gboolean
have_one_run (Fixture *f)
{
  return f->buffers->len >= N_FRAMES;
}

static gboolean
have_gap (Fixture *f)
{
  return f->gaps >= 1 && f->buffers->len > N_FRAMES;
}

/* ------------------------------------------------------------------------------------ element */

static void
test_element (Fixture *f, gconstpointer data)
{
  g_autoptr (PdScreenrecord) rec = pd_screenrecord_new ("FAKESERIAL");
  GstElement *src = pd_screenrecord_get_element (rec);
  g_autoptr (GstCaps) caps = NULL;
  GstStructure *s;
  gboolean live = FALSE, block = TRUE;
  GstFormat format = GST_FORMAT_UNDEFINED;

  g_assert_true (GST_IS_ELEMENT (src));
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (src), ==, "GstAppSrc");
  g_object_get (src, "caps", &caps, "is-live", &live, "block", &block, "format", &format, NULL);
  g_assert_nonnull (caps);
  s = gst_caps_get_structure (caps, 0);
  g_assert_cmpstr (gst_structure_get_name (s), ==, "video/x-h264");
  g_assert_cmpstr (gst_structure_get_string (s, "stream-format"), ==, "byte-stream");
  g_assert_cmpstr (gst_structure_get_string (s, "alignment"), ==, "au");
  g_assert_true (live);
  /* Never blocks the reader: a stalled adb would stall the phone's encoder. */
  g_assert_false (block);
  g_assert_cmpint (format, ==, GST_FORMAT_TIME);
  /* Nothing is spawned before the pipeline plays. */
  g_assert_cmpuint (pd_screenrecord_get_runs (rec), ==, 0);
}

/* ------------------------------------------------------------------------------------ stream */

static void
test_access_units (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) joined = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint keys = 0;
  GstClockTime last = GST_CLOCK_TIME_NONE;

  g_setenv ("FAKE_ADB_TIME_LIMIT", "2", TRUE);
  start (f, "FAKESERIAL");
  error = pump (f, have_one_run, 20);
  g_assert_no_error (error);
  g_assert_cmpuint (f->buffers->len, >=, N_FRAMES);

  for (guint i = 0; i < N_FRAMES; i++)
    {
      GstBuffer *buf = g_ptr_array_index (f->buffers, i);
      GstMapInfo info;
      gboolean key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);

      g_assert_true (gst_buffer_map (buf, &info, GST_MAP_READ));
      /* One access unit a buffer, Annex-B: it starts with a start code. */
      g_assert_cmpuint (info.size, >, 4);
      g_assert_cmpmem (info.data, 4, "\0\0\0\1", 4);
      /* Key frames are the ones that carry an IDR slice, and they lead with their SPS. */
      g_assert_cmpint (key, ==, i % 4 == 0);
      if (key)
        g_assert_cmpuint (info.data[4] & 0x1f, ==, 7);
      g_byte_array_append (joined, info.data, info.size);
      gst_buffer_unmap (buf, &info);
      keys += key;

      g_assert_true (GST_BUFFER_PTS_IS_VALID (buf));
      g_assert_cmpuint (GST_BUFFER_DTS (buf), ==, GST_BUFFER_PTS (buf));
      if (GST_CLOCK_TIME_IS_VALID (last))
        g_assert_cmpuint (GST_BUFFER_PTS (buf), >, last);
      last = GST_BUFFER_PTS (buf);
    }
  g_assert_cmpuint (keys, ==, f->n_keys);
  g_assert_cmpuint (keys, ==, 3);
  /* Not re-encoded, not re-cut: the access units together are the phone's bytes. */
  g_assert_cmpmem (joined->data, joined->len, g_bytes_get_data (f->stream, NULL),
                   g_bytes_get_size (f->stream));
  g_assert_cmpuint (pd_screenrecord_get_runs (f->rec), >=, 1);
}

/* Android stops screenrecord at its time limit: it is started again, the pictures keep coming
 * with increasing timestamps, and the gap is reported. */
static void
test_restart_gap (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GstClockTime last = GST_CLOCK_TIME_NONE;

  start (f, "FAKESERIAL");
  error = pump (f, have_gap, 20);
  g_assert_no_error (error);
  g_assert_cmpuint (f->gaps, >=, 1);
  g_assert_cmpuint (f->gap_run, ==, 2);
  g_assert_cmpint (f->gap_status, ==, 0);
  g_assert_cmpint (f->gap_before_us, >, 0);
  g_assert_cmpint (f->gap_after_us, >=, f->gap_before_us);
  g_assert_cmpuint (f->gap_after_rt, >, f->gap_before_rt);
  g_assert_cmpuint (pd_screenrecord_get_runs (f->rec), >=, 2);
  /* The first picture after the restart is a key frame (the stream starts over). */
  g_assert_false (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (f->buffers, N_FRAMES),
                                          GST_BUFFER_FLAG_DELTA_UNIT));
  for (guint i = 0; i < f->buffers->len; i++)
    {
      GstBuffer *buf = g_ptr_array_index (f->buffers, i);

      if (GST_CLOCK_TIME_IS_VALID (last))
        g_assert_cmpuint (GST_BUFFER_PTS (buf), >, last);
      last = GST_BUFFER_PTS (buf);
    }
}

/* ------------------------------------------------------------------------------------ errors */

/* A phone that sends nothing (here: not connected) fails after three empty runs, with adb's
 * own words in the message. */
static void
test_no_frames (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  start (f, "NOSUCHPHONE");
  error = pump (f, NULL, 20);
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "The phone stopped sending its screen"));
  g_assert_nonnull (strstr (error->message, "device 'NOSUCHPHONE' not found"));
  g_assert_cmpuint (pd_screenrecord_get_runs (f->rec), ==, 3);
  g_assert_cmpuint (f->buffers->len, ==, 0);
}

static void
test_adb_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_setenv ("PROOFDESK_ADB", "/nonexistent/adb", TRUE);
  start (f, "FAKESERIAL");
  error = pump (f, NULL, 10);
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "/nonexistent/adb"));
  g_assert_cmpuint (pd_screenrecord_get_runs (f->rec), ==, 0);
}

/* ------------------------------------------------------------------------------------ stop */

static gboolean
have_a_run (Fixture *f)
{
  return f->rec != NULL && pd_screenrecord_get_runs (f->rec) >= 1;
}

/* Stopping the pipeline and dropping the source ends adb now, not when its run would end. */
static void
test_stop_ends_adb (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 t0;

  g_setenv ("FAKE_ADB_TIME_LIMIT", "120", TRUE);
  start (f, "FAKESERIAL");
  error = pump (f, have_a_run, 10);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_screenrecord_get_runs (f->rec), ==, 1);
  t0 = g_get_monotonic_time ();
  stop_pipeline (f);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  fake_adb = g_test_build_filename (G_TEST_DIST, "fake-adb", NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/core/sources/screenrecord/element", test_element);
  ADD ("/core/sources/screenrecord/access-units", test_access_units);
  ADD ("/core/sources/screenrecord/restart-gap", test_restart_gap);
  ADD ("/core/sources/screenrecord/no-frames", test_no_frames);
  ADD ("/core/sources/screenrecord/adb-missing", test_adb_missing);
  ADD ("/core/sources/screenrecord/stop-ends-adb", test_stop_ends_adb);
#undef ADD

  status = g_test_run ();
  g_free (fake_adb);
  return status;
}

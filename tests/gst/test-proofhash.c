/* test-proofhash.c — the proofhash element under GstHarness: NIST vectors, lists, checkpoints,
 * refusal of non-contiguous streams. */
#include "config.h"

#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "pd-core.h"
#include "pd-proofhash.h"
#include "util/pd-util.h"

typedef struct
{
  GstHarness *h;
  GstBus     *bus;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->h = gst_harness_new ("proofhash");
  f->bus = gst_bus_new ();
  gst_element_set_bus (f->h->element, f->bus);
  gst_harness_set_src_caps_str (f->h, "application/octet-stream");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gst_element_set_bus (f->h->element, NULL);
  gst_harness_teardown (f->h);
  gst_object_unref (f->bus);
}

static void
push_bytes (Fixture *f, const guint8 *data, gsize len)
{
  GstBuffer *buf = gst_buffer_new_memdup (data, len);

  g_assert_cmpint (gst_harness_push (f->h, buf), ==, GST_FLOW_OK);
}

static char *
finish (Fixture *f)
{
  char *digest = NULL;

  g_assert_true (gst_harness_push_event (f->h, gst_event_new_eos ()));
  g_object_get (f->h->element, "digest", &digest, NULL);
  return digest;
}

/* The final message's digest and size, or NULL if none was posted. */
static char *
pop_final (Fixture *f, guint64 *size)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (f->bus, GST_MESSAGE_ELEMENT)) != NULL)
    {
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_FINAL))
        {
          char *digest = g_strdup (gst_structure_get_string (s, "sha256"));

          gst_structure_get_uint64 (s, "size", size);
          gst_message_unref (msg);
          return digest;
        }
      gst_message_unref (msg);
    }
  return NULL;
}

static void
check_vector (Fixture *f, const char *message, gsize len, const char *expected)
{
  g_autofree char *digest = NULL;
  g_autofree char *posted = NULL;
  guint64 bytes = 0, size = 0;

  if (len > 0)
    push_bytes (f, (const guint8 *) message, len);
  digest = finish (f);
  g_assert_cmpstr (digest, ==, expected);
  g_object_get (f->h->element, "bytes", &bytes, NULL);
  g_assert_cmpuint (bytes, ==, len);
  posted = pop_final (f, &size);
  g_assert_cmpstr (posted, ==, expected);
  g_assert_cmpuint (size, ==, len);
  /* Passthrough: every buffer went downstream. */
  g_assert_cmpuint (gst_harness_buffers_received (f->h), ==, len > 0 ? 1 : 0);
}

static void
test_nist_empty (Fixture *f, gconstpointer data)
{
  check_vector (f, "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_nist_abc (Fixture *f, gconstpointer data)
{
  check_vector (f, "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_nist_448 (Fixture *f, gconstpointer data)
{
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

  check_vector (f, m, strlen (m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_nist_million_a (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *a = g_malloc (1000000);
  g_autofree char *digest = NULL;
  gsize pos = 0;
  guint i = 0;
  /* Odd sizes so block boundaries never line up with buffer boundaries. */
  static const gsize sizes[] = { 1, 63, 64, 65, 997, 4093, 65537, 3 };

  memset (a, 'a', 1000000);
  while (pos < 1000000)
    {
      gsize n = MIN (sizes[i++ % G_N_ELEMENTS (sizes)], 1000000 - pos);
      push_bytes (f, a + pos, n);
      pos += n;
    }
  digest = finish (f);
  g_assert_cmpstr (digest, ==, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_multi_memory_buffer (Fixture *f, gconstpointer data)
{
  GstBuffer *buf = gst_buffer_new ();
  g_autofree char *digest = NULL;
  GstBuffer *out;
  GstMapInfo map;

  gst_buffer_append_memory (buf, gst_memory_new_wrapped (0, g_strdup ("a"), 1, 0, 1, NULL, g_free));
  gst_buffer_append_memory (buf, gst_memory_new_wrapped (0, g_strdup ("bc"), 2, 0, 2, NULL, g_free));
  g_assert_cmpint (gst_harness_push (f->h, buf), ==, GST_FLOW_OK);
  out = gst_harness_pull (f->h);
  /* Untouched: same bytes out as in. */
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, "abc", 3);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  digest = finish (f);
  g_assert_cmpstr (digest, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_buffer_list (Fixture *f, gconstpointer data)
{
  GstBufferList *list = gst_buffer_list_new ();
  g_autofree char *digest = NULL;
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  gsize len = strlen (m);

  /* Split the 448-bit message across a list of three buffers. */
  gst_buffer_list_add (list, gst_buffer_new_memdup (m, 10));
  gst_buffer_list_add (list, gst_buffer_new_memdup (m + 10, 1));
  gst_buffer_list_add (list, gst_buffer_new_memdup (m + 11, len - 11));
  g_assert_cmpint (gst_pad_push_list (f->h->srcpad, list), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (f->h), ==, 3);
  digest = finish (f);
  g_assert_cmpstr (digest, ==, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_checkpoints_are_prefix_digests (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) all = g_byte_array_new ();
  GstMessage *msg;
  guint checkpoints = 0;
  guint64 last_offset = 0;

  gst_harness_use_testclock (f->h);
  g_object_set (f->h->element, "checkpoint-interval", (guint64) 2 * GST_SECOND, NULL);

  for (guint i = 0; i < 10; i++)
    {
      guint8 chunk[1000 + 37];
      for (guint j = 0; j < sizeof chunk; j++)
        chunk[j] = (guint8) g_random_int ();
      g_assert_true (gst_harness_set_time (f->h, (GstClockTime) (i + 1) * GST_SECOND));
      push_bytes (f, chunk, sizeof chunk);
      g_byte_array_append (all, chunk, sizeof chunk);
    }
  g_free (finish (f));

  while ((msg = gst_bus_pop_filtered (f->bus, GST_MESSAGE_ELEMENT)) != NULL)
    {
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_structure_has_name (s, PD_PROOFHASH_MESSAGE_CHECKPOINT))
        {
          guint64 offset = 0;
          guint index = 0;
          g_autofree char *expected = NULL;

          g_assert_true (gst_structure_get_uint64 (s, "offset", &offset));
          g_assert_true (gst_structure_get_uint (s, "index", &index));
          g_assert_cmpuint (index, ==, checkpoints + 1);
          g_assert_cmpuint (offset, >, last_offset);
          g_assert_cmpuint (offset, <=, all->len);
          expected = pd_sha256_bytes (all->data, offset);
          g_assert_cmpstr (gst_structure_get_string (s, "sha256"), ==, expected);
          last_offset = offset;
          checkpoints++;
        }
      gst_message_unref (msg);
    }
  /* 10 s of running time at a 2 s interval: checkpoints at 2, 4, 6, 8 and 10 s. */
  g_assert_cmpuint (checkpoints, ==, 5);
}

static void
assert_error_and_no_digest (Fixture *f)
{
  g_autoptr (GstMessage) err = gst_bus_pop_filtered (f->bus, GST_MESSAGE_ERROR);
  g_autofree char *digest = NULL;
  guint64 size = 0;

  g_assert_nonnull (err);
  gst_harness_push_event (f->h, gst_event_new_eos ());
  g_object_get (f->h->element, "digest", &digest, NULL);
  g_assert_null (digest);
  g_assert_null (pop_final (f, &size));
}

static void
test_noncontiguous_segment (Fixture *f, gconstpointer data)
{
  GstSegment seg;

  push_bytes (f, (const guint8 *) "0123456789", 10);
  /* A muxer seeking back to rewrite a header sends a byte segment at 0. */
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  seg.start = 0;
  gst_harness_push_event (f->h, gst_event_new_segment (&seg));
  assert_error_and_no_digest (f);
}

static void
test_contiguous_byte_segment_ok (Fixture *f, gconstpointer data)
{
  GstSegment seg;
  GstBuffer *buf;
  g_autofree char *digest = NULL;

  gst_segment_init (&seg, GST_FORMAT_BYTES);
  gst_harness_push_event (f->h, gst_event_new_segment (&seg));
  buf = gst_buffer_new_memdup ("ab", 2);
  GST_BUFFER_OFFSET (buf) = 0;
  g_assert_cmpint (gst_harness_push (f->h, buf), ==, GST_FLOW_OK);
  seg.start = 2;
  seg.position = 2;
  gst_harness_push_event (f->h, gst_event_new_segment (&seg));
  buf = gst_buffer_new_memdup ("c", 1);
  GST_BUFFER_OFFSET (buf) = 2;
  g_assert_cmpint (gst_harness_push (f->h, buf), ==, GST_FLOW_OK);
  digest = finish (f);
  g_assert_cmpstr (digest, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_answers_not_seekable (Fixture *f, gconstpointer data)
{
  g_autoptr (GstQuery) q = gst_query_new_seeking (GST_FORMAT_BYTES);
  gboolean seekable = TRUE;

  g_assert_true (gst_pad_peer_query (f->h->srcpad, q));
  gst_query_parse_seeking (q, NULL, &seekable, NULL, NULL);
  g_assert_false (seekable);
}

static void
test_refuses_seek_from_downstream (Fixture *f, gconstpointer data)
{
  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_BYTES, GST_SEEK_FLAG_FLUSH,
                                       GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_NONE, -1);

  push_bytes (f, (const guint8 *) "abc", 3);
  g_assert_false (gst_harness_push_upstream_event (f->h, seek));
}

/* mp4mux in front of proofhash writes strictly forward: the stream hash equals the bytes. */
static void
test_mp4mux_stream_equals_bytes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("proofhash-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "out.mp4", NULL);
  g_autofree char *desc = g_strdup_printf (
    "videotestsrc num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "videoconvert ! video/x-raw,format=I420 ! x264enc key-int-max=30 speed-preset=ultrafast ! "
    "h264parse ! mp4mux fragment-duration=1000 streamable=true ! "
    "proofhash name=h ! filesink location=\"%s\"", path);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GstElement) h = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *file_digest = NULL;
  guint64 size = 0, bytes = 0;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) perr = NULL;
      g_autofree char *dbg = NULL;
      gst_message_parse_error (msg, &perr, &dbg);
      g_error ("pipeline error: %s (%s)", perr->message, dbg);
    }
  h = gst_bin_get_by_name (GST_BIN (pipeline), "h");
  g_object_get (h, "digest", &digest, "bytes", &bytes, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  file_digest = pd_sha256_file (path, &size, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (digest);
  g_assert_cmpstr (digest, ==, file_digest);
  g_assert_cmpuint (bytes, ==, size);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/gst/proofhash/nist/empty", test_nist_empty);
  ADD ("/gst/proofhash/nist/abc", test_nist_abc);
  ADD ("/gst/proofhash/nist/448-bit", test_nist_448);
  ADD ("/gst/proofhash/nist/million-a-odd-buffers", test_nist_million_a);
  ADD ("/gst/proofhash/multi-memory-buffer", test_multi_memory_buffer);
  ADD ("/gst/proofhash/buffer-list", test_buffer_list);
  ADD ("/gst/proofhash/checkpoints-are-prefix-digests", test_checkpoints_are_prefix_digests);
  ADD ("/gst/proofhash/noncontiguous-segment", test_noncontiguous_segment);
  ADD ("/gst/proofhash/contiguous-byte-segment", test_contiguous_byte_segment_ok);
  ADD ("/gst/proofhash/answers-not-seekable", test_answers_not_seekable);
  ADD ("/gst/proofhash/refuses-seek", test_refuses_seek_from_downstream);
#undef ADD
  g_test_add_func ("/gst/proofhash/mp4mux-stream-equals-file", test_mp4mux_stream_equals_bytes);

  return g_test_run ();
}

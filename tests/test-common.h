/* test-common.h — helpers shared by the C tests (header-only, static functions). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

static inline void
pd_test_rm_rf (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      pd_test_rm_rf (child);
    }
  g_rmdir (path);
}

static GstPadProbeReturn
pd_test_count_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  (*(int *) user_data)++;
  return GST_PAD_PROBE_OK;
}

/* Decodes an MP4 with qtdemux ! h264parse ! avdec_h264 and returns the number of frames.
 * Sets `error` if the pipeline fails before EOS (the frames counted so far are returned). */
static inline int
pd_test_count_decoded_frames (const char *path, GError **error)
{
  g_autofree char *desc = g_strdup_printf (
    "filesrc location=\"%s\" ! qtdemux ! h264parse ! avdec_h264 ! fakesink name=sink", path);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, error);
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  int frames = 0;

  if (pipeline == NULL)
    return -1;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, pd_test_count_probe, &frames, NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "decoding timed out");
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, error, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return frames;
}

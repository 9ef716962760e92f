/* test-device.c — phones through a fake adb: device list, hot-plug, environment report, adb capture with gaps. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/wait.h>

#include "pd-capture.h"
#include "pd-core.h"
#include "pd-device.h"
#include "pd-error.h"
#include "pd-package.h"
#include "pd-tsa.h"

static char *fake_adb;

static void
use_fake_adb (void)
{
  g_setenv ("PROOFDESK_ADB", fake_adb, TRUE);
  g_unsetenv ("FAKE_ADB_DEVICES");
  g_unsetenv ("FAKE_ADB_ROOTED");
}

static void
test_parse (void)
{
  const char *text =
    "* daemon not running; starting now at tcp:5037\n"
    "* daemon started successfully\n"
    "List of devices attached\n"
    "R58M123ABC             device usb:1-1 product:beyond1ltexx model:SM_G973F device:beyond1 transport_id:1\n"
    "0123456789ABCDEF       unauthorized usb:1-2 transport_id:2\n"
    "emulator-5554          offline transport_id:3\n"
    "XYZ                    no permissions (missing udev rules? user is in the plugdev group); see [http://developer.android.com/tools/device.html] usb:1-3 transport_id:4\n"
    "\n";
  g_autoptr (GPtrArray) devs = pd_adb_parse_devices (text);
  g_autofree char *label = NULL;

  g_assert_cmpuint (devs->len, ==, 4);
  g_assert_cmpstr (pd_device_get_serial (devs->pdata[0]), ==, "R58M123ABC");
  g_assert_cmpint (pd_device_get_state (devs->pdata[0]), ==, PD_DEVICE_STATE_DEVICE);
  g_assert_cmpstr (pd_device_get_model (devs->pdata[0]), ==, "SM_G973F");
  g_assert_cmpstr (pd_device_get_product (devs->pdata[0]), ==, "beyond1ltexx");
  g_assert_cmpstr (pd_device_get_transport_id (devs->pdata[0]), ==, "1");
  label = pd_device_dup_label (devs->pdata[0]);
  g_assert_cmpstr (label, ==, "SM G973F");
  g_assert_null (pd_device_get_explanation (devs->pdata[0]));
  g_assert_cmpint (pd_device_get_state (devs->pdata[1]), ==, PD_DEVICE_STATE_UNAUTHORIZED);
  g_assert_nonnull (strstr (pd_device_get_explanation (devs->pdata[1]), "Allow"));
  g_assert_cmpint (pd_device_get_state (devs->pdata[2]), ==, PD_DEVICE_STATE_OFFLINE);
  g_assert_cmpstr (pd_device_get_state_text (devs->pdata[3]), ==, "no permissions");
  g_assert_cmpstr (pd_device_get_transport_id (devs->pdata[3]), ==, "4");
  g_assert_nonnull (strstr (pd_device_get_explanation (devs->pdata[3]), "udev"));
}

static void
test_adb_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devs = NULL;
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));

  g_setenv ("PROOFDESK_ADB", "/nonexistent/adb", TRUE);
  devs = pd_adb_list_devices (NULL, &error);
  g_assert_null (devs);
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING);
  g_clear_error (&error);

  g_unsetenv ("PROOFDESK_ADB");
  g_setenv ("PATH", "/nonexistent", TRUE);
  devs = pd_adb_list_devices (NULL, &error);
  g_setenv ("PATH", old_path, TRUE);
  g_assert_null (devs);
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING);
  g_assert_nonnull (strstr (error->message, "apt install adb"));
  use_fake_adb ();
}

static void
test_unauthorized (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) report = NULL;

  use_fake_adb ();
  g_assert_false (pd_adb_check_device ("FAKEUNAUTH", NULL, &error));
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "USB debugging"));
  g_clear_error (&error);
  report = pd_env_report_collect ("NOSUCHPHONE", NULL, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NOT_FOUND);
}

typedef struct
{
  guint added, removed, changed;
} MonitorCounts;

static void on_added (PdDeviceMonitor *m, PdDevice *d, MonitorCounts *c) { c->added++; }
static void on_removed (PdDeviceMonitor *m, PdDevice *d, MonitorCounts *c) { c->removed++; }
static void on_changed (PdDeviceMonitor *m, PdDevice *d, MonitorCounts *c) { c->changed++; }

static gboolean
wait_for (guint *counter, guint value)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*counter < value && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return *counter >= value;
}

static void
test_monitor (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pd-device-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "devices", NULL);
  g_autoptr (PdDeviceMonitor) monitor = NULL;
  MonitorCounts c = { 0 };
  g_autoptr (PdDevice) first = NULL;

  use_fake_adb ();
  g_setenv ("FAKE_ADB_DEVICES", file, TRUE);
  g_file_set_contents (file, "List of devices attached\nAAA device model:One transport_id:1\n\n", -1, NULL);
  monitor = pd_device_monitor_new ();
  pd_device_monitor_set_interval (monitor, 100);
  g_signal_connect (monitor, "device-added", G_CALLBACK (on_added), &c);
  g_signal_connect (monitor, "device-removed", G_CALLBACK (on_removed), &c);
  g_signal_connect (monitor, "device-changed", G_CALLBACK (on_changed), &c);
  pd_device_monitor_start (monitor);
  g_assert_true (wait_for (&c.added, 1));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (monitor)) == PD_TYPE_DEVICE);

  g_file_set_contents (file, "List of devices attached\nAAA device model:One transport_id:1\nBBB unauthorized transport_id:2\n", -1, NULL);
  g_assert_true (wait_for (&c.added, 2));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 2);

  g_file_set_contents (file, "List of devices attached\nBBB device model:Two transport_id:2\n", -1, NULL);
  g_assert_true (wait_for (&c.removed, 1));
  g_assert_true (wait_for (&c.changed, 1));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 1);
  first = g_list_model_get_item (G_LIST_MODEL (monitor), 0);
  g_assert_cmpstr (pd_device_get_serial (first), ==, "BBB");
  g_assert_cmpint (pd_device_get_state (first), ==, PD_DEVICE_STATE_DEVICE);
  pd_device_monitor_stop (monitor);
  g_unlink (file);
  g_rmdir (dir);
  use_fake_adb ();
}

static JsonObject *
collect (const char *app)
{
  g_autoptr (GError) error = NULL;
  JsonObject *report = pd_env_report_collect ("FAKESERIAL", app, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static void
test_env_normal (void)
{
  g_autoptr (JsonObject) r = NULL;
  JsonObject *app, *dev;
  const char *msg;

  use_fake_adb ();
  r = collect ("wechat-chat");
  dev = json_object_get_object_member (r, "device");
  g_assert_cmpstr (json_object_get_string_member (dev, "model"), ==, "Fake Phone 9");
  g_assert_cmpstr (json_object_get_string_member (dev, "android_version"), ==, "13");
  g_assert_cmpstr (json_object_get_string_member (dev, "sdk"), ==, "33");
  g_assert_nonnull (json_object_get_string_member (dev, "fingerprint"));
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (r, "root"), "rooted"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r, "storage"), "data_free_bytes"), ==,
                   G_GINT64_CONSTANT (41943040) * 1024);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r, "battery"), "level"), ==, 87);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "clock"), "timezone"), ==, "Asia/Shanghai");
  app = json_object_get_object_member (r, "app");
  g_assert_cmpstr (json_object_get_string_member (app, "package"), ==, "com.tencent.mm");
  g_assert_true (json_object_get_boolean_member (app, "installed"));
  g_assert_cmpstr (json_object_get_string_member (app, "version_name"), ==, "8.0.40");
  g_assert_cmpstr (json_object_get_string_member (app, "version_code"), ==, "2380");
  g_assert_cmpstr (json_object_get_string_member (app, "installer"), ==, "com.tencent.android.qqdownloader");
  g_assert_cmpstr (json_object_get_string_member (app, "first_install_time"), ==, "2023-02-01 10:11:12");
  g_assert_cmpstr (json_object_get_string_member (app, "signing_sha256"), ==,
                   "1f2e3d4c5b6a798897a6b5c4d3e2f100112233445566778899aabbccddeeff01");
  g_assert_cmpint (pd_env_report_get_check (r, "env.network", &msg), ==, PD_ENV_CHECK_PASSED);
  g_assert_cmpint (pd_env_report_get_check (r, "env.storage", &msg), ==, PD_ENV_CHECK_PASSED);
  g_assert_cmpint (pd_env_report_get_check (r, "env.app", &msg), ==, PD_ENV_CHECK_PASSED);
  g_assert_cmpint (pd_env_report_get_check (r, "env.clock", &msg), ==, PD_ENV_CHECK_PASSED);
  g_assert_nonnull (msg);
}

static void
test_env_rooted (void)
{
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) noapp = NULL;
  const char *msg;

  use_fake_adb ();
  g_setenv ("FAKE_ADB_ROOTED", "1", TRUE);
  g_setenv ("FAKE_ADB_SKEW", "120", TRUE);
  r = collect ("wechat");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "root"), "rooted"));
  g_assert_cmpint (pd_env_report_get_check (r, "env.network", &msg), ==, PD_ENV_CHECK_FAILED);
  g_assert_nonnull (strstr (msg, "Wi-Fi is on"));
  g_assert_nonnull (strstr (msg, "VPN"));
  g_assert_nonnull (strstr (msg, "proxy"));
  g_assert_cmpint (pd_env_report_get_check (r, "env.storage", &msg), ==, PD_ENV_CHECK_FAILED);
  g_assert_cmpint (pd_env_report_get_check (r, "env.app", &msg), ==, PD_ENV_CHECK_FAILED);
  g_assert_nonnull (strstr (msg, "root"));
  g_assert_cmpint (pd_env_report_get_check (r, "env.clock", &msg), ==, PD_ENV_CHECK_FAILED);
  g_unsetenv ("FAKE_ADB_SKEW");
  use_fake_adb ();
  noapp = collect (NULL);
  g_assert_cmpint (pd_env_report_get_check (noapp, "env.app", NULL), ==, PD_ENV_CHECK_UNKNOWN);
}

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
quit_after (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Finds an SPS NAL (type 7) in Annex-B data; returns its bytes. */
static GBytes *
find_sps (const guint8 *data, gsize len)
{
  for (gsize i = 0; i + 4 < len; i++)
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1f) == 7)
      {
        gsize j = i + 3;
        while (j + 3 < len && !(data[j] == 0 && data[j + 1] == 0 && (data[j + 2] == 1 || data[j + 2] == 0)))
          j++;
        return g_bytes_new (data + i + 3, j - i - 3);
      }
  return NULL;
}

static void
test_capture_adb (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pd-adb-capture-XXXXXX", NULL);
  g_autofree char *h264 = g_build_filename (dir, "fake.h264", NULL);
  g_autofree char *root = g_build_filename (dir, "ev", NULL);
  g_autofree char *launch = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *manifest_path = NULL;
  g_autofree char *rec_path = NULL;
  g_autofree char *fake_data = NULL;
  g_autofree char *rec_data = NULL;
  g_autoptr (GBytes) sps = NULL;
  gsize fake_len, rec_len;
  JsonObject *m, *env, *source;
  gboolean done = FALSE;
  int status;

  if (gst_element_factory_find ("x264enc") == NULL)
    {
      g_test_skip ("x264enc is needed to make the fake phone's H.264 stream");
      return;
    }
  /* The fake phone's stream: High profile, which our own encoder settings never produce. */
  launch = g_strdup_printf ("videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 ! "
                            "x264enc speed-preset=veryfast bframes=0 key-int-max=30 ! "
                            "video/x-h264,stream-format=byte-stream,profile=high ! filesink location=%s", h264);
  {
    g_autoptr (GstElement) gen = gst_parse_launch (launch, &error);
    g_autoptr (GstBus) bus = NULL;
    g_autoptr (GstMessage) msg = NULL;

    g_assert_no_error (error);
    gst_element_set_state (gen, GST_STATE_PLAYING);
    bus = gst_element_get_bus (gen);
    msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    g_assert_true (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
    gst_element_set_state (gen, GST_STATE_NULL);
  }
  use_fake_adb ();
  g_setenv ("FAKE_ADB_H264", h264, TRUE);
  g_setenv ("FAKE_ADB_TIME_LIMIT", "2", TRUE);

  spec = pd_source_spec_parse ("adb:FAKESERIAL", &error);
  g_assert_no_error (error);
  capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (capture, root);
  pd_capture_set_scenario (capture, "wechat-chat");
  pd_capture_set_checkpoint_interval (capture, GST_SECOND);
  {
    /* The practice authority (PROOFDESK_DATA_DIR), so that `proofctl verify` can say valid. */
    g_autoptr (PdTsaClient) tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);

    g_assert_no_error (error);
    pd_capture_set_tsa (capture, tsa);
  }
  g_assert_true (pd_capture_start (capture, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pd_capture_get_encoder_name (capture), ==, "passthrough");
  g_timeout_add_seconds (5, quit_after, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  pd_capture_stop_async (capture, NULL, on_stopped, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  package = pd_capture_stop_finish (capture, result, &error);
  g_assert_no_error (error);

  /* The package verifies with proofctl. */
  {
    const char *argv[] = { g_getenv ("PROOFCTL"), "verify", pd_package_get_path (package), NULL };

    if (argv[0] != NULL)
      {
        g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
        g_assert_no_error (error);
        g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
      }
  }

  manifest_path = g_build_filename (pd_package_get_path (package), "manifest.json", NULL);
  g_assert_true (json_parser_load_from_file (parser, manifest_path, &error));
  m = json_node_get_object (json_parser_get_root (parser));
  env = json_object_get_object_member (m, "environment");
  g_assert_nonnull (env);
  g_assert_true (json_object_has_member (json_object_get_object_member (env, "before"), "checks"));
  g_assert_true (json_object_has_member (json_object_get_object_member (env, "after"), "checks"));
  source = json_object_get_object_member (m, "source");
  g_assert_cmpstr (json_object_get_string_member (source, "kind"), ==, "adb");
  g_assert_cmpstr (json_object_get_string_member (source, "serial"), ==, "FAKESERIAL");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (source, "gaps")), >=, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (m, "encoder"), "element"), ==, "passthrough");

  /* Not re-encoded: the phone's SPS (High profile) is in the file byte for byte. */
  g_assert_true (g_file_get_contents (h264, &fake_data, &fake_len, NULL));
  sps = find_sps ((const guint8 *) fake_data, fake_len);
  g_assert_nonnull (sps);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (sps, NULL))[1], ==, 100);
  rec_path = g_build_filename (pd_package_get_path (package), "recording.mp4", NULL);
  g_assert_true (g_file_get_contents (rec_path, &rec_data, &rec_len, NULL));
  g_assert_nonnull (memmem (rec_data, rec_len, g_bytes_get_data (sps, NULL), g_bytes_get_size (sps)));
  g_unsetenv ("FAKE_ADB_TIME_LIMIT");
}

static void
test_v4l2_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("v4l2:/dev/video99", &error);
  g_autoptr (PdCapture) capture = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pd-v4l2-XXXXXX", NULL);

  g_assert_no_error (error);
  capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (capture, dir);
  g_assert_false (pd_capture_start (capture, &error));
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_VIDEO_DEVICE);
  g_assert_nonnull (strstr (error->message, "/dev/video99"));
  g_clear_error (&error);
  g_assert_null (pd_source_spec_parse ("v4l2:", &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE);
}

static void
test_pipewire (void)
{
  /* pipewiresrc needs a session manager (WirePlumber) to link it to a node; none is installed
   * here, and a bare `pipewire` daemon links nothing. */
  g_test_skip (g_find_program_in_path ("wireplumber") == NULL
               ? "PipeWire capture is untested: WirePlumber is not installed, and without it a headless PipeWire graph cannot link pipewiresrc to a node"
               : "PipeWire capture is untested: the test against a running WirePlumber graph is not written yet");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  fake_adb = g_test_build_filename (G_TEST_DIST, "fake-adb", NULL);

  g_test_add_func ("/core/device/parse", test_parse);
  g_test_add_func ("/core/device/adb-missing", test_adb_missing);
  g_test_add_func ("/core/device/unauthorized", test_unauthorized);
  g_test_add_func ("/core/device/monitor", test_monitor);
  g_test_add_func ("/core/device/env-normal", test_env_normal);
  g_test_add_func ("/core/device/env-rooted", test_env_rooted);
  g_test_add_func ("/core/device/capture-adb", test_capture_adb);
  g_test_add_func ("/core/device/v4l2-missing", test_v4l2_missing);
  g_test_add_func ("/core/device/pipewire", test_pipewire);
  return g_test_run ();
}

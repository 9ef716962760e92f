/* test-device.c — phones through a fake adb: device list, hot-plug, environment report, adb capture with gaps. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/pd-capture.h"
#include "checklist/pd-checklist.h"
#include "pd-core.h"
#include "sources/pd-device.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "sources/pd-portal.h"
#include "timestamp/pd-tsa.h"
#include "verify/pd-verify.h"

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

/* What the capture page does with PdCapture::environment. */
static void
apply_environment_before (PdChecklist *checklist, const char *when, JsonObject *report)
{
  if (g_str_equal (when, "before"))
    pd_checklist_apply_environment (checklist, report);
}

static void
test_capture_adb (void)
{
  g_autoptr (PdChecklist) checklist = NULL;
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
  /* The checklist's environment items are ticked by the report taken before recording. */
  checklist = pd_checklist_load (NULL, "wechat-chat", &error);
  g_assert_no_error (error);
  g_signal_connect_swapped (capture, "environment", G_CALLBACK (apply_environment_before), checklist);
  {
    /* The practice authority (PROOFDESK_DATA_DIR), so that `proofctl verify` can say valid. */
    g_autoptr (PdTsaClient) tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);

    g_assert_no_error (error);
    pd_capture_set_tsa (capture, tsa);
  }
  g_assert_true (pd_capture_start (capture, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pd_capture_get_encoder_name (capture), ==, "passthrough");
  g_assert_cmpint (pd_checklist_item_get_auto_check (pd_checklist_lookup_item (checklist, "env.storage"), NULL),
                   ==, PD_CHECKLIST_AUTO_PASSED);
  g_assert_true (pd_checklist_item_is_done (pd_checklist_lookup_item (checklist, "env.storage")));
  g_assert_false (pd_checklist_item_is_marked (pd_checklist_lookup_item (checklist, "env.storage")));
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
  /* The size comes from the phone's own stream (320×240 here), not from a guess. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (m, "encoder"), "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (m, "encoder"), "height"), ==, 240);

  /* Not re-encoded: the phone's SPS (High profile) is in the file byte for byte. */
  g_assert_true (g_file_get_contents (h264, &fake_data, &fake_len, NULL));
  sps = find_sps ((const guint8 *) fake_data, fake_len);
  g_assert_nonnull (sps);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (sps, NULL))[1], ==, 100);
  rec_path = g_build_filename (pd_package_get_path (package), "recording.mp4", NULL);
  g_assert_true (g_file_get_contents (rec_path, &rec_data, &rec_len, NULL));
  g_assert_nonnull (memmem (rec_data, rec_len, g_bytes_get_data (sps, NULL), g_bytes_get_size (sps)));
  g_unsetenv ("FAKE_ADB_TIME_LIMIT");

  /* Recovery of the same capture as if it had been killed (its recording and journal only):
   * the gaps and both environment reports come back from the journal. */
  {
    g_autofree char *crashed = g_build_filename (dir, "crashed", NULL);
    g_autofree char *journal_src = g_build_filename (pd_package_get_path (package), "journal.jsonl", NULL);
    g_autofree char *journal_dst = g_build_filename (crashed, "journal.jsonl", NULL);
    g_autofree char *rec_dst = g_build_filename (crashed, "recording.mp4", NULL);
    g_autofree char *journal = NULL;
    g_autoptr (PdCapture) recovery = NULL;
    g_autoptr (GAsyncResult) rec_result = NULL;
    g_autoptr (PdPackage) recovered = NULL;
    JsonObject *rm, *renv;
    gsize jlen;

    g_assert_cmpint (g_mkdir (crashed, 0700), ==, 0);
    g_assert_true (g_file_get_contents (journal_src, &journal, &jlen, NULL));
    g_assert_true (g_file_set_contents (journal_dst, journal, jlen, NULL));
    g_assert_true (g_file_set_contents (rec_dst, rec_data, rec_len, NULL));
    recovery = pd_capture_new_for_recovery (crashed, &error);
    g_assert_no_error (error);
    pd_capture_recover_async (recovery, NULL, "test", NULL, on_stopped, &rec_result);
    while (rec_result == NULL)
      g_main_context_iteration (NULL, TRUE);
    recovered = pd_capture_recover_finish (recovery, rec_result, &error);
    g_assert_no_error (error);
    rm = pd_package_get_manifest (recovered);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (rm, "source"), "gaps")), ==,
                      json_array_get_length (json_object_get_array_member (source, "gaps")));
    renv = json_object_get_object_member (rm, "environment");
    g_assert_nonnull (renv);
    g_assert_cmpint (pd_env_report_get_check (json_object_get_object_member (renv, "before"), "env.storage", NULL), ==, PD_ENV_CHECK_PASSED);
    g_assert_true (json_object_has_member (json_object_get_object_member (renv, "after"), "checks"));
  }
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

/* A private, headless PipeWire graph: pipewire and WirePlumber as children, with their own
 * runtime folder and D-Bus session bus, so the test touches nothing of the user's session. */
typedef struct
{
  char        *runtime_dir;
  char        *old_runtime_dir;
  GTestDBus   *bus;
  GSubprocess *pipewire;
  GSubprocess *wireplumber;
  GstElement  *publisher;
} PwGraph;

/* The daemons die with the test, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
pw_spawn (PwGraph *g, const char *program, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autofree char *log = g_strdup_printf ("%s/%s.log", g->runtime_dir, program);

  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", g->runtime_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "PIPEWIRE_RUNTIME_DIR", g->runtime_dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "PIPEWIRE_REMOTE");
  /* The test's fatal-warnings must not reach the daemons. */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawn (launcher, error, program, NULL);
}

static char *
pw_log_tail (PwGraph *g, const char *program)
{
  g_autofree char *log = g_strdup_printf ("%s/%s.log", g->runtime_dir, program);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (log, &text, &len, NULL) || len == 0)
    return g_strdup ("(no output)");
  return g_strdup (len > 400 ? text + len - 400 : text);
}

static void
pw_graph_stop (PwGraph *g)
{
  if (g->publisher)
    {
      gst_element_set_state (g->publisher, GST_STATE_NULL);
      gst_clear_object (&g->publisher);
    }
  if (g->wireplumber)
    {
      g_subprocess_send_signal (g->wireplumber, SIGTERM);
      g_subprocess_wait (g->wireplumber, NULL, NULL);
      g_clear_object (&g->wireplumber);
    }
  if (g->pipewire)
    {
      g_subprocess_send_signal (g->pipewire, SIGTERM);
      g_subprocess_wait (g->pipewire, NULL, NULL);
      g_clear_object (&g->pipewire);
    }
  if (g->bus)
    {
      g_test_dbus_down (g->bus);
      g_clear_object (&g->bus);
    }
  if (g->old_runtime_dir)
    g_setenv ("XDG_RUNTIME_DIR", g->old_runtime_dir, TRUE);
  else
    g_unsetenv ("XDG_RUNTIME_DIR");
  g_unsetenv ("PIPEWIRE_RUNTIME_DIR");
  if (g->runtime_dir)
    {
      const char *argv[] = { "rm", "-rf", g->runtime_dir, NULL };
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  g_clear_pointer (&g->runtime_dir, g_free);
  g_clear_pointer (&g->old_runtime_dir, g_free);
}

/* Starts the graph and publishes `node_name` (videotestsrc ! pipewiresink, a Video/Source).
 * Returns NULL, or why the graph could not start (the caller skips with that reason). */
static char *
pw_graph_start (PwGraph *g, const char *node_name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *socket = NULL;
  g_autofree char *launch = NULL;
  gint64 deadline;

  if (gst_element_factory_find ("pipewiresrc") == NULL || gst_element_factory_find ("pipewiresink") == NULL)
    return g_strdup ("the GStreamer PipeWire plugin (pipewiresrc, pipewiresink) is not installed");
  g->runtime_dir = g_dir_make_tmp ("pd-pipewire-XXXXXX", &error);
  g_assert_no_error (error);
  g->old_runtime_dir = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  /* WirePlumber will not run without a session bus: a private one. */
  g->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (g->bus);
  if (!(g->pipewire = pw_spawn (g, "pipewire", &error)))
    return g_strdup_printf ("pipewire could not be started: %s", error->message);
  socket = g_build_filename (g->runtime_dir, "pipewire-0", NULL);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test (socket, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    {
      if (g_subprocess_get_identifier (g->pipewire) == NULL)
        break;
      g_usleep (20000);
    }
  if (!g_file_test (socket, G_FILE_TEST_EXISTS))
    {
      g_autofree char *tail = pw_log_tail (g, "pipewire");
      return g_strdup_printf ("the pipewire daemon did not open its socket within 10 s: %s", tail);
    }
  if (!(g->wireplumber = pw_spawn (g, "wireplumber", &error)))
    return g_strdup_printf ("wireplumber could not be started: %s", error->message);
  /* This process talks to the private graph too (pipewiresink here, pipewiresrc in pd_capture). */
  g_setenv ("XDG_RUNTIME_DIR", g->runtime_dir, TRUE);
  g_setenv ("PIPEWIRE_RUNTIME_DIR", g->runtime_dir, TRUE);
  g_unsetenv ("PIPEWIRE_REMOTE");

  launch = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
                            "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
                            "pipewiresink mode=provide "
                            "stream-properties=\"props,media.class=Video/Source,node.name=%s\"",
                            node_name);
  g->publisher = gst_parse_launch (launch, &error);
  if (g->publisher == NULL)
    return g_strdup_printf ("the test stream could not be built: %s", error->message);
  gst_object_ref_sink (g->publisher);
  if (gst_element_set_state (g->publisher, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_autofree char *tail = pw_log_tail (g, "pipewire");
      return g_strdup_printf ("pipewiresink could not connect to the private pipewire: %s", tail);
    }
  /* Wait until WirePlumber runs (it stays up once its scripts are loaded). */
  g_usleep (G_USEC_PER_SEC / 2);
  if (g_subprocess_get_identifier (g->wireplumber) == NULL)
    {
      g_autofree char *tail = pw_log_tail (g, "wireplumber");
      return g_strdup_printf ("wireplumber exited at start: %s", tail);
    }
  return NULL;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_after, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* How a capture card's formats are summarised in `proofctl devices` and the source list. */
static void
test_video_caps (void)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-raw,format=YUY2,width=640,height=480,framerate={30/1,15/1};"
                                                   "image/jpeg,width=1280,height=720,framerate=30/1;"
                                                   "video/x-raw,format=YUY2,width=1920,height=1080,framerate=60/1;"
                                                   "video/x-raw,format=NV12,width=1920,height=1080,framerate=60/1");
  g_autoptr (GstCaps) any = gst_caps_new_any ();
  g_autofree char *summary = pd_video_caps_summary (caps, 3);
  g_autofree char *none = pd_video_caps_summary (any, 3);

  /* Largest first, at most three. */
  g_assert_cmpstr (summary, ==, "1920×1080 YUY2 60 fps, 1920×1080 NV12 60 fps, 1280×720 MJPG 30 fps");
  g_assert_cmpstr (none, ==, "formats not reported");
  g_assert_false (pd_pipewire_available () && g_getenv ("XDG_RUNTIME_DIR") == NULL);
}

static void
test_pipewire (void)
{
  PwGraph graph = { 0 };
  g_autofree char *node = g_strdup_printf ("proofdesk-test-%d", (int) getpid ());
  g_autofree char *source_text = g_strdup_printf ("pipewire:%s", node);
  g_autofree char *root = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdVerifyResult) verdict = NULL;
  JsonObject *m, *source;
  gint64 t0 = g_get_monotonic_time ();
  guint64 frames;

  why = pw_graph_start (&graph, node);
  if (why != NULL)
    {
      g_autofree char *msg = g_strdup_printf ("PipeWire capture is untested: %s", why);

      pw_graph_stop (&graph);
      g_test_skip (msg);
      return;
    }
  g_test_message ("private PipeWire + WirePlumber + test stream up in %.2f s",
                  (g_get_monotonic_time () - t0) / 1e6);

  root = g_build_filename (graph.runtime_dir, "ev", NULL);
  spec = pd_source_spec_parse (source_text, &error);
  g_assert_no_error (error);
  capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (capture, root);
  pd_capture_set_scenario (capture, "pipewire");
  pd_capture_set_checkpoint_interval (capture, GST_SECOND);
  pd_capture_set_preview_enabled (capture, FALSE);
  tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_assert_no_error (error);
  pd_capture_set_tsa (capture, tsa);
  t0 = g_get_monotonic_time ();
  g_assert_true (pd_capture_start (capture, &error));
  g_assert_no_error (error);
  /* The first frame arrives once WirePlumber has linked the capture stream to the node. */
  while (pd_capture_get_frames (capture) == 0 && g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_test_message ("first frame from pipewiresrc after %.2f s", (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (pd_capture_get_frames (capture), >, 0);
  run_for (3000);
  pd_capture_stop_async (capture, NULL, on_stopped, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  package = pd_capture_stop_finish (capture, result, &error);
  g_assert_no_error (error);
  frames = pd_capture_get_frames (capture);
  g_test_message ("%" G_GUINT64_FORMAT " frames recorded from the PipeWire node", frames);
  /* About 3 s at 30 fps. */
  g_assert_cmpuint (frames, >=, 45);

  trust = pd_trust_store_new_default (&error);
  g_assert_no_error (error);
  verdict = pd_verify_package (pd_package_get_path (package), trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_verdict_to_string (pd_verify_result_get_verdict (verdict)), ==, "valid-practice");
  m = pd_package_get_manifest (package);
  source = json_object_get_object_member (m, "source");
  g_assert_cmpstr (json_object_get_string_member (source, "kind"), ==, "pipewire");
  g_assert_cmpstr (json_object_get_string_member (source, "pipewire_node"), ==, node);

  /* A node that does not exist: nothing links, and the capture says so, naming the node. */
  {
    g_autoptr (PdSourceSpec) bad_spec = pd_source_spec_parse ("pipewire:no-such-node", &error);
    g_autoptr (PdCapture) bad = NULL;
    g_autoptr (GAsyncResult) bad_result = NULL;
    g_autoptr (PdPackage) bad_package = NULL;

    g_assert_no_error (error);
    bad = pd_capture_new (bad_spec);
    pd_capture_set_evidence_root (bad, root);
    pd_capture_set_preview_enabled (bad, FALSE);
    t0 = g_get_monotonic_time ();
    if (pd_capture_start (bad, &error))
      {
        pd_capture_stop_async (bad, NULL, on_stopped, &bad_result);
        while (bad_result == NULL)
          g_main_context_iteration (NULL, TRUE);
        bad_package = pd_capture_stop_finish (bad, bad_result, &error);
      }
    /* pipewiresrc 0.3.65 waits 30 s for a link before it gives up. */
    g_assert_nonnull (error);
    g_test_message ("missing node: “%s” after %.1f s", error->message, (g_get_monotonic_time () - t0) / 1e6);
    g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE);
    g_assert_nonnull (strstr (error->message, "no-such-node"));
    g_assert_cmpuint (pd_capture_get_frames (bad), ==, 0);
    g_clear_error (&error);
  }

  pw_graph_stop (&graph);
}

/* ---- The ScreenCast portal: absent, or present but silent: a clear error, never a hang ---- */

static void
on_portal_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static PdPortalScreencast *
ask_portal (guint timeout_ms, gdouble *seconds, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gint64 t0 = g_get_monotonic_time ();
  PdPortalScreencast *cast;

  pd_portal_screencast_new_async (timeout_ms, NULL, on_portal_done, &result);
  while (result == NULL && g_get_monotonic_time () - t0 < 30 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  cast = pd_portal_screencast_new_finish (result, error);
  *seconds = (g_get_monotonic_time () - t0) / 1e6;
  return cast;
}

static void
on_portal_call (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *method, GVariant *params, GDBusMethodInvocation *invocation,
                gpointer user_data)
{
  /* A portal that has hung: every call is kept and never answered. */
  g_ptr_array_add (user_data, g_object_ref (invocation));
}

static void
test_portal_subprocess (void)
{
  g_autoptr (GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPortalScreencast) cast = NULL;
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  gdouble seconds;

  g_test_dbus_up (bus);
  /* No portal on the bus: refused at once, naming the portal. */
  cast = ask_portal (0, &seconds, &error);
  g_assert_null (cast);
  g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL);
#if HAVE_LIBPORTAL
  g_assert_nonnull (strstr (error->message, "org.freedesktop.portal.ScreenCast"));
  g_assert_cmpfloat (seconds, <, 3.0);
  g_test_message ("no portal: refused in %.3f s", seconds);
  g_clear_error (&error);

  /* A portal that owns its name but never answers: an error after the timeout. */
  {
    g_autoptr (GDBusConnection) conn = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
    g_autoptr (GDBusNodeInfo) info = NULL;
    static const char xml[] =
      "<node><interface name='org.freedesktop.portal.ScreenCast'>"
      "<method name='CreateSession'><arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
      "<property name='AvailableSourceTypes' type='u' access='read'/>"
      "<property name='AvailableCursorModes' type='u' access='read'/>"
      "<property name='version' type='u' access='read'/>"
      "</interface></node>";
    GDBusInterfaceVTable vtable = { on_portal_call, NULL, NULL };
    guint reg, name;

    g_assert_no_error (error);
    info = g_dbus_node_info_new_for_xml (xml, &error);
    g_assert_no_error (error);
    reg = g_dbus_connection_register_object (conn, "/org/freedesktop/portal/desktop", info->interfaces[0],
                                             &vtable, held, NULL, &error);
    g_assert_no_error (error);
    name = g_bus_own_name_on_connection (conn, "org.freedesktop.portal.Desktop", G_BUS_NAME_OWNER_FLAGS_NONE,
                                         NULL, NULL, NULL, NULL);
    /* Let the name be taken. */
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_usleep (200000);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    cast = ask_portal (1000, &seconds, &error);
    g_assert_null (cast);
    g_assert_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL);
    g_test_message ("silent portal: “%s” after %.2f s", error->message, seconds);
    g_assert_cmpfloat (seconds, <, 10.0);
    g_bus_unown_name (name);
    g_dbus_connection_unregister_object (conn, reg);
    /* Answer the calls still held, so the client's pending calls (and their references to the
     * bus connection) end. */
    for (guint i = 0; i < held->len; i++)
      g_dbus_method_invocation_return_dbus_error (g_object_ref (held->pdata[i]), "org.freedesktop.DBus.Error.Failed", "test over");
    g_ptr_array_set_size (held, 0);
  }
  /* Let the bus connection drop its last references before the bus goes down. */
  run_for (300);

#else
  g_test_message ("built without libportal: %s", error->message);
#endif
  g_clear_object (&cast);
  /* libportal 0.6 keeps its portal object (and so the bus connection) while a request it gave
   * up on is still open, so g_test_dbus_down() would wait for it in vain: this runs in a
   * subprocess, and GTestDBus ends the bus when the process exits. */
  g_steal_pointer (&bus);
}

static void
test_portal (void)
{
  g_test_trap_subprocess ("/core/device/portal/subprocess", 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
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
  g_test_add_func ("/core/device/video-caps", test_video_caps);
  g_test_add_func ("/core/device/pipewire", test_pipewire);
  g_test_add_func ("/core/device/portal", test_portal);
  g_test_add_func ("/core/device/portal/subprocess", test_portal_subprocess);
  return g_test_run ();
}

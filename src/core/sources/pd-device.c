/* pd-device.c — phones through adb (the device list, running adb), scrcpy and V4L2 loopback,
 * V4L2 devices and PipeWire. Hot-plug is in pd-device-monitor.c, the environment report in
 * pd-device-env.c, joined through pd-device-private.h. */
#define G_LOG_DOMAIN "pd-device"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sources/pd-device-private.h"
#include "util/pd-error.h"

#define ADB_DEFAULT_TIMEOUT_MS 20000

/* g_set_str() is GLib 2.76. */
void
pd_device_set_str (char **field, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

/* ---------------------------------------------------------------- PdDevice */

GParamSpec *pd_device_props[DEV_N_PROPS];

G_DEFINE_FINAL_TYPE (PdDevice, pd_device, G_TYPE_OBJECT)

static void
pd_device_finalize (GObject *object)
{
  PdDevice *self = PD_DEVICE (object);

  g_free (self->serial);
  g_free (self->state_text);
  g_free (self->model);
  g_free (self->product);
  g_free (self->transport_id);
  G_OBJECT_CLASS (pd_device_parent_class)->finalize (object);
}

static void
pd_device_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PdDevice *self = PD_DEVICE (object);

  switch (prop_id)
    {
    case DEV_PROP_SERIAL: g_value_set_string (value, self->serial); break;
    case DEV_PROP_STATE_TEXT: g_value_set_string (value, self->state_text); break;
    case DEV_PROP_MODEL: g_value_set_string (value, self->model); break;
    case DEV_PROP_PRODUCT: g_value_set_string (value, self->product); break;
    case DEV_PROP_TRANSPORT_ID: g_value_set_string (value, self->transport_id); break;
    case DEV_PROP_EXPLANATION: g_value_set_string (value, pd_device_get_explanation (self)); break;
    case DEV_PROP_LABEL: g_value_take_string (value, pd_device_dup_label (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_device_class_init (PdDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_device_finalize;
  object_class->get_property = pd_device_get_property;
#define RO_STRING(id, name) \
  pd_device_props[id] = g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)
  RO_STRING (DEV_PROP_SERIAL, "serial");
  RO_STRING (DEV_PROP_STATE_TEXT, "state-text");
  RO_STRING (DEV_PROP_MODEL, "model");
  RO_STRING (DEV_PROP_PRODUCT, "product");
  RO_STRING (DEV_PROP_TRANSPORT_ID, "transport-id");
  RO_STRING (DEV_PROP_EXPLANATION, "explanation");
  RO_STRING (DEV_PROP_LABEL, "label");
#undef RO_STRING
  g_object_class_install_properties (object_class, DEV_N_PROPS, pd_device_props);
}

static void
pd_device_init (PdDevice *self)
{
}

const char *pd_device_get_serial (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), NULL); return self->serial; }
PdDeviceState pd_device_get_state (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), PD_DEVICE_STATE_OTHER); return self->state; }
const char *pd_device_get_state_text (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), NULL); return self->state_text; }
const char *pd_device_get_model (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), NULL); return self->model; }
const char *pd_device_get_product (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), NULL); return self->product; }
const char *pd_device_get_transport_id (PdDevice *self) { g_return_val_if_fail (PD_IS_DEVICE (self), NULL); return self->transport_id; }

static const char *
explain_state (PdDeviceState state, const char *state_text)
{
  switch (state)
    {
    case PD_DEVICE_STATE_DEVICE:
      return NULL;
    case PD_DEVICE_STATE_UNAUTHORIZED:
      return _("USB debugging is not allowed yet on this phone. Unlock the phone and tap “Allow” in "
               "the “Allow USB debugging?” dialog (tick “Always allow from this computer”). If no "
               "dialog appears, unplug and reconnect the cable, or choose “Revoke USB debugging "
               "authorisations” in Developer options and reconnect.");
    case PD_DEVICE_STATE_OFFLINE:
      return _("The phone is connected but does not answer adb. Unplug and reconnect the cable; if "
               "it stays offline, restart the phone.");
    case PD_DEVICE_STATE_OTHER:
    default:
      if (state_text != NULL && g_str_has_prefix (state_text, "no permissions"))
        return _("This computer's user may not open the phone over USB. Install the udev rules "
                 "(package android-sdk-platform-tools-common), then reconnect the phone.");
      return _("The phone is not running Android normally (recovery, bootloader or sideload "
               "mode). Restart it into Android.");
    }
}

const char *
pd_device_get_explanation (PdDevice *self)
{
  g_return_val_if_fail (PD_IS_DEVICE (self), NULL);
  return explain_state (self->state, self->state_text);
}

char *
pd_device_dup_label (PdDevice *self)
{
  const char *name;

  g_return_val_if_fail (PD_IS_DEVICE (self), NULL);
  name = self->model ? self->model : self->product ? self->product : self->serial;
  /* adb writes spaces in model names as underscores. */
  return g_strdelimit (g_strdup (name), "_", ' ');
}

static PdDeviceState
state_from_text (const char *text)
{
  if (g_str_equal (text, "device"))
    return PD_DEVICE_STATE_DEVICE;
  if (g_str_equal (text, "unauthorized"))
    return PD_DEVICE_STATE_UNAUTHORIZED;
  if (g_str_equal (text, "offline"))
    return PD_DEVICE_STATE_OFFLINE;
  return PD_DEVICE_STATE_OTHER;
}

GPtrArray *
pd_adb_parse_devices (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_auto (GStrv) tokens = NULL;
      g_autoptr (GPtrArray) words = g_ptr_array_new ();
      PdDevice *dev;
      guint first_detail = 2;

      if (*line == '\0' || line[0] == '*' || g_str_has_prefix (line, "List of devices"))
        continue;
      tokens = g_strsplit_set (line, " \t", -1);
      for (guint j = 0; tokens[j] != NULL; j++)
        if (*tokens[j] != '\0')
          g_ptr_array_add (words, tokens[j]);
      if (words->len < 2)
        continue;

      dev = g_object_new (PD_TYPE_DEVICE, NULL);
      dev->serial = g_strdup (words->pdata[0]);
      if (g_str_equal (words->pdata[1], "no") && words->len > 2 && g_str_equal (words->pdata[2], "permissions"))
        {
          /* "no permissions (…); see [URL]": a state with spaces in it. */
          dev->state_text = g_strdup ("no permissions");
          for (first_detail = 3; first_detail < words->len; first_detail++)
            if (strchr (words->pdata[first_detail], ':') && !strchr (words->pdata[first_detail], '/'))
              break;
        }
      else
        dev->state_text = g_strdup (words->pdata[1]);
      dev->state = state_from_text (dev->state_text);
      for (guint j = first_detail; j < words->len; j++)
        {
          const char *w = words->pdata[j];
          const char *colon = strchr (w, ':');

          if (colon == NULL)
            continue;
          if (g_str_has_prefix (w, "model:"))
            pd_device_set_str (&dev->model, colon + 1);
          else if (g_str_has_prefix (w, "product:"))
            pd_device_set_str (&dev->product, colon + 1);
          else if (g_str_has_prefix (w, "transport_id:"))
            pd_device_set_str (&dev->transport_id, colon + 1);
        }
      g_ptr_array_add (out, dev);
    }
  return out;
}

/* ---------------------------------------------------------------- running adb */

char *
pd_adb_find (GError **error)
{
  const char *env = g_getenv ("PROOFDESK_ADB");
  char *path;

  if (env != NULL && *env != '\0')
    {
      path = g_path_is_absolute (env) ? g_strdup (env) : g_find_program_in_path (env);
      if (path != NULL && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return path;
      g_free (path);
      g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING,
                   _("PROOFDESK_ADB names “%s”, which is not an executable program. Correct or unset it."), env);
      return NULL;
    }
  path = g_find_program_in_path ("adb");
  if (path == NULL)
    g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING,
                 _("adb (Android Debug Bridge) is not installed, so phones cannot be read or "
                   "recorded. Install it with “sudo apt install adb”, then reconnect the phone."));
  return path;
}

typedef struct
{
  GSubprocess *proc;
  GSource     *timeout;    /* on the task's context, which may not be the default one */
  gboolean     timed_out;
  char        *what;       /* "adb shell getprop", for messages */
} AdbRun;

static void
adb_run_free (AdbRun *r)
{
  if (r->timeout)
    g_source_destroy (r->timeout);
  g_clear_pointer (&r->timeout, g_source_unref);
  g_clear_object (&r->proc);
  g_free (r->what);
  g_free (r);
}

static gboolean
on_adb_timeout (gpointer user_data)
{
  AdbRun *r = user_data;

  r->timed_out = TRUE;
  g_subprocess_force_exit (r->proc);
  return G_SOURCE_REMOVE;
}

static char *
bytes_to_text (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  return data ? g_utf8_make_valid (data, (gssize) len) : g_strdup ("");
}

/* Turns adb's complaint on stderr into an error the user can act on. */
static GError *
adb_error_from_stderr (const char *serial, const char *what, const char *err)
{
  if (strstr (err, "unauthorized"))
    return g_error_new (PD_DEVICE_ERROR, PD_DEVICE_ERROR_UNAUTHORIZED, "%s",
                        explain_state (PD_DEVICE_STATE_UNAUTHORIZED, NULL));
  if (strstr (err, "offline"))
    return g_error_new (PD_DEVICE_ERROR, PD_DEVICE_ERROR_OFFLINE, "%s",
                        explain_state (PD_DEVICE_STATE_OFFLINE, NULL));
  if (serial != NULL && (strstr (err, "not found") && strstr (err, "device")))
    return g_error_new (PD_DEVICE_ERROR, PD_DEVICE_ERROR_NOT_FOUND,
                        _("No phone with serial “%s” is connected. Check the USB cable and that USB debugging is on."),
                        serial);
  return g_error_new (PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_FAILED, _("“%s” failed: %s"), what,
                      *err ? err : _("no reason given"));
}

static void
on_adb_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AdbRun *r = g_task_get_task_data (task);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err_text = NULL;

  if (r->timeout)
    g_source_destroy (r->timeout);
  if (!g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, &err, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (r->timed_out)
    {
      g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_FAILED,
                               _("“%s” did not answer in time. Reconnect the phone and try again."), r->what);
      return;
    }
  err_text = g_strstrip (bytes_to_text (err));
  if (!g_subprocess_get_if_exited (r->proc) || g_subprocess_get_exit_status (r->proc) != 0)
    {
      const char *serial = g_object_get_data (G_OBJECT (task), "serial");

      g_task_return_error (task, adb_error_from_stderr (serial, r->what, err_text));
      return;
    }
  g_task_return_pointer (task, bytes_to_text (out), g_free);
}

void
pd_adb_run_async (const char *serial, const char * const *args, guint timeout_ms,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *adb = pd_adb_find (&error);
  AdbRun *r;

  g_task_set_source_tag (task, pd_adb_run_async);
  if (adb == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_ptr_array_add (argv, adb);
  if (serial != NULL)
    {
      g_ptr_array_add (argv, (char *) "-s");
      g_ptr_array_add (argv, (char *) serial);
      g_object_set_data_full (G_OBJECT (task), "serial", g_strdup (serial), g_free);
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  r = g_new0 (AdbRun, 1);
  {
    g_autofree char *joined = g_strjoinv (" ", (char **) args);
    r->what = g_strdup_printf ("adb %s", joined);
  }
  g_task_set_task_data (task, r, (GDestroyNotify) adb_run_free);
  r->proc = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (r->proc == NULL)
    {
      g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING,
                               _("adb could not be started: %s"), error->message);
      return;
    }
  {
    r->timeout = g_timeout_source_new (timeout_ms ? timeout_ms : ADB_DEFAULT_TIMEOUT_MS);
    g_source_set_callback (r->timeout, on_adb_timeout, r, NULL);
    g_source_attach (r->timeout, g_task_get_context (task));
  }
  g_subprocess_communicate_async (r->proc, NULL, cancellable, on_adb_communicated, g_object_ref (task));
}

char *
pd_adb_run_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

char *
pd_adb_run (const char *serial, const char * const *args, guint timeout_ms,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;

  g_return_val_if_fail (args != NULL, NULL);

  /* A private context: callable from any thread, and the caller's loop does not run meanwhile. */
  g_main_context_push_thread_default (context);
  pd_adb_run_async (serial, args, timeout_ms, cancellable, on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return pd_adb_run_finish (result, error);
}

GPtrArray *
pd_adb_list_devices (GCancellable *cancellable, GError **error)
{
  static const char * const args[] = { "devices", "-l", NULL };
  g_autofree char *out = pd_adb_run (NULL, args, 0, cancellable, error);

  return out ? pd_adb_parse_devices (out) : NULL;
}

gboolean
pd_adb_check_device (const char *serial, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) devices = NULL;

  g_return_val_if_fail (serial != NULL, FALSE);
  if (!(devices = pd_adb_list_devices (cancellable, error)))
    return FALSE;
  for (guint i = 0; i < devices->len; i++)
    {
      PdDevice *dev = devices->pdata[i];

      if (!g_str_equal (dev->serial, serial))
        continue;
      switch (dev->state)
        {
        case PD_DEVICE_STATE_DEVICE:
          return TRUE;
        case PD_DEVICE_STATE_UNAUTHORIZED:
          g_set_error_literal (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_UNAUTHORIZED, pd_device_get_explanation (dev));
          return FALSE;
        case PD_DEVICE_STATE_OFFLINE:
        case PD_DEVICE_STATE_OTHER:
        default:
          g_set_error_literal (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_OFFLINE, pd_device_get_explanation (dev));
          return FALSE;
        }
    }
  g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NOT_FOUND,
               _("No phone with serial “%s” is connected. Check the USB cable and that USB debugging is on."),
               serial);
  return FALSE;
}

/* ---------------------------------------------------------------- scrcpy and V4L2 loopback */

static gboolean
device_in_use (const char *dev_path)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *pid;

  if (proc == NULL)
    return FALSE;
  while ((pid = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *fd_dir = NULL;
      g_autoptr (GDir) fds = NULL;
      const char *fd;

      if (!g_ascii_isdigit (*pid))
        continue;
      fd_dir = g_build_filename ("/proc", pid, "fd", NULL);
      if (!(fds = g_dir_open (fd_dir, 0, NULL)))
        continue;   /* other users' processes: not ours to see */
      while ((fd = g_dir_read_name (fds)) != NULL)
        {
          g_autofree char *link = g_build_filename (fd_dir, fd, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);

          if (g_strcmp0 (target, dev_path) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

char *
pd_v4l2loopback_find_free (GError **error)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;
  gboolean any = FALSE;

  if (!g_file_test ("/sys/module/v4l2loopback", G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_LOOPBACK,
                   _("The v4l2loopback kernel module is not loaded, so scrcpy has no video device to "
                     "write to. Install it (sudo apt install v4l2loopback-dkms) and load it with "
                     "“sudo modprobe v4l2loopback exclusive_caps=1”."));
      return NULL;
    }
  if ((dir = g_dir_open ("/sys/class/video4linux", 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *sys = g_build_filename ("/sys/class/video4linux", name, NULL);
        g_autofree char *link = g_file_read_link (sys, NULL);
        g_autofree char *dev = g_build_filename ("/dev", name, NULL);

        /* v4l2loopback devices are virtual: no bus behind them. */
        if (link == NULL || strstr (link, "/virtual/") == NULL)
          continue;
        any = TRUE;
        if (!device_in_use (dev))
          return g_steal_pointer (&dev);
      }
  g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_LOOPBACK,
               any ? _("Every v4l2loopback video device is in use. Close the program using it, or load more with “sudo modprobe v4l2loopback devices=2”.")
                   : _("v4l2loopback is loaded but has no video device. Reload it with “sudo modprobe -r v4l2loopback && sudo modprobe v4l2loopback exclusive_caps=1”."));
  return NULL;
}

static const char *
scrcpy_missing_text (void)
{
  return _("scrcpy is not installed. Install it (sudo apt install scrcpy, or from "
           "github.com/Genymobile/scrcpy), or record with “adb:SERIAL”, which needs only adb.");
}

char *
pd_scrcpy_check (void)
{
  g_autofree char *scrcpy = g_find_program_in_path ("scrcpy");

  return scrcpy ? NULL : g_strdup (scrcpy_missing_text ());
}

char *
pd_phone_pick_source (const char *serial, char **why)
{
  g_autofree char *scrcpy = g_find_program_in_path ("scrcpy");
  g_autofree char *loopback = NULL;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (serial != NULL, NULL);
  if (scrcpy != NULL && (loopback = pd_v4l2loopback_find_free (&error)) != NULL)
    {
      if (why)
        *why = g_strdup_printf (_("Recorded through scrcpy and %s: continuous, without Android's 3-minute limit."), loopback);
      return g_strdup_printf ("scrcpy:%s", serial);
    }
  if (why)
    *why = g_strdup_printf (_("Recorded with adb screenrecord: the phone's own video, not re-encoded, restarted every 3 minutes with each gap recorded (%s)"),
                            scrcpy == NULL ? _("scrcpy is not installed") : error->message);
  return g_strdup_printf ("adb:%s", serial);
}

/* ---------------------------------------------------------------- V4L2 devices and PipeWire */

GstDeviceMonitor *
pd_video_monitor_new (void)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();

  gst_device_monitor_add_filter (monitor, "Video/Source", NULL);
  /* PipeWire's provider hides the V4L2 one when it runs: list V4L2 devices directly. */
  gst_device_monitor_set_show_all_devices (monitor, TRUE);
  return monitor;
}

char *
pd_video_device_dup_path (GstDevice *device)
{
  g_autoptr (GstStructure) props = NULL;
  const char *path;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);
  props = gst_device_get_properties (device);
  path = props ? gst_structure_get_string (props, "device.path") : NULL;
  if (path == NULL || !g_str_has_prefix (path, "/dev/video") || g_strcmp0 (gst_structure_get_string (props, "device.api"), "v4l2") != 0)
    return NULL;
  return g_strdup (path);
}

static int
compare_sizes (gconstpointer a, gconstpointer b)
{
  const GstStructure *x = *(GstStructure * const *) a, *y = *(GstStructure * const *) b;
  int xw = 0, xh = 0, yw = 0, yh = 0;

  gst_structure_get_int (x, "width", &xw);
  gst_structure_get_int (x, "height", &xh);
  gst_structure_get_int (y, "width", &yw);
  gst_structure_get_int (y, "height", &yh);
  return (yw * yh) - (xw * xh);
}

char *
pd_video_caps_summary (GstCaps *caps, guint max)
{
  g_autoptr (GPtrArray) sizes = g_ptr_array_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (caps == NULL || gst_caps_is_any (caps) || gst_caps_is_empty (caps))
    return g_strdup (_("formats not reported"));
  for (guint i = 0; i < gst_caps_get_size (caps); i++)
    {
      GstStructure *st = gst_caps_get_structure (caps, i);
      int w, h;

      if (gst_structure_get_int (st, "width", &w) && gst_structure_get_int (st, "height", &h))
        g_ptr_array_add (sizes, st);
    }
  g_ptr_array_sort (sizes, compare_sizes);
  for (guint i = 0; i < sizes->len && g_hash_table_size (seen) < max; i++)
    {
      GstStructure *st = sizes->pdata[i];
      const char *format = gst_structure_get_string (st, "format");
      const GValue *rate = gst_structure_get_value (st, "framerate");
      int w = 0, h = 0, fps = 0;
      g_autofree char *item = NULL;

      gst_structure_get_int (st, "width", &w);
      gst_structure_get_int (st, "height", &h);
      if (rate && GST_VALUE_HOLDS_FRACTION (rate) && gst_value_get_fraction_denominator (rate) > 0)
        fps = gst_value_get_fraction_numerator (rate) / gst_value_get_fraction_denominator (rate);
      else if (rate && GST_VALUE_HOLDS_LIST (rate) && gst_value_list_get_size (rate) > 0 &&
               GST_VALUE_HOLDS_FRACTION (gst_value_list_get_value (rate, 0)))
        {
          const GValue *first = gst_value_list_get_value (rate, 0);
          fps = gst_value_get_fraction_numerator (first) / MAX (gst_value_get_fraction_denominator (first), 1);
        }
      if (format == NULL)
        format = gst_structure_has_name (st, "image/jpeg") ? "MJPG" : gst_structure_get_name (st);
      item = fps > 0 ? g_strdup_printf ("%d×%d %s %d fps", w, h, format, fps)
                     : g_strdup_printf ("%d×%d %s", w, h, format);
      if (g_hash_table_contains (seen, item))
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, item);
      g_hash_table_add (seen, g_steal_pointer (&item));
    }
  return out->len ? g_string_free (g_steal_pointer (&out), FALSE) : g_strdup (_("formats not reported"));
}

gboolean
pd_pipewire_available (void)
{
  const char *remote = g_getenv ("PIPEWIRE_REMOTE");
  const char *dir = g_getenv ("PIPEWIRE_RUNTIME_DIR");
  g_autofree char *socket = NULL;

  if (remote != NULL && g_path_is_absolute (remote))
    return g_file_test (remote, G_FILE_TEST_EXISTS);
  if (dir == NULL || *dir == '\0')
    dir = g_getenv ("XDG_RUNTIME_DIR");
  if (dir == NULL || *dir == '\0')
    return FALSE;
  socket = g_build_filename (dir, remote && *remote && !strchr (remote, '/') ? remote : "pipewire-0", NULL);
  return g_file_test (socket, G_FILE_TEST_EXISTS);
}

GSubprocess *
pd_scrcpy_spawn (const char *serial, const char *device, GError **error)
{
  g_autofree char *scrcpy = g_find_program_in_path ("scrcpy");
  g_autofree char *sink = NULL;
  g_autofree char *help = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) local_error = NULL;
  const char *help_argv[3];
  GSubprocess *proc;

  g_return_val_if_fail (serial != NULL && device != NULL, NULL);
  if (scrcpy == NULL)
    {
      g_set_error_literal (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_SCRCPY_MISSING, scrcpy_missing_text ());
      return NULL;
    }
  /* Options moved between scrcpy versions: ask this one which it knows. */
  help_argv[0] = scrcpy;
  help_argv[1] = "--help";
  help_argv[2] = NULL;
  g_spawn_sync (NULL, (char **) help_argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &help, NULL, NULL, NULL);

  sink = g_strdup_printf ("--v4l2-sink=%s", device);
  g_ptr_array_add (argv, scrcpy);
  g_ptr_array_add (argv, (char *) "--serial");
  g_ptr_array_add (argv, (char *) serial);
  g_ptr_array_add (argv, sink);
  g_ptr_array_add (argv, (char *) (help && strstr (help, "--no-playback") ? "--no-playback" : "--no-display"));
  if (help && strstr (help, "--no-audio"))
    g_ptr_array_add (argv, (char *) "--no-audio");
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &local_error);
  if (proc == NULL)
    g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_SCRCPY_MISSING,
                 _("scrcpy could not be started: %s"), local_error->message);
  return proc;
}

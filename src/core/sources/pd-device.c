/* pd-device.c — phones through adb (device list, hot-plug, environment report), scrcpy and V4L2 loopback. */
#define G_LOG_DOMAIN "pd-device"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sources/pd-device.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

#define ADB_DEFAULT_TIMEOUT_MS 20000
#define MONITOR_DEFAULT_INTERVAL_MS 2000
#define CLOCK_MAX_SKEW_SECONDS 10

/* g_set_str() is GLib 2.76. */
static void
set_str (char **field, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

/* ---------------------------------------------------------------- PdDevice */

struct _PdDevice
{
  GObject parent_instance;

  char         *serial;
  char         *state_text;
  char         *model;
  char         *product;
  char         *transport_id;
  PdDeviceState state;
};

enum {
  DEV_PROP_0,
  DEV_PROP_SERIAL,
  DEV_PROP_STATE_TEXT,
  DEV_PROP_MODEL,
  DEV_PROP_PRODUCT,
  DEV_PROP_TRANSPORT_ID,
  DEV_PROP_EXPLANATION,
  DEV_PROP_LABEL,
  DEV_N_PROPS
};
static GParamSpec *device_props[DEV_N_PROPS];

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
  device_props[id] = g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)
  RO_STRING (DEV_PROP_SERIAL, "serial");
  RO_STRING (DEV_PROP_STATE_TEXT, "state-text");
  RO_STRING (DEV_PROP_MODEL, "model");
  RO_STRING (DEV_PROP_PRODUCT, "product");
  RO_STRING (DEV_PROP_TRANSPORT_ID, "transport-id");
  RO_STRING (DEV_PROP_EXPLANATION, "explanation");
  RO_STRING (DEV_PROP_LABEL, "label");
#undef RO_STRING
  g_object_class_install_properties (object_class, DEV_N_PROPS, device_props);
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
            set_str (&dev->model, colon + 1);
          else if (g_str_has_prefix (w, "product:"))
            set_str (&dev->product, colon + 1);
          else if (g_str_has_prefix (w, "transport_id:"))
            set_str (&dev->transport_id, colon + 1);
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

static void
adb_run_async (const char *serial, const char * const *args, guint timeout_ms,
               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *adb = pd_adb_find (&error);
  AdbRun *r;

  g_task_set_source_tag (task, adb_run_async);
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

static char *
adb_run_finish (GAsyncResult *result, GError **error)
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
  adb_run_async (serial, args, timeout_ms, cancellable, on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return adb_run_finish (result, error);
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

/* ---------------------------------------------------------------- PdDeviceMonitor */

struct _PdDeviceMonitor
{
  GObject parent_instance;

  GPtrArray    *devices;        /* of PdDevice */
  GCancellable *cancellable;    /* of the poll in flight */
  char         *last_error;
  guint         interval_ms;
  guint         tick_id;
  gboolean      polling;
};

enum {
  MON_SIGNAL_ADDED,
  MON_SIGNAL_REMOVED,
  MON_SIGNAL_CHANGED,
  MON_SIGNAL_ADB_ERROR,
  MON_N_SIGNALS
};
static guint monitor_signals[MON_N_SIGNALS];

static void pd_device_monitor_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdDeviceMonitor, pd_device_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, pd_device_monitor_list_model_init))

static GType
monitor_get_item_type (GListModel *model)
{
  return PD_TYPE_DEVICE;
}

static guint
monitor_get_n_items (GListModel *model)
{
  return PD_DEVICE_MONITOR (model)->devices->len;
}

static gpointer
monitor_get_item (GListModel *model, guint position)
{
  PdDeviceMonitor *self = PD_DEVICE_MONITOR (model);

  return position < self->devices->len ? g_object_ref (self->devices->pdata[position]) : NULL;
}

static void
pd_device_monitor_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = monitor_get_item_type;
  iface->get_n_items = monitor_get_n_items;
  iface->get_item = monitor_get_item;
}

static void
pd_device_monitor_dispose (GObject *object)
{
  PdDeviceMonitor *self = PD_DEVICE_MONITOR (object);

  pd_device_monitor_stop (self);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->last_error, g_free);
  G_OBJECT_CLASS (pd_device_monitor_parent_class)->dispose (object);
}

static void
pd_device_monitor_class_init (PdDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_device_monitor_dispose;
  monitor_signals[MON_SIGNAL_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, PD_TYPE_DEVICE);
  monitor_signals[MON_SIGNAL_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, PD_TYPE_DEVICE);
  monitor_signals[MON_SIGNAL_CHANGED] =
    g_signal_new ("device-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, PD_TYPE_DEVICE);
  monitor_signals[MON_SIGNAL_ADB_ERROR] =
    g_signal_new ("adb-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pd_device_monitor_init (PdDeviceMonitor *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->interval_ms = MONITOR_DEFAULT_INTERVAL_MS;
}

PdDeviceMonitor *
pd_device_monitor_new (void)
{
  return g_object_new (PD_TYPE_DEVICE_MONITOR, NULL);
}

static gboolean
update_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
monitor_apply (PdDeviceMonitor *self, GPtrArray *fresh)
{
  /* Removed first, then changed, then added: positions stay valid for items-changed. */
  for (guint i = self->devices->len; i-- > 0;)
    {
      PdDevice *old = self->devices->pdata[i];
      gboolean found = FALSE;

      for (guint j = 0; j < fresh->len && !found; j++)
        found = g_str_equal (old->serial, ((PdDevice *) fresh->pdata[j])->serial);
      if (!found)
        {
          g_autoptr (PdDevice) gone = g_object_ref (old);

          g_ptr_array_remove_index (self->devices, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
          g_signal_emit (self, monitor_signals[MON_SIGNAL_REMOVED], 0, gone);
        }
    }
  for (guint j = 0; j < fresh->len; j++)
    {
      PdDevice *dev = fresh->pdata[j];
      PdDevice *old = NULL;

      for (guint i = 0; i < self->devices->len && old == NULL; i++)
        if (g_str_equal (((PdDevice *) self->devices->pdata[i])->serial, dev->serial))
          old = self->devices->pdata[i];
      if (old != NULL)
        {
          gboolean changed = FALSE;

          g_object_freeze_notify (G_OBJECT (old));
          if (update_string (&old->state_text, dev->state_text))
            {
              old->state = dev->state;
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_STATE_TEXT]);
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_EXPLANATION]);
              changed = TRUE;
            }
          if (update_string (&old->model, dev->model))
            {
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_MODEL]);
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_LABEL]);
              changed = TRUE;
            }
          if (update_string (&old->product, dev->product))
            {
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_PRODUCT]);
              changed = TRUE;
            }
          if (update_string (&old->transport_id, dev->transport_id))
            {
              g_object_notify_by_pspec (G_OBJECT (old), device_props[DEV_PROP_TRANSPORT_ID]);
              changed = TRUE;
            }
          g_object_thaw_notify (G_OBJECT (old));
          if (changed)
            g_signal_emit (self, monitor_signals[MON_SIGNAL_CHANGED], 0, old);
        }
      else
        {
          g_ptr_array_add (self->devices, g_object_ref (dev));
          g_list_model_items_changed (G_LIST_MODEL (self), self->devices->len - 1, 0, 1);
          g_signal_emit (self, monitor_signals[MON_SIGNAL_ADDED], 0, dev);
        }
    }
}

static void
on_poll_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdDeviceMonitor) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = adb_run_finish (result, &error);

  self->polling = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->devices == NULL)
    return;
  if (out == NULL)
    {
      g_autoptr (GPtrArray) none = g_ptr_array_new ();

      /* Without adb there are no phones; say why once, not every 2 s. */
      monitor_apply (self, none);
      if (g_strcmp0 (self->last_error, error->message) != 0)
        {
          set_str (&self->last_error, error->message);
          g_signal_emit (self, monitor_signals[MON_SIGNAL_ADB_ERROR], 0, error);
        }
      return;
    }
  g_clear_pointer (&self->last_error, g_free);
  {
    g_autoptr (GPtrArray) fresh = pd_adb_parse_devices (out);
    monitor_apply (self, fresh);
  }
}

void
pd_device_monitor_refresh (PdDeviceMonitor *self)
{
  static const char * const args[] = { "devices", "-l", NULL };

  g_return_if_fail (PD_IS_DEVICE_MONITOR (self));
  if (self->polling)
    return;
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  self->polling = TRUE;
  adb_run_async (NULL, args, 0, self->cancellable, on_poll_done, g_object_ref (self));
}

static gboolean
on_monitor_tick (gpointer user_data)
{
  pd_device_monitor_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

void
pd_device_monitor_set_interval (PdDeviceMonitor *self, guint interval_ms)
{
  g_return_if_fail (PD_IS_DEVICE_MONITOR (self));
  g_return_if_fail (interval_ms >= 50);
  self->interval_ms = interval_ms;
  if (self->tick_id != 0)
    {
      g_source_remove (self->tick_id);
      self->tick_id = g_timeout_add (self->interval_ms, on_monitor_tick, self);
    }
}

void
pd_device_monitor_start (PdDeviceMonitor *self)
{
  g_return_if_fail (PD_IS_DEVICE_MONITOR (self));
  if (self->tick_id != 0)
    return;
  pd_device_monitor_refresh (self);
  self->tick_id = g_timeout_add (self->interval_ms, on_monitor_tick, self);
}

void
pd_device_monitor_stop (PdDeviceMonitor *self)
{
  g_return_if_fail (PD_IS_DEVICE_MONITOR (self));
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* ---------------------------------------------------------------- environment report */

static const struct
{
  const char *name;
  const char *package;
} known_apps[] = {
  { "wechat", "com.tencent.mm" },
  { "mini-program", "com.tencent.mm" },   /* WeChat mini-programs run inside WeChat */
  { "alipay", "com.eg.android.AlipayGphone" },
  { "qq", "com.tencent.mobileqq" },
  { "taobao", "com.taobao.taobao" },
  { "jd", "com.jingdong.app.mall" },
  { "pinduoduo", "com.xunmeng.pinduoduo" },
  { "douyin", "com.ss.android.ugc.aweme" },
};

/* Installer packages of app stores; anything else (a file manager, adb, a browser, none) is a
 * sideload, which env.app flags. */
static const char * const app_stores[] = {
  "com.android.vending",                 /* Google Play */
  "com.huawei.appmarket",
  "com.hihonor.appmarket",
  "com.xiaomi.market",
  "com.heytap.market",                   /* OPPO / OnePlus / realme */
  "com.oppo.market",
  "com.bbk.appstore",                    /* vivo */
  "com.tencent.android.qqdownloader",    /* Tencent MyApp (应用宝) */
  "com.meizu.mstore",
  "com.sec.android.app.samsungapps",
  "com.qihoo.appstore",
  "com.baidu.appsearch",
  "com.wandoujia.phoenix2",
};

static gboolean
is_package_name (const char *s)
{
  if (s == NULL || !g_ascii_isalpha (*s) || strchr (s, '.') == NULL)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_')
      return FALSE;
  return TRUE;
}

const char *
pd_env_app_package (const char *app)
{
  if (app == NULL || *app == '\0')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (known_apps); i++)
    {
      gsize n = strlen (known_apps[i].name);

      if (g_ascii_strncasecmp (app, known_apps[i].name, n) == 0 && (app[n] == '\0' || app[n] == '-' || app[n] == '_'))
        return known_apps[i].package;
    }
  /* A package name goes into a command the phone's shell reads: only the safe alphabet. */
  return is_package_name (app) ? app : NULL;
}

static char *
shell (const char *serial, GCancellable *cancellable, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* `adb -s SERIAL shell ARGS…`; NULL when it fails (a missing command is an unknown, not an error). */
static char *
shell (const char *serial, GCancellable *cancellable, const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  char *out;
  va_list ap;

  g_ptr_array_add (args, (char *) "shell");
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  out = pd_adb_run (serial, (const char * const *) args->pdata, 0, cancellable, &error);
  if (out == NULL)
    g_debug ("adb shell %s: %s", first, error->message);
  return out;
}

static GHashTable *
parse_getprop (const char *text)
{
  GHashTable *props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i], *k_end, *v_start, *v_end;

      /* [key]: [value] */
      if (*l != '[' || !(k_end = strstr (l, "]: [")))
        continue;
      v_start = k_end + 4;
      if (!(v_end = strrchr (v_start, ']')))
        continue;
      g_hash_table_replace (props, g_strndup (l + 1, k_end - l - 1), g_strndup (v_start, v_end - v_start));
    }
  return props;
}

static void
set_string_or_null (JsonObject *o, const char *name, const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

static char *
trimmed (char *s)
{
  return s ? g_strstrip (s) : NULL;
}

/* "1", "0", else -1 (unknown: "null", empty, failed). */
static int
setting_bool (const char *value)
{
  if (value == NULL)
    return -1;
  if (g_str_equal (value, "1"))
    return 1;
  if (g_str_equal (value, "0"))
    return 0;
  return -1;
}

/* Bytes free on the file system in `df /data` output (toybox: 1K-blocks columns; old toolbox:
 * Size Used Free Blksize with K/M/G suffixes). */
static gboolean
parse_df_free (const char *text, guint64 *free_bytes, guint64 *total_bytes)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  int col_free = -1, col_total = -1;
  guint64 unit = 1024;

  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr (GPtrArray) w = g_ptr_array_new ();

      for (guint j = 0; words[j]; j++)
        if (*words[j])
          g_ptr_array_add (w, words[j]);
      if (w->len == 0)
        continue;
      if (g_str_equal (w->pdata[0], "Filesystem"))
        {
          for (guint j = 0; j < w->len; j++)
            {
              const char *h = w->pdata[j];

              if (g_str_equal (h, "Available") || g_str_equal (h, "Avail") || g_str_equal (h, "Free"))
                col_free = j;
              else if (g_str_has_suffix (h, "-blocks") || g_str_equal (h, "Size"))
                col_total = j;
              if (g_str_equal (h, "1K-blocks") || g_str_equal (h, "1k-blocks"))
                unit = 1024;
            }
          continue;
        }
      if (col_free >= 0 && (guint) col_free < w->len && col_total >= 0 && (guint) col_total < w->len)
        {
          const char *vals[2] = { w->pdata[col_free], w->pdata[col_total] };
          guint64 out[2];

          for (guint k = 0; k < 2; k++)
            {
              char *end = NULL;
              double v = g_ascii_strtod (vals[k], &end);
              guint64 mult = unit;

              if (end == vals[k])
                return FALSE;
              switch (g_ascii_toupper (*end))
                {
                case 'K': mult = 1024; break;
                case 'M': mult = 1024 * 1024; break;
                case 'G': mult = G_GUINT64_CONSTANT (1024) * 1024 * 1024; break;
                case 'T': mult = G_GUINT64_CONSTANT (1024) * 1024 * 1024 * 1024; break;
                default: break;
                }
              out[k] = (guint64) (v * mult);
            }
          *free_bytes = out[0];
          *total_bytes = out[1];
          return TRUE;
        }
    }
  return FALSE;
}

/* The value after "key" up to the end of the line or a space, in the first line that has it. */
static char *
find_value (const char *text, const char *key, gboolean to_end_of_line)
{
  const char *p = text ? strstr (text, key) : NULL;
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  end = p;
  while (*end && *end != '\n' && *end != '\r' && (to_end_of_line || (*end != ' ' && *end != ',' && *end != '}')))
    end++;
  return g_strstrip (g_strndup (p, end - p));
}

/* A SHA-256 digest (64 hex digits, colons allowed) on a line that names SHA-256. */
static char *
find_sha256 (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *lower = g_ascii_strdown (lines[i], -1);
      GString *hex;

      if (!strstr (lower, "sha-256") && !strstr (lower, "sha256"))
        continue;
      hex = g_string_new (NULL);
      for (const char *p = strstr (lower, "256") + 3; *p; p++)
        {
          if (g_ascii_isxdigit (*p))
            g_string_append_c (hex, *p);
          else if (*p != ':' && hex->len > 0 && hex->len < 64)
            g_string_truncate (hex, 0);
          if (hex->len == 64)
            return g_string_free (hex, FALSE);
        }
      g_string_free (hex, TRUE);
    }
  return NULL;
}

static void
add_check (JsonArray *checks, const char *id, PdEnvCheckResult result, const char *message)
{
  JsonObject *c = json_object_new ();
  static const char * const names[] = { "unknown", "passed", "failed" };

  json_object_set_string_member (c, "id", id);
  json_object_set_string_member (c, "result", names[result]);
  json_object_set_string_member (c, "message", message);
  json_array_add_object_element (checks, c);
}

static void
collect_app (JsonObject *report, const char *serial, const char *app, GCancellable *cancellable)
{
  const char *pkg = pd_env_app_package (app);
  JsonObject *o = json_object_new ();
  g_autofree char *list = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *installer = NULL;
  g_autofree char *needle = NULL;

  json_object_set_string_member (o, "name", app);
  set_string_or_null (o, "package", pkg);
  json_object_set_object_member (report, "app", o);
  if (pkg == NULL)
    return;

  list = shell (serial, cancellable, "pm", "list", "packages", "-i", pkg, NULL);
  needle = g_strdup_printf ("package:%s ", pkg);
  if (list != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (list, "\n", -1);
      gboolean installed = FALSE;

      for (guint i = 0; lines[i]; i++)
        {
          g_autofree char *l = g_strconcat (g_strstrip (lines[i]), " ", NULL);

          if (g_str_has_prefix (l, needle))
            {
              installed = TRUE;
              installer = find_value (l, "installer=", FALSE);
            }
        }
      json_object_set_boolean_member (o, "installed", installed);
      if (!installed)
        return;
    }
  else
    json_object_set_null_member (o, "installed");

  dump = shell (serial, cancellable, "dumpsys", "package", pkg, NULL);
  if (dump != NULL)
    {
      g_autofree char *version_name = find_value (dump, "versionName=", FALSE);
      g_autofree char *version_code = find_value (dump, "versionCode=", FALSE);
      g_autofree char *first = find_value (dump, "firstInstallTime=", TRUE);
      g_autofree char *last = find_value (dump, "lastUpdateTime=", TRUE);
      g_autofree char *sigs = find_value (dump, "signatures:[", FALSE);
      g_autofree char *sha = find_sha256 (dump);

      if (installer == NULL || g_str_equal (installer, "null"))
        {
          g_free (installer);
          installer = find_value (dump, "installerPackageName=", FALSE);
        }
      if (list == NULL)
        json_object_set_boolean_member (o, "installed", version_name != NULL);
      set_string_or_null (o, "version_name", version_name);
      set_string_or_null (o, "version_code", version_code);
      set_string_or_null (o, "first_install_time", first);
      set_string_or_null (o, "last_update_time", last);
      if (sigs != NULL)
        g_strdelimit (sigs, "]", '\0');
      set_string_or_null (o, "signatures_hash", sigs);
      set_string_or_null (o, "signing_sha256", sha);
    }
  if (installer != NULL && g_str_equal (installer, "null"))
    g_clear_pointer (&installer, g_free);
  set_string_or_null (o, "installer", installer);
  if (installer != NULL)
    {
      gboolean store = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (app_stores); i++)
        store |= g_str_equal (installer, app_stores[i]);
      json_object_set_boolean_member (o, "installer_is_app_store", store);
    }
}

static const char *
obj_str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

/* -1 unknown, else 0/1. */
static int
obj_bool (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN ? json_node_get_boolean (n) : -1;
}

static void
add_checks (JsonObject *report)
{
  JsonArray *checks = json_array_new ();
  JsonObject *net = pd_json_object (report, "network");
  JsonObject *storage = pd_json_object (report, "storage");
  JsonObject *clock = pd_json_object (report, "clock");
  JsonObject *root = pd_json_object (report, "root");
  JsonObject *app = pd_json_object (report, "app");

  /* env.network: Wi-Fi off, mobile data on, no VPN, no proxy. */
  {
    int wifi = obj_bool (net, "wifi_on"), data = obj_bool (net, "mobile_data"), vpn = obj_bool (net, "vpn");
    const char *proxy = obj_str (net, "http_proxy");
    g_autoptr (GString) why = g_string_new (NULL);

    if (wifi == 1)
      g_string_append_printf (why, "%s ", _("Wi-Fi is on: turn it off so no local proxy can alter what the phone shows."));
    if (data == 0)
      g_string_append_printf (why, "%s ", _("Mobile data is off: turn it on."));
    if (vpn == 1)
      g_string_append_printf (why, "%s ", _("A VPN is active: disconnect it."));
    if (proxy != NULL)
      g_string_append_printf (why, _("A global HTTP proxy (%s) is set: remove it. "), proxy);
    if (why->len > 0)
      add_check (checks, "env.network", PD_ENV_CHECK_FAILED, g_strstrip (why->str));
    else if (wifi == -1 || data == -1)
      add_check (checks, "env.network", PD_ENV_CHECK_UNKNOWN,
                 _("The phone's Wi-Fi and mobile data state could not be read: check by hand that Wi-Fi is off and mobile data is on."));
    else
      add_check (checks, "env.network", PD_ENV_CHECK_PASSED,
                 _("Wi-Fi is off, mobile data is on, no VPN and no proxy."));
  }

  /* env.storage: ≥ 3 GB free on /data. Closing unrelated apps stays the operator's job. */
  if (storage && json_object_has_member (storage, "data_free_bytes"))
    {
      guint64 free_bytes = (guint64) json_object_get_int_member (storage, "data_free_bytes");
      g_autofree char *size = g_format_size (free_bytes);
      g_autofree char *msg = NULL;

      if (free_bytes >= PD_ENV_MIN_FREE_BYTES)
        {
          msg = g_strdup_printf (_("%s free on the phone (at least 3 GB needed). Close unrelated apps before recording."), size);
          add_check (checks, "env.storage", PD_ENV_CHECK_PASSED, msg);
        }
      else
        {
          msg = g_strdup_printf (_("Only %s free on the phone: at least 3 GB is needed. Free some space first."), size);
          add_check (checks, "env.storage", PD_ENV_CHECK_FAILED, msg);
        }
    }
  else
    add_check (checks, "env.storage", PD_ENV_CHECK_UNKNOWN,
               _("The phone's free storage could not be read: check in Settings that at least 3 GB is free."));

  /* env.app: installed from an app store on a phone that is not rooted. */
  {
    int rooted = obj_bool (root, "rooted");
    const char *pkg = obj_str (app, "package");
    int installed = obj_bool (app, "installed");
    int store = obj_bool (app, "installer_is_app_store");
    const char *installer = obj_str (app, "installer");
    const char *sha = obj_str (app, "signing_sha256");
    g_autofree char *msg = NULL;

    if (rooted == 1)
      add_check (checks, "env.app", PD_ENV_CHECK_FAILED,
                 _("The phone shows signs of root or an unlocked bootloader, so what apps display cannot be trusted. Use a phone that is not rooted."));
    else if (app == NULL)
      add_check (checks, "env.app", PD_ENV_CHECK_UNKNOWN,
                 _("No target app was named: record the app's version and store page by hand."));
    else if (pkg == NULL)
      add_check (checks, "env.app", PD_ENV_CHECK_UNKNOWN,
                 _("The target app is not one Proofdesk knows: record its version and store page by hand."));
    else if (installed == 0)
      {
        msg = g_strdup_printf (_("The app %s is not installed on this phone."), pkg);
        add_check (checks, "env.app", PD_ENV_CHECK_FAILED, msg);
      }
    else if (installed == -1)
      add_check (checks, "env.app", PD_ENV_CHECK_UNKNOWN,
                 _("Whether the app is installed could not be read: record its version and store page by hand."));
    else if (store != 1)
      {
        msg = g_strdup_printf (_("The app %s was not installed from an app store (installer: %s). Reinstall it from an official store."),
                               pkg, installer ? installer : _("none"));
        add_check (checks, "env.app", PD_ENV_CHECK_FAILED, msg);
      }
    else
      {
        const char *version = obj_str (app, "version_name");

        msg = g_strdup_printf (_("%s %s installed from %s; signing certificate %s."), pkg,
                               version ? version : "?", installer,
                               sha ? sha : _("not reported by this phone (record the app's store page)"));
        add_check (checks, "env.app", PD_ENV_CHECK_PASSED, msg);
      }
  }

  /* env.clock: the phone's clock against the workstation's. The workstation against the TSA is
   * checked when the recording is stamped. */
  if (clock && json_object_has_member (clock, "skew_seconds"))
    {
      gint64 skew = json_object_get_int_member (clock, "skew_seconds");
      g_autofree char *msg = NULL;

      if (ABS (skew) <= CLOCK_MAX_SKEW_SECONDS)
        {
          msg = g_strdup_printf (_("The phone's clock agrees with the workstation's (difference %lld s)."), (long long) skew);
          add_check (checks, "env.clock", PD_ENV_CHECK_PASSED, msg);
        }
      else
        {
          msg = g_strdup_printf (_("The phone's clock is %lld s off the workstation's: turn on automatic date and time on the phone."), (long long) skew);
          add_check (checks, "env.clock", PD_ENV_CHECK_FAILED, msg);
        }
    }
  else
    add_check (checks, "env.clock", PD_ENV_CHECK_UNKNOWN, _("The phone's clock could not be read."));

  json_object_set_array_member (report, "checks", checks);
}

JsonObject *
pd_env_report_collect (const char *serial, const char *app, GCancellable *cancellable, GError **error)
{
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (GHashTable) props = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *taken = g_date_time_format_iso8601 (now);
  g_autofree char *getprop = NULL;
  JsonObject *device, *root, *net, *storage, *clock, *battery;

  g_return_val_if_fail (serial != NULL, NULL);

  if (!pd_adb_check_device (serial, cancellable, error))
    return NULL;
  {
    static const char * const args[] = { "shell", "getprop", NULL };
    if (!(getprop = pd_adb_run (serial, args, 0, cancellable, error)))
      return NULL;
  }
  props = parse_getprop (getprop);
#define PROP(name) ((const char *) g_hash_table_lookup (props, name))

  report = json_object_new ();
  json_object_set_string_member (report, "taken", taken);
  json_object_set_string_member (report, "serial", serial);

  device = json_object_new ();
  set_string_or_null (device, "model", PROP ("ro.product.model"));
  set_string_or_null (device, "manufacturer", PROP ("ro.product.manufacturer"));
  set_string_or_null (device, "brand", PROP ("ro.product.brand"));
  set_string_or_null (device, "serial", PROP ("ro.serialno") ? PROP ("ro.serialno") : serial);
  set_string_or_null (device, "android_version", PROP ("ro.build.version.release"));
  set_string_or_null (device, "sdk", PROP ("ro.build.version.sdk"));
  set_string_or_null (device, "security_patch", PROP ("ro.build.version.security_patch"));
  set_string_or_null (device, "fingerprint", PROP ("ro.build.fingerprint"));
  set_string_or_null (device, "build_type", PROP ("ro.build.type"));
  json_object_set_object_member (report, "device", device);

  root = json_object_new ();
  {
    g_autofree char *su = trimmed (shell (serial, cancellable, "which", "su", NULL));
    const char *debuggable = PROP ("ro.debuggable");
    const char *vb = PROP ("ro.boot.verifiedbootstate");
    const char *locked = PROP ("ro.boot.flash.locked");
    const char *tags = PROP ("ro.build.tags");
    gboolean rooted = (su != NULL && *su != '\0')
                      || g_strcmp0 (debuggable, "1") == 0
                      || (vb != NULL && !g_str_equal (vb, "green") && *vb != '\0')
                      || g_strcmp0 (locked, "0") == 0
                      || (tags != NULL && strstr (tags, "test-keys") != NULL);

    set_string_or_null (root, "su", su);
    set_string_or_null (root, "debuggable", debuggable);
    set_string_or_null (root, "verified_boot_state", vb);
    set_string_or_null (root, "flash_locked", locked);
    set_string_or_null (root, "build_tags", tags);
    json_object_set_boolean_member (root, "rooted", rooted);
  }
  json_object_set_object_member (report, "root", root);

  net = json_object_new ();
  {
    g_autofree char *wifi = trimmed (shell (serial, cancellable, "settings", "get", "global", "wifi_on", NULL));
    g_autofree char *data = trimmed (shell (serial, cancellable, "settings", "get", "global", "mobile_data", NULL));
    g_autofree char *proxy = trimmed (shell (serial, cancellable, "settings", "get", "global", "http_proxy", NULL));
    g_autofree char *conn = shell (serial, cancellable, "dumpsys", "connectivity", NULL);
    int w = setting_bool (wifi), d = setting_bool (data);

    if (w >= 0)
      json_object_set_boolean_member (net, "wifi_on", w);
    else
      json_object_set_null_member (net, "wifi_on");
    if (d >= 0)
      json_object_set_boolean_member (net, "mobile_data", d);
    else
      json_object_set_null_member (net, "mobile_data");
    /* "null" or ":0" mean no proxy. */
    if (proxy != NULL && *proxy && !g_str_equal (proxy, "null") && !g_str_equal (proxy, ":0"))
      json_object_set_string_member (net, "http_proxy", proxy);
    else
      json_object_set_null_member (net, "http_proxy");
    if (conn != NULL)
      {
        json_object_set_boolean_member (net, "vpn", strstr (conn, "ni{VPN CONNECTED") != NULL ||
                                                    strstr (conn, "Transports: VPN") != NULL ||
                                                    strstr (conn, "|VPN ") != NULL);
        json_object_set_boolean_member (net, "wifi_connected", strstr (conn, "ni{WIFI CONNECTED") != NULL);
        json_object_set_boolean_member (net, "cellular_connected", strstr (conn, "ni{MOBILE") != NULL &&
                                                                   strstr (conn, "CONNECTED") != NULL);
      }
    else
      json_object_set_null_member (net, "vpn");
  }
  json_object_set_object_member (report, "network", net);

  storage = json_object_new ();
  {
    g_autofree char *df = shell (serial, cancellable, "df", "/data", NULL);
    guint64 free_bytes, total_bytes;

    if (parse_df_free (df, &free_bytes, &total_bytes))
      {
        json_object_set_int_member (storage, "data_free_bytes", (gint64) free_bytes);
        json_object_set_int_member (storage, "data_total_bytes", (gint64) total_bytes);
      }
  }
  json_object_set_object_member (report, "storage", storage);

  clock = json_object_new ();
  {
    gint64 before = g_get_real_time ();
    g_autofree char *date = trimmed (shell (serial, cancellable, "date", "+%s", NULL));
    gint64 after = g_get_real_time ();
    gint64 phone;

    if (date != NULL && g_ascii_string_to_signed (date, 10, 0, G_MAXINT64, &phone, NULL))
      {
        /* The phone answered somewhere between before and after: take the middle. */
        gint64 ws = (before + after) / 2 / G_USEC_PER_SEC;

        json_object_set_int_member (clock, "phone_epoch", phone);
        json_object_set_int_member (clock, "workstation_epoch", ws);
        json_object_set_int_member (clock, "skew_seconds", phone - ws);
      }
    set_string_or_null (clock, "timezone", PROP ("persist.sys.timezone"));
  }
  json_object_set_object_member (report, "clock", clock);

  battery = json_object_new ();
  {
    g_autofree char *dump = shell (serial, cancellable, "dumpsys", "battery", NULL);
    g_autofree char *level = find_value (dump, "level: ", FALSE);
    gint64 v;

    if (level && g_ascii_string_to_signed (level, 10, 0, 100, &v, NULL))
      json_object_set_int_member (battery, "level", v);
  }
  json_object_set_object_member (report, "battery", battery);

  if (app != NULL && *app != '\0')
    collect_app (report, serial, app, cancellable);
#undef PROP

  add_checks (report);
  return g_steal_pointer (&report);
}

typedef struct
{
  char *serial;
  char *app;
} CollectData;

static void
collect_data_free (CollectData *d)
{
  g_free (d->serial);
  g_free (d->app);
  g_free (d);
}

static void
collect_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CollectData *d = task_data;
  GError *error = NULL;
  JsonObject *report = pd_env_report_collect (d->serial, d->app, cancellable, &error);

  if (report)
    g_task_return_pointer (task, report, (GDestroyNotify) json_object_unref);
  else
    g_task_return_error (task, error);
}

void
pd_env_report_collect_async (const char *serial, const char *app, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CollectData *d = g_new0 (CollectData, 1);

  g_return_if_fail (serial != NULL);
  d->serial = g_strdup (serial);
  d->app = g_strdup (app);
  g_task_set_source_tag (task, pd_env_report_collect_async);
  g_task_set_task_data (task, d, (GDestroyNotify) collect_data_free);
  g_task_run_in_thread (task, collect_thread);
}

JsonObject *
pd_env_report_collect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

PdEnvCheckResult
pd_env_report_get_check (JsonObject *report, const char *id, const char **message)
{
  JsonArray *checks;

  g_return_val_if_fail (report != NULL && id != NULL, PD_ENV_CHECK_UNKNOWN);
  if (message)
    *message = NULL;
  if (!json_object_has_member (report, "checks"))
    return PD_ENV_CHECK_UNKNOWN;
  checks = json_object_get_array_member (report, "checks");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      const char *result;

      if (g_strcmp0 (obj_str (c, "id"), id) != 0)
        continue;
      if (message)
        *message = obj_str (c, "message");
      result = obj_str (c, "result");
      if (g_strcmp0 (result, "passed") == 0)
        return PD_ENV_CHECK_PASSED;
      if (g_strcmp0 (result, "failed") == 0)
        return PD_ENV_CHECK_FAILED;
      return PD_ENV_CHECK_UNKNOWN;
    }
  return PD_ENV_CHECK_UNKNOWN;
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

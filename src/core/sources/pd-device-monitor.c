/* pd-device-monitor.c — hot-plug: a GListModel of the phones adb sees, kept up to date by
 * polling `adb devices -l`. */
#define G_LOG_DOMAIN "pd-device"

#include "config.h"

#include <gio/gio.h>

#include "sources/pd-device-private.h"

#define MONITOR_DEFAULT_INTERVAL_MS 2000

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
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_STATE_TEXT]);
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_EXPLANATION]);
              changed = TRUE;
            }
          if (update_string (&old->model, dev->model))
            {
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_MODEL]);
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_LABEL]);
              changed = TRUE;
            }
          if (update_string (&old->product, dev->product))
            {
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_PRODUCT]);
              changed = TRUE;
            }
          if (update_string (&old->transport_id, dev->transport_id))
            {
              g_object_notify_by_pspec (G_OBJECT (old), pd_device_props[DEV_PROP_TRANSPORT_ID]);
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
  g_autofree char *out = pd_adb_run_finish (result, &error);

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
          pd_device_set_str (&self->last_error, error->message);
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
  pd_adb_run_async (NULL, args, 0, self->cancellable, on_poll_done, g_object_ref (self));
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


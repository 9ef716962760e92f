/* pd-capture-source.c — the list of recordable sources shown on the Capture page. */
#define G_LOG_DOMAIN "pd-capture-source"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-capture-source.h"
#include "sources/pd-device.h"
#include "util/pd-error.h"
#include "sources/pd-portal.h"

struct _PdCaptureSource
{
  GObject   parent_instance;

  char     *id;
  char     *title;
  char     *subtitle;
  char     *icon_name;
  char     *spec;
  char     *explanation;
  gboolean  needs_region;
  gboolean  available;
};

G_DEFINE_FINAL_TYPE (PdCaptureSource, pd_capture_source, G_TYPE_OBJECT)

static void
pd_capture_source_finalize (GObject *object)
{
  PdCaptureSource *self = PD_CAPTURE_SOURCE (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->icon_name);
  g_free (self->spec);
  g_free (self->explanation);
  G_OBJECT_CLASS (pd_capture_source_parent_class)->finalize (object);
}

static void
pd_capture_source_class_init (PdCaptureSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_capture_source_finalize;
}

static void
pd_capture_source_init (PdCaptureSource *self)
{
}

PdCaptureSource *
pd_capture_source_new (const char *id, const char *title, const char *subtitle,
                       const char *icon_name, const char *spec, gboolean needs_region)
{
  PdCaptureSource *self;

  g_return_val_if_fail (id != NULL && title != NULL && spec != NULL, NULL);

  self = g_object_new (PD_TYPE_CAPTURE_SOURCE, NULL);
  self->id = g_strdup (id);
  self->title = g_strdup (title);
  self->subtitle = g_strdup (subtitle);
  self->icon_name = g_strdup (icon_name);
  self->spec = g_strdup (spec);
  self->needs_region = needs_region;
  self->available = TRUE;
  return self;
}

static PdCaptureSource *
source_new_unavailable (const char *id, const char *title, const char *icon_name,
                        const char *explanation)
{
  PdCaptureSource *self = pd_capture_source_new (id, title, explanation, icon_name, "test", FALSE);

  self->available = FALSE;
  self->explanation = g_strdup (explanation);
  return self;
}

gboolean
pd_capture_source_get_available (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), FALSE);
  return self->available;
}

gboolean
pd_capture_source_get_needs_portal (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), FALSE);
  return g_str_equal (self->spec, "portal");
}

const char *
pd_capture_source_get_explanation (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->explanation;
}

const char *
pd_capture_source_get_id (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->id;
}

const char *
pd_capture_source_get_title (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->title;
}

const char *
pd_capture_source_get_subtitle (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->subtitle;
}

const char *
pd_capture_source_get_icon_name (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->icon_name;
}

gboolean
pd_capture_source_get_needs_region (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), FALSE);
  return self->needs_region;
}

PdSourceSpec *
pd_capture_source_build_spec (PdCaptureSource *self, const char *region, GError **error)
{
  g_autoptr (PdSourceSpec) spec = NULL;

  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);

  if (!self->available)
    {
      g_set_error_literal (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE, self->explanation);
      return NULL;
    }
  spec = pd_source_spec_parse (self->spec, error);
  if (spec == NULL)
    return NULL;
  if (self->needs_region && !pd_source_spec_set_region (spec, region ? region : "", error))
    return NULL;
  return g_steal_pointer (&spec);
}

/* ---- Hot-plug: phones (PdDeviceMonitor) and V4L2 devices (GstDeviceMonitor) ---- */

typedef struct
{
  GListStore       *store;     /* borrowed: the store owns this watch */
  PdDeviceMonitor  *phones;
  GstDeviceMonitor *video;
  guint             video_watch;
} SourceWatch;

static gboolean
find_id (GListStore *store, const char *id, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PdCaptureSource) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (g_strcmp0 (item->id, id) == 0)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Adds `source`, or puts it in place of the entry with the same id. */
static void
put_source (GListStore *store, PdCaptureSource *source)
{
  guint pos;

  if (find_id (store, source->id, &pos))
    g_list_store_splice (store, pos, 1, (gpointer *) &source, 1);
  else
    g_list_store_append (store, source);
}

static void
remove_id (GListStore *store, const char *id)
{
  guint pos;

  if (find_id (store, id, &pos))
    g_list_store_remove (store, pos);
}

static void
put_phone (SourceWatch *w, PdDevice *device)
{
  g_autofree char *id = g_strdup_printf ("phone:%s", pd_device_get_serial (device));
  g_autofree char *label = pd_device_dup_label (device);
  g_autofree char *title = g_strdup_printf (_("Phone: %s"), label);
  g_autoptr (PdCaptureSource) source = NULL;

  remove_id (w->store, "adb-missing");
  if (pd_device_get_state (device) == PD_DEVICE_STATE_DEVICE)
    {
      g_autofree char *why = NULL;
      g_autofree char *spec = pd_phone_pick_source (pd_device_get_serial (device), &why);

      source = pd_capture_source_new (id, title, why, "phone-symbolic", spec, FALSE);
    }
  else
    source = source_new_unavailable (id, title, "phone-symbolic", pd_device_get_explanation (device));
  put_source (w->store, source);
}

static void
on_phone_added (PdDeviceMonitor *monitor, PdDevice *device, SourceWatch *w)
{
  put_phone (w, device);
}

static void
on_phone_removed (PdDeviceMonitor *monitor, PdDevice *device, SourceWatch *w)
{
  g_autofree char *id = g_strdup_printf ("phone:%s", pd_device_get_serial (device));

  remove_id (w->store, id);
}

static void
on_adb_error (PdDeviceMonitor *monitor, GError *error, SourceWatch *w)
{
  g_autoptr (PdCaptureSource) source = NULL;

  /* Only a missing adb is worth a row: a phone-less desk is not an error. */
  if (!g_error_matches (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_ADB_MISSING))
    return;
  source = source_new_unavailable ("adb-missing", _("Android Phones"), "phone-symbolic", error->message);
  put_source (w->store, source);
}

static void
put_video_device (SourceWatch *w, GstDevice *device)
{
  g_autofree char *path = pd_video_device_dup_path (device);
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *summary = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (PdCaptureSource) source = NULL;

  if (path == NULL)
    return;
  name = gst_device_get_display_name (device);
  caps = gst_device_get_caps (device);
  summary = pd_video_caps_summary (caps, 3);
  id = g_strdup_printf ("v4l2:%s", path);
  title = g_strdup_printf (_("Video Device: %s"), name);
  {
    g_autofree char *subtitle = g_strdup_printf ("%s — %s", path, summary);
    source = pd_capture_source_new (id, title, subtitle, "camera-video-symbolic", id, FALSE);
  }
  put_source (w->store, source);
}

static gboolean
on_video_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  SourceWatch *w = user_data;
  g_autoptr (GstDevice) device = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_DEVICE_ADDED)
    {
      gst_message_parse_device_added (msg, &device);
      put_video_device (w, device);
    }
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_DEVICE_REMOVED)
    {
      g_autofree char *path = NULL;
      g_autofree char *id = NULL;

      gst_message_parse_device_removed (msg, &device);
      if ((path = pd_video_device_dup_path (device)) != NULL)
        {
          id = g_strdup_printf ("v4l2:%s", path);
          remove_id (w->store, id);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
source_watch_free (SourceWatch *w)
{
  g_signal_handlers_disconnect_by_data (w->phones, w);
  pd_device_monitor_stop (w->phones);
  g_clear_object (&w->phones);
  if (w->video_watch)
    g_source_remove (w->video_watch);
  gst_device_monitor_stop (w->video);
  gst_clear_object (&w->video);
  g_free (w);
}

static void
source_watch_start (GListStore *store)
{
  SourceWatch *w = g_new0 (SourceWatch, 1);
  g_autoptr (GstBus) bus = NULL;
  GList *devices;

  w->store = store;
  w->phones = pd_device_monitor_new ();
  g_signal_connect (w->phones, "device-added", G_CALLBACK (on_phone_added), w);
  g_signal_connect (w->phones, "device-changed", G_CALLBACK (on_phone_added), w);
  g_signal_connect (w->phones, "device-removed", G_CALLBACK (on_phone_removed), w);
  g_signal_connect (w->phones, "adb-error", G_CALLBACK (on_adb_error), w);
  pd_device_monitor_start (w->phones);

  w->video = pd_video_monitor_new ();
  bus = gst_device_monitor_get_bus (w->video);
  w->video_watch = gst_bus_add_watch (bus, on_video_message, w);
  if (gst_device_monitor_start (w->video))
    {
      devices = gst_device_monitor_get_devices (w->video);
      for (GList *l = devices; l; l = l->next)
        put_video_device (w, l->data);
      g_list_free_full (devices, gst_object_unref);
    }
  g_object_set_data_full (G_OBJECT (store), "pd-source-watch", w, (GDestroyNotify) source_watch_free);
}

void
pd_capture_source_list_set_poll_interval (GListStore *list, guint interval_ms)
{
  SourceWatch *w;

  g_return_if_fail (G_IS_LIST_STORE (list));
  w = g_object_get_data (G_OBJECT (list), "pd-source-watch");
  if (w != NULL)
    pd_device_monitor_set_interval (w->phones, interval_ms);
}

GListStore *
pd_capture_source_list_new (void)
{
  GListStore *store = g_list_store_new (PD_TYPE_CAPTURE_SOURCE);
  g_autoptr (PdCaptureSource) test = NULL;

  test = pd_capture_source_new ("test", _("Test Pattern"),
                                _("A moving pattern with a clock, for trying Proofdesk out"),
                                "video-display-symbolic", "test", FALSE);
  g_list_store_append (store, test);

  /* ximagesrc needs an X server: a native X11 session, or Xwayland's root window. */
  if (g_getenv ("DISPLAY") != NULL && g_getenv ("DISPLAY")[0] != '\0')
    {
      g_autoptr (PdCaptureSource) screen = NULL;
      g_autoptr (PdCaptureSource) region = NULL;

      screen = pd_capture_source_new ("x11", _("Whole Screen"),
                                      _("Everything on this workstation’s screen"),
                                      "computer-symbolic", "x11", FALSE);
      region = pd_capture_source_new ("x11-region", _("Screen Region"),
                                      _("Part of the screen, such as a phone mirroring window"),
                                      "edit-select-all-symbolic", "x11", TRUE);
      g_list_store_append (store, screen);
      g_list_store_append (store, region);
    }
  /* Wayland: the ScreenCast portal, which lets the user pick a screen or a window. */
  if (g_getenv ("WAYLAND_DISPLAY") != NULL && g_getenv ("WAYLAND_DISPLAY")[0] != '\0')
    {
      g_autoptr (PdCaptureSource) portal = NULL;
      g_autoptr (GError) error = NULL;

      if (pd_portal_check (&error))
        portal = pd_capture_source_new ("portal", _("Screen (Wayland)"),
                                        _("The desktop asks which screen or window to share."),
                                        "computer-symbolic", "portal", FALSE);
      else
        portal = source_new_unavailable ("portal", _("Screen (Wayland)"), "computer-symbolic", error->message);
      g_list_store_append (store, portal);
    }
  source_watch_start (store);
  return store;
}

/* pd-device.h — phones through adb: the device list, hot-plug, and the environment report. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  PD_DEVICE_STATE_DEVICE,        /* authorised and ready */
  PD_DEVICE_STATE_UNAUTHORIZED,  /* the phone has not allowed this computer yet */
  PD_DEVICE_STATE_OFFLINE,
  PD_DEVICE_STATE_OTHER,         /* recovery, sideload, bootloader, … */
} PdDeviceState;

#define PD_TYPE_DEVICE (pd_device_get_type ())
G_DECLARE_FINAL_TYPE (PdDevice, pd_device, PD, DEVICE, GObject)

const char   *pd_device_get_serial       (PdDevice *self);
PdDeviceState pd_device_get_state        (PdDevice *self);
/* adb's word for the state: "device", "unauthorized", "offline", … */
const char   *pd_device_get_state_text   (PdDevice *self);
const char   *pd_device_get_model        (PdDevice *self);   /* may be NULL */
const char   *pd_device_get_product      (PdDevice *self);   /* may be NULL */
const char   *pd_device_get_transport_id (PdDevice *self);   /* may be NULL */
/* A plain sentence for the user when the phone cannot be used yet (unauthorised, offline),
 * with what to do; NULL when it is ready. */
const char   *pd_device_get_explanation  (PdDevice *self);
/* Model, else product, else serial: what a source list shows. */
char         *pd_device_dup_label        (PdDevice *self);

/* Parses the output of `adb devices -l`; lines that are not devices are skipped. */
GPtrArray    *pd_adb_parse_devices       (const char *text);   /* of PdDevice */

/* The adb program: $PROOFDESK_ADB, else "adb" on PATH. NULL and an error saying how to
 * install it when there is none. */
char         *pd_adb_find                (GError **error);
/* Runs `adb [-s SERIAL] ARGS…` (argv, never a shell) and returns its stdout. Fails on a
 * non-zero exit, or after timeout_ms (0 = 20 s). */
char         *pd_adb_run                 (const char *serial, const char * const *args,
                                          guint timeout_ms, GCancellable *cancellable,
                                          GError **error);
/* `adb devices -l`, parsed. */
GPtrArray    *pd_adb_list_devices        (GCancellable *cancellable, GError **error);
/* Checks that SERIAL is connected and authorised; the error explains what to do if not. */
gboolean      pd_adb_check_device        (const char *serial, GCancellable *cancellable,
                                          GError **error);

/* ------------------------------------------------------------------ hot-plug */

#define PD_TYPE_DEVICE_MONITOR (pd_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (PdDeviceMonitor, pd_device_monitor, PD, DEVICE_MONITOR, GObject)

/* A GListModel of PdDevice, kept up to date by polling `adb devices -l` (every 2 s by default)
 * while started. Signals: "device-added" (PdDevice), "device-removed" (PdDevice),
 * "device-changed" (PdDevice: state, model, … changed), "adb-error" (GError: adb missing or
 * failing; emitted when the error first appears). */
PdDeviceMonitor *pd_device_monitor_new          (void);
void             pd_device_monitor_set_interval (PdDeviceMonitor *self, guint interval_ms);
void             pd_device_monitor_start        (PdDeviceMonitor *self);
void             pd_device_monitor_stop         (PdDeviceMonitor *self);
/* Polls now, without waiting for the next tick. */
void             pd_device_monitor_refresh      (PdDeviceMonitor *self);

/* ------------------------------------------------------------------ environment report */

typedef enum {
  PD_ENV_CHECK_UNKNOWN,
  PD_ENV_CHECK_PASSED,
  PD_ENV_CHECK_FAILED,
} PdEnvCheckResult;

/* Minimum free space on /data for env.storage. */
#define PD_ENV_MIN_FREE_BYTES (G_GUINT64_CONSTANT (3) * 1024 * 1024 * 1024)

/* "wechat" → "com.tencent.mm", "alipay" → "com.eg.android.AlipayGphone"; a scenario name
 * such as "wechat-chat" or "mini-program" works too; a package name is returned as is. NULL
 * when unknown. */
const char      *pd_env_app_package       (const char *app_or_scenario);

/* The environment report of one phone (see data/checklists/README.md, items env.*): device, root indicators, network,
 * storage, clock, battery, the target app (`app` may be NULL) and "checks": one object per
 * checklist item env.network, env.storage, env.app, env.clock with "result"
 * passed|failed|unknown and a "message". Blocking: several adb round trips. */
JsonObject      *pd_env_report_collect        (const char *serial, const char *app,
                                               GCancellable *cancellable, GError **error);
void             pd_env_report_collect_async  (const char *serial, const char *app,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
JsonObject      *pd_env_report_collect_finish (GAsyncResult *result, GError **error);
/* The result of check `id` (e.g. "env.network") in a report. */
PdEnvCheckResult pd_env_report_get_check      (JsonObject *report, const char *id,
                                               const char **message);

/* ------------------------------------------------------------------ scrcpy and V4L2 loopback */

/* The first V4L2 loopback device (/dev/videoN) not in use, or NULL and an error saying how to
 * load v4l2loopback. */
char            *pd_v4l2loopback_find_free    (GError **error);
/* Starts `scrcpy --serial SERIAL --v4l2-sink=DEVICE` without a window (argv, no shell). */
GSubprocess     *pd_scrcpy_spawn              (const char *serial, const char *device,
                                               GError **error);

/* NULL when scrcpy is installed, else a sentence saying how to install it. */
char            *pd_scrcpy_check              (void);
/* The best way to record a ready phone: "scrcpy:SERIAL" when scrcpy and a free v4l2loopback
 * device are there (no time limit, so no gaps), else "adb:SERIAL" (the phone's own H.264,
 * restarted every 180 s). `why` (may be NULL) gets a sentence saying which and why. */
char            *pd_phone_pick_source         (const char *serial, char **why);

/* ------------------------------------------------------------------ V4L2 devices and PipeWire */

/* A GstDeviceMonitor for video sources (capture cards, webcams, v4l2loopback); not started. */
GstDeviceMonitor *pd_video_monitor_new        (void);
/* The /dev/videoN of a V4L2 device from that monitor, or NULL for any other kind of device. */
char            *pd_video_device_dup_path     (GstDevice *device);
/* "1920×1080 YUY2 60 fps, 1280×720 MJPG 30 fps, …": the largest frame sizes a device offers,
 * at most `max` of them. */
char            *pd_video_caps_summary        (GstCaps *caps, guint max);
/* Whether a PipeWire daemon answers for this user (its socket exists). */
gboolean         pd_pipewire_available        (void);

G_END_DECLS

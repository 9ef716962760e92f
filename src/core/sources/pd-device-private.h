/* pd-device-private.h — what the files of pd-device share: the PdDevice object, its
 * properties and running adb asynchronously. Only for src/core/sources/. */
#pragma once

#include "sources/pd-device.h"

G_BEGIN_DECLS

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
extern GParamSpec *pd_device_props[DEV_N_PROPS];

/* g_set_str() is GLib 2.76. */
void  pd_device_set_str (char **field, const char *value);

/* `adb [-s SERIAL] ARGS…` on the thread-default context; the result is its stdout. */
void  pd_adb_run_async  (const char *serial, const char * const *args, guint timeout_ms,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
char *pd_adb_run_finish (GAsyncResult *result, GError **error);

G_END_DECLS

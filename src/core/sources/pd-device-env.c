/* pd-device-env.c — the environment report of a phone (checklist items env.*): device, root
 * indicators, network, storage, clock, battery and the target app, read over adb. */
#define G_LOG_DOMAIN "pd-device"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sources/pd-device-private.h"
#include "util/pd-util.h"

#define CLOCK_MAX_SKEW_SECONDS 10

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

/* env.network: Wi-Fi off, mobile data on, no VPN, no proxy. */
static void
check_network (JsonArray *checks, JsonObject *net)
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
static void
check_storage (JsonArray *checks, JsonObject *storage)
{
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
}

/* env.app: installed from an app store on a phone that is not rooted. */
static void
check_app (JsonArray *checks, JsonObject *root, JsonObject *app)
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
static void
check_clock (JsonArray *checks, JsonObject *clock)
{
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
}

static void
add_checks (JsonObject *report)
{
  JsonArray *checks = json_array_new ();

  check_network (checks, pd_json_object (report, "network"));
  check_storage (checks, pd_json_object (report, "storage"));
  check_app (checks, pd_json_object (report, "root"), pd_json_object (report, "app"));
  check_clock (checks, pd_json_object (report, "clock"));
  json_object_set_array_member (report, "checks", checks);
}

#define PROP(name) ((const char *) g_hash_table_lookup (props, name))

static JsonObject *
collect_device (GHashTable *props, const char *serial)
{
  JsonObject *device = json_object_new ();

  set_string_or_null (device, "model", PROP ("ro.product.model"));
  set_string_or_null (device, "manufacturer", PROP ("ro.product.manufacturer"));
  set_string_or_null (device, "brand", PROP ("ro.product.brand"));
  set_string_or_null (device, "serial", PROP ("ro.serialno") ? PROP ("ro.serialno") : serial);
  set_string_or_null (device, "android_version", PROP ("ro.build.version.release"));
  set_string_or_null (device, "sdk", PROP ("ro.build.version.sdk"));
  set_string_or_null (device, "security_patch", PROP ("ro.build.version.security_patch"));
  set_string_or_null (device, "fingerprint", PROP ("ro.build.fingerprint"));
  set_string_or_null (device, "build_type", PROP ("ro.build.type"));
  return device;
}

static JsonObject *
collect_root (GHashTable *props, const char *serial, GCancellable *cancellable)
{
  JsonObject *root = json_object_new ();
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
  return root;
}

static JsonObject *
collect_network (const char *serial, GCancellable *cancellable)
{
  JsonObject *net = json_object_new ();
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
  return net;
}

static JsonObject *
collect_storage (const char *serial, GCancellable *cancellable)
{
  JsonObject *storage = json_object_new ();
  g_autofree char *df = shell (serial, cancellable, "df", "/data", NULL);
  guint64 free_bytes, total_bytes;

  if (parse_df_free (df, &free_bytes, &total_bytes))
    {
      json_object_set_int_member (storage, "data_free_bytes", (gint64) free_bytes);
      json_object_set_int_member (storage, "data_total_bytes", (gint64) total_bytes);
    }
  return storage;
}

static JsonObject *
collect_clock (GHashTable *props, const char *serial, GCancellable *cancellable)
{
  JsonObject *clock = json_object_new ();
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
  return clock;
}

#undef PROP

static JsonObject *
collect_battery (const char *serial, GCancellable *cancellable)
{
  JsonObject *battery = json_object_new ();
  g_autofree char *dump = shell (serial, cancellable, "dumpsys", "battery", NULL);
  g_autofree char *level = find_value (dump, "level: ", FALSE);
  gint64 v;

  if (level && g_ascii_string_to_signed (level, 10, 0, 100, &v, NULL))
    json_object_set_int_member (battery, "level", v);
  return battery;
}

JsonObject *
pd_env_report_collect (const char *serial, const char *app, GCancellable *cancellable, GError **error)
{
  static const char * const args[] = { "shell", "getprop", NULL };
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (GHashTable) props = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *taken = g_date_time_format_iso8601 (now);
  g_autofree char *getprop = NULL;

  g_return_val_if_fail (serial != NULL, NULL);

  if (!pd_adb_check_device (serial, cancellable, error))
    return NULL;
  if (!(getprop = pd_adb_run (serial, args, 0, cancellable, error)))
    return NULL;
  props = parse_getprop (getprop);

  report = json_object_new ();
  json_object_set_string_member (report, "taken", taken);
  json_object_set_string_member (report, "serial", serial);
  json_object_set_object_member (report, "device", collect_device (props, serial));
  json_object_set_object_member (report, "root", collect_root (props, serial, cancellable));
  json_object_set_object_member (report, "network", collect_network (serial, cancellable));
  json_object_set_object_member (report, "storage", collect_storage (serial, cancellable));
  json_object_set_object_member (report, "clock", collect_clock (props, serial, cancellable));
  json_object_set_object_member (report, "battery", collect_battery (serial, cancellable));
  if (app != NULL && *app != '\0')
    collect_app (report, serial, app, cancellable);

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


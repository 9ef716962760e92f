/* proofctl-devices.c — `proofctl devices` (what can be recorded, and how) and `proofctl env` (a phone's environment report). */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <X11/Xlib.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "sources/pd-device.h"
#include "sources/pd-portal.h"
#include "util/pd-util.h"
#include "proofctl.h"

/* One recordable (or not yet recordable) source. `source` is the --source value, NULL when it
 * cannot be recorded as it is; `explanation` says why and what to do. */
static JsonObject *
add_source (JsonArray *sources, const char *source, const char *kind, const char *title,
            const char *detail, const char *explanation)
{
  JsonObject *o = json_object_new ();

  if (source)
    json_object_set_string_member (o, "source", source);
  else
    json_object_set_null_member (o, "source");
  json_object_set_string_member (o, "kind", kind);
  json_object_set_string_member (o, "title", title);
  json_object_set_boolean_member (o, "available", source != NULL);
  if (detail)
    json_object_set_string_member (o, "detail", detail);
  if (explanation)
    json_object_set_string_member (o, "explanation", explanation);
  json_array_add_object_element (sources, o);
  return o;
}

static void
add_x11 (JsonArray *sources)
{
  const char *name = g_getenv ("DISPLAY");
  Display *dpy;

  if (name == NULL || *name == '\0')
    return;
  dpy = XOpenDisplay (name);
  if (dpy == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("The X display “%s” does not answer."), name);
      add_source (sources, NULL, "x11", _("X11 screen"), NULL, why);
      return;
    }
  for (int i = 0; i < ScreenCount (dpy); i++)
    {
      g_autofree char *title = g_strdup_printf (_("X11 screen %d of display %s"), i, name);
      g_autofree char *detail = g_strdup_printf ("%d×%d", DisplayWidth (dpy, i), DisplayHeight (dpy, i));
      g_autofree char *display = i == 0 ? g_strdup (name) : NULL;
      g_autofree char *source = NULL;

      /* "host:D.S": the screen number is the part after the last dot. */
      if (i > 0)
        {
          const char *colon = strrchr (name, ':');
          const char *dot = colon ? strchr (colon, '.') : NULL;
          g_autofree char *base = dot ? g_strndup (name, dot - name) : g_strdup (name);
          display = g_strdup_printf ("%s.%d", base, i);
        }
      source = g_strdup_printf ("x11:%s", display);
      add_source (sources, source, "x11", title, detail, NULL);
    }
  XCloseDisplay (dpy);
}

static void
add_phones (JsonArray *sources, JsonObject *tools)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = pd_adb_list_devices (NULL, &error);
  JsonObject *adb = json_object_new ();

  json_object_set_boolean_member (adb, "available", devices != NULL);
  if (devices == NULL)
    json_object_set_string_member (adb, "explanation", error->message);
  json_object_set_object_member (tools, "adb", adb);
  for (guint i = 0; devices && i < devices->len; i++)
    {
      PdDevice *dev = devices->pdata[i];
      g_autofree char *label = pd_device_dup_label (dev);
      g_autofree char *title = g_strdup_printf (_("Android phone %s"), label);
      g_autofree char *why = NULL;
      g_autofree char *source = NULL;
      JsonObject *o;

      if (pd_device_get_state (dev) == PD_DEVICE_STATE_DEVICE)
        source = pd_phone_pick_source (pd_device_get_serial (dev), &why);
      o = add_source (sources, source, "phone", title, why, pd_device_get_explanation (dev));
      json_object_set_string_member (o, "serial", pd_device_get_serial (dev));
      json_object_set_string_member (o, "state", pd_device_get_state_text (dev));
      if (source != NULL)
        {
          /* Both ways are always possible; the first is the one picked. */
          g_autofree char *adb_source = g_strdup_printf ("adb:%s", pd_device_get_serial (dev));
          if (!g_str_equal (source, adb_source))
            json_object_set_string_member (o, "alternative", adb_source);
        }
    }
}

static void
add_video_devices (JsonArray *sources)
{
  g_autoptr (GstDeviceMonitor) monitor = pd_video_monitor_new ();
  GList *devices;

  /* Without start(), get_devices() probes once, which is all a listing needs. */
  devices = gst_device_monitor_get_devices (monitor);
  for (GList *l = devices; l; l = l->next)
    {
      GstDevice *device = l->data;
      g_autofree char *path = pd_video_device_dup_path (device);
      g_autofree char *name = gst_device_get_display_name (device);
      g_autoptr (GstCaps) caps = gst_device_get_caps (device);
      g_autofree char *summary = pd_video_caps_summary (caps, 4);
      g_autofree char *source = NULL;
      g_autofree char *title = NULL;

      if (path == NULL)
        continue;
      source = g_strdup_printf ("v4l2:%s", path);
      title = g_strdup_printf (_("Video device %s (%s)"), name, path);
      add_source (sources, source, "v4l2", title, summary, NULL);
    }
  g_list_free_full (devices, gst_object_unref);
}

static void
add_tools (JsonObject *tools)
{
  g_autofree char *scrcpy = pd_scrcpy_check ();
  g_autoptr (GError) error = NULL;
  g_autofree char *loopback = pd_v4l2loopback_find_free (&error);
  JsonObject *o;

  o = json_object_new ();
  json_object_set_boolean_member (o, "available", scrcpy == NULL);
  if (scrcpy)
    json_object_set_string_member (o, "explanation", scrcpy);
  json_object_set_object_member (tools, "scrcpy", o);
  o = json_object_new ();
  json_object_set_boolean_member (o, "available", loopback != NULL);
  if (loopback)
    json_object_set_string_member (o, "device", loopback);
  else
    json_object_set_string_member (o, "explanation", error->message);
  json_object_set_object_member (tools, "v4l2loopback", o);
  o = json_object_new ();
  json_object_set_boolean_member (o, "available", pd_pipewire_available ());
  if (!pd_pipewire_available ())
    json_object_set_string_member (o, "explanation", _("No PipeWire daemon runs for this user."));
  json_object_set_object_member (tools, "pipewire", o);
}

static void
add_portal (JsonArray *sources)
{
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");

  if (wayland == NULL || *wayland == '\0')
    {
      add_source (sources, NULL, "portal", _("Screen (Wayland)"), NULL,
                  _("This is not a Wayland session: record the screen with “x11”."));
      return;
    }
  {
    g_autoptr (GError) error = NULL;

    if (pd_portal_check (&error))
      add_source (sources, "portal", "portal", _("Screen (Wayland)"),
                  _("The desktop asks which screen or window to share."), NULL);
    else
      add_source (sources, NULL, "portal", _("Screen (Wayland)"), NULL, error->message);
  }
}

static const char *
tool_line (JsonObject *tools, const char *name)
{
  JsonObject *o = json_object_get_object_member (tools, name);

  return json_object_get_boolean_member (o, "available") ? _("ready")
                                                          : json_object_get_string_member (o, "explanation");
}

int
pctl_devices (int argc, char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) sources = json_array_new ();
  g_autoptr (JsonObject) tools = json_object_new ();

  g_option_context_set_summary (ctx, _("List what can be recorded: the test pattern, X11 screens, phones over adb, video devices, PipeWire and the Wayland portal, each with the --source value for “proofctl capture”."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail (_("Unexpected argument “%s”."), argv[1]);

  add_source (sources, "test", "test", _("Test pattern"), NULL, NULL);
  add_x11 (sources);
  add_phones (sources, tools);
  add_video_devices (sources);
  add_portal (sources);
  add_tools (tools);

  if (json)
    {
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr (JsonObject) o = json_object_new ();

      json_object_set_array_member (o, "sources", json_array_ref (sources));
      json_object_set_object_member (o, "tools", json_object_ref (tools));
      json_node_set_object (root, o);
      pctl_print_json (root);
      return PCTL_EXIT_OK;
    }

  printf ("%s\n", _("Sources (the first column is the value for “proofctl capture --source”):"));
  for (guint i = 0; i < json_array_get_length (sources); i++)
    {
      JsonObject *o = json_array_get_object_element (sources, i);
      /* Names, models and serials are what the device says about itself. */
      g_autofree char *source = pctl_safe (pd_json_string (o, "source"));
      g_autofree char *title = pctl_safe (pd_json_string (o, "title"));
      g_autofree char *detail = pctl_safe (pd_json_string (o, "detail"));
      g_autofree char *explanation = pctl_safe (pd_json_string (o, "explanation"));
      const char *state = pd_json_string (o, "state");

      printf ("  %-24s %s", source, title);
      if (state && !g_str_equal (state, "device"))
        {
          g_autofree char *safe_state = pctl_safe (state);
          printf (" [%s]", safe_state);
        }
      printf ("\n");
      if (pd_json_string (o, "detail"))
        printf ("  %-24s   %s\n", "", detail);
      if (pd_json_string (o, "explanation"))
        printf ("  %-24s   %s\n", "", explanation);
    }
  printf ("\n%s\n", _("Helpers:"));
  printf ("  %-14s %s\n", "adb", tool_line (tools, "adb"));
  printf ("  %-14s %s\n", "scrcpy", tool_line (tools, "scrcpy"));
  printf ("  %-14s %s\n", "v4l2loopback", tool_line (tools, "v4l2loopback"));
  printf ("  %-14s %s\n", "pipewire", tool_line (tools, "pipewire"));
  return PCTL_EXIT_OK;
}

/* ---------------------------------------------------------------- proofctl env */

static const char *
result_word (const char *result)
{
  if (g_strcmp0 (result, "passed") == 0)
    return _("PASS");
  if (g_strcmp0 (result, "failed") == 0)
    return _("FAIL");
  return _("UNKNOWN");
}

static void
print_fact (const char *label, const char *value)
{
  g_autofree char *safe = NULL;

  if (value == NULL)
    return;
  safe = pctl_safe (value);
  printf ("  %-22s %s\n", label, safe);
}

int
pctl_env (int argc, char **argv)
{
  g_autofree char *app = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "app", 'a', 0, G_OPTION_ARG_STRING, &app, N_("The target app: wechat, alipay, … a scenario id such as wechat-chat, or a package name"), "APP" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the report as JSON"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("SERIAL"));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) report = NULL;
  JsonArray *checks;
  gboolean failed = FALSE;

  g_option_context_set_summary (ctx, _("Read a phone's environment over adb (device, root, network, storage, clock, battery, target app) and check it. Exit 0 when no check failed, 1 when one did, 2 when the phone cannot be read."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc < 2)
    return pctl_fail ("%s", _("No phone given: name its serial (see “proofctl devices”)."));
  if (argc > 2)
    return pctl_fail (_("Unexpected argument “%s”."), argv[2]);
  if (app != NULL && pd_env_app_package (app) == NULL)
    return pctl_fail (_("Unknown app “%s”: use wechat, alipay, qq, taobao, jd, pinduoduo, douyin, a scenario id or a package name."), app);

  report = pd_env_report_collect (argv[1], app, NULL, &error);
  if (report == NULL)
    return pctl_fail ("%s", error->message);
  checks = json_object_get_array_member (report, "checks");
  for (guint i = 0; checks && i < json_array_get_length (checks); i++)
    if (g_strcmp0 (pd_json_string (json_array_get_object_element (checks, i), "result"), "failed") == 0)
      failed = TRUE;

  if (json)
    {
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (root, report);
      pctl_print_json (root);
      return failed ? PCTL_EXIT_INVALID : PCTL_EXIT_OK;
    }

  {
    JsonObject *dev = pd_json_object (report, "device");
    JsonObject *root = pd_json_object (report, "root");
    JsonObject *appo = pd_json_object (report, "app");

    printf ("%s\n", _("Phone:"));
    print_fact (_("Model"), pd_json_string (dev, "model"));
    print_fact (_("Manufacturer"), pd_json_string (dev, "manufacturer"));
    print_fact (_("Serial"), pd_json_string (dev, "serial"));
    print_fact (_("Android version"), pd_json_string (dev, "android_version"));
    print_fact (_("Build fingerprint"), pd_json_string (dev, "fingerprint"));
    if (root && json_object_has_member (root, "rooted"))
      print_fact (_("Root indicators"), json_object_get_boolean_member (root, "rooted") ? _("yes") : _("none"));
    if (appo)
      {
        print_fact (_("App package"), pd_json_string (appo, "package"));
        print_fact (_("App version"), pd_json_string (appo, "version_name"));
        print_fact (_("Installed by"), pd_json_string (appo, "installer"));
      }
    printf ("\n%s\n", _("Checks:"));
    for (guint i = 0; checks && i < json_array_get_length (checks); i++)
      {
        JsonObject *c = json_array_get_object_element (checks, i);
        g_autofree char *id = pctl_safe (pd_json_string (c, "id"));
        g_autofree char *message = pctl_safe (pd_json_string (c, "message"));

        printf ("  %-8s %-12s %s\n", result_word (pd_json_string (c, "result")), id, message);
      }
  }
  return failed ? PCTL_EXIT_INVALID : PCTL_EXIT_OK;
}

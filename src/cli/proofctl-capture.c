/* proofctl-capture.c — `proofctl capture`: record a source into an evidence package. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "capture/pd-capture.h"
#include "sources/pd-portal.h"
#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "proofctl.h"

typedef struct
{
  GMainLoop *loop;
  PdCapture *capture;
  PdPackage *package;
  GError    *error;
  gboolean   stopping;
  guint      duration_id;
  guint      progress_id;
} CaptureRun;

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CaptureRun *run = user_data;

  run->package = pd_capture_stop_finish (PD_CAPTURE (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static void
request_stop (CaptureRun *run)
{
  if (run->stopping)
    return;
  run->stopping = TRUE;
  g_clear_handle_id (&run->duration_id, g_source_remove);
  g_printerr ("%s\n", _("Stopping: finishing the recording and sealing the package…"));
  pd_capture_stop_async (run->capture, NULL, on_stopped, run);
}

static gboolean
on_signal (gpointer user_data)
{
  request_stop (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration (gpointer user_data)
{
  CaptureRun *run = user_data;

  run->duration_id = 0;
  request_stop (run);
  return G_SOURCE_REMOVE;
}

static gboolean
on_progress (gpointer user_data)
{
  CaptureRun *run = user_data;
  g_autofree char *size = g_format_size (pd_capture_get_bytes (run->capture));
  guint64 secs = pd_capture_get_running_time (run->capture) / G_GUINT64_CONSTANT (1000000000);

  if (!run->stopping)
    g_printerr (_("recording %02u:%02u:%02u  %s  %llu frames\n"),
                (guint) (secs / 3600), (guint) (secs / 60 % 60), (guint) (secs % 60), size,
                (unsigned long long) pd_capture_get_frames (run->capture));
  return G_SOURCE_CONTINUE;
}

static void
on_checkpoint (PdCapture *capture, guint index, guint64 offset, const char *sha256,
               guint64 running_time, gpointer user_data)
{
  g_printerr (_("checkpoint %u: %llu bytes, SHA-256 %s\n"), index, (unsigned long long) offset, sha256);
}

static void
on_checkpoint_stamped (PdCapture *capture, guint index, GError *error, gpointer user_data)
{
  if (error == NULL)
    g_printerr (_("checkpoint %u: timestamped\n"), index);
  else
    g_printerr (_("checkpoint %u: not timestamped: %s (recording continues)\n"), index, error->message);
}


int
pctl_capture (int argc, char **argv)
{
  g_autofree char *source_text = NULL;
  g_autofree char *region = NULL;
  g_autofree char *window = NULL;
  g_autofree char *out = NULL;
  g_autofree char *case_name = NULL;
  g_autofree char *parties = NULL;
  g_autofree char *dispute_type = NULL;
  g_autofree char *scenario = NULL;
  g_autofree char *operator_name = NULL;
  g_autofree char *encoder = NULL;
  g_autofree char *tsa_url = NULL;
  g_autofree char *quality = NULL;
  g_autofree char *catalog_path = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  double duration = 0;
  double checkpoint_interval = 10;
  int fps = 30;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "source", 's', 0, G_OPTION_ARG_STRING, &source_text, N_("What to record: test, x11[:DISPLAY], adb:SERIAL, scrcpy:SERIAL, v4l2:/dev/videoN, pipewire:NODE or portal (see “proofctl devices”)"), "SOURCE" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region, N_("Record only this part of the X11 screen"), "X,Y,W,H" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &window, N_("Record only this X11 window"), "XID" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop after this many seconds (default: at Ctrl-C)"), "SECONDS" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Evidence root folder (default: the configured one)"), "DIR" },
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_name, N_("Case name"), "NAME" },
    { "parties", 0, 0, G_OPTION_ARG_STRING, &parties, N_("The case’s parties, e.g. “张三 v. 李四”"), "TEXT" },
    { "dispute-type", 0, 0, G_OPTION_ARG_STRING, &dispute_type, N_("Kind of dispute, e.g. “private lending”"), "TEXT" },
    { "scenario", 0, 0, G_OPTION_ARG_STRING, &scenario, N_("Checklist scenario id"), "ID" },
    { "operator", 0, 0, G_OPTION_ARG_STRING, &operator_name, N_("Who is recording (default: your name)"), "NAME" },
    { "checkpoint-interval", 0, 0, G_OPTION_ARG_DOUBLE, &checkpoint_interval, N_("Seconds between checkpoints, 0 for none (default 10)"), "SECONDS" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, N_("Frames per second (default 30)"), "N" },
    { "encoder", 0, 0, G_OPTION_ARG_STRING, &encoder, N_("auto, x264 or openh264 (default auto)"), "NAME" },
    { "quality", 0, 0, G_OPTION_ARG_STRING, &quality, N_("standard or high (default standard)"), "QUALITY" },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &tsa_url, N_("Timestamp authority: an http(s) URL, “local” (practice, not for court) or “none” (default: the configured one, else local)"), "URL" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress on stderr"), NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path, N_("Catalog file (default: the standard one)"), "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPortalScreencast) portal = NULL;   /* outlives the capture: it holds the stream */
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  CaptureRun run = { 0 };
  guint sigint, sigterm;

  g_option_context_set_summary (ctx, _("Record a source into a new evidence package. The package folder is printed last on stdout."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail (_("Unexpected argument “%s”."), argv[1]);
  if (source_text == NULL)
    return pctl_fail ("%s", _("No source given: use --source test, x11 or x11:DISPLAY."));
  if (!(duration >= 0 && duration < 7 * 24 * 3600.0))
    return pctl_fail ("%s", _("--duration must be a number of seconds from 0 to a week."));
  if (!(checkpoint_interval >= 0 && checkpoint_interval <= 24 * 3600.0))
    return pctl_fail ("%s", _("--checkpoint-interval must be a number of seconds from 0 to a day."));
  if (fps < 1 || fps > 120)
    return pctl_fail ("%s", _("--fps must be between 1 and 120."));

  if (g_str_equal (source_text, "portal"))
    {
      /* Wayland: the desktop asks which screen to share, then hands over a PipeWire stream. */
      if (!(portal = pd_portal_screencast_new_sync (0, NULL, &error)))
        return pctl_fail ("%s", error->message);
      spec = pd_source_spec_copy (pd_portal_screencast_get_source (portal));
    }
  else
    spec = pd_source_spec_parse (source_text, &error);
  if (spec == NULL)
    return pctl_fail ("%s", error->message);
  if (region != NULL || window != NULL)
    {
      if (spec->kind != PD_SOURCE_KIND_X11)
        return pctl_fail ("%s", _("--region and --window only apply to the x11 source."));
      if (region != NULL && window != NULL)
        return pctl_fail ("%s", _("Give either --region or --window, not both."));
      if (region != NULL && !pd_source_spec_set_region (spec, region, &error))
        return pctl_fail ("%s", error->message);
      if (window != NULL)
        {
          guint64 xid;
          if (!g_ascii_string_to_unsigned (window, 10, 1, G_MAXUINT32, &xid, NULL) &&
              !(g_str_has_prefix (window, "0x") &&
                g_ascii_string_to_unsigned (window + 2, 16, 1, G_MAXUINT32, &xid, NULL)))
            return pctl_fail (_("Bad window id “%s”: use a decimal or 0x hexadecimal XID."), window);
          if (xid == 0)
            return pctl_fail (_("Bad window id “%s”: use a decimal or 0x hexadecimal XID."), window);
          spec->xid = xid;
        }
    }

  if (tsa_url == NULL)
    tsa_url = pd_config_get_tsa_url ();
  if (!g_str_equal (tsa_url, "none"))
    {
      tsa = pd_tsa_client_new (tsa_url, &error);
      if (tsa == NULL)
        return pctl_fail ("%s", error->message);
    }

  capture = pd_capture_new (spec);
  if (out == NULL)
    out = pd_config_get_evidence_root ();
  pd_capture_set_evidence_root (capture, out);
  pd_capture_set_tsa (capture, tsa);
  catalog = pctl_open_catalog_for_recording (catalog_path);
  pd_capture_set_catalog (capture, catalog);
  /* Nothing shows a preview here: save the conversion. */
  pd_capture_set_preview_enabled (capture, FALSE);
  pd_capture_set_case (capture, case_name);
  pd_capture_set_parties (capture, parties);
  pd_capture_set_dispute_type (capture, dispute_type);
  pd_capture_set_scenario (capture, scenario);
  pd_capture_set_operator (capture, operator_name);
  pd_capture_set_checkpoint_interval (capture, (guint64) (checkpoint_interval * 1e9));
  pd_capture_set_framerate (capture, fps);
  if (quality != NULL && !g_str_equal (quality, "standard") && !g_str_equal (quality, "high"))
    return pctl_fail (_("Unknown quality “%s”: use standard or high."), quality);
  pd_capture_set_quality (capture, quality && g_str_equal (quality, "high") ? PD_QUALITY_HIGH
                                                                          : PD_QUALITY_STANDARD);
  if (encoder == NULL || g_str_equal (encoder, "auto"))
    pd_capture_set_encoder (capture, PD_ENCODER_AUTO);
  else if (g_str_equal (encoder, "x264"))
    pd_capture_set_encoder (capture, PD_ENCODER_X264);
  else if (g_str_equal (encoder, "openh264"))
    pd_capture_set_encoder (capture, PD_ENCODER_OPENH264);
  else
    return pctl_fail (_("Unknown encoder “%s”: use auto, x264 or openh264."), encoder);

  if (!quiet)
    {
      g_signal_connect (capture, "checkpoint", G_CALLBACK (on_checkpoint), NULL);
      g_signal_connect (capture, "checkpoint-stamped", G_CALLBACK (on_checkpoint_stamped), NULL);
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.capture = capture;

  if (!pd_capture_start (capture, &error))
    return pctl_fail ("%s", error->message);
  if (!quiet)
    g_printerr (_("Recording with %s into %s\n"), pd_capture_get_encoder_name (capture),
                pd_package_get_path (pd_capture_get_package (capture)));
  if (tsa == NULL)
    g_printerr ("%s\n", _("No timestamp authority: the package will carry no timestamps."));
  else if (pd_tsa_client_is_practice (tsa))
    g_printerr ("%s\n", _("Timestamps come from the built-in practice authority: practice, not for court."));

  /* A file-size limit must end the recording cleanly (write error → sealed as failed), not
   * kill the process: SIGXFSZ's default action would lose the seal. */
  signal (SIGXFSZ, SIG_IGN);
  sigint = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &run);
  if (duration > 0)
    run.duration_id = g_timeout_add ((guint) (duration * 1000), on_duration, &run);
  if (!quiet)
    run.progress_id = g_timeout_add_seconds (1, on_progress, &run);

  /* The pipeline may fail on its own (display gone, disk full): stop waiting then too. */
  g_signal_connect_swapped (capture, "failed", G_CALLBACK (request_stop), &run);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_handle_id (&run.duration_id, g_source_remove);
  g_clear_handle_id (&run.progress_id, g_source_remove);

  if (run.error != NULL)
    {
      PdPackage *pkg = pd_capture_get_package (capture);
      g_autofree char *msg = g_strdup (run.error->message);

      g_clear_error (&run.error);
      if (pkg && g_file_test (pd_package_get_path (pkg), G_FILE_TEST_IS_DIR))
        {
          g_printerr (_("proofctl: %s (what was recorded is sealed, marked failed, in %s)\n"),
                      msg, pd_package_get_path (pkg));
          return PCTL_EXIT_ERROR;
        }
      return pctl_fail ("%s", msg);
    }

  for (const char * const *w = pd_capture_get_warnings (capture); *w; w++)
    g_printerr ("proofctl: %s\n", *w);
  g_print ("%s\n", pd_package_get_path (run.package));
  g_clear_object (&run.package);
  return PCTL_EXIT_OK;
}

/* proofctl-capture.c — `proofctl capture`: record a source into an evidence package. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "capture/pd-capture.h"
#include "checklist/pd-checklist.h"
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
    {
      /* The authority's status text is the authority's, not ours. */
      g_autofree char *message = pd_text_sanitize_terminal (error->message);

      g_printerr (_("checkpoint %u: not timestamped: %s (recording continues)\n"), index, message);
    }
}

/* What the command line asked for. */
typedef struct
{
  char    *source_text;
  char    *region;
  char    *window;
  char    *out;
  char    *case_name;
  char    *parties;
  char    *dispute_type;
  char    *scenario;
  char    *operator_name;
  char    *encoder;
  char    *tsa_url;
  char    *quality;
  char    *catalog_path;
  double   duration;
  double   checkpoint_interval;
  int      fps;
  gboolean quiet;
} CaptureOptions;

static void
capture_options_clear (CaptureOptions *o)
{
  g_free (o->source_text);
  g_free (o->region);
  g_free (o->window);
  g_free (o->out);
  g_free (o->case_name);
  g_free (o->parties);
  g_free (o->dispute_type);
  g_free (o->scenario);
  g_free (o->operator_name);
  g_free (o->encoder);
  g_free (o->tsa_url);
  g_free (o->quality);
  g_free (o->catalog_path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CaptureOptions, capture_options_clear)

/* Parses and checks the options; PCTL_EXIT_OK, or the exit code after saying what is wrong. */
static int
parse_options (CaptureOptions *o, int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "source", 's', 0, G_OPTION_ARG_STRING, &o->source_text, N_("What to record: test, x11[:DISPLAY], adb:SERIAL, scrcpy:SERIAL, v4l2:/dev/videoN, pipewire:NODE or portal (see “proofctl devices”)"), "SOURCE" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &o->region, N_("Record only this part of the X11 screen"), "X,Y,W,H" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &o->window, N_("Record only this X11 window"), "XID" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration, N_("Stop after this many seconds (default: at Ctrl-C)"), "SECONDS" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out, N_("Evidence root folder (default: the configured one)"), "DIR" },
    { "case", 0, 0, G_OPTION_ARG_STRING, &o->case_name, N_("Case name"), "NAME" },
    { "parties", 0, 0, G_OPTION_ARG_STRING, &o->parties, N_("The case’s parties, e.g. “张三 v. 李四”"), "TEXT" },
    { "dispute-type", 0, 0, G_OPTION_ARG_STRING, &o->dispute_type, N_("Kind of dispute, e.g. “private lending”"), "TEXT" },
    { "scenario", 0, 0, G_OPTION_ARG_STRING, &o->scenario, N_("Checklist scenario id"), "ID" },
    { "operator", 0, 0, G_OPTION_ARG_STRING, &o->operator_name, N_("Who is recording (default: your name)"), "NAME" },
    { "checkpoint-interval", 0, 0, G_OPTION_ARG_DOUBLE, &o->checkpoint_interval, N_("Seconds between checkpoints, 0 for none (default 10)"), "SECONDS" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &o->fps, N_("Frames per second (default 30)"), "N" },
    { "encoder", 0, 0, G_OPTION_ARG_STRING, &o->encoder, N_("auto, x264 or openh264 (default auto)"), "NAME" },
    { "quality", 0, 0, G_OPTION_ARG_STRING, &o->quality, N_("standard or high (default standard)"), "QUALITY" },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &o->tsa_url, N_("Timestamp authority: an http(s) URL, “local” (practice, not for court) or “none” (default: the configured one, else local)"), "URL" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("No progress on stderr"), NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &o->catalog_path, N_("Catalog file (default: the standard one)"), "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, _("Record a source into a new evidence package. The package folder is printed last on stdout."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail (_("Unexpected argument “%s”."), argv[1]);
  if (o->source_text == NULL)
    return pctl_fail ("%s", _("No source given: use --source test, x11 or x11:DISPLAY."));
  if (!(o->duration >= 0 && o->duration < 7 * 24 * 3600.0))
    return pctl_fail ("%s", _("--duration must be a number of seconds from 0 to a week."));
  if (!(o->checkpoint_interval >= 0 && o->checkpoint_interval <= 24 * 3600.0))
    return pctl_fail ("%s", _("--checkpoint-interval must be a number of seconds from 0 to a day."));
  if (o->fps < 1 || o->fps > 120)
    return pctl_fail ("%s", _("--fps must be between 1 and 120."));
  return PCTL_EXIT_OK;
}

/* --region and --window narrow an x11 source. */
static int
apply_x11_area (const CaptureOptions *o, PdSourceSpec *spec)
{
  g_autoptr (GError) error = NULL;
  guint64 xid;

  if (spec->kind != PD_SOURCE_KIND_X11)
    return pctl_fail ("%s", _("--region and --window only apply to the x11 source."));
  if (o->region != NULL && o->window != NULL)
    return pctl_fail ("%s", _("Give either --region or --window, not both."));
  if (o->region != NULL && !pd_source_spec_set_region (spec, o->region, &error))
    return pctl_fail ("%s", error->message);
  if (o->window == NULL)
    return PCTL_EXIT_OK;
  if (!g_ascii_string_to_unsigned (o->window, 10, 1, G_MAXUINT32, &xid, NULL) &&
      !(g_str_has_prefix (o->window, "0x") &&
        g_ascii_string_to_unsigned (o->window + 2, 16, 1, G_MAXUINT32, &xid, NULL)))
    return pctl_fail (_("Bad window id “%s”: use a decimal or 0x hexadecimal XID."), o->window);
  if (xid == 0)
    return pctl_fail (_("Bad window id “%s”: use a decimal or 0x hexadecimal XID."), o->window);
  spec->xid = xid;
  return PCTL_EXIT_OK;
}

/* The source to record; with "portal", `portal` gets the stream, which must outlive the capture. */
static int
make_source (const CaptureOptions *o, PdPortalScreencast **portal, PdSourceSpec **out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdSourceSpec) spec = NULL;
  int status;

  if (g_str_equal (o->source_text, "portal"))
    {
      /* Wayland: the desktop asks which screen to share, then hands over a PipeWire stream. */
      if (!(*portal = pd_portal_screencast_new_sync (0, NULL, &error)))
        return pctl_fail ("%s", error->message);
      spec = pd_source_spec_copy (pd_portal_screencast_get_source (*portal));
    }
  else
    spec = pd_source_spec_parse (o->source_text, &error);
  if (spec == NULL)
    return pctl_fail ("%s", error->message);
  if ((o->region != NULL || o->window != NULL) && (status = apply_x11_area (o, spec)) != PCTL_EXIT_OK)
    return status;
  *out = g_steal_pointer (&spec);
  return PCTL_EXIT_OK;
}

/* --tsa, else the configured authority; "none" leaves `tsa` NULL. */
static int
make_tsa (CaptureOptions *o, PdTsaClient **tsa)
{
  g_autoptr (GError) error = NULL;

  if (o->tsa_url == NULL)
    o->tsa_url = pd_config_get_tsa_url ();
  if (g_str_equal (o->tsa_url, "none"))
    return PCTL_EXIT_OK;
  if (!(*tsa = pd_tsa_client_new (o->tsa_url, &error)))
    return pctl_fail ("%s", error->message);
  return PCTL_EXIT_OK;
}

static int
configure_capture (PdCapture *capture, CaptureOptions *o, PdTsaClient *tsa, PdCatalog **catalog)
{
  if (o->out == NULL)
    o->out = pd_config_get_evidence_root ();
  pd_capture_set_evidence_root (capture, o->out);
  pd_capture_set_tsa (capture, tsa);
  *catalog = pctl_open_catalog_for_recording (o->catalog_path);
  pd_capture_set_catalog (capture, *catalog);
  /* Nothing shows a preview here: save the conversion. */
  pd_capture_set_preview_enabled (capture, FALSE);
  pd_capture_set_case (capture, o->case_name);
  pd_capture_set_parties (capture, o->parties);
  pd_capture_set_dispute_type (capture, o->dispute_type);
  pd_capture_set_scenario (capture, o->scenario);
  if (o->scenario != NULL && *o->scenario)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PdChecklist) checklist = pd_checklist_load (NULL, o->scenario, &error);
      g_autoptr (JsonObject) summary = NULL;

      /* A name that is no checklist stays a label of the recording (scripts name their runs),
       * said once so a mistyped scenario is not missed. */
      if (checklist == NULL)
        g_printerr (_("No checklist is called “%s” (%s): recording without a checklist.\n"), o->scenario,
                    error->message);
      else
        {
          /* Nobody marks items from the command line: the manifest and the certificate say so,
           * and list every required item as not shown. */
          summary = pd_checklist_build_summary (checklist, PD_CHECKLIST_DECISION_UNATTENDED);
          pd_capture_set_checklist_summary (capture, summary);
        }
    }
  pd_capture_set_operator (capture, o->operator_name);
  pd_capture_set_checkpoint_interval (capture, (guint64) (o->checkpoint_interval * 1e9));
  pd_capture_set_framerate (capture, o->fps);
  if (o->quality != NULL && !g_str_equal (o->quality, "standard") && !g_str_equal (o->quality, "high"))
    return pctl_fail (_("Unknown quality “%s”: use standard or high."), o->quality);
  pd_capture_set_quality (capture, o->quality && g_str_equal (o->quality, "high") ? PD_QUALITY_HIGH
                                                                                : PD_QUALITY_STANDARD);
  if (o->encoder == NULL || g_str_equal (o->encoder, "auto"))
    pd_capture_set_encoder (capture, PD_ENCODER_AUTO);
  else if (g_str_equal (o->encoder, "x264"))
    pd_capture_set_encoder (capture, PD_ENCODER_X264);
  else if (g_str_equal (o->encoder, "openh264"))
    pd_capture_set_encoder (capture, PD_ENCODER_OPENH264);
  else
    return pctl_fail (_("Unknown encoder “%s”: use auto, x264 or openh264."), o->encoder);

  if (!o->quiet)
    {
      g_signal_connect (capture, "checkpoint", G_CALLBACK (on_checkpoint), NULL);
      g_signal_connect (capture, "checkpoint-stamped", G_CALLBACK (on_checkpoint_stamped), NULL);
    }
  return PCTL_EXIT_OK;
}

/* Records until Ctrl-C, SIGTERM, --duration or a failure, then waits for the seal. */
static void
run_until_sealed (CaptureRun *run, const CaptureOptions *o)
{
  guint sigint, sigterm;

  /* A file-size limit must end the recording cleanly (write error → sealed as failed), not
   * kill the process: SIGXFSZ's default action would lose the seal. */
  signal (SIGXFSZ, SIG_IGN);
  sigint = g_unix_signal_add (SIGINT, on_signal, run);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, run);
  if (o->duration > 0)
    run->duration_id = g_timeout_add ((guint) (o->duration * 1000), on_duration, run);
  if (!o->quiet)
    run->progress_id = g_timeout_add_seconds (1, on_progress, run);

  /* The pipeline may fail on its own (display gone, disk full): stop waiting then too. */
  g_signal_connect_swapped (run->capture, "failed", G_CALLBACK (request_stop), run);

  g_main_loop_run (run->loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_handle_id (&run->duration_id, g_source_remove);
  g_clear_handle_id (&run->progress_id, g_source_remove);
}

/* The package folder last on stdout; the exit code. */
static int
report_result (CaptureRun *run)
{
  if (run->error != NULL)
    {
      PdPackage *pkg = pd_capture_get_package (run->capture);
      g_autofree char *msg = g_strdup (run->error->message);

      g_clear_error (&run->error);
      if (pkg && g_file_test (pd_package_get_path (pkg), G_FILE_TEST_IS_DIR))
        {
          g_autofree char *safe = pd_text_sanitize_terminal (msg);

          g_printerr (_("proofctl: %s (what was recorded is sealed, marked failed, in %s)\n"),
                      safe, pd_package_get_path (pkg));
          return PCTL_EXIT_ERROR;
        }
      return pctl_fail ("%s", msg);
    }

  for (const char * const *w = pd_capture_get_warnings (run->capture); *w; w++)
    pctl_warn ("%s", *w);
  g_print ("%s\n", pd_package_get_path (run->package));
  g_clear_object (&run->package);
  return PCTL_EXIT_OK;
}

int
pctl_capture (int argc, char **argv)
{
  g_auto (CaptureOptions) o = { .checkpoint_interval = 10, .fps = 30 };
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPortalScreencast) portal = NULL;   /* outlives the capture: it holds the stream */
  g_autoptr (PdSourceSpec) spec = NULL;
  g_autoptr (PdCapture) capture = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  CaptureRun run = { 0 };
  int status;

  if ((status = parse_options (&o, argc, argv)) != PCTL_EXIT_OK ||
      (status = make_source (&o, &portal, &spec)) != PCTL_EXIT_OK ||
      (status = make_tsa (&o, &tsa)) != PCTL_EXIT_OK)
    return status;
  capture = pd_capture_new (spec);
  if ((status = configure_capture (capture, &o, tsa, &catalog)) != PCTL_EXIT_OK)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.capture = capture;

  if (!pd_capture_start (capture, &error))
    return pctl_fail ("%s", error->message);
  if (!o.quiet)
    g_printerr (_("Recording with %s into %s\n"), pd_capture_get_encoder_name (capture),
                pd_package_get_path (pd_capture_get_package (capture)));
  if (tsa == NULL)
    g_printerr ("%s\n", _("No timestamp authority: the package will carry no timestamps."));
  else if (pd_tsa_client_is_practice (tsa))
    g_printerr ("%s\n", _("Timestamps come from the built-in practice authority: practice, not for court."));

  run_until_sealed (&run, &o);
  return report_result (&run);
}

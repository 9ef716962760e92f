/* proofctl-recover.c — `proofctl recover`: seal captures that never finished (crash, kill, power cut). */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-capture.h"
#include "pd-error.h"
#include "pd-package.h"
#include "pd-tsa.h"
#include "pd-util.h"
#include "proofctl.h"

typedef struct
{
  GMainLoop *loop;
  PdPackage *package;
  GError    *error;
} RecoverRun;

static void
on_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RecoverRun *run = user_data;

  run->package = pd_capture_recover_finish (PD_CAPTURE (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

int
pctl_recover (int argc, char **argv)
{
  g_autofree char *out = NULL;
  g_autofree char *tsa_url = NULL;
  g_autofree char *reason = NULL;
  g_auto (GStrv) dirs = NULL;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Evidence root to search (default: the configured one)"), "DIR" },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &tsa_url, N_("Timestamp authority: URL, “local” or “none” (default: the configured one)"), "URL" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why the capture did not finish, for the manifest"), "TEXT" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[PACKAGE_DIR…]"));
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint failed = 0, done = 0;

  g_option_context_set_summary (ctx, _("Seal captures that never finished: the recording is hashed as it is on disk, checkpoint tokens already received are kept, and the package is stamped and marked recovered."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);

  if (tsa_url == NULL)
    tsa_url = pd_config_get_tsa_url ();
  if (!g_str_equal (tsa_url, "none"))
    {
      tsa = pd_tsa_client_new (tsa_url, &error);
      if (tsa == NULL)
        return pctl_fail ("%s", error->message);
    }

  if (argc > 1)
    dirs = g_strdupv (argv + 1);
  else
    {
      if (out == NULL)
        out = pd_config_get_evidence_root ();
      dirs = pd_capture_find_unsealed (out);
    }

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr (PdCapture) capture = pd_capture_new_for_recovery (dirs[i], &error);
      RecoverRun run = { loop, NULL, NULL };

      if (capture == NULL)
        {
          g_printerr ("proofctl: %s\n", error->message);
          /* A capture still running is not a failure: it will seal itself. */
          if (!g_error_matches (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE))
            failed++;
          g_clear_error (&error);
          continue;
        }
      pd_capture_recover_async (capture, tsa, reason, NULL, on_recovered, &run);
      g_main_loop_run (loop);
      if (run.package == NULL)
        {
          g_printerr (_("proofctl: cannot recover %s: %s\n"), dirs[i], run.error->message);
          g_clear_error (&run.error);
          failed++;
          continue;
        }
      for (const char * const *w = pd_capture_get_warnings (capture); *w; w++)
        g_printerr ("proofctl: %s\n", *w);
      g_print ("%s\n", pd_package_get_path (run.package));
      g_clear_object (&run.package);
      done++;
    }
  g_printerr (ngettext ("%u package recovered", "%u packages recovered", done), done);
  g_printerr (ngettext (", %u failed\n", ", %u failed\n", failed), failed);
  return failed > 0 ? PCTL_EXIT_ERROR : PCTL_EXIT_OK;
}

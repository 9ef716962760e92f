/* proofctl-recover.c — `proofctl recover`: seal captures that never finished (crash, kill, power cut). */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>

#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
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

/* Unsealed packages under `root`, and those the catalog saw start but never end, wherever
 * their package is (each once). */
static GStrv
find_unsealed (const char *root, PdCatalog *catalog)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) found = pd_capture_find_unsealed (root);
  const char *left[] = { PD_SESSION_STATE_CREATED, PD_SESSION_STATE_RECORDING,
                         PD_SESSION_STATE_SEALING, NULL };
  g_autoptr (GPtrArray) sessions = NULL;

  g_strv_builder_addv (b, (const char **) found);
  if (catalog && (sessions = pd_catalog_sessions_in_states (catalog, left, NULL)) != NULL)
    for (guint i = 0; i < sessions->len; i++)
      {
        const char *path = pd_catalog_session_get_package_path (g_ptr_array_index (sessions, i));
        g_autofree char *manifest = path ? g_build_filename (path, PD_MANIFEST_NAME, NULL) : NULL;
        g_autofree char *canon = path ? g_canonicalize_filename (path, NULL) : NULL;
        gboolean dup = FALSE;

        for (guint j = 0; found[j] && canon; j++)
          {
            g_autofree char *c2 = g_canonicalize_filename (found[j], NULL);
            dup |= g_str_equal (c2, canon);
          }
        if (path && !dup && g_file_test (path, G_FILE_TEST_IS_DIR) &&
            !g_file_test (manifest, G_FILE_TEST_EXISTS))
          g_strv_builder_add (b, path);
      }
  return g_strv_builder_end (b);
}

int
pctl_recover (int argc, char **argv)
{
  g_autofree char *out = NULL;
  g_autofree char *tsa_url = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *catalog_path = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_auto (GStrv) dirs = NULL;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Evidence root to search (default: the configured one)"), "DIR" },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &tsa_url, N_("Timestamp authority: URL, “local” or “none” (default: the configured one)"), "URL" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why the capture did not finish, for the manifest"), "TEXT" },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path, N_("Catalog file (default: the standard one)"), "FILE" },
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

  catalog = pctl_open_catalog_for_recording (catalog_path);
  if (argc > 1)
    dirs = g_strdupv (argv + 1);
  else
    {
      if (out == NULL)
        out = pd_config_get_evidence_root ();
      dirs = find_unsealed (out, catalog);
    }

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr (PdCapture) capture = pd_capture_new_for_recovery (dirs[i], &error);
      RecoverRun run = { loop, NULL, NULL };

      if (capture == NULL)
        {
          pctl_warn ("%s", error->message);
          /* A capture still running is not a failure: it will seal itself. */
          if (!g_error_matches (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE))
            failed++;
          g_clear_error (&error);
          continue;
        }
      pd_capture_set_catalog (capture, catalog);
      pd_capture_recover_async (capture, tsa, reason, NULL, on_recovered, &run);
      g_main_loop_run (loop);
      if (run.package == NULL)
        {
          g_autofree char *dir = pctl_safe (dirs[i]);
          g_autofree char *message = pd_text_sanitize_terminal (run.error->message);

          g_printerr (_("proofctl: cannot recover %s: %s\n"), dir, message);
          g_clear_error (&run.error);
          failed++;
          continue;
        }
      for (const char * const *w = pd_capture_get_warnings (capture); *w; w++)
        pctl_warn ("%s", *w);
      {
        g_autofree char *path = pctl_safe (pd_package_get_path (run.package));
        g_print ("%s\n", path);
      }
      g_clear_object (&run.package);
      done++;
    }
  g_printerr (ngettext ("%u package recovered", "%u packages recovered", done), done);
  g_printerr (ngettext (", %u failed\n", ", %u failed\n", failed), failed);
  return failed > 0 ? PCTL_EXIT_ERROR : PCTL_EXIT_OK;
}

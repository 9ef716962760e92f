/* verify-page.c — the Verify page against `proofctl verify` on the same package, in the same run.
 *
 * usage: verify-page PACKAGE_DIR [ROUNDS] [PROOFCTL]      (under a display: xvfb-run)
 *
 * Each round times, in alternating order, `proofctl verify PACKAGE` as a subprocess (exec to exit)
 * and the Verify page in a shown window (pd_verify_page_add_files to the verdict on screen, i.e.
 * the result page mapped and drawn once). Prints both, the best of each and their ratio
 * page/proofctl (the target: ≤ 1.3). Never fails on a timing; exits 1 when the two
 * disagree on the verdict or the page does not reach a result, 2 on a setup problem. */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>

#include "pd-core.h"
#include "pd-resources.h"
#include "pd-verify-page.h"

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

/* Seconds from the drop to the first frame drawn with the verdict shown. */
static double
time_page (GtkWindow *window, PdVerifyPage *page, GFile *package, PdVerdict *verdict)
{
  GSList files = { package, NULL };
  gint64 t0, t1;
  guint frames = 0, tick;

  pd_verify_page_reset (page);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  t0 = g_get_monotonic_time ();
  if (!pd_verify_page_add_files (page, &files))
    return -1;
  while (pd_verify_page_get_state (page) == PD_VERIFY_PAGE_VERIFYING)
    g_main_context_iteration (NULL, TRUE);
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, &frames, NULL);
  while (frames < 2)
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick);
  t1 = g_get_monotonic_time ();
  *verdict = pd_verify_page_get_verdict (page);
  return (t1 - t0) / 1e6;
}

static double
time_proofctl (const char *proofctl, const char *package, int *status)
{
  const char *argv[] = { proofctl, "verify", "--json", package, NULL };
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, status, &error))
    {
      g_printerr ("verify-page: cannot run %s: %s\n", proofctl, error->message);
      exit (2);
    }
  return (g_get_monotonic_time () - t0) / 1e6;
}

int
main (int argc, char **argv)
{
  g_autoptr (GFile) package = NULL;
  g_autofree char *proofctl = NULL;
  GtkWindow *window;
  PdVerifyPage *page;
  double best_page = G_MAXDOUBLE, best_cli = G_MAXDOUBLE;
  int rounds;

  if (argc < 2)
    {
      g_printerr ("usage: verify-page PACKAGE_DIR [ROUNDS] [PROOFCTL]\n");
      return 2;
    }
  rounds = argc > 2 ? atoi (argv[2]) : 5;
  proofctl = g_strdup (argc > 3 ? argv[3] : PD_BENCH_PROOFCTL);
  gtk_init ();
  adw_init ();
  pd_core_init (NULL, NULL);
  pd_resources_ensure ();
  package = g_file_new_for_commandline_arg (argv[1]);

  window = GTK_WINDOW (gtk_window_new ());
  page = pd_verify_page_new ();
  gtk_window_set_child (window, GTK_WIDGET (page));
  gtk_window_set_default_size (window, 1280, 900);
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (page)))
    g_main_context_iteration (NULL, TRUE);

  g_print ("package: %s; %d rounds; %u CPUs\n", argv[1], rounds, g_get_num_processors ());
  g_print ("%-6s %12s %12s %8s %s\n", "round", "page s", "proofctl s", "ratio", "page verdict / proofctl exit");
  for (int r = 1; r <= rounds; r++)
    {
      PdVerdict verdict = PD_VERDICT_ERROR;
      int status = 0;
      double p, c;

      if (r % 2)
        {
          p = time_page (window, page, package, &verdict);
          c = time_proofctl (proofctl, argv[1], &status);
        }
      else
        {
          c = time_proofctl (proofctl, argv[1], &status);
          p = time_page (window, page, package, &verdict);
        }
      if (p < 0)
        {
          g_printerr ("verify-page: the page refused the package: %s\n",
                      pd_verify_page_get_message (page));
          return 1;
        }
      g_print ("%-6d %12.3f %12.3f %8.2f %s / %d\n", r, p, c, p / c, pd_verdict_to_string (verdict),
               g_spawn_check_wait_status (status, NULL) ? 0 : WEXITSTATUS (status));
      /* proofctl's exit status follows the verdict: 0 valid / valid-practice, 4 valid-with-gaps. */
      if ((verdict == PD_VERDICT_VALID || verdict == PD_VERDICT_VALID_PRACTICE) != (WEXITSTATUS (status) == 0))
        {
          g_printerr ("verify-page: the page and proofctl disagree\n");
          return 1;
        }
      best_page = MIN (best_page, p);
      best_cli = MIN (best_cli, c);
    }
  g_print ("best: page %.3f s, proofctl %.3f s, ratio %.2f (target ≤ 1.30)\n", best_page, best_cli,
           best_page / best_cli);
  gtk_window_destroy (window);
  return 0;
}

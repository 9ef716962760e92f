/* test-app.c — the application starts and shows its window under Xvfb. */
#include "config.h"

#include <adwaita.h>

#include "pd-application.h"
#include "pd-core.h"
#include "pd-window.h"

static void
test_window_opens (void)
{
  g_autoptr (PdApplication) app = pd_application_new ();
  PdWindow *window;

  g_application_register (G_APPLICATION (app), NULL, NULL);
  window = pd_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (gtk_window_get_application (GTK_WINDOW (window)) == GTK_APPLICATION (app));
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  pd_core_init (&argc, &argv);
  g_test_add_func ("/app/window/opens", test_window_opens);
  return g_test_run ();
}

/* main.c — starts the Proofdesk application. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>

#include "pd-application.h"
#include "pd-core.h"

int
main (int argc, char **argv)
{
  g_autoptr (PdApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* A file-size limit must end a recording with a write error (sealed), not kill the app. */
  signal (SIGXFSZ, SIG_IGN);
  textdomain (GETTEXT_PACKAGE);
  pd_core_init (NULL, NULL);

  app = pd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}

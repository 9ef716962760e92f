/* proofctl-tsa.c — `proofctl tsa`: serve the practice timestamp authority, show where its CA lives. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "timestamp/pd-local-tsa.h"
#include "proofctl.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
tsa_serve (int argc, char **argv)
{
  int port = 0;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("TCP port on 127.0.0.1 (default 0: any free port)"), "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdLocalTsa) tsa = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  guint sigint, sigterm;

  g_option_context_set_summary (ctx, _("Serve the practice timestamp authority over HTTP on 127.0.0.1 until interrupted. "
                                       "Its URL is printed on stdout. Practice only: not for court."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail (_("Unexpected argument “%s”."), argv[1]);
  if (port < 0 || port > 65535)
    return pctl_fail ("%s", _("--port must be between 0 and 65535."));

  tsa = pd_local_tsa_new (NULL, &error);
  if (tsa == NULL || !pd_local_tsa_serve (tsa, (guint16) port, &error))
    return pctl_fail ("%s", error->message);
  url = pd_local_tsa_get_url (tsa);

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  printf ("%s\n", url);
  fflush (stdout);
  g_printerr (_("Practice timestamp authority (not for court) at %s\nCA certificate: %s\nStop with Ctrl+C.\n"),
              url, pd_local_tsa_get_ca_path (tsa));
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  pd_local_tsa_stop_serving (tsa);
  return PCTL_EXIT_OK;
}

static int
tsa_ca (int argc, char **argv, gboolean pem)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdLocalTsa) tsa = NULL;

  if (argc > 1)
    return pctl_fail (_("Unexpected argument “%s”."), argv[1]);
  tsa = pd_local_tsa_new (NULL, &error);
  if (tsa == NULL)
    return pctl_fail ("%s", error->message);
  if (pem)
    {
      g_autofree char *text = pd_local_tsa_get_ca_pem (tsa);
      fputs (text, stdout);
    }
  else
    printf ("%s\n", pd_local_tsa_get_ca_path (tsa));
  return PCTL_EXIT_OK;
}

static int
usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: proofctl tsa SUBCOMMAND"));
  fprintf (out, "  serve [--port N]  %s\n", _("Serve the practice timestamp authority on 127.0.0.1"));
  fprintf (out, "  ca-path           %s\n", _("Print the path of the practice CA certificate"));
  fprintf (out, "  ca-pem            %s\n", _("Print the practice CA certificate (PEM)"));
  fprintf (out, "\n%s\n", _("The practice authority is for trying Proofdesk out: its timestamps are not for court."));
  return out == stdout ? PCTL_EXIT_OK : PCTL_EXIT_ERROR;
}

int
pctl_tsa (int argc, char **argv)
{
  if (argc < 2)
    return usage (stderr);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    return usage (stdout);
  if (g_str_equal (argv[1], "serve"))
    return tsa_serve (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "ca-path"))
    return tsa_ca (argc - 1, argv + 1, FALSE);
  if (g_str_equal (argv[1], "ca-pem"))
    return tsa_ca (argc - 1, argv + 1, TRUE);
  g_printerr ("proofctl: %s\n", _("unknown tsa subcommand"));
  return usage (stderr);
}

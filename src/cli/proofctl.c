/* proofctl.c — the scriptable front end: dispatches to one subcommand per file. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "catalog/pd-catalog.h"
#include "pd-core.h"
#include "proofctl.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "capture", pctl_capture, N_("Record a source into a new evidence package") },
  { "devices", pctl_devices, N_("List what can be recorded and the --source value for each") },
  { "env", pctl_env, N_("Read and check a phone's environment over adb") },
  { "list", pctl_list, N_("List the sessions in the catalog") },
  { "show", pctl_show, N_("Show one catalogued session in full") },
  { "import", pctl_import, N_("Verify a package and add it to the catalog") },
  { "audit", pctl_audit, N_("Print or verify the catalog's audit log") },
  { "recover", pctl_recover, N_("Seal captures that never finished (crash, kill, power cut)") },
  { "stamp", pctl_stamp, N_("Timestamp a file with an RFC 3161 authority") },
  { "tsa", pctl_tsa, N_("The practice timestamp authority: serve, ca-path") },
  { "verify", pctl_verify, N_("Verify a file with its token or certificate, or a package") },
  { "export", pctl_export, N_("Export packages to a folder, USB drive, ISO image or disc, read back") },
  { "ocr", pctl_ocr, N_("List candidate marks for missing checklist items by reading a recording's text") },
};

int
pctl_fail (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("proofctl: %s\n", msg);
  return PCTL_EXIT_ERROR;
}

void
pctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

PdCatalog *
pctl_open_catalog_for_recording (const char *path)
{
  g_autoptr (GError) error = NULL;
  PdCatalog *catalog = pd_catalog_open (path, &error);

  if (catalog == NULL)
    g_printerr (_("proofctl: the catalog cannot be opened (%s); the package is still written.\n"),
                error->message);
  return catalog;
}

static int
usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: proofctl COMMAND [OPTION…]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “proofctl COMMAND --help” for a command's options."));
  return out == stdout ? PCTL_EXIT_OK : PCTL_EXIT_ERROR;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  textdomain (GETTEXT_PACKAGE);
  pd_core_bind_textdomain ();
  if (argc < 2)
    return usage (stderr);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    return usage (stdout);
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("proofctl %s\n", pd_core_version ());
      return PCTL_EXIT_OK;
    }
  /* Only the commands that run a pipeline or watch devices pay for GStreamer's start-up. */
  if (g_str_equal (argv[1], "capture") || g_str_equal (argv[1], "devices") || g_str_equal (argv[1], "ocr"))
    pd_core_init (NULL, NULL);
  else
    pd_core_init_minimal ();
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("proofctl: %s\n", _("unknown command"));
  return usage (stderr);
}

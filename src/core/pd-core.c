/* pd-core.c — libproofdesk initialisation. */
#define G_LOG_DOMAIN "pd-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/gst.h>
#include <locale.h>

#include "pd-core.h"
#include "pd-proofhash.h"

void
pd_core_init (int *argc, char ***argv)
{
  const char *localedir = g_getenv ("PROOFDESK_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  if (!gst_is_initialized ())
    gst_init (argc, argv);
  if (!pd_gst_register_static ())
    g_warning ("Could not register the proofdesk GStreamer plugin");
}

const char *
pd_core_version (void)
{
  return PACKAGE_VERSION;
}

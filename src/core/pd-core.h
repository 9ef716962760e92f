/* pd-core.h — libproofdesk's entry point: initialisation shared by the app, the CLI and tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Initialises GStreamer (if needed), registers the "proofdesk" plugin statically and binds
 * the gettext domain. Call once from main() before any other pd_ function. */
void        pd_core_init        (int *argc, char ***argv);
/* The same without GStreamer, for commands that never touch a pipeline (listing the catalog,
 * verifying, stamping): it saves the plugin registry's load at start-up. */
void        pd_core_init_minimal (void);
/* Only the gettext domain, for what prints before any library call (usage, --version). */
void        pd_core_bind_textdomain (void);
const char *pd_core_version     (void);

G_END_DECLS

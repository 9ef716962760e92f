/* pd-resources.h — the application's GResource (templates, CSS, help overlay), registered once. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the UI resources once; called by class_init of every template and by the tests. */
void pd_resources_ensure (void);

G_END_DECLS

/* pd-application.h — the Proofdesk AdwApplication: actions, windows, shortcuts. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PD_TYPE_APPLICATION (pd_application_get_type ())
G_DECLARE_FINAL_TYPE (PdApplication, pd_application, PD, APPLICATION, AdwApplication)

PdApplication *pd_application_new               (void);

G_END_DECLS

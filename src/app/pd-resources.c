/* pd-resources.c — registers the application's GResource once, for every page that needs it. */
#define G_LOG_DOMAIN "pd-resources"

#include "config.h"

#include "pd-resources.h"
#include "proofdesk-resources.h"

void
pd_resources_ensure (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      proofdesk_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

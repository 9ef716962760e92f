/* pd-capture-source.c — the list of recordable sources shown on the Capture page. */
#define G_LOG_DOMAIN "pd-capture-source"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-capture-source.h"

struct _PdCaptureSource
{
  GObject   parent_instance;

  char     *id;
  char     *title;
  char     *subtitle;
  char     *icon_name;
  char     *spec;
  gboolean  needs_region;
};

G_DEFINE_FINAL_TYPE (PdCaptureSource, pd_capture_source, G_TYPE_OBJECT)

static void
pd_capture_source_finalize (GObject *object)
{
  PdCaptureSource *self = PD_CAPTURE_SOURCE (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->icon_name);
  g_free (self->spec);
  G_OBJECT_CLASS (pd_capture_source_parent_class)->finalize (object);
}

static void
pd_capture_source_class_init (PdCaptureSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_capture_source_finalize;
}

static void
pd_capture_source_init (PdCaptureSource *self)
{
}

PdCaptureSource *
pd_capture_source_new (const char *id, const char *title, const char *subtitle,
                       const char *icon_name, const char *spec, gboolean needs_region)
{
  PdCaptureSource *self;

  g_return_val_if_fail (id != NULL && title != NULL && spec != NULL, NULL);

  self = g_object_new (PD_TYPE_CAPTURE_SOURCE, NULL);
  self->id = g_strdup (id);
  self->title = g_strdup (title);
  self->subtitle = g_strdup (subtitle);
  self->icon_name = g_strdup (icon_name);
  self->spec = g_strdup (spec);
  self->needs_region = needs_region;
  return self;
}

const char *
pd_capture_source_get_id (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->id;
}

const char *
pd_capture_source_get_title (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->title;
}

const char *
pd_capture_source_get_subtitle (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->subtitle;
}

const char *
pd_capture_source_get_icon_name (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);
  return self->icon_name;
}

gboolean
pd_capture_source_get_needs_region (PdCaptureSource *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), FALSE);
  return self->needs_region;
}

PdSourceSpec *
pd_capture_source_build_spec (PdCaptureSource *self, const char *region, GError **error)
{
  g_autoptr (PdSourceSpec) spec = NULL;

  g_return_val_if_fail (PD_IS_CAPTURE_SOURCE (self), NULL);

  spec = pd_source_spec_parse (self->spec, error);
  if (spec == NULL)
    return NULL;
  if (self->needs_region && !pd_source_spec_set_region (spec, region ? region : "", error))
    return NULL;
  return g_steal_pointer (&spec);
}

GListStore *
pd_capture_source_list_new (void)
{
  GListStore *store = g_list_store_new (PD_TYPE_CAPTURE_SOURCE);
  g_autoptr (PdCaptureSource) test = NULL;

  test = pd_capture_source_new ("test", _("Test Pattern"),
                                _("A moving pattern with a clock, for trying Proofdesk out"),
                                "video-display-symbolic", "test", FALSE);
  g_list_store_append (store, test);

  /* ximagesrc needs an X server: a native X11 session, or Xwayland's root window. */
  if (g_getenv ("DISPLAY") != NULL && g_getenv ("DISPLAY")[0] != '\0')
    {
      g_autoptr (PdCaptureSource) screen = NULL;
      g_autoptr (PdCaptureSource) region = NULL;

      screen = pd_capture_source_new ("x11", _("Whole Screen"),
                                      _("Everything on this workstation’s screen"),
                                      "computer-symbolic", "x11", FALSE);
      region = pd_capture_source_new ("x11-region", _("Screen Region"),
                                      _("Part of the screen, such as a phone mirroring window"),
                                      "edit-select-all-symbolic", "x11", TRUE);
      g_list_store_append (store, screen);
      g_list_store_append (store, region);
    }
  return store;
}

/* pd-source.c — source specifications: parsed from their text form, copied, freed and
 * described for people. */
#define G_LOG_DOMAIN "pd-source"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sources/pd-source.h"
#include "util/pd-error.h"

/* ---------------------------------------------------------------- sources */

G_DEFINE_BOXED_TYPE (PdSourceSpec, pd_source_spec, pd_source_spec_copy, pd_source_spec_free)

PdSourceSpec *
pd_source_spec_parse (const char *text, GError **error)
{
  g_autoptr (PdSourceSpec) spec = g_new0 (PdSourceSpec, 1);

  if (text == NULL)
    text = "";
  spec->pipewire_fd = -1;
  if (g_str_equal (text, "test"))
    spec->kind = PD_SOURCE_KIND_TEST;
  else if (g_str_equal (text, "x11"))
    spec->kind = PD_SOURCE_KIND_X11;
  else if (g_str_has_prefix (text, "x11:") && text[4] != '\0')
    {
      spec->kind = PD_SOURCE_KIND_X11;
      spec->display = g_strdup (text + 4);
    }
  else if ((g_str_has_prefix (text, "adb:") || g_str_has_prefix (text, "scrcpy:")) &&
           strchr (text, ':')[1] != '\0')
    {
      /* The serial is passed to adb as one argv element, never through a shell. */
      spec->kind = text[0] == 'a' ? PD_SOURCE_KIND_ADB : PD_SOURCE_KIND_SCRCPY;
      spec->serial = g_strdup (strchr (text, ':') + 1);
    }
  else if (g_str_has_prefix (text, "v4l2:/dev/") && text[10] != '\0')
    {
      spec->kind = PD_SOURCE_KIND_V4L2;
      spec->device_path = g_strdup (text + 5);
    }
  else if (g_str_has_prefix (text, "pipewire:") && text[9] != '\0')
    {
      spec->kind = PD_SOURCE_KIND_PIPEWIRE;
      spec->pipewire_node = g_strdup (text + 9);
    }
  else
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE,
                   _("Unknown source “%s”: use “test”, “x11”, “x11:DISPLAY”, “adb:SERIAL”, “scrcpy:SERIAL”, “v4l2:/dev/videoN” or “pipewire:NODE”."), text);
      return NULL;
    }
  return g_steal_pointer (&spec);
}

gboolean
pd_source_spec_set_region (PdSourceSpec *spec, const char *text, GError **error)
{
  g_auto (GStrv) parts = NULL;
  gint64 v[4];

  g_return_val_if_fail (spec != NULL, FALSE);

  parts = g_strsplit (text ? text : "", ",", -1);
  if (g_strv_length (parts) != 4)
    goto bad;
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *t = g_strstrip (g_strdup (parts[i]));

      if (!g_ascii_string_to_signed (t, 10, 0, 65535, &v[i], NULL))
        goto bad;
    }
  if (v[2] < 2 || v[3] < 2)
    goto bad;
  spec->has_region = TRUE;
  spec->x = (int) v[0];
  spec->y = (int) v[1];
  spec->width = (int) v[2];
  spec->height = (int) v[3];
  return TRUE;

bad:
  g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_BAD_SOURCE,
               _("Bad region “%s”: expected X,Y,WIDTH,HEIGHT with a width and height of at least 2 pixels."),
               text ? text : "");
  return FALSE;
}

PdSourceSpec *
pd_source_spec_copy (const PdSourceSpec *spec)
{
  PdSourceSpec *copy = g_memdup2 (spec, sizeof *spec);

  copy->display = g_strdup (spec->display);
  copy->serial = g_strdup (spec->serial);
  copy->device_path = g_strdup (spec->device_path);
  copy->pipewire_node = g_strdup (spec->pipewire_node);
  return copy;
}

void
pd_source_spec_free (PdSourceSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->display);
  g_free (spec->serial);
  g_free (spec->device_path);
  g_free (spec->pipewire_node);
  g_free (spec);
}

char *
pd_source_spec_describe (const PdSourceSpec *spec)
{
  const char *display = spec->display ? spec->display : g_getenv ("DISPLAY");

  switch (spec->kind)
    {
    case PD_SOURCE_KIND_TEST:
      return g_strdup (_("Test pattern"));
    case PD_SOURCE_KIND_X11:
      if (spec->xid != 0)
        return g_strdup_printf (_("X11 window 0x%llx on display %s"),
                                (unsigned long long) spec->xid, display ? display : "?");
      if (spec->has_region)
        return g_strdup_printf (_("X11 region %d,%d %d×%d on display %s"), spec->x, spec->y,
                                spec->width, spec->height, display ? display : "?");
      return g_strdup_printf (_("X11 screen on display %s"), display ? display : "?");
    case PD_SOURCE_KIND_ADB:
      return g_strdup_printf (_("Android phone %s (adb screenrecord)"), spec->serial);
    case PD_SOURCE_KIND_SCRCPY:
      return g_strdup_printf (_("Android phone %s (scrcpy)"), spec->serial);
    case PD_SOURCE_KIND_V4L2:
      return g_strdup_printf (_("Video device %s"), spec->device_path);
    case PD_SOURCE_KIND_PIPEWIRE:
      return g_strdup_printf (_("PipeWire stream %s"), spec->pipewire_node);
    default:
      return g_strdup ("?");
    }
}

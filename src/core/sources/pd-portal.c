/* pd-portal.c — a Wayland screen through the xdg-desktop-portal ScreenCast portal (libportal), as a PipeWire source. */
#define G_LOG_DOMAIN "pd-portal"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

#if HAVE_LIBPORTAL
#include <libportal/portal.h>
#endif

#include "util/pd-error.h"
#include "sources/pd-portal.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define SETUP_TIMEOUT_MS 10000
#define CHOICE_TIMEOUT_MS (5 * 60 * 1000)

struct _PdPortalScreencast
{
  GObject       parent_instance;

#if HAVE_LIBPORTAL
  XdpPortal    *portal;
  XdpSession   *session;
#endif
  PdSourceSpec *spec;
};

G_DEFINE_FINAL_TYPE (PdPortalScreencast, pd_portal_screencast, G_TYPE_OBJECT)

static void
pd_portal_screencast_dispose (GObject *object)
{
  PdPortalScreencast *self = PD_PORTAL_SCREENCAST (object);

#if HAVE_LIBPORTAL
  /* Closing the session ends the stream: only when nobody records it any more. */
  if (self->session != NULL)
    xdp_session_close (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->portal);
#endif
  if (self->spec != NULL && self->spec->pipewire_fd >= 0)
    close (self->spec->pipewire_fd);
  g_clear_pointer (&self->spec, pd_source_spec_free);
  G_OBJECT_CLASS (pd_portal_screencast_parent_class)->dispose (object);
}

static void
pd_portal_screencast_class_init (PdPortalScreencastClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pd_portal_screencast_dispose;
}

static void
pd_portal_screencast_init (PdPortalScreencast *self)
{
}

const PdSourceSpec *
pd_portal_screencast_get_source (PdPortalScreencast *self)
{
  g_return_val_if_fail (PD_IS_PORTAL_SCREENCAST (self), NULL);
  return self->spec;
}

gboolean
pd_portal_check (GError **error)
{
#if HAVE_LIBPORTAL
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  g_autoptr (GVariant) owned = NULL;
  g_autoptr (GVariant) names = NULL;

  if (bus == NULL)
    {
      g_set_error (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                   _("The ScreenCast portal (org.freedesktop.portal.ScreenCast) cannot be reached: there is no D-Bus session bus (%s)."),
                   local_error->message);
      return FALSE;
    }
  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", PORTAL_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (owned != NULL)
    {
      gboolean has_owner = FALSE;

      g_variant_get (owned, "(b)", &has_owner);
      if (has_owner)
        return TRUE;
    }
  names = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (names != NULL)
    {
      g_autofree const char **list = NULL;

      g_variant_get (names, "(^a&s)", &list);
      if (list != NULL && g_strv_contains (list, PORTAL_BUS_NAME))
        return TRUE;
    }
  g_set_error_literal (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                       _("The desktop’s ScreenCast portal (org.freedesktop.portal.ScreenCast) is not available. "
                         "Install xdg-desktop-portal with your desktop’s backend (xdg-desktop-portal-gnome, "
                         "-kde or -wlr) and log in again."));
  return FALSE;
#else
  g_set_error_literal (error, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                       _("This build of Proofdesk cannot use the ScreenCast portal (it was built without "
                         "libportal); under Wayland record the screen with “x11” through Xwayland."));
  return FALSE;
#endif
}

#if HAVE_LIBPORTAL
typedef struct
{
  GCancellable *step;       /* cancelled by the caller's cancellable or a timeout */
  gulong        cancelled_id;
  GCancellable *caller;
  guint         timeout_id;
  guint         timeout_ms;
  gboolean      timed_out;
} Create;

static void
create_free (Create *c)
{
  g_clear_handle_id (&c->timeout_id, g_source_remove);
  if (c->caller != NULL)
    g_cancellable_disconnect (c->caller, c->cancelled_id);
  g_clear_object (&c->caller);
  g_clear_object (&c->step);
  g_free (c);
}

static gboolean
on_step_timeout (gpointer user_data)
{
  Create *c = user_data;

  c->timeout_id = 0;
  c->timed_out = TRUE;
  g_cancellable_cancel (c->step);
  return G_SOURCE_REMOVE;
}

static void
arm_timeout (GTask *task, guint ms)
{
  Create *c = g_task_get_task_data (task);
  GSource *source = g_timeout_source_new (ms);

  g_clear_handle_id (&c->timeout_id, g_source_remove);
  c->timeout_ms = ms;
  g_source_set_callback (source, on_step_timeout, c, NULL);
  c->timeout_id = g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
return_step_error (GTask *task, GError *error, const char *what)
{
  Create *c = g_task_get_task_data (task);

  if (c->timed_out)
    g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                             _("The ScreenCast portal did not answer within %u seconds (%s)."),
                             c->timeout_ms / 1000, what);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                             _("The ScreenCast portal refused to share the screen (%s): %s"),
                             what, error->message);
}

static void
on_session_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PdPortalScreencast *self = g_task_get_source_object (task);
  Create *c = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) streams = NULL;
  g_autofree char *node = NULL;
  GVariantIter iter;
  guint32 node_id;
  int fd;

  g_clear_handle_id (&c->timeout_id, g_source_remove);
  if (!xdp_session_start_finish (XDP_SESSION (source), result, &error))
    {
      return_step_error (task, error, _("choosing the screen"));
      return;
    }
  streams = xdp_session_get_streams (self->session);
  if (streams == NULL || !g_variant_is_of_type (streams, G_VARIANT_TYPE ("a(ua{sv})")) ||
      g_variant_iter_init (&iter, streams) == 0)
    {
      g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                               _("The ScreenCast portal started a session without a screen to record."));
      return;
    }
  g_variant_iter_next (&iter, "(u@a{sv})", &node_id, NULL);
  fd = xdp_session_open_pipewire_remote (self->session);
  if (fd < 0)
    {
      g_task_return_new_error (task, PD_DEVICE_ERROR, PD_DEVICE_ERROR_NO_PORTAL,
                               _("The ScreenCast portal did not open the PipeWire stream of the screen."));
      return;
    }
  node = g_strdup_printf ("pipewire:%u", node_id);
  self->spec = pd_source_spec_parse (node, NULL);
  self->spec->pipewire_fd = fd;
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
on_session_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PdPortalScreencast *self = g_task_get_source_object (task);
  Create *c = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  g_clear_handle_id (&c->timeout_id, g_source_remove);
  self->session = xdp_portal_create_screencast_session_finish (XDP_PORTAL (source), result, &error);
  if (self->session == NULL)
    {
      return_step_error (task, error, _("starting a session"));
      return;
    }
  /* Now the desktop asks the user which screen or window to share. */
  arm_timeout (task, CHOICE_TIMEOUT_MS);
  xdp_session_start (self->session, NULL, c->step, on_session_started, g_object_ref (task));
}
#endif

void
pd_portal_screencast_new_async (guint timeout_ms, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (PdPortalScreencast) self = g_object_new (PD_TYPE_PORTAL_SCREENCAST, NULL);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  g_task_set_source_tag (task, pd_portal_screencast_new_async);
  if (!pd_portal_check (&error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
#if HAVE_LIBPORTAL
  {
    Create *c = g_new0 (Create, 1);

    c->step = g_cancellable_new ();
    if (cancellable != NULL)
      {
        c->caller = g_object_ref (cancellable);
        c->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), c->step, NULL);
      }
    g_task_set_task_data (task, c, (GDestroyNotify) create_free);
    self->portal = xdp_portal_new ();
    arm_timeout (task, timeout_ms ? timeout_ms : SETUP_TIMEOUT_MS);
    xdp_portal_create_screencast_session (self->portal, XDP_OUTPUT_MONITOR | XDP_OUTPUT_WINDOW,
                                          XDP_SCREENCAST_FLAG_NONE, XDP_CURSOR_MODE_EMBEDDED,
                                          XDP_PERSIST_MODE_NONE, NULL, c->step,
                                          on_session_created, g_object_ref (task));
  }
#endif
}

PdPortalScreencast *
pd_portal_screencast_new_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

PdPortalScreencast *
pd_portal_screencast_new_sync (guint timeout_ms, GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;
  PdPortalScreencast *self;

  g_main_context_push_thread_default (context);
  pd_portal_screencast_new_async (timeout_ms, cancellable, on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  self = pd_portal_screencast_new_finish (result, error);
  g_main_context_pop_thread_default (context);
  return self;
}

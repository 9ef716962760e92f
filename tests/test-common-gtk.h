/* test-common-gtk.h — helpers shared by the GTK page tests: drain the main loop, wait for a
 * widget's frames, save a screenshot of it (header-only, static functions). */
#pragma once

#include <glib/gstdio.h>
#include <gtk/gtk.h>

static inline void
pd_test_iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
pd_test_on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
pd_test_on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits (10 s at most) until `widget` is mapped and has drawn `min_frames` frames. */
static inline void
pd_test_wait_for_frames (GtkWidget *widget, guint min_frames)
{
  guint    frames = 0;
  gboolean timed_out = FALSE;
  guint    tick = gtk_widget_add_tick_callback (widget, pd_test_on_tick, &frames, NULL);
  guint    timeout = g_timeout_add_seconds (10, pd_test_on_timeout, &timed_out);

  while (!timed_out && (!gtk_widget_get_mapped (widget) || frames < min_frames))
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_remove_tick_callback (widget, tick);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  pd_test_iterate ();
}

/* Renders `widget` once it has drawn `min_frames` frames and saves it as
 * G_TEST_BUILDDIR/screenshots/NAME-LANGUAGE.png. */
static inline void
pd_test_save_screenshot (GtkWidget *widget, const char *name, const char *language, guint min_frames)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *file = g_strdup_printf ("%s-%s.png", name, language);
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  GtkSnapshot     *snapshot = gtk_snapshot_new ();
  GskRenderNode   *node;
  GskRenderer     *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int              width, height;

  pd_test_wait_for_frames (widget, min_frames);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_mkdir_with_parents (dir, 0755);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

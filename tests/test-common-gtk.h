/* test-common-gtk.h — helpers shared by the GTK page tests: drain the main loop, wait for a
 * widget's frames, save a screenshot of it, run the loop for a while or until something holds,
 * press a shortcut, find a message dialog (header-only, static functions). */
#pragma once

#include <glib/gstdio.h>
#include <adwaita.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <string.h>

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
  /* On a loaded machine the widget may be between frames with nothing to draw yet. */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      pd_test_wait_for_frames (widget, min_frames);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* Runs the main loop for `ms` milliseconds. */
static inline void
pd_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, pd_test_on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main loop until `cond (data)` holds, failing after `seconds`. */
static inline void
pd_test_run_until (gboolean (*cond) (gpointer data), gpointer data, guint seconds)
{
  gboolean timed_out = FALSE;
  guint    id = g_timeout_add_seconds (seconds, pd_test_on_timeout, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
}

/* Activates the shortcut of `owner` bound to `keyval` + `mods`, as the window does for a key
 * press, and returns whether it handled the key. `phase` (may be NULL) gets the propagation
 * phase of the controller holding it. Fails the test when there is no such shortcut. */
static inline gboolean
pd_test_press_shortcut (GtkWidget *owner, guint keyval, GdkModifierType mods,
                        GtkPropagationPhase *phase)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (owner);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger)
              && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods)
            {
              if (phase != NULL)
                *phase = gtk_event_controller_get_propagation_phase (GTK_EVENT_CONTROLLER (controller));
              return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                   GTK_SHORTCUT_ACTION_EXCLUSIVE, owner,
                                                   gtk_shortcut_get_arguments (shortcut));
            }
        }
    }
  g_assert_not_reached ();
  return FALSE;
}

/* The AdwMessageDialog on screen, or NULL. */
static inline AdwMessageDialog *
pd_test_find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Takes `--language=LL_CC` off the command line (default "en"), runs the process in that
 * language with the catalogs built into BUILDDIR/po, and initialises GTK and libadwaita for a
 * headless test. Returns the language (part of argv, or "en"). */
static inline const char *
pd_test_gtk_init (int *argc, char ***argv)
{
  const char *language = "en";

  for (int i = 1; i < *argc; i++)
    if (g_str_has_prefix ((*argv)[i], "--language="))
      {
        language = (*argv)[i] + strlen ("--language=");
        memmove (&(*argv)[i], &(*argv)[i + 1], (*argc - i) * sizeof (char *));
        (*argc)--;
        break;
      }
  /* The AT-SPI bus of a headless D-Bus session comes and goes between tests; GTK reports a
   * lost bus as a critical, which G_DEBUG=fatal-warnings turns into a crash. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", language, TRUE);
  g_setenv ("PANGO_LANGUAGE", language, TRUE);
  if (g_getenv ("PROOFDESK_LOCALEDIR") == NULL && g_getenv ("G_TEST_BUILDDIR") != NULL)
    {
      g_autofree char *localedir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);

      g_setenv ("PROOFDESK_LOCALEDIR", localedir, TRUE);
    }
  gtk_test_init (argc, argv, NULL);
  /* gtk_test_init() forces en_US.UTF-8; take the locale set above instead. */
  setlocale (LC_ALL, "");
  adw_init ();
  return language;
}

/* Destroys every toplevel window and checks that each one is finalized. */
static inline void
pd_test_destroy_toplevels (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr (GPtrArray) windows = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      g_ptr_array_add (windows, window);
    }
  for (guint i = 0; i < windows->len; i++)
    g_object_add_weak_pointer (windows->pdata[i], &windows->pdata[i]);
  for (guint i = 0; i < windows->len; i++)
    if (windows->pdata[i] != NULL)
      gtk_window_destroy (windows->pdata[i]);
  pd_test_iterate ();
  for (guint i = 0; i < windows->len; i++)
    g_assert_null (windows->pdata[i]);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAppTest"

#include "config.h"

#include "kith-app-test-util.h"

gboolean
kith_test_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock,
                guint         *frames)
{
  (*frames)++;
}

void
kith_test_settle (GtkWidget *widget)
{
  GdkFrameClock *clock;
  guint frames = 0;
  gulong handler;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  /* Let pending idles (size allocation, transitions) run first. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);

  clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL)
    return;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &frames);
  gtk_widget_queue_draw (widget);
  while (frames < 3 && g_get_monotonic_time () < deadline) {
    gtk_widget_queue_draw (widget);
    g_main_context_iteration (NULL, TRUE);
  }
  g_signal_handler_disconnect (clock, handler);
}

char *
kith_test_save_screenshot (GtkWidget  *window,
                           const char *name)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  const char *dir = g_getenv ("KITH_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  graphene_rect_t bounds;

  kith_test_settle (window);

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gdk_paintable_get_intrinsic_width (paintable),
                          gdk_paintable_get_intrinsic_height (paintable));
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);

  gsk_render_node_get_bounds (node, &bounds);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  g_assert_nonnull (texture);

  if (dir == NULL || *dir == '\0')
    dir = ".";
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot %s (%dx%d)", path,
                  gdk_texture_get_width (texture), gdk_texture_get_height (texture));

  return g_steal_pointer (&path);
}

GtkWidget *
kith_test_find_by_id (GtkWidget  *root,
                      const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = kith_test_find_by_id (child, id);

    if (found != NULL)
      return found;
  }
  return NULL;
}

GtkWidget *
kith_test_find_by_type (GtkWidget *root,
                        GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = kith_test_find_by_type (child, type);

    if (found != NULL)
      return found;
  }
  return NULL;
}

static void
on_test_application_activate (GApplication *application,
                              int          *status)
{
  KithApplication *app = KITH_APPLICATION (application);

  /* Activated again (a second start): the tests run once. */
  if (*status != -1)
    return;
  *status = 0;

  KITH_WAIT_FOR (kith_application_get_window (app) != NULL &&
                 gtk_widget_get_mapped (GTK_WIDGET (kith_application_get_window (app))));
  kith_test_settle (GTK_WIDGET (kith_application_get_window (app)));

  *status = g_test_run ();

  g_application_quit (application);
}

int
kith_test_run_application (KithApplication *application,
                           const char      *argv0)
{
  const char *no_args[] = { argv0, NULL };
  int status = -1;
  gulong handler;

  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  handler = g_signal_connect_after (application, "activate",
                                    G_CALLBACK (on_test_application_activate), &status);
  g_application_run (G_APPLICATION (application), 1, (char **) no_args);
  g_signal_handler_disconnect (application, handler);

  return status;
}

gboolean
kith_test_init_x11 (int    *argc,
                    char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  if (g_getenv ("DISPLAY") == NULL || *g_getenv ("DISPLAY") == '\0') {
    g_test_skip ("No X display (run under xvfb-run)");
    return FALSE;
  }
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  return TRUE;
}

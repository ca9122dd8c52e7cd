/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAppTest"

#include "config.h"

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-chat-history.h"
#include "kith-message-body.h"

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

GdkTexture *
kith_test_render (GtkWidget       *native,
                  graphene_rect_t *bounds)
{
  g_autoptr (GskRenderNode) node = NULL;
  GdkTexture *texture;

  /* What was drawn last; a widget that redraws all the time (a call's
   * video) may have asked for a new frame since, and has nothing to give
   * until it is drawn: then again after the next frames. */
  for (guint attempt = 0; attempt < 20 && node == NULL; attempt++) {
    g_autoptr (GdkPaintable) paintable = NULL;
    g_autoptr (GtkSnapshot) snapshot = NULL;

    kith_test_settle (native);
    paintable = gtk_widget_paintable_new (native);
    snapshot = gtk_snapshot_new ();
    gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                            gdk_paintable_get_intrinsic_width (paintable),
                            gdk_paintable_get_intrinsic_height (paintable));
    node = gtk_snapshot_to_node (snapshot);
  }
  g_assert_nonnull (node);

  gsk_render_node_get_bounds (node, bounds);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (native)), node, bounds);
  g_assert_nonnull (texture);
  return texture;
}

char *
kith_test_save_screenshot (GtkWidget  *window,
                           const char *name)
{
  g_autoptr (GdkTexture) texture = NULL;
  const char *dir = g_getenv ("KITH_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  graphene_rect_t bounds;

  texture = kith_test_render (window, &bounds);

  if (dir == NULL || *dir == '\0')
    dir = ".";
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot %s (%dx%d)", path,
                  gdk_texture_get_width (texture), gdk_texture_get_height (texture));

  return g_steal_pointer (&path);
}

/* A chat kept, not shown: not searched. */
static gboolean
is_kept_history (GtkWidget *widget)
{
  return KITH_IS_CHAT_HISTORY (widget) && !gtk_widget_get_visible (widget);
}

GtkWidget *
kith_test_find_by_id (GtkWidget  *root,
                      const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  if (is_kept_history (root))
    return NULL;
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
  if (is_kept_history (root))
    return NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = kith_test_find_by_type (child, type);

    if (found != NULL)
      return found;
  }
  return NULL;
}

GtkWidget *
kith_test_find (GtkWidget     *root,
                KithTestMatch  match,
                gconstpointer  data)
{
  if (match (root, data))
    return root;
  if (is_kept_history (root))
    return NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = kith_test_find (child, match, data);

    if (found != NULL)
      return found;
  }
  return NULL;
}

gboolean
kith_test_match_action (GtkWidget     *widget,
                        gconstpointer  data)
{
  return GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

gboolean
kith_test_match_visible_label (GtkWidget     *widget,
                               gconstpointer  data)
{
  /* A message's text is drawn by its body, a label only under the pointer. */
  if (KITH_IS_MESSAGE_BODY (widget))
    return gtk_widget_is_visible (widget) &&
           g_strcmp0 (kith_message_body_get_text (KITH_MESSAGE_BODY (widget)), data) == 0;
  return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

gboolean
kith_test_match_error_label (GtkWidget     *widget,
                             gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error") &&
         gtk_widget_get_visible (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

gboolean
kith_test_match_status_page (GtkWidget     *widget,
                             gconstpointer  data)
{
  return ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (widget)), data) == 0;
}

typedef struct {
  gboolean ran;
  int      status;
} RunState;

static void
on_run_activate (GApplication *application,
                 RunState     *state)
{
  GtkWindow *window = NULL;

  /* Activated again (a second instance, a notification): once is enough. */
  if (state->ran)
    return;
  state->ran = TRUE;

  /* The application's own activate ran first: its window. */
  KITH_WAIT_FOR ((window = gtk_application_get_active_window (GTK_APPLICATION (application))) != NULL &&
                 gtk_widget_get_mapped (GTK_WIDGET (window)));
  /* No transitions: screenshots show the page, not a cross-fade. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  /* Keys go to the focused window: make sure it is ours. */
  gtk_window_present (window);
  KITH_WAIT_FOR (gtk_window_is_active (window));
  kith_test_settle (GTK_WIDGET (window));

  state->status = g_test_run ();

  g_application_quit (application);
}

int
kith_test_run_in_application (GtkApplication *application,
                              const char     *name)
{
  const char *argv[] = { name, NULL };
  RunState state = { FALSE, 1 };
  gulong handler;

  /* The real application, without taking its name on the bus that another
   * test's instance may hold. */
  g_application_set_flags (G_APPLICATION (application), G_APPLICATION_NON_UNIQUE);
  handler = g_signal_connect_after (application, "activate", G_CALLBACK (on_run_activate), &state);
  g_application_run (G_APPLICATION (application), 1, (char **) argv);
  g_signal_handler_disconnect (application, handler);

  return state.status;
}

int
kith_test_run_in_new_application (KithApplication **app,
                                  const char       *name)
{
  g_autoptr (KithApplication) application = kith_application_new ();
  int status;

  *app = application;
  status = kith_test_run_in_application (GTK_APPLICATION (application), name);
  *app = NULL;

  return status;
}

void
kith_test_init (int    *argc,
                char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  if (g_getenv ("KITH_SCREENSHOT_DIR") == NULL) {
    g_autofree char *shots = g_build_filename (g_get_current_dir (), "screenshots", NULL);

    g_setenv ("KITH_SCREENSHOT_DIR", shots, TRUE);
  }
}

gboolean
kith_test_init_x11 (int    *argc,
                    char ***argv)
{
  kith_test_init (argc, argv);

  if (g_getenv ("DISPLAY") == NULL || *g_getenv ("DISPLAY") == '\0') {
    g_test_skip ("No X display (run under xvfb-run)");
    return FALSE;
  }
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  return TRUE;
}

GtkWidget *
kith_test_find_toplevel (GType       type,
                         const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++) {
    g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

    if (!G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type))
      continue;
    if (heading != NULL &&
        (!ADW_IS_MESSAGE_DIALOG (toplevel) ||
         g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (toplevel)), heading) != 0))
      continue;
    /* The list holds it: borrowed. */
    return toplevel;
  }
  return NULL;
}

GDBusConnection *
kith_test_new_bus_connection (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = NULL;
  GDBusConnection *connection;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  return connection;
}

static void
on_fake_service_name_acquired (GDBusConnection *connection,
                               const char      *name,
                               gpointer         user_data)
{
  KithFakeService *service = user_data;

  service->owned = TRUE;
}

void
kith_fake_service_start (KithFakeService            *service,
                         GDBusConnection            *connection,
                         const char                 *xml,
                         const char                 *path,
                         const char                 *name,
                         const GDBusInterfaceVTable *vtable,
                         gpointer                    user_data)
{
  g_autoptr (GError) error = NULL;

  service->connection = g_object_ref (connection);
  service->owned = FALSE;
  service->info = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  service->registration_id =
    g_dbus_connection_register_object (connection, path, service->info->interfaces[0], vtable,
                                       user_data, NULL, &error);
  g_assert_no_error (error);
  service->owner_id = g_bus_own_name_on_connection (connection, name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                    on_fake_service_name_acquired, NULL,
                                                    service, NULL);
}

void
kith_fake_service_stop (KithFakeService *service)
{
  g_bus_unown_name (service->owner_id);
  g_dbus_connection_unregister_object (service->connection, service->registration_id);
  g_clear_pointer (&service->info, g_dbus_node_info_unref);
  g_clear_object (&service->connection);
}

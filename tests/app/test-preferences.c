/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestPreferences"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-autostart.h"
#include "kith-preferences-window.h"
#include "kith-status-menu.h"

/*
 * The Preferences window in the real application, under Xvfb: opened by
 * Ctrl+, and from the status menu; its switches change the GSettings keys.
 * "Start Kith when I log in" writes the XDG autostart file when the session
 * bus has no Background portal, and asks a fake one (on the test's own bus,
 * on the real org.freedesktop.portal.Background interface) when it has.
 */

static KithApplication *app;

/* ---- the fake Background portal ---- */

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct {
  KithFakeService service;
  guint           calls;
  gboolean        autostart;
  char           *commandline;
  gboolean        dbus_activatable;
} FakePortal;

static void
portal_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  FakePortal *portal = user_data;
  g_autoptr (GVariant) options = NULL;
  g_autofree const char **commandline = NULL;
  g_autofree char *unique = g_strdup (sender + 1);
  g_autofree char *path = NULL;
  const char *parent, *token = "t";
  GVariantBuilder results;

  g_variant_get (parameters, "(&s@a{sv})", &parent, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  portal->autostart = FALSE;
  g_variant_lookup (options, "autostart", "b", &portal->autostart);
  g_variant_lookup (options, "dbus-activatable", "b", &portal->dbus_activatable);
  g_clear_pointer (&portal->commandline, g_free);
  if (g_variant_lookup (options, "commandline", "^a&s", &commandline))
    portal->commandline = g_strjoinv (" ", (char **) commandline);

  g_strdelimit (unique, ".", '_');
  path = g_strconcat ("/org/freedesktop/portal/desktop/request/", unique, "/", token, NULL);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&results, "{sv}", "autostart", g_variant_new_boolean (portal->autostart));
  g_dbus_connection_emit_signal (connection, sender, path, "org.freedesktop.portal.Request",
                                 "Response", g_variant_new ("(ua{sv})", 0, &results), NULL);
  portal->calls++;
}

static const GDBusInterfaceVTable portal_vtable = {
  portal_method_call, NULL, NULL, { 0 }
};

static FakePortal *
fake_portal_new (GDBusConnection *connection)
{
  FakePortal *portal = g_new0 (FakePortal, 1);

  kith_fake_service_start (&portal->service, connection, portal_xml, "/org/freedesktop/portal/desktop",
                           "org.freedesktop.portal.Desktop", &portal_vtable, portal);
  return portal;
}

static void
fake_portal_free (FakePortal *portal)
{
  kith_fake_service_stop (&portal->service);
  g_free (portal->commandline);
  g_free (portal);
}

/* ---- helpers ---- */

static GSettings *
settings (void)
{
  return kith_application_get_settings (app);
}

static GtkWidget *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++) {
    g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

    if (KITH_IS_PREFERENCES_WINDOW (toplevel))
      return toplevel;
  }

  return NULL;
}

static GtkWidget *
open_preferences (void)
{
  GtkWidget *preferences;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  KITH_WAIT_FOR ((preferences = find_preferences ()) != NULL && gtk_widget_get_mapped (preferences));
  kith_test_settle (preferences);

  return preferences;
}

static void
close_preferences (void)
{
  GtkWidget *preferences = find_preferences ();

  if (preferences != NULL)
    gtk_window_destroy (GTK_WINDOW (preferences));
  KITH_WAIT_FOR (find_preferences () == NULL);
}

static GtkSwitch *
autostart_switch (GtkWidget *preferences)
{
  GtkWidget *sw = kith_test_find_by_id (preferences, "autostart_switch");

  g_assert_nonnull (sw);
  return GTK_SWITCH (sw);
}

static gboolean
autostart_settled (GtkSwitch *sw,
                   gboolean   state)
{
  return gtk_switch_get_state (sw) == state &&
         gtk_widget_get_sensitive (GTK_WIDGET (sw)) &&
         g_settings_get_boolean (settings (), "autostart") == state;
}

/* ---- tests ---- */

static void
test_open (void)
{
  g_auto (GStrv) accel_actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control>comma");
  KithWindow *window = kith_application_get_window (app);
  g_autoptr (GtkWidget) menu = NULL;
  GtkWidget *button;

  /* Ctrl+, is app.preferences, which opens the window. */
  g_assert_true (g_strv_contains ((const char * const *) accel_actions, "app.preferences"));
  open_preferences ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (find_preferences ())) == GTK_WINDOW (window));
  close_preferences ();

  /* And from the status menu (the main menu; the window builds it with
   * the signed-in page, so here one of its own). */
  menu = g_object_ref_sink (kith_status_menu_new (kith_application_get_session (app)));
  button = kith_test_find_by_id (menu, "preferences_button");
  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "app.preferences");
}

static void
test_auto_idle (void)
{
  GtkWidget *preferences = open_preferences ();
  GtkWidget *auto_idle = kith_test_find_by_id (preferences, "auto_idle_switch");
  GtkWidget *delay_row = kith_test_find_by_id (preferences, "idle_delay_row");
  GtkWidget *delay_spin = kith_test_find_by_id (preferences, "idle_delay_spin");
  GtkWidget *close_to_tray = kith_test_find_by_id (preferences, "close_to_tray_switch");
  g_autofree char *screenshot = kith_test_save_screenshot (preferences, "preferences.png");

  g_assert_true (g_settings_get_boolean (settings (), "auto-idle"));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (auto_idle)));
  g_assert_true (gtk_widget_is_sensitive (delay_spin));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (delay_spin)), ==,
                   g_settings_get_uint (settings (), "idle-delay-minutes"));

  /* Off: the key follows, and the delay cannot be changed. */
  gtk_switch_set_active (GTK_SWITCH (auto_idle), FALSE);
  KITH_WAIT_FOR (!g_settings_get_boolean (settings (), "auto-idle"));
  KITH_WAIT_FOR (!gtk_widget_get_sensitive (delay_row));
  g_assert_false (gtk_widget_is_sensitive (delay_spin));

  /* On again: the delay in minutes goes to its key. */
  gtk_switch_set_active (GTK_SWITCH (auto_idle), TRUE);
  KITH_WAIT_FOR (g_settings_get_boolean (settings (), "auto-idle") && gtk_widget_is_sensitive (delay_spin));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (delay_spin), 12);
  KITH_WAIT_FOR (g_settings_get_uint (settings (), "idle-delay-minutes") == 12);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (delay_spin), 500);
  KITH_WAIT_FOR (g_settings_get_uint (settings (), "idle-delay-minutes") == 60);

  /* Close to tray, both ways. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (close_to_tray)));
  gtk_switch_set_active (GTK_SWITCH (close_to_tray), FALSE);
  KITH_WAIT_FOR (!g_settings_get_boolean (settings (), "close-to-tray"));
  g_settings_set_boolean (settings (), "close-to-tray", TRUE);
  KITH_WAIT_FOR (gtk_switch_get_active (GTK_SWITCH (close_to_tray)));

  g_settings_set_uint (settings (), "idle-delay-minutes", 5);
  close_preferences ();
}

static void
test_autostart_file (void)
{
  g_autofree char *path = kith_autostart_get_file_path ();
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *preferences;
  GtkSwitch *sw;

  /* The session bus has no Background portal (build-aux/test makes a
   * bare one; this test's temporary XDG_CONFIG_HOME holds the file). */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  preferences = open_preferences ();
  sw = autostart_switch (preferences);
  g_assert_false (gtk_switch_get_active (sw));

  gtk_switch_set_active (sw, TRUE);
  KITH_WAIT_FOR (autostart_settled (sw, TRUE));
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "[Desktop Entry]\n"));
  g_assert_nonnull (strstr (contents, "\nExec=kith --hidden\n"));
  g_assert_nonnull (strstr (contents, "\nX-GNOME-Autostart-enabled=true\n"));

  /* A new window shows the key. */
  close_preferences ();
  preferences = open_preferences ();
  sw = autostart_switch (preferences);
  g_assert_true (gtk_switch_get_active (sw));
  g_assert_true (gtk_switch_get_state (sw));

  gtk_switch_set_active (sw, FALSE);
  KITH_WAIT_FOR (autostart_settled (sw, FALSE));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  close_preferences ();
}

static void
test_autostart_portal (void)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (app));
  g_autofree char *path = kith_autostart_get_file_path ();
  FakePortal *portal;
  GtkWidget *preferences;
  GtkSwitch *sw;

  g_assert_nonnull (connection);
  portal = fake_portal_new (connection);
  KITH_WAIT_FOR (portal->service.owned);

  preferences = open_preferences ();
  sw = autostart_switch (preferences);
  gtk_switch_set_active (sw, TRUE);
  KITH_WAIT_FOR (autostart_settled (sw, TRUE));
  g_assert_cmpuint (portal->calls, ==, 1);
  g_assert_true (portal->autostart);
  g_assert_false (portal->dbus_activatable);
  g_assert_cmpstr (portal->commandline, ==, "kith --hidden");
  /* The portal starts Kith: no file of our own. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  gtk_switch_set_active (sw, FALSE);
  KITH_WAIT_FOR (autostart_settled (sw, FALSE));
  g_assert_cmpuint (portal->calls, ==, 2);
  g_assert_false (portal->autostart);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  close_preferences ();
  fake_portal_free (portal);
}

int
main (int   argc,
      char *argv[])
{
  int status;
  g_autofree char *config_home = NULL;

  if (!kith_test_init_x11 (&argc, &argv))
    return 77;

  /* Before GLib reads it: the autostart file goes to a directory of ours. */
  config_home = g_dir_make_tmp ("kith-test-preferences-XXXXXX", NULL);
  g_assert_nonnull (config_home);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);

  g_test_add_func ("/preferences/open", test_open);
  g_test_add_func ("/preferences/auto-idle", test_auto_idle);
  g_test_add_func ("/preferences/autostart-file", test_autostart_file);
  g_test_add_func ("/preferences/autostart-portal", test_autostart_portal);

  status = kith_test_run_in_new_application (&app, "test-preferences");

  {
    g_autofree char *dir = g_build_filename (config_home, "autostart", NULL);

    g_rmdir (dir);
    g_rmdir (config_home);
  }

  return status;
}

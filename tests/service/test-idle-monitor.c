/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestIdleMonitor"

#include "config.h"

#include "kith-idle-monitor.h"
#include "kith-status-manager.h"
#include "service-test-util.h"

static GTestDBus *bus;

static GDBusConnection *
private_connection (void)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

typedef struct {
  KithIdleMonitor *monitor;
  gboolean         idle;
} WaitIdle;

static gboolean
idle_is (gpointer data)
{
  WaitIdle *w = data;

  return kith_idle_monitor_get_idle (w->monitor) == w->idle;
}

static gboolean
backend_known (gpointer data)
{
  return kith_idle_monitor_get_backend (data) != KITH_IDLE_BACKEND_NONE;
}

/* Mutter says idle after the configured delay and active on input. */
static void
test_mutter (void)
{
  g_autoptr (GDBusConnection) service = private_connection ();
  g_autoptr (GDBusConnection) client = private_connection ();
  SvcFakeMutter *fake = svc_fake_mutter_new (service);
  g_autoptr (KithIdleMonitor) monitor = kith_idle_monitor_new (client);
  g_autoptr (KithStatusManager) status = kith_status_manager_new (monitor, KITH_DEVICE_DESKTOP);
  WaitIdle w = { monitor, TRUE };
  guint id;

  kith_idle_monitor_set_idle_delay (monitor, 42);
  kith_idle_monitor_start (monitor);
  g_assert_true (kithd_test_wait_until (backend_known, monitor, 5000));
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor), ==, KITH_IDLE_BACKEND_MUTTER);

  id = svc_fake_mutter_wait_idle_watch (fake, 5000);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (svc_fake_mutter_get_last_interval (fake), ==, 42000);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  svc_fake_mutter_fire (fake, id);
  g_assert_true (kithd_test_wait_until (idle_is, &w, 5000));
  g_assert_cmpint (kith_status_manager_get_presence (status), ==, KITH_PRESENCE_IDLE);

  id = svc_fake_mutter_wait_active_watch (fake, 5000);
  g_assert_cmpuint (id, !=, 0);
  svc_fake_mutter_fire (fake, id);
  w.idle = FALSE;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 5000));
  g_assert_cmpint (kith_status_manager_get_presence (status), ==, KITH_PRESENCE_ONLINE);

  /* Auto-idle off: never idle. */
  kith_status_manager_set_auto_idle (status, FALSE);
  id = svc_fake_mutter_wait_idle_watch (fake, 5000);
  svc_fake_mutter_fire (fake, id);
  svc_fake_mutter_wait_active_watch (fake, 5000);
  g_assert_false (kith_idle_monitor_get_idle (monitor));
  g_assert_cmpint (kith_status_manager_get_presence (status), ==, KITH_PRESENCE_ONLINE);

  /* Busy stays busy while idle; hidden shows as offline. */
  kith_status_manager_set_chosen (status, KITH_CHOSEN_BUSY);
  g_assert_cmpint (kith_status_manager_get_presence (status), ==, KITH_PRESENCE_BUSY);
  kith_status_manager_set_chosen (status, KITH_CHOSEN_HIDDEN);
  g_assert_cmpint (kith_status_manager_get_presence (status), ==, KITH_PRESENCE_OFFLINE);

  g_clear_object (&status);
  g_clear_object (&monitor);
  svc_fake_mutter_free (fake);
}

/* A KithIdleSource whose idle time the test sets, as the app's X11 one
 * reads the X server's. */
#define TEST_TYPE_IDLE_SOURCE (test_idle_source_get_type ())
G_DECLARE_FINAL_TYPE (TestIdleSource, test_idle_source, TEST, IDLE_SOURCE, GObject)

struct _TestIdleSource
{
  GObject  parent_instance;
  guint64  idle_ms;
  gboolean broken;
};

static gboolean
test_idle_source_get_idle_time (KithIdleSource *source,
                                guint64        *idle_ms)
{
  TestIdleSource *self = TEST_IDLE_SOURCE (source);

  *idle_ms = self->idle_ms;
  return !self->broken;
}

static void
test_idle_source_iface_init (KithIdleSourceInterface *iface)
{
  iface->get_idle_time = test_idle_source_get_idle_time;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestIdleSource, test_idle_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KITH_TYPE_IDLE_SOURCE,
                                                      test_idle_source_iface_init))

static void
test_idle_source_class_init (TestIdleSourceClass *klass)
{
}

static void
test_idle_source_init (TestIdleSource *self)
{
}

static gboolean
backend_is_app (gpointer data)
{
  return kith_idle_monitor_get_backend (data) == KITH_IDLE_BACKEND_APP;
}

/* No Mutter and no ScreenSaver: the source the app gave decides, idle and
 * back; when it stops answering, the app's input does. */
static void
test_source (void)
{
  g_autoptr (GDBusConnection) client = private_connection ();
  g_autoptr (KithIdleMonitor) monitor = kith_idle_monitor_new (client);
  g_autoptr (TestIdleSource) source = g_object_new (TEST_TYPE_IDLE_SOURCE, NULL);
  WaitIdle w = { monitor, TRUE };

  kith_idle_monitor_set_idle_delay (monitor, 1);
  kith_idle_monitor_set_source (monitor, KITH_IDLE_SOURCE (source));
  kith_idle_monitor_start (monitor);
  g_assert_true (kithd_test_wait_until (backend_known, monitor, 5000));
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor), ==, KITH_IDLE_BACKEND_SOURCE);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  source->idle_ms = 60 * 1000;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 5000));

  /* Input anywhere on the desktop. */
  source->idle_ms = 0;
  w.idle = FALSE;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 5000));

  /* A longer delay applies at once. */
  source->idle_ms = 30 * 1000;
  kith_idle_monitor_set_idle_delay (monitor, 20);
  w.idle = TRUE;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 5000));
  kith_idle_monitor_set_idle_delay (monitor, 40);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  source->broken = TRUE;
  kith_idle_monitor_set_idle_delay (monitor, 1);
  g_assert_true (kithd_test_wait_until (backend_is_app, monitor, 5000));
}

/* A fake org.freedesktop.ScreenSaver (GetSessionIdleTime, in seconds), as
 * desktops other than GNOME have it. */
static const char saver_xml[] =
  "<node>"
  " <interface name='org.freedesktop.ScreenSaver'>"
  "  <method name='GetSessionIdleTime'><arg name='seconds' direction='out' type='u'/></method>"
  " </interface>"
  "</node>";

typedef struct {
  guint32 seconds;
} FakeSaver;

static void
on_saver_call (GDBusConnection       *connection,
               const char            *sender,
               const char            *path,
               const char            *iface,
               const char            *method,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  FakeSaver *fake = user_data;

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", fake->seconds));
}

static const GDBusInterfaceVTable saver_vtable = { on_saver_call, NULL, NULL, { 0 } };

static gboolean
name_owned (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_saver_name (GDBusConnection *connection,
               const char      *name,
               gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* No Mutter: the ScreenSaver interface's session idle time decides, before
 * the app's source. */
static void
test_screensaver (void)
{
  g_autoptr (GDBusConnection) service = private_connection ();
  g_autoptr (GDBusConnection) client = private_connection ();
  g_autoptr (GDBusNodeInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithIdleMonitor) monitor = kith_idle_monitor_new (client);
  g_autoptr (TestIdleSource) source = g_object_new (TEST_TYPE_IDLE_SOURCE, NULL);
  FakeSaver fake = { 0 };
  WaitIdle w = { monitor, TRUE };
  gboolean owned = FALSE;
  guint registration, owner;

  info = g_dbus_node_info_new_for_xml (saver_xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (service, "/org/freedesktop/ScreenSaver",
                                                    info->interfaces[0], &saver_vtable,
                                                    &fake, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (service, "org.freedesktop.ScreenSaver",
                                        G_BUS_NAME_OWNER_FLAGS_NONE,
                                        on_saver_name, NULL, &owned, NULL);
  g_assert_true (kithd_test_wait_until (name_owned, &owned, 5000));

  kith_idle_monitor_set_idle_delay (monitor, 60);
  kith_idle_monitor_set_source (monitor, KITH_IDLE_SOURCE (source));
  kith_idle_monitor_start (monitor);
  g_assert_true (kithd_test_wait_until (backend_known, monitor, 5000));
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor), ==, KITH_IDLE_BACKEND_SCREENSAVER);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  fake.seconds = 61;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 10000));
  fake.seconds = 0;
  w.idle = FALSE;
  g_assert_true (kithd_test_wait_until (idle_is, &w, 10000));

  g_clear_object (&monitor);
  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (service, registration);
}

/* No Mutter and no ScreenSaver: the app's own input decides. */
static void
test_app_fallback (void)
{
  g_autoptr (GDBusConnection) client = private_connection ();
  g_autoptr (KithIdleMonitor) monitor = kith_idle_monitor_new (client);
  WaitIdle w = { monitor, TRUE };

  kith_idle_monitor_set_idle_delay (monitor, 1);
  kith_idle_monitor_start (monitor);
  g_assert_true (kithd_test_wait_until (backend_known, monitor, 5000));
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor), ==, KITH_IDLE_BACKEND_APP);

  g_assert_true (kithd_test_wait_until (idle_is, &w, 3000));
  kith_idle_monitor_report_input (monitor);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  /* Without more input, idle again: the timer runs from the last input. */
  g_assert_true (kithd_test_wait_until (idle_is, &w, 3000));
  kith_idle_monitor_report_input (monitor);
  g_assert_false (kith_idle_monitor_get_idle (monitor));

  /* Input while active keeps it active; the delay counts from the last one. */
  kith_idle_monitor_set_idle_delay (monitor, 3600);
  kith_idle_monitor_report_input (monitor);
  g_assert_false (kith_idle_monitor_get_idle (monitor));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  g_test_add_func ("/idle-monitor/mutter", test_mutter);
  g_test_add_func ("/idle-monitor/app-fallback", test_app_fallback);
  g_test_add_func ("/idle-monitor/source", test_source);
  g_test_add_func ("/idle-monitor/screensaver", test_screensaver);

  ret = g_test_run ();
  g_test_dbus_down (bus);
  g_object_unref (bus);
  return ret;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop peers of the service tests (HACKING.md, "Tests"): a fake
 * Mutter idle monitor, and a private session bus with or without a
 * keyring, for the keyring drills (service-test-util.h).
 */
#define G_LOG_DOMAIN "KithServiceTest"

#include "config.h"

#include "service-test-util.h"

/* ---- a fake Mutter idle monitor ---- */

static const char mutter_xml[] =
  "<node>"
  " <interface name='org.gnome.Mutter.IdleMonitor'>"
  "  <method name='GetIdletime'><arg name='idletime' direction='out' type='t'/></method>"
  "  <method name='AddIdleWatch'><arg name='interval' direction='in' type='t'/>"
  "   <arg name='id' direction='out' type='u'/></method>"
  "  <method name='AddUserActiveWatch'><arg name='id' direction='out' type='u'/></method>"
  "  <method name='RemoveWatch'><arg name='id' direction='in' type='u'/></method>"
  "  <signal name='WatchFired'><arg name='id' type='u'/></signal>"
  " </interface>"
  "</node>";

struct _SvcFakeMutter {
  GDBusConnection *connection;
  guint            registration;
  guint            owner;
  gboolean         acquired;
  guint            next_id;
  guint            idle_watch;
  guint            active_watch;
  guint64          last_interval;
};

static void
on_mutter_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *iface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  SvcFakeMutter *fake = user_data;

  if (g_str_equal (method, "GetIdletime")) {
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", (guint64) 0));
  } else if (g_str_equal (method, "AddIdleWatch")) {
    g_variant_get (parameters, "(t)", &fake->last_interval);
    fake->idle_watch = ++fake->next_id;
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", fake->idle_watch));
  } else if (g_str_equal (method, "AddUserActiveWatch")) {
    fake->active_watch = ++fake->next_id;
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", fake->active_watch));
  } else {
    g_dbus_method_invocation_return_value (invocation, NULL);
  }
}

static const GDBusInterfaceVTable mutter_vtable = { on_mutter_call, NULL, NULL, { 0 } };

static void
on_mutter_name (GDBusConnection *connection,
                const char      *name,
                gpointer         user_data)
{
  ((SvcFakeMutter *) user_data)->acquired = TRUE;
}

static gboolean
mutter_acquired (gpointer data)
{
  return ((SvcFakeMutter *) data)->acquired;
}

SvcFakeMutter *
svc_fake_mutter_new (GDBusConnection *connection)
{
  SvcFakeMutter *fake = g_new0 (SvcFakeMutter, 1);
  g_autoptr (GDBusNodeInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  info = g_dbus_node_info_new_for_xml (mutter_xml, &error);
  g_assert_no_error (error);
  fake->connection = g_object_ref (connection);
  fake->registration = g_dbus_connection_register_object (connection,
                                                          "/org/gnome/Mutter/IdleMonitor/Core",
                                                          info->interfaces[0], &mutter_vtable,
                                                          fake, NULL, &error);
  g_assert_no_error (error);
  fake->owner = g_bus_own_name_on_connection (connection, "org.gnome.Mutter.IdleMonitor",
                                              G_BUS_NAME_OWNER_FLAGS_NONE,
                                              on_mutter_name, NULL, fake, NULL);
  g_assert_true (kithd_test_wait_until (mutter_acquired, fake, 5000));
  return fake;
}

static gboolean
has_idle_watch (gpointer data)
{
  return ((SvcFakeMutter *) data)->idle_watch != 0;
}

static gboolean
has_active_watch (gpointer data)
{
  return ((SvcFakeMutter *) data)->active_watch != 0;
}

guint
svc_fake_mutter_wait_idle_watch (SvcFakeMutter *fake,
                                 guint          timeout_ms)
{
  kithd_test_wait_until (has_idle_watch, fake, timeout_ms);
  return fake->idle_watch;
}

guint
svc_fake_mutter_wait_active_watch (SvcFakeMutter *fake,
                                   guint          timeout_ms)
{
  kithd_test_wait_until (has_active_watch, fake, timeout_ms);
  return fake->active_watch;
}

guint64
svc_fake_mutter_get_last_interval (SvcFakeMutter *fake)
{
  return fake->last_interval;
}

void
svc_fake_mutter_fire (SvcFakeMutter *fake,
                      guint          id)
{
  g_autoptr (GError) error = NULL;

  if (id == fake->active_watch)
    fake->active_watch = 0;   /* user-active watches fire once */
  g_dbus_connection_emit_signal (fake->connection, NULL, "/org/gnome/Mutter/IdleMonitor/Core",
                                 "org.gnome.Mutter.IdleMonitor", "WatchFired",
                                 g_variant_new ("(u)", id), &error);
  g_assert_no_error (error);
}

void
svc_fake_mutter_free (SvcFakeMutter *fake)
{
  g_bus_unown_name (fake->owner);
  g_dbus_connection_unregister_object (fake->connection, fake->registration);
  g_object_unref (fake->connection);
  g_free (fake);
}

gboolean
svc_test_require_keyring (void)
{
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                         "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                         G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  if (reply == NULL) {
    g_test_skip ("no Secret Service on the session bus");
    return FALSE;
  }
  return TRUE;
}

/* ---- a private session bus, with or without a keyring ---- */

#include <libsecret/secret.h>

/* The system prompter's interface (gcr): a prompt begins, is performed, and
 * is answered by a PromptReady call back to the client. This one begins
 * prompts and never answers them, like a prompt on a screen nobody looks at. */
static const char prompter_xml[] =
  "<node>"
  " <interface name='org.gnome.keyring.internal.Prompter'>"
  "  <method name='BeginPrompting'><arg name='callback' direction='in' type='o'/></method>"
  "  <method name='PerformPrompt'><arg name='callback' direction='in' type='o'/>"
  "   <arg name='type' direction='in' type='s'/>"
  "   <arg name='properties' direction='in' type='a{sv}'/>"
  "   <arg name='exchange' direction='in' type='s'/></method>"
  "  <method name='StopPrompting'><arg name='callback' direction='in' type='o'/></method>"
  " </interface>"
  "</node>";

/* Enough of org.freedesktop.Secret.Service for libsecret to call it. */
static const char secrets_xml[] =
  "<node>"
  " <interface name='org.freedesktop.Secret.Service'>"
  "  <method name='OpenSession'><arg name='algorithm' direction='in' type='s'/>"
  "   <arg name='input' direction='in' type='v'/>"
  "   <arg name='output' direction='out' type='v'/>"
  "   <arg name='result' direction='out' type='o'/></method>"
  "  <method name='SearchItems'><arg name='attributes' direction='in' type='a{ss}'/>"
  "   <arg name='unlocked' direction='out' type='ao'/>"
  "   <arg name='locked' direction='out' type='ao'/></method>"
  "  <method name='Unlock'><arg name='objects' direction='in' type='ao'/>"
  "   <arg name='unlocked' direction='out' type='ao'/>"
  "   <arg name='prompt' direction='out' type='o'/></method>"
  "  <method name='ReadAlias'><arg name='name' direction='in' type='s'/>"
  "   <arg name='collection' direction='out' type='o'/></method>"
  " </interface>"
  "</node>";

struct _SvcPrivateBus {
  GTestDBus       *dbus;
  GDBusConnection *connection;
  GSubprocess     *keyring;
  char            *dir;
  guint            prompter_registration;
  guint            prompter_owner;
  gboolean         prompter_named;
  guint            prompts;
  guint            secrets_registration;
  guint            secrets_owner;
  gboolean         secrets_named;
  GPtrArray       *unanswered;      /* GDBusMethodInvocation, of the silent Secret Service */
};

static void
on_silent_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *iface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  SvcPrivateBus *bus = user_data;

  /* Taken (the handler owns @invocation), and left without an answer
   * until the bus goes down. */
  g_ptr_array_add (bus->unanswered, invocation);
}

static const GDBusInterfaceVTable silent_vtable = { on_silent_call, NULL, NULL, { 0 } };

static void
on_secrets_named (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((SvcPrivateBus *) user_data)->secrets_named = TRUE;
}

static gboolean
secrets_named (gpointer data)
{
  return ((SvcPrivateBus *) data)->secrets_named;
}

static void
on_prompter_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *path,
                  const char            *iface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  SvcPrivateBus *bus = user_data;
  const char *callback = NULL;

  g_dbus_method_invocation_return_value (invocation, NULL);
  if (!g_str_equal (method, "BeginPrompting"))
    return;   /* PerformPrompt: shown, and never answered */

  /* Ready to prompt, as a prompter says once it has begun. */
  bus->prompts++;
  g_variant_get (parameters, "(&o)", &callback);
  g_dbus_connection_call (connection, sender, callback,
                          "org.gnome.keyring.internal.Prompter.Callback", "PromptReady",
                          g_variant_new ("(s@a{sv}s)", "",
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0), ""),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static const GDBusInterfaceVTable prompter_vtable = { on_prompter_call, NULL, NULL, { 0 } };

static void
on_prompter_named (GDBusConnection *connection,
                   const char      *name,
                   gpointer         user_data)
{
  ((SvcPrivateBus *) user_data)->prompter_named = TRUE;
}

static gboolean
prompter_named (gpointer data)
{
  return ((SvcPrivateBus *) data)->prompter_named;
}

static gboolean
secrets_owned (gpointer data)
{
  SvcPrivateBus *bus = data;
  g_autoptr (GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
start_keyring (SvcPrivateBus *bus)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *home = g_build_filename (bus->dir, "home", NULL);
  g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
  g_autofree char *runtime = g_build_filename (bus->dir, "runtime", NULL);
  GOutputStream *in;

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);

  /* Its own keyrings and control socket: the test session's keyring
   * (GNOME_KEYRING_CONTROL) is not touched. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        0);
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  /* The daemon warns about a prompt it cannot show, and goes on: the
   * test's fatal-warnings are not its own. */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (bus->dbus), TRUE);
  bus->keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon",
                                              "--foreground", "--components=secrets",
                                              "--unlock", NULL);
  g_assert_no_error (error);

  /* A throw-away password creates the login collection, unlocked. */
  in = g_subprocess_get_stdin_pipe (bus->keyring);
  g_output_stream_write_all (in, "test", 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, NULL);

  g_assert_true (kithd_test_wait_until (secrets_owned, bus, 20000));
}

SvcPrivateBus *
svc_private_bus_new (SvcKeyringKind kind)
{
  SvcPrivateBus *bus = g_new0 (SvcPrivateBus, 1);
  g_autoptr (GError) error = NULL;

  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));

  bus->dir = svc_test_make_dir ("bus");
  bus->dbus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus->dbus);
  /* g_test_dbus_up() unsets DISPLAY (against X11 autolaunch); windows
   * still need it. */
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  bus->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  if (kind == SVC_KEYRING_GNOME_STUCK) {
    g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (prompter_xml, &error);

    g_assert_no_error (error);
    bus->prompter_registration =
      g_dbus_connection_register_object (bus->connection, "/org/gnome/keyring/Prompter",
                                         info->interfaces[0], &prompter_vtable, bus, NULL,
                                         &error);
    g_assert_no_error (error);
    bus->prompter_owner = g_bus_own_name_on_connection (bus->connection,
                                                        "org.gnome.keyring.SystemPrompter",
                                                        G_BUS_NAME_OWNER_FLAGS_NONE,
                                                        on_prompter_named, NULL, bus, NULL);
    g_assert_true (kithd_test_wait_until (prompter_named, bus, 5000));
  }
  if (kind == SVC_KEYRING_SILENT) {
    g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (secrets_xml, &error);

    g_assert_no_error (error);
    bus->unanswered = g_ptr_array_new_with_free_func (g_object_unref);
    bus->secrets_registration =
      g_dbus_connection_register_object (bus->connection, "/org/freedesktop/secrets",
                                         info->interfaces[0], &silent_vtable, bus, NULL, &error);
    g_assert_no_error (error);
    bus->secrets_owner = g_bus_own_name_on_connection (bus->connection, "org.freedesktop.secrets",
                                                       G_BUS_NAME_OWNER_FLAGS_NONE,
                                                       on_secrets_named, NULL, bus, NULL);
    g_assert_true (kithd_test_wait_until (secrets_named, bus, 5000));
  }
  if (kind == SVC_KEYRING_GNOME || kind == SVC_KEYRING_GNOME_STUCK)
    start_keyring (bus);
  return bus;
}

void
svc_private_bus_lock_keyring (SvcPrivateBus *bus)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) locked = NULL;
  g_autoptr (GError) error = NULL;
  const char *login[] = { "/org/freedesktop/secrets/collection/login", NULL };

  g_assert_nonnull (bus->keyring);
  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.secrets",
                                       "/org/freedesktop/secrets", "org.freedesktop.Secret.Service",
                                       "Lock", g_variant_new ("(^ao)", login),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.secrets", login[0],
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.freedesktop.Secret.Collection",
                                                      "Locked"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &locked);
  g_assert_true (g_variant_get_boolean (locked));
}

guint
svc_private_bus_get_prompts (SvcPrivateBus *bus)
{
  return bus->prompts;
}

static gboolean
only_ours (gpointer data)
{
  return G_OBJECT (data)->ref_count == 1;
}

void
svc_private_bus_free (SvcPrivateBus *bus)
{
  if (bus->prompter_owner != 0)
    g_bus_unown_name (bus->prompter_owner);
  if (bus->prompter_registration != 0)
    g_dbus_connection_unregister_object (bus->connection, bus->prompter_registration);
  if (bus->secrets_owner != 0)
    g_bus_unown_name (bus->secrets_owner);
  if (bus->secrets_registration != 0)
    g_dbus_connection_unregister_object (bus->connection, bus->secrets_registration);
  for (guint i = 0; bus->unanswered != NULL && i < bus->unanswered->len; i++)
    g_dbus_method_invocation_return_dbus_error (g_object_ref (g_ptr_array_index (bus->unanswered, i)),
                                                "org.freedesktop.DBus.Error.NoReply",
                                                "The test is over");
  g_clear_pointer (&bus->unanswered, g_ptr_array_unref);
  if (bus->keyring != NULL) {
    g_subprocess_send_signal (bus->keyring, SIGTERM);
    g_subprocess_wait (bus->keyring, NULL, NULL);
    g_clear_object (&bus->keyring);
  }
  /* libsecret lets go of the bus, so that it can go down. */
  secret_service_disconnect ();
  if (!kithd_test_wait_until (only_ours, bus->connection, 5000)) {
    /* libsecret keeps the proxies of a Secret Service that never answered
     * (ref_count says how many holders are left): g_test_dbus_down() would
     * wait for them for ever. The bus goes down with this process (its
     * watcher stops the daemon). */
    static GTestDBus *left_up;

    g_test_message ("the private bus stays up: %u references to its connection",
                    G_OBJECT (bus->connection)->ref_count - 1);
    left_up = g_steal_pointer (&bus->dbus);
    (void) left_up;
  }
  g_clear_object (&bus->connection);
  if (bus->dbus != NULL)
    g_test_dbus_down (bus->dbus);
  g_clear_object (&bus->dbus);
  g_free (bus->dir);
  g_free (bus);
}

gboolean
svc_test_in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

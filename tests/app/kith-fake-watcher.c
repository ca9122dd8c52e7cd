/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "kith-app-test-util.h"
#include "kith-fake-watcher.h"

#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH  "/StatusNotifierWatcher"
#define WATCHER_IFACE "org.kde.StatusNotifierWatcher"

static const char watcher_xml[] =
  "<node>"
  "  <interface name='org.kde.StatusNotifierWatcher'>"
  "    <method name='RegisterStatusNotifierItem'>"
  "      <arg name='service' type='s' direction='in'/>"
  "    </method>"
  "    <method name='RegisterStatusNotifierHost'>"
  "      <arg name='service' type='s' direction='in'/>"
  "    </method>"
  "    <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
  "    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "    <property name='ProtocolVersion' type='i' access='read'/>"
  "    <signal name='StatusNotifierItemRegistered'><arg type='s'/></signal>"
  "    <signal name='StatusNotifierItemUnregistered'><arg type='s'/></signal>"
  "    <signal name='StatusNotifierHostRegistered'/>"
  "    <signal name='StatusNotifierHostUnregistered'/>"
  "  </interface>"
  "</node>";

static GVariant *
watcher_property (KithFakeWatcher *watcher,
                  const char      *property_name)
{
  if (g_str_equal (property_name, "IsStatusNotifierHostRegistered")) {
    watcher->host_queries++;
    return g_variant_new_boolean (watcher->host_registered);
  }
  if (g_str_equal (property_name, "RegisteredStatusNotifierItems"))
    return g_variant_new_strv ((const char * const *) watcher->items->pdata, watcher->items->len);
  if (g_str_equal (property_name, "ProtocolVersion"))
    return g_variant_new_int32 (0);
  return NULL;
}

/* The properties are read through method calls (no get_property in the
 * vtable), so that an answer can be held back. */
static void
properties_call (KithFakeWatcher       *watcher,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation)
{
  if (g_str_equal (method_name, "Get")) {
    const char *iface, *property_name;
    GVariant *value;

    g_variant_get (parameters, "(&s&s)", &iface, &property_name);
    if (g_str_equal (property_name, "IsStatusNotifierHostRegistered") && watcher->held != NULL) {
      g_ptr_array_add (watcher->held, invocation);
      return;
    }
    value = watcher_property (watcher, property_name);
    if (value == NULL) {
      g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownProperty",
                                                  property_name);
      return;
    }
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    return;
  }
  if (g_str_equal (method_name, "GetAll")) {
    GVariantBuilder all;
    const char *names[] = { "RegisteredStatusNotifierItems", "IsStatusNotifierHostRegistered", "ProtocolVersion" };

    g_variant_builder_init (&all, G_VARIANT_TYPE ("a{sv}"));
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      g_variant_builder_add (&all, "{sv}", names[i], watcher_property (watcher, names[i]));
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a{sv})", &all));
    return;
  }
  g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.PropertyReadOnly",
                                              "The watcher's properties are read-only");
}

static void
watcher_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  KithFakeWatcher *watcher = user_data;

  if (g_str_equal (interface_name, "org.freedesktop.DBus.Properties")) {
    properties_call (watcher, method_name, parameters, invocation);
    return;
  }
  if (g_str_equal (method_name, "RegisterStatusNotifierItem")) {
    const char *service;
    const char *name;

    g_variant_get (parameters, "(&s)", &service);
    name = service[0] == '/' ? sender : service;
    g_ptr_array_add (watcher->items, g_strdup (name));
    g_ptr_array_add (watcher->senders, g_strdup (sender));
    g_dbus_method_invocation_return_value (invocation, NULL);
    g_dbus_connection_emit_signal (connection, NULL, WATCHER_PATH, WATCHER_IFACE,
                                   "StatusNotifierItemRegistered", g_variant_new ("(s)", name), NULL);
    return;
  }

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable watcher_vtable = {
  watcher_method_call,
  NULL,
  NULL,
  { 0 }
};

static GVariant *
call_bus (GDBusConnection *connection,
          const char      *method,
          GVariant        *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", method, parameters,
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  return reply;
}

KithFakeWatcher *
kith_fake_watcher_new (gboolean host_registered)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  KithFakeWatcher *watcher = g_new0 (KithFakeWatcher, 1);
  guint32 result;

  watcher->connection = kith_test_new_bus_connection ();

  watcher->items = g_ptr_array_new_with_free_func (g_free);
  watcher->senders = g_ptr_array_new_with_free_func (g_free);
  watcher->host_registered = host_registered;
  watcher->info = g_dbus_node_info_new_for_xml (watcher_xml, &error);
  g_assert_no_error (error);
  watcher->registration_id =
    g_dbus_connection_register_object (watcher->connection, WATCHER_PATH,
                                       watcher->info->interfaces[0], &watcher_vtable,
                                       watcher, NULL, &error);
  g_assert_no_error (error);

  /* DBUS_NAME_FLAG_DO_NOT_QUEUE: PRIMARY_OWNER, or another watcher is there. */
  reply = call_bus (watcher->connection, "RequestName", g_variant_new ("(su)", WATCHER_NAME, 4));
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);

  return watcher;
}

void
kith_fake_watcher_set_host (KithFakeWatcher *watcher,
                            gboolean         host_registered)
{
  watcher->host_registered = host_registered;
  g_dbus_connection_emit_signal (watcher->connection, NULL, WATCHER_PATH, WATCHER_IFACE,
                                 host_registered ? "StatusNotifierHostRegistered"
                                                 : "StatusNotifierHostUnregistered",
                                 NULL, NULL);
}

static void
answer_held (KithFakeWatcher *watcher)
{
  g_autoptr (GPtrArray) held = g_steal_pointer (&watcher->held);

  for (guint i = 0; held != NULL && i < held->len; i++) {
    watcher->host_queries++;
    g_dbus_method_invocation_return_value (g_ptr_array_index (held, i),
                                           g_variant_new ("(v)", g_variant_new_boolean (watcher->host_registered)));
  }
}

void
kith_fake_watcher_hold_host_answers (KithFakeWatcher *watcher,
                                     gboolean         hold)
{
  if (hold && watcher->held == NULL)
    watcher->held = g_ptr_array_new ();
  else if (!hold)
    answer_held (watcher);
}

void
kith_fake_watcher_release_name (KithFakeWatcher *watcher)
{
  g_autoptr (GVariant) reply = call_bus (watcher->connection, "ReleaseName",
                                         g_variant_new ("(s)", WATCHER_NAME));
}

void
kith_fake_watcher_free (KithFakeWatcher *watcher)
{
  g_autoptr (GError) error = NULL;

  answer_held (watcher);
  g_dbus_connection_unregister_object (watcher->connection, watcher->registration_id);
  g_dbus_connection_close_sync (watcher->connection, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (watcher->connection);
  g_dbus_node_info_unref (watcher->info);
  g_ptr_array_unref (watcher->items);
  g_ptr_array_unref (watcher->senders);
  g_free (watcher);
}

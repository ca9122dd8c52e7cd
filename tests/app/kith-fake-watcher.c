/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

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

static GVariant *
watcher_get_property (GDBusConnection  *connection,
                      const char       *sender,
                      const char       *object_path,
                      const char       *interface_name,
                      const char       *property_name,
                      GError          **error,
                      gpointer          user_data)
{
  KithFakeWatcher *watcher = user_data;

  if (g_str_equal (property_name, "IsStatusNotifierHostRegistered")) {
    watcher->host_queries++;
    return g_variant_new_boolean (watcher->host_registered);
  }
  if (g_str_equal (property_name, "RegisteredStatusNotifierItems"))
    return g_variant_new_strv ((const char * const *) watcher->items->pdata, watcher->items->len);

  return g_variant_new_int32 (0);
}

static const GDBusInterfaceVTable watcher_vtable = {
  watcher_method_call,
  watcher_get_property,
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
  g_autofree char *address = NULL;
  KithFakeWatcher *watcher = g_new0 (KithFakeWatcher, 1);
  guint32 result;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  watcher->connection = g_dbus_connection_new_for_address_sync (address,
                                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                                NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (watcher->connection, FALSE);

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

  g_dbus_connection_unregister_object (watcher->connection, watcher->registration_id);
  g_dbus_connection_close_sync (watcher->connection, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (watcher->connection);
  g_dbus_node_info_unref (watcher->info);
  g_ptr_array_unref (watcher->items);
  g_ptr_array_unref (watcher->senders);
  g_free (watcher);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFakeNotifications"

#include "config.h"

#include "kith-fake-notifications.h"

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

static void
note_free (KithFakeNote *note)
{
  g_free (note->summary);
  g_free (note->body);
  g_strfreev (note->actions);
  g_free (note);
}

static KithFakeNote *
find_by_id (KithFakeNotifications *self,
            guint                  id)
{
  for (guint i = 0; i < self->notes->len; i++) {
    KithFakeNote *note = g_ptr_array_index (self->notes, i);

    if (note->id == id)
      return note;
  }
  return NULL;
}

static void
on_method_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  KithFakeNotifications *self = user_data;

  if (g_str_equal (method_name, "Notify")) {
    KithFakeNote *note = g_new0 (KithFakeNote, 1);
    g_autoptr (GVariant) hints = NULL;
    KithFakeNote *replaced;
    guint replaces;

    g_variant_get (parameters, "(&su&sss^as@a{sv}i)", NULL, &replaces, NULL, &note->summary,
                   &note->body, &note->actions, &hints, NULL);
    g_variant_lookup (hints, "urgency", "y", &note->urgency);
    if (replaces != 0 && (replaced = find_by_id (self, replaces)) != NULL) {
      note->id = replaces;
      g_ptr_array_remove (self->notes, replaced);
    } else {
      note->id = ++self->next_id;
    }
    g_ptr_array_add (self->notes, note);
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", note->id));
  } else if (g_str_equal (method_name, "CloseNotification")) {
    KithFakeNote *note;
    guint id;

    g_variant_get (parameters, "(u)", &id);
    if ((note = find_by_id (self, id)) != NULL)
      note->closed = TRUE;
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method_name, "GetCapabilities")) {
    const char *caps[] = { "body", "actions", NULL };

    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
  } else {
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "kith", "1", "1.2"));
  }
}

static const GDBusInterfaceVTable vtable = {
  on_method_call, NULL, NULL, { 0 }
};

KithFakeNotifications *
kith_fake_notifications_new (GDBusConnection *connection)
{
  KithFakeNotifications *self = g_new0 (KithFakeNotifications, 1);

  self->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) note_free);
  kith_fake_service_start (&self->service, connection, notifications_xml,
                           "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                           &vtable, self);
  return self;
}

void
kith_fake_notifications_free (KithFakeNotifications *self)
{
  kith_fake_service_stop (&self->service);
  g_ptr_array_unref (self->notes);
  g_free (self);
}

KithFakeNote *
kith_fake_notifications_find (KithFakeNotifications *self,
                              const char            *summary,
                              gboolean               closed)
{
  for (guint i = self->notes->len; i > 0; i--) {
    KithFakeNote *note = g_ptr_array_index (self->notes, i - 1);

    if (g_str_equal (note->summary, summary) && (closed || !note->closed))
      return note;
  }
  return NULL;
}

const char *
kith_fake_note_action (KithFakeNote *note,
                       const char   *label)
{
  if (g_str_equal (label, "default"))
    return "default";
  for (guint i = 0; note->actions[i] != NULL && note->actions[i + 1] != NULL; i += 2) {
    if (g_str_equal (note->actions[i + 1], label))
      return note->actions[i];
  }
  return NULL;
}

void
kith_fake_notifications_click (KithFakeNotifications *self,
                               KithFakeNote          *note,
                               const char            *label)
{
  const char *key = kith_fake_note_action (note, label);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (key);
  g_dbus_connection_emit_signal (self->service.connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", note->id, key), &error);
  g_assert_no_error (error);
}

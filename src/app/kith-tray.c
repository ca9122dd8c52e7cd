/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTray"

#include "config.h"

#include <unistd.h>

#include "kith-service-enums.h"
#include "kith-tray.h"
#include "kith-tray-item.h"
#include "kith-tray-menu.h"

#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH  "/StatusNotifierWatcher"
#define WATCHER_IFACE "org.kde.StatusNotifierWatcher"

struct _KithTray
{
  GObject          parent_instance;

  GDBusConnection *connection;
  KithTrayItem    *item;
  KithTrayMenu    *menu;
  GCancellable    *cancellable;       /* calls to the current watcher */
  char            *bus_name;
  char            *watcher_owner;     /* unique name, while a watcher is on the bus */

  guint            own_name_id;
  guint            watch_name_id;
  guint            host_registered_sub;
  guint            host_unregistered_sub;

  KithShownPresence presence;
  char            *chosen_status;
  char            *icon_theme_path;
  char            *caller;            /* a call rings: who calls */
  guint            unread;

  guint            exported : 1;
  guint            name_acquired : 1;
  guint            registered : 1;
  guint            watcher_has_host : 1;
  guint            host_known : 1;      /* host_available is the watcher's answer */
  guint            host_available : 1;
  guint            signed_in : 1;
};

G_DEFINE_FINAL_TYPE (KithTray, kith_tray, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_BUS_NAME,
  PROP_REGISTERED,
  PROP_HOST_AVAILABLE,
  PROP_HOST_KNOWN,
  PROP_PRESENCE,
  PROP_UNREAD,
  PROP_SIGNED_IN,
  PROP_CHOSEN_STATUS,
  PROP_ICON_THEME_PATH,
  PROP_CALLER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ACTIVATE,
  STATUS_SELECTED,
  LOG_OUT,
  EXIT,
  ANSWER_CALL,
  DECLINE_CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint name_counter;

static gboolean
set_str (char       **str_pointer,
         const char  *new_str)
{
  if (g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);

  return TRUE;
}

/* The watcher */

static void
update_host_available (KithTray *self)
{
  gboolean host_available = self->registered && self->watcher_has_host;

  if (self->host_available == host_available)
    return;

  self->host_available = host_available;
  g_debug ("A tray host is %s", host_available ? "available" : "gone");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST_AVAILABLE]);
}

/* Call after update_host_available(): who waits for the answer reads
 * host-available when this changes. */
static void
set_host_known (KithTray *self,
                gboolean  known)
{
  if (self->host_known == !!known)
    return;
  self->host_known = !!known;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST_KNOWN]);
}

static void
set_registered (KithTray *self,
                gboolean  registered)
{
  if (self->registered != registered) {
    self->registered = registered;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTERED]);
  }

  update_host_available (self);
}

static void
on_host_registered_got (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  KithTray *self;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = KITH_TRAY (user_data);

  if (reply == NULL) {
    g_debug ("Could not read IsStatusNotifierHostRegistered: %s", error->message);
    self->watcher_has_host = FALSE;
  } else {
    g_variant_get (reply, "(v)", &value);
    self->watcher_has_host = g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) &&
                             g_variant_get_boolean (value);
  }

  update_host_available (self);
  set_host_known (self, TRUE);
}

static void
query_host_registered (KithTray *self)
{
  if (self->watcher_owner == NULL)
    return;

  g_dbus_connection_call (self->connection, self->watcher_owner, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_IFACE, "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_host_registered_got, self);
}

static void
on_host_signal (GDBusConnection *connection,
                const char      *sender_name,
                const char      *object_path,
                const char      *interface_name,
                const char      *signal_name,
                GVariant        *parameters,
                gpointer         user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  g_debug ("Watcher says %s", signal_name);
  query_host_registered (self);
}

static void
on_registered (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  KithTray *self;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = KITH_TRAY (user_data);

  if (reply == NULL) {
    g_debug ("The StatusNotifierWatcher refused %s: %s", self->bus_name, error->message);
    set_registered (self, FALSE);
    set_host_known (self, TRUE);
    return;
  }

  g_debug ("Registered %s with the StatusNotifierWatcher", self->bus_name);
  set_registered (self, TRUE);
  query_host_registered (self);
}

static void
maybe_register (KithTray *self)
{
  if (!self->name_acquired || self->watcher_owner == NULL)
    return;

  g_dbus_connection_call (self->connection, self->watcher_owner, WATCHER_PATH, WATCHER_IFACE,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", self->bus_name),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_registered, self);
}

static void
forget_watcher (KithTray *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->connection != NULL) {
    if (self->host_registered_sub != 0)
      g_dbus_connection_signal_unsubscribe (self->connection, self->host_registered_sub);
    if (self->host_unregistered_sub != 0)
      g_dbus_connection_signal_unsubscribe (self->connection, self->host_unregistered_sub);
  }
  self->host_registered_sub = 0;
  self->host_unregistered_sub = 0;

  g_clear_pointer (&self->watcher_owner, g_free);
  self->watcher_has_host = FALSE;
}

static void
on_watcher_appeared (GDBusConnection *connection,
                     const char      *name,
                     const char      *name_owner,
                     gpointer         user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  g_debug ("StatusNotifierWatcher appeared (%s)", name_owner);

  forget_watcher (self);
  self->watcher_owner = g_strdup (name_owner);

  self->host_registered_sub =
    g_dbus_connection_signal_subscribe (connection, name_owner, WATCHER_IFACE,
                                        "StatusNotifierHostRegistered", WATCHER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_host_signal, self, NULL);
  self->host_unregistered_sub =
    g_dbus_connection_signal_subscribe (connection, name_owner, WATCHER_IFACE,
                                        "StatusNotifierHostUnregistered", WATCHER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_host_signal, self, NULL);

  set_registered (self, FALSE);
  set_host_known (self, FALSE);
  maybe_register (self);
}

static void
on_watcher_vanished (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  g_debug ("No StatusNotifierWatcher on the bus");

  forget_watcher (self);
  set_registered (self, FALSE);
  set_host_known (self, TRUE);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  g_debug ("Acquired %s", name);
  self->name_acquired = TRUE;
  maybe_register (self);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  g_debug ("Lost %s", name);
  self->name_acquired = FALSE;
  set_registered (self, FALSE);
}

/* What the item and the menu say, said by the tray */

static void
on_item_activate (KithTray *self)
{
  g_signal_emit (self, signals[ACTIVATE], 0);
}

static void
on_menu_status_selected (KithTray   *self,
                    const char *status)
{
  g_signal_emit (self, signals[STATUS_SELECTED], 0, status);
}

static void
on_menu_log_out (KithTray *self)
{
  g_signal_emit (self, signals[LOG_OUT], 0);
}

static void
on_menu_exit (KithTray *self)
{
  g_signal_emit (self, signals[EXIT], 0);
}

static void
on_menu_answer_call (KithTray *self)
{
  g_signal_emit (self, signals[ANSWER_CALL], 0);
}

static void
on_menu_decline_call (KithTray *self)
{
  g_signal_emit (self, signals[DECLINE_CALL], 0);
}

/* GObject */

static void
kith_tray_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KithTray *self = KITH_TRAY (object);

  switch (prop_id) {
  case PROP_CONNECTION:
    g_value_set_object (value, self->connection);
    break;

  case PROP_BUS_NAME:
    g_value_set_string (value, self->bus_name);
    break;

  case PROP_REGISTERED:
    g_value_set_boolean (value, self->registered);
    break;

  case PROP_HOST_AVAILABLE:
    g_value_set_boolean (value, self->host_available);
    break;

  case PROP_HOST_KNOWN:
    g_value_set_boolean (value, self->host_known);
    break;

  case PROP_PRESENCE:
    g_value_set_enum (value, self->presence);
    break;

  case PROP_UNREAD:
    g_value_set_uint (value, self->unread);
    break;

  case PROP_SIGNED_IN:
    g_value_set_boolean (value, self->signed_in);
    break;

  case PROP_CHOSEN_STATUS:
    g_value_set_string (value, self->chosen_status);
    break;

  case PROP_ICON_THEME_PATH:
    g_value_set_string (value, self->icon_theme_path);
    break;

  case PROP_CALLER:
    g_value_set_string (value, self->caller);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_tray_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KithTray *self = KITH_TRAY (object);

  switch (prop_id) {
  case PROP_CONNECTION:
    self->connection = g_value_dup_object (value);
    break;

  case PROP_PRESENCE:
    kith_tray_set_presence (self, g_value_get_enum (value));
    break;

  case PROP_UNREAD:
    kith_tray_set_unread (self, g_value_get_uint (value));
    break;

  case PROP_SIGNED_IN:
    kith_tray_set_signed_in (self, g_value_get_boolean (value));
    break;

  case PROP_CHOSEN_STATUS:
    kith_tray_set_chosen_status (self, g_value_get_string (value));
    break;

  case PROP_ICON_THEME_PATH:
    kith_tray_set_icon_theme_path (self, g_value_get_string (value));
    break;

  case PROP_CALLER:
    kith_tray_set_caller (self, g_value_get_string (value));
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_tray_constructed (GObject *object)
{
  KithTray *self = KITH_TRAY (object);

  G_OBJECT_CLASS (kith_tray_parent_class)->constructed (object);

  g_assert (G_IS_DBUS_CONNECTION (self->connection));

  self->bus_name = g_strdup_printf ("org.kde.StatusNotifierItem-%d-%d", (int) getpid (),
                                    g_atomic_int_add (&name_counter, 1) + 1);
}

static void
kith_tray_dispose (GObject *object)
{
  KithTray *self = KITH_TRAY (object);

  kith_tray_unexport (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->item);
  g_clear_object (&self->menu);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (kith_tray_parent_class)->dispose (object);
}

static void
kith_tray_finalize (GObject *object)
{
  KithTray *self = KITH_TRAY (object);

  g_free (self->bus_name);
  g_free (self->watcher_owner);
  g_free (self->chosen_status);
  g_free (self->icon_theme_path);
  g_free (self->caller);

  G_OBJECT_CLASS (kith_tray_parent_class)->finalize (object);
}

static void
kith_tray_class_init (KithTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_tray_get_property;
  object_class->set_property = kith_tray_set_property;
  object_class->constructed = kith_tray_constructed;
  object_class->dispose = kith_tray_dispose;
  object_class->finalize = kith_tray_finalize;

  /**
   * KithTray:connection:
   *
   * The session bus connection the item is exported on (the application's).
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:bus-name:
   *
   * The name the item owns and registers, org.kde.StatusNotifierItem-PID-N.
   */
  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:registered:
   *
   * Whether the current StatusNotifierWatcher accepted the item.
   */
  properties[PROP_REGISTERED] =
    g_param_spec_boolean ("registered", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:host-available:
   *
   * Whether a tray shows the item: it is registered with a watcher that
   * has a StatusNotifierHost. While this is %FALSE, closing the window
   * must quit, or the user could not get back to Kith.
   */
  properties[PROP_HOST_AVAILABLE] =
    g_param_spec_boolean ("host-available", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:host-known:
   *
   * Whether #KithTray:host-available is the watcher's answer: %FALSE from
   * export until the watcher (or its absence) has said, and while a new
   * watcher is asked. A window closed meanwhile waits for the answer.
   */
  properties[PROP_HOST_KNOWN] =
    g_param_spec_boolean ("host-known", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:presence:
   *
   * The user's presence as contacts see it, or hidden
   * (kith_shown_presence_for_session ()). Picks the icon and the tooltip.
   */
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL,
                       KITH_TYPE_SHOWN_PRESENCE, KITH_SHOWN_PRESENCE_OFFLINE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:unread:
   *
   * The number of unread messages; above zero the item needs attention.
   */
  properties[PROP_UNREAD] =
    g_param_spec_uint ("unread", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:signed-in:
   *
   * Whether a user is signed in; the Status submenu and Log out are shown
   * only then.
   */
  properties[PROP_SIGNED_IN] =
    g_param_spec_boolean ("signed-in", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:chosen-status:
   *
   * The status the user chose (online, busy or hidden): the radio item
   * that is on. The tray does not change it by itself; the application sets
   * it after #KithTray::status-selected.
   */
  properties[PROP_CHOSEN_STATUS] =
    g_param_spec_string ("chosen-status", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:icon-theme-path:
   *
   * An extra icon theme folder for the host to look up the icons in, for
   * running uninstalled; %NULL when installed.
   */
  properties[PROP_ICON_THEME_PATH] =
    g_param_spec_string ("icon-theme-path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KithTray:caller:
   *
   * Who calls, while a call rings here, else %NULL: the item needs
   * attention, and "Answer call from NAME" and "Decline call" head the menu.
   */
  properties[PROP_CALLER] =
    g_param_spec_string ("caller", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * KithTray::activate:
   *
   * The icon was clicked, or "Open Kith" chosen: show and raise the window.
   */
  signals[ACTIVATE] =
    g_signal_new ("activate",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * KithTray::status-selected:
   * @status: online, busy or hidden
   *
   * A status was chosen in the menu.
   */
  signals[STATUS_SELECTED] =
    g_signal_new ("status-selected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * KithTray::log-out:
   *
   * "Log out" was chosen.
   */
  signals[LOG_OUT] =
    g_signal_new ("log-out",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * KithTray::exit:
   *
   * "Exit" was chosen: sign out and quit.
   */
  signals[EXIT] =
    g_signal_new ("exit",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * KithTray::answer-call:
   *
   * "Answer call from NAME" was chosen: show the window and answer.
   */
  signals[ANSWER_CALL] =
    g_signal_new ("answer-call",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * KithTray::decline-call:
   *
   * "Decline call" was chosen.
   */
  signals[DECLINE_CALL] =
    g_signal_new ("decline-call",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
kith_tray_init (KithTray *self)
{
  self->presence = KITH_SHOWN_PRESENCE_OFFLINE;
  self->cancellable = g_cancellable_new ();

  self->item = kith_tray_item_new ();
  g_signal_connect_object (self->item, "activate", G_CALLBACK (on_item_activate), self, G_CONNECT_SWAPPED);
  self->menu = kith_tray_menu_new ();
  g_signal_connect_object (self->menu, "activate", G_CALLBACK (on_item_activate), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->menu, "status-selected", G_CALLBACK (on_menu_status_selected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->menu, "log-out", G_CALLBACK (on_menu_log_out), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->menu, "exit", G_CALLBACK (on_menu_exit), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->menu, "answer-call", G_CALLBACK (on_menu_answer_call), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->menu, "decline-call", G_CALLBACK (on_menu_decline_call), self,
                           G_CONNECT_SWAPPED);
}

/**
 * kith_tray_new:
 * @connection: the session bus connection to export the item on
 *
 * Returns: (transfer full): a new #KithTray, not exported yet
 */
KithTray *
kith_tray_new (GDBusConnection *connection)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  return g_object_new (KITH_TYPE_TRAY,
                       "connection", connection,
                       NULL);
}

/**
 * kith_tray_export:
 * @self: a #KithTray
 * @error: return location for a #GError
 *
 * Exports the item and its menu, takes the item's bus name and starts
 * watching for a StatusNotifierWatcher to register with.
 *
 * Returns: %TRUE on success
 */
gboolean
kith_tray_export (KithTray  *self,
                  GError   **error)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->exported)
    return TRUE;

  if (!kith_tray_item_export (self->item, self->connection, error))
    return FALSE;

  if (!kith_tray_menu_export (self->menu, self->connection, error)) {
    kith_tray_item_unexport (self->item);
    return FALSE;
  }

  self->exported = TRUE;

  self->own_name_id = g_bus_own_name_on_connection (self->connection, self->bus_name,
                                                    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                    on_name_acquired, on_name_lost,
                                                    self, NULL);
  self->watch_name_id = g_bus_watch_name_on_connection (self->connection, WATCHER_NAME,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                        on_watcher_appeared,
                                                        on_watcher_vanished,
                                                        self, NULL);

  g_debug ("Exported the tray item as %s", self->bus_name);

  return TRUE;
}

/**
 * kith_tray_unexport:
 * @self: a #KithTray
 *
 * Removes the item from the bus; the tray drops the icon.
 */
void
kith_tray_unexport (KithTray *self)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (!self->exported)
    return;

  self->exported = FALSE;

  g_clear_handle_id (&self->watch_name_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->own_name_id, g_bus_unown_name);
  forget_watcher (self);

  kith_tray_item_unexport (self->item);
  kith_tray_menu_unexport (self->menu);

  self->name_acquired = FALSE;
  set_registered (self, FALSE);
}

GDBusConnection *
kith_tray_get_connection (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->connection;
}

const char *
kith_tray_get_bus_name (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->bus_name;
}

gboolean
kith_tray_get_registered (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);

  return self->registered;
}

gboolean
kith_tray_get_host_available (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);

  return self->host_available;
}

gboolean
kith_tray_get_host_known (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);

  return self->host_known;
}

KithShownPresence
kith_tray_get_presence (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), KITH_SHOWN_PRESENCE_OFFLINE);

  return self->presence;
}

void
kith_tray_set_presence (KithTray          *self,
                        KithShownPresence  presence)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (self->presence == presence)
    return;

  self->presence = presence;
  kith_tray_item_set_presence (self->item, presence);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

guint
kith_tray_get_unread (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), 0);

  return self->unread;
}

void
kith_tray_set_unread (KithTray *self,
                      guint     unread)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (self->unread == unread)
    return;

  self->unread = unread;
  kith_tray_item_set_unread (self->item, unread);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

gboolean
kith_tray_get_signed_in (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);

  return self->signed_in;
}

void
kith_tray_set_signed_in (KithTray *self,
                         gboolean  signed_in)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  signed_in = !!signed_in;
  if (self->signed_in == signed_in)
    return;

  self->signed_in = signed_in;
  kith_tray_menu_set_signed_in (self->menu, signed_in);
  kith_tray_item_set_signed_in (self->item, signed_in);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
}

const char *
kith_tray_get_chosen_status (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->chosen_status;
}

void
kith_tray_set_chosen_status (KithTray   *self,
                             const char *chosen_status)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (!set_str (&self->chosen_status, chosen_status))
    return;

  kith_tray_menu_set_chosen_status (self->menu, chosen_status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOSEN_STATUS]);
}

const char *
kith_tray_get_icon_theme_path (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->icon_theme_path;
}

void
kith_tray_set_icon_theme_path (KithTray   *self,
                               const char *icon_theme_path)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (!set_str (&self->icon_theme_path, icon_theme_path))
    return;

  kith_tray_item_set_icon_theme_path (self->item, icon_theme_path);
  kith_tray_menu_set_icon_theme_path (self->menu, icon_theme_path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_THEME_PATH]);
}

const char *
kith_tray_get_caller (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->caller;
}

void
kith_tray_set_caller (KithTray   *self,
                      const char *caller)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (!set_str (&self->caller, caller))
    return;

  kith_tray_item_set_caller (self->item, caller);
  kith_tray_menu_set_caller (self->menu, caller);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALLER]);
}

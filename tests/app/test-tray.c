/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestTray"

#include "config.h"

#include <unistd.h>

#include <gio/gio.h>

#include "kith-app-test-util.h"
#include "kith-fake-watcher.h"
#include "kith-tray.h"

/*
 * KithTray against a fake org.kde.StatusNotifierWatcher on a private
 * session bus (GTestDBus). The tray, the watcher and the "host" that calls
 * into the tray each have their own GDBusConnection, so every call really
 * goes over the bus.
 */

#define ITEM_IFACE    "org.kde.StatusNotifierItem"
#define MENU_IFACE    "com.canonical.dbusmenu"

/* Iterate the main loop until @cond holds, for at most 10 s. */
#define WAIT_FOR(cond) KITH_WAIT_FOR_SECONDS (cond, 10)

/* A round trip to the bus daemon: messages sent before it on this
 * connection (AddMatch, signals) have been processed by the bus. */
static void
bus_round_trip (GDBusConnection *connection)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL,
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
}

/* The fixture: a private bus, the tray on its own connection, and a
 * "host" connection that calls the tray and hears its signals. */

typedef struct {
  GTestDBus       *bus;
  GDBusConnection *app_connection;
  GDBusConnection *host_connection;
  KithTray        *tray;
  guint            signal_sub;

  guint            n_activate;
  guint            n_exit;
  guint            n_log_out;
  guint            n_answer_call;
  guint            n_decline_call;
  GPtrArray       *statuses_selected;

  GPtrArray       *bus_signals;      /* "Member" of each signal heard, in order */
  GPtrArray       *new_statuses;     /* NewStatus arguments, in order */
  guint            last_layout_revision;
} Fixture;

static void
on_tray_bus_signal (GDBusConnection *connection,
                    const char      *sender_name,
                    const char      *object_path,
                    const char      *interface_name,
                    const char      *signal_name,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->bus_signals, g_strdup (signal_name));

  if (g_str_equal (signal_name, "NewStatus")) {
    char *status;

    g_variant_get (parameters, "(s)", &status);
    g_ptr_array_add (f->new_statuses, status);
  }
  else if (g_str_equal (signal_name, "LayoutUpdated"))
    g_variant_get (parameters, "(ui)", &f->last_layout_revision, NULL);
}

static void
on_tray_activate (KithTray *tray,
                  Fixture  *f)
{
  f->n_activate++;
}

static void
on_tray_exit (KithTray *tray,
              Fixture  *f)
{
  f->n_exit++;
}

static void
on_tray_log_out (KithTray *tray,
                 Fixture  *f)
{
  f->n_log_out++;
}

static void
on_tray_answer_call (KithTray *tray,
                     Fixture  *f)
{
  f->n_answer_call++;
}

static void
on_tray_decline_call (KithTray *tray,
                      Fixture  *f)
{
  f->n_decline_call++;
}

static void
on_tray_status_selected (KithTray   *tray,
                         const char *status,
                         Fixture    *f)
{
  g_ptr_array_add (f->statuses_selected, g_strdup (status));
}

static guint
count_signals (Fixture    *f,
               const char *name)
{
  guint n = 0;

  for (guint i = 0; i < f->bus_signals->len; i++)
    n += g_str_equal (g_ptr_array_index (f->bus_signals, i), name);

  return n;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);

  f->app_connection = kith_test_new_bus_connection ();
  f->host_connection = kith_test_new_bus_connection ();
  f->statuses_selected = g_ptr_array_new_with_free_func (g_free);
  f->bus_signals = g_ptr_array_new_with_free_func (g_free);
  f->new_statuses = g_ptr_array_new_with_free_func (g_free);

  f->signal_sub = g_dbus_connection_signal_subscribe (f->host_connection,
                                                      g_dbus_connection_get_unique_name (f->app_connection),
                                                      NULL, NULL, NULL, NULL,
                                                      G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_tray_bus_signal, f, NULL);
  bus_round_trip (f->host_connection);

  f->tray = kith_tray_new (f->app_connection);
  g_signal_connect (f->tray, "activate", G_CALLBACK (on_tray_activate), f);
  g_signal_connect (f->tray, "exit", G_CALLBACK (on_tray_exit), f);
  g_signal_connect (f->tray, "log-out", G_CALLBACK (on_tray_log_out), f);
  g_signal_connect (f->tray, "status-selected", G_CALLBACK (on_tray_status_selected), f);
  g_signal_connect (f->tray, "answer-call", G_CALLBACK (on_tray_answer_call), f);
  g_signal_connect (f->tray, "decline-call", G_CALLBACK (on_tray_decline_call), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  g_clear_object (&f->tray);
  g_dbus_connection_signal_unsubscribe (f->host_connection, f->signal_sub);

  g_dbus_connection_close_sync (f->app_connection, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_close_sync (f->host_connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&f->app_connection);
  g_clear_object (&f->host_connection);

  /* let GDBus free what it hands back to the main context */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);

  g_ptr_array_unref (f->statuses_selected);
  g_ptr_array_unref (f->bus_signals);
  g_ptr_array_unref (f->new_statuses);
}

static void
export_tray (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (kith_tray_export (f->tray, &error));
  g_assert_no_error (error);
}

static void
on_call_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Calls the tray from the host connection, waiting on the main loop (the
 * tray answers from this thread's main context). */
static GVariant *
call_tray_full (Fixture     *f,
                const char  *bus_name,
                const char  *path,
                const char  *iface,
                const char  *method,
                GVariant    *params,
                const char  *reply_type,
                GError     **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  g_dbus_connection_call (f->host_connection, bus_name, path, iface, method, params,
                          reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, &result);
  WAIT_FOR (result != NULL);

  return g_dbus_connection_call_finish (f->host_connection, result, error);
}

static GVariant *
call_tray (Fixture    *f,
           const char *path,
           const char *iface,
           const char *method,
           GVariant   *params,
           const char *reply_type)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  reply = call_tray_full (f, g_dbus_connection_get_unique_name (f->app_connection),
                          path, iface, method, params, reply_type, &error);
  g_assert_no_error (error);

  return reply;
}

static GVariant *
get_tray_property (Fixture    *f,
                   const char *bus_name,
                   const char *path,
                   const char *iface,
                   const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  GVariant *value;

  reply = call_tray_full (f, bus_name != NULL ? bus_name : g_dbus_connection_get_unique_name (f->app_connection),
                          path, "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", iface, name), "(v)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);

  return value;
}

static char *
get_item_string (Fixture    *f,
                 const char *name)
{
  g_autoptr (GVariant) value = get_tray_property (f, NULL, KITH_TRAY_ITEM_PATH, ITEM_IFACE, name);

  return g_variant_dup_string (value, NULL);
}

/* Menu layout helpers */

static GVariant *
get_layout (Fixture *f,
            int      parent,
            int      depth,
            guint   *revision)
{
  const char *no_names[] = { NULL };
  g_autoptr (GVariant) reply = NULL;
  GVariant *layout;

  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "GetLayout",
                     g_variant_new ("(ii^as)", parent, depth, no_names), "(u(ia{sv}av))");
  g_variant_get (reply, "(u@(ia{sv}av))", revision, &layout);

  return layout;
}

/* Finds the item with @label below @layout (depth first); returns its
 * (ia{sv}av) or NULL. */
static GVariant *
find_item (GVariant   *layout,
           const char *label)
{
  g_autoptr (GVariant) props = g_variant_get_child_value (layout, 1);
  g_autoptr (GVariant) children = g_variant_get_child_value (layout, 2);
  const char *item_label = NULL;

  if (g_variant_lookup (props, "label", "&s", &item_label) && g_str_equal (item_label, label))
    return g_variant_ref (layout);

  for (gsize i = 0; i < g_variant_n_children (children); i++) {
    g_autoptr (GVariant) boxed = g_variant_get_child_value (children, i);
    g_autoptr (GVariant) child = g_variant_get_variant (boxed);
    GVariant *found = find_item (child, label);

    if (found != NULL)
      return found;
  }

  return NULL;
}

static int
item_id (GVariant   *layout,
         const char *label)
{
  g_autoptr (GVariant) item = find_item (layout, label);
  gint32 id;

  g_assert_nonnull (item);
  g_variant_get_child (item, 0, "i", &id);

  return id;
}

static gboolean
item_bool (GVariant   *layout,
           const char *label,
           const char *property)
{
  g_autoptr (GVariant) item = find_item (layout, label);
  g_autoptr (GVariant) props = NULL;
  gboolean value = TRUE; /* dbusmenu's default for enabled and visible */

  g_assert_nonnull (item);
  props = g_variant_get_child_value (item, 1);
  g_variant_lookup (props, property, "b", &value);

  return value;
}

static int
item_toggle_state (GVariant   *layout,
                   const char *label)
{
  g_autoptr (GVariant) item = find_item (layout, label);
  g_autoptr (GVariant) props = NULL;
  const char *toggle_type = NULL;
  gint32 state = -1;

  g_assert_nonnull (item);
  props = g_variant_get_child_value (item, 1);
  g_assert_true (g_variant_lookup (props, "toggle-type", "&s", &toggle_type));
  g_assert_cmpstr (toggle_type, ==, "radio");
  g_assert_true (g_variant_lookup (props, "toggle-state", "i", &state));

  return state;
}

/* Lists the labels (or "-" for a separator) of @layout's children. */
static char *
child_labels (GVariant *layout)
{
  g_autoptr (GVariant) children = g_variant_get_child_value (layout, 2);
  g_autoptr (GString) labels = g_string_new (NULL);

  for (gsize i = 0; i < g_variant_n_children (children); i++) {
    g_autoptr (GVariant) boxed = g_variant_get_child_value (children, i);
    g_autoptr (GVariant) child = g_variant_get_variant (boxed);
    g_autoptr (GVariant) props = g_variant_get_child_value (child, 1);
    const char *label = NULL, *type = NULL;

    if (labels->len > 0)
      g_string_append (labels, "|");

    if (g_variant_lookup (props, "type", "&s", &type) && g_str_equal (type, "separator"))
      g_string_append (labels, "-");
    else if (g_variant_lookup (props, "label", "&s", &label))
      g_string_append (labels, label);
    else
      g_string_append (labels, "?");
  }

  return g_string_free (g_steal_pointer (&labels), FALSE);
}

static void
send_event (Fixture    *f,
            int         id,
            const char *event)
{
  g_autoptr (GVariant) reply = NULL;

  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "Event",
                     g_variant_new ("(isvu)", id, event, g_variant_new_int32 (0), 0), "()");
}

/* The tests */

static void
test_register (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (KithFakeWatcher) watcher = kith_fake_watcher_new (TRUE);
  g_autoptr (GVariant) value = NULL;
  g_autofree char *prefix = g_strdup_printf ("org.kde.StatusNotifierItem-%d-", (int) getpid ());
  const char *service;

  export_tray (f);

  WAIT_FOR (watcher->items->len == 1);
  service = g_ptr_array_index (watcher->items, 0);
  g_assert_true (g_str_has_prefix (service, prefix));
  g_assert_cmpstr (service, ==, kith_tray_get_bus_name (f->tray));
  g_assert_cmpstr (g_ptr_array_index (watcher->senders, 0), ==,
                   g_dbus_connection_get_unique_name (f->app_connection));

  WAIT_FOR (kith_tray_get_host_available (f->tray));
  g_assert_true (kith_tray_get_registered (f->tray));

  /* A host reads the item through the name it was given */
  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Id");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "im.kith.Kith");
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Category");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Communications");
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Title");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Kith");
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Status");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Active");
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ItemIsMenu");
  g_assert_false (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Menu");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, KITH_TRAY_MENU_PATH);
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "IconName");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "im.kith.Kith-offline-symbolic");
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_MENU_PATH, MENU_IFACE, "Version");
  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 3);
  g_clear_pointer (&value, g_variant_unref);

  value = get_tray_property (f, service, KITH_TRAY_MENU_PATH, MENU_IFACE, "TextDirection");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "ltr");

  /* Unexporting drops the item from the bus */
  kith_tray_unexport (f->tray);
  g_assert_false (kith_tray_get_host_available (f->tray));
  g_assert_false (kith_tray_get_registered (f->tray));
}

/* A watcher appears (the desktop starts its tray): the tray's item, and
 * only it, registers, and the tray sees a host. */
static KithFakeWatcher *
start_watcher (Fixture *f)
{
  KithFakeWatcher *watcher = kith_fake_watcher_new (TRUE);

  WAIT_FOR (watcher->items->len == 1);
  WAIT_FOR (kith_tray_get_host_available (f->tray));
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 0), ==, kith_tray_get_bus_name (f->tray));
  return watcher;
}

static void
test_watcher_restart (Fixture       *f,
                      gconstpointer  data)
{
  KithFakeWatcher *watcher;

  /* No watcher: nothing shows the icon, closing the window must quit */
  export_tray (f);
  bus_round_trip (f->app_connection);
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (kith_tray_get_host_available (f->tray));
  g_assert_false (kith_tray_get_registered (f->tray));

  /* A watcher appears (the desktop starts its tray): the item registers */
  watcher = start_watcher (f);

  /* The watcher dies … */
  kith_fake_watcher_free (watcher);
  WAIT_FOR (!kith_tray_get_host_available (f->tray));
  g_assert_false (kith_tray_get_registered (f->tray));

  /* … and comes back: the item registers again */
  watcher = start_watcher (f);
  kith_fake_watcher_free (watcher);

  WAIT_FOR (!kith_tray_get_host_available (f->tray));
}

static void
test_no_host (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr (KithFakeWatcher) watcher = kith_fake_watcher_new (FALSE);

  export_tray (f);

  /* A watcher without a host: registered, yet nobody shows the icon */
  WAIT_FOR (kith_tray_get_registered (f->tray));
  WAIT_FOR (watcher->host_queries > 0);
  g_assert_false (kith_tray_get_host_available (f->tray));

  /* The host starts */
  kith_fake_watcher_set_host (watcher, TRUE);
  WAIT_FOR (kith_tray_get_host_available (f->tray));

  /* … and stops */
  kith_fake_watcher_set_host (watcher, FALSE);
  WAIT_FOR (!kith_tray_get_host_available (f->tray));
  g_assert_true (kith_tray_get_registered (f->tray));
}

static void
test_activate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GVariant) reply = NULL;

  export_tray (f);

  reply = call_tray (f, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Activate",
                     g_variant_new ("(ii)", 10, 20), "()");
  g_assert_cmpuint (f->n_activate, ==, 1);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call_tray (f, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "SecondaryActivate",
                     g_variant_new ("(ii)", 10, 20), "()");
  g_assert_cmpuint (f->n_activate, ==, 2);
  g_clear_pointer (&reply, g_variant_unref);

  /* ContextMenu and Scroll are answered, and do nothing */
  reply = call_tray (f, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ContextMenu",
                     g_variant_new ("(ii)", 10, 20), "()");
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_tray (f, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "Scroll",
                     g_variant_new ("(is)", 1, "vertical"), "()");
  g_assert_cmpuint (f->n_activate, ==, 2);
  g_assert_cmpuint (f->n_exit, ==, 0);
}

static void
test_menu_layout (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) status = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *printed = NULL;
  const char *label_names[] = { "label", NULL };
  guint revision, revision2;
  const char *str;
  int status_id, online_id, busy_id;

  kith_tray_set_signed_in (f->tray, TRUE);
  kith_tray_set_chosen_status (f->tray, "busy");
  export_tray (f);

  layout = get_layout (f, 0, -1, &revision);
  labels = child_labels (layout);
  g_assert_cmpstr (labels, ==, "Open Kith|Status|-|Log out|Exit");

  status = find_item (layout, "Status");
  g_assert_nonnull (status);
  g_clear_pointer (&labels, g_free);
  labels = child_labels (status);
  g_assert_cmpstr (labels, ==, "Online|Busy|Hidden");

  g_assert_cmpint (item_toggle_state (layout, "Online"), ==, 0);
  g_assert_cmpint (item_toggle_state (layout, "Busy"), ==, 1);
  g_assert_cmpint (item_toggle_state (layout, "Hidden"), ==, 0);
  g_assert_true (item_bool (layout, "Status", "visible"));
  g_assert_true (item_bool (layout, "Log out", "visible"));
  g_assert_true (item_bool (layout, "Exit", "enabled"));

  status_id = item_id (layout, "Status");
  online_id = item_id (layout, "Online");
  busy_id = item_id (layout, "Busy");

  /* The user picks Hidden elsewhere: the radio items follow */
  kith_tray_set_chosen_status (f->tray, "hidden");
  WAIT_FOR (count_signals (f, "ItemsPropertiesUpdated") == 1);
  g_clear_pointer (&layout, g_variant_unref);
  layout = get_layout (f, 0, -1, &revision2);
  g_assert_cmpint (item_toggle_state (layout, "Busy"), ==, 0);
  g_assert_cmpint (item_toggle_state (layout, "Hidden"), ==, 1);

  /* Depth and parent */
  g_clear_pointer (&layout, g_variant_unref);
  layout = get_layout (f, 0, 0, &revision2);
  g_clear_pointer (&labels, g_free);
  labels = child_labels (layout);
  g_assert_cmpstr (labels, ==, "");

  g_clear_pointer (&layout, g_variant_unref);
  layout = get_layout (f, status_id, 1, &revision2);
  g_clear_pointer (&labels, g_free);
  labels = child_labels (layout);
  g_assert_cmpstr (labels, ==, "Online|Busy|Hidden");

  /* Group and single properties */
  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "GetGroupProperties",
                     g_variant_new ("(@ai^as)",
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_INT32,
                                                               (gint32[]) { online_id, busy_id },
                                                               2, sizeof (gint32)),
                                    label_names),
                     "(a(ia{sv}))");
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([(3, {'label': <'Online'>}), (4, {'label': <'Busy'>})],)");
  g_clear_pointer (&reply, g_variant_unref);

  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "GetProperty",
                     g_variant_new ("(is)", online_id, "toggle-type"), "(v)");
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "radio");
  g_clear_pointer (&reply, g_variant_unref);

  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "AboutToShow",
                     g_variant_new ("(i)", 0), "(b)");
  g_variant_get (reply, "(b)", NULL);
  g_clear_pointer (&reply, g_variant_unref);

  /* Signed out: no status, no Log out; the host is told to reload */
  kith_tray_set_signed_in (f->tray, FALSE);
  WAIT_FOR (count_signals (f, "LayoutUpdated") == 1);
  g_clear_pointer (&layout, g_variant_unref);
  layout = get_layout (f, 0, -1, &revision2);
  g_assert_cmpuint (revision2, >, revision);
  g_assert_cmpuint (revision2, ==, f->last_layout_revision);
  g_assert_false (item_bool (layout, "Status", "visible"));
  g_assert_false (item_bool (layout, "Log out", "visible"));
  g_assert_true (item_bool (layout, "Open Kith", "visible"));
  g_assert_true (item_bool (layout, "Exit", "visible"));

  g_clear_pointer (&value, g_variant_unref);
  value = get_tray_property (f, NULL, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ToolTip");
  g_variant_get_child (value, 3, "&s", &str);
  g_assert_cmpstr (str, ==, "Signed out");
}

static void
test_menu_errors (Fixture       *f,
                  gconstpointer  data)
{
  const char *no_names[] = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *printed = NULL;

  export_tray (f);

  reply = call_tray_full (f, g_dbus_connection_get_unique_name (f->app_connection),
                          KITH_TRAY_MENU_PATH, MENU_IFACE, "GetLayout",
                          g_variant_new ("(ii^as)", 42, -1, no_names), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_null (reply);
  g_clear_error (&error);

  reply = call_tray_full (f, g_dbus_connection_get_unique_name (f->app_connection),
                          KITH_TRAY_MENU_PATH, MENU_IFACE, "Event",
                          g_variant_new ("(isvu)", -7, "clicked", g_variant_new_int32 (0), 0),
                          NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  reply = call_tray_full (f, g_dbus_connection_get_unique_name (f->app_connection),
                          KITH_TRAY_MENU_PATH, MENU_IFACE, "GetProperty",
                          g_variant_new ("(is)", 1, "no-such-property"), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "AboutToShowGroup",
                     g_variant_new ("(@ai)",
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_INT32,
                                                               (gint32[]) { 0, 99 },
                                                               2, sizeof (gint32))),
                     "(aiai)");
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([], [99])");

  g_assert_cmpuint (f->n_exit + f->n_activate + f->n_log_out, ==, 0);
}

static void
test_menu_events (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *printed = NULL;
  GVariantBuilder events;
  guint revision;
  int open_id, online_id, hidden_id, log_out_id, exit_id;

  kith_tray_set_signed_in (f->tray, TRUE);
  export_tray (f);

  layout = get_layout (f, 0, -1, &revision);
  open_id = item_id (layout, "Open Kith");
  online_id = item_id (layout, "Online");
  hidden_id = item_id (layout, "Hidden");
  log_out_id = item_id (layout, "Log out");
  exit_id = item_id (layout, "Exit");

  send_event (f, open_id, "clicked");
  g_assert_cmpuint (f->n_activate, ==, 1);

  send_event (f, online_id, "clicked");
  g_assert_cmpuint (f->statuses_selected->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->statuses_selected, 0), ==, "online");

  send_event (f, hidden_id, "clicked");
  g_assert_cmpuint (f->statuses_selected->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->statuses_selected, 1), ==, "hidden");
  /* the tray waits for the application to confirm the status */
  g_assert_null (kith_tray_get_chosen_status (f->tray));

  send_event (f, log_out_id, "clicked");
  g_assert_cmpuint (f->n_log_out, ==, 1);

  /* Only "clicked" counts */
  send_event (f, exit_id, "hovered");
  send_event (f, exit_id, "opened");
  g_assert_cmpuint (f->n_exit, ==, 0);

  send_event (f, exit_id, "clicked");
  g_assert_cmpuint (f->n_exit, ==, 1);

  /* EventGroup: known ids are handled, unknown ones reported */
  g_variant_builder_init (&events, G_VARIANT_TYPE ("a(isvu)"));
  g_variant_builder_add (&events, "(isvu)", exit_id, "clicked", g_variant_new_int32 (0), 0);
  g_variant_builder_add (&events, "(isvu)", 99, "clicked", g_variant_new_int32 (0), 0);
  reply = call_tray (f, KITH_TRAY_MENU_PATH, MENU_IFACE, "EventGroup",
                     g_variant_new ("(a(isvu))", &events), "(ai)");
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([99],)");
  g_assert_cmpuint (f->n_exit, ==, 2);

  /* Signed out: Log out and the statuses are hidden and do nothing */
  kith_tray_set_signed_in (f->tray, FALSE);
  send_event (f, log_out_id, "clicked");
  send_event (f, online_id, "clicked");
  g_assert_cmpuint (f->n_log_out, ==, 1);
  g_assert_cmpuint (f->statuses_selected->len, ==, 2);

  send_event (f, exit_id, "clicked");
  g_assert_cmpuint (f->n_exit, ==, 3);
}

static void
test_attention (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GVariant) tooltip = NULL;
  g_autofree char *status = NULL;
  g_autofree char *attention_icon = NULL;
  const char *text;

  kith_tray_set_signed_in (f->tray, TRUE);
  kith_tray_set_presence (f->tray, KITH_SHOWN_PRESENCE_ONLINE);
  export_tray (f);

  kith_tray_set_unread (f->tray, 3);
  WAIT_FOR (f->new_statuses->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->new_statuses, 0), ==, "NeedsAttention");

  status = get_item_string (f, "Status");
  g_assert_cmpstr (status, ==, "NeedsAttention");
  attention_icon = get_item_string (f, "AttentionIconName");
  g_assert_cmpstr (attention_icon, ==, "im.kith.Kith-attention-symbolic");

  tooltip = get_tray_property (f, NULL, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ToolTip");
  g_variant_get_child (tooltip, 2, "&s", &text);
  g_assert_cmpstr (text, ==, "Kith");
  g_variant_get_child (tooltip, 3, "&s", &text);
  g_assert_cmpstr (text, ==, "Online, 3 unread messages");

  /* More unread messages: still the same status, no NewStatus */
  kith_tray_set_unread (f->tray, 4);
  kith_tray_set_unread (f->tray, 0);
  WAIT_FOR (count_signals (f, "NewToolTip") == 3);
  g_assert_cmpuint (f->new_statuses->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->new_statuses, 1), ==, "Active");

  g_clear_pointer (&status, g_free);
  status = get_item_string (f, "Status");
  g_assert_cmpstr (status, ==, "Active");
}

/* A call rings: the item needs attention (as with unread messages, and
 * still while they are), says who calls, and the menu starts with
 * answering and declining; it all goes when the call stops ringing. */
static void
test_call (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) tooltip = NULL;
  g_autofree char *status = NULL;
  g_autofree char *labels = NULL;
  const char *text;
  guint revision;

  kith_tray_set_signed_in (f->tray, TRUE);
  kith_tray_set_presence (f->tray, KITH_SHOWN_PRESENCE_ONLINE);
  export_tray (f);
  layout = get_layout (f, 0, 1, &revision);
  labels = child_labels (layout);
  g_assert_cmpstr (labels, ==, "Open Kith|Status|-|Log out|Exit");

  kith_tray_set_caller (f->tray, "Ada_Lovelace");
  WAIT_FOR (f->new_statuses->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->new_statuses, 0), ==, "NeedsAttention");
  status = get_item_string (f, "Status");
  g_assert_cmpstr (status, ==, "NeedsAttention");
  tooltip = get_tray_property (f, NULL, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ToolTip");
  g_variant_get_child (tooltip, 3, "&s", &text);
  g_assert_cmpstr (text, ==, "Ada_Lovelace is calling");

  WAIT_FOR (f->last_layout_revision > revision);
  g_clear_pointer (&layout, g_variant_unref);
  g_clear_pointer (&labels, g_free);
  layout = get_layout (f, 0, 1, &revision);
  labels = child_labels (layout);
  /* A mnemonic's underscore doubled: the host shows the name as it is. */
  g_assert_cmpstr (labels, ==, "Answer call from Ada__Lovelace|Decline call|-|Open Kith|Status|-|Log out|Exit");

  send_event (f, item_id (layout, "Decline call"), "clicked");
  g_assert_cmpuint (f->n_decline_call, ==, 1);
  send_event (f, item_id (layout, "Answer call from Ada__Lovelace"), "clicked");
  g_assert_cmpuint (f->n_answer_call, ==, 1);
  g_assert_cmpuint (f->n_activate, ==, 0);

  /* Unread messages meanwhile: still one NewStatus. */
  kith_tray_set_unread (f->tray, 2);
  kith_tray_set_caller (f->tray, NULL);
  WAIT_FOR (f->last_layout_revision > revision);
  g_assert_cmpuint (f->new_statuses->len, ==, 1);
  g_clear_pointer (&status, g_free);
  status = get_item_string (f, "Status");
  g_assert_cmpstr (status, ==, "NeedsAttention");
  g_clear_pointer (&layout, g_variant_unref);
  g_clear_pointer (&labels, g_free);
  layout = get_layout (f, 0, 1, &revision);
  labels = child_labels (layout);
  g_assert_cmpstr (labels, ==, "Open Kith|Status|-|Log out|Exit");

  /* The call's items are gone: a click on one (a host's stale menu) does nothing. */
  send_event (f, 9, "clicked");
  g_assert_cmpuint (f->n_answer_call, ==, 1);

  kith_tray_set_unread (f->tray, 0);
  WAIT_FOR (f->new_statuses->len == 2);
  g_assert_cmpstr (g_ptr_array_index (f->new_statuses, 1), ==, "Active");
}

static void
test_presence (Fixture       *f,
               gconstpointer  data)
{
  static const struct {
    KithShownPresence  presence;
    const char        *icon;
    const char        *tooltip;
  } cases[] = {
    { KITH_SHOWN_PRESENCE_ONLINE, "im.kith.Kith-online-symbolic", "Online" },
    { KITH_SHOWN_PRESENCE_BUSY, "im.kith.Kith-busy-symbolic", "Busy" },
    { KITH_SHOWN_PRESENCE_IDLE, "im.kith.Kith-idle-symbolic", "Idle" },
    { KITH_SHOWN_PRESENCE_MOBILE, "im.kith.Kith-mobile-symbolic", "Mobile" },
    { KITH_SHOWN_PRESENCE_HIDDEN, "im.kith.Kith-hidden-symbolic", "Hidden" },
    { KITH_SHOWN_PRESENCE_OFFLINE, "im.kith.Kith-offline-symbolic", "Offline" },
    /* no such presence */
    { (KithShownPresence) 42, "im.kith.Kith-offline-symbolic", "Offline" },
  };

  kith_tray_set_signed_in (f->tray, TRUE);
  export_tray (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GVariant) tooltip = NULL;
    g_autofree char *icon = NULL;
    const char *text;

    kith_tray_set_presence (f->tray, cases[i].presence);
    g_assert_cmpint (kith_tray_get_presence (f->tray), ==, cases[i].presence);
    WAIT_FOR (count_signals (f, "NewIcon") == i + 1);

    icon = get_item_string (f, "IconName");
    g_assert_cmpstr (icon, ==, cases[i].icon);

    tooltip = get_tray_property (f, NULL, KITH_TRAY_ITEM_PATH, ITEM_IFACE, "ToolTip");
    g_variant_get_child (tooltip, 0, "&s", &text);
    g_assert_cmpstr (text, ==, cases[i].icon);
    g_variant_get_child (tooltip, 3, "&s", &text);
    g_assert_cmpstr (text, ==, cases[i].tooltip);
  }

  /* Setting the same again changes nothing */
  kith_tray_set_presence (f->tray, (KithShownPresence) 42);
  bus_round_trip (f->app_connection);
  kith_tray_set_icon_theme_path (f->tray, "/nowhere/icons");
  WAIT_FOR (count_signals (f, "NewIcon") == G_N_ELEMENTS (cases) + 1);
  g_assert_cmpuint (count_signals (f, "NewIconThemePath"), ==, 1);
  /* Hosts hear of changes from the item's own signals only. */
  g_assert_cmpuint (count_signals (f, "PropertiesChanged"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD_TEST ("/tray/register", test_register);
  ADD_TEST ("/tray/watcher-restart", test_watcher_restart);
  ADD_TEST ("/tray/no-host", test_no_host);
  ADD_TEST ("/tray/activate", test_activate);
  ADD_TEST ("/tray/menu/layout", test_menu_layout);
  ADD_TEST ("/tray/menu/errors", test_menu_errors);
  ADD_TEST ("/tray/menu/events", test_menu_events);
  ADD_TEST ("/tray/attention", test_attention);
  ADD_TEST ("/tray/call", test_call);
  ADD_TEST ("/tray/presence", test_presence);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTray"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "kith-tray.h"

#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH  "/StatusNotifierWatcher"
#define WATCHER_IFACE "org.kde.StatusNotifierWatcher"
#define ITEM_IFACE    "org.kde.StatusNotifierItem"
#define MENU_IFACE    "com.canonical.dbusmenu"

#define ICON_PREFIX   APP_ID "-"
#define ATTENTION_ICON APP_ID "-attention-symbolic"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.kde.StatusNotifierItem'>"
  "    <property name='Category' type='s' access='read'/>"
  "    <property name='Id' type='s' access='read'/>"
  "    <property name='Title' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='WindowId' type='i' access='read'/>"
  "    <property name='IconThemePath' type='s' access='read'/>"
  "    <property name='IconName' type='s' access='read'/>"
  "    <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='OverlayIconName' type='s' access='read'/>"
  "    <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionIconName' type='s' access='read'/>"
  "    <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionMovieName' type='s' access='read'/>"
  "    <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "    <property name='ItemIsMenu' type='b' access='read'/>"
  "    <property name='Menu' type='o' access='read'/>"
  "    <method name='ContextMenu'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='Activate'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='SecondaryActivate'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='Scroll'>"
  "      <arg name='delta' type='i' direction='in'/>"
  "      <arg name='orientation' type='s' direction='in'/>"
  "    </method>"
  "    <signal name='NewTitle'/>"
  "    <signal name='NewIcon'/>"
  "    <signal name='NewAttentionIcon'/>"
  "    <signal name='NewOverlayIcon'/>"
  "    <signal name='NewToolTip'/>"
  "    <signal name='NewStatus'>"
  "      <arg name='status' type='s'/>"
  "    </signal>"
  "    <signal name='NewIconThemePath'>"
  "      <arg name='icon_theme_path' type='s'/>"
  "    </signal>"
  "    <signal name='NewMenu'/>"
  "  </interface>"
  "  <interface name='com.canonical.dbusmenu'>"
  "    <property name='Version' type='u' access='read'/>"
  "    <property name='TextDirection' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='IconThemePath' type='as' access='read'/>"
  "    <method name='GetLayout'>"
  "      <arg name='parentId' type='i' direction='in'/>"
  "      <arg name='recursionDepth' type='i' direction='in'/>"
  "      <arg name='propertyNames' type='as' direction='in'/>"
  "      <arg name='revision' type='u' direction='out'/>"
  "      <arg name='layout' type='(ia{sv}av)' direction='out'/>"
  "    </method>"
  "    <method name='GetGroupProperties'>"
  "      <arg name='ids' type='ai' direction='in'/>"
  "      <arg name='propertyNames' type='as' direction='in'/>"
  "      <arg name='properties' type='a(ia{sv})' direction='out'/>"
  "    </method>"
  "    <method name='GetProperty'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='name' type='s' direction='in'/>"
  "      <arg name='value' type='v' direction='out'/>"
  "    </method>"
  "    <method name='Event'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='eventId' type='s' direction='in'/>"
  "      <arg name='data' type='v' direction='in'/>"
  "      <arg name='timestamp' type='u' direction='in'/>"
  "    </method>"
  "    <method name='EventGroup'>"
  "      <arg name='events' type='a(isvu)' direction='in'/>"
  "      <arg name='idErrors' type='ai' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShow'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='needUpdate' type='b' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShowGroup'>"
  "      <arg name='ids' type='ai' direction='in'/>"
  "      <arg name='updatesNeeded' type='ai' direction='out'/>"
  "      <arg name='idErrors' type='ai' direction='out'/>"
  "    </method>"
  "    <signal name='ItemsPropertiesUpdated'>"
  "      <arg name='updatedProps' type='a(ia{sv})'/>"
  "      <arg name='removedProps' type='a(ias)'/>"
  "    </signal>"
  "    <signal name='LayoutUpdated'>"
  "      <arg name='revision' type='u'/>"
  "      <arg name='parent' type='i'/>"
  "    </signal>"
  "    <signal name='ItemActivationRequested'>"
  "      <arg name='id' type='i'/>"
  "      <arg name='timestamp' type='u'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

/* The menu: fixed ids, so that a host may cache them across updates. */
typedef enum {
  MENU_ROOT,
  MENU_OPEN,
  MENU_STATUS,
  MENU_ONLINE,
  MENU_BUSY,
  MENU_HIDDEN,
  MENU_SEPARATOR,
  MENU_LOG_OUT,
  MENU_EXIT,
  N_MENU_ITEMS
} MenuItemId;

typedef struct {
  int         parent;
  const char *label;       /* N_() */
  const char *status;      /* radio items: the chosen status they stand for */
  gboolean    separator;
  gboolean    submenu;
  gboolean    signed_in;   /* shown only while signed in */
} MenuItem;

static const MenuItem menu_items[N_MENU_ITEMS] = {
  [MENU_ROOT]      = { -1,          NULL,            NULL,     FALSE, TRUE,  FALSE },
  [MENU_OPEN]      = { MENU_ROOT,   N_("Open Kith"), NULL,     FALSE, FALSE, FALSE },
  [MENU_STATUS]    = { MENU_ROOT,   N_("Status"),    NULL,     FALSE, TRUE,  TRUE  },
  [MENU_ONLINE]    = { MENU_STATUS, N_("Online"),    "online", FALSE, FALSE, TRUE  },
  [MENU_BUSY]      = { MENU_STATUS, N_("Busy"),      "busy",   FALSE, FALSE, TRUE  },
  [MENU_HIDDEN]    = { MENU_STATUS, N_("Hidden"),    "hidden", FALSE, FALSE, TRUE  },
  [MENU_SEPARATOR] = { MENU_ROOT,   NULL,            NULL,     TRUE,  FALSE, FALSE },
  [MENU_LOG_OUT]   = { MENU_ROOT,   N_("Log out"),   NULL,     FALSE, FALSE, TRUE  },
  [MENU_EXIT]      = { MENU_ROOT,   N_("Exit"),      NULL,     FALSE, FALSE, FALSE },
};

struct _KithTray
{
  GObject          parent_instance;

  GDBusConnection *connection;
  GCancellable    *cancellable;       /* calls to the current watcher */
  char            *bus_name;
  char            *watcher_owner;     /* unique name, while a watcher is on the bus */

  guint            item_registration_id;
  guint            menu_registration_id;
  guint            own_name_id;
  guint            watch_name_id;
  guint            host_registered_sub;
  guint            host_unregistered_sub;

  char            *presence;
  char            *chosen_status;
  char            *icon_theme_path;
  guint            unread;
  guint            menu_revision;

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ACTIVATE,
  STATUS_SELECTED,
  LOG_OUT,
  EXIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GDBusNodeInfo *introspection_data;
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

/* Presence and tooltip */

static const char *
presence_icon_suffix (const char *presence)
{
  static const char * const known[] = {
    "online", "busy", "idle", "mobile", "hidden", "offline",
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++) {
    if (g_strcmp0 (presence, known[i]) == 0)
      return known[i];
  }

  return "offline";
}

static const char *
presence_label (const char *presence)
{
  const char *suffix = presence_icon_suffix (presence);

  if (g_str_equal (suffix, "online"))
    return _("Online");
  if (g_str_equal (suffix, "busy"))
    return _("Busy");
  if (g_str_equal (suffix, "idle"))
    return _("Idle");
  if (g_str_equal (suffix, "mobile"))
    return _("Mobile");
  if (g_str_equal (suffix, "hidden"))
    return _("Hidden");

  return _("Offline");
}

static char *
dup_icon_name (KithTray *self)
{
  return g_strconcat (ICON_PREFIX, presence_icon_suffix (self->presence), "-symbolic", NULL);
}

static const char *
get_status (KithTray *self)
{
  return self->unread > 0 ? "NeedsAttention" : "Active";
}

static char *
dup_tooltip_text (KithTray *self)
{
  g_autofree char *unread = NULL;

  if (!self->signed_in)
    return g_strdup (_("Signed out"));

  if (self->unread == 0)
    return g_strdup (presence_label (self->presence));

  unread = g_strdup_printf (ngettext ("%u unread message", "%u unread messages", self->unread),
                            self->unread);

  /* Translators: the tray icon's tooltip: a status, then "3 unread messages" */
  return g_strdup_printf (_("%s, %s"), presence_label (self->presence), unread);
}

static GVariant *
empty_pixmaps (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
}

static const char *
get_text_direction (void)
{
  /* GTK's own way of saying whether the locale reads right to left */
  if (g_str_equal (g_dgettext ("gtk40", "default:LTR"), "default:RTL"))
    return "rtl";

  return "ltr";
}

/* Signals on the bus */

static void
emit_bus_signal (KithTray   *self,
                 const char *path,
                 const char *iface,
                 const char *name,
                 GVariant   *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) sunk = NULL;

  if (params != NULL)
    sunk = g_variant_ref_sink (params);

  if (!self->exported)
    return;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, path, iface, name,
                                      sunk, &error))
    g_debug ("Could not emit %s.%s: %s", iface, name, error->message);
}

static void
emit_item_signal (KithTray   *self,
                  const char *name,
                  GVariant   *params)
{
  emit_bus_signal (self, KITH_TRAY_ITEM_PATH, ITEM_IFACE, name, params);
}

/* The menu */

static gboolean
menu_item_visible (KithTray   *self,
                   MenuItemId  id)
{
  return !menu_items[id].signed_in || self->signed_in;
}

static gboolean
wants_property (const char * const *names,
                const char         *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

static GVariant *
menu_item_properties (KithTray           *self,
                      MenuItemId          id,
                      const char * const *names)
{
  const MenuItem *item = &menu_items[id];
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

  if (item->separator && wants_property (names, "type"))
    g_variant_builder_add (&builder, "{sv}", "type", g_variant_new_string ("separator"));

  if (item->label != NULL && wants_property (names, "label"))
    g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (_(item->label)));

  if (id != MENU_ROOT && wants_property (names, "enabled"))
    g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (TRUE));

  if (id != MENU_ROOT && wants_property (names, "visible"))
    g_variant_builder_add (&builder, "{sv}", "visible",
                           g_variant_new_boolean (menu_item_visible (self, id)));

  if (item->submenu && wants_property (names, "children-display"))
    g_variant_builder_add (&builder, "{sv}", "children-display", g_variant_new_string ("submenu"));

  if (item->status != NULL) {
    if (wants_property (names, "toggle-type"))
      g_variant_builder_add (&builder, "{sv}", "toggle-type", g_variant_new_string ("radio"));
    if (wants_property (names, "toggle-state"))
      g_variant_builder_add (&builder, "{sv}", "toggle-state",
                             g_variant_new_int32 (g_strcmp0 (self->chosen_status, item->status) == 0));
  }

  return g_variant_builder_end (&builder);
}

static GVariant *
menu_layout (KithTray           *self,
             MenuItemId          id,
             int                 depth,
             const char * const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));

  if (depth != 0) {
    for (int child = 0; child < N_MENU_ITEMS; child++) {
      if (menu_items[child].parent == (int) id)
        g_variant_builder_add (&children, "v",
                               menu_layout (self, child, depth < 0 ? -1 : depth - 1, names));
    }
  }

  return g_variant_new ("(i@a{sv}av)", (gint32) id,
                        menu_item_properties (self, id, names), &children);
}

static void
emit_menu_properties_updated (KithTray         *self,
                              const MenuItemId *ids,
                              guint             n_ids)
{
  GVariantBuilder updated;

  g_variant_builder_init (&updated, G_VARIANT_TYPE ("a(ia{sv})"));
  for (guint i = 0; i < n_ids; i++)
    g_variant_builder_add (&updated, "(i@a{sv})", (gint32) ids[i],
                           menu_item_properties (self, ids[i], NULL));

  emit_bus_signal (self, KITH_TRAY_MENU_PATH, MENU_IFACE, "ItemsPropertiesUpdated",
                   g_variant_new ("(a(ia{sv})a(ias))", &updated, NULL));
}

static void
emit_menu_layout_updated (KithTray *self)
{
  self->menu_revision++;
  emit_bus_signal (self, KITH_TRAY_MENU_PATH, MENU_IFACE, "LayoutUpdated",
                   g_variant_new ("(ui)", self->menu_revision, (gint32) MENU_ROOT));
}

static void
menu_item_clicked (KithTray   *self,
                   MenuItemId  id)
{
  if (!menu_item_visible (self, id))
    return;

  switch (id) {
  case MENU_OPEN:
    g_debug ("Menu: Open Kith");
    g_signal_emit (self, signals[ACTIVATE], 0);
    break;

  case MENU_ONLINE:
  case MENU_BUSY:
  case MENU_HIDDEN:
    g_debug ("Menu: status %s", menu_items[id].status);
    g_signal_emit (self, signals[STATUS_SELECTED], 0, menu_items[id].status);
    break;

  case MENU_LOG_OUT:
    g_debug ("Menu: Log out");
    g_signal_emit (self, signals[LOG_OUT], 0);
    break;

  case MENU_EXIT:
    g_debug ("Menu: Exit");
    g_signal_emit (self, signals[EXIT], 0);
    break;

  case MENU_ROOT:
  case MENU_STATUS:
  case MENU_SEPARATOR:
  case N_MENU_ITEMS:
  default:
    break;
  }
}

static gboolean
is_menu_id (gint32 id)
{
  return id >= 0 && id < N_MENU_ITEMS;
}

static void
return_unknown_id (GDBusMethodInvocation *invocation,
                   gint32                 id)
{
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                         "No menu item with id %d", id);
}

static void
menu_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  g_autoptr (KithTray) self = g_object_ref (KITH_TRAY (user_data));

  if (g_str_equal (method_name, "GetLayout")) {
    g_autofree const char **names = NULL;
    gint32 parent, depth;

    g_variant_get (parameters, "(ii^a&s)", &parent, &depth, &names);
    if (!is_menu_id (parent)) {
      return_unknown_id (invocation, parent);
      return;
    }

    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(u@(ia{sv}av))", self->menu_revision,
                                                          menu_layout (self, parent, depth,
                                                                       names)));
  } else if (g_str_equal (method_name, "GetGroupProperties")) {
    g_autoptr (GVariant) ids = NULL;
    g_autofree const char **names = NULL;
    GVariantBuilder builder;
    gsize n_ids;
    const gint32 *id_array;

    g_variant_get (parameters, "(@ai^a&s)", &ids, &names);
    id_array = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));

    g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ia{sv})"));
    if (n_ids == 0) {
      for (int id = 0; id < N_MENU_ITEMS; id++)
        g_variant_builder_add (&builder, "(i@a{sv})", (gint32) id,
                               menu_item_properties (self, id, names));
    } else {
      for (gsize i = 0; i < n_ids; i++) {
        if (is_menu_id (id_array[i]))
          g_variant_builder_add (&builder, "(i@a{sv})", id_array[i],
                                 menu_item_properties (self, id_array[i], names));
      }
    }

    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &builder));
  } else if (g_str_equal (method_name, "GetProperty")) {
    g_autoptr (GVariant) props = NULL;
    g_autoptr (GVariant) value = NULL;
    const char *name;
    gint32 id;

    g_variant_get (parameters, "(i&s)", &id, &name);
    if (!is_menu_id (id)) {
      return_unknown_id (invocation, id);
      return;
    }

    props = g_variant_ref_sink (menu_item_properties (self, id, NULL));
    value = g_variant_lookup_value (props, name, NULL);
    if (value == NULL) {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "Menu item %d has no property “%s”", id, name);
      return;
    }

    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
  } else if (g_str_equal (method_name, "Event")) {
    const char *event_id;
    gint32 id;

    g_variant_get (parameters, "(i&svu)", &id, &event_id, NULL, NULL);
    if (!is_menu_id (id)) {
      return_unknown_id (invocation, id);
      return;
    }

    /* Answer first: the handler of "exit" may end the process. */
    g_dbus_method_invocation_return_value (invocation, NULL);
    if (g_str_equal (event_id, "clicked"))
      menu_item_clicked (self, id);
  } else if (g_str_equal (method_name, "EventGroup")) {
    g_autoptr (GVariantIter) iter = NULL;
    g_autoptr (GArray) clicked = g_array_new (FALSE, FALSE, sizeof (gint32));
    GVariantBuilder errors;
    const char *event_id;
    gsize n_events, n_errors = 0;
    gint32 id;

    g_variant_get (parameters, "(a(isvu))", &iter);
    n_events = g_variant_iter_n_children (iter);

    g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
    while (g_variant_iter_loop (iter, "(i&svu)", &id, &event_id, NULL, NULL)) {
      if (!is_menu_id (id)) {
        g_variant_builder_add (&errors, "i", id);
        n_errors++;
      } else if (g_str_equal (event_id, "clicked")) {
        g_array_append_val (clicked, id);
      }
    }

    if (n_events > 0 && n_errors == n_events) {
      g_variant_builder_clear (&errors);
      g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                     G_DBUS_ERROR_INVALID_ARGS,
                                                     "No menu item with these ids");
      return;
    }

    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));
    for (guint i = 0; i < clicked->len; i++)
      menu_item_clicked (self, g_array_index (clicked, gint32, i));
  } else if (g_str_equal (method_name, "AboutToShow")) {
    gint32 id;

    g_variant_get (parameters, "(i)", &id);
    if (!is_menu_id (id)) {
      return_unknown_id (invocation, id);
      return;
    }

    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
  } else if (g_str_equal (method_name, "AboutToShowGroup")) {
    g_autoptr (GVariant) ids = NULL;
    GVariantBuilder errors;
    gsize n_ids;
    const gint32 *id_array;

    g_variant_get (parameters, "(@ai)", &ids);
    id_array = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));

    g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
    for (gsize i = 0; i < n_ids; i++) {
      if (!is_menu_id (id_array[i]))
        g_variant_builder_add (&errors, "i", id_array[i]);
    }

    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(@aiai)",
                                                          g_variant_new_array (G_VARIANT_TYPE_INT32,
                                                                               NULL, 0),
                                                          &errors));
  } else {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "Unknown method %s", method_name);
  }
}

static GVariant *
menu_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  if (g_str_equal (property_name, "Version"))
    return g_variant_new_uint32 (3);

  if (g_str_equal (property_name, "TextDirection"))
    return g_variant_new_string (get_text_direction ());

  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string ("normal");

  if (g_str_equal (property_name, "IconThemePath")) {
    const char *paths[] = { self->icon_theme_path, NULL };

    return g_variant_new_strv (paths, self->icon_theme_path != NULL ? 1 : 0);
  }

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               "Unknown property %s", property_name);
  return NULL;
}

static const GDBusInterfaceVTable menu_vtable = {
  menu_method_call,
  menu_get_property,
  NULL,
  { 0 }
};

/* The item */

static void
item_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  g_autoptr (KithTray) self = g_object_ref (KITH_TRAY (user_data));

  g_dbus_method_invocation_return_value (invocation, NULL);

  if (g_str_equal (method_name, "Activate") ||
      g_str_equal (method_name, "SecondaryActivate")) {
    g_debug ("%s from %s", method_name, sender);
    g_signal_emit (self, signals[ACTIVATE], 0);
  }

  /* ContextMenu: hosts show our Menu themselves; Scroll: nothing to do */
}

static GVariant *
item_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  KithTray *self = KITH_TRAY (user_data);

  if (g_str_equal (property_name, "Category"))
    return g_variant_new_string ("Communications");

  if (g_str_equal (property_name, "Id"))
    return g_variant_new_string (APP_ID);

  if (g_str_equal (property_name, "Title"))
    return g_variant_new_string ("Kith");

  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string (get_status (self));

  if (g_str_equal (property_name, "WindowId"))
    return g_variant_new_int32 (0);

  if (g_str_equal (property_name, "IconThemePath"))
    return g_variant_new_string (self->icon_theme_path != NULL ? self->icon_theme_path : "");

  if (g_str_equal (property_name, "IconName"))
    return g_variant_new_take_string (dup_icon_name (self));

  if (g_str_equal (property_name, "AttentionIconName"))
    return g_variant_new_string (ATTENTION_ICON);

  if (g_str_equal (property_name, "OverlayIconName") ||
      g_str_equal (property_name, "AttentionMovieName"))
    return g_variant_new_string ("");

  if (g_str_equal (property_name, "IconPixmap") ||
      g_str_equal (property_name, "OverlayIconPixmap") ||
      g_str_equal (property_name, "AttentionIconPixmap"))
    return empty_pixmaps ();

  if (g_str_equal (property_name, "ToolTip")) {
    g_autofree char *icon_name = dup_icon_name (self);
    g_autofree char *text = dup_tooltip_text (self);

    return g_variant_new ("(s@a(iiay)ss)", icon_name, empty_pixmaps (), "Kith", text);
  }

  if (g_str_equal (property_name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);

  if (g_str_equal (property_name, "Menu"))
    return g_variant_new_object_path (KITH_TRAY_MENU_PATH);

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               "Unknown property %s", property_name);
  return NULL;
}

static const GDBusInterfaceVTable item_vtable = {
  item_method_call,
  item_get_property,
  NULL,
  { 0 }
};

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
    g_value_set_string (value, self->presence);
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
    kith_tray_set_presence (self, g_value_get_string (value));
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
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (kith_tray_parent_class)->dispose (object);
}

static void
kith_tray_finalize (GObject *object)
{
  KithTray *self = KITH_TRAY (object);

  g_free (self->bus_name);
  g_free (self->watcher_owner);
  g_free (self->presence);
  g_free (self->chosen_status);
  g_free (self->icon_theme_path);

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
   * The user's presence as contacts see it: online, busy, idle, mobile,
   * hidden or offline. Picks the icon and the tooltip.
   */
  properties[PROP_PRESENCE] =
    g_param_spec_string ("presence", NULL, NULL,
                         "offline",
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

  introspection_data = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (introspection_data != NULL);
}

static void
kith_tray_init (KithTray *self)
{
  self->presence = g_strdup ("offline");
  self->cancellable = g_cancellable_new ();
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
  GDBusInterfaceInfo *item_info, *menu_info;

  g_return_val_if_fail (KITH_IS_TRAY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->exported)
    return TRUE;

  item_info = g_dbus_node_info_lookup_interface (introspection_data, ITEM_IFACE);
  menu_info = g_dbus_node_info_lookup_interface (introspection_data, MENU_IFACE);

  self->item_registration_id =
    g_dbus_connection_register_object (self->connection, KITH_TRAY_ITEM_PATH, item_info,
                                       &item_vtable, self, NULL, error);
  if (self->item_registration_id == 0)
    return FALSE;

  self->menu_registration_id =
    g_dbus_connection_register_object (self->connection, KITH_TRAY_MENU_PATH, menu_info,
                                       &menu_vtable, self, NULL, error);
  if (self->menu_registration_id == 0) {
    g_dbus_connection_unregister_object (self->connection, self->item_registration_id);
    self->item_registration_id = 0;
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

  if (self->item_registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->item_registration_id);
  if (self->menu_registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->menu_registration_id);
  self->item_registration_id = 0;
  self->menu_registration_id = 0;

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

const char *
kith_tray_get_presence (KithTray *self)
{
  g_return_val_if_fail (KITH_IS_TRAY (self), NULL);

  return self->presence;
}

void
kith_tray_set_presence (KithTray   *self,
                        const char *presence)
{
  g_return_if_fail (KITH_IS_TRAY (self));

  if (presence == NULL)
    presence = "offline";

  if (!set_str (&self->presence, presence))
    return;

  emit_item_signal (self, "NewIcon", NULL);
  emit_item_signal (self, "NewToolTip", NULL);
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
  gboolean attention_changed;

  g_return_if_fail (KITH_IS_TRAY (self));

  if (self->unread == unread)
    return;

  attention_changed = (self->unread > 0) != (unread > 0);
  self->unread = unread;

  if (attention_changed)
    emit_item_signal (self, "NewStatus", g_variant_new ("(s)", get_status (self)));
  emit_item_signal (self, "NewToolTip", NULL);
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
  static const MenuItemId changed[] = { MENU_STATUS, MENU_LOG_OUT };

  g_return_if_fail (KITH_IS_TRAY (self));

  signed_in = !!signed_in;
  if (self->signed_in == signed_in)
    return;

  self->signed_in = signed_in;

  emit_menu_properties_updated (self, changed, G_N_ELEMENTS (changed));
  emit_menu_layout_updated (self);
  emit_item_signal (self, "NewToolTip", NULL);
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
  static const MenuItemId changed[] = { MENU_ONLINE, MENU_BUSY, MENU_HIDDEN };

  g_return_if_fail (KITH_IS_TRAY (self));

  if (!set_str (&self->chosen_status, chosen_status))
    return;

  emit_menu_properties_updated (self, changed, G_N_ELEMENTS (changed));
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

  emit_item_signal (self, "NewIconThemePath",
                    g_variant_new ("(s)", icon_theme_path != NULL ? icon_theme_path : ""));
  emit_item_signal (self, "NewIcon", NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_THEME_PATH]);
}

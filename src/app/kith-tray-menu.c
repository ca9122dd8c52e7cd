/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTrayMenu"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-dbus-menu.h"
#include "kith-tray-menu.h"

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
  MENU_ANSWER_CALL,
  MENU_DECLINE_CALL,
  MENU_CALL_SEPARATOR,
  N_MENU_ITEMS
} MenuItemId;

typedef struct {
  int         parent;
  const char *label;       /* N_() */
  const char *status;      /* radio items: the chosen status they stand for */
  gboolean    separator;
  gboolean    submenu;
  gboolean    signed_in;   /* shown only while signed in */
  gboolean    call;        /* shown only while a call rings, above the rest */
} MenuItem;

static const MenuItem menu_items[N_MENU_ITEMS] = {
  [MENU_ROOT]           = { -1,          NULL,               NULL,     FALSE, TRUE,  FALSE, FALSE },
  [MENU_OPEN]           = { MENU_ROOT,   N_("Open Kith"),    NULL,     FALSE, FALSE, FALSE, FALSE },
  [MENU_STATUS]         = { MENU_ROOT,   N_("Status"),       NULL,     FALSE, TRUE,  TRUE,  FALSE },
  [MENU_ONLINE]         = { MENU_STATUS, N_("Online"),       "online", FALSE, FALSE, TRUE,  FALSE },
  [MENU_BUSY]           = { MENU_STATUS, N_("Busy"),         "busy",   FALSE, FALSE, TRUE,  FALSE },
  [MENU_HIDDEN]         = { MENU_STATUS, N_("Hidden"),       "hidden", FALSE, FALSE, TRUE,  FALSE },
  [MENU_SEPARATOR]      = { MENU_ROOT,   NULL,               NULL,     TRUE,  FALSE, FALSE, FALSE },
  [MENU_LOG_OUT]        = { MENU_ROOT,   N_("Log out"),      NULL,     FALSE, FALSE, TRUE,  FALSE },
  [MENU_EXIT]           = { MENU_ROOT,   N_("Exit"),         NULL,     FALSE, FALSE, FALSE, FALSE },
  /* While a call rings, first in the menu; the label says who calls. */
  [MENU_ANSWER_CALL]    = { MENU_ROOT,   NULL,               NULL,     FALSE, FALSE, TRUE,  TRUE  },
  [MENU_DECLINE_CALL]   = { MENU_ROOT,   N_("Decline call"), NULL,     FALSE, FALSE, TRUE,  TRUE  },
  [MENU_CALL_SEPARATOR] = { MENU_ROOT,   NULL,               NULL,     TRUE,  FALSE, TRUE,  TRUE  },
};

struct _KithTrayMenu
{
  GObject       parent_instance;

  KithDBusMenu *skeleton;
  char         *chosen_status;
  char         *caller;        /* a call rings: who calls */
  guint         revision;
  gboolean      signed_in;
};

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

G_DEFINE_FINAL_TYPE (KithTrayMenu, kith_tray_menu, G_TYPE_OBJECT)

static const char *
get_text_direction (void)
{
  /* GTK's own way of saying whether the locale reads right to left */
  if (g_str_equal (g_dgettext ("gtk40", "default:LTR"), "default:RTL"))
    return "rtl";

  return "ltr";
}

static gboolean
is_menu_id (gint32 id)
{
  return id >= 0 && id < N_MENU_ITEMS;
}

static gboolean
item_visible (KithTrayMenu *self,
              MenuItemId    id)
{
  if (menu_items[id].call && self->caller == NULL)
    return FALSE;
  return !menu_items[id].signed_in || self->signed_in;
}

/* "Answer call from NAME", the name's underscores kept from being read as
 * mnemonics. */
static char *
dup_answer_label (KithTrayMenu *self)
{
  g_auto (GStrv) parts = g_strsplit (self->caller != NULL ? self->caller : "", "_", -1);
  g_autofree char *name = g_strjoinv ("__", parts);

  /* Translators: the tray menu's first item while a call rings; %s is the caller */
  return g_strdup_printf (_("Answer call from %s"), name);
}

static gboolean
wants_property (const char * const *names,
                const char         *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

static GVariant *
item_properties (KithTrayMenu       *self,
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
  if (id == MENU_ANSWER_CALL && wants_property (names, "label"))
    g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_take_string (dup_answer_label (self)));

  if (id != MENU_ROOT && wants_property (names, "enabled"))
    g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (TRUE));

  if (id != MENU_ROOT && wants_property (names, "visible"))
    g_variant_builder_add (&builder, "{sv}", "visible",
                           g_variant_new_boolean (item_visible (self, id)));

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
layout (KithTrayMenu       *self,
        MenuItemId          id,
        int                 depth,
        const char * const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));

  /* The call's items first, and only while it rings; then the others. */
  if (depth != 0) {
    for (int pass = 0; pass < 2; pass++) {
      for (int child = 0; child < N_MENU_ITEMS; child++) {
        if (menu_items[child].parent != (int) id || menu_items[child].call != (pass == 0))
          continue;
        if (menu_items[child].call && !item_visible (self, child))
          continue;
        g_variant_builder_add (&children, "v",
                               layout (self, child, depth < 0 ? -1 : depth - 1, names));
      }
    }
  }

  return g_variant_new ("(i@a{sv}av)", (gint32) id, item_properties (self, id, names), &children);
}

static void
emit_properties_updated (KithTrayMenu     *self,
                         const MenuItemId *ids,
                         guint             n_ids)
{
  GVariantBuilder updated;

  g_variant_builder_init (&updated, G_VARIANT_TYPE ("a(ia{sv})"));
  for (guint i = 0; i < n_ids; i++)
    g_variant_builder_add (&updated, "(i@a{sv})", (gint32) ids[i],
                           item_properties (self, ids[i], NULL));

  kith_dbus_menu_emit_items_properties_updated (self->skeleton,
                                                g_variant_builder_end (&updated),
                                                g_variant_new_array (G_VARIANT_TYPE ("(ias)"), NULL, 0));
}

static void
emit_layout_updated (KithTrayMenu *self)
{
  self->revision++;
  kith_dbus_menu_emit_layout_updated (self->skeleton, self->revision, MENU_ROOT);
}

static void
item_clicked (KithTrayMenu *self,
              MenuItemId    id)
{
  if (!item_visible (self, id))
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

  case MENU_ANSWER_CALL:
    g_debug ("Menu: Answer call");
    g_signal_emit (self, signals[ANSWER_CALL], 0);
    break;

  case MENU_DECLINE_CALL:
    g_debug ("Menu: Decline call");
    g_signal_emit (self, signals[DECLINE_CALL], 0);
    break;

  case MENU_ROOT:
  case MENU_STATUS:
  case MENU_SEPARATOR:
  case MENU_CALL_SEPARATOR:
  case N_MENU_ITEMS:
  default:
    break;
  }
}

static gboolean
return_unknown_id (GDBusMethodInvocation *invocation,
                   gint32                 id)
{
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                         "No menu item with id %d", id);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The methods: each a handle-… signal of the skeleton. */

static gboolean
on_get_layout (KithTrayMenu          *self,
               GDBusMethodInvocation *invocation,
               gint32                 parent,
               gint32                 depth,
               const char * const    *names)
{
  if (!is_menu_id (parent))
    return return_unknown_id (invocation, parent);

  kith_dbus_menu_complete_get_layout (self->skeleton, invocation, self->revision,
                                      layout (self, parent, depth, names));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_group_properties (KithTrayMenu          *self,
                         GDBusMethodInvocation *invocation,
                         GVariant              *ids,
                         const char * const    *names)
{
  GVariantBuilder builder;
  gsize n_ids;
  const gint32 *id_array = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ia{sv})"));
  if (n_ids == 0) {
    for (int id = 0; id < N_MENU_ITEMS; id++)
      g_variant_builder_add (&builder, "(i@a{sv})", (gint32) id, item_properties (self, id, names));
  } else {
    for (gsize i = 0; i < n_ids; i++) {
      if (is_menu_id (id_array[i]))
        g_variant_builder_add (&builder, "(i@a{sv})", id_array[i],
                               item_properties (self, id_array[i], names));
    }
  }

  kith_dbus_menu_complete_get_group_properties (self->skeleton, invocation,
                                                g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_get_property (KithTrayMenu          *self,
                 GDBusMethodInvocation *invocation,
                 gint32                 id,
                 const char            *name)
{
  g_autoptr (GVariant) props = NULL;
  g_autoptr (GVariant) value = NULL;

  if (!is_menu_id (id))
    return return_unknown_id (invocation, id);

  props = g_variant_ref_sink (item_properties (self, id, NULL));
  value = g_variant_lookup_value (props, name, NULL);
  if (value == NULL) {
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                           "Menu item %d has no property “%s”", id, name);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }

  kith_dbus_menu_complete_get_property (self->skeleton, invocation, g_variant_new_variant (value));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_event (KithTrayMenu          *self,
          GDBusMethodInvocation *invocation,
          gint32                 id,
          const char            *event_id,
          GVariant              *data,
          guint32                timestamp)
{
  g_autoptr (KithTrayMenu) hold = g_object_ref (self);

  if (!is_menu_id (id))
    return return_unknown_id (invocation, id);

  /* Answer first: the handler of "exit" may end the process. */
  kith_dbus_menu_complete_event (self->skeleton, invocation);
  if (g_str_equal (event_id, "clicked"))
    item_clicked (self, id);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_event_group (KithTrayMenu          *self,
                GDBusMethodInvocation *invocation,
                GVariant              *events)
{
  g_autoptr (KithTrayMenu) hold = g_object_ref (self);
  g_autoptr (GArray) clicked = g_array_new (FALSE, FALSE, sizeof (gint32));
  GVariantBuilder errors;
  GVariantIter iter;
  const char *event_id;
  gsize n_events, n_errors = 0;
  gint32 id;

  n_events = g_variant_iter_init (&iter, events);
  g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
  while (g_variant_iter_loop (&iter, "(i&svu)", &id, &event_id, NULL, NULL)) {
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
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }

  kith_dbus_menu_complete_event_group (self->skeleton, invocation, g_variant_builder_end (&errors));
  for (guint i = 0; i < clicked->len; i++)
    item_clicked (self, g_array_index (clicked, gint32, i));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_about_to_show (KithTrayMenu          *self,
                  GDBusMethodInvocation *invocation,
                  gint32                 id)
{
  if (!is_menu_id (id))
    return return_unknown_id (invocation, id);

  kith_dbus_menu_complete_about_to_show (self->skeleton, invocation, FALSE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_about_to_show_group (KithTrayMenu          *self,
                        GDBusMethodInvocation *invocation,
                        GVariant              *ids)
{
  GVariantBuilder errors;
  gsize n_ids;
  const gint32 *id_array = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));

  g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
  for (gsize i = 0; i < n_ids; i++) {
    if (!is_menu_id (id_array[i]))
      g_variant_builder_add (&errors, "i", id_array[i]);
  }

  kith_dbus_menu_complete_about_to_show_group (self->skeleton, invocation,
                                               g_variant_new_array (G_VARIANT_TYPE_INT32, NULL, 0),
                                               g_variant_builder_end (&errors));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
kith_tray_menu_dispose (GObject *object)
{
  KithTrayMenu *self = KITH_TRAY_MENU (object);

  if (self->skeleton != NULL) {
    kith_tray_menu_unexport (self);
    g_signal_handlers_disconnect_by_data (self->skeleton, self);
  }
  g_clear_object (&self->skeleton);

  G_OBJECT_CLASS (kith_tray_menu_parent_class)->dispose (object);
}

static void
kith_tray_menu_finalize (GObject *object)
{
  KithTrayMenu *self = KITH_TRAY_MENU (object);

  g_free (self->chosen_status);
  g_free (self->caller);

  G_OBJECT_CLASS (kith_tray_menu_parent_class)->finalize (object);
}

static void
kith_tray_menu_class_init (KithTrayMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kith_tray_menu_dispose;
  object_class->finalize = kith_tray_menu_finalize;

  signals[ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STATUS_SELECTED] =
    g_signal_new ("status-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[LOG_OUT] =
    g_signal_new ("log-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[EXIT] =
    g_signal_new ("exit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[ANSWER_CALL] =
    g_signal_new ("answer-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DECLINE_CALL] =
    g_signal_new ("decline-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kith_tray_menu_init (KithTrayMenu *self)
{
  const char *no_paths[] = { NULL };

  self->skeleton = kith_dbus_menu_skeleton_new ();
  kith_dbus_menu_set_version (self->skeleton, 3);
  kith_dbus_menu_set_text_direction (self->skeleton, get_text_direction ());
  kith_dbus_menu_set_status (self->skeleton, "normal");
  kith_dbus_menu_set_icon_theme_path (self->skeleton, no_paths);

  g_signal_connect_swapped (self->skeleton, "handle-get-layout", G_CALLBACK (on_get_layout), self);
  g_signal_connect_swapped (self->skeleton, "handle-get-group-properties",
                            G_CALLBACK (on_get_group_properties), self);
  g_signal_connect_swapped (self->skeleton, "handle-get-property", G_CALLBACK (on_get_property), self);
  g_signal_connect_swapped (self->skeleton, "handle-event", G_CALLBACK (on_event), self);
  g_signal_connect_swapped (self->skeleton, "handle-event-group", G_CALLBACK (on_event_group), self);
  g_signal_connect_swapped (self->skeleton, "handle-about-to-show", G_CALLBACK (on_about_to_show), self);
  g_signal_connect_swapped (self->skeleton, "handle-about-to-show-group",
                            G_CALLBACK (on_about_to_show_group), self);
}

KithTrayMenu *
kith_tray_menu_new (void)
{
  return g_object_new (KITH_TYPE_TRAY_MENU, NULL);
}

gboolean
kith_tray_menu_export (KithTrayMenu     *self,
                       GDBusConnection  *connection,
                       GError          **error)
{
  g_return_val_if_fail (KITH_IS_TRAY_MENU (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                           KITH_TRAY_MENU_PATH, error);
}

void
kith_tray_menu_unexport (KithTrayMenu *self)
{
  g_return_if_fail (KITH_IS_TRAY_MENU (self));

  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}

void
kith_tray_menu_set_signed_in (KithTrayMenu *self,
                              gboolean      signed_in)
{
  static const MenuItemId changed[] = { MENU_STATUS, MENU_LOG_OUT };

  g_return_if_fail (KITH_IS_TRAY_MENU (self));

  signed_in = !!signed_in;
  if (self->signed_in == signed_in)
    return;

  self->signed_in = signed_in;
  emit_properties_updated (self, changed, G_N_ELEMENTS (changed));
  emit_layout_updated (self);
}

void
kith_tray_menu_set_chosen_status (KithTrayMenu *self,
                                  const char   *chosen_status)
{
  static const MenuItemId changed[] = { MENU_ONLINE, MENU_BUSY, MENU_HIDDEN };

  g_return_if_fail (KITH_IS_TRAY_MENU (self));

  if (g_strcmp0 (self->chosen_status, chosen_status) == 0)
    return;

  g_free (self->chosen_status);
  self->chosen_status = g_strdup (chosen_status);

  emit_properties_updated (self, changed, G_N_ELEMENTS (changed));
}

void
kith_tray_menu_set_caller (KithTrayMenu *self,
                           const char   *caller)
{
  static const MenuItemId changed[] = { MENU_ANSWER_CALL, MENU_DECLINE_CALL, MENU_CALL_SEPARATOR };

  g_return_if_fail (KITH_IS_TRAY_MENU (self));

  if (g_strcmp0 (self->caller, caller) == 0)
    return;

  g_free (self->caller);
  self->caller = g_strdup (caller);
  emit_properties_updated (self, changed, G_N_ELEMENTS (changed));
  emit_layout_updated (self);
}

void
kith_tray_menu_set_icon_theme_path (KithTrayMenu *self,
                                    const char   *icon_theme_path)
{
  const char *paths[] = { icon_theme_path, NULL };

  g_return_if_fail (KITH_IS_TRAY_MENU (self));

  kith_dbus_menu_set_icon_theme_path (self->skeleton, paths);
}

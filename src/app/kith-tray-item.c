/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTrayItem"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-dbus-status-notifier-item.h"
#include "kith-tray-item.h"
#include "kith-tray-menu.h"

#define ATTENTION_ICON APP_ID "-attention-symbolic"

struct _KithTrayItem
{
  GObject                     parent_instance;

  KithDBusStatusNotifierItem *skeleton;
  KithShownPresence           presence;
  guint                       unread;
  gboolean                    signed_in;
  char                       *caller;      /* a call rings: who calls */
};

enum {
  ACTIVATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithTrayItem, kith_tray_item, G_TYPE_OBJECT)

static GVariant *
empty_pixmaps (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
}

static const char *
get_status (KithTrayItem *self)
{
  return self->unread > 0 || self->caller != NULL ? "NeedsAttention" : "Active";
}

static char *
dup_tooltip_text (KithTrayItem *self)
{
  const char *label = kith_shown_presence_get_label (self->presence);
  g_autofree char *unread = NULL;

  if (!self->signed_in)
    return g_strdup (_("Signed out"));

  /* Translators: the tray icon's tooltip while a call rings; %s is the caller */
  if (self->caller != NULL)
    return g_strdup_printf (_("%s is calling"), self->caller);

  if (self->unread == 0)
    return g_strdup (label);

  unread = g_strdup_printf (ngettext ("%u unread message", "%u unread messages", self->unread),
                            self->unread);

  /* Translators: the tray icon's tooltip: a status, then "3 unread messages" */
  return g_strdup_printf (_("%s, %s"), label, unread);
}

/* The properties that follow the state (hosts read them after a New…). */
static void
update_properties (KithTrayItem *self)
{
  const char *icon_name = kith_shown_presence_get_icon_name (self->presence);
  g_autofree char *text = dup_tooltip_text (self);

  kith_dbus_status_notifier_item_set_status (self->skeleton, get_status (self));
  kith_dbus_status_notifier_item_set_icon_name (self->skeleton, icon_name);
  kith_dbus_status_notifier_item_set_tool_tip (self->skeleton,
                                               g_variant_new ("(s@a(iiay)ss)", icon_name,
                                                              empty_pixmaps (), "Kith", text));
}

static gboolean
on_activate (KithTrayItem          *self,
             GDBusMethodInvocation *invocation,
             int                    x,
             int                    y)
{
  g_autoptr (KithTrayItem) hold = g_object_ref (self);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);

  g_debug ("%s from %s", method, g_dbus_method_invocation_get_sender (invocation));
  /* Activate and SecondaryActivate reply with nothing */
  g_dbus_method_invocation_return_value (invocation, NULL);
  g_signal_emit (self, signals[ACTIVATE], 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ContextMenu: hosts show our Menu themselves; Scroll: nothing to do */
static gboolean
on_ignored_method (KithTrayItem          *self,
                   GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
kith_tray_item_dispose (GObject *object)
{
  KithTrayItem *self = KITH_TRAY_ITEM (object);

  if (self->skeleton != NULL) {
    kith_tray_item_unexport (self);
    g_signal_handlers_disconnect_by_data (self->skeleton, self);
  }
  g_clear_object (&self->skeleton);
  g_clear_pointer (&self->caller, g_free);

  G_OBJECT_CLASS (kith_tray_item_parent_class)->dispose (object);
}

static void
kith_tray_item_class_init (KithTrayItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kith_tray_item_dispose;

  signals[ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kith_tray_item_init (KithTrayItem *self)
{
  KithDBusStatusNotifierItem *item;

  self->presence = KITH_SHOWN_PRESENCE_OFFLINE;
  self->skeleton = item = kith_dbus_status_notifier_item_skeleton_new ();

  kith_dbus_status_notifier_item_set_category (item, "Communications");
  kith_dbus_status_notifier_item_set_id (item, APP_ID);
  kith_dbus_status_notifier_item_set_title (item, "Kith");
  kith_dbus_status_notifier_item_set_window_id (item, 0);
  kith_dbus_status_notifier_item_set_icon_theme_path (item, "");
  kith_dbus_status_notifier_item_set_icon_pixmap (item, empty_pixmaps ());
  kith_dbus_status_notifier_item_set_overlay_icon_name (item, "");
  kith_dbus_status_notifier_item_set_overlay_icon_pixmap (item, empty_pixmaps ());
  kith_dbus_status_notifier_item_set_attention_icon_name (item, ATTENTION_ICON);
  kith_dbus_status_notifier_item_set_attention_icon_pixmap (item, empty_pixmaps ());
  kith_dbus_status_notifier_item_set_attention_movie_name (item, "");
  kith_dbus_status_notifier_item_set_item_is_menu (item, FALSE);
  kith_dbus_status_notifier_item_set_menu (item, KITH_TRAY_MENU_PATH);
  update_properties (self);

  g_signal_connect_swapped (item, "handle-activate", G_CALLBACK (on_activate), self);
  g_signal_connect_swapped (item, "handle-secondary-activate", G_CALLBACK (on_activate), self);
  g_signal_connect_swapped (item, "handle-context-menu", G_CALLBACK (on_ignored_method), self);
  g_signal_connect_swapped (item, "handle-scroll", G_CALLBACK (on_ignored_method), self);
}

KithTrayItem *
kith_tray_item_new (void)
{
  return g_object_new (KITH_TYPE_TRAY_ITEM, NULL);
}

gboolean
kith_tray_item_export (KithTrayItem     *self,
                       GDBusConnection  *connection,
                       GError          **error)
{
  g_return_val_if_fail (KITH_IS_TRAY_ITEM (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                           KITH_TRAY_ITEM_PATH, error);
}

void
kith_tray_item_unexport (KithTrayItem *self)
{
  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}

void
kith_tray_item_set_presence (KithTrayItem      *self,
                             KithShownPresence  presence)
{
  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  if (self->presence == presence)
    return;

  self->presence = presence;
  update_properties (self);
  kith_dbus_status_notifier_item_emit_new_icon (self->skeleton);
  kith_dbus_status_notifier_item_emit_new_tool_tip (self->skeleton);
}

void
kith_tray_item_set_unread (KithTrayItem *self,
                           guint         unread)
{
  gboolean attention_changed;

  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  if (self->unread == unread)
    return;

  attention_changed = (self->unread > 0) != (unread > 0) && self->caller == NULL;
  self->unread = unread;
  update_properties (self);

  if (attention_changed)
    kith_dbus_status_notifier_item_emit_new_status (self->skeleton, get_status (self));
  kith_dbus_status_notifier_item_emit_new_tool_tip (self->skeleton);
}

void
kith_tray_item_set_caller (KithTrayItem *self,
                           const char   *caller)
{
  gboolean attention_changed;

  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  if (g_strcmp0 (self->caller, caller) == 0)
    return;

  attention_changed = (self->caller != NULL) != (caller != NULL) && self->unread == 0;
  g_free (self->caller);
  self->caller = g_strdup (caller);
  update_properties (self);

  if (attention_changed)
    kith_dbus_status_notifier_item_emit_new_status (self->skeleton, get_status (self));
  kith_dbus_status_notifier_item_emit_new_tool_tip (self->skeleton);
}

void
kith_tray_item_set_signed_in (KithTrayItem *self,
                              gboolean      signed_in)
{
  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  signed_in = !!signed_in;
  if (self->signed_in == signed_in)
    return;

  self->signed_in = signed_in;
  update_properties (self);
  kith_dbus_status_notifier_item_emit_new_tool_tip (self->skeleton);
}

void
kith_tray_item_set_icon_theme_path (KithTrayItem *self,
                                    const char   *icon_theme_path)
{
  g_return_if_fail (KITH_IS_TRAY_ITEM (self));

  if (icon_theme_path == NULL)
    icon_theme_path = "";
  kith_dbus_status_notifier_item_set_icon_theme_path (self->skeleton, icon_theme_path);
  kith_dbus_status_notifier_item_emit_new_icon_theme_path (self->skeleton, icon_theme_path);
  kith_dbus_status_notifier_item_emit_new_icon (self->skeleton);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-shown-presence.h"

G_BEGIN_DECLS

#define KITH_TRAY_ITEM_PATH "/StatusNotifierItem"

#define KITH_TYPE_TRAY_ITEM (kith_tray_item_get_type ())

G_DECLARE_FINAL_TYPE (KithTrayItem, kith_tray_item, KITH, TRAY_ITEM, GObject)

/*
 * The tray icon itself: org.kde.StatusNotifierItem (the skeleton
 * gdbus-codegen makes of dbus/org.kde.StatusNotifierItem.xml) at
 * /StatusNotifierItem. Its icon, tooltip and status follow what it is
 * told; it announces changes with the New* signals. KithTray owns it,
 * exports it and forwards :activate (a click on the icon).
 */
KithTrayItem *kith_tray_item_new                 (void);
gboolean      kith_tray_item_export              (KithTrayItem      *self,
                                                  GDBusConnection   *connection,
                                                  GError           **error);
void          kith_tray_item_unexport            (KithTrayItem      *self);
void          kith_tray_item_set_presence        (KithTrayItem      *self,
                                                  KithShownPresence  presence);
void          kith_tray_item_set_unread          (KithTrayItem      *self,
                                                  guint              unread);
/* A call rings from @caller (a name), or none (NULL): the item needs
 * attention while it rings, as while messages are unread. */
void          kith_tray_item_set_caller          (KithTrayItem      *self,
                                                  const char        *caller);
void          kith_tray_item_set_signed_in       (KithTrayItem      *self,
                                                  gboolean           signed_in);
void          kith_tray_item_set_icon_theme_path (KithTrayItem      *self,
                                                  const char        *icon_theme_path);

G_END_DECLS

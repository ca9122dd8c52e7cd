/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-shown-presence.h"
#include "kith-tray-item.h"
#include "kith-tray-menu.h"

G_BEGIN_DECLS

/*
 * KithTray: Kith's icon in the system tray.
 *
 * It owns the two objects on the bus, KithTrayItem (the
 * org.kde.StatusNotifierItem at /StatusNotifierItem) and KithTrayMenu (its
 * com.canonical.dbusmenu at /MenuBar), both gdbus-codegen skeletons of the
 * XML in src/app/dbus; it owns the bus name
 * org.kde.StatusNotifierItem-PID-N and registers it with
 * org.kde.StatusNotifierWatcher whenever a watcher is on the bus, again each
 * time the watcher restarts.
 *
 * No widgets here: the application binds the properties (presence, unread,
 * signed-in, chosen-status, caller) and answers the signals (activate,
 * status-selected, log-out, exit, answer-call, decline-call). :host-available tells it whether a tray
 * shows the icon, that is whether closing the window may keep Kith running.
 * See docs/desktop.md.
 */

#define KITH_TYPE_TRAY (kith_tray_get_type ())

G_DECLARE_FINAL_TYPE (KithTray, kith_tray, KITH, TRAY, GObject)

KithTray        *kith_tray_new                 (GDBusConnection  *connection);

gboolean         kith_tray_export              (KithTray         *self,
                                                GError          **error);
void             kith_tray_unexport            (KithTray         *self);

GDBusConnection *kith_tray_get_connection      (KithTray         *self);
const char      *kith_tray_get_bus_name        (KithTray         *self);
gboolean         kith_tray_get_registered      (KithTray         *self);
gboolean         kith_tray_get_host_available  (KithTray         *self);
gboolean         kith_tray_get_host_known      (KithTray         *self);

KithShownPresence kith_tray_get_presence      (KithTray         *self);
void             kith_tray_set_presence        (KithTray         *self,
                                                KithShownPresence presence);
guint            kith_tray_get_unread          (KithTray         *self);
void             kith_tray_set_unread          (KithTray         *self,
                                                guint             unread);
gboolean         kith_tray_get_signed_in       (KithTray         *self);
void             kith_tray_set_signed_in       (KithTray         *self,
                                                gboolean          signed_in);
const char      *kith_tray_get_chosen_status   (KithTray         *self);
void             kith_tray_set_chosen_status   (KithTray         *self,
                                                const char       *chosen_status);
const char      *kith_tray_get_caller          (KithTray         *self);
void             kith_tray_set_caller          (KithTray         *self,
                                                const char       *caller);
const char      *kith_tray_get_icon_theme_path (KithTray         *self);
void             kith_tray_set_icon_theme_path (KithTray         *self,
                                                const char       *icon_theme_path);

G_END_DECLS

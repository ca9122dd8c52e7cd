/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KITH_TRAY_MENU_PATH "/MenuBar"

#define KITH_TYPE_TRAY_MENU (kith_tray_menu_get_type ())

G_DECLARE_FINAL_TYPE (KithTrayMenu, kith_tray_menu, KITH, TRAY_MENU, GObject)

/*
 * The tray icon's menu: com.canonical.dbusmenu (the skeleton gdbus-codegen
 * makes of dbus/com.canonical.dbusmenu.xml) at /MenuBar. Its items have
 * fixed ids (docs/desktop.md). KithTray owns it, exports it and forwards
 * its signals: activate ("Open Kith"), status-selected (s: "online",
 * "busy", "hidden"), log-out, exit, answer-call, decline-call.
 */
KithTrayMenu *kith_tray_menu_new                 (void);
gboolean      kith_tray_menu_export              (KithTrayMenu     *self,
                                                  GDBusConnection  *connection,
                                                  GError          **error);
void          kith_tray_menu_unexport            (KithTrayMenu     *self);
/* The Status submenu and Log out are shown only while signed in. */
void          kith_tray_menu_set_signed_in       (KithTrayMenu     *self,
                                                  gboolean          signed_in);
/* The radio item that is on: "online", "busy", "hidden" or NULL. */
void          kith_tray_menu_set_chosen_status   (KithTrayMenu     *self,
                                                  const char       *chosen_status);
/* A call rings from @caller (a name): "Answer call from NAME" and
 * "Decline" head the menu; NULL: no call rings, no such items. */
void          kith_tray_menu_set_caller          (KithTrayMenu     *self,
                                                  const char       *caller);
void          kith_tray_menu_set_icon_theme_path (KithTrayMenu     *self,
                                                  const char       *icon_theme_path);

G_END_DECLS

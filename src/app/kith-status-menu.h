/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_STATUS_MENU (kith_status_menu_get_type ())

G_DECLARE_FINAL_TYPE (KithStatusMenu, kith_status_menu, KITH, STATUS_MENU, GtkWidget)

/*
 * The header's "initials" button (the help article's "Click on your
 * Initials"): an AdwAvatar with a presence dot; its popover shows the name
 * and email, the status (Online / Busy / Hidden radio items bound to the
 * stateful action app.set-status; Idle and Mobile shown, insensitive, while
 * the system sets them), "My Account" (win.show-account) and "Log out"
 * (app.log-out).
 * Property: session (KithSession, construct-only).
 */
GtkWidget  *kith_status_menu_new                  (KithSession *session);
void        kith_status_menu_popup                (KithStatusMenu *self);
void        kith_status_menu_popdown              (KithStatusMenu *self);
/* "online", "busy", "idle", "mobile", "hidden" or "offline": the name of
 * the dot's CSS class (kith_shown_presence_get_name ()). */
const char *kith_status_menu_get_presence_name    (KithStatusMenu *self);

G_END_DECLS

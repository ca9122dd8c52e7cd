/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-ringer.h"
#include "kith-session.h"
#include "kith-tray.h"
#include "kith-window.h"

G_BEGIN_DECLS

#define KITH_TYPE_APPLICATION (kith_application_get_type ())

G_DECLARE_FINAL_TYPE (KithApplication, kith_application, KITH, APPLICATION, AdwApplication)

/*
 * Kith itself (id im.kith.Kith, one instance, D-Bus activatable). Owns the
 * KithSession (server from GSettings "server", or $KITH_SERVER_URL), the
 * tray icon and the settings. With "stay signed in", the restore starts in
 * startup (it waits for nothing) and the window shows the cached contacts,
 * or "Signing In…", until it is done.
 *
 * Actions: app.quit and app.exit (sign out and quit: the tray's and the
 * desktop file's "Exit"), app.log-out, app.show, app.set-status (string,
 * stateful: online / busy / hidden), app.open-chat (int64 user id; the
 * default action of message notifications).
 * `kith --exit` activates app.exit in the running instance.
 */
KithApplication *kith_application_new          (void);
KithSession     *kith_application_get_session  (KithApplication *self);
GSettings       *kith_application_get_settings (KithApplication *self);
KithTray        *kith_application_get_tray     (KithApplication *self);
KithWindow      *kith_application_get_window   (KithApplication *self);
/* The ring tone, which plays while a call rings here (not under Do Not
 * Disturb). */
KithRinger      *kith_application_get_ringer   (KithApplication *self);
/* Why signing in by itself (the stay-signed-in restore) failed: shown on
 * the login page, or kept for it until the window is built. */
void             kith_application_show_sign_in_error (KithApplication *self,
                                                      const char      *message);

G_END_DECLS

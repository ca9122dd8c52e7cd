/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_WINDOW (kith_window_get_type ())

G_DECLARE_FINAL_TYPE (KithWindow, kith_window, KITH, WINDOW, AdwApplicationWindow)

/*
 * The main window: an AdwToastOverlay over a GtkStack of
 *   "login"      KithLoginPage,
 *   "signing-in" KithSigningInPage (stay signed in: restoring the session),
 *   "main"       KithMainPage: sidebar (status menu + contacts), chat pane,
 *   "account"    KithAccountPage (My Account),
 *   "call"       KithCallView: the call placed or answered, until it has
 *                ended and its end has been shown (docs/desktop.md, "Calls";
 *                idle and suspend are inhibited while it is answered),
 * each made the first time it is shown (the chat pane and My Account also
 * once the contact list has been drawn). It follows KithSession:state; its
 * title follows KithMainPage:title. Its size is kept in GSettings.
 * Actions: win.show-account, win.hide-account.
 * Properties: session, settings (construct-only).
 */
KithWindow *kith_window_new              (GtkApplication *application,
                                          KithSession    *session,
                                          GSettings      *settings);
void        kith_window_add_toast        (KithWindow  *self,
                                          const char  *title);
void        kith_window_show_account     (KithWindow  *self);
void        kith_window_open_chat        (KithWindow  *self,
                                          KithContact *contact);
/* While TRUE and the session is signing in, show "Signing in…"; or, when
 * the last account's cache will be shown (a `last-account` record), the
 * main page at once, without a transition, "Connecting…" until online. */
void        kith_window_set_restoring    (KithWindow  *self,
                                          gboolean     restoring);
/* "login", "signing-in", "main", "account" or "call" */
const char *kith_window_get_page         (KithWindow  *self);
GtkWidget  *kith_window_get_login_page   (KithWindow  *self);
/* Makes the main page if it was never shown. */
GtkWidget  *kith_window_get_status_menu  (KithWindow  *self);
/* The chat view's contact, or NULL. */
KithContact *kith_window_get_chat_contact (KithWindow *self);
/* The call page's KithCallView, or NULL before the first call. */
GtkWidget   *kith_window_get_call_view    (KithWindow *self);

G_END_DECLS

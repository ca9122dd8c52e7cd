/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-chat-view.h"
#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_MAIN_PAGE (kith_main_page_get_type ())

G_DECLARE_FINAL_TYPE (KithMainPage, kith_main_page, KITH, MAIN_PAGE, GtkWidget)

/*
 * KithWindow's signed-in page: an AdwLeaflet of the sidebar (the status
 * menu, "Connecting…" while the session is not online, the contacts) and
 * the chat pane. KithWindow makes it the first time the page is shown, so
 * a start on the login page never does (docs/performance.md, "Start-up").
 * The chat view comes later: kith_main_page_ensure_chat_view () once the
 * contact list has been drawn, or when a chat is opened.
 * Properties: session (construct-only); title (read-only: what the window
 * is called, "NAME – Kith" while a chat is open, else "Kith").
 * Action: main.back (a folded leaflet back to the contacts).
 */
GtkWidget    *kith_main_page_new               (KithSession  *session);
const char   *kith_main_page_get_title         (KithMainPage *self);
GtkWidget    *kith_main_page_get_status_menu   (KithMainPage *self);
GtkWidget    *kith_main_page_get_contacts_view (KithMainPage *self);
/* NULL until made. */
KithChatView *kith_main_page_get_chat_view     (KithMainPage *self);
KithChatView *kith_main_page_ensure_chat_view  (KithMainPage *self);
/* Shows @contact's chat (the chat pane, when folded). */
void          kith_main_page_open_chat         (KithMainPage *self,
                                                KithContact  *contact);
/* No chat open (signed out): the pane's empty state. */
void          kith_main_page_close_chat        (KithMainPage *self);

G_END_DECLS

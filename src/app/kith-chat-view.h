/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_CHAT_VIEW (kith_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (KithChatView, kith_chat_view, KITH, CHAT_VIEW, GtkWidget)

/*
 * The chat pane: its own header bar (the contact's avatar, name, presence;
 * a back button while an ancestor AdwLeaflet is folded), the history with
 * day separators, loading older messages at the top, and the composer
 * (Enter sends, Shift+Enter a new line).
 * Properties: session (construct-only), contact (KithContact, nullable).
 * Action: chat.send.
 */
GtkWidget   *kith_chat_view_new         (KithSession  *session);
KithContact *kith_chat_view_get_contact (KithChatView *self);
void         kith_chat_view_set_contact (KithChatView *self,
                                         KithContact  *contact);

/* The local time the day separators ("Today", "Yesterday", …) are worked
 * out with, and their midnight refresh timed from; for tests. NULL: the
 * system's, g_date_time_new_now_local (). */
typedef GDateTime *(*KithChatViewClock) (void);
void         kith_chat_view_set_clock   (KithChatView      *self,
                                         KithChatViewClock  now_func);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-chat-view.h"
#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_CHAT_HISTORY (kith_chat_history_get_type ())

G_DECLARE_FINAL_TYPE (KithChatHistory, kith_chat_history, KITH, CHAT_HISTORY, GtkWidget)

/*
 * One chat's messages in the chat pane (kith-chat-history.c says how), made
 * by the chat view when the chat opens: at @restore_id (a message id, the
 * one at the top when the chat was left scrolled up) or at the newest.
 * Signals: messages-changed, jumped-to-newest.
 */
KithChatHistory *kith_chat_history_new            (KithSession       *session,
                                                   KithContact       *contact,
                                                   const char        *restore_id,
                                                   KithChatViewClock  now_func);
KithContact     *kith_chat_history_get_contact    (KithChatHistory   *self);
void             kith_chat_history_show_again     (KithChatHistory   *self);
char            *kith_chat_history_leave          (KithChatHistory   *self);
gboolean         kith_chat_history_is_at_bottom   (KithChatHistory   *self);
void             kith_chat_history_follow         (KithChatHistory   *self);
void             kith_chat_history_check_day      (KithChatHistory   *self);
void             kith_chat_history_set_clock      (KithChatHistory   *self,
                                                   KithChatViewClock  now_func);

G_END_DECLS

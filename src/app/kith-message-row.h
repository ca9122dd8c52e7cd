/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-message.h"

G_BEGIN_DECLS

#define KITH_TYPE_MESSAGE_ROW (kith_message_row_get_type ())

G_DECLARE_FINAL_TYPE (KithMessageRow, kith_message_row, KITH, MESSAGE_ROW, GtkWidget)

/*
 * One chat message, as the chat's list view shows it (one row per item
 * on screen, bound to a message and unbound again as it scrolls): a bubble
 * (outgoing at the end, incoming at the start) with the body, the time
 * (HH:MM) and, for outgoing messages, the state (pending / sent / read) as
 * an icon; above it, the day separator when the message starts a day.
 * A call event (kith_message_get_is_call ()) is a centred line instead:
 * an icon, "Missed call", "Video call, 4:12", … and the time.
 */
GtkWidget   *kith_message_row_new         (void);
KithMessage *kith_message_row_get_message (KithMessageRow *self);
/* @message NULL: unbound. @sender_name is what a screen reader says for
 * an incoming message's sender. */
void         kith_message_row_set_message (KithMessageRow *self,
                                           KithMessage    *message,
                                           const char     *sender_name);
/* The day separator above the bubble ("Today", …), or none for NULL. */
const char  *kith_message_row_get_day     (KithMessageRow *self);
void         kith_message_row_set_day     (KithMessageRow *self,
                                           const char     *day);

/* "Today", "Yesterday" or a date, for the day separators; @now may be NULL. */
char        *kith_message_row_format_day  (GDateTime      *day,
                                           GDateTime      *now);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-message.h"

G_BEGIN_DECLS

#define KITH_TYPE_MESSAGE_ROW (kith_message_row_get_type ())

G_DECLARE_FINAL_TYPE (KithMessageRow, kith_message_row, KITH, MESSAGE_ROW, GtkListBoxRow)

/*
 * One chat message: a bubble (outgoing at the end, incoming at the start)
 * with the body, the time (HH:MM) and, for outgoing messages, the state
 * (pending / sent / read) as an icon.
 */
GtkWidget   *kith_message_row_new         (KithMessage    *message,
                                           const char     *sender_name);
KithMessage *kith_message_row_get_message (KithMessageRow *self);

/* "Today", "Yesterday" or a date, for the day separators; @now may be NULL. */
char        *kith_message_row_format_day  (GDateTime      *day,
                                           GDateTime      *now);

G_END_DECLS

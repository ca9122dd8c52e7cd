/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChatHistory"

/* KithChatHistory's day separators: each row draws one above its message
 * when the message before it is of another day; "Today" becomes
 * "Yesterday" at midnight (a timeout, and a check when the chat is mapped
 * or the window active again: timeouts stand still while the machine
 * sleeps). */

#include "config.h"

#include "kith-message-row.h"

#include "kith-chat-history-private.h"

static GDateTime *
now_local (KithChatHistory *self)
{
  return self->now_func != NULL ? self->now_func () : g_date_time_new_now_local ();
}

static guint
julian_day (GDateTime *time)
{
  g_autoptr (GDate) date = g_date_new_dmy (g_date_time_get_day_of_month (time),
                                           g_date_time_get_month (time),
                                           g_date_time_get_year (time));

  return g_date_get_julian (date);
}

static void schedule_day_change (KithChatHistory *self);
static void refresh_separators  (KithChatHistory *self);

/* A new day: the separators say "Today", "Yesterday" and weekdays anew. */
static void
refresh_days (KithChatHistory *self)
{
  g_autoptr (GDateTime) now = now_local (self);

  self->headers_day = julian_day (now);
  refresh_separators (self);
}

static gboolean
on_day_changed (gpointer user_data)
{
  KithChatHistory *self = user_data;

  self->day_timeout_id = 0;
  refresh_days (self);
  schedule_day_change (self);
  return G_SOURCE_REMOVE;
}

/* A timeout for just after the next local midnight. (Timeouts stand still
 * while the machine sleeps: map and window activation check the day too.) */
static void
schedule_day_change (KithChatHistory *self)
{
  g_autoptr (GDateTime) now = now_local (self);
  g_autoptr (GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                          g_date_time_get_month (now),
                                                          g_date_time_get_day_of_month (now),
                                                          0, 0, 0);
  g_autoptr (GDateTime) next = g_date_time_add_days (midnight, 1);
  GTimeSpan until = g_date_time_difference (next, now);

  g_clear_handle_id (&self->day_timeout_id, g_source_remove);
  self->day_timeout_id = g_timeout_add_seconds (MAX (until / G_TIME_SPAN_SECOND, 0) + 1,
                                                on_day_changed, self);
}

/* Mapped, or the window active again: separators of another day are redone. */
void
kith_chat_history_check_day (KithChatHistory *self)
{
  g_autoptr (GDateTime) now = now_local (self);

  if (julian_day (now) != self->headers_day)
    refresh_days (self);
  schedule_day_change (self);
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/* The row draws the day separator above its message when the message
 * before it in the model is of another day (or there is none). */
void
kith_chat_history_update_separator (KithChatHistory *self,
                  GtkListItem  *item)
{
  KithMessageRow *row = KITH_MESSAGE_ROW (gtk_list_item_get_child (item));
  KithMessage *message = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr (KithMessage) before = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *text = NULL;
  GDateTime *day;

  if (message == NULL || self->messages == NULL)
    return;
  day = kith_message_get_sent_at (message);
  if (position != GTK_INVALID_LIST_POSITION && position > 0)
    before = g_list_model_get_item (self->messages, position - 1);
  if (day == NULL ||
      (before != NULL && kith_message_get_sent_at (before) != NULL &&
       same_day (kith_message_get_sent_at (before), day))) {
    kith_message_row_set_day (row, NULL);
    return;
  }
  now = now_local (self);
  text = kith_message_row_format_day (day, now);
  kith_message_row_set_day (row, text);
}

/* The rows on screen (and the margin GtkListView keeps): a new day, or
 * messages added or dropped before them. */
static void
refresh_separators (KithChatHistory *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    kith_chat_history_update_separator (self, item);
}

/* After items-changed, once the list has moved its rows (not from inside the
 * signal: the list view may take the change in after us). */
static gboolean
refresh_separators_tick (GtkWidget     *widget,
                         GdkFrameClock *clock,
                         gpointer       user_data)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);

  self->separators_tick_id = 0;
  refresh_separators (self);
  return G_SOURCE_REMOVE;
}

/* The messages before the bound rows changed: their separators are redone
 * the next frame, once the list has moved its rows. */
void
kith_chat_history_refresh_separators_later (KithChatHistory *self)
{
  if (self->separators_tick_id == 0)
    self->separators_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), refresh_separators_tick,
                                                             NULL, NULL);
}

void
kith_chat_history_init_days (KithChatHistory *self)
{
  g_autoptr (GDateTime) now = now_local (self);

  self->headers_day = julian_day (now);
}

void
kith_chat_history_set_clock (KithChatHistory   *self,
                             KithChatViewClock  now_func)
{
  g_return_if_fail (KITH_IS_CHAT_HISTORY (self));

  self->now_func = now_func;
}

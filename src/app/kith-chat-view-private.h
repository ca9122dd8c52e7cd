/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-chat-view.h"

G_BEGIN_DECLS

/*
 * The chat view's parts, over its one instance struct: kith-chat-view.c
 * (the header, the pages, the composer, sending), kith-chat-view-days.c (the
 * message rows of the list view and the day separators they draw) and
 * kith-chat-view-history.c (the conversation in the list: scrolling, the
 * bottom held, older pages, forgetting, where each chat was left, the
 * "N new messages" pill and the jump button).
 */
struct _KithChatView
{
  GtkWidget      parent_instance;

  KithSession   *session;
  KithContact   *contact;
  GListModel    *messages;
  gint64         messages_contact_id; /* whose conversation messages is */
  GHashTable    *bound_items;     /* the GtkListItems bound to a message now */
  GHashTable    *positions;       /* contact id → id of the message at the top */
  char          *restore_id;      /* the message to scroll to, once it is loaded */
  guint          restore_loads;   /* older pages loaded to find it */
  gboolean       rows_placed;     /* the list was laid out since its model was set */
  gboolean       restore_laid_out; /* restore_tick () has let a frame lay the list out */
  gboolean       stick_waited;    /* stick_to_bottom () has, for a new model */
  GCancellable  *load_cancellable;
  GCancellable  *cancellable;
  GtkWindow     *window;          /* watched for is-active while mapped */
  AdwLeaflet    *leaflet;         /* the ancestor leaflet, if any */
  GBindingGroup *leaflet_bindings; /* its folded: the back button, while mapped */
  GSignalGroup  *contact_signals;

  /* scrolling */
  gboolean       at_bottom;
  double         last_upper;
  double         last_page_size;
  gboolean       adjusting;
  gboolean       loading_older;
  gboolean       focus_composer;   /* a chat was opened while unmapped */
  gboolean       no_older;
  guint          forget_id;       /* idle: the long-open chat drops what is far above */
  guint          stick_tick_id;   /* the next frame lays the list out at its bottom again */
  guint          separators_tick_id; /* the next frame redoes the bound rows' day separators */
  guint          restore_tick_id; /* the next frame scrolls to restore_id */
  guint          new_count;       /* incoming messages that came while scrolled up */

  /* day separators: "Today" becomes "Yesterday" at midnight */
  KithChatViewClock now_func;
  guint          day_timeout_id;
  guint          headers_day;     /* the Julian day they were worked out on, while mapped */

  GtkWidget     *back_button;
  GtkWidget     *menu_button;
  GtkWidget     *stack;
  GtkWidget     *request_page;
  GtkWidget     *accept_button;
  GtkWidget     *empty_page;
  GtkWidget     *loading_revealer;
  GtkWidget     *loading_spinner;
  GtkWidget     *scroller;
  GtkWidget     *new_messages_revealer;
  GtkWidget     *new_messages_button;
  GtkWidget     *jump_revealer;
  GtkWidget     *message_list;
  GtkWidget     *composer_box;
  GtkWidget     *composer;
  GtkWidget     *composer_placeholder;
};

/* kith-chat-view.c */
void kith_chat_view_maybe_mark_read (KithChatView *self);
void kith_chat_view_update_empty    (KithChatView *self);

/* kith-chat-view-days.c */
void kith_chat_view_days_init          (KithChatView *self);
void kith_chat_view_days_check         (KithChatView *self);
void kith_chat_view_days_refresh_later (KithChatView *self);
void kith_chat_view_days_dispose       (KithChatView *self);

/* kith-chat-view-history.c */
void kith_chat_view_history_init       (KithChatView   *self);
void kith_chat_view_history_class_init (GtkWidgetClass *widget_class);
void kith_chat_view_history_open       (KithChatView   *self);
void kith_chat_view_history_leave      (KithChatView   *self);
void kith_chat_view_history_follow     (KithChatView   *self);
void kith_chat_view_history_dispose    (KithChatView   *self);

G_END_DECLS

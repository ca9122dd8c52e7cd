/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-chat-history.h"
#include "kith-reveal-model.h"

G_BEGIN_DECLS

/* How close to the top (px) scrolling loads older messages, and to the
 * bottom counts as "at the bottom". */
#define LOAD_OLDER_THRESHOLD 200
#define BOTTOM_THRESHOLD 24
/* A chat left open at its newest message: past this many pages in memory,
 * it keeps KEEP_PAGES. */
#define FORGET_ABOVE_PAGES 4
#define KEEP_PAGES 2
/* Past this many pages, messages come faster than frames are drawn (a
 * flood keeps the main loop busy): forgotten without waiting for one. */
#define FLOOD_PAGES 8
/* frames a long-open chat waits for its list to come down to the newest
 * before it forgets what is far above (a busy machine lays out slowly) */
#define FORGET_WAIT_FRAMES 240
/* Coming back to a chat left scrolled up: at most this many older pages are
 * loaded to find the message it showed at the top. */
#define RESTORE_MAX_PAGES 4
/* An older page comes into the list this many messages a frame: the list
 * makes and measures the rows of all it is given at once. */
#define REVEAL_PER_FRAME 5

struct _KithChatHistory
{
  GtkWidget      parent_instance;

  KithSession   *session;
  KithContact   *contact;
  GListModel    *messages;        /* reveal, over the conversation's model */
  KithRevealModel *reveal;
  guint          reveal_tick_id;  /* an older page coming into the list, a few a frame */
  GHashTable    *bound_items;     /* the GtkListItems bound to a message now */
  char          *restore_id;      /* the message to scroll to, once it is loaded */
  guint          restore_loads;   /* older pages loaded to find it */
  gboolean       rows_placed;     /* the list was laid out since its model was set */
  gboolean       restore_laid_out; /* restore_tick () has let a frame lay the list out */
  gboolean       stick_waited;    /* stick_to_bottom () has, for a new model */
  GCancellable  *load_cancellable;

  /* scrolling */
  gboolean       at_bottom;
  double         last_upper;
  double         last_page_size;
  gboolean       adjusting;
  gboolean       loading_older;
  gboolean       no_older;
  guint          forget_id;       /* tick: the long-open chat drops what is far above */
  guint          forget_waits;    /* its frames without the list at the newest */
  gint64         forgot_frame;    /* the frame that did, last (its layout is yet to come) */
  gboolean       rows_moved;      /* messages added or dropped since the last frame drawn */
  GdkFrameClock *frame_clock;     /* realized: its after-paint clears rows_moved */
  guint          stick_tick_id;   /* the next frame lays the list out at its bottom again */
  gboolean       stick_in_layout; /* this frame's layout, once more, lays it out at its bottom */
  guint          separators_tick_id; /* the next frame redoes the bound rows' day separators */
  guint          restore_tick_id; /* the next frame scrolls to restore_id */
  guint          new_count;       /* incoming messages that came while scrolled up */

  /* day separators: "Today" becomes "Yesterday" at midnight */
  KithChatViewClock now_func;
  guint          day_timeout_id;
  guint          headers_day;     /* the Julian day they were worked out on */

  GtkWidget     *empty_page;
  GtkWidget     *loading_revealer;
  GtkWidget     *loading_spinner;
  GtkWidget     *scroller;
  GtkWidget     *new_messages_revealer;
  GtkWidget     *new_messages_button;
  GtkWidget     *jump_revealer;
  GtkWidget     *message_list;
};

/* kith-chat-history-days.c: the day separators. */
void kith_chat_history_init_days                (KithChatHistory *self);
/* The row of @item draws the separator above its message, or none. */
void kith_chat_history_update_separator         (KithChatHistory *self,
                                                 GtkListItem     *item);
/* The messages before the bound rows changed: their separators are redone
 * the next frame, once the list has moved its rows. */
void kith_chat_history_refresh_separators_later (KithChatHistory *self);

G_END_DECLS

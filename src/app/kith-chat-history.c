/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChatHistory"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-message-row.h"
#include "kith-reveal-model.h"

#include "kith-chat-history-private.h"

/*
 * One chat's messages in the chat pane: a GtkListView of KithMessageRows
 * (built in code, bound as the chat scrolls; each draws the day separator
 * above its message when the one before is of another day: GTK 4.8 has no
 * list headers), held at the newest message while there, older pages loaded
 * when scrolled to the top (and given to the list a few a frame, through a
 * KithRevealModel), what is far above forgotten while at the bottom,
 * and, scrolled up, the "N new messages" pill or the jump button. The chat
 * view keeps the histories of the last chats left at their bottom, so going
 * back to one makes no row (docs/desktop.md, "The chat pane's list").
 */

enum {
  MESSAGES_CHANGED,
  JUMPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithChatHistory, kith_chat_history, GTK_TYPE_WIDGET)

static void
update_empty (KithChatHistory *self)
{
  gboolean empty = self->messages == NULL || g_list_model_get_n_items (self->messages) == 0;

  gtk_widget_set_visible (self->empty_page, self->messages != NULL && empty);
}

static void
on_row_setup (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              KithChatHistory             *self)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, kith_message_row_new ());
}

static void
on_row_bind (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             KithChatHistory             *self)
{
  kith_message_row_set_message (KITH_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item),
                                self->contact ? kith_contact_get_display_name (self->contact) : NULL);
  g_hash_table_add (self->bound_items, item);
  kith_chat_history_update_separator (self, item);
}

static void
on_row_unbind (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               KithChatHistory             *self)
{
  g_hash_table_remove (self->bound_items, item);
  kith_message_row_set_message (KITH_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL, NULL);
}

static GtkAdjustment *
get_vadjustment (KithChatHistory *self)
{
  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
}

/* The newest message at the bottom of the view. The list view places its
 * rows from the row it is anchored to, which it takes from the value when
 * the value changes: at the bottom, the last row, aligned to the bottom.
 * GTK 4.8 does not hear a value set while it configures the adjustment
 * (as in notify::upper), so the value is moved even if it is already at
 * the bottom (stick_to_bottom () does it again the next frame). */
static gboolean stick_to_bottom (GtkWidget     *widget,
                                 GdkFrameClock *clock,
                                 gpointer       user_data);

static void
scroll_to_bottom (KithChatHistory *self)
{
  GtkAdjustment *adj = get_vadjustment (self);
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;

  /* A model the list has not laid out yet: the adjustment is still the
   * last one's (a value past the new rows warns). Anchored to the last
   * row if the list can, and at the bottom once it has laid them out. */
  if (!self->rows_placed) {
    if (n > 0)
      gtk_widget_activate_action (self->message_list, "list.scroll-to-item", "u", n - 1);
    if (self->stick_tick_id == 0)
      self->stick_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
    return;
  }
  self->adjusting = TRUE;
  if (bottom > 0 && gtk_adjustment_get_value (adj) >= bottom)
    gtk_adjustment_set_value (adj, bottom - 1);
  gtk_adjustment_set_value (adj, bottom);
  self->adjusting = FALSE;
}
/* Scrolled up: "N new messages" once some came, else, a page or more above
 * the newest, a button that jumps to it. */
static void
update_jump (KithChatHistory *self)
{
  GtkAdjustment *adj = get_vadjustment (self);
  double below = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) -
                 gtk_adjustment_get_value (adj);
  gboolean up = self->messages != NULL && !self->at_bottom;

  if (!up)
    self->new_count = 0;
  if (self->new_count > 0) {
    /* Translators: a button over the chat while it is scrolled up */
    g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message",
                                                           "%u new messages", self->new_count),
                                              self->new_count);

    gtk_button_set_label (GTK_BUTTON (self->new_messages_button), label);
  }
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->new_messages_revealer),
                                 up && self->new_count > 0);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->jump_revealer),
                                 up && self->new_count == 0 &&
                                 below > gtk_adjustment_get_page_size (adj));
}

/* The first message (its place in the model) whose row is on screen now;
 * GTK_INVALID_LIST_POSITION: none is. The list view's anchor, the row it
 * keeps in place as the list changes, is one of them. */
static guint
first_shown_position (KithChatHistory *self)
{
  int height = gtk_widget_get_height (self->message_list);
  guint first = GTK_INVALID_LIST_POSITION;
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL)) {
    GtkWidget *row = gtk_list_item_get_child (item);
    GtkWidget *cell = row != NULL ? gtk_widget_get_parent (row) : NULL;
    graphene_rect_t bounds;

    /* Rows in the margin are not child-visible (their place is stale). */
    if (cell == NULL || !gtk_widget_get_child_visible (cell) ||
        !gtk_widget_compute_bounds (cell, self->message_list, &bounds))
      continue;
    if (bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < height)
      first = MIN (first, gtk_list_item_get_position (item));
  }
  return first;
}

/* A long-open chat shown at its newest message keeps two pages: what is far
 * above comes back from the store when scrolled to (docs/service.md,
 * "Conversations that forget"). In a frame, before its layout: not from
 * inside items-changed (the list is still taking the change in), nor from
 * an idle (a flood of messages keeps the main loop busy: the chat held
 * thousands). Never a row on screen or below: the list view's anchor is
 * there, and were it forgotten the list would jump to its top. Messages
 * that came since the last layout are below the rows on screen, so a
 * burst is forgotten over a few frames, as the list follows it down. */
static gboolean
forget_far_above (GtkWidget     *widget,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);
  guint page = kith_conversations_get_page_size (kith_session_get_conversations (self->session));
  gboolean moved = FALSE;
  guint n, first, keep;

  if (self->contact == NULL || self->messages == NULL || !self->at_bottom || self->loading_older ||
      !gtk_widget_get_mapped (widget))
    goto done;
  n = g_list_model_get_n_items (self->messages);
  if (n <= FORGET_ABOVE_PAGES * page)
    goto done;
  /* The bottom held first when it is due this frame: its value is set
   * while the list's rows are still where they were laid out. */
  if (self->stick_tick_id != 0) {
    guint stick_id = self->stick_tick_id;

    if (stick_to_bottom (widget, clock, NULL) == G_SOURCE_CONTINUE)
      return G_SOURCE_CONTINUE;
    gtk_widget_remove_tick_callback (widget, stick_id);
    moved = TRUE;
  }
  first = first_shown_position (self);
  if (first == GTK_INVALID_LIST_POSITION)
    goto wait;
  keep = MAX (KEEP_PAGES * page, n - first);
  if (keep < n) {
    /* The list moves the value by what went above its anchor at once
     * (its upper only at the layout): not the reader scrolling. */
    self->adjusting = TRUE;
    kith_conversations_forget_older (kith_session_get_conversations (self->session), self->contact,
                                     keep);
    self->adjusting = FALSE;
    self->no_older = FALSE;
    self->forgot_frame = gdk_frame_clock_get_frame_counter (clock);
    moved = TRUE;
  }
  /* More next frame, once the list has come down to the newest (with
   * nothing moving, the next message schedules it again). */
  if (moved && keep > FORGET_ABOVE_PAGES * page) {
    self->forget_waits = 0;
    return G_SOURCE_CONTINUE;
  }
  if (keep <= FORGET_ABOVE_PAGES * page)
    goto done;

wait:
  /* Still too many, with the list not yet down at the newest (its rows
   * not placed, or the ones on screen still far above after a burst): a
   * slow machine lays a flood out over more frames than it takes to come
   * in, and with nothing more arriving nothing would schedule this again.
   * So on for a while, each frame cheap. */
  if (++self->forget_waits < FORGET_WAIT_FRAMES)
    return G_SOURCE_CONTINUE;

done:
  self->forget_waits = 0;
  self->forget_id = 0;
  return G_SOURCE_REMOVE;
}

/* Messages coming faster than frames are drawn: a socket that always has
 * more is read on and on without a frame (nor an idle) in between, and
 * the chat held thousands until the flood ended; what the process took
 * then stays taken. So from items-changed, once the list view has taken
 * the new message in (its handler comes first): the list is anchored to
 * the newest message (it lays the rows around it out at the next frame),
 * then all but the two newest pages go. */
static void
forget_in_flood (KithChatHistory *self)
{
  guint page = kith_conversations_get_page_size (kith_session_get_conversations (self->session));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  guint n = g_list_model_get_n_items (self->messages);

  if (n <= FLOOD_PAGES * page || self->contact == NULL || !self->at_bottom || self->loading_older ||
      !self->rows_placed || clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  gtk_widget_activate_action (self->message_list, "list.scroll-to-item", "u", n - 1);
  self->adjusting = TRUE;
  kith_conversations_forget_older (kith_session_get_conversations (self->session), self->contact,
                                   KEEP_PAGES * page);
  self->adjusting = FALSE;
  self->no_older = FALSE;
  /* Not the bottom held by value before the next frame has laid it out. */
  self->forgot_frame = gdk_frame_clock_get_frame_counter (clock) + 1;
}

static void
schedule_forget (KithChatHistory *self)
{
  guint page = kith_conversations_get_page_size (kith_session_get_conversations (self->session));
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;

  if (!self->at_bottom)
    return;
  if (self->forget_id == 0 && n > FORGET_ABOVE_PAGES * page)
    self->forget_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), forget_far_above, NULL, NULL);
}

static void
on_messages_changed (KithChatHistory *self,
                     guint         position,
                     guint         removed,
                     guint         added,
                     GListModel   *model)
{
  guint n = g_list_model_get_n_items (model);

  self->rows_moved = TRUE;
  /* Older messages above, or new ones at the end while scrolled up: the
   * list view keeps the row it is anchored to where it is on screen, so
   * the view does not move. New ones are counted. */
  if (!self->at_bottom && added > 0 && position + added == n && n > added) {
    for (guint i = position; i < n; i++) {
      g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

      if (kith_message_get_direction (message) == KITH_MESSAGE_INCOMING)
        self->new_count++;
    }
  }
  update_empty (self);
  g_signal_emit (self, signals[MESSAGES_CHANGED], 0);
  if (added > 0 && position + added == n)
    forget_in_flood (self);
  schedule_forget (self);
  update_jump (self);
  kith_chat_history_refresh_separators_later (self);
}

static void restore_position (KithChatHistory *self);
static void restore_later    (KithChatHistory *self);

/* The value set while the viewport is being allocated (notify::upper comes
 * from its allocation) is not applied to the list until something else
 * allocates it again: a new message stood one row short of the bottom.
 * The frame after, the list is laid out again at the bottom. */
static gboolean
stick_to_bottom (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);

  /* A new model: a frame to lay its rows out first (ticks come before a
   * frame's layout). */
  if (!self->rows_placed && !self->stick_waited) {
    self->stick_waited = TRUE;
    return G_SOURCE_CONTINUE;
  }
  /* Rows forgotten this frame: the list has not placed what is left yet
   * (a value set now is past its rows: it warns and ignores it). */
  if (self->forgot_frame == gdk_frame_clock_get_frame_counter (clock))
    return G_SOURCE_CONTINUE;
  self->rows_placed = TRUE;
  self->stick_tick_id = 0;
  if (self->at_bottom) {
    scroll_to_bottom (self);
    gtk_widget_queue_allocate (self->message_list);
  }
  return G_SOURCE_REMOVE;
}

/* The list laid out in this frame (notify::upper comes from inside its
 * allocation, where the value it is given is not heard): once that layout
 * is done, the value is set again, and the frame clock lays the window out
 * once more before it paints (it repeats its layout phase while one is
 * requested), so a new message costs one frame, not two. The next frame's
 * tick does it instead when this frame forgot rows (the list has not
 * placed what is left) or the list has no rows placed yet. */
static void
stick_after_layout (KithChatHistory *self)
{
  if (self->stick_tick_id != 0)
    return;
  if (self->frame_clock == NULL || !self->rows_placed ||
      self->forgot_frame >= gdk_frame_clock_get_frame_counter (self->frame_clock)) {
    self->stick_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
    return;
  }
  self->stick_in_layout = TRUE;
  gdk_frame_clock_request_phase (self->frame_clock, GDK_FRAME_CLOCK_PHASE_LAYOUT);
}

/* The frame clock's layout phase, each time it runs: the window's own
 * layout may come before or after this, and the phase runs again when
 * stick_after_layout () asked during the window's. */
static void
on_layout (KithChatHistory *self)
{
  if (!self->stick_in_layout)
    return;
  self->stick_in_layout = FALSE;
  if (self->stick_tick_id != 0 || !self->at_bottom)
    return;
  scroll_to_bottom (self);
  gtk_widget_queue_allocate (self->message_list);
}

static void
on_upper_changed (KithChatHistory *self)
{
  self->rows_placed = TRUE;
  if (self->restore_id != NULL && !self->loading_older && self->restore_tick_id == 0)
    restore_later (self);
  if (self->at_bottom) {
    scroll_to_bottom (self);
    stick_after_layout (self);
  }
}

static void load_older  (KithChatHistory *self);
static void remove_tick (KithChatHistory *self,
                         guint           *id);

/* An older page is in the list (or none came). */
static void
older_loaded (KithChatHistory *self)
{
  GtkAdjustment *adj = get_vadjustment (self);

  self->loading_older = FALSE;
  gtk_spinner_stop (GTK_SPINNER (self->loading_spinner));
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->loading_revealer), FALSE);
  if (self->restore_id != NULL)
    restore_position (self);
  else if (!self->at_bottom && gtk_adjustment_get_value (adj) < LOAD_OLDER_THRESHOLD &&
           gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj))
    load_older (self);
}

static gboolean
reveal_older (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);

  if (kith_reveal_model_reveal (self->reveal, REVEAL_PER_FRAME) > 0)
    return G_SOURCE_CONTINUE;
  self->reveal_tick_id = 0;
  older_loaded (self);
  return G_SOURCE_REMOVE;
}

static void
on_older_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KithChatHistory) self = user_data;
  g_autoptr (GError) error = NULL;
  int added;

  added = kith_conversations_load_older_finish (KITH_CONVERSATIONS (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error == NULL && added <= 0)
    self->no_older = TRUE;
  if (error != NULL)
    g_debug ("loading older messages: %s", error->message);
  kith_reveal_model_set_holding (self->reveal, FALSE);
  /* The page comes into the list a few messages a frame, above the rows
   * on screen (the list keeps them where they are). */
  if (kith_reveal_model_get_hidden (self->reveal) > 0 && gtk_widget_get_mapped (GTK_WIDGET (self))) {
    if (self->reveal_tick_id == 0)
      self->reveal_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), reveal_older, NULL, NULL);
    return;
  }
  kith_reveal_model_reveal (self->reveal, G_MAXUINT);
  older_loaded (self);
}

static void
load_older (KithChatHistory *self)
{
  if (self->contact == NULL || self->messages == NULL || self->loading_older || self->no_older)
    return;
  if (kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;

  self->loading_older = TRUE;
  self->at_bottom = FALSE;
  /* Opening where the chat was left: the page at once, to find the message. */
  kith_reveal_model_set_holding (self->reveal, self->restore_id == NULL);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->loading_revealer), TRUE);
  gtk_spinner_start (GTK_SPINNER (self->loading_spinner));
  kith_conversations_load_older_async (kith_session_get_conversations (self->session),
                                       self->contact, self->load_cancellable, on_older_loaded,
                                       g_object_ref (self));
}

/* ---- where each chat was left ----
 *
 * A chat left scrolled up is remembered by the message at the top of its
 * view (its id: the conversation forgets rows and makes new objects for
 * them when they come back from the store), and shown from there when
 * opened again; one left at its bottom opens at its newest message. */

/* The message whose row is the first one whole at the top of the view. */
static KithMessage *
top_message (KithChatHistory *self)
{
  KithMessage *top = NULL;
  double top_y = G_MAXDOUBLE;
  int height = gtk_widget_get_height (self->message_list);

  /* The list view's children are its rows (GtkListItem's widget), placed
   * where they are on screen, the ones in its margin outside. */
  for (GtkWidget *child = gtk_widget_get_first_child (self->message_list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *row = gtk_widget_get_first_child (child);
    graphene_rect_t bounds;

    /* Rows in the margin are not child-visible (their place is stale). */
    if (!gtk_widget_get_child_visible (child) || row == NULL || !KITH_IS_MESSAGE_ROW (row) ||
        kith_message_row_get_message (KITH_MESSAGE_ROW (row)) == NULL ||
        !gtk_widget_compute_bounds (child, self->message_list, &bounds))
      continue;
    if (bounds.origin.y >= -0.5 && bounds.origin.y < height && bounds.origin.y < top_y) {
      top_y = bounds.origin.y;
      top = kith_message_row_get_message (KITH_MESSAGE_ROW (row));
    }
  }
  return top;
}

static guint
find_message (GListModel *model,
              const char *id)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = n; i > 0; i--) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i - 1);

    if (g_strcmp0 (kith_message_get_id (message), id) == 0)
      return i - 1;
  }
  return GTK_INVALID_LIST_POSITION;
}

/* Two frames on (ticks come before a frame's layout): the list has laid
 * its rows out, so it knows where the message is and puts it at the top
 * (asked earlier, GTK 4.8 warns and does nothing). */
static gboolean
restore_tick (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);
  guint position;

  if (!self->restore_laid_out && self->restore_id != NULL && self->messages != NULL) {
    self->restore_laid_out = TRUE;
    return G_SOURCE_CONTINUE;
  }
  self->restore_tick_id = 0;
  if (self->restore_id == NULL || self->messages == NULL)
    return G_SOURCE_REMOVE;
  position = find_message (self->messages, self->restore_id);
  g_clear_pointer (&self->restore_id, g_free);
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (self->message_list, "list.scroll-to-item", "u", position);
  update_jump (self);
  return G_SOURCE_REMOVE;
}

/* Opening a chat left scrolled up: scroll to its message, loading older
 * pages until it is there (a closed chat keeps its newest page only);
 * not found, the chat opens at its newest message. */
static void
restore_later (KithChatHistory *self)
{
  self->restore_laid_out = FALSE;
  self->restore_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), restore_tick, NULL, NULL);
}

static void
restore_position (KithChatHistory *self)
{
  if (self->messages == NULL || self->loading_older)
    return;
  if (find_message (self->messages, self->restore_id) != GTK_INVALID_LIST_POSITION) {
    self->at_bottom = FALSE;
    if (self->rows_placed && self->restore_tick_id == 0)
      restore_later (self);
    return;
  }
  if (self->no_older || self->restore_loads >= RESTORE_MAX_PAGES) {
    g_clear_pointer (&self->restore_id, g_free);
    self->at_bottom = TRUE;
    scroll_to_bottom (self);
    gtk_widget_queue_allocate (self->message_list);
    update_jump (self);
    return;
  }
  self->restore_loads++;
  load_older (self);
}

static void
on_value_changed (KithChatHistory *self)
{
  GtkAdjustment *adj = get_vadjustment (self);
  double value = gtk_adjustment_get_value (adj);
  double upper = gtk_adjustment_get_upper (adj);
  double page_size = gtk_adjustment_get_page_size (adj);
  double bottom = upper - page_size;
  gboolean layout_changed = upper != self->last_upper || page_size != self->last_page_size;

  self->last_upper = upper;
  self->last_page_size = page_size;
  /* A value that moved because the content grew or the view was resized is
   * layout, not the user scrolling: GTK may report it before notify::upper
   * reaches on_upper_changed (seen on slow machines), and taking it for a
   * scroll to the top would load older pages and unstick the bottom. */
  if (self->adjusting || layout_changed)
    return;
  /* At the bottom with the next frame to lay the list out there, or with
   * messages added or forgotten that it has not laid out yet: the list
   * view is still placing its rows (in GTK 4.8 it puts back the value of
   * the row it was anchored to, overriding one set during its allocation;
   * messages that came meanwhile are below that row, and forgotten ones
   * above it move it up, while the list's height may stay the same). */
  if (self->at_bottom && (self->stick_tick_id != 0 || self->stick_in_layout || self->rows_moved)) {
    if (self->stick_tick_id == 0)
      self->stick_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
    return;
  }
  self->at_bottom = value >= bottom - BOTTOM_THRESHOLD;
  update_jump (self);
  if (value < LOAD_OLDER_THRESHOLD && bottom > 0)
    load_older (self);
}

/* "N new messages" or the jump button: to the newest, and stay there. */
static void
on_jump_to_newest (KithChatHistory *self)
{
  self->at_bottom = TRUE;
  g_clear_pointer (&self->restore_id, g_free);
  scroll_to_bottom (self);
  gtk_widget_queue_allocate (self->message_list);
  update_jump (self);
  g_signal_emit (self, signals[JUMPED], 0);
}

static void
on_edge_overshot (KithChatHistory *self,
                  GtkPositionType  pos)
{
  if (pos == GTK_POS_TOP)
    load_older (self);
}

static void
remove_tick (KithChatHistory *self,
             guint           *id)
{
  if (*id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), *id);
  *id = 0;
}

/* A frame drawn: the list has laid out the messages added or forgotten
 * before it. */
static void
on_after_paint (KithChatHistory *self)
{
  self->rows_moved = FALSE;
}

/* ---- GObject ---- */

static void
kith_chat_history_realize (GtkWidget *widget)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);

  GTK_WIDGET_CLASS (kith_chat_history_parent_class)->realize (widget);

  self->frame_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  g_signal_connect_object (self->frame_clock, "after-paint", G_CALLBACK (on_after_paint), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->frame_clock, "layout", G_CALLBACK (on_layout), self,
                           G_CONNECT_SWAPPED);
}

static void
kith_chat_history_unrealize (GtkWidget *widget)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (widget);

  if (self->frame_clock != NULL) {
    g_signal_handlers_disconnect_by_func (self->frame_clock, on_after_paint, self);
    g_signal_handlers_disconnect_by_func (self->frame_clock, on_layout, self);
  }
  self->stick_in_layout = FALSE;
  g_clear_object (&self->frame_clock);

  GTK_WIDGET_CLASS (kith_chat_history_parent_class)->unrealize (widget);
}

static void
kith_chat_history_dispose (GObject *object)
{
  KithChatHistory *self = KITH_CHAT_HISTORY (object);
  GtkWidget *child;

  g_cancellable_cancel (self->load_cancellable);
  remove_tick (self, &self->forget_id);
  g_clear_handle_id (&self->day_timeout_id, g_source_remove);
  remove_tick (self, &self->stick_tick_id);
  remove_tick (self, &self->restore_tick_id);
  remove_tick (self, &self->separators_tick_id);
  remove_tick (self, &self->reveal_tick_id);
  if (self->messages != NULL) {
    g_signal_handlers_disconnect_by_func (self->messages, on_messages_changed, self);
    if (self->message_list != NULL)
      gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), NULL);
    g_clear_object (&self->messages);
  }
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CHAT_HISTORY);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->contact);
  g_clear_object (&self->session);
  g_clear_pointer (&self->restore_id, g_free);
  g_clear_pointer (&self->bound_items, g_hash_table_unref);

  G_OBJECT_CLASS (kith_chat_history_parent_class)->dispose (object);
}

static void
kith_chat_history_class_init (KithChatHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_chat_history_dispose;
  widget_class->realize = kith_chat_history_realize;
  widget_class->unrealize = kith_chat_history_unrealize;

  /* Its messages changed (the chat view marks them read if it may). */
  signals[MESSAGES_CHANGED] = g_signal_new ("messages-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The pill or the jump button took the reader to the newest message. */
  signals[JUMPED] = g_signal_new ("jumped-to-newest", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-chat-history.ui");
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, scroller);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, new_messages_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, new_messages_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, jump_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatHistory, message_list);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_overshot);
  gtk_widget_class_bind_template_callback (widget_class, on_jump_to_newest);
  gtk_widget_class_set_css_name (widget_class, "kithchathistory");
}

static void
kith_chat_history_init (KithChatHistory *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *adj;

  self->bound_items = g_hash_table_new (NULL, NULL);
  self->forgot_frame = -1;
  self->load_cancellable = g_cancellable_new ();
  self->at_bottom = TRUE;
  kith_chat_history_init_days (self);
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Hidden, a revealer still has its place over the messages (a crossfade
   * keeps its child's size) and takes the pointer there: the messages
   * under it could not be hovered, clicked or selected. */
  g_object_bind_property (self->jump_revealer, "reveal-child", self->jump_revealer, "can-target",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->new_messages_revealer, "reveal-child", self->new_messages_revealer, "can-target",
                          G_BINDING_SYNC_CREATE);

  g_signal_connect (factory, "setup", G_CALLBACK (on_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_row_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_row_unbind), self);
  gtk_list_view_set_factory (GTK_LIST_VIEW (self->message_list), factory);

  adj = get_vadjustment (self);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::page-size", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
}

/* ---- API ---- */

KithChatHistory *
kith_chat_history_new (KithSession       *session,
                       KithContact       *contact,
                       const char        *restore_id,
                       KithChatViewClock  now_func)
{
  KithChatHistory *self;

  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);
  g_return_val_if_fail (KITH_IS_CONTACT (contact), NULL);

  self = g_object_new (KITH_TYPE_CHAT_HISTORY, NULL);
  self->session = g_object_ref (session);
  self->contact = g_object_ref (contact);
  self->now_func = now_func;
  self->reveal = kith_reveal_model_new (kith_conversations_get (kith_session_get_conversations (session),
                                                                contact));
  self->messages = G_LIST_MODEL (self->reveal);
  {
    g_autoptr (GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (self->messages));

    gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), GTK_SELECTION_MODEL (selection));
  }
  /* After the list's own handler: it has taken the change in. */
  g_signal_connect_object (self->messages, "items-changed", G_CALLBACK (on_messages_changed),
                           self, G_CONNECT_SWAPPED);
  {
    g_autofree char *empty = g_markup_printf_escaped (_("Say hello to %s!"),
                                                      kith_contact_get_display_name (contact));

    adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page), empty);
  }
  update_empty (self);
  self->restore_id = g_strdup (restore_id);
  if (self->restore_id != NULL)
    restore_position (self);
  else
    scroll_to_bottom (self);
  return self;
}

KithContact *
kith_chat_history_get_contact (KithChatHistory *self)
{
  g_return_val_if_fail (KITH_IS_CHAT_HISTORY (self), NULL);

  return self->contact;
}

/* Shown again (kept by the chat view while hidden, at its bottom): the
 * conversation is open again, at its newest message; the rows are there. */
void
kith_chat_history_show_again (KithChatHistory *self)
{
  g_return_if_fail (KITH_IS_CHAT_HISTORY (self));

  kith_conversations_get (kith_session_get_conversations (self->session), self->contact);
  self->no_older = FALSE;
  self->at_bottom = TRUE;
  self->new_count = 0;
  scroll_to_bottom (self);
  if (self->stick_tick_id == 0)
    self->stick_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
  update_empty (self);
  update_jump (self);
  kith_chat_history_check_day (self);
}

/* Left: the message at the top of the view, to open it there again (NULL
 * at the bottom). Loading older pages stops; the midnight timeout too. */
char *
kith_chat_history_leave (KithChatHistory *self)
{
  KithMessage *top;

  g_return_val_if_fail (KITH_IS_CHAT_HISTORY (self), NULL);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  self->loading_older = FALSE;
  remove_tick (self, &self->reveal_tick_id);
  kith_reveal_model_set_holding (self->reveal, FALSE);
  kith_reveal_model_reveal (self->reveal, G_MAXUINT);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->loading_revealer), FALSE);
  gtk_spinner_stop (GTK_SPINNER (self->loading_spinner));
  g_clear_handle_id (&self->day_timeout_id, g_source_remove);
  g_clear_pointer (&self->restore_id, g_free);

  top = self->at_bottom ? NULL : top_message (self);
  return top != NULL ? g_strdup (kith_message_get_id (top)) : NULL;
}

gboolean
kith_chat_history_is_at_bottom (KithChatHistory *self)
{
  g_return_val_if_fail (KITH_IS_CHAT_HISTORY (self), FALSE);

  return self->at_bottom && self->restore_id == NULL;
}

/* Sending: the chat follows its newest message again. */
void
kith_chat_history_follow (KithChatHistory *self)
{
  g_return_if_fail (KITH_IS_CHAT_HISTORY (self));

  self->at_bottom = TRUE;
  g_clear_pointer (&self->restore_id, g_free);
}

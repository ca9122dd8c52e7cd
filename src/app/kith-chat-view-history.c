/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChatView"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-chat-view-private.h"
#include "kith-message-row.h"

/*
 * The open conversation in the chat view's list: held at its newest message
 * while there, older pages loaded when scrolled to the top, what is far
 * above forgotten while at the bottom, the position of each chat left
 * scrolled up put back when it opens again, and, scrolled up, the
 * "N new messages" pill or the jump button (docs/desktop.md, "The chat").
 */

/* How close to the top (px) scrolling loads older messages, and to the
 * bottom counts as "at the bottom". */
#define LOAD_OLDER_THRESHOLD 200
#define BOTTOM_THRESHOLD 24
/* A chat left open at its newest message: past this many pages in memory,
 * it keeps KEEP_PAGES. */
#define FORGET_ABOVE_PAGES 4
#define KEEP_PAGES 2
/* Coming back to a chat left scrolled up: at most this many older pages are
 * loaded to find the message it showed at the top. */
#define RESTORE_MAX_PAGES 4

static GtkAdjustment *
get_vadjustment (KithChatView *self)
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
scroll_to_bottom (KithChatView *self)
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
update_jump (KithChatView *self)
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

/* A long-open chat shown at its newest message keeps two pages: what is far
 * above comes back from the store when scrolled to (docs/service.md,
 * "Conversations that forget"). Not from inside items-changed: the list
 * is still taking the change in. */
static gboolean
forget_far_above (gpointer user_data)
{
  KithChatView *self = user_data;
  guint page = kith_conversations_get_page_size (kith_session_get_conversations (self->session));

  self->forget_id = 0;
  if (self->contact == NULL || self->messages == NULL || !self->at_bottom || self->loading_older)
    return G_SOURCE_REMOVE;
  if (g_list_model_get_n_items (self->messages) > FORGET_ABOVE_PAGES * page) {
    kith_conversations_forget_older (kith_session_get_conversations (self->session), self->contact,
                                     KEEP_PAGES * page);
    self->no_older = FALSE;
  }
  return G_SOURCE_REMOVE;
}

static void
schedule_forget (KithChatView *self)
{
  guint page = kith_conversations_get_page_size (kith_session_get_conversations (self->session));

  if (self->forget_id == 0 && self->at_bottom && self->messages != NULL &&
      g_list_model_get_n_items (self->messages) > FORGET_ABOVE_PAGES * page)
    self->forget_id = g_idle_add (forget_far_above, self);
}

static void
on_messages_changed (KithChatView *self,
                     guint         position,
                     guint         removed,
                     guint         added,
                     GListModel   *model)
{
  guint n = g_list_model_get_n_items (model);

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
  kith_chat_view_update_empty (self);
  kith_chat_view_maybe_mark_read (self);
  schedule_forget (self);
  update_jump (self);
  kith_chat_view_days_refresh_later (self);
}

static void restore_position (KithChatView *self);
static void restore_later    (KithChatView *self);

/* The value set while the viewport is being allocated (notify::upper comes
 * from its allocation) is not applied to the list until something else
 * allocates it again: a new message stood one row short of the bottom.
 * The frame after, the list is laid out again at the bottom. */
static gboolean
stick_to_bottom (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  /* A new model: a frame to lay its rows out first (ticks come before a
   * frame's layout). */
  if (!self->rows_placed && !self->stick_waited) {
    self->stick_waited = TRUE;
    return G_SOURCE_CONTINUE;
  }
  self->rows_placed = TRUE;
  self->stick_tick_id = 0;
  if (self->at_bottom) {
    scroll_to_bottom (self);
    gtk_widget_queue_allocate (self->message_list);
  }
  return G_SOURCE_REMOVE;
}

static void
on_upper_changed (KithChatView *self)
{
  self->rows_placed = TRUE;
  if (self->restore_id != NULL && !self->loading_older && self->restore_tick_id == 0)
    restore_later (self);
  if (self->at_bottom) {
    scroll_to_bottom (self);
    if (self->stick_tick_id == 0)
      self->stick_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
  }
}

static void
on_older_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KithChatView) self = user_data;
  g_autoptr (GError) error = NULL;
  int added;

  added = kith_conversations_load_older_finish (KITH_CONVERSATIONS (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->loading_older = FALSE;
  gtk_spinner_stop (GTK_SPINNER (self->loading_spinner));
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->loading_revealer), FALSE);
  if (error == NULL && added <= 0)
    self->no_older = TRUE;
  if (error != NULL)
    g_debug ("loading older messages: %s", error->message);
  if (self->restore_id != NULL)
    restore_position (self);
}

static void
load_older (KithChatView *self)
{
  if (self->contact == NULL || self->messages == NULL || self->loading_older || self->no_older)
    return;
  if (kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;

  self->loading_older = TRUE;
  self->at_bottom = FALSE;
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
top_message (KithChatView *self)
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

/* The chat being left: where it was, or nothing if at its bottom. */
static void
remember_position (KithChatView *self)
{
  KithMessage *top;

  if (self->messages == NULL)
    return;
  top = self->at_bottom ? NULL : top_message (self);
  if (top != NULL && kith_message_get_id (top) != NULL)
    g_hash_table_replace (self->positions, g_memdup2 (&self->messages_contact_id, sizeof (gint64)),
                          g_strdup (kith_message_get_id (top)));
  else
    g_hash_table_remove (self->positions, &self->messages_contact_id);
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
  KithChatView *self = KITH_CHAT_VIEW (widget);
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
restore_later (KithChatView *self)
{
  self->restore_laid_out = FALSE;
  self->restore_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), restore_tick, NULL, NULL);
}

static void
restore_position (KithChatView *self)
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
on_value_changed (KithChatView *self)
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
  /* At the bottom with the next frame to lay the list out there: the list
   * view is still placing its rows (in GTK 4.8 it puts back the value of
   * the row it was anchored to, overriding one set during its allocation). */
  if (self->at_bottom && self->stick_tick_id != 0)
    return;
  self->at_bottom = value >= bottom - BOTTOM_THRESHOLD;
  update_jump (self);
  if (value < LOAD_OLDER_THRESHOLD && bottom > 0)
    load_older (self);
}

/* "N new messages" or the jump button: to the newest, and stay there. */
static void
on_jump_to_newest (KithChatView *self)
{
  self->at_bottom = TRUE;
  g_clear_pointer (&self->restore_id, g_free);
  scroll_to_bottom (self);
  gtk_widget_queue_allocate (self->message_list);
  update_jump (self);
  kith_chat_view_maybe_mark_read (self);
  gtk_widget_grab_focus (self->composer);
}

static void
on_edge_overshot (KithChatView    *self,
                  GtkPositionType  pos)
{
  if (pos == GTK_POS_TOP)
    load_older (self);
}
/* A chat opened: its conversation in the list, at the message it was left
 * at, or at its newest. */
void
kith_chat_view_history_open (KithChatView *self)
{
  self->messages = g_object_ref (kith_conversations_get (kith_session_get_conversations (self->session),
                                                         self->contact));
  self->messages_contact_id = kith_contact_get_id (self->contact);
  self->at_bottom = TRUE;
  {
    g_autoptr (GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (self->messages));

    gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), GTK_SELECTION_MODEL (selection));
    self->rows_placed = FALSE;
    self->stick_waited = FALSE;
  }
  /* After the list's own handler: it has taken the change in. */
  g_signal_connect_object (self->messages, "items-changed", G_CALLBACK (on_messages_changed),
                           self, G_CONNECT_SWAPPED);
  self->restore_id = g_strdup (g_hash_table_lookup (self->positions, &self->messages_contact_id));
  if (self->restore_id != NULL)
    restore_position (self);
  else
    scroll_to_bottom (self);
}

/* The chat left: where it was is remembered, its model dropped. */
void
kith_chat_view_history_leave (KithChatView *self)
{
  if (self->messages != NULL) {
    remember_position (self);
    g_signal_handlers_disconnect_by_func (self->messages, on_messages_changed, self);
    gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), NULL);
    g_clear_object (&self->messages);
  }
  g_clear_pointer (&self->restore_id, g_free);
  self->restore_loads = 0;
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  self->loading_older = FALSE;
  self->no_older = FALSE;
  self->new_count = 0;
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->loading_revealer), FALSE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->new_messages_revealer), FALSE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->jump_revealer), FALSE);
  gtk_spinner_stop (GTK_SPINNER (self->loading_spinner));
}

/* Sending: the chat follows its newest message again. */
void
kith_chat_view_history_follow (KithChatView *self)
{
  self->at_bottom = TRUE;
  g_clear_pointer (&self->restore_id, g_free);
}

void
kith_chat_view_history_init (KithChatView *self)
{
  GtkAdjustment *adj = get_vadjustment (self);

  self->positions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->load_cancellable = g_cancellable_new ();
  self->at_bottom = TRUE;
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::page-size", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
}

void
kith_chat_view_history_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_edge_overshot);
  gtk_widget_class_bind_template_callback (widget_class, on_jump_to_newest);
}

void
kith_chat_view_history_dispose (KithChatView *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->forget_id, g_source_remove);
  if (self->stick_tick_id != 0) {
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stick_tick_id);
    self->stick_tick_id = 0;
  }
  if (self->restore_tick_id != 0) {
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->restore_tick_id);
    self->restore_tick_id = 0;
  }
  if (self->messages != NULL) {
    g_signal_handlers_disconnect_by_func (self->messages, on_messages_changed, self);
    if (self->message_list != NULL)
      gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), NULL);
    g_clear_object (&self->messages);
  }
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->restore_id, g_free);
  g_clear_pointer (&self->positions, g_hash_table_unref);
}

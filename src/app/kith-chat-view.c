/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChatView"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-contact-actions.h"
#include "kith-message-row.h"
#include "kith-shown-presence.h"
#include "kith-toast.h"

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

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithChatView, kith_chat_view, GTK_TYPE_WIDGET)

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

/* ---- reading ---- */

static void
maybe_mark_read (KithChatView *self)
{
  if (self->contact == NULL || self->messages == NULL)
    return;
  if (kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;
  if (kith_contact_get_unread_count (self->contact) == 0)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || self->window == NULL ||
      !gtk_window_is_active (self->window))
    return;
  kith_conversations_mark_read (kith_session_get_conversations (self->session), self->contact);
}

/* ---- the header and the page ---- */

/* "Remove Contact…" for a contact, "Withdraw Request" for our request. */
static void
update_menu (KithChatView *self)
{
  g_autoptr (GMenuModel) model = NULL;

  if (self->contact != NULL)
    model = kith_contact_actions_menu (self->contact, "chat", FALSE);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button), model);
  gtk_widget_set_visible (self->menu_button, model != NULL);
}

/* The header's expressions (kith-chat-view.ui): they follow :contact, its
 * state and presence, and the session's state. */

static gboolean
header_has_contact (KithChatView *self,
                    KithContact  *contact)
{
  return contact != NULL;
}

static gboolean
header_dot_visible (KithChatView     *self,
                    KithContactState  state)
{
  return state == KITH_CONTACT_ACCEPTED;
}

static GStrv
header_dot_classes (KithChatView     *self,
                    KithContactState  state,
                    KithPresence      presence,
                    KithSessionState  session_state)
{
  const char *name = NULL;

  if (state == KITH_CONTACT_ACCEPTED && session_state != KITH_SESSION_ONLINE)
    name = KITH_SHOWN_PRESENCE_UNKNOWN_NAME;   /* the last status heard, as unknown */
  else if (state == KITH_CONTACT_ACCEPTED)
    name = kith_shown_presence_get_name (kith_shown_presence_from_presence (presence));

  return g_strdupv ((char *[]) { (char *) "kith-presence-dot", (char *) name, NULL });
}

static char *
header_presence_text (KithChatView     *self,
                      KithContactState  state,
                      KithPresence      presence,
                      KithSessionState  session_state)
{
  switch (state) {
  case KITH_CONTACT_INCOMING:
    return g_strdup (_("Wants to be your contact"));
  case KITH_CONTACT_OUTGOING:
    return g_strdup (_("Request sent"));
  case KITH_CONTACT_ACCEPTED:
  default:
    if (session_state != KITH_SESSION_ONLINE)
      return g_strdup (kith_shown_presence_get_unknown_label (presence));
    return g_strdup (kith_shown_presence_get_label (kith_shown_presence_from_presence (presence)));
  }
}

static void
update_empty (KithChatView *self)
{
  gboolean empty = self->messages == NULL || g_list_model_get_n_items (self->messages) == 0;

  gtk_widget_set_visible (self->empty_page, self->messages != NULL && empty);
}

/* "Message NAME" while the composer is empty (also what a screen reader
 * says of the empty field). */
static void
update_placeholder (KithChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  g_autofree char *text = NULL;

  if (self->contact != NULL)
    text = g_strdup_printf (_("Message %s"), kith_contact_get_display_name (self->contact));
  gtk_label_set_label (GTK_LABEL (self->composer_placeholder), text ? text : "");
  gtk_widget_set_visible (self->composer_placeholder,
                          text != NULL && gtk_text_buffer_get_char_count (buffer) == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->composer),
                                  GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER, text ? text : "",
                                  -1);
}

static void
update_send_enabled (KithChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  gboolean enabled = FALSE;

  if (self->contact != NULL && kith_contact_get_state (self->contact) == KITH_CONTACT_ACCEPTED) {
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    enabled = *g_strstrip (text) != '\0';
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", enabled);
  update_placeholder (self);
}

static GDateTime *
now_local (KithChatView *self)
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

static void schedule_day_change (KithChatView *self);
static void refresh_separators  (KithChatView *self);

/* A new day: the separators say "Today", "Yesterday" and weekdays anew. */
static void
refresh_days (KithChatView *self)
{
  g_autoptr (GDateTime) now = now_local (self);

  self->headers_day = julian_day (now);
  refresh_separators (self);
}

static gboolean
on_day_changed (gpointer user_data)
{
  KithChatView *self = user_data;

  self->day_timeout_id = 0;
  refresh_days (self);
  schedule_day_change (self);
  return G_SOURCE_REMOVE;
}

/* A timeout for just after the next local midnight. (Timeouts stand still
 * while the machine sleeps: map and window activation check the day too.) */
static void
schedule_day_change (KithChatView *self)
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
static void
check_day (KithChatView *self)
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
static void
update_separator (KithChatView *self,
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
refresh_separators (KithChatView *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    update_separator (self, item);
}

/* After items-changed, once the list has moved its rows (not from inside the
 * signal: the list view may take the change in after us). */
static gboolean
refresh_separators_tick (GtkWidget     *widget,
                         GdkFrameClock *clock,
                         gpointer       user_data)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  self->separators_tick_id = 0;
  refresh_separators (self);
  return G_SOURCE_REMOVE;
}

static void
on_row_setup (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              KithChatView             *self)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, kith_message_row_new ());
}

static void
on_row_bind (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             KithChatView             *self)
{
  kith_message_row_set_message (KITH_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item),
                                self->contact ? kith_contact_get_display_name (self->contact) : NULL);
  g_hash_table_add (self->bound_items, item);
  update_separator (self, item);
}

static void
on_row_unbind (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               KithChatView             *self)
{
  g_hash_table_remove (self->bound_items, item);
  kith_message_row_set_message (KITH_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL, NULL);
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
  update_empty (self);
  maybe_mark_read (self);
  schedule_forget (self);
  update_jump (self);
  if (self->separators_tick_id == 0)
    self->separators_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), refresh_separators_tick,
                                                             NULL, NULL);
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
  maybe_mark_read (self);
  gtk_widget_grab_focus (self->composer);
}

static void
on_edge_overshot (KithChatView    *self,
                  GtkPositionType  pos)
{
  if (pos == GTK_POS_TOP)
    load_older (self);
}

/* No chat open: "Select a contact", or nothing at all while there are no
 * contacts (the list's "Add your first contact" is the one empty state). */
static void
update_none (KithChatView *self)
{
  gboolean no_contacts = g_list_model_get_n_items (kith_session_get_contacts (self->session)) == 0;

  if (self->contact != NULL)
    return;
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), no_contacts ? "no-contacts" : "none");
}

static void
show_contact (KithChatView *self)
{
  KithContactState state;
  g_autofree char *description = NULL;
  g_autofree char *empty = NULL;

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

  update_menu (self);
  self->focus_composer = FALSE;

  if (self->contact == NULL) {
    update_none (self);
    gtk_widget_set_visible (self->composer_box, FALSE);
    update_empty (self);
    update_send_enabled (self);
    return;
  }

  state = kith_contact_get_state (self->contact);
  if (state != KITH_CONTACT_ACCEPTED) {
    if (state == KITH_CONTACT_INCOMING)
      description = g_markup_printf_escaped (_("%s wants to be your contact. Accept the request to chat."),
                                             kith_contact_get_display_name (self->contact));
    else
      description = g_markup_printf_escaped (_("You can chat once %s accepts your request."),
                                             kith_contact_get_display_name (self->contact));
    gtk_widget_set_visible (self->accept_button, state == KITH_CONTACT_INCOMING);
    adw_status_page_set_description (ADW_STATUS_PAGE (self->request_page), description);
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "request");
    gtk_widget_set_visible (self->composer_box, FALSE);
    update_empty (self);
    update_send_enabled (self);
    return;
  }

  empty = g_markup_printf_escaped (_("Say hello to %s!"), kith_contact_get_display_name (self->contact));
  adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page), empty);

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
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "chat");
  gtk_widget_set_visible (self->composer_box, TRUE);
  update_empty (self);
  update_send_enabled (self);
  self->restore_id = g_strdup (g_hash_table_lookup (self->positions, &self->messages_contact_id));
  if (self->restore_id != NULL)
    restore_position (self);
  else
    scroll_to_bottom (self);
  maybe_mark_read (self);
  /* The user chose this chat: let them type at once. Shown later (a folded
   * leaflet slides the chat in after this): on map. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (self->composer);
  else
    self->focus_composer = TRUE;
}

/* ---- the window around us ---- */

static void
on_window_active (KithChatView *self)
{
  check_day (self);
  maybe_mark_read (self);
}

static void
on_back_clicked (KithChatView *self)
{
  if (self->leaflet != NULL)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
kith_chat_view_map (GtkWidget *widget)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);
  GtkRoot *root;
  GtkWidget *leaflet;

  GTK_WIDGET_CLASS (kith_chat_view_parent_class)->map (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root) && self->window == NULL) {
    self->window = GTK_WINDOW (root);
    g_signal_connect_swapped (self->window, "notify::is-active", G_CALLBACK (on_window_active), self);
  }
  leaflet = gtk_widget_get_ancestor (widget, ADW_TYPE_LEAFLET);
  if (leaflet != NULL && self->leaflet == NULL) {
    self->leaflet = ADW_LEAFLET (leaflet);
    g_binding_group_set_source (self->leaflet_bindings, leaflet);
  }
  check_day (self);
  maybe_mark_read (self);
  if (self->focus_composer) {
    self->focus_composer = FALSE;
    if (gtk_widget_get_visible (self->composer_box))
      gtk_widget_grab_focus (self->composer);
  }
}

static void
kith_chat_view_unmap (GtkWidget *widget)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->window != NULL) {
    g_signal_handlers_disconnect_by_func (self->window, on_window_active, self);
    self->window = NULL;
  }
  g_binding_group_set_source (self->leaflet_bindings, NULL);
  self->leaflet = NULL;
  g_clear_handle_id (&self->day_timeout_id, g_source_remove);

  GTK_WIDGET_CLASS (kith_chat_view_parent_class)->unmap (widget);
}

/* ---- sending ---- */

static void
on_message_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KithChatView) self = user_data;
  g_autoptr (KithMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  message = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  if (message == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    kith_toast_show (GTK_WIDGET (self), error->message);
}

static void
chat_send_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (text);
  if (*text == '\0')
    return;

  self->at_bottom = TRUE;
  g_clear_pointer (&self->restore_id, g_free);
  kith_conversations_send_async (kith_session_get_conversations (self->session), self->contact,
                                 text, self->cancellable, on_message_sent, g_object_ref (self));
  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_widget_grab_focus (self->composer);
}

static void
chat_accept_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_INCOMING)
    return;
  kith_contact_actions_answer (widget, self->session, self->contact, TRUE, self->cancellable);
}

static void
chat_remove_contact_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;
  kith_contact_actions_confirm_remove (widget, self->session, self->contact);
}

static void
chat_withdraw_request_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL)
    return;
  kith_contact_actions_withdraw (widget, self->session, self->contact);
}

/* The open chat's contact is gone (removed here or by the other side, or
 * signed out): back to the empty pane. */
static void
on_contacts_changed (KithChatView *self)
{
  if (self->contact != NULL &&
      kith_session_find_contact (self->session, kith_contact_get_id (self->contact)) != self->contact)
    kith_chat_view_set_contact (self, NULL);
  update_none (self);
}

static gboolean
on_composer_key_pressed (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         KithChatView          *self)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;   /* Shift+Enter: a new line */
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
  return TRUE;
}

/* ---- GObject ---- */

static void
kith_chat_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_CONTACT:
    g_value_set_object (value, self->contact);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_chat_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_CONTACT:
    kith_chat_view_set_contact (self, g_value_get_object (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_chat_view_constructed (GObject *object)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  G_OBJECT_CLASS (kith_chat_view_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_signal_connect_object (kith_session_get_contacts (self->session), "items-changed",
                           G_CALLBACK (on_contacts_changed), self, G_CONNECT_SWAPPED);
  update_none (self);
}

static void
kith_chat_view_dispose (GObject *object)
{
  KithChatView *self = KITH_CHAT_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->day_timeout_id, g_source_remove);
  g_clear_handle_id (&self->forget_id, g_source_remove);
  if (self->stick_tick_id != 0) {
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stick_tick_id);
    self->stick_tick_id = 0;
  }
  if (self->separators_tick_id != 0) {
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->separators_tick_id);
    self->separators_tick_id = 0;
  }
  if (self->restore_tick_id != 0) {
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->restore_tick_id);
    self->restore_tick_id = 0;
  }
  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  g_clear_object (&self->contact_signals);
  if (self->messages != NULL) {
    g_signal_handlers_disconnect_by_func (self->messages, on_messages_changed, self);
    if (self->message_list != NULL)
      gtk_list_view_set_model (GTK_LIST_VIEW (self->message_list), NULL);
    g_clear_object (&self->messages);
  }
  if (self->window != NULL) {
    g_signal_handlers_disconnect_by_func (self->window, on_window_active, self);
    self->window = NULL;
  }
  g_clear_object (&self->leaflet_bindings);
  /* The header's expressions go with the template, before what they watch. */
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CHAT_VIEW);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->contact);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->restore_id, g_free);
  g_clear_pointer (&self->positions, g_hash_table_unref);
  g_clear_pointer (&self->bound_items, g_hash_table_unref);

  G_OBJECT_CLASS (kith_chat_view_parent_class)->dispose (object);
}

static void
kith_chat_view_class_init (KithChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_chat_view_get_property;
  object_class->set_property = kith_chat_view_set_property;
  object_class->constructed = kith_chat_view_constructed;
  object_class->dispose = kith_chat_view_dispose;
  widget_class->map = kith_chat_view_map;
  widget_class->unmap = kith_chat_view_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, KITH_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KITH_TYPE_CONTACT);
  g_type_ensure (KITH_TYPE_SESSION);
  g_type_ensure (ADW_TYPE_AVATAR);
  g_type_ensure (ADW_TYPE_HEADER_BAR);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KithChatView, back_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, menu_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, stack);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, request_page);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, accept_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, new_messages_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, new_messages_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, jump_revealer);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, message_list);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer_box);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer_placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_overshot);
  gtk_widget_class_bind_template_callback (widget_class, on_jump_to_newest);
  gtk_widget_class_bind_template_callback (widget_class, header_has_contact);
  gtk_widget_class_bind_template_callback (widget_class, header_dot_visible);
  gtk_widget_class_bind_template_callback (widget_class, header_dot_classes);
  gtk_widget_class_bind_template_callback (widget_class, header_presence_text);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, chat_send_action);
  gtk_widget_class_install_action (widget_class, "chat.accept", NULL, chat_accept_action);
  gtk_widget_class_install_action (widget_class, "chat.remove-contact", NULL, chat_remove_contact_action);
  gtk_widget_class_install_action (widget_class, "chat.withdraw-request", NULL,
                                   chat_withdraw_request_action);

  gtk_widget_class_set_css_name (widget_class, "kithchatview");
}

static void
kith_chat_view_init (KithChatView *self)
{
  GtkEventController *keys;
  GtkAdjustment *adj;
  g_autoptr (GtkListItemFactory) factory = NULL;

  self->cancellable = g_cancellable_new ();
  self->bound_items = g_hash_table_new (NULL, NULL);
  self->positions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->load_cancellable = g_cancellable_new ();
  self->at_bottom = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Folded, the ancestor leaflet shows a back button (set while mapped). */
  self->leaflet_bindings = g_binding_group_new ();
  g_binding_group_bind (self->leaflet_bindings, "folded", self->back_button, "visible",
                        G_BINDING_SYNC_CREATE);

  /* What of the open contact changes more than the header. */
  self->contact_signals = g_signal_group_new (KITH_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::state",
                                  G_CALLBACK (show_contact), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::unread-count",
                                  G_CALLBACK (maybe_mark_read), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_placeholder), self);
  {
    g_autoptr (GDateTime) now = g_date_time_new_now_local ();

    self->headers_day = julian_day (now);
  }

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_row_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_row_unbind), self);
  gtk_list_view_set_factory (GTK_LIST_VIEW (self->message_list), factory);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_composer_key_pressed), self);
  gtk_widget_add_controller (self->composer, keys);
  g_signal_connect_object (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer)), "changed",
                           G_CALLBACK (update_send_enabled), self, G_CONNECT_SWAPPED);

  adj = get_vadjustment (self);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::page-size", G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);

  update_send_enabled (self);
}

GtkWidget *
kith_chat_view_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_CHAT_VIEW, "session", session, NULL);
}

KithContact *
kith_chat_view_get_contact (KithChatView *self)
{
  g_return_val_if_fail (KITH_IS_CHAT_VIEW (self), NULL);

  return self->contact;
}

void
kith_chat_view_set_contact (KithChatView *self,
                            KithContact  *contact)
{
  g_autoptr (KithContact) previous = NULL;

  g_return_if_fail (KITH_IS_CHAT_VIEW (self));
  g_return_if_fail (contact == NULL || KITH_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  previous = self->contact != NULL ? g_object_ref (self->contact) : NULL;
  g_set_object (&self->contact, contact);
  g_signal_group_set_target (self->contact_signals, contact);
  show_contact (self);
  /* The chat left keeps its newest page only (docs/service.md,
   * "Conversations that forget"). */
  if (previous != NULL)
    kith_conversations_close (kith_session_get_conversations (self->session), previous);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

void
kith_chat_view_set_clock (KithChatView      *self,
                          KithChatViewClock  now_func)
{
  g_return_if_fail (KITH_IS_CHAT_VIEW (self));

  self->now_func = now_func;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    check_day (self);
}

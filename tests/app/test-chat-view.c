/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestChatView"

#include "config.h"

#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-contacts-view.h"
#include "kith-message-row.h"
#include "kith-views-test-util.h"

/*
 * The chat pane beside the contacts pane, as the main page shows them,
 * against a real kithd, in real windows (Xvfb), driven as a person would:
 * Alice writes to Bob and reads his answers; the day separators, a long
 * history, a request accepted, the empty states.
 */

static KithViewsTest fx;

/* Alice's window: the contacts pane beside the chat pane (the first test
 * makes it; the chat and main tests share it). */
static struct {
  GtkWidget *window;
  GtkWidget *contacts_view;
  GtkWidget *chat_view;
} ui;

/* ---- helpers ---- */

/* The state of the message with @body in @session's conversation with
 * @peer_email; -1: there is none. */
static int
message_state (KithSession *session,
               const char  *peer_email,
               const char  *body)
{
  KithContact *contact = kith_session_find_contact_by_email (session, peer_email);
  GListModel *model;

  if (contact == NULL)
    return -1;
  model = kith_conversations_get (kith_session_get_conversations (session), contact);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_message_get_body (message), body) == 0)
      return kith_message_get_state (message);
  }
  return -1;
}

static gboolean
conversation_has (KithSession *session,
                  const char  *peer_email,
                  const char  *body)
{
  return message_state (session, peer_email, body) != -1;
}

static gboolean
press_key (GtkWidget       *widget,
           guint            keyval,
           GdkModifierType  state)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++) {
    g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

    /* The composer's own Enter handling runs in the capture phase. */
    if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
        gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
      g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
  }
  return handled;
}

static void
destroy_window (GtkWidget **window)
{
  if (*window != NULL) {
    gtk_window_destroy (GTK_WINDOW (*window));
    *window = NULL;
  }
}

/* ---- tests ---- */

/* The main window's content: the contacts pane beside the chat pane. */
static void
build_main_window (void)
{
  GtkWidget *box, *sidebar, *header, *avatar;
  KithUser *user = kith_session_get_user (fx.alice_session);

  ui.window = kith_views_new_window (980, 640);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  sidebar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_size_request (sidebar, 330, -1);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  avatar = adw_avatar_new (28, kith_user_get_display_name (user), TRUE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), avatar);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Kith", NULL));
  gtk_box_append (GTK_BOX (sidebar), header);
  ui.contacts_view = kith_contacts_view_new (fx.alice_session);
  gtk_widget_set_vexpand (ui.contacts_view, TRUE);
  gtk_box_append (GTK_BOX (sidebar), ui.contacts_view);
  gtk_box_append (GTK_BOX (box), sidebar);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  ui.chat_view = kith_chat_view_new (fx.alice_session);
  gtk_widget_set_hexpand (ui.chat_view, TRUE);
  gtk_box_append (GTK_BOX (box), ui.chat_view);
  gtk_window_set_titlebar (GTK_WINDOW (ui.window), gtk_label_new (NULL));
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (ui.window)), FALSE);
  gtk_window_set_child (GTK_WINDOW (ui.window), box);
  kith_views_open_chats_in (ui.contacts_view, ui.chat_view);
  gtk_window_present (GTK_WINDOW (ui.window));
  kith_test_settle (ui.window);
}

static void
test_chat_send (void)
{
  GtkWidget *composer, *send;
  GtkTextBuffer *buffer;

  build_main_window ();
  KITH_WAIT_FOR (kith_views_has_contact (fx.alice_session, fx.bob->email, KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (kith_test_find (ui.contacts_view, kith_views_match_contact_row, fx.bob->email) != NULL);

  /* Nothing chosen yet: the empty state, no composer. */
  composer = kith_test_find_by_type (ui.chat_view, GTK_TYPE_TEXT_VIEW);
  g_assert_false (gtk_widget_is_visible (composer));

  kith_views_activate_contact (ui.contacts_view, fx.bob->email);
  g_assert_true (kith_chat_view_get_contact (KITH_CHAT_VIEW (ui.chat_view)) ==
                 kith_session_find_contact_by_email (fx.alice_session, fx.bob->email));
  kith_test_settle (ui.window);
  g_assert_true (gtk_widget_is_visible (composer));

  send = kith_test_find (ui.chat_view, kith_test_match_action, "chat.send");
  g_assert_nonnull (send);
  g_assert_false (gtk_widget_get_sensitive (send));
  /* A send icon that reads as "send" (not a mail icon), one the theme has. */
  {
    const char *icon = gtk_button_get_icon_name (GTK_BUTTON (send));

    g_assert_nonnull (icon);
    g_assert_false (g_str_has_prefix (icon, "mail-"));
    g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (send)), icon));
  }
  /* The empty composer says whom it writes to; typing hides that. */
  g_assert_nonnull (kith_test_find (ui.chat_view, kith_test_match_visible_label, "Message Bob Marley"));

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer));
  gtk_text_buffer_set_text (buffer, "Hello Bob, lunch at noon?", -1);
  g_assert_true (gtk_widget_get_sensitive (send));
  g_assert_null (kith_test_find (ui.chat_view, kith_test_match_visible_label, "Message Bob Marley"));
  /* Shift+Enter is a new line, not a send. */
  g_assert_false (press_key (composer, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_true (press_key (composer, GDK_KEY_Return, 0));

  /* Cleared at once, Send disabled again, and the message reaches Bob. */
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (send));
  KITH_WAIT_FOR (conversation_has (fx.bob_session, fx.alice->email, "Hello Bob, lunch at noon?"));
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "Hello Bob, lunch at noon?") != NULL);
}

static void
test_chat_receive (void)
{
  KithContact *alice = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  GtkWidget *row;

  g_assert_nonnull (alice);
  kith_conversations_send_async (kith_session_get_conversations (fx.bob_session), alice,
                                 "Sure, see you at noon!", NULL, NULL, NULL);
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "Sure, see you at noon!") != NULL);
  row = kith_test_find (ui.chat_view, kith_views_match_message_row, "Sure, see you at noon!");
  g_assert_true (gtk_widget_has_css_class (row, "incoming"));

  /* Shown in the focused window: read at once, and Bob sees it read. */
  g_assert_true (gtk_window_is_active (GTK_WINDOW (ui.window)));
  KITH_WAIT_FOR (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)) == 0);
  KITH_WAIT_FOR (message_state (fx.bob_session, fx.alice->email, "Sure, see you at noon!") == KITH_MESSAGE_READ);
  row = kith_test_find (ui.chat_view, kith_views_match_message_row, "Hello Bob, lunch at noon?");
  g_assert_true (gtk_widget_has_css_class (row, "outgoing"));
}

/* Messages read while a read marker waits for the last one's interval
 * (READ_INTERVAL_MS) are not lost when the window hides then (to the tray,
 * or Kith exits and signs out): their marker goes as it hides. */
static void
test_chat_read_on_hide (void)
{
  KithContact *alice = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  KithConversations *bobs = kith_session_get_conversations (fx.bob_session);

  kith_conversations_send_async (bobs, alice, "Bring the umbrella", NULL, NULL, NULL);
  kith_conversations_send_async (bobs, alice, "It looks like rain", NULL, NULL, NULL);
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "It looks like rain") != NULL);
  gtk_widget_set_visible (ui.window, FALSE);

  KITH_WAIT_FOR (message_state (fx.bob_session, fx.alice->email, "Bring the umbrella") == KITH_MESSAGE_READ);
  KITH_WAIT_FOR (message_state (fx.bob_session, fx.alice->email, "It looks like rain") == KITH_MESSAGE_READ);
  g_assert_cmpuint (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)), ==, 0);

  gtk_window_present (GTK_WINDOW (ui.window));
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (ui.window)));
}

/* A clock for the chat's day separators that runs from a chosen moment. */
static GDateTime *fake_base;
static gint64     fake_set_at;

static GDateTime *
fake_now (void)
{
  return g_date_time_add (fake_base, g_get_monotonic_time () - fake_set_at);
}

static void
set_fake_now (GDateTime *base)
{
  g_clear_pointer (&fake_base, g_date_time_unref);
  fake_base = g_date_time_ref (base);
  fake_set_at = g_get_monotonic_time ();
}

static gboolean
match_row_of (GtkWidget     *widget,
              gconstpointer  message)
{
  return KITH_IS_MESSAGE_ROW (widget) && kith_message_row_get_message (KITH_MESSAGE_ROW (widget)) == message;
}

/* The row of the first message of the open chat's list (asserted to be
 * there: a short chat has all its rows). */
static KithMessageRow *
first_message_row (void)
{
  GtkWidget *list = kith_test_find_by_type (ui.chat_view, GTK_TYPE_LIST_VIEW);
  g_autoptr (KithMessage) first = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), 0);
  GtkWidget *row = kith_test_find (list, match_row_of, first);

  g_assert_nonnull (row);
  return KITH_MESSAGE_ROW (row);
}

/* The first message's day separator. */
static const char *
first_day_separator (void)
{
  return kith_message_row_get_day (first_message_row ());
}

/* "Today" turns into "Yesterday" at midnight with the chat open, and a
 * chat shown again days later (a machine that slept) is redone at once. */
static void
test_chat_day_change (void)
{
  KithMessageRow *first = first_message_row ();
  g_autoptr (GDateTime) sent = g_date_time_to_local (kith_message_get_sent_at (kith_message_row_get_message (first)));
  g_autoptr (GDateTime) day = g_date_time_new_local (g_date_time_get_year (sent), g_date_time_get_month (sent),
                                                     g_date_time_get_day_of_month (sent), 0, 0, 0);
  g_autoptr (GDateTime) next_day = g_date_time_add_days (day, 1);
  g_autoptr (GDateTime) before_midnight = g_date_time_add_seconds (next_day, -0.5);
  g_autoptr (GDateTime) days_later = g_date_time_add_days (day, 4);
  g_autofree char *weekday = g_date_time_format (sent, "%A");

  g_assert_true (gtk_widget_get_mapped (ui.chat_view));

  /* Half a second before the first message's day ends: still "Today",
   * then "Yesterday" once the clock passes midnight, with nothing else
   * happening. */
  set_fake_now (before_midnight);
  kith_chat_view_set_clock (KITH_CHAT_VIEW (ui.chat_view), fake_now);
  g_assert_cmpstr (first_day_separator (), ==, "Today");
  KITH_WAIT_FOR_SECONDS (g_strcmp0 (first_day_separator (), "Yesterday") == 0, 5);

  /* Unmapped over several days, then shown: the weekday at once. */
  gtk_widget_set_visible (ui.chat_view, FALSE);
  set_fake_now (days_later);
  gtk_widget_set_visible (ui.chat_view, TRUE);
  g_assert_cmpstr (first_day_separator (), ==, weekday);

  kith_chat_view_set_clock (KITH_CHAT_VIEW (ui.chat_view), NULL);
  g_assert_cmpstr (first_day_separator (), ==, "Today");
  g_clear_pointer (&fake_base, g_date_time_unref);
}

static guint
n_messages (KithSession *session,
            const char  *peer_email)
{
  KithContact *contact = kith_session_find_contact_by_email (session, peer_email);

  if (contact == NULL)
    return 0;
  return g_list_model_get_n_items (kith_conversations_get (kith_session_get_conversations (session), contact));
}

static gboolean
newest_is (KithSession *session,
           const char  *peer_email,
           const char  *body)
{
  KithContact *contact = kith_session_find_contact_by_email (session, peer_email);
  GListModel *model;
  guint n;
  g_autoptr (KithMessage) newest = NULL;

  if (contact == NULL)
    return FALSE;
  model = kith_conversations_get (kith_session_get_conversations (session), contact);
  n = g_list_model_get_n_items (model);
  newest = n > 0 ? g_list_model_get_item (model, n - 1) : NULL;
  return newest != NULL && g_strcmp0 (kith_message_get_body (newest), body) == 0;
}

static gboolean
revealed (GtkWidget  *chat,
          const char *revealer_id)
{
  GtkWidget *revealer = kith_test_find_by_id (chat, revealer_id);

  g_assert_nonnull (revealer);
  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer));
}

static gboolean
at_bottom (GtkAdjustment *adj)
{
  return gtk_adjustment_get_value (adj) >=
         gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 1;
}

/* A long history: the newest page first, at the bottom; scrolling to the
 * top loads older messages and keeps what was on screen in place; a new
 * message while at the bottom keeps the view at the bottom. */
static void
test_chat_history (void)
{
  g_autoptr (KithdTestUser) kim = NULL;
  g_autoptr (KithdTestUser) lee = NULL;
  g_autoptr (KithdTestSocket) lee_socket = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *chat, *scroller, *first_row;
  GtkAdjustment *adj;
  graphene_rect_t before_bounds, after_bounds;
  double value;
  guint n;

  kim = kithd_test_server_sign_up (fx.server, "kim@example.com", KITH_VIEWS_PASSWORD, "Kim", "Wilde");
  lee = kithd_test_server_sign_up (fx.server, "lee@example.com", KITH_VIEWS_PASSWORD, "Lee", "Miller");
  kithd_test_server_make_contacts (fx.server, kim, lee);
  lee_socket = kithd_test_socket_connect (fx.server, lee->token, 0);
  for (int i = 1; i <= 120; i++)
    kithd_test_socket_send_printf (lee_socket,
                                   "{\"type\": \"message.send\", \"id\": \"lee-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Message number %d\"}",
                                   i, kim->id, i);
  for (int i = 1; i <= 120; i++)
    g_assert_true (kithd_test_socket_await (lee_socket, "message.ack", NULL, 0, 5000));

  /* A first sign-in receives them all and caches them; signed in again,
   * Kim's Kith shows the newest page and has older ones to load. */
  session = kith_views_sign_in (&fx, fx.server, "kim@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "lee@example.com", KITH_CONTACT_ACCEPTED));
  /* All received (in order: the newest is the last); a conversation
   * nobody shows keeps its newest page, the store has them all. */
  KITH_WAIT_FOR (newest_is (session, "lee@example.com", "Message number 120"));
  kith_views_sign_out (session);
  g_clear_object (&session);
  session = kith_views_sign_in (&fx, fx.server, "kim@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "lee@example.com", KITH_CONTACT_ACCEPTED));
  window = kith_views_new_window (600, 500);
  chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), chat);
  gtk_window_present (GTK_WINDOW (window));
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), kith_session_find_contact_by_email (session, "lee@example.com"));
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "Message number 120") != NULL);
  kith_test_settle (window);

  scroller = gtk_widget_get_ancestor (kith_test_find_by_type (chat, GTK_TYPE_LIST_VIEW), GTK_TYPE_SCROLLED_WINDOW);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  n = n_messages (session, "lee@example.com");
  g_assert_cmpuint (n, <, 120);
  g_assert_true (at_bottom (adj));

  /* To the top: older ones come in above, what was on screen stays put.
   * The list view lays out only the rows in view: first just below where
   * loading starts, where a row near the top is whole in view; its place
   * in the list is where it shows plus the scroll offset. */
  g_assert_nonnull (kith_test_find (chat, kith_views_match_message_row, "Message number 71"));
  gtk_adjustment_set_value (adj, 250);
  kith_test_settle (window);
  g_assert_cmpuint (n_messages (session, "lee@example.com"), ==, n);
  first_row = kith_test_find (chat, kith_views_match_message_row, "Message number 76");
  g_assert_nonnull (first_row);
  g_assert_true (gtk_widget_compute_bounds (first_row, scroller, &before_bounds));
  before_bounds.origin.y += gtk_adjustment_get_value (adj);
  gtk_adjustment_set_value (adj, 0);
  before_bounds.origin.y -= gtk_adjustment_get_value (adj);
  KITH_WAIT_FOR (n_messages (session, "lee@example.com") > n);
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "Message number 21") != NULL);
  kith_test_settle (window);
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);
  first_row = kith_test_find (chat, kith_views_match_message_row, "Message number 76");
  g_assert_nonnull (first_row);
  g_assert_true (gtk_widget_compute_bounds (first_row, scroller, &after_bounds));
  g_assert_cmpfloat (ABS (after_bounds.origin.y - before_bounds.origin.y), <, 2);

  /* Far above the newest, a button jumps back; a message that comes
   * meanwhile does not move the view: "1 new message" says it, and takes
   * the reader down to it. */
  KITH_WAIT_FOR (revealed (chat, "jump_revealer"));
  g_assert_false (revealed (chat, "new_messages_revealer"));
  value = gtk_adjustment_get_value (adj);
  kithd_test_socket_send_printf (lee_socket,
                                 "{\"type\": \"message.send\", \"id\": \"lee-up\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"While you were up\"}",
                                 kim->id);
  KITH_WAIT_FOR (revealed (chat, "new_messages_revealer"));
  kith_test_settle (window);
  g_assert_cmpfloat (ABS (gtk_adjustment_get_value (adj) - value), <, 1);
  g_assert_false (at_bottom (adj));
  g_assert_false (revealed (chat, "jump_revealer"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (kith_test_find_by_id (chat, "new_messages_button"))),
                   ==, "1 new message");
  g_signal_emit_by_name (kith_test_find_by_id (chat, "new_messages_button"), "clicked");
  kith_test_settle (window);
  g_assert_true (at_bottom (adj));
  g_assert_false (revealed (chat, "new_messages_revealer"));
  g_assert_false (revealed (chat, "jump_revealer"));
  {
    GtkWidget *row = kith_test_find (chat, kith_views_match_message_row, "While you were up");
    graphene_rect_t bounds;

    g_assert_nonnull (row);
    g_assert_true (gtk_widget_compute_bounds (row, scroller, &bounds));
    g_assert_cmpfloat (bounds.origin.y, >=, 0);
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller) + 0.5);
  }

  /* Back at the bottom, a new message keeps it there. */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  kith_test_settle (window);
  kithd_test_socket_send_printf (lee_socket,
                                 "{\"type\": \"message.send\", \"id\": \"lee-new\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"And one more\"}",
                                 kim->id);
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "And one more") != NULL);
  kith_test_settle (window);
  g_assert_true (at_bottom (adj));

  /* Left open at the newest message, a long chat forgets what is far above:
   * never more than four pages in memory, the newest in view. */
  for (int i = 1; i <= 110; i++)
    kithd_test_socket_send_printf (lee_socket,
                                   "{\"type\": \"message.send\", \"id\": \"lee-burst-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Burst %d\"}",
                                   i, kim->id, i);
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "Burst 110") != NULL);
  kith_test_settle (window);
  g_assert_true (at_bottom (adj));
  g_assert_cmpuint (n_messages (session, "lee@example.com"), <=,
                    4 * kith_conversations_get_page_size (kith_session_get_conversations (session)));
  g_assert_null (kith_test_find (chat, kith_views_match_message_row, "Message number 21"));

  /* …and goes on forgetting, burst after burst, at the bottom. */
  for (int round = 1; round <= 3; round++) {
    g_autofree char *last = g_strdup_printf ("Flood %d-150", round);

    for (int i = 1; i <= 150; i++)
      kithd_test_socket_send_printf (lee_socket,
                                     "{\"type\": \"message.send\", \"id\": \"lee-flood-%d-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Flood %d-%d\"}",
                                     round, i, kim->id, round, i);
    KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, last) != NULL);
    kith_test_settle (window);
    g_assert_true (at_bottom (adj));
    g_assert_cmpuint (n_messages (session, "lee@example.com"), <=,
                      4 * kith_conversations_get_page_size (kith_session_get_conversations (session)));
  }

  /* The chat left keeps its newest page only; the rest is in the store. */
  {
    KithConversations *conversations = kith_session_get_conversations (session);
    KithContact *lee_contact = kith_session_find_contact_by_email (session, "lee@example.com");
    GListModel *model = kith_conversations_get (conversations, lee_contact);
    g_autoptr (KithMessage) newest = NULL;

    g_assert_cmpuint (g_list_model_get_n_items (model), >, kith_conversations_get_page_size (conversations));
    kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), NULL);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, kith_conversations_get_page_size (conversations));
    newest = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
    g_assert_cmpstr (kith_message_get_body (newest), ==, "Flood 3-150");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

static gboolean
carol_is_accepted (gconstpointer token)
{
  g_autofree char *body = NULL;
  guint status;

  status = kithd_test_server_request (fx.server, "GET", "/api/v1/contacts", token, NULL, &body, NULL);
  g_assert_cmpuint (status, ==, 200);
  return strstr (body, "\"accepted\"") != NULL;
}

static void
test_accept_request (void)
{
  g_autoptr (KithdTestUser) carol = NULL;
  g_autofree char *request = NULL;
  GtkWidget *row, *accept;
  guint status;

  carol = kithd_test_server_sign_up (fx.server, "carol@example.com", KITH_VIEWS_PASSWORD, "Carol", "Danvers");
  request = g_strdup_printf ("{\"email\": \"%s\"}", fx.alice->email);
  status = kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", carol->token, request, NULL, NULL);
  g_assert_cmpuint (status, ==, 201);

  /* The request shows as a row with Accept and Decline, first in the list. */
  KITH_WAIT_FOR (kith_views_has_contact (fx.alice_session, "carol@example.com", KITH_CONTACT_INCOMING));
  KITH_WAIT_FOR (kith_test_find (ui.contacts_view, kith_views_match_contact_row, "carol@example.com") != NULL);
  kith_test_settle (ui.window);
  {
    GtkWidget *list = kith_test_find_by_type (ui.contacts_view, GTK_TYPE_LIST_VIEW);
    g_autoptr (KithContact) first = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), 0);

    g_assert_cmpstr (kith_contact_get_email (first), ==, "carol@example.com");
  }
  /* Opened, the chat says she is not a contact yet: no composer. */
  kith_views_activate_contact (ui.contacts_view, "carol@example.com");
  kith_test_settle (ui.window);
  g_assert_nonnull (kith_test_find (ui.chat_view, kith_test_match_status_page, "Not a contact yet"));
  g_assert_false (gtk_widget_get_mapped (kith_test_find_by_type (ui.chat_view, GTK_TYPE_TEXT_VIEW)));

  row = kith_test_find (ui.contacts_view, kith_views_match_contact_row, "carol@example.com");
  accept = kith_test_find (row, kith_test_match_action, "contacts.accept");
  g_assert_nonnull (accept);
  g_assert_true (gtk_widget_is_visible (accept));
  g_signal_emit_by_name (accept, "clicked");

  KITH_WAIT_FOR (kith_views_has_contact (fx.alice_session, "carol@example.com", KITH_CONTACT_ACCEPTED));
  g_assert_true (carol_is_accepted (carol->token));
  g_assert_false (gtk_widget_is_visible (accept));

  /* Accepted: the chat opens for her. */
  kith_test_settle (ui.window);
  g_assert_null (kith_test_find (ui.chat_view, kith_test_match_status_page, "Not a contact yet"));
  g_assert_true (gtk_widget_get_mapped (kith_test_find_by_type (ui.chat_view, GTK_TYPE_TEXT_VIEW)));
  kith_views_activate_contact (ui.contacts_view, fx.bob->email);
}

static void
test_main_screenshot (void)
{
  g_autofree char *path = NULL;
  KithContact *bob = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  g_autoptr (KithdTestUser) dan = NULL;
  g_autoptr (KithdTestUser) eve = NULL;
  g_autoptr (KithdTestSocket) eve_socket = NULL;
  g_autofree char *request = NULL;

  /* Back to the main window (the history test had its own). */
  gtk_window_present (GTK_WINDOW (ui.window));
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (ui.window)));

  /* A few more people: one busy, one offline, one asking. */
  eve = kithd_test_server_sign_up (fx.server, "eve@example.com", KITH_VIEWS_PASSWORD, "Eve", "Moneypenny");
  kithd_test_server_make_contacts (fx.server, fx.alice, eve);
  eve_socket = kithd_test_socket_connect (fx.server, eve->token, 0);
  kithd_test_socket_send (eve_socket, "{\"type\": \"presence.set\", \"status\": \"busy\"}");
  dan = kithd_test_server_sign_up (fx.server, "dan@example.com", KITH_VIEWS_PASSWORD, "Dan", "Brown");
  kithd_test_server_make_contacts (fx.server, fx.alice, dan);
  {
    g_autoptr (KithdTestUser) fay = kithd_test_server_sign_up (fx.server, "fay@example.com", KITH_VIEWS_PASSWORD, "Fay", "Wray");

    request = g_strdup_printf ("{\"email\": \"%s\"}", fx.alice->email);
    kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", fay->token, request, NULL, NULL);
  }
  KITH_WAIT_FOR (kith_views_has_contact (fx.alice_session, "fay@example.com", KITH_CONTACT_INCOMING));
  KITH_WAIT_FOR (kith_views_has_contact (fx.alice_session, "dan@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (kith_session_find_contact_by_email (fx.alice_session, "eve@example.com") != NULL &&
                 kith_contact_get_presence (kith_session_find_contact_by_email (fx.alice_session, "eve@example.com")) == KITH_PRESENCE_BUSY);

  kith_conversations_send_async (kith_session_get_conversations (fx.bob_session), bob,
                                 "I'll book a table at the Italian place.", NULL, NULL, NULL);
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "I'll book a table at the Italian place.") != NULL);
  kith_conversations_send_async (kith_session_get_conversations (fx.alice_session),
                                 kith_session_find_contact_by_email (fx.alice_session, fx.bob->email),
                                 "Perfect, thanks! See you there.", NULL, NULL, NULL);
  KITH_WAIT_FOR (conversation_has (fx.bob_session, fx.alice->email, "Perfect, thanks! See you there."));
  /* Dan wrote while Alice was chatting with Bob: an unread badge. */
  {
    g_autoptr (KithdTestSocket) dan_socket = kithd_test_socket_connect (fx.server, dan->token, 0);

    kithd_test_socket_send_printf (dan_socket,
                                   "{\"type\": \"message.send\", \"id\": \"dan-1\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Are we still on for Friday?\"}",
                                   fx.alice->id);
    kithd_test_socket_send_printf (dan_socket,
                                   "{\"type\": \"message.send\", \"id\": \"dan-2\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Call me when you can.\"}",
                                   fx.alice->id);
    KITH_WAIT_FOR (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, "dan@example.com")) == 2);
  }

  /* The open chat is read: no badge on Bob. */
  KITH_WAIT_FOR (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)) == 0);
  path = kith_test_save_screenshot (ui.window, "main.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- empty states ---- */

static gboolean
match_mapped_status_page (GtkWidget     *widget,
                          gconstpointer  data)
{
  return ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget);
}

static guint
count_mapped_status_pages (GtkWidget *root)
{
  guint n = match_mapped_status_page (root, NULL) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_mapped_status_pages (child);
  return n;
}

static gboolean
match_suggested_add (GtkWidget     *widget,
                     gconstpointer  data)
{
  return kith_test_match_action (widget, "contacts.add") && gtk_widget_get_mapped (widget) &&
         gtk_widget_has_css_class (widget, "suggested-action");
}

/* A new account: one clear empty state ("Add your first contact", its
 * button opening Add Contact), not a second one beside it. With contacts
 * and none chosen, a quiet "Select a contact"; an open chat without
 * messages has its own state, with another icon. */
static void
test_empty_states (void)
{
  g_autoptr (KithdTestUser) zoe = NULL;
  g_autoptr (KithdTestUser) yul = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *box, *view, *chat, *page, *button, *dialog, *empty;

  zoe = kithd_test_server_sign_up (fx.server, "zoe@example.com", KITH_VIEWS_PASSWORD, "Zoe", "Kazan");
  yul = kithd_test_server_sign_up (fx.server, "yul@example.com", KITH_VIEWS_PASSWORD, "Yul", "Brynner");
  session = kith_views_sign_in (&fx, fx.server, "zoe@example.com");
  window = kith_views_new_window (900, 560);
  box = kith_views_panes_new (session, 300, &view, &chat);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-new-account.png"));

  /* No contacts: one empty state in the whole window, with the button. */
  page = kith_test_find (window, kith_test_match_status_page, "Add your first contact");
  g_assert_nonnull (page);
  g_assert_cmpuint (count_mapped_status_pages (window), ==, 1);
  g_assert_null (kith_test_find (chat, match_mapped_status_page, NULL));
  button = kith_test_find (page, match_suggested_add, NULL);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") != NULL);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == NULL);

  /* A contact, none chosen: "Select a contact", quiet (no large icon). */
  kithd_test_server_make_contacts (fx.server, zoe, yul);
  KITH_WAIT_FOR (kith_views_has_contact (session, "yul@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (kith_test_find (view, kith_views_match_contact_row, "yul@example.com") != NULL);
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-no-chat.png"));
  g_assert_null (kith_test_find (window, kith_test_match_status_page, "Add your first contact"));
  page = kith_test_find (chat, kith_test_match_status_page, "Select a contact");
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_has_css_class (page, "compact"));
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (page)));
  g_assert_null (adw_status_page_get_paintable (ADW_STATUS_PAGE (page)));

  /* An open chat without messages: its own state, its own icon. */
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat),
                              kith_session_find_contact_by_email (session, "yul@example.com"));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-chat.png"));
  empty = kith_test_find (chat, kith_test_match_status_page, "No messages yet");
  g_assert_nonnull (empty);
  g_assert_nonnull (adw_status_page_get_icon_name (ADW_STATUS_PAGE (empty)));
  g_assert_cmpstr (adw_status_page_get_icon_name (ADW_STATUS_PAGE (empty)), !=, "chat-message-new-symbolic");
  g_assert_null (kith_test_find (chat, kith_test_match_status_page, "Select a contact"));

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

static gboolean
match_body_label (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "kith-bubble-body");
}

/* The message's text has the room the label itself asks for at the width
 * it was given (the row measures it on its own): no line cut off, no
 * line too many, and not narrower than the label can be. */
static void
assert_body_fits (GtkWidget *row)
{
  GtkWidget *label = kith_test_find (row, match_body_label, NULL);
  int min_width, min_height, nat_height;

  g_assert_nonnull (label);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (label),
                      &min_height, &nat_height, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_width (label), >=, min_width);
  g_assert_cmpint (gtk_widget_get_height (label), ==, nat_height);
}

/* The newest message of a chat shown at its bottom is whole in view, each
 * time one comes, long or short, while the window is drawn. */
static void
test_chat_newest_visible (void)
{
  g_autoptr (KithdTestUser) mo = NULL;
  g_autoptr (KithdTestUser) ned = NULL;
  g_autoptr (KithdTestSocket) ned_socket = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window;
  GtkWidget *chat;
  GtkWidget *scroller;

  mo = kithd_test_server_sign_up (fx.server, "mo@example.com", KITH_VIEWS_PASSWORD, "Mo", "Farah");
  ned = kithd_test_server_sign_up (fx.server, "ned@example.com", KITH_VIEWS_PASSWORD, "Ned", "Kelly");
  kithd_test_server_make_contacts (fx.server, mo, ned);
  ned_socket = kithd_test_socket_connect (fx.server, ned->token, 0);
  session = kith_views_sign_in (&fx, fx.server, "mo@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "ned@example.com", KITH_CONTACT_ACCEPTED));
  window = kith_views_new_window (600, 400);
  chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), chat);
  gtk_window_present (GTK_WINDOW (window));
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), kith_session_find_contact_by_email (session, "ned@example.com"));
  kith_test_settle (window);

  for (int i = 1; i <= 12; i++) {
    g_autofree char *body = i % 3 == 0
      ? g_strdup_printf ("Long message %d: %s", i,
                         "a line that wraps, and wraps again, because it goes on and on about "
                         "nothing in particular until the row is three or four lines tall")
      : g_strdup_printf ("Short %d", i);
    GtkWidget *row;
    graphene_rect_t bounds;
    double view_height;

    kithd_test_socket_send_printf (ned_socket,
                                   "{\"type\": \"message.send\", \"id\": \"ned-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"%s\"}",
                                   i, mo->id, body);
    KITH_WAIT_FOR ((row = kith_test_find (chat, kith_views_match_message_row, body)) != NULL);
    kith_test_settle (window);
    /* The row, in its scrolled window's coordinates: all of it inside. */
    scroller = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
    g_assert_nonnull (scroller);
    g_assert_true (gtk_widget_compute_bounds (row, scroller, &bounds));
    view_height = gtk_widget_get_height (scroller);
    g_test_message ("%s: top %.1f bottom %.1f of %.1f (value %.1f upper %.1f page %.1f)", body,
                    bounds.origin.y, bounds.origin.y + bounds.size.height, view_height,
                    gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller))),
                    gtk_adjustment_get_upper (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller))),
                    gtk_adjustment_get_page_size (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller))));
    g_assert_cmpfloat (bounds.origin.y, >=, 0);
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, view_height + 0.5);
    assert_body_fits (row);
  }
  g_free (kith_test_save_screenshot (window, "chat-wrapping.png"));

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

/* The most messages the open chat's model held since the counter was
 * reset (a flood's peak). */
static guint flood_peak;

#define FLOOD_WINDOW 100

static void
on_flood_items_changed (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added)
{
  flood_peak = MAX (flood_peak, g_list_model_get_n_items (model));
}

static void
send_flood_message (KithdTestSocket *socket,
                    KithdTestUser   *to,
                    int              i)
{
  kithd_test_socket_send_printf (socket,
                                 "{\"type\": \"message.send\", \"id\": \"flood-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Flood %d\"}",
                                 i, to->id, i);
}

/* A flood into the open chat at its bottom, thousands of messages as fast
 * as the server hands them on: the chat goes on forgetting what is far
 * above (at most four pages once the flood is over) and stays at its
 * newest message, whole in view, without the reader doing anything. */
static void
test_chat_flood (void)
{
  g_autoptr (KithdTestUser) uma = NULL;
  g_autoptr (KithdTestUser) vic = NULL;
  g_autoptr (KithdTestSocket) vic_socket = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *chat, *scroller, *row;
  GtkAdjustment *adj;
  GListModel *model;
  graphene_rect_t bounds;
  guint page;
  const int flood = 3000;
  g_autofree char *last = g_strdup_printf ("Flood %d", flood);

  uma = kithd_test_server_sign_up (fx.server, "uma@example.com", KITH_VIEWS_PASSWORD, "Uma", "Thurman");
  vic = kithd_test_server_sign_up (fx.server, "vic@example.com", KITH_VIEWS_PASSWORD, "Vic", "Reeves");
  kithd_test_server_make_contacts (fx.server, uma, vic);
  vic_socket = kithd_test_socket_connect (fx.server, vic->token, 0);
  session = kith_views_sign_in (&fx, fx.server, "uma@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "vic@example.com", KITH_CONTACT_ACCEPTED));
  page = kith_conversations_get_page_size (kith_session_get_conversations (session));
  window = kith_views_new_window (600, 500);
  chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), chat);
  gtk_window_present (GTK_WINDOW (window));
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), kith_session_find_contact_by_email (session, "vic@example.com"));
  kith_test_settle (window);
  scroller = gtk_widget_get_ancestor (kith_test_find_by_type (chat, GTK_TYPE_LIST_VIEW), GTK_TYPE_SCROLLED_WINDOW);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  model = kith_conversations_get (kith_session_get_conversations (session),
                                  kith_session_find_contact_by_email (session, "vic@example.com"));
  flood_peak = 0;
  g_signal_connect (model, "items-changed", G_CALLBACK (on_flood_items_changed), NULL);

  /* Half sent a hundred ahead of what the chat has received, as a busy
   * sender's messages come: frames are drawn between them. */
  for (int i = 1; i <= flood / 2; i += FLOOD_WINDOW) {
    g_autofree char *newest = g_strdup_printf ("Flood %d", i + FLOOD_WINDOW - 1);

    for (int j = i; j < i + FLOOD_WINDOW && j <= flood / 2; j++)
      send_flood_message (vic_socket, uma, j);
    KITH_WAIT_FOR (conversation_has (session, "vic@example.com", newest));
    /* Nobody scrolled: no "N new messages". */
    g_assert_false (revealed (chat, "new_messages_revealer"));
  }
  /* The other half at once: the socket always has more, no frame is
   * drawn until they are all in. */
  for (int j = flood / 2 + 1; j <= flood; j++)
    send_flood_message (vic_socket, uma, j);
  KITH_WAIT_FOR (newest_is (session, "vic@example.com", last));
  kith_test_settle (window);
  /* Once the flood is over the chat comes down to its newest pages in the
   * next frames by itself, with nothing more arriving. */
  KITH_WAIT_FOR (g_list_model_get_n_items (model) <= 4 * page);
  kith_test_settle (window);
  g_test_message ("after %d messages: %u in the model (at most %u on the way), value %.1f of %.1f",
                  flood, g_list_model_get_n_items (model), flood_peak, gtk_adjustment_get_value (adj),
                  gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  g_signal_handlers_disconnect_by_func (model, on_flood_items_changed, NULL);

  /* Forgetting kept up with the flood, not only once it was over (the
   * chat held thousands on the way when it waited for the main loop to
   * be idle, or for a frame). */
  g_assert_cmpuint (flood_peak, <=, 10 * page);
  g_assert_true (at_bottom (adj));
  g_assert_false (revealed (chat, "new_messages_revealer"));
  g_assert_cmpuint (g_list_model_get_n_items (model), <=, 4 * page);
  row = kith_test_find (chat, kith_views_match_message_row, last);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_compute_bounds (row, scroller, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller) + 0.5);

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

/* The body of the message whose row is the first whole one at the top of
 * @chat's view (rows outside the view are not child-visible). */
static const char *
top_message_body (GtkWidget *chat)
{
  GtkWidget *list = kith_test_find_by_type (chat, GTK_TYPE_LIST_VIEW);
  const char *body = NULL;
  double top = G_MAXDOUBLE;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *row = gtk_widget_get_first_child (child);
    graphene_rect_t bounds;

    if (!gtk_widget_get_child_visible (child) || row == NULL || !KITH_IS_MESSAGE_ROW (row) ||
        kith_message_row_get_message (KITH_MESSAGE_ROW (row)) == NULL ||
        !gtk_widget_compute_bounds (child, list, &bounds))
      continue;
    if (bounds.origin.y >= -0.5 && bounds.origin.y < top) {
      top = bounds.origin.y;
      body = kith_message_get_body (kith_message_row_get_message (KITH_MESSAGE_ROW (row)));
    }
  }
  return body;
}

/* The same, once it stays the same over a few frames: the list places its
 * rows over several frames after a scroll, more of them on a busy machine. */
static char *
settled_top_message_body (GtkWidget *chat,
                          GtkWidget *window)
{
  g_autofree char *last = NULL;

  for (int i = 0; i < 50; i++) {
    const char *now;

    kith_test_settle (window);
    now = top_message_body (chat);
    if (now != NULL && g_strcmp0 (now, last) == 0)
      break;
    g_free (last);
    last = g_strdup (now);
  }
  return g_steal_pointer (&last);
}

static guint
message_position (GListModel *model,
                  const char *body)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_message_get_body (message), body) == 0)
      return i;
  }
  g_assert_not_reached ();
}

/* Each chat opens where it was left: scrolled up, with the message that
 * was at the top of the view at the top again (found by its id, older
 * pages loaded again if the chat forgot them when closed); left at its
 * bottom, at its newest message, whole in view. */
static void
test_chat_remember_position (void)
{
  g_autoptr (KithdTestUser) pia = NULL;
  g_autoptr (KithdTestUser) quinn = NULL;
  g_autoptr (KithdTestUser) ray = NULL;
  g_autoptr (KithdTestSocket) quinn_socket = NULL;
  g_autoptr (KithdTestSocket) ray_socket = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *top = NULL;
  KithContact *quinn_contact, *ray_contact;
  GListModel *model;
  GtkWidget *window, *chat, *list, *scroller, *row, *kept_row = NULL;
  GtkAdjustment *adj;
  graphene_rect_t bounds;
  guint page;

  pia = kithd_test_server_sign_up (fx.server, "pia@example.com", KITH_VIEWS_PASSWORD, "Pia", "Zadora");
  quinn = kithd_test_server_sign_up (fx.server, "quinn@example.com", KITH_VIEWS_PASSWORD, "Quinn", "Fabray");
  ray = kithd_test_server_sign_up (fx.server, "ray@example.com", KITH_VIEWS_PASSWORD, "Ray", "Charles");
  kithd_test_server_make_contacts (fx.server, pia, quinn);
  kithd_test_server_make_contacts (fx.server, pia, ray);
  quinn_socket = kithd_test_socket_connect (fx.server, quinn->token, 0);
  for (int i = 1; i <= 120; i++)
    kithd_test_socket_send_printf (quinn_socket,
                                   "{\"type\": \"message.send\", \"id\": \"quinn-%d\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Quinn says %d\"}",
                                   i, pia->id, i);
  for (int i = 1; i <= 120; i++)
    g_assert_true (kithd_test_socket_await (quinn_socket, "message.ack", NULL, 0, 5000));
  ray_socket = kithd_test_socket_connect (fx.server, ray->token, 0);
  kithd_test_socket_send_printf (ray_socket,
                                 "{\"type\": \"message.send\", \"id\": \"ray-1\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"Hi from Ray\"}",
                                 pia->id);

  session = kith_views_sign_in (&fx, fx.server, "pia@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "quinn@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (kith_views_has_contact (session, "ray@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (newest_is (session, "quinn@example.com", "Quinn says 120"));
  KITH_WAIT_FOR (newest_is (session, "ray@example.com", "Hi from Ray"));
  quinn_contact = kith_session_find_contact_by_email (session, "quinn@example.com");
  ray_contact = kith_session_find_contact_by_email (session, "ray@example.com");
  page = kith_conversations_get_page_size (kith_session_get_conversations (session));

  window = kith_views_new_window (600, 500);
  chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), chat);
  gtk_window_present (GTK_WINDOW (window));
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), quinn_contact);
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "Quinn says 120") != NULL);
  kith_test_settle (window);
  list = kith_test_find_by_type (chat, GTK_TYPE_LIST_VIEW);
  scroller = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  model = kith_conversations_get (kith_session_get_conversations (session), quinn_contact);

  /* Up to the top: an older page comes in; then a message of it at the
   * top of the view, beyond the page the chat keeps when closed. */
  gtk_adjustment_set_value (adj, 0);
  KITH_WAIT_FOR (g_list_model_get_n_items (model) > page);
  kith_test_settle (window);
  gtk_widget_activate_action (list, "list.scroll-to-item", "u", message_position (model, "Quinn says 40"));
  top = settled_top_message_body (chat, window);
  g_assert_nonnull (top);
  g_test_message ("left at %s", top);
  g_assert_false (at_bottom (adj));

  /* Another chat, and back: the same message at the top. */
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), ray_contact);
  KITH_WAIT_FOR (kith_test_find (chat, kith_views_match_message_row, "Hi from Ray") != NULL);
  kith_test_settle (window);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), quinn_contact);
  KITH_WAIT_FOR (g_strcmp0 (top_message_body (chat), top) == 0);
  kith_test_settle (window);
  /* (A chat left scrolled up is made again: its list is a new one.) */
  scroller = gtk_widget_get_ancestor (kith_test_find_by_type (chat, GTK_TYPE_LIST_VIEW), GTK_TYPE_SCROLLED_WINDOW);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpstr (top_message_body (chat), ==, top);
  g_assert_false (at_bottom (adj));
  g_assert_true (revealed (chat, "jump_revealer"));

  /* Down to the newest (the jump button), away and back: the newest,
   * whole in view. */
  g_signal_emit_by_name (kith_test_find_by_id (chat, "jump_button"), "clicked");
  KITH_WAIT_FOR (at_bottom (adj));
  kith_test_settle (window);
  row = kith_test_find (chat, kith_views_match_message_row, "Quinn says 120");
  g_assert_nonnull (row);
  g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &kept_row);
  kept_row = row;
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), ray_contact);
  kith_test_settle (window);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), quinn_contact);
  KITH_WAIT_FOR ((row = kith_test_find (chat, kith_views_match_message_row, "Quinn says 120")) != NULL);
  kith_test_settle (window);
  g_assert_true (at_bottom (adj));
  /* A chat left at its newest is kept: going back made no row again. */
  g_assert_true (row == kept_row);
  g_object_remove_weak_pointer (G_OBJECT (row), (gpointer *) &kept_row);
  g_assert_true (gtk_widget_compute_bounds (row, scroller, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller) + 0.5);

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  kith_views_test_init (&fx, &argc, &argv);
  g_test_add_func ("/views/chat/send", test_chat_send);
  g_test_add_func ("/views/chat/receive", test_chat_receive);
  g_test_add_func ("/views/chat/read-on-hide", test_chat_read_on_hide);
  g_test_add_func ("/views/chat/day-change", test_chat_day_change);
  g_test_add_func ("/views/chat/history", test_chat_history);
  g_test_add_func ("/views/chat/newest-visible", test_chat_newest_visible);
  g_test_add_func ("/views/chat/flood", test_chat_flood);
  g_test_add_func ("/views/chat/remember-position", test_chat_remember_position);
  g_test_add_func ("/views/contacts/accept-request", test_accept_request);
  g_test_add_func ("/views/main/screenshot", test_main_screenshot);
  g_test_add_func ("/views/main/empty-states", test_empty_states);
  ret = g_test_run ();

  destroy_window (&ui.window);
  kith_views_test_clear (&fx);
  return ret;
}

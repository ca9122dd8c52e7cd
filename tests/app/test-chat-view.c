/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestChatView"

#include "config.h"

#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-contacts-view.h"
#include "kith-message-row.h"
#include "kith-views-test-util.h"
#include "service-test-util.h"

/*
 * The chat pane beside the contacts pane, as the main page shows them,
 * against a real kithd, in real windows (Xvfb), driven as a person would:
 * Alice writes to Bob and reads his answers; the day separators, a
 * request accepted, the empty states. Long histories and where the chat
 * scrolls to are test-chat-scroll.c.
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
  KITH_WAIT_FOR (kith_views_conversation_has (fx.bob_session, fx.alice->email, "Hello Bob, lunch at noon?"));
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
  KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, "Sure, see you at noon!") == KITH_MESSAGE_READ);
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

  KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, "Bring the umbrella") == KITH_MESSAGE_READ);
  KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, "It looks like rain") == KITH_MESSAGE_READ);
  g_assert_cmpuint (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)), ==, 0);

  gtk_window_present (GTK_WINDOW (ui.window));
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (ui.window)));
}

/* Messages that come into the open chat in the focused window are read as
 * they come: the contact's row shows no unread badge for them in any frame
 * drawn, even for those that wait for the next read marker's interval
 * (each one showed a badge for up to a quarter of a second, a flash in
 * the contact list and a frame more to draw). */
static gboolean
match_badge (GtkWidget     *widget,
             gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, "kith-unread-badge");
}

static void
check_badge_drawn (GdkFrameClock *clock,
                   gpointer       user_data)
{
  guint *frames_with_badge = user_data;
  GtkWidget *row = kith_test_find (ui.contacts_view, kith_views_match_contact_row, fx.bob->email);
  GtkWidget *badge = row != NULL ? kith_test_find (row, match_badge, NULL) : NULL;

  if (badge != NULL && gtk_widget_get_visible (badge))
    (*frames_with_badge)++;
}

static void
test_chat_no_badge_while_read (void)
{
  KithContact *alice = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  KithConversations *bobs = kith_session_get_conversations (fx.bob_session);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (ui.window);
  const char *bodies[] = { "One", "Two", "Three", "Four" };
  guint frames_with_badge = 0;
  gulong handler;

  g_assert_true (gtk_window_is_active (GTK_WINDOW (ui.window)));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (check_badge_drawn), &frames_with_badge);
  /* A few frames apart, all within a read marker's interval. */
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    kith_conversations_send_async (bobs, alice, bodies[i], NULL, NULL, NULL);
    KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, bodies[i]) != NULL);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, bodies[i]) == KITH_MESSAGE_READ);
  g_signal_handler_disconnect (clock, handler);

  g_assert_cmpuint (frames_with_badge, ==, 0);
  g_assert_cmpuint (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)), ==, 0);
}

/* Logging out while a read marker waits for the last one's interval: the
 * marker goes before the socket closes (it went after, and was lost). Last:
 * Alice is signed out after it. */
static void
test_chat_read_on_log_out (void)
{
  KithContact *alice = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  KithConversations *bobs = kith_session_get_conversations (fx.bob_session);
  g_autoptr (GAsyncResult) result = NULL;

  gtk_window_present (GTK_WINDOW (ui.window));
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (ui.window)));
  kith_views_activate_contact (ui.contacts_view, fx.bob->email);
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "Four") != NULL);
  kith_conversations_send_async (bobs, alice, "Leaving already?", NULL, NULL, NULL);
  kith_conversations_send_async (bobs, alice, "See you tomorrow", NULL, NULL, NULL);
  KITH_WAIT_FOR (kith_test_find (ui.chat_view, kith_views_match_message_row, "See you tomorrow") != NULL);
  kith_session_log_out_async (fx.alice_session, NULL, svc_test_store_result, &result);
  g_assert_true (kith_session_finish (fx.alice_session, svc_test_wait_result (&result), NULL));

  KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, "Leaving already?") == KITH_MESSAGE_READ);
  KITH_WAIT_FOR (kith_views_message_state (fx.bob_session, fx.alice->email, "See you tomorrow") == KITH_MESSAGE_READ);
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
  KITH_WAIT_FOR (kith_views_conversation_has (fx.bob_session, fx.alice->email, "Perfect, thanks! See you there."));
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

int
main (int   argc,
      char *argv[])
{
  int ret;

  kith_views_test_init (&fx, &argc, &argv);
  g_test_add_func ("/views/chat/send", test_chat_send);
  g_test_add_func ("/views/chat/receive", test_chat_receive);
  g_test_add_func ("/views/chat/read-on-hide", test_chat_read_on_hide);
  g_test_add_func ("/views/chat/no-badge-while-read", test_chat_no_badge_while_read);
  g_test_add_func ("/views/chat/day-change", test_chat_day_change);
  g_test_add_func ("/views/contacts/accept-request", test_accept_request);
  g_test_add_func ("/views/main/screenshot", test_main_screenshot);
  g_test_add_func ("/views/main/empty-states", test_empty_states);
  g_test_add_func ("/views/log-out/read-marker-sent", test_chat_read_on_log_out);
  ret = g_test_run ();

  destroy_window (&ui.window);
  kith_views_test_clear (&fx);
  return ret;
}

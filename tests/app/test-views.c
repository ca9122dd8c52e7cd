/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestViews"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "kith-account-page.h"
#include "kith-app-test-util.h"
#include "kith-chat-view.h"
#include "kith-contact-row.h"
#include "kith-contacts-view.h"
#include "kith-delete-account-dialog.h"
#include "kith-message-row.h"
#include "kith-session.h"
#include "kithd-test-helper.h"

/*
 * The content views against a real kithd: the contacts list, the chat pane
 * and My Account, in real windows (Xvfb), driven as a person would.
 */

#define PASSWORD "Corr3ct-Horse!"

typedef struct {
  KithdTestServer *server;
  char            *tmp;
  KithdTestUser   *alice;
  KithdTestUser   *bob;
  KithSession     *alice_session;
  KithSession     *bob_session;
  GtkWidget       *window;
  GtkWidget       *contacts_view;
  GtkWidget       *chat_view;
} Fixture;

static Fixture fx;

/* ---- helpers ---- */

static void
on_session_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  kith_session_finish (KITH_SESSION (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

static KithSession *
signed_in_session_on (KithdTestServer *server,
                      const char      *email)
{
  g_autofree char *dir = g_build_filename (fx.tmp, email, NULL);
  KithSession *session;
  gboolean done = FALSE;

  session = g_object_new (KITH_TYPE_SESSION,
                          "server-url", kithd_test_server_get_url (server),
                          "data-dir", dir,
                          NULL);
  kith_session_sign_in_async (session, email, PASSWORD, FALSE, NULL, on_session_done, &done);
  KITH_WAIT_FOR (done);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  return session;
}

static KithSession *
signed_in_session (const char *email)
{
  return signed_in_session_on (fx.server, email);
}

static void
sign_out (KithSession *session)
{
  gboolean done = FALSE;

  if (kith_session_get_state (session) == KITH_SESSION_SIGNED_OUT)
    return;
  kith_session_log_out_async (session, NULL, on_session_done, &done);
  KITH_WAIT_FOR (done);
}

static gboolean
has_contact_in_state (KithSession      *session,
                      const char       *email,
                      KithContactState  state)
{
  KithContact *contact = kith_session_find_contact_by_email (session, email);

  return contact != NULL && kith_contact_get_state (contact) == state;
}

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget     *root,
             WidgetMatch    match,
             gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_widget (child, match, data);

    if (found != NULL)
      return found;
  }
  return NULL;
}

static gboolean
match_type (GtkWidget     *widget,
            gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

static gboolean
match_action (GtkWidget     *widget,
              gconstpointer  data)
{
  return GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

static gboolean
match_contact_row (GtkWidget     *widget,
                   gconstpointer  data)
{
  KithContact *contact;

  if (!KITH_IS_CONTACT_ROW (widget) || !gtk_widget_get_mapped (widget))
    return FALSE;
  contact = kith_contact_row_get_contact (KITH_CONTACT_ROW (widget));
  return contact != NULL && g_strcmp0 (kith_contact_get_email (contact), data) == 0;
}

static gboolean
match_message_row (GtkWidget     *widget,
                   gconstpointer  data)
{
  return KITH_IS_MESSAGE_ROW (widget) &&
         g_strcmp0 (kith_message_get_body (kith_message_row_get_message (KITH_MESSAGE_ROW (widget))), data) == 0;
}

static gboolean
match_error_label (GtkWidget     *widget,
                   gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error") &&
         gtk_widget_get_visible (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

static gboolean
match_visible_label (GtkWidget     *widget,
                     gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

static gboolean
match_editable_title (GtkWidget     *widget,
                      gconstpointer  data)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

static gboolean
match_status_page (GtkWidget     *widget,
                   gconstpointer  data);

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  return find_widget (root, match_type, GSIZE_TO_POINTER (type));
}

static gboolean
conversation_has (KithSession *session,
                  const char  *peer_email,
                  const char  *body)
{
  KithContact *contact = kith_session_find_contact_by_email (session, peer_email);
  GListModel *model;

  if (contact == NULL)
    return FALSE;
  model = kith_conversations_get (kith_session_get_conversations (session), contact);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_message_get_body (message), body) == 0)
      return TRUE;
  }
  return FALSE;
}

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

static char *
get_me (const char *token)
{
  g_autofree char *body = NULL;
  guint status;

  status = kithd_test_server_request (fx.server, "GET", "/api/v1/me", token, NULL, &body, NULL);
  g_assert_cmpuint (status, ==, 200);
  return g_steal_pointer (&body);
}

static GtkWidget *
new_window (int width,
            int height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_title (GTK_WINDOW (window), "Kith");
  return window;
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

static void
on_contact_activated (KithContactsView *view,
                      KithContact      *contact,
                      KithChatView     *chat)
{
  kith_chat_view_set_contact (chat, contact);
}

/* The main window's content: the contacts pane beside the chat pane. */
static void
build_main_window (void)
{
  GtkWidget *box, *sidebar, *header, *avatar;
  KithUser *user = kith_session_get_user (fx.alice_session);

  fx.window = new_window (980, 640);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  sidebar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_size_request (sidebar, 330, -1);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  avatar = adw_avatar_new (28, kith_user_get_display_name (user), TRUE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), avatar);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Kith", NULL));
  gtk_box_append (GTK_BOX (sidebar), header);
  fx.contacts_view = kith_contacts_view_new (fx.alice_session);
  gtk_widget_set_vexpand (fx.contacts_view, TRUE);
  gtk_box_append (GTK_BOX (sidebar), fx.contacts_view);
  gtk_box_append (GTK_BOX (box), sidebar);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  fx.chat_view = kith_chat_view_new (fx.alice_session);
  gtk_widget_set_hexpand (fx.chat_view, TRUE);
  gtk_box_append (GTK_BOX (box), fx.chat_view);
  gtk_window_set_titlebar (GTK_WINDOW (fx.window), gtk_label_new (NULL));
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (fx.window)), FALSE);
  gtk_window_set_child (GTK_WINDOW (fx.window), box);
  g_signal_connect (fx.contacts_view, "contact-activated", G_CALLBACK (on_contact_activated), fx.chat_view);
  gtk_window_present (GTK_WINDOW (fx.window));
  kith_test_settle (fx.window);
}

static void
activate_contact (const char *email)
{
  GtkWidget *list = find_type (fx.contacts_view, GTK_TYPE_LIST_VIEW);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_contact_get_email (contact), email) == 0) {
      g_signal_emit_by_name (list, "activate", i);
      return;
    }
  }
  g_assert_not_reached ();
}

static void
activate_contact_in (GtkWidget  *view,
                     const char *email)
{
  GtkWidget *list = find_type (view, GTK_TYPE_LIST_VIEW);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_contact_get_email (contact), email) == 0) {
      g_signal_emit_by_name (list, "activate", i);
      return;
    }
  }
  g_assert_not_reached ();
}

static void
test_chat_send (void)
{
  GtkWidget *composer, *send;
  GtkTextBuffer *buffer;

  build_main_window ();
  KITH_WAIT_FOR (has_contact_in_state (fx.alice_session, fx.bob->email, KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (find_widget (fx.contacts_view, match_contact_row, fx.bob->email) != NULL);

  /* Nothing chosen yet: the empty state, no composer. */
  composer = find_type (fx.chat_view, GTK_TYPE_TEXT_VIEW);
  g_assert_false (gtk_widget_is_visible (composer));

  activate_contact (fx.bob->email);
  g_assert_true (kith_chat_view_get_contact (KITH_CHAT_VIEW (fx.chat_view)) ==
                 kith_session_find_contact_by_email (fx.alice_session, fx.bob->email));
  kith_test_settle (fx.window);
  g_assert_true (gtk_widget_is_visible (composer));

  send = find_widget (fx.chat_view, match_action, "chat.send");
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
  g_assert_nonnull (find_widget (fx.chat_view, match_visible_label, "Message Bob Marley"));

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer));
  gtk_text_buffer_set_text (buffer, "Hello Bob, lunch at noon?", -1);
  g_assert_true (gtk_widget_get_sensitive (send));
  g_assert_null (find_widget (fx.chat_view, match_visible_label, "Message Bob Marley"));
  /* Shift+Enter is a new line, not a send. */
  g_assert_false (press_key (composer, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_true (press_key (composer, GDK_KEY_Return, 0));

  /* Cleared at once, Send disabled again, and the message reaches Bob. */
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (send));
  KITH_WAIT_FOR (conversation_has (fx.bob_session, fx.alice->email, "Hello Bob, lunch at noon?"));
  KITH_WAIT_FOR (find_widget (fx.chat_view, match_message_row, "Hello Bob, lunch at noon?") != NULL);
}

static void
test_chat_receive (void)
{
  KithContact *alice = kith_session_find_contact_by_email (fx.bob_session, fx.alice->email);
  GtkWidget *row;

  g_assert_nonnull (alice);
  kith_conversations_send_async (kith_session_get_conversations (fx.bob_session), alice,
                                 "Sure, see you at noon!", NULL, NULL, NULL);
  KITH_WAIT_FOR (find_widget (fx.chat_view, match_message_row, "Sure, see you at noon!") != NULL);
  row = find_widget (fx.chat_view, match_message_row, "Sure, see you at noon!");
  g_assert_true (gtk_widget_has_css_class (row, "incoming"));

  /* Shown in the focused window: read at once, and Bob sees it read. */
  g_assert_true (gtk_window_is_active (GTK_WINDOW (fx.window)));
  KITH_WAIT_FOR (kith_contact_get_unread_count (kith_session_find_contact_by_email (fx.alice_session, fx.bob->email)) == 0);
  KITH_WAIT_FOR (message_state (fx.bob_session, fx.alice->email, "Sure, see you at noon!") == KITH_MESSAGE_READ);
  row = find_widget (fx.chat_view, match_message_row, "Hello Bob, lunch at noon?");
  g_assert_true (gtk_widget_has_css_class (row, "outgoing"));
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

/* The first message's day separator. */
static const char *
first_day_separator (void)
{
  GtkWidget *list = find_type (fx.chat_view, GTK_TYPE_LIST_BOX);
  GtkWidget *header = gtk_list_box_row_get_header (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));

  return GTK_IS_LABEL (header) ? gtk_label_get_label (GTK_LABEL (header)) : NULL;
}

/* "Today" turns into "Yesterday" at midnight with the chat open, and a
 * chat shown again days later (a machine that slept) is redone at once. */
static void
test_chat_day_change (void)
{
  GtkWidget *list = find_type (fx.chat_view, GTK_TYPE_LIST_BOX);
  KithMessageRow *first = KITH_MESSAGE_ROW (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  g_autoptr (GDateTime) sent = g_date_time_to_local (kith_message_get_sent_at (kith_message_row_get_message (first)));
  g_autoptr (GDateTime) day = g_date_time_new_local (g_date_time_get_year (sent), g_date_time_get_month (sent),
                                                     g_date_time_get_day_of_month (sent), 0, 0, 0);
  g_autoptr (GDateTime) next_day = g_date_time_add_days (day, 1);
  g_autoptr (GDateTime) before_midnight = g_date_time_add_seconds (next_day, -0.5);
  g_autoptr (GDateTime) days_later = g_date_time_add_days (day, 4);
  g_autofree char *weekday = g_date_time_format (sent, "%A");

  g_assert_true (gtk_widget_get_mapped (fx.chat_view));

  /* Half a second before the first message's day ends: still "Today",
   * then "Yesterday" once the clock passes midnight, with nothing else
   * happening. */
  set_fake_now (before_midnight);
  kith_chat_view_set_clock (KITH_CHAT_VIEW (fx.chat_view), fake_now);
  g_assert_cmpstr (first_day_separator (), ==, "Today");
  KITH_WAIT_FOR_SECONDS (g_strcmp0 (first_day_separator (), "Yesterday") == 0, 5);

  /* Unmapped over several days, then shown: the weekday at once. */
  gtk_widget_set_visible (fx.chat_view, FALSE);
  set_fake_now (days_later);
  gtk_widget_set_visible (fx.chat_view, TRUE);
  g_assert_cmpstr (first_day_separator (), ==, weekday);

  kith_chat_view_set_clock (KITH_CHAT_VIEW (fx.chat_view), NULL);
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

  carol = kithd_test_server_sign_up (fx.server, "carol@example.com", PASSWORD, "Carol", "Danvers");
  request = g_strdup_printf ("{\"email\": \"%s\"}", fx.alice->email);
  status = kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", carol->token, request, NULL, NULL);
  g_assert_cmpuint (status, ==, 201);

  /* The request shows as a row with Accept and Decline, first in the list. */
  KITH_WAIT_FOR (has_contact_in_state (fx.alice_session, "carol@example.com", KITH_CONTACT_INCOMING));
  KITH_WAIT_FOR (find_widget (fx.contacts_view, match_contact_row, "carol@example.com") != NULL);
  kith_test_settle (fx.window);
  {
    GtkWidget *list = find_type (fx.contacts_view, GTK_TYPE_LIST_VIEW);
    g_autoptr (KithContact) first = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), 0);

    g_assert_cmpstr (kith_contact_get_email (first), ==, "carol@example.com");
  }
  /* Opened, the chat says she is not a contact yet: no composer. */
  activate_contact ("carol@example.com");
  kith_test_settle (fx.window);
  g_assert_nonnull (find_widget (fx.chat_view, match_status_page, "Not a contact yet"));
  g_assert_false (gtk_widget_get_mapped (find_type (fx.chat_view, GTK_TYPE_TEXT_VIEW)));

  row = find_widget (fx.contacts_view, match_contact_row, "carol@example.com");
  accept = find_widget (row, match_action, "contacts.accept");
  g_assert_nonnull (accept);
  g_assert_true (gtk_widget_is_visible (accept));
  g_signal_emit_by_name (accept, "clicked");

  KITH_WAIT_FOR (has_contact_in_state (fx.alice_session, "carol@example.com", KITH_CONTACT_ACCEPTED));
  g_assert_true (carol_is_accepted (carol->token));
  g_assert_false (gtk_widget_is_visible (accept));

  /* Accepted: the chat opens for her. */
  kith_test_settle (fx.window);
  g_assert_null (find_widget (fx.chat_view, match_status_page, "Not a contact yet"));
  g_assert_true (gtk_widget_get_mapped (find_type (fx.chat_view, GTK_TYPE_TEXT_VIEW)));
  activate_contact (fx.bob->email);
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

  /* Back to the main window (the add-contact test had its own). */
  gtk_window_present (GTK_WINDOW (fx.window));
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (fx.window)));

  /* A few more people: one busy, one offline, one asking. */
  eve = kithd_test_server_sign_up (fx.server, "eve@example.com", PASSWORD, "Eve", "Moneypenny");
  kithd_test_server_make_contacts (fx.server, fx.alice, eve);
  eve_socket = kithd_test_socket_connect (fx.server, eve->token, 0);
  kithd_test_socket_send (eve_socket, "{\"type\": \"presence.set\", \"status\": \"busy\"}");
  dan = kithd_test_server_sign_up (fx.server, "dan@example.com", PASSWORD, "Dan", "Brown");
  kithd_test_server_make_contacts (fx.server, fx.alice, dan);
  {
    g_autoptr (KithdTestUser) fay = kithd_test_server_sign_up (fx.server, "fay@example.com", PASSWORD, "Fay", "Wray");

    request = g_strdup_printf ("{\"email\": \"%s\"}", fx.alice->email);
    kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", fay->token, request, NULL, NULL);
  }
  KITH_WAIT_FOR (has_contact_in_state (fx.alice_session, "fay@example.com", KITH_CONTACT_INCOMING));
  KITH_WAIT_FOR (has_contact_in_state (fx.alice_session, "dan@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (kith_session_find_contact_by_email (fx.alice_session, "eve@example.com") != NULL &&
                 kith_contact_get_presence (kith_session_find_contact_by_email (fx.alice_session, "eve@example.com")) == KITH_PRESENCE_BUSY);

  kith_conversations_send_async (kith_session_get_conversations (fx.bob_session), bob,
                                 "I'll book a table at the Italian place.", NULL, NULL, NULL);
  KITH_WAIT_FOR (find_widget (fx.chat_view, match_message_row, "I'll book a table at the Italian place.") != NULL);
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
  path = kith_test_save_screenshot (fx.window, "main.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}


static gboolean
match_status_page (GtkWidget     *widget,
                   gconstpointer  data)
{
  /* Mapped: the stack's other pages are "visible" too. */
  return ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (widget)), data) == 0;
}

/* A new account: "Add your first contact" with the add button; adding by email
 * shows unknown emails and existing contacts in the dialog. */
static void
test_add_contact (void)
{
  g_autoptr (KithdTestUser) jo = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *view, *dialog, *entry;

  jo = kithd_test_server_sign_up (fx.server, "jo@example.com", PASSWORD, "Jo", "March");
  session = signed_in_session ("jo@example.com");
  window = new_window (360, 560);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  kith_test_settle (window);

  g_assert_nonnull (find_widget (view, match_status_page, "Add your first contact"));
  g_assert_nonnull (find_widget (view, match_action, "contacts.add"));

  g_assert_true (gtk_widget_activate_action (view, "contacts.add", NULL));
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  g_assert_nonnull (dialog);
  entry = find_type (dialog, GTK_TYPE_ENTRY);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));

  /* Nobody uses this email. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "nobody@example.com");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  KITH_WAIT_FOR (find_widget (dialog, match_error_label, "No Kith account uses this email address.") != NULL);
  g_assert_true (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == dialog);

  /* Bob does: a request, shown as "Request sent". */
  gtk_editable_set_text (GTK_EDITABLE (entry), fx.bob->email);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == NULL);
  KITH_WAIT_FOR (has_contact_in_state (session, fx.bob->email, KITH_CONTACT_OUTGOING));
  KITH_WAIT_FOR (find_widget (view, match_contact_row, fx.bob->email) != NULL);
  kith_test_settle (window);
  g_assert_null (find_widget (view, match_status_page, "Add your first contact"));

  /* Asking again: said in the dialog, nothing sent. */
  g_assert_true (gtk_widget_activate_action (view, "contacts.add", NULL));
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  entry = find_type (dialog, GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "BOB@example.com");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  g_assert_nonnull (find_widget (dialog, match_error_label, "You have already sent this person a request."));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_assert_null (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact"));

  /* Search filters the list. */
  gtk_editable_set_text (GTK_EDITABLE (find_type (view, GTK_TYPE_SEARCH_ENTRY)), "zzz");
  KITH_WAIT_FOR (find_widget (view, match_status_page, "No Results Found") != NULL);
  gtk_editable_set_text (GTK_EDITABLE (find_type (view, GTK_TYPE_SEARCH_ENTRY)), "marl");
  KITH_WAIT_FOR (find_widget (view, match_contact_row, fx.bob->email) != NULL);

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

static gboolean
match_caption (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "caption");
}

/* The subtitle of @email's row is drawn whole (not "Wants to be your c…"). */
static void
assert_subtitle_whole (GtkWidget  *view,
                       const char *email)
{
  GtkWidget *row = find_widget (view, match_contact_row, email);
  GtkWidget *label;

  g_assert_nonnull (row);
  label = find_widget (row, match_caption, NULL);
  g_assert_nonnull (label);
  g_test_message ("%s: \"%s\", %d px", email, gtk_label_get_label (GTK_LABEL (label)),
                  gtk_widget_get_width (label));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
}

/* Request rows at the window's default sidebar width (300 px, the main
 * page's width-request): what they say fits. */
static void
test_request_rows_fit (void)
{
  g_autoptr (KithdTestUser) rita = NULL;
  g_autoptr (KithdTestUser) leo = NULL;
  g_autoptr (KithdTestUser) mia = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *request = NULL;
  GtkWidget *window, *view;

  rita = kithd_test_server_sign_up (fx.server, "rita@example.com", PASSWORD, "Rita", "Moreno");
  leo = kithd_test_server_sign_up (fx.server, "leo@example.com", PASSWORD, "Leo", "Tolstoy");
  mia = kithd_test_server_sign_up (fx.server, "mia@example.com", PASSWORD, "Mia", "Farrow");
  request = g_strdup_printf ("{\"email\": \"%s\"}", rita->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", leo->token, request, NULL, NULL), ==, 201);
  g_clear_pointer (&request, g_free);
  request = g_strdup_printf ("{\"email\": \"%s\"}", mia->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", rita->token, request, NULL, NULL), ==, 201);

  session = signed_in_session ("rita@example.com");
  window = new_window (300, 400);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (find_widget (view, match_contact_row, "leo@example.com") != NULL &&
                 find_widget (view, match_contact_row, "mia@example.com") != NULL);
  kith_test_settle (window);
  g_assert_cmpint (gtk_widget_get_width (view), ==, 300);
  g_free (kith_test_save_screenshot (window, "contacts-requests.png"));

  assert_subtitle_whole (view, "leo@example.com");
  assert_subtitle_whole (view, "mia@example.com");

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

/* ---- removing a contact, withdrawing a request ---- */

static gboolean
match_button_label (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
match_label_text (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

/* The first item of @popover's menu: its label, and its action activated
 * on @widget as a click on it would. */
static char *
menu_item_label (GtkWidget *popover)
{
  GMenuModel *model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  char *label = NULL;

  g_assert_nonnull (model);
  g_assert_cmpint (g_menu_model_get_n_items (model), ==, 1);
  g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label);
  return label;
}

static void
activate_menu_item (GtkWidget *popover,
                    GtkWidget *widget)
{
  GMenuModel *model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  g_autofree char *action = NULL;
  g_autoptr (GVariant) target = NULL;

  g_assert_true (g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action));
  target = g_menu_model_get_item_attribute_value (model, 0, G_MENU_ATTRIBUTE_TARGET, NULL);
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_true (gtk_widget_activate_action_variant (widget, action, target));
}

static void
right_click (GtkWidget *row)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (row);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++) {
    g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

    if (GTK_IS_GESTURE_CLICK (controller) &&
        gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_SECONDARY) {
      g_signal_emit_by_name (controller, "pressed", 1, 40.0, 20.0);
      return;
    }
  }
  g_assert_not_reached ();
}

static gboolean
server_lists (KithdTestUser *user,
              const char    *text)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (kithd_test_server_request (fx.server, "GET", "/api/v1/contacts", user->token, NULL,
                                               &body, NULL), ==, 200);
  return strstr (body, text) != NULL;
}

/* The row's context menu (right click, or Menu / Shift+F10 on the focused
 * row) and the chat header's menu: "Remove Contact…" asks first, says what
 * happens to the history, and leaves the chat pane empty; "Withdraw
 * Request" withdraws at once, and the toast's Undo sends it again. */
static void
test_remove_and_withdraw (void)
{
  g_autoptr (KithdTestUser) nia = NULL;
  g_autoptr (KithdTestUser) oscar = NULL;
  g_autoptr (KithdTestUser) pam = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *request = NULL;
  g_autofree char *label = NULL;
  KithContact *contact;
  GtkWidget *window, *overlay, *box, *view, *chat, *row, *popover, *dialog, *undo, *menu_button;

  nia = kithd_test_server_sign_up (fx.server, "nia@example.com", PASSWORD, "Nia", "Long");
  oscar = kithd_test_server_sign_up (fx.server, "oscar@example.com", PASSWORD, "Oscar", "Wilde");
  pam = kithd_test_server_sign_up (fx.server, "pam@example.com", PASSWORD, "Pam", "Grier");
  kithd_test_server_make_contacts (fx.server, nia, oscar);
  request = g_strdup_printf ("{\"email\": \"%s\"}", pam->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", nia->token, request, NULL, NULL), ==, 201);
  session = signed_in_session ("nia@example.com");

  window = new_window (980, 640);
  overlay = adw_toast_overlay_new ();
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  view = kith_contacts_view_new (session);
  gtk_widget_set_size_request (view, 330, -1);
  chat = kith_chat_view_new (session);
  gtk_widget_set_hexpand (chat, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), chat);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), box);
  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_label_new (NULL));
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (window)), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  g_signal_connect (view, "contact-activated", G_CALLBACK (on_contact_activated), chat);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (find_widget (view, match_contact_row, "oscar@example.com") != NULL &&
                 find_widget (view, match_contact_row, "pam@example.com") != NULL);
  kith_test_settle (window);

  /* Right click on Oscar's row: "Remove Contact…". */
  row = find_widget (view, match_contact_row, "oscar@example.com");
  right_click (row);
  popover = find_type (view, GTK_TYPE_POPOVER_MENU);
  g_assert_nonnull (popover);
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  label = menu_item_label (popover);
  g_assert_cmpstr (label, ==, "_Remove Contact…");
  g_free (kith_test_save_screenshot (popover, "contacts-context-menu.png"));
  g_free (kith_test_save_screenshot (window, "contacts-context-menu-window.png"));

  /* It asks first; Cancel keeps him. */
  activate_menu_item (popover, view);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?");
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "Your conversation stays on this computer."));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove"),
                   ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");
  kith_test_settle (dialog);
  g_free (kith_test_save_screenshot (dialog, "contacts-remove-dialog.png"));
  /* A click on the button: the dialog closes itself then. */
  g_signal_emit_by_name (find_widget (dialog, match_button_label, "_Cancel"), "clicked");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?") == NULL);
  kith_test_settle (window);
  g_assert_true (has_contact_in_state (session, "oscar@example.com", KITH_CONTACT_ACCEPTED));

  /* His chat open, the header's menu says the same; Remove: gone on both
   * sides, and the chat pane is empty again. */
  activate_contact_in (view, "oscar@example.com");
  g_assert_true (kith_chat_view_get_contact (KITH_CHAT_VIEW (chat)) ==
                 kith_session_find_contact_by_email (session, "oscar@example.com"));
  menu_button = find_type (chat, GTK_TYPE_MENU_BUTTON);
  g_assert_nonnull (menu_button);
  g_assert_true (gtk_widget_get_mapped (menu_button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button)));
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  g_clear_pointer (&label, g_free);
  label = menu_item_label (popover);
  g_assert_cmpstr (label, ==, "_Remove Contact…");
  g_free (kith_test_save_screenshot (window, "chat-header-menu.png"));
  activate_menu_item (popover, chat);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?");
  g_assert_nonnull (dialog);
  kith_test_settle (dialog);
  g_signal_emit_by_name (find_widget (dialog, match_button_label, "_Remove"), "clicked");
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "oscar@example.com") == NULL);
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?") == NULL);
  g_assert_false (server_lists (oscar, "nia@example.com"));
  g_assert_null (kith_chat_view_get_contact (KITH_CHAT_VIEW (chat)));
  kith_test_settle (window);
  g_assert_nonnull (find_widget (chat, match_status_page, "Select a contact"));
  g_assert_false (gtk_widget_get_mapped (menu_button));
  KITH_WAIT_FOR (find_widget (overlay, match_label_text, "Oscar Wilde was removed from your contacts") != NULL);

  /* Pam's request, from the keyboard: focus on her row, then Menu. */
  row = find_widget (view, match_contact_row, "pam@example.com");
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));
  g_assert_true (gtk_widget_activate_action (view, "contacts.context-menu", NULL));
  popover = find_type (view, GTK_TYPE_POPOVER_MENU);
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  g_clear_pointer (&label, g_free);
  label = menu_item_label (popover);
  g_assert_cmpstr (label, ==, "_Withdraw Request");

  /* Withdrawn at once, no dialog; Undo sends it again. */
  activate_menu_item (popover, view);
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "pam@example.com") == NULL);
  g_assert_false (server_lists (pam, "nia@example.com"));
  KITH_WAIT_FOR ((undo = find_widget (overlay, match_button_label, "_Undo")) != NULL);
  g_assert_nonnull (find_widget (overlay, match_label_text, "Request to Pam Grier withdrawn"));
  g_free (kith_test_save_screenshot (window, "contacts-withdrawn-toast.png"));
  g_signal_emit_by_name (undo, "clicked");
  KITH_WAIT_FOR (has_contact_in_state (session, "pam@example.com", KITH_CONTACT_OUTGOING));
  g_assert_true (server_lists (pam, "nia@example.com"));
  contact = kith_session_find_contact_by_email (session, "pam@example.com");
  g_assert_nonnull (contact);

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
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
  guint n;

  kim = kithd_test_server_sign_up (fx.server, "kim@example.com", PASSWORD, "Kim", "Wilde");
  lee = kithd_test_server_sign_up (fx.server, "lee@example.com", PASSWORD, "Lee", "Miller");
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
  session = signed_in_session ("kim@example.com");
  KITH_WAIT_FOR (has_contact_in_state (session, "lee@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (n_messages (session, "lee@example.com") == 120);
  sign_out (session);
  g_clear_object (&session);
  session = signed_in_session ("kim@example.com");
  KITH_WAIT_FOR (has_contact_in_state (session, "lee@example.com", KITH_CONTACT_ACCEPTED));
  window = new_window (600, 500);
  chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), chat);
  gtk_window_present (GTK_WINDOW (window));
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), kith_session_find_contact_by_email (session, "lee@example.com"));
  KITH_WAIT_FOR (find_widget (chat, match_message_row, "Message number 120") != NULL);
  kith_test_settle (window);

  scroller = gtk_widget_get_ancestor (find_type (chat, GTK_TYPE_LIST_BOX), GTK_TYPE_SCROLLED_WINDOW);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  n = n_messages (session, "lee@example.com");
  g_assert_cmpuint (n, <, 120);
  g_assert_true (at_bottom (adj));

  /* To the top: older ones come in above, the oldest shown stays put. */
  first_row = find_widget (chat, match_message_row, "Message number 71");
  g_assert_nonnull (first_row);
  gtk_adjustment_set_value (adj, 0);
  /* Where it is on screen: its place in the list minus the scroll offset. */
  g_assert_true (gtk_widget_compute_bounds (first_row, find_type (chat, GTK_TYPE_LIST_BOX), &before_bounds));
  before_bounds.origin.y -= gtk_adjustment_get_value (adj);
  KITH_WAIT_FOR (n_messages (session, "lee@example.com") > n);
  KITH_WAIT_FOR (find_widget (chat, match_message_row, "Message number 21") != NULL);
  kith_test_settle (window);
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);
  g_assert_true (gtk_widget_compute_bounds (first_row, find_type (chat, GTK_TYPE_LIST_BOX), &after_bounds));
  after_bounds.origin.y -= gtk_adjustment_get_value (adj);
  g_assert_cmpfloat (ABS (after_bounds.origin.y - before_bounds.origin.y), <, 2);

  /* Back at the bottom, a new message keeps it there. */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  kith_test_settle (window);
  kithd_test_socket_send_printf (lee_socket,
                                 "{\"type\": \"message.send\", \"id\": \"lee-new\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"And one more\"}",
                                 kim->id);
  KITH_WAIT_FOR (find_widget (chat, match_message_row, "And one more") != NULL);
  kith_test_settle (window);
  g_assert_true (at_bottom (adj));

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

/* ---- My Account ---- */

static GtkWidget *
account_window (KithSession  *session,
                GtkWidget   **page_out)
{
  GtkWidget *window = new_window (720, 760);
  GtkWidget *page = kith_account_page_new (session);

  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_label_new (NULL));
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (window)), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  kith_test_settle (window);
  *page_out = page;
  return window;
}

static void
test_account_profile (void)
{
  GtkWidget *window, *page, *first_row, *notify_switch;
  KithUser *user = kith_session_get_user (fx.alice_session);
  g_autofree char *me = NULL;
  g_autofree char *path = NULL;
  g_autoptr (JsonObject) object = NULL;
  JsonObject *me_user;

  window = account_window (fx.alice_session, &page);

  /* First name: type, apply (Enter or the apply button) → kithd has it. */
  first_row = find_widget (page, match_editable_title, "First Name");
  g_assert_nonnull (first_row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (first_row)), ==, "Alice");
  gtk_editable_set_text (GTK_EDITABLE (first_row), "Alicia");
  g_signal_emit_by_name (first_row, "apply");
  KITH_WAIT_FOR (g_strcmp0 (kith_user_get_first_name (user), "Alicia") == 0);
  me = get_me (fx.alice->token);
  object = kithd_test_parse_object (me);
  me_user = json_object_has_member (object, "user") ? json_object_get_object_member (object, "user") : object;
  g_assert_cmpstr (json_object_get_string_member (me_user, "first_name"), ==, "Alicia");
  g_clear_pointer (&me, g_free);
  g_clear_pointer (&object, json_object_unref);

  /* Offline notification: the switch reaches kithd. */
  notify_switch = find_type (page, GTK_TYPE_SWITCH);
  g_assert_nonnull (notify_switch);
  {
    gboolean before = kith_user_get_offline_email_notification (user);

    gtk_switch_set_active (GTK_SWITCH (notify_switch), !before);
    KITH_WAIT_FOR (kith_user_get_offline_email_notification (user) == !before);
    KITH_WAIT_FOR (gtk_switch_get_state (GTK_SWITCH (notify_switch)) == !before);
    me = get_me (fx.alice->token);
    object = kithd_test_parse_object (me);
    me_user = json_object_has_member (object, "user") ? json_object_get_object_member (object, "user") : object;
    g_assert_cmpint (json_object_get_boolean_member (me_user, "offline_email_notification"), ==, !before);
    if (!before == FALSE) {
      gtk_switch_set_active (GTK_SWITCH (notify_switch), TRUE);
      KITH_WAIT_FOR (kith_user_get_offline_email_notification (user));
    }
  }

  gtk_window_destroy (GTK_WINDOW (window));

  /* The screenshot from a fresh page (no toasts on it). */
  window = account_window (fx.alice_session, &page);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_widget (page, match_editable_title, "First Name"))), ==, "Alicia");
  path = kith_test_save_screenshot (window, "account.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
match_password_title (GtkWidget     *widget,
                      gconstpointer  data)
{
  return ADW_IS_PASSWORD_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

#define LONG_TEXT "Zu viele Versuche: Bitte warten Sie einige Minuten, bevor Sie es " \
  "erneut versuchen, oder setzen Sie Ihr Passwort über die Webseite zurück."

static void
test_account_change_password (void)
{
  g_autoptr (KithdTestUser) ivy = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *token = NULL;
  const char *typed[] = { "a", "aB", "aB3", "aB3!", "aB3!aaaa",
                          "aB3!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
  GtkWidget *window, *page, *dialog, *error_label, *rule_label;
  GType type;
  int width;

  ivy = kithd_test_server_sign_up (fx.server, "ivy@example.com", PASSWORD, "Ivy", "Baker");
  session = signed_in_session ("ivy@example.com");
  window = account_window (session, &page);

  g_assert_true (gtk_widget_activate_action (page, "account.change-password", NULL));
  type = g_type_from_name ("KithChangePasswordDialog");
  dialog = kith_test_find_toplevel (type, NULL);
  g_assert_nonnull (dialog);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "change"));
  kith_test_settle (dialog);
  width = gtk_widget_get_width (dialog);
  g_assert_cmpint (width, >, 0);

  /* Typing never changes the dialog's width: the checklist's rules tick
   * off one by one, and a password far longer than the field scrolls. */
  for (guint i = 0; i < G_N_ELEMENTS (typed); i++) {
    gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "New Password")), typed[i]);
    kith_test_settle (dialog);
    g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  }

  /* A weak new password: not accepted yet. */
  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "Current Password")), "Wrong-Passw0rd!");
  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "New Password")), "short");
  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "Confirm New Password")), "short");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "change"));

  /* A strong one, but the wrong current password: said in the dialog. */
  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "New Password")), "N3w-Secret-Pass");
  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "Confirm New Password")), "N3w-Secret-Pass");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "change"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "change");
  KITH_WAIT_FOR (find_widget (dialog, match_error_label, "The current password is not correct.") != NULL);
  g_free (kith_test_save_screenshot (dialog, "change-password-error.png"));
  g_assert_true (kith_test_find_toplevel (type, NULL) == dialog);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);

  /* Neither does a long message (as translations and network errors give),
   * nor a long rule in the checklist: they wrap inside the dialog. */
  error_label = find_widget (dialog, match_error_label, "The current password is not correct.");
  gtk_label_set_label (GTK_LABEL (error_label), LONG_TEXT);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  rule_label = find_widget (dialog, match_visible_label, "At least 8 characters");
  g_assert_nonnull (rule_label);
  gtk_label_set_label (GTK_LABEL (rule_label), LONG_TEXT);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  g_free (kith_test_save_screenshot (dialog, "change-password-long-texts.png"));
  gtk_label_set_label (GTK_LABEL (error_label), "The current password is not correct.");

  gtk_editable_set_text (GTK_EDITABLE (find_widget (dialog, match_password_title, "Current Password")), PASSWORD);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "change");
  KITH_WAIT_FOR (kith_test_find_toplevel (type, NULL) == NULL);

  /* kithd takes the new password, not the old one. */
  token = kithd_test_server_log_in (fx.server, "ivy@example.com", "N3w-Secret-Pass", "desktop");
  g_assert_nonnull (token);

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

static void
on_account_deleted (GtkWidget *page,
                    gboolean  *deleted)
{
  *deleted = TRUE;
}

static GtkWidget *
open_delete_dialog (GtkWidget *page)
{
  GtkWidget *dialog;

  g_assert_true (gtk_widget_activate_action (page, "account.delete", NULL));
  dialog = kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL);
  g_assert_nonnull (dialog);
  kith_test_settle (dialog);
  return dialog;
}

static void
test_account_delete (void)
{
  g_autoptr (KithdTestUser) gus = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *page, *dialog, *entry;
  gboolean deleted = FALSE;

  gus = kithd_test_server_sign_up (fx.server, "gus@example.com", PASSWORD, "Gus", "Grissom");
  session = signed_in_session ("gus@example.com");
  window = account_window (session, &page);
  g_signal_connect (page, "account-deleted", G_CALLBACK (on_account_deleted), &deleted);

  dialog = open_delete_dialog (page);
  entry = find_type (dialog, GTK_TYPE_ENTRY);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "delete"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "gus@example.org");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "delete"));
  /* A wrong email cannot be confirmed, even when asked to. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  kith_test_settle (dialog);
  g_assert_true (kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL) == dialog);
  g_assert_cmpint (kithd_test_server_db_count (fx.server, "users", "email = 'gus@example.com'"), ==, 1);

  /* The right one, in any case. */
  gtk_editable_set_text (GTK_EDITABLE (entry), " Gus@Example.COM ");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "delete"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  KITH_WAIT_FOR (deleted);
  g_assert_null (kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL));
  g_assert_cmpint (kithd_test_server_db_count (fx.server, "users", "email = 'gus@example.com'"), ==, 0);
  g_assert_cmpint (kithd_test_server_db_count_user_rows (fx.server, gus->id), ==, 0);
  KITH_WAIT_FOR (kith_session_get_state (session) == KITH_SESSION_SIGNED_OUT);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_account_delete_paid (void)
{
  g_autoptr (KithdTestUser) hal = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  GtkWidget *window, *page, *dialog, *entry;
  gboolean deleted = FALSE;
  int status = 0;
  const char *argv[] = {
    g_getenv ("KITHD"), "admin", "--data-dir", kithd_test_server_get_data_dir (fx.server),
    "set-plan", "hal@example.com", "paid", NULL
  };

  hal = kithd_test_server_sign_up (fx.server, "hal@example.com", PASSWORD, "Hal", "Jordan");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  session = signed_in_session ("hal@example.com");
  window = account_window (session, &page);
  g_signal_connect (page, "account-deleted", G_CALLBACK (on_account_deleted), &deleted);

  dialog = open_delete_dialog (page);
  entry = find_type (dialog, GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "hal@example.com");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  KITH_WAIT_FOR (find_widget (dialog, match_error_label,
                              "Accounts on a paid plan are closed by our support team. Please contact support.") != NULL);
  g_assert_false (deleted);
  g_free (kith_test_save_screenshot (dialog, "delete-account-paid.png"));
  g_assert_cmpint (kithd_test_server_db_count (fx.server, "users", "email = 'hal@example.com'"), ==, 1);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_assert_null (kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

/* A long list arriving at once (the cache at start-up, the list after
 * signing in): the first screenful is in the list at once, in order, and
 * the rest follows frame by frame until every contact can be scrolled to.
 * Selecting a contact further down works at once. */
#define MANY_CONTACTS 40

static guint
list_items (GtkWidget *contacts_view)
{
  GtkWidget *list = find_type (contacts_view, GTK_TYPE_LIST_VIEW);

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))));
}

static char *
list_email (GtkWidget *contacts_view,
            guint      position)
{
  GtkWidget *list = find_type (contacts_view, GTK_TYPE_LIST_VIEW);
  g_autoptr (KithContact) contact =
    g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), position);

  return contact != NULL ? g_strdup (kith_contact_get_email (contact)) : NULL;
}

static void
test_many_contacts (void)
{
  g_autoptr (KithdTestUser) dora = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  GtkWidget *window, *view, *list, *scrolled;
  GtkSelectionModel *selection;
  GtkAdjustment *adjustment;
  KithContact *far;
  guint shown;

  dora = kithd_test_server_sign_up (fx.server, "dora@example.com", PASSWORD, "Dora", "Explorer");
  for (int i = 0; i < MANY_CONTACTS; i++) {
    g_autofree char *email = g_strdup_printf ("peer%02d@example.com", i);
    g_autofree char *last_name = g_strdup_printf ("%02d", i);
    g_autoptr (KithdTestUser) peer = kithd_test_server_sign_up (fx.server, email, PASSWORD,
                                                                "Peer", last_name);

    kithd_test_server_make_contacts (fx.server, dora, peer);
  }
  session = signed_in_session ("dora@example.com");
  g_assert_cmpuint (g_list_model_get_n_items (kith_session_get_contacts (session)), ==, MANY_CONTACTS);

  window = new_window (360, 640);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);

  /* Before any frame: the first screenful only, sorted by name. */
  shown = list_items (view);
  g_assert_cmpuint (shown, >, 640 / 56);
  g_assert_cmpuint (shown, <, MANY_CONTACTS);
  first = list_email (view, 0);
  g_assert_cmpstr (first, ==, "peer00@example.com");

  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (list_items (view) == MANY_CONTACTS);
  last = list_email (view, MANY_CONTACTS - 1);
  g_assert_cmpstr (last, ==, "peer39@example.com");
  g_free (kith_test_save_screenshot (window, "contacts-many.png"));

  /* Every row can be scrolled to: the last one is drawn at the bottom. */
  list = find_type (view, GTK_TYPE_LIST_VIEW);
  scrolled = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  kith_test_settle (window);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >=, MANY_CONTACTS * 48.0);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  KITH_WAIT_FOR ((kith_test_settle (window), find_widget (view, match_contact_row, "peer39@example.com") != NULL));
  gtk_window_destroy (GTK_WINDOW (window));

  /* A new view: a contact beyond the first screenful is selected at once. */
  window = new_window (360, 640);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  g_assert_cmpuint (list_items (view), <, MANY_CONTACTS);
  far = kith_session_find_contact_by_email (session, "peer39@example.com");
  kith_contacts_view_select_contact (KITH_CONTACTS_VIEW (view), far);
  selection = gtk_list_view_get_model (GTK_LIST_VIEW (find_type (view, GTK_TYPE_LIST_VIEW)));
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, MANY_CONTACTS - 1);
  g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (selection)) == (gpointer) far);
  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

/* ---- presence while not connected ---- */

static gboolean
match_presence_dot (GtkWidget     *widget,
                    gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, "kith-presence-dot") && gtk_widget_get_visible (widget);
}

/* What @root (a contact row, the chat header) says of presence: the
 * caption's text, and whether its dot is greyed as unknown. */
static gboolean
presence_shown (GtkWidget  *root,
                const char *label,
                gboolean    unknown)
{
  GtkWidget *caption, *dot;

  if (root == NULL)
    return FALSE;
  caption = find_widget (root, match_visible_label, label);
  dot = find_widget (root, match_presence_dot, NULL);
  return caption != NULL && dot != NULL &&
         gtk_widget_has_css_class (dot, "unknown") == unknown;
}

static gboolean
session_online (KithSession *session)
{
  return kith_session_get_state (session) == KITH_SESSION_ONLINE;
}

/* Kith not connected ("Connecting…"): contacts' presence is unknown,
 * "Last seen online" where they were, greyed, in the list and the chat
 * header; back online, the live statuses return. A server of its own, so
 * that stopping it leaves the other tests' sessions alone. */
/* A loopback port free now, for a kithd that must come back on the same
 * address (the session keeps its server URL). */
static guint16
free_port (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_presence_unknown_offline (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", free_port ());
  const char * const args[] = { "--listen", listen, NULL };
  KithdTestServer *server = kithd_test_server_startv (args);
  g_autoptr (KithdTestUser) uma = NULL;
  g_autoptr (KithdTestUser) vic = NULL;
  g_autoptr (KithdTestUser) wes = NULL;
  g_autoptr (KithSession) session = NULL;
  KithdTestSocket *vic_socket;
  GtkWidget *window, *box, *view, *chat;

  uma = kithd_test_server_sign_up (server, "uma@example.com", PASSWORD, "Uma", "Thurman");
  vic = kithd_test_server_sign_up (server, "vic@example.com", PASSWORD, "Vic", "Reeves");
  wes = kithd_test_server_sign_up (server, "wes@example.com", PASSWORD, "Wes", "Anderson");
  kithd_test_server_make_contacts (server, uma, vic);
  kithd_test_server_make_contacts (server, uma, wes);
  vic_socket = kithd_test_socket_connect (server, vic->token, 0);
  kithd_test_socket_send (vic_socket, "{\"type\": \"presence.set\", \"status\": \"busy\"}");

  session = signed_in_session_on (server, "uma@example.com");
  window = new_window (900, 500);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  view = kith_contacts_view_new (session);
  gtk_widget_set_size_request (view, 300, -1);
  chat = kith_chat_view_new (session);
  gtk_widget_set_hexpand (chat, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), chat);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "vic@example.com") != NULL);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat),
                              kith_session_find_contact_by_email (session, "vic@example.com"));

  /* Online: the live statuses. */
  KITH_WAIT_FOR (presence_shown (find_widget (view, match_contact_row, "vic@example.com"), "Busy", FALSE) &&
                 presence_shown (find_widget (view, match_contact_row, "wes@example.com"), "Offline", FALSE) &&
                 presence_shown (chat, "Busy", FALSE));

  /* The server goes away: Kith is connecting, and what it knew is stale
   * (Vic's socket closed after kithd, which would say he went offline). */
  kithd_test_server_stop (server);
  kithd_test_socket_free (vic_socket);
  KITH_WAIT_FOR (!session_online (session));
  KITH_WAIT_FOR (presence_shown (find_widget (view, match_contact_row, "vic@example.com"), "Last seen online", TRUE) &&
                 presence_shown (find_widget (view, match_contact_row, "wes@example.com"), "Offline", TRUE) &&
                 presence_shown (chat, "Last seen online", TRUE));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "presence-unknown.png"));

  /* Back online: live again (Vic's socket went with the old server). */
  kithd_test_server_restart (server);
  g_assert_cmpstr (kithd_test_server_get_url (server), ==, kith_session_get_server_url (session));
  KITH_WAIT_FOR_SECONDS (session_online (session), 60);
  vic_socket = kithd_test_socket_connect (server, vic->token, 0);
  KITH_WAIT_FOR (presence_shown (find_widget (view, match_contact_row, "vic@example.com"), "Online", FALSE) &&
                 presence_shown (find_widget (view, match_contact_row, "wes@example.com"), "Offline", FALSE) &&
                 presence_shown (chat, "Online", FALSE));

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
  kithd_test_socket_free (vic_socket);
  kithd_test_server_free (server);
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
  return match_action (widget, "contacts.add") && gtk_widget_get_mapped (widget) &&
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

  zoe = kithd_test_server_sign_up (fx.server, "zoe@example.com", PASSWORD, "Zoe", "Kazan");
  yul = kithd_test_server_sign_up (fx.server, "yul@example.com", PASSWORD, "Yul", "Brynner");
  session = signed_in_session ("zoe@example.com");
  window = new_window (900, 560);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  view = kith_contacts_view_new (session);
  gtk_widget_set_size_request (view, 300, -1);
  chat = kith_chat_view_new (session);
  gtk_widget_set_hexpand (chat, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), chat);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-new-account.png"));

  /* No contacts: one empty state in the whole window, with the button. */
  page = find_widget (window, match_status_page, "Add your first contact");
  g_assert_nonnull (page);
  g_assert_cmpuint (count_mapped_status_pages (window), ==, 1);
  g_assert_null (find_widget (chat, match_mapped_status_page, NULL));
  button = find_widget (page, match_suggested_add, NULL);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") != NULL);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == NULL);

  /* A contact, none chosen: "Select a contact", quiet (no large icon). */
  kithd_test_server_make_contacts (fx.server, zoe, yul);
  KITH_WAIT_FOR (has_contact_in_state (session, "yul@example.com", KITH_CONTACT_ACCEPTED));
  KITH_WAIT_FOR (find_widget (view, match_contact_row, "yul@example.com") != NULL);
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-no-chat.png"));
  g_assert_null (find_widget (window, match_status_page, "Add your first contact"));
  page = find_widget (chat, match_status_page, "Select a contact");
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_has_css_class (page, "compact"));
  g_assert_null (adw_status_page_get_icon_name (ADW_STATUS_PAGE (page)));
  g_assert_null (adw_status_page_get_paintable (ADW_STATUS_PAGE (page)));

  /* An open chat without messages: its own state, its own icon. */
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat),
                              kith_session_find_contact_by_email (session, "yul@example.com"));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "empty-chat.png"));
  empty = find_widget (chat, match_status_page, "No messages yet");
  g_assert_nonnull (empty);
  g_assert_nonnull (adw_status_page_get_icon_name (ADW_STATUS_PAGE (empty)));
  g_assert_cmpstr (adw_status_page_get_icon_name (ADW_STATUS_PAGE (empty)), !=, "chat-message-new-symbolic");
  g_assert_null (find_widget (chat, match_status_page, "Select a contact"));

  gtk_window_destroy (GTK_WINDOW (window));
  sign_out (session);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GtkCssProvider) css = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  /* Screenshots of settled widgets, not of transitions. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/im/kith/Kith/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/im/kith/Kith/icons");

  fx.tmp = g_dir_make_tmp ("kith-test-views-XXXXXX", NULL);
  fx.server = kithd_test_server_startv (NULL);
  fx.alice = kithd_test_server_sign_up (fx.server, "alice@example.com", PASSWORD, "Alice", "Liddell");
  fx.bob = kithd_test_server_sign_up (fx.server, "bob@example.com", PASSWORD, "Bob", "Marley");
  kithd_test_server_make_contacts (fx.server, fx.alice, fx.bob);
  fx.alice_session = signed_in_session (fx.alice->email);
  fx.bob_session = signed_in_session (fx.bob->email);

  g_test_add_func ("/views/chat/send", test_chat_send);
  g_test_add_func ("/views/chat/receive", test_chat_receive);
  g_test_add_func ("/views/chat/day-change", test_chat_day_change);
  g_test_add_func ("/views/contacts/accept-request", test_accept_request);
  g_test_add_func ("/views/main/screenshot", test_main_screenshot);
  g_test_add_func ("/views/contacts/add", test_add_contact);
  g_test_add_func ("/views/contacts/many", test_many_contacts);
  g_test_add_func ("/views/contacts/request-rows-fit", test_request_rows_fit);
  g_test_add_func ("/views/contacts/remove-and-withdraw", test_remove_and_withdraw);
  g_test_add_func ("/views/chat/history", test_chat_history);
  g_test_add_func ("/views/contacts/presence-unknown-offline", test_presence_unknown_offline);
  g_test_add_func ("/views/main/empty-states", test_empty_states);
  g_test_add_func ("/views/account/profile", test_account_profile);
  g_test_add_func ("/views/account/change-password", test_account_change_password);
  g_test_add_func ("/views/account/delete", test_account_delete);
  g_test_add_func ("/views/account/delete-paid", test_account_delete_paid);
  ret = g_test_run ();

  destroy_window (&fx.window);
  sign_out (fx.alice_session);
  sign_out (fx.bob_session);
  g_clear_object (&fx.alice_session);
  g_clear_object (&fx.bob_session);
  g_clear_pointer (&fx.alice, kithd_test_user_free);
  g_clear_pointer (&fx.bob, kithd_test_user_free);
  kithd_test_server_free (fx.server);
  {
    const char *rm[] = { "rm", "-rf", fx.tmp, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, NULL, NULL));
  }
  g_free (fx.tmp);
  return ret;
}

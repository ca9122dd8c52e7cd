/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestChatScroll"

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>

#include "kith-chat-history.h"
#include "kith-chat-view.h"
#include "kith-message-body.h"
#include "kith-message-row.h"
#include "kith-views-test-util.h"

/*
 * The chat pane's scrolling, against a real kithd, in real windows (Xvfb),
 * each test with people and a window of its own: a long history loaded a
 * page at a time, the newest message whole in view, a flood of messages,
 * the place in each conversation kept, the text of a message selected with
 * the pointer (XTest). The rest of the chat is test-chat-view.c.
 */

static KithViewsTest fx;

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

/* A window 600 pixels wide and @height high showing a chat view of
 * @session (*@chat), no chat open yet. */
static GtkWidget *
chat_window (KithSession *session,
             int          height,
             GtkWidget  **chat)
{
  GtkWidget *window = kith_views_new_window (600, height);

  *chat = kith_chat_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), *chat);
  gtk_window_present (GTK_WINDOW (window));
  return window;
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
  window = chat_window (session, 500, &chat);
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
/* The message's text has the room a label of the same text asks for at the
 * width it was given (the body measures and draws the text itself): no
 * line cut off, no line too many, and not narrower than the label can be.
 * The label is measured in the body's place, with its style. */
static void
assert_body_fits (GtkWidget *row)
{
  GtkWidget *body = kith_test_find_by_type (row, KITH_TYPE_MESSAGE_BODY);
  GtkWidget *label;
  int min_width, min_height, nat_height;

  g_assert_nonnull (body);
  label = gtk_label_new (kith_message_body_get_text (KITH_MESSAGE_BODY (body)));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "kith-bubble-body");
  gtk_widget_set_parent (label, body);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (body),
                      &min_height, &nat_height, NULL, NULL);
  gtk_widget_unparent (label);
  g_assert_cmpint (gtk_widget_get_width (body), >=, min_width);
  g_assert_cmpint (gtk_widget_get_height (body), ==, nat_height);
}

/* @text sent to @to from @from's socket as message @id: its row in @chat,
 * once the window has drawn it. */
static GtkWidget *
receive (GtkWidget       *window,
         GtkWidget       *chat,
         KithdTestSocket *from,
         KithdTestUser   *to,
         const char      *id,
         const char      *text)
{
  GtkWidget *row;

  kithd_test_socket_send_printf (from,
                                 "{\"type\": \"message.send\", \"id\": \"%s\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"%s\"}",
                                 id, to->id, text);
  KITH_WAIT_FOR ((row = kith_test_find (chat, kith_views_match_message_row, text)) != NULL);
  kith_test_settle (window);
  return row;
}

/* KithMessageBody's measure, and how often a body was asked its height
 * for a width narrower than the one it asks for (with room for the widest
 * bubble, only a search over widths does: GTK aligning a box of wrapping
 * text, each width a new layout of the text). */
static void (*body_measure) (GtkWidget *, GtkOrientation, int, int *, int *, int *, int *);
static guint narrow_asks;

static void
counting_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  body_measure (widget, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_VERTICAL && for_size >= 0) {
    int min_width, nat_width, min_baseline, nat_baseline;

    body_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &nat_width, &min_baseline, &nat_baseline);
    if (for_size < nat_width)
      narrow_asks++;
  }
}

/* The newest message of a chat shown at its bottom is whole in view, each
 * time one comes, long or short, while the window is drawn; and no text
 * was laid out at widths it is not drawn at. */
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
  GtkWidgetClass *body_class;

  mo = kithd_test_server_sign_up (fx.server, "mo@example.com", KITH_VIEWS_PASSWORD, "Mo", "Farah");
  ned = kithd_test_server_sign_up (fx.server, "ned@example.com", KITH_VIEWS_PASSWORD, "Ned", "Kelly");
  kithd_test_server_make_contacts (fx.server, mo, ned);
  ned_socket = kithd_test_socket_connect (fx.server, ned->token, 0);
  session = kith_views_sign_in (&fx, fx.server, "mo@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "ned@example.com", KITH_CONTACT_ACCEPTED));
  body_class = g_type_class_ref (KITH_TYPE_MESSAGE_BODY);
  body_measure = body_class->measure;
  body_class->measure = counting_measure;
  narrow_asks = 0;
  window = chat_window (session, 400, &chat);
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

    g_autofree char *id = g_strdup_printf ("ned-%d", i);

    row = receive (window, chat, ned_socket, mo, id, body);
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
  g_test_message ("heights asked for widths narrower than the text's: %u", narrow_asks);
  g_assert_cmpuint (narrow_asks, ==, 0);
  body_class->measure = body_measure;
  g_type_class_unref (body_class);

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
  window = chat_window (session, 500, &chat);
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
    KITH_WAIT_FOR (kith_views_conversation_has (session, "vic@example.com", newest));
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
  GListModel *model, *shown_model;
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

  window = chat_window (session, 500, &chat);
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
  /* The list takes an older page in a few rows a frame: its positions are
   * the conversation's once it has all of them (on a slow machine, many
   * frames after the page came). */
  shown_model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
  KITH_WAIT_FOR (g_list_model_get_n_items (shown_model) == g_list_model_get_n_items (model));
  kith_test_settle (window);
  gtk_widget_activate_action (list, "list.scroll-to-item", "u", message_position (shown_model, "Quinn says 40"));
  top = settled_top_message_body (chat, window);
  g_assert_nonnull (top);
  g_test_message ("left at %s", top);
  g_assert_cmpstr (top, ==, "Quinn says 40");
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

/* The chat view keeps the last three chats left at their newest: going
 * back to one shows it where it is among them (moved to the front, it had
 * the whole of it worked out again: half the time of a switch, build-aux/
 * bench conversation), and a fourth drops the one shown longest ago. */
static void
test_chat_kept_in_place (void)
{
  const char *names[] = { "keptsam", "kepttia", "keptuma", "keptvic" };
  g_autoptr (KithdTestUser) me = NULL;
  g_autoptr (KithSession) session = NULL;
  KithdTestUser *peers[G_N_ELEMENTS (names)] = { NULL };
  KithContact *contacts[G_N_ELEMENTS (names)] = { NULL };
  GtkWidget *histories[G_N_ELEMENTS (names)] = { NULL };
  GtkWidget *window, *chat, *box;

  me = kithd_test_server_sign_up (fx.server, "keptwes@example.com", KITH_VIEWS_PASSWORD, "Wes", "Bentley");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *email = g_strdup_printf ("%s@example.com", names[i]);

    peers[i] = kithd_test_server_sign_up (fx.server, email, KITH_VIEWS_PASSWORD, names[i], "Kept");
    kithd_test_server_make_contacts (fx.server, me, peers[i]);
  }
  session = kith_views_sign_in (&fx, fx.server, "keptwes@example.com");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *email = g_strdup_printf ("%s@example.com", names[i]);

    KITH_WAIT_FOR (kith_views_has_contact (session, email, KITH_CONTACT_ACCEPTED));
    contacts[i] = kith_session_find_contact_by_email (session, email);
  }

  window = chat_window (session, 500, &chat);
  box = kith_test_find_by_id (chat, "histories");
  g_assert_nonnull (box);

  /* Sam, Tia, Uma: three chats, in the order opened. */
  for (guint i = 0; i < 3; i++) {
    kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), contacts[i]);
    kith_test_settle (window);
    histories[i] = gtk_widget_get_last_child (box);
    g_assert_true (KITH_IS_CHAT_HISTORY (histories[i]));
    g_assert_true (kith_chat_history_get_contact (KITH_CHAT_HISTORY (histories[i])) == contacts[i]);
    g_object_add_weak_pointer (G_OBJECT (histories[i]), (gpointer *) &histories[i]);
  }
  /* Back to Sam: the same history, shown where it was. */
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), contacts[0]);
  kith_test_settle (window);
  g_assert_true (gtk_widget_get_first_child (box) == histories[0]);
  g_assert_true (gtk_widget_get_next_sibling (histories[0]) == histories[1]);
  g_assert_true (gtk_widget_get_last_child (box) == histories[2]);
  g_assert_true (gtk_widget_get_visible (histories[0]));
  g_assert_false (gtk_widget_get_visible (histories[1]));
  g_assert_false (gtk_widget_get_visible (histories[2]));

  /* Uma, then Vic: Tia's is the one shown longest ago, and goes. */
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), contacts[2]);
  kith_test_settle (window);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), contacts[3]);
  kith_test_settle (window);
  g_assert_null (histories[1]);
  g_assert_nonnull (histories[0]);
  g_assert_nonnull (histories[2]);
  g_assert_true (gtk_widget_get_first_child (box) == histories[0]);
  g_assert_true (gtk_widget_get_next_sibling (histories[0]) == histories[2]);
  histories[3] = gtk_widget_get_next_sibling (histories[2]);
  g_assert_nonnull (histories[3]);
  g_assert_null (gtk_widget_get_next_sibling (histories[3]));
  g_assert_true (kith_chat_history_get_contact (KITH_CHAT_HISTORY (histories[3])) == contacts[3]);
  g_assert_true (gtk_widget_get_visible (histories[3]));
  g_assert_false (gtk_widget_get_visible (histories[0]));
  g_assert_false (gtk_widget_get_visible (histories[2]));

  for (guint i = 0; i < 3; i++)
    if (histories[i] != NULL)
      g_object_remove_weak_pointer (G_OBJECT (histories[i]), (gpointer *) &histories[i]);
  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    kithd_test_user_free (peers[i]);
}

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gdk_display_get_default ());
}

/* Moves the pointer (XTest) to (@x, @y) of @widget, or off every window
 * (the screen's far corner) for NULL, and lets the main loop take the
 * events. */
static void
move_pointer (GtkWidget *widget,
              double     x,
              double     y)
{
  Display *dpy = xdisplay ();
  int root_x = DisplayWidth (dpy, DefaultScreen (dpy)) - 1;
  int root_y = DisplayHeight (dpy, DefaultScreen (dpy)) - 1;

  if (widget != NULL) {
    GtkNative *native = gtk_widget_get_native (widget);
    graphene_point_t point;
    double surface_x, surface_y;
    Window child;

    g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &point));
    gtk_native_get_surface_transform (native, &surface_x, &surface_y);
    XTranslateCoordinates (dpy, gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                           DefaultRootWindow (dpy), (int) (point.x + surface_x), (int) (point.y + surface_y),
                           &root_x, &root_y, &child);
  }
  XTestFakeMotionEvent (dpy, -1, root_x, root_y, CurrentTime);
  XSync (dpy, False);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
double_click (void)
{
  Display *dpy = xdisplay ();

  for (int i = 0; i < 2; i++) {
    XTestFakeButtonEvent (dpy, 1, True, CurrentTime);
    XTestFakeButtonEvent (dpy, 1, False, CurrentTime);
  }
  XSync (dpy, False);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* The pixels of @area (in the textures' coordinates) that differ. */
static guint
pixels_differing (GdkTexture            *a,
                  GdkTexture            *b,
                  const graphene_rect_t *area)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  g_autofree guchar *pixels_a = g_malloc ((gsize) width * height * 4);
  g_autofree guchar *pixels_b = g_malloc ((gsize) width * height * 4);
  guint differing = 0;

  g_assert_cmpint (gdk_texture_get_width (b), ==, width);
  g_assert_cmpint (gdk_texture_get_height (b), ==, height);
  gdk_texture_download (a, pixels_a, (gsize) width * 4);
  gdk_texture_download (b, pixels_b, (gsize) width * 4);
  for (int y = MAX (0, (int) area->origin.y); y < MIN (height, (int) (area->origin.y + area->size.height)); y++)
    for (int x = MAX (0, (int) area->origin.x); x < MIN (width, (int) (area->origin.x + area->size.width)); x++)
      if (memcmp (pixels_a + ((gsize) y * width + x) * 4, pixels_b + ((gsize) y * width + x) * 4, 4) != 0)
        differing++;
  return differing;
}

/* @text, received, is drawn by its row until the pointer comes onto the
 * row; then a selectable label of the same size takes its place, drawn
 * alike to the pixel. Returns the label, with the pointer on it. */
static GtkLabel *
hover_text (GtkWidget       *window,
            GtkWidget       *chat,
            KithdTestSocket *from,
            KithdTestUser   *to,
            const char      *text)
{
  g_autoptr (GdkTexture) drawn = NULL;
  g_autoptr (GdkTexture) hovered = NULL;
  g_autofree char *id = g_strdup_printf ("select-%u", g_str_hash (text));
  GtkWidget *row, *body, *picked;
  GtkLabel *label;
  graphene_rect_t bounds, area;
  graphene_point_t point;
  guint step = 0;
  guint differing;

  move_pointer (NULL, 0, 0);
  row = receive (window, chat, from, to, id, text);
  body = kith_test_find_by_type (row, KITH_TYPE_MESSAGE_BODY);
  g_assert_nonnull (body);
  g_assert_cmpstr (kith_message_body_get_text (KITH_MESSAGE_BODY (body)), ==, text);
  g_assert_null (kith_message_body_get_label (KITH_MESSAGE_BODY (body)));
  g_assert_nonnull (kith_test_find (chat, kith_test_match_visible_label, text));
  drawn = kith_test_render (window, &bounds);

  /* Nothing hidden lies over the row beside the bubble (the hidden "jump
   * to newest" button's place, at the bottom on the right, did: the
   * pointer there reached no message). */
  g_assert_true (gtk_widget_compute_point (row, window, &GRAPHENE_POINT_INIT (gtk_widget_get_width (row) - 20,
                                                                             gtk_widget_get_height (row) / 2.0),
                                           &point));
  picked = gtk_widget_pick (window, point.x, point.y, GTK_PICK_DEFAULT);
  g_assert_true (picked == row || gtk_widget_is_ancestor (picked, row));

  /* The pointer comes onto the row (beside the bubble: an incoming one is
   * on the left), then onto the text; each time moving until GTK has taken
   * a motion there (a still pointer's one motion may wait in GDK's queue):
   * the label is made, then it is under the pointer for GTK. */
  KITH_WAIT_FOR ((move_pointer (row, gtk_widget_get_width (row) - 20 - step++ % 3, gtk_widget_get_height (row) / 2.0),
                  (label = kith_message_body_get_label (KITH_MESSAGE_BODY (body))) != NULL));
  KITH_WAIT_FOR ((move_pointer (body, 8 + step++ % 3, 8),
                  gtk_widget_get_state_flags (GTK_WIDGET (label)) & GTK_STATE_FLAG_PRELIGHT));
  kith_test_settle (window);
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, text);
  g_assert_true (gtk_label_get_selectable (label));
  /* Screen readers hear the text once: the body is a label with the text,
   * the selectable one is hidden from them. */
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (body), GTK_ACCESSIBLE_ROLE_LABEL);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (body), GTK_ACCESSIBLE_PROPERTY_LABEL, text);
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (label)), ==, gtk_widget_get_width (body));
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (label)), ==, gtk_widget_get_height (body));
  hovered = kith_test_render (window, &bounds);
  g_assert_true (gtk_widget_compute_bounds (body, window, &area));
  graphene_rect_offset (&area, -bounds.origin.x, -bounds.origin.y);
  differing = pixels_differing (drawn, hovered, &area);
  g_test_message ("“%s” at %.0f,%.0f %.0f×%.0f: %u pixels differ once the label draws it", text,
                  area.origin.x, area.origin.y, area.size.width, area.size.height, differing);
  g_assert_cmpuint (differing, ==, 0);
  return label;
}

/* A message's text drawn by its row, and by a selectable label under the
 * pointer, alike (left to right, and right to left: the row moves a
 * right-aligned layout as the label does); a double click on the text
 * selects a word. Given another message, the row draws the text itself
 * again. */
static void
test_chat_select_text (void)
{
  g_autoptr (KithdTestUser) ora = NULL;
  g_autoptr (KithdTestUser) pip = NULL;
  g_autoptr (KithdTestSocket) pip_socket = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *chat, *body;
  GtkLabel *label;
  int start, end;

  ora = kithd_test_server_sign_up (fx.server, "ora@example.com", KITH_VIEWS_PASSWORD, "Ora", "Lind");
  pip = kithd_test_server_sign_up (fx.server, "pip@example.com", KITH_VIEWS_PASSWORD, "Pip", "Ward");
  kithd_test_server_make_contacts (fx.server, ora, pip);
  pip_socket = kithd_test_socket_connect (fx.server, pip->token, 0);
  session = kith_views_sign_in (&fx, fx.server, "ora@example.com");
  KITH_WAIT_FOR (kith_views_has_contact (session, "pip@example.com", KITH_CONTACT_ACCEPTED));
  window = chat_window (session, 400, &chat);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat), kith_session_find_contact_by_email (session, "pip@example.com"));
  kith_test_settle (window);

  /* Hebrew, long enough to wrap: its lines end on the right. */
  hover_text (window, chat, pip_socket, ora,
              "שלום, זו הודעה ארוכה מספיק כדי לעבור לשורה שנייה בבועה שלה, ועוד כמה מילים בסוף");
  label = hover_text (window, chat, pip_socket, ora,
                      "Selectable words in a message that is long enough to wrap onto a second line of its bubble");
  /* The pointer is on the first word. */
  double_click ();
  KITH_WAIT_FOR (gtk_label_get_selection_bounds (label, &start, &end));
  g_assert_cmpint (start, ==, 0);
  g_assert_cmpint (end, ==, strlen ("Selectable"));
  g_free (kith_test_save_screenshot (window, "chat-select-text.png"));

  /* Another message in the same row: drawn by the row, nothing selected. */
  body = gtk_widget_get_parent (GTK_WIDGET (label));
  kith_message_body_set_text (KITH_MESSAGE_BODY (body), "Another message");
  g_assert_null (kith_message_body_get_label (KITH_MESSAGE_BODY (body)));
  g_assert_null (gtk_widget_get_first_child (body));

  move_pointer (NULL, 0, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* GTK's test accessibility backend (the suite runs with none), so that
   * /views/chat/select-text can read what screen readers are given. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  kith_views_test_init (&fx, &argc, &argv);
  g_test_add_func ("/views/chat/history", test_chat_history);
  g_test_add_func ("/views/chat/newest-visible", test_chat_newest_visible);
  g_test_add_func ("/views/chat/flood", test_chat_flood);
  g_test_add_func ("/views/chat/remember-position", test_chat_remember_position);
  g_test_add_func ("/views/chat/kept-in-place", test_chat_kept_in_place);
  g_test_add_func ("/views/chat/select-text", test_chat_select_text);
  ret = g_test_run ();

  kith_views_test_clear (&fx);
  return ret;
}

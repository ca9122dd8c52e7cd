/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestContactsView"

#include "config.h"

#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-contacts-view.h"
#include "kith-views-test-util.h"

/*
 * The contacts pane against a real kithd, in real windows (Xvfb), driven
 * as a person would: adding a contact, request rows, removing a contact
 * and withdrawing a request, a long list, presence while not connected.
 */

static KithViewsTest fx;

/* A new account: "Add your first contact" with the add button; adding by email
 * shows unknown emails and existing contacts in the dialog. */
static void
test_add_contact (void)
{
  g_autoptr (KithdTestUser) jo = NULL;
  g_autoptr (KithSession) session = NULL;
  GtkWidget *window, *view, *dialog, *entry;

  jo = kithd_test_server_sign_up (fx.server, "jo@example.com", KITH_VIEWS_PASSWORD, "Jo", "March");
  session = kith_views_sign_in (&fx, fx.server, "jo@example.com");
  window = kith_views_new_window (360, 560);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  kith_test_settle (window);

  g_assert_nonnull (kith_test_find (view, kith_test_match_status_page, "Add your first contact"));
  g_assert_nonnull (kith_test_find (view, kith_test_match_action, "contacts.add"));

  g_assert_true (gtk_widget_activate_action (view, "contacts.add", NULL));
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  g_assert_nonnull (dialog);
  entry = kith_test_find_by_type (dialog, GTK_TYPE_ENTRY);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));

  /* Nobody uses this email. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "nobody@example.com");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  KITH_WAIT_FOR (kith_test_find (dialog, kith_test_match_error_label, "No Kith account uses this email address.") != NULL);
  g_assert_true (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == dialog);

  /* Bob does: a request, shown as "Request sent". */
  gtk_editable_set_text (GTK_EDITABLE (entry), fx.bob->email);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact") == NULL);
  KITH_WAIT_FOR (kith_views_has_contact (session, fx.bob->email, KITH_CONTACT_OUTGOING));
  KITH_WAIT_FOR (kith_test_find (view, kith_views_match_contact_row, fx.bob->email) != NULL);
  kith_test_settle (window);
  g_assert_null (kith_test_find (view, kith_test_match_status_page, "Add your first contact"));

  /* Asking again: said in the dialog, nothing sent. */
  g_assert_true (gtk_widget_activate_action (view, "contacts.add", NULL));
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact");
  entry = kith_test_find_by_type (dialog, GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "BOB@example.com");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  g_assert_nonnull (kith_test_find (dialog, kith_test_match_error_label, "You have already sent this person a request."));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_assert_null (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Add Contact"));

  /* Search filters the list. */
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find_by_type (view, GTK_TYPE_SEARCH_ENTRY)), "zzz");
  KITH_WAIT_FOR (kith_test_find (view, kith_test_match_status_page, "No Results Found") != NULL);
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find_by_type (view, GTK_TYPE_SEARCH_ENTRY)), "marl");
  KITH_WAIT_FOR (kith_test_find (view, kith_views_match_contact_row, fx.bob->email) != NULL);

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
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
  GtkWidget *row = kith_test_find (view, kith_views_match_contact_row, email);
  GtkWidget *label;

  g_assert_nonnull (row);
  label = kith_test_find (row, match_caption, NULL);
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

  rita = kithd_test_server_sign_up (fx.server, "rita@example.com", KITH_VIEWS_PASSWORD, "Rita", "Moreno");
  leo = kithd_test_server_sign_up (fx.server, "leo@example.com", KITH_VIEWS_PASSWORD, "Leo", "Tolstoy");
  mia = kithd_test_server_sign_up (fx.server, "mia@example.com", KITH_VIEWS_PASSWORD, "Mia", "Farrow");
  request = g_strdup_printf ("{\"email\": \"%s\"}", rita->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", leo->token, request, NULL, NULL), ==, 201);
  g_clear_pointer (&request, g_free);
  request = g_strdup_printf ("{\"email\": \"%s\"}", mia->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", rita->token, request, NULL, NULL), ==, 201);

  session = kith_views_sign_in (&fx, fx.server, "rita@example.com");
  window = kith_views_new_window (300, 400);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (kith_test_find (view, kith_views_match_contact_row, "leo@example.com") != NULL &&
                 kith_test_find (view, kith_views_match_contact_row, "mia@example.com") != NULL);
  kith_test_settle (window);
  g_assert_cmpint (gtk_widget_get_width (view), ==, 300);
  g_free (kith_test_save_screenshot (window, "contacts-requests.png"));

  assert_subtitle_whole (view, "leo@example.com");
  assert_subtitle_whole (view, "mia@example.com");

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
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

  nia = kithd_test_server_sign_up (fx.server, "nia@example.com", KITH_VIEWS_PASSWORD, "Nia", "Long");
  oscar = kithd_test_server_sign_up (fx.server, "oscar@example.com", KITH_VIEWS_PASSWORD, "Oscar", "Wilde");
  pam = kithd_test_server_sign_up (fx.server, "pam@example.com", KITH_VIEWS_PASSWORD, "Pam", "Grier");
  kithd_test_server_make_contacts (fx.server, nia, oscar);
  request = g_strdup_printf ("{\"email\": \"%s\"}", pam->email);
  g_assert_cmpuint (kithd_test_server_request (fx.server, "POST", "/api/v1/contacts", nia->token, request, NULL, NULL), ==, 201);
  session = kith_views_sign_in (&fx, fx.server, "nia@example.com");

  window = kith_views_new_window (980, 640);
  overlay = adw_toast_overlay_new ();
  box = kith_views_panes_new (session, 330, &view, &chat);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), box);
  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_label_new (NULL));
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (window)), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  kith_views_open_chats_in (view, chat);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (kith_test_find (view, kith_views_match_contact_row, "oscar@example.com") != NULL &&
                 kith_test_find (view, kith_views_match_contact_row, "pam@example.com") != NULL);
  kith_test_settle (window);

  /* Right click on Oscar's row: "Remove Contact…". */
  row = kith_test_find (view, kith_views_match_contact_row, "oscar@example.com");
  right_click (row);
  popover = kith_test_find_by_type (view, GTK_TYPE_POPOVER_MENU);
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
  g_signal_emit_by_name (kith_test_find (dialog, match_button_label, "_Cancel"), "clicked");
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?") == NULL);
  kith_test_settle (window);
  g_assert_true (kith_views_has_contact (session, "oscar@example.com", KITH_CONTACT_ACCEPTED));

  /* His chat open, the header's menu says the same; Remove: gone on both
   * sides, and the chat pane is empty again. */
  kith_views_activate_contact (view, "oscar@example.com");
  g_assert_true (kith_chat_view_get_contact (KITH_CHAT_VIEW (chat)) ==
                 kith_session_find_contact_by_email (session, "oscar@example.com"));
  menu_button = kith_test_find_by_type (chat, GTK_TYPE_MENU_BUTTON);
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
  g_signal_emit_by_name (kith_test_find (dialog, match_button_label, "_Remove"), "clicked");
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "oscar@example.com") == NULL);
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Remove Oscar Wilde?") == NULL);
  g_assert_false (server_lists (oscar, "nia@example.com"));
  g_assert_null (kith_chat_view_get_contact (KITH_CHAT_VIEW (chat)));
  kith_test_settle (window);
  g_assert_nonnull (kith_test_find (chat, kith_test_match_status_page, "Select a contact"));
  g_assert_false (gtk_widget_get_mapped (menu_button));
  KITH_WAIT_FOR (kith_test_find (overlay, match_label_text, "Oscar Wilde was removed from your contacts") != NULL);

  /* Pam's request, from the keyboard: focus on her row, then Menu. */
  row = kith_test_find (view, kith_views_match_contact_row, "pam@example.com");
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));
  g_assert_true (gtk_widget_activate_action (view, "contacts.context-menu", NULL));
  popover = kith_test_find_by_type (view, GTK_TYPE_POPOVER_MENU);
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  g_clear_pointer (&label, g_free);
  label = menu_item_label (popover);
  g_assert_cmpstr (label, ==, "_Withdraw Request");

  /* Withdrawn at once, no dialog; Undo sends it again. */
  activate_menu_item (popover, view);
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "pam@example.com") == NULL);
  g_assert_false (server_lists (pam, "nia@example.com"));
  KITH_WAIT_FOR ((undo = kith_test_find (overlay, match_button_label, "_Undo")) != NULL);
  g_assert_nonnull (kith_test_find (overlay, match_label_text, "Request to Pam Grier withdrawn"));
  g_free (kith_test_save_screenshot (window, "contacts-withdrawn-toast.png"));
  g_signal_emit_by_name (undo, "clicked");
  KITH_WAIT_FOR (kith_views_has_contact (session, "pam@example.com", KITH_CONTACT_OUTGOING));
  g_assert_true (server_lists (pam, "nia@example.com"));
  contact = kith_session_find_contact_by_email (session, "pam@example.com");
  g_assert_nonnull (contact);

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

/* ---- a long list ---- */

/* A long list arriving at once (the cache at start-up, the list after
 * signing in): the first screenful is in the list at once, in order, and
 * the rest follows frame by frame until every contact can be scrolled to.
 * Selecting a contact further down works at once. */
#define MANY_CONTACTS 40

static guint
list_items (GtkWidget *contacts_view)
{
  GtkWidget *list = kith_test_find_by_type (contacts_view, GTK_TYPE_LIST_VIEW);

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))));
}

static char *
list_email (GtkWidget *contacts_view,
            guint      position)
{
  GtkWidget *list = kith_test_find_by_type (contacts_view, GTK_TYPE_LIST_VIEW);
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

  dora = kithd_test_server_sign_up (fx.server, "dora@example.com", KITH_VIEWS_PASSWORD, "Dora", "Explorer");
  for (int i = 0; i < MANY_CONTACTS; i++) {
    g_autofree char *email = g_strdup_printf ("peer%02d@example.com", i);
    g_autofree char *last_name = g_strdup_printf ("%02d", i);
    g_autoptr (KithdTestUser) peer = kithd_test_server_sign_up (fx.server, email, KITH_VIEWS_PASSWORD,
                                                                "Peer", last_name);

    kithd_test_server_make_contacts (fx.server, dora, peer);
  }
  session = kith_views_sign_in (&fx, fx.server, "dora@example.com");
  g_assert_cmpuint (g_list_model_get_n_items (kith_session_get_contacts (session)), ==, MANY_CONTACTS);

  window = kith_views_new_window (360, 640);
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
  list = kith_test_find_by_type (view, GTK_TYPE_LIST_VIEW);
  scrolled = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  kith_test_settle (window);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >=, MANY_CONTACTS * 48.0);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  KITH_WAIT_FOR ((kith_test_settle (window), kith_test_find (view, kith_views_match_contact_row, "peer39@example.com") != NULL));
  gtk_window_destroy (GTK_WINDOW (window));

  /* A new view: a contact beyond the first screenful is selected at once. */
  window = kith_views_new_window (360, 640);
  view = kith_contacts_view_new (session);
  gtk_window_set_child (GTK_WINDOW (window), view);
  g_assert_cmpuint (list_items (view), <, MANY_CONTACTS);
  far = kith_session_find_contact_by_email (session, "peer39@example.com");
  kith_contacts_view_select_contact (KITH_CONTACTS_VIEW (view), far);
  selection = gtk_list_view_get_model (GTK_LIST_VIEW (kith_test_find_by_type (view, GTK_TYPE_LIST_VIEW)));
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, MANY_CONTACTS - 1);
  g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (selection)) == (gpointer) far);
  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
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
  caption = kith_test_find (root, kith_test_match_visible_label, label);
  dot = kith_test_find (root, match_presence_dot, NULL);
  return caption != NULL && dot != NULL &&
         gtk_widget_has_css_class (dot, "unknown") == unknown;
}

static gboolean
session_online (KithSession *session)
{
  return kith_session_get_state (session) == KITH_SESSION_ONLINE;
}

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

/* Kith not connected ("Connecting…"): contacts' presence is unknown,
 * "Last seen online" where they were, greyed, in the list and the chat
 * header; back online, the live statuses return. A server of its own, so
 * that stopping it leaves the other tests' sessions alone. */
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

  uma = kithd_test_server_sign_up (server, "uma@example.com", KITH_VIEWS_PASSWORD, "Uma", "Thurman");
  vic = kithd_test_server_sign_up (server, "vic@example.com", KITH_VIEWS_PASSWORD, "Vic", "Reeves");
  wes = kithd_test_server_sign_up (server, "wes@example.com", KITH_VIEWS_PASSWORD, "Wes", "Anderson");
  kithd_test_server_make_contacts (server, uma, vic);
  kithd_test_server_make_contacts (server, uma, wes);
  vic_socket = kithd_test_socket_connect (server, vic->token, 0);
  kithd_test_socket_send (vic_socket, "{\"type\": \"presence.set\", \"status\": \"busy\"}");

  session = kith_views_sign_in (&fx, server, "uma@example.com");
  window = kith_views_new_window (900, 500);
  box = kith_views_panes_new (session, 300, &view, &chat);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, "vic@example.com") != NULL);
  kith_chat_view_set_contact (KITH_CHAT_VIEW (chat),
                              kith_session_find_contact_by_email (session, "vic@example.com"));

  /* Online: the live statuses. */
  KITH_WAIT_FOR (presence_shown (kith_test_find (view, kith_views_match_contact_row, "vic@example.com"), "Busy", FALSE) &&
                 presence_shown (kith_test_find (view, kith_views_match_contact_row, "wes@example.com"), "Offline", FALSE) &&
                 presence_shown (chat, "Busy", FALSE));

  /* The server goes away: Kith is connecting, and what it knew is stale
   * (Vic's socket closed after kithd, which would say he went offline). */
  kithd_test_server_stop (server);
  kithd_test_socket_free (vic_socket);
  KITH_WAIT_FOR (!session_online (session));
  KITH_WAIT_FOR (presence_shown (kith_test_find (view, kith_views_match_contact_row, "vic@example.com"), "Last seen online", TRUE) &&
                 presence_shown (kith_test_find (view, kith_views_match_contact_row, "wes@example.com"), "Offline", TRUE) &&
                 presence_shown (chat, "Last seen online", TRUE));
  kith_test_settle (window);
  g_free (kith_test_save_screenshot (window, "presence-unknown.png"));

  /* Back online: live again (Vic's socket went with the old server). */
  kithd_test_server_restart (server);
  g_assert_cmpstr (kithd_test_server_get_url (server), ==, kith_session_get_server_url (session));
  KITH_WAIT_FOR_SECONDS (session_online (session), 60);
  vic_socket = kithd_test_socket_connect (server, vic->token, 0);
  KITH_WAIT_FOR (presence_shown (kith_test_find (view, kith_views_match_contact_row, "vic@example.com"), "Online", FALSE) &&
                 presence_shown (kith_test_find (view, kith_views_match_contact_row, "wes@example.com"), "Offline", FALSE) &&
                 presence_shown (chat, "Online", FALSE));

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
  kithd_test_socket_free (vic_socket);
  kithd_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  kith_views_test_init (&fx, &argc, &argv);
  g_test_add_func ("/views/contacts/add", test_add_contact);
  g_test_add_func ("/views/contacts/many", test_many_contacts);
  g_test_add_func ("/views/contacts/request-rows-fit", test_request_rows_fit);
  g_test_add_func ("/views/contacts/remove-and-withdraw", test_remove_and_withdraw);
  g_test_add_func ("/views/contacts/presence-unknown-offline", test_presence_unknown_offline);
  ret = g_test_run ();

  kith_views_test_clear (&fx);
  return ret;
}

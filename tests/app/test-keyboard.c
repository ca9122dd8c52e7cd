/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestKeyboard"

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/keysym.h>
#include <X11/extensions/XTest.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-chat-view.h"
#include "kith-contact-row.h"
#include "kith-contacts-view.h"
#include "kith-login-page.h"
#include "kith-session.h"
#include "kith-status-menu.h"
#include "kith-window.h"
#include "kithd-test-helper.h"

/*
 * Keyboard and accessibility of the real application window, against a
 * real kithd, under Xvfb: every key comes from the X server (XTest), as if
 * typed on a keyboard; the test only watches what the window does.
 * Then every interactive control of the window must have an accessible name.
 */

#define PASSWORD "Corr3ct-Horse!"
/* Every printable ASCII class: letters, digits, punctuation, a space. */
#define MESSAGE "Hello Charles, 2+2=4? Yes!"

static KithdTestServer *server;
static KithApplication *app;
static int test_status;

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

static gboolean
page_is (const char *name)
{
  return g_strcmp0 (kith_window_get_page (window ()), name) == 0;
}

static KithdTestUser *
new_user (const char *who,
          const char *first,
          const char *last)
{
  static guint n;
  g_autofree char *email = g_strdup_printf ("%s.%u.%d@example.org", who, ++n, (int) getpid ());

  return kithd_test_server_sign_up (server, email, PASSWORD, first, last);
}

/* ---- the keyboard, through the X server ---- */

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gdk_display_get_default ());
}

/* Presses and releases @keysym (with Shift or Control held when asked),
 * then lets the main loop take the events. */
static void
press_keysym (KeySym   keysym,
              gboolean shift,
              gboolean control)
{
  Display *dpy = xdisplay ();
  KeyCode code = XKeysymToKeycode (dpy, keysym);
  KeyCode shift_code = XKeysymToKeycode (dpy, XK_Shift_L);
  KeyCode control_code = XKeysymToKeycode (dpy, XK_Control_L);

  g_assert_cmpuint (code, !=, 0);
  if (control)
    XTestFakeKeyEvent (dpy, control_code, True, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (dpy, shift_code, True, CurrentTime);
  XTestFakeKeyEvent (dpy, code, True, CurrentTime);
  XTestFakeKeyEvent (dpy, code, False, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (dpy, shift_code, False, CurrentTime);
  if (control)
    XTestFakeKeyEvent (dpy, control_code, False, CurrentTime);
  XSync (dpy, False);
  /* The events are in GDK's queue now (XSync); dispatch them. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
press (KeySym keysym)
{
  press_keysym (keysym, FALSE, FALSE);
}

/* Types @text (printable ASCII) key by key, with Shift where the keymap
 * has the character on the shifted level. */
static void
type_text (const char *text)
{
  Display *dpy = xdisplay ();

  for (const char *p = text; *p != '\0'; p++) {
    KeySym keysym = (KeySym) (guchar) *p;   /* Latin-1 keysyms are the characters */
    KeyCode code = XKeysymToKeycode (dpy, keysym);
    gboolean shift;

    g_assert_cmpuint (code, !=, 0);
    shift = XkbKeycodeToKeysym (dpy, code, 0, 0) != keysym;
    g_assert_cmpuint (XkbKeycodeToKeysym (dpy, code, 0, shift ? 1 : 0), ==, keysym);
    press_keysym (keysym, shift, FALSE);
  }
}

static GtkWidget *
focus_widget (void)
{
  return gtk_root_get_focus (GTK_ROOT (window ()));
}

/* The focus is @widget or inside it. */
static gboolean
focus_in (GtkWidget *widget)
{
  GtkWidget *focus = focus_widget ();

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static GtkWidget *
template_child (GtkWidget  *widget,
                GType       type,
                const char *id)
{
  GObject *object = gtk_widget_get_template_child (widget, type, id);

  if (object == NULL)
    object = G_OBJECT (kith_test_find_by_id (widget, id));
  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static GtkWidget *
login_child (const char *id)
{
  return template_child (kith_window_get_login_page (window ()), KITH_TYPE_LOGIN_PAGE, id);
}

static GtkWidget *
menu_child (const char *id)
{
  return template_child (kith_window_get_status_menu (window ()), KITH_TYPE_STATUS_MENU, id);
}

static const char *
editable_text (GtkWidget *widget)
{
  return gtk_editable_get_text (GTK_EDITABLE (widget));
}

/* The contact of the focused row of the contacts list, or NULL. */
static KithContact *
focused_contact (void)
{
  GtkWidget *focus = focus_widget ();
  GtkWidget *row;

  if (focus == NULL)
    return NULL;
  row = GTK_IS_LIST_VIEW (focus) ? NULL : kith_test_find_by_type (focus, KITH_TYPE_CONTACT_ROW);
  if (row == NULL)
    row = gtk_widget_get_ancestor (focus, KITH_TYPE_CONTACT_ROW);
  return row != NULL ? kith_contact_row_get_contact (KITH_CONTACT_ROW (row)) : NULL;
}

/* The contacts the list shows. */
static guint
shown_contacts (GtkWidget *list)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));

  return g_list_model_get_n_items (model);
}

/* The contact at @position of the list, as sorted and filtered. */
static KithContact *
shown_contact (GtkWidget *list,
               guint      position)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
  g_autoptr (KithContact) contact = g_list_model_get_item (model, position);

  return contact;   /* the session keeps it */
}

static gboolean
composer_text_is (GtkWidget  *composer,
                  const char *want)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer));
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return g_strcmp0 (text, want) == 0;
}

static void
wait_presence (KithdTestSocket *socket,
               gint64           user_id,
               const char      *want)
{
  const char *status;

  do {
    status = kithd_test_socket_wait_presence (socket, user_id, 10000);
  } while (status != NULL && g_strcmp0 (status, want) != 0);
  g_assert_cmpstr (status, ==, want);
}

static void
test_login_status_chat (void)
{
  g_autoptr (KithdTestUser) user = new_user ("kbd", "Ada", "Lovelace");
  g_autoptr (KithdTestUser) friend = new_user ("friend", "Charles", "Babbage");
  g_autoptr (KithdTestUser) other = new_user ("other", "Alan", "Turing");
  g_autoptr (KithdTestSocket) friend_socket = NULL;
  KithSession *session = kith_application_get_session (app);
  KithStatusMenu *menu;
  GtkWidget *popover;
  GtkWidget *contacts;
  GtkWidget *search;
  GtkWidget *list;
  GtkWidget *chat;
  GtkWidget *composer;
  g_autoptr (JsonObject) received = NULL;
  g_autofree char *path = NULL;
  g_autofree char *path2 = NULL;

  kithd_test_server_make_contacts (server, user, friend);
  kithd_test_server_make_contacts (server, user, other);
  friend_socket = kithd_test_socket_connect (server, friend->token, 0);

  g_assert_true (page_is ("login"));
  g_assert_cmpstr (kith_login_page_get_step (KITH_LOGIN_PAGE (kith_window_get_login_page (window ()))),
                   ==, "email");

  /* The window starts with the email entry focused: type, Enter. */
  KITH_WAIT_FOR (focus_in (login_child ("email_row")));
  type_text (user->email);
  KITH_WAIT_FOR (g_strcmp0 (editable_text (login_child ("email_row")), user->email) == 0);
  press (XK_Return);
  KITH_WAIT_FOR (g_strcmp0 (kith_login_page_get_step (KITH_LOGIN_PAGE (kith_window_get_login_page (window ()))),
                            "password") == 0);

  /* The password step takes the focus; type it, Enter signs in. */
  KITH_WAIT_FOR (focus_in (login_child ("password_row")));
  type_text (PASSWORD);
  KITH_WAIT_FOR (g_strcmp0 (editable_text (login_child ("password_row")), PASSWORD) == 0);
  press (XK_Return);
  KITH_WAIT_FOR (page_is ("main"));
  KITH_WAIT_FOR (kith_session_get_state (session) == KITH_SESSION_ONLINE);
  wait_presence (friend_socket, user->id, "online");
  kith_test_settle (GTK_WIDGET (window ()));

  /* F10 opens the status menu (the window's primary menu), on the current
   * status; Down, Enter chooses Busy. */
  menu = KITH_STATUS_MENU (kith_window_get_status_menu (window ()));
  popover = menu_child ("popover");
  press (XK_F10);
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  KITH_WAIT_FOR (gtk_widget_has_focus (menu_child ("online_check")));
  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "keyboard-status-menu.png");
  press (XK_Down);
  KITH_WAIT_FOR (gtk_widget_has_focus (menu_child ("busy_check")));
  press (XK_Return);
  KITH_WAIT_FOR (g_strcmp0 (kith_status_menu_get_presence_name (menu), "busy") == 0);
  KITH_WAIT_FOR (!gtk_widget_get_visible (popover));
  wait_presence (friend_socket, user->id, "busy");

  /* The menu gave the focus back to its avatar button, not left it on a
   * hidden item. */
  g_assert_true (focus_in (menu_child ("button")));
  g_assert_false (focus_in (popover));

  /* Ctrl+F: the contacts search; Down: into the list, on the first
   * contact (Charles is online, so before Alan); Down, Up move between the
   * contacts; Enter opens the chat, with the focus in the composer. */
  contacts = kith_test_find_by_type (GTK_WIDGET (window ()), KITH_TYPE_CONTACTS_VIEW);
  g_assert_nonnull (contacts);
  search = template_child (contacts, KITH_TYPE_CONTACTS_VIEW, "search_entry");
  list = template_child (contacts, KITH_TYPE_CONTACTS_VIEW, "list_view");
  KITH_WAIT_FOR (shown_contacts (list) == 2 &&
                 shown_contact (list, 0) == kith_session_find_contact (session, friend->id));
  press_keysym (XK_f, FALSE, TRUE);
  KITH_WAIT_FOR (focus_in (search));
  press (XK_Down);
  KITH_WAIT_FOR (focused_contact () == kith_session_find_contact (session, friend->id));
  press (XK_Down);
  KITH_WAIT_FOR (focused_contact () == kith_session_find_contact (session, other->id));
  press (XK_Up);
  KITH_WAIT_FOR (focused_contact () == kith_session_find_contact (session, friend->id));
  press (XK_Return);
  KITH_WAIT_FOR (kith_window_get_chat_contact (window ()) == kith_session_find_contact (session, friend->id));
  chat = kith_test_find_by_type (GTK_WIDGET (window ()), KITH_TYPE_CHAT_VIEW);
  g_assert_nonnull (chat);
  composer = template_child (chat, KITH_TYPE_CHAT_VIEW, "composer");
  KITH_WAIT_FOR (gtk_widget_has_focus (composer));

  /* Type, Enter sends: Charles gets exactly that. */
  type_text (MESSAGE);
  KITH_WAIT_FOR (composer_text_is (composer, MESSAGE));
  press (XK_Return);
  received = kithd_test_socket_wait_frame (friend_socket, "message", "from", user->id, 10000);
  g_assert_nonnull (received);
  g_assert_cmpstr (json_object_get_string_member (received, "body"), ==, MESSAGE);
  g_assert_cmpint (json_object_get_int_member (received, "to"), ==, friend->id);
  /* The composer is empty again and keeps the focus, for the next line. */
  KITH_WAIT_FOR (composer_text_is (composer, ""));
  g_assert_true (gtk_widget_has_focus (composer));

  /* Ctrl+F from the chat; a search, Enter opens its first match. */
  press_keysym (XK_f, FALSE, TRUE);
  KITH_WAIT_FOR (focus_in (search));
  type_text ("turing");
  KITH_WAIT_FOR (shown_contacts (list) == 1);
  press (XK_Return);
  KITH_WAIT_FOR (kith_window_get_chat_contact (window ()) == kith_session_find_contact (session, other->id));
  KITH_WAIT_FOR (gtk_widget_has_focus (composer));
  path2 = kith_test_save_screenshot (GTK_WIDGET (window ()), "keyboard-chat.png");
}

/* ---- accessible names ---- */

static gboolean
has_label_text (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    if (GTK_IS_LABEL (child)) {
      const char *text = gtk_label_get_text (GTK_LABEL (child));

      if (text != NULL && *text != '\0')
        return TRUE;
    }
    if (has_label_text (child))
      return TRUE;
  }
  return FALSE;
}

static gboolean
has_accessible_label (GtkWidget *widget)
{
  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static gboolean
is_interactive (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) ||        /* GtkToggleButton, GtkLinkButton… */
         GTK_IS_MENU_BUTTON (widget) ||
         GTK_IS_CHECK_BUTTON (widget) ||
         GTK_IS_SWITCH (widget) ||
         GTK_IS_EDITABLE (widget) ||      /* GtkEntry, GtkText, AdwEntryRow, GtkSearchEntry… */
         GTK_IS_TEXT_VIEW (widget) ||
         GTK_IS_LIST_VIEW (widget) ||
         GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_SCALE (widget) ||
         ADW_IS_EXPANDER_ROW (widget);
}

/* The accessible name a screen reader reads for @widget: an explicit label
 * (GTK_ACCESSIBLE_PROPERTY_LABEL or LABELLED_BY), or, for the buttons GTK
 * names by their content, a label text inside. A GtkText inside an entry is
 * named by its entry. Tooltips are not names: GTK 4.8 makes them the
 * description at most. */
static gboolean
has_accessible_name (GtkWidget *widget)
{
  if (has_accessible_label (widget))
    return TRUE;

  if (GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget))
    return has_label_text (widget);

  if (GTK_IS_TEXT (widget)) {
    for (GtkWidget *up = gtk_widget_get_parent (widget); up != NULL; up = gtk_widget_get_parent (up)) {
      if (GTK_IS_EDITABLE (up) || ADW_IS_PREFERENCES_ROW (up))
        return has_accessible_name (up);
    }
  }

  return FALSE;
}

static char *
describe (GtkWidget *widget)
{
  GString *path = g_string_new (NULL);

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w)) {
    const char *name = gtk_buildable_get_buildable_id (GTK_BUILDABLE (w));

    g_string_prepend (path, name != NULL ? name : "");
    g_string_prepend (path, G_OBJECT_TYPE_NAME (w));
    g_string_prepend (path, "/");
  }
  if (GTK_IS_BUTTON (widget) && gtk_button_get_icon_name (GTK_BUTTON (widget)) != NULL)
    g_string_append_printf (path, " (icon %s)", gtk_button_get_icon_name (GTK_BUTTON (widget)));
  return g_string_free (path, FALSE);
}

static void
collect_unnamed (GtkWidget *widget,
                 GPtrArray *unnamed,
                 guint     *checked)
{
  /* AdwExpanderRow's own enable switch, hidden (show-enable-switch is off):
   * never shown, so never read. */
  if (GTK_IS_SWITCH (widget) && !gtk_widget_get_visible (widget) &&
      gtk_widget_get_ancestor (widget, ADW_TYPE_EXPANDER_ROW) != NULL)
    return;

  if (is_interactive (widget)) {
    (*checked)++;
    if (!has_accessible_name (widget))
      g_ptr_array_add (unnamed, describe (widget));
  }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, unnamed, checked);
}

static void
assert_all_named (GtkWidget *root,
                  guint      at_least)
{
  g_autoptr (GPtrArray) unnamed = g_ptr_array_new_with_free_func (g_free);
  guint checked = 0;

  collect_unnamed (root, unnamed, &checked);
  for (guint i = 0; i < unnamed->len; i++)
    g_test_message ("No accessible name: %s", (char *) g_ptr_array_index (unnamed, i));
  g_test_message ("%u controls checked under %s", checked, G_OBJECT_TYPE_NAME (root));
  g_assert_cmpuint (unnamed->len, ==, 0);
  g_assert_cmpuint (checked, >=, at_least);
}

static void
test_accessible_names (void)
{
  GtkWidget *login = kith_window_get_login_page (window ());
  GtkWidget *menu = kith_window_get_status_menu (window ());
  GtkWidget *contacts = kith_test_find_by_type (GTK_WIDGET (window ()), g_type_from_name ("KithContactsView"));
  GtkWidget *chat = kith_test_find_by_type (GTK_WIDGET (window ()), g_type_from_name ("KithChatView"));
  GtkWidget *account = kith_test_find_by_type (GTK_WIDGET (window ()), g_type_from_name ("KithAccountPage"));

  /* After the keyboard test: signed in, all pages built. */
  g_assert_nonnull (contacts);
  g_assert_nonnull (chat);
  g_assert_nonnull (account);

  /* The login page: every step (they are all in the tree). */
  assert_all_named (login, 15);
  /* The header: the avatar button and its menu. */
  assert_all_named (menu, 6);
  assert_all_named (contacts, 3);
  assert_all_named (chat, 3);
  assert_all_named (account, 5);
  /* And the rest of the window (header bars, window buttons). */
  assert_all_named (GTK_WIDGET (window ()), 35);
}

int
main (int   argc,
      char *argv[])
{
  /* XTest needs the X server. */
  if (!kith_test_init_x11 (&argc, &argv))
    return 77;
  /* The test AT context keeps the accessible properties (GTK_A11Y=none
   * keeps none), without needing an AT-SPI bus. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  server = kithd_test_server_startv (NULL);
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);

  g_test_add_func ("/keyboard/login-status", test_login_status_chat);
  g_test_add_func ("/a11y/accessible-names", test_accessible_names);

  test_status = kith_test_run_in_new_application (&app, "test-keyboard");
  kithd_test_server_free (server);

  return test_status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestLogin"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "kith-account-page.h"
#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-credentials.h"
#include "kith-delete-account-dialog.h"
#include "kith-login-page.h"
#include "kith-password-checklist.h"
#include "kith-status-menu.h"
#include "kith-window.h"
#include "kithd-test-helper.h"
#include "service-test-util.h"

/*
 * The login page of the real application window, driven as a person would:
 * typing into its entries and pressing its buttons, against a real kithd
 * and the real keyring of the test session, under Xvfb.
 */

#define PASSWORD "Corr3ct-Horse!"

static KithdTestServer *server;
static KithApplication *app;
static int test_status;
/* In the subprocess of /login/keyring-absent: its private bus (no keyring)
 * and the account whose session it tries to restore at start-up. */
static SvcPrivateBus *private_bus;
static KithdTestUser *keyring_user;

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

static KithLoginPage *
login_page (void)
{
  return KITH_LOGIN_PAGE (kith_window_get_login_page (window ()));
}

static GtkWidget *
login_child (const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (login_page ()),
                                                   KITH_TYPE_LOGIN_PAGE, id);

  if (object == NULL)
    object = G_OBJECT (kith_test_find_by_id (GTK_WIDGET (login_page ()), id));
  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static GtkWidget *
menu_child (const char *id)
{
  GObject *object = gtk_widget_get_template_child (kith_window_get_status_menu (window ()),
                                                   KITH_TYPE_STATUS_MENU, id);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
type_into (const char *id,
           const char *text)
{
  GtkWidget *row = login_child (id);

  gtk_widget_grab_focus (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  /* GtkButton::activate shows the press for a moment before "clicked";
   * a click is "clicked" at once. */
  if (GTK_IS_BUTTON (button))
    g_signal_emit_by_name (button, "clicked");
  else
    gtk_widget_activate (button);
}

/* Shown: visible with every ancestor, on the current stack page. */
static gboolean
shown (GtkWidget *widget)
{
  return gtk_widget_is_visible (widget) && gtk_widget_get_mapped (widget);
}

static const char *
label_text (const char *id)
{
  return gtk_label_get_label (GTK_LABEL (login_child (id)));
}

static gboolean
page_is (const char *name)
{
  return g_strcmp0 (kith_window_get_page (window ()), name) == 0;
}

static char *
unique_email (const char *who)
{
  static guint n;

  return g_strdup_printf ("%s.%u.%d@example.org", who, ++n, (int) getpid ());
}

static KithdTestUser *
new_user (const char *who,
          const char *first,
          const char *last)
{
  g_autofree char *email = unique_email (who);

  return kithd_test_server_sign_up (server, email, PASSWORD, first, last);
}

static void
back_to_email_step (void)
{
  KithLoginPage *page = login_page ();

  g_assert_true (page_is ("login"));
  kith_login_page_reset (page);
  gtk_editable_set_text (GTK_EDITABLE (login_child ("email_row")), "");
  kith_test_settle (GTK_WIDGET (window ()));
}

/* Types the email, Continue, the password, Sign in. */
static void
sign_in_as (const char *email,
            const char *password)
{
  back_to_email_step ();
  type_into ("email_row", email);
  click (login_child ("continue_button"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "password");
  type_into ("password_row", password);
  click (login_child ("sign_in_button"));
  g_assert_true (kith_login_page_get_busy (login_page ()));
  KITH_WAIT_FOR (!kith_login_page_get_busy (login_page ()));
}

static void
log_out (void)
{
  KithSession *session = kith_application_get_session (app);

  kith_status_menu_popup (KITH_STATUS_MENU (kith_window_get_status_menu (window ())));
  kith_test_settle (GTK_WIDGET (window ()));
  click (menu_child ("log_out_button"));
  KITH_WAIT_FOR (kith_session_get_state (session) == KITH_SESSION_SIGNED_OUT);
  KITH_WAIT_FOR (page_is ("login"));
}

static void
test_forgot_password (void)
{
  g_autoptr (KithdTestUser) user = new_user ("forgot", "Grace", "Hopper");
  g_autoptr (GPtrArray) before = kithd_test_server_outbox_files (server);
  g_autofree char *path = NULL;
  GtkWidget *forgot = login_child ("forgot_button");

  back_to_email_step ();
  g_assert_false (shown (forgot));

  /* The link appears once an email address is typed… */
  type_into ("email_row", user->email);
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (shown (forgot));
  /* …and goes again when the entry is emptied. */
  type_into ("email_row", "");
  g_assert_false (gtk_widget_get_visible (forgot));
  type_into ("email_row", user->email);

  click (forgot);
  KITH_WAIT_FOR (!kith_login_page_get_busy (login_page ()));
  g_assert_false (gtk_widget_get_visible (login_child ("error_label")));
  g_assert_true (gtk_widget_get_visible (login_child ("message_box")));
  g_assert_nonnull (strstr (label_text ("message_label"), user->email));
  g_assert_nonnull (strstr (label_text ("message_label"), "Spam or Junk"));
  g_assert_nonnull (strstr (label_text ("message_label"), "24 hours"));

  g_assert_cmpuint (kithd_test_server_wait_outbox (server, before->len + 1, 10000), ==,
                    before->len + 1);

  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "login-forgot-password.png");
}

static void
test_wrong_password (void)
{
  g_autoptr (KithdTestUser) user = new_user ("wrong", "Alan", "Turing");
  GtkWidget *error_label = login_child ("error_label");
  g_autofree char *path = NULL;

  sign_in_as (user->email, "Not-the-passw0rd");

  g_assert_true (page_is ("login"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "password");
  g_assert_true (shown (error_label));
  g_assert_nonnull (strstr (label_text ("error_label"), "password is wrong"));
  g_assert_cmpint (kith_session_get_state (kith_application_get_session (app)), ==,
                   KITH_SESSION_SIGNED_OUT);

  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "login-wrong-password.png");
}

static void
test_enter_moves_forward (void)
{
  g_autoptr (KithdTestUser) user = new_user ("enter", "Ada", "Lovelace");

  back_to_email_step ();
  type_into ("email_row", user->email);
  /* Enter in the email entry is Continue. */
  g_signal_emit_by_name (login_child ("email_row"), "entry-activated");
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "password");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (login_child ("email_summary_row"))),
                   ==, user->email);
  /* An empty password says so instead of asking the server. */
  g_signal_emit_by_name (login_child ("password_row"), "entry-activated");
  g_assert_false (kith_login_page_get_busy (login_page ()));
  g_assert_true (gtk_widget_get_visible (login_child ("error_label")));

  /* "Change" goes back to the email step. */
  click (login_child ("change_email_button"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "email");

  /* Continue with something that is not an email address stays. */
  type_into ("email_row", "not an address");
  click (login_child ("continue_button"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "email");
  g_assert_true (gtk_widget_get_visible (login_child ("error_label")));
}

static void
on_lookup_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  char **token = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = NULL;

  if (!kith_credentials_lookup_finish (KITH_CREDENTIALS (object), result, &email, token, &error))
    g_assert_no_error (error);
  if (*token == NULL)
    *token = g_strdup ("");
}

static char *
keyring_token (const char *email)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  char *token = NULL;

  kith_credentials_lookup_async (credentials, kithd_test_server_get_url (server), email, NULL,
                                 on_lookup_done, &token);
  KITH_WAIT_FOR (token != NULL);

  return token;
}

static void
test_sign_in_status_log_out (void)
{
  g_autoptr (KithdTestUser) user = new_user ("ada", "Ada", "Lovelace");
  g_autoptr (KithdTestUser) friend = new_user ("friend", "Charles", "Babbage");
  g_autoptr (KithdTestSocket) friend_socket = NULL;
  KithSession *session = kith_application_get_session (app);
  GSettings *settings = kith_application_get_settings (app);
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  g_autofree char *last_email = NULL;
  const char *status = NULL;

  kithd_test_server_make_contacts (server, user, friend);
  friend_socket = kithd_test_socket_connect (server, friend->token, 0);

  /* Stay signed in, so that the token is in the keyring where the test can
   * check that logging out kills it. */
  back_to_email_step ();
  type_into ("email_row", user->email);
  click (login_child ("continue_button"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (login_child ("stay_check")), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "stay-signed-in"));
  type_into ("password_row", PASSWORD);
  click (login_child ("sign_in_button"));
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  last_email = g_settings_get_string (settings, "last-email");
  g_assert_cmpstr (last_email, ==, user->email);
  /* The password entry does not keep the password. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (login_child ("password_row"))), ==, "");

  /* The header shows the initials and the name in the menu. */
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (menu_child ("name_label"))), ==, "Ada Lovelace");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (menu_child ("email_label"))), ==, user->email);
  g_assert_cmpstr (adw_avatar_get_text (ADW_AVATAR (menu_child ("avatar"))), ==, "Ada Lovelace");
  KITH_WAIT_FOR (g_strcmp0 (kith_status_menu_get_presence_name (KITH_STATUS_MENU (kith_window_get_status_menu (window ()))), "online") == 0);
  g_assert_true (gtk_widget_has_css_class (menu_child ("dot"), "online"));
  /* The dot is a badge on the avatar's edge, its centre on or outside the
   * circle: it leaves the middle, where the initials are, uncovered. */
  {
    GtkWidget *avatar = menu_child ("avatar");
    graphene_rect_t dot;
    float cx, cy, r, dx, dy;

    kith_test_settle (GTK_WIDGET (window ()));
    cx = gtk_widget_get_width (avatar) / 2.0f;
    cy = gtk_widget_get_height (avatar) / 2.0f;
    r = adw_avatar_get_size (ADW_AVATAR (avatar)) / 2.0f;
    g_assert_true (gtk_widget_compute_bounds (menu_child ("dot"), avatar, &dot));
    dx = dot.origin.x + dot.size.width / 2.0f - cx;
    dy = dot.origin.y + dot.size.height / 2.0f - cy;
    g_assert_cmpfloat (dx * dx + dy * dy, >=, r * r);
  }

  /* A narrow window folds to one pane: the chat pane's header then has the
   * window buttons and a back button; widened again, both panes. */
  {
    GtkWidget *main_page = kith_test_find_by_type (GTK_WIDGET (window ()), ADW_TYPE_LEAFLET);
    GtkWidget *back = kith_test_find_by_id (main_page, "back_button");
    AdwHeaderBar *sidebar_header = ADW_HEADER_BAR (kith_test_find_by_id (main_page, "sidebar_header"));
    int width, height;

    gtk_window_get_default_size (GTK_WINDOW (window ()), &width, &height);
    g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (main_page)));
    g_assert_false (gtk_widget_get_visible (back));
    g_assert_false (adw_header_bar_get_show_end_title_buttons (sidebar_header));
    gtk_window_set_default_size (GTK_WINDOW (window ()), 360, height);
    KITH_WAIT_FOR ((kith_test_settle (GTK_WIDGET (window ())), adw_leaflet_get_folded (ADW_LEAFLET (main_page))));
    g_assert_true (gtk_widget_get_visible (back));
    g_assert_true (adw_header_bar_get_show_end_title_buttons (sidebar_header));
    g_assert_true (adw_header_bar_get_show_start_title_buttons (ADW_HEADER_BAR (gtk_widget_get_ancestor (back, ADW_TYPE_HEADER_BAR))));
    gtk_window_set_default_size (GTK_WINDOW (window ()), width, height);
    KITH_WAIT_FOR ((kith_test_settle (GTK_WIDGET (window ())), !adw_leaflet_get_folded (ADW_LEAFLET (main_page))));
    g_assert_false (gtk_widget_get_visible (back));
    g_assert_false (adw_header_bar_get_show_end_title_buttons (sidebar_header));
  }

  do {
    status = kithd_test_socket_wait_presence (friend_socket, user->id, 10000);
  } while (status != NULL && g_strcmp0 (status, "online") != 0);
  g_assert_cmpstr (status, ==, "online");

  /* Busy from the status menu: the contact sees busy. */
  kith_status_menu_popup (KITH_STATUS_MENU (kith_window_get_status_menu (window ())));
  kith_test_settle (GTK_WIDGET (window ()));
  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "main-status-menu.png");
  g_assert_false (gtk_widget_get_visible (menu_child ("idle_check")));
  g_assert_false (gtk_widget_get_visible (menu_child ("mobile_check")));
  click (menu_child ("busy_check"));
  do {
    status = kithd_test_socket_wait_presence (friend_socket, user->id, 10000);
  } while (status != NULL && g_strcmp0 (status, "busy") != 0);
  g_assert_cmpstr (status, ==, "busy");
  KITH_WAIT_FOR (gtk_widget_has_css_class (menu_child ("dot"), "busy"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (menu_child ("busy_check"))));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (menu_child ("online_check"))));

  /* Hidden: the contact sees offline. */
  kith_status_menu_popup (KITH_STATUS_MENU (kith_window_get_status_menu (window ())));
  click (menu_child ("hidden_check"));
  do {
    status = kithd_test_socket_wait_presence (friend_socket, user->id, 10000);
  } while (status != NULL && g_strcmp0 (status, "offline") != 0);
  g_assert_cmpstr (status, ==, "offline");
  KITH_WAIT_FOR (gtk_widget_has_css_class (menu_child ("dot"), "hidden"));

  /* Back to Online through the action the tray uses too. */
  g_action_group_change_action_state (G_ACTION_GROUP (app), "set-status",
                                      g_variant_new_string ("online"));
  do {
    status = kithd_test_socket_wait_presence (friend_socket, user->id, 10000);
  } while (status != NULL && g_strcmp0 (status, "online") != 0);
  g_assert_cmpstr (status, ==, "online");

  token = keyring_token (user->email);
  g_assert_cmpstr (token, !=, "");
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/me", token, NULL, NULL, NULL),
                    ==, 200);

  /* Log out from the menu: back to the login page; the token is dead. */
  log_out ();
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/me", token, NULL, NULL, NULL),
                    ==, 401);
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "email");
  do {
    status = kithd_test_socket_wait_presence (friend_socket, user->id, 10000);
  } while (status != NULL && g_strcmp0 (status, "offline") != 0);
  g_assert_cmpstr (status, ==, "offline");

  g_settings_set_boolean (settings, "stay-signed-in", FALSE);
}

static void
test_sign_up (void)
{
  g_autofree char *email = unique_email ("new");
  GtkWidget *button;
  KithPasswordChecklist *checklist;
  KithSession *session = kith_application_get_session (app);
  g_autofree char *path = NULL;
  g_autofree char *where = NULL;
  KithPasswordRules missing;

  back_to_email_step ();
  click (login_child ("sign_up_link"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "sign-up");
  button = login_child ("sign_up_button");
  checklist = KITH_PASSWORD_CHECKLIST (login_child ("checklist"));

  type_into ("first_name_row", "Katherine");
  type_into ("last_name_row", "Johnson");
  type_into ("sign_up_email_row", email);

  /* A weak password: the button stays insensitive and the list says what is missing. */
  type_into ("sign_up_password_row", "abc");
  g_assert_false (gtk_widget_get_sensitive (button));
  missing = kith_password_checklist_get_missing (checklist);
  g_assert_cmpuint (missing, ==, KITH_PASSWORD_RULE_LENGTH | KITH_PASSWORD_RULE_UPPER |
                                 KITH_PASSWORD_RULE_DIGIT | KITH_PASSWORD_RULE_SYMBOL);
  g_assert_true (gtk_widget_has_css_class (kith_password_checklist_get_row (checklist, KITH_PASSWORD_RULE_DIGIT),
                                           "missing"));
  g_assert_true (gtk_widget_has_css_class (kith_password_checklist_get_row (checklist, KITH_PASSWORD_RULE_LOWER),
                                           "met"));

  type_into ("sign_up_password_row", "abcdefG1");
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_cmpuint (kith_password_checklist_get_missing (checklist), ==, KITH_PASSWORD_RULE_SYMBOL);
  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "login-sign-up.png");

  /* Enter on a weak password does not sign up. */
  g_signal_emit_by_name (login_child ("sign_up_password_row"), "entry-activated");
  g_assert_false (kith_login_page_get_busy (login_page ()));

  type_into ("sign_up_password_row", PASSWORD);
  g_assert_true (kith_password_checklist_get_valid (checklist));
  g_assert_true (gtk_widget_get_sensitive (button));
  click (button);
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpstr (kith_user_get_display_name (kith_session_get_user (session)), ==, "Katherine Johnson");

  where = g_strdup_printf ("email = '%s'", email);
  g_assert_cmpint (kithd_test_server_db_count (server, "users", where), ==, 1);

  log_out ();
}

static void
test_screenshot_login (void)
{
  g_autofree char *path = NULL;

  back_to_email_step ();
  gtk_window_set_default_size (GTK_WINDOW (window ()), 960, 640);
  type_into ("email_row", "ada@example.org");
  path = kith_test_save_screenshot (GTK_WIDGET (window ()), "login.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_account_deleted_message (void)
{
  back_to_email_step ();
  kith_login_page_show_message (login_page (), "Your account has been deleted.");
  g_assert_true (shown (login_child ("message_box")));
  g_assert_cmpstr (label_text ("message_label"), ==, "Your account has been deleted.");
}

static gboolean
match_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    if (match_label (child, text))
      return TRUE;
  }
  return FALSE;
}

/* "Delete my account" through the real window: the login page says the
 * account was deleted, with an empty email field, and nothing else (kithd
 * ends the account's sessions before it answers: that is not "signed out
 * remotely"). */
static void
test_account_deleted (void)
{
  g_autoptr (KithdTestUser) user = new_user ("deleted", "Dora", "Gone");
  KithSession *session = kith_application_get_session (app);
  GSettings *settings = kith_application_get_settings (app);
  g_autofree char *last_email = NULL;
  GtkWidget *page, *dialog;

  sign_in_as (user->email, PASSWORD);
  KITH_WAIT_FOR (page_is ("main"));
  kith_window_show_account (window ());
  KITH_WAIT_FOR (page_is ("account"));
  page = kith_test_find_by_type (GTK_WIDGET (window ()), KITH_TYPE_ACCOUNT_PAGE);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_activate_action (page, "account.delete", NULL));
  dialog = kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL);
  g_assert_nonnull (dialog);
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find_by_type (dialog, GTK_TYPE_ENTRY)), user->email);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");

  KITH_WAIT_FOR (page_is ("login") && shown (login_child ("message_box")));
  KITH_WAIT_FOR (kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL) == NULL);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "login-account-deleted.png"));

  g_assert_cmpstr (label_text ("message_label"), ==, "Your account has been deleted.");
  g_assert_false (match_label (GTK_WIDGET (window ()),
                               "You were signed out: your session ended, for example after a password change"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "email");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (login_child ("email_row"))), ==, "");
  last_email = g_settings_get_string (settings, "last-email");
  g_assert_cmpstr (last_email, ==, "");
}

/* The logo of the login and "Signing In…" pages, as drawn, is a PNG from
 * the icon theme, 1× or 2× for the display (an SVG would load librsvg). */
static void
assert_logo_icon (GtkWidget *image)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (image));
  int width;

  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (image)), ==, "im.kith.Kith-logo");
  gtk_widget_measure (image, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  g_assert_true (gtk_widget_get_mapped (image));
  g_assert_cmpint (width, ==, 128);
  for (int scale = 1; scale <= 2; scale++) {
    g_autoptr (GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, "im.kith.Kith-logo", NULL, 128,
                                                                    scale, GTK_TEXT_DIR_LTR, 0);
    g_autoptr (GFile) file = gtk_icon_paintable_get_file (icon);
    g_autofree char *uri = g_file_get_uri (file);

    g_assert_cmpstr (uri, ==, scale == 1 ? "resource:///im/kith/Kith/icons/128x128/apps/im.kith.Kith-logo.png"
                                         : "resource:///im/kith/Kith/icons/128x128@2/apps/im.kith.Kith-logo.png");
  }
}

/* A stay-signed-in start with nothing cached shows "Signing In…" (built
 * when first shown) until the session is known; a failed restore goes on to
 * the login page. */
static void
test_signing_in_page (void)
{
  KithWindow *win = window ();
  GtkWidget *page, *spinner;

  back_to_email_step ();
  assert_logo_icon (login_child ("logo"));
  g_assert_false (kith_session_has_last_account (kith_application_get_session (app)));
  g_assert_null (kith_test_find_by_type (GTK_WIDGET (win), g_type_from_name ("KithSigningInPage")));

  kith_window_set_restoring (win, TRUE);
  g_assert_true (page_is ("signing-in"));
  kith_test_settle (GTK_WIDGET (win));
  page = kith_test_find_by_type (GTK_WIDGET (win), g_type_from_name ("KithSigningInPage"));
  spinner = kith_test_find_by_id (page, "signing_in_spinner");
  g_assert_true (shown (page));
  g_assert_true (shown (spinner));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  assert_logo_icon (kith_test_find_by_type (kith_test_find_by_type (page, ADW_TYPE_STATUS_PAGE),
                                            GTK_TYPE_IMAGE));

  kith_window_set_restoring (win, FALSE);
  g_assert_true (page_is ("login"));
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
}

/* "Sign in with Google" is offered only by a server that has it configured. */
static void
test_google_button_follows_server (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kith-oidc-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autoptr (GError) error = NULL;
  KithdTestServer *google_server;
  GtkWidget *google = login_child ("google_button");
  GtkWidget *advanced = login_child ("advanced_row");
  GtkWidget *server_row;

  g_file_set_contents (conf, "[oidc:google]\nname=Google\nissuer=https://accounts.google.com\n"
                       "client-id=kith-test-client\nclient-secret=kith-test-secret\n", -1, &error);
  g_assert_no_error (error);
  google_server = kithd_test_server_start ("--config", conf, NULL);

  back_to_email_step ();
  kith_test_settle (GTK_WIDGET (window ()));
  KITH_WAIT_FOR (!gtk_widget_get_visible (google));

  /* The Advanced server address, applied as a person would. Its row is
   * made when Advanced is first expanded, showing the current server. */
  g_assert_null (kith_test_find_by_type (advanced, ADW_TYPE_ENTRY_ROW));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (advanced), TRUE);
  server_row = kith_test_find_by_type (advanced, ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (server_row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==,
                   kithd_test_server_get_url (server));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (shown (server_row));
  gtk_editable_set_text (GTK_EDITABLE (server_row), kithd_test_server_get_url (google_server));
  g_signal_emit_by_name (server_row, "apply");
  KITH_WAIT_FOR (gtk_widget_get_visible (google));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (shown (google));

  gtk_editable_set_text (GTK_EDITABLE (server_row), kithd_test_server_get_url (server));
  g_signal_emit_by_name (server_row, "apply");
  KITH_WAIT_FOR (!gtk_widget_get_visible (google));
  g_assert_cmpstr (kith_session_get_server_url (kith_application_get_session (app)), ==,
                   kithd_test_server_get_url (server));

  kithd_test_server_free (google_server);
  g_unlink (conf);
  g_rmdir (dir);
}

/* ---- a server without encryption ---- */

/* The dialog's button for @label, as a person clicks it (AdwMessageDialog
 * closes itself, then emits the response). */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_button (child, label);

    if (found != NULL)
      return found;
  }
  return NULL;
}

/* http:// to an address of this machine that is not loopback: the dialog
 * the first time, nothing sent on Cancel; signed in on "Connect Without
 * Encryption", remembered for that server only. */
static void
test_unencrypted_server (void)
{
  g_autofree char *host = kithd_test_non_loopback_address ();
  KithSession *session = kith_application_get_session (app);
  GSettings *settings = kith_application_get_settings (app);
  g_autofree char *email = unique_email ("plain");
  g_autofree char *path = NULL;
  g_autofree char *original = NULL;
  g_auto (GStrv) accepted = NULL;
  KithdTestServer *plain;
  GtkWidget *dialog;
  const char *url;

  if (host == NULL) {
    g_test_skip ("this machine has no address but loopback");
    return;
  }
  plain = kithd_test_server_new (NULL);
  kithd_test_server_set_host (plain, host);
  kithd_test_server_restart (plain);
  url = kithd_test_server_get_url (plain);
  kithd_test_user_free (kithd_test_server_sign_up (plain, email, PASSWORD, "Plain", "Text"));
  original = g_strdup (kith_session_get_server_url (session));
  kith_session_set_server_url (session, url);
  g_assert_false (kith_session_get_allow_unencrypted (session));

  /* The first time: asked, and nothing is sent. */
  sign_in_as (email, PASSWORD);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Connect Without Encryption?");
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window ()));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), host));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "not encrypted"));
  g_assert_cmpstr (adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dialog), "cancel"), ==, "_Cancel");
  g_assert_cmpstr (adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dialog), "connect"), ==,
                   "Connect _Without Encryption");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog), "connect"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_close_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");
  path = kith_test_save_screenshot (dialog, "login-unencrypted.png");
  g_assert_cmpint (kithd_test_server_db_count (plain, "sessions", NULL), ==, 1);

  /* Cancel: signed out, said why, nothing remembered. */
  click (find_button (dialog, "_Cancel"));
  KITH_WAIT_FOR (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Connect Without Encryption?") == NULL);
  g_assert_true (page_is ("login"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_true (gtk_widget_get_visible (login_child ("error_label")));
  g_assert_nonnull (strstr (label_text ("error_label"), "unencrypted"));
  accepted = g_settings_get_strv (settings, "unencrypted-servers");
  g_assert_cmpuint (g_strv_length (accepted), ==, 0);
  g_clear_pointer (&accepted, g_strfreev);
  g_assert_cmpint (kithd_test_server_db_count (plain, "sessions", NULL), ==, 1);

  /* Asked again; accepted: signed in, and remembered for this server. */
  sign_in_as (email, PASSWORD);
  dialog = kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Connect Without Encryption?");
  g_assert_nonnull (dialog);
  click (find_button (dialog, "Connect _Without Encryption"));
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_null (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Connect Without Encryption?"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpint (kithd_test_server_db_count (plain, "sessions", NULL), ==, 2);
  accepted = g_settings_get_strv (settings, "unencrypted-servers");
  g_assert_true (g_strv_contains ((const char * const *) accepted, url));
  g_assert_cmpuint (g_strv_length (accepted), ==, 1);
  log_out ();

  /* Not asked again for it. */
  sign_in_as (email, PASSWORD);
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_null (kith_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, "Connect Without Encryption?"));
  log_out ();

  /* The loopback server is never asked about, and the acceptance stays
   * with its server. */
  kith_session_set_server_url (session, original);
  g_assert_false (kith_session_get_allow_unencrypted (session));
  kith_session_set_server_url (session, url);
  g_assert_true (kith_session_get_allow_unencrypted (session));
  kith_session_set_server_url (session, original);

  g_settings_reset (settings, "unencrypted-servers");
  kithd_test_server_free (plain);
}

/* A stay-signed-in restore that failed before there was a window (Kith
 * started as a D-Bus service) says why on the login page once the window
 * is built. Last: it replaces the window. */
static void
test_sign_in_error_before_window (void)
{
  const char *why = "The keyring is missing or locked";

  back_to_email_step ();
  gtk_window_destroy (GTK_WINDOW (window ()));
  KITH_WAIT_FOR (window () == NULL);

  kith_application_show_sign_in_error (app, why);
  g_application_activate (G_APPLICATION (app));
  KITH_WAIT_FOR (window () != NULL && gtk_widget_get_mapped (GTK_WIDGET (window ())));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (page_is ("login"));
  g_assert_true (shown (login_child ("error_label")));
  g_assert_cmpstr (label_text ("error_label"), ==, why);

  /* Said once: a window built later starts clean. */
  gtk_window_destroy (GTK_WINDOW (window ()));
  KITH_WAIT_FOR (window () == NULL);
  g_application_activate (G_APPLICATION (app));
  KITH_WAIT_FOR (window () != NULL && gtk_widget_get_mapped (GTK_WIDGET (window ())));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_false (gtk_widget_get_visible (login_child ("error_label")));
}

/* A label showing @text somewhere under @widget (a toast's title, say). */
static GtkWidget *
find_label_with_text (GtkWidget  *widget,
                      const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_label_with_text (child, text);

    if (found != NULL)
      return found;
  }
  return NULL;
}

/* No keyring on the session bus, "Stay signed in" chosen last time: the
 * start-up restore falls back to the login page, which says why; signing
 * in still works, and a toast says why it will not be remembered; Log out
 * works. Runs in a subprocess, whose main() set up the private bus. */
static void
test_keyring_absent (void)
{
  const char *why = "No keyring is running, so Kith cannot keep you signed in.";
  KithSession *session;

  if (!svc_test_in_subprocess ())
    return;
  session = kith_application_get_session (app);

  KITH_WAIT_FOR (kith_session_get_state (session) == KITH_SESSION_SIGNED_OUT &&
                 gtk_widget_get_visible (login_child ("error_label")));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (page_is ("login"));
  g_assert_true (shown (login_child ("error_label")));
  g_assert_cmpstr (label_text ("error_label"), ==, why);

  back_to_email_step ();
  type_into ("email_row", keyring_user->email);
  click (login_child ("continue_button"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (login_child ("stay_check")), TRUE);
  type_into ("password_row", PASSWORD);
  click (login_child ("sign_in_button"));
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_false (kith_session_get_stay_signed_in (session));
  KITH_WAIT_FOR (find_label_with_text (GTK_WIDGET (window ()), why) != NULL);

  log_out ();
  g_assert_true (page_is ("login"));
}

/* ---- a short window ---- */

/* The error sits right under the fields that hold @field, and the page has
 * scrolled so that it is in view, whole. */
static void
assert_error_under (GtkWidget  *field,
                    const char *text)
{
  GtkWidget *error_label = login_child ("error_label");
  GtkWidget *scroller = login_child ("scroller");
  GtkWidget *fields = gtk_widget_get_prev_sibling (error_label);
  graphene_rect_t bounds;

  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (shown (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), text));
  g_assert_nonnull (fields);
  g_assert_true (field == fields || gtk_widget_is_ancestor (field, fields));

  g_assert_true (gtk_widget_compute_bounds (error_label, scroller, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller));
}

/* Scrolled to its end, the page shows @widget whole. */
static void
assert_reachable (GtkWidget *widget)
{
  GtkWidget *scroller = login_child ("scroller");
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  graphene_rect_t bounds;

  kith_test_settle (GTK_WIDGET (window ()));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (gtk_widget_compute_bounds (widget, scroller, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scroller));
}

static void
test_short_window (void)
{
  g_autoptr (KithdTestUser) user = new_user ("short", "Dorothy", "Vaughan");
  const int sizes[][2] = { { 960, 640 }, { 360, 640 }, { 360, 480 } };
  GtkWidget *server_row;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autofree char *name = g_strdup_printf ("login-short-%dx%d.png", sizes[i][0], sizes[i][1]);

    back_to_email_step ();
    gtk_window_set_default_size (GTK_WINDOW (window ()), sizes[i][0], sizes[i][1]);
    kith_test_settle (GTK_WIDGET (window ()));
    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window ())), <=, sizes[i][1]);

    /* Advanced is never cut off: the page scrolls to it. */
    assert_reachable (login_child ("advanced_row"));

    /* The sign-up form is the longest page: an email already taken is said
     * under the form's fields, in view, not below its buttons. */
    click (login_child ("sign_up_link"));
    type_into ("first_name_row", "Dorothy");
    type_into ("last_name_row", "Vaughan");
    type_into ("sign_up_email_row", user->email);
    type_into ("sign_up_password_row", PASSWORD);
    /* Where a person would be: at the button, the end of the page. */
    assert_reachable (login_child ("sign_up_button"));
    click (login_child ("sign_up_button"));
    KITH_WAIT_FOR (!kith_login_page_get_busy (login_page ()));
    assert_error_under (login_child ("sign_up_email_row"), "already exists");
    g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), name));
    click (login_child ("have_account_button"));

    /* A wrong password: under the password. */
    sign_in_as (user->email, "Not-the-passw0rd");
    assert_error_under (login_child ("password_row"), "password is wrong");

    /* A bad server address: under Advanced, not up at the form. */
    back_to_email_step ();
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (login_child ("advanced_row")), TRUE);
    server_row = kith_test_find_by_type (login_child ("advanced_row"), ADW_TYPE_ENTRY_ROW);
    gtk_editable_set_text (GTK_EDITABLE (server_row), "kith.example.org");
    g_signal_emit_by_name (server_row, "apply");
    assert_error_under (login_child ("advanced_row"), "https://");
    gtk_editable_set_text (GTK_EDITABLE (server_row), kithd_test_server_get_url (server));
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (login_child ("advanced_row")), FALSE);
  }

  back_to_email_step ();
  gtk_window_set_default_size (GTK_WINDOW (window ()), 960, 640);
  kith_test_settle (GTK_WIDGET (window ()));
}

int
main (int   argc,
      char *argv[])
{
  kith_test_init (&argc, &argv);

  /* /login/keyring-absent runs in a subprocess (the only test that does):
   * a private session bus with no Secret Service, set up before anything
   * uses the bus, and a restore to try at start-up. */
  if (g_test_subprocess ())
    private_bus = svc_private_bus_new (SVC_KEYRING_NONE);

  server = kithd_test_server_startv (NULL);
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);

  if (g_test_subprocess ()) {
    g_autoptr (GSettings) settings = g_settings_new (APP_ID);

    keyring_user = new_user ("nokeyring", "Ada", "Lovelace");
    g_settings_set_boolean (settings, "stay-signed-in", TRUE);
    g_settings_set_string (settings, "last-email", keyring_user->email);
  }

  g_test_add_func ("/login/screenshot", test_screenshot_login);
  g_test_add_func ("/login/signing-in-page", test_signing_in_page);
  g_test_add_func ("/login/forgot-password", test_forgot_password);
  g_test_add_func ("/login/wrong-password", test_wrong_password);
  g_test_add_func ("/login/enter-moves-forward", test_enter_moves_forward);
  g_test_add_func ("/login/sign-up", test_sign_up);
  g_test_add_func ("/login/sign-in-status-log-out", test_sign_in_status_log_out);
  g_test_add_func ("/login/account-deleted-message", test_account_deleted_message);
  g_test_add_func ("/login/account-deleted", test_account_deleted);
  g_test_add_func ("/login/google-button-follows-server", test_google_button_follows_server);
  /* After it: this one expands Advanced, which that one sees first. */
  g_test_add_func ("/login/short-window", test_short_window);
  g_test_add_func ("/login/unencrypted-server", test_unencrypted_server);
  g_test_add_func ("/login/sign-in-error-before-window", test_sign_in_error_before_window);
  g_test_add_func ("/login/keyring-absent", test_keyring_absent);

  test_status = kith_test_run_in_new_application (&app, "test-login");
  g_clear_pointer (&keyring_user, kithd_test_user_free);
  kithd_test_server_free (server);
  /* The application held the bus: it goes down now. */
  g_clear_pointer (&private_bus, svc_private_bus_free);
  svc_test_cleanup ();

  return test_status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestAccountPage"

#include "config.h"

#include <adwaita.h>

#include "kith-account-page.h"
#include "kith-delete-account-dialog.h"
#include "kith-views-test-util.h"

/*
 * My Account against a real kithd, in real windows (Xvfb), driven as a
 * person would: the profile, changing the password, deleting the account.
 */

static KithViewsTest fx;

static char *
get_me (const char *token)
{
  g_autofree char *body = NULL;
  guint status;

  status = kithd_test_server_request (fx.server, "GET", "/api/v1/me", token, NULL, &body, NULL);
  g_assert_cmpuint (status, ==, 200);
  return g_steal_pointer (&body);
}

static gboolean
match_editable_title (GtkWidget     *widget,
                      gconstpointer  data)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

static GtkWidget *
account_window (KithSession  *session,
                GtkWidget   **page_out)
{
  GtkWidget *window = kith_views_new_window (720, 760);
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
  first_row = kith_test_find (page, match_editable_title, "First Name");
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
  notify_switch = kith_test_find_by_type (page, GTK_TYPE_SWITCH);
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
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (kith_test_find (page, match_editable_title, "First Name"))), ==, "Alicia");
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

  ivy = kithd_test_server_sign_up (fx.server, "ivy@example.com", KITH_VIEWS_PASSWORD, "Ivy", "Baker");
  session = kith_views_sign_in (&fx, fx.server, "ivy@example.com");
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
    gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "New Password")), typed[i]);
    kith_test_settle (dialog);
    g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  }

  /* A weak new password: not accepted yet. */
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "Current Password")), "Wrong-Passw0rd!");
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "New Password")), "short");
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "Confirm New Password")), "short");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "change"));

  /* A strong one, but the wrong current password: said in the dialog. */
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "New Password")), "N3w-Secret-Pass");
  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "Confirm New Password")), "N3w-Secret-Pass");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "change"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "change");
  KITH_WAIT_FOR (kith_test_find (dialog, kith_test_match_error_label, "The current password is not correct.") != NULL);
  g_free (kith_test_save_screenshot (dialog, "change-password-error.png"));
  g_assert_true (kith_test_find_toplevel (type, NULL) == dialog);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);

  /* Neither does a long message (as translations and network errors give),
   * nor a long rule in the checklist: they wrap inside the dialog. */
  error_label = kith_test_find (dialog, kith_test_match_error_label, "The current password is not correct.");
  gtk_label_set_label (GTK_LABEL (error_label), LONG_TEXT);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  rule_label = kith_test_find (dialog, kith_test_match_visible_label, "At least 8 characters");
  g_assert_nonnull (rule_label);
  gtk_label_set_label (GTK_LABEL (rule_label), LONG_TEXT);
  kith_test_settle (dialog);
  g_assert_cmpint (gtk_widget_get_width (dialog), ==, width);
  g_free (kith_test_save_screenshot (dialog, "change-password-long-texts.png"));
  gtk_label_set_label (GTK_LABEL (error_label), "The current password is not correct.");

  gtk_editable_set_text (GTK_EDITABLE (kith_test_find (dialog, match_password_title, "Current Password")), KITH_VIEWS_PASSWORD);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "change");
  KITH_WAIT_FOR (kith_test_find_toplevel (type, NULL) == NULL);

  /* kithd takes the new password, not the old one. */
  token = kithd_test_server_log_in (fx.server, "ivy@example.com", "N3w-Secret-Pass", "desktop");
  g_assert_nonnull (token);

  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
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

  gus = kithd_test_server_sign_up (fx.server, "gus@example.com", KITH_VIEWS_PASSWORD, "Gus", "Grissom");
  session = kith_views_sign_in (&fx, fx.server, "gus@example.com");
  window = account_window (session, &page);
  g_signal_connect (page, "account-deleted", G_CALLBACK (on_account_deleted), &deleted);

  dialog = open_delete_dialog (page);
  entry = kith_test_find_by_type (dialog, GTK_TYPE_ENTRY);
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

  hal = kithd_test_server_sign_up (fx.server, "hal@example.com", KITH_VIEWS_PASSWORD, "Hal", "Jordan");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  session = kith_views_sign_in (&fx, fx.server, "hal@example.com");
  window = account_window (session, &page);
  g_signal_connect (page, "account-deleted", G_CALLBACK (on_account_deleted), &deleted);

  dialog = open_delete_dialog (page);
  entry = kith_test_find_by_type (dialog, GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "hal@example.com");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  KITH_WAIT_FOR (kith_test_find (dialog, kith_test_match_error_label,
                              "Accounts on a paid plan are closed by our support team. Please contact support.") != NULL);
  g_assert_false (deleted);
  g_free (kith_test_save_screenshot (dialog, "delete-account-paid.png"));
  g_assert_cmpint (kithd_test_server_db_count (fx.server, "users", "email = 'hal@example.com'"), ==, 1);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_assert_null (kith_test_find_toplevel (KITH_TYPE_DELETE_ACCOUNT_DIALOG, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
  kith_views_sign_out (session);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  kith_views_test_init (&fx, &argc, &argv);
  g_test_add_func ("/views/account/profile", test_account_profile);
  g_test_add_func ("/views/account/change-password", test_account_change_password);
  g_test_add_func ("/views/account/delete", test_account_delete);
  g_test_add_func ("/views/account/delete-paid", test_account_delete_paid);
  ret = g_test_run ();

  kith_views_test_clear (&fx);
  return ret;
}

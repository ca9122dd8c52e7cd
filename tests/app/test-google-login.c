/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestGoogleLogin"

#include "config.h"

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-credentials.h"
#include "kith-fake-browser.h"
#include "kith-fake-oidc.h"
#include "kith-login-page.h"
#include "kith-window.h"
#include "kithd-test-helper.h"
#include "service-test-util.h"

/*
 * "Sign in with Google" in the real application window, under Xvfb: the
 * system's browser is a fake one (kith-fake-browser.c) that is opened
 * through GIO as any browser would be, against a real kithd whose Google
 * is a fake provider (tests/server/kith-fake-oidc.c).
 */

static KithdTestServer *server;
static KithFakeOidc *provider;
static KithFakeBrowser *browser;
static KithApplication *app;

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
child (const char *id)
{
  GtkWidget *widget = kith_test_find_by_id (GTK_WIDGET (login_page ()), id);

  g_assert_nonnull (widget);
  return widget;
}

static KithOidcSignIn *
google (void)
{
  return kith_login_page_get_google_sign_in (login_page ());
}

static gboolean
shown (GtkWidget *widget)
{
  return gtk_widget_is_visible (widget) && gtk_widget_get_mapped (widget);
}

static gboolean
usable (GtkWidget *widget)
{
  return shown (widget) && gtk_widget_is_sensitive (widget);
}

static GtkWidget *
focus (void)
{
  return gtk_root_get_focus (GTK_ROOT (window ()));
}

static void
click (GtkWidget *button)
{
  g_assert_true (usable (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The first step, once the server said it offers Google. */
static void
back_to_start (void)
{
  g_assert_cmpstr (kith_window_get_page (window ()), ==, "login");
  kith_login_page_reset (login_page ());
  KITH_WAIT_FOR (gtk_widget_get_visible (child ("google_button")));
  kith_test_settle (GTK_WIDGET (window ()));
}

/* Clicks "Sign in with Google": the browser opens on kithd's start URL. */
static KithFakeBrowserVisit *
click_google (void)
{
  guint visits = kith_fake_browser_count_visits (browser);
  KithFakeBrowserVisit *visit;

  click (child ("google_button"));
  visit = kith_fake_browser_wait_visit (browser, visits + 1, 10000);
  g_assert_nonnull (visit);
  g_assert_true (g_str_has_prefix (visit->url, kithd_test_server_get_url (server)));
  g_assert_nonnull (strstr (visit->url, "/api/v1/oidc/google/start?"));
  return visit;
}

static gboolean
nobody_listens (gpointer data)
{
  return kith_fake_browser_fetch (data, NULL) == 0;
}

/* The page as it was before Google was clicked, usable. */
static void
assert_page_usable (void)
{
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_false (gtk_widget_get_visible (child ("google_waiting_box")));
  g_assert_false (kith_login_page_get_busy (login_page ()));
  g_assert_cmpint (kith_oidc_sign_in_get_state (google ()), ==, KITH_OIDC_SIGN_IN_IDLE);
  g_assert_true (usable (child ("google_button")));
  g_assert_true (usable (child ("email_row")));
  g_assert_true (usable (child ("continue_button")));
}

static char *
keyring_token (const char *email)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;
  char *token = NULL;

  kith_credentials_lookup_async (credentials, kithd_test_server_get_url (server), email, NULL,
                                 svc_test_store_result, &result);
  kith_credentials_lookup_finish (credentials, svc_test_wait_result (&result), &found, &token, &error);
  g_assert_no_error (error);
  return token;
}

/* While the browser is open the page says so, with Cancel; a second click
 * opens the browser again on the same sign-in; Cancel closes the listener
 * and leaves the page as it was. */
static void
test_wait_and_cancel (void)
{
  KithFakeBrowserVisit *visit, *again;
  g_autofree char *redirect_uri = NULL;
  GtkWidget *waiting = child ("google_waiting_box");

  back_to_start ();
  kith_fake_browser_set_follow (browser, FALSE);
  visit = click_google ();
  redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");
  KITH_WAIT_FOR (gtk_widget_get_visible (waiting));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_true (shown (waiting));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (child ("google_waiting_label"))), ==,
                   "Waiting for your browser…");
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (child ("google_waiting_label"))),
                   ==, GTK_ACCESSIBLE_ROLE_STATUS);
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (child ("google_spinner"))));
  g_assert_true (usable (child ("google_cancel_button")));
  g_assert_true (usable (child ("google_stay_check")));
  /* The keyboard is at Cancel. */
  g_assert_true (focus () == child ("google_cancel_button"));
  /* The rest of the page stays as it was. */
  g_assert_false (kith_login_page_get_busy (login_page ()));
  g_assert_true (usable (child ("email_row")));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "login-google-waiting.png"));

  /* Clicked again: the browser again, on the same URL; one listener. */
  again = click_google ();
  g_assert_cmpstr (again->url, ==, visit->url);
  g_assert_cmpint (kith_oidc_sign_in_get_state (google ()), ==, KITH_OIDC_SIGN_IN_WAITING);

  /* The wait's own Cancel action (Escape) ends it too; then Google again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (login_page ()), "login.cancel-google", NULL));
  KITH_WAIT_FOR (!gtk_widget_get_visible (waiting));
  g_assert_true (kithd_test_wait_until (nobody_listens, redirect_uri, 10000));
  visit = click_google ();
  g_clear_pointer (&redirect_uri, g_free);
  redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");
  KITH_WAIT_FOR (gtk_widget_get_visible (waiting));

  click (child ("google_cancel_button"));
  KITH_WAIT_FOR (!gtk_widget_get_visible (waiting));
  assert_page_usable ();
  /* Cancel is the page's action, which Escape activates: off once idle, so
   * that Escape goes on to others. */
  g_assert_false (gtk_widget_get_sensitive (child ("google_cancel_button")));
  g_assert_false (gtk_widget_get_visible (child ("error_label")));
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (child ("google_spinner"))));
  g_assert_true (focus () == child ("google_button"));
  g_assert_true (kithd_test_wait_until (nobody_listens, redirect_uri, 10000));

  /* Usable: the password way goes on as always. */
  gtk_editable_set_text (GTK_EDITABLE (child ("email_row")), "ada@example.org");
  click (child ("continue_button"));
  g_assert_cmpstr (kith_login_page_get_step (login_page ()), ==, "password");
}

/* No answer in time: the page says so where it shows errors, and is
 * usable again. */
static void
test_timeout (void)
{
  KithFakeBrowserVisit *visit;
  g_autofree char *redirect_uri = NULL;
  GtkWidget *error_label = child ("error_label");

  back_to_start ();
  kith_fake_browser_set_follow (browser, FALSE);
  kith_oidc_sign_in_set_timeout (google (), 500);
  visit = click_google ();
  redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");
  KITH_WAIT_FOR (gtk_widget_get_visible (error_label));
  kith_oidc_sign_in_set_timeout (google (), 5 * 60 * 1000);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "stopped waiting"));
  g_assert_true (shown (error_label));
  assert_page_usable ();
  g_assert_true (kithd_test_wait_until (nobody_listens, redirect_uri, 10000));
}

/* The browser followed through kithd and the provider back to the app:
 * the tab says it may be closed. */
static void
assert_tab_done (KithFakeBrowserVisit *visit)
{
  g_autofree char *redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");

  g_assert_nonnull (kith_fake_browser_wait_followed (browser, kith_fake_browser_count_visits (browser),
                                                     30000));
  if (!g_str_has_prefix (visit->final_url, redirect_uri))
    g_error ("The browser ended at %s (%u), not at the app", visit->final_url, visit->status);
  g_assert_cmpuint (visit->status, ==, 200);
  g_assert_nonnull (strstr (visit->page, "You can close this tab"));
}

static gboolean
last_email_is (const char *email)
{
  g_autofree char *last = g_settings_get_string (kith_application_get_settings (app), "last-email");

  return g_str_equal (last, email);
}

static void
log_out (void)
{
  KithSession *session = kith_application_get_session (app);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_session_log_out_async (session, NULL, svc_test_store_result, &result);
  g_assert_true (kith_session_finish (session, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
  KITH_WAIT_FOR (g_strcmp0 (kith_window_get_page (window ()), "login") == 0);
}

/* The browser goes through Google and comes back: signed in, on the main
 * page, as the account with Google's email address. The token is in the
 * keyring only when Stay signed in was checked, which can be done while
 * the browser is open. */
static void
test_signs_in (void)
{
  g_autofree char *email = g_strdup_printf ("katherine.%d@example.org", (int) getpid ());
  GSettings *settings = kith_application_get_settings (app);
  KithSession *session = kith_application_get_session (app);
  g_autofree char *token = NULL;
  KithFakeBrowserVisit *visit;

  kith_fake_oidc_set_user (provider, email, email, TRUE, "Katherine", "Johnson");
  g_settings_set_boolean (settings, "stay-signed-in", FALSE);

  /* Not staying signed in. */
  back_to_start ();
  kith_fake_browser_set_follow (browser, TRUE);
  visit = click_google ();
  assert_tab_done (visit);
  KITH_WAIT_FOR (g_strcmp0 (kith_window_get_page (window ()), "main") == 0);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpstr (kith_person_get_email (KITH_PERSON (kith_session_get_user (session))), ==, email);
  g_assert_cmpstr (kith_person_get_display_name (KITH_PERSON (kith_session_get_user (session))), ==,
                   "Katherine Johnson");
  /* The next log-in suggests that account (once the sign-in has finished,
   * just after the session went online). */
  KITH_WAIT_FOR (last_email_is (email));
  g_assert_false (kith_login_page_get_busy (login_page ()));
  token = keyring_token (email);
  g_assert_null (token);
  log_out ();

  /* Staying signed in, checked while the browser is open; then the
   * browser, opened again, goes through. */
  back_to_start ();
  kith_fake_browser_set_follow (browser, FALSE);
  visit = click_google ();
  KITH_WAIT_FOR (gtk_widget_get_visible (child ("google_waiting_box")));
  kith_test_settle (GTK_WIDGET (window ()));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (child ("google_stay_check"))));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child ("google_stay_check")), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "stay-signed-in"));
  kith_fake_browser_set_follow (browser, TRUE);
  visit = click_google ();
  assert_tab_done (visit);
  KITH_WAIT_FOR (g_strcmp0 (kith_window_get_page (window ()), "main") == 0);
  g_assert_true (kith_session_get_stay_signed_in (session));
  token = keyring_token (email);
  g_assert_nonnull (token);
  g_assert_cmpstr (token, !=, "");
  g_clear_pointer (&token, g_free);

  /* Logging out removes it. */
  log_out ();
  token = keyring_token (email);
  g_assert_null (token);
  kith_fake_browser_set_follow (browser, FALSE);
  g_settings_set_boolean (settings, "stay-signed-in", FALSE);
}

/* An error from the provider (an email address Google has not verified):
 * its sentence, where the page shows errors. */
static void
test_provider_error (void)
{
  GtkWidget *error_label = child ("error_label");

  kith_fake_oidc_set_user (provider, "sub-unverified", "unverified@example.org", FALSE, "Un", "Verified");
  back_to_start ();
  kith_fake_browser_set_follow (browser, TRUE);
  assert_tab_done (click_google ());
  kith_fake_browser_set_follow (browser, FALSE);
  KITH_WAIT_FOR (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)),
                            "email address of your Google account is not verified"));
  assert_page_usable ();
  g_assert_cmpint (kith_session_get_state (kith_application_get_session (app)), ==,
                   KITH_SESSION_SIGNED_OUT);
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "login-google-error.png"));
}

static KithdTestServer *
start_server (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kith-google-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *text = kith_fake_oidc_write_config (provider, NULL);
  g_autoptr (GError) error = NULL;
  KithdTestServer *started;

  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  started = kithd_test_server_start ("--config", conf, NULL);
  kithd_test_remove_tree (dir);
  return started;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Before GLib and GTK read XDG_DATA_DIRS. */
  browser = kith_fake_browser_new ();
  kith_test_init (&argc, &argv);
  provider = kith_fake_oidc_new ("kith-test-client", "kith-test-secret");
  server = start_server ();
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);

  g_test_add_func ("/google-login/wait-and-cancel", test_wait_and_cancel);
  g_test_add_func ("/google-login/timeout", test_timeout);
  g_test_add_func ("/google-login/provider-error", test_provider_error);
  g_test_add_func ("/google-login/signs-in", test_signs_in);

  status = kith_test_run_in_new_application (&app, "test-google-login");
  kithd_test_server_free (server);
  kith_fake_oidc_free (provider);
  kith_fake_browser_free (browser);
  return status;
}

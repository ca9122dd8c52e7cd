/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestGoogleLogin"

#include "config.h"

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-fake-browser.h"
#include "kith-login-page.h"
#include "kith-window.h"
#include "kithd-test-helper.h"
#include "service-test-util.h"

/*
 * "Sign in with Google" in the real application window, under Xvfb: the
 * system's browser is a fake one (kith-fake-browser.c) that is opened
 * through GIO as any browser would be, against a real kithd that offers
 * Google.
 */

static KithdTestServer *server;
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

/* An error from the provider (an email address Google has not verified):
 * its sentence, where the page shows errors. */
static void
test_provider_error (void)
{
  KithFakeBrowserVisit *visit;
  GtkWidget *error_label = child ("error_label");
  g_autofree char *page = NULL;

  back_to_start ();
  kith_fake_browser_set_follow (browser, FALSE);
  visit = click_google ();
  g_assert_cmpuint (kith_fake_browser_redirect (visit->url, "error=email_not_verified", &page), ==, 200);
  g_assert_nonnull (strstr (page, "You can close this tab"));
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
  g_autoptr (GError) error = NULL;
  KithdTestServer *started;

  g_file_set_contents (conf, "[oidc]\ngoogle-client-id=kith-test-client\n", -1, &error);
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
  server = start_server ();
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);

  g_test_add_func ("/google-login/wait-and-cancel", test_wait_and_cancel);
  g_test_add_func ("/google-login/timeout", test_timeout);
  g_test_add_func ("/google-login/provider-error", test_provider_error);

  status = kith_test_run_in_new_application (&app, "test-google-login");
  kithd_test_server_free (server);
  kith_fake_browser_free (browser);
  return status;
}

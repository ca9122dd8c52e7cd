/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWindow"

#include "config.h"

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-status-menu.h"

/*
 * KithWindow in the real application, signed out, under Xvfb: the pages a
 * start on the login page does not show are not made, and the window's
 * getters work before they are.
 */

static KithApplication *app;

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

/* The login page's start makes neither the main page nor "Signing In…"
 * (docs/performance.md, "Start-up"). */
static void
test_pages_made_when_shown (void)
{
  g_assert_cmpstr (kith_window_get_page (window ()), ==, "login");
  g_assert_null (kith_test_find_by_type (GTK_WIDGET (window ()), g_type_from_name ("KithMainPage")));
  g_assert_null (kith_test_find_by_type (GTK_WIDGET (window ()), g_type_from_name ("KithSigningInPage")));
  g_assert_null (kith_window_get_chat_contact (window ()));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window ())), ==, "Kith");
}

/* The status menu lives on the main page: asked for before that was ever
 * shown, it is made (it used to crash), and the window stays where it is. */
static void
test_status_menu_before_main_page (void)
{
  GtkWidget *menu = kith_window_get_status_menu (window ());

  g_assert_true (KITH_IS_STATUS_MENU (menu));
  g_assert_cmpstr (kith_status_menu_get_presence_name (KITH_STATUS_MENU (menu)), ==, "offline");
  g_assert_true (kith_window_get_status_menu (window ()) == menu);
  g_assert_cmpstr (kith_window_get_page (window ()), ==, "login");
  g_assert_true (gtk_widget_is_ancestor (menu, GTK_WIDGET (window ())));
  g_assert_false (gtk_widget_get_mapped (menu));
  g_assert_null (kith_window_get_chat_contact (window ()));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window ())), ==, "Kith");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!kith_test_init_x11 (&argc, &argv))
    return 77;

  g_test_add_func ("/window/pages-made-when-shown", test_pages_made_when_shown);
  g_test_add_func ("/window/status-menu-before-main-page", test_status_menu_before_main_page);

  status = kith_test_run_in_new_application (&app, "test-window");

  return status;
}

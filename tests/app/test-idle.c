/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestIdle"

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>

#include "kith-app-test-util.h"
#include "kith-application.h"

/*
 * Idle in the real application, under Xvfb with no GNOME on the bus (no
 * Mutter IdleMonitor, no ScreenSaver): the X server's idle time decides,
 * so input anywhere on the screen brings the user back; without it, the
 * input of every Kith window does. Input is real (XTest), as a mouse and a
 * keyboard would make it. The delay is set in seconds on the monitor; the
 * tests wait on conditions, never on the clock.
 */

static KithApplication *app;

static KithStatusManager *
status (void)
{
  return kith_session_get_status (kith_application_get_session (app));
}

static KithIdleMonitor *
monitor (void)
{
  return kith_status_manager_get_idle_monitor (status ());
}

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gdk_display_get_default ());
}

/* Moves the pointer a little around (@x, @y), as a hand on the mouse does,
 * and lets the main loop take the events. */
static void
wiggle_pointer (int x,
                int y)
{
  static int step;
  Display *dpy = xdisplay ();

  XTestFakeMotionEvent (dpy, -1, x + (step++ % 8), y, CurrentTime);
  XSync (dpy, False);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
idle (void)
{
  return kith_status_manager_get_idle (status ());
}

/* Until the user is back, keep moving the pointer at (@x, @y): a busy
 * machine may take its time to look, and a user who keeps working is
 * never idle. */
#define WIGGLE_UNTIL(cond, x, y) KITH_WAIT_FOR ((wiggle_pointer ((x), (y)), (cond)))

/* Idle follows the X server (MIT-SCREEN-SAVER): input outside every Kith
 * window brings the user back. */
static void
test_x11 (void)
{
  GtkWindow *window = GTK_WINDOW (kith_application_get_window (app));
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));

  g_assert_cmpint (kith_idle_monitor_get_backend (monitor ()), ==, KITH_IDLE_BACKEND_NONE);
  g_assert_cmpint (width, <, 1200);
  g_assert_cmpint (height, <, 760);

  kith_idle_monitor_set_idle_delay (monitor (), 2);
  kith_idle_monitor_start (monitor ());
  KITH_WAIT_FOR (kith_idle_monitor_get_backend (monitor ()) != KITH_IDLE_BACKEND_NONE);
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor ()), ==, KITH_IDLE_BACKEND_SOURCE);

  KITH_WAIT_FOR (idle ());
  g_assert_cmpint (kith_status_manager_get_presence (status ()), ==, KITH_PRESENCE_IDLE);

  /* The pointer moves in the screen's corner, far from the window. */
  WIGGLE_UNTIL (!idle (), 1240, 780);
  g_assert_cmpint (kith_status_manager_get_presence (status ()), ==, KITH_PRESENCE_ONLINE);

  KITH_WAIT_FOR (idle ());
  wiggle_pointer (1240, 780);
  KITH_WAIT_FOR (!idle ());
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           guint                    *seen)
{
  (*seen)++;
}

/* Without the X server's idle time, the input of every Kith window counts:
 * the main window's, and that of a window opened later. */
static void
test_app_input (void)
{
  GtkWidget *other;
  GtkEventController *motion;
  guint seen = 0;

  kith_idle_monitor_set_source (monitor (), NULL);
  g_assert_cmpint (kith_idle_monitor_get_backend (monitor ()), ==, KITH_IDLE_BACKEND_APP);
  kith_idle_monitor_set_idle_delay (monitor (), 1);

  KITH_WAIT_FOR (idle ());
  WIGGLE_UNTIL (!idle (), 100, 100);

  other = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (other), 300, 200);
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), &seen);
  gtk_widget_add_controller (other, motion);
  gtk_window_present (GTK_WINDOW (other));
  KITH_WAIT_FOR (gtk_widget_get_mapped (other));
  kith_test_settle (other);

  /* Still, until the delay has passed; then the other window's input. */
  KITH_WAIT_FOR (idle ());
  seen = 0;
  WIGGLE_UNTIL (seen > 0 && !idle (), 50, 50);

  gtk_window_destroy (GTK_WINDOW (other));
}

/* The settings apply at once: auto-idle off is never idle; the delay is
 * in minutes. */
static void
test_settings (void)
{
  GSettings *settings = kith_application_get_settings (app);

  g_settings_set_uint (settings, "idle-delay-minutes", 7);
  KITH_WAIT_FOR (kith_idle_monitor_get_idle_delay (monitor ()) == 7 * 60);
  g_settings_reset (settings, "idle-delay-minutes");
  KITH_WAIT_FOR (kith_idle_monitor_get_idle_delay (monitor ()) == 5 * 60);

  kith_idle_monitor_set_idle_delay (monitor (), 1);
  KITH_WAIT_FOR (idle ());
  g_settings_set_boolean (settings, "auto-idle", FALSE);
  KITH_WAIT_FOR (!idle ());
  g_assert_false (kith_status_manager_get_auto_idle (status ()));
  g_assert_cmpint (kith_status_manager_get_presence (status ()), ==, KITH_PRESENCE_ONLINE);

  g_settings_set_boolean (settings, "auto-idle", TRUE);
  KITH_WAIT_FOR (idle ());
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* XTest and MIT-SCREEN-SAVER need the X server. */
  if (!kith_test_init_x11 (&argc, &argv))
    return 77;

  g_test_add_func ("/idle/x11", test_x11);
  g_test_add_func ("/idle/app-input", test_app_input);
  g_test_add_func ("/idle/settings", test_settings);

  status = kith_test_run_in_new_application (&app, "test-idle");

  return status;
}

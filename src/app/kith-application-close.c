/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithApplication"

/* KithApplication's closing of the window (to the tray, or Kith exits when
 * no tray shows it), its exit (sign out, then quit), and `kith --hidden`'s
 * wait to learn whether a tray shows Kith. */

#include "config.h"

#include <glib/gi18n.h>

#include "kith-application-private.h"

/* ---- closing and exiting ---- */

static void
finish_exit (KithApplication *self)
{
  g_clear_handle_id (&self->restore_timeout_id, g_source_remove);
  g_application_quit (G_APPLICATION (self));
}

static void
on_exit_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KithApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (object), result, &error))
    g_debug ("Signing out on exit: %s", error->message);

  finish_exit (self);
}

static gboolean
on_exit_timeout (gpointer user_data)
{
  KithApplication *self = user_data;

  g_debug ("Signing out took too long; quitting anyway");
  self->restore_timeout_id = 0;
  finish_exit (self);

  return G_SOURCE_REMOVE;
}

/* Signs out (at most EXIT_TIMEOUT_MS), then quits. */
void
kith_application_exit (KithApplication *self)
{
  if (self->exiting)
    return;
  self->exiting = TRUE;
  kith_application_close_wait_end (self);

  g_debug ("Exit");
  if (self->window != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->window), FALSE);

  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNED_OUT) {
    finish_exit (self);
    return;
  }

  /* Exit signs out (contacts see offline at once) and quits. */
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->restore_timeout_id, g_source_remove);
  self->restore_timeout_id = g_timeout_add (EXIT_TIMEOUT_MS, on_exit_timeout, self);
  kith_session_exit_async (self->session, NULL, on_exit_done, g_object_ref (self));
}

/* The window was closed: Kith hides in the tray when a tray shows it, else
 * it quits, which signs out like Exit. */
static void
hide_or_exit (KithApplication *self)
{
  if (self->tray != NULL && kith_tray_get_host_available (self->tray) &&
      g_settings_get_boolean (self->settings, "close-to-tray")) {
    gtk_widget_set_visible (GTK_WIDGET (self->window), FALSE);

    if (!g_settings_get_boolean (self->settings, "tray-hint-shown")) {
      g_autoptr (GNotification) notification = g_notification_new (_("Kith is still running"));

      g_notification_set_body (notification,
                               _("Kith keeps running in the system tray, so that messages and calls still reach you. "
                                 "To quit, choose Exit in the menu of its tray icon."));
      g_notification_set_default_action (notification, "app.show");
      g_application_send_notification (G_APPLICATION (self), "tray-hint", notification);
      g_settings_set_boolean (self->settings, "tray-hint-shown", TRUE);
    }
    return;
  }

  kith_application_exit (self);
}

void
kith_application_close_wait_end (KithApplication *self)
{
  g_clear_handle_id (&self->close_wait_id, g_source_remove);
  if (self->close_wait_handler != 0 && self->tray != NULL)
    g_signal_handler_disconnect (self->tray, self->close_wait_handler);
  self->close_wait_handler = 0;
}

/* The wait is over: unless the window was opened again meanwhile, decide. */
static void
close_wait_done (KithApplication *self)
{
  kith_application_close_wait_end (self);
  if (self->exiting || self->window == NULL || gtk_widget_get_visible (GTK_WIDGET (self->window)))
    return;
  hide_or_exit (self);
}

static void
on_tray_host_known (KithTray        *tray,
                    GParamSpec      *pspec,
                    KithApplication *self)
{
  if (kith_tray_get_host_known (tray))
    close_wait_done (self);
}

static gboolean
on_close_wait_timeout (gpointer user_data)
{
  KithApplication *self = user_data;

  g_debug ("The tray did not say whether it shows Kith");
  self->close_wait_id = 0;
  close_wait_done (self);

  return G_SOURCE_REMOVE;
}

gboolean
kith_application_close_request (GtkWindow       *window,
                  KithApplication *self)
{
  if (self->exiting)
    return FALSE;

  /* Closed in the moment after start-up when the tray is still asking
   * whether a host shows it: hidden now, the rest once it knows. */
  if (self->tray != NULL && !kith_tray_get_host_known (self->tray) &&
      g_settings_get_boolean (self->settings, "close-to-tray")) {
    gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
    if (self->close_wait_id == 0) {
      self->close_wait_handler = g_signal_connect (self->tray, "notify::host-known",
                                                   G_CALLBACK (on_tray_host_known), self);
      self->close_wait_id = g_timeout_add (TRAY_ANSWER_WAIT_MS, on_close_wait_timeout, self);
    }
    return TRUE;
  }

  hide_or_exit (self);
  return TRUE;
}

/* ---- `kith --hidden`: the window waits in the tray ---- */

void
kith_application_hidden_wait_end (KithApplication *self)
{
  g_clear_handle_id (&self->hidden_wait_id, g_source_remove);
  if (self->hidden_wait_handler != 0 && self->tray != NULL)
    g_signal_handler_disconnect (self->tray, self->hidden_wait_handler);
  self->hidden_wait_handler = 0;
}

/* Hidden when a tray shows Kith; else there would be no way back to the
 * window, so it opens. */
static void
hidden_wait_done (KithApplication *self)
{
  gboolean waiting = self->hidden_wait_id != 0;

  kith_application_hidden_wait_end (self);
  if (!waiting || self->exiting || self->window == NULL)
    return;
  if (self->tray != NULL && kith_tray_get_host_available (self->tray)) {
    g_debug ("Started hidden in the tray");
    return;
  }
  gtk_window_present (GTK_WINDOW (self->window));
}

static void
on_hidden_tray_host_known (KithTray        *tray,
                           GParamSpec      *pspec,
                           KithApplication *self)
{
  if (kith_tray_get_host_known (tray))
    hidden_wait_done (self);
}

gboolean
kith_application_hidden_wait_timeout (gpointer user_data)
{
  KithApplication *self = user_data;

  g_debug ("The tray did not say whether it shows Kith: showing the window");
  hidden_wait_done (self);

  return G_SOURCE_REMOVE;
}

/* Called when the tray exists (now or at setup) during a hidden start. */
void
kith_application_hidden_wait_watch_tray (KithApplication *self)
{
  if (self->hidden_wait_id == 0 || self->tray == NULL || self->hidden_wait_handler != 0)
    return;
  if (kith_tray_get_host_known (self->tray)) {
    hidden_wait_done (self);
    return;
  }
  self->hidden_wait_handler = g_signal_connect (self->tray, "notify::host-known",
                                                G_CALLBACK (on_hidden_tray_host_known), self);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithLoginPage"

/* KithLoginPage's "Sign in with Google": the browser (KithOidcSignIn),
 * the page while it is open (Cancel, Escape, "Stay signed in"), then the
 * session. */

#include "config.h"

#include <string.h>

#include "kith-login-page-private.h"

/* ---- Sign in with Google: the browser, then the session ---- */

/* Ends waiting for the browser (Cancel, another way of signing in). */
void
kith_login_page_stop_google (KithLoginPage *self)
{
  g_cancellable_cancel (self->google_cancellable);
  g_clear_object (&self->google_cancellable);
}

static void
on_google_state (KithLoginPage *self)
{
  KithOidcSignInState state = kith_oidc_sign_in_get_state (self->google);
  gboolean waiting = state == KITH_OIDC_SIGN_IN_WAITING;
  GtkWidget *focus = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (root != NULL)
    focus = gtk_root_get_focus (root);
  /* The focus follows: to Cancel while waiting, back to the button after. */
  if (!waiting && focus != NULL && gtk_widget_is_ancestor (focus, self->google_waiting_box))
    gtk_widget_grab_focus (self->google_button);
  gtk_widget_set_visible (self->google_waiting_box, waiting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.cancel-google", waiting);
  gtk_spinner_set_spinning (GTK_SPINNER (self->google_spinner), waiting);
  if (waiting)
    gtk_widget_grab_focus (self->google_cancel_button);
  /* The code came back: signing in, as with a password (until the run
   * finishes). */
  if (state == KITH_OIDC_SIGN_IN_SIGNING_IN)
    kith_login_page_set_busy (self, TRUE);
}

static void
on_google_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KithLoginPage) self = user_data;
  g_autoptr (GError) error = NULL;
  KithUser *user;

  if (!kith_oidc_sign_in_run_finish (KITH_OIDC_SIGN_IN (object), result, &error)) {
    kith_login_page_sign_in_failed (self, error);
    return;
  }

  kith_login_page_set_busy (self, FALSE);
  kith_login_page_forget_passwords (self);
  /* The next log-in suggests the account Google signed in to. */
  user = kith_session_get_user (self->session);
  if (user != NULL)
    g_settings_set_string (self->settings, "last-email", kith_person_get_email (KITH_PERSON (user)));
}

void
kith_login_page_on_google_clicked (KithLoginPage *self)
{
  KithOidcSignIn *google = kith_login_page_get_google_sign_in (self);
  g_autoptr (GdkAppLaunchContext) context = NULL;

  if (self->busy)
    return;

  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
  /* Clicked again while waiting: the same sign-in, in the browser again. */
  if (kith_oidc_sign_in_get_state (google) == KITH_OIDC_SIGN_IN_WAITING) {
    kith_oidc_sign_in_reopen_browser (google, G_APP_LAUNCH_CONTEXT (context));
    return;
  }

  kith_login_page_hide_notices (self);
  self->retry = kith_login_page_on_google_clicked;
  kith_login_page_stop_google (self);
  self->google_cancellable = g_cancellable_new ();
  kith_oidc_sign_in_run_async (google, G_APP_LAUNCH_CONTEXT (context), self->google_cancellable,
                               on_google_done, g_object_ref (self));
}

/* login.cancel-google: Cancel, or Escape, while the browser is open. */
void
kith_login_page_on_cancel_google (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  g_debug ("Signing in with Google cancelled");
  kith_login_page_stop_google (KITH_LOGIN_PAGE (widget));
}

KithOidcSignIn *
kith_login_page_get_google_sign_in (KithLoginPage *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PAGE (self), NULL);

  if (self->google == NULL) {
    /* The provider id of the login flow "oidc:google". */
    self->google = kith_oidc_sign_in_new (self->session,
                                          KITH_LOGIN_FLOW_OIDC_GOOGLE + strlen (KITH_LOGIN_FLOW_OIDC_PREFIX),
                                          "Google");
    g_settings_bind (self->settings, "stay-signed-in", self->google, "stay-signed-in",
                     G_SETTINGS_BIND_GET);
    g_settings_bind (self->settings, "stay-signed-in", self->google_stay_check, "active",
                     G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object (self->google, "notify::state", G_CALLBACK (on_google_state), self,
                             G_CONNECT_SWAPPED);
  }
  return self->google;
}

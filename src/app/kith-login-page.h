/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-oidc-sign-in.h"
#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_LOGIN_PAGE (kith_login_page_get_type ())

G_DECLARE_FINAL_TYPE (KithLoginPage, kith_login_page, KITH, LOGIN_PAGE, GtkWidget)

/*
 * The login page, as the help article: Kith ID (email) → Continue →
 * password → Sign in, "Stay signed in", "Sign in with Google" (only when
 * the server offers it), "Forgot password?" (only once an email is typed),
 * Sign up with the live password checklist, and the server address under
 * "Advanced". Errors show inline, a spinner while waiting. "Sign in with
 * Google" opens the browser (KithOidcSignIn); while it is open the page says
 * so, with Cancel (or Escape) and "Stay signed in"; a second click opens the
 * browser again on the same sign-in.
 * Properties: session (KithSession, construct-only), settings (GSettings
 * im.kith.Kith, construct-only), busy (gboolean, read-only).
 * Test code reaches the controls with gtk_widget_get_template_child()
 * by their ids in kith-login-page.ui.
 */
GtkWidget  *kith_login_page_new                 (KithSession *session,
                                                 GSettings   *settings);
/* Back to the first step (after log out), keeping @message if not NULL. */
void        kith_login_page_reset               (KithLoginPage *self);
/* Empties the email field and the last-email setting (the account of that
 * email is gone), then back to the first step. */
void        kith_login_page_forget_email        (KithLoginPage *self);
/* A notice above the form, e.g. "Your account has been deleted." */
void        kith_login_page_show_message        (KithLoginPage *self,
                                                 const char    *message);
void        kith_login_page_show_error          (KithLoginPage *self,
                                                 const char    *error);
/* Asks the server which login flows it offers (GET /server), once mapped. */
void        kith_login_page_refresh_server_info (KithLoginPage *self);
gboolean    kith_login_page_get_busy            (KithLoginPage *self);
/* "email", "password" or "sign-up" */
const char *kith_login_page_get_step            (KithLoginPage *self);
/* "Sign in with Google" (made when first asked for): its state, and for
 * tests its timeout. */
KithOidcSignIn *kith_login_page_get_google_sign_in (KithLoginPage *self);

G_END_DECLS

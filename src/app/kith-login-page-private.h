/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-login-page.h"

G_BEGIN_DECLS

/*
 * What kith-login-page.c (the page: its steps, password sign-in, sign-up,
 * the server, the public API) and kith-login-page-google.c ("Sign in with
 * Google": the browser, then the session) share.
 */

struct _KithLoginPage
{
  GtkWidget      parent_instance;

  GtkWidget     *logo;
  GtkWidget     *title_label;
  GtkWidget     *subtitle_label;
  GtkWidget     *message_box;
  GtkWidget     *message_icon;
  GtkWidget     *message_label;
  GtkWidget     *stack;
  GtkWidget     *email_row;
  GtkWidget     *continue_button;
  GtkWidget     *google_button;
  GtkWidget     *google_waiting_box;
  GtkWidget     *google_spinner;
  GtkWidget     *google_cancel_button;
  GtkWidget     *google_stay_check;
  GtkWidget     *forgot_button;
  GtkWidget     *sign_up_link;
  /* Made the first time they are shown. */
  GtkWidget     *password_step;   /* KithLoginPasswordStep */
  GtkWidget     *sign_up_form;    /* KithSignUpForm */
  GtkWidget     *spinner;
  GtkWidget     *error_label;
  GtkWidget     *scroller;
  GtkWidget     *advanced_group;
  GtkWidget     *advanced_row;
  GtkWidget     *server_row;      /* built when Advanced is first expanded */

  KithSession   *session;
  GSettings     *settings;
  GCancellable  *cancellable;
  GCancellable  *info_cancellable;
  KithOidcSignIn *google;         /* made when the Google button is first clicked */
  GCancellable  *google_cancellable;
  gboolean       busy;
  gboolean       info_requested;
  /* What to do again once the user accepted a server without encryption. */
  void         (*retry) (KithLoginPage *self);
  GtkWidget     *unencrypted_dialog;
};

/* kith-login-page.c */
/* The spinner on and the form insensitive (or back); notifies busy. */
void     kith_login_page_set_busy          (KithLoginPage *self,
                                            gboolean       busy);
/* Hides the error and the notice above the form. */
void     kith_login_page_hide_notices      (KithLoginPage *self);
/* Empties the password fields of the password step and the sign-up form. */
void     kith_login_page_forget_passwords  (KithLoginPage *self);
/* A sign-in (password or Google) failed: TRUE when the page shows why,
 * FALSE when there is nothing to show (cancelled, or the question about
 * a server without encryption is asked instead). */
gboolean kith_login_page_sign_in_failed    (KithLoginPage *self,
                                            const GError  *error);

/* kith-login-page-google.c */
/* Ends waiting for the browser (Cancel, another way of signing in). */
void     kith_login_page_stop_google       (KithLoginPage *self);
/* The template's on_google_clicked: opens the browser, or again while waiting. */
void     kith_login_page_on_google_clicked (KithLoginPage *self);
/* The action login.cancel-google: Cancel, or Escape, while the browser is open. */
void     kith_login_page_on_cancel_google  (GtkWidget     *widget,
                                            const char    *action_name,
                                            GVariant      *parameter);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KITH_TYPE_LOGIN_PASSWORD_STEP (kith_login_password_step_get_type ())

G_DECLARE_FINAL_TYPE (KithLoginPasswordStep, kith_login_password_step, KITH, LOGIN_PASSWORD_STEP, GtkBox)

/*
 * The login page's second step: the Kith ID typed in the first (with
 * Change), the password, "Stay signed in", Sign in and "Forgot password?".
 * Its first child is the group of fields: KithLoginPage puts its error
 * right under it. Made the first time it is shown.
 *
 * Properties: email (shown above the password), stay-signed-in.
 * Signals: sign-in (Enter in the password, or Sign in), change-email,
 * forgot.
 */
GtkWidget  *kith_login_password_step_new                (void);
void        kith_login_password_step_set_email          (KithLoginPasswordStep *self,
                                                         const char            *email);
const char *kith_login_password_step_get_email          (KithLoginPasswordStep *self);
const char *kith_login_password_step_get_password       (KithLoginPasswordStep *self);
void        kith_login_password_step_clear_password     (KithLoginPasswordStep *self);
gboolean    kith_login_password_step_get_stay_signed_in (KithLoginPasswordStep *self);
void        kith_login_password_step_set_stay_signed_in (KithLoginPasswordStep *self,
                                                         gboolean               stay);
/* "Forgot password?" shows once an email address is typed. */
void        kith_login_password_step_set_forgot_visible (KithLoginPasswordStep *self,
                                                         gboolean               visible);
void        kith_login_password_step_focus_password     (KithLoginPasswordStep *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KITH_TYPE_SIGN_UP_FORM (kith_sign_up_form_get_type ())

G_DECLARE_FINAL_TYPE (KithSignUpForm, kith_sign_up_form, KITH, SIGN_UP_FORM, GtkBox)

/*
 * The login page's sign-up form: first and last name, the email address
 * (the Kith ID), the password with its checklist, "Stay signed in",
 * Create Account and "I already have an account". Create Account is
 * sensitive once every field is filled, the email address is valid and the
 * password meets the policy; Enter in a field moves to the next empty one,
 * then submits. Its first child is the group of fields: KithLoginPage puts
 * its error right under it. Made the first time it is shown.
 *
 * Properties: stay-signed-in, ready (read-only: Create Account would submit).
 * Signals: submit (the form is complete), have-account.
 */
GtkWidget  *kith_sign_up_form_new                (void);
/* The fields as typed, white space around them stripped. */
char       *kith_sign_up_form_dup_first_name     (KithSignUpForm *self);
char       *kith_sign_up_form_dup_last_name      (KithSignUpForm *self);
char       *kith_sign_up_form_dup_email          (KithSignUpForm *self);
const char *kith_sign_up_form_get_password       (KithSignUpForm *self);
void        kith_sign_up_form_set_email          (KithSignUpForm *self,
                                                  const char     *email);
/* Fills the email address in only when that field is empty. */
void        kith_sign_up_form_suggest_email      (KithSignUpForm *self,
                                                  const char     *email);
void        kith_sign_up_form_clear_password     (KithSignUpForm *self);
gboolean    kith_sign_up_form_get_ready          (KithSignUpForm *self);
gboolean    kith_sign_up_form_get_stay_signed_in (KithSignUpForm *self);
void        kith_sign_up_form_set_stay_signed_in (KithSignUpForm *self,
                                                  gboolean        stay);
void        kith_sign_up_form_focus_first        (KithSignUpForm *self);

G_END_DECLS

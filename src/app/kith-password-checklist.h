/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-password-policy.h"

G_BEGIN_DECLS

#define KITH_TYPE_PASSWORD_CHECKLIST (kith_password_checklist_get_type ())

G_DECLARE_FINAL_TYPE (KithPasswordChecklist, kith_password_checklist, KITH, PASSWORD_CHECKLIST, GtkWidget)

/*
 * A live checklist of the password policy (kith_password_policy_check):
 * one line per rule, ticked once the password meets it.
 * Properties: password (string, write/read), valid (gboolean, read-only),
 * missing (guint: the KithPasswordRules flags not met, read-only).
 * Used on the sign-up form and for "Change password" in My Account.
 */
GtkWidget         *kith_password_checklist_new          (void);
void               kith_password_checklist_set_password (KithPasswordChecklist *self,
                                                         const char            *password);
const char        *kith_password_checklist_get_password (KithPasswordChecklist *self);
gboolean           kith_password_checklist_get_valid    (KithPasswordChecklist *self);
KithPasswordRules  kith_password_checklist_get_missing  (KithPasswordChecklist *self);
/* The label of @rule's line (for tests and screen readers). */
GtkWidget         *kith_password_checklist_get_row      (KithPasswordChecklist *self,
                                                         KithPasswordRules      rule);

G_END_DECLS

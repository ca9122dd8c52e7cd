/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_CHANGE_PASSWORD_DIALOG (kith_change_password_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KithChangePasswordDialog, kith_change_password_dialog, KITH, CHANGE_PASSWORD_DIALOG, AdwMessageDialog)

/*
 * "Change Password": current password, new password with the live policy
 * checklist, confirmation; errors (a wrong current password) shown in the
 * dialog, which stays open while kithd works.
 * Signal: changed (): the password was changed (the dialog then closes).
 */
GtkWidget *kith_change_password_dialog_new (GtkWindow   *parent,
                                            KithSession *session);

G_END_DECLS

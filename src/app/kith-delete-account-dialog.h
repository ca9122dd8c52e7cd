/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_DELETE_ACCOUNT_DIALOG (kith_delete_account_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KithDeleteAccountDialog, kith_delete_account_dialog, KITH, DELETE_ACCOUNT_DIALOG, AdwMessageDialog)

/*
 * "Delete My Account": the warning, the email retyped to confirm (the
 * delete response is enabled only when it matches, case-insensitively),
 * errors shown in the dialog (paid plans: contact support). Stays open
 * while kithd works.
 * Signal: deleted (): the account is gone (the dialog then closes).
 */
GtkWidget *kith_delete_account_dialog_new (GtkWindow   *parent,
                                           KithSession *session);

G_END_DECLS

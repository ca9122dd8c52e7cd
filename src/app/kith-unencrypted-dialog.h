/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KITH_TYPE_UNENCRYPTED_DIALOG (kith_unencrypted_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KithUnencryptedDialog, kith_unencrypted_dialog, KITH, UNENCRYPTED_DIALOG, AdwMessageDialog)

/*
 * "Connect Without Encryption?": asked before signing in or up at an
 * http:// server that is not loopback (docs/desktop.md, "A server without
 * encryption"). Responses "cancel" (default, Escape) and "connect"
 * (destructive). On "connect" the dialog adds @server_url to the
 * unencrypted-servers key of @settings, so that the question comes once per
 * server; what to do next is the caller's, on AdwMessageDialog::response.
 */
GtkWidget  *kith_unencrypted_dialog_new            (GtkWindow  *parent,
                                                    GSettings  *settings,
                                                    const char *server_url);
const char *kith_unencrypted_dialog_get_server_url (KithUnencryptedDialog *self);

G_END_DECLS

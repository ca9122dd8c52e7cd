/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_ADD_CONTACT_DIALOG (kith_add_contact_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KithAddContactDialog, kith_add_contact_dialog, KITH, ADD_CONTACT_DIALOG, AdwMessageDialog)

/*
 * "Add Contact": an email address (Send Request is enabled once it looks
 * like one), errors shown in the dialog (no such account, already a
 * contact or asked, one's own address). Stays open while kithd works; the
 * request goes on if the dialog is closed meanwhile (cancelled only by
 * @cancellable).
 * Signal: request-sent (): kithd took the request (the dialog then closes,
 * if still open).
 */
GtkWidget *kith_add_contact_dialog_new (GtkWindow    *parent,
                                        KithSession  *session,
                                        GCancellable *cancellable);

G_END_DECLS

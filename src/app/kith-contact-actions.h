/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

/*
 * Removing a contact and withdrawing a request, shared by the contacts
 * list's context menu and the chat header's menu. @widget is the widget
 * asking: the confirmation is transient for its window, and toasts go to
 * its AdwToastOverlay ancestor.
 */

/* The menu for @contact: "Remove Contact…" (PREFIX.remove-contact) for a
 * contact, "Withdraw Request" (PREFIX.withdraw-request) for a request we
 * sent; with the contact's id as target when @with_target. NULL for an
 * incoming request (its row has Accept and Decline). */
GMenuModel *kith_contact_actions_menu           (KithContact *contact,
                                                 const char  *prefix,
                                                 gboolean     with_target);
/* Asks first (an AdwMessageDialog that says what happens to the history);
 * removes on "Remove". */
void        kith_contact_actions_confirm_remove (GtkWidget   *widget,
                                                 KithSession *session,
                                                 KithContact *contact);
/* Withdraws at once; the toast's Undo sends the request again. */
void        kith_contact_actions_withdraw       (GtkWidget   *widget,
                                                 KithSession *session,
                                                 KithContact *contact);

G_END_DECLS

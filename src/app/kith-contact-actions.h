/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

/*
 * Answering a request, removing a contact and withdrawing a request,
 * shared by the contacts list (its rows and context menu) and the chat
 * view (its request page and header menu). @widget is the widget asking:
 * the confirmation is transient for its window, and toasts go to its
 * AdwToastOverlay ancestor.
 */

/* Accepts @contact's request when @accept, else declines it (kithd
 * removes it); only an error shows, as a toast. @cancellable is the
 * asking widget's. */
void        kith_contact_actions_answer         (GtkWidget    *widget,
                                                 KithSession  *session,
                                                 KithContact  *contact,
                                                 gboolean      accept,
                                                 GCancellable *cancellable);

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

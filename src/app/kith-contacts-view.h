/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_CONTACTS_VIEW (kith_contacts_view_get_type ())

G_DECLARE_FINAL_TYPE (KithContactsView, kith_contacts_view, KITH, CONTACTS_VIEW, GtkWidget)

/*
 * The contacts list of the main window: requests first, then by presence,
 * then by name; a search entry, "Add Contact", Accept/Decline for incoming
 * requests, an empty state.
 * Property: session (KithSession, construct-only).
 * Signal: contact-activated (KithContact *contact): open its chat.
 * Actions: contacts.add, contacts.accept (x: user id), contacts.decline (x).
 */
GtkWidget *kith_contacts_view_new            (KithSession      *session);
KithSession *kith_contacts_view_get_session  (KithContactsView *self);
/* Selects the row of @contact (NULL: none), e.g. when a notification opens a chat. */
void       kith_contacts_view_select_contact (KithContactsView *self,
                                              KithContact      *contact);
/* Opens the Add Contact dialog. */
void       kith_contacts_view_add_contact    (KithContactsView *self);

G_END_DECLS

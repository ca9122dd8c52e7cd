/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-contact.h"

G_BEGIN_DECLS

#define KITH_TYPE_CONTACT_ROW (kith_contact_row_get_type ())

G_DECLARE_FINAL_TYPE (KithContactRow, kith_contact_row, KITH, CONTACT_ROW, GtkWidget)

/*
 * One contact of the contacts list: avatar, name, presence (dot + text),
 * unread badge; for requests Accept/Decline ("contacts.accept" /
 * "contacts.decline" actions with the contact id as target) or "Request sent".
 */
GtkWidget   *kith_contact_row_new               (void);
KithContact *kith_contact_row_get_contact       (KithContactRow *self);
void         kith_contact_row_set_contact       (KithContactRow *self,
                                                 KithContact    *contact);
/* FALSE while the session is not online: the presence shown is the
 * contact's last known one, greyed ("Last seen online"). Default TRUE. */
gboolean     kith_contact_row_get_presence_known (KithContactRow *self);
void         kith_contact_row_set_presence_known (KithContactRow *self,
                                                  gboolean        presence_known);

G_END_DECLS

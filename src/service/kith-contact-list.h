/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-api-client.h"
#include "kith-contact.h"
#include "kith-message-store.h"
#include "kith-service-types.h"
#include "kith-user.h"

G_BEGIN_DECLS

#define KITH_TYPE_CONTACT_LIST (kith_contact_list_get_type ())

G_DECLARE_FINAL_TYPE (KithContactList, kith_contact_list, KITH, CONTACT_LIST, GObject)

/*
 * The contacts of the signed-in user, owned by KithSession: the model
 * (KithSession:contacts), what the contact, presence and profile frames
 * change in it, and adding, accepting and removing contacts over REST. Every
 * change is written to the store's contacts cache.
 * Property: model (GListModel of KithContact, read-only; never NULL).
 * Signal: contact-request (KithContact *contact): someone asked to be a
 *   contact (a contact.request frame).
 */
KithContactList *kith_contact_list_new             (void);
GListModel      *kith_contact_list_get_model       (KithContactList *self);
KithContact     *kith_contact_list_find            (KithContactList *self,
                                                    gint64           user_id);
KithContact     *kith_contact_list_find_by_email   (KithContactList *self,
                                                    const char      *email);
/* What the list works with: the signed-in user (NULL: signed out, REST
 * calls fail with KITH_ERROR_UNAUTHORIZED), the REST client and the store
 * the cache is written to (each may be NULL). */
void             kith_contact_list_attach          (KithContactList  *self,
                                                    KithUser         *user,
                                                    KithApiClient    *api,
                                                    KithMessageStore *store);
/* Empties the model (signed out, or another account's cache). */
void             kith_contact_list_clear           (KithContactList *self);

/* Reads @store's contacts cache into the model with their unread counts,
 * all offline until the socket says (one items-changed for the new ones).
 * Finishes FALSE, with no change, when cancelled or when @store is no
 * longer the attached one. */
void             kith_contact_list_load_async      (KithContactList     *self,
                                                    KithMessageStore    *store,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* GET /contacts: the model becomes the server's list (removed ones go). */
void             kith_contact_list_refresh_async   (KithContactList     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void             kith_contact_list_add_async       (KithContactList     *self,
                                                    const char          *email,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void             kith_contact_list_accept_async    (KithContactList     *self,
                                                    KithContact         *contact,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Declines a request, withdraws ours, or removes a contact. The
 * conversation stays in the cache (and on kithd): it shows again if the two
 * become contacts again. */
void             kith_contact_list_remove_async    (KithContactList     *self,
                                                    KithContact         *contact,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Finish for load, refresh, add, accept and remove. */
gboolean         kith_contact_list_finish          (KithContactList  *self,
                                                    GAsyncResult     *result,
                                                    GError          **error);

/* The frames of kithd that are the list's (KithSession routes them here). */
void             kith_contact_list_handle_presence (KithContactList *self,
                                                    const KithFrame *frame);
/* A profile frame of a contact (not the user's own). */
void             kith_contact_list_handle_profile  (KithContactList *self,
                                                    const KithFrame *frame);
/* contact.request, contact.accepted and contact.removed. */
void             kith_contact_list_handle_change   (KithContactList *self,
                                                    const KithFrame *frame);

G_END_DECLS

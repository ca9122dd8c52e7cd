/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * The db worker's calls about contacts (kithd-db-accounts.h tells how
 * these calls go). Each acts for @user_id, the caller.
 */

/* Every relation of @user_id: KithdContact. */
void        kithd_db_list_contacts_async   (KithdDb              *self,
                                            gint64                user_id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray  *kithd_db_list_contacts_finish  (KithdDb              *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* @user_id asks the account of @email (NOT_FOUND; INVALID_FIELD: oneself;
 * ALREADY_CONTACT): that account; @user is the asker, @state what the
 * asker sees now (accepted when the other had asked first). */
void        kithd_db_add_contact_async     (KithdDb              *self,
                                            gint64                user_id,
                                            const char           *email,
                                            gint64                now,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
KithdUser  *kithd_db_add_contact_finish    (KithdDb              *self,
                                            GAsyncResult         *result,
                                            KithdUser           **user,
                                            KithContactState     *state,
                                            GError              **error);

/* @user_id accepts @requester_id's request (NOT_FOUND without one): the
 * requester; @user is the one who accepted. */
void        kithd_db_accept_contact_async  (KithdDb              *self,
                                            gint64                user_id,
                                            gint64                requester_id,
                                            gint64                now,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
KithdUser  *kithd_db_accept_contact_finish (KithdDb              *self,
                                            GAsyncResult         *result,
                                            KithdUser           **user,
                                            GError              **error);

/* Declines, withdraws or removes (NOT_FOUND: nothing between them). */
void        kithd_db_remove_contact_async  (KithdDb              *self,
                                            gint64                user_id,
                                            gint64                other_id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean    kithd_db_remove_contact_finish (KithdDb              *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS

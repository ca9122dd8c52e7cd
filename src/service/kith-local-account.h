/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-contact-list.h"
#include "kith-message-store.h"

G_BEGIN_DECLS

#define KITH_TYPE_LOCAL_ACCOUNT (kith_local_account_get_type ())

G_DECLARE_FINAL_TYPE (KithLocalAccount, kith_local_account, KITH, LOCAL_ACCOUNT, GObject)

/*
 * What this device keeps of an account, owned by KithSession: where the
 * message store of a user of the server lives
 * (DATA-DIR/<host>_<port>/<user-id>.db), the open store, the `last-account`
 * record of the last stay-signed-in account, and its cache shown while a
 * restore is under way (docs/service.md, "KithSession").
 * Properties: data-dir (string, construct-only), server-url (string),
 *   store (KithMessageStore, read-only; NULL when none is open),
 *   from-cache (gboolean, read-only: the contact list holds the last
 *   account's cached contacts and the session is not online yet).
 */
KithLocalAccount *kith_local_account_new                (const char       *data_dir,
                                                         KithContactList  *contacts);
void              kith_local_account_set_server_url     (KithLocalAccount *self,
                                                         const char       *server_url);
KithMessageStore *kith_local_account_get_store          (KithLocalAccount *self);
gboolean          kith_local_account_get_from_cache     (KithLocalAccount *self);

/* The `last-account` record: whether there is one (a stat, nothing read);
 * written (asynchronously) at the first welcome of a stay-signed-in
 * session; removed on Log out, on revocation and when its token is gone. */
gboolean          kith_local_account_has_record         (KithLocalAccount *self);
void              kith_local_account_remember           (KithLocalAccount *self,
                                                         gint64            user_id,
                                                         const char       *email);
void              kith_local_account_forget             (KithLocalAccount *self);

/* When @email is the account the record names, opens its store and fills
 * the contact list from its cache (from-cache once there). The record is
 * read here, synchronously: see the comment of the function. TRUE when
 * the cache's store is opening. */
gboolean          kith_local_account_show_cache         (KithLocalAccount *self,
                                                         const char       *email);
/* The user whose cache show_cache() opened (0: none). */
gint64            kith_local_account_get_cache_user_id  (KithLocalAccount *self);
/* The session is online: the contact list is the server's now. */
void              kith_local_account_online             (KithLocalAccount *self);

/* Opens the store of @user_id: the cache's store when it is that
 * account's (its operations run after the open, in order); otherwise
 * another account's cache is dropped (contact list emptied) first. */
void              kith_local_account_open_async         (KithLocalAccount    *self,
                                                         gint64               user_id,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean          kith_local_account_open_finish        (KithLocalAccount  *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);
/* Queues the store's close (after what is queued on it) and forgets it;
 * from-cache becomes FALSE. */
void              kith_local_account_close              (KithLocalAccount *self);
/* The account is deleted: its store at @path goes, with its -wal and -shm. */
void              kith_local_account_delete_files       (KithLocalAccount *self,
                                                         const char       *path);

G_END_DECLS

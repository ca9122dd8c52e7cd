/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * The db worker's calls about accounts, sessions and password resets: one
 * _async/_finish pair per operation of the routes (kithd-routes-*.c), each
 * a fixed sequence of KithdStore calls run on the worker. Errors are the
 * store's (KITH_ERROR); a store call that fails without saying why is
 * INTERNAL. Tokens go in as their hash (kithd_crypto_token_hash()), times
 * as ms since the epoch.
 */

/* A signed-in request: the session of @token_hash and its user
 * (NOT_FOUND: no such session). */
void          kithd_db_authenticate_async    (KithdDb              *self,
                                              const char           *token_hash,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdSession *kithd_db_authenticate_finish   (KithdDb              *self,
                                              GAsyncResult         *result,
                                              KithdUser           **user,
                                              GError              **error);

/* A new account (EMAIL_TAKEN) with its first session, a desktop one named
 * "Kith", for @token_hash: the new user. */
void          kithd_db_sign_up_async         (KithdDb              *self,
                                              const char           *email,
                                              const char           *password_hash,
                                              const char           *first_name,
                                              const char           *last_name,
                                              const char           *token_hash,
                                              gint64                now,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdUser    *kithd_db_sign_up_finish        (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* The account of @email (NOT_FOUND). */
void          kithd_db_find_user_async       (KithdDb              *self,
                                              const char           *email,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdUser    *kithd_db_find_user_finish      (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* A session of @user_id for @token_hash (log-in): its id, 0 on error. */
void          kithd_db_create_session_async  (KithdDb              *self,
                                              gint64                user_id,
                                              const char           *token_hash,
                                              const char           *device_name,
                                              KithDeviceKind        device_kind,
                                              gint64                now,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gint64        kithd_db_create_session_finish (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Log-out (NOT_FOUND: already gone). */
void          kithd_db_delete_session_async  (KithdDb              *self,
                                              gint64                session_id,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean      kithd_db_delete_session_finish (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Changes what is given (a NULL name, a negative @offline_email_notification:
 * kept); the user as it is now, and in @contact_ids (gint64) their
 * accepted contacts, who see the change. */
void          kithd_db_update_profile_async  (KithdDb              *self,
                                              gint64                user_id,
                                              const char           *first_name,
                                              const char           *last_name,
                                              int                   offline_email_notification,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdUser    *kithd_db_update_profile_finish (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GArray              **contact_ids,
                                              GError              **error);

/* A new password (its reset links end) and every session of the user
 * but @keep_session_id ends: their ids (gint64). */
void          kithd_db_set_password_async    (KithdDb              *self,
                                              gint64                user_id,
                                              const char           *password_hash,
                                              gint64                keep_session_id,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GArray       *kithd_db_set_password_finish   (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Stores a reset link for the account of @email, ending its older ones.
 * No account is no error: TRUE with @user NULL. */
void          kithd_db_request_reset_async   (KithdDb              *self,
                                              const char           *email,
                                              const char           *token_hash,
                                              gint64                expires_at,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean      kithd_db_request_reset_finish  (KithdDb              *self,
                                              GAsyncResult         *result,
                                              KithdUser           **user,
                                              GError              **error);

/* Spends the link of @token_hash (INVALID_RESET_TOKEN), sets the password
 * and ends every session of its user: the user's id, 0 on error. */
void          kithd_db_confirm_reset_async   (KithdDb              *self,
                                              const char           *token_hash,
                                              const char           *password_hash,
                                              gint64                now,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gint64        kithd_db_confirm_reset_finish  (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Deletes the account and everything of it: every relation it had
 * (KithdContact), whom the deletion concerns. */
void          kithd_db_delete_account_async  (KithdDb              *self,
                                              gint64                user_id,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GPtrArray    *kithd_db_delete_account_finish (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Sign in with a provider (OIDC): the account of the verified @email, or a
 * new one with these names and no password. */
void          kithd_db_oidc_account_async    (KithdDb              *self,
                                              const char           *email,
                                              const char           *first_name,
                                              const char           *last_name,
                                              gint64                now,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdUser    *kithd_db_oidc_account_finish   (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* A session of @user_id for @token_hash: the user (NOT_FOUND: the account
 * is gone). */
void          kithd_db_open_session_async    (KithdDb              *self,
                                              gint64                user_id,
                                              const char           *token_hash,
                                              const char           *device_name,
                                              KithDeviceKind        device_kind,
                                              gint64                now,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
KithdUser    *kithd_db_open_session_finish   (KithdDb              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

G_END_DECLS

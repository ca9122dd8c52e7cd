/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * The db worker's calls for kithd's web pages (kithd-web*.c): their
 * sessions, and a reset link looked at before it is spent. As the other
 * typed calls (kithd-db-accounts.h): errors are the store's, tokens go in
 * as their hash, times in ms since the epoch. A web session is expired
 * when last used at or before @idle_cutoff or made at or before
 * @created_cutoff (KithdStore's web_session_*).
 */

/* The signed-in browser of @token_hash: its user, and in @session_id its
 * session (NOT_FOUND: unknown or expired). Its last use becomes @now. */
void       kithd_db_web_authenticate_async  (KithdDb              *self,
                                             const char           *token_hash,
                                             gint64                now,
                                             gint64                idle_cutoff,
                                             gint64                created_cutoff,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
KithdUser *kithd_db_web_authenticate_finish (KithdDb              *self,
                                             GAsyncResult         *result,
                                             gint64               *session_id,
                                             GError              **error);

/* A web session of @user_id for @token_hash, after the expired ones of
 * everybody are swept: its id, 0 on error. */
void       kithd_db_web_sign_in_async       (KithdDb              *self,
                                             gint64                user_id,
                                             const char           *token_hash,
                                             gint64                now,
                                             gint64                idle_cutoff,
                                             gint64                created_cutoff,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gint64     kithd_db_web_sign_in_finish      (KithdDb              *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Ends a web session (NOT_FOUND: already gone). */
void       kithd_db_web_sign_out_async      (KithdDb              *self,
                                             gint64                session_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean   kithd_db_web_sign_out_finish     (KithdDb              *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Whether the reset link of @token_hash works at @now, without spending
 * it (INVALID_RESET_TOKEN). */
void       kithd_db_check_reset_async       (KithdDb              *self,
                                             const char           *token_hash,
                                             gint64                now,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean   kithd_db_check_reset_finish      (KithdDb              *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS

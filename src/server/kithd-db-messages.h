/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * The db worker's calls of the socket and of conversations (kithd-db-
 * accounts.h tells how these calls go).
 */

/* A socket's hello: the session of @token_hash (NOT_FOUND), its @user, the
 * user's newest message seq (@last_seq) and accepted contacts
 * (@contact_ids, gint64). The user's offline-mail batches end. */
void             kithd_db_hello_async           (KithdDb              *self,
                                                 const char           *token_hash,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
KithdSession    *kithd_db_hello_finish          (KithdDb              *self,
                                                 GAsyncResult         *result,
                                                 KithdUser           **user,
                                                 gint64               *last_seq,
                                                 GArray              **contact_ids,
                                                 GError              **error);

/* Messages sent or received by @user_id with a seq past @after, oldest
 * first, at most @limit (KithMessageInfo): a socket's replay. */
void             kithd_db_list_messages_async   (KithdDb              *self,
                                                 gint64                user_id,
                                                 gint64                after,
                                                 guint                 limit,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray       *kithd_db_list_messages_finish  (KithdDb              *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* The newest @limit messages of @user_id and @peer_id before the seq
 * @before (0: the newest), oldest first (KithMessageInfo). NOT_CONTACT when
 * they are not accepted contacts and have no messages there. */
void             kithd_db_history_async         (KithdDb              *self,
                                                 gint64                user_id,
                                                 gint64                peer_id,
                                                 gint64                before,
                                                 guint                 limit,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray       *kithd_db_history_finish        (KithdDb              *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Stores a message unless (@from, @client_id) is stored already: the
 * message as stored (seq, sent_at: the stored row's either way), and in
 * @duplicate whether it was. When @recipient_offline and the message
 * opens an offline-mail batch of a recipient who has such mail on, a mail
 * is due: @notice_to and @notice_from are then the recipient and the
 * sender, else NULL. */
void             kithd_db_store_message_async   (KithdDb              *self,
                                                 const char           *client_id,
                                                 gint64                from,
                                                 gint64                to,
                                                 const char           *body,
                                                 gint64                now,
                                                 gboolean              recipient_offline,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
KithMessageInfo *kithd_db_store_message_finish  (KithdDb              *self,
                                                 GAsyncResult         *result,
                                                 gboolean             *duplicate,
                                                 KithdUser           **notice_to,
                                                 KithdUser           **notice_from,
                                                 GError              **error);

/* Stores a call event (@event: id, from, to, body, kind and call set;
 * taken) as a message of the two users' conversation: the message as
 * stored, with its seq and sent_at. */
void             kithd_db_store_call_event_async  (KithdDb              *self,
                                                   KithMessageInfo      *event,
                                                   gint64                now,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
KithMessageInfo *kithd_db_store_call_event_finish (KithdDb              *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS

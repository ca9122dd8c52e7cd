/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_MESSAGE_STORE_VERSION 4

#define KITH_TYPE_MESSAGE_STORE (kith_message_store_get_type ())

G_DECLARE_FINAL_TYPE (KithMessageStore, kith_message_store, KITH, MESSAGE_STORE, GObject)

/*
 * One sqlite3 database per account (…/kith/<server-host>/<user-id>.db):
 * messages, the outbox, the contacts cache and the last seq seen. Every
 * sqlite call runs on one worker thread fed by a queue, in order; results
 * come back on the caller's main context. Schema versions are kept in
 * PRAGMA user_version and migrated on open.
 *
 * Unread counts are kept per contact (KithUnreadCount).
 *
 * Messages are KithMessageInfo (from, to, seq, id, body, sent_at). Outbox
 * entries are KithMessageInfo with seq 0 (from = own id, sent_at = typing time).
 */
KithMessageStore *kith_message_store_new                (const char *path);
const char       *kith_message_store_get_path           (KithMessageStore *self);
/* After the open: where the damaged file was moved (NULL: it was sound),
 * and how many unsent messages were read back from it. */
const char       *kith_message_store_get_damaged_path   (KithMessageStore *self,
                                                         guint            *salvaged);

/* Opens (creating directories), checks (PRAGMA quick_check) and migrates.
 * Must finish before any other call. A damaged file (not a database, cut
 * short, a broken table) is moved aside to "<path>.broken-<date>-<time>"
 * (with its -wal and -shm), the log says where, and a new empty store is
 * made in its place, with the outbox entries that could still be read
 * from the damaged one. A store written by a newer Kith is refused and
 * left alone (KITH_ERROR_STORAGE). */
void              kith_message_store_open_async         (KithMessageStore    *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
/* Every call without a value to return finishes with this. */
gboolean          kith_message_store_finish             (KithMessageStore  *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

/* Stores messages (insert, or set seq/sent_at of a known id) and, if
 * @last_seq > 0, the last seq seen — in one transaction. */
void              kith_message_store_save_messages_async (KithMessageStore    *self,
                                                          GPtrArray           *messages,
                                                          gint64               last_seq,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);

/* Outbox: add (before sending), remove on message.ack (also stores the
 * message with its seq, in one transaction), list in typing order. */
void              kith_message_store_outbox_add_async    (KithMessageStore      *self,
                                                          const KithMessageInfo *message,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
void              kith_message_store_outbox_ack_async    (KithMessageStore    *self,
                                                          const char          *id,
                                                          gint64               seq,
                                                          gint64               sent_at,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
void              kith_message_store_outbox_list_async   (KithMessageStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);

/* Messages with @peer_id (both directions), the newest @limit with
 * seq < @before (<= 0: the newest), oldest first; outbox entries to the peer
 * are not included. */
void              kith_message_store_load_messages_async (KithMessageStore    *self,
                                                          gint64               self_id,
                                                          gint64               peer_id,
                                                          gint64               before,
                                                          guint                limit,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* For outbox_list and load_messages: GPtrArray of KithMessageInfo. */
GPtrArray        *kith_message_store_messages_finish     (KithMessageStore  *self,
                                                          GAsyncResult      *result,
                                                          GError           **error);

/* Contacts cache: replace all; load -> GPtrArray of KithContactInfo (presence offline). */
void              kith_message_store_save_contacts_async (KithMessageStore    *self,
                                                          GPtrArray           *contacts,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
void              kith_message_store_load_contacts_async (KithMessageStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray        *kith_message_store_contacts_finish     (KithMessageStore  *self,
                                                          GAsyncResult      *result,
                                                          GError           **error);

/* Unread counts: save sets the count of each contact given (0 removes it);
 * load -> GArray of KithUnreadCount, every contact with a count above 0. */
typedef struct {
  gint64 peer_id;
  guint  count;
} KithUnreadCount;

void              kith_message_store_save_unread_async   (KithMessageStore      *self,
                                                          const KithUnreadCount *counts,
                                                          guint                  n_counts,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
void              kith_message_store_load_unread_async   (KithMessageStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GArray           *kith_message_store_unread_finish       (KithMessageStore  *self,
                                                          GAsyncResult      *result,
                                                          GError           **error);

/* The last seq of the user's stream that was stored (0: none). */
void              kith_message_store_get_last_seq_async  (KithMessageStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gint64            kith_message_store_get_last_seq_finish (KithMessageStore  *self,
                                                          GAsyncResult      *result,
                                                          GError           **error);

/* Waits for every queued call, then closes the database. */
void              kith_message_store_close_async         (KithMessageStore    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);

G_END_DECLS

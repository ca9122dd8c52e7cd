/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-api-client.h"
#include "kith-contact-list.h"
#include "kith-message-store.h"
#include "kith-message.h"
#include "kith-signalling.h"
#include "kith-user.h"

G_BEGIN_DECLS

#define KITH_TYPE_CONVERSATIONS (kith_conversations_get_type ())

G_DECLARE_FINAL_TYPE (KithConversations, kith_conversations, KITH, CONVERSATIONS, GObject)

/*
 * Every conversation of the signed-in user, owned by KithSession: one
 * GListModel of KithMessage per contact, the outbox (docs/service.md,
 * "Never losing a message"), incoming messages written to the store in
 * batches with the last seq, acks and read marks, history pages.
 * Property: outbox-length (guint, read-only): messages not yet acknowledged.
 * Signal: message-received (KithContact *from, KithMessage *message): a new
 *   incoming message from a listed contact (never a replay, nor history a
 *   new device is given); one from someone not listed yet waits for
 *   kith_conversations_announce_waiting(). Call events (kind "call", the
 *   callee's incoming ones) are announced too, but never count as unread.
 */
KithConversations *kith_conversations_new                (KithContactList *contacts);
/* What the conversations work with: the signed-in user (NULL: signed out),
 * the REST client (history) and the store (each may be NULL). */
void               kith_conversations_attach             (KithConversations *self,
                                                          KithUser          *user,
                                                          KithApiClient     *api,
                                                          KithMessageStore  *store);
/* The socket messages go out on (NULL while there is none); its hello
 * resumes after the last seq, kept up to date from here on. */
void               kith_conversations_set_signalling     (KithConversations *self,
                                                          KithSignalling    *signalling);
/* Writes what was received but not stored yet, then forgets everything. */
void               kith_conversations_clear              (KithConversations *self);

/* Reads the last seq and the outbox from the attached store. */
void               kith_conversations_load_async         (KithConversations   *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           kith_conversations_load_finish        (KithConversations  *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);
gint64             kith_conversations_get_last_seq       (KithConversations *self);
guint              kith_conversations_get_outbox_length  (KithConversations *self);

/* A welcome on a new link (@welcome_seq: its seq): the outbox goes again. */
void               kith_conversations_connected          (KithConversations *self,
                                                          gint64             welcome_seq);
/* The contact list is known: messages that came first are announced. */
void               kith_conversations_announce_waiting   (KithConversations *self);

/* The frames of kithd that are the conversations' (KithSession routes them here). */
void               kith_conversations_handle_message     (KithConversations *self,
                                                          const KithFrame   *frame);
void               kith_conversations_handle_ack         (KithConversations *self,
                                                          const KithFrame   *frame);
void               kith_conversations_handle_read        (KithConversations *self,
                                                          const KithFrame   *frame);
/* An error frame: rate_limited for an outbox message holds the outbox. */
void               kith_conversations_handle_error       (KithConversations *self,
                                                          const KithFrame   *frame);

/* The conversation with @contact, sorted by seq (pending last), for
 * showing: it keeps what it is given until kith_conversations_close (). The
 * first call shows the newest page of the cache, then fills from the server.
 *
 * Memory stays flat (docs/service.md, "Conversations that forget"): a
 * conversation nobody shows keeps its newest page only; the rest is in
 * the store and comes back with kith_conversations_load_older_async (). */
GListModel        *kith_conversations_get                (KithConversations *self,
                                                          KithContact       *contact);
/* Not shown any more: the conversation keeps its newest page only. */
void               kith_conversations_close              (KithConversations *self,
                                                          KithContact       *contact);
/* A long-open conversation forgets all but its newest @keep messages
 * (the view calls it while it shows the newest). */
void               kith_conversations_forget_older       (KithConversations *self,
                                                          KithContact       *contact,
                                                          guint              keep);
/* How many messages a page holds (the newest page, an older page). */
guint              kith_conversations_get_page_size      (KithConversations *self);
/* Sends message.read up to the newest message and zeroes unread-count.
 * (Unread counts are kept in the store: they survive a restart.) */
void               kith_conversations_mark_read          (KithConversations *self,
                                                          KithContact       *contact);
/* Zeroes unread-count now, saved with the next batch, and sends nothing:
 * messages seen between two read markers (mark_read sends the next). */
void               kith_conversations_clear_unread       (KithConversations *self,
                                                          KithContact       *contact);
/* Finishes once the message is safely in the outbox (state PENDING; SENT
 * follows on message.ack). Works offline too. */
void               kith_conversations_send_async         (KithConversations   *self,
                                                          KithContact         *contact,
                                                          const char          *body,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
KithMessage       *kith_conversations_send_finish        (KithConversations  *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);
/* Older messages (cache, then server); the number added. */
void               kith_conversations_load_older_async   (KithConversations   *self,
                                                          KithContact         *contact,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
int                kith_conversations_load_older_finish  (KithConversations  *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

G_END_DECLS

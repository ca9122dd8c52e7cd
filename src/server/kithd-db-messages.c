/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kithd-db-messages.h"
#include "kithd-db-private.h"

/* Each call: a struct of its inputs and outputs, the function that runs
 * it on the worker, and its _async/_finish pair (kithd-db-private.h). */

/* ---- hello ---- */

typedef struct {
  char         *token_hash;
  KithdSession *session;
  KithdUser    *user;
  gint64        last_seq;
  GArray       *contact_ids;
} Hello;

static void
hello_free (Hello *call)
{
  g_free (call->token_hash);
  g_clear_pointer (&call->session, kithd_session_free);
  g_clear_pointer (&call->user, kithd_user_free);
  g_clear_pointer (&call->contact_ids, g_array_unref);
  g_free (call);
}

static gpointer
hello_run (KithdStore  *store,
           gpointer     data,
           GError     **error)
{
  Hello *call = data;
  g_autoptr (GError) local_error = NULL;
  gint64 user_id;

  call->session = kithd_store_session_lookup (store, call->token_hash, error);
  if (!call->session)
    return kithd_db_call_return (FALSE, call, error);
  user_id = call->session->user_id;
  call->user = kithd_store_user_get (store, user_id, error);
  if (!call->user)
    return kithd_db_call_return (FALSE, call, error);

  call->last_seq = kithd_store_message_last_seq (store, user_id, &local_error);
  if (local_error) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  call->contact_ids = kithd_store_contact_accepted_ids (store, user_id, error);
  return kithd_db_call_return (call->contact_ids &&
                               kithd_store_notice_clear (store, user_id, error),
                               call, error);
}

void
kithd_db_hello_async (KithdDb             *self,
                      const char          *token_hash,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  Hello *call = g_new0 (Hello, 1);

  call->token_hash = g_strdup (token_hash);
  kithd_db_call_async (self, hello_run, call, (GDestroyNotify) hello_free,
                       kithd_db_hello_async, cancellable, callback, user_data);
}

KithdSession *
kithd_db_hello_finish (KithdDb       *self,
                       GAsyncResult  *result,
                       KithdUser    **user,
                       gint64        *last_seq,
                       GArray       **contact_ids,
                       GError       **error)
{
  Hello *call = kithd_db_call_finish (self, result, kithd_db_hello_async, error);

  if (!call)
    return NULL;
  if (user)
    *user = g_steal_pointer (&call->user);
  if (last_seq)
    *last_seq = call->last_seq;
  if (contact_ids)
    *contact_ids = g_steal_pointer (&call->contact_ids);
  return g_steal_pointer (&call->session);
}

/* ---- lists: replay and history ---- */

typedef struct {
  gint64     user_id;
  gint64     peer_id;      /* history only */
  gint64     seq;          /* replay: after; history: before */
  guint      limit;
  GPtrArray *messages;
} ListMessages;

static void
list_messages_free (ListMessages *call)
{
  g_clear_pointer (&call->messages, g_ptr_array_unref);
  g_free (call);
}

static ListMessages *
list_messages_new (gint64 user_id,
                   gint64 peer_id,
                   gint64 seq,
                   guint  limit)
{
  ListMessages *call = g_new0 (ListMessages, 1);

  call->user_id = user_id;
  call->peer_id = peer_id;
  call->seq = seq;
  call->limit = limit;
  return call;
}

static gpointer
list_messages_run (KithdStore  *store,
                   gpointer     data,
                   GError     **error)
{
  ListMessages *call = data;

  call->messages = kithd_store_message_list_after (store, call->user_id, call->seq, call->limit, error);
  return kithd_db_call_return (call->messages != NULL, call, error);
}

void
kithd_db_list_messages_async (KithdDb             *self,
                              gint64               user_id,
                              gint64               after,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  kithd_db_call_async (self, list_messages_run, list_messages_new (user_id, 0, after, limit),
                       (GDestroyNotify) list_messages_free,
                       kithd_db_list_messages_async, cancellable, callback, user_data);
}

GPtrArray *
kithd_db_list_messages_finish (KithdDb       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  ListMessages *call = kithd_db_call_finish (self, result, kithd_db_list_messages_async, error);

  return call ? g_steal_pointer (&call->messages) : NULL;
}

static gpointer
history_run (KithdStore  *store,
             gpointer     data,
             GError     **error)
{
  ListMessages *call = data;
  g_autoptr (GError) local_error = NULL;
  gboolean accepted;

  accepted = kithd_store_contact_is_accepted (store, call->user_id, call->peer_id, &local_error);
  if (local_error) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return NULL;
  }
  call->messages = kithd_store_message_history (store, call->user_id, call->peer_id,
                                                call->seq, call->limit, error);
  if (!call->messages)
    return kithd_db_call_return (FALSE, call, error);
  /* A former contact still reads what was said. */
  if (!accepted && call->messages->len == 0) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NOT_CONTACT,
                         "This person is not one of your contacts");
    return NULL;
  }
  return call;
}

void
kithd_db_history_async (KithdDb             *self,
                        gint64               user_id,
                        gint64               peer_id,
                        gint64               before,
                        guint                limit,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  kithd_db_call_async (self, history_run, list_messages_new (user_id, peer_id, before, limit),
                       (GDestroyNotify) list_messages_free,
                       kithd_db_history_async, cancellable, callback, user_data);
}

GPtrArray *
kithd_db_history_finish (KithdDb       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  ListMessages *call = kithd_db_call_finish (self, result, kithd_db_history_async, error);

  return call ? g_steal_pointer (&call->messages) : NULL;
}

/* ---- storing a message ---- */

typedef struct {
  KithMessageInfo *message;   /* in: id, from, to, body; out: seq, sent_at */
  gint64           now;
  gboolean         recipient_offline;
  gboolean         duplicate;
  KithdUser       *notice_to;
  KithdUser       *notice_from;
} StoreMessage;

static void
store_message_free (StoreMessage *call)
{
  g_clear_pointer (&call->message, kith_message_info_free);
  g_clear_pointer (&call->notice_to, kithd_user_free);
  g_clear_pointer (&call->notice_from, kithd_user_free);
  g_free (call);
}

static gpointer
store_message_run (KithdStore  *store,
                   gpointer     data,
                   GError     **error)
{
  StoreMessage *call = data;
  KithMessageInfo *msg = call->message;
  g_autoptr (KithdUser) recipient = NULL;
  gboolean opened = FALSE;

  if (!kithd_store_message_insert (store, msg->id, msg->from, msg->to, msg->body, call->now,
                                   &msg->seq, &msg->sent_at, &call->duplicate, error))
    return kithd_db_call_return (FALSE, call, error);
  if (call->duplicate || !call->recipient_offline)
    return call;

  /* The recipient has no connected device: an email batch may start. */
  recipient = kithd_store_user_get (store, msg->to, error);
  if (!recipient)
    return kithd_db_call_return (FALSE, call, error);
  if (!recipient->offline_email_notification)
    return call;
  if (!kithd_store_notice_touch (store, msg->to, msg->from, call->now, &opened, error))
    return kithd_db_call_return (FALSE, call, error);
  if (opened) {
    call->notice_from = kithd_store_user_get (store, msg->from, error);
    if (!call->notice_from)
      return kithd_db_call_return (FALSE, call, error);
    call->notice_to = g_steal_pointer (&recipient);
  }
  return call;
}

void
kithd_db_store_message_async (KithdDb             *self,
                              const char          *client_id,
                              gint64               from,
                              gint64               to,
                              const char          *body,
                              gint64               now,
                              gboolean             recipient_offline,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  StoreMessage *call = g_new0 (StoreMessage, 1);

  call->message = kith_message_info_new ();
  call->message->id = g_strdup (client_id);
  call->message->from = from;
  call->message->to = to;
  call->message->body = g_strdup (body);
  call->now = now;
  call->recipient_offline = recipient_offline;
  kithd_db_call_async (self, store_message_run, call, (GDestroyNotify) store_message_free,
                       kithd_db_store_message_async, cancellable, callback, user_data);
}

KithMessageInfo *
kithd_db_store_message_finish (KithdDb       *self,
                               GAsyncResult  *result,
                               gboolean      *duplicate,
                               KithdUser    **notice_to,
                               KithdUser    **notice_from,
                               GError       **error)
{
  StoreMessage *call = kithd_db_call_finish (self, result, kithd_db_store_message_async, error);

  if (!call)
    return NULL;
  if (duplicate)
    *duplicate = call->duplicate;
  if (notice_to)
    *notice_to = g_steal_pointer (&call->notice_to);
  if (notice_from)
    *notice_from = g_steal_pointer (&call->notice_from);
  return g_steal_pointer (&call->message);
}

/* ---- call events ---- */

typedef struct {
  KithMessageInfo *message;   /* in: id, from, to, body, call; out: seq, sent_at */
  gint64           now;
} StoreCallEvent;

static void
store_call_event_free (StoreCallEvent *call)
{
  g_clear_pointer (&call->message, kith_message_info_free);
  g_free (call);
}

static gpointer
store_call_event_run (KithdStore  *store,
                      gpointer     data,
                      GError     **error)
{
  StoreCallEvent *call = data;
  KithMessageInfo *msg = call->message;

  return kithd_db_call_return (kithd_store_call_event_insert (store, msg->id, msg->from, msg->to, msg->body,
                                                              msg->call, call->now, &msg->seq,
                                                              &msg->sent_at, error),
                               call, error);
}

void
kithd_db_store_call_event_async (KithdDb             *self,
                                 KithMessageInfo     *event,
                                 gint64               now,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  StoreCallEvent *call = g_new0 (StoreCallEvent, 1);

  call->message = event;
  call->now = now;
  kithd_db_call_async (self, store_call_event_run, call, (GDestroyNotify) store_call_event_free,
                       kithd_db_store_call_event_async, cancellable, callback, user_data);
}

KithMessageInfo *
kithd_db_store_call_event_finish (KithdDb       *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  StoreCallEvent *call = kithd_db_call_finish (self, result, kithd_db_store_call_event_async, error);

  return call ? g_steal_pointer (&call->message) : NULL;
}

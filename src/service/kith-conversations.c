/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithConversations"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-conversations-private.h"
#include "kith-service-enums.h"

/* Incoming messages go to the store every BATCH_MS, or at BATCH_SIZE. */
#define BATCH_MS 20
#define BATCH_SIZE 200

typedef struct {
  KithMessage     *message;
  KithMessageInfo *info;
  gboolean         persisted;  /* in the outbox table: may be sent */
  guint            sent_link;  /* the link it was last sent on (0: not sent) */
} OutboxEntry;

enum {
  PROP_0,
  PROP_OUTBOX_LENGTH,
  N_PROPS
};

enum {
  MESSAGE_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithConversations, kith_conversations, G_TYPE_OBJECT)

static gint64 *
int64_key (gint64 v)
{
  gint64 *key = g_new (gint64, 1);

  *key = v;
  return key;
}

static void
conversation_free (gpointer data)
{
  Conversation *conv = data;

  g_clear_object (&conv->messages);
  g_clear_pointer (&conv->by_id, g_hash_table_unref);
  g_free (conv);
}

static void
outbox_entry_free (gpointer data)
{
  OutboxEntry *entry = data;

  g_clear_object (&entry->message);
  g_clear_pointer (&entry->info, kith_message_info_free);
  g_free (entry);
}

gint64
kith_conversations_my_id (KithConversations *self)
{
  return self->user != NULL ? kith_user_get_id (self->user) : 0;
}

Conversation *
kith_conversations_find_or_add (KithConversations *self,
                                gint64             peer_id)
{
  Conversation *conv = g_hash_table_lookup (self->conversations, &peer_id);

  if (conv == NULL) {
    conv = g_new0 (Conversation, 1);
    conv->messages = g_list_store_new (KITH_TYPE_MESSAGE);
    conv->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert (self->conversations, int64_key (peer_id), conv);
  }
  return conv;
}

static void
conversation_add (Conversation *conv,
                  KithMessage  *message)
{
  g_hash_table_insert (conv->by_id, g_strdup (kith_message_get_id (message)), message);
  g_list_store_insert_sorted (conv->messages, message, kith_message_compare, NULL);
  /* A conversation nobody shows keeps its newest page only. */
  if (!conv->open)
    kith_conversation_trim (conv, PAGE_SIZE);
}

static int
compare_messages_ptr (gconstpointer a,
                      gconstpointer b)
{
  return kith_message_compare (*(KithMessage * const *) a, *(KithMessage * const *) b, NULL);
}

/* A page of messages (already in by_id) into the model with one
 * items-changed where they all go above or below what it holds, as an
 * older page or a catch-up does: a list view takes each items-changed in
 * with work of its own (about 16 ms each under a chat of 10,000 rows in
 * GTK 4.8, docs/performance.md), so 50 inserts one by one blocked the
 * window for most of a second. Otherwise one by one, in order. */
static void
conversation_add_all (Conversation *conv,
                      GPtrArray    *messages)
{
  GListModel *model = G_LIST_MODEL (conv->messages);
  guint n = g_list_model_get_n_items (model);
  g_autoptr (KithMessage) first = n > 0 ? g_list_model_get_item (model, 0) : NULL;
  g_autoptr (KithMessage) last = n > 0 ? g_list_model_get_item (model, n - 1) : NULL;
  KithMessage *lowest, *highest;

  if (messages->len == 0)
    return;
  g_ptr_array_sort (messages, compare_messages_ptr);
  lowest = g_ptr_array_index (messages, 0);
  highest = g_ptr_array_index (messages, messages->len - 1);
  if (n == 0 || kith_message_compare (highest, first, NULL) <= 0)
    g_list_store_splice (conv->messages, 0, 0, messages->pdata, messages->len);
  else if (kith_message_compare (last, lowest, NULL) <= 0)
    g_list_store_splice (conv->messages, n, 0, messages->pdata, messages->len);
  else
    for (guint i = 0; i < messages->len; i++)
      g_list_store_insert_sorted (conv->messages, g_ptr_array_index (messages, i),
                                  kith_message_compare, NULL);
  /* A conversation nobody shows keeps its newest page only. */
  if (!conv->open)
    kith_conversation_trim (conv, PAGE_SIZE);
}

static void
conversation_resort (Conversation *conv,
                     KithMessage  *message)
{
  guint pos;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  gboolean ok = TRUE;

  if (!g_list_store_find (conv->messages, message, &pos))
    return;
  if (pos > 0) {
    g_autoptr (KithMessage) prev = g_list_model_get_item (G_LIST_MODEL (conv->messages), pos - 1);
    ok = kith_message_compare (prev, message, NULL) <= 0;
  }
  if (ok && pos + 1 < n) {
    g_autoptr (KithMessage) next = g_list_model_get_item (G_LIST_MODEL (conv->messages), pos + 1);
    ok = kith_message_compare (message, next, NULL) <= 0;
  }
  if (ok)
    return;

  g_object_ref (message);
  g_list_store_remove (conv->messages, pos);
  g_list_store_insert_sorted (conv->messages, message, kith_message_compare, NULL);
  g_object_unref (message);
}

/* A message we already show got its seq (an ack, or the server's copy). */
static void
conversation_acked (Conversation *conv,
                    KithMessage  *message,
                    gint64        seq,
                    gint64        sent_at)
{
  if (kith_message_get_seq (message) != 0 || seq <= 0)
    return;
  kith_message_set_acked (message, seq, sent_at);
  conversation_resort (conv, message);
}

guint
kith_conversations_merge (KithConversations *self,
                          Conversation      *conv,
                          GPtrArray         *infos)
{
  gint64 me = kith_conversations_my_id (self);
  g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; infos && i < infos->len; i++) {
    const KithMessageInfo *info = g_ptr_array_index (infos, i);
    KithMessage *known = g_hash_table_lookup (conv->by_id, info->id);
    KithMessage *message;
    gboolean outgoing = info->from == me;

    if (known != NULL) {
      conversation_acked (conv, known, info->seq, info->sent_at);
      continue;
    }

    message = kith_message_new (info->id,
                                outgoing ? KITH_MESSAGE_OUTGOING : KITH_MESSAGE_INCOMING,
                                outgoing ? info->to : info->from,
                                info->body, info->sent_at, info->seq,
                                info->seq > 0 ? KITH_MESSAGE_SENT : KITH_MESSAGE_PENDING);
    if (info->kind != NULL)
      kith_message_set_kind (message, info->kind, info->call);
    /* The same message twice in one answer: once. */
    g_hash_table_insert (conv->by_id, g_strdup (kith_message_get_id (message)), message);
    g_ptr_array_add (fresh, message);
  }
  conversation_add_all (conv, fresh);
  return fresh->len;
}

static void
set_last_seq (KithConversations *self,
              gint64             seq)
{
  self->last_seq = seq;
  if (self->signalling != NULL)
    kith_signalling_set_resume_after (self->signalling, seq);
}

/* ---- incoming ---- */

/* The unread counts that changed go to the store (after the messages
 * queued before them: the store's calls run in order). */
static void
save_unread (KithConversations *self)
{
  g_autoptr (GArray) counts = NULL;
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (self->unread_dirty) == 0)
    return;
  counts = g_array_new (FALSE, FALSE, sizeof (KithUnreadCount));
  g_hash_table_iter_init (&iter, self->unread_dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    gint64 peer_id = *(gint64 *) key;
    KithContact *contact = kith_contact_list_find (self->contacts, peer_id);
    KithUnreadCount c = { peer_id, contact != NULL ? kith_contact_get_unread_count (contact) : 0 };

    g_array_append_val (counts, c);
  }
  g_hash_table_remove_all (self->unread_dirty);
  if (self->store != NULL)
    kith_message_store_save_unread_async (self->store, (KithUnreadCount *) counts->data, counts->len,
                                          NULL, NULL, NULL);
}

static void
save_batch (KithConversations *self)
{
  if (self->store != NULL && self->incoming_batch->len > 0)
    kith_message_store_save_messages_async (self->store, self->incoming_batch,
                                            self->last_seq, NULL, NULL, NULL);
  g_ptr_array_set_size (self->incoming_batch, 0);
  save_unread (self);
}

/* Sets @contact's unread count, kept in the store with the next batch
 * (at once when @now: read). */
static void
set_unread (KithConversations *self,
            KithContact       *contact,
            guint              count,
            gboolean           now)
{
  if (kith_contact_get_unread_count (contact) == count)
    return;
  kith_contact_set_unread_count (contact, count);
  g_hash_table_add (self->unread_dirty, int64_key (kith_contact_get_id (contact)));
  if (now)
    save_unread (self);
}

static gboolean
on_batch_timeout (gpointer user_data)
{
  KithConversations *self = user_data;

  self->batch_source = 0;
  save_batch (self);
  return G_SOURCE_REMOVE;
}

/* What is waiting (messages, unread counts) goes to the store within
 * BATCH_MS... */
static void
schedule_batch (KithConversations *self)
{
  if (self->batch_source == 0)
    self->batch_source = g_timeout_add (BATCH_MS, on_batch_timeout, self);
}

/* ...or now, and the timeout with it (left behind, it ran on conversations
 * freed meanwhile). */
static void
save_batch_now (KithConversations *self)
{
  g_clear_handle_id (&self->batch_source, g_source_remove);
  save_batch (self);
}

/* A new incoming message: one more unread, unless it is a call event
 * (the chat shows it, the missed call's own notification says it; it
 * is not a message waiting to be read). */
static void
announce (KithConversations *self,
          KithContact       *contact,
          KithMessage       *message)
{
  if (g_strcmp0 (kith_message_get_kind (message), KITH_MESSAGE_KIND_CALL) != 0)
    set_unread (self, contact, kith_contact_get_unread_count (contact) + 1, FALSE);
  schedule_batch (self);
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, contact, message);
}

static void
ack (KithConversations *self,
     const char        *id,
     gint64             seq,
     gint64             sent_at)
{
  OutboxEntry *entry = g_hash_table_lookup (self->outbox_by_id, id);
  Conversation *conv;

  if (entry == NULL)
    return;

  g_hash_table_remove (self->outbox_by_id, id);
  g_queue_remove (&self->outbox, entry);

  kith_message_set_acked (entry->message, seq, sent_at);
  conv = kith_conversations_find_or_add (self, kith_message_get_peer_id (entry->message));
  conversation_resort (conv, entry->message);

  if (self->store != NULL)
    kith_message_store_outbox_ack_async (self->store, id, seq, sent_at, NULL, NULL, NULL);

  outbox_entry_free (entry);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
}

/* ---- the outbox ---- */

static void
flush_outbox (KithConversations *self)
{
  if (self->signalling == NULL || self->outbox_hold_source != 0 ||
      kith_signalling_get_state (self->signalling) != KITH_SIGNALLING_CONNECTED)
    return;

  for (GList *l = self->outbox.head; l != NULL; l = l->next) {
    OutboxEntry *entry = l->data;
    g_autoptr (KithFrame) frame = NULL;

    if (!entry->persisted)
      break;   /* keep the order: later ones wait */
    if (entry->sent_link == self->link)
      continue;

    frame = kith_frame_new (KITH_FRAME_MESSAGE_SEND);
    frame->id = g_strdup (entry->info->id);
    frame->to = entry->info->to;
    frame->body = g_strdup (entry->info->body);
    if (!kith_signalling_send (self->signalling, frame))
      return;
    entry->sent_link = self->link;
  }
}

static gboolean
on_outbox_hold_over (gpointer user_data)
{
  KithConversations *self = user_data;

  self->outbox_hold_source = 0;
  flush_outbox (self);
  return G_SOURCE_REMOVE;
}

/* kithd refused @entry for the socket's message rate, and refuses all
 * that follows until @retry_after_ms: @entry and every later message go
 * again, in order, then. */
static void
outbox_hold (KithConversations *self,
             OutboxEntry       *entry,
             gint64             retry_after_ms)
{
  for (GList *l = g_queue_find (&self->outbox, entry); l != NULL; l = l->next)
    ((OutboxEntry *) l->data)->sent_link = 0;
  if (self->outbox_hold_source == 0)
    self->outbox_hold_source = g_timeout_add (CLAMP (retry_after_ms, 100, 60 * 1000),
                                              on_outbox_hold_over, self);
}

static OutboxEntry *
outbox_push (KithConversations *self,
             KithMessageInfo   *info,
             gboolean           persisted)
{
  OutboxEntry *entry = g_new0 (OutboxEntry, 1);
  Conversation *conv = kith_conversations_find_or_add (self, info->to);
  KithMessage *known = g_hash_table_lookup (conv->by_id, info->id);

  entry->info = info;
  entry->persisted = persisted;
  if (known != NULL) {
    entry->message = g_object_ref (known);
  } else {
    entry->message = kith_message_new (info->id, KITH_MESSAGE_OUTGOING, info->to, info->body,
                                       info->sent_at, 0, KITH_MESSAGE_PENDING);
    conversation_add (conv, entry->message);
  }
  g_queue_push_tail (&self->outbox, entry);
  g_hash_table_insert (self->outbox_by_id, info->id, entry);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
  return entry;
}

static void
on_outbox_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithConversations *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) list = NULL;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  list = kith_message_store_messages_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (list == NULL) {
    g_task_return_error (task, error);
    return;
  }
  for (guint i = 0; i < list->len; i++)
    outbox_push (self, kith_message_info_copy (g_ptr_array_index (list, i)), TRUE);
  g_debug ("%u messages waiting in the outbox", list->len);
  g_task_return_boolean (task, TRUE);
}

static void
on_last_seq (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithConversations *self = g_task_get_source_object (task);
  GError *error = NULL;
  gint64 seq;

  if (g_task_return_error_if_cancelled (task))
    return;

  seq = kith_message_store_get_last_seq_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (error != NULL) {
    g_task_return_error (task, error);
    return;
  }
  set_last_seq (self, seq);
  kith_message_store_outbox_list_async (KITH_MESSAGE_STORE (source), g_task_get_cancellable (task),
                                        on_outbox_listed, g_object_ref (task));
}

static void
on_outbox_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithConversations *self = g_task_get_source_object (task);
  KithMessage *message = g_task_get_task_data (task);
  OutboxEntry *entry;
  GError *error = NULL;

  if (!kith_message_store_finish (KITH_MESSAGE_STORE (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }

  entry = g_hash_table_lookup (self->outbox_by_id, kith_message_get_id (message));
  if (entry != NULL) {
    entry->persisted = TRUE;
    flush_outbox (self);
  }
  g_task_return_pointer (task, g_object_ref (message), g_object_unref);
}

/* ---- GObject ---- */

static void
kith_conversations_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KithConversations *self = KITH_CONVERSATIONS (object);

  switch (prop_id) {
  case PROP_OUTBOX_LENGTH:
    g_value_set_uint (value, self->outbox.length);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_conversations_dispose (GObject *object)
{
  KithConversations *self = KITH_CONVERSATIONS (object);

  kith_conversations_clear (self);
  kith_conversations_set_signalling (self, NULL);
  kith_conversations_attach (self, NULL, NULL, NULL);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (kith_conversations_parent_class)->dispose (object);
}

static void
kith_conversations_finalize (GObject *object)
{
  KithConversations *self = KITH_CONVERSATIONS (object);

  g_hash_table_unref (self->conversations);
  g_hash_table_unref (self->outbox_by_id);
  g_ptr_array_unref (self->incoming_batch);
  g_hash_table_unref (self->unread_dirty);
  g_ptr_array_unref (self->unannounced);

  G_OBJECT_CLASS (kith_conversations_parent_class)->finalize (object);
}

static void
kith_conversations_class_init (KithConversationsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_conversations_get_property;
  object_class->dispose = kith_conversations_dispose;
  object_class->finalize = kith_conversations_finalize;

  properties[PROP_OUTBOX_LENGTH] =
    g_param_spec_uint ("outbox-length", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KITH_TYPE_CONTACT, KITH_TYPE_MESSAGE);
}

static void
kith_conversations_init (KithConversations *self)
{
  self->conversations = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                               conversation_free);
  self->outbox_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->incoming_batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  self->unread_dirty = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->unannounced = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->outbox);
}

KithConversations *
kith_conversations_new (KithContactList *contacts)
{
  KithConversations *self;

  g_return_val_if_fail (KITH_IS_CONTACT_LIST (contacts), NULL);

  self = g_object_new (KITH_TYPE_CONVERSATIONS, NULL);
  self->contacts = g_object_ref (contacts);
  return self;
}

/* ---- public API ---- */

void
kith_conversations_attach (KithConversations *self,
                           KithUser          *user,
                           KithApiClient     *api,
                           KithMessageStore  *store)
{
  g_return_if_fail (KITH_IS_CONVERSATIONS (self));

  g_set_object (&self->user, user);
  g_set_object (&self->api, api);
  g_set_object (&self->store, store);
}

void
kith_conversations_set_signalling (KithConversations *self,
                                   KithSignalling    *signalling)
{
  g_return_if_fail (KITH_IS_CONVERSATIONS (self));

  if (!g_set_object (&self->signalling, signalling))
    return;
  if (signalling != NULL)
    kith_signalling_set_resume_after (signalling, self->last_seq);
}

void
kith_conversations_clear (KithConversations *self)
{
  guint had;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));

  had = self->outbox.length;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  /* Whatever was received but not yet written goes to the store first. */
  save_batch_now (self);
  g_ptr_array_set_size (self->unannounced, 0);

  g_queue_clear_full (&self->outbox, outbox_entry_free);
  g_hash_table_remove_all (self->outbox_by_id);
  g_clear_handle_id (&self->outbox_hold_source, g_source_remove);
  g_hash_table_remove_all (self->conversations);
  self->last_seq = 0;
  self->history_upto = 0;
  self->link = 0;
  if (had > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
}

void
kith_conversations_load_async (KithConversations   *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (self->store != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_conversations_load_async);
  kith_message_store_get_last_seq_async (self->store, cancellable, on_last_seq,
                                         g_steal_pointer (&task));
}

gboolean
kith_conversations_load_finish (KithConversations  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gint64
kith_conversations_get_last_seq (KithConversations *self)
{
  g_return_val_if_fail (KITH_IS_CONVERSATIONS (self), 0);
  return self->last_seq;
}

guint
kith_conversations_get_outbox_length (KithConversations *self)
{
  g_return_val_if_fail (KITH_IS_CONVERSATIONS (self), 0);
  return self->outbox.length;
}

void
kith_conversations_connected (KithConversations *self,
                              gint64             welcome_seq)
{
  g_return_if_fail (KITH_IS_CONVERSATIONS (self));

  self->link++;
  /* A new device: what the first welcome says is there is history. */
  if (self->link == 1 && self->last_seq == 0)
    self->history_upto = welcome_seq;
  /* A new socket starts with a fresh rate. */
  g_clear_handle_id (&self->outbox_hold_source, g_source_remove);
  flush_outbox (self);
}

void
kith_conversations_announce_waiting (KithConversations *self)
{
  g_autoptr (GPtrArray) waiting = NULL;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));

  waiting = g_steal_pointer (&self->unannounced);
  self->unannounced = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++) {
    KithMessage *message = g_ptr_array_index (waiting, i);
    KithContact *contact = kith_contact_list_find (self->contacts,
                                                   kith_message_get_peer_id (message));

    /* Still unknown (not a contact any more): nothing to announce. */
    if (contact != NULL)
      announce (self, contact, message);
  }
}

void
kith_conversations_handle_message (KithConversations *self,
                                   const KithFrame   *frame)
{
  gboolean outgoing;
  gint64 peer;
  Conversation *conv;
  KithMessage *known;
  g_autoptr (KithMessage) message = NULL;
  KithMessageInfo *info;
  KithContact *contact;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_MESSAGE);

  outgoing = frame->from == kith_conversations_my_id (self);
  peer = outgoing ? frame->to : frame->from;
  if (outgoing && g_hash_table_contains (self->outbox_by_id, frame->id))
    ack (self, frame->id, frame->seq, frame->sent_at);

  if (frame->seq <= self->last_seq)
    return;   /* a replay of what we already have */
  set_last_seq (self, frame->seq);

  info = kith_message_info_new ();
  info->seq = frame->seq;
  info->id = g_strdup (frame->id);
  info->from = frame->from;
  info->to = frame->to;
  info->body = g_strdup (frame->body);
  info->sent_at = frame->sent_at;
  info->kind = g_strdup (frame->kind);
  info->call = kith_call_info_copy (frame->call);
  g_ptr_array_add (self->incoming_batch, info);
  if (self->incoming_batch->len >= BATCH_SIZE)
    save_batch_now (self);
  else
    schedule_batch (self);

  conv = kith_conversations_find_or_add (self, peer);
  known = g_hash_table_lookup (conv->by_id, frame->id);
  if (known != NULL) {
    conversation_acked (conv, known, frame->seq, frame->sent_at);
    return;
  }
  /* Older than what is left of a conversation that forgot its past: the
   * store has it, and it comes back with the page it belongs to. */
  if (conv->trimmed && frame->seq > 0 && frame->seq < kith_conversation_oldest_seq (conv))
    return;

  message = kith_message_new (frame->id,
                              outgoing ? KITH_MESSAGE_OUTGOING : KITH_MESSAGE_INCOMING,
                              peer, frame->body, frame->sent_at, frame->seq,
                              KITH_MESSAGE_SENT);
  if (frame->kind != NULL)
    kith_message_set_kind (message, frame->kind, frame->call);
  conversation_add (conv, message);

  if (frame->seq <= self->history_upto)
    return;   /* history replayed to a new device: no notification */

  if (outgoing)
    return;
  contact = kith_contact_list_find (self->contacts, peer);
  if (contact == NULL) {
    /* The contact list is fetched after welcome: a message can come first.
     * It is announced once its sender is listed. */
    g_ptr_array_add (self->unannounced, g_steal_pointer (&message));
    return;
  }
  announce (self, contact, message);
}

void
kith_conversations_handle_ack (KithConversations *self,
                               const KithFrame   *frame)
{
  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_MESSAGE_ACK);

  ack (self, frame->id, frame->seq, frame->sent_at);
}

void
kith_conversations_handle_read (KithConversations *self,
                                const KithFrame   *frame)
{
  Conversation *conv;
  guint n;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_MESSAGE_READ);

  if (frame->from == kith_conversations_my_id (self)) {
    /* Read on another device of ours. */
    KithContact *contact = kith_contact_list_find (self->contacts, frame->to);

    if (contact != NULL)
      set_unread (self, contact, 0, TRUE);
    return;
  }

  conv = kith_conversations_find_or_add (self, frame->from);
  n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i);

    if (kith_message_get_direction (message) == KITH_MESSAGE_OUTGOING &&
        kith_message_get_seq (message) > 0 &&
        kith_message_get_seq (message) <= frame->up_to)
      kith_message_set_state (message, KITH_MESSAGE_READ);
  }
}

void
kith_conversations_handle_error (KithConversations *self,
                                 const KithFrame   *frame)
{
  OutboxEntry *entry;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_ERROR);

  if (frame->code != KITH_ERROR_RATE_LIMITED || frame->ref == NULL)
    return;
  entry = g_hash_table_lookup (self->outbox_by_id, frame->ref);
  if (entry != NULL)
    outbox_hold (self, entry, frame->retry_after_ms);
}

void
kith_conversations_mark_read (KithConversations *self,
                              KithContact       *contact)
{
  Conversation *conv;
  gint64 up_to = 0;
  guint n;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  set_unread (self, contact, 0, TRUE);
  conv = kith_conversations_find_or_add (self, kith_contact_get_id (contact));
  n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  for (guint i = n; i > 0; i--) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i - 1);

    if (kith_message_get_direction (message) == KITH_MESSAGE_INCOMING &&
        kith_message_get_seq (message) > 0) {
      up_to = kith_message_get_seq (message);
      break;
    }
  }
  if (up_to > 0 && self->signalling != NULL) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_MESSAGE_READ);

    frame->to = kith_contact_get_id (contact);
    frame->up_to = up_to;
    kith_signalling_send (self->signalling, frame);
  }
}

void
kith_conversations_clear_unread (KithConversations *self,
                                 KithContact       *contact)
{
  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  if (kith_contact_get_unread_count (contact) == 0)
    return;
  set_unread (self, contact, 0, FALSE);
  schedule_batch (self);
}

void
kith_conversations_send_async (KithConversations   *self,
                               KithContact         *contact,
                               const char          *body,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  KithMessageInfo *info;
  OutboxEntry *entry;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));
  g_return_if_fail (body != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_conversations_send_async);

  if (self->store == NULL || self->user == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_UNAUTHORIZED, _("You are not signed in."));
    return;
  }
  if (strlen (body) > KITH_MAX_MESSAGE_BODY_BYTES) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_TOO_LONG,
                             _("The message is too long (at most 16 KiB)."));
    return;
  }

  info = kith_message_info_new ();
  info->id = g_uuid_string_random ();
  info->from = kith_conversations_my_id (self);
  info->to = kith_contact_get_id (contact);
  info->body = g_strdup (body);
  info->sent_at = g_get_real_time () / 1000;

  entry = outbox_push (self, info, FALSE);
  g_task_set_task_data (task, g_object_ref (entry->message), g_object_unref);
  kith_message_store_outbox_add_async (self->store, info, NULL, on_outbox_added,
                                       g_steal_pointer (&task));
}

KithMessage *
kith_conversations_send_finish (KithConversations  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithConversations"

/* What a conversation keeps in memory (docs/service.md, "Conversations
 * that forget") and the pages it loads: the cache's, then the server's. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-conversations-private.h"

/* Forgets all but the newest @keep messages (they stay in the store and
 * come back as older pages). Never an unsent one: they sort last. */
void
kith_conversation_trim (Conversation *conv,
                        guint         keep)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));

  if (n <= keep)
    return;
  for (guint i = 0; i < n - keep; i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i);

    g_hash_table_remove (conv->by_id, kith_message_get_id (message));
  }
  g_list_store_splice (conv->messages, 0, n - keep, NULL, 0);
  conv->trimmed = TRUE;
}

/* The oldest seq still in memory (0: none). */
gint64
kith_conversation_oldest_seq (Conversation *conv)
{
  g_autoptr (KithMessage) first = g_list_model_get_item (G_LIST_MODEL (conv->messages), 0);

  return first != NULL ? kith_message_get_seq (first) : 0;
}

/* Moves @message to its place after its seq changed. */
/* ---- history pages ---- */

typedef struct {
  gint64 peer_id;
  gint64 before;
  guint  added;
} LoadData;

static void
on_history_fetched (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithConversations *self = g_task_get_source_object (task);
  LoadData *d = g_task_get_task_data (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  list = kith_api_client_history_finish (KITH_API_CLIENT (source), result, &error);
  if (list == NULL) {
    /* Offline: the cache is what there is. */
    g_debug ("history: %s", error->message);
    g_task_return_int (task, d->added);
    return;
  }
  if (self->user != NULL) {
    d->added += kith_conversations_merge (self, kith_conversations_find_or_add (self, d->peer_id),
                                          list);
    if (self->store != NULL)
      kith_message_store_save_messages_async (self->store, list, 0, NULL, NULL, NULL);
  }
  g_task_return_int (task, d->added);
}

static void
on_history_cached (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithConversations *self = g_task_get_source_object (task);
  LoadData *d = g_task_get_task_data (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  list = kith_message_store_messages_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (self->user == NULL || self->api == NULL) {
    g_task_return_int (task, 0);
    return;
  }
  if (list != NULL)
    d->added += kith_conversations_merge (self, kith_conversations_find_or_add (self, d->peer_id),
                                          list);

  kith_api_client_history_async (self->api, d->peer_id, d->before, PAGE_SIZE,
                                 g_task_get_cancellable (task), on_history_fetched,
                                 g_object_ref (task));
}

void
kith_conversations_load_page (KithConversations   *self,
                              gint64               peer_id,
                              gint64               before,
                              gpointer             source_tag,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  LoadData *d;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  if (self->store == NULL || self->user == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_UNAUTHORIZED, _("You are not signed in."));
    return;
  }
  d = g_new0 (LoadData, 1);
  d->peer_id = peer_id;
  d->before = before;
  g_task_set_task_data (task, d, g_free);
  kith_message_store_load_messages_async (self->store, kith_conversations_my_id (self), peer_id,
                                          before, PAGE_SIZE, cancellable, on_history_cached,
                                          g_steal_pointer (&task));
}

/* ---- public API ---- */

GListModel *
kith_conversations_get (KithConversations *self,
                        KithContact       *contact)
{
  Conversation *conv;

  g_return_val_if_fail (KITH_IS_CONVERSATIONS (self), NULL);
  g_return_val_if_fail (KITH_IS_CONTACT (contact), NULL);

  conv = kith_conversations_find_or_add (self, kith_contact_get_id (contact));
  conv->open = TRUE;
  if (!conv->loaded && self->store != NULL) {
    conv->loaded = TRUE;
    if (self->cancellable == NULL)
      self->cancellable = g_cancellable_new ();
    kith_conversations_load_page (self, kith_contact_get_id (contact), 0, kith_conversations_get,
                                  self->cancellable, NULL, NULL);
  }
  return G_LIST_MODEL (conv->messages);
}

void
kith_conversations_close (KithConversations *self,
                          KithContact       *contact)
{
  Conversation *conv;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  conv = g_hash_table_lookup (self->conversations, &(gint64) { kith_contact_get_id (contact) });
  if (conv == NULL)
    return;
  conv->open = FALSE;
  kith_conversation_trim (conv, PAGE_SIZE);
}

void
kith_conversations_forget_older (KithConversations *self,
                                 KithContact       *contact,
                                 guint              keep)
{
  Conversation *conv;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  conv = g_hash_table_lookup (self->conversations, &(gint64) { kith_contact_get_id (contact) });
  if (conv != NULL)
    kith_conversation_trim (conv, MAX (keep, 1));
}

guint
kith_conversations_get_page_size (KithConversations *self)
{
  g_return_val_if_fail (KITH_IS_CONVERSATIONS (self), 0);

  return PAGE_SIZE;
}

void
kith_conversations_load_older_async (KithConversations   *self,
                                     KithContact         *contact,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Conversation *conv;
  gint64 before = 0;
  guint n;

  g_return_if_fail (KITH_IS_CONVERSATIONS (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  conv = kith_conversations_find_or_add (self, kith_contact_get_id (contact));
  n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i);

    if (kith_message_get_seq (message) > 0) {
      before = kith_message_get_seq (message);
      break;
    }
  }
  conv->loaded = TRUE;
  kith_conversations_load_page (self, kith_contact_get_id (contact), before,
                                kith_conversations_load_older_async, cancellable, callback,
                                user_data);
}

int
kith_conversations_load_older_finish (KithConversations  *self,
                                      GAsyncResult       *result,
                                      GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

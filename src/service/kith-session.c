/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithSession"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "kith-api-client.h"
#include "kith-credentials.h"
#include "kith-idle-monitor.h"
#include "kith-message-store.h"
#include "kith-service-enums.h"
#include "kith-session.h"
#include "kith-signalling.h"

#define PAGE_SIZE 50
/* Signing in, a socket that fails this many times in a row before its
 * first welcome ends the sign-in, with the last reason. */
#define SIGN_IN_SOCKET_ATTEMPTS 3

typedef struct {
  GListStore *messages;       /* KithMessage, sorted by kith_message_compare() */
  GHashTable *by_id;          /* id -> KithMessage (borrowed) */
  gboolean    loaded;
} Conversation;

typedef struct {
  KithMessage     *message;
  KithMessageInfo *info;
  gboolean         persisted;  /* in the outbox table: may be sent */
  guint            sent_gen;   /* connection it was last sent on */
} OutboxEntry;

struct _KithSession
{
  GObject            parent_instance;

  char              *server_url;
  char              *ca_file;
  char              *soup_ca_file;    /* what soup_session was made for */
  char              *unencrypted_url; /* the server-url allow-unencrypted was given for */
  char              *data_dir;
  char              *device_name;
  KithDeviceKind     device_kind;
  KithSessionState   state;

  SoupSession       *soup_session;
  KithApiClient     *api;
  KithSignalling    *signalling;
  KithCredentials   *credentials;
  KithMessageStore  *store;
  KithIdleMonitor   *idle_monitor;
  KithStatusManager *status;
  GCancellable      *cancellable;     /* everything of the signed-in session */

  KithUser          *user;
  GListStore        *contacts;
  GHashTable        *contacts_by_id;  /* gint64* -> KithContact (borrowed) */
  GHashTable        *conversations;   /* gint64* -> Conversation */

  GQueue             outbox;          /* OutboxEntry, typing order */
  GHashTable        *outbox_by_id;    /* id -> OutboxEntry (borrowed) */
  guint              outbox_hold_source; /* kithd asked us to wait (rate_limited) */
  guint              connection_gen;

  GPtrArray         *incoming_batch;  /* KithMessageInfo waiting for the store */
  GPtrArray         *unannounced;     /* KithMessage from contacts not listed yet */
  guint              batch_source;
  gint64             last_seq;
  gint64             history_upto;    /* a new device: older messages are history, not news */

  gboolean           stay_signed_in;
  char              *keyring_email;
  GTask             *pending_task;    /* sign in / restore waiting for welcome */
  guint              socket_failures; /* before the first welcome */
  gboolean           fresh_token;     /* made by this sign-in, which has not finished */
  gboolean           deleting_account; /* DELETE /me sent: kithd ends our sessions (4001) */

  /* Restoring: the last account's cache, shown before the session is online. */
  GCancellable      *cache_cancellable;
  gint64             cache_user_id;
  gboolean           from_cache;
};

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_DATA_DIR,
  PROP_DEVICE_KIND,
  PROP_DEVICE_NAME,
  PROP_STATE,
  PROP_USER,
  PROP_CONTACTS,
  PROP_STATUS,
  PROP_STAY_SIGNED_IN,
  PROP_OUTBOX_LENGTH,
  PROP_FROM_CACHE,
  PROP_CA_FILE,
  PROP_ALLOW_UNENCRYPTED,
  N_PROPS
};

enum {
  STATE_CHANGED,
  MESSAGE_RECEIVED,
  KEYRING_ERROR,
  SIGNED_OUT_REMOTELY,
  CONTACT_REQUEST,
  CALL_FRAME,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithSession, kith_session, G_TYPE_OBJECT)

static void flush_outbox (KithSession *self);
static void outbox_hold (KithSession *self,
                         OutboxEntry *entry,
                         gint64       retry_after_ms);

/* ---- helpers ---- */

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

static void
set_state (KithSession      *self,
           KithSessionState  state)
{
  KithSessionState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old, state);

  if (self->user != NULL)
    kith_user_set_presence (self->user,
                            state == KITH_SESSION_ONLINE
                              ? kith_status_manager_get_presence (self->status)
                              : KITH_PRESENCE_OFFLINE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, state, old);
}

static Conversation *
get_conversation (KithSession *self,
                  gint64       peer_id)
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
}

/* Moves @message to its place after its seq changed. */
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

/* Adds messages from the cache or the server; returns how many were new. */
static guint
conversation_merge (KithSession *self,
                    Conversation *conv,
                    GPtrArray    *infos)
{
  gint64 me = self->user ? kith_user_get_id (self->user) : 0;
  guint added = 0;

  for (guint i = 0; infos && i < infos->len; i++) {
    const KithMessageInfo *info = g_ptr_array_index (infos, i);
    KithMessage *known = g_hash_table_lookup (conv->by_id, info->id);
    g_autoptr (KithMessage) message = NULL;
    gboolean outgoing = info->from == me;

    if (known != NULL) {
      if (kith_message_get_seq (known) == 0 && info->seq > 0) {
        kith_message_set_acked (known, info->seq, info->sent_at);
        conversation_resort (conv, known);
      }
      continue;
    }

    message = kith_message_new (info->id,
                                outgoing ? KITH_MESSAGE_OUTGOING : KITH_MESSAGE_INCOMING,
                                outgoing ? info->to : info->from,
                                info->body, info->sent_at, info->seq,
                                info->seq > 0 ? KITH_MESSAGE_SENT : KITH_MESSAGE_PENDING);
    conversation_add (conv, message);
    added++;
  }
  return added;
}

static KithContact *
add_or_update_contact (KithSession           *self,
                       const KithContactInfo *info)
{
  KithContact *contact;

  if (info->user == NULL)
    return NULL;
  contact = g_hash_table_lookup (self->contacts_by_id, &info->user->id);
  if (contact != NULL) {
    kith_contact_update (contact, info);
    return contact;
  }

  contact = kith_contact_new (info);
  g_hash_table_insert (self->contacts_by_id, int64_key (info->user->id), contact);
  g_list_store_append (self->contacts, contact);
  g_object_unref (contact);
  return contact;
}

static void
remove_contact (KithSession *self,
                gint64       user_id)
{
  KithContact *contact = g_hash_table_lookup (self->contacts_by_id, &user_id);
  guint pos;

  if (contact == NULL)
    return;
  if (g_list_store_find (self->contacts, contact, &pos)) {
    g_hash_table_remove (self->contacts_by_id, &user_id);
    g_list_store_remove (self->contacts, pos);
  }
}

static GPtrArray *
contact_infos (KithSession *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->contacts));

  for (guint i = 0; i < n; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i);
    KithContactInfo *info = kith_contact_info_new ();

    info->user = kith_user_info_new ();
    info->user->id = kith_contact_get_id (contact);
    info->user->email = g_strdup (kith_contact_get_email (contact));
    info->user->first_name = g_strdup (kith_contact_get_first_name (contact));
    info->user->last_name = g_strdup (kith_contact_get_last_name (contact));
    info->state = kith_contact_get_state (contact);
    g_ptr_array_add (list, info);
  }
  return list;
}

static void
save_contacts (KithSession *self)
{
  g_autoptr (GPtrArray) list = NULL;

  if (self->store == NULL)
    return;
  list = contact_infos (self);
  kith_message_store_save_contacts_async (self->store, list, NULL, NULL, NULL);
}

static char *
store_path (KithSession *self,
            gint64       user_id)
{
  g_autoptr (GUri) uri = g_uri_parse (self->server_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *host = NULL;
  g_autofree char *file = g_strdup_printf ("%" G_GINT64_FORMAT ".db", user_id);

  if (uri != NULL && g_uri_get_port (uri) > 0)
    host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    host = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "server");
  g_strdelimit (host, "/\\:", '_');

  return g_build_filename (self->data_dir, host, file, NULL);
}

/* Made on first use: creating a SoupSession loads GIO's proxy modules
 * (libproxy), which a window's first frame should not wait for. */
static SoupSession *
get_soup_session (KithSession *self)
{
  if (self->soup_session == NULL) {
    self->soup_session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60, NULL);
    g_free (self->soup_ca_file);
    self->soup_ca_file = g_strdup (self->ca_file);
  }
  return self->soup_session;
}

static gboolean
allows_unencrypted (KithSession *self)
{
  return self->unencrypted_url != NULL && g_strcmp0 (self->unencrypted_url, self->server_url) == 0;
}

/* The API client of the current server; its CA file becomes the soup
 * session's tls-database, which the socket shares. */
static KithApiClient *
new_api (KithSession *self)
{
  KithApiClient *api;

  api = kith_api_client_new_full (self->server_url, get_soup_session (self), self->ca_file);
  kith_api_client_set_allow_unencrypted (api, allows_unencrypted (self));
  return api;
}

/* The account last signed in with "stay signed in" on this server: its
 * cache may be shown at start-up while the session is restored. */
static GFile *
last_account_file (KithSession *self)
{
  g_autofree char *db = store_path (self, 0);
  g_autofree char *dir = g_path_get_dirname (db);
  g_autofree char *path = g_build_filename (dir, "last-account", NULL);

  return g_file_new_for_path (path);
}

static void
on_last_account_written (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_debug ("cannot remember the last account: %s", error->message);
}

static void
remember_last_account (KithSession *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GBytes) bytes = NULL;
  char *data;
  gsize len;

  if (self->data_dir == NULL)
    return;
  file = last_account_file (self);
  g_key_file_set_int64 (keyfile, "account", "id", kith_user_get_id (self->user));
  g_key_file_set_string (keyfile, "account", "email", self->keyring_email);
  data = g_key_file_to_data (keyfile, &len, NULL);
  bytes = g_bytes_new_take (data, len);
  /* The store's directory exists: the store is open. */
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                       NULL, on_last_account_written, NULL);
}

static void
on_last_account_deleted (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_file_delete_finish (G_FILE (source), result, NULL);
}

static void
forget_last_account (KithSession *self)
{
  g_autoptr (GFile) file = NULL;

  if (self->data_dir == NULL)
    return;
  file = last_account_file (self);
  g_file_delete_async (file, G_PRIORITY_DEFAULT, NULL, on_last_account_deleted, NULL);
}

static void
set_from_cache (KithSession *self,
                gboolean     from_cache)
{
  if (self->from_cache == from_cache)
    return;
  self->from_cache = from_cache;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_CACHE]);
}

/* Removing a dead token from the keyring: if the keyring is gone or
 * locked, the entry stays, and that is harmless (the server no longer
 * knows the token; the next restore finds it dead and tries again).
 * Nothing to tell the person. */
static void
on_keyring_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!kith_credentials_clear_finish (KITH_CREDENTIALS (source), result, &error))
    g_debug ("the token stays in the keyring: %s", error->message);
}

/* ---- tear down ---- */

/* A sign-in that fails after kithd gave it a token: the token goes too
 * (fire and forget), so no half-made device stays signed in on the server.
 * Before teardown(), which forgets the token. */
static void
abandon_fresh_token (KithSession *self)
{
  if (self->fresh_token && self->api != NULL && kith_api_client_get_token (self->api) != NULL)
    kith_api_client_log_out_async (self->api, NULL, NULL, NULL);
  self->fresh_token = FALSE;
}

static void
teardown (KithSession *self,
          GError      *pending_error)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->cache_cancellable);
  g_clear_object (&self->cache_cancellable);
  self->cache_user_id = 0;

  if (self->signalling != NULL) {
    g_signal_handlers_disconnect_by_data (self->signalling, self);
    kith_signalling_stop (self->signalling);
    g_clear_object (&self->signalling);
  }

  if (self->pending_task != NULL) {
    GTask *task = g_steal_pointer (&self->pending_task);

    if (pending_error != NULL)
      g_task_return_error (task, g_error_copy (pending_error));
    else
      g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_CANCELLED, _("Signed out."));
    g_object_unref (task);
  }

  /* Whatever was received but not yet written goes to the store first. */
  if (self->store != NULL && self->incoming_batch->len > 0)
    kith_message_store_save_messages_async (self->store, self->incoming_batch,
                                            self->last_seq, NULL, NULL, NULL);
  g_ptr_array_set_size (self->incoming_batch, 0);
  g_ptr_array_set_size (self->unannounced, 0);
  g_clear_handle_id (&self->batch_source, g_source_remove);

  if (self->store != NULL) {
    kith_message_store_close_async (self->store, NULL, NULL, NULL);
    g_clear_object (&self->store);
  }

  g_queue_clear_full (&self->outbox, outbox_entry_free);
  g_hash_table_remove_all (self->outbox_by_id);
  g_clear_handle_id (&self->outbox_hold_source, g_source_remove);
  g_hash_table_remove_all (self->conversations);
  g_hash_table_remove_all (self->contacts_by_id);
  g_list_store_remove_all (self->contacts);
  self->last_seq = 0;
  self->history_upto = 0;
  self->connection_gen = 0;
  self->socket_failures = 0;
  self->fresh_token = FALSE;
  self->stay_signed_in = FALSE;
  g_clear_pointer (&self->keyring_email, g_free);
  if (self->api != NULL)
    kith_api_client_set_token (self->api, NULL);

  if (self->user != NULL) {
    kith_user_set_presence (self->user, KITH_PRESENCE_OFFLINE);
    g_clear_object (&self->user);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
  set_from_cache (self, FALSE);
  set_state (self, KITH_SESSION_SIGNED_OUT);
}

/* ---- incoming frames ---- */

static gboolean
on_batch_timeout (gpointer user_data)
{
  KithSession *self = user_data;

  self->batch_source = 0;
  if (self->store != NULL && self->incoming_batch->len > 0)
    kith_message_store_save_messages_async (self->store, self->incoming_batch,
                                            self->last_seq, NULL, NULL, NULL);
  g_ptr_array_set_size (self->incoming_batch, 0);
  return G_SOURCE_REMOVE;
}

static void
handle_ack (KithSession *self,
            const char  *id,
            gint64       seq,
            gint64       sent_at)
{
  OutboxEntry *entry = g_hash_table_lookup (self->outbox_by_id, id);
  Conversation *conv;

  if (entry == NULL)
    return;

  g_hash_table_remove (self->outbox_by_id, id);
  g_queue_remove (&self->outbox, entry);

  kith_message_set_acked (entry->message, seq, sent_at);
  conv = get_conversation (self, kith_message_get_peer_id (entry->message));
  conversation_resort (conv, entry->message);

  if (self->store != NULL)
    kith_message_store_outbox_ack_async (self->store, id, seq, sent_at, NULL, NULL, NULL);

  outbox_entry_free (entry);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
}


static void
announce_message (KithSession *self,
                  KithContact *contact,
                  KithMessage *message)
{
  kith_contact_set_unread_count (contact, kith_contact_get_unread_count (contact) + 1);
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, contact, message);
}

static void
announce_unannounced (KithSession *self)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->unannounced);

  self->unannounced = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++) {
    KithMessage *message = g_ptr_array_index (waiting, i);
    gint64 peer = kith_message_get_peer_id (message);
    KithContact *contact = g_hash_table_lookup (self->contacts_by_id, &peer);

    /* Still unknown (not a contact any more): nothing to announce. */
    if (contact != NULL)
      announce_message (self, contact, message);
  }
}

static void
handle_message (KithSession     *self,
                const KithFrame *frame)
{
  gint64 me = kith_user_get_id (self->user);
  gboolean outgoing = frame->from == me;
  gint64 peer = outgoing ? frame->to : frame->from;
  Conversation *conv;
  KithMessage *known;
  g_autoptr (KithMessage) message = NULL;
  KithMessageInfo *info;
  KithContact *contact;

  if (outgoing && g_hash_table_contains (self->outbox_by_id, frame->id))
    handle_ack (self, frame->id, frame->seq, frame->sent_at);

  if (frame->seq <= self->last_seq)
    return;   /* a replay of what we already have */

  self->last_seq = frame->seq;
  if (self->signalling != NULL)
    kith_signalling_set_resume_after (self->signalling, self->last_seq);

  info = kith_message_info_new ();
  info->seq = frame->seq;
  info->id = g_strdup (frame->id);
  info->from = frame->from;
  info->to = frame->to;
  info->body = g_strdup (frame->body);
  info->sent_at = frame->sent_at;
  g_ptr_array_add (self->incoming_batch, info);
  if (self->incoming_batch->len >= 200)
    on_batch_timeout (self);
  else if (self->batch_source == 0)
    self->batch_source = g_timeout_add (20, on_batch_timeout, self);

  conv = get_conversation (self, peer);
  known = g_hash_table_lookup (conv->by_id, frame->id);
  if (known != NULL) {
    if (kith_message_get_seq (known) == 0) {
      kith_message_set_acked (known, frame->seq, frame->sent_at);
      conversation_resort (conv, known);
    }
    return;
  }

  message = kith_message_new (frame->id,
                              outgoing ? KITH_MESSAGE_OUTGOING : KITH_MESSAGE_INCOMING,
                              peer, frame->body, frame->sent_at, frame->seq,
                              KITH_MESSAGE_SENT);
  conversation_add (conv, message);

  if (frame->seq <= self->history_upto)
    return;   /* history replayed to a new device: no notification */

  if (outgoing)
    return;
  contact = g_hash_table_lookup (self->contacts_by_id, &peer);
  if (contact == NULL) {
    /* The contact list is fetched after welcome: a message can come first.
     * It is announced once its sender is listed. */
    g_ptr_array_add (self->unannounced, g_steal_pointer (&message));
    return;
  }
  announce_message (self, contact, message);
}

static void
handle_read (KithSession     *self,
             const KithFrame *frame)
{
  gint64 me = kith_user_get_id (self->user);

  if (frame->from == me) {
    /* Read on another device of ours. */
    KithContact *contact = g_hash_table_lookup (self->contacts_by_id, &frame->to);

    if (contact != NULL)
      kith_contact_set_unread_count (contact, 0);
  } else {
    Conversation *conv = get_conversation (self, frame->from);
    guint n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));

    for (guint i = 0; i < n; i++) {
      g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i);

      if (kith_message_get_direction (message) == KITH_MESSAGE_OUTGOING &&
          kith_message_get_seq (message) > 0 &&
          kith_message_get_seq (message) <= frame->up_to)
        kith_message_set_state (message, KITH_MESSAGE_READ);
    }
  }
}

static void
complete_pending (KithSession *self)
{
  GTask *task = g_steal_pointer (&self->pending_task);

  self->fresh_token = FALSE;
  if (task != NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
}

static void
on_contacts_listed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (KithSession) self = user_data;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (GArray) gone = NULL;
  GHashTableIter iter;
  gpointer key;

  list = kith_api_client_list_contacts_finish (KITH_API_CLIENT (source), result, &error);
  if (list == NULL) {
    g_debug ("cannot list contacts: %s", error->message);
    /* Signing in, the contact list is part of it: a sign-in without one
     * fails, saying why (not an empty list that says nothing). Online
     * already, the list shown stays; the next welcome asks again. */
    if (self->pending_task != NULL && !g_error_matches (error, KITH_ERROR, KITH_ERROR_CANCELLED)) {
      abandon_fresh_token (self);
      teardown (self, error);
    }
    return;
  }
  if (self->user == NULL)
    return;

  seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < list->len; i++) {
    const KithContactInfo *info = g_ptr_array_index (list, i);

    if (info->user == NULL)
      continue;
    add_or_update_contact (self, info);
    g_hash_table_add (seen, int64_key (info->user->id));
  }

  gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->contacts_by_id);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (!g_hash_table_contains (seen, key))
      g_array_append_val (gone, *(gint64 *) key);
  }
  for (guint i = 0; i < gone->len; i++)
    remove_contact (self, g_array_index (gone, gint64, i));

  save_contacts (self);
  announce_unannounced (self);
  complete_pending (self);
}

static void
on_frame (KithSignalling *signalling,
          KithFrame      *frame,
          gpointer        user_data)
{
  KithSession *self = user_data;
  KithContact *contact;

  switch (frame->type) {
  case KITH_FRAME_WELCOME:
    self->connection_gen++;
    if (self->connection_gen == 1 && self->last_seq == 0)
      self->history_upto = frame->seq;
    if (frame->user != NULL)
      kith_user_update (self->user, frame->user);
    set_from_cache (self, FALSE);
    set_state (self, KITH_SESSION_ONLINE);
    if (self->connection_gen == 1 && self->stay_signed_in && self->keyring_email != NULL)
      remember_last_account (self);
    kith_status_manager_resync (self->status);
    /* A new socket starts with a fresh rate. */
    g_clear_handle_id (&self->outbox_hold_source, g_source_remove);
    flush_outbox (self);
    /* Sign-in finishes once the contacts are known too. */
    kith_api_client_list_contacts_async (self->api, self->cancellable,
                                         on_contacts_listed, g_object_ref (self));
    break;

  case KITH_FRAME_PRESENCE:
    contact = g_hash_table_lookup (self->contacts_by_id, &frame->user_id);
    if (contact != NULL)
      kith_contact_set_presence (contact, frame->presence);
    break;

  case KITH_FRAME_MESSAGE:
    handle_message (self, frame);
    break;

  case KITH_FRAME_MESSAGE_ACK:
    handle_ack (self, frame->id, frame->seq, frame->sent_at);
    break;

  case KITH_FRAME_MESSAGE_READ:
    handle_read (self, frame);
    break;

  case KITH_FRAME_PROFILE:
    if (frame->user == NULL)
      break;
    if (frame->user->id == kith_user_get_id (self->user)) {
      kith_user_update (self->user, frame->user);
    } else if ((contact = g_hash_table_lookup (self->contacts_by_id, &frame->user->id))) {
      kith_contact_update_user (contact, frame->user);
      save_contacts (self);
    }
    break;

  case KITH_FRAME_CONTACT_REQUEST:
  case KITH_FRAME_CONTACT_ACCEPTED:
    if (frame->user != NULL) {
      g_autoptr (KithContactInfo) info = kith_contact_info_new ();

      info->user = kith_user_info_copy (frame->user);
      info->state = frame->type == KITH_FRAME_CONTACT_REQUEST
                      ? KITH_CONTACT_INCOMING : KITH_CONTACT_ACCEPTED;
      contact = g_hash_table_lookup (self->contacts_by_id, &frame->user->id);
      if (contact != NULL)
        info->presence = kith_contact_get_presence (contact);
      contact = add_or_update_contact (self, info);
      save_contacts (self);
      if (frame->type == KITH_FRAME_CONTACT_REQUEST)
        g_signal_emit (self, signals[CONTACT_REQUEST], 0, contact);
    }
    break;

  case KITH_FRAME_CONTACT_REMOVED:
    remove_contact (self, frame->user_id);
    save_contacts (self);
    break;

  case KITH_FRAME_CALL_INVITE:
  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    g_signal_emit (self, signals[CALL_FRAME], 0, frame);
    break;

  case KITH_FRAME_ERROR:
    g_debug ("kithd says: %s (%s)", kith_error_code_to_string (frame->code),
             frame->ref ? frame->ref : "-");
    if (frame->code == KITH_ERROR_RATE_LIMITED && frame->ref != NULL) {
      OutboxEntry *entry = g_hash_table_lookup (self->outbox_by_id, frame->ref);

      if (entry != NULL)
        outbox_hold (self, entry, frame->retry_after_ms);
    }
    break;

  case KITH_FRAME_PONG:
  case KITH_FRAME_HELLO:
  case KITH_FRAME_PRESENCE_SET:
  case KITH_FRAME_ACTIVITY:
  case KITH_FRAME_MESSAGE_SEND:
  case KITH_FRAME_PING:
  default:
    break;
  }
}

static void
on_signalling_state_changed (KithSignalling      *signalling,
                             KithSignallingState  state,
                             KithSignallingState  old,
                             gpointer             user_data)
{
  KithSession *self = user_data;

  if (self->state == KITH_SESSION_ONLINE &&
      (state == KITH_SIGNALLING_WAITING || state == KITH_SIGNALLING_CONNECTING))
    set_state (self, KITH_SESSION_RECONNECTING);
}

static void
on_signalling_failed (KithSignalling *signalling,
                      GError         *error,
                      gpointer        user_data)
{
  KithSession *self = user_data;

  /* Online before: it reconnects with back-off (state reconnecting). */
  if (self->pending_task == NULL || self->connection_gen > 0)
    return;
  /* Signing in: a few attempts, then the sign-in ends with the reason. */
  if (++self->socket_failures < SIGN_IN_SOCKET_ATTEMPTS)
    return;
  g_debug ("the socket failed %u times before welcome", self->socket_failures);
  g_object_ref (self);
  abandon_fresh_token (self);
  teardown (self, error);
  g_object_unref (self);
}

static void
on_revoked (KithSignalling *signalling,
            gpointer        user_data)
{
  KithSession *self = user_data;
  g_autoptr (GError) error = NULL;

  g_debug ("token revoked");
  if (self->stay_signed_in)
    forget_last_account (self);
  if (self->keyring_email != NULL)
    kith_credentials_clear_async (self->credentials, self->server_url, self->keyring_email,
                                  NULL, on_keyring_cleared, NULL);
  error = g_error_new_literal (KITH_ERROR, KITH_ERROR_UNAUTHORIZED,
                               kith_error_code_describe (KITH_ERROR_UNAUTHORIZED));
  g_object_ref (self);
  teardown (self, error);
  /* Deleting the account ends its sessions before kithd answers the
   * DELETE: that is the deletion, not a sign-out from elsewhere. */
  if (!self->deleting_account)
    g_signal_emit (self, signals[SIGNED_OUT_REMOTELY], 0);
  g_object_unref (self);
}

static void
on_status_send_frame (KithStatusManager *status,
                      KithFrame         *frame,
                      gpointer           user_data)
{
  KithSession *self = user_data;

  if (self->signalling != NULL)
    kith_signalling_send (self->signalling, frame);
}

static void
on_status_presence (KithSession *self)
{
  if (self->user != NULL && self->state == KITH_SESSION_ONLINE)
    kith_user_set_presence (self->user, kith_status_manager_get_presence (self->status));
}

/* ---- the outbox ---- */

static void
flush_outbox (KithSession *self)
{
  if (self->signalling == NULL || self->outbox_hold_source != 0 ||
      kith_signalling_get_state (self->signalling) != KITH_SIGNALLING_CONNECTED)
    return;

  for (GList *l = self->outbox.head; l != NULL; l = l->next) {
    OutboxEntry *entry = l->data;
    g_autoptr (KithFrame) frame = NULL;

    if (!entry->persisted)
      break;   /* keep the order: later ones wait */
    if (entry->sent_gen == self->connection_gen)
      continue;

    frame = kith_frame_new (KITH_FRAME_MESSAGE_SEND);
    frame->id = g_strdup (entry->info->id);
    frame->to = entry->info->to;
    frame->body = g_strdup (entry->info->body);
    if (!kith_signalling_send (self->signalling, frame))
      return;
    entry->sent_gen = self->connection_gen;
  }
}

static gboolean
on_outbox_hold_over (gpointer user_data)
{
  KithSession *self = user_data;

  self->outbox_hold_source = 0;
  flush_outbox (self);
  return G_SOURCE_REMOVE;
}

/* kithd refused @entry for the socket's message rate, and refuses all
 * that follows until @retry_after_ms: @entry and every later message go
 * again, in order, then. */
static void
outbox_hold (KithSession *self,
             OutboxEntry *entry,
             gint64       retry_after_ms)
{
  for (GList *l = g_queue_find (&self->outbox, entry); l != NULL; l = l->next)
    ((OutboxEntry *) l->data)->sent_gen = 0;
  if (self->outbox_hold_source == 0)
    self->outbox_hold_source = g_timeout_add (CLAMP (retry_after_ms, 100, 60 * 1000),
                                              on_outbox_hold_over, self);
}

static OutboxEntry *
outbox_push (KithSession     *self,
             KithMessageInfo *info,
             gboolean         persisted)
{
  OutboxEntry *entry = g_new0 (OutboxEntry, 1);
  Conversation *conv = get_conversation (self, info->to);
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

/* ---- the cache, shown while restoring ---- */

/* Another account than the cache's signed in: nothing of it stays shown. */
static void
drop_cache (KithSession *self)
{
  g_cancellable_cancel (self->cache_cancellable);
  g_clear_object (&self->cache_cancellable);
  self->cache_user_id = 0;
  if (self->store != NULL) {
    kith_message_store_close_async (self->store, NULL, NULL, NULL);
    g_clear_object (&self->store);
  }
  g_hash_table_remove_all (self->conversations);
  g_hash_table_remove_all (self->contacts_by_id);
  g_list_store_remove_all (self->contacts);
  set_from_cache (self, FALSE);
}

static void
on_cache_contacts (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KithSession) self = user_data;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) added = NULL;
  g_autoptr (GError) error = NULL;

  list = kith_message_store_contacts_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (list == NULL || self->store != KITH_MESSAGE_STORE (source) ||
      self->cache_cancellable == NULL || g_cancellable_is_cancelled (self->cache_cancellable))
    return;

  /* Presence is unknown until the socket says. The new contacts go into
   * the model in one splice: one items-changed, not one per contact (the
   * contact list may already be on screen). */
  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < list->len; i++) {
    KithContactInfo *info = g_ptr_array_index (list, i);
    KithContact *contact;

    info->presence = KITH_PRESENCE_OFFLINE;
    if (info->user == NULL)
      continue;
    contact = g_hash_table_lookup (self->contacts_by_id, &info->user->id);
    if (contact != NULL) {
      kith_contact_update (contact, info);
      continue;
    }
    contact = kith_contact_new (info);
    g_hash_table_insert (self->contacts_by_id, int64_key (info->user->id), contact);
    g_ptr_array_add (added, contact);
  }
  g_list_store_splice (self->contacts, g_list_model_get_n_items (G_LIST_MODEL (self->contacts)), 0,
                       added->pdata, added->len);
  g_debug ("%u contacts shown from the cache", list->len);
  set_from_cache (self, TRUE);
}

static void
on_cache_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!kith_message_store_finish (KITH_MESSAGE_STORE (source), result, &error))
    g_debug ("cannot open the cache: %s", error->message);
  /* The session's reference, held while the store opened. */
  g_object_unref (user_data);
}

/* Starts showing the cache of @email's account, if it was the last one
 * signed in here with "stay signed in".
 *
 * The `last-account` record (a few dozen bytes next to the caches) is read
 * here, on the main thread, like GSettings' and GTK's own small files at
 * start-up: an async read would cost a trip through the main loop, which is
 * busy building the window, and the cache would then miss the first frame.
 * The database itself is opened and read on the store's worker thread, in
 * parallel with the window being built. */
static void
load_cache (KithSession *self,
            const char  *email)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *record = NULL;
  g_autofree char *account_email = NULL;
  g_autofree char *path = NULL;
  gint64 id;

  if (email == NULL || self->data_dir == NULL || self->store != NULL)
    return;
  file = last_account_file (self);
  record = g_file_get_path (file);
  if (!g_key_file_load_from_file (keyfile, record, G_KEY_FILE_NONE, NULL))
    return;

  /* Only the account being restored: never another one's data. */
  account_email = g_key_file_get_string (keyfile, "account", "email", NULL);
  id = g_key_file_get_int64 (keyfile, "account", "id", NULL);
  if (id <= 0 || g_strcmp0 (account_email, email) != 0)
    return;

  path = store_path (self, id);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  g_debug ("showing the cache of the last account: %s", path);
  self->cache_user_id = id;
  self->cache_cancellable = g_cancellable_new ();
  self->store = kith_message_store_new (path);
  kith_message_store_open_async (self->store, self->cache_cancellable,
                                 on_cache_opened, g_object_ref (self));
  kith_message_store_load_contacts_async (self->store, self->cache_cancellable,
                                          on_cache_contacts, g_object_ref (self));
}

/* ---- going online ---- */

typedef struct {
  char         *token;
  KithUserInfo *user;
  gboolean      stay_signed_in;
  gboolean      store_in_keyring;
} OnlineData;

static void
online_data_free (gpointer data)
{
  OnlineData *d = data;

  g_free (d->token);
  g_clear_pointer (&d->user, kith_user_info_free);
  g_free (d);
}

static void
start_signalling (KithSession *self,
                  GTask       *task)
{
  g_autofree char *url = kith_api_client_dup_socket_url (self->api);

  self->signalling = kith_signalling_new (get_soup_session (self), url,
                                          kith_api_client_get_token (self->api));
  kith_signalling_set_resume_after (self->signalling, self->last_seq);
  g_signal_connect (self->signalling, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect (self->signalling, "state-changed",
                    G_CALLBACK (on_signalling_state_changed), self);
  g_signal_connect (self->signalling, "revoked", G_CALLBACK (on_revoked), self);
  g_signal_connect (self->signalling, "failed", G_CALLBACK (on_signalling_failed), self);

  self->pending_task = g_object_ref (task);
  kith_idle_monitor_start (self->idle_monitor);
  kith_signalling_start (self->signalling);
}

static void
on_cached_contacts (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  list = kith_message_store_contacts_finish (KITH_MESSAGE_STORE (source), result, &error);
  for (guint i = 0; list && i < list->len; i++)
    add_or_update_contact (self, g_ptr_array_index (list, i));

  start_signalling (self, task);
}

static void
on_outbox_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  list = kith_message_store_messages_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (list == NULL) {
    abandon_fresh_token (self);
    teardown (self, NULL);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < list->len; i++)
    outbox_push (self, kith_message_info_copy (g_ptr_array_index (list, i)), TRUE);
  g_debug ("%u messages waiting in the outbox", list->len);

  kith_message_store_load_contacts_async (self->store, g_task_get_cancellable (task),
                                          on_cached_contacts, g_object_ref (task));
}

static void
on_last_seq (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  gint64 seq;

  if (g_task_return_error_if_cancelled (task))
    return;

  seq = kith_message_store_get_last_seq_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (error != NULL) {
    abandon_fresh_token (self);
    teardown (self, NULL);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  self->last_seq = seq;
  kith_message_store_outbox_list_async (self->store, g_task_get_cancellable (task),
                                        on_outbox_listed, g_object_ref (task));
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!kith_message_store_finish (KITH_MESSAGE_STORE (source), result, &error)) {
    abandon_fresh_token (self);
    teardown (self, NULL);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  kith_message_store_get_last_seq_async (self->store, g_task_get_cancellable (task),
                                         on_last_seq, g_object_ref (task));
}

static void open_store (KithSession *self, GTask *task);

static void
on_keyring_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!kith_credentials_store_finish (KITH_CREDENTIALS (source), result, &error)) {
    /* Signing in still works; staying signed in does not. */
    self->stay_signed_in = FALSE;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
    g_signal_emit (self, signals[KEYRING_ERROR], 0, error);
  }
  open_store (self, task);
}

/* Signed in over REST: remember the token, open the store, connect. */
static void
go_online (KithSession *self,
           GTask       *task)
{
  OnlineData *d = g_task_get_task_data (task);

  kith_api_client_set_token (self->api, d->token);
  self->fresh_token = !g_async_result_is_tagged (G_ASYNC_RESULT (task), kith_session_restore_async);
  self->user = kith_user_new (d->user);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  self->stay_signed_in = d->stay_signed_in;
  g_free (self->keyring_email);
  self->keyring_email = g_strdup (d->user->email);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
  open_store (self, task);
}

static void
open_store (KithSession *self,
            GTask       *task)
{
  OnlineData *d = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  if (d->store_in_keyring && d->stay_signed_in) {
    /* Stored before going on, so that a process that quits right after
     * signing in (kith-cli login) has its token in the keyring. */
    d->store_in_keyring = FALSE;
    kith_credentials_store_async (self->credentials, self->server_url, d->user->email,
                                  d->token, NULL, on_keyring_stored, g_object_ref (task));
    return;
  }
  if (!d->stay_signed_in && d->store_in_keyring)
    kith_credentials_clear_async (self->credentials, self->server_url, d->user->email,
                                  NULL, NULL, NULL);

  path = store_path (self, d->user->id);
  if (self->store != NULL && self->cache_user_id == d->user->id &&
      g_strcmp0 (kith_message_store_get_path (self->store), path) == 0) {
    /* The cache shown while restoring is this account's: go on with it
     * (its operations run in order, after the open). */
    g_cancellable_cancel (self->cache_cancellable);
    g_clear_object (&self->cache_cancellable);
    kith_message_store_get_last_seq_async (self->store, g_task_get_cancellable (task),
                                           on_last_seq, g_object_ref (task));
    return;
  }
  if (self->store != NULL)
    drop_cache (self);
  g_debug ("message store: %s", path);
  self->store = kith_message_store_new (path);
  kith_message_store_open_async (self->store, g_task_get_cancellable (task),
                                 on_store_opened, g_object_ref (task));
}

static gboolean
begin_signing_in (KithSession *self,
                  GTask       *task)
{
  if (self->state != KITH_SESSION_SIGNED_OUT) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_INVALID_FIELD, _("Already signed in."));
    return FALSE;
  }
  if (self->server_url == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK,
                             _("No server address is set."));
    return FALSE;
  }

  g_clear_object (&self->api);
  /* A CA file set while signed in counts from now: a new soup session. */
  if (g_strcmp0 (self->soup_ca_file, self->ca_file) != 0)
    g_clear_object (&self->soup_session);
  self->api = new_api (self);
  self->cancellable = g_cancellable_new ();
  set_state (self, KITH_SESSION_SIGNING_IN);
  return TRUE;
}

static void
fail_signing_in (KithSession *self,
                 GTask       *task,
                 GError      *error)
{
  teardown (self, NULL);
  g_task_return_error (task, error);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!kith_api_client_session_finish (KITH_API_CLIENT (source), result,
                                       &d->token, &d->user, &error)) {
    fail_signing_in (self, task, error);
    return;
  }
  go_online (self, task);
}

static void
on_me_for_restore (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->user = kith_api_client_user_finish (KITH_API_CLIENT (source), result, &error);
  if (d->user == NULL) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_UNAUTHORIZED)) {
      /* The stored token is dead: forget it and sign in normally. */
      g_autofree char *email = g_strdup (self->keyring_email);

      g_clear_error (&error);
      if (self->cache_user_id != 0)
        forget_last_account (self);
      if (email != NULL)
        kith_credentials_clear_async (self->credentials, self->server_url, email,
                                      NULL, on_keyring_cleared, NULL);
      teardown (self, NULL);
      g_task_return_boolean (task, FALSE);
      return;
    }
    fail_signing_in (self, task, error);
    return;
  }
  go_online (self, task);
}

static void
on_restore_lookup (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  g_autofree char *email = NULL;
  GError *error = NULL;

  if (!kith_credentials_lookup_finish (KITH_CREDENTIALS (source), result,
                                       &email, &d->token, &error)) {
    if (error != NULL) {
      /* The keyring is missing, locked or silent: back to the login page,
       * which says why (the last-account record stays: the keyring may be
       * back next time). */
      teardown (self, NULL);
      g_task_return_error (task, error);
      return;
    }
    if (self->cache_user_id != 0)
      forget_last_account (self);   /* its token is gone: it cannot be restored */
    teardown (self, NULL);
    g_task_return_boolean (task, FALSE);
    return;
  }

  self->keyring_email = g_steal_pointer (&email);
  kith_api_client_set_token (self->api, d->token);
  kith_api_client_get_me_async (self->api, self->cancellable, on_me_for_restore,
                                g_steal_pointer (&task));
}

static void
on_session_task_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
}

/* ---- GObject ---- */

static void
kith_session_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KithSession *self = KITH_SESSION (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    g_value_set_string (value, self->server_url);
    break;
  case PROP_DATA_DIR:
    g_value_set_string (value, self->data_dir);
    break;
  case PROP_DEVICE_KIND:
    g_value_set_enum (value, self->device_kind);
    break;
  case PROP_DEVICE_NAME:
    g_value_set_string (value, self->device_name);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_USER:
    g_value_set_object (value, self->user);
    break;
  case PROP_CONTACTS:
    g_value_set_object (value, self->contacts);
    break;
  case PROP_STATUS:
    g_value_set_object (value, self->status);
    break;
  case PROP_FROM_CACHE:
    g_value_set_boolean (value, self->from_cache);
    break;
  case PROP_STAY_SIGNED_IN:
    g_value_set_boolean (value, self->stay_signed_in);
    break;
  case PROP_OUTBOX_LENGTH:
    g_value_set_uint (value, self->outbox.length);
    break;
  case PROP_CA_FILE:
    g_value_set_string (value, self->ca_file);
    break;
  case PROP_ALLOW_UNENCRYPTED:
    g_value_set_boolean (value, allows_unencrypted (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_session_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KithSession *self = KITH_SESSION (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    kith_session_set_server_url (self, g_value_get_string (value));
    break;
  case PROP_CA_FILE:
    kith_session_set_ca_file (self, g_value_get_string (value));
    break;
  case PROP_ALLOW_UNENCRYPTED:
    kith_session_set_allow_unencrypted (self, g_value_get_boolean (value));
    break;
  case PROP_DATA_DIR:
    g_free (self->data_dir);
    self->data_dir = g_value_dup_string (value);
    break;
  case PROP_DEVICE_KIND:
    self->device_kind = g_value_get_enum (value);
    break;
  case PROP_DEVICE_NAME:
    g_free (self->device_name);
    self->device_name = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_session_constructed (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  G_OBJECT_CLASS (kith_session_parent_class)->constructed (object);

  if (self->data_dir == NULL)
    self->data_dir = g_build_filename (g_get_user_data_dir (), "kith", NULL);
  if (self->device_name == NULL)
    self->device_name = g_strdup ("Kith");

  self->idle_monitor = kith_idle_monitor_new (NULL);
  self->status = kith_status_manager_new (self->idle_monitor, self->device_kind);
  g_signal_connect (self->status, "send-frame", G_CALLBACK (on_status_send_frame), self);
  g_signal_connect_swapped (self->status, "notify::presence",
                            G_CALLBACK (on_status_presence), self);
}

static void
kith_session_dispose (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  if (self->state != KITH_SESSION_SIGNED_OUT || self->store != NULL)
    teardown (self, NULL);
  g_clear_handle_id (&self->outbox_hold_source, g_source_remove);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_clear_object (&self->status);
  g_clear_object (&self->idle_monitor);
  g_clear_object (&self->api);
  g_clear_object (&self->credentials);
  g_clear_object (&self->soup_session);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (kith_session_parent_class)->dispose (object);
}

static void
kith_session_finalize (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  g_free (self->server_url);
  g_free (self->ca_file);
  g_free (self->soup_ca_file);
  g_free (self->unencrypted_url);
  g_free (self->data_dir);
  g_free (self->device_name);
  g_free (self->keyring_email);
  g_hash_table_unref (self->contacts_by_id);
  g_hash_table_unref (self->conversations);
  g_hash_table_unref (self->outbox_by_id);
  g_ptr_array_unref (self->incoming_batch);
  g_ptr_array_unref (self->unannounced);

  G_OBJECT_CLASS (kith_session_parent_class)->finalize (object);
}

static void
kith_session_class_init (KithSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_session_get_property;
  object_class->set_property = kith_session_set_property;
  object_class->constructed = kith_session_constructed;
  object_class->dispose = kith_session_dispose;
  object_class->finalize = kith_session_finalize;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, construct);
  properties[PROP_DEVICE_KIND] =
    g_param_spec_enum ("device-kind", NULL, NULL, KITH_TYPE_DEVICE_KIND, KITH_DEVICE_DESKTOP,
                       construct);
  properties[PROP_DEVICE_NAME] = g_param_spec_string ("device-name", NULL, NULL, NULL, construct);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_SESSION_STATE, KITH_SESSION_SIGNED_OUT, ro);
  properties[PROP_USER] = g_param_spec_object ("user", NULL, NULL, KITH_TYPE_USER, ro);
  properties[PROP_CONTACTS] = g_param_spec_object ("contacts", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, KITH_TYPE_STATUS_MANAGER, ro);
  properties[PROP_STAY_SIGNED_IN] =
    g_param_spec_boolean ("stay-signed-in", NULL, NULL, FALSE, ro);
  properties[PROP_OUTBOX_LENGTH] =
    g_param_spec_uint ("outbox-length", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_FROM_CACHE] =
    g_param_spec_boolean ("from-cache", NULL, NULL, FALSE, ro);
  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_UNENCRYPTED] =
    g_param_spec_boolean ("allow-unencrypted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_SESSION_STATE, KITH_TYPE_SESSION_STATE);
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KITH_TYPE_CONTACT, KITH_TYPE_MESSAGE);
  signals[KEYRING_ERROR] =
    g_signal_new ("keyring-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNED_OUT_REMOTELY] =
    g_signal_new ("signed-out-remotely", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONTACT_REQUEST] =
    g_signal_new ("contact-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KITH_TYPE_CONTACT);
  signals[CALL_FRAME] =
    g_signal_new ("call-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
kith_session_init (KithSession *self)
{
  self->credentials = kith_credentials_new ();
  self->contacts = g_list_store_new (KITH_TYPE_CONTACT);
  self->contacts_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->conversations = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                               conversation_free);
  self->outbox_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->incoming_batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  self->unannounced = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->outbox);
}

KithSession *
kith_session_new (const char *server_url)
{
  return g_object_new (KITH_TYPE_SESSION, "server-url", server_url, NULL);
}

/* ---- simple accessors ---- */

KithSessionState
kith_session_get_state (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), KITH_SESSION_SIGNED_OUT);
  return self->state;
}

const char *
kith_session_get_server_url (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->server_url;
}

void
kith_session_set_server_url (KithSession *self,
                             const char  *server_url)
{
  g_autofree char *trimmed = NULL;
  gboolean had_acceptance;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (self->state == KITH_SESSION_SIGNED_OUT);

  trimmed = g_strdup (server_url);
  if (trimmed != NULL) {
    g_strstrip (trimmed);
    while (g_str_has_suffix (trimmed, "/"))
      trimmed[strlen (trimmed) - 1] = '\0';
  }
  if (g_strcmp0 (self->server_url, trimmed) == 0)
    return;
  g_free (self->server_url);
  self->server_url = g_steal_pointer (&trimmed);
  g_clear_object (&self->api);
  /* An acceptance is for the server it was given for, and only while it is
   * the server (dropped before the notification: a handler may accept the
   * new one). */
  had_acceptance = self->unencrypted_url != NULL;
  g_clear_pointer (&self->unencrypted_url, g_free);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  if (had_acceptance)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_UNENCRYPTED]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
kith_session_get_ca_file (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->ca_file;
}

void
kith_session_set_ca_file (KithSession *self,
                          const char  *ca_file)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  if (ca_file != NULL && *ca_file == '\0')
    ca_file = NULL;
  if (g_strcmp0 (self->ca_file, ca_file) == 0)
    return;
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  /* Signed in, the connections go on as they are until the next sign-in. */
  if (self->state == KITH_SESSION_SIGNED_OUT) {
    g_clear_object (&self->api);
    g_clear_object (&self->soup_session);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CA_FILE]);
}

gboolean
kith_session_get_allow_unencrypted (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return allows_unencrypted (self);
}

void
kith_session_set_allow_unencrypted (KithSession *self,
                                    gboolean     allow)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  if (!!allow == allows_unencrypted (self))
    return;
  g_free (self->unencrypted_url);
  self->unencrypted_url = allow ? g_strdup (self->server_url) : NULL;
  if (self->api != NULL)
    kith_api_client_set_allow_unencrypted (self->api, allows_unencrypted (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_UNENCRYPTED]);
}

gboolean
kith_session_get_is_private (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return kith_server_url_is_private (self->server_url);
}

KithUser *
kith_session_get_user (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->user;
}

GListModel *
kith_session_get_contacts (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->contacts);
}

KithStatusManager *
kith_session_get_status (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->status;
}

gboolean
kith_session_get_stay_signed_in (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return self->stay_signed_in;
}

guint
kith_session_get_outbox_length (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), 0);
  return self->outbox.length;
}

KithContact *
kith_session_find_contact (KithSession *self,
                           gint64       user_id)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return g_hash_table_lookup (self->contacts_by_id, &user_id);
}

KithContact *
kith_session_find_contact_by_email (KithSession *self,
                                    const char  *email)
{
  guint n;

  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->contacts));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i);

    if (g_ascii_strcasecmp (kith_contact_get_email (contact), email) == 0)
      return contact;
  }
  return NULL;
}

gboolean
kith_session_send_frame (KithSession     *self,
                         const KithFrame *frame)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return self->signalling != NULL && kith_signalling_send (self->signalling, frame);
}

void
kith_session_set_chosen_status (KithSession      *self,
                                KithChosenStatus  chosen)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  kith_status_manager_set_chosen (self->status, chosen);
}

void
kith_session_set_chosen_status_async (KithSession         *self,
                                      KithChosenStatus     chosen,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_set_chosen_status_async);
  kith_status_manager_set_chosen (self->status, chosen);
  g_task_return_boolean (task, TRUE);
}

gboolean
kith_session_finish (KithSession   *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kith_session_get_from_cache (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);

  return self->from_cache;
}

gboolean
kith_session_has_last_account (KithSession *self)
{
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);

  if (self->data_dir == NULL)
    return FALSE;
  file = last_account_file (self);
  path = g_file_get_path (file);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* ---- sign in, sign up, restore ---- */

void
kith_session_sign_in_async (KithSession         *self,
                            const char          *email,
                            const char          *password,
                            gboolean             stay_signed_in,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  OnlineData *d;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_sign_in_async);
  d = g_new0 (OnlineData, 1);
  d->stay_signed_in = stay_signed_in;
  d->store_in_keyring = TRUE;
  g_task_set_task_data (task, d, online_data_free);

  if (!begin_signing_in (self, task))
    return;
  kith_api_client_log_in_async (self->api, email, password, self->device_name,
                                self->device_kind, cancellable,
                                on_session_created, g_steal_pointer (&task));
}

void
kith_session_sign_up_async (KithSession         *self,
                            const char          *email,
                            const char          *password,
                            const char          *first_name,
                            const char          *last_name,
                            gboolean             stay_signed_in,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  OnlineData *d;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_sign_up_async);
  d = g_new0 (OnlineData, 1);
  d->stay_signed_in = stay_signed_in;
  d->store_in_keyring = TRUE;
  g_task_set_task_data (task, d, online_data_free);

  if (!begin_signing_in (self, task))
    return;
  kith_api_client_sign_up_async (self->api, email, password, first_name, last_name,
                                 cancellable, on_session_created, g_steal_pointer (&task));
}

void
kith_session_restore_async (KithSession         *self,
                            const char          *email,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  OnlineData *d;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_restore_async);
  d = g_new0 (OnlineData, 1);
  d->stay_signed_in = TRUE;
  d->store_in_keyring = FALSE;
  g_task_set_task_data (task, d, online_data_free);

  if (!begin_signing_in (self, task))
    return;
  kith_credentials_lookup_async (self->credentials, self->server_url, email, cancellable,
                                 on_restore_lookup, g_steal_pointer (&task));
  /* Meanwhile the last account's contacts come from its cache. */
  load_cache (self, email);
}

/* ---- leaving ---- */

static void
on_store_closed_for_leave (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;

  g_task_return_boolean (task, TRUE);
}

static void
finish_leaving (KithSession *self,
                GTask       *task)
{
  g_autoptr (KithMessageStore) store = self->store != NULL ? g_object_ref (self->store) : NULL;

  /* teardown() queues the last received messages and the close on the
   * store's worker; leaving finishes once they are on disk, so that the
   * next sign-in (even in this process) resumes from the right seq. */
  teardown (self, NULL);
  if (store == NULL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  kith_message_store_close_async (store, NULL, on_store_closed_for_leave, g_object_ref (task));
}

static void
on_cleared_for_leave (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  /* The token is revoked already: an entry left in a locked keyring is
   * dead, and the next restore removes it. */
  if (!kith_credentials_clear_finish (KITH_CREDENTIALS (source), result, &error))
    g_debug ("the token stays in the keyring: %s", error->message);
  finish_leaving (self, task);
}

/* Log out also removes the token from the keyring, before finishing. */
static void
clear_keyring_and_finish (KithSession *self,
                          GTask       *task)
{
  const char *email = g_task_get_task_data (task);

  if (email != NULL && self->stay_signed_in)
    forget_last_account (self);
  if (email != NULL)
    kith_credentials_clear_async (self->credentials, self->server_url, email, NULL,
                                  on_cleared_for_leave, g_object_ref (task));
  else
    finish_leaving (self, task);
}

static void
on_revoked_for_leave (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error))
    g_debug ("revoking the token failed: %s", error->message);
  clear_keyring_and_finish (self, task);
}

static void
leave (KithSession         *self,
       gboolean             exiting,
       gpointer             source_tag,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  gboolean revoke;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (self->state == KITH_SESSION_SIGNED_OUT || self->state == KITH_SESSION_SIGNING_OUT) {
    g_task_return_boolean (task, TRUE);
    return;
  }

  /* The socket goes first, so contacts see us offline at once. */
  if (self->signalling != NULL) {
    g_signal_handlers_disconnect_by_data (self->signalling, self);
    kith_signalling_stop (self->signalling);
  }
  set_state (self, KITH_SESSION_SIGNING_OUT);

  revoke = !exiting || !self->stay_signed_in;
  if (!exiting && self->keyring_email != NULL)
    g_task_set_task_data (task, g_strdup (self->keyring_email), g_free);

  if (revoke && self->api != NULL && kith_api_client_get_token (self->api) != NULL) {
    kith_api_client_log_out_async (self->api, NULL, on_revoked_for_leave,
                                   g_steal_pointer (&task));
    return;
  }
  clear_keyring_and_finish (self, task);
}

void
kith_session_log_out_async (KithSession         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  leave (self, FALSE, kith_session_log_out_async, cancellable, callback, user_data);
}

void
kith_session_exit_async (KithSession         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  leave (self, TRUE, kith_session_exit_async, cancellable, callback, user_data);
}

/* ---- account ---- */

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
require_api (KithSession *self,
             GTask       *task,
             gboolean     signed_in)
{
  if (signed_in && self->user == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_UNAUTHORIZED, _("You are not signed in."));
    return FALSE;
  }
  if (self->api == NULL && self->server_url != NULL)
    self->api = new_api (self);
  if (self->api == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK, _("No server address is set."));
    return FALSE;
  }
  return TRUE;
}

static void
on_server_info (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  KithServerInfo *info;

  info = kith_api_client_server_info_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) kith_server_info_free);
}

void
kith_session_server_info_async (KithSession         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_server_info_async);
  if (!require_api (self, task, FALSE))
    return;
  kith_api_client_server_info_async (self->api, cancellable, on_server_info,
                                     g_steal_pointer (&task));
}

KithServerInfo *
kith_session_server_info_finish (KithSession   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_session_request_password_reset_async (KithSession         *self,
                                           const char          *email,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_request_password_reset_async);
  if (!require_api (self, task, FALSE))
    return;
  kith_api_client_request_password_reset_async (self->api, email, cancellable,
                                                on_call_done, g_steal_pointer (&task));
}

static void
on_profile_updated (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (KithUserInfo) info = NULL;
  GError *error = NULL;

  info = kith_api_client_user_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->user != NULL)
    kith_user_update (self->user, info);
  g_task_return_boolean (task, TRUE);
}

void
kith_session_update_profile_async (KithSession         *self,
                                   const char          *first_name,
                                   const char          *last_name,
                                   int                  offline_email_notification,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_update_profile_async);
  if (!require_api (self, task, TRUE))
    return;
  kith_api_client_update_me_async (self->api, first_name, last_name, offline_email_notification,
                                   cancellable, on_profile_updated, g_steal_pointer (&task));
}

void
kith_session_change_password_async (KithSession         *self,
                                    const char          *current_password,
                                    const char          *new_password,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (current_password != NULL && new_password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_change_password_async);
  if (!require_api (self, task, TRUE))
    return;
  kith_api_client_change_password_async (self->api, current_password, new_password,
                                         cancellable, on_call_done, g_steal_pointer (&task));
}

static void
on_account_deleted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  /* The store's path from when the DELETE was sent: kithd's 4001 on the
   * socket may have torn the session down (and closed the store) first. */
  const char *path = g_task_get_task_data (task);
  GError *error = NULL;

  self->deleting_account = FALSE;
  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (self->keyring_email != NULL)
    kith_credentials_clear_async (self->credentials, self->server_url, self->keyring_email,
                                  NULL, on_keyring_cleared, NULL);
  teardown (self, NULL);
  /* Everything of the account goes, the local copy too. */
  if (path != NULL) {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_task_return_boolean (task, TRUE);
}

void
kith_session_delete_account_async (KithSession         *self,
                                   const char          *confirm_email,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (confirm_email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_delete_account_async);
  if (!require_api (self, task, TRUE))
    return;
  if (self->store != NULL)
    g_task_set_task_data (task, g_strdup (kith_message_store_get_path (self->store)), g_free);
  self->deleting_account = TRUE;
  kith_api_client_delete_account_async (self->api, confirm_email, cancellable,
                                        on_account_deleted, g_steal_pointer (&task));
}

/* ---- contacts ---- */

static void
on_contact_changed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (KithContactInfo) info = NULL;
  GError *error = NULL;

  info = kith_api_client_contact_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->user != NULL) {
    add_or_update_contact (self, info);
    save_contacts (self);
  }
  g_task_return_boolean (task, TRUE);
}

void
kith_session_add_contact_async (KithSession         *self,
                                const char          *email,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_add_contact_async);
  if (!require_api (self, task, TRUE))
    return;
  kith_api_client_add_contact_async (self->api, email, cancellable,
                                     on_contact_changed, g_steal_pointer (&task));
}

void
kith_session_accept_contact_async (KithSession         *self,
                                   KithContact         *contact,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_accept_contact_async);
  if (!require_api (self, task, TRUE))
    return;
  kith_api_client_accept_contact_async (self->api, kith_contact_get_id (contact), cancellable,
                                        on_contact_changed, g_steal_pointer (&task));
}

static void
on_contact_removed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  gint64 *id = g_task_get_task_data (task);
  GError *error = NULL;

  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }
  remove_contact (self, *id);
  save_contacts (self);
  g_task_return_boolean (task, TRUE);
}

void
kith_session_remove_contact_async (KithSession         *self,
                                   KithContact         *contact,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_remove_contact_async);
  g_task_set_task_data (task, int64_key (kith_contact_get_id (contact)), g_free);
  if (!require_api (self, task, TRUE))
    return;
  kith_api_client_remove_contact_async (self->api, kith_contact_get_id (contact), cancellable,
                                        on_contact_removed, g_steal_pointer (&task));
}

/* ---- messages ---- */

static void
on_outbox_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
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

void
kith_session_send_message_async (KithSession         *self,
                                 KithContact         *contact,
                                 const char          *body,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  KithMessageInfo *info;
  OutboxEntry *entry;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));
  g_return_if_fail (body != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_send_message_async);

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
  info->from = kith_user_get_id (self->user);
  info->to = kith_contact_get_id (contact);
  info->body = g_strdup (body);
  info->sent_at = g_get_real_time () / 1000;

  entry = outbox_push (self, info, FALSE);
  g_task_set_task_data (task, g_object_ref (entry->message), g_object_unref);
  kith_message_store_outbox_add_async (self->store, info, NULL, on_outbox_added,
                                       g_steal_pointer (&task));
}

KithMessage *
kith_session_send_message_finish (KithSession   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

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
  KithSession *self = g_task_get_source_object (task);
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
    d->added += conversation_merge (self, get_conversation (self, d->peer_id), list);
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
  KithSession *self = g_task_get_source_object (task);
  LoadData *d = g_task_get_task_data (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  list = kith_message_store_messages_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (self->user == NULL || self->api == NULL) {
    g_task_return_int (task, 0);
    return;
  }
  if (list != NULL)
    d->added += conversation_merge (self, get_conversation (self, d->peer_id), list);

  kith_api_client_history_async (self->api, d->peer_id, d->before, PAGE_SIZE,
                                 g_task_get_cancellable (task), on_history_fetched,
                                 g_object_ref (task));
}

static void
load_page (KithSession         *self,
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
  kith_message_store_load_messages_async (self->store, kith_user_get_id (self->user), peer_id,
                                          before, PAGE_SIZE, cancellable, on_history_cached,
                                          g_steal_pointer (&task));
}

GListModel *
kith_session_get_conversation (KithSession *self,
                               KithContact *contact)
{
  Conversation *conv;

  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  g_return_val_if_fail (KITH_IS_CONTACT (contact), NULL);

  conv = get_conversation (self, kith_contact_get_id (contact));
  if (!conv->loaded && self->store != NULL) {
    conv->loaded = TRUE;
    load_page (self, kith_contact_get_id (contact), 0, kith_session_get_conversation,
               self->cancellable, on_session_task_done, NULL);
  }
  return G_LIST_MODEL (conv->messages);
}

void
kith_session_load_older_messages_async (KithSession         *self,
                                        KithContact         *contact,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Conversation *conv;
  gint64 before = 0;
  guint n;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  conv = get_conversation (self, kith_contact_get_id (contact));
  n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i);

    if (kith_message_get_seq (message) > 0) {
      before = kith_message_get_seq (message);
      break;
    }
  }
  conv->loaded = TRUE;
  load_page (self, kith_contact_get_id (contact), before,
             kith_session_load_older_messages_async, cancellable, callback, user_data);
}

int
kith_session_load_older_messages_finish (KithSession   *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

void
kith_session_mark_read (KithSession *self,
                        KithContact *contact)
{
  Conversation *conv;
  gint64 up_to = 0;
  guint n;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  kith_contact_set_unread_count (contact, 0);
  conv = get_conversation (self, kith_contact_get_id (contact));
  n = g_list_model_get_n_items (G_LIST_MODEL (conv->messages));
  for (guint i = n; i > 0; i--) {
    g_autoptr (KithMessage) message = g_list_model_get_item (G_LIST_MODEL (conv->messages), i - 1);

    if (kith_message_get_direction (message) == KITH_MESSAGE_INCOMING &&
        kith_message_get_seq (message) > 0) {
      up_to = kith_message_get_seq (message);
      break;
    }
  }
  if (up_to > 0) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_MESSAGE_READ);

    frame->to = kith_contact_get_id (contact);
    frame->up_to = up_to;
    kith_session_send_frame (self, frame);
  }
}

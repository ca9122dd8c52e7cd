/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestConversations"

#include "config.h"

#include "kith-conversations.h"
#include "service-test-util.h"

#define ADA 1
#define BOB 2
#define CY  3

typedef struct {
  char              *dir;
  KithMessageStore  *store;
  KithUser          *user;
  KithContactList   *contacts;
  KithConversations *conversations;
  GPtrArray         *received;    /* KithMessage, as message-received came */
} Fixture;

static void
on_received (KithConversations *conversations,
             KithContact       *contact,
             KithMessage       *message,
             Fixture           *fixture)
{
  g_assert_cmpint (kith_contact_get_id (contact), ==, kith_message_get_peer_id (message));
  g_ptr_array_add (fixture->received, g_object_ref (message));
}

static void
add_contact (KithContactList *contacts,
             gint64           id,
             const char      *email)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CONTACT_ACCEPTED);

  frame->user = kith_user_info_new ();
  frame->user->id = id;
  frame->user->email = g_strdup (email);
  kith_contact_list_handle_change (contacts, frame);
}

static KithConversations *
new_conversations (Fixture *fixture)
{
  KithConversations *conversations = kith_conversations_new (fixture->contacts);

  kith_conversations_attach (conversations, fixture->user, NULL, fixture->store);
  g_signal_connect (conversations, "message-received", G_CALLBACK (on_received), fixture);
  return conversations;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (KithUserInfo) ada = kith_user_info_new ();
  g_autofree char *path = NULL;

  fixture->dir = svc_test_make_dir ("conversations");
  path = g_build_filename (fixture->dir, "1.db", NULL);
  fixture->store = svc_test_store_open (path);
  ada->id = ADA;
  ada->email = g_strdup ("ada@example.com");
  fixture->user = kith_user_new (ada);
  fixture->contacts = kith_contact_list_new ();
  add_contact (fixture->contacts, BOB, "bob@example.com");
  fixture->received = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->conversations = new_conversations (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->conversations);
  svc_test_store_close (fixture->store);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->contacts);
  g_clear_object (&fixture->user);
  g_clear_pointer (&fixture->received, g_ptr_array_unref);
  g_clear_pointer (&fixture->dir, g_free);
}

static KithFrame *
message_frame (gint64      seq,
               gint64      from,
               gint64      to,
               const char *body)
{
  KithFrame *frame = kith_frame_new (KITH_FRAME_MESSAGE);

  frame->seq = seq;
  frame->id = g_strdup_printf ("m%" G_GINT64_FORMAT, seq);
  frame->from = from;
  frame->to = to;
  frame->body = g_strdup (body);
  frame->sent_at = 1000 * seq;
  return frame;
}

static GListModel *
conversation_with (Fixture *fixture,
                   gint64   peer)
{
  return kith_conversations_get (fixture->conversations,
                                 kith_contact_list_find (fixture->contacts, peer));
}

static gint64
stored_last_seq (KithMessageStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 seq;

  kith_message_store_get_last_seq_async (store, NULL, svc_test_store_result, &result);
  seq = kith_message_store_get_last_seq_finish (store, svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return seq;
}

/* New messages are shown, counted and announced once; a replay is not. */
static void
test_incoming (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (KithFrame) first = message_frame (1, BOB, ADA, "hello");
  g_autoptr (KithFrame) from_cy = message_frame (2, CY, ADA, "hi, it's Cy");
  g_autoptr (KithConversations) again = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithMessage) message = NULL;
  GListModel *bob;

  kith_conversations_handle_message (fixture->conversations, first);
  kith_conversations_handle_message (fixture->conversations, first);
  bob = conversation_with (fixture, BOB);
  g_assert_cmpuint (g_list_model_get_n_items (bob), ==, 1);
  message = g_list_model_get_item (bob, 0);
  g_assert_cmpstr (kith_message_get_body (message), ==, "hello");
  g_assert_cmpint (kith_message_get_direction (message), ==, KITH_MESSAGE_INCOMING);
  g_assert_cmpint (kith_message_get_state (message), ==, KITH_MESSAGE_SENT);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  g_assert_cmpuint (kith_contact_get_unread_count (kith_contact_list_find (fixture->contacts, BOB)),
                    ==, 1);

  /* Not listed even once the list is known (a former contact): shown in
   * its conversation, never announced. */
  kith_conversations_handle_message (fixture->conversations, from_cy);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  kith_conversations_announce_waiting (fixture->conversations);
  add_contact (fixture->contacts, CY, "cy@example.com");
  kith_conversations_announce_waiting (fixture->conversations);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (conversation_with (fixture, CY)), ==, 1);
  g_assert_cmpint (kith_conversations_get_last_seq (fixture->conversations), ==, 2);

  kith_conversations_mark_read (fixture->conversations,
                                kith_contact_list_find (fixture->contacts, BOB));
  g_assert_cmpuint (kith_contact_get_unread_count (kith_contact_list_find (fixture->contacts, BOB)),
                    ==, 0);

  /* What was received reaches the store with the last seq, at the latest
   * when the conversations are cleared. */
  kith_conversations_clear (fixture->conversations);
  g_assert_cmpint (kith_conversations_get_last_seq (fixture->conversations), ==, 0);
  g_assert_cmpint (stored_last_seq (fixture->store), ==, 2);
  again = new_conversations (fixture);
  kith_conversations_load_async (again, NULL, svc_test_store_result, &result);
  g_assert_true (kith_conversations_load_finish (again, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_conversations_get_last_seq (again), ==, 2);
}

/* The announcement of a message from a contact listed after it came. */
static void
test_announce_waiting (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr (KithFrame) from_cy = message_frame (1, CY, ADA, "hi, it's Cy");

  kith_conversations_handle_message (fixture->conversations, from_cy);
  g_assert_cmpuint (fixture->received->len, ==, 0);
  add_contact (fixture->contacts, CY, "cy@example.com");
  kith_conversations_announce_waiting (fixture->conversations);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  kith_conversations_announce_waiting (fixture->conversations);
  g_assert_cmpuint (fixture->received->len, ==, 1);
}

/* A new device: what the first welcome says exists is history, shown
 * but not announced. */
static void
test_history_not_news (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr (KithFrame) old = message_frame (3, BOB, ADA, "old");
  g_autoptr (KithFrame) news = message_frame (6, BOB, ADA, "new");

  kith_conversations_connected (fixture->conversations, 5);
  kith_conversations_handle_message (fixture->conversations, old);
  g_assert_cmpuint (fixture->received->len, ==, 0);
  kith_conversations_handle_message (fixture->conversations, news);
  g_assert_cmpuint (fixture->received->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (conversation_with (fixture, BOB)), ==, 2);
}

static KithMessage *
send (KithConversations  *conversations,
      KithContact        *contact,
      const char         *body,
      GError            **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  kith_conversations_send_async (conversations, contact, body, NULL, svc_test_store_result, &result);
  return kith_conversations_send_finish (conversations, svc_test_wait_result (&result), error);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

/* A message is pending in the outbox until its ack; what is still there
 * is read back from the store. */
static void
test_outbox (Fixture       *fixture,
             gconstpointer  data)
{
  KithContact *bob = kith_contact_list_find (fixture->contacts, BOB);
  g_autofree char *long_body = g_strnfill (KITH_MAX_MESSAGE_BODY_BYTES + 1, 'x');
  g_autoptr (KithMessage) sent = NULL;
  g_autoptr (KithMessage) waiting = NULL;
  g_autoptr (KithMessage) refused = NULL;
  g_autoptr (KithMessage) shown = NULL;
  g_autoptr (KithFrame) ack = kith_frame_new (KITH_FRAME_MESSAGE_ACK);
  g_autoptr (KithFrame) read = kith_frame_new (KITH_FRAME_MESSAGE_READ);
  g_autoptr (KithConversations) again = NULL;
  g_autoptr (KithConversations) signed_out = kith_conversations_new (fixture->contacts);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  guint notified = 0;

  g_signal_connect (fixture->conversations, "notify::outbox-length",
                    G_CALLBACK (on_notify), &notified);
  sent = send (fixture->conversations, bob, "one", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kith_message_get_state (sent), ==, KITH_MESSAGE_PENDING);
  g_assert_cmpint (kith_message_get_direction (sent), ==, KITH_MESSAGE_OUTGOING);
  g_assert_cmpuint (kith_conversations_get_outbox_length (fixture->conversations), ==, 1);
  g_assert_cmpuint (notified, ==, 1);

  ack->id = g_strdup (kith_message_get_id (sent));
  ack->seq = 7;
  ack->sent_at = 7000;
  kith_conversations_handle_ack (fixture->conversations, ack);
  g_assert_cmpint (kith_message_get_state (sent), ==, KITH_MESSAGE_SENT);
  g_assert_cmpint (kith_message_get_seq (sent), ==, 7);
  g_assert_cmpuint (kith_conversations_get_outbox_length (fixture->conversations), ==, 0);
  g_assert_cmpuint (notified, ==, 2);

  read->from = BOB;
  read->to = ADA;
  read->up_to = 7;
  kith_conversations_handle_read (fixture->conversations, read);
  g_assert_cmpint (kith_message_get_state (sent), ==, KITH_MESSAGE_READ);

  refused = send (fixture->conversations, bob, long_body, &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG);
  g_assert_null (refused);
  g_clear_error (&error);
  refused = send (signed_out, bob, "nobody signed in", &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  waiting = send (fixture->conversations, bob, "two", &error);
  g_assert_no_error (error);
  kith_conversations_clear (fixture->conversations);
  g_assert_cmpuint (kith_conversations_get_outbox_length (fixture->conversations), ==, 0);

  again = new_conversations (fixture);
  kith_conversations_load_async (again, NULL, svc_test_store_result, &result);
  g_assert_true (kith_conversations_load_finish (again, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kith_conversations_get_outbox_length (again), ==, 1);
  shown = g_list_model_get_item (kith_conversations_get (again, bob), 0);
  g_assert_cmpstr (kith_message_get_id (shown), ==, kith_message_get_id (waiting));
  g_assert_cmpint (kith_message_get_state (shown), ==, KITH_MESSAGE_PENDING);
}

static gboolean
has_items (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

/* A conversation shows the cache's newest page at once; with the server
 * out of reach, the cache is what there is, older pages too. */
static void
test_history_from_cache (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", svc_test_free_port ());
  g_autoptr (SoupSession) soup = soup_session_new ();
  g_autoptr (KithApiClient) api = kith_api_client_new (url, soup);
  g_autoptr (GPtrArray) history = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KithContact *bob = kith_contact_list_find (fixture->contacts, BOB);
  GListModel *model;
  int added;

  for (gint64 seq = 1; seq <= 60; seq++) {
    KithMessageInfo *info = kith_message_info_new ();

    info->seq = seq;
    info->id = g_strdup_printf ("h%" G_GINT64_FORMAT, seq);
    info->from = seq % 2 ? BOB : ADA;
    info->to = seq % 2 ? ADA : BOB;
    info->body = g_strdup_printf ("message %" G_GINT64_FORMAT, seq);
    info->sent_at = seq * 1000;
    g_ptr_array_add (history, info);
  }
  kith_message_store_save_messages_async (fixture->store, history, 60, NULL, NULL, NULL);
  kith_conversations_attach (fixture->conversations, fixture->user, api, fixture->store);

  model = kith_conversations_get (fixture->conversations, bob);
  g_assert_true (kithd_test_wait_until (has_items, model, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 50);

  kith_conversations_load_older_async (fixture->conversations, bob, NULL,
                                       svc_test_store_result, &result);
  added = kith_conversations_load_older_finish (fixture->conversations,
                                                svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (added, ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 60);
}

static int
load_older (Fixture *fixture,
            gint64   peer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  int added;

  kith_conversations_load_older_async (fixture->conversations,
                                       kith_contact_list_find (fixture->contacts, peer), NULL,
                                       svc_test_store_result, &result);
  added = kith_conversations_load_older_finish (fixture->conversations,
                                                svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return added;
}

static gint64
seq_at (GListModel *model,
        guint       position)
{
  g_autoptr (KithMessage) message = g_list_model_get_item (model, position);

  g_assert_nonnull (message);
  return kith_message_get_seq (message);
}

static gboolean
stored_up_to (gpointer data)
{
  Fixture *fixture = data;

  return stored_last_seq (fixture->store) == GPOINTER_TO_INT (g_object_get_data (G_OBJECT (fixture->store), "want"));
}

static void
wait_stored (Fixture *fixture,
             gint64   seq)
{
  g_object_set_data (G_OBJECT (fixture->store), "want", GINT_TO_POINTER ((int) seq));
  g_assert_true (kithd_test_wait_until (stored_up_to, fixture, 10000));
}

static void
count_change (guint *changes)
{
  (*changes)++;
}

/* Memory stays flat: a conversation nobody shows keeps its newest page;
 * older pages come back from the store when asked for, and go again when
 * the conversation is closed. */
static void
test_forget (Fixture       *fixture,
             gconstpointer  data)
{
  KithContact *bob = kith_contact_list_find (fixture->contacts, BOB);
  guint page = kith_conversations_get_page_size (fixture->conversations);
  /* A server out of reach: older pages come from the store alone. */
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", svc_test_free_port ());
  g_autoptr (SoupSession) soup = soup_session_new ();
  g_autoptr (KithApiClient) api = kith_api_client_new (url, soup);
  GListModel *model;

  g_assert_cmpuint (page, ==, 50);
  kith_conversations_attach (fixture->conversations, fixture->user, api, fixture->store);
  for (gint64 seq = 1; seq <= 120; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "hello");

    kith_conversations_handle_message (fixture->conversations, frame);
  }
  /* Every message was counted and announced, and is in the store. */
  g_assert_cmpuint (fixture->received->len, ==, 120);
  g_assert_cmpuint (kith_contact_get_unread_count (bob), ==, 120);
  wait_stored (fixture, 120);

  model = conversation_with (fixture, BOB);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, page);
  g_assert_cmpint (seq_at (model, 0), ==, 71);
  g_assert_cmpint (seq_at (model, page - 1), ==, 120);

  /* Shown: older pages come back from the store, and stay; each page at
   * once (one items-changed: a list view showing the chat takes each one
   * in with work that grows with the chat). */
  {
    guint changes = 0;
    gulong id = g_signal_connect_swapped (model, "items-changed", G_CALLBACK (count_change), &changes);

    g_assert_cmpint (load_older (fixture, BOB), ==, 50);
    g_assert_cmpuint (changes, ==, 1);
    g_assert_cmpint (load_older (fixture, BOB), ==, 20);
    g_assert_cmpuint (changes, ==, 2);
    g_signal_handler_disconnect (model, id);
  }
  g_assert_cmpint (load_older (fixture, BOB), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 120);
  for (guint i = 0; i < 120; i++)
    g_assert_cmpint (seq_at (model, i), ==, i + 1);

  /* Closed: the newest page again. A replay of a forgotten message does
   * not come back into the model out of its place. */
  kith_conversations_close (fixture->conversations, bob);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, page);
  g_assert_cmpint (seq_at (model, 0), ==, 71);
  {
    g_autoptr (KithFrame) replay = message_frame (5, BOB, ADA, "hello");

    kith_conversations_handle_message (fixture->conversations, replay);
  }
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, page);
  g_assert_cmpint (seq_at (model, 0), ==, 71);

  /* Shown again, a long-open chat: nothing is dropped until the view asks. */
  model = conversation_with (fixture, BOB);
  for (gint64 seq = 121; seq <= 130; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "more");

    kith_conversations_handle_message (fixture->conversations, frame);
  }
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, page + 10);
  kith_conversations_forget_older (fixture->conversations, bob, 10);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 10);
  g_assert_cmpint (seq_at (model, 0), ==, 121);
  g_assert_cmpint (seq_at (model, 9), ==, 130);
  /* …and what it dropped comes back in order. */
  g_assert_cmpint (load_older (fixture, BOB), ==, 50);
  g_assert_cmpint (seq_at (model, 0), ==, 71);
  g_assert_cmpint (seq_at (model, 59), ==, 130);
}

static guint
stored_unread (KithMessageStore *store,
               gint64            peer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) counts = NULL;

  kith_message_store_load_unread_async (store, NULL, svc_test_store_result, &result);
  counts = kith_message_store_unread_finish (store, svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < counts->len; i++) {
    if (g_array_index (counts, KithUnreadCount, i).peer_id == peer)
      return g_array_index (counts, KithUnreadCount, i).count;
  }
  return 0;
}

typedef struct {
  Fixture *fixture;
  gint64   peer;
  guint    count;
} WaitUnread;

static gboolean
unread_stored (gpointer data)
{
  WaitUnread *w = data;

  return stored_unread (w->fixture->store, w->peer) == w->count;
}

static guint
cached_unread (Fixture *fixture,
               gint64   peer)
{
  g_autoptr (KithContactList) contacts = kith_contact_list_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_contact_list_attach (contacts, fixture->user, NULL, fixture->store);
  kith_contact_list_load_async (contacts, fixture->store, NULL, svc_test_store_result, &result);
  g_assert_true (kith_contact_list_finish (contacts, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
  return kith_contact_get_unread_count (kith_contact_list_find (contacts, peer));
}

/* Unread counts are kept in the store: the contacts cache read at the
 * next start has them; reading (here or on another device) zeroes them. */
static void
test_unread_kept (Fixture       *fixture,
                  gconstpointer  data)
{
  KithContact *bob = kith_contact_list_find (fixture->contacts, BOB);
  g_autoptr (GPtrArray) cache = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  KithContactInfo *info = kith_contact_info_new ();
  WaitUnread w = { fixture, BOB, 3 };

  /* The contacts cache knows Bob. */
  info->user = kith_user_info_new ();
  info->user->id = BOB;
  info->user->email = g_strdup ("bob@example.com");
  info->state = KITH_CONTACT_ACCEPTED;
  g_ptr_array_add (cache, info);
  kith_message_store_save_contacts_async (fixture->store, cache, NULL, NULL, NULL);

  for (gint64 seq = 1; seq <= 3; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "hello");

    kith_conversations_handle_message (fixture->conversations, frame);
  }
  g_assert_cmpuint (kith_contact_get_unread_count (bob), ==, 3);
  g_assert_true (kithd_test_wait_until (unread_stored, &w, 10000));
  g_assert_cmpuint (cached_unread (fixture, BOB), ==, 3);

  /* Read here. */
  kith_conversations_mark_read (fixture->conversations, bob);
  g_assert_cmpuint (stored_unread (fixture->store, BOB), ==, 0);
  g_assert_cmpuint (cached_unread (fixture, BOB), ==, 0);

  /* Two more, then read on another device of Ada's. */
  for (gint64 seq = 4; seq <= 5; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "hello");

    kith_conversations_handle_message (fixture->conversations, frame);
  }
  w.count = 2;
  g_assert_true (kithd_test_wait_until (unread_stored, &w, 10000));
  {
    g_autoptr (KithFrame) read = kith_frame_new (KITH_FRAME_MESSAGE_READ);

    read->from = ADA;
    read->to = BOB;
    read->up_to = 5;
    kith_conversations_handle_read (fixture->conversations, read);
  }
  g_assert_cmpuint (kith_contact_get_unread_count (bob), ==, 0);
  g_assert_cmpuint (cached_unread (fixture, BOB), ==, 0);

  /* Two more, seen between two read markers: zero at once, and kept so
   * with the next batch. */
  for (gint64 seq = 6; seq <= 7; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "hello");

    kith_conversations_handle_message (fixture->conversations, frame);
  }
  w.count = 2;
  g_assert_true (kithd_test_wait_until (unread_stored, &w, 10000));
  kith_conversations_clear_unread (fixture->conversations, bob);
  g_assert_cmpuint (kith_contact_get_unread_count (bob), ==, 0);
  w.count = 0;
  g_assert_true (kithd_test_wait_until (unread_stored, &w, 10000));
  g_assert_cmpuint (cached_unread (fixture, BOB), ==, 0);
}

/* A batch of incoming messages that fills up is saved at once, and the
 * timeout that was waiting to save it goes with it: freed right after, the
 * conversations leave no timeout behind to run on them (it did: a
 * use-after-free 20 ms later, seen under ASan). */
static gboolean
true_after_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_full_batch_freed (Fixture       *fixture,
                       gconstpointer  data)
{
  KithConversations *conversations = fixture->conversations;
  gboolean waited = FALSE;

  for (gint64 seq = 1; seq <= 200; seq++) {
    g_autoptr (KithFrame) frame = message_frame (seq, BOB, ADA, "hello");

    kith_conversations_handle_message (conversations, frame);
  }
  g_object_add_weak_pointer (G_OBJECT (conversations), (gpointer *) &conversations);
  g_clear_object (&fixture->conversations);
  g_assert_null (conversations);

  /* Longer than a batch's timeout (20 ms). */
  g_timeout_add (100, true_after_timeout, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/conversations/incoming", test_incoming);
  ADD ("/conversations/announce-waiting", test_announce_waiting);
  ADD ("/conversations/history-not-news", test_history_not_news);
  ADD ("/conversations/forget", test_forget);
  ADD ("/conversations/unread-kept", test_unread_kept);
  ADD ("/conversations/full-batch-freed", test_full_batch_freed);
  ADD ("/conversations/outbox", test_outbox);
  ADD ("/conversations/history-from-cache", test_history_from_cache);
#undef ADD

  return svc_test_run (NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-crypto.h"
#include "kithd-db-messages.h"
#include "kithd-hub-private.h"

/*
 * A socket's sign-in: hello (token → session on the db worker) → welcome
 * {user, seq}, seq being the user's newest message then; the messages
 * after the hello's resume_after up to that seq, in pages of REPLAY_PAGE
 * (what is published meanwhile waits in conn->held, so the missed come
 * first and nothing twice); then the presence of each contact who is not
 * offline; then the user's own presence goes out.
 */

#define REPLAY_PAGE 200

static void
on_replay_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data);

static void
conn_finish_sign_in (HubConn *conn)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  GHashTableIter iter;
  gint64 *id;

  /* The replay is done: what was published meanwhile, in order... */
  if (conn->held != NULL) {
    g_autoptr (GPtrArray) held = g_steal_pointer (&conn->held);

    for (guint i = 0; i < held->len; i++)
      kithd_hub_conn_send (conn, g_ptr_array_index (held, i));
  }

  /* ...each accepted contact who is not offline... */
  g_hash_table_iter_init (&iter, user->contacts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL)) {
    HubUser *contact = kithd_hub_user_get (self, *id);

    if (contact && contact->visible != KITH_PRESENCE_OFFLINE) {
      g_autoptr (GBytes) bytes = kithd_hub_presence_bytes (contact->id, contact->visible);

      kithd_hub_conn_send (conn, bytes);
    }
  }

  /* ...then our own change goes out. */
  kithd_hub_user_update_presence (self, user);
}

static void
conn_replay_page (HubConn *conn,
                  gint64   after)
{
  conn->replay_after = after;
  kithd_db_list_messages_async (conn->hub->db, conn->user->id, after, REPLAY_PAGE,
                                NULL, on_replay_done, kithd_hub_conn_ref (conn));
}

static void
on_replay_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  HubConn *conn = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = kithd_db_list_messages_finish (KITHD_DB (source), result, &error);
  gint64 after = conn->replay_after;
  gint64 last = after;
  gboolean more;

  if (!kithd_hub_conn_usable (conn) || !conn->user)
    goto out;

  if (!messages) {
    g_message ("Replaying messages failed: %s", error->message);
    kithd_hub_conn_send_error (conn, KITH_ERROR_INTERNAL, "Could not replay messages", NULL);
    conn_finish_sign_in (conn);
    goto out;
  }

  for (guint i = 0; i < messages->len; i++) {
    KithMessageInfo *msg = g_ptr_array_index (messages, i);
    g_autoptr (GBytes) bytes = NULL;

    /* Newer messages reach this connection live. */
    if (msg->seq > conn->welcome_seq)
      break;
    bytes = kithd_hub_message_bytes (msg);
    kithd_hub_conn_send (conn, bytes);
    last = msg->seq;
  }

  more = messages->len == REPLAY_PAGE && last < conn->welcome_seq && last > after;
  if (more)
    conn_replay_page (conn, last);
  else
    conn_finish_sign_in (conn);

out:
  kithd_hub_conn_unref (conn);
}

static void
on_hello_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  HubConn *conn = user_data;
  KithdHub *self = conn->hub;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdSession) session = NULL;
  g_autoptr (KithdUser) me = NULL;
  g_autoptr (GArray) contact_ids = NULL;
  g_autoptr (KithFrame) welcome = NULL;
  gint64 last_seq = 0;
  HubUser *user;

  session = kithd_db_hello_finish (KITHD_DB (source), result, &me, &last_seq, &contact_ids, &error);
  conn->hello_pending = FALSE;
  if (!kithd_hub_conn_usable (conn))
    goto out;

  if (!session) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_UNAUTHORIZED, "This session has ended: please sign in again", NULL);
      kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
    } else {
      g_message ("Signing a socket in failed: %s", error->message);
      kithd_hub_conn_send_error (conn, KITH_ERROR_INTERNAL, "The server could not sign you in", NULL);
    }
    goto out;
  }

  user = kithd_hub_user_get (self, session->user_id);
  if (!user) {
    user = g_new0 (HubUser, 1);
    user->id = session->user_id;
    user->conns = g_ptr_array_new ();
    user->calls = g_hash_table_new (NULL, NULL);
    user->contacts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
    user->chosen = KITH_CHOSEN_ONLINE;
    user->visible = KITH_PRESENCE_OFFLINE;
    for (guint i = 0; i < contact_ids->len; i++)
      kithd_hub_user_add_contact (user, g_array_index (contact_ids, gint64, i));
    g_hash_table_insert (self->users, &user->id, user);
  }

  conn->user = user;
  conn->session_id = session->id;
  conn->kind = session->device_kind;
  conn->welcome_seq = last_seq;
  g_ptr_array_add (user->conns, conn);

  welcome = kith_frame_new (KITH_FRAME_WELCOME);
  welcome->user = kithd_user_to_info (me, TRUE);
  welcome->seq = last_seq;
  kithd_hub_conn_send_frame (conn, welcome);

  /* What the call frames of the claim bring waits for the replay too. */
  if (conn->resume_after < last_seq)
    conn->held = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  {
    g_autoptr (KithCallClaim) claim = g_steal_pointer (&conn->claim);

    kithd_hub_call_claim (conn, claim);
  }

  if (conn->held != NULL)
    conn_replay_page (conn, conn->resume_after);
  else
    conn_finish_sign_in (conn);

out:
  kithd_hub_conn_unref (conn);
}

void
kithd_hub_sign_in (HubConn         *conn,
                   const KithFrame *hello)
{
  g_autofree char *token_hash = kithd_crypto_token_hash (hello->token);

  conn->hello_pending = TRUE;
  conn->resume_after = MAX (hello->resume_after, 0);
  if (hello->claim) {
    conn->claim = kith_call_claim_new ();
    conn->claim->call_id = g_strdup (hello->claim->call_id);
    conn->claim->peer = hello->claim->peer;
    conn->claim->caller = hello->claim->caller;
    conn->claim->video = hello->claim->video;
    conn->claim->elapsed = hello->claim->elapsed;
  }
  kithd_db_hello_async (conn->hub->db, token_hash, NULL, on_hello_done, kithd_hub_conn_ref (conn));
}

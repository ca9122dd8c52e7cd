/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-crypto.h"
#include "kithd-hub.h"
#include "kithd-db-messages.h"
#include "kithd-ws.h"

#define REPLAY_PAGE 200
/* Calls a user may have placed and not ended, and calls from others that
 * may ring or run for one user: thousands of invites cost nothing. */
#define MAX_CALLS_OUT 8
#define MAX_CALLS_IN  32

typedef struct _HubUser HubUser;
typedef struct _HubConn HubConn;

typedef struct {
  char    *key;        /* "CALLER CALL_ID": a call id is its caller's own */
  char    *call_id;
  gint64   caller;
  gint64   callee;
  gboolean answered;
} HubCall;

struct _HubUser
{
  gint64            id;
  GPtrArray        *conns;      /* HubConn, not owned */
  GHashTable       *contacts;   /* accepted contact ids (gint64*) */
  GHashTable       *calls;      /* HubCall set, not owned */
  guint             n_calls_out;
  guint             n_calls_in;
  guint             n_answered;
  KithChosenStatus  chosen;
  KithPresence      visible;
};

struct _HubConn
{
  gint          ref_count;
  KithdHub     *hub;            /* not owned; NULL once dropped */
  KithdWsConn  *ws;
  HubUser      *user;           /* set at welcome */
  guint         index;          /* in hub->conns */
  guint64       id;             /* unique: names the connection to publish () */
  gint64        session_id;
  gint64        opened_at;      /* monotonic µs */
  gint64        pinged_at;
  gint64        welcome_seq;
  gint64        resume_after;   /* the hello's */
  gint64        replayed_to;    /* the seq the replay page asked for starts after */
  GPtrArray    *held;           /* GBytes published while the replay runs; NULL after */
  KithDeviceKind kind;
  gdouble       msg_tokens;     /* the message rate's bucket */
  gint64        msg_refill_at;
  gint64        msg_blocked_until;
  guint         idle : 1;
  guint         hello_pending : 1;
  guint         dropped : 1;
};

typedef void (*HubPublishFunc) (KithdHub     *self,
                                const gint64 *user_ids,
                                guint         n_user_ids,
                                guint64       except_conn,
                                GBytes       *frame);

struct _KithdHub
{
  GObject            parent_instance;

  KithdDb           *db;
  KithdMailer       *mailer;
  const KithdConfig *config;

  GPtrArray         *conns;     /* HubConn, every open connection */
  GHashTable        *live;      /* HubConns whose stream is not closed yet */
  GHashTable        *users;     /* gint64* -> HubUser */
  GHashTable        *calls;     /* HubCall.key -> HubCall */
  guint              tick_id;
  guint64            last_conn_id;

  /* The fan-out step: in-process now, a pub/sub engine later. */
  HubPublishFunc     publish;
};

G_DEFINE_FINAL_TYPE (KithdHub, kithd_hub, G_TYPE_OBJECT)

static void hub_conn_drop (HubConn *conn, guint16 code);

/* ---- helpers ---- */

static GBytes *
frame_bytes (const KithFrame *frame)
{
  gsize len = 0;
  char *json = kith_frame_to_json (frame, KITH_ORIGIN_SERVER, &len);

  return g_bytes_new_take (json, len);
}

static GBytes *
error_bytes (KithErrorCode  code,
             const char    *message,
             const char    *ref)
{
  gsize len = 0;
  char *json = kith_frame_error_json (code, message, ref, &len);

  return g_bytes_new_take (json, len);
}

static HubConn *
hub_conn_ref (HubConn *conn)
{
  conn->ref_count++;
  return conn;
}

static void
hub_conn_unref (HubConn *conn)
{
  if (--conn->ref_count > 0)
    return;
  g_clear_pointer (&conn->held, g_ptr_array_unref);
  g_clear_pointer (&conn->ws, kithd_ws_conn_unref);
  g_free (conn);
}

static gboolean
conn_usable (HubConn *conn)
{
  return !conn->dropped && conn->ws && kithd_ws_conn_is_open (conn->ws);
}

static void
conn_send (HubConn *conn,
           GBytes  *bytes)
{
  if (conn_usable (conn))
    kithd_ws_conn_send_text (conn->ws, bytes);
}

static void
conn_send_frame (HubConn         *conn,
                 const KithFrame *frame)
{
  g_autoptr (GBytes) bytes = frame_bytes (frame);

  conn_send (conn, bytes);
}

static void
conn_send_error (HubConn       *conn,
                 KithErrorCode  code,
                 const char    *message,
                 const char    *ref)
{
  g_autoptr (GBytes) bytes = error_bytes (code, message, ref);

  conn_send (conn, bytes);
}

static void
hub_user_free (HubUser *user)
{
  g_ptr_array_unref (user->conns);
  g_hash_table_unref (user->contacts);
  g_hash_table_unref (user->calls);
  g_free (user);
}

static HubUser *
hub_user_get (KithdHub *self,
              gint64    id)
{
  return g_hash_table_lookup (self->users, &id);
}

static gboolean
hub_user_has_contact (HubUser *user,
                      gint64   other)
{
  return g_hash_table_contains (user->contacts, &other);
}

static void
hub_user_add_contact (HubUser *user,
                      gint64   other)
{
  gint64 *key = g_new (gint64, 1);

  *key = other;
  g_hash_table_add (user->contacts, key);
}

/* In-process fan-out: every welcomed connection of each user but the one
 * whose id is @except_conn (the sender's own socket; 0: none). */
static void
local_publish (KithdHub     *self,
               const gint64 *user_ids,
               guint         n_user_ids,
               guint64       except_conn,
               GBytes       *frame)
{
  for (guint i = 0; i < n_user_ids; i++) {
    HubUser *user = hub_user_get (self, user_ids[i]);

    if (!user)
      continue;
    for (guint j = 0; j < user->conns->len; j++) {
      HubConn *conn = g_ptr_array_index (user->conns, j);

      if (except_conn != 0 && conn->id == except_conn)
        continue;
      /* Live frames wait for the replay: the protocol promises the missed
       * messages first, and a client keeps only the highest seq it saw. */
      if (conn->held != NULL)
        g_ptr_array_add (conn->held, g_bytes_ref (frame));
      else
        conn_send (conn, frame);
    }
  }
}

static void
publish_one (KithdHub *self,
             gint64    user_id,
             GBytes   *frame)
{
  self->publish (self, &user_id, 1, 0, frame);
}

static GBytes *
presence_bytes (gint64       user_id,
                KithPresence presence)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PRESENCE);

  frame->user_id = user_id;
  frame->presence = presence;
  return frame_bytes (frame);
}

static void
hub_user_update_presence (KithdHub *self,
                          HubUser  *user)
{
  g_autoptr (GArray) devices = g_array_new (FALSE, FALSE, sizeof (KithDeviceState));
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GHashTableIter iter;
  gint64 *id;
  gboolean in_call = FALSE;
  KithPresence presence;

  for (guint i = 0; i < user->conns->len; i++) {
    HubConn *conn = g_ptr_array_index (user->conns, i);
    KithDeviceState state = { conn->kind, conn->idle };

    g_array_append_val (devices, state);
  }
  in_call = user->n_answered > 0;

  presence = kith_presence_resolve (user->chosen, (const KithDeviceState *) devices->data,
                                    devices->len, in_call);
  if (presence == user->visible)
    return;
  user->visible = presence;

  /* One frame, serialised once, shared by every receiver. */
  bytes = presence_bytes (user->id, presence);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), g_hash_table_size (user->contacts));
  g_hash_table_iter_init (&iter, user->contacts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_array_append_val (ids, *id);
  self->publish (self, (const gint64 *) ids->data, ids->len, 0, bytes);
}

/* ---- calls ---- */

static char *
call_key (gint64      caller,
          const char *call_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", caller, call_id);
}

static void
user_track_call (HubUser *user,
                 HubCall *call)
{
  if (!user || !g_hash_table_add (user->calls, call))
    return;
  if (call->caller == user->id)
    user->n_calls_out++;
  else
    user->n_calls_in++;
  if (call->answered)
    user->n_answered++;
}

static void
user_untrack_call (HubUser *user,
                   HubCall *call)
{
  if (!user || !g_hash_table_remove (user->calls, call))
    return;
  if (call->caller == user->id)
    user->n_calls_out--;
  else
    user->n_calls_in--;
  if (call->answered)
    user->n_answered--;
}

/* O(1): the parties' sets and the hub's table. */
static void
hub_call_end (KithdHub *self,
              HubCall  *call)
{
  gint64 parties[2] = { call->caller, call->callee };
  gboolean answered = call->answered;

  for (guint i = 0; i < 2; i++)
    user_untrack_call (hub_user_get (self, parties[i]), call);
  g_hash_table_remove (self->calls, call->key);   /* frees it */

  if (answered) {
    for (guint i = 0; i < 2; i++) {
      HubUser *user = hub_user_get (self, parties[i]);

      if (user)
        hub_user_update_presence (self, user);
    }
  }
}

/* The call a frame from @from to frame->to is about, either way round. */
static HubCall *
hub_call_find (KithdHub        *self,
               HubUser         *from,
               const KithFrame *frame)
{
  g_autofree char *mine = call_key (from->id, frame->call_id);
  g_autofree char *theirs = call_key (frame->to, frame->call_id);
  HubCall *call = g_hash_table_lookup (self->calls, mine);

  if (call && call->callee == frame->to)
    return call;
  call = g_hash_table_lookup (self->calls, theirs);
  if (call && call->callee == from->id)
    return call;
  return NULL;
}

/* Before an invite is relayed: FALSE (and the caller told) when the caller
 * has placed too many calls, or the callee has too many ringing. */
static gboolean
hub_call_admit (KithdHub        *self,
                HubConn         *conn,
                const KithFrame *frame)
{
  HubUser *peer = hub_user_get (self, frame->to);

  if (hub_call_find (self, conn->user, frame))
    return TRUE;   /* the same invite again */
  if (conn->user->n_calls_out >= MAX_CALLS_OUT) {
    conn_send_error (conn, KITH_ERROR_RATE_LIMITED,
                     "Too many calls at once: end one before you start another", frame->call_id);
    return FALSE;
  }
  if (peer && peer->n_calls_in >= MAX_CALLS_IN) {
    conn_send_error (conn, KITH_ERROR_RATE_LIMITED,
                     "Your contact has too many calls waiting: try again later", frame->call_id);
    return FALSE;
  }
  return TRUE;
}

static void
hub_call_track (KithdHub        *self,
                HubUser         *from,
                const KithFrame *frame)
{
  HubCall *call = hub_call_find (self, from, frame);
  HubUser *peer = hub_user_get (self, frame->to);

  if (frame->type == KITH_FRAME_CALL_INVITE) {
    if (call)
      return;
    call = g_new0 (HubCall, 1);
    call->key = call_key (from->id, frame->call_id);
    call->call_id = g_strdup (frame->call_id);
    call->caller = from->id;
    call->callee = frame->to;
    g_hash_table_insert (self->calls, call->key, call);
    user_track_call (from, call);
    user_track_call (peer, call);
    return;
  }

  if (!call)
    return;

  switch ((int) frame->type) {
  case KITH_FRAME_CALL_ANSWER:
    if (call->answered)
      return;
    /* A party that connected after the invite tracks it from now on. */
    user_track_call (from, call);
    user_track_call (peer, call);
    call->answered = TRUE;
    if (from)
      from->n_answered++;
    if (peer)
      peer->n_answered++;
    hub_user_update_presence (self, from);
    if (peer)
      hub_user_update_presence (self, peer);
    break;

  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    hub_call_end (self, call);
    break;

  default:
    break;
  }
}

/* The user's last connection is gone: end their calls (linear: each end is
 * O(1)), peers are told. */
static void
hub_user_end_calls (KithdHub *self,
                    HubUser  *user)
{
  g_autoptr (GPtrArray) calls = g_ptr_array_sized_new (g_hash_table_size (user->calls));
  GHashTableIter iter;
  HubCall *call;

  g_hash_table_iter_init (&iter, user->calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL))
    g_ptr_array_add (calls, call);

  for (guint i = 0; i < calls->len; i++) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CALL_HANGUP);
    g_autoptr (GBytes) bytes = NULL;
    gint64 peer;

    call = g_ptr_array_index (calls, i);
    peer = call->caller == user->id ? call->callee : call->caller;
    frame->call_id = g_strdup (call->call_id);
    frame->from = user->id;
    frame->to = peer;
    frame->reason = g_strdup ("disconnected");
    bytes = frame_bytes (frame);
    hub_call_end (self, call);
    publish_one (self, peer, bytes);
  }
}

/* ---- connections ---- */

static void
hub_conn_detach_user (HubConn *conn)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;

  if (!user)
    return;
  conn->user = NULL;
  g_ptr_array_remove (user->conns, conn);

  if (user->conns->len == 0) {
    hub_user_end_calls (self, user);
    hub_user_update_presence (self, user);
    g_hash_table_remove (self->users, &user->id);
  } else {
    hub_user_update_presence (self, user);
  }
}

/* Takes @conn out of the hub now and closes its socket with @code. */
static void
hub_conn_drop (HubConn *conn,
               guint16  code)
{
  KithdHub *self = conn->hub;
  HubConn *last;

  if (conn->dropped)
    return;
  conn->dropped = TRUE;

  last = g_ptr_array_index (self->conns, self->conns->len - 1);
  last->index = conn->index;
  g_ptr_array_remove_index_fast (self->conns, conn->index);

  hub_conn_detach_user (conn);

  if (conn->ws)
    kithd_ws_conn_close (conn->ws, code, NULL);
}

static void
on_ws_closed (KithdWsConn *ws,
              guint16      code,
              gpointer     user_data)
{
  HubConn *conn = user_data;
  KithdHub *self = conn->hub;

  g_debug ("connection closed (%u)", code);
  if (self) {
    hub_conn_drop (conn, code);
    g_hash_table_remove (self->live, conn);
  }
  hub_conn_unref (conn);
}

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
      conn_send (conn, g_ptr_array_index (held, i));
  }

  /* ...each accepted contact who is not offline... */
  g_hash_table_iter_init (&iter, user->contacts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL)) {
    HubUser *contact = hub_user_get (self, *id);

    if (contact && contact->visible != KITH_PRESENCE_OFFLINE) {
      g_autoptr (GBytes) bytes = presence_bytes (contact->id, contact->visible);

      conn_send (conn, bytes);
    }
  }

  /* ...then our own change goes out. */
  hub_user_update_presence (self, user);
}

static void
conn_replay_page (HubConn *conn,
                  gint64   after)
{
  conn->replayed_to = after;
  kithd_db_list_messages_async (conn->hub->db, conn->user->id, after, REPLAY_PAGE,
                                NULL, on_replay_done, hub_conn_ref (conn));
}

static void
on_replay_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  HubConn *conn = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = kithd_db_list_messages_finish (KITHD_DB (source), result, &error);
  gint64 after = conn->replayed_to;
  gint64 last = after;
  gboolean more;

  if (!conn_usable (conn) || !conn->user)
    goto out;

  if (!messages) {
    g_message ("Replaying messages failed: %s", error->message);
    conn_send_error (conn, KITH_ERROR_INTERNAL, "Could not replay messages", NULL);
    conn_finish_sign_in (conn);
    goto out;
  }

  for (guint i = 0; i < messages->len; i++) {
    KithMessageInfo *msg = g_ptr_array_index (messages, i);
    g_autoptr (KithFrame) frame = NULL;

    /* Newer messages reach this connection live. */
    if (msg->seq > conn->welcome_seq)
      break;
    frame = kith_frame_new (KITH_FRAME_MESSAGE);
    frame->seq = msg->seq;
    frame->id = g_strdup (msg->id);
    frame->from = msg->from;
    frame->to = msg->to;
    frame->body = g_strdup (msg->body);
    frame->sent_at = msg->sent_at;
    conn_send_frame (conn, frame);
    last = msg->seq;
  }

  more = messages->len == REPLAY_PAGE && last < conn->welcome_seq && last > after;
  if (more)
    conn_replay_page (conn, last);
  else
    conn_finish_sign_in (conn);

out:
  hub_conn_unref (conn);
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
  if (!conn_usable (conn))
    goto out;

  if (!session) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
      conn_send_error (conn, KITH_ERROR_UNAUTHORIZED, "This session has ended: please sign in again", NULL);
      hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
    } else {
      g_message ("Signing a socket in failed: %s", error->message);
      conn_send_error (conn, KITH_ERROR_INTERNAL, "The server could not sign you in", NULL);
    }
    goto out;
  }

  user = hub_user_get (self, session->user_id);
  if (!user) {
    user = g_new0 (HubUser, 1);
    user->id = session->user_id;
    user->conns = g_ptr_array_new ();
    user->calls = g_hash_table_new (NULL, NULL);
    user->contacts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
    user->chosen = KITH_CHOSEN_ONLINE;
    user->visible = KITH_PRESENCE_OFFLINE;
    for (guint i = 0; i < contact_ids->len; i++)
      hub_user_add_contact (user, g_array_index (contact_ids, gint64, i));
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
  conn_send_frame (conn, welcome);

  if (conn->resume_after < last_seq) {
    conn->held = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    conn_replay_page (conn, conn->resume_after);
  } else {
    conn_finish_sign_in (conn);
  }

out:
  hub_conn_unref (conn);
}

typedef struct {
  HubConn *conn;
  char    *client_id;
} SendCtx;

static void
on_message_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SendCtx *ctx = user_data;
  HubConn *conn = ctx->conn;
  KithdHub *self = conn->hub;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithMessageInfo) msg = NULL;
  g_autoptr (KithdUser) notice_to = NULL;
  g_autoptr (KithdUser) notice_from = NULL;
  gboolean duplicate = FALSE;

  msg = kithd_db_store_message_finish (KITHD_DB (source), result, &duplicate,
                                       &notice_to, &notice_from, &error);
  if (!msg) {
    g_message ("Storing a message failed: %s", error->message);
    conn_send_error (conn, KITH_ERROR_INTERNAL, "The message could not be stored", ctx->client_id);
    goto out;
  }

  {
    g_autoptr (KithFrame) ack = kith_frame_new (KITH_FRAME_MESSAGE_ACK);

    ack->id = g_strdup (msg->id);
    ack->seq = msg->seq;
    ack->sent_at = msg->sent_at;
    conn_send_frame (conn, ack);
  }

  if (!duplicate && self) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_MESSAGE);
    g_autoptr (GBytes) bytes = NULL;

    frame->seq = msg->seq;
    frame->id = g_steal_pointer (&msg->id);
    frame->from = msg->from;
    frame->to = msg->to;
    frame->body = g_steal_pointer (&msg->body);
    frame->sent_at = msg->sent_at;
    bytes = frame_bytes (frame);

    /* The recipient's devices, and the sender's other devices. */
    publish_one (self, msg->to, bytes);
    if (msg->to != msg->from)
      self->publish (self, &msg->from, 1, conn->id, bytes);

    if (notice_to && self->mailer)
      kithd_mailer_send_offline_notice (self->mailer, notice_to, notice_from, self->config->public_url);
  }

out:
  hub_conn_unref (conn);
  g_free (ctx->client_id);
  g_free (ctx);
}

/* The socket's message rate: a bucket of config->message_burst messages
 * refilled at messages_per_second. Past it the socket is refused every
 * message until a second's worth has refilled, so that what it refuses is
 * the tail of what the client sent, and the client, told when, sends it
 * again in order. FALSE: refused (and the sender told). */
static gboolean
conn_take_message (HubConn    *conn,
                   const char *id)
{
  const KithdConfig *config = conn->hub->config;
  gdouble rate = config->messages_per_second;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (KithFrame) error = NULL;

  if (rate <= 0)
    return TRUE;

  if (conn->msg_refill_at == 0)
    conn->msg_tokens = config->message_burst;
  else
    conn->msg_tokens = MIN ((gdouble) config->message_burst,
                            conn->msg_tokens + (now - conn->msg_refill_at) * rate / G_USEC_PER_SEC);
  conn->msg_refill_at = now;

  if (now >= conn->msg_blocked_until) {
    if (conn->msg_tokens >= 1) {
      conn->msg_tokens -= 1;
      return TRUE;
    }
    conn->msg_blocked_until = now + (gint64) ((MIN (rate, (gdouble) config->message_burst) - conn->msg_tokens) /
                                             rate * G_USEC_PER_SEC) + 1;
  }

  error = kith_frame_new (KITH_FRAME_ERROR);
  error->code = KITH_ERROR_RATE_LIMITED;
  error->message = g_strdup_printf ("You are sending faster than %u messages a second: "
                                    "the rest waits a moment", config->messages_per_second);
  error->ref = g_strdup (id);
  error->retry_after_ms = MAX (1, (conn->msg_blocked_until - now + 999) / 1000);
  conn_send_frame (conn, error);
  return FALSE;
}

static void
handle_message_send (HubConn   *conn,
                     KithFrame *frame)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  HubUser *peer;
  SendCtx *ctx;

  if (!hub_user_has_contact (user, frame->to)) {
    conn_send_error (conn, KITH_ERROR_NOT_CONTACT,
                     "Messages go to accepted contacts only", frame->id);
    return;
  }
  if (!conn_take_message (conn, frame->id))
    return;

  peer = hub_user_get (self, frame->to);
  ctx = g_new0 (SendCtx, 1);
  ctx->conn = hub_conn_ref (conn);
  ctx->client_id = g_strdup (frame->id);
  kithd_db_store_message_async (self->db, frame->id, user->id, frame->to, frame->body,
                                kithd_clock_now_ms (), !peer || peer->conns->len == 0,
                                NULL, on_message_stored, ctx);
}

static void
handle_relay (HubConn   *conn,
              KithFrame *frame)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  g_autoptr (GBytes) bytes = NULL;
  gint64 to = frame->to;

  if (!hub_user_has_contact (user, to)) {
    conn_send_error (conn, KITH_ERROR_NOT_CONTACT,
                     "Calls and read receipts go to accepted contacts only", frame->call_id);
    return;
  }

  frame->from = user->id;
  bytes = frame_bytes (frame);

  if (frame->type == KITH_FRAME_MESSAGE_READ) {
    /* Both sides: the peer's devices and the reader's other devices. */
    publish_one (self, to, bytes);
    self->publish (self, &user->id, 1, conn->id, bytes);
    return;
  }

  /* call.*: every device of the peer, hidden or not. */
  if (frame->type == KITH_FRAME_CALL_INVITE && !hub_call_admit (self, conn, frame))
    return;
  publish_one (self, to, bytes);
  hub_call_track (self, user, frame);
}

static void
on_ws_text (KithdWsConn *ws,
            const char  *data,
            gsize        len,
            gpointer     user_data)
{
  HubConn *conn = user_data;
  KithdHub *self = conn->hub;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) frame = NULL;

  if (conn->dropped)
    return;

  frame = kith_frame_parse (data, len, KITH_ORIGIN_CLIENT, &error);
  if (!frame) {
    KithErrorCode code = error->domain == KITH_ERROR ? (KithErrorCode) error->code
                                                     : KITH_ERROR_INVALID_JSON;
    /* Name the refused frame, so the client knows which one failed. */
    g_autofree char *ref = kith_frame_peek_ref (data, len);

    conn_send_error (conn, code, error->message, ref);
    return;
  }

  if (frame->type == KITH_FRAME_HELLO) {
    g_autofree char *token_hash = NULL;

    if (conn->user || conn->hello_pending) {
      conn_send_error (conn, KITH_ERROR_INVALID_FIELD, "Already signed in", NULL);
      return;
    }
    conn->hello_pending = TRUE;
    conn->resume_after = MAX (frame->resume_after, 0);
    token_hash = kithd_crypto_token_hash (frame->token);
    kithd_db_hello_async (self->db, token_hash, NULL, on_hello_done, hub_conn_ref (conn));
    return;
  }

  if (!conn->user) {
    conn_send_error (conn, KITH_ERROR_NOT_SIGNED_IN, "Send hello first", NULL);
    return;
  }

  switch ((int) frame->type) {
  case KITH_FRAME_PING: {
    g_autoptr (KithFrame) pong = kith_frame_new (KITH_FRAME_PONG);

    conn_send_frame (conn, pong);
    break;
  }

  case KITH_FRAME_PRESENCE_SET:
    conn->user->chosen = frame->chosen;
    hub_user_update_presence (self, conn->user);
    break;

  case KITH_FRAME_ACTIVITY:
    conn->idle = frame->idle;
    hub_user_update_presence (self, conn->user);
    break;

  case KITH_FRAME_MESSAGE_SEND:
    handle_message_send (conn, frame);
    break;

  case KITH_FRAME_MESSAGE_READ:
  case KITH_FRAME_CALL_INVITE:
  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    handle_relay (conn, frame);
    break;

  default:
    conn_send_error (conn, KITH_ERROR_UNKNOWN_TYPE, "Clients may not send this frame", NULL);
    break;
  }
}

static const KithdWsCallbacks ws_callbacks = {
  .text = on_ws_text,
  .closed = on_ws_closed,
};

/* One timer for every connection: hello deadline, pings, dead peers. */
static gboolean
on_tick (gpointer user_data)
{
  KithdHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 hello_us = (gint64) self->config->hello_timeout_ms * 1000;
  gint64 ping_us = (gint64) self->config->ping_interval_ms * 1000;
  gint64 dead_us = (gint64) self->config->dead_after_ms * 1000;

  for (guint i = 0; i < self->conns->len;) {
    HubConn *conn = g_ptr_array_index (self->conns, i);
    gint64 quiet = now - kithd_ws_conn_get_last_seen (conn->ws);

    if (!conn->user && !conn->hello_pending && now - conn->opened_at >= hello_us) {
      hub_conn_drop (conn, KITHD_WS_CLOSE_NO_HELLO);
      continue;   /* the last one moved into slot i */
    }
    if (quiet >= dead_us) {
      hub_conn_drop (conn, KITHD_WS_CLOSE_DEAD_PEER);
      continue;
    }
    if (quiet >= ping_us && now - conn->pinged_at >= ping_us) {
      conn->pinged_at = now;
      kithd_ws_conn_send_ping (conn->ws);
    }
    i++;
  }

  return G_SOURCE_CONTINUE;
}

static void
kithd_hub_dispose (GObject *object)
{
  KithdHub *self = (KithdHub *) object;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  G_OBJECT_CLASS (kithd_hub_parent_class)->dispose (object);
}

static void
kithd_hub_finalize (GObject *object)
{
  KithdHub *self = (KithdHub *) object;

  /* Connections still open are closed without their callbacks. */
  while (self->conns->len > 0) {
    HubConn *conn = g_ptr_array_index (self->conns, 0);

    hub_conn_drop (conn, KITHD_WS_CLOSE_GOING_AWAY);
  }
  /* Their close callbacks may still come: they must not find the hub. */
  {
    GHashTableIter iter;
    HubConn *conn;

    g_hash_table_iter_init (&iter, self->live);
    while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
      conn->hub = NULL;
  }
  g_hash_table_unref (self->live);
  g_ptr_array_unref (self->conns);
  g_hash_table_unref (self->users);
  g_hash_table_unref (self->calls);
  g_clear_object (&self->db);
  g_clear_object (&self->mailer);

  G_OBJECT_CLASS (kithd_hub_parent_class)->finalize (object);
}

static void
kithd_hub_class_init (KithdHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kithd_hub_dispose;
  object_class->finalize = kithd_hub_finalize;
}

static void
hub_call_free (HubCall *call)
{
  g_free (call->key);
  g_free (call->call_id);
  g_free (call);
}

static void
kithd_hub_init (KithdHub *self)
{
  self->conns = g_ptr_array_new ();
  self->live = g_hash_table_new (NULL, NULL);
  self->users = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) hub_user_free);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) hub_call_free);
  self->publish = local_publish;
}

KithdHub *
kithd_hub_new (KithdDb           *db,
               KithdMailer       *mailer,
               const KithdConfig *config)
{
  KithdHub *self;
  guint period;

  g_return_val_if_fail (KITHD_IS_DB (db), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (KITHD_TYPE_HUB, NULL);
  self->db = g_object_ref (db);
  self->mailer = mailer ? g_object_ref (mailer) : NULL;
  self->config = config;

  period = CLAMP (MIN (config->hello_timeout_ms, config->ping_interval_ms) / 4, 50, 1000);
  self->tick_id = g_timeout_add (period, on_tick, self);

  return self;
}

static void
release_upgrade (gpointer data)
{
  kithd_upgrade_close (data);
}

void
kithd_hub_accept (KithdHub     *self,
                  KithdUpgrade *upgrade,
                  int           fd,
                  const guint8 *extra,
                  gsize         extra_len)
{
  HubConn *conn;

  g_return_if_fail (KITHD_IS_HUB (self));
  g_return_if_fail (upgrade != NULL);

  conn = g_new0 (HubConn, 1);
  conn->ref_count = 1;           /* released by on_ws_closed */
  conn->hub = self;
  conn->id = ++self->last_conn_id;
  conn->opened_at = g_get_monotonic_time ();
  conn->pinged_at = conn->opened_at;
  conn->kind = KITH_DEVICE_DESKTOP;
  conn->ws = kithd_ws_conn_new (fd, extra, extra_len, release_upgrade, upgrade,
                                KITH_MAX_FRAME_BYTES, self->config->max_send_queue,
                                &ws_callbacks, conn);
  conn->index = self->conns->len;
  g_ptr_array_add (self->conns, conn);
  g_hash_table_add (self->live, conn);
}

void
kithd_hub_close_all (KithdHub *self,
                     guint16   code)
{
  g_return_if_fail (KITHD_IS_HUB (self));

  while (self->conns->len > 0)
    hub_conn_drop (g_ptr_array_index (self->conns, self->conns->len - 1), code);
}

guint
kithd_hub_get_n_connections (KithdHub *self)
{
  g_return_val_if_fail (KITHD_IS_HUB (self), 0);

  return g_hash_table_size (self->live);
}

KithPresence
kithd_hub_get_presence (KithdHub *self,
                        gint64    user_id)
{
  HubUser *user;

  g_return_val_if_fail (KITHD_IS_HUB (self), KITH_PRESENCE_OFFLINE);

  user = hub_user_get (self, user_id);
  return user ? user->visible : KITH_PRESENCE_OFFLINE;
}

void
kithd_hub_revoke_sessions (KithdHub *self,
                           gint64    user_id,
                           GArray   *session_ids)
{
  HubUser *user;

  g_return_if_fail (KITHD_IS_HUB (self));

  user = hub_user_get (self, user_id);
  if (!user)
    return;

  for (guint i = user->conns->len; i > 0; i--) {
    HubConn *conn = g_ptr_array_index (user->conns, i - 1);
    gboolean hit = session_ids == NULL;

    for (guint j = 0; !hit && j < session_ids->len; j++)
      hit = g_array_index (session_ids, gint64, j) == conn->session_id;
    if (!hit)
      continue;

    /* Dropping the last connection may free @user. */
    if (user->conns->len == 1) {
      hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
      return;
    }
    hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
  }
}

void
kithd_hub_user_deleted (KithdHub  *self,
                        gint64     user_id,
                        GPtrArray *contacts)
{
  g_return_if_fail (KITHD_IS_HUB (self));

  kithd_hub_revoke_sessions (self, user_id, NULL);
  for (guint i = 0; contacts && i < contacts->len; i++) {
    KithdContact *contact = g_ptr_array_index (contacts, i);

    kithd_hub_contact_removed (self, user_id, contact->user->id);
  }
}

void
kithd_hub_profile_changed (KithdHub        *self,
                           const KithdUser *user,
                           GArray          *contact_ids)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PROFILE);
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (KITHD_IS_HUB (self));

  frame->user = kithd_user_to_info (user, FALSE);
  bytes = frame_bytes (frame);
  if (contact_ids)
    self->publish (self, (const gint64 *) contact_ids->data, contact_ids->len, 0, bytes);
}

void
kithd_hub_contact_requested (KithdHub         *self,
                             const KithdUser  *from,
                             const KithdUser  *to,
                             KithContactState  state)
{
  g_autoptr (KithFrame) frame = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (KITHD_IS_HUB (self));

  if (state == KITH_CONTACT_ACCEPTED) {
    kithd_hub_contact_accepted (self, from, to);
    return;
  }

  frame = kith_frame_new (KITH_FRAME_CONTACT_REQUEST);
  frame->user = kithd_user_to_info (from, FALSE);
  bytes = frame_bytes (frame);
  publish_one (self, to->id, bytes);
}

static void
send_presence_of (KithdHub *self,
                  gint64    of,
                  gint64    to,
                  gboolean  always)
{
  KithPresence presence = kithd_hub_get_presence (self, of);
  g_autoptr (GBytes) bytes = NULL;

  if (presence == KITH_PRESENCE_OFFLINE && !always)
    return;
  bytes = presence_bytes (of, presence);
  publish_one (self, to, bytes);
}

void
kithd_hub_contact_accepted (KithdHub        *self,
                            const KithdUser *a,
                            const KithdUser *b)
{
  const KithdUser *pair[2] = { a, b };

  g_return_if_fail (KITHD_IS_HUB (self));

  for (guint i = 0; i < 2; i++) {
    const KithdUser *me = pair[i];
    const KithdUser *other = pair[1 - i];
    HubUser *user = hub_user_get (self, me->id);
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CONTACT_ACCEPTED);
    g_autoptr (GBytes) bytes = NULL;

    if (user && !hub_user_has_contact (user, other->id))
      hub_user_add_contact (user, other->id);
    frame->user = kithd_user_to_info (other, FALSE);
    bytes = frame_bytes (frame);
    publish_one (self, me->id, bytes);
  }

  send_presence_of (self, a->id, b->id, FALSE);
  send_presence_of (self, b->id, a->id, FALSE);
}

void
kithd_hub_contact_removed (KithdHub *self,
                           gint64    a,
                           gint64    b)
{
  gint64 pair[2] = { a, b };

  g_return_if_fail (KITHD_IS_HUB (self));

  for (guint i = 0; i < 2; i++) {
    HubUser *user = hub_user_get (self, pair[i]);
    gboolean was_contact = user && hub_user_has_contact (user, pair[1 - i]);
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CONTACT_REMOVED);
    g_autoptr (GBytes) bytes = NULL;

    frame->user_id = pair[1 - i];
    bytes = frame_bytes (frame);
    publish_one (self, pair[i], bytes);

    if (was_contact) {
      g_autoptr (GBytes) offline = presence_bytes (pair[1 - i], KITH_PRESENCE_OFFLINE);

      g_hash_table_remove (user->contacts, &pair[1 - i]);
      publish_one (self, pair[i], offline);
    }
  }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-db-messages.h"
#include "kithd-hub-private.h"

/*
 * message.send: to accepted contacts only, at the socket's rate (a bucket
 * of message-burst refilled at messages-per-second), stored on the db
 * worker; only then message.ack to the sender and message to the
 * recipient's devices and the sender's other ones. A message to someone
 * with no connection may start an offline-mail batch: one mail to the
 * mailer.
 */

typedef struct {
  HubConn *conn;
  char    *client_id;
} SendCtx;

GBytes *
kithd_hub_message_bytes (const KithMessageInfo *msg)
{
  KithFrame frame = { 0, };

  frame.type = KITH_FRAME_MESSAGE;
  frame.seq = msg->seq;
  frame.id = msg->id;
  frame.from = msg->from;
  frame.to = msg->to;
  frame.body = msg->body;
  frame.sent_at = msg->sent_at;
  frame.kind = msg->kind;
  frame.call = msg->call;
  return kithd_hub_frame_bytes (&frame);
}

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
    kithd_hub_conn_send_error (conn, KITH_ERROR_INTERNAL, "The message could not be stored", ctx->client_id);
    goto out;
  }

  {
    g_autoptr (KithFrame) ack = kith_frame_new (KITH_FRAME_MESSAGE_ACK);

    ack->id = g_strdup (msg->id);
    ack->seq = msg->seq;
    ack->sent_at = msg->sent_at;
    kithd_hub_conn_send_frame (conn, ack);
  }

  if (!duplicate && self) {
    g_autoptr (GBytes) bytes = kithd_hub_message_bytes (msg);

    /* The recipient's devices, and the sender's other devices. */
    kithd_hub_publish_one (self, msg->to, bytes);
    if (msg->to != msg->from)
      self->publish (self, &msg->from, 1, conn->id, bytes);

    if (notice_to && self->mailer)
      kithd_mailer_send_offline_notice (self->mailer, notice_to, notice_from, self->config->public_url);
  }

out:
  kithd_hub_conn_unref (conn);
  g_free (ctx->client_id);
  g_free (ctx);
}

/* The socket's message rate: a bucket of config->message_burst messages
 * refilled at messages_per_second. Past it the socket is refused every
 * message until a second's worth has refilled, so that what it refuses is
 * the tail of what the client sent, and the client, told when, sends it
 * again in order. FALSE: refused (and the sender told). */
gboolean
kithd_hub_conn_take_message (HubConn    *conn,
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
  kithd_hub_conn_send_frame (conn, error);
  return FALSE;
}

void
kithd_hub_message_send (HubConn   *conn,
                        KithFrame *frame)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  HubUser *peer;
  SendCtx *ctx;

  if (!kithd_hub_user_has_contact (user, frame->to)) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_NOT_CONTACT,
                               "Messages go to accepted contacts only", frame->id);
    return;
  }
  if (!kithd_hub_conn_take_message (conn, frame->id))
    return;

  peer = kithd_hub_user_get (self, frame->to);
  ctx = g_new0 (SendCtx, 1);
  ctx->conn = kithd_hub_conn_ref (conn);
  ctx->client_id = g_strdup (frame->id);
  kithd_db_store_message_async (self->db, frame->id, user->id, frame->to, frame->body,
                                kithd_clock_now_ms (), !peer || peer->conns->len == 0,
                                NULL, on_message_stored, ctx);
}

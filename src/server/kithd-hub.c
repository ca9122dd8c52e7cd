/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-hub-private.h"

/*
 * The hub's object and its connections: a connection from the upgrade to
 * its close, the frames it reads (the one switch, which hands each to its
 * concern: kithd-hub-sign-in.c, -messages.c, -presence.c, -calls.c), the
 * periodic tick, the in-process fan-out step, and the REST side's
 * revocations.
 */

G_DEFINE_FINAL_TYPE (KithdHub, kithd_hub, G_TYPE_OBJECT)

GBytes *
kithd_hub_frame_bytes (const KithFrame *frame)
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

HubConn *
kithd_hub_conn_ref (HubConn *conn)
{
  conn->ref_count++;
  return conn;
}

void
kithd_hub_conn_unref (HubConn *conn)
{
  if (--conn->ref_count > 0)
    return;
  g_clear_pointer (&conn->held, g_ptr_array_unref);
  g_clear_pointer (&conn->claim, kith_call_claim_free);
  g_clear_pointer (&conn->ws, kithd_ws_conn_unref);
  g_free (conn);
}

gboolean
kithd_hub_conn_usable (HubConn *conn)
{
  return !conn->dropped && conn->ws && kithd_ws_conn_is_open (conn->ws);
}

void
kithd_hub_conn_send (HubConn *conn,
                     GBytes  *bytes)
{
  if (kithd_hub_conn_usable (conn))
    kithd_ws_conn_send_text (conn->ws, bytes);
}

void
kithd_hub_conn_send_frame (HubConn         *conn,
                           const KithFrame *frame)
{
  g_autoptr (GBytes) bytes = kithd_hub_frame_bytes (frame);

  kithd_hub_conn_send (conn, bytes);
}

void
kithd_hub_conn_send_error (HubConn       *conn,
                           KithErrorCode  code,
                           const char    *message,
                           const char    *ref)
{
  g_autoptr (GBytes) bytes = error_bytes (code, message, ref);

  kithd_hub_conn_send (conn, bytes);
}

static void
hub_user_free (HubUser *user)
{
  g_ptr_array_unref (user->conns);
  g_hash_table_unref (user->contacts);
  g_hash_table_unref (user->calls);
  g_free (user);
}

HubUser *
kithd_hub_user_get (KithdHub *self,
                    gint64    id)
{
  return g_hash_table_lookup (self->users, &id);
}

gboolean
kithd_hub_user_has_contact (HubUser *user,
                            gint64   other)
{
  return g_hash_table_contains (user->contacts, &other);
}

void
kithd_hub_user_add_contact (HubUser *user,
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
    HubUser *user = kithd_hub_user_get (self, user_ids[i]);

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
        kithd_hub_conn_send (conn, frame);
    }
  }
}

void
kithd_hub_publish_one (KithdHub *self,
                       gint64    user_id,
                       GBytes   *frame)
{
  self->publish (self, &user_id, 1, 0, frame);
}

void
kithd_hub_publish_device (KithdHub *self,
                          gint64    user_id,
                          guint64   conn_id,
                          GBytes   *frame)
{
  HubUser *user = kithd_hub_user_get (self, user_id);

  for (guint i = 0; user && i < user->conns->len; i++) {
    HubConn *conn = g_ptr_array_index (user->conns, i);

    if (conn->id != conn_id)
      continue;
    if (conn->held != NULL)
      g_ptr_array_add (conn->held, g_bytes_ref (frame));
    else
      kithd_hub_conn_send (conn, frame);
    return;
  }
}

void
kithd_hub_user_forget_if_gone (KithdHub *self,
                               HubUser  *user)
{
  if (user->pinned == 0 && user->conns->len == 0 && g_hash_table_size (user->calls) == 0)
    g_hash_table_remove (self->users, &user->id);
}

/* ---- connections ---- */

/* @code: the socket's close code; a revoked session's calls end at once,
 * others wait for the device to come back. */
static void
hub_conn_detach_user (HubConn *conn,
                      guint16  code)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;

  if (!user)
    return;
  conn->user = NULL;
  g_ptr_array_remove (user->conns, conn);

  user->pinned++;
  kithd_hub_conn_leave_calls (self, user, conn, code == KITHD_WS_CLOSE_UNAUTHORIZED);
  kithd_hub_user_update_presence (self, user);
  user->pinned--;
  kithd_hub_user_forget_if_gone (self, user);
}

void
kithd_hub_conn_drop (HubConn *conn,
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

  hub_conn_detach_user (conn, code);

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
    kithd_hub_conn_drop (conn, code);
    g_hash_table_remove (self->live, conn);
  }
  kithd_hub_conn_unref (conn);
}

/* message.read and call.*: relayed with from set, to accepted contacts
 * only; hidden users still receive. */
static void
handle_relay (HubConn   *conn,
              KithFrame *frame)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  g_autoptr (GBytes) bytes = NULL;
  gint64 to = frame->to;

  if (!kithd_hub_user_has_contact (user, to)) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_NOT_CONTACT,
                               "Calls and read receipts go to accepted contacts only", frame->call_id);
    return;
  }

  frame->from = user->id;
  bytes = kithd_hub_frame_bytes (frame);

  if (frame->type == KITH_FRAME_MESSAGE_READ) {
    /* Both sides: the peer's devices and the reader's other devices. */
    kithd_hub_publish_one (self, to, bytes);
    self->publish (self, &user->id, 1, conn->id, bytes);
    return;
  }
  kithd_hub_call_relay (conn, frame, bytes);
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

    kithd_hub_conn_send_error (conn, code, error->message, ref);
    return;
  }

  if (frame->type == KITH_FRAME_HELLO) {
    if (conn->user || conn->hello_pending) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD, "Already signed in", NULL);
      return;
    }
    kithd_hub_sign_in (conn, frame);
    return;
  }

  if (!conn->user) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_NOT_SIGNED_IN, "Send hello first", NULL);
    return;
  }

  switch ((int) frame->type) {
  case KITH_FRAME_PING: {
    g_autoptr (KithFrame) pong = kith_frame_new (KITH_FRAME_PONG);

    kithd_hub_conn_send_frame (conn, pong);
    break;
  }

  case KITH_FRAME_PRESENCE_SET:
    conn->user->chosen = frame->chosen;
    kithd_hub_user_update_presence (self, conn->user);
    break;

  case KITH_FRAME_ACTIVITY:
    conn->idle = frame->idle;
    kithd_hub_user_update_presence (self, conn->user);
    break;

  case KITH_FRAME_MESSAGE_SEND:
    kithd_hub_message_send (conn, frame);
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
    kithd_hub_conn_send_error (conn, KITH_ERROR_UNKNOWN_TYPE, "Clients may not send this frame", NULL);
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
      kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_NO_HELLO);
      continue;   /* the last one moved into slot i */
    }
    if (quiet >= dead_us) {
      kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_DEAD_PEER);
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

  self->disposed = TRUE;
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

    kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_GOING_AWAY);
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
kithd_hub_init (KithdHub *self)
{
  self->conns = g_ptr_array_new ();
  self->live = g_hash_table_new (NULL, NULL);
  self->users = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) hub_user_free);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) kithd_hub_call_free);
  self->started_at = g_get_monotonic_time ();
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
    kithd_hub_conn_drop (g_ptr_array_index (self->conns, self->conns->len - 1), code);
}

guint
kithd_hub_get_n_connections (KithdHub *self)
{
  g_return_val_if_fail (KITHD_IS_HUB (self), 0);

  return g_hash_table_size (self->live);
}

void
kithd_hub_revoke_sessions (KithdHub *self,
                           gint64    user_id,
                           GArray   *session_ids)
{
  HubUser *user;

  g_return_if_fail (KITHD_IS_HUB (self));

  user = kithd_hub_user_get (self, user_id);
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
      kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
      return;
    }
    kithd_hub_conn_drop (conn, KITHD_WS_CLOSE_UNAUTHORIZED);
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

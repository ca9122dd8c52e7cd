/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kith-bench-presence: the minimal WebSocket client, its sockets behind
 * one epoll source, and what it does with the frames it reads. */
#define G_LOG_DOMAIN "KithBench"
#define _GNU_SOURCE  /* memmem, nftw */

#include "config.h"

#include "kith-bench-presence.h"

static void conn_close (Conn *conn, int code);
static void connect_pump (Bench *b);

/* ---- WebSocket client ---- */

static void
conn_set_events (Conn    *conn,
                 guint32  events)
{
  struct epoll_event ev = { 0 };

  if (conn->fd < 0 || conn->events == events)
    return;
  ev.events = events;
  ev.data.ptr = conn;
  epoll_ctl (conn->bench->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
  conn->events = events;
}

static gboolean
conn_flush (Conn *conn)
{
  while (conn->out->len > 0) {
    ssize_t n = send (conn->fd, conn->out->data, conn->out->len, MSG_NOSIGNAL);

    if (n > 0) {
      g_byte_array_remove_range (conn->out, 0, n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      conn_set_events (conn, EPOLLIN | EPOLLOUT);
      return TRUE;
    } else {
      conn_close (conn, -1);
      return FALSE;
    }
  }
  if (conn->state != CONN_CONNECTING)
    conn_set_events (conn, EPOLLIN);
  return TRUE;
}

static void
conn_send_raw (Conn         *conn,
               guint8        opcode,
               const guint8 *payload,
               gsize         len)
{
  guint8 header[14];
  gsize hlen = 0;
  guint32 key = g_random_int ();
  guint8 mask[4] = { key >> 24, key >> 16, key >> 8, key };
  gboolean was_empty = conn->out->len == 0;
  guint8 *p;
  gsize start;

  if (conn->state == CONN_CLOSED)
    return;

  header[hlen++] = 0x80 | opcode;
  if (len < 126) {
    header[hlen++] = 0x80 | len;
  } else if (len < 65536) {
    header[hlen++] = 0x80 | 126;
    header[hlen++] = len >> 8;
    header[hlen++] = len & 0xff;
  } else {
    header[hlen++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      header[hlen++] = ((guint64) len >> (8 * i)) & 0xff;
  }
  memcpy (header + hlen, mask, 4);
  hlen += 4;

  g_byte_array_append (conn->out, header, hlen);
  start = conn->out->len;
  g_byte_array_set_size (conn->out, start + len);
  p = conn->out->data + start;
  for (gsize i = 0; i < len; i++)
    p[i] = payload[i] ^ mask[i & 3];

  conn->last_send = g_get_monotonic_time ();
  if (was_empty)
    conn_flush (conn);
}

void
conn_send_text (Conn       *conn,
                const char *json,
                gsize       len)
{
  conn_send_raw (conn, 0x1, (const guint8 *) json, len);
}

static void
conn_close (Conn *conn,
            int   code)
{
  Bench *b = conn->bench;

  if (conn->state == CONN_CLOSED)
    return;
  if (conn->state == CONN_OPEN) {
    b->n_open--;
    b->n_closed_open++;
  } else {
    b->n_failed++;
    b->handshaking--;
    if (b->n_failed <= MAX_REPORTED_ERRORS)
      g_printerr ("a socket failed before its welcome (state %d, code %d)\n",
                  conn->state, code);
  }
  conn->close_code = code;
  conn->state = CONN_CLOSED;
  if (conn->fd >= 0) {
    epoll_ctl (b->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
    close (conn->fd);
    conn->fd = -1;
  }
  g_byte_array_set_size (conn->out, 0);
  connect_pump (b);
}

void
conn_free (Conn *conn)
{
  if (conn->fd >= 0)
    close (conn->fd);
  g_byte_array_unref (conn->in);
  g_byte_array_unref (conn->out);
  g_clear_pointer (&conn->frag, g_byte_array_unref);
  g_free (conn->ws_accept);
  g_free (conn->token);
  g_free (conn);
}

/* Closes @conn at the benchmark's will (not counted as closed by a server). */
void
conn_drop (Conn *conn)
{
  Bench *b = conn->bench;

  if (conn->state == CONN_CLOSED)
    return;
  if (conn->state == CONN_OPEN)
    b->n_open--;
  else if (conn->state != CONN_IDLE)
    b->handshaking--;
  conn->state = CONN_CLOSED;
  if (conn->fd >= 0) {
    epoll_ctl (b->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
    close (conn->fd);
    conn->fd = -1;
  }
  g_byte_array_set_size (conn->out, 0);
}

Conn *
conn_new (Bench      *b,
          Endpoint   *ep,
          const char *token,
          guint       user,
          gboolean    primary)
{
  Conn *conn = g_new0 (Conn, 1);

  conn->bench = b;
  conn->ep = ep;
  conn->token = g_strdup (token);
  conn->fd = -1;
  conn->user = user;
  conn->primary = primary;
  conn->state = CONN_IDLE;
  conn->in = g_byte_array_sized_new (READ_CHUNK);
  conn->out = g_byte_array_new ();
  g_ptr_array_add (b->conns, conn);
  return conn;
}

static void
conn_start (Conn *conn)
{
  Bench *b = conn->bench;
  struct epoll_event ev = { 0 };
  int one = 1;
  int fd;

  conn->state = CONN_CONNECTING;
  b->handshaking++;
  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (b->n_failed == 0)
      g_printerr ("socket(): %s\n", g_strerror (errno));
    conn_close (conn, -1);
    return;
  }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn->fd = fd;
  if (connect (fd, (struct sockaddr *) &conn->ep->addr, sizeof conn->ep->addr) < 0
      && errno != EINPROGRESS) {
    if (b->n_failed == 0)
      g_printerr ("connect(): %s\n", g_strerror (errno));
    conn_close (conn, -1);
    return;
  }
  ev.events = EPOLLOUT;
  ev.data.ptr = conn;
  conn->events = EPOLLOUT;
  epoll_ctl (b->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
conn_connected (Conn *conn)
{
  Bench *b = conn->bench;
  guint8 nonce[16];
  g_autofree char *key = NULL;
  g_autofree char *request = NULL;
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  int err = 0;
  socklen_t err_len = sizeof err;

  if (getsockopt (conn->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err != 0) {
    if (b->n_failed == 0)
      g_printerr ("connect: %s\n", g_strerror (err ? err : errno));
    conn_close (conn, -1);
    return;
  }

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WS_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  conn->ws_accept = g_base64_encode (digest, digest_len);

  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\n"
                             "Host: %s\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n",
                             conn->ep->host, key);
  conn->state = CONN_HANDSHAKE;
  g_byte_array_append (conn->out, (const guint8 *) request, strlen (request));
  conn_flush (conn);
}

static void
report_error_frame (Bench     *b,
                    KithFrame *frame)
{
  b->n_errors++;
  if (b->n_errors <= MAX_REPORTED_ERRORS)
    g_printerr ("kithd sent an error frame: %s: %s\n",
                kith_error_code_to_string (frame->code),
                frame->message ? frame->message : "");
}

static void
on_presence (Conn      *conn,
             KithFrame *frame,
             gint64     now)
{
  Bench *b = conn->bench;
  gpointer value;
  guint x, r, d;
  gint64 latency;
  User *u;

  b->presence_frames++;
  if (!b->measuring || !conn->primary || conn->ep != b->measured)
    return;
  value = g_hash_table_lookup (b->user_by_id, GSIZE_TO_POINTER ((gsize) frame->user_id));
  if (value == NULL) {
    b->unknown++;
    return;
  }
  x = GPOINTER_TO_UINT (value) - 1;
  r = conn->user;
  if (x == r)
    return;         /* our own presence, if kithd echoes it */
  d = (r + b->n_users - x) % b->n_users;
  if (d > b->half && d < b->n_users - b->half) {
    b->leaked++;
    return;
  }
  u = &b->users[x];
  if (u->change_sent == 0)
    return;         /* not one of ours (e.g. a late sign-in frame) */
  if (frame->presence != u->expected) {
    b->stale++;
    return;
  }
  if (u->pending == 0) {
    b->duplicates++;
    return;
  }
  u->pending--;
  b->received++;
  b->last_delivery = now;
  latency = now - u->change_sent;
  g_array_append_val (b->latencies, latency);
  if (u->pending == 0 && b->in_flight > 0)
    b->in_flight--;
}

static void
on_message_frame (Conn      *conn,
                  KithFrame *frame,
                  gint64     now)
{
  Bench *b = conn->bench;
  gint64 latency = now - b->msg_sent;

  if (b->msg_id == NULL || g_strcmp0 (frame->id, b->msg_id) != 0)
    return;
  if (frame->type == KITH_FRAME_MESSAGE && conn->user == 1 && !b->msg_got_message) {
    b->msg_got_message = TRUE;
    g_array_append_val (b->msg_latencies, latency);
  } else if (frame->type == KITH_FRAME_MESSAGE_ACK && conn->user == 0 && !b->msg_got_ack) {
    b->msg_got_ack = TRUE;
    g_array_append_val (b->ack_latencies, latency);
  }
  if (b->msg_got_message && b->msg_got_ack)
    b->msg_done++;
}

static void
conn_handle_text (Conn         *conn,
                  const guint8 *data,
                  gsize         len)
{
  Bench *b = conn->bench;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) frame = NULL;

  frame = kith_frame_parse ((const char *) data, len, KITH_ORIGIN_SERVER, &error);
  if (frame == NULL) {
    b->n_errors++;
    if (b->n_errors <= MAX_REPORTED_ERRORS)
      g_printerr ("unparsable frame from kithd: %s\n", error->message);
    return;
  }

  switch (frame->type) {
  case KITH_FRAME_PRESENCE:
    on_presence (conn, frame, now);
    break;

  case KITH_FRAME_WELCOME:
    if (conn->state == CONN_HELLO) {
      conn->state = CONN_OPEN;
      b->handshaking--;
      b->n_open++;
      connect_pump (b);
    }
    break;

  case KITH_FRAME_MESSAGE:
  case KITH_FRAME_MESSAGE_ACK:
    on_message_frame (conn, frame, now);
    break;

  case KITH_FRAME_PONG:
    conn->pongs++;
    break;

  case KITH_FRAME_ERROR:
    report_error_frame (b, frame);
    break;

  case KITH_FRAME_HELLO:
  case KITH_FRAME_PRESENCE_SET:
  case KITH_FRAME_ACTIVITY:
  case KITH_FRAME_MESSAGE_SEND:
  case KITH_FRAME_MESSAGE_READ:
  case KITH_FRAME_PROFILE:
  case KITH_FRAME_CONTACT_REQUEST:
  case KITH_FRAME_CONTACT_ACCEPTED:
  case KITH_FRAME_CONTACT_REMOVED:
  case KITH_FRAME_CALL_INVITE:
  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
  case KITH_FRAME_PING:
  default:
    break;
  }
}

static void
conn_handle_frame (Conn         *conn,
                   gboolean      fin,
                   guint         opcode,
                   const guint8 *payload,
                   gsize         len)
{
  switch (opcode) {
  case 0x0:       /* continuation */
    if (conn->frag == NULL)
      break;
    g_byte_array_append (conn->frag, payload, len);
    if (conn->frag->len > MAX_IN_FRAME) {
      conn_close (conn, 1009);
    } else if (fin) {
      g_autoptr (GByteArray) whole = g_steal_pointer (&conn->frag);

      conn_handle_text (conn, whole->data, whole->len);
    }
    break;

  case 0x1:       /* text */
    if (fin) {
      conn_handle_text (conn, payload, len);
    } else {
      g_clear_pointer (&conn->frag, g_byte_array_unref);
      conn->frag = g_byte_array_new ();
      g_byte_array_append (conn->frag, payload, len);
    }
    break;

  case 0x8:       /* close */
    {
      int code = len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      guint8 reply[2] = { code >> 8, code & 0xff };

      if (conn->state == CONN_OPEN && conn->bench->n_closed_open < MAX_REPORTED_ERRORS)
        g_printerr ("kithd closed a socket: code %d\n", code);
      conn_send_raw (conn, 0x8, reply, len >= 2 ? 2 : 0);
      conn_close (conn, code);
    }
    break;

  case 0x9:       /* ping */
    conn_send_raw (conn, 0xA, payload, len);
    break;

  case 0xA:       /* pong */
    break;

  default:        /* binary or reserved: not from kithd */
    conn->bench->n_errors++;
    break;
  }
}

static void
conn_process_frames (Conn *conn)
{
  gsize off = 0;

  while (conn->state != CONN_CLOSED) {
    guint8 *p = conn->in->data + off;
    gsize avail = conn->in->len - off;
    guint64 plen;
    gsize hlen;
    gboolean masked;

    if (!kithd_ws_frame_length (p, avail, &plen, &hlen))
      break;
    masked = (p[1] & 0x80) != 0;
    if (masked)
      hlen += 4;
    if (plen > MAX_IN_FRAME) {
      conn_close (conn, 1009);
      break;
    }
    if (avail < hlen + plen)
      break;
    if (masked) {
      guint8 *mask = p + hlen - 4;

      for (gsize i = 0; i < plen; i++)
        p[hlen + i] ^= mask[i & 3];
    }
    off += hlen + plen;
    conn_handle_frame (conn, (p[0] & 0x80) != 0, p[0] & 0x0f, p + hlen, plen);
  }
  if (conn->state != CONN_CLOSED && off > 0)
    g_byte_array_remove_range (conn->in, 0, off);
}

static void
conn_handle_handshake (Conn *conn)
{
  Bench *b = conn->bench;
  const guint8 *end;
  gsize header_len;
  g_autofree char *header = NULL;
  g_autoptr (KithFrame) hello = NULL;
  g_autofree char *json = NULL;
  gsize len;

  end = memmem (conn->in->data, conn->in->len, "\r\n\r\n", 4);
  if (end == NULL) {
    if (conn->in->len > 16 * 1024)
      conn_close (conn, -1);
    return;
  }
  header_len = end + 4 - conn->in->data;
  header = g_strndup ((const char *) conn->in->data, header_len);
  if (!g_str_has_prefix (header, "HTTP/1.1 101") || strstr (header, conn->ws_accept) == NULL) {
    if (b->n_failed < MAX_REPORTED_ERRORS)
      g_printerr ("socket upgrade refused: %.*s\n",
                  (int) (strcspn (header, "\r\n")), header);
    conn_close (conn, -1);
    return;
  }
  g_byte_array_remove_range (conn->in, 0, header_len);

  conn->state = CONN_HELLO;
  hello = kith_frame_new (KITH_FRAME_HELLO);
  hello->token = g_strdup (conn->token);
  hello->resume_after = 0;
  json = kith_frame_to_json (hello, KITH_ORIGIN_CLIENT, &len);
  conn_send_text (conn, json, len);
  conn_process_frames (conn);
}

static void
conn_readable (Conn *conn)
{
  gsize old = conn->in->len;
  ssize_t n;

  g_byte_array_set_size (conn->in, old + READ_CHUNK);
  n = recv (conn->fd, conn->in->data + old, READ_CHUNK, 0);
  if (n > 0) {
    g_byte_array_set_size (conn->in, old + n);
  } else {
    g_byte_array_set_size (conn->in, old);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (conn->state == CONN_OPEN && conn->bench->n_closed_open < MAX_REPORTED_ERRORS)
      g_printerr ("kithd dropped a socket without a close frame\n");
    conn_close (conn, -1);
    return;
  }

  if (conn->state == CONN_HANDSHAKE)
    conn_handle_handshake (conn);
  else
    conn_process_frames (conn);
}

gboolean
on_epoll (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  Bench *b = user_data;
  struct epoll_event events[256];
  int n;

  n = epoll_wait (b->epfd, events, G_N_ELEMENTS (events), 0);
  for (int i = 0; i < n; i++) {
    Conn *conn = events[i].data.ptr;

    if (conn->state == CONN_CLOSED)
      continue;
    if (conn->state == CONN_CONNECTING) {
      if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        conn_connected (conn);
      continue;
    }
    if (events[i].events & EPOLLOUT)
      conn_flush (conn);
    if (conn->state != CONN_CLOSED && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
      conn_readable (conn);
  }
  if (b->saturating && b->sending)
    saturate_fill (b);
  return G_SOURCE_CONTINUE;
}

gboolean
on_keepalive (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < b->conns->len; i++) {
    Conn *conn = g_ptr_array_index (b->conns, i);

    if (conn->state == CONN_OPEN && now - conn->last_send > KEEPALIVE_US)
      conn_send_text (conn, b->ping_json, b->ping_len);
  }
  return G_SOURCE_CONTINUE;
}

static void
connect_pump (Bench *b)
{
  if (b->pumping)
    return;
  b->pumping = TRUE;
  while (b->handshaking < (guint) b->connect_concurrency
         && !g_queue_is_empty (&b->connect_queue))
    conn_start (g_queue_pop_head (&b->connect_queue));
  b->pumping = FALSE;
}

static gboolean
connect_finished_cond (Bench *b)
{
  return b->handshaking == 0 && g_queue_is_empty (&b->connect_queue);
}

/* Connects @conns (queued), returns whether all got their welcome. */
gboolean
connect_phase (Bench     *b,
               GPtrArray *conns,
               gint64     timeout_us)
{
  guint open_before = b->n_open;

  for (guint i = 0; i < conns->len; i++)
    g_queue_push_tail (&b->connect_queue, g_ptr_array_index (conns, i));
  connect_pump (b);
  if (!wait_until (b, connect_finished_cond, timeout_us)) {
    g_printerr ("setup failed: sockets not all welcomed within %d s (%u of %u)\n",
                (int) (timeout_us / G_USEC_PER_SEC), b->n_open - open_before, conns->len);
    return FALSE;
  }
  if (b->n_open - open_before != conns->len) {
    g_printerr ("setup failed: %u of %u sockets were not welcomed\n",
                conns->len - (b->n_open - open_before), conns->len);
    return FALSE;
  }
  return TRUE;
}

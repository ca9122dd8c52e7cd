/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWs"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include <glib-unix.h>

#include "kithd-ws.h"

#define READ_CHUNK        4096
#define MAX_READ_PER_WAKE (64 * 1024)
#define CLOSE_GRACE_MS    2000
#define EPOLL_BATCH       256

typedef enum {
  WS_OPEN,
  WS_CLOSING,   /* a close frame is queued or sent; waiting for the peer's */
  WS_DEAD,      /* stream closed; the closed callback is due or done */
} WsState;

struct _KithdWsConn
{
  gatomicrefcount         ref_count;
  WsState                 state;

  GIOStream              *stream;
  GPollableInputStream   *in;
  GPollableOutputStream  *out;
  int                     fd;            /* the socket's, registered in ws_epfd */
  guint                   first_read_id; /* input the handshake left buffered */
  guint                   close_timeout_id;

  GByteArray             *rbuf;          /* unparsed input; NULL when empty */
  GByteArray             *msg;           /* a fragmented message being reassembled */

  GQueue                  wqueue;        /* GBytes, whole frames or parts */
  gsize                   wqueue_bytes;
  gsize                   woffset;       /* bytes of the head already written */

  gsize                   max_message;
  gsize                   max_queue;
  gint64                  last_seen;
  guint16                 close_code;
  guint                   close_received : 1;
  guint                   close_sent : 1;
  guint                   shut_when_flushed : 1;
  guint                   registered : 1;  /* in ws_epfd */
  guint                   want_write : 1;  /* EPOLLOUT asked for: output is queued */

  const KithdWsCallbacks *callbacks;
  gpointer                user_data;
};

static void     conn_read   (KithdWsConn *self);
static gboolean conn_flush  (KithdWsConn *self);

/*
 * One epoll set for every connection, watched by one GSource on the main
 * context (created with the first connection, kept for the life of the
 * process). A wake-up then costs O(ready sockets), not O(open sockets) as
 * one GSource per connection did: GMainContext polls every source's fd on
 * every iteration. Level-triggered: EPOLLIN always, EPOLLOUT only while a
 * connection has output queued that the socket did not take. Main thread only.
 */
static int   ws_epfd = -1;
static guint ws_epoll_id;

static gboolean
on_epoll (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  struct epoll_event events[EPOLL_BATCH];
  KithdWsConn *conns[EPOLL_BATCH];
  int n;

  n = epoll_wait (ws_epfd, events, EPOLL_BATCH, 0);
  if (n < 0) {
    if (errno != EINTR)
      g_critical ("epoll_wait failed: %s", g_strerror (errno));
    return G_SOURCE_CONTINUE;
  }

  /* Every connection in the batch is registered now, so alive; hold them
   * all, since handling one event may end another connection. */
  for (int i = 0; i < n; i++)
    conns[i] = kithd_ws_conn_ref (events[i].data.ptr);

  for (int i = 0; i < n; i++) {
    KithdWsConn *conn = conns[i];
    guint32 ev = events[i].events;

    if (conn->state != WS_DEAD && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
      conn_read (conn);
    if (conn->state != WS_DEAD && conn->want_write && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      conn_flush (conn);
  }

  for (int i = 0; i < n; i++)
    kithd_ws_conn_unref (conns[i]);

  return G_SOURCE_CONTINUE;
}

static gboolean
conn_register (KithdWsConn *self)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = self };

  if (ws_epfd < 0) {
    ws_epfd = epoll_create1 (EPOLL_CLOEXEC);
    if (ws_epfd < 0) {
      g_critical ("epoll_create1 failed: %s", g_strerror (errno));
      return FALSE;
    }
    ws_epoll_id = g_unix_fd_add (ws_epfd, G_IO_IN, on_epoll, NULL);
  }
  if (epoll_ctl (ws_epfd, EPOLL_CTL_ADD, self->fd, &ev) < 0) {
    g_message ("Cannot watch a socket: %s", g_strerror (errno));
    return FALSE;
  }
  self->registered = TRUE;
  return TRUE;
}

static void
conn_unregister (KithdWsConn *self)
{
  if (!self->registered)
    return;
  /* Before the stream (and its fd) is closed. */
  epoll_ctl (ws_epfd, EPOLL_CTL_DEL, self->fd, NULL);
  self->registered = FALSE;
  self->want_write = FALSE;
}

static void
conn_want_write (KithdWsConn *self,
                 gboolean     want)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = self };

  if (!self->registered || self->want_write == !!want)
    return;
  if (want)
    ev.events |= EPOLLOUT;
  if (epoll_ctl (ws_epfd, EPOLL_CTL_MOD, self->fd, &ev) == 0)
    self->want_write = !!want;
}

static gboolean
on_emit_closed (gpointer user_data)
{
  KithdWsConn *self = user_data;

  if (self->callbacks && self->callbacks->closed)
    self->callbacks->closed (self, self->close_code, self->user_data);
  self->callbacks = NULL;

  return G_SOURCE_REMOVE;
}

/* Ends the connection now: sources gone, queue dropped, stream closed, and
 * the closed callback scheduled (never called from inside a caller's call). */
static void
conn_abort (KithdWsConn *self,
            guint16      code)
{
  if (self->state == WS_DEAD)
    return;

  self->state = WS_DEAD;
  if (self->close_code == 0)
    self->close_code = code;

  conn_unregister (self);
  g_clear_handle_id (&self->first_read_id, g_source_remove);
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);

  g_queue_clear_full (&self->wqueue, (GDestroyNotify) g_bytes_unref);
  self->wqueue_bytes = 0;
  self->woffset = 0;
  g_clear_pointer (&self->rbuf, g_byte_array_unref);
  g_clear_pointer (&self->msg, g_byte_array_unref);

  g_io_stream_close (self->stream, NULL, NULL);

  g_idle_add_full (G_PRIORITY_DEFAULT, on_emit_closed,
                   kithd_ws_conn_ref (self),
                   (GDestroyNotify) kithd_ws_conn_unref);
}

static void
queue_bytes (KithdWsConn *self,
             GBytes      *bytes)
{
  self->wqueue_bytes += g_bytes_get_size (bytes);
  g_queue_push_tail (&self->wqueue, bytes);
}

static GBytes *
frame_header (guint8 opcode,
              gsize  len)
{
  guint8 hdr[10];
  gsize n;

  hdr[0] = 0x80 | opcode;
  if (len < 126) {
    hdr[1] = len;
    n = 2;
  } else if (len <= G_MAXUINT16) {
    hdr[1] = 126;
    hdr[2] = (len >> 8) & 0xff;
    hdr[3] = len & 0xff;
    n = 4;
  } else {
    guint64 l = len;

    hdr[1] = 127;
    for (int i = 0; i < 8; i++)
      hdr[2 + i] = (l >> (56 - 8 * i)) & 0xff;
    n = 10;
  }

  return g_bytes_new (hdr, n);
}

static void
queue_control (KithdWsConn  *self,
               guint8        opcode,
               const guint8 *payload,
               gsize         len)
{
  guint8 frame[2 + 125];

  g_assert (len <= 125);
  frame[0] = 0x80 | opcode;
  frame[1] = len;
  if (len)
    memcpy (frame + 2, payload, len);
  queue_bytes (self, g_bytes_new (frame, 2 + len));
}

static void
queue_close (KithdWsConn *self,
             guint16      code,
             const char  *reason)
{
  guint8 payload[125];
  gsize len = 2;

  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  if (reason) {
    gsize rlen = MIN (strlen (reason), sizeof payload - 2);

    memcpy (payload + 2, reason, rlen);
    len += rlen;
  }
  queue_control (self, 0x8, payload, len);
  self->close_sent = TRUE;
}

/* Writes what it can without blocking. TRUE while data remains queued. */
static gboolean
conn_flush (KithdWsConn *self)
{
  while (self->state != WS_DEAD && !g_queue_is_empty (&self->wqueue)) {
    GBytes *head = g_queue_peek_head (&self->wqueue);
    gsize size;
    const guint8 *data = g_bytes_get_data (head, &size);
    g_autoptr (GError) error = NULL;
    gssize n;

    n = g_pollable_output_stream_write_nonblocking (self->out,
                                                    data + self->woffset,
                                                    size - self->woffset,
                                                    NULL, &error);
    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        conn_want_write (self, TRUE);
        return TRUE;
      }
      g_debug ("write failed: %s", error->message);
      conn_abort (self, KITHD_WS_CLOSE_GOING_AWAY);
      return FALSE;
    }

    self->woffset += n;
    if (self->woffset == size) {
      g_queue_pop_head (&self->wqueue);
      self->wqueue_bytes -= size;
      self->woffset = 0;
      g_bytes_unref (head);
    }
  }

  if (self->state != WS_DEAD)
    conn_want_write (self, FALSE);
  if (self->state != WS_DEAD && self->shut_when_flushed)
    conn_abort (self, self->close_code);

  return FALSE;
}

static void
conn_kick (KithdWsConn *self)
{
  /* While EPOLLOUT is asked for, the socket is full: the wake-up carries on. */
  if (self->state != WS_DEAD && !self->want_write)
    conn_flush (self);
}

static void
protocol_close (KithdWsConn *self,
                guint16      code,
                const char  *reason)
{
  g_debug ("closing connection: %u %s", code, reason);
  kithd_ws_conn_close (self, code, reason);
}

static void
deliver_text (KithdWsConn  *self,
              const guint8 *data,
              gsize         len)
{
  if (!g_utf8_validate_len ((const char *) data, len, NULL)) {
    protocol_close (self, KITHD_WS_CLOSE_BAD_DATA, "invalid UTF-8");
    return;
  }
  if (self->state == WS_OPEN && self->callbacks && self->callbacks->text)
    self->callbacks->text (self, (const char *) data, len, self->user_data);
}

static void
handle_close_frame (KithdWsConn  *self,
                    const guint8 *payload,
                    gsize         len)
{
  guint16 code = KITHD_WS_CLOSE_NORMAL;

  if (len >= 2)
    code = (payload[0] << 8) | payload[1];

  self->close_received = TRUE;
  if (self->close_sent) {
    /* Our close was answered: done once the rest is out. */
    self->shut_when_flushed = TRUE;
    conn_kick (self);
    if (self->state != WS_DEAD && g_queue_is_empty (&self->wqueue))
      conn_abort (self, self->close_code);
    return;
  }

  self->close_code = code;
  self->state = WS_CLOSING;
  queue_close (self, code == 1005 || code == 1006 || code == 1015 ? KITHD_WS_CLOSE_NORMAL : code, NULL);
  self->shut_when_flushed = TRUE;
  conn_kick (self);
}

/* Parses as many whole frames as @self->rbuf holds; returns the number of
 * bytes consumed. Stops early when the connection leaves WS_OPEN/CLOSING. */
static gsize
parse_frames (KithdWsConn *self)
{
  gsize pos = 0;

  while (self->state != WS_DEAD && self->rbuf) {
    guint8 *p = self->rbuf->data + pos;
    gsize avail = self->rbuf->len - pos;
    gboolean fin;
    guint8 opcode;
    guint64 plen;
    gsize hdr = 2;
    guint8 *mask;
    guint8 *payload;

    if (avail < 2)
      break;

    fin = (p[0] & 0x80) != 0;
    opcode = p[0] & 0x0f;
    if (p[0] & 0x70) {
      protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "reserved bits set");
      break;
    }
    if (!(p[1] & 0x80)) {
      protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "client frames must be masked");
      break;
    }

    plen = p[1] & 0x7f;
    if (plen == 126) {
      if (avail < 4)
        break;
      plen = ((guint64) p[2] << 8) | p[3];
      hdr = 4;
    } else if (plen == 127) {
      if (avail < 10)
        break;
      plen = 0;
      for (int i = 0; i < 8; i++)
        plen = (plen << 8) | p[2 + i];
      hdr = 10;
      if (plen >> 63) {
        protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "bad length");
        break;
      }
    }

    if (opcode >= 0x8) {
      if (!fin || plen > 125) {
        protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "bad control frame");
        break;
      }
    } else {
      gsize have = self->msg ? self->msg->len : 0;

      /* Checked before the payload arrives, and without overflow: plen is
       * compared against what is left of the limit. */
      if (plen > self->max_message - have) {
        protocol_close (self, KITHD_WS_CLOSE_TOO_BIG, "message too large");
        break;
      }
    }

    /* plen <= max(125, max_message) here, so this cannot overflow. */
    if (avail < hdr + 4 + plen)
      break;

    mask = p + hdr;
    payload = mask + 4;
    for (guint64 i = 0; i < plen; i++)
      payload[i] ^= mask[i & 3];
    pos += hdr + 4 + plen;
    self->last_seen = g_get_monotonic_time ();

    switch (opcode) {
    case 0x0: /* continuation */
      if (!self->msg) {
        protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "unexpected continuation");
        break;
      }
      g_byte_array_append (self->msg, payload, plen);
      if (fin) {
        g_autoptr (GByteArray) msg = g_steal_pointer (&self->msg);

        deliver_text (self, msg->data, msg->len);
      }
      break;

    case 0x1: /* text */
      if (self->msg) {
        protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "expected continuation");
        break;
      }
      if (fin) {
        deliver_text (self, payload, plen);
      } else {
        self->msg = g_byte_array_sized_new (plen);
        g_byte_array_append (self->msg, payload, plen);
      }
      break;

    case 0x2: /* binary */
      protocol_close (self, KITHD_WS_CLOSE_UNSUPPORTED, "binary frames are not supported");
      break;

    case 0x8:
      handle_close_frame (self, payload, plen);
      break;

    case 0x9: /* ping */
      if (self->state == WS_OPEN) {
        queue_control (self, 0xA, payload, plen);
        conn_kick (self);
      }
      break;

    case 0xA: /* pong */
      break;

    default:
      protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "unknown opcode");
      break;
    }
  }

  return pos;
}

/* Reads what is there, at most MAX_READ_PER_WAKE (level-triggered epoll
 * reports the rest on the next wake-up). */
static void
conn_read (KithdWsConn *self)
{
  gsize total = 0;

  kithd_ws_conn_ref (self);

  while (self->state != WS_DEAD && total < MAX_READ_PER_WAKE) {
    guint8 buf[READ_CHUNK];
    g_autoptr (GError) error = NULL;
    gssize n;
    gsize used;

    n = g_pollable_input_stream_read_nonblocking (self->in, buf, sizeof buf, NULL, &error);
    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break;
    if (n <= 0) {
      g_debug ("peer went away%s%s", error ? ": " : "", error ? error->message : "");
      conn_abort (self, self->close_received ? self->close_code : 1006);
      break;
    }
    total += n;

    if (!self->rbuf)
      self->rbuf = g_byte_array_sized_new (n);
    g_byte_array_append (self->rbuf, buf, n);

    used = parse_frames (self);
    if (self->rbuf) {
      if (used == self->rbuf->len)
        g_clear_pointer (&self->rbuf, g_byte_array_unref);
      else if (used > 0)
        g_byte_array_remove_range (self->rbuf, 0, used);
    }
  }

  kithd_ws_conn_unref (self);
}

static gboolean
on_first_read (gpointer user_data)
{
  KithdWsConn *self = user_data;

  self->first_read_id = 0;
  conn_read (self);

  return G_SOURCE_REMOVE;
}

static GSocket *
stream_get_socket (GIOStream *stream)
{
  if (G_IS_SOCKET_CONNECTION (stream))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  /* libsoup's stolen connections carry their GSocket as object data. */
  return g_object_get_data (G_OBJECT (stream), "GSocket");
}

static gboolean
on_close_timeout (gpointer user_data)
{
  KithdWsConn *self = user_data;

  self->close_timeout_id = 0;
  conn_abort (self, self->close_code);

  return G_SOURCE_REMOVE;
}

KithdWsConn *
kithd_ws_conn_new (GIOStream              *stream,
                   gsize                   max_message,
                   gsize                   max_queue,
                   const KithdWsCallbacks *callbacks,
                   gpointer                user_data)
{
  KithdWsConn *self;
  GInputStream *in;
  GOutputStream *out;
  GSocket *socket;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  in = g_io_stream_get_input_stream (stream);
  out = g_io_stream_get_output_stream (stream);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (in), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (out), NULL);
  socket = stream_get_socket (stream);
  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  self = g_new0 (KithdWsConn, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->stream = g_object_ref (stream);
  self->in = G_POLLABLE_INPUT_STREAM (in);
  self->out = G_POLLABLE_OUTPUT_STREAM (out);
  self->max_message = max_message;
  self->max_queue = max_queue;
  self->callbacks = callbacks;
  self->user_data = user_data;
  self->last_seen = g_get_monotonic_time ();
  g_queue_init (&self->wqueue);

  self->fd = g_socket_get_fd (socket);

  if (!conn_register (self)) {
    /* Reported through the closed callback, like any other failure. */
    conn_abort (self, 1006);
    return self;
  }
  /* The upgrade's reader may have buffered the first frames already:
   * epoll knows only of what is still in the socket. */
  if (g_pollable_input_stream_is_readable (self->in))
    self->first_read_id = g_idle_add (on_first_read, self);

  return self;
}

KithdWsConn *
kithd_ws_conn_ref (KithdWsConn *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kithd_ws_conn_unref (KithdWsConn *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Without a pending close callback (it holds a ref), a live connection
   * being dropped is just closed. */
  if (self->state != WS_DEAD) {
    self->callbacks = NULL;
    self->state = WS_DEAD;
    conn_unregister (self);
    g_clear_handle_id (&self->first_read_id, g_source_remove);
    g_clear_handle_id (&self->close_timeout_id, g_source_remove);
    g_io_stream_close (self->stream, NULL, NULL);
  }
  g_queue_clear_full (&self->wqueue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->rbuf, g_byte_array_unref);
  g_clear_pointer (&self->msg, g_byte_array_unref);
  g_clear_object (&self->stream);
  g_free (self);
}

void
kithd_ws_conn_send_text (KithdWsConn *self,
                         GBytes      *bytes)
{
  gsize len;

  g_return_if_fail (self != NULL);
  g_return_if_fail (bytes != NULL);

  if (self->state != WS_OPEN)
    return;

  len = g_bytes_get_size (bytes);
  if (self->wqueue_bytes + len > self->max_queue) {
    g_debug ("send queue over %" G_GSIZE_FORMAT " bytes: slow reader, closing", self->max_queue);
    conn_abort (self, KITHD_WS_CLOSE_POLICY);
    return;
  }

  queue_bytes (self, frame_header (0x1, len));
  queue_bytes (self, g_bytes_ref (bytes));
  conn_kick (self);
}

void
kithd_ws_conn_send_ping (KithdWsConn *self)
{
  g_return_if_fail (self != NULL);

  if (self->state != WS_OPEN)
    return;
  queue_control (self, 0x9, NULL, 0);
  conn_kick (self);
}

void
kithd_ws_conn_close (KithdWsConn *self,
                     guint16      code,
                     const char  *reason)
{
  g_return_if_fail (self != NULL);

  if (self->state != WS_OPEN)
    return;

  self->state = WS_CLOSING;
  self->close_code = code;
  g_clear_pointer (&self->msg, g_byte_array_unref);
  queue_close (self, code, reason);
  self->close_timeout_id = g_timeout_add (CLOSE_GRACE_MS, on_close_timeout, self);
  conn_kick (self);
}

gboolean
kithd_ws_conn_is_open (KithdWsConn *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state == WS_OPEN;
}

gsize
kithd_ws_conn_get_queued (KithdWsConn *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->wqueue_bytes;
}

gint64
kithd_ws_conn_get_last_seen (KithdWsConn *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->last_seen;
}

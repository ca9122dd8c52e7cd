/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWs"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <glib-unix.h>

#include "kithd-ws.h"

#define READ_CHUNK        4096
#define MAX_READ_PER_WAKE (64 * 1024)
#define CLOSE_GRACE_MS    2000
/* A slow reader dropped with 1008 may still read its close frame this long. */
#define LINGER_MS         10000
#define EPOLL_BATCH       256
/* Frames handed to one sendmsg(): two iovecs each. */
#define WRITE_BATCH       32

/* One queued frame: its header here, its payload shared (one serialised
 * presence frame goes to all its receivers). */
typedef struct {
  GList   link;         /* in wqueue; data is the frame */
  GBytes *payload;      /* nullable */
  gsize   size;         /* header + payload */
  guint8  hdr_len;
  guint8  hdr[10 + 125];  /* control frames carry their payload here */
} WsFrame;

typedef enum {
  WS_OPEN,
  WS_CLOSING,   /* a close frame is queued or sent; waiting for the peer's */
  WS_DEAD,      /* socket released; the closed callback is due or done */
} WsState;

struct _KithdWsConn
{
  gatomicrefcount         ref_count;
  WsState                 state;

  int                     fd;            /* the socket's, registered in ws_epfd */
  GBytes                 *first_input;   /* what came with the upgrade request */
  guint                   first_read_id;
  guint                   close_timeout_id;

  GByteArray             *rbuf;          /* unparsed input; NULL when empty */
  GByteArray             *msg;           /* a fragmented message being reassembled */

  GQueue                  wqueue;        /* WsFrame, linked through their link */
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
  guint                   lingering : 1;   /* dropped, holding a ref until the end */
  guint                   draining : 1;    /* all sent, write side shut; input dropped */

  const KithdWsCallbacks *callbacks;
  gpointer                user_data;
  KithdWsRelease          release;       /* gives the socket back, once */
  gpointer                release_data;
};

static void     conn_read   (KithdWsConn *self);
static gboolean conn_flush  (KithdWsConn *self);
static void     conn_finish (KithdWsConn *self);

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
/* Connections their owner has been told are closed, still holding their
 * socket (a slow reader's close frame going out, input drained): the
 * server ends them before it gives the sockets' owner away. */
static GHashTable *ws_lingering;

static void
linger_begin (KithdWsConn *self)
{
  if (self->lingering)
    return;
  self->lingering = TRUE;
  if (ws_lingering == NULL)
    ws_lingering = g_hash_table_new (NULL, NULL);
  g_hash_table_add (ws_lingering, kithd_ws_conn_ref (self));
}

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
  /* Before the socket is given back (and closed). */
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

static void
frame_free (WsFrame *frame)
{
  g_clear_pointer (&frame->payload, g_bytes_unref);
  g_free (frame);
}

static void
queue_clear (KithdWsConn *self)
{
  GList *link;

  while ((link = g_queue_pop_head_link (&self->wqueue)))
    frame_free (link->data);
  self->wqueue_bytes = 0;
  self->woffset = 0;
}

/* The socket goes back to its owner; the fd is not ours to close. */
static void
conn_release (KithdWsConn *self)
{
  KithdWsRelease release = self->release;

  self->release = NULL;
  self->fd = -1;
  if (release)
    release (self->release_data);
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

static gboolean
on_drop_linger (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Ends the connection now: sources gone, queue dropped, socket released, and
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

  queue_clear (self);
  g_clear_pointer (&self->rbuf, g_byte_array_unref);
  g_clear_pointer (&self->msg, g_byte_array_unref);
  conn_release (self);

  g_idle_add_full (G_PRIORITY_DEFAULT, on_emit_closed,
                   kithd_ws_conn_ref (self),
                   (GDestroyNotify) kithd_ws_conn_unref);
  if (self->lingering) {
    /* The reference linger_begin() took goes once this call is over. */
    self->lingering = FALSE;
    g_hash_table_remove (ws_lingering, self);
    g_idle_add_full (G_PRIORITY_DEFAULT, on_drop_linger, self, (GDestroyNotify) kithd_ws_conn_unref);
  }
}

static void slow_reader (KithdWsConn *self);

static WsFrame *
frame_new (guint8        opcode,
           GBytes       *payload,   /* transfer full, nullable */
           const guint8 *inline_payload,
           gsize         len)
{
  WsFrame *frame = g_new (WsFrame, 1);
  guint8 *hdr = frame->hdr;

  frame->link.data = frame;
  frame->link.prev = frame->link.next = NULL;
  frame->payload = payload;
  hdr[0] = 0x80 | opcode;
  if (len < 126) {
    hdr[1] = len;
    frame->hdr_len = 2;
  } else if (len <= G_MAXUINT16) {
    hdr[1] = 126;
    hdr[2] = (len >> 8) & 0xff;
    hdr[3] = len & 0xff;
    frame->hdr_len = 4;
  } else {
    guint64 l = len;

    hdr[1] = 127;
    for (int i = 0; i < 8; i++)
      hdr[2 + i] = (l >> (56 - 8 * i)) & 0xff;
    frame->hdr_len = 10;
  }
  if (inline_payload) {
    g_assert (len <= 125);
    memcpy (hdr + frame->hdr_len, inline_payload, len);
    frame->hdr_len += len;
  }
  frame->size = frame->hdr_len + (payload ? g_bytes_get_size (payload) : 0);
  return frame;
}

/* Every frame kithd queues counts against the bound, control frames
 * included. FALSE when it did not fit: the connection is being closed. */
static gboolean
queue_frame (KithdWsConn *self,
             WsFrame     *frame)
{
  if (self->wqueue_bytes + frame->size > self->max_queue) {
    frame_free (frame);
    slow_reader (self);
    return FALSE;
  }
  self->wqueue_bytes += frame->size;
  g_queue_push_tail_link (&self->wqueue, &frame->link);
  return TRUE;
}

static void
queue_control (KithdWsConn  *self,
               guint8        opcode,
               const guint8 *payload,
               gsize         len)
{
  queue_frame (self, frame_new (opcode, NULL, payload, len));
}

/* The close frame always fits: it is the last frame, and the queue's
 * bound is checked only for what comes before it. */
static void
queue_close (KithdWsConn *self,
             guint16      code,
             const char  *reason)
{
  guint8 payload[125];
  gsize len = 2;
  WsFrame *frame;

  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  if (reason) {
    gsize rlen = MIN (strlen (reason), sizeof payload - 2);

    memcpy (payload + 2, reason, rlen);
    len += rlen;
  }
  frame = frame_new (0x8, NULL, payload, len);
  self->wqueue_bytes += frame->size;
  g_queue_push_tail_link (&self->wqueue, &frame->link);
  self->close_sent = TRUE;
}

/* Writes what it can without blocking, many frames per sendmsg(). TRUE
 * while data remains queued. */
static gboolean
conn_flush (KithdWsConn *self)
{
  while (self->state != WS_DEAD && !g_queue_is_empty (&self->wqueue)) {
    struct iovec iov[2 * WRITE_BATCH];
    struct msghdr mh = { 0 };
    gsize skip = self->woffset;
    guint n_iov = 0;
    gssize n;
    GList *l;

    for (l = self->wqueue.head; l && n_iov + 2 <= G_N_ELEMENTS (iov); l = l->next) {
      WsFrame *frame = l->data;
      gsize psize = 0;
      const guint8 *pdata = frame->payload ? g_bytes_get_data (frame->payload, &psize) : NULL;

      if (skip < frame->hdr_len) {
        iov[n_iov].iov_base = frame->hdr + skip;
        iov[n_iov++].iov_len = frame->hdr_len - skip;
        skip = 0;
      } else {
        skip -= frame->hdr_len;
      }
      if (psize > skip) {
        iov[n_iov].iov_base = (guint8 *) pdata + skip;
        iov[n_iov++].iov_len = psize - skip;
      }
      skip = 0;
    }
    mh.msg_iov = iov;
    mh.msg_iovlen = n_iov;

    n = sendmsg (self->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        conn_want_write (self, TRUE);
        return TRUE;
      }
      g_debug ("write failed: %s", g_strerror (errno));
      conn_abort (self, 1006);
      return FALSE;
    }

    /* Drop what went out. */
    while (n > 0) {
      WsFrame *head = g_queue_peek_head (&self->wqueue);
      gsize left = head->size - self->woffset;

      if ((gsize) n < left) {
        self->woffset += n;
        break;
      }
      n -= left;
      g_queue_pop_head_link (&self->wqueue);
      self->wqueue_bytes -= head->size;
      self->woffset = 0;
      frame_free (head);
    }
  }

  if (self->state != WS_DEAD)
    conn_want_write (self, FALSE);
  if (self->state != WS_DEAD && self->shut_when_flushed)
    conn_finish (self);

  return FALSE;
}

static void
conn_kick (KithdWsConn *self)
{
  /* While EPOLLOUT is asked for, the socket is full: the wake-up carries on. */
  if (self->state != WS_DEAD && !self->want_write)
    conn_flush (self);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  KithdWsConn *self = user_data;

  self->close_timeout_id = 0;
  conn_abort (self, self->close_code);

  return G_SOURCE_REMOVE;
}

/* Everything is out, the close frame last. Closing the socket now, with
 * input from the peer still unread, would make the kernel send a reset and
 * throw away what the peer has not received yet (the close frame among
 * it, for a peer that reads slowly). So the write side is shut (a FIN
 * follows the close frame) and what the peer still sends is read and
 * dropped until it closes its side, or the close timer ends it. The owner
 * is told now: for it the connection is over. */
static void
conn_finish (KithdWsConn *self)
{
  if (self->state == WS_DEAD || self->draining)
    return;

  self->draining = TRUE;
  self->state = WS_CLOSING;
  g_clear_pointer (&self->rbuf, g_byte_array_unref);
  g_clear_pointer (&self->msg, g_byte_array_unref);
  if (shutdown (self->fd, SHUT_WR) < 0 && errno != ENOTSOCK) {
    conn_abort (self, self->close_code);
    return;
  }
  if (self->close_timeout_id == 0)
    self->close_timeout_id = g_timeout_add (CLOSE_GRACE_MS, on_close_timeout, self);

  linger_begin (self);
  if (self->callbacks)
    g_idle_add_full (G_PRIORITY_DEFAULT, on_emit_closed,
                     kithd_ws_conn_ref (self),
                     (GDestroyNotify) kithd_ws_conn_unref);
}

/* The send queue is full: the peer does not read. What is queued is
 * dropped but for the rest of a frame already partly written (the peer
 * must see whole frames) and the close frame 1008 goes after it. The owner
 * is told at once that the connection is gone; the socket lingers, memory
 * bounded by that one frame, until the close frame is out or LINGER_MS. */
static void
slow_reader (KithdWsConn *self)
{
  GList *head;

  if (self->state == WS_DEAD || self->close_sent)
    return;
  g_debug ("send queue over %" G_GSIZE_FORMAT " bytes: slow reader, closing", self->max_queue);

  if (self->woffset > 0) {
    gsize written = self->woffset;

    head = g_queue_pop_head_link (&self->wqueue);
    queue_clear (self);
    g_queue_push_head_link (&self->wqueue, head);
    self->wqueue_bytes = ((WsFrame *) head->data)->size;
    self->woffset = written;
  } else {
    queue_clear (self);
  }

  self->state = WS_CLOSING;
  self->close_code = KITHD_WS_CLOSE_POLICY;
  g_clear_pointer (&self->msg, g_byte_array_unref);
  queue_close (self, KITHD_WS_CLOSE_POLICY, "slow reader");
  self->shut_when_flushed = TRUE;
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  self->close_timeout_id = g_timeout_add (LINGER_MS, on_close_timeout, self);

  linger_begin (self);
  g_idle_add_full (G_PRIORITY_DEFAULT, on_emit_closed,
                   kithd_ws_conn_ref (self),
                   (GDestroyNotify) kithd_ws_conn_unref);
  conn_kick (self);
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

/* RFC 6455, 7.4: the codes a peer may send. */
static gboolean
close_code_valid (guint code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static void
handle_close_frame (KithdWsConn  *self,
                    const guint8 *payload,
                    gsize         len)
{
  guint16 code = 1005;   /* no status received */
  guint16 answer = KITHD_WS_CLOSE_NORMAL;

  if (len == 1) {
    answer = KITHD_WS_CLOSE_PROTOCOL_ERROR;
  } else if (len >= 2) {
    code = (payload[0] << 8) | payload[1];
    if (!close_code_valid (code))
      answer = KITHD_WS_CLOSE_PROTOCOL_ERROR;
    else if (!g_utf8_validate_len ((const char *) payload + 2, len - 2, NULL))
      answer = KITHD_WS_CLOSE_BAD_DATA;
    else
      answer = code;
  }

  self->close_received = TRUE;
  if (self->close_sent) {
    /* Our close was answered: done once the rest is out. */
    self->shut_when_flushed = TRUE;
    conn_kick (self);
    if (g_queue_is_empty (&self->wqueue))
      conn_finish (self);
    return;
  }

  /* A valid code is echoed; a bad one is answered with why. */
  self->close_code = answer == KITHD_WS_CLOSE_NORMAL || answer == code ? code : answer;
  self->state = WS_CLOSING;
  g_clear_pointer (&self->msg, g_byte_array_unref);
  queue_close (self, answer, answer == KITHD_WS_CLOSE_PROTOCOL_ERROR ? "invalid close frame"
                             : answer == KITHD_WS_CLOSE_BAD_DATA ? "invalid UTF-8" : NULL);
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
    gsize hdr;
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

    if (!kithd_ws_frame_length (p, avail, &plen, &hdr))
      break;
    if (plen >> 63) {
      protocol_close (self, KITHD_WS_CLOSE_PROTOCOL_ERROR, "bad length");
      break;
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

    case 0x9: /* ping: the pong counts against the send queue's bound */
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

static void
take_input (KithdWsConn  *self,
            const guint8 *data,
            gsize         n)
{
  gsize used;

  if (self->draining)
    return;
  if (!self->rbuf)
    self->rbuf = g_byte_array_sized_new (n);
  g_byte_array_append (self->rbuf, data, n);

  used = parse_frames (self);
  if (self->rbuf) {
    if (used == self->rbuf->len)
      g_clear_pointer (&self->rbuf, g_byte_array_unref);
    else if (used > 0)
      g_byte_array_remove_range (self->rbuf, 0, used);
  }
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
    gssize n;

    n = recv (self->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    if (n <= 0) {
      g_debug ("peer went away%s%s", n < 0 ? ": " : "", n < 0 ? g_strerror (errno) : "");
      conn_abort (self, self->close_received ? self->close_code : 1006);
      break;
    }
    total += n;
    take_input (self, buf, n);
  }

  kithd_ws_conn_unref (self);
}

static gboolean
on_first_read (gpointer user_data)
{
  KithdWsConn *self = user_data;
  g_autoptr (GBytes) input = g_steal_pointer (&self->first_input);
  gsize len;
  const guint8 *data = g_bytes_get_data (input, &len);

  self->first_read_id = 0;
  kithd_ws_conn_ref (self);
  if (self->state != WS_DEAD && len > 0)
    take_input (self, data, len);
  kithd_ws_conn_unref (self);

  return G_SOURCE_REMOVE;
}

KithdWsConn *
kithd_ws_conn_new (int                     fd,
                   const guint8           *first_input,
                   gsize                   first_input_len,
                   KithdWsRelease          release,
                   gpointer                release_data,
                   gsize                   max_message,
                   gsize                   max_queue,
                   const KithdWsCallbacks *callbacks,
                   gpointer                user_data)
{
  KithdWsConn *self;
  int one = 1;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_new0 (KithdWsConn, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->fd = fd;
  self->release = release;
  self->release_data = release_data;
  self->max_message = max_message;
  self->max_queue = max_queue;
  self->callbacks = callbacks;
  self->user_data = user_data;
  self->last_seen = g_get_monotonic_time ();
  g_queue_init (&self->wqueue);

  /* Frames go out whole, many to a sendmsg(): Nagle's algorithm would only
   * hold a frame back until the peer acknowledged the one before, which a
   * peer may delay (40 ms on Linux). Not a TCP socket: nothing to do. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  if (!conn_register (self)) {
    /* Reported through the closed callback, like any other failure. */
    conn_abort (self, 1006);
    return self;
  }
  /* The client may have sent its first frames with the upgrade request:
   * epoll knows only of what is still in the socket. */
  if (first_input_len > 0) {
    self->first_input = g_bytes_new (first_input, first_input_len);
    self->first_read_id = g_idle_add (on_first_read, self);
  }

  return self;
}

guint
kithd_ws_get_n_lingering (void)
{
  return ws_lingering ? g_hash_table_size (ws_lingering) : 0;
}

void
kithd_ws_abort_lingering (void)
{
  g_autoptr (GPtrArray) conns = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer conn;

  if (ws_lingering == NULL)
    return;
  /* conn_abort() takes each out of the set. */
  g_hash_table_iter_init (&iter, ws_lingering);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    g_ptr_array_add (conns, conn);
  for (guint i = 0; i < conns->len; i++) {
    KithdWsConn *self = g_ptr_array_index (conns, i);

    conn_abort (self, self->close_code);
  }
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
    conn_release (self);
  }
  queue_clear (self);
  g_clear_pointer (&self->rbuf, g_byte_array_unref);
  g_clear_pointer (&self->msg, g_byte_array_unref);
  g_clear_pointer (&self->first_input, g_bytes_unref);
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
  if (queue_frame (self, frame_new (0x1, g_bytes_ref (bytes), NULL, len)))
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWs"

#include "config.h"

#include <string.h>

#include "kithd-ws.h"

#define READ_CHUNK        4096
#define MAX_READ_PER_WAKE (64 * 1024)
#define CLOSE_GRACE_MS    2000

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
  GSource                *read_source;
  GSource                *write_source;
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

  const KithdWsCallbacks *callbacks;
  gpointer                user_data;
};

static gboolean on_readable (GObject *stream, gpointer user_data);
static gboolean conn_flush  (KithdWsConn *self);

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

  if (self->read_source) {
    g_source_destroy (self->read_source);
    g_clear_pointer (&self->read_source, g_source_unref);
  }
  if (self->write_source) {
    g_source_destroy (self->write_source);
    g_clear_pointer (&self->write_source, g_source_unref);
  }
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

static gboolean
on_writable (GObject  *stream,
             gpointer  user_data)
{
  KithdWsConn *self = user_data;
  gboolean more;

  kithd_ws_conn_ref (self);
  more = conn_flush (self);
  if (!more && self->write_source) {
    /* Returning REMOVE destroys the source; drop our pointer. */
    g_clear_pointer (&self->write_source, g_source_unref);
  }
  kithd_ws_conn_unref (self);

  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
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
        if (!self->write_source) {
          self->write_source = g_pollable_output_stream_create_source (self->out, NULL);
          g_source_set_callback (self->write_source, G_SOURCE_FUNC (on_writable), self, NULL);
          g_source_attach (self->write_source, NULL);
        }
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

  if (self->state != WS_DEAD && self->shut_when_flushed)
    conn_abort (self, self->close_code);

  return FALSE;
}

static void
conn_kick (KithdWsConn *self)
{
  /* A pending writable source will carry on; otherwise write now. */
  if (self->state != WS_DEAD && !self->write_source)
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

static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  KithdWsConn *self = user_data;
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

  /* The source is destroyed by conn_abort when the connection dies. */
  return G_SOURCE_CONTINUE;
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

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  in = g_io_stream_get_input_stream (stream);
  out = g_io_stream_get_output_stream (stream);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (in), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (out), NULL);

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

  self->read_source = g_pollable_input_stream_create_source (self->in, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->read_source, NULL);

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
    if (self->read_source)
      g_source_destroy (self->read_source);
    if (self->write_source)
      g_source_destroy (self->write_source);
    g_clear_handle_id (&self->close_timeout_id, g_source_remove);
    g_io_stream_close (self->stream, NULL, NULL);
  }
  g_clear_pointer (&self->read_source, g_source_unref);
  g_clear_pointer (&self->write_source, g_source_unref);
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

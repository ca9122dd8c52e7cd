/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-frame.h"

G_BEGIN_DECLS

/*
 * KithdWsConn: one server-side RFC 6455 connection on an upgraded socket.
 *
 * Reads are non-blocking (one epoll set for all connections, watched by one
 * GSource on the main context), frames are parsed in place, fragmented
 * messages are reassembled, control frames are answered. Writes
 * go through a queue of GBytes whose size is tracked: once it passes
 * max_queue bytes the connection is closed with 1008 and the queue dropped,
 * so a slow reader can never grow kithd's memory. An idle connection holds
 * no read buffer and asks for no writability. Main thread only.
 */

typedef enum {
  KITHD_WS_CLOSE_NORMAL         = 1000,
  KITHD_WS_CLOSE_GOING_AWAY     = 1001,
  KITHD_WS_CLOSE_PROTOCOL_ERROR = 1002,
  KITHD_WS_CLOSE_UNSUPPORTED    = 1003,
  KITHD_WS_CLOSE_BAD_DATA       = 1007,
  KITHD_WS_CLOSE_POLICY         = 1008,  /* slow reader */
  KITHD_WS_CLOSE_TOO_BIG        = 1009,
  KITHD_WS_CLOSE_NO_HELLO       = KITH_CLOSE_NO_HELLO,
  KITHD_WS_CLOSE_UNAUTHORIZED   = KITH_CLOSE_UNAUTHORIZED,
  KITHD_WS_CLOSE_DEAD_PEER      = KITH_CLOSE_DEAD_PEER,
} KithdWsCloseCode;

typedef struct _KithdWsConn KithdWsConn;

typedef struct {
  /* A whole text message (not NUL-terminated). */
  void (*text)   (KithdWsConn *conn, const char *data, gsize len, gpointer user_data);
  /* The connection is gone (closed by either side or failed). Called once;
   * no callback follows. @code is the close code sent or received. */
  void (*closed) (KithdWsConn *conn, guint16 code, gpointer user_data);
} KithdWsCallbacks;

/* Gives the socket back to its owner (which closes it). */
typedef void (*KithdWsRelease) (gpointer data);

/* @fd: the upgraded, non-blocking socket, released (never closed) through
 * @release once the connection ends; @first_input: bytes that came with the
 * upgrade request. @max_message: largest message accepted (bigger: close
 * 1009); @max_queue: send-queue bound in bytes. */
KithdWsConn *kithd_ws_conn_new         (int                     fd,
                                        const guint8           *first_input,
                                        gsize                   first_input_len,
                                        KithdWsRelease          release,
                                        gpointer                release_data,
                                        gsize                   max_message,
                                        gsize                   max_queue,
                                        const KithdWsCallbacks *callbacks,
                                        gpointer                user_data);
KithdWsConn *kithd_ws_conn_ref         (KithdWsConn            *conn);
void         kithd_ws_conn_unref       (KithdWsConn            *conn);

/* Queues a text message; @bytes is shared, not copied. */
void         kithd_ws_conn_send_text   (KithdWsConn            *conn,
                                        GBytes                 *bytes);
void         kithd_ws_conn_send_ping   (KithdWsConn            *conn);
/* Starts the close handshake: pending data is flushed, a close frame is
 * sent and the stream shut after the peer's close (or a short grace time). */
void         kithd_ws_conn_close       (KithdWsConn            *conn,
                                        guint16                 code,
                                        const char             *reason);
gboolean     kithd_ws_conn_is_open     (KithdWsConn            *conn);
gsize        kithd_ws_conn_get_queued  (KithdWsConn            *conn);
/* Monotonic time (µs) of the last frame received, of any kind. */
gint64       kithd_ws_conn_get_last_seen (KithdWsConn          *conn);

/* Connections already reported closed that still hold their socket (a
 * close frame going out, the peer's input drained), and ending them all at
 * once (their sockets given back): for shutdown, before the sockets' owner
 * goes. */
guint        kithd_ws_get_n_lingering  (void);
void         kithd_ws_abort_lingering  (void);

/* The payload length of the frame whose header starts at @data (@len bytes
 * at hand), and the length of that header before the mask: 2, 4 or 10
 * (RFC 6455, 5.2). FALSE while @len does not hold the whole length field.
 * kithd's reader and the benchmark's clients and floor server read it here. */
gboolean     kithd_ws_frame_length     (const guint8           *data,
                                        gsize                   len,
                                        guint64                *payload_len,
                                        gsize                  *header_len);

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key; NULL when the key
 * is not 16 bytes in base64 (RFC 6455, 4.2.1). */
char        *kithd_ws_accept_key       (const char             *client_key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdWsConn, kithd_ws_conn_unref)

G_END_DECLS

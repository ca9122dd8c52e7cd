/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A server that misbehaves on purpose, for the client's drills: a loopback
 * GSocketService that speaks just enough HTTP/1.1 (one request per
 * connection, then close) and RFC 6455 to answer like kithd where asked
 * to, and to break the answer where told. The real kithd cannot be made
 * to do that; everything else in the tests runs against it.
 *
 * Its user is Ada (id 7, ada@example.com); its token "kt_fake".
 */

typedef enum {
  FAKE_REST_OK,              /* what kithd answers */
  FAKE_REST_NOT_JSON,        /* 200, text/plain */
  FAKE_REST_WRONG_SHAPE,     /* 200, JSON of another shape */
  FAKE_REST_TRUNCATED,       /* 200, Content-Length larger than what is sent, then closed */
  FAKE_REST_HTML_ERROR,      /* 502, an HTML error page (a proxy in front of a dead server) */
  FAKE_REST_CLOSED,          /* closed after half a status line */
  FAKE_REST_CLOSED_AT_ONCE,  /* closed as soon as the request is read */
  FAKE_REST_SILENT,          /* the request is read and never answered (until freed) */
} FakeRest;

typedef enum {
  FAKE_SOCKET_OK,               /* welcome after hello; pong for ping */
  FAKE_SOCKET_NO_UPGRADE,       /* the upgrade answered with 502 and an HTML page */
  FAKE_SOCKET_GARBAGE,          /* a text frame that is not JSON instead of welcome */
  FAKE_SOCKET_INVALID_FRAME,    /* a frame with a reserved opcode instead of welcome */
  FAKE_SOCKET_CLOSED_MID_FRAME, /* half a text frame, then the connection closed */
  FAKE_SOCKET_REFUSED_FRAME,    /* a welcome the codec refuses (seq is a string) */
  FAKE_SOCKET_WELCOME_CLOSE,    /* welcome, then the connection closed at once */
  FAKE_SOCKET_WELCOME_GARBAGE,  /* welcome, then a text frame that is not JSON */
  FAKE_SOCKET_WELCOME_UNKNOWN,  /* welcome, then a frame of a type from the future, then pong as OK */
} FakeSocket;

typedef struct _FakeKithd FakeKithd;

FakeKithd  *fake_kithd_new              (void);
/* "http://127.0.0.1:PORT" */
const char *fake_kithd_get_url          (FakeKithd  *self);
/* How requests to @path (without the query) are answered; FAKE_REST_OK
 * unless set. */
void        fake_kithd_set_rest         (FakeKithd  *self,
                                         const char *path,
                                         FakeRest    how);
void        fake_kithd_set_socket       (FakeKithd  *self,
                                         FakeSocket  how);
/* Closes every open WebSocket connection (no close frame: the link drops). */
void        fake_kithd_close_sockets    (FakeKithd  *self);
/* Requests so far to @path (the socket's upgrades included). */
guint       fake_kithd_count            (FakeKithd  *self,
                                         const char *path);
/* When the socket upgrades came (g_get_monotonic_time ()), in order. */
GArray     *fake_kithd_get_upgrade_times (FakeKithd *self);
/* Text frames the client sent, in order (their JSON). */
GPtrArray  *fake_kithd_get_frames       (FakeKithd  *self);
void        fake_kithd_free             (FakeKithd  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeKithd, fake_kithd_free)

G_END_DECLS

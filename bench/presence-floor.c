/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The floor for kith-bench-presence's saturation figure: a fan-out server
 * that does the least a server can do for the same load, in its own process
 * (`kith-bench-presence --floor-server`), so that kithd's deliveries/s and
 * CPU per delivery can be printed next to what the generator, the kernel and
 * loopback TCP allow on the same machine in the same run.
 *
 * It speaks just enough of kithd's socket protocol for the generator: the
 * WebSocket upgrade, `hello` → `welcome`, `ping` → `pong`, and for every
 * `presence.set` of user i one `presence` frame (serialised once, with
 * src/common's codec, the same bytes kithd sends) to each of the users
 * i±1 … i±K/2 of the ring, one send() per receiver. Who a socket belongs to
 * is in its hello token, `floor-INDEX-ID` (ID: the user's id on kithd, so
 * the generator's checks hold unchanged). No accounts, no store, no limits:
 * loopback only, for the benchmark alone.
 *
 * --floor-split-writes sends each frame's header and payload with two
 * send() calls, as kithd does (kithd-ws.c queues them as two GBytes), to
 * measure what the second call costs.
 */
#define G_LOG_DOMAIN "KithBench"
#define _GNU_SOURCE  /* memmem, strcasestr */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "kith-protocol.h"
#include "kithd-ws.h"
#include "presence-floor.h"

#define WS_GUID        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define READ_CHUNK     (64 * 1024)
#define MAX_IN         (1024 * 1024)
#define EPOLL_BATCH    256

typedef struct {
  int         fd;
  gboolean    upgraded;
  gint64      index;        /* -1 until hello */
  gint64      id;
  GByteArray *in;
  GByteArray *out;
  guint32     events;
} FloorConn;

typedef struct {
  int          epfd;
  int          n_users;
  int          half;
  gboolean     split;
  FloorConn  **by_user;      /* n_users, NULL while not connected */
  GHashTable  *conns;        /* every FloorConn, welcomed or not */
} Floor;

static volatile sig_atomic_t floor_stop;

static void
on_floor_signal (int sig)
{
  floor_stop = 1;
}

static void
floor_conn_free (Floor     *f,
                 FloorConn *c)
{
  if (c->index >= 0 && f->by_user[c->index] == c)
    f->by_user[c->index] = NULL;
  g_hash_table_remove (f->conns, c);
  epoll_ctl (f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  g_byte_array_unref (c->in);
  g_byte_array_unref (c->out);
  g_free (c);
}

static void
floor_set_events (Floor     *f,
                  FloorConn *c,
                  guint32    events)
{
  struct epoll_event ev = { .events = events, .data.ptr = c };

  if (c->events == events)
    return;
  epoll_ctl (f->epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = events;
}

/* Writes what the socket takes; FALSE when the connection failed. */
static gboolean
floor_flush (Floor     *f,
             FloorConn *c)
{
  while (c->out->len > 0) {
    ssize_t n = send (c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);

    if (n > 0) {
      g_byte_array_remove_range (c->out, 0, n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      floor_set_events (f, c, EPOLLIN | EPOLLOUT);
      return TRUE;
    } else {
      return FALSE;
    }
  }
  floor_set_events (f, c, EPOLLIN);
  return TRUE;
}

/* One send() (two with --floor-split-writes) when nothing is queued;
 * what the socket refuses waits for EPOLLOUT. */
static void
floor_send (Floor        *f,
            FloorConn    *c,
            const guint8 *data,
            gsize         len,
            gsize         header_len)
{
  gsize done = 0;

  if (c->out->len == 0) {
    gsize first = f->split ? header_len : len;

    while (done < len) {
      gsize want = done < first ? first - done : len - done;
      ssize_t n = send (c->fd, data + done, want, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  }
  if (done < len) {
    g_byte_array_append (c->out, data + done, len - done);
    floor_set_events (f, c, EPOLLIN | EPOLLOUT);
  }
}

static gsize
ws_header (guint8 *hdr,
           guint8  opcode,
           gsize   len)
{
  hdr[0] = 0x80 | opcode;
  if (len < 126) {
    hdr[1] = len;
    return 2;
  }
  if (len <= G_MAXUINT16) {
    hdr[1] = 126;
    hdr[2] = len >> 8;
    hdr[3] = len & 0xff;
    return 4;
  }
  hdr[1] = 127;
  for (int i = 0; i < 8; i++)
    hdr[2 + i] = ((guint64) len >> (56 - 8 * i)) & 0xff;
  return 10;
}

/* A whole frame (header + payload) in one buffer; *header_len set. */
static GByteArray *
ws_frame (guint8       opcode,
          const void  *payload,
          gsize        len,
          gsize       *header_len)
{
  guint8 hdr[10];
  gsize h = ws_header (hdr, opcode, len);
  GByteArray *frame = g_byte_array_sized_new (h + len);

  g_byte_array_append (frame, hdr, h);
  g_byte_array_append (frame, payload, len);
  *header_len = h;
  return frame;
}

static void
floor_send_json (Floor     *f,
                 FloorConn *c,
                 KithFrame *frame)
{
  g_autofree char *json = NULL;
  g_autoptr (GByteArray) bytes = NULL;
  gsize len = 0, h;

  json = kith_frame_to_json (frame, KITH_ORIGIN_SERVER, &len);
  if (json == NULL)
    return;
  bytes = ws_frame (0x1, json, len, &h);
  floor_send (f, c, bytes->data, bytes->len, h);
}

static void
floor_presence_set (Floor     *f,
                    FloorConn *from,
                    KithFrame *set)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PRESENCE);
  g_autoptr (GByteArray) bytes = NULL;
  g_autofree char *json = NULL;
  gsize len = 0, h;

  frame->user_id = from->id;
  switch (set->chosen) {
  case KITH_CHOSEN_BUSY:
    frame->presence = KITH_PRESENCE_BUSY;
    break;
  case KITH_CHOSEN_HIDDEN:
    frame->presence = KITH_PRESENCE_OFFLINE;
    break;
  case KITH_CHOSEN_ONLINE:
  default:
    frame->presence = KITH_PRESENCE_ONLINE;
    break;
  }
  /* serialised once for every receiver, as kithd does */
  json = kith_frame_to_json (frame, KITH_ORIGIN_SERVER, &len);
  if (json == NULL)
    return;
  bytes = ws_frame (0x1, json, len, &h);

  for (int d = 1; d <= f->half; d++) {
    gint64 to[2] = { (from->index + d) % f->n_users,
                     (from->index + f->n_users - d) % f->n_users };

    for (int k = 0; k < 2; k++) {
      FloorConn *c = f->by_user[to[k]];

      if (c != NULL)
        floor_send (f, c, bytes->data, bytes->len, h);
    }
  }
}

static void
floor_hello (Floor     *f,
             FloorConn *c,
             KithFrame *hello)
{
  g_autoptr (KithFrame) welcome = kith_frame_new (KITH_FRAME_WELCOME);
  gint64 index = -1, id = 0;
  char *end = NULL;

  if (c->index >= 0)
    return;
  if (g_str_has_prefix (hello->token, "floor-")) {
    index = g_ascii_strtoll (hello->token + strlen ("floor-"), &end, 10);
    if (end != NULL && *end == '-')
      id = g_ascii_strtoll (end + 1, NULL, 10);
  }
  if (index < 0 || index >= f->n_users || id <= 0)
    return;   /* never welcomed: the generator reports it */
  if (f->by_user[index] != NULL)
    f->by_user[index]->index = -1;
  c->index = index;
  c->id = id;
  f->by_user[index] = c;

  welcome->user = kith_user_info_new ();
  welcome->user->id = id;
  welcome->user->email = g_strdup_printf ("floor-%" G_GINT64_FORMAT "@bench.invalid", index);
  welcome->user->first_name = g_strdup ("Floor");
  welcome->user->last_name = g_strdup ("User");
  welcome->seq = 0;
  floor_send_json (f, c, welcome);
}

static void
floor_text (Floor        *f,
            FloorConn    *c,
            const guint8 *data,
            gsize         len)
{
  g_autoptr (KithFrame) frame = NULL;

  frame = kith_frame_parse ((const char *) data, len, KITH_ORIGIN_CLIENT, NULL);
  if (frame == NULL)
    return;
  switch (frame->type) {
  case KITH_FRAME_HELLO:
    floor_hello (f, c, frame);
    break;
  case KITH_FRAME_PRESENCE_SET:
    if (c->index >= 0)
      floor_presence_set (f, c, frame);
    break;
  case KITH_FRAME_PING:
    {
      g_autoptr (KithFrame) pong = kith_frame_new (KITH_FRAME_PONG);

      floor_send_json (f, c, pong);
    }
    break;
  default:
    break;
  }
}

/* FALSE: close the connection. */
static gboolean
floor_frames (Floor     *f,
              FloorConn *c)
{
  gsize off = 0;
  gboolean keep = TRUE;

  for (;;) {
    guint8 *p = c->in->data + off;
    gsize avail = c->in->len - off;
    guint64 plen;
    gsize hlen;
    guint8 opcode;

    if (avail < 2)
      break;
    if (!(p[1] & 0x80)) {
      keep = FALSE;   /* client frames are masked */
      break;
    }
    opcode = p[0] & 0x0f;
    if (!kithd_ws_frame_length (p, avail, &plen, &hlen))
      break;
    if (plen > MAX_IN) {
      keep = FALSE;
      break;
    }
    if (avail < hlen + 4 + plen)
      break;
    for (gsize i = 0; i < plen; i++)
      p[hlen + 4 + i] ^= p[hlen + (i & 3)];
    off += hlen + 4 + plen;

    if (opcode == 0x1 && (p[0] & 0x80)) {
      floor_text (f, c, p + hlen + 4, plen);
    } else if (opcode == 0x9 && plen <= 125) {
      g_autoptr (GByteArray) pong = NULL;
      gsize h;

      pong = ws_frame (0xA, p + hlen + 4, plen, &h);
      floor_send (f, c, pong->data, pong->len, h);
    } else if (opcode == 0x8) {
      guint8 close_frame[2] = { 0x88, 0 };

      floor_send (f, c, close_frame, sizeof close_frame, sizeof close_frame);
      keep = FALSE;
      break;
    }
  }
  if (off > 0)
    g_byte_array_remove_range (c->in, 0, off);
  return keep;
}

static gboolean
floor_upgrade (Floor     *f,
               FloorConn *c)
{
  const guint8 *end = memmem (c->in->data, c->in->len, "\r\n\r\n", 4);
  g_autofree char *header = NULL;
  g_autofree char *key = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *reply = NULL;
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  const char *k;
  gsize header_len;

  if (end == NULL)
    return c->in->len <= 16 * 1024;
  header_len = end + 4 - c->in->data;
  header = g_strndup ((const char *) c->in->data, header_len);
  k = strcasestr (header, "\r\nSec-WebSocket-Key:");
  if (k == NULL)
    return FALSE;
  k += strlen ("\r\nSec-WebSocket-Key:");
  while (*k == ' ')
    k++;
  key = g_strndup (k, strcspn (k, "\r\n "));
  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WS_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  reply = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
                           "Upgrade: websocket\r\n"
                           "Connection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: %s\r\n"
                           "\r\n", accept);
  g_byte_array_remove_range (c->in, 0, header_len);
  c->upgraded = TRUE;
  floor_send (f, c, (const guint8 *) reply, strlen (reply), strlen (reply));
  return floor_frames (f, c);
}

/* FALSE: close the connection. */
static gboolean
floor_readable (Floor     *f,
                FloorConn *c)
{
  gsize old = c->in->len;
  ssize_t n;

  if (old > MAX_IN)
    return FALSE;
  g_byte_array_set_size (c->in, old + READ_CHUNK);
  n = recv (c->fd, c->in->data + old, READ_CHUNK, 0);
  if (n <= 0) {
    g_byte_array_set_size (c->in, old);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  g_byte_array_set_size (c->in, old + n);
  return c->upgraded ? floor_frames (f, c) : floor_upgrade (f, c);
}

static void
floor_accept (Floor *f,
              int    lfd)
{
  for (;;) {
    int fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN };
    int one = 1;
    FloorConn *c;

    if (fd < 0)
      return;
    /* as kithd's sockets (libsoup sets it on every accepted one) */
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c = g_new0 (FloorConn, 1);
    c->fd = fd;
    c->index = -1;
    c->in = g_byte_array_sized_new (1024);
    c->out = g_byte_array_new ();
    c->events = EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl (f->epfd, EPOLL_CTL_ADD, fd, &ev);
    g_hash_table_add (f->conns, c);
  }
}

int
presence_floor_main (int         n_users,
                     int         n_contacts,
                     const char *port_file,
                     gboolean    split)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t addr_len = sizeof addr;
  struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
  struct sigaction sa = { .sa_handler = on_floor_signal };
  g_autofree char *port = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GList) left = NULL;
  Floor f = { 0 };
  int lfd, one = 1;

  /* never outlive the benchmark */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () == 1)
    return 1;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  f.n_users = n_users;
  f.half = n_contacts / 2;
  f.split = split;
  f.by_user = g_new0 (FloorConn *, n_users);
  f.conns = g_hash_table_new (NULL, NULL);
  f.epfd = epoll_create1 (EPOLL_CLOEXEC);

  lfd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (lfd < 0 || bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0
      || listen (lfd, 1024) < 0
      || getsockname (lfd, (struct sockaddr *) &addr, &addr_len) < 0) {
    g_printerr ("floor server: cannot listen: %s\n", g_strerror (errno));
    return 1;
  }
  epoll_ctl (f.epfd, EPOLL_CTL_ADD, lfd, &lev);
  port = g_strdup_printf ("%d\n", ntohs (addr.sin_port));
  if (!g_file_set_contents (port_file, port, -1, &error)) {
    g_printerr ("floor server: %s\n", error->message);
    return 1;
  }

  while (!floor_stop) {
    struct epoll_event events[EPOLL_BATCH];
    int n = epoll_wait (f.epfd, events, EPOLL_BATCH, -1);

    for (int i = 0; i < n; i++) {
      FloorConn *c = events[i].data.ptr;
      gboolean keep = TRUE;

      if (events[i].events == 0)
        continue;     /* its connection was closed earlier in this batch */
      if (c == NULL) {
        floor_accept (&f, lfd);
        continue;
      }
      if (events[i].events & EPOLLOUT)
        keep = floor_flush (&f, c);
      if (keep && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        keep = floor_readable (&f, c);
      if (!keep) {
        /* later events of this batch may name it: a dead fd is skipped */
        floor_conn_free (&f, c);
        for (int j = i + 1; j < n; j++)
          if (events[j].data.ptr == c)
            events[j].events = 0;
      }
    }
  }

  left = g_hash_table_get_keys (f.conns);
  for (GList *l = left; l != NULL; l = l->next)
    floor_conn_free (&f, l->data);
  g_hash_table_unref (f.conns);
  g_free (f.by_user);
  close (lfd);
  close (f.epfd);
  return 0;
}

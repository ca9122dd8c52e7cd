/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestRestart"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kith-backoff.h"
#include "kith-protocol.h"
#include "kithd-test-helper.h"

/*
 * The drill: kithd restarted under 5,000 connected sockets. Each socket is
 * a small client of its own here (the desktop client is one process per
 * user; 5,000 of those do not fit a test) that reconnects as KithSignalling
 * does: kith_backoff_delay_ms() with the client's defaults, the attempt
 * counted the same way. What is checked is what the people behind the
 * sockets would see: everyone back, their contacts' presence right again,
 * a message sent before the restart delivered to every device; and the
 * rate at which they came back stays under a bound.
 */

#define PASSWORD   "Secret#123"
#define N_USERS    100
#define PER_USER   50
#define N_CLIENTS  (N_USERS * PER_USER)
/* Reconnections per 250 ms at most: the clients' spread (a quarter to all
 * of a 2 s window) gives ~830; twice that leaves room for chance. */
#define MAX_PER_WINDOW 1700

typedef enum {
  C_WAIT,
  C_CONNECTING,
  C_UPGRADING,
  C_HELLO,
  C_OPEN,
} ClientState;

typedef struct {
  int          fd;
  ClientState  state;
  guint        user;
  guint        attempt;
  gint64       due;           /* C_WAIT: when to connect */
  gint64       welcome_at;
  GByteArray  *in;
  guint        contacts_online; /* bit 0: the one before, bit 1: the one after */
  gboolean     got_probe;
} Client;

typedef struct {
  KithdTestServer *srv;
  int              epfd;
  guint16          port;
  gint64           ids[N_USERS];
  char            *tokens[N_USERS];
  Client           clients[N_CLIENTS];
  GArray          *upgrades;    /* monotonic µs of each 101 since counting began */
  GArray          *attempts;    /* monotonic µs each reconnection was due at */
  gboolean         counting;
  guint            n_welcomed;  /* sockets welcomed since the last reset */
  guint            n_failed_connects;
  gboolean         probe_acked;
} Drill;

static Drill *drill;

static gint64
contact_before (guint user)
{
  return drill->ids[(user + N_USERS - 1) % N_USERS];
}

static gint64
contact_after (guint user)
{
  return drill->ids[(user + 1) % N_USERS];
}

static void
send_all (int         fd,
          const void *data,
          gsize       len)
{
  /* Small writes to a socket that reads: they fit its buffer. */
  if (send (fd, data, len, MSG_NOSIGNAL) != (gssize) len)
    g_debug ("a short write");
}

static void
send_text (int         fd,
           const char *text)
{
  g_autoptr (GByteArray) frame = kithd_test_ws_text_frame (text);

  send_all (fd, frame->data, frame->len);
}

/* The connection is gone: wait as KithSignalling would, then again. */
static void
client_fail (Client *c)
{
  gint64 now = g_get_monotonic_time ();

  if (c->fd >= 0) {
    epoll_ctl (drill->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close (c->fd);
    c->fd = -1;
  }
  if (c->state < C_OPEN)
    drill->n_failed_connects++;
  if (c->welcome_at != 0 && now - c->welcome_at >= (gint64) KITH_BACKOFF_MAX_MS_DEFAULT * 1000)
    c->attempt = 0;
  c->due = now + (gint64) kith_backoff_delay_ms (c->attempt, KITH_BACKOFF_MIN_MS_DEFAULT,
                                                 KITH_BACKOFF_MAX_MS_DEFAULT, g_random_int ()) * 1000;
  if (drill->counting)
    g_array_append_val (drill->attempts, c->due);
  c->attempt++;
  c->state = C_WAIT;
  g_byte_array_set_size (c->in, 0);
}

static void
client_connect (Client *c)
{
  struct sockaddr_in sa = { 0 };
  struct epoll_event ev = { EPOLLOUT, { .ptr = c } };
  int one = 1;

  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  g_assert_cmpint (c->fd, >=, 0);
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (drill->port);
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  c->state = C_CONNECTING;
  c->contacts_online = 0;
  if (connect (c->fd, (struct sockaddr *) &sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    client_fail (c);
    return;
  }
  g_assert_cmpint (epoll_ctl (drill->epfd, EPOLL_CTL_ADD, c->fd, &ev), ==, 0);
}

static void
client_frame (Client       *c,
              guint8        opcode,
              const guint8 *payload,
              gsize         len)
{
  g_autoptr (KithFrame) frame = NULL;

  if (opcode == 0x8) {          /* close: kithd goes (1001) */
    client_fail (c);
    return;
  }
  if (opcode == 0x9) {          /* ping: pong, masked */
    guint8 pong[2 + 4 + 125] = { 0x8A, 0x80 | (guint8) len, 0, 0, 0, 0 };

    memcpy (pong + 6, payload, MIN (len, 125));
    send_all (c->fd, pong, 6 + MIN (len, 125));
    return;
  }
  if (opcode != 0x1)
    return;

  frame = kith_frame_parse ((const char *) payload, len, KITH_ORIGIN_SERVER, NULL);
  g_assert_nonnull (frame);
  switch ((int) frame->type) {
  case KITH_FRAME_WELCOME:
    c->state = C_OPEN;
    c->welcome_at = g_get_monotonic_time ();
    drill->n_welcomed++;
    break;
  case KITH_FRAME_PRESENCE:
    if (frame->user_id == contact_before (c->user))
      c->contacts_online = (c->contacts_online & ~1u) | (frame->presence == KITH_PRESENCE_ONLINE ? 1 : 0);
    if (frame->user_id == contact_after (c->user))
      c->contacts_online = (c->contacts_online & ~2u) | (frame->presence == KITH_PRESENCE_ONLINE ? 2 : 0);
    break;
  case KITH_FRAME_MESSAGE:
    if (g_strcmp0 (frame->id, "probe") == 0)
      c->got_probe = TRUE;
    break;
  case KITH_FRAME_MESSAGE_ACK:
    if (g_strcmp0 (frame->id, "probe") == 0)
      drill->probe_acked = TRUE;
    break;
  default:
    break;
  }
}

/* Whole server frames from c->in. */
static void
client_parse (Client *c)
{
  gsize pos = 0;

  while (c->state >= C_HELLO && c->in->len - pos >= 2) {
    const guint8 *p = c->in->data + pos;
    gsize avail = c->in->len - pos;
    guint64 len = p[1] & 0x7f;
    gsize hdr = 2;

    if (len == 126) {
      if (avail < 4)
        break;
      len = (p[2] << 8) | p[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10)
        break;
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | p[2 + i];
      hdr = 10;
    }
    if (avail < hdr + len)
      break;
    pos += hdr + len;
    client_frame (c, p[0] & 0x0f, p + hdr, len);
    if (c->state == C_WAIT)
      return;
  }
  g_byte_array_remove_range (c->in, 0, pos);
}

static void
client_readable (Client *c)
{
  for (;;) {
    guint8 buf[16384];
    gssize n = recv (c->fd, buf, sizeof buf, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return;
    if (n <= 0) {
      client_fail (c);
      return;
    }
    g_byte_array_append (c->in, buf, n);

    if (c->state == C_UPGRADING) {
      const char *end = g_strstr_len ((const char *) c->in->data, c->in->len, "\r\n\r\n");
      g_autofree char *hello = NULL;

      if (!end)
        continue;
      if (c->in->len < 12 || memcmp (c->in->data, "HTTP/1.1 101", 12) != 0) {
        client_fail (c);
        return;
      }
      if (drill->counting) {
        gint64 now = g_get_monotonic_time ();

        g_array_append_val (drill->upgrades, now);
      }
      g_byte_array_remove_range (c->in, 0, end + 4 - (const char *) c->in->data);
      hello = g_strdup_printf ("{\"type\": \"hello\", \"token\": \"%s\"}", drill->tokens[c->user]);
      send_text (c->fd, hello);
      c->state = C_HELLO;
    }
    client_parse (c);
    if (c->state == C_WAIT)
      return;
  }
}

static void
client_writable (Client *c)
{
  struct epoll_event ev = { EPOLLIN, { .ptr = c } };
  int err = 0;
  socklen_t len = sizeof err;
  g_autofree char *request = NULL;

  if (getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
    client_fail (c);
    return;
  }
  epoll_ctl (drill->epfd, EPOLL_CTL_MOD, c->fd, &ev);
  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", drill->port);
  send_all (c->fd, request, strlen (request));
  c->state = C_UPGRADING;
}

/* Runs the clients until @done, at most @timeout_ms. */
static gboolean
run_until (gboolean (*done) (void),
           guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  while (!done ()) {
    struct epoll_event events[256];
    gint64 now = g_get_monotonic_time ();
    int n;

    if (now > deadline)
      return FALSE;
    for (guint i = 0; i < N_CLIENTS; i++) {
      Client *c = &drill->clients[i];

      if (c->state == C_WAIT && c->due <= now)
        client_connect (c);
    }
    n = epoll_wait (drill->epfd, events, G_N_ELEMENTS (events), 5);
    for (int i = 0; i < n; i++) {
      Client *c = events[i].data.ptr;

      if (c->state == C_CONNECTING)
        client_writable (c);
      else if (c->state != C_WAIT)
        client_readable (c);
    }
  }
  return TRUE;
}

static gboolean
all_converged (void)
{
  for (guint i = 0; i < N_CLIENTS; i++) {
    if (drill->clients[i].state != C_OPEN || drill->clients[i].contacts_online != 3)
      return FALSE;
  }
  return TRUE;
}

static gboolean
all_closed (void)
{
  for (guint i = 0; i < N_CLIENTS; i++) {
    if (drill->clients[i].state == C_OPEN)
      return FALSE;
  }
  return TRUE;
}

static gboolean
probe_acked (void)
{
  return drill->probe_acked;
}

static gboolean
probe_everywhere (void)
{
  for (guint i = 0; i < PER_USER; i++) {
    if (!drill->clients[1 * PER_USER + i].got_probe)
      return FALSE;
  }
  return all_converged ();
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The most times of the sorted @times within 250 ms, and where they start. */
static guint
busiest_window (GArray *times,
                gint64 *start)
{
  guint peak = 0;

  for (guint i = 0, j = 0; i < times->len; i++) {
    gint64 t = g_array_index (times, gint64, i);

    while (g_array_index (times, gint64, j) < t - 250000)
      j++;
    if (i - j + 1 > peak) {
      peak = i - j + 1;
      if (start != NULL)
        *start = g_array_index (times, gint64, j);
    }
  }
  return peak;
}

static void
test_restart_under_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kith-restart-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *listen = NULL;
  const char *args[5] = { "--config", NULL, "--listen", NULL, NULL };
  g_autoptr (GSocket) probe_port = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  struct rlimit rl;
  gint64 restart_at, peak_start = 0;
  guint peak, upgrade_peak;

  /* 5,000 sockets here, as many in kithd. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  if (rl.rlim_max < N_CLIENTS + 512) {
    g_test_skip ("the descriptor limit is under 5,512");
    return;
  }
  rl.rlim_cur = rl.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);

  drill = g_new0 (Drill, 1);
  drill->epfd = epoll_create1 (EPOLL_CLOEXEC);
  drill->upgrades = g_array_new (FALSE, FALSE, sizeof (gint64));
  drill->attempts = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* A fixed port, so that the restarted kithd is where the clients are. */
  probe_port = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  any = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (probe_port, any, TRUE, &error));
  g_clear_object (&any);
  any = g_socket_get_local_address (probe_port, &error);
  drill->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (any));
  g_socket_close (probe_port, NULL);
  listen = g_strdup_printf ("127.0.0.1:%u", drill->port);
  g_file_set_contents (conf, "[limits]\nconnections-per-address=0\nsign-ups-per-address=0\n", -1, &error);
  g_assert_no_error (error);
  args[1] = conf;
  args[3] = listen;
  drill->srv = kithd_test_server_startv (args);

  for (guint u = 0; u < N_USERS; u++) {
    g_autofree char *email = g_strdup_printf ("user%u@example.com", u);
    g_autoptr (KithdTestUser) user = kithd_test_server_sign_up (drill->srv, email, PASSWORD, "User", "R");

    drill->ids[u] = user->id;
    drill->tokens[u] = g_strdup (user->token);
  }
  /* A ring: each user is a contact of the one before and the one after. */
  for (guint u = 0; u < N_USERS; u++) {
    KithdTestUser a = { drill->ids[u], NULL, NULL, drill->tokens[u] };
    KithdTestUser b = { drill->ids[(u + 1) % N_USERS], NULL, NULL, drill->tokens[(u + 1) % N_USERS] };
    g_autofree char *email = g_strdup_printf ("user%u@example.com", (u + 1) % N_USERS);

    b.email = email;
    kithd_test_server_make_contacts (drill->srv, &a, &b);
  }

  /* Everyone connects, spread over a second. */
  for (guint i = 0; i < N_CLIENTS; i++) {
    Client *c = &drill->clients[i];

    c->fd = -1;
    c->user = i / PER_USER;
    c->in = g_byte_array_new ();
    c->state = C_WAIT;
    c->due = g_get_monotonic_time () + i * 200;
  }
  g_assert_true (run_until (all_converged, 120000));

  /* A message before the restart, acknowledged; user 1's devices must all
   * have it afterwards (they resume from 0, as a fresh device would). */
  {
    g_autofree char *send = g_strdup_printf ("{\"type\": \"message.send\", \"id\": \"probe\", \"to\": %"
                                             G_GINT64_FORMAT ", \"body\": \"before the restart\"}", drill->ids[1]);

    send_text (drill->clients[0].fd, send);
  }
  g_assert_true (run_until (probe_acked, 20000));

  /* The restart: every socket is closed (1001), kithd starts again on the
   * same port, the clients come back by themselves. */
  drill->n_welcomed = 0;
  drill->n_failed_connects = 0;
  drill->counting = TRUE;
  restart_at = g_get_monotonic_time ();
  g_assert_cmpint (kill (kithd_test_server_get_pid (drill->srv), SIGTERM), ==, 0);
  /* The clients see their sockets close (1001) and start waiting, some
   * already trying while kithd is down. */
  g_assert_true (run_until (all_closed, 20000));
  g_assert_cmpint (kithd_test_server_wait_exit (drill->srv), ==, 0);
  kithd_test_server_spawn (drill->srv);
  for (guint i = 0; i < N_CLIENTS; i++)
    drill->clients[i].got_probe = FALSE;
  g_assert_true (run_until (probe_everywhere, 120000));

  /* The rate they came back at: the busiest 250 ms of the reconnections
   * the clients' back-off scheduled, which is what reaches kithd. The
   * upgrades they got are a figure only: how fast they come depends on the
   * machine (under ASan on a busy machine they arrive in bursts). */
  g_array_sort (drill->attempts, compare_times);
  peak = busiest_window (drill->attempts, &peak_start);
  upgrade_peak = busiest_window (drill->upgrades, NULL);
  g_test_message ("restart under %u sockets: all back and converged %.2f s after the restart; "
                  "%u upgrades, %u connects refused or cut meanwhile; busiest 250 ms: "
                  "%u reconnections due (from %.2f s), %u upgrades", N_CLIENTS,
                  (g_get_monotonic_time () - restart_at) / 1e6, drill->upgrades->len,
                  drill->n_failed_connects, peak, (peak_start - restart_at) / 1e6, upgrade_peak);
  if (g_getenv ("KITH_PRINT_FIGURES"))
    g_printerr ("restart: %u sockets back in %.2f s; busiest 250 ms %u due (bound %u), %u upgrades\n",
                N_CLIENTS, (g_get_monotonic_time () - restart_at) / 1e6, peak, MAX_PER_WINDOW,
                upgrade_peak);
  g_assert_cmpuint (drill->upgrades->len, >=, N_CLIENTS);
  g_assert_cmpuint (peak, <=, MAX_PER_WINDOW);

  for (guint i = 0; i < N_CLIENTS; i++) {
    if (drill->clients[i].fd >= 0)
      close (drill->clients[i].fd);
    g_byte_array_unref (drill->clients[i].in);
  }
  for (guint u = 0; u < N_USERS; u++)
    g_free (drill->tokens[u]);
  close (drill->epfd);
  g_array_unref (drill->upgrades);
  g_array_unref (drill->attempts);
  kithd_test_server_free (drill->srv);
  g_clear_pointer (&drill, g_free);
  g_unlink (conf);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/restart/under-load", test_restart_under_load);

  return g_test_run ();
}

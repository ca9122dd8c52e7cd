/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTestWs"

#include "config.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kithd-ws.h"

/* KithdWsConn on a socket of its own (the protocol itself is tested through
 * a real kithd in test-socket, and fuzzed in tests/fuzz/fuzz-ws.c). */

static void
on_release (gpointer data)
{
  gboolean *released = data;

  *released = TRUE;
}

static const KithdWsCallbacks no_callbacks = { NULL, NULL };

/* kithd writes whole frames, several to a sendmsg(): a frame must not wait
 * for the peer to acknowledge the one before (Nagle's algorithm), which a
 * peer delays up to 40 ms. fuzz-client saw every frame after the first of
 * a burst arrive 40 ms late. */
static void
test_no_delay (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  gboolean released = FALSE;
  int listener, client, server;
  int value = -1;
  KithdWsConn *conn;

  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (listener, >=, 0);
  g_assert_cmpint (bind (listener, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (listener, 1), ==, 0);
  g_assert_cmpint (getsockname (listener, (struct sockaddr *) &addr, &len), ==, 0);
  client = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (connect (client, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  server = accept (listener, NULL, NULL);
  g_assert_cmpint (server, >=, 0);
  g_assert_cmpint (fcntl (server, F_SETFL, O_NONBLOCK), ==, 0);

  conn = kithd_ws_conn_new (server, NULL, 0, on_release, &released, 1024, 65536,
                            &no_callbacks, NULL);
  len = sizeof value;
  g_assert_cmpint (getsockopt (server, IPPROTO_TCP, TCP_NODELAY, &value, &len), ==, 0);
  g_assert_cmpint (value, !=, 0);

  kithd_ws_conn_unref (conn);
  g_assert_true (released);
  close (server);
  close (client);
  close (listener);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws/no-delay", test_no_delay);

  return g_test_run ();
}

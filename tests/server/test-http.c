/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestHttp"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * kithd's HTTP layer as an attacker and a bad network meet it: raw TCP
 * clients that close, stall, trickle, flood and oversize, against a real
 * kithd. Each test asserts what the next honest client sees: served.
 */

#define WAIT_MS 10000

#define GET_SERVER "GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

/* A request on a new connection; the status (0: not served in time). */
static guint
raw_get_server (KithdTestServer *srv,
                guint            timeout_ms)
{
  int fd = kithd_test_raw_open (srv, NULL);
  guint status = 0;

  if (kithd_test_raw_send_str (fd, GET_SERVER))
    status = kithd_test_raw_read_response (fd, timeout_ms, NULL, NULL);
  close (fd);
  return status;
}

/* A kithd with [limits] from @limits ("key=value\n…"). */
static KithdTestServer *
start_with_limits (guint       nofile,
                   const char *limits)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[limits]\n%s", limits ? limits : "");
  const char *args[] = { "--config", path, NULL };
  KithdTestServer *srv;

  g_assert_no_error (error);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  srv = kithd_test_server_start_limited (nofile, args);
  g_unlink (path);
  g_rmdir (dir);
  return srv;
}

typedef struct {
  KithdTestServer *srv;
  guint            max;
} FdsBelow;

static gboolean
fds_at_most (gpointer data)
{
  FdsBelow *f = data;

  return kithd_test_server_count_fds (f->srv) <= f->max;
}

/* ---- 1. connections the client closes give their descriptor back ---- */

static void
test_closed_keep_alive (void)
{
  KithdTestServer *srv = start_with_limits (0, NULL);
  guint before = kithd_test_server_count_fds (srv);
  FdsBelow below = { srv, before };

  /* Complete request and response on a kept-alive connection, then the
   * client hangs up, as curl and kith-cli do. */
  for (guint i = 0; i < 50; i++) {
    int fd = kithd_test_raw_open (srv, NULL);

    g_assert_true (kithd_test_raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, NULL, NULL), ==, 200);
    close (fd);
  }

  /* The second request on a connection, then the close. */
  for (guint i = 0; i < 20; i++) {
    int fd = kithd_test_raw_open (srv, NULL);

    g_assert_true (kithd_test_raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, NULL, NULL), ==, 200);
    g_assert_true (kithd_test_raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, NULL, NULL), ==, 200);
    close (fd);
  }

  if (!kithd_test_wait_until (fds_at_most, &below, WAIT_MS))
    g_error ("kithd holds %u descriptors, %u before 70 closed connections",
             kithd_test_server_count_fds (srv), before);

  kithd_test_server_free (srv);
}

/* ---- 2. out of descriptors: refuse while full, serve again after ---- */

static guint
count_in_log (KithdTestServer *srv,
              const char      *needle)
{
  g_autofree char *log = kithd_test_server_get_log (srv);
  guint n = 0;

  for (const char *p = strstr (log, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

typedef struct {
  KithdTestServer *srv;
  const char      *needle;
  guint            n;
} LogCount;

static gboolean
log_has (gpointer data)
{
  LogCount *c = data;

  return count_in_log (c->srv, c->needle) >= c->n;
}

static void
test_descriptor_limit (void)
{
  /* Room for the database, the log, the listener and a few connections. */
  KithdTestServer *srv = start_with_limits (64, "idle-timeout=600\nrequest-timeout=600\n"
                                                "connections-per-address=0\n");
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint round = 1; round <= 2; round++) {
    LogCount again = { srv, "accepts new connections again", round };
    guint status = 0;
    gint64 deadline;

    /* Far more idle connections than kithd has descriptors: the kernel's
     * backlog takes the rest. */
    for (guint i = 0; i < 120; i++) {
      int fd = kithd_test_raw_open (srv, NULL);

      g_array_append_val (fds, fd);
    }
    /* While full, a request is not served. */
    g_assert_cmpuint (raw_get_server (srv, 1000), ==, 0);

    for (guint i = 0; i < fds->len; i++)
      close (g_array_index (fds, int, i));
    g_array_set_size (fds, 0);

    /* As soon as descriptors are free again, kithd serves. */
    deadline = g_get_monotonic_time () + WAIT_MS * 1000LL;
    while (status != 200 && g_get_monotonic_time () < deadline)
      status = raw_get_server (srv, 2000);
    g_assert_cmpuint (status, ==, 200);

    /* Said once when it filled up, and once when it was over. */
    g_assert_true (kithd_test_wait_until (log_has, &again, WAIT_MS));
    g_assert_cmpuint (count_in_log (srv, "connection limit"), ==, round);
    g_assert_cmpuint (count_in_log (srv, "accepts new connections again"), ==, round);
  }

  kithd_test_server_free (srv);
}

/* The same limit reached by slow clients, which send the start of a
 * request and then nothing: they hold their descriptors only until the
 * request deadline, and kithd serves again without anyone closing. */
static void
test_descriptor_limit_slow (void)
{
  KithdTestServer *srv = start_with_limits (64, "idle-timeout=600\nrequest-timeout=2\n"
                                                "connections-per-address=0\n");
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  LogCount full = { srv, "connection limit", 1 };
  guint status = 0;
  gint64 deadline;

  for (guint i = 0; i < 60; i++) {
    int fd = kithd_test_raw_open (srv, NULL);

    kithd_test_raw_send_str (fd, "GET /api/v1/server HTTP/1.1\r\nHost: 127");
    g_array_append_val (fds, fd);
  }
  g_assert_true (kithd_test_wait_until (log_has, &full, WAIT_MS));

  /* Nobody closes: the deadlines free the descriptors, round after round
   * of the listen queue, and then an honest request is served. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (status != 200 && g_get_monotonic_time () < deadline)
    status = raw_get_server (srv, 5000);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (count_in_log (srv, "connection limit"), ==, 1);

  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  kithd_test_server_free (srv);
}

/* ---- 3. time limits and connections per address ---- */

/* One byte every 200 ms: kithd must close the connection within a bound. */
static gboolean
trickle_until_closed (int         fd,
                      const char *bytes,
                      guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  for (const char *p = bytes; g_get_monotonic_time () < deadline; ) {
    if (!kithd_test_raw_send (fd, p, 1))
      return TRUE;
    if (*(p + 1))
      p++;
    if (kithd_test_raw_wait_closed (fd, 200))
      return TRUE;
  }
  return FALSE;
}

static void
test_request_timeout (void)
{
  KithdTestServer *srv = start_with_limits (0, "request-timeout=2\nidle-timeout=3\n");
  int fd;

  /* Headers one byte at a time, for ever. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_send_str (fd, "GET /api/v1/server HTTP/1.1\r\n"));
  g_assert_true (trickle_until_closed (fd, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", WAIT_MS));
  close (fd);

  /* The request line itself, one byte at a time. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (trickle_until_closed (fd, "GET /api/v1/server?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                       WAIT_MS));
  close (fd);

  /* A body that never completes. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_send_str (fd, "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
  g_assert_true (trickle_until_closed (fd, "                                                            ",
                                       WAIT_MS));
  close (fd);

  /* Connected, and never a byte. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_wait_closed (fd, WAIT_MS));
  close (fd);

  /* Idle after a response (keep-alive). */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_send_str (fd, GET_SERVER));
  g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, NULL, NULL), ==, 200);
  g_assert_true (kithd_test_raw_wait_closed (fd, WAIT_MS));
  close (fd);

  /* An honest client is served all along. */
  g_assert_cmpuint (raw_get_server (srv, WAIT_MS), ==, 200);
  kithd_test_server_free (srv);
}

static void
test_connections_per_address (void)
{
  KithdTestServer *srv = start_with_limits (0, "connections-per-address=8\n");
  int fds[8];
  int extra;
  guint status = 0;
  gint64 deadline;

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++) {
    fds[i] = kithd_test_raw_open (srv, NULL);
    g_assert_true (kithd_test_raw_send_str (fds[i], GET_SERVER));
    g_assert_cmpuint (kithd_test_raw_read_response (fds[i], WAIT_MS, NULL, NULL), ==, 200);
  }

  /* The ninth from the same address is turned away at once. */
  extra = kithd_test_raw_open (srv, NULL);
  kithd_test_raw_send_str (extra, GET_SERVER);
  g_assert_cmpuint (kithd_test_raw_read_response (extra, WAIT_MS, NULL, NULL), ==, 0);
  close (extra);

  /* The eight still work. */
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++) {
    g_assert_true (kithd_test_raw_send_str (fds[i], GET_SERVER));
    g_assert_cmpuint (kithd_test_raw_read_response (fds[i], WAIT_MS, NULL, NULL), ==, 200);
  }

  /* One goes: there is room for one more. */
  close (fds[0]);
  deadline = g_get_monotonic_time () + WAIT_MS * 1000LL;
  while (status != 200 && g_get_monotonic_time () < deadline)
    status = raw_get_server (srv, 2000);
  g_assert_cmpuint (status, ==, 200);

  for (guint i = 1; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
  kithd_test_server_free (srv);
}

/* ---- 4. bodies over the limit are refused before they are read ---- */

static void
assert_error (const char *body,
              const char *code)
{
  g_autofree char *got = kithd_test_error_code (body);

  g_assert_cmpstr (got, ==, code);
}

static void
test_oversized_body (void)
{
  KithdTestServer *srv = start_with_limits (0, NULL);
  g_autofree char *chunk = g_strnfill (64 * 1024, 'a');
  g_autofree char *body = NULL;
  gsize rss_before, rss_after;
  int fd;

  /* A 1 GiB Content-Length: answered at once, before any body byte. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: 1073741824\r\n\r\n"));
  g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, &body, NULL), ==, 413);
  assert_error (body, "payload_too_large");
  g_assert_true (kithd_test_raw_wait_closed (fd, WAIT_MS));
  close (fd);
  g_clear_pointer (&body, g_free);

  /* The same with 32 MiB of body streamed after it: kithd does not grow. */
  rss_before = kithd_test_server_rss_kib (srv);
  fd = kithd_test_raw_open (srv, NULL);
  kithd_test_raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n");
  for (guint i = 0; i < 512; i++) {
    if (!kithd_test_raw_send (fd, chunk, strlen (chunk)))
      break;
  }
  close (fd);
  rss_after = kithd_test_server_rss_kib (srv);
  if (kithd_test_rss_is_meaningful ())
    g_assert_cmpuint (rss_after, <, rss_before + 4 * 1024);

  /* A chunked body that never ends: 411 at once. */
  fd = kithd_test_raw_open (srv, NULL);
  g_assert_true (kithd_test_raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"
                                   "10\r\n{\"email\": \"a@b.c\r\n"));
  g_assert_cmpuint (kithd_test_raw_read_response (fd, WAIT_MS, &body, NULL), ==, 411);
  g_assert_true (kithd_test_raw_wait_closed (fd, WAIT_MS));
  close (fd);

  g_assert_cmpuint (raw_get_server (srv, WAIT_MS), ==, 200);
  kithd_test_server_free (srv);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/closed-keep-alive", test_closed_keep_alive);
  g_test_add_func ("/http/descriptor-limit", test_descriptor_limit);
  g_test_add_func ("/http/descriptor-limit-slow", test_descriptor_limit_slow);
  g_test_add_func ("/http/request-timeout", test_request_timeout);
  g_test_add_func ("/http/connections-per-address", test_connections_per_address);
  g_test_add_func ("/http/oversized-body", test_oversized_body);

  return g_test_run ();
}

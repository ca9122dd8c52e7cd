/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestHttp"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * kithd's HTTP layer as an attacker and a bad network meet it: raw TCP
 * clients that close, stall, trickle, flood and oversize, against a real
 * kithd. Each test asserts what the next honest client sees: served.
 */

#define WAIT_MS 10000

/* ---- a raw HTTP client on plain sockets ---- */

static int
raw_open (KithdTestServer *srv)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (kithd_test_server_get_port (srv));
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  return fd;
}

/* FALSE when the peer is gone (EPIPE, ECONNRESET). */
static gboolean
raw_send (int         fd,
          const void *data,
          gsize       len)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    p += n;
    len -= n;
  }
  return TRUE;
}

static gboolean
raw_send_str (int         fd,
              const char *text)
{
  return raw_send (fd, text, strlen (text));
}

/* Reads into @buf until @done says so, the peer closes or @timeout_ms
 * passes. Returns FALSE on timeout. */
static gboolean
raw_read_until (int          fd,
                GString     *buf,
                gboolean   (*done) (GString *buf),
                gboolean    *closed,
                guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  *closed = FALSE;
  while (!done (buf)) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
    char chunk[4096];
    ssize_t n;

    if (left <= 0)
      return FALSE;
    if (poll (&pfd, 1, left) <= 0)
      continue;
    n = recv (fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *closed = TRUE;
      return TRUE;
    }
    g_string_append_len (buf, chunk, n);
  }
  return TRUE;
}

static gboolean
response_complete (GString *buf)
{
  const char *end = strstr (buf->str, "\r\n\r\n");
  const char *cl;
  gsize body_len = 0;

  if (!end)
    return FALSE;
  cl = g_strstr_len (buf->str, end - buf->str, "\r\nContent-Length:");
  if (!cl)
    cl = g_strstr_len (buf->str, end - buf->str, "\r\ncontent-length:");
  if (cl)
    body_len = g_ascii_strtoull (cl + strlen ("\r\nContent-Length:"), NULL, 10);
  return buf->len >= (gsize) (end + 4 - buf->str) + body_len;
}

static gboolean
never_done (GString *buf)
{
  return FALSE;
}

/* One response: its status (0 when none came in time), the body in @body. */
static guint
raw_read_response (int     fd,
                   guint   timeout_ms,
                   char  **body)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;
  const char *end;

  if (!raw_read_until (fd, buf, response_complete, &closed, timeout_ms) ||
      !g_str_has_prefix (buf->str, "HTTP/1.") || buf->len < 12 || !response_complete (buf))
    return 0;
  end = strstr (buf->str, "\r\n\r\n");
  if (body)
    *body = g_strdup (end + 4);
  return g_ascii_strtoull (buf->str + 9, NULL, 10);
}

/* TRUE when the peer closed within @timeout_ms (whatever it sent first). */
static gboolean
raw_wait_closed (int   fd,
                 guint timeout_ms)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;

  raw_read_until (fd, buf, never_done, &closed, timeout_ms);
  return closed;
}

#define GET_SERVER "GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

/* A request on a new connection; the status (0: not served in time). */
static guint
raw_get_server (KithdTestServer *srv,
                guint            timeout_ms)
{
  int fd = raw_open (srv);
  guint status = 0;

  if (raw_send_str (fd, GET_SERVER))
    status = raw_read_response (fd, timeout_ms, NULL);
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
    int fd = raw_open (srv);

    g_assert_true (raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (raw_read_response (fd, WAIT_MS, NULL), ==, 200);
    close (fd);
  }

  /* The second request on a connection, then the close. */
  for (guint i = 0; i < 20; i++) {
    int fd = raw_open (srv);

    g_assert_true (raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (raw_read_response (fd, WAIT_MS, NULL), ==, 200);
    g_assert_true (raw_send_str (fd, GET_SERVER));
    g_assert_cmpuint (raw_read_response (fd, WAIT_MS, NULL), ==, 200);
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
      int fd = raw_open (srv);

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

/* ---- 3. time limits and connections per address ---- */

/* One byte every 200 ms: kithd must close the connection within a bound. */
static gboolean
trickle_until_closed (int         fd,
                      const char *bytes,
                      guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  for (const char *p = bytes; g_get_monotonic_time () < deadline; ) {
    if (!raw_send (fd, p, 1))
      return TRUE;
    if (*(p + 1))
      p++;
    if (raw_wait_closed (fd, 200))
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
  fd = raw_open (srv);
  g_assert_true (raw_send_str (fd, "GET /api/v1/server HTTP/1.1\r\n"));
  g_assert_true (trickle_until_closed (fd, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", WAIT_MS));
  close (fd);

  /* The request line itself, one byte at a time. */
  fd = raw_open (srv);
  g_assert_true (trickle_until_closed (fd, "GET /api/v1/server?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                       WAIT_MS));
  close (fd);

  /* A body that never completes. */
  fd = raw_open (srv);
  g_assert_true (raw_send_str (fd, "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
  g_assert_true (trickle_until_closed (fd, "                                                            ",
                                       WAIT_MS));
  close (fd);

  /* Connected, and never a byte. */
  fd = raw_open (srv);
  g_assert_true (raw_wait_closed (fd, WAIT_MS));
  close (fd);

  /* Idle after a response (keep-alive). */
  fd = raw_open (srv);
  g_assert_true (raw_send_str (fd, GET_SERVER));
  g_assert_cmpuint (raw_read_response (fd, WAIT_MS, NULL), ==, 200);
  g_assert_true (raw_wait_closed (fd, WAIT_MS));
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
    fds[i] = raw_open (srv);
    g_assert_true (raw_send_str (fds[i], GET_SERVER));
    g_assert_cmpuint (raw_read_response (fds[i], WAIT_MS, NULL), ==, 200);
  }

  /* The ninth from the same address is turned away at once. */
  extra = raw_open (srv);
  raw_send_str (extra, GET_SERVER);
  g_assert_cmpuint (raw_read_response (extra, WAIT_MS, NULL), ==, 0);
  close (extra);

  /* The eight still work. */
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++) {
    g_assert_true (raw_send_str (fds[i], GET_SERVER));
    g_assert_cmpuint (raw_read_response (fds[i], WAIT_MS, NULL), ==, 200);
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
  fd = raw_open (srv);
  g_assert_true (raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: 1073741824\r\n\r\n"));
  g_assert_cmpuint (raw_read_response (fd, WAIT_MS, &body), ==, 413);
  assert_error (body, "payload_too_large");
  g_assert_true (raw_wait_closed (fd, WAIT_MS));
  close (fd);
  g_clear_pointer (&body, g_free);

  /* The same with 32 MiB of body streamed after it: kithd does not grow. */
  rss_before = kithd_test_server_rss_kib (srv);
  fd = raw_open (srv);
  raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n");
  for (guint i = 0; i < 512; i++) {
    if (!raw_send (fd, chunk, strlen (chunk)))
      break;
  }
  close (fd);
  rss_after = kithd_test_server_rss_kib (srv);
  g_assert_cmpuint (rss_after, <, rss_before + 4 * 1024);

  /* A chunked body that never ends: 411 at once. */
  fd = raw_open (srv);
  g_assert_true (raw_send_str (fd, "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"
                                   "10\r\n{\"email\": \"a@b.c\r\n"));
  g_assert_cmpuint (raw_read_response (fd, WAIT_MS, &body), ==, 411);
  g_assert_true (raw_wait_closed (fd, WAIT_MS));
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
  g_test_add_func ("/http/request-timeout", test_request_timeout);
  g_test_add_func ("/http/connections-per-address", test_connections_per_address);
  g_test_add_func ("/http/oversized-body", test_oversized_body);

  return g_test_run ();
}

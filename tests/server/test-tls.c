/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestTls"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "kithd-test-helper.h"

/*
 * kithd's own HTTPS and WSS, with a certificate authority the test makes
 * and trusts only here: REST and the socket over TLS, what a client that
 * does not trust the certificate, speaks plain HTTP or offers TLS 1.0/1.1
 * sees, and kithd refusing to start with a key others can read, files
 * that are missing, or a key that is not the certificate's.
 */

#define PASSWORD "Corr3ct-Horse!"
#define WAIT_MS  10000

static KithdTestTls *tls;

static char *
unique_email (const char *who)
{
  static guint n;

  return g_strdup_printf ("%s.%u@example.org", who, ++n);
}

/* ---- REST and the socket over TLS ---- */

static void
test_rest_over_https (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autoptr (KithdTestUser) user = NULL;
  g_autoptr (GPtrArray) mails = NULL;
  g_autofree char *email = unique_email ("rest");
  g_autofree char *response = NULL;
  g_autofree char *body = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *log = NULL;
  g_autofree char *link = NULL;

  g_assert_true (g_str_has_prefix (kithd_test_server_get_url (server), "https://127.0.0.1:"));
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/server", NULL, NULL, &response, NULL),
                    ==, 200);
  g_assert_nonnull (strstr (response, "\"name\""));

  user = kithd_test_server_sign_up (server, email, PASSWORD, "Ada", "Lovelace");
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/me", user->token, NULL, NULL, NULL),
                    ==, 200);
  g_free (kithd_test_server_log_in (server, email, PASSWORD, NULL));

  log = kithd_test_server_get_log (server);
  g_assert_nonnull (strstr (log, "listening on https://127.0.0.1:"));

  /* The public URL (in the links of mails) is https:// by default. */
  body = g_strdup_printf ("{\"email\": \"%s\"}", email);
  g_assert_cmpuint (kithd_test_server_request (server, "POST", "/api/v1/password-reset", NULL, body, NULL, NULL),
                    ==, 202);
  g_assert_cmpuint (kithd_test_server_wait_outbox (server, 1, WAIT_MS), ==, 1);
  mails = kithd_test_server_outbox_files (server);
  g_assert_true (g_file_get_contents (mails->pdata[0], &mail, NULL, NULL));
  link = g_strdup_printf ("https://127.0.0.1:%u/account/password-reset?token=",
                          kithd_test_server_get_port (server));
  g_assert_nonnull (strstr (mail, link));

  kithd_test_server_free (server);
}

static void
test_socket_over_wss (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *email_a = unique_email ("wss-a");
  g_autofree char *email_b = unique_email ("wss-b");
  g_autoptr (KithdTestUser) a = kithd_test_server_sign_up (server, email_a, PASSWORD, "Ada", "Lovelace");
  g_autoptr (KithdTestUser) b = kithd_test_server_sign_up (server, email_b, PASSWORD, "Alan", "Turing");
  g_autofree char *socket_url = kithd_test_server_get_socket_url (server);
  g_autoptr (JsonObject) ack = NULL;
  g_autoptr (JsonObject) message = NULL;
  g_autoptr (GString) big = g_string_new (NULL);
  KithdTestSocket *sa, *sb;
  guint fds_before;

  g_assert_true (g_str_has_prefix (socket_url, "wss://127.0.0.1:"));
  kithd_test_server_make_contacts (server, a, b);
  /* kithd makes its sockets' epoll set with the first one. */
  kithd_test_socket_free (kithd_test_socket_connect (server, NULL, 0));
  fds_before = kithd_test_server_count_fds (server);

  /* hello → welcome over WSS, presence, a message each way. */
  sa = kithd_test_socket_connect (server, a->token, 0);
  sb = kithd_test_socket_connect (server, b->token, 0);
  g_assert_nonnull (kithd_test_socket_get_welcome (sa));
  g_assert_cmpstr (kithd_test_socket_wait_presence (sa, b->id, WAIT_MS), ==, "online");

  kithd_test_socket_send_printf (sa, "{\"type\": \"message.send\", \"id\": \"m1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"Hello over TLS\"}", b->id);
  ack = kithd_test_socket_wait_frame (sa, "message.ack", NULL, 0, WAIT_MS);
  g_assert_nonnull (ack);
  message = kithd_test_socket_wait_frame (sb, "message", NULL, 0, WAIT_MS);
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "body"), ==, "Hello over TLS");

  /* A message near the limit crosses TLS records and the socket pair. */
  for (guint i = 0; big->len < 15000; i++)
    g_string_append_printf (big, "%u ", i);
  kithd_test_socket_send_printf (sb, "{\"type\": \"message.send\", \"id\": \"m2\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"%s\"}", a->id, big->str);
  g_clear_pointer (&message, json_object_unref);
  message = kithd_test_socket_wait_frame (sa, "message", NULL, 0, WAIT_MS);
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "body"), ==, big->str);
  kithd_test_socket_sync (sa);
  kithd_test_socket_sync (sb);

  /* Closing: the contact sees offline; the descriptors come back. */
  kithd_test_socket_free (sb);
  g_assert_cmpstr (kithd_test_socket_wait_presence (sa, b->id, WAIT_MS), ==, "offline");
  kithd_test_socket_free (sa);
  for (gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000LL;
       kithd_test_server_count_fds (server) > fds_before && g_get_monotonic_time () < deadline;)
    g_usleep (10000);
  g_assert_cmpuint (kithd_test_server_count_fds (server), <=, fds_before);

  kithd_test_server_free (server);
}

/* ---- a TLS client on GnuTLS, for what libsoup would not do ---- */

typedef struct {
  int                              fd;
  gnutls_session_t                 session;
  gnutls_certificate_credentials_t credentials;
} TlsClient;

static int
tcp_open (KithdTestServer *server)
{
  struct sockaddr_in sa = { 0 };
  struct timeval tv = { WAIT_MS / 1000, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (kithd_test_server_get_port (server));
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  /* No read or write may hang the test. */
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

/* Connects and shakes hands offering only the versions of @priority,
 * trusting the test's authority and checking the name "localhost".
 * Returns gnutls_handshake()'s result. */
static int
tls_client_open (TlsClient       *client,
                 KithdTestServer *server,
                 const char      *priority)
{
  int ret;

  memset (client, 0, sizeof *client);
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&client->credentials), ==, 0);
  g_assert_cmpint (gnutls_certificate_set_x509_trust_file (client->credentials, kithd_test_tls_get_ca_file (tls),
                                                           GNUTLS_X509_FMT_PEM), ==, 1);
  g_assert_cmpint (gnutls_init (&client->session, GNUTLS_CLIENT), ==, 0);
  g_assert_cmpint (gnutls_priority_set_direct (client->session, priority, NULL), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (client->session, GNUTLS_CRD_CERTIFICATE, client->credentials), ==, 0);
  g_assert_cmpint (gnutls_server_name_set (client->session, GNUTLS_NAME_DNS, "localhost", strlen ("localhost")), ==, 0);
  gnutls_session_set_verify_cert (client->session, "localhost", 0);
  client->fd = tcp_open (server);
  gnutls_transport_set_int (client->session, client->fd);

  do
    ret = gnutls_handshake (client->session);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  return ret;
}

static void
tls_client_close (TlsClient *client)
{
  gnutls_deinit (client->session);
  gnutls_certificate_free_credentials (client->credentials);
  close (client->fd);
}

static void
tls_send_str (TlsClient  *client,
              const char *text)
{
  gsize len = strlen (text);

  while (len > 0) {
    ssize_t n = gnutls_record_send (client->session, text, len);

    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
      continue;
    g_assert_cmpint (n, >, 0);
    text += n;
    len -= n;
  }
}

/* Reads until @needle has come (TRUE), or the peer closed or went quiet. */
static gboolean
tls_read_until (TlsClient  *client,
                GString    *buf,
                const char *needle)
{
  while (!strstr (buf->str, needle)) {
    char chunk[4096];
    ssize_t n = gnutls_record_recv (client->session, chunk, sizeof chunk);

    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
      continue;
    if (n <= 0)
      return FALSE;
    g_string_append_len (buf, chunk, n);
  }
  return TRUE;
}

/* ---- what other clients see ---- */

static gboolean
closed_within (int   fd,
               guint timeout_ms,
               char *first_bytes,
               gsize size)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;
  gsize have = 0;

  while (g_get_monotonic_time () < deadline) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    char chunk[4096];
    ssize_t n;

    if (poll (&pfd, 1, 100) <= 0)
      continue;
    n = recv (fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return TRUE;
    if (have < size - 1) {
      gsize take = MIN ((gsize) n, size - 1 - have);

      memcpy (first_bytes + have, chunk, take);
      have += take;
      first_bytes[have] = '\0';
    }
  }
  return FALSE;
}

typedef struct {
  KithdTestServer *server;
  guint            max;
} FdsAtMost;

static gboolean
fds_at_most (gpointer data)
{
  FdsAtMost *f = data;

  return kithd_test_server_count_fds (f->server) <= f->max;
}

static void
assert_fds_back (KithdTestServer *server,
                 guint            before)
{
  FdsAtMost f = { server, before };

  if (!kithd_test_wait_until (fds_at_most, &f, WAIT_MS))
    g_error ("kithd holds %u descriptors, %u before", kithd_test_server_count_fds (server), before);
}

/* Plain HTTP to the HTTPS port: closed, not served, nothing held. */
static void
test_plain_http_refused (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  guint before = kithd_test_server_count_fds (server);

  for (guint i = 0; i < 20; i++) {
    int fd = tcp_open (server);
    char first[256] = "";
    const char *request = "GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    g_assert_cmpint (send (fd, request, strlen (request), MSG_NOSIGNAL), ==, (gssize) strlen (request));
    g_assert_true (closed_within (fd, WAIT_MS, first, sizeof first));
    /* Never an HTTP answer in clear. */
    g_assert_false (g_str_has_prefix (first, "HTTP/"));
    close (fd);
  }
  assert_fds_back (server, before);

  /* And served as before over HTTPS. */
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/server", NULL, NULL, NULL, NULL), ==, 200);
  kithd_test_server_free (server);
}

static void
on_websocket_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr (SoupWebsocketConnection) conn = NULL;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, error);
  g_assert_null (conn);
  g_assert_nonnull (*error);
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* A client that does not trust the authority fails the handshake, for
 * REST and the socket; kithd goes on serving those that do. */
static void
test_untrusted_client (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *other_key = kithd_test_tls_make_key (tls, "other-ca-key.pem");
  g_autofree char *other_ca = kithd_test_tls_make_self_signed (tls, "other-ca.pem", other_key);
  g_autoptr (GTlsDatabase) other_db = g_tls_file_database_new (other_ca, NULL);
  g_autofree char *url = g_strconcat (kithd_test_server_get_url (server), "/api/v1/server", NULL);
  g_autofree char *socket_url = kithd_test_server_get_socket_url (server);
  guint before = kithd_test_server_count_fds (server);

  g_assert_nonnull (other_db);
  for (guint i = 0; i < 2; i++) {
    /* The system's authorities, then another authority only. */
    g_autoptr (SoupSession) session = soup_session_new ();
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr (SoupMessage) ws_msg = soup_message_new ("GET", socket_url);
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GError) ws_error = NULL;

    if (i == 1)
      soup_session_set_tls_database (session, other_db);
    bytes = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_null (bytes);
    g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
    g_assert_true (soup_message_get_tls_peer_certificate_errors (msg) & G_TLS_CERTIFICATE_UNKNOWN_CA);

    soup_session_websocket_connect_async (session, ws_msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                          on_websocket_done, &ws_error);
    g_assert_true (kithd_test_wait_until (error_set, &ws_error, WAIT_MS));
    g_assert_error (ws_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  }
  assert_fds_back (server, before);
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/server", NULL, NULL, NULL, NULL), ==, 200);

  kithd_test_server_free (server);
}

/* TLS 1.2 and 1.3 only: a client offering at most 1.0 or 1.1 is refused. */
static void
test_old_versions_refused (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  static const struct {
    const char *priority;
    gnutls_protocol_t version;   /* 0: refused */
  } cases[] = {
    { "NORMAL:-VERS-ALL:+VERS-TLS1.0", 0 },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.1", 0 },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1", 0 },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.2", GNUTLS_TLS1_2 },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.3", GNUTLS_TLS1_3 },
    { "NORMAL", GNUTLS_TLS1_3 },
  };
  guint before = kithd_test_server_count_fds (server);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    TlsClient client;
    int ret = tls_client_open (&client, server, cases[i].priority);

    g_test_message ("%s: %s", cases[i].priority, ret < 0 ? gnutls_strerror (ret) : "connected");
    if (cases[i].version == 0) {
      g_assert_cmpint (ret, <, 0);
    } else {
      g_autoptr (GString) buf = g_string_new (NULL);

      g_assert_cmpint (ret, ==, 0);
      g_assert_cmpint (gnutls_protocol_get_version (client.session), ==, cases[i].version);
      /* And it speaks HTTP in there. */
      tls_send_str (&client, "GET /api/v1/server HTTP/1.1\r\nHost: localhost\r\n\r\n");
      g_assert_true (tls_read_until (&client, buf, "\r\n\r\n"));
      g_assert_true (g_str_has_prefix (buf->str, "HTTP/1.1 200 "));
    }
    tls_client_close (&client);
  }
  assert_fds_back (server, before);

  kithd_test_server_free (server);
}

/* Sockets that kithd closes, and shutting down with sockets open, one of
 * them a peer that never answers the close: kithd ends cleanly (exit 0;
 * under ASan, no leak). */
static void
test_socket_close_and_shutdown (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *email = unique_email ("shutdown");
  g_autoptr (KithdTestUser) user = kithd_test_server_sign_up (server, email, PASSWORD, "Grace", "Hopper");
  g_autoptr (GString) buf = g_string_new (NULL);
  g_autofree char *upgrade = NULL;
  KithdTestSocket *bad, *good, *other;
  TlsClient silent;

  /* A bad token: kithd closes with 4001. */
  bad = kithd_test_socket_connect (server, NULL, 0);
  kithd_test_socket_send (bad, "{\"type\": \"hello\", \"token\": \"AAAA\"}");
  g_assert_cmpuint (kithd_test_socket_wait_closed (bad, WAIT_MS), ==, 4001);
  kithd_test_socket_free (bad);

  good = kithd_test_socket_connect (server, user->token, 0);
  other = kithd_test_socket_connect (server, user->token, 0);

  /* A peer that upgrades over TLS and then reads nothing. */
  g_assert_cmpint (tls_client_open (&silent, server, "NORMAL"), ==, 0);
  upgrade = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  tls_send_str (&silent, upgrade);
  g_assert_true (tls_read_until (&silent, buf, "\r\n\r\n"));
  g_assert_true (g_str_has_prefix (buf->str, "HTTP/1.1 101 "));

  /* SIGTERM: the sockets that answer see 1001; kithd exits 0. */
  g_assert_cmpint (kithd_test_server_stop (server), ==, 0);
  g_assert_cmpuint (kithd_test_socket_wait_closed (good, WAIT_MS), ==, 1001);
  g_assert_cmpuint (kithd_test_socket_wait_closed (other, WAIT_MS), ==, 1001);

  kithd_test_socket_free (good);
  kithd_test_socket_free (other);
  tls_client_close (&silent);
  kithd_test_server_free (server);
}

/* ---- the descriptor budget: an upgraded TLS connection takes three ---- */

typedef struct {
  SoupSession             *session;
  SoupWebsocketConnection *conn;
  GError                  *error;
  gboolean                 done;
} PendingSocket;

static void
on_pending_connected (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PendingSocket *p = user_data;

  p->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &p->error);
  p->done = TRUE;
}

static void
pending_socket_free (gpointer data)
{
  PendingSocket *p = data;

  if (p->conn && soup_websocket_connection_get_state (p->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (p->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&p->conn);
  g_clear_error (&p->error);
  g_clear_object (&p->session);
  g_free (p);
}

typedef struct {
  GPtrArray *sockets;
  guint      n;
} Connected;

static guint
count_connected (GPtrArray *sockets)
{
  guint n = 0;

  for (guint i = 0; i < sockets->len; i++) {
    PendingSocket *p = sockets->pdata[i];

    g_assert_no_error (p->error);
    if (p->conn && soup_websocket_connection_get_state (p->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      n++;
  }
  return n;
}

static gboolean
connected_at_least (gpointer data)
{
  Connected *c = data;

  return count_connected (c->sockets) >= c->n;
}

static guint
logged_max_connections (KithdTestServer *server)
{
  g_autofree char *log = kithd_test_server_get_log (server);
  const char *at = strstr (log, "(at most ");

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen ("(at most "), NULL, 10);
}

static void
test_descriptor_budget (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-conf-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "limits.conf", NULL);
  const char *args[] = { "--config", conf, NULL };
  g_autoptr (GPtrArray) sockets = g_ptr_array_new_with_free_func (pending_socket_free);
  KithdTestServer *server;
  g_autofree char *url = NULL;
  Connected all;
  guint max;

  /* kithd reads one config file (the last --config): this one has the
   * helper's [tls] too. */
  {
    g_autofree char *text = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n[limits]\nconnections-per-address=0\n",
                                             kithd_test_tls_get_certificate_file (tls),
                                             kithd_test_tls_get_key_file (tls));

    g_assert_no_error (error);
    g_file_set_contents (conf, text, -1, &error);
    g_assert_no_error (error);
  }
  server = kithd_test_server_start_tls_limited (tls, 64, args);
  url = kithd_test_server_get_socket_url (server);
  max = logged_max_connections (server);
  g_test_message ("64 descriptors: at most %u connections", max);
  g_assert_cmpuint (max, >=, 2);
  g_assert_cmpuint (max, <=, 64 / 3);

  /* One more socket than kithd takes: every one of them is upgraded (none
   * fails for want of descriptors for its socket pair); the last waits. */
  for (guint i = 0; i < max + 1; i++) {
    PendingSocket *p = g_new0 (PendingSocket, 1);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

    p->session = kithd_test_server_new_soup_session (server);
    g_ptr_array_add (sockets, p);
    soup_session_websocket_connect_async (p->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                          on_pending_connected, p);
  }
  all = (Connected) { sockets, max };
  g_assert_true (kithd_test_wait_until (connected_at_least, &all, WAIT_MS));
  /* Not while all are open… */
  all.n = max + 1;
  g_assert_false (kithd_test_wait_until (connected_at_least, &all, 500));

  /* …and at once when one closes. */
  for (guint i = 0; i < sockets->len; i++) {
    PendingSocket *p = sockets->pdata[i];

    if (p->conn) {
      g_ptr_array_remove_index (sockets, i);
      break;
    }
  }
  all.n = max;
  g_assert_true (kithd_test_wait_until (connected_at_least, &all, WAIT_MS));
  g_assert_cmpuint (count_connected (sockets), ==, max);

  g_ptr_array_set_size (sockets, 0);
  kithd_test_server_free (server);
  g_unlink (conf);
  g_rmdir (dir);
}

/* ---- refusing to start ---- */

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Runs kithd with [tls] @certificate and @key; it must exit 1 at once
 * with a message holding @expected. */
static void
assert_refuses (const char *certificate,
                const char *key,
                const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-refuse-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *text = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", certificate, key);
  g_autoptr (GSubprocess) kithd = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  kithd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            g_getenv ("KITHD"), "--config", conf, "--data-dir", data,
                            "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (kithd, NULL, NULL, on_communicated, &result);
  if (!kithd_test_wait_until (result_set, &result, WAIT_MS)) {
    g_subprocess_force_exit (kithd);
    g_assert_true (kithd_test_wait_until (result_set, &result, WAIT_MS));
    g_subprocess_communicate_utf8_finish (kithd, result, &out, &err, NULL);
    g_error ("kithd started with [tls] certificate=%s key=%s; expected “%s”\n%s", certificate, key, expected, err);
  }
  g_subprocess_communicate_utf8_finish (kithd, result, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_true (g_subprocess_get_if_exited (kithd));
  g_assert_cmpint (g_subprocess_get_exit_status (kithd), ==, 1);
  g_assert_nonnull (strstr (err, expected));
  /* Said once, on one line, and nothing of the key. */
  g_assert_true (g_str_has_prefix (err, "kithd: "));
  g_assert_null (strstr (err, "PRIVATE KEY"));

  g_unlink (conf);
  {
    g_autoptr (GDir) d = g_dir_open (data, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name (d))) {
      g_autofree char *path = g_build_filename (data, name, NULL);

      g_unlink (path);
    }
  }
  g_rmdir (data);
  g_rmdir (dir);
}

static void
test_key_readable_by_others (void)
{
  const char *key = kithd_test_tls_get_key_file (tls);
  const char *cert = kithd_test_tls_get_certificate_file (tls);
  const guint modes[] = { 0640, 0604, 0644, 0660, 0400 | 0040 };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autofree char *expected = NULL;

    g_assert_cmpint (g_chmod (key, modes[i]), ==, 0);
    expected = g_strdup_printf ("The TLS key %s can be read by other users (mode %04o)", key, modes[i]);
    assert_refuses (cert, key, expected);
  }
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);

  /* 0400 is fine too. */
  g_assert_cmpint (g_chmod (key, 0400), ==, 0);
  kithd_test_server_free (kithd_test_server_start_tls (tls, NULL));
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
}

static void
test_files_missing_or_wrong (void)
{
  const char *key = kithd_test_tls_get_key_file (tls);
  const char *cert = kithd_test_tls_get_certificate_file (tls);
  g_autofree char *missing = g_build_filename (kithd_test_tls_get_dir (tls), "missing.pem", NULL);
  g_autofree char *other_key = kithd_test_tls_make_key (tls, "other-key.pem");
  g_autofree char *garbage = g_build_filename (kithd_test_tls_get_dir (tls), "garbage.pem", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;

  expected = g_strdup_printf ("Cannot read the TLS certificate %s: ", missing);
  assert_refuses (missing, key, expected);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Cannot read the TLS key %s: ", missing);
  assert_refuses (cert, missing, expected);

  /* A key that is not the certificate's. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The TLS key %s does not belong to the certificate %s", other_key, cert);
  assert_refuses (cert, other_key, expected);

  /* Files that are not PEM. */
  g_file_set_contents (garbage, "not a certificate\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (garbage, 0600), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The TLS certificate %s is not a PEM certificate", garbage);
  assert_refuses (garbage, key, expected);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The TLS key %s is not an unencrypted PEM private key", garbage);
  assert_refuses (cert, garbage, expected);

  /* The key given as the certificate, and a certificate as the key. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The TLS certificate %s is not a PEM certificate", key);
  assert_refuses (key, key, expected);
  g_assert_cmpint (g_chmod (cert, 0600), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The TLS key %s is not an unencrypted PEM private key", cert);
  assert_refuses (cert, cert, expected);
  g_assert_cmpint (g_chmod (cert, 0644), ==, 0);
  g_unlink (garbage);
}

/* An expired certificate (made with GnuTLS: openssl 3.0 cannot date one
 * in the past): kithd starts, and says why clients will refuse it. */
static void
write_expired_certificate (const char *cert_path,
                           const char *key_path)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t pem = { NULL, 0 };
  time_t now = time (NULL);
  const unsigned char serial[] = { 0x4b, 0x69, 0x74, 0x68 };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn (crt, "CN=localhost", NULL), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 3 * 24 * 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now - 24 * 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);

  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  g_file_set_contents (cert_path, (const char *) pem.data, pem.size, &error);
  g_assert_no_error (error);
  gnutls_free (pem.data);
  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  g_file_set_contents_full (key_path, (const char *) pem.data, pem.size,
                            G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  gnutls_free (pem.data);

  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
}

static void
test_expired_certificate_said (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-expired-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (dir, "expired.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "expired-key.pem", NULL);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", cert, key);
  g_autofree char *log = NULL;
  g_autofree char *expected = NULL;
  const char *args[] = { "--config", conf, NULL };
  KithdTestServer *server;

  g_assert_no_error (error);
  write_expired_certificate (cert, key);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);

  server = kithd_test_server_start_tls (tls, args);
  log = kithd_test_server_get_log (server);
  expected = g_strdup_printf ("The TLS certificate %s expired on ", cert);
  g_assert_nonnull (strstr (log, expected));
  g_assert_nonnull (strstr (log, "clients will refuse to connect"));
  kithd_test_server_free (server);

  g_unlink (cert);
  g_unlink (key);
  g_unlink (conf);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  tls = kithd_test_tls_new (NULL);

  g_test_add_func ("/tls/rest-over-https", test_rest_over_https);
  g_test_add_func ("/tls/socket-over-wss", test_socket_over_wss);
  g_test_add_func ("/tls/plain-http-refused", test_plain_http_refused);
  g_test_add_func ("/tls/untrusted-client", test_untrusted_client);
  g_test_add_func ("/tls/old-versions-refused", test_old_versions_refused);
  g_test_add_func ("/tls/socket-close-and-shutdown", test_socket_close_and_shutdown);
  g_test_add_func ("/tls/descriptor-budget", test_descriptor_budget);
  g_test_add_func ("/tls/key-readable-by-others", test_key_readable_by_others);
  g_test_add_func ("/tls/files-missing-or-wrong", test_files_missing_or_wrong);
  g_test_add_func ("/tls/expired-certificate-said", test_expired_certificate_said);

  status = g_test_run ();
  kithd_test_tls_free (tls);
  return status;
}

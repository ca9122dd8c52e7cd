/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestSocketLimits"

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * The socket at its limits, against a real kithd (docs/server.md, "The
 * socket", "Limits and close codes"): a reader that never reads, a dead
 * peer, RFC 6455 framing from a raw client, ping and call floods, close
 * codes, the message rate, and logins that must not stall the main loop.
 */

#define PASSWORD KITHD_TEST_PASSWORD
#define WAIT     KITHD_TEST_WAIT_MS

static KithdTestServer *server;

static KithdTestSocket *
connect_user (KithdTestUser *user)
{
  return kithd_test_socket_connect (server, user->token, 0);
}

/* ---- slow reader: a raw client that signs in and then never reads ---- */

static GByteArray *raw_expect (GSocketConnection *conn,
                               int                opcode);
static guint       close_code (GByteArray        *payload);

static void
raw_write_frame (GOutputStream *out,
                 const char    *text)
{
  g_autoptr (GByteArray) frame = kithd_test_ws_text_frame (text);
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (out, frame->data, frame->len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* A raw client: upgrades, says hello with @token, and reads only when told. */
static GSocketConnection *
raw_connect (KithdTestServer *srv,
             const char      *token,
             int              rcvbuf)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *hello = NULL;
  GSocketConnection *conn;
  GString *response = g_string_new (NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (rcvbuf > 0) {
    g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, &error);
    g_assert_no_error (error);
  }
  g_socket_set_timeout (socket, 10);
  address = g_inet_socket_address_new (loopback, kithd_test_server_get_port (srv));
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);

  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", kithd_test_server_get_port (srv));
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request, strlen (request),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  while (!g_str_has_suffix (response->str, "\r\n\r\n")) {
    char c;

    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), &c, 1, NULL, &error), ==, 1);
    g_string_append_c (response, c);
  }
  g_assert_true (g_str_has_prefix (response->str, "HTTP/1.1 101"));
  g_string_free (response, TRUE);

  if (token) {
    hello = g_strdup_printf ("{\"type\": \"hello\", \"token\": \"%s\"}", token);
    raw_write_frame (g_io_stream_get_output_stream (G_IO_STREAM (conn)), hello);
  }
  return conn;
}

/* Reads one (unmasked) server frame; returns its opcode, -1 at the end. */
static int
raw_read_frame (GSocketConnection  *conn,
                GByteArray        **payload)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  guint8 hdr[8];
  guint64 len;
  gsize n = 0;
  int opcode;

  if (!g_input_stream_read_all (in, hdr, 2, &n, NULL, NULL) || n < 2)
    return -1;
  opcode = hdr[0] & 0x0f;
  len = hdr[1] & 0x7f;
  if (len == 126) {
    g_assert_true (g_input_stream_read_all (in, hdr, 2, &n, NULL, NULL));
    len = (hdr[0] << 8) | hdr[1];
  } else if (len == 127) {
    g_assert_true (g_input_stream_read_all (in, hdr, 8, &n, NULL, NULL));
    len = 0;
    for (guint i = 0; i < 8; i++)
      len = (len << 8) | hdr[i];
  }
  *payload = g_byte_array_sized_new (len);
  g_byte_array_set_size (*payload, len);
  if (len > 0 && (!g_input_stream_read_all (in, (*payload)->data, len, &n, NULL, NULL) || n < len))
    return -1;
  return opcode;
}

static void
test_slow_reader (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) slow = kithd_test_server_new_user (server, "Slow");
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  g_autofree char *body = g_strnfill (15000, 'z');
  const guint n = 500;   /* 500 x 15 kB: past the kernel's buffers and the 1 MiB queue */

  kithd_test_server_make_contacts (server, ada, slow);
  a = connect_user (ada);

  conn = raw_connect (server, slow->token, 4096);
  kithd_test_socket_assert_presence (a, slow->id, "online");

  /* Ada sends far more than the slow reader takes. */
  for (guint i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf ("s-%u", i);

    kithd_test_socket_send_message (a, id, slow->id, body);
  }
  for (guint i = 0; i < n; i++) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
  }

  /* kithd dropped the connection (its presence goes) and still serves Ada. */
  kithd_test_socket_assert_presence (a, slow->id, "offline");
  kithd_test_socket_sync (a);

  /* When the slow reader reads at last, whole frames and then the
   * documented close frame, not a bare end of stream. */
  {
    g_autoptr (GByteArray) payload = raw_expect (conn, 0x8);

    g_assert_cmpuint (close_code (payload), ==, 1008);
  }
}

typedef struct {
  GSocketConnection *conn;
  gboolean           pinged;
  guint              code;
  gint               done;
} DeadPeer;

static gpointer
raw_read_until_close (gpointer data)
{
  DeadPeer *dead_peer = data;

  for (;;) {
    g_autoptr (GByteArray) payload = NULL;
    int opcode = raw_read_frame (dead_peer->conn, &payload);

    if (opcode == -1)
      break;
    if (opcode == 0x9)
      dead_peer->pinged = TRUE;
    if (opcode == 0x8) {
      if (payload->len >= 2)
        dead_peer->code = (payload->data[0] << 8) | payload->data[1];
      break;
    }
  }
  g_atomic_int_set (&dead_peer->done, TRUE);
  return NULL;
}

static gboolean
dead_peer_done (gpointer data)
{
  return g_atomic_int_get (&((DeadPeer *) data)->done);
}

/* A peer that answers no ping is closed with 4002; one that does stays. */
static void
test_dead_peer (void)
{
  KithdTestServer *own = kithd_test_server_start ("--test-ping-interval-ms", "150",
                                                  "--test-dead-peer-ms", "600", NULL);
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (own, "Ada");
  g_autoptr (KithdTestUser) dead = kithd_test_server_new_user (own, "Dead");
  g_autoptr (KithdTestSocket) a = kithd_test_socket_connect (own, ada->token, 0);
  g_autoptr (GSocketConnection) conn = raw_connect (own, dead->token, 0);
  DeadPeer dead_peer = { conn, FALSE, 0, FALSE };
  g_autoptr (GThread) thread = NULL;

  /* The raw client reads on a thread while this one runs the main loop
   * (where Ada's client answers kithd's pings). */
  thread = g_thread_new ("raw-reader", raw_read_until_close, &dead_peer);
  g_assert_true (kithd_test_wait_until (dead_peer_done, &dead_peer, WAIT));
  g_thread_join (g_steal_pointer (&thread));
  g_assert_true (dead_peer.pinged);
  g_assert_cmpuint (dead_peer.code, ==, 4002);

  /* Ada sent nothing since hello either, but her client answers pings. */
  g_assert_true (kithd_test_socket_is_open (a));
  kithd_test_socket_sync (a);

  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_server_free (own);
}

static void
raw_write (GSocketConnection *conn,
           const void        *data,
           gsize              len)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads frames until one of @opcode; returns its payload (NULL at the end). */
static GByteArray *
raw_expect (GSocketConnection *conn,
            int                opcode)
{
  for (;;) {
    GByteArray *payload = NULL;
    int got = raw_read_frame (conn, &payload);

    if (got == -1) {
      g_clear_pointer (&payload, g_byte_array_unref);
      return NULL;
    }
    if (got == opcode)
      return payload;
    g_byte_array_unref (payload);
  }
}

static guint
close_code (GByteArray *payload)
{
  g_assert_nonnull (payload);
  g_assert_cmpuint (payload->len, >=, 2);
  return (payload->data[0] << 8) | payload->data[1];
}

/* @bytes on a new raw connection: kithd closes it with @code. */
static void
assert_closes_with (const guint8 *bytes,
                    gsize         len,
                    guint         code)
{
  g_autoptr (GSocketConnection) conn = raw_connect (server, NULL, 0);
  g_autoptr (GByteArray) payload = NULL;

  raw_write (conn, bytes, len);
  payload = raw_expect (conn, 0x8);
  g_assert_cmpuint (close_code (payload), ==, code);
}

/* RFC 6455 details of kithd's own WebSocket code, with a raw client. */
static void
test_ws_framing (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (GSocketConnection) conn = raw_connect (server, NULL, 0);
  g_autofree char *hello = g_strdup_printf ("{\"type\": \"hello\", \"token\": \"%s\"}", ada->token);
  gsize half = strlen (hello) / 2;
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GByteArray) payload = NULL;
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  guint8 hdr[2];

  /* hello in two fragments, masked, with a ping between them. */
  hdr[0] = 0x01;                        /* text, not FIN */
  hdr[1] = 0x80 | half;
  g_byte_array_append (frame, hdr, 2);
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < half; i++) {
    guint8 b = hello[i] ^ mask[i & 3];

    g_byte_array_append (frame, &b, 1);
  }
  hdr[0] = 0x89;                        /* ping "hi" */
  hdr[1] = 0x80 | 2;
  g_byte_array_append (frame, hdr, 2);
  g_byte_array_append (frame, mask, 4);
  {
    guint8 p[2] = { 'h' ^ mask[0], 'i' ^ mask[1] };

    g_byte_array_append (frame, p, 2);
  }
  hdr[0] = 0x80;                        /* continuation, FIN */
  hdr[1] = 0x80 | (strlen (hello) - half);
  g_byte_array_append (frame, hdr, 2);
  g_byte_array_append (frame, mask, 4);
  for (gsize i = half; i < strlen (hello); i++) {
    guint8 b = hello[i] ^ mask[(i - half) & 3];

    g_byte_array_append (frame, &b, 1);
  }
  raw_write (conn, frame->data, frame->len);

  payload = raw_expect (conn, 0xA);     /* the pong echoes the ping */
  g_assert_nonnull (payload);
  g_assert_cmpmem (payload->data, payload->len, "hi", 2);
  g_clear_pointer (&payload, g_byte_array_unref);
  payload = raw_expect (conn, 0x1);
  g_assert_nonnull (payload);
  g_assert_nonnull (g_strstr_len ((const char *) payload->data, payload->len, "\"welcome\""));
  g_clear_pointer (&payload, g_byte_array_unref);

  /* A 64-bit length far past the limit: 1009 at once, before any payload. */
  {
    const guint8 huge[] = { 0x81, 0x80 | 127, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0 };

    raw_write (conn, huge, sizeof huge);
  }
  payload = raw_expect (conn, 0x8);
  g_assert_cmpuint (close_code (payload), ==, 1009);
  g_clear_pointer (&payload, g_byte_array_unref);
  g_clear_object (&conn);

  /* An unmasked client frame; a continuation without a start; a fragmented
   * control frame: each a protocol error, 1002. */
  {
    const guint8 unmasked[] = { 0x81, 0x02, '{', '}' };
    const guint8 stray[] = { 0x80, 0x80, 0, 0, 0, 0 };
    const guint8 ping_frag[] = { 0x09, 0x80, 0, 0, 0, 0 };

    assert_closes_with (unmasked, sizeof unmasked, 1002);
    assert_closes_with (stray, sizeof stray, 1002);
    assert_closes_with (ping_frag, sizeof ping_frag, 1002);
  }
}

/* Pings from a client that never reads: the pongs count against the send
 * queue's bound like every frame, and past it the connection is closed
 * with 1008, before any hello. */
static void
test_ping_flood (void)
{
  g_autoptr (GSocketConnection) conn = raw_connect (server, NULL, 4096);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autoptr (GByteArray) burst = g_byte_array_new ();
  g_autoptr (GByteArray) payload = NULL;
  gsize rss_before = kithd_test_server_rss_kib (server);
  guint8 frame[2 + 4 + 125];

  frame[0] = 0x89;                      /* ping, FIN */
  frame[1] = 0x80 | 125;
  memset (frame + 2, 0, 4);             /* mask */
  memset (frame + 6, 'p', 125);
  for (guint i = 0; i < 500; i++)
    g_byte_array_append (burst, frame, sizeof frame);

  /* 60,000 pings: 7.6 MB of pongs, seven times the bound. kithd may close
   * the socket before the last of them. */
  for (guint i = 0; i < 120; i++) {
    if (!g_output_stream_write_all (out, burst->data, burst->len, NULL, NULL, NULL))
      break;
  }
  /* Unbounded, the pongs would take some 18 MB (header, frame and queue
   * link each); the bound allows 1 MiB, and a sanitizer build some more. */
  if (kithd_test_rss_is_meaningful ())
    g_assert_cmpuint (kithd_test_server_rss_kib (server), <, rss_before + 8 * 1024);

  payload = raw_expect (conn, 0x8);
  g_assert_cmpuint (close_code (payload), ==, 1008);
}

/* A close frame from the peer: a valid code is echoed, an invalid one (or a
 * one-byte payload, or a reason that is not UTF-8) is answered with why. */
static void
test_close_codes (void)
{
  const struct {
    guint code;
    guint answer;
  } cases[] = {
    { 1000, 1000 }, { 1001, 1001 }, { 1011, 1011 }, { 3000, 3000 }, { 4999, 4999 },
    { 0, 1002 }, { 999, 1002 }, { 1004, 1002 }, { 1005, 1002 }, { 1006, 1002 },
    { 1015, 1002 }, { 2000, 1002 }, { 2999, 1002 }, { 5000, 1002 }, { 65535, 1002 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const guint8 frame[] = { 0x88, 0x80 | 2, 0, 0, 0, 0, cases[i].code >> 8, cases[i].code & 0xff };

    g_test_message ("close code %u", cases[i].code);
    assert_closes_with (frame, sizeof frame, cases[i].answer);
  }

  {
    const guint8 empty[] = { 0x88, 0x80, 0, 0, 0, 0 };
    const guint8 one_byte[] = { 0x88, 0x80 | 1, 0, 0, 0, 0, 0x03 };
    const guint8 bad_reason[] = { 0x88, 0x80 | 4, 0, 0, 0, 0, 0x03, 0xe8, 0xff, 0xfe };

    assert_closes_with (empty, sizeof empty, 1000);
    assert_closes_with (one_byte, sizeof one_byte, 1002);
    assert_closes_with (bad_reason, sizeof bad_reason, 1007);
  }
}

/* Thousands of invites to a contact: kithd keeps a few calls per caller
 * and refuses the rest at once, so ending them all when the caller goes is
 * cheap, and everyone else is served meanwhile. To a contact who is
 * offline, each invite is answered "unreachable" and stored as a call
 * event: those count against the socket's message rate. */
static void
test_call_flood (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  const guint n = 3000;
  guint refused = 0;
  guint unreachable = 0;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);
  c = connect_user (cyd);

  for (guint i = 0; i < n; i++)
    kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"flood-%u\", \"to\": %"
                                   G_GINT64_FORMAT ", \"video\": false, \"sdp\": \"v=0\"}", i, bob->id);
  kithd_test_socket_sync (a);
  for (;;) {
    g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (a, "error", NULL, 0, 0);

    if (!error)
      break;
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "rate_limited");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (error, "ref"), "flood-"));
    refused++;
  }
  g_test_message ("%u invites: %u refused", n, refused);
  g_assert_cmpuint (refused, ==, n - 8);
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "call.invite"), ==, 8);

  /* Ada's calls end with her socket; Cyd is answered all along. */
  g_clear_pointer (&a, kithd_test_socket_free);
  for (guint i = 0; i < 8; i++)
    g_assert_true (kithd_test_socket_await (b, "call.hangup", "from", ada->id, WAIT));
  kithd_test_socket_sync (c);

  /* Bob offline: each invite that the message rate lets through is
   * unreachable at once; the rest are refused. */
  g_clear_pointer (&b, kithd_test_socket_free);
  a = connect_user (ada);
  refused = 0;
  for (guint i = 0; i < n; i++)
    kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"gone-%u\", \"to\": %"
                                   G_GINT64_FORMAT ", \"video\": false, \"sdp\": \"v=0\"}", i, bob->id);
  kithd_test_socket_sync (a);
  for (;;) {
    g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (a, "error", NULL, 0, 0);

    if (!error)
      break;
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "rate_limited");
    refused++;
  }
  unreachable = kithd_test_socket_count (a, "call.hangup");
  g_test_message ("%u invites to someone offline: %u unreachable, %u refused", n, unreachable, refused);
  g_assert_cmpuint (unreachable + refused, ==, n);   /* the rate's bound: test_message_rate */
  g_clear_pointer (&a, kithd_test_socket_free);

  a = connect_user (ada);
  kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"again\", \"to\": %"
                                 G_GINT64_FORMAT ", \"video\": false, \"sdp\": \"v=0\"}", bob->id);
  kithd_test_socket_sync (a);
  g_assert_cmpuint (kithd_test_socket_count (a, "error"), ==, 0);
}

/* A documented rate per socket: past it, each message gets rate_limited
 * (with its id and when to try again), nothing is stored or delivered for
 * it, and after that time the client sends it again. */
static void
test_message_rate (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-conf-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  const char *args[] = { "--config", conf, NULL };
  KithdTestServer *own;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (KithdTestUser) bob = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  guint acked = 0, refused = 0;
  gint64 retry_ms = 0;
  const char *first_refused = NULL;
  g_autofree char *first_refused_copy = NULL;

  g_file_set_contents (conf, "[limits]\nmessages-per-second=10\nmessage-burst=20\n", -1, &error);
  g_assert_no_error (error);
  own = kithd_test_server_startv (args);
  ada = kithd_test_server_new_user (own, "Ada");
  bob = kithd_test_server_new_user (own, "Bob");
  kithd_test_server_make_contacts (own, ada, bob);
  a = kithd_test_socket_connect (own, ada->token, 0);
  b = kithd_test_socket_connect (own, bob->token, 0);

  for (guint i = 0; i < 50; i++) {
    g_autofree char *id = g_strdup_printf ("r-%02u", i);

    kithd_test_socket_send_message (a, id, bob->id, "hi");
  }
  /* Refusals come at once; acks once the messages are committed. */
  kithd_test_socket_sync (a);
  while (TRUE) {
    g_autoptr (JsonObject) err = kithd_test_socket_wait_frame (a, "error", NULL, 0, 0);

    if (!err)
      break;
    g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "rate_limited");
    g_assert_true (json_object_has_member (err, "retry_after_ms"));
    retry_ms = MAX (retry_ms, json_object_get_int_member (err, "retry_after_ms"));
    if (!first_refused_copy)
      first_refused_copy = g_strdup (json_object_get_string_member (err, "ref"));
    refused++;
  }
  while (acked + refused < 50) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
    acked++;
  }
  first_refused = first_refused_copy;
  g_test_message ("50 at once: %u acked, %u refused, retry after %" G_GINT64_FORMAT " ms",
                  acked, refused, retry_ms);
  /* The burst, give or take what refilled while they came in; the rest is
   * refused, the tail of what was sent. */
  g_assert_cmpuint (acked + refused, ==, 50);
  g_assert_cmpuint (acked, >=, 20);
  g_assert_cmpuint (acked, <, 30);
  g_assert_cmpuint (retry_ms, >, 0);
  g_assert_cmpuint (retry_ms, <=, 2000);
  {
    g_autofree char *expected = g_strdup_printf ("r-%02u", acked);

    g_assert_cmpstr (first_refused, ==, expected);
  }
  kithd_test_socket_sync (a);
  g_assert_cmpuint (kithd_test_socket_count (a, "message.ack"), ==, 0);
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "message"), ==, acked);
  g_assert_cmpint (kithd_test_server_db_count (own, "messages", NULL), ==, acked);

  /* After the wait, the next one goes through. */
  g_usleep (retry_ms * 1000);
  kithd_test_socket_send_message_acked (a, "r-later", bob->id, "hi");

  /* Invites count too: each may store a call event ("unreachable" to Bob,
   * offline now), so a flood of them stores no more than messages would. */
  g_clear_pointer (&b, kithd_test_socket_free);
  g_clear_pointer (&a, kithd_test_socket_free);
  a = kithd_test_socket_connect (own, ada->token, 0);
  refused = 0;
  for (guint i = 0; i < 50; i++)
    kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"u-%u\", \"to\": %"
                                   G_GINT64_FORMAT ", \"video\": false, \"sdp\": \"v=0\"}", i, bob->id);
  kithd_test_socket_sync (a);
  while (TRUE) {
    g_autoptr (JsonObject) err = kithd_test_socket_wait_frame (a, "error", NULL, 0, 0);

    if (!err)
      break;
    g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "rate_limited");
    refused++;
  }
  g_test_message ("50 invites to someone offline: %u refused", refused);
  g_assert_cmpuint (refused, >, 20);
  /* Each one let through is answered "unreachable" once its call event is
   * stored (after the refusals, which need no store). */
  for (guint i = 0; i < 50 - refused; i++)
    g_assert_true (kithd_test_socket_await (a, "call.hangup", NULL, 0, KITHD_TEST_WAIT_MS));
  kithd_test_socket_sync (a);
  g_assert_cmpuint (kithd_test_socket_count (a, "call.hangup"), ==, 0);

  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_server_free (own);
  g_unlink (conf);
  g_rmdir (dir);
}

/* ---- blocking work stays off the main loop ---- */

typedef struct {
  guint pending;
} Logins;

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Logins *logins = user_data;
  g_autoptr (GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  g_assert_nonnull (reply);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), "\"token\""));
  logins->pending--;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* 20 logins at once (each a yescrypt verification) while another user
 * pings: the pings are answered at once, because hashing runs on the
 * crypto pool and sqlite on the db worker, never on the main loop. */
static void
test_logins_do_not_stall (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) b = connect_user (bob);
  /* Four at a time: one address may have only so many hashes in flight, and
   * one account at an address only so many attempts (docs/server.md). */
  g_autoptr (SoupSession) session = soup_session_new_with_options ("max-conns", 4, "max-conns-per-host", 4, NULL);
  g_autoptr (GArray) rtts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/sessions", kithd_test_server_get_url (server));
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\"}", ada->email);
  Logins logins = { 20 };
  gint64 start, logins_us;
  gint64 baseline;

  /* Baseline: one round trip while idle. */
  start = g_get_monotonic_time ();
  kithd_test_socket_sync (b);
  baseline = g_get_monotonic_time () - start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 20; i++) {
    g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_login_done, &logins);
  }
  while (logins.pending > 0) {
    gint64 t0 = g_get_monotonic_time ();
    gint64 rtt;

    kithd_test_socket_sync (b);
    rtt = g_get_monotonic_time () - t0;
    g_array_append_val (rtts, rtt);
  }
  logins_us = g_get_monotonic_time () - start;

  g_array_sort (rtts, compare_gint64);
  g_test_message ("20 logins, 4 at a time, took %.1f ms; %u pings meanwhile: median %.2f ms, max %.2f ms "
                  "(idle round trip %.2f ms)",
                  logins_us / 1000.0, rtts->len,
                  g_array_index (rtts, gint64, rtts->len / 2) / 1000.0,
                  g_array_index (rtts, gint64, rtts->len - 1) / 1000.0,
                  baseline / 1000.0);
  if (g_getenv ("KITH_PRINT_FIGURES"))
    g_printerr ("logins: %.1f ms for 20; ping during them: n=%u median=%.2f ms max=%.2f ms; idle %.2f ms\n",
                logins_us / 1000.0, rtts->len,
                g_array_index (rtts, gint64, rtts->len / 2) / 1000.0,
                g_array_index (rtts, gint64, rtts->len - 1) / 1000.0, baseline / 1000.0);

  /* Generous bound (sanitizer builds, a busy 2-core machine): a stalled
   * main loop would show the whole login time here. */
  g_assert_cmpint (g_array_index (rtts, gint64, rtts->len / 2), <, 100 * 1000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/socket/slow-reader", test_slow_reader);
  g_test_add_func ("/socket/dead-peer", test_dead_peer);
  g_test_add_func ("/socket/ws-framing", test_ws_framing);
  g_test_add_func ("/socket/ping-flood", test_ping_flood);
  g_test_add_func ("/socket/close-codes", test_close_codes);
  g_test_add_func ("/socket/call-flood", test_call_flood);
  g_test_add_func ("/socket/message-rate", test_message_rate);
  g_test_add_func ("/socket/logins-do-not-stall", test_logins_do_not_stall);

  return kithd_test_run_with_server (&server);
}

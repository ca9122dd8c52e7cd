/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestSocket"

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

#define PASSWORD "Secret#123"
#define WAIT 10000          /* ms: the bound of every wait for something that must come */

static KithdTestServer *server;
static guint user_counter;

static KithdTestUser *
new_user_on (KithdTestServer *srv,
             const char      *first)
{
  g_autofree char *lower = g_ascii_strdown (first, -1);
  g_autofree char *email = g_strdup_printf ("%s%u@example.com", lower, ++user_counter);

  return kithd_test_server_sign_up (srv, email, PASSWORD, first, "Tester");
}

static KithdTestUser *
new_user (const char *first)
{
  return new_user_on (server, first);
}

static KithdTestSocket *
connect_user (KithdTestUser *user)
{
  return kithd_test_socket_connect (server, user->token, 0);
}

static void
assert_presence (KithdTestSocket *sock,
                 gint64           user_id,
                 const char      *expected)
{
  const char *status = kithd_test_socket_wait_presence (sock, user_id, WAIT);

  if (g_strcmp0 (status, expected) != 0)
    g_error ("presence of %" G_GINT64_FORMAT ": expected %s, got %s", user_id, expected, status);
}

/* After a round trip, no presence frame of @user_id is queued. */
static void
assert_no_presence (KithdTestSocket *sock,
                    gint64           user_id)
{
  g_autoptr (JsonObject) frame = NULL;

  kithd_test_socket_sync (sock);
  frame = kithd_test_socket_wait_frame (sock, "presence", "user_id", user_id, 0);
  g_assert_null (frame);
}

static void
send_message (KithdTestSocket *sock,
              const char      *id,
              gint64           to,
              const char      *body)
{
  kithd_test_socket_send_printf (sock, "{\"type\": \"message.send\", \"id\": \"%s\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"%s\"}", id, to, body);
}

static gint64
send_message_acked (KithdTestSocket *sock,
                    const char      *id,
                    gint64           to,
                    const char      *body)
{
  g_autoptr (JsonObject) ack = NULL;

  send_message (sock, id, to, body);
  ack = kithd_test_socket_wait_frame (sock, "message.ack", NULL, 0, WAIT);
  g_assert_nonnull (ack);
  g_assert_cmpstr (json_object_get_string_member (ack, "id"), ==, id);
  return json_object_get_int_member (ack, "seq");
}

static void
test_presence_contacts_only (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *contacts = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  {
    /* Cyd only asked: not accepted, sees nothing. */
    g_autofree char *ask = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);

    g_assert_cmpuint (kithd_test_server_request (server, "POST", "/api/v1/contacts", cyd->token, ask, NULL, NULL), ==, 201);
  }

  c = connect_user (cyd);
  a = connect_user (ada);
  b = connect_user (bob);

  /* Each accepted contact sees the other. */
  assert_presence (b, ada->id, "online");
  assert_presence (a, bob->id, "online");
  assert_no_presence (c, ada->id);
  assert_no_presence (c, bob->id);
  assert_no_presence (a, cyd->id);

  /* The contact list shows presence for accepted contacts only. */
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/contacts", cyd->token, NULL, &contacts, NULL), ==, 200);
  g_assert_null (strstr (contacts, "\"online\""));
  g_clear_pointer (&contacts, g_free);
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/contacts", ada->token, NULL, &contacts, NULL), ==, 200);
  g_assert_nonnull (strstr (contacts, "\"online\""));

  /* Going away: offline for contacts. */
  g_clear_pointer (&b, kithd_test_socket_free);
  assert_presence (a, bob->id, "offline");
  assert_no_presence (c, bob->id);
}

static void
test_hidden (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (JsonObject) msg = NULL;
  g_autoptr (JsonObject) invite = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a = connect_user (ada);
  assert_presence (b, ada->id, "online");

  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"hidden\"}");
  assert_presence (b, ada->id, "offline");

  /* Hidden Ada still gets messages and calls. */
  send_message_acked (b, "h1", ada->id, "are you there?");
  msg = kithd_test_socket_wait_frame (a, "message", NULL, 0, WAIT);
  g_assert_nonnull (msg);
  g_assert_cmpstr (json_object_get_string_member (msg, "body"), ==, "are you there?");
  g_assert_cmpint (json_object_get_int_member (msg, "from"), ==, bob->id);

  kithd_test_socket_send_printf (b, "{\"type\": \"call.invite\", \"call_id\": \"c-hidden\", \"to\": %" G_GINT64_FORMAT
                                 ", \"video\": false, \"sdp\": \"v=0\"}", ada->id);
  invite = kithd_test_socket_wait_frame (a, "call.invite", NULL, 0, WAIT);
  g_assert_nonnull (invite);
  g_assert_cmpint (json_object_get_int_member (invite, "from"), ==, bob->id);
  kithd_test_socket_send_printf (a, "{\"type\": \"call.reject\", \"call_id\": \"c-hidden\", \"to\": %" G_GINT64_FORMAT "}", bob->id);
  g_assert_true (kithd_test_socket_await (b, "call.reject", "from", ada->id, WAIT));

  /* A new connection of Bob's does not see hidden Ada. */
  {
    g_autoptr (KithdTestSocket) b2 = connect_user (bob);

    assert_no_presence (b2, ada->id);
  }

  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"online\"}");
  assert_presence (b, ada->id, "online");
  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"busy\"}");
  assert_presence (b, ada->id, "busy");
}

static void
test_idle (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a = connect_user (ada);
  assert_presence (b, ada->id, "online");

  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": true}");
  assert_presence (b, ada->id, "idle");
  /* Nothing changes: nothing is sent. */
  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": true}");
  assert_no_presence (b, ada->id);
  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": false}");
  assert_presence (b, ada->id, "online");
}

static void
test_mobile (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autofree char *phone_token = kithd_test_server_log_in (server, ada->email, PASSWORD, "mobile");
  g_autoptr (KithdTestSocket) phone = NULL;
  g_autoptr (KithdTestSocket) desk = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  phone = kithd_test_socket_connect (server, phone_token, 0);
  assert_presence (b, ada->id, "mobile");

  desk = connect_user (ada);
  assert_presence (b, ada->id, "online");
  g_clear_pointer (&desk, kithd_test_socket_free);
  assert_presence (b, ada->id, "mobile");
  g_clear_pointer (&phone, kithd_test_socket_free);
  assert_presence (b, ada->id, "offline");
}

static void
test_busy_in_call (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autoptr (JsonObject) hangup = NULL;
  g_autoptr (JsonObject) candidate = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, ada);
  kithd_test_server_make_contacts (server, cyd, bob);
  c = connect_user (cyd);
  a = connect_user (ada);
  b = connect_user (bob);
  assert_presence (c, ada->id, "online");
  assert_presence (c, bob->id, "online");

  /* Ringing is not busy yet; answering is. */
  kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"video\": true, \"sdp\": \"v=0 offer\"}", bob->id);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada->id, WAIT));
  kithd_test_socket_send_printf (b, "{\"type\": \"call.ringing\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT "}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.ringing", "from", bob->id, WAIT));
  assert_no_presence (c, ada->id);

  kithd_test_socket_send_printf (b, "{\"type\": \"call.answer\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"sdp\": \"v=0 answer\"}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob->id, WAIT));
  assert_presence (c, ada->id, "busy");
  assert_presence (c, bob->id, "busy");

  kithd_test_socket_send_printf (a, "{\"type\": \"call.candidate\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"candidate\": \"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\", \"sdp_mline_index\": 0}", bob->id);
  candidate = kithd_test_socket_wait_frame (b, "call.candidate", "from", ada->id, WAIT);
  g_assert_nonnull (candidate);
  g_assert_cmpint (json_object_get_int_member (candidate, "sdp_mline_index"), ==, 0);

  kithd_test_socket_send_printf (b, "{\"type\": \"call.hangup\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT "}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.hangup", "from", bob->id, WAIT));
  assert_presence (c, ada->id, "online");
  assert_presence (c, bob->id, "online");

  /* A call ended by a disconnect: the peer is told, busy goes. */
  kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"call-2\", \"to\": %" G_GINT64_FORMAT
                                 ", \"video\": false, \"sdp\": \"v=0\"}", bob->id);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada->id, WAIT));
  kithd_test_socket_send_printf (b, "{\"type\": \"call.answer\", \"call_id\": \"call-2\", \"to\": %" G_GINT64_FORMAT
                                 ", \"sdp\": \"v=0\"}", ada->id);
  assert_presence (c, ada->id, "busy");
  assert_presence (c, bob->id, "busy");
  g_clear_pointer (&b, kithd_test_socket_free);
  hangup = kithd_test_socket_wait_frame (a, "call.hangup", "from", bob->id, WAIT);
  g_assert_nonnull (hangup);
  g_assert_cmpstr (json_object_get_string_member (hangup, "reason"), ==, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (hangup, "call_id"), ==, "call-2");
  assert_presence (c, ada->id, "online");
  assert_presence (c, bob->id, "offline");

  /* Calls go to accepted contacts only. */
  {
    g_autoptr (KithdTestUser) eve = new_user ("Eve");
    g_autoptr (JsonObject) error = NULL;

    kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"call-3\", \"to\": %" G_GINT64_FORMAT
                                   ", \"video\": false, \"sdp\": \"v=0\"}", eve->id);
    error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
    g_assert_nonnull (error);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not_contact");
  }
}

static void
test_messages_and_read (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) eve = new_user ("Eve");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) a2 = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (JsonObject) msg = NULL;
  g_autoptr (JsonObject) copy = NULL;
  g_autoptr (JsonObject) read = NULL;
  g_autoptr (JsonObject) error = NULL;
  g_autofree char *history = NULL;
  g_autofree char *path = NULL;
  gint64 seq;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  a2 = connect_user (ada);
  b = connect_user (bob);

  seq = send_message_acked (a, "m-1", bob->id, "Hello Bob");
  g_assert_cmpint (seq, >, 0);
  msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);
  g_assert_nonnull (msg);
  g_assert_cmpint (json_object_get_int_member (msg, "seq"), ==, seq);
  g_assert_cmpstr (json_object_get_string_member (msg, "id"), ==, "m-1");
  g_assert_cmpint (json_object_get_int_member (msg, "from"), ==, ada->id);
  g_assert_cmpint (json_object_get_int_member (msg, "to"), ==, bob->id);
  g_assert_cmpint (json_object_get_int_member (msg, "sent_at"), >, 0);
  /* Ada's other device gets it too, the sending one only the ack. */
  copy = kithd_test_socket_wait_frame (a2, "message", "seq", seq, WAIT);
  g_assert_nonnull (copy);
  kithd_test_socket_sync (a);
  g_assert_cmpuint (kithd_test_socket_count (a, "message"), ==, 0);

  /* Read receipts reach the peer and the reader's other devices. */
  kithd_test_socket_send_printf (b, "{\"type\": \"message.read\", \"to\": %" G_GINT64_FORMAT ", \"up_to\": %" G_GINT64_FORMAT "}",
                                 ada->id, seq);
  read = kithd_test_socket_wait_frame (a, "message.read", "from", bob->id, WAIT);
  g_assert_nonnull (read);
  g_assert_cmpint (json_object_get_int_member (read, "up_to"), ==, seq);
  g_assert_cmpint (json_object_get_int_member (read, "to"), ==, ada->id);

  /* History over REST. */
  path = g_strdup_printf ("/api/v1/conversations/%" G_GINT64_FORMAT "/messages", bob->id);
  g_assert_cmpuint (kithd_test_server_request (server, "GET", path, ada->token, NULL, &history, NULL), ==, 200);
  g_assert_nonnull (strstr (history, "Hello Bob"));

  /* Not to strangers. */
  send_message (a, "m-eve", eve->id, "hi");
  error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not_contact");
  g_assert_cmpstr (json_object_get_string_member (error, "ref"), ==, "m-eve");
  g_assert_cmpint (kithd_test_server_db_count (server, "messages", "client_id = 'm-eve'"), ==, 0);
}

static void
test_resume (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  gint64 seen;
  gint64 seqs[3];

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);
  assert_presence (a, bob->id, "online");
  seen = send_message_acked (a, "before", bob->id, "seen live");
  {
    g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);

    g_assert_nonnull (msg);
    g_assert_cmpint (json_object_get_int_member (msg, "seq"), ==, seen);
  }
  /* The connection drops. */
  g_clear_pointer (&b, kithd_test_socket_free);
  assert_presence (a, bob->id, "offline");

  seqs[0] = send_message_acked (a, "r-1", bob->id, "one");
  seqs[1] = send_message_acked (a, "r-2", bob->id, "two");
  seqs[2] = send_message_acked (a, "r-3", bob->id, "three");

  /* Exactly the missed messages, in order. */
  b = kithd_test_socket_connect (server, bob->token, seen);
  for (guint i = 0; i < 3; i++) {
    g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);

    g_assert_nonnull (msg);
    g_assert_cmpint (json_object_get_int_member (msg, "seq"), ==, seqs[i]);
  }
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "message"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (kithd_test_socket_get_welcome (b), "seq"), ==, seqs[2]);

  /* Resuming from the newest seq replays nothing. */
  {
    g_autoptr (KithdTestSocket) b2 = kithd_test_socket_connect (server, bob->token, seqs[2]);

    kithd_test_socket_sync (b2);
    g_assert_cmpuint (kithd_test_socket_count (b2, "message"), ==, 0);
  }
}

/* A message sent while a long backlog is still being replayed comes after
 * the whole backlog, as the protocol says (welcome, the replay, then live
 * frames): the client keeps the highest seq it has seen, so a live message
 * that overtook the replay would make it drop the rest as already seen. */
static void
test_replay_then_live (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  const guint backlog = 450;   /* more than two replay pages */
  gint64 prev = 0;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  for (guint i = 1; i <= backlog; i++) {
    g_autofree char *id = g_strdup_printf ("backlog-%u", i);
    g_autofree char *body = g_strdup_printf ("backlog %u", i);

    send_message_acked (a, id, bob->id, body);
  }

  /* Bob signs in; Ada writes at once, while the replay runs. */
  b = connect_user (bob);
  send_message (a, "live-1", bob->id, "live");

  for (guint i = 1; i <= backlog + 1; i++) {
    g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);
    g_autofree char *expected = i <= backlog ? g_strdup_printf ("backlog %u", i) : g_strdup ("live");
    gint64 seq;

    g_assert_nonnull (msg);
    seq = json_object_get_int_member (msg, "seq");
    g_assert_cmpint (seq, >, prev);
    g_assert_cmpstr (json_object_get_string_member (msg, "body"), ==, expected);
    prev = seq;
  }
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "message"), ==, 0);
}

static void
test_duplicate_id (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autofree char *where = NULL;
  gint64 first, again;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);

  first = send_message_acked (a, "dup-1", bob->id, "once");
  /* The client resends after a reconnect, with the same id. */
  g_clear_pointer (&a, kithd_test_socket_free);
  a = connect_user (ada);
  again = send_message_acked (a, "dup-1", bob->id, "once");
  g_assert_cmpint (first, ==, again);

  where = g_strdup_printf ("client_id = 'dup-1' AND from_id = %" G_GINT64_FORMAT, ada->id);
  g_assert_cmpint (kithd_test_server_db_count (server, "messages", where), ==, 1);
  g_assert_true (kithd_test_socket_await (b, "message", "seq", first, WAIT));
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "message"), ==, 0);
}

/* json-glib would cut an id or a body at a \u0000: an id that then
 * collides with an earlier one would be dropped as a duplicate (and acked),
 * a body would be stored cut. Refused, nothing stored or delivered. */
static void
test_nul_refused (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autofree char *from_ada = NULL;
  struct {
    const char *id;
    const char *body;
    const char *ref;
  } cases[] = {
    { "nul-1\\u0000x", "second", NULL },   /* would be a duplicate of nul-1 */
    { "nul-2", "cut\\u0000here", "nul-2" },
    { "nul-3", "\\u0000", "nul-3" },
  };
  gint64 seq;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);

  seq = send_message_acked (a, "nul-1", bob->id, "first");
  g_assert_true (kithd_test_socket_await (b, "message", "seq", seq, WAIT));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (JsonObject) error = NULL;

    send_message (a, cases[i].id, bob->id, cases[i].body);
    error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
    if (error == NULL)
      g_error ("id %s, body %s: no error", cases[i].id, cases[i].body);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid_field");
    g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "\\u0000"));
    g_assert_cmpstr (json_object_get_string_member_with_default (error, "ref", NULL), ==, cases[i].ref);
    kithd_test_socket_sync (a);
    g_assert_cmpuint (kithd_test_socket_count (a, "message.ack"), ==, 0);
  }

  /* Only the first message was stored, and Bob got nothing more. */
  from_ada = g_strdup_printf ("from_id = %" G_GINT64_FORMAT, ada->id);
  g_assert_cmpint (kithd_test_server_db_count (server, "messages", from_ada), ==, 1);
  kithd_test_socket_sync (b);
  g_assert_cmpuint (kithd_test_socket_count (b, "message"), ==, 0);
}

static void
test_kill9_keeps_acked (void)
{
  KithdTestServer *saved = server;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (KithdTestUser) bob = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  gint64 last = 0;
  const guint n = 50;

  server = kithd_test_server_startv (NULL);
  ada = new_user ("Ada");
  bob = new_user ("Bob");
  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);

  for (guint i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf ("k-%u", i);

    send_message (a, id, bob->id, "keep me");
  }
  for (guint i = 0; i < n; i++) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
    g_assert_cmpint (json_object_get_int_member (ack, "seq"), >, last);
    last = json_object_get_int_member (ack, "seq");
  }

  /* Every acknowledged message survives a crash right after. */
  kithd_test_server_kill9 (server);
  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_server_restart (server);

  b = connect_user (bob);
  for (guint i = 0; i < n; i++) {
    g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);
    g_autofree char *id = g_strdup_printf ("k-%u", i);

    g_assert_nonnull (msg);
    g_assert_cmpstr (json_object_get_string_member (msg, "id"), ==, id);
  }
  g_assert_cmpint (json_object_get_int_member (kithd_test_socket_get_welcome (b), "seq"), ==, last);

  g_clear_pointer (&b, kithd_test_socket_free);
  kithd_test_server_free (server);
  server = saved;
}

static void
test_bad_frames (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) early = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) bin = NULL;
  g_autofree char *long_id = g_strnfill (65, 'i');
  g_autofree char *long_id_frame =
    g_strdup_printf ("{\"type\": \"message.send\", \"id\": \"%s\", \"to\": \"bob\"}", long_id);
  /* ref: the refused frame's id (or call_id), even when it does not parse. */
  struct {
    const char *frame;
    const char *code;
    const char *ref;
  } cases[] = {
    { "{\"type\": \"message.send\"", "invalid_json", NULL },
    { "[1, 2, 3]", "invalid_json", NULL },
    { "{\"no_type\": 1}", "invalid_field", NULL },
    { "{\"type\": \"teleport\"}", "unknown_type", NULL },
    { "{\"type\": \"teleport\", \"id\": \"t-1\"}", "unknown_type", "t-1" },
    { "{\"type\": \"welcome\", \"seq\": 1}", "unknown_type", NULL },
    { "{\"type\": \"message.send\", \"id\": \"x\", \"to\": \"bob\", \"body\": \"hi\"}", "invalid_field", "x" },
    { "{\"type\": \"message.send\", \"id\": \"m-7\", \"to\": 1}", "invalid_field", "m-7" },
    { "{\"type\": \"call.invite\", \"call_id\": \"c-9\", \"to\": \"bob\"}", "invalid_field", "c-9" },
    { "{\"type\": \"message.send\", \"id\": 42, \"to\": 1, \"body\": \"hi\"}", "invalid_field", NULL },
    { "{\"type\": \"message.send\", \"id\": \"\", \"to\": 1, \"body\": \"hi\"}", "invalid_field", NULL },
    { long_id_frame, "too_long", NULL },
    { "{\"type\": \"presence.set\", \"status\": \"sleeping\"}", "invalid_field", NULL },
    { "{\"type\": \"hello\", \"token\": \"again\"}", "invalid_field", NULL },
  };
  g_autofree char *big_body = NULL;
  g_autofree char *too_long = NULL;

  kithd_test_server_make_contacts (server, ada, bob);

  /* Before hello: not signed in, and the connection goes on. */
  early = kithd_test_socket_connect (server, NULL, 0);
  send_message (early, "e-1", bob->id, "hi");
  {
    g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (early, "error", NULL, 0, WAIT);

    g_assert_nonnull (error);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not_signed_in");
  }
  kithd_test_socket_send (early, "{\"type\": \"ping\"}");
  g_assert_true (kithd_test_socket_await (early, "error", NULL, 0, WAIT));
  g_assert_true (kithd_test_socket_is_open (early));

  /* A bad hello token: closed 4001. */
  kithd_test_socket_send (early, "{\"type\": \"hello\", \"token\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
  g_assert_cmpuint (kithd_test_socket_wait_closed (early, WAIT), ==, 4001);

  a = connect_user (ada);
  b = connect_user (bob);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (JsonObject) error = NULL;

    kithd_test_socket_send (a, cases[i].frame);
    error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
    g_assert_nonnull (error);
    if (g_strcmp0 (json_object_get_string_member (error, "code"), cases[i].code) != 0)
      g_error ("%s: expected %s, got %s", cases[i].frame, cases[i].code,
               json_object_get_string_member (error, "code"));
    if (g_strcmp0 (json_object_get_string_member_with_default (error, "ref", NULL), cases[i].ref) != 0)
      g_error ("%s: expected ref %s, got %s", cases[i].frame, cases[i].ref,
               json_object_get_string_member_with_default (error, "ref", NULL));
    kithd_test_socket_sync (a);
  }

  /* A message body over 16 KiB: too_long, nothing stored. */
  big_body = g_strnfill (17 * 1024, 'x');
  send_message (a, "big", bob->id, big_body);
  {
    g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);

    g_assert_nonnull (error);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "too_long");
    g_assert_cmpstr (json_object_get_string_member_with_default (error, "ref", NULL), ==, "big");
  }

  /* A frame over 64 KiB: closed with 1009; Bob is served on. */
  too_long = g_strnfill (70 * 1024, 'y');
  send_message (a, "huge", bob->id, too_long);
  g_assert_cmpuint (kithd_test_socket_wait_closed (a, WAIT), ==, 1009);
  kithd_test_socket_sync (b);
  send_message_acked (b, "still-here", ada->id, "fine");

  /* Binary frames end the connection (1003). */
  bin = connect_user (ada);
  kithd_test_socket_send_binary (bin, "\x01\x02", 2);
  g_assert_cmpuint (kithd_test_socket_wait_closed (bin, WAIT), ==, 1003);
  kithd_test_socket_sync (b);
}

/* Mails in the outbox addressed to @email: the outbox is shared by every
 * test of this binary, and mail from an earlier test may still be on its way. */
static guint
mails_to (const char *email)
{
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (server);
  g_autofree char *to = g_strdup_printf ("\nTo: %s\r\n", email);
  guint n = 0;

  for (guint i = 0; i < files->len; i++) {
    g_autofree char *mail = NULL;

    if (g_file_get_contents (g_ptr_array_index (files, i), &mail, NULL, NULL) &&
        strstr (mail, to) != NULL)
      n++;
  }
  return n;
}

typedef struct {
  const char *email;
  guint       n;
} MailWait;

static gboolean
has_mails_to (gpointer data)
{
  MailWait *wait = data;

  return mails_to (wait->email) >= wait->n;
}

/* Waits for @n mails to @email and returns how many there are. */
static guint
wait_mails_to (const char *email,
               guint       n)
{
  MailWait wait = { email, n };

  kithd_test_wait_until (has_mails_to, &wait, WAIT);
  return mails_to (email);
}

/* The newest mail to @email. */
static char *
last_mail_to (const char *email)
{
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (server);
  g_autofree char *to = g_strdup_printf ("\nTo: %s\r\n", email);

  for (guint i = files->len; i > 0; i--) {
    char *mail = NULL;

    if (g_file_get_contents (g_ptr_array_index (files, i - 1), &mail, NULL, NULL) &&
        strstr (mail, to) != NULL)
      return mail;
    g_free (mail);
  }
  return NULL;
}

static void
test_offline_email (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *where = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, bob);
  a = connect_user (ada);
  c = connect_user (cyd);

  /* Bob is offline: three messages from Ada make one mail. */
  send_message_acked (a, "o-1", bob->id, "secret body one");
  send_message_acked (a, "o-2", bob->id, "secret body two");
  send_message_acked (a, "o-3", bob->id, "secret body three");
  g_assert_cmpuint (wait_mails_to (bob->email, 1), ==, 1);
  where = g_strdup_printf ("user_id = %" G_GINT64_FORMAT " AND sender_id = %" G_GINT64_FORMAT, bob->id, ada->id);
  g_assert_cmpint (kithd_test_server_db_count (server, "offline_notices", where), ==, 1);
  g_clear_pointer (&where, g_free);

  mail = last_mail_to (bob->email);
  g_assert_nonnull (mail);
  g_assert_nonnull (strstr (mail, "New message on Kith from Ada Tester"));
  g_assert_nonnull (strstr (mail, bob->email));
  g_assert_null (strstr (mail, "secret body"));
  g_assert_null (strstr (mail, ada->token));

  /* Another sender: a mail of its own. */
  send_message_acked (c, "o-4", bob->id, "secret body four");
  send_message_acked (c, "o-5", bob->id, "secret body five");
  g_assert_cmpuint (wait_mails_to (bob->email, 2), ==, 2);

  /* Bob comes online: the batch ends; while online, no mail. */
  {
    g_autoptr (KithdTestSocket) b = connect_user (bob);

    g_autoptr (JsonObject) msg = NULL;
    gint64 seq;

    seq = send_message_acked (a, "o-6", bob->id, "secret body six");
    msg = kithd_test_socket_wait_frame (b, "message", "seq", seq, WAIT);
    g_assert_nonnull (msg);
    g_assert_cmpstr (json_object_get_string_member (msg, "id"), ==, "o-6");
  }
  assert_presence (a, bob->id, "online");
  assert_presence (a, bob->id, "offline");

  /* Offline again: a new batch, a new mail. */
  send_message_acked (a, "o-7", bob->id, "secret body seven");
  send_message_acked (a, "o-8", bob->id, "secret body eight");
  g_assert_cmpuint (wait_mails_to (bob->email, 3), ==, 3);

  /* With the setting off: no mail. */
  g_assert_cmpuint (kithd_test_server_request (server, "PATCH", "/api/v1/me", bob->token,
                                               "{\"offline_email_notification\": false}", NULL, NULL), ==, 200);
  {
    g_autoptr (KithdTestSocket) b = connect_user (bob);

    assert_presence (a, bob->id, "online");
  }
  assert_presence (a, bob->id, "offline");
  send_message_acked (a, "o-9", bob->id, "secret body nine");

  /* The ack comes after the notice step: no batch opened, nothing queued. */
  where = g_strdup_printf ("user_id = %" G_GINT64_FORMAT, bob->id);
  g_assert_cmpint (kithd_test_server_db_count (server, "offline_notices", where), ==, 0);
  g_clear_pointer (&where, g_free);
  where = g_strdup_printf ("to_user_id = %" G_GINT64_FORMAT, bob->id);
  g_assert_cmpint (kithd_test_server_db_count (server, "mail_queue", where), ==, 0);
  g_assert_cmpuint (mails_to (bob->email), ==, 3);
}

static void
test_hello_timeout (void)
{
  KithdTestServer *own = kithd_test_server_start ("--test-hello-timeout-ms", "300", NULL);
  g_autoptr (KithdTestSocket) sock = kithd_test_socket_connect (own, NULL, 0);

  g_assert_cmpuint (kithd_test_socket_wait_closed (sock, WAIT), ==, 4000);
  g_clear_pointer (&sock, kithd_test_socket_free);
  kithd_test_server_free (own);
}

static void
test_revoked_session (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autofree char *second = kithd_test_server_log_in (server, ada->email, PASSWORD, NULL);
  g_autoptr (KithdTestSocket) a1 = NULL;
  g_autoptr (KithdTestSocket) a2 = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a1 = connect_user (ada);
  a2 = kithd_test_socket_connect (server, second, 0);
  assert_presence (b, ada->id, "online");

  /* Logging out closes that session's socket only. */
  g_assert_cmpuint (kithd_test_server_request (server, "DELETE", "/api/v1/sessions/current", second, NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (kithd_test_socket_wait_closed (a2, WAIT), ==, 4001);
  g_assert_true (kithd_test_socket_is_open (a1));
  kithd_test_socket_sync (a1);
  assert_no_presence (b, ada->id);
}

static void
test_contact_frames (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (JsonObject) request = NULL;
  g_autoptr (JsonObject) accepted = NULL;
  g_autoptr (JsonObject) profile = NULL;
  g_autoptr (JsonObject) removed = NULL;
  g_autofree char *ask = g_strdup_printf ("{\"email\": \"%s\"}", bob->email);
  g_autofree char *accept = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", ada->id);
  g_autofree char *confirm = g_strdup_printf ("{\"confirm_email\": \"%s\"}", ada->email);

  a = connect_user (ada);
  b = connect_user (bob);

  g_assert_cmpuint (kithd_test_server_request (server, "POST", "/api/v1/contacts", ada->token, ask, NULL, NULL), ==, 201);
  request = kithd_test_socket_wait_frame (b, "contact.request", NULL, 0, WAIT);
  g_assert_nonnull (request);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (request, "user"), "id"), ==, ada->id);
  assert_no_presence (b, ada->id);

  /* Accepted: both sides are told and see each other. */
  g_assert_cmpuint (kithd_test_server_request (server, "POST", accept, bob->token, NULL, NULL, NULL), ==, 200);
  accepted = kithd_test_socket_wait_frame (a, "contact.accepted", NULL, 0, WAIT);
  g_assert_nonnull (accepted);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (accepted, "user"), "id"), ==, bob->id);
  g_assert_true (kithd_test_socket_await (b, "contact.accepted", NULL, 0, WAIT));
  assert_presence (a, bob->id, "online");
  assert_presence (b, ada->id, "online");

  /* A name change reaches contacts. */
  g_assert_cmpuint (kithd_test_server_request (server, "PATCH", "/api/v1/me", ada->token,
                                               "{\"first_name\": \"Augusta\"}", NULL, NULL), ==, 200);
  profile = kithd_test_socket_wait_frame (b, "profile", NULL, 0, WAIT);
  g_assert_nonnull (profile);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (profile, "user"), "first_name"), ==, "Augusta");

  /* Account deletion: contacts get contact.removed, the sockets close. */
  g_assert_cmpuint (kithd_test_server_request (server, "DELETE", "/api/v1/me", ada->token, confirm, NULL, NULL), ==, 204);
  removed = kithd_test_socket_wait_frame (b, "contact.removed", NULL, 0, WAIT);
  g_assert_nonnull (removed);
  g_assert_cmpint (json_object_get_int_member (removed, "user_id"), ==, ada->id);
  g_assert_cmpuint (kithd_test_socket_wait_closed (a, WAIT), ==, 4001);
  assert_presence (b, ada->id, "offline");
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
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) slow = new_user ("Slow");
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  g_autofree char *body = g_strnfill (15000, 'z');
  const guint n = 500;   /* 500 x 15 kB: past the kernel's buffers and the 1 MiB queue */

  kithd_test_server_make_contacts (server, ada, slow);
  a = connect_user (ada);

  conn = raw_connect (server, slow->token, 4096);
  assert_presence (a, slow->id, "online");

  /* Ada sends far more than the slow reader takes. */
  for (guint i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf ("s-%u", i);

    send_message (a, id, slow->id, body);
  }
  for (guint i = 0; i < n; i++) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
  }

  /* kithd dropped the connection (its presence goes) and still serves Ada. */
  assert_presence (a, slow->id, "offline");
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
  g_autoptr (KithdTestUser) ada = new_user_on (own, "Ada");
  g_autoptr (KithdTestUser) dead = new_user_on (own, "Dead");
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
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
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

/* Thousands of invites to a contact who is offline: kithd keeps a few
 * calls per caller and refuses the rest at once, so ending them all when
 * the caller goes is cheap, and everyone else is served meanwhile. */
static void
test_call_flood (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  const guint n = 3000;
  guint refused = 0;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
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

  /* Ada's calls end with her socket; Cyd is answered all along. */
  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_socket_sync (c);
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
  ada = new_user_on (own, "Ada");
  bob = new_user_on (own, "Bob");
  kithd_test_server_make_contacts (own, ada, bob);
  a = kithd_test_socket_connect (own, ada->token, 0);
  b = kithd_test_socket_connect (own, bob->token, 0);

  for (guint i = 0; i < 50; i++) {
    g_autofree char *id = g_strdup_printf ("r-%02u", i);

    send_message (a, id, bob->id, "hi");
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
  send_message_acked (a, "r-later", bob->id, "hi");

  g_clear_pointer (&a, kithd_test_socket_free);
  g_clear_pointer (&b, kithd_test_socket_free);
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
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
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
  int ret;

  g_test_init (&argc, &argv, NULL);

  server = kithd_test_server_startv (NULL);

  g_test_add_func ("/socket/presence-contacts-only", test_presence_contacts_only);
  g_test_add_func ("/socket/hidden", test_hidden);
  g_test_add_func ("/socket/idle", test_idle);
  g_test_add_func ("/socket/mobile", test_mobile);
  g_test_add_func ("/socket/busy-in-call", test_busy_in_call);
  g_test_add_func ("/socket/messages-and-read", test_messages_and_read);
  g_test_add_func ("/socket/resume", test_resume);
  g_test_add_func ("/socket/replay-then-live", test_replay_then_live);
  g_test_add_func ("/socket/duplicate-id", test_duplicate_id);
  g_test_add_func ("/socket/nul-refused", test_nul_refused);
  g_test_add_func ("/socket/kill9-keeps-acked", test_kill9_keeps_acked);
  g_test_add_func ("/socket/bad-frames", test_bad_frames);
  g_test_add_func ("/socket/offline-email", test_offline_email);
  g_test_add_func ("/socket/hello-timeout", test_hello_timeout);
  g_test_add_func ("/socket/revoked-session", test_revoked_session);
  g_test_add_func ("/socket/contact-frames", test_contact_frames);
  g_test_add_func ("/socket/slow-reader", test_slow_reader);
  g_test_add_func ("/socket/dead-peer", test_dead_peer);
  g_test_add_func ("/socket/ws-framing", test_ws_framing);
  g_test_add_func ("/socket/ping-flood", test_ping_flood);
  g_test_add_func ("/socket/close-codes", test_close_codes);
  g_test_add_func ("/socket/call-flood", test_call_flood);
  g_test_add_func ("/socket/message-rate", test_message_rate);
  g_test_add_func ("/socket/logins-do-not-stall", test_logins_do_not_stall);

  ret = g_test_run ();
  kithd_test_server_free (server);
  return ret;
}

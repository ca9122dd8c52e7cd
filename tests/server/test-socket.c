/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestSocket"

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * The socket's protocol against a real kithd (docs/protocol.md): presence
 * and who sees it, messages, receipts, calls, resume and replay, offline
 * mail, revocation, contact frames. Its limits and the WebSocket layer:
 * test-socket-limits.c.
 */

#define PASSWORD KITHD_TEST_PASSWORD
#define WAIT     KITHD_TEST_WAIT_MS

static KithdTestServer *server;

static KithdTestSocket *
connect_user (KithdTestUser *user)
{
  return kithd_test_socket_connect (server, user->token, 0);
}

static void
test_presence_contacts_only (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
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
  kithd_test_socket_assert_presence (b, ada->id, "online");
  kithd_test_socket_assert_presence (a, bob->id, "online");
  kithd_test_socket_assert_no_presence (c, ada->id);
  kithd_test_socket_assert_no_presence (c, bob->id);
  kithd_test_socket_assert_no_presence (a, cyd->id);

  /* The contact list shows presence for accepted contacts only. */
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/contacts", cyd->token, NULL, &contacts, NULL), ==, 200);
  g_assert_null (strstr (contacts, "\"online\""));
  g_clear_pointer (&contacts, g_free);
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/contacts", ada->token, NULL, &contacts, NULL), ==, 200);
  g_assert_nonnull (strstr (contacts, "\"online\""));

  /* Going away: offline for contacts. */
  g_clear_pointer (&b, kithd_test_socket_free);
  kithd_test_socket_assert_presence (a, bob->id, "offline");
  kithd_test_socket_assert_no_presence (c, bob->id);
}

static void
test_hidden (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (JsonObject) msg = NULL;
  g_autoptr (JsonObject) invite = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a = connect_user (ada);
  kithd_test_socket_assert_presence (b, ada->id, "online");

  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"hidden\"}");
  kithd_test_socket_assert_presence (b, ada->id, "offline");

  /* Hidden Ada still gets messages and calls. */
  kithd_test_socket_send_message_acked (b, "h1", ada->id, "are you there?");
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

    kithd_test_socket_assert_no_presence (b2, ada->id);
  }

  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"online\"}");
  kithd_test_socket_assert_presence (b, ada->id, "online");
  kithd_test_socket_send (a, "{\"type\": \"presence.set\", \"status\": \"busy\"}");
  kithd_test_socket_assert_presence (b, ada->id, "busy");
}

static void
test_idle (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a = connect_user (ada);
  kithd_test_socket_assert_presence (b, ada->id, "online");

  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": true}");
  kithd_test_socket_assert_presence (b, ada->id, "idle");
  /* Nothing changes: nothing is sent. */
  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": true}");
  kithd_test_socket_assert_no_presence (b, ada->id);
  kithd_test_socket_send (a, "{\"type\": \"activity\", \"idle\": false}");
  kithd_test_socket_assert_presence (b, ada->id, "online");
}

static void
test_mobile (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autofree char *phone_token = kithd_test_server_log_in (server, ada->email, PASSWORD, "mobile");
  g_autoptr (KithdTestSocket) phone = NULL;
  g_autoptr (KithdTestSocket) desk = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  phone = kithd_test_socket_connect (server, phone_token, 0);
  kithd_test_socket_assert_presence (b, ada->id, "mobile");

  desk = connect_user (ada);
  kithd_test_socket_assert_presence (b, ada->id, "online");
  g_clear_pointer (&desk, kithd_test_socket_free);
  kithd_test_socket_assert_presence (b, ada->id, "mobile");
  g_clear_pointer (&phone, kithd_test_socket_free);
  kithd_test_socket_assert_presence (b, ada->id, "offline");
}

static void
test_busy_in_call (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autoptr (JsonObject) candidate = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, ada);
  kithd_test_server_make_contacts (server, cyd, bob);
  c = connect_user (cyd);
  a = connect_user (ada);
  b = connect_user (bob);
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");

  /* Ringing is not busy yet; answering is. */
  kithd_test_socket_send_printf (a, "{\"type\": \"call.invite\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"video\": true, \"sdp\": \"v=0 offer\"}", bob->id);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada->id, WAIT));
  kithd_test_socket_send_printf (b, "{\"type\": \"call.ringing\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT "}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.ringing", "from", bob->id, WAIT));
  kithd_test_socket_assert_no_presence (c, ada->id);

  kithd_test_socket_send_printf (b, "{\"type\": \"call.answer\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"sdp\": \"v=0 answer\"}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob->id, WAIT));
  kithd_test_socket_assert_presence (c, ada->id, "busy");
  kithd_test_socket_assert_presence (c, bob->id, "busy");

  kithd_test_socket_send_printf (a, "{\"type\": \"call.candidate\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"candidate\": \"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\", \"sdp_mline_index\": 0}", bob->id);
  candidate = kithd_test_socket_wait_frame (b, "call.candidate", "from", ada->id, WAIT);
  g_assert_nonnull (candidate);
  g_assert_cmpint (json_object_get_int_member (candidate, "sdp_mline_index"), ==, 0);

  kithd_test_socket_send_printf (b, "{\"type\": \"call.hangup\", \"call_id\": \"call-1\", \"to\": %" G_GINT64_FORMAT "}", ada->id);
  g_assert_true (kithd_test_socket_await (a, "call.hangup", "from", bob->id, WAIT));
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");

  /* A call whose device goes away, multi-device calls, ringing, call
   * events and reconnection: test-calls.c. */

  /* Calls go to accepted contacts only. */
  {
    g_autoptr (KithdTestUser) eve = kithd_test_server_new_user (server, "Eve");
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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) eve = kithd_test_server_new_user (server, "Eve");
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

  seq = kithd_test_socket_send_message_acked (a, "m-1", bob->id, "Hello Bob");
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
  kithd_test_socket_send_message (a, "m-eve", eve->id, "hi");
  error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not_contact");
  g_assert_cmpstr (json_object_get_string_member (error, "ref"), ==, "m-eve");
  g_assert_cmpint (kithd_test_server_db_count (server, "messages", "client_id = 'm-eve'"), ==, 0);
}

static void
test_resume (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  gint64 seen;
  gint64 seqs[3];

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);
  kithd_test_socket_assert_presence (a, bob->id, "online");
  seen = kithd_test_socket_send_message_acked (a, "before", bob->id, "seen live");
  {
    g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (b, "message", NULL, 0, WAIT);

    g_assert_nonnull (msg);
    g_assert_cmpint (json_object_get_int_member (msg, "seq"), ==, seen);
  }
  /* The connection drops. */
  g_clear_pointer (&b, kithd_test_socket_free);
  kithd_test_socket_assert_presence (a, bob->id, "offline");

  seqs[0] = kithd_test_socket_send_message_acked (a, "r-1", bob->id, "one");
  seqs[1] = kithd_test_socket_send_message_acked (a, "r-2", bob->id, "two");
  seqs[2] = kithd_test_socket_send_message_acked (a, "r-3", bob->id, "three");

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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  const guint backlog = 450;   /* more than two replay pages */
  gint64 prev = 0;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  for (guint i = 1; i <= backlog; i++) {
    g_autofree char *id = g_strdup_printf ("backlog-%u", i);
    g_autofree char *body = g_strdup_printf ("backlog %u", i);

    kithd_test_socket_send_message_acked (a, id, bob->id, body);
  }

  /* Bob signs in; Ada writes at once, while the replay runs. */
  b = connect_user (bob);
  kithd_test_socket_send_message (a, "live-1", bob->id, "live");

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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autofree char *where = NULL;
  gint64 first, again;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);

  first = kithd_test_socket_send_message_acked (a, "dup-1", bob->id, "once");
  /* The client resends after a reconnect, with the same id. */
  g_clear_pointer (&a, kithd_test_socket_free);
  a = connect_user (ada);
  again = kithd_test_socket_send_message_acked (a, "dup-1", bob->id, "once");
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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
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

  seq = kithd_test_socket_send_message_acked (a, "nul-1", bob->id, "first");
  g_assert_true (kithd_test_socket_await (b, "message", "seq", seq, WAIT));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (JsonObject) error = NULL;

    kithd_test_socket_send_message (a, cases[i].id, bob->id, cases[i].body);
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
  ada = kithd_test_server_new_user (server, "Ada");
  bob = kithd_test_server_new_user (server, "Bob");
  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);

  for (guint i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf ("k-%u", i);

    kithd_test_socket_send_message (a, id, bob->id, "keep me");
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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
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
  kithd_test_socket_send_message (early, "e-1", bob->id, "hi");
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
  kithd_test_socket_send_message (a, "big", bob->id, big_body);
  {
    g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);

    g_assert_nonnull (error);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "too_long");
    g_assert_cmpstr (json_object_get_string_member_with_default (error, "ref", NULL), ==, "big");
  }

  /* A frame over 64 KiB: closed with 1009; Bob is served on. */
  too_long = g_strnfill (70 * 1024, 'y');
  kithd_test_socket_send_message (a, "huge", bob->id, too_long);
  g_assert_cmpuint (kithd_test_socket_wait_closed (a, WAIT), ==, 1009);
  kithd_test_socket_sync (b);
  kithd_test_socket_send_message_acked (b, "still-here", ada->id, "fine");

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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *where = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, bob);
  a = connect_user (ada);
  c = connect_user (cyd);

  /* Bob is offline: three messages from Ada make one mail. */
  kithd_test_socket_send_message_acked (a, "o-1", bob->id, "secret body one");
  kithd_test_socket_send_message_acked (a, "o-2", bob->id, "secret body two");
  kithd_test_socket_send_message_acked (a, "o-3", bob->id, "secret body three");
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
  kithd_test_socket_send_message_acked (c, "o-4", bob->id, "secret body four");
  kithd_test_socket_send_message_acked (c, "o-5", bob->id, "secret body five");
  g_assert_cmpuint (wait_mails_to (bob->email, 2), ==, 2);

  /* Bob comes online: the batch ends; while online, no mail. */
  {
    g_autoptr (KithdTestSocket) b = connect_user (bob);

    g_autoptr (JsonObject) msg = NULL;
    gint64 seq;

    seq = kithd_test_socket_send_message_acked (a, "o-6", bob->id, "secret body six");
    msg = kithd_test_socket_wait_frame (b, "message", "seq", seq, WAIT);
    g_assert_nonnull (msg);
    g_assert_cmpstr (json_object_get_string_member (msg, "id"), ==, "o-6");
  }
  kithd_test_socket_assert_presence (a, bob->id, "online");
  kithd_test_socket_assert_presence (a, bob->id, "offline");

  /* Offline again: a new batch, a new mail. */
  kithd_test_socket_send_message_acked (a, "o-7", bob->id, "secret body seven");
  kithd_test_socket_send_message_acked (a, "o-8", bob->id, "secret body eight");
  g_assert_cmpuint (wait_mails_to (bob->email, 3), ==, 3);

  /* With the setting off: no mail. */
  g_assert_cmpuint (kithd_test_server_request (server, "PATCH", "/api/v1/me", bob->token,
                                               "{\"offline_email_notification\": false}", NULL, NULL), ==, 200);
  {
    g_autoptr (KithdTestSocket) b = connect_user (bob);

    kithd_test_socket_assert_presence (a, bob->id, "online");
  }
  kithd_test_socket_assert_presence (a, bob->id, "offline");
  kithd_test_socket_send_message_acked (a, "o-9", bob->id, "secret body nine");

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
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autofree char *second = kithd_test_server_log_in (server, ada->email, PASSWORD, NULL);
  g_autoptr (KithdTestSocket) a1 = NULL;
  g_autoptr (KithdTestSocket) a2 = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  b = connect_user (bob);
  a1 = connect_user (ada);
  a2 = kithd_test_socket_connect (server, second, 0);
  kithd_test_socket_assert_presence (b, ada->id, "online");

  /* Logging out closes that session's socket only. */
  g_assert_cmpuint (kithd_test_server_request (server, "DELETE", "/api/v1/sessions/current", second, NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (kithd_test_socket_wait_closed (a2, WAIT), ==, 4001);
  g_assert_true (kithd_test_socket_is_open (a1));
  kithd_test_socket_sync (a1);
  kithd_test_socket_assert_no_presence (b, ada->id);
}

static void
test_contact_frames (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
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
  kithd_test_socket_assert_no_presence (b, ada->id);

  /* Accepted: both sides are told and see each other. */
  g_assert_cmpuint (kithd_test_server_request (server, "POST", accept, bob->token, NULL, NULL, NULL), ==, 200);
  accepted = kithd_test_socket_wait_frame (a, "contact.accepted", NULL, 0, WAIT);
  g_assert_nonnull (accepted);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (accepted, "user"), "id"), ==, bob->id);
  g_assert_true (kithd_test_socket_await (b, "contact.accepted", NULL, 0, WAIT));
  kithd_test_socket_assert_presence (a, bob->id, "online");
  kithd_test_socket_assert_presence (b, ada->id, "online");

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
  kithd_test_socket_assert_presence (b, ada->id, "offline");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

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

  return kithd_test_run_with_server (&server);
}

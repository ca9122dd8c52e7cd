/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCalls"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * kithd's side of calls against a real kithd (docs/protocol.md, "Calls"):
 * a call's two devices, ringing on every device of the callee and the
 * others told when one answers, unreachable, the ringing timeout, call
 * events in the conversation (and after a restart), a device away and
 * back, kithd restarted mid-call (hello "call" claims) with Busy seen by a
 * third user, bad input, the ICE servers. The kithd here rings for
 * RING_S seconds and waits RECONNECT_S for a device to come back.
 */

#define WAIT        KITHD_TEST_WAIT_MS
#define RING_S      2
#define RECONNECT_S 6
#define TURN_SECRET "0penSesame"

static KithdTestServer *server;
static char *conf_dir;

static const char *
conf_path (void)
{
  static char *path;

  if (!path) {
    g_autoptr (GError) error = NULL;
    g_autofree char *text = g_strdup_printf (
      "[limits]\nsign-ups-per-address=0\nresets-per-email=0\nresets-per-address=0\n"
      "messages-per-second=0\n"
      "[calls]\nring-timeout=%d\nreconnect-timeout=%d\n"
      "stun-servers=stun:stun.example.org:3478\n"
      "turn-servers=turn:turn.example.org:3478?transport=udp;turns:turn.example.org:5349\n"
      "turn-secret=" TURN_SECRET "\nturn-credential-lifetime=3600\n", RING_S, RECONNECT_S);

    conf_dir = g_dir_make_tmp ("kithd-calls-XXXXXX", &error);
    g_assert_no_error (error);
    path = g_build_filename (conf_dir, "kithd.conf", NULL);
    g_file_set_contents (path, text, -1, &error);
    g_assert_no_error (error);
  }
  return path;
}

static KithdTestServer *
start_server (void)
{
  const char *args[] = { "--config", conf_path (), NULL };

  return kithd_test_server_startv (args);
}

static KithdTestSocket *
connect_user (KithdTestUser *user)
{
  return kithd_test_socket_connect (server, user->token, 0);
}

/* A second device of @user: a session of its own. */
static KithdTestSocket *
connect_device (KithdTestUser *user)
{
  g_autofree char *token = kithd_test_server_log_in (server, user->email, user->password, NULL);

  return kithd_test_socket_connect (server, token, 0);
}

/* hello with @claim (a JSON object, or NULL), then welcome. */
static KithdTestSocket *
connect_claiming (KithdTestUser *user,
                  const char    *claim)
{
  KithdTestSocket *socket = kithd_test_socket_connect (server, NULL, 0);
  g_autoptr (JsonObject) welcome = NULL;

  kithd_test_socket_send_printf (socket, "{\"type\": \"hello\", \"token\": \"%s\"%s%s}", user->token,
                                 claim ? ", \"call\": " : "", claim ? claim : "");
  welcome = kithd_test_socket_wait_frame (socket, "welcome", NULL, 0, WAIT);
  g_assert_nonnull (welcome);
  return socket;
}

static void
send_call (KithdTestSocket *socket,
           const char      *type,
           const char      *call_id,
           gint64           to,
           const char      *rest)
{
  kithd_test_socket_send_printf (socket, "{\"type\": \"%s\", \"call_id\": \"%s\", \"to\": %" G_GINT64_FORMAT "%s}",
                                 type, call_id, to, rest ? rest : "");
}

static void
invite (KithdTestSocket *socket,
        const char      *call_id,
        gint64           to,
        gboolean         video)
{
  send_call (socket, "call.invite", call_id, to,
             video ? ", \"video\": true, \"sdp\": \"v=0 offer\"" : ", \"video\": false, \"sdp\": \"v=0 offer\"");
}

/* The call.hangup from @from comes, with @reason. */
static void
assert_hangup (KithdTestSocket *socket,
               gint64           from,
               const char      *call_id,
               const char      *reason)
{
  g_autoptr (JsonObject) hangup = kithd_test_socket_wait_frame (socket, "call.hangup", "from", from, WAIT);

  g_assert_nonnull (hangup);
  g_assert_cmpstr (json_object_get_string_member (hangup, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member_with_default (hangup, "reason", NULL), ==, reason);
}

/* After a round trip, no call.* frame is queued on @socket. */
static void
assert_no_call_frames (KithdTestSocket *socket)
{
  static const char * const types[] = {
    "call.invite", "call.ringing", "call.answer", "call.candidate", "call.hangup", "call.reject",
  };

  kithd_test_socket_sync (socket);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    if (kithd_test_socket_count (socket, types[i]) != 0)
      g_error ("A %s frame came", types[i]);
  }
}

/* The error for @ref comes, with @code. */
static void
assert_error (KithdTestSocket *socket,
              const char      *code,
              const char      *ref)
{
  g_autoptr (JsonObject) error = kithd_test_socket_wait_frame (socket, "error", NULL, 0, WAIT);

  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member_with_default (error, "ref", NULL), ==, ref);
}

/* The call event (a message of kind "call") comes to @socket: from the
 * caller @from, with @outcome; its duration. */
static gint64
assert_call_event (KithdTestSocket *socket,
                   gint64           from,
                   const char      *outcome,
                   gboolean         video)
{
  g_autoptr (JsonObject) msg = kithd_test_socket_wait_frame (socket, "message", "from", from, WAIT);
  JsonObject *call;

  g_assert_nonnull (msg);
  g_assert_cmpstr (json_object_get_string_member (msg, "kind"), ==, "call");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (msg, "id"), "call:"));
  g_assert_cmpstr (json_object_get_string_member (msg, "body"), !=, "");
  call = json_object_get_object_member (msg, "call");
  g_assert_nonnull (call);
  g_assert_cmpstr (json_object_get_string_member (call, "outcome"), ==, outcome);
  g_assert_true (json_object_get_boolean_member (call, "video") == video);
  return json_object_get_int_member (call, "duration");
}

/* @caller invites @callee, and both of the callee's devices ring. */
static void
ring_two (KithdTestSocket *caller,
          KithdTestSocket *callee1,
          KithdTestSocket *callee2,
          const char      *call_id,
          gint64           caller_id,
          gint64           callee_id,
          gboolean         video)
{
  invite (caller, call_id, callee_id, video);
  g_assert_true (kithd_test_socket_await (callee1, "call.invite", "from", caller_id, WAIT));
  g_assert_true (kithd_test_socket_await (callee2, "call.invite", "from", caller_id, WAIT));
}

/* The one message of @user's conversation with @peer, from GET …/messages. */
static JsonObject *
only_message_of_history (KithdTestUser *user,
                         gint64         peer)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/conversations/%" G_GINT64_FORMAT "/messages", peer);
  g_autofree char *history = kithd_test_server_call (server, "GET", path, user->token, NULL, 200, NULL);
  g_autoptr (JsonObject) object = kithd_test_parse_object (history);
  JsonArray *messages = json_object_get_array_member (object, "messages");

  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  return json_object_ref (json_array_get_object_element (messages, 0));
}

/* ---- the two devices of a call ---- */

static void
test_multi_device (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) a2 = NULL;
  g_autoptr (KithdTestSocket) b1 = NULL;
  g_autoptr (KithdTestSocket) b2 = NULL;
  g_autoptr (JsonObject) candidate = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  a2 = connect_device (ada);
  b1 = connect_user (bob);
  b2 = connect_device (bob);

  /* It rings on both of Bob's devices; one says it rings. */
  ring_two (a, b1, b2, "md-1", ada->id, bob->id, TRUE);
  send_call (b2, "call.ringing", "md-1", ada->id, NULL);
  g_assert_true (kithd_test_socket_await (a, "call.ringing", "from", bob->id, WAIT));

  /* b1 answers: b2 stops ringing; the answer goes to the calling device. */
  send_call (b1, "call.answer", "md-1", ada->id, ", \"sdp\": \"v=0 answer\"");
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob->id, WAIT));
  assert_hangup (b2, ada->id, "md-1", "answered-elsewhere");

  /* From now on, between a and b1 only. */
  send_call (a, "call.candidate", "md-1", bob->id,
             ", \"candidate\": \"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\", \"sdp_mline_index\": 0");
  candidate = kithd_test_socket_wait_frame (b1, "call.candidate", "from", ada->id, WAIT);
  g_assert_nonnull (candidate);
  send_call (b1, "call.candidate", "md-1", ada->id, ", \"candidate\": \"\", \"sdp_mline_index\": 0");
  g_assert_true (kithd_test_socket_await (a, "call.candidate", "from", bob->id, WAIT));
  assert_no_call_frames (b2);
  assert_no_call_frames (a2);

  /* The other devices may not act in it. */
  send_call (b2, "call.answer", "md-1", ada->id, ", \"sdp\": \"v=0 late\"");
  assert_error (b2, "invalid_field", "md-1");
  send_call (a2, "call.hangup", "md-1", bob->id, NULL);
  assert_error (a2, "invalid_field", "md-1");
  assert_no_call_frames (a);
  assert_no_call_frames (b1);

  /* Hang-up: to b1; the event reaches every device of both. */
  send_call (a, "call.hangup", "md-1", bob->id, NULL);
  assert_hangup (b1, ada->id, "md-1", NULL);
  assert_no_call_frames (b2);
  assert_call_event (a, ada->id, "ended", TRUE);
  assert_call_event (a2, ada->id, "ended", TRUE);
  assert_call_event (b1, ada->id, "ended", TRUE);
  assert_call_event (b2, ada->id, "ended", TRUE);

  /* Declined on b2: b1 stops ringing. */
  ring_two (a, b1, b2, "md-2", ada->id, bob->id, FALSE);
  send_call (b2, "call.reject", "md-2", ada->id, ", \"reason\": \"declined\"");
  g_assert_true (kithd_test_socket_await (a, "call.reject", "from", bob->id, WAIT));
  assert_hangup (b1, ada->id, "md-2", "declined-elsewhere");
  assert_call_event (b1, ada->id, "declined", FALSE);
  assert_call_event (b2, ada->id, "declined", FALSE);
  assert_call_event (a, ada->id, "declined", FALSE);

  /* Busy: the event says so. */
  invite (a, "md-3", bob->id, FALSE);
  g_assert_true (kithd_test_socket_await (b1, "call.invite", "from", ada->id, WAIT));
  send_call (b1, "call.reject", "md-3", ada->id, ", \"reason\": \"busy\"");
  assert_hangup (b2, ada->id, "md-3", "declined-elsewhere");
  assert_call_event (a, ada->id, "busy", FALSE);
  assert_call_event (b1, ada->id, "busy", FALSE);
  assert_call_event (b2, ada->id, "busy", FALSE);

  /* The caller gives up while it rings: every device of Bob stops, and
   * Bob has a missed call. */
  invite (a, "md-4", bob->id, FALSE);
  g_assert_true (kithd_test_socket_await (b2, "call.invite", "from", ada->id, WAIT));
  send_call (a, "call.hangup", "md-4", bob->id, NULL);
  assert_hangup (b1, ada->id, "md-4", NULL);
  assert_hangup (b2, ada->id, "md-4", NULL);
  assert_call_event (b2, ada->id, "missed", FALSE);
}

/* A side whose media never connected hangs up with "failed": kithd relays
 * the reason as it is, so that the peer ends the call as failed too, and
 * stores the call as ended. */
static void
test_hangup_failed (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b = connect_user (bob);
  invite (a, "hf-1", bob->id, FALSE);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada->id, WAIT));
  send_call (b, "call.answer", "hf-1", ada->id, ", \"sdp\": \"v=0 answer\"");
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob->id, WAIT));

  send_call (b, "call.hangup", "hf-1", ada->id, ", \"reason\": \"failed\"");
  assert_hangup (a, bob->id, "hf-1", "failed");
  assert_call_event (a, ada->id, "ended", FALSE);
  assert_call_event (b, ada->id, "ended", FALSE);
}

/* ---- no device, no answer ---- */

static void
test_unreachable (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (JsonObject) missed = NULL;
  g_autoptr (JsonObject) event = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);

  invite (a, "un-1", bob->id, TRUE);
  assert_hangup (a, bob->id, "un-1", "unreachable");
  assert_call_event (a, ada->id, "unreachable", TRUE);

  /* Bob sees it as a missed call when he comes, in the replay... */
  b = connect_user (bob);
  missed = kithd_test_socket_wait_frame (b, "message", "from", ada->id, WAIT);
  g_assert_nonnull (missed);
  g_assert_cmpstr (json_object_get_string_member (missed, "kind"), ==, "call");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (missed, "call"), "outcome"),
                   ==, "unreachable");

  /* ...and in the history. */
  event = only_message_of_history (bob, ada->id);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "call");
  g_assert_cmpint (json_object_get_int_member (event, "from"), ==, ada->id);
  g_assert_cmpint (json_object_get_int_member (event, "to"), ==, bob->id);
  g_assert_cmpstr (json_object_get_string_member (event, "body"), ==, "Missed video call (offline)");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (event, "call"), "video"));
}

static void
test_ring_timeout (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b1 = NULL;
  g_autoptr (KithdTestSocket) b2 = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  a = connect_user (ada);
  b1 = connect_user (bob);
  b2 = connect_device (bob);

  ring_two (a, b1, b2, "rt-1", ada->id, bob->id, FALSE);
  send_call (b1, "call.ringing", "rt-1", ada->id, NULL);
  g_assert_true (kithd_test_socket_await (a, "call.ringing", "from", bob->id, WAIT));

  /* Nobody answers within RING_S: both sides hear "missed". */
  assert_hangup (a, bob->id, "rt-1", "missed");
  assert_hangup (b1, ada->id, "rt-1", "missed");
  assert_hangup (b2, ada->id, "rt-1", "missed");
  assert_call_event (b2, ada->id, "missed", FALSE);
  assert_call_event (a, ada->id, "missed", FALSE);

  /* It is over: a late answer is refused, and nothing reaches Ada. */
  send_call (b1, "call.answer", "rt-1", ada->id, ", \"sdp\": \"v=0 late\"");
  assert_error (b1, "not_found", "rt-1");
  assert_no_call_frames (a);
}

/* ---- a device away ---- */

static void
answered_call (KithdTestSocket *a,
               KithdTestSocket *b,
               const char      *call_id,
               gint64           ada_id,
               gint64           bob_id)
{
  invite (a, call_id, bob_id, FALSE);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada_id, WAIT));
  send_call (b, "call.answer", call_id, ada_id, ", \"sdp\": \"v=0 answer\"");
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob_id, WAIT));
}

static void
test_device_away (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *claim = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, ada);
  kithd_test_server_make_contacts (server, cyd, bob);
  c = connect_user (cyd);
  a = connect_user (ada);
  b = connect_user (bob);
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");

  /* Bob's socket drops and comes back in time, claiming the call: it goes
   * on, and a hang-up still reaches him. */
  answered_call (a, b, "aw-1", ada->id, bob->id);
  kithd_test_socket_assert_presence (c, ada->id, "busy");
  kithd_test_socket_assert_presence (c, bob->id, "busy");
  g_clear_pointer (&b, kithd_test_socket_free);
  kithd_test_socket_assert_presence (c, bob->id, "offline");
  claim = g_strdup_printf ("{\"call_id\": \"aw-1\", \"peer\": %" G_GINT64_FORMAT
                           ", \"caller\": false, \"video\": false, \"elapsed\": 3}", ada->id);
  b = connect_claiming (bob, claim);
  kithd_test_socket_assert_presence (c, bob->id, "busy");
  assert_no_call_frames (a);
  send_call (a, "call.hangup", "aw-1", bob->id, NULL);
  assert_hangup (b, ada->id, "aw-1", NULL);
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");
  assert_call_event (b, ada->id, "ended", FALSE);

  /* Bob's device comes back without the call: it ends at once. */
  answered_call (a, b, "aw-2", ada->id, bob->id);
  g_clear_pointer (&b, kithd_test_socket_free);
  b = connect_user (bob);
  assert_hangup (a, bob->id, "aw-2", "disconnected");
  kithd_test_socket_assert_presence (c, ada->id, "busy");
  kithd_test_socket_assert_presence (c, ada->id, "online");

  /* Bob's device does not come back: the call ends after RECONNECT_S. */
  answered_call (a, b, "aw-3", ada->id, bob->id);
  g_clear_pointer (&b, kithd_test_socket_free);
  assert_hangup (a, bob->id, "aw-3", "disconnected");
  assert_call_event (a, ada->id, "ended", FALSE);

  /* A claim after that is told the call is over. */
  claim = (g_free (claim), g_strdup_printf ("{\"call_id\": \"aw-3\", \"peer\": %" G_GINT64_FORMAT
                                            ", \"caller\": false, \"video\": false}", ada->id));
  b = connect_claiming (bob, claim);
  assert_hangup (b, ada->id, "aw-3", "disconnected");
  assert_no_call_frames (a);
}

/* ---- kithd restarted mid-call ---- */

static void
test_restart_mid_call (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_new_user (server, "Cyd");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *ada_claim = NULL;
  g_autofree char *bob_claim = NULL;
  g_autoptr (JsonObject) event = NULL;
  gint64 duration;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, cyd, ada);
  kithd_test_server_make_contacts (server, cyd, bob);
  c = connect_user (cyd);
  a = connect_user (ada);
  b = connect_user (bob);
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");
  answered_call (a, b, "rs-1", ada->id, bob->id);
  kithd_test_socket_assert_presence (c, ada->id, "busy");
  kithd_test_socket_assert_presence (c, bob->id, "busy");

  /* kithd goes (its call table with it) and comes back. */
  g_assert_cmpint (kithd_test_server_stop (server), ==, 0);
  g_clear_pointer (&a, kithd_test_socket_free);
  g_clear_pointer (&b, kithd_test_socket_free);
  g_clear_pointer (&c, kithd_test_socket_free);
  kithd_test_server_restart (server);

  /* One side's claim alone is not a call yet: nobody is busy. */
  c = connect_user (cyd);
  ada_claim = g_strdup_printf ("{\"call_id\": \"rs-1\", \"peer\": %" G_GINT64_FORMAT
                               ", \"caller\": true, \"video\": false, \"elapsed\": 600}", bob->id);
  a = connect_claiming (ada, ada_claim);
  kithd_test_socket_assert_presence (c, ada->id, "online");

  /* Both claim it: both busy again, for every contact. */
  bob_claim = g_strdup_printf ("{\"call_id\": \"rs-1\", \"peer\": %" G_GINT64_FORMAT
                               ", \"caller\": false, \"video\": false, \"elapsed\": 601}", ada->id);
  b = connect_claiming (bob, bob_claim);
  kithd_test_socket_assert_presence (c, ada->id, "busy");
  kithd_test_socket_assert_presence (c, bob->id, "busy");

  /* A hang-up still reaches the peer; both are their chosen status again. */
  send_call (b, "call.hangup", "rs-1", ada->id, NULL);
  assert_hangup (a, bob->id, "rs-1", NULL);
  kithd_test_socket_assert_presence (c, ada->id, "online");
  kithd_test_socket_assert_presence (c, bob->id, "online");
  duration = assert_call_event (a, ada->id, "ended", FALSE);
  g_assert_cmpint (duration, >=, 601);   /* the longer claim, and the time since */
  g_assert_cmpint (duration, <, 601 + 120);

  /* The event survives another restart, in both histories. */
  g_assert_cmpint (kithd_test_server_stop (server), ==, 0);
  g_clear_pointer (&a, kithd_test_socket_free);
  g_clear_pointer (&b, kithd_test_socket_free);
  g_clear_pointer (&c, kithd_test_socket_free);
  kithd_test_server_restart (server);
  event = only_message_of_history (bob, ada->id);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "call");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "call"), "outcome"),
                   ==, "ended");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (event, "call"), "duration"),
                   ==, duration);
  {
    g_autoptr (JsonObject) ada_event = only_message_of_history (ada, bob->id);

    g_assert_cmpint (json_object_get_int_member (ada_event, "seq"), ==, json_object_get_int_member (event, "seq"));
  }
}

/* One side claims after a restart; the other never does: the claimer is
 * told after RECONNECT_S. */
static void
test_restart_one_side (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autofree char *claim = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  g_assert_cmpint (kithd_test_server_stop (server), ==, 0);
  kithd_test_server_restart (server);

  b = connect_user (bob);
  claim = g_strdup_printf ("{\"call_id\": \"os-1\", \"peer\": %" G_GINT64_FORMAT
                           ", \"caller\": true, \"video\": true}", bob->id);
  a = connect_claiming (ada, claim);
  kithd_test_socket_assert_presence (b, ada->id, "online");
  assert_hangup (a, bob->id, "os-1", "disconnected");
  kithd_test_socket_assert_no_presence (b, ada->id);
  assert_no_call_frames (b);
}

/* ---- bad input: a clear error, nothing changes ---- */

static void
test_bad_input (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestUser) eve = kithd_test_server_new_user (server, "Eve");
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) e = NULL;
  g_autoptr (JsonObject) error = NULL;
  g_autofree char *claim = NULL;
  g_autofree char *long_id = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  kithd_test_server_make_contacts (server, eve, bob);
  b = connect_user (bob);
  a = connect_user (ada);
  kithd_test_socket_assert_presence (b, ada->id, "online");

  /* A frame of a call that does not exist. */
  send_call (a, "call.hangup", "nope", bob->id, NULL);
  assert_error (a, "not_found", "nope");
  send_call (a, "call.candidate", "nope", bob->id, ", \"candidate\": \"\", \"sdp_mline_index\": 0");
  assert_error (a, "not_found", "nope");
  assert_no_call_frames (b);

  /* A call id in use is not a new call. */
  invite (a, "used", bob->id, FALSE);
  g_assert_true (kithd_test_socket_await (b, "call.invite", "from", ada->id, WAIT));
  send_call (b, "call.answer", "used", ada->id, ", \"sdp\": \"v=0\"");
  g_assert_true (kithd_test_socket_await (a, "call.answer", "from", bob->id, WAIT));
  invite (a, "used", bob->id, FALSE);
  assert_error (a, "invalid_field", "used");
  assert_no_call_frames (b);
  send_call (a, "call.hangup", "used", bob->id, NULL);
  assert_hangup (b, ada->id, "used", NULL);
  kithd_test_socket_assert_presence (b, ada->id, "busy");
  kithd_test_socket_assert_presence (b, ada->id, "online");

  /* A claim naming someone who is not a contact: signed in, refused. */
  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_socket_assert_presence (b, ada->id, "offline");
  claim = g_strdup_printf ("{\"call_id\": \"c-eve\", \"peer\": %" G_GINT64_FORMAT
                           ", \"caller\": true, \"video\": false}", eve->id);
  a = connect_claiming (ada, claim);
  assert_error (a, "not_contact", "c-eve");
  kithd_test_socket_assert_presence (b, ada->id, "online");
  e = connect_user (eve);
  assert_no_call_frames (e);

  /* Oneself: the same. */
  g_clear_pointer (&a, kithd_test_socket_free);
  claim = (g_free (claim), g_strdup_printf ("{\"call_id\": \"c-me\", \"peer\": %" G_GINT64_FORMAT
                                            ", \"caller\": true, \"video\": false}", ada->id));
  a = connect_claiming (ada, claim);
  assert_error (a, "not_contact", "c-me");
  kithd_test_socket_assert_presence (b, ada->id, "offline");
  kithd_test_socket_assert_presence (b, ada->id, "online");

  /* A claim that breaks the frame's rules: the hello is refused, the
   * socket not signed in; a good hello then works. */
  g_clear_pointer (&a, kithd_test_socket_free);
  a = kithd_test_socket_connect (server, NULL, 0);
  long_id = g_strnfill (65, 'x');
  kithd_test_socket_send_printf (a, "{\"type\": \"hello\", \"token\": \"%s\", \"call\": {\"call_id\": \"%s\", "
                                 "\"peer\": %" G_GINT64_FORMAT ", \"caller\": true, \"video\": false}}",
                                 ada->token, long_id, bob->id);
  error = kithd_test_socket_wait_frame (a, "error", NULL, 0, WAIT);
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "too_long");
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "call.call_id"));
  g_clear_pointer (&error, json_object_unref);
  kithd_test_socket_send_printf (a, "{\"type\": \"hello\", \"token\": \"%s\", \"call\": {\"call_id\": \"x\", "
                                 "\"peer\": %" G_GINT64_FORMAT ", \"caller\": \"yes\", \"video\": false}}",
                                 ada->token, bob->id);
  assert_error (a, "invalid_field", NULL);
  kithd_test_socket_send (a, "{\"type\": \"ping\"}");
  assert_error (a, "not_signed_in", NULL);
  kithd_test_socket_send_printf (a, "{\"type\": \"hello\", \"token\": \"%s\"}", ada->token);
  g_assert_true (kithd_test_socket_await (a, "welcome", NULL, 0, WAIT));
  kithd_test_socket_assert_presence (b, ada->id, "offline");
  kithd_test_socket_assert_presence (b, ada->id, "online");
}

/* ---- STUN and TURN ---- */

static void
test_ice_servers (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autofree char *info = kithd_test_server_call (server, "GET", "/api/v1/server", NULL, NULL, 200, NULL);
  g_autofree char *ice = NULL;
  g_autoptr (JsonObject) object = kithd_test_parse_object (info);
  g_autoptr (JsonObject) ice_object = NULL;
  g_autoptr (GHmac) hmac = NULL;
  g_autofree char *expected = NULL;
  JsonArray *servers = json_object_get_array_member (object, "ice_servers");
  JsonObject *stun, *turn;
  JsonArray *urls;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_auto (GStrv) parts = NULL;

  /* GET /server: the URIs, never a secret. */
  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  stun = json_array_get_object_element (servers, 0);
  turn = json_array_get_object_element (servers, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (stun, "urls"), 0),
                   ==, "stun:stun.example.org:3478");
  urls = json_object_get_array_member (turn, "urls");
  g_assert_cmpuint (json_array_get_length (urls), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (urls, 1), ==, "turns:turn.example.org:5349");
  g_assert_false (json_object_has_member (turn, "credential"));
  g_assert_null (strstr (info, TURN_SECRET));

  /* GET /ice-servers: signed in only. */
  g_free (kithd_test_server_call (server, "GET", "/api/v1/ice-servers", NULL, NULL, 401, "unauthorized"));
  ice = kithd_test_server_call (server, "GET", "/api/v1/ice-servers", ada->token, NULL, 200, NULL);
  g_assert_null (strstr (ice, TURN_SECRET));
  ice_object = kithd_test_parse_object (ice);
  g_assert_cmpint (json_object_get_int_member (ice_object, "ttl"), ==, 3600);
  servers = json_object_get_array_member (ice_object, "ice_servers");
  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  g_assert_false (json_object_has_member (json_array_get_object_element (servers, 0), "username"));
  turn = json_array_get_object_element (servers, 1);

  /* coturn's use-auth-secret: "EXPIRY:USER_ID", HMAC-SHA1 in base64. */
  parts = g_strsplit (json_object_get_string_member (turn, "username"), ":", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_assert_cmpint (g_ascii_strtoll (parts[1], NULL, 10), ==, ada->id);
  g_assert_cmpint (g_ascii_strtoll (parts[0], NULL, 10), >, g_get_real_time () / G_USEC_PER_SEC + 3000);
  g_assert_cmpint (g_ascii_strtoll (parts[0], NULL, 10), <=, g_get_real_time () / G_USEC_PER_SEC + 3600 + 60);
  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) TURN_SECRET, strlen (TURN_SECRET));
  g_hmac_update (hmac, (const guchar *) json_object_get_string_member (turn, "username"), -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  expected = g_base64_encode (digest, digest_len);
  g_assert_cmpstr (json_object_get_string_member (turn, "credential"), ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/calls/multi-device", test_multi_device);
  g_test_add_func ("/calls/hangup-failed", test_hangup_failed);
  g_test_add_func ("/calls/unreachable", test_unreachable);
  g_test_add_func ("/calls/ring-timeout", test_ring_timeout);
  g_test_add_func ("/calls/device-away", test_device_away);
  g_test_add_func ("/calls/restart-mid-call", test_restart_mid_call);
  g_test_add_func ("/calls/restart-one-side", test_restart_one_side);
  g_test_add_func ("/calls/bad-input", test_bad_input);
  g_test_add_func ("/calls/ice-servers", test_ice_servers);

  server = start_server ();
  status = g_test_run ();
  kithd_test_server_free (server);
  g_unlink (conf_path ());
  g_rmdir (conf_dir);
  return status;
}

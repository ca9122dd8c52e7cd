/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Calls through the service layer cut short (service-test-calls.c has the
 * sides): the peer gone without a word, no microphone, a microphone
 * unplugged mid-call, signing out mid-call (kithd paused too), kithd
 * restarted mid-call. Real sessions against a real kithd, with real
 * pipelines (test sources, fake sinks, loopback ICE). The calls that go
 * as planned are test-calls-service.c.
 */
#define G_LOG_DOMAIN "KithTestCalls"

#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "kith-call-media-private.h"
#include "kith-call-private.h"
#include "kith-test-sources.h"
#include "service-test-calls.h"

/* The peer's side gone for good, without a word (its process ended): the
 * media stops, and after lost-timeout the call ends as connection lost,
 * before kithd's own 30 s. */
static void
test_peer_gone (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  kith_call_manager_set_lost_timeout (a->calls, 2000);
  connect_call (a, b, FALSE, &caller, &callee);
  wait_received (caller, 20, 0);

  /* Torn down, not signed out: no hang-up is sent. */
  g_signal_handlers_disconnect_by_data (b->calls, b);
  b->calls = NULL;
  g_clear_object (&b->session);
  g_assert_cmpint (kith_call_get_state (callee), ==, KITH_CALL_ENDED);

  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_CONNECTION_LOST);
  g_assert_cmpstr (kith_call_end_reason_to_string (KITH_CALL_END_CONNECTION_LOST), ==,
                   "Connection lost");
  g_assert_false (kith_status_manager_get_in_call (kith_session_get_status (a->session)));
}

/* No microphone: the call fails with the media's sentence; the session
 * stays online, and the next call works. */
static void
test_no_microphone (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) failed = NULL;
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  g_setenv ("KITH_AUDIOSRC", "no-such-element", TRUE);
  failed = place (a, b, FALSE);
  wait_state (failed, KITH_CALL_ENDED);
  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  g_assert_cmpint (kith_call_get_end_reason (failed), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_get_error_message (failed), ==, "No microphone found");
  g_assert_cmpint (kith_session_get_state (a->session), ==, KITH_SESSION_ONLINE);
  /* Nothing rang at Bob's: the invite never left. */
  g_assert_cmpuint (b->incoming_count, ==, 0);

  connect_call (a, b, FALSE, &caller, &callee);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);
}

/* The caller's microphone unplugged mid-call: the call ends failed with
 * the media's sentence (what the call view shows), the peer's as hung up
 * (the call had been active), and the session stays online. */
static void
test_unplugged (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kith-unplug-XXXXXX", NULL);
  g_autofree char *source = g_strdup_printf ("kithunplugsrc unplug-dir=%s", dir);
  g_autofree char *unplug = NULL;
  GPid helper;

  befriend (a, b);
  /* Both media processes run the plugin's source (kith-test-plugin.c);
   * the caller's is unplugged by its process id. */
  g_setenv ("KITH_AUDIOSRC", source, TRUE);
  connect_call (a, b, FALSE, &caller, &callee);
  wait_received (caller, 20, 0);
  wait_received (callee, 20, 0);
  helper = kith_call_media_get_helper_pid (kith_call_get_media (caller));
  g_assert_cmpint (helper, >, 0);
  unplug = g_strdup_printf ("%s/%d", dir, (int) helper);
  g_assert_true (g_file_set_contents (unplug, "", 0, NULL));
  wait_state (caller, KITH_CALL_ENDED);
  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  g_unlink (unplug);
  g_rmdir (dir);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_get_error_message (caller), ==, "No microphone found");
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_HUNG_UP);
  g_assert_null (kith_call_get_error_message (callee));
  g_assert_cmpint (kith_session_get_state (a->session), ==, KITH_SESSION_ONLINE);
}

/* The caller's media process killed mid-call (as a codec crashing would
 * take it down): the call ends failed with a sentence, the peer's as hung
 * up, the session stays online, and the next call works. With the media
 * in the app's own process, such a crash took the app with it. */
static void
test_media_process_killed (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  GPid helper;

  befriend (a, b);
  connect_call (a, b, TRUE, &caller, &callee);
  wait_received (caller, 20, 1);
  wait_received (callee, 20, 1);
  helper = kith_call_media_get_helper_pid (kith_call_get_media (caller));
  g_assert_cmpint (helper, >, 0);
  g_assert_cmpint (kill (helper, SIGKILL), ==, 0);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_get_error_message (caller), ==, "The call’s sound and video stopped working.");
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_HUNG_UP);
  g_assert_cmpint (kith_session_get_state (a->session), ==, KITH_SESSION_ONLINE);
  g_clear_object (&caller);
  g_clear_object (&callee);

  connect_call (a, b, FALSE, &caller, &callee);
  wait_received (caller, 20, 0);
  wait_received (callee, 20, 0);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);
}

/* Signing out hangs up: the peer hears it as a hang-up at once, well
 * before its own lost-timeout (10 s) or kithd's 30 s for a device to come
 * back. Sign-out waits for the socket's close handshake before it revokes
 * the token: the hang-up is then surely at kithd, and a revoked session's
 * socket (closed by kithd, ending its calls as disconnected) cannot come
 * first. Three times, as the loss was a race. */
static void
test_sign_out (void)
{
  for (guint i = 0; i < 3; i++) {
    g_autoptr (Side) a = side_new ("ada");
    g_autoptr (Side) b = side_new ("bob");
    g_autoptr (KithCall) caller = NULL;
    g_autoptr (KithCall) callee = NULL;
    gint64 signed_out;

    befriend (a, b);
    connect_call (a, b, FALSE, &caller, &callee);
    g_signal_handlers_disconnect_by_data (a->calls, a);
    svc_test_log_out (a->session);
    signed_out = g_get_monotonic_time ();
    g_assert_cmpint (kith_call_get_state (caller), ==, KITH_CALL_ENDED);
    g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (a->calls)), ==, 0);
    wait_state (callee, KITH_CALL_ENDED);
    g_test_message ("the peer's call ended %" G_GINT64_FORMAT " ms after sign-out",
                    (g_get_monotonic_time () - signed_out) / 1000);
    g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_HUNG_UP);
    g_assert_cmpint (g_get_monotonic_time () - signed_out, <, 3 * G_USEC_PER_SEC);
    g_clear_object (&a->session);
    a->calls = NULL;
  }
}

static gboolean
on_paused_long_enough (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Signing out while kithd is paused (a busy server): the hang-up and the
 * close wait in kithd's socket; the token's revocation, which would make
 * kithd close the socket and end the call as disconnected, is not sent
 * before kithd has answered the close, so signing out waits for kithd.
 * Once kithd runs again the peer sees the call hung up at once. */
static void
test_sign_out_kithd_paused (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPid kithd = kithd_test_server_get_pid (server);
  gboolean paused_long_enough = FALSE;
  gint64 resumed;

  befriend (a, b);
  connect_call (a, b, FALSE, &caller, &callee);
  g_signal_handlers_disconnect_by_data (a->calls, a);

  g_assert_no_errno (kill (kithd, SIGSTOP));
  kith_session_log_out_async (a->session, NULL, svc_test_store_result, &result);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
  /* Half a second in which a revocation would have gone out. */
  g_timeout_add (500, on_paused_long_enough, &paused_long_enough);
  while (!paused_long_enough)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (result);
  g_assert_no_errno (kill (kithd, SIGCONT));
  resumed = g_get_monotonic_time ();

  g_assert_true (kithd_test_wait_until (has_result, &result, WAIT_MS));
  g_assert_true (kith_session_finish (a->session, result, &error));
  g_assert_no_error (error);
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_HUNG_UP);
  g_assert_cmpint (g_get_monotonic_time () - resumed, <, 3 * G_USEC_PER_SEC);
  g_clear_object (&a->session);
  a->calls = NULL;
}

typedef struct {
  KithCall *call;
  guint64   above;
} WaitMore;

static gboolean
received_more (gpointer data)
{
  WaitMore *w = data;

  return kith_call_get_audio_buffers (w->call) > w->above;
}

/* kithd restarted mid-call: the media, which does not pass through it,
 * keeps flowing; both sockets come back claiming the call, which goes on
 * (Busy again for a third user), and a hang-up still reaches the peer. */
static void
test_kithd_restart (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (Side) c = side_new ("cy");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  WaitMore more = { NULL };
  KithContact *a_seen, *b_seen;

  befriend (a, b);
  befriend (c, a);
  befriend (c, b);
  a_seen = contact_of (c, a);
  b_seen = contact_of (c, b);
  connect_call (a, b, FALSE, &caller, &callee);
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_BUSY, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_BUSY, WAIT_MS));

  kithd_test_server_restart (server);
  wait_state (caller, KITH_CALL_RECONNECTING);
  more = (WaitMore) { caller, kith_call_get_audio_buffers (caller) + 50 };
  g_assert_true (kithd_test_wait_until (received_more, &more, WAIT_MS));

  g_assert_true (svc_test_wait_state (a->session, KITH_SESSION_ONLINE, WAIT_MS));
  g_assert_true (svc_test_wait_state (b->session, KITH_SESSION_ONLINE, WAIT_MS));
  wait_state (caller, KITH_CALL_ACTIVE);
  wait_state (callee, KITH_CALL_ACTIVE);
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_BUSY, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_BUSY, WAIT_MS));

  kith_call_hang_up (callee);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_ONLINE, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_ONLINE, WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  calls_test_init (&argc, &argv);

  g_test_add_func ("/calls/peer-gone", test_peer_gone);
  g_test_add_func ("/calls/no-microphone", test_no_microphone);
  g_test_add_func ("/calls/unplugged", test_unplugged);
  g_test_add_func ("/calls/media-process-killed", test_media_process_killed);
  g_test_add_func ("/calls/sign-out", test_sign_out);
  g_test_add_func ("/calls/sign-out-kithd-paused", test_sign_out_kithd_paused);
  /* Last: it restarts the kithd every test shares. */
  g_test_add_func ("/calls/kithd-restart", test_kithd_restart);

  return svc_test_run (server);
}

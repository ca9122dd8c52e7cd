/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Calls through the service layer: KithCallManager and KithCall of real
 * sessions (two or three users, one process) against a real kithd, with
 * real pipelines (test sources, fake sinks, loopback ICE); kith-cli calling
 * its bot. Calls cut short are test-calls-interrupted.c; the sides and the
 * waits are service-test-calls.c.
 */
#define G_LOG_DOMAIN "KithTestCalls"

#include "config.h"

#include <string.h>

#include "service-test-calls.h"

static gboolean
heard_first_audio (gpointer call)
{
  return kith_call_get_stage_time (call, KITH_CALL_STAGE_FIRST_AUDIO) > 0;
}

/* Every set-up stage reached, in the order a call goes through them. */
static void
assert_stages (KithCall *call)
{
  gint64 at[KITH_CALL_N_STAGES];

  /* A message on the media's bus, which may come after its counters. */
  g_assert_true (kithd_test_wait_until (heard_first_audio, call, WAIT_MS));
  for (int stage = 0; stage < KITH_CALL_N_STAGES; stage++) {
    at[stage] = kith_call_get_stage_time (call, stage);
    g_assert_cmpint (at[stage], >, 0);
  }
  if (kith_call_get_direction (call) == KITH_CALL_OUTGOING) {
    g_assert_cmpint (at[KITH_CALL_STAGE_STARTED], <=, at[KITH_CALL_STAGE_DESCRIPTION]);
    g_assert_cmpint (at[KITH_CALL_STAGE_DESCRIPTION], <=, at[KITH_CALL_STAGE_SENT]);
    g_assert_cmpint (at[KITH_CALL_STAGE_SENT], <=, at[KITH_CALL_STAGE_REMOTE]);
  } else {
    g_assert_cmpint (at[KITH_CALL_STAGE_STARTED], <=, at[KITH_CALL_STAGE_REMOTE]);
    g_assert_cmpint (at[KITH_CALL_STAGE_REMOTE], <=, at[KITH_CALL_STAGE_DESCRIPTION]);
    g_assert_cmpint (at[KITH_CALL_STAGE_DESCRIPTION], <=, at[KITH_CALL_STAGE_SENT]);
  }
  g_assert_cmpint (at[KITH_CALL_STAGE_REMOTE], <=, at[KITH_CALL_STAGE_ICE]);
  g_assert_cmpint (at[KITH_CALL_STAGE_ICE], <=, at[KITH_CALL_STAGE_CONNECTED]);
  g_assert_cmpint (at[KITH_CALL_STAGE_SENT], <=, at[KITH_CALL_STAGE_FIRST_AUDIO]);
}

/* Counts video-frame signals of a call. */
static void
on_frame (KithCall *call,
          GBytes   *pixels,
          int       width,
          int       height,
          int       stride,
          guint    *count)
{
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpuint (g_bytes_get_size (pixels), >=, (gsize) stride * height);
  (*count)++;
}

typedef struct {
  KithSession *session;
  KithContact *contact;
  gboolean     video;
} WaitEvent;

static gboolean
has_call_event (gpointer data)
{
  WaitEvent *w = data;
  GListModel *model = kith_conversations_get (kith_session_get_conversations (w->session), w->contact);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (kith_message_get_is_call (message) &&
        kith_message_get_call_outcome (message) == KITH_CALL_OUTCOME_ENDED &&
        kith_message_get_call_video (message) == w->video &&
        g_str_has_prefix (kith_message_get_body (message), w->video ? "Video call, " : "Call, "))
      return TRUE;
  }
  return FALSE;
}

/* The call event as the side's store keeps it (the session is gone). */
static void
assert_stored_event (Side *side,
                     Side *peer)
{
  g_autoptr (GUri) uri = g_uri_parse (kithd_test_server_get_url (server), G_URI_FLAGS_NONE, NULL);
  g_autofree char *host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  g_autofree char *file = g_strdup_printf ("%" G_GINT64_FORMAT ".db", side->user->id);
  g_autofree char *path = g_build_filename (side->dir, host, file, NULL);
  g_autoptr (KithMessageStore) store = svc_test_store_open (path);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;
  gboolean found = FALSE;

  kith_message_store_load_messages_async (store, side->user->id, peer->user->id, 0, 50, NULL,
                                          svc_test_store_result, &result);
  messages = kith_message_store_messages_finish (store, svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++) {
    const KithMessageInfo *info = g_ptr_array_index (messages, i);

    if (g_strcmp0 (info->kind, KITH_MESSAGE_KIND_CALL) == 0 && info->call != NULL &&
        g_strcmp0 (info->call->outcome, "ended") == 0 && !info->call->video &&
        info->from == peer->user->id)
      found = TRUE;
  }
  g_assert_true (found);
  svc_test_store_close (store);
}

/* ---- the calls ---- */

static void
test_audio (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (Side) c = side_new ("cy");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  KithContact *a_seen, *b_seen;
  WaitEvent event_a = { NULL }, event_b = { NULL };

  befriend (a, b);
  befriend (c, a);
  befriend (c, b);
  a_seen = contact_of (c, a);
  b_seen = contact_of (c, b);
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_ONLINE, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_ONLINE, WAIT_MS));

  connect_call (a, b, FALSE, &caller, &callee);
  g_assert_cmpint (kith_call_get_direction (caller), ==, KITH_CALL_OUTGOING);
  g_assert_cmpint (kith_call_get_direction (callee), ==, KITH_CALL_INCOMING);
  /* Audio both ways, counted at each end. */
  wait_received (caller, 50, 0);
  wait_received (callee, 50, 0);
  g_assert_cmpuint (kith_call_get_video_frames (caller), ==, 0);
  /* The set-up's stages, as build-aux/bench call prints them. */
  assert_stages (caller);
  assert_stages (callee);

  /* A third user sees both Busy for the call. */
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_BUSY, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_BUSY, WAIT_MS));
  g_assert_true (kith_status_manager_get_in_call (kith_session_get_status (a->session)));

  kith_call_hang_up (caller);
  g_assert_cmpint (kith_call_get_state (caller), ==, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_HUNG_UP);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (a->calls)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b->calls)), ==, 0);
  /* What was received stays readable; the pipeline is gone. */
  g_assert_cmpuint (kith_call_get_audio_buffers (caller), >=, 50);

  /* And their chosen status again after it. */
  g_assert_true (svc_test_wait_presence (a_seen, KITH_PRESENCE_ONLINE, WAIT_MS));
  g_assert_true (svc_test_wait_presence (b_seen, KITH_PRESENCE_ONLINE, WAIT_MS));
  g_assert_false (kith_status_manager_get_in_call (kith_session_get_status (a->session)));

  /* The call's event in both users' conversations. */
  event_a = (WaitEvent) { a->session, contact_of (a, b), FALSE };
  event_b = (WaitEvent) { b->session, contact_of (b, a), FALSE };
  g_assert_true (kithd_test_wait_until (has_call_event, &event_a, WAIT_MS));
  g_assert_true (kithd_test_wait_until (has_call_event, &event_b, WAIT_MS));

  /* Kept in the cache: the callee's store has the caller's call event. */
  side_exit (b);
  assert_stored_event (b, a);
}

static void
test_video (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  guint frames_a = 0, frames_b = 0;

  befriend (a, b);
  connect_call (a, b, TRUE, &caller, &callee);
  g_signal_connect (caller, "video-frame", G_CALLBACK (on_frame), &frames_a);
  g_signal_connect (callee, "video-frame", G_CALLBACK (on_frame), &frames_b);
  wait_received (caller, 20, 10);
  wait_received (callee, 20, 10);
  g_assert_cmpuint (frames_a, >, 0);
  g_assert_cmpuint (frames_b, >, 0);

  kith_call_hang_up (callee);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
  g_signal_handlers_disconnect_by_data (caller, &frames_a);
  g_signal_handlers_disconnect_by_data (callee, &frames_b);
}

static void
test_decline (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  kith_call_decline (callee);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_DECLINED);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_DECLINED);
  g_assert_cmpstr (kith_call_end_reason_to_string (KITH_CALL_END_DECLINED), ==, "Declined");
  g_assert_cmpuint (kith_call_get_duration (caller), ==, 0);
}

static void
test_cancel (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_MISSED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b->calls)), ==, 0);
}

typedef struct {
  KithSession *session;
  KithContact *contact;
  const char  *body;
} WaitBody;

static gboolean
has_body (gpointer data)
{
  WaitBody *w = data;
  GListModel *model = kith_conversations_get (kith_session_get_conversations (w->session), w->contact);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_message_get_body (message), w->body) == 0)
      return TRUE;
  }
  return FALSE;
}

/* A call event is shown in the chat but is not an unread message: the
 * missed call below leaves the callee's unread count at what the text
 * after it makes, one (it was two before call events were left out). */
static void
test_event_not_unread (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  KithContact *ada_at_bob;
  WaitBody missed = { NULL }, text = { NULL };

  befriend (a, b);
  ada_at_bob = contact_of (b, a);
  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);

  missed = (WaitBody) { b->session, ada_at_bob, "Missed call" };
  g_assert_true (kithd_test_wait_until (has_body, &missed, WAIT_MS));
  /* The text comes after the event (seq order): once it is here, the
   * event was counted, or not, before it. */
  kith_conversations_send_async (kith_session_get_conversations (a->session), contact_of (a, b),
                                 "after the call", NULL, NULL, NULL);
  text = (WaitBody) { b->session, ada_at_bob, "after the call" };
  g_assert_true (kithd_test_wait_until (has_body, &text, WAIT_MS));
  g_assert_cmpuint (kith_contact_get_unread_count (ada_at_bob), ==, 1);
}

/* Nobody answers: the caller's ring-timeout (shortened; kithd's 60 s is
 * longer here) ends it as missed at both ends. */
static void
test_ring_timeout (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  kith_call_manager_set_ring_timeout (a->calls, 2000);
  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_MISSED);
  g_assert_cmpstr (kith_call_end_reason_to_string (KITH_CALL_END_MISSED), ==, "No answer");
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_MISSED);
}

static void
test_unreachable (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (KithdTestUser) offline = svc_test_sign_up (server, "otto");
  g_autoptr (GError) error = NULL;
  g_autoptr (KithCall) call = NULL;
  KithContact *contact;

  kithd_test_server_make_contacts (server, a->user, offline);
  contact = svc_test_wait_contact (a->session, offline->email);
  call = kith_call_manager_place (a->calls, contact, FALSE, &error);
  g_assert_no_error (error);
  wait_state (call, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_UNREACHABLE);
  g_assert_cmpstr (kith_call_end_reason_to_string (KITH_CALL_END_UNREACHABLE), ==, "Not reachable");
}

static void
test_busy (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (Side) c = side_new ("cy");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;
  g_autoptr (KithCall) third = NULL;
  g_autoptr (GError) error = NULL;

  befriend (a, b);
  befriend (c, b);
  connect_call (a, b, FALSE, &caller, &callee);

  /* Placing a second call while in one is refused here. */
  g_assert_null (kith_call_manager_place (a->calls, contact_of (a, b), FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_FORBIDDEN);

  third = place (c, b, FALSE);
  wait_state (third, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (third), ==, KITH_CALL_END_BUSY);
  g_assert_cmpuint (b->incoming_count, ==, 1);
  /* The call under way goes on. */
  g_assert_cmpint (kith_call_get_state (callee), ==, KITH_CALL_ACTIVE);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);
}

static void
test_hidden (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  kith_session_set_chosen_status (b->session, KITH_CHOSEN_HIDDEN);
  g_assert_true (svc_test_wait_presence (contact_of (a, b), KITH_PRESENCE_OFFLINE, WAIT_MS));

  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  g_assert_cmpint (kith_call_get_state (caller), ==, KITH_CALL_RINGING_OUT);

  /* Answered, the call connects; hidden still shows offline, not Busy
   * (the presence rules: hidden comes before in a call). */
  kith_call_answer (callee);
  wait_state (caller, KITH_CALL_ACTIVE);
  wait_state (callee, KITH_CALL_ACTIVE);
  g_assert_true (kith_status_manager_get_in_call (kith_session_get_status (b->session)));
  g_assert_true (svc_test_wait_presence (contact_of (b, a), KITH_PRESENCE_BUSY, WAIT_MS));
  g_assert_cmpint (kith_contact_get_presence (contact_of (a, b)), ==, KITH_PRESENCE_OFFLINE);
  kith_call_hang_up (caller);
  wait_state (callee, KITH_CALL_ENDED);
}

static void
test_two_devices (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b1 = side_new ("bob");
  g_autoptr (Side) b2 = side_new_for (b1->user);
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) ring1 = NULL;
  g_autoptr (KithCall) ring2 = NULL;

  befriend (a, b1);
  svc_test_wait_contact (b2->session, a->user->email);

  /* It rings on both of Bob's devices; one answers, the other stops. */
  caller = place (a, b1, FALSE);
  ring1 = wait_incoming (b1);
  ring2 = wait_incoming (b2);
  kith_call_answer (ring1);
  wait_state (ring2, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (ring2), ==, KITH_CALL_END_ANSWERED_ELSEWHERE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b2->calls)), ==, 0);
  wait_state (ring1, KITH_CALL_ACTIVE);
  wait_state (caller, KITH_CALL_ACTIVE);
  wait_received (caller, 20, 0);
  wait_received (ring1, 20, 0);
  /* The other device is free: not in the call. */
  g_assert_false (kith_status_manager_get_in_call (kith_session_get_status (b2->session)));
  kith_call_hang_up (ring1);
  wait_state (caller, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_HUNG_UP);
}

/* ICE never connects: the side whose connect-timeout comes first (the
 * caller's 3 s; the callee's is longer than this test waits) ends the call
 * as failed and tells the peer so (call.hangup "failed"): both end failed,
 * "The call could not connect." */
static void
test_ice_fails (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) caller = NULL;
  g_autoptr (KithCall) callee = NULL;

  befriend (a, b);
  /* No candidate crosses: ICE never connects. */
  kith_call_manager_set_drop_candidates (a->calls, TRUE);
  kith_call_manager_set_drop_candidates (b->calls, TRUE);
  kith_call_manager_set_connect_timeout (a->calls, 3000);
  kith_call_manager_set_connect_timeout (b->calls, 10 * WAIT_MS);

  caller = place (a, b, FALSE);
  callee = wait_incoming (b);
  kith_call_answer (callee);
  wait_state (caller, KITH_CALL_ENDED);
  wait_state (callee, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (caller), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_get_error_message (caller), ==, "The call could not connect.");
  g_assert_cmpint (kith_call_get_end_reason (callee), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_get_error_message (callee), ==, "The call could not connect.");
  g_assert_cmpuint (kith_call_get_audio_buffers (callee), ==, 0);
  g_assert_false (kith_status_manager_get_in_call (kith_session_get_status (b->session)));
}

/* Both call each other at once: the lower call_id goes on at both ends,
 * answered by itself; the other ends; nobody is shown a ringing call. */
static void
test_glare (void)
{
  g_autoptr (Side) a = side_new ("ada");
  g_autoptr (Side) b = side_new ("bob");
  g_autoptr (KithCall) from_a = NULL;
  g_autoptr (KithCall) from_b = NULL;
  KithCall *winner, *loser;
  g_autoptr (KithCall) a_call = NULL;
  g_autoptr (KithCall) b_call = NULL;

  befriend (a, b);
  /* Both placed before either invite is out (the ICE servers come first). */
  from_a = place (a, b, FALSE);
  from_b = place (b, a, FALSE);
  if (strcmp (kith_call_get_id (from_a), kith_call_get_id (from_b)) < 0) {
    winner = from_a;
    loser = from_b;
  } else {
    winner = from_b;
    loser = from_a;
  }

  wait_state (winner, KITH_CALL_ACTIVE);
  g_assert_cmpint (kith_call_get_state (loser), ==, KITH_CALL_ENDED);
  g_assert_nonnull (kith_call_manager_get_current (a->calls));
  g_assert_nonnull (kith_call_manager_get_current (b->calls));
  a_call = g_object_ref (kith_call_manager_get_current (a->calls));
  b_call = g_object_ref (kith_call_manager_get_current (b->calls));
  g_assert_cmpstr (kith_call_get_id (a_call), ==, kith_call_get_id (winner));
  g_assert_cmpstr (kith_call_get_id (b_call), ==, kith_call_get_id (winner));
  wait_state (a_call, KITH_CALL_ACTIVE);
  wait_state (b_call, KITH_CALL_ACTIVE);
  wait_received (a_call, 20, 0);
  wait_received (b_call, 20, 0);
  g_assert_cmpuint (a->incoming_count + b->incoming_count, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (a->calls)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b->calls)), ==, 1);

  kith_call_hang_up (a_call);
  wait_state (b_call, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (b_call), ==, KITH_CALL_END_HUNG_UP);
}

/* ---- kith-cli ---- */

static guint64
media_count (const char *output,
             const char *what)
{
  const char *line = strstr (output, "media audio-buffers ");
  const char *at;

  g_assert_nonnull (line);
  at = strstr (line, what);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (what) + 1, NULL, 10);
}

/* kith-cli call against kith-cli bot: the bot answers with its tone and
 * pattern (and, with --echo, with what it heard); the caller prints each
 * state, then what it received, and succeeds only when media flowed. */
static void
cli_call_bot (gboolean echo,
              gboolean video,
              gboolean named)
{
  static guint echo_bots;
  g_autofree char *echo_email = g_strdup_printf ("echo%u@example.com", ++echo_bots);
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) bot = named ? kithd_test_server_sign_up (server, echo_email, PASSWORD,
                                                                     "Echo", "Test")
                                        : svc_test_sign_up (server, "bot");
  g_autoptr (SvcCli) bot_cli = NULL;
  g_autoptr (SvcCli) caller = NULL;
  const char *output;
  int status;

  kithd_test_server_make_contacts (server, ada, bot);
  bot_cli = svc_cli_spawn_as (server, bot, "bot", echo ? "--echo" : NULL, NULL);
  g_assert_true (svc_cli_wait_line (bot_cli, "ready", WAIT_MS));

  /* The echo comes back two seconds late: its video, encoded twice, needs
   * more of the call than that on a busy machine (a first key frame). */
  caller = svc_cli_spawn_as (server, ada, "call", bot->email, echo ? "--duration=8" : "--duration=4",
                             video ? "--video" : NULL, NULL);
  status = svc_cli_wait_exit (caller, 60000);
  if (status != 0)
    g_printerr ("kith-cli call said:\n%s%s\nkith-cli bot said:\n%s%s", svc_cli_get_output (caller),
                svc_cli_get_errors (caller), svc_cli_get_output (bot_cli), svc_cli_get_errors (bot_cli));
  g_assert_cmpint (status, ==, 0);
  output = svc_cli_get_output (caller);
  g_assert_nonnull (strstr (output, "call ringing-out\n"));
  g_assert_nonnull (strstr (output, "call active\n"));
  g_assert_nonnull (strstr (output, "call ended hung-up\n"));
  g_assert_cmpuint (media_count (output, "audio-buffers"), >, 0);
  if (video)
    g_assert_cmpuint (media_count (output, "video-frames"), >, 0);
  else
    g_assert_cmpuint (media_count (output, "video-frames"), ==, 0);

  /* The bot heard the call, and its end. */
  g_assert_true (svc_cli_wait_line (bot_cli, "call from ", WAIT_MS));
  g_assert_true ((strstr (svc_cli_get_output (bot_cli), " echo\n") != NULL) == (echo || named));
  g_assert_true (svc_cli_wait_line (bot_cli, "call ended hung-up", WAIT_MS));
  /* The call's event reaches the bot's conversation, and the bot, which
   * answers every message, leaves it unanswered. */
  g_assert_true (svc_cli_wait_line (bot_cli, "call event ", WAIT_MS));
  g_assert_null (strstr (svc_cli_get_output (bot_cli), "\nmessage "));
  svc_cli_terminate (bot_cli);
  g_assert_cmpint (svc_cli_wait_exit (bot_cli, WAIT_MS), ==, 0);
}

static void
test_cli_bot (void)
{
  cli_call_bot (FALSE, FALSE, FALSE);
}

static void
test_cli_bot_echo_video (void)
{
  cli_call_bot (TRUE, TRUE, FALSE);
}

/* A bot account named "Echo Test" is the echo test without --echo. */
static void
test_cli_bot_named_echo (void)
{
  cli_call_bot (FALSE, FALSE, TRUE);
}

/* No answer: the call does not succeed. */
static void
test_cli_unreachable (void)
{
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) otto = svc_test_sign_up (server, "otto");
  g_autoptr (SvcCli) caller = NULL;
  const char *output;
  int status;

  kithd_test_server_make_contacts (server, ada, otto);
  caller = svc_cli_spawn_as (server, ada, "call", otto->email, NULL);
  status = svc_cli_wait_exit (caller, WAIT_MS);
  if (status != 1)
    g_test_message ("kith-cli call: status %d, stderr:\n%s", status, svc_cli_get_errors (caller));
  g_assert_cmpint (status, ==, 1);
  output = svc_cli_get_output (caller);
  g_assert_nonnull (strstr (output, "call ended unreachable\n"));
  g_assert_nonnull (strstr (output, "media audio-buffers 0 video-frames 0\n"));
}

int
main (int   argc,
      char *argv[])
{
  calls_test_init (&argc, &argv);

  g_test_add_func ("/calls/audio", test_audio);
  g_test_add_func ("/calls/video", test_video);
  g_test_add_func ("/calls/decline", test_decline);
  g_test_add_func ("/calls/cancel", test_cancel);
  g_test_add_func ("/calls/event-not-unread", test_event_not_unread);
  g_test_add_func ("/calls/ring-timeout", test_ring_timeout);
  g_test_add_func ("/calls/unreachable", test_unreachable);
  g_test_add_func ("/calls/busy", test_busy);
  g_test_add_func ("/calls/hidden", test_hidden);
  g_test_add_func ("/calls/two-devices", test_two_devices);
  g_test_add_func ("/calls/ice-fails", test_ice_fails);
  g_test_add_func ("/calls/glare", test_glare);
  g_test_add_func ("/calls/cli-bot", test_cli_bot);
  g_test_add_func ("/calls/cli-bot-echo-video", test_cli_bot_echo_video);
  g_test_add_func ("/calls/cli-bot-named-echo", test_cli_bot_named_echo);
  g_test_add_func ("/calls/cli-unreachable", test_cli_unreachable);

  return svc_test_run (server);
}

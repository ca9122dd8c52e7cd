/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-db-messages.h"
#include "kithd-hub-private.h"

/*
 * call.* frames go to accepted contacts only (docs/protocol.md, "Calls").
 * The hub follows each call, keyed by caller and call id, from its invite:
 *
 *   ringing    the invite went to every device of the callee; the caller's
 *              side is the device that sent it. Ends after
 *              config->call_ring_timeout as missed.
 *   answered   one callee device answered: the callee's side is that
 *              device, the others are told (answered-elsewhere), and from
 *              now on the call's frames go between the two devices only.
 *              Both users are busy.
 *   away       an answered call whose device left: it waits
 *              config->call_reconnect_timeout for that device to come
 *              back with a hello "call" claim (kithd-hub-call-claims.c),
 *              else ends (disconnected).
 *
 * A call that ends is stored as an event of the two users' conversation
 * (a message of kind "call") and sent to every device of both.
 *
 * Each user keeps a set of their calls and counts (placed, incoming,
 * answered): ending one is O(1), presence reads a counter, and a flood of
 * invites costs at most MAX_CALLS_OUT calls. A user who has calls stays
 * in the hub while away, so that their calls are found again.
 */

/* Calls a user may have placed and not ended, and calls from others that
 * may ring or run for one user: thousands of invites cost nothing. */
#define MAX_CALLS_OUT 8
#define MAX_CALLS_IN  32

/* The longest an "elapsed" of a claim is believed (a week). */
#define MAX_CALL_SECONDS (7 * 24 * 3600)

static char *
call_key (gint64      caller,
          const char *call_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", caller, call_id);
}

void
kithd_hub_user_track_call (HubUser *user,
                           HubCall *call)
{
  if (!user || !g_hash_table_add (user->calls, call))
    return;
  if (call->caller == user->id)
    user->n_calls_out++;
  else
    user->n_calls_in++;
  if (call->answered)
    user->n_answered++;
}

static void
user_untrack_call (HubUser *user,
                   HubCall *call)
{
  if (!user || !g_hash_table_remove (user->calls, call))
    return;
  if (call->caller == user->id)
    user->n_calls_out--;
  else
    user->n_calls_in--;
  if (call->answered)
    user->n_answered--;
}

HubCall *
kithd_hub_call_lookup (KithdHub   *self,
                       gint64      caller,
                       gint64      callee,
                       const char *call_id)
{
  g_autofree char *key = call_key (caller, call_id);
  HubCall *call = g_hash_table_lookup (self->calls, key);

  return call && call->callee == callee ? call : NULL;
}

HubCall *
kithd_hub_call_new (KithdHub   *self,
                    gint64      caller,
                    gint64      callee,
                    const char *call_id,
                    gboolean    video)
{
  HubCall *call = g_new0 (HubCall, 1);

  call->hub = self;
  call->key = call_key (caller, call_id);
  call->call_id = g_strdup (call_id);
  call->caller = caller;
  call->callee = callee;
  call->video = video;
  g_hash_table_insert (self->calls, call->key, call);
  kithd_hub_user_track_call (kithd_hub_user_get (self, caller), call);
  kithd_hub_user_track_call (kithd_hub_user_get (self, callee), call);

  return call;
}

void
kithd_hub_call_free (HubCall *call)
{
  g_clear_handle_id (&call->timer_id, g_source_remove);
  g_free (call->key);
  g_free (call->call_id);
  g_free (call);
}

void
kithd_hub_call_send_hangup (KithdHub   *self,
                            gint64      to,
                            guint64     conn_id,
                            gint64      from,
                            const char *call_id,
                            const char *reason)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CALL_HANGUP);
  g_autoptr (GBytes) bytes = NULL;

  frame->call_id = g_strdup (call_id);
  frame->from = from;
  frame->reason = g_strdup (reason);
  bytes = kithd_hub_frame_bytes (frame);
  if (conn_id != 0)
    kithd_hub_publish_device (self, to, conn_id, bytes);
  else
    kithd_hub_publish_one (self, to, bytes);
}

/* ---- call events ---- */

/* What a client that does not know call events shows. */
static char *
call_event_body (const KithCallInfo *info,
                 KithCallOutcome     outcome)
{
  const char *what = info->video ? "video call" : "call";

  switch (outcome) {
  case KITH_CALL_OUTCOME_DECLINED:
    return g_strdup_printf ("Declined %s", what);
  case KITH_CALL_OUTCOME_BUSY:
    return g_strdup_printf ("Missed %s (busy)", what);
  case KITH_CALL_OUTCOME_UNREACHABLE:
    return g_strdup_printf ("Missed %s (offline)", what);
  case KITH_CALL_OUTCOME_ENDED:
    if (info->duration >= 3600)
      return g_strdup_printf ("%s, %" G_GINT64_FORMAT ":%02d:%02d", info->video ? "Video call" : "Call",
                              info->duration / 3600, (int) (info->duration / 60 % 60),
                              (int) (info->duration % 60));
    return g_strdup_printf ("%s, %" G_GINT64_FORMAT ":%02d", info->video ? "Video call" : "Call",
                            info->duration / 60, (int) (info->duration % 60));
  case KITH_CALL_OUTCOME_MISSED:
  default:
    return g_strdup_printf ("Missed %s", what);
  }
}

static void
on_call_event_stored (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GWeakRef *hub_ref = user_data;
  g_autoptr (KithdHub) self = g_weak_ref_get (hub_ref);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithMessageInfo) msg = kithd_db_store_call_event_finish (KITHD_DB (source), result, &error);
  g_autoptr (GBytes) bytes = NULL;
  gint64 parties[2];

  g_weak_ref_clear (hub_ref);
  g_free (hub_ref);

  if (!msg) {
    g_message ("Storing a call event failed: %s", error->message);
    return;
  }
  if (!self)
    return;   /* shutting down: stored, nobody left to tell */

  /* Every device of both, the caller's own too. */
  parties[0] = msg->from;
  parties[1] = msg->to;
  bytes = kithd_hub_message_bytes (msg);
  self->publish (self, parties, 2, 0, bytes);
}

static void
hub_call_store_event (KithdHub        *self,
                      HubCall         *call,
                      KithCallOutcome  outcome)
{
  KithMessageInfo *event = kith_message_info_new ();
  g_autofree char *uuid = g_uuid_string_random ();
  gint64 now = kithd_clock_now_ms ();
  GWeakRef *hub_ref;

  if (self->disposed) {
    kith_message_info_free (event);
    return;
  }
  hub_ref = g_new0 (GWeakRef, 1);
  event->id = g_strconcat ("call:", uuid, NULL);
  event->from = call->caller;
  event->to = call->callee;
  event->kind = g_strdup (KITH_MESSAGE_KIND_CALL);
  event->call = kith_call_info_new ();
  event->call->video = call->video;
  event->call->outcome = g_strdup (kith_call_outcome_to_string (outcome));
  if (outcome == KITH_CALL_OUTCOME_ENDED)
    event->call->duration = CLAMP ((now - call->answered_at) / 1000, 0, MAX_CALL_SECONDS);

  event->body = call_event_body (event->call, outcome);
  g_weak_ref_init (hub_ref, self);
  kithd_db_store_call_event_async (self->db, event, now, NULL, on_call_event_stored, hub_ref);
}

/* ---- ending ---- */

/* O(1): the parties' sets and the hub's table. With @reason, each side is
 * told: the caller's device, and the callee's device or, while it rings,
 * every device of the callee. */
void
kithd_hub_call_end (KithdHub        *self,
                    HubCall         *call,
                    KithCallOutcome  outcome,
                    const char      *reason)
{
  gint64 parties[2] = { call->caller, call->callee };
  gboolean answered = call->answered;

  if (reason) {
    if (call->caller_conn != 0)
      kithd_hub_call_send_hangup (self, call->caller, call->caller_conn, call->callee, call->call_id, reason);
    if (call->callee_conn != 0 || (!answered && !call->claimed))
      kithd_hub_call_send_hangup (self, call->callee, call->callee_conn, call->caller, call->call_id, reason);
  }
  hub_call_store_event (self, call, outcome);

  for (guint i = 0; i < 2; i++)
    user_untrack_call (kithd_hub_user_get (self, parties[i]), call);
  g_hash_table_remove (self->calls, call->key);   /* frees it */

  for (guint i = 0; i < 2; i++) {
    HubUser *user = kithd_hub_user_get (self, parties[i]);

    if (!user)
      continue;
    if (answered)
      kithd_hub_user_update_presence (self, user);
    kithd_hub_user_forget_if_gone (self, user);
  }
}

/* Ringing: it rang out. Answered or claimed: a side did not come (back). */
static gboolean
on_call_timer (gpointer user_data)
{
  HubCall *call = user_data;

  call->timer_id = 0;
  if (call->answered || call->claimed)
    kithd_hub_call_end (call->hub, call, KITH_CALL_OUTCOME_ENDED, KITH_CALL_REASON_DISCONNECTED);
  else
    kithd_hub_call_end (call->hub, call, KITH_CALL_OUTCOME_MISSED, KITH_CALL_REASON_MISSED);
  return G_SOURCE_REMOVE;
}

void
kithd_hub_call_wait_for_side (KithdHub *self,
                              HubCall  *call,
                              guint     seconds)
{
  if (call->timer_id != 0)
    return;
  call->timer_id = g_timeout_add_seconds (seconds, on_call_timer, call);
}

void
kithd_hub_call_set_answered (KithdHub *self,
                             HubCall  *call,
                             gint64    answered_at)
{
  gint64 parties[2] = { call->caller, call->callee };

  if (call->answered)
    return;
  g_clear_handle_id (&call->timer_id, g_source_remove);
  call->answered = TRUE;
  call->claimed = FALSE;
  call->answered_at = answered_at;
  for (guint i = 0; i < 2; i++) {
    HubUser *user = kithd_hub_user_get (self, parties[i]);

    if (!user)
      continue;
    if (g_hash_table_contains (user->calls, call))
      user->n_answered++;
    else
      kithd_hub_user_track_call (user, call);
    kithd_hub_user_update_presence (self, user);
  }
}

void
kithd_hub_conn_leave_calls (KithdHub *self,
                            HubUser  *user,
                            HubConn  *conn,
                            gboolean  at_once)
{
  g_autoptr (GPtrArray) calls = g_ptr_array_sized_new (g_hash_table_size (user->calls));
  GHashTableIter iter;
  HubCall *call;

  g_hash_table_iter_init (&iter, user->calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL))
    g_ptr_array_add (calls, call);

  /* Linear in the user's calls: each end is O(1). */
  for (guint i = 0; i < calls->len; i++) {
    gboolean is_caller;
    guint64 *side;

    call = g_ptr_array_index (calls, i);
    is_caller = call->caller == user->id;
    side = is_caller ? &call->caller_conn : &call->callee_conn;

    if (*side == conn->id) {
      *side = 0;
      if (call->answered && !at_once) {
        kithd_hub_call_wait_for_side (self, call, self->config->call_reconnect_timeout);
        continue;
      }
      kithd_hub_call_end (self, call,
                          call->answered || call->claimed ? KITH_CALL_OUTCOME_ENDED : KITH_CALL_OUTCOME_MISSED,
                          KITH_CALL_REASON_DISCONNECTED);
    } else if (!is_caller && *side == 0 && !call->answered && !call->claimed &&
               user->conns->len == 0) {
      /* Ringing, and the callee has no device left to ring. */
      kithd_hub_call_end (self, call, KITH_CALL_OUTCOME_MISSED, KITH_CALL_REASON_DISCONNECTED);
    }
  }
}

/* ---- the relay ---- */

/* Before an invite is relayed: FALSE (and the caller told) when the caller
 * has placed too many calls, or the callee has too many ringing. */
static gboolean
hub_call_admit (KithdHub        *self,
                HubConn         *conn,
                const KithFrame *frame)
{
  HubUser *peer = kithd_hub_user_get (self, frame->to);

  if (conn->user->n_calls_out >= MAX_CALLS_OUT) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_RATE_LIMITED,
                               "Too many calls at once: end one before you start another", frame->call_id);
    return FALSE;
  }
  if (peer && peer->n_calls_in >= MAX_CALLS_IN) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_RATE_LIMITED,
                               "Your contact has too many calls waiting: try again later", frame->call_id);
    return FALSE;
  }
  return TRUE;
}

static void
hub_call_invite (HubConn   *conn,
                 KithFrame *frame,
                 GBytes    *bytes)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  HubUser *peer = kithd_hub_user_get (self, frame->to);
  HubCall *call = kithd_hub_call_lookup (self, user->id, frame->to, frame->call_id);

  if (call) {
    /* The same invite again, from the device that placed it. */
    if (call->caller_conn != conn->id || call->answered || call->claimed) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD,
                                 "This call id is in use: pick a new one for a new call", frame->call_id);
      return;
    }
    kithd_hub_publish_one (self, frame->to, bytes);
    return;
  }
  /* Each invite may store an event: it counts as a message. */
  if (!hub_call_admit (self, conn, frame) || !kithd_hub_conn_take_message (conn, frame->call_id))
    return;

  call = kithd_hub_call_new (self, user->id, frame->to, frame->call_id, frame->video);
  call->caller_conn = conn->id;
  call->caller_session = conn->session_id;

  /* Every device of the callee, hidden or not; none: unreachable now. */
  if (!peer || peer->conns->len == 0) {
    kithd_hub_call_send_hangup (self, user->id, conn->id, frame->to, frame->call_id,
                                KITH_CALL_REASON_UNREACHABLE);
    call->caller_conn = 0;
    kithd_hub_call_end (self, call, KITH_CALL_OUTCOME_UNREACHABLE, NULL);
    return;
  }
  call->timer_id = g_timeout_add_seconds (self->config->call_ring_timeout, on_call_timer, call);
  kithd_hub_publish_one (self, frame->to, bytes);
}

/* The callee's devices but @conn_id are told that it took the call. */
static void
hub_call_tell_other_devices (KithdHub   *self,
                             HubCall    *call,
                             guint64     conn_id,
                             const char *reason)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CALL_HANGUP);
  g_autoptr (GBytes) bytes = NULL;

  frame->call_id = g_strdup (call->call_id);
  frame->from = call->caller;
  frame->reason = g_strdup (reason);
  bytes = kithd_hub_frame_bytes (frame);
  self->publish (self, &call->callee, 1, conn_id, bytes);
}

/* A frame of the callee's device @conn about @call (not answered yet). */
static void
hub_call_from_ringing_callee (KithdHub  *self,
                              HubCall   *call,
                              HubConn   *conn,
                              KithFrame *frame,
                              GBytes    *bytes)
{
  switch ((int) frame->type) {
  case KITH_FRAME_CALL_ANSWER:
    call->callee_conn = conn->id;
    call->callee_session = conn->session_id;
    kithd_hub_publish_device (self, call->caller, call->caller_conn, bytes);
    hub_call_tell_other_devices (self, call, conn->id, KITH_CALL_REASON_ANSWERED_ELSEWHERE);
    kithd_hub_call_set_answered (self, call, kithd_clock_now_ms ());
    break;

  case KITH_FRAME_CALL_REJECT:
  case KITH_FRAME_CALL_HANGUP: {
    gboolean busy = g_strcmp0 (frame->reason, KITH_CALL_REASON_BUSY) == 0;

    call->callee_conn = conn->id;
    kithd_hub_publish_device (self, call->caller, call->caller_conn, bytes);
    hub_call_tell_other_devices (self, call, conn->id, KITH_CALL_REASON_DECLINED_ELSEWHERE);
    kithd_hub_call_end (self, call, busy ? KITH_CALL_OUTCOME_BUSY : KITH_CALL_OUTCOME_DECLINED, NULL);
    break;
  }

  default:   /* ringing, early candidates */
    kithd_hub_publish_device (self, call->caller, call->caller_conn, bytes);
    break;
  }
}

void
kithd_hub_call_relay (HubConn   *conn,
                      KithFrame *frame,
                      GBytes    *bytes)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  HubCall *call;
  gboolean ends = frame->type == KITH_FRAME_CALL_HANGUP || frame->type == KITH_FRAME_CALL_REJECT;

  if (frame->type == KITH_FRAME_CALL_INVITE) {
    hub_call_invite (conn, frame, bytes);
    return;
  }

  call = kithd_hub_call_lookup (self, user->id, frame->to, frame->call_id);
  if (!call)
    call = kithd_hub_call_lookup (self, frame->to, user->id, frame->call_id);
  if (!call) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_NOT_FOUND,
                               "There is no such call: it has ended, or never began", frame->call_id);
    return;
  }

  if (call->caller == user->id) {
    if (call->caller_conn != conn->id) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD,
                                 "This call is on another of your devices", frame->call_id);
      return;
    }
    if (call->callee_conn != 0)
      kithd_hub_publish_device (self, call->callee, call->callee_conn, bytes);
    else if (!call->answered && !call->claimed)
      kithd_hub_publish_one (self, call->callee, bytes);
    if (ends)
      kithd_hub_call_end (self, call,
                          call->answered || call->claimed ? KITH_CALL_OUTCOME_ENDED : KITH_CALL_OUTCOME_MISSED,
                          NULL);
    return;
  }

  /* The callee's side. */
  if (call->callee_conn != 0 && call->callee_conn != conn->id) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD,
                               "This call is on another of your devices", frame->call_id);
    return;
  }
  if (!call->answered && !call->claimed) {
    hub_call_from_ringing_callee (self, call, conn, frame, bytes);
    return;
  }
  if (call->caller_conn != 0)
    kithd_hub_publish_device (self, call->caller, call->caller_conn, bytes);
  if (ends)
    kithd_hub_call_end (self, call, KITH_CALL_OUTCOME_ENDED, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-hub-private.h"

/*
 * A hello's "call": the answered call a device is in when it connects
 * again (docs/protocol.md, "Calls", "Reconnecting in a call"). The media
 * does not pass through kithd, so a call outlives the device's socket, and
 * kithd itself restarting.
 *
 *   - The call is one kithd follows, waiting for that side: the device
 *     takes its side again.
 *   - kithd does not know it and started less than
 *     config->call_reconnect_timeout ago (it restarted): the call is made
 *     again, claimed by this side; it is answered (both busy) once the
 *     other side claims it too, else it ends when that time is over.
 *   - kithd does not know it and has run longer: it ended while the device
 *     was away; the device gets call.hangup (disconnected).
 *
 * A hello without one, from the device (session) a waiting call waits
 * for, ends that call at once: the device left it.
 */

#define MAX_CLAIM_ELAPSED (7 * 24 * 3600)

/* The device's session was in @user's calls that wait for it: it has come
 * back without them. */
static void
hub_end_forgotten_calls (KithdHub *self,
                         HubUser  *user,
                         HubConn  *conn)
{
  g_autoptr (GPtrArray) calls = g_ptr_array_new ();
  GHashTableIter iter;
  HubCall *call;

  g_hash_table_iter_init (&iter, user->calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL)) {
    gboolean is_caller = call->caller == user->id;
    guint64 side = is_caller ? call->caller_conn : call->callee_conn;
    gint64 session = is_caller ? call->caller_session : call->callee_session;

    if (call->answered && side == 0 && session == conn->session_id)
      g_ptr_array_add (calls, call);
  }
  for (guint i = 0; i < calls->len; i++)
    kithd_hub_call_end (self, g_ptr_array_index (calls, i), KITH_CALL_OUTCOME_ENDED,
                        KITH_CALL_REASON_DISCONNECTED);
}

static void
hub_call_take_side (HubCall *call,
                    HubConn *conn,
                    gboolean is_caller)
{
  if (is_caller) {
    call->caller_conn = conn->id;
    call->caller_session = conn->session_id;
  } else {
    call->callee_conn = conn->id;
    call->callee_session = conn->session_id;
  }
}

void
kithd_hub_call_claim (HubConn             *conn,
                      const KithCallClaim *claim)
{
  KithdHub *self = conn->hub;
  HubUser *user = conn->user;
  gint64 caller, callee, elapsed;
  HubCall *call;
  guint64 side;

  if (!claim) {
    hub_end_forgotten_calls (self, user, conn);
    return;
  }

  if (claim->peer == user->id || !kithd_hub_user_has_contact (user, claim->peer)) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_NOT_CONTACT,
                               "Calls go to accepted contacts only", claim->call_id);
    return;
  }

  caller = claim->caller ? user->id : claim->peer;
  callee = claim->caller ? claim->peer : user->id;
  elapsed = MIN (claim->elapsed, MAX_CLAIM_ELAPSED);
  call = kithd_hub_call_lookup (self, caller, callee, claim->call_id);

  if (call) {
    side = claim->caller ? call->caller_conn : call->callee_conn;
    if (!call->answered && !call->claimed) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD,
                                 "Only an answered call can be taken up again", claim->call_id);
      return;
    }
    if (side != 0) {
      kithd_hub_conn_send_error (conn, KITH_ERROR_INVALID_FIELD,
                                 "This call is on another of your devices", claim->call_id);
      return;
    }
    hub_call_take_side (call, conn, claim->caller);
    kithd_hub_user_track_call (user, call);
    if (call->caller_conn != 0 && call->callee_conn != 0) {
      if (call->answered) {
        g_clear_handle_id (&call->timer_id, g_source_remove);
        kithd_hub_user_update_presence (self, user);
      } else {
        /* The second side of a call made again: the longer of the two. */
        kithd_hub_call_set_answered (self, call, MIN (call->answered_at,
                                                      kithd_clock_now_ms () - elapsed * 1000));
      }
    }
    return;
  }

  if (g_get_monotonic_time () - self->started_at >=
      (gint64) self->config->call_reconnect_timeout * G_USEC_PER_SEC) {
    kithd_hub_call_send_hangup (self, user->id, conn->id, claim->peer, claim->call_id,
                                KITH_CALL_REASON_DISCONNECTED);
    return;
  }
  if (user->n_calls_out + user->n_calls_in > 0) {
    kithd_hub_conn_send_error (conn, KITH_ERROR_RATE_LIMITED,
                               "You are in another call already", claim->call_id);
    return;
  }

  call = kithd_hub_call_new (self, caller, callee, claim->call_id, claim->video);
  call->claimed = TRUE;
  call->answered_at = kithd_clock_now_ms () - elapsed * 1000;
  hub_call_take_side (call, conn, claim->caller);
  kithd_hub_call_wait_for_side (self, call, self->config->call_reconnect_timeout);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-hub-private.h"

/*
 * call.* frames go to accepted contacts only and are relayed as they are
 * (docs/protocol.md); the hub follows each call, keyed by caller and call
 * id, to know who is busy and to end a party's calls when their last
 * connection goes. Each user keeps a set of their calls and counts
 * (placed, incoming, answered): ending one is O(1), presence reads a
 * counter, and a flood of invites costs at most MAX_CALLS_OUT calls.
 */

/* Calls a user may have placed and not ended, and calls from others that
 * may ring or run for one user: thousands of invites cost nothing. */
#define MAX_CALLS_OUT 8
#define MAX_CALLS_IN  32

static char *
call_key (gint64      caller,
          const char *call_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", caller, call_id);
}

static void
user_track_call (HubUser *user,
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

/* O(1): the parties' sets and the hub's table. */
static void
hub_call_end (KithdHub *self,
              HubCall  *call)
{
  gint64 parties[2] = { call->caller, call->callee };
  gboolean answered = call->answered;

  for (guint i = 0; i < 2; i++)
    user_untrack_call (kithd_hub_user_get (self, parties[i]), call);
  g_hash_table_remove (self->calls, call->key);   /* frees it */

  if (answered) {
    for (guint i = 0; i < 2; i++) {
      HubUser *user = kithd_hub_user_get (self, parties[i]);

      if (user)
        kithd_hub_user_update_presence (self, user);
    }
  }
}

/* The call a frame from @from to frame->to is about, either way round. */
static HubCall *
hub_call_find (KithdHub        *self,
               HubUser         *from,
               const KithFrame *frame)
{
  g_autofree char *mine = call_key (from->id, frame->call_id);
  g_autofree char *theirs = call_key (frame->to, frame->call_id);
  HubCall *call = g_hash_table_lookup (self->calls, mine);

  if (call && call->callee == frame->to)
    return call;
  call = g_hash_table_lookup (self->calls, theirs);
  if (call && call->callee == from->id)
    return call;
  return NULL;
}

/* Before an invite is relayed: FALSE (and the caller told) when the caller
 * has placed too many calls, or the callee has too many ringing. */
static gboolean
hub_call_admit (KithdHub        *self,
                HubConn         *conn,
                const KithFrame *frame)
{
  HubUser *peer = kithd_hub_user_get (self, frame->to);

  if (hub_call_find (self, conn->user, frame))
    return TRUE;   /* the same invite again */
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
hub_call_track (KithdHub        *self,
                HubUser         *from,
                const KithFrame *frame)
{
  HubCall *call = hub_call_find (self, from, frame);
  HubUser *peer = kithd_hub_user_get (self, frame->to);

  if (frame->type == KITH_FRAME_CALL_INVITE) {
    if (call)
      return;
    call = g_new0 (HubCall, 1);
    call->key = call_key (from->id, frame->call_id);
    call->call_id = g_strdup (frame->call_id);
    call->caller = from->id;
    call->callee = frame->to;
    g_hash_table_insert (self->calls, call->key, call);
    user_track_call (from, call);
    user_track_call (peer, call);
    return;
  }

  if (!call)
    return;

  switch ((int) frame->type) {
  case KITH_FRAME_CALL_ANSWER:
    if (call->answered)
      return;
    /* A party that connected after the invite tracks it from now on. */
    user_track_call (from, call);
    user_track_call (peer, call);
    call->answered = TRUE;
    if (from)
      from->n_answered++;
    if (peer)
      peer->n_answered++;
    kithd_hub_user_update_presence (self, from);
    if (peer)
      kithd_hub_user_update_presence (self, peer);
    break;

  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    hub_call_end (self, call);
    break;

  default:
    break;
  }
}

/* Linear: each end is O(1). */
void
kithd_hub_user_end_calls (KithdHub *self,
                          HubUser  *user)
{
  g_autoptr (GPtrArray) calls = g_ptr_array_sized_new (g_hash_table_size (user->calls));
  GHashTableIter iter;
  HubCall *call;

  g_hash_table_iter_init (&iter, user->calls);
  while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL))
    g_ptr_array_add (calls, call);

  for (guint i = 0; i < calls->len; i++) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CALL_HANGUP);
    g_autoptr (GBytes) bytes = NULL;
    gint64 peer;

    call = g_ptr_array_index (calls, i);
    peer = call->caller == user->id ? call->callee : call->caller;
    frame->call_id = g_strdup (call->call_id);
    frame->from = user->id;
    frame->to = peer;
    frame->reason = g_strdup ("disconnected");
    bytes = kithd_hub_frame_bytes (frame);
    hub_call_end (self, call);
    kithd_hub_publish_one (self, peer, bytes);
  }
}

void
kithd_hub_call_relay (HubConn   *conn,
                      KithFrame *frame,
                      GBytes    *bytes)
{
  KithdHub *self = conn->hub;

  /* Every device of the peer, hidden or not. */
  if (frame->type == KITH_FRAME_CALL_INVITE && !hub_call_admit (self, conn, frame))
    return;
  kithd_hub_publish_one (self, frame->to, bytes);
  hub_call_track (self, conn->user, frame);
}

void
kithd_hub_call_free (HubCall *call)
{
  g_free (call->key);
  g_free (call->call_id);
  g_free (call);
}

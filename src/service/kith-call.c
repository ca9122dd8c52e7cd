/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithCall: one call's state machine (docs/service.md, "Calls"). It owns
 * the call's KithCallMedia between the media's start and the call's end,
 * passes descriptions and candidates between the media and the frames (the
 * manager sends and routes those), and keeps the call's timers: ringing,
 * connecting and a lost connection.
 */
#define G_LOG_DOMAIN "KithCall"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-call-media.h"
#include "kith-call-private.h"
#include "kith-service-enums.h"


enum {
  PROP_0,
  PROP_ID,
  PROP_PEER,
  PROP_PEER_ID,
  PROP_VIDEO,
  PROP_DIRECTION,
  PROP_STATE,
  PROP_END_REASON,
  PROP_ERROR_MESSAGE,
  PROP_DURATION,
  PROP_MUTED,
  PROP_CAMERA,
  N_PROPS
};

enum {
  STATE_CHANGED,
  VIDEO_FRAME,
  SELF_VIDEO_FRAME,
  FIRST_AUDIO,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithCall, kith_call, G_TYPE_OBJECT)

static void
candidate_free (gpointer data)
{
  Candidate *candidate = data;

  g_free (candidate->candidate);
  g_free (candidate);
}

Candidate *
kith_call_candidate_new (guint       mline,
                         const char *text)
{
  Candidate *candidate = g_new0 (Candidate, 1);

  candidate->mline = mline;
  candidate->candidate = g_strdup (text);
  return candidate;
}

/* The first time only: a stage is reached once. */
void
kith_call_reach_stage (KithCall      *self,
                       KithCallStage  stage)
{
  kith_call_reach_stage_at (self, stage, g_get_monotonic_time ());
}

void
kith_call_reach_stage_at (KithCall      *self,
                          KithCallStage  stage,
                          gint64         at)
{
  if (self->stage_time[stage] == 0)
    self->stage_time[stage] = at;
}

/* Why a call that never connected failed, on both sides. */
const char *
kith_call_not_connected_text (void)
{
  return _("The call could not connect.");
}

static void
set_state (KithCall      *self,
           KithCallState  state)
{
  KithCallState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("call %s: state %d -> %d", self->id, old, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, state, old);
}

KithFrame *
kith_call_frame_new (KithCall      *self,
                     KithFrameType  type)
{
  KithFrame *frame = kith_frame_new (type);

  frame->call_id = g_strdup (self->id);
  frame->to = self->peer_id;
  return frame;
}

gboolean
kith_call_send_frame (KithCall  *self,
                      KithFrame *frame)
{
  g_autoptr (KithFrame) owned = frame;

  if (self->manager == NULL)
    return FALSE;
  return kith_call_manager_send (self->manager, owned);
}

void
kith_call_send_candidate (KithCall        *self,
                          const Candidate *candidate)
{
  KithFrame *frame = kith_call_frame_new (self, KITH_FRAME_CALL_CANDIDATE);

  frame->candidate = g_strdup (candidate->candidate);
  frame->sdp_mline_index = candidate->mline;
  kith_call_send_frame (self, frame);
}

void
kith_call_flush_local_candidates (KithCall *self)
{
  for (guint i = 0; i < self->local_candidates->len; i++)
    kith_call_send_candidate (self, g_ptr_array_index (self->local_candidates, i));
  g_ptr_array_set_size (self->local_candidates, 0);
}

void
kith_call_flush_remote_candidates (KithCall *self)
{
  for (guint i = 0; self->media != NULL && i < self->remote_candidates->len; i++) {
    Candidate *candidate = g_ptr_array_index (self->remote_candidates, i);

    kith_call_media_add_remote_candidate (self->media, candidate->mline, candidate->candidate);
  }
  g_ptr_array_set_size (self->remote_candidates, 0);
}

static gboolean
media_connected (KithCall *self)
{
  return self->media != NULL &&
         kith_call_media_get_state (self->media) == KITH_CALL_MEDIA_CONNECTED;
}

/* Answered: active when the media flows and the socket is up; else
 * connecting (never active yet) or reconnecting. */
void
kith_call_update_connected_state (KithCall *self)
{
  if (self->state == KITH_CALL_ENDED || !self->answered)
    return;

  if (media_connected (self) && self->link_up) {
    self->was_active = TRUE;
    g_clear_handle_id (&self->connect_source, g_source_remove);
    set_state (self, KITH_CALL_ACTIVE);
  } else if (self->was_active) {
    set_state (self, KITH_CALL_RECONNECTING);
  } else {
    set_state (self, KITH_CALL_CONNECTING);
  }
}

static gboolean
on_ring_timeout (gpointer user_data)
{
  KithCall *self = user_data;

  self->ring_source = 0;
  g_debug ("call %s rang out", self->id);
  /* Ours: the caller gives up (kithd, whose 60 s came first, knows it
   * already unless the frame was lost). Theirs: nothing to say. */
  kith_call_end (self, KITH_CALL_END_MISSED, NULL, self->direction == KITH_CALL_OUTGOING);
  return G_SOURCE_REMOVE;
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  KithCall *self = user_data;

  self->connect_source = 0;
  g_debug ("call %s did not connect in time", self->id);
  kith_call_end (self, KITH_CALL_END_FAILED, kith_call_not_connected_text (), TRUE);
  return G_SOURCE_REMOVE;
}

void
kith_call_mark_answered (KithCall *self)
{
  if (self->answered)
    return;
  self->answered = TRUE;
  self->answered_at = g_get_monotonic_time ();
  g_clear_handle_id (&self->ring_source, g_source_remove);
  if (self->manager != NULL)
    kith_call_manager_call_answered (self->manager, self);
  kith_call_update_connected_state (self);
}

static void
start_connect_timer (KithCall *self)
{
  guint ms = self->manager ? kith_call_manager_get_connect_timeout (self->manager) : 20000;

  g_clear_handle_id (&self->connect_source, g_source_remove);
  self->connect_source = g_timeout_add (ms, on_connect_timeout, self);
}

/* The media's frames and first audio, as the call's signals. */
void
kith_call_emit_video_frame (KithCall *self,
                            gboolean  self_view,
                            GBytes   *pixels,
                            int       width,
                            int       height,
                            int       stride)
{
  g_signal_emit (self, signals[self_view ? SELF_VIDEO_FRAME : VIDEO_FRAME], 0, pixels, width, height, stride);
}

void
kith_call_emit_first_audio (KithCall *self)
{
  g_signal_emit (self, signals[FIRST_AUDIO], 0);
}

static KithCallEndReason
reason_of_hangup (KithCall   *self,
                  const char *reason)
{
  if (g_strcmp0 (reason, KITH_CALL_REASON_ANSWERED_ELSEWHERE) == 0 ||
      g_strcmp0 (reason, KITH_CALL_REASON_DECLINED_ELSEWHERE) == 0)
    return KITH_CALL_END_ANSWERED_ELSEWHERE;
  if (g_strcmp0 (reason, KITH_CALL_REASON_UNREACHABLE) == 0)
    return KITH_CALL_END_UNREACHABLE;
  if (g_strcmp0 (reason, KITH_CALL_REASON_MISSED) == 0)
    return KITH_CALL_END_MISSED;
  if (g_strcmp0 (reason, KITH_CALL_REASON_BUSY) == 0)
    return KITH_CALL_END_BUSY;
  if (g_strcmp0 (reason, KITH_CALL_REASON_FAILED) == 0)
    return KITH_CALL_END_FAILED;
  /* The caller's device went away, or gave up, while it rang here. */
  if (self->state == KITH_CALL_RINGING_IN)
    return KITH_CALL_END_MISSED;
  if (g_strcmp0 (reason, KITH_CALL_REASON_DISCONNECTED) == 0)
    return KITH_CALL_END_CONNECTION_LOST;
  /* The callee hung up while it rang there: a decline. */
  if (self->state == KITH_CALL_RINGING_OUT)
    return KITH_CALL_END_DECLINED;
  return KITH_CALL_END_HUNG_UP;
}

/* ---- GObject ---- */

static void
kith_call_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KithCall *self = KITH_CALL (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, self->id);
    break;
  case PROP_PEER:
    g_value_set_object (value, self->peer);
    break;
  case PROP_PEER_ID:
    g_value_set_int64 (value, self->peer_id);
    break;
  case PROP_VIDEO:
    g_value_set_boolean (value, self->video);
    break;
  case PROP_DIRECTION:
    g_value_set_enum (value, self->direction);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_END_REASON:
    g_value_set_enum (value, self->end_reason);
    break;
  case PROP_ERROR_MESSAGE:
    g_value_set_string (value, self->error_message);
    break;
  case PROP_DURATION:
    g_value_set_uint (value, kith_call_get_duration (self));
    break;
  case PROP_MUTED:
    g_value_set_boolean (value, self->muted);
    break;
  case PROP_CAMERA:
    g_value_set_boolean (value, self->camera);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KithCall *self = KITH_CALL (object);

  switch (prop_id) {
  case PROP_MUTED:
    kith_call_set_muted (self, g_value_get_boolean (value));
    break;
  case PROP_CAMERA:
    kith_call_set_camera (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_dispose (GObject *object)
{
  KithCall *self = KITH_CALL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->ring_source, g_source_remove);
  g_clear_handle_id (&self->connect_source, g_source_remove);
  g_clear_handle_id (&self->lost_source, g_source_remove);
  kith_call_drop_media (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peer);

  G_OBJECT_CLASS (kith_call_parent_class)->dispose (object);
}

static void
kith_call_finalize (GObject *object)
{
  KithCall *self = KITH_CALL (object);

  g_free (self->id);
  g_free (self->error_message);
  g_free (self->offer);
  g_ptr_array_unref (self->local_candidates);
  g_ptr_array_unref (self->remote_candidates);

  G_OBJECT_CLASS (kith_call_parent_class)->finalize (object);
}

static void
kith_call_class_init (KithCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_call_get_property;
  object_class->set_property = kith_call_set_property;
  object_class->dispose = kith_call_dispose;
  object_class->finalize = kith_call_finalize;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);
  properties[PROP_PEER] = g_param_spec_object ("peer", NULL, NULL, KITH_TYPE_CONTACT, ro);
  properties[PROP_PEER_ID] = g_param_spec_int64 ("peer-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_VIDEO] = g_param_spec_boolean ("video", NULL, NULL, FALSE, ro);
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, KITH_TYPE_CALL_DIRECTION, KITH_CALL_OUTGOING, ro);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_CALL_STATE, KITH_CALL_RINGING_OUT, ro);
  properties[PROP_END_REASON] =
    g_param_spec_enum ("end-reason", NULL, NULL, KITH_TYPE_CALL_END_REASON, KITH_CALL_END_NONE, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, ro);
  properties[PROP_DURATION] = g_param_spec_uint ("duration", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, rw);
  properties[PROP_CAMERA] = g_param_spec_boolean ("camera", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_CALL_STATE, KITH_TYPE_CALL_STATE);
  signals[VIDEO_FRAME] =
    g_signal_new ("video-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[SELF_VIDEO_FRAME] =
    g_signal_new ("self-video-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[FIRST_AUDIO] =
    g_signal_new ("first-audio", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kith_call_init (KithCall *self)
{
  self->camera = TRUE;
  self->cancellable = g_cancellable_new ();
  self->local_candidates = g_ptr_array_new_with_free_func (candidate_free);
  self->remote_candidates = g_ptr_array_new_with_free_func (candidate_free);
}

/* ---- the manager's side ---- */

KithCall *
kith_call_new (KithCallManager   *manager,
               const char        *call_id,
               KithCallDirection  direction,
               gint64             peer_id,
               KithContact       *peer,
               gboolean           video)
{
  KithCall *self = g_object_new (KITH_TYPE_CALL, NULL);

  self->manager = manager;
  self->id = g_strdup (call_id);
  self->direction = direction;
  self->peer_id = peer_id;
  self->peer = peer ? g_object_ref (peer) : NULL;
  self->video = video;
  self->link_up = kith_call_manager_get_link_up (manager);
  self->state = direction == KITH_CALL_OUTGOING ? KITH_CALL_RINGING_OUT : KITH_CALL_RINGING_IN;
  self->ring_source = g_timeout_add (kith_call_manager_get_ring_timeout (manager),
                                     on_ring_timeout, self);
  return self;
}

void
kith_call_place (KithCall *self)
{
  g_return_if_fail (KITH_IS_CALL (self));
  kith_call_reach_stage (self, KITH_CALL_STAGE_STARTED);
  kith_call_fetch_servers_and_start (self);
}

void
kith_call_set_offer (KithCall   *self,
                     const char *sdp)
{
  g_return_if_fail (KITH_IS_CALL (self));
  g_free (self->offer);
  self->offer = g_strdup (sdp);
}

void
kith_call_handle_frame (KithCall        *self,
                        const KithFrame *frame)
{
  g_return_if_fail (KITH_IS_CALL (self));

  if (self->state == KITH_CALL_ENDED)
    return;

  switch (frame->type) {
  case KITH_FRAME_CALL_RINGING:
    g_debug ("call %s rings there", self->id);
    break;

  case KITH_FRAME_CALL_ANSWER:
    if (self->direction != KITH_CALL_OUTGOING || self->state != KITH_CALL_RINGING_OUT ||
        self->media == NULL || self->remote_set)
      break;
    kith_call_media_set_remote_description (self->media, "answer", frame->sdp);
    self->remote_set = TRUE;
    kith_call_reach_stage (self, KITH_CALL_STAGE_REMOTE);
    kith_call_flush_remote_candidates (self);
    start_connect_timer (self);
    kith_call_mark_answered (self);
    break;

  case KITH_FRAME_CALL_CANDIDATE:
    if (self->remote_set && self->media != NULL)
      kith_call_media_add_remote_candidate (self->media, frame->sdp_mline_index, frame->candidate);
    else if (self->remote_candidates->len < MAX_QUEUED_CANDIDATES)
      g_ptr_array_add (self->remote_candidates,
                       kith_call_candidate_new (frame->sdp_mline_index, frame->candidate));
    else
      g_debug ("call %s: too many early candidates, one dropped", self->id);
    break;

  case KITH_FRAME_CALL_HANGUP: {
    KithCallEndReason reason = reason_of_hangup (self, frame->reason);

    kith_call_end (self, reason,
                   reason == KITH_CALL_END_FAILED ? kith_call_not_connected_text () : NULL, FALSE);
    break;
  }

  case KITH_FRAME_CALL_REJECT:
    if (self->direction != KITH_CALL_OUTGOING)
      break;
    kith_call_end (self, g_strcmp0 (frame->reason, KITH_CALL_REASON_BUSY) == 0
                           ? KITH_CALL_END_BUSY : KITH_CALL_END_DECLINED,
                   NULL, FALSE);
    break;

  default:
    break;
  }
}

void
kith_call_end (KithCall          *self,
               KithCallEndReason  reason,
               const char        *error_message,
               gboolean           tell_peer)
{
  g_autoptr (KithCall) hold = NULL;

  g_return_if_fail (KITH_IS_CALL (self));

  if (self->state == KITH_CALL_ENDED)
    return;
  hold = g_object_ref (self);

  if (tell_peer) {
    if (self->state == KITH_CALL_RINGING_IN) {
      KithFrame *frame = kith_call_frame_new (self, KITH_FRAME_CALL_REJECT);

      frame->reason = g_strdup (reason == KITH_CALL_END_BUSY ? KITH_CALL_REASON_BUSY
                                                             : KITH_CALL_REASON_DECLINED);
      kith_call_send_frame (self, frame);
    } else if (self->direction == KITH_CALL_INCOMING || self->description_sent) {
      KithFrame *frame = kith_call_frame_new (self, KITH_FRAME_CALL_HANGUP);

      /* Never connected: the peer ends it as failed too, not hung up. */
      if (reason == KITH_CALL_END_FAILED && !self->was_active)
        frame->reason = g_strdup (KITH_CALL_REASON_FAILED);
      kith_call_send_frame (self, frame);
    }
  }

  if (self->answered)
    self->duration = (g_get_monotonic_time () - self->answered_at) / G_USEC_PER_SEC;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->ring_source, g_source_remove);
  g_clear_handle_id (&self->connect_source, g_source_remove);
  g_clear_handle_id (&self->lost_source, g_source_remove);
  kith_call_drop_media (self);
  g_ptr_array_set_size (self->local_candidates, 0);
  g_ptr_array_set_size (self->remote_candidates, 0);
  g_clear_pointer (&self->offer, g_free);

  g_debug ("call %s ended: %s%s%s", self->id, kith_call_end_reason_to_string (reason),
           error_message ? ": " : "", error_message ? error_message : "");
  self->end_reason = reason;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_REASON]);
  if (error_message != NULL) {
    self->error_message = g_strdup (error_message);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION]);
  set_state (self, KITH_CALL_ENDED);
}

void
kith_call_set_link_up (KithCall *self,
                       gboolean  up)
{
  g_return_if_fail (KITH_IS_CALL (self));

  self->link_up = up;
  /* kithd keeps only answered calls for a device that comes back: one
   * that still rang is over. */
  if (!up && !self->answered) {
    kith_call_end (self, KITH_CALL_END_CONNECTION_LOST, NULL, FALSE);
    return;
  }
  kith_call_update_connected_state (self);
}

gboolean
kith_call_get_answered (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), FALSE);
  return self->answered;
}

gint64
kith_call_get_answered_at (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);
  return self->answered_at;
}

void
kith_call_detach (KithCall *self)
{
  g_return_if_fail (KITH_IS_CALL (self));
  self->manager = NULL;
}

/* ---- public API ---- */

const char *
kith_call_get_id (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), NULL);
  return self->id;
}

KithContact *
kith_call_get_peer (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), NULL);
  return self->peer;
}

gint64
kith_call_get_peer_id (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);
  return self->peer_id;
}

gboolean
kith_call_get_video (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), FALSE);
  return self->video;
}

KithCallDirection
kith_call_get_direction (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), KITH_CALL_OUTGOING);
  return self->direction;
}

KithCallState
kith_call_get_state (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), KITH_CALL_ENDED);
  return self->state;
}

KithCallEndReason
kith_call_get_end_reason (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), KITH_CALL_END_NONE);
  return self->end_reason;
}

const char *
kith_call_get_error_message (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), NULL);
  return self->error_message;
}

guint
kith_call_get_duration (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);

  if (self->state == KITH_CALL_ENDED || !self->answered)
    return self->duration;
  return (g_get_monotonic_time () - self->answered_at) / G_USEC_PER_SEC;
}

guint64
kith_call_get_audio_buffers (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);
  return self->media ? kith_call_media_get_audio_buffers (self->media) : self->audio_buffers;
}

guint64
kith_call_get_video_frames (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);
  return self->media ? kith_call_media_get_video_frames (self->media) : self->video_frames;
}

KithCallMedia *
kith_call_get_media (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), NULL);

  return self->media;
}

gint64
kith_call_get_stage_time (KithCall      *self,
                          KithCallStage  stage)
{
  g_return_val_if_fail (KITH_IS_CALL (self), 0);
  g_return_val_if_fail (stage < KITH_CALL_N_STAGES, 0);

  return self->stage_time[stage];
}

gboolean
kith_call_get_muted (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), FALSE);
  return self->muted;
}

void
kith_call_set_muted (KithCall *self,
                     gboolean  muted)
{
  g_return_if_fail (KITH_IS_CALL (self));

  muted = !!muted;
  if (self->muted == muted)
    return;
  self->muted = muted;
  if (self->media != NULL)
    kith_call_media_set_muted (self->media, muted);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTED]);
}

gboolean
kith_call_get_camera (KithCall *self)
{
  g_return_val_if_fail (KITH_IS_CALL (self), FALSE);
  return self->camera;
}

void
kith_call_set_camera (KithCall *self,
                      gboolean  on)
{
  g_return_if_fail (KITH_IS_CALL (self));

  on = !!on;
  if (self->camera == on)
    return;
  self->camera = on;
  if (self->media != NULL)
    kith_call_media_set_camera (self->media, on);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA]);
}

void
kith_call_set_echo (KithCall *self,
                    guint     delay_ms)
{
  g_return_if_fail (KITH_IS_CALL (self));
  g_return_if_fail (self->media == NULL);
  self->echo_delay = delay_ms;
}

void
kith_call_answer (KithCall *self)
{
  g_return_if_fail (KITH_IS_CALL (self));

  if (self->state != KITH_CALL_RINGING_IN)
    return;
  g_clear_handle_id (&self->ring_source, g_source_remove);
  kith_call_reach_stage (self, KITH_CALL_STAGE_STARTED);
  set_state (self, KITH_CALL_CONNECTING);
  /* From the answer: the ICE servers, the media, ICE and DTLS within it. */
  start_connect_timer (self);
  kith_call_fetch_servers_and_start (self);
}

void
kith_call_decline (KithCall *self)
{
  g_return_if_fail (KITH_IS_CALL (self));

  if (self->state != KITH_CALL_RINGING_IN)
    return;
  kith_call_end (self, KITH_CALL_END_DECLINED, NULL, TRUE);
}

void
kith_call_hang_up (KithCall *self)
{
  g_return_if_fail (KITH_IS_CALL (self));

  if (self->state == KITH_CALL_RINGING_IN)
    kith_call_decline (self);
  else
    kith_call_end (self, KITH_CALL_END_HUNG_UP, NULL, TRUE);
}

const char *
kith_call_end_reason_to_string (KithCallEndReason reason)
{
  switch (reason) {
  case KITH_CALL_END_NONE:
    return "";
  case KITH_CALL_END_HUNG_UP:
    return _("Call ended");
  case KITH_CALL_END_DECLINED:
    return _("Declined");
  case KITH_CALL_END_MISSED:
    return _("No answer");
  case KITH_CALL_END_BUSY:
    return _("Busy");
  case KITH_CALL_END_UNREACHABLE:
    return _("Not reachable");
  case KITH_CALL_END_ANSWERED_ELSEWHERE:
    return _("Answered on another device");
  case KITH_CALL_END_CONNECTION_LOST:
    return _("Connection lost");
  case KITH_CALL_END_FAILED:
  default:
    return _("Call failed");
  }
}

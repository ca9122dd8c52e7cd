/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-contact.h"

G_BEGIN_DECLS

typedef enum {
  KITH_CALL_OUTGOING,
  KITH_CALL_INCOMING,
} KithCallDirection;

typedef enum {
  KITH_CALL_RINGING_OUT,     /* placed, the callee's devices ring */
  KITH_CALL_RINGING_IN,      /* someone calls: answer or decline */
  KITH_CALL_CONNECTING,      /* answered, the media is connecting */
  KITH_CALL_ACTIVE,          /* media flowing, the socket up */
  KITH_CALL_RECONNECTING,    /* was active; the socket or the media is away */
  KITH_CALL_ENDED,           /* over: see end-reason */
} KithCallState;

typedef enum {
  KITH_CALL_END_NONE,                 /* not ended */
  KITH_CALL_END_HUNG_UP,              /* either side hung up */
  KITH_CALL_END_DECLINED,             /* the callee declined */
  KITH_CALL_END_MISSED,               /* not answered in time, or the caller gave up */
  KITH_CALL_END_BUSY,                 /* the callee was in another call */
  KITH_CALL_END_UNREACHABLE,          /* the callee had no device connected */
  KITH_CALL_END_ANSWERED_ELSEWHERE,   /* another device of ours answered or declined */
  KITH_CALL_END_CONNECTION_LOST,      /* the media or the peer went away for good */
  KITH_CALL_END_FAILED,               /* never connected, or the media failed (error-message) */
} KithCallEndReason;

/* How far the call's set-up got (kith_call_get_stage_time ()). */
typedef enum {
  KITH_CALL_STAGE_STARTED,       /* placed, or answered, here */
  KITH_CALL_STAGE_DESCRIPTION,   /* our offer (the callee: our answer) made */
  KITH_CALL_STAGE_SENT,          /* call.invite (call.answer) sent */
  KITH_CALL_STAGE_REMOTE,        /* the peer's answer (offer) given to the media */
  KITH_CALL_STAGE_ICE,           /* ICE found a path (DTLS next) */
  KITH_CALL_STAGE_CONNECTED,     /* the media connected: ICE and DTLS */
  KITH_CALL_STAGE_FIRST_AUDIO,   /* the first decoded audio from the peer */
  KITH_CALL_N_STAGES,
} KithCallStage;

#define KITH_TYPE_CALL (kith_call_get_type ())

G_DECLARE_FINAL_TYPE (KithCall, kith_call, KITH, CALL, GObject)

/*
 * One call (docs/service.md, "Calls"), made by KithCallManager: a placed
 * call (kith_call_manager_place ()) or one that rings here (the manager's
 * model and its incoming-call signal). It owns the call's KithCallMedia
 * while it runs and drops it when it ends; the media's video comes out
 * here as frames, so nothing above the service touches GStreamer.
 *
 * Properties (read-only unless said): id (string: the call_id, a UUID),
 *   peer (KithContact, nullable: not listed yet), peer-id (gint64),
 *   video (gboolean), direction (KithCallDirection), state (KithCallState),
 *   end-reason (KithCallEndReason), error-message (string, nullable: what
 *   failed, "No microphone found", for a person), duration (guint seconds
 *   since answered; fixed once ended), muted, camera (gboolean, settable).
 * Signals:
 *   state-changed (KithCallState new, KithCallState old)
 *   video-frame (GBytes *pixels, int width, int height, int stride): the
 *     peer's picture, RGBA (GDK_MEMORY_R8G8B8A8)
 *   self-video-frame (same): the camera preview
 *   first-audio (): the first decoded audio from the peer (set-up timing)
 */
const char        *kith_call_get_id             (KithCall *self);
KithContact       *kith_call_get_peer           (KithCall *self);
gint64             kith_call_get_peer_id        (KithCall *self);
gboolean           kith_call_get_video          (KithCall *self);
KithCallDirection  kith_call_get_direction      (KithCall *self);
KithCallState      kith_call_get_state          (KithCall *self);
KithCallEndReason  kith_call_get_end_reason     (KithCall *self);
const char        *kith_call_get_error_message  (KithCall *self);
/* Seconds since the call was answered (0 before); frozen when it ends. */
guint              kith_call_get_duration       (KithCall *self);
/* Decoded audio buffers and video frames received so far (kept once ended). */
guint64            kith_call_get_audio_buffers  (KithCall *self);
guint64            kith_call_get_video_frames   (KithCall *self);
/* When the call reached @stage (monotonic µs, as g_get_monotonic_time ()),
 * or 0 if it did not (yet): the set-up's breakdown. */
gint64             kith_call_get_stage_time     (KithCall      *self,
                                                 KithCallStage  stage);
gboolean           kith_call_get_muted          (KithCall *self);
void               kith_call_set_muted          (KithCall *self,
                                                 gboolean  muted);
gboolean           kith_call_get_camera         (KithCall *self);
void               kith_call_set_camera         (KithCall *self,
                                                 gboolean  on);

/* Before answering: the echo test (the demo bot): the call plays back what
 * it hears and sees @delay_ms later, with no source or sink of its own. */
void               kith_call_set_echo           (KithCall *self,
                                                 guint     delay_ms);

/* Takes a ringing incoming call (the ICE servers first, then the media). */
void               kith_call_answer             (KithCall *self);
/* Declines a ringing incoming call (call.reject "declined"). */
void               kith_call_decline            (KithCall *self);
/* Ends the call (declines it when it rings here). Harmless once ended. */
void               kith_call_hang_up            (KithCall *self);

/* First thing in main (), before any thread starts: sets what the
 * process's memory allocator needs for calls to leave no memory behind
 * (glibc: two malloc arenas; big blocks mmap'd during calls). */
void               kith_call_prepare_process    (void);

/* What a person reads for @reason: "No answer", "Declined", "Busy", … */
const char        *kith_call_end_reason_to_string (KithCallEndReason reason);

G_END_DECLS

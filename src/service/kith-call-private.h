/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kith-call.c, kith-call-media-link.c and kith-call-manager.c
 * only: how the manager drives a call, what a call asks of its manager,
 * and (the two call files only) the call's insides. */

#include "kith-call-manager.h"
#include "kith-call.h"
#include "kith-call-media.h"

G_BEGIN_DECLS

/* ---- the manager's side of a call (kith-call.c) ---- */

KithCall *kith_call_new              (KithCallManager   *manager,
                                      const char        *call_id,
                                      KithCallDirection  direction,
                                      gint64             peer_id,
                                      KithContact       *peer,
                                      gboolean           video);
/* An outgoing call: the ICE servers, the media, the offer, then the invite. */
void      kith_call_place            (KithCall          *self);
/* An incoming call's offer, kept until it is answered. */
void      kith_call_set_offer        (KithCall          *self,
                                      const char        *sdp);
/* A call.* frame of this call from the peer (not call.invite). */
void      kith_call_handle_frame     (KithCall          *self,
                                      const KithFrame   *frame);
/* Ends the call; @tell_peer sends call.hangup (call.reject while it rings
 * here) first. @error_message: what failed, for a person (nullable). */
void      kith_call_end              (KithCall          *self,
                                      KithCallEndReason  reason,
                                      const char        *error_message,
                                      gboolean           tell_peer);
/* The socket went down (@up FALSE) or got its welcome again. */
void      kith_call_set_link_up      (KithCall          *self,
                                      gboolean           up);
/* Answered (call.answer sent or received): the call is claimed on hello. */
gboolean  kith_call_get_answered     (KithCall          *self);
/* When (monotonic µs). */
gint64    kith_call_get_answered_at  (KithCall          *self);
/* Tests and benchmarks only: the call's media while it runs (NULL before
 * its start and once ended). No reference is given. */
KithCallMedia *kith_call_get_media   (KithCall          *self);
/* The manager lets go of the call (it ended, or the manager goes). */
void      kith_call_detach           (KithCall          *self);

/* ---- what a call asks of its manager (kith-call-manager.c) ---- */

/* Sends a frame of @call's to its peer (FALSE: the socket is down). */
gboolean  kith_call_manager_send       (KithCallManager     *self,
                                        KithFrame           *frame);
/* The ICE servers as KithCallMedia takes them (GStrv; empty when none or
 * when they cannot be fetched: a call on the local network still works). */
void      kith_call_manager_ice_servers_async  (KithCallManager     *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
char    **kith_call_manager_ice_servers_finish (KithCallManager     *self,
                                                GAsyncResult        *result);
gboolean  kith_call_manager_get_link_up        (KithCallManager     *self);
/* @call was answered (call.answer sent or received): in a call from now on. */
void      kith_call_manager_call_answered      (KithCallManager     *self,
                                                KithCall            *call);

/* Tests: leave out every call.candidate (ICE that never connects). */
void      kith_call_manager_set_drop_candidates (KithCallManager    *self,
                                                 gboolean            drop);

/* ---- kith-call.c and kith-call-media-link.c only: the call's insides ---- */

/* Remote candidates kept until the media can take them: a peer cannot grow
 * this beyond it (the rest are dropped, logged). */
#define MAX_QUEUED_CANDIDATES 64

typedef struct {
  guint  mline;
  char  *candidate;
} Candidate;

struct _KithCall
{
  GObject             parent_instance;

  KithCallManager    *manager;          /* not owned; NULL once detached */
  char               *id;
  KithContact        *peer;
  gint64              peer_id;
  gboolean            video;
  KithCallDirection   direction;
  KithCallState       state;
  KithCallEndReason   end_reason;
  char               *error_message;
  gboolean            muted;
  gboolean            camera;
  guint               echo_delay;       /* ms; 0: a real call */

  KithCallMedia      *media;            /* from the media's start to the call's end */
  GCancellable       *cancellable;      /* the ICE servers' fetch */
  char               *offer;            /* incoming: the peer's offer until answered */
  gboolean            description_sent; /* invite / answer sent: candidates may follow */
  gboolean            remote_set;       /* the peer's description is the media's */
  GPtrArray          *local_candidates; /* Candidate, waiting for description_sent */
  GPtrArray          *remote_candidates;/* Candidate, waiting for remote_set */
  gboolean            answered;
  gboolean            was_active;
  gboolean            link_up;
  gint64              answered_at;      /* monotonic µs */
  guint               duration;         /* frozen at the end */
  guint64             audio_buffers;    /* frozen at the end */
  guint64             video_frames;
  gint64              stage_time[KITH_CALL_N_STAGES];   /* monotonic µs, 0: not yet */

  guint               ring_source;
  guint               connect_source;
  guint               lost_source;
};

Candidate     *kith_call_candidate_new            (guint          mline,
                                                   const char    *text);
/* The first time only: a stage is reached once. */
void           kith_call_reach_stage              (KithCall      *self,
                                                   KithCallStage  stage);
/* … at that monotonic time (µs). */
void           kith_call_reach_stage_at           (KithCall      *self,
                                                   KithCallStage  stage,
                                                   gint64         at);
/* Why a call that never connected failed, on both sides. */
const char    *kith_call_not_connected_text       (void);
KithFrame     *kith_call_frame_new                (KithCall      *self,
                                                   KithFrameType  type);
/* Sends (and frees) @frame; FALSE when it could not go. */
gboolean       kith_call_send_frame               (KithCall      *self,
                                                   KithFrame     *frame);
void           kith_call_send_candidate           (KithCall        *self,
                                                   const Candidate *candidate);
void           kith_call_flush_local_candidates   (KithCall      *self);
void           kith_call_flush_remote_candidates  (KithCall      *self);
/* Answered: active, connecting or reconnecting, from the media and the link. */
void           kith_call_update_connected_state   (KithCall      *self);
void           kith_call_mark_answered            (KithCall      *self);
void           kith_call_emit_video_frame         (KithCall      *self,
                                                   gboolean       self_view,
                                                   GBytes        *pixels,
                                                   int            width,
                                                   int            height,
                                                   int            stride);
void           kith_call_emit_first_audio         (KithCall      *self);
/* kith-call-memory.c, main thread */
/* A ring tone starts (@busy) or stops. The first
 * notes which libraries are mapped; a while after the last stops, the
 * read-only pages of the libraries mapped since (and GStreamer's own)
 * leave the process (the page cache keeps them for the next call). */
void           kith_call_set_gstreamer_busy       (gboolean       busy);
/* Tests and benchmarks: that while (10 s by default; a release pending
 * is then due @ms from now), and the release now (bytes of the mappings
 * advised; 0 while GStreamer is busy). */
void           kith_call_set_release_delay        (guint          ms);
guint64        kith_call_release_pages            (void);

/* kith-call-media-link.c */
/* The ICE servers, then the media (and the offer, or the kept offer). */
void           kith_call_fetch_servers_and_start  (KithCall      *self);
/* The media goes; its counters are kept. */
void           kith_call_drop_media               (KithCall      *self);

G_END_DECLS

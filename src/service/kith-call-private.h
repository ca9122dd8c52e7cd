/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kith-call.c and kith-call-manager.c only: how the manager
 * drives a call, and what a call asks of its manager. */

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

G_END_DECLS

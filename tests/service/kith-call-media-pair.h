/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "kith-call-media.h"

G_BEGIN_DECLS

/*
 * Two KithCallMedia in one process wired directly, with no signalling: the
 * caller's offer and candidates go to the callee and back on the main loop
 * (loopback ICE). test-call-media's calls, and the floor of the call
 * benchmark. Everything runs on the thread-default main context.
 */
typedef struct {
  KithCallMedia *caller;
  KithCallMedia *callee;
  gboolean       pass_candidates;    /* default TRUE; FALSE drops them both ways */

  /* What the signals said, [0] the caller's, [1] the callee's. */
  guint          descriptions[2];    /* local-description */
  guint          candidates[2];      /* local-candidate */
  guint          first_audio[2];
  guint          frames[2];          /* video-frame */
  guint          self_frames[2];     /* self-video-frame */
  guint          black_frames[2];    /* video-frame whose pixels are all black */
  int            width[2], height[2], stride[2];   /* of the last video-frame */
  guint          errors[2];
  GError        *last_error[2];
} KithCallMediaPair;

typedef gboolean (*KithCallMediaPairCheck) (KithCallMediaPair *pair);

/* Both made with loopback on; set echo, mute, … on them before connecting. */
KithCallMediaPair *kith_call_media_pair_new        (gboolean                video);
/* Starts both (each made on a worker thread) and has the caller offer (done
 * once the caller's pipeline runs); returns before either runs. */
gboolean           kith_call_media_pair_connect    (KithCallMediaPair      *pair,
                                                    GError                **error);
/* Runs the main context until check (pair) or timeout_ms; returns check's last answer. */
gboolean           kith_call_media_pair_wait       (KithCallMediaPair      *pair,
                                                    KithCallMediaPairCheck  check,
                                                    guint                   timeout_ms);
gboolean           kith_call_media_pair_connected  (KithCallMediaPair      *pair);
/* Both connected and both decoding audio. */
gboolean           kith_call_media_pair_hearing    (KithCallMediaPair      *pair);
void               kith_call_media_pair_free       (KithCallMediaPair      *pair);
/* The first element made by @factory in @pipeline (webrtcbin's parts too),
 * a reference, or NULL. */
GstElement        *kith_call_media_find_element    (GstElement             *pipeline,
                                                    const char             *factory);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithCallMediaPair, kith_call_media_pair_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  KITH_CALL_MEDIA_NEW,           /* not started, or started and not negotiating yet */
  KITH_CALL_MEDIA_CONNECTING,    /* ICE/DTLS under way */
  KITH_CALL_MEDIA_CONNECTED,     /* ICE and DTLS connected, media flowing */
  KITH_CALL_MEDIA_DISCONNECTED,  /* was connected, link lost (may come back) */
  KITH_CALL_MEDIA_FAILED,        /* ICE/DTLS failed, or the pipeline broke */
} KithCallMediaState;

#define KITH_TYPE_CALL_MEDIA (kith_call_media_get_type ())

G_DECLARE_FINAL_TYPE (KithCallMedia, kith_call_media, KITH, CALL_MEDIA, GObject)

/*
 * The media of one call: a GStreamer pipeline around webrtcbin (Opus, VP8,
 * trickle ICE, echo cancellation). It knows nothing of the signalling: the
 * owner passes descriptions and candidates across. The pipeline exists only
 * between start and stop. Every signal is emitted on the thread-default main
 * context the object was made in. docs/service.md, "Call media".
 *
 * Properties: state (KithCallMediaState, read-only), video (gboolean,
 * construct-only), muted, camera (gboolean, default FALSE / TRUE).
 *
 * Signals:
 *   local-description (const char *type, const char *sdp)  "offer" | "answer"
 *   local-candidate (guint mline, const char *candidate)
 *   state-changed (KithCallMediaState new, KithCallMediaState old)
 *   first-audio ()             the first decoded remote audio buffer
 *   ice-connected (gint64 at)  ICE found a path (DTLS next), at that
 *                              monotonic time; once a start
 *   video-frame (GBytes *pixels, int width, int height, int stride)
 *                              decoded remote video, RGBA (GDK_MEMORY_R8G8B8A8)
 *   self-video-frame (same)    the local camera preview (video calls only)
 *   error (GError *error)      KITH_ERROR: something failed mid-call, or the
 *                              pipeline could not start ("No microphone found")
 *
 * start returns at once: a worker thread makes the pipeline and starts it
 * (seconds on a busy machine), and a failure there is the error signal,
 * then the state failed. create_offer, set_remote_description and
 * add_remote_candidate called meanwhile wait and are done in order once
 * it runs. start fails (FALSE) only when GStreamer or webrtcbin is missing.
 * stop (or dropping the object) during start-up is safe: the worker's
 * pipeline is torn down when it returns, and nothing is emitted.
 */
KithCallMedia      *kith_call_media_new                      (gboolean             video,
                                                              const char * const  *ice_servers);
/* Run the pipeline in the program at @path (kith-call-media), a process
 * that lives from start to stop; NULL: in this one. Before start. */
void                kith_call_media_set_helper               (KithCallMedia       *self,
                                                              const char          *path);
/* The spare helper started after a call (for the next one's set-up), if
 * any, exits: on sign-out. */
void                kith_call_media_drop_spare               (void);
void                kith_call_media_set_loopback             (KithCallMedia       *self,
                                                              gboolean             loopback);
void                kith_call_media_set_echo                 (KithCallMedia       *self,
                                                              guint                delay_ms);
gboolean            kith_call_media_start                    (KithCallMedia       *self,
                                                              GError             **error);
void                kith_call_media_create_offer             (KithCallMedia       *self);
void                kith_call_media_set_remote_description   (KithCallMedia       *self,
                                                              const char          *type,
                                                              const char          *sdp);
void                kith_call_media_add_remote_candidate     (KithCallMedia       *self,
                                                              guint                mline,
                                                              const char          *candidate);
gboolean            kith_call_media_get_muted                (KithCallMedia       *self);
void                kith_call_media_set_muted                (KithCallMedia       *self,
                                                              gboolean             muted);
gboolean            kith_call_media_get_camera               (KithCallMedia       *self);
void                kith_call_media_set_camera               (KithCallMedia       *self,
                                                              gboolean             on);
gboolean            kith_call_media_get_video                (KithCallMedia       *self);
KithCallMediaState  kith_call_media_get_state                (KithCallMedia       *self);
void                kith_call_media_stop                     (KithCallMedia       *self);
guint64             kith_call_media_get_audio_buffers        (KithCallMedia       *self);
/* Of those, the ones with a sample louder than -40 dBFS: what mute silences. */
guint64             kith_call_media_get_audible_audio_buffers (KithCallMedia      *self);
guint64             kith_call_media_get_video_frames         (KithCallMedia       *self);

G_END_DECLS

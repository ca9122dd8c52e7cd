/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API   /* gst/webrtc: "unstable" in 1.22 */
#endif
#include <gst/gst.h>
#include <gst/app/app.h>
#include <gst/webrtc/webrtc.h>

#include "kith-call-media.h"

G_BEGIN_DECLS

/*
 * What kith-call-media.c (the object: state, signals, public API, the bus
 * watch on its main context), kith-call-media-pipeline.c (building the
 * pipeline, the send side, webrtcbin's callbacks and promises) and
 * kith-call-media-receive.c (the remote streams: decoders, their probes
 * and sinks) share.
 */

/* Opus frames of 10 ms, not WebRTC's usual 20: the encoder waits for a
 * whole frame, and the decoder holds one packet back for its in-band FEC
 * (to rebuild a lost packet from the next), so each millisecond of frame
 * counts twice in the latency (docs/performance-calls.md). The price is
 * 100 packets a second, ~20 kbit/s more of headers. */
#define OPUS_FRAME_MS        10

#define RGBA_CAPS      "video/x-raw,format=RGBA"

#define RGBA_SINK_DESC(name) \
  "queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! " \
  "videoconvert ! capsfilter caps=" RGBA_CAPS " ! " \
  "appsink name=" name " max-buffers=1 drop=true sync=false async=false"

typedef struct _KithCallMediaProcess KithCallMediaProcess;

/* KithCallMedia's signals (kith-call-media.c defines them), emitted by
 * kith_call_media_emit () from its parts. */
typedef enum {
  SIGNAL_LOCAL_DESCRIPTION,
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_STATE_CHANGED,
  SIGNAL_FIRST_AUDIO,
  SIGNAL_ICE_CONNECTED,
  SIGNAL_VIDEO_FRAME,
  SIGNAL_SELF_VIDEO_FRAME,
  SIGNAL_ERROR,
  N_SIGNALS
} KithCallMediaSignal;

extern guint kith_call_media_signals[N_SIGNALS];

/* The newest decoded frame, waiting for the main context. */
typedef struct {
  GstSample *sample;
  gboolean   posted;     /* a message for it is on the bus */
} FrameSlot;

struct _KithCallMedia
{
  GObject             parent_instance;

  GMainContext       *context;
  gboolean            video;
  char              **ice_servers;
  gboolean            loopback;
  gboolean            echo;
  guint               echo_delay_ms;
  gboolean            muted;
  gint                camera_off;      /* atomic: read by the camera probe */
  gint                ice_connected;   /* atomic: said once a start (webrtcbin's thread) */

  KithCallMediaState  state;
  gboolean            link_connected;  /* webrtcbin says connected */
  gboolean            failed;          /* an error was emitted since start */
  guint               stall_ticks;
  guint64             stall_last_count;

  GstElement         *pipeline;
  GstElement         *webrtc;
  GstElement         *volume;
  GstElement         *audio_src;       /* the source bins, to name a failing source */
  GstElement         *video_src;
  GstElement         *audio_play;      /* where remote audio goes: audio-play */
  GstElement         *audio_echo;      /* echo mode: the appsrc of echo-audio */
  GstElement         *video_echo;      /* echo mode: the appsrc of echo-video */
  GSource            *bus_watch;
  GSource            *stall_timer;
  char               *probe_name;

  /* Start-up (kith-call-media.c): a worker thread builds the pipeline and
   * sets it to PLAYING. While worker_busy, the worker owns the fields from
   * pipeline to probe_name above: the main context reads none of them. */
  gboolean            starting;        /* start () called, the worker's result awaited */
  gboolean            worker_busy;     /* a worker runs (this start's, or a stopped one's) */
  gboolean            restart;         /* start () again once the stopped worker returns */
  guint               start_serial;    /* start and stop bump it: a worker's result is for this one? */
  guint               worker_serial;   /* start_serial when the running worker began */
  gboolean            dropped;         /* the owner let go while a worker runs (toggle ref) */
  gboolean            start_muted;     /* muted when the worker began: what it builds */
  /* The environment's choices (KITH_AUDIOSRC, …; NULL when unset or
   * empty), read on the main context when a worker begins: g_getenv ()
   * on another thread races a setenv (). Read by the worker and, for the
   * video sink, the streaming threads; set only while neither runs. */
  char               *env_audio_src;
  char               *env_video_src;
  char               *env_audio_sink;
  char               *env_video_sink;
  GHashTable         *environment;     /* set: read instead of the process's (kith-call-media) */
  gboolean            echo_cancel;     /* webrtcdsp on the microphone (KITH_CALL_ECHO_CANCEL != 0) */
  GQueue              pending;         /* PendingOp: the owner's calls made while starting */

  GMutex              lock;            /* the fields below, shared with streaming threads */
  guint64             audio_buffers;
  guint64             audible_buffers;
  guint64             video_frames;
  gboolean            first_audio;
  FrameSlot           remote_frame;
  FrameSlot           self_frame;

  /* In a process of its own (kith-call-media-process.c): set before start,
   * the helper's path; NULL, the pipeline is made here. */
  char               *helper_path;
  KithCallMediaProcess *process;       /* the running helper's side of it */
};

/* kith-call-media.c, for kith-call-media-process.c: what the helper says,
 * as this object's state and signals. */
void        kith_call_media_set_state           (KithCallMedia                *self,
                                                 KithCallMediaState            state);
void        kith_call_media_emit_error          (KithCallMedia                *self,
                                                 const char                   *message);
/* @signal with its arguments, on the main context. */
void        kith_call_media_emit                (KithCallMedia                *self,
                                                 KithCallMediaSignal           signal,
                                                 ...);
/* Started (@error NULL) or not: the calls kept meanwhile are made, in
 * order, or dropped and the call ends with @error's sentence. */
void        kith_call_media_started             (KithCallMedia                *self,
                                                 const GError                 *error);

/* The environment's choices (KITH_AUDIOSRC, …) to read at start instead
 * of the process's: the owner's, sent to kith-call-media. */
void        kith_call_media_set_environment     (KithCallMedia                *self,
                                                 GHashTable                   *environment);

/* kith-call-media-process.c: the media in the helper (docs/service.md,
 * "Call media in a process of its own"). Start spawns it and returns at
 * once (FALSE: it could not be spawned); the rest are sent on to it. */
gboolean    kith_call_media_process_start       (KithCallMedia                *self,
                                                 GError                      **error);
void        kith_call_media_process_create_offer (KithCallMedia               *self);
void        kith_call_media_process_set_remote  (KithCallMedia                *self,
                                                 const char                   *type,
                                                 const char                   *sdp);
void        kith_call_media_process_add_candidate (KithCallMedia              *self,
                                                 guint                         mline,
                                                 const char                   *candidate);
void        kith_call_media_process_set_muted   (KithCallMedia                *self,
                                                 gboolean                      muted);
void        kith_call_media_process_set_camera  (KithCallMedia                *self,
                                                 gboolean                      on);
/* Tells the helper to stop and lets it go (it exits by itself), and
 * starts a spare for the next call when there is none. */
void        kith_call_media_process_stop        (KithCallMedia                *self);
/* For tests and benchmarks: the running helper's process id, else 0. */
GPid        kith_call_media_get_helper_pid      (KithCallMedia                *self);
/* … and the spare's, else 0. */
GPid        kith_call_media_get_spare_pid       (void);

/* kith-call-media-pipeline.c */
/* Cheap: GStreamer and webrtcbin are there (on the main context, before the worker). */
gboolean    kith_call_media_check_parts         (GError                      **error);
/* On the worker thread: builds the pipeline and sets it to PLAYING; on
 * failure (error set) nothing is left of it. */
gboolean    kith_call_media_build_and_play      (KithCallMedia                *self,
                                                 GError                      **error);
/* The pipeline to NULL (joining its streaming threads) and every part let go. */
void        kith_call_media_release             (KithCallMedia                *self);
/* @description as a bin with ghost pads; a parse error names the missing packages. */
GstElement *kith_call_media_parse_bin           (const char                   *description,
                                                 GError                      **error);
/* "The call’s sound or video could not be set up.": @upstream cannot feed @downstream. */
void        kith_call_media_set_link_error      (GError                      **error,
                                                 GstObject                    *upstream,
                                                 GstObject                    *downstream);
/* Both into @pipeline when not in a bin yet, then linked. */
gboolean    kith_call_media_add_and_link        (GstElement                   *pipeline,
                                                 GstElement                   *upstream,
                                                 GstElement                   *downstream,
                                                 GError                      **error);
/* An appsink's new sample as the newest in @slot; posts @message when none waits. */
GstFlowReturn kith_call_media_keep_frame        (KithCallMedia                *self,
                                                 GstAppSink                   *appsink,
                                                 FrameSlot                    *slot,
                                                 const char                   *message);
/* @on_sample for the appsink @name in @bin. */
void        kith_call_media_watch_appsink       (KithCallMedia                *self,
                                                 GstElement                   *bin,
                                                 const char                   *name,
                                                 GstFlowReturn               (*on_sample) (GstAppSink *, gpointer),
                                                 gpointer                      user_data);
/* "No microphone found" / "No camera found" when @failing is in a source, else NULL. */
const char *kith_call_media_source_error        (KithCallMedia                *self,
                                                 GstObject                    *failing);
/* An application message for the bus watch; callable from any thread. */
void        kith_call_media_post                (GstElement                   *element,
                                                 GstStructure                 *structure);
void        kith_call_media_post_error          (GstElement                   *element,
                                                 const char                   *message);
/* create-offer, then hands the offer out and sets it as local. */
void        kith_call_media_webrtc_offer        (GstElement                   *webrtc);
/* set-remote-description; for an offer, then the answer as above. */
void        kith_call_media_webrtc_set_remote   (GstElement                   *webrtc,
                                                 GstWebRTCSessionDescription  *description);

/* For tests and benchmarks only: the running pipeline (NULL when stopped),
 * to watch its elements being finalized. No reference is given. */
GstElement *kith_call_media_get_pipeline        (KithCallMedia                *self);

/* kith-call-media-echo-probe.c */
/* Lets go the latency query that webrtcechoprobe @probe leaks with every
 * LATENCY event (gst-plugins-bad 1.22). */
void        kith_call_media_mend_echo_probe     (GstElement                   *probe);

/* kith-call-media-srtp.c */
/* Gives the RTCP pad of each SRTP decoder that @webrtc makes its segment
 * back when it has lost it (srtpdec, gst-plugins-bad 1.22). */
void        kith_call_media_mend_srtp_decoders  (GstElement                   *webrtc);

/* kith-call-media-receive.c */
/* The frame kept in @slot, mapped (no copy), as @signal: on the main context. */
void        kith_call_media_emit_kept_frame     (KithCallMedia                *self,
                                                 FrameSlot                    *slot,
                                                 KithCallMediaSignal           signal);
/* webrtcbin's pad-added (a streaming thread): a remote stream decoded,
 * counted and sent on to the playback, the appsink, or back in echo mode. */
void        kith_call_media_on_pad_added        (GstElement                   *webrtc,
                                                 GstPad                       *pad,
                                                 gpointer                      user_data);

G_END_DECLS

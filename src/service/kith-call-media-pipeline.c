/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMedia"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/app.h>
#include <gst/base/base.h>
#include <gst/video/video.h>

#include "kith-call-media-private.h"
#include "kith-error.h"

/*
 * KithCallMedia's pipeline: how it is built (webrtcbin, the send side:
 * sources, echo cancellation, encoders; the playback bin and the speakers),
 * and what runs on GStreamer's threads (webrtcbin's callbacks and promises,
 * the camera's probe, the self view's appsink). The receive side, from
 * webrtcbin's src pads on, is in kith-call-media-receive.c. The code on
 * those threads, here and there, touches the object only through its
 * counters and frame slots, under `lock`; everything else it has to say is
 * an application message on the bus (kith_call_media_post), which
 * kith-call-media.c's watch turns into signals on the object's main
 * context.
 *
 *   audio source ─ audio-send ─────────────────────────┐
 *   video source ─ video-send ─┬───────────────────────┤ webrtcbin ─ remote audio ─ audio-play ─ sink
 *                              └ self-view appsink     │           └ remote video ─ appsink (+ KITH_VIDEOSINK)
 *
 * In echo mode there is no source and no sink: the decoded remote audio and
 * video leave by an appsink and come back into echo-audio / echo-video by an
 * appsrc, then a queue that holds them delay_ms.
 */

#define AUDIO_PAYLOAD        111
#define VIDEO_PAYLOAD        96
#define OPUS_BITRATE         32000
#define OPUS_LOSS_PERCENTAGE 10
/* webrtcbin's jitter buffer ("latency"; its default is 200 ms): how late
 * a packet may come before it counts as lost and FEC or concealment take
 * its place. Jitter beyond it costs a packet, not a stall. */
#define JITTER_BUFFER_MS     40
/* What the speakers' sink allows for the work between the jitter buffer
 * and itself (depayloading, decoding, the echo probe): GStreamer's
 * default is 20 ms; that work takes well under one. */
#define SINK_DEADLINE_MS     10
#define VP8_BITRATE          800000
#define VP8_KEYFRAME_MAX     60        /* frames: 2 s at 30 fps */
#define VP8_CPU_USED         8

#define AUDIO_RAW_CAPS "audio/x-raw,format=S16LE,rate=48000,channels=1"
#define AUDIO_RTP_CAPS "application/x-rtp,media=audio,encoding-name=OPUS,payload=" G_STRINGIFY (AUDIO_PAYLOAD) "," \
                       "clock-rate=48000,useinbandfec=(string)1"
#define VIDEO_RAW_CAPS "video/x-raw,format=I420,width=[16,640],height=[16,480]," \
                       "framerate=[1/1,30/1],pixel-aspect-ratio=1/1"
#define VIDEO_ECHO_CAPS "video/x-raw,format=I420,width=[16,640],height=[16,480]"
#define VIDEO_RTP_CAPS "application/x-rtp,media=video,encoding-name=VP8,payload=" G_STRINGIFY (VIDEO_PAYLOAD) "," \
                       "clock-rate=90000,rtcp-fb-nack-pli=(boolean)true"

/* After the raw audio is 48 kHz mono S16: mute, then Opus. */
#define OPUS_SEND_DESC \
  "volume name=mute mute=%s ! " \
  "opusenc audio-type=voice bitrate=" G_STRINGIFY (OPUS_BITRATE) " inband-fec=true " \
  "packet-loss-percentage=" G_STRINGIFY (OPUS_LOSS_PERCENTAGE) " dtx=false " \
  "frame-size=" G_STRINGIFY (OPUS_FRAME_MS) " ! " \
  "rtpopuspay pt=" G_STRINGIFY (AUDIO_PAYLOAD) " ! capsfilter caps=\"" AUDIO_RTP_CAPS "\""

/* After the raw video is I420 at most 640×480 at 30 fps: VP8 for real time. */
#define VP8_SEND_DESC \
  "queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! " \
  "vp8enc deadline=1 lag-in-frames=0 error-resilient=default " \
  "cpu-used=" G_STRINGIFY (VP8_CPU_USED) " keyframe-max-dist=" G_STRINGIFY (VP8_KEYFRAME_MAX) " " \
  "target-bitrate=" G_STRINGIFY (VP8_BITRATE) " threads=2 ! " \
  "rtpvp8pay pt=" G_STRINGIFY (VIDEO_PAYLOAD) " ! capsfilter caps=\"" VIDEO_RTP_CAPS "\""

#define VIDEO_SCALE_DESC \
  "videoconvert ! videoscale ! videorate drop-only=true ! " \
  "capsfilter name=raw caps=\"" VIDEO_RAW_CAPS "\""

/* Echo mode: decoded remote media leave by an appsink and come back in by
 * an appsrc that stamps them with the time they arrived; the queue holds
 * them for the delay. */
#define ECHO_SRC_DESC \
  "appsrc name=echo is-live=true format=time do-timestamp=true " \
  "max-buffers=%u max-bytes=0 leaky-type=downstream ! " \
  "queue max-size-buffers=0 max-size-bytes=0 max-size-time=%" G_GUINT64_FORMAT " " \
  "min-threshold-time=%" G_GUINT64_FORMAT " leaky=downstream"

void
kith_call_media_post (GstElement   *element,
                      GstStructure *structure)
{
  gst_element_post_message (element, gst_message_new_application (GST_OBJECT (element), structure));
}

void
kith_call_media_post_error (GstElement *element,
                            const char *message)
{
  kith_call_media_post (element, gst_structure_new ("kith-error", "message", G_TYPE_STRING, message, NULL));
}

static void
set_missing_error (GError     **error,
                   const char  *what)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
               _("A GStreamer part that calls need is missing (%s): install "
                 "gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad and gstreamer1.0-nice."),
               what);
}

GstElement *
kith_call_media_parse_bin (const char  *description,
                           GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  GstElement *bin;

  bin = gst_parse_bin_from_description_full (description, TRUE, NULL,
                                             GST_PARSE_FLAG_FATAL_ERRORS, &local_error);
  if (bin == NULL) {
    set_missing_error (error, local_error->message);
    return NULL;
  }
  return bin;
}

static gboolean
element_is_in (GstObject  *object,
               GstElement *bin)
{
  return bin != NULL && (object == GST_OBJECT (bin) || gst_object_has_as_ancestor (object, GST_OBJECT (bin)));
}

/* The sentence for a source that could not be made or started. */
const char *
kith_call_media_source_error (KithCallMedia *self,
                              GstObject     *failing)
{
  if (element_is_in (failing, self->audio_src))
    return _("No microphone found");
  if (element_is_in (failing, self->video_src))
    return _("No camera found");
  return NULL;
}

/* A source bin in READY: the auto sources have picked a device, or fallen
 * back to a test source because there is none. @chosen is @variable's
 * value, NULL for @fallback. */
static GstElement *
make_source (const char  *variable,
             const char  *chosen,
             const char  *fallback,
             const char  *sentence,
             GError     **error)
{
  const char *description = chosen != NULL ? chosen : fallback;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstIterator) iter = NULL;
  GValue item = G_VALUE_INIT;
  gboolean fake = FALSE;

  bin = gst_parse_bin_from_description_full (description, TRUE, NULL,
                                             GST_PARSE_FLAG_FATAL_ERRORS, &local_error);
  if (bin == NULL) {
    g_debug ("%s “%s”: %s", variable, description, local_error->message);
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA, sentence);
    return NULL;
  }
  gst_object_ref_sink (bin);

  if (gst_element_set_state (bin, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    g_debug ("%s “%s” does not start", variable, description);
    gst_element_set_state (bin, GST_STATE_NULL);
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA, sentence);
    return NULL;
  }

  /* autoaudiosrc/autovideosrc fall back to a test source when no device
   * works; a test source the user did not ask for is no device. */
  if (chosen == NULL) {
    iter = gst_bin_iterate_recurse (GST_BIN (bin));
    while (gst_iterator_next (iter, &item) == GST_ITERATOR_OK) {
      GstElementFactory *factory = gst_element_get_factory (g_value_get_object (&item));
      const char *name = factory != NULL ? GST_OBJECT_NAME (factory) : "";

      if (g_str_equal (name, "videotestsrc") || g_str_equal (name, "audiotestsrc") ||
          g_str_equal (name, "fakesrc"))
        fake = TRUE;
      g_value_reset (&item);
    }
    g_value_unset (&item);
  }
  if (fake) {
    g_debug ("%s: only a test source", variable);
    gst_element_set_state (bin, GST_STATE_NULL);
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA, sentence);
    return NULL;
  }

  return g_steal_pointer (&bin);
}

/* The speakers' sink bin in READY (autoaudiosink has picked its device),
 * each sink in it given SINK_DEADLINE_MS. */
static GstElement *
make_speakers (const char  *chosen,
               GError     **error)
{
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstIterator) iter = NULL;
  GValue item = G_VALUE_INIT;

  bin = gst_parse_bin_from_description_full (chosen != NULL ? chosen : "autoaudiosink",
                                             TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, NULL);
  if (bin != NULL) {
    gst_object_ref_sink (bin);
    if (gst_element_set_state (bin, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
      gst_element_set_state (bin, GST_STATE_NULL);
      g_clear_object (&bin);
    }
  }
  if (bin == NULL) {
    g_debug ("KITH_AUDIOSINK “%s” does not start", chosen != NULL ? chosen : "autoaudiosink");
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA, _("No speakers found"));
    return NULL;
  }

  iter = gst_bin_iterate_recurse (GST_BIN (bin));
  while (gst_iterator_next (iter, &item) == GST_ITERATOR_OK) {
    GObject *element = g_value_get_object (&item);

    if (GST_IS_BASE_SINK (element))
      gst_base_sink_set_processing_deadline (GST_BASE_SINK (element), SINK_DEADLINE_MS * GST_MSECOND);
    g_value_reset (&item);
  }
  g_value_unset (&item);

  return g_steal_pointer (&bin);
}

/* Parts of our own that do not fit: a bug or a broken GStreamer install. */
void
kith_call_media_set_link_error (GError    **error,
                                GstObject  *upstream,
                                GstObject  *downstream)
{
  g_debug ("%s cannot feed %s", GST_OBJECT_NAME (upstream), GST_OBJECT_NAME (downstream));
  g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA,
                       _("The call’s sound or video could not be set up."));
}

gboolean
kith_call_media_add_and_link (GstElement  *pipeline,
                              GstElement  *upstream,
                              GstElement  *downstream,
                              GError     **error)
{
  if (GST_OBJECT_PARENT (upstream) == NULL)
    gst_bin_add (GST_BIN (pipeline), upstream);
  if (GST_OBJECT_PARENT (downstream) == NULL)
    gst_bin_add (GST_BIN (pipeline), downstream);
  if (!gst_element_link (upstream, downstream)) {
    kith_call_media_set_link_error (error, GST_OBJECT (upstream), GST_OBJECT (downstream));
    return FALSE;
  }
  return TRUE;
}

/* ---- streaming threads ---- */

/* Camera off: the frames sent are black (same size and rate, so the peer's
 * decoder goes on and its view turns black at once). */
static GstPadProbeReturn
on_camera_frame (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  KithCallMedia *self = user_data;
  g_autoptr (GstCaps) caps = NULL;
  GstVideoInfo video_info;
  GstVideoFrame frame;
  GstBuffer *buffer;

  if (!g_atomic_int_get (&self->camera_off))
    return GST_PAD_PROBE_OK;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL || !gst_video_info_from_caps (&video_info, caps))
    return GST_PAD_PROBE_OK;

  buffer = gst_buffer_make_writable (gst_pad_probe_info_get_buffer (info));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_video_frame_map (&frame, &video_info, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;

  for (guint plane = 0; plane < GST_VIDEO_FRAME_N_PLANES (&frame); plane++) {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, plane);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, plane);
    int rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, plane);

    memset (data, plane == 0 ? 16 : 128, (gsize) stride * rows);   /* I420 black */
  }
  gst_video_frame_unmap (&frame);

  return GST_PAD_PROBE_OK;
}

/* Keeps the newest frame; at most one message waits on the bus per slot,
 * so a slow main loop drops frames instead of queueing them. */
GstFlowReturn
kith_call_media_keep_frame (KithCallMedia *self,
                            GstAppSink    *appsink,
                            FrameSlot     *slot,
                            const char    *message)
{
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  gboolean post_it;

  if (sample == NULL)
    return GST_FLOW_EOS;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&slot->sample, gst_sample_unref);
  slot->sample = sample;
  post_it = !slot->posted;
  slot->posted = TRUE;
  g_mutex_unlock (&self->lock);

  if (post_it)
    kith_call_media_post (GST_ELEMENT (appsink), gst_structure_new_empty (message));

  return GST_FLOW_OK;
}

static GstFlowReturn
on_self_sample (GstAppSink *appsink,
                gpointer    user_data)
{
  KithCallMedia *self = user_data;

  if (g_atomic_int_get (&self->camera_off)) {
    gst_sample_unref (gst_app_sink_pull_sample (appsink));
    return GST_FLOW_OK;
  }
  return kith_call_media_keep_frame (self, appsink, &self->self_frame, "kith-self-video-frame");
}

void
kith_call_media_watch_appsink (KithCallMedia *self,
                               GstElement    *bin,
                               const char    *name,
                               GstFlowReturn (*on_sample) (GstAppSink *, gpointer),
                               gpointer       user_data)
{
  g_autoptr (GstElement) appsink = gst_bin_get_by_name (GST_BIN (bin), name);
  GstAppSinkCallbacks callbacks = { .new_sample = on_sample };

  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, user_data, NULL);
}

static void
on_ice_candidate (GstElement *webrtc,
                  guint       mline,
                  const char *candidate,
                  gpointer    user_data)
{
  kith_call_media_post (webrtc, gst_structure_new ("kith-local-candidate",
                                   "mline", G_TYPE_UINT, mline,
                                   "candidate", G_TYPE_STRING, candidate,
                                   NULL));
}

static void
on_connection_state (GstElement *webrtc,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;

  g_object_get (webrtc, "connection-state", &state, NULL);
  kith_call_media_post (webrtc, gst_structure_new ("kith-connection-state", "state", G_TYPE_INT, (int) state, NULL));
}

/* ICE has found a path (DTLS comes next): once a start, with the time it
 * was seen here, for the set-up's stages. */
static void
on_ice_connection_state (GstElement *webrtc,
                         GParamSpec *pspec,
                         gpointer    user_data)
{
  KithCallMedia *self = user_data;
  GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if ((state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
       state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) &&
      g_atomic_int_compare_and_exchange (&self->ice_connected, FALSE, TRUE))
    kith_call_media_post (webrtc, gst_structure_new ("kith-ice-connected",
                                                     "at", G_TYPE_INT64, g_get_monotonic_time (), NULL));
}

/* Every promise given to webrtcbin is also kept here, on the element, until
 * the pipeline is gone: webrtcbin 1.22 drops the operations still queued
 * when it stops, and a promise whose last reference goes while it is still
 * pending is a GStreamer runtime check ("gst_promise_free: … PENDING",
 * fatal under G_DEBUG=fatal-warnings; seen when glare dropped our call just
 * after its offer was made). kith_call_media_release () interrupts the
 * ones never answered, then lets them go. */
#define PROMISES_KEY "kith-promises"
G_LOCK_DEFINE_STATIC (promises);

static GstPromise *
track_promise (GstElement *webrtc,
               GstPromise *promise)
{
  GPtrArray *promises;

  G_LOCK (promises);
  promises = g_object_get_data (G_OBJECT (webrtc), PROMISES_KEY);
  if (promises == NULL) {
    promises = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_promise_unref);
    g_object_set_data_full (G_OBJECT (webrtc), PROMISES_KEY, promises,
                            (GDestroyNotify) g_ptr_array_unref);
  }
  g_ptr_array_add (promises, gst_promise_ref (promise));
  G_UNLOCK (promises);
  return promise;
}

/* With webrtcbin stopped (its thread joined): nothing answers any more. */
static void
interrupt_promises (GstElement *webrtc)
{
  g_autoptr (GPtrArray) promises = NULL;

  G_LOCK (promises);
  promises = g_object_steal_data (G_OBJECT (webrtc), PROMISES_KEY);
  G_UNLOCK (promises);
  /* A promise answered already stays so; the others end interrupted (their
   * change functions, below, then do nothing), and can be freed. */
  for (guint i = 0; promises != NULL && i < promises->len; i++)
    gst_promise_interrupt (g_ptr_array_index (promises, i));
}

/* A change function's promise was answered (not interrupted at the end). */
static gboolean
promise_replied (GstPromise *promise)
{
  return gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED;
}

static void
post_promise_error (GstElement *webrtc,
                    GstPromise *promise,
                    const char *sentence)
{
  const GstStructure *reply = gst_promise_get_reply (promise);
  g_autoptr (GError) error = NULL;

  if (reply != NULL)
    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  g_debug ("webrtcbin: %s", error != NULL ? error->message : "no reply");
  kith_call_media_post_error (webrtc, sentence);
}

/* create-offer / create-answer replied (on webrtcbin's thread): set the
 * description, then hand it out. In that order: the peer's answer, which
 * may come back at once, is queued after our offer is set; and the
 * candidates, which setting it starts gathering, are webrtcbin tasks that
 * run after this one, so they reach the bus after the description. */
static void
on_description_created (GstPromise *promise,
                        gpointer    user_data)
{
  GstElement *webrtc = user_data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *description = NULL;
  const char *type = NULL;
  g_autofree char *sdp = NULL;

  if (!promise_replied (promise)) {
    gst_promise_unref (promise);
    return;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "offer"))
    type = "offer";
  else if (reply != NULL && gst_structure_has_field (reply, "answer"))
    type = "answer";

  if (type == NULL ||
      !gst_structure_get (reply, type, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, NULL)) {
    post_promise_error (webrtc, promise, _("The call’s sound or video could not be set up."));
    gst_promise_unref (promise);
    return;
  }

  sdp = gst_sdp_message_as_text (description->sdp);
  /* A promise of our own, dropped: with none, webrtcbin 1.22 leaks the
   * error it answers when it is already closed (a call stopped just after
   * its description was made; seen under ASan). */
  {
    GstPromise *set = track_promise (webrtc, gst_promise_new ());

    g_signal_emit_by_name (webrtc, "set-local-description", description, set);
    gst_promise_unref (set);
  }
  kith_call_media_post (webrtc, gst_structure_new ("kith-local-description",
                                   "type", G_TYPE_STRING, type,
                                   "sdp", G_TYPE_STRING, sdp,
                                   NULL));
  gst_webrtc_session_description_free (description);
  gst_promise_unref (promise);
}

static void
on_remote_offer_set (GstPromise *promise,
                     gpointer    user_data)
{
  GstElement *webrtc = user_data;
  const GstStructure *reply;

  if (!promise_replied (promise)) {
    /* interrupted: the call is over */
    gst_promise_unref (promise);
    return;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error")) {
    post_promise_error (webrtc, promise, _("The other side sent a call description Kith cannot use."));
  } else {
    GstPromise *answer = track_promise (webrtc,
                                        gst_promise_new_with_change_func (on_description_created,
                                                                          gst_object_ref (webrtc),
                                                                          gst_object_unref));

    g_signal_emit_by_name (webrtc, "create-answer", NULL, answer);
  }
  gst_promise_unref (promise);
}

static void
on_remote_answer_set (GstPromise *promise,
                      gpointer    user_data)
{
  GstElement *webrtc = user_data;
  const GstStructure *reply = promise_replied (promise) ? gst_promise_get_reply (promise) : NULL;

  if (reply != NULL && gst_structure_has_field (reply, "error"))
    post_promise_error (webrtc, promise, _("The other side sent a call description Kith cannot use."));
  gst_promise_unref (promise);
}

/* Each promise holds webrtcbin, so that a reply after stop finds it. */
void
kith_call_media_webrtc_offer (GstElement *webrtc)
{
  GstPromise *promise = gst_promise_new_with_change_func (on_description_created,
                                                          gst_object_ref (webrtc), gst_object_unref);

  g_signal_emit_by_name (webrtc, "create-offer", NULL, track_promise (webrtc, promise));
}

void
kith_call_media_webrtc_set_remote (GstElement                  *webrtc,
                                   GstWebRTCSessionDescription *description)
{
  GstPromise *promise;

  promise = gst_promise_new_with_change_func (description->type == GST_WEBRTC_SDP_TYPE_OFFER
                                                ? on_remote_offer_set : on_remote_answer_set,
                                              gst_object_ref (webrtc), gst_object_unref);
  g_signal_emit_by_name (webrtc, "set-remote-description", description, track_promise (webrtc, promise));
}

/* ---- the RTP session's clock rates ----
 *
 * With BUNDLE, webrtcbin's rtpfunnel hands rtpbin one generic caps for all
 * streams, so the session learns no clock rate of our sources from their
 * caps. Its RTCP thread then asks for it on a source's first sender report
 * — from inside g_hash_table_foreach over the session's sources, with the
 * session unlocked (rtpsession.c before GStreamer 1.22.10; Debian 12 has
 * 1.22.0). A new SSRC of the peer arriving in that moment changes the table
 * under the iteration: a GLib-CRITICAL (kith-cli call died of it in a test
 * run). So each source's first packet is preceded by caps that name its
 * SSRC, payload type and clock rate, which the session keeps for it (then
 * the funnel's caps again, for what follows). */

typedef struct {
  guint32 ssrcs[8];        /* the sources told so far */
  guint   n_ssrcs;
} ToldSources;

static GstPadProbeReturn
on_rtp_to_session (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         user_data)
{
  ToldSources *told = user_data;   /* only here, under the pad's stream lock */
  GstBuffer *buffer;
  guint8 header[12];
  guint32 ssrc;
  guint pt;
  int clock_rate;
  g_autoptr (GstCaps) current = NULL;
  GstCaps *caps;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_pad_probe_info_get_buffer_list (info);

    buffer = gst_buffer_list_length (list) > 0 ? gst_buffer_list_get (list, 0) : NULL;
  } else {
    buffer = gst_pad_probe_info_get_buffer (info);
  }
  if (buffer == NULL || gst_buffer_extract (buffer, 0, header, sizeof header) != sizeof header ||
      header[0] >> 6 != 2)
    return GST_PAD_PROBE_OK;

  ssrc = GST_READ_UINT32_BE (header + 8);
  for (guint i = 0; i < told->n_ssrcs; i++) {
    if (told->ssrcs[i] == ssrc)
      return GST_PAD_PROBE_OK;
  }
  pt = header[1] & 0x7f;
  clock_rate = pt == AUDIO_PAYLOAD ? 48000 : pt == VIDEO_PAYLOAD ? 90000 : 0;
  current = gst_pad_get_current_caps (pad);
  if (clock_rate == 0 || current == NULL || told->n_ssrcs == G_N_ELEMENTS (told->ssrcs))
    return GST_PAD_PROBE_OK;
  told->ssrcs[told->n_ssrcs++] = ssrc;

  caps = gst_caps_copy (current);
  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, "payload", G_TYPE_INT, (int) pt,
                       "clock-rate", G_TYPE_INT, clock_rate, NULL);
  gst_pad_send_event (pad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_pad_send_event (pad, gst_event_new_caps (current));
  return GST_PAD_PROBE_OK;
}

/* rtpbin's pad for what we send (added when the session is negotiated). */
static void
on_rtpbin_pad_added (GstElement *rtpbin,
                     GstPad     *pad,
                     gpointer    user_data)
{
  g_autofree char *name = gst_pad_get_name (pad);

  if (g_str_has_prefix (name, "send_rtp_sink_"))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       on_rtp_to_session, g_new0 (ToldSources, 1), g_free);
}

/* ---- building ---- */

static void
apply_ice_servers (KithCallMedia *self)
{
  gboolean have_stun = FALSE;

  for (guint i = 0; self->ice_servers != NULL && self->ice_servers[i] != NULL; i++) {
    const char *server = self->ice_servers[i];
    gboolean added = FALSE;

    if (g_str_has_prefix (server, "stun://") && !have_stun) {
      g_object_set (self->webrtc, "stun-server", server, NULL);
      have_stun = TRUE;
    } else if (g_str_has_prefix (server, "turn://") || g_str_has_prefix (server, "turns://")) {
      g_signal_emit_by_name (self->webrtc, "add-turn-server", server, &added);
      if (!added)
        g_debug ("TURN server not taken (its address is not logged: it holds a password)");
    } else {
      g_debug ("ICE server ignored: not stun:// or turn://, or a second STUN server");
    }
  }
}

static gboolean
link_to_webrtc (KithCallMedia  *self,
                GstElement     *bin,
                GError        **error)
{
  g_autoptr (GstPad) src = gst_element_get_static_pad (bin, "src");
  g_autoptr (GstPad) sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");

  if (sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK) {
    kith_call_media_set_link_error (error, GST_OBJECT (bin), GST_OBJECT (self->webrtc));
    return FALSE;
  }
  return TRUE;
}

static gboolean
build_audio (KithCallMedia  *self,
             gboolean        echo_cancel,
             GError        **error)
{
  g_autofree char *send = NULL;
  GstElement *bin;

  if (self->echo) {
    send = g_strdup_printf (ECHO_SRC_DESC " ! audioconvert ! audioresample ! "
                            "capsfilter caps=\"" AUDIO_RAW_CAPS "\" ! " OPUS_SEND_DESC,
                            100,   /* 2 s of 20 ms buffers */
                            (self->echo_delay_ms + 1000) * GST_MSECOND,
                            (guint64) self->echo_delay_ms * GST_MSECOND, "false");
  } else {
    send = g_strdup_printf ("audioconvert ! audioresample ! capsfilter caps=\"" AUDIO_RAW_CAPS "\" ! "
                            "%s%s%s" OPUS_SEND_DESC,
                            echo_cancel ? "webrtcdsp probe=" : "",
                            echo_cancel ? self->probe_name : "",
                            echo_cancel ? " ! " : "",
                            self->start_muted ? "true" : "false");
  }

  bin = kith_call_media_parse_bin (send, error);
  if (bin == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), bin);
  self->volume = gst_bin_get_by_name (GST_BIN (bin), "mute");
  if (!link_to_webrtc (self, bin, error))
    return FALSE;

  if (self->echo) {
    self->audio_echo = gst_bin_get_by_name (GST_BIN (bin), "echo");
    return TRUE;
  }

  self->audio_src = make_source ("KITH_AUDIOSRC", self->env_audio_src, "autoaudiosrc",
                                 _("No microphone found"), error);
  if (self->audio_src == NULL || !kith_call_media_add_and_link (self->pipeline, self->audio_src, bin, error))
    return FALSE;

  /* The playback exists from the start: webrtcdsp needs its probe when it
   * starts, long before the remote audio arrives. */
  {
    g_autofree char *play = NULL;
    g_autoptr (GstElement) sink = NULL;

    play = g_strdup_printf ("audioconvert ! audioresample%s%s ! audioconvert ! audioresample",
                            echo_cancel ? " ! capsfilter caps=\"" AUDIO_RAW_CAPS "\" ! webrtcechoprobe name=" : "",
                            echo_cancel ? self->probe_name : "");
    bin = kith_call_media_parse_bin (play, error);
    if (bin == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (self->pipeline), bin);
    self->audio_play = gst_object_ref (bin);
    if (echo_cancel) {
      g_autoptr (GstElement) probe = gst_bin_get_by_name (GST_BIN (bin), self->probe_name);

      kith_call_media_mend_echo_probe (probe);
    }

    sink = make_speakers (self->env_audio_sink, error);
    if (sink == NULL)
      return FALSE;
    if (!kith_call_media_add_and_link (self->pipeline, bin, sink, error))
      return FALSE;
  }

  return TRUE;
}

static gboolean
build_video (KithCallMedia  *self,
             GError        **error)
{
  g_autofree char *send = NULL;
  g_autoptr (GstElement) raw = NULL;
  g_autoptr (GstPad) raw_src = NULL;
  GstElement *bin;

  if (self->echo) {
    /* Decoded RTP video has no fixed frame rate (0/1): no videorate here. */
    send = g_strdup_printf (ECHO_SRC_DESC " ! videoconvert ! videoscale ! "
                            "capsfilter caps=\"" VIDEO_ECHO_CAPS "\" ! " VP8_SEND_DESC,
                            30,    /* 1 s at 30 fps */
                            (self->echo_delay_ms + 1000) * GST_MSECOND,
                            (guint64) self->echo_delay_ms * GST_MSECOND);
  } else {
    send = g_strdup (VIDEO_SCALE_DESC " ! tee name=t t. ! " VP8_SEND_DESC " t. ! " RGBA_SINK_DESC ("self"));
  }

  bin = kith_call_media_parse_bin (send, error);
  if (bin == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), bin);
  if (!link_to_webrtc (self, bin, error))
    return FALSE;

  if (self->echo) {
    self->video_echo = gst_bin_get_by_name (GST_BIN (bin), "echo");
    return TRUE;
  }

  raw = gst_bin_get_by_name (GST_BIN (bin), "raw");
  raw_src = gst_element_get_static_pad (raw, "src");
  gst_pad_add_probe (raw_src, GST_PAD_PROBE_TYPE_BUFFER, on_camera_frame, self, NULL);
  kith_call_media_watch_appsink (self, bin, "self", on_self_sample, self);

  self->video_src = make_source ("KITH_VIDEOSRC", self->env_video_src, "autovideosrc",
                                 _("No camera found"), error);
  return self->video_src != NULL && kith_call_media_add_and_link (self->pipeline, self->video_src, bin, error);
}

gboolean
kith_call_media_check_parts (GError **error)
{
  g_autoptr (GstElementFactory) webrtcbin = NULL;

  if (!gst_is_initialized ()) {
    set_missing_error (error, "GStreamer");
    return FALSE;
  }
  webrtcbin = gst_element_factory_find ("webrtcbin");
  if (webrtcbin == NULL) {
    set_missing_error (error, "webrtcbin");
    return FALSE;
  }
  return TRUE;
}

static gboolean
build (KithCallMedia  *self,
       GError        **error)
{
  static guint probe_serial;
  gboolean echo_cancel = !self->echo && self->echo_cancel;

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("kith-call"));
  self->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (self->webrtc == NULL) {
    set_missing_error (error, "webrtcbin");
    return FALSE;
  }
  gst_object_ref (self->webrtc);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  gst_util_set_object_arg (G_OBJECT (self->webrtc), "bundle-policy", "max-bundle");
  g_object_set (self->webrtc, "latency", (guint) JITTER_BUFFER_MS, NULL);
  apply_ice_servers (self);
  kith_call_media_mend_srtp_decoders (self->webrtc);

  {
    g_autoptr (GObject) ice = NULL;
    g_autoptr (GObject) agent = NULL;
    gboolean added = FALSE;

    /* No UPnP port mapping on the user's router (STUN and TURN are for
     * that); it also warns through g_warning when its port is taken. */
    g_object_get (self->webrtc, "ice-agent", &ice, NULL);
    g_object_get (ice, "agent", &agent, NULL);
    g_object_set (agent, "upnp", FALSE, NULL);
    /* libnice leaves loopback out; with an address given it uses only those. */
    if (self->loopback)
      g_signal_emit_by_name (ice, "add-local-ip-address", "127.0.0.1", &added);
  }

  {
    g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");

    if (rtpbin != NULL)
      g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad_added), NULL);
  }

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (kith_call_media_on_pad_added), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), self);
  self->ice_connected = FALSE;
  g_signal_connect (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_connection_state), self);

  g_free (self->probe_name);
  self->probe_name = g_strdup_printf ("kith-echo-probe-%u", g_atomic_int_add (&probe_serial, 1));

  return build_audio (self, echo_cancel, error) && (!self->video || build_video (self, error));
}


/* The first error on @bus, if any; the other messages stay, in order, for
 * the watch (a frame's message taken away would leave its slot waiting). */
static GstMessage *
pop_error (GstBus *bus)
{
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  GstMessage *error = NULL;
  GstMessage *message;

  while ((message = gst_bus_pop (bus)) != NULL) {
    if (error == NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      error = message;
    else
      g_ptr_array_add (others, message);
  }
  for (guint i = 0; i < others->len; i++)
    gst_bus_post (bus, g_ptr_array_index (others, i));
  return error;
}

/* The slow part of a start, on the worker thread: parsing the sources and
 * sinks, making the elements, the auto sources' device probing and every
 * state change up to PLAYING. Messages posted meanwhile wait on the bus
 * for the watch the main context attaches afterwards. */
gboolean
kith_call_media_build_and_play (KithCallMedia  *self,
                                GError        **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  GstStateChangeReturn ret;

  if (!build (self, error)) {
    kith_call_media_release (self);
    return FALSE;
  }

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  message = pop_error (bus);
  if (ret == GST_STATE_CHANGE_FAILURE || message != NULL) {
    const char *sentence = message != NULL ? kith_call_media_source_error (self, GST_MESSAGE_SRC (message)) : NULL;

    if (message != NULL) {
      g_autoptr (GError) gst_error = NULL;

      gst_message_parse_error (message, &gst_error, NULL);
      g_debug ("start: %s: %s", GST_MESSAGE_SRC_NAME (message), gst_error->message);
    }
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_MEDIA,
                         sentence != NULL ? sentence : _("The call’s sound or video could not be set up."));
    kith_call_media_release (self);
    return FALSE;
  }

  return TRUE;
}

void
kith_call_media_release (KithCallMedia *self)
{
  if (self->pipeline == NULL)
    return;

  /* Joins every streaming thread: nothing touches self after this. */
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  if (self->webrtc != NULL) {
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
    interrupt_promises (self->webrtc);
  }
  g_clear_object (&self->volume);
  g_clear_object (&self->audio_src);
  g_clear_object (&self->video_src);
  g_clear_object (&self->audio_play);
  g_clear_object (&self->audio_echo);
  g_clear_object (&self->video_echo);
  g_clear_object (&self->webrtc);
  g_clear_object (&self->pipeline);
}

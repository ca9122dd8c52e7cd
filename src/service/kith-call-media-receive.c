/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMedia"

#include "config.h"

#include <gst/app/app.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include "kith-call-media-private.h"

/*
 * KithCallMedia's receive side: what happens when webrtcbin adds a src pad
 * for a remote stream (kith_call_media_on_pad_added, on a streaming
 * thread). The stream is depayloaded and decoded, counted by a probe after
 * the decoder, and sent on: remote audio to the playback bin that
 * kith-call-media-pipeline.c made at the start, remote video to the
 * object's appsink (and KITH_VIDEOSINK), and in echo mode both to an
 * appsink that hands them back to the send side's appsrc. The Opus
 * decoder's latency is set here from the packets' TOC byte.
 */

/* Opus's longest packet, and what opusdec says it may hold with FEC on. */
#define OPUS_MAX_PACKET      (120 * GST_MSECOND)
/* A decoded audio buffer with a sample above this (-40 dBFS) is audible. */
#define AUDIBLE_PEAK         328

/* Echo mode: decoded remote media leave by an appsink (and come back in
 * by the send side's appsrc). The sinks of the remote streams join a
 * pipeline that plays: async=false, or each would make it lose its state
 * (back to PAUSED until that sink prerolled); under load the echo side's
 * audio sink stayed prerolled and paused, and nothing came back
 * (/call-media/streams-join-playing). */
#define ECHO_SINK_DESC "appsink name=echo sync=false async=false"

/* The remote streams, from webrtcbin's src pad to a ghost src pad. */
#define AUDIO_RECV_DESC "rtpopusdepay name=depay ! opusdec name=dec use-inband-fec=true"
#define VIDEO_RECV_DESC \
  "rtpvp8depay wait-for-keyframe=true request-keyframe=true ! vp8dec name=dec ! " \
  "tee name=t t. ! " RGBA_SINK_DESC ("frames")

static GstPadProbeReturn
on_audio_decoded (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  KithCallMedia *self = user_data;
  GstBuffer *buffer = gst_pad_probe_info_get_buffer (info);
  GstMapInfo map;
  gboolean audible = FALSE;
  gboolean first;

  if (buffer != NULL && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    const gint16 *samples = (const gint16 *) (gpointer) map.data;   /* opusdec: S16LE */

    for (gsize i = 0; i < map.size / 2 && !audible; i++)
      audible = ABS ((int) samples[i]) > AUDIBLE_PEAK;
    gst_buffer_unmap (buffer, &map);
  }

  g_mutex_lock (&self->lock);
  self->audio_buffers++;
  if (audible)
    self->audible_buffers++;
  first = !self->first_audio;
  self->first_audio = TRUE;
  g_mutex_unlock (&self->lock);

  if (first) {
    g_autoptr (GstElement) decoder = gst_pad_get_parent_element (pad);

    kith_call_media_post (decoder, gst_structure_new_empty ("kith-first-audio"));
  }

  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_video_decoded (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  KithCallMedia *self = user_data;

  g_mutex_lock (&self->lock);
  self->video_frames++;
  g_mutex_unlock (&self->lock);

  return GST_PAD_PROBE_OK;
}

static GstFlowReturn
on_remote_sample (GstAppSink *appsink,
                  gpointer    user_data)
{
  KithCallMedia *self = user_data;

  return kith_call_media_keep_frame (self, appsink, &self->remote_frame, "kith-video-frame");
}

/* Echo mode: what was decoded goes back out through the send side's appsrc,
 * stamped anew there (an appsink/appsrc pair: a direct link would make a
 * loop of the pipeline's graph through webrtcbin). */
static GstFlowReturn
on_echo_sample (GstAppSink *appsink,
                gpointer    user_data)
{
  GstAppSrc *appsrc = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (appsink);
  g_autoptr (GstCaps) current = NULL;
  GstBuffer *buffer;

  if (sample == NULL)
    return GST_FLOW_EOS;

  current = gst_app_src_get_caps (appsrc);
  if (current == NULL || !gst_caps_is_equal (current, gst_sample_get_caps (sample)))
    gst_app_src_set_caps (appsrc, gst_sample_get_caps (sample));

  buffer = gst_buffer_copy (gst_sample_get_buffer (sample));
  GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer (appsrc, buffer);

  return GST_FLOW_OK;
}

static void
add_probe (GstElement         *bin,
           const char         *name,
           const char         *pad_name,
           GstPadProbeCallback callback,
           gpointer            user_data)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (bin), name);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, user_data, NULL);
}

/* The audio in an Opus packet, from its TOC byte (RFC 6716, 3.1); 0 when
 * there is none. */
static GstClockTime
opus_packet_duration (GstBuffer *buffer)
{
  /* A frame's length by the TOC's configuration, in tenths of a ms: SILK
   * 10/20/40/60, hybrid 10/20, CELT 2.5/5/10/20. */
  static const guint16 tenths[32] = {
    100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
    100, 200, 100, 200,
    25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
  };
  guint8 head[2] = { 0, 0 };
  gsize size = gst_buffer_extract (buffer, 0, head, sizeof head);
  guint frames;

  if (size == 0)
    return 0;
  switch (head[0] & 3) {
  case 0:
    frames = 1;
    break;
  case 1:
  case 2:
    frames = 2;
    break;
  default:
    frames = size > 1 ? head[1] & 63 : 0;
  }
  return MIN (frames * tenths[head[0] >> 3] * (GST_MSECOND / 10), OPUS_MAX_PACKET);
}

/* opusdec with in-band FEC holds one packet back, and says 120 ms, the
 * longest a packet may be, which the sink would wait on top of the
 * jitter buffer. Said instead: the packets' own length, OPUS_FRAME_MS
 * from a Kith peer, raised when longer ones come (the bus watch then
 * spreads the new latency). */
static GstPadProbeReturn
on_opus_packet (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  GstAudioDecoder *decoder = user_data;
  GstClockTime duration = opus_packet_duration (gst_pad_probe_info_get_buffer (info));
  GstClockTime held = 0;

  gst_audio_decoder_get_latency (decoder, &held, NULL);
  if (duration > held) {
    g_debug ("Opus packets of %" G_GUINT64_FORMAT " ms: the decoder holds that long",
             duration / GST_MSECOND);
    gst_audio_decoder_set_latency (decoder, duration, OPUS_MAX_PACKET);
  }
  return GST_PAD_PROBE_OK;
}

/* The decoder has started (which set its 120 ms): one packet's latency,
 * and the packets watched for longer ones. */
static void
set_decoder_latency (GstElement *bin)
{
  g_autoptr (GstElement) decoder = gst_bin_get_by_name (GST_BIN (bin), "dec");
  g_autoptr (GstElement) depay = gst_bin_get_by_name (GST_BIN (bin), "depay");
  g_autoptr (GstPad) packets = gst_element_get_static_pad (depay, "src");

  gst_audio_decoder_set_latency (GST_AUDIO_DECODER (decoder), OPUS_FRAME_MS * GST_MSECOND, OPUS_MAX_PACKET);
  gst_pad_add_probe (packets, GST_PAD_PROBE_TYPE_BUFFER, on_opus_packet,
                     g_steal_pointer (&decoder), gst_object_unref);
}

/* The sinks in @bin (KITH_VIDEOSINK's, a user's description) as ours:
 * no preroll when they join the playing pipeline (ECHO_SINK_DESC). */
static void
joins_playing (GstElement *bin)
{
  g_autoptr (GstIterator) sinks = NULL;
  GValue item = G_VALUE_INIT;

  if (!GST_IS_BIN (bin)) {
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (bin), "async") != NULL)
      g_object_set (bin, "async", FALSE, NULL);
    return;
  }
  sinks = gst_bin_iterate_sinks (GST_BIN (bin));
  while (gst_iterator_next (sinks, &item) == GST_ITERATOR_OK) {
    joins_playing (g_value_get_object (&item));
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

/* A remote stream arrived: decode it, count it, and send it on to the
 * playback (or, in echo mode, back to the peer). */
void
kith_call_media_on_pad_added (GstElement *webrtc,
                              GstPad     *pad,
                              gpointer    user_data)
{
  KithCallMedia *self = user_data;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr (GstElement) video_sink = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  GstElement *target = NULL;
  GstElement *bin;
  const char *media;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (gst_caps_is_empty (caps))
    return;
  media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");

  if (g_strcmp0 (media, "audio") == 0) {
    description = g_strdup (self->echo ? AUDIO_RECV_DESC " ! " ECHO_SINK_DESC : AUDIO_RECV_DESC);
    target = self->audio_play;
  } else if (g_strcmp0 (media, "video") == 0) {
    const char *sink = self->env_video_sink;

    if (self->echo) {
      description = g_strdup (VIDEO_RECV_DESC " t. ! queue ! " ECHO_SINK_DESC);
    } else if (sink != NULL) {
      description = g_strdup (VIDEO_RECV_DESC " t. ! queue leaky=downstream max-size-buffers=2 ! videoconvert");
      video_sink = gst_parse_bin_from_description_full (sink, TRUE, NULL,
                                                        GST_PARSE_FLAG_FATAL_ERRORS, &error);
      if (video_sink == NULL)
        goto failed;
      gst_object_ref_sink (video_sink);
      joins_playing (video_sink);
      target = video_sink;
    } else {
      description = g_strdup (VIDEO_RECV_DESC);
    }
  } else {
    g_debug ("a remote stream of media “%s”: ignored", media);
    return;
  }

  bin = kith_call_media_parse_bin (description, &error);
  if (bin == NULL)
    goto failed;
  gst_bin_add (GST_BIN (self->pipeline), bin);

  if (g_strcmp0 (media, "audio") == 0) {
    add_probe (bin, "dec", "src", on_audio_decoded, self);
  } else {
    add_probe (bin, "dec", "src", on_video_decoded, self);
    kith_call_media_watch_appsink (self, bin, "frames", on_remote_sample, self);
  }
  if (self->echo) {
    kith_call_media_watch_appsink (self, bin, "echo", on_echo_sample,
                                   g_strcmp0 (media, "audio") == 0 ? self->audio_echo : self->video_echo);
  }
  if (target != NULL && !kith_call_media_add_and_link (self->pipeline, bin, target, &error))
    goto failed;
  if (video_sink != NULL)
    gst_element_sync_state_with_parent (video_sink);
  gst_element_sync_state_with_parent (bin);
  if (g_strcmp0 (media, "audio") == 0)
    set_decoder_latency (bin);

  sink_pad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK) {
    kith_call_media_set_link_error (&error, GST_OBJECT (pad), GST_OBJECT (bin));
    goto failed;
  }
  g_debug ("remote %s linked", media);
  return;

failed:
  kith_call_media_post_error (webrtc, error->message);
}

/* ---- a kept frame, handed out on the main context ---- */

typedef struct {
  GstBuffer  *buffer;
  GstMapInfo  map;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *frame = data;

  gst_buffer_unmap (frame->buffer, &frame->map);
  gst_buffer_unref (frame->buffer);
  g_free (frame);
}

/* The GBytes keeps the buffer mapped until the last texture lets go of it:
 * no copy of the pixels. */
void
kith_call_media_emit_kept_frame (KithCallMedia       *self,
                                 FrameSlot           *slot,
                                 KithCallMediaSignal  signal)
{
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (GBytes) pixels = NULL;
  MappedFrame *frame;
  GstVideoInfo info;
  gsize offset, size;

  g_mutex_lock (&self->lock);
  sample = g_steal_pointer (&slot->sample);
  slot->posted = FALSE;
  g_mutex_unlock (&self->lock);

  if (sample == NULL || !gst_video_info_from_caps (&info, gst_sample_get_caps (sample)))
    return;

  frame = g_new0 (MappedFrame, 1);
  frame->buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  if (!gst_buffer_map (frame->buffer, &frame->map, GST_MAP_READ)) {
    gst_buffer_unref (frame->buffer);
    g_free (frame);
    return;
  }
  offset = GST_VIDEO_INFO_PLANE_OFFSET (&info, 0);
  size = (gsize) GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) * GST_VIDEO_INFO_HEIGHT (&info);
  if (offset + size > frame->map.size) {
    mapped_frame_free (frame);
    return;
  }
  pixels = g_bytes_new_with_free_func (frame->map.data + offset, size, mapped_frame_free, frame);

  kith_call_media_emit (self, signal, pixels,
                        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
                        GST_VIDEO_INFO_PLANE_STRIDE (&info, 0));
}

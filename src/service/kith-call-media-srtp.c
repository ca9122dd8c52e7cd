/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMedia"

/* The SRTP decoder inside webrtcbin (srtpdec, gst-plugins-bad 1.22,
 * Debian 12) takes the RTCP out of the bundled stream that comes in on
 * its rtp_sink pad and sends it on through its rtcp_src pad. Before the
 * first packet it gives that pad a segment, copied from its RTP side, and
 * notes that it did; it never looks again. A pad that has lost its
 * segment since (a flush-stop clears it; a segment pushed while the pad
 * was flushing is not kept) then sends every RTCP packet without one:
 * GStreamer warns of data flow before a segment event, and the tests,
 * where warnings are fatal, die of it (CI's ASan run of
 * test-calls-interrupted once did; /call-media/rtcp-segment-lost makes it
 * happen). The decoder is not ours to change, so before each packet goes
 * in, a pad that has had its stream's start but has no segment gets the
 * RTP side's back (a look at one sticky event per packet otherwise). */

#include "config.h"

#include <gst/gst.h>

#include "kith-call-media-private.h"

/* The decoder's rtp_sink, a packet coming in (its streaming thread);
 * @user_data its rtcp_src. */
static GstPadProbeReturn
on_packet_in (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  GstPad *rtcp_src = user_data;
  g_autoptr (GstEvent) segment = gst_pad_get_sticky_event (rtcp_src, GST_EVENT_SEGMENT, 0);
  g_autoptr (GstEvent) started = NULL;
  g_autoptr (GstPad) rtp_src = NULL;

  if (segment != NULL)
    return GST_PAD_PROBE_OK;
  /* Nothing sent on it yet: the decoder's first RTCP packet sends it all,
   * in order (a segment stored before the stream's start would be out of
   * order). */
  started = gst_pad_get_sticky_event (rtcp_src, GST_EVENT_STREAM_START, 0);
  if (started == NULL)
    return GST_PAD_PROBE_OK;
  rtp_src = gst_element_get_static_pad (GST_PAD_PARENT (pad), "rtp_src");
  segment = rtp_src != NULL ? gst_pad_get_sticky_event (rtp_src, GST_EVENT_SEGMENT, 0) : NULL;
  /* Stored, it goes out before the next data (a flushing pad keeps
   * nothing: the next packet tries again). */
  if (segment != NULL && gst_pad_store_sticky_event (rtcp_src, segment) == GST_FLOW_OK)
    g_debug ("%s: the RTCP segment given back", GST_OBJECT_NAME (GST_PAD_PARENT (pad)));
  return GST_PAD_PROBE_OK;
}

static void
on_element_added (GstBin     *bin,
                  GstBin     *sub_bin,
                  GstElement *element,
                  gpointer    user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  g_autoptr (GstPad) rtp_sink = NULL;
  GstPad *rtcp_src;

  if (factory == NULL || !g_str_equal (GST_OBJECT_NAME (factory), "srtpdec"))
    return;
  rtp_sink = gst_element_get_static_pad (element, "rtp_sink");
  rtcp_src = gst_element_get_static_pad (element, "rtcp_src");
  if (rtp_sink != NULL && rtcp_src != NULL)
    gst_pad_add_probe (rtp_sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       on_packet_in, g_steal_pointer (&rtcp_src), gst_object_unref);
  g_clear_object (&rtcp_src);
}

void
kith_call_media_mend_srtp_decoders (GstElement *webrtc)
{
  g_signal_connect (webrtc, "deep-element-added", G_CALLBACK (on_element_added), NULL);
}

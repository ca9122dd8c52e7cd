/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCall"

/* The echo canceller's probe (webrtcechoprobe, beside the speakers) leaks a
 * latency query each time the pipeline's latency is set: its LATENCY
 * event handler asks upstream with gst_query_new_latency () and never
 * lets the query go (gst-plugins-bad 1.22, Debian 12). One or two per
 * call, each pinning a page of the heap where it was made: found in the
 * bot after ten calls (docs/performance-calls.md, "The echo probe's
 * latency queries"). The probe is not ours to change, so its pads are
 * watched: the query it makes while handling the event, taken when its
 * answer comes back, is let go once the event goes on upstream, by
 * which time the handler is done with it. */

#include "config.h"

#include <gst/gst.h>

#include "kith-call-media-private.h"

typedef struct {
  GMutex    lock;
  GstEvent *event;    /* the LATENCY event being handled (not a reference) */
  GThread  *thread;   /* the thread handling it */
  GstQuery *query;    /* the handler's query, a reference of ours */
} EchoProbeMend;

static void
echo_probe_mend_free (gpointer data)
{
  EchoProbeMend *mend = data;

  g_clear_pointer (&mend->query, gst_query_unref);
  g_mutex_clear (&mend->lock);
  g_free (mend);
}

/* The probe's source pad: a LATENCY event comes in from downstream. */
static GstPadProbeReturn
on_latency_event_in (GstPad          *pad,
                     GstPadProbeInfo *info,
                     gpointer         user_data)
{
  EchoProbeMend *mend = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) != GST_EVENT_LATENCY)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&mend->lock);
  g_clear_pointer (&mend->query, gst_query_unref);
  mend->event = event;
  mend->thread = g_thread_self ();
  g_mutex_unlock (&mend->lock);
  return GST_PAD_PROBE_OK;
}

/* The probe's source pad, a latency query answered: the handler's own,
 * when it is the first on this thread while the event is handled. */
static GstPadProbeReturn
on_latency_query_answered (GstPad          *pad,
                           GstPadProbeInfo *info,
                           gpointer         user_data)
{
  EchoProbeMend *mend = user_data;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&mend->lock);
  if (mend->event != NULL && mend->thread == g_thread_self () && mend->query == NULL)
    mend->query = gst_query_ref (query);
  g_mutex_unlock (&mend->lock);
  return GST_PAD_PROBE_OK;
}

/* The probe's sink pad: the event goes on upstream, the handler has read
 * its query. Ours and, when it is the only other one left, the
 * handler's reference go (a probe that lets its query go itself leaves
 * ours alone). */
static GstPadProbeReturn
on_latency_event_out (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         user_data)
{
  EchoProbeMend *mend = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstQuery *query = NULL;

  if (GST_EVENT_TYPE (event) != GST_EVENT_LATENCY)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&mend->lock);
  if (mend->event == event && mend->thread == g_thread_self ()) {
    query = g_steal_pointer (&mend->query);
    mend->event = NULL;
    mend->thread = NULL;
  }
  g_mutex_unlock (&mend->lock);
  if (query == NULL)
    return GST_PAD_PROBE_OK;
  if (GST_MINI_OBJECT_REFCOUNT_VALUE (query) == 2) {
    g_debug ("the echo probe's latency query let go");
    gst_query_unref (query);
  }
  gst_query_unref (query);
  return GST_PAD_PROBE_OK;
}

void
kith_call_media_mend_echo_probe (GstElement *probe)
{
  g_autoptr (GstPad) src = gst_element_get_static_pad (probe, "src");
  g_autoptr (GstPad) sink = gst_element_get_static_pad (probe, "sink");
  EchoProbeMend *mend = g_new0 (EchoProbeMend, 1);

  g_mutex_init (&mend->lock);
  g_object_set_data_full (G_OBJECT (probe), "kith-echo-probe-mend", mend, echo_probe_mend_free);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_latency_event_in, mend, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM | GST_PAD_PROBE_TYPE_PULL,
                     on_latency_query_answered, mend, NULL);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_latency_event_out, mend, NULL);
}

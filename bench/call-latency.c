/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * build-aux/bench call, its latency (kith-bench-call.c): ticks of the
 * caller's audio test source found again at the callee's sink, both media
 * in this process (the pair) on one clock, and where the time goes.
 */
#define G_LOG_DOMAIN "KithBenchCall"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gst/audio/audio.h>
#include <gst/base/base.h>

#include "kith-call-media-pair.h"
#include "kith-call-media-private.h"

#include "kith-bench-call.h"

/* A tick starts with a sample of QUIET_LEVEL or more after at least
 * QUIET_MS below it (the ticks peak near 27,000, the noise of the path
 * between them stays under 200). */
#define QUIET_LEVEL        300
#define QUIET_MS           200

/* ---- latency: ticks through the pair ---- */

/* Where an audio packet was when (clock times), by its RTP timestamp. */
typedef enum {
  PACKET_MADE,         /* its PTS at the caller's payloader: its first sample's time */
  PACKET_SENT,         /* given to the caller's nicesink */
  PACKET_RECEIVED,     /* out of the callee's nicesrc */
  PACKET_STAMPED,      /* its PTS out of the callee's jitter buffer: when it is due */
  N_PACKET_STAGES
} PacketStage;

typedef struct {
  GMutex      lock;
  GArray     *sent;        /* GstClockTime of each tick's first sample at the caller's source */
  GArray     *arrived;     /* … at the callee's sink, as it arrives */
  GArray     *played;      /* … at the callee's sink, as it is played (synced) */
  gint64      quiet_out, quiet_arrived, quiet_played;   /* samples below QUIET_LEVEL so far */
  guint       audio_pt;    /* the Opus packets' payload type */
  GHashTable *packets[N_PACKET_STAGES];   /* RTP timestamp → GstClockTime */
} Ticks;

/* A pad probe's watch on a packet stage. */
typedef struct {
  Ticks       *ticks;
  PacketStage  stage;
  GstElement  *pipeline;   /* for its base time and clock */
} PacketWatch;

/* The offset in samples of a tick starting in @buffer, or -1. */
static int
find_tick (GstBuffer *buffer,
           gint64    *quiet)
{
  GstMapInfo map;
  int found = -1;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return -1;
  for (gsize i = 0; i < map.size / 2; i++) {
    int sample = ABS (((const gint16 *) map.data)[i]);

    if (sample >= QUIET_LEVEL && *quiet >= QUIET_MS * 48 && found < 0)
      found = (int) i;
    if (sample < QUIET_LEVEL)
      (*quiet)++;
    else
      *quiet = 0;
  }
  gst_buffer_unmap (buffer, &map);
  return found;
}

static void
on_tick_out (GstElement *identity,
             GstBuffer  *buffer,
             Ticks      *ticks)
{
  int offset;

  g_mutex_lock (&ticks->lock);
  offset = find_tick (buffer, &ticks->quiet_out);
  if (offset >= 0 && GST_BUFFER_PTS_IS_VALID (buffer)) {
    GstClockTime at = gst_element_get_base_time (identity) + GST_BUFFER_PTS (buffer) +
                      gst_util_uint64_scale (offset, GST_SECOND, 48000);

    g_array_append_val (ticks->sent, at);
  }
  g_mutex_unlock (&ticks->lock);
}

static GstClockTime
clock_now (GstElement *element)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (element);

  return clock != NULL ? gst_clock_get_time (clock) : GST_CLOCK_TIME_NONE;
}

/* Before the sink waits for the buffer's time: when it arrived. */
static GstPadProbeReturn
on_tick_arrives (GstPad          *pad,
                 GstPadProbeInfo *info,
                 Ticks           *ticks)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstElement) sink = gst_pad_get_parent_element (pad);
  int offset;

  g_mutex_lock (&ticks->lock);
  offset = find_tick (buffer, &ticks->quiet_arrived);
  if (offset >= 0) {
    GstClockTime at = clock_now (sink) + gst_util_uint64_scale (offset, GST_SECOND, 48000);

    g_array_append_val (ticks->arrived, at);
  }
  g_mutex_unlock (&ticks->lock);
  return GST_PAD_PROBE_OK;
}

/* After the wait: when it is played. */
static void
on_tick_in (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            Ticks      *ticks)
{
  int offset;

  g_mutex_lock (&ticks->lock);
  offset = find_tick (buffer, &ticks->quiet_played);
  if (offset >= 0) {
    GstClockTime at = clock_now (sink) + gst_util_uint64_scale (offset, GST_SECOND, 48000);

    g_array_append_val (ticks->played, at);
  }
  g_mutex_unlock (&ticks->lock);
}

static void
note_packet (PacketWatch *watch,
             GstBuffer   *buffer)
{
  Ticks *ticks = watch->ticks;
  guint8 head[8];
  gpointer key;
  GstClockTime at;

  /* RTP (in SRTP too, its header is clear), version 2, Opus; RTCP's
   * types (200-204) never match. */
  if (gst_buffer_extract (buffer, 0, head, sizeof head) < sizeof head || head[0] >> 6 != 2 ||
      (head[1] & 0x7f) != ticks->audio_pt)
    return;
  key = GUINT_TO_POINTER (GST_READ_UINT32_BE (head + 4));
  if (watch->stage == PACKET_MADE || watch->stage == PACKET_STAMPED)
    at = gst_element_get_base_time (watch->pipeline) + GST_BUFFER_PTS (buffer);
  else
    at = clock_now (watch->pipeline);

  g_mutex_lock (&ticks->lock);
  if (!g_hash_table_contains (ticks->packets[watch->stage], key))
    g_hash_table_insert (ticks->packets[watch->stage], key, g_memdup2 (&at, sizeof at));
  g_mutex_unlock (&ticks->lock);
}

static gboolean
note_listed_packet (GstBuffer **buffer,
                    guint       index,
                    gpointer    user_data)
{
  note_packet (user_data, *buffer);
  return TRUE;
}

static GstPadProbeReturn
on_packet (GstPad          *pad,
           GstPadProbeInfo *info,
           PacketWatch     *watch)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    note_packet (watch, GST_PAD_PROBE_INFO_BUFFER (info));
  else
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), note_listed_packet, watch);
  return GST_PAD_PROBE_OK;
}

/* Watches the audio packets at each stage; FALSE when a part is missing.
 * Once the media flow: webrtcbin makes its transport's parts late. */
static gboolean
watch_packets (Ticks      *ticks,
               GstElement *caller,
               GstElement *callee)
{
  static const struct { PacketStage stage; gboolean at_caller; const char *factory, *pad; } stages[] = {
    { PACKET_MADE, TRUE, "rtpopuspay", "src" },
    { PACKET_SENT, TRUE, "nicesink", "sink" },
    { PACKET_RECEIVED, FALSE, "nicesrc", "src" },
    { PACKET_STAMPED, FALSE, "rtpjitterbuffer", "src" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++) {
    GstElement *pipeline = stages[i].at_caller ? caller : callee;
    g_autoptr (GstElement) element = kith_call_media_find_element (pipeline, stages[i].factory);
    g_autoptr (GstPad) pad = element != NULL ? gst_element_get_static_pad (element, stages[i].pad) : NULL;
    PacketWatch *watch;

    if (pad == NULL)
      return FALSE;
    if (stages[i].stage == PACKET_MADE)
      g_object_get (element, "pt", &ticks->audio_pt, NULL);
    watch = g_new0 (PacketWatch, 1);
    watch->ticks = ticks;
    watch->stage = stages[i].stage;
    watch->pipeline = pipeline;
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       (GstPadProbeCallback) on_packet, watch, g_free);
  }
  return TRUE;
}

/* The stage times of the packet that carried the tick sent at @sent: the
 * newest made at or before it. FALSE when a stage did not see it. */
static gboolean
tick_packet (Ticks        *ticks,
             GstClockTime  sent,
             GstClockTime  at[N_PACKET_STAGES])
{
  GHashTableIter iter;
  gpointer key, value;
  gpointer best = NULL;
  GstClockTime best_at = 0;

  g_hash_table_iter_init (&iter, ticks->packets[PACKET_MADE]);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GstClockTime made = *(GstClockTime *) value;

    if (made <= sent && (best == NULL || made > best_at)) {
      best = key;
      best_at = made;
    }
  }
  if (best == NULL)
    return FALSE;
  for (int stage = 0; stage < N_PACKET_STAGES; stage++) {
    GstClockTime *time = g_hash_table_lookup (ticks->packets[stage], best);

    if (time == NULL)
      return FALSE;
    at[stage] = *time;
  }
  return TRUE;
}

/* The callee's latency (what its sink waits past a buffer's PTS) and
 * three of its parts, in ms. */
typedef struct {
  double total, jitter_buffer, decoder, sink;
} CalleeLatency;

static CalleeLatency
callee_latency (GstElement *callee)
{
  g_autoptr (GstQuery) query = gst_query_new_latency ();
  g_autoptr (GstElement) webrtc = gst_bin_get_by_name (GST_BIN (callee), "webrtc");
  g_autoptr (GstElement) decoder = kith_call_media_find_element (callee, "opusdec");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (callee), "tick-in");
  CalleeLatency latency = { -1, -1, -1, -1 };
  GstClockTime min = 0;
  guint jitter_ms = 0;

  if (gst_element_query (callee, query)) {
    gst_query_parse_latency (query, NULL, &min, NULL);
    latency.total = (double) min / GST_MSECOND;
  }
  g_object_get (webrtc, "latency", &jitter_ms, NULL);
  latency.jitter_buffer = jitter_ms;
  if (decoder != NULL) {
    gst_audio_decoder_get_latency (GST_AUDIO_DECODER (decoder), &min, NULL);
    latency.decoder = (double) min / GST_MSECOND;
  }
  if (sink != NULL)
    latency.sink = (double) gst_base_sink_get_processing_deadline (GST_BASE_SINK (sink)) / GST_MSECOND;
  return latency;
}

/* Where the time of each played tick went, as medians. */
static void
print_breakdown (Ticks         *ticks,
                 CalleeLatency  latency)
{
  g_autoptr (GArray) to_wire = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) network = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) stamped = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) after = g_array_new (FALSE, FALSE, sizeof (double));
  double played_after;

  for (guint i = 0; i < ticks->played->len; i++) {
    GstClockTime played = g_array_index (ticks->played, GstClockTime, i);
    GstClockTime sent = GST_CLOCK_TIME_NONE;
    GstClockTime at[N_PACKET_STAGES];
    double ms;

    for (guint j = 0; j < ticks->sent->len; j++) {
      if (g_array_index (ticks->sent, GstClockTime, j) <= played)
        sent = g_array_index (ticks->sent, GstClockTime, j);
    }
    if (!GST_CLOCK_TIME_IS_VALID (sent) || !tick_packet (ticks, sent, at))
      continue;
    ms = ((gint64) at[PACKET_SENT] - (gint64) sent) / 1e6;
    g_array_append_val (to_wire, ms);
    ms = ((gint64) at[PACKET_RECEIVED] - (gint64) at[PACKET_SENT]) / 1e6;
    g_array_append_val (network, ms);
    ms = ((gint64) at[PACKET_STAMPED] - (gint64) at[PACKET_RECEIVED]) / 1e6;
    g_array_append_val (stamped, ms);
    ms = ((gint64) played - (gint64) at[PACKET_STAMPED]) / 1e6;
    g_array_append_val (after, ms);
  }
  if (after->len == 0) {
    printf ("  where it goes: no tick was followed through\n");
    return;
  }
  played_after = median (after);
  printf ("  where it goes (medians of %u ticks, ms): to the wire %.1f  network %.1f  "
          "callee's timestamp %+.1f  played after that %.1f\n",
          after->len, median (to_wire), median (network), median (stamped), played_after);
  printf ("    = the callee's latency %.0f (jitter buffer %.0f, decoder %.0f, sink %.0f) + %.1f "
          "(the tick's place in its packet, Opus's look-ahead, the echo canceller)\n",
          latency.total, latency.jitter_buffer, latency.decoder, latency.sink, played_after - latency.total);
}

static gboolean
pipelines_running (KithCallMediaPair *pair)
{
  return (kith_call_media_get_pipeline (pair->caller) != NULL &&
          kith_call_media_get_pipeline (pair->callee) != NULL) ||
         pair->errors[0] > 0 || pair->errors[1] > 0;
}

static gboolean
enough_ticks (KithCallMediaPair *pair)
{
  Ticks *ticks = g_object_get_data (G_OBJECT (pair->caller), "kith-bench-ticks");
  gboolean done;

  g_mutex_lock (&ticks->lock);
  done = ticks->played->len >= (guint) opt_ticks;
  g_mutex_unlock (&ticks->lock);
  return done;
}

static gboolean
first_tick_played (KithCallMediaPair *pair)
{
  Ticks *ticks = g_object_get_data (G_OBJECT (pair->caller), "kith-bench-ticks");
  gboolean done;

  g_mutex_lock (&ticks->lock);
  done = ticks->played->len > 0;
  g_mutex_unlock (&ticks->lock);
  return done;
}

/* For each tick found at the sink, the time since the newest tick sent
 * before it (ms); the ticks are a second apart. */
static GArray *
tick_delays (GArray *sent,
             GArray *found)
{
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < found->len; i++) {
    GstClockTime at = g_array_index (found, GstClockTime, i);
    GstClockTime from = GST_CLOCK_TIME_NONE;

    for (guint j = 0; j < sent->len; j++) {
      if (g_array_index (sent, GstClockTime, j) <= at)
        from = g_array_index (sent, GstClockTime, j);
    }
    if (GST_CLOCK_TIME_IS_VALID (from)) {
      double ms = (double) (at - from) / GST_MSECOND;

      g_array_append_val (delays, ms);
    }
  }
  return delays;
}

static void
print_delays (const char *what,
              GArray     *delays)
{
  g_autoptr (GArray) sorted = g_array_copy (delays);
  double low = 0, high = 0;

  for (guint i = 0; i < delays->len; i++) {
    double ms = g_array_index (delays, double, i);

    low = i == 0 ? ms : MIN (low, ms);
    high = i == 0 ? ms : MAX (high, ms);
  }
  printf ("  %-22s median %6.1f ms  (min %.1f, max %.1f; %u ticks)   in order:", what,
          median (sorted), low, high, delays->len);
  for (guint i = 0; i < MIN (delays->len, 12); i++)
    printf (" %.0f", g_array_index (delays, double, i));
  printf ("%s\n", delays->len > 12 ? " …" : "");
}

/* With @echo_cancel off (KITH_CALL_ECHO_CANCEL=0), to show what it
 * weighs; Kith's other settings as they are. */
void
measure_latency (gboolean echo_cancel)
{
  g_autoptr (KithCallMediaPair) pair = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstElement) in = NULL;
  g_autoptr (GstPad) in_pad = NULL;
  g_autoptr (GArray) arrived = NULL;
  g_autoptr (GArray) played = NULL;
  GstElement *caller = NULL, *callee = NULL;
  CalleeLatency latency;
  Ticks ticks = { 0 };
  gboolean followed;

  g_mutex_init (&ticks.lock);
  ticks.sent = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  ticks.arrived = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  ticks.played = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  for (int stage = 0; stage < N_PACKET_STAGES; stage++)
    ticks.packets[stage] = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  /* Read when the media start. */
  g_setenv ("KITH_CALL_ECHO_CANCEL", echo_cancel ? "1" : "0", TRUE);
  pair = kith_call_media_pair_new (FALSE);
  g_object_set_data (G_OBJECT (pair->caller), "kith-bench-ticks", &ticks);
  if (!kith_call_media_pair_connect (pair, &error)) {
    g_printerr ("latency: %s\n", error->message);
    goto out;
  }
  /* The media start off the main loop: their pipelines come a little later. */
  if (!kith_call_media_pair_wait (pair, pipelines_running, WAIT_MS) || pair->errors[0] + pair->errors[1] > 0) {
    g_printerr ("latency: the media did not start\n");
    goto out;
  }
  caller = kith_call_media_get_pipeline (pair->caller);
  callee = kith_call_media_get_pipeline (pair->callee);
  out = gst_bin_get_by_name (GST_BIN (caller), "tick-out");
  in = gst_bin_get_by_name (GST_BIN (callee), "tick-in");
  if (out == NULL || in == NULL) {
    g_printerr ("latency: the tick source or sink is not there\n");
    goto out;
  }
  g_signal_connect (out, "handoff", G_CALLBACK (on_tick_out), &ticks);
  g_signal_connect (in, "handoff", G_CALLBACK (on_tick_in), &ticks);
  in_pad = gst_element_get_static_pad (in, "sink");
  gst_pad_add_probe (in_pad, GST_PAD_PROBE_TYPE_BUFFER, (GstPadProbeCallback) on_tick_arrives, &ticks, NULL);

  /* The packets are followed from the second tick on, once webrtcbin has
   * made its transport's parts. */
  kith_call_media_pair_wait (pair, first_tick_played, 5 * TICK_INTERVAL_MS + WAIT_MS);
  followed = watch_packets (&ticks, caller, callee);
  kith_call_media_pair_wait (pair, enough_ticks, (opt_ticks + 5) * TICK_INTERVAL_MS + WAIT_MS);
  g_signal_handlers_disconnect_by_data (out, &ticks);
  g_signal_handlers_disconnect_by_data (in, &ticks);
  latency = callee_latency (callee);
  /* Joins the streaming threads: no probe runs after this. */
  kith_call_media_stop (pair->caller);
  kith_call_media_stop (pair->callee);

  g_debug ("ticks: %u sent, %u arrived, %u played", ticks.sent->len, ticks.arrived->len, ticks.played->len);
  arrived = tick_delays (ticks.sent, ticks.arrived);
  played = tick_delays (ticks.sent, ticks.played);
  printf ("latency, a tick at the caller's source to the callee's sink (Kith's settings%s), "
          "two media in one process, loopback:\n", echo_cancel ? "" : " but no echo cancellation");
  print_delays ("arrives at the sink", arrived);
  print_delays ("played (sink synced)", played);
  if (followed)
    print_breakdown (&ticks, latency);
  else
    printf ("  where it goes: webrtcbin's parts were not found\n");
  if (echo_cancel)
    printf ("  target: played <= 100 ms\n");

out:
  g_unsetenv ("KITH_CALL_ECHO_CANCEL");
  g_array_unref (ticks.sent);
  g_array_unref (ticks.arrived);
  g_array_unref (ticks.played);
  for (int stage = 0; stage < N_PACKET_STAGES; stage++)
    g_hash_table_unref (ticks.packets[stage]);
  g_mutex_clear (&ticks.lock);
}

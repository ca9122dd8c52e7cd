/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithRinger"

#include "config.h"

#include <gst/gst.h>

#include "kith-call-private.h"
#include "kith-ringer.h"

/* The tone: a 440 Hz sine at a quarter of full scale, 48 kHz mono, in
 * buffers of 10 ms, shaped by ring_gain () into the pattern below. */
#define RING_RATE       48000
#define RING_SOURCE     "audiotestsrc name=ring wave=sine freq=440 volume=0.25 is-live=true " \
                        "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=48000,channels=1"
/* The pattern, in ms of a cycle: on, off, on, then silence to the end. */
#define RING_CYCLE_MS   3000
#define RING_ON1_END    400
#define RING_ON2_START  600
#define RING_ON2_END    1000
/* Each tone fades in and out over this, so that it does not click. */
#define RING_FADE_MS    10.0

struct _KithRinger
{
  GObject     parent_instance;

  GstElement *pipeline;
  guint       bus_watch;
  gboolean    playing;
  gboolean    busy;         /* counted in kith_call_set_gstreamer_busy () */
  guint       buffers;      /* atomic: counted on the streaming thread */
};

enum {
  PROP_0,
  PROP_PLAYING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithRinger, kith_ringer, G_TYPE_OBJECT)

static void
set_playing (KithRinger *self,
             gboolean    playing)
{
  if (self->playing == playing)
    return;
  self->playing = playing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

/* The gain of the pattern at @ms into a cycle: 0 or 1, with short ramps. */
static double
ring_gain (double ms)
{
  double start, end;

  if (ms < RING_ON1_END) {
    start = 0;
    end = RING_ON1_END;
  } else if (ms >= RING_ON2_START && ms < RING_ON2_END) {
    start = RING_ON2_START;
    end = RING_ON2_END;
  } else {
    return 0;
  }
  return MIN (1.0, MIN (ms - start, end - ms) / RING_FADE_MS);
}

/* On the source's streaming thread: the steady tone becomes the pattern. */
static GstPadProbeReturn
on_tone_buffer (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstMapInfo map;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !gst_buffer_map (buffer, &map, GST_MAP_READWRITE))
    return GST_PAD_PROBE_OK;

  for (gsize i = 0; i < map.size / sizeof (gint16); i++) {
    GstClockTime t = pts + gst_util_uint64_scale_int (i, GST_SECOND, RING_RATE);
    double ms = (double) ((t / GST_MSECOND) % RING_CYCLE_MS) + (double) (t % GST_MSECOND) / GST_MSECOND;
    gint16 *sample = (gint16 *) map.data + i;

    *sample = (gint16) (*sample * ring_gain (ms));
  }
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/* On the sink's streaming thread: what reached the sink. */
static GstPadProbeReturn
on_sink_buffer (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  KithRinger *self = user_data;

  g_atomic_int_inc (&self->buffers);
  return GST_PAD_PROBE_OK;
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  KithRinger *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree char *debug = NULL;

    /* No audio device, or it went away: the call rings without a tone. */
    gst_message_parse_error (message, &error, &debug);
    g_message ("The ring tone cannot play: %s", error->message);
    g_debug ("%s", debug != NULL ? debug : "");
    kith_ringer_stop (self);
  }
  return G_SOURCE_CONTINUE;
}

static GstElement *
make_pipeline (KithRinger  *self,
               GError     **error)
{
  const char *sink_description = g_getenv ("KITH_RINGSINK");
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) source = NULL;
  g_autoptr (GstPad) source_pad = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  GstElement *sink;

  if (sink_description == NULL || *sink_description == '\0')
    sink_description = "autoaudiosink";

  source = gst_parse_bin_from_description_full (RING_SOURCE " ! audioconvert ! audioresample",
                                                TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (source == NULL)
    return NULL;
  gst_object_ref_sink (source);
  sink = gst_parse_bin_from_description_full (sink_description, TRUE, NULL,
                                              GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (sink == NULL)
    return NULL;

  pipeline = gst_object_ref_sink (gst_pipeline_new ("ringer"));
  gst_bin_add_many (GST_BIN (pipeline), source, sink, NULL);
  if (!gst_element_link (source, sink)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "KITH_RINGSINK “%s” does not take audio", sink_description);
    return NULL;
  }

  {
    g_autoptr (GstElement) tone = gst_bin_get_by_name (GST_BIN (source), "ring");

    source_pad = gst_element_get_static_pad (tone, "src");
  }
  gst_pad_add_probe (source_pad, GST_PAD_PROBE_TYPE_BUFFER, on_tone_buffer, NULL, NULL);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, self, NULL);

  return g_steal_pointer (&pipeline);
}

static void
kith_ringer_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KithRinger *self = KITH_RINGER (object);

  switch (prop_id) {
  case PROP_PLAYING:
    g_value_set_boolean (value, self->playing);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_ringer_dispose (GObject *object)
{
  KithRinger *self = KITH_RINGER (object);

  kith_ringer_stop (self);

  G_OBJECT_CLASS (kith_ringer_parent_class)->dispose (object);
}

static void
kith_ringer_class_init (KithRingerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_ringer_get_property;
  object_class->dispose = kith_ringer_dispose;

  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_ringer_init (KithRinger *self)
{
}

KithRinger *
kith_ringer_new (void)
{
  return g_object_new (KITH_TYPE_RINGER, NULL);
}

void
kith_ringer_start (KithRinger *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_return_if_fail (KITH_IS_RINGER (self));

  if (self->pipeline != NULL)
    return;

  /* Before GStreamer loads its plugins: once no call nor ring tone needs
   * them, their pages go back to the kernel (kith-call-memory.c). */
  self->busy = TRUE;
  kith_call_set_gstreamer_busy (TRUE);

  /* Not gst_init (), which exits the process when GStreamer cannot start. */
  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, &error)) {
    g_message ("The ring tone cannot play: %s", error->message);
    kith_ringer_stop (self);
    return;
  }

  g_atomic_int_set (&self->buffers, 0);
  self->pipeline = make_pipeline (self, &error);
  if (self->pipeline == NULL) {
    g_message ("The ring tone cannot play: %s", error->message);
    kith_ringer_stop (self);
    return;
  }

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_message ("The ring tone cannot play: its sink does not start");
    kith_ringer_stop (self);
    return;
  }
  g_debug ("Ringing");
  set_playing (self, TRUE);
}

void
kith_ringer_stop (KithRinger *self)
{
  g_return_if_fail (KITH_IS_RINGER (self));

  if (self->busy) {
    self->busy = FALSE;
    kith_call_set_gstreamer_busy (FALSE);
  }
  if (self->pipeline == NULL)
    return;

  g_debug ("Ringing stops");
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  gst_clear_object (&self->pipeline);
  set_playing (self, FALSE);
}

gboolean
kith_ringer_get_playing (KithRinger *self)
{
  g_return_val_if_fail (KITH_IS_RINGER (self), FALSE);

  return self->playing;
}

guint
kith_ringer_get_buffers (KithRinger *self)
{
  g_return_val_if_fail (KITH_IS_RINGER (self), 0);

  return (guint) g_atomic_int_get (&self->buffers);
}

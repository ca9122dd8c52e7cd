/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMediaPair"

#include "config.h"

#include "kith-call-media-pair.h"

/* RGBA pixels all darker than this count as black (VP8 leaves a little noise). */
#define BLACK_LEVEL 40

static int
side_of (KithCallMediaPair *pair,
         KithCallMedia     *media)
{
  return media == pair->caller ? 0 : 1;
}

static KithCallMedia *
other (KithCallMediaPair *pair,
       KithCallMedia     *media)
{
  return media == pair->caller ? pair->callee : pair->caller;
}

static void
on_local_description (KithCallMedia *media,
                      const char    *type,
                      const char    *sdp,
                      gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;

  pair->descriptions[side_of (pair, media)]++;
  kith_call_media_set_remote_description (other (pair, media), type, sdp);
}

static void
on_local_candidate (KithCallMedia *media,
                    guint          mline,
                    const char    *candidate,
                    gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;

  pair->candidates[side_of (pair, media)]++;
  if (pair->pass_candidates)
    kith_call_media_add_remote_candidate (other (pair, media), mline, candidate);
}

static void
on_first_audio (KithCallMedia *media,
                gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;

  pair->first_audio[side_of (pair, media)]++;
}

static gboolean
is_black (GBytes *pixels,
          int     width,
          int     height,
          int     stride)
{
  const guint8 *data = g_bytes_get_data (pixels, NULL);

  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      const guint8 *p = data + (gsize) y * stride + (gsize) x * 4;

      if (p[0] > BLACK_LEVEL || p[1] > BLACK_LEVEL || p[2] > BLACK_LEVEL)
        return FALSE;
    }
  }
  return TRUE;
}

static void
on_video_frame (KithCallMedia *media,
                GBytes        *pixels,
                int            width,
                int            height,
                int            stride,
                gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;
  int side = side_of (pair, media);

  g_assert_cmpuint (g_bytes_get_size (pixels), >=, (gsize) stride * height);
  pair->frames[side]++;
  pair->width[side] = width;
  pair->height[side] = height;
  pair->stride[side] = stride;
  if (is_black (pixels, width, height, stride))
    pair->black_frames[side]++;
}

static void
on_self_video_frame (KithCallMedia *media,
                     GBytes        *pixels,
                     int            width,
                     int            height,
                     int            stride,
                     gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;

  g_assert_cmpuint (g_bytes_get_size (pixels), >=, (gsize) stride * height);
  pair->self_frames[side_of (pair, media)]++;
}

static void
on_error (KithCallMedia *media,
          GError        *error,
          gpointer       user_data)
{
  KithCallMediaPair *pair = user_data;
  int side = side_of (pair, media);

  g_debug ("%s: error: %s", side == 0 ? "caller" : "callee", error->message);
  pair->errors[side]++;
  g_clear_error (&pair->last_error[side]);
  pair->last_error[side] = g_error_copy (error);
}

static void
wire (KithCallMediaPair *pair,
      KithCallMedia     *media)
{
  g_signal_connect (media, "local-description", G_CALLBACK (on_local_description), pair);
  g_signal_connect (media, "local-candidate", G_CALLBACK (on_local_candidate), pair);
  g_signal_connect (media, "first-audio", G_CALLBACK (on_first_audio), pair);
  g_signal_connect (media, "video-frame", G_CALLBACK (on_video_frame), pair);
  g_signal_connect (media, "self-video-frame", G_CALLBACK (on_self_video_frame), pair);
  g_signal_connect (media, "error", G_CALLBACK (on_error), pair);
}

KithCallMediaPair *
kith_call_media_pair_new (gboolean video)
{
  KithCallMediaPair *pair = g_new0 (KithCallMediaPair, 1);

  pair->caller = kith_call_media_new (video, NULL);
  pair->callee = kith_call_media_new (video, NULL);
  kith_call_media_set_loopback (pair->caller, TRUE);
  kith_call_media_set_loopback (pair->callee, TRUE);
  pair->pass_candidates = TRUE;
  wire (pair, pair->caller);
  wire (pair, pair->callee);

  return pair;
}

gboolean
kith_call_media_pair_connect (KithCallMediaPair  *pair,
                              GError            **error)
{
  if (!kith_call_media_start (pair->callee, error) ||
      !kith_call_media_start (pair->caller, error))
    return FALSE;

  kith_call_media_create_offer (pair->caller);
  return TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
kith_call_media_pair_wait (KithCallMediaPair      *pair,
                           KithCallMediaPairCheck  check,
                           guint                   timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);
  gboolean done;

  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!(done = check (pair)) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return done;
}

gboolean
kith_call_media_pair_connected (KithCallMediaPair *pair)
{
  return kith_call_media_get_state (pair->caller) == KITH_CALL_MEDIA_CONNECTED &&
         kith_call_media_get_state (pair->callee) == KITH_CALL_MEDIA_CONNECTED;
}

gboolean
kith_call_media_pair_hearing (KithCallMediaPair *pair)
{
  return kith_call_media_pair_connected (pair) &&
         kith_call_media_get_audio_buffers (pair->caller) > 0 &&
         kith_call_media_get_audio_buffers (pair->callee) > 0;
}

void
kith_call_media_pair_free (KithCallMediaPair *pair)
{
  if (pair == NULL)
    return;

  for (int side = 0; side < 2; side++) {
    KithCallMedia *media = side == 0 ? pair->caller : pair->callee;

    if (media != NULL) {
      g_signal_handlers_disconnect_by_data (media, pair);
      kith_call_media_stop (media);
    }
  }
  g_clear_object (&pair->caller);
  g_clear_object (&pair->callee);
  g_clear_error (&pair->last_error[0]);
  g_clear_error (&pair->last_error[1]);
  g_free (pair);
}

GstElement *
kith_call_media_find_element (GstElement *pipeline,
                              const char *factory)
{
  g_autoptr (GstIterator) iter = gst_bin_iterate_recurse (GST_BIN (pipeline));
  g_auto (GValue) item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (iter, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);
    GstElementFactory *made_by = gst_element_get_factory (element);

    if (made_by != NULL && g_str_equal (GST_OBJECT_NAME (made_by), factory))
      found = gst_object_ref (element);
    g_value_reset (&item);
  }
  return found;
}

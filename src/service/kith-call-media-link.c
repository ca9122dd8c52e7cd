/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCall"

/* A call's media (docs/service.md, "Calls"): started once the ICE servers
 * are known, and what its signals mean for the call (the invite or the
 * answer, candidates, connected, lost, failed). The call's state machine
 * and its frames are in kith-call.c. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-call-media.h"
#include "kith-call-private.h"

static gboolean
on_lost_timeout (gpointer user_data)
{
  KithCall *self = user_data;

  self->lost_source = 0;
  g_debug ("call %s: the media stayed away", self->id);
  kith_call_end (self, KITH_CALL_END_CONNECTION_LOST, NULL, TRUE);
  return G_SOURCE_REMOVE;
}

/* ---- the media's signals ---- */

static void
on_local_description (KithCallMedia *media,
                      const char    *type,
                      const char    *sdp,
                      KithCall      *self)
{
  KithFrame *frame;

  if (self->state == KITH_CALL_ENDED || self->description_sent)
    return;

  kith_call_reach_stage (self, KITH_CALL_STAGE_DESCRIPTION);
  if (self->direction == KITH_CALL_OUTGOING && g_strcmp0 (type, "offer") == 0) {
    frame = kith_call_frame_new (self, KITH_FRAME_CALL_INVITE);
    frame->video = self->video;
  } else if (self->direction == KITH_CALL_INCOMING && g_strcmp0 (type, "answer") == 0) {
    frame = kith_call_frame_new (self, KITH_FRAME_CALL_ANSWER);
  } else {
    g_debug ("call %s: a local %s passed over", self->id, type);
    return;
  }
  frame->sdp = g_strdup (sdp);
  if (!kith_call_send_frame (self, frame)) {
    kith_call_end (self, KITH_CALL_END_FAILED, _("Kith is not connected to the server."), FALSE);
    return;
  }
  self->description_sent = TRUE;
  kith_call_reach_stage (self, KITH_CALL_STAGE_SENT);
  kith_call_flush_local_candidates (self);
  if (self->direction == KITH_CALL_INCOMING)
    kith_call_mark_answered (self);
}

static void
on_local_candidate (KithCallMedia *media,
                    guint          mline,
                    const char    *candidate,
                    KithCall      *self)
{
  Candidate now = { mline, (char *) candidate };

  if (self->state == KITH_CALL_ENDED)
    return;
  if (!self->description_sent)
    g_ptr_array_add (self->local_candidates, kith_call_candidate_new (mline, candidate));
  else
    kith_call_send_candidate (self, &now);
}

static void
on_media_state_changed (KithCallMedia      *media,
                        KithCallMediaState  state,
                        KithCallMediaState  old,
                        KithCall           *self)
{
  guint lost_ms;

  switch (state) {
  case KITH_CALL_MEDIA_CONNECTED:
    kith_call_reach_stage (self, KITH_CALL_STAGE_CONNECTED);
    g_clear_handle_id (&self->lost_source, g_source_remove);
    break;
  case KITH_CALL_MEDIA_DISCONNECTED:
    if (self->lost_source == 0 && self->manager != NULL) {
      lost_ms = kith_call_manager_get_lost_timeout (self->manager);
      self->lost_source = g_timeout_add (lost_ms, on_lost_timeout, self);
    }
    break;
  case KITH_CALL_MEDIA_FAILED:
    if (self->was_active)
      kith_call_end (self, KITH_CALL_END_CONNECTION_LOST, NULL, TRUE);
    else
      kith_call_end (self, KITH_CALL_END_FAILED, kith_call_not_connected_text (), TRUE);
    return;
  case KITH_CALL_MEDIA_NEW:
  case KITH_CALL_MEDIA_CONNECTING:
  default:
    break;
  }
  kith_call_update_connected_state (self);
}

static void
on_media_error (KithCallMedia *media,
                const GError  *error,
                KithCall      *self)
{
  g_debug ("call %s: %s", self->id, error->message);
  kith_call_end (self, KITH_CALL_END_FAILED, error->message, TRUE);
}

static void
on_video_frame (KithCallMedia *media,
                GBytes        *pixels,
                int            width,
                int            height,
                int            stride,
                KithCall      *self)
{
  kith_call_emit_video_frame (self, FALSE, pixels, width, height, stride);
}

static void
on_self_video_frame (KithCallMedia *media,
                     GBytes        *pixels,
                     int            width,
                     int            height,
                     int            stride,
                     KithCall      *self)
{
  kith_call_emit_video_frame (self, TRUE, pixels, width, height, stride);
}

static void
on_ice_connected (KithCallMedia *media,
                  gint64         at,
                  KithCall      *self)
{
  kith_call_reach_stage_at (self, KITH_CALL_STAGE_ICE, at);
}

static void
on_first_audio (KithCallMedia *media,
                KithCall      *self)
{
  gint64 started = self->stage_time[KITH_CALL_STAGE_STARTED];

  kith_call_reach_stage (self, KITH_CALL_STAGE_FIRST_AUDIO);
  g_debug ("call %s: first audio %.1f ms after the start (description %.1f, sent %.1f, "
           "remote %.1f, connected %.1f)", self->id,
           (self->stage_time[KITH_CALL_STAGE_FIRST_AUDIO] - started) / 1000.0,
           (self->stage_time[KITH_CALL_STAGE_DESCRIPTION] - started) / 1000.0,
           (self->stage_time[KITH_CALL_STAGE_SENT] - started) / 1000.0,
           (self->stage_time[KITH_CALL_STAGE_REMOTE] - started) / 1000.0,
           (self->stage_time[KITH_CALL_STAGE_CONNECTED] - started) / 1000.0);
  kith_call_emit_first_audio (self);
}

void
kith_call_drop_media (KithCall *self)
{
  if (self->media == NULL)
    return;
  self->audio_buffers = kith_call_media_get_audio_buffers (self->media);
  self->video_frames = kith_call_media_get_video_frames (self->media);
  g_signal_handlers_disconnect_by_data (self->media, self);
  kith_call_media_stop (self->media);
  g_clear_object (&self->media);
}

/* The program that runs a call's media (docs/service.md, "Call media in a
 * process of its own"): installed with Kith; KITH_CALL_MEDIA_HELPER names
 * another (the build tree's, for the tests and benchmarks). */
static const char *
media_helper_path (void)
{
  const char *path = g_getenv ("KITH_CALL_MEDIA_HELPER");

  return path != NULL && *path != '\0' ? path : KITH_LIBEXECDIR "/kith-call-media";
}

/* The pipeline, with the servers fetched; FALSE when calls cannot work
 * here at all (the call has ended, failed, with the reason). The pipeline
 * is made on the media's worker thread: "No microphone found" comes later,
 * as its error signal; the offer, the peer's description and candidates
 * given meanwhile wait in the media. */
static gboolean
start_media (KithCall           *self,
             const char * const *ice_servers)
{
  g_autoptr (GError) error = NULL;

  self->media = kith_call_media_new (self->video, ice_servers);
  kith_call_media_set_helper (self->media, media_helper_path ());
  if (self->manager != NULL)
    kith_call_media_set_loopback (self->media, kith_call_manager_get_loopback (self->manager));
  if (self->echo_delay > 0)
    kith_call_media_set_echo (self->media, self->echo_delay);
  kith_call_media_set_muted (self->media, self->muted);
  kith_call_media_set_camera (self->media, self->camera);
  g_signal_connect (self->media, "local-description", G_CALLBACK (on_local_description), self);
  g_signal_connect (self->media, "local-candidate", G_CALLBACK (on_local_candidate), self);
  g_signal_connect (self->media, "state-changed", G_CALLBACK (on_media_state_changed), self);
  g_signal_connect (self->media, "error", G_CALLBACK (on_media_error), self);
  g_signal_connect (self->media, "video-frame", G_CALLBACK (on_video_frame), self);
  g_signal_connect (self->media, "self-video-frame", G_CALLBACK (on_self_video_frame), self);
  g_signal_connect (self->media, "first-audio", G_CALLBACK (on_first_audio), self);
  g_signal_connect (self->media, "ice-connected", G_CALLBACK (on_ice_connected), self);

  if (!kith_call_media_start (self->media, &error)) {
    g_debug ("call %s: the media did not start: %s", self->id, error->message);
    /* The caller has sent nothing yet; the callee declines for it. */
    kith_call_end (self, KITH_CALL_END_FAILED, error->message, self->direction == KITH_CALL_INCOMING);
    return FALSE;
  }
  return TRUE;
}

static void
on_ice_servers (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KithCall) self = user_data;
  g_auto (GStrv) servers = kith_call_manager_ice_servers_finish (KITH_CALL_MANAGER (source), result);

  if (self->state == KITH_CALL_ENDED || self->media != NULL)
    return;
  if (!start_media (self, (const char * const *) servers))
    return;

  if (self->direction == KITH_CALL_OUTGOING) {
    kith_call_media_create_offer (self->media);
  } else {
    kith_call_media_set_remote_description (self->media, "offer", self->offer);
    g_clear_pointer (&self->offer, g_free);
    self->remote_set = TRUE;
    kith_call_reach_stage (self, KITH_CALL_STAGE_REMOTE);
    kith_call_flush_remote_candidates (self);
  }
}

void
kith_call_fetch_servers_and_start (KithCall *self)
{
  if (self->manager == NULL)
    return;
  kith_call_manager_ice_servers_async (self->manager, self->cancellable, on_ice_servers,
                                       g_object_ref (self));
}

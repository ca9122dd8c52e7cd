/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMedia"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <gst/sdp/sdp.h>

#include "kith-call-media-private.h"
#include "kith-error.h"
#include "kith-service-enums.h"

/*
 * KithCallMedia: its state, signals and public API, and the bus watch that
 * turns what the pipeline's threads kith_call_media_post (kith-call-media-pipeline.c) into
 * signals on the main context the object was made in. Stop removes the
 * watch before the pipeline goes to NULL, so nothing stale is emitted after.
 *
 * Start hands the pipeline's making to a worker thread (GTask): parsing,
 * device probing and the state changes to PLAYING take seconds on a busy
 * machine, which the main loop (and the socket it keeps alive) must not
 * wait for. What the owner asks meanwhile (the offer, the peer's
 * description, its candidates) waits in `pending` and is done in order
 * once the pipeline is installed. docs/service.md, "Call media".
 */

/* Seconds without a decoded audio buffer, once connected, that make the
 * state disconnected (the peer sends audio all the time, silence too). */
#define STALL_SECONDS        5
/* The owner's calls kept while starting (KithCall keeps at most 64
 * candidates itself; this only bounds a careless owner). */
#define MAX_PENDING          256

typedef enum {
  PENDING_OFFER,
  PENDING_REMOTE_DESCRIPTION,
  PENDING_REMOTE_CANDIDATE,
} PendingKind;

typedef struct {
  PendingKind  kind;
  char        *type;         /* a description's */
  char        *text;         /* its SDP, or the candidate */
  guint        mline;
} PendingOp;

enum {
  PROP_0,
  PROP_VIDEO,
  PROP_STATE,
  PROP_MUTED,
  PROP_CAMERA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

guint kith_call_media_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithCallMedia, kith_call_media, G_TYPE_OBJECT)

/* ---- helpers ---- */

static void
set_state (KithCallMedia      *self,
           KithCallMediaState  state)
{
  KithCallMediaState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, kith_call_media_signals[SIGNAL_STATE_CHANGED], 0, state, old);
}

static void
emit_error (KithCallMedia *self,
            const char    *message)
{
  g_autoptr (GError) error = g_error_new_literal (KITH_ERROR, KITH_ERROR_MEDIA, message);

  g_debug ("error: %s", message);
  g_signal_emit (self, kith_call_media_signals[SIGNAL_ERROR], 0, error);
}

/* A counter the streaming threads write. */
static guint64
read_counter (KithCallMedia *self,
              guint64       *counter)
{
  guint64 value;

  g_mutex_lock (&self->lock);
  value = *counter;
  g_mutex_unlock (&self->lock);
  return value;
}

static void
pending_op_free (gpointer data)
{
  PendingOp *op = data;

  g_free (op->type);
  g_free (op->text);
  g_free (op);
}

/* TRUE (and @kind kept) while the worker makes the pipeline. */
static gboolean
keep_while_starting (KithCallMedia *self,
                     PendingKind    kind,
                     const char    *type,
                     const char    *text,
                     guint          mline)
{
  PendingOp *op;

  if (!self->starting)
    return FALSE;
  if (self->pending.length >= MAX_PENDING) {
    g_debug ("starting: too many calls kept, one dropped");
    return TRUE;
  }
  op = g_new0 (PendingOp, 1);
  op->kind = kind;
  op->type = g_strdup (type);
  op->text = g_strdup (text);
  op->mline = mline;
  g_queue_push_tail (&self->pending, op);
  return TRUE;
}

/* The pipeline's parts are the main context's to read: no worker has them.
 * In a process of its own: the helper has started it. */
static gboolean
is_running (KithCallMedia *self)
{
  if (self->helper_path != NULL)
    return self->process != NULL && !self->starting;
  return !self->worker_busy && self->pipeline != NULL;
}

/* ---- the main context ---- */

static void
on_connection_state_message (KithCallMedia                *self,
                             GstWebRTCPeerConnectionState  state)
{
  g_debug ("webrtcbin connection state %d", state);

  if (self->state == KITH_CALL_MEDIA_FAILED)
    return;   /* failed is final until the next start */

  switch (state) {
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
    self->link_connected = FALSE;
    set_state (self, KITH_CALL_MEDIA_CONNECTING);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
    self->link_connected = TRUE;
    self->stall_ticks = 0;
    set_state (self, KITH_CALL_MEDIA_CONNECTED);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
    self->link_connected = FALSE;
    if (self->state == KITH_CALL_MEDIA_CONNECTED)
      set_state (self, KITH_CALL_MEDIA_DISCONNECTED);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
    self->link_connected = FALSE;
    set_state (self, KITH_CALL_MEDIA_FAILED);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_NEW:
  case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
  default:
    break;
  }
}

static void
on_application_message (KithCallMedia      *self,
                        const GstStructure *s)
{
  const char *name = gst_structure_get_name (s);

  if (g_str_equal (name, "kith-local-description")) {
    g_signal_emit (self, kith_call_media_signals[SIGNAL_LOCAL_DESCRIPTION], 0,
                   gst_structure_get_string (s, "type"), gst_structure_get_string (s, "sdp"));
  } else if (g_str_equal (name, "kith-local-candidate")) {
    guint mline = 0;

    gst_structure_get_uint (s, "mline", &mline);
    g_signal_emit (self, kith_call_media_signals[SIGNAL_LOCAL_CANDIDATE], 0, mline, gst_structure_get_string (s, "candidate"));
  } else if (g_str_equal (name, "kith-connection-state")) {
    int state = 0;

    gst_structure_get_int (s, "state", &state);
    on_connection_state_message (self, state);
  } else if (g_str_equal (name, "kith-ice-connected")) {
    gint64 at = 0;

    gst_structure_get_int64 (s, "at", &at);
    g_signal_emit (self, kith_call_media_signals[SIGNAL_ICE_CONNECTED], 0, at);
  } else if (g_str_equal (name, "kith-first-audio")) {
    g_signal_emit (self, kith_call_media_signals[SIGNAL_FIRST_AUDIO], 0);
  } else if (g_str_equal (name, "kith-video-frame")) {
    kith_call_media_emit_kept_frame (self, &self->remote_frame, SIGNAL_VIDEO_FRAME);
  } else if (g_str_equal (name, "kith-self-video-frame")) {
    kith_call_media_emit_kept_frame (self, &self->self_frame, SIGNAL_SELF_VIDEO_FRAME);
  } else if (g_str_equal (name, "kith-error")) {
    emit_error (self, gst_structure_get_string (s, "message"));
  }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  /* A handler may stop the call or drop the object: it lives to the end. */
  g_autoptr (KithCallMedia) self = g_object_ref (user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *text = NULL;
  const char *sentence;
  guint serial;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_APPLICATION:
    on_application_message (self, gst_message_get_structure (message));
    break;
  case GST_MESSAGE_ERROR:
    gst_message_parse_error (message, &error, &debug);
    g_debug ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message), error->message, debug);
    if (self->failed || self->pipeline == NULL)
      break;
    self->failed = TRUE;
    sentence = kith_call_media_source_error (self, GST_MESSAGE_SRC (message));
    if (sentence == NULL) {
      text = g_strdup_printf (_("The call’s sound or video stopped working: %s"), error->message);
      sentence = text;
    }
    /* The sentence first, as when start fails: the owner ends its call
     * with it (a device unplugged mid-call: "No microphone found"). A
     * handler may stop us; then nothing more is said. */
    serial = self->start_serial;
    emit_error (self, sentence);
    if (serial == self->start_serial)
      set_state (self, KITH_CALL_MEDIA_FAILED);
    break;
  case GST_MESSAGE_LATENCY:
    /* An element's latency changed (the decoder's, for longer Opus
     * packets): the sinks are told the pipeline's new one. */
    if (self->pipeline != NULL)
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning (message, &error, &debug);
    g_debug ("warning from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message), error->message, debug);
    break;
  default:
    break;
  }

  return G_SOURCE_CONTINUE;
}

/* Connected, yet no audio for STALL_SECONDS: the peer or the path is gone
 * (ICE in GStreamer 1.22 does not notice). Audio coming back reconnects. */
static gboolean
on_stall_tick (gpointer user_data)
{
  KithCallMedia *self = user_data;
  guint64 count = kith_call_media_get_audio_buffers (self);

  if (!self->link_connected)
    return G_SOURCE_CONTINUE;

  if (count != self->stall_last_count) {
    self->stall_last_count = count;
    self->stall_ticks = 0;
    if (self->state == KITH_CALL_MEDIA_DISCONNECTED)
      set_state (self, KITH_CALL_MEDIA_CONNECTED);
  } else if (++self->stall_ticks >= STALL_SECONDS && self->state == KITH_CALL_MEDIA_CONNECTED) {
    g_debug ("no audio for %u s", self->stall_ticks);
    set_state (self, KITH_CALL_MEDIA_DISCONNECTED);
  }

  return G_SOURCE_CONTINUE;
}

/* ---- starting ---- */

static void start_worker (KithCallMedia *self);
static void run_pending (KithCallMedia *self,
                         guint          serial);

/* The pipeline goes, and the frames it left waiting. */
static void
release (KithCallMedia *self)
{
  kith_call_media_release (self);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->remote_frame.sample, gst_sample_unref);
  g_clear_pointer (&self->self_frame.sample, gst_sample_unref);
  self->remote_frame.posted = self->self_frame.posted = FALSE;
  g_mutex_unlock (&self->lock);

  self->link_connected = FALSE;
}

/* The pipeline is PLAYING: the bus watch and the stall timer on the main
 * context, then what the owner asked meanwhile, in order. */
static void
install (KithCallMedia *self)
{
  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  guint serial = self->start_serial;

  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, G_SOURCE_FUNC (on_bus_message), self, NULL);
  g_source_attach (self->bus_watch, self->context);

  self->stall_timer = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->stall_timer, on_stall_tick, self, NULL);
  g_source_attach (self->stall_timer, self->context);

  if (self->volume != NULL && self->muted != self->start_muted)
    g_object_set (self->volume, "mute", self->muted, NULL);

  g_debug ("started (%s%s)", self->video ? "video" : "audio", self->echo ? ", echo" : "");
  run_pending (self, serial);
}

/* What the owner asked while starting, in order. A handler of a state
 * change may stop (or drop) us: stop clears the queue. */
static void
run_pending (KithCallMedia *self,
             guint          serial)
{
  PendingOp *op;

  while (serial == self->start_serial && (op = g_queue_pop_head (&self->pending)) != NULL) {
    switch (op->kind) {
    case PENDING_OFFER:
      kith_call_media_create_offer (self);
      break;
    case PENDING_REMOTE_DESCRIPTION:
      kith_call_media_set_remote_description (self, op->type, op->text);
      break;
    case PENDING_REMOTE_CANDIDATE:
      kith_call_media_add_remote_candidate (self, op->mline, op->text);
      break;
    default:
      g_assert_not_reached ();
    }
    pending_op_free (op);
  }
}

/* The worker holds the object by a toggle reference: told here when that
 * is the last one (its owner let go while it started), or no longer. */
static void
on_toggle (gpointer  data,
           GObject  *object,
           gboolean  is_last_ref)
{
  KITH_CALL_MEDIA (object)->dropped = is_last_ref;
}

/* The worker's result, on the main context. */
static void
finish_start (KithCallMedia *self,
              gboolean       ok,
              GError        *error)
{
  guint serial = self->worker_serial;
  gboolean dropped = self->dropped;

  /* Stopped meanwhile, or dropped: the result goes. */
  if (serial != self->start_serial || dropped) {
    g_debug ("started after stop: torn down");
    release (self);
    if (self->restart && !dropped) {
      self->restart = FALSE;
      start_worker (self);
    }
    return;
  }

  self->starting = FALSE;
  if (!ok) {
    g_queue_clear_full (&self->pending, pending_op_free);
    /* The sentence first: the owner ends its call with it. A handler may
     * stop us; then nothing more is said. */
    emit_error (self, error->message);
    if (serial == self->start_serial)
      set_state (self, KITH_CALL_MEDIA_FAILED);
    return;
  }

  install (self);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KithCallMedia *self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->worker_busy = FALSE;
  finish_start (self, ok, error);
  /* Dropped meanwhile: this lets it go (dispose, finalize). */
  g_object_remove_toggle_ref (G_OBJECT (self), on_toggle, NULL);
}

static void
start_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (kith_call_media_build_and_play (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* NULL when unset or empty. */
static char *
dup_env (KithCallMedia *self,
         const char    *name)
{
  const char *value = self->environment != NULL ? g_hash_table_lookup (self->environment, name)
                                                : g_getenv (name);

  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

/* On the main context, before the worker begins: what it and the
 * streaming threads read instead of the environment. */
static void
read_environment (KithCallMedia *self)
{
  g_autofree char *echo_cancel = dup_env (self, "KITH_CALL_ECHO_CANCEL");

  g_free (self->env_audio_src);
  g_free (self->env_video_src);
  g_free (self->env_audio_sink);
  g_free (self->env_video_sink);
  self->env_audio_src = dup_env (self, "KITH_AUDIOSRC");
  self->env_video_src = dup_env (self, "KITH_VIDEOSRC");
  self->env_audio_sink = dup_env (self, "KITH_AUDIOSINK");
  self->env_video_sink = dup_env (self, "KITH_VIDEOSINK");
  self->echo_cancel = g_strcmp0 (echo_cancel, "0") != 0;
}

static void
start_worker (KithCallMedia *self)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_started, self);

  g_task_set_source_tag (task, kith_call_media_start);
  g_task_set_task_data (task, self, NULL);
  self->worker_serial = self->start_serial;
  self->start_muted = self->muted;
  read_environment (self);
  self->worker_busy = TRUE;
  /* Kept alive for the worker; on_toggle says whether the owner let go. */
  self->dropped = FALSE;
  g_object_add_toggle_ref (G_OBJECT (self), on_toggle, NULL);
  g_task_run_in_thread (task, start_in_thread);
}

/* ---- GObject ---- */

static void
kith_call_media_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KithCallMedia *self = KITH_CALL_MEDIA (object);

  switch (prop_id) {
  case PROP_VIDEO:
    g_value_set_boolean (value, self->video);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_MUTED:
    g_value_set_boolean (value, self->muted);
    break;
  case PROP_CAMERA:
    g_value_set_boolean (value, kith_call_media_get_camera (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_media_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KithCallMedia *self = KITH_CALL_MEDIA (object);

  switch (prop_id) {
  case PROP_VIDEO:
    self->video = g_value_get_boolean (value);
    break;
  case PROP_MUTED:
    kith_call_media_set_muted (self, g_value_get_boolean (value));
    break;
  case PROP_CAMERA:
    kith_call_media_set_camera (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_media_dispose (GObject *object)
{
  KithCallMedia *self = KITH_CALL_MEDIA (object);

  kith_call_media_stop (self);

  G_OBJECT_CLASS (kith_call_media_parent_class)->dispose (object);
}

static void
kith_call_media_finalize (GObject *object)
{
  KithCallMedia *self = KITH_CALL_MEDIA (object);

  g_queue_clear_full (&self->pending, pending_op_free);
  g_strfreev (self->ice_servers);
  g_free (self->probe_name);
  g_free (self->helper_path);
  g_clear_pointer (&self->environment, g_hash_table_unref);
  g_free (self->env_audio_src);
  g_free (self->env_video_src);
  g_free (self->env_audio_sink);
  g_free (self->env_video_sink);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (kith_call_media_parent_class)->finalize (object);
}

static void
kith_call_media_class_init (KithCallMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_call_media_get_property;
  object_class->set_property = kith_call_media_set_property;
  object_class->dispose = kith_call_media_dispose;
  object_class->finalize = kith_call_media_finalize;

  properties[PROP_VIDEO] =
    g_param_spec_boolean ("video", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_CALL_MEDIA_STATE, KITH_CALL_MEDIA_NEW,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MUTED] =
    g_param_spec_boolean ("muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAMERA] =
    g_param_spec_boolean ("camera", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  kith_call_media_signals[SIGNAL_LOCAL_DESCRIPTION] =
    g_signal_new ("local-description", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  kith_call_media_signals[SIGNAL_LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  kith_call_media_signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_CALL_MEDIA_STATE, KITH_TYPE_CALL_MEDIA_STATE);
  kith_call_media_signals[SIGNAL_FIRST_AUDIO] =
    g_signal_new ("first-audio", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  kith_call_media_signals[SIGNAL_ICE_CONNECTED] =
    g_signal_new ("ice-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  kith_call_media_signals[SIGNAL_VIDEO_FRAME] =
    g_signal_new ("video-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  kith_call_media_signals[SIGNAL_SELF_VIDEO_FRAME] =
    g_signal_new ("self-video-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  kith_call_media_signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  {
    g_autoptr (GError) error = NULL;

    /* Not gst_init (), which exits the process when GStreamer cannot start:
     * then start () says that a part is missing. */
    if (!gst_init_check (NULL, NULL, &error))
      g_debug ("GStreamer: %s", error->message);
  }
}

static void
kith_call_media_init (KithCallMedia *self)
{
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_queue_init (&self->pending);
}

KithCallMedia *
kith_call_media_new (gboolean            video,
                     const char * const *ice_servers)
{
  KithCallMedia *self = g_object_new (KITH_TYPE_CALL_MEDIA, "video", video, NULL);

  self->ice_servers = g_strdupv ((char **) ice_servers);
  return self;
}

/* ---- public API ---- */

void
kith_call_media_set_loopback (KithCallMedia *self,
                              gboolean       loopback)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  self->loopback = loopback;
}

void
kith_call_media_set_echo (KithCallMedia *self,
                          guint          delay_ms)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));
  g_return_if_fail (!self->starting && !self->worker_busy && self->pipeline == NULL);

  self->echo = TRUE;
  self->echo_delay_ms = delay_ms;
}

gboolean
kith_call_media_start (KithCallMedia  *self,
                       GError        **error)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->starting || is_running (self))
    return TRUE;
  /* In a process of its own, the helper says what is missing. */
  if (self->helper_path == NULL && !kith_call_media_check_parts (error))
    return FALSE;

  g_mutex_lock (&self->lock);
  self->audio_buffers = self->audible_buffers = self->video_frames = 0;
  self->first_audio = FALSE;
  g_mutex_unlock (&self->lock);
  self->failed = FALSE;
  self->link_connected = FALSE;
  self->stall_ticks = 0;
  self->stall_last_count = 0;
  set_state (self, KITH_CALL_MEDIA_NEW);

  self->starting = TRUE;
  self->start_serial++;
  if (self->helper_path != NULL) {
    if (!kith_call_media_process_start (self, error)) {
      self->starting = FALSE;
      return FALSE;
    }
    return TRUE;
  }
  /* A stopped start's worker still has the pipeline's fields: this one
   * begins when it returns. */
  if (self->worker_busy)
    self->restart = TRUE;
  else
    start_worker (self);
  return TRUE;
}

void
kith_call_media_create_offer (KithCallMedia *self)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  if (!self->starting && !is_running (self)) {
    g_debug ("create_offer: not started");
    return;
  }

  if (self->state == KITH_CALL_MEDIA_NEW)
    set_state (self, KITH_CALL_MEDIA_CONNECTING);
  if (keep_while_starting (self, PENDING_OFFER, NULL, NULL, 0))
    return;
  if (self->process != NULL)
    kith_call_media_process_create_offer (self);
  else
    kith_call_media_webrtc_offer (self->webrtc);
}

void
kith_call_media_set_remote_description (KithCallMedia *self,
                                        const char    *type,
                                        const char    *sdp)
{
  GstSDPMessage *message = NULL;
  GstWebRTCSessionDescription *description;
  GstWebRTCSDPType sdp_type;

  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  if (keep_while_starting (self, PENDING_REMOTE_DESCRIPTION, type, sdp, 0))
    return;
  if (!is_running (self)) {
    g_debug ("set_remote_description: not started");
    return;
  }
  if (self->process != NULL) {
    /* The helper checks it, as below. */
    if (self->state == KITH_CALL_MEDIA_NEW)
      set_state (self, KITH_CALL_MEDIA_CONNECTING);
    kith_call_media_process_set_remote (self, type, sdp);
    return;
  }

  if (g_strcmp0 (type, "offer") == 0) {
    sdp_type = GST_WEBRTC_SDP_TYPE_OFFER;
  } else if (g_strcmp0 (type, "answer") == 0) {
    sdp_type = GST_WEBRTC_SDP_TYPE_ANSWER;
  } else {
    kith_call_media_post_error (self->webrtc, _("The other side sent a call description Kith cannot use."));
    return;
  }

  if (sdp == NULL || gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK ||
      gst_sdp_message_medias_len (message) == 0) {
    g_clear_pointer (&message, gst_sdp_message_free);
    kith_call_media_post_error (self->webrtc, _("The other side sent a call description Kith cannot use."));
    return;
  }

  if (self->state == KITH_CALL_MEDIA_NEW)
    set_state (self, KITH_CALL_MEDIA_CONNECTING);
  description = gst_webrtc_session_description_new (sdp_type, message);
  kith_call_media_webrtc_set_remote (self->webrtc, description);
  gst_webrtc_session_description_free (description);
}

void
kith_call_media_add_remote_candidate (KithCallMedia *self,
                                      guint          mline,
                                      const char    *candidate)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  if (keep_while_starting (self, PENDING_REMOTE_CANDIDATE, NULL, candidate, mline))
    return;
  if (!is_running (self)) {
    g_debug ("remote candidate: not started");
    return;
  }
  if (candidate == NULL || (*candidate != '\0' && !g_str_has_prefix (candidate, "candidate:")) ||
      mline > 1) {
    g_debug ("remote candidate: not one, ignored");
    return;
  }
  if (self->process != NULL) {
    kith_call_media_process_add_candidate (self, mline, candidate);
    return;
  }

  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline, candidate);
}

gboolean
kith_call_media_get_muted (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), FALSE);

  return self->muted;
}

void
kith_call_media_set_muted (KithCallMedia *self,
                           gboolean       muted)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  muted = !!muted;
  if (self->muted == muted)
    return;
  self->muted = muted;
  if (self->process != NULL)
    kith_call_media_process_set_muted (self, muted);
  else if (is_running (self) && self->volume != NULL)
    g_object_set (self->volume, "mute", muted, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTED]);
}

gboolean
kith_call_media_get_camera (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), FALSE);

  return !g_atomic_int_get (&self->camera_off);
}

void
kith_call_media_set_camera (KithCallMedia *self,
                            gboolean       on)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  if (kith_call_media_get_camera (self) == !!on)
    return;
  g_atomic_int_set (&self->camera_off, !on);
  if (self->process != NULL)
    kith_call_media_process_set_camera (self, on);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA]);
}

gboolean
kith_call_media_get_video (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), FALSE);

  return self->video;
}

KithCallMediaState
kith_call_media_get_state (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), KITH_CALL_MEDIA_NEW);

  return self->state;
}

void
kith_call_media_stop (KithCallMedia *self)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));

  if (self->bus_watch != NULL)
    g_source_destroy (self->bus_watch);
  g_clear_pointer (&self->bus_watch, g_source_unref);
  if (self->stall_timer != NULL)
    g_source_destroy (self->stall_timer);
  g_clear_pointer (&self->stall_timer, g_source_unref);

  /* A start under way: its worker's result is torn down when it returns. */
  g_queue_clear_full (&self->pending, pending_op_free);
  self->start_serial++;
  self->starting = FALSE;
  self->restart = FALSE;
  if (self->process != NULL) {
    kith_call_media_process_stop (self);
    self->link_connected = FALSE;
    g_debug ("stopped");
    return;
  }
  if (self->worker_busy)
    return;

  if (self->pipeline == NULL)
    return;
  release (self);
  g_debug ("stopped");
}

guint64
kith_call_media_get_audio_buffers (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), 0);

  return read_counter (self, &self->audio_buffers);
}

guint64
kith_call_media_get_audible_audio_buffers (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), 0);

  return read_counter (self, &self->audible_buffers);
}

guint64
kith_call_media_get_video_frames (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), 0);

  return read_counter (self, &self->video_frames);
}

GstElement *
kith_call_media_get_pipeline (KithCallMedia *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), NULL);

  return is_running (self) ? self->pipeline : NULL;
}


void
kith_call_media_set_helper (KithCallMedia *self,
                            const char    *path)
{
  g_return_if_fail (KITH_IS_CALL_MEDIA (self));
  g_return_if_fail (!self->starting && !is_running (self));

  g_free (self->helper_path);
  self->helper_path = g_strdup (path);
}

void
kith_call_media_set_environment (KithCallMedia *self,
                                 GHashTable    *environment)
{
  g_clear_pointer (&self->environment, g_hash_table_unref);
  self->environment = environment != NULL ? g_hash_table_ref (environment) : NULL;
}

/* ---- for kith-call-media-process.c ---- */

void
kith_call_media_set_state (KithCallMedia      *self,
                           KithCallMediaState  state)
{
  /* failed is final until the next start, as in the pipeline's own. */
  if (self->state == KITH_CALL_MEDIA_FAILED)
    return;
  self->link_connected = state == KITH_CALL_MEDIA_CONNECTED;
  set_state (self, state);
}

void
kith_call_media_emit_error (KithCallMedia *self,
                            const char    *message)
{
  emit_error (self, message);
}

void
kith_call_media_emit (KithCallMedia       *self,
                      KithCallMediaSignal  signal,
                      ...)
{
  va_list args;

  va_start (args, signal);
  g_signal_emit_valist (self, kith_call_media_signals[signal], 0, args);
  va_end (args);
}

void
kith_call_media_started (KithCallMedia *self,
                         const GError  *error)
{
  guint serial = self->start_serial;

  self->starting = FALSE;
  if (error != NULL) {
    g_queue_clear_full (&self->pending, pending_op_free);
    /* The sentence first: the owner ends its call with it. */
    emit_error (self, error->message);
    if (serial == self->start_serial)
      set_state (self, KITH_CALL_MEDIA_FAILED);
    return;
  }
  g_debug ("started in its own process (%s%s)", self->video ? "video" : "audio",
           self->echo ? ", echo" : "");
  run_pending (self, serial);
}

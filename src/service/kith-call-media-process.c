/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallMedia"

#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>

#include "kith-call-media-private.h"
#include "kith-dbus-call-media.h"
#include "kith-error.h"

/*
 * The owner's side of a call's media in a process of its own: the helper
 * (kith-call-media, kith-call-media-helper.c) runs the pipeline, this
 * spawns it with one end of a socket pair, speaks im.kith.CallMedia1 to it
 * over a private D-Bus connection on that socket, and turns what it says
 * into the KithCallMedia's state and signals. Its frames come as sealed
 * memfds, mapped here and handed out without a copy. When the call ends
 * the helper exits, and everything the call's media allocated goes with
 * it: the process that placed ten calls is where it was after one
 * (docs/service.md, "Call media in a process of its own").
 *
 * A helper starting makes its DTLS certificate (~180 ms) and loads the
 * call's plugins: once a call has ended, a spare is started, ready for the
 * next call, which takes it (at most one; dropped with
 * kith_call_media_drop_spare ()).
 */

#define OBJECT_PATH        "/im/kith/CallMedia"
#define OWNER_OBJECT_PATH  "/im/kith/CallMediaOwner"
/* A frame larger than this is not one (8K RGBA is 127 MB). */
#define MAX_FRAME_SIDE     8192

struct _KithCallMediaProcess
{
  KithCallMedia          *media;          /* not a reference: it owns this; NULL: the spare */
  char                   *path;
  GSubprocess            *helper;
  GCancellable           *cancellable;    /* the start's, and every call sent */
  GDBusConnection        *connection;
  KithDBusCallMedia      *proxy;
  KithDBusCallMediaOwner *owner;
  gulong                  closed_handler;
  gboolean                used;           /* it ran a call (not a spare let go) */
};

typedef struct {
  void  *data;
  gsize  size;
} MappedPixels;

static void
mapped_pixels_free (gpointer data)
{
  MappedPixels *pixels = data;

  munmap (pixels->data, pixels->size);
  g_free (pixels);
}

/* ---- what the helper says ---- */

static void
on_local_description (KithDBusCallMedia    *proxy,
                      const char           *type,
                      const char           *sdp,
                      KithCallMediaProcess *process)
{
  if (process->media != NULL)
    kith_call_media_emit (process->media, SIGNAL_LOCAL_DESCRIPTION, type, sdp);
}

static void
on_local_candidate (KithDBusCallMedia    *proxy,
                    guint                 mline,
                    const char           *candidate,
                    KithCallMediaProcess *process)
{
  if (process->media != NULL)
    kith_call_media_emit (process->media, SIGNAL_LOCAL_CANDIDATE, mline, candidate);
}

static void
on_state_changed (KithDBusCallMedia    *proxy,
                  guint                 state,
                  KithCallMediaProcess *process)
{
  if (process->media != NULL && state <= KITH_CALL_MEDIA_FAILED)
    kith_call_media_set_state (process->media, state);
}

static void
on_first_audio (KithDBusCallMedia    *proxy,
                KithCallMediaProcess *process)
{
  if (process->media != NULL)
    kith_call_media_emit (process->media, SIGNAL_FIRST_AUDIO);
}

static void
on_ice_connected (KithDBusCallMedia    *proxy,
                  gint64                at,
                  KithCallMediaProcess *process)
{
  if (process->media != NULL)
    kith_call_media_emit (process->media, SIGNAL_ICE_CONNECTED, at);
}

static void
on_error (KithDBusCallMedia    *proxy,
          const char           *message,
          KithCallMediaProcess *process)
{
  g_autoptr (KithCallMedia) self = NULL;

  if (process->media == NULL)
    return;
  /* A handler may stop the call and drop the media: it lives to the end. */
  self = g_object_ref (process->media);
  /* The sentence, then failed, as the pipeline's own errors. */
  self->failed = TRUE;
  kith_call_media_emit_error (self, message);
  if (self->process != NULL)
    kith_call_media_set_state (self, KITH_CALL_MEDIA_FAILED);
}

static void
on_counters (KithDBusCallMedia    *proxy,
             guint64               audio_buffers,
             guint64               audible_buffers,
             guint64               video_frames,
             KithCallMediaProcess *process)
{
  KithCallMedia *self = process->media;

  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->audio_buffers = audio_buffers;
  self->audible_buffers = audible_buffers;
  self->video_frames = video_frames;
  g_mutex_unlock (&self->lock);
}

/* A frame: the helper's memfd, sealed, mapped read-only; the GBytes unmaps
 * it when the last texture lets go. */
static gboolean
on_frame (KithDBusCallMediaOwner *owner,
          GDBusMethodInvocation  *invocation,
          GUnixFDList            *fd_list,
          guint                   stream,
          GVariant               *handle,
          int                     width,
          int                     height,
          int                     stride,
          KithCallMediaProcess   *process)
{
  g_autoptr (GBytes) bytes = NULL;
  MappedPixels *pixels;
  struct stat st;
  gsize size;
  int fd;

  fd = fd_list != NULL ? g_unix_fd_list_get (fd_list, g_variant_get_handle (handle), NULL) : -1;
  if (fd < 0 || stream > 1 || width <= 0 || height <= 0 || width > MAX_FRAME_SIDE ||
      height > MAX_FRAME_SIDE || stride < width * 4 || stride > MAX_FRAME_SIDE * 4 ||
      fstat (fd, &st) != 0 || (gsize) st.st_size < (gsize) stride * height) {
    if (fd >= 0)
      close (fd);
    g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                   "not a frame");
    return TRUE;
  }

  size = (gsize) stride * height;
  pixels = g_new0 (MappedPixels, 1);
  pixels->size = size;
  pixels->data = mmap (NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  close (fd);
  if (pixels->data == MAP_FAILED) {
    g_free (pixels);
    g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_FAILED,
                                                   "the frame could not be mapped");
    return TRUE;
  }
  bytes = g_bytes_new_with_free_func (pixels->data, size, mapped_pixels_free, pixels);

  /* Answered first: the helper may send this stream's next frame while
   * this one is shown. */
  kith_dbus_call_media_owner_complete_frame (owner, invocation, NULL);
  if (process->media != NULL)
    kith_call_media_emit (process->media, stream == 1 ? SIGNAL_SELF_VIDEO_FRAME : SIGNAL_VIDEO_FRAME,
                          bytes, width, height, stride);
  return TRUE;
}

/* ---- a helper's life ---- */

static KithCallMediaProcess *spare;

static void
on_helper_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GSubprocess *helper = G_SUBPROCESS (source);
  gboolean used = GPOINTER_TO_INT (user_data);

  if (!g_subprocess_wait_finish (helper, result, NULL) || !used)
    return;
  /* Killed: the call has ended with "stopped working" already. An exit
   * status is the helper's own complaint (a stop that hung, a leak
   * under LeakSanitizer): said aloud. */
  if (g_subprocess_get_if_signaled (helper))
    g_debug ("media process ended by signal %d", g_subprocess_get_term_sig (helper));
  else if (g_subprocess_get_exit_status (helper) != 0)
    g_warning ("the call's media process exited with status %d", g_subprocess_get_exit_status (helper));
}

/* Tells the helper to stop (it exits on that, or on the socket closing)
 * and lets it go. */
static void
process_close (KithCallMediaProcess *process)
{
  g_cancellable_cancel (process->cancellable);
  if (process->connection != NULL) {
    g_clear_signal_handler (&process->closed_handler, process->connection);
    if (!g_dbus_connection_is_closed (process->connection))
      g_dbus_connection_call (process->connection, NULL, OBJECT_PATH, "im.kith.CallMedia1", "Stop",
                              NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    g_dbus_connection_close (process->connection, NULL, NULL, NULL);
  }
  if (process->proxy != NULL)
    g_signal_handlers_disconnect_by_data (process->proxy, process);
  g_clear_object (&process->proxy);
  if (process->owner != NULL) {
    g_signal_handlers_disconnect_by_data (process->owner, process);
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (process->owner));
  }
  g_clear_object (&process->owner);
  g_clear_object (&process->connection);
  g_clear_object (&process->cancellable);
  /* Reaped when it exits (it does, the socket closed). */
  g_subprocess_wait_async (process->helper, NULL, on_helper_exited, GINT_TO_POINTER (process->used));
  g_clear_object (&process->helper);
  g_free (process->path);
  g_free (process);
}

static void
on_start_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KithCallMediaProcess *process = user_data;
  KithCallMedia *self;
  g_autoptr (GError) error = NULL;

  if (!kith_dbus_call_media_call_start_finish (KITH_DBUS_CALL_MEDIA (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped meanwhile: nothing is said */

  self = process->media;
  if (error != NULL) {
    g_autoptr (GError) sentence = NULL;

    /* The helper's own sentence ("No microphone found"), or the link's. */
    if (g_dbus_error_is_remote_error (error))
      g_dbus_error_strip_remote_error (error);
    sentence = g_error_new_literal (KITH_ERROR, KITH_ERROR_MEDIA, error->message);
    kith_call_media_process_stop (self);
    kith_call_media_started (self, sentence);
    return;
  }
  kith_call_media_started (self, NULL);
}

static void
send_start (KithCallMediaProcess *process)
{
  static const char * const names[] = {
    "KITH_AUDIOSRC", "KITH_VIDEOSRC", "KITH_AUDIOSINK", "KITH_VIDEOSINK", "KITH_CALL_ECHO_CANCEL",
  };
  KithCallMedia *self = process->media;
  const char * const no_servers[] = { NULL };
  GVariantBuilder environment;

  /* Read now, on the main context, as the media itself reads them at
   * its start: the helper (a spare) began before. */
  g_variant_builder_init (&environment, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    const char *value = g_getenv (names[i]);

    if (value != NULL)
      g_variant_builder_add (&environment, "{ss}", names[i], value);
  }
  kith_dbus_call_media_call_start (process->proxy, self->video,
                                   self->ice_servers != NULL ? (const char * const *) self->ice_servers
                                                             : no_servers,
                                   self->loopback, self->echo ? MAX (self->echo_delay_ms, 1) : 0,
                                   self->muted, kith_call_media_get_camera (self),
                                   g_variant_builder_end (&environment),
                                   process->cancellable, on_start_done, process);
}

/* The media's process could not be reached, or is gone: its call fails. */
static void
fail (KithCallMedia *media,
      const char    *sentence)
{
  /* A handler may drop the media: it lives to the end. */
  g_autoptr (KithCallMedia) self = g_object_ref (media);

  kith_call_media_process_stop (self);
  if (self->starting) {
    g_autoptr (GError) error = g_error_new_literal (KITH_ERROR, KITH_ERROR_MEDIA, sentence);

    kith_call_media_started (self, error);
    return;
  }
  self->failed = TRUE;
  kith_call_media_emit_error (self, sentence);
  kith_call_media_set_state (self, KITH_CALL_MEDIA_FAILED);
}

/* The helper gone: it crashed, or was killed (the spare, or with the call on). */
static void
on_closed (GDBusConnection      *connection,
           gboolean              remote_peer_vanished,
           GError               *error,
           KithCallMediaProcess *process)
{
  g_debug ("a media process is gone%s%s", error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  if (process->media != NULL) {
    fail (process->media, _("The call’s sound and video stopped working."));
    return;
  }
  if (spare == process)
    spare = NULL;
  process_close (process);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KithCallMediaProcess *process = user_data;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GError) error = NULL;

  connection = g_dbus_connection_new_finish (result, &error);
  if (connection == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (connection != NULL) {
    process->connection = g_object_ref (connection);
    process->owner = kith_dbus_call_media_owner_skeleton_new ();
    g_signal_connect (process->owner, "handle-frame", G_CALLBACK (on_frame), process);
    if (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (process->owner), connection,
                                          OWNER_OBJECT_PATH, &error))
      process->proxy = KITH_DBUS_CALL_MEDIA (
        kith_dbus_call_media_proxy_new_sync (connection,
                                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                             NULL, OBJECT_PATH, NULL, &error));
  }
  if (process->proxy == NULL) {
    g_autofree char *sentence = g_strdup_printf (_("The call’s sound and video could not be set up: %s"),
                                                 error->message);

    g_debug ("media process: %s", error->message);
    if (process->media != NULL) {
      fail (process->media, sentence);
    } else {
      if (spare == process)
        spare = NULL;
      process_close (process);
    }
    return;
  }

  g_signal_connect (process->proxy, "local-description", G_CALLBACK (on_local_description), process);
  g_signal_connect (process->proxy, "local-candidate", G_CALLBACK (on_local_candidate), process);
  g_signal_connect (process->proxy, "state-changed", G_CALLBACK (on_state_changed), process);
  g_signal_connect (process->proxy, "first-audio", G_CALLBACK (on_first_audio), process);
  g_signal_connect (process->proxy, "ice-connected", G_CALLBACK (on_ice_connected), process);
  g_signal_connect (process->proxy, "error", G_CALLBACK (on_error), process);
  g_signal_connect (process->proxy, "counters", G_CALLBACK (on_counters), process);
  process->closed_handler = g_signal_connect (connection, "closed", G_CALLBACK (on_closed), process);
  /* Gone before this handler was there: said now. */
  if (g_dbus_connection_is_closed (connection)) {
    on_closed (connection, TRUE, NULL, process);
    return;
  }
  if (process->media != NULL)
    send_start (process);
}

/* The helper at @path, spawned with one end of a socket pair; the
 * connection on the other is made meanwhile (on_connected). */
static KithCallMediaProcess *
spawn (const char  *path,
       GError     **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  g_autoptr (GError) local_error = NULL;
  KithCallMediaProcess *process;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    int saved = errno;

    g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
                 _("The call’s sound and video could not be set up: %s"), g_strerror (saved));
    return NULL;
  }

  /* The environment as it is now (KITH_AUDIOSRC, …): the helper's. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  process = g_new0 (KithCallMediaProcess, 1);
  process->helper = g_subprocess_launcher_spawn (launcher, &local_error, path, "--fd=3", NULL);
  if (process->helper == NULL) {
    close (fds[0]);
    g_free (process);
    g_debug ("%s: %s", path, local_error->message);
    g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
                 _("The call’s sound and video could not be set up: %s"), local_error->message);
    return NULL;
  }
  g_debug ("media process %s started", g_subprocess_get_identifier (process->helper));

  socket = g_socket_new_from_fd (fds[0], &local_error);
  if (socket == NULL) {
    close (fds[0]);
    g_subprocess_force_exit (process->helper);
    g_object_unref (process->helper);
    g_free (process);
    g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
                 _("The call’s sound and video could not be set up: %s"), local_error->message);
    return NULL;
  }
  stream = g_socket_connection_factory_create_connection (socket);
  process->path = g_strdup (path);
  process->cancellable = g_cancellable_new ();
  g_dbus_connection_new (G_IO_STREAM (stream), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, process->cancellable, on_connected, process);
  return process;
}

gboolean
kith_call_media_process_start (KithCallMedia  *self,
                               GError        **error)
{
  KithCallMediaProcess *process;

  g_assert (self->process == NULL);

  /* The spare, when it is for this program and still there. */
  if (spare != NULL && g_strcmp0 (spare->path, self->helper_path) == 0) {
    process = g_steal_pointer (&spare);
    g_debug ("media process %s (the spare)", g_subprocess_get_identifier (process->helper));
  } else {
    process = spawn (self->helper_path, error);
    if (process == NULL)
      return FALSE;
  }
  process->media = self;
  process->used = TRUE;
  self->process = process;
  if (process->proxy != NULL)
    send_start (process);
  return TRUE;
}

void
kith_call_media_drop_spare (void)
{
  if (spare != NULL)
    process_close (g_steal_pointer (&spare));
}

/* ---- the owner's calls, sent on ---- */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    g_debug ("the media process: %s", error->message);
}

static void
send_call (KithCallMedia *self,
           const char    *method,
           GVariant      *parameters)
{
  KithCallMediaProcess *process = self->process;

  g_assert (process != NULL && process->proxy != NULL);
  g_dbus_proxy_call (G_DBUS_PROXY (process->proxy), method, parameters,
                     G_DBUS_CALL_FLAGS_NONE, -1, process->cancellable, on_sent, NULL);
}

void
kith_call_media_process_create_offer (KithCallMedia *self)
{
  send_call (self, "CreateOffer", NULL);
}

void
kith_call_media_process_set_remote (KithCallMedia *self,
                                    const char    *type,
                                    const char    *sdp)
{
  send_call (self, "SetRemoteDescription", g_variant_new ("(ss)", type != NULL ? type : "", sdp != NULL ? sdp : ""));
}

void
kith_call_media_process_add_candidate (KithCallMedia *self,
                                       guint          mline,
                                       const char    *candidate)
{
  send_call (self, "AddRemoteCandidate", g_variant_new ("(us)", mline, candidate));
}

/* Before the helper has started: it starts with the owner's choice. */
void
kith_call_media_process_set_muted (KithCallMedia *self,
                                   gboolean       muted)
{
  if (self->process->proxy != NULL && !self->starting)
    send_call (self, "SetMuted", g_variant_new ("(b)", muted));
}

void
kith_call_media_process_set_camera (KithCallMedia *self,
                                    gboolean       on)
{
  if (self->process->proxy != NULL && !self->starting)
    send_call (self, "SetCamera", g_variant_new ("(b)", on));
}

void
kith_call_media_process_stop (KithCallMedia *self)
{
  KithCallMediaProcess *process = self->process;
  g_autofree char *path = NULL;

  if (process == NULL)
    return;
  self->process = NULL;
  process->media = NULL;
  path = g_strdup (process->path);
  process_close (process);

  /* The next call's helper, ready when it comes. */
  if (spare == NULL)
    spare = spawn (path, NULL);
}

GPid
kith_call_media_get_helper_pid (KithCallMedia *self)
{
  const char *id;

  g_return_val_if_fail (KITH_IS_CALL_MEDIA (self), 0);

  if (self->process == NULL)
    return 0;
  id = g_subprocess_get_identifier (self->process->helper);
  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

GPid
kith_call_media_get_spare_pid (void)
{
  const char *id = spare != NULL ? g_subprocess_get_identifier (spare->helper) : NULL;

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

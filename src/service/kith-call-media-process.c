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
 */

#define OBJECT_PATH        "/im/kith/CallMedia"
#define OWNER_OBJECT_PATH  "/im/kith/CallMediaOwner"
/* A frame larger than this is not one (8K RGBA is 127 MB). */
#define MAX_FRAME_SIDE     8192

struct _KithCallMediaProcess
{
  KithCallMedia          *media;          /* not a reference: it owns this */
  GSubprocess            *helper;
  GCancellable           *cancellable;    /* the start's, and every call sent */
  GDBusConnection        *connection;
  KithDBusCallMedia      *proxy;
  KithDBusCallMediaOwner *owner;
  gulong                  closed_handler;
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
on_local_description (KithDBusCallMedia *proxy,
                      const char        *type,
                      const char        *sdp,
                      KithCallMedia     *self)
{
  kith_call_media_emit_description (self, type, sdp);
}

static void
on_local_candidate (KithDBusCallMedia *proxy,
                    guint              mline,
                    const char        *candidate,
                    KithCallMedia     *self)
{
  kith_call_media_emit_candidate (self, mline, candidate);
}

static void
on_state_changed (KithDBusCallMedia *proxy,
                  guint              state,
                  KithCallMedia     *self)
{
  if (state > KITH_CALL_MEDIA_FAILED)
    return;
  kith_call_media_set_state (self, state);
}

static void
on_first_audio (KithDBusCallMedia *proxy,
                KithCallMedia     *self)
{
  kith_call_media_emit_first_audio (self);
}

static void
on_ice_connected (KithDBusCallMedia *proxy,
                  gint64             at,
                  KithCallMedia     *self)
{
  kith_call_media_emit_ice_connected (self, at);
}

static void
on_error (KithDBusCallMedia *proxy,
          const char        *message,
          KithCallMedia     *self)
{
  /* A handler may stop the call and drop us: we live to the end. */
  g_autoptr (KithCallMedia) hold = g_object_ref (self);

  /* The sentence, then failed, as the pipeline's own errors. */
  self->failed = TRUE;
  kith_call_media_emit_error (self, message);
  if (self->process != NULL)
    kith_call_media_set_state (self, KITH_CALL_MEDIA_FAILED);
}

static void
on_counters (KithDBusCallMedia *proxy,
             guint64            audio_buffers,
             guint64            audible_buffers,
             guint64            video_frames,
             KithCallMedia     *self)
{
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
          KithCallMedia          *self)
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
  kith_call_media_emit_frame (self, stream == 1, bytes, width, height, stride);
  return TRUE;
}

/* The helper gone with the call still on: it crashed, or was killed. */
static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           KithCallMedia   *self)
{
  g_autoptr (KithCallMedia) hold = g_object_ref (self);

  g_debug ("the call's media process is gone%s%s", error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  kith_call_media_process_stop (self);
  if (self->starting) {
    g_autoptr (GError) stopped = g_error_new_literal (KITH_ERROR, KITH_ERROR_MEDIA,
                                                      _("The call’s sound and video stopped working."));

    kith_call_media_started (self, stopped);
    return;
  }
  self->failed = TRUE;
  kith_call_media_emit_error (self, _("The call’s sound and video stopped working."));
  kith_call_media_set_state (self, KITH_CALL_MEDIA_FAILED);
}

/* ---- starting ---- */

static void
on_start_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KithCallMedia *self;
  g_autoptr (GError) error = NULL;

  if (!kith_dbus_call_media_call_start_finish (KITH_DBUS_CALL_MEDIA (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped meanwhile: nothing is said */

  self = user_data;
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
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KithCallMedia *self;
  KithCallMediaProcess *process;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) no_servers = NULL;

  connection = g_dbus_connection_new_finish (result, &error);
  if (connection == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  process = self->process;
  if (connection != NULL) {
    process->connection = g_object_ref (connection);
    process->owner = kith_dbus_call_media_owner_skeleton_new ();
    g_signal_connect (process->owner, "handle-frame", G_CALLBACK (on_frame), self);
    if (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (process->owner), connection,
                                          OWNER_OBJECT_PATH, &error))
      process->proxy = KITH_DBUS_CALL_MEDIA (
        kith_dbus_call_media_proxy_new_sync (connection,
                                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                             NULL, OBJECT_PATH, NULL, &error));
  }
  if (process->proxy == NULL) {
    g_autoptr (GError) sentence =
      g_error_new (KITH_ERROR, KITH_ERROR_MEDIA,
                   _("The call’s sound and video could not be set up: %s"), error->message);

    kith_call_media_process_stop (self);
    kith_call_media_started (self, sentence);
    return;
  }

  g_signal_connect (process->proxy, "local-description", G_CALLBACK (on_local_description), self);
  g_signal_connect (process->proxy, "local-candidate", G_CALLBACK (on_local_candidate), self);
  g_signal_connect (process->proxy, "state-changed", G_CALLBACK (on_state_changed), self);
  g_signal_connect (process->proxy, "first-audio", G_CALLBACK (on_first_audio), self);
  g_signal_connect (process->proxy, "ice-connected", G_CALLBACK (on_ice_connected), self);
  g_signal_connect (process->proxy, "error", G_CALLBACK (on_error), self);
  g_signal_connect (process->proxy, "counters", G_CALLBACK (on_counters), self);
  process->closed_handler = g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  /* Gone before this handler was there: said now. */
  if (g_dbus_connection_is_closed (connection)) {
    on_closed (connection, TRUE, NULL, self);
    return;
  }

  no_servers = g_new0 (char *, 1);
  kith_dbus_call_media_call_start (process->proxy, self->video,
                                   self->ice_servers != NULL ? (const char * const *) self->ice_servers
                                                             : (const char * const *) no_servers,
                                   self->loopback, self->echo ? MAX (self->echo_delay_ms, 1) : 0,
                                   self->muted, kith_call_media_get_camera (self),
                                   process->cancellable, on_start_done, self);
}

gboolean
kith_call_media_process_start (KithCallMedia  *self,
                               GError        **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  g_autoptr (GError) local_error = NULL;
  KithCallMediaProcess *process;
  int fds[2];

  g_assert (self->process == NULL);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    int saved = errno;

    g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
                 _("The call’s sound and video could not be set up: %s"), g_strerror (saved));
    return FALSE;
  }

  /* The environment as it is now (KITH_AUDIOSRC, …): the helper's. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  process = g_new0 (KithCallMediaProcess, 1);
  process->media = self;
  process->helper = g_subprocess_launcher_spawn (launcher, &local_error, self->helper_path, "--fd=3", NULL);
  if (process->helper == NULL) {
    close (fds[0]);
    g_free (process);
    g_debug ("%s: %s", self->helper_path, local_error->message);
    g_set_error (error, KITH_ERROR, KITH_ERROR_MEDIA,
                 _("The call’s sound and video could not be set up: %s"), local_error->message);
    return FALSE;
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
    return FALSE;
  }
  stream = g_socket_connection_factory_create_connection (socket);
  process->cancellable = g_cancellable_new ();
  self->process = process;

  g_dbus_connection_new (G_IO_STREAM (stream), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, process->cancellable, on_connected, self);
  return TRUE;
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

static void
on_helper_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GSubprocess *helper = G_SUBPROCESS (source);

  if (!g_subprocess_wait_finish (helper, result, NULL))
    return;
  /* Killed: the call has ended with "stopped working" already. An exit
   * status is the helper's own complaint (a stop that hung, a leak
   * under LeakSanitizer): said aloud. */
  if (g_subprocess_get_if_signaled (helper))
    g_debug ("media process ended by signal %d", g_subprocess_get_term_sig (helper));
  else if (g_subprocess_get_exit_status (helper) != 0)
    g_warning ("the call's media process exited with status %d", g_subprocess_get_exit_status (helper));
}

void
kith_call_media_process_stop (KithCallMedia *self)
{
  KithCallMediaProcess *process = self->process;

  if (process == NULL)
    return;
  self->process = NULL;

  g_cancellable_cancel (process->cancellable);
  if (process->connection != NULL) {
    g_clear_signal_handler (&process->closed_handler, process->connection);
    /* Stop, then the socket closed: the helper exits on either. */
    if (!g_dbus_connection_is_closed (process->connection))
      g_dbus_connection_call (process->connection, NULL, OBJECT_PATH, "im.kith.CallMedia1", "Stop",
                              NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    g_dbus_connection_close (process->connection, NULL, NULL, NULL);
  }
  if (process->proxy != NULL)
    g_signal_handlers_disconnect_by_data (process->proxy, self);
  g_clear_object (&process->proxy);
  if (process->owner != NULL) {
    g_signal_handlers_disconnect_by_data (process->owner, self);
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (process->owner));
  }
  g_clear_object (&process->owner);
  g_clear_object (&process->connection);
  g_clear_object (&process->cancellable);
  /* Reaped when it exits (it does, the socket closed). */
  g_subprocess_wait_async (process->helper, NULL, on_helper_exited, NULL);
  g_clear_object (&process->helper);
  g_free (process);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kith-call-media: one call's media, in a process of its own
 * (docs/service.md, "Call media in a process of its own").
 *
 * Started by KithCallMedia (kith-call-media-process.c) with one end of a
 * socket pair as --fd; serves im.kith.CallMedia1 on a private D-Bus
 * connection over it, runs a KithCallMedia (the pipeline) for it, and
 * hands its frames to the owner's im.kith.CallMediaOwner1 in sealed
 * memfds. It exits when told to stop, or when the owner is gone (the
 * socket closed): what the call allocated goes with it.
 */
#define _GNU_SOURCE   /* memfd_create, F_ADD_SEALS */
#define G_LOG_DOMAIN "KithCallMedia"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <locale.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>

#include <gst/gst.h>

#include "kith-call-media-private.h"
#include "kith-dbus-call-media.h"

#define OBJECT_PATH        "/im/kith/CallMedia"
#define OWNER_OBJECT_PATH  "/im/kith/CallMediaOwner"
/* How often the counters may be sent (they are read at the call's end). */
#define COUNTERS_MS        200
/* Stop not done by then (a pipeline stuck going to NULL): exit anyway. */
#define STOP_GRACE_S       5

typedef struct {
  GMainLoop              *loop;
  GDBusConnection        *connection;
  KithDBusCallMedia      *skeleton;
  KithDBusCallMediaOwner *owner;
  KithCallMedia          *media;
  gboolean                frame_out[2];   /* a frame of that stream awaits its answer */
  guint64                 counters[3];
  KithCallMedia          *stopping;       /* weak: stopped, its start's worker may still run */
} Helper;

/* ---- the media's signals, to the owner ---- */

static void
on_local_description (KithCallMedia *media,
                      const char    *type,
                      const char    *sdp,
                      Helper        *helper)
{
  kith_dbus_call_media_emit_local_description (helper->skeleton, type, sdp);
}

static void
on_local_candidate (KithCallMedia *media,
                    guint          mline,
                    const char    *candidate,
                    Helper        *helper)
{
  kith_dbus_call_media_emit_local_candidate (helper->skeleton, mline, candidate);
}

static void
send_counters (Helper *helper)
{
  guint64 now[3] = {
    kith_call_media_get_audio_buffers (helper->media),
    kith_call_media_get_audible_audio_buffers (helper->media),
    kith_call_media_get_video_frames (helper->media),
  };

  if (memcmp (now, helper->counters, sizeof now) == 0)
    return;
  memcpy (helper->counters, now, sizeof now);
  kith_dbus_call_media_emit_counters (helper->skeleton, now[0], now[1], now[2]);
}

static void
on_state_changed (KithCallMedia      *media,
                  KithCallMediaState  state,
                  KithCallMediaState  old,
                  Helper             *helper)
{
  send_counters (helper);
  kith_dbus_call_media_emit_state_changed (helper->skeleton, state);
}

static void
on_first_audio (KithCallMedia *media,
                Helper        *helper)
{
  send_counters (helper);
  kith_dbus_call_media_emit_first_audio (helper->skeleton);
}

static void
on_ice_connected (KithCallMedia *media,
                  gint64         at,
                  Helper        *helper)
{
  kith_dbus_call_media_emit_ice_connected (helper->skeleton, at);
}

static void
on_error (KithCallMedia *media,
          GError        *error,
          Helper        *helper)
{
  kith_dbus_call_media_emit_error (helper->skeleton, error->message);
}

static gboolean
on_counters_tick (gpointer data)
{
  Helper *helper = data;

  if (helper->media != NULL)
    send_counters (helper);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  Helper *helper;
  guint   stream;
} FrameSent;

static void
on_frame_answered (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  FrameSent *sent = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_dbus_call_media_owner_call_frame_finish (KITH_DBUS_CALL_MEDIA_OWNER (source), NULL,
                                                     result, &error))
    g_debug ("frame: %s", error->message);
  sent->helper->frame_out[sent->stream] = FALSE;
  g_free (sent);
}

/* The frame in a memfd of its own, sealed: the owner maps it, and nothing
 * here can shrink or change it under that mapping. One frame of a stream
 * at a time: a newer one meanwhile is dropped (the owner shows the latest). */
static void
send_frame (Helper *helper,
            guint   stream,
            GBytes *pixels,
            int     width,
            int     height,
            int     stride)
{
  g_autoptr (GUnixFDList) fds = NULL;
  gsize size, done = 0;
  const guint8 *data = g_bytes_get_data (pixels, &size);
  FrameSent *sent;
  int fd;

  if (helper->frame_out[stream] || helper->owner == NULL)
    return;
  fd = memfd_create ("kith-call-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    g_debug ("memfd_create: %s", g_strerror (errno));
    return;
  }
  while (done < size) {
    ssize_t n = write (fd, data + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_debug ("frame: %s", g_strerror (errno));
      close (fd);
      return;
    }
    done += n;
  }
  fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  fds = g_unix_fd_list_new_from_array (&fd, 1);   /* takes fd */

  sent = g_new0 (FrameSent, 1);
  sent->helper = helper;
  sent->stream = stream;
  helper->frame_out[stream] = TRUE;
  kith_dbus_call_media_owner_call_frame (helper->owner, stream, g_variant_new_handle (0),
                                         width, height, stride, fds, NULL,
                                         on_frame_answered, sent);
}

static void
on_video_frame (KithCallMedia *media,
                GBytes        *pixels,
                int            width,
                int            height,
                int            stride,
                Helper        *helper)
{
  send_frame (helper, 0, pixels, width, height, stride);
}

static void
on_self_video_frame (KithCallMedia *media,
                     GBytes        *pixels,
                     int            width,
                     int            height,
                     int            stride,
                     Helper        *helper)
{
  send_frame (helper, 1, pixels, width, height, stride);
}

/* ---- the owner's calls ---- */

static gboolean
handle_start (KithDBusCallMedia     *skeleton,
              GDBusMethodInvocation *invocation,
              gboolean               video,
              const char * const    *ice_servers,
              gboolean               loopback,
              guint                  echo_ms,
              gboolean               muted,
              gboolean               camera,
              GVariant              *environment,
              Helper                *helper)
{
  g_autoptr (GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GError) error = NULL;
  GVariantIter iter;
  char *name, *value;

  if (helper->media != NULL) {
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   "started already");
    return TRUE;
  }
  helper->media = kith_call_media_new (video, ice_servers);
  /* The owner's choices as they are now: this process may have been
   * started (a spare) before they were made. */
  g_variant_iter_init (&iter, environment);
  while (g_variant_iter_next (&iter, "{ss}", &name, &value))
    g_hash_table_insert (table, name, value);
  kith_call_media_set_environment (helper->media, table);
  kith_call_media_set_loopback (helper->media, loopback);
  if (echo_ms > 0)
    kith_call_media_set_echo (helper->media, echo_ms);
  kith_call_media_set_muted (helper->media, muted);
  kith_call_media_set_camera (helper->media, camera);
  g_signal_connect (helper->media, "local-description", G_CALLBACK (on_local_description), helper);
  g_signal_connect (helper->media, "local-candidate", G_CALLBACK (on_local_candidate), helper);
  g_signal_connect (helper->media, "state-changed", G_CALLBACK (on_state_changed), helper);
  g_signal_connect (helper->media, "first-audio", G_CALLBACK (on_first_audio), helper);
  g_signal_connect (helper->media, "ice-connected", G_CALLBACK (on_ice_connected), helper);
  g_signal_connect (helper->media, "error", G_CALLBACK (on_error), helper);
  g_signal_connect (helper->media, "video-frame", G_CALLBACK (on_video_frame), helper);
  g_signal_connect (helper->media, "self-video-frame", G_CALLBACK (on_self_video_frame), helper);

  if (!kith_call_media_start (helper->media, &error)) {
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   error->message);
    return TRUE;
  }
  /* The media starts on a worker thread; what fails there is its error
   * signal (sent on above), and calls made meanwhile wait in it. */
  kith_dbus_call_media_complete_start (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_create_offer (KithDBusCallMedia     *skeleton,
                     GDBusMethodInvocation *invocation,
                     Helper                *helper)
{
  if (helper->media != NULL)
    kith_call_media_create_offer (helper->media);
  kith_dbus_call_media_complete_create_offer (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_set_remote_description (KithDBusCallMedia     *skeleton,
                               GDBusMethodInvocation *invocation,
                               const char            *type,
                               const char            *sdp,
                               Helper                *helper)
{
  if (helper->media != NULL)
    kith_call_media_set_remote_description (helper->media, type, sdp);
  kith_dbus_call_media_complete_set_remote_description (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_add_remote_candidate (KithDBusCallMedia     *skeleton,
                             GDBusMethodInvocation *invocation,
                             guint                  mline,
                             const char            *candidate,
                             Helper                *helper)
{
  if (helper->media != NULL)
    kith_call_media_add_remote_candidate (helper->media, mline, candidate);
  kith_dbus_call_media_complete_add_remote_candidate (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_set_muted (KithDBusCallMedia     *skeleton,
                  GDBusMethodInvocation *invocation,
                  gboolean               muted,
                  Helper                *helper)
{
  if (helper->media != NULL)
    kith_call_media_set_muted (helper->media, muted);
  kith_dbus_call_media_complete_set_muted (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_set_camera (KithDBusCallMedia     *skeleton,
                   GDBusMethodInvocation *invocation,
                   gboolean               on,
                   Helper                *helper)
{
  if (helper->media != NULL)
    kith_call_media_set_camera (helper->media, on);
  kith_dbus_call_media_complete_set_camera (skeleton, invocation);
  return TRUE;
}

static gboolean
on_stop_grace (gpointer data)
{
  g_debug ("stop took more than %d s: exiting", STOP_GRACE_S);
  _exit (1);
}

static void
stop (Helper *helper)
{
  if (helper->media != NULL) {
    g_signal_handlers_disconnect_by_data (helper->media, helper);
    kith_call_media_stop (helper->media);
    helper->stopping = helper->media;
    g_object_add_weak_pointer (G_OBJECT (helper->stopping), (gpointer *) &helper->stopping);
    g_clear_object (&helper->media);
  }
  g_main_loop_quit (helper->loop);
}

static gboolean
handle_stop (KithDBusCallMedia     *skeleton,
             GDBusMethodInvocation *invocation,
             Helper                *helper)
{
  g_timeout_add_seconds (STOP_GRACE_S, on_stop_grace, NULL);
  if (helper->media != NULL)
    send_counters (helper);
  kith_dbus_call_media_complete_stop (skeleton, invocation);
  stop (helper);
  return TRUE;
}

static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           Helper          *helper)
{
  g_debug ("the owner is gone");
  g_timeout_add_seconds (STOP_GRACE_S, on_stop_grace, NULL);
  stop (helper);
}

/* ---- main ---- */

/* What a call's set-up would otherwise wait for, done as the helper starts
 * (for a spare, long before its call): GStreamer's DTLS elements make
 * their certificate, an RSA key (~180 ms here), when the process's first
 * one is made; and the call's plugins are loaded. */
static gpointer
warm_up (gpointer data)
{
  static const char * const factories[] = {
    "dtlsdec", "webrtcbin", "srtpenc", "srtpdec", "nicesrc", "nicesink", "rtpbin",
    "opusenc", "opusdec", "rtpopuspay", "rtpopusdepay", "vp8enc", "vp8dec", "rtpvp8pay",
    "rtpvp8depay", "webrtcdsp", "webrtcechoprobe", "audioconvert", "audioresample", "volume",
    "videoconvert", "videoscale", "videorate", "capsfilter", "tee", "queue", "appsink",
    "appsrc", "fakesink",
  };

  for (guint i = 0; i < G_N_ELEMENTS (factories); i++) {
    GstElement *element = gst_element_factory_make (factories[i], NULL);

    if (element != NULL)
      gst_object_unref (gst_object_ref_sink (element));
  }
  return NULL;
}

/* The owner's requests on the socket @fd, until it says stop or goes. */
static int
serve (int fd)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *guid = NULL;
  Helper helper = { 0 };

  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL) {
    g_printerr ("kith-call-media: --fd=%d: %s\n", fd, error->message);
    return 2;
  }
  stream = g_socket_connection_factory_create_connection (socket);
  guid = g_dbus_generate_guid ();
  helper.connection = g_dbus_connection_new_sync (G_IO_STREAM (stream), guid,
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                                                  G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                                                  NULL, NULL, &error);
  if (helper.connection == NULL) {
    /* The owner went before it said a word (a spare let go as it
     * started): nothing to complain of. */
    g_debug ("no connection to the owner: %s", error->message);
    return 0;
  }
  g_dbus_connection_set_exit_on_close (helper.connection, FALSE);

  helper.loop = g_main_loop_new (NULL, FALSE);
  helper.skeleton = kith_dbus_call_media_skeleton_new ();
  g_signal_connect (helper.skeleton, "handle-start", G_CALLBACK (handle_start), &helper);
  g_signal_connect (helper.skeleton, "handle-create-offer", G_CALLBACK (handle_create_offer), &helper);
  g_signal_connect (helper.skeleton, "handle-set-remote-description",
                    G_CALLBACK (handle_set_remote_description), &helper);
  g_signal_connect (helper.skeleton, "handle-add-remote-candidate",
                    G_CALLBACK (handle_add_remote_candidate), &helper);
  g_signal_connect (helper.skeleton, "handle-set-muted", G_CALLBACK (handle_set_muted), &helper);
  g_signal_connect (helper.skeleton, "handle-set-camera", G_CALLBACK (handle_set_camera), &helper);
  g_signal_connect (helper.skeleton, "handle-stop", G_CALLBACK (handle_stop), &helper);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (helper.skeleton),
                                         helper.connection, OBJECT_PATH, &error)) {
    g_printerr ("kith-call-media: %s\n", error->message);
    g_clear_object (&helper.skeleton);
    g_clear_object (&helper.connection);
    g_main_loop_unref (helper.loop);
    return 1;
  }
  helper.owner = KITH_DBUS_CALL_MEDIA_OWNER (
    kith_dbus_call_media_owner_proxy_new_sync (helper.connection,
                                               G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                               G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
                                               G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                               NULL, OWNER_OBJECT_PATH, NULL, &error));
  g_signal_connect (helper.connection, "closed", G_CALLBACK (on_closed), &helper);
  g_timeout_add (COUNTERS_MS, on_counters_tick, &helper);
  g_dbus_connection_start_message_processing (helper.connection);

  g_main_loop_run (helper.loop);

  /* A start's worker thread still making the pipeline holds the media
   * until it returns (to this main context): not out of main () before. */
  while (helper.stopping != NULL) {
    g_autoptr (GSource) tick = g_timeout_source_new (100);

    g_source_set_dummy_callback (tick);
    g_source_attach (tick, NULL);
    g_main_context_iteration (NULL, TRUE);
    g_source_destroy (tick);
  }

  /* What was said goes out before the process does. */
  g_dbus_connection_flush_sync (helper.connection, NULL, NULL);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (helper.skeleton));
  g_clear_object (&helper.owner);
  g_clear_object (&helper.skeleton);
  g_clear_object (&helper.connection);
  g_main_loop_unref (helper.loop);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GOptionContext) options = NULL;
  g_autoptr (GError) error = NULL;
  GThread *warming = NULL;
  int fd = -1;
  int status;
  const GOptionEntry entries[] = {
    { "fd", 0, 0, G_OPTION_ARG_INT, &fd, "The socket to the call's owner", "FD" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("kith-call-media");

  options = g_option_context_new ("— one call's media, for Kith");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || fd < 0) {
    g_printerr ("kith-call-media: %s\n", error != NULL ? error->message : "--fd is needed");
    return 2;
  }

  if (gst_init_check (NULL, NULL, NULL))
    warming = g_thread_new ("kith-warm-up", warm_up, NULL);
  status = serve (fd);
  /* Never out of main () while it runs: the libraries' exit handlers
   * (OpenSSL's) would pull their state from under it. A spare let go as
   * it started waits for it here. */
  if (warming != NULL)
    g_thread_join (warming);
  return status;
}

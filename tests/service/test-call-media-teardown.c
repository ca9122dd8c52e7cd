/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallMedia"

#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "kith-call-media-private.h"

/*
 * KithCallMedia stopped while webrtcbin still has work of ours queued:
 * nothing of GStreamer's complains (its warnings are fatal here, as in
 * every test). And kith-call-media, the media's process, let go by its
 * owner as it starts. The rest of the media's tests are in
 * test-call-media.c.
 */

#define WAIT_MS 60000

typedef struct {
  GMutex   lock;
  GCond    cond;
  gboolean posted;
} HeldOffer;

/* On webrtcbin's thread, just after our offer was made and its
 * set-local-description queued behind this task: the test is told, and
 * the thread held a while, so that the stop comes with that still queued. */
static GstBusSyncReply
hold_after_offer (GstBus     *bus,
                  GstMessage *message,
                  gpointer    user_data)
{
  HeldOffer *held = user_data;
  const GstStructure *structure = gst_message_get_structure (message);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_APPLICATION && structure != NULL &&
      gst_structure_has_name (structure, "kith-local-description")) {
    g_mutex_lock (&held->lock);
    held->posted = TRUE;
    g_cond_signal (&held->cond);
    g_mutex_unlock (&held->lock);
    g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  }
  return GST_BUS_PASS;
}

/* A call stopped just after its offer was made (glare drops our call so):
 * webrtcbin drops the work still queued, and no promise of ours is freed
 * while pending (GStreamer's runtime check, fatal here). */
static void
test_stop_with_offer_queued (void)
{
  for (int i = 0; i < 3; i++) {
    g_autoptr (KithCallMedia) media = kith_call_media_new (FALSE, NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (GstBus) bus = NULL;
    HeldOffer held = { 0 };
    gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

    g_mutex_init (&held.lock);
    g_cond_init (&held.cond);
    kith_call_media_set_loopback (media, TRUE);
    g_assert_true (kith_call_media_start (media, &error));
    g_assert_no_error (error);
    while (kith_call_media_get_pipeline (media) == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_nonnull (kith_call_media_get_pipeline (media));
    bus = gst_element_get_bus (kith_call_media_get_pipeline (media));
    gst_bus_set_sync_handler (bus, hold_after_offer, &held, NULL);

    kith_call_media_create_offer (media);
    g_mutex_lock (&held.lock);
    while (!held.posted && g_get_monotonic_time () < deadline)
      g_cond_wait_until (&held.cond, &held.lock, deadline);
    g_mutex_unlock (&held.lock);
    g_assert_true (held.posted);

    kith_call_media_stop (media);
    gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
    g_mutex_clear (&held.lock);
    g_cond_clear (&held.cond);
  }
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL));
  *exited = TRUE;
}

/* A spare helper let go at once (kith-cli call exits as its call ends,
 * just after starting one): it exits by itself, at once and cleanly,
 * though its warm-up (OpenSSL's start among it) still runs. Its libraries'
 * exit handlers ran under that warm-up before it waited for it, and the
 * helper crashed (under AddressSanitizer, then hung in its leak check). */
static void
test_helper_let_go_at_once (void)
{
  const char *path = g_getenv ("KITH_CALL_MEDIA_HELPER");

  g_assert_nonnull (path);
  for (int i = 0; i < 10; i++) {
    g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr (GSubprocess) helper = NULL;
    g_autoptr (GError) error = NULL;
    gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean exited = FALSE;
    char said[4096] = "";
    gsize length = 0;
    int fds[2];

    g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
    g_subprocess_launcher_take_fd (launcher, fds[1], 3);
    helper = g_subprocess_launcher_spawn (launcher, &error, path, "--fd=3", NULL);
    g_assert_no_error (error);
    /* Its start under way: the owner goes. */
    g_usleep (20 * G_TIME_SPAN_MILLISECOND * (i % 5));
    close (fds[0]);
    g_subprocess_wait_async (helper, NULL, on_exited, &exited);
    while (!exited && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (exited);
    /* Nothing said on the way out (a sanitizer's report of a crash in
     * the warm-up thread, with the exit status still 0). */
    g_assert_true (g_input_stream_read_all (g_subprocess_get_stderr_pipe (helper), said, sizeof said - 1,
                                            &length, NULL, NULL));
    said[length] = '\0';
    g_assert_cmpstr (said, ==, "");
    g_assert_true (g_subprocess_get_if_exited (helper));
    g_assert_cmpint (g_subprocess_get_exit_status (helper), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  g_setenv ("KITH_VIDEOSRC", "videotestsrc is-live=true", TRUE);
  g_setenv ("KITH_AUDIOSINK", "fakesink", TRUE);
  g_unsetenv ("KITH_VIDEOSINK");

  g_test_add_func ("/call-media/stop-with-offer-queued", test_stop_with_offer_queued);
  g_test_add_func ("/call-media/helper-let-go-at-once", test_helper_let_go_at_once);

  return g_test_run ();
}

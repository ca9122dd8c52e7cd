/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestRinger"

#include "config.h"

#include "kith-ringer.h"

#define WAIT_US (20 * G_USEC_PER_SEC)

/* Iterates the main context until @ringer's buffers reach @count (TRUE)
 * or 20 s passed (FALSE). */
static gboolean
wait_buffers (KithRinger *ringer,
              guint       count)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (kith_ringer_get_buffers (ringer) < count) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (5000);
  }
  return TRUE;
}

static gboolean
wait_stopped (KithRinger *ringer)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (kith_ringer_get_playing (ringer)) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_main_context_iteration (NULL, TRUE);
  }
  return TRUE;
}

/* The tone plays to $KITH_RINGSINK in real time (10 ms buffers from a live
 * source), until stopped; started again, it plays again. */
static void
test_plays_and_stops (void)
{
  g_autoptr (KithRinger) ringer = kith_ringer_new ();
  guint stopped_at;

  g_setenv ("KITH_RINGSINK", "fakesink sync=true", TRUE);
  g_assert_false (kith_ringer_get_playing (ringer));
  kith_ringer_start (ringer);
  g_assert_true (kith_ringer_get_playing (ringer));
  /* A second start while ringing changes nothing. */
  kith_ringer_start (ringer);
  g_assert_true (wait_buffers (ringer, 20));

  kith_ringer_stop (ringer);
  g_assert_false (kith_ringer_get_playing (ringer));
  stopped_at = kith_ringer_get_buffers (ringer);
  /* The pipeline is gone: nothing more reaches the sink. */
  g_usleep (100000);
  g_assert_cmpuint (kith_ringer_get_buffers (ringer), ==, stopped_at);
  kith_ringer_stop (ringer);

  kith_ringer_start (ringer);
  g_assert_true (kith_ringer_get_playing (ringer));
  g_assert_true (wait_buffers (ringer, 5));
}

/* A sink that cannot be made, or fails while it plays (the audio device
 * gone), leaves the ringer silent and stopped, with a log line, never a
 * warning (the tests make warnings fatal) or a crash. */
static void
test_broken_sink (void)
{
  g_autoptr (KithRinger) ringer = kith_ringer_new ();

  g_setenv ("KITH_RINGSINK", "no-such-audio-sink", TRUE);
  kith_ringer_start (ringer);
  g_assert_false (kith_ringer_get_playing (ringer));
  kith_ringer_stop (ringer);

  g_setenv ("KITH_RINGSINK", "fakesink state-error=ready-to-paused", TRUE);
  kith_ringer_start (ringer);
  g_assert_false (kith_ringer_get_playing (ringer));

  g_setenv ("KITH_RINGSINK", "identity error-after=5 ! fakesink sync=true", TRUE);
  kith_ringer_start (ringer);
  g_assert_true (kith_ringer_get_playing (ringer));
  g_assert_true (wait_stopped (ringer));
  g_assert_cmpuint (kith_ringer_get_buffers (ringer), >=, 4);

  /* It rings again once the sink works. */
  g_setenv ("KITH_RINGSINK", "fakesink sync=true", TRUE);
  kith_ringer_start (ringer);
  g_assert_true (kith_ringer_get_playing (ringer));
  g_assert_true (wait_buffers (ringer, 5));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ringer/plays-and-stops", test_plays_and_stops);
  g_test_add_func ("/ringer/broken-sink", test_broken_sink);

  return g_test_run ();
}

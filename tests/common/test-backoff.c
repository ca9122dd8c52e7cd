/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestBackoff"

#include "config.h"

#include "kith-backoff.h"

/* The window doubles from min to max; the wait is in its last three
 * quarters, and every value there can come out. */
static void
test_window (void)
{
  const guint32 randoms[] = { 0, 1, 7, 1000, 1499, 1500, 123456789, G_MAXUINT32 };

  for (guint attempt = 0; attempt < 40; attempt++) {
    guint64 window = MIN ((guint64) 2000 << MIN (attempt, 24), 30000);

    for (guint i = 0; i < G_N_ELEMENTS (randoms); i++) {
      guint delay = kith_backoff_delay_ms (attempt, 2000, 30000, randoms[i]);

      g_assert_cmpuint (delay, >=, window / 4);
      g_assert_cmpuint (delay, <=, window);
    }
  }
  g_assert_cmpuint (kith_backoff_delay_ms (0, 2000, 30000, 0), ==, 500);
  g_assert_cmpuint (kith_backoff_delay_ms (0, 2000, 30000, 1500), ==, 2000);
  /* Degenerate settings stay sane. */
  g_assert_cmpuint (kith_backoff_delay_ms (0, 0, 0, 12345), <=, 1);
  g_assert_cmpuint (kith_backoff_delay_ms (100, 2000, 30000, 0), ==, 7500);
}

/* 5,000 clients at attempt 0: spread evenly over the window's last three
 * quarters (no tenth of it holds more than twice its share). */
static void
test_spread (void)
{
  guint buckets[10] = { 0 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < 5000; i++) {
    guint delay = kith_backoff_delay_ms (0, 2000, 30000, g_rand_int (rand));

    buckets[MIN ((delay - 500) * 10 / 1501, 9)]++;
  }
  for (guint b = 0; b < 10; b++)
    g_assert_cmpuint (buckets[b], <, 2 * 5000 / 10);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/backoff/window", test_window);
  g_test_add_func ("/backoff/spread", test_spread);

  return g_test_run ();
}

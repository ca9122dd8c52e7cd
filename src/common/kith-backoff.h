/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * How long a client waits before it connects again (docs/protocol.md,
 * "Reconnecting"): the window doubles with each failed attempt, from
 * @min_ms up to @max_ms, and the wait falls anywhere between a quarter of
 * the window and all of it. When kithd restarts, every client starts at
 * attempt 0 together: the quarter-to-all spread turns that into a bounded
 * rate (N clients over 3/4 of min_ms) instead of a wall of connections.
 * @random is any 32-bit random number (g_random_int ()).
 */
/* The clients' defaults (KithSignalling; the drills use them too). */
#define KITH_BACKOFF_MIN_MS_DEFAULT 2000
#define KITH_BACKOFF_MAX_MS_DEFAULT 30000

guint kith_backoff_delay_ms (guint   attempt,
                             guint   min_ms,
                             guint   max_ms,
                             guint32 random);

G_END_DECLS

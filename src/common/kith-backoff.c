/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBackoff"

#include "config.h"

#include "kith-backoff.h"

guint
kith_backoff_delay_ms (guint   attempt,
                       guint   min_ms,
                       guint   max_ms,
                       guint32 random)
{
  guint64 window = MIN ((guint64) MAX (min_ms, 1) << MIN (attempt, 24), (guint64) MAX (max_ms, 1));
  guint64 floor = window / 4;

  return floor + random % (window - floor + 1);
}

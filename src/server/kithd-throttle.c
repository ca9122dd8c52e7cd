/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdThrottle"

#include "config.h"

#include "kithd-throttle.h"

struct _KithdThrottle
{
  GHashTable *failures;   /* "a:EMAIL" / "i:ADDRESS" -> GArray of gint64 times (ms) */
  guint       n_since_sweep;
};

static void
prune (GArray *times,
       gint64  now_ms)
{
  guint keep = 0;

  while (keep < times->len &&
         g_array_index (times, gint64, keep) <= now_ms - KITHD_THROTTLE_WINDOW_MS)
    keep++;
  if (keep)
    g_array_remove_range (times, 0, keep);
}

static guint
retry_after (KithdThrottle *self,
             const char    *key,
             guint          limit,
             gint64         now_ms)
{
  GArray *times = g_hash_table_lookup (self->failures, key);
  gint64 free_at;

  if (!times)
    return 0;
  prune (times, now_ms);
  if (times->len < limit)
    return 0;

  /* The window moves on when the oldest counted failure leaves it. */
  free_at = g_array_index (times, gint64, times->len - limit) + KITHD_THROTTLE_WINDOW_MS;

  return MAX (1, (free_at - now_ms + 999) / 1000);
}

static void
record (KithdThrottle *self,
        const char    *key,
        gint64         now_ms)
{
  GArray *times = g_hash_table_lookup (self->failures, key);

  if (!times) {
    times = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_hash_table_insert (self->failures, g_strdup (key), times);
  }
  prune (times, now_ms);
  g_array_append_val (times, now_ms);
}

static void
sweep (KithdThrottle *self,
       gint64         now_ms)
{
  GHashTableIter iter;
  GArray *times;

  g_hash_table_iter_init (&iter, self->failures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &times)) {
    prune (times, now_ms);
    if (times->len == 0)
      g_hash_table_iter_remove (&iter);
  }
}

KithdThrottle *
kithd_throttle_new (void)
{
  KithdThrottle *self = g_new0 (KithdThrottle, 1);

  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  return self;
}

void
kithd_throttle_free (KithdThrottle *self)
{
  if (!self)
    return;
  g_hash_table_unref (self->failures);
  g_free (self);
}

guint
kithd_throttle_check (KithdThrottle *self,
                      const char    *account,
                      const char    *address,
                      gint64         now_ms)
{
  g_autofree char *akey = g_strconcat ("a:", account, NULL);
  g_autofree char *ikey = g_strconcat ("i:", address, NULL);

  return MAX (retry_after (self, akey, KITHD_THROTTLE_ACCOUNT_LIMIT, now_ms),
              retry_after (self, ikey, KITHD_THROTTLE_ADDRESS_LIMIT, now_ms));
}

void
kithd_throttle_failure (KithdThrottle *self,
                        const char    *account,
                        const char    *address,
                        gint64         now_ms)
{
  g_autofree char *akey = g_strconcat ("a:", account, NULL);
  g_autofree char *ikey = g_strconcat ("i:", address, NULL);

  record (self, akey, now_ms);
  record (self, ikey, now_ms);

  if (++self->n_since_sweep >= 1024) {
    self->n_since_sweep = 0;
    sweep (self, now_ms);
  }
}

void
kithd_throttle_success (KithdThrottle *self,
                        const char    *account)
{
  g_autofree char *akey = g_strconcat ("a:", account, NULL);

  g_hash_table_remove (self->failures, akey);
}

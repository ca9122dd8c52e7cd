/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdThrottle"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "kithd-throttle.h"

#define MINUTE_MS (60 * 1000LL)

struct _KithdThrottle
{
  KithdLimitRule  rules[KITHD_N_LIMITS];
  GHashTable     *events[KITHD_N_LIMITS];  /* key -> GArray of gint64 times (ms), oldest first */
  guint           n_since_sweep;
  GHashTable     *hashing;                 /* address key -> in flight (GUINT_TO_POINTER) */
  guint           hashing_total;
  guint           hashes_per_address;
  guint           hashes_in_all;
};

/* The defaults (docs/server.md, "Throttling"); kithd.conf may change them. */
static const KithdLimitRule default_rules[KITHD_N_LIMITS] = {
  [KITHD_LIMIT_LOGIN_ADDRESS]         = { 20, 15 * MINUTE_MS },
  [KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS] = { 5,  15 * MINUTE_MS },
  [KITHD_LIMIT_PASSWORD_CHANGE]       = { 5,  15 * MINUTE_MS },
  [KITHD_LIMIT_SIGN_UP_ADDRESS]       = { 20, 60 * MINUTE_MS },
  [KITHD_LIMIT_RESET_EMAIL]           = { 3,  60 * MINUTE_MS },
  [KITHD_LIMIT_RESET_ADDRESS]         = { 10, 60 * MINUTE_MS },
};

static void
prune (GArray *times,
       gint64  now_ms,
       gint64  window_ms)
{
  guint drop = 0;

  while (drop < times->len && g_array_index (times, gint64, drop) <= now_ms - window_ms)
    drop++;
  if (drop)
    g_array_remove_range (times, 0, drop);
}

static void
sweep (KithdThrottle *self,
       gint64         now_ms)
{
  for (guint l = 0; l < KITHD_N_LIMITS; l++) {
    GHashTableIter iter;
    GArray *times;

    g_hash_table_iter_init (&iter, self->events[l]);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &times)) {
      prune (times, now_ms, self->rules[l].window_ms);
      if (times->len == 0)
        g_hash_table_iter_remove (&iter);
    }
  }
}

KithdThrottle *
kithd_throttle_new (void)
{
  KithdThrottle *self = g_new0 (KithdThrottle, 1);

  for (guint l = 0; l < KITHD_N_LIMITS; l++) {
    self->rules[l] = default_rules[l];
    self->events[l] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_array_unref);
  }
  self->hashing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->hashes_per_address = KITHD_THROTTLE_HASHES_PER_ADDRESS;
  self->hashes_in_all = KITHD_THROTTLE_HASHES_IN_ALL;
  return self;
}

void
kithd_throttle_free (KithdThrottle *self)
{
  if (!self)
    return;
  for (guint l = 0; l < KITHD_N_LIMITS; l++)
    g_hash_table_unref (self->events[l]);
  g_hash_table_unref (self->hashing);
  g_free (self);
}

void
kithd_throttle_set_rule (KithdThrottle *self,
                         KithdLimit     limit,
                         guint          count,
                         gint64         window_ms)
{
  g_return_if_fail (limit < KITHD_N_LIMITS);

  self->rules[limit].count = count;
  self->rules[limit].window_ms = MAX (window_ms, 1);
}

const KithdLimitRule *
kithd_throttle_get_rule (KithdThrottle *self,
                         KithdLimit     limit)
{
  g_return_val_if_fail (limit < KITHD_N_LIMITS, NULL);

  return &self->rules[limit];
}

guint
kithd_throttle_check (KithdThrottle *self,
                      KithdLimit     limit,
                      const char    *key,
                      gint64         now_ms)
{
  const KithdLimitRule *rule = &self->rules[limit];
  GArray *times;
  gint64 free_at;

  if (rule->count == 0)
    return 0;
  times = g_hash_table_lookup (self->events[limit], key);
  if (!times)
    return 0;
  prune (times, now_ms, rule->window_ms);
  if (times->len < rule->count)
    return 0;

  /* One more is allowed when the oldest event that fills the window has
   * left it. */
  free_at = g_array_index (times, gint64, times->len - rule->count) + rule->window_ms;
  return MAX (1, (free_at - now_ms + 999) / 1000);
}

void
kithd_throttle_count (KithdThrottle *self,
                      KithdLimit     limit,
                      const char    *key,
                      gint64         now_ms)
{
  const KithdLimitRule *rule = &self->rules[limit];
  GArray *times;

  if (rule->count == 0)
    return;
  times = g_hash_table_lookup (self->events[limit], key);
  if (!times) {
    times = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 4);
    g_hash_table_insert (self->events[limit], g_strdup (key), times);
  }
  prune (times, now_ms, rule->window_ms);
  g_array_append_val (times, now_ms);
  /* Only the newest `count` events matter: memory per key stays bounded. */
  if (times->len > rule->count)
    g_array_remove_range (times, 0, times->len - rule->count);

  if (++self->n_since_sweep >= 1024) {
    self->n_since_sweep = 0;
    sweep (self, now_ms);
  }
}

void
kithd_throttle_uncount (KithdThrottle *self,
                        KithdLimit     limit,
                        const char    *key,
                        gint64         now_ms)
{
  GArray *times = g_hash_table_lookup (self->events[limit], key);

  if (!times)
    return;
  for (guint i = times->len; i > 0; i--) {
    if (g_array_index (times, gint64, i - 1) == now_ms) {
      g_array_remove_index (times, i - 1);
      break;
    }
  }
  if (times->len == 0)
    g_hash_table_remove (self->events[limit], key);
}

void
kithd_throttle_forget (KithdThrottle *self,
                       KithdLimit     limit,
                       const char    *key)
{
  g_hash_table_remove (self->events[limit], key);
}

void
kithd_throttle_set_hash_bounds (KithdThrottle *self,
                                guint          per_address,
                                guint          in_all)
{
  self->hashes_per_address = per_address;
  self->hashes_in_all = in_all;
}

gboolean
kithd_throttle_begin_hash (KithdThrottle *self,
                           const char    *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->hashing, address));

  if ((self->hashes_per_address > 0 && n >= self->hashes_per_address) ||
      (self->hashes_in_all > 0 && self->hashing_total >= self->hashes_in_all))
    return FALSE;
  g_hash_table_insert (self->hashing, g_strdup (address), GUINT_TO_POINTER (n + 1));
  self->hashing_total++;
  return TRUE;
}

void
kithd_throttle_end_hash (KithdThrottle *self,
                         const char    *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->hashing, address));

  g_return_if_fail (n > 0 && self->hashing_total > 0);

  if (n == 1)
    g_hash_table_remove (self->hashing, address);
  else
    g_hash_table_insert (self->hashing, g_strdup (address), GUINT_TO_POINTER (n - 1));
  self->hashing_total--;
}

char *
kithd_throttle_address_key (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  guint8 bytes[16] = { 0 };
  g_autoptr (GInetAddress) prefix = NULL;
  g_autofree char *text = NULL;

  if (!inet || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_strdup (address);
  if (g_inet_address_get_is_loopback (inet))
    return g_strdup (address);
  /* An IPv4 address mapped into IPv6 is that IPv4 address. */
  memcpy (bytes, g_inet_address_to_bytes (inet), 16);
  if (memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  memset (bytes + 8, 0, 8);
  prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (prefix);
  return g_strdup_printf ("%s/64", text);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * KithdThrottle: the limits on what costs kithd a password hash or a mail,
 * counted when a request arrives, before any hashing (docs/server.md,
 * "Throttling"). Each limit is a sliding window of events per key; the
 * keys name an address (an IPv6 address by its /64), an account at an
 * address, a user or an email. Hashing itself is admitted per address and
 * in all, so that no queue of hashes can build up. Main thread only.
 */

typedef enum {
  KITHD_LIMIT_LOGIN_ADDRESS,          /* log-in attempts failed or in flight, per address */
  KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS,  /* the same per account at an address */
  KITHD_LIMIT_PASSWORD_CHANGE,        /* wrong current passwords, per user */
  KITHD_LIMIT_SIGN_UP_ADDRESS,        /* sign-ups, per address */
  KITHD_LIMIT_RESET_EMAIL,            /* reset requests, per email */
  KITHD_LIMIT_RESET_ADDRESS,          /* reset requests, per address */
  KITHD_N_LIMITS
} KithdLimit;

typedef struct {
  guint  count;       /* events allowed in the window; 0: no limit */
  gint64 window_ms;
} KithdLimitRule;

/* Hashes (yescrypt) waiting or running, by default: per address, and in
 * all. On two cores a hash takes ~50 ms, so no honest log-in waits more
 * than ~1 s behind others. kithd.conf may change them. */
#define KITHD_THROTTLE_HASHES_PER_ADDRESS  8
#define KITHD_THROTTLE_HASHES_IN_ALL       32

typedef struct _KithdThrottle KithdThrottle;

KithdThrottle *kithd_throttle_new          (void);
void           kithd_throttle_free         (KithdThrottle        *self);
void           kithd_throttle_set_rule     (KithdThrottle        *self,
                                            KithdLimit            limit,
                                            guint                 count,
                                            gint64                window_ms);
const KithdLimitRule *kithd_throttle_get_rule (KithdThrottle     *self,
                                               KithdLimit         limit);
/* 0 when one more event is allowed now, else the seconds until it is. */
guint          kithd_throttle_check        (KithdThrottle        *self,
                                            KithdLimit            limit,
                                            const char           *key,
                                            gint64                now_ms);
/* Counts an event at @now_ms. */
void           kithd_throttle_count        (KithdThrottle        *self,
                                            KithdLimit            limit,
                                            const char           *key,
                                            gint64                now_ms);
/* Takes back the event counted at @now_ms (an attempt that succeeded). */
void           kithd_throttle_uncount      (KithdThrottle        *self,
                                            KithdLimit            limit,
                                            const char           *key,
                                            gint64                now_ms);
/* Forgets every event of @key. */
void           kithd_throttle_forget       (KithdThrottle        *self,
                                            KithdLimit            limit,
                                            const char           *key);

/* The hashes in flight allowed per address and in all; 0: no bound. */
void           kithd_throttle_set_hash_bounds (KithdThrottle     *self,
                                               guint              per_address,
                                               guint              in_all);
/* FALSE when @address has its bound of hashes in flight, or kithd has its
 * bound in all; else counts one, to be given back with
 * kithd_throttle_end_hash(). */
gboolean       kithd_throttle_begin_hash   (KithdThrottle        *self,
                                            const char           *address);
void           kithd_throttle_end_hash     (KithdThrottle        *self,
                                            const char           *address);

/* The key an address is limited by: an IPv4 address as it is, an IPv6
 * address by its /64 (one host often has a whole /64). */
char          *kithd_throttle_address_key  (const char           *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdThrottle, kithd_throttle_free)

G_END_DECLS

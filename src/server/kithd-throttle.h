/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Failed-login throttling: per account (5 failures) and per address (20
 * failures) within a sliding 15-minute window. Main thread only.
 */
#define KITHD_THROTTLE_WINDOW_MS       (15 * 60 * 1000)
#define KITHD_THROTTLE_ACCOUNT_LIMIT   5
#define KITHD_THROTTLE_ADDRESS_LIMIT   20

typedef struct _KithdThrottle KithdThrottle;

KithdThrottle *kithd_throttle_new     (void);
void           kithd_throttle_free    (KithdThrottle *self);
/* 0 when a login may be tried now, else the seconds until it may. */
guint          kithd_throttle_check   (KithdThrottle *self,
                                       const char    *account,
                                       const char    *address,
                                       gint64         now_ms);
void           kithd_throttle_failure (KithdThrottle *self,
                                       const char    *account,
                                       const char    *address,
                                       gint64         now_ms);
/* A successful login forgets the account's failures. */
void           kithd_throttle_success (KithdThrottle *self,
                                       const char    *account);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdThrottle, kithd_throttle_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPresence"

#include "config.h"

#include "kith-presence-rules.h"

KithPresence
kith_presence_resolve (KithChosenStatus       chosen,
                       const KithDeviceState *devices,
                       gsize                  n_devices,
                       gboolean               in_call)
{
  gboolean all_mobile = TRUE;
  gboolean all_idle = TRUE;

  g_return_val_if_fail (devices != NULL || n_devices == 0, KITH_PRESENCE_OFFLINE);

  /* 1. no connected device */
  if (n_devices == 0)
    return KITH_PRESENCE_OFFLINE;

  /* 2. hidden: contacts see offline; messages and calls still arrive */
  if (chosen == KITH_CHOSEN_HIDDEN)
    return KITH_PRESENCE_OFFLINE;

  /* 3. in a call, or chosen busy */
  if (in_call || chosen == KITH_CHOSEN_BUSY)
    return KITH_PRESENCE_BUSY;

  for (gsize i = 0; i < n_devices; i++) {
    if (devices[i].kind != KITH_DEVICE_MOBILE)
      all_mobile = FALSE;
    if (!devices[i].idle)
      all_idle = FALSE;
  }

  /* 4. only mobile devices */
  if (all_mobile)
    return KITH_PRESENCE_MOBILE;

  /* 5. every device idle */
  if (all_idle)
    return KITH_PRESENCE_IDLE;

  /* 6. */
  return KITH_PRESENCE_ONLINE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPresence"

#include "config.h"

#include "kith-presence-rules.h"

static const char * const presence_names[] = {
  [KITH_PRESENCE_OFFLINE] = "offline",
  [KITH_PRESENCE_ONLINE]  = "online",
  [KITH_PRESENCE_BUSY]    = "busy",
  [KITH_PRESENCE_IDLE]    = "idle",
  [KITH_PRESENCE_MOBILE]  = "mobile",
};

static const char * const chosen_names[] = {
  [KITH_CHOSEN_ONLINE] = "online",
  [KITH_CHOSEN_BUSY]   = "busy",
  [KITH_CHOSEN_HIDDEN] = "hidden",
};

static const char * const device_kind_names[] = {
  [KITH_DEVICE_DESKTOP] = "desktop",
  [KITH_DEVICE_MOBILE]  = "mobile",
};

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *str,
             int                *value)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++) {
    if (g_str_equal (names[i], str)) {
      *value = (int) i;
      return TRUE;
    }
  }

  return FALSE;
}

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

const char *
kith_presence_to_string (KithPresence presence)
{
  if ((guint) presence >= G_N_ELEMENTS (presence_names))
    return presence_names[KITH_PRESENCE_OFFLINE];

  return presence_names[presence];
}

gboolean
kith_presence_from_string (const char   *str,
                           KithPresence *presence)
{
  int value = KITH_PRESENCE_OFFLINE;
  gboolean ret;

  g_return_val_if_fail (presence != NULL, FALSE);

  ret = lookup_name (presence_names, G_N_ELEMENTS (presence_names), str, &value);
  *presence = (KithPresence) value;

  return ret;
}

const char *
kith_chosen_status_to_string (KithChosenStatus chosen)
{
  if ((guint) chosen >= G_N_ELEMENTS (chosen_names))
    return chosen_names[KITH_CHOSEN_ONLINE];

  return chosen_names[chosen];
}

gboolean
kith_chosen_status_from_string (const char       *str,
                                KithChosenStatus *chosen)
{
  int value = KITH_CHOSEN_ONLINE;
  gboolean ret;

  g_return_val_if_fail (chosen != NULL, FALSE);

  ret = lookup_name (chosen_names, G_N_ELEMENTS (chosen_names), str, &value);
  *chosen = (KithChosenStatus) value;

  return ret;
}

const char *
kith_device_kind_to_string (KithDeviceKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (device_kind_names))
    return device_kind_names[KITH_DEVICE_DESKTOP];

  return device_kind_names[kind];
}

gboolean
kith_device_kind_from_string (const char     *str,
                              KithDeviceKind *kind)
{
  int value = KITH_DEVICE_DESKTOP;
  gboolean ret;

  g_return_val_if_fail (kind != NULL, FALSE);

  ret = lookup_name (device_kind_names, G_N_ELEMENTS (device_kind_names), str, &value);
  *kind = (KithDeviceKind) value;

  return ret;
}

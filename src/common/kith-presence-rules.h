/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the user chooses in the status menu. Wire: "online" | "busy" | "hidden". */
typedef enum {
  KITH_CHOSEN_ONLINE,
  KITH_CHOSEN_BUSY,
  KITH_CHOSEN_HIDDEN,
} KithChosenStatus;

/* What contacts see. Wire: "offline" | "online" | "busy" | "idle" | "mobile". */
typedef enum {
  KITH_PRESENCE_OFFLINE,
  KITH_PRESENCE_ONLINE,
  KITH_PRESENCE_BUSY,
  KITH_PRESENCE_IDLE,
  KITH_PRESENCE_MOBILE,
} KithPresence;

/* Wire: "desktop" | "mobile". */
typedef enum {
  KITH_DEVICE_DESKTOP,
  KITH_DEVICE_MOBILE,
} KithDeviceKind;

typedef struct {
  KithDeviceKind kind;
  gboolean       idle;
} KithDeviceState;

/*
 * The presence rules of design.md, as one pure function:
 *  1. no connected device                 -> offline
 *  2. chosen hidden                       -> offline (messages and calls still arrive)
 *  3. in a call, or chosen busy           -> busy
 *  4. every connected device is mobile    -> mobile
 *  5. every connected device is idle      -> idle
 *  6. otherwise                           -> online
 */
KithPresence  kith_presence_resolve          (KithChosenStatus       chosen,
                                              const KithDeviceState *devices,
                                              gsize                  n_devices,
                                              gboolean               in_call);

const char   *kith_presence_to_string        (KithPresence      presence);
gboolean      kith_presence_from_string      (const char       *str,
                                              KithPresence     *presence);
const char   *kith_chosen_status_to_string   (KithChosenStatus  chosen);
gboolean      kith_chosen_status_from_string (const char       *str,
                                              KithChosenStatus *chosen);
const char   *kith_device_kind_to_string     (KithDeviceKind    kind);
gboolean      kith_device_kind_from_string   (const char       *str,
                                              KithDeviceKind   *kind);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-wire-enums.h"

G_BEGIN_DECLS

typedef struct {
  KithDeviceKind kind;
  gboolean       idle;
} KithDeviceState;

/*
 * The presence rules (docs/protocol.md, frame reference), as one pure function:
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

G_END_DECLS

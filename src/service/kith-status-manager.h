/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-idle-monitor.h"
#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_STATUS_MANAGER (kith_status_manager_get_type ())

G_DECLARE_FINAL_TYPE (KithStatusManager, kith_status_manager, KITH, STATUS_MANAGER, GObject)

/*
 * The user's own status (docs/architecture.md; not named KithPresence so as not to
 * clash with the KithPresence enum of src/common).
 * Properties:
 *   chosen (KithChosenStatus: online/busy/hidden, from the status menu),
 *   idle (gboolean, read-only: from the idle monitor),
 *   auto-idle (gboolean, default TRUE), idle-delay (guint seconds, default 300),
 *   in-call (gboolean, set by the call manager: shown as busy),
 *   presence (KithPresence, read-only: what contacts see of this device,
 *            by kith_presence_resolve()),
 *   idle-monitor (KithIdleMonitor, read-only).
 * Signals:
 *   send-frame (KithFrame *frame): a presence.set or activity frame to send.
 *   KithSession forwards these to the socket and replays the state after
 *   every welcome (kith_status_manager_resync()).
 */
KithStatusManager *kith_status_manager_new              (KithIdleMonitor   *idle_monitor,
                                                         KithDeviceKind     device_kind);
KithChosenStatus   kith_status_manager_get_chosen       (KithStatusManager *self);
void               kith_status_manager_set_chosen       (KithStatusManager *self,
                                                         KithChosenStatus   chosen);
gboolean           kith_status_manager_get_idle         (KithStatusManager *self);
gboolean           kith_status_manager_get_auto_idle    (KithStatusManager *self);
void               kith_status_manager_set_auto_idle    (KithStatusManager *self,
                                                         gboolean           auto_idle);
guint              kith_status_manager_get_idle_delay   (KithStatusManager *self);
void               kith_status_manager_set_idle_delay   (KithStatusManager *self,
                                                         guint              seconds);
gboolean           kith_status_manager_get_in_call      (KithStatusManager *self);
void               kith_status_manager_set_in_call      (KithStatusManager *self,
                                                         gboolean           in_call);
KithPresence       kith_status_manager_get_presence     (KithStatusManager *self);
KithIdleMonitor   *kith_status_manager_get_idle_monitor (KithStatusManager *self);
/* Emits send-frame for the whole current state (after a welcome). */
void               kith_status_manager_resync           (KithStatusManager *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-call-manager.h"
#include "kith-message.h"
#include "kith-ringer.h"

G_BEGIN_DECLS

#define KITH_TYPE_CALL_ALERTS (kith_call_alerts_get_type ())
G_DECLARE_FINAL_TYPE (KithCallAlerts, kith_call_alerts, KITH, CALL_ALERTS, GObject)

/*
 * KithCallAlerts: what an incoming call does outside the window
 * (docs/desktop.md, "Incoming calls"): the notification with Answer and
 * Decline (`app.answer-call` / `app.decline-call`, the call's id), the
 * ring tone unless the desktop's Do Not Disturb is on, and "Missed call
 * from NAME" once per call. The application owns one; the tray follows
 * its `caller` (the ringing call's caller, NULL while none rings).
 */
KithCallAlerts *kith_call_alerts_new               (GApplication    *application,
                                                    KithCallManager *calls);
/* The call that rings here, or NULL. */
KithCall       *kith_call_alerts_get_ringing       (KithCallAlerts  *self);
/* The name of the ringing call's caller, or NULL. */
const char     *kith_call_alerts_get_caller        (KithCallAlerts  *self);
/* The ringing call if its id is @call_id, else NULL. */
KithCall       *kith_call_alerts_find_ringing      (KithCallAlerts  *self,
                                                    const char      *call_id);
KithRinger     *kith_call_alerts_get_ringer        (KithCallAlerts  *self);
/* A call event received from @contact: a missed call that did not ring
 * here (this device was away) notifies. */
void            kith_call_alerts_handle_call_event (KithCallAlerts  *self,
                                                    KithContact     *contact,
                                                    KithMessage     *message);
/* Stops ringing and forgets the ringing call (the application's shutdown). */
void            kith_call_alerts_stop              (KithCallAlerts  *self);

G_END_DECLS

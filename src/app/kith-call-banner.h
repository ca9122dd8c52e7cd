/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-call-manager.h"

G_BEGIN_DECLS

#define KITH_TYPE_CALL_BANNER (kith_call_banner_get_type ())

G_DECLARE_FINAL_TYPE (KithCallBanner, kith_call_banner, KITH, CALL_BANNER, GtkWidget)

/*
 * The strip at the top of the window while a call rings here
 * (docs/desktop.md, "Incoming calls"): the caller's avatar, "NAME is
 * calling…", audio or video, and Answer and Decline buttons. It follows
 * the call manager's current call: it slides in while that call rings in
 * and out as soon as it leaves ringing-in (answered here or elsewhere,
 * declined, the caller gave up, missed). KithWindow makes it the first
 * time a call rings.
 *
 * Properties: calls (KithCallManager, construct-only), call (KithCall,
 *   read-only, nullable: the call it shows).
 * Actions: call-banner.answer, call-banner.decline.
 */
GtkWidget *kith_call_banner_new      (KithCallManager *calls);
KithCall  *kith_call_banner_get_call (KithCallBanner  *self);
/* Whether the banner shows (or slides in to show) a ringing call. */
gboolean   kith_call_banner_get_revealed (KithCallBanner *self);

G_END_DECLS

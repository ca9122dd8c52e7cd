/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-session.h"

G_BEGIN_DECLS

/*
 * The presence-label helper: what Kith shows of a presence, the same in the
 * contact list, the chat header, the status menu and the tray. GTK-free.
 *
 * KithShownPresence is a KithPresence (same values) or, for the user's own
 * status only, Hidden (chosen hidden: contacts see them offline). Its name
 * ("offline", "online", "busy", "idle", "mobile", "hidden") is the CSS
 * class of the presence dot and part of the tray icon's name.
 */
typedef enum {
  KITH_SHOWN_PRESENCE_OFFLINE,
  KITH_SHOWN_PRESENCE_ONLINE,
  KITH_SHOWN_PRESENCE_BUSY,
  KITH_SHOWN_PRESENCE_IDLE,
  KITH_SHOWN_PRESENCE_MOBILE,
  KITH_SHOWN_PRESENCE_HIDDEN,
} KithShownPresence;

/* A contact's presence dot while Kith is not connected (its CSS class). */
#define KITH_SHOWN_PRESENCE_UNKNOWN_NAME "unknown"

KithShownPresence  kith_shown_presence_from_presence  (KithPresence       presence);
/* The user's own: offline unless the session is online, hidden when chosen. */
KithShownPresence  kith_shown_presence_for_session    (KithSession       *session);

/* Out-of-range values are shown as offline. */
const char        *kith_shown_presence_get_name       (KithShownPresence  presence);
/* "Online", "Busy", … (translated). */
const char        *kith_shown_presence_get_label      (KithShownPresence  presence);
/* The status icon: APP_ID "-online-symbolic", … */
const char        *kith_shown_presence_get_icon_name  (KithShownPresence  presence);
/* A contact's presence while Kith is not connected, the last one heard
 * being stale: "Last seen online", or "Offline" for one heard offline. */
const char        *kith_shown_presence_get_unknown_label (KithPresence    last_heard);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithShownPresence"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-shown-presence.h"

#define ICON(name) APP_ID "-" name "-symbolic"

static const struct {
  const char *name;
  const char *label;   /* N_() */
  const char *icon_name;
} shown[] = {
  [KITH_SHOWN_PRESENCE_OFFLINE] = { "offline", N_("Offline"), ICON ("offline") },
  [KITH_SHOWN_PRESENCE_ONLINE]  = { "online",  N_("Online"),  ICON ("online") },
  [KITH_SHOWN_PRESENCE_BUSY]    = { "busy",    N_("Busy"),    ICON ("busy") },
  [KITH_SHOWN_PRESENCE_IDLE]    = { "idle",    N_("Idle"),    ICON ("idle") },
  [KITH_SHOWN_PRESENCE_MOBILE]  = { "mobile",  N_("Mobile"),  ICON ("mobile") },
  [KITH_SHOWN_PRESENCE_HIDDEN]  = { "hidden",  N_("Hidden"),  ICON ("hidden") },
};

G_STATIC_ASSERT ((int) KITH_SHOWN_PRESENCE_OFFLINE == (int) KITH_PRESENCE_OFFLINE);
G_STATIC_ASSERT ((int) KITH_SHOWN_PRESENCE_ONLINE == (int) KITH_PRESENCE_ONLINE);
G_STATIC_ASSERT ((int) KITH_SHOWN_PRESENCE_BUSY == (int) KITH_PRESENCE_BUSY);
G_STATIC_ASSERT ((int) KITH_SHOWN_PRESENCE_IDLE == (int) KITH_PRESENCE_IDLE);
G_STATIC_ASSERT ((int) KITH_SHOWN_PRESENCE_MOBILE == (int) KITH_PRESENCE_MOBILE);

static guint
index_of (KithShownPresence presence)
{
  if ((guint) presence >= G_N_ELEMENTS (shown))
    return KITH_SHOWN_PRESENCE_OFFLINE;
  return presence;
}

KithShownPresence
kith_shown_presence_from_presence (KithPresence presence)
{
  if ((guint) presence > KITH_PRESENCE_MOBILE)
    return KITH_SHOWN_PRESENCE_OFFLINE;
  return (KithShownPresence) presence;
}

KithShownPresence
kith_shown_presence_for_session (KithSession *session)
{
  KithStatusManager *status;

  g_return_val_if_fail (KITH_IS_SESSION (session), KITH_SHOWN_PRESENCE_OFFLINE);

  if (kith_session_get_state (session) != KITH_SESSION_ONLINE)
    return KITH_SHOWN_PRESENCE_OFFLINE;

  status = kith_session_get_status (session);
  if (kith_status_manager_get_chosen (status) == KITH_CHOSEN_HIDDEN)
    return KITH_SHOWN_PRESENCE_HIDDEN;

  return kith_shown_presence_from_presence (kith_status_manager_get_presence (status));
}

const char *
kith_shown_presence_get_name (KithShownPresence presence)
{
  return shown[index_of (presence)].name;
}

const char *
kith_shown_presence_get_label (KithShownPresence presence)
{
  return _(shown[index_of (presence)].label);
}

const char *
kith_shown_presence_get_icon_name (KithShownPresence presence)
{
  return shown[index_of (presence)].icon_name;
}

const char *
kith_shown_presence_get_unknown_label (KithPresence last_heard)
{
  if (last_heard == KITH_PRESENCE_OFFLINE)
    return _("Offline");
  /* The last status heard is stale while Kith is not connected. */
  return _("Last seen online");
}

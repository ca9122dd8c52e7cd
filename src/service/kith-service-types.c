/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithService"

#include "config.h"

#include "kith-service-types.h"

G_DEFINE_ENUM_TYPE (KithPresence, kith_presence,
  G_DEFINE_ENUM_VALUE (KITH_PRESENCE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (KITH_PRESENCE_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (KITH_PRESENCE_BUSY, "busy"),
  G_DEFINE_ENUM_VALUE (KITH_PRESENCE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (KITH_PRESENCE_MOBILE, "mobile"))

G_DEFINE_ENUM_TYPE (KithChosenStatus, kith_chosen_status,
  G_DEFINE_ENUM_VALUE (KITH_CHOSEN_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (KITH_CHOSEN_BUSY, "busy"),
  G_DEFINE_ENUM_VALUE (KITH_CHOSEN_HIDDEN, "hidden"))

G_DEFINE_ENUM_TYPE (KithDeviceKind, kith_device_kind,
  G_DEFINE_ENUM_VALUE (KITH_DEVICE_DESKTOP, "desktop"),
  G_DEFINE_ENUM_VALUE (KITH_DEVICE_MOBILE, "mobile"))

G_DEFINE_ENUM_TYPE (KithContactState, kith_contact_state,
  G_DEFINE_ENUM_VALUE (KITH_CONTACT_ACCEPTED, "accepted"),
  G_DEFINE_ENUM_VALUE (KITH_CONTACT_INCOMING, "incoming"),
  G_DEFINE_ENUM_VALUE (KITH_CONTACT_OUTGOING, "outgoing"))

static KithServerInfo *
server_info_copy (KithServerInfo *info)
{
  KithServerInfo *copy = kith_server_info_new ();

  copy->name = g_strdup (info->name);
  copy->version = g_strdup (info->version);
  copy->protocol = info->protocol;
  copy->login_flows = g_strdupv (info->login_flows);
  copy->password_min_length = info->password_min_length;

  return copy;
}

G_DEFINE_BOXED_TYPE (KithServerInfo, kith_server_info, server_info_copy, kith_server_info_free)

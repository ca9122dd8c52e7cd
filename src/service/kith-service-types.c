/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithService"

#include "config.h"

#include "kith-service-types.h"

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

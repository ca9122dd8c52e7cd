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
  for (guint i = 0; info->ice_servers != NULL && i < info->ice_servers->len; i++)
    g_ptr_array_add (copy->ice_servers, kith_ice_server_copy (g_ptr_array_index (info->ice_servers, i)));

  return copy;
}

G_DEFINE_BOXED_TYPE (KithServerInfo, kith_server_info, server_info_copy, kith_server_info_free)

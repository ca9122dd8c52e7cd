/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithIdleSource"

#include "config.h"

#include "kith-idle-source.h"

G_DEFINE_INTERFACE (KithIdleSource, kith_idle_source, G_TYPE_OBJECT)

static void
kith_idle_source_default_init (KithIdleSourceInterface *iface)
{
}

gboolean
kith_idle_source_get_idle_time (KithIdleSource *self,
                                guint64        *idle_ms)
{
  KithIdleSourceInterface *iface;

  g_return_val_if_fail (KITH_IS_IDLE_SOURCE (self), FALSE);
  g_return_val_if_fail (idle_ms != NULL, FALSE);

  iface = KITH_IDLE_SOURCE_GET_IFACE (self);
  if (iface->get_idle_time == NULL)
    return FALSE;
  return iface->get_idle_time (self, idle_ms);
}

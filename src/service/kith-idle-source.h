/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KITH_TYPE_IDLE_SOURCE (kith_idle_source_get_type ())

G_DECLARE_INTERFACE (KithIdleSource, kith_idle_source, KITH, IDLE_SOURCE, GObject)

/*
 * How long the whole desktop has had no input, from something the service
 * cannot reach itself: the app gives one to KithIdleMonitor (on X11, the
 * MIT-SCREEN-SAVER extension: src/app/kith-x11-idle-source.c), so that the
 * service needs no display connection.
 */
struct _KithIdleSourceInterface
{
  GTypeInterface parent_iface;

  /* Sets @idle_ms to the milliseconds since the last input anywhere on the
   * desktop; FALSE when the source cannot tell (any more). */
  gboolean (*get_idle_time) (KithIdleSource *self,
                             guint64        *idle_ms);
};

gboolean kith_idle_source_get_idle_time (KithIdleSource *self,
                                         guint64        *idle_ms);

G_END_DECLS

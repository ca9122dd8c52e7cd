/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-idle-source.h"

G_BEGIN_DECLS

#define KITH_TYPE_X11_IDLE_SOURCE (kith_x11_idle_source_get_type ())

G_DECLARE_FINAL_TYPE (KithX11IdleSource, kith_x11_idle_source, KITH, X11_IDLE_SOURCE, GObject)

/* The X server's idle time (MIT-SCREEN-SAVER, libXss) for KithIdleMonitor;
 * NULL when @display is not X11 or the server lacks the extension. */
KithIdleSource *kith_x11_idle_source_new (GdkDisplay *display);

G_END_DECLS

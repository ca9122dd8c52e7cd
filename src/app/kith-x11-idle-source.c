/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithX11IdleSource"

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <X11/extensions/scrnsaver.h>

#include "kith-x11-idle-source.h"

struct _KithX11IdleSource
{
  GObject          parent_instance;

  GdkDisplay      *display;
  XScreenSaverInfo *info;
};

static void kith_x11_idle_source_iface_init (KithIdleSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KithX11IdleSource, kith_x11_idle_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KITH_TYPE_IDLE_SOURCE,
                                                      kith_x11_idle_source_iface_init))

static gboolean
kith_x11_idle_source_get_idle_time (KithIdleSource *source,
                                    guint64        *idle_ms)
{
  KithX11IdleSource *self = KITH_X11_IDLE_SOURCE (source);
  Display *dpy = gdk_x11_display_get_xdisplay (self->display);

  /* The server counts input from every client and device: the whole
   * desktop's, not only Kith's windows. */
  if (!XScreenSaverQueryInfo (dpy, DefaultRootWindow (dpy), self->info))
    return FALSE;
  *idle_ms = self->info->idle;
  return TRUE;
}

static void
kith_x11_idle_source_iface_init (KithIdleSourceInterface *iface)
{
  iface->get_idle_time = kith_x11_idle_source_get_idle_time;
}

static void
kith_x11_idle_source_dispose (GObject *object)
{
  KithX11IdleSource *self = KITH_X11_IDLE_SOURCE (object);

  g_clear_object (&self->display);

  G_OBJECT_CLASS (kith_x11_idle_source_parent_class)->dispose (object);
}

static void
kith_x11_idle_source_finalize (GObject *object)
{
  KithX11IdleSource *self = KITH_X11_IDLE_SOURCE (object);

  g_clear_pointer (&self->info, XFree);

  G_OBJECT_CLASS (kith_x11_idle_source_parent_class)->finalize (object);
}

static void
kith_x11_idle_source_class_init (KithX11IdleSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kith_x11_idle_source_dispose;
  object_class->finalize = kith_x11_idle_source_finalize;
}

static void
kith_x11_idle_source_init (KithX11IdleSource *self)
{
}

KithIdleSource *
kith_x11_idle_source_new (GdkDisplay *display)
{
  KithX11IdleSource *self;
  Display *dpy;
  int event_base, error_base;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  if (!GDK_IS_X11_DISPLAY (display))
    return NULL;
  dpy = gdk_x11_display_get_xdisplay (display);
  if (!XScreenSaverQueryExtension (dpy, &event_base, &error_base)) {
    g_debug ("the X server has no MIT-SCREEN-SAVER extension");
    return NULL;
  }

  self = g_object_new (KITH_TYPE_X11_IDLE_SOURCE, NULL);
  self->display = g_object_ref (display);
  self->info = XScreenSaverAllocInfo ();
  return KITH_IDLE_SOURCE (self);
}

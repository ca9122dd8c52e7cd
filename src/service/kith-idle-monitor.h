/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-idle-source.h"

G_BEGIN_DECLS

typedef enum {
  KITH_IDLE_BACKEND_NONE,          /* not started yet */
  KITH_IDLE_BACKEND_MUTTER,        /* org.gnome.Mutter.IdleMonitor */
  KITH_IDLE_BACKEND_SCREENSAVER,   /* org.freedesktop.ScreenSaver (polled) */
  KITH_IDLE_BACKEND_SOURCE,        /* the KithIdleSource the app gave (X11: MIT-SCREEN-SAVER) */
  KITH_IDLE_BACKEND_APP,           /* kith_idle_monitor_report_input() */
} KithIdleBackend;

#define KITH_TYPE_IDLE_MONITOR (kith_idle_monitor_get_type ())

G_DECLARE_FINAL_TYPE (KithIdleMonitor, kith_idle_monitor, KITH, IDLE_MONITOR, GObject)

/*
 * Whether the user has been away from the keyboard for idle-delay seconds.
 * Properties: idle (gboolean, read-only), idle-delay (guint seconds, default
 * 300), enabled (gboolean, default TRUE; FALSE = never idle),
 * backend (KithIdleBackend, read-only), connection (GDBusConnection,
 * construct-only, NULL = the session bus), source (KithIdleSource, NULL
 * = none: the desktop's idle time from the app, used when neither Mutter nor
 * the ScreenSaver interface answers).
 */
KithIdleMonitor *kith_idle_monitor_new            (GDBusConnection *connection);
gboolean         kith_idle_monitor_get_idle       (KithIdleMonitor *self);
KithIdleBackend  kith_idle_monitor_get_backend    (KithIdleMonitor *self);
guint            kith_idle_monitor_get_idle_delay (KithIdleMonitor *self);
void             kith_idle_monitor_set_idle_delay (KithIdleMonitor *self,
                                                   guint            seconds);
gboolean         kith_idle_monitor_get_enabled    (KithIdleMonitor *self);
void             kith_idle_monitor_set_enabled    (KithIdleMonitor *self,
                                                   gboolean         enabled);
KithIdleSource  *kith_idle_monitor_get_source     (KithIdleMonitor *self);
void             kith_idle_monitor_set_source     (KithIdleMonitor *self,
                                                   KithIdleSource  *source);
/* Finds a backend (Mutter, else ScreenSaver, else the source, else the app)
 * and starts watching. */
void             kith_idle_monitor_start          (KithIdleMonitor *self);
/* The app saw a key press, a click or pointer motion in one of its windows
 * (used by the app backend; cheap and harmless otherwise). */
void             kith_idle_monitor_report_input   (KithIdleMonitor *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-app-test-util.h"

G_BEGIN_DECLS

/*
 * A stand-in for the desktop's notification server:
 * org.freedesktop.Notifications on the session bus (GLib's GNotification
 * talks to it when no org.gtk.Notifications is there). It keeps what it is
 * sent (a notification that replaces another takes its place) and what is
 * closed, and clicks like a server: ActionInvoked with an action's key.
 */
typedef struct {
  guint     id;
  char     *summary;
  char     *body;
  GStrv     actions;     /* key, label, key, label, … ("default", "" first when there is one) */
  guchar    urgency;     /* the hint: 0 low, 1 normal, 2 critical */
  gboolean  closed;
} KithFakeNote;

typedef struct {
  KithFakeService  service;
  GPtrArray       *notes;      /* KithFakeNote, oldest first */
  guint            next_id;
} KithFakeNotifications;

KithFakeNotifications *kith_fake_notifications_new    (GDBusConnection       *connection);
void                   kith_fake_notifications_free   (KithFakeNotifications *self);
/* The newest notification titled @summary (closed ones too when @closed), or NULL. */
KithFakeNote          *kith_fake_notifications_find   (KithFakeNotifications *self,
                                                       const char            *summary,
                                                       gboolean               closed);
/* The user clicks @note's button @label ("default": the notification itself). */
void                   kith_fake_notifications_click  (KithFakeNotifications *self,
                                                       KithFakeNote          *note,
                                                       const char            *label);
/* The action key of @note's button @label, or NULL. */
const char            *kith_fake_note_action          (KithFakeNote          *note,
                                                       const char            *label);

G_END_DECLS

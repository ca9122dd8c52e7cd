/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A stand-in for the desktop's tray: org.kde.StatusNotifierWatcher on the
 * session bus, on a connection of its own as the tray host's process would
 * have. It keeps what registers (RegisterStatusNotifierItem by bus name or,
 * as some items do, by object path: then the sender is the item) and says
 * whether a host is there (IsStatusNotifierHostRegistered, and the
 * StatusNotifierHost(Un)Registered signals).
 */
typedef struct {
  GDBusConnection *connection;
  GDBusNodeInfo   *info;
  guint            registration_id;
  GPtrArray       *items;            /* bus names of the registered items */
  GPtrArray       *senders;          /* who registered each */
  gboolean         host_registered;
  guint            host_queries;     /* reads of IsStatusNotifierHostRegistered */
  GPtrArray       *held;             /* GDBusMethodInvocation: reads not answered yet */
} KithFakeWatcher;

/* Owns org.kde.StatusNotifierWatcher (asserting it got it). */
KithFakeWatcher *kith_fake_watcher_new          (gboolean         host_registered);
void             kith_fake_watcher_set_host     (KithFakeWatcher *watcher,
                                                 gboolean         host_registered);
/* While @hold, reads of IsStatusNotifierHostRegistered wait (a tray host
 * slow to answer); when released they are answered with the present value. */
void             kith_fake_watcher_hold_host_answers (KithFakeWatcher *watcher,
                                                      gboolean         hold);
/* The tray stops, the connection stays (for other fakes on it). */
void             kith_fake_watcher_release_name (KithFakeWatcher *watcher);
/* Gone as when its process ends: the connection closes. */
void             kith_fake_watcher_free         (KithFakeWatcher *watcher);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithFakeWatcher, kith_fake_watcher_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KITH_TYPE_AUTOSTART (kith_autostart_get_type ())

G_DECLARE_FINAL_TYPE (KithAutostart, kith_autostart, KITH, AUTOSTART, GObject)

/* The command line that starts Kith at log-in: hidden in the tray. */
#define KITH_AUTOSTART_COMMAND "kith --hidden"

KithAutostart *kith_autostart_new              (GDBusConnection     *connection);
/* $XDG_CONFIG_HOME/autostart/im.kith.Kith.desktop, used without the portal. */
char          *kith_autostart_get_file_path    (void);
void           kith_autostart_set_enabled_async  (KithAutostart       *self,
                                                  gboolean             enabled,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       kith_autostart_set_enabled_finish (KithAutostart       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kithd-config.h"
#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * KithdServer: one running kithd. Owns the settings, the store and its db
 * worker, the mailer, the hub, the throttle and the HTTP layer, whose
 * requests go to the route table (kithd-routes.h) with a context of these.
 */

#define KITHD_TYPE_SERVER (kithd_server_get_type ())
G_DECLARE_FINAL_TYPE (KithdServer, kithd_server, KITHD, SERVER, GObject)

/* Takes @config. Opens (or creates) DATA_DIR/kithd.db and DATA_DIR/outbox. */
KithdServer   *kithd_server_new          (KithdConfig  *config,
                                          GError      **error);
/* Starts listening; writes the port file when one is configured. */
gboolean       kithd_server_listen       (KithdServer  *self,
                                          GError      **error);
guint16        kithd_server_get_port     (KithdServer  *self);
/* Closes every socket (1001) and waits (bounded) for them, stops
 * listening and flushes the database worker. */
void           kithd_server_shutdown     (KithdServer  *self);

/* The db worker (tests wait for it: kithd_db_flush()). */
KithdDb       *kithd_server_get_db       (KithdServer  *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kithd-store.h"

G_BEGIN_DECLS

/*
 * KithdStoreSqlite: the sqlite3 KithdStore. One connection, used by one
 * thread at a time (the KithdDb worker). The schema carries
 * PRAGMA user_version and is migrated forward on open.
 */

#define KITHD_TYPE_STORE_SQLITE (kithd_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (KithdStoreSqlite, kithd_store_sqlite, KITHD, STORE_SQLITE, GObject)

/* Opens (creating if needed) the database at @path and migrates it to the
 * latest schema. @path may be ":memory:". */
KithdStoreSqlite *kithd_store_sqlite_new                  (const char        *path,
                                                           GError           **error);
/* As above, but migrates only up to @max_version (-1: all); for the
 * migration test. A database already past @max_version is left as it is. */
KithdStoreSqlite *kithd_store_sqlite_new_full             (const char        *path,
                                                           int                max_version,
                                                           GError           **error);
/* The schema version of the open database (its PRAGMA user_version). */
int               kithd_store_sqlite_get_schema_version   (KithdStoreSqlite  *self);
/* The version the newest migration brings a database to. */
int               kithd_store_sqlite_get_latest_version   (void);
/* synchronous=NORMAL (default) or FULL. NORMAL in WAL mode keeps every
 * committed transaction across a crash or kill -9 of kithd; FULL also
 * across a power loss or OS crash, at the cost of an fsync per commit. */
gboolean          kithd_store_sqlite_set_synchronous_full (KithdStoreSqlite  *self,
                                                           gboolean           full,
                                                           GError           **error);

G_END_DECLS

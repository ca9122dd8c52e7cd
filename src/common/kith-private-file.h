/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An sqlite database at @path and its -wal, -shm and -journal files made
 * 0600, whatever the umask or the folder's mode. sqlite creates a new
 * database 0644 less the umask and gives the others the database's mode, so
 * the database is created here first, 0600, before sqlite opens it; files
 * left readable by others (by an older version) are made 0600. A failure is
 * left to sqlite to report when it opens the file. In-memory and "file:"
 * URIs are left alone. Used by kithd's store and the client's history. */
void kith_make_database_private (const char *path);

G_END_DECLS

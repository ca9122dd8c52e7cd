/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* kith-bench-presence --floor-server: runs the floor fan-out server until
 * SIGTERM (bench/presence-floor.c); writes its port to @port_file. */
int presence_floor_main (int         n_users,
                         int         n_contacts,
                         const char *port_file,
                         gboolean    split);

G_END_DECLS

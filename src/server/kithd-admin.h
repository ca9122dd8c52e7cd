/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `kithd admin …`: operator commands on a data directory. @argv[0] is
 * "admin". Returns the process exit status. */
int kithd_admin_run (int    argc,
                     char **argv);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For the storage tests' fixtures (test-store, test-db): removes @dir and
 * the files in it (no subdirectories), asserting that each removal works. */
void kithd_test_remove_dir (const char *dir);

G_END_DECLS

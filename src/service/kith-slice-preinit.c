/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * GLib's slice allocator as plain malloc, in the executables that place
 * calls (docs/performance-calls.md, "Ten calls against one").
 *
 * GLib 2.74 (Debian 12) hands GStreamer its buffers, events and caps, and
 * GLib its lists and hash tables, from GSlice's magazines: slabs cached
 * per thread and given back only once every block on them is free. A
 * call's streaming threads left slabs that a few blocks kept: ten video
 * calls left the process 1 to 2.4 MB above one. GLib 2.76 made GSlice a
 * wrapper around malloc. On 2.74 g_slice_set_config () asks the same, but
 * only before GSlice is first used, and GLib uses it in its own constructor
 * (its quark table's hash table), before main () runs. An executable's
 * .preinit_array runs before any shared library's constructor, and after
 * they are all relocated: g_slice_set_config () is called from there. It
 * sets a static of GLib's and nothing more. (G_SLICE=always-malloc in the
 * environment does it too, but set from here it was not seen: GLib read
 * the environment the process started with. This way nothing is passed
 * on to what Kith starts either.)
 *
 * Linked into the executables themselves (a .preinit_array in a shared
 * library is not run), not through the service's static library (nothing
 * would pull this object in).
 */
#include "config.h"

#include <glib.h>

#if defined(__linux__) && !GLIB_CHECK_VERSION (2, 76, 0)

static void
slice_preinit (int    argc,
               char **argv,
               char **envp)
{
  (void) argc;
  (void) argv;
  (void) envp;
  /* Deprecated in 2.74 already (to be the only behaviour); the way there. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_slice_set_config (G_SLICE_CONFIG_ALWAYS_MALLOC, TRUE);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

__attribute__ ((section (".preinit_array"), used))
static void (*kith_slice_preinit_entry) (int, char **, char **) = slice_preinit;

#endif

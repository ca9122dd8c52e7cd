/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The call tests' unpluggable source as a GStreamer plugin ("kithtest"),
 * for a call's media in its own process (kith-call-media), which loads it
 * from GST_PLUGIN_PATH (tests/meson.build) and is told of it by
 * KITH_AUDIOSRC: "kithunplugsrc unplug-dir=DIR" (kith-test-sources.h).
 */
#define G_LOG_DOMAIN "KithTestPlugin"

#include "config.h"

#define PACKAGE "kith"   /* GST_PLUGIN_DEFINE names it */

#include "kith-test-sources.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "kithunplugsrc", GST_RANK_NONE,
                               kith_test_unplug_src_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, kithtest,
                   "Kith's call tests' sources", plugin_init, PACKAGE_VERSION,
                   "GPL", "kith", "https://kith.im")

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/*
 * Test sources of the call tests. kith_test_add_live_tone (): a live
 * audiotestsrc in @bin, its pad the bin's "src" ghost pad (the bin's class
 * has a "src" template); returns the tone's pad (owned by the bin), as the
 * test sources (kithslowaudiosrc in test-call-media, the one below) make
 * themselves.
 *
 * "kithunplugaudiosrc": a live test tone (a bin around audiotestsrc) that
 * can be unplugged while it plays, as a USB headset pulled out mid-call:
 * from its next buffer on it posts a resource error on the bus and sends
 * nothing more, as pulsesrc does when its device goes. Unplugged by
 * kith_test_unplug_src_unplug () in this process, or, in another (a
 * call's media process: the plugin "kithtest", kith-test-plugin.c, names
 * it "kithunplugsrc"), once a file named after that process's id appears
 * in its unplug-dir.
 */
GType       kith_test_unplug_src_get_type      (void);
GstPad     *kith_test_add_live_tone            (GstBin     *bin);

void        kith_test_unplug_src_register      (void);
/* Unplugs @src, a kithunplugaudiosrc (any thread). */
void        kith_test_unplug_src_unplug        (GstElement *src);
/* The kithunplugaudiosrc in @pipeline (its bins searched), or NULL; owned. */
GstElement *kith_test_unplug_src_find          (GstElement *pipeline);
/* Unplugs the oldest kithunplugaudiosrc still alive; FALSE when none is. */
gboolean    kith_test_unplug_src_unplug_oldest (void);

G_END_DECLS

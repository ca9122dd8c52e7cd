/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KITH_TYPE_RINGER (kith_ringer_get_type ())

G_DECLARE_FINAL_TYPE (KithRinger, kith_ringer, KITH, RINGER, GObject)

/*
 * The ring tone of an incoming call (docs/service.md, "The ring tone"): a
 * small GStreamer pipeline, made on start and dropped on stop, that plays a
 * ring pattern of its own (two short tones, a pause, again) to
 * $KITH_RINGSINK (a gst-launch description; default autoaudiosink). A sink
 * that cannot play (no audio device, a missing element) is logged and
 * otherwise ignored: the call rings all the same, silently.
 *
 * Properties (read-only): playing (gboolean: the pipeline runs, between
 * start and stop, until it fails).
 */
KithRinger *kith_ringer_new         (void);
/* Starts ringing (nothing when it rings already). */
void        kith_ringer_start       (KithRinger *self);
/* Stops ringing; harmless when it does not ring. */
void        kith_ringer_stop        (KithRinger *self);
gboolean    kith_ringer_get_playing (KithRinger *self);
/* Audio buffers that reached the sink since the last start (tests). */
guint       kith_ringer_get_buffers (KithRinger *self);

G_END_DECLS

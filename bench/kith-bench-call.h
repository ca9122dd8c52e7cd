/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the parts of build-aux/bench call share: kith-bench-call.c (the
 * set-up, CPU and memory, main ()) and call-latency.c (the latency). */

#define WAIT_MS            20000
#define TICK_INTERVAL_MS   1000

/* --ticks: ticks timed for the latency. */
extern int opt_ticks;

/* The median of @values (doubles; sorted in place), or -1 if empty. */
double median          (GArray   *values);

/* Ticks through two media wired directly (the pair), with the ticks'
 * source and sink set in the environment (KITH_AUDIOSRC, KITH_AUDIOSINK);
 * prints the delays and where they go. With @echo_cancel off
 * (KITH_CALL_ECHO_CANCEL=0), to show what it weighs. */
void   measure_latency (gboolean  echo_cancel);

G_END_DECLS

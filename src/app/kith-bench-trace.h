/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-window.h"

G_BEGIN_DECLS

/*
 * KITH_BENCH_TRACE=1 (build-aux/bench conversation): what the window does,
 * on stderr, in g_get_monotonic_time () µs:
 *   kith-bench: frame START END       every frame of the window's clock,
 *                                     from its first phase (flush-events or
 *                                     before-paint) to after-paint
 *   kith-bench: chat-shown ID T       the first frame after the open chat
 *                                     became contact ID (0: none), after an
 *                                     XSync (the X server has the pixels)
 *   kith-bench: chat-filled ID N T    the first frame since then with N > 0
 *                                     messages in that chat's model
 *   kith-bench: received SEQ          a new message came (message-received)
 *   kith-bench: scroll-start T, scroll-done T N
 *                                     around win.bench-scroll (below)
 * and it adds the window action `bench-scroll` (exported on the bus with the
 * window's other actions): the open chat's scrolled window moves up by a
 * page on every frame, from where it is to the oldest message, waiting at
 * the top while older pages load, until 2 s pass with nothing more above;
 * N is then the number of messages in the chat's model.
 */
void kith_bench_trace_attach (KithWindow  *window,
                              KithSession *session);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Once laid out (the next frame's after-paint), scrolls @scroller, if it
 * must, so that @bottom is in view whole and as much of @top (above it) as
 * fits: a message that just appeared under the fields it is about, and
 * those fields. Both are descendants of @scroller's child. Nothing happens
 * if either is no longer shown by then. */
void kith_scroll_into_view (GtkScrolledWindow *scroller,
                            GtkWidget         *top,
                            GtkWidget         *bottom);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithScroll"

#include "config.h"

#include "kith-scroll.h"

/* Room left under @bottom, so that it does not touch the edge. */
#define MARGIN 12

typedef struct {
  GtkScrolledWindow *scroller;
  GtkWidget         *top;
  GtkWidget         *bottom;
  gulong             handler;
} Reveal;

static void
reveal_free (gpointer data,
             GClosure *closure)
{
  Reveal *reveal = data;

  g_object_unref (reveal->scroller);
  g_object_unref (reveal->top);
  g_object_unref (reveal->bottom);
  g_free (reveal);
}

static void
on_after_paint (GdkFrameClock *clock,
                Reveal        *reveal)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (reveal->scroller);
  GtkWidget *content = gtk_scrolled_window_get_child (reveal->scroller);
  graphene_rect_t top_bounds, bottom_bounds;
  double value, page, top, bottom;

  if (content != NULL && gtk_widget_get_mapped (reveal->bottom) &&
      gtk_widget_compute_bounds (reveal->bottom, content, &bottom_bounds) &&
      gtk_widget_compute_bounds (reveal->top, content, &top_bounds)) {
    value = gtk_adjustment_get_value (adjustment);
    page = gtk_adjustment_get_page_size (adjustment);
    bottom = bottom_bounds.origin.y + bottom_bounds.size.height + MARGIN;
    top = MAX (top_bounds.origin.y, bottom - page);
    if (bottom > value + page)
      gtk_adjustment_set_value (adjustment, bottom - page);
    else if (top < value)
      gtk_adjustment_set_value (adjustment, top);
  }

  /* Last: this frees @reveal. */
  g_signal_handler_disconnect (clock, reveal->handler);
}

void
kith_scroll_into_view (GtkScrolledWindow *scroller,
                       GtkWidget         *top,
                       GtkWidget         *bottom)
{
  GdkFrameClock *clock;
  Reveal *reveal;

  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scroller));
  g_return_if_fail (GTK_IS_WIDGET (top) && GTK_IS_WIDGET (bottom));

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (scroller));
  if (clock == NULL)
    return;

  reveal = g_new0 (Reveal, 1);
  reveal->scroller = g_object_ref (scroller);
  reveal->top = g_object_ref (top);
  reveal->bottom = g_object_ref (bottom);
  /* The closure goes with the clock if the window goes first. */
  reveal->handler = g_signal_connect_data (clock, "after-paint", G_CALLBACK (on_after_paint),
                                           reveal, reveal_free, 0);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_LAYOUT);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBenchTrace"

/*
 * The trace build-aux/bench conversation reads (kith-bench-trace.h): hooks
 * on the window's frame clock and the session, and the window action
 * bench-scroll. Nothing here runs unless KITH_BENCH_TRACE=1.
 */

#include "config.h"

#include "kith-bench-trace.h"
#include "kith-chat-view.h"

/* How long the scroll waits at the top for an older page before it ends. */
#define SCROLL_QUIET_US (2 * G_USEC_PER_SEC)

typedef struct {
  KithWindow  *window;        /* owns this */
  KithSession *session;
  gint64       frame_start;
  gint64       shown_id;       /* the open chat at the last frame */
  gboolean     filled_pending;
  GtkWidget   *scroller;       /* while scrolling */
  guint        scroll_tick_id;
  gint64       top_since;
  double       top_upper;
} Trace;

static void
trace_free (gpointer data)
{
  Trace *trace = data;

  if (trace->scroller != NULL && trace->scroll_tick_id != 0)
    gtk_widget_remove_tick_callback (trace->scroller, trace->scroll_tick_id);
  g_clear_object (&trace->scroller);
  g_clear_object (&trace->session);
  g_free (trace);
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *found = find_descendant (child, type);

    if (found != NULL)
      return found;
  }
  return NULL;
}

/* The history: of the chat's mapped scrolled windows (a status page has
 * one too), the tallest. */
static GtkWidget *
find_history (GtkWidget *root,
              GtkWidget *best)
{
  if (!gtk_widget_get_mapped (root))
    return best;
  if (GTK_IS_SCROLLED_WINDOW (root)) {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (root));

    if (best == NULL ||
        gtk_adjustment_get_upper (adj) >
        gtk_adjustment_get_upper (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (best))))
      best = root;
  }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    best = find_history (child, best);

  return best;
}

static guint
chat_length (Trace       *trace,
             KithContact *contact)
{
  KithConversations *conversations = kith_session_get_conversations (trace->session);

  /* The view asked for it already: this only looks. */
  return g_list_model_get_n_items (kith_conversations_get (conversations, contact));
}

static void
on_frame_start (GdkFrameClock *clock,
                Trace         *trace)
{
  if (trace->frame_start == 0)
    trace->frame_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Trace         *trace)
{
  KithContact *contact = kith_window_get_chat_contact (trace->window);
  gint64 id = contact != NULL ? kith_contact_get_id (contact) : 0;
  gint64 end = g_get_monotonic_time ();

  /* While the bench scrolls: the messages of the open chat, more in the
   * frame after an older page was read. */
  guint count = trace->scroller != NULL && contact != NULL ? chat_length (trace, contact) : 0;

  g_printerr ("kith-bench: frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u\n",
              trace->frame_start != 0 ? trace->frame_start : end, end, count);
  trace->frame_start = 0;

  if (id != trace->shown_id) {
    trace->shown_id = id;
    trace->filled_pending = id != 0;
    gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (trace->window)));
    g_printerr ("kith-bench: chat-shown %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                id, g_get_monotonic_time ());
  }
  if (trace->filled_pending && contact != NULL) {
    guint n = chat_length (trace, contact);

    if (n > 0) {
      trace->filled_pending = FALSE;
      gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (trace->window)));
      g_printerr ("kith-bench: chat-filled %" G_GINT64_FORMAT " %u %" G_GINT64_FORMAT "\n",
                  id, n, g_get_monotonic_time ());
    }
  }
}

static void
on_realize (GtkWidget *window,
            Trace     *trace)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "flush-events", G_CALLBACK (on_frame_start), trace);
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_frame_start), trace);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), trace);
}

static void
on_unrealize (GtkWidget *window,
              Trace     *trace)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  if (clock != NULL)
    g_signal_handlers_disconnect_by_data (clock, trace);
}

static void
on_message_received (KithSession *session,
                     KithContact *contact,
                     KithMessage *message,
                     gpointer     window)
{
  g_printerr ("kith-bench: received %" G_GINT64_FORMAT "\n", kith_message_get_seq (message));
}

static void
scroll_done (Trace *trace)
{
  KithContact *contact = kith_window_get_chat_contact (trace->window);

  g_printerr ("kith-bench: scroll-done %" G_GINT64_FORMAT " %u\n", g_get_monotonic_time (),
              contact != NULL ? chat_length (trace, contact) : 0);
  trace->scroll_tick_id = 0;
  g_clear_object (&trace->scroller);
}

/* A page up on every frame; at the top, wait for older pages. */
static gboolean
scroll_tick (GtkWidget     *scroller,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  Trace *trace = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  double value = gtk_adjustment_get_value (adj);
  double upper = gtk_adjustment_get_upper (adj);
  gint64 now = g_get_monotonic_time ();
  if (value > 0) {
    trace->top_since = 0;
    gtk_adjustment_set_value (adj, MAX (0, value - gtk_adjustment_get_page_size (adj)));
    return G_SOURCE_CONTINUE;
  }
  if (trace->top_since == 0 || upper != trace->top_upper) {
    trace->top_since = now;
    trace->top_upper = upper;
  }
  if (now - trace->top_since < SCROLL_QUIET_US)
    return G_SOURCE_CONTINUE;

  scroll_done (trace);
  return G_SOURCE_REMOVE;
}

static void
on_bench_scroll (GSimpleAction *action,
                 GVariant      *parameter,
                 Trace         *trace)
{
  GtkWidget *chat = find_descendant (GTK_WIDGET (trace->window), KITH_TYPE_CHAT_VIEW);
  GtkWidget *scroller = chat != NULL ? find_history (chat, NULL) : NULL;

  g_printerr ("kith-bench: scroll-start %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  if (trace->scroll_tick_id != 0)
    return;
  if (scroller == NULL) {
    scroll_done (trace);
    return;
  }
  trace->scroller = g_object_ref (scroller);
  trace->top_since = 0;
  trace->scroll_tick_id = gtk_widget_add_tick_callback (scroller, scroll_tick, trace, NULL);
}

void
kith_bench_trace_attach (KithWindow  *window,
                         KithSession *session)
{
  Trace *trace = g_new0 (Trace, 1);
  g_autoptr (GSimpleAction) scroll = g_simple_action_new ("bench-scroll", NULL);

  trace->window = window;
  trace->session = g_object_ref (session);
  g_object_set_data_full (G_OBJECT (window), "kith-bench-trace", trace, trace_free);

  g_signal_connect (window, "realize", G_CALLBACK (on_realize), trace);
  g_signal_connect (window, "unrealize", G_CALLBACK (on_unrealize), trace);
  g_signal_connect_object (session, "message-received", G_CALLBACK (on_message_received), window, 0);
  g_signal_connect (scroll, "activate", G_CALLBACK (on_bench_scroll), trace);
  g_action_map_add_action (G_ACTION_MAP (window), G_ACTION (scroll));
}

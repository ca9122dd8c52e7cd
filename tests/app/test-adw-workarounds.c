/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestAdwWorkarounds"

/*
 * src/app/kith-adw-workarounds.c, linked in as in the `kith` executable:
 * an AdwLeaflet laid out again (a label in it changes its size, as the chat
 * pane does with every message) no longer sets its shadow widgets' CSS
 * classes again, which made GTK validate the window's style in a frame of
 * its own; classes that do change still change.
 */

#include "config.h"

#include <adwaita.h>

#include "kith-app-test-util.h"

static gboolean
match_dimming (GtkWidget     *widget,
               gconstpointer  data)
{
  return g_str_equal (gtk_widget_get_css_name (widget), "dimming");
}

static void
count (guint *n)
{
  (*n)++;
}

static void
wait_frames (GtkWidget *widget,
             guint      frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 until = gdk_frame_clock_get_frame_counter (clock) + frames;

  /* Frames come only when asked for. */
  while (gdk_frame_clock_get_frame_counter (clock) < until) {
    gtk_widget_queue_draw (widget);
    g_main_context_iteration (NULL, TRUE);
  }
}

static void
test_leaflet_relayout (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *leaflet = adw_leaflet_new ();
  GtkWidget *label = gtk_label_new ("One");
  GtkWidget *dimming;
  guint changes = 0;

  adw_leaflet_append (ADW_LEAFLET (leaflet), gtk_label_new ("Contacts"));
  adw_leaflet_append (ADW_LEAFLET (leaflet), label);
  gtk_window_set_child (GTK_WINDOW (window), leaflet);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_present (GTK_WINDOW (window));
  KITH_WAIT_FOR (gtk_widget_get_mapped (label));
  wait_frames (window, 2);

  dimming = kith_test_find (leaflet, match_dimming, NULL);
  g_assert_nonnull (dimming);
  g_signal_connect_swapped (dimming, "notify::css-classes", G_CALLBACK (count), &changes);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *text = g_strdup_printf ("%s, and a longer line %u", gtk_label_get_label (GTK_LABEL (label)), i);
    int before = gtk_widget_get_width (label);

    gtk_label_set_label (GTK_LABEL (label), text);
    wait_frames (window, 2);
    /* The leaflet was laid out again: its child has another size. */
    g_assert_cmpint (gtk_widget_get_width (label), >, before);
  }
  g_assert_cmpuint (changes, ==, 0);

  /* Classes that change still do, and are told. */
  gtk_widget_set_css_classes (dimming, (const char *[]) { "left", "kith-test", NULL });
  g_assert_true (gtk_widget_has_css_class (dimming, "kith-test"));
  g_assert_cmpuint (changes, ==, 1);
  gtk_widget_set_css_classes (dimming, NULL);
  g_assert_false (gtk_widget_has_css_class (dimming, "left"));
  g_assert_cmpuint (changes, ==, 2);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  if (!kith_test_init_x11 (&argc, &argv))
    return 77;
  adw_init ();

  g_test_add_func ("/adw-workarounds/leaflet-relayout", test_leaflet_relayout);

  return g_test_run ();
}

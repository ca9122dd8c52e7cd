/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "Kith"

/*
 * Workarounds for libadwaita 1.2 (Debian 12), linked into the `kith`
 * executable only (and into its test).
 *
 * AdwLeaflet's shadow helper sets the CSS classes of its four shadow
 * widgets again on every allocation of the leaflet, and GTK 4.8 takes
 * classes set again as a change: the window's style is invalidated and
 * validated in a frame of its own, one more layout of the window (on X11,
 * with its round trips to the X server) after every frame that laid the
 * leaflet out. Every message received is such a frame (the chat pane is in
 * the leaflet: any size change inside it allocates the leaflet again).
 * libadwaita 1.10 sets the classes only when they change (upstream commit
 * ff083435, "shadow-helper: Avoid needlessly reassigning CSS classes").
 *
 * AdwLeaflet is final and the helper private, so the executable defines
 * gtk_widget_set_css_classes () itself: the dynamic linker binds
 * libadwaita's calls to this one, which does nothing when the widget has
 * those classes already (in that order) and hands everything else to
 * GTK's. Measured in docs/performance.md ("CPU while messages come"). With
 * libadwaita 1.10 or later it only hands on. Drop this file once that is
 * the oldest libadwaita Kith supports.
 */

#define _GNU_SOURCE /* RTLD_NEXT */

#include "config.h"

#include <dlfcn.h>

#include <adwaita.h>

typedef void (*SetCssClasses) (GtkWidget   *widget,
                               const char **classes);

static gboolean
same_classes (GtkWidget   *widget,
              const char **classes)
{
  g_auto (GStrv) now = gtk_widget_get_css_classes (widget);
  const char *none[] = { NULL };

  return g_strv_equal ((const char * const *) now,
                       (const char * const *) (classes != NULL ? classes : none));
}

void
gtk_widget_set_css_classes (GtkWidget   *widget,
                            const char **classes)
{
  static SetCssClasses gtk_set_css_classes;

  if (gtk_set_css_classes == NULL)
    gtk_set_css_classes = (SetCssClasses) dlsym (RTLD_NEXT, "gtk_widget_set_css_classes");
  g_assert (gtk_set_css_classes != NULL);

  if (adw_get_major_version () == 1 && adw_get_minor_version () < 10 &&
      GTK_IS_WIDGET (widget) && same_classes (widget, classes))
    return;
  gtk_set_css_classes (widget, classes);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithToast"

#include "config.h"

#include "kith-toast.h"

void
kith_toast_add (GtkWidget *widget,
                AdwToast  *toast)
{
  GtkWidget *overlay;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (ADW_IS_TOAST (toast));

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL) {
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    return;
  }
  g_debug ("no toast overlay for: %s", adw_toast_get_title (toast));
  g_object_unref (toast);
}

void
kith_toast_show (GtkWidget  *widget,
                 const char *title)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (title != NULL);

  kith_toast_add (widget, adw_toast_new (title));
}

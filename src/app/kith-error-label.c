/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithErrorLabel"

#include "config.h"

#include "kith-error-label.h"

void
kith_error_label_show (GtkWidget  *label,
                       GtkWidget  *field,
                       const char *message)
{
  g_return_if_fail (GTK_IS_LABEL (label));
  g_return_if_fail (GTK_IS_WIDGET (field));
  g_return_if_fail (message != NULL);

  gtk_label_set_label (GTK_LABEL (label), message);
  gtk_widget_set_visible (label, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (field),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, label, NULL,
                                  -1);
}

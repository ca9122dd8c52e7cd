/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The dialogs' error line (Add Contact, Change Password, Delete My
 * Account): shows @message in @label and tells assistive technologies
 * that @label describes @field, the entry or row the error is about. The
 * caller marks and focuses @field as it sees fit. */
void kith_error_label_show (GtkWidget  *label,
                            GtkWidget  *field,
                            const char *message);

G_END_DECLS

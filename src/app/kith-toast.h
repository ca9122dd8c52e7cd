/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Toasts from a widget that does not own an overlay: the contacts list,
 * the chat view and the contact menus show theirs in the nearest
 * AdwToastOverlay above them (the window's). */

/* Adds @toast (taken) to @widget's nearest AdwToastOverlay ancestor; with
 * none (the widget is not in a window yet, or no longer), only logs its
 * title. */
void kith_toast_add  (GtkWidget  *widget,
                      AdwToast   *toast);
/* kith_toast_add () of a plain toast that says @title. */
void kith_toast_show (GtkWidget  *widget,
                      const char *title);

G_END_DECLS

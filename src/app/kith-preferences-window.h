/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KITH_TYPE_PREFERENCES_WINDOW (kith_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (KithPreferencesWindow, kith_preferences_window, KITH, PREFERENCES_WINDOW, AdwPreferencesWindow)

KithPreferencesWindow *kith_preferences_window_new (GSettings       *settings,
                                                    GDBusConnection *connection);

G_END_DECLS

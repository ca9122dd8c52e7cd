/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @string (UTF-8) as the terminal's locale can show it: unchanged in a UTF-8
 * locale; otherwise in the locale's charset with curly quotes, dashes and
 * the ellipsis spelt in ASCII (iconv's //TRANSLIT: “x” -> "x", A–Z -> A-Z,
 * … -> ...), and '?' only for what has no such spelling. */
char *kith_console_text (const char *string);

/* Makes g_print() and g_printerr() write kith_console_text(): GLib's own
 * conversion puts a '?' for every curly quote in the C locale, and the
 * command-line tools' help and messages (theirs, GLib's "[OPTION…]", the
 * shared error messages) have many. Call after setlocale(). */
void kith_console_init (void);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What names and email addresses may hold: the one check of each, used by
 * the codec (every REST body that takes one), by kithd (`kithd admin`, the
 * mailer) and by the client before it sends (the login page, Add Contact).
 * docs/protocol.md states the same rules.
 */

/* A plausible email: one '@', non-empty local part, a dot in the domain
 * (not first, not last, no two in a row), no spaces or control characters
 * (kith_text_has_control()), valid UTF-8, at most KITH_MAX_EMAIL_BYTES.
 * Surrounding white space is not trimmed: trim first. */
gboolean      kith_email_is_valid          (const char     *email);
/* kith_email_is_valid(), or INVALID_EMAIL with a message saying what is
 * wrong. */
gboolean      kith_email_check             (const char     *email,
                                            GError        **error);

/* Whether @text (UTF-8) has a control character: C0 (U+0000–U+001F, tab
 * and line feed included), DEL (U+007F), C1 (U+0080–U+009F), or the line
 * or paragraph separator (U+2028, U+2029). Names and email addresses may
 * have none: they go into mails and other people's screens. */
gboolean      kith_text_has_control        (const char     *text);
/* A person's or a device's name in the member @field: no control
 * character, else INVALID_FIELD naming @field. Every REST body checks its
 * names with this (first_name, last_name, device_name). */
gboolean      kith_name_check              (const char     *field,
                                            const char     *name,
                                            GError        **error);

G_END_DECLS

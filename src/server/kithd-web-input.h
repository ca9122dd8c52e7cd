/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What kithd's web pages read from a browser, parsed strictly and without
 * a request (so the fuzz target web-input can call them): a form's body,
 * a cookie of the Cookie header, and Accept-Language.
 */

/* At most this many fields in a form. */
#define KITHD_WEB_MAX_FIELDS 16
/* At most this many languages read from Accept-Language. */
#define KITHD_WEB_MAX_LANGUAGES 16

/* An application/x-www-form-urlencoded body: "name=value" pairs joined by
 * '&', each percent-decoded with '+' a space (GLib's
 * g_uri_unescape_bytes()). Refused (INVALID_FIELD, the English reason in
 * the message): an empty pair, a pair without '=', a bad %-escape, a name
 * or value that is not UTF-8 or holds a NUL, a name given twice, a name
 * not in @allowed (NULL-terminated), more than KITHD_WEB_MAX_FIELDS
 * fields. An empty body has no field. Returns name → value. */
GHashTable *kithd_web_parse_form            (const char          *data,
                                             gsize                len,
                                             const char * const  *allowed,
                                             GError             **error);

/* The value of the first cookie @name in a Cookie header ("a=b; c=d") that
 * is 1–128 characters of base64url or hex; NULL when there is none. */
char       *kithd_web_parse_cookie          (const char          *header,
                                             const char          *name);

/* The language ranges of an Accept-Language header, lower-cased, most
 * wanted first (by q, then as written); those with q=0 and malformed ones
 * left out; at most KITHD_WEB_MAX_LANGUAGES. NULL header: none. */
GStrv       kithd_web_parse_accept_language (const char          *header);

G_END_DECLS

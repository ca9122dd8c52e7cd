/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* base64url without padding (RFC 4648, 5): tokens, PKCE verifiers and
 * challenges, states. */
char *kith_base64url_encode (const guint8 *data,
                             gsize         length);
/* A PKCE code challenge of @verifier, method S256 (RFC 7636, 4.2):
 * base64url (SHA-256 (verifier)), 43 characters. */
char *kith_pkce_s256        (const char   *verifier);

G_END_DECLS

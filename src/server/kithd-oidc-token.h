/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The ID token (kithd-oidc-token.c), with librhonabwy. This header and
 * that file see GLib only: rhonabwy's JSON library (jansson) and json-glib
 * declare functions of the same names, so no file includes both.
 */

/* A provider's signing keys (a parsed JWKS). */
typedef struct _KithdOidcKeys KithdOidcKeys;

KithdOidcKeys *kithd_oidc_keys_new_from_data (GBytes        *data,
                                              GError       **error);
void           kithd_oidc_keys_free          (KithdOidcKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdOidcKeys, kithd_oidc_keys_free)

/* Who the ID token says signed in. */
typedef struct {
  char     *subject;
  char     *email;
  gboolean  email_verified;
  char     *given_name;
  char     *family_name;
  char     *name;
} KithdOidcIdentity;

void           kithd_oidc_identity_free      (KithdOidcIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdOidcIdentity, kithd_oidc_identity_free)

/* Verifies @id_token: an RS256 signature by a key of @keys named by its
 * kid, iss == @issuer, aud holding @client_id, exp after @now_s, iat not
 * after @now_s (a minute's skew each way), nonce == @nonce. NULL with
 * @error (a sentence for the log) when not; with *@unknown_kid TRUE when
 * the kid is not among @keys (so that the caller may fetch them again). */
KithdOidcIdentity *kithd_oidc_verify_id_token (const char     *id_token,
                                               KithdOidcKeys  *keys,
                                               const char     *issuer,
                                               const char     *client_id,
                                               const char     *nonce,
                                               gint64          now_s,
                                               gboolean       *unknown_kid,
                                               GError        **error);

G_END_DECLS

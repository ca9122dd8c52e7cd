/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdOidc"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <rhonabwy.h>

#include "kithd-oidc-token.h"

/*
 * The ID token, with librhonabwy: the JWKS parsed once per fetch, the
 * token's signature (RS256 only, by the key its kid names; no key is ever
 * taken from the token's own header, jku or x5u), and its claims. Nothing
 * here parses JSON or base64 by hand.
 */

/* Seconds of clock skew allowed to exp and iat. */
#define SKEW_S 60

struct _KithdOidcKeys
{
  jwks_t *jwks;
};

KithdOidcKeys *
kithd_oidc_keys_new_from_data (GBytes  *data,
                               GError **error)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  KithdOidcKeys *keys = g_new0 (KithdOidcKeys, 1);

  if (r_jwks_init (&keys->jwks) != RHN_OK ||
      r_jwks_import_from_json_str (keys->jwks, text) != RHN_OK ||
      r_jwks_size (keys->jwks) == 0) {
    kithd_oidc_keys_free (keys);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The JWKS holds no usable key");
    return NULL;
  }
  return keys;
}

void
kithd_oidc_keys_free (KithdOidcKeys *keys)
{
  if (!keys)
    return;
  r_jwks_free (keys->jwks);
  g_free (keys);
}

void
kithd_oidc_identity_free (KithdOidcIdentity *identity)
{
  if (!identity)
    return;
  g_free (identity->subject);
  g_free (identity->email);
  g_free (identity->given_name);
  g_free (identity->family_name);
  g_free (identity->name);
  g_free (identity);
}

static void
jwt_free (jwt_t *jwt)
{
  r_jwt_free (jwt);
}

static void
jwk_free (jwk_t *jwk)
{
  r_jwk_free (jwk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (jwt_t, jwt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (jwk_t, jwk_free)

/* "aud" is a string or an array of strings (OpenID Connect Core, 2). */
static gboolean
audience_holds (jwt_t      *jwt,
                const char *client_id)
{
  json_t *aud = r_jwt_get_claim_json_t_value (jwt, "aud");
  gboolean found = FALSE;

  if (json_is_string (aud)) {
    found = g_strcmp0 (json_string_value (aud), client_id) == 0;
  } else if (json_is_array (aud)) {
    for (size_t i = 0; i < json_array_size (aud) && !found; i++)
      found = g_strcmp0 (json_string_value (json_array_get (aud, i)), client_id) == 0;
  }
  json_decref (aud);
  return found;
}

/* email_verified: true (or "true", as some providers write it). */
static gboolean
claim_is_true (jwt_t      *jwt,
               const char *name)
{
  json_t *value = r_jwt_get_claim_json_t_value (jwt, name);
  gboolean is_true = json_is_true (value) ||
                     (json_is_string (value) && g_strcmp0 (json_string_value (value), "true") == 0);

  json_decref (value);
  return is_true;
}

static char *
claim_string (jwt_t      *jwt,
              const char *name)
{
  const char *value = r_jwt_get_claim_str_value (jwt, name);

  return value && *value && g_utf8_validate (value, -1, NULL) ? g_strdup (value) : NULL;
}

static gboolean
fail (GError     **error,
      const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
  return FALSE;
}

KithdOidcIdentity *
kithd_oidc_verify_id_token (const char     *id_token,
                            KithdOidcKeys  *keys,
                            const char     *issuer,
                            const char     *client_id,
                            const char     *nonce,
                            gint64          now_s,
                            gboolean       *unknown_kid,
                            GError        **error)
{
  g_autoptr (jwt_t) jwt = NULL;
  g_autoptr (jwk_t) key = NULL;
  KithdOidcIdentity *identity;
  const char *kid;

  *unknown_kid = FALSE;
  if (r_jwt_init (&jwt) != RHN_OK) {
    fail (error, "Out of memory");
    return NULL;
  }
  /* R_PARSE_NONE: no key from the token's header, no unsigned token, and
   * nothing fetched from a URL the token names. */
  if (r_jwt_advanced_parse (jwt, id_token, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) != RHN_OK ||
      r_jwt_get_type (jwt) != R_JWT_TYPE_SIGN) {
    fail (error, "The ID token is not a signed JWT");
    return NULL;
  }
  if (r_jwt_get_sign_alg (jwt) != R_JWA_ALG_RS256) {
    fail (error, "The ID token is not signed with RS256");
    return NULL;
  }
  kid = r_jwt_get_sig_kid (jwt);
  key = kid ? r_jwks_get_by_kid (keys->jwks, kid) : NULL;
  if (!key && !kid && r_jwks_size (keys->jwks) == 1)
    key = r_jwks_get_at (keys->jwks, 0);
  if (!key) {
    *unknown_kid = TRUE;
    fail (error, "The ID token's key (kid) is not in the provider's JWKS");
    return NULL;
  }
  if (r_jwt_verify_signature (jwt, key, R_FLAG_IGNORE_REMOTE) != RHN_OK) {
    fail (error, "The ID token's signature does not match");
    return NULL;
  }

  if (r_jwt_validate_claims (jwt, R_JWT_CLAIM_ISS, issuer, R_JWT_CLAIM_NOP) != RHN_OK) {
    fail (error, "The ID token's issuer (iss) is not the provider");
    return NULL;
  }
  if (!audience_holds (jwt, client_id)) {
    fail (error, "The ID token's audience (aud) is not this server's client id");
    return NULL;
  }
  if (r_jwt_validate_claims (jwt, R_JWT_CLAIM_EXP, (int) (now_s - SKEW_S), R_JWT_CLAIM_NOP) != RHN_OK) {
    fail (error, "The ID token has expired (exp)");
    return NULL;
  }
  if (r_jwt_validate_claims (jwt, R_JWT_CLAIM_IAT, (int) (now_s + SKEW_S), R_JWT_CLAIM_NOP) != RHN_OK) {
    fail (error, "The ID token was issued in the future (iat)");
    return NULL;
  }
  if (r_jwt_validate_claims (jwt, R_JWT_CLAIM_STR, "nonce", nonce, R_JWT_CLAIM_NOP) != RHN_OK) {
    fail (error, "The ID token's nonce is not the one this sign-in asked for");
    return NULL;
  }

  identity = g_new0 (KithdOidcIdentity, 1);
  identity->subject = claim_string (jwt, "sub");
  identity->email = claim_string (jwt, "email");
  identity->email_verified = claim_is_true (jwt, "email_verified");
  identity->given_name = claim_string (jwt, "given_name");
  identity->family_name = claim_string (jwt, "family_name");
  identity->name = claim_string (jwt, "name");
  if (!identity->subject) {
    kithd_oidc_identity_free (identity);
    fail (error, "The ID token names no subject (sub)");
    return NULL;
  }
  return identity;
}

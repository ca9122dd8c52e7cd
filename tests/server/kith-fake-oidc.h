/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * KithFakeOidc: an OpenID Connect provider for tests, standing in for
 * Google's servers on the same HTTP interface (docs/protocol.md, "Sign in
 * with Google"): discovery (/.well-known/openid-configuration), JWKS
 * (/jwks), the authorization endpoint (/authorize) and the token endpoint
 * (/token).
 *
 * It runs in the test's process, on GNU libmicrohttpd's own thread (no
 * main context of the test's), so that it answers while the test is
 * blocked in a synchronous call. It listens on 127.0.0.1 with a port it
 * picks; every connection closes after its answer.
 *
 * The authorization endpoint consents at once, as a person clicking
 * Continue would: it answers 302 to the redirect_uri with a code and the
 * state (or error=access_denied with KITH_FAKE_OIDC_FAULT_DENIED); or it
 * shows that Continue (kith_fake_oidc_set_consent_page()). The
 * token endpoint checks the client (client_secret_post or
 * client_secret_basic), the code (single use, 5 minutes), the
 * redirect_uri and the PKCE verifier (S256), and answers an ID token
 * signed RS256 (librhonabwy) with an RSA key the fake made (GnuTLS).
 *
 * Every function may be called from any thread.
 */

typedef struct _KithFakeOidc KithFakeOidc;

/* What the provider gets wrong in every flow from now on. */
typedef enum {
  KITH_FAKE_OIDC_FAULT_NONE,
  KITH_FAKE_OIDC_FAULT_BAD_SIGNATURE,     /* the ID token's signature does not match its content */
  KITH_FAKE_OIDC_FAULT_UNKNOWN_KID,       /* signed with a key the JWKS never lists */
  KITH_FAKE_OIDC_FAULT_WRONG_AUDIENCE,    /* aud: another client */
  KITH_FAKE_OIDC_FAULT_WRONG_ISSUER,      /* iss: another issuer */
  KITH_FAKE_OIDC_FAULT_EXPIRED,           /* exp ten minutes ago */
  KITH_FAKE_OIDC_FAULT_ISSUED_IN_FUTURE,  /* iat ten minutes ahead */
  KITH_FAKE_OIDC_FAULT_WRONG_NONCE,       /* nonce: not the one asked for */
  KITH_FAKE_OIDC_FAULT_UNSIGNED,          /* alg "none", no signature */
  KITH_FAKE_OIDC_FAULT_DENIED,            /* the person declines: error=access_denied */
  KITH_FAKE_OIDC_FAULT_REPLAY_CODE,       /* authorize hands out the last code redeemed again */
  KITH_FAKE_OIDC_FAULT_WRONG_CHALLENGE,   /* authorize keeps another code_challenge, so the
                                           * client's verifier fails at the token endpoint */
  KITH_FAKE_OIDC_FAULT_TOKEN_ERROR,       /* the token endpoint answers 500 */
  KITH_FAKE_OIDC_FAULT_HUGE_JWKS,         /* the JWKS is over 256 KiB */
} KithFakeOidcFault;

/* Listens on 127.0.0.1:0 and makes its signing key (RSA 2048). Aborts the
 * test when it cannot. */
KithFakeOidc *kith_fake_oidc_new              (const char        *client_id,
                                               const char        *client_secret);
/* "http://127.0.0.1:PORT" */
const char   *kith_fake_oidc_get_issuer       (KithFakeOidc      *self);
/* The issuer from now on names @host ("localhost"): still this listener
 * on 127.0.0.1, but, to a browser's cookies, another site than a kithd on
 * 127.0.0.1 (sites do not count ports), as Google's is. Before the first
 * flow and before kith_fake_oidc_write_config(). */
void          kith_fake_oidc_set_issuer_host  (KithFakeOidc      *self,
                                               const char        *host);
/* With @consent_page, the authorization endpoint answers a page whose
 * link "Continue" (id "continue") leads back to the redirect_uri, as
 * Google's consent page does when a person clicks it: the way back is
 * then a navigation that begins on the provider's site. Without (the
 * default) it answers that redirect at once. */
void          kith_fake_oidc_set_consent_page (KithFakeOidc      *self,
                                               gboolean           consent_page);
/* The person who signs in from now on (the default: "fake-sub-1",
 * "ada@example.com", verified, "Ada" "Lovelace"). @given_name and
 * @family_name may be NULL (left out of the token). */
void          kith_fake_oidc_set_user         (KithFakeOidc      *self,
                                               const char        *sub,
                                               const char        *email,
                                               gboolean           email_verified,
                                               const char        *given_name,
                                               const char        *family_name);
void          kith_fake_oidc_set_fault        (KithFakeOidc      *self,
                                               KithFakeOidcFault  fault);
/* A new signing key with a new kid; the JWKS lists only it from now on
 * (a provider rotating its keys). */
void          kith_fake_oidc_rotate_key       (KithFakeOidc      *self);
/* How many requests @endpoint ("discovery", "jwks", "authorize", "token")
 * has had. */
guint         kith_fake_oidc_get_n_requests   (KithFakeOidc      *self,
                                               const char        *endpoint);
/* The error_description of the token endpoint's last refusal (NULL: none
 * yet), e.g. "The code was already used". */
char         *kith_fake_oidc_get_token_error  (KithFakeOidc      *self);
/* kithd.conf text: an [oidc:google] group naming this provider, and with
 * @public_url_or_null a [server] group with that public-url. The provider
 * accepts PUBLIC_URL/api/v1/oidc/google/callback as redirect_uri (without
 * a public URL: that path on any http://127.0.0.1 port). */
char         *kith_fake_oidc_write_config     (KithFakeOidc      *self,
                                               const char        *public_url_or_null);
void          kith_fake_oidc_free             (KithFakeOidc      *self);

/* base64url (no padding) of SHA-256 of @verifier: PKCE's S256 (RFC 7636),
 * for a test playing the client. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithFakeOidc, kith_fake_oidc_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kithd-config.h"
#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * KithdOidc: kithd as an OpenID Connect relying party (docs/protocol.md,
 * "Sign in with Google"; docs/server.md, "OIDC"). For each [oidc:ID]
 * provider of kithd.conf it runs the authorization-code flow with PKCE:
 *
 *   start     a client's request (its redirect_uri R, its code_challenge C,
 *             its state S) becomes a pending flow with kithd's own state,
 *             nonce and PKCE verifier, and the URL of the provider's
 *             authorization endpoint to send the browser to;
 *   callback  the provider's answer: kithd redeems the provider's code at
 *             its token endpoint, verifies the ID token (librhonabwy: RS256
 *             against the provider's JWKS, iss, aud, exp, iat, nonce), signs
 *             the verified email in (or makes its account) and hands the
 *             client a one-time code K at R;
 *   redeem    K with the client's verifier and R: the user.
 *
 * Everything it keeps is in memory and bounded: pending flows (10 min) and
 * one-time codes (5 min, kept as their SHA-256). Discovery documents and
 * JWKS are fetched with libsoup on the main loop, each fetch bounded in
 * time and size, and cached. Main thread only.
 */

#define KITHD_OIDC_ERROR (kithd_oidc_error_quark ())

/* What start and callback answer the browser with an HTML page; every
 * other failure of a callback goes back to the client's redirect_uri. */
typedef enum {
  KITHD_OIDC_ERROR_UNKNOWN_PROVIDER,  /* 404 */
  KITHD_OIDC_ERROR_BAD_REQUEST,       /* 400: a parameter of start is not right */
  KITHD_OIDC_ERROR_BUSY,              /* 503: too many sign-ins in progress */
  KITHD_OIDC_ERROR_UNREACHABLE,       /* 502: the provider's discovery document could not be had */
  KITHD_OIDC_ERROR_EXPIRED,           /* 400: unknown, used or expired state */
} KithdOidcError;

/* Pending flows in all and per client address; one-time codes. */
#define KITHD_OIDC_MAX_FLOWS             1000
#define KITHD_OIDC_MAX_FLOWS_PER_ADDRESS 100
#define KITHD_OIDC_MAX_CODES             1000
#define KITHD_OIDC_FLOW_VALIDITY_MS      (10 * 60 * 1000)
#define KITHD_OIDC_CODE_VALIDITY_MS      (5 * 60 * 1000)
/* Each fetch from a provider: its whole time and its body's size. */
#define KITHD_OIDC_FETCH_TIMEOUT_MS      (10 * 1000)
#define KITHD_OIDC_FETCH_MAX_BYTES       (256 * 1024)
/* A JWKS is fetched again for an unknown kid at most this often. */
#define KITHD_OIDC_JWKS_REFRESH_MS       (60 * 1000)
/* The path below PUBLIC_URL of kithd's own page that may be a redirect_uri. */
#define KITHD_OIDC_WEB_REDIRECT_PATH     "/account/oidc-done"

#define KITHD_TYPE_OIDC (kithd_oidc_get_type ())
G_DECLARE_FINAL_TYPE (KithdOidc, kithd_oidc, KITHD, OIDC, GObject)

GQuark      kithd_oidc_error_quark      (void);

/* @config (its providers, its public_url at the time of each request) and
 * @db must outlive the object. */
KithdOidc  *kithd_oidc_new              (const KithdConfig   *config,
                                         KithdDb             *db);

gboolean    kithd_oidc_has_provider     (KithdOidc           *self,
                                         const char          *provider_id);
/* The name on @provider_id's buttons ("Google"), or NULL for no provider. */
const char *kithd_oidc_get_provider_name (KithdOidc          *self,
                                         const char          *provider_id);
/* PUBLIC_URL/account/oidc-done: the redirect_uri of kithd's own pages. */
char       *kithd_oidc_web_redirect_uri (KithdOidc           *self);

/* Start: the URL to send the browser to (the provider's authorization
 * endpoint). @address_key: the client's address as the throttle names it.
 * @redirect_uri, @code_challenge, @code_challenge_method and @state as the
 * client sent them (nullable: missing). */
void        kithd_oidc_start_async      (KithdOidc           *self,
                                         const char          *provider_id,
                                         const char          *address_key,
                                         const char          *redirect_uri,
                                         const char          *code_challenge,
                                         const char          *code_challenge_method,
                                         const char          *state,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char       *kithd_oidc_start_finish     (KithdOidc           *self,
                                         GAsyncResult        *result,
                                         GError             **error);

/* Callback: the URL to send the browser to, the client's redirect_uri with
 * ?code=K&state=S, or ?error=…&error_description=…&state=S. An error
 * (UNKNOWN_PROVIDER, EXPIRED) when there is no flow to go back to. The
 * provider's @code or @error (nullable), and @state. */
void        kithd_oidc_callback_async   (KithdOidc           *self,
                                         const char          *provider_id,
                                         const char          *code,
                                         const char          *error_code,
                                         const char          *state,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char       *kithd_oidc_callback_finish  (KithdOidc           *self,
                                         GAsyncResult        *result,
                                         GError             **error);

/* Spends the one-time @code: TRUE and its user in @user_id when @verifier's
 * S256 is the flow's code_challenge and @redirect_uri its redirect_uri;
 * else KITH_ERROR_INVALID_OIDC_CODE (the code is spent all the same). */
gboolean    kithd_oidc_redeem           (KithdOidc           *self,
                                         const char          *code,
                                         const char          *verifier,
                                         const char          *redirect_uri,
                                         gint64              *user_id,
                                         GError             **error);

/* Pending flows and unredeemed codes now (tests, and the log). */
guint       kithd_oidc_get_n_flows      (KithdOidc           *self);
guint       kithd_oidc_get_n_codes      (KithdOidc           *self);

G_END_DECLS

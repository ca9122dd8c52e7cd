/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-session.h"

G_BEGIN_DECLS

typedef enum {
  KITH_OIDC_SIGN_IN_IDLE,        /* nothing under way */
  KITH_OIDC_SIGN_IN_WAITING,     /* the browser is open at the provider; the listener waits */
  KITH_OIDC_SIGN_IN_SIGNING_IN,  /* the code came: the session redeems it and goes online */
} KithOidcSignInState;

#define KITH_OIDC_ERROR (kith_oidc_error_quark ())

/* How a sign-in at an OpenID provider ended without a code. Each error's
 * message is a translated sentence a person can act on. */
typedef enum {
  KITH_OIDC_ERROR_DECLINED,            /* access_denied: the person declined at the provider */
  KITH_OIDC_ERROR_EMAIL_NOT_VERIFIED,  /* email_not_verified */
  KITH_OIDC_ERROR_NOT_VERIFIED,        /* invalid_token: kithd could not verify the provider's answer */
  KITH_OIDC_ERROR_PROVIDER,            /* server_error, or a code Kith does not know */
  KITH_OIDC_ERROR_EXPIRED,             /* kithd refused the code: expired or used (invalid_oidc_code) */
  KITH_OIDC_ERROR_TIMED_OUT,           /* no answer from the browser in time */
  KITH_OIDC_ERROR_BROWSER,             /* no browser could be opened */
  KITH_OIDC_ERROR_LISTENER,            /* no loopback port to wait on */
} KithOidcError;

#define KITH_TYPE_OIDC_SIGN_IN (kith_oidc_sign_in_get_type ())

G_DECLARE_FINAL_TYPE (KithOidcSignIn, kith_oidc_sign_in, KITH, OIDC_SIGN_IN, GObject)

/*
 * Signing in with an OpenID provider (Google) through the system browser,
 * as RFC 8252 asks of a native app (docs/service.md, "Sign in with Google"):
 * a one-shot HTTP listener on 127.0.0.1 (::1 where there is no IPv4
 * loopback) on a port the system picks, a PKCE verifier (32 random bytes,
 * base64url) and its S256 challenge, a random state; the browser opens
 * kithd's start URL (g_app_info_launch_default_for_uri_async (): the
 * OpenURI portal in a sandbox); the redirect to the listener brings
 * ?code=&state= (or ?error=&state=), the browser gets a page saying it may
 * be closed, the listener closes, and the session redeems the code
 * (kith_session_sign_in_oidc_async ()), signing in as a password does.
 * A request with another path or state is answered 400 and changes nothing.
 *
 * Properties:
 *   session (KithSession, construct-only), provider (string, construct-only:
 *   the id of kithd.conf's [oidc:ID], e.g. "google"), provider-name (string,
 *   construct-only, e.g. "Google": what the sentences name),
 *   state (KithOidcSignInState, read-only), stay-signed-in (gboolean: read
 *   when the code comes, so it may change while the browser is open),
 *   timeout (guint ms, default 300000; $KITH_OIDC_TIMEOUT_MS overrides the
 *   default), start-url and redirect-uri (strings, read-only: those of the
 *   sign-in under way, else NULL).
 * Signals: state-changed (new, old).
 */
GQuark               kith_oidc_error_quark               (void);

KithOidcSignIn      *kith_oidc_sign_in_new               (KithSession    *session,
                                                          const char     *provider,
                                                          const char     *provider_name);
KithOidcSignInState  kith_oidc_sign_in_get_state         (KithOidcSignIn *self);
gboolean             kith_oidc_sign_in_get_stay_signed_in (KithOidcSignIn *self);
void                 kith_oidc_sign_in_set_stay_signed_in (KithOidcSignIn *self,
                                                           gboolean        stay_signed_in);
guint                kith_oidc_sign_in_get_timeout       (KithOidcSignIn *self);
void                 kith_oidc_sign_in_set_timeout       (KithOidcSignIn *self,
                                                          guint           timeout_ms);
const char          *kith_oidc_sign_in_get_start_url     (KithOidcSignIn *self);
const char          *kith_oidc_sign_in_get_redirect_uri  (KithOidcSignIn *self);

/* Signs in through the browser; finishes once the session is online, or
 * with the reason it is not: KITH_OIDC_ERROR, the session's KITH_ERROR
 * (KITH_ERROR_NETWORK: kithd not reached; KITH_ERROR_UNENCRYPTED before
 * anything started), G_IO_ERROR_CANCELLED when @cancellable was cancelled
 * while waiting (the listener closes at once). @context (nullable) is
 * passed to the browser's launch. Only while idle. */
void                 kith_oidc_sign_in_run_async         (KithOidcSignIn      *self,
                                                          GAppLaunchContext   *context,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean             kith_oidc_sign_in_run_finish        (KithOidcSignIn      *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
/* While waiting: opens the browser again on the same start URL (a person
 * closed the tab, or clicked again); the same listener waits. */
void                 kith_oidc_sign_in_reopen_browser    (KithOidcSignIn      *self,
                                                          GAppLaunchContext   *context);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-routes-private.h"

/*
 * /sessions: log-in (POST, counted by the throttle before any hashing, or
 * with the one-time code of a provider's sign-in, kithd-oidc.c) and
 * log-out (DELETE /sessions/current). The check of an email and password,
 * kithd_route_check_password(), is also the web pages' log-in
 * (kithd-web-pages-account.c), which then makes a web session instead.
 */

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (kithd_db_create_session_finish (KITHD_DB (source), result, &error) <= 0) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_route_call_respond_session (call, call->user);
}

static void
on_login_verified (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  KithdThrottle *throttle = call->ctx->throttle;

  kithd_route_call_end_hash (call);
  if (!kithd_crypto_verify_password_finish (result) || !call->user) {
    /* The attempt was counted when it came in: it stays counted. */
    kithd_route_call_error (call, KITH_ERROR_INVALID_CREDENTIALS, "The email or password is not right");
    return;
  }
  /* Not a failure after all; and the account's failures at this address
   * are forgotten. */
  kithd_throttle_uncount (throttle, KITHD_LIMIT_LOGIN_ADDRESS, call->address_key, call->counted_at);
  kithd_throttle_forget (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, call->account_key);
  call->next (call);
}

/* The API's session, for a log-in whose password was right. */
static void
create_session (KithdRouteCall *call)
{
  g_autofree char *token_hash = NULL;

  call->token = kithd_crypto_new_token ();
  token_hash = kithd_crypto_token_hash (call->token);
  kithd_db_create_session_async (call->ctx->db, call->user->id, token_hash,
                                 call->body->device_name ? call->body->device_name : "Kith",
                                 call->body->device_kind, kithd_clock_now_ms (),
                                 NULL, on_session_created, call);
}

static void
on_login_user (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;

  call->user = kithd_db_find_user_finish (KITHD_DB (source), result, &error);
  if (error && !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  /* Unknown accounts cost a (dummy) verification too. */
  kithd_crypto_verify_password_async (call->body->password,
                                      call->user ? call->user->password_hash : NULL,
                                      NULL, on_login_verified, call);
}

static void
on_oidc_session (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = kithd_db_open_session_finish (KITHD_DB (source), result, &error);

  if (!user) {
    /* The account went between the provider's sign-in and now. */
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
      kithd_route_call_error (call, KITH_ERROR_INVALID_OIDC_CODE, "This sign-in has expired; sign in again");
    else
      kithd_route_call_error_from (call, error);
    return;
  }
  kithd_route_call_respond_session (call, user);
}

/* The one-time code of a provider's sign-in (docs/protocol.md, "Sign in
 * with Google"): 256 random bits, spent by its first try. */
static void
log_in_oidc (KithdRouteCall *call)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token_hash = NULL;
  gint64 user_id = 0;

  if (call->ctx->config->oidc_providers->len == 0) {
    kithd_route_call_error (call, KITH_ERROR_UNSUPPORTED_FLOW,
                            "This server offers sign-in with email and password only");
    return;
  }
  if (!kithd_oidc_redeem (call->ctx->oidc, call->body->oidc_code, call->body->oidc_verifier,
                          call->body->oidc_redirect_uri, &user_id, &error)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  call->token = kithd_crypto_new_token ();
  token_hash = kithd_crypto_token_hash (call->token);
  kithd_db_open_session_async (call->ctx->db, user_id, token_hash,
                               call->body->device_name ? call->body->device_name : "Kith",
                               call->body->device_kind, kithd_clock_now_ms (),
                               NULL, on_oidc_session, call);
}

void
kithd_route_log_in (KithdRouteCall *call)
{

  if (call->body->present & KITH_FIELD_OIDC) {
    log_in_oidc (call);
    return;
  }
  if (!(call->body->present & KITH_FIELD_PASSWORD) || !call->body->email) {
    kithd_route_call_error (call, KITH_ERROR_UNSUPPORTED_FLOW,
                            "This server offers sign-in with email and password only");
    return;
  }
  kithd_route_check_password (call, create_session);
}

void
kithd_route_check_password (KithdRouteCall    *call,
                            KithdRouteHandler  then)
{
  KithdThrottle *throttle = call->ctx->throttle;
  g_autofree char *account = NULL;
  gint64 now;
  guint retry;

  call->next = then;

  /* Counted as a failure when it comes in, before any hashing: attempts
   * sent in parallel meet the limit as surely as attempts in a row. By
   * address, and by account at an address: nobody can lock an account
   * from elsewhere (docs/server.md, "Throttling"). */
  account = g_ascii_strdown (call->body->email, -1);
  call->account_key = g_strconcat (account, " ", call->address_key, NULL);
  now = kithd_clock_now_ms ();
  retry = MAX (kithd_throttle_check (throttle, KITHD_LIMIT_LOGIN_ADDRESS, call->address_key, now),
               kithd_throttle_check (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, call->account_key, now));
  if (retry > 0) {
    kithd_route_call_rate_limited (call, retry, "Too many failed sign-ins: please wait a few minutes and try again");
    return;
  }
  if (!kithd_route_call_begin_hash (call))
    return;
  kithd_throttle_count (throttle, KITHD_LIMIT_LOGIN_ADDRESS, call->address_key, now);
  kithd_throttle_count (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, call->account_key, now);
  call->counted_at = now;

  kithd_db_find_user_async (call->ctx->db, account, NULL, on_login_user, call);
}

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;

  if (!kithd_db_delete_session_finish (KITHD_DB (source), result, &error) &&
      !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  g_array_append_val (ids, call->session->id);
  kithd_hub_revoke_sessions (call->ctx->hub, call->user->id, ids);
  kithd_route_call_respond (call, 204, NULL, 0);
}

void
kithd_route_log_out (KithdRouteCall *call)
{
  kithd_db_delete_session_async (call->ctx->db, call->session->id, NULL, on_logged_out, call);
}

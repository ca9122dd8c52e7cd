/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kith-password-policy.h"
#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-routes-private.h"

/*
 * The account: what the server offers (GET /server), sign-up (POST
 * /accounts), the caller's own record (/me: read, change, delete), the
 * password (PUT /me/password) and its reset by mail (/password-reset).
 */

#define RESET_VALIDITY_MS (24 * 60 * 60 * 1000LL)

void
kithd_route_server_info (KithdRouteCall *call)
{
  const KithdConfig *config = call->ctx->config;
  g_autoptr (KithServerInfo) info = kith_server_info_new ();
  g_autoptr (GStrvBuilder) flows = g_strv_builder_new ();
  gsize len = 0;
  char *json;

  g_strv_builder_add (flows, KITH_LOGIN_FLOW_PASSWORD);
  for (guint i = 0; i < config->oidc_providers->len; i++) {
    const KithdOidcProviderConfig *provider = config->oidc_providers->pdata[i];
    g_autofree char *flow = g_strconcat (KITH_LOGIN_FLOW_OIDC_PREFIX, provider->id, NULL);

    g_strv_builder_add (flows, flow);
    g_ptr_array_add (info->oidc_providers, kith_oidc_provider_info_new (provider->id, provider->name));
  }

  info->name = g_strdup (config->name);
  info->version = g_strdup (PACKAGE_VERSION);
  info->protocol = KITH_PROTOCOL_VERSION;
  info->login_flows = g_strv_builder_end (flows);
  info->password_min_length = KITH_PASSWORD_MIN_LENGTH;
  g_clear_pointer (&info->ice_servers, g_ptr_array_unref);
  info->ice_servers = kithd_routes_ice_servers (config, 0);
  json = kith_response_server_info (info, &len);
  kithd_route_call_respond (call, 200, json, len);
}

/* sign up */

static void
on_sign_up_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = kithd_db_sign_up_finish (KITHD_DB (source), result, &error);

  if (!user) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_route_call_respond_session (call, user);
}

static void
on_sign_up_hashed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);
  g_autofree char *email = NULL;
  g_autofree char *token_hash = NULL;

  kithd_route_call_end_hash (call);
  if (!hash) {
    kithd_route_call_error_from (call, error);
    return;
  }

  call->token = kithd_crypto_new_token ();
  email = g_ascii_strdown (call->body->email, -1);
  token_hash = kithd_crypto_token_hash (call->token);
  kithd_db_sign_up_async (call->ctx->db, email, hash, call->body->first_name, call->body->last_name,
                          token_hash, kithd_clock_now_ms (), NULL, on_sign_up_done, call);
}

void
kithd_route_sign_up (KithdRouteCall *call)
{
  g_autoptr (GError) error = NULL;
  gint64 now = kithd_clock_now_ms ();
  guint retry;

  if (!kith_password_policy_validate (call->body->password, &error)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  retry = kithd_throttle_check (call->ctx->throttle, KITHD_LIMIT_SIGN_UP_ADDRESS, call->address_key, now);
  if (retry > 0) {
    kithd_route_call_rate_limited (call, retry, "Too many new accounts from your network: please try again later");
    return;
  }
  if (!kithd_route_call_begin_hash (call))
    return;
  kithd_throttle_count (call->ctx->throttle, KITHD_LIMIT_SIGN_UP_ADDRESS, call->address_key, now);
  kithd_crypto_hash_password_async (call->body->password, NULL, on_sign_up_hashed, call);
}

/* the caller's own record */

void
kithd_route_me (KithdRouteCall *call)
{
  kithd_route_call_respond_user (call, 200, call->user);
}

/* profile */

static void
on_profile_updated (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) contact_ids = NULL;
  g_autoptr (KithdUser) user = kithd_db_update_profile_finish (KITHD_DB (source), result,
                                                               &contact_ids, &error);

  if (!user) {
    kithd_route_call_error_from (call, error);
    return;
  }
  if (g_strcmp0 (user->first_name, call->user->first_name) != 0 ||
      g_strcmp0 (user->last_name, call->user->last_name) != 0)
    kithd_hub_profile_changed (call->ctx->hub, user, contact_ids);
  kithd_route_call_respond_user (call, 200, user);
}

void
kithd_route_profile_update (KithdRouteCall *call)
{
  KithBody *body = call->body;
  int notify = -1;

  if (body->present & KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION)
    notify = body->offline_email_notification ? 1 : 0;
  kithd_db_update_profile_async (call->ctx->db, call->user->id,
                                 body->present & KITH_FIELD_FIRST_NAME ? body->first_name : NULL,
                                 body->present & KITH_FIELD_LAST_NAME ? body->last_name : NULL,
                                 notify, NULL, on_profile_updated, call);
}

/* password change */

static void
on_password_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ended = kithd_db_set_password_finish (KITHD_DB (source), result, &error);

  if (!ended) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_revoke_sessions (call->ctx->hub, call->user->id, ended);
  kithd_route_call_respond (call, 204, NULL, 0);
}

static char *
user_key (gint64 user_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, user_id);
}

static void
on_password_change_hashed (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);

  kithd_route_call_end_hash (call);
  if (!hash) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_db_set_password_async (call->ctx->db, call->user->id, hash, call->session->id,
                               NULL, on_password_set, call);
}

static void
on_password_change_verified (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autofree char *key = user_key (call->user->id);

  if (!kithd_crypto_verify_password_finish (result)) {
    /* Counted when it came in: it stays counted. */
    kithd_route_call_error (call, KITH_ERROR_INVALID_CREDENTIALS, "The current password is not right");
    return;
  }
  kithd_throttle_uncount (call->ctx->throttle, KITHD_LIMIT_PASSWORD_CHANGE, key, call->counted_at);
  kithd_crypto_hash_password_async (call->body->new_password, NULL, on_password_change_hashed, call);
}

void
kithd_route_password_change (KithdRouteCall *call)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = user_key (call->user->id);
  gint64 now = kithd_clock_now_ms ();
  guint retry;

  if (!kith_password_policy_validate (call->body->new_password, &error)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  /* Guesses of the current password by someone holding a token: counted
   * before the hash, like log-ins. */
  retry = kithd_throttle_check (call->ctx->throttle, KITHD_LIMIT_PASSWORD_CHANGE, key, now);
  if (retry > 0) {
    kithd_route_call_rate_limited (call, retry, "Too many wrong passwords: please wait a few minutes and try again");
    return;
  }
  if (!kithd_route_call_begin_hash (call))
    return;
  kithd_throttle_count (call->ctx->throttle, KITHD_LIMIT_PASSWORD_CHANGE, key, now);
  call->counted_at = now;
  kithd_crypto_verify_password_async (call->body->current_password, call->user->password_hash,
                                      NULL, on_password_change_verified, call);
}

/* account deletion */

static void
on_account_deleted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) contacts = kithd_db_delete_account_finish (KITHD_DB (source), result, &error);

  if (!contacts) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_user_deleted (call->ctx->hub, call->user->id, contacts);
  kithd_route_call_respond (call, 204, NULL, 0);
}

void
kithd_route_delete_account (KithdRouteCall *call)
{
  g_autofree char *given = g_utf8_casefold (call->body->confirm_email, -1);
  g_autofree char *own = g_utf8_casefold (call->user->email, -1);

  if (!kithd_crypto_equal (given, own)) {
    kithd_route_call_error (call, KITH_ERROR_CONFIRMATION_MISMATCH,
                            "Type your account's email address to confirm the deletion");
    return;
  }
  if (g_strcmp0 (call->user->plan, KITH_PLAN_PAID) == 0) {
    kithd_route_call_error (call, KITH_ERROR_CONTACT_SUPPORT,
                            "Accounts on a paid plan are closed by our support team: please contact support.");
    return;
  }

  kithd_db_delete_account_async (call->ctx->db, call->user->id, NULL, on_account_deleted, call);
}

/* password reset */

/* A reset request is answered 202 at once (the answer never tells whether
 * the account exists) and then worked on here, without the request, with
 * what it needs of the route context. When the store fails (its disk
 * full, say) it is tried again later, not lost: at most
 * MAX_RESETS_WAITING at a time, for as long as a link is valid. */
#define MAX_RESETS_WAITING 1000

typedef struct {
  KithdDb     *db;
  KithdMailer *mailer;
  char        *public_url;
  guint        retry_interval;   /* s */
  char        *email;
  char        *token;
  gint64       expires_at;
} ResetWork;

static guint resets_waiting;

static void reset_work_submit (ResetWork *work);

static void
reset_work_free (ResetWork *work)
{
  g_object_unref (work->db);
  g_object_unref (work->mailer);
  g_free (work->public_url);
  g_free (work->email);
  g_free (work->token);
  g_free (work);
}

static gboolean
on_reset_retry (gpointer user_data)
{
  resets_waiting--;
  reset_work_submit (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_reset_requested (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ResetWork *work = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;

  if (!kithd_db_request_reset_finish (KITHD_DB (source), result, &user, &error)) {
    if (kithd_clock_now_ms () < work->expires_at && resets_waiting < MAX_RESETS_WAITING) {
      g_message ("A password reset request could not be stored, trying again in %u s: %s",
                 work->retry_interval, error->message);
      resets_waiting++;
      g_timeout_add_seconds (work->retry_interval, on_reset_retry, work);
      return;
    }
    g_message ("A password reset request is dropped: %s", error->message);
  } else if (user) {
    g_autofree char *link = g_strdup_printf ("%s/account/password-reset?token=%s",
                                             work->public_url, work->token);

    kithd_mailer_send_password_reset (work->mailer, user, link);
  }
  reset_work_free (work);
}

static void
reset_work_submit (ResetWork *work)
{
  g_autofree char *token_hash = kithd_crypto_token_hash (work->token);

  kithd_db_request_reset_async (work->db, work->email, token_hash,
                                work->expires_at, NULL, on_reset_requested, work);
}

void
kithd_route_reset_request (KithdRouteCall *call)
{
  KithdThrottle *throttle = call->ctx->throttle;
  g_autofree char *email = g_ascii_strdown (call->body->email, -1);
  gint64 now = kithd_clock_now_ms ();
  ResetWork *work;
  guint retry;

  /* No mail bombing: per email (whether or not it has an account, so the
   * answer tells nothing) and per address. */
  retry = MAX (kithd_throttle_check (throttle, KITHD_LIMIT_RESET_EMAIL, email, now),
               kithd_throttle_check (throttle, KITHD_LIMIT_RESET_ADDRESS, call->address_key, now));
  if (retry > 0) {
    kithd_route_call_rate_limited (call, retry,
                                   "Too many password reset requests: please check your mail, "
                                   "or try again later");
    return;
  }
  kithd_throttle_count (throttle, KITHD_LIMIT_RESET_EMAIL, email, now);
  kithd_throttle_count (throttle, KITHD_LIMIT_RESET_ADDRESS, call->address_key, now);

  work = g_new0 (ResetWork, 1);
  work->db = g_object_ref (call->ctx->db);
  work->mailer = g_object_ref (call->ctx->mailer);
  work->public_url = g_strdup (call->ctx->config->public_url);
  work->retry_interval = call->ctx->config->mail_retry_interval;
  work->email = g_steal_pointer (&email);
  work->token = kithd_crypto_new_token ();
  work->expires_at = kithd_clock_now_ms () + RESET_VALIDITY_MS;
  reset_work_submit (work);
  kithd_route_call_respond (call, 202, NULL, 0);
}

static void
on_reset_confirmed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  gint64 user_id = kithd_db_confirm_reset_finish (KITHD_DB (source), result, &error);

  if (user_id <= 0) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_revoke_sessions (call->ctx->hub, user_id, NULL);
  kithd_route_call_respond (call, 204, NULL, 0);
}

static void
on_reset_hashed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);
  g_autofree char *token_hash = NULL;

  kithd_route_call_end_hash (call);
  if (!hash) {
    kithd_route_call_error_from (call, error);
    return;
  }
  token_hash = kithd_crypto_token_hash (call->body->token);
  kithd_db_confirm_reset_async (call->ctx->db, token_hash, hash, kithd_clock_now_ms (),
                                NULL, on_reset_confirmed, call);
}

void
kithd_route_reset_confirm (KithdRouteCall *call)
{
  g_autoptr (GError) error = NULL;

  if (!kith_password_policy_validate (call->body->password, &error)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  if (!kithd_route_call_begin_hash (call))
    return;
  kithd_crypto_hash_password_async (call->body->password, NULL, on_reset_hashed, call);
}

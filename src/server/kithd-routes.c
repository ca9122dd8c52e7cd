/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include <string.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"
#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-db-contacts.h"
#include "kithd-db-messages.h"
#include "kithd-routes.h"
#include "kithd-ws.h"

#define API "/api/v1"
#define RESET_VALIDITY_MS (24 * 60 * 60 * 1000LL)
#define HISTORY_DEFAULT_LIMIT 50

typedef enum {
  ROUTE_SERVER,
  ROUTE_ACCOUNTS,
  ROUTE_SESSIONS,
  ROUTE_SESSION_CURRENT,
  ROUTE_ME,
  ROUTE_ME_PASSWORD,
  ROUTE_RESET,
  ROUTE_RESET_CONFIRM,
  ROUTE_CONTACTS,
  ROUTE_CONTACT,
  ROUTE_CONTACT_ACCEPT,
  ROUTE_HISTORY,
  ROUTE_SOCKET,
} Route;

typedef struct {
  KithdServer       *server;
  KithdRequest      *http;
  Route              route;
  const char        *method;
  const char        *address;
  char              *address_key;  /* what the address is throttled by */
  gint64             path_id;
  KithBody          *body;
  KithdSession      *session;     /* the caller, on authenticated routes */
  KithdUser         *user;
  char              *token;       /* a new token to hand out */
  char              *account_key;  /* log-in: account at address */
  gint64             counted_at;   /* when an attempt was counted against a limit */
  gboolean           hashing;      /* holds one of the throttle's hash slots */
} Req;

static KithdThrottle *
req_throttle (Req *req)
{
  return kithd_server_get_throttle (req->server);
}

/* The hash slot goes back as soon as the hashing is over. */
static void
req_end_hash (Req *req)
{
  if (req->hashing) {
    kithd_throttle_end_hash (req_throttle (req), req->address_key);
    req->hashing = FALSE;
  }
}

static void
req_free (Req *req)
{
  req_end_hash (req);
  g_free (req->address_key);
  g_free (req->account_key);
  g_clear_pointer (&req->http, kithd_request_unref);
  g_clear_pointer (&req->body, kith_body_free);
  g_clear_pointer (&req->session, kithd_session_free);
  g_clear_pointer (&req->user, kithd_user_free);
  g_free (req->token);
  g_free (req);
}

static void
req_respond (Req        *req,
             guint       status,
             char       *json,   /* transfer full, nullable */
             gsize       len)
{
  kithd_request_respond (req->http, status, json ? "application/json" : NULL, json, len);
  req_free (req);
}

static void
req_error (Req           *req,
           KithErrorCode  code,
           const char    *message)
{
  gsize len = 0;
  char *json = kith_response_error (code, message, &len);

  if (code == KITH_ERROR_UNAUTHORIZED)
    kithd_request_set_header (req->http, "WWW-Authenticate", "Bearer");
  req_respond (req, kith_error_code_http_status (code), json, len);
}

/* 429 with Retry-After. */
static void
req_rate_limited (Req        *req,
                  guint       retry,
                  const char *message)
{
  g_autofree char *value = g_strdup_printf ("%u", MAX (retry, 1));

  kithd_request_set_header (req->http, "Retry-After", value);
  req_error (req, KITH_ERROR_RATE_LIMITED, message);
}

/* A hash slot for this request; FALSE (and answered) when there is none:
 * the address, or kithd, has as many hashes in flight as it may. */
static gboolean
req_begin_hash (Req *req)
{
  if (!kithd_throttle_begin_hash (req_throttle (req), req->address_key)) {
    req_rate_limited (req, 1, "The server is busy checking passwords: please try again in a moment");
    return FALSE;
  }
  req->hashing = TRUE;
  return TRUE;
}

static void
req_error_from (Req          *req,
                const GError *error)
{
  if (error->domain == KITH_ERROR && error->code != KITH_ERROR_INTERNAL) {
    req_error (req, error->code, error->message);
    return;
  }
  g_message ("%s %s failed: %s", req->method, kithd_request_get_path (req->http), error->message);
  req_error (req, KITH_ERROR_INTERNAL, "Something went wrong on the server; please try again");
}

static KithdDb *
req_db (Req *req)
{
  return kithd_server_get_db (req->server);
}

static void
respond_user (Req             *req,
              guint            status,
              const KithdUser *user)
{
  g_autoptr (KithUserInfo) info = kithd_user_to_info (user, TRUE);
  gsize len = 0;
  char *json = kith_response_user (info, &len);

  req_respond (req, status, json, len);
}

static void
respond_contact (Req             *req,
                 guint            status,
                 const KithdUser *other,
                 KithContactState state)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  KithContactInfo *info = kith_contact_info_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  char *json;
  g_autofree char *whole = NULL;
  gsize len = 0;
  JsonNode *first;
  JsonArray *array;

  info->user = kithd_user_to_info (other, FALSE);
  info->state = state;
  info->presence = state == KITH_CONTACT_ACCEPTED
                   ? kithd_hub_get_presence (kithd_server_get_hub (req->server), other->id)
                   : KITH_PRESENCE_OFFLINE;
  g_ptr_array_add (list, info);

  /* One CONTACT object: the codec writes lists, take its only element. */
  whole = kith_response_contacts (list, &len);
  if (!json_parser_load_from_data (parser, whole, len, NULL)) {
    req_error (req, KITH_ERROR_INTERNAL, "Could not write the answer");
    return;
  }
  array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "contacts");
  first = json_array_get_element (array, 0);
  json_generator_set_root (gen, first);
  /* Not in one call: the order in which arguments are evaluated is unspecified. */
  json = json_generator_to_data (gen, &len);
  req_respond (req, status, json, len);
}

/* ---- routes ---- */

static void
route_server (Req *req)
{
  const KithdConfig *config = kithd_server_get_config (req->server);
  g_autoptr (KithServerInfo) info = kith_server_info_new ();
  g_autoptr (GStrvBuilder) flows = g_strv_builder_new ();
  gsize len = 0;
  char *json;

  g_strv_builder_add (flows, "password");
  if (config->oidc_google_client_id)
    g_strv_builder_add (flows, "oidc:google");

  info->name = g_strdup (config->name);
  info->version = g_strdup (PACKAGE_VERSION);
  info->protocol = KITH_PROTOCOL_VERSION;
  info->login_flows = g_strv_builder_end (flows);
  info->password_min_length = KITH_PASSWORD_MIN_LENGTH;
  json = kith_response_server_info (info, &len);
  req_respond (req, 200, json, len);
}

/* sign up */

/* 201 with the new session's token and @user: sign-up and log-in. */
static void
respond_session (Req             *req,
                 const KithdUser *user)
{
  g_autoptr (KithUserInfo) info = kithd_user_to_info (user, TRUE);
  gsize len = 0;
  char *json = kith_response_session (req->token, info, &len);

  req_respond (req, 201, json, len);
}

static void
on_sign_up_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = kithd_db_sign_up_finish (KITHD_DB (source), result, &error);

  if (!user) {
    req_error_from (req, error);
    return;
  }
  respond_session (req, user);
}

static void
on_sign_up_hashed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);
  g_autofree char *email = NULL;
  g_autofree char *token_hash = NULL;

  req_end_hash (req);
  if (!hash) {
    req_error_from (req, error);
    return;
  }

  req->token = kithd_crypto_new_token ();
  email = g_ascii_strdown (req->body->email, -1);
  token_hash = kithd_crypto_token_hash (req->token);
  kithd_db_sign_up_async (req_db (req), email, hash, req->body->first_name, req->body->last_name,
                          token_hash, kithd_clock_now_ms (), NULL, on_sign_up_done, req);
}

static void
route_sign_up (Req *req)
{
  g_autoptr (GError) error = NULL;
  gint64 now = kithd_clock_now_ms ();
  guint retry;

  if (!kith_password_policy_validate (req->body->password, &error)) {
    req_error_from (req, error);
    return;
  }
  retry = kithd_throttle_check (req_throttle (req), KITHD_LIMIT_SIGN_UP_ADDRESS, req->address_key, now);
  if (retry > 0) {
    req_rate_limited (req, retry, "Too many new accounts from your network: please try again later");
    return;
  }
  if (!req_begin_hash (req))
    return;
  kithd_throttle_count (req_throttle (req), KITHD_LIMIT_SIGN_UP_ADDRESS, req->address_key, now);
  kithd_crypto_hash_password_async (req->body->password, NULL, on_sign_up_hashed, req);
}

/* log in */

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;

  if (kithd_db_create_session_finish (KITHD_DB (source), result, &error) <= 0) {
    req_error_from (req, error);
    return;
  }
  respond_session (req, req->user);
}

static void
on_login_verified (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Req *req = user_data;
  KithdThrottle *throttle = req_throttle (req);
  g_autofree char *token_hash = NULL;

  req_end_hash (req);
  if (!kithd_crypto_verify_password_finish (result) || !req->user) {
    /* The attempt was counted when it came in: it stays counted. */
    req_error (req, KITH_ERROR_INVALID_CREDENTIALS, "The email or password is not right");
    return;
  }
  /* Not a failure after all; and the account's failures at this address
   * are forgotten. */
  kithd_throttle_uncount (throttle, KITHD_LIMIT_LOGIN_ADDRESS, req->address_key, req->counted_at);
  kithd_throttle_forget (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, req->account_key);

  req->token = kithd_crypto_new_token ();
  token_hash = kithd_crypto_token_hash (req->token);
  kithd_db_create_session_async (req_db (req), req->user->id, token_hash,
                                 req->body->device_name ? req->body->device_name : "Kith",
                                 req->body->device_kind, kithd_clock_now_ms (),
                                 NULL, on_session_created, req);
}

static void
on_login_user (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;

  req->user = kithd_db_find_user_finish (KITHD_DB (source), result, &error);
  if (error && !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    req_error_from (req, error);
    return;
  }
  /* Unknown accounts cost a (dummy) verification too. */
  kithd_crypto_verify_password_async (req->body->password,
                                      req->user ? req->user->password_hash : NULL,
                                      NULL, on_login_verified, req);
}

static void
route_log_in (Req *req)
{
  const KithdConfig *config = kithd_server_get_config (req->server);
  KithdThrottle *throttle = req_throttle (req);
  g_autofree char *account = NULL;
  gint64 now;
  guint retry;

  if (req->body->present & KITH_FIELD_OIDC || !(req->body->present & KITH_FIELD_PASSWORD) ||
      !req->body->email) {
    req_error (req, KITH_ERROR_UNSUPPORTED_FLOW,
               config->oidc_google_client_id
               ? "Signing in with Google is not available on this server yet"
               : "This server offers sign-in with email and password only");
    return;
  }

  /* Counted as a failure when it comes in, before any hashing: attempts
   * sent in parallel meet the limit as surely as attempts in a row. By
   * address, and by account at an address: nobody can lock an account
   * from elsewhere (docs/server.md, "Throttling"). */
  account = g_ascii_strdown (req->body->email, -1);
  req->account_key = g_strconcat (account, " ", req->address_key, NULL);
  now = kithd_clock_now_ms ();
  retry = MAX (kithd_throttle_check (throttle, KITHD_LIMIT_LOGIN_ADDRESS, req->address_key, now),
               kithd_throttle_check (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, req->account_key, now));
  if (retry > 0) {
    req_rate_limited (req, retry, "Too many failed sign-ins: please wait a few minutes and try again");
    return;
  }
  if (!req_begin_hash (req))
    return;
  kithd_throttle_count (throttle, KITHD_LIMIT_LOGIN_ADDRESS, req->address_key, now);
  kithd_throttle_count (throttle, KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS, req->account_key, now);
  req->counted_at = now;

  kithd_db_find_user_async (req_db (req), account, NULL, on_login_user, req);
}

/* log out */

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;

  if (!kithd_db_delete_session_finish (KITHD_DB (source), result, &error) &&
      !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    req_error_from (req, error);
    return;
  }
  g_array_append_val (ids, req->session->id);
  kithd_hub_revoke_sessions (kithd_server_get_hub (req->server), req->user->id, ids);
  req_respond (req, 204, NULL, 0);
}

static void
route_log_out (Req *req)
{
  kithd_db_delete_session_async (req_db (req), req->session->id, NULL, on_logged_out, req);
}

/* profile */

static void
on_profile_updated (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) contact_ids = NULL;
  g_autoptr (KithdUser) user = kithd_db_update_profile_finish (KITHD_DB (source), result,
                                                               &contact_ids, &error);

  if (!user) {
    req_error_from (req, error);
    return;
  }
  if (g_strcmp0 (user->first_name, req->user->first_name) != 0 ||
      g_strcmp0 (user->last_name, req->user->last_name) != 0)
    kithd_hub_profile_changed (kithd_server_get_hub (req->server), user, contact_ids);
  respond_user (req, 200, user);
}

static void
route_profile_update (Req *req)
{
  KithBody *body = req->body;
  int notify = -1;

  if (body->present & KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION)
    notify = body->offline_email_notification ? 1 : 0;
  kithd_db_update_profile_async (req_db (req), req->user->id,
                                 body->present & KITH_FIELD_FIRST_NAME ? body->first_name : NULL,
                                 body->present & KITH_FIELD_LAST_NAME ? body->last_name : NULL,
                                 notify, NULL, on_profile_updated, req);
}

/* password change */

static void
on_password_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ended = kithd_db_set_password_finish (KITHD_DB (source), result, &error);

  if (!ended) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_revoke_sessions (kithd_server_get_hub (req->server), req->user->id, ended);
  req_respond (req, 204, NULL, 0);
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
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);

  req_end_hash (req);
  if (!hash) {
    req_error_from (req, error);
    return;
  }
  kithd_db_set_password_async (req_db (req), req->user->id, hash, req->session->id,
                               NULL, on_password_set, req);
}

static void
on_password_change_verified (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  Req *req = user_data;
  g_autofree char *key = user_key (req->user->id);

  if (!kithd_crypto_verify_password_finish (result)) {
    /* Counted when it came in: it stays counted. */
    req_error (req, KITH_ERROR_INVALID_CREDENTIALS, "The current password is not right");
    return;
  }
  kithd_throttle_uncount (req_throttle (req), KITHD_LIMIT_PASSWORD_CHANGE, key, req->counted_at);
  kithd_crypto_hash_password_async (req->body->new_password, NULL, on_password_change_hashed, req);
}

static void
route_password_change (Req *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = user_key (req->user->id);
  gint64 now = kithd_clock_now_ms ();
  guint retry;

  if (!kith_password_policy_validate (req->body->new_password, &error)) {
    req_error_from (req, error);
    return;
  }
  /* Guesses of the current password by someone holding a token: counted
   * before the hash, like log-ins. */
  retry = kithd_throttle_check (req_throttle (req), KITHD_LIMIT_PASSWORD_CHANGE, key, now);
  if (retry > 0) {
    req_rate_limited (req, retry, "Too many wrong passwords: please wait a few minutes and try again");
    return;
  }
  if (!req_begin_hash (req))
    return;
  kithd_throttle_count (req_throttle (req), KITHD_LIMIT_PASSWORD_CHANGE, key, now);
  req->counted_at = now;
  kithd_crypto_verify_password_async (req->body->current_password, req->user->password_hash,
                                      NULL, on_password_change_verified, req);
}

/* password reset */

/* A reset request is answered 202 at once (the answer never tells whether
 * the account exists) and then worked on here, without the request. When
 * the store fails (its disk full, say) it is tried again later, not lost:
 * at most MAX_RESETS_WAITING at a time, for as long as a link is valid. */
#define MAX_RESETS_WAITING 1000

typedef struct {
  KithdServer *server;
  char        *email;
  char        *token;
  gint64       expires_at;
} ResetWork;

static guint resets_waiting;

static void reset_work_submit (ResetWork *work);

static void
reset_work_free (ResetWork *work)
{
  g_object_unref (work->server);
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
  const KithdConfig *config = kithd_server_get_config (work->server);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;

  if (!kithd_db_request_reset_finish (KITHD_DB (source), result, &user, &error)) {
    if (kithd_clock_now_ms () < work->expires_at && resets_waiting < MAX_RESETS_WAITING) {
      g_message ("A password reset request could not be stored, trying again in %u s: %s",
                 config->mail_retry_interval, error->message);
      resets_waiting++;
      g_timeout_add_seconds (config->mail_retry_interval, on_reset_retry, work);
      return;
    }
    g_message ("A password reset request is dropped: %s", error->message);
  } else if (user) {
    g_autofree char *link = g_strdup_printf ("%s/account/password-reset?token=%s",
                                             config->public_url, work->token);

    kithd_mailer_send_password_reset (kithd_server_get_mailer (work->server), user, link);
  }
  reset_work_free (work);
}

static void
reset_work_submit (ResetWork *work)
{
  g_autofree char *token_hash = kithd_crypto_token_hash (work->token);

  kithd_db_request_reset_async (kithd_server_get_db (work->server), work->email, token_hash,
                                work->expires_at, NULL, on_reset_requested, work);
}

static void
route_reset_request (Req *req)
{
  KithdThrottle *throttle = req_throttle (req);
  g_autofree char *email = g_ascii_strdown (req->body->email, -1);
  gint64 now = kithd_clock_now_ms ();
  ResetWork *work;
  guint retry;

  /* No mail bombing: per email (whether or not it has an account, so the
   * answer tells nothing) and per address. */
  retry = MAX (kithd_throttle_check (throttle, KITHD_LIMIT_RESET_EMAIL, email, now),
               kithd_throttle_check (throttle, KITHD_LIMIT_RESET_ADDRESS, req->address_key, now));
  if (retry > 0) {
    req_rate_limited (req, retry, "Too many password reset requests: please check your mail, "
                                  "or try again later");
    return;
  }
  kithd_throttle_count (throttle, KITHD_LIMIT_RESET_EMAIL, email, now);
  kithd_throttle_count (throttle, KITHD_LIMIT_RESET_ADDRESS, req->address_key, now);

  work = g_new0 (ResetWork, 1);
  work->server = g_object_ref (req->server);
  work->email = g_steal_pointer (&email);
  work->token = kithd_crypto_new_token ();
  work->expires_at = kithd_clock_now_ms () + RESET_VALIDITY_MS;
  reset_work_submit (work);
  req_respond (req, 202, NULL, 0);
}

static void
on_reset_confirmed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  gint64 user_id = kithd_db_confirm_reset_finish (KITHD_DB (source), result, &error);

  if (user_id <= 0) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_revoke_sessions (kithd_server_get_hub (req->server), user_id, NULL);
  req_respond (req, 204, NULL, 0);
}

static void
on_reset_hashed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = kithd_crypto_hash_password_finish (result, &error);
  g_autofree char *token_hash = NULL;

  req_end_hash (req);
  if (!hash) {
    req_error_from (req, error);
    return;
  }
  token_hash = kithd_crypto_token_hash (req->body->token);
  kithd_db_confirm_reset_async (req_db (req), token_hash, hash, kithd_clock_now_ms (),
                                NULL, on_reset_confirmed, req);
}

static void
route_reset_confirm (Req *req)
{
  g_autoptr (GError) error = NULL;

  if (!kith_password_policy_validate (req->body->password, &error)) {
    req_error_from (req, error);
    return;
  }
  if (!req_begin_hash (req))
    return;
  kithd_crypto_hash_password_async (req->body->password, NULL, on_reset_hashed, req);
}

/* account deletion */

static void
on_account_deleted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) contacts = kithd_db_delete_account_finish (KITHD_DB (source), result, &error);

  if (!contacts) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_user_deleted (kithd_server_get_hub (req->server), req->user->id, contacts);
  req_respond (req, 204, NULL, 0);
}

static void
route_delete_account (Req *req)
{
  g_autofree char *given = g_utf8_casefold (req->body->confirm_email, -1);
  g_autofree char *own = g_utf8_casefold (req->user->email, -1);

  if (!kithd_crypto_equal (given, own)) {
    req_error (req, KITH_ERROR_CONFIRMATION_MISMATCH,
               "Type your account's email address to confirm the deletion");
    return;
  }
  if (g_strcmp0 (req->user->plan, "paid") == 0) {
    req_error (req, KITH_ERROR_CONTACT_SUPPORT,
               "Accounts on a paid plan are closed by our support team: please contact support.");
    return;
  }

  kithd_db_delete_account_async (req_db (req), req->user->id, NULL, on_account_deleted, req);
}

/* contacts */

static void
on_contact_list (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Req *req = user_data;
  KithdHub *hub = kithd_server_get_hub (req->server);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) contacts = kithd_db_list_contacts_finish (KITHD_DB (source), result, &error);
  g_autoptr (GPtrArray) list = NULL;
  gsize len = 0;
  char *json;

  if (!contacts) {
    req_error_from (req, error);
    return;
  }
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  for (guint i = 0; i < contacts->len; i++) {
    KithdContact *contact = g_ptr_array_index (contacts, i);
    KithContactInfo *info = kith_contact_info_new ();

    info->user = kithd_user_to_info (contact->user, FALSE);
    info->state = contact->state;
    info->presence = contact->state == KITH_CONTACT_ACCEPTED
                     ? kithd_hub_get_presence (hub, contact->user->id)
                     : KITH_PRESENCE_OFFLINE;
    g_ptr_array_add (list, info);
  }
  json = kith_response_contacts (list, &len);
  req_respond (req, 200, json, len);
}

static void
route_contact_list (Req *req)
{
  kithd_db_list_contacts_async (req_db (req), req->user->id, NULL, on_contact_list, req);
}

static void
on_contact_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) other = NULL;
  KithContactState state = KITH_CONTACT_OUTGOING;

  other = kithd_db_add_contact_finish (KITHD_DB (source), result, &user, &state, &error);
  if (!other) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_contact_requested (kithd_server_get_hub (req->server), user, other, state);
  respond_contact (req, 201, other, state);
}

static void
route_contact_add (Req *req)
{
  g_autofree char *email = g_ascii_strdown (req->body->email, -1);

  kithd_db_add_contact_async (req_db (req), req->user->id, email, kithd_clock_now_ms (),
                              NULL, on_contact_added, req);
}

static void
on_contact_accepted (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) other = kithd_db_accept_contact_finish (KITHD_DB (source), result, &user, &error);

  if (!other) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_contact_accepted (kithd_server_get_hub (req->server), user, other);
  respond_contact (req, 200, other, KITH_CONTACT_ACCEPTED);
}

static void
route_contact_accept (Req *req)
{
  kithd_db_accept_contact_async (req_db (req), req->user->id, req->path_id, kithd_clock_now_ms (),
                                 NULL, on_contact_accepted, req);
}

static void
on_contact_removed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;

  if (!kithd_db_remove_contact_finish (KITHD_DB (source), result, &error)) {
    req_error_from (req, error);
    return;
  }
  kithd_hub_contact_removed (kithd_server_get_hub (req->server), req->user->id, req->path_id);
  req_respond (req, 204, NULL, 0);
}

static void
route_contact_remove (Req *req)
{
  kithd_db_remove_contact_async (req_db (req), req->user->id, req->path_id,
                                 NULL, on_contact_removed, req);
}

/* history */

static gboolean
parse_id (const char *str,
          gint64     *out)
{
  guint64 value = 0;

  if (!str || !*str || strlen (str) > 18)
    return FALSE;
  for (const char *p = str; *p; p++) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
    value = value * 10 + (*p - '0');
  }
  *out = value;
  return TRUE;
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = kithd_db_history_finish (KITHD_DB (source), result, &error);
  gsize len = 0;
  char *json;

  if (!messages) {
    req_error_from (req, error);
    return;
  }
  json = kith_response_messages (messages, &len);
  req_respond (req, 200, json, len);
}

static void
route_history (Req *req)
{
  const char *before_str = kithd_request_get_query (req->http, "before");
  const char *limit_str = kithd_request_get_query (req->http, "limit");
  gint64 before = 0;
  gint64 limit = HISTORY_DEFAULT_LIMIT;

  if (before_str && !parse_id (before_str, &before)) {
    req_error (req, KITH_ERROR_INVALID_FIELD, "before must be a message seq");
    return;
  }
  if (limit_str && (!parse_id (limit_str, &limit) || limit < 1 || limit > KITH_MAX_HISTORY_LIMIT)) {
    req_error (req, KITH_ERROR_INVALID_FIELD, "limit must be a number from 1 to 200");
    return;
  }

  kithd_db_history_async (req_db (req), req->user->id, req->path_id, before, limit,
                          NULL, on_history, req);
}

/* socket */

static void
on_socket_upgraded (KithdUpgrade *upgrade,
                    int           fd,
                    const guint8 *extra,
                    gsize         extra_len,
                    gpointer      user_data)
{
  KithdServer *server = user_data;

  kithd_hub_accept (kithd_server_get_hub (server), upgrade, fd, extra, extra_len);
}

/* A comma-separated header value holds @token (case-insensitive). */
static gboolean
header_has_token (const char *value,
                  const char *token)
{
  g_auto (GStrv) parts = NULL;

  if (!value)
    return FALSE;
  parts = g_strsplit (value, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    if (g_ascii_strcasecmp (g_strstrip (parts[i]), token) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
route_socket (Req *req)
{
  KithdRequest *http = req->http;
  g_autofree char *accept = NULL;

  /* RFC 6455, 4.2.1. No extensions: an offered permessage-deflate is ignored. */
  if (!header_has_token (kithd_request_get_header (http, "Upgrade"), "websocket") ||
      !header_has_token (kithd_request_get_header (http, "Connection"), "upgrade") ||
      g_strcmp0 (kithd_request_get_header (http, "Sec-WebSocket-Version"), "13") != 0 ||
      !(accept = kithd_ws_accept_key (kithd_request_get_header (http, "Sec-WebSocket-Key")))) {
    kithd_request_set_header (http, "Sec-WebSocket-Version", "13");
    req_error (req, KITH_ERROR_INVALID_FIELD, "This is the WebSocket endpoint: send an upgrade request");
    return;
  }
  kithd_request_set_header (http, "Upgrade", "websocket");
  kithd_request_set_header (http, "Sec-WebSocket-Accept", accept);
  kithd_request_upgrade (http, on_socket_upgraded, req->server);
  req_free (req);
}

/* ---- dispatch ---- */

static void
dispatch (Req *req)
{
  const char *m = req->method;

  switch (req->route) {
  case ROUTE_SESSION_CURRENT:
    route_log_out (req);
    return;
  case ROUTE_ME:
    if (strcmp (m, "GET") == 0)
      respond_user (req, 200, req->user);
    else if (strcmp (m, "PATCH") == 0)
      route_profile_update (req);
    else
      route_delete_account (req);
    return;
  case ROUTE_ME_PASSWORD:
    route_password_change (req);
    return;
  case ROUTE_CONTACTS:
    if (strcmp (m, "GET") == 0)
      route_contact_list (req);
    else
      route_contact_add (req);
    return;
  case ROUTE_CONTACT:
    route_contact_remove (req);
    return;
  case ROUTE_CONTACT_ACCEPT:
    route_contact_accept (req);
    return;
  case ROUTE_HISTORY:
    route_history (req);
    return;
  case ROUTE_SERVER:
    route_server (req);
    return;
  case ROUTE_ACCOUNTS:
    route_sign_up (req);
    return;
  case ROUTE_SESSIONS:
    route_log_in (req);
    return;
  case ROUTE_RESET:
    route_reset_request (req);
    return;
  case ROUTE_RESET_CONFIRM:
    route_reset_confirm (req);
    return;
  case ROUTE_SOCKET:
    route_socket (req);
    return;
  default:
    g_assert_not_reached ();
  }
}

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Req *req = user_data;
  g_autoptr (GError) error = NULL;

  req->session = kithd_db_authenticate_finish (KITHD_DB (source), result, &req->user, &error);
  if (!req->session) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
      req_error (req, KITH_ERROR_UNAUTHORIZED, "Your session has ended: please sign in again");
    else
      req_error_from (req, error);
    return;
  }
  dispatch (req);
}

/* "Bearer TOKEN", exactly; the token in base64url. */
static char *
parse_bearer (KithdRequest *http)
{
  const char *value = kithd_request_get_header (http, "Authorization");
  const char *token;
  gsize len;

  if (!value || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  token = value + 7;
  len = strlen (token);
  if (len == 0 || len > KITH_MAX_TOKEN_BYTES)
    return NULL;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return NULL;
  }
  return g_strdup (token);
}

/* Matches @path below /api/v1; FALSE for an unknown path. */
static gboolean
match_route (const char *path,
             Route      *route,
             gint64     *id)
{
  g_auto (GStrv) parts = NULL;
  guint n;

  if (!g_str_has_prefix (path, API "/"))
    return FALSE;
  parts = g_strsplit (path + strlen (API "/"), "/", -1);
  n = g_strv_length (parts);

#define IS(i, s) (strcmp (parts[i], s) == 0)
  if (n == 1 && IS (0, "server"))
    *route = ROUTE_SERVER;
  else if (n == 1 && IS (0, "accounts"))
    *route = ROUTE_ACCOUNTS;
  else if (n == 1 && IS (0, "sessions"))
    *route = ROUTE_SESSIONS;
  else if (n == 2 && IS (0, "sessions") && IS (1, "current"))
    *route = ROUTE_SESSION_CURRENT;
  else if (n == 1 && IS (0, "me"))
    *route = ROUTE_ME;
  else if (n == 2 && IS (0, "me") && IS (1, "password"))
    *route = ROUTE_ME_PASSWORD;
  else if (n == 1 && IS (0, "password-reset"))
    *route = ROUTE_RESET;
  else if (n == 2 && IS (0, "password-reset") && IS (1, "confirm"))
    *route = ROUTE_RESET_CONFIRM;
  else if (n == 1 && IS (0, "contacts"))
    *route = ROUTE_CONTACTS;
  else if (n == 2 && IS (0, "contacts") && parse_id (parts[1], id) && *id > 0)
    *route = ROUTE_CONTACT;
  else if (n == 3 && IS (0, "contacts") && parse_id (parts[1], id) && *id > 0 && IS (2, "accept"))
    *route = ROUTE_CONTACT_ACCEPT;
  else if (n == 3 && IS (0, "conversations") && parse_id (parts[1], id) && *id > 0 && IS (2, "messages"))
    *route = ROUTE_HISTORY;
  else if (n == 1 && IS (0, "socket"))
    *route = ROUTE_SOCKET;
  else
    return FALSE;
#undef IS

  return TRUE;
}

static const char *
route_methods (Route route)
{
  switch (route) {
  case ROUTE_SERVER:          return "GET";
  case ROUTE_ACCOUNTS:        return "POST";
  case ROUTE_SESSIONS:        return "POST";
  case ROUTE_SESSION_CURRENT: return "DELETE";
  case ROUTE_ME:              return "GET PATCH DELETE";
  case ROUTE_ME_PASSWORD:     return "PUT";
  case ROUTE_RESET:           return "POST";
  case ROUTE_RESET_CONFIRM:   return "POST";
  case ROUTE_CONTACTS:        return "GET POST";
  case ROUTE_CONTACT:         return "DELETE";
  case ROUTE_CONTACT_ACCEPT:  return "POST";
  case ROUTE_HISTORY:         return "GET";
  case ROUTE_SOCKET:          return "GET";
  default:                    g_assert_not_reached ();
  }
  return "";
}

static gboolean
route_needs_auth (Route route)
{
  return route != ROUTE_SERVER && route != ROUTE_ACCOUNTS && route != ROUTE_SESSIONS &&
         route != ROUTE_RESET && route != ROUTE_RESET_CONFIRM && route != ROUTE_SOCKET;
}

/* The body a route and method reads; FALSE when it reads none. */
static gboolean
route_body (Route         route,
            const char   *method,
            KithBodyType *type)
{
  switch (route) {
  case ROUTE_ACCOUNTS:      *type = KITH_BODY_SIGN_UP; return TRUE;
  case ROUTE_SESSIONS:      *type = KITH_BODY_LOG_IN; return TRUE;
  case ROUTE_ME_PASSWORD:   *type = KITH_BODY_PASSWORD_CHANGE; return TRUE;
  case ROUTE_RESET:         *type = KITH_BODY_RESET_REQUEST; return TRUE;
  case ROUTE_RESET_CONFIRM: *type = KITH_BODY_RESET_CONFIRM; return TRUE;
  case ROUTE_ME:
    if (strcmp (method, "PATCH") == 0) {
      *type = KITH_BODY_PROFILE_UPDATE;
      return TRUE;
    }
    if (strcmp (method, "DELETE") == 0) {
      *type = KITH_BODY_DELETE_ACCOUNT;
      return TRUE;
    }
    return FALSE;
  case ROUTE_CONTACTS:
    if (strcmp (method, "POST") == 0) {
      *type = KITH_BODY_CONTACT_ADD;
      return TRUE;
    }
    return FALSE;
  default:
    return FALSE;
  }
}

static gboolean
method_allowed (const char *methods,
                const char *method)
{
  g_auto (GStrv) list = g_strsplit (methods, " ", -1);

  return g_strv_contains ((const char * const *) list, method);
}

void
kithd_routes_handle (KithdRequest *http,
                     gpointer      user_data)
{
  KithdServer *server = user_data;
  Req *req = g_new0 (Req, 1);
  KithBodyType body_type;
  g_autofree char *token = NULL;

  req->server = server;
  req->http = kithd_request_ref (http);
  req->method = kithd_request_get_method (http);
  req->address = kithd_request_get_address (http);
  req->address_key = kithd_throttle_address_key (req->address);

  if (!match_route (kithd_request_get_path (http), &req->route, &req->path_id)) {
    req_error (req, KITH_ERROR_NOT_FOUND, "There is no such API call");
    return;
  }
  if (!method_allowed (route_methods (req->route), req->method)) {
    g_auto (GStrv) methods = g_strsplit (route_methods (req->route), " ", -1);
    g_autofree char *allow = g_strjoinv (", ", methods);

    kithd_request_set_header (http, "Allow", allow);
    req_error (req, KITH_ERROR_METHOD_NOT_ALLOWED, "This API call does not take that method");
    return;
  }

  /* A missing or malformed token is refused before the body is looked at. */
  if (route_needs_auth (req->route)) {
    token = parse_bearer (http);
    if (!token) {
      req_error (req, KITH_ERROR_UNAUTHORIZED, "Sign in first");
      return;
    }
  }

  if (route_body (req->route, req->method, &body_type)) {
    g_autoptr (GError) error = NULL;
    gsize len;
    const char *data = kithd_request_get_body (http, &len);

    req->body = kith_body_parse (body_type, data, len, &error);
    if (!req->body) {
      req_error_from (req, error);
      return;
    }
  }

  if (token) {
    g_autofree char *token_hash = kithd_crypto_token_hash (token);

    kithd_db_authenticate_async (req_db (req), token_hash, NULL, on_authenticated, req);
    return;
  }

  dispatch (req);
}

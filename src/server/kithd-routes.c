/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include <string.h>

#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-routes-private.h"
#include "kithd-web.h"

/*
 * The route table: every REST call of docs/protocol.md and the socket, as
 * the frame codec in src/common has its frames: one row each, method, path,
 * who may call it, the body it reads and its handler. kithd_routes_handle()
 * goes the same way for each: match (404, 405 with Allow), the token's
 * form (401 before the body is looked at), the body (400 with the codec's
 * code), the session on the db worker (401), the handler.
 */

#define API "/api/v1"

#define NO_BODY    FALSE, 0
#define BODY(type) TRUE, type

static const KithdRoute routes[] = {
  { "GET",    "/server",                      KITHD_ROUTE_PUBLIC,    NO_BODY,                           kithd_route_server_info },
  { "POST",   "/accounts",                    KITHD_ROUTE_PUBLIC,    BODY (KITH_BODY_SIGN_UP),          kithd_route_sign_up },
  { "POST",   "/sessions",                    KITHD_ROUTE_PUBLIC,    BODY (KITH_BODY_LOG_IN),           kithd_route_log_in },
  { "DELETE", "/sessions/current",            KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_log_out },
  { "GET",    "/me",                          KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_me },
  { "PATCH",  "/me",                          KITHD_ROUTE_SIGNED_IN, BODY (KITH_BODY_PROFILE_UPDATE),   kithd_route_profile_update },
  { "DELETE", "/me",                          KITHD_ROUTE_SIGNED_IN, BODY (KITH_BODY_DELETE_ACCOUNT),   kithd_route_delete_account },
  { "PUT",    "/me/password",                 KITHD_ROUTE_SIGNED_IN, BODY (KITH_BODY_PASSWORD_CHANGE),  kithd_route_password_change },
  { "POST",   "/password-reset",              KITHD_ROUTE_PUBLIC,    BODY (KITH_BODY_RESET_REQUEST),    kithd_route_reset_request },
  { "POST",   "/password-reset/confirm",      KITHD_ROUTE_PUBLIC,    BODY (KITH_BODY_RESET_CONFIRM),    kithd_route_reset_confirm },
  { "GET",    "/contacts",                    KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_contact_list },
  { "POST",   "/contacts",                    KITHD_ROUTE_SIGNED_IN, BODY (KITH_BODY_CONTACT_ADD),      kithd_route_contact_add },
  { "DELETE", "/contacts/{id}",               KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_contact_remove },
  { "POST",   "/contacts/{id}/accept",        KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_contact_accept },
  { "GET",    "/conversations/{id}/messages", KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_history },
  { "GET",    "/socket",                      KITHD_ROUTE_PUBLIC,    NO_BODY,                           kithd_route_socket },
  { "GET",    "/ice-servers",                 KITHD_ROUTE_SIGNED_IN, NO_BODY,                           kithd_route_ice_servers },
  { "GET",    "/oidc/{name}/start",           KITHD_ROUTE_PUBLIC,    NO_BODY,                           kithd_route_oidc_start },
  { "GET",    "/oidc/{name}/callback",        KITHD_ROUTE_PUBLIC,    NO_BODY,                           kithd_route_oidc_callback },
};

gboolean
kithd_routes_parse_id (const char *str,
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

/* @parts (the path below /api/v1, split at "/") against @pattern. */
static gboolean
pattern_matches (const char  *pattern,
                 char       **parts,
                 gint64      *id)
{
  g_auto (GStrv) want = g_strsplit (pattern + 1, "/", -1);
  guint n = g_strv_length (want);

  if (g_strv_length (parts) != n)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    if (strcmp (want[i], "{id}") == 0) {
      if (!kithd_routes_parse_id (parts[i], id) || *id <= 0)
        return FALSE;
    } else if (strcmp (want[i], "{name}") == 0) {
      /* Any segment: the handler tells an unknown name (its own 404). */
      if (!*parts[i])
        return FALSE;
    } else if (strcmp (want[i], parts[i]) != 0) {
      return FALSE;
    }
  }
  return TRUE;
}

const KithdRoute *
kithd_routes_get_table (guint *n_routes)
{
  *n_routes = G_N_ELEMENTS (routes);
  return routes;
}

const KithdRoute *
kithd_routes_match (const char  *path,
                    const char  *method,
                    gint64      *path_id,
                    char       **allow)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GStrvBuilder) methods = NULL;

  *path_id = 0;
  *allow = NULL;
  if (!g_str_has_prefix (path, API "/"))
    return NULL;
  parts = g_strsplit (path + strlen (API "/"), "/", -1);

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++) {
    const KithdRoute *route = &routes[i];
    gint64 id = 0;

    if (!pattern_matches (route->pattern, parts, &id))
      continue;
    if (strcmp (route->method, method) == 0) {
      *path_id = id;
      return route;
    }
    if (!methods)
      methods = g_strv_builder_new ();
    g_strv_builder_add (methods, route->method);
  }

  if (methods) {
    g_auto (GStrv) list = g_strv_builder_end (methods);

    *allow = g_strjoinv (", ", list);
  }
  return NULL;
}

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;

  call->session = kithd_db_authenticate_finish (KITHD_DB (source), result, &call->user, &error);
  if (!call->session) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
      kithd_route_call_error (call, KITH_ERROR_UNAUTHORIZED, "Your session has ended: please sign in again");
    else
      kithd_route_call_error_from (call, error);
    return;
  }
  call->route->handler (call);
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

void
kithd_routes_handle (KithdRequest *http,
                     gpointer      user_data)
{
  const KithdRouteContext *ctx = user_data;
  KithdRouteCall *call;
  g_autofree char *allow = NULL;
  g_autofree char *token = NULL;

  /* Outside /api/: the web pages (kithd-web.c). */
  if (!g_str_has_prefix (kithd_request_get_path (http), "/api/")) {
    kithd_web_handle (http, ctx);
    return;
  }

  call = kithd_route_call_new (ctx, http);
  call->route = kithd_routes_match (kithd_request_get_path (http), call->method,
                                    &call->path_id, &allow);
  if (!call->route && !allow) {
    kithd_route_call_error (call, KITH_ERROR_NOT_FOUND, "There is no such API call");
    return;
  }
  if (!call->route) {
    kithd_request_set_header (http, "Allow", allow);
    kithd_route_call_error (call, KITH_ERROR_METHOD_NOT_ALLOWED, "This API call does not take that method");
    return;
  }

  /* A missing or malformed token is refused before the body is looked at. */
  if (call->route->auth == KITHD_ROUTE_SIGNED_IN) {
    token = parse_bearer (http);
    if (!token) {
      kithd_route_call_error (call, KITH_ERROR_UNAUTHORIZED, "Sign in first");
      return;
    }
  }

  if (call->route->has_body) {
    g_autoptr (GError) error = NULL;
    gsize len;
    const char *data = kithd_request_get_body (http, &len);

    call->body = kith_body_parse (call->route->body, data, len, &error);
    if (!call->body) {
      kithd_route_call_error_from (call, error);
      return;
    }
  }

  if (token) {
    g_autofree char *token_hash = kithd_crypto_token_hash (token);

    kithd_db_authenticate_async (ctx->db, token_hash, NULL, on_authenticated, call);
    return;
  }

  call->route->handler (call);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-response.h"
#include "kithd-crypto.h"
#include "kithd-db-web.h"
#include "kithd-web-input.h"
#include "kithd-web-private.h"

/*
 * The web pages' dispatch: the page table, as the API has its route table,
 * and the way every request goes: the page (404; 405 with Allow), the
 * language (Accept-Language), for a POST the Origin check (403), the form
 * (400) and its CSRF token (403), for a page that needs one the browser's
 * session on the db worker (else the log-in page), then the handler. The
 * headers of every answer are set here, and so are cookies.
 *
 * A form's action runs the API's own handler (kithd_web_call_run_api()): the
 * same checks, throttle, store calls and socket frames as the REST call,
 * with its answer turned into a page.
 */

static const char * const login_fields[] = { "email", "password", NULL };
static const char * const no_fields[] = { NULL };
static const char * const profile_fields[] = {
  "first_name", "last_name", "offline_email_notification", NULL
};
static const char * const password_fields[] = {
  "current_password", "new_password", "new_password_repeat", NULL
};
static const char * const delete_fields[] = { "confirm_email", NULL };
static const char * const reset_request_fields[] = { "email", NULL };
static const char * const reset_new_fields[] = { "password", "password_repeat", NULL };

#define PUBLIC       KITHD_WEB_PUBLIC
#define MAYBE_SIGNED KITHD_WEB_MAYBE_SIGNED
#define SIGNED_IN    KITHD_WEB_SIGNED_IN

static const KithdWebRoute routes[] = {
  { "GET",  "/",                           PUBLIC,       NULL,                 kithd_web_page_landing },
  { "GET",  "/assets/kith.css",            PUBLIC,       NULL,                 kithd_web_page_stylesheet },
  { "GET",  "/assets/kith-logo.svg",       PUBLIC,       NULL,                 kithd_web_page_logo },
  { "GET",  "/account/login",              MAYBE_SIGNED, NULL,                 kithd_web_page_login },
  { "POST", "/account/login",              PUBLIC,       login_fields,         kithd_web_page_login_post },
  { "GET",  "/account/oidc-start",         PUBLIC,       NULL,                 kithd_web_page_oidc_start },
  { "GET",  "/account/oidc-done",          PUBLIC,       NULL,                 kithd_web_page_oidc_done },
  { "GET",  "/account/oidc-finish",        MAYBE_SIGNED, NULL,                 kithd_web_page_oidc_finish },
  { "POST", "/account/logout",             SIGNED_IN,    no_fields,            kithd_web_page_logout_post },
  { "GET",  "/account/profile",            SIGNED_IN,    NULL,                 kithd_web_page_profile },
  { "POST", "/account/profile",            SIGNED_IN,    profile_fields,       kithd_web_page_profile_post },
  { "POST", "/account/password",           SIGNED_IN,    password_fields,      kithd_web_page_password_post },
  { "GET",  "/account/delete",             SIGNED_IN,    NULL,                 kithd_web_page_delete },
  { "POST", "/account/delete",             SIGNED_IN,    delete_fields,        kithd_web_page_delete_post },
  { "GET",  "/account/password-reset",     PUBLIC,       NULL,                 kithd_web_page_reset },
  { "POST", "/account/password-reset",     PUBLIC,       reset_request_fields, kithd_web_page_reset_post },
  { "POST", "/account/password-reset/new", PUBLIC,       reset_new_fields,     kithd_web_page_reset_new_post },
};

/* The headers of every answer (docs/server.md, "Web pages"). */
static const char * const security_headers[][2] = {
  { "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'" },
  { "X-Frame-Options", "DENY" },
  { "X-Content-Type-Options", "nosniff" },
  { "Referrer-Policy", "no-referrer" },
  { "Cache-Control", "no-store" },
};

static const struct {
  const char     *name;
  KithdWebNotice  notice;
} notices[] = {
  { "signed-out",       KITHD_WEB_NOTICE_SIGNED_OUT },
  { "session-ended",    KITHD_WEB_NOTICE_SESSION_ENDED },
  { "saved",            KITHD_WEB_NOTICE_SAVED },
  { "password-changed", KITHD_WEB_NOTICE_PASSWORD_CHANGED },
};

/* ---- the CSRF token ---- */

/* A form's token is an HMAC of the browser's CSRF cookie with a key that
 * lives as long as the process: a page from before a restart asks for a
 * reload; a cookie planted from elsewhere has no valid token. */
static const char *
csrf_key (void)
{
  static char *key;

  if (g_once_init_enter (&key))
    g_once_init_leave (&key, kithd_crypto_new_token ());
  return key;
}

static char *
csrf_token (const char *cookie)
{
  const char *key = csrf_key ();

  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key), cookie, -1);
}

/* ---- a call ---- */

/* A call for @request in its language (Accept-Language). */
static KithdWebCall *
call_new (KithdRequest            *request,
          const KithdRouteContext *ctx)
{
  KithdWebCall *call = g_new0 (KithdWebCall, 1);

  call->ctx = ctx;
  call->http = kithd_request_ref (request);
  call->language = kithd_web_language_choose (kithd_request_get_header (request, "Accept-Language"));
  return call;
}

void
kithd_web_call_free (KithdWebCall *call)
{
  g_clear_pointer (&call->http, kithd_request_unref);
  g_clear_pointer (&call->form, g_hash_table_unref);
  g_free (call->csrf_cookie);
  g_free (call->session_token);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

void
kithd_web_set_security_headers (KithdRequest *request)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_headers); i++)
    kithd_request_set_header (request, security_headers[i][0], security_headers[i][1]);
}

void
kithd_web_call_respond (KithdWebCall *call,
                        guint         status,
                        const char   *content_type,
                        char         *body,
                        gsize         len)
{
  kithd_web_set_security_headers (call->http);
  kithd_request_set_header (call->http, "Vary", "Accept-Language, Cookie");
  kithd_request_respond (call->http, status, content_type, body, len);
  kithd_web_call_free (call);
}

void
kithd_web_call_redirect (KithdWebCall *call,
                         const char   *path)
{
  g_assert (path[0] == '/');
  kithd_request_set_header (call->http, "Location", path);
  kithd_web_call_respond (call, 303, NULL, NULL, 0);
}

void
kithd_web_call_set_cookie (KithdWebCall *call,
                           const char   *name,
                           const char   *value,
                           guint         max_age)
{
  g_autoptr (GString) cookie = g_string_new (NULL);

  g_string_printf (cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", name, value ? value : "");
  if (kithd_request_is_https (call->http))
    g_string_append (cookie, "; Secure");
  if (!value)
    g_string_append (cookie, "; Max-Age=0");
  else if (max_age > 0)
    g_string_append_printf (cookie, "; Max-Age=%u", max_age);
  kithd_request_add_header (call->http, "Set-Cookie", cookie->str);
}

char *
kithd_web_call_cookie (KithdWebCall *call,
                       const char   *name)
{
  return kithd_web_parse_cookie (kithd_request_get_header (call->http, "Cookie"), name);
}

void
kithd_web_call_csrf_field (KithdWebCall *call,
                           KithdHtml    *html)
{
  g_autofree char *token = csrf_token (call->csrf_cookie);

  kithd_html_add (html, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", token);
}

const char *
kithd_web_call_field (KithdWebCall *call,
                      const char   *name)
{
  const char *value = call->form ? g_hash_table_lookup (call->form, name) : NULL;

  return value ? value : "";
}

void
kithd_web_call_set_error (KithdWebCall  *call,
                          KithErrorCode  code)
{
  call->error = code;
  call->has_error = TRUE;
}

void
kithd_web_call_read_notice (KithdWebCall *call)
{
  const char *name = kithd_request_get_query (call->http, "notice");

  for (guint i = 0; name && i < G_N_ELEMENTS (notices); i++) {
    if (strcmp (notices[i].name, name) == 0)
      call->notice = notices[i].notice;
  }
}

static const char *
error_page (KithdWebCall *call,
            KithdHtml    *html)
{
  const char *heading = call->heading ? _(call->heading) : _("Something went wrong");

  kithd_html_add (html, "<h1>%s</h1>\n", heading);
  kithd_web_page_messages (call, html);
  kithd_html_add (html, "<p><a href=\"/\">%s</a></p>", _("Go to the start page"));
  return heading;
}

void
kithd_web_call_error (KithdWebCall  *call,
                      KithErrorCode  code)
{
  kithd_web_call_set_error (call, code);
  kithd_web_call_page (call, kith_error_code_http_status (code), error_page);
}

void
kithd_web_respond_sign_in_problem (KithdRequest            *request,
                                   const KithdRouteContext *ctx,
                                   guint                    status,
                                   const char              *problem,
                                   const char              *arg)
{
  KithdWebCall *call = call_new (request, ctx);

  call->problem = problem;
  call->problem_arg = arg;
  call->heading = N_("Signing in did not work");
  kithd_web_call_page (call, status, error_page);
}

/* ---- a web session ---- */

typedef struct {
  KithdWebCall *call;
  char         *token;
  char         *path;
} SignIn;

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SignIn *sign_in = user_data;
  KithdWebCall *call = sign_in->call;
  g_autoptr (GError) error = NULL;

  if (kithd_db_web_sign_in_finish (KITHD_DB (source), result, &error) <= 0) {
    g_message ("A web session could not be stored: %s", error->message);
    kithd_web_call_error (call, KITH_ERROR_INTERNAL);
  } else {
    kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_SESSION, sign_in->token, 0);
    kithd_web_call_redirect (call, sign_in->path);
  }
  g_free (sign_in->token);
  g_free (sign_in->path);
  g_free (sign_in);
}

void
kithd_web_call_sign_in (KithdWebCall *call,
                        gint64        user_id,
                        const char   *path)
{
  SignIn *sign_in = g_new0 (SignIn, 1);
  g_autofree char *token_hash = NULL;
  gint64 now = kithd_clock_now_ms ();

  sign_in->call = call;
  sign_in->token = kithd_crypto_new_token ();
  sign_in->path = g_strdup (path);
  token_hash = kithd_crypto_token_hash (sign_in->token);
  kithd_db_web_sign_in_async (call->ctx->db, user_id, token_hash, now,
                              now - KITHD_WEB_SESSION_IDLE_MS, now - KITHD_WEB_SESSION_LIFETIME_MS,
                              NULL, on_signed_in, sign_in);
}

/* ---- the API's handlers ---- */

static void
on_api_answer (KithdRouteCall *api,
               guint           status,
               const char     *json,
               gsize           len,
               gpointer        user_data)
{
  KithdWebCall *call = user_data;
  KithErrorCode code = KITH_ERROR_INTERNAL;

  if (status >= 400 && json)
    kith_response_parse_error (json, len, &code, NULL);
  call->api_answer (call, status, code);
}

/* @draft (taken) as the API reads a body. */
static KithBody *
parse_body (KithdWebCall *call,
            KithBody     *draft)
{
  g_autoptr (KithBody) owned = draft;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  KithBody *body;
  gsize len = 0;

  json = kith_body_to_json (owned, &len);
  body = kith_body_parse (owned->type, json, len, &error);
  if (!body)
    kithd_web_call_set_error (call, error->domain == KITH_ERROR ? error->code : KITH_ERROR_INVALID_FIELD);
  return body;
}

void
kithd_web_call_run_api (KithdWebCall      *call,
                        KithBody          *draft,
                        KithdRouteHandler  handler,
                        KithdWebAnswer     answer,
                        KithdWebPageFunc   page)
{
  KithBody *body = parse_body (call, draft);
  KithdRouteCall *api;

  if (!body) {
    kithd_web_call_page (call, 400, page);
    return;
  }
  api = kithd_route_call_new (call->ctx, call->http);
  api->body = body;
  if (call->user) {
    api->user = kithd_user_copy (call->user);
    api->session = g_new0 (KithdSession, 1);
    api->session->user_id = call->user->id;
    api->session->device_name = g_strdup ("web");
  }
  api->answer = on_api_answer;
  api->answer_data = call;
  call->api_answer = answer;
  handler (api);
}

void
kithd_web_call_password_page (KithdWebCall     *call,
                              const char       *password,
                              guint             status,
                              KithdWebPageFunc  page)
{
  call->missing = kith_password_policy_check (password);
  call->checked = TRUE;
  kithd_web_call_page (call, status, page);
}

/* ---- dispatch ---- */

/* scheme://host[:port] of @url, as a browser writes an Origin (lower case,
 * no default port); NULL when it is not an http(s) URL. */
static char *
origin_of (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  int port;

  if (!uri || !g_uri_get_host (uri))
    return NULL;
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
    return NULL;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if (port == (strcmp (scheme, "https") == 0 ? 443 : 80))
    port = -1;
  if (strchr (host, ':'))
    return port > 0 ? g_strdup_printf ("%s://[%s]:%d", scheme, host, port)
                    : g_strdup_printf ("%s://[%s]", scheme, host);
  return port > 0 ? g_strdup_printf ("%s://%s:%d", scheme, host, port)
                  : g_strdup_printf ("%s://%s", scheme, host);
}

/* A POST must come from kithd's own pages: its Origin is kithd's public
 * origin; without one (or "null", which browsers send from a page with
 * Referrer-Policy: no-referrer, as all of kithd's are), its Referer's;
 * without that either, the browser's own Sec-Fetch-Site must say
 * "same-origin". */
static gboolean
from_own_origin (KithdWebCall *call)
{
  g_autofree char *own = origin_of (call->ctx->config->public_url);
  const char *origin = kithd_request_get_header (call->http, "Origin");
  const char *referer = kithd_request_get_header (call->http, "Referer");
  const char *fetch_site = kithd_request_get_header (call->http, "Sec-Fetch-Site");

  if (!own)
    return FALSE;
  if (origin && strcmp (origin, "null") != 0) {
    g_autofree char *theirs = origin_of (origin);

    return g_strcmp0 (theirs, own) == 0;
  }
  if (referer) {
    g_autofree char *theirs = origin_of (referer);

    return g_strcmp0 (theirs, own) == 0;
  }
  return g_strcmp0 (fetch_site, "same-origin") == 0;
}

static const char *
forbidden_page (KithdWebCall *call,
                KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("The form was refused"));
  kithd_html_add (html, "<div class=\"message error\" role=\"alert\" id=\"error\"><p>%s</p></div>",
                  _("This form has expired, or it was not sent from this site’s own page. "
                    "Reload the page and try again. (Kith’s pages need cookies.)"));
  kithd_html_add (html, "<p><a href=\"/\">%s</a></p>", _("Go to the start page"));
  return _("The form was refused");
}

static gboolean
is_form (KithdWebCall *call)
{
  const char *type = kithd_request_get_header (call->http, "Content-Type");
  g_autofree char *media = NULL;
  char *semicolon;

  if (!type)
    return FALSE;
  media = g_strstrip (g_ascii_strdown (type, -1));
  semicolon = strchr (media, ';');
  if (semicolon) {
    g_autofree char *parameter = g_strstrip (g_strdup (semicolon + 1));

    *semicolon = '\0';
    g_strstrip (media);
    if (strcmp (parameter, "charset=utf-8") != 0)
      return FALSE;
  }
  return strcmp (media, "application/x-www-form-urlencoded") == 0;
}

/* The Origin, the form and its CSRF token; FALSE when answered. */
static gboolean
check_post (KithdWebCall *call)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) allowed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = NULL;
  const char *data;
  gsize len;

  if (!from_own_origin (call)) {
    g_debug ("A POST to %s from another origin was refused", call->route->path);
    kithd_web_call_page (call, 403, forbidden_page);
    return FALSE;
  }
  if (!is_form (call)) {
    kithd_web_call_error (call, KITH_ERROR_INVALID_FIELD);
    return FALSE;
  }
  g_strv_builder_add (builder, "csrf");
  g_strv_builder_addv (builder, (const char **) call->route->fields);
  allowed = g_strv_builder_end (builder);
  data = kithd_request_get_body (call->http, &len);
  call->form = kithd_web_parse_form (data, len, (const char * const *) allowed, &error);
  if (!call->form) {
    kithd_web_call_error (call, KITH_ERROR_INVALID_FIELD);
    return FALSE;
  }
  expected = call->csrf_new ? NULL : csrf_token (call->csrf_cookie);
  if (!expected || !kithd_crypto_equal (kithd_web_call_field (call, "csrf"), expected)) {
    kithd_web_call_page (call, 403, forbidden_page);
    return FALSE;
  }
  return TRUE;
}

static void
on_authenticated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KithdWebCall *call = user_data;
  g_autoptr (GError) error = NULL;

  call->user = kithd_db_web_authenticate_finish (KITHD_DB (source), result, &call->session_id, &error);
  if (!call->user && !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    g_message ("%s %s failed: %s", kithd_request_get_method (call->http), call->route->path, error->message);
    kithd_web_call_error (call, KITH_ERROR_INTERNAL);
    return;
  }
  if (!call->user) {
    /* Ended (a new password, a log-out elsewhere) or expired. */
    kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_SESSION, NULL, 0);
    g_clear_pointer (&call->session_token, g_free);
    if (call->route->access == KITHD_WEB_SIGNED_IN) {
      kithd_web_call_redirect (call, "/account/login?notice=session-ended");
      return;
    }
  }
  call->route->handler (call);
}

static const char *
not_found_page (KithdWebCall *call,
                KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("Page not found"));
  kithd_html_add (html, "<p id=\"not-found\">%s</p>", _("There is no such page on this server."));
  kithd_html_add (html, "<p><a href=\"/\">%s</a></p>", _("Go to the start page"));
  return _("Page not found");
}

static const KithdWebRoute *
match (KithdWebCall  *call,
       char         **allow)
{
  const char *path = kithd_request_get_path (call->http);
  const char *method = kithd_request_get_method (call->http);
  g_autoptr (GStrvBuilder) methods = NULL;

  /* HEAD is GET without the body (libmicrohttpd leaves it out). */
  if (strcmp (method, "HEAD") == 0)
    method = "GET";
  *allow = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++) {
    if (strcmp (routes[i].path, path) != 0)
      continue;
    if (strcmp (routes[i].method, method) == 0)
      return &routes[i];
    if (!methods)
      methods = g_strv_builder_new ();
    g_strv_builder_add (methods, routes[i].method);
  }
  if (methods) {
    g_auto (GStrv) list = g_strv_builder_end (methods);

    *allow = g_strjoinv (", ", list);
  }
  return NULL;
}

void
kithd_web_handle (KithdRequest            *request,
                  const KithdRouteContext *ctx)
{
  KithdWebCall *call = call_new (request, ctx);
  const char *cookies = kithd_request_get_header (request, "Cookie");
  g_autofree char *allow = NULL;

  call->csrf_cookie = kithd_web_parse_cookie (cookies, KITHD_WEB_COOKIE_CSRF);
  if (!call->csrf_cookie) {
    call->csrf_cookie = kithd_crypto_new_token ();
    call->csrf_new = TRUE;
  }
  call->session_token = kithd_web_parse_cookie (cookies, KITHD_WEB_COOKIE_SESSION);

  call->route = match (call, &allow);
  if (!call->route && allow) {
    kithd_request_set_header (request, "Allow", allow);
    call->problem = N_("This page cannot be used that way.");
    kithd_web_call_page (call, 405, error_page);
    return;
  }
  if (!call->route) {
    kithd_web_call_page (call, 404, not_found_page);
    return;
  }

  if (call->route->fields && !check_post (call))
    return;

  if (call->route->access != KITHD_WEB_PUBLIC && call->session_token) {
    g_autofree char *token_hash = kithd_crypto_token_hash (call->session_token);
    gint64 now = kithd_clock_now_ms ();

    kithd_db_web_authenticate_async (ctx->db, token_hash, now, now - KITHD_WEB_SESSION_IDLE_MS,
                                     now - KITHD_WEB_SESSION_LIFETIME_MS, NULL, on_authenticated, call);
    return;
  }
  if (call->route->access == KITHD_WEB_SIGNED_IN) {
    kithd_web_call_redirect (call, "/account/login");
    return;
  }
  call->route->handler (call);
}

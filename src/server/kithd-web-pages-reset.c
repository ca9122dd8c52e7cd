/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kithd-crypto.h"
#include "kithd-db-web.h"
#include "kithd-web-input.h"
#include "kithd-web-private.h"

/*
 * The password reset: the form that asks for a link (POST /password-reset
 * of the API), and the page the mail's link opens
 * (/account/password-reset?token=…), where a new password is chosen (POST
 * /password-reset/confirm).
 *
 * The token leaves the address bar at once: the link's page keeps it in a
 * cookie (kith_reset, half an hour) and moves on to the same path without
 * it. It does so with a refresh of its own rather than a redirect: a link
 * followed from a webmail is a cross-site navigation, and a browser sends
 * no SameSite=Strict cookie along a redirect chain that began on another
 * site, while the page's own refresh starts on kithd's.
 */

#define RESET_PATH "/account/password-reset"

/* A token as kithd_crypto_new_token() makes them, and the API reads them. */
static gboolean
token_is_plausible (const char *token)
{
  gsize len = token ? strlen (token) : 0;

  if (len == 0 || len > KITH_MAX_TOKEN_BYTES)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return FALSE;
  }
  return TRUE;
}

/* ---- the pages ---- */

static const char *
request_page (KithdWebCall *call,
              KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("Reset your password"));
  kithd_web_page_messages (call, html);
  kithd_html_add (html, "<p>%s</p>\n",
                  _("Type the email address of your Kith account. We will send you a link to choose a "
                    "new password."));
  kithd_html_add (html, "<form method=\"post\" action=\"" RESET_PATH "\" id=\"reset-request-form\" class=\"card\">\n");
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"email\">%s</label>"
                  "<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" "
                  "required value=\"%s\"></div>\n"
                  "<button type=\"submit\" class=\"suggested\" id=\"request-reset\">%s</button>\n"
                  "</form>\n"
                  "<p class=\"links\"><a href=\"/account/login\" id=\"back-to-login\">%s</a></p>\n",
                  _("Kith ID (email address)"), kithd_web_call_field (call, "email"),
                  _("Request Password Reset"), _("Back to log in"));
  return _("Reset your password");
}

static const char *
requested_page (KithdWebCall *call,
                KithdHtml    *html)
{
  g_autofree char *sent = g_strdup_printf (_("If there is a Kith account with the address %s, we have "
                                             "sent it a link to choose a new password."),
                                           kithd_web_call_field (call, "email"));

  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<div class=\"message notice\" role=\"status\" id=\"reset-requested\"><p>%s</p></div>\n"
                  "<p>%s</p>\n"
                  "<p class=\"links\"><a href=\"/account/login\" id=\"back-to-login\">%s</a></p>\n",
                  _("Check your mail"), sent,
                  _("The link works for 24 hours, and only once. If the mail does not come, look in "
                    "your spam or junk folder too."),
                  _("Back to log in"));
  return _("Check your mail");
}

static const char *
expired_page (KithdWebCall *call,
              KithdHtml    *html)
{
  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<div class=\"message error\" role=\"alert\" id=\"link-expired\"><p>%s</p></div>\n"
                  "<p>%s</p>\n"
                  "<p><a class=\"button suggested\" href=\"" RESET_PATH "\" id=\"new-link\">%s</a></p>\n",
                  _("This link has expired"),
                  kith_error_code_describe (KITH_ERROR_INVALID_RESET_TOKEN),
                  _("A password reset link works for 24 hours, and only once."),
                  _("Ask for a new link"));
  return _("This link has expired");
}

static const char *
opening_page (KithdWebCall *call,
              KithdHtml    *html)
{
  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<p><a class=\"button suggested\" href=\"" RESET_PATH "\" id=\"continue\">%s</a></p>\n",
                  _("Reset your password"), _("Continue"));
  return _("Reset your password");
}

static const char *
new_password_page (KithdWebCall *call,
                   KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("Choose a new password"));
  kithd_web_page_messages (call, html);
  kithd_html_add (html, "<form method=\"post\" action=\"" RESET_PATH "/new\" id=\"reset-form\" class=\"card\">\n");
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"password\">%s</label>"
                  "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" "
                  "required aria-describedby=\"password-rules\"></div>\n"
                  "<div class=\"field\"><label for=\"password-repeat\">%s</label>"
                  "<input type=\"password\" id=\"password-repeat\" name=\"password_repeat\" "
                  "autocomplete=\"new-password\" required></div>\n",
                  _("New Password"), _("Confirm New Password"));
  kithd_web_page_checklist (call, html, "password-rules");
  kithd_html_add (html, "<button type=\"submit\" class=\"suggested\" id=\"reset-password\">%s</button>\n"
                  "</form>\n", _("Reset Password"));
  return _("Choose a new password");
}

static const char *
reset_done_page (KithdWebCall *call,
                 KithdHtml    *html)
{
  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<div class=\"message notice\" role=\"status\" id=\"password-reset\"><p>%s</p></div>\n"
                  "<p><a class=\"button suggested\" href=\"/account/login\" id=\"go-to-login\">%s</a></p>\n",
                  _("Password changed"),
                  _("Your password has been reset. You were logged out everywhere: log in again with "
                    "your new password."),
                  _("Log in"));
  return _("Password changed");
}

/* The link's token is no good (any more): the page says so, and the
 * browser forgets it. */
static void
respond_expired (KithdWebCall *call)
{
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_RESET, NULL, 0);
  kithd_web_call_page (call, kith_error_code_http_status (KITH_ERROR_INVALID_RESET_TOKEN), expired_page);
}

/* ---- GET: the link's page, the new password's, or the request's ---- */

typedef struct {
  KithdWebCall *call;
  char         *token;     /* from the link; NULL: from the cookie */
} Opening;

static void
on_reset_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Opening *opening = user_data;
  KithdWebCall *call = opening->call;
  g_autofree char *token = opening->token;
  g_autoptr (GError) error = NULL;

  g_free (opening);
  if (!kithd_db_check_reset_finish (KITHD_DB (source), result, &error)) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN)) {
      respond_expired (call);
    } else {
      g_message ("A reset link could not be looked at: %s", error->message);
      kithd_web_call_error (call, KITH_ERROR_INTERNAL);
    }
    return;
  }
  if (token) {
    kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_RESET, token, KITHD_WEB_RESET_COOKIE_S);
    call->refresh_to = RESET_PATH;
    kithd_web_call_page (call, 200, opening_page);
    return;
  }
  kithd_web_call_page (call, 200, new_password_page);
}

void
kithd_web_page_reset (KithdWebCall *call)
{
  const char *link_token = kithd_request_get_query (call->http, "token");
  g_autofree char *cookie_token = NULL;
  g_autofree char *token_hash = NULL;
  Opening *opening;

  if (link_token && !token_is_plausible (link_token)) {
    respond_expired (call);
    return;
  }
  if (!link_token) {
    cookie_token = kithd_web_call_cookie (call, KITHD_WEB_COOKIE_RESET);
    if (!cookie_token) {
      kithd_web_call_page (call, 200, request_page);
      return;
    }
  }
  opening = g_new0 (Opening, 1);
  opening->call = call;
  opening->token = g_strdup (link_token);
  token_hash = kithd_crypto_token_hash (link_token ? link_token : cookie_token);
  kithd_db_check_reset_async (call->ctx->db, token_hash, kithd_clock_now_ms (), NULL,
                              on_reset_checked, opening);
}

/* ---- POST: ask for a link ---- */

static void
on_request_answer (KithdWebCall  *call,
                   guint          status,
                   KithErrorCode  code)
{
  if (status >= 400) {
    kithd_web_call_set_error (call, code);
    kithd_web_call_page (call, status, request_page);
    return;
  }
  /* The same answer whether the account exists or not. */
  kithd_web_call_page (call, 200, requested_page);
}

void
kithd_web_page_reset_post (KithdWebCall *call)
{
  KithBody *body = kith_body_new (KITH_BODY_RESET_REQUEST);

  body->email = g_strstrip (g_strdup (kithd_web_call_field (call, "email")));
  body->present = KITH_FIELD_EMAIL;
  kithd_web_call_run_api (call, body, kithd_route_reset_request, on_request_answer, request_page);
}

/* ---- POST: the new password ---- */

static void
on_confirm_answer (KithdWebCall  *call,
                   guint          status,
                   KithErrorCode  code)
{
  if (code == KITH_ERROR_INVALID_RESET_TOKEN && status >= 400) {
    respond_expired (call);
    return;
  }
  if (status >= 400) {
    kithd_web_call_set_error (call, code);
    kithd_web_call_password_page (call, kithd_web_call_field (call, "password"), status, new_password_page);
    return;
  }
  /* Every session ended with the old password, this browser's too. */
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_RESET, NULL, 0);
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_SESSION, NULL, 0);
  kithd_web_call_page (call, 200, reset_done_page);
}

void
kithd_web_page_reset_new_post (KithdWebCall *call)
{
  g_autofree char *token = kithd_web_call_cookie (call, KITHD_WEB_COOKIE_RESET);
  const char *password = kithd_web_call_field (call, "password");
  KithBody *body;

  if (!token) {
    respond_expired (call);
    return;
  }
  if (g_strcmp0 (password, kithd_web_call_field (call, "password_repeat")) != 0) {
    call->problem = N_("The new passwords do not match.");
    kithd_web_call_password_page (call, password, 400, new_password_page);
    return;
  }
  body = kith_body_new (KITH_BODY_RESET_CONFIRM);
  body->token = g_steal_pointer (&token);
  body->password = g_strdup (password);
  body->present = KITH_FIELD_PASSWORD;
  kithd_web_call_run_api (call, body, kithd_route_reset_confirm, on_confirm_answer, new_password_page);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-base64url.h"
#include "kith-protocol.h"
#include "kithd-crypto.h"
#include "kithd-db-web.h"
#include "kithd-oidc.h"
#include "kithd-web-input.h"
#include "kithd-web-private.h"

/*
 * The account's pages: log in and out, the profile (name, offline email
 * notification, password) and deleting the account. Each form runs the
 * API's handler of the same action (log-in's password check, PATCH /me,
 * PUT /me/password, DELETE /me) through kithd_web_call_run_api().
 */

#define OIDC_START_PATH  "/account/oidc-start"
#define OIDC_FINISH_PATH "/account/oidc-finish"

/* ---- log in ---- */

/* One "Sign in with NAME" per provider of kithd.conf's [oidc:ID] groups
 * (config->oidc_providers), none without: a link (a GET, so that the
 * pages' form-action 'self' does not stop the redirects to the provider)
 * to /account/oidc-start. */
static void
add_oidc_providers (KithdWebCall *call,
                    KithdHtml    *html)
{
  const GPtrArray *providers = call->ctx->config->oidc_providers;

  if (!providers || providers->len == 0)
    return;
  kithd_html_add (html, "<div class=\"card oidc\" id=\"oidc-providers\">\n");
  for (guint i = 0; i < providers->len; i++) {
    const KithdOidcProviderConfig *provider = g_ptr_array_index (providers, i);
    g_autofree char *label = g_strdup_printf (_("Sign in with %s"), provider->name);

    kithd_html_add (html, "<a class=\"button\" id=\"oidc-%s\" href=\"" OIDC_START_PATH "?provider=%s\">%s</a>\n",
                    provider->id, provider->id, label);
  }
  kithd_html_add (html, "</div>\n");
}

static const char *
login_page (KithdWebCall *call,
            KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("Log in to Kith"));
  kithd_web_page_messages (call, html);
  kithd_html_add (html, "<form method=\"post\" action=\"/account/login\" id=\"login-form\" class=\"card\">\n");
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"email\">%s</label>"
                  "<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" "
                  "required value=\"%s\"></div>\n"
                  "<div class=\"field\"><label for=\"password\">%s</label>"
                  "<input type=\"password\" id=\"password\" name=\"password\" "
                  "autocomplete=\"current-password\" required></div>\n"
                  "<button type=\"submit\" class=\"suggested\" id=\"log-in\">%s</button>\n"
                  "</form>\n",
                  _("Kith ID (email address)"), kithd_web_call_field (call, "email"),
                  _("Password"), _("Log in"));
  add_oidc_providers (call, html);
  kithd_html_add (html, "<p class=\"links\"><a href=\"/account/password-reset\" id=\"forgot-password\">%s</a></p>\n",
                  _("Forgot password?"));
  return _("Log in");
}

void
kithd_web_page_login (KithdWebCall *call)
{
  if (call->user) {
    kithd_web_call_redirect (call, "/account/profile");
    return;
  }
  kithd_web_call_read_notice (call);
  kithd_web_call_page (call, 200, login_page);
}

static void
on_login_answer (KithdWebCall  *call,
                 guint          status,
                 KithErrorCode  code)
{
  kithd_web_call_set_error (call, code);
  kithd_web_call_page (call, status, login_page);
}

/* The password was right: a web session instead of the API's. */
static void
on_login_checked (KithdRouteCall *api)
{
  KithdWebCall *call = api->answer_data;
  gint64 user_id = api->user->id;

  kithd_route_call_free (api);
  kithd_web_call_sign_in (call, user_id, "/account/profile");
}

/* The log-in's check, as POST /sessions makes it. */
static void
check_password (KithdRouteCall *api)
{
  kithd_route_check_password (api, on_login_checked);
}

void
kithd_web_page_login_post (KithdWebCall *call)
{
  KithBody *body = kith_body_new (KITH_BODY_LOG_IN);

  body->email = g_strdup (kithd_web_call_field (call, "email"));
  body->password = g_strdup (kithd_web_call_field (call, "password"));
  body->present = KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD;
  kithd_web_call_run_api (call, body, check_password, on_login_answer, login_page);
}

/* ---- sign in with a provider (OIDC) ---- */

/* The browser's flow, as the app's (docs/protocol.md, "Sign in with
 * Google"), with kithd's own page as the client:
 *
 *   /account/oidc-start?provider=ID  a state and a PKCE verifier, kept in
 *       the kith_oidc cookie (ten minutes, as long as a flow), then the
 *       API's start with redirect_uri PUBLIC_URL/account/oidc-done;
 *   the provider, the API's callback, then /account/oidc-done?code=K&state=S:
 *       this chain began on the provider's site, so the browser sent no
 *       SameSite=Strict cookie along it; the page moves on with a refresh
 *       of its own (as the reset link's page does) to
 *   /account/oidc-finish?code=K&state=S: the cookie is back; its state
 *       must be S, and K is redeemed with its verifier
 *       (kithd_oidc_redeem()) into a web session.
 *
 * The code alone is worth nothing: it needs the verifier, which never
 * left the browser's cookie. */

#define OIDC_STATE_CHARS 43   /* a kithd_crypto_new_token(): 32 bytes, base64url */

/* A code, a state or an error as the API's callback hands them on:
 * printable, short; anything else is not passed on. */
static const char *
query_param (KithdWebCall *call,
             const char   *name)
{
  const char *value = kithd_request_get_query (call->http, name);
  gsize len = value ? strlen (value) : 0;

  if (len == 0 || len > 256)
    return NULL;
  for (gsize i = 0; i < len; i++) {
    if (value[i] <= ' ' || value[i] >= 0x7f)
      return NULL;
  }
  return value;
}

void
kithd_web_page_oidc_start (KithdWebCall *call)
{
  const char *provider = kithd_request_get_query (call->http, "provider");
  g_autofree char *state = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *location = NULL;

  if (!provider || !kithd_oidc_has_provider (call->ctx->oidc, provider)) {
    kithd_web_call_error (call, KITH_ERROR_UNSUPPORTED_FLOW);
    return;
  }
  state = kithd_crypto_new_token ();
  verifier = kithd_crypto_new_token ();
  g_assert (strlen (state) == OIDC_STATE_CHARS);
  cookie = g_strconcat (state, verifier, NULL);
  challenge = kith_pkce_s256 (verifier);
  redirect_uri = kithd_oidc_web_redirect_uri (call->ctx->oidc);
  escaped = g_uri_escape_string (redirect_uri, NULL, FALSE);
  /* The provider's id is [a-z0-9-]: nothing to escape. */
  location = g_strdup_printf ("/api/v1/oidc/%s/start?redirect_uri=%s&code_challenge=%s"
                              "&code_challenge_method=S256&state=%s",
                              provider, escaped, challenge, state);
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_OIDC, cookie, KITHD_WEB_OIDC_COOKIE_S);
  kithd_web_call_redirect (call, location);
}

static const char *
oidc_done_page (KithdWebCall *call,
                KithdHtml    *html)
{
  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<p><a class=\"button suggested\" href=\"%s\" id=\"continue\">%s</a></p>\n",
                  _("Signing you in…"), call->refresh_to, _("Continue"));
  return _("Signing you in…");
}

void
kithd_web_page_oidc_done (KithdWebCall *call)
{
  g_autoptr (GString) next = g_string_new (OIDC_FINISH_PATH "?");
  static const char * const names[] = { "code", "state", "error" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    const char *value = query_param (call, names[i]);
    g_autofree char *escaped = value ? g_uri_escape_string (value, NULL, FALSE) : NULL;

    if (escaped)
      g_string_append_printf (next, "%s%s=%s", next->str[next->len - 1] == '?' ? "" : "&",
                              names[i], escaped);
  }
  call->refresh_to = next->str;
  kithd_web_call_page (call, 200, oidc_done_page);
}

void
kithd_web_page_oidc_finish (KithdWebCall *call)
{
  g_autofree char *cookie = kithd_web_call_cookie (call, KITHD_WEB_COOKIE_OIDC);
  const char *code = query_param (call, "code");
  const char *state = query_param (call, "state");
  const char *error_code = query_param (call, "error");
  g_autofree char *cookie_state = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autoptr (GError) error = NULL;
  gint64 user_id = 0;

  /* Spent, whatever comes of it. */
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_OIDC, NULL, 0);
  if (call->user) {
    kithd_web_call_redirect (call, "/account/profile");
    return;
  }
  cookie_state = cookie ? g_strndup (cookie, OIDC_STATE_CHARS) : NULL;
  if (!cookie || strlen (cookie) <= OIDC_STATE_CHARS || !state ||
      !kithd_crypto_equal (cookie_state, state)) {
    call->problem = N_("Signing in took too long, or it began in another browser. Please try again.");
    kithd_web_call_page (call, 400, login_page);
    return;
  }
  if (error_code || !code) {
    call->problem = g_strcmp0 (error_code, "access_denied") == 0
                    ? N_("Signing in was cancelled.")
                    : N_("Signing in did not work. Please try again.");
    kithd_web_call_page (call, 400, login_page);
    return;
  }
  redirect_uri = kithd_oidc_web_redirect_uri (call->ctx->oidc);
  if (!kithd_oidc_redeem (call->ctx->oidc, code, cookie + OIDC_STATE_CHARS, redirect_uri, &user_id, &error)) {
    g_debug ("A web sign-in's code was refused: %s", error->message);
    call->problem = N_("Signing in did not work. Please try again.");
    kithd_web_call_page (call, 400, login_page);
    return;
  }
  kithd_web_call_sign_in (call, user_id, "/account/profile");
}

/* ---- log out ---- */

static void
on_signed_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KithdWebCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (!kithd_db_web_sign_out_finish (KITHD_DB (source), result, &error) &&
      !g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    g_message ("A web session could not be ended: %s", error->message);
    kithd_web_call_error (call, KITH_ERROR_INTERNAL);
    return;
  }
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_SESSION, NULL, 0);
  kithd_web_call_redirect (call, "/account/login?notice=signed-out");
}

void
kithd_web_page_logout_post (KithdWebCall *call)
{
  kithd_db_web_sign_out_async (call->ctx->db, call->session_id, NULL, on_signed_out, call);
}

/* ---- the profile ---- */

/* "Signed in as NAME" and the Log Out button. */
static void
add_signed_in_bar (KithdWebCall *call,
                   KithdHtml    *html)
{
  g_autofree char *name = g_strdup_printf ("%s %s", call->user->first_name, call->user->last_name);
  g_autofree char *signed_in = g_strdup_printf (_("Signed in as %s"), g_strstrip (name));

  kithd_html_add (html, "<div class=\"bar\"><p id=\"signed-in\">%s</p>"
                  "<form method=\"post\" action=\"/account/logout\" id=\"logout-form\">", signed_in);
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html, "<button type=\"submit\" id=\"log-out\">%s</button></form></div>\n", _("Log out"));
}

static const char *
profile_page (KithdWebCall *call,
              KithdHtml    *html)
{
  const KithdUser *user = call->user;
  /* After a refused change of the names, what was typed. */
  gboolean typed = call->form && g_hash_table_contains (call->form, "first_name");
  gboolean notify = typed ? g_hash_table_contains (call->form, "offline_email_notification")
                          : user->offline_email_notification;
  /* What went wrong with a password shows at its form. */
  gboolean password_sent = call->form && g_hash_table_contains (call->form, "current_password");

  kithd_html_add (html, "<h1>%s</h1>\n", _("Account Profile"));
  add_signed_in_bar (call, html);
  if (!password_sent)
    kithd_web_page_messages (call, html);

  kithd_html_add (html, "<form method=\"post\" action=\"/account/profile\" id=\"profile-form\" class=\"card\">\n");
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"email\">%s</label>"
                  "<input type=\"email\" id=\"email\" value=\"%s\" readonly aria-describedby=\"email-note\">"
                  "<p class=\"note\" id=\"email-note\">%s</p></div>\n",
                  _("Kith ID (email address)"), user->email,
                  _("The email address of an account cannot be changed."));
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"first-name\">%s</label>"
                  "<input type=\"text\" id=\"first-name\" name=\"first_name\" autocomplete=\"given-name\" "
                  "required value=\"%s\"></div>\n"
                  "<div class=\"field\"><label for=\"last-name\">%s</label>"
                  "<input type=\"text\" id=\"last-name\" name=\"last_name\" autocomplete=\"family-name\" "
                  "value=\"%s\"></div>\n",
                  _("First Name"), typed ? kithd_web_call_field (call, "first_name") : user->first_name,
                  _("Last Name"), typed ? kithd_web_call_field (call, "last_name") : user->last_name);
  kithd_html_add (html,
                  "<div class=\"check\"><input type=\"checkbox\" id=\"offline-email-notification\" "
                  "name=\"offline_email_notification\" value=\"on\" aria-describedby=\"offline-note\"%s>"
                  "<label for=\"offline-email-notification\">%s</label>"
                  "<p class=\"note\" id=\"offline-note\">%s</p></div>\n"
                  "<button type=\"submit\" class=\"suggested\" id=\"save-profile\">%s</button>\n"
                  "</form>\n",
                  notify ? " checked" : "", _("Offline Notification (Email)"),
                  _("Get an email when someone sends you a message while you are signed out"),
                  _("Save"));

  kithd_html_add (html, "<h2 id=\"password-heading\">%s</h2>\n"
                  "<form method=\"post\" action=\"/account/password\" id=\"password-form\" class=\"card\" "
                  "aria-labelledby=\"password-heading\">\n", _("Password"));
  if (password_sent)
    kithd_web_page_messages (call, html);
  kithd_web_call_csrf_field (call, html);
  kithd_html_add (html,
                  "<div class=\"field\"><label for=\"current-password\">%s</label>"
                  "<input type=\"password\" id=\"current-password\" name=\"current_password\" "
                  "autocomplete=\"current-password\" required></div>\n"
                  "<div class=\"field\"><label for=\"new-password\">%s</label>"
                  "<input type=\"password\" id=\"new-password\" name=\"new_password\" "
                  "autocomplete=\"new-password\" required aria-describedby=\"password-rules\"></div>\n"
                  "<div class=\"field\"><label for=\"new-password-repeat\">%s</label>"
                  "<input type=\"password\" id=\"new-password-repeat\" name=\"new_password_repeat\" "
                  "autocomplete=\"new-password\" required></div>\n",
                  _("Current Password"), _("New Password"), _("Confirm New Password"));
  kithd_web_page_checklist (call, html, "password-rules");
  kithd_html_add (html, "<button type=\"submit\" id=\"change-password\">%s</button>\n</form>\n",
                  _("Change Password"));

  kithd_html_add (html,
                  "<h2 id=\"manage-heading\">%s</h2>\n"
                  "<section class=\"card\" aria-labelledby=\"manage-heading\">"
                  "<p>%s</p>"
                  "<p><a class=\"button destructive\" href=\"/account/delete\" id=\"delete-account\">%s</a></p>"
                  "</section>\n",
                  _("Manage"), _("Permanently deletes your account and all data associated with it"),
                  _("DELETE MY ACCOUNT"));
  return _("Account Profile");
}

void
kithd_web_page_profile (KithdWebCall *call)
{
  kithd_web_call_read_notice (call);
  kithd_web_call_page (call, 200, profile_page);
}

static void
on_profile_answer (KithdWebCall  *call,
                   guint          status,
                   KithErrorCode  code)
{
  if (status >= 400) {
    kithd_web_call_set_error (call, code);
    kithd_web_call_page (call, status, profile_page);
    return;
  }
  kithd_web_call_redirect (call, "/account/profile?notice=saved");
}

void
kithd_web_page_profile_post (KithdWebCall *call)
{
  KithBody *body = kith_body_new (KITH_BODY_PROFILE_UPDATE);
  g_autofree char *first_name = g_strstrip (g_strdup (kithd_web_call_field (call, "first_name")));

  if (!*first_name) {
    call->problem = N_("The first name cannot be empty");
    kith_body_free (body);
    kithd_web_call_page (call, 400, profile_page);
    return;
  }
  body->first_name = g_steal_pointer (&first_name);
  body->last_name = g_strdup (kithd_web_call_field (call, "last_name"));
  body->offline_email_notification = g_hash_table_contains (call->form, "offline_email_notification");
  body->present = KITH_FIELD_FIRST_NAME | KITH_FIELD_LAST_NAME | KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION;
  kithd_web_call_run_api (call, body, kithd_route_profile_update, on_profile_answer, profile_page);
}

/* ---- the password ---- */

static void
on_password_answer (KithdWebCall  *call,
                    guint          status,
                    KithErrorCode  code)
{
  if (status >= 400) {
    if (code == KITH_ERROR_INVALID_CREDENTIALS)
      call->problem = N_("The current password is not correct.");
    else
      kithd_web_call_set_error (call, code);
    kithd_web_call_password_page (call, kithd_web_call_field (call, "new_password"), status, profile_page);
    return;
  }
  /* The new password ended every web session, this one too: this
   * browser gets a new one. */
  kithd_web_call_sign_in (call, call->user->id, "/account/profile?notice=password-changed");
}

void
kithd_web_page_password_post (KithdWebCall *call)
{
  const char *password = kithd_web_call_field (call, "new_password");
  KithBody *body;

  if (g_strcmp0 (password, kithd_web_call_field (call, "new_password_repeat")) != 0) {
    call->problem = N_("The new passwords do not match.");
    kithd_web_call_password_page (call, password, 400, profile_page);
    return;
  }
  body = kith_body_new (KITH_BODY_PASSWORD_CHANGE);
  body->current_password = g_strdup (kithd_web_call_field (call, "current_password"));
  body->new_password = g_strdup (password);
  kithd_web_call_run_api (call, body, kithd_route_password_change, on_password_answer, profile_page);
}

/* ---- delete the account ---- */

static const char *
delete_page (KithdWebCall *call,
             KithdHtml    *html)
{
  kithd_html_add (html, "<h1>%s</h1>\n", _("Delete My Account"));
  add_signed_in_bar (call, html);
  if (g_strcmp0 (call->user->plan, KITH_PLAN_PAID) == 0) {
    kithd_html_add (html, "<div class=\"message warning\" role=\"alert\" id=\"contact-support\"><p>%s</p></div>\n",
                    kith_error_code_describe (KITH_ERROR_CONTACT_SUPPORT));
  } else {
    kithd_web_page_messages (call, html);
    kithd_html_add (html, "<form method=\"post\" action=\"/account/delete\" id=\"delete-form\" class=\"card\">\n");
    kithd_web_call_csrf_field (call, html);
    kithd_html_add (html,
                    "<div class=\"message warning\" id=\"delete-warning\"><p>%s</p></div>\n"
                    "<div class=\"field\"><label for=\"confirm-email\">%s</label>"
                    "<input type=\"email\" id=\"confirm-email\" name=\"confirm_email\" autocomplete=\"off\" "
                    "required aria-describedby=\"delete-warning\"></div>\n"
                    "<button type=\"submit\" class=\"destructive\" id=\"delete-my-account\">%s</button>\n"
                    "</form>\n",
                    _("Deleting your account cannot be undone. All data associated will be permanently "
                      "deleted. To confirm deletion, please type your email."),
                    _("Kith ID (email address)"), _("DELETE MY ACCOUNT"));
  }
  kithd_html_add (html, "<p class=\"links\"><a href=\"/account/profile\" id=\"back\">%s</a></p>\n",
                  _("Back to your profile"));
  return _("Delete My Account");
}

void
kithd_web_page_delete (KithdWebCall *call)
{
  kithd_web_call_page (call, 200, delete_page);
}

static const char *
deleted_page (KithdWebCall *call,
              KithdHtml    *html)
{
  kithd_html_add (html,
                  "<h1>%s</h1>\n"
                  "<div class=\"message notice\" role=\"status\" id=\"deleted\"><p>%s</p></div>\n"
                  "<p>%s <a href=\"/account/login\" id=\"go-to-login\">%s</a></p>\n"
                  "<p>%s</p>\n",
                  _("Account deleted"),
                  _("Your account has been deleted. Thank you for using our service!"),
                  _("You are not logged in."), _("Go to the login page"),
                  _("Please contact our support if you have questions."));
  return _("Account deleted");
}

static void
on_delete_answer (KithdWebCall  *call,
                  guint          status,
                  KithErrorCode  code)
{
  if (status >= 400) {
    kithd_web_call_set_error (call, code);
    kithd_web_call_page (call, status, delete_page);
    return;
  }
  kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_SESSION, NULL, 0);
  kithd_web_call_page (call, 200, deleted_page);
}

void
kithd_web_page_delete_post (KithdWebCall *call)
{
  KithBody *body = kith_body_new (KITH_BODY_DELETE_ACCOUNT);

  body->confirm_email = g_strstrip (g_strdup (kithd_web_call_field (call, "confirm_email")));
  kithd_web_call_run_api (call, body, kithd_route_delete_account, on_delete_answer, delete_page);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "kithd-web-private.h"

/*
 * What every page shares: its frame (head, the logo, the footer), the
 * error or notice it shows, the password checklist; the landing page
 * (where the mails' "Open Kith" lands), the stylesheet and the logo.
 */

#define RESOURCES "/im/kith/kithd/web/"
/* Where the app is to be had (the metainfo's homepage). */
#define APP_URL   "https://kith.im"

static const KithPasswordRules rules[] = {
  KITH_PASSWORD_RULE_LENGTH,
  KITH_PASSWORD_RULE_UPPER,
  KITH_PASSWORD_RULE_LOWER,
  KITH_PASSWORD_RULE_DIGIT,
  KITH_PASSWORD_RULE_SYMBOL,
};

static const char * const rule_ids[] = {
  "rule-length", "rule-upper", "rule-lower", "rule-digit", "rule-symbol",
};

G_STATIC_ASSERT (G_N_ELEMENTS (rules) == G_N_ELEMENTS (rule_ids));

void
kithd_web_call_page (KithdWebCall     *call,
                     guint             status,
                     KithdWebPageFunc  func)
{
  const KithdConfig *config = call->ctx->config;
  g_autoptr (KithdHtml) content = kithd_html_new ();
  KithdHtml *page = kithd_html_new ();
  locale_t before = uselocale (call->language->locale);
  const char *title;
  char *body;
  gsize len;

  /* Everything translated is looked up now, in the page's language. */
  title = func (call, content);
  kithd_html_add (page,
                  "<!DOCTYPE html>\n"
                  "<html lang=\"%s\">\n"
                  "<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                  call->language->html_tag);
  if (call->refresh_to)
    kithd_html_add (page, "<meta http-equiv=\"refresh\" content=\"0; url=%s\">\n", call->refresh_to);
  kithd_html_add (page,
                  "<title>%s – %s</title>\n"
                  "<link rel=\"stylesheet\" href=\"/assets/kith.css\">\n"
                  "<link rel=\"icon\" href=\"/assets/kith-logo.svg\" type=\"image/svg+xml\">\n"
                  "</head>\n"
                  "<body>\n"
                  "<header class=\"site\"><a href=\"/\" class=\"brand\" id=\"home\">"
                  "<img src=\"/assets/kith-logo.svg\" alt=\"\" width=\"96\" height=\"96\">"
                  "<span class=\"visually-hidden\">%s</span></a></header>\n"
                  "<main id=\"main\">\n",
                  title, config->name, _("Start page"));
  kithd_html_append (page, content);
  kithd_html_add (page,
                  "</main>\n"
                  "<footer class=\"site\"><p>%s</p></footer>\n"
                  "</body>\n"
                  "</html>\n",
                  config->name);
  uselocale (before);

  if (call->csrf_new)
    kithd_web_call_set_cookie (call, KITHD_WEB_COOKIE_CSRF, call->csrf_cookie, 0);
  kithd_request_set_header (call->http, "Content-Language", call->language->html_tag);
  body = kithd_html_steal (page, &len);
  kithd_web_call_respond (call, status, "text/html; charset=utf-8", body, len);
}

static const char *
notice_text (KithdWebNotice notice)
{
  switch (notice) {
  case KITHD_WEB_NOTICE_SIGNED_OUT:
    return _("You are logged out.");
  case KITHD_WEB_NOTICE_SESSION_ENDED:
    return kith_error_code_describe (KITH_ERROR_UNAUTHORIZED);
  case KITHD_WEB_NOTICE_SAVED:
    return _("Your profile is saved.");
  case KITHD_WEB_NOTICE_PASSWORD_CHANGED:
    return _("Your password is changed. You were logged out on your other devices.");
  case KITHD_WEB_NOTICE_NONE:
  default:
    return NULL;
  }
}

void
kithd_web_page_messages (KithdWebCall *call,
                         KithdHtml    *html)
{
  const char *notice = notice_text (call->notice);

  g_autofree char *problem = NULL;

  if (call->problem) {
    GString *text = g_string_new (_(call->problem));

    /* Its one %s (not a printf: the format is the catalogue's). */
    if (call->problem_arg)
      g_string_replace (text, "%s", call->problem_arg, 1);
    problem = g_string_free (text, FALSE);
  }
  if (problem || call->has_error)
    kithd_html_add (html, "<div class=\"message error\" role=\"alert\" id=\"error\"><p>%s</p></div>\n",
                    problem ? problem : kith_error_code_describe (call->error));
  if (notice)
    kithd_html_add (html, "<div class=\"message notice\" role=\"status\" id=\"notice\"><p>%s</p></div>\n",
                    notice);
}

void
kithd_web_page_checklist (KithdWebCall *call,
                          KithdHtml    *html,
                          const char   *id)
{
  kithd_html_add (html, "<div class=\"checklist\" id=\"%s\"><p>%s</p><ul>", id, _("Password requirements"));
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++) {
    const char *describe = kith_password_rule_describe (rules[i]);

    if (!call->checked) {
      kithd_html_add (html, "<li id=\"%s\"><span class=\"mark\" aria-hidden=\"true\">•</span> %s</li>",
                      rule_ids[i], describe);
    } else if (call->missing & rules[i]) {
      kithd_html_add (html, "<li id=\"%s\" class=\"missing\"><span class=\"mark\" aria-hidden=\"true\">✗</span> "
                      "%s <span class=\"visually-hidden\">(%s)</span></li>",
                      /* The password checklist, for screen readers: this rule is not met yet. */
                      rule_ids[i], describe, _("missing"));
    } else {
      kithd_html_add (html, "<li id=\"%s\" class=\"met\"><span class=\"mark\" aria-hidden=\"true\">✓</span> "
                      "%s <span class=\"visually-hidden\">(%s)</span></li>",
                      /* The password checklist, for screen readers: this rule is met. */
                      rule_ids[i], describe, _("met"));
    }
  }
  kithd_html_add (html, "</ul></div>\n");
}

/* ---- the landing page ---- */

static const char *
landing_page (KithdWebCall *call,
              KithdHtml    *html)
{
  const KithdConfig *config = call->ctx->config;
  g_autofree char *welcome = g_strdup_printf (_("Welcome to %s"), config->name);

  kithd_html_add (html, "<h1>%s</h1>\n", welcome);
  kithd_html_add (html, "<p class=\"lead\">%s</p>\n",
                  _("This is a Kith server: chat and call with your contacts, and see who is online."));
  kithd_html_add (html,
                  "<section class=\"card\" aria-labelledby=\"app-heading\">\n"
                  "<h2 id=\"app-heading\">%s</h2>\n"
                  "<p>%s</p>\n"
                  "<p class=\"address\"><code id=\"server-address\">%s</code></p>\n"
                  "<p><a class=\"button suggested\" id=\"get-app\" href=\"%s\">%s</a></p>\n"
                  "</section>\n",
                  _("Open Kith"),
                  _("Read your messages in the Kith app. Install it on your computer and sign in "
                    "with your email address; for the server, use this address:"),
                  config->public_url, APP_URL, _("Get the Kith app"));
  kithd_html_add (html,
                  "<section class=\"card\" aria-labelledby=\"account-heading\">\n"
                  "<h2 id=\"account-heading\">%s</h2>\n"
                  "<p>%s</p>\n"
                  "<p><a class=\"button\" id=\"log-in\" href=\"/account/login\">%s</a></p>\n"
                  "<p><a id=\"forgot-password\" href=\"/account/password-reset\">%s</a></p>\n"
                  "</section>\n",
                  _("Your account"),
                  _("Change your name, your password or your email notifications, or delete your account."),
                  _("Log in"), _("Forgot password?"));
  return _("Start page");
}

void
kithd_web_page_landing (KithdWebCall *call)
{
  kithd_web_call_page (call, 200, landing_page);
}

/* ---- the stylesheet and the logo ---- */

static void
respond_resource (KithdWebCall *call,
                  const char   *path,
                  const char   *content_type)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  gsize len = 0;
  gconstpointer data;

  g_assert (bytes != NULL);
  data = g_bytes_get_data (bytes, &len);
  kithd_web_call_respond (call, 200, content_type, g_memdup2 (data, len), len);
}

void
kithd_web_page_stylesheet (KithdWebCall *call)
{
  respond_resource (call, RESOURCES "kith.css", "text/css; charset=utf-8");
}

void
kithd_web_page_logo (KithdWebCall *call)
{
  respond_resource (call, RESOURCES "kith-logo.svg", "image/svg+xml");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWeb"

#include "config.h"

#include <string.h>

#include "kith-fake-oidc.h"
#include "kithd-test-browser.h"

/*
 * "Sign in with Google" on kithd's web pages, against a real kithd and the
 * fake provider (kith-fake-oidc.h) standing in for Google: the login
 * page's button, the redirects through the provider, the page that moves
 * on by a refresh of its own, the web session at the end; and what is
 * refused: a flow from another browser, a cancelled consent, a wrong
 * verifier, a replayed finish, an unknown provider.
 *
 * The browser (kithd-test-browser.h) follows the chain one hop at a time
 * and, once it has passed through the provider, sends each request as a
 * navigation that began on the provider's site (PROVIDER_SITE), so that
 * the SameSite=Strict cookies stay behind as a real browser keeps them.
 */

#define CLIENT_ID     "kith-web-test"
#define CLIENT_SECRET "web-test-secret"
/* The site the provider's pages are on, for cookies. The fake listens on
 * 127.0.0.1 as kithd does, and sites do not count ports: to the cookie
 * jar it would be kithd's own site, where Google's is another. */
#define PROVIDER_SITE "https://accounts.provider.example/"

static KithdTestServer *server;
static KithFakeOidc *fake;

/* The value of @attribute in the tag of @html that has id="@id", its
 * &amp; read back as &, or NULL. */
static char *
attribute_of (const char *html,
              const char *id,
              const char *attribute)
{
  g_autofree char *needle = g_strdup_printf ("id=\"%s\"", id);
  g_autofree char *name = g_strdup_printf ("%s=\"", attribute);
  const char *at = strstr (html, needle);
  const char *tag;
  const char *start;
  const char *end;
  g_autofree char *value = NULL;
  g_auto (GStrv) parts = NULL;

  if (!at)
    return NULL;
  for (tag = at; tag > html && *tag != '<'; tag--)
    ;
  start = strstr (tag, name);
  if (!start || start > strchr (at, '>'))
    return NULL;
  start += strlen (name);
  end = strchr (start, '"');
  value = g_strndup (start, end - start);
  parts = g_strsplit (value, "&amp;", -1);
  return g_strjoinv ("&", parts);
}

/* @location resolved against @url. */
static char *
resolve (const char *url,
         const char *location)
{
  return g_uri_resolve_relative (url, location, G_URI_FLAGS_NONE, NULL);
}

static gboolean
is_kithd (const char *url)
{
  return g_str_has_prefix (url, kithd_test_server_get_url (server)) &&
         strchr ("/?", url[strlen (kithd_test_server_get_url (server))]) != NULL;
}

/* A click on the login page's "Sign in with Google", and the redirects
 * after it, to the page that moves on by itself (/account/oidc-done):
 * that page, and in @next the absolute URL it refreshes to. */
static Page *
walk_to_done (Browser  *browser,
              char    **next)
{
  const char *base = kithd_test_server_get_url (server);
  g_autoptr (Page) login = browser_get (browser, "/account/login");
  g_autofree char *href = attribute_of (login->body, "oidc-google", "href");
  g_autofree char *url = NULL;
  g_autofree char *refresh = NULL;
  const char *site = base;
  Page *page = NULL;

  g_assert_nonnull (href);
  url = g_strconcat (base, href, NULL);
  for (guint hops = 0; hops < 8; hops++) {
    const char *location;

    g_clear_pointer (&page, page_free);
    page = browser_open (browser, url, site);
    if (page->status != 302 && page->status != 303)
      break;
    location = soup_message_headers_get_one (page->headers, "Location");
    g_assert_nonnull (location);
    {
      char *resolved = resolve (url, location);

      g_free (url);
      url = resolved;
    }
    /* Everything after the provider began on the provider's site. */
    if (!is_kithd (url))
      site = PROVIDER_SITE;
  }
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (g_str_has_prefix (page->path, "/account/oidc-done?"));
  g_assert_cmpstr (site, ==, PROVIDER_SITE);
  assert_has (page, "<meta http-equiv=\"refresh\" content=\"0; url=/account/oidc-finish?");
  refresh = attribute_of (page->body, "continue", "href");
  g_assert_nonnull (refresh);
  *next = g_strconcat (base, refresh, NULL);
  return page;
}

/* The page's own refresh: a navigation of kithd's site, cookies and all. */
static Page *
finish (Browser    *browser,
        const char *url)
{
  return browser_open (browser, url, NULL);
}

static void
reset_fake (void)
{
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_NONE);
  kith_fake_oidc_set_user (fake, "fake-sub-web", "grace@example.com", TRUE, "Grace", "Hopper");
}

/* ---- the tests ---- */

static void
test_sign_in (void)
{
  g_autoptr (Browser) browser = browser_new_for (server);
  g_autoptr (Page) start = NULL;
  g_autoptr (Page) done = NULL;
  g_autoptr (Page) signed_in = NULL;
  g_autoptr (Page) profile = NULL;
  g_autoptr (Page) replayed = NULL;
  g_autoptr (Page) out = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *next = NULL;
  g_autofree char *again = NULL;
  g_autofree char *session = NULL;

  reset_fake ();
  {
    g_autoptr (Page) login = browser_get (browser, "/account/login");

    assert_has (login, ">Sign in with Google</a>");
  }
  /* The flow's cookie: the state and the verifier, as every cookie of
   * kithd's pages, for as long as kithd keeps the flow. */
  start = browser_get_full (browser, "/account/oidc-start?provider=google", FALSE);
  g_assert_cmpuint (start->status, ==, 303);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (start->headers, "Location"),
                                   "/api/v1/oidc/google/start?redirect_uri="));
  cookie = set_cookie (start, "kith_oidc");
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "; Path=/; HttpOnly; SameSite=Strict"));
  g_assert_nonnull (strstr (cookie, "; Max-Age=600"));

  done = walk_to_done (browser, &next);
  /* The page the provider's chain ends on signs nobody in: the cookie it
   * would need did not come along. */
  g_assert_null (set_cookie (done, "kith_session"));
  assert_has (done, "Signing you in…");

  signed_in = finish (browser, next);
  g_assert_cmpuint (signed_in->status, ==, 303);
  g_assert_cmpstr (soup_message_headers_get_one (signed_in->headers, "Location"), ==, "/account/profile");
  session = set_cookie (signed_in, "kith_session");
  g_assert_nonnull (session);
  g_assert_nonnull (strstr (session, "HttpOnly; SameSite=Strict"));
  g_assert_null (browser_cookie (browser, "kith_oidc"));

  profile = browser_get (browser, "/account/profile");
  g_assert_cmpuint (profile->status, ==, 200);
  g_assert_cmpstr (profile->path, ==, "/account/profile");
  assert_has (profile, "grace@example.com");
  assert_has (profile, "value=\"Grace\"");
  assert_has (profile, "value=\"Hopper\"");

  /* The same link again (a reload, or someone who saw it): spent. */
  out = browser_post (browser, "/account/logout", NULL);
  g_assert_cmpuint (out->status, ==, 200);
  replayed = finish (browser, next);
  g_assert_cmpuint (replayed->status, ==, 400);
  assert_has (replayed, "id=\"error\"");
  g_assert_null (set_cookie (replayed, "kith_session"));

  /* Signing in again is the same account. */
  g_clear_pointer (&done, page_free);
  g_clear_pointer (&signed_in, page_free);
  g_clear_pointer (&profile, page_free);
  done = walk_to_done (browser, &again);
  signed_in = finish (browser, again);
  g_assert_cmpuint (signed_in->status, ==, 303);
  profile = browser_get (browser, "/account/profile");
  assert_has (profile, "grace@example.com");
}

/* Login CSRF: someone else's flow, finished in this browser, signs
 * nobody in, and neither does a finish without the flow's cookie. */
static void
test_other_browser (void)
{
  g_autoptr (Browser) attacker = browser_new_for (server);
  g_autoptr (Browser) victim = browser_new_for (server);
  g_autoptr (Browser) fresh = browser_new_for (server);
  g_autoptr (Page) attacker_done = NULL;
  g_autoptr (Page) victim_done = NULL;
  g_autoptr (Page) refused = NULL;
  g_autoptr (Page) no_cookie = NULL;
  g_autoptr (Page) profile = NULL;
  g_autofree char *attacker_next = NULL;
  g_autofree char *victim_next = NULL;

  reset_fake ();
  kith_fake_oidc_set_user (fake, "fake-sub-mallory", "mallory@example.com", TRUE, "Mallory", "M");
  attacker_done = walk_to_done (attacker, &attacker_next);
  reset_fake ();
  victim_done = walk_to_done (victim, &victim_next);

  refused = finish (victim, attacker_next);
  g_assert_cmpuint (refused->status, ==, 400);
  assert_has (refused, "began in another browser");
  assert_has (refused, "id=\"login-form\"");
  g_assert_null (set_cookie (refused, "kith_session"));

  no_cookie = finish (fresh, victim_next);
  g_assert_cmpuint (no_cookie->status, ==, 400);
  assert_has (no_cookie, "began in another browser");
  profile = browser_get (fresh, "/account/profile");
  g_assert_cmpstr (profile->path, ==, "/account/login");
}

/* A cookie with the right state but not the flow's verifier: the code
 * is refused (and spent). */
static void
test_wrong_verifier (void)
{
  g_autoptr (Browser) browser = browser_new_for (server);
  g_autoptr (Page) done = NULL;
  g_autoptr (Page) refused = NULL;
  g_autoptr (SoupCookie) planted = NULL;
  g_autofree char *next = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *forged = NULL;

  reset_fake ();
  done = walk_to_done (browser, &next);
  cookie = browser_cookie (browser, "kith_oidc");
  g_assert_nonnull (cookie);
  g_assert_cmpuint (strlen (cookie), ==, 86);
  forged = g_strdup_printf ("%.43sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", cookie);
  planted = soup_cookie_new ("kith_oidc", forged, "127.0.0.1", "/", -1);
  soup_cookie_set_http_only (planted, TRUE);
  soup_cookie_set_same_site_policy (planted, SOUP_SAME_SITE_POLICY_STRICT);
  soup_cookie_jar_add_cookie (browser->jar, g_steal_pointer (&planted));

  refused = finish (browser, next);
  g_assert_cmpuint (refused->status, ==, 400);
  assert_has (refused, "Signing in did not work. Please try again.");
  g_assert_null (set_cookie (refused, "kith_session"));
}

static void
test_cancelled (void)
{
  g_autoptr (Browser) browser = browser_new_for (server);
  g_autoptr (Page) done = NULL;
  g_autoptr (Page) cancelled = NULL;
  g_autofree char *next = NULL;

  reset_fake ();
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_DENIED);
  done = walk_to_done (browser, &next);
  g_assert_nonnull (strstr (next, "error=access_denied"));
  cancelled = finish (browser, next);
  g_assert_cmpuint (cancelled->status, ==, 400);
  assert_has (cancelled, "Signing in was cancelled.");
  assert_has (cancelled, "id=\"oidc-google\"");
  g_assert_null (set_cookie (cancelled, "kith_session"));
  reset_fake ();
}

static void
test_unknown_provider (void)
{
  g_autoptr (Browser) browser = browser_new_for (server);
  g_autoptr (Page) unknown = browser_get_full (browser, "/account/oidc-start?provider=nope", FALSE);
  g_autoptr (Page) none = browser_get_full (browser, "/account/oidc-start", FALSE);
  KithdTestServer *plain = kithd_test_server_startv (NULL);
  g_autoptr (Browser) plain_browser = browser_new_for (plain);
  g_autoptr (Page) plain_login = browser_get (plain_browser, "/account/login");
  g_autoptr (Page) plain_start = browser_get_full (plain_browser, "/account/oidc-start?provider=google", FALSE);

  g_assert_cmpuint (unknown->status, ==, 400);
  g_assert_null (set_cookie (unknown, "kith_oidc"));
  assert_has (unknown, "id=\"error\"");
  g_assert_cmpuint (none->status, ==, 400);

  /* A kithd without providers has no button, and no flow. */
  g_assert_cmpuint (plain_login->status, ==, 200);
  assert_lacks (plain_login, "oidc-providers");
  assert_lacks (plain_login, "Sign in with");
  g_assert_cmpuint (plain_start->status, ==, 400);
  kithd_test_server_free (plain);
}

/* German from Accept-Language, on the button and on the way. */
static void
test_german (void)
{
  g_autoptr (Browser) browser = browser_new_for (server);
  g_autoptr (Page) login = NULL;
  g_autoptr (Page) done = NULL;
  g_autoptr (Page) unknown = NULL;
  g_autoptr (Page) expired = NULL;
  g_autoptr (Page) bad = NULL;
  g_autofree char *next = NULL;

  reset_fake ();
  browser->language = g_strdup ("de-DE,de;q=0.9");
  login = browser_get (browser, "/account/login");
  assert_has (login, "Mit Google anmelden");
  done = walk_to_done (browser, &next);
  assert_has (done, "lang=\"de\"");
  assert_lacks (done, "Signing you in");

  /* The API's sign-in routes answer a person in a browser too: their
   * refusals are pages of the same look and language. */
  unknown = browser_get_full (browser, "/api/v1/oidc/nope/start?redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
                                       "&code_challenge=x&code_challenge_method=S256&state=s", FALSE);
  g_assert_cmpuint (unknown->status, ==, 404);
  assert_has (unknown, "lang=\"de\"");
  assert_has (unknown, "<h1>Die Anmeldung hat nicht funktioniert</h1>");
  assert_has (unknown, "Dieser Server bietet keine Anmeldung mit diesem Anbieter an.");
  assert_has (unknown, "href=\"/assets/kith.css\"");
  expired = browser_get_full (browser, "/api/v1/oidc/google/callback?code=c&state=unknown-state", FALSE);
  g_assert_cmpuint (expired->status, ==, 400);
  assert_has (expired, "Diese Anmeldung ist abgelaufen oder wurde bereits verwendet.");
  bad = browser_get_full (browser, "/api/v1/oidc/google/start?redirect_uri=http%3A%2F%2Fexample.com%2Fcb"
                                   "&code_challenge=x&code_challenge_method=S256&state=s", FALSE);
  g_assert_cmpuint (bad->status, ==, 400);
  assert_has (bad, "Diese Anmeldeanfrage kann der Server nicht verwenden: The redirect_uri must be");
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("KITH_BUILD_ROOT");
  g_autofree char *dir = g_dir_make_tmp ("kithd-web-oidc-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *config = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (build_root) {
    g_autofree char *locale_dir = g_build_filename (build_root, "po", NULL);

    g_setenv ("KITH_LOCALE_DIR", locale_dir, TRUE);
  }

  g_test_add_func ("/web-oidc/sign-in", test_sign_in);
  g_test_add_func ("/web-oidc/other-browser", test_other_browser);
  g_test_add_func ("/web-oidc/wrong-verifier", test_wrong_verifier);
  g_test_add_func ("/web-oidc/cancelled", test_cancelled);
  g_test_add_func ("/web-oidc/unknown-provider", test_unknown_provider);
  g_test_add_func ("/web-oidc/german", test_german);

  fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  config = kith_fake_oidc_write_config (fake, NULL);
  g_assert_true (g_file_set_contents (path, config, -1, NULL));
  server = kithd_test_server_start ("--config", path, NULL);

  status = g_test_run ();

  kithd_test_server_free (server);
  kith_fake_oidc_free (fake);
  kithd_test_remove_tree (dir);
  return status;
}

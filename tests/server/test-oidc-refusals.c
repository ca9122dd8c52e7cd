/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidc"

#include "config.h"

#include <string.h>

#include "kithd-test-oidc.h"

/*
 * Sign in with Google refused (kithd-test-oidc.c has the fake provider, the
 * browser and the app's side): what the provider gets wrong, what the app
 * gets wrong or an attacker tries. Every refusal is checked for what the
 * person (or the app) is told and for nothing being changed. The sign-ins
 * that work are test-oidc.c.
 */

/* ---- what the provider gets wrong ---- */

static void
test_refusals (void)
{
  static const struct {
    KithFakeOidcFault  fault;
    const char        *error;
    const char        *logged;     /* why, in kithd's log */
  } cases[] = {
    { KITH_FAKE_OIDC_FAULT_BAD_SIGNATURE,    "invalid_token", "signature does not match" },
    { KITH_FAKE_OIDC_FAULT_WRONG_AUDIENCE,   "invalid_token", "audience (aud) is not this server's client id" },
    { KITH_FAKE_OIDC_FAULT_WRONG_ISSUER,     "invalid_token", "issuer (iss) is not the provider" },
    { KITH_FAKE_OIDC_FAULT_EXPIRED,          "invalid_token", "has expired (exp)" },
    { KITH_FAKE_OIDC_FAULT_ISSUED_IN_FUTURE, "invalid_token", "issued in the future (iat)" },
    { KITH_FAKE_OIDC_FAULT_WRONG_NONCE,      "invalid_token", "nonce is not the one this sign-in asked for" },
    { KITH_FAKE_OIDC_FAULT_UNSIGNED,         "invalid_token", "is not a signed JWT" },
    { KITH_FAKE_OIDC_FAULT_DENIED,           "access_denied", "answered access_denied" },
    { KITH_FAKE_OIDC_FAULT_TOKEN_ERROR,      "server_error",  "token endpoint refused the code: HTTP 500" },
  };
  g_autofree char *log = NULL;

  /* One good sign-in first: the keys are in kithd's cache. */
  reset_fake ();
  json_object_unref (sign_in (server));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *email = g_strdup_printf ("refused%u@example.com", i);

    g_test_message ("fault %d", cases[i].fault);
    kith_fake_oidc_set_user (fake, email, email, TRUE, "Refused", "Person");
    kith_fake_oidc_set_fault (fake, cases[i].fault);
    assert_sign_in_refused (server, cases[i].error);
    g_assert_cmpint (count_users (server, email), ==, 0);
  }
  reset_fake ();

  /* An email the provider has not verified. */
  kith_fake_oidc_set_user (fake, "sub-unverified", "unverified@example.com", FALSE, "Un", "Verified");
  assert_sign_in_refused (server, "email_not_verified");
  g_assert_cmpint (count_users (server, "unverified@example.com"), ==, 0);
  reset_fake ();

  log = kithd_test_server_get_log (server);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_nonnull (strstr (log, cases[i].logged));
  g_assert_nonnull (strstr (log, "has not verified the account's email"));
  g_assert_null (strstr (log, CLIENT_SECRET));
}

/* The provider's code works once: handed out again, the token endpoint
 * refuses it. And kithd's PKCE verifier is checked there: a code bound to
 * another challenge is refused. */
static void
test_provider_code_checks (void)
{
  g_autofree char *error = NULL;

  reset_fake ();
  json_object_unref (sign_in (server));

  kith_fake_oidc_set_user (fake, "sub-replay", "replay@example.com", TRUE, "Re", "Play");
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_REPLAY_CODE);
  assert_sign_in_refused (server, "server_error");
  error = kith_fake_oidc_get_token_error (fake);
  g_assert_cmpstr (error, ==, "The code was already used");
  g_assert_cmpint (count_users (server, "replay@example.com"), ==, 0);
  g_clear_pointer (&error, g_free);

  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_WRONG_CHALLENGE);
  assert_sign_in_refused (server, "server_error");
  error = kith_fake_oidc_get_token_error (fake);
  g_assert_cmpstr (error, ==, "The PKCE code_verifier does not match the code_challenge");
  g_assert_cmpint (count_users (server, "replay@example.com"), ==, 0);
  reset_fake ();
}

/* ---- what the app gets wrong, or an attacker tries ---- */

/* The one-time code: single use, 5 minutes, bound to the app's verifier
 * and redirect_uri; each refusal is invalid_oidc_code and spends it. */
static void
test_redeem_refusals (void)
{
  struct {
    const char *what;
    const char *verifier;      /* NULL: the app's */
    const char *redirect_uri;  /* NULL: the app's */
    gint64      clock;
  } cases[] = {
    { "wrong verifier", "another-verifier-0123456789-0123456789-0123456789", NULL, 0 },
    { "wrong redirect_uri", NULL, "http://127.0.0.1:1/other", 0 },
    { "expired", NULL, NULL, 301 },
  };

  reset_fake ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (App) app = app_new ();
    g_autoptr (GHashTable) params = browse_sign_in (server, app);
    const char *code = g_hash_table_lookup (params, "code");
    g_autofree char *bad = NULL;
    g_autofree char *good = redeem_body (code, app->verifier, app->redirect_uri);

    g_test_message ("%s", cases[i].what);
    g_assert_nonnull (code);
    kithd_test_server_set_clock_offset (server, cases[i].clock);
    bad = redeem_body (code, cases[i].verifier ? cases[i].verifier : app->verifier,
                       cases[i].redirect_uri ? cases[i].redirect_uri : app->redirect_uri);
    g_free (kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL, bad, 400, "invalid_oidc_code"));
    kithd_test_server_set_clock_offset (server, 0);
    /* Spent: the right verifier no longer helps. */
    g_free (kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL, good, 400, "invalid_oidc_code"));
  }

  /* Used once: not twice. An unknown code: no. */
  {
    g_autoptr (App) app = app_new ();
    g_autoptr (GHashTable) params = browse_sign_in (server, app);
    const char *code = g_hash_table_lookup (params, "code");
    g_autofree char *again = redeem_body (code, app->verifier, app->redirect_uri);
    g_autofree char *unknown = redeem_body ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", app->verifier, app->redirect_uri);
    g_autofree char *response = NULL;
    g_autofree char *code_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, code, -1);
    g_autofree char *log = NULL;

    json_object_unref (redeem (server, app, code));
    response = kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL, again, 400, "invalid_oidc_code");
    g_assert_nonnull (strstr (response, "This sign-in has expired"));
    g_free (kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL, unknown, 400, "invalid_oidc_code"));
    log = kithd_test_server_get_log (server);
    g_assert_null (strstr (log, code));
  }
}

/* A start that is not right: an HTML page with a sentence, no redirect. */
static void
assert_start_refused (SoupSession *browser,
                      const char  *url,
                      guint        status,
                      const char  *sentence)
{
  g_autofree char *location = NULL;
  g_autofree char *body = NULL;

  g_test_message ("%s", url);
  g_assert_cmpuint (http_request (browser, "GET", url, NULL, TRUE, NULL, &location, &body), ==, status);
  g_assert_null (location);
  g_assert_true (g_str_has_prefix (body, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (body, sentence));
}

static void
test_start_refusals (void)
{
  const char *bad_redirects[] = {
    "http://example.com:8080/cb",
    "https://127.0.0.1:8080/cb",
    "http://localhost:8080/cb",
    "http://127.0.0.1/cb",
    "http://127.0.0.1:8080/cb?x=1",
    "http://127.0.0.1:8080/cb#frag",
    "http://user@127.0.0.1:8080/cb",
    "http://127.0.0.2:8080/cb",
    "http://127.0.0.1:8080/c b",
    "javascript:alert(1)",
    "",
  };
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autoptr (App) app = app_new ();
  const char *base = kithd_test_server_get_url (server);
  guint authorize = kith_fake_oidc_get_n_requests (fake, "authorize");
  g_autofree char *url = NULL;
  g_autofree char *location = NULL;
  g_autofree char *long_path = g_strnfill (520, 'a');

  reset_fake ();

  /* An unknown provider: 404. */
  url = start_url (server, "gitlab", app);
  assert_start_refused (browser, url, 404, "This server does not sign in with this provider.");
  g_clear_pointer (&url, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad_redirects) + 1; i++) {
    g_autofree char *redirect = i < G_N_ELEMENTS (bad_redirects)
                                ? g_strdup (bad_redirects[i])
                                : g_strconcat ("http://127.0.0.1:8080/", long_path, NULL);
    g_autofree char *escaped = g_uri_escape_string (redirect, NULL, FALSE);

    url = g_strdup_printf ("%s/api/v1/oidc/google/start?redirect_uri=%s&code_challenge=%s"
                           "&code_challenge_method=S256&state=%s", base, escaped, app->challenge, app->state);
    assert_start_refused (browser, url, 400, "The redirect_uri must be");
    g_clear_pointer (&url, g_free);
  }

  url = g_strdup_printf ("%s/api/v1/oidc/google/start?redirect_uri=%s&code_challenge=%s"
                         "&code_challenge_method=plain&state=x", base, listener_url, app->challenge);
  assert_start_refused (browser, url, 400, "The code_challenge must be");
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("%s/api/v1/oidc/google/start?redirect_uri=%s&code_challenge=short"
                         "&code_challenge_method=S256&state=x", base, listener_url);
  assert_start_refused (browser, url, 400, "The code_challenge must be");
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("%s/api/v1/oidc/google/start?redirect_uri=%s&code_challenge=%s"
                         "&code_challenge_method=S256&state=%%3Cscript%%3E", base, listener_url, app->challenge);
  assert_start_refused (browser, url, 400, "The state must be");
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("%s/api/v1/oidc/google/start", base);
  assert_start_refused (browser, url, 400, "The redirect_uri must be");
  g_clear_pointer (&url, g_free);

  /* None of them reached the provider. */
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "authorize"), ==, authorize);

  /* [::1] and kithd's own page are fine redirect_uris. */
  for (guint i = 0; i < 2; i++) {
    g_autofree char *redirect = i == 0 ? g_strdup ("http://[::1]:4242/done")
                                       : g_strconcat (base, "/account/oidc-done", NULL);
    g_autofree char *escaped = g_uri_escape_string (redirect, NULL, FALSE);

    url = g_strdup_printf ("%s/api/v1/oidc/google/start?redirect_uri=%s&code_challenge=%s"
                           "&code_challenge_method=S256&state=%s", base, escaped, app->challenge, app->state);
    g_assert_cmpuint (http_request (browser, "GET", url, NULL, TRUE, NULL, &location, NULL), ==, 302);
    g_assert_true (g_str_has_prefix (location, kith_fake_oidc_get_issuer (fake)));
    g_clear_pointer (&url, g_free);
    g_clear_pointer (&location, g_free);
  }
}

/* A provider that cannot be reached: a page saying so, at once. */
static void
test_unreachable (void)
{
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autoptr (App) app = app_new ();
  g_autofree char *dir = NULL;
  g_autofree char *url = NULL;
  g_autofree char *log = NULL;
  KithdTestServer *own;

  own = start_kithd ("\n[oidc:dead]\nname=Dead Provider\nissuer=http://127.0.0.1:1\n"
                     "client-id=a\nclient-secret=b\n", &dir);
  url = start_url (own, "dead", app);
  assert_start_refused (browser, url, 502, "Dead Provider cannot be reached right now.");
  log = kithd_test_server_get_log (own);
  g_assert_nonnull (strstr (log, "OIDC dead: cannot use the discovery document of http://127.0.0.1:1"));
  /* The other provider is not held up by it. */
  json_object_unref (sign_in (own));
  stop_kithd (own, g_steal_pointer (&dir));
}

/* Walks the browser's way by hand up to kithd's callback: its URL, which
 * the provider sent the browser to. */
static char *
callback_of (SoupSession *browser,
             const App   *app)
{
  g_autofree char *url = start_url (server, "google", app);
  g_autofree char *authorize = NULL;
  char *callback = NULL;
  g_autoptr (GHashTable) params = NULL;

  g_assert_cmpuint (http_request (browser, "GET", url, NULL, TRUE, NULL, &authorize, NULL), ==, 302);
  params = query_of (authorize);
  g_assert_cmpstr (g_hash_table_lookup (params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (params, "scope"), ==, "openid email profile");
  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge_method"), ==, "S256");
  /* kithd's own state and challenge, not the app's. */
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), !=, app->state);
  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge"), !=, app->challenge);
  g_assert_nonnull (g_hash_table_lookup (params, "nonce"));
  g_assert_cmpuint (http_request (browser, "GET", authorize, NULL, TRUE, NULL, &callback, NULL), ==, 302);
  g_assert_true (g_str_has_prefix (callback, kithd_test_server_get_url (server)));
  return callback;
}

static void
test_state_refusals (void)
{
  const char *expired = "This sign-in has expired or was already used. Start again from Kith.";
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autoptr (App) app = app_new ();
  g_autoptr (App) late = app_new ();
  g_autofree char *callback = NULL;
  g_autofree char *final = NULL;
  g_autofree char *url = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GHashTable) params = NULL;

  reset_fake ();

  /* A state kithd never gave out. */
  url = g_strdup_printf ("%s/api/v1/oidc/google/callback?code=abc&state=forged-state",
                         kithd_test_server_get_url (server));
  assert_start_refused (browser, url, 400, expired);
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("%s/api/v1/oidc/google/callback?code=abc", kithd_test_server_get_url (server));
  assert_start_refused (browser, url, 400, expired);

  /* The callback works once: replayed, it is refused. */
  callback = callback_of (browser, app);
  g_assert_cmpuint (http_request (browser, "GET", callback, NULL, FALSE, &final, NULL, NULL), ==, 200);
  params = query_of (final);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  assert_start_refused (browser, callback, 400, expired);
  /* The provider's code is nowhere in kithd's log. */
  log = kithd_test_server_get_log (server);
  {
    g_autoptr (GHashTable) callback_params = query_of (callback);

    g_assert_null (strstr (log, g_hash_table_lookup (callback_params, "code")));
  }
  g_clear_pointer (&callback, g_free);

  /* A flow ten minutes old has expired. */
  callback = callback_of (browser, late);
  kithd_test_server_set_clock_offset (server, 601);
  assert_start_refused (browser, callback, 400, expired);
  kithd_test_server_set_clock_offset (server, 0);
  assert_start_refused (browser, callback, 400, expired);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oidc/refusals/token", test_refusals);
  g_test_add_func ("/oidc/refusals/provider-code", test_provider_code_checks);
  g_test_add_func ("/oidc/refusals/redeem", test_redeem_refusals);
  g_test_add_func ("/oidc/refusals/start", test_start_refusals);
  g_test_add_func ("/oidc/refusals/state", test_state_refusals);
  g_test_add_func ("/oidc/refusals/unreachable", test_unreachable);

  return oidc_test_run ();
}

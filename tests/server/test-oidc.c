/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidc"

#include "config.h"

#include <string.h>

#include "kith-base64url.h"
#include "kithd-test-oidc.h"

/*
 * Sign in with Google (OpenID Connect), against the fake provider
 * (kith-fake-oidc.c) and a real kithd: a browser (libsoup following the
 * redirects, in place of a person) goes from kithd's start to the provider,
 * which consents at once, back to kithd's callback and on to a loopback
 * listener standing in for the app's redirect; the app then redeems the
 * one-time code at POST /api/v1/sessions (kithd-test-oidc.c). Here the
 * sign-ins that work, the keys and the bound on pending flows; every
 * refusal is test-oidc-refusals.c.
 */

/* A JWT's header or claims, decoded (base64url without padding). */
static JsonObject *
jwt_part (const char *part)
{
  g_autoptr (GString) b64 = g_string_new (part);
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  g_strdelimit (b64->str, "-", '+');
  g_strdelimit (b64->str, "_", '/');
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  text = g_strndup ((const char *) raw, len);
  return kithd_test_parse_object (text);
}

static gint64
user_id_of (JsonObject *session)
{
  return json_object_get_int_member (json_object_get_object_member (session, "user"), "id");
}

/* ---- the fake provider on its own ---- */

/* What a relying party does with the fake: discovery, authorize with PKCE,
 * the token endpoint, the ID token's signature against the JWKS. */
static void
test_fake_provider (void)
{
  g_autoptr (KithFakeOidc) provider = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  g_autoptr (SoupSession) session = soup_session_new ();
  const char *issuer = kith_fake_oidc_get_issuer (provider);
  const char *verifier = "a-verifier-of-the-relying-party-0123456789-abcdef";
  g_autofree char *challenge = kith_pkce_s256 (verifier);
  g_autofree char *redirect = NULL;
  g_autofree char *url = NULL;
  g_autofree char *location = NULL;
  g_autofree char *form = NULL;
  g_autofree char *body = NULL;
  g_autofree char *jwks_body = NULL;
  g_autofree char *config = NULL;
  g_autofree char *error = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonObject) jwks = NULL;
  g_autoptr (JsonObject) header = NULL;
  g_autoptr (JsonObject) claims = NULL;
  g_auto (GStrv) parts = NULL;
  const char *token;

  g_assert_true (g_str_has_prefix (issuer, "http://127.0.0.1:"));
  config = kith_fake_oidc_write_config (provider, NULL);
  g_assert_nonnull (strstr (config, "[oidc:google]"));
  g_assert_nonnull (strstr (config, CLIENT_SECRET));

  url = g_strconcat (issuer, "/.well-known/openid-configuration", NULL);
  g_assert_cmpuint (http_request (session, "GET", url, NULL, FALSE, NULL, NULL, &body), ==, 200);
  g_assert_nonnull (strstr (body, "\"authorization_endpoint\""));
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&body, g_free);

  redirect = g_strdup ("http://127.0.0.1:9/api/v1/oidc/google/callback");
  url = g_strdup_printf ("%s/authorize?response_type=code&client_id=%s&redirect_uri=%s"
                         "&scope=openid%%20email&state=st&nonce=n1&code_challenge=%s"
                         "&code_challenge_method=S256", issuer, CLIENT_ID, redirect, challenge);
  g_assert_cmpuint (http_request (session, "GET", url, NULL, TRUE, NULL, &location, NULL), ==, 302);
  g_assert_true (g_str_has_prefix (location, redirect));
  params = query_of (location);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st");
  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  g_clear_pointer (&url, g_free);

  /* A wrong verifier spends the code. */
  url = g_strconcat (issuer, "/token", NULL);
  form = soup_form_encode ("grant_type", "authorization_code", "code", g_hash_table_lookup (params, "code"),
                           "redirect_uri", redirect, "code_verifier", "not-the-verifier-0123456789-0123456789-abc",
                           "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, NULL);
  g_assert_cmpuint (http_request (session, "POST", url, form, TRUE, NULL, NULL, NULL), ==, 400);
  error = kith_fake_oidc_get_token_error (provider);
  g_assert_nonnull (strstr (error, "code_verifier"));
  g_clear_pointer (&form, g_free);
  g_clear_pointer (&error, g_free);
  form = soup_form_encode ("grant_type", "authorization_code", "code", g_hash_table_lookup (params, "code"),
                           "redirect_uri", redirect, "code_verifier", verifier,
                           "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, NULL);
  g_assert_cmpuint (http_request (session, "POST", url, form, TRUE, NULL, NULL, NULL), ==, 400);
  error = kith_fake_oidc_get_token_error (provider);
  g_assert_cmpstr (error, ==, "The code was already used");
  g_clear_pointer (&location, g_free);
  g_clear_pointer (&params, g_hash_table_unref);
  g_clear_pointer (&url, g_free);

  /* Again, right. */
  url = g_strdup_printf ("%s/authorize?response_type=code&client_id=%s&redirect_uri=%s"
                         "&scope=openid%%20email&state=st&nonce=n2&code_challenge=%s"
                         "&code_challenge_method=S256", issuer, CLIENT_ID, redirect, challenge);
  g_assert_cmpuint (http_request (session, "GET", url, NULL, TRUE, NULL, &location, NULL), ==, 302);
  params = query_of (location);
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&form, g_free);
  url = g_strconcat (issuer, "/token", NULL);
  form = soup_form_encode ("grant_type", "authorization_code", "code", g_hash_table_lookup (params, "code"),
                           "redirect_uri", redirect, "code_verifier", verifier,
                           "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, NULL);
  g_assert_cmpuint (http_request (session, "POST", url, form, TRUE, NULL, NULL, &body), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  g_clear_pointer (&url, g_free);

  /* The ID token names the JWKS's key and carries the request's nonce
   * (its signature is kithd's to check: /oidc/sign-in and the faults). */
  url = g_strconcat (issuer, "/jwks", NULL);
  g_assert_cmpuint (http_request (session, "GET", url, NULL, TRUE, NULL, NULL, &jwks_body), ==, 200);
  jwks = kithd_test_parse_object (jwks_body);
  token = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "id_token");
  parts = g_strsplit (token, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  header = jwt_part (parts[0]);
  claims = jwt_part (parts[1]);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "RS256");
  g_assert_cmpstr (json_object_get_string_member (header, "kid"), ==,
                   json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (jwks, "keys"), 0), "kid"));
  g_assert_cmpstr (json_object_get_string_member (claims, "nonce"), ==, "n2");
  g_assert_cmpstr (json_object_get_string_member (claims, "email"), ==, "ada@example.com");
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, CLIENT_ID);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, issuer);

  g_assert_cmpuint (kith_fake_oidc_get_n_requests (provider, "token"), ==, 3);
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (provider, "authorize"), ==, 2);
}

/* ---- GET /server ---- */

static void
test_server_info (void)
{
  KithdTestServer *plain = kithd_test_server_startv (NULL);
  g_autofree char *response = kithd_test_server_call (server, "GET", "/api/v1/server", NULL, NULL, 200, NULL);
  g_autoptr (JsonObject) info = kithd_test_parse_object (response);
  JsonArray *flows = json_object_get_array_member (info, "login_flows");
  JsonArray *providers = json_object_get_array_member (info, "oidc_providers");
  g_autofree char *plain_response = NULL;
  g_autoptr (JsonObject) plain_info = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpuint (json_array_get_length (flows), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (flows, 0), ==, "password");
  g_assert_cmpstr (json_array_get_string_element (flows, 1), ==, "oidc:google");
  g_assert_cmpuint (json_array_get_length (providers), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (providers, 0), "id"), ==, "google");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (providers, 0), "name"), ==, "Google");

  /* Without providers: password only, and a code is no way in. */
  plain_response = kithd_test_server_call (plain, "GET", "/api/v1/server", NULL, NULL, 200, NULL);
  plain_info = kithd_test_parse_object (plain_response);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (plain_info, "login_flows")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (plain_info, "oidc_providers")), ==, 0);
  body = redeem_body ("x", "y", "http://127.0.0.1:1/cb");
  g_free (kithd_test_server_call (plain, "POST", "/api/v1/sessions", NULL, body, 400, "unsupported_flow"));
  kithd_test_server_free (plain);
}

/* ---- signing in ---- */

/* A new account with the token's names, without a usable password; the
 * second sign-in reaches it again; a reset mail gives it a password. */
static void
test_sign_in_new_account (void)
{
  g_autoptr (JsonObject) first = NULL;
  g_autoptr (JsonObject) second = NULL;
  g_autoptr (GPtrArray) mails = NULL;
  g_autofree char *me = NULL;
  g_autofree char *log = NULL;
  g_autofree char *token = NULL;
  g_autofree char *confirm = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *password_login = NULL;
  JsonObject *user;
  guint discovery = kith_fake_oidc_get_n_requests (fake, "discovery");
  const char *start;
  const char *end;

  reset_fake ();
  kith_fake_oidc_set_user (fake, "sub-grace", "grace.hopper@example.com", TRUE, "Grace", "Hopper");
  g_assert_cmpint (count_users (server, "grace.hopper@example.com"), ==, 0);

  first = sign_in (server);
  g_assert_cmpuint (strlen (json_object_get_string_member (first, "token")), >=, 43);
  user = json_object_get_object_member (first, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, "grace.hopper@example.com");
  g_assert_cmpstr (json_object_get_string_member (user, "first_name"), ==, "Grace");
  g_assert_cmpstr (json_object_get_string_member (user, "last_name"), ==, "Hopper");
  me = kithd_test_server_call (server, "GET", "/api/v1/me", json_object_get_string_member (first, "token"),
                               NULL, 200, NULL);
  g_assert_nonnull (strstr (me, "grace.hopper@example.com"));
  g_assert_cmpint (kithd_test_server_db_count (server, "sessions", "device_name = 'Test laptop'"), >=, 1);

  /* Again: the same account, a second session. */
  second = sign_in (server);
  g_assert_cmpint (user_id_of (second), ==, user_id_of (first));
  g_assert_cmpstr (json_object_get_string_member (second, "token"), !=, json_object_get_string_member (first, "token"));
  g_assert_cmpint (count_users (server, "grace.hopper@example.com"), ==, 1);
  /* The discovery document was fetched at most once for both. */
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "discovery"), <=, discovery + 1);

  /* No password: a password log-in fails as a wrong one does. */
  password_login = g_strdup_printf ("{\"email\": \"grace.hopper@example.com\", \"password\": \"%s\"}",
                                    KITHD_TEST_PASSWORD);
  g_free (kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL, password_login, 401,
                                  "invalid_credentials"));
  g_free (kithd_test_server_call (server, "POST", "/api/v1/sessions", NULL,
                                  "{\"email\": \"grace.hopper@example.com\", \"password\": \"\"}", 401,
                                  "invalid_credentials"));

  /* A reset gives it one. */
  g_free (kithd_test_server_call (server, "POST", "/api/v1/password-reset", NULL,
                                  "{\"email\": \"grace.hopper@example.com\"}", 202, NULL));
  g_assert_cmpuint (kithd_test_server_wait_outbox (server, 1, WAIT_MS), >=, 1);
  mails = kithd_test_server_outbox_files (server);
  g_assert_true (g_file_get_contents (mails->pdata[mails->len - 1], &contents, NULL, NULL));
  start = strstr (contents, "/account/password-reset?token=");
  g_assert_nonnull (start);
  start += strlen ("/account/password-reset?token=");
  for (end = start; g_ascii_isalnum (*end) || *end == '-' || *end == '_'; end++)
    ;
  token = g_strndup (start, end - start);
  confirm = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Grace#1906\"}", token);
  g_free (kithd_test_server_call (server, "POST", "/api/v1/password-reset/confirm", NULL, confirm, 204, NULL));
  g_free (kithd_test_server_log_in (server, "grace.hopper@example.com", "Grace#1906", NULL));

  /* Nothing secret in kithd's log. */
  log = kithd_test_server_get_log (server);
  g_assert_null (strstr (log, CLIENT_SECRET));
  g_assert_null (strstr (log, json_object_get_string_member (first, "token")));
}

/* An account made with a password is signed in by its verified email,
 * whatever its case; its names stay its own. */
static void
test_sign_in_existing_account (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (server, "ada.byron@example.com", KITHD_TEST_PASSWORD,
                                                             "Ada", "Byron");
  g_autoptr (JsonObject) session = NULL;
  JsonObject *user;

  reset_fake ();
  kith_fake_oidc_set_user (fake, "sub-ada", "Ada.Byron@Example.com", TRUE, "Augusta", "King");
  session = sign_in (server);
  g_assert_cmpint (user_id_of (session), ==, ada->id);
  user = json_object_get_object_member (session, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "first_name"), ==, "Ada");
  g_assert_cmpstr (json_object_get_string_member (user, "last_name"), ==, "Byron");
  g_assert_cmpint (count_users (server, "ada.byron@example.com"), ==, 1);
  /* The password still works. */
  g_free (kithd_test_server_log_in (server, "ada.byron@example.com", KITHD_TEST_PASSWORD, NULL));
}

/* Names when the token has no given and family name: the whole name, else
 * the email's local part. */
static void
test_sign_in_name_fallbacks (void)
{
  g_autoptr (JsonObject) session = NULL;
  JsonObject *user;

  reset_fake ();
  kith_fake_oidc_set_user (fake, "sub-nameless", "nameless.one@example.com", TRUE, NULL, NULL);
  session = sign_in (server);
  user = json_object_get_object_member (session, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "first_name"), ==, "nameless.one");
  g_assert_cmpstr (json_object_get_string_member (user, "last_name"), ==, "");
}

/* Keys: fetched again for an unknown kid, once, and not again within a
 * minute; a rotated key is found that way; a JWKS too large is refused. */
static void
test_keys (void)
{
  KithFakeOidc *shared = fake;
  g_autofree char *dir = NULL;
  KithdTestServer *own;
  guint jwks;

  /* A provider of its own: the shared one keeps its key. */
  fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  own = start_kithd (NULL, &dir);

  /* The first fetch of the keys is over 256 KiB: nothing is signed in. */
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_HUGE_JWKS);
  jwks = kith_fake_oidc_get_n_requests (fake, "jwks");
  assert_sign_in_refused (own, "server_error");
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 1);
  reset_fake ();
  json_object_unref (sign_in (own));
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 2);
  json_object_unref (sign_in (own));
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 2);

  /* A kid the JWKS does not have, a minute after the last fetch: one
   * fetch more, still unknown, refused. */
  kithd_test_server_set_clock_offset (own, 61);
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_UNKNOWN_KID);
  assert_sign_in_refused (own, "invalid_token");
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 3);
  /* Right after: no fetch (at most one a minute). */
  assert_sign_in_refused (own, "invalid_token");
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 3);

  /* The provider rotates its key: found by one fetch. */
  reset_fake ();
  kith_fake_oidc_rotate_key (fake);
  kithd_test_server_set_clock_offset (own, 122);
  json_object_unref (sign_in (own));
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "jwks"), ==, jwks + 4);

  stop_kithd (own, g_steal_pointer (&dir));
  kith_fake_oidc_free (fake);
  fake = shared;
}

/* Pending flows are bounded: 100 per address, 1,000 in all (503 with a
 * page); they expire after 10 minutes. The addresses come from a trusted
 * proxy's X-Forwarded-For. */
static guint
start_from (SoupSession *browser,
            const char  *url,
            const char  *address)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-For", address);
  body = soup_session_send_and_read (browser, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

static void
test_too_many_flows (void)
{
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autoptr (App) app = app_new ();
  g_autofree char *dir = NULL;
  g_autofree char *url = NULL;
  KithdTestServer *own;
  guint n = 0;

  reset_fake ();
  own = start_kithd ("\n[server]\ntrusted-proxies=127.0.0.1\n", &dir);
  url = start_url (own, "google", app);

  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (start_from (browser, url, "192.0.2.1"), ==, 302);
  g_assert_cmpuint (start_from (browser, url, "192.0.2.1"), ==, 503);
  /* Another address is not held up by that one. */
  g_assert_cmpuint (start_from (browser, url, "192.0.2.2"), ==, 302);
  n = 101;
  for (guint a = 3; n < 1000; a++) {
    g_autofree char *address = g_strdup_printf ("192.0.2.%u", a);

    for (guint i = 0; i < 100 && n < 1000; i++, n++)
      g_assert_cmpuint (start_from (browser, url, address), ==, 302);
  }
  g_assert_cmpuint (start_from (browser, url, "198.51.100.1"), ==, 503);
  {
    g_autofree char *location = NULL;
    g_autofree char *body = NULL;
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr (GBytes) bytes = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-For", "198.51.100.1");
    bytes = soup_session_send_and_read (browser, msg, NULL, NULL);
    body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_assert_cmpuint (soup_message_get_status (msg), ==, 503);
    g_assert_nonnull (strstr (body, "Too many sign-ins are in progress"));
    g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
  }

  /* Ten minutes on, they have expired: room again. */
  kithd_test_server_set_clock_offset (own, 601);
  g_assert_cmpuint (start_from (browser, url, "192.0.2.1"), ==, 302);

  stop_kithd (own, g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oidc/fake-provider", test_fake_provider);
  g_test_add_func ("/oidc/server-info", test_server_info);
  g_test_add_func ("/oidc/sign-in/new-account", test_sign_in_new_account);
  g_test_add_func ("/oidc/sign-in/existing-account", test_sign_in_existing_account);
  g_test_add_func ("/oidc/sign-in/name-fallbacks", test_sign_in_name_fallbacks);
  g_test_add_func ("/oidc/keys", test_keys);
  g_test_add_func ("/oidc/too-many-flows", test_too_many_flows);

  return oidc_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidc"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "kith-fake-oidc.h"
#include "kithd-test-helper.h"

/*
 * Sign in with Google (OpenID Connect), against the fake provider
 * (kith-fake-oidc.c) and a real kithd.
 */

#define CLIENT_ID     "1234.apps.example.com"
#define CLIENT_SECRET "fake-client-secret"
#define WAIT_MS       KITHD_TEST_WAIT_MS

/* ---- helpers ---- */

static char *
s256 (const char *verifier)
{
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  char *b64;
  gsize n;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &len);
  b64 = g_base64_encode (digest, len);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  n = strlen (b64);
  while (n > 0 && b64[n - 1] == '=')
    b64[--n] = '\0';
  return b64;
}

typedef struct {
  SoupMessage *msg;
  GBytes      *body;
  GError      *error;
  gboolean     done;
} Fetch;

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fetch->error);
  fetch->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *) data)->done;
}

/* @method @url with libsoup, running the main context meanwhile (so that
 * listeners of the test answer); the status, the final URI in @final_uri,
 * the body in @body. Follows redirects unless @no_redirect. */
static guint
http_request (SoupSession  *session,
              const char   *method,
              const char   *url,
              const char   *form,
              gboolean      no_redirect,
              char        **final_uri,
              char        **location,
              char        **body)
{
  Fetch fetch = { NULL, NULL, NULL, FALSE };
  guint status;

  fetch.msg = soup_message_new (method, url);
  g_assert_nonnull (fetch.msg);
  if (no_redirect)
    soup_message_add_flags (fetch.msg, SOUP_MESSAGE_NO_REDIRECT);
  if (form) {
    g_autoptr (GBytes) bytes = g_bytes_new (form, strlen (form));

    soup_message_set_request_body_from_bytes (fetch.msg, "application/x-www-form-urlencoded", bytes);
  }
  soup_session_send_and_read_async (session, fetch.msg, G_PRIORITY_DEFAULT, NULL, on_fetched, &fetch);
  g_assert_true (kithd_test_wait_until (fetch_done, &fetch, WAIT_MS * 2));
  g_assert_no_error (fetch.error);
  status = soup_message_get_status (fetch.msg);
  if (final_uri)
    *final_uri = g_uri_to_string (soup_message_get_uri (fetch.msg));
  if (location)
    *location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (fetch.msg), "Location"));
  if (body)
    *body = g_strndup (g_bytes_get_data (fetch.body, NULL), g_bytes_get_size (fetch.body));
  g_bytes_unref (fetch.body);
  g_object_unref (fetch.msg);
  return status;
}

static GHashTable *
query_of (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);

  g_assert_nonnull (parsed);
  g_assert_nonnull (g_uri_get_query (parsed));
  return g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
}

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

/* ---- the fake provider on its own ---- */

/* What a relying party does with the fake: discovery, authorize with PKCE,
 * the token endpoint, the ID token's signature against the JWKS. */
static void
test_fake_provider (void)
{
  g_autoptr (KithFakeOidc) fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  g_autoptr (SoupSession) session = soup_session_new ();
  const char *issuer = kith_fake_oidc_get_issuer (fake);
  const char *verifier = "a-verifier-of-the-relying-party-0123456789-abcdef";
  g_autofree char *challenge = s256 (verifier);
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
  config = kith_fake_oidc_write_config (fake, NULL);
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
  error = kith_fake_oidc_get_token_error (fake);
  g_assert_nonnull (strstr (error, "code_verifier"));
  g_clear_pointer (&form, g_free);
  g_clear_pointer (&error, g_free);
  form = soup_form_encode ("grant_type", "authorization_code", "code", g_hash_table_lookup (params, "code"),
                           "redirect_uri", redirect, "code_verifier", verifier,
                           "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET, NULL);
  g_assert_cmpuint (http_request (session, "POST", url, form, TRUE, NULL, NULL, NULL), ==, 400);
  error = kith_fake_oidc_get_token_error (fake);
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

  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "token"), ==, 3);
  g_assert_cmpuint (kith_fake_oidc_get_n_requests (fake, "authorize"), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oidc/fake-provider", test_fake_provider);

  return g_test_run ();
}

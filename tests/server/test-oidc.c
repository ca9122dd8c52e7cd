/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidc"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <libsoup/soup.h>
#include <microhttpd.h>

#include "kith-base64url.h"
#include "kith-fake-oidc.h"
#include "kithd-test-helper.h"

/*
 * Sign in with Google (OpenID Connect), against the fake provider
 * (kith-fake-oidc.c) and a real kithd: a browser (libsoup following the
 * redirects, in place of a person) goes from kithd's start to the provider,
 * which consents at once, back to kithd's callback and on to a loopback
 * listener standing in for the app's redirect; the app then redeems the
 * one-time code at POST /api/v1/sessions. Every refusal is checked for
 * what the person (or the app) is told and for nothing being changed.
 */

#define CLIENT_ID     "1234.apps.example.com"
#define CLIENT_SECRET "fake-client-secret"
#define WAIT_MS       KITHD_TEST_WAIT_MS

/* ---- helpers ---- */

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


/* ---- the app's side: a loopback listener, PKCE, the browser ---- */

static KithFakeOidc    *fake;
static KithdTestServer *server;      /* kithd naming the fake provider */
static struct MHD_Daemon *listener;  /* the app's redirect */
static char            *listener_url;
static gint             listener_hits;

/* The app's loopback listener: one page for whatever comes (libmicrohttpd
 * on its own thread, as the fake provider). */
static enum MHD_Result
on_listener (void                  *cls,
             struct MHD_Connection *conn,
             const char            *url,
             const char            *method,
             const char            *version,
             const char            *upload_data,
             size_t                *upload_data_size,
             void                 **con_cls)
{
  static const char page[] = "<p>You are signed in to Kith. You can close this window.</p>";
  struct MHD_Response *response;
  enum MHD_Result ret;

  g_atomic_int_inc (&listener_hits);
  response = MHD_create_response_from_buffer (strlen (page), (void *) page, MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header (response, "Content-Type", "text/html");
  MHD_add_response_header (response, "Connection", "close");
  ret = MHD_queue_response (conn, 200, response);
  MHD_destroy_response (response);
  return ret;
}

static void
listener_start (void)
{
  struct sockaddr_in address = { 0 };

  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  listener = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                               on_listener, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
                               MHD_OPTION_END);
  g_assert_nonnull (listener);
  listener_url = g_strdup_printf ("http://127.0.0.1:%u/kith-signed-in",
                                  MHD_get_daemon_info (listener, MHD_DAEMON_INFO_BIND_PORT)->port);
}

/* What the app keeps for one sign-in. */
typedef struct {
  char *verifier;
  char *challenge;
  char *state;
  char *redirect_uri;
} App;

static void
app_free (App *app)
{
  g_free (app->verifier);
  g_free (app->challenge);
  g_free (app->state);
  g_free (app->redirect_uri);
  g_free (app);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (App, app_free)

static App *
app_new (void)
{
  App *app = g_new0 (App, 1);
  static guint n;

  app->verifier = g_strdup_printf ("app-verifier-%08x%08x-%u-0123456789abcdefghijklmnop",
                                   g_random_int (), g_random_int (), ++n);
  app->challenge = kith_pkce_s256 (app->verifier);
  app->state = g_strdup_printf ("app-state.%u~%08x", n, g_random_int ());
  app->redirect_uri = g_strdup (listener_url);
  return app;
}

static char *
start_url (KithdTestServer *kithd,
           const char      *provider,
           const App       *app)
{
  g_autofree char *redirect = g_uri_escape_string (app->redirect_uri, NULL, FALSE);

  return g_strdup_printf ("%s/api/v1/oidc/%s/start?redirect_uri=%s&code_challenge=%s"
                          "&code_challenge_method=S256&state=%s",
                          kithd_test_server_get_url (kithd), provider, redirect, app->challenge, app->state);
}

/* The whole sign-in in the browser, from kithd's start to the app's
 * listener: the query the listener got (code and state, or error,
 * error_description and state). */
static GHashTable *
browse_sign_in (KithdTestServer *kithd,
                const App       *app)
{
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autofree char *url = start_url (kithd, "google", app);
  g_autofree char *final = NULL;
  g_autofree char *body = NULL;
  gint hits = g_atomic_int_get (&listener_hits);
  GHashTable *params;

  g_assert_cmpuint (http_request (browser, "GET", url, NULL, FALSE, &final, NULL, &body), ==, 200);
  g_assert_true (g_str_has_prefix (final, app->redirect_uri));
  g_assert_cmpint (g_atomic_int_get (&listener_hits), ==, hits + 1);
  g_assert_nonnull (strstr (body, "You can close this window"));
  params = query_of (final);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, app->state);
  return params;
}

/* A sign-in that must end with @error at the app (and no code). */
static void
assert_sign_in_refused (KithdTestServer *kithd,
                        const char      *error)
{
  g_autoptr (App) app = app_new ();
  g_autoptr (GHashTable) params = browse_sign_in (kithd, app);

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, error);
  g_assert_nonnull (g_hash_table_lookup (params, "error_description"));
  g_assert_null (g_hash_table_lookup (params, "code"));
}

static char *
redeem_body (const char *code,
             const char *verifier,
             const char *redirect_uri)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "oidc_code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "oidc_verifier");
  json_builder_add_string_value (builder, verifier);
  json_builder_set_member_name (builder, "oidc_redirect_uri");
  json_builder_add_string_value (builder, redirect_uri);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, "Test laptop");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Redeems @code as the app: the session's answer (201 asserted). */
static JsonObject *
redeem (KithdTestServer *kithd,
        const App       *app,
        const char      *code)
{
  g_autofree char *body = redeem_body (code, app->verifier, app->redirect_uri);
  g_autofree char *response = kithd_test_server_call (kithd, "POST", "/api/v1/sessions", NULL, body, 201, NULL);

  return kithd_test_parse_object (response);
}

/* A whole sign-in that succeeds: the session (token, user). */
static JsonObject *
sign_in (KithdTestServer *kithd)
{
  g_autoptr (App) app = app_new ();
  g_autoptr (GHashTable) params = browse_sign_in (kithd, app);
  const char *code = g_hash_table_lookup (params, "code");

  g_assert_null (g_hash_table_lookup (params, "error"));
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 43);
  return redeem (kithd, app, code);
}

static gint64
user_id_of (JsonObject *session)
{
  return json_object_get_int_member (json_object_get_object_member (session, "user"), "id");
}

static gint64
count_users (KithdTestServer *kithd,
             const char      *email)
{
  g_autofree char *where = g_strdup_printf ("email = '%s'", email);

  return kithd_test_server_db_count (kithd, "users", where);
}

/* kithd with the fake provider and @extra (more kithd.conf text, nullable). */
static KithdTestServer *
start_kithd (const char *extra,
             char      **conf_dir)
{
  g_autofree char *dir = g_dir_make_tmp ("kithd-oidc-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *config = kith_fake_oidc_write_config (fake, NULL);
  g_autofree char *text = g_strconcat (config, extra ? extra : "", NULL);
  KithdTestServer *kithd;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  kithd = kithd_test_server_start ("--config", path, NULL);
  *conf_dir = g_steal_pointer (&dir);
  return kithd;
}

static void
stop_kithd (KithdTestServer *kithd,
            char            *conf_dir)
{
  g_autofree char *path = g_build_filename (conf_dir, "kithd.conf", NULL);

  kithd_test_server_free (kithd);
  g_unlink (path);
  g_rmdir (conf_dir);
  g_free (conf_dir);
}

static void
reset_fake (void)
{
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_NONE);
  kith_fake_oidc_set_user (fake, "fake-sub-1", "ada@example.com", TRUE, "Ada", "Lovelace");
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
  g_autofree char *dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oidc/fake-provider", test_fake_provider);
  g_test_add_func ("/oidc/server-info", test_server_info);
  g_test_add_func ("/oidc/sign-in/new-account", test_sign_in_new_account);
  g_test_add_func ("/oidc/sign-in/existing-account", test_sign_in_existing_account);
  g_test_add_func ("/oidc/sign-in/name-fallbacks", test_sign_in_name_fallbacks);
  g_test_add_func ("/oidc/refusals/token", test_refusals);
  g_test_add_func ("/oidc/refusals/provider-code", test_provider_code_checks);
  g_test_add_func ("/oidc/refusals/redeem", test_redeem_refusals);
  g_test_add_func ("/oidc/refusals/start", test_start_refusals);
  g_test_add_func ("/oidc/refusals/state", test_state_refusals);
  g_test_add_func ("/oidc/refusals/unreachable", test_unreachable);
  g_test_add_func ("/oidc/keys", test_keys);
  g_test_add_func ("/oidc/too-many-flows", test_too_many_flows);

  fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  listener_start ();
  server = start_kithd (NULL, &dir);

  status = g_test_run ();

  stop_kithd (server, g_steal_pointer (&dir));
  MHD_stop_daemon (listener);
  g_free (listener_url);
  kith_fake_oidc_free (fake);
  return status;
}

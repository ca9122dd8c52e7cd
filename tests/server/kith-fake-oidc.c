/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFakeOidc"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <rhonabwy.h>

#include "kith-base64url.h"
#include "kith-fake-oidc.h"

/*
 * The fake provider: GNU libmicrohttpd with a thread of its own (not
 * libsoup's server, which in 3.2 never frees the sockets it accepted), its
 * state behind one mutex. Every connection closes after its answer. Keys
 * are RSA 2048 made with GnuTLS and handed to librhonabwy, which signs the
 * ID tokens.
 */

#define CODE_VALIDITY_US   (5 * G_USEC_PER_SEC * 60)
#define CALLBACK_PATH      "/api/v1/oidc/google/callback"
#define MAX_GRANTS         1000
#define MAX_REQUEST_BODY   (64 * 1024)

/* One request and its answer. */
typedef struct {
  struct MHD_Connection *conn;
  const char            *method;
  GString               *body;          /* a POST's */
  guint                  status;
  char                  *content_type;
  char                  *response;
  char                  *location;
} Exchange;

typedef struct {
  char    *client_id;
  char    *redirect_uri;
  char    *code_challenge;
  char    *nonce;
  char    *sub;
  char    *email;
  gboolean email_verified;
  char    *given_name;
  char    *family_name;
  gint64   expires_at;       /* monotonic, µs */
  gboolean used;
} Grant;

typedef struct {
  jwk_t *private_key;
  jwk_t *public_key;
} Key;

struct _KithFakeOidc
{
  char              *client_id;
  char              *client_secret;
  char              *issuer;
  char              *public_url;

  struct MHD_Daemon *daemon;

  GMutex             mutex;

  /* under the mutex */
  Key                key;           /* the one the JWKS lists */
  Key                stray_key;     /* KITH_FAKE_OIDC_FAULT_UNKNOWN_KID's, made when first needed */
  guint              n_keys;        /* kids handed out so far */
  KithFakeOidcFault  fault;
  gboolean           consent_page;  /* authorize shows a page with Continue */
  char              *sub;
  char              *email;
  gboolean           email_verified;
  char              *given_name;
  char              *family_name;
  GHashTable        *grants;        /* code -> Grant */
  char              *last_code;     /* the last code redeemed */
  char              *token_error;
  guint              n_discovery;
  guint              n_jwks;
  guint              n_authorize;
  guint              n_token;
};

static void
grant_free (Grant *grant)
{
  g_free (grant->client_id);
  g_free (grant->redirect_uri);
  g_free (grant->code_challenge);
  g_free (grant->nonce);
  g_free (grant->sub);
  g_free (grant->email);
  g_free (grant->given_name);
  g_free (grant->family_name);
  g_free (grant);
}

static void
key_clear (Key *key)
{
  g_clear_pointer (&key->private_key, r_jwk_free);
  g_clear_pointer (&key->public_key, r_jwk_free);
}

/* A new RSA key pair, made with GnuTLS, as JWKs with @kid. */
static void
key_make (Key        *key,
          const char *kid)
{
  gnutls_privkey_t privkey = NULL;
  int rc;

  key_clear (key);
  g_assert_cmpint (gnutls_privkey_init (&privkey), ==, GNUTLS_E_SUCCESS);
  rc = gnutls_privkey_generate (privkey, GNUTLS_PK_RSA, 2048, 0);
  g_assert_cmpint (rc, ==, GNUTLS_E_SUCCESS);

  g_assert_cmpint (r_jwk_init (&key->private_key), ==, RHN_OK);
  g_assert_cmpint (r_jwk_init (&key->public_key), ==, RHN_OK);
  g_assert_cmpint (r_jwk_import_from_gnutls_privkey (key->private_key, privkey), ==, RHN_OK);
  g_assert_cmpint (r_jwk_extract_pubkey (key->private_key, key->public_key, 0), ==, RHN_OK);
  for (guint i = 0; i < 2; i++) {
    jwk_t *jwk = i == 0 ? key->private_key : key->public_key;

    r_jwk_set_property_str (jwk, "kid", kid);
    r_jwk_set_property_str (jwk, "alg", "RS256");
    r_jwk_set_property_str (jwk, "use", "sig");
  }
  gnutls_privkey_deinit (privkey);
}

static char *
next_kid (KithFakeOidc *self)
{
  return g_strdup_printf ("fake-key-%u", ++self->n_keys);
}

static char *
random_string (void)
{
  guint8 bytes[24];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = g_random_int_range (0, 256);
  return kith_base64url_encode (bytes, sizeof bytes);
}


static void
respond (Exchange   *ex,
         guint       status,
         const char *content_type,
         char       *body)        /* transfer full */
{
  ex->status = status;
  g_free (ex->content_type);
  ex->content_type = g_strdup (content_type);
  g_free (ex->response);
  ex->response = body;
}

/* Takes @object. */
static void
respond_json (Exchange *ex,
              guint     status,
              json_t   *object)
{
  char *text = json_dumps (object, JSON_COMPACT);

  json_decref (object);
  respond (ex, status, "application/json", g_strdup (text));
  free (text);
}

static void
respond_oauth_error (KithFakeOidc *self,
                     Exchange     *ex,
                     guint         status,
                     const char   *error,
                     const char   *description)
{
  g_free (self->token_error);
  self->token_error = g_strdup (description);
  respond_json (ex, status, json_pack ("{ssss}", "error", error, "error_description", description));
}

static const char *
query (Exchange   *ex,
       const char *name)
{
  return MHD_lookup_connection_value (ex->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- discovery and JWKS ---- */

static void
on_discovery (KithFakeOidc *self,
             Exchange     *ex)
{
  g_autofree char *authorize = g_strconcat (self->issuer, "/authorize", NULL);
  g_autofree char *token = g_strconcat (self->issuer, "/token", NULL);
  g_autofree char *jwks = g_strconcat (self->issuer, "/jwks", NULL);

  g_mutex_lock (&self->mutex);
  self->n_discovery++;
  g_mutex_unlock (&self->mutex);

  respond_json (ex, 200,
                json_pack ("{ss ss ss ss s[s] s[s] s[s]}",
                           "issuer", self->issuer,
                           "authorization_endpoint", authorize,
                           "token_endpoint", token,
                           "jwks_uri", jwks,
                           "response_types_supported", "code",
                           "id_token_signing_alg_values_supported", "RS256",
                           "code_challenge_methods_supported", "S256"));
}

static void
on_jwks (KithFakeOidc *self,
        Exchange     *ex)
{
  g_autoptr (GString) out = g_string_new ("{\"keys\":[");
  char *key;

  g_mutex_lock (&self->mutex);
  self->n_jwks++;
  key = r_jwk_export_to_json_str (self->key.public_key, 0);
  g_string_append (out, key);
  r_free (key);
  g_string_append (out, "]");
  if (self->fault == KITH_FAKE_OIDC_FAULT_HUGE_JWKS) {
    g_string_append (out, ",\"padding\":\"");
    for (guint i = 0; i < 300 * 1024; i++)
      g_string_append_c (out, 'x');
    g_string_append_c (out, '"');
  }
  g_mutex_unlock (&self->mutex);
  g_string_append (out, "}");
  respond (ex, 200, "application/json", g_string_free (g_steal_pointer (&out), FALSE));
}

/* ---- authorize ---- */

static gboolean
redirect_uri_is_registered (KithFakeOidc *self,
                            const char   *uri)
{
  const char *rest;

  if (self->public_url)
    return g_str_has_prefix (uri, self->public_url) &&
           g_str_equal (uri + strlen (self->public_url), CALLBACK_PATH);
  if (!g_str_has_prefix (uri, "http://127.0.0.1:"))
    return FALSE;
  rest = uri + strlen ("http://127.0.0.1:");
  while (g_ascii_isdigit (*rest))
    rest++;
  return g_str_equal (rest, CALLBACK_PATH);
}

static void
respond_page (Exchange   *ex,
              guint       status,
              const char *sentence)
{
  respond (ex, status, "text/html; charset=utf-8",
           g_strdup_printf ("<!DOCTYPE html><title>Fake provider</title><p>%s</p>", sentence));
}

static void
on_authorize (KithFakeOidc *self,
             Exchange     *ex)
{
  const char *want[] = { "response_type", "client_id", "redirect_uri", "scope", "state",
                         "nonce", "code_challenge", "code_challenge_method" };
  const char *redirect_uri;
  g_autoptr (GString) location = NULL;
  g_autofree char *state = NULL;
  g_autofree char *code = NULL;
  Grant *grant;

  g_mutex_lock (&self->mutex);
  self->n_authorize++;

  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    if (!query (ex, want[i])) {
      g_autofree char *sentence = g_strdup_printf ("The request has no %s.", want[i]);

      respond_page (ex, 400, sentence);
      goto out;
    }
  }
  redirect_uri = query (ex, "redirect_uri");
  if (!g_str_equal (query (ex, "client_id"), self->client_id)) {
    respond_page (ex, 400, "The OAuth client was not found.");
    goto out;
  }
  if (!redirect_uri_is_registered (self, redirect_uri)) {
    respond_page (ex, 400, "The redirect_uri is not registered for this client.");
    goto out;
  }
  if (!g_str_equal (query (ex, "response_type"), "code") ||
      !g_str_equal (query (ex, "code_challenge_method"), "S256") ||
      !strstr (query (ex, "scope"), "openid")) {
    respond_page (ex, 400, "The request is not an OpenID Connect code flow with PKCE.");
    goto out;
  }

  state = g_uri_escape_string (query (ex, "state"), NULL, FALSE);
  location = g_string_new (redirect_uri);
  if (self->fault == KITH_FAKE_OIDC_FAULT_DENIED) {
    g_string_append_printf (location, "?error=access_denied&state=%s", state);
  } else if (self->fault == KITH_FAKE_OIDC_FAULT_REPLAY_CODE && self->last_code) {
    g_string_append_printf (location, "?code=%s&state=%s", self->last_code, state);
  } else {
    if (g_hash_table_size (self->grants) >= MAX_GRANTS)
      g_hash_table_remove_all (self->grants);
    grant = g_new0 (Grant, 1);
    grant->client_id = g_strdup (self->client_id);
    grant->redirect_uri = g_strdup (redirect_uri);
    grant->code_challenge = self->fault == KITH_FAKE_OIDC_FAULT_WRONG_CHALLENGE
                            ? kith_pkce_s256 ("a verifier that the client never had, at least 43 characters")
                            : g_strdup (query (ex, "code_challenge"));
    grant->nonce = g_strdup (query (ex, "nonce"));
    grant->sub = g_strdup (self->sub);
    grant->email = g_strdup (self->email);
    grant->email_verified = self->email_verified;
    grant->given_name = g_strdup (self->given_name);
    grant->family_name = g_strdup (self->family_name);
    grant->expires_at = g_get_monotonic_time () + CODE_VALIDITY_US;
    code = random_string ();
    g_hash_table_insert (self->grants, g_strdup (code), grant);
    g_string_append_printf (location, "?code=%s&state=%s", code, state);
  }
  if (self->consent_page) {
    g_autofree char *href = g_markup_escape_text (location->str, -1);

    respond (ex, 200, "text/html; charset=utf-8",
             g_strdup_printf ("<!DOCTYPE html><html lang=\"en\"><title>Fake provider</title>"
                              "<h1>Sign in to Kith as %s?</h1>"
                              "<p><a id=\"continue\" href=\"%s\">Continue</a></p></html>",
                              self->email, href));
    goto out;
  }
  ex->status = 302;
  ex->location = g_strdup (location->str);
  respond (ex, 302, "text/html", g_strdup ("<p>Redirecting</p>"));

out:
  g_mutex_unlock (&self->mutex);
}

/* ---- token ---- */

/* The client's id and secret: client_secret_basic or client_secret_post. */
static gboolean
client_is_authentic (KithFakeOidc *self,
                     Exchange     *ex,
                     GHashTable   *form)
{
  const char *auth = MHD_lookup_connection_value (ex->conn, MHD_HEADER_KIND, "Authorization");

  if (auth && g_ascii_strncasecmp (auth, "Basic ", 6) == 0) {
    gsize len = 0;
    g_autofree guchar *raw = g_base64_decode (auth + 6, &len);
    g_autofree char *expected = g_strdup_printf ("%s:%s", self->client_id, self->client_secret);

    return raw && len == strlen (expected) && memcmp (raw, expected, len) == 0;
  }
  return g_strcmp0 (g_hash_table_lookup (form, "client_id"), self->client_id) == 0 &&
         g_strcmp0 (g_hash_table_lookup (form, "client_secret"), self->client_secret) == 0;
}

/* The ID token of @grant, as the fault says. */
static char *
sign_id_token (KithFakeOidc *self,
               const Grant  *grant)
{
  jwt_t *jwt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *issuer = NULL;
  g_autofree char *name = NULL;
  const char *audience = grant->client_id;
  const char *nonce = grant->nonce;
  gint64 iat = now;
  gint64 exp = now + 3600;
  jwk_t *signer = self->key.private_key;
  char *serialized;
  char *token;

  switch (self->fault) {
  case KITH_FAKE_OIDC_FAULT_WRONG_AUDIENCE:
    audience = "another-client.apps.example.com";
    break;
  case KITH_FAKE_OIDC_FAULT_WRONG_ISSUER:
    issuer = g_strdup ("https://issuer.example.com");
    break;
  case KITH_FAKE_OIDC_FAULT_EXPIRED:
    iat = now - 4200;
    exp = now - 600;
    break;
  case KITH_FAKE_OIDC_FAULT_ISSUED_IN_FUTURE:
    iat = now + 600;
    exp = now + 4200;
    break;
  case KITH_FAKE_OIDC_FAULT_WRONG_NONCE:
    nonce = "a-nonce-nobody-asked-for";
    break;
  case KITH_FAKE_OIDC_FAULT_UNKNOWN_KID:
    if (!self->stray_key.private_key) {
      g_autofree char *kid = g_strdup_printf ("stray-key-%u", g_random_int ());

      key_make (&self->stray_key, kid);
    }
    signer = self->stray_key.private_key;
    break;
  default:
    break;
  }
  if (!issuer)
    issuer = g_strdup (self->issuer);

  g_assert_cmpint (r_jwt_init (&jwt), ==, RHN_OK);
  r_jwt_set_claim_str_value (jwt, "iss", issuer);
  r_jwt_set_claim_str_value (jwt, "aud", audience);
  r_jwt_set_claim_str_value (jwt, "azp", grant->client_id);
  r_jwt_set_claim_str_value (jwt, "sub", grant->sub);
  r_jwt_set_claim_int_value (jwt, "iat", iat);
  r_jwt_set_claim_int_value (jwt, "exp", exp);
  r_jwt_set_claim_str_value (jwt, "nonce", nonce);
  if (grant->email) {
    r_jwt_set_claim_str_value (jwt, "email", grant->email);
    r_jwt_set_claim_json_t_value (jwt, "email_verified", grant->email_verified ? json_true () : json_false ());
  }
  if (grant->given_name)
    r_jwt_set_claim_str_value (jwt, "given_name", grant->given_name);
  if (grant->family_name)
    r_jwt_set_claim_str_value (jwt, "family_name", grant->family_name);
  name = g_strjoin (" ", grant->given_name ? grant->given_name : "",
                    grant->family_name ? grant->family_name : "", NULL);
  g_strstrip (name);
  if (*name)
    r_jwt_set_claim_str_value (jwt, "name", name);

  if (self->fault == KITH_FAKE_OIDC_FAULT_UNSIGNED) {
    r_jwt_set_sign_alg (jwt, R_JWA_ALG_NONE);
    serialized = r_jwt_serialize_signed_unsecure (jwt, NULL, 0);
  } else {
    r_jwt_set_sign_alg (jwt, R_JWA_ALG_RS256);
    serialized = r_jwt_serialize_signed (jwt, signer, 0);
  }
  r_jwt_free (jwt);
  g_assert_nonnull (serialized);
  token = g_strdup (serialized);
  r_free (serialized);

  if (self->fault == KITH_FAKE_OIDC_FAULT_BAD_SIGNATURE) {
    /* A signature made over other content: one of its bytes changed. */
    char *signature = strrchr (token, '.') + 1;
    gsize middle = strlen (signature) / 2;

    signature[middle] = signature[middle] == 'A' ? 'B' : 'A';
  }
  return token;
}

static void
on_token (KithFakeOidc *self,
         Exchange     *ex)
{
  g_autoptr (GHashTable) form = NULL;
  g_autofree char *id_token = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *challenge = NULL;
  const char *code;
  const char *verifier;
  Grant *grant;

  g_mutex_lock (&self->mutex);
  self->n_token++;

  if (!g_str_equal (ex->method, "POST")) {
    respond_oauth_error (self, ex, 405, "invalid_request", "The token endpoint takes POST");
    goto out;
  }
  if (self->fault == KITH_FAKE_OIDC_FAULT_TOKEN_ERROR) {
    respond (ex, 500, "text/html", g_strdup ("<p>Internal error</p>"));
    goto out;
  }
  form = g_uri_parse_params (ex->body ? ex->body->str : "", -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  if (!form)
    form = g_hash_table_new (g_str_hash, g_str_equal);
  if (!client_is_authentic (self, ex, form)) {
    respond_oauth_error (self, ex, 401, "invalid_client", "The client's id or secret is not right");
    goto out;
  }
  if (g_strcmp0 (g_hash_table_lookup (form, "grant_type"), "authorization_code") != 0) {
    respond_oauth_error (self, ex, 400, "unsupported_grant_type", "Only authorization_code is supported");
    goto out;
  }
  code = g_hash_table_lookup (form, "code");
  grant = code ? g_hash_table_lookup (self->grants, code) : NULL;
  if (!grant || grant->expires_at < g_get_monotonic_time ()) {
    respond_oauth_error (self, ex, 400, "invalid_grant", "The code is unknown or expired");
    goto out;
  }
  if (grant->used) {
    respond_oauth_error (self, ex, 400, "invalid_grant", "The code was already used");
    goto out;
  }
  /* A code is spent by its first redemption, good or bad (RFC 6749, 4.1.2). */
  grant->used = TRUE;
  g_free (self->last_code);
  self->last_code = g_strdup (code);
  if (g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), grant->redirect_uri) != 0) {
    respond_oauth_error (self, ex, 400, "invalid_grant", "The redirect_uri is not the authorization request's");
    goto out;
  }
  verifier = g_hash_table_lookup (form, "code_verifier");
  challenge = verifier ? kith_pkce_s256 (verifier) : NULL;
  if (!challenge || !g_str_equal (challenge, grant->code_challenge)) {
    respond_oauth_error (self, ex, 400, "invalid_grant", "The PKCE code_verifier does not match the code_challenge");
    goto out;
  }

  id_token = sign_id_token (self, grant);
  access_token = random_string ();
  respond_json (ex, 200,
                json_pack ("{ss ss si ss ss}",
                           "access_token", access_token,
                           "token_type", "Bearer",
                           "expires_in", 3599,
                           "scope", "openid email profile",
                           "id_token", id_token));

out:
  g_mutex_unlock (&self->mutex);
}

/* ---- HTTP ---- */

static const struct {
  const char *path;
  void      (*handler) (KithFakeOidc *self, Exchange *ex);
} endpoints[] = {
  { "/.well-known/openid-configuration", on_discovery },
  { "/jwks",                             on_jwks },
  { "/authorize",                        on_authorize },
  { "/token",                            on_token },
};

static void
exchange_free (Exchange *ex)
{
  if (ex->body)
    g_string_free (ex->body, TRUE);
  g_free (ex->content_type);
  g_free (ex->response);
  g_free (ex->location);
  g_free (ex);
}

static void
on_completed (void                            *cls,
              struct MHD_Connection           *conn,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  g_clear_pointer ((Exchange **) con_cls, exchange_free);
}

static enum MHD_Result
on_access (void                  *cls,
           struct MHD_Connection *conn,
           const char            *url,
           const char            *method,
           const char            *version,
           const char            *upload_data,
           size_t                *upload_data_size,
           void                 **con_cls)
{
  KithFakeOidc *self = cls;
  Exchange *ex = *con_cls;
  struct MHD_Response *response;
  enum MHD_Result ret;

  if (!ex) {
    ex = g_new0 (Exchange, 1);
    ex->conn = conn;
    ex->method = method;
    *con_cls = ex;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (!ex->body)
      ex->body = g_string_new (NULL);
    if (ex->body->len + *upload_data_size <= MAX_REQUEST_BODY)
      g_string_append_len (ex->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }

  respond (ex, 404, "text/plain", g_strdup ("Not found"));
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++) {
    if (g_str_equal (url, endpoints[i].path)) {
      endpoints[i].handler (self, ex);
      break;
    }
  }
  response = MHD_create_response_from_buffer (strlen (ex->response), ex->response, MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header (response, "Content-Type", ex->content_type);
  MHD_add_response_header (response, "Cache-Control", "no-store");
  MHD_add_response_header (response, "Connection", "close");
  if (ex->location)
    MHD_add_response_header (response, "Location", ex->location);
  ret = MHD_queue_response (conn, ex->status, response);
  MHD_destroy_response (response);
  return ret;
}

/* ---- public API ---- */

KithFakeOidc *
kith_fake_oidc_new (const char *client_id,
                    const char *client_secret)
{
  KithFakeOidc *self = g_new0 (KithFakeOidc, 1);
  g_autofree char *kid = NULL;

  g_mutex_init (&self->mutex);
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
  self->grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
  kid = next_kid (self);
  key_make (&self->key, kid);
  kith_fake_oidc_set_user (self, "fake-sub-1", "ada@example.com", TRUE, "Ada", "Lovelace");

  {
    struct sockaddr_in address = { 0 };
    const union MHD_DaemonInfo *info;

    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    self->daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
                                     NULL, NULL, on_access, self,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, self,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 30,
                                     MHD_OPTION_END);
    if (!self->daemon)
      g_error ("The fake OIDC provider cannot listen on 127.0.0.1");
    info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->issuer = g_strdup_printf ("http://127.0.0.1:%u", info->port);
  }
  return self;
}

const char *
kith_fake_oidc_get_issuer (KithFakeOidc *self)
{
  return self->issuer;
}

void
kith_fake_oidc_set_consent_page (KithFakeOidc *self,
                                 gboolean      consent_page)
{
  g_mutex_lock (&self->mutex);
  self->consent_page = consent_page;
  g_mutex_unlock (&self->mutex);
}

void
kith_fake_oidc_set_issuer_host (KithFakeOidc *self,
                                const char   *host)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);

  g_free (self->issuer);
  self->issuer = g_strdup_printf ("http://%s:%u", host, info->port);
}

void
kith_fake_oidc_set_user (KithFakeOidc *self,
                         const char   *sub,
                         const char   *email,
                         gboolean      email_verified,
                         const char   *given_name,
                         const char   *family_name)
{
  g_mutex_lock (&self->mutex);
  g_free (self->sub);
  g_free (self->email);
  g_free (self->given_name);
  g_free (self->family_name);
  self->sub = g_strdup (sub);
  self->email = g_strdup (email);
  self->email_verified = email_verified;
  self->given_name = g_strdup (given_name);
  self->family_name = g_strdup (family_name);
  g_mutex_unlock (&self->mutex);
}

void
kith_fake_oidc_set_fault (KithFakeOidc      *self,
                          KithFakeOidcFault  fault)
{
  g_mutex_lock (&self->mutex);
  self->fault = fault;
  g_mutex_unlock (&self->mutex);
}

void
kith_fake_oidc_rotate_key (KithFakeOidc *self)
{
  g_autofree char *kid = NULL;
  Key key = { NULL, NULL };

  g_mutex_lock (&self->mutex);
  kid = next_kid (self);
  g_mutex_unlock (&self->mutex);

  /* Made outside the lock: it takes a moment. */
  key_make (&key, kid);

  g_mutex_lock (&self->mutex);
  key_clear (&self->key);
  self->key = key;
  g_mutex_unlock (&self->mutex);
}

guint
kith_fake_oidc_get_n_requests (KithFakeOidc *self,
                               const char   *endpoint)
{
  guint n = 0;

  g_mutex_lock (&self->mutex);
  if (g_str_equal (endpoint, "discovery"))
    n = self->n_discovery;
  else if (g_str_equal (endpoint, "jwks"))
    n = self->n_jwks;
  else if (g_str_equal (endpoint, "authorize"))
    n = self->n_authorize;
  else if (g_str_equal (endpoint, "token"))
    n = self->n_token;
  else
    g_assert_not_reached ();
  g_mutex_unlock (&self->mutex);
  return n;
}

char *
kith_fake_oidc_get_token_error (KithFakeOidc *self)
{
  char *error;

  g_mutex_lock (&self->mutex);
  error = g_strdup (self->token_error);
  g_mutex_unlock (&self->mutex);
  return error;
}

char *
kith_fake_oidc_write_config (KithFakeOidc *self,
                             const char   *public_url_or_null)
{
  GString *out = g_string_new (NULL);

  g_mutex_lock (&self->mutex);
  g_free (self->public_url);
  self->public_url = g_strdup (public_url_or_null);
  g_mutex_unlock (&self->mutex);

  if (public_url_or_null)
    g_string_append_printf (out, "[server]\npublic-url=%s\n\n", public_url_or_null);
  g_string_append_printf (out,
                          "[oidc:google]\n"
                          "name=Google\n"
                          "issuer=%s\n"
                          "client-id=%s\n"
                          "client-secret=%s\n",
                          self->issuer, self->client_id, self->client_secret);
  return g_string_free (out, FALSE);
}

void
kith_fake_oidc_free (KithFakeOidc *self)
{
  if (!self)
    return;
  MHD_stop_daemon (self->daemon);
  key_clear (&self->key);
  key_clear (&self->stray_key);
  g_hash_table_unref (self->grants);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_free (self->issuer);
  g_free (self->public_url);
  g_free (self->sub);
  g_free (self->email);
  g_free (self->given_name);
  g_free (self->family_name);
  g_free (self->last_code);
  g_free (self->token_error);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

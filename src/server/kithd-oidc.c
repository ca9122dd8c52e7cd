/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdOidc"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kith-base64url.h"
#include "kith-limits.h"
#include "kith-text-rules.h"
#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-oidc-private.h"

/*
 * KithdOidc: the pending flows (by kithd's own state), the one-time codes
 * (by their SHA-256), start, callback and redeem. The providers' documents
 * and keys are kithd-oidc-provider.c's, the ID token kithd-oidc-token.c's.
 *
 * Nothing secret goes to the log: no code, no token, no verifier, no client
 * secret; a failure is logged with the provider's id and what was wrong.
 */

#define MAX_REDIRECT_URI_BYTES 512
#define MAX_STATE_BYTES        128
#define CHALLENGE_BYTES        43

/* What a callback that failed tells the client (error=…), with a sentence
 * in English (error_description; the client shows its own for the code). */
typedef enum {
  OUTCOME_ACCESS_DENIED,
  OUTCOME_EMAIL_NOT_VERIFIED,
  OUTCOME_INVALID_TOKEN,
  OUTCOME_SERVER_ERROR,
} Outcome;

static const struct {
  const char *code;
  const char *sentence;    /* %s: the provider's name */
} outcomes[] = {
  [OUTCOME_ACCESS_DENIED]      = { "access_denied",      "The sign-in was cancelled at %s." },
  [OUTCOME_EMAIL_NOT_VERIFIED] = { "email_not_verified", "%s has not verified the email address of this account." },
  [OUTCOME_INVALID_TOKEN]      = { "invalid_token",      "The answer from %s could not be verified." },
  [OUTCOME_SERVER_ERROR]       = { "server_error",       "%s could not be reached or gave an answer Kith cannot use." },
};

/* A sign-in between start and callback. */
typedef struct {
  KithdOidcProvider *provider;      /* borrowed: lives as long as KithdOidc */
  char              *state;         /* kithd's own, sent to the provider */
  char              *nonce;
  char              *verifier;      /* kithd's PKCE verifier */
  char              *redirect_uri;  /* the client's R */
  char              *challenge;     /* the client's C */
  char              *client_state;  /* the client's S */
  char              *address_key;
  gint64             expires_at;    /* kithd's clock, ms */
} Flow;

/* A one-time code between callback and redeem. */
typedef struct {
  char   *redirect_uri;
  char   *challenge;
  gint64  user_id;
  gint64  expires_at;
} Grant;

struct _KithdOidc
{
  GObject            parent_instance;

  const KithdConfig *config;
  KithdDb           *db;
  SoupSession       *session;
  GHashTable        *providers;          /* id -> KithdOidcProvider */
  GHashTable        *flows;              /* kithd's state -> Flow */
  GHashTable        *flows_per_address;  /* address key -> count */
  GHashTable        *codes;              /* SHA-256 of the code, hex -> Grant */
};

G_DEFINE_FINAL_TYPE (KithdOidc, kithd_oidc, G_TYPE_OBJECT)

G_DEFINE_QUARK (kithd-oidc-error-quark, kithd_oidc_error)

static void
flow_free (Flow *flow)
{
  g_free (flow->state);
  g_free (flow->nonce);
  if (flow->verifier)
    explicit_bzero (flow->verifier, strlen (flow->verifier));
  g_free (flow->verifier);
  g_free (flow->redirect_uri);
  g_free (flow->challenge);
  g_free (flow->client_state);
  g_free (flow->address_key);
  g_free (flow);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Flow, flow_free)

static void
grant_free (Grant *grant)
{
  g_free (grant->redirect_uri);
  g_free (grant->challenge);
  g_free (grant);
}

/* ---- checks of what a client sends ---- */

static gboolean
is_unreserved (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static gboolean
state_is_valid (const char *state)
{
  gsize len = state ? strlen (state) : 0;

  if (len < 1 || len > MAX_STATE_BYTES)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!is_unreserved (state[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
challenge_is_valid (const char *challenge)
{
  if (!challenge || strlen (challenge) != CHALLENGE_BYTES)
    return FALSE;
  for (gsize i = 0; i < CHALLENGE_BYTES; i++) {
    if (!g_ascii_isalnum (challenge[i]) && challenge[i] != '-' && challenge[i] != '_')
      return FALSE;
  }
  return TRUE;
}

/* A loopback redirect (RFC 8252, 7.3): http://127.0.0.1:PORT/PATH or
 * http://[::1]:PORT/PATH, any port, any path, no query, no fragment; or
 * exactly kithd's own page. Printable ASCII only. */
static gboolean
redirect_uri_is_allowed (KithdOidc  *self,
                         const char *uri)
{
  g_autofree char *own = NULL;
  g_autoptr (GUri) parsed = NULL;
  gsize len = uri ? strlen (uri) : 0;
  const char *host;

  if (len == 0 || len > MAX_REDIRECT_URI_BYTES)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (uri[i] <= ' ' || uri[i] >= 0x7f || uri[i] == '"' || uri[i] == '<' || uri[i] == '>' ||
        uri[i] == '\\')
      return FALSE;
  }
  own = kithd_oidc_web_redirect_uri (self);
  if (g_str_equal (uri, own))
    return TRUE;

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (!parsed || !g_str_equal (g_uri_get_scheme (parsed), "http") ||
      g_uri_get_userinfo (parsed) || g_uri_get_query (parsed) || g_uri_get_fragment (parsed) ||
      strchr (uri, '#') || strchr (uri, '?') ||
      g_uri_get_port (parsed) <= 0 || !g_str_has_prefix (g_uri_get_path (parsed), "/"))
    return FALSE;
  host = g_uri_get_host (parsed);
  return g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1");
}

/* ---- bookkeeping ---- */

static void
count_address (KithdOidc  *self,
               const char *address_key,
               int         delta)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->flows_per_address, address_key)) + delta;

  if (n == 0)
    g_hash_table_remove (self->flows_per_address, address_key);
  else
    g_hash_table_insert (self->flows_per_address, g_strdup (address_key), GUINT_TO_POINTER (n));
}

/* Takes the flow of @state out of the table (NULL: none). */
static Flow *
steal_flow (KithdOidc  *self,
            const char *state)
{
  gpointer key = NULL;
  gpointer value = NULL;
  Flow *flow;

  if (!g_hash_table_steal_extended (self->flows, state, &key, &value))
    return NULL;
  flow = value;
  count_address (self, flow->address_key, -1);
  return flow;
}

/* Drops expired flows and codes: at most a thousand of each to look at. */
static void
sweep (KithdOidc *self,
       gint64     now)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GPtrArray) expired = g_ptr_array_new_with_free_func ((GDestroyNotify) flow_free);

  g_hash_table_iter_init (&iter, self->flows);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Flow *flow = value;

    if (flow->expires_at <= now) {
      count_address (self, flow->address_key, -1);
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (expired, flow);
    }
  }
  g_hash_table_iter_init (&iter, self->codes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (((Grant *) value)->expires_at <= now)
      g_hash_table_iter_remove (&iter);
  }
}

static void
append_param (GString    *out,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_c (out, strchr (out->str, '?') ? '&' : '?');
  g_string_append (out, name);
  g_string_append_c (out, '=');
  g_string_append (out, escaped);
}

/* The provider of @provider_id; NULL (and @task answered) when there is none. */
static KithdOidcProvider *
task_provider (KithdOidc  *self,
               const char *provider_id,
               GTask      *task)
{
  KithdOidcProvider *provider = provider_id ? g_hash_table_lookup (self->providers, provider_id) : NULL;

  if (!provider)
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_UNKNOWN_PROVIDER,
                             "This server does not sign in with this provider.");
  return provider;
}

/* What start and callback hand their caller: a URL. */
static char *
propagate_url (KithdOidc     *self,
               GAsyncResult  *result,
               gpointer       source_tag,
               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
callback_url (KithdOidc         *self,
              KithdOidcProvider *provider)
{
  return g_strdup_printf ("%s/api/v1/oidc/%s/callback", self->config->public_url,
                          kithd_oidc_provider_get_config (provider)->id);
}

/* ---- start ---- */

typedef struct {
  KithdOidcProvider *provider;
  char              *address_key;
  char              *redirect_uri;
  char              *challenge;
  char              *client_state;
} StartCall;

static void
start_call_free (StartCall *call)
{
  g_free (call->address_key);
  g_free (call->redirect_uri);
  g_free (call->challenge);
  g_free (call->client_state);
  g_free (call);
}

static void
on_start_discovered (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithdOidc *self = g_task_get_source_object (task);
  StartCall *call = g_task_get_task_data (task);
  const KithdOidcProviderConfig *config = kithd_oidc_provider_get_config (call->provider);
  g_autoptr (GString) url = NULL;
  g_autofree char *callback = NULL;
  g_autofree char *challenge = NULL;
  gint64 now = kithd_clock_now_ms ();
  Flow *flow;

  if (!kithd_oidc_provider_discover_finish (call->provider, result, NULL)) {
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_UNREACHABLE,
                             "%s cannot be reached right now. Please try again in a few minutes.",
                             config->name);
    return;
  }

  sweep (self, now);
  if (g_hash_table_size (self->flows) >= KITHD_OIDC_MAX_FLOWS ||
      GPOINTER_TO_UINT (g_hash_table_lookup (self->flows_per_address, call->address_key)) >=
      KITHD_OIDC_MAX_FLOWS_PER_ADDRESS) {
    g_message ("OIDC %s: too many sign-ins in progress (%u)", config->id, g_hash_table_size (self->flows));
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_BUSY,
                             "Too many sign-ins are in progress. Please try again in a few minutes.");
    return;
  }

  flow = g_new0 (Flow, 1);
  flow->provider = call->provider;
  flow->state = kithd_crypto_new_token ();
  flow->nonce = kithd_crypto_new_token ();
  flow->verifier = kithd_crypto_new_token ();
  flow->redirect_uri = g_steal_pointer (&call->redirect_uri);
  flow->challenge = g_steal_pointer (&call->challenge);
  flow->client_state = g_steal_pointer (&call->client_state);
  flow->address_key = g_strdup (call->address_key);
  flow->expires_at = now + KITHD_OIDC_FLOW_VALIDITY_MS;
  g_hash_table_insert (self->flows, flow->state, flow);
  count_address (self, flow->address_key, +1);

  callback = callback_url (self, call->provider);
  challenge = kith_pkce_s256 (flow->verifier);
  url = g_string_new (kithd_oidc_provider_get_authorization_endpoint (call->provider));
  append_param (url, "response_type", "code");
  append_param (url, "client_id", config->client_id);
  append_param (url, "redirect_uri", callback);
  append_param (url, "scope", "openid email profile");
  append_param (url, "state", flow->state);
  append_param (url, "nonce", flow->nonce);
  append_param (url, "code_challenge", challenge);
  append_param (url, "code_challenge_method", "S256");
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&url), FALSE), g_free);
}

void
kithd_oidc_start_async (KithdOidc           *self,
                        const char          *provider_id,
                        const char          *address_key,
                        const char          *redirect_uri,
                        const char          *code_challenge,
                        const char          *code_challenge_method,
                        const char          *state,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  KithdOidcProvider *provider = NULL;
  StartCall *call;

  g_task_set_source_tag (task, kithd_oidc_start_async);
  provider = task_provider (self, provider_id, task);
  if (!provider)
    return;
  /* The redirect_uri is not trusted until it passes: no redirect before. */
  if (!redirect_uri_is_allowed (self, redirect_uri)) {
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_BAD_REQUEST,
                             "The redirect_uri must be http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH "
                             "(no query, at most %d characters), or this server’s own sign-in page.",
                             MAX_REDIRECT_URI_BYTES);
    return;
  }
  if (g_strcmp0 (code_challenge_method, "S256") != 0 || !challenge_is_valid (code_challenge)) {
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_BAD_REQUEST,
                             "The code_challenge must be the S256 of the client’s verifier "
                             "(43 characters of base64url), with code_challenge_method=S256.");
    return;
  }
  if (!state_is_valid (state)) {
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_BAD_REQUEST,
                             "The state must be 1 to %d characters of A-Z, a-z, 0-9 and “-._~”.",
                             MAX_STATE_BYTES);
    return;
  }

  call = g_new0 (StartCall, 1);
  call->provider = provider;
  call->address_key = g_strdup (address_key);
  call->redirect_uri = g_strdup (redirect_uri);
  call->challenge = g_strdup (code_challenge);
  call->client_state = g_strdup (state);
  g_task_set_task_data (task, call, (GDestroyNotify) start_call_free);
  kithd_oidc_provider_discover_async (provider, on_start_discovered, g_steal_pointer (&task));
}

char *
kithd_oidc_start_finish (KithdOidc     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return propagate_url (self, result, kithd_oidc_start_async, error);
}

/* ---- callback ---- */

typedef struct {
  Flow              *flow;
  char              *id_token;
  gboolean           refreshed;   /* the keys were fetched again for this token */
} CallbackCall;

static void
callback_call_free (CallbackCall *call)
{
  g_clear_pointer (&call->flow, flow_free);
  g_free (call->id_token);
  g_free (call);
}

/* The flow ends in a failure: back to the client with @outcome. */
static void
callback_fail (GTask   *task,
               Outcome  outcome)
{
  CallbackCall *call = g_task_get_task_data (task);
  const KithdOidcProviderConfig *config = kithd_oidc_provider_get_config (call->flow->provider);
  g_autoptr (GString) location = g_string_new (call->flow->redirect_uri);
  g_autofree char *sentence = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  sentence = g_strdup_printf (outcomes[outcome].sentence, config->name);
#pragma GCC diagnostic pop
  append_param (location, "error", outcomes[outcome].code);
  append_param (location, "error_description", sentence);
  append_param (location, "state", call->flow->client_state);
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&location), FALSE), g_free);
}

/* Names for a new account: given and family name; else the whole name;
 * else the email's local part. One line each, at most KITH_MAX_NAME_BYTES. */
static char *
clean_name (const char *name)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (!name)
    return NULL;
  for (const char *p = name; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    char buf[6];
    int n;

    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
      c = ' ';
    n = g_unichar_to_utf8 (c, buf);
    if (out->len + n > KITH_MAX_NAME_BYTES)
      break;
    g_string_append_len (out, buf, n);
  }
  g_strstrip (out->str);
  return *out->str ? g_strdup (out->str) : NULL;
}

static void
names_of (const KithdOidcIdentity  *identity,
          char                    **first,
          char                    **last)
{
  *first = clean_name (identity->given_name);
  *last = clean_name (identity->family_name);
  if (!*first && !*last)
    *first = clean_name (identity->name);
  if (!*first && !*last) {
    g_autofree char *local = g_strndup (identity->email, strchr (identity->email, '@') - identity->email);

    *first = clean_name (local);
  }
  if (!*first)
    *first = g_strdup ("");
  if (!*last)
    *last = g_strdup ("");
}

static void
on_account (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithdOidc *self = g_task_get_source_object (task);
  CallbackCall *call = g_task_get_task_data (task);
  const KithdOidcProviderConfig *config = kithd_oidc_provider_get_config (call->flow->provider);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = kithd_db_oidc_account_finish (KITHD_DB (source), result, &error);
  g_autoptr (GString) location = NULL;
  g_autofree char *code = NULL;
  Grant *grant;

  if (!user) {
    g_message ("OIDC %s: cannot sign the account in: %s", config->id, error->message);
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }
  sweep (self, kithd_clock_now_ms ());
  if (g_hash_table_size (self->codes) >= KITHD_OIDC_MAX_CODES) {
    g_message ("OIDC %s: too many sign-in codes waiting to be redeemed (%u)", config->id,
               g_hash_table_size (self->codes));
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }

  code = kithd_crypto_new_token ();
  grant = g_new0 (Grant, 1);
  grant->redirect_uri = g_strdup (call->flow->redirect_uri);
  grant->challenge = g_strdup (call->flow->challenge);
  grant->user_id = user->id;
  grant->expires_at = kithd_clock_now_ms () + KITHD_OIDC_CODE_VALIDITY_MS;
  g_hash_table_insert (self->codes, kithd_crypto_token_hash (code), grant);
  g_debug ("OIDC %s: user %" G_GINT64_FORMAT " signed in", config->id, user->id);

  location = g_string_new (call->flow->redirect_uri);
  append_param (location, "code", code);
  append_param (location, "state", call->flow->client_state);
  explicit_bzero (code, strlen (code));
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&location), FALSE), g_free);
}

static void verify_with_keys (GTask *task, gboolean refresh);

static void
on_keys (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithdOidc *self = g_task_get_source_object (task);
  CallbackCall *call = g_task_get_task_data (task);
  KithdOidcProvider *provider = call->flow->provider;
  const KithdOidcProviderConfig *config = kithd_oidc_provider_get_config (provider);
  g_autoptr (KithdOidcIdentity) identity = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *email = NULL;
  gboolean unknown_kid = FALSE;
  gboolean fetched = FALSE;
  KithdOidcKeys *keys;

  keys = kithd_oidc_provider_get_keys_finish (provider, result, &fetched, NULL);
  if (!keys) {
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }
  identity = kithd_oidc_verify_id_token (call->id_token, keys, config->issuer, config->client_id,
                                         call->flow->nonce, kithd_clock_now_ms () / 1000,
                                         &unknown_kid, &error);
  if (!identity && unknown_kid && !fetched && !call->refreshed) {
    /* The provider may have rotated its keys: fetch them once more (at
     * most once a minute). */
    call->refreshed = TRUE;
    verify_with_keys (g_steal_pointer (&task), TRUE);
    return;
  }
  if (!identity) {
    g_message ("OIDC %s: ID token refused: %s", config->id, error->message);
    callback_fail (task, OUTCOME_INVALID_TOKEN);
    return;
  }
  if (!identity->email || !identity->email_verified) {
    g_message ("OIDC %s: the provider has not verified the account's email", config->id);
    callback_fail (task, OUTCOME_EMAIL_NOT_VERIFIED);
    return;
  }
  email = g_strstrip (g_strdup (identity->email));
  if (!kith_email_is_valid (email)) {
    g_message ("OIDC %s: the ID token's email is not an address Kith can use", config->id);
    callback_fail (task, OUTCOME_INVALID_TOKEN);
    return;
  }
  g_free (identity->email);
  identity->email = g_steal_pointer (&email);

  names_of (identity, &first, &last);
  kithd_db_oidc_account_async (self->db, identity->email, first, last, kithd_clock_now_ms (),
                               NULL, on_account, g_steal_pointer (&task));
}

static void
verify_with_keys (GTask    *task,
                  gboolean  refresh)
{
  CallbackCall *call = g_task_get_task_data (task);

  kithd_oidc_provider_get_keys_async (call->flow->provider, refresh, on_keys, task);
}

static char *
id_token_of (GBytes  *data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonNode *node;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (object, "id_token");
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/* The OAuth error of a refusal ("invalid_grant"), for the log: a word
 * from a fixed set, nothing the provider wrote at length. */
static const char *
oauth_error_of (GBytes *data)
{
  static const char * const known[] = { "invalid_request", "invalid_client", "invalid_grant",
                                        "unauthorized_client", "unsupported_grant_type",
                                        "invalid_scope", NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *node;

  if (!data ||
      !json_parser_load_from_data (parser, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return "no OAuth error";
  node = json_object_get_member (json_node_get_object (json_parser_get_root (parser)), "error");
  for (guint i = 0; node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
       known[i]; i++) {
    if (g_str_equal (json_node_get_string (node), known[i]))
      return known[i];
  }
  return "an unknown OAuth error";
}

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CallbackCall *call = g_task_get_task_data (task);
  const KithdOidcProviderConfig *config = kithd_oidc_provider_get_config (call->flow->provider);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;
  guint status = 0;

  data = kithd_oidc_fetch_finish (result, &status, &error);
  if (!data) {
    g_message ("OIDC %s: the token endpoint cannot be reached: %s", config->id, error->message);
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }
  if (status != 200) {
    g_message ("OIDC %s: the token endpoint refused the code: HTTP %u, %s", config->id, status,
               oauth_error_of (data));
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }
  call->id_token = id_token_of (data);
  if (!call->id_token) {
    g_message ("OIDC %s: the token endpoint's answer has no ID token", config->id);
    callback_fail (task, OUTCOME_SERVER_ERROR);
    return;
  }
  verify_with_keys (g_steal_pointer (&task), FALSE);
}

void
kithd_oidc_callback_async (KithdOidc           *self,
                           const char          *provider_id,
                           const char          *code,
                           const char          *error_code,
                           const char          *state,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  KithdOidcProvider *provider = NULL;
  const KithdOidcProviderConfig *config;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) form = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *body = NULL;
  CallbackCall *call;
  Flow *flow;

  g_task_set_source_tag (task, kithd_oidc_callback_async);
  provider = task_provider (self, provider_id, task);
  if (!provider)
    return;
  config = kithd_oidc_provider_get_config (provider);

  /* The state is spent by its first callback, whatever comes of it. */
  flow = state ? steal_flow (self, state) : NULL;
  if (flow && (flow->provider != provider || flow->expires_at <= kithd_clock_now_ms ()))
    g_clear_pointer (&flow, flow_free);
  if (!flow) {
    g_task_return_new_error (task, KITHD_OIDC_ERROR, KITHD_OIDC_ERROR_EXPIRED,
                             "This sign-in has expired or was already used. Start again from Kith.");
    return;
  }

  call = g_new0 (CallbackCall, 1);
  call->flow = flow;
  g_task_set_task_data (task, call, (GDestroyNotify) callback_call_free);

  if (error_code || !code || !*code) {
    gboolean denied = g_strcmp0 (error_code, "access_denied") == 0;

    g_message ("OIDC %s: the provider answered %s", config->id,
               denied ? "access_denied" : error_code ? "an error" : "without a code");
    callback_fail (task, denied ? OUTCOME_ACCESS_DENIED : OUTCOME_SERVER_ERROR);
    return;
  }

  /* client_secret_post (RFC 6749, 2.3.1), with kithd's PKCE verifier. */
  redirect = callback_url (self, provider);
  body = soup_form_encode ("grant_type", "authorization_code",
                           "code", code,
                           "redirect_uri", redirect,
                           "code_verifier", flow->verifier,
                           "client_id", config->client_id,
                           "client_secret", config->client_secret,
                           NULL);
  form = g_bytes_new_take (body, strlen (body));
  body = NULL;
  msg = soup_message_new ("POST", kithd_oidc_provider_get_token_endpoint (provider));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", form);
  kithd_oidc_fetch_async (self->session, msg, NULL, on_token, g_steal_pointer (&task));
}

char *
kithd_oidc_callback_finish (KithdOidc     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return propagate_url (self, result, kithd_oidc_callback_async, error);
}

/* ---- GObject ---- */

static void
kithd_oidc_dispose (GObject *object)
{
  KithdOidc *self = (KithdOidc *) object;

  if (self->session)
    soup_session_abort (self->session);
  g_clear_pointer (&self->providers, g_hash_table_unref);
  g_clear_object (&self->session);
  g_clear_pointer (&self->flows, g_hash_table_unref);
  g_clear_pointer (&self->flows_per_address, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);

  G_OBJECT_CLASS (kithd_oidc_parent_class)->dispose (object);
}

static void
kithd_oidc_class_init (KithdOidcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kithd_oidc_dispose;
}

static void
kithd_oidc_init (KithdOidc *self)
{
  self->providers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) kithd_oidc_provider_free);
  self->flows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) flow_free);
  self->flows_per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
}

/* ---- public API ---- */

KithdOidc *
kithd_oidc_new (const KithdConfig *config,
                KithdDb           *db)
{
  KithdOidc *self = g_object_new (KITHD_TYPE_OIDC, NULL);

  self->config = config;
  self->db = db;
  self->session = soup_session_new_with_options ("user-agent", "kithd/" PACKAGE_VERSION,
                                                 "timeout", KITHD_OIDC_FETCH_TIMEOUT_MS / 1000,
                                                 "idle-timeout", 60,
                                                 NULL);
  for (guint i = 0; i < config->oidc_providers->len; i++) {
    const KithdOidcProviderConfig *provider = config->oidc_providers->pdata[i];

    g_hash_table_insert (self->providers, provider->id, kithd_oidc_provider_new (provider, self->session));
  }
  return self;
}

gboolean
kithd_oidc_has_provider (KithdOidc  *self,
                         const char *provider_id)
{
  g_return_val_if_fail (KITHD_IS_OIDC (self), FALSE);

  return provider_id && g_hash_table_contains (self->providers, provider_id);
}

const char *
kithd_oidc_get_provider_name (KithdOidc  *self,
                              const char *provider_id)
{
  KithdOidcProvider *provider;

  g_return_val_if_fail (KITHD_IS_OIDC (self), NULL);

  provider = provider_id ? g_hash_table_lookup (self->providers, provider_id) : NULL;
  return provider ? kithd_oidc_provider_get_config (provider)->name : NULL;
}

char *
kithd_oidc_web_redirect_uri (KithdOidc *self)
{
  return g_strconcat (self->config->public_url, KITHD_OIDC_WEB_REDIRECT_PATH, NULL);
}

gboolean
kithd_oidc_redeem (KithdOidc   *self,
                   const char  *code,
                   const char  *verifier,
                   const char  *redirect_uri,
                   gint64      *user_id,
                   GError     **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *challenge = NULL;
  gpointer key = NULL;
  gpointer value = NULL;
  Grant *grant;
  gboolean ok;

  g_return_val_if_fail (KITHD_IS_OIDC (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  *user_id = 0;
  hash = code ? kithd_crypto_token_hash (code) : NULL;
  if (!hash || !g_hash_table_steal_extended (self->codes, hash, &key, &value)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_OIDC_CODE,
                         "This sign-in has expired; sign in again");
    return FALSE;
  }
  /* Spent now, whatever comes of it: a wrong verifier cannot be tried again. */
  g_free (key);
  grant = value;
  challenge = verifier ? kith_pkce_s256 (verifier) : NULL;
  ok = grant->expires_at > kithd_clock_now_ms () &&
       challenge && kithd_crypto_equal (challenge, grant->challenge) &&
       g_strcmp0 (redirect_uri, grant->redirect_uri) == 0;
  if (ok)
    *user_id = grant->user_id;
  grant_free (grant);
  if (!ok) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_OIDC_CODE,
                         "This sign-in has expired; sign in again");
    return FALSE;
  }
  return TRUE;
}

guint
kithd_oidc_get_n_flows (KithdOidc *self)
{
  g_return_val_if_fail (KITHD_IS_OIDC (self), 0);

  return g_hash_table_size (self->flows);
}

guint
kithd_oidc_get_n_codes (KithdOidc *self)
{
  g_return_val_if_fail (KITHD_IS_OIDC (self), 0);

  return g_hash_table_size (self->codes);
}


/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdOidc"

#include "config.h"

#include <json-glib/json-glib.h>

#include "kithd-oidc-private.h"

/*
 * A provider at run time: its discovery document (ISSUER/.well-known/
 * openid-configuration, cached an hour) and its JWKS (cached; fetched again
 * for an unknown kid, at most once a minute). Requests that need one while
 * it is being fetched wait for that fetch: one fetch per provider at a
 * time, however many sign-ins start at once.
 */

#define DISCOVERY_CACHE_MS (60 * 60 * 1000)

struct _KithdOidcProvider
{
  const KithdOidcProviderConfig *config;
  SoupSession                   *session;

  char          *authorization_endpoint;
  char          *token_endpoint;
  char          *jwks_uri;
  gint64         discovered_at;       /* kithd's clock, ms; 0: never */
  GPtrArray     *discovery_waiters;   /* GTask; non-NULL while fetching */

  KithdOidcKeys *keys;
  gint64         keys_fetched_at;     /* kithd's clock, ms; 0: never */
  GPtrArray     *keys_waiters;        /* GTask; non-NULL while fetching */
};

KithdOidcProvider *
kithd_oidc_provider_new (const KithdOidcProviderConfig *config,
                         SoupSession                   *session)
{
  KithdOidcProvider *self = g_new0 (KithdOidcProvider, 1);

  self->config = config;
  self->session = g_object_ref (session);
  return self;
}

void
kithd_oidc_provider_free (KithdOidcProvider *self)
{
  if (!self)
    return;
  /* Nobody waits at shutdown: the session's requests are cancelled with it. */
  g_assert (!self->discovery_waiters && !self->keys_waiters);
  g_clear_object (&self->session);
  g_free (self->authorization_endpoint);
  g_free (self->token_endpoint);
  g_free (self->jwks_uri);
  g_clear_pointer (&self->keys, kithd_oidc_keys_free);
  g_free (self);
}

const KithdOidcProviderConfig *
kithd_oidc_provider_get_config (KithdOidcProvider *self)
{
  return self->config;
}

const char *
kithd_oidc_provider_get_authorization_endpoint (KithdOidcProvider *self)
{
  return self->authorization_endpoint;
}

const char *
kithd_oidc_provider_get_token_endpoint (KithdOidcProvider *self)
{
  return self->token_endpoint;
}

/* Every waiter gets @error (NULL: success). */
static void
wake (GPtrArray    **waiters,
      const GError  *error)
{
  g_autoptr (GPtrArray) tasks = g_steal_pointer (waiters);

  for (guint i = 0; i < tasks->len; i++) {
    GTask *task = tasks->pdata[i];

    if (error)
      g_task_return_error (task, g_error_copy (error));
    else
      g_task_return_boolean (task, TRUE);
  }
}

/* ---- discovery ---- */

static char *
endpoint_of (JsonObject  *doc,
             const char  *member,
             GError     **error)
{
  const char *url = json_object_has_member (doc, member) &&
                    JSON_NODE_HOLDS_VALUE (json_object_get_member (doc, member)) &&
                    json_node_get_value_type (json_object_get_member (doc, member)) == G_TYPE_STRING
                    ? json_object_get_string_member (doc, member) : NULL;

  if (!url || !kithd_config_url_is_https_or_loopback (url)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The discovery document's %s is missing or not an https:// URL", member);
    return NULL;
  }
  return g_strdup (url);
}

static gboolean
parse_discovery (KithdOidcProvider  *self,
                 GBytes             *data,
                 GError            **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *authorization = NULL;
  g_autofree char *token = NULL;
  g_autofree char *jwks = NULL;
  JsonObject *doc;
  const char *issuer;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The discovery document is not a JSON object");
    return FALSE;
  }
  doc = json_node_get_object (json_parser_get_root (parser));
  /* OpenID Connect Discovery 1.0, 4.3: the issuer it names is the one asked. */
  issuer = json_object_has_member (doc, "issuer") &&
           JSON_NODE_HOLDS_VALUE (json_object_get_member (doc, "issuer")) &&
           json_node_get_value_type (json_object_get_member (doc, "issuer")) == G_TYPE_STRING
           ? json_object_get_string_member (doc, "issuer") : NULL;
  if (g_strcmp0 (issuer, self->config->issuer) != 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "The discovery document names another issuer");
    return FALSE;
  }
  authorization = endpoint_of (doc, "authorization_endpoint", error);
  token = authorization ? endpoint_of (doc, "token_endpoint", error) : NULL;
  jwks = token ? endpoint_of (doc, "jwks_uri", error) : NULL;
  if (!jwks)
    return FALSE;

  g_free (self->authorization_endpoint);
  g_free (self->token_endpoint);
  g_free (self->jwks_uri);
  self->authorization_endpoint = g_steal_pointer (&authorization);
  self->token_endpoint = g_steal_pointer (&token);
  self->jwks_uri = g_steal_pointer (&jwks);
  return TRUE;
}

static void
on_discovery_fetched (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  KithdOidcProvider *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;
  guint status = 0;

  data = kithd_oidc_fetch_finish (result, &status, &error);
  if (data && status != 200)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP status %u", status);
  if (!error && parse_discovery (self, data, &error))
    self->discovered_at = kithd_clock_now_ms ();
  if (error)
    g_message ("OIDC %s: cannot use the discovery document of %s: %s",
               self->config->id, self->config->issuer, error->message);
  wake (&self->discovery_waiters, error);
}

void
kithd_oidc_provider_discover_async (KithdOidcProvider   *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  g_autofree char *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  g_task_set_source_tag (task, kithd_oidc_provider_discover_async);
  if (self->discovered_at > 0 && kithd_clock_now_ms () - self->discovered_at < DISCOVERY_CACHE_MS) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  if (self->discovery_waiters) {
    g_ptr_array_add (self->discovery_waiters, task);
    return;
  }
  self->discovery_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->discovery_waiters, task);

  url = g_strconcat (self->config->issuer, "/.well-known/openid-configuration", NULL);
  msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  kithd_oidc_fetch_async (self->session, msg, NULL, on_discovery_fetched, self);
}

gboolean
kithd_oidc_provider_discover_finish (KithdOidcProvider  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kithd_oidc_provider_discover_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- keys ---- */

typedef struct {
  gboolean fetched;
} KeysCall;

static void
on_keys_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdOidcProvider *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;
  KithdOidcKeys *keys = NULL;
  guint status = 0;

  data = kithd_oidc_fetch_finish (result, &status, &error);
  if (data && status != 200)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP status %u", status);
  if (!error)
    keys = kithd_oidc_keys_new_from_data (data, &error);
  /* Tried: a kid that is still unknown waits a minute either way. */
  self->keys_fetched_at = kithd_clock_now_ms ();
  if (keys) {
    g_clear_pointer (&self->keys, kithd_oidc_keys_free);
    self->keys = keys;
  } else {
    g_message ("OIDC %s: cannot use the JWKS: %s", self->config->id, error->message);
  }
  wake (&self->keys_waiters, error);
}

void
kithd_oidc_provider_get_keys_async (KithdOidcProvider   *self,
                                    gboolean             refresh,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  KeysCall *call = g_new0 (KeysCall, 1);
  g_autoptr (SoupMessage) msg = NULL;

  g_task_set_source_tag (task, kithd_oidc_provider_get_keys_async);
  g_task_set_task_data (task, call, g_free);
  if (self->keys &&
      (!refresh || kithd_clock_now_ms () - self->keys_fetched_at < KITHD_OIDC_JWKS_REFRESH_MS)) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  call->fetched = TRUE;
  if (self->keys_waiters) {
    g_ptr_array_add (self->keys_waiters, task);
    return;
  }
  self->keys_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->keys_waiters, task);

  g_assert (self->jwks_uri != NULL);
  msg = soup_message_new ("GET", self->jwks_uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  kithd_oidc_fetch_async (self->session, msg, NULL, on_keys_fetched, self);
}

KithdOidcKeys *
kithd_oidc_provider_get_keys_finish (KithdOidcProvider  *self,
                                     GAsyncResult       *result,
                                     gboolean           *fetched,
                                     GError            **error)
{
  KeysCall *call = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kithd_oidc_provider_get_keys_async, NULL);

  if (fetched)
    *fetched = call->fetched;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return self->keys;
}

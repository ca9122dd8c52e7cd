/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithResponse"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-json-fields.h"
#include "kith-json-strict.h"
#include "kith-response.h"

/* GET /server's "password_policy.rules" (kith-password-policy.h). */
static const char * const password_rule_names[] = {
  "length", "upper", "lower", "digit", "symbol",
};

char *
kith_response_error (KithErrorCode  code,
                     const char    *message,
                     gsize         *length)
{
  GString *out = g_string_sized_new (96);

  g_string_append (out, "{\"error\":{\"code\":");
  kith_json_append_string (out, kith_error_code_to_string (code));
  g_string_append (out, ",\"message\":");
  kith_json_append_string (out, message != NULL ? message : "");
  g_string_append (out, "}}");

  return kith_json_finish (out, length);
}

gboolean
kith_response_parse_error (const char     *data,
                           gsize           length,
                           KithErrorCode  *code,
                           char          **message)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *error_object;
  JsonNode *node;
  KithErrorCode parsed = KITH_ERROR_INTERNAL;
  const char *text = NULL;

  root = kith_json_parse_object (data, length, NULL, NULL);
  if (root == NULL)
    return FALSE;

  node = json_object_get_member (json_node_get_object (root), "error");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  error_object = json_node_get_object (node);

  node = json_object_get_member (error_object, "code");
  if (node == NULL || !kith_json_node_holds (node, G_TYPE_STRING))
    return FALSE;
  kith_error_code_from_string (json_node_get_string (node), &parsed);

  node = json_object_get_member (error_object, "message");
  if (node != NULL && kith_json_node_holds (node, G_TYPE_STRING) &&
      g_utf8_validate (json_node_get_string (node), -1, NULL))
    text = json_node_get_string (node);

  if (code != NULL)
    *code = parsed;
  if (message != NULL)
    *message = g_strdup (text != NULL ? text : "");

  return TRUE;
}

static JsonObject *
parse_response_object (const char  *data,
                       gsize        length,
                       JsonNode   **root,
                       GError     **error)
{
  *root = kith_json_parse_object (data, length, NULL, error);
  if (*root == NULL)
    return NULL;

  return json_node_get_object (*root);
}

char *
kith_response_session (const char         *token,
                       const KithUserInfo *user,
                       gsize              *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"token\":");
  kith_json_append_string (out, token);
  g_string_append (out, ",\"user\":");
  kith_user_info_write (out, user);
  g_string_append_c (out, '}');

  return kith_json_finish (out, length);
}

typedef struct {
  char         *token;
  KithUserInfo *user;
} SessionResponse;

static const KithFieldSpec session_fields[] = {
  KITH_FIELD (SessionResponse, "token", KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES, token, 0),
  KITH_FIELD (SessionResponse, "user",  KIND_USER,   REQ,          0,                    user,  0),
  FIELD_END
};

gboolean
kith_response_parse_session (const char     *data,
                             gsize           length,
                             char          **token,
                             KithUserInfo  **user,
                             GError        **error)
{
  g_autoptr (JsonNode) root = NULL;
  SessionResponse response = { NULL, NULL };
  JsonObject *object;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return FALSE;

  if (!kith_fields_parse (object, session_fields, &response, NULL, NULL, error)) {
    kith_fields_free (session_fields, &response);
    return FALSE;
  }

  if (token != NULL)
    *token = g_steal_pointer (&response.token);
  if (user != NULL)
    *user = g_steal_pointer (&response.user);
  kith_fields_free (session_fields, &response);

  return TRUE;
}

char *
kith_response_user (const KithUserInfo *user,
                    gsize              *length)
{
  GString *out = g_string_sized_new (128);

  kith_user_info_write (out, user);

  return kith_json_finish (out, length);
}

KithUserInfo *
kith_response_parse_user (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr (JsonNode) root = NULL;

  if (parse_response_object (data, length, &root, error) == NULL)
    return NULL;

  return kith_user_info_from_node (root, error);
}

char *
kith_response_contacts (GPtrArray *contacts,
                        gsize     *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"contacts\":[");
  for (guint i = 0; contacts != NULL && i < contacts->len; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    kith_fields_write_object (out, kith_contact_fields, g_ptr_array_index (contacts, i));
  }
  g_string_append (out, "]}");

  return kith_json_finish (out, length);
}

typedef gpointer (*ItemNewFunc) (void);

static GPtrArray *
parse_object_array (const char      *data,
                    gsize            length,
                    const char      *member,
                    const KithFieldSpec *fields,
                    ItemNewFunc      item_new,
                    GDestroyNotify   item_free,
                    GError         **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) items = NULL;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  guint n;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    kith_fields_type_error (error, NULL, member, _("an array"));
    return NULL;
  }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  items = g_ptr_array_new_full (n, item_free);

  for (guint i = 0; i < n; i++) {
    JsonNode *element = json_array_get_element (array, i);
    g_autofree char *prefix = g_strdup_printf ("%s[%u]", member, i);
    gpointer item;

    if (!JSON_NODE_HOLDS_OBJECT (element)) {
      g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                   _("The field “%s” must be %s."), prefix, _("an object"));
      return NULL;
    }

    item = item_new ();
    g_ptr_array_add (items, item);
    if (!kith_fields_parse (json_node_get_object (element), fields, item, prefix, NULL, error))
      return NULL;
  }

  return g_steal_pointer (&items);
}

static gpointer
contact_item_new (void)
{
  return kith_contact_info_new ();
}

static void
contact_item_free (gpointer item)
{
  kith_contact_info_free (item);
}

GPtrArray *
kith_response_parse_contacts (const char  *data,
                              gsize        length,
                              GError     **error)
{
  return parse_object_array (data, length, "contacts", kith_contact_fields,
                             contact_item_new, contact_item_free, error);
}

char *
kith_response_messages (GPtrArray *messages,
                        gsize     *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"messages\":[");
  for (guint i = 0; messages != NULL && i < messages->len; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    kith_fields_write_object (out, kith_message_fields, g_ptr_array_index (messages, i));
  }
  g_string_append (out, "]}");

  return kith_json_finish (out, length);
}

static gpointer
message_item_new (void)
{
  return kith_message_info_new ();
}

static void
message_item_free (gpointer item)
{
  kith_message_info_free (item);
}

GPtrArray *
kith_response_parse_messages (const char  *data,
                              gsize        length,
                              GError     **error)
{
  return parse_object_array (data, length, "messages", kith_message_fields,
                             message_item_new, message_item_free, error);
}

/* "ice_servers": [...], with the TURN credentials when @credentials. */
static void
write_ice_servers (GString   *out,
                   GPtrArray *servers,
                   gboolean   credentials)
{
  g_string_append (out, "\"ice_servers\":[");
  for (guint i = 0; servers != NULL && i < servers->len; i++) {
    KithIceServer *server = g_ptr_array_index (servers, i);

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append (out, "{\"urls\":[");
    for (guint j = 0; server->urls != NULL && server->urls[j] != NULL; j++) {
      if (j > 0)
        g_string_append_c (out, ',');
      kith_json_append_string (out, server->urls[j]);
    }
    g_string_append_c (out, ']');
    if (credentials && server->username != NULL && server->credential != NULL) {
      g_string_append (out, ",\"username\":");
      kith_json_append_string (out, server->username);
      g_string_append (out, ",\"credential\":");
      kith_json_append_string (out, server->credential);
    }
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, ']');
}

typedef struct {
  char *username;
  char *credential;
} IceSecrets;

static const KithFieldSpec ice_secret_fields[] = {
  KITH_FIELD (IceSecrets, "username",   KIND_STRING, F_NONE, KITH_MAX_ICE_SECRET_BYTES, username,   0),
  KITH_FIELD (IceSecrets, "credential", KIND_STRING, F_NONE, KITH_MAX_ICE_SECRET_BYTES, credential, 0),
  FIELD_END
};

static KithIceServer *
parse_ice_server (JsonNode    *node,
                  const char  *prefix,
                  GError     **error)
{
  g_autoptr (KithIceServer) server = kith_ice_server_new ();
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();
  g_autofree char *urls_path = g_strconcat (prefix, ".urls", NULL);
  IceSecrets secrets = { NULL, NULL };
  JsonObject *object;
  JsonNode *urls_node;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    kith_fields_type_error (error, NULL, prefix, _("an object"));
    return NULL;
  }
  object = json_node_get_object (node);

  urls_node = json_object_get_member (object, "urls");
  if (urls_node == NULL || !JSON_NODE_HOLDS_ARRAY (urls_node) ||
      json_array_get_length (json_node_get_array (urls_node)) == 0 ||
      json_array_get_length (json_node_get_array (urls_node)) > KITH_MAX_ICE_URLS) {
    kith_fields_type_error (error, NULL, urls_path, _("an array of 1 to 8 URIs"));
    return NULL;
  }
  array = json_node_get_array (urls_node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);
    const char *url;

    if (!kith_json_node_holds (element, G_TYPE_STRING) ||
        *(url = json_node_get_string (element)) == '\0' ||
        strlen (url) > KITH_MAX_ICE_URL_BYTES || !g_utf8_validate (url, -1, NULL)) {
      kith_fields_type_error (error, NULL, urls_path, _("an array of 1 to 8 URIs"));
      return NULL;
    }
    g_strv_builder_add (urls, url);
  }
  server->urls = g_strv_builder_end (urls);

  if (!kith_fields_parse (object, ice_secret_fields, &secrets, prefix, NULL, error)) {
    kith_fields_free (ice_secret_fields, &secrets);
    return NULL;
  }
  server->username = secrets.username;
  server->credential = secrets.credential;

  return g_steal_pointer (&server);
}

/* "ice_servers" of @object: an array (missing: empty) of at most
 * KITH_MAX_ICE_SERVERS entries. */
static GPtrArray *
parse_ice_servers (JsonObject  *object,
                   GError     **error)
{
  g_autoptr (GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_ice_server_free);
  JsonNode *node = json_object_get_member (object, "ice_servers");
  JsonArray *array;

  if (node == NULL)
    return g_steal_pointer (&servers);
  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) > KITH_MAX_ICE_SERVERS) {
    kith_fields_type_error (error, NULL, "ice_servers", _("an array of at most 8 servers"));
    return NULL;
  }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    g_autofree char *prefix = g_strdup_printf ("ice_servers[%u]", i);
    KithIceServer *server = parse_ice_server (json_array_get_element (array, i), prefix, error);

    if (server == NULL)
      return NULL;
    g_ptr_array_add (servers, server);
  }

  return g_steal_pointer (&servers);
}

char *
kith_response_ice_servers (GPtrArray *servers,
                           gint64     ttl,
                           gsize     *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append_c (out, '{');
  write_ice_servers (out, servers, TRUE);
  g_string_append (out, ",\"ttl\":");
  kith_json_append_int (out, ttl);
  g_string_append_c (out, '}');

  return kith_json_finish (out, length);
}

typedef struct {
  gint64 ttl;
} IceServersHead;

static const KithFieldSpec ice_servers_head_fields[] = {
  KITH_FIELD (IceServersHead, "ttl", KIND_INT, REQ, 0, ttl, 0),
  FIELD_END
};

GPtrArray *
kith_response_parse_ice_servers (const char  *data,
                                 gsize        length,
                                 gint64      *ttl,
                                 GError     **error)
{
  g_autoptr (JsonNode) root = NULL;
  IceServersHead head = { 0 };
  JsonObject *object;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL || !kith_fields_parse (object, ice_servers_head_fields, &head, NULL, NULL, error))
    return NULL;
  if (ttl != NULL)
    *ttl = head.ttl;

  return parse_ice_servers (object, error);
}

char *
kith_response_server_info (const KithServerInfo *info,
                           gsize                *length)
{
  GString *out;

  g_return_val_if_fail (info != NULL, NULL);

  out = g_string_sized_new (256);
  g_string_append (out, "{\"name\":");
  kith_json_append_string (out, info->name);
  g_string_append (out, ",\"version\":");
  kith_json_append_string (out, info->version);
  g_string_append (out, ",\"protocol\":");
  kith_json_append_int (out, info->protocol);
  g_string_append (out, ",\"login_flows\":[");
  for (guint i = 0; info->login_flows != NULL && info->login_flows[i] != NULL; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    kith_json_append_string (out, info->login_flows[i]);
  }
  g_string_append (out, "],\"password_policy\":{\"min_length\":");
  kith_json_append_int (out, info->password_min_length);
  g_string_append (out, ",\"rules\":[");
  for (guint i = 0; i < G_N_ELEMENTS (password_rule_names); i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    kith_json_append_string (out, password_rule_names[i]);
  }
  g_string_append (out, "]},");
  write_ice_servers (out, info->ice_servers, FALSE);
  g_string_append (out, ",\"oidc_providers\":[");
  for (guint i = 0; info->oidc_providers != NULL && i < info->oidc_providers->len; i++) {
    KithOidcProviderInfo *provider = g_ptr_array_index (info->oidc_providers, i);

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append (out, "{\"id\":");
    kith_json_append_string (out, provider->id);
    g_string_append (out, ",\"name\":");
    kith_json_append_string (out, provider->name);
    g_string_append_c (out, '}');
  }
  g_string_append (out, "]}");

  return kith_json_finish (out, length);
}

typedef struct {
  char   *name;
  char   *version;
  gint64  protocol;
} ServerInfoHead;

static const KithFieldSpec server_info_fields[] = {
  KITH_FIELD (ServerInfoHead, "name",     KIND_STRING, REQ, 256, name,     0),
  KITH_FIELD (ServerInfoHead, "version",  KIND_STRING, REQ, 64,  version,  0),
  KITH_FIELD (ServerInfoHead, "protocol", KIND_INT,    REQ, 0,   protocol, 0),
  FIELD_END
};

static const KithFieldSpec oidc_provider_fields[] = {
  KITH_FIELD (KithOidcProviderInfo, "id",   KIND_STRING, REQ, 32, id,   0),
  KITH_FIELD (KithOidcProviderInfo, "name", KIND_STRING, REQ, 64, name, 0),
  FIELD_END
};

/* "oidc_providers": absent (an older kithd) is none. */
static GPtrArray *
parse_oidc_providers (JsonObject  *object,
                      GError     **error)
{
  g_autoptr (GPtrArray) providers = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_oidc_provider_info_free);
  JsonNode *node = json_object_get_member (object, "oidc_providers");
  JsonArray *array;

  if (node == NULL)
    return g_steal_pointer (&providers);
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > KITH_MAX_OIDC_PROVIDERS) {
    kith_fields_type_error (error, NULL, "oidc_providers", _("an array of at most 16 providers"));
    return NULL;
  }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    g_autofree char *prefix = g_strdup_printf ("oidc_providers[%u]", i);
    JsonNode *element = json_array_get_element (array, i);
    KithOidcProviderInfo *provider = g_new0 (KithOidcProviderInfo, 1);

    if (!JSON_NODE_HOLDS_OBJECT (element)) {
      kith_oidc_provider_info_free (provider);
      kith_fields_type_error (error, NULL, prefix, _("an object"));
      return NULL;
    }
    if (!kith_fields_parse (json_node_get_object (element), oidc_provider_fields, provider, prefix, NULL, error)) {
      kith_fields_free (oidc_provider_fields, provider);
      g_free (provider);
      return NULL;
    }
    g_ptr_array_add (providers, provider);
  }
  return g_steal_pointer (&providers);
}

KithServerInfo *
kith_response_parse_server_info (const char  *data,
                                 gsize        length,
                                 GError     **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (KithServerInfo) info = NULL;
  g_autoptr (GStrvBuilder) flows = NULL;
  ServerInfoHead head = { NULL, NULL, 0 };
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return NULL;

  if (!kith_fields_parse (object, server_info_fields, &head, NULL, NULL, error)) {
    kith_fields_free (server_info_fields, &head);
    return NULL;
  }

  info = kith_server_info_new ();
  info->name = g_steal_pointer (&head.name);
  info->version = g_steal_pointer (&head.version);
  info->protocol = head.protocol;

  node = json_object_get_member (object, "login_flows");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    kith_fields_type_error (error, NULL, "login_flows", _("an array"));
    return NULL;
  }
  array = json_node_get_array (node);
  flows = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);

    if (!kith_json_node_holds (element, G_TYPE_STRING) ||
        !g_utf8_validate (json_node_get_string (element), -1, NULL)) {
      kith_fields_type_error (error, NULL, "login_flows", _("an array of strings"));
      return NULL;
    }
    g_strv_builder_add (flows, json_node_get_string (element));
  }
  info->login_flows = g_strv_builder_end (flows);

  node = json_object_get_member (object, "password_policy");
  if (node != NULL) {
    JsonNode *min_node;

    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      kith_fields_type_error (error, NULL, "password_policy", _("an object"));
      return NULL;
    }
    min_node = json_object_get_member (json_node_get_object (node), "min_length");
    if (min_node != NULL) {
      if (!kith_json_node_holds (min_node, G_TYPE_INT64) || json_node_get_int (min_node) < 0) {
        kith_fields_type_error (error, NULL, "password_policy.min_length", _("a non-negative integer"));
        return NULL;
      }
      info->password_min_length = json_node_get_int (min_node);
    }
  }

  g_clear_pointer (&info->ice_servers, g_ptr_array_unref);
  info->ice_servers = parse_ice_servers (object, error);
  if (info->ice_servers == NULL)
    return NULL;
  g_clear_pointer (&info->oidc_providers, g_ptr_array_unref);
  info->oidc_providers = parse_oidc_providers (object, error);
  if (info->oidc_providers == NULL)
    return NULL;

  return g_steal_pointer (&info);
}

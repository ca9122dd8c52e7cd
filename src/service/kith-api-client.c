/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithApiClient"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-api-client-private.h"
#include "kith-password-policy.h"

/* On a request's GTask: the new password it sends, so a password_too_weak
 * answer can say what exactly is missing. */
#define POLICY_PASSWORD_KEY "kith-policy-password"

struct _KithApiClient
{
  GObject      parent_instance;

  char        *server_url;
  GUri        *base_uri;
  SoupSession *soup_session;
  char        *token;
  char        *ca_file;
  GError      *ca_error;           /* the CA file could not be used */
  gboolean     allow_unencrypted;
};

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_SOUP_SESSION,
  PROP_TOKEN,
  PROP_CA_FILE,
  PROP_ALLOW_UNENCRYPTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithApiClient, kith_api_client, G_TYPE_OBJECT)

GError *
kith_api_client_broken_off_error (void)
{
  return g_error_new_literal (KITH_ERROR, KITH_ERROR_NETWORK,
                              _("The connection to the server broke off. Please try again."));
}

/* Why a certificate was refused, in words (the most telling reason first). */
static const char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it was made for another address");
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it is not signed by a certificate authority Kith trusts");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return _("it has been revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses an insecure algorithm");
  return _("it could not be checked");
}

/* libsoup's or GIO's error, as a sentence of ours. @msg (nullable) is the
 * request that failed, for the certificate's errors. */
static GError *
network_error_new (const GError *error,
                   SoupMessage  *msg,
                   GUri         *uri)
{
  const char *host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "?";

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_CANCELLED,
                                kith_error_code_describe (KITH_ERROR_CANCELLED));

  g_debug ("Network failure: %s", error ? error->message : "?");
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
    GTlsCertificateFlags flags = msg ? soup_message_get_tls_peer_certificate_errors (msg) : 0;

    /* Translators: the first %s is a host name, the second why, such as
     * "it has expired". */
    return g_error_new (KITH_ERROR, KITH_ERROR_CERTIFICATE,
                        _("The server’s certificate is not valid for %s: %s."),
                        host, describe_certificate_errors (flags));
  }
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
    return g_error_new (KITH_ERROR, KITH_ERROR_NETWORK,
                        _("The server at %s does not answer with encryption: check whether its address starts with https:// or http://."),
                        host);
  if (error != NULL && error->domain == G_TLS_ERROR)
    return g_error_new (KITH_ERROR, KITH_ERROR_NETWORK,
                        _("Kith could not make an encrypted connection to %s."), host);
  /* Bytes came, but not an HTTP answer (not an HTTP server, or its answer
   * cut off within the status line). */
  if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING))
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_PROTOCOL,
                                kith_error_code_describe (KITH_ERROR_PROTOCOL));
  /* Reached, and then the connection ended in the middle of an answer. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return kith_api_client_broken_off_error ();
  return g_error_new_literal (KITH_ERROR, KITH_ERROR_NETWORK,
                              kith_error_code_describe (KITH_ERROR_NETWORK));
}

GError *
kith_api_client_network_error (const GError *error)
{
  return network_error_new (error, NULL, NULL);
}

/* localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_ascii_strcasecmp (host, "localhost.") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
secure_free (gpointer data)
{
  char *str = data;

  if (str != NULL) {
    explicit_bzero (str, strlen (str));
    g_free (str);
  }
}

/* Maps the answer's error code to a sentence of our own: the server's
 * English `message` is only logged, never shown. @password, when set, is
 * the new password the request sent. */
static GError *
http_error_new (SoupMessage *msg,
                GBytes      *bytes,
                const char  *password)
{
  guint status = soup_message_get_status (msg);
  KithErrorCode code = KITH_ERROR_INTERNAL;
  g_autofree char *message = NULL;
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

  if (data == NULL || !kith_response_parse_error (data, size, &code, &message)) {
    g_clear_pointer (&message, g_free);
    if (status == 429)
      code = KITH_ERROR_RATE_LIMITED;
    else if (status == SOUP_STATUS_UNAUTHORIZED)
      code = KITH_ERROR_UNAUTHORIZED;
    else if (status >= 500)
      code = KITH_ERROR_INTERNAL;
    else
      return g_error_new (KITH_ERROR, KITH_ERROR_PROTOCOL,
                          _("This is not a Kith server (HTTP %u)."), status);
  }

  if (message != NULL)
    g_debug ("kithd says: %s (%s)", message, kith_error_code_to_string (code));

  switch (code) {
  case KITH_ERROR_PASSWORD_TOO_WEAK:
  case KITH_ERROR_TOO_LONG:
    {
      g_autoptr (GError) policy_error = NULL;

      /* Say what exactly is missing, when we know the password. */
      if (password != NULL && !kith_password_policy_validate (password, &policy_error) &&
          policy_error->domain == KITH_ERROR && policy_error->code == (int) code)
        return g_steal_pointer (&policy_error);
      return g_error_new_literal (KITH_ERROR, code, kith_error_code_describe (code));
    }
  case KITH_ERROR_RATE_LIMITED:
    {
      const char *retry = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                        "Retry-After");
      guint64 seconds = retry ? g_ascii_strtoull (retry, NULL, 10) : 0;

      if (seconds > 0 && seconds <= G_MAXUINT) {
        return g_error_new (KITH_ERROR, code,
                            g_dngettext (GETTEXT_PACKAGE,
                                         /* Translators: "%u s" is a number of seconds. */
                                         "Too many attempts, try again in %u s.",
                                         "Too many attempts, try again in %u s.",
                                         (gulong) seconds),
                            (guint) seconds);
      }
      return g_error_new_literal (KITH_ERROR, code, kith_error_code_describe (code));
    }
  case KITH_ERROR_INTERNAL:
  default:
    return g_error_new_literal (KITH_ERROR, code, kith_error_code_describe (code));
  }
}

static void
on_request_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL) {
    g_task_return_error (task, network_error_new (error, msg, soup_message_get_uri (msg)));
    return;
  }

  status = soup_message_get_status (msg);
  g_debug ("%s %s -> %u", soup_message_get_method (msg),
           g_uri_get_path (soup_message_get_uri (msg)), status);
  /* libsoup hands over what came when the connection closed before the
   * Content-Length it was promised: an answer cut short, not an answer. */
  if (soup_message_headers_get_encoding (soup_message_get_response_headers (msg)) ==
        SOUP_ENCODING_CONTENT_LENGTH &&
      (goffset) g_bytes_get_size (bytes) <
        soup_message_headers_get_content_length (soup_message_get_response_headers (msg))) {
    g_debug ("the answer was cut short at %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bytes));
    g_task_return_error (task, kith_api_client_broken_off_error ());
    return;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status)) {
    g_task_return_error (task, http_error_new (msg, bytes,
                                               g_object_get_data (G_OBJECT (task),
                                                                  POLICY_PASSWORD_KEY)));
    return;
  }

  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

/* Takes @body. @policy_password is the new password @body carries, if any;
 * @password: @body carries a password (the token, if set, always goes). */
static void
api_request_full (KithApiClient       *self,
                  const char          *method,
                  const char          *path,
                  char                *body,
                  const char          *policy_password,
                  gboolean             password,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *owned_body = body;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  if (policy_password != NULL)
    g_object_set_data_full (G_OBJECT (task), POLICY_PASSWORD_KEY,
                            g_strdup (policy_password), secure_free);

  if (self->base_uri == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK,
                             _("The server address is not valid."));
    return;
  }
  if (self->ca_error != NULL) {
    g_task_return_error (task, g_error_copy (self->ca_error));
    return;
  }
  /* Nothing secret leaves over plain HTTP unless the user accepted it. */
  if ((password || self->token != NULL) && !kith_api_client_get_is_private (self) &&
      !self->allow_unencrypted) {
    g_task_return_error (task, kith_server_url_unencrypted_error (self->server_url));
    return;
  }

  uri = g_uri_parse_relative (self->base_uri, path, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_INTERNAL, _("Bad request path."));
    return;
  }

  msg = soup_message_new_from_uri (method, uri);
  if (self->token != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", self->token);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  if (owned_body != NULL) {
    gsize len = strlen (owned_body);
    g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&owned_body), len);
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }

  g_task_set_task_data (task, g_object_ref (msg), g_object_unref);
  soup_session_send_and_read_async (self->soup_session, msg, G_PRIORITY_DEFAULT,
                                    cancellable, on_request_done, g_steal_pointer (&task));
}

/* Takes @body. */
void
kith_api_client_request (KithApiClient       *self,
                         const char          *method,
                         const char          *path,
                         char                *body,
                         gpointer             source_tag,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  api_request_full (self, method, path, body, NULL, FALSE, source_tag, cancellable, callback, user_data);
}

GBytes *
kith_api_client_request_finish (KithApiClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GError *
protocol_error_new (GError *parse_error)
{
  g_debug ("Bad answer from the server: %s", parse_error ? parse_error->message : "?");
  return g_error_new_literal (KITH_ERROR, KITH_ERROR_PROTOCOL,
                              kith_error_code_describe (KITH_ERROR_PROTOCOL));
}

/* The one ending of a call whose answer is one thing: what @parse reads from
 * the body, or the request's error. A body @parse cannot read is a protocol
 * error, worded as @bad_answer if set. */
gpointer
kith_api_client_request_parse (KithApiClient  *self,
                               GAsyncResult   *result,
                               ParseFunc       parse,
                               const char     *bad_answer,
                               GError        **error)
{
  g_autoptr (GBytes) bytes = kith_api_client_request_finish (self, result, error);
  g_autoptr (GError) local_error = NULL;
  gpointer parsed;
  const char *data;
  gsize size;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  parsed = parse (data, size, &local_error);
  if (parsed == NULL && bad_answer != NULL)
    g_propagate_error (error, g_error_new_literal (KITH_ERROR, KITH_ERROR_PROTOCOL, bad_answer));
  else if (parsed == NULL)
    g_propagate_error (error, protocol_error_new (local_error));
  return parsed;
}

static void
kith_api_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KithApiClient *self = KITH_API_CLIENT (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    g_value_set_string (value, self->server_url);
    break;
  case PROP_SOUP_SESSION:
    g_value_set_object (value, self->soup_session);
    break;
  case PROP_TOKEN:
    g_value_set_string (value, self->token);
    break;
  case PROP_CA_FILE:
    g_value_set_string (value, self->ca_file);
    break;
  case PROP_ALLOW_UNENCRYPTED:
    g_value_set_boolean (value, self->allow_unencrypted);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_api_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KithApiClient *self = KITH_API_CLIENT (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    self->server_url = g_value_dup_string (value);
    break;
  case PROP_SOUP_SESSION:
    self->soup_session = g_value_dup_object (value);
    break;
  case PROP_TOKEN:
    kith_api_client_set_token (self, g_value_get_string (value));
    break;
  case PROP_CA_FILE:
    self->ca_file = g_value_dup_string (value);
    break;
  case PROP_ALLOW_UNENCRYPTED:
    kith_api_client_set_allow_unencrypted (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_api_client_constructed (GObject *object)
{
  KithApiClient *self = KITH_API_CLIENT (object);

  G_OBJECT_CLASS (kith_api_client_parent_class)->constructed (object);

  if (self->soup_session == NULL)
    self->soup_session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60, NULL);
  if (self->ca_file != NULL && *self->ca_file != '\0') {
    g_autoptr (GTlsDatabase) database = NULL;
    g_autoptr (GError) error = NULL;

    /* Trusted instead of the system's authorities, by the session's every
     * connection: the WebSocket's too when it shares the session. */
    if (!g_file_test (self->ca_file, G_FILE_TEST_IS_REGULAR))
      self->ca_error = g_error_new (KITH_ERROR, KITH_ERROR_CERTIFICATE,
                                    _("Kith cannot use the certificate authority file %s: there is no such file."),
                                    self->ca_file);
    else if ((database = g_tls_file_database_new (self->ca_file, &error)) != NULL)
      soup_session_set_tls_database (self->soup_session, database);
    else
      self->ca_error = g_error_new (KITH_ERROR, KITH_ERROR_CERTIFICATE,
                                    _("Kith cannot use the certificate authority file %s: %s"),
                                    self->ca_file, error->message);
  }
  if (self->server_url != NULL)
    self->base_uri = g_uri_parse (self->server_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (self->base_uri != NULL &&
      g_strcmp0 (g_uri_get_scheme (self->base_uri), "http") != 0 &&
      g_strcmp0 (g_uri_get_scheme (self->base_uri), "https") != 0)
    g_clear_pointer (&self->base_uri, g_uri_unref);
}

static void
kith_api_client_dispose (GObject *object)
{
  KithApiClient *self = KITH_API_CLIENT (object);

  g_clear_object (&self->soup_session);

  G_OBJECT_CLASS (kith_api_client_parent_class)->dispose (object);
}

static void
kith_api_client_finalize (GObject *object)
{
  KithApiClient *self = KITH_API_CLIENT (object);

  g_clear_pointer (&self->base_uri, g_uri_unref);
  g_clear_error (&self->ca_error);
  g_free (self->server_url);
  g_free (self->token);
  g_free (self->ca_file);

  G_OBJECT_CLASS (kith_api_client_parent_class)->finalize (object);
}

static void
kith_api_client_class_init (KithApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_api_client_get_property;
  object_class->set_property = kith_api_client_set_property;
  object_class->constructed = kith_api_client_constructed;
  object_class->dispose = kith_api_client_dispose;
  object_class->finalize = kith_api_client_finalize;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOUP_SESSION] =
    g_param_spec_object ("soup-session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_UNENCRYPTED] =
    g_param_spec_boolean ("allow-unencrypted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_api_client_init (KithApiClient *self)
{
}

KithApiClient *
kith_api_client_new (const char  *server_url,
                     SoupSession *soup_session)
{
  return g_object_new (KITH_TYPE_API_CLIENT,
                       "server-url", server_url,
                       "soup-session", soup_session,
                       NULL);
}

KithApiClient *
kith_api_client_new_full (const char  *server_url,
                          SoupSession *soup_session,
                          const char  *ca_file)
{
  return g_object_new (KITH_TYPE_API_CLIENT,
                       "server-url", server_url,
                       "soup-session", soup_session,
                       "ca-file", ca_file,
                       NULL);
}

const char *
kith_api_client_get_server_url (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), NULL);
  return self->server_url;
}

SoupSession *
kith_api_client_get_soup_session (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), NULL);
  return self->soup_session;
}

const char *
kith_api_client_get_token (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), NULL);
  return self->token;
}

void
kith_api_client_set_token (KithApiClient *self,
                           const char    *token)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));

  if (g_strcmp0 (self->token, token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

const char *
kith_api_client_get_ca_file (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), NULL);
  return self->ca_file;
}

gboolean
kith_api_client_get_allow_unencrypted (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), FALSE);
  return self->allow_unencrypted;
}

void
kith_api_client_set_allow_unencrypted (KithApiClient *self,
                                       gboolean       allow)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));

  allow = !!allow;
  if (self->allow_unencrypted == allow)
    return;
  self->allow_unencrypted = allow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_UNENCRYPTED]);
}

static gboolean
uri_is_private (GUri *uri)
{
  return uri != NULL &&
         (g_str_equal (g_uri_get_scheme (uri), "https") || host_is_loopback (g_uri_get_host (uri)));
}

gboolean
kith_api_client_get_is_private (KithApiClient *self)
{
  g_return_val_if_fail (KITH_IS_API_CLIENT (self), FALSE);
  return uri_is_private (self->base_uri);
}

gboolean
kith_server_url_is_private (const char *server_url)
{
  g_autoptr (GUri) uri = NULL;

  if (server_url == NULL)
    return FALSE;
  uri = g_uri_parse (server_url, SOUP_HTTP_URI_FLAGS, NULL);
  return uri_is_private (uri);
}

GError *
kith_server_url_unencrypted_error (const char *server_url)
{
  g_autoptr (GUri) uri = server_url != NULL ? g_uri_parse (server_url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : server_url;

  return g_error_new (KITH_ERROR, KITH_ERROR_UNENCRYPTED,
                      _("Kith did not connect to %s: its address starts with http://, so your password would cross the network unencrypted, readable by anyone on the way. Use the server’s https:// address."),
                      host != NULL ? host : "");
}

char *
kith_api_client_dup_socket_url (KithApiClient *self)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (KITH_IS_API_CLIENT (self), NULL);

  if (self->base_uri == NULL)
    return NULL;
  scheme = g_str_equal (g_uri_get_scheme (self->base_uri), "https") ? "wss" : "ws";
  uri = g_uri_build (G_URI_FLAGS_NONE, scheme, NULL,
                     g_uri_get_host (self->base_uri), g_uri_get_port (self->base_uri),
                     "/api/v1/socket", NULL, NULL);
  return g_uri_to_string (uri);
}

/* ---- calls ---- */

void
kith_api_client_server_info_async (KithApiClient       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "GET", "/api/v1/server", NULL, kith_api_client_server_info_async,
                           cancellable, callback, user_data);
}

KithServerInfo *
kith_api_client_server_info_finish (KithApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) kith_response_parse_server_info,
                                        _("This is not a Kith server."), error);
}

/* POST /api/v1/sessions with @body (taken), which carries a secret. */
static void
post_session (KithApiClient       *self,
              KithBody            *body,
              const char          *device_name,
              KithDeviceKind       device_kind,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr (KithBody) owned = body;

  owned->device_name = g_strdup (device_name ? device_name : "Kith");
  owned->device_kind = device_kind;
  api_request_full (self, "POST", "/api/v1/sessions", kith_body_to_json (owned, NULL), NULL, TRUE,
                    source_tag, cancellable, callback, user_data);
}

void
kith_api_client_log_in_async (KithApiClient       *self,
                              const char          *email,
                              const char          *password,
                              const char          *device_name,
                              KithDeviceKind       device_kind,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  KithBody *body;

  g_return_if_fail (KITH_IS_API_CLIENT (self));
  g_return_if_fail (email != NULL && password != NULL);

  body = kith_body_new (KITH_BODY_LOG_IN);
  body->email = g_strdup (email);
  body->password = g_strdup (password);
  body->present = KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD;
  post_session (self, body, device_name, device_kind, kith_api_client_log_in_async,
                cancellable, callback, user_data);
}

/* The code and its verifier make a session: as secret as a password. */
void
kith_api_client_log_in_oidc_async (KithApiClient       *self,
                                   const char          *code,
                                   const char          *verifier,
                                   const char          *redirect_uri,
                                   const char          *device_name,
                                   KithDeviceKind       device_kind,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  KithBody *body;

  g_return_if_fail (KITH_IS_API_CLIENT (self));
  g_return_if_fail (code != NULL && verifier != NULL && redirect_uri != NULL);

  body = kith_body_new (KITH_BODY_LOG_IN);
  body->oidc_code = g_strdup (code);
  body->oidc_verifier = g_strdup (verifier);
  body->oidc_redirect_uri = g_strdup (redirect_uri);
  body->present = KITH_FIELD_OIDC;
  post_session (self, body, device_name, device_kind, kith_api_client_log_in_oidc_async,
                cancellable, callback, user_data);
}

void
kith_api_client_sign_up_async (KithApiClient       *self,
                               const char          *email,
                               const char          *password,
                               const char          *first_name,
                               const char          *last_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_SIGN_UP);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  body->email = g_strdup (email);
  body->password = g_strdup (password);
  body->first_name = g_strdup (first_name ? first_name : "");
  body->last_name = g_strdup (last_name ? last_name : "");
  body->present = KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD |
                  KITH_FIELD_FIRST_NAME | KITH_FIELD_LAST_NAME;
  api_request_full (self, "POST", "/api/v1/accounts", kith_body_to_json (body, NULL), password, TRUE,
                    kith_api_client_sign_up_async, cancellable, callback, user_data);
}

gboolean
kith_api_client_session_finish (KithApiClient  *self,
                                GAsyncResult   *result,
                                char          **token,
                                KithUserInfo  **user,
                                GError        **error)
{
  g_autoptr (GBytes) bytes = kith_api_client_request_finish (self, result, error);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *t = NULL;
  g_autoptr (KithUserInfo) u = NULL;
  const char *data;
  gsize size;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  if (!kith_response_parse_session (data, size, &t, &u, &local_error)) {
    g_propagate_error (error, protocol_error_new (local_error));
    return FALSE;
  }
  if (token)
    *token = g_steal_pointer (&t);
  if (user)
    *user = g_steal_pointer (&u);
  return TRUE;
}

void
kith_api_client_log_out_async (KithApiClient       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "DELETE", "/api/v1/sessions/current", NULL,
                           kith_api_client_log_out_async, cancellable, callback, user_data);
}

void
kith_api_client_get_me_async (KithApiClient       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "GET", "/api/v1/me", NULL,
                           kith_api_client_get_me_async, cancellable, callback, user_data);
}

void
kith_api_client_update_me_async (KithApiClient       *self,
                                 const char          *first_name,
                                 const char          *last_name,
                                 int                  offline_email_notification,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_PROFILE_UPDATE);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  if (first_name != NULL) {
    body->first_name = g_strdup (first_name);
    body->present |= KITH_FIELD_FIRST_NAME;
  }
  if (last_name != NULL) {
    body->last_name = g_strdup (last_name);
    body->present |= KITH_FIELD_LAST_NAME;
  }
  if (offline_email_notification >= 0) {
    body->offline_email_notification = !!offline_email_notification;
    body->present |= KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION;
  }
  kith_api_client_request (self, "PATCH", "/api/v1/me", kith_body_to_json (body, NULL),
                           kith_api_client_update_me_async, cancellable, callback, user_data);
}

KithUserInfo *
kith_api_client_user_finish (KithApiClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) kith_response_parse_user, NULL, error);
}

void
kith_api_client_change_password_async (KithApiClient       *self,
                                       const char          *current_password,
                                       const char          *new_password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_PASSWORD_CHANGE);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  body->current_password = g_strdup (current_password);
  body->new_password = g_strdup (new_password);
  api_request_full (self, "PUT", "/api/v1/me/password", kith_body_to_json (body, NULL),
                    new_password, TRUE, kith_api_client_change_password_async,
                    cancellable, callback, user_data);
}

void
kith_api_client_request_password_reset_async (KithApiClient       *self,
                                              const char          *email,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_RESET_REQUEST);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  body->email = g_strdup (email);
  kith_api_client_request (self, "POST", "/api/v1/password-reset", kith_body_to_json (body, NULL),
                           kith_api_client_request_password_reset_async, cancellable, callback, user_data);
}

void
kith_api_client_delete_account_async (KithApiClient       *self,
                                      const char          *confirm_email,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_DELETE_ACCOUNT);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  body->confirm_email = g_strdup (confirm_email);
  kith_api_client_request (self, "DELETE", "/api/v1/me", kith_body_to_json (body, NULL),
                           kith_api_client_delete_account_async, cancellable, callback, user_data);
}

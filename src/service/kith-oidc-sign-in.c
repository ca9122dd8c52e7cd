/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithOidcSignIn"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "kith-api-client.h"
#include "kith-base64url.h"
#include "kith-error.h"
#include "kith-oidc-sign-in.h"
#include "kith-service-enums.h"

#define DEFAULT_TIMEOUT_MS (5 * 60 * 1000)
/* Where the provider's answer comes back to, on the listener's port. */
#define REDIRECT_PATH      "/kith/oidc-done"
/* The PKCE verifier's and the state's randomness (RFC 7636 §7.1: 256 bits). */
#define RANDOM_BYTES       32

struct _KithOidcSignIn
{
  GObject              parent_instance;

  KithSession         *session;
  char                *provider;
  char                *provider_name;
  KithOidcSignInState  state;
  gboolean             stay_signed_in;
  guint                timeout_ms;

  /* The sign-in under way (NULL while idle). */
  GTask               *task;
  SoupServer          *server;
  char                *verifier;
  char                *expected_state;
  char                *redirect_uri;
  char                *start_url;
  GSource             *timeout_source;
  GSource             *cancel_source;
  guint                run;            /* counts the sign-ins: a late launch result knows its own */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_PROVIDER,
  PROP_PROVIDER_NAME,
  PROP_STATE,
  PROP_STAY_SIGNED_IN,
  PROP_TIMEOUT,
  PROP_START_URL,
  PROP_REDIRECT_URI,
  N_PROPS
};

enum {
  STATE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (kith-oidc-error-quark, kith_oidc_error)

G_DEFINE_FINAL_TYPE (KithOidcSignIn, kith_oidc_sign_in, G_TYPE_OBJECT)

/* RANDOM_BYTES from the kernel's generator, base64url (43 characters). */
static char *
new_random_text (GError **error)
{
  guint8 bytes[RANDOM_BYTES];
  gsize done = 0;
  char *text;

  while (done < sizeof bytes) {
    ssize_t n = getrandom (bytes + done, sizeof bytes - done, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, KITH_OIDC_ERROR, KITH_OIDC_ERROR_LISTENER,
                   _("Kith could not make a random key for signing in: %s"), g_strerror (saved));
      return NULL;
    }
    done += n;
  }
  text = kith_base64url_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);
  return text;
}

static void
set_state (KithOidcSignIn      *self,
           KithOidcSignInState  state)
{
  KithOidcSignInState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, state, old);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void
close_server (SoupServer *server)
{
  soup_server_disconnect (server);
  g_object_unref (server);
}

static gboolean
close_server_idle (gpointer user_data)
{
  close_server (user_data);
  return G_SOURCE_REMOVE;
}

/* The listener and the waits go; the secrets are forgotten. */
static void
stop_waiting (KithOidcSignIn *self)
{
  clear_source (&self->timeout_source);
  clear_source (&self->cancel_source);
  g_clear_pointer (&self->server, close_server);
}

/* Ends the sign-in under way: with @error (taken), or success when NULL. */
static void
finish (KithOidcSignIn *self,
        GError         *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  g_assert (task != NULL);

  stop_waiting (self);
  if (self->verifier != NULL)
    explicit_bzero (self->verifier, strlen (self->verifier));
  g_clear_pointer (&self->verifier, g_free);
  g_clear_pointer (&self->expected_state, g_free);
  g_clear_pointer (&self->redirect_uri, g_free);
  g_clear_pointer (&self->start_url, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDIRECT_URI]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_URL]);
  set_state (self, KITH_OIDC_SIGN_IN_IDLE);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The sentence for an error code of the redirect (docs/protocol.md). */
static GError *
redirect_error (KithOidcSignIn *self,
                const char     *code)
{
  const char *name = self->provider_name;

  if (g_str_equal (code, "access_denied"))
    return g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_DECLINED,
                        _("You declined signing in at %s. Try again if you want to use that account."),
                        name);
  if (g_str_equal (code, "email_not_verified"))
    return g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_EMAIL_NOT_VERIFIED,
                        _("The email address of your %s account is not verified. Verify it there, then try again."),
                        name);
  if (g_str_equal (code, "invalid_token"))
    return g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_NOT_VERIFIED,
                        _("The server could not verify the answer from %s. Try again."),
                        name);
  return g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_PROVIDER,
                      _("The server could not complete the sign-in with %s. Try again later."),
                      name);
}

/* A small page for the browser, in the person's language. */
static void
answer_page (SoupServerMessage *msg,
             guint              status,
             const char        *heading,
             const char        *text)
{
  g_autofree char *heading_html = g_markup_escape_text (heading, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  g_autofree char *title_html = g_markup_escape_text (_("Kith"), -1);
  g_autofree char *page = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize length;

  page = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s</title>"
                          "<style>body{font-family:sans-serif;max-width:32em;margin:4em auto;"
                          "padding:0 1em;text-align:center;line-height:1.5}</style></head>\n"
                          "<body><h1>%s</h1>\n<p>%s</p></body></html>\n",
                          title_html, heading_html, text_html);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_status (msg, status, NULL);
  length = strlen (page);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&page), length);
}

static void
on_answer_finished (SoupServerMessage *msg,
                    gpointer           user_data)
{
  /* Not from inside the server's own handling of the message. */
  g_idle_add (close_server_idle, user_data);
}

/* The answer with the state came: the listener closes once the browser has
 * its page. */
static void
close_after_answer (KithOidcSignIn    *self,
                    SoupServerMessage *msg)
{
  g_signal_connect (msg, "finished", G_CALLBACK (on_answer_finished),
                    g_steal_pointer (&self->server));
  clear_source (&self->timeout_source);
  clear_source (&self->cancel_source);
}

static void
on_redeemed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KithOidcSignIn) self = user_data;
  GError *error = NULL;

  if (!kith_session_finish (KITH_SESSION (source), result, &error)) {
    g_debug ("Redeeming the code failed: %s", error->message);
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_INVALID_OIDC_CODE)) {
      g_clear_error (&error);
      error = g_error_new_literal (KITH_OIDC_ERROR, KITH_OIDC_ERROR_EXPIRED,
                                   kith_error_code_describe (KITH_ERROR_INVALID_OIDC_CODE));
    }
  }
  finish (self, error);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  KithOidcSignIn *self = user_data;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  const char *error_code = query != NULL ? g_hash_table_lookup (query, "error") : NULL;
  GError *error;

  /* Anything but the answer to this sign-in (another path, a favicon, a
   * stale or forged state) changes nothing: the wait goes on. */
  if (self->state != KITH_OIDC_SIGN_IN_WAITING || server != self->server ||
      g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_GET) != 0 ||
      !g_str_equal (path, REDIRECT_PATH) || state == NULL ||
      !g_str_equal (state, self->expected_state)) {
    g_debug ("Not the answer to this sign-in: %s %s", soup_server_message_get_method (msg), path);
    answer_page (msg, SOUP_STATUS_BAD_REQUEST, _("This is not the sign-in Kith is waiting for"),
                 _("Go back to Kith and sign in again."));
    return;
  }

  if (code != NULL && *code != '\0') {
    g_debug ("The provider's code came");
    answer_page (msg, SOUP_STATUS_OK, _("You can close this tab"),
                 _("Go back to Kith: it is signing you in."));
    close_after_answer (self, msg);
    set_state (self, KITH_OIDC_SIGN_IN_SIGNING_IN);
    kith_session_sign_in_oidc_async (self->session, code, self->verifier, self->redirect_uri,
                                     self->stay_signed_in, g_task_get_cancellable (self->task),
                                     on_redeemed, g_object_ref (self));
    return;
  }

  g_debug ("The provider said %s: %s", error_code != NULL ? error_code : "nothing",
           query != NULL && g_hash_table_lookup (query, "error_description") != NULL
             ? (const char *) g_hash_table_lookup (query, "error_description") : "");
  error = redirect_error (self, error_code != NULL ? error_code : "");
  {
    g_autofree char *text = g_strdup_printf ("%s %s", error->message,
                                             _("Go back to Kith to sign in again."));

    answer_page (msg, SOUP_STATUS_OK, _("You can close this tab"), text);
  }
  close_after_answer (self, msg);
  finish (self, error);
}

static gboolean
on_timeout (gpointer user_data)
{
  KithOidcSignIn *self = user_data;

  g_debug ("No answer from the browser in %u ms", self->timeout_ms);
  finish (self, g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_TIMED_OUT,
                             _("Kith stopped waiting for the sign-in with %s in your browser. Try again."),
                             self->provider_name));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  KithOidcSignIn *self = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  finish (self, error);
  return G_SOURCE_REMOVE;
}

/* The listener on a loopback port the system picks: 127.0.0.1, else ::1. */
static gboolean
listen_on_loopback (KithOidcSignIn  *self,
                    GError         **error)
{
  const char *hosts[] = { "127.0.0.1", "::1" };
  g_autoptr (GError) local_error = NULL;

  self->server = soup_server_new ("server-header", "Kith", NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++) {
    g_autoptr (GSocketAddress) address = g_inet_socket_address_new_from_string (hosts[i], 0);
    g_autoptr (GSocketAddress) bound = NULL;
    g_autoptr (GSList) sockets = NULL;
    g_autofree char *host = NULL;

    g_clear_error (&local_error);
    if (!soup_server_listen (self->server, address, 0, &local_error)) {
      g_debug ("No listener on %s: %s", hosts[i], local_error->message);
      continue;
    }
    /* The port from the socket itself: libsoup 3.2's soup_server_get_uris ()
     * leaks an address each time (fixed in 3.4). */
    sockets = soup_server_get_listeners (self->server);
    g_assert (sockets != NULL);
    bound = g_socket_get_local_address (sockets->data, &local_error);
    if (bound == NULL)
      break;
    host = strchr (hosts[i], ':') != NULL ? g_strdup_printf ("[%s]", hosts[i]) : g_strdup (hosts[i]);
    self->redirect_uri = g_strdup_printf ("http://%s:%u%s", host,
                                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)),
                                          REDIRECT_PATH);
    return TRUE;
  }

  g_set_error (error, KITH_OIDC_ERROR, KITH_OIDC_ERROR_LISTENER,
               _("Kith could not wait for your browser’s answer: %s"), local_error->message);
  g_clear_object (&self->server);
  return FALSE;
}

/* kithd's start URL (docs/protocol.md, "Sign in with Google", step 1). */
static char *
build_start_url (KithOidcSignIn  *self,
                 const char      *challenge,
                 GError         **error)
{
  const char *server_url = kith_session_get_server_url (self->session);
  g_autoptr (GUri) base = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *escaped_provider = g_uri_escape_string (self->provider, NULL, FALSE);
  g_autofree char *escaped_redirect = g_uri_escape_string (self->redirect_uri, NULL, FALSE);
  g_autofree char *path = NULL;

  if (server_url != NULL)
    base = g_uri_parse (server_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (base == NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NETWORK, _("The server address is not valid."));
    return NULL;
  }
  /* The verifier's challenge and the state are base64url: nothing to escape. */
  path = g_strdup_printf ("/api/v1/oidc/%s/start?redirect_uri=%s&code_challenge=%s"
                          "&code_challenge_method=S256&state=%s",
                          escaped_provider, escaped_redirect, challenge, self->expected_state);
  uri = g_uri_parse_relative (base, path, SOUP_HTTP_URI_FLAGS, error);
  return uri != NULL ? g_uri_to_string (uri) : NULL;
}

typedef struct {
  KithOidcSignIn *self;
  guint           run;
} Launch;

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Launch *launch = user_data;
  g_autoptr (KithOidcSignIn) self = launch->self;
  g_autoptr (GError) error = NULL;
  gboolean same = launch->run == self->run && self->state == KITH_OIDC_SIGN_IN_WAITING;

  g_free (launch);
  if (g_app_info_launch_default_for_uri_finish (result, &error)) {
    g_debug ("The browser is open");
    return;
  }
  g_debug ("No browser: %s", error->message);
  if (same)
    finish (self, g_error_new (KITH_OIDC_ERROR, KITH_OIDC_ERROR_BROWSER,
                               _("Kith could not open your web browser: %s"), error->message));
}

static void
open_browser (KithOidcSignIn    *self,
              GAppLaunchContext *context)
{
  Launch *launch = g_new0 (Launch, 1);

  launch->self = g_object_ref (self);
  launch->run = self->run;
  g_app_info_launch_default_for_uri_async (self->start_url, context,
                                           g_task_get_cancellable (self->task),
                                           on_launched, launch);
}

static void
kith_oidc_sign_in_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithOidcSignIn *self = KITH_OIDC_SIGN_IN (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_PROVIDER:
    g_value_set_string (value, self->provider);
    break;
  case PROP_PROVIDER_NAME:
    g_value_set_string (value, self->provider_name);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_STAY_SIGNED_IN:
    g_value_set_boolean (value, self->stay_signed_in);
    break;
  case PROP_TIMEOUT:
    g_value_set_uint (value, self->timeout_ms);
    break;
  case PROP_START_URL:
    g_value_set_string (value, self->start_url);
    break;
  case PROP_REDIRECT_URI:
    g_value_set_string (value, self->redirect_uri);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_oidc_sign_in_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KithOidcSignIn *self = KITH_OIDC_SIGN_IN (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_PROVIDER:
    self->provider = g_value_dup_string (value);
    break;
  case PROP_PROVIDER_NAME:
    self->provider_name = g_value_dup_string (value);
    break;
  case PROP_STAY_SIGNED_IN:
    kith_oidc_sign_in_set_stay_signed_in (self, g_value_get_boolean (value));
    break;
  case PROP_TIMEOUT:
    kith_oidc_sign_in_set_timeout (self, g_value_get_uint (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_oidc_sign_in_constructed (GObject *object)
{
  KithOidcSignIn *self = KITH_OIDC_SIGN_IN (object);

  G_OBJECT_CLASS (kith_oidc_sign_in_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_assert (self->provider != NULL);
  if (self->provider_name == NULL)
    self->provider_name = g_strdup (self->provider);
}

static void
kith_oidc_sign_in_dispose (GObject *object)
{
  KithOidcSignIn *self = KITH_OIDC_SIGN_IN (object);

  /* A sign-in under way holds a reference: none is left here. */
  stop_waiting (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (kith_oidc_sign_in_parent_class)->dispose (object);
}

static void
kith_oidc_sign_in_finalize (GObject *object)
{
  KithOidcSignIn *self = KITH_OIDC_SIGN_IN (object);

  g_free (self->provider);
  g_free (self->provider_name);
  g_free (self->verifier);
  g_free (self->expected_state);
  g_free (self->redirect_uri);
  g_free (self->start_url);

  G_OBJECT_CLASS (kith_oidc_sign_in_parent_class)->finalize (object);
}

static void
kith_oidc_sign_in_class_init (KithOidcSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_oidc_sign_in_get_property;
  object_class->set_property = kith_oidc_sign_in_set_property;
  object_class->constructed = kith_oidc_sign_in_constructed;
  object_class->dispose = kith_oidc_sign_in_dispose;
  object_class->finalize = kith_oidc_sign_in_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROVIDER] =
    g_param_spec_string ("provider", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROVIDER_NAME] =
    g_param_spec_string ("provider-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_OIDC_SIGN_IN_STATE, KITH_OIDC_SIGN_IN_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STAY_SIGNED_IN] =
    g_param_spec_boolean ("stay-signed-in", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_START_URL] =
    g_param_spec_string ("start-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REDIRECT_URI] =
    g_param_spec_string ("redirect-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_OIDC_SIGN_IN_STATE, KITH_TYPE_OIDC_SIGN_IN_STATE);
}

static void
kith_oidc_sign_in_init (KithOidcSignIn *self)
{
  const char *timeout = g_getenv ("KITH_OIDC_TIMEOUT_MS");
  guint64 ms;

  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  if (timeout != NULL && g_ascii_string_to_unsigned (timeout, 10, 1, G_MAXUINT, &ms, NULL))
    self->timeout_ms = (guint) ms;
}

KithOidcSignIn *
kith_oidc_sign_in_new (KithSession *session,
                       const char  *provider,
                       const char  *provider_name)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  return g_object_new (KITH_TYPE_OIDC_SIGN_IN,
                       "session", session,
                       "provider", provider,
                       "provider-name", provider_name,
                       NULL);
}

KithOidcSignInState
kith_oidc_sign_in_get_state (KithOidcSignIn *self)
{
  g_return_val_if_fail (KITH_IS_OIDC_SIGN_IN (self), KITH_OIDC_SIGN_IN_IDLE);
  return self->state;
}

gboolean
kith_oidc_sign_in_get_stay_signed_in (KithOidcSignIn *self)
{
  g_return_val_if_fail (KITH_IS_OIDC_SIGN_IN (self), FALSE);
  return self->stay_signed_in;
}

void
kith_oidc_sign_in_set_stay_signed_in (KithOidcSignIn *self,
                                      gboolean        stay_signed_in)
{
  g_return_if_fail (KITH_IS_OIDC_SIGN_IN (self));

  stay_signed_in = !!stay_signed_in;
  if (self->stay_signed_in == stay_signed_in)
    return;
  self->stay_signed_in = stay_signed_in;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
}

guint
kith_oidc_sign_in_get_timeout (KithOidcSignIn *self)
{
  g_return_val_if_fail (KITH_IS_OIDC_SIGN_IN (self), 0);
  return self->timeout_ms;
}

void
kith_oidc_sign_in_set_timeout (KithOidcSignIn *self,
                               guint           timeout_ms)
{
  g_return_if_fail (KITH_IS_OIDC_SIGN_IN (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

const char *
kith_oidc_sign_in_get_start_url (KithOidcSignIn *self)
{
  g_return_val_if_fail (KITH_IS_OIDC_SIGN_IN (self), NULL);
  return self->start_url;
}

const char *
kith_oidc_sign_in_get_redirect_uri (KithOidcSignIn *self)
{
  g_return_val_if_fail (KITH_IS_OIDC_SIGN_IN (self), NULL);
  return self->redirect_uri;
}

void
kith_oidc_sign_in_run_async (KithOidcSignIn      *self,
                             GAppLaunchContext   *context,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *challenge = NULL;
  const char *server_url;
  GError *error = NULL;

  g_return_if_fail (KITH_IS_OIDC_SIGN_IN (self));
  g_return_if_fail (context == NULL || G_IS_APP_LAUNCH_CONTEXT (context));
  g_return_if_fail (self->state == KITH_OIDC_SIGN_IN_IDLE);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_oidc_sign_in_run_async);

  server_url = kith_session_get_server_url (self->session);
  if (server_url == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK, _("No server address is set."));
    return;
  }
  /* The code and its verifier make a session as a password does: refused
   * before the browser opens, not after. */
  if (!kith_session_get_is_private (self->session) &&
      !kith_session_get_allow_unencrypted (self->session)) {
    g_task_return_error (task, kith_server_url_unencrypted_error (server_url));
    return;
  }

  self->run++;
  self->task = g_steal_pointer (&task);
  if ((self->verifier = new_random_text (&error)) == NULL ||
      (self->expected_state = new_random_text (&error)) == NULL ||
      !listen_on_loopback (self, &error)) {
    finish (self, error);
    return;
  }
  challenge = kith_pkce_s256 (self->verifier);
  self->start_url = build_start_url (self, challenge, &error);
  if (self->start_url == NULL) {
    finish (self, error);
    return;
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDIRECT_URI]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_URL]);

  self->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (self->timeout_source, on_timeout, self, NULL);
  g_source_attach (self->timeout_source, g_main_context_get_thread_default ());
  if (cancellable != NULL) {
    self->cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
    g_source_attach (self->cancel_source, g_main_context_get_thread_default ());
  }

  g_debug ("Waiting on %s", self->redirect_uri);
  set_state (self, KITH_OIDC_SIGN_IN_WAITING);
  open_browser (self, context);
}

gboolean
kith_oidc_sign_in_run_finish (KithOidcSignIn  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
kith_oidc_sign_in_reopen_browser (KithOidcSignIn    *self,
                                  GAppLaunchContext *context)
{
  g_return_if_fail (KITH_IS_OIDC_SIGN_IN (self));
  g_return_if_fail (context == NULL || G_IS_APP_LAUNCH_CONTEXT (context));

  if (self->state != KITH_OIDC_SIGN_IN_WAITING)
    return;
  g_debug ("Opening the browser again");
  open_browser (self, context);
}

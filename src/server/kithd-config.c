/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdConfig"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "kith-error.h"
#include "kith-limits.h"
#include "kith-text-rules.h"
#include "kithd-config.h"
#include "kithd-tls-files.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 8480

static char *clock_offset_file;

/* [limits] keys for the throttle's limits (docs/server.md, "Throttling"). */
static const struct {
  const char *key;
  KithdLimit  limit;
} limit_keys[] = {
  { "login-failures-per-address", KITHD_LIMIT_LOGIN_ADDRESS },
  { "login-failures-per-account-address", KITHD_LIMIT_LOGIN_ACCOUNT_ADDRESS },
  { "password-change-failures", KITHD_LIMIT_PASSWORD_CHANGE },
  { "sign-ups-per-address", KITHD_LIMIT_SIGN_UP_ADDRESS },
  { "resets-per-email", KITHD_LIMIT_RESET_EMAIL },
  { "resets-per-address", KITHD_LIMIT_RESET_ADDRESS },
};

static void
set_str (char       **target,
         const char  *value)
{
  char *copy;

  if (*target == value)
    return;
  copy = g_strdup (value);
  g_free (*target);
  *target = copy;
}

KithdConfig *
kithd_config_new (void)
{
  KithdConfig *config = g_new0 (KithdConfig, 1);

  config->data_dir = g_strdup ("/var/lib/kithd");
  config->listen_host = g_strdup (DEFAULT_HOST);
  config->listen_port = DEFAULT_PORT;
  config->name = g_strdup ("Kith");
  config->mail_from = g_strdup ("Kith <no-reply@localhost>");
  config->mail_retry_interval = 60;
  config->smtp_starttls = TRUE;
  config->smtp_timeout = 30;
  config->max_connections = 20000;
  config->connections_per_address = 256;
  config->request_timeout_ms = 10 * 1000;
  config->idle_timeout_ms = 30 * 1000;
  for (guint l = 0; l < KITHD_N_LIMITS; l++)
    config->limits[l] = KITHD_LIMIT_DEFAULT;
  config->password_checks_per_address = KITHD_THROTTLE_HASHES_PER_ADDRESS;
  config->password_checks = KITHD_THROTTLE_HASHES_IN_ALL;
  config->messages_per_second = 10;
  config->message_burst = 60;
  config->max_send_queue = 1024 * 1024;
  config->hello_timeout_ms = 10 * 1000;
  config->ping_interval_ms = 15 * 1000;
  config->dead_after_ms = 45 * 1000;
  config->call_ring_timeout = 60;
  config->call_reconnect_timeout = 30;
  config->turn_credential_lifetime = 24 * 3600;
  config->oidc_providers = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_oidc_provider_config_free);

  return config;
}

void
kithd_config_free (KithdConfig *config)
{
  if (!config)
    return;

  g_free (config->config_file);
  g_free (config->data_dir);
  g_free (config->listen_host);
  g_free (config->public_url);
  g_free (config->name);
  g_free (config->port_file);
  g_free (config->mail_from);
  g_free (config->smtp_url);
  g_free (config->smtp_username);
  g_clear_pointer (&config->smtp_password, kithd_secret_free);
  g_free (config->smtp_password_file);
  g_free (config->smtp_ca_file);
  g_clear_pointer (&config->oidc_providers, g_ptr_array_unref);
  g_strfreev (config->trusted_proxies);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
  g_strfreev (config->stun_servers);
  g_strfreev (config->turn_servers);
  g_free (config->turn_secret);
  g_free (config->test_clock_file);
  g_free (config);
}

gboolean
kithd_config_parse_listen (const char  *value,
                           char       **host,
                           guint16     *port,
                           GError     **error)
{
  const char *colon;
  g_autofree char *h = NULL;
  guint64 p;
  char *end = NULL;

  if (!value || !*value)
    goto bad;

  colon = strrchr (value, ':');
  if (!colon)
    goto bad;

  if (value[0] == '[') {
    const char *close = strchr (value, ']');

    if (!close || close + 1 != colon)
      goto bad;
    h = g_strndup (value + 1, close - value - 1);
  } else {
    h = g_strndup (value, colon - value);
  }
  if (!*h)
    set_str (&h, DEFAULT_HOST);

  p = g_ascii_strtoull (colon + 1, &end, 10);
  if (!colon[1] || *end || p > G_MAXUINT16)
    goto bad;

  g_free (*host);
  *host = g_steal_pointer (&h);
  *port = p;
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "“%s” is not a listen address: use HOST:PORT, e.g. 127.0.0.1:8480", value ? value : "");
  return FALSE;
}

/* A string setting. An empty value unsets one that may be unset
 * (@may_unset), and is an error for one that needs a value; so is a value
 * that is not UTF-8. A missing key changes nothing. */
static gboolean
get_string (GKeyFile    *kf,
            const char  *group,
            const char  *key,
            gboolean     may_unset,
            char       **out,
            GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *value = g_key_file_get_string (kf, group, key, &local_error);

  if (!value) {
    g_autofree char *detail = NULL;

    if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
        g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
      return TRUE;
    detail = g_utf8_make_valid (local_error->message, -1);
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s: %s", group, key, detail);
    return FALSE;
  }
  g_strstrip (value);
  if (*value) {
    set_str (out, value);
  } else if (may_unset) {
    g_clear_pointer (out, g_free);
  } else {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s is empty: give it a value, or leave the line out for the default",
                 group, key);
    return FALSE;
  }
  return TRUE;
}

static gboolean
get_uint (GKeyFile    *kf,
          const char  *group,
          const char  *key,
          guint64      min,
          guint64      max,
          guint64     *out,
          GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  guint64 value;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  value = g_key_file_get_uint64 (kf, group, key, &local_error);
  if (local_error || value < min || value > max) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s must be a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                 group, key, min, max);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

/* [calls] stun-servers / turn-servers: ;-separated URIs, each of
 * @schemes, at most KITH_MAX_ICE_URLS, each at most KITH_MAX_ICE_URL_BYTES
 * and without white space. An empty list unsets. */
static gboolean
get_ice_urls (GKeyFile            *kf,
              const char          *key,
              const char * const  *schemes,
              GStrv               *out,
              GError             **error)
{
  g_autoptr (GError) list_error = NULL;
  g_auto (GStrv) urls = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;

  if (!g_key_file_has_key (kf, "calls", key, NULL))
    return TRUE;
  urls = g_key_file_get_string_list (kf, "calls", key, NULL, &list_error);
  if (!urls) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[calls] %s: %s", key, list_error->message);
    return FALSE;
  }

  for (guint i = 0; urls[i]; i++) {
    const char *url = g_strstrip (urls[i]);
    gboolean known = FALSE;

    if (!*url)
      continue;
    for (guint j = 0; schemes[j] && !known; j++)
      known = g_str_has_prefix (url, schemes[j]) && url[strlen (schemes[j])] != '\0';
    if (!known || strlen (url) > KITH_MAX_ICE_URL_BYTES || strpbrk (url, " \t\"\\") ||
        !g_utf8_validate (url, -1, NULL)) {
      g_autofree char *shown = g_utf8_make_valid (url, -1);

      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[calls] %s: “%s” is not a %s URI", key, shown, schemes[0]);
      return FALSE;
    }
    if (++n > KITH_MAX_ICE_URLS) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[calls] %s: at most %d URIs", key, KITH_MAX_ICE_URLS);
      return FALSE;
    }
    g_strv_builder_add (builder, url);
  }

  g_strfreev (*out);
  *out = n > 0 ? g_strv_builder_end (builder) : NULL;
  return TRUE;
}

static gboolean
load_calls (GKeyFile     *kf,
            KithdConfig  *config,
            GError      **error)
{
  static const char * const stun_schemes[] = { "stun:", "stuns:", NULL };
  static const char * const turn_schemes[] = { "turn:", "turns:", NULL };
  guint64 v;

  v = config->call_ring_timeout;
  if (!get_uint (kf, "calls", "ring-timeout", 1, 600, &v, error))
    return FALSE;
  config->call_ring_timeout = v;
  v = config->call_reconnect_timeout;
  if (!get_uint (kf, "calls", "reconnect-timeout", 1, 600, &v, error))
    return FALSE;
  config->call_reconnect_timeout = v;
  v = config->turn_credential_lifetime;
  if (!get_uint (kf, "calls", "turn-credential-lifetime", 60, 7 * 24 * 3600, &v, error))
    return FALSE;
  config->turn_credential_lifetime = v;

  if (!get_ice_urls (kf, "stun-servers", stun_schemes, &config->stun_servers, error) ||
      !get_ice_urls (kf, "turn-servers", turn_schemes, &config->turn_servers, error) ||
      !get_string (kf, "calls", "turn-secret", TRUE, &config->turn_secret, error))
    return FALSE;

  if (!config->turn_servers != !config->turn_secret) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[calls] needs both turn-servers and turn-secret, or neither");
    return FALSE;
  }
  return TRUE;
}

/* A host that is this machine: "localhost" or a loopback address. */
static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);

  if (address)
    return g_inet_address_get_is_loopback (address);
  return g_ascii_strcasecmp (host, "localhost") == 0;
}

/* [mail] smtp-url: smtp://HOST[:PORT] or smtps://HOST[:PORT], nothing
 * more (the user and password have keys of their own). */
static gboolean
parse_smtp_url (const char  *url,
                char       **host,
                gboolean    *smtps,
                GError     **error)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *path = uri ? g_uri_get_path (uri) : NULL;

  /* said before the URL is quoted: it may hold a password */
  if ((uri && g_uri_get_userinfo (uri)) || strchr (url, '@')) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[mail] smtp-url holds a user name or password: "
                         "put them in smtp-username and smtp-password-file");
    return FALSE;
  }
  if (!uri ||
      (g_strcmp0 (g_uri_get_scheme (uri), "smtp") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "smtps") != 0) ||
      !g_uri_get_host (uri) || !*g_uri_get_host (uri) ||
      (*path && strcmp (path, "/") != 0) ||
      g_uri_get_query (uri) || g_uri_get_fragment (uri)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[mail] smtp-url: “%s” is not an SMTP server's URL: use smtp://HOST:PORT "
                 "(STARTTLS, e.g. port 587) or smtps://HOST:PORT (TLS, e.g. port 465)", url);
    return FALSE;
  }
  *host = g_strdup (g_uri_get_host (uri));
  *smtps = strcmp (g_uri_get_scheme (uri), "smtps") == 0;
  return TRUE;
}

/* [mail]'s SMTP settings, as far as the file tells (docs/server.md,
 * "Mail"); the password file and the authorities are read at start. */
static gboolean
load_mail (GKeyFile     *kf,
           KithdConfig  *config,
           GError      **error)
{
  g_autofree char *starttls = NULL;
  g_autofree char *host = NULL;
  gboolean smtps = FALSE;
  gboolean has_password;
  guint64 v;

  if (!get_string (kf, "mail", "smtp-username", TRUE, &config->smtp_username, error) ||
      !get_string (kf, "mail", "smtp-password", TRUE, &config->smtp_password, error) ||
      !get_string (kf, "mail", "smtp-password-file", TRUE, &config->smtp_password_file, error) ||
      !get_string (kf, "mail", "smtp-ca-file", TRUE, &config->smtp_ca_file, error) ||
      !get_string (kf, "mail", "smtp-starttls", TRUE, &starttls, error))
    return FALSE;
  v = config->smtp_timeout;
  if (!get_uint (kf, "mail", "smtp-timeout", 1, 600, &v, error))
    return FALSE;
  config->smtp_timeout = v;

  if (starttls && strcmp (starttls, "required") != 0 && strcmp (starttls, "no") != 0) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[mail] smtp-starttls must be “required” or “no”, not “%s”", starttls);
    return FALSE;
  }
  if (!config->smtp_url)
    return TRUE;

  has_password = config->smtp_password || config->smtp_password_file;
  if (config->smtp_password && config->smtp_password_file) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[mail] has both smtp-password and smtp-password-file: keep one");
    return FALSE;
  }
  if (!config->smtp_username != !has_password) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         config->smtp_username
                         ? "[mail] smtp-username needs smtp-password-file (or smtp-password)"
                         : "[mail] an SMTP password needs smtp-username");
    return FALSE;
  }
  if (!parse_smtp_url (config->smtp_url, &host, &smtps, error))
    return FALSE;

  if (smtps && g_strcmp0 (starttls, "no") == 0) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[mail] smtp-starttls=no with an smtps:// URL: smtps is TLS from the start");
    return FALSE;
  }
  /* Plain SMTP to this machine by default (a local relay); STARTTLS
   * required to anywhere else. */
  config->smtp_starttls = starttls ? strcmp (starttls, "required") == 0 : !host_is_loopback (host);
  if (!smtps && !config->smtp_starttls && has_password && !host_is_loopback (host)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[mail] smtp-starttls=no would send the SMTP password unencrypted to %s: "
                 "use smtp-starttls=required or an smtps:// URL", host);
    return FALSE;
  }
  return TRUE;
}

void
kithd_oidc_provider_config_free (KithdOidcProviderConfig *provider)
{
  if (!provider)
    return;
  g_free (provider->id);
  g_free (provider->name);
  g_free (provider->issuer);
  g_free (provider->client_id);
  g_free (provider->client_secret);
  g_free (provider);
}

static gboolean
oidc_id_is_valid (const char *id)
{
  gsize len = strlen (id);

  if (len < 1 || len > KITHD_OIDC_MAX_ID)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_islower (id[i]) && !g_ascii_isdigit (id[i]) && id[i] != '-')
      return FALSE;
  }
  return TRUE;
}

gboolean
kithd_config_url_is_https_or_loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;
  const char *host;

  if (!uri || g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri))
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (!host || !*host || strpbrk (url, " \t\"\\"))
    return FALSE;
  if (g_str_equal (scheme, "https"))
    return TRUE;
  return g_str_equal (scheme, "http") && host_is_loopback (host);
}

/* [oidc:ID] groups; the old [oidc] google-client-id is refused with a word
 * on what replaced it. */
static gboolean
load_oidc (GKeyFile     *kf,
           KithdConfig  *config,
           GError      **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_autoptr (GPtrArray) providers = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_oidc_provider_config_free);

  if (g_key_file_has_group (kf, "oidc")) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[oidc] is no longer read: name each provider in a group of its own, "
                         "[oidc:google] with name, issuer, client-id and client-secret (see kithd.conf.example)");
    return FALSE;
  }

  for (guint i = 0; groups[i]; i++) {
    g_autoptr (KithdOidcProviderConfig) provider = NULL;
    const char *id;

    if (!g_str_has_prefix (groups[i], "oidc:"))
      continue;
    id = groups[i] + strlen ("oidc:");
    if (!oidc_id_is_valid (id)) {
      g_autofree char *shown = g_utf8_make_valid (groups[i], -1);

      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s]: a provider's id (after “oidc:”) is 1 to %d of a-z, 0-9 and -",
                   shown, KITHD_OIDC_MAX_ID);
      return FALSE;
    }
    if (providers->len == KITHD_OIDC_MAX_PROVIDERS) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s]: at most %d [oidc:…] providers", groups[i], KITHD_OIDC_MAX_PROVIDERS);
      return FALSE;
    }

    provider = g_new0 (KithdOidcProviderConfig, 1);
    provider->id = g_strdup (id);
    if (!get_string (kf, groups[i], "name", FALSE, &provider->name, error) ||
        !get_string (kf, groups[i], "issuer", FALSE, &provider->issuer, error) ||
        !get_string (kf, groups[i], "client-id", FALSE, &provider->client_id, error) ||
        !get_string (kf, groups[i], "client-secret", FALSE, &provider->client_secret, error))
      return FALSE;
    if (!provider->name)
      provider->name = g_strdup (id);
    if (!provider->issuer || !provider->client_id || !provider->client_secret) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] needs issuer, client-id and client-secret",
                   groups[i]);
      return FALSE;
    }
    if (strlen (provider->name) > 64 || kith_text_has_control (provider->name)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] name: at most 64 bytes, on one line", groups[i]);
      return FALSE;
    }
    while (g_str_has_suffix (provider->issuer, "/"))
      provider->issuer[strlen (provider->issuer) - 1] = '\0';
    if (!kithd_config_url_is_https_or_loopback (provider->issuer)) {
      g_autofree char *shown = g_utf8_make_valid (provider->issuer, -1);

      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] issuer: “%s” is not an https:// URL (http:// only on this machine: localhost or a loopback address)",
                   groups[i], shown);
      return FALSE;
    }
    g_ptr_array_add (providers, g_steal_pointer (&provider));
  }

  g_ptr_array_unref (config->oidc_providers);
  config->oidc_providers = g_steal_pointer (&providers);
  return TRUE;
}

gboolean
kithd_config_load_file (KithdConfig  *config,
                        const char   *path,
                        GError      **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *listen = NULL;
  guint64 v;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error)) {
    /* GKeyFile quotes the line it refused as it is, in whatever encoding:
     * the operator gets the file's name and a message in UTF-8. */
    g_autofree char *name = g_filename_display_name (path);
    g_autofree char *detail = g_utf8_make_valid (local_error->message, -1);

    g_set_error (error, local_error->domain, local_error->code, "%s: %s", name, detail);
    return FALSE;
  }

  /* An empty listen, like a missing one, keeps the default. */
  if (!get_string (kf, "server", "listen", TRUE, &listen, error))
    return FALSE;
  if (listen &&
      !kithd_config_parse_listen (listen, &config->listen_host, &config->listen_port, error))
    return FALSE;
  if (!get_string (kf, "server", "data-dir", FALSE, &config->data_dir, error) ||
      !get_string (kf, "server", "public-url", TRUE, &config->public_url, error) ||
      !get_string (kf, "server", "name", FALSE, &config->name, error) ||
      !get_string (kf, "mail", "from", FALSE, &config->mail_from, error) ||
      !get_string (kf, "mail", "smtp-url", TRUE, &config->smtp_url, error) ||
      !get_string (kf, "tls", "certificate", TRUE, &config->tls_certificate, error) ||
      !get_string (kf, "tls", "key", TRUE, &config->tls_key, error))
    return FALSE;
  if (g_key_file_has_key (kf, "server", "trusted-proxies", NULL)) {
    g_autoptr (GError) list_error = NULL;
    g_auto (GStrv) proxies = g_key_file_get_string_list (kf, "server", "trusted-proxies", NULL, &list_error);
    g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

    if (!proxies) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[server] trusted-proxies: %s", list_error->message);
      return FALSE;
    }

    for (guint i = 0; proxies && proxies[i]; i++) {
      g_autoptr (GInetAddress) address = NULL;
      g_autofree char *text = NULL;

      if (!*g_strstrip (proxies[i]))
        continue;
      address = g_inet_address_new_from_string (proxies[i]);
      if (!address) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                     "[server] trusted-proxies: “%s” is not an IP address", proxies[i]);
        return FALSE;
      }
      text = g_inet_address_to_string (address);
      g_strv_builder_add (builder, text);
    }
    g_strfreev (config->trusted_proxies);
    config->trusted_proxies = g_strv_builder_end (builder);
  }

  v = config->mail_retry_interval;
  if (!get_uint (kf, "mail", "retry-interval", 1, 24 * 3600, &v, error))
    return FALSE;
  config->mail_retry_interval = v;
  v = config->max_connections;
  if (!get_uint (kf, "limits", "max-connections", 1, 1000000, &v, error))
    return FALSE;
  config->max_connections = v;
  v = config->connections_per_address;
  if (!get_uint (kf, "limits", "connections-per-address", 0, 1000000, &v, error))
    return FALSE;
  config->connections_per_address = v;
  v = config->request_timeout_ms / 1000;
  if (!get_uint (kf, "limits", "request-timeout", 1, 3600, &v, error))
    return FALSE;
  config->request_timeout_ms = v * 1000;
  v = config->idle_timeout_ms / 1000;
  if (!get_uint (kf, "limits", "idle-timeout", 1, 3600, &v, error))
    return FALSE;
  config->idle_timeout_ms = v * 1000;
  for (guint i = 0; i < G_N_ELEMENTS (limit_keys); i++) {
    if (!g_key_file_has_key (kf, "limits", limit_keys[i].key, NULL))
      continue;
    v = 0;
    if (!get_uint (kf, "limits", limit_keys[i].key, 0, 1000000, &v, error))
      return FALSE;
    config->limits[limit_keys[i].limit] = v;
  }
  v = config->password_checks_per_address;
  if (!get_uint (kf, "limits", "password-checks-per-address", 0, 100000, &v, error))
    return FALSE;
  config->password_checks_per_address = v;
  v = config->password_checks;
  if (!get_uint (kf, "limits", "password-checks", 0, 100000, &v, error))
    return FALSE;
  config->password_checks = v;
  v = config->messages_per_second;
  if (!get_uint (kf, "limits", "messages-per-second", 0, 1000000, &v, error))
    return FALSE;
  config->messages_per_second = v;
  v = config->message_burst;
  if (!get_uint (kf, "limits", "message-burst", 1, 1000000, &v, error))
    return FALSE;
  config->message_burst = v;
  v = config->max_send_queue / 1024;
  if (!get_uint (kf, "limits", "max-send-queue-kib", 64, 1024 * 1024, &v, error))
    return FALSE;
  config->max_send_queue = v * 1024;
  v = config->hello_timeout_ms / 1000;
  if (!get_uint (kf, "limits", "hello-timeout", 1, 3600, &v, error))
    return FALSE;
  config->hello_timeout_ms = v * 1000;
  v = config->ping_interval_ms / 1000;
  if (!get_uint (kf, "limits", "ping-interval", 1, 3600, &v, error))
    return FALSE;
  config->ping_interval_ms = v * 1000;
  v = config->dead_after_ms / 1000;
  if (!get_uint (kf, "limits", "dead-peer-timeout", 2, 3 * 3600, &v, error))
    return FALSE;
  config->dead_after_ms = v * 1000;

  if (!load_calls (kf, config, error) ||
      !load_oidc (kf, config, error))
    return FALSE;

  if (!load_mail (kf, config, error))
    return FALSE;

  if (!config->tls_certificate != !config->tls_key) {
    g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "[tls] needs both certificate and key, or neither");
    return FALSE;
  }

  return TRUE;
}

gboolean
kithd_config_parse_args (KithdConfig   *config,
                         int           *argc,
                         char        ***argv,
                         gboolean      *show_version,
                         GError       **error)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *port_file = NULL;
  g_autofree char *test_clock_file = NULL;
  int test_hello_timeout_ms = 0;
  int test_ping_interval_ms = 0;
  int test_dead_peer_ms = 0;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Read settings from FILE", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Keep the database and outbox in DIR", "DIR" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Listen on HOST:PORT (default 127.0.0.1:8480; port 0 picks one)", "HOST:PORT" },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &public_url, "The URL people reach kithd at (used in mails)", "URL" },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file, "Write the bound port to FILE once listening", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { "test-clock-file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &test_clock_file, "(tests) clock offset file", "FILE" },
    { "test-hello-timeout-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &test_hello_timeout_ms, "(tests) hello timeout", "MS" },
    { "test-ping-interval-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &test_ping_interval_ms, "(tests) ping interval", "MS" },
    { "test-dead-peer-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &test_dead_peer_ms, "(tests) dead-peer timeout", "MS" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- the Kith account and presence server");

  g_option_context_set_summary (context,
                                "Runs the server. “kithd admin --help” lists the operator commands.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (*argc > 1) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                 "Unexpected argument “%s”", (*argv)[1]);
    return FALSE;
  }

  if (show_version)
    *show_version = version;

  if (config_file) {
    if (!kithd_config_load_file (config, config_file, error))
      return FALSE;
    set_str (&config->config_file, config_file);
  }

  if (data_dir)
    set_str (&config->data_dir, data_dir);
  if (listen &&
      !kithd_config_parse_listen (listen, &config->listen_host, &config->listen_port, error))
    return FALSE;
  if (public_url)
    set_str (&config->public_url, public_url);
  if (port_file)
    set_str (&config->port_file, port_file);

  config->test_hooks = g_strcmp0 (g_getenv ("KITHD_ENABLE_TEST_HOOKS"), "1") == 0;
  if (config->test_hooks) {
    if (!test_clock_file)
      test_clock_file = g_strdup (g_getenv ("KITHD_TEST_CLOCK_OFFSET_FILE"));
    set_str (&config->test_clock_file, test_clock_file);
    if (test_hello_timeout_ms > 0)
      config->hello_timeout_ms = test_hello_timeout_ms;
    if (test_ping_interval_ms > 0)
      config->ping_interval_ms = test_ping_interval_ms;
    if (test_dead_peer_ms > 0)
      config->dead_after_ms = test_dead_peer_ms;
  }

  if (config->public_url) {
    gsize len = strlen (config->public_url);

    while (len > 0 && config->public_url[len - 1] == '/')
      config->public_url[--len] = '\0';
  }

  return TRUE;
}

void
kithd_clock_set_offset_file (const char *path)
{
  set_str (&clock_offset_file, path);
}

gint64
kithd_clock_now_ms (void)
{
  gint64 now = g_get_real_time () / 1000;

  if (clock_offset_file) {
    g_autofree char *contents = NULL;

    if (g_file_get_contents (clock_offset_file, &contents, NULL, NULL)) {
      gint64 offset = g_ascii_strtoll (g_strstrip (contents), NULL, 10);

      now += offset * 1000;
    }
  }

  return now;
}

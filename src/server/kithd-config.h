/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kithd-throttle.h"

/* [oidc:ID]: the id's length, and how many providers there may be. */
#define KITHD_OIDC_MAX_ID        32
#define KITHD_OIDC_MAX_PROVIDERS 16

/* A limit kithd.conf did not set: the throttle's default. */
#define KITHD_LIMIT_DEFAULT G_MAXUINT

G_BEGIN_DECLS

/* An OpenID Connect provider kithd signs people in with: an [oidc:ID]
 * group of kithd.conf (docs/server.md, "OIDC"). */
typedef struct {
  char     *id;                        /* [a-z0-9-]{1,32}: the flow "oidc:ID" */
  char     *name;                      /* on buttons: "Google" */
  char     *issuer;                    /* https://…, or http:// on loopback; no trailing slash */
  char     *client_id;
  char     *client_secret;
} KithdOidcProviderConfig;

void kithd_oidc_provider_config_free (KithdOidcProviderConfig *provider);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdOidcProviderConfig, kithd_oidc_provider_config_free)

/*
 * kithd's settings: a GKeyFile (--config FILE, see data/kithd.conf.example)
 * overridden by command-line options.
 */
typedef struct {
  char     *config_file;
  char     *data_dir;
  char     *listen_host;
  guint16   listen_port;               /* 0: pick a free port */
  char     *public_url;                /* no trailing slash */
  char     *name;                      /* shown by GET /server */
  char     *port_file;                 /* written once listening */
  GStrv     trusted_proxies;           /* their X-Forwarded-For is believed */

  char     *mail_from;
  char     *smtp_url;                  /* smtp:// or smtps://; NULL: files in DATA_DIR/outbox */
  char     *smtp_username;             /* NULL: no AUTH */
  char     *smtp_password;             /* smtp-password (zeroed when freed), or NULL */
  char     *smtp_password_file;        /* smtp-password-file, read at start, or NULL */
  gboolean  smtp_starttls;             /* smtp://: STARTTLS required (default unless loopback) */
  char     *smtp_ca_file;              /* PEM authorities; NULL: the system's */
  guint     smtp_timeout;              /* seconds to reach the server, and again to send a mail */
  guint     mail_retry_interval;       /* seconds before the first retry when mail fails */

  GPtrArray *oidc_providers;           /* KithdOidcProviderConfig, in the file's order */

  char     *tls_certificate;           /* PEM files; both set: HTTPS only */
  char     *tls_key;

  guint     max_connections;
  guint     connections_per_address;   /* 0: no limit */
  guint     request_timeout_ms;        /* first line to last byte of a request */
  guint     idle_timeout_ms;           /* a connection with no request in progress */
  guint     limits[KITHD_N_LIMITS];    /* events per window, 0: none; or KITHD_LIMIT_DEFAULT */
  guint     password_checks_per_address; /* hashes waiting or running, 0: no bound */
  guint     password_checks;
  guint     messages_per_second;       /* per socket, 0: no limit */
  guint     message_burst;
  gsize     max_send_queue;            /* bytes per connection */
  guint     hello_timeout_ms;
  guint     ping_interval_ms;
  guint     dead_after_ms;

  guint     call_ring_timeout;         /* seconds a call rings before it is missed */
  guint     call_reconnect_timeout;    /* seconds a call waits for a device to come back */
  GStrv     stun_servers;              /* stun:/stuns: URIs; NULL: none */
  GStrv     turn_servers;              /* turn:/turns: URIs; NULL: none */
  char     *turn_secret;               /* coturn's static-auth-secret; NULL: no TURN */
  guint     turn_credential_lifetime;  /* seconds a TURN credential is good for */

  /* test hooks: honoured only with KITHD_ENABLE_TEST_HOOKS=1 */
  gboolean  test_hooks;
  char     *test_clock_file;
} KithdConfig;

KithdConfig *kithd_config_new         (void);
void         kithd_config_free        (KithdConfig  *config);
/* Parses the server's options (and --config). Returns FALSE with @error on
 * bad input; sets @show_version when --version was given. */
gboolean     kithd_config_parse_args  (KithdConfig  *config,
                                       int          *argc,
                                       char       ***argv,
                                       gboolean     *show_version,
                                       GError      **error);
gboolean     kithd_config_load_file   (KithdConfig  *config,
                                       const char   *path,
                                       GError      **error);
/* An https://HOST[:PORT][/PATH] URL, or http:// on a loopback address
 * (127.0.0.1, [::1]); no query, no fragment, no user: an OIDC issuer or
 * endpoint. */
gboolean     kithd_config_url_is_https_or_loopback (const char *url);
/* "host:port", "[v6]:port" or ":port". */
gboolean     kithd_config_parse_listen (const char  *value,
                                        char       **host,
                                        guint16     *port,
                                        GError     **error);

/* The time kithd uses everywhere (ms since the epoch). With test hooks on
 * and a clock file set, the file's offset in seconds is added; it is read
 * every time the time is taken. */
void         kithd_clock_set_offset_file (const char *path);
gint64       kithd_clock_now_ms          (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdConfig, kithd_config_free)

G_END_DECLS

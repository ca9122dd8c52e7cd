/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * KithdHttp: kithd's HTTP/1.1 (and HTTPS) listener, on GNU libmicrohttpd
 * driven from the GLib main context (its epoll descriptor is one GSource).
 *
 * It is the part of kithd that faces the network before anyone is signed
 * in, so everything is bounded: connections in all and per address, the
 * time a connection may take to deliver a complete request and the time
 * it may sit idle, header sizes, and request bodies (refused by their
 * declared length before a byte of them is read). See docs/server.md.
 *
 * A request reaches the handler once it is complete. The handler answers
 * with kithd_request_respond(), at once or later (the connection waits,
 * suspended, and costs nothing meanwhile), or hands the connection over
 * with kithd_request_upgrade(). Main thread only.
 */

typedef struct _KithdHttp    KithdHttp;
typedef struct _KithdRequest KithdRequest;
typedef struct _KithdUpgrade KithdUpgrade;

typedef struct {
  const char *host;                     /* an IP address */
  guint16     port;                     /* 0: pick one */
  guint       max_connections;          /* further capped by the descriptor limit */
  guint       connections_per_address;  /* 0: no limit */
  guint       request_timeout_ms;       /* from a request's first line to its last byte */
  guint       idle_timeout_ms;          /* a connection without a request in progress */
  gsize       max_body;
  const char *tls_certificate_file;     /* PEM; with tls_key_file: HTTPS only */
  const char *tls_key_file;
  const char *server_header;
  /* Reverse proxies whose X-Forwarded-For names the client (its last
   * address); NULL-terminated, nullable. Nobody else's is believed. */
  const char * const *trusted_proxies;
} KithdHttpOptions;

/* A complete request. */
typedef void (*KithdHttpHandler) (KithdRequest *request,
                                  gpointer      user_data);

/* After the 101 is out: @fd is the connection's (plain) socket, non-blocking,
 * still owned by KithdHttp; @extra holds bytes the client sent after the
 * request. The receiver ends the connection with kithd_upgrade_close(). */
typedef void (*KithdUpgradeFunc) (KithdUpgrade *upgrade,
                                  int           fd,
                                  const guint8 *extra,
                                  gsize         extra_len,
                                  gpointer      user_data);

KithdHttp    *kithd_http_new                 (const KithdHttpOptions *options,
                                              KithdHttpHandler        handler,
                                              gpointer                user_data,
                                              GError                **error);
/* Stops accepting, answers what is still waiting with 503, closes. */
void          kithd_http_free                (KithdHttp              *self);
guint16       kithd_http_get_port            (KithdHttp              *self);
gboolean      kithd_http_is_tls              (KithdHttp              *self);
/* Open connections, upgraded ones included; and the most there may be. */
guint         kithd_http_get_n_connections   (KithdHttp              *self);
guint         kithd_http_get_max_connections (KithdHttp              *self);

KithdRequest *kithd_request_ref              (KithdRequest           *request);
void          kithd_request_unref            (KithdRequest           *request);
const char   *kithd_request_get_method       (KithdRequest           *request);
/* The path, percent-decoded, without the query. */
const char   *kithd_request_get_path         (KithdRequest           *request);
const char   *kithd_request_get_query        (KithdRequest           *request,
                                              const char             *name);
const char   *kithd_request_get_header       (KithdRequest           *request,
                                              const char             *name);
/* The client's IP address as text: the peer's, or, when the peer is a
 * trusted proxy, the last address of its X-Forwarded-For. */
const char   *kithd_request_get_address      (KithdRequest           *request);
const char   *kithd_request_get_body         (KithdRequest           *request,
                                              gsize                  *len);
/* A header of the response to come. */
void          kithd_request_set_header       (KithdRequest           *request,
                                              const char             *name,
                                              const char             *value);
/* One more header of that name (Set-Cookie, once per cookie). */
void          kithd_request_add_header       (KithdRequest           *request,
                                              const char             *name,
                                              const char             *value);
/* Answers (once). @body (nullable) is taken. A request whose connection is
 * gone is answered into the void. */
void          kithd_request_respond          (KithdRequest           *request,
                                              guint                   status,
                                              const char             *content_type,
                                              char                   *body,
                                              gsize                   len);
/* Answers 101 with the headers set so far (add Upgrade and the protocol's
 * own); @func gets the connection once the answer is out. */
void          kithd_request_upgrade          (KithdRequest           *request,
                                              KithdUpgradeFunc        func,
                                              gpointer                user_data);
gboolean      kithd_request_is_tls           (KithdRequest           *request);
/* Whether the client reached kithd over HTTPS: kithd's own TLS, or a
 * trusted proxy whose X-Forwarded-Proto (its last value) is "https". */
gboolean      kithd_request_is_https         (KithdRequest           *request);

/* Ends an upgraded connection (its socket is closed for the receiver). */
void          kithd_upgrade_close            (KithdUpgrade           *upgrade);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdRequest, kithd_request_unref)

G_END_DECLS

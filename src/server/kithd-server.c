/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdServer"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "kith-protocol.h"
#include "kithd-routes.h"
#include "kithd-server.h"
#include "kithd-store-sqlite.h"
#include "kithd-ws.h"

#define SHUTDOWN_WAIT_US (3 * G_USEC_PER_SEC)

struct _KithdServer
{
  GObject        parent_instance;

  KithdConfig   *config;
  KithdStore    *store;
  KithdDb       *db;
  KithdMailer   *mailer;
  KithdHub      *hub;
  KithdThrottle *throttle;
  KithdOidc     *oidc;
  KithdHttp     *http;
  guint16        port;

  /* What the routes see of all this: borrowed from the fields above. */
  KithdRouteContext routes;
};

G_DEFINE_FINAL_TYPE (KithdServer, kithd_server, G_TYPE_OBJECT)

static void
kithd_server_dispose (GObject *object)
{
  KithdServer *self = (KithdServer *) object;

  /* The hub first: its sockets belong to the HTTP layer. */
  g_clear_object (&self->hub);
  g_clear_pointer (&self->http, kithd_http_free);
  self->routes = (KithdRouteContext) { 0 };
  g_clear_object (&self->oidc);
  g_clear_object (&self->mailer);
  if (self->db)
    kithd_db_flush (self->db);
  g_clear_object (&self->db);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (kithd_server_parent_class)->dispose (object);
}

static void
kithd_server_finalize (GObject *object)
{
  KithdServer *self = (KithdServer *) object;

  g_clear_pointer (&self->throttle, kithd_throttle_free);
  g_clear_pointer (&self->config, kithd_config_free);

  G_OBJECT_CLASS (kithd_server_parent_class)->finalize (object);
}

static void
kithd_server_class_init (KithdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kithd_server_dispose;
  object_class->finalize = kithd_server_finalize;
}

static void
kithd_server_init (KithdServer *self)
{
  self->throttle = kithd_throttle_new ();
}

KithdServer *
kithd_server_new (KithdConfig  *config,
                  GError      **error)
{
  g_autoptr (KithdServer) self = g_object_new (KITHD_TYPE_SERVER, NULL);
  g_autofree char *db_path = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  self->config = config;
  kithd_throttle_set_hash_bounds (self->throttle, config->password_checks_per_address,
                                  config->password_checks);
  for (guint l = 0; l < KITHD_N_LIMITS; l++) {
    if (config->limits[l] != KITHD_LIMIT_DEFAULT)
      kithd_throttle_set_rule (self->throttle, l, config->limits[l],
                               kithd_throttle_get_rule (self->throttle, l)->window_ms);
  }

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot create the data directory %s: %s", config->data_dir, g_strerror (saved));
    return NULL;
  }

  kithd_clock_set_offset_file (config->test_hooks ? config->test_clock_file : NULL);

  db_path = g_build_filename (config->data_dir, "kithd.db", NULL);
  self->store = KITHD_STORE (kithd_store_sqlite_new (db_path, error));
  if (!self->store)
    return NULL;
  self->db = kithd_db_new (self->store);

  self->mailer = kithd_mailer_new_for_config (self->db, config, error);
  if (!self->mailer)
    return NULL;
  self->hub = kithd_hub_new (self->db, self->mailer, config);
  self->oidc = kithd_oidc_new (config, self->db);

  self->routes.db = self->db;
  self->routes.hub = self->hub;
  self->routes.mailer = self->mailer;
  self->routes.throttle = self->throttle;
  self->routes.config = self->config;
  self->routes.oidc = self->oidc;

  return g_steal_pointer (&self);
}

gboolean
kithd_server_listen (KithdServer  *self,
                     GError      **error)
{
  const KithdConfig *config;
  KithdHttpOptions options = { 0 };
  gboolean v6;

  g_return_val_if_fail (KITHD_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->http == NULL, FALSE);

  config = self->config;
  options.host = config->listen_host;
  options.port = config->listen_port;
  options.max_connections = config->max_connections;
  options.connections_per_address = config->connections_per_address;
  options.request_timeout_ms = config->request_timeout_ms;
  options.idle_timeout_ms = config->idle_timeout_ms;
  options.max_body = KITH_MAX_BODY_BYTES;
  options.tls_certificate_file = config->tls_certificate;
  options.tls_key_file = config->tls_key;
  options.server_header = "kithd/" PACKAGE_VERSION;
  options.trusted_proxies = (const char * const *) config->trusted_proxies;

  self->http = kithd_http_new (&options, kithd_routes_handle, &self->routes, error);
  if (!self->http)
    return FALSE;
  self->port = kithd_http_get_port (self->http);

  v6 = strchr (config->listen_host, ':') != NULL;
  if (!self->config->public_url)
    self->config->public_url = g_strdup_printf ("%s://%s%s%s:%u",
                                                kithd_http_is_tls (self->http) ? "https" : "http",
                                                v6 ? "[" : "", config->listen_host, v6 ? "]" : "",
                                                self->port);

  /* Before the port file: whoever waits for that may read the log. */
  g_message ("kithd %s listening on %s://%s:%u (at most %u connections, %u per address)",
             PACKAGE_VERSION, kithd_http_is_tls (self->http) ? "https" : "http",
             config->listen_host, self->port, kithd_http_get_max_connections (self->http),
             config->connections_per_address);

  if (self->config->port_file) {
    g_autofree char *tmp = g_strconcat (self->config->port_file, ".tmp", NULL);
    g_autofree char *text = g_strdup_printf ("%u\n", self->port);

    if (!g_file_set_contents (tmp, text, -1, error))
      return FALSE;
    if (g_rename (tmp, self->config->port_file) != 0) {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot write %s: %s", self->config->port_file, g_strerror (saved));
      return FALSE;
    }
  }

  return TRUE;
}

guint16
kithd_server_get_port (KithdServer *self)
{
  g_return_val_if_fail (KITHD_IS_SERVER (self), 0);

  return self->port;
}

void
kithd_server_shutdown (KithdServer *self)
{
  gint64 deadline;

  g_return_if_fail (KITHD_IS_SERVER (self));

  kithd_hub_close_all (self->hub, 1001);
  deadline = g_get_monotonic_time () + SHUTDOWN_WAIT_US;
  while ((kithd_hub_get_n_connections (self->hub) > 0 || kithd_ws_get_n_lingering () > 0) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* What still lingers gives its socket back while the HTTP layer is there
   * to take it (libmicrohttpd aborts when stopped with an upgraded
   * connection still open). */
  kithd_ws_abort_lingering ();

  /* The hub goes first (what is still open is cut): its sockets belong to
   * the HTTP layer, which then answers what waits and stops. */
  g_clear_object (&self->hub);
  self->routes.hub = NULL;
  g_clear_pointer (&self->http, kithd_http_free);
  kithd_db_flush (self->db);
}

KithdDb *
kithd_server_get_db (KithdServer *self)
{
  g_return_val_if_fail (KITHD_IS_SERVER (self), NULL);

  return self->db;
}

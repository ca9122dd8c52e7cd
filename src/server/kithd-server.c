/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdServer"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "kithd-routes.h"
#include "kithd-server.h"
#include "kithd-store-sqlite.h"

#define SHUTDOWN_WAIT_US (3 * G_USEC_PER_SEC)
/* The kernel caps it at net.core.somaxconn (4096 on Debian 12). */
#define LISTEN_BACKLOG   1024

struct _KithdServer
{
  GObject        parent_instance;

  KithdConfig   *config;
  KithdStore    *store;
  KithdDb       *db;
  KithdMailer   *mailer;
  KithdHub      *hub;
  KithdThrottle *throttle;
  SoupServer    *soup;
  guint16        port;
};

G_DEFINE_FINAL_TYPE (KithdServer, kithd_server, G_TYPE_OBJECT)

static void
kithd_server_dispose (GObject *object)
{
  KithdServer *self = (KithdServer *) object;

  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->hub);
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
  g_autofree char *outbox = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  self->config = config;

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

  outbox = g_build_filename (config->data_dir, "outbox", NULL);
  self->mailer = kithd_mailer_new (self->db, outbox, config->smtp_url, config->mail_from);
  self->hub = kithd_hub_new (self->db, self->mailer, config);

  self->soup = soup_server_new ("server-header", "kithd/" PACKAGE_VERSION, NULL);
  kithd_routes_register (self, self->soup);

  return g_steal_pointer (&self);
}

gboolean
kithd_server_listen (KithdServer  *self,
                     GError      **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) sockaddr = NULL;
  g_autoptr (GSocket) listener = NULL;
  g_autoptr (GSList) uris = NULL;

  g_return_val_if_fail (KITHD_IS_SERVER (self), FALSE);

  address = g_inet_address_new_from_string (self->config->listen_host);
  if (!address) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an IP address", self->config->listen_host);
    return FALSE;
  }
  sockaddr = g_inet_socket_address_new (address, self->config->listen_port);

  /* Our own listening socket: soup_server_listen() leaves GSocket's backlog
   * of 10, and a reconnect storm then loses SYNs (clients wait 1 s, 3 s, …). */
  listener = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (!listener)
    return FALSE;
  g_socket_set_listen_backlog (listener, LISTEN_BACKLOG);
  if (!g_socket_bind (listener, sockaddr, TRUE, error) ||
      !g_socket_listen (listener, error) ||
      !soup_server_listen_socket (self->soup, listener, 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  if (uris)
    self->port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  if (!self->config->public_url)
    self->config->public_url = g_strdup_printf ("http://%s%s%s:%u",
                                                g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? "[" : "",
                                                self->config->listen_host,
                                                g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? "]" : "",
                                                self->port);

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

  g_message ("kithd %s listening on %s:%u", PACKAGE_VERSION, self->config->listen_host, self->port);
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
  while (kithd_hub_get_n_connections (self->hub) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  soup_server_disconnect (self->soup);
  kithd_db_flush (self->db);
}

const KithdConfig *
kithd_server_get_config (KithdServer *self)
{
  return self->config;
}

KithdDb *
kithd_server_get_db (KithdServer *self)
{
  return self->db;
}

KithdHub *
kithd_server_get_hub (KithdServer *self)
{
  return self->hub;
}

KithdMailer *
kithd_server_get_mailer (KithdServer *self)
{
  return self->mailer;
}

KithdThrottle *
kithd_server_get_throttle (KithdServer *self)
{
  return self->throttle;
}

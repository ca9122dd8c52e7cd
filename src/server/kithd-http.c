/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithdHttp: libmicrohttpd's daemon run from the main context, its
 * connections with their deadlines and limits, and the queueing of answers.
 * One request is kithd-request.c's (kithd-http-private.h).
 */
#define G_LOG_DOMAIN "KithdHttp"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <microhttpd.h>

#include "kith-protocol.h"
#include "kithd-http-private.h"
#include "kithd-tls-files.h"

/* The kernel caps it at net.core.somaxconn (4096 on Debian 12). */
#define LISTEN_BACKLOG        1024
/* A request's headers must fit in this (libmicrohttpd answers 431 past
 * it). libmicrohttpd zeroes the whole pool when a request is done, so every
 * connection keeps it resident, an upgraded one for as long as it lives:
 * 8 KiB holds any request of ours or a browser's, and costs ~8.7 kB per
 * idle socket (docs/performance.md). */
#define CONNECTION_MEMORY     (8 * 1024)
/* Descriptors kept for everything that is not a connection (database,
 * log, epoll sets, mail being written, …), beyond those open at start. */
#define RESERVED_DESCRIPTORS  32
/* libmicrohttpd's own messages: at most this many per minute. */
#define LOG_BURST             20


/* ---- running libmicrohttpd from the main context ---- */

static void
update_timer (KithdHttp *self)
{
  MHD_UNSIGNED_LONG_LONG ms = 0;

  if (MHD_get_timeout (self->daemon, &ms) == MHD_YES)
    g_source_set_ready_time (self->timer, g_get_monotonic_time () + (gint64) MIN (ms, 3600000) * 1000);
  else
    g_source_set_ready_time (self->timer, -1);
}

static void
run (KithdHttp *self)
{
  MHD_run (self->daemon);
  update_timer (self);
}

static gboolean
on_epoll (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  run (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL, NULL, NULL };

static gboolean
on_timer (gpointer user_data)
{
  run (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_run_soon (gpointer user_data)
{
  KithdHttp *self = user_data;

  self->run_id = 0;
  run (self);
  return G_SOURCE_REMOVE;
}

void
kithd_http_schedule_run (KithdHttp *self)
{
  if (self->run_id == 0)
    self->run_id = g_idle_add (on_run_soon, self);
}

/* ---- logging: bounded, and the connection limit said once ---- */

static gboolean
on_calm (gpointer user_data)
{
  KithdHttp *self = user_data;

  self->calm_id = 0;
  self->at_limit = FALSE;
  g_message ("kithd accepts new connections again (%u open)", self->n_open);
  return G_SOURCE_REMOVE;
}

static void
note_at_limit (KithdHttp *self)
{
  g_clear_handle_id (&self->calm_id, g_source_remove);
  if (self->at_limit)
    return;
  self->at_limit = TRUE;
  g_message ("kithd is at its connection limit (%u open, at most %u): "
             "new connections wait in the listen queue until others close",
             self->n_open, self->max_connections);
}

/* Said once the count stayed under the limit for a second: while a full
 * listen queue drains, connections are accepted and close at the limit
 * many times, and that is one episode, not news each time. */
static void
note_below_limit (KithdHttp *self)
{
  if (self->at_limit && self->n_open < self->max_connections && !self->calm_id)
    self->calm_id = g_timeout_add (1000, on_calm, self);
}

static void on_mhd_log (void       *cls,
                        const char *format,
                        va_list     ap) G_GNUC_PRINTF (2, 0);

static void
on_mhd_log (void       *cls,
            const char *format,
            va_list     ap)
{
  KithdHttp *self = cls;
  g_autofree char *text = g_strdup_vprintf (format, ap);
  gint64 now = g_get_monotonic_time ();

  g_strchomp (text);
  /* accept() failed for want of descriptors: libmicrohttpd stops
   * accepting until a connection closes. */
  if (strstr (text, "resource limit")) {
    note_at_limit (self);
    return;
  }

  if (now - self->log_window > 60 * G_USEC_PER_SEC) {
    if (self->log_dropped > 0)
      g_message ("%u more messages of libmicrohttpd were not logged", self->log_dropped);
    self->log_window = now;
    self->log_count = 0;
    self->log_dropped = 0;
  }
  if (self->log_count++ < LOG_BURST)
    g_message ("libmicrohttpd: %s", text);
  else
    self->log_dropped++;
}

/* ---- connections and their deadlines ---- */

static void
conn_info_free (ConnInfo *info)
{
  g_free (info->address);
  g_free (info);
}

static void
set_phase (KithdHttp *self,
           ConnInfo  *info,
           Phase      phase)
{
  if (!info)
    return;
  info->phase = phase;
  if (phase == PHASE_IDLE)
    info->deadline = g_get_monotonic_time () + self->idle_timeout_us;
  else if (phase == PHASE_REQUEST)
    info->deadline = g_get_monotonic_time () + self->request_timeout_us;
  else if (phase == PHASE_UPGRADED)
    g_hash_table_remove (self->conns, info);
}

static char *
address_to_string (const struct sockaddr *sa)
{
  g_autoptr (GSocketAddress) address = NULL;
  gsize len;

  if (!sa)
    return g_strdup ("unknown");
  len = sa->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
  address = g_socket_address_new_from_native ((gpointer) sa, len);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
on_notify_connection (void                            *cls,
                      struct MHD_Connection           *connection,
                      void                           **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
  KithdHttp *self = cls;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    ConnInfo *info = g_new0 (ConnInfo, 1);
    const union MHD_ConnectionInfo *ci;

    info->conn = connection;
    ci = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    info->fd = ci ? ci->connect_fd : -1;
    ci = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    info->address = address_to_string (ci ? ci->client_addr : NULL);
    g_hash_table_add (self->conns, info);
    set_phase (self, info, PHASE_IDLE);
    *socket_context = info;

    self->n_open++;
    if (self->n_open >= self->max_connections)
      note_at_limit (self);
    return;
  }

  if (*socket_context) {
    g_hash_table_remove (self->conns, *socket_context);
    conn_info_free (*socket_context);
    *socket_context = NULL;
  }
  if (self->n_open > 0)
    self->n_open--;
  note_below_limit (self);
  /* libmicrohttpd watches its listening socket again only from its next
   * run, and nothing else may wake it: a full listen queue would wait. */
  kithd_http_schedule_run (self);
}

/* A connection past its deadline is shut down; libmicrohttpd sees the end
 * of its stream and closes it as usual. */
static gboolean
on_sweep (gpointer user_data)
{
  KithdHttp *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  ConnInfo *info;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, (gpointer *) &info, NULL)) {
    if (info->shut || info->fd < 0 || now < info->deadline ||
        (info->phase != PHASE_IDLE && info->phase != PHASE_REQUEST))
      continue;
    g_debug ("closing a connection from %s: %s", info->address,
             info->phase == PHASE_IDLE ? "idle too long" : "request not complete in time");
    shutdown (info->fd, SHUT_RDWR);
    info->shut = TRUE;
    any = TRUE;
  }
  if (any)
    kithd_http_schedule_run (self);

  return G_SOURCE_CONTINUE;
}

/* ---- requests ---- */

static void *
on_uri (void                  *cls,
        const char            *uri,
        struct MHD_Connection *connection)
{
  KithdHttp *self = cls;
  KithdRequest *req = kithd_request_new (self, connection);

  set_phase (self, req->info, PHASE_REQUEST);
  return req;
}

static void
on_completed (void                            *cls,
              struct MHD_Connection           *connection,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  KithdHttp *self = cls;
  KithdRequest *req = *con_cls;

  if (!req)
    return;
  *con_cls = NULL;
  if (req->suspended) {
    req->suspended = FALSE;
    g_hash_table_remove (self->suspended, req);
  }
  if (req->info && req->info->phase != PHASE_UPGRADED)
    set_phase (self, req->info, PHASE_IDLE);
  req->conn = NULL;
  req->info = NULL;
  kithd_request_unref (req);
}

static void
on_upgraded (void                             *cls,
             struct MHD_Connection            *connection,
             void                             *con_cls,
             const char                       *extra_in,
             size_t                            extra_in_size,
             MHD_socket                        sock,
             struct MHD_UpgradeResponseHandle *urh)
{
  KithdHttp *self = cls;
  KithdRequest *req = con_cls;
  KithdUpgrade *upgrade = g_new0 (KithdUpgrade, 1);
  int flags = fcntl (sock, F_GETFL);

  upgrade->http = self;
  upgrade->urh = urh;
  g_hash_table_add (self->upgrades, upgrade);
  set_phase (self, req->info, PHASE_UPGRADED);
  if (flags >= 0 && !(flags & O_NONBLOCK))
    fcntl (sock, F_SETFL, flags | O_NONBLOCK);

  req->upgrade_func (upgrade, sock, (const guint8 *) extra_in, extra_in_size, req->upgrade_data);
}

static enum MHD_Result
queue_answer (KithdRequest *req)
{
  KithdHttp *self = req->http;
  struct MHD_Response *response;
  enum MHD_Result ret;

  req->queued = TRUE;
  if (req->upgrade_func)
    response = MHD_create_response_for_upgrade (on_upgraded, self);
  else if (req->answer)
    response = MHD_create_response_from_buffer_with_free_callback (req->answer_len, g_steal_pointer (&req->answer),
                                                                   g_free);
  else
    response = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
  if (!response)
    return MHD_NO;

  if (self->server_header)
    MHD_add_response_header (response, MHD_HTTP_HEADER_SERVER, self->server_header);
  if (req->content_type)
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
  for (guint i = 0; i + 1 < req->headers->len; i += 2)
    MHD_add_response_header (response, req->headers->pdata[i], req->headers->pdata[i + 1]);

  ret = MHD_queue_response (req->conn, req->status, response);
  MHD_destroy_response (response);
  return ret;
}

static enum MHD_Result
on_access (void                  *cls,
           struct MHD_Connection *connection,
           const char            *url,
           const char            *method,
           const char            *version,
           const char            *upload_data,
           size_t                *upload_data_size,
           void                 **con_cls)
{
  KithdHttp *self = cls;
  KithdRequest *req = *con_cls;

  if (!req) {
    req = kithd_request_new (self, connection);
    *con_cls = req;
  }

  if (!req->started) {
    req->started = TRUE;
    if (!kithd_request_start (req, method, url))
      return queue_answer (req);
    return MHD_YES;
  }

  if (*upload_data_size > 0) {
    gsize have = req->body ? req->body->len : 0;

    if (req->refused) {
      *upload_data_size = 0;
      return MHD_YES;
    }

    /* The declared length was checked; this holds for any body. */
    if (have + *upload_data_size > self->max_body)
      return MHD_NO;
    if (!req->body)
      req->body = g_byte_array_sized_new (*upload_data_size);
    g_byte_array_append (req->body, (const guint8 *) upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }

  if (req->refused && !req->responded)
    kithd_request_refuse_too_large (req);

  if (!req->dispatched && !req->responded) {
    req->dispatched = TRUE;
    set_phase (self, req->info, PHASE_PROCESSING);
    kithd_request_ref (req);
    self->handler (req, self->user_data);
    if (!req->responded) {
      req->suspended = TRUE;
      g_hash_table_add (self->suspended, req);
      MHD_suspend_connection (connection);
      kithd_request_unref (req);
      return MHD_YES;
    }
    kithd_request_unref (req);
  }

  if (!req->responded || req->queued)
    return MHD_YES;
  return queue_answer (req);
}

/* ---- public ---- */

static int
open_listener (const KithdHttpOptions  *options,
               GError                 **error)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (options->host);
  g_autoptr (GSocketAddress) sockaddr = NULL;
  struct sockaddr_storage native;
  int fd, one = 1;

  if (!address) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an IP address", options->host);
    return -1;
  }
  sockaddr = g_inet_socket_address_new (address, options->port);
  if (!g_socket_address_to_native (sockaddr, &native, sizeof native, error))
    return -1;

  fd = socket (native.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    goto fail;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (native.ss_family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  /* Our own backlog: a reconnect storm must not lose SYNs. */
  if (bind (fd, (struct sockaddr *) &native, g_socket_address_get_native_size (sockaddr)) < 0 ||
      listen (fd, LISTEN_BACKLOG) < 0)
    goto fail;
  return fd;

fail:
  {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot listen on %s:%u: %s", options->host, options->port, g_strerror (saved));
    if (fd >= 0)
      close (fd);
    return -1;
  }
}

static guint
count_open_descriptors (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (!dir)
    return 64;
  while (g_dir_read_name (dir))
    n++;
  return n;
}

/* What the descriptor limit leaves for connections: each takes one, and
 * an upgraded TLS connection two more (libmicrohttpd's socket pair). */
static guint
connection_budget (guint    wanted,
                   gboolean tls)
{
  struct rlimit rl;
  guint budget = wanted;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    guint reserved = count_open_descriptors () + RESERVED_DESCRIPTORS;
    guint usable = rl.rlim_cur > reserved ? rl.rlim_cur - reserved : 1;

    budget = MIN (budget, MAX (1, tls ? usable / 3 : usable));
  }
  return budget;
}

KithdHttp *
kithd_http_new (const KithdHttpOptions  *options,
                KithdHttpHandler         handler,
                gpointer                 user_data,
                GError                 **error)
{
  KithdHttp *self;
  g_autofree char *cert = NULL;
  g_autoptr (KithdSecret) key = NULL;
  const union MHD_DaemonInfo *info;
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  unsigned int flags;
  int listen_fd;
  guint sweep_ms;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (handler != NULL, NULL);

  if (!options->tls_certificate_file != !options->tls_key_file) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "HTTPS needs both a certificate and a key file");
    return NULL;
  }
  if (options->tls_certificate_file &&
      !kithd_tls_files_read (options->tls_certificate_file, options->tls_key_file, &cert, &key, error))
    return NULL;

  listen_fd = open_listener (options, error);
  if (listen_fd < 0)
    return NULL;

  self = g_new0 (KithdHttp, 1);
  self->handler = handler;
  self->user_data = user_data;
  self->server_header = g_strdup (options->server_header);
  self->tls = cert != NULL;
  self->max_body = options->max_body;
  self->request_timeout_us = (gint64) MAX (options->request_timeout_ms, 1) * 1000;
  self->idle_timeout_us = (gint64) MAX (options->idle_timeout_ms, 1) * 1000;
  self->conns = g_hash_table_new (NULL, NULL);
  self->trusted_proxies = g_strdupv ((char **) options->trusted_proxies);
  self->suspended = g_hash_table_new (NULL, NULL);
  self->upgrades = g_hash_table_new (NULL, NULL);
  self->max_connections = connection_budget (MAX (options->max_connections, 1), self->tls);

  flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;
  if (self->tls)
    flags |= MHD_USE_TLS;

  {
    struct MHD_OptionItem tls_options[] = {
      { MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
      { MHD_OPTION_HTTPS_MEM_KEY, 0, key },
      { MHD_OPTION_HTTPS_PRIORITIES, 0, (void *) "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
      { MHD_OPTION_END, 0, NULL },
    };

    self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, on_access, self,
                                     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, self,
                                     MHD_OPTION_LISTEN_SOCKET, listen_fd,
                                     MHD_OPTION_CONNECTION_LIMIT, self->max_connections,
                                     MHD_OPTION_PER_IP_CONNECTION_LIMIT, options->connections_per_address,
                                     /* a backstop for a client that stops reading an answer */
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) MAX (1, options->idle_timeout_ms / 1000),
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY,
                                     MHD_OPTION_STRICT_FOR_CLIENT, 1,
                                     MHD_OPTION_NOTIFY_CONNECTION, on_notify_connection, self,
                                     MHD_OPTION_URI_LOG_CALLBACK, on_uri, self,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, self,
                                     MHD_OPTION_ARRAY, self->tls ? tls_options : tls_options + 3,
                                     MHD_OPTION_END);
  }
  g_clear_pointer (&key, kithd_secret_free);
  if (!self->daemon) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "Cannot start the HTTP%s server on %s:%u (libmicrohttpd refused; see its message above)",
                 self->tls ? "S" : "", options->host, options->port);
    close (listen_fd);
    kithd_http_free (self);
    return NULL;
  }

  if (getsockname (listen_fd, (struct sockaddr *) &bound, &bound_len) == 0)
    self->port = g_ntohs (bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &bound)->sin6_port
                                                      : ((struct sockaddr_in *) &bound)->sin_port);

  info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_EPOLL_FD);
  self->epoll_id = g_unix_fd_add (info->epoll_fd, G_IO_IN, on_epoll, self);
  self->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_set_name (self->timer, "[kithd] libmicrohttpd timeouts");
  g_source_attach (self->timer, NULL);
  sweep_ms = CLAMP (MIN (options->request_timeout_ms, options->idle_timeout_ms) / 4, 100, 1000);
  self->sweep_id = g_timeout_add (sweep_ms, on_sweep, self);
  update_timer (self);

  return self;
}

static gboolean
requests_in_flight (KithdHttp *self)
{
  GHashTableIter iter;
  ConnInfo *info;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, (gpointer *) &info, NULL)) {
    if (info->phase == PHASE_PROCESSING)
      return TRUE;
  }
  return FALSE;
}

void
kithd_http_free (KithdHttp *self)
{
  if (!self)
    return;

  if (self->daemon) {
    gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

    /* libmicrohttpd must not be stopped with a request suspended. */
    while (g_hash_table_size (self->suspended) > 0) {
      GHashTableIter iter;
      KithdRequest *req;

      g_hash_table_iter_init (&iter, self->suspended);
      if (g_hash_table_iter_next (&iter, (gpointer *) &req, NULL)) {
        kithd_request_respond_error (req, KITH_ERROR_INTERNAL, MHD_HTTP_SERVICE_UNAVAILABLE,
                                     "The server is shutting down; please try again");
      }
    }
    /* Let the answers in flight go out. */
    while (g_get_monotonic_time () < deadline && requests_in_flight (self)) {
      MHD_run (self->daemon);
      g_usleep (1000);
    }
    MHD_stop_daemon (self->daemon);
  }
  /* Upgraded connections still open were closed by the daemon: their
   * owners' later kithd_upgrade_close() only frees the handle. */
  if (self->upgrades) {
    GHashTableIter iter;
    KithdUpgrade *upgrade;

    g_hash_table_iter_init (&iter, self->upgrades);
    while (g_hash_table_iter_next (&iter, (gpointer *) &upgrade, NULL)) {
      upgrade->http = NULL;
      upgrade->urh = NULL;
    }
  }
  g_clear_handle_id (&self->epoll_id, g_source_remove);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_handle_id (&self->run_id, g_source_remove);
  g_clear_handle_id (&self->calm_id, g_source_remove);
  if (self->timer) {
    g_source_destroy (self->timer);
    g_clear_pointer (&self->timer, g_source_unref);
  }
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->suspended, g_hash_table_unref);
  g_clear_pointer (&self->upgrades, g_hash_table_unref);
  g_free (self->server_header);
  g_strfreev (self->trusted_proxies);
  g_free (self);
}

guint16
kithd_http_get_port (KithdHttp *self)
{
  return self->port;
}

gboolean
kithd_http_is_tls (KithdHttp *self)
{
  return self->tls;
}

guint
kithd_http_get_n_connections (KithdHttp *self)
{
  return self->n_open;
}

guint
kithd_http_get_max_connections (KithdHttp *self)
{
  return self->max_connections;
}

void
kithd_upgrade_close (KithdUpgrade *upgrade)
{
  if (upgrade->http) {
    g_hash_table_remove (upgrade->http->upgrades, upgrade);
    MHD_upgrade_action (upgrade->urh, MHD_UPGRADE_ACTION_CLOSE);
    kithd_http_schedule_run (upgrade->http);
  }
  g_free (upgrade);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kithd-http.c (the daemon: libmicrohttpd on the main context,
 * connections, their deadlines and limits) and kithd-request.c (one
 * request: its headers, body, answer and upgrade) only. */

#include <microhttpd.h>

#include "kith-protocol.h"
#include "kithd-http.h"

G_BEGIN_DECLS

/* A body over the limit but declared at most this long is read and thrown
 * away before the 413, so that a client that sends it all before reading
 * sees the answer (closing with unread input would reset the connection). */
#define DISCARD_MAX           (1024 * 1024)

typedef enum {
  PHASE_IDLE,        /* no request in progress: idle deadline */
  PHASE_REQUEST,     /* a request is arriving: request deadline */
  PHASE_PROCESSING,  /* complete; kithd is answering: no deadline */
  PHASE_UPGRADED,    /* handed over: the new protocol's own limits */
} Phase;

/* One connection, from accept to close. */
typedef struct {
  struct MHD_Connection *conn;
  int                    fd;
  char                  *address;
  Phase                  phase;
  gint64                 deadline;   /* monotonic µs, IDLE and REQUEST */
  gboolean               shut;
} ConnInfo;

struct _KithdHttp
{
  struct MHD_Daemon *daemon;
  KithdHttpHandler   handler;
  gpointer           user_data;
  char              *server_header;
  gboolean           tls;
  guint16            port;
  gsize              max_body;
  gint64             request_timeout_us;
  gint64             idle_timeout_us;

  guint              epoll_id;
  GSource           *timer;       /* libmicrohttpd's own timeouts */
  guint              sweep_id;    /* our deadlines */
  guint              run_id;      /* an MHD_run soon */

  GHashTable        *conns;       /* ConnInfo, all but upgraded ones */
  GHashTable        *suspended;   /* KithdRequest waiting for an answer */
  GHashTable        *upgrades;    /* KithdUpgrade not closed yet */
  GStrv              trusted_proxies;
  guint              n_open;
  guint              max_connections;
  gboolean           at_limit;
  guint              calm_id;

  gint64             log_window;
  guint              log_count;
  guint              log_dropped;
};

struct _KithdRequest
{
  gatomicrefcount        ref_count;
  KithdHttp             *http;
  struct MHD_Connection *conn;       /* NULL once the request is over */
  ConnInfo              *info;
  char                  *method;
  char                  *path;
  char                  *forwarded_for;  /* the client behind a trusted proxy */
  gboolean               forwarded_https; /* a trusted proxy's X-Forwarded-Proto: https */
  GByteArray            *body;

  guint                  status;
  char                  *content_type;
  char                  *answer;
  gsize                  answer_len;
  GPtrArray             *headers;    /* name, value, name, value, … */
  KithdUpgradeFunc       upgrade_func;
  gpointer               upgrade_data;

  guint                  refused : 1;    /* body thrown away, then the answer */
  guint                  started : 1;
  guint                  dispatched : 1;
  guint                  responded : 1;
  guint                  queued : 1;
  guint                  suspended : 1;
};

struct _KithdUpgrade
{
  KithdHttp                        *http;
  struct MHD_UpgradeResponseHandle *urh;
};

/* kithd-http.c */
void          kithd_http_schedule_run        (KithdHttp             *self);

/* kithd-request.c */
KithdRequest *kithd_request_new              (KithdHttp             *http,
                                              struct MHD_Connection *connection);
/* Its method, path and headers have arrived: FALSE when it is answered
 * already (a body without a length, or one far over the limit). */
gboolean      kithd_request_start            (KithdRequest          *req,
                                              const char            *method,
                                              const char            *url);
/* A body over the limit, read and thrown away: the 413. */
void          kithd_request_refuse_too_large (KithdRequest          *req);
/* An error answer that closes the connection. */
void          kithd_request_respond_error    (KithdRequest          *req,
                                              KithErrorCode          code,
                                              guint                  status,
                                              const char            *message);

G_END_DECLS

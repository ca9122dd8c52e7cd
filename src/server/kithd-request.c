/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One HTTP request of kithd-http.c's daemon (kithd-http-private.h): made when
 * its URI arrives, started with its headers (the client's address behind a
 * trusted proxy, the body's framing), answered by a route, then queued by
 * the daemon. The public KithdRequest API of kithd-http.h.
 */
#define G_LOG_DOMAIN "KithdHttp"

#include "config.h"

#include <string.h>

#include "kithd-http-private.h"

KithdRequest *
kithd_request_new (KithdHttp             *self,
                   struct MHD_Connection *connection)
{
  KithdRequest *req = g_new0 (KithdRequest, 1);
  const union MHD_ConnectionInfo *ci;

  g_atomic_ref_count_init (&req->ref_count);
  req->http = self;
  req->conn = connection;
  ci = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  req->info = ci ? ci->socket_context : NULL;
  req->headers = g_ptr_array_new_with_free_func (g_free);
  return req;
}

void
kithd_request_respond_error (KithdRequest  *req,
                             KithErrorCode  code,
                             guint          status,
                             const char    *message)
{
  gsize len = 0;
  char *json = kith_response_error (code, message, &len);

  kithd_request_set_header (req, MHD_HTTP_HEADER_CONNECTION, "close");
  kithd_request_respond (req, status, "application/json", json, len);
}

/* The last value of @name (comma-separated), which a trusted proxy
 * itself wrote; NULL when the peer is not one, or sent no such header.
 * What the client sent before it is not believed. */
static char *
from_trusted_proxy (KithdRequest *req,
                    const char   *name)
{
  KithdHttp *self = req->http;
  const char *header;
  const char *last;

  if (!self->trusted_proxies || !req->info ||
      !g_strv_contains ((const char * const *) self->trusted_proxies, req->info->address))
    return NULL;
  header = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, name);
  if (!header)
    return NULL;
  last = strrchr (header, ',');
  return g_strstrip (g_strdup (last ? last + 1 : header));
}

/* Behind a trusted proxy: whether the client came over HTTPS. */
static gboolean
forwarded_https (KithdRequest *req)
{
  g_autofree char *proto = from_trusted_proxy (req, "X-Forwarded-Proto");

  return proto && g_ascii_strcasecmp (proto, "https") == 0;
}

/* Behind a trusted proxy: the client's address; NULL when there is none. */
static char *
forwarded_client (KithdRequest *req)
{
  g_autofree char *text = from_trusted_proxy (req, "X-Forwarded-For");
  g_autoptr (GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  return address ? g_inet_address_to_string (address) : NULL;
}

/* Before the body: a body must have a length, and a length over the limit
 * is refused (at once when it is far over; else once it has been read and
 * thrown away). Nothing past the limit is ever kept. FALSE: answer now. */
static gboolean
check_framing (KithdRequest *req)
{
  KithdHttp *self = req->http;
  const char *te = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  const char *cl = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  guint64 length = cl ? g_ascii_strtoull (cl, NULL, 10) : 0;

  if (te) {
    kithd_request_respond_error (req, KITH_ERROR_INVALID_FIELD, MHD_HTTP_LENGTH_REQUIRED,
                                 "A request body needs a Content-Length");
    return FALSE;
  }
  if (length <= self->max_body)
    return TRUE;
  if (length <= DISCARD_MAX) {
    req->refused = TRUE;
    return TRUE;
  }
  kithd_request_refuse_too_large (req);
  return FALSE;
}

void
kithd_request_refuse_too_large (KithdRequest *req)
{
  kithd_request_respond_error (req, KITH_ERROR_PAYLOAD_TOO_LARGE,
                               kith_error_code_http_status (KITH_ERROR_PAYLOAD_TOO_LARGE),
                               "The request body is over 64 KiB");
}

gboolean
kithd_request_start (KithdRequest *req,
                     const char   *method,
                     const char   *url)
{
  req->method = g_strdup (method);
  req->path = g_strdup (url);
  req->forwarded_for = forwarded_client (req);
  req->forwarded_https = forwarded_https (req);
  return check_framing (req);
}

KithdRequest *
kithd_request_ref (KithdRequest *request)
{
  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

void
kithd_request_unref (KithdRequest *request)
{
  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;
  g_free (request->method);
  g_free (request->path);
  g_free (request->forwarded_for);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_free (request->content_type);
  g_free (request->answer);
  g_ptr_array_unref (request->headers);
  g_free (request);
}

const char *
kithd_request_get_method (KithdRequest *request)
{
  return request->method;
}

const char *
kithd_request_get_path (KithdRequest *request)
{
  return request->path;
}

const char *
kithd_request_get_query (KithdRequest *request,
                         const char   *name)
{
  if (!request->conn)
    return NULL;
  return MHD_lookup_connection_value (request->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
kithd_request_get_header (KithdRequest *request,
                          const char   *name)
{
  if (!request->conn)
    return NULL;
  return MHD_lookup_connection_value (request->conn, MHD_HEADER_KIND, name);
}

const char *
kithd_request_get_address (KithdRequest *request)
{
  if (request->forwarded_for)
    return request->forwarded_for;
  return request->info ? request->info->address : "unknown";
}

const char *
kithd_request_get_body (KithdRequest *request,
                        gsize        *len)
{
  *len = request->body ? request->body->len : 0;
  return request->body ? (const char *) request->body->data : "";
}

gboolean
kithd_request_is_tls (KithdRequest *request)
{
  return request->http && request->http->tls;
}

gboolean
kithd_request_is_https (KithdRequest *request)
{
  return kithd_request_is_tls (request) || request->forwarded_https;
}

void
kithd_request_set_header (KithdRequest *request,
                          const char   *name,
                          const char   *value)
{
  g_return_if_fail (!request->responded);

  for (guint i = 0; i + 1 < request->headers->len; i += 2) {
    if (g_ascii_strcasecmp (request->headers->pdata[i], name) == 0) {
      g_free (request->headers->pdata[i + 1]);
      request->headers->pdata[i + 1] = g_strdup (value);
      return;
    }
  }
  kithd_request_add_header (request, name, value);
}

void
kithd_request_add_header (KithdRequest *request,
                          const char   *name,
                          const char   *value)
{
  g_return_if_fail (!request->responded);

  g_ptr_array_add (request->headers, g_strdup (name));
  g_ptr_array_add (request->headers, g_strdup (value));
}

static void
resume (KithdRequest *request)
{
  KithdHttp *self = request->http;

  if (!request->suspended)
    return;
  request->suspended = FALSE;
  g_hash_table_remove (self->suspended, request);
  if (request->conn) {
    MHD_resume_connection (request->conn);
    kithd_http_schedule_run (self);
  }
}

void
kithd_request_respond (KithdRequest *request,
                       guint         status,
                       const char   *content_type,
                       char         *body,
                       gsize         len)
{
  if (request->responded) {
    g_critical ("A request was answered twice (%s %s)", request->method, request->path);
    g_free (body);
    return;
  }
  request->responded = TRUE;
  request->status = status;
  request->content_type = g_strdup (content_type);
  request->answer = body;
  request->answer_len = len;
  resume (request);
}

void
kithd_request_upgrade (KithdRequest     *request,
                       KithdUpgradeFunc  func,
                       gpointer          user_data)
{
  g_return_if_fail (func != NULL);

  kithd_request_set_header (request, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
  request->upgrade_func = func;
  request->upgrade_data = user_data;
  kithd_request_respond (request, MHD_HTTP_SWITCHING_PROTOCOLS, NULL, NULL, 0);
}

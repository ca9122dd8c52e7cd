/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-routes-private.h"
#include "kithd-ws.h"

/*
 * GET /api/v1/socket: the WebSocket handshake (RFC 6455, 4.2.1), then
 * the socket goes to the hub (docs/server.md, "The socket").
 */

static void
on_socket_upgraded (KithdUpgrade *upgrade,
                    int           fd,
                    const guint8 *extra,
                    gsize         extra_len,
                    gpointer      user_data)
{
  const KithdRouteContext *ctx = user_data;

  kithd_hub_accept (ctx->hub, upgrade, fd, extra, extra_len);
}

/* A comma-separated header value holds @token (case-insensitive). */
static gboolean
header_has_token (const char *value,
                  const char *token)
{
  g_auto (GStrv) parts = NULL;

  if (!value)
    return FALSE;
  parts = g_strsplit (value, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    if (g_ascii_strcasecmp (g_strstrip (parts[i]), token) == 0)
      return TRUE;
  }
  return FALSE;
}

void
kithd_route_socket (KithdRouteCall *call)
{
  KithdRequest *http = call->http;
  g_autofree char *accept = NULL;

  /* RFC 6455, 4.2.1. No extensions: an offered permessage-deflate is ignored. */
  if (!header_has_token (kithd_request_get_header (http, "Upgrade"), "websocket") ||
      !header_has_token (kithd_request_get_header (http, "Connection"), "upgrade") ||
      g_strcmp0 (kithd_request_get_header (http, "Sec-WebSocket-Version"), "13") != 0 ||
      !(accept = kithd_ws_accept_key (kithd_request_get_header (http, "Sec-WebSocket-Key")))) {
    kithd_request_set_header (http, "Sec-WebSocket-Version", "13");
    kithd_route_call_error (call, KITH_ERROR_INVALID_FIELD, "This is the WebSocket endpoint: send an upgrade request");
    return;
  }
  kithd_request_set_header (http, "Upgrade", "websocket");
  kithd_request_set_header (http, "Sec-WebSocket-Accept", accept);
  kithd_request_upgrade (http, on_socket_upgraded, (gpointer) call->ctx);
  kithd_route_call_free (call);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-routes-private.h"

/*
 * What calls need of REST: the STUN and TURN servers of kithd.conf's
 * [calls], with time-limited TURN credentials in coturn's
 * "use-auth-secret" scheme (TURN REST API): username "EXPIRY:USER_ID",
 * credential base64 (HMAC-SHA1 (turn-secret, username)). The secret
 * itself never leaves kithd.
 */

GPtrArray *
kithd_routes_ice_servers (const KithdConfig *config,
                          gint64             user_id)
{
  GPtrArray *servers = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_ice_server_free);

  if (config->stun_servers) {
    KithIceServer *stun = kith_ice_server_new ();

    stun->urls = g_strdupv (config->stun_servers);
    g_ptr_array_add (servers, stun);
  }
  if (config->turn_servers) {
    KithIceServer *turn = kith_ice_server_new ();

    turn->urls = g_strdupv (config->turn_servers);
    if (user_id > 0 && config->turn_secret) {
      gint64 expiry = kithd_clock_now_ms () / 1000 + config->turn_credential_lifetime;
      g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) config->turn_secret,
                                           strlen (config->turn_secret));
      guint8 digest[20];
      gsize digest_len = sizeof digest;

      turn->username = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, expiry, user_id);
      g_hmac_update (hmac, (const guchar *) turn->username, -1);
      g_hmac_get_digest (hmac, digest, &digest_len);
      turn->credential = g_base64_encode (digest, digest_len);
    }
    g_ptr_array_add (servers, turn);
  }

  return servers;
}

void
kithd_route_ice_servers (KithdRouteCall *call)
{
  const KithdConfig *config = call->ctx->config;
  g_autoptr (GPtrArray) servers = kithd_routes_ice_servers (config, call->session->user_id);
  gsize len = 0;
  char *json = kith_response_ice_servers (servers, config->turn_credential_lifetime, &len);

  kithd_route_call_respond (call, 200, json, len);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-db-messages.h"
#include "kithd-routes-private.h"

/*
 * GET /conversations/{id}/messages: a conversation's history, newest
 * first in pages (?before=SEQ&limit=N).
 */

#define HISTORY_DEFAULT_LIMIT 50

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = kithd_db_history_finish (KITHD_DB (source), result, &error);
  gsize len = 0;
  char *json;

  if (!messages) {
    kithd_route_call_error_from (call, error);
    return;
  }
  json = kith_response_messages (messages, &len);
  kithd_route_call_respond (call, 200, json, len);
}

void
kithd_route_history (KithdRouteCall *call)
{
  const char *before_str = kithd_request_get_query (call->http, "before");
  const char *limit_str = kithd_request_get_query (call->http, "limit");
  gint64 before = 0;
  gint64 limit = HISTORY_DEFAULT_LIMIT;

  if (before_str && !kithd_routes_parse_id (before_str, &before)) {
    kithd_route_call_error (call, KITH_ERROR_INVALID_FIELD, "before must be a message seq");
    return;
  }
  if (limit_str && (!kithd_routes_parse_id (limit_str, &limit) || limit < 1 || limit > KITH_MAX_HISTORY_LIMIT)) {
    kithd_route_call_error (call, KITH_ERROR_INVALID_FIELD, "limit must be a number from 1 to 200");
    return;
  }

  kithd_db_history_async (call->ctx->db, call->user->id, call->path_id, before, limit,
                          NULL, on_history, call);
}
